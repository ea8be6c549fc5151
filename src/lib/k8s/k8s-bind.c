/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns binding Kubernetes workloads to their profiles by editing the manifest's text (never
 * re-emitting it, so comments, order, quoting and flow style survive): edits are (offset,
 * bytes to delete, text to insert) triples applied in one forward pass. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/bind-edit.h"
#include "k8s/manifest.h"
#include "k8s/sbuf.h"
#include "macro.h"
#include "syscage/k8s.h"

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
	if (sc_diags_add(e->d, SC_SEV_ERROR, yn_loc(n), "%s %s/%s: %s", e->who->kind,
			 e->who->namespace, e->who->name, msg) < 0)
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

static void put_str(struct sbuf *f, const char *s, bool quote)
{
	if (!quote && plain_safe(s)) {
		sb_puts(f, s);
		return;
	}
	/* Escapes both YAML and JSON read the same way: a control character (a container name may
	 * hold a line break) as \u00XX, never raw inside the quotes. */
	sb_putc(f, '"');
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			char u[7] = { '\\',
				      'u',
				      '0',
				      '0',
				      "0123456789abcdef"[(*s >> 4) & 0xf],
				      "0123456789abcdef"[*s & 0xf],
				      0 };
			sb_add(f, u, 6);
		} else if (*s == '"' || *s == '\\') {
			sb_putc(f, '\\');
			sb_putc(f, *s);
		} else {
			sb_putc(f, *s);
		}
	}
	sb_putc(f, '"');
}

static void put_flow(struct sbuf *f, const struct kv *kv, bool json);

static void put_flow_value(struct sbuf *f, const struct kv *kv, bool json)
{
	switch (kv->kind) {
	case KV_STR:
		put_str(f, kv->str, json);
		break;
	case KV_FALSE:
		sb_puts(f, "false");
		break;
	case KV_DROP_ALL:
		sb_puts(f, json ? "[\"ALL\"]" : "[ALL]");
		break;
	case KV_MAP:
		sb_putc(f, '{');
		for (size_t i = 0, k = 0; i < kv->n; i++) {
			if (kv->kids[i].only_update)
				continue;
			sb_puts(f, k++ ? ", " : "");
			put_flow(f, &kv->kids[i], json);
		}
		sb_putc(f, '}');
		break;
	}
}

static void put_flow(struct sbuf *f, const struct kv *kv, bool json)
{
	put_str(f, kv->key, json);
	sb_puts(f, ": ");
	put_flow_value(f, kv, json);
}

static void put_block(struct sbuf *f, const struct kv *kv, unsigned indent)
{
	for (unsigned i = 0; i < indent; i++)
		sb_putc(f, ' ');
	put_str(f, kv->key, false);
	sb_putc(f, ':');
	if (kv->kind != KV_MAP) {
		sb_putc(f, ' ');
		put_flow_value(f, kv, false);
		sb_putc(f, '\n');
		return;
	}
	sb_putc(f, '\n');
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
	struct sbuf f = {};

	for (size_t i = 0; i < n; i++) {
		if (kvs[i].only_update || !kv_has_content(&kvs[i]))
			continue;
		if (block) {
			put_block(&f, &kvs[i], indent);
		} else {
			sb_puts(&f, first ? "" : ", ");
			put_flow(&f, &kvs[i], json);
			first = false;
		}
	}
	return sb_take(&f);
}

static char *render_value(const struct kv *kv, bool json)
{
	struct sbuf f = {};

	put_flow_value(&f, kv, json);
	return sb_take(&f);
}

static bool refuse_shared(struct ectx *e, const struct yn *n);

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
	if (v->shared) {
		free(txt);
		(void)refuse_shared(e, v);
		return;
	}
	if (v->anchored) {
		free(txt);
		ectx_error(e, v, "cannot edit an anchored node (its aliases would change too)");
		return;
	}
	if (v->tagged) {
		free(txt);
		ectx_error(e, v, "cannot edit a node with a tag (\"!tag\"): remove the tag");
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
		return yn_plain_bool(v, false);
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

/* Do comment (or blank) lines with a tab before their text start at 'q'? libfyaml takes such a
 * tab for indentation when the line follows deeper lines, as inserted ones are (found by
 * fuzz-k8s): the output would not parse. */
static bool tab_comment_at(const struct ectx *e, size_t q)
{
	while (q < e->len) {
		size_t i = q;
		bool tab = false;
		while (i < e->len && (e->buf[i] == ' ' || e->buf[i] == '\t'))
			tab |= e->buf[i++] == '\t';
		if (i < e->len && e->buf[i] != '#' && e->buf[i] != '\n' && e->buf[i] != '\r')
			return false; /* text: the comments end */
		if (tab)
			return true;
		while (i < e->len && e->buf[i] != '\n')
			i++;
		q = i + 1;
	}
	return false;
}

static void insert_block(struct ectx *e, const struct yn *m, size_t pos, char *txt)
{
	if (tab_comment_at(e, pos)) {
		free(txt);
		ectx_error(e, m,
			   "cannot add a key before a comment indented with a tab (libfyaml "
			   "would read the tab as indentation): indent it with spaces");
		return;
	}
	ectx_add(e, pos, 0, m->depth, txt);
}

/* Add 'text' (rendered pairs) at the end of mapping 'm'. */
/* Text reached through an alias or a merge key is other objects' too (or not this one's
 * alone): editing it would change them, or not change this one. Refused, saying what to write. */
static bool refuse_shared(struct ectx *e, const struct yn *n)
{
	if (n->shared)
		ectx_error(e, n,
			   "cannot edit a node reached through a YAML alias or a '<<' merge key "
			   "(its text is another object's too): write it out in full here");
	else if (n->merged)
		ectx_error(e, n,
			   "cannot add keys to a mapping with a '<<' merge key: write the keys it "
			   "merges out and remove the '<<'");
	return n->shared || n->merged;
}

static void append_to_map(struct ectx *e, struct yn *m, const struct kv *kvs, size_t n)
{
	char *txt;

	if (refuse_shared(e, m))
		return;
	if (m->bare && m->bare_props) {
		/* Its '{' would go between the tag or anchor and the key (found by fuzz-k8s). */
		ectx_error(
			e, m,
			"cannot add keys to a one-pair flow mapping without braces whose key has "
			"a tag or an anchor: write it in braces ({key: value})");
		return;
	}
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
		if (txt && pos > 0 && e->buf[pos - 1] == ':') {
			/* After an empty value's ':' ("{k:}"): ":," would join a plain key. */
			char *t2 = NULL;
			if (asprintf(&t2, " %s", txt) < 0)
				t2 = NULL;
			free(txt);
			txt = t2;
		}
		ectx_add(e, pos, 0, m->depth, txt);
		return;
	}
	if (m->open_tail) {
		/* "? key" then a key appended: libfyaml may read both as one key. */
		ectx_error(e, m, "cannot add a key after a key without ':' (\"? key\")");
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
			insert_block(e, m, ls, txt);
			return;
		}
		while (p < e->len && e->buf[p] != '\n')
			p++;
		if (p < e->len) {
			insert_block(e, m, p + 1, txt);
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
	if (m->anchored) {
		ectx_error(e, m, "cannot edit an anchored node (its aliases would change too)");
		return;
	}
	if (m->tagged) {
		ectx_error(e, m, "cannot edit a node with a tag (\"!tag\"): remove the tag");
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

int bind_cmp_edit(const void *a, const void *b)
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

	if (!ann || !keys)
		return -ENOMEM;
	for (size_t i = 0; i < w->n_containers; i++)
		any_legacy |= w->containers[i].legacy != NULL;
	if (!wp->podspec || (!wp->holder && (o->legacy_annotations || any_legacy))) {
		/* Read without what binding edits (sc_k8s_files_read_keep). */
		if (sc_diags_add(e->d, SC_SEV_ERROR, w->loc,
				 "%s %s/%s: read without what binding edits (its %s)", w->kind,
				 w->namespace, w->name, wp->podspec ? "annotations" : "tree") < 0)
			return -ENOMEM;
		return e->err = -EINVAL;
	}
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
		if (asprintf(&legacy, "localhost/%s", w->profile) < 0) {
			legacy = NULL;
			return -ENOMEM;
		}
		ann[na++] = (struct kv){ .key = ANN_POD,
					 .kind = KV_STR,
					 .str = legacy,
					 .only_update = !o->legacy_annotations };
		for (size_t i = 0; i < w->n_containers; i++) {
			const struct sc_k8s_container *c = &w->containers[i];
			bool seen = false;
			if (!c->name)
				continue;
			/* Two containers of one name (the API server refuses the pod) would
			 * write the same annotation twice: a duplicate key. */
			for (size_t k = 0; k < i && !seen; k++)
				seen = w->containers[k].name &&
				       streq(w->containers[k].name, c->name);
			if (seen)
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
int bind_workload_edits(struct ectx *e, const struct sc_k8s_file *f, size_t i,
			const struct sc_k8s_bind_opts *o)
{
	const struct sc_k8s_workload *w = &f->workloads[i];
	int q;

	e->who = w;
	e->err = 0;
	q = bind_one(e, w, &f->tree->wp[i], o);
	e->who = NULL;
	return q;
}

void bind_sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->buf)
		sb_add(s->buf, p, n);
	else if (s->ref && !s->differs)
		s->differs = n > s->ref_len - s->n || memcmp(s->ref + s->n, p, n) != 0;
	s->n += n;
}

/* Apply e's edits (sorted) to 'text' from *at on, into 'out'. An edit before *at overlaps one
 * applied: skipped (cannot happen). */
void bind_apply_edits(const struct ectx *e, const char *text, size_t *at, struct sink *out)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].pos < *at)
			continue;
		bind_sink_put(out, text + *at, e->v[i].pos - *at);
		bind_sink_put(out, e->texts + e->v[i].text, e->v[i].text_len);
		*at = e->v[i].pos + e->v[i].del;
	}
}
