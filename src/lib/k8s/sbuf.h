/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A text grown in place (internal to libsyscage's k8s part): what k8s-bind.c renders an edit
 * into, and where it makes a run of edited documents before it checks and writes them. Always
 * NUL-terminated once anything was added; 'oom' once an allocation failed (what is added then
 * is dropped). */
#pragma once

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The text of an edit, grown in place: a memstream per edit (libc's calloc of a page, then a
 * FILE) was a tenth of a 10,000-workload bind. */
struct sbuf {
	char *s;
	size_t n, cap;
	bool oom;
};

static inline void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->n <= n) {
		size_t cap = b->cap ? b->cap : 128;
		char *t;
		while (cap - b->n <= n)
			cap *= 2;
		t = realloc(b->s, cap);
		if (!t) {
			b->oom = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static inline void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static inline void sb_putc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* The text, or NULL (out of memory); the builder is left empty. */
static inline char *sb_take(struct sbuf *b)
{
	if (!b->oom && !b->s)
		sb_add(b, "", 0);
	if (b->oom) {
		free(b->s);
		*b = (struct sbuf){};
		return NULL;
	}
	char *s = b->s;
	*b = (struct sbuf){};
	return s;
}
