/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the audit line parser and the aggregation behind `syscage logs`:
 * the input is split into lines, each parsed and accounted; groups and profiles are built
 * at the end. Each line is also parsed straight from the rest of the input, as the file
 * reader does, which must give the same record and consume exactly the line. Any crash,
 * leak, sanitizer report or difference is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit-same.h"
#include "syscage/syscage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_audit_record *rec, *next;
	const char *p = (const char *)data, *end = p + size;
	/* The second byte picks what is skipped, as `syscage logs` does or not at all. */
	const unsigned skip = size > 1 && (data[1] & 1) ? SC_LOGS_PARSE_SKIP : 0;

	if (!rec) {
		rec = malloc(sizeof(*rec));
		next = malloc(sizeof(*next));
		if (!rec || !next)
			return 0;
	}
	/* The first byte picks the grouping, so every key path is exercised. */
	struct sc_logs_options o = { .by = size ? data[0] % _SC_LOGS_BY_COUNT : SC_LOGS_BY_COMM,
				     .proc_root = "/nonexistent" };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};

	if (!l)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		/* A copy of exactly the line, so reading past it is caught by ASan. */
		char *line = malloc(n ? n : 1);
		if (line) {
			memcpy(line, p, n);
			(void)sc_audit_parse_line(line, n, rec);
			(void)sc_logs_feed_line(l, &src, line, n, rec);
			free(line);
		}
		/* The rest of the input, exactly: parse_next must stop at this line's end. */
		char *rest = malloc((size_t)(end - p) ? (size_t)(end - p) : 1);
		if (rest) {
			memcpy(rest, p, (size_t)(end - p));
			size_t used = sc_audit_parse_next(rest, (size_t)(end - p), skip, next);
			if (used != (nl ? n + 1 : 0)) {
				fprintf(stderr,
					"parse_next consumed %zu bytes of a %zu-byte line\n", used,
					n);
				abort();
			}
			if (nl) {
				const char *diff;
				(void)sc_audit_parse_line_skip(rest, n, skip, rec);
				diff = audit_record_diff(next, rec);
				if (diff) {
					fprintf(stderr, "parse_next differs in %s\n", diff);
					abort();
				}
			}
			free(rest);
		}
		p += n + 1;
	}
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		struct sc_profile *prof = NULL;
		if (sc_logs_group_profile(l, i, &prof) == 0)
			sc_profile_free(prof);
	}
	sc_logs_free(l);
	return 0;
}
