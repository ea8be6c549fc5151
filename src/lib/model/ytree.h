/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The YAML/JSON document tree every reader of ours walks (internal to libsyscage): scalars,
 * sequences and mappings with their file positions, composed from libfyaml's events with the
 * checks untrusted input needs (UTF-8, no NUL, no aliases, no '<<' merge keys, no duplicate
 * keys, bounded size and depth): where Kubernetes would resolve an alias or merge a key, these
 * readers refuse it at its line:column. Profiles, policies and bindings are read from it.
 *
 * Kubernetes manifests have their own tree (k8s/postree.h) on purpose: bind edits the text in
 * place, so it needs byte spans (quotes included), scalar styles, anchors and where each flow
 * collection closes, and it reads 10,000-workload files a document at a time from an arena,
 * keeping only what binding touches; it must also resolve aliases and '<<' merge keys (valid
 * in a manifest, and applied by Kubernetes) where this tree refuses them. This one needs none
 * of that, and its walkers (here, binding.c) want whole documents of plain malloc'd nodes with
 * line:column only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "syscage/diag.h"

enum ykind {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
};

struct ynode {
	enum ykind kind;
	bool quoted; /* scalar written quoted: always a string */
	struct sc_loc loc;
	char *text; /* scalar, NUL-terminated */
	size_t len;
	struct ynode **v; /* sequence items; mapping keys and values alternating */
	size_t n, cap;
};

void sc_ynode_free(struct ynode *n);

/* Every document of 'buf' as a tree (an empty document is NULL), at most 'max_nodes' nodes in
 * all (0: the profile readers' limit). Errors go to 'd' (may be NULL) at their line:column;
 * returns 0, -EINVAL or -ENOMEM. Free with sc_ytree_free. */
int sc_ytree_parse(const char *buf, size_t len, unsigned max_nodes, struct sc_diags *d,
		   struct ynode ***ret, size_t *ret_n);
void sc_ytree_free(struct ynode **v, size_t n);

/* The value of 'key' in mapping 'n' (NULL when 'n' is not a mapping or lacks it). */
const struct ynode *sc_ynode_get(const struct ynode *n, const char *key);
/* A scalar that YAML reads as a string (quoted, or plain and not null, a boolean or a
 * number); its text, else NULL. */
const char *sc_ynode_string(const struct ynode *n);
