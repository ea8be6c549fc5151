/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscalls4: the four syscalls of seed 003 (KubeArmor's "s1, s2, s3, s4"), made for real so a
 * pod shows which of them its seccomp profile lets through:
 *
 *   s1 = getppid   s2 = getpgrp   s3 = getsid   s4 = sysinfo
 *
 * Four harmless calls that neither this program (static glibc) nor runc makes on its own
 * after the filter is loaded: with allowPrivilegeEscalation: false runc loads the filter right
 * before execve (its getppid check of the parent comes before that), and glibc's start-up
 * calls none of them. Each is made with syscall(2), so no libc wrapper substitutes another
 * call (glibc implements getpgrp() with getpgid).
 *
 * It prints one line, "run=TAG s1=ok s2=EPERM s3=EPERM s4=ok" (TAG: $SEED003_RUN, "-" when
 * unset, so a test can tell this start's line from an earlier one in the same log), then
 * sleeps until killed so the pod stays running; with --once it exits 0 instead.
 * Build it static so it runs in a busybox-static image:
 *   gcc -O2 -static -o syscalls4 examples/seed003/syscalls4.c */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static const char *errno_name(int e, char *buf, size_t n)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOSYS:
		return "ENOSYS";
	case EINVAL:
		return "EINVAL";
	case EFAULT:
		return "EFAULT";
	default:
		snprintf(buf, n, "errno%d", e);
		return buf;
	}
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	long r[4];
	int e[4];
	char line[256], b[4][16];
	const char *tag = getenv("SEED003_RUN");
	int len, i;

	errno = 0;
	r[0] = syscall(SYS_getppid);
	e[0] = errno;
	errno = 0;
	r[1] = syscall(SYS_getpgrp);
	e[1] = errno;
	errno = 0;
	r[2] = syscall(SYS_getsid, 0);
	e[2] = errno;
	errno = 0;
	r[3] = syscall(SYS_sysinfo, &si);
	e[3] = errno;

	len = snprintf(line, sizeof line, "run=%s", tag && *tag ? tag : "-");
	for (i = 0; i < 4; i++)
		len += snprintf(line + len, sizeof line - (size_t)len, " s%d=%s", i + 1,
				r[i] != -1 ? "ok" : errno_name(e[i], b[i], sizeof b[i]));
	line[len++] = '\n';
	if (write(STDOUT_FILENO, line, (size_t)len) != len)
		return 1;
	if (argc > 1 && strcmp(argv[1], "--once") == 0)
		return 0;
	for (;;)
		pause();
}
