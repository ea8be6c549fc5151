/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the diagnostics list: messages with file:line:col collected for callers to print. */
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

int sc_diags_addv(struct sc_diags *d, enum sc_severity sev, struct sc_loc loc, const char *fmt,
		  va_list ap)
{
	struct sc_diag *v;
	char *msg = NULL, *file = NULL;

	if (!d)
		return 0;
	if (vasprintf(&msg, fmt, ap) < 0)
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
