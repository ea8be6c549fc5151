/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the implicit set (syscage/implicit.h: which calls, and why each) and adding it to, or
 * finding it missing from, a profile. Every generator (record, logs, propose, heal) and `check`
 * use this one list. */
#include <errno.h>
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
	{ "getpid", "Go's runtime asks it for tgkill's first argument when it preempts (below)" },
	{ "tgkill", "Go's runtime signals a goroutine that ran 10 ms without a call (async "
		    "preemption) only when one does: denied, a garbage collection waits for ever "
		    "for a goroutine that spins" },
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

/* Newer calls whose callers fall back to an older one only when the newer one fails with
 * ENOSYS. The runtimes' default profiles answer ENOSYS for some of them (Docker's and
 * containerd's for clone3, podman's for every call it does not list, runc's stub for calls
 * newer than the profile), and a denied call never reaches a recorder (seccomp runs before
 * sys_enter): a workload recorded under them shows only the fallback. Denied with EPERM, or
 * with no stub (containerd passes no architectures, so runc adds none), the fallback is never
 * tried. */
static const struct sc_fallback_call fallback[] = {
	{ "clone3",
	  { "clone" },
	  "glibc (2.34+) makes threads and posix_spawn children with it and uses clone only "
	  "when it fails with ENOSYS; Docker's and containerd's default profiles answer ENOSYS" },
	{ "faccessat2",
	  { "faccessat" },
	  "glibc's faccessat with flags (test -x in dash and bash) emulates it with faccessat "
	  "only when it fails with ENOSYS" },
	{ "fchmodat2",
	  { "fchmodat" },
	  "glibc (2.39+) changes a symlink's mode with it and falls back only on ENOSYS" },
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

size_t sc_implicit_fallbacks(const struct sc_fallback_call **ret)
{
	if (ret)
		*ret = fallback;
	return ELEMENTSOF(fallback);
}

static bool permits(const struct sc_profile *p, const char *name)
{
	struct sc_verdict v;

	sc_profile_verdict(p, name, &v);
	return sc_action_permits(v.action) || (!v.unconditional && v.cond_permits);
}

/* Is the profile's answer to a call it does not name ENOSYS already? */
static bool default_enosys(const struct sc_profile *p)
{
	return (p->default_action == SC_ACT_ERRNO || p->default_action == SC_ACT_TRACE) &&
	       p->has_default_errno && p->default_errno == ENOSYS;
}

static bool is_fallback_rule(const struct sc_rule *r)
{
	return r->action == SC_ACT_ERRNO && r->comment &&
	       strncmp(r->comment, SC_FALLBACK_COMMENT_PREFIX,
		       strlen(SC_FALLBACK_COMMENT_PREFIX)) == 0;
}

/* A name the fallback rule holds that another rule now allows (record --append of a run
 * that made it) leaves the rule: an allow and a deny of one name must not both stand. */
static void fallback_rule_prune(struct sc_profile *p, struct sc_rule *r)
{
	size_t k = 0;

	for (size_t j = 0; j < r->n_names; j++) {
		bool allowed = false;

		for (size_t i = 0; i < p->n_rules && !allowed; i++) {
			const struct sc_rule *o = &p->rules[i];
			if (o == r || !sc_action_permits(o->action) || o->n_args ||
			    o->includes.n_arches || o->includes.n_caps || o->includes.min_kernel)
				continue;
			for (size_t m = 0; m < o->n_names && !allowed; m++)
				allowed = streq(o->names[m], r->names[j]);
		}
		if (allowed) {
			free(r->names[j]);
			continue;
		}
		if (r->name_locs)
			r->name_locs[k] = r->name_locs[j];
		r->names[k++] = r->names[j];
	}
	r->n_names = k;
}

/* The older call of 'f' that 'p' permits, or NULL. */
static const char *older_permitted(const struct sc_profile *p, const struct sc_fallback_call *f)
{
	for (size_t j = 0; j < ELEMENTSOF(f->older) && f->older[j]; j++)
		if (on_profile_arches(p, f->older[j]) && permits(p, f->older[j]))
			return f->older[j];
	return NULL;
}

int sc_implicit_fallback_broken(const struct sc_profile *p, const struct sc_fallback_call **ret,
				size_t max)
{
	size_t n = 0;

	if (!p || (!ret && max))
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(fallback); i++) {
		const struct sc_fallback_call *f = &fallback[i];
		struct sc_verdict v;
		bool named;

		if (!is_missing(p, f->name, &named) || !older_permitted(p, f))
			continue;
		sc_profile_verdict(p, f->name, &v);
		if (v.action == SC_ACT_ERRNO && v.errno_ret == ENOSYS)
			continue;
		if (n < max)
			ret[n] = f;
		n++;
	}
	return (int)n;
}

static int fallback_add(struct sc_profile *p)
{
	struct sc_rule *rule = NULL;
	int added = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		if (is_fallback_rule(&p->rules[i])) {
			rule = &p->rules[i];
			fallback_rule_prune(p, rule);
			if (rule->n_names == 0 && !rule->n_args && !rule->includes.n_arches &&
			    !rule->includes.n_caps && !rule->includes.min_kernel &&
			    !rule->excludes.n_arches && !rule->excludes.n_caps &&
			    !rule->excludes.min_kernel) {
				/* Emptied: an empty names list is no rule. */
				free(rule->names);
				free(rule->name_locs);
				free(rule->comment);
				memmove(rule, rule + 1, sizeof(*rule) * (p->n_rules - i - 1));
				p->n_rules--;
				rule = NULL;
			}
			break;
		}
	if (default_enosys(p))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(fallback); i++) {
		const struct sc_fallback_call *f = &fallback[i];
		bool named;

		if (!is_missing(p, f->name, &named) || named || !older_permitted(p, f))
			continue;
		if (!rule) {
			rule = sc_profile_add_rule(p, SC_ACT_ERRNO, NULL, 0);
			if (!rule)
				return -ENOMEM;
			rule->has_errno = true;
			rule->errno_ret = ENOSYS;
			rule->comment = strdup(SC_FALLBACK_COMMENT);
			if (!rule->comment)
				return -ENOMEM;
		}
		if (sc_rule_add_name(rule, f->name) < 0)
			return -ENOMEM;
		added++;
	}
	return added;
}

int sc_implicit_add_fallbacks(struct sc_profile *p)
{
	if (!p)
		return -EINVAL;
	if (sc_action_permits(p->default_action))
		return 0;
	return fallback_add(p);
}

bool sc_implicit_fallback_implied(const struct sc_profile *p, const struct sc_rule *r)
{
	if (sc_action_permits(p->default_action) || default_enosys(p))
		return false;
	if (r->action != SC_ACT_ERRNO || !r->has_errno || r->errno_ret != ENOSYS || r->n_args ||
	    r->n_names == 0 || r->includes.n_arches || r->includes.n_caps ||
	    r->includes.min_kernel || r->excludes.n_arches || r->excludes.n_caps ||
	    r->excludes.min_kernel)
		return false;
	for (size_t i = 0; i < r->n_names; i++) {
		const struct sc_fallback_call *f = NULL;
		for (size_t k = 0; k < ELEMENTSOF(fallback) && !f; k++)
			if (streq(fallback[k].name, r->names[i]))
				f = &fallback[k];
		if (!f || !older_permitted(p, f))
			return false;
		/* Named by no other rule: without this one, the name would be unnamed. */
		for (size_t j = 0; j < p->n_rules; j++)
			for (size_t k = 0; &p->rules[j] != r && k < p->rules[j].n_names; k++)
				if (streq(p->rules[j].names[k], f->name))
					return false;
	}
	/* And every name the reader would add is in it: a rule of some of them (clone3 only,
	 * where faccessat is allowed too) would come back with more. */
	for (size_t k = 0; k < ELEMENTSOF(fallback); k++) {
		bool named, in_rule = false;
		for (size_t i = 0; i < r->n_names && !in_rule; i++)
			in_rule = streq(r->names[i], fallback[k].name);
		if (!in_rule && is_missing(p, fallback[k].name, &named) && !named &&
		    older_permitted(p, &fallback[k]))
			return false;
	}
	return true;
}

int sc_implicit_add(struct sc_profile *p)
{
	struct sc_rule *rule = NULL;
	int added = 0, r;

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
	/* After the allows: the fallbacks ask what the profile permits. */
	r = fallback_add(p);
	return r < 0 ? r : added + r;
}
