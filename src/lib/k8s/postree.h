/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The position tree of Kubernetes manifests (internal to libsyscage's k8s part): libfyaml's
 * document API does not expose node positions, so the parser's event stream is turned into a
 * small tree of our own that records byte offsets: scalars know their span (quotes included),
 * flow collections their closing bracket, block collections end where their last descendant
 * ends. Built a document at a time in an arena, with the checks the editor needs (duplicate
 * keys and block scalars libfyaml misreads are refused).
 *
 * Not model/ytree.h's tree (profiles, policies, bindings): that one is malloc'd per node, keeps
 * line:column only and refuses aliases and merge keys; this one keeps byte spans, scalar styles,
 * anchors and where a flow collection closes, which text-preserving edits need, in 32 bytes a node
 * from an arena (10,000 workloads, ~450,000 nodes a 4 MiB manifest), one document at a time. */
#pragma once

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "macro.h"
#include "syscage/diag.h"

#define MAX_DEPTH 32

enum yn_type {
	YN_SCALAR,
	YN_MAP,
	YN_SEQ,
};

/* 32 bytes (10,000 workloads keep 100,000 of them); a flow collection is followed by its
 * 'close' (yn_close).
 *
 * Aliases and merge keys are resolved as Kubernetes' decoder (sigs.k8s.io/yaml, go-yaml v2)
 * does: an alias is a copy of its anchor's node (header at the alias's position, the same
 * kids), and a mapping with '<<' has the merged pairs after its own (its own win, an earlier
 * source wins over a later one). What is reached so is 'shared', and every node below it too:
 * the editor must not write there. */
struct yn {
	uint8_t t : 2;	     /* enum yn_type */
	bool shared : 1;     /* reached through an alias or a merge key: its text is others' too */
	bool merged : 1;     /* a mapping with a '<<' merge key (resolved: kids are the result) */
	bool bare_props : 1; /* bare (below) and its key has a tag or anchor: no place for '{' */
	bool flow : 1;
	bool marked : 1;     /* scalar: has a position (an empty value has none) */
	bool anchored : 1;   /* &anchor: editing it would change its aliases too */
	bool had_kids : 1;   /* a closed collection had entries (kept nodes may have fewer) */
	bool colonless : 1;  /* an empty value whose key has no ':' ("{name: web, x}") */
	bool bare : 1;	     /* a one-pair flow mapping without braces ("[name: web]") */
	bool empty_tail : 1; /* a block mapping ending in an empty block scalar ("x: |") */
	bool open_tail : 1;  /* a block mapping ending in a key without ':' ("? x") */
	uint8_t ss;	     /* enum fy_scalar_style */
	uint8_t depth : 7;   /* at most MAX_DEPTH */
	bool tagged : 1;     /* "!tag": Kubernetes reads it otherwise; not edited */
	/* Offsets fit: manifests are at most MAX_MANIFEST bytes. */
	uint32_t start, end; /* byte span; scalars include their quotes; a closed block
			      * collection ends where its last descendant does */
	uint32_t line, col;  /* 1-based */
	uint32_t n;	     /* kids; their room is n rounded up to a power of two (4 at least) */
	union {
		char *val;	  /* scalar: value (processed), NUL-terminated */
		struct yn **kids; /* map: key, value, key, value ...; sequence: items */
	};
};

/* A closed flow collection's: where an entry is appended (after the last entry, else at the
 * closing bracket). Only flow collections have it (after the node). */
_Static_assert(sizeof(struct yn) == 32, "a 4 MiB manifest has ~450,000 nodes");

static inline uint32_t *yn_close(struct yn *n)
{
	return (uint32_t *)(void *)(n + 1);
}

static inline size_t yn_size(const struct yn *n)
{
	return sizeof(*n) + (n->flow && n->t != YN_SCALAR ? sizeof(uint32_t) : 0);
}

/* Nodes and their strings come from one arena per file: a 4 MiB manifest has ~10^5 nodes,
 * and a malloc each dominated the time and doubled the memory. */
struct chunk {
	struct chunk *next;
	size_t used, size;
	uint64_t data[];
};

struct arena {
	struct chunk *head;
};

/* n bytes at the start of a new chunk (sc_arena_alloc_aligned's slow path). */
void *sc_arena_grow(struct arena *a, size_t n);

/* n bytes aligned to 'align' (a power of two, at most 8); NULL on ENOMEM. Inline: a tree of
 * a 4 MiB manifest is 2 million of them. */
static inline void *sc_arena_alloc_aligned(struct arena *a, size_t n, size_t align)
{
	struct chunk *c = a->head;

	if (c) {
		size_t at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->size && c->size - at >= n) {
			c->used = at + n;
			return (char *)c->data + at;
		}
	}
	return sc_arena_grow(a, n);
}

/* n bytes aligned to 8. */
static inline void *sc_arena_alloc(struct arena *a, size_t n)
{
	return sc_arena_alloc_aligned(a, n, 8);
}
void *sc_arena_zalloc(struct arena *a, size_t n);
char *sc_arena_strdup(struct arena *a, const char *s);
void sc_arena_free(struct arena *a);
/* Empty again, keeping one chunk for what comes next. */
void sc_arena_reset(struct arena *a);

static inline struct yn *yn_get(const struct yn *map, const char *key)
{
	if (!map || map->t != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->t == YN_SCALAR && streq(map->kids[i]->val, key))
			return map->kids[i + 1];
	return NULL;
}

static inline struct yn *yn_key(const struct yn *map, const char *key)
{
	if (!map || map->t != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->t == YN_SCALAR && streq(map->kids[i]->val, key))
			return map->kids[i];
	return NULL;
}

static inline const char *yn_str(const struct yn *n)
{
	return n && n->t == YN_SCALAR ? n->val : NULL;
}

static inline bool yn_is_null(const struct yn *n)
{
	if (!n)
		return true;
	if (n->t != YN_SCALAR || n->ss != FYSS_PLAIN)
		return false;
	if (!n->marked || !*n->val)
		return true;
	/* (Every key is asked: the first letter first.) */
	if (n->val[0] == '~')
		return !n->val[1];
	return (n->val[0] == 'n' || n->val[0] == 'N') &&
	       (streq(n->val, "null") || streq(n->val, "Null") || streq(n->val, "NULL"));
}

static inline struct sc_loc yn_loc(const struct yn *n)
{
	return n ? (struct sc_loc){ n->line, n->col } : (struct sc_loc){ 0, 0 };
}

/* Where a closed node ends (a block collection: where its last descendant does). */
static inline size_t yn_end(const struct yn *n)
{
	return n->end;
}

/* A plain true or false. 'false' is what makes a workload restricted: only the spellings
 * Kubernetes' YAML reads as that boolean (false, False, FALSE; "fAlSe" is a string the API
 * server refuses). 'true' marks danger (privileged): any case, to refuse rather than miss. */
static inline bool yn_plain_bool(const struct yn *n, bool want)
{
	const char *s = n && n->t == YN_SCALAR && n->ss == FYSS_PLAIN ? n->val : NULL;
	if (!s)
		return false;
	if (want)
		return strcasecmp(s, "true") == 0;
	/* (A tag, even !!str, may make it no boolean.) */
	return !n->tagged && (streq(s, "false") || streq(s, "False") || streq(s, "FALSE"));
}

/* Parse 'buf' a document at a time: each document's tree is built in a scratch arena and
 * handed to 'doc' with the offset where the document starts (where the "..." ending the one
 * before ends, else its "---", else its first token; the text before the first document's is
 * the first's too) (its nodes go
 * when it returns: 'doc' copies what it keeps). A 'doc' that
 * returns -EINVAL does not stop the parse (its diagnostics stay; the result is -EINVAL), other
 * errors do. Errors as for a parse of the whole stream first: a syntax error anywhere, or text
 * refused (not UTF-8, NUL, duplicate keys, nesting deeper than MAX_DEPTH, a block scalar
 * libfyaml misreads), is the only diagnostic. how->mapped: 'buf' is a private file mapping
 * (mmap), whose pages are given back as they are read past (sc_text_drop). Returns 0, -EINVAL
 * or -ENOMEM. */
struct postree_how {
	bool mapped;
	size_t *ret_merges; /* where the count of mappings with a '<<' key goes (NULL: nowhere) */
};
int sc_postree_parse(const char *buf, size_t len, const struct postree_how *how, struct sc_diags *d,
		     int (*doc)(void *userdata, struct yn *root, size_t doc_start), void *userdata);

/* The whole pages of a file mapping from 'buf' (as mmap returns it, or within it) between
 * 'from' (where the last call for this text stopped, 0 the first time) and 'to', given back
 * (MADV_DONTNEED): read again, they come back from the page cache. A reader of a mapped file so
 * holds the part it reads, not the file. Each call is a page-table walk and, with threads, a
 * TLB flush on every CPU: callers give back in steps of TEXT_DROP_STEP, not per document. */
void sc_text_drop(const char *buf, size_t from, size_t to);
#define TEXT_DROP_STEP (64u << 10)
