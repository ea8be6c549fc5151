/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the profile readers: OCI/Docker JSON, SPO SeccompProfile YAML and KubeArmorSeccompPolicy
 * YAML into the one profile model.
 *
 * libfyaml does all tokenizing and parsing; we take its event stream and compose a small tree of
 * our own. That gives every node (mappings and sequences too) a file:line:col, lets us refuse
 * aliases before anything is expanded (the billion-laughs bomb) and plain '<<' merge keys
 * (Kubernetes applies them; we would read a key), bound nesting depth and node count, and report
 * duplicate keys at the second occurrence. The schema walkers below then turn the tree into a
 * struct sc_profile, reporting every problem with its location. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/install.h"
#include "syscage/implicit.h"
#include "syscage/merge.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "macro.h"
#include "base/utf8.h"
#include "base/yaml.h"
#include "model/yarena.h"
#include "model/ytree.h"

/* Real profiles are kilobytes (Docker's default is 20 KiB); 16 MiB leaves room for any
 * generated profile while refusing garbage before libfyaml spends memory on it. */
#define MAX_INPUT_SIZE SC_PROFILE_MAX_INPUT
#define MAX_DEPTH      64 /* nested collections */
#define MAX_NODES \
	(1u << 18)	  /* a real profile has a few thousand; libfyaml keeps ~400 B per token */
#define MAX_BASE_DEPTH 8  /* SPO baseProfileName chain */
#define MAX_ERRORS     20 /* per document, then we stop reporting */
#define MAX_ERRNO      4095

static inline void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

void sc_ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		sc_ynode_free(n->v[i]);
	free(n->v);
	free(n->text);
	free(n);
}

/* A base profile chain entry, for cycle detection. */
struct chain {
	const char *name;
	const struct chain *up;
};

/* A profile reader's tree (read_docs) lives in an arena: a block on the reader's stack (a
 * policy's tree fits), then chunks. The trees sc_ytree_parse hands out are plain malloc'd
 * nodes (no arena). */
#define YARENA_STACK 8192

struct rctx {
	struct sc_diags *d;
	struct yarena *arena; /* the tree's nodes; NULL: malloc'd ones */
	const char *file;     /* as given by the caller; NULL for anonymous buffers */
	unsigned errors;
	unsigned nodes;
	unsigned max_nodes; /* 0: MAX_NODES */
	unsigned base_depth;
	const struct chain *chain;
	unsigned boms;	/* byte order marks after the input's first byte (check_bytes), then
			 * those sc_yaml_drop_boms left */
	const char *in; /* the text libfyaml reads (compose) */
	size_t in_len;
};

static unsigned node_limit(const struct rctx *c)
{
	return c->max_nodes ? c->max_nodes : MAX_NODES;
}

static int verr(struct rctx *c, struct sc_loc loc, const char *fmt, va_list ap)
{
	c->errors++;
	if (c->errors <= MAX_ERRORS && c->d)
		if (sc_diags_addv(c->d, SC_SEV_ERROR, loc, fmt, ap) < 0)
			return -ENOMEM;
	return -EINVAL;
}

_printf_(3, 4) static int err_at(struct rctx *c, struct sc_loc loc, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verr(c, loc, fmt, ap);
	va_end(ap);
	return r;
}

_printf_(3, 4) static void warn_at(struct rctx *c, struct sc_loc loc, const char *fmt, ...)
{
	va_list ap;

	if (!c->d)
		return;
	va_start(ap, fmt);
	(void)sc_diags_addv(c->d, SC_SEV_WARNING, loc, fmt, ap);
	va_end(ap);
}

/* ---- input checks before libfyaml sees the bytes ------------------------------------------- */

#define BOM "\xef\xbb\xbf" /* U+FEFF, a byte order mark */

/* The line:column of byte 'at' of 'buf' (a column counts characters; the bytes before 'at'
 * are valid UTF-8). */
static struct sc_loc loc_at(const unsigned char *s, size_t at)
{
	struct sc_loc loc = { 1, 1 };

	for (size_t i = 0; i < at;) {
		size_t l = sc_utf8_len(s + i, at - i, NULL);
		if (s[i] == '\n')
			loc.line++, loc.col = 1;
		else
			loc.col++;
		i += l ? l : 1;
	}
	return loc;
}

/* The bytes check_bytes passes over: ASCII but NUL and the element separators. */
#define PLAIN(b)   ((b) != 0 && (b) != '\n' && (b) != ',' && (b) != '[' && (b) != '{' && (b) < 0x80)
#define PLAIN4(b)  PLAIN(b), PLAIN(b + 1), PLAIN(b + 2), PLAIN(b + 3)
#define PLAIN16(b) PLAIN4(b), PLAIN4(b + 4), PLAIN4(b + 8), PLAIN4(b + 12)
#define PLAIN64(b) PLAIN16(b), PLAIN16(b + 16), PLAIN16(b + 32), PLAIN16(b + 48)
static const bool plain_byte[256] = { PLAIN64(0), PLAIN64(64), PLAIN64(128), PLAIN64(192) };
#undef PLAIN64
#undef PLAIN16
#undef PLAIN4
#undef PLAIN

/* Also bounds the element count before libfyaml sees the text: its scanner tokenizes a whole
 * flow collection before the first event and keeps every token (~400 bytes each), so a single
 * line of "[1,1,1,..." would cost gigabytes long before our node limit is reached. Every
 * element starts after one of ",[{\n" (or is the first), so their count bounds the elements.
 * ASCII goes a byte at a time without decoding; the position of a problem is worked out only
 * when there is one. */
static int check_bytes(struct rctx *c, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	const size_t max_seps = 2 * (size_t)node_limit(c);
	size_t seps = 0;

	c->boms = 0;
	for (size_t i = 0; i < len;) {
		unsigned char b;
		size_t l;

		/* ASCII other than NUL and the separators: most of a profile. */
		while (i < len && plain_byte[s[i]])
			i++;
		if (i == len)
			break;
		b = s[i];
		if (b >= 0x80) {
			l = sc_utf8_len(s + i, len - i, NULL);
			if (l == 0)
				return err_at(c, loc_at(s, i),
					      "invalid UTF-8 (byte 0x%02x); profiles must be UTF-8 "
					      "text",
					      b);
			c->boms += i > 0 && l == 3 && !memcmp(s + i, BOM, 3);
			i += l;
			continue;
		}
		if ((b == ',' || b == '[' || b == '{' || b == '\n') && ++seps > max_seps)
			return err_at(c, loc_at(s, i),
				      "too many elements (more than %u); not a profile",
				      node_limit(c));
		if (b == 0)
			return err_at(c, loc_at(s, i), "NUL byte in input (a profile is text)");
		i++;
	}
	return 0;
}

/* A key with a byte order mark in it (one sc_yaml_drop_boms left, or one written as an escape,
 * "\ufeff"): Kubernetes would keep the mark in the key, or at a line's start skip it and read
 * that line's indentation a column off, and a message quoting the key would show it invisible
 * ("unknown key 'apiVersion'"). Refused, the mark named. */
static int check_key_bom(struct rctx *c, const struct ynode *n)
{
	cleanup_free char *shown = NULL;

	if (!memmem(n->text, n->len, BOM, 3))
		return 0;
	if (!memcmp(n->text, BOM, 3) && !memmem(n->text + 3, n->len - 3, BOM, 3))
		return err_at(
			c, n->loc,
			"a byte order mark (U+FEFF) before '%s': Kubernetes reads one only at "
			"the start of a file or of a document's text right after its \"---\" "
			"line; remove it",
			n->text + 3);
	shown = sc_yaml_marks_shown(n->text, n->len);
	if (!shown)
		return -ENOMEM;
	return err_at(c, n->loc, "a byte order mark (U+FEFF) in key '%s': remove it", shown);
}

/* A mapping key compose refuses before the schema sees it. */
static int check_key(struct rctx *c, const struct ynode *n)
{
	if (n->kind != Y_SCALAR)
		return err_at(c, n->loc, "a mapping key must be a string");
	/* Kubernetes' reader (go-yaml v2) merges a plain '<<' key's mapping into this one,
	 * which a profile would take as a key: refused (aliases are, so it could only be
	 * written out anyway). */
	if (!n->quoted && streq(n->text, "<<"))
		return err_at(c, n->loc,
			      "'<<' merge keys are not allowed in profiles and policies; write the "
			      "keys it merges out");
	return c->boms ? check_key_bom(c, n) : 0;
}

/* ---- composing libfyaml's events into our tree ---------------------------------------------- */

static struct sc_loc event_loc(struct fy_event *e)
{
	const struct fy_mark *m = fy_event_start_mark(e);

	if (!m || m->line < 0 || m->column < 0)
		return (struct sc_loc){ 0, 0 };
	return (struct sc_loc){ (unsigned)m->line + 1, (unsigned)m->column + 1 };
}

/* A node no tree took (arena nodes go with their arena). */
static void ynode_drop(struct rctx *c, struct ynode *n)
{
	if (!c->arena)
		sc_ynode_free(n);
}

static int ynode_append(struct rctx *c, struct ynode *parent, struct ynode *child)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ynode **v;
		if (cap > SIZE_MAX / sizeof(*v))
			return -ENOMEM;
		if (c->arena) {
			v = sc_yarena_alloc(c->arena, cap * sizeof(*v));
			if (v && parent->n)
				memcpy(v, parent->v, parent->n * sizeof(*v));
		} else {
			v = reallocarray(parent->v, cap, sizeof(*v));
		}
		if (!v)
			return -ENOMEM;
		parent->v = v;
		parent->cap = cap;
	}
	parent->v[parent->n++] = child;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(struct ynode *const *)a, *y = *(struct ynode *const *)b;
	int r = strcmp(x->text, y->text);

	if (r)
		return r;
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return x->loc.col < y->loc.col ? -1 : x->loc.col > y->loc.col;
}

/* Duplicate keys: sort a copy of the keys and compare neighbours (a mapping may be large). */
static int check_duplicates(struct rctx *c, struct ynode *map)
{
	cleanup_free struct ynode **keys = NULL;
	size_t n = map->n / 2;

	if (n < 2)
		return 0;
	if (n <= 16) {
		/* A profile's mappings are small: look for a pair first, and sort only to
		 * report one (the same report as for a large mapping). */
		bool dup = false;
		for (size_t i = 1; i < n && !dup; i++)
			for (size_t j = 0; j < i && !dup; j++)
				dup = streq(map->v[2 * i]->text, map->v[2 * j]->text);
		if (!dup)
			return 0;
	}
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = map->v[2 * i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (streq(keys[i - 1]->text, keys[i]->text))
			return err_at(c, keys[i]->loc, "duplicate key '%s' (first at line %u)",
				      keys[i]->text, keys[i - 1]->loc.line);
	return 0;
}

/* 'buf' is the text libfyaml read (sc_yaml_drop_boms'). */
static int syntax_error(struct rctx *c, struct fy_diag *diag, const char *buf, size_t len)
{
	struct sc_loc loc;
	const char *msg;
	unsigned line;

	if (!sc_yaml_first_error(diag, &loc, &msg))
		return err_at(c, (struct sc_loc){ 0, 0 }, "syntax error");
	/* At a mark libfyaml reads as any other character: say where it is. */
	line = c->boms ? sc_yaml_first_bom_line(buf, len) : 0;
	if (line && line <= loc.line)
		return err_at(c, loc,
			      "syntax error: %s (a byte order mark, U+FEFF, at line %u: remove it, "
			      "or start the document's text with it right after its \"---\" line)",
			      msg, line);
	return err_at(c, loc, "syntax error: %s", msg);
}

static int new_node(struct rctx *c, struct fy_event *e, struct ynode **ret)
{
	struct ynode *n;

	if (++c->nodes > node_limit(c))
		return err_at(c, event_loc(e), "too many elements (more than %u); not a profile",
			      node_limit(c));
	if (c->arena) {
		n = sc_yarena_alloc(c->arena, sizeof(*n));
		if (n)
			*n = (struct ynode){ 0 };
	} else {
		n = calloc(1, sizeof(*n));
	}
	if (!n)
		return -ENOMEM;
	n->loc = event_loc(e);
	switch (e->type) {
	case FYET_SCALAR: {
		size_t len;
		const char *t = sc_yaml_scalar_text(e->scalar.value, c->in, c->in_len, &len);

		enum fy_scalar_style st = fy_token_scalar_style(e->scalar.value);

		n->kind = Y_SCALAR;
		n->quoted = st != FYSS_PLAIN;
		/* libfyaml marks a quoted scalar at its first character: point at the quote. */
		if ((st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED) && n->loc.col > 1)
			n->loc.col--;
		if (!t)
			t = "", len = 0;
		if (memchr(t, 0, len)) {
			struct sc_loc loc = n->loc;

			ynode_drop(c, n);
			return err_at(c, loc, "NUL character in a string");
		}
		if (c->arena) {
			n->text = len < SIZE_MAX ? sc_yarena_alloc(c->arena, len + 1) : NULL;
			if (n->text) {
				memcpy(n->text, t, len);
				n->text[len] = '\0';
			}
		} else {
			n->text = strndup(t, len);
		}
		n->len = len;
		if (!n->text) {
			ynode_drop(c, n);
			return -ENOMEM;
		}
		break;
	}
	case FYET_SEQUENCE_START:
		n->kind = Y_SEQ;
		break;
	default:
		n->kind = Y_MAP;
		break;
	}
	*ret = n;
	return 0;
}

struct docs {
	struct ynode **v;
	size_t n;
	struct yarena *arena; /* where the trees live; NULL: malloc'd nodes */
};

static void docs_clear(struct docs *docs)
{
	if (docs->arena)
		sc_yarena_free(docs->arena);
	else
		for (size_t i = 0; i < docs->n; i++)
			sc_ynode_free(docs->v[i]);
	free(docs->v);
	docs->v = NULL;
	docs->n = 0;
}

/* Parse the whole stream into trees, one per document (a document may be NULL: empty). */
static int compose(struct rctx *c, const char *buf, size_t len, struct docs *ret)
{
	struct ynode *stack[MAX_DEPTH + 1];
	unsigned depth = 0;
	struct ynode *root = NULL;
	struct fy_diag *diag = NULL;
	struct fy_parser *fyp;
	struct fy_event *e;
	struct docs docs = { .arena = c->arena };
	size_t i = 0;
	bool json, finished = false;
	int r = 0;

	/* JSON input gets libfyaml's JSON mode (its escapes and number rules). */
	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	json = i < len && (buf[i] == '{' || buf[i] == '[');
	/* This thread's parser for the mode, when it has one (yaml.h). */
	fyp = sc_yaml_parser_open(buf, len, json, &diag);
	if (!fyp)
		return -ENOMEM;
	c->in = buf;
	c->in_len = len;
	for (;;) {
		struct ynode *n = NULL;

		e = fy_parser_parse(fyp);
		if (!e) {
			if (fy_parser_get_stream_error(fyp))
				r = syntax_error(c, diag, buf, len);
			else
				finished = true;
			break;
		}
		switch (e->type) {
		case FYET_DOCUMENT_START:
			root = NULL;
			depth = 0;
			break;
		case FYET_DOCUMENT_END: {
			struct ynode **v = reallocarray(docs.v, docs.n + 1, sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			docs.v = v;
			docs.v[docs.n++] = TAKE_PTR(root);
			break;
		}
		case FYET_ALIAS: {
			struct sc_loc loc = event_loc(e);

			/* libfyaml marks the alias after its '*'. */
			if (loc.col > 1)
				loc.col--;
			r = err_at(c, loc,
				   "aliases are not allowed in profiles (YAML aliases can expand "
				   "without bound); write the values out");
			break;
		}
		case FYET_SCALAR:
		case FYET_SEQUENCE_START:
		case FYET_MAPPING_START:
			if (e->type != FYET_SCALAR && depth >= MAX_DEPTH) {
				r = err_at(c, event_loc(e), "nesting deeper than %d levels",
					   MAX_DEPTH);
				break;
			}
			r = new_node(c, e, &n);
			if (r < 0)
				break;
			if (depth == 0) {
				root = n;
			} else {
				struct ynode *top = stack[depth - 1];
				if (top->kind == Y_MAP && top->n % 2 == 0)
					r = check_key(c, n);
				if (r >= 0)
					r = ynode_append(c, top, n);
				if (r < 0) {
					ynode_drop(c, n);
					break;
				}
			}
			if (n->kind != Y_SCALAR)
				stack[depth++] = n;
			break;
		case FYET_SEQUENCE_END:
		case FYET_MAPPING_END:
			if (depth == 0)
				break;
			depth--;
			if (stack[depth]->kind == Y_MAP)
				r = check_duplicates(c, stack[depth]);
			break;
		default:
			break;
		}
		fy_parser_event_free(fyp, e);
		if (r < 0)
			break;
	}
	/* An unfinished document's root is not in docs yet. */
	if (root && (docs.n == 0 || docs.v[docs.n - 1] != root))
		ynode_drop(c, root);
	sc_yaml_parser_close(fyp, diag, json, finished && r == 0);
	if (r < 0) {
		docs_clear(&docs);
		return r;
	}
	*ret = docs;
	return 0;
}

/* ---- typed access ---------------------------------------------------------------------------- */

static bool is_null(const struct ynode *n)
{
	return n && n->kind == Y_SCALAR && !n->quoted &&
	       (n->len == 0 || (n->len == 1 && n->text[0] == '~') ||
		(n->len == 4 &&
		 (streq(n->text, "null") || streq(n->text, "Null") || streq(n->text, "NULL"))));
}

static bool present(const struct ynode *n)
{
	return n && !is_null(n);
}

static bool looks_bool(const char *s)
{
	/* Only a word starting with t or f can be one (most scalars are syscall names). */
	if ((s[0] | 0x20) != 't' && (s[0] | 0x20) != 'f')
		return false;
	return !strcasecmp(s, "true") || !strcasecmp(s, "false");
}

static bool looks_number(const char *s)
{
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (*p == '.')
		return !strcasecmp(p, ".inf") || !strcasecmp(p, ".nan") ||
		       (p[1] >= '0' && p[1] <= '9');
	return *p >= '0' && *p <= '9';
}

static const char *type_name(const struct ynode *n)
{
	if (n->kind == Y_SEQ)
		return "a list";
	if (n->kind == Y_MAP)
		return "a mapping";
	if (n->quoted)
		return "a string";
	if (is_null(n))
		return "null";
	if (looks_bool(n->text))
		return "a boolean";
	if (looks_number(n->text))
		return "a number";
	return "a string";
}

static bool is_string(const struct ynode *n)
{
	return n->kind == Y_SCALAR &&
	       (n->quoted || (!is_null(n) && !looks_bool(n->text) && !looks_number(n->text)));
}

static int get_str(struct rctx *c, const char *key, const struct ynode *n, const char **ret)
{
	if (!is_string(n))
		return err_at(c, n->loc, "expected a string for '%s', got %s", key, type_name(n));
	*ret = n->text;
	return 0;
}

static int get_strdup(struct rctx *c, const char *key, const struct ynode *n, char **ret)
{
	const char *s = NULL;
	int r = get_str(c, key, n, &s);

	if (r < 0)
		return r;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int get_u64(struct rctx *c, const char *key, const struct ynode *n, uint64_t max,
		   uint64_t *ret)
{
	const char *s = n->text;
	uint64_t v = 0;
	unsigned base = 10;

	if (n->kind != Y_SCALAR || n->quoted || !looks_number(s))
		return err_at(c, n->loc, "expected a number for '%s', got %s", key, type_name(n));
	if (*s == '-')
		return err_at(c, n->loc, "negative number %s for '%s' (expected 0..%" PRIu64 ")", s,
			      key, max);
	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2])
		base = 16, s += 2;
	for (const char *p = s; *p; p++) {
		unsigned dg;

		if (*p >= '0' && *p <= '9')
			dg = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			dg = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			dg = *p - 'A' + 10;
		else
			return err_at(c, n->loc, "expected an integer for '%s', got '%s'", key,
				      n->text);
		if (v > (UINT64_MAX - dg) / base)
			return err_at(c, n->loc,
				      "number %s for '%s' is out of range (expected 0..%" PRIu64
				      ")",
				      n->text, key, max);
		v = v * base + dg;
	}
	if (v > max)
		return err_at(c, n->loc,
			      "number %s for '%s' is out of range (expected 0..%" PRIu64 ")",
			      n->text, key, max);
	*ret = v;
	return 0;
}

static int expect_kind(struct rctx *c, const char *key, const struct ynode *n, enum ykind k)
{
	if (n->kind == k)
		return 0;
	return err_at(c, n->loc, "expected %s for '%s', got %s",
		      k == Y_MAP ? "a mapping" : "a list", key, type_name(n));
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* The closest of 'known' to 's' when close enough to be a typo, else NULL. */
static const char *suggest(const char *s, const char *const *known, size_t n)
{
	const char *best = NULL;
	unsigned best_d = UINT_MAX, limit = strlen(s) / 3 + 1;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned dd = edit_distance(s, known[i]);
		if (dd < best_d)
			best_d = dd, best = known[i];
	}
	return best_d <= limit ? best : NULL;
}

_printf_(6, 7) static int err_suggest(struct rctx *c, struct sc_loc loc, const char *s,
				      const char *const *known, size_t n, const char *fmt, ...)
{
	char *msg = NULL;
	const char *sug = suggest(s, known, n);
	va_list ap;
	int r;

	/* Cut as every diagnostic's values are; then passed on whole ("%.*s"). */
	va_start(ap, fmt);
	r = sc_diag_vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (sug)
		r = err_at(c, loc, "%.*s; did you mean '%s'?", (int)strlen(msg), msg, sug);
	else
		r = err_at(c, loc, "%.*s", (int)strlen(msg), msg);
	free(msg);
	return r;
}

/* Look up the values of 'keys' in mapping 'n'; unknown keys are errors with a suggestion.
 * vals[i] is NULL for absent keys. */
static int walk_map(struct rctx *c, const char *what, const struct ynode *n,
		    const char *const *keys, size_t n_keys, const struct ynode **vals)
{
	int ret = 0;

	for (size_t i = 0; i < n_keys; i++)
		vals[i] = NULL;
	if (n->kind != Y_MAP)
		return err_at(c, n->loc, "expected a mapping for %s, got %s", what, type_name(n));
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->v[i];
		size_t j;

		for (j = 0; j < n_keys; j++)
			if (streq(k->text, keys[j]))
				break;
		if (j == n_keys) {
			/* A mark written as an escape ("\ufeff") gets past compose. */
			ret = check_key_bom(c, k);
			if (ret == 0)
				ret = err_suggest(c, k->loc, k->text, keys, n_keys,
						  "unknown key '%s' in %s", k->text, what);
			continue;
		}
		vals[j] = n->v[i + 1];
	}
	return ret;
}

static int merge_err(int a, int b)
{
	if (a == -ENOMEM || b == -ENOMEM)
		return -ENOMEM;
	return a < 0 ? a : b;
}

/* ---- OCI / Docker / SPO spec fields ---------------------------------------------------------- */

static int parse_action(struct rctx *c, const char *key, const struct ynode *n, enum sc_action *ret)
{
	static const char *const known[] = {
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL",
		"SCMP_ACT_TRAP",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_NOTIFY",
		"SCMP_ACT_TRACE",	 "SCMP_ACT_LOG",	 "SCMP_ACT_ALLOW",
	};
	const char *s = NULL;
	enum sc_action a;
	int r = get_str(c, key, n, &s);

	if (r < 0)
		return r;
	a = sc_action_from_string(s);
	if (a < 0)
		return err_suggest(c, n->loc, s, known, ELEMENTSOF(known), "unknown action '%s'",
				   s);
	*ret = a;
	return 0;
}

static int parse_arch(struct rctx *c, const char *key, const struct ynode *n, enum sc_arch *ret)
{
	const char *s;
	enum sc_arch a;
	int r = get_str(c, key, n, &s);

	if (r < 0)
		return r;
	a = sc_arch_from_name(s);
	if (a < 0) {
		const char *known[_SC_ARCH_COUNT];
		for_each_arch (x)
			known[x] = sc_arch_info(x)->scmp_name;
		return err_suggest(c, n->loc, s, known, _SC_ARCH_COUNT, "unknown architecture '%s'",
				   s);
	}
	*ret = a;
	return 0;
}

static int parse_arch_list(struct rctx *c, const char *key, const struct ynode *n,
			   enum sc_arch **arches, size_t *n_arches)
{
	int ret = 0;

	if (!present(n))
		return 0;
	if (expect_kind(c, key, n, Y_SEQ) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n->n; i++) {
		enum sc_arch a, *v;
		bool dup = false;

		if (parse_arch(c, key, n->v[i], &a) < 0) {
			ret = -EINVAL;
			continue;
		}
		for (size_t j = 0; j < *n_arches; j++)
			dup = dup || (*arches)[j] == a;
		if (dup)
			continue;
		v = reallocarray(*arches, *n_arches + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		*arches = v;
		v[(*n_arches)++] = a;
	}
	return ret;
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv = reallocarray(*v, *n + 1, sizeof(*nv));
	char *d = strdup(s);

	if (nv)
		*v = nv;
	if (!nv || !d) {
		free(d);
		return -ENOMEM;
	}
	nv[(*n)++] = d;
	return 0;
}

static int parse_str_list(struct rctx *c, const char *key, const struct ynode *n, char ***v,
			  size_t *count)
{
	int ret = 0;

	if (!present(n))
		return 0;
	if (expect_kind(c, key, n, Y_SEQ) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n->n; i++) {
		const char *s;
		if (get_str(c, key, n->v[i], &s) < 0) {
			ret = -EINVAL;
			continue;
		}
		if (push_str(v, count, s) < 0)
			return -ENOMEM;
	}
	return ret;
}

static int parse_cond(struct rctx *c, const char *what, const struct ynode *n, struct sc_cond *cond)
{
	static const char *const keys[] = { "caps", "arches", "minKernel" };
	const struct ynode *v[ELEMENTSOF(keys)];
	int ret;

	if (!present(n))
		return 0;
	ret = walk_map(c, what, n, keys, ELEMENTSOF(keys), v);
	if (n->kind != Y_MAP)
		return ret;
	ret = merge_err(ret, parse_str_list(c, "caps", v[0], &cond->caps, &cond->n_caps));
	ret = merge_err(ret, parse_arch_list(c, "arches", v[1], &cond->arches, &cond->n_arches));
	if (present(v[2])) {
		const char *s;
		unsigned maj, min;
		char tail;
		if (get_str(c, "minKernel", v[2], &s) < 0)
			ret = merge_err(ret, -EINVAL);
		else if (sscanf(s, "%u.%u%c", &maj, &min, &tail) != 2)
			ret = merge_err(ret,
					err_at(c, v[2]->loc,
					       "minKernel '%s' is not a kernel version such as "
					       "'4.8'",
					       s));
		else if (!(cond->min_kernel = strdup(s)))
			return -ENOMEM;
	}
	return ret;
}

static int parse_arg(struct rctx *c, const struct ynode *n, struct sc_rule *rule)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op" };
	static const char *const ops[] = { "SCMP_CMP_NE",	"SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_EQ",	"SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_MASKED_EQ" };
	const struct ynode *v[ELEMENTSOF(keys)];
	uint64_t index = 0, value = 0, value_two = 0;
	enum sc_cmp op = _SC_CMP_INVALID;
	const char *s;
	int ret = walk_map(c, "an argument filter", n, keys, ELEMENTSOF(keys), v);

	if (n->kind != Y_MAP)
		return ret;
	if (!present(v[0]))
		ret = err_at(c, n->loc, "argument filter without 'index'");
	else if (get_u64(c, "index", v[0], UINT64_MAX, &index) < 0)
		ret = -EINVAL;
	else if (index > 5)
		ret = err_at(c, v[0]->loc,
			     "argument index %s is out of range (a syscall has 6 arguments: 0..5)",
			     v[0]->text);
	if (present(v[1]) && get_u64(c, "value", v[1], UINT64_MAX, &value) < 0)
		ret = -EINVAL;
	if (present(v[2]) && get_u64(c, "valueTwo", v[2], UINT64_MAX, &value_two) < 0)
		ret = -EINVAL;
	if (!present(v[3]))
		ret = err_at(c, n->loc, "argument filter without 'op'");
	else if (get_str(c, "op", v[3], &s) < 0)
		ret = -EINVAL;
	else if ((op = sc_cmp_from_string(s)) < 0)
		ret = err_suggest(c, v[3]->loc, s, ops, ELEMENTSOF(ops), "unknown operator '%s'",
				  s);
	if (ret < 0)
		return ret;
	if (sc_rule_add_arg(rule, (unsigned)index, op, value, value_two) < 0)
		return -ENOMEM;
	rule->args[rule->n_args - 1].loc = n->loc;
	return 0;
}

/* Room for 'n' names (and their locations) in a new rule: one allocation each, not one per
 * name. */
static int reserve_names(struct sc_rule *r, size_t n)
{
	if (n == 0)
		return 0;
	r->names = reallocarray(NULL, n, sizeof(*r->names));
	r->name_locs = reallocarray(NULL, n, sizeof(*r->name_locs));
	return r->names && r->name_locs ? 0 : -ENOMEM;
}

/* Add a name to a rule with room reserved for it (reserve_names). */
static int add_name(struct sc_rule *r, const char *name, struct sc_loc loc)
{
	char *s = strdup(name);

	if (!s)
		return -ENOMEM;
	r->names[r->n_names] = s;
	r->name_locs[r->n_names++] = loc;
	return 0;
}

enum {
	F_OCI = 1 << 0, /* Docker extras: name, comment, includes, excludes */
};

static int parse_rule(struct rctx *c, const struct ynode *n, unsigned fl, struct sc_profile *p)
{
	/* "errno": containers/common (podman's seccomp.json) names the errno beside errnoRet. */
	static const char *const oci_keys[] = { "names",    "action",  "errnoRet",
						"args",	    "comment", "includes",
						"excludes", "name",    "errno" };
	const size_t n_keys = fl & F_OCI ? ELEMENTSOF(oci_keys) : 4;
	const struct ynode *v[ELEMENTSOF(oci_keys)] = { 0 };
	struct sc_rule *rule;
	enum sc_action action = SC_ACT_ALLOW;
	int ret = walk_map(c, "a syscall rule", n, oci_keys, n_keys, v);

	if (n->kind != Y_MAP)
		return ret;
	if (!present(v[1]))
		ret = err_at(c, n->loc, "syscall rule without 'action'");
	else if (parse_action(c, "action", v[1], &action) < 0)
		ret = -EINVAL;
	rule = sc_profile_add_rule(p, action, NULL, 0);
	if (!rule)
		return -ENOMEM;
	rule->loc = n->loc;
	if (reserve_names(rule, (present(v[0]) && v[0]->kind == Y_SEQ ? v[0]->n : 0) +
					(present(v[7]) ? 1 : 0)) < 0)
		return -ENOMEM;
	if (present(v[0]) && expect_kind(c, "names", v[0], Y_SEQ) == 0) {
		for (size_t i = 0; i < v[0]->n; i++) {
			const char *s;
			if (get_str(c, "names", v[0]->v[i], &s) < 0)
				ret = merge_err(ret, -EINVAL);
			else if (add_name(rule, s, v[0]->v[i]->loc) < 0)
				return -ENOMEM;
		}
	} else if (present(v[0])) {
		ret = merge_err(ret, -EINVAL);
	}
	if (present(v[7])) {
		const char *s;
		if (get_str(c, "name", v[7], &s) < 0)
			ret = merge_err(ret, -EINVAL);
		else if (add_name(rule, s, v[7]->loc) < 0)
			return -ENOMEM;
	}
	if (!present(v[0]) && !present(v[7]))
		ret = merge_err(ret, err_at(c, n->loc, "syscall rule without 'names'"));
	else if (rule->n_names == 0 && ret == 0)
		warn_at(c, n->loc, "syscall rule with an empty 'names' list has no effect");
	if (present(v[2])) {
		uint64_t e;
		if (get_u64(c, "errnoRet", v[2], MAX_ERRNO, &e) < 0)
			ret = merge_err(ret, -EINVAL);
		else
			rule->has_errno = true, rule->errno_ret = (uint32_t)e;
	}
	if (present(v[3]) && expect_kind(c, "args", v[3], Y_SEQ) == 0) {
		for (size_t i = 0; i < v[3]->n; i++)
			ret = merge_err(ret, parse_arg(c, v[3]->v[i], rule));
	} else if (present(v[3])) {
		ret = merge_err(ret, -EINVAL);
	}
	if (present(v[4]))
		ret = merge_err(ret, get_strdup(c, "comment", v[4], &rule->comment));
	ret = merge_err(ret, parse_cond(c, "'includes'", v[5], &rule->includes));
	ret = merge_err(ret, parse_cond(c, "'excludes'", v[6], &rule->excludes));
	return ret;
}

static int parse_flags(struct rctx *c, const struct ynode *n, unsigned *flags)
{
	static const char *const known[] = {
		"SECCOMP_FILTER_FLAG_TSYNC",	   "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW",  "SECCOMP_FILTER_FLAG_NEW_LISTENER",
		"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	};
	int ret = 0;

	if (!present(n))
		return 0;
	if (expect_kind(c, "flags", n, Y_SEQ) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n->n; i++) {
		const char *s;
		unsigned f;
		if (get_str(c, "flags", n->v[i], &s) < 0) {
			ret = -EINVAL;
			continue;
		}
		f = sc_flag_from_string(s);
		if (!f)
			ret = err_suggest(c, n->v[i]->loc, s, known, ELEMENTSOF(known),
					  "unknown flag '%s'", s);
		*flags |= f;
	}
	return ret;
}

static int parse_arch_map(struct rctx *c, const struct ynode *n, struct sc_profile *p)
{
	static const char *const keys[] = { "architecture", "subArchitectures" };
	int ret = 0;

	if (!present(n))
		return 0;
	if (expect_kind(c, "archMap", n, Y_SEQ) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v[2];
		struct sc_arch_map m = { 0 }, *nv;
		int r = walk_map(c, "an archMap entry", n->v[i], keys, 2, v);

		if (n->v[i]->kind != Y_MAP) {
			ret = r;
			continue;
		}
		if (!present(v[0]))
			r = err_at(c, n->v[i]->loc, "archMap entry without 'architecture'");
		else if (parse_arch(c, "architecture", v[0], &m.arch) < 0)
			r = -EINVAL;
		r = merge_err(r, parse_arch_list(c, "subArchitectures", v[1], &m.sub, &m.n_sub));
		if (r < 0) {
			free(m.sub);
			ret = merge_err(ret, r);
			continue;
		}
		nv = reallocarray(p->arch_map, p->n_arch_map + 1, sizeof(*nv));
		if (!nv) {
			free(m.sub);
			return -ENOMEM;
		}
		p->arch_map = nv;
		p->arch_map[p->n_arch_map++] = m;
	}
	return ret;
}

/* The seccomp fields shared by OCI/Docker JSON and an SPO spec. */
enum {
	K_DEFAULT_ACTION,
	K_DEFAULT_ERRNO,
	K_ARCHITECTURES,
	K_FLAGS,
	K_LISTENER_PATH,
	K_LISTENER_METADATA,
	K_SYSCALLS,
	K_ARCH_MAP,		  /* OCI only */
	K_BASE_PROFILE = 7,	  /* SPO only (same slot: the tables differ) */
	K_DISABLED,		  /* SPO only */
	K_DEFAULT_ERRNO_NAME = 8, /* OCI only: containers/common's "defaultErrno": "ENOSYS" */
	_K_COUNT,
};

static int parse_seccomp(struct rctx *c, const struct ynode *const *v, unsigned fl,
			 struct sc_profile *p)
{
	int ret = 0;

	if (!present(v[K_DEFAULT_ACTION]))
		ret = err_at(c, p->loc, "missing 'defaultAction'");
	else if (parse_action(c, "defaultAction", v[K_DEFAULT_ACTION], &p->default_action) < 0)
		ret = -EINVAL;
	if (present(v[K_DEFAULT_ERRNO])) {
		uint64_t e;
		if (get_u64(c, "defaultErrnoRet", v[K_DEFAULT_ERRNO], MAX_ERRNO, &e) < 0)
			ret = -EINVAL;
		else
			p->has_default_errno = true, p->default_errno = (uint32_t)e;
	}
	ret = merge_err(ret, parse_arch_list(c, "architectures", v[K_ARCHITECTURES], &p->arches,
					     &p->n_arches));
	ret = merge_err(ret, parse_flags(c, v[K_FLAGS], &p->flags));
	if (present(v[K_LISTENER_PATH]))
		ret = merge_err(
			ret, get_strdup(c, "listenerPath", v[K_LISTENER_PATH], &p->listener_path));
	if (present(v[K_LISTENER_METADATA]))
		ret = merge_err(ret, get_strdup(c, "listenerMetadata", v[K_LISTENER_METADATA],
						&p->listener_metadata));
	if (fl & F_OCI)
		ret = merge_err(ret, parse_arch_map(c, v[K_ARCH_MAP], p));
	if (present(v[K_SYSCALLS]) && expect_kind(c, "syscalls", v[K_SYSCALLS], Y_SEQ) == 0) {
		for (size_t i = 0; i < v[K_SYSCALLS]->n; i++) {
			int r = parse_rule(c, v[K_SYSCALLS]->v[i], fl, p);
			if (r == -ENOMEM)
				return r;
			ret = merge_err(ret, r);
		}
	} else if (present(v[K_SYSCALLS])) {
		ret = merge_err(ret, -EINVAL);
	}
	return ret;
}

static const char *const oci_keys[] = {
	[K_DEFAULT_ACTION] = "defaultAction",
	[K_DEFAULT_ERRNO] = "defaultErrnoRet",
	[K_ARCHITECTURES] = "architectures",
	[K_FLAGS] = "flags",
	[K_LISTENER_PATH] = "listenerPath",
	[K_LISTENER_METADATA] = "listenerMetadata",
	[K_SYSCALLS] = "syscalls",
	[K_ARCH_MAP] = "archMap",
	[K_DEFAULT_ERRNO_NAME] = "defaultErrno",
};

static int parse_oci(struct rctx *c, const struct ynode *root, struct sc_profile *p)
{
	const struct ynode *v[_K_COUNT] = { 0 };
	int ret = walk_map(c, "the profile", root, oci_keys, ELEMENTSOF(oci_keys), v);

	if (ret == -ENOMEM)
		return ret;
	p->meta.format = SC_FORMAT_OCI;
	return merge_err(ret, parse_seccomp(c, v, F_OCI, p));
}

/* ---- Kubernetes objects: metadata ------------------------------------------------------------ */

static const struct ynode *map_get(const struct ynode *n, const char *key)
{
	if (!n || n->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < n->n; i += 2)
		if (streq(n->v[i]->text, key))
			return n->v[i + 1];
	return NULL;
}

static int parse_metadata(struct rctx *c, const struct ynode *n, struct sc_meta *m)
{
	/* ObjectMeta: only name and namespace matter here; the rest may come from kubectl get. */
	static const char *const keys[] = {
		"name",
		"namespace",
		"labels",
		"annotations",
		"uid",
		"resourceVersion",
		"generation",
		"creationTimestamp",
		"generateName",
		"finalizers",
		"ownerReferences",
		"managedFields",
		"selfLink",
		"deletionTimestamp",
		"deletionGracePeriodSeconds",
	};
	const struct ynode *v[ELEMENTSOF(keys)];
	int ret;

	if (!present(n))
		return 0;
	ret = walk_map(c, "'metadata'", n, keys, ELEMENTSOF(keys), v);
	if (n->kind != Y_MAP)
		return ret;
	if (present(v[0]))
		ret = merge_err(ret, get_strdup(c, "name", v[0], &m->name));
	if (present(v[1]))
		ret = merge_err(ret, get_strdup(c, "namespace", v[1], &m->namespace));
	/* A cluster baseline is marked by a label (see binding.h); labels are strings. */
	if (v[2] && v[2]->kind == Y_MAP) {
		const struct ynode *b = map_get(v[2], SC_BASELINE_LABEL);
		m->baseline = b && b->kind == Y_SCALAR && streq(b->text, "true");
	}
	return ret;
}

/* ---- SPO SeccompProfile ---------------------------------------------------------------------- */

static const char *const spo_spec_keys[] = {
	[K_DEFAULT_ACTION] = "defaultAction",
	[K_DEFAULT_ERRNO] = "defaultErrnoRet",
	[K_ARCHITECTURES] = "architectures",
	[K_FLAGS] = "flags",
	[K_LISTENER_PATH] = "listenerPath",
	[K_LISTENER_METADATA] = "listenerMetadata",
	[K_SYSCALLS] = "syscalls",
	[K_BASE_PROFILE] = "baseProfileName",
	[K_DISABLED] = "disabled",
};

static int parse_spo(struct rctx *c, const struct ynode *root, struct sc_profile *p,
		     struct sc_loc *ret_base_loc)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec", "status" };
	const struct ynode *v[ELEMENTSOF(keys)], *s[_K_COUNT] = { 0 };
	const char *api;
	int ret = walk_map(c, "a SeccompProfile", root, keys, ELEMENTSOF(keys), v);

	p->meta.format = SC_FORMAT_SPO;
	if (root->kind != Y_MAP)
		return ret;
	if (!present(v[0]))
		return merge_err(ret, err_at(c, root->loc, "SeccompProfile without 'apiVersion'"));
	if (get_str(c, "apiVersion", v[0], &api) < 0)
		return -EINVAL;
	if (!streq(api, "security-profiles-operator.x-k8s.io/v1") &&
	    !streq(api, "security-profiles-operator.x-k8s.io/v1beta1"))
		return err_at(c, v[0]->loc,
			      "unsupported apiVersion '%s' for SeccompProfile (expected "
			      "security-profiles-operator.x-k8s.io/v1beta1 or /v1)",
			      api);
	if (!(p->meta.api_version = strdup(api)))
		return -ENOMEM;
	ret = merge_err(ret, parse_metadata(c, v[2], &p->meta));
	if (!present(v[3]))
		return merge_err(ret, err_at(c, root->loc, "SeccompProfile without 'spec'"));
	ret = merge_err(ret,
			walk_map(c, "'spec'", v[3], spo_spec_keys, ELEMENTSOF(spo_spec_keys), s));
	if (v[3]->kind != Y_MAP)
		return ret;
	ret = merge_err(ret, parse_seccomp(c, s, 0, p));
	if (present(s[K_BASE_PROFILE])) {
		ret = merge_err(ret, get_strdup(c, "baseProfileName", s[K_BASE_PROFILE],
						&p->meta.base_profile));
		*ret_base_loc = s[K_BASE_PROFILE]->loc;
	}
	if (present(s[K_DISABLED]) && (s[K_DISABLED]->kind != Y_SCALAR || s[K_DISABLED]->quoted ||
				       !looks_bool(s[K_DISABLED]->text)))
		ret = merge_err(ret, err_at(c, s[K_DISABLED]->loc,
					    "expected a boolean for 'disabled', got %s",
					    type_name(s[K_DISABLED])));
	return ret;
}

/* ---- KubeArmorSeccompPolicy (seed 003) ------------------------------------------------------- */

static int parse_selector(struct rctx *c, const struct ynode *n, struct sc_meta *m)
{
	static const char *const keys[] = { "matchLabels", "matchExpressions" };
	static const char *const ekeys[] = { "key", "operator", "values" };
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
	const struct ynode *v[2];
	int ret;

	if (!present(n))
		return 0;
	ret = walk_map(c, "'selector'", n, keys, 2, v);
	if (n->kind != Y_MAP)
		return ret;
	if (present(v[0]) && expect_kind(c, "matchLabels", v[0], Y_MAP) == 0) {
		m->match_labels = calloc(v[0]->n / 2 + 1, sizeof(*m->match_labels));
		if (!m->match_labels)
			return -ENOMEM;
		for (size_t i = 0; i + 1 < v[0]->n; i += 2) {
			struct sc_label *l = &m->match_labels[m->n_match_labels];
			const char *val;
			if (get_str(c, v[0]->v[i]->text, v[0]->v[i + 1], &val) < 0) {
				ret = -EINVAL;
				continue;
			}
			l->key = strdup(v[0]->v[i]->text);
			l->value = strdup(val);
			m->n_match_labels++;
			if (!l->key || !l->value)
				return -ENOMEM;
		}
	} else if (present(v[0])) {
		ret = -EINVAL;
	}
	if (present(v[1]) && expect_kind(c, "matchExpressions", v[1], Y_SEQ) == 0) {
		m->match_exprs = calloc(v[1]->n + 1, sizeof(*m->match_exprs));
		if (!m->match_exprs)
			return -ENOMEM;
		for (size_t i = 0; i < v[1]->n; i++) {
			const struct ynode *ev[3];
			struct sc_selector_expr *x = &m->match_exprs[m->n_match_exprs];
			const char *op = NULL;
			int r = walk_map(c, "a matchExpressions entry", v[1]->v[i], ekeys, 3, ev);

			if (v[1]->v[i]->kind != Y_MAP) {
				ret = r;
				continue;
			}
			m->n_match_exprs++;
			if (!present(ev[0]) || !present(ev[1])) {
				ret = err_at(c, v[1]->v[i]->loc,
					     "matchExpressions entry needs 'key' and 'operator'");
				continue;
			}
			r = merge_err(r, get_strdup(c, "key", ev[0], &x->key));
			if (get_str(c, "operator", ev[1], &op) < 0) {
				r = -EINVAL;
			} else {
				x->op = _SC_SEL_INVALID;
				for (size_t j = 0; j < ELEMENTSOF(ops); j++)
					if (streq(op, ops[j]))
						x->op = (enum sc_selector_op)j;
				if (x->op < 0)
					r = err_suggest(c, ev[1]->loc, op, ops, ELEMENTSOF(ops),
							"unknown operator '%s'", op);
			}
			r = merge_err(r,
				      parse_str_list(c, "values", ev[2], &x->values, &x->n_values));
			ret = merge_err(ret, r);
		}
	} else if (present(v[1])) {
		ret = -EINVAL;
	}
	return ret;
}

static int parse_kubearmor(struct rctx *c, const struct ynode *root, struct sc_profile *p)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec" };
	static const char *const spec_keys[] = { "severity", "selector", "seccomp" };
	static const char *const sc_keys[] = { "arch", "syscalls", "action" };
	static const char *const actions[] = { "Allow", "Audit", "Block", "Deny" };
	const struct ynode *v[4], *s[3], *k[3];
	const char *api, *act = NULL;
	enum sc_action action = SC_ACT_ALLOW;
	struct sc_rule *rule;
	int ret = walk_map(c, "a KubeArmorSeccompPolicy", root, keys, ELEMENTSOF(keys), v);

	p->meta.format = SC_FORMAT_KUBEARMOR;
	if (root->kind != Y_MAP)
		return ret;
	if (!present(v[0]))
		return merge_err(
			ret, err_at(c, root->loc, "KubeArmorSeccompPolicy without 'apiVersion'"));
	if (get_str(c, "apiVersion", v[0], &api) < 0)
		return -EINVAL;
	if (!streq(api, "security.kubearmor.com/v1"))
		return err_at(c, v[0]->loc,
			      "unsupported apiVersion '%s' for KubeArmorSeccompPolicy (expected "
			      "security.kubearmor.com/v1)",
			      api);
	if (!(p->meta.api_version = strdup(api)))
		return -ENOMEM;
	ret = merge_err(ret, parse_metadata(c, v[2], &p->meta));
	if (!present(v[3]))
		return merge_err(ret,
				 err_at(c, root->loc, "KubeArmorSeccompPolicy without 'spec'"));
	ret = merge_err(ret, walk_map(c, "'spec'", v[3], spec_keys, 3, s));
	if (v[3]->kind != Y_MAP)
		return ret;
	if (present(s[0])) {
		uint64_t sev;
		if (get_u64(c, "severity", s[0], 10, &sev) < 0)
			ret = -EINVAL;
		else
			p->meta.severity = (int)sev;
	}
	ret = merge_err(ret, parse_selector(c, s[1], &p->meta));
	if (!present(s[2]))
		return merge_err(ret, err_at(c, v[3]->loc, "spec without 'seccomp'"));
	ret = merge_err(ret, walk_map(c, "'seccomp'", s[2], sc_keys, 3, k));
	if (s[2]->kind != Y_MAP)
		return ret;
	ret = merge_err(ret, parse_arch_list(c, "arch", k[0], &p->arches, &p->n_arches));
	if (!present(k[2])) {
		ret = merge_err(ret, err_at(c, s[2]->loc, "seccomp without 'action'"));
	} else if (get_str(c, "action", k[2], &act) < 0) {
		ret = -EINVAL;
	} else if (!strcasecmp(act, "Allow")) {
		action = SC_ACT_ALLOW;
	} else if (!strcasecmp(act, "Block") || !strcasecmp(act, "Deny")) {
		action = SC_ACT_ERRNO;
	} else if (!strcasecmp(act, "Audit")) {
		action = SC_ACT_LOG;
	} else {
		ret = err_suggest(c, k[2]->loc, act, actions, ELEMENTSOF(actions),
				  "unknown action '%s' (expected Allow, Block or Audit)", act);
	}
	/* A policy has one action. Allow makes it an allow-list: everything else is denied
	 * (defaultAction ERRNO, as seed 003's mapped profile). Block/Deny/Audit make it a
	 * deny-list or audit-list over an otherwise allowed set (defaultAction ALLOW). */
	p->default_action = action == SC_ACT_ALLOW ? SC_ACT_ERRNO : SC_ACT_ALLOW;
	rule = sc_profile_add_rule(p, action, NULL, 0);
	if (!rule)
		return -ENOMEM;
	rule->loc = s[2]->loc;
	if (!present(k[1])) {
		ret = merge_err(ret, err_at(c, s[2]->loc, "seccomp without 'syscalls'"));
	} else if (expect_kind(c, "syscalls", k[1], Y_SEQ) < 0) {
		ret = -EINVAL;
	} else if (reserve_names(rule, k[1]->n) < 0) {
		return -ENOMEM;
	} else {
		for (size_t i = 0; i < k[1]->n; i++) {
			const char *name;
			if (get_str(c, "syscalls", k[1]->v[i], &name) < 0)
				ret = merge_err(ret, -EINVAL);
			else if (add_name(rule, name, k[1]->v[i]->loc) < 0)
				return -ENOMEM;
		}
	}
	/* A policy cannot say ENOSYS: an allow-list that allows clone answers clone3 ENOSYS,
	 * so that libc falls back to it as under the runtimes' default profiles (with EPERM
	 * it gives up: pthread_create fails). The rule syscage would record; it allows
	 * nothing more. */
	if (ret == 0 && action == SC_ACT_ALLOW && sc_implicit_add_fallbacks(p) < 0)
		return -ENOMEM;
	return ret;
}

/* ---- one document ---------------------------------------------------------------------------- */

static int parse_doc(struct rctx *c, const struct ynode *root, struct sc_profile **ret,
		     struct sc_loc *ret_base_loc)
{
	struct sc_profile *p;
	const struct ynode *kind, *linux_, *oci_version;
	int r;

	if (root->kind != Y_MAP)
		return err_at(
			c, root->loc,
			"expected a mapping at the top level (a seccomp profile object), got %s",
			type_name(root));
	p = sc_profile_new();
	if (!p)
		return -ENOMEM;
	p->loc = root->loc;
	kind = map_get(root, "kind");
	oci_version = map_get(root, "ociVersion");
	if (kind) {
		static const char *const kinds[] = { "SeccompProfile", "KubeArmorSeccompPolicy" };
		const char *k;
		if (get_str(c, "kind", kind, &k) < 0)
			r = -EINVAL;
		else if (streq(k, "SeccompProfile"))
			r = parse_spo(c, root, p, ret_base_loc);
		else if (streq(k, "KubeArmorSeccompPolicy"))
			r = parse_kubearmor(c, root, p);
		else
			r = err_suggest(c, kind->loc, k, kinds, 2,
					"unsupported kind '%s' (expected SeccompProfile or "
					"KubeArmorSeccompPolicy)",
					k);
	} else if (map_get(root, "apiVersion")) {
		r = err_at(c, root->loc, "a Kubernetes object without 'kind'");
	} else if (oci_version) {
		/* A whole OCI runtime config.json: take its linux.seccomp. */
		const struct ynode *sec;
		linux_ = map_get(root, "linux");
		sec = map_get(linux_, "seccomp");
		if (!present(sec))
			r = err_at(c, root->loc, "OCI runtime config without linux.seccomp");
		else
			r = parse_oci(c, sec, p);
	} else {
		r = parse_oci(c, root, p);
	}
	if (r == 0 && c->errors)
		r = -EINVAL;
	if (r < 0) {
		sc_profile_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- SPO baseProfileName ------------------------------------------------------------------- */

static int read_docs(struct rctx *c, const char *buf, size_t len, bool resolve_base,
		     struct sc_profile ***ret, struct sc_loc **ret_locs, size_t *ret_n);

static void profiles_free(struct sc_profile **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
}

/* Read 'path' without resolving its own base, and take the document named 'name' (any single
 * document when 'by_file'). Errors go to 'c' only when 'report'. */
static int load_candidate(struct rctx *c, const char *path, const char *name, bool by_file,
			  struct sc_profile **ret, struct sc_loc *ret_loc)
{
	cleanup_free char *buf = NULL;
	struct sc_diags scratch = { .file = path };
	struct rctx sub = *c;
	struct sc_profile **v = NULL;
	struct sc_loc *locs = NULL;
	size_t len, n = 0;
	int r;

	r = sc_read_file(path, MAX_INPUT_SIZE, &buf, &len);
	if (r < 0)
		return r;
	/* Unrelated siblings may be anything: their errors matter only when picked by name. */
	sub.d = by_file ? c->d : &scratch;
	sub.file = path;
	sub.errors = 0;
	sub.nodes = 0;
	if (by_file && c->d)
		c->d->file = path;
	r = read_docs(&sub, buf, len, false, &v, &locs, &n);
	if (by_file && c->d)
		c->d->file = c->file;
	sc_diags_clear(&scratch);
	if (r < 0)
		return by_file ? r : -ENOENT;
	r = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		bool match = v[i]->meta.name ? streq(v[i]->meta.name, name) : by_file && n == 1;
		if (match && r == -ENOENT) {
			*ret = TAKE_PTR(v[i]);
			*ret_loc = locs[i];
			r = 0;
		}
	}
	profiles_free(v, n);
	free(locs);
	return r;
}

static int find_base(struct rctx *c, const char *dir, const char *name, char **ret_path,
		     struct sc_profile **ret, struct sc_loc *ret_loc)
{
	static const char *const exts[] = { ".yaml", ".yml", ".json" };
	cleanup_(closedirp) DIR *dd = NULL;
	struct dirent *de;

	for (size_t i = 0; i < ELEMENTSOF(exts); i++) {
		char *path;
		int r;

		if (asprintf(&path, "%s/%s%s", dir, name, exts[i]) < 0)
			return -ENOMEM;
		if (access(path, F_OK) < 0) {
			free(path);
			continue;
		}
		r = load_candidate(c, path, name, true, ret, ret_loc);
		if (r == 0) {
			*ret_path = path;
			return 0;
		}
		free(path);
		if (r != -ENOENT)
			return r;
	}
	dd = opendir(dir);
	if (!dd)
		return -ENOENT;
	while ((de = readdir(dd))) {
		const char *dot = strrchr(de->d_name, '.');
		char *path;

		if (de->d_name[0] == '.' || !dot ||
		    (!streq(dot, ".yaml") && !streq(dot, ".yml") && !streq(dot, ".json")))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			return -ENOMEM;
		if (load_candidate(c, path, name, false, ret, ret_loc) == 0) {
			*ret_path = path;
			return 0;
		}
		free(path);
	}
	return -ENOENT;
}

static int append_rules(struct sc_profile *dst, struct sc_profile *src, bool clear_locs)
{
	struct sc_rule *v;

	if (!src->n_rules)
		return 0;
	v = reallocarray(dst->rules, dst->n_rules + src->n_rules, sizeof(*v));
	if (!v)
		return -ENOMEM;
	dst->rules = v;
	for (size_t i = 0; i < src->n_rules; i++) {
		struct sc_rule *r = &src->rules[i];
		if (clear_locs) {
			/* Base rules come from another file: their lines would mislead. */
			free(r->name_locs);
			r->name_locs = NULL;
			r->loc = (struct sc_loc){ 0, 0 };
			for (size_t j = 0; j < r->n_args; j++)
				r->args[j].loc = (struct sc_loc){ 0, 0 };
		}
		dst->rules[dst->n_rules++] = *r;
	}
	free(src->rules);
	src->rules = NULL;
	src->n_rules = 0;
	return 0;
}

static bool chain_has(const struct chain *ch, const char *name)
{
	for (; ch; ch = ch->up)
		if (streq(ch->name, name))
			return true;
	return false;
}

static int chain_format(const struct chain *ch, const char *last, char **ret)
{
	/* Outermost first: walk to collect. */
	const struct chain *v[MAX_BASE_DEPTH + 2];
	size_t n = 0;
	char *s = NULL, *t;

	for (; ch && n < ELEMENTSOF(v); ch = ch->up)
		v[n++] = ch;
	if (asprintf(&s, "%s", "") < 0)
		return -ENOMEM;
	while (n--) {
		if (asprintf(&t, "%s%s -> ", s, v[n]->name) < 0) {
			free(s);
			return -ENOMEM;
		}
		free(s);
		s = t;
	}
	if (asprintf(&t, "%s%s", s, last) < 0) {
		free(s);
		return -ENOMEM;
	}
	free(s);
	*ret = t;
	return 0;
}

/* Merge the base profile named in p->meta.base_profile into p: base rules first, then p's own,
 * as SPO layers a profile over its base. defaultAction, listener and metadata stay p's;
 * architectures and flags are the union. */
/* Take what 'base' gives into 'p': its rules before p's own, its architectures and flags, the
 * listener and the default errno where 'p' has none. 'base' is left for the caller to free. */
static int adopt_base(struct sc_profile *p, struct sc_profile *base)
{
	struct sc_profile own = { .rules = p->rules, .n_rules = p->n_rules };
	int r;

	p->rules = NULL;
	p->n_rules = 0;
	r = append_rules(p, base, true);
	if (r >= 0)
		r = append_rules(p, &own, false);
	if (r < 0) {
		/* Give the unmerged rules back for freeing. */
		free(own.rules);
		return r;
	}
	for (size_t i = 0; i < base->n_arches; i++)
		if (sc_profile_add_arch(p, base->arches[i]) < 0)
			return -ENOMEM;
	p->flags |= base->flags;
	if (!p->listener_path && base->listener_path)
		p->listener_path = TAKE_PTR(base->listener_path);
	if (!p->listener_metadata && base->listener_metadata)
		p->listener_metadata = TAKE_PTR(base->listener_metadata);
	if (!p->has_default_errno && base->has_default_errno && p->default_action == SC_ACT_ERRNO &&
	    base->default_action == SC_ACT_ERRNO)
		p->has_default_errno = true, p->default_errno = base->default_errno;
	return 0;
}

static int resolve_base(struct rctx *c, struct sc_profile *p, struct sc_loc loc)
{
	const char *name = p->meta.base_profile;
	const char *self = p->meta.name ? p->meta.name : (c->file ? c->file : "<input>");
	struct chain link = { .name = self, .up = c->chain };
	cleanup_free char *dir = NULL, *path = NULL;
	struct sc_profile *base = NULL;
	struct sc_loc base_loc = { 0, 0 };
	struct rctx sub;
	const char *slash;
	int r;

	if (!strncmp(name, "oci://", 6))
		return err_at(c, loc,
			      "baseProfileName '%s': base profiles from OCI artifacts are not "
			      "supported; put the base profile beside this file",
			      name);
	if (!sc_name_is_safe(name))
		return err_at(c, loc, "baseProfileName '%s' is not a plain profile name", name);
	if (chain_has(&link, name)) {
		cleanup_free char *s = NULL;
		if (chain_format(&link, name, &s) < 0)
			return -ENOMEM;
		return err_at(c, loc, "baseProfileName cycle: %s", s);
	}
	if (c->base_depth >= MAX_BASE_DEPTH)
		return err_at(c, loc, "baseProfileName chain deeper than %d profiles",
			      MAX_BASE_DEPTH);
	if (!c->file || streq(c->file, "-"))
		return err_at(c, loc,
			      "baseProfileName '%s' cannot be resolved for input without a "
			      "directory; read the profile from its file",
			      name);
	slash = strrchr(c->file, '/');
	dir = slash ? strndup(c->file, slash == c->file ? 1 : (size_t)(slash - c->file))
		    : strdup(".");
	if (!dir)
		return -ENOMEM;
	r = find_base(c, dir, name, &path, &base, &base_loc);
	if (r == -ENOENT)
		return err_at(c, loc,
			      "base profile '%s' not found (looked for %s/%s.yaml, .yml, .json and "
			      "a SeccompProfile named '%s' in %s)",
			      name, dir, name, name, dir);
	if (r < 0)
		return r == -ENOMEM ? r
				    : err_at(c, loc, "cannot read base profile '%s': %s", name,
					     strerror(-r));
	if (base->meta.base_profile) {
		sub = *c;
		sub.file = path;
		sub.base_depth = c->base_depth + 1;
		sub.chain = &link;
		if (c->d)
			c->d->file = path;
		r = resolve_base(&sub, base, base_loc);
		if (c->d)
			c->d->file = c->file;
		c->errors = sub.errors;
		if (r < 0) {
			sc_profile_free(base);
			return r;
		}
	}
	r = adopt_base(p, base);
	sc_profile_free(base);
	return r;
}

/* ---- entry points ---------------------------------------------------------------------------- */

static int read_docs(struct rctx *c, const char *buf, size_t len, bool resolve,
		     struct sc_profile ***ret, struct sc_loc **ret_locs, size_t *ret_n)
{
	max_align_t block[YARENA_STACK / sizeof(max_align_t)];
	struct yarena arena, *saved_arena = c->arena;
	struct docs docs = { 0 };
	struct sc_profile **v = NULL;
	struct sc_loc *locs = NULL;
	cleanup_free char *copy = NULL;
	size_t n = 0;
	int r;

	if (len > MAX_INPUT_SIZE) {
		err_at(c, (struct sc_loc){ 0, 0 }, "input is larger than %u MiB; not a profile",
		       MAX_INPUT_SIZE >> 20);
		return -EFBIG;
	}
	r = check_bytes(c, buf, len);
	if (r >= 0)
		r = sc_yaml_drop_boms(&buf, &len, &c->boms, &copy);
	if (r < 0)
		return r;
	/* The tree goes before this returns: from an arena (a base profile read meanwhile
	 * gets its own). */
	sc_yarena_init(&arena, block, sizeof(block));
	c->arena = &arena;
	r = compose(c, buf, len, &docs);
	c->arena = saved_arena;
	if (r < 0)
		return r;
	v = calloc(docs.n + 1, sizeof(*v));
	locs = calloc(docs.n + 1, sizeof(*locs));
	if (!v || !locs) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < docs.n; i++) {
		if (!docs.v[i] || is_null(docs.v[i]))
			continue; /* empty document (e.g. a trailing ---) */
		c->errors = 0;
		r = parse_doc(c, docs.v[i], &v[n], &locs[n]);
		if (r < 0)
			goto fail;
		n++;
	}
	if (n == 0) {
		r = err_at(c, (struct sc_loc){ 1, 1 },
			   "empty input: no profile (expected a JSON object or a YAML document)");
		goto fail;
	}
	if (resolve)
		for (size_t i = 0; i < n; i++)
			if (v[i]->meta.base_profile) {
				c->errors = 0;
				r = resolve_base(c, v[i], locs[i]);
				if (r < 0)
					goto fail;
			}
	docs_clear(&docs);
	*ret = v;
	*ret_n = n;
	if (ret_locs)
		*ret_locs = locs;
	else
		free(locs);
	return 0;
fail:
	docs_clear(&docs);
	profiles_free(v, n);
	free(locs);
	return r;
}

int sc_profile_read_all(const char *buf, size_t len, const char *file, struct sc_diags *d,
			struct sc_profile ***ret, size_t *ret_n)
{
	struct rctx c = { .d = d, .file = file };
	const char *saved = d ? d->file : NULL;
	int r;

	if (!buf || !ret || !ret_n)
		return -EINVAL;
	if (d)
		d->file = file;
	r = read_docs(&c, buf, len, true, ret, NULL, ret_n);
	if (d)
		d->file = saved;
	return r < 0 ? r : (int)*ret_n;
}

int sc_profile_read_buffer(const char *buf, size_t len, const char *file, struct sc_diags *d,
			   struct sc_profile **ret)
{
	struct rctx c = { .d = d, .file = file };
	const char *saved = d ? d->file : NULL;
	struct sc_profile **v = NULL;
	struct sc_loc *locs = NULL;
	size_t n = 0;
	int r;

	if (!buf || !ret)
		return -EINVAL;
	if (d)
		d->file = file;
	r = read_docs(&c, buf, len, true, &v, &locs, &n);
	if (r >= 0 && n > 1) {
		r = err_at(&c, v[1]->loc,
			   "more than one document (%zu); expected one profile per file", n);
		profiles_free(v, n);
	} else if (r >= 0) {
		*ret = v[0];
		free(v);
	}
	free(locs);
	if (d)
		d->file = saved;
	return r < 0 ? r : 0;
}

/* Read 'path' whole; failures are reported in 'd' under the file's name. */
static int read_path(const char *path, struct sc_diags *d, char **buf, size_t *len)
{
	int r;

	r = sc_read_file(path, MAX_INPUT_SIZE, buf, len);
	if (r >= 0)
		return r;
	if (r == -EFBIG)
		(void)sc_diags_add_file(d, path, SC_SEV_ERROR,
					"input is larger than %u MiB; not a profile",
					MAX_INPUT_SIZE >> 20);
	else
		(void)sc_diags_cannot_read(d, path, strerror(-r));
	return r;
}

int sc_profile_read_file(const char *path, struct sc_diags *d, struct sc_profile **ret)
{
	cleanup_free char *buf = NULL;
	size_t len;
	int r;

	r = read_path(path, d, &buf, &len);
	if (r < 0)
		return r;
	return sc_profile_read_buffer(buf, len, path, d, ret);
}

int sc_profile_read_file_merged(const char *path, struct sc_diags *d, struct sc_profile **ret)
{
	cleanup_free char *buf = NULL;
	struct sc_profile **v = NULL;
	const char *saved = d ? d->file : NULL;
	size_t len, n = 0;
	int r;

	r = read_path(path, d, &buf, &len);
	if (r < 0)
		return r;
	r = sc_profile_read_all(buf, len, path, d, &v, &n);
	if (d)
		d->file = path;
	if (r >= 0 && n == 0) {
		sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 },
			     "no profile or policy in it");
		r = -EINVAL;
	} else if (r >= 0 && n == 1) {
		*ret = TAKE_PTR(v[0]);
	} else if (r >= 0) {
		r = sc_profile_merge_weak((const struct sc_profile *const *)v, n,
					  sc_implicit_fallback_implied, d, ret);
	}
	if (d)
		d->file = saved;
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	return r < 0 ? r : 0;
}

/* ---- the tree for other readers (ytree.h) ------------------------------------------------------
 */

int sc_ytree_parse(const char *buf, size_t len, unsigned max_nodes, struct sc_diags *d,
		   struct ynode ***ret, size_t *ret_n)
{
	struct rctx c = { .d = d, .file = d ? d->file : NULL, .max_nodes = max_nodes };
	struct docs docs = { 0 };
	cleanup_free char *copy = NULL;
	int r;

	r = check_bytes(&c, buf, len);
	if (r >= 0)
		r = sc_yaml_drop_boms(&buf, &len, &c.boms, &copy);
	if (r < 0)
		return r;
	r = compose(&c, buf, len, &docs);
	if (r < 0)
		return r;
	*ret = docs.v;
	*ret_n = docs.n;
	return 0;
}

void sc_ytree_free(struct ynode **v, size_t n)
{
	struct docs docs = { .v = v, .n = n };

	docs_clear(&docs);
}

const struct ynode *sc_ynode_get(const struct ynode *n, const char *key)
{
	return map_get(n, key);
}

const char *sc_ynode_string(const struct ynode *n)
{
	return n && is_string(n) ? n->text : NULL;
}
