/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp audit records -> per-workload syscall sets, profiles and violation reports, and the
 * accounting of everything the kernel or auditd dropped on the way (a dropped record is a
 * missing syscall). Workloads are grouped by pid, comm, exe or container (from
 * /proc/<pid>/cgroup). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "pods.h" /* sc_container_from_cgroup, once declared here */
#include "profile.h"
#include "record.h" /* enum sc_record_base */

enum sc_logs_by {
	SC_LOGS_BY_COMM,
	SC_LOGS_BY_PID,
	SC_LOGS_BY_EXE,
	SC_LOGS_BY_CONTAINER,
	_SC_LOGS_BY_COUNT,
	_SC_LOGS_BY_INVALID = -EINVAL,
};

/* What a parse for sc_logs_add() may skip (its 'skip'): the fields no profile, group or
 * violation report uses, and the copies of comm and exe (their views are read). */
#define SC_LOGS_PARSE_SKIP                                                                \
	(SC_AUDIT_HAVE_AUID | SC_AUDIT_HAVE_UID | SC_AUDIT_HAVE_GID | SC_AUDIT_HAVE_SES | \
	 SC_AUDIT_HAVE_SIG | SC_AUDIT_HAVE_COMPAT | SC_AUDIT_HAVE_IP | SC_AUDIT_VIEWS_ONLY)

enum sc_logs_by sc_logs_by_from_string(const char *s);
const char *sc_logs_by_to_string(enum sc_logs_by by);

struct sc_logs_options {
	enum sc_logs_by by;
	bool has_pid;
	uint32_t pid;	  /* only records of this pid */
	const char *comm; /* only records of this comm (exact) */
	bool has_since, has_until;
	uint64_t since_ms, until_ms; /* records without a time are not filtered by time */
	const char *proc_root;	     /* NULL: "/proc" (container look-ups) */
};

/* What was read, skipped and lost. */
struct sc_logs_stats {
	uint64_t lines;
	uint64_t records;	  /* seccomp records accepted (after filters) */
	uint64_t filtered;	  /* seccomp records dropped by --pid/--comm/--since/--until */
	uint64_t foreign;	  /* lines that are not audit records */
	uint64_t other;		  /* audit records of other types */
	uint64_t malformed;	  /* seccomp records without a readable arch or syscall */
	uint64_t unknown_arch;	  /* records whose arch token is unknown */
	uint64_t unknown_syscall; /* records whose number has no name on its arch */
	uint64_t denied;	  /* records of denied/killed/trapped syscalls */
	uint64_t overlong;	  /* lines skipped for length */
	/* Loss */
	uint64_t suppressed;	    /* sum of "kauditd_printk_skb: N callbacks suppressed" */
	uint64_t rate_limit_events; /* "audit: rate limit exceeded" */
	uint64_t backlog_events;    /* backlog limit / hold queue overflow messages */
	uint64_t printk_events;	    /* "audit: printk limit exceeded" */
	uint64_t lost_counter;	/* highest audit_lost= / lost= seen (cumulative in the kernel) */
	uint64_t serial_gaps;	/* audit serial numbers missing between records of a source */
	uint64_t kmsg_overruns; /* /dev/kmsg records overwritten before they were read */
	/* /dev/kmsg no longer reaches back to the window (sc_logs_kmsg_oldest): 1 or 0, and the
	 * oldest record it still held */
	uint64_t kmsg_wrapped;
	uint64_t kmsg_oldest_seq, kmsg_oldest_ms;
	/* a followed file was truncated (copytruncate) and no copy (FILE.1) held what was
	 * written after where we had read: records may be gone (counted by the follower) */
	uint64_t truncated_unread;
};

/* Whether anything was lost (any loss counter non-zero). */
bool sc_logs_stats_lossy(const struct sc_logs_stats *s);

/* One (arch, syscall, action) seen in a workload. */
struct sc_logs_entry {
	enum sc_arch arch;
	uint32_t nr;
	const char *name; /* borrowed from the syscall table; NULL when unknown */
	enum sc_action action;
	uint32_t data; /* errno for ERRNO */
	uint64_t count;
	uint64_t first_ms, last_ms; /* 0 when the records had no time */
};

/* A workload. */
struct sc_logs_group {
	char *key; /* identity: "1234", "http-echo", "/usr/bin/x", "containerd:<64 hex>" */
	size_t key_len;
	char *name;	     /* for file names and reports: "http-echo", "http-echo-1234",
				"containerd-0123456789ab" (not yet sanitized) */
	char *comm;	     /* the first comm seen */
	char *exe;	     /* the first exe seen (may be NULL) */
	char *container;     /* container id, or NULL */
	const char *runtime; /* "containerd", "cri-o", "docker", "podman", "kubepods", NULL */
	uint32_t pid;	     /* the first pid seen */
	uint64_t records, denied;
	uint64_t first_ms, last_ms;
	struct sc_logs_entry *entries;
	size_t n_entries;
};

/* Audit-serial tracking for one input (a file, stdin, /dev/kmsg). Zero-initialise. */
struct sc_logs_source {
	uint64_t last_serial;
	bool has_serial;
};

struct sc_logs;

/* Returns NULL on ENOMEM. 'o' is copied (its strings must outlive the object). */
struct sc_logs *sc_logs_new(const struct sc_logs_options *o);
struct sc_logs *sc_logs_free(struct sc_logs *l);

/* Parse one line from 'src' and account for it. 'rec' is caller-provided scratch (large;
 * allocate it once). Returns the line's kind, or -ENOMEM. */
int sc_logs_feed_line(struct sc_logs *l, struct sc_logs_source *src, const char *line, size_t len,
		      struct sc_audit_record *rec);
/* Account for a line parsed by sc_audit_parse_line*() (whose comm_v and exe_v must still be
 * valid). Returns 0 or -ENOMEM. */
int sc_logs_add(struct sc_logs *l, struct sc_logs_source *src, const struct sc_audit_record *rec);

struct sc_logs_stats *sc_logs_stats(struct sc_logs *l);

/* The oldest record /dev/kmsg still holds, as read first after opening it: its sequence number,
 * its wall-clock time (ms since the epoch) and its parse. The ring is a few hundred audit lines:
 * when it wrapped (seq > 0) over the start of the window (--since before that record, or, with
 * no --since, the oldest record is already a seccomp record), records are gone and
 * stats.kmsg_wrapped says so (a loss). */
void sc_logs_kmsg_oldest(struct sc_logs *l, uint64_t seq, uint64_t time_ms,
			 const struct sc_audit_record *rec);

/* Add everything 'src' holds to 'dst' (both made with the same options): statistics summed
 * (lost_counter: the highest), groups matched by key and appended in src's first-seen order,
 * entries summed. Serial gaps are not recomputed across the two. Returns 0 or -ENOMEM. */
int sc_logs_merge(struct sc_logs *dst, const struct sc_logs *src);

/* Read the regular file 'fd' from its start to its end, final unterminated line included, as
 * sc_logs_feed_line over each line would, with up to 'threads' threads: the file is cut at
 * line boundaries into chunks (4 to 64 MiB), which the threads take in order as each is free,
 * each thread reading through its own open file description; the chunks are merged and their
 * audit serials accounted for in file order, so the result equals a single reader's.
 * Over-long lines are counted in stats.overlong. 'progress' (optional) is called from the
 * caller's thread with bytes read so far. Returns 0, -ESPIPE when 'fd' is not a regular file
 * (read it line by line instead), or -errno. */
int sc_logs_feed_file(struct sc_logs *l, struct sc_logs_source *src, int fd, unsigned threads,
		      void (*progress)(uint64_t done, uint64_t total, void *userdata),
		      void *userdata);

/* Groups in first-seen order; entries of each group sorted by arch, name, action. */
size_t sc_logs_n_groups(struct sc_logs *l);
const struct sc_logs_group *sc_logs_group(struct sc_logs *l, size_t i);

/* The least-privilege profile of group i: defaultAction SCMP_ACT_ERRNO, the arches seen, one
 * ALLOW rule per arch with the syscalls it made that were let through (LOG, ALLOW, TRACE,
 * NOTIFY); denied ones (KILL, TRAP, ERRNO) are not added; then the implicit set for those
 * arches (syscage/implicit.h). Returns 0, -ENOENT when the group has no nameable allowed
 * syscall, -ENOMEM. */
int sc_logs_group_profile(struct sc_logs *l, size_t i, struct sc_profile **ret);
/* The same, with the rule of 'base' (sc_record_add_base: SC_RECORD_BASE_RUNTIME adds what runc
 * calls after loading the filter) before the implicit set. */
int sc_logs_group_profile_with(struct sc_logs *l, size_t i, enum sc_record_base base,
			       struct sc_profile **ret);

/* Is this action a violation (a denial: KILL_*, TRAP, ERRNO)? */
bool sc_logs_action_is_denial(enum sc_action a);
