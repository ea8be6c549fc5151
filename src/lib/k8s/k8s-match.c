/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns matching Kubernetes workloads to policy sets (sc_k8s_match): their profile paths, paths
 * two workloads would share, references binding leaves alone, policies that select nothing,
 * and the bindings file of what was matched. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "k8s/binding-packed.h"
#include "macro.h"
#include "syscage/binding.h"
#include "syscage/k8s.h"

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "<root>/<path>", malloc'ed (asprintf's, without the format's parse: 10,000 of them). */
static char *root_join(const char *root, const char *path)
{
	size_t lr = strlen(root), lp = strlen(path) + 1;
	char *s = malloc(lr + 1 + lp);

	if (s) {
		memcpy(s, root, lr);
		s[lr] = '/';
		memcpy(s + lr + 1, path, lp);
	}
	return s;
}

/* What the agent installs from these policies and bindings (produced_paths), made when a
 * reference binding leaves alone first needs it: when every workload is bound, never. */
struct produced {
	const struct sc_policy_build *b;
	struct sc_k8s_file **files;
	size_t n;
	const char *root;
	char **v, **made;
	size_t nv, nm;
	bool built;
};

static int produced_paths(struct produced *p);

static int check_ref(struct sc_diags *d, const char *file, const char *what, const char *path,
		     struct sc_loc loc, const char *root, struct produced *p)
{
	size_t rl = strlen(root);
	const char *saved = d->file;
	int r = 0;

	if (path && strncmp(path, root, rl) == 0 && path[rl] == '/' && !p->built) {
		r = produced_paths(p);
		if (r < 0)
			return r;
	}
	d->file = file;
	if (!path || !*path) {
		r = sc_diags_add(d, SC_SEV_ERROR, loc,
				 "%s: type Localhost without localhostProfile", what);
		r = r < 0 ? r : -EINVAL;
	} else if (strncmp(path, root, rl) == 0 && path[rl] == '/') {
		if (!bsearch(&path, p->v, p->nv, sizeof(char *), cmp_cstr)) {
			r = sc_diags_add(d, SC_SEV_ERROR, loc,
					 "%s: profile '%s' is not produced by the policies or "
					 "bindings (a pod that references a missing profile never "
					 "starts)",
					 what, path);
			r = r < 0 ? r : -EINVAL;
		}
	} else {
		r = sc_diags_add(d, SC_SEV_WARNING, loc,
				 "%s: profile '%s' is outside '%s/': syscage does not install "
				 "it; make sure every node has it",
				 what, path, root);
	}
	d->file = saved;
	return r;
}

static int check_refs(struct sc_k8s_workload *w, struct sc_diags *d, const char *root,
		      struct produced *p)
{
	cleanup_free char *what = NULL;
	int r, ret = 0;

	if (asprintf(&what, "%s %s/%s", w->kind, w->namespace, w->name) < 0)
		return -ENOMEM;
#define CHECK(path, loc)                                             \
	do {                                                         \
		r = check_ref(d, w->file, what, path, loc, root, p); \
		if (r == -ENOMEM)                                    \
			return r;                                    \
		if (r < 0)                                           \
			ret = r;                                     \
	} while (0)
	if (w->pod_seccomp.type == SC_K8S_SECCOMP_LOCALHOST)
		CHECK(w->pod_seccomp.localhost,
		      w->pod_seccomp.localhost ? w->pod_seccomp.path_loc : w->pod_seccomp.loc);
	if (w->legacy_pod && strncmp(w->legacy_pod, "localhost/", 10) == 0)
		CHECK(w->legacy_pod + 10, w->legacy_pod_loc);
	for (size_t i = 0; i < w->n_containers; i++) {
		struct sc_k8s_container *c = &w->containers[i];
		if (c->seccomp.type == SC_K8S_SECCOMP_LOCALHOST)
			CHECK(c->seccomp.localhost,
			      c->seccomp.localhost ? c->seccomp.path_loc : c->seccomp.loc);
		if (c->legacy && strncmp(c->legacy, "localhost/", 10) == 0)
			CHECK(c->legacy + 10, c->legacy_loc);
	}
#undef CHECK
	return ret;
}

/* The path a workload bound earlier keeps: its pod's Localhost profile, when it is one the
 * agent may install for it (<root>/<its namespace>/<a valid file>). Bound pods reference it,
 * so it never moves, even when it has a name an older syscage gave it. */
static const char *adopted_path(const struct sc_k8s_workload *w, const char *root)
{
	struct sc_binding b = { .namespace = w->namespace, .profile = w->pod_seccomp.localhost };
	const char *why;

	if (w->pod_seccomp.type != SC_K8S_SECCOMP_LOCALHOST || !w->pod_seccomp.localhost)
		return NULL;
	return sc_binding_profile_check(&b, root, &why) == 0 ? w->pod_seccomp.localhost : NULL;
}

/* What the agent installs, sorted into p->v: every policy set's own profile, every binding's
 * path, and the paths bound now. The policy sets' paths are made here (owned: p->made); the
 * others are borrowed from the bindings and workloads. */
static int produced_paths(struct produced *p)
{
	const struct sc_policy_build *b = p->b;
	size_t cap = b->n_sets + b->n_bindings + 1, np = 0, nm = 0;
	char **v, **made;

	for (size_t i = 0; i < p->n; i++)
		cap += p->files[i]->n_workloads;
	v = calloc(cap, sizeof(*v));
	made = calloc(b->n_sets + 1, sizeof(*made));
	if (!v || !made)
		goto fail;
	for (size_t i = 0; i < b->n_sets; i++)
		if (!b->sets[i].n_workloads) {
			if (!(made[nm] = root_join(p->root, b->sets[i].path)))
				goto fail;
			v[np++] = made[nm++];
		}
	for (size_t i = 0; i < b->n_bindings; i++)
		v[np++] = b->bindings[i].profile;
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->files[i]->n_workloads; j++)
			if (p->files[i]->workloads[j].profile)
				v[np++] = p->files[i]->workloads[j].profile;
	qsort(v, np, sizeof(*v), cmp_cstr);
	p->v = v;
	p->nv = np;
	p->made = made;
	p->nm = nm;
	p->built = true;
	return 0;
fail:
	for (size_t i = 0; i < nm; i++)
		free(made[i]);
	free(made);
	free(v);
	return -ENOMEM;
}

static void produced_free(struct produced *p)
{
	for (size_t i = 0; i < p->nm; i++)
		free(p->made[i]);
	free(p->made);
	free(p->v);
}

struct bound {
	const char *path;
	const struct sc_k8s_workload *w;
};

static int cmp_bound(const void *a, const void *b)
{
	return strcmp(((const struct bound *)a)->path, ((const struct bound *)b)->path);
}

static bool same_workload(const struct sc_k8s_workload *w, const struct sc_binding *b)
{
	return streq(w->namespace, b->namespace) && streq(w->kind, b->kind) &&
	       streq(w->name, b->name);
}

/* The policy build's bindings by profile path, ties in their order. */
static int cmp_binding_at(const void *a, const void *b, void *ud)
{
	const struct sc_binding *v = ud;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x].profile, v[y].profile);
	return c ? c : (x > y) - (x < y);
}

/* Two workloads on one path, here or in the bindings the policies directory holds, would
 * install one profile for both: an error at the second one. 'at_sets': every bound workload's
 * path is its set's, so the sets' order (by path, sc_policy_build_sets) is theirs: no sort
 * of 10,000 paths. */
static int check_paths(struct sc_k8s_file **files, size_t n, const struct sc_policy_build *b,
		       bool at_sets, struct sc_diags *d)
{
	size_t nb = 0, cap = 1;
	cleanup_free struct bound *v = NULL;
	cleanup_free size_t *byp = calloc(b->n_bindings + 1, sizeof(*byp));
	const char *saved = d->file;
	int ret = 0;

	/* (The bindings file `k8s bind --bindings` wrote last time is usually among the
	 * policies: 10,000 bindings, looked up by path, not scanned per workload.) */
	if (!byp)
		return -ENOMEM;
	for (size_t k = 0; k < b->n_bindings; k++)
		byp[k] = k;
	qsort_r(byp, b->n_bindings, sizeof(*byp), cmp_binding_at, b->bindings);

	for (size_t i = 0; i < n; i++)
		cap += files[i]->n_workloads;
	if (at_sets && cap < b->n_sets + 1)
		cap = b->n_sets + 1;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++) {
			const struct sc_k8s_workload *w = &files[i]->workloads[j];
			if (!w->profile)
				continue;
			/* One workload per set: its slot is its set's. */
			v[at_sets ? (size_t)w->set : nb] = (struct bound){ w->profile, w };
			nb++;
		}
	if (at_sets) {
		size_t k = 0;
		for (size_t i = 0; i < b->n_sets; i++)
			if (v[i].path)
				v[k++] = v[i];
	} else {
		qsort(v, nb, sizeof(*v), cmp_bound);
	}
	for (size_t i = 0; i < nb; i++) {
		const struct sc_k8s_workload *w = v[i].w, *o = i ? v[i - 1].w : NULL;
		if (o && streq(v[i - 1].path, v[i].path)) {
			d->file = w->file;
			(void)sc_diags_add(d, SC_SEV_ERROR, w->loc,
					   "%s %s/%s would share profile %s with %s %s/%s (%s:%u): "
					   "give one of them its own seccompProfile or none",
					   w->kind, w->namespace, w->name, v[i].path, o->kind,
					   o->namespace, o->name, o->file, o->loc.line);
			ret = -EINVAL;
		}
		size_t lo = 0, hi = b->n_bindings;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(b->bindings[byp[mid]].profile, v[i].path) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t q = lo, k;
		     q < b->n_bindings && streq(b->bindings[k = byp[q]].profile, v[i].path); q++)
			if (!same_workload(w, &b->bindings[k])) {
				d->file = w->file;
				(void)sc_diags_add(
					d, SC_SEV_ERROR, w->loc,
					"%s %s/%s would be bound to %s, which the binding "
					"of %s %s/%s in %s holds",
					w->kind, w->namespace, w->name, v[i].path,
					b->bindings[k].kind, b->bindings[k].namespace,
					b->bindings[k].name, b->binding_files[k]);
				ret = -EINVAL;
			}
	}
	d->file = saved;
	return ret;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const char *const *)a,
		  y = (uintptr_t) * (const char *const *)b;
	return (x > y) - (x < y);
}

/* The namespaces these manifests' workloads have, each once, sorted into *ret (n). A
 * namespace is one string per piece of a manifest read (interned): the pointers are made
 * unique first, then the few strings left. */
static int manifest_namespaces(struct sc_k8s_file **files, size_t n, const char ***ret,
			       size_t *ret_n)
{
	const char **v;
	size_t nw = 0, nn = 0, k = 0;

	for (size_t f = 0; f < n; f++)
		nw += files[f]->n_workloads;
	v = calloc(nw + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t f = 0; f < n; f++)
		for (size_t j = 0; j < files[f]->n_workloads; j++)
			v[nn++] = files[f]->workloads[j].namespace;
	qsort(v, nn, sizeof(*v), cmp_ptr);
	for (size_t i = 0; i < nn; i++)
		if (i == 0 || v[i] != v[i - 1])
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), cmp_cstr);
	nn = k;
	k = 0;
	for (size_t i = 0; i < nn; i++)
		if (i == 0 || !streq(v[i], v[i - 1]))
			v[k++] = v[i];
	*ret = v;
	*ret_n = k;
	return 0;
}

/* A KubeArmor policy of a namespace these manifests have that selects none of their
 * workloads: a note at the policy (a typo in a label is the usual reason). */
static int note_unused(struct sc_k8s_file **files, size_t n, const struct sc_policy_build *b,
		       struct sc_diags *d)
{
	cleanup_free bool *used = calloc(b->n_policies + 1, sizeof(bool));
	cleanup_free const char **nss = NULL;
	const char *saved = d->file;
	size_t nn = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_sets; i++)
		for (size_t k = 0; b->sets[i].n_workloads && k < b->sets[i].n_policies; k++)
			used[b->sets[i].policies[k]] = true;
	for (size_t i = 0; i < b->n_policies; i++) {
		const struct sc_policy *p = &b->policies[i];
		if (used[i] || !p->selects || p->profile->meta.baseline)
			continue;
		if (!nss) {
			int r = manifest_namespaces(files, n, &nss, &nn);
			if (r < 0)
				return r;
		}
		if (!nn || !bsearch(&p->namespace, nss, nn, sizeof(*nss), cmp_cstr))
			continue;
		d->file = p->file;
		if (sc_diags_add(d, SC_SEV_NOTE, p->profile->loc,
				 "KubeArmorSeccompPolicy %s/%s selects none of these workloads "
				 "(check its selector against their pod-template labels)",
				 p->namespace, p->name) < 0) {
			d->file = saved;
			return -ENOMEM;
		}
	}
	d->file = saved;
	return 0;
}

int sc_k8s_match(struct sc_k8s_file **files, size_t n, struct sc_policy_build *b, const char *root,
		 struct sc_diags *d, size_t *ret_unmatched)
{
	cleanup_free struct sc_binding *wl = NULL;
	struct produced p = { .b = b, .files = files, .n = n, .root = root };
	size_t nw = 0, k = 0, unmatched = 0;
	bool at_sets = true;
	int r, ret = 0;

	for (size_t i = 0; i < n; i++)
		nw += files[i]->n_workloads;
	wl = calloc(nw + 1, sizeof(*wl));
	if (!wl)
		return -ENOMEM;
	/* Borrowed views: sc_policy_build_sets only reads them. Planned at the rule's path;
	 * a workload bound earlier keeps its own (below). */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++, k++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			wl[k] = (struct sc_binding){ .namespace = w->namespace,
						     .kind = w->kind,
						     .name = w->name,
						     .labels = w->labels,
						     .n_labels = w->n_labels,
						     .loc = w->loc };
		}
	r = sc_policy_build_sets(b, wl, nw, d);
	if (r < 0)
		return r;
	k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++, k++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			ssize_t s = b->workload_set ? b->workload_set[k] : -1;
			const char *keep = adopted_path(w, root);
			free(w->profile);
			w->profile = NULL;
			w->set = s;
			if (s < 0) {
				unmatched++;
				continue;
			}
			w->profile = root_join(root, b->sets[s].path);
			if (w->profile && keep && !streq(keep, w->profile)) {
				free(w->profile);
				w->profile = strdup(keep);
				at_sets = false;
			}
			if (!w->profile)
				return -ENOMEM;
		}
	ret = check_paths(files, n, b, at_sets, d);
	if (ret == -ENOMEM)
		return ret;
	r = note_unused(files, n, b, d);
	if (r < 0)
		return r;
	/* References binding leaves alone must point at profiles the agent installs. */
	for (size_t i = 0; i < n && ret != -ENOMEM; i++)
		for (size_t j = 0; j < files[i]->n_workloads; j++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			if (w->profile)
				continue;
			r = check_refs(w, d, root, &p);
			if (r == -ENOMEM || (r < 0 && ret == 0))
				ret = r;
		}
	produced_free(&p);
	if (ret_unmatched)
		*ret_unmatched = unmatched;
	return ret;
}

static int cmp_ident3(const char *ns1, const char *k1, const char *n1, const char *ns2,
		      const char *k2, const char *n2)
{
	int c = strcmp(ns1, ns2);
	if (c)
		return c;
	c = strcmp(k1, k2);
	return c ? c : strcmp(n1, n2);
}

static int cmp_workload_ident(const void *a, const void *b)
{
	const struct sc_k8s_workload *x = *(const struct sc_k8s_workload *const *)a,
				     *y = *(const struct sc_k8s_workload *const *)b;
	return cmp_ident3(x->namespace, x->kind, x->name, y->namespace, y->kind, y->name);
}

static void workload_binding(void *userdata, size_t i, struct sc_binding *b)
{
	const struct sc_k8s_workload *const *v = userdata, *w = v[i];

	/* A view: the writer only reads it. */
	*b = (struct sc_binding){ .namespace = w->namespace,
				  .kind = w->kind,
				  .name = w->name,
				  .labels = w->labels,
				  .n_labels = w->n_labels,
				  .profile = w->profile };
}

/* A stdio stream over a write callback: bindings_write_each's. */
struct cb_sink {
	int (*write)(void *userdata, const void *p, size_t n);
	void *userdata;
	int err;
};

static ssize_t cb_write(void *cookie, const char *data, size_t size)
{
	struct cb_sink *k = cookie;

	if (!k->err)
		k->err = k->write(k->userdata, data, size);
	return k->err ? -1 : (ssize_t)size;
}

/* sc_bindings_write's text handed to 'write' a piece at a time (0 or -errno, which stops it
 * and is returned), never held whole: the n bindings, sorted as sc_bindings_write sorts them,
 * each filled in turn by get() (views: nothing is freed). */
static int bindings_write_each(size_t n,
			       void (*get)(void *userdata, size_t i, struct sc_binding *b),
			       void *userdata,
			       int (*write)(void *userdata, const void *p, size_t n),
			       void *write_userdata)
{
	struct cb_sink k = { .write = write, .userdata = write_userdata };
	FILE *f = fopencookie(&k, "w", (cookie_io_functions_t){ .write = cb_write });
	int r = 0;

	if (!f)
		return -ENOMEM;
	/* One thread writes it: no lock taken per fputs (10,000 bindings are 300,000 calls). */
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	sc_bindings_emit_head(f);
	for (size_t i = 0; i < n && r == 0 && !k.err; i++) {
		struct sc_binding b = {};
		get(userdata, i, &b);
		r = sc_bindings_emit_one(f, &b);
	}
	if (fclose(f) != 0 && r == 0)
		r = k.err ? k.err : -ENOMEM;
	return r < 0 ? r : k.err;
}

/* sc_k8s_bindings a binding at a time: the bound workloads sorted as sc_bindings_write sorts
 * bindings, each one's document made from it when it comes (no binding array). */
int sc_k8s_bindings_write(struct sc_k8s_file **files, size_t n,
			  int (*write)(void *userdata, const void *p, size_t n), void *userdata)
{
	return sc_k8s_bindings_write_keep(files, n, NULL, 0, NULL, write, userdata);
}

/* The bound workloads (views into them) and the kept bindings, in one sorted list. */
struct merged {
	const struct sc_k8s_workload **w; /* sorted */
	size_t nw, *order;		  /* order[i]: < nw a workload, else keep[i - nw] */
	const struct sc_binding **keep;	  /* sorted */
};

static void merged_binding(void *userdata, size_t i, struct sc_binding *b)
{
	const struct merged *m = userdata;
	size_t k = m->order[i];

	if (k < m->nw)
		workload_binding(m->w, k, b);
	else
		*b = *m->keep[k - m->nw];
}

static int cmp_keep_ident(const void *a, const void *b)
{
	const struct sc_binding *x = *(const struct sc_binding *const *)a,
				*y = *(const struct sc_binding *const *)b;
	return cmp_ident3(x->namespace, x->kind, x->name, y->namespace, y->kind, y->name);
}

static bool workload_in(const struct sc_k8s_workload *const *all, size_t n,
			const struct sc_binding *b)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ident3(all[mid]->namespace, all[mid]->kind, all[mid]->name,
				   b->namespace, b->kind, b->name);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int cmp_workload_profile(const void *a, const void *b)
{
	return strcmp((*(const struct sc_k8s_workload *const *)a)->profile,
		      (*(const struct sc_k8s_workload *const *)b)->profile);
}

int sc_k8s_bindings_kept_conflicts(struct sc_k8s_file **files, size_t n,
				   const struct sc_binding *keep, size_t n_keep, const char *path,
				   struct sc_diags *d)
{
	cleanup_free const struct sc_k8s_workload **v = NULL, **all = NULL;
	const char *saved = d->file;
	size_t nb = 0, na = 0, cap = 1;
	int ret = 0;

	for (size_t f = 0; f < n; f++)
		cap += files[f]->n_workloads;
	v = calloc(cap, sizeof(*v));
	all = calloc(cap, sizeof(*all));
	if (!v || !all)
		return -ENOMEM;
	for (size_t f = 0; f < n; f++)
		for (size_t j = 0; j < files[f]->n_workloads; j++) {
			all[na++] = &files[f]->workloads[j];
			if (files[f]->workloads[j].profile)
				v[nb++] = &files[f]->workloads[j];
		}
	qsort(v, nb, sizeof(*v), cmp_workload_profile);
	qsort(all, na, sizeof(*all), cmp_workload_ident);
	d->file = path;
	for (size_t i = 0; i < n_keep; i++) {
		const struct sc_binding *b = &keep[i];
		struct sc_k8s_workload key = { .profile = b->profile }, *kp = &key;
		const struct sc_k8s_workload **w;
		/* A workload of these manifests: its binding is this run's, not the kept one. */
		if (workload_in(all, na, b))
			continue;
		w = bsearch(&kp, v, nb, sizeof(*v), cmp_workload_profile);
		if (!w)
			continue;
		if (sc_diags_add(d, SC_SEV_ERROR, b->loc,
				 "%s %s/%s's binding, kept from an earlier run, names %s, the path "
				 "%s %s/%s (%s:%u:%u) is bound to now; nothing was written: remove "
				 "that binding from %s, or pass --bindings-replace",
				 b->kind, b->namespace, b->name, b->profile, (*w)->kind,
				 (*w)->namespace, (*w)->name, (*w)->file, (*w)->loc.line,
				 (*w)->loc.col, path) < 0) {
			ret = -ENOMEM;
			break;
		}
		ret = -EINVAL;
	}
	d->file = saved;
	return ret;
}

int sc_k8s_bindings_write_keep(struct sc_k8s_file **files, size_t n, const struct sc_binding *keep,
			       size_t n_keep, size_t *ret_kept,
			       int (*write)(void *userdata, const void *p, size_t n),
			       void *userdata)
{
	cleanup_free const struct sc_k8s_workload **all = NULL, **v = NULL;
	cleanup_free const struct sc_binding **kp = NULL;
	cleanup_free size_t *order = NULL;
	size_t nb = 0, na = 0, cap = 1, no = 0, i = 0, k = 0;
	struct merged m = {};

	for (size_t f = 0; f < n; f++)
		cap += files[f]->n_workloads;
	v = calloc(cap, sizeof(*v));
	all = calloc(cap, sizeof(*all));
	order = calloc(cap + n_keep, sizeof(*order));
	kp = calloc(n_keep + 1, sizeof(*kp));
	if (!v || !all || !order || !kp)
		return -ENOMEM;
	for (size_t j = 0; j < n_keep; j++)
		kp[j] = &keep[j];
	qsort(kp, n_keep, sizeof(*kp), cmp_keep_ident);
	for (size_t f = 0; f < n; f++)
		for (size_t j = 0; j < files[f]->n_workloads; j++) {
			all[na++] = &files[f]->workloads[j];
			if (files[f]->workloads[j].profile)
				v[nb++] = &files[f]->workloads[j];
		}
	qsort(v, nb, sizeof(*v), cmp_workload_ident);
	if (n_keep) /* looked up only for the kept ones */
		qsort(all, na, sizeof(*all), cmp_workload_ident);
	/* Both sorted by namespace, kind and name: merged in order. A kept binding of a
	 * workload of these manifests goes (bound now, it is replaced; unbound, it is gone). */
	while (i < nb || k < n_keep) {
		if (k < n_keep && workload_in(all, na, kp[k])) {
			k++;
			continue;
		}
		if (k == n_keep ||
		    (i < nb && cmp_ident3(v[i]->namespace, v[i]->kind, v[i]->name, kp[k]->namespace,
					  kp[k]->kind, kp[k]->name) < 0))
			order[no++] = i++;
		else
			order[no++] = nb + k++;
	}
	if (ret_kept)
		*ret_kept = no - nb;
	m.w = v;
	m.nw = nb;
	m.keep = kp;
	m.order = order;
	return bindings_write_each(no, merged_binding, &m, write, userdata);
}

static int to_stream(void *userdata, const void *p, size_t n)
{
	return fwrite(p, 1, n, userdata) == n ? 0 : -ENOMEM;
}

/* The same text held whole: sc_k8s_bindings_write into a memory stream. */
int sc_k8s_bindings(struct sc_k8s_file **files, size_t n, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = sc_memstream_open(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	r = sc_k8s_bindings_write(files, n, to_stream, f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}
