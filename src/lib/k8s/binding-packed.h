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

/* sc_bindings_write's text handed to 'write' a piece at a time (0 or -errno, which stops it
 * and is returned), never held whole: the n bindings, in the order sc_bindings_write sorts
 * them (namespace, kind, name), each filled in turn by get() (views: nothing is freed). */
int sc_bindings_write_each(size_t n, void (*get)(void *userdata, size_t i, struct sc_binding *b),
			   void *userdata, int (*write)(void *userdata, const void *p, size_t n),
			   void *write_userdata);

/* The pieces of sc_bindings_write's text: the comment it starts with, one document. */
void sc_bindings_emit_head(FILE *f);
int sc_bindings_emit_one(FILE *f, const struct sc_binding *b);
