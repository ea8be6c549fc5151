/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the readers' bump allocator (see yarena.h). */
#include <stdint.h>
#include <stdlib.h>

#include "model/yarena.h"

struct yarena_chunk {
	struct yarena_chunk *next;
	max_align_t data[];
};

void sc_yarena_init(struct yarena *a, max_align_t *block, size_t size)
{
	*a = (struct yarena){ .p = (char *)block, .left = size, .next_size = 2 * size };
}

void *sc_yarena_alloc(struct yarena *a, size_t size)
{
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	if (size > a->left) {
		size_t want = a->next_size ? a->next_size : 8192;
		struct yarena_chunk *ch;
		while (want < size)
			want *= 2;
		ch = malloc(sizeof(*ch) + want);
		if (!ch)
			return NULL;
		ch->next = a->chunks;
		a->chunks = ch;
		a->p = (char *)ch->data;
		a->left = want;
		a->next_size = want < (1u << 20) ? 2 * want : want;
	}
	p = a->p;
	a->p += size;
	a->left -= size;
	return p;
}

void sc_yarena_free(struct yarena *a)
{
	while (a->chunks) {
		struct yarena_chunk *next = a->chunks->next;
		free(a->chunks);
		a->chunks = next;
	}
	*a = (struct yarena){ 0 };
}
