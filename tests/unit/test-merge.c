/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merging profiles (seed 003: deny beats allow) and the coverage check. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "tap.h"

/* The action a profile gives 'name' without args: the unconditional rule or the default. */
static enum sc_action act(const struct sc_profile *p, const char *name)
{
	struct sc_verdict v;

	sc_profile_verdict(p, name, &v);
	return v.action;
}

static size_t count_rules_naming(const struct sc_profile *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			n += strcmp(p->rules[i].names[k], name) == 0;
	return n;
}

/* kscmp-style policy: allow list + deny list, default ERRNO, x86_64. */
static struct sc_profile *policy(const char *name, const char *const *allow, size_t n_allow,
				 const char *const *deny, size_t n_deny)
{
	struct sc_profile *p = sc_profile_new();

	ck_assert_ptr_nonnull(p);
	p->meta.name = strdup(name);
	p->default_action = SC_ACT_ERRNO;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	if (n_allow)
		ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, allow, n_allow));
	if (n_deny)
		ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ERRNO, deny, n_deny));
	return p;
}

/* The seed's worked example with s1..s4 = read, write, openat, close. */
START_TEST(seed_003_example)
{
	static const char *const a1[] = { "read", "write", "close" }, *const d1[] = { "openat" };
	static const char *const a2[] = { "read", "openat" }, *const d2[] = { "write" };
	struct sc_profile *k1 = policy("kscmp1", a1, 3, d1, 1);
	struct sc_profile *k2 = policy("kscmp2", a2, 2, d2, 1);
	const struct sc_profile *both[] = { k1, k2 }, *one[] = { k1 };
	struct sc_profile *m = NULL;
	struct sc_diags d = {};

	ck_assert_int_eq(sc_profile_merge(both, 2, &d, &m), 0);
	/* allow {s1, s4}, deny {s2, s3} */
	ck_assert_int_eq(act(m, "read"), SC_ACT_ALLOW);
	ck_assert_int_eq(act(m, "close"), SC_ACT_ALLOW);
	ck_assert_int_eq(act(m, "write"), SC_ACT_ERRNO);
	ck_assert_int_eq(act(m, "openat"), SC_ACT_ERRNO);
	ck_assert_int_eq(m->default_action, SC_ACT_ERRNO);
	/* Exactly two rules: one allow {close, read}, one deny {openat, write}. */
	ck_assert_uint_eq(m->n_rules, 2);
	ck_assert_int_eq(m->rules[0].action, SC_ACT_ERRNO);
	ck_assert_uint_eq(m->rules[0].n_names, 2);
	ck_assert_str_eq(m->rules[0].names[0], "openat");
	ck_assert_str_eq(m->rules[0].names[1], "write");
	ck_assert_int_eq(m->rules[1].action, SC_ACT_ALLOW);
	ck_assert_str_eq(m->rules[1].names[0], "close");
	ck_assert_str_eq(m->rules[1].names[1], "read");
	ck_assert_uint_eq(d.n_errors, 0);
	sc_profile_free(m);
	m = NULL;

	/* kscmp2 deleted: allow {s1, s2, s4}, deny {s3} */
	ck_assert_int_eq(sc_profile_merge(one, 1, &d, &m), 0);
	ck_assert_int_eq(act(m, "read"), SC_ACT_ALLOW);
	ck_assert_int_eq(act(m, "write"), SC_ACT_ALLOW);
	ck_assert_int_eq(act(m, "close"), SC_ACT_ALLOW);
	ck_assert_int_eq(act(m, "openat"), SC_ACT_ERRNO);
	sc_profile_free(m);
	sc_profile_free(k1);
	sc_profile_free(k2);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(order_does_not_matter)
{
	static const char *const a1[] = { "read", "write" }, *const d1[] = { "openat" };
	static const char *const a2[] = { "openat" }, *const d2[] = { "read" };
	struct sc_profile *k1 = policy("a", a1, 2, d1, 1);
	struct sc_profile *k2 = policy("b", a2, 1, d2, 1);
	const struct sc_profile *ab[] = { k1, k2 }, *ba[] = { k2, k1 };
	struct sc_profile *m1 = NULL, *m2 = NULL;

	ck_assert_int_eq(sc_profile_merge(ab, 2, NULL, &m1), 0);
	ck_assert_int_eq(sc_profile_merge(ba, 2, NULL, &m2), 0);
	ck_assert_uint_eq(m1->n_rules, m2->n_rules);
	for (size_t i = 0; i < m1->n_rules; i++) {
		ck_assert_int_eq(m1->rules[i].action, m2->rules[i].action);
		ck_assert_uint_eq(m1->rules[i].n_names, m2->rules[i].n_names);
		for (size_t k = 0; k < m1->rules[i].n_names; k++)
			ck_assert_str_eq(m1->rules[i].names[k], m2->rules[i].names[k]);
	}
	ck_assert_int_eq(act(m1, "read"), SC_ACT_ERRNO);
	ck_assert_int_eq(act(m1, "openat"), SC_ACT_ERRNO);
	ck_assert_int_eq(act(m1, "write"), SC_ACT_ALLOW);
	sc_profile_free(m1);
	sc_profile_free(m2);
	sc_profile_free(k1);
	sc_profile_free(k2);
}
END_TEST

START_TEST(precedence_full_order)
{
	/* Every pair of actions: the merge keeps the lower rank. */
	for (int a = 0; a < _SC_ACT_COUNT; a++)
		for (int b = 0; b < _SC_ACT_COUNT; b++) {
			static const char *const nm[] = { "getpid" };
			struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
			const struct sc_profile *in[] = { p, q };
			ck_assert_ptr_nonnull(sc_profile_add_rule(p, a, nm, 1));
			ck_assert_ptr_nonnull(sc_profile_add_rule(q, b, nm, 1));
			ck_assert_int_eq(sc_profile_merge(in, 2, NULL, &m), 0);
			ck_assert_uint_eq(m->n_rules, 1);
			ck_assert_int_eq(sc_action_rank(m->rules[0].action),
					 sc_action_rank(a) < sc_action_rank(b) ? sc_action_rank(a)
									       : sc_action_rank(b));
			sc_profile_free(m);
			sc_profile_free(p);
			sc_profile_free(q);
		}
}
END_TEST

START_TEST(default_arches_flags)
{
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
	const struct sc_profile *in[] = { p, q };
	struct sc_diags d = {};

	p->default_action = SC_ACT_LOG;
	q->default_action = SC_ACT_KILL_PROCESS;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
	ck_assert_int_eq(sc_profile_add_arch(q, SC_ARCH_AARCH64), 0);
	ck_assert_int_eq(sc_profile_add_arch(q, SC_ARCH_X86), 0);
	p->flags = SC_FLAG_LOG;
	q->flags = SC_FLAG_SPEC_ALLOW;
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_int_eq(m->default_action, SC_ACT_KILL_PROCESS);
	ck_assert_uint_eq(m->n_arches, 3);
	ck_assert(sc_profile_has_arch(m, SC_ARCH_X86_64));
	ck_assert(sc_profile_has_arch(m, SC_ARCH_X86));
	ck_assert(sc_profile_has_arch(m, SC_ARCH_AARCH64));
	ck_assert_uint_eq(m->flags, SC_FLAG_LOG | SC_FLAG_SPEC_ALLOW);
	sc_profile_free(m);
	m = NULL;

	/* Same default, different errnos: the lowest, with a warning. */
	p->default_action = q->default_action = SC_ACT_ERRNO;
	p->has_default_errno = true;
	p->default_errno = 38;
	q->has_default_errno = true;
	q->default_errno = 13;
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_uint_eq(m->default_errno, 13);
	ck_assert_uint_ge(d.n_warnings, 1);
	sc_profile_free(m);
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(errno_conflict_lowest)
{
	static const char *const nm[] = { "mkdir" };
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
	const struct sc_profile *in[] = { p, q };
	struct sc_rule *r;
	struct sc_diags d = {};

	r = sc_profile_add_rule(p, SC_ACT_ERRNO, nm, 1);
	r->has_errno = true;
	r->errno_ret = 38;
	r = sc_profile_add_rule(q, SC_ACT_ERRNO, nm, 1);
	r->has_errno = true;
	r->errno_ret = 13;
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_uint_eq(m->n_rules, 1);
	ck_assert(m->rules[0].has_errno);
	ck_assert_uint_eq(m->rules[0].errno_ret, 13);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "mkdir"));
	sc_profile_free(m);
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(arg_rules_kept)
{
	static const char *const nm[] = { "personality" };
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
	const struct sc_profile *in[] = { p, q, p };
	struct sc_diags d = {};

	ck_assert_int_eq(
		sc_rule_add_arg(sc_profile_add_rule(p, SC_ACT_ALLOW, nm, 1), 0, SC_CMP_EQ, 0, 0),
		0);
	ck_assert_int_eq(
		sc_rule_add_arg(sc_profile_add_rule(q, SC_ACT_ALLOW, nm, 1), 0, SC_CMP_EQ, 8, 0),
		0);
	ck_assert_int_eq(sc_profile_merge(in, 3, &d, &m), 0);
	/* Both conditions kept; the duplicate from the third input collapses. */
	ck_assert_uint_eq(m->n_rules, 2);
	ck_assert_uint_eq(m->rules[0].n_args, 1);
	ck_assert_uint_eq(m->rules[0].args[0].value, 0);
	ck_assert_uint_eq(m->rules[1].args[0].value, 8);
	ck_assert_uint_eq(d.n_warnings, 0);
	sc_profile_free(m);
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(conflict_unconditional_deny_wins)
{
	static const char *const nm[] = { "personality" };
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
	const struct sc_profile *in[] = { p, q };
	struct sc_diags d = {};

	/* p: conditional allow; q: unconditional deny -> deny for all arguments. */
	ck_assert_int_eq(
		sc_rule_add_arg(sc_profile_add_rule(p, SC_ACT_ALLOW, nm, 1), 0, SC_CMP_EQ, 0, 0),
		0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(q, SC_ACT_ERRNO, nm, 1));
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_uint_eq(m->n_rules, 1);
	ck_assert_int_eq(m->rules[0].action, SC_ACT_ERRNO);
	ck_assert_uint_eq(m->rules[0].n_args, 0);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "conflict"));
	sc_profile_free(m);
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(conflict_conditional_deny_narrows)
{
	static const char *const nm[] = { "personality" };
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new(), *m = NULL;
	const struct sc_profile *in[] = { p, q };
	struct sc_diags d = {};
	struct sc_rule *r;

	/* p: allow unconditionally; q: deny when arg0 >= 8 && arg1 != 3. */
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, nm, 1));
	r = sc_profile_add_rule(q, SC_ACT_ERRNO, nm, 1);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_GE, 8, 0), 0);
	ck_assert_int_eq(sc_rule_add_arg(r, 1, SC_CMP_NE, 3, 0), 0);
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_uint_ge(d.n_warnings, 1);
	/* deny(arg0>=8 && arg1!=3), allow(arg0<8), allow(arg1==3); nothing unconditional. */
	ck_assert_uint_eq(m->n_rules, 3);
	ck_assert_int_eq(m->rules[0].action, SC_ACT_ERRNO);
	ck_assert_uint_eq(m->rules[0].n_args, 2);
	for (size_t i = 1; i < 3; i++) {
		ck_assert_int_eq(m->rules[i].action, SC_ACT_ALLOW);
		ck_assert_uint_eq(m->rules[i].n_args, 1);
	}
	ck_assert(m->rules[1].args[0].op == SC_CMP_LT || m->rules[2].args[0].op == SC_CMP_LT);
	ck_assert(m->rules[1].args[0].op == SC_CMP_EQ || m->rules[2].args[0].op == SC_CMP_EQ);
	ck_assert_uint_eq(count_rules_naming(m, "personality"), 3);
	/* What the kernel does (reference semantics): deny only when both conditions hold. */
	{
		static const struct {
			uint64_t a0, a1;
			enum sc_action want;
		} t[] = {
			{ 8, 0, SC_ACT_ERRNO }, { 9, 4, SC_ACT_ERRNO }, { 8, 3, SC_ACT_ALLOW },
			{ 7, 0, SC_ACT_ALLOW }, { 0, 3, SC_ACT_ALLOW },
		};
		enum sc_arch a = sc_arch_native();
		int nr = sc_syscall_from_name(a, "personality");
		ck_assert_int_ge(nr, 0);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			uint64_t args[6] = { t[i].a0, t[i].a1 };
			struct sc_eval e;
			ck_assert_int_eq(sc_profile_eval(m, a, (uint32_t)nr, args, &e), 0);
			ck_assert_msg(e.action == t[i].want, "personality(%llu, %llu)",
				      (unsigned long long)t[i].a0, (unsigned long long)t[i].a1);
		}
	}
	sc_profile_free(m);
	m = NULL;
	sc_diags_clear(&d);

	/* MASKED_EQ has no negation: fail closed (deny for all arguments). */
	r->args[0].op = SC_CMP_MASKED_EQ;
	ck_assert_int_eq(sc_profile_merge(in, 2, &d, &m), 0);
	ck_assert_uint_eq(m->n_rules, 1);
	ck_assert_int_eq(m->rules[0].action, SC_ACT_ERRNO);
	ck_assert_uint_eq(m->rules[0].n_args, 0);
	ck_assert_uint_ge(d.n_warnings, 2);
	sc_profile_free(m);
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(covers)
{
	static const char *const base_allow[] = { "read", "write", "close", "exit_group" };
	static const char *const new_allow[] = { "read", "write", "ptrace" };
	static const char *const deny[] = { "ptrace" };
	struct sc_profile *base = policy("base", base_allow, 4, deny, 1);
	struct sc_profile *new = policy("new", new_allow, 3, NULL, 0);
	struct sc_gap *g = NULL;
	size_t n = 0;

	ck_assert_int_eq(sc_profile_check_covers(base, new, &g, &n), 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(g[0].kind, SC_GAP_SYSCALL);
	ck_assert_str_eq(g[0].name, "ptrace");
	ck_assert_int_eq(g[0].arch, SC_ARCH_X86_64);
	ck_assert_int_eq(g[0].base_action, SC_ACT_ERRNO);
	free(g);
	g = NULL;
	/* base covers itself, and new minus ptrace. */
	ck_assert_int_eq(sc_profile_check_covers(base, base, &g, &n), 0);
	free(g);
	g = NULL;

	/* An arch base lacks. */
	ck_assert_int_eq(sc_profile_add_arch(new, SC_ARCH_X86), 0);
	ck_assert_int_eq(sc_profile_check_covers(base, new, &g, &n), 2);
	ck_assert_int_eq(g[1].kind, SC_GAP_ARCH);
	ck_assert_int_eq(g[1].arch, SC_ARCH_X86);
	free(g);
	g = NULL;

	/* Conditional in base, unconditional in new. */
	sc_profile_free(new);
	new = policy("new", base_allow, 4, NULL, 0);
	{
		static const char *const nm[] = { "personality" };
		ck_assert_int_eq(sc_rule_add_arg(sc_profile_add_rule(base, SC_ACT_ALLOW, nm, 1), 0,
						 SC_CMP_EQ, 0, 0),
				 0);
		ck_assert_ptr_nonnull(sc_profile_add_rule(new, SC_ACT_ALLOW, nm, 1));
	}
	ck_assert_int_eq(sc_profile_check_covers(base, new, &g, &n), 1);
	ck_assert_int_eq(g[0].kind, SC_GAP_CONDITIONAL);
	ck_assert_str_eq(g[0].name, "personality");
	ck_assert(g[0].base_conditional);
	free(g);
	g = NULL;
	/* The other way round is covered. */
	ck_assert_int_eq(sc_profile_check_covers(new, base, &g, &n), 0);
	free(g);
	sc_profile_free(base);
	sc_profile_free(new);
}
END_TEST

START_TEST(merge_is_idempotent)
{
	static const char *const a1[] = { "read", "write", "close" }, *const d1[] = { "openat" };
	struct sc_profile *k1 = policy("k", a1, 3, d1, 1), *m = NULL, *mm = NULL;
	const struct sc_profile *in[] = { k1, k1 };
	struct sc_gap *g = NULL;
	size_t n;

	ck_assert_int_eq(sc_profile_merge(in, 2, NULL, &m), 0);
	ck_assert_int_eq(sc_profile_check_covers(m, k1, &g, &n), 0);
	free(g);
	g = NULL;
	ck_assert_int_eq(sc_profile_check_covers(k1, m, &g, &n), 0);
	free(g);
	{
		const struct sc_profile *in2[] = { m };
		ck_assert_int_eq(sc_profile_merge(in2, 1, NULL, &mm), 0);
	}
	ck_assert_uint_eq(mm->n_rules, m->n_rules);
	ck_assert_str_eq(mm->meta.name, "k");
	sc_profile_free(mm);
	sc_profile_free(m);
	sc_profile_free(k1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, seed_003_example);
	tcase_add_test(tc, order_does_not_matter);
	tcase_add_test(tc, precedence_full_order);
	tcase_add_test(tc, default_arches_flags);
	tcase_add_test(tc, errno_conflict_lowest);
	tcase_add_test(tc, arg_rules_kept);
	tcase_add_test(tc, conflict_unconditional_deny_wins);
	tcase_add_test(tc, conflict_conditional_deny_narrows);
	tcase_add_test(tc, covers);
	tcase_add_test(tc, merge_is_idempotent);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
