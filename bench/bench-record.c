/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-record [-r ROUNDS] [-n CALLS] [--cgroup DIR]: what the eBPF recorder adds to a syscall,
 * against its floor, measured in one process (bench/record.sh prints it).
 *
 * Each round times, in turn: no program; the no-op program on sys_enter (bench/floor.bpf.c,
 * the floor: any recorder on that tracepoint pays it); the recorder in pids mode with this
 * process as its target (what `syscage record -- CMD` loads); and with --cgroup DIR, the
 * recorder in cgroup mode on DIR, which must hold this process (`record --cgroup`). Each is
 * attached only for its own block of calls, so the methods interleave within milliseconds and
 * a busy neighbour slows them alike; the best block of each method over the rounds counts.
 * The time is the thread's CPU clock: the tracepoint and the program run in the caller's
 * context, and the CPU clock leaves out what other processes take from it. Two loops:
 * getppid alone, and getppid/read/write/openat/close (bench/bench-loop.c's).
 *
 * Every recorder block must also find every getppid it made: a count short of that is printed
 * as "LOST", since a recorder that is fast because it misses calls is no result. */
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

/* ns per syscall of one block of 'n' calls (the mix: n/5 rounds of 5). */
static double run_loop(int loop, long n)
{
	double t0 = cpu_ns();
	char c = 0;

	if (loop == L_GETPPID) {
		for (long k = 0; k < n; k++)
			(void)syscall(SYS_getppid);
	} else {
		for (long k = 0; k < n / 5; k++) {
			(void)syscall(SYS_getppid);
			if (read(zero_fd, &c, 1) != 1 || write(null_fd, &c, 1) != 1)
				exit(3);
			int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				exit(3);
			close(fd);
		}
	}
	return (cpu_ns() - t0) / (double)n;
}

/* Time one block with the recorder loaded; 1 when it counted every getppid of the block. */
static int recorder_block(const char *cgroup, int loop, long n, double *ret_ns)
{
	struct sc_record_opts o = { .method = SC_RECORD_BPF, .cgroup = cgroup, .stop_fd = -1 };
	struct sc_diags d = { 0 };
	struct sc_record_bpf *b = NULL;
	struct sc_record *r = sc_record_new();
	long calls = loop == L_GETPPID ? n : n / 5;
	int ok = 0;

	if (!r || sc_record_bpf_open(&o, &d, &b) < 0 ||
	    (!cgroup && sc_record_bpf_add_pid(b, getpid(), false) < 0)) {
		fprintf(stderr, "bench-record: cannot load the recorder: %s\n",
			d.n ? d.v[0].message : "sc_record_bpf_add_pid failed");
		exit(1);
	}
	*ret_ns = run_loop(loop, n);
	if (sc_record_bpf_collect(b, r) == 0 &&
	    sc_record_count(r, SC_ARCH_X86_64, SYS_getppid) == (uint64_t)calls)
		ok = 1;
	sc_record_bpf_close(b);
	sc_record_free(r);
	sc_diags_clear(&d);
	return ok;
}

int main(int argc, char **argv)
{
	double best[N_METHODS][N_LOOPS];
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
	if (cgroup)
		n_methods = N_METHODS;
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fl = floor__open_and_load();
	if (zero_fd < 0 || null_fd < 0 || rounds < 1 || n < 5 || !fl) {
		fprintf(stderr,
			"bench-record: cannot set up (root and BPF needed for the floor)\n");
		return 1;
	}
	for (int m = 0; m < N_METHODS; m++)
		for (int l = 0; l < N_LOOPS; l++)
			best[m][l] = 0;
	for (int round = 0; round < rounds; round++)
		for (int l = 0; l < N_LOOPS; l++)
			for (int m = 0; m < n_methods; m++) {
				double v = 0;
				switch (m) {
				case M_NONE:
					v = run_loop(l, n);
					break;
				case M_FLOOR:
					if (floor__attach(fl) < 0) {
						fprintf(stderr,
							"bench-record: cannot attach the floor\n");
						return 1;
					}
					v = run_loop(l, n);
					floor__detach(fl);
					break;
				case M_PIDS:
				case M_CGROUP:
					if (!recorder_block(m == M_CGROUP ? cgroup : NULL, l, n,
							    &v))
						lost++;
					break;
				}
				if (best[m][l] == 0 || v < best[m][l])
					best[m][l] = v;
			}
	floor__destroy(fl);

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
	printf("best block of %d rounds, %ld calls per block; mix = "
	       "getppid/read/write/openat/close\n",
	       rounds, n);
	if (lost)
		printf("LOST: %d recorder blocks counted fewer getppid than they made\n", lost);
	return lost ? 1 : 0;
}
