/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns JSON string escaping (see json.h). */
#include <stddef.h>
#include <stdio.h>

#include "base/json.h"
#include "base/utf8.h"

void sc_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		const unsigned char *run = p;
		size_t n;

		/* Plain ASCII goes out as one run (names and paths are nearly all of it). */
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), f);
		if (!*p)
			break;
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f || !(n = sc_utf8_len(p, 4, NULL))) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

void sc_json_text(FILE *f, const char *s)
{
	sc_json_string(f, s ? s : "");
}
