/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper, built static so it runs in a busybox container image: make syscall NR once with
 * arguments -1 (it fails with EBADF or EINVAL and changes nothing) and exit 0.
 *   syscall-once NR */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	(void)syscall(strtol(argv[1], NULL, 10), -1L, -1L, 0L, 0L, 0L, 0L);
	return 0;
}
