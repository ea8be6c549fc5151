/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inspect: process facts, the kernel's rule for several filters, the exact list against the
 * profile's own evaluation, reading a live filter, and probing with each refusal classified. */
#include <check.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscage/cgroup.h"
#include "syscage/inspect.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "syscage/filter.h"
#include "tap.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static struct sc_profile *profile_x86_64(void)
{
	static const char *const deny[] = { "mkdir", "chmod" };
	static const char *const trap[] = { "uname" };
	static const char *const pers[] = { "personality" };
	struct sc_profile *p = sc_profile_new();
	struct sc_rule *r;

	ck_assert_ptr_nonnull(p);
	p->default_action = SC_ACT_ALLOW;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ERRNO, deny, 2));
	r = sc_profile_add_rule(p, SC_ACT_TRAP, trap, 1);
	ck_assert_ptr_nonnull(r);
	/* personality(0x0008) allowed, anything else EACCES. */
	r = sc_profile_add_rule(p, SC_ACT_ERRNO, pers, 1);
	ck_assert_ptr_nonnull(r);
	r->has_errno = true;
	r->errno_ret = EACCES;
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_NE, 8, 0), 0);
	return p;
}

static void compile(const struct sc_profile *p, struct sc_filter_prog *ret)
{
	ck_assert_int_eq(sc_profile_compile(p, NULL, &ret->insns, &ret->len), 0);
}

START_TEST(cap_names)
{
	ck_assert_str_eq(sc_cap_to_name(0), "CAP_CHOWN");
	ck_assert_str_eq(sc_cap_to_name(21), "CAP_SYS_ADMIN");
	ck_assert_str_eq(sc_cap_to_name(40), "CAP_CHECKPOINT_RESTORE");
	ck_assert_ptr_null(sc_cap_to_name(41));
	ck_assert_int_eq(sc_cap_from_name("sys_admin"), 21);
	ck_assert_int_eq(sc_cap_from_name("CAP_BPF"), 39);
	ck_assert_int_eq(sc_cap_from_name("nope"), -EINVAL);
}
END_TEST

START_TEST(runtime_from_cgroup_paths)
{
	static const struct {
		const char *path, *runtime, *id;
	} cases[] = {
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/"
		  "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		  ".scope",
		  "kube (containerd)",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "/kubepods/burstable/pod1234-5678/"
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "kube", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "/kubepods.slice/kubepods-pod12.slice/crio-abcdef0123456789abcdef.scope",
		  "kube (cri-o)", "abcdef0123456789abcdef" },
		{ "/system.slice/docker-0123456789abcdef0123.scope", "docker",
		  "0123456789abcdef0123" },
		{ "/docker/0123456789abcdef0123", "docker", "0123456789abcdef0123" },
		{ "/machine.slice/libpod-0123456789abcdef0123.scope/container", "podman", "" },
		{ "/libpod_parent/libpod-0123456789abcdef0123", "podman", "0123456789abcdef0123" },
		{ "/lxc.payload.web/init.scope", "lxc", "" },
		{ "/user.slice/user-1000.slice/session-2.scope", NULL, NULL },
		{ "/", NULL, NULL },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char rt[48], id[80];
		int r = sc_runtime_from_cgroup(cases[i].path, rt, sizeof(rt), id, sizeof(id));
		ck_assert_int_eq(r, cases[i].runtime ? 1 : 0);
		if (!cases[i].runtime)
			continue;
		ck_assert_str_eq(rt, cases[i].runtime);
		ck_assert_str_eq(id, cases[i].id);
	}
}
END_TEST

START_TEST(facts_of_self)
{
	struct sc_inspect in;

	ck_assert_int_eq(sc_inspect_process(0, &in), 0);
	ck_assert_int_eq(in.pid, getpid());
	ck_assert(in.has_caps);
	ck_assert_int_ge(in.seccomp_mode, 0);
	ck_assert(in.runtime[0]);
	ck_assert_uint_ne(in.ns[SC_NS_PID].inode, 0);
	ck_assert_int_ne(in.cgroup_version, SC_CGROUP_UNKNOWN);
	sc_inspect_done(&in);
	ck_assert_int_eq(sc_inspect_process(0x7ffffff0, &in), -ESRCH);
}
END_TEST

/* The kernel's rule: the most severe action wins; among equal ones the newest filter's data. */
START_TEST(several_filters)
{
	struct sock_filter old[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 83, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 84, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter new[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 83, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 84, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
	};
	struct sc_filter_prog v[2] = { { old, ELEMENTSOF(old) }, { new, ELEMENTSOF(new) } };
	struct sc_filter_set fs = { v, 2 };
	struct seccomp_data sd;
	uint32_t r;

	sc_seccomp_data_for(SC_ARCH_X86_64, 83, NULL, &sd);
	ck_assert_int_eq(sc_filters_run(&fs, &sd, &r), 0);
	ck_assert_uint_eq(r, SECCOMP_RET_ERRNO | EACCES); /* tie: the newest */
	sc_seccomp_data_for(SC_ARCH_X86_64, 84, NULL, &sd);
	ck_assert_int_eq(sc_filters_run(&fs, &sd, &r), 0);
	ck_assert_uint_eq(r, SECCOMP_RET_TRAP); /* TRAP beats ERRNO */
	sc_seccomp_data_for(SC_ARCH_X86_64, 0, NULL, &sd);
	ck_assert_int_eq(sc_filters_run(&fs, &sd, &r), 0);
	ck_assert_uint_eq(r, SECCOMP_RET_LOG); /* LOG beats ALLOW */
}
END_TEST

/* The kernel runs native x86_64 uretprobe (6.11+) and uprobe (6.16+) without the filters
 * (kernel/seccomp.c, seccomp_uprobe_exception): the emulation of a stack says so too. */
START_TEST(uprobe_passthrough)
{
	struct sock_filter deny[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sc_filter_prog v[1] = { { deny, ELEMENTSOF(deny) } };
	struct sc_filter_set fs = { v, 1 };
	uint32_t x86_64 = sc_arch_info(SC_ARCH_X86_64)->audit_arch;
	uint32_t uret = (uint32_t)sc_syscall_from_name(SC_ARCH_X86_64, "uretprobe");
	uint32_t up = (uint32_t)sc_syscall_from_name(SC_ARCH_X86_64, "uprobe");
	unsigned major = 0, minor = 0;
	struct seccomp_data sd;
	uint32_t r;

	ck_assert_uint_eq(uret, 335);
	ck_assert_uint_eq(up, 336);
	ck_assert(sc_seccomp_passthrough(x86_64, uret, 6, 11));
	ck_assert(!sc_seccomp_passthrough(x86_64, uret, 6, 10));
	ck_assert(sc_seccomp_passthrough(x86_64, uret, 7, 0));
	ck_assert(sc_seccomp_passthrough(x86_64, up, 6, 16));
	ck_assert(!sc_seccomp_passthrough(x86_64, up, 6, 15));
	ck_assert(!sc_seccomp_passthrough(x86_64, 0, 6, 16));
	/* x32 numbers carry the x32 bit; i386 and other arches have no such exception. */
	ck_assert(!sc_seccomp_passthrough(x86_64, uret | SC_X32_SYSCALL_BIT, 6, 16));
	ck_assert(!sc_seccomp_passthrough(sc_arch_info(SC_ARCH_X86)->audit_arch, uret, 6, 16));
	ck_assert(!sc_seccomp_passthrough(sc_arch_info(SC_ARCH_AARCH64)->audit_arch, uret, 6, 16));

	sc_inspect_kernel_version(&major, &minor);
	sc_seccomp_data_for(SC_ARCH_X86_64, uret, NULL, &sd);
	ck_assert_int_eq(sc_filters_run(&fs, &sd, &r), 0);
	ck_assert_uint_eq(r, major > 6 || (major == 6 && minor >= 11) ? SECCOMP_RET_ALLOW
								      : SECCOMP_RET_ERRNO | EPERM);
	sc_seccomp_data_for(SC_ARCH_X32, uret | SC_X32_SYSCALL_BIT, NULL, &sd);
	ck_assert_int_eq(sc_filters_run(&fs, &sd, &r), 0);
	ck_assert_uint_eq(r, SECCOMP_RET_ERRNO | EPERM);
}
END_TEST

/* The exact list equals the profile's own evaluation for every arch and syscall. */
START_TEST(exact_equals_eval)
{
	struct sc_profile *p = profile_x86_64();
	struct sc_filter_prog prog;
	struct sc_filter_set fs = { &prog, 1 };
	struct sc_arch_decisions *d = NULL;
	size_t checked = 0;

	compile(p, &prog);
	ck_assert_int_eq(sc_filters_decide(&fs, &d), 0);
	for_each_arch (a) {
		for (size_t k = 0; k < d[a].n; k++) {
			struct sc_eval e;
			uint32_t want;
			ck_assert_int_eq(sc_profile_eval_raw(p, NULL, sc_arch_info(a)->audit_arch,
							     d[a].v[k].nr, NULL, &e),
					 0);
			want = sc_action_ret(e.action, true, e.data);
			/* What a process gets: this kernel may not filter uretprobe/uprobe. */
			if (sc_seccomp_passthrough(sc_arch_info(a)->audit_arch, d[a].v[k].nr, 0, 0))
				want = SECCOMP_RET_ALLOW;
			if ((want & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW)
				want = SECCOMP_RET_ALLOW;
			ck_assert_msg(d[a].v[k].ret == want, "%s nr %u: %#x != %#x",
				      sc_arch_info(a)->name, d[a].v[k].nr, d[a].v[k].ret, want);
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 5000);
	/* x86_64 has argument checks for personality only; x32 and arm decide on arch alone. */
	{
		struct sc_arch_decisions *x = &d[SC_ARCH_X86_64];
		int pers = sc_syscall_from_name(SC_ARCH_X86_64, "personality");
		unsigned n_args = 0;
		for (size_t k = 0; k < x->n; k++)
			if (x->v[k].args) {
				n_args++;
				ck_assert_uint_eq(x->v[k].nr, (uint32_t)pers);
				ck_assert_uint_eq(x->v[k].ret, SECCOMP_RET_ERRNO | EACCES);
				ck_assert_uint_eq(x->v[k].n_also, 1);
				ck_assert_uint_eq(x->v[k].also[0], SECCOMP_RET_ALLOW);
			}
		ck_assert_uint_eq(n_args, 1);
		ck_assert(!x->uniform);
		ck_assert(d[SC_ARCH_X32].uniform);
		ck_assert_uint_eq(d[SC_ARCH_X32].v[0].ret, SECCOMP_RET_KILL_PROCESS);
		ck_assert(d[SC_ARCH_AARCH64].uniform);
	}
	sc_decisions_free(d);
	free(prog.insns);
	sc_profile_free(p);
}
END_TEST

START_TEST(compare_same_and_different)
{
	struct sc_profile *p = profile_x86_64(), *q;
	struct sc_filter_prog prog;
	struct sc_filter_set fs = { &prog, 1 };
	struct sc_compare c;
	static const char *const more[] = { "rmdir" };

	compile(p, &prog);
	ck_assert_int_eq(sc_filters_compare(&fs, p, NULL, NULL, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_gt(c.n_checked, 5000);
	sc_compare_done(&c);

	/* One more denied syscall: exactly one difference (x86_64 rmdir). */
	q = sc_profile_dup(p);
	ck_assert_ptr_nonnull(sc_profile_add_rule(q, SC_ACT_ERRNO, more, 1));
	ck_assert_int_eq(sc_filters_compare(&fs, q, NULL, NULL, &c), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.v[0].nr, (uint32_t)sc_syscall_from_name(SC_ARCH_X86_64, "rmdir"));
	ck_assert_uint_eq(c.v[0].running, SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(c.v[0].expected, SECCOMP_RET_ERRNO | EPERM);
	sc_compare_done(&c);
	sc_profile_free(q);

	/* A different argument rule shows as argument differences only. */
	q = sc_profile_dup(p);
	q->rules[2].args[0].value = 0x20008;
	ck_assert_int_eq(sc_filters_compare(&fs, q, NULL, NULL, &c), 0);
	ck_assert_uint_gt(c.n, 0);
	for (size_t i = 0; i < c.n; i++)
		ck_assert(c.v[i].with_args);
	sc_compare_done(&c);
	sc_profile_free(q);
	free(prog.insns);
	sc_profile_free(p);
}
END_TEST

/* runc skips names its libseccomp cannot resolve: a filter built without a name the profile
 * allows (and with runc's ENOSYS cut-off at the highest name it knew) compares equal once the
 * name is taken as unknown to the runtime, and the name is reported. */
START_TEST(compare_unknown_names)
{
	static const char *const allow[] = { "read", "write", "exit_group", "mseal" };
	struct sc_profile *p = sc_profile_new(), *older;
	struct sc_filter_prog prog;
	struct sc_filter_set fs = { &prog, 1 };
	struct sc_compare c;

	ck_assert_ptr_nonnull(p);
	p->default_action = SC_ACT_ERRNO;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, allow, 4));
	older = sc_profile_new();
	ck_assert_ptr_nonnull(older);
	older->default_action = SC_ACT_ERRNO;
	ck_assert_int_eq(sc_profile_add_arch(older, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(older, SC_ACT_ALLOW, allow, 3));
	compile(older, &prog);
	ck_assert_int_eq(sc_filters_compare(&fs, p, NULL, NULL, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(c.n_unknown, 1);
	ck_assert_str_eq(c.unknown_names[0], "mseal");
	ck_assert_uint_gt(c.n_explained, 1); /* mseal, and the numbers the ENOSYS cut-off moved */
	sc_compare_done(&c);
	/* A syscall the running filter allows but the profile denies is never explained away. */
	ck_assert_int_eq(sc_filters_compare(&fs, older, NULL, NULL, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(c.n_unknown, 0);
	sc_compare_done(&c);
	free(prog.insns);
	compile(p, &prog);
	ck_assert_int_eq(sc_filters_compare(&fs, older, NULL, NULL, &c), 0);
	ck_assert_uint_gt(c.n, 0);
	ck_assert_uint_eq(c.n_unknown, 0);
	sc_compare_done(&c);
	free(prog.insns);
	sc_profile_free(older);
	sc_profile_free(p);
}
END_TEST

static bool can_read_filters(const char **why)
{
	struct sc_inspect in;
	bool ok;

	if (geteuid() != 0) {
		*why = "needs root (CAP_SYS_ADMIN)";
		return false;
	}
	if (sc_inspect_process(0, &in) < 0) {
		*why = "cannot read /proc/self/status";
		return false;
	}
	ok = in.seccomp_mode == 0 && (in.caps[SC_CAPS_EFFECTIVE] & (1ull << 21));
	sc_inspect_done(&in);
	*why = "this process is under seccomp or lacks CAP_SYS_ADMIN";
	return ok;
}

/* A child under a known filter; its filter read back equals the compiled program. */
START_TEST(read_live_filter)
{
	struct sc_profile *p = profile_x86_64();
	struct sc_filter_prog prog;
	struct sc_filter_set fs;
	int sync[2];
	pid_t pid;
	char c;

	compile(p, &prog);
	ck_assert_int_eq(pipe(sync), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (sc_filter_load(prog.insns, prog.len, 0, NULL) < 0)
			_exit(1);
		(void)!write(sync[1], "x", 1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(sync[0], &c, 1), 1);
	ck_assert_int_eq(sc_filters_read(pid, &fs), 0);
	ck_assert_uint_eq(fs.n, 1);
	ck_assert_uint_eq(fs.v[0].len, prog.len);
	ck_assert_mem_eq(fs.v[0].insns, prog.insns, prog.len * sizeof(*prog.insns));
	sc_filters_done(&fs);
	/* Still alive and not stopped after the read. */
	ck_assert_int_eq(kill(pid, 0), 0);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	ck_assert_int_eq(sc_filters_read(getpid(), &fs), -EINVAL);
	free(prog.insns);
	sc_profile_free(p);
}
END_TEST

static void drop_effective(unsigned cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	ck_assert_int_eq(syscall(SYS_capget, &h, d), 0);
	d[cap / 32].effective &= ~(1u << (cap % 32));
	ck_assert_int_eq(syscall(SYS_capset, &h, d), 0);
}

static const struct sc_probe_entry *entry(const struct sc_probe_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	ck_abort_msg("%s not probed", name);
	return NULL;
}

/* Probing under a known filter: seccomp refusals are told from capability refusals. */
static void probe_under_filter(bool oracle)
{
	static const char *const enosys[] = { "rmdir" };
	struct sc_profile *p = profile_x86_64();
	struct sc_filter_prog prog;
	struct sc_probe_report r;
	struct sc_probe_opts o = { .no_oracle = !oracle };
	struct sc_rule *rule = sc_profile_add_rule(p, SC_ACT_ERRNO, enosys, 1);

	ck_assert_ptr_nonnull(rule);
	rule->has_errno = true;
	rule->errno_ret = ENOSYS;
	compile(p, &prog);
	/* Check runs this case in a child of its own: the filter dies with it. */
	drop_effective(22); /* CAP_SYS_BOOT: reboot() becomes a kernel EPERM */
	drop_effective(21); /* CAP_SYS_ADMIN: swapoff() too */
	ck_assert_int_eq(sc_filter_load(prog.insns, prog.len, 0, NULL), 0);
	ck_assert_int_eq(sc_probe_syscalls(&o, &r), 0);
	ck_assert_int_eq(r.oracle, oracle);
	ck_assert_int_eq(entry(&r, "mkdir")->cls, SC_PROBE_SECCOMP);
	ck_assert_int_eq(entry(&r, "mkdir")->err, EPERM);
	ck_assert_int_eq(entry(&r, "chmod")->cls, SC_PROBE_SECCOMP);
	ck_assert_int_eq(entry(&r, "uname")->cls, SC_PROBE_SECCOMP);
	ck_assert_int_eq(entry(&r, "uname")->sig, SIGSYS);
	ck_assert_int_eq(entry(&r, "getpid")->cls, SC_PROBE_ALLOWED);
	ck_assert_int_eq(entry(&r, "kexec_load")->cls, SC_PROBE_SKIPPED);
	if (oracle) {
		/* Exact: the ENOSYS rule is seccomp's, reboot's EPERM the kernel's, and the
		 * personality argument rule refuses zero (not 8). */
		ck_assert_int_eq(entry(&r, "rmdir")->cls, SC_PROBE_SECCOMP);
		ck_assert_int_eq(entry(&r, "rmdir")->err, ENOSYS);
		ck_assert_int_eq(entry(&r, "reboot")->cls, SC_PROBE_KERNEL_PERM);
		ck_assert_int_eq(entry(&r, "swapoff")->cls, SC_PROBE_KERNEL_PERM);
		ck_assert_int_eq(entry(&r, "personality")->cls, SC_PROBE_SECCOMP);
		ck_assert_uint_eq(r.count[SC_PROBE_SECCOMP], 5);
	} else {
		ck_assert_int_eq(entry(&r, "reboot")->cls, SC_PROBE_UNSURE);
	}
	/* amicontained counts every EPERM: mkdir, chmod, reboot, swapoff at least. */
	ck_assert_uint_ge(r.amicontained, 4);
	sc_probe_done(&r);
	free(prog.insns);
	sc_profile_free(p);
}

START_TEST(probe_oracle)
{
	probe_under_filter(true);
}
END_TEST

START_TEST(probe_heuristic)
{
	probe_under_filter(false);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("core");
	const char *why = NULL;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cap_names);
	tcase_add_test(tc, runtime_from_cgroup_paths);
	tcase_add_test(tc, facts_of_self);
	tcase_add_test(tc, several_filters);
	tcase_add_test(tc, uprobe_passthrough);
	tcase_add_test(tc, exact_equals_eval);
	tcase_add_test(tc, compare_same_and_different);
	tcase_add_test(tc, compare_unknown_names);
	if (can_read_filters(&why)) {
		tcase_add_test(tc, read_live_filter);
		if (sc_arch_native() == SC_ARCH_X86_64) {
			tcase_add_test(tc, probe_oracle);
			tcase_add_test(tc, probe_heuristic);
		} else {
			tap_skip("probe", "the probe tests name x86_64 syscalls");
		}
	} else {
		tap_skip("read_live_filter", "%s", why);
		tap_skip("probe", "%s", why);
	}
	suite_add_tcase(s, tc);
	return tap_run(s);
}
