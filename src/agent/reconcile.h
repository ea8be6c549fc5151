/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's reconcile: a directory of policies (a mounted ConfigMap or a plain directory) ->
 * merged profiles installed under <kubelet-root>/seccomp/<root>/<namespace>/<name>.json, the
 * layout and naming of `syscage policy build` (see policy.h), plus one profile per
 * SeccompBinding found among the policies, at the binding's path, made by the binding rule
 * (binding.h: the merge of every policy that selects the workload now, the baselines, or
 * RuntimeDefault when none does), with what a daemon needs on top:
 *   - policies are judged per file: a file that does not parse, names a syscall no arch knows,
 *     has a name that is not DNS-1123 (so could leave the root), an invalid selector, a
 *     duplicate or a path clash is rejected, and the others are still installed;
 *   - the profiles a rejected file produced last time stay installed (its last good version):
 *     the paths the previous index lists for that file are neither pruned nor rewritten, and
 *     are carried in the new index, so this also holds across restarts;
 *   - files are written as temp files without a per-file fsync, made durable with one
 *     syncfs(), then renamed into place: a reader (or a kill -9) sees the old file or the new
 *     one, never half of one; unchanged files are not touched;
 *   - removal is driven by the previous index (what an earlier run wrote) and nothing else:
 *     files the agent did not write are never touched, nothing outside the root is written.
 * Nothing here prints: events go to the log callback as key=value text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscage/arch.h"

enum sc_reject_reason {
	SC_REJECT_PARSE,	   /* not valid YAML/JSON, or not a profile/policy */
	SC_REJECT_NAME,		   /* name/namespace not DNS-1123 (e.g. ../../etc/x) */
	SC_REJECT_UNKNOWN_SYSCALL, /* a syscall name no arch knows */
	SC_REJECT_SELECTOR,	   /* invalid label selector */
	SC_REJECT_DUPLICATE,	   /* same kind, namespace and name as an earlier file */
	SC_REJECT_CONFLICT,	   /* its profile would land on another set's path */
	SC_REJECT_MERGE,	   /* the merge of its set failed */
	SC_REJECT_READ,		   /* the file cannot be read */
	SC_REJECT_BASELINE,	   /* a baseline that denies what every process needs */
	SC_REJECT_BINDING,	   /* a SeccompBinding that is invalid, names a missing policy or
				    * claims another binding's path (that binding only) */
	_SC_REJECT_COUNT,
};

/* "parse", "name", "unknown-syscall", "selector", "duplicate", "conflict", "merge", "read",
 * "baseline", "binding". */
const char *sc_reject_reason_to_string(enum sc_reject_reason r);

struct sc_reconcile_opts {
	const char *policies_dir;
	const char *kubelet_root;   /* <kubelet_root>/seccomp must exist or be creatable */
	const char *root;	    /* a DNS-1123 label; NULL = "syscage" */
	bool no_log_flag;	    /* do not add SECCOMP_FILTER_FLAG_LOG to flag-less profiles */
	const enum sc_arch *arches; /* added to profiles that list no architectures */
	size_t n_arches;
	/* One line per event, "event=... key=value ..." (level: "info", "warn", "error"). */
	void (*log)(void *userdata, const char *level, const char *line);
	/* Optional: the lines so far must reach their destination; called once a pass's
	 * profiles are written (their event=install lines logged), before they are renamed into
	 * place. The caller flushes at the end of the pass. */
	void (*log_flush)(void *userdata);
	/* Threads that read and judge policy files: 0 = one per CPU this process may run on
	 * (at most 4), 1 = the caller's only. */
	unsigned threads;
	/* Polled between files; true stops the reconcile (-ECANCELED, nothing half-written). */
	bool (*cancel)(void *userdata);
	/* Optional: no_log_flag's value, asked (from any of the pass's threads, once per
	 * reconciler) where it is first needed: a profile's text, the key of <root>/.state. The
	 * agent learns it from the node's runc meanwhile. */
	bool (*no_log_flag_wait)(void *userdata);
	void *userdata;
};

struct sc_reconcile_result {
	size_t n_files;	       /* policy files read */
	size_t n_judged;       /* of those, parsed and judged (the others hashed as last time) */
	size_t n_policies;     /* documents accepted */
	size_t n_rejected;     /* files rejected */
	size_t n_sets;	       /* profiles this run produced */
	size_t n_kept;	       /* profiles kept for rejected files (last good) */
	size_t n_written;      /* profiles changed on disk */
	size_t n_removed;      /* profiles pruned */
	size_t n_bindings;     /* bound workloads' profiles this run produced */
	size_t n_fallback;     /* of those, workloads no policy selects (RuntimeDefault) */
	size_t n_fatal_kept;   /* of those, whose new profile no container could start with
				* (start-fatal.h): the installed one kept */
	size_t n_shadowed;     /* policy sets not installed: a binding owns their path */
	size_t n_unbound_kept; /* bound workloads' profiles no binding names, kept as they are */
	size_t n_not_updated;  /* profiles that could not be written (last good kept) */
	size_t n_compared;     /* profiles read back to compare (their identity was not the one
				* recorded, or none was) */
	int install_err;       /* the first error of those (-ENOSPC, -EROFS, ...), or 0 */
	unsigned rejected[_SC_REJECT_COUNT];
};

struct sc_reconciler;

/* Open (creating with mkdirat where missing) <kubelet_root>/seccomp/<root>; the root
 * component is opened with O_NOFOLLOW. Removes temp files an interrupted run left there.
 * Returns 0 or -errno (-EINVAL: bad root name). */
int sc_reconciler_new(const struct sc_reconcile_opts *o, struct sc_reconciler **ret);
struct sc_reconciler *sc_reconciler_free(struct sc_reconciler *r);

/* One pass: read the policies, install, prune. Returns 0 when it completed (rejected files
 * are counted in *res, not errors), -ECANCELED when cancel() said so, or -errno. */
int sc_reconcile(struct sc_reconciler *r, struct sc_reconcile_result *res);

/* Installed profiles after the last completed pass (paths relative to the root). */
size_t sc_reconciler_n_installed(const struct sc_reconciler *r);
/* {"root": DIR, "installed": [{"path", "size", "policies": [...], "files": [...],
 *  "kept": bool, "workload": "Kind ns/name" (bound workloads), "fallback": bool}],
 *  "rejected": [{"file", "reason", "message"}]} (owned). */
int sc_reconciler_json(const struct sc_reconciler *r, char **ret);
/* The i-th policy file the last pass rejected as a duplicate: the file and the one whose
 * policy of that name stays (borrowed); false past the last. */
bool sc_reconciler_duplicate(const struct sc_reconciler *r, size_t i, const char **ret_file,
			     const char **ret_kept);
/* The i-th rejection of the last pass: its file, reason and message (borrowed); false past
 * the last. */
bool sc_reconciler_rejection(const struct sc_reconciler *r, size_t i, const char **ret_file,
			     enum sc_reject_reason *ret_reason, const char **ret_message);
/* Why the last pass failed (sc_reconcile returned -errno, not -ECANCELED or -EAGAIN): what it
 * was doing ("cannot open the policies directory", ...) and the path that failed (borrowed;
 * "" when none, out of memory). false when it did not fail. */
bool sc_reconciler_failure(const struct sc_reconciler *r, const char **ret_what,
			   const char **ret_path);
/* The absolute path of the root directory (borrowed). */
const char *sc_reconciler_root_path(const struct sc_reconciler *r);
