/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the audit line parser and the aggregation behind `syscage logs`:
 * the input is split into lines, each parsed and accounted; groups and profiles are built
 * at the end. Any crash, leak or sanitizer report is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_audit_record *rec;
	const char *p = (const char *)data, *end = p + size;

	if (!rec) {
		rec = malloc(sizeof(*rec));
		if (!rec)
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
