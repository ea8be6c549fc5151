/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the implicit set (syscage/implicit.h: which calls, and why each) and adding it to, or
 * finding it missing from, a profile. Every generator (record, logs, propose, heal) and `check`
 * use this one list. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscage/implicit.h"
#include "syscage/merge.h"
#include "syscage/syscalls.h"

#define VDSO_WHY \
	"answered by the vDSO on one node, a real syscall on another: clocksource, VM, vdso=0"

static const struct sc_implicit_call implicit[] = {
	{ "restart_syscall", "the kernel restarts an interrupted sleep, poll or futex wait with it "
			     "after a stop: SIGSTOP/SIGCONT, a debugger, syscage inspect --pid" },
	{ "rt_sigreturn", "the return from every signal handler" },
	{ "sigreturn", "the return from a signal handler without SA_SIGINFO, on 32-bit ABIs" },
	{ "rt_sigsuspend", "a shell (dash) waits with it only when its child still runs when it "
			   "looks: denied, it spins for ever with every signal blocked" },
	{ "futex", "libc waits in it only when another thread still holds what it waits for "
		   "(pthread_join of a running thread, a contended lock): denied, glibc aborts" },
	{ "futex_time64", "the same wait on 32-bit ABIs with 64-bit time" },
	{ "exit", "the end of every thread" },
	{ "exit_group", "the end of the process" },
	{ "clock_gettime", VDSO_WHY },
	{ "clock_gettime64", VDSO_WHY },
	{ "clock_getres", VDSO_WHY },
	{ "clock_getres_time64", VDSO_WHY },
	{ "gettimeofday", VDSO_WHY },
	{ "time", VDSO_WHY },
	{ "getcpu", VDSO_WHY },
	{ "getrandom", "answered by the vDSO on Linux 6.11+ with glibc 2.41, a syscall before" },
	{ "riscv_hwprobe", "answered from the vDSO's cache on riscv64, a syscall otherwise" },
};

size_t sc_implicit_set(const struct sc_implicit_call **ret)
{
	if (ret)
		*ret = implicit;
	return ELEMENTSOF(implicit);
}

bool sc_implicit_lookup(const char *name, const struct sc_implicit_call **ret)
{
	if (!name)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(implicit); i++)
		if (streq(implicit[i].name, name)) {
			if (ret)
				*ret = &implicit[i];
			return true;
		}
	return false;
}

size_t sc_implicit_names(enum sc_arch arch, const char **ret, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(implicit); i++)
		if (sc_syscall_from_name(arch, implicit[i].name) >= 0) {
			if (ret && n < max)
				ret[n] = implicit[i].name;
			n++;
		}
	return n;
}

/* Is 'name' a syscall on one of the ABIs 'p' covers? */
static bool on_profile_arches(const struct sc_profile *p, const char *name)
{
	bool any = false;

	for (size_t i = 0; i < p->n_arches; i++)
		if (sc_syscall_from_name(p->arches[i], name) >= 0)
			return true;
	for (size_t i = 0; i < p->n_arch_map; i++) {
		const struct sc_arch_map *m = &p->arch_map[i];
		if (sc_syscall_from_name(m->arch, name) >= 0)
			return true;
		for (size_t j = 0; j < m->n_sub; j++)
			if (sc_syscall_from_name(m->sub[j], name) >= 0)
				return true;
	}
	any = p->n_arches || p->n_arch_map;
	return !any && sc_syscall_from_name(sc_arch_native(), name) >= 0;
}

/* Missing: not permitted by the default action or an unconditional rule, and no conditional
 * rule may permit it. *ret_named: some rule names it (an explicit decision). */
static bool is_missing(const struct sc_profile *p, const char *name, bool *ret_named)
{
	struct sc_verdict v;

	sc_profile_verdict(p, name, &v);
	*ret_named = v.unconditional || v.conditional;
	if (sc_action_permits(v.action))
		return false;
	if (!v.unconditional && v.cond_permits)
		return false;
	return on_profile_arches(p, name);
}

int sc_implicit_missing(const struct sc_profile *p, const char ***ret, size_t *ret_denied)
{
	cleanup_free const char **v = NULL;
	size_t n = 0, denied = 0;

	if (!p || !ret)
		return -EINVAL;
	v = malloc(sizeof(*v) * ELEMENTSOF(implicit));
	if (!v)
		return -ENOMEM;
	if (!sc_action_permits(p->default_action))
		for (size_t i = 0; i < ELEMENTSOF(implicit); i++) {
			bool named;
			if (!is_missing(p, implicit[i].name, &named))
				continue;
			v[n++] = implicit[i].name;
			denied += named;
		}
	if (ret_denied)
		*ret_denied = denied;
	*ret = TAKE_PTR(v);
	return (int)n;
}

int sc_implicit_add(struct sc_profile *p)
{
	struct sc_rule *rule = NULL;
	int added = 0;

	if (!p)
		return -EINVAL;
	if (sc_action_permits(p->default_action))
		return 0;
	for (size_t i = 0; i < p->n_rules && !rule; i++)
		if (p->rules[i].action == SC_ACT_ALLOW && p->rules[i].comment &&
		    strncmp(p->rules[i].comment, SC_IMPLICIT_COMMENT_PREFIX,
			    strlen(SC_IMPLICIT_COMMENT_PREFIX)) == 0)
			rule = &p->rules[i];
	for (size_t i = 0; i < ELEMENTSOF(implicit); i++) {
		const char *name = implicit[i].name;
		bool named;

		if (!is_missing(p, name, &named) || named)
			continue;
		if (!rule) {
			rule = sc_profile_add_rule(p, SC_ACT_ALLOW, NULL, 0);
			if (!rule)
				return -ENOMEM;
			rule->comment = strdup(SC_IMPLICIT_COMMENT);
			if (!rule->comment)
				return -ENOMEM;
		}
		if (sc_rule_add_name(rule, name) < 0)
			return -ENOMEM;
		added++;
	}
	return added;
}
