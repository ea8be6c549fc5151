/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns finding, in a manifest's text, where it may be cut: its documents' "---" lines, and the
 * items of a List document (what `kubectl get -o yaml` prints: one document holding every
 * object) that has the plain shape whose items can be read one range at a time, with the
 * List's skeleton (its text around the items) that shows it is that shape. Only the text is
 * looked at here; what libfyaml reads of each cut (k8s-workload.c) confirms the cut, and a cut
 * it does not confirm is read whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s-list.h"
#include "macro.h"

/* Where a document's look for a List is. */
enum {
	L_HEAD,	 /* before its "items:" line */
	L_PRE,	 /* after it, before the first item */
	L_ITEMS, /* among the items */
	L_TAIL,	 /* after them: the List's other keys */
	L_NO,	 /* not a List to cut */
};

struct doc {
	int state;
	uint32_t start, items_key, items_end;
	size_t col; /* the items' '-' column */
	uint32_t *item, *line;
	size_t n, cap;
};

/* The line's text: past its spaces; 'e' (its end) when it is blank (CR LF ends a line too). */
static const char *text_at(const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	if (p + 1 == e && *p == '\r')
		return e;
	return p;
}

static bool blank_or_comment(const char *t, const char *e)
{
	return t == e || *t == '#';
}

/* A sequence item's '-': then a space or the line's end. */
static bool is_dash(const char *t, const char *e)
{
	return t < e && *t == '-' && (t + 1 == e || t[1] == ' ' || (t[1] == '\r' && t + 2 == e));
}

/* "items:" at the line's start and nothing after but spaces and a comment. */
static bool is_items_key(const char *p, const char *e)
{
	const char *t;

	if (e - p < 6 || memcmp(p, "items:", 6) != 0)
		return false;
	p += 6;
	if (p < e && *p != ' ' && !(*p == '\r' && p + 1 == e))
		return false;
	t = text_at(p, e);
	return blank_or_comment(t, e);
}

/* A line that starts a plain or quoted key at the top of the document (a List's key after its
 * items: "kind: List"). Anything else there ('?', '[', an anchor, a tag...) is not cut. */
static bool key_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '"' || c == '\'';
}

/* A "---" or "..." line (the marker, then a blank, or nothing). */
static bool is_marker(const char *p, const char *e, char m)
{
	return e - p >= 3 && p[0] == m && p[1] == m && p[2] == m &&
	       (e - p == 3 || strchr(" \t\r", p[3]));
}

/* Whether the line has more spaces first than 'col': text of an item (or a blank line). */
static bool deeper(const char *p, const char *e, size_t col)
{
	if ((size_t)(e - p) <= col)
		return false;
	for (size_t i = 0; i <= col; i++)
		if (p[i] != ' ')
			return false;
	return true;
}

static int item_add(struct doc *c, const char *buf, const char *p, uint32_t line)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		uint32_t *v = reallocarray(c->item, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->item = v;
		v = reallocarray(c->line, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->line = v;
		c->cap = cap;
	}
	c->item[c->n] = (uint32_t)(p - buf);
	c->line[c->n++] = line;
	return 0;
}

/* One line of the document, starting at 'p' (its end 'e'), 'line' lines before it. */
static int doc_line(struct doc *c, const char *buf, const char *p, const char *e, uint32_t line)
{
	const char *t;

	switch (c->state) {
	case L_HEAD:
		if (*p == 'i' && is_items_key(p, e)) {
			c->items_key = (uint32_t)(p - buf);
			c->state = L_PRE;
		}
		return 0;
	case L_PRE:
		t = text_at(p, e);
		if (blank_or_comment(t, e))
			return 0;
		if (!is_dash(t, e)) {
			c->state = L_NO;
			return 0;
		}
		c->col = (size_t)(t - p);
		c->state = L_ITEMS;
		return item_add(c, buf, p, line);
	case L_ITEMS:
		if (deeper(p, e, c->col))
			return 0; /* most lines: the items' text */
		t = text_at(p, e);
		if (blank_or_comment(t, e) || (size_t)(t - p) > c->col)
			return 0; /* a comment anywhere, or an item's text */
		if ((size_t)(t - p) == c->col && is_dash(t, e))
			return item_add(c, buf, p, line);
		if (t == p && key_start(*p)) {
			c->items_end = (uint32_t)(p - buf);
			c->state = L_TAIL;
		} else {
			c->state = L_NO; /* text left of the items, or at their column */
		}
		return 0;
	default:
		return 0;
	}
}

/* The document ending at 'end' (the next "---" line, or the text's end): kept when it is a
 * List to cut, big enough. */
static int doc_close(struct k8s_scan *s, struct doc *c, const char *buf, size_t end,
		     uint32_t end_line, size_t list_min)
{
	struct k8s_list *l, *v;

	if (c->state == L_ITEMS)
		c->items_end = (uint32_t)end;
	if ((c->state != L_ITEMS && c->state != L_TAIL) || end - c->start < list_min ||
	    memchr(buf + c->start, '\t', end - c->start)) {
		c->n = 0;
		return 0;
	}
	v = reallocarray(s->lists, s->n_lists + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->lists = v;
	l = &v[s->n_lists++];
	*l = (struct k8s_list){ .doc_start = c->start,
				.doc_end = (uint32_t)end,
				.end_line = end_line,
				.items_key = c->items_key,
				.items_end = c->items_end,
				.item = c->item,
				.line = c->line,
				.n_items = c->n };
	*c = (struct doc){};
	return 0;
}

static int marker_add(struct k8s_scan *s, uint32_t at, uint32_t line)
{
	if (s->n_docs == s->cap_docs) {
		size_t cap = s->cap_docs ? 2 * s->cap_docs : 64;
		uint32_t *v = reallocarray(s->doc, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->doc = v;
		v = reallocarray(s->doc_line, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->doc_line = v;
		s->cap_docs = cap;
	}
	s->doc[s->n_docs] = at;
	s->doc_line[s->n_docs++] = line;
	return 0;
}

int k8s_scan(const char *buf, size_t len, size_t list_min, struct k8s_scan *s)
{
	const char *end = buf + len, *p = buf;
	struct doc c = {};
	uint32_t line = 0;
	int r = 0;

	*s = (struct k8s_scan){};
	/* One pass over the line starts. */
	for (; p < end && r == 0; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		if (*p == '%' || is_marker(p, e, '.')) {
			/* Directives, or ends of documents: a range read alone could read other
			 * documents than one read of the whole. */
			s->whole = true;
			break;
		}
		if (is_marker(p, e, '-')) {
			uint32_t at = (uint32_t)(p - buf);
			r = doc_close(s, &c, buf, at, line, list_min);
			if (r == 0 && at > 0)
				r = marker_add(s, at, line);
			c.n = 0;
			c.start = at;
			/* A List cut is one whose "---" line holds no more than a comment. */
			c.state = blank_or_comment(text_at(p + 3, e), e) ? L_HEAD : L_NO;
		} else {
			r = doc_line(&c, buf, p, e, line);
		}
		p = nl ? nl + 1 : end;
	}
	if (r == 0 && !s->whole)
		r = doc_close(s, &c, buf, len, line, list_min);
	free(c.item);
	free(c.line);
	if (r < 0 || s->whole) {
		k8s_scan_free(s);
		s->whole = r == 0;
	}
	return r;
}

void k8s_scan_free(struct k8s_scan *s)
{
	for (size_t i = 0; i < s->n_lists; i++) {
		free(s->lists[i].item);
		free(s->lists[i].line);
	}
	free(s->lists);
	free(s->doc);
	free(s->doc_line);
	*s = (struct k8s_scan){};
}

char *k8s_list_skeleton(const char *buf, const struct k8s_list *l, size_t *ret_len,
			struct k8s_skel *ret)
{
	/* The List's text before its second item, then from its last on: all of it with one
	 * item; the items between are read apart. */
	size_t head = (l->n_items > 1 ? l->item[1] : l->doc_end) - l->doc_start;
	size_t tail = l->n_items > 1 ? l->doc_end - l->item[l->n_items - 1] : 0;
	char *s = malloc(head + tail + 1);

	if (!s)
		return NULL;
	memcpy(s, buf + l->doc_start, head);
	if (tail)
		memcpy(s + head, buf + l->item[l->n_items - 1], tail);
	s[head + tail] = '\0';
	*ret_len = head + tail;
	*ret = (struct k8s_skel){ .items_key = l->items_key - l->doc_start,
				  .first_end = l->n_items > 1 ? head : head + tail,
				  .n = l->n_items > 1 ? 2 : 1 };
	return s;
}
