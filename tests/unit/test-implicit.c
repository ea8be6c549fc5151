/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The implicit set (syscage/implicit.h): which names exist on every ABI, adding it to a profile
 * (per ABI, no duplicates, explicit denies kept, deny-lists untouched), finding it missing, and
 * every generator's output containing it (record, --append, logs, propose, heal). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/denials.h"
#include "syscage/syscage.h"
#include "tap.h"

/* Does 'p' let 'name' through on 'arch' (the emulator's verdict, args 0)? */
static bool permits(const struct sc_profile *p, enum sc_arch arch, const char *name)
{
	struct sc_eval ev;
	int nr = sc_syscall_from_name(arch, name);

	ck_assert_msg(nr >= 0, "%s on %s", name, sc_arch_info(arch)->name);
	ck_assert_int_eq(sc_profile_eval(p, arch, (uint32_t)nr, NULL, &ev), 0);
	return sc_action_permits(ev.action);
}

/* The names of the set on 'arch' are all let through by 'p'. */
static void assert_has_set(const struct sc_profile *p, enum sc_arch arch)
{
	const char *names[32];
	size_t n = sc_implicit_names(arch, names, 32);

	ck_assert_uint_ge(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(permits(p, arch, names[i]), "%s not allowed on %s", names[i],
			      sc_arch_info(arch)->name);
}

static size_t count_name(const struct sc_profile *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			n += strcmp(p->rules[i].names[k], name) == 0;
	return n;
}

START_TEST(every_abi)
{
	/* The kernel's restart and exit paths exist on every ABI: so must the names. */
	for_each_arch (a) {
		const char *names[32];
		size_t n = sc_implicit_names(a, names, 32);
		bool restart = false, ret = false, exit_ = false, group = false;

		ck_assert_uint_le(n, 32);
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_ge(sc_syscall_from_name(a, names[i]), 0);
			restart |= strcmp(names[i], "restart_syscall") == 0;
			ret |= strcmp(names[i], "rt_sigreturn") == 0 ||
			       strcmp(names[i], "sigreturn") == 0;
			exit_ |= strcmp(names[i], "exit") == 0;
			group |= strcmp(names[i], "exit_group") == 0;
		}
		ck_assert_msg(restart && ret && exit_ && group, "%s: the set lacks a core call",
			      sc_arch_info(a)->name);
	}
	/* Per ABI: what each has, and only that. */
	const char *v[32];
	size_t n = sc_implicit_names(SC_ARCH_X86_64, v, 32);
	bool sig = false, t = false, c64 = false;
	for (size_t i = 0; i < n; i++) {
		sig |= strcmp(v[i], "sigreturn") == 0;
		t |= strcmp(v[i], "time") == 0;
		c64 |= strcmp(v[i], "clock_gettime64") == 0;
	}
	ck_assert(!sig && t && !c64);
	n = sc_implicit_names(SC_ARCH_X86, v, 32);
	sig = t = c64 = false;
	for (size_t i = 0; i < n; i++) {
		sig |= strcmp(v[i], "sigreturn") == 0;
		c64 |= strcmp(v[i], "clock_gettime64") == 0;
	}
	ck_assert(sig && c64);
	n = sc_implicit_names(SC_ARCH_AARCH64, v, 32);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_ne(v[i], "time"); /* not a syscall there */
	n = sc_implicit_names(SC_ARCH_RISCV64, v, 32);
	bool hw = false;
	for (size_t i = 0; i < n; i++)
		hw |= strcmp(v[i], "riscv_hwprobe") == 0;
	ck_assert(hw);
	/* Every entry says why. */
	const struct sc_implicit_call *set;
	size_t all = sc_implicit_set(&set);
	for (size_t i = 0; i < all; i++) {
		ck_assert(sc_syscall_known(set[i].name));
		ck_assert(set[i].why && *set[i].why);
		ck_assert(sc_implicit_lookup(set[i].name, NULL));
	}
	ck_assert(!sc_implicit_lookup("openat", NULL));
}
END_TEST

START_TEST(add_to_profile)
{
	const char *allowed[] = { "read", "exit_group" };
	const char *denied[] = { "restart_syscall" };
	struct sc_profile *p = sc_profile_new();
	const char **miss = NULL;
	size_t n_denied = 9;

	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, allowed, 2));
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_KILL_PROCESS, denied, 1));
	/* An allow-list lacking the set: all but exit_group missing, one denied outright. */
	int n = sc_implicit_missing(p, &miss, &n_denied);
	ck_assert_int_gt(n, 5);
	ck_assert_uint_eq(n_denied, 1);
	ck_assert_str_eq(miss[0], "restart_syscall");
	for (int i = 0; i < n; i++)
		ck_assert_str_ne(miss[i], "exit_group");
	free(miss);

	ck_assert_int_eq(sc_implicit_add(p), n - 1);
	ck_assert_uint_eq(count_name(p, "exit_group"), 1); /* no duplicate */
	ck_assert_uint_eq(count_name(p, "restart_syscall"), 1);
	ck_assert(!permits(p, SC_ARCH_X86_64, "restart_syscall")); /* the deny is kept */
	ck_assert(permits(p, SC_ARCH_X86, "sigreturn"));
	ck_assert(permits(p, SC_ARCH_X86, "clock_gettime64"));
	ck_assert(permits(p, SC_ARCH_X86_64, "rt_sigreturn"));
	ck_assert_uint_eq(count_name(p, "riscv_hwprobe"), 0); /* not on a listed ABI */
	ck_assert_str_eq(p->rules[p->n_rules - 1].comment, SC_IMPLICIT_COMMENT);
	size_t rules = p->n_rules;
	ck_assert_int_eq(sc_implicit_add(p), 0); /* idempotent */
	ck_assert_uint_eq(p->n_rules, rules);
	/* Only the explicit deny is left to warn about. */
	ck_assert_int_eq(sc_implicit_missing(p, &miss, &n_denied), 1);
	ck_assert_uint_eq(n_denied, 1);
	free(miss);
	/* A new ABI: its names join the same rule. */
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_RISCV64), 0);
	ck_assert_int_eq(sc_implicit_add(p), 1);
	ck_assert_uint_eq(p->n_rules, rules);
	ck_assert(permits(p, SC_ARCH_RISCV64, "riscv_hwprobe"));
	sc_profile_free(p);

	/* A deny-list already allows them: left alone. */
	p = sc_profile_new();
	p->default_action = SC_ACT_ALLOW;
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ERRNO, denied, 1));
	ck_assert_int_eq(sc_implicit_add(p), 0);
	ck_assert_int_eq(sc_implicit_missing(p, &miss, NULL), 0);
	free(miss);
	ck_assert_uint_eq(p->n_rules, 1);
	sc_profile_free(p);
}
END_TEST

START_TEST(recorded)
{
	struct sc_record *r = sc_record_new();
	struct sc_profile *p = NULL, *old = sc_profile_new();
	const char *denied[] = { "exit" };
	const char **fresh = NULL;
	size_t n = 0;

	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86_64, 0, 1), 0); /* read */
	ck_assert_int_eq(sc_record_add(r, SC_ARCH_X86, 20, 1), 0);   /* getpid */
	ck_assert_int_eq(sc_record_to_profile(r, NULL, 0, SC_RECORD_BASE_NONE, &p, NULL), 0);
	assert_has_set(p, SC_ARCH_X86_64);
	assert_has_set(p, SC_ARCH_X86);
	/* With the runtime base, its rt_sigreturn/exit/exit_group are not repeated. */
	sc_profile_free(p);
	ck_assert_int_eq(sc_record_to_profile(r, NULL, 0, SC_RECORD_BASE_RUNTIME, &p, NULL), 0);
	assert_has_set(p, SC_ARCH_X86_64);
	ck_assert_uint_eq(count_name(p, "exit_group"), 1);
	ck_assert_uint_eq(count_name(p, "rt_sigreturn"), 1);

	/* --append into a profile that denies exit: the deny stays, the rest is added. */
	ck_assert_int_eq(sc_profile_add_arch(old, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(old, SC_ACT_KILL_PROCESS, denied, 1));
	ck_assert_int_eq(sc_record_profile_append(old, p, &fresh, &n), 0);
	ck_assert(!permits(old, SC_ARCH_X86_64, "exit"));
	ck_assert(permits(old, SC_ARCH_X86_64, "restart_syscall"));
	ck_assert(permits(old, SC_ARCH_X86, "sigreturn"));
	ck_assert_uint_eq(count_name(old, "exit"), 1);
	for (size_t i = 0; i < n; i++) /* the set is not reported as recorded */
		ck_assert(!sc_implicit_lookup(fresh[i], NULL));
	free(fresh);
	sc_profile_free(old);
	sc_profile_free(p);
	sc_record_free(r);
}
END_TEST

/* The answer 'p' gives 'name' on x86_64: ERRNO's errno, or -1 for any other action. */
static int errno_of(const struct sc_profile *p, const char *name)
{
	struct sc_eval ev;
	int nr = sc_syscall_from_name(SC_ARCH_X86_64, name);

	ck_assert_int_ge(nr, 0);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, (uint32_t)nr, NULL, &ev), 0);
	return ev.action == SC_ACT_ERRNO ? (int)ev.data : -1;
}

START_TEST(fallback_enosys)
{
	/* Recorded under a runtime's default profile: clone3 answered ENOSYS, glibc fell back to
	 * clone, so only clone was seen. The profile must answer clone3 with ENOSYS, not EPERM.
	 * epoll_pwait2 (441) puts clone3 (435) below runc's ENOSYS stub, which the emulator
	 * applies. */
	const char *seen[] = { "read", "clone", "faccessat", "fchmodat", "epoll_pwait2" };
	const char *kill[] = { "fchmodat2" };
	struct sc_profile *p = sc_profile_new(), *add = NULL;

	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, seen, 5));
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_KILL_PROCESS, kill, 1));
	ck_assert_int_eq(errno_of(p, "clone3"), 1); /* before: EPERM, no fallback */
	const struct sc_fallback_call *broken[8];
	ck_assert_int_eq(sc_implicit_fallback_broken(p, broken, 8), 3);
	ck_assert_str_eq(broken[0]->name, "clone3");
	ck_assert_str_eq(broken[1]->name, "faccessat2");
	ck_assert_str_eq(broken[2]->name, "fchmodat2"); /* killed by its rule */
	ck_assert_int_gt(sc_implicit_add(p), 2);
	ck_assert_int_eq(sc_implicit_fallback_broken(p, broken, 8), 1); /* the explicit kill */
	ck_assert_str_eq(broken[0]->name, "fchmodat2");
	ck_assert_int_eq(errno_of(p, "clone3"), ENOSYS);
	ck_assert_int_eq(errno_of(p, "faccessat2"), ENOSYS);
	ck_assert_int_eq(errno_of(p, "fchmodat2"), -1); /* an explicit rule is kept */
	ck_assert_uint_eq(count_name(p, "fchmodat2"), 1);
	ck_assert_int_eq(errno_of(p, "mkdir"), 1); /* the rest keeps the default */
	ck_assert_str_eq(p->rules[p->n_rules - 1].comment, SC_FALLBACK_COMMENT);
	size_t rules = p->n_rules;
	ck_assert_int_eq(sc_implicit_add(p), 0); /* idempotent */
	ck_assert_uint_eq(p->n_rules, rules);
	ck_assert_uint_eq(count_name(p, "clone3"), 1);

	/* --append of a run that made clone3 and faccessat2: they leave the ENOSYS rule, which
	 * goes once empty, and are allowed. */
	const char *made[] = { "clone3", "faccessat2" };
	add = sc_profile_new();
	ck_assert_int_eq(sc_profile_add_arch(add, SC_ARCH_X86_64), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(add, SC_ACT_ALLOW, made, 2));
	ck_assert_int_eq(sc_record_profile_append(p, add, NULL, NULL), 0);
	ck_assert(permits(p, SC_ARCH_X86_64, "clone3"));
	ck_assert(permits(p, SC_ARCH_X86_64, "faccessat2"));
	ck_assert_uint_eq(count_name(p, "clone3"), 1);
	for (size_t i = 0; i < p->n_rules; i++)
		ck_assert(!p->rules[i].comment ||
			  strcmp(p->rules[i].comment, SC_FALLBACK_COMMENT) != 0);
	sc_profile_free(add);
	sc_profile_free(p);

	/* A KILL default needs it as much; an ENOSYS default answers it already. */
	p = sc_profile_new();
	p->default_action = SC_ACT_KILL_PROCESS;
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, seen, 2));
	ck_assert_int_gt(sc_implicit_add(p), 0);
	ck_assert_int_eq(errno_of(p, "clone3"), ENOSYS);
	ck_assert_uint_eq(count_name(p, "faccessat2"), 0); /* faccessat not allowed: no fallback */
	sc_profile_free(p);
	p = sc_profile_new();
	p->has_default_errno = true;
	p->default_errno = ENOSYS;
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, seen, 2));
	ck_assert_int_gt(sc_implicit_add(p), 0);
	ck_assert_uint_eq(count_name(p, "clone3"), 0);
	ck_assert_int_eq(errno_of(p, "clone3"), ENOSYS);
	sc_profile_free(p);

	/* Every entry exists, says why, and names an older call. */
	const struct sc_fallback_call *f;
	size_t n = sc_implicit_fallbacks(&f);
	ck_assert_uint_ge(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert(sc_syscall_known(f[i].name));
		ck_assert(f[i].older[0] && sc_syscall_known(f[i].older[0]));
		ck_assert(f[i].why && *f[i].why);
	}
}
END_TEST

/* 'p''s answer to 'name' as its rules and default give it ("ACTION/ERRNO"; not runc's ENOSYS
 * stub for calls newer than any it names, which containerd's profiles do not get). */
static void answer(const struct sc_profile *p, const char *name, char *buf, size_t size)
{
	struct sc_verdict v;

	sc_profile_verdict(p, name, &v);
	snprintf(buf, size, "%d/%u/%d", (int)v.action, v.action == SC_ACT_ERRNO ? v.errno_ret : 0,
		 v.conditional);
}

/* Written as a KubeArmor policy and read back, an allow-list answers the fallback set as it
 * did except the calls sc_profile_write_fallback_changed names (and only those): 3,000
 * random allow-lists over the set, their older calls and read, with EPERM rules, the ENOSYS
 * rule or neither, on random ABIs. */
START_TEST(kubearmor_fallback_changed)
{
	static const char *const pool[] = { "read",	  "clone",    "clone3",	   "faccessat",
					    "faccessat2", "fchmodat", "fchmodat2", "mkdir" };
	static const enum sc_arch arches[] = { SC_ARCH_X86_64, SC_ARCH_AARCH64, SC_ARCH_X86 };
	const struct sc_fallback_call *set, *changed[8];
	size_t n_set = sc_implicit_fallbacks(&set), written = 0, with_change = 0;

	srand(7);
	for (int iter = 0; iter < 3000; iter++) {
		struct sc_profile *p = sc_profile_new(), *q = NULL;
		const char *allow[8] = { "read" }, *deny[8];
		size_t n_allow = 1, n_deny = 0;
		char *text = NULL, why[256];
		int n;

		for (size_t a = 0; a < 3; a++)
			if (a == 0 ? rand() % 4 != 0 : rand() % 3 == 0)
				ck_assert_int_eq(sc_profile_add_arch(p, arches[a]), 0);
		for (size_t i = 1; i < 8; i++) {
			int r = rand() % 4;
			if (r < 2)
				allow[n_allow++] = pool[i];
			else if (r == 2)
				deny[n_deny++] = pool[i];
		}
		if (rand() % 2) {
			p->has_default_errno = true;
			p->default_errno = EPERM;
		}
		ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, allow, n_allow));
		if (n_deny && rand() % 2) {
			struct sc_rule *r = sc_profile_add_rule(p, SC_ACT_ERRNO, deny, n_deny);
			ck_assert_ptr_nonnull(r);
			r->has_errno = true;
			r->errno_ret = EPERM;
		}
		if (rand() % 3 == 0)
			ck_assert_int_ge(sc_implicit_add_fallbacks(p), 0);
		n = sc_profile_write_fallback_changed(p, SC_FORMAT_KUBEARMOR, changed, 8);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, (int)n_set);
		if (sc_profile_unfit(p, SC_FORMAT_KUBEARMOR, why, sizeof(why)) < 0) {
			sc_profile_free(p);
			continue;
		}
		ck_assert_int_eq(sc_profile_write_string(p, SC_FORMAT_KUBEARMOR, &text), 0);
		ck_assert_int_eq(sc_profile_read_buffer(text, strlen(text), "ka.yaml", NULL, &q),
				 0);
		for (size_t i = 0; i < 8; i++) {
			const char *name = pool[i];
			bool named = false, differs;
			char was[32], now[32];
			answer(p, name, was, sizeof(was));
			answer(q, name, now, sizeof(now));
			differs = strcmp(was, now) != 0;
			for (int k = 0; k < n; k++)
				named |= strcmp(changed[k]->name, name) == 0;
			ck_assert_msg(differs == named, "%s: %s read back (%s, %s), %snamed\n%s",
				      name, differs ? "changed" : "the same", was, now,
				      named ? "" : "not ", text);
		}
		written++;
		with_change += n > 0;
		free(text);
		sc_profile_free(q);
		sc_profile_free(p);
	}
	/* Both kinds were seen, often. */
	ck_assert_uint_gt(with_change, 300);
	ck_assert_uint_gt(written - with_change, 300);

	/* Other formats and a block list: nothing changes. */
	const char *names[] = { "clone", "read" };
	struct sc_profile *p = sc_profile_new();
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_ALLOW, names, 2));
	ck_assert_int_ge(sc_profile_write_fallback_changed(p, SC_FORMAT_KUBEARMOR, changed, 8), 1);
	ck_assert_int_eq(sc_profile_write_fallback_changed(p, SC_FORMAT_OCI, changed, 8), 0);
	ck_assert_int_eq(sc_profile_write_fallback_changed(p, SC_FORMAT_SPO, changed, 8), 0);
	p->default_action = SC_ACT_ALLOW;
	ck_assert_int_eq(sc_profile_write_fallback_changed(p, SC_FORMAT_KUBEARMOR, changed, 8), 0);
	sc_profile_free(p);
}
END_TEST

static void feed(struct sc_logs *l, struct sc_logs_source *src, const char *line)
{
	struct sc_audit_record *rec = malloc(sizeof(*rec)); /* large: not on the stack */

	ck_assert_ptr_nonnull(rec);
	ck_assert_int_ge(sc_logs_feed_line(l, src, line, strlen(line), rec), 0);
	free(rec);
}

START_TEST(learned)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = { 0 };
	struct sc_profile *p = NULL;

	ck_assert_ptr_nonnull(l);
	feed(l, &src,
	     "audit: type=1326 audit(1700000000.001:10): auid=0 uid=0 gid=0 ses=1 pid=7 "
	     "comm=\"app\" exe=\"/app\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
	     "code=0x7ffc0000");
	ck_assert_int_eq(sc_logs_group_profile(l, 0, &p), 0);
	assert_has_set(p, SC_ARCH_X86_64);
	ck_assert_uint_eq(count_name(p, "riscv_hwprobe"), 0);
	sc_profile_free(p);
	/* --base runtime: runc's calls, and the set once. */
	ck_assert_int_eq(sc_logs_group_profile_with(l, 0, SC_RECORD_BASE_RUNTIME, &p), 0);
	for (const char *const *n = sc_record_runtime_base(); *n; n++)
		ck_assert_msg(permits(p, SC_ARCH_X86_64, *n), "%s", *n);
	assert_has_set(p, SC_ARCH_X86_64);
	ck_assert_uint_eq(count_name(p, "exit_group"), 1);
	sc_profile_free(p);
	ck_assert_int_eq(sc_logs_group_profile(l, 0, &p), 0);
	ck_assert(!permits(p, SC_ARCH_X86_64, "fstatfs")); /* no base without the flag */
	sc_profile_free(p);
	sc_logs_free(l);
}
END_TEST

START_TEST(proposed_and_healed)
{
	struct sc_denials *d = sc_denials_new(SC_LOGS_BY_COMM);
	struct sc_violation x = { .arch = SC_ARCH_X86_64,
				  .nr = 83,
				  .syscall = "mkdir",
				  .action = SC_ACT_ERRNO,
				  .comm = "app" };
	struct sc_profile *p = NULL;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(sc_denials_add(d, &x), 0);
	ck_assert_uint_eq(sc_denials_n_groups(d), 1);
	const struct sc_profile *add = sc_denials_group(d, 0)->additions;
	ck_assert_ptr_nonnull(add);
	ck_assert(permits(add, SC_ARCH_X86_64, "mkdir"));
	assert_has_set(add, SC_ARCH_X86_64);
	sc_denials_free(d);

	/* Healing a recorded profile that lacks the set. */
	char dir[] = "/tmp/syscage-implicit-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	int sfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(sfd, 0);
	struct sc_pod_ref pod = { 0 };
	snprintf(pod.namespace, sizeof(pod.namespace), "ns");
	snprintf(pod.pod, sizeof(pod.pod), "web");
	snprintf(pod.container, sizeof(pod.container), "c");
	char path[512];
	ck_assert_int_eq(system(NULL) != 0, 1);
	snprintf(path, sizeof(path),
		 "mkdir -p %s/recorded/ns/web && printf '%%s' '{\"defaultAction\": "
		 "\"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"], \"syscalls\": "
		 "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}' "
		 ">%s/recorded/ns/web/c.json",
		 dir, dir);
	ck_assert_int_eq(system(path), 0);
	bool created = true;
	ck_assert_int_eq(sc_violations_heal_recorded(sfd, dir, &pod, &x, 1, NULL, &created), 1);
	ck_assert(!created);
	snprintf(path, sizeof(path), "%s/recorded/ns/web/c.json", dir);
	ck_assert_int_eq(sc_profile_read_file(path, NULL, &p), 0);
	ck_assert(permits(p, SC_ARCH_X86_64, "mkdir"));
	ck_assert(permits(p, SC_ARCH_X86_64, "read"));
	assert_has_set(p, SC_ARCH_X86_64);
	sc_profile_free(p);
	close(sfd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	(void)system(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("implicit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_abi);
	tcase_add_test(tc, add_to_profile);
	tcase_add_test(tc, recorded);
	tcase_add_test(tc, fallback_enosys);
	tcase_add_test(tc, kubearmor_fallback_changed);
	tcase_add_test(tc, learned);
	tcase_add_test(tc, proposed_and_healed);
	suite_add_tcase(s, tc);
	fflush(stdout);
	return tap_run(s);
}
