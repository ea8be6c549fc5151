/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns planning and merging the policy sets of a policy build (policy.h): the policies sorted
 * by target, a set per target and per bound workload (its members found on a second thread
 * with many workloads), and each set's merged profile. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/thread.h"
#include "k8s/binding-packed.h"
#include "k8s/policy-internal.h"
#include "macro.h"
#include "syscage/merge.h"
#include "syscage/policy.h"

/* ---- policy sets ---------------------------------------------------------------------- */

static int cmp_pol_by_name(const void *a, const void *b, void *userdata)
{
	const struct sc_policy_build *pb = userdata;
	const struct sc_policy *x = &pb->policies[*(const size_t *)a];
	const struct sc_policy *y = &pb->policies[*(const size_t *)b];
	int c = strcmp(x->name, y->name);
	return c ? c
		 : strcmp(sc_format_kind(x->profile->meta.format),
			  sc_format_kind(y->profile->meta.format));
}

/* A set's members, its workload and its strings live in one allocation at s->policies (10,000
 * bound workloads are 10,000 sets: one malloc each, not six): "<ns>\0<name>\0<ns>/<name>.json".
 * set_clear frees that alone. The members are copied from 'members' (n), the workload is
 * 'workload' (< 0: none). */
static struct sc_policy_set *new_set(struct sc_policy_build *b, const char *ns, const char *name,
				     const size_t *members, size_t n, ssize_t workload)
{
	size_t ln = strlen(ns) + 1, lm = strlen(name) + 1;
	size_t words = n + (workload >= 0);
	struct sc_policy_set *s;
	char *blk, *o;

	/* Room for 8, 16, 32, ...: one realloc per doubling, not per set. */
	if (b->n_sets == 0 || (b->n_sets >= 8 && (b->n_sets & (b->n_sets - 1)) == 0)) {
		struct sc_policy_set *v =
			reallocarray(b->sets, b->n_sets ? 2 * b->n_sets : 8, sizeof(*v));
		if (!v)
			return NULL;
		b->sets = v;
	}
	blk = malloc((words ? words : 1) * sizeof(size_t) + 2 * ln + 2 * lm + 5);
	if (!blk)
		return NULL;
	s = &b->sets[b->n_sets++];
	*s = (struct sc_policy_set){ .policies = (size_t *)(void *)blk, .n_policies = n };
	if (n)
		memcpy(s->policies, members, n * sizeof(size_t));
	if (workload >= 0) {
		s->workloads = s->policies + n;
		s->workloads[0] = (size_t)workload;
		s->n_workloads = 1;
	}
	o = blk + (words ? words : 1) * sizeof(size_t);
	s->namespace = memcpy(o, ns, ln);
	s->name = memcpy(o + ln, name, lm);
	s->path = o + ln + lm;
	memcpy(s->path, ns, ln - 1);
	s->path[ln - 1] = '/';
	memcpy(s->path + ln, name, lm - 1);
	memcpy(s->path + ln + lm - 1, ".json", 6);
	return s;
}

/* A policy set's name from its members (baselines do not name it). */
static int policy_set_name(struct sc_policy_build *b, const size_t *members, size_t n_members,
			   char **ret)
{
	cleanup_free const char **names = calloc(n_members + 1, sizeof(char *));
	size_t n = 0;

	if (!names)
		return -ENOMEM;
	for (size_t k = 0; k < n_members; k++)
		if (!b->policies[members[k]].profile->meta.baseline)
			names[n++] = b->policies[members[k]].name;
	return sc_policy_set_name(names, n, ret);
}

/* The rule's view of every policy, sorted (sc_policy_refs_sort); 'perm' maps back. */
static int policy_refs(struct sc_policy_build *b, struct sc_policy_ref **ret, size_t **ret_perm,
		       char ***ret_canon)
{
	struct sc_policy_ref *v = calloc(b->n_policies + 1, sizeof(*v));
	size_t *perm = calloc(b->n_policies + 1, sizeof(*perm));
	char **canon = calloc(b->n_policies + 1, sizeof(char *));

	if (!v || !perm || !canon)
		goto fail;
	for (size_t i = 0; i < b->n_policies; i++) {
		const struct sc_policy *p = &b->policies[i];
		if (p->selects && !(canon[i] = sc_selector_canonical(&p->profile->meta)))
			goto fail;
		v[i] = (struct sc_policy_ref){ .namespace = p->namespace,
					       .name = p->name,
					       .kind = sc_format_kind(p->profile->meta.format),
					       .selector = canon[i],
					       .baseline = p->profile->meta.baseline };
	}
	if (sc_policy_refs_sort(v, b->n_policies, perm) < 0)
		goto fail;
	*ret = v;
	*ret_perm = perm;
	*ret_canon = canon;
	return 0;
fail:
	for (size_t i = 0; canon && i < b->n_policies; i++)
		free(canon[i]);
	free(canon);
	free(v);
	free(perm);
	return -ENOMEM;
}

/* The policy sets of their own: per target (namespace + selector) and per SPO/OCI profile,
 * each with the baselines. Uses the sorted refs: a target is a run of equal selectors. */
static int plan_policy_sets(struct sc_policy_build *b, const struct sc_policy_ref *v,
			    const size_t *perm, const size_t *base, size_t n_base)
{
	cleanup_free size_t *m = calloc(b->n_policies + 1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (size_t i = n_base; i < b->n_policies;) {
		size_t j = i + 1, n = 0;
		cleanup_free char *name = NULL;
		if (v[i].selector)
			while (j < b->n_policies && v[j].selector &&
			       streq(v[j].namespace, v[i].namespace) &&
			       streq(v[j].selector, v[i].selector))
				j++;
		for (size_t k = i; k < j; k++)
			m[n++] = perm[k];
		for (size_t k = 0; k < n_base; k++)
			m[n++] = base[k];
		qsort_r(m, n, sizeof(size_t), cmp_pol_by_name, b);
		if (policy_set_name(b, m, n, &name) < 0 ||
		    !new_set(b, v[i].namespace, name, m, n, -1))
			return -ENOMEM;
		i = j;
	}
	return 0;
}

/* The file a workload's set is installed as, without ".json": its profile's when bound (the
 * path is checked by the reader), else made from its kind and name (-EINVAL when those make
 * no file name). */
static int workload_file(const struct sc_binding *wl, char **ret)
{
	char *file;
	int r = 0;

	if (wl->profile) {
		/* "<root>/<ns>/<file>": the set's path is what follows the root. */
		const char *slash = strchr(wl->profile, '/');
		file = strdup(slash ? slash + 1 + strlen(wl->namespace) + 1 : wl->profile);
		if (!file)
			return -ENOMEM;
	} else {
		r = sc_binding_file_name(wl->kind, wl->name, &file);
		if (r < 0)
			return r;
	}
	file[strlen(file) - 5] = '\0'; /* ".json", checked by the reader */
	*ret = file;
	return 0;
}

/* The plans of workloads 'from' on, made on a thread of their own while the caller plans the
 * sets of those before: their members (sc_binding_members: most of a plan's time with many
 * workloads), by policy index and sorted by name as a set has them, and their files. */
struct ahead {
	const struct sc_policy_build *b;
	const struct sc_policy_ref *v;
	const size_t *perm;
	size_t from;
	size_t *mem; /* every workload's members, one after another */
	size_t n_mem, cap;
	struct ahead_one {
		size_t at, n, selected;
		const char *missing;
		char *file;
		int r, file_r;
	} * one; /* per workload from 'from' */
	int err;
	pthread_t tid;
	bool started;
};

/* Below this many workloads a thread does not pay. */
#define AHEAD_MIN 512

/* Workload w's members (n) by policy index, sorted by name. */
static void members_sorted(const struct sc_policy_build *b, const size_t *perm, size_t *m, size_t n)
{
	for (size_t k = 0; k < n; k++)
		m[k] = perm[m[k]];
	qsort_r(m, n, sizeof(size_t), cmp_pol_by_name, (void *)b);
}

static void *ahead_run(void *arg)
{
	struct ahead *a = arg;
	const struct sc_policy_build *b = a->b;

	for (size_t w = a->from; w < b->n_workloads; w++) {
		struct ahead_one *o = &a->one[w - a->from];
		const struct sc_binding *wl = &b->workloads[w];
		if (a->cap - a->n_mem < b->n_policies + 1) {
			size_t cap = (a->cap + b->n_policies + 1) * 2;
			size_t *mem = reallocarray(a->mem, cap, sizeof(*mem));
			if (!mem) {
				a->err = -ENOMEM;
				break;
			}
			a->mem = mem;
			a->cap = cap;
		}
		o->at = a->n_mem;
		o->r = sc_binding_members(wl, a->v, b->n_policies, a->mem + a->n_mem, &o->n,
					  &o->selected, &o->missing);
		if (o->r < 0 || (o->selected == 0 && !wl->profile))
			continue;
		a->n_mem += o->n;
		o->file_r = workload_file(wl, &o->file);
		if (o->file_r == -ENOMEM) {
			a->err = -ENOMEM;
			break;
		}
		members_sorted(b, a->perm, a->mem + o->at, o->n);
	}
	return NULL;
}

static void ahead_start(struct ahead *a, const struct sc_policy_build *b,
			const struct sc_policy_ref *v, const size_t *perm)
{
	*a = (struct ahead){ .b = b, .v = v, .perm = perm, .from = b->n_workloads };
	if (b->jobs < 2 || b->n_workloads < AHEAD_MIN)
		return;
	/* The caller plans the policy sets and the workloads before the cut while the thread
	 * plans the rest: both end together with the cut a little before the middle. */
	a->from = b->n_workloads * 12 / 25;
	a->one = calloc(b->n_workloads - a->from, sizeof(*a->one));
	if (a->one)
		a->started = sc_thread_create(&a->tid, ahead_run, a) == 0;
	if (!a->started)
		a->from = b->n_workloads; /* planned as they come */
}

/* Workload w's members into 'm' (sorted, by policy index) and its file (*ret_file, owned;
 * NULL when it has no set: unmatched, or an error), planned now or by the thread.
 * *ret_file_r: the file's error (-EINVAL: no file name can be made of it). */
static int members_of(struct ahead *a, size_t w, size_t *m, size_t *ret_n, size_t *ret_selected,
		      const char **ret_missing, char **ret_file, int *ret_file_r)
{
	const struct sc_binding *wl = &a->b->workloads[w];
	struct ahead_one *o;
	int r;

	*ret_file = NULL;
	*ret_file_r = 0;
	if (w < a->from) {
		r = sc_binding_members(wl, a->v, a->b->n_policies, m, ret_n, ret_selected,
				       ret_missing);
		if (r < 0 || (*ret_selected == 0 && !wl->profile))
			return r;
		*ret_file_r = workload_file(wl, ret_file);
		if (*ret_file_r == -ENOMEM)
			return -ENOMEM;
		members_sorted(a->b, a->perm, m, *ret_n);
		return 0;
	}
	if (a->started) {
		(void)pthread_join(a->tid, NULL);
		a->started = false;
	}
	o = &a->one[w - a->from];
	if (a->err)
		return -ENOMEM;
	if (o->r == 0)
		memcpy(m, a->mem + o->at, o->n * sizeof(*m));
	*ret_n = o->n;
	*ret_selected = o->selected;
	*ret_missing = o->missing;
	*ret_file = TAKE_PTR(o->file);
	*ret_file_r = o->file_r;
	return o->r;
}

static void ahead_free(struct ahead *a)
{
	if (a->started)
		(void)pthread_join(a->tid, NULL);
	for (size_t w = a->from; a->one && w < a->b->n_workloads; w++)
		free(a->one[w - a->from].file);
	free(a->mem);
	free(a->one);
}

/* 'a': the plans made ahead (ahead_start). */
static int plan_workload_sets(struct sc_policy_build *b, struct ahead *a, struct sc_diags *d)
{
	cleanup_free size_t *m = calloc(b->n_policies + 1, sizeof(*m));
	const char *saved = d ? d->file : NULL;
	int ret = 0;

	b->workload_set = malloc((b->n_workloads + 1) * sizeof(ssize_t));
	if (!m || !b->workload_set)
		return -ENOMEM;
	for (size_t w = 0; w < b->n_workloads; w++) {
		const struct sc_binding *wl = &b->workloads[w];
		cleanup_free char *file = NULL;
		const char *missing = NULL;
		size_t n = 0, selected = 0;
		struct sc_policy_set *s;
		int r, file_r;

		b->workload_set[w] = -1;
		if (d && b->workloads == b->bindings)
			d->file = b->binding_files[w];
		r = members_of(a, w, m, &n, &selected, &missing, &file, &file_r);
		if (r == -ENOENT) {
			if (d)
				(void)sc_diags_add(d, SC_SEV_ERROR, wl->loc,
						   "%s %s/%s names policy '%s', which namespace %s "
						   "does not have",
						   wl->kind, wl->namespace, wl->name, missing,
						   wl->namespace);
			ret = -EINVAL;
			continue;
		}
		if (r < 0)
			return r;
		if (selected == 0 && !wl->profile) {
			b->n_unmatched++;
			continue;
		}
		if (file_r == -EINVAL) {
			if (d)
				(void)sc_diags_add(d, SC_SEV_ERROR, wl->loc,
						   "%s %s/%s: not a name a profile can be "
						   "installed under",
						   wl->kind, wl->namespace, wl->name);
			ret = -EINVAL;
			continue;
		}
		if (file_r < 0)
			return file_r;
		s = new_set(b, wl->namespace, file, m, n, (ssize_t)w);
		if (!s)
			return -ENOMEM;
		s->fallback = selected == 0;
		b->workload_set[w] = (ssize_t)(b->n_sets - 1);
	}
	if (d)
		d->file = saved;
	return ret;
}

static int cmp_set(const void *a, const void *b)
{
	const struct sc_policy_set *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	/* A workload's set sorts before a policy set on the same path: it owns the path. */
	return c ? c : (y->n_workloads > 0) - (x->n_workloads > 0);
}

void policy_set_clear(struct sc_policy_set *s)
{
	free(s->policies); /* the block of everything else (new_set) */
	sc_profile_free(s->profile);
	*s = (struct sc_policy_set){};
}

int sc_policy_build_sets(struct sc_policy_build *b, const struct sc_binding *w, size_t n_w,
			 struct sc_diags *d)
{
	struct sc_policy_ref *v = NULL;
	size_t *perm = NULL, n_base = 0, k = 0;
	char **canon = NULL;
	cleanup_free size_t *base = NULL;
	cleanup_free ssize_t *newidx = NULL;
	const char *saved = d ? d->file : NULL;
	struct ahead a = {};
	int r, bad = 0;

	b->workloads = w;
	b->n_workloads = w ? n_w : 0;
	r = policy_refs(b, &v, &perm, &canon);
	if (r < 0)
		return r;
	/* The members of the later workloads found from now on, while the policy sets are
	 * planned too. */
	ahead_start(&a, b, v, perm);
	while (n_base < b->n_policies && v[n_base].baseline)
		n_base++;
	base = calloc(n_base + 1, sizeof(*base));
	if (!base) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_base; i++)
		base[i] = perm[i];
	r = plan_policy_sets(b, v, perm, base, n_base);
	if (r == 0 && w) {
		r = plan_workload_sets(b, &a, d);
		if (r == -EINVAL)
			bad = r, r = 0;
	}
	if (r < 0)
		goto out;

	/* Sort by path; keep workload -> set indexes right. */
	for (size_t i = 0; i < b->n_sets; i++)
		b->sets[i].profile = (struct sc_profile *)(uintptr_t)(i + 1); /* old index */
	if (b->n_sets)
		qsort(b->sets, b->n_sets, sizeof(*b->sets), cmp_set);
	newidx = calloc(b->n_sets + 1, sizeof(*newidx));
	if (!newidx) {
		r = -ENOMEM;
		goto out;
	}
	/* Paths: a workload's set owns its path (a policy set there is left out); two policy
	 * sets or two workloads on one path cannot both be written. */
	for (size_t i = 0; i < b->n_sets; i++) {
		struct sc_policy_set *s = &b->sets[i];
		size_t old = (size_t)(uintptr_t)s->profile - 1;
		s->profile = NULL;
		if (k > 0 && streq(b->sets[k - 1].path, s->path)) {
			struct sc_policy_set *o = &b->sets[k - 1];
			if (o->n_workloads && !s->n_workloads) {
				b->n_shadowed++;
				if (d) {
					d->file = b->policies[s->policies[0]].file;
					(void)sc_diags_add(
						d, SC_SEV_NOTE, (struct sc_loc){ 0, 0 },
						"%s is a bound workload's profile: the "
						"policy set's own is not installed there",
						s->path);
				}
				newidx[old] = -1;
				policy_set_clear(s);
				continue;
			}
			if (d) {
				d->file = s->n_policies ? b->policies[s->policies[0]].file : saved;
				(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 },
						   "two %s map to %s: rename one of them",
						   s->n_workloads ? "workloads" : "policy sets",
						   s->path);
			}
			bad = -EINVAL;
		}
		newidx[old] = (ssize_t)k;
		if (k != i)
			b->sets[k] = *s;
		k++;
	}
	b->n_sets = k;
	for (size_t i = 0; b->workload_set && i < b->n_workloads; i++)
		if (b->workload_set[i] >= 0)
			b->workload_set[i] = newidx[b->workload_set[i]];
	r = bad;
out:
	ahead_free(&a); /* before the refs it reads go */
	if (d)
		d->file = saved;
	for (size_t i = 0; canon && i < b->n_policies; i++)
		free(canon[i]);
	free(canon);
	free(v);
	free(perm);
	return r;
}

/* Sets with the same members and fallback share one merge: a hash of the member vector. */
static uint64_t members_hash(const struct sc_policy_set *s)
{
	uint64_t h = sc_fnv64(SC_FNV64_INIT, &s->fallback, sizeof(s->fallback));

	h = sc_fnv64(h, s->policies, s->n_policies * sizeof(*s->policies));
	return h ^ (uint64_t)s->n_policies;
}

static bool same_members(const struct sc_policy_set *a, const struct sc_policy_set *b)
{
	return a->fallback == b->fallback && a->n_policies == b->n_policies &&
	       (a->n_policies == 0 ||
		memcmp(a->policies, b->policies, a->n_policies * sizeof(size_t)) == 0);
}

int sc_policy_build_merge(struct sc_policy_build *b, const struct sc_set_opts *o,
			  struct sc_diags *d)
{
	size_t cap = 16;
	cleanup_free ssize_t *table = NULL;
	const char *saved = d ? d->file : NULL;
	int r = 0;

	while (cap < 2 * b->n_sets + 16)
		cap *= 2;
	table = malloc(cap * sizeof(*table));
	if (!table)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		table[i] = -1;
	for (size_t i = 0; i < b->n_sets && r == 0; i++) {
		struct sc_policy_set *s = &b->sets[i];
		uint64_t h = members_hash(s);
		size_t slot = h & (cap - 1);
		cleanup_free const struct sc_profile **in = NULL;

		while (table[slot] >= 0 && !same_members(&b->sets[table[slot]], s))
			slot = (slot + 1) & (cap - 1);
		if (table[slot] >= 0) {
			s->profile = sc_profile_dup(b->sets[table[slot]].profile);
			if (!s->profile)
				r = -ENOMEM;
			continue;
		}
		in = calloc(s->n_policies + 1, sizeof(*in));
		if (!in)
			return -ENOMEM;
		for (size_t k = 0; k < s->n_policies; k++)
			in[k] = b->policies[s->policies[k]].profile;
		if (d)
			d->file = s->path;
		r = sc_set_profile(in, s->n_policies, s->fallback, o, d, &s->profile);
		if (d)
			d->file = saved;
		if (r == 0)
			table[slot] = (ssize_t)i;
	}
	return r;
}
