/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* index.json, the list of policy sets a `policy build` or the agent wrote below a root: one
 * writer (the bytes both have always written) and one streaming reader, so an index either
 * wrote is read by both (the agent adopts a build's; a build prunes by its previous one). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "syscage/profile.h"

/* Writing: begin, then per set: set, its policies, set_end; then end. Emits to 'f' as it
 * goes (an index of 10,000 sets is never held in memory). */
struct sc_index_writer {
	FILE *f;
	size_t n_sets, n_policies, n_unmatched;
	bool in_unmatched;
};

/* '{ "version": 1, "mode": MODE[, "generator": GENERATOR], "sets": [' */
void sc_index_begin(struct sc_index_writer *w, FILE *f, const char *mode, const char *generator);
/* A set: namespace, name, path, and '"kept": true' when 'kept'. */
void sc_index_set(struct sc_index_writer *w, const char *ns, const char *name, const char *path,
		  bool kept);
/* The same with '"content_hash": "<16 hex digits>"' when 'content_hash' is not 0: the agent's
 * record of the bytes it wrote at 'path', so a later run tells its own file from one that
 * someone else wrote or changed since. */
void sc_index_set_owned(struct sc_index_writer *w, const char *ns, const char *name,
			const char *path, bool kept, uint64_t content_hash);
/* One policy of the set: kind (its first kind_len bytes) and name unless 'kind' is NULL, the
 * file, '"baseline": true' when 'baseline', its selector when 'selector' is not NULL. */
void sc_index_policy(struct sc_index_writer *w, const char *kind, size_t kind_len, const char *name,
		     const char *file, bool baseline, const struct sc_meta *selector);
/* The end of a set; with 'workload_kind', the workload it was made for and "fallback". */
void sc_index_set_end(struct sc_index_writer *w, const char *workload_kind,
		      const char *workload_name, bool fallback);
/* A workload no set was made for, in the "unmatched" list after the sets. */
void sc_index_unmatched(struct sc_index_writer *w, const char *ns, const char *kind,
			const char *name);
/* The end; with 'unmatched', the "unmatched" list is written even when it is empty. */
void sc_index_end(struct sc_index_writer *w, bool unmatched);

/* Reading: each set in the shape the writer writes (namespace a DNS-1123 label, "<name>.json"
 * a file a binding may name, path "<namespace>/<name>.json"); other sets are skipped. The
 * strings are valid during the call only. */
struct sc_index_policy {
	const char *kind, *name, *file; /* NULL when missing */
};
struct sc_index_set {
	const char *ns, *name, *path;
	bool kept;
	uint64_t content_hash; /* 0: none recorded (or not 16 hex digits) */
	const struct sc_index_policy *policies;
	size_t n_policies;
};
typedef int (*sc_index_set_fn)(const struct sc_index_set *s, void *userdata);

/* Read an index from 'fp' (the caller checked it is text libfyaml may see:
 * sc_yaml_fd_text_valid) as the parse goes. Returns 0, -EINVAL (not readable as YAML/JSON:
 * the sets reported so far are not to be trusted), -ENOMEM, or the first error 'fn' returned. */
int sc_index_read_file(FILE *fp, sc_index_set_fn fn, void *userdata);
/* The same from a buffer (checked for valid UTF-8 here: -EINVAL when not). */
int sc_index_read_buffer(const char *buf, size_t len, sc_index_set_fn fn, void *userdata);
