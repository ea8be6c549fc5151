/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-8, decoded one sequence at a time: for the readers that check text before libfyaml sees
 * it, the JSON writer, and names shown on a terminal. Internal to libsyscage. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes; a NUL ends a sequence early), 0
 * if invalid (overlong forms, surrogates and code points past U+10FFFF are invalid). Its code
 * point goes to *ret_cp when ret_cp is not NULL. */
size_t sc_utf8_len(const unsigned char *s, size_t n, uint32_t *ret_cp);
