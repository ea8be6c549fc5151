/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Semantic validation (sc_profile_validate) rule by rule, on profiles built in C, and the
 * RuntimeDefault table. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "syscage/validate.h"
#include "tap.h"

/* A profile for x86_64 (+x86, x32 when 'compat'), default ERRNO, nothing else. */
static struct sc_profile *base_profile(bool compat)
{
	struct sc_profile *p = sc_profile_new();

	ck_assert_ptr_nonnull(p);
	p->loc = (struct sc_loc){ 1, 1 };
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	if (compat) {
		ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
		ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X32), 0);
	}
	return p;
}

/* Add a rule at line 'line' whose i-th name sits at line+1+i, column 7. */
static struct sc_rule *add_rule(struct sc_profile *p, enum sc_action action, unsigned line, ...)
{
	const char *names[32];
	size_t n = 0;
	struct sc_rule *r;
	va_list ap;

	va_start(ap, line);
	for (const char *s; (s = va_arg(ap, const char *));)
		names[n++] = s;
	va_end(ap);
	r = sc_profile_add_rule(p, action, names, n);
	ck_assert_ptr_nonnull(r);
	r->loc = (struct sc_loc){ line, 5 };
	if (n) {
		r->name_locs = calloc(n, sizeof(*r->name_locs));
		ck_assert_ptr_nonnull(r->name_locs);
		for (size_t i = 0; i < n; i++)
			r->name_locs[i] = (struct sc_loc){ line + 1 + (unsigned)i, 7 };
	}
	return r;
}

struct result {
	struct sc_diags d;
	int ret;
};

static void validate(const struct sc_profile *p, const struct sc_validate_opts *o,
		     struct result *res)
{
	memset(res, 0, sizeof(*res));
	res->ret = sc_profile_validate_with(p, o, &res->d);
	ck_assert_int_ge(res->ret, 0);
	ck_assert_uint_eq((size_t)res->ret, res->d.n_errors);
}

/* The diagnostic of 'sev' whose message contains 'needle', or NULL. */
static const struct sc_diag *find(const struct result *res, enum sc_severity sev,
				  const char *needle)
{
	for (size_t i = 0; i < res->d.n; i++)
		if (res->d.v[i].severity == sev && strstr(res->d.v[i].message, needle))
			return &res->d.v[i];
	return NULL;
}

static void dump(const struct result *res)
{
	char buf[1024];
	for (size_t i = 0; i < res->d.n; i++)
		fprintf(stderr, "# %s\n", sc_diag_format(&res->d.v[i], buf, sizeof(buf)));
}

#define assert_diag(res, sev, needle, want_line, want_col)                  \
	do {                                                                \
		const struct sc_diag *_g = find(res, sev, needle);          \
		if (!_g)                                                    \
			dump(res);                                          \
		ck_assert_msg(_g, "no diagnostic containing '%s'", needle); \
		ck_assert_uint_eq(_g->loc.line, want_line);                 \
		ck_assert_uint_eq(_g->loc.col, want_col);                   \
	} while (0)

START_TEST(clean_profile)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	add_rule(p, SC_ACT_ALLOW, 10, "read", "write", "exit_group", "openat", NULL);
	add_rule(p, SC_ACT_KILL_PROCESS, 20, "ptrace", NULL);
	ck_assert_int_gt(sc_implicit_add(p), 0); /* else: the implicit-set warning */
	validate(p, NULL, &res);
	if (res.d.n)
		dump(&res);
	ck_assert_uint_eq(res.d.n, 0);
	ck_assert_int_eq(res.ret, 0);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(unknown_name_everywhere)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	add_rule(p, SC_ACT_ALLOW, 10, "read", "opne", "zzzzzzzzzzzzzzzzzzzzzz", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 2);
	assert_diag(&res, SC_SEV_ERROR, "unknown syscall 'opne'; did you mean open", 12, 7);
	assert_diag(&res, SC_SEV_ERROR, "unknown syscall 'zzzzzzzzzzzzzzzzzzzzzz' (not a syscall",
		    13, 7);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(repeated_names_reported_once)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	/* Once per rule, at the first; an unknown name is not also a "conflict". */
	add_rule(p, SC_ACT_ALLOW, 10, "opne", "read", "opne", "opne", NULL);
	add_rule(p, SC_ACT_ERRNO, 20, "opne", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 2);
	assert_diag(&res, SC_SEV_ERROR, "unknown syscall 'opne'", 11, 7);
	ck_assert_ptr_null(find(&res, SC_SEV_ERROR, "here but"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(name_not_on_listed_arches)
{
	struct sc_profile *p = sc_profile_new();
	struct result res;

	/* open does not exist on aarch64: the rule does nothing there, and runc loads the
	 * rest: a warning (an error only under check --strict). */
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_AARCH64), 0);
	add_rule(p, SC_ACT_ALLOW, 4, "openat", "open", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING, "'open' is not a syscall on aarch64", 6, 7);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "it exists on x86"));
	ck_assert_ptr_null(find(&res, SC_SEV_ERROR, "open"));
	sc_diags_clear(&res.d);

	/* In a Docker template (archMap) the same name is a warning too. */
	p->arch_map = calloc(1, sizeof(*p->arch_map));
	p->arch_map[0].arch = SC_ARCH_AARCH64;
	p->n_arch_map = 1;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING, "'open' is not a syscall on aarch64", 6, 7);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(name_for_other_arches_is_a_warning)
{
	struct sc_profile *p = sc_profile_new();
	struct result res;

	/* SPO's examples: vm86 (i386 only) in an x86_64-only profile; Chrome's: ugetrlimit and
	 * sync_file_range2. runc loads them: warnings. A name unknown everywhere: an error. */
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	add_rule(p, SC_ACT_ALLOW, 4, "read", "vm86", "ugetrlimit", "sync_file_range2", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING, "'vm86' is not a syscall on x86_64", 6, 7);
	ck_assert_ptr_nonnull(
		find(&res, SC_SEV_WARNING, "'ugetrlimit' is not a syscall on x86_64"));
	ck_assert_ptr_nonnull(
		find(&res, SC_SEV_WARNING, "'sync_file_range2' is not a syscall on x86_64"));
	sc_diags_clear(&res.d);

	add_rule(p, SC_ACT_ALLOW, 5, "getppidd", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "unknown syscall 'getppidd'"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(name_on_some_arches)
{
	struct sc_profile *p = base_profile(true);
	struct result res;

	/* socketcall and _llseek are i386-only: one warning for both, naming x86_64 and x32. */
	add_rule(p, SC_ACT_ALLOW, 10, "read", "socketcall", "_llseek", "arch_prctl", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING,
		    "2 names are not syscalls on x86_64, x32 and have no effect there: "
		    "socketcall, _llseek",
		    12, 7);
	/* arch_prctl is missing on x86 (i386 has it: 384), so no warning for it. */
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "arch_prctl"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(rule_includes_arches)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	/* Docker: a rule for arm machines may name arm-only syscalls in an x86_64 profile. */
	r = add_rule(p, SC_ACT_ALLOW, 10, "arm_fadvise64_64", "set_tls", NULL);
	r->includes.arches = calloc(2, sizeof(enum sc_arch));
	r->includes.arches[0] = SC_ARCH_ARM;
	r->includes.arches[1] = SC_ARCH_AARCH64;
	r->includes.n_arches = 2;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_null(find(&res, SC_SEV_ERROR, "arm_fadvise64_64"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(no_architectures_uses_native)
{
	struct sc_profile *p = sc_profile_new();
	struct sc_validate_opts o = { .native = SC_ARCH_AARCH64, .has_native = true };
	struct result res;

	p->loc = (struct sc_loc){ 1, 1 };
	add_rule(p, SC_ACT_ALLOW, 3, "open", NULL);
	validate(p, &o, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING, "'open' is not a syscall on aarch64", 4, 7);
	assert_diag(&res, SC_SEV_WARNING, "no \"architectures\"", 1, 1);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "aarch64 here"));
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "(arm)"));
	sc_diags_clear(&res.d);

	o.native = SC_ARCH_X86_64;
	validate(p, &o, &res);
	ck_assert_int_eq(res.ret, 0);
	/* The warning explains what happens to i386 and x32 calls. */
	assert_diag(&res, SC_SEV_WARNING, "another ABI (x86, x32)", 1, 1);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "the process is killed"));
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "SCMP_ARCH_X86, SCMP_ARCH_X32"));
	sc_diags_clear(&res.d);

	o.native = SC_ARCH_RISCV64; /* no compat ABI */
	sc_profile_free(p);
	p = sc_profile_new();
	add_rule(p, SC_ACT_ALLOW, 3, "read", NULL);
	validate(p, &o, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "List it: SCMP_ARCH_RISCV64"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(arg_index)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	r = add_rule(p, SC_ACT_ALLOW, 10, "socket", NULL);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 1, 0), 0);
	ck_assert_int_eq(sc_rule_add_arg(r, 6, SC_CMP_EQ, 2, 0), 0);
	r->args[1].loc = (struct sc_loc){ 14, 9 };
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	assert_diag(&res, SC_SEV_ERROR, "argument index 6 is out of range", 14, 9);
	sc_diags_clear(&res.d);

	/* 5 is the last valid index; without an arg location the rule's is used. */
	r = &p->rules[0];
	r->args[1].index = 5;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	sc_diags_clear(&res.d);
	r->args[1].index = 99;
	r->args[1].loc = (struct sc_loc){ 0, 0 };
	validate(p, NULL, &res);
	assert_diag(&res, SC_SEV_ERROR, "argument index 99", 10, 5);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(masked_eq_never_matches)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	r = add_rule(p, SC_ACT_ALLOW, 10, "clone", NULL);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_MASKED_EQ, 0xff, 0x100), 0);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "never matches"));
	sc_diags_clear(&res.d);
	r->args[0].value_two = 0x10;
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "never matches"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(errno_ranges)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	r = add_rule(p, SC_ACT_ERRNO, 10, "mount", NULL);
	ck_assert_int_gt(sc_implicit_add(p), 0); /* else: the implicit-set warning */
	r = &p->rules[0];
	r->has_errno = true;
	r->errno_ret = 70000;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	assert_diag(&res, SC_SEV_ERROR, "errnoRet 70000 is out of range", 10, 5);
	sc_diags_clear(&res.d);

	r->errno_ret = 4096;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "errnoRet 4096 is out of range"));
	sc_diags_clear(&res.d);

	r->errno_ret = 4095;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_uint_eq(res.d.n, 0);
	sc_diags_clear(&res.d);

	r->errno_ret = 0; /* "succeeds" without running */
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "errnoRet 0"));
	sc_diags_clear(&res.d);

	/* TRACE carries 16 bits. */
	r->action = SC_ACT_TRACE;
	r->errno_ret = 65535;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	sc_diags_clear(&res.d);
	r->errno_ret = 65536;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	sc_diags_clear(&res.d);

	/* errnoRet means nothing to ALLOW. */
	r->action = SC_ACT_KILL_PROCESS;
	r->errno_ret = 1;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "errnoRet is ignored"));
	sc_diags_clear(&res.d);

	/* defaultErrnoRet */
	r->has_errno = false;
	p->has_default_errno = true;
	p->default_errno = 5000;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	assert_diag(&res, SC_SEV_ERROR, "defaultErrnoRet 5000 is out of range", 1, 1);
	sc_diags_clear(&res.d);
	p->default_errno = 38;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(conflicting_actions)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	add_rule(p, SC_ACT_ALLOW, 10, "read", "write", NULL);
	add_rule(p, SC_ACT_ERRNO, 20, "close", "write", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	/* At the second occurrence, naming the first. */
	assert_diag(&res, SC_SEV_ERROR, "'write' is SCMP_ACT_ERRNO here but SCMP_ACT_ALLOW at 12:7",
		    22, 7);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(no_conflict_cases)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r1, *r2;
	struct result res;

	/* Different arguments: not the same rule. */
	r1 = add_rule(p, SC_ACT_ALLOW, 10, "personality", NULL);
	ck_assert_int_eq(sc_rule_add_arg(r1, 0, SC_CMP_EQ, 0, 0), 0);
	r2 = add_rule(p, SC_ACT_KILL_PROCESS, 20, "personality", NULL);
	ck_assert_int_eq(sc_rule_add_arg(r2, 0, SC_CMP_EQ, 8, 0), 0);
	/* SCMP_ACT_KILL is KILL_THREAD. */
	add_rule(p, SC_ACT_KILL, 30, "ptrace", NULL);
	add_rule(p, SC_ACT_KILL_THREAD, 40, "ptrace", NULL);
	/* ERRNO without errnoRet is EPERM (runc). */
	r1 = add_rule(p, SC_ACT_ERRNO, 50, "mount", NULL);
	r2 = add_rule(p, SC_ACT_ERRNO, 60, "mount", NULL);
	r2->has_errno = true;
	r2->errno_ret = 1;
	/* Docker's clone3: allowed with CAP_SYS_ADMIN, ENOSYS without. */
	r1 = add_rule(p, SC_ACT_ALLOW, 70, "clone3", NULL);
	r1->includes.caps = calloc(1, sizeof(char *));
	r1->includes.caps[0] = strdup("CAP_SYS_ADMIN");
	r1->includes.n_caps = 1;
	r2 = add_rule(p, SC_ACT_ERRNO, 80, "clone3", NULL);
	r2->has_errno = true;
	r2->errno_ret = 38;
	r2->excludes.caps = calloc(1, sizeof(char *));
	r2->excludes.caps[0] = strdup("CAP_SYS_ADMIN");
	r2->excludes.n_caps = 1;
	validate(p, NULL, &res);
	if (res.ret)
		dump(&res);
	ck_assert_int_eq(res.ret, 0);
	sc_diags_clear(&res.d);

	/* Same arguments (in another order), different actions: a conflict. */
	ck_assert_int_eq(sc_rule_add_arg(&p->rules[0], 1, SC_CMP_NE, 3, 0), 0);
	ck_assert_int_eq(sc_rule_add_arg(&p->rules[1], 1, SC_CMP_NE, 3, 0), 0);
	p->rules[1].args[0].value = 0;
	/* rules[1] args are now {1 NE 3} after {0 EQ 0}: swap to test order independence */
	{
		struct sc_arg t = p->rules[1].args[0];
		p->rules[1].args[0] = p->rules[1].args[1];
		p->rules[1].args[1] = t;
	}
	/* ERRNO 1 vs ERRNO 38: a conflict too. */
	p->rules[5].errno_ret = 38;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 2);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "with the same argument conditions"));
	assert_diag(&res, SC_SEV_ERROR,
		    "'mount' is SCMP_ACT_ERRNO (errnoRet 38) here but SCMP_ACT_ERRNO at 51:7", 61,
		    7);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(default_allow_or_log)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	p->default_action = SC_ACT_ALLOW;
	add_rule(p, SC_ACT_LOG, 10, "read", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING, "this profile blocks nothing", 1, 1);
	sc_diags_clear(&res.d);

	p->default_action = SC_ACT_LOG;
	validate(p, NULL, &res);
	assert_diag(&res, SC_SEV_WARNING, "SCMP_ACT_LOG and no rule denies anything", 1, 1);
	sc_diags_clear(&res.d);

	/* A deny list: it blocks something, but everything else gets through. */
	p->default_action = SC_ACT_ALLOW;
	add_rule(p, SC_ACT_ERRNO, 20, "mount", NULL);
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "blocks nothing"));
	assert_diag(&res, SC_SEV_WARNING, "every syscall not listed", 1, 1);
	sc_diags_clear(&res.d);

	/* An allow list does not get the warning. */
	p->default_action = SC_ACT_KILL_PROCESS;
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "defaultAction"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(runtime_default_warning)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	add_rule(p, SC_ACT_ALLOW, 10, "read", "ptrace", NULL);
	ck_assert_int_gt(sc_implicit_add(p), 0); /* else: the implicit-set warning */
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "RuntimeDefault"));
	sc_diags_clear(&res.d);

	/* One warning listing them sorted, at the first one in the file. */
	add_rule(p, SC_ACT_ALLOW, 20, "unshare", "mount", NULL);
	add_rule(p, SC_ACT_LOG, 30, "bpf", "personality", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	assert_diag(&res, SC_SEV_WARNING,
		    "allows 3 syscalls that RuntimeDefault (Docker's default profile, no added "
		    "capabilities) blocks: bpf, mount, unshare; and, for every argument value, 1 "
		    "that RuntimeDefault allows only for some: personality",
		    21, 7);
	ck_assert_uint_eq(res.d.n_warnings, 1);
	sc_diags_clear(&res.d);
	sc_profile_free(p);

	/* With an argument check, personality is not reported; rules that need a
	 * capability are not what RuntimeDefault gives either. */
	p = base_profile(false);
	r = add_rule(p, SC_ACT_ALLOW, 10, "personality", NULL);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 0, 0), 0);
	r = add_rule(p, SC_ACT_ALLOW, 20, "mount", NULL);
	r->includes.caps = calloc(1, sizeof(char *));
	r->includes.caps[0] = strdup("CAP_SYS_ADMIN");
	r->includes.n_caps = 1;
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "RuntimeDefault"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);

	/* Per arch: arch_prctl is allowed for x86_64 machines, not for aarch64 ones... but it
	 * is not an aarch64 syscall at all. modify_ldt is one of x86 only. */
	p = sc_profile_new();
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_ARM), 0);
	add_rule(p, SC_ACT_ALLOW, 5, "read", "set_tls", "modify_ldt", NULL);
	validate(p, NULL, &res);
	ck_assert_ptr_null(find(&res, SC_SEV_WARNING, "RuntimeDefault"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(rule_without_names)
{
	struct sc_profile *p = base_profile(false);
	struct result res;

	add_rule(p, SC_ACT_ALLOW, 10, NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 1);
	assert_diag(&res, SC_SEV_ERROR, "lists no syscalls", 10, 5);
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(invalid_enums_and_notify)
{
	struct sc_profile *p = base_profile(false);
	struct sc_rule *r;
	struct result res;

	r = add_rule(p, SC_ACT_NOTIFY, 10, "openat", NULL);
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 0);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_WARNING, "without a listenerPath"));
	sc_diags_clear(&res.d);

	r->action = (enum sc_action)42;
	ck_assert_int_eq(sc_rule_add_arg(r, 0, (enum sc_cmp)0, 1, 0), 0);
	p->default_action = (enum sc_action) - 3;
	validate(p, NULL, &res);
	ck_assert_int_eq(res.ret, 3);
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "invalid action"));
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "invalid defaultAction"));
	ck_assert_ptr_nonnull(find(&res, SC_SEV_ERROR, "invalid comparison operator"));
	sc_diags_clear(&res.d);
	sc_profile_free(p);
}
END_TEST

START_TEST(returns_errors_added_only)
{
	struct sc_profile *p = base_profile(false);
	struct sc_diags d = { 0 };

	sc_diags_add(&d, SC_SEV_ERROR, (struct sc_loc){ 1, 1 }, "an earlier error");
	add_rule(p, SC_ACT_ALLOW, 10, "opne", NULL);
	ck_assert_int_eq(sc_profile_validate(p, &d), 1);
	ck_assert_uint_eq(d.n_errors, 2);
	ck_assert_int_eq(sc_profile_validate(NULL, &d), -EINVAL);
	/* Messages stay one line even for hostile names. */
	sc_diags_clear(&d);
	sc_profile_free(p);
	p = base_profile(false);
	add_rule(p, SC_ACT_ALLOW, 10, "evil\nname\033[31m", NULL);
	ck_assert_int_eq(sc_profile_validate(p, &d), 1);
	ck_assert_ptr_null(strchr(d.v[0].message, '\n'));
	ck_assert_ptr_null(strchr(d.v[0].message, '\033'));
	sc_diags_clear(&d);
	sc_profile_free(p);
}
END_TEST

/* --- RuntimeDefault ----------------------------------------------------------------------- */

START_TEST(rd_verdicts)
{
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "read"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "ptrace"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "mount"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "bpf"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "reboot"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "clone3"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "clone"), SC_RD_CONDITIONAL);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_S390X, "clone"), SC_RD_CONDITIONAL);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "personality"),
			 SC_RD_CONDITIONAL);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_AARCH64, "socket"), SC_RD_CONDITIONAL);
	/* Arch-conditional rules follow the machine's arch and reach its compat ABIs. */
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "arch_prctl"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X32, "arch_prctl"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86, "modify_ldt"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_AARCH64, "modify_ldt"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_ARM, "set_tls"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "set_tls"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_S390, "s390_runtime_instr"),
			 SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_PPC64LE, "swapcontext"), SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_RISCV64, "riscv_flush_icache"),
			 SC_RD_ALLOWED);
	ck_assert_int_eq(sc_runtime_default_verdict(SC_ARCH_X86_64, "no_such_call"), SC_RD_BLOCKED);
	ck_assert_int_eq(sc_runtime_default_verdict(_SC_ARCH_COUNT, "read"), SC_RD_BLOCKED);
	ck_assert(sc_runtime_default_allows(SC_ARCH_X86_64, "personality"));
	ck_assert(!sc_runtime_default_allows(SC_ARCH_X86_64, "kexec_load"));
	ck_assert_ptr_nonnull(strstr(sc_runtime_default_source(), "docker-default.json"));
}
END_TEST

START_TEST(rd_list)
{
	const char **v;
	size_t n = sc_runtime_default_list(SC_ARCH_X86_64, NULL, 0), m;
	bool has_read = false, has_clone = false;

	ck_assert_uint_gt(n, 300);
	v = calloc(n, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(sc_runtime_default_list(SC_ARCH_X86_64, v, n), n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_ge(sc_syscall_from_name(SC_ARCH_X86_64, v[i]), 0);
		ck_assert(sc_runtime_default_allows(SC_ARCH_X86_64, v[i]));
		ck_assert(i == 0 || strcmp(v[i - 1], v[i]) < 0);
		ck_assert_str_ne(v[i], "mount");
		ck_assert_str_ne(v[i], "socketcall"); /* an i386 syscall, not an x86_64 one */
		has_read = has_read || !strcmp(v[i], "read");
		has_clone = has_clone || !strcmp(v[i], "clone");
	}
	ck_assert(has_read && has_clone);
	/* A short buffer gets the first names, the count stays the total. */
	m = sc_runtime_default_list(SC_ARCH_X86_64, v, 3);
	ck_assert_uint_eq(m, n);
	free(v);
	ck_assert_uint_eq(sc_runtime_default_list(_SC_ARCH_COUNT, NULL, 0), 0);
	ck_assert_uint_gt(sc_runtime_default_list(SC_ARCH_X86, NULL, 0), 300);
}
END_TEST

static int nr(enum sc_arch a, const char *name)
{
	int n = sc_syscall_from_name(a, name);
	ck_assert_int_ge(n, 0);
	return n;
}

START_TEST(rd_profile)
{
	struct sc_profile *p = NULL;
	struct sc_eval ev;
	uint64_t args[6] = { 0 };
	struct sc_diags d = { 0 };

	ck_assert_int_eq(sc_runtime_default_profile(_SC_ARCH_COUNT, &p), -EINVAL);
	ck_assert_int_eq(sc_runtime_default_profile(SC_ARCH_X86_64, &p), 0);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert(p->has_default_errno);
	ck_assert_uint_eq(p->default_errno, 1);
	ck_assert_uint_eq(p->n_arches, 3);
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X86));
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X32));

	/* What the kernel would do, through the reference semantics. */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "read"), args, &ev),
			 0);
	ck_assert_int_eq(ev.action, SC_ACT_ALLOW);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "mount"), args, &ev),
			 0);
	ck_assert_int_eq(ev.action, SC_ACT_ERRNO);
	ck_assert_uint_eq(ev.data, 1);
	ck_assert_int_eq(
		sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "clone3"), args, &ev), 0);
	ck_assert_int_eq(ev.action, SC_ACT_ERRNO);
	ck_assert_uint_eq(ev.data, 38);
	args[0] = 8; /* PER_LINUX32 */
	ck_assert_int_eq(
		sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "personality"), args, &ev),
		0);
	ck_assert_int_eq(ev.action, SC_ACT_ALLOW);
	args[0] = 7;
	ck_assert_int_eq(
		sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "personality"), args, &ev),
		0);
	ck_assert_int_eq(ev.action, SC_ACT_ERRNO);
	args[0] = 0x10000000; /* CLONE_NEWUSER */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "clone"), args, &ev),
			 0);
	ck_assert_int_eq(ev.action, SC_ACT_ERRNO);
	args[0] = 0x00010000 | 0x00000100; /* CLONE_THREAD | CLONE_VM */
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "clone"), args, &ev),
			 0);
	ck_assert_int_eq(ev.action, SC_ACT_ALLOW);

	/* RuntimeDefault itself is a valid profile without warnings about itself. */
	ck_assert_int_eq(sc_profile_validate(p, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		ck_assert_msg(!strstr(d.v[i].message, "RuntimeDefault"), "%s", d.v[i].message);
	sc_diags_clear(&d);
	sc_profile_free(p);

	ck_assert_int_eq(sc_runtime_default_profile(SC_ARCH_AARCH64, &p), 0);
	ck_assert_uint_eq(p->n_arches, 2);
	ck_assert(sc_profile_has_arch(p, SC_ARCH_ARM));
	sc_profile_free(p);
}
END_TEST

static char docker_json[4096];

/* The shipped table against the JSON it was generated from (only when ../shared is here). */
START_TEST(rd_matches_docker_json)
{
	const char *path = docker_json;
	struct sc_profile *p = NULL;
	struct sc_diags d = { 0 };
	size_t checked = 0;
	ck_assert_int_eq(sc_profile_read_file(path, &d, &p), 0);
	/* Every unconditional, capability-free, arch-free allow is allowed on every arch. */
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		if (r->action != SC_ACT_ALLOW || r->n_args || r->includes.n_caps ||
		    r->includes.n_arches || r->excludes.n_arches)
			continue;
		for (size_t j = 0; j < r->n_names; j++, checked++)
			for_each_arch (a)
				ck_assert_msg(sc_runtime_default_verdict(a, r->names[j]) ==
						      SC_RD_ALLOWED,
					      "%s on %s", r->names[j], sc_arch_info(a)->name);
	}
	ck_assert_uint_gt(checked, 300);
	/* Docker's own profile passes validation. */
	sc_diags_clear(&d);
	ck_assert_int_eq(sc_profile_validate(p, &d), 0);
	sc_diags_clear(&d);
	sc_profile_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("rules");
	TCase *rd = tcase_create("runtime-default");

	tcase_add_test(tc, clean_profile);
	tcase_add_test(tc, unknown_name_everywhere);
	tcase_add_test(tc, repeated_names_reported_once);
	tcase_add_test(tc, name_not_on_listed_arches);
	tcase_add_test(tc, name_for_other_arches_is_a_warning);
	tcase_add_test(tc, name_on_some_arches);
	tcase_add_test(tc, rule_includes_arches);
	tcase_add_test(tc, no_architectures_uses_native);
	tcase_add_test(tc, arg_index);
	tcase_add_test(tc, masked_eq_never_matches);
	tcase_add_test(tc, errno_ranges);
	tcase_add_test(tc, conflicting_actions);
	tcase_add_test(tc, no_conflict_cases);
	tcase_add_test(tc, default_allow_or_log);
	tcase_add_test(tc, runtime_default_warning);
	tcase_add_test(tc, rule_without_names);
	tcase_add_test(tc, invalid_enums_and_notify);
	tcase_add_test(tc, returns_errors_added_only);
	suite_add_tcase(s, tc);
	tcase_add_test(rd, rd_verdicts);
	tcase_add_test(rd, rd_list);
	tcase_add_test(rd, rd_profile);
	if (getenv("SYSCAGE_SHARED") &&
	    snprintf(docker_json, sizeof(docker_json), "%s/data/docker-default.json",
		     getenv("SYSCAGE_SHARED")) > 0 &&
	    access(docker_json, R_OK) == 0)
		tcase_add_test(rd, rd_matches_docker_json);
	else
		tap_skip("rd_matches_docker_json",
			 "needs $SYSCAGE_SHARED/data/docker-default.json");
	fflush(stdout);
	suite_add_tcase(s, rd);
	return tap_run(s);
}
