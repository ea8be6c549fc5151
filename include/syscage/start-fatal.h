/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start-fatal set: the syscalls a container runtime makes after it loaded the container's
 * seccomp filter and before the entrypoint's first instruction. A profile that denies one of
 * them is one no container can start with: runc fails the start ("exec /app: operation not
 * permitted", "ensure /proc/self/fd is on procfs", ...) and the kubelet restarts the pod for
 * ever. Beside it, the calls no process lives without (its end, a signal handler's return),
 * which a cluster baseline must never take away either.
 *
 * Measured on this project's test machine (x86_64, Linux 6.18, runc 1.1.5 as Debian 12 ships
 * it, with the CVE-2024-21626 fix): a bundle whose entrypoint is a static program making only
 * exit_group(42), a profile allowing everything but one syscall, for each of the 385 syscalls
 * of x86_64, once with SCMP_ACT_ERRNO (EPERM: what a KubeArmor Block, an allow-list's default
 * and a merge's deny give) and once with SCMP_ACT_KILL_PROCESS, with and without
 * noNewPrivileges. A syscall is in the set when the entrypoint never ran (runc's error, or a
 * start that died before exec). runc loads the filter right before execve with
 * noNewPrivileges (Kubernetes' allowPrivilegeEscalation: false, which `k8s bind` sets), and
 * earlier without it, before it changes ids and capabilities: hence two lists. futex and
 * rt_sigreturn stop the start only sometimes (2 and 4 starts of 20: runc's Go runtime waits or
 * takes a signal then). Other runtimes (crun, runc 1.2+) may call more or fewer; the list is a
 * floor of what is certainly fatal, not a complete one. tools/measure-start-fatal measures it
 * again (a new runc, another arch). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "profile.h"

/* When a call is fatal (flags of sc_start_call.when, and the 'kinds' of the checks). */
enum {
	SC_START_NNP = 1u << 0,	      /* runc's start fails with noNewPrivileges */
	SC_START_PRIV = 1u << 1,      /* runc's start fails without noNewPrivileges */
	SC_START_KILL = 1u << 2,      /* only a KILL or TRAP denial is fatal; EPERM is tolerated */
	SC_START_EVERY = 1u << 3,     /* not runc's: no process ends, or returns from a signal
				       * handler, without it (a baseline's concern) */
	SC_START_SOME_ARGS = 1u << 4, /* (kinds only) also calls denied for some arguments only */
};
#define SC_START_ANY (SC_START_NNP | SC_START_PRIV)
#define SC_START_ALL (SC_START_NNP | SC_START_PRIV | SC_START_EVERY)

struct sc_start_call {
	const char *name;
	unsigned when;	 /* SC_START_* */
	const char *why; /* what the runtime does with it, or what failed when it was denied */
};

/* The whole set, in a stable order; borrowed. Returns its length. */
size_t sc_start_fatal_set(const struct sc_start_call **ret);

/* Whether 'name' is in the set; the entry (borrowed) in *ret when it is (optional). */
bool sc_start_fatal_lookup(const char *name, const struct sc_start_call **ret);

/* One call of the set a profile denies. */
struct sc_start_denial {
	const struct sc_start_call *call; /* borrowed from the set */
	enum sc_action action;		  /* the denying action (the first arch's) */
	bool cond_allow;		  /* denied but for some arguments (a conditional allow) */
	bool some_args;			  /* allowed but for some arguments (a conditional deny) */
	enum sc_arch arch;		  /* the first start arch that denies it */
	bool every_arch;		  /* denied on each of the profile's start arches */
};

/* Which calls of the set 'p' denies, for a container on a node of each of its start arches:
 * the architectures it lists (and archMap entries) but those that are a sub-architecture of
 * another listed one (x86 and x32 beside x86_64: runc itself runs as the node's ABI), or the
 * native arch when it lists none. On each, a call (when its name is a syscall there) is
 * denied when:
 *   - a rule without conditions that applies there names it with an action that does not
 *     permit (the most restrictive such rule counts, whatever the order), or
 *   - no such rule names it and the default action does not permit, even when rules with
 *     argument conditions allow it (runc's call passes arguments no condition foresees: a
 *     conditional allow is not an allow), or
 *   - with SC_START_SOME_ARGS in 'kinds', the default permits and a rule with conditions
 *     denies it ('some_args': whether runc's call matches the conditions is not known; a
 *     check that refuses leaves these out).
 * Rules with includes/excludes on capabilities or a kernel version count as conditional;
 * includes/excludes on arches are decided per start arch (Docker and containerd match them
 * against the node's arch). A call flagged SC_START_KILL counts only when the denying action
 * is KILL_PROCESS, KILL_THREAD, KILL or TRAP. 'kinds' (SC_START_*) picks the calls: those
 * whose 'when' shares a bit with it (SC_START_NNP alone: fatal with noNewPrivileges;
 * SC_START_ANY: with or without; SC_START_ALL: the baseline's set). Up to 'max' denials are
 * written to 'ret' (may be NULL when max is 0), in the set's order. Returns how many there
 * are. */
size_t sc_profile_start_fatal(const struct sc_profile *p, unsigned kinds,
			      struct sc_start_denial *ret, size_t max);

/* The same as one line for a message, e.g. "execve, fstatfs (allowed only with argument
 * conditions)" (owned; NULL when there is none). Returns the number of denials, or -ENOMEM. */
int sc_profile_start_fatal_text(const struct sc_profile *p, unsigned kinds, char **ret);
