/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bump allocator for a tree that is freed at once (internal to libsyscage): the profile
 * readers' document trees (profile-read.c), a 400-byte policy's ~50 nodes from a block on
 * the reader's stack instead of ~100 mallocs and frees. */
#pragma once

#include <stddef.h>

struct yarena_chunk;

struct yarena {
	struct yarena_chunk *chunks; /* malloc'd, once the first block is used up */
	char *p;
	size_t left, next_size;
};

/* Start with 'block' (the caller's, of 'size' bytes; it is not freed). */
void sc_yarena_init(struct yarena *a, max_align_t *block, size_t size);
/* 'size' bytes aligned for any object, uninitialized; NULL when out of memory. */
void *sc_yarena_alloc(struct yarena *a, size_t size);
/* Free every chunk; the arena is empty (and unusable until initialized again). */
void sc_yarena_free(struct yarena *a);
