/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the start-fatal set (syscage/start-fatal.h: which calls, how they were measured) and
 * finding which of them a profile denies. `convert`, `merge`, `audit-profile`, `record`,
 * `check`, `k8s bind`, the agent and the baseline check use this one list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscage/merge.h"
#include "syscage/start-fatal.h"
#include "syscage/syscalls.h"

#define BOTH (SC_START_NNP | SC_START_PRIV)

/* What runc 1.1.5 printed when the call was denied with EPERM (see the header). */
static const struct sc_start_call set[] = {
	{ "execve", BOTH,
	  "runc starts the entrypoint with it: \"exec /app: operation not permitted\"" },
	{ "close", BOTH, "runc closes its log pipe: \"close log pipe fd 4\"" },
	{ "write", BOTH, "runc reports to its parent through the sync pipe" },
	{ "openat", BOTH, "runc opens the exec fifo and /proc/self/fd" },
	{ "fstatfs", BOTH, "runc checks /proc/self/fd is procfs (the CVE-2024-21626 fix)" },
	{ "getdents64", BOTH, "runc lists /proc/self/fd to close leaked fds (CVE-2024-21626)" },
	{ "futex", BOTH, "runc's Go runtime waits in it: sometimes fatal (2 starts of 20)" },
	{ "rt_sigreturn", BOTH,
	  "runc's Go runtime returns from a signal: sometimes fatal (4 of 20)" },
	{ "read", SC_START_PRIV, "runc reads /proc/self/status" },
	{ "fstat", SC_START_PRIV, "runc checks /dev/stdin while it sets up the user" },
	{ "newfstatat", SC_START_PRIV, "runc stats /dev/null while it sets up the user" },
	{ "getcwd", SC_START_PRIV, "runc checks the working directory is safe (CVE-2024-21626)" },
	{ "chdir", SC_START_PRIV, "runc changes to the configured working directory" },
	{ "setuid", SC_START_PRIV, "runc switches to the container's user" },
	{ "setgid", SC_START_PRIV, "runc switches to the container's group" },
	{ "setgroups", SC_START_PRIV, "runc sets the supplementary groups" },
	{ "getppid", SC_START_PRIV, "runc checks its parent is alive (denied: a Go panic)" },
	{ "capget", SC_START_PRIV, "runc reads its capabilities before it drops them" },
	{ "capset", SC_START_PRIV, "runc applies the container's capabilities" },
	{ "prctl", SC_START_PRIV, "runc drops the bounding set and keeps caps over setuid" },
	{ "getpid", BOTH | SC_START_KILL, "runc's Go runtime asks it (a signal to itself)" },
	{ "epoll_ctl", BOTH | SC_START_KILL, "runc's Go runtime polls its fds" },
	{ "fcntl", SC_START_PRIV | SC_START_KILL, "runc marks fds close-on-exec" },
	{ "faccessat2", SC_START_PRIV | SC_START_KILL,
	  "runc looks the entrypoint up (EPERM: it falls back to faccessat)" },
	{ "exit_group", SC_START_EVERY, "the end of every process: denied, it dies of SIGSEGV" },
	{ "exit", SC_START_EVERY, "the end of every thread" },
	{ "restart_syscall", SC_START_EVERY,
	  "an interrupted sleep after a stop (SIGSTOP, ptrace)" },
	{ "execveat", SC_START_EVERY, "exec through a file descriptor (glibc's fexecve)" },
};

size_t sc_start_fatal_set(const struct sc_start_call **ret)
{
	*ret = set;
	return ELEMENTSOF(set);
}

bool sc_start_fatal_lookup(const char *name, const struct sc_start_call **ret)
{
	for (size_t i = 0; i < ELEMENTSOF(set); i++)
		if (streq(set[i].name, name)) {
			if (ret)
				*ret = &set[i];
			return true;
		}
	return false;
}

static bool is_kill(enum sc_action a)
{
	return a == SC_ACT_KILL_PROCESS || a == SC_ACT_KILL_THREAD || a == SC_ACT_KILL ||
	       a == SC_ACT_TRAP;
}

static bool arch_in(const enum sc_arch *v, size_t n, enum sc_arch a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == a)
			return true;
	return false;
}

/* Whether a rule's includes/excludes let it apply on a node of 'arch': 0 no, 1 yes, 2 only
 * for some containers or kernels (capabilities, minKernel). */
static int rule_applies(const struct sc_rule *r, enum sc_arch arch)
{
	const struct sc_cond *in = &r->includes, *ex = &r->excludes;

	if (in->n_arches && !arch_in(in->arches, in->n_arches, arch))
		return 0;
	if (ex->n_arches && arch_in(ex->arches, ex->n_arches, arch))
		return 0;
	return in->n_caps || ex->n_caps || in->min_kernel || ex->min_kernel ? 2 : 1;
}

static bool rule_names(const struct sc_rule *r, const char *name)
{
	for (size_t i = 0; i < r->n_names; i++)
		if (streq(r->names[i], name))
			return true;
	return false;
}

/* The arches runc itself may run as for 'p': listed ones that are not a sub-arch of another
 * listed one; the native arch when none is listed. */
static size_t start_arches(const struct sc_profile *p, enum sc_arch *ret)
{
	bool listed[_SC_ARCH_COUNT] = {};
	size_t n = 0;

	for (size_t i = 0; i < p->n_arches; i++)
		listed[p->arches[i]] = true;
	for (size_t i = 0; i < p->n_arch_map; i++)
		listed[p->arch_map[i].arch] = true;
	for_each_arch (a) {
		enum sc_arch sub[8];
		unsigned ns;
		if (!listed[a])
			continue;
		ns = sc_arch_subarches(a, sub, ELEMENTSOF(sub));
		for (unsigned k = 0; k < ns; k++)
			if (sub[k] != a)
				listed[sub[k]] = false;
	}
	for_each_arch (a)
		if (listed[a])
			ret[n++] = a;
	if (n == 0)
		ret[n++] = sc_arch_native();
	return n;
}

/* Does 'p' deny 'name' on a node of 'arch' (for some arguments only: *ret_some)? The
 * denying action in *ret_action; *ret_cond_allow when rules with conditions allow it. */
static bool denied_on(const struct sc_profile *p, const char *name, enum sc_arch arch,
		      enum sc_action *ret_action, bool *ret_cond_allow, bool *ret_some)
{
	enum sc_action uncond = _SC_ACT_INVALID, cond_deny = _SC_ACT_INVALID;
	bool cond_allow = false;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		int applies;
		if (!rule_names(r, name) || (applies = rule_applies(r, arch)) == 0)
			continue;
		if (r->n_args == 0 && applies == 1) {
			if (uncond < 0 || sc_action_rank(r->action) < sc_action_rank(uncond))
				uncond = r->action;
		} else if (sc_action_permits(r->action)) {
			cond_allow = true;
		} else if (cond_deny < 0 || sc_action_rank(r->action) < sc_action_rank(cond_deny)) {
			cond_deny = r->action;
		}
	}
	*ret_cond_allow = false;
	*ret_some = false;
	if (uncond >= 0) {
		*ret_action = uncond;
		return !sc_action_permits(uncond);
	}
	if (!sc_action_permits(p->default_action)) {
		*ret_action = p->default_action;
		*ret_cond_allow = cond_allow;
		return true;
	}
	*ret_action = cond_deny;
	*ret_some = true;
	return cond_deny >= 0;
}

size_t sc_profile_start_fatal(const struct sc_profile *p, unsigned kinds,
			      struct sc_start_denial *ret, size_t max)
{
	enum sc_arch arches[_SC_ARCH_COUNT];
	size_t n_arches = start_arches(p, arches), n = 0;

	for (size_t i = 0; i < ELEMENTSOF(set); i++) {
		struct sc_start_denial d = { .call = &set[i], .every_arch = true };
		bool any = false;
		if (!(set[i].when & kinds))
			continue;
		for (size_t k = 0; k < n_arches; k++) {
			enum sc_action a;
			bool cond, some, deny;
			if (sc_syscall_from_name(arches[k], set[i].name) < 0)
				continue;
			deny = denied_on(p, set[i].name, arches[k], &a, &cond, &some);
			if (deny && (set[i].when & SC_START_KILL) && !is_kill(a))
				deny = false;
			if (deny && some && !(kinds & SC_START_SOME_ARGS))
				deny = false;
			if (!deny) {
				d.every_arch = false;
				continue;
			}
			if (!any) {
				d.action = a;
				d.cond_allow = cond;
				d.some_args = some;
				d.arch = arches[k];
			}
			any = true;
		}
		if (!any)
			continue;
		if (n < max)
			ret[n] = d;
		n++;
	}
	return n;
}

int sc_profile_start_fatal_text(const struct sc_profile *p, unsigned kinds, char **ret)
{
	struct sc_start_denial v[ELEMENTSOF(set)];
	size_t n = sc_profile_start_fatal(p, kinds, v, ELEMENTSOF(v));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*ret = NULL;
	if (n == 0)
		return 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%s", i ? ", " : "", v[i].call->name);
		if (v[i].cond_allow)
			fputs(" (allowed only with argument conditions)", f);
		if (v[i].some_args)
			fputs(" (denied for some arguments)", f);
		if (!v[i].every_arch)
			fprintf(f, " (on %s)", sc_arch_info(v[i].arch)->name);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return (int)n;
}
