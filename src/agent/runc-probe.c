/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's runc probe on a thread of its own (runc-probe.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kubelet.h"
#include "agent/runc-probe.h"
#include "base/thread.h"

struct held_line {
	const char *level; /* a literal: "info", "warn", "error" */
	char *line;
};

struct sc_runc_async {
	char *host_root;
	struct held_line *held;
	size_t n_held;
	pthread_t tid;
	pthread_mutex_t lock; /* around the join */
	bool threaded, joined;
	bool done; /* atomic: the thread has its answer */
	int flags;
	char version[32], said[256];
};

static void probe(struct sc_runc_async *p)
{
	p->flags = sc_runc_probe(p->host_root, p->version, sizeof(p->version), p->said,
				 sizeof(p->said));
	__atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
}

static void *probe_thread(void *arg)
{
	probe(arg);
	return NULL;
}

int sc_runc_async_start(const char *host_root, struct sc_runc_async **ret)
{
	struct sc_runc_async *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (host_root && !(p->host_root = strdup(host_root))) {
		free(p);
		return -ENOMEM;
	}
	(void)pthread_mutex_init(&p->lock, NULL);
	(void)strcpy(p->version, "?");
	p->threaded = sc_thread_create(&p->tid, probe_thread, p) == 0;
	if (!p->threaded)
		probe(p);
	*ret = p;
	return 0;
}

bool sc_runc_async_done(const struct sc_runc_async *p)
{
	return __atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
}

int sc_runc_async_wait(struct sc_runc_async *p, const char **ret_version, const char **ret_said)
{
	(void)pthread_mutex_lock(&p->lock);
	if (p->threaded && !p->joined) {
		(void)pthread_join(p->tid, NULL);
		p->joined = true;
	}
	(void)pthread_mutex_unlock(&p->lock);
	if (ret_version)
		*ret_version = p->version;
	if (ret_said)
		*ret_said = p->said;
	return p->flags;
}

bool sc_runc_async_hold(struct sc_runc_async *p, const char *level, const char *line)
{
	struct held_line *v = reallocarray(p->held, p->n_held + 1, sizeof(*v));
	char *copy = v ? strdup(line) : NULL;

	if (v)
		p->held = v;
	if (!copy)
		return false;
	p->held[p->n_held++] = (struct held_line){ level, copy };
	return true;
}

void sc_runc_async_release(struct sc_runc_async *p,
			   void (*log)(void *userdata, const char *level, const char *line),
			   void *userdata)
{
	for (size_t i = 0; i < p->n_held; i++) {
		if (log)
			log(userdata, p->held[i].level, p->held[i].line);
		free(p->held[i].line);
	}
	free(p->held);
	p->held = NULL;
	p->n_held = 0;
}

struct sc_runc_async *sc_runc_async_free(struct sc_runc_async *p)
{
	if (!p)
		return NULL;
	(void)sc_runc_async_wait(p, NULL, NULL);
	sc_runc_async_release(p, NULL, NULL);
	(void)pthread_mutex_destroy(&p->lock);
	free(p->host_root);
	free(p);
	return NULL;
}
