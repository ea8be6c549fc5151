/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns loading a program into the kernel: no_new_privs, seccomp(SECCOMP_SET_MODE_FILTER)
 * with the filter flags a profile asks for, dropping the ones the running kernel lacks; and
 * the calls the kernel lets through without running any filter. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscage/compile.h"
#include "syscage/filter.h"
#include "syscage/syscalls.h"
#include "macro.h"

#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* SC_FLAG_* bit i is SECCOMP_FILTER_FLAG_* bit i (the kernel's order). */
static unsigned long kernel_flags(unsigned sc_flags)
{
	return sc_flags & 0x3fu;
}

static int sys_seccomp(unsigned op, unsigned long flags, void *arg)
{
	long r = syscall(__NR_seccomp, op, flags, arg);
	return r < 0 ? -errno : (int)r;
}

int sc_filter_flag_supported(unsigned sc_flag)
{
	/* A flag the kernel knows fails with EFAULT on a NULL program; an unknown one with
	 * EINVAL (kernel/seccomp.c checks flags before touching the program). */
	int r = sys_seccomp(SECCOMP_SET_MODE_FILTER, sc_flag, NULL);

	if (r == -EFAULT)
		return 1;
	if (r == -EINVAL)
		return 0;
	if (r == -ENOSYS)
		return 0;
	/* NEW_LISTENER/TSYNC combinations and the like: the flag itself exists. */
	return r < 0 ? r : 1;
}

int sc_filter_load(const struct sock_filter *insns, size_t len, unsigned sc_flags,
		   unsigned *ret_dropped)
{
	struct sock_fprog prog = { .len = (unsigned short)len,
				   .filter = (struct sock_filter *)insns };
	unsigned dropped = 0, want = sc_flags & 0x3fu;
	int r;

	if (!insns || len == 0 || len > 4096)
		return -EINVAL;
	/* NEW_LISTENER hands back an fd the caller would have to serve; not for this API. */
	want &= ~(unsigned)SC_FLAG_NEW_LISTENER;
	for (unsigned bit = 1; bit <= SC_FLAG_WAIT_KILLABLE_RECV; bit <<= 1) {
		if (!(want & bit) || bit == SC_FLAG_TSYNC)
			continue;
		/* WAIT_KILLABLE_RECV is only accepted together with NEW_LISTENER. */
		if (bit == SC_FLAG_WAIT_KILLABLE_RECV) {
			want &= ~bit;
			dropped |= bit;
			continue;
		}
		if (sc_filter_flag_supported(bit) <= 0) {
			want &= ~bit;
			dropped |= bit;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = sys_seccomp(SECCOMP_SET_MODE_FILTER, kernel_flags(want), &prog);
	if (r > 0 && (want & SC_FLAG_TSYNC))
		return -ESRCH; /* a thread could not be synchronised (r is its tid) */
	if (r < 0)
		return r;
	if (ret_dropped)
		*ret_dropped = dropped | (sc_flags & SC_FLAG_NEW_LISTENER);
	return 0;
}

/* The running kernel's version, from a file, not uname(2): the caller may be under a filter
 * that traps uname. 0.0 when it cannot be read. */
static void running_kernel(unsigned *ret_major, unsigned *ret_minor)
{
	static unsigned major, minor;
	static bool done;
	char buf[64] = "";
	int fd;

	if (!done) {
		fd = open("/proc/sys/kernel/osrelease", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		if (sscanf(buf, "%u.%u", &major, &minor) != 2)
			major = minor = 0;
		done = true;
	}
	*ret_major = major;
	*ret_minor = minor;
}

static bool at_least(unsigned major, unsigned minor, unsigned want_major, unsigned want_minor)
{
	return major > want_major || (major == want_major && minor >= want_minor);
}

bool sc_seccomp_passthrough(uint32_t audit_arch, uint32_t nr, unsigned major, unsigned minor)
{
	/* kernel/seccomp.c, seccomp_uprobe_exception(): sd->arch == SECCOMP_ARCH_NATIVE and nr
	 * __NR_uretprobe or __NR_uprobe, both x86_64 only; x32 numbers carry the x32 bit and
	 * i386 has neither call, so only native x86_64 calls pass. */
	if (audit_arch != sc_arch_info(SC_ARCH_X86_64)->audit_arch)
		return false;
	if (major == 0 && minor == 0)
		running_kernel(&major, &minor);
	if ((int)nr == sc_syscall_from_name(SC_ARCH_X86_64, "uretprobe"))
		return at_least(major, minor, 6, 11);
	if ((int)nr == sc_syscall_from_name(SC_ARCH_X86_64, "uprobe"))
		return at_least(major, minor, 6, 16);
	return false;
}
