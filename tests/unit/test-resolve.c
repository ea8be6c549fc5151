/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sc_profile_resolve (archMap, includes/excludes for a target, as Docker does) and
 * sc_profile_normalize (sorted, de-duplicated, merged rules; semantics kept). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "tap.h"

static struct sc_profile *read_path(const char *path)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;

	ck_assert_msg(sc_profile_read_file(path, &d, &p) == 0, "reading %s", path);
	sc_diags_clear(&d);
	return p;
}

static struct sc_profile *read_fixture(void)
{
	const char *src = getenv("SYSCAGE_SRCDIR");
	char *path;
	struct sc_profile *p;

	ck_assert_int_ge(asprintf(&path, "%s/tests/data/io/oci-full.json", src ? src : "."), 0);
	p = read_path(path);
	free(path);
	return p;
}

static char *docker_default_path(void)
{
	const char *shared = getenv("SYSCAGE_SHARED");
	char *path;

	if (!shared || asprintf(&path, "%s/data/docker-default.json", shared) < 0)
		return NULL;
	if (access(path, R_OK) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* The action a resolved profile gives 'name' through a rule without args, or -1 when no
 * such rule names it; *n_with_args counts rules with args that name it. */
static int action_of(const struct sc_profile *p, const char *name, size_t *n_with_args,
		     uint32_t *errno_ret)
{
	int found = -1;

	if (n_with_args)
		*n_with_args = 0;
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t j = 0; j < p->rules[i].n_names; j++) {
			if (strcmp(p->rules[i].names[j], name))
				continue;
			if (p->rules[i].n_args) {
				if (n_with_args)
					(*n_with_args)++;
				continue;
			}
			found = p->rules[i].action;
			if (errno_ret)
				*errno_ret = p->rules[i].errno_ret;
		}
	return found;
}

static void assert_no_docker_fields(const struct sc_profile *p)
{
	ck_assert_uint_eq(p->n_arch_map, 0);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		ck_assert(!r->includes.n_caps && !r->includes.n_arches && !r->includes.min_kernel);
		ck_assert(!r->excludes.n_caps && !r->excludes.n_arches && !r->excludes.min_kernel);
	}
}

START_TEST(resolve_fixture_targets)
{
	struct sc_profile *p = read_fixture(), *q = NULL;
	const char *admin[] = { "CAP_SYS_ADMIN" };
	const char *admin_short[] = { "sys_admin" };
	struct sc_target t = {
		.arch = SC_ARCH_X86_64, .has_arch = true, .kernel_major = 6, .kernel_minor = 1
	};
	uint32_t e = 0;

	/* x86_64, no caps, kernel 6.1. */
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	assert_no_docker_fields(q);
	/* architectures listed (x86_64, x86) + the archMap entry of x86_64 (x86, x32). */
	ck_assert_uint_eq(q->n_arches, 3);
	ck_assert(sc_profile_has_arch(q, SC_ARCH_X32));
	ck_assert_int_eq(action_of(q, "arch_prctl", NULL, NULL), SC_ACT_ALLOW);
	ck_assert_int_eq(action_of(q, "ptrace", NULL, NULL), SC_ACT_ALLOW);
	ck_assert_int_eq(action_of(q, "mount", NULL, NULL), -1);
	ck_assert_int_eq(action_of(q, "clone3", NULL, &e), SC_ACT_ERRNO);
	ck_assert_uint_eq(e, 38);
	ck_assert_uint_eq(q->n_rules, p->n_rules - 1);
	q = sc_profile_free(q);

	/* With CAP_SYS_ADMIN (either spelling): mount in, the clone3 ENOSYS rule out. */
	t.caps = admin;
	t.n_caps = 1;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert_int_eq(action_of(q, "mount", NULL, NULL), SC_ACT_ALLOW);
	ck_assert_int_eq(action_of(q, "clone3", NULL, NULL), -1);
	q = sc_profile_free(q);
	t.caps = admin_short;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert_int_eq(action_of(q, "mount", NULL, NULL), SC_ACT_ALLOW);
	q = sc_profile_free(q);

	/* Old kernel: minKernel 4.8 rule dropped. */
	t.kernel_major = 4;
	t.kernel_minor = 4;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert_int_eq(action_of(q, "ptrace", NULL, NULL), -1);
	q = sc_profile_free(q);
	t.kernel_minor = 8;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert_int_eq(action_of(q, "ptrace", NULL, NULL), SC_ACT_ALLOW);
	q = sc_profile_free(q);

	/* aarch64: arm from the archMap, no arch_prctl (amd64/x32 only). */
	t.arch = SC_ARCH_AARCH64;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert(sc_profile_has_arch(q, SC_ARCH_AARCH64));
	ck_assert(sc_profile_has_arch(q, SC_ARCH_ARM));
	ck_assert(!sc_profile_has_arch(q, SC_ARCH_X32));
	ck_assert_int_eq(action_of(q, "arch_prctl", NULL, NULL), -1);
	q = sc_profile_free(q);

	/* riscv64: its archMap entry has no sub-arches. */
	t.arch = SC_ARCH_RISCV64;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &q), 0);
	ck_assert_uint_eq(q->n_arches, 3);
	ck_assert(sc_profile_has_arch(q, SC_ARCH_RISCV64));
	q = sc_profile_free(q);

	/* Default target: this machine, running kernel. */
	ck_assert_int_eq(sc_profile_resolve(p, NULL, &q), 0);
	ck_assert(sc_profile_has_arch(q, sc_arch_native()));
	q = sc_profile_free(q);
	sc_profile_free(p);
}
END_TEST

START_TEST(resolve_docker_default)
{
	char *path = docker_default_path();
	struct sc_profile *p, *plain = NULL, *admin = NULL;
	const char *caps[] = { "CAP_SYS_ADMIN" };
	struct sc_target t = {
		.arch = SC_ARCH_X86_64, .has_arch = true, .kernel_major = 6, .kernel_minor = 18
	};
	static const char *const admin_only[] = { "mount",	 "umount2", "unshare", "setns",
						  "sethostname", "bpf",	    "fsopen" };
	size_t n_args = 0;
	uint32_t e = 0;

	ck_assert_ptr_nonnull(path);
	p = read_path(path);
	ck_assert_int_eq(sc_profile_resolve(p, &t, &plain), 0);
	t.caps = caps;
	t.n_caps = 1;
	ck_assert_int_eq(sc_profile_resolve(p, &t, &admin), 0);
	assert_no_docker_fields(plain);
	assert_no_docker_fields(admin);

	/* Docker on x86_64: architectures x86_64 + x86 + x32. */
	ck_assert_uint_eq(plain->n_arches, 3);
	ck_assert_int_eq(plain->arches[0], SC_ARCH_X86_64);
	ck_assert_int_eq(plain->arches[1], SC_ARCH_X86);
	ck_assert_int_eq(plain->arches[2], SC_ARCH_X32);

	/* Everyday syscalls, arch_prctl (amd64) and ptrace (minKernel 4.8) are allowed. */
	ck_assert_int_eq(action_of(plain, "read", NULL, NULL), SC_ACT_ALLOW);
	ck_assert_int_eq(action_of(plain, "arch_prctl", NULL, NULL), SC_ACT_ALLOW);
	ck_assert_int_eq(action_of(plain, "ptrace", NULL, NULL), SC_ACT_ALLOW);
	/* Not the arm/s390/ppc-only ones. */
	ck_assert_int_eq(action_of(plain, "arm_fadvise64_64", NULL, NULL), -1);
	ck_assert_int_eq(action_of(plain, "s390_pci_mmio_read", NULL, NULL), -1);

	/* Without CAP_SYS_ADMIN: no mount & co, clone only with flag filters, clone3 ENOSYS. */
	for (size_t i = 0; i < sizeof(admin_only) / sizeof(admin_only[0]); i++) {
		ck_assert_msg(action_of(plain, admin_only[i], NULL, NULL) == -1, "%s",
			      admin_only[i]);
		ck_assert_msg(action_of(admin, admin_only[i], NULL, NULL) == SC_ACT_ALLOW, "%s",
			      admin_only[i]);
	}
	ck_assert_int_eq(action_of(plain, "clone", &n_args, NULL), -1);
	ck_assert_uint_eq(n_args, 1); /* the x86 variant; the s390 one is excluded */
	ck_assert_int_eq(action_of(plain, "clone3", NULL, &e), SC_ACT_ERRNO);
	ck_assert_uint_eq(e, 38);

	/* With CAP_SYS_ADMIN: clone and clone3 plainly allowed, the filtered clone gone. */
	ck_assert_int_eq(action_of(admin, "clone", &n_args, NULL), SC_ACT_ALLOW);
	ck_assert_uint_eq(n_args, 0);
	ck_assert_int_eq(action_of(admin, "clone3", NULL, NULL), SC_ACT_ALLOW);
	/* The extra rules are exactly the CAP_SYS_ADMIN ones: one more rule, one fewer each
	 * for the two excluded ones. */
	ck_assert_uint_eq(admin->n_rules, plain->n_rules - 1);

	sc_profile_free(p);
	sc_profile_free(plain);
	sc_profile_free(admin);
	free(path);
}
END_TEST

START_TEST(normalize_merges_and_sorts)
{
	struct sc_profile *p = sc_profile_new();
	struct sc_rule *r;
	const char *a[] = { "write", "read", "write" };
	const char *b[] = { "close", "read" };
	const char *c[] = { "kill" };
	char *s1, *s2;

	sc_profile_add_rule(p, SC_ACT_ERRNO, c, 1);
	sc_profile_add_rule(p, SC_ACT_ALLOW, a, 3);
	r = sc_profile_add_rule(p, SC_ACT_ALLOW, b, 2);
	r->comment = strdup("not kept: the merged rule has none");
	r = sc_profile_add_rule(p, SC_ACT_ALLOW, c, 1);
	ck_assert_int_eq(sc_rule_add_arg(r, 1, SC_CMP_EQ, 9, 0), 0);
	r = sc_profile_add_rule(p, SC_ACT_ERRNO, b, 1);
	r->has_errno = true;
	r->errno_ret = 38;

	ck_assert_int_eq(sc_profile_normalize(p), 0);
	ck_assert_uint_eq(p->n_rules, 4);
	/* ALLOW (no args) merged: close, read, write. */
	ck_assert_int_eq(p->rules[0].action, SC_ACT_ALLOW);
	ck_assert_uint_eq(p->rules[0].n_names, 3);
	ck_assert_str_eq(p->rules[0].names[0], "close");
	ck_assert_str_eq(p->rules[0].names[1], "read");
	ck_assert_str_eq(p->rules[0].names[2], "write");
	ck_assert_ptr_null(p->rules[0].comment);
	/* The rule with args stays apart. */
	ck_assert_int_eq(p->rules[1].action, SC_ACT_ALLOW);
	ck_assert_uint_eq(p->rules[1].n_args, 1);
	/* ERRNO without errnoRet and with 38 are different rules. */
	ck_assert_int_eq(p->rules[2].action, SC_ACT_ERRNO);
	ck_assert(!p->rules[2].has_errno);
	ck_assert(p->rules[3].has_errno && p->rules[3].errno_ret == 38);

	/* Idempotent. */
	ck_assert_int_eq(sc_profile_write_string(p, SC_FORMAT_OCI, &s1), 0);
	ck_assert_int_eq(sc_profile_normalize(p), 0);
	ck_assert_int_eq(sc_profile_write_string(p, SC_FORMAT_OCI, &s2), 0);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	sc_profile_free(p);
}
END_TEST

START_TEST(normalize_keeps_conditions_apart)
{
	struct sc_profile *p = read_fixture();
	size_t before = p->n_rules;

	/* mount (includes caps), arch_prctl (includes arches), ptrace (minKernel) and the
	 * plain read/write/close rules must not merge: only close joins read/write. */
	ck_assert_int_eq(sc_profile_normalize(p), 0);
	ck_assert_uint_eq(p->n_rules, before - 1);
	ck_assert_int_eq(action_of(p, "mount", NULL, NULL), SC_ACT_ALLOW);
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].names[0], "mount"))
			ck_assert_uint_eq(p->rules[i].includes.n_caps, 1);
	sc_profile_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("resolve");
	char *dd = docker_default_path();

	tcase_add_test(tc, resolve_fixture_targets);
	if (dd)
		tcase_add_test(tc, resolve_docker_default);
	else
		tap_skip("resolve_docker_default",
			 "$SYSCAGE_SHARED/data/docker-default.json is not available");
	free(dd);
	tcase_add_test(tc, normalize_merges_and_sorts);
	tcase_add_test(tc, normalize_keeps_conditions_apart);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
