/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the sets of a pass: policies grouped by namespace and selector, bound workloads'
 * members, duplicates and conflicts rejected, and whether a set's path is the agent's to
 * write (what the old index records there). */
#include "agent/reconcile-internal.h"

/* ---- sets -------------------------------------------------------------------------- */

/* Baselines first (they are no set of their own), then by key and name. */
static int cmp_pol_key(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct cdoc *p = rc_pdoc(x, a), *q = rc_pdoc(x, b);
	int c;

	if (p->baseline != q->baseline)
		return p->baseline ? -1 : 1;
	c = strcmp(p->key, q->key);
	return c ? c : strcmp(p->name, q->name);
}

/* Members in the order the policy build merges them: by name, then kind. */
static int cmp_member(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct cdoc *p = rc_pdoc(x, &x->pols[*(const size_t *)a]);
	const struct cdoc *q = rc_pdoc(x, &x->pols[*(const size_t *)b]);
	int c = strcmp(p->name, q->name);
	return c ? c : strcmp(sc_format_kind(p->format), sc_format_kind(q->format));
}

/* By path; a bound workload's set first: it owns its path. */
int rc_cmp_set_path(const void *a, const void *b)
{
	const struct set *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if ((x->bind != NULL) != (y->bind != NULL))
		return x->bind ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* A binding's trouble rejects that binding only: the rest of its file is installed, and
 * what it had stays (last good). Counted and listed like a file's rejection. */
static int reject_binding(struct run *x, size_t fi, const struct sc_binding *b, const char *fmt,
			  ...) _printf_(4, 5);
static int reject_binding(struct run *x, size_t fi, const struct sc_binding *b, const char *fmt,
			  ...)
{
	cleanup_free char *msg = NULL, *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg || asprintf(&full, "%u:%u: %s %s/%s: %s", b->loc.line, b->loc.col, b->kind,
			     b->namespace, b->name, msg) < 0)
		return -ENOMEM;
	return rc_add_rejection(x, fi, SC_REJECT_BINDING, full, false);
}

/* The rule's view of the accepted policies (binding.h), sorted; perm maps back to x->pols. */
static int pol_refs(struct run *x, struct sc_policy_ref **ret, size_t **ret_perm)
{
	struct sc_policy_ref *v = calloc(x->n_pols + 1, sizeof(*v));
	size_t *perm = calloc(x->n_pols + 1, sizeof(*perm));

	if (!v || !perm) {
		free(v);
		free(perm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < x->n_pols; i++) {
		const struct cdoc *d = rc_pdoc(x, &x->pols[i]);
		v[i] = (struct sc_policy_ref){ .namespace = d->ns,
					       .name = d->name,
					       .kind = sc_format_kind(d->format),
					       .selector = d->selects ? d->key : NULL,
					       .baseline = d->baseline };
	}
	if (sc_policy_refs_sort(v, x->n_pols, perm) < 0) {
		free(v);
		free(perm);
		return -ENOMEM;
	}
	*ret = v;
	*ret_perm = perm;
	return 0;
}

/* Room for a set's 'n' members at the end of x->members; its offset, or -ENOMEM. */
static ssize_t take_members(struct run *x, size_t n)
{
	size_t off = x->n_members;

	if (x->n_members + n > x->cap_members) {
		size_t cap = x->cap_members ? x->cap_members : 1024;
		size_t *v;
		while (cap < x->n_members + n)
			cap *= 2;
		v = reallocarray(x->members, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->members = v;
		x->cap_members = cap;
	}
	x->n_members += n;
	return (ssize_t)off;
}

size_t *rc_smem(const struct run *x, const struct set *s)
{
	return x->members + s->m_off;
}

/* What a binding's members depend on besides the binding: the baselines and the policies of
 * its namespace, each by namespace, name, kind and selector (the sorted refs' range). */
struct nsig {
	const char *ns;
	size_t lo;    /* its first ref */
	uint64_t sig; /* never 0 */
};

static uint64_t ref_feed(uint64_t h, const struct sc_policy_ref *r)
{
	h = rc_hash64_feed(h, r->namespace, strlen(r->namespace) + 1);
	h = rc_hash64_feed(h, r->name, strlen(r->name) + 1);
	h = rc_hash64_feed(h, r->kind, strlen(r->kind) + 1);
	return r->selector ? rc_hash64_feed(h, r->selector, strlen(r->selector) + 1)
			   : rc_hash64_feed(h, "\1", 2);
}

static int cmp_nsig(const void *a, const void *b)
{
	return strcmp(((const struct nsig *)a)->ns, ((const struct nsig *)b)->ns);
}

/* The membership kept for a bindings file, rebuilt (msig, moff, mdata) while a pass goes
 * through its bindings: the kept one stands until a binding differs from it, then the
 * bindings so far are copied over. */
struct mkeep {
	uint64_t *msig;
	uint32_t *moff, *mdata;
	size_t n_data, cap_data;
	size_t hit_end; /* the kept data in use so far ends here */
	bool own;	/* msig... are this pass's */
};

static int mkeep_room(struct mkeep *k, size_t more)
{
	if (k->n_data + more > k->cap_data) {
		size_t cap = k->cap_data ? 2 * k->cap_data : 4096;
		uint32_t *nd;
		while (cap < k->n_data + more)
			cap *= 2;
		nd = reallocarray(k->mdata, cap, sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		k->mdata = nd;
		k->cap_data = cap;
	}
	return 0;
}

/* Binding i of 'c' gets 'sig' (0: none) and, with one, members 'v' (n, 'selected'): kept as
 * they are when equal, else this pass's arrays take over. */
static int mkeep_set(struct mkeep *k, const struct cfile *c, size_t i, uint64_t sig,
		     const uint32_t *v, size_t n, size_t selected)
{
	if (!k->own) {
		if (c->bk->msig && c->bk->msig[i] == sig) {
			if (sig)
				k->hit_end = c->bk->moff[i] + 2 + n;
			return 0;
		}
		k->msig = calloc(c->n_binds, sizeof(*k->msig));
		k->moff = calloc(c->n_binds, sizeof(*k->moff));
		if (!k->msig || !k->moff)
			return -ENOMEM;
		k->own = true;
		if (c->bk->msig) {
			int r = mkeep_room(k, k->hit_end);
			if (r < 0)
				return r;
			memcpy(k->msig, c->bk->msig, i * sizeof(*k->msig));
			memcpy(k->moff, c->bk->moff, i * sizeof(*k->moff));
			if (k->hit_end)
				memcpy(k->mdata, c->bk->mdata, k->hit_end * sizeof(*k->mdata));
			k->n_data = k->hit_end;
		}
	}
	k->msig[i] = sig;
	if (!sig)
		return 0;
	if (mkeep_room(k, n + 2) < 0)
		return -ENOMEM;
	k->moff[i] = (uint32_t)k->n_data;
	k->mdata[k->n_data++] = (uint32_t)n;
	k->mdata[k->n_data++] = (uint32_t)selected;
	memcpy(k->mdata + k->n_data, v, n * sizeof(*v));
	k->n_data += n;
	return 0;
}

/* Whether an accepted file has bindings: without, none of the policies' refs (a few MiB for
 * 10,000 policies) is made. */
static bool have_bindings(const struct run *x)
{
	for (size_t fi = 0; fi < x->n_files; fi++)
		if (!x->rejected[fi] && x->files[fi].n_binds)
			return true;
	return false;
}

/* One set per bound workload of the accepted bindings files. A binding's members are those
 * of the last pass when what they depend on did not change (an edit of a policy's syscalls
 * leaves 10,000 memberships as they were: no selector is matched again). */
static int binding_sets(struct run *x)
{
	cleanup_free struct sc_policy_ref *v = NULL;
	cleanup_free size_t *perm = NULL, *m = NULL, *inv = NULL;
	cleanup_free uint32_t *enc = NULL;
	cleanup_free struct nsig *nss = NULL;
	size_t rl = strlen(x->r->root_name), n_base = 0, n_ns = 0;
	uint64_t hb = HASH64_INIT;
	int r;

	r = pol_refs(x, &v, &perm);
	if (r < 0)
		return r;
	m = calloc(x->n_pols + 1, sizeof(*m));
	inv = calloc(x->n_pols + 1, sizeof(*inv));
	enc = calloc(x->n_pols + 1, sizeof(*enc));
	nss = calloc(x->n_pols + 1, sizeof(*nss));
	if (!m || !inv || !enc || !nss)
		return -ENOMEM;
	for (size_t j = 0; j < x->n_pols; j++)
		inv[perm[j]] = j;
	while (n_base < x->n_pols && v[n_base].baseline)
		hb = ref_feed(hb, &v[n_base++]);
	for (size_t i = n_base; i < x->n_pols;) {
		uint64_t h = rc_hash64_feed(hb, v[i].namespace, strlen(v[i].namespace) + 1);
		size_t j = i;
		for (; j < x->n_pols && streq(v[j].namespace, v[i].namespace); j++)
			h = ref_feed(h, &v[j]);
		nss[n_ns++] = (struct nsig){ v[i].namespace, i, rc_hash64_end(h, j - i) | 1 };
		i = j;
	}
	for (size_t fi = 0; fi < x->n_files; fi++) {
		struct cfile *c = &x->files[fi];
		struct mkeep k = {};
		if (x->rejected[fi] || !c->n_binds)
			continue;
		for (size_t i = 0; i < c->n_binds; i++) {
			const struct sc_binding *b = &c->binds[i];
			const char *missing = NULL, *why = NULL;
			size_t n = 0, selected = 0, lo = x->n_pols;
			struct set *s = &x->sets[x->n_sets];
			struct nsig key = { .ns = b->namespace }, *ns;
			uint64_t sig;
			ssize_t off;

			if (sc_binding_profile_check(b, x->r->root_name, &why) < 0) {
				r = reject_binding(x, fi, b,
						   "localhostProfile %s: %s (this agent's "
						   "root is %s)",
						   b->profile, why, x->r->root_name);
				if (r == 0)
					r = mkeep_set(&k, c, i, 0, NULL, 0, 0);
				if (r < 0)
					goto fail;
				continue;
			}
			*s = (struct set){ .ns = b->namespace,
					   .path = b->profile + rl + 1,
					   .bind = b,
					   .bind_file = fi,
					   .order = x->n_sets };
			x->n_sets++;
			ns = n_ns ? bsearch(&key, nss, n_ns, sizeof(*nss), cmp_nsig) : NULL;
			if (ns) {
				sig = ns->sig;
				lo = ns->lo;
			} else {
				uint64_t h =
					rc_hash64_feed(hb, b->namespace, strlen(b->namespace) + 1);
				sig = rc_hash64_end(h, 0) | 1;
			}
			if (c->bk->msig && c->bk->msig[i] == sig) {
				/* As the last pass found them (sorted as they were then). */
				const uint32_t *d = c->bk->mdata + c->bk->moff[i];
				n = d[0];
				selected = d[1];
				for (size_t q = 0; q < n; q++)
					m[q] = d[2 + q] < n_base ? d[2 + q]
								 : lo + (d[2 + q] - n_base);
			} else {
				r = sc_binding_members(b, v, x->n_pols, m, &n, &selected, &missing);
				if (r == -ENOENT) {
					s->keep = true;
					r = reject_binding(x, fi, b,
							   "names policy '%s', which namespace %s "
							   "does not have (its profile stays as it "
							   "was)",
							   missing, b->namespace);
					if (r == 0)
						r = mkeep_set(&k, c, i, 0, NULL, 0, 0);
					if (r < 0)
						goto fail;
					continue;
				}
				if (r < 0)
					goto fail;
			}
			off = take_members(x, n);
			if (off < 0) {
				r = (int)off;
				goto fail;
			}
			s = &x->sets[x->n_sets - 1];
			s->m_off = (size_t)off;
			for (size_t q = 0; q < n; q++)
				rc_smem(x, s)[q] = perm[m[q]];
			s->n_pols = n;
			s->fallback = selected == 0;
			rc_sort_r(rc_smem(x, s), n, sizeof(size_t), cmp_member, x);
			/* Kept for the next pass in that order, by the refs' positions then. */
			for (size_t q = 0; q < n; q++) {
				size_t vi = inv[rc_smem(x, s)[q]];
				enc[q] = (uint32_t)(vi < n_base ? vi : n_base + (vi - lo));
			}
			r = mkeep_set(&k, c, i, sig, enc, n, selected);
			if (r < 0)
				goto fail;
		}
		if (k.own) {
			uint32_t *fit = k.mdata ? reallocarray(k.mdata, k.n_data ? k.n_data : 1,
							       sizeof(*fit))
						: NULL;
			free(c->bk->msig);
			free(c->bk->moff);
			free(c->bk->mdata);
			c->bk->msig = k.msig;
			c->bk->moff = k.moff;
			c->bk->mdata = fit ? fit : k.mdata;
		}
		continue;
	fail:
		if (k.own) {
			free(k.msig);
			free(k.moff);
			free(k.mdata);
		}
		return r;
	}
	return 0;
}

/* Group as the policy build does: one set per namespace + selector for KubeArmor policies,
 * one per SPO/OCI profile, each with the baselines (sc_policy_set_name names them); then one
 * per bound workload. Sorted by path. */
static int build_sets(struct run *x)
{
	cleanup_free struct pol *v = calloc(x->n_pols ? x->n_pols : 1, sizeof(*v));
	size_t n_base = 0, n_binds = 0, total = 0, off = 0;
	int r;

	if (!v)
		return -ENOMEM;
	memcpy(v, x->pols, x->n_pols * sizeof(*v));
	rc_sort_r(v, x->n_pols, sizeof(*v), cmp_pol_key, x);
	/* Sets refer to x->pols by index: keep the sorted order there. */
	memcpy(x->pols, v, x->n_pols * sizeof(*v));
	while (n_base < x->n_pols && rc_pdoc(x, &x->pols[n_base])->baseline)
		n_base++;
	for (size_t fi = 0; fi < x->n_files; fi++)
		if (!x->rejected[fi])
			n_binds += x->files[fi].n_binds;
	/* At most one set per policy and per binding: one allocation for the sets, one for
	 * their members, one for their names and paths (sized on a first pass over the runs). */
	x->sets = calloc(x->n_pols + n_binds + 1, sizeof(*x->sets));
	if (!x->sets)
		return -ENOMEM;
	for (size_t i = n_base; i < x->n_pols;) {
		size_t j = i + 1;
		const struct cdoc *d = rc_pdoc(x, &x->pols[i]);

		while (j < x->n_pols && streq(d->key, rc_pdoc(x, &x->pols[j])->key))
			j++;
		/* "<first>[-hash]\0<ns>/<first>[-hash].json\0" */
		total += 2 * strlen(d->name) + strlen(d->ns) + (j - i > 1 ? 18 : 0) + 8;
		i = j;
	}
	x->set_names = malloc(total ? total : 1);
	if (!x->set_names)
		return -ENOMEM;
	for (size_t i = n_base; i < x->n_pols;) {
		size_t j = i + 1, lf, ls;
		struct set *s;
		cleanup_free char *name = NULL;
		const char *ns = rc_pdoc(x, &x->pols[i])->ns;
		char *o;

		while (j < x->n_pols &&
		       streq(rc_pdoc(x, &x->pols[i])->key, rc_pdoc(x, &x->pols[j])->key))
			j++;
		{
			ssize_t moff = take_members(x, j - i + n_base);
			if (moff < 0)
				return (int)moff;
			s = &x->sets[x->n_sets];
			*s = (struct set){ .ns = ns, .order = x->n_sets, .m_off = (size_t)moff };
			x->n_sets++;
		}
		for (size_t k = i; k < j; k++)
			rc_smem(x, s)[s->n_pols++] = k;
		for (size_t k = 0; k < n_base; k++)
			rc_smem(x, s)[s->n_pols++] = k;
		if (j - i == 1) {
			name = strdup(rc_pdoc(x, &x->pols[i])->name);
			r = name ? 0 : -ENOMEM;
		} else {
			cleanup_free const char **names = calloc(j - i, sizeof(char *));
			if (!names)
				return -ENOMEM;
			for (size_t k = i; k < j; k++)
				names[k - i] = rc_pdoc(x, &x->pols[k])->name;
			r = sc_policy_set_name(names, j - i, &name);
		}
		if (r < 0)
			return r;
		/* "<name>\0<ns>/<name>.json" */
		lf = strlen(name);
		ls = strlen(ns);
		if (lf + 1 + ls + 1 + lf + 6 > total - off)
			return -EOVERFLOW; /* the sizing above is wrong: never so */
		o = s->name = x->set_names + off;
		memcpy(o, name, lf + 1);
		o += lf + 1;
		memcpy(o, ns, ls);
		o[ls] = '/';
		memcpy(o + ls + 1, name, lf);
		memcpy(o + ls + 1 + lf, ".json", 6);
		s->path = o;
		off += lf + 1 + ls + 1 + lf + 6;
		if (n_base)
			rc_sort_r(rc_smem(x, s), s->n_pols, sizeof(size_t), cmp_member, x);
		i = j;
	}
	r = have_bindings(x) ? binding_sets(x) : 0;
	if (r < 0)
		return r;
	rc_sort(x->sets, x->n_sets, sizeof(*x->sets), rc_cmp_set_path);
	return 0;
}

/* Two policy sets on one path: the set whose first file sorts later is rejected; regroup
 * until none is left (each round rejects at least one file). A bound workload's set owns its
 * path: a policy set there is not installed (counted); a second binding of the path loses. */
int rc_sets_without_conflicts(struct run *x)
{
	for (;;) {
		bool again = false;
		size_t k = 0;
		int r = build_sets(x);
		if (r < 0)
			return r;
		for (size_t i = 1; i < x->n_sets; i++) {
			struct set *a = &x->sets[i - 1], *b = &x->sets[i];
			size_t fa, fb;
			if (!streq(a->path, b->path) || a->bind || b->bind)
				continue;
			fa = x->pols[rc_smem(x, a)[0]].file;
			fb = x->pols[rc_smem(x, b)[0]].file;
			r = rc_reject(
				x, fa > fb ? fa : fb, SC_REJECT_CONFLICT,
				"its profile would be written to %s, which another policy set "
				"(%s) produces: rename one of them",
				a->path, x->files[fa > fb ? fb : fa].path);
			if (r < 0)
				return r;
			again = true;
		}
		if (again) {
			rc_run_free_sets(x);
			r = rc_gather_pols(x);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t i = 0; i < x->n_sets; i++) {
			struct set *s = &x->sets[i];
			const struct set *o = k ? &x->sets[k - 1] : NULL;
			if (o && o->bind && streq(o->path, s->path)) {
				if (!s->bind) {
					x->res->n_shadowed++;
					continue;
				}
				r = reject_binding(x, s->bind_file, s->bind,
						   "localhostProfile %s is %s %s/%s's already "
						   "(%s): two workloads cannot share one profile",
						   s->path, o->bind->kind, o->bind->namespace,
						   o->bind->name, x->files[o->bind_file].path);
				if (r < 0)
					return r;
				continue;
			}
			x->sets[k++] = *s;
		}
		x->n_sets = k;
		return 0;
	}
}

/* ---- ownership ---------------------------------------------------------------------- */

/* Whether 'have' is content the old index records for 'path', or records none (an earlier
 * syscage's index, or a path being written when a pass was interrupted: the index written
 * before the renames names it twice, with the old content and with none). */
bool rc_recorded(const struct run *x, const char *path, uint64_t have)
{
	size_t lo = 0, hi = x->n_old_by_path;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->old_by_path[mid]->path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n_old_by_path && streq(x->old_by_path[lo]->path, path); lo++)
		if (x->old_by_path[lo]->hash == 0 || x->old_by_path[lo]->hash == have)
			return true;
	return false;
}

/* Whether the agent may write its set's profile at 'file' (in 'nsfd'): nothing is there, or
 * the index says the agent wrote it ('prev') and it still holds what the agent wrote (or what
 * it is about to write). An index without content hashes (an earlier syscage, `policy build`)
 * is trusted as before. 'on_disk', 'have': whether a regular file is there, its content hash. */
bool rc_owned(const struct run *x, const struct entry *prev, int nsfd, const char *file,
	      bool on_disk, uint64_t have, uint64_t want)
{
	struct stat st;

	if (!on_disk)
		return fstatat(nsfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
	if (!prev)
		return false;
	return have == want || rc_recorded(x, prev->path, have);
}

/* The set's path holds a file the agent did not write: left alone, and the set's policies
 * (or its binding) rejected, naming the file. */
int rc_reject_foreign(struct run *x, const struct set *s, bool changed)
{
	char why[700];

	(void)snprintf(why, sizeof(why),
		       "its profile would be written to %s/%s, which holds a file %s: it is left "
		       "alone; rename the %s, or remove that file if it is stale",
		       x->r->root_name, s->path,
		       changed ? "changed since this agent wrote it" : "this agent did not write",
		       s->bind ? "binding's localhostProfile" : "policy");
	if (s->bind) {
		cleanup_free char *full = NULL;
		if (asprintf(&full, "%u:%u: %s %s/%s: %s", s->bind->loc.line, s->bind->loc.col,
			     s->bind->kind, s->bind->namespace, s->bind->name, why) < 0)
			return -ENOMEM;
		return rc_add_rejection(x, s->bind_file, SC_REJECT_BINDING, full, false);
	}
	for (size_t k = 0; k < s->n_pols; k++) {
		const struct pol *p = &x->pols[rc_smem(x, s)[k]];
		int r;
		if (rc_pdoc(x, p)->baseline)
			continue;
		r = rc_reject(x, p->file, SC_REJECT_CONFLICT, "%s", why);
		if (r < 0)
			return r;
	}
	return 0;
}
