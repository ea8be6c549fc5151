/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the libfyaml diagnostic set-up every parser in the library uses (see yaml.h). */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/utf8.h"
#include "base/yaml.h"

struct fy_diag *sc_yaml_quiet_diag(bool collect)
{
	/* Filled here rather than by fy_diag_cfg_default(), which asks isatty(stderr): one
	 * ioctl per parse, 10,000 of them in an agent pass, for colours never printed. */
	struct fy_diag_cfg dcfg = {
		.fp = NULL,
		.level = FYET_ERROR,
		.module_mask = ~0u,
		.colorize = false,
	};
	struct fy_diag *diag;

	diag = fy_diag_create(&dcfg);
	if (diag && collect)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

bool sc_yaml_first_error(struct fy_diag *diag, struct sc_loc *loc, const char **msg)
{
	struct fy_diag_error *de;
	void *it = NULL;

	while ((de = fy_diag_errors_iterate(diag, &it)))
		if (de->type == FYET_ERROR && de->msg) {
			loc->line = de->line > 0 ? (unsigned)de->line : 0;
			loc->col = de->column > 0 ? (unsigned)de->column : 0;
			*msg = de->msg;
			return true;
		}
	return false;
}

/* Under the sanitizers, a parser left on purpose is not a leak to report. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define LEFT_ON_PURPOSE(p) __lsan_ignore_object(p)
#else
#define LEFT_ON_PURPOSE(p) ((void)(p))
#endif

void sc_yaml_parser_destroy(struct fy_parser *fyp)
{
	if (!fyp)
		return;
	if (fy_parser_get_stream_error(fyp))
		LEFT_ON_PURPOSE(fyp);
	else
		fy_parser_destroy(fyp);
}

/* ---- a thread's parsers, kept between parses --------------------------------------------- */

struct kept_parser {
	struct fy_parser *fyp;
	struct fy_diag *diag;
};

static __thread struct kept_parser kept[2]; /* [json] */
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static bool kept_key_ok;

/* At a thread's exit (the key's value is only there to have this called). */
static void kept_free(void *unused)
{
	(void)unused;
	for (size_t i = 0; i < 2; i++) {
		if (kept[i].fyp)
			fy_parser_destroy(kept[i].fyp);
		fy_diag_destroy(kept[i].diag);
		kept[i] = (struct kept_parser){};
	}
}

static void kept_key_init(void)
{
	kept_key_ok = pthread_key_create(&kept_key, kept_free) == 0;
}

struct fy_parser *sc_yaml_parser_open(const char *buf, size_t len, bool json,
				      struct fy_diag **ret_diag)
{
	struct kept_parser *k = &kept[json];
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
					     (json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE) };
	struct fy_parser *fyp = k->fyp;
	struct fy_diag *diag = k->diag;

	/* Taken out of the slot: a parse within this one (none does) gets a new parser. */
	*k = (struct kept_parser){};
	if (!fyp) {
		diag = sc_yaml_quiet_diag(true);
		if (!diag)
			return NULL;
		cfg.diag = diag;
		fyp = fy_parser_create(&cfg);
		if (!fyp) {
			fy_diag_destroy(diag);
			return NULL;
		}
	}
	if (fy_parser_set_string(fyp, buf, len) < 0) {
		sc_yaml_parser_close(fyp, diag, json, false);
		return NULL;
	}
	*ret_diag = diag;
	return fyp;
}

void sc_yaml_parser_close(struct fy_parser *fyp, struct fy_diag *diag, bool json, bool finished)
{
	struct kept_parser *k = &kept[json];
	void *it = NULL;

	if (!fyp)
		return;
	/* Kept only clean: no error collected (the next parse reports its own first error),
	 * reset without complaint, the slot free, and a way to free it at the thread's exit. */
	if (finished && !fy_parser_get_stream_error(fyp) && !fy_diag_errors_iterate(diag, &it) &&
	    !k->fyp && pthread_once(&kept_once, kept_key_init) == 0 && kept_key_ok &&
	    pthread_setspecific(kept_key, kept) == 0 && fy_parser_reset(fyp) == 0) {
		*k = (struct kept_parser){ fyp, diag };
		return;
	}
	sc_yaml_parser_destroy(fyp);
	fy_diag_destroy(diag);
}

const char *sc_yaml_scalar_at(struct fy_token *t, const struct fy_mark *s, const struct fy_mark *e,
			      const char *buf, size_t len, size_t *ret_len)
{
	enum fy_scalar_style st;
	const char *p;
	size_t n;

	/* On one line, a plain scalar has no folding and no escapes, a single-quoted one none
	 * but '', a double-quoted one none but a backslash's: without those, what is between
	 * its marks (the quotes and the blanks after it are not) is all of it. */
	if (!t || !s || !e || s->line != e->line || e->input_pos <= s->input_pos ||
	    e->input_pos > len)
		return fy_token_get_text(t, ret_len);
	st = fy_token_scalar_style(t);
	p = buf + s->input_pos;
	n = e->input_pos - s->input_pos;
	if ((st == FYSS_SINGLE_QUOTED && memchr(p, '\'', n)) ||
	    (st == FYSS_DOUBLE_QUOTED && memchr(p, '\\', n)) ||
	    (st != FYSS_PLAIN && st != FYSS_SINGLE_QUOTED && st != FYSS_DOUBLE_QUOTED))
		return fy_token_get_text(t, ret_len);
	*ret_len = n;
	return p;
}

const char *sc_yaml_scalar_text(struct fy_token *t, const char *buf, size_t len, size_t *ret_len)
{
	return sc_yaml_scalar_at(t, t ? fy_token_start_mark(t) : NULL,
				 t ? fy_token_end_mark(t) : NULL, buf, len, ret_len);
}

struct fy_document *sc_yaml_build_document(const struct fy_parse_cfg *cfg, const char *buf,
					   size_t len)
{
	struct fy_parser *fyp = fy_parser_create(cfg);
	struct fy_event *e;
	bool bad;

	if (!fyp)
		return NULL;
	if (fy_parser_set_string(fyp, buf, len) != 0) {
		fy_parser_destroy(fyp);
		return NULL;
	}
	while ((e = fy_parser_parse(fyp)))
		fy_parser_event_free(fyp, e);
	bad = fy_parser_get_stream_error(fyp);
	sc_yaml_parser_destroy(fyp);
	return bad ? NULL : fy_document_build_from_string(cfg, buf, len);
}

/* Where the text stops being valid (a NUL, or bytes that are not UTF-8), or len. Eight ASCII
 * bytes without a NUL are passed in one step: manifests are mostly that, and this runs over
 * every byte bind reads and writes. */
static size_t text_invalid_at(const unsigned char *s, size_t len, const char **ret_why)
{
	size_t i = 0;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			/* No byte >= 0x80 and none zero (the classic has-zero-byte test). */
			if (!((w | ((w - 0x0101010101010101ull) & ~w)) & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		if (s[i] == 0) {
			*ret_why = "NUL byte (YAML and JSON are text)";
			return i;
		}
		size_t l = sc_utf8_len(s + i, len - i, NULL);
		if (l == 0) {
			*ret_why = "invalid UTF-8 (Kubernetes reads YAML and JSON as UTF-8)";
			return i;
		}
		i += l;
	}
	return len;
}

bool sc_yaml_text_valid(const char *buf, size_t len, struct sc_loc *ret_loc, const char **ret_why)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t bad = text_invalid_at(s, len, ret_why);
	struct sc_loc loc = { 1, 1 };

	if (bad == len)
		return true;
	/* Its line and column (in characters), counted only now. */
	for (size_t i = 0; i < bad;) {
		if (s[i] == '\n')
			loc.line++, loc.col = 1;
		else
			loc.col++;
		size_t l = sc_utf8_len(s + i, bad - i, NULL);
		i += l ? l : 1;
	}
	*ret_loc = loc;
	return false;
}

int sc_yaml_fd_text_valid(int fd)
{
	unsigned char buf[65536 + 4];
	size_t carry = 0;

	for (;;) {
		ssize_t n = read(fd, buf + carry, sizeof(buf) - 4);
		size_t len, i = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len = carry + (size_t)n;
		while (i < len) {
			size_t l = buf[i] ? sc_utf8_len(buf + i, len - i, NULL) : 0;
			if (l == 0) {
				/* A sequence the read cut is finished by the next one. */
				if (n > 0 && buf[i] >= 0xc2 && buf[i] <= 0xf4 && len - i < 4)
					break;
				return 0;
			}
			i += l;
		}
		carry = len - i;
		memmove(buf, buf + i, carry);
		if (n == 0)
			return carry == 0;
	}
}

#define BOM "\xef\xbb\xbf"

bool sc_yaml_after_marker_line(const char *buf, size_t at)
{
	size_t ls = at - 1, i;

	while (ls > 0 && buf[ls - 1] != '\n')
		ls--;
	if (at - ls < 4 || memcmp(buf + ls, "---", 3) != 0)
		return false;
	for (i = ls + 3; i < at - 1 && (buf[i] == ' ' || buf[i] == '\t'); i++)
		;
	return i == at - 1 || buf[i] == '#' || (buf[i] == '\r' && i == at - 2);
}

int sc_yaml_drop_boms(const char **buf, size_t *len, unsigned *boms, char **ret_copy)
{
	const char *p, *end, *b;
	char *copy, *o;

	if (*len >= 3 && !memcmp(*buf, BOM, 3))
		*buf += 3, *len -= 3;
	if (!*boms)
		return 0;
	copy = malloc(*len + 1);
	if (!copy)
		return -ENOMEM;
	*boms = 0;
	for (p = *buf, end = *buf + *len, o = copy; (b = memmem(p, (size_t)(end - p), BOM, 3));
	     p = b + 3) {
		bool drop = b > *buf && b[-1] == '\n' &&
			    sc_yaml_after_marker_line(*buf, (size_t)(b - *buf));
		size_t keep = (size_t)(b - p) + (drop ? 0 : 3);

		memcpy(o, p, keep);
		o += keep;
		*boms += !drop;
	}
	memcpy(o, p, (size_t)(end - p));
	o += end - p;
	*o = '\0';
	*buf = *ret_copy = copy;
	*len = (size_t)(o - copy);
	return 0;
}

char *sc_yaml_marks_shown(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *b;
	char *shown = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&shown, &size);

	if (!f)
		return NULL;
	for (; (b = memmem(p, (size_t)(end - p), BOM, 3)); p = b + 3)
		fprintf(f, "%.*s<U+FEFF>", (int)(b - p), p);
	fprintf(f, "%.*s", (int)(end - p), p);
	if (fclose(f) != 0) {
		free(shown);
		return NULL;
	}
	return shown;
}

unsigned sc_yaml_first_bom_line(const char *buf, size_t len)
{
	const char *bom = memmem(buf, len, BOM, 3);
	unsigned line = 1;

	if (!bom)
		return 0;
	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(bom - p))); p++)
		line++;
	return line;
}
