/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the diagnostics list: messages with file:line:col collected for callers to print. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/diag.h"
#include "macro.h"

/* A message is one line whatever it quotes: control characters from the input (a YAML key
 * spanning lines, a log line's bytes) are written as \n, \t or \xNN. Returns 'msg' or a
 * new string (then 'msg' is freed); NULL on ENOMEM. */
static char *one_line(char *msg)
{
	size_t extra = 0, len = 0;
	char *out, *o;

	for (const unsigned char *c = (const unsigned char *)msg; *c; c++, len++)
		if (*c < 0x20 || *c == 0x7f)
			extra += (*c == '\n' || *c == '\t') ? 1 : 3;
	if (extra == 0)
		return msg;
	out = malloc(len + extra + 1);
	if (!out) {
		free(msg);
		return NULL;
	}
	o = out;
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++) {
		if (*c == '\n')
			o += sprintf(o, "\\n");
		else if (*c == '\t')
			o += sprintf(o, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			o += sprintf(o, "\\x%02x", *c);
		else
			*o++ = (char)*c;
	}
	*o = '\0';
	free(msg);
	return out;
}

/* Write one %s value, cut when longer than SC_DIAG_VALUE_MAX (at a UTF-8 boundary), with its
 * length: "XXXX... (10485760 bytes)". */
static void put_value(FILE *f, const char *s)
{
	size_t len = strlen(s), cut = SC_DIAG_VALUE_MAX;

	if (len <= SC_DIAG_VALUE_MAX) {
		fputs(s, f);
		return;
	}
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	fprintf(f, "%.*s... (%zu bytes)", (int)cut, s, len);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#define EMIT(f, spec, sw, w, sp, pr, val)             \
	do {                                          \
		if ((sw) && (sp))                     \
			fprintf(f, spec, w, pr, val); \
		else if (sw)                          \
			fprintf(f, spec, w, val);     \
		else if (sp)                          \
			fprintf(f, spec, pr, val);    \
		else                                  \
			fprintf(f, spec, val);        \
	} while (0)

/* vasprintf with the one rule for values a message echoes: every %s argument longer than
 * SC_DIAG_VALUE_MAX bytes is cut (put_value). A %s with a precision ("%.*s") is the
 * library's own text of known length and is written as asked. */
int sc_diag_vasprintf(char **ret, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	for (const char *p = fmt; *p;) {
		const char *start = p;
		bool star_w = false, star_p = false, has_prec = false;
		int w = 0, pr = 0, lng = 0; /* lng: 1 long, 2 long long, 3 size_t/ptrdiff/intmax */
		char spec[32], conv;

		if (*p != '%') {
			fputc(*p++, f);
			continue;
		}
		p++;
		if (*p == '%') {
			fputc('%', f);
			p++;
			continue;
		}
		while (*p && strchr("-+ #0'", *p))
			p++;
		if (*p == '*') {
			star_w = true;
			w = va_arg(ap, int);
			p++;
		}
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.') {
			has_prec = true;
			p++;
			if (*p == '*') {
				star_p = true;
				pr = va_arg(ap, int);
				p++;
			}
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'h')
			p += p[1] == 'h' ? 2 : 1;
		else if (*p == 'l')
			lng = p[1] == 'l' ? 2 : 1, p += lng;
		else if (*p == 'z' || *p == 'j' || *p == 't')
			lng = 3, p++;
		conv = *p;
		if (!conv || (size_t)(p + 1 - start) >= sizeof(spec))
			break; /* a malformed format: stop there */
		p++;
		memcpy(spec, start, (size_t)(p - start));
		spec[p - start] = '\0';
		switch (conv) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!has_prec && s && strlen(s) > SC_DIAG_VALUE_MAX)
				put_value(f, s);
			else
				EMIT(f, spec, star_w, w, star_p, pr, s);
			break;
		}
		case 'c':
		case 'd':
		case 'i':
			if (lng == 2)
				EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, long long));
			else if (lng == 1 || lng == 3)
				EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, long));
			else
				EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, int));
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng == 2)
				EMIT(f, spec, star_w, w, star_p, pr,
				     va_arg(ap, unsigned long long));
			else if (lng == 1 || lng == 3)
				EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, unsigned long));
			else
				EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, unsigned));
			break;
		case 'p':
			EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, void *));
			break;
		case 'e':
		case 'f':
		case 'g':
			EMIT(f, spec, star_w, w, star_p, pr, va_arg(ap, double));
			break;
		case 'm':
			fputs(strerror(saved_errno), f);
			break;
		default:
			fputs(spec, f); /* not a conversion the library uses: shown as written */
			break;
		}
	}
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
#pragma GCC diagnostic pop

int sc_diags_addv(struct sc_diags *d, enum sc_severity sev, struct sc_loc loc, const char *fmt,
		  va_list ap)
{
	struct sc_diag *v;
	char *msg = NULL, *file = NULL;

	if (!d)
		return 0;
	if (sc_diag_vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	msg = one_line(msg);
	if (!msg)
		return -ENOMEM;
	if (d->file && !(file = strdup(d->file))) {
		free(msg);
		return -ENOMEM;
	}
	v = reallocarray(d->v, d->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		free(file);
		return -ENOMEM;
	}
	d->v = v;
	d->v[d->n++] =
		(struct sc_diag){ .severity = sev, .file = file, .loc = loc, .message = msg };
	if (sev == SC_SEV_ERROR)
		d->n_errors++;
	else if (sev == SC_SEV_WARNING)
		d->n_warnings++;
	return 0;
}

int sc_diags_add(struct sc_diags *d, enum sc_severity sev, struct sc_loc loc, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sc_diags_addv(d, sev, loc, fmt, ap);
	va_end(ap);
	return r;
}

int sc_diags_add_file(struct sc_diags *d, const char *file, enum sc_severity sev, const char *fmt,
		      ...)
{
	const char *saved;
	va_list ap;
	int r;

	if (!d)
		return 0;
	saved = d->file;
	d->file = file;
	va_start(ap, fmt);
	r = sc_diags_addv(d, sev, (struct sc_loc){ 0, 0 }, fmt, ap);
	va_end(ap);
	d->file = saved;
	return r;
}

int sc_diags_cannot_read(struct sc_diags *d, const char *file, const char *why)
{
	return sc_diags_add_file(d, file, SC_SEV_ERROR, "cannot read: %s", why);
}

void sc_diags_clear(struct sc_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->n_errors = d->n_warnings = 0;
}

char *sc_diag_format(const struct sc_diag *diag, char *buf, size_t size)
{
	static const char *const sev[] = { "error", "warning", "note" };
	char where[64] = "";

	if (diag->loc.line && diag->loc.col)
		snprintf(where, sizeof(where), ":%u:%u", diag->loc.line, diag->loc.col);
	else if (diag->loc.line)
		snprintf(where, sizeof(where), ":%u", diag->loc.line);
	snprintf(buf, size, "%s%s: %s: %s", diag->file ? diag->file : "<input>", where,
		 sev[diag->severity], diag->message);
	return buf;
}
