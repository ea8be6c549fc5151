/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns denials per workload (see violations.h): which workload a violation belongs to (its
 * pod container, its container, its process), the distinct denials of each with counts and
 * times, and the profile additions that would let them through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/denials.h"
#include "syscage/implicit.h"
#include "syscage/violations.h"
#include "macro.h"

struct sc_denials {
	enum sc_logs_by by;
	struct sc_denials_group *w;
	size_t n_w;
	uint64_t unnamed;
};

static const char *const kind_names[_SC_DENIALS_KIND_COUNT] = {
	[SC_DENIALS_POD] = "pod",
	[SC_DENIALS_CONTAINER] = "container",
	[SC_DENIALS_PROCESS] = "process",
};

const char *sc_denials_kind_to_string(enum sc_denials_kind k)
{
	return (unsigned)k < _SC_DENIALS_KIND_COUNT ? kind_names[k] : NULL;
}

struct sc_denials *sc_denials_new(enum sc_logs_by by)
{
	struct sc_denials *d = calloc(1, sizeof(*d));

	if (d)
		d->by = by;
	return d;
}

struct sc_denials *sc_denials_free(struct sc_denials *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n_w; i++) {
		free(d->w[i].key);
		free(d->w[i].label);
		free(d->w[i].denials);
		sc_profile_free(d->w[i].additions);
	}
	free(d->w);
	free(d);
	return NULL;
}

size_t sc_denials_n_groups(const struct sc_denials *d)
{
	return d->n_w;
}

const struct sc_denials_group *sc_denials_group(const struct sc_denials *d, size_t i)
{
	return i < d->n_w ? &d->w[i] : NULL;
}

uint64_t sc_denials_unnamed(const struct sc_denials *d)
{
	return d->unnamed;
}

/* The workload of a violation: its pod container, else its container, else 'by'. */
static enum sc_denials_kind workload_key(const struct sc_denials *d, const struct sc_violation *x,
					 char *key, size_t ksize, char *label, size_t lsize)
{
	const char *comm = x->comm[0] ? x->comm : "unknown";

	if (x->pod.pod[0]) {
		(void)snprintf(label, lsize, "%s/%s%s%s", x->pod.namespace, x->pod.pod,
			       x->pod.container[0] ? "/" : "", x->pod.container);
		(void)snprintf(key, ksize, "pod:%s", label);
		return SC_DENIALS_POD;
	}
	if (x->pod.container_id[0]) {
		(void)snprintf(label, lsize, "%s-%.12s",
			       x->pod.runtime ? x->pod.runtime : "container", x->pod.container_id);
		(void)snprintf(key, ksize, "container:%s", x->pod.container_id);
		return SC_DENIALS_CONTAINER;
	}
	switch (d->by) {
	case SC_LOGS_BY_PID:
		(void)snprintf(label, lsize, "%s-%u", comm, x->pid);
		break;
	case SC_LOGS_BY_EXE:
		(void)snprintf(label, lsize, "%s", x->exe[0] ? x->exe : comm);
		break;
	default:
		(void)snprintf(label, lsize, "%s", comm);
		break;
	}
	(void)snprintf(key, ksize, "process:%s", label);
	return SC_DENIALS_PROCESS;
}

/* The workload of x, added when new. NULL on ENOMEM. */
static struct sc_denials_group *workload_get(struct sc_denials *d, const struct sc_violation *x)
{
	char label[SC_AUDIT_COMM_MAX + 3 * SC_POD_NAME_MAX + 64], key[sizeof(label) + 16];
	enum sc_denials_kind kind = workload_key(d, x, key, sizeof(key), label, sizeof(label));
	struct sc_denials_group *w;

	for (size_t i = 0; i < d->n_w; i++)
		if (streq(d->w[i].key, key))
			return &d->w[i];
	w = reallocarray(d->w, d->n_w + 1, sizeof(*w));
	if (!w)
		return NULL;
	d->w = w;
	w = &d->w[d->n_w];
	*w = (struct sc_denials_group){ .key = strdup(key),
					.label = strdup(label),
					.kind = kind,
					.pod = x->pod,
					.pid = x->pid };
	if (!w->key || !w->label) {
		free(w->key);
		free(w->label);
		return NULL;
	}
	memcpy(w->comm, x->comm, sizeof(w->comm));
	d->n_w++;
	return w;
}

/* The denial of x in w, added when new. NULL on ENOMEM. */
static struct sc_denial *denial_get(struct sc_denials *d, struct sc_denials_group *w,
				    const struct sc_violation *x)
{
	struct sc_denial *n;

	for (size_t i = 0; i < w->n_denials; i++) {
		n = &w->denials[i];
		if (n->arch == x->arch && n->nr == x->nr && n->action == x->action &&
		    n->data == x->data)
			return n;
	}
	n = reallocarray(w->denials, w->n_denials + 1, sizeof(*n));
	if (!n)
		return NULL;
	w->denials = n;
	n = &w->denials[w->n_denials++];
	*n = (struct sc_denial){ .arch = x->arch,
				 .nr = x->nr,
				 .name = x->syscall,
				 .action = x->action,
				 .data = x->data,
				 .first_ms = x->time_ms };
	if (!x->syscall)
		d->unnamed++;
	return n;
}

int sc_denials_add(struct sc_denials *d, const struct sc_violation *x)
{
	struct sc_denials_group *w = workload_get(d, x);
	struct sc_denial *n;
	int r;

	if (!w)
		return -ENOMEM;
	w->count++;
	n = denial_get(d, w, x);
	if (!n)
		return -ENOMEM;
	n->count++;
	if (x->time_ms && (!n->first_ms || x->time_ms < n->first_ms))
		n->first_ms = x->time_ms;
	if (x->time_ms > n->last_ms)
		n->last_ms = x->time_ms;
	r = sc_violation_heal(x, &w->additions);
	if (r > 0 && w->additions)
		r = sc_implicit_add(w->additions); /* the proposal allows what a stop needs */
	return r < 0 ? r : 0;
}

int sc_denials_group_heal_recorded(int state_dirfd, const char *path,
				   const struct sc_denials_group *w, struct sc_diags *d,
				   bool *ret_created)
{
	cleanup_free struct sc_violation *xs = NULL;

	if (!w || w->kind != SC_DENIALS_POD)
		return -EINVAL;
	xs = calloc(w->n_denials ? w->n_denials : 1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	for (size_t k = 0; k < w->n_denials; k++)
		xs[k] = (struct sc_violation){ .arch = w->denials[k].arch,
					       .nr = w->denials[k].nr,
					       .syscall = w->denials[k].name,
					       .action = w->denials[k].action,
					       .data = w->denials[k].data,
					       .pod = w->pod };
	return sc_violations_heal_recorded(state_dirfd, path, &w->pod, xs, w->n_denials, d,
					   ret_created);
}
