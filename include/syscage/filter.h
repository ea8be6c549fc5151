/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load a seccomp program into the kernel; the calls the kernel never filters. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Load 'insns' into the kernel for the calling thread: PR_SET_NO_NEW_PRIVS, then
 * seccomp(SECCOMP_SET_MODE_FILTER) with the SECCOMP_FILTER_FLAG_* bits 'sc_flags' asks for
 * (SC_FLAG_*). LOG and SPEC_ALLOW are probed and dropped when the running kernel lacks them;
 * NEW_LISTENER and WAIT_KILLABLE_RECV (which needs NEW_LISTENER) are always dropped, as no
 * one would serve the listener fd; TSYNC is never dropped (it changes semantics). Dropped
 * flags are reported in *ret_dropped (if non-NULL). Returns 0 or -errno: -EINVAL (length
 * 0 or over 4096, or the kernel refused the program or a flag), -ESRCH (TSYNC could not
 * synchronise a thread), -EACCES, ... */
int sc_filter_load(const struct sock_filter *insns, size_t len, unsigned sc_flags,
		   unsigned *ret_dropped);

/* Does the kernel support the seccomp filter flag 'flag' (SC_FLAG_*)? 1, 0, or -errno. */
int sc_filter_flag_supported(unsigned sc_flag);

/* Does the kernel run this call without consulting any seccomp filter? On x86_64 it lets
 * native uretprobe (Linux 6.11+) and uprobe (6.16+) through (kernel/seccomp.c,
 * seccomp_uprobe_exception): the kernel itself maps the trampolines that make them, so no
 * filter can deny them. 'audit_arch' and 'nr' as in seccomp_data; 'major'.'minor' is the
 * kernel to model, 0.0 for the running one. What a profile means (sc_profile_eval) does not
 * include this; what a process gets (explain, inspect) does. */
bool sc_seccomp_passthrough(uint32_t audit_arch, uint32_t nr, unsigned major, unsigned minor);
