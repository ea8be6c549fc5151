/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merging profiles that apply to one workload (seed 003: a deny always beats an allow) and
 * checking whether one profile covers what another needs (CI gates). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/* Merge 'n' profiles (n >= 1) into one new profile:
 *  - a syscall named by several inputs gets the most restrictive action of the unconditional
 *    rules naming it (sc_action_rank: KILL_PROCESS > ... > ERRNO > ... > LOG > ALLOW); inputs
 *    that do not name a syscall do not vote for it (their default action does not count);
 *  - defaultAction is the most restrictive of the inputs' defaults;
 *  - architectures, archMap and flags are the union;
 *  - errno: the winning ERRNO/TRACE rules' errnoRet; when inputs disagree, the lowest number
 *    is kept (an unset errnoRet counts as EPERM, runc's default) and a warning is added;
 *  - rules with argument conditions (or includes/excludes) are kept, one per distinct
 *    (action, errno, conditions); two inputs with the same conditions and different actions
 *    keep the most restrictive;
 *  - a syscall with an unconditional rule in one input and conditional rules with a
 *    different action in another is a conflict (a warning in 'd'), resolved by precedence:
 *    conditional rules less restrictive than the unconditional one are dropped; when a
 *    conditional rule is more restrictive, the unconditional rule is narrowed to the negated
 *    conditions if that is exact (one conditional rule, no MASKED_EQ, no includes/excludes),
 *    otherwise it takes the most restrictive conditional action (it fails closed).
 * The result's rules are ordered by action rank, errno, then name; names sorted. Metadata is
 * taken from the first input (name and selector are the caller's to set).
 * 'd' may be NULL. Returns 0 or -ENOMEM/-EINVAL. */
int sc_profile_merge(const struct sc_profile *const *in, size_t n, struct sc_diags *d,
		     struct sc_profile **ret);

/* sc_profile_merge(), where the rules 'weak' picks are weak votes: such a rule counts for a
 * name only where no rule of another input names it. With sc_implicit_fallback_implied
 * (syscage/implicit.h): the rule answering clone3 ENOSYS that a policy implies does not
 * outvote another input's allow of clone3. 'weak' may be NULL. */
typedef bool (*sc_merge_weak_fn)(const struct sc_profile *p, const struct sc_rule *r);
int sc_profile_merge_weak(const struct sc_profile *const *in, size_t n, sc_merge_weak_fn weak,
			  struct sc_diags *d, struct sc_profile **ret);

/* One thing 'new' needs that 'base' lacks (see sc_profile_check_covers). */
enum sc_gap_kind {
	SC_GAP_ARCH,	    /* new lists an architecture base does not */
	SC_GAP_SYSCALL,	    /* new permits a syscall (ALLOW/LOG) base does not */
	SC_GAP_CONDITIONAL, /* new permits it for more arguments than base does */
	_SC_GAP_COUNT,
};

struct sc_gap {
	enum sc_gap_kind kind;
	enum sc_arch arch;
	const char *name; /* syscall name (borrowed from the table or a profile); NULL for ARCH */
	enum sc_action new_action;  /* unconditional action in new (or its default) */
	enum sc_action base_action; /* unconditional action in base (or its default) */
	bool new_conditional;	    /* new permits it only with argument conditions */
	bool base_conditional;	    /* base permits it only with argument conditions */
};

/* Does 'base' permit everything 'new' permits? For every architecture of 'new' (native when
 * it lists none) and every syscall of that architecture, compare what each profile does
 * without looking at arguments: a syscall is "permitted" when its action is ALLOW or LOG,
 * "conditional" when only rules with argument conditions permit it. Gaps are returned in
 * *ret (owned array, ordered by arch then name; names borrowed from the syscall table, so
 * they outlive the profiles). Returns the number of gaps (0 = base covers new) or -errno. */
int sc_profile_check_covers(const struct sc_profile *base, const struct sc_profile *new,
			    struct sc_gap **ret, size_t *ret_n);

/* The profile's verdict for syscall 'name', ignoring arguments: 'action' is the most
 * restrictive unconditional rule naming it, or the default; 'conditional' tells whether
 * rules with argument conditions (or includes/excludes) also name it, and 'cond_permits'
 * whether one of them permits it (ALLOW/LOG). */
struct sc_verdict {
	enum sc_action action;
	bool unconditional; /* an unconditional rule names it */
	bool conditional;
	bool cond_permits;
	uint32_t errno_ret; /* effective errno for ERRNO/TRACE */
};
void sc_profile_verdict(const struct sc_profile *p, const char *name, struct sc_verdict *ret);

/* Whether the kernel lets a syscall with this action run (ALLOW, LOG). */
bool sc_action_permits(enum sc_action a);
