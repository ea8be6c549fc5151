/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* churn [--double-fork] [--cgroup-each DIR] NR...: one short-lived process per NR, all started
 * at once, each making syscall NR (as in seccomp_data.nr: the x32 bit included) and exiting at
 * once; exit 0 when every one was started and is gone. tests/cli/record-churn.sh checks that
 * a recorder misses none of them.
 *
 *   --double-fork      each child forks the process that makes the call and exits at once
 *                      (the caller is an orphan by then); churn still waits for all of them
 *                      (they hold a pipe open), so a recording of churn includes them
 *   --cgroup-each DIR  each child first moves itself into a cgroup of its own, DIR/cN, made
 *                      before and removed after it: a container that ends at once
 *
 * The calls get -1 in every argument, so that nearly all fail before doing anything (EFAULT,
 * EBADF, EINVAL); the tests leave out the few that would not (fork, pause, ...). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child that could not set itself up says so here (its exit status is the syscall's to
 * choose: exit(-1) is one of them). */
static int fail_fd = -1;

static _Noreturn void child_failed(void)
{
	(void)!write(fail_fd, "F", 1);
	_exit(0);
}

static void join_cgroup(const char *dir)
{
	char path[4200];
	int fd;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		child_failed();
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		child_failed();
	close(fd);
}

int main(int argc, char **argv)
{
	const char *cg = NULL;
	bool double_fork = false;
	int i = 1, n, hold[2], fail[2], failed = 0;
	pid_t *pids;
	char c;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--double-fork") == 0)
			double_fork = true;
		else if (strcmp(argv[i], "--cgroup-each") == 0 && i + 1 < argc)
			cg = argv[++i];
		else {
			fprintf(stderr, "usage: churn [--double-fork] [--cgroup-each DIR] NR...\n");
			return 2;
		}
	}
	n = argc - i;
	pids = calloc((size_t)n + 1, sizeof(*pids));
	if (!pids || pipe2(hold, O_CLOEXEC) < 0 || pipe2(fail, O_CLOEXEC | O_NONBLOCK) < 0)
		return 1;
	fail_fd = fail[1];
	for (int k = 0; k < n; k++) {
		long nr = strtol(argv[i + k], NULL, 0);
		char dir[4096];

		if (cg) {
			snprintf(dir, sizeof(dir), "%s/c%d", cg, k);
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				perror(dir);
				return 1;
			}
		}
		pids[k] = fork();
		if (pids[k] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[k] > 0)
			continue;
		/* the child: 'hold' stays open (not exec'd) until it exits */
		close(hold[0]);
		close(fail[0]);
		if (cg)
			join_cgroup(dir);
		if (double_fork) {
			pid_t g = fork();
			if (g < 0)
				child_failed();
			if (g > 0)
				_exit(0);
		}
		(void)syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
		_exit(0);
	}
	close(hold[1]);
	for (int k = 0; k < n; k++) {
		int st;
		if (waitpid(pids[k], &st, 0) < 0)
			failed++;
		if (cg) {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s/c%d", cg, k);
			if (rmdir(dir) < 0)
				failed++;
		}
	}
	/* every grandchild of --double-fork is gone once the last write end is closed */
	while (read(hold[0], &c, 1) > 0)
		;
	close(fail[1]);
	while (read(fail[0], &c, 1) > 0)
		failed++;
	if (failed)
		fprintf(stderr, "churn: %d of %d processes failed\n", failed, n);
	return failed ? 1 : 0;
}
