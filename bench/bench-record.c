/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-record [-r ROUNDS] [-n CALLS] [--cgroup DIR]: what the eBPF recorder adds to a syscall,
 * against its floor, measured in one process (bench/record.sh prints it).
 *
 * Everything is loaded once: the no-op program on sys_enter (bench/floor.bpf.c, the floor: any
 * recorder on that tracepoint pays it), the recorder in pids mode with this process as its
 * target (what `syscage record -- CMD` loads) and, with --cgroup DIR, the recorder in cgroup
 * mode on DIR, which must hold this process (`record --cgroup`). Then, round after round, a
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
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "floor.skel.h"
#include "record/record-backend.h"
#include "syscage/syscage.h"

enum {
	M_NONE,
	M_FLOOR,
	M_PIDS,
	M_CGROUP,
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
		rec[M_CGROUP] = recorder(cgroup);
		n_methods = N_METHODS;
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
					times[m][l][round * SLICES + s] = v;
				}
	for (int m = 0; m < n_methods; m++)
		for (int l = 0; l < N_LOOPS; l++) {
			qsort(times[m][l], (size_t)rounds * SLICES, sizeof(double), cmp_double);
			best[m][l] = times[m][l][rounds * SLICES / 2];
		}
	for (int m = M_PIDS; m < n_methods; m++) {
		if (!counted(rec[m], getppids[m]))
			lost++;
		sc_record_bpf_close(rec[m]);
	}
	floor__destroy(fl);
	print_table(best, n_methods);
	printf("median of %d blocks of %ld calls per method, interleaved; mix = "
	       "getppid/read/write/openat/close\n",
	       rounds * SLICES, n / SLICES);
	if (lost)
		printf("LOST: %d recorders counted fewer getppid than were made\n", lost);
	return lost ? 1 : 0;
}
