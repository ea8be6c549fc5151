/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON text output shared by every module that writes JSON by hand (indexes, reports,
 * /metrics neighbours): one escaping rule, so every document is valid whatever the input. */
#pragma once

#include <stdio.h>

/* Write 's' as a JSON string literal: '"' and '\' escaped, \n and \t as such, other control
 * characters and bytes that are not part of valid UTF-8 as \u00XX (comm, exe and file names
 * may hold anything; the output stays valid JSON and valid UTF-8). NULL writes null. */
void sc_json_string(FILE *f, const char *s);
/* As sc_json_string, for a field that is always a string: NULL writes "". */
void sc_json_text(FILE *f, const char *s);

/* As open_memstream(3) (the text, NUL-terminated, in *ret and its length in *ret_len after
 * fflush or fclose; the caller frees *ret, also when fclose fails), for one small document:
 * glibc's zeroes an 8 KiB buffer first, which costs more than writing a profile. */
FILE *sc_memstream_open(char **ret, size_t *ret_len);
