/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns JSON string escaping (see json.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/json.h"
#include "base/utf8.h"

/* 'n' bytes through the stream's buffer (the caller holds its lock): a name is a few bytes,
 * and fwrite's general path costs more than the copy. */
static void put_run(FILE *f, const unsigned char *p, size_t n)
{
	if (n > 64) {
		fwrite_unlocked(p, 1, n, f);
		return;
	}
	while (n--)
		putc_unlocked(*p++, f);
}

void sc_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	flockfile(f);
	putc_unlocked('"', f);
	while (*p) {
		const unsigned char *run = p;
		size_t n;

		/* Plain ASCII goes out as one run (names and paths are nearly all of it). */
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			put_run(f, run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p == '"' || *p == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked(*p++, f);
		} else if (*p == '\n') {
			put_run(f, (const unsigned char *)"\\n", 2);
			p++;
		} else if (*p == '\t') {
			put_run(f, (const unsigned char *)"\\t", 2);
			p++;
		} else if (*p < 0x20 || *p == 0x7f || !(n = sc_utf8_len(p, 4, NULL))) {
			char u[8];
			int k = snprintf(u, sizeof(u), "\\u%04x", *p++);
			put_run(f, (const unsigned char *)u, (size_t)k);
		} else {
			put_run(f, p, n);
			p += n;
		}
	}
	putc_unlocked('"', f);
	funlockfile(f);
}

void sc_json_text(FILE *f, const char *s)
{
	sc_json_string(f, s ? s : "");
}

/* ---- a memory stream for one document ------------------------------------------------- */

struct memsink {
	char **ret;
	size_t *ret_len;
	char *buf;
	size_t len, cap;
};

static ssize_t memsink_write(void *cookie, const char *data, size_t n)
{
	struct memsink *m = cookie;

	if (n >= m->cap - m->len) {
		size_t cap = m->cap ? m->cap : 1024;
		char *b;
		while (n >= cap - m->len) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		b = realloc(m->buf, cap);
		if (!b)
			return -1;
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, data, n);
	m->len += n;
	m->buf[m->len] = '\0';
	*m->ret = m->buf;
	*m->ret_len = m->len;
	return (ssize_t)n;
}

static int memsink_close(void *cookie)
{
	struct memsink *m = cookie;
	int r = 0;

	if (!m->buf) {
		/* Nothing written: an empty string, as open_memstream gives. */
		m->buf = calloc(1, 1);
		*m->ret = m->buf;
		*m->ret_len = 0;
		r = m->buf ? 0 : -1;
	}
	free(m);
	return r;
}

FILE *sc_memstream_open(char **ret, size_t *ret_len)
{
	static const cookie_io_functions_t io = { .write = memsink_write, .close = memsink_close };
	struct memsink *m = calloc(1, sizeof(*m));
	FILE *f;

	if (!m)
		return NULL;
	*m = (struct memsink){ .ret = ret, .ret_len = ret_len };
	*ret = NULL;
	*ret_len = 0;
	f = fopencookie(m, "w", io);
	if (!f)
		free(m);
	return f;
}
