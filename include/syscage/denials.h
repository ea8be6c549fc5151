/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Denials per workload (`syscage logs --propose/--heal`): each denied call counted in its
 * workload (a pod's container, another container, or a process), and the profile additions
 * that would let the workload's denied calls through. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "audit.h"
#include "diag.h"
#include "logs.h"
#include "pods.h"
#include "profile.h"
#include "violations.h"

/* Who made a denied call. */
enum sc_denials_kind {
	SC_DENIALS_POD,	      /* a pod's container (or a pod, container unknown) */
	SC_DENIALS_CONTAINER, /* a container outside pods */
	SC_DENIALS_PROCESS,   /* gone or not in a container: grouped by comm, pid or exe */
	_SC_DENIALS_KIND_COUNT,
	_SC_DENIALS_KIND_INVALID = -EINVAL,
};

/* "pod", "container", "process"; NULL for others. */
const char *sc_denials_kind_to_string(enum sc_denials_kind k);

/* One denied (arch, syscall, action, errno) of a workload. */
struct sc_denial {
	enum sc_arch arch;
	uint32_t nr;
	const char *name; /* borrowed from the syscall table; NULL when unnamed */
	enum sc_action action;
	uint32_t data;
	uint64_t count;
	uint64_t first_ms, last_ms; /* 0 when the records had no time */
};

struct sc_denials_group {
	char *key;   /* "pod:NS/POD[/CONTAINER]", "container:<id>", "process:<label>" */
	char *label; /* "NS/POD/CONTAINER", "<runtime>-<12 hex>", "comm", "comm-pid", "/exe" */
	enum sc_denials_kind kind;
	struct sc_pod_ref pod; /* of the first violation */
	uint32_t pid;	       /* the first pid seen */
	char comm[SC_AUDIT_COMM_MAX];
	struct sc_denial *denials; /* in first-seen order */
	size_t n_denials;
	uint64_t count;		      /* denied calls */
	struct sc_profile *additions; /* what heal adds to an empty profile; NULL: nothing */
};

struct sc_denials;

/* 'by' groups the processes outside containers: SC_LOGS_BY_PID ("comm-pid"), SC_LOGS_BY_EXE
 * (the exe, else comm), otherwise comm. NULL on ENOMEM. */
struct sc_denials *sc_denials_new(enum sc_logs_by by);
struct sc_denials *sc_denials_free(struct sc_denials *d);
/* Count one violation in its workload (its pod container, else its container, else its
 * process), and what would let it through in the workload's additions. 0 or -ENOMEM. */
int sc_denials_add(struct sc_denials *d, const struct sc_violation *x);
/* Workloads in first-seen order. */
size_t sc_denials_n_groups(const struct sc_denials *d);
const struct sc_denials_group *sc_denials_group(const struct sc_denials *d, size_t i);
/* Distinct denials whose syscall has no name on its arch: nothing can be added for them. */
uint64_t sc_denials_unnamed(const struct sc_denials *d);

/* sc_violations_heal_recorded with a pod workload's denials. Returns as it does; -EINVAL for a
 * workload that is not a pod's container. */
int sc_denials_group_heal_recorded(int state_dirfd, const char *path,
				   const struct sc_denials_group *w, struct sc_diags *d,
				   bool *ret_created);
