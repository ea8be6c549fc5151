/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/filter.sh's floor: the least seccomp filter there is, loaded the way syscage run loads
 * one (no_new_privs, seccomp(SECCOMP_SET_MODE_FILTER)), then exec of CMD.
 *
 *   filter-floor [-u] -- CMD...
 *     (default)  one instruction, "return ALLOW": what having any filter costs a syscall (the
 *                kernel's seccomp entry; since Linux 5.11 the kernel sees that the program's
 *                answer does not depend on the arguments and allows from a per-syscall bitmap
 *                without running it, as it does for any filter's argument-free allows)
 *     -u         two instructions, a load of args[0] then "return ALLOW": the bitmap cannot
 *                decide, so the kernel runs the program on every syscall (what one BPF run
 *                costs, for reading the table, not a floor) */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter uncached[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { 1, allow };
	int i = 1;

	if (i < argc && strcmp(argv[i], "-u") == 0) {
		prog = (struct sock_fprog){ 2, uncached };
		i++;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0) {
		fprintf(stderr, "usage: filter-floor [-u] -- CMD...\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "filter-floor: cannot load the filter: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "filter-floor: exec %s: %s\n", argv[i + 1], strerror(errno));
	return 126;
}
