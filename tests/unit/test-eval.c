/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sc_profile_eval: the documented semantics (compile.h), case by case. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "tap.h"

static struct sc_rule *rule(struct sc_profile *p, enum sc_action a, uint32_t e, const char *name)
{
	struct sc_rule *r = sc_profile_add_rule(p, a, &name, 1);

	ck_assert_ptr_nonnull(r);
	if (a == SC_ACT_ERRNO || a == SC_ACT_TRACE) {
		r->has_errno = true;
		r->errno_ret = e;
	}
	return r;
}

static struct sc_profile *base(enum sc_arch arch)
{
	struct sc_profile *p = sc_profile_new();

	ck_assert_ptr_nonnull(p);
	p->default_action = SC_ACT_ERRNO;
	p->has_default_errno = true;
	p->default_errno = EPERM;
	ck_assert_int_eq(sc_profile_add_arch(p, arch), 0);
	return p;
}

static struct sc_eval ev(const struct sc_profile *p, enum sc_arch arch, const char *name,
			 uint64_t a0, uint64_t a1)
{
	uint64_t a[6] = { a0, a1 };
	struct sc_eval e;
	int nr = sc_syscall_from_name(arch, name);

	ck_assert_int_ge(nr, 0);
	ck_assert_int_eq(sc_profile_eval(p, arch, (uint32_t)nr, a, &e), 0);
	return e;
}

START_TEST(unconditional_beats_argument_rules)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);
	struct sc_eval e;

	ck_assert_int_eq(sc_rule_add_arg(rule(p, SC_ACT_ALLOW, 0, "read"), 0, SC_CMP_EQ, 5, 0), 0);
	rule(p, SC_ACT_KILL_PROCESS, 0, "read");
	rule(p, SC_ACT_ERRNO, 9, "read"); /* a later unconditional rule loses */
	e = ev(p, SC_ARCH_X86_64, "read", 5, 0);
	ck_assert_int_eq(e.action, SC_ACT_KILL_PROCESS);
	ck_assert_int_eq(e.rule, 1);
	sc_profile_free(p);
}
END_TEST

START_TEST(first_matching_argument_rule)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);
	struct sc_eval e;

	ck_assert_int_eq(sc_rule_add_arg(rule(p, SC_ACT_ERRNO, 2, "write"), 1, SC_CMP_EQ, 7, 0), 0);
	ck_assert_int_eq(sc_rule_add_arg(rule(p, SC_ACT_ERRNO, 3, "write"), 0, SC_CMP_EQ, 5, 0), 0);
	e = ev(p, SC_ARCH_X86_64, "write", 5, 7);
	ck_assert_int_eq(e.data, 2);
	e = ev(p, SC_ARCH_X86_64, "write", 5, 8);
	ck_assert_int_eq(e.data, 3);
	e = ev(p, SC_ARCH_X86_64, "write", 4, 8);
	ck_assert_int_eq(e.rule, SC_EVAL_RULE_DEFAULT);
	ck_assert_int_eq(e.data, EPERM);
	sc_profile_free(p);
}
END_TEST

START_TEST(same_index_conditions_are_ored)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);
	struct sc_rule *r = rule(p, SC_ACT_ALLOW, 0, "personality");

	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 0, 0), 0);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 8, 0), 0);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "personality", 8, 0).action, SC_ACT_ALLOW);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "personality", 0, 0).action, SC_ACT_ALLOW);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "personality", 1, 0).action, SC_ACT_ERRNO);
	sc_profile_free(p);
}
END_TEST

START_TEST(rules_like_the_default_are_ignored)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);

	rule(p, SC_ACT_ERRNO, EPERM, "read"); /* == default: runc skips it */
	ck_assert_int_eq(sc_rule_add_arg(rule(p, SC_ACT_ALLOW, 0, "read"), 0, SC_CMP_EQ, 3, 0), 0);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "read", 3, 0).action, SC_ACT_ALLOW);
	/* ERRNO without errnoRet carries EPERM, so it equals an EPERM default. */
	p->rules[0].has_errno = false;
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "read", 3, 0).action, SC_ACT_ALLOW);
	sc_profile_free(p);
}
END_TEST

START_TEST(arch_check_and_x32)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);
	struct sc_eval e;

	rule(p, SC_ACT_ALLOW, 0, "getpid");
	/* x32 numbers under an x86_64-only profile: the mismatch action. */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, SC_X32_SYSCALL_BIT | 39, NULL, &e), 0);
	ck_assert_int_eq(e.action, SC_ACT_KILL_PROCESS);
	ck_assert_int_eq(e.rule, SC_EVAL_RULE_ARCH);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86, 20, NULL, &e), 0);
	ck_assert_int_eq(e.rule, SC_EVAL_RULE_ARCH);
	/* 0xffffffff ("no syscall") belongs to the x86_64 block: the default (runc's stub
	 * sees the x32 bit and leaves it alone while x32 is not listed). */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 0xffffffffu, NULL, &e), 0);
	ck_assert_int_eq(e.rule, SC_EVAL_RULE_DEFAULT);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X32), 0);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X32, SC_X32_SYSCALL_BIT | 39, NULL, &e), 0);
	ck_assert_int_eq(e.action, SC_ACT_ALLOW);
	/* Empty architectures: the native ABI only. */
	free(p->arches);
	p->arches = NULL;
	p->n_arches = 0;
	ck_assert_int_eq(sc_profile_eval(p, sc_arch_native(),
					 (uint32_t)sc_syscall_from_name(sc_arch_native(), "getpid"),
					 NULL, &e),
			 0);
	ck_assert_int_eq(e.action, SC_ACT_ALLOW);
	sc_profile_free(p);
}
END_TEST

START_TEST(enosys_like_runc)
{
	struct sc_profile *p = base(SC_ARCH_X86_64);
	struct sc_compile_opts off = { .no_enosys = true };
	struct sc_eval e;

	rule(p, SC_ACT_ALLOW, 0, "read");
	rule(p, SC_ACT_ERRNO, 5, "openat"); /* 257: the highest named, whatever the action */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 258, NULL, &e), 0);
	ck_assert_int_eq(e.action, SC_ACT_ERRNO);
	ck_assert_int_eq(e.data, ENOSYS);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 200, NULL, &e), 0);
	ck_assert_int_eq(e.data, EPERM);
	ck_assert_int_eq(sc_profile_eval_raw(p, &off, 0xc000003e, 258, NULL, &e), 0);
	ck_assert_int_eq(e.data, EPERM);
	/* Not when the default already is ENOSYS, nor for permissive defaults. */
	p->default_errno = ENOSYS;
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 258, NULL, &e), 0);
	ck_assert_int_eq(e.rule, SC_EVAL_RULE_DEFAULT);
	p->default_action = SC_ACT_LOG;
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 258, NULL, &e), 0);
	ck_assert_int_eq(e.action, SC_ACT_LOG);
	sc_profile_free(p);
	/* s390x: nr 0 (the setup(2) multiplexer) gets ENOSYS too. */
	p = base(SC_ARCH_S390X);
	rule(p, SC_ACT_ALLOW, 0, "read");
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_S390X, 0, NULL, &e), 0);
	ck_assert_int_eq(e.data, ENOSYS);
	sc_profile_free(p);
}
END_TEST

START_TEST(word_size_and_masks)
{
	struct sc_profile *p = base(SC_ARCH_X86);
	struct sc_eval e;

	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(
		sc_rule_add_arg(rule(p, SC_ACT_ALLOW, 0, "close"), 0, SC_CMP_EQ, 0x100000005ull, 0),
		0);
	/* 32-bit ABI: low words only. */
	ck_assert_int_eq(ev(p, SC_ARCH_X86, "close", 5, 0).action, SC_ACT_ALLOW);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "close", 5, 0).action, SC_ACT_ERRNO);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "close", 0x100000005ull, 0).action, SC_ACT_ALLOW);
	/* MASKED_EQ compares the datum masked. */
	ck_assert_int_eq(
		sc_rule_add_arg(rule(p, SC_ACT_ALLOW, 0, "dup"), 0, SC_CMP_MASKED_EQ, 0xff, 0x1ff),
		0);
	ck_assert_int_eq(ev(p, SC_ARCH_X86_64, "dup", 0x3ff, 0).action, SC_ACT_ALLOW);
	/* A mask of 0 is always true: the rule is unconditional. */
	ck_assert_int_eq(sc_rule_add_arg(rule(p, SC_ACT_TRAP, 0, "dup"), 1, SC_CMP_MASKED_EQ, 0, 9),
			 0);
	e = ev(p, SC_ARCH_X86_64, "dup", 0x3ff, 0);
	ck_assert_int_eq(e.action, SC_ACT_TRAP);
	sc_profile_free(p);
}
END_TEST

START_TEST(unknown_names_ignored_per_arch)
{
	struct sc_profile *p = base(SC_ARCH_AARCH64);
	static const char *const names[] = { "open", "openat" };
	struct sc_eval e;

	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, names, 2));
	ck_assert_int_eq(ev(p, SC_ARCH_AARCH64, "openat", 0, 0).action, SC_ACT_ALLOW);
	ck_assert_int_eq(sc_profile_eval(p, 99, 0, NULL, &e), -EINVAL);
	sc_profile_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, unconditional_beats_argument_rules);
	tcase_add_test(tc, first_matching_argument_rule);
	tcase_add_test(tc, same_index_conditions_are_ored);
	tcase_add_test(tc, rules_like_the_default_are_ignored);
	tcase_add_test(tc, arch_check_and_x32);
	tcase_add_test(tc, enosys_like_runc);
	tcase_add_test(tc, word_size_and_masks);
	tcase_add_test(tc, unknown_names_ignored_per_arch);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
