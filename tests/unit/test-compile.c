/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compiler: program shape (arch check first, binary search, constant-action syscalls
 * that never load an argument), long jumps, the 4096 limit, bad options, and the
 * table-driven regression tests in tests/regress (NN-what.json + NN-what.tests, lines of
 * `arch syscall [a0,a1,...] -> ACTION`) run through the emulator. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "tap.h"

static uint32_t emulate(const struct sock_filter *v, size_t n, enum sc_arch arch, uint32_t nr,
			const uint64_t a[6], unsigned *steps)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	struct seccomp_data sd = { .nr = (int)nr, .arch = ai->audit_arch };
	uint32_t ret = 0;

	for (int i = 0; i < 6; i++) {
		uint64_t x = a ? a[i] : 0;
		sd.args[i] = ai->big_endian ? (x << 32) | (x >> 32) : x;
	}
	ck_assert_int_eq(sc_bpf_run(v, n, &sd, &ret, steps), 0);
	return ret;
}

/* Does the path for (token, nr) load an argument? The kernel's action cache emulates the
 * filter for every nr with the arguments unknown; a path that loads one is not cached. */
static bool path_loads_args(const struct sock_filter *v, size_t n, uint32_t token, uint32_t nr)
{
	uint32_t A = 0;

	for (size_t pc = 0; pc < n;) {
		const struct sock_filter *f = &v[pc++];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k >= 16)
				return true;
			A = f->k == 0 ? nr : f->k == 4 ? token : 0;
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += A == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += A >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += A > f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return false;
		default:
			return true;
		}
	}
	return true;
}

static struct sc_profile *read_profile(const char *path)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL, *r = NULL;
	struct sc_target t = { .arch = SC_ARCH_X86_64, .has_arch = true };

	ck_assert_msg(sc_profile_read_file(path, &d, &p) == 0, "%s: %s", path,
		      d.n ? d.v[0].message : "?");
	sc_diags_clear(&d);
	ck_assert_int_eq(sc_profile_resolve(p, &t, &r), 0);
	sc_profile_free(p);
	return r;
}

START_TEST(shape_of_docker_default)
{
	const char *shared = getenv("SYSCAGE_SHARED");
	char path[4096];
	struct sc_profile *p;
	struct sock_filter *v = NULL;
	size_t n = 0;
	unsigned max_steps = 0, consts = 0;
	uint32_t nr;

	snprintf(path, sizeof(path), "%s/data/docker-default.json", shared ? shared : ".");
	p = read_profile(path);
	ck_assert_int_eq(sc_profile_compile(p, NULL, &v, &n), 0);
	ck_assert_int_eq(sc_bpf_check(v, n, NULL, 0), 0);
	/* The arch check comes first. */
	ck_assert_uint_eq(v[0].code, BPF_LD | BPF_W | BPF_ABS);
	ck_assert_uint_eq(v[0].k, 4);
	for (size_t i = 0; sc_syscall_by_index(SC_ARCH_X86_64, i, &nr, NULL) == 0; i++) {
		bool has_args = false;
		unsigned steps = 0;
		for (size_t r = 0; r < p->n_rules; r++)
			for (size_t j = 0; j < p->rules[r].n_names; j++)
				if (p->rules[r].n_args &&
				    sc_syscall_from_name(SC_ARCH_X86_64, p->rules[r].names[j]) ==
					    (int)nr)
					has_args = true;
		(void)emulate(v, n, SC_ARCH_X86_64, nr, NULL, &steps);
		if (!has_args) {
			/* Decided on nr alone: the kernel's constant-action cache can take it. */
			ck_assert_msg(!path_loads_args(v, n, 0xc000003e, nr), "nr %u loads an arg",
				      nr);
			if (steps > max_steps)
				max_steps = steps;
			consts++;
		}
	}
	/* Binary search: about log2(intervals) compares, not a scan of ~370 syscalls. */
	printf("# docker-default: %zu instructions, %u syscalls decided on nr alone in at most %u "
	       "instructions\n",
	       n, consts, max_steps);
	ck_assert_uint_le(max_steps, 16);
	free(v);
	sc_profile_free(p);
}
END_TEST

START_TEST(long_jumps)
{
	struct sc_profile *p = sc_profile_new();
	struct sock_filter *v = NULL;
	size_t n = 0;
	const char *const *names;
	size_t n_names = sc_syscall_all_names(&names), checked = 0;

	p->default_action = SC_ACT_ERRNO;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	/* ~100 syscalls with 64-bit argument checks: far more than 255 instructions. */
	for (size_t i = 0; i < n_names && p->n_rules < 100; i++) {
		struct sc_rule *r;
		if (sc_syscall_from_name(SC_ARCH_X86_64, names[i]) < 0)
			continue;
		r = sc_profile_add_rule(p, SC_ACT_ALLOW, &names[i], 1);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(sc_rule_add_arg(r, 1, SC_CMP_GE, 0x100000000ull + i, 0), 0);
	}
	ck_assert_int_eq(sc_profile_compile(p, NULL, &v, &n), 0);
	ck_assert_uint_gt(n, 600);
	ck_assert_int_eq(sc_bpf_check(v, n, NULL, 0), 0);
	for (size_t i = 0; i < p->n_rules; i++) {
		uint32_t nr = (uint32_t)sc_syscall_from_name(SC_ARCH_X86_64, p->rules[i].names[0]);
		uint64_t lo[6] = { 0, p->rules[i].args[0].value - 1 },
			 hi[6] = { 0, p->rules[i].args[0].value };
		ck_assert_uint_eq(emulate(v, n, SC_ARCH_X86_64, nr, hi, NULL), 0x7fff0000u);
		ck_assert_uint_eq(emulate(v, n, SC_ARCH_X86_64, nr, lo, NULL), 0x00050001u);
		checked++;
	}
	ck_assert_uint_eq(checked, 100);
	free(v);
	sc_profile_free(p);
}
END_TEST

START_TEST(too_big)
{
	struct sc_profile *p = sc_profile_new();
	struct sock_filter *v = NULL;
	size_t n = 0;
	const char *name = "ioctl";

	p->default_action = SC_ACT_ERRNO;
	for (unsigned i = 0; i < 800; i++) {
		struct sc_rule *r = sc_profile_add_rule(p, SC_ACT_ALLOW, &name, 1);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(sc_rule_add_arg(r, 1, SC_CMP_EQ, 0x100000000ull + i, 0), 0);
		ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_LT, 1000 + i, 0), 0);
	}
	ck_assert_int_eq(sc_profile_compile(p, NULL, &v, &n), -E2BIG);
	ck_assert_ptr_null(v);
	sc_profile_free(p);
}
END_TEST

START_TEST(bad_options)
{
	struct sc_profile *p = sc_profile_new();
	struct sock_filter *v = NULL;
	size_t n = 0;
	enum sc_arch bogus = 99;
	struct sc_compile_opts o = { .arches = &bogus, .n_arches = 1 };
	struct sc_rule *r;
	const char *name = "read";

	ck_assert_int_eq(sc_profile_compile(p, &o, &v, &n), -EINVAL);
	r = sc_profile_add_rule(p, SC_ACT_ALLOW, &name, 1);
	ck_assert_int_eq(sc_rule_add_arg(r, 6, SC_CMP_EQ, 1, 0), 0);
	ck_assert_int_eq(sc_profile_compile(p, NULL, &v, &n), -EINVAL);
	sc_profile_free(p);
}
END_TEST

START_TEST(mismatch_action_option)
{
	struct sc_profile *p = sc_profile_new();
	enum sc_arch only = SC_ARCH_AARCH64;
	struct sc_compile_opts o = { .arches = &only,
				     .n_arches = 1,
				     .arch_mismatch = SC_ACT_ERRNO,
				     .arch_mismatch_data = 95 };
	struct sock_filter *v = NULL;
	size_t n = 0;

	p->default_action = SC_ACT_ALLOW;
	ck_assert_int_eq(sc_profile_compile(p, &o, &v, &n), 0);
	ck_assert_uint_eq(emulate(v, n, SC_ARCH_X86_64, 0, NULL, NULL), 0x0005005fu);
	ck_assert_uint_eq(emulate(v, n, SC_ARCH_AARCH64, 0, NULL, NULL), 0x7fff0000u);
	free(v);
	sc_profile_free(p);
}
END_TEST

/* ---- tests/regress ---------------------------------------------------------------------- */

static uint32_t parse_action(const char *s)
{
	char name[64];
	unsigned data = 0;
	enum sc_action a;

	ck_assert_int_ge(sscanf(s, "%63[A-Z_](%u)", name, &data), 1);
	a = sc_action_from_string(name);
	ck_assert_msg(a >= 0, "unknown action %s", s);
	return sc_action_ret(a, true, data);
}

static unsigned run_table(const char *dir, const char *base)
{
	char path[4096 + 512], line[512];
	struct sc_profile *p;
	struct sock_filter *v = NULL;
	size_t n = 0;
	unsigned lines = 0, lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.json", dir, base);
	p = read_profile(path);
	ck_assert_int_eq(sc_profile_compile(p, NULL, &v, &n), 0);
	snprintf(path, sizeof(path), "%s/%s.tests", dir, base);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char arch_s[32], sys_s[64], rest[256], act_s[64];
		uint64_t a[6] = { 0 };
		enum sc_arch arch;
		uint32_t nr, want, got;
		struct sc_eval e;
		char *arrow;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		arrow = strstr(line, "->");
		ck_assert_msg(arrow, "%s:%u: no '->'", path, lineno);
		*arrow = 0;
		ck_assert_int_eq(sscanf(arrow + 2, " %63s", act_s), 1);
		rest[0] = 0;
		ck_assert_int_ge(sscanf(line, "%31s %63s %255s", arch_s, sys_s, rest), 2);
		arch = sc_arch_from_name(arch_s);
		ck_assert_msg(arch >= 0, "%s:%u: arch %s", path, lineno, arch_s);
		if (sys_s[0] >= '0' && sys_s[0] <= '9') {
			nr = (uint32_t)strtoul(sys_s, NULL, 0);
		} else {
			int k = sc_syscall_from_name(arch, sys_s);
			ck_assert_msg(k >= 0, "%s:%u: syscall %s", path, lineno, sys_s);
			nr = (uint32_t)k;
		}
		/* a0,a1,... */
		{
			char *s = rest, *end;
			for (int i = 0; *s; i++) {
				ck_assert_int_lt(i, 6);
				a[i] = strtoull(s, &end, 0);
				ck_assert_msg(end != s, "%s:%u: bad argument list", path, lineno);
				s = *end == ',' ? end + 1 : end;
			}
		}
		want = parse_action(act_s);
		got = emulate(v, n, arch, nr, a, NULL);
		ck_assert_msg(got == want, "%s:%u: program gives %#x, table says %#x", path, lineno,
			      got, want);
		ck_assert_int_eq(
			sc_profile_eval_raw(p, NULL, sc_arch_info(arch)->audit_arch, nr, a, &e), 0);
		ck_assert_msg(sc_action_ret(e.action, true, e.data) == want,
			      "%s:%u: model disagrees", path, lineno);
		lines++;
	}
	fclose(f);
	free(v);
	sc_profile_free(p);
	return lines;
}

START_TEST(regress_tables)
{
	const char *src = getenv("SYSCAGE_SRCDIR");
	char dir[4096];
	struct dirent **ents = NULL;
	int k;
	unsigned tables = 0, lines = 0;

	ck_assert_ptr_nonnull(src);
	snprintf(dir, sizeof(dir), "%s/tests/regress", src);
	k = scandir(dir, &ents, NULL, alphasort);
	ck_assert_int_ge(k, 0);
	for (int i = 0; i < k; i++) {
		size_t len = strlen(ents[i]->d_name);
		if (len > 6 && strcmp(ents[i]->d_name + len - 6, ".tests") == 0) {
			ents[i]->d_name[len - 6] = 0;
			lines += run_table(dir, ents[i]->d_name);
			tables++;
		}
		free(ents[i]);
	}
	free(ents);
	printf("# %u regression tables, %u lines\n", tables, lines);
	ck_assert_uint_ge(tables, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	{
		const char *shared = getenv("SYSCAGE_SHARED");
		char path[4096];
		snprintf(path, sizeof(path), "%s/data/docker-default.json", shared ? shared : ".");
		if (shared && access(path, R_OK) == 0)
			tcase_add_test(tc, shape_of_docker_default);
		else
			tap_skip("shape_of_docker_default", "%s is missing", path);
	}
	tcase_add_test(tc, long_jumps);
	tcase_add_test(tc, too_big);
	tcase_add_test(tc, bad_options);
	tcase_add_test(tc, mismatch_action_option);
	tcase_add_test(tc, regress_tables);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
