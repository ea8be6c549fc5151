/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bindings read for a reader that keeps 10,000 of them (the agent; bind and policy build with
 * the bindings among the policies): internal to libsyscage, defined in binding.c. */
#pragma once

#include <stdio.h>

#include "syscage/binding.h"

/* sc_bindings_read with every string and array of the bindings in one block, *ret_block.
 * 'lead' (optional) is the block's first string (*ret_block is then that string). Free with
 * sc_bindings_free_packed, or free(v) and free(block); never sc_binding_clear or
 * sc_bindings_free. */
int sc_bindings_read_packed(const char *buf, size_t len, const char *file, const char *lead,
			    struct sc_diags *d, struct sc_binding **ret, size_t *ret_n,
			    char **ret_block);
void sc_bindings_free_packed(struct sc_binding *v, char *block);

/* The pieces of sc_bindings_write's text: the comment it starts with, one document (in the
 * order it sorts them: namespace, kind, name). */
void sc_bindings_emit_head(FILE *f);
int sc_bindings_emit_one(FILE *f, const struct sc_binding *b);
