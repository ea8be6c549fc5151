/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reference semantics of a profile: what the kernel would do for one syscall, as runc and
 * libseccomp resolve several matching rules. The compiler is tested against it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "compile.h"
#include "profile.h"

/* What a profile means for one syscall on one arch with given args: the action and errno
 * the kernel would apply (resolution of several matching rules as runc + libseccomp do).
 * The reference semantics the compiler is tested against. 'args' may be NULL (all zero).
 * 'ret_rule' (optional) gets the index of the deciding rule or -1 for the default. */
struct sc_eval {
	enum sc_action action;
	uint32_t data; /* errno / trace data */
	int rule;
};
int sc_profile_eval(const struct sc_profile *p, enum sc_arch arch, uint32_t nr,
		    const uint64_t args[6], struct sc_eval *ret);

/* sc_eval.rule values that are not rule indexes. */
enum {
	SC_EVAL_RULE_DEFAULT = -1, /* no rule matched: the default action */
	SC_EVAL_RULE_ARCH = -2,	   /* the ABI is not listed: the arch-mismatch action */
	SC_EVAL_RULE_ENOSYS = -3,  /* above the highest syscall the profile names (runc's ENOSYS) */
};

/* sc_profile_eval with options (sc_profile_eval uses the defaults). 'audit_arch' and 'nr' are
 * what the kernel puts in seccomp_data. Returns 0 or -EINVAL. */
int sc_profile_eval_raw(const struct sc_profile *p, const struct sc_compile_opts *o,
			uint32_t audit_arch, uint32_t nr, const uint64_t args[6],
			struct sc_eval *ret);

/* The SECCOMP_RET_* value of an action as a rule or default carries it: ERRNO and TRACE
 * without explicit data get EPERM (runc's rule). */
uint32_t sc_action_ret(enum sc_action a, bool has_data, uint32_t data);
