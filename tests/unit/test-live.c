/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compiled filter in the live kernel: fork, load, call, and check that the errno or
 * signal the kernel gives is what sc_profile_eval says; the classic bypasses (an i386
 * `int $0x80` and an x32 call from a 64-bit process) stopped by the arch check; bad
 * programs refused with clear errors. Needs seccomp in the kernel (else not run, and said
 * so); loading needs no root (no_new_privs). */
#include <check.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "syscage/filter.h"
#include "tap.h"

/* Run 'fn' in a child under 'p' (compiled with 'o'); return its wait status. */
static int in_child(const struct sc_profile *p, const struct sc_compile_opts *o, int (*fn)(void *),
		    void *arg)
{
	struct sock_filter *prog = NULL;
	size_t n = 0;
	int status = 0;
	pid_t pid;

	ck_assert_int_eq(sc_profile_compile(p, o, &prog, &n), 0);
	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (sc_filter_load(prog, n, p->flags, NULL) < 0)
			_exit(200);
		_exit(fn(arg));
	}
	free(prog);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

struct call {
	long nr;
	uint64_t a[6];
};

/* Exit code: 0 when the call succeeded, else its errno (1..199). */
static int do_call(void *arg)
{
	const struct call *c = arg;
	long r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	return r < 0 ? (errno > 199 ? 199 : errno) : 0;
}

static struct sc_rule *add(struct sc_profile *p, enum sc_action a, uint32_t e, const char *name)
{
	struct sc_rule *r = sc_profile_add_rule(p, a, &name, 1);
	ck_assert_ptr_nonnull(r);
	r->has_errno = a == SC_ACT_ERRNO;
	r->errno_ret = e;
	return r;
}

/* One profile with a rule per comparison operator, 64-bit values included; every call's
 * outcome must be the model's. */
START_TEST(sample_calls_agree_with_model)
{
	struct sc_profile *p = sc_profile_new();
	struct sc_rule *r;
	static const struct {
		const char *name;
		uint64_t a0;
	} calls[] = {
		{ "getpgid", 0x100000005ull },
		{ "getpgid", 5 },
		{ "getpgid", 0x200000005ull },
		{ "getsid", 0x300000000ull },
		{ "getsid", 0x2ffffffffull },
		{ "getsid", 7 },
		{ "getpriority", 0 },
		{ "getpriority", 1 },
		{ "getpriority", 3 },
		{ "setpgid", 0x1000 },
		{ "setpgid", 0x1001 },
		{ "setpgid", 0x100001000ull },
		{ "getppid", 0 },
		{ "dup", 1ull << 40 },
		{ "dup", 99999 },
		{ "umask", 022 },
		{ "umask", 077 },
		{ "sched_getscheduler", 1 },
	};

	p->default_action = SC_ACT_ALLOW;
	r = add(p, SC_ACT_ERRNO, 101, "getpgid");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 0x100000005ull, 0), 0);
	r = add(p, SC_ACT_ERRNO, 102, "getsid");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_GT, 0x2ffffffffull, 0), 0);
	r = add(p, SC_ACT_ERRNO, 103, "getpriority");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_LE, 1, 0), 0);
	r = add(p, SC_ACT_ERRNO, 104, "setpgid");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_MASKED_EQ, 0xffffffff0000ffffull, 0x1000), 0);
	add(p, SC_ACT_ERRNO, 105, "getppid");
	r = add(p, SC_ACT_ERRNO, 106, "dup");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_GE, 1ull << 40, 0), 0);
	r = add(p, SC_ACT_ERRNO, 107, "umask");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_NE, 022, 0), 0);
	r = add(p, SC_ACT_ERRNO, 108, "sched_getscheduler");
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_LT, 2, 0), 0);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct call c = { .nr = sc_syscall_from_name(sc_arch_native(), calls[i].name),
				  .a = { calls[i].a0 } };
		struct sc_eval e;
		int st;

		ck_assert_int_ge(c.nr, 0);
		ck_assert_int_eq(sc_profile_eval(p, sc_arch_native(), (uint32_t)c.nr, c.a, &e), 0);
		st = in_child(p, NULL, do_call, &c);
		ck_assert_msg(WIFEXITED(st), "%s(%#llx) died", calls[i].name,
			      (unsigned long long)calls[i].a0);
		if (e.action == SC_ACT_ERRNO)
			ck_assert_msg(WEXITSTATUS(st) == (int)e.data,
				      "%s(%#llx): errno %d, model %u", calls[i].name,
				      (unsigned long long)calls[i].a0, WEXITSTATUS(st), e.data);
		else
			ck_assert_msg(WEXITSTATUS(st) < 100, "%s(%#llx): errno %d, model allows",
				      calls[i].name, (unsigned long long)calls[i].a0,
				      WEXITSTATUS(st));
	}
	sc_profile_free(p);
}
END_TEST

START_TEST(kill_and_trap_signal)
{
	struct sc_profile *p = sc_profile_new();
	struct call c = { .nr = SYS_getppid };
	int st;

	p->default_action = SC_ACT_ALLOW;
	add(p, SC_ACT_KILL_PROCESS, 0, "getppid");
	st = in_child(p, NULL, do_call, &c);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	p->rules[0].action = SC_ACT_TRAP;
	st = in_child(p, NULL, do_call, &c);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	sc_profile_free(p);
}
END_TEST

/* runc's ENOSYS: a number above the highest the profile names gets ENOSYS, not the default. */
START_TEST(enosys_for_newer_syscalls)
{
	struct sc_profile *p = sc_profile_new();
	struct call c = { .nr = 1000 };
	struct sc_compile_opts off = { .no_enosys = true };
	/* What the child (and, in sanitizer builds, its runtime) needs besides getppid. */
	static const char *const allowed[] = {
		"exit_group",  "exit",	    "getppid",	    "mmap",	      "munmap",
		"mprotect",    "brk",	    "rt_sigaction", "rt_sigprocmask", "sigaltstack",
		"write",       "futex",	    "madvise",	    "prctl",	      "gettid",
		"sched_yield", "readlink",  "openat",	    "read",	      "close",
		"fstat",       "newfstatat"
	};

	p->default_action = SC_ACT_ERRNO;
	p->has_default_errno = true;
	p->default_errno = EPERM;
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, allowed,
						  sizeof(allowed) / sizeof(allowed[0])));
	/* Like runc, the stub covers the ABIs 'architectures' lists: none listed, no stub. */
	ck_assert_int_eq(WEXITSTATUS(in_child(p, NULL, do_call, &c)), EPERM);
	ck_assert_int_eq(sc_profile_add_arch(p, sc_arch_native()), 0);
	ck_assert_int_eq(WEXITSTATUS(in_child(p, NULL, do_call, &c)), ENOSYS);
	ck_assert_int_eq(WEXITSTATUS(in_child(p, &off, do_call, &c)), EPERM);
	c.nr = SYS_getpid; /* named by no rule, below the highest named: the default */
	ck_assert_int_eq(WEXITSTATUS(in_child(p, NULL, do_call, &c)), EPERM);
	c.nr = SYS_getppid;
	ck_assert_int_eq(WEXITSTATUS(in_child(p, NULL, do_call, &c)), 0);
	sc_profile_free(p);
}
END_TEST

#if defined(__x86_64__) && !defined(__ILP32__)
/* getpid through the i386 entry point: 20 in eax. */
static int int80_getpid(void *arg)
{
	long r;

	(void)arg;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	return r == getpid() ? 0 : (r < 0 ? (int)-r : 199);
}

static int x32_getpid(void *arg)
{
	long r = syscall(SC_X32_SYSCALL_BIT | 39);
	(void)arg;
	return r == getpid() ? 0 : (r < 0 ? errno : 199);
}

/* Does an i386 call from this 64-bit process work at all (IA32 emulation)? */
static bool int80_works(void)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(int80_getpid(NULL));
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

START_TEST(i386_call_stopped_by_arch_check)
{
	struct sc_profile *p = sc_profile_new();
	int st;

	p->default_action = SC_ACT_ALLOW;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	add(p, SC_ACT_ERRNO, 1, "getppid");
	st = in_child(p, NULL, int80_getpid, NULL);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		      "int $0x80 not killed (status %#x)", st);
	/* Control: with SCMP_ARCH_X86 listed the same call goes through. */
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
	st = in_child(p, NULL, int80_getpid, NULL);
	ck_assert_msg(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == ENOSYS),
		      "i386 getpid under an x86 profile: status %#x", st);
	sc_profile_free(p);
}
END_TEST

START_TEST(x32_call_stopped_by_arch_check)
{
	struct sc_profile *p = sc_profile_new();
	int st;

	p->default_action = SC_ACT_ALLOW;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
	st = in_child(p, NULL, x32_getpid, NULL);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "x32 call not killed (status %#x)",
		      st);
	/* With SCMP_ARCH_X32 listed the filter lets it through (the kernel may lack x32). */
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X32), 0);
	st = in_child(p, NULL, x32_getpid, NULL);
	ck_assert_msg(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == ENOSYS),
		      "x32 getpid under an x32 profile: status %#x", st);
	sc_profile_free(p);
}
END_TEST
#endif

/* Docker's profile, as runc loads it: a few calls agree with the model. */
START_TEST(docker_default_live)
{
	const char *shared = getenv("SYSCAGE_SHARED");
	char path[4096];
	struct sc_diags d = { 0 };
	struct sc_profile *raw = NULL, *p = NULL;
	struct sc_target t = { 0 };
	static const struct call calls[] = {
		{ SYS_getppid },
		{ SYS_unshare, { 0x10000000 } },
		{ SYS_personality, { 0xffffffff } },
		{ SYS_ptrace, { 0 } },
		{ SYS_acct },
		{ 1000 },
	};

	snprintf(path, sizeof(path), "%s/data/docker-default.json", shared ? shared : ".");
	if (access(path, R_OK) < 0)
		return; /* main() says it is not run */
	ck_assert_int_eq(sc_profile_read_file(path, &d, &raw), 0);
	sc_diags_clear(&d);
	ck_assert_int_eq(sc_profile_resolve(raw, &t, &p), 0);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct sc_eval e;
		int st;
		ck_assert_int_eq(
			sc_profile_eval(p, sc_arch_native(), (uint32_t)calls[i].nr, calls[i].a, &e),
			0);
		st = in_child(p, NULL, do_call, (void *)&calls[i]);
		ck_assert(WIFEXITED(st));
		if (e.action == SC_ACT_ERRNO)
			ck_assert_msg(WEXITSTATUS(st) == (int)e.data, "nr %ld: errno %d, model %u",
				      calls[i].nr, WEXITSTATUS(st), e.data);
		else
			ck_assert_msg((unsigned)WEXITSTATUS(st) != EPERM ||
					      e.action == SC_ACT_ALLOW,
				      "nr %ld", calls[i].nr);
	}
	sc_profile_free(raw);
	sc_profile_free(p);
}
END_TEST

static int load_only(void *arg)
{
	const struct sock_filter *v = arg;
	return -sc_filter_load(v, 1, 0, NULL);
}

START_TEST(bad_programs_refused)
{
	static const struct sock_filter bad_opcode[] = { { 0xff, 0, 0, 0 } };
	struct sock_filter ok = { BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW };
	struct sc_profile *p = sc_profile_new();
	int st;

	/* Too long and empty programs never reach the kernel. */
	ck_assert_int_eq(sc_filter_load(&ok, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(sc_filter_load(&ok, 4097, 0, NULL), -EINVAL);
	/* The kernel's own checker refuses an unknown opcode: EINVAL in the child. */
	p->default_action = SC_ACT_ALLOW;
	st = in_child(p, NULL, load_only, (void *)bad_opcode);
	ck_assert_msg(WIFEXITED(st) && (WEXITSTATUS(st) == EINVAL || WEXITSTATUS(st) == 200),
		      "status %#x", st);
	ck_assert_int_eq(sc_filter_flag_supported(SC_FLAG_LOG), 1);
	ck_assert_int_eq(sc_filter_flag_supported(1u << 20), 0);
	sc_profile_free(p);
}
END_TEST

START_TEST(flags_log_loads)
{
	struct sc_profile *p = sc_profile_new();
	struct call c = { .nr = SYS_getppid };

	p->default_action = SC_ACT_ALLOW;
	p->flags = SC_FLAG_LOG | SC_FLAG_SPEC_ALLOW | SC_FLAG_WAIT_KILLABLE_RECV;
	add(p, SC_ACT_ERRNO, 77, "getppid");
	ck_assert_int_eq(WEXITSTATUS(in_child(p, NULL, do_call, &c)), 77);
	sc_profile_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("core");

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
		tap_skip("live", "the kernel has no seccomp (prctl PR_GET_SECCOMP: EINVAL)");
		return tap_run(suite_create("live"));
	}
	tcase_add_test(tc, sample_calls_agree_with_model);
	tcase_add_test(tc, kill_and_trap_signal);
	tcase_add_test(tc, enosys_for_newer_syscalls);
#if defined(__x86_64__) && !defined(__ILP32__)
	if (int80_works())
		tcase_add_test(tc, i386_call_stopped_by_arch_check);
	else
		tap_skip("i386_call_stopped_by_arch_check",
			 "int $0x80 from a 64-bit process faults on this kernel even without a "
			 "filter (IA32 emulation is off)");
	tcase_add_test(tc, x32_call_stopped_by_arch_check);
#else
	tap_skip("i386/x32 bypass", "these tests need an x86_64 build");
#endif
	{
		const char *shared = getenv("SYSCAGE_SHARED");
		char path[4096];
		snprintf(path, sizeof(path), "%s/data/docker-default.json", shared ? shared : ".");
		if (access(path, R_OK) == 0)
			tcase_add_test(tc, docker_default_live);
		else
			tap_skip("docker_default_live", "%s is missing", path);
	}
	tcase_add_test(tc, bad_programs_refused);
	tcase_add_test(tc, flags_log_loads);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
