/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* k8s bind's work beside the manifests' (cmd-k8s.c): the policies read on a thread of their
 * own while the manifests are read, and freed on one once nothing reads them; the bindings
 * file made on a thread of its own while the manifests are bound, merged with what another
 * run wrote there. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "pending.h"
#include "syscage/binding.h"
#include "syscage/k8s.h"
#include "syscage/policy.h"

/* The policies read on a thread of their own while the manifests are read. */
struct policy_load {
	const char *dir;
	struct sc_diags d;
	struct sc_policy_build *b;
	int r;
	pthread_t tid;
	bool started;
};

/* Start reading DIR's policies, on a thread when 'thread'. */
void policies_start(struct policy_load *l, const char *dir, bool thread);

/* The policies, once the manifests were read ('read': that read's result): read now without a
 * thread, their messages printed, *ret the build (l->r: sc_policy_load_dir's result). Returns
 * 'read': when it failed, the policies are dropped unsaid, as when they were read after. */
int policies_wait(struct policy_load *l, int read, struct sc_policy_build **ret);

/* Free the build 'b' on a thread of its own when 'thread' (joined by policies_freed()). */
void policies_drop(struct policy_load *l, struct sc_policy_build *b, bool thread);
void policies_freed(struct policy_load *l);

/* The bindings file made on a thread of its own while the manifests are bound (it needs only
 * the match), into a temp file beside it; one pending_open() would spool (stdout, a device, a
 * directory made at the end) is made after, in order. */
struct bindings_job {
	struct sc_k8s_file **files;
	size_t nf;
	struct sc_binding *keep; /* what FILE held (not with --bindings-replace) */
	size_t n_keep, kept;
	bool keep_views; /* keep's entries are the policy build's: only the array is ours */
	struct sc_policy_build *build; /* theirs, when keep_views: freed once the file is made */
	struct pending *bp;
	int open_r; /* pending_open_beside()'s result: -EAGAIN, made after */
	int r;
	pthread_t tid;
	bool started;
};

/* What the bindings file PATH holds now, into j->keep, unless 'replace' or PATH is the output
 * 'out' too: another run's bindings (other manifests) stay. Taken from the build 'b' when
 * PATH is among its policies (j->keep_views). Returns EXIT_OK, or the exit status once said. */
int bindings_keep(struct bindings_job *j, const char *path, bool replace, const char *out,
		  const struct sc_policy_build *b);

/* With 'jobs' > 1, the bindings file PATH made on a thread of its own now (into a temp file
 * beside it); else, or when it would be spooled, by bindings_finish(). */
void bindings_start(struct bindings_job *j, const char *path, unsigned jobs);

/* The bindings file complete: made on its thread, or now. Returns 0 or -errno. */
int bindings_finish(struct bindings_job *j, const char *path);

void bindings_keep_free(struct bindings_job *j);
