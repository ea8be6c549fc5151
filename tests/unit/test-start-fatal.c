/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start-fatal set (syscage/start-fatal.h) and sc_profile_start_fatal: default actions,
 * unconditional and conditional rules, a KubeArmor Block list and an Allow list without
 * execve, KILL-only calls, multi-arch profiles, and the baseline check using the same list. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"
#include "tap.h"

static struct sc_profile *read_text(const char *text)
{
	struct sc_profile *p = NULL;
	struct sc_diags d = {};
	int r = sc_profile_read_buffer(text, strlen(text), "t.json", &d, &p);

	ck_assert_msg(r == 0, "read: %d", r);
	sc_diags_clear(&d);
	return p;
}

/* The names sc_profile_start_fatal_text gives, or "" for none. */
static char *fatal_text(const struct sc_profile *p, unsigned kinds)
{
	char *t = NULL;
	int n = sc_profile_start_fatal_text(p, kinds, &t);

	ck_assert_int_ge(n, 0);
	ck_assert(n == 0 ? t == NULL : t != NULL);
	return t ? t : strdup("");
}

static bool has(const struct sc_start_denial *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].call->name, name) == 0)
			return true;
	return false;
}

START_TEST(the_set)
{
	const struct sc_start_call *set;
	size_t n = sc_start_fatal_set(&set);
	const char *const *base = sc_record_runtime_base();

	ck_assert_uint_ge(n, 20);
	for (size_t i = 0; i < n; i++) {
		bool in_base = false;
		ck_assert_msg(sc_syscall_from_name(SC_ARCH_X86_64, set[i].name) >= 0, "%s",
			      set[i].name);
		ck_assert_ptr_nonnull(set[i].why);
		/* What runc calls after loading the filter is what `--base runtime` allows: the
		 * one exception is faccessat2, fatal only when killed (EPERM: runc falls back). */
		if (!(set[i].when & SC_START_ANY) || strcmp(set[i].name, "faccessat2") == 0)
			continue;
		for (size_t k = 0; base[k] && !in_base; k++)
			in_base = strcmp(base[k], set[i].name) == 0;
		ck_assert_msg(in_base, "%s is start-fatal but not in the runtime base",
			      set[i].name);
	}
}
END_TEST

START_TEST(block_list)
{
	/* A KubeArmor Block of execve: a deny-list with one unconditional rule. */
	struct sc_profile *p = read_text("apiVersion: security.kubearmor.com/v1\n"
					 "kind: KubeArmorSeccompPolicy\n"
					 "metadata: {name: b, namespace: shop}\n"
					 "spec:\n"
					 "  selector: {matchLabels: {app: web}}\n"
					 "  seccomp:\n"
					 "    arch: [x86_64]\n"
					 "    syscalls: [execve, ptrace]\n"
					 "    action: Block\n");
	struct sc_start_denial v[8];
	size_t n = sc_profile_start_fatal(p, SC_START_ANY, v, 8);
	char *t;

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].call->name, "execve");
	ck_assert_int_eq(v[0].action, SC_ACT_ERRNO);
	ck_assert(!v[0].cond_allow && !v[0].some_args && v[0].every_arch);
	t = fatal_text(p, SC_START_ANY);
	ck_assert_str_eq(t, "execve");
	free(t);
	/* The count is the same without room for the entries. */
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ANY, NULL, 0), 1);
	sc_profile_free(p);

	/* Blocking only what runc does not need is fine. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		      "[\"ptrace\", \"mount\", \"kexec_load\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ALL | SC_START_SOME_ARGS, NULL, 0), 0);
	sc_profile_free(p);
}
END_TEST

START_TEST(allow_list)
{
	/* An Allow list without execve: the default (ERRNO) denies every call it leaves out. */
	struct sc_profile *p =
		read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
			  "[{\"names\": [\"read\", \"write\", \"close\", \"futex\"], "
			  "\"action\": \"SCMP_ACT_ALLOW\"}]}");
	struct sc_start_denial v[32];
	size_t n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	char *t;

	ck_assert(has(v, n, "execve"));
	ck_assert(has(v, n, "openat"));
	ck_assert(has(v, n, "fstatfs"));
	ck_assert(!has(v, n, "write"));
	ck_assert(!has(v, n, "close"));
	/* Fatal only without noNewPrivileges, and only when killed: not counted here. */
	ck_assert(!has(v, n, "setuid"));
	ck_assert(!has(v, n, "getpid"));
	n = sc_profile_start_fatal(p, SC_START_ANY, v, 32);
	ck_assert(has(v, n, "setuid"));
	ck_assert(!has(v, n, "read"));
	ck_assert(!has(v, n, "getpid"));
	ck_assert(!has(v, n, "exit_group"));
	n = sc_profile_start_fatal(p, SC_START_ALL, v, 32);
	ck_assert(has(v, n, "exit_group"));
	t = fatal_text(p, SC_START_NNP);
	ck_assert_str_eq(t, "execve, openat, fstatfs, getdents64, rt_sigreturn");
	free(t);
	sc_profile_free(p);

	/* The same list with a KILL default: the KILL-only calls count too. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"syscalls\": "
		      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	ck_assert(has(v, n, "getpid"));
	ck_assert(has(v, n, "epoll_ctl"));
	ck_assert(!has(v, n, "fcntl")); /* fatal only without noNewPrivileges */
	ck_assert_int_eq(v[0].action, SC_ACT_KILL_PROCESS);
	sc_profile_free(p);

	/* LOG permits: a default of LOG denies nothing. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_LOG\"}");
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ALL, NULL, 0), 0);
	sc_profile_free(p);
}
END_TEST

START_TEST(conditions)
{
	struct sc_start_denial v[32];
	size_t n;
	char *t;
	/* Allowed only when arg 2 is 0: runc's execve passes an environment, so not an allow. */
	struct sc_profile *p = read_text(
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		"{\"names\": [\"execve\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": "
		"2, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}");

	n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	ck_assert(has(v, n, "execve"));
	ck_assert_str_eq(v[0].call->name, "execve");
	ck_assert(v[0].cond_allow);
	t = fatal_text(p, SC_START_NNP);
	ck_assert_msg(strncmp(t, "execve (allowed only with argument conditions), close", 53) == 0,
		      "%s", t);
	free(t);
	sc_profile_free(p);

	/* Denied for some arguments under a permitting default: only with SC_START_SOME_ARGS. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		      "{\"names\": [\"prctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 4, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ALL, NULL, 0), 0);
	n = sc_profile_start_fatal(p, SC_START_ALL | SC_START_SOME_ARGS, v, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].some_args);
	t = fatal_text(p, SC_START_ANY | SC_START_SOME_ARGS);
	ck_assert_str_eq(t, "prctl (denied for some arguments)");
	free(t);
	sc_profile_free(p);

	/* An unconditional allow beats a conditional deny (runc + libseccomp's precedence). */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		      "{\"names\": [\"execve\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
		      "{\"names\": [\"execve\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	n = sc_profile_start_fatal(p, SC_START_ANY | SC_START_SOME_ARGS, v, 32);
	ck_assert(!has(v, n, "execve"));
	ck_assert(has(v, n, "openat"));
	sc_profile_free(p);

	/* An allow that holds only with a capability is not an allow for every container. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		      "{\"names\": [\"execve\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
		      "{\"caps\": [\"CAP_SYS_ADMIN\"]}}]}");
	n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	ck_assert(has(v, n, "execve"));
	ck_assert(v[0].cond_allow);
	sc_profile_free(p);

	/* An unconditional deny beats an allow, whatever the order (the most restrictive). */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		      "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		      "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].call->name, "close");
	sc_profile_free(p);
}
END_TEST

START_TEST(multi_arch)
{
	struct sc_start_denial v[32];
	size_t n;
	char *t;
	/* Denied on aarch64 nodes only (includes.arches is matched against the node's arch). */
	struct sc_profile *p = read_text(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
		"\"SCMP_ARCH_AARCH64\"], \"syscalls\": [{\"names\": [\"execve\"], \"action\": "
		"\"SCMP_ACT_ERRNO\", \"includes\": {\"arches\": [\"arm64\"]}}]}");

	n = sc_profile_start_fatal(p, SC_START_ANY, v, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].arch, SC_ARCH_AARCH64);
	ck_assert(!v[0].every_arch);
	t = fatal_text(p, SC_START_ANY);
	ck_assert_str_eq(t, "execve (on aarch64)");
	free(t);
	sc_profile_free(p);

	/* Excluded on x86_64: denied on aarch64 only again. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		      "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"], \"syscalls\": [{\"names\": "
		      "[\"close\"], \"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"arches\": "
		      "[\"amd64\"]}}]}");
	n = sc_profile_start_fatal(p, SC_START_ANY, v, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].arch, SC_ARCH_AARCH64);
	sc_profile_free(p);

	/* x86 and x32 beside x86_64 are not arches runc runs as: a deny there alone does not
	 * stop a start. Listed alone, x86 is one (an i386 node). */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		      "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": "
		      "[{\"names\": [\"execve\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": "
		      "{\"arches\": [\"x86\", \"x32\"]}}]}");
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ALL, NULL, 0), 0);
	sc_profile_free(p);
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		      "[\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"execve\"], \"action\": "
		      "\"SCMP_ACT_ERRNO\", \"includes\": {\"arches\": [\"x86\"]}}]}");
	n = sc_profile_start_fatal(p, SC_START_ANY, v, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].arch, SC_ARCH_X86);
	ck_assert(v[0].every_arch);
	sc_profile_free(p);

	/* Denied everywhere in a multi-arch allow-list: on every start arch. */
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
		      "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"], \"syscalls\": [{\"names\": "
		      "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	n = sc_profile_start_fatal(p, SC_START_NNP, v, 32);
	ck_assert(has(v, n, "execve"));
	ck_assert(v[0].every_arch);
	t = fatal_text(p, SC_START_NNP);
	ck_assert_ptr_null(strstr(t, "(on "));
	free(t);
	sc_profile_free(p);
}
END_TEST

START_TEST(baseline_same_list)
{
	/* The baseline check is the start-fatal check over the whole set: a baseline blocking
	 * fstatfs (runc's CVE-2024-21626 check) is refused, as one blocking exit_group. */
	struct sc_profile *p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
					 "[{\"names\": [\"fstatfs\"], \"action\": "
					 "\"SCMP_ACT_ERRNO\"}]}");

	ck_assert_str_eq(sc_baseline_fatal(p), "fstatfs");
	sc_profile_free(p);
	p = read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
		      "[{\"names\": [\"exit_group\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	ck_assert_str_eq(sc_baseline_fatal(p), "exit_group");
	ck_assert_uint_eq(sc_profile_start_fatal(p, SC_START_ANY, NULL, 0), 0);
	sc_profile_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("start-fatal");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, the_set);
	tcase_add_test(tc, block_list);
	tcase_add_test(tc, allow_list);
	tcase_add_test(tc, conditions);
	tcase_add_test(tc, multi_arch);
	tcase_add_test(tc, baseline_same_list);
	suite_add_tcase(s, tc);
	fflush(stdout);
	return tap_run(s);
}
