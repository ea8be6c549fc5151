/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp denials seen live, attributed to pods: a non-blocking follower of /dev/kmsg (and of
 * auditd's log when it runs) over the audit parser, a bounded ring of the latest violations,
 * counters per (namespace, pod, container, syscall, action) for /metrics, and the profile
 * additions that would have let the denied calls through ("propose"/"heal").
 * The agent polls sc_violations_fds() in its epoll loop and calls sc_violations_read() when one
 * is readable; nothing here blocks or prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"
#include "pods.h"
#include "profile.h"

struct sc_violation {
	uint64_t time_ms;
	uint32_t pid;
	char comm[SC_AUDIT_COMM_MAX];
	char exe[256];
	struct sc_pod_ref pod; /* namespace/pod/container "" when not a pod's process */
	enum sc_arch arch;
	uint32_t nr;
	const char *syscall; /* borrowed from the syscall table; NULL when the number has no name */
	enum sc_action action;
	uint32_t data; /* errno of ERRNO */
};

struct sc_violations_options {
	const char *kmsg_path;	   /* NULL: "/dev/kmsg"; "" : do not follow */
	const char *audit_log;	   /* NULL: "/var/log/audit/audit.log" when it exists; "": none */
	bool from_start;	   /* read what is already in the log (default: only new records) */
	size_t ring_size;	   /* latest violations kept (0: 256) */
	struct sc_pods_paths paths;
};

struct sc_violations;

int sc_violations_open(const struct sc_violations_options *o, struct sc_violations **ret);
struct sc_violations *sc_violations_free(struct sc_violations *v);

/* The fds to poll for readability (kmsg; audit.log is re-read on an inotify fd). Returns the
 * number written to fds (at most n). */
size_t sc_violations_fds(struct sc_violations *v, int *fds, size_t n);
/* Read what is available without blocking; for each new violation call fn (may be NULL).
 * Returns the number of violations read, or -errno. Loss (kmsg overruns, suppressed records)
 * is counted, not fatal. */
int sc_violations_read(struct sc_violations *v,
		       void (*fn)(const struct sc_violation *x, void *userdata), void *userdata);

/* Latest violations, oldest first (at most ring_size). */
size_t sc_violations_latest(struct sc_violations *v, const struct sc_violation **ret);
/* Counters in Prometheus text format: syscage_violations_total{namespace,pod,container,syscall,
 * action} and syscage_violation_records_lost_total. Appended to 'f'. */
int sc_violations_write_metrics(struct sc_violations *v, FILE *f);
/* The latest violations as a JSON array (owned). */
int sc_violations_json(struct sc_violations *v, char **ret);

/* Heal: merge the syscalls denied to the pod's container into 'recorded' (an ALLOW rule per
 * arch, as the recorder writes; created when NULL). Only syscalls the denial names; never
 * touches an enforced profile. Returns the number of syscalls added, or -errno. */
int sc_violation_heal(const struct sc_violation *x, struct sc_profile **recorded);
