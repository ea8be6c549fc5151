/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the reconcile's worker pool: n items handed out in chunks to a few threads. */
#include "agent/reconcile-internal.h"

/* ---- work on every CPU --------------------------------------------------------------- */

static void pool_fail(struct pool *p, int err)
{
	int zero = 0;
	(void)__atomic_compare_exchange_n(&p->err, &zero, err, false, __ATOMIC_RELAXED,
					  __ATOMIC_RELAXED);
}

/* The directory of namespace 'ns' for a worker: kept open while its items stay in one
 * namespace (sets and batches are sorted by path, so namespaces come in runs). */
int rc_worker_ns(struct worker *w, const char *ns)
{
	if (w->ns && streq(w->ns, ns))
		return w->fd;
	if (w->fd >= 0)
		(void)close(w->fd);
	w->ns = ns;
	w->fd = rc_open_ns(w->pool->x, ns, false);
	return w->fd;
}

static void pool_work(struct worker *w)
{
	struct pool *p = w->pool;

	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, POOL_CHUNK, __ATOMIC_RELAXED);
		size_t end = i + POOL_CHUNK < p->n ? i + POOL_CHUNK : p->n;

		if (i >= p->n || __atomic_load_n(&p->err, __ATOMIC_RELAXED))
			break;
		if (p->cancellable && w->main && rc_cancelled(p->x)) {
			pool_fail(p, -ECANCELED);
			break;
		}
		for (; i < end; i++) {
			int r = p->one(w, i);
			if (r < 0) {
				pool_fail(p, r);
				return;
			}
		}
	}
}

static void *pool_thread(void *arg)
{
	pool_work(arg);
	return NULL;
}

/* Threads for a pass: --jobs, else one per CPU this process may run on; POOL_THREADS at most. */
static unsigned pool_threads(const struct run *x)
{
	unsigned n = x->r->o.threads;
	cpu_set_t cpus;

	if (n == 0)
		n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	return n < 1 ? 1 : n > POOL_THREADS ? POOL_THREADS : n;
}

/* The threads a pool of p->n items gets: a thread only pays off past a few chunks. */
unsigned rc_pool_size(const struct pool *p)
{
	return p->light || p->n < 4 * POOL_CHUNK ? 1 : pool_threads(p->x);
}

/* Run the pool to its end. Returns the first error. Threads that cannot be started leave
 * their share to the others. */
int rc_pool_run(struct pool *p)
{
	struct worker w[POOL_THREADS];
	pthread_t tid[POOL_THREADS];
	unsigned n = rc_pool_size(p), started = 1;

	for (unsigned t = 0; t < n; t++) {
		w[t] = (struct worker){ .pool = p, .main = t == 0, .fd = -1 };
		if (p->want_buf && !(w[t].buf = malloc(LOAD_BUF))) {
			n = t;
			break;
		}
	}
	if (n == 0)
		return -ENOMEM;
	for (; started < n; started++)
		if (pthread_create(&tid[started], NULL, pool_thread, &w[started]) != 0)
			break;
	pool_work(&w[0]);
	for (unsigned t = 1; t < started; t++)
		(void)pthread_join(tid[t], NULL);
	for (unsigned t = 0; t < n; t++) {
		free(w[t].buf);
		if (w[t].fd >= 0)
			(void)close(w[t].fd);
	}
	return p->err;
}
