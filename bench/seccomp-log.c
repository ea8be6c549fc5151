/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench helper: the seeds' way of learning a workload's syscalls. Load a filter whose every
 * decision is SECCOMP_RET_LOG (what an SCMP_ACT_LOG profile compiles to), then execute the
 * command; the kernel writes one audit record per syscall, rate limit permitting.
 *   seccomp-log COMMAND [ARGS...] */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG) };
	struct sock_fprog prog = { .len = 1, .filter = insn };

	if (argc < 2) {
		fprintf(stderr, "usage: seccomp-log COMMAND [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "seccomp-log: cannot load the filter: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "seccomp-log: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
