/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the position tree of Kubernetes manifests (postree.h): building it from libfyaml's
 * events with byte offsets, an arena per file for its nodes, and the checks on the text that
 * editing needs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/yaml.h"
#include "k8s/postree.h"

void *sc_arena_grow(struct arena *a, size_t n)
{
	size_t size = n > (256u << 10) ? n : (256u << 10);
	struct chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		return NULL;
	c->next = a->head;
	c->size = size;
	c->used = n;
	a->head = c;
	return c->data;
}

void sc_arena_free(struct arena *a)
{
	while (a->head) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
}

void sc_arena_reset(struct arena *a)
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

char *sc_arena_strdup(struct arena *a, const char *s)
{
	size_t l;
	char *p;

	if (!s)
		return NULL;
	l = strlen(s) + 1;
	p = sc_arena_alloc_aligned(a, l, 1);
	if (p)
		memcpy(p, s, l);
	return p;
}

void *sc_arena_zalloc(struct arena *a, size_t n)
{
	void *p = sc_arena_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

static int yn_add(struct arena *a, struct yn *parent, struct yn *kid)
{
	/* Full at 4, 8, 16, ...: then twice the room. */
	if (parent->n >= 4 && (parent->n & (parent->n - 1)) == 0) {
		struct yn **v = sc_arena_alloc(a, 2 * parent->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, parent->kids, parent->n * sizeof(*v));
		parent->kids = v;
	} else if (parent->n == 0) {
		parent->kids = sc_arena_alloc(a, 4 * sizeof(*parent->kids));
		if (!parent->kids)
			return -ENOMEM;
	}
	parent->kids[parent->n++] = kid;
	return 0;
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
	/* The document's anchors, in order (a later one of a name hides the earlier). */
	struct anchor {
		const char *name;
		struct yn *node;
	} * anchors;
	size_t n_anchors, cap_anchors;
	/* Work merging '<<' keys in this document: bounded, as aliases can repeat a big map. */
	size_t merge_work;
	size_t merges;	 /* mappings with a '<<' merge key, in every document */
	bool doc_scalar; /* the document has had a scalar */
};

#define MAX_MERGE_WORK (1u << 24)

static void mark_start(struct yn *n, struct fy_event *e)
{
	const struct fy_mark *m = fy_event_start_mark(e);
	if (m) {
		n->start = m->input_pos;
		n->line = (unsigned)m->line + 1;
		n->col = (unsigned)m->column + 1;
	}
}

/* From 'q', past blanks, line ends and comments. */
static size_t skip_blank(const struct tb *t, size_t q)
{
	size_t from = q;

	while (q < t->len && (t->buf[q] == ' ' || t->buf[q] == '\t' || t->buf[q] == '\r' ||
			      t->buf[q] == '\n' || (t->buf[q] == '#' && q > from))) {
		if (t->buf[q] == '#')
			while (q < t->len && t->buf[q] != '\n')
				q++;
		else
			q++;
	}
	return q;
}

/* An empty value has no position: it sits after the ':' that follows its key. A flow
 * mapping's key may have none ("{name: web, x}"): then right after the key, inside the
 * braces (looking further would find the next key's ':', or one past the closing brace). */
static void place_empty(struct tb *t, struct yn *n, struct yn *parent)
{
	size_t p = parent && parent->n ? parent->kids[parent->n - 1]->end
		   : parent	       ? parent->start
				       : 0;
	/* The first entry of a flow collection: after its bracket (found by fuzz-k8s: "{ : }"
	 * put the empty key, and the pairs appended, before the '{'). */
	if (parent && !parent->n && parent->flow && p < t->len &&
	    (t->buf[p] == '{' || t->buf[p] == '['))
		p++;
	if (parent && parent->t == YN_MAP && parent->n % 2 == 1) {
		size_t q = p;
		if (parent->flow) {
			q = skip_blank(t, q);
		} else {
			while (q < t->len && t->buf[q] != ':' && t->buf[q] != '\n')
				q++;
		}
		if (q < t->len && t->buf[q] == ':')
			p = q + 1;
		else
			n->colonless = true;
	} else if (parent && parent->t == YN_SEQ && !parent->flow) {
		/* An empty item ("- "): after its '-' (found by fuzz-k8s: placed before it,
		 * the sequence ended there and a key appended to the mapping holding it
		 * landed in front of the '-'). */
		size_t q = skip_blank(t, p);
		if (q < t->len && t->buf[q] == '-')
			p = q + 1;
	}
	n->start = n->end = p;
	n->line = parent ? parent->line : 1;
	n->col = parent ? parent->col : 1;
}

/* An empty value with a tag or an anchor ("k: !t", "k: &a"): where they are, which may be on
 * a line of its own (found by fuzz-k8s: placed after the key, the mapping ended before that
 * line, and a key appended there took them). Still empty (unmarked) to readers. */
static void place_props(struct yn *n, struct fy_token *tag, struct fy_token *anchor)
{
	struct fy_token *tok[2] = { tag, anchor };
	bool first = true;

	for (size_t i = 0; i < 2; i++) {
		const struct fy_mark *s = tok[i] ? fy_token_start_mark(tok[i]) : NULL,
				     *e = tok[i] ? fy_token_end_mark(tok[i]) : NULL;
		if (!s || !e)
			continue;
		if (first || e->input_pos > n->end)
			n->start = n->end = e->input_pos;
		/* An anchor's mark is past its '&'. */
		uint32_t line = (uint32_t)s->line + 1,
			 col = (uint32_t)s->column + (i == 1 && s->column > 0 ? 0 : 1);
		if (first || line < n->line || (line == n->line && col < n->col)) {
			n->line = line;
			n->col = col;
		}
		first = false;
	}
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
				    map->kids[i]->val[0] == map->kids[j]->val[0] &&
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

/* libfyaml also takes a block mapping's value, or a block sequence's item, that starts on a
 * line of its own no deeper than the collection ("k:" then "v" under the k), which YAML (and
 * kubectl) refuse; a key bind appends after it then continues it. Refused. A block sequence
 * may sit at its key's indentation; a mapping's keys are at its own. */
static int check_indent(struct tb *t, const struct yn *n, const struct yn *parent, uint32_t line,
			uint32_t col)
{
	bool value = parent->t == YN_MAP && parent->n % 2 == 1;

	/* (A block scalar's mark is its first text line's start: check_block_scalar's.) */
	if (parent->flow || (n->t == YN_SCALAR && !n->marked && !n->tagged && !n->anchored) ||
	    col > parent->col || n->ss == FYSS_LITERAL || n->ss == FYSS_FOLDED)
		return 0;
	if (parent->t == YN_MAP &&
	    (!value || (n->t == YN_SEQ && !n->flow) || line <= parent->kids[parent->n - 1]->line))
		return 0;
	return tree_error(t, line, col,
			  "a %s on a line of its own must be indented more than its %s (column %u)",
			  value ? "value" : "sequence item", value ? "key" : "'-'", parent->col);
}

/* Kubernetes reads a mapping's keys as strings: an empty or null key, or a collection as a
 * key, makes it refuse the object (and libfyaml places an empty key where bind's text then
 * lands wrong; found by fuzz-k8s). Refused. */
#define BOM "\xef\xbb\xbf"

/* A key that starts with a byte order mark (U+FEFF; libfyaml reads one only at the start of
 * the stream): manifests joined with "---" between them keep each file's mark at the start
 * of its document, where Kubernetes' reader, which cuts the documents apart first, reads it
 * as the start of a stream (a Pod's "kind" is "kind"). There the mark is dropped from the
 * key (its text stays as it is); anywhere else the key would keep it for Kubernetes too, and
 * a workload would go unseen: refused. */
static int key_bom(struct tb *t, struct yn *n)
{
	size_t l;

	if (n->t != YN_SCALAR || !n->marked || n->ss != FYSS_PLAIN || strncmp(n->val, BOM, 3) != 0)
		return 0;
	if (!t->doc_scalar && n->start > 0 && t->buf[n->start - 1] == '\n' &&
	    strncmp(t->buf + n->start, BOM, 3) == 0 &&
	    sc_yaml_after_marker_line(t->buf, n->start)) {
		l = strlen(n->val);
		memmove(n->val, n->val + 3, l - 2);
		return 0;
	}
	return tree_error(t, n->line, n->col,
			  "a byte order mark (U+FEFF) starts key '%s' (Kubernetes takes it for "
			  "part of the key unless it starts a document right after its \"---\" "
			  "line): remove it",
			  n->val + 3);
}

static int check_key(struct tb *t, struct yn *n, const struct yn *parent)
{
	if (parent->t != YN_MAP || parent->n % 2 == 1)
		return 0;
	if (key_bom(t, n) < 0)
		return -EINVAL;
	if (n->t == YN_MAP || n->t == YN_SEQ)
		return tree_error(t, n->line, n->col, "a key must be a string, not a %s",
				  n->t == YN_MAP ? "mapping" : "sequence");
	if (n->t == YN_SCALAR && !n->marked && !n->tagged && !n->anchored)
		return tree_error(t, parent->line, parent->col, "an empty key in this mapping");
	/* With a tag or an anchor it is placed after them, and so was a brace bind adds to a
	 * one-pair flow mapping ("[! : {}]" became "[!{ : ...": found by fuzz-k8s). No
	 * Kubernetes field has an empty name: refused, at the tag or anchor. */
	if (n->t == YN_SCALAR && !n->marked)
		return tree_error(t, n->line, n->col, "an empty key (with only a tag or anchor)");
	if (n->t == YN_SCALAR && yn_is_null(n) && !n->tagged)
		return tree_error(t, n->line, n->col, "a null key");
	return 0;
}

/* 'n' and all below it are reached another way too. A shared node's descendants are all
 * shared already: stopping there keeps this linear however aliases nest. */
static void mark_shared(struct yn *n)
{
	if (n->shared)
		return;
	n->shared = true;
	if (n->t == YN_MAP || n->t == YN_SEQ)
		for (size_t i = 0; i < n->n; i++)
			mark_shared(n->kids[i]);
}

static int add_anchor(struct tb *t, struct fy_token *tok, struct yn *n)
{
	size_t l = 0;
	const char *txt = fy_token_get_text(tok, &l);
	char *name;

	if (!txt)
		return 0;
	if (t->n_anchors == t->cap_anchors) {
		size_t cap = t->cap_anchors ? 2 * t->cap_anchors : 16;
		struct anchor *v = reallocarray(t->anchors, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->anchors = v;
		t->cap_anchors = cap;
	}
	name = sc_arena_alloc_aligned(t->arena, l + 1, 1);
	if (!name)
		return -ENOMEM;
	memcpy(name, txt, l);
	name[l] = '\0';
	t->anchors[t->n_anchors++] = (struct anchor){ name, n };
	return 0;
}

/* An alias as Kubernetes reads it: its anchor's node, at the alias's place. The copy's header
 * is the alias's span; its kids are the anchor's (closed: they never change again). */
static int resolve_alias(struct tb *t, struct fy_event *e, struct yn **ret)
{
	const struct fy_mark *s = fy_event_start_mark(e), *en = fy_event_end_mark(e);
	size_t l = 0;
	const char *txt = e->alias.anchor ? fy_token_get_text(e->alias.anchor, &l) : NULL;
	uint32_t line = s ? (uint32_t)s->line + 1 : 1, col = s ? (uint32_t)s->column + 1 : 1;
	struct yn *target = NULL, *n;
	size_t start = s ? s->input_pos : 0;

	if (start > 0 && t->buf[start - 1] == '*')
		start--, col--;
	for (size_t i = t->n_anchors; txt && i > 0 && !target; i--)
		if (strlen(t->anchors[i - 1].name) == l && !memcmp(t->anchors[i - 1].name, txt, l))
			target = t->anchors[i - 1].node;
	if (!target)
		return tree_error(t, line, col, "alias '*%.*s' has no anchor before it", (int)l,
				  txt ? txt : "");
	for (unsigned i = 0; i < t->sp; i++)
		if (t->stack[i] == target)
			return tree_error(t, line, col,
					  "alias '*%.*s' inside the node it names (Kubernetes "
					  "refuses a recursive alias)",
					  (int)l, txt);
	mark_shared(target);
	n = sc_arena_alloc(t->arena, yn_size(target));
	if (!n)
		return -ENOMEM;
	memcpy(n, target, yn_size(target));
	n->anchored = false;
	n->depth = t->sp;
	n->start = (uint32_t)start;
	n->end = en ? (uint32_t)en->input_pos : n->start;
	n->line = line;
	n->col = col;
	*ret = n;
	return 0;
}

static bool is_merge_key(const struct yn *k)
{
	return k->t == YN_SCALAR && k->ss == FYSS_PLAIN && k->marked && streq(k->val, "<<");
}

/* A '<<' merge key as go-yaml v2 (Kubernetes' YAML reader) applies it: the pairs of its
 * mapping, or of each mapping of its list, that the mapping does not have, after its own;
 * an earlier source wins over a later one. A key written before '<<' and merged too is
 * refused: readers differ on which wins (go-yaml v2 lets the merge override it, v3 and the
 * YAML 1.1 draft do not). Duplicate '<<' keys were refused already. */
static int resolve_merge(struct tb *t, struct yn *m)
{
	struct yn *mk = NULL, *mv = NULL, **kids;
	size_t at = 0, n_src = 0, cap = 0, n = 0;
	bool bad = false;

	for (size_t i = 0; i + 1 < m->n; i += 2)
		if (m->kids[i]->t == YN_SCALAR && streq(m->kids[i]->val, "<<") &&
		    m->kids[i]->ss == FYSS_PLAIN) {
			if (m->kids[i]->tagged)
				return tree_error(
					t, m->kids[i]->line, m->kids[i]->col,
					"a tagged '<<' key: write the keys it merges out");
			mk = m->kids[i];
			mv = m->kids[i + 1];
			at = i;
		}
	if (!mk || !is_merge_key(mk))
		return 0;
	if (mv->t == YN_MAP)
		n_src = 1;
	else if (mv->t == YN_SEQ)
		n_src = mv->n;
	for (size_t s = 0; s < n_src && !bad; s++) {
		struct yn *src = mv->t == YN_MAP ? mv : mv->kids[s];
		bad = src->t != YN_MAP;
		cap += src->n;
	}
	if (bad || (mv->t != YN_MAP && mv->t != YN_SEQ))
		return tree_error(t, mv->line, mv->col,
				  "a '<<' merge key needs a mapping or a list of mappings "
				  "(Kubernetes refuses this)");
	kids = sc_arena_alloc(t->arena, (m->n - 2 + cap) * sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < m->n; i += 2)
		if (i != at) {
			kids[n++] = m->kids[i];
			kids[n++] = m->kids[i + 1];
		}
	for (size_t s = 0; s < n_src; s++) {
		struct yn *src = mv->t == YN_MAP ? mv : mv->kids[s];
		for (size_t j = 0; j + 1 < src->n; j += 2) {
			struct yn *k = src->kids[j];
			bool have = false;
			t->merge_work += n;
			if (t->merge_work > MAX_MERGE_WORK)
				return tree_error(t, mk->line, mk->col,
						  "too much merged by '<<' keys in one document");
			for (size_t q = 0; q < n && !have; q += 2) {
				if (kids[q]->t != YN_SCALAR || k->t != YN_SCALAR ||
				    !streq(kids[q]->val, k->val))
					continue;
				have = true;
				if (q < m->n - 2 && kids[q]->start < mk->start)
					return tree_error(
						t, kids[q]->line, kids[q]->col,
						"key '%s' is set before the '<<' merge key that "
						"sets it too (line %u): YAML readers differ on "
						"which wins; write '<<' first",
						k->val, mk->line);
			}
			if (have)
				continue;
			mark_shared(k);
			mark_shared(src->kids[j + 1]);
			kids[n++] = k;
			kids[n++] = src->kids[j + 1];
		}
	}
	m->kids = kids;
	m->n = (uint32_t)n;
	m->merged = true;
	t->merges++;
	return 0;
}

/* A scalar's value: for a one-line one, as it is in the text (between its marks, which
 * exclude quotes), without libfyaml's copy (sc_yaml_scalar_at): a plain one, a single-quoted
 * one without '' and a double-quoted one without escapes (nearly every scalar of a manifest). */
static const char *scalar_text(const struct tb *t, struct fy_token *tok, const struct fy_mark *s,
			       const struct fy_mark *en, size_t *ret_len)
{
	return tok ? sc_yaml_scalar_at(tok, s, en, t->buf, t->len, ret_len) : NULL;
}

static int tree_event(struct tb *t, struct fy_event *e, struct yn **ret_root)
{
	struct yn *parent = t->sp ? t->stack[t->sp - 1] : NULL;
	struct yn *n = NULL;
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
			c->bare_props = c->bare && (c->kids[0]->tagged || c->kids[0]->anchored);
		}
		if (c->t == YN_MAP && !c->flow && c->n) {
			const struct yn *l = c->kids[c->n - 1];
			c->empty_tail = l->t == YN_SCALAR &&
					(l->ss == FYSS_LITERAL || l->ss == FYSS_FOLDED) &&
					strspn(l->val, "\n") == strlen(l->val);
			c->open_tail = l->t == YN_SCALAR && l->colonless;
		}
		if (c->t == YN_MAP) {
			r = check_duplicates(t, c);
			if (r == 0)
				r = resolve_merge(t, c);
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
	if (e->type == FYET_ALIAS) {
		int r = resolve_alias(t, e, &n);
		if (r < 0)
			return r;
		goto place;
	}
	flow = (e->type == FYET_MAPPING_START || e->type == FYET_SEQUENCE_START) &&
	       fy_event_get_node_style(e) == FYNS_FLOW;
	n = sc_arena_alloc(t->arena, sizeof(*n) + (flow ? sizeof(uint32_t) : 0));
	if (!n)
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	n->depth = t->sp;
	n->anchored = (e->type == FYET_MAPPING_START && e->mapping_start.anchor) ||
		      (e->type == FYET_SEQUENCE_START && e->sequence_start.anchor) ||
		      (e->type == FYET_SCALAR && e->scalar.anchor);
	n->tagged = (e->type == FYET_MAPPING_START && e->mapping_start.tag) ||
		    (e->type == FYET_SEQUENCE_START && e->sequence_start.tag) ||
		    (e->type == FYET_SCALAR && e->scalar.tag);
	if (e->type == FYET_SCALAR) {
		struct fy_token *tok = e->scalar.value;
		const struct fy_mark *s = fy_event_start_mark(e), *en = fy_event_end_mark(e);
		size_t l = 0;
		const char *txt = scalar_text(t, tok, s, en, &l);
		n->t = YN_SCALAR;
		n->ss = tok ? fy_token_scalar_style(tok) : FYSS_PLAIN;
		n->val = sc_arena_alloc(t->arena, (txt ? l : 0) + 1);
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
			if (e->scalar.tag || e->scalar.anchor)
				place_props(n, e->scalar.tag, e->scalar.anchor);
		}
		int r = check_block_scalar(t, n, parent);
		if (r < 0)
			return r;
	} else {
		n->t = e->type == FYET_MAPPING_START ? YN_MAP : YN_SEQ;
		n->flow = flow;
		mark_start(n, e);
		n->end = n->start;
		if (flow)
			*yn_close(n) = n->start; /* set when it closes */
	}
	{
		struct fy_token *anchor = e->type == FYET_MAPPING_START ? e->mapping_start.anchor
					  : e->type == FYET_SEQUENCE_START
						  ? e->sequence_start.anchor
						  : e->scalar.anchor;
		if (anchor && add_anchor(t, anchor, n) < 0)
			return -ENOMEM;
	}
place:
	if (parent) {
		/* A node starts at its tag or anchor (found by fuzz-k8s: "k:" then "!  v" under
		 * the k was taken, the value being deeper than the key; bind's text after it did
		 * not parse) ... */
		uint32_t line = n->line, col = n->col;
		struct fy_token *props[2] = { NULL, NULL };
		if (e->type == FYET_SCALAR)
			props[0] = e->scalar.tag, props[1] = e->scalar.anchor;
		else if (e->type == FYET_MAPPING_START)
			props[0] = e->mapping_start.tag, props[1] = e->mapping_start.anchor;
		else if (e->type == FYET_SEQUENCE_START)
			props[0] = e->sequence_start.tag, props[1] = e->sequence_start.anchor;
		for (size_t i = 0; i < 2; i++) {
			const struct fy_mark *m = props[i] ? fy_token_start_mark(props[i]) : NULL;
			uint32_t l, c;
			if (!m)
				continue;
			/* An anchor's mark is past its '&'. */
			l = (uint32_t)m->line + 1;
			c = (uint32_t)m->column + (i == 1 && m->column > 0 ? 0 : 1);
			if (l < line || (l == line && c < col))
				line = l, col = c;
		}
		/* ... and its content must be deeper too (found by fuzz-k8s: "k:", "   &a", then
		 * "  v" under the k). */
		int r = check_indent(t, n, parent, line, col);
		if (r == 0 && (line != n->line || col != n->col))
			r = check_indent(t, n, parent, n->line, n->col);
		if (r == 0)
			r = check_key(t, n, parent);
		if (r < 0)
			return r;
	}
	if (parent && yn_add(t->arena, parent, n) < 0)
		return -ENOMEM;
	t->doc_scalar |= n->t == YN_SCALAR;
	if ((n->t == YN_MAP || n->t == YN_SEQ) && e->type != FYET_ALIAS) {
		if (t->sp >= MAX_DEPTH)
			return -E2BIG;
		t->stack[t->sp++] = n;
	} else if (!parent) {
		*ret_root = n;
	}
	return 0;
}

static int syntax_error(struct fy_diag *diag, struct sc_diags *d, const char *buf, size_t len)
{
	struct sc_loc loc;
	const char *msg;

	if (sc_yaml_first_error(diag, &loc, &msg)) {
		/* A byte order mark after the stream's start (files joined into one) is
		 * where libfyaml reads none: say so. */
		const char *bom = len > 3 ? memmem(buf + 1, len - 1, BOM, 3) : NULL;
		unsigned line = 1;
		for (const char *p = buf; bom && (p = memchr(p, '\n', (size_t)(bom - p))); p++)
			line++;
		if (bom && line <= loc.line)
			return sc_diags_add(d, SC_SEV_ERROR, loc,
					    "syntax error: %s (a byte order mark, U+FEFF, at line "
					    "%u: remove it, or start the document's text with it "
					    "right after its \"---\" line)",
					    msg, line);
		return sc_diags_add(d, SC_SEV_ERROR, loc, "syntax error: %s", msg);
	}
	return sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 1, 1 }, "not valid YAML or JSON");
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

/* A CR alone ends a line for YAML, not for the editor (it inserts after a line's LF, where
 * text after a lone CR would take what it inserts into another mapping): refused, with where.
 * LF and CR LF lines are fine. */
static bool lines_valid(const char *buf, size_t len, struct sc_loc *ret_loc, const char **ret_why)
{
	uint32_t line = 1;
	size_t bol = 0;
	const char *cr = memchr(buf, '\r', len);

	if (!cr)
		return true; /* most files: no CR to look at */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			bol = i + 1;
		} else if (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n')) {
			*ret_loc = (struct sc_loc){ line, (uint32_t)(i - bol) + 1 };
			*ret_why = "a CR without LF (lines must end in LF or CR LF)";
			return false;
		}
	}
	return true;
}

/* The end of the "..." line starting between 'from' and 'to' (a document's content end and
 * the next one's start), or 'to'. */
static size_t after_end_marker(const char *buf, size_t from, size_t to)
{
	for (size_t q = from; q < to;) {
		const char *nl = memchr(buf + q, '\n', to - q);
		size_t eol = nl ? (size_t)(nl - buf) + 1 : to;
		/* A marker starts a line: not the rest of the content's last. */
		bool bol = q == 0 || buf[q - 1] == '\n';
		if (bol && q + 3 <= to && memcmp(buf + q, "...", 3) == 0 &&
		    (q + 3 == to || strchr(" \t\r\n", buf[q + 3])))
			return eol;
		q = eol;
	}
	return to;
}

/* Where the document 'e' starts begins: after the "..." line ending the one before (*ended:
 * that one's content end, or SIZE_MAX when it ended without; directives between belong to
 * this document, "%YAML" before its "---"), else its "---" (SIZE_MAX: none, see the caller).
 * The documents before are read: a mapped text's pages can go. */
static size_t document_start(struct fy_event *e, const char *buf, bool mapped, size_t *ended,
			     size_t *dropped)
{
	const struct fy_mark *m = fy_event_start_mark(e);
	size_t at = m ? m->input_pos : SIZE_MAX;

	if (*ended != SIZE_MAX && at != SIZE_MAX)
		at = after_end_marker(buf, *ended, at);
	*ended = SIZE_MAX;
	if (mapped && m && m->input_pos - *dropped >= TEXT_DROP_STEP) {
		sc_text_drop(buf, *dropped, m->input_pos);
		*dropped = m->input_pos;
	}
	return at;
}

void sc_text_drop(const char *buf, size_t from, size_t to)
{
	/* Asked every time: threads read halves of a file at once. */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, first, end;

	/* From the page 'from' is in (read up to 'from', which the last call's end rounded
	 * down to), never before the first whole page: 'buf' is a mapping's start, or a text
	 * within one (the second half of a file read in two), whose page before is the other
	 * reader's. */
	first = ((uintptr_t)buf + page - 1) & ~(page - 1);
	lo = ((uintptr_t)buf + from) & ~(page - 1);
	if (lo < first)
		lo = first;
	end = ((uintptr_t)buf + to) & ~(page - 1);
	if (end > lo)
		(void)madvise((void *)lo, end - lo, MADV_DONTNEED);
}

#define TEXT_CHUNK (1u << 20)

/* The text checks (sc_yaml_text_valid, lines_valid) a piece of lines at a time, each piece of a
 * mapped text dropped once checked. */
static bool text_valid(const char *buf, size_t len, bool mapped, struct sc_loc *ret_loc,
		       const char **ret_why)
{
	for (size_t at = 0; at < len;) {
		size_t n = len - at;
		if (n > TEXT_CHUNK) {
			const char *nl = memrchr(buf + at, '\n', TEXT_CHUNK);
			if (nl)
				n = (size_t)(nl + 1 - (buf + at));
		}
		if (!sc_yaml_text_valid(buf + at, n, ret_loc, ret_why) ||
		    !lines_valid(buf + at, n, ret_loc, ret_why)) {
			/* Its line in the whole text, counted only now. */
			for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + at - p)));
			     p++)
				ret_loc->line++;
			return false;
		}
		if (mapped)
			sc_text_drop(buf, at, at + n);
		at += n;
	}
	return true;
}

/* Documents one at a time: a 4 MiB manifest is ~450,000 nodes; kept whole they took 35 MiB. */
int sc_postree_parse(const char *buf, size_t len, const struct postree_how *how, struct sc_diags *d,
		     int (*doc)(void *userdata, struct yn *root, size_t doc_start), void *userdata)
{
	bool mapped = how->mapped;
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_parser *p;
	struct fy_event *e;
	struct arena scratch = {};
	struct tb tb = { .arena = &scratch, .buf = buf, .len = len };
	struct yn *root = NULL;
	size_t n_diags = d->n;
	bool in_doc = false;
	size_t doc_start = 0, ended = SIZE_MAX, dropped = 0;
	int r = 0, bad = 0;

	{
		struct sc_loc loc;
		const char *why;
		if (!text_valid(buf, len, mapped, &loc, &why)) {
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
			doc_start = document_start(e, buf, mapped, &ended, &dropped);
			in_doc = true;
			root = NULL;
			tb.sp = 0;
			tb.n_anchors = 0;
			tb.merge_work = 0;
			tb.doc_scalar = false;
		} else if (e->type == FYET_DOCUMENT_END && in_doc) {
			/* Ended by "...": it is after the content (libfyaml gives no mark). */
			if (!e->document_end.implicit)
				ended = root ? yn_end(root) : doc_start != SIZE_MAX ? doc_start : 0;
			if (root) {
				r = doc(userdata, root,
					doc_start != SIZE_MAX ? doc_start : root->start);
				if (r == -EINVAL) {
					bad = r; /* keep reading: report every bad workload */
					r = 0;
				}
			}
			sc_arena_reset(&scratch);
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
		(void)syntax_error(diag, d, buf, len);
		r = -EINVAL;
	}
out:
	if (p)
		sc_yaml_parser_destroy(p);
	fy_diag_destroy(diag);
	sc_arena_free(&scratch);
	free(tb.err);
	free(tb.anchors);
	if (how->ret_merges)
		*how->ret_merges = tb.merges;
	return r < 0 ? r : bad;
}
