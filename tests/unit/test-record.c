/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder: the recording model (per-ABI sets, the x32 base, overflow), recording ->
 * profile (arches, one rule per ABI, runtime base, unnamed numbers), --append merging, and a
 * live ptrace recording of tests/programs/syscall-zoo (needs the build tree: $SYSCAGE). */
#include <check.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "record/record-backend.h"
#include "tap.h"

static int nr(enum sc_arch a, const char *name)
{
	int n = sc_syscall_from_name(a, name);
	ck_assert_int_ge(n, 0);
	return n;
}

START_TEST(method_names)
{
	ck_assert_int_eq(sc_record_method_from_string("auto"), SC_RECORD_AUTO);
	ck_assert_int_eq(sc_record_method_from_string("ebpf"), SC_RECORD_BPF);
	ck_assert_int_eq(sc_record_method_from_string("bpf"), SC_RECORD_BPF);
	ck_assert_int_eq(sc_record_method_from_string("ptrace"), SC_RECORD_PTRACE);
	ck_assert_int_eq(sc_record_method_from_string("strace"), -EINVAL);
	ck_assert_int_eq(sc_record_method_from_string(NULL), -EINVAL);
	ck_assert_str_eq(sc_record_method_to_string(SC_RECORD_PTRACE), "ptrace");
	ck_assert_ptr_null(sc_record_method_to_string(_SC_RECORD_METHOD_COUNT));
}
END_TEST

START_TEST(record_sets)
{
	struct sc_record *r = sc_record_new();
	uint32_t x32_read = (uint32_t)nr(SC_ARCH_X32, "read");

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, 39, 3), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, 39, 2), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86, 20, 1), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X32, x32_read, 1), 0);
	ck_assert(x32_read & SC_X32_SYSCALL_BIT);
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, 39));
	ck_assert(!sc_record_has(r, SC_ARCH_X86, 39));
	ck_assert(!sc_record_has(r, SC_ARCH_X86_64, 20));
	ck_assert(sc_record_has(r, SC_ARCH_X32, x32_read));
	/* x32 numbers below the base are not x32 numbers */
	ck_assert(!sc_record_has(r, SC_ARCH_X32, 0));
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X32, 0, 1), -ERANGE);
	ck_assert_uint_eq(sc_record_count(r, SC_ARCH_X86_64, 39), 5);
	ck_assert_uint_eq(sc_record_distinct(r, -1), 3);
	ck_assert_uint_eq(sc_record_distinct(r, SC_ARCH_X86), 1);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, SC_RECORD_MAX_NR, 4), -ERANGE);
	ck_assert_uint_eq(r->overflow, 5);
	ck_assert_int_eq(sc_record_add(r, (enum sc_arch)99, 1, 1), -EINVAL);

	struct sc_record *m = sc_record_new();
	ck_assert_int_eq(sc_record_add(m, SC_ARCH_X86_64, 39, 1), 0);
	ck_assert_int_eq(sc_record_merge(m, r), 0);
	ck_assert_uint_eq(sc_record_count(m, SC_ARCH_X86_64, 39), 6);
	ck_assert(sc_record_has(m, SC_ARCH_X86, 20));
	ck_assert_uint_eq(m->overflow, 5);
	sc_record_free(m);
	sc_record_free(r);
	ck_assert_ptr_null(sc_record_free(NULL));
}
END_TEST

static const struct sc_rule *rule_for(const struct sc_profile *p, const char *comment)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].comment && strcmp(p->rules[i].comment, comment) == 0)
			return &p->rules[i];
	return NULL;
}

static bool rule_has(const struct sc_rule *r, const char *name)
{
	for (size_t i = 0; r && i < r->n_names; i++)
		if (strcmp(r->names[i], name) == 0)
			return true;
	return false;
}

START_TEST(to_profile_per_abi)
{
	struct sc_record *r = sc_record_new();
	struct sc_profile *p = NULL;
	enum sc_arch extra[] = { SC_ARCH_AARCH64 };
	size_t unnamed = 99;

	/* i386 20 is getpid, x86_64 20 is writev: each must be named on its own ABI */
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86, 20, 1), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, 20, 1), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, 1000, 1), 0); /* no such syscall */
	ck_assert_int_eq(sc_record_to_profile(r, extra, 1, SC_RECORD_BASE_NONE, &p, &unnamed), 0);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_uint_eq(p->n_arches, 3);
	ck_assert_int_eq(p->arches[0], SC_ARCH_X86_64); /* native first */
	ck_assert_int_eq(p->arches[1], SC_ARCH_X86);
	ck_assert_int_eq(p->arches[2], SC_ARCH_AARCH64);
	ck_assert_uint_eq(unnamed, 1);
	ck_assert_uint_eq(p->n_rules, 3); /* one per ABI, and the implicit set */
	const struct sc_rule *impl = rule_for(p, SC_IMPLICIT_COMMENT);
	ck_assert(rule_has(impl, "restart_syscall") && rule_has(impl, "sigreturn"));
	const struct sc_rule *native = rule_for(p, "recorded on x86_64");
	const struct sc_rule *compat = rule_for(p, "recorded on x86");
	ck_assert(rule_has(native, "writev") && !rule_has(native, "getpid"));
	ck_assert(rule_has(compat, "getpid") && !rule_has(compat, "writev"));
	ck_assert_int_eq(native->action, SC_ACT_ALLOW);
	sc_profile_free(p);

	ck_assert_int_eq(sc_record_to_profile(r, NULL, 0, SC_RECORD_BASE_RUNTIME, &p, NULL), 0);
	const struct sc_rule *base =
		rule_for(p, "runtime base: what runc calls after loading the filter");
	ck_assert_ptr_nonnull(base);
	for (const char *const *n = sc_record_runtime_base(); *n; n++) {
		ck_assert_msg(sc_syscall_from_name(SC_ARCH_X86_64, *n) >= 0, "%s", *n);
		ck_assert(rule_has(base, *n));
	}
	ck_assert(rule_has(base, "execve") && rule_has(base, "futex"));
	sc_profile_free(p);
	sc_record_free(r);

	/* nothing recorded: still a valid profile for the native arch */
	r = sc_record_new();
	ck_assert_int_eq(sc_record_to_profile(r, NULL, 0, SC_RECORD_BASE_NONE, &p, NULL), 0);
	ck_assert_uint_eq(p->n_arches, 1);
	ck_assert_uint_eq(p->n_rules, 1); /* the implicit set alone */
	ck_assert(rule_has(rule_for(p, SC_IMPLICIT_COMMENT), "restart_syscall"));
	sc_profile_free(p);
	sc_record_free(r);
}
END_TEST

START_TEST(abi_overlap)
{
	struct sc_record *r = sc_record_new();
	struct sc_record_abis ov;

	/* read on both ABIs; openat (x86_64 257) and getpid (i386 20) on one each */
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "read"), 1), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, nr(SC_ARCH_X86_64, "openat"), 1), 0);
	sc_record_abi_overlap(r, &ov);
	ck_assert_uint_eq(ov.n_abis, 1);
	ck_assert_uint_eq(ov.n_only, 0); /* one ABI: nothing is widened */
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86, nr(SC_ARCH_X86, "read"), 1), 0);
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86, nr(SC_ARCH_X86, "getpid"), 1), 0);
	sc_record_abi_overlap(r, &ov);
	ck_assert_uint_eq(ov.n_abis, 2);
	ck_assert_uint_eq(ov.only[SC_ARCH_X86_64], 1);
	ck_assert_uint_eq(ov.only[SC_ARCH_X86], 1);
	ck_assert_uint_eq(ov.n_only, 2);
	/* --abi native */
	ck_assert_uint_eq(sc_record_keep_abi(r, SC_ARCH_X86_64), 2);
	ck_assert_uint_eq(sc_record_distinct(r, SC_ARCH_X86), 0);
	ck_assert_uint_eq(sc_record_distinct(r, SC_ARCH_X86_64), 2);
	ck_assert(!sc_record_has(r, SC_ARCH_X86, nr(SC_ARCH_X86, "getpid")));
	sc_record_free(r);
}
END_TEST

START_TEST(append)
{
	const char *old_names[] = { "read", "write" };
	const char *cond_names[] = { "personality" };
	const char *new_names[] = { "write", "openat", "personality", "openat" };
	struct sc_profile *old = sc_profile_new(), *add = sc_profile_new();
	const char **fresh = NULL;
	size_t n = 0;

	ck_assert_ptr_nonnull(sc_profile_add_rule(old, SC_ACT_ALLOW, old_names, 2));
	struct sc_rule *c = sc_profile_add_rule(old, SC_ACT_ALLOW, cond_names, 1);
	ck_assert_int_eq(sc_rule_add_arg(c, 0, SC_CMP_EQ, 0, 0), 0);
	ck_assert_int_eq(sc_profile_add_arch(old, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(add, SC_ACT_ALLOW, new_names, 4));
	ck_assert_int_eq(sc_profile_add_arch(add, SC_ARCH_X32), 0);
	ck_assert_int_eq(sc_record_profile_append(old, add, &fresh, &n), 0);
	/* personality was allowed only with a condition: recorded calls may use other args */
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(fresh[0], "openat");
	ck_assert_str_eq(fresh[1], "personality");
	ck_assert_uint_eq(old->n_rules, 4); /* + the implicit set for x86_64 and x32 */
	ck_assert(rule_has(rule_for(old, SC_IMPLICIT_COMMENT), "restart_syscall"));
	ck_assert(sc_profile_has_arch(old, SC_ARCH_X32));
	free(fresh);
	ck_assert_int_eq(sc_record_profile_append(old, add, &fresh, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(old->n_rules, 4);
	free(fresh);
	sc_profile_free(old);
	sc_profile_free(add);
}
END_TEST

START_TEST(preflight_reports_fixes)
{
	struct sc_diags d = { 0 };
	int n = sc_record_bpf_preflight(&d);

	ck_assert_int_ge(n, 0);
	ck_assert_uint_eq(d.n_errors, (size_t)n);
	for (size_t i = 0; i < d.n; i++)
		ck_assert_msg(strstr(d.v[i].message, "fix:"), "%s", d.v[i].message);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(bad_opts)
{
	struct sc_record_opts o = { .method = SC_RECORD_PTRACE, .stop_fd = -1 };
	char *argv[] = { "/nonexistent/x", NULL };
	struct sc_diags d = { 0 };
	struct sc_record *r = NULL;

	ck_assert_int_eq(sc_record_run(&o, &d, &r), -EINVAL); /* no target */
	o.argv = argv;
	o.pid = 1;
	ck_assert_int_eq(sc_record_run(&o, &d, &r), -EINVAL); /* two */
	o.pid = 0;
	ck_assert_int_eq(sc_record_run(&o, &d, &r), -ENOENT);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_ptr_null(r);
	sc_diags_clear(&d);
}
END_TEST

/* tests/programs/syscall-zoo, next to the syscage binary in the build tree. */
static char *zoo_path(void)
{
	const char *s = getenv("SYSCAGE");
	char *copy, *path = NULL;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (asprintf(&path, "%s/tests/programs/syscall-zoo", dirname(copy)) < 0)
		path = NULL;
	free(copy);
	return path;
}

static void record_zoo(enum sc_record_method m)
{
	char *zoo = zoo_path();
	char *argv[] = { zoo, NULL };
	struct sc_record_opts o = { .method = m, .argv = argv, .stop_fd = -1 };
	struct sc_diags d = { 0 };
	struct sc_record *r = NULL;

	ck_assert_ptr_nonnull(zoo);
	ck_assert_int_eq(sc_record_run(&o, &d, &r), 0);
	ck_assert_int_eq(r->method, m);
	ck_assert(r->has_status);
	ck_assert_int_eq(r->status, 0);
	/* one from each part: main, a thread, the forked and exec'd children, the daemon, x32 */
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "capget")));
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "ioprio_get")));
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "getresgid")));
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "membarrier")));
	ck_assert(sc_record_has(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "setsid")));
	ck_assert(sc_record_has(r, SC_ARCH_X32, (uint32_t)nr(SC_ARCH_X32, "gettid")));
	ck_assert_uint_eq(sc_record_distinct(r, SC_ARCH_X32), 2);
	/* the recorder's own fork before execve is not the command's */
	ck_assert_uint_eq(
		sc_record_count(r, SC_ARCH_X86_64, (uint32_t)nr(SC_ARCH_X86_64, "execve")), 2);
	sc_record_free(r);
	sc_diags_clear(&d);
	free(zoo);
}

START_TEST(live_ptrace)
{
	record_zoo(SC_RECORD_PTRACE);
}
END_TEST

START_TEST(live_bpf)
{
	record_zoo(SC_RECORD_BPF);
}
END_TEST

/* The zoo's distinct syscalls per ABI, recorded with eBPF. */
static void zoo_sets(uint64_t seen[_SC_ARCH_COUNT][SC_RECORD_MAX_NR / 64])
{
	char *zoo = zoo_path();
	char *argv[] = { zoo, NULL };
	struct sc_record_opts o = { .method = SC_RECORD_BPF, .argv = argv, .stop_fd = -1 };
	struct sc_diags d = { 0 };
	struct sc_record *r = NULL;

	ck_assert_ptr_nonnull(zoo);
	ck_assert_int_eq(sc_record_run(&o, &d, &r), 0);
	ck_assert_int_eq(r->status, 0);
	memcpy(seen, r->seen, sizeof(r->seen));
	sc_record_free(r);
	sc_diags_clear(&d);
	free(zoo);
}

/* Kernels without bpf_rdonly_cast get the sys_enter program that reads thread_info.status with
 * a helper call: it tells the ABIs apart exactly as the direct read does (i386 calls included
 * where int $0x80 works). */
START_TEST(live_bpf_probe_read)
{
	uint64_t direct[_SC_ARCH_COUNT][SC_RECORD_MAX_NR / 64],
		probe[_SC_ARCH_COUNT][SC_RECORD_MAX_NR / 64];

	zoo_sets(direct);
	sc_record_bpf_force_probe = true;
	zoo_sets(probe);
	sc_record_bpf_force_probe = false;
	for (int a = 0; a < _SC_ARCH_COUNT; a++)
		for (unsigned w = 0; w < SC_RECORD_MAX_NR / 64; w++) {
			/* futex comes from thread joins only sometimes */
			uint64_t mask = a == SC_ARCH_X86_64 && w == 202 / 64 ? ~(1ULL << (202 % 64))
									     : ~0ULL;
			ck_assert_msg((direct[a][w] & mask) == (probe[a][w] & mask),
				      "arch %d word %u: direct %#llx, probe-read %#llx", a, w,
				      (unsigned long long)direct[a][w],
				      (unsigned long long)probe[a][w]);
		}
	ck_assert(probe[SC_ARCH_X32][0] != 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");
	TCase *live = tcase_create("live");
	struct sc_diags d = { 0 };

	tcase_add_test(tc, method_names);
	tcase_add_test(tc, record_sets);
	tcase_add_test(tc, to_profile_per_abi);
	tcase_add_test(tc, abi_overlap);
	tcase_add_test(tc, append);
	tcase_add_test(tc, preflight_reports_fixes);
	tcase_add_test(tc, bad_opts);
	suite_add_tcase(s, tc);
	/* Live recordings need the build tree (meson test sets $SYSCAGE); eBPF needs the
	 * preflight to pass (root, BTF): otherwise those cases are not run, and say so. */
	tcase_set_timeout(live, 120);
	suite_add_tcase(s, live);
	if (getenv("SYSCAGE")) {
		tcase_add_test(live, live_ptrace);
		if (sc_record_bpf_preflight(&d) == 0) {
			tcase_add_test(live, live_bpf);
			tcase_add_test(live, live_bpf_probe_read);
		} else
			tap_skip("live_bpf", "%s", d.n ? d.v[0].message : "eBPF preflight failed");
		sc_diags_clear(&d);
	} else {
		tap_skip("live recordings", "$SYSCAGE is not set (run through meson test)");
	}
	fflush(stdout);
	return tap_run(s);
}
