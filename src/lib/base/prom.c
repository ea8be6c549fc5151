/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the Prometheus text format's label value escaping. */
#include "base/prom.h"

void sc_prom_escape(FILE *f, const char *value)
{
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}
