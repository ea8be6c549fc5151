/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics: parse and validation messages with file:line:col, collected by the library and
 * printed by callers. The library never prints. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum sc_severity {
	SC_SEV_ERROR,
	SC_SEV_WARNING,
	SC_SEV_NOTE,
};

struct sc_loc {
	unsigned line; /* 1-based; 0 = unknown */
	unsigned col;  /* 1-based; 0 = unknown */
};

struct sc_diag {
	enum sc_severity severity;
	char *file; /* owned; may be NULL */
	struct sc_loc loc;
	char *message; /* owned */
};

/* A caller-owned list the library appends to. Zero-initialise it. */
struct sc_diags {
	struct sc_diag *v;
	size_t n;
	size_t n_errors;
	size_t n_warnings;
	const char *file; /* the file currently being read: used by sc_diags_add() */
};

/* Values a message echoes are cut: a %s argument longer than this many bytes is written as
 * its first bytes, "..." and its length ("unknown action 'XXXX...' (10485760 bytes)"), so a
 * hostile input never fills a log line. The library's own texts of known length are passed
 * with a precision ("%.*s") and written whole. */
#define SC_DIAG_VALUE_MAX 200

/* Append one message (printf conversions; %s values cut as above). Returns 0 or -ENOMEM. */
int sc_diags_add(struct sc_diags *d, enum sc_severity sev, struct sc_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sc_diags_addv(struct sc_diags *d, enum sc_severity sev, struct sc_loc loc, const char *fmt,
		  va_list ap);
/* Append a message about the file 'file' as a whole (no line): under that name whatever
 * d->file names, which is left as it was ("FILE: error: ..."). Returns 0 or -ENOMEM. */
int sc_diags_add_file(struct sc_diags *d, const char *file, enum sc_severity sev, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
/* The error every reader gives for a file it could not read: "FILE: error: cannot read: WHY"
 * ('why': strerror() of the errno, or the reader's own words). Returns 0 or -ENOMEM. */
int sc_diags_cannot_read(struct sc_diags *d, const char *file, const char *why);
void sc_diags_clear(struct sc_diags *d);
/* vasprintf with the rule above, for a message built in parts: pass the result on with
 * "%.*s". Returns 0 or -ENOMEM. */
int sc_diag_vasprintf(char **ret, const char *fmt, va_list ap);

/* "FILE:LINE:COL: error: message" into buf (truncating); returns buf. */
char *sc_diag_format(const struct sc_diag *diag, char *buf, size_t size);
