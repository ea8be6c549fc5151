/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp denials seen live, attributed to pods: a non-blocking follower of /dev/kmsg (and of
 * auditd's log when it runs) over the audit parser, a bounded ring of the latest violations,
 * counters per (namespace, pod, container, syscall, action) for /metrics, and the profile
 * additions that would have let the denied calls through ("propose"/"heal").
 * The agent polls sc_violations_fds() in its epoll loop and calls sc_violations_read() when one
 * is readable; nothing here blocks or prints.
 * The kernel writes a record for a TRAP, ERRNO, TRACE or USER_NOTIF decision only when the
 * filter was loaded with SECCOMP_FILTER_FLAG_LOG; KILL_PROCESS, KILL_THREAD and LOG decisions
 * are logged without it (each only while /proc/sys/kernel/seccomp/actions_logged lists it).
 * A denied syscall never reaches the sys_enter tracepoint, so these records are the only way
 * a recorder learns about it.
 * A KILL_PROCESS record is written as the kill starts: the process is mostly gone when the
 * record is read. With remember_pids, the processes of the node's pods are remembered
 * (sc_violations_refresh, called every second or so) and such a record is attributed by its
 * pid, or else by its comm and exe when those name one pod container only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"
#include "diag.h"
#include "logs.h"
#include "pods.h"
#include "profile.h"

/* How a violation's pod was found. */
enum sc_violation_attribution {
	SC_VIOLATION_ATTR_NONE,	 /* not found: 'unattributed' says why */
	SC_VIOLATION_ATTR_PROC,	 /* the process's cgroup, read when the record was */
	SC_VIOLATION_ATTR_CACHE, /* gone: its pid, seen alive in a pod container earlier */
	SC_VIOLATION_ATTR_EXE,	 /* gone and unseen: its comm and exe, seen in one container only */
	_SC_VIOLATION_ATTR_COUNT,
};

/* "none", "proc", "cache", "exe"; NULL for other values. */
const char *sc_violation_attribution_to_string(enum sc_violation_attribution a);

/* Where a violation was read. */
enum sc_violation_source {
	SC_VIOLATION_SRC_KMSG,
	SC_VIOLATION_SRC_AUDIT_LOG,
	SC_VIOLATION_SRC_CALLER, /* sc_violations_add_record() */
};

struct sc_violation {
	uint64_t time_ms; /* 0 when the record had no time */
	uint64_t serial;
	uint32_t pid;
	char comm[SC_AUDIT_COMM_MAX];
	char exe[256];
	/* namespace/pod/container "" when not a pod's process; container_id alone for a plain
	 * container; all "" when the process was gone (or its pid reused) at read time. */
	struct sc_pod_ref pod;
	bool pid_gone; /* the process no longer existed (or was another one) when read */
	enum sc_violation_attribution attribution;
	/* Why not attributed (static text), NULL when it was: "no-pid" (the record names none),
	 * "pid-gone-unseen" (gone, and no remembered process had its pid or its comm and exe),
	 * "pid-reused" (the pid is a later process's, the earlier one not remembered),
	 * "ambiguous-exe" (its comm and exe ran in several pod containers). */
	const char *unattributed;
	enum sc_arch arch;
	uint32_t nr;
	const char *syscall; /* borrowed from the syscall table; NULL when the number has no name */
	enum sc_action action;
	uint32_t data; /* errno of ERRNO; 0 when not said (kernels >= 4.14 log code= without it) */
	enum sc_violation_source source;
};

struct sc_violations_options {
	const char *kmsg_path; /* NULL: "/dev/kmsg"; "" : do not follow */
	const char *audit_log; /* NULL: "/var/log/audit/audit.log" when /var/log/audit exists
				  (it may appear later: auditd started after us); "": none;
				  a path: followed, its directory must exist */
	bool from_start;       /* read what is already in the log (default: only new records) */
	size_t ring_size;      /* latest violations kept (0: 256) */
	/* A /metrics series (pod container, syscall, action) not counted for this long is
	 * dropped, as Prometheus marks a series stale once its pod is gone (0: one hour). */
	uint64_t series_ttl_ms;
	struct sc_pods_paths paths;
	/* Remember the pods' processes (sc_violations_refresh) to attribute records of gone ones;
	 * at most max_pids of them (0: 32768; about 60 bytes each, plus 1 KiB a container). */
	bool remember_pids;
	size_t max_pids;
};

/* What was read and what was lost. The loss counters are lower bounds: a rate-limit or backlog
 * message stands for at least one dropped record, an overrun of /dev/kmsg for at least one. */
struct sc_violations_stats {
	uint64_t lines;		    /* lines/records read from all sources */
	uint64_t seccomp_records;   /* seccomp records (any action) */
	uint64_t violations;	    /* denials counted (after de-duplication) */
	uint64_t duplicates;	    /* the same record seen in kmsg and audit.log */
	uint64_t unattributed;	    /* violations no pod, container or process could be named for */
	uint64_t attributed_cache;  /* of processes gone, attributed by their remembered pid */
	uint64_t attributed_exe;    /* ... by comm and exe (one container ran them) */
	uint64_t kmsg_overruns;	    /* EPIPE: records overwritten in the ring before we read them */
	uint64_t printk_suppressed; /* "kauditd_printk_skb: N callbacks suppressed": sum of N */
	uint64_t rate_limit_events; /* "audit: rate limit exceeded" */
	uint64_t backlog_events;    /* backlog limit / hold queue overflow */
	uint64_t printk_events;	    /* "audit: printk limit exceeded" */
	uint64_t audit_lost;	    /* highest audit_lost= seen (the kernel's own counter) */
	uint64_t audit_rotations;   /* audit.log renamed/re-created or truncated under us */
	uint64_t series_dropped;    /* violations not counted in a series: too many series */
};

struct sc_violations;

/* Returns 0, or -errno when a source cannot be opened (-EACCES/-EPERM for /dev/kmsg without
 * CAP_SYSLOG, -ENOENT for an audit_log whose directory does not exist), -ENOMEM. */
int sc_violations_open(const struct sc_violations_options *o, struct sc_violations **ret);
struct sc_violations *sc_violations_free(struct sc_violations *v);

/* The fds to poll for readability (kmsg; audit.log is re-read on an inotify fd). Returns the
 * number written to fds (at most n). */
size_t sc_violations_fds(struct sc_violations *v, int *fds, size_t n);
/* Read what is available without blocking; for each new violation call fn (may be NULL).
 * Returns the number of violations read, or -errno. Loss (kmsg overruns, suppressed records)
 * is counted, not fatal. Each violation is attributed to its pod here, while the process
 * most likely still runs. */
int sc_violations_read(struct sc_violations *v,
		       void (*fn)(const struct sc_violation *x, void *userdata), void *userdata);
/* Whether the last sc_violations_read stopped at its budget (256 KiB of lines) with more to
 * read: the caller does its other work, then calls it again without waiting for an event (a
 * log written to no more sends none). */
bool sc_violations_more(const struct sc_violations *v);

/* Remember the processes the node's pods run now (their cgroups' cgroup.procs; a process seen
 * for the first time costs a read of its stat and of its exe link): records read later whose
 * process is gone are attributed through them. Returns the number of processes listed,
 * -EOPNOTSUPP without remember_pids, or -errno (the cgroup root cannot be read, -ENOMEM). */
int sc_violations_refresh(struct sc_violations *v);

/* Account for one record the caller parsed (sc_audit_parse_line) from a source of its own, a
 * file given to `syscage logs` for example: loss messages are counted; a denial is
 * attributed, counted, kept in the ring and written to *ret (when non-NULL). A process whose
 * start time is after the record's time is a reused pid and is not attributed.
 * Returns 1 for a violation, 0 for anything else, -ENOMEM. */
int sc_violations_add_record(struct sc_violations *v, const struct sc_audit_record *rec,
			     struct sc_violation *ret);

const struct sc_violations_stats *sc_violations_stats(struct sc_violations *v);

/* Latest violations, oldest first (at most ring_size). Valid until the next read or add. */
size_t sc_violations_latest(struct sc_violations *v, const struct sc_violation **ret);
/* Counters in Prometheus text format (HELP/TYPE lines included), appended to 'f':
 *   syscage_violations_total{namespace,pod,container,syscall,action}
 *     (syscall "#<nr>" when the number has no name; action as in OCI, "SCMP_ACT_ERRNO";
 *     namespace/pod/container "" for processes outside pods or gone when read)
 *   syscage_violation_records_lost_total{reason}
 *     (reason: kmsg_overrun, printk_suppressed, rate_limit, backlog, printk_limit, audit_lost)
 * Label values are escaped (backslash, double quote, newline). Returns 0 or -errno. */
int sc_violations_write_metrics(struct sc_violations *v, FILE *f);
/* The latest violations as a JSON array (owned, NUL-terminated), oldest first:
 * [{"time":"2026-11-23T10:00:00.123Z","time_ms":N,"serial":N,"pid":N,"comm":"...",
 *   "exe":"..."|null,"namespace":"..."|null,"pod":...,"container":...,"pod_uid":...,
 *   "container_id":...,"runtime":...,"pid_gone":bool,"attribution":"proc"|"cache"|"exe"|"none",
 *   "unattributed":"pid-gone-unseen"|...|null,"arch":"x86_64","syscall":"mkdir"|null,
 *   "nr":83,"action":"SCMP_ACT_ERRNO","errno":1 (only when the record said),
 *   "source":"kmsg"}] */
int sc_violations_json(struct sc_violations *v, char **ret);

/* Heal: let the denied syscall through in 'recorded' (created when *recorded is NULL, as the
 * recorder writes: defaultAction SCMP_ACT_ERRNO): the violation's arch is listed, the syscall
 * is added to an unconditional SCMP_ACT_ALLOW rule, and removed from unconditional rules that
 * deny it. Only the syscall the denial names; never touches an enforced profile (the caller
 * writes the result under the state dir, for review). Returns 1 when the profile changed, 0
 * when it already let the call through (or the syscall has no name on its arch), -ENOMEM,
 * -EINVAL. */
int sc_violation_heal(const struct sc_violation *x, struct sc_profile **recorded);

/* Heal a pod container's recorded profile on disk: <state_dirfd>/recorded/<namespace>/<pod>/
 * <container>.json is read (when it exists), healed with each of the n violations, and
 * written back atomically when it changed (created with only the healed calls when it did
 * not exist). Directories are created as needed and opened with O_NOFOLLOW, names must be
 * single safe path components: nothing is written outside the state directory. A file that
 * does not parse is left alone (-EINVAL, details in 'd'); a symlink is refused (-ELOOP).
 * 'ret_created' (optional) tells whether the file is new. 'path' (optional, for messages)
 * names the state directory in 'd'. Returns the number of calls added (0: nothing to do,
 * the file untouched) or -errno. */
int sc_violations_heal_recorded(int state_dirfd, const char *path, const struct sc_pod_ref *pod,
				const struct sc_violation *xs, size_t n, struct sc_diags *d,
				bool *ret_created);
