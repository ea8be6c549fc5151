/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The syscall-heavy loops the benchmarks time; prints the best of 5 runs as nanoseconds per
 * syscall. Built static so the same binary runs on the host and inside a runc bundle.
 *
 *   bench-loop [-g] [-c] [N]
 *     (default)  getppid, read, write, openat, close: N rounds (bench/filter.sh, bench/record.sh)
 *     -g         getppid alone, N calls (bench/record.sh)
 *     -c         time on the thread's CPU clock instead of the wall clock: what a syscall costs
 *                the caller, without the time other processes of a busy machine take from it.
 *                Right for costs paid in the caller's context (a filter, a BPF program on
 *                sys_enter), wrong for a tracer's (ptrace: the cost is in another process). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	bool only_getppid = false;
	int zero, null, i = 1;
	double best = 0;
	char c = 0;
	long n;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-g") == 0)
			only_getppid = true;
		else if (strcmp(argv[i], "-c") == 0)
			clock_id = CLOCK_THREAD_CPUTIME_ID;
		else {
			fprintf(stderr, "usage: bench-loop [-g] [-c] [N]\n");
			return 2;
		}
	}
	n = i < argc ? atol(argv[i]) : 200000;
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (zero < 0 || null < 0 || n <= 0) {
		perror("bench-loop: /dev/zero, /dev/null");
		return 1;
	}
	for (int run = 0; run < 5; run++) {
		double t0 = now(), per;
		if (only_getppid) {
			for (long k = 0; k < n; k++)
				(void)syscall(SYS_getppid);
			per = (now() - t0) / (double)n;
		} else {
			for (long k = 0; k < n; k++) {
				int fd;
				(void)syscall(SYS_getppid);
				if (read(zero, &c, 1) != 1 || write(null, &c, 1) != 1)
					return 2;
				fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
				if (fd < 0)
					return 3;
				close(fd);
			}
			per = (now() - t0) / (double)(n * 5);
		}
		if (run == 0 || per < best)
			best = per;
	}
	printf("%.1f\n", best);
	return 0;
}
