/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the reference semantics of a profile: what the kernel does with one syscall under the
 * program sc_profile_compile builds (and runc + libseccomp build), computed straight from
 * the rules, with no BPF. The rules are in include/syscage/compile.h. */
#include <errno.h>
#include <string.h>

#include "syscage/compile.h"
#include "syscage/syscalls.h"
#include "syscage/eval.h"
#include "macro.h"
#include "seccomp/runc-rules.h"

#define X32_BIT	   SC_X32_SYSCALL_BIT
#define NO_SYSCALL 0xffffffffu

uint32_t sc_action_ret(enum sc_action a, bool has_data, uint32_t data)
{
	a = sc_action_canonical(a);
	if (a == SC_ACT_ERRNO || a == SC_ACT_TRACE)
		return sc_action_to_ret(a, has_data ? data : EPERM);
	return sc_action_to_ret(a, 0);
}

static bool abi_listed(const struct sc_profile *p, const struct sc_compile_opts *o,
		       enum sc_arch abi)
{
	if (o && o->arches) {
		for (size_t i = 0; i < o->n_arches; i++)
			if (o->arches[i] == abi)
				return true;
		return false;
	}
	if (p->n_arches == 0)
		return abi == sc_arch_native();
	return sc_profile_has_arch(p, abi);
}

static bool cmp_trivial(const struct sc_arg *a, unsigned word_bits)
{
	uint64_t m = word_bits == 32 ? (a->value & 0xffffffffu) : a->value;
	return a->op == SC_CMP_MASKED_EQ && m == 0;
}

static bool cmp_match(const struct sc_arg *a, unsigned word_bits, const uint64_t args[6])
{
	uint64_t x = args ? args[a->index] : 0, v = a->value, v2 = a->value_two;

	if (word_bits == 32) {
		x &= 0xffffffffu;
		v &= 0xffffffffu;
		v2 &= 0xffffffffu;
	}
	switch (a->op) {
	case SC_CMP_NE:
		return x != v;
	case SC_CMP_LT:
		return x < v;
	case SC_CMP_LE:
		return x <= v;
	case SC_CMP_EQ:
		return x == v;
	case SC_CMP_GE:
		return x >= v;
	case SC_CMP_GT:
		return x > v;
	case SC_CMP_MASKED_EQ:
		return (x & v) == (v2 & v);
	default:
		return false;
	}
}

/* Is 'r' unconditional on an ABI of 'word_bits' (no conditions, all trivially true, or, when
 * runc splits it, any one of them trivially true)? */
static bool rule_unconditional(const struct sc_rule *r, unsigned word_bits)
{
	bool split = sc_rule_has_repeated_index(r);
	size_t trivial = 0;

	for (size_t i = 0; i < r->n_args; i++)
		if (cmp_trivial(&r->args[i], word_bits))
			trivial++;
	return r->n_args == 0 || trivial == r->n_args || (split && trivial > 0);
}

static bool rule_match(const struct sc_rule *r, unsigned word_bits, const uint64_t args[6])
{
	if (sc_rule_has_repeated_index(r)) {
		for (size_t i = 0; i < r->n_args; i++)
			if (cmp_match(&r->args[i], word_bits, args))
				return true;
		return false;
	}
	for (size_t i = 0; i < r->n_args; i++)
		if (!cmp_match(&r->args[i], word_bits, args))
			return false;
	return true;
}

static bool rule_names(const struct sc_rule *r, enum sc_arch abi, uint32_t nr)
{
	for (size_t i = 0; i < r->n_names; i++) {
		int n = sc_syscall_from_name(abi, r->names[i]);
		if (n >= 0 && (uint32_t)n == nr)
			return true;
	}
	return false;
}

/* The highest nr any rule names on 'abi', or 0 when none is known there (runc's rule). */
static uint32_t profile_max_nr(const struct sc_profile *p, enum sc_arch abi)
{
	uint32_t max = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t j = 0; j < p->rules[i].n_names; j++) {
			int n = sc_syscall_from_name(abi, p->rules[i].names[j]);
			if (n >= 0 && (uint32_t)n > max)
				max = (uint32_t)n;
		}
	return max;
}

/* The ABI of a call: by the x32 bit for runc's stub; for libseccomp's arch check, nr >=
 * 0x40000000 is x32, except 0xffffffff, which the x86_64 block takes when it is there. */
static enum sc_arch abi_of(const struct sc_profile *p, const struct sc_compile_opts *o,
			   uint32_t audit_arch, uint32_t nr, bool runc_stub)
{
	if (audit_arch == sc_arch_info(SC_ARCH_X86_64)->audit_arch) {
		if (runc_stub)
			return (nr & X32_BIT) ? SC_ARCH_X32 : SC_ARCH_X86_64;
		if (nr == NO_SYSCALL)
			return abi_listed(p, o, SC_ARCH_X86_64) ? SC_ARCH_X86_64 : SC_ARCH_X32;
		return nr >= X32_BIT ? SC_ARCH_X32 : SC_ARCH_X86_64;
	}
	return sc_arch_from_audit(audit_arch, nr);
}

int sc_profile_eval_raw(const struct sc_profile *p, const struct sc_compile_opts *o,
			uint32_t audit_arch, uint32_t nr, const uint64_t args[6],
			struct sc_eval *ret)
{
	uint32_t def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	const struct sc_rule *first_cond = NULL, *first_uncond = NULL;
	enum sc_arch abi;
	unsigned bits;
	struct sc_eval e;

	if (!p || !ret)
		return -EINVAL;

	/* 1. runc's ENOSYS stub. */
	abi = abi_of(p, o, audit_arch, nr, true);
	if (abi >= 0 && sc_enosys_stub_enabled(p, o) && abi_listed(p, o, abi)) {
		uint32_t max = profile_max_nr(p, abi);
		bool s390 = abi == SC_ARCH_S390 || abi == SC_ARCH_S390X;
		if (max && (nr > max || (s390 && nr == 0))) {
			*ret = (struct sc_eval){ SC_ACT_ERRNO, ENOSYS, SC_EVAL_RULE_ENOSYS };
			return 0;
		}
	}

	/* 2. The arch check. */
	abi = abi_of(p, o, audit_arch, nr, false);
	if (abi < 0 || !abi_listed(p, o, abi)) {
		enum sc_action a = o ? o->arch_mismatch : SC_ACT_KILL_PROCESS;
		uint32_t data = o ? o->arch_mismatch_data : 0;
		e.action = sc_action_from_ret(sc_action_ret(a, data != 0, data), &e.data);
		e.rule = SC_EVAL_RULE_ARCH;
		*ret = e;
		return 0;
	}
	bits = sc_arch_info(abi)->word_bits;

	/* 3-5. The rules. */
	for (size_t i = 0; i < p->n_rules && !first_uncond; i++) {
		const struct sc_rule *r = &p->rules[i];

		if (sc_action_ret(r->action, r->has_errno, r->errno_ret) == def)
			continue;
		for (size_t j = 0; j < r->n_args; j++)
			if (r->args[j].index > 5 || (unsigned)r->args[j].op - 1 >= _SC_CMP_MAX - 1)
				return -EINVAL;
		if (!rule_names(r, abi, nr))
			continue;
		if (rule_unconditional(r, bits))
			first_uncond = r;
		else if (!first_cond && rule_match(r, bits, args))
			first_cond = r;
	}
	if (first_uncond || first_cond) {
		const struct sc_rule *r = first_uncond ? first_uncond : first_cond;
		e.action = sc_action_from_ret(sc_action_ret(r->action, r->has_errno, r->errno_ret),
					      &e.data);
		e.rule = (int)(r - p->rules);
	} else {
		e.action = sc_action_from_ret(def, &e.data);
		e.rule = SC_EVAL_RULE_DEFAULT;
	}
	*ret = e;
	return 0;
}

int sc_profile_eval(const struct sc_profile *p, enum sc_arch arch, uint32_t nr,
		    const uint64_t args[6], struct sc_eval *ret)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);

	if (!ai)
		return -EINVAL;
	return sc_profile_eval_raw(p, NULL, ai->audit_arch, nr, args, ret);
}
