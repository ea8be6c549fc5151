/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: short-lived "containers" as the agent's --record sees them. For each line
 * "CGROUP_DIR SYSCALL" on stdin: make the cgroup v2 directory, fork a child that moves itself
 * into it, makes that syscall once (arguments -1: it fails with EBADF or EINVAL and changes
 * nothing) and exits at once; wait for it and remove the directory, so the cgroup lives a few
 * milliseconds. In its cgroup the child enters only close(2) (after its write to cgroup.procs),
 * the syscall and exit_group(2): a recorder that keeps a cgroup's syscalls apart from every
 * other's sees exactly that.
 *   cgroup-churn < LINES    prints "N done", exit 1 on the first failure (said on stderr) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscage/syscalls.h"

static int child(const char *dir, long nr)
{
	char path[4096 + 16];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return 2;
	(void)close(fd);
	(void)syscall(nr, -1L, -1L, 0L, 0L, 0L, 0L);
	return 0;
}

int main(void)
{
	char dir[4096], name[64];
	unsigned n = 0;

	while (scanf("%4095s %63s", dir, name) == 2) {
		int nr = sc_syscall_from_name(SC_ARCH_X86_64, name), st;
		pid_t pid;

		if (nr < 0) {
			fprintf(stderr, "cgroup-churn: %s: no such syscall on x86_64\n", name);
			return 1;
		}
		if (mkdir(dir, 0755) < 0) {
			fprintf(stderr, "cgroup-churn: mkdir %s: %s\n", dir, strerror(errno));
			return 1;
		}
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(child(dir, nr));
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "cgroup-churn: the child in %s failed\n", dir);
			return 1;
		}
		/* The cgroup is unpopulated once the child is reaped; the kernel may take a moment
		 * to say so. */
		for (int i = 0; rmdir(dir) < 0; i++) {
			struct timespec ms = { 0, 1000000 };
			if (errno != EBUSY || i == 1000) {
				fprintf(stderr, "cgroup-churn: rmdir %s: %s\n", dir,
					strerror(errno));
				return 1;
			}
			nanosleep(&ms, NULL);
		}
		n++;
	}
	printf("%u done\n", n);
	return 0;
}
