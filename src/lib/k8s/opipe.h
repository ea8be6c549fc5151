/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An ordered pipeline (internal to libsyscage's k8s part): items pushed in order have their work
 * done on worker threads, and are popped in the order they were pushed, each once its work is
 * done. The popping thread does the work of the oldest item itself when no worker has taken it
 * yet, so no thread waits while there is work. At most 'depth' items are held: the caller pops
 * before pushing more. With no worker, an item's work is done when it is popped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct opipe;

/* 'work' (thread-safe, never called twice for an item) returns the item's result. Starts up
 * to 'workers' threads (fewer when they cannot be started: their share is done by the others,
 * or by the popping thread). Returns 0 or -ENOMEM. */
int opipe_new(unsigned workers, size_t depth, int (*work)(void *ctx, void *item), void *ctx,
	      struct opipe **ret);
/* Waits for the workers (the items still held are not worked on), frees it; NULL is fine. */
void opipe_free(struct opipe *p);
/* Whether 'depth' items are held: pop first. */
bool opipe_full(const struct opipe *p);
/* Queue 'item' (its work done only when 'work_needed'; else it is popped as it is). The
 * pipeline must not be full. */
void opipe_push(struct opipe *p, void *item, bool work_needed);
/* The oldest item, once its work is done (*ret_result: its result, 0 without work); NULL when
 * none is held. */
void *opipe_pop(struct opipe *p, int *ret_result);
