/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Profile -> seccomp classic BPF, the reference semantics the compiler is tested against
 * (sc_profile_eval, declared in profile.h), and loading a program into the kernel.
 *
 * Semantics (what sc_profile_eval computes and the compiled program does), for a syscall
 * arriving as (AUDIT_ARCH token, nr, args):
 *
 *  1. ENOSYS (runc 1.1 libcontainer/seccomp/patchbpf): unless turned off, unless the default
 *     action is ALLOW, LOG or TRACE, and unless defaultErrnoRet is already ENOSYS: for every
 *     listed ABI, the highest number any rule names on that ABI (whatever its action) is
 *     found; a call of that ABI with a higher nr gets ERRNO(ENOSYS). This check comes before
 *     everything else, as runc's stub precedes libseccomp's filter. On x86_64 the ABI is
 *     told by the x32 bit (nr & 0x40000000), as runc's stub does; on s390/s390x nr 0
 *     (the setup(2) multiplexer) gets ENOSYS too. An ABI none of whose rules name a known
 *     syscall gets no ENOSYS range, and a profile that lists no architectures gets none at
 *     all (runc builds its stub from the list; containerd 1.6 passes an empty one).
 *  2. Arch check: an ABI not listed (an empty list means the native ABI only, as runc does)
 *     gets the arch-mismatch action (KILL_PROCESS unless set). On the x86_64 token libseccomp's
 *     split is used: nr >= 0x40000000 is x32, except 0xffffffff (the "no syscall" value),
 *     which belongs to x86_64 when it is listed; so an x32 call under a profile without
 *     SCMP_ARCH_X32 gets the mismatch action.
 *  3. Rules whose action and data equal the default's are ignored (runc skips them).
 *     ERRNO and TRACE without errnoRet carry EPERM, like runc. Names unknown on an ABI are
 *     ignored for that ABI (runc skips names libseccomp cannot resolve).
 *  4. A rule with two or more conditions on the same argument index is split into one rule
 *     per condition (runc's fallback; libseccomp refuses such rules), so those conditions
 *     are OR-ed. Other conditions of a rule are AND-ed.
 *  5. Precedence for one syscall (verified against libseccomp 2.5.4 in test-differential):
 *     an unconditional rule beats every rule with conditions, whatever their order; among
 *     unconditional rules the first in the profile wins; among rules with conditions the
 *     first that matches wins. (libseccomp orders overlapping argument rules by its internal
 *     tree, which is first-added for rules on different arguments but not always for two
 *     rules on one argument; it refuses a rule whose conditions extend an earlier rule's
 *     with a different action. Profiles where two matching argument rules disagree are
 *     ambiguous under runc; `syscage check` warns about conflicting actions.)
 *  6. Conditions: on 64-bit ABIs the full 64-bit value is compared (two 32-bit halves in BPF,
 *     laid out per the ABI's endianness); on 32-bit ABIs only the low 32 bits of the argument
 *     and of the value are compared, as libseccomp does. MASKED_EQ (value = mask, valueTwo =
 *     datum) matches when (arg & mask) == (datum & mask); a MASKED_EQ whose mask is 0 (in the
 *     compared bits) is always true, so a rule of only such conditions is unconditional.
 *  7. Otherwise the default action.
 *
 * Program layout: load arch; one compare per distinct AUDIT_ARCH token; per token, load nr
 * and a binary search over the sorted number intervals (each interval has one decision:
 * a constant action, or the argument checks of one syscall), so a lookup costs
 * O(log n) instructions, and a syscall whose decision needs no argument never loads one
 * (the kernel's constant-action cache can then decide it). Jumps farther than 255
 * instructions go through JA trampolines (or a repeated RET). */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "profile.h"

/* Zero-initialised options are the defaults: the profile's architectures, KILL_PROCESS on
 * arch mismatch, ENOSYS on. */
struct sc_compile_opts {
	const enum sc_arch *arches; /* ABIs to accept; NULL: the profile's (empty: native) */
	size_t n_arches;
	enum sc_action arch_mismatch; /* action for unlisted ABIs (SC_ACT_KILL_PROCESS = 0) */
	uint32_t arch_mismatch_data;  /* its errno/trace data */
	bool no_enosys;		      /* turn runc's ENOSYS behaviour off */
};

/* Compile 'p' (resolved: archMap and includes/excludes already applied) to a seccomp
 * program. On success *ret is a malloc()ed array of *ret_len instructions (a
 * struct sock_fprog's filter). Errors: -E2BIG when the program would exceed 4096
 * instructions (the kernel's limit), -EINVAL for an invalid arch, action or arg index
 * in 'p' or 'o', -ENOMEM. */
int sc_profile_compile(const struct sc_profile *p, const struct sc_compile_opts *o,
		       struct sock_filter **ret, size_t *ret_len);

/* Resolve 'p' for the running host (native arch and its Docker sub-arches, as
 * sc_profile_resolve does for the default target) and compile it with the defaults, ENOSYS
 * as 'enosys' says. */
int sc_compile_profile_for_kernel(const struct sc_profile *p, bool enosys, struct sock_filter **ret,
				  size_t *ret_len);
