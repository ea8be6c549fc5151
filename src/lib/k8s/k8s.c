/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns Kubernetes manifests: reading workloads out of multi-document YAML/JSON with their
 * positions, binding them to policy sets by editing the text (never re-emitting it, so
 * comments, order, quoting and flow style survive), the "restricted" audit, and the agent's
 * own deployment manifests.
 *
 * libfyaml's document API does not expose node positions, so the parser's event stream is
 * turned into a small tree of our own that records byte offsets: scalars know their span
 * (quotes included), flow collections their closing bracket, block collections end where
 * their last descendant ends. Edits are (offset, bytes to delete, text to insert) triples
 * applied in one forward pass. */
#include <dirent.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/install.h"
#include "syscage/k8s.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "base/hash.h"
#include "macro.h"
#include "base/yaml.h"

#define MAX_MANIFEST (256u << 20)
#define MAX_DEPTH    32

#define ANN_POD	      "seccomp.security.alpha.kubernetes.io/pod"
#define ANN_CONTAINER "container.seccomp.security.alpha.kubernetes.io/"

/* ---- the position tree ---------------------------------------------------------------- */

enum yn_type {
	YN_SCALAR,
	YN_MAP,
	YN_SEQ,
	YN_ALIAS
};

/* 32 bytes (10,000 workloads keep 100,000 of them); a flow collection is followed by its
 * 'close' (yn_close). */
struct yn {
	uint8_t t; /* enum yn_type */
	bool flow : 1;
	bool marked : 1;     /* scalar: has a position (an empty value has none) */
	bool anchored : 1;   /* &anchor: editing it would change its aliases too */
	bool had_kids : 1;   /* a closed collection had entries (kept nodes may have fewer) */
	bool colonless : 1;  /* an empty value whose key has no ':' ("{name: web, x}") */
	bool bare : 1;	     /* a one-pair flow mapping without braces ("[name: web]") */
	bool empty_tail : 1; /* a block mapping ending in an empty block scalar ("x: |") */
	uint8_t ss;	     /* enum fy_scalar_style */
	uint8_t depth;	     /* at most MAX_DEPTH */
	/* Offsets fit: manifests are at most MAX_MANIFEST bytes. */
	uint32_t start, end; /* byte span; scalars include their quotes; a closed block
			      * collection ends where its last descendant does */
	uint32_t line, col;  /* 1-based */
	uint32_t n;	     /* kids; their room is n rounded up to a power of two (4 at least) */
	union {
		char *val;	  /* scalar, alias: value (processed), NUL-terminated */
		struct yn **kids; /* map: key, value, key, value ...; sequence: items */
	};
};

/* A closed flow collection's: where an entry is appended (after the last entry, else at the
 * closing bracket). Only flow collections have it (after the node). */
static uint32_t *yn_close(struct yn *n)
{
	return (uint32_t *)(void *)(n + 1);
}

static size_t yn_size(const struct yn *n)
{
	return sizeof(*n) +
	       (n->flow && n->t != YN_SCALAR && n->t != YN_ALIAS ? sizeof(uint32_t) : 0);
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

/* n bytes aligned to 'align' (a power of two, at most 8). */
static void *arena_alloc_aligned(struct arena *a, size_t n, size_t align)
{
	struct chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	void *p;

	if (!c || at > c->size || c->size - at < n) {
		size_t size = n > (256u << 10) ? n : (256u << 10);
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = a->head;
		c->size = size;
		a->head = c;
		at = 0;
	}
	p = (char *)c->data + at;
	c->used = at + n;
	return p;
}

static void *arena_alloc(struct arena *a, size_t n)
{
	return arena_alloc_aligned(a, n, 8);
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
}

/* Empty again, keeping one chunk for what comes next. */
static void arena_reset(struct arena *a)
{
	if (!a->head)
		return;
	while (a->head->next) {
		struct chunk *c = a->head->next;
		a->head->next = c->next;
		free(c);
	}
	a->head->used = 0;
}

static char *arena_strdup(struct arena *a, const char *s)
{
	size_t l;
	char *p;

	if (!s)
		return NULL;
	l = strlen(s) + 1;
	p = arena_alloc_aligned(a, l, 1);
	if (p)
		memcpy(p, s, l);
	return p;
}

static void *arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* What a file keeps once parsed: the workloads' strings and the nodes binding edits (kept
 * from each document's tree, which goes when the next document comes). */
struct sc_k8s_tree {
	struct arena arena;
	/* per workload (parallel to sc_k8s_file.workloads): */
	struct wpos *wp;
};

/* Where a workload's pieces are in the tree. */
struct wpos {
	struct yn *holder;  /* the mapping holding the pod's metadata and spec */
	struct yn *podspec; /* the pod spec mapping */
	struct yn **containers;
	size_t n_containers; /* parallel to sc_k8s_workload.containers */
	bool json;
};

static int yn_add(struct arena *a, struct yn *parent, struct yn *kid)
{
	/* Full at 4, 8, 16, ...: then twice the room. */
	if (parent->n >= 4 && (parent->n & (parent->n - 1)) == 0) {
		struct yn **v = arena_alloc(a, 2 * parent->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, parent->kids, parent->n * sizeof(*v));
		parent->kids = v;
	} else if (parent->n == 0) {
		parent->kids = arena_alloc(a, 4 * sizeof(*parent->kids));
		if (!parent->kids)
			return -ENOMEM;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static struct yn *yn_get(const struct yn *map, const char *key)
{
	if (!map || map->t != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->t == YN_SCALAR && streq(map->kids[i]->val, key))
			return map->kids[i + 1];
	return NULL;
}

static struct yn *yn_key(const struct yn *map, const char *key)
{
	if (!map || map->t != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->t == YN_SCALAR && streq(map->kids[i]->val, key))
			return map->kids[i];
	return NULL;
}

static const char *yn_str(const struct yn *n)
{
	return n && n->t == YN_SCALAR ? n->val : NULL;
}

static bool yn_is_null(const struct yn *n)
{
	if (!n)
		return true;
	if (n->t != YN_SCALAR || n->ss != FYSS_PLAIN)
		return false;
	return !n->marked || !*n->val || streq(n->val, "~") || streq(n->val, "null") ||
	       streq(n->val, "Null") || streq(n->val, "NULL");
}

static struct sc_loc yn_loc(const struct yn *n)
{
	return n ? (struct sc_loc){ n->line, n->col } : (struct sc_loc){ 0, 0 };
}

/* Where a closed node ends (a block collection: where its last descendant does). */
static size_t yn_end(const struct yn *n)
{
	return n->end;
}

struct tb {
	struct arena *arena;
	const char *buf;
	size_t len;
	/* Text refused while building (tree_error): reported alone, as a syntax error is. */
	struct sc_loc err_loc;
	char *err;
	struct yn *stack[MAX_DEPTH + 2];
	unsigned sp;
};

static void mark_start(struct yn *n, struct fy_event *e)
{
	const struct fy_mark *m = fy_event_start_mark(e);
	if (m) {
		n->start = m->input_pos;
		n->line = (unsigned)m->line + 1;
		n->col = (unsigned)m->column + 1;
	}
}

/* An empty value has no position: it sits after the ':' that follows its key. A flow
 * mapping's key may have none ("{name: web, x}"): then right after the key, inside the
 * braces (looking further would find the next key's ':', or one past the closing brace). */
static void place_empty(struct tb *t, struct yn *n, struct yn *parent)
{
	size_t p = parent && parent->n ? parent->kids[parent->n - 1]->end
		   : parent	       ? parent->start
				       : 0;
	if (parent && parent->t == YN_MAP && parent->n % 2 == 1) {
		size_t q = p;
		if (parent->flow) {
			while (q < t->len &&
			       (t->buf[q] == ' ' || t->buf[q] == '\t' || t->buf[q] == '\r' ||
				t->buf[q] == '\n' || (t->buf[q] == '#' && q > p))) {
				if (t->buf[q] == '#')
					while (q < t->len && t->buf[q] != '\n')
						q++;
				else
					q++;
			}
		} else {
			while (q < t->len && t->buf[q] != ':' && t->buf[q] != '\n')
				q++;
		}
		if (q < t->len && t->buf[q] == ':')
			p = q + 1;
		else
			n->colonless = true;
	}
	n->start = n->end = p;
	n->line = parent ? parent->line : 1;
	n->col = parent ? parent->col : 1;
}

static int tree_error(struct tb *t, uint32_t line, uint32_t col, const char *fmt, ...)
	_printf_(4, 5);
static int tree_error(struct tb *t, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	int r;

	free(t->err);
	va_start(ap, fmt);
	r = vasprintf(&t->err, fmt, ap);
	va_end(ap);
	if (r < 0) {
		t->err = NULL;
		return -ENOMEM;
	}
	t->err_loc = (struct sc_loc){ line, col };
	return -EINVAL;
}

static int cmp_key(const void *a, const void *b)
{
	const struct yn *x = *(const struct yn *const *)a, *y = *(const struct yn *const *)b;
	int c = strcmp(x->val, y->val);
	return c ? c : (x->start > y->start) - (x->start < y->start);
}

/* Duplicate keys: the API server's strict decoding refuses them (so does kubectl), and which
 * one a reader takes differs, so neither an audit nor an edit may guess. Small mappings are
 * compared pairwise, large ones (labels, a ConfigMap's data) sorted. */
static int check_duplicates(struct tb *t, const struct yn *map)
{
	cleanup_free const struct yn **keys = NULL;
	size_t n = 0;

	if (map->n < 4)
		return 0;
	if (map->n <= 32) {
		for (size_t i = 2; i + 1 < map->n; i += 2)
			for (size_t j = 0; j < i && map->kids[i]->t == YN_SCALAR; j += 2)
				if (map->kids[j]->t == YN_SCALAR &&
				    streq(map->kids[i]->val, map->kids[j]->val))
					return tree_error(t, map->kids[i]->line, map->kids[i]->col,
							  "duplicate key '%s' (first at line %u)",
							  map->kids[i]->val, map->kids[j]->line);
		return 0;
	}
	keys = calloc(map->n / 2, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->t == YN_SCALAR)
			keys[n++] = map->kids[i];
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (size_t i = 1; i < n; i++)
		if (streq(keys[i - 1]->val, keys[i]->val))
			return tree_error(t, keys[i]->line, keys[i]->col,
					  "duplicate key '%s' (first at line %u)", keys[i]->val,
					  keys[i - 1]->line);
	return 0;
}

/* libfyaml takes a block scalar whose text is indented no deeper than the collection holding
 * it ("  x: |" then "  text"), which YAML (and kubectl) refuse, and reads the lines after as
 * more of its text: refused, at the first such line. */
static int check_block_scalar(struct tb *t, const struct yn *n, const struct yn *parent)
{
	uint32_t indent, line = n->line;
	size_t i = n->start;

	if (!parent || parent->flow || !n->marked ||
	    (n->ss != FYSS_LITERAL && n->ss != FYSS_FOLDED))
		return 0;
	indent = parent->col ? parent->col - 1 : 0;
	/* libfyaml's mark is the start of the first text line; were it on the header, skip it. */
	if (i > 0 && t->buf[i - 1] != '\n') {
		while (i < n->end && t->buf[i] != '\n')
			i++;
		i++;
		line++;
	}
	while (i < n->end) {
		size_t ind = 0;
		while (i + ind < n->end && t->buf[i + ind] == ' ')
			ind++;
		if (i + ind < n->end && t->buf[i + ind] != '\n' && t->buf[i + ind] != '\r' &&
		    ind <= indent)
			return tree_error(t, line, (uint32_t)ind + 1,
					  "a block scalar's text must be indented more than its "
					  "key (column %u): libfyaml would read this line as "
					  "part of it",
					  indent + 1);
		i += ind;
		while (i < n->end && t->buf[i] != '\n')
			i++;
		i++; /* past the '\n' */
		line++;
	}
	return 0;
}

static int tree_event(struct tb *t, struct fy_event *e, struct yn **ret_root)
{
	struct yn *parent = t->sp ? t->stack[t->sp - 1] : NULL;
	struct yn *n;
	bool flow;

	switch (e->type) {
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END: {
		struct yn *c = t->stack[--t->sp];
		int r;
		if (c->flow) {
			const struct fy_mark *s = fy_event_start_mark(e),
					     *en = fy_event_end_mark(e);
			uint32_t bracket = s ? (uint32_t)s->input_pos : c->start;
			c->end = en ? (uint32_t)en->input_pos : bracket;
			*yn_close(c) = c->n ? c->kids[c->n - 1]->end : bracket;
		} else if (c->n) {
			c->end =
				c->kids[c->n - 1]->end; /* closed before it: its own end is final */
		}
		c->had_kids = c->n > 0;
		if (c->flow && c->t == YN_MAP && c->n && t->buf[c->start] != '{') {
			/* The mark may be past a quoted key's quote: from the key on. */
			if (c->kids[0]->start < c->start)
				c->start = c->kids[0]->start, c->col = c->kids[0]->col;
			c->bare = t->buf[c->start] != '{';
		}
		if (c->t == YN_MAP && !c->flow && c->n) {
			const struct yn *l = c->kids[c->n - 1];
			c->empty_tail = l->t == YN_SCALAR &&
					(l->ss == FYSS_LITERAL || l->ss == FYSS_FOLDED) &&
					strspn(l->val, "\n") == strlen(l->val);
		}
		if (c->t == YN_MAP) {
			r = check_duplicates(t, c);
			if (r < 0)
				return r;
		}
		if (t->sp == 0)
			*ret_root = c;
		return 0;
	}
	case FYET_MAPPING_START:
	case FYET_SEQUENCE_START:
	case FYET_SCALAR:
	case FYET_ALIAS:
		break;
	default:
		return 0;
	}
	flow = (e->type == FYET_MAPPING_START || e->type == FYET_SEQUENCE_START) &&
	       fy_event_get_node_style(e) == FYNS_FLOW;
	n = arena_alloc(t->arena, sizeof(*n) + (flow ? sizeof(uint32_t) : 0));
	if (!n)
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	n->depth = t->sp;
	n->anchored = (e->type == FYET_MAPPING_START && e->mapping_start.anchor) ||
		      (e->type == FYET_SEQUENCE_START && e->sequence_start.anchor) ||
		      (e->type == FYET_SCALAR && e->scalar.anchor);
	if (e->type == FYET_SCALAR || e->type == FYET_ALIAS) {
		struct fy_token *tok = e->type == FYET_SCALAR ? e->scalar.value : e->alias.anchor;
		const struct fy_mark *s = fy_event_start_mark(e), *en = fy_event_end_mark(e);
		size_t l = 0;
		const char *txt = tok ? fy_token_get_text(tok, &l) : NULL;
		n->t = e->type == FYET_SCALAR ? YN_SCALAR : YN_ALIAS;
		n->ss = tok && e->type == FYET_SCALAR ? fy_token_scalar_style(tok) : FYSS_PLAIN;
		n->val = arena_alloc(t->arena, (txt ? l : 0) + 1);
		if (!n->val)
			return -ENOMEM;
		if (txt && l)
			memcpy(n->val, txt, l);
		n->val[txt ? l : 0] = '\0';
		if (s && en) {
			n->marked = true;
			mark_start(n, e);
			n->end = en->input_pos;
			/* Marks exclude the quotes; the span includes them. */
			if (n->ss == FYSS_SINGLE_QUOTED || n->ss == FYSS_DOUBLE_QUOTED) {
				if (n->start > 0)
					n->start--, n->col--;
				if (n->end < t->len)
					n->end++;
			}
		} else {
			place_empty(t, n, parent);
		}
		if (n->t == YN_SCALAR) {
			int r = check_block_scalar(t, n, parent);
			if (r < 0)
				return r;
		}
	} else {
		n->t = e->type == FYET_MAPPING_START ? YN_MAP : YN_SEQ;
		n->flow = flow;
		mark_start(n, e);
		n->end = n->start;
		if (flow)
			*yn_close(n) = n->start; /* set when it closes */
	}
	if (parent && yn_add(t->arena, parent, n) < 0)
		return -ENOMEM;
	if (n->t == YN_MAP || n->t == YN_SEQ) {
		if (t->sp >= MAX_DEPTH)
			return -E2BIG;
		t->stack[t->sp++] = n;
	} else if (!parent) {
		*ret_root = n;
	}
	return 0;
}

static int syntax_error(struct fy_diag *diag, struct sc_diags *d)
{
	struct sc_loc loc;
	const char *msg;

	if (sc_yaml_first_error(diag, &loc, &msg))
		return sc_diags_add(d, SC_SEV_ERROR, loc, "syntax error: %s", msg);
	return sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 1, 1 }, "not valid YAML or JSON");
}

static void tree_free(struct sc_k8s_tree *t)
{
	if (!t)
		return;
	arena_free(&t->arena);
	free(t);
}

/* Drop the diagnostics added after the first 'n' (a file that does not parse reports that
 * alone, as when it was parsed whole before its workloads were read). */
static void diags_truncate(struct sc_diags *d, size_t n)
{
	while (d->n > n) {
		struct sc_diag *x = &d->v[--d->n];
		if (x->severity == SC_SEV_ERROR)
			d->n_errors--;
		else if (x->severity == SC_SEV_WARNING)
			d->n_warnings--;
		free(x->file);
		free(x->message);
	}
}

struct rctx {
	struct sc_k8s_file *f;
	struct arena *a; /* the file's: workloads' strings, kept nodes */
	struct sc_diags *d;
	const char *default_ns;
	size_t cap;
	bool json;
	int err; /* -ENOMEM */
	/* Strings already in the arena (kinds, namespaces, labels, images...: 10,000 workloads
	 * repeat a few hundred), open addressing; the parse's only. */
	const char **strs;
	size_t n_strs, cap_strs;
};

/* 's' in the file's arena, shared with every equal string before it (they are never
 * written to nor freed one by one). NULL for NULL, or on ENOMEM (c->err). */
static char *intern(struct rctx *c, const char *s)
{
	size_t slot;
	char *p;

	if (!s)
		return NULL;
	if (2 * (c->n_strs + 1) > c->cap_strs) {
		size_t cap = c->cap_strs ? 2 * c->cap_strs : 256;
		const char **v = calloc(cap, sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			return NULL;
		}
		for (size_t i = 0; i < c->cap_strs; i++) {
			size_t q;
			if (!c->strs[i])
				continue;
			for (q = sc_fnv32_str(c->strs[i]) & (cap - 1); v[q];
			     q = (q + 1) & (cap - 1))
				;
			v[q] = c->strs[i];
		}
		free(c->strs);
		c->strs = v;
		c->cap_strs = cap;
	}
	for (slot = sc_fnv32_str(s) & (c->cap_strs - 1); c->strs[slot];
	     slot = (slot + 1) & (c->cap_strs - 1))
		if (streq(c->strs[slot], s))
			return (char *)c->strs[slot];
	p = arena_strdup(c->a, s);
	if (!p) {
		c->err = -ENOMEM;
		return NULL;
	}
	c->strs[slot] = p;
	c->n_strs++;
	return p;
}

static int collect(struct rctx *c, struct yn *obj, unsigned depth);
static int keep_workloads(struct rctx *c, size_t from);

/* Parse 'buf' a document at a time: each document's tree is built in a scratch arena, its
 * workloads read, the nodes binding needs kept, and the tree dropped (a 4 MiB manifest is
 * ~450,000 nodes; kept whole they took 35 MiB). Errors as for a parse of the whole stream
 * first: a syntax error anywhere is the only diagnostic. */
static int tree_parse(struct rctx *c, const char *buf, size_t len, struct sc_diags *d)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_parser *p;
	struct fy_event *e;
	struct arena scratch = {};
	struct tb tb = { .arena = &scratch, .buf = buf, .len = len };
	struct yn *root = NULL;
	size_t n_diags = d->n;
	bool in_doc = false;
	int r = 0, bad = 0;

	{
		struct sc_loc loc;
		const char *why;
		if (!sc_yaml_text_valid(buf, len, &loc, &why)) {
			r = sc_diags_add(d, SC_SEV_ERROR, loc, "%s", why);
			return r < 0 ? r : -EINVAL;
		}
	}
	diag = sc_yaml_quiet_diag(true);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	p = fy_parser_create(&cfg);
	if (!p || fy_parser_set_string(p, buf, len) < 0) {
		r = -ENOMEM;
		goto out;
	}
	while (r == 0 && (e = fy_parser_parse(p))) {
		if (e->type == FYET_DOCUMENT_START) {
			in_doc = true;
			root = NULL;
			tb.sp = 0;
		} else if (e->type == FYET_DOCUMENT_END && in_doc) {
			if (root) {
				size_t from = c->f->n_workloads;
				c->json = root->flow;
				r = collect(c, root, 0);
				if (r == -EINVAL) {
					bad = r; /* keep reading: report every bad workload */
					r = 0;
				}
				if (r == 0)
					r = keep_workloads(c, from);
			}
			arena_reset(&scratch);
			root = NULL;
			in_doc = false;
		} else if (in_doc) {
			r = tree_event(&tb, e, &root);
			if (r == -E2BIG) {
				diags_truncate(d, n_diags);
				(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 },
						   "nested deeper than %d levels", MAX_DEPTH);
				r = -EINVAL;
			} else if (r == -EINVAL) {
				diags_truncate(d, n_diags);
				if (sc_diags_add(d, SC_SEV_ERROR, tb.err_loc, "%s", tb.err) < 0)
					r = -ENOMEM;
			}
		}
		fy_parser_event_free(p, e);
	}
	if (r == 0 && fy_parser_get_stream_error(p)) {
		diags_truncate(d, n_diags);
		(void)syntax_error(diag, d);
		r = -EINVAL;
	}
out:
	if (p)
		sc_yaml_parser_destroy(p);
	fy_diag_destroy(diag);
	arena_free(&scratch);
	free(tb.err);
	return r < 0 ? r : bad;
}

/* ---- workloads ------------------------------------------------------------------------ */

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A workload's strings, labels and containers live in the file's arena: what is its own is
 * what matching and auditing add. */
static void workload_clear(struct sc_k8s_workload *w)
{
	free(w->profile);
	strv_free(w->findings);
}

struct sc_k8s_file *sc_k8s_file_free(struct sc_k8s_file *f)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n_workloads; i++)
		workload_clear(&f->workloads[i]);
	free(f->workloads);
	if (f->tree)
		free(f->tree->wp);
	tree_free(f->tree);
	free(f->name);
	free(f->text);
	free(f);
	return NULL;
}

static enum sc_k8s_seccomp_type seccomp_type(const char *s)
{
	if (!s)
		return SC_K8S_SECCOMP_UNSET;
	if (streq(s, "RuntimeDefault"))
		return SC_K8S_SECCOMP_RUNTIME_DEFAULT;
	if (streq(s, "Unconfined"))
		return SC_K8S_SECCOMP_UNCONFINED;
	if (streq(s, "Localhost"))
		return SC_K8S_SECCOMP_LOCALHOST;
	return SC_K8S_SECCOMP_INVALID;
}

const char *sc_k8s_seccomp_type_to_string(enum sc_k8s_seccomp_type t)
{
	static const char *const names[] = { "unset", "RuntimeDefault", "Unconfined", "Localhost",
					     "invalid" };
	return (unsigned)t < ELEMENTSOF(names) ? names[t] : "invalid";
}

static int read_seccomp(struct rctx *c, struct yn *sc, struct sc_k8s_seccomp *s)
{
	struct yn *p = yn_get(sc, "seccompProfile");
	struct yn *type = yn_get(p, "type"), *lp = yn_get(p, "localhostProfile");

	if (!p || yn_is_null(p))
		return 0;
	s->loc = yn_loc(p);
	s->type_text = intern(c, yn_is_null(type) ? NULL : yn_str(type));
	s->type = seccomp_type(s->type_text);
	if (type && !yn_is_null(type) && !yn_str(type))
		s->type = SC_K8S_SECCOMP_INVALID;
	if (lp && !yn_is_null(lp)) {
		s->localhost = intern(c, yn_str(lp));
		s->path_loc = yn_loc(lp);
	}
	if ((type && !yn_is_null(type) && yn_str(type) && !s->type_text) ||
	    (lp && !yn_is_null(lp) && yn_str(lp) && !s->localhost))
		return -ENOMEM;
	return 0;
}

static char **read_strv(struct rctx *c, struct yn *seq, bool *bad)
{
	char **v;

	if (!seq || yn_is_null(seq))
		return NULL;
	if (seq->t != YN_SEQ) {
		*bad = true;
		return NULL;
	}
	v = arena_zalloc(c->a, (seq->n + 1) * sizeof(char *));
	if (!v) {
		c->err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < seq->n; i++) {
		const char *s = yn_str(seq->kids[i]);
		v[i] = intern(c, s ? s : "");
		if (!v[i]) {
			c->err = -ENOMEM;
			return NULL;
		}
	}
	return v;
}

static bool plain_bool(const struct yn *n, bool want)
{
	const char *s = n && n->t == YN_SCALAR && n->ss == FYSS_PLAIN ? n->val : NULL;
	return s && strcasecmp(s, want ? "true" : "false") == 0;
}

static int read_container(struct rctx *c, struct yn *n, bool init, struct sc_k8s_container *ct)
{
	struct yn *sc = yn_get(n, "securityContext"), *ape = yn_get(sc, "allowPrivilegeEscalation");
	struct yn *add = yn_get(yn_get(sc, "capabilities"), "add");
	bool bad = false;

	ct->init = init;
	ct->loc = yn_loc(n);
	ct->name = intern(c, yn_str(yn_get(n, "name")));
	ct->image = intern(c, yn_str(yn_get(n, "image")));
	ct->command = read_strv(c, yn_get(n, "command"), &bad);
	ct->args = read_strv(c, yn_get(n, "args"), &bad);
	if ((yn_str(yn_get(n, "name")) && !ct->name) ||
	    (yn_str(yn_get(n, "image")) && !ct->image) || c->err)
		return -ENOMEM;
	if (bad)
		return sc_diags_add(c->d, SC_SEV_ERROR, ct->loc,
				    "container %s: command and args must be lists",
				    ct->name ? ct->name : "?") < 0
			       ? -ENOMEM
			       : -EINVAL;
	ct->allow_privilege_escalation = !ape || yn_is_null(ape)  ? -1
					 : plain_bool(ape, false) ? 0
								  : 1;
	ct->privileged = plain_bool(yn_get(sc, "privileged"), true);
	for (size_t i = 0; add && add->t == YN_SEQ && i < add->n; i++) {
		const char *cap = yn_str(add->kids[i]);
		if (cap && (streq(cap, "SYS_ADMIN") || streq(cap, "CAP_SYS_ADMIN")))
			ct->privileged = true;
	}
	return read_seccomp(c, sc, &ct->seccomp);
}

static int read_labels(struct rctx *c, struct yn *map, struct sc_k8s_workload *w)
{
	size_t n = 0;

	if (!map || map->t != YN_MAP)
		return 0;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		n += yn_str(map->kids[i]) && yn_str(map->kids[i + 1]);
	w->labels = arena_zalloc(c->a, (n + 1) * sizeof(*w->labels));
	if (!w->labels)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const char *k = yn_str(map->kids[i]), *v = yn_str(map->kids[i + 1]);
		if (!k || !v)
			continue;
		w->labels[w->n_labels].key = intern(c, k);
		w->labels[w->n_labels].value = intern(c, v);
		w->n_labels++;
		if (!w->labels[w->n_labels - 1].key || !w->labels[w->n_labels - 1].value)
			return -ENOMEM;
	}
	return 0;
}

static int add_workload(struct rctx *c, struct yn *obj, const char *kind)
{
	struct sc_k8s_file *f = c->f;
	struct sc_k8s_workload *w;
	struct wpos *wp;
	struct yn *meta = yn_get(obj, "metadata"), *holder, *podspec, *ann;
	struct yn *lists[2];
	const char *ns = yn_str(yn_get(meta, "namespace"));
	size_t nc = 0;
	int r;

	if (streq(kind, "Pod"))
		holder = obj;
	else if (streq(kind, "CronJob"))
		holder = yn_get(yn_get(yn_get(yn_get(obj, "spec"), "jobTemplate"), "spec"),
				"template");
	else
		holder = yn_get(yn_get(obj, "spec"), "template");
	podspec = yn_get(holder, "spec");

	if (f->n_workloads == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct sc_k8s_workload *v = reallocarray(f->workloads, cap, sizeof(*v));
		struct wpos *pv = reallocarray(f->tree->wp, cap, sizeof(*pv));
		if (v)
			f->workloads = v;
		if (pv)
			f->tree->wp = pv;
		if (!v || !pv)
			return -ENOMEM;
		c->cap = cap;
	}
	w = &f->workloads[f->n_workloads];
	wp = &f->tree->wp[f->n_workloads];
	memset(w, 0, sizeof(*w));
	memset(wp, 0, sizeof(*wp));
	f->n_workloads++;
	w->file = f->name;
	w->loc = yn_loc(obj);
	w->kind = intern(c, kind);
	w->name = arena_strdup(c->a,
			       yn_str(yn_get(meta, "name")) ? yn_str(yn_get(meta, "name")) : "");
	w->namespace = intern(c, ns && *ns ? ns : c->default_ns);
	if (!w->kind || !w->name || !w->namespace)
		return -ENOMEM;
	wp->holder = holder;
	wp->podspec = podspec;
	wp->json = c->json;
	if (!podspec || podspec->t != YN_MAP) {
		static const char *const where[] = { "spec", "spec.template.spec",
						     "spec.jobTemplate.spec.template.spec" };
		unsigned k = streq(kind, "Pod") ? 0 : streq(kind, "CronJob") ? 2 : 1;
		r = sc_diags_add(c->d, SC_SEV_ERROR, w->loc, "%s %s/%s: %s is %s", kind,
				 w->namespace, w->name, where[k],
				 podspec ? "not a mapping" : "missing");
		return r < 0 ? r : -EINVAL;
	}
	if (holder->t != YN_MAP)
		return -EINVAL;
	r = read_labels(c, yn_get(yn_get(holder, "metadata"), "labels"), w);
	if (r < 0)
		return r;
	r = read_seccomp(c, yn_get(podspec, "securityContext"), &w->pod_seccomp);
	if (r < 0)
		return r;
	ann = yn_get(yn_get(holder, "metadata"), "annotations");
	if (yn_str(yn_get(ann, ANN_POD))) {
		w->legacy_pod = intern(c, yn_str(yn_get(ann, ANN_POD)));
		w->legacy_pod_loc = yn_loc(yn_get(ann, ANN_POD));
		if (!w->legacy_pod)
			return -ENOMEM;
	}
	lists[0] = yn_get(podspec, "initContainers");
	lists[1] = yn_get(podspec, "containers");
	for (unsigned k = 0; k < 2; k++) {
		if (lists[k] && !yn_is_null(lists[k]) && lists[k]->t != YN_SEQ) {
			r = sc_diags_add(c->d, SC_SEV_ERROR, yn_loc(lists[k]),
					 "%s %s/%s: %s must be a list", kind, w->namespace, w->name,
					 k ? "containers" : "initContainers");
			return r < 0 ? r : -EINVAL;
		}
		nc += lists[k] && lists[k]->t == YN_SEQ ? lists[k]->n : 0;
	}
	w->containers = arena_zalloc(c->a, (nc ? nc : 1) * sizeof(*w->containers));
	wp->containers = arena_zalloc(c->a, (nc ? nc : 1) * sizeof(*wp->containers));
	if (!w->containers || !wp->containers)
		return -ENOMEM;
	for (unsigned k = 0; k < 2; k++)
		for (size_t i = 0; lists[k] && lists[k]->t == YN_SEQ && i < lists[k]->n; i++) {
			struct yn *cn = lists[k]->kids[i];
			struct sc_k8s_container *ct = &w->containers[w->n_containers];
			if (cn->t != YN_MAP) {
				r = sc_diags_add(c->d, SC_SEV_ERROR, yn_loc(cn),
						 "%s %s/%s: a container must be a mapping", kind,
						 w->namespace, w->name);
				return r < 0 ? r : -EINVAL;
			}
			wp->containers[w->n_containers] = cn;
			w->n_containers++;
			wp->n_containers++;
			r = read_container(c, cn, k == 0, ct);
			if (r < 0)
				return r;
			if (ct->name) {
				cleanup_free char *key = NULL;
				struct yn *v;
				if (asprintf(&key, ANN_CONTAINER "%s", ct->name) < 0)
					return -ENOMEM;
				v = yn_get(ann, key);
				if (yn_str(v)) {
					ct->legacy = intern(c, yn_str(v));
					ct->legacy_loc = yn_loc(v);
					if (!ct->legacy)
						return -ENOMEM;
				}
			}
		}
	return 0;
}

static bool is_workload_kind(const char *k)
{
	static const char *const kinds[] = { "Pod",	   "Deployment", "StatefulSet", "DaemonSet",
					     "ReplicaSet", "Job",	 "CronJob" };
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
		if (streq(k, kinds[i]))
			return true;
	return false;
}

static int collect(struct rctx *c, struct yn *obj, unsigned depth)
{
	const char *kind = yn_str(yn_get(obj, "kind"));
	size_t kl = kind ? strlen(kind) : 0;
	int r;

	if (!kind || obj->t != YN_MAP)
		return 0;
	if (kl >= 4 && streq(kind + kl - 4, "List")) {
		struct yn *items = yn_get(obj, "items");
		int ret = 0;
		if (depth > 4 || !items || items->t != YN_SEQ)
			return 0;
		for (size_t i = 0; i < items->n; i++) {
			r = collect(c, items->kids[i], depth + 1);
			if (r == -ENOMEM)
				return r;
			if (r < 0)
				ret = r;
		}
		return ret;
	}
	if (!is_workload_kind(kind))
		return 0;
	return add_workload(c, obj, kind);
}

/* What binding reads below a node once the file is parsed (bind_one, ensure): only these
 * keys of a mapping, each with what is read below its value ('below' NULL: all of it). A
 * node that is not the mapping expected is kept whole, as is what it holds. */
struct keep {
	const char *key;
	const struct keep *below;
};

static const struct keep keep_profile[] = { { "type", NULL }, { "localhostProfile", NULL }, {} };
static const struct keep keep_pod_sc[] = { { "seccompProfile", keep_profile }, {} };
static const struct keep keep_podspec[] = { { "securityContext", keep_pod_sc }, {} };
static const struct keep keep_caps[] = { { "drop", NULL }, {} };
static const struct keep keep_ct_sc[] = { { "allowPrivilegeEscalation", NULL },
					  { "seccompProfile", keep_profile },
					  { "capabilities", keep_caps },
					  {} };
static const struct keep keep_container[] = { { "securityContext", keep_ct_sc }, {} };
static const struct keep keep_meta[] = { { "annotations", NULL }, {} };
static const struct keep keep_holder[] = { { "metadata", keep_meta }, {} };

static const struct keep *keep_key(const struct yn *key, const struct keep *k)
{
	if (key->t != YN_SCALAR)
		return NULL;
	for (; k->key; k++)
		if (streq(key->val, k->key))
			return k;
	return NULL;
}

/* A copy of 'n' in arena 'a' with what 'k' says is read below it. Its header is the
 * original's (span, where entries are appended, had_kids), so text edits land where they
 * did. NULL on ENOMEM (*err). */
static struct yn *keep_node(struct arena *a, const struct yn *n, const struct keep *k, int *err)
{
	struct yn *c;
	size_t m = 0;

	if (!n || *err)
		return NULL;
	c = arena_alloc(a, yn_size(n));
	if (!c)
		goto nomem;
	memcpy(c, n, yn_size(n));
	if (n->t == YN_SCALAR || n->t == YN_ALIAS) {
		c->val = arena_strdup(a, n->val);
		if (!c->val)
			goto nomem;
		return c;
	}
	if (n->t != YN_MAP)
		k = NULL;
	c->n = 0;
	c->kids = NULL;
	for (size_t i = 0; i < n->n; i++)
		m += !k || (i % 2 == 0 && i + 1 < n->n && keep_key(n->kids[i], k)) ? (k ? 2 : 1)
										   : 0;
	if (m == 0)
		return c;
	c->kids = arena_alloc(a, m * sizeof(*c->kids)); /* never grows again */
	if (!c->kids)
		goto nomem;
	for (size_t i = 0; i < n->n; i++) {
		const struct keep *kk = NULL;
		if (k) {
			struct yn *key;
			if (i % 2 || i + 1 >= n->n || !(kk = keep_key(n->kids[i], k)))
				continue;
			/* The key's text is the rule's (equal): no copy. */
			key = arena_alloc(a, sizeof(*key));
			if (!key)
				goto nomem;
			*key = *n->kids[i];
			key->val = (char *)kk->key;
			c->kids[c->n++] = key;
			c->kids[c->n++] = keep_node(a, n->kids[++i], kk->below, err);
		} else {
			c->kids[c->n++] = keep_node(a, n->kids[i], NULL, err);
		}
	}
	return *err ? NULL : c;
nomem:
	*err = -ENOMEM;
	return NULL;
}

/* Keep what binding needs of the workloads found since 'from' (their document's tree goes). */
static int keep_workloads(struct rctx *c, size_t from)
{
	int err = 0;

	for (size_t i = from; i < c->f->n_workloads && !err; i++) {
		struct wpos *wp = &c->f->tree->wp[i];
		wp->holder = keep_node(c->a, wp->holder, keep_holder, &err);
		wp->podspec = keep_node(c->a, wp->podspec, keep_podspec, &err);
		for (size_t k = 0; k < wp->n_containers; k++)
			wp->containers[k] =
				keep_node(c->a, wp->containers[k], keep_container, &err);
	}
	return err;
}

/* sc_k8s_file_parse on a buffer of len + 1 bytes (NUL-terminated) it takes over. */
static int file_parse_owned(char *buf, size_t len, const char *name, const char *default_ns,
			    struct sc_diags *d, struct sc_k8s_file **ret)
{
	struct sc_k8s_file *f = calloc(1, sizeof(*f));
	struct rctx c = { .f = f, .d = d, .default_ns = default_ns ? default_ns : "default" };
	const char *saved = d->file;
	int r;

	if (!f) {
		free(buf);
		return -ENOMEM;
	}
	f->text = buf;
	f->len = len;
	if (len > MAX_MANIFEST) {
		sc_k8s_file_free(f);
		return -EFBIG;
	}
	f->name = strdup(name ? name : "<stdin>");
	f->tree = calloc(1, sizeof(*f->tree));
	if (!f->name || !f->tree) {
		sc_k8s_file_free(f);
		return -ENOMEM;
	}
	c.a = &f->tree->arena;
	d->file = f->name;
	r = tree_parse(&c, f->text, len, d);
	free(c.strs);
	d->file = saved;
	if (r < 0) {
		sc_k8s_file_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

int sc_k8s_file_parse(const char *buf, size_t len, const char *name, const char *default_ns,
		      struct sc_diags *d, struct sc_k8s_file **ret)
{
	char *text;

	if (len > MAX_MANIFEST)
		return -EFBIG;
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	return file_parse_owned(text, len, name, default_ns, d, ret);
}

void sc_k8s_files_free(struct sc_k8s_file **f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		sc_k8s_file_free(f[i]);
	free(f);
}

struct flist {
	char **v;
	size_t n;
};

static bool manifest_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (streq(dot, ".yaml") || streq(dot, ".yml") || streq(dot, ".json"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, unsigned depth, struct flist *l)
{
	cleanup_free char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *dp;
	struct dirent *de;
	int r = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = reallocarray(names, cap ? cap * 2 : 16, sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			names = v;
			cap = cap ? cap * 2 : 16;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	(void)closedir(dp);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;
		if (r == 0 && asprintf(&path, "%s/%s", dir, names[i]) < 0)
			r = -ENOMEM;
		if (r == 0 && lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				r = walk(path, depth + 1, l);
			} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
				   manifest_ext(names[i])) {
				char **v = reallocarray(l->v, l->n + 1, sizeof(*v));
				if (!v) {
					r = -ENOMEM;
				} else {
					l->v = v;
					l->v[l->n++] = TAKE_PTR(path);
				}
			}
		}
		free(path);
		free(names[i]);
	}
	return r;
}

int sc_k8s_files_read(const char *path, const char *default_ns, struct sc_diags *d,
		      struct sc_k8s_file ***ret, size_t *ret_n)
{
	struct flist l = {};
	struct sc_k8s_file **files = NULL;
	size_t nf = 0;
	struct stat st;
	int r = 0, bad = 0;

	if (!streq(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* "dir/" names its files "dir/x.yaml", not "dir//x.yaml". */
		cleanup_free char *dir = strdup(path);
		size_t dl = dir ? strlen(dir) : 0;
		while (dl > 1 && dir[dl - 1] == '/')
			dir[--dl] = '\0';
		r = dir ? walk(dir, 0, &l) : -ENOMEM;
	} else {
		l.v = calloc(1, sizeof(char *));
		if (!l.v || !(l.v[0] = strdup(path)))
			r = -ENOMEM;
		else
			l.n = 1;
	}
	if (r == 0) {
		files = calloc(l.n + 1, sizeof(*files));
		if (!files)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		cleanup_free char *buf = NULL;
		size_t len = 0;
		r = sc_read_file(l.v[i], MAX_MANIFEST, &buf, &len);
		if (r < 0) {
			const char *saved = d->file;
			d->file = l.v[i];
			(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 },
					   "cannot read: %s", strerror(-r));
			d->file = saved;
			r = -EINVAL;
			break;
		}
		/* The text is the buffer read (shrunk to fit), not a copy. */
		if (len > MAX_MANIFEST) {
			r = -EFBIG;
		} else {
			char *fit = realloc(buf, len + 1);
			r = file_parse_owned(fit ? fit : buf, len,
					     streq(l.v[i], "-") ? "<stdin>" : l.v[i], default_ns, d,
					     &files[nf]);
			buf = NULL;
		}
		if (r == -EINVAL) {
			bad = r;
			r = 0;
		} else if (r == 0) {
			nf++;
		}
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (r == 0)
		r = bad;
	if (r < 0) {
		sc_k8s_files_free(files, nf);
		return r;
	}
	*ret = files;
	*ret_n = nf;
	return 0;
}

/* ---- matching ------------------------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_ref(struct sc_diags *d, const char *file, const char *what, const char *path,
		     struct sc_loc loc, const char *root, char **produced, size_t np)
{
	size_t rl = strlen(root);
	const char *saved = d->file;
	int r = 0;

	d->file = file;
	if (!path || !*path) {
		r = sc_diags_add(d, SC_SEV_ERROR, loc,
				 "%s: type Localhost without localhostProfile", what);
		r = r < 0 ? r : -EINVAL;
	} else if (strncmp(path, root, rl) == 0 && path[rl] == '/') {
		if (!bsearch(&path, produced, np, sizeof(char *), cmp_cstr)) {
			r = sc_diags_add(d, SC_SEV_ERROR, loc,
					 "%s: profile '%s' is not produced by the policies or "
					 "bindings (a pod that references a missing profile never "
					 "starts)",
					 what, path);
			r = r < 0 ? r : -EINVAL;
		}
	} else {
		r = sc_diags_add(d, SC_SEV_WARNING, loc,
				 "%s: profile '%s' is outside '%s/': syscage does not install "
				 "it; make sure every node has it",
				 what, path, root);
	}
	d->file = saved;
	return r;
}

static int check_refs(struct sc_k8s_workload *w, struct sc_diags *d, const char *root,
		      char **produced, size_t np)
{
	cleanup_free char *what = NULL;
	int r, ret = 0;

	if (asprintf(&what, "%s %s/%s", w->kind, w->namespace, w->name) < 0)
		return -ENOMEM;
#define CHECK(path, loc)                                                        \
	do {                                                                    \
		r = check_ref(d, w->file, what, path, loc, root, produced, np); \
		if (r == -ENOMEM)                                               \
			return r;                                               \
		if (r < 0)                                                      \
			ret = r;                                                \
	} while (0)
	if (w->pod_seccomp.type == SC_K8S_SECCOMP_LOCALHOST)
		CHECK(w->pod_seccomp.localhost,
		      w->pod_seccomp.localhost ? w->pod_seccomp.path_loc : w->pod_seccomp.loc);
	if (w->legacy_pod && strncmp(w->legacy_pod, "localhost/", 10) == 0)
		CHECK(w->legacy_pod + 10, w->legacy_pod_loc);
	for (size_t i = 0; i < w->n_containers; i++) {
		struct sc_k8s_container *c = &w->containers[i];
		if (c->seccomp.type == SC_K8S_SECCOMP_LOCALHOST)
			CHECK(c->seccomp.localhost,
			      c->seccomp.localhost ? c->seccomp.path_loc : c->seccomp.loc);
		if (c->legacy && strncmp(c->legacy, "localhost/", 10) == 0)
			CHECK(c->legacy + 10, c->legacy_loc);
	}
#undef CHECK
	return ret;
}

/* The path a workload bound earlier keeps: its pod's Localhost profile, when it is one the
 * agent may install for it (<root>/<its namespace>/<a valid file>). Bound pods reference it,
 * so it never moves, even when it has a name an older syscage gave it. */
static const char *adopted_path(const struct sc_k8s_workload *w, const char *root)
{
	struct sc_binding b = { .namespace = w->namespace, .profile = w->pod_seccomp.localhost };
	const char *why;

	if (w->pod_seccomp.type != SC_K8S_SECCOMP_LOCALHOST || !w->pod_seccomp.localhost)
		return NULL;
	return sc_binding_profile_check(&b, root, &why) == 0 ? w->pod_seccomp.localhost : NULL;
}

/* What the agent installs from these policies and bindings, sorted: every policy set's own
 * profile, every binding's path, and the paths bound now. */
static int produced_paths(const struct sc_policy_build *b, struct sc_k8s_file **files, size_t n,
			  const char *root, char ***ret, size_t *ret_n)
{
	size_t cap = b->n_sets + b->n_bindings + 1, np = 0;
	char **v;

	for (size_t i = 0; i < n; i++)
		cap += files[i]->n_workloads;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_sets; i++)
		if (!b->sets[i].n_workloads &&
		    asprintf(&v[np++], "%s/%s", root, b->sets[i].path) < 0)
			goto fail;
	for (size_t i = 0; i < b->n_bindings; i++)
		if (!(v[np++] = strdup(b->bindings[i].profile)))
			goto fail;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++)
			if (files[i]->workloads[j].profile &&
			    !(v[np++] = strdup(files[i]->workloads[j].profile)))
				goto fail;
	qsort(v, np, sizeof(*v), cmp_cstr);
	*ret = v;
	*ret_n = np;
	return 0;
fail:
	for (size_t i = 0; i < np; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

struct bound {
	const char *path;
	const struct sc_k8s_workload *w;
};

static int cmp_bound(const void *a, const void *b)
{
	return strcmp(((const struct bound *)a)->path, ((const struct bound *)b)->path);
}

static bool same_workload(const struct sc_k8s_workload *w, const struct sc_binding *b)
{
	return streq(w->namespace, b->namespace) && streq(w->kind, b->kind) &&
	       streq(w->name, b->name);
}

/* The policy build's bindings by profile path, ties in their order. */
static int cmp_binding_at(const void *a, const void *b, void *ud)
{
	const struct sc_binding *v = ud;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x].profile, v[y].profile);
	return c ? c : (x > y) - (x < y);
}

/* Two workloads on one path, here or in the bindings the policies directory holds, would
 * install one profile for both: an error at the second one. */
static int check_paths(struct sc_k8s_file **files, size_t n, const struct sc_policy_build *b,
		       struct sc_diags *d)
{
	size_t nb = 0, cap = 1;
	cleanup_free struct bound *v = NULL;
	cleanup_free size_t *byp = calloc(b->n_bindings + 1, sizeof(*byp));
	const char *saved = d->file;
	int ret = 0;

	/* (The bindings file `k8s bind --bindings` wrote last time is usually among the
	 * policies: 10,000 bindings, looked up by path, not scanned per workload.) */
	if (!byp)
		return -ENOMEM;
	for (size_t k = 0; k < b->n_bindings; k++)
		byp[k] = k;
	qsort_r(byp, b->n_bindings, sizeof(*byp), cmp_binding_at, b->bindings);

	for (size_t i = 0; i < n; i++)
		cap += files[i]->n_workloads;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++)
			if (files[i]->workloads[j].profile)
				v[nb++] = (struct bound){ files[i]->workloads[j].profile,
							  &files[i]->workloads[j] };
	qsort(v, nb, sizeof(*v), cmp_bound);
	for (size_t i = 0; i < nb; i++) {
		const struct sc_k8s_workload *w = v[i].w, *o = i ? v[i - 1].w : NULL;
		if (o && streq(v[i - 1].path, v[i].path)) {
			d->file = w->file;
			(void)sc_diags_add(d, SC_SEV_ERROR, w->loc,
					   "%s %s/%s would share profile %s with %s %s/%s (%s:%u): "
					   "give one of them its own seccompProfile or none",
					   w->kind, w->namespace, w->name, v[i].path, o->kind,
					   o->namespace, o->name, o->file, o->loc.line);
			ret = -EINVAL;
		}
		size_t lo = 0, hi = b->n_bindings;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(b->bindings[byp[mid]].profile, v[i].path) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t q = lo, k;
		     q < b->n_bindings && streq(b->bindings[k = byp[q]].profile, v[i].path); q++)
			if (!same_workload(w, &b->bindings[k])) {
				d->file = w->file;
				(void)sc_diags_add(
					d, SC_SEV_ERROR, w->loc,
					"%s %s/%s would be bound to %s, which the binding "
					"of %s %s/%s in %s holds",
					w->kind, w->namespace, w->name, v[i].path,
					b->bindings[k].kind, b->bindings[k].namespace,
					b->bindings[k].name, b->binding_files[k]);
				ret = -EINVAL;
			}
	}
	d->file = saved;
	return ret;
}

/* A KubeArmor policy of a namespace these manifests have that selects none of their
 * workloads: a note at the policy (a typo in a label is the usual reason). */
static int note_unused(struct sc_k8s_file **files, size_t n, const struct sc_policy_build *b,
		       struct sc_diags *d)
{
	cleanup_free bool *used = calloc(b->n_policies + 1, sizeof(bool));
	cleanup_free const char **nss = NULL;
	const char *saved = d->file;
	size_t nw = 0, nn = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_sets; i++)
		for (size_t k = 0; b->sets[i].n_workloads && k < b->sets[i].n_policies; k++)
			used[b->sets[i].policies[k]] = true;
	/* The namespaces these manifests have, sorted, for a look-up per policy. */
	for (size_t f = 0; f < n; f++)
		nw += files[f]->n_workloads;
	nss = calloc(nw + 1, sizeof(*nss));
	if (!nss)
		return -ENOMEM;
	for (size_t f = 0; f < n; f++)
		for (size_t j = 0; j < files[f]->n_workloads; j++)
			nss[nn++] = files[f]->workloads[j].namespace;
	qsort(nss, nn, sizeof(*nss), cmp_cstr);
	for (size_t i = 0; i < b->n_policies; i++) {
		const struct sc_policy *p = &b->policies[i];
		if (used[i] || !p->selects || p->profile->meta.baseline)
			continue;
		if (!nn || !bsearch(&p->namespace, nss, nn, sizeof(*nss), cmp_cstr))
			continue;
		d->file = p->file;
		if (sc_diags_add(d, SC_SEV_NOTE, p->profile->loc,
				 "KubeArmorSeccompPolicy %s/%s selects none of these workloads "
				 "(check its selector against their pod-template labels)",
				 p->namespace, p->name) < 0) {
			d->file = saved;
			return -ENOMEM;
		}
	}
	d->file = saved;
	return 0;
}

int sc_k8s_match(struct sc_k8s_file **files, size_t n, struct sc_policy_build *b, const char *root,
		 struct sc_diags *d, size_t *ret_unmatched)
{
	cleanup_free struct sc_binding *wl = NULL;
	char **produced = NULL;
	size_t nw = 0, k = 0, np = 0, unmatched = 0;
	int r, ret = 0;

	for (size_t i = 0; i < n; i++)
		nw += files[i]->n_workloads;
	wl = calloc(nw + 1, sizeof(*wl));
	if (!wl)
		return -ENOMEM;
	/* Borrowed views: sc_policy_build_sets only reads them. Planned at the rule's path;
	 * a workload bound earlier keeps its own (below). */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++, k++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			wl[k] = (struct sc_binding){ .namespace = w->namespace,
						     .kind = w->kind,
						     .name = w->name,
						     .labels = w->labels,
						     .n_labels = w->n_labels,
						     .loc = w->loc };
		}
	r = sc_policy_build_sets(b, wl, nw, d);
	if (r < 0)
		return r;
	k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++, k++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			ssize_t s = b->workload_set ? b->workload_set[k] : -1;
			const char *keep = adopted_path(w, root);
			free(w->profile);
			w->profile = NULL;
			w->set = s;
			if (s < 0) {
				unmatched++;
				continue;
			}
			if (keep)
				w->profile = strdup(keep);
			else if (asprintf(&w->profile, "%s/%s", root, b->sets[s].path) < 0)
				w->profile = NULL;
			if (!w->profile)
				return -ENOMEM;
		}
	ret = check_paths(files, n, b, d);
	if (ret == -ENOMEM)
		return ret;
	r = note_unused(files, n, b, d);
	if (r < 0)
		return r;
	r = produced_paths(b, files, n, root, &produced, &np);
	if (r < 0)
		return r;
	/* References binding leaves alone must point at profiles the agent installs. */
	for (size_t i = 0; i < n && ret != -ENOMEM; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			if (w->profile)
				continue;
			r = check_refs(w, d, root, produced, np);
			if (r == -ENOMEM || (r < 0 && ret == 0))
				ret = r;
		}
	for (size_t i = 0; i < np; i++)
		free(produced[i]);
	free(produced);
	if (ret_unmatched)
		*ret_unmatched = unmatched;
	return ret;
}

int sc_k8s_bindings(struct sc_k8s_file **files, size_t n, char **ret)
{
	cleanup_free struct sc_binding *v = NULL;
	size_t nb = 0, cap = 1;

	for (size_t i = 0; i < n; i++)
		cap += files[i]->n_workloads;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* Borrowed views again: the writer only reads them. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++) {
			const struct sc_k8s_workload *w = &files[i]->workloads[j];
			if (!w->profile)
				continue;
			v[nb++] = (struct sc_binding){ .namespace = w->namespace,
						       .kind = w->kind,
						       .name = w->name,
						       .labels = w->labels,
						       .n_labels = w->n_labels,
						       .profile = w->profile };
		}
	return sc_bindings_write(v, nb, ret);
}

/* ---- binding: edits ------------------------------------------------------------------- */

/* Offsets fit in 32 bits: manifests are at most MAX_MANIFEST bytes. */
struct edit {
	uint32_t pos, del;
	uint32_t depth; /* inner mappings' insertions go before outer ones at one offset */
	uint32_t seq;
	size_t text; /* offset of its text in ectx.texts */
	size_t text_len;
};

struct ectx {
	const char *buf;
	size_t len;
	struct edit *v;
	size_t n, cap;
	char *texts; /* every edit's text, one after the other (10,000 workloads: 40,000 edits) */
	size_t texts_len, texts_cap;
	bool json;
	struct sc_diags *d;
	const char *what;
	bool crlf; /* the file's lines end in CR LF */
	bool eof_newline;
	int err;
};

static void ectx_add(struct ectx *e, size_t pos, size_t del, unsigned depth, char *text)
{
	if (!text) {
		e->err = -ENOMEM;
		return;
	}
	if (e->crlf && strchr(text, '\n')) {
		/* Keep a CRLF file CRLF. */
		size_t nl = 0, l = strlen(text);
		char *t2, *q;
		for (const char *c = text; *c; c++)
			nl += *c == '\n';
		t2 = malloc(l + nl + 1);
		if (!t2) {
			free(text);
			e->err = -ENOMEM;
			return;
		}
		q = t2;
		for (const char *c = text; *c; c++) {
			if (*c == '\n')
				*q++ = '\r';
			*q++ = *c;
		}
		*q = '\0';
		free(text);
		text = t2;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct edit *v = reallocarray(e->v, cap, sizeof(*v));
		if (!v) {
			free(text);
			e->err = -ENOMEM;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	{
		size_t tl = strlen(text);
		if (e->texts_cap - e->texts_len < tl) {
			size_t cap = e->texts_cap ? e->texts_cap : 4096;
			char *t;
			while (cap - e->texts_len < tl)
				cap *= 2;
			t = realloc(e->texts, cap);
			if (!t) {
				free(text);
				e->err = -ENOMEM;
				return;
			}
			e->texts = t;
			e->texts_cap = cap;
		}
		memcpy(e->texts + e->texts_len, text, tl);
		e->v[e->n] = (struct edit){ (uint32_t)pos,  (uint32_t)del, depth,
					    (uint32_t)e->n, e->texts_len,  tl };
		e->texts_len += tl;
		free(text);
	}
	e->n++;
}

static void ectx_error(struct ectx *e, const struct yn *n, const char *msg)
{
	if (sc_diags_add(e->d, SC_SEV_ERROR, yn_loc(n), "%s: %s", e->what, msg) < 0)
		e->err = -ENOMEM;
	else if (!e->err)
		e->err = -EINVAL;
}

enum kv_kind {
	KV_MAP,
	KV_STR,
	KV_FALSE,
	KV_DROP_ALL
};

/* A piece of YAML to make true: key -> string, false, [ALL] or a mapping of more. */
struct kv {
	const char *key;
	enum kv_kind kind;
	const char *str;
	const struct kv *kids;
	size_t n;
	bool only_update; /* change it where it is; do not add it */
};

static bool plain_safe(const char *s)
{
	if (!*s || strchr("-?:,[]{}#&*!|>'\"%@`~ ", s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._/-", *p)))
			return false;
	return !streq(s, "true") && !streq(s, "false") && !streq(s, "null") && !streq(s, "y") &&
	       !streq(s, "n") && strspn(s, "0123456789.") != strlen(s);
}

static void put_str(FILE *f, const char *s, bool quote)
{
	if (!quote && plain_safe(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_flow(FILE *f, const struct kv *kv, bool json);

static void put_flow_value(FILE *f, const struct kv *kv, bool json)
{
	switch (kv->kind) {
	case KV_STR:
		put_str(f, kv->str, json);
		break;
	case KV_FALSE:
		fputs("false", f);
		break;
	case KV_DROP_ALL:
		fputs(json ? "[\"ALL\"]" : "[ALL]", f);
		break;
	case KV_MAP:
		fputc('{', f);
		for (size_t i = 0, k = 0; i < kv->n; i++) {
			if (kv->kids[i].only_update)
				continue;
			fputs(k++ ? ", " : "", f);
			put_flow(f, &kv->kids[i], json);
		}
		fputc('}', f);
		break;
	}
}

static void put_flow(FILE *f, const struct kv *kv, bool json)
{
	put_str(f, kv->key, json);
	fputs(": ", f);
	put_flow_value(f, kv, json);
}

static void put_block(FILE *f, const struct kv *kv, unsigned indent)
{
	fprintf(f, "%*s", (int)indent, "");
	put_str(f, kv->key, false);
	fputc(':', f);
	if (kv->kind != KV_MAP) {
		fputc(' ', f);
		put_flow_value(f, kv, false);
		fputc('\n', f);
		return;
	}
	fputc('\n', f);
	for (size_t i = 0; i < kv->n; i++)
		if (!kv->kids[i].only_update)
			put_block(f, &kv->kids[i], indent + 2);
}

/* Would rendering 'kv' write anything? Children marked only_update are never added. */
static bool kv_has_content(const struct kv *kv)
{
	if (kv->kind != KV_MAP)
		return true;
	for (size_t i = 0; i < kv->n; i++)
		if (!kv->kids[i].only_update && kv_has_content(&kv->kids[i]))
			return true;
	return false;
}

static char *render(const struct kv *kvs, size_t n, bool block, unsigned indent, bool json,
		    bool first)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (kvs[i].only_update || !kv_has_content(&kvs[i]))
			continue;
		if (block) {
			put_block(f, &kvs[i], indent);
		} else {
			fputs(first ? "" : ", ", f);
			put_flow(f, &kvs[i], json);
			first = false;
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *render_value(const struct kv *kv, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_flow_value(f, kv, json);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Replace node 'v' (the value of 'key' in mapping 'm') with the flow rendering of 'kv'. */
static void replace_value(struct ectx *e, const struct yn *m, struct yn *key, struct yn *v,
			  const struct kv *kv)
{
	char *txt = render_value(kv, e->json);
	char *t2 = NULL;

	if (!txt) {
		e->err = -ENOMEM;
		return;
	}
	if (v->anchored) {
		free(txt);
		ectx_error(e, v, "cannot edit an anchored node (its aliases would change too)");
		return;
	}
	if (v->t == YN_SCALAR && !v->marked) {
		/* "key:" with nothing after the colon, or a flow mapping's "key" alone. */
		if (v->colonless && !m->flow) {
			free(txt);
			ectx_error(e, key ? key : v, "cannot give a value to a key without ':'");
			return;
		}
		if (asprintf(&t2, v->colonless ? ": %s" : " %s", txt) < 0)
			t2 = NULL;
		free(txt);
		ectx_add(e, v->start, 0, v->depth, TAKE_PTR(t2));
		return;
	}
	if (v->t == YN_SCALAR && kv->kind == KV_STR &&
	    (v->ss == FYSS_SINGLE_QUOTED || v->ss == FYSS_DOUBLE_QUOTED) &&
	    strcspn(kv->str, "'\"\\") == strlen(kv->str)) {
		/* Keep the quotes as written. */
		free(txt);
		ectx_add(e, v->start + 1, v->end - v->start - 2, v->depth, strdup(kv->str));
		return;
	}
	if (v->t == YN_SCALAR && (v->ss == FYSS_LITERAL || v->ss == FYSS_FOLDED)) {
		free(txt);
		ectx_error(e, v, "cannot rewrite a block scalar here; write it on one line");
		return;
	}
	if (!v->flow && (v->t == YN_MAP || v->t == YN_SEQ)) {
		/* A block collection may start on the key's own column ("- x" under "k:"),
		 * where flow text is not allowed: replace from the colon on. */
		size_t p = key ? key->end : v->start;
		while (p < v->start && e->buf[p] != ':')
			p++;
		if (p < v->start)
			p++;
		if (asprintf(&t2, " %s", txt) < 0)
			t2 = NULL;
		free(txt);
		ectx_add(e, p, yn_end(v) - p, v->depth, TAKE_PTR(t2));
		return;
	}
	ectx_add(e, v->start, yn_end(v) - v->start, v->depth, txt);
}

static bool kv_satisfied(const struct yn *v, const struct kv *kv)
{
	switch (kv->kind) {
	case KV_STR:
		return v->t == YN_SCALAR && v->marked && streq(v->val, kv->str);
	case KV_FALSE:
		return plain_bool(v, false);
	case KV_DROP_ALL:
		if (v->t != YN_SEQ)
			return false;
		for (size_t i = 0; i < v->n; i++)
			if (yn_str(v->kids[i]) && streq(yn_str(v->kids[i]), "ALL"))
				return true;
		return false;
	default:
		return false;
	}
}

/* Add 'text' (rendered pairs) at the end of mapping 'm'. */
static void append_to_map(struct ectx *e, struct yn *m, const struct kv *kvs, size_t n)
{
	char *txt;

	if (m->flow) {
		size_t pos = *yn_close(m);
		txt = render(kvs, n, false, 0, e->json, !m->had_kids);
		if (txt && m->bare) {
			/* "[name: web]": a pair appended without braces would be another item. */
			char *t2 = NULL;
			if (asprintf(&t2, "%s}", txt) < 0)
				t2 = NULL;
			free(txt);
			txt = t2;
			ectx_add(e, m->start, 0, m->depth, strdup("{"));
		}
		ectx_add(e, pos, 0, m->depth, txt);
		return;
	}
	if (m->empty_tail) {
		/* libfyaml takes the next line at the mapping's indentation for its text. */
		ectx_error(e, m,
			   "cannot add a key after an empty block scalar (libfyaml would read it "
			   "as the scalar's text): write that value as \"\"");
		return;
	}
	{
		size_t p = yn_end(m), indent = m->col ? m->col - 1 : 0;
		txt = render(kvs, n, true, (unsigned)indent, false, true);
		if (!txt) {
			e->err = -ENOMEM;
			return;
		}
		size_t ls = p;
		/* A block scalar ends at the start of the next line, or even after that
		 * line's indentation: then insert at that line's start. */
		while (ls > 0 && e->buf[ls - 1] == ' ')
			ls--;
		if (ls > 0 && e->buf[ls - 1] == '\n') {
			ectx_add(e, ls, 0, m->depth, txt);
			return;
		}
		while (p < e->len && e->buf[p] != '\n')
			p++;
		if (p < e->len) {
			ectx_add(e, p + 1, 0, m->depth, txt);
		} else {
			/* The last line has no newline: end it once, before every insertion. */
			if (!e->eof_newline) {
				e->eof_newline = true;
				ectx_add(e, e->len, 0, UINT_MAX, strdup("\n"));
			}
			ectx_add(e, e->len, 0, m->depth, txt);
		}
	}
}

/* Make every kv true in mapping 'm', changing as little text as possible. */
static void ensure(struct ectx *e, struct yn *m, const struct kv *kvs, size_t n)
{
	cleanup_free struct kv *missing = calloc(n, sizeof(*missing));
	size_t nm = 0;

	if (!missing) {
		e->err = -ENOMEM;
		return;
	}
	if (m->t == YN_ALIAS) {
		ectx_error(e, m, "cannot edit through a YAML alias");
		return;
	}
	if (m->anchored) {
		ectx_error(e, m, "cannot edit an anchored node (its aliases would change too)");
		return;
	}
	for (size_t i = 0; i < n && !e->err; i++) {
		const struct kv *kv = &kvs[i];
		struct yn *key = yn_key(m, kv->key), *v = yn_get(m, kv->key);
		if (!v) {
			if (!kv->only_update && kv_has_content(kv))
				missing[nm++] = *kv;
			continue;
		}
		if (v->t == YN_ALIAS) {
			ectx_error(e, v, "cannot edit through a YAML alias");
			return;
		}
		if (kv->kind == KV_MAP) {
			if (v->t == YN_MAP)
				ensure(e, v, kv->kids, kv->n);
			else if (kv_has_content(kv))
				replace_value(e, m, key, v, kv);
		} else if (!kv_satisfied(v, kv)) {
			replace_value(e, m, key, v, kv);
		}
	}
	if (nm && !e->err)
		append_to_map(e, m, missing, nm);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int bind_one(struct ectx *e, const struct sc_k8s_workload *w, const struct wpos *wp,
		    const struct sc_k8s_bind_opts *o)
{
	cleanup_free char *legacy = NULL;
	cleanup_free struct kv *ann = calloc(w->n_containers + 2, sizeof(*ann));
	cleanup_free char **keys = calloc(w->n_containers + 1, sizeof(char *));
	size_t na = 0;
	struct kv prof[2] = {
		{ .key = "type", .kind = KV_STR, .str = "Localhost" },
		{ .key = "localhostProfile", .kind = KV_STR, .str = w->profile },
	};
	struct kv podsc[1] = { { .key = "seccompProfile", .kind = KV_MAP, .kids = prof, .n = 2 } };
	struct kv pod[1] = { { .key = "securityContext", .kind = KV_MAP, .kids = podsc, .n = 1 } };
	bool any_legacy = w->legacy_pod != NULL;
	int r = 0;

	if (!ann || !keys || asprintf(&legacy, "localhost/%s", w->profile) < 0)
		return -ENOMEM;
	e->json = wp->json;
	ensure(e, wp->podspec, pod, 1);
	for (size_t i = 0; i < w->n_containers; i++) {
		const struct sc_k8s_container *c = &w->containers[i];
		struct kv drop[1] = { { .key = "drop", .kind = KV_DROP_ALL } };
		struct kv sc[3] = {
			{ .key = "allowPrivilegeEscalation", .kind = KV_FALSE },
			{ .key = "seccompProfile",
			  .kind = KV_MAP,
			  .kids = prof,
			  .n = 2,
			  /* Only where the container sets its own (it would win). */
			  .only_update = true },
			{ .key = "capabilities", .kind = KV_MAP, .kids = drop, .n = 1 },
		};
		struct kv ct[1] = { { .key = "securityContext",
				      .kind = KV_MAP,
				      .kids = sc,
				      .n = o->drop_caps ? 3 : 2 } };
		struct yn *csc =
			yn_get(yn_get(wp->containers[i], "securityContext"), "seccompProfile");
		/* A container's own seccompProfile, even an empty one, would win over the
		 * pod's: it gets the same profile. */
		sc[1].only_update = csc == NULL;
		if (c->privileged) {
			ectx_error(e, wp->containers[i],
				   "container is privileged (or adds SYS_ADMIN): the API server "
				   "rejects allowPrivilegeEscalation: false for it");
			continue;
		}
		ensure(e, wp->containers[i], ct, 1);
		if (c->legacy)
			any_legacy = true;
	}
	if (e->err)
		return e->err;
	if (o->legacy_annotations || any_legacy) {
		ann[na++] = (struct kv){ .key = ANN_POD,
					 .kind = KV_STR,
					 .str = legacy,
					 .only_update = !o->legacy_annotations };
		for (size_t i = 0; i < w->n_containers; i++) {
			const struct sc_k8s_container *c = &w->containers[i];
			if (!c->name)
				continue;
			if (asprintf(&keys[i], ANN_CONTAINER "%s", c->name) < 0) {
				r = -ENOMEM;
				break;
			}
			ann[na++] = (struct kv){ .key = keys[i],
						 .kind = KV_STR,
						 .str = legacy,
						 .only_update = !o->legacy_annotations };
		}
		if (r == 0) {
			struct kv annm[1] = {
				{ .key = "annotations", .kind = KV_MAP, .kids = ann, .n = na }
			};
			struct kv meta[1] = {
				{ .key = "metadata", .kind = KV_MAP, .kids = annm, .n = 1 }
			};
			ensure(e, wp->holder, meta, 1);
		}
	}
	for (size_t i = 0; i < w->n_containers; i++)
		free(keys[i]);
	return r < 0 ? r : e->err;
}

/* Workload i's edits into 'e' (after those it has). Returns bind_one's result. */
static int workload_edits(struct ectx *e, const struct sc_k8s_file *f, size_t i,
			  const struct sc_k8s_bind_opts *o)
{
	const struct sc_k8s_workload *w = &f->workloads[i];
	cleanup_free char *what = NULL;
	int q;

	if (asprintf(&what, "%s %s/%s", w->kind, w->namespace, w->name) < 0)
		return -ENOMEM;
	e->what = what;
	e->err = 0;
	q = bind_one(e, w, &f->tree->wp[i], o);
	e->what = NULL;
	return q;
}

/* Apply e's edits (sorted) to the text from *at on: into 'out' when given, else only counted
 * into *olen. An edit before *at overlaps one applied: skipped (cannot happen). */
static void apply_edits(const struct ectx *e, const struct sc_k8s_file *f, size_t *at, char **out,
			size_t *olen)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].pos < *at)
			continue;
		if (out) {
			*out = mempcpy(*out, f->text + *at, e->v[i].pos - *at);
			*out = mempcpy(*out, e->texts + e->v[i].text, e->v[i].text_len);
		} else {
			*olen += e->v[i].pos - *at + e->v[i].text_len;
		}
		*at = e->v[i].pos + e->v[i].del;
	}
}

/* The edits are made a workload at a time, twice: once to count the output and report what
 * is wrong, once to write it, so no more than a workload's edits are held (10,000 workloads
 * with --legacy-annotations are 80,000 edits, 6 MiB). That needs each workload's edits after
 * the previous one's, as they are (a workload's edits lie within its own object): should
 * they not be, all edits are made at once and sorted, as a sort of them all would order them. */
int sc_k8s_bind(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o, struct sc_diags *d,
		char **ret, size_t *ret_len)
{
	struct ectx e = { .buf = f->text, .len = f->len, .d = d };
	struct sc_diags quiet = {};
	const char *nl = memchr(f->text, '\n', f->len);
	const char *saved = d->file;
	char *out = NULL, *w;
	size_t olen = 0, at = 0, prev_end = 0;
	bool any = false, ordered = true;
	int r = 0;

	e.crlf = nl && nl > f->text && nl[-1] == '\r';
	d->file = f->name;
	for (size_t i = 0; i < f->n_workloads; i++) {
		int q;
		if (!f->workloads[i].profile)
			continue;
		e.n = e.texts_len = 0;
		q = workload_edits(&e, f, i, o);
		if (q == -ENOMEM) {
			r = q;
			break;
		}
		if (q < 0)
			r = q;
		if (r < 0 || !e.n)
			continue;
		qsort(e.v, e.n, sizeof(*e.v), cmp_edit);
		if (any && e.v[0].pos <= prev_end)
			ordered = false;
		for (size_t k = 0; k < e.n; k++)
			if (e.v[k].pos + e.v[k].del > prev_end)
				prev_end = e.v[k].pos + e.v[k].del;
		any = true;
		apply_edits(&e, f, &at, NULL, &olen);
	}
	d->file = saved;
	if (r < 0)
		goto out;
	/* Made again: nothing to report now (it was), the same edits. */
	e.d = &quiet;
	e.eof_newline = false;
	if (!ordered) {
		e.n = e.texts_len = 0;
		for (size_t i = 0; i < f->n_workloads && r == 0; i++)
			if (f->workloads[i].profile)
				r = workload_edits(&e, f, i, o);
		if (r < 0)
			goto out;
		if (e.n)
			qsort(e.v, e.n, sizeof(*e.v), cmp_edit);
		olen = at = 0;
		apply_edits(&e, f, &at, NULL, &olen);
	}
	olen += f->len - at;
	out = malloc(olen + 1);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	w = out;
	at = 0;
	if (!ordered) {
		apply_edits(&e, f, &at, &w, NULL);
	} else {
		for (size_t i = 0; i < f->n_workloads && r == 0; i++) {
			if (!f->workloads[i].profile)
				continue;
			e.n = e.texts_len = 0;
			r = workload_edits(&e, f, i, o);
			if (r < 0 || !e.n)
				continue;
			qsort(e.v, e.n, sizeof(*e.v), cmp_edit);
			apply_edits(&e, f, &at, &w, NULL);
		}
	}
	if (r == 0) {
		w = mempcpy(w, f->text + at, f->len - at);
		*w = '\0';
		if ((size_t)(w - out) != olen)
			r = -EIO; /* the same edits twice: never so */
	}
out:
	sc_diags_clear(&quiet);
	free(e.texts);
	free(e.v);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	if (ret_len)
		*ret_len = olen;
	return 0;
}

/* ---- audit ---------------------------------------------------------------------------- */

const struct sc_k8s_seccomp *sc_k8s_effective(const struct sc_k8s_workload *w,
					      const struct sc_k8s_container *c)
{
	return c->seccomp.type != SC_K8S_SECCOMP_UNSET ? &c->seccomp : &w->pod_seccomp;
}

static int finding(char ***v, size_t *n, const char *fmt, ...) _printf_(3, 4);
static int finding(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **nv;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	nv = reallocarray(*v, *n + 2, sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int audit_seccomp(char ***v, size_t *n, const char *who, const struct sc_k8s_seccomp *s)
{
	switch (s->type) {
	case SC_K8S_SECCOMP_UNCONFINED:
		return finding(v, n, "%s: seccompProfile type is Unconfined", who);
	case SC_K8S_SECCOMP_LOCALHOST:
		if (!s->localhost || !*s->localhost)
			return finding(v, n,
				       "%s: seccompProfile type Localhost without "
				       "localhostProfile",
				       who);
		return 0;
	case SC_K8S_SECCOMP_INVALID:
		return finding(v, n,
			       "%s: seccompProfile type '%s' is not RuntimeDefault, "
			       "Localhost or Unconfined",
			       who, s->type_text ? s->type_text : "?");
	default:
		return 0;
	}
}

int sc_k8s_audit(struct sc_k8s_workload *w)
{
	char **v = NULL;
	size_t n = 0;
	int r;

	strv_free(w->findings);
	w->findings = NULL;
	w->n_findings = 0;
	r = audit_seccomp(&v, &n, "pod", &w->pod_seccomp);
	for (size_t i = 0; r == 0 && i < w->n_containers; i++) {
		const struct sc_k8s_container *c = &w->containers[i];
		cleanup_free char *who = NULL;
		if (asprintf(&who, "%scontainer %s", c->init ? "init " : "",
			     c->name ? c->name : "?") < 0) {
			r = -ENOMEM;
			break;
		}
		r = audit_seccomp(&v, &n, who, &c->seccomp);
		if (r == 0 && sc_k8s_effective(w, c)->type == SC_K8S_SECCOMP_UNSET)
			r = finding(&v, &n,
				    "%s: no seccompProfile (set neither for the pod nor "
				    "for the container)",
				    who);
		if (r == 0 && c->allow_privilege_escalation != 0)
			r = finding(&v, &n, "%s: allowPrivilegeEscalation is %s", who,
				    c->allow_privilege_escalation < 0 ? "unset (it must be false)"
								      : "not false");
	}
	if (r < 0) {
		strv_free(v);
		return r;
	}
	w->findings = v;
	w->n_findings = n;
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	sc_json_string(f, s);
}

static void json_strv(FILE *f, char **v)
{
	if (!v) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (size_t i = 0; v[i]; i++) {
		fputs(i ? "," : "", f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

static void json_seccomp(FILE *f, const struct sc_k8s_seccomp *s, bool effective)
{
	if (s->type == SC_K8S_SECCOMP_UNSET && !effective) {
		fputs("null", f);
		return;
	}
	fputs("{\"type\":", f);
	if (s->type == SC_K8S_SECCOMP_INVALID || (s->type == SC_K8S_SECCOMP_UNSET && !effective))
		json_str(f, s->type_text);
	else
		json_str(f, sc_k8s_seccomp_type_to_string(s->type));
	if (s->type == SC_K8S_SECCOMP_LOCALHOST || s->localhost) {
		fputs(",\"localhostProfile\":", f);
		json_str(f, s->localhost);
	}
	fputc('}', f);
}

int sc_k8s_audit_json(struct sc_k8s_file **files, size_t n, char **ret)
{
	char *buf = NULL;
	size_t len = 0, nw = 0, nr = 0, nfind = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	fputs("{\"workloads\":[", f);
	for (size_t i = 0; i < n && r == 0; i++)
		for (size_t j = 0; j < files[i]->n_workloads && r == 0; j++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			r = sc_k8s_audit(w);
			if (r < 0)
				break;
			nw++;
			nr += w->n_findings == 0;
			nfind += w->n_findings;
			fputs(k++ ? ",\n" : "\n", f);
			fputs("{\"file\":", f);
			json_str(f, w->file);
			fprintf(f, ",\"line\":%u,\"column\":%u,\"kind\":", w->loc.line, w->loc.col);
			json_str(f, w->kind);
			fputs(",\"namespace\":", f);
			json_str(f, w->namespace);
			fputs(",\"name\":", f);
			json_str(f, w->name);
			fputs(",\"labels\":{", f);
			for (size_t l = 0; l < w->n_labels; l++) {
				fputs(l ? "," : "", f);
				json_str(f, w->labels[l].key);
				fputc(':', f);
				json_str(f, w->labels[l].value);
			}
			fputs("},\"podSeccompProfile\":", f);
			json_seccomp(f, &w->pod_seccomp, false);
			fputs(",\"containers\":[", f);
			for (size_t c = 0; c < w->n_containers; c++) {
				const struct sc_k8s_container *ct = &w->containers[c];
				fputs(c ? "," : "", f);
				fputs("{\"name\":", f);
				json_str(f, ct->name);
				if (ct->init)
					fputs(",\"init\":true", f);
				fputs(",\"image\":", f);
				json_str(f, ct->image);
				fputs(",\"command\":", f);
				json_strv(f, ct->command);
				fputs(",\"args\":", f);
				json_strv(f, ct->args);
				fputs(",\"seccompProfile\":", f);
				json_seccomp(f, &ct->seccomp, false);
				fputs(",\"effective\":", f);
				json_seccomp(f, sc_k8s_effective(w, ct), true);
				fprintf(f, ",\"allowPrivilegeEscalation\":%s}",
					ct->allow_privilege_escalation < 0    ? "null"
					: ct->allow_privilege_escalation == 0 ? "false"
									      : "true");
			}
			fputs("],\"findings\":", f);
			json_strv(f, w->findings ? w->findings : (char *[]){ NULL });
			fprintf(f, ",\"restricted\":%s}", w->n_findings ? "false" : "true");
		}
	fprintf(f,
		"\n],\"summary\":{\"workloads\":%zu,\"restricted\":%zu,\"notRestricted\":%zu,"
		"\"findings\":%zu}}\n",
		nw, nr, nw - nr, nfind);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

/* ---- the agent's deployment ----------------------------------------------------------- */

/* One source for deploy/ and `syscage k8s manifests`: a test keeps them equal. */

static const char example_policy[] =
	"# An example policy. `syscage k8s bind -f MANIFESTS -p policies/ --bindings\n"
	"# policies/bindings.yaml` points every workload a policy selects at its own profile,\n"
	"# <kubelet-root>/seccomp/syscage/<namespace>/<kind>_<name>.json, and writes its binding;\n"
	"# with bindings.yaml in this ConfigMap the agent installs there the merge of every\n"
	"# policy that selects the workload now (a deny always beats an allow), on every node.\n"
	"# A policy labelled syscage.dev/baseline: \"true\" is merged into every profile.\n"
	"# Replace this file with your own policies (KubeArmor KubeArmorSeccompPolicy, SPO\n"
	"# SeccompProfile or OCI profile JSON) and list them in kustomization.yaml.\n"
	"apiVersion: security.kubearmor.com/v1\n"
	"kind: KubeArmorSeccompPolicy\n"
	"metadata:\n"
	"  name: example-deny-ptrace\n"
	"  namespace: default\n"
	"spec:\n"
	"  severity: 5\n"
	"  selector:\n"
	"    matchLabels:\n"
	"      syscage.io/example: deny-ptrace\n"
	"  seccomp:\n"
	"    syscalls: [ptrace, process_vm_readv, process_vm_writev, kexec_load, bpf]\n"
	"    action: Block\n";

static bool image_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 512)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'\\#{}[],&*!|>%@`", *p))
			return false;
	return true;
}

static bool dir_valid(const char *s)
{
	if (!s || s[0] != '/' || strlen(s) > 1024 || strstr(s, "//") || strstr(s, "/./") ||
	    strstr(s, "/../"))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._/-", *p)))
			return false;
	return !(strlen(s) >= 3 && streq(s + strlen(s) - 3, "/..")) &&
	       !(strlen(s) >= 2 && streq(s + strlen(s) - 2, "/."));
}

static char *gen_kustomization(const char *ns)
{
	char *s = NULL;
	if (asprintf(
		    &s,
		    "# syscage: the node agent as a kustomize base (`kubectl apply -k .`).\n"
		    "# Generated by `syscage k8s manifests -o DIR`, which prints the same objects\n"
		    "# without -o. Add your policies under policies/ and list them below.\n"
		    "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		    "kind: Kustomization\n"
		    "namespace: %s\n"
		    "resources:\n"
		    "  - namespace.yaml\n"
		    "  - daemonset.yaml\n"
		    "generatorOptions:\n"
		    "  # The agent follows ConfigMap updates in place (the kubelet swaps ..data),\n"
		    "  # so the names stay stable instead of rolling the DaemonSet on each "
		    "change.\n"
		    "  disableNameSuffixHash: true\n"
		    "configMapGenerator:\n"
		    "  - name: syscage-policies\n"
		    "    files:\n"
		    "      - policies/example.yaml\n"
		    "      # - policies/bindings.yaml   # from `syscage k8s bind --bindings`\n"
		    "  # The agent's own recorded profile (`make image` records it); the init\n"
		    "  # container installs it before the agent starts under it.\n"
		    "  - name: syscage-agent-profile\n"
		    "    files:\n"
		    "      - profiles/syscage-agent.json\n",
		    ns) < 0)
		return NULL;
	return s;
}

static char *gen_namespace(const char *ns)
{
	char *s = NULL;
	if (asprintf(&s,
		     "apiVersion: v1\n"
		     "kind: Namespace\n"
		     "metadata:\n"
		     "  name: %s\n"
		     "  labels:\n"
		     "    # The agent writes the kubelet's seccomp directory through a hostPath\n"
		     "    # volume, which the baseline and restricted Pod Security Standards "
		     "forbid.\n"
		     "    pod-security.kubernetes.io/enforce: privileged\n"
		     "    pod-security.kubernetes.io/warn: privileged\n",
		     ns) < 0)
		return NULL;
	return s;
}

static char *gen_daemonset(const char *ns, const char *image, const char *kr)
{
	char *s = NULL;
	if (asprintf(
		    &s,
		    "apiVersion: apps/v1\n"
		    "kind: DaemonSet\n"
		    "metadata:\n"
		    "  name: syscage-agent\n"
		    "  namespace: %1$s\n"
		    "  labels:\n"
		    "    app.kubernetes.io/name: syscage-agent\n"
		    "spec:\n"
		    "  selector:\n"
		    "    matchLabels:\n"
		    "      app.kubernetes.io/name: syscage-agent\n"
		    "  updateStrategy:\n"
		    "    type: RollingUpdate\n"
		    "  template:\n"
		    "    metadata:\n"
		    "      labels:\n"
		    "        app.kubernetes.io/name: syscage-agent\n"
		    "      annotations:\n"
		    "        # No Service: scrape each agent on its pod IP.\n"
		    "        prometheus.io/scrape: \"true\"\n"
		    "        prometheus.io/port: \"9402\"\n"
		    "        prometheus.io/path: /metrics\n"
		    "    spec:\n"
		    "      # No API-server access at all: policies arrive as a mounted ConfigMap.\n"
		    "      automountServiceAccountToken: false\n"
		    "      enableServiceLinks: false\n"
		    "      nodeSelector:\n"
		    "        kubernetes.io/os: linux\n"
		    "      tolerations:\n"
		    "        - operator: Exists\n"
		    "      securityContext:\n"
		    "        # The runtime's default for the pod sandbox and the init container: "
		    "the\n"
		    "        # sandbox is created before the agent's own profile is on the node.\n"
		    "        seccompProfile:\n"
		    "          type: RuntimeDefault\n"
		    "      initContainers:\n"
		    "        # A container that references a missing profile never starts: put\n"
		    "        # the agent's profile in place first.\n"
		    "        - name: install-own-profile\n"
		    "          image: %2$s\n"
		    "          command: [/usr/bin/syscage]\n"
		    "          args:\n"
		    "            - convert\n"
		    "            - /etc/syscage/self/syscage-agent.json\n"
		    "            - -o\n"
		    "            - /seccomp/syscage-agent.json\n"
		    "          securityContext:\n"
		    "            allowPrivilegeEscalation: false\n"
		    "            readOnlyRootFilesystem: true\n"
		    "            runAsUser: 0\n"
		    "            capabilities:\n"
		    "              drop: [ALL]\n"
		    "          volumeMounts:\n"
		    "            - name: seccomp\n"
		    "              mountPath: /seccomp\n"
		    "              subPath: syscage/%1$s\n"
		    "            - name: agent-profile\n"
		    "              mountPath: /etc/syscage/self\n"
		    "              readOnly: true\n"
		    "      containers:\n"
		    "        - name: agent\n"
		    "          image: %2$s\n"
		    "          command: [/usr/bin/syscage]\n"
		    "          args:\n"
		    "            - agent\n"
		    "            - --policies\n"
		    "            - /etc/syscage/policies\n"
		    "            - --kubelet-root\n"
		    "            - %3$s\n"
		    "            - --root\n"
		    "            - syscage\n"
		    "            - --listen\n"
		    "            - 0.0.0.0:9402\n"
		    "            - --state-dir\n"
		    "            - /var/lib/syscage\n"
		    "            # runc before 1.2 (Debian 12, Ubuntu 22.04) refuses profiles "
		    "with\n"
		    "            # flags, and this base follows no kernel log: profiles go out\n"
		    "            # without SECCOMP_FILTER_FLAG_LOG. Drop this line on runc 1.2+\n"
		    "            # nodes once violations are followed (see the README).\n"
		    "            - --no-log-flag\n"
		    "          ports:\n"
		    "            - name: metrics\n"
		    "              containerPort: 9402\n"
		    "          livenessProbe:\n"
		    "            httpGet:\n"
		    "              path: /healthz\n"
		    "              port: metrics\n"
		    "          readinessProbe:\n"
		    "            httpGet:\n"
		    "              path: /readyz\n"
		    "              port: metrics\n"
		    "          resources:\n"
		    "            requests:\n"
		    "              cpu: 10m\n"
		    "              memory: 16Mi\n"
		    "            limits:\n"
		    "              memory: 64Mi\n"
		    "          securityContext:\n"
		    "            # The agent's own recorded profile, installed by the init "
		    "container.\n"
		    "            seccompProfile:\n"
		    "              type: Localhost\n"
		    "              localhostProfile: syscage/%1$s/syscage-agent.json\n"
		    "            allowPrivilegeEscalation: false\n"
		    "            readOnlyRootFilesystem: true\n"
		    "            # uid 0 owns the seccomp directory, so writing there takes no\n"
		    "            # capability (no CAP_DAC_OVERRIDE, no CAP_CHOWN). Following "
		    "/dev/kmsg\n"
		    "            # (--kmsg) would add CAP_SYSLOG and a /dev/kmsg hostPath; "
		    "recording\n"
		    "            # (--record) CAP_BPF, CAP_PERFMON and hostPID. This base does "
		    "neither.\n"
		    "            runAsUser: 0\n"
		    "            capabilities:\n"
		    "              drop: [ALL]\n"
		    "          volumeMounts:\n"
		    "            - name: policies\n"
		    "              mountPath: /etc/syscage/policies\n"
		    "              readOnly: true\n"
		    "            - name: seccomp\n"
		    "              mountPath: %3$s/seccomp\n"
		    "            - name: state\n"
		    "              mountPath: /var/lib/syscage\n"
		    "      volumes:\n"
		    "        - name: policies\n"
		    "          configMap:\n"
		    "            name: syscage-policies\n"
		    "        - name: agent-profile\n"
		    "          configMap:\n"
		    "            name: syscage-agent-profile\n"
		    "        # The only host path: the kubelet's seccomp root (created if "
		    "missing).\n"
		    "        - name: seccomp\n"
		    "          hostPath:\n"
		    "            path: %3$s/seccomp\n"
		    "            type: DirectoryOrCreate\n"
		    "        - name: state\n"
		    "          emptyDir: {}\n",
		    ns, image, kr) < 0)
		return NULL;
	return s;
}

void sc_k8s_out_files_free(struct sc_k8s_out_file *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].text);
	free(f);
}

static int manifest_opts(const struct sc_k8s_manifest_opts *o, const char **ns, const char **image,
			 char **kr)
{
	const char *k = o && o->kubelet_root ? o->kubelet_root : "/var/lib/kubelet";
	size_t l = strlen(k);

	*ns = o && o->namespace ? o->namespace : SC_K8S_DEFAULT_NAMESPACE;
	*image = o && o->image ? o->image : SC_K8S_DEFAULT_IMAGE;
	if (!sc_dns1123_label_valid(*ns) || !image_valid(*image) || !dir_valid(k))
		return -EINVAL;
	while (l > 1 && k[l - 1] == '/')
		l--;
	if (l <= 1)
		return -EINVAL; /* "/" is no kubelet root */
	*kr = strndup(k, l);
	return *kr ? 0 : -ENOMEM;
}

int sc_k8s_manifest_files(const struct sc_k8s_manifest_opts *o, struct sc_k8s_out_file **ret,
			  size_t *ret_n)
{
	const char *ns, *image;
	cleanup_free char *kr = NULL;
	struct sc_k8s_out_file *f;
	int r = manifest_opts(o, &ns, &image, &kr);

	if (r < 0)
		return r;
	f = calloc(4, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f[0] = (struct sc_k8s_out_file){ "kustomization.yaml", gen_kustomization(ns) };
	f[1] = (struct sc_k8s_out_file){ "namespace.yaml", gen_namespace(ns) };
	f[2] = (struct sc_k8s_out_file){ "daemonset.yaml", gen_daemonset(ns, image, kr) };
	f[3] = (struct sc_k8s_out_file){ "policies/example.yaml", strdup(example_policy) };
	for (size_t i = 0; i < 4; i++)
		if (!f[i].text) {
			sc_k8s_out_files_free(f, 4);
			return -ENOMEM;
		}
	*ret = f;
	*ret_n = 4;
	return 0;
}

/* A ConfigMap with one key, the value as a literal block. */
static void put_configmap(FILE *f, const char *name, const char *ns, const char *key,
			  const char *text)
{
	fprintf(f,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n"
		"data:\n  %s: |%s\n",
		name, ns, key, text[0] == ' ' || text[0] == '\n' ? "2" : "");
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			fprintf(f, "    %.*s\n", (int)n, p);
		else
			fputc('\n', f);
		p += n + (nl ? 1 : 0);
	}
}

int sc_k8s_manifest_stream(const struct sc_k8s_manifest_opts *o, char **ret)
{
	struct sc_k8s_out_file *files = NULL;
	size_t n = 0, len = 0;
	const char *ns, *image;
	cleanup_free char *kr = NULL;
	char *buf = NULL;
	FILE *f;
	int r = manifest_opts(o, &ns, &image, &kr);

	if (r < 0)
		return r;
	r = sc_k8s_manifest_files(o, &files, &n);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &len);
	if (!f) {
		sc_k8s_out_files_free(files, n);
		return -ENOMEM;
	}
	fputs("# syscage node agent: `syscage k8s manifests | kubectl apply -f -`.\n"
	      "# The kustomize base with the same objects: `syscage k8s manifests -o DIR`.\n",
	      f);
	if (!o || !o->agent_profile)
		fprintf(f,
			"# The DaemonSet also needs the agent's own profile as ConfigMap\n"
			"# syscage-agent-profile (pass --agent-profile FILE, or: kubectl -n %s\n"
			"# create configmap syscage-agent-profile "
			"--from-file=syscage-agent.json).\n",
			ns);
	fprintf(f, "---\n%s---\n", files[1].text);
	put_configmap(f, "syscage-policies", ns, "example.yaml", files[3].text);
	if (o && o->agent_profile) {
		fputs("---\n", f);
		put_configmap(f, "syscage-agent-profile", ns, "syscage-agent.json",
			      o->agent_profile);
	}
	fprintf(f, "---\n%s", files[2].text);
	sc_k8s_out_files_free(files, n);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
