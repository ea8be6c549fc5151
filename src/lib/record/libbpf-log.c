/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns libbpf's message callback (see libbpf-log.h). */
#ifdef SC_HAVE_BPF
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "record/libbpf-log.h"

static char last[512];

static int keep(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[sizeof(last)];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	while (n > 0 && (buf[n - 1] == '\n' || (size_t)n >= sizeof(buf)))
		buf[--n] = '\0';
	if (n > 0)
		memcpy(last, buf, sizeof(buf));
	return 0;
}

void sc_libbpf_log_start(void)
{
	libbpf_set_print(keep);
	last[0] = '\0';
}

const char *sc_libbpf_log_last(void)
{
	return last;
}
#endif
