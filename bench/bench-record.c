/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-record [-r ROUNDS] [-n CALLS] [--cgroup DIR]: what the eBPF recorders add to a syscall,
 * against their floor, measured in one process (bench/record.sh prints it).
 *
 * Everything is loaded once: the no-op program on sys_enter (bench/floor.bpf.c, the floor: any
 * recorder on that tracepoint pays it), the recorder in pids mode with this process as its
 * target (what `syscage record -- CMD` loads) and, with --cgroup DIR, the recorder in cgroup
 * mode on DIR, which must hold this process (`record --cgroup`), and the node recorder (the
 * agent's --record) twice: with DIR as its root, this process being a pod's, and with an empty
 * sibling of DIR as its root, this process being one of the node's other tasks, which pay the
 * node recorder on every syscall too; each with the cached sys_enter program and the uncached
 * one (kernels before 6.2). Then, round after round, a
 * block of CALLS/10 calls runs with no program, then with each of the others attached alone,
 * so that the methods alternate within milliseconds and a busy neighbour slows them alike; the
 * median block of each method counts (the best one swings with a single lucky block). The time is
 * the thread's CPU clock: the tracepoint and the program run in the caller's context, and the CPU
 * clock leaves out what other processes take from it. Two loops: getppid alone, and
 * getppid/read/write/openat/close (bench-loop.c's).
 *
 * Each recorder must also have counted every getppid made while it was attached: a count short
 * of that is printed as "LOST", since a recorder that is fast because it misses calls is no
 * result. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "floor.skel.h"
#include "record/record-backend.h"
#include "syscage/record-node.h"
#include "syscage/syscage.h"

enum {
	M_NONE,
	M_FLOOR,
	M_PIDS,
	M_CGROUP,
	M_NODE_IN,
	M_NODE_OUT,
	M_NODE_IN_UNCACHED,
	M_NODE_OUT_UNCACHED,
	N_METHODS
};
enum {
	L_GETPPID,
	L_MIX,
	N_LOOPS
};
enum {
	SLICES = 10
}; /* blocks per method, loop and round */

static const char *const method_name[N_METHODS] = {
	[M_NONE] = "no program",
	[M_FLOOR] = "floor: no-op BPF on sys_enter",
	[M_PIDS] = "syscage recorder, pids mode",
	[M_CGROUP] = "syscage recorder, cgroup mode",
	[M_NODE_IN] = "node recorder, task in a pod",
	[M_NODE_OUT] = "node recorder, any other task",
	[M_NODE_IN_UNCACHED] = "  uncached (<6.2), in a pod",
	[M_NODE_OUT_UNCACHED] = "  uncached (<6.2), other task",
};

static int zero_fd, null_fd;

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per syscall of one block of 'n' calls (the mix: n/5 rounds of 5); *getppids counts the
 * getppid calls made. */
static double run_block(int loop, long n, long *getppids)
{
	double t0 = cpu_ns();
	char c = 0;

	if (loop == L_GETPPID) {
		for (long k = 0; k < n; k++)
			(void)syscall(SYS_getppid);
		*getppids += n;
		return (cpu_ns() - t0) / (double)n;
	}
	for (long k = 0; k < n / 5; k++) {
		(void)syscall(SYS_getppid);
		if (read(zero_fd, &c, 1) != 1 || write(null_fd, &c, 1) != 1)
			exit(3);
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			exit(3);
		close(fd);
	}
	*getppids += n / 5;
	return (cpu_ns() - t0) / (double)(n / 5 * 5);
}

static struct sc_record_bpf *recorder(const char *cgroup)
{
	struct sc_record_opts o = { .method = SC_RECORD_BPF, .cgroup = cgroup, .stop_fd = -1 };
	struct sc_diags d = { 0 };
	struct sc_record_bpf *b = NULL;

	if (sc_record_bpf_open(&o, &d, &b) < 0 ||
	    (!cgroup && sc_record_bpf_add_pid(b, getpid(), false) < 0) ||
	    sc_record_bpf_set_attached(b, false) < 0) {
		fprintf(stderr, "bench-record: cannot load the recorder: %s\n",
			d.n ? d.v[0].message : "adding this process failed");
		exit(1);
	}
	sc_diags_clear(&d);
	return b;
}

/* The cgroup v2 mount 'dir' lies below: its length, 0 when none is found. */
static size_t cgroup2_mount_len(const char *dir)
{
	FILE *f = fopen("/proc/mounts", "re");
	char dev[256], mnt[256], type[64];
	size_t best = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, mnt, type) == 3) {
		size_t l = strlen(mnt);
		if (strcmp(type, "cgroup2") == 0 && strncmp(dir, mnt, l) == 0 && dir[l] == '/' &&
		    l > best)
			best = l;
	}
	fclose(f);
	return best;
}

/* The node recorder with 'root' (below the cgroup v2 mount of 'mlen' bytes) as its only
 * root, detached. */
static struct sc_record_node *node_recorder(const char *root, size_t mlen, bool uncached)
{
	char mount[256];
	const char *rel = root + mlen + 1;
	struct sc_record_node_opts o = { .cgroup_root = mount, .roots = &rel, .n_roots = 1 };
	struct sc_diags d = { 0 };
	struct sc_record_node *n = NULL;

	snprintf(mount, sizeof(mount), "%.*s", (int)mlen, root);
	sc_record_node_force_probe = uncached;
	if (sc_record_node_open(&o, &d, &n) < 0 || sc_record_node_set_attached(n, false) < 0 ||
	    sc_record_node_uses_cache(n) == uncached) {
		fprintf(stderr, "bench-record: cannot load the node recorder%s: %s\n",
			uncached ? " (uncached)" : "",
			d.n ? d.v[0].message : "not the program asked for");
		exit(1);
	}
	sc_diags_clear(&d);
	return n;
}

/* 1 when the node recorder's bitmap of cgroup 'dir' holds getppid. */
static int node_saw_getppid(struct sc_record_node *n, const char *dir)
{
	struct sc_record_node_bits b;
	struct stat st;

	return stat(dir, &st) == 0 && sc_record_node_read(n, st.st_ino, &b) == 0 &&
	       (b.bits[0][SYS_getppid / 64] & (1ULL << (SYS_getppid % 64)));
}

/* 1 when 'b' counted exactly 'want' getppid calls. */
static int counted(struct sc_record_bpf *b, long want)
{
	struct sc_record *r = sc_record_new();
	int ok = r && sc_record_bpf_collect(b, r) == 0 &&
		 sc_record_count(r, SC_ARCH_X86_64, SYS_getppid) == (uint64_t)want;

	sc_record_free(r);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_table(double best[N_METHODS][N_LOOPS], int n_methods)
{
	printf("%-31s %9s %8s %12s %9s %8s %12s\n", "ns per syscall (thread CPU time)", "getppid",
	       "vs none", "added/floor", "mix", "vs none", "added/floor");
	for (int m = 0; m < n_methods; m++) {
		printf("%-31s", method_name[m]);
		for (int l = 0; l < N_LOOPS; l++) {
			double none = best[M_NONE][l], fl_add = best[M_FLOOR][l] - none;
			printf(" %9.1f %7.2fx", best[m][l], best[m][l] / none);
			if (m == M_NONE || fl_add <= 0)
				printf(" %12s", "-");
			else
				printf(" %11.2fx", (best[m][l] - none) / fl_add);
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	double best[N_METHODS][N_LOOPS] = { { 0 } };
	double *times[N_METHODS][N_LOOPS];
	struct sc_record_bpf *rec[N_METHODS] = { NULL };
	struct sc_record_node *node[N_METHODS] = { NULL };
	char *other = NULL;
	long getppids[N_METHODS] = { 0 };
	const char *cgroup = NULL;
	struct floor *fl;
	int rounds = 20, lost = 0, n_methods = M_CGROUP;
	long n = 200000;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atol(argv[++i]);
		else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc)
			cgroup = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench-record [-r ROUNDS] [-n CALLS] [--cgroup DIR]\n");
			return 2;
		}
	}
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fl = floor__open_and_load();
	if (zero_fd < 0 || null_fd < 0 || rounds < 1 || n < 5 * SLICES || !fl) {
		fprintf(stderr,
			"bench-record: cannot set up (root and BPF needed for the floor)\n");
		return 1;
	}
	for (int m = 0; m < N_METHODS; m++)
		for (int l = 0; l < N_LOOPS; l++) {
			times[m][l] = calloc((size_t)rounds * SLICES, sizeof(double));
			if (!times[m][l])
				return 1;
		}
	rec[M_PIDS] = recorder(NULL);
	if (cgroup) {
		size_t mlen = cgroup2_mount_len(cgroup);
		rec[M_CGROUP] = recorder(cgroup);
		n_methods = M_NODE_IN;
		if (mlen && asprintf(&other, "%s-other", cgroup) > 0 &&
		    (mkdir(other, 0755) == 0 || errno == EEXIST)) {
			node[M_NODE_IN] = node_recorder(cgroup, mlen, false);
			node[M_NODE_OUT] = node_recorder(other, mlen, false);
			node[M_NODE_IN_UNCACHED] = node_recorder(cgroup, mlen, true);
			node[M_NODE_OUT_UNCACHED] = node_recorder(other, mlen, true);
			n_methods = N_METHODS;
		} else
			fprintf(stderr,
				"bench-record: node recorder not measured: %s is not "
				"below a cgroup v2 mount, or no sibling can be made\n",
				cgroup);
	}
	for (int round = 0; round < rounds; round++)
		for (int l = 0; l < N_LOOPS; l++)
			for (int s = 0; s < SLICES; s++)
				for (int m = 0; m < n_methods; m++) {
					long ignored = 0;
					double v;
					if (m == M_FLOOR && floor__attach(fl) < 0) {
						fprintf(stderr,
							"bench-record: cannot attach the floor\n");
						return 1;
					}
					if (node[m] &&
					    sc_record_node_set_attached(node[m], true) < 0) {
						fprintf(stderr, "bench-record: cannot attach the "
								"node recorder\n");
						return 1;
					}
					if (rec[m] &&
					    sc_record_bpf_set_attached(rec[m], true) < 0) {
						fprintf(stderr, "bench-record: cannot attach the "
								"recorder\n");
						return 1;
					}
					v = run_block(l, n / SLICES,
						      rec[m] ? &getppids[m] : &ignored);
					if (m == M_FLOOR)
						floor__detach(fl);
					if (rec[m])
						(void)sc_record_bpf_set_attached(rec[m], false);
					if (node[m])
						(void)sc_record_node_set_attached(node[m], false);
					times[m][l][round * SLICES + s] = v;
				}
	for (int m = 0; m < n_methods; m++)
		for (int l = 0; l < N_LOOPS; l++) {
			qsort(times[m][l], (size_t)rounds * SLICES, sizeof(double), cmp_double);
			best[m][l] = times[m][l][rounds * SLICES / 2];
		}
	for (int m = M_PIDS; m < n_methods; m++) {
		if (rec[m]) {
			if (!counted(rec[m], getppids[m]))
				lost++;
			sc_record_bpf_close(rec[m]);
		}
	}
	/* The node recorder keeps a bit, not a count: in a pod it saw getppid, outside not. */
	if (node[M_NODE_IN]) {
		lost += !node_saw_getppid(node[M_NODE_IN], cgroup);
		lost += !node_saw_getppid(node[M_NODE_IN_UNCACHED], cgroup);
		lost += node_saw_getppid(node[M_NODE_OUT], cgroup) ||
			node_saw_getppid(node[M_NODE_OUT_UNCACHED], cgroup);
		for (int m = M_NODE_IN; m < N_METHODS; m++)
			sc_record_node_free(node[m]);
		(void)rmdir(other);
	}
	free(other);
	floor__destroy(fl);
	print_table(best, n_methods);
	printf("median of %d blocks of %ld calls per method, interleaved; mix = "
	       "getppid/read/write/openat/close\n",
	       rounds * SLICES, n / SLICES);
	if (lost)
		printf("LOST: %d recorders counted fewer getppid than were made (or the node "
		       "recorder saw a call outside its roots)\n",
		       lost);
	return lost ? 1 : 0;
}
