/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bpf-floor COMMAND...: run COMMAND with bench/floor.bpf.c attached to sys_enter (the floor
 * row of bench/record.sh), and exit with its status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floor.skel.h"

int main(int argc, char **argv)
{
	struct floor *skel;
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: bpf-floor COMMAND [ARG]...\n");
		return 2;
	}
	skel = floor__open_and_load();
	if (!skel || floor__attach(skel) < 0) {
		fprintf(stderr, "bpf-floor: cannot load or attach the no-op program: %s\n",
			strerror(errno));
		floor__destroy(skel);
		return 125;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		floor__destroy(skel);
		return 125;
	}
	floor__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
