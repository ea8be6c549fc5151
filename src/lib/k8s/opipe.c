/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the ordered pipeline (opipe.h): a ring of items, worker threads taking the oldest item
 * not yet taken, and the popping thread taking over the oldest one when no worker has. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/thread.h"
#include "k8s/opipe.h"

enum {
	ITEM_QUEUED,
	ITEM_TAKEN,
	ITEM_DONE
};

struct slot {
	void *item;
	int state;
	int result;
};

#define MAX_WORKERS 16

struct opipe {
	pthread_mutex_t mu;
	pthread_cond_t work; /* an item to take, or stop */
	pthread_cond_t done; /* an item's work done */
	struct slot *ring;   /* 'depth' slots */
	size_t depth;
	size_t head, n; /* the oldest item, how many are held */
	size_t next;	/* items before head + next are taken (or need no work) */
	bool stop;
	int (*fn)(void *ctx, void *item);
	void *ctx;
	pthread_t tid[MAX_WORKERS];
	unsigned n_workers;
};

/* The next item to take (the lock held), or NULL. */
static struct slot *take(struct opipe *p)
{
	while (p->next < p->n) {
		struct slot *s = &p->ring[(p->head + p->next++) % p->depth];
		if (s->state == ITEM_QUEUED) {
			s->state = ITEM_TAKEN;
			return s;
		}
	}
	return NULL;
}

static void run(struct opipe *p, struct slot *s)
{
	void *item = s->item;
	int r;

	(void)pthread_mutex_unlock(&p->mu);
	r = p->fn(p->ctx, item);
	(void)pthread_mutex_lock(&p->mu);
	s->result = r;
	s->state = ITEM_DONE;
	(void)pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
	struct opipe *p = arg;

	(void)pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s = take(p);
		if (s) {
			run(p, s);
			continue;
		}
		if (p->stop)
			break;
		(void)pthread_cond_wait(&p->work, &p->mu);
	}
	(void)pthread_mutex_unlock(&p->mu);
	return NULL;
}

int opipe_new(unsigned workers, size_t depth, int (*work)(void *ctx, void *item), void *ctx,
	      struct opipe **ret)
{
	struct opipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->depth = depth ? depth : 1;
	p->ring = calloc(p->depth, sizeof(*p->ring));
	if (!p->ring) {
		free(p);
		return -ENOMEM;
	}
	p->fn = work;
	p->ctx = ctx;
	(void)pthread_mutex_init(&p->mu, NULL);
	(void)pthread_cond_init(&p->work, NULL);
	(void)pthread_cond_init(&p->done, NULL);
	for (unsigned i = 0; i < workers && i < MAX_WORKERS; i++) {
		if (sc_thread_create(&p->tid[i], worker, p) < 0)
			break; /* the others (or the popping thread) do its share */
		p->n_workers++;
	}
	*ret = p;
	return 0;
}

void opipe_free(struct opipe *p)
{
	if (!p)
		return;
	(void)pthread_mutex_lock(&p->mu);
	p->stop = true;
	/* What is still held is not worked on: taken as if worked. */
	p->next = p->n;
	(void)pthread_cond_broadcast(&p->work);
	(void)pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_workers; i++)
		(void)pthread_join(p->tid[i], NULL);
	(void)pthread_cond_destroy(&p->work);
	(void)pthread_cond_destroy(&p->done);
	(void)pthread_mutex_destroy(&p->mu);
	free(p->ring);
	free(p);
}

bool opipe_full(const struct opipe *p)
{
	/* Only the pushing and popping thread changes n. */
	return p->n >= p->depth;
}

void opipe_push(struct opipe *p, void *item, bool work_needed)
{
	(void)pthread_mutex_lock(&p->mu);
	p->ring[(p->head + p->n) % p->depth] =
		(struct slot){ .item = item, .state = work_needed ? ITEM_QUEUED : ITEM_DONE };
	p->n++;
	if (work_needed)
		(void)pthread_cond_signal(&p->work);
	(void)pthread_mutex_unlock(&p->mu);
}

void *opipe_pop(struct opipe *p, int *ret_result)
{
	struct slot *s;
	void *item;

	(void)pthread_mutex_lock(&p->mu);
	if (!p->n) {
		(void)pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	s = &p->ring[p->head];
	while (s->state != ITEM_DONE) {
		/* Rather than wait, this thread works too: on the oldest item no worker took
		 * (this one, or one after it that a worker would take next). */
		struct slot *t = take(p);
		if (t)
			run(p, t);
		else
			(void)pthread_cond_wait(&p->done, &p->mu);
	}
	item = s->item;
	*ret_result = s->result;
	p->head = (p->head + 1) % p->depth;
	p->n--;
	if (p->next)
		p->next--;
	(void)pthread_mutex_unlock(&p->mu);
	return item;
}
