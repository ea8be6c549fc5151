/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading Kubernetes manifests: the workloads (Pod, Deployment, StatefulSet, DaemonSet,
 * ReplicaSet, Job, CronJob, in multi-document YAML/JSON and Lists) with their positions, what
 * of each document's tree binding needs, and the files of a directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/install.h"
#include "k8s/k8s-list.h"
#include "k8s/manifest.h"
#include "macro.h"
#include "syscage/k8s.h"

static void tree_free(struct sc_k8s_tree *t)
{
	if (!t)
		return;
	sc_arena_free(&t->arena);
	free(t);
}

struct rctx {
	struct sc_k8s_file *f;
	struct arena *a; /* the file's: workloads' strings, kept nodes */
	struct sc_diags *d;
	const char *default_ns;
	size_t cap;
	bool json;
	int err; /* -ENOMEM */
	/* Containers, strings and kept nodes still allowed: aliases let a small file name a
	 * workload (or a List of them) many times over; without them a file is far below it. */
	size_t budget;
	/* Strings already in the arena (kinds, namespaces, labels, images...: 10,000 workloads
	 * repeat a few hundred), open addressing; the parse's only. */
	const char **strs;
	size_t n_strs, cap_strs;
	size_t open_from; /* the workloads whose document's end is not known yet */
	enum sc_k8s_keep keep;
	const struct k8s_parse *how;
	size_t len;	    /* the text's */
	unsigned skel_docs; /* a skeleton's documents (one) */
	/* sc_k8s_file_parse_each(): given each document's workloads, which then go */
	int (*each)(void *userdata, struct sc_k8s_file *f);
	void *each_userdata;
};

/* 's' in the file's arena, shared with every equal string before it (they are never
 * written to nor freed one by one). NULL for NULL, or on ENOMEM (c->err). */
static char *intern(struct rctx *c, const char *s)
{
	size_t slot;
	char *p;

	if (!s)
		return NULL;
	if (c->each)
		return (char *)s; /* the document's tree is there while each() has its workloads */
	if (2 * (c->n_strs + 1) > c->cap_strs) {
		size_t cap = c->cap_strs ? 2 * c->cap_strs : 256;
		const char **v = calloc(cap, sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			return NULL;
		}
		for (size_t i = 0; i < c->cap_strs; i++) {
			size_t q;
			if (!c->strs[i])
				continue;
			for (q = sc_fnv32_str(c->strs[i]) & (cap - 1); v[q];
			     q = (q + 1) & (cap - 1))
				;
			v[q] = c->strs[i];
		}
		free(c->strs);
		c->strs = v;
		c->cap_strs = cap;
	}
	for (slot = sc_fnv32_str(s) & (c->cap_strs - 1); c->strs[slot];
	     slot = (slot + 1) & (c->cap_strs - 1))
		if (streq(c->strs[slot], s))
			return (char *)c->strs[slot];
	p = sc_arena_strdup(c->a, s);
	if (!p) {
		c->err = -ENOMEM;
		return NULL;
	}
	c->strs[slot] = p;
	c->n_strs++;
	return p;
}

static int collect(struct rctx *c, struct yn *obj, unsigned depth);
static int keep_workloads(struct rctx *c, size_t from);

/* A workload's strings, labels and containers live in the file's arena: what is its own is
 * what matching and auditing add. */
static void workload_clear(struct sc_k8s_workload *w)
{
	free(w->profile);
	strv_free(w->findings);
}

struct sc_k8s_file *sc_k8s_file_free(struct sc_k8s_file *f)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n_workloads; i++)
		workload_clear(&f->workloads[i]);
	free(f->workloads);
	if (f->tree && f->tree->mapped && f->text)
		(void)munmap(f->text, f->len);
	else
		free(f->text);
	if (f->tree)
		free(f->tree->wp);
	tree_free(f->tree);
	free(f->name);
	free(f);
	return NULL;
}

static enum sc_k8s_seccomp_type seccomp_type(const char *s)
{
	if (!s)
		return SC_K8S_SECCOMP_UNSET;
	if (streq(s, "RuntimeDefault"))
		return SC_K8S_SECCOMP_RUNTIME_DEFAULT;
	if (streq(s, "Unconfined"))
		return SC_K8S_SECCOMP_UNCONFINED;
	if (streq(s, "Localhost"))
		return SC_K8S_SECCOMP_LOCALHOST;
	return SC_K8S_SECCOMP_INVALID;
}

const char *sc_k8s_seccomp_type_to_string(enum sc_k8s_seccomp_type t)
{
	static const char *const names[] = { "unset", "RuntimeDefault", "Unconfined", "Localhost",
					     "invalid" };
	return (unsigned)t < ELEMENTSOF(names) ? names[t] : "invalid";
}

static int read_seccomp(struct rctx *c, struct yn *sc, struct sc_k8s_seccomp *s)
{
	struct yn *p = yn_get(sc, "seccompProfile");
	struct yn *type = yn_get(p, "type"), *lp = yn_get(p, "localhostProfile");

	if (!p || yn_is_null(p))
		return 0;
	s->loc = yn_loc(p);
	s->type_text = intern(c, yn_is_null(type) ? NULL : yn_str(type));
	s->type = seccomp_type(s->type_text);
	if (type && !yn_is_null(type) && !yn_str(type))
		s->type = SC_K8S_SECCOMP_INVALID;
	if (lp && !yn_is_null(lp)) {
		s->localhost = intern(c, yn_str(lp));
		s->path_loc = yn_loc(lp);
	}
	if ((type && !yn_is_null(type) && yn_str(type) && !s->type_text) ||
	    (lp && !yn_is_null(lp) && yn_str(lp) && !s->localhost))
		return -ENOMEM;
	return 0;
}

static char **read_strv(struct rctx *c, struct yn *seq, bool *bad)
{
	char **v;

	if (!seq || yn_is_null(seq))
		return NULL;
	if (seq->t != YN_SEQ) {
		*bad = true;
		return NULL;
	}
	if (c->budget < seq->n) {
		c->err = -E2BIG;
		return NULL;
	}
	c->budget -= seq->n;
	v = sc_arena_zalloc(c->a, (seq->n + 1) * sizeof(char *));
	if (!v) {
		c->err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < seq->n; i++) {
		const char *s = yn_str(seq->kids[i]);
		v[i] = intern(c, s ? s : "");
		if (!v[i]) {
			c->err = -ENOMEM;
			return NULL;
		}
	}
	return v;
}

static int read_container(struct rctx *c, struct yn *n, bool init, struct sc_k8s_container *ct)
{
	struct yn *sc = yn_get(n, "securityContext"), *ape = yn_get(sc, "allowPrivilegeEscalation");
	struct yn *add = yn_get(yn_get(sc, "capabilities"), "add");
	bool bad = false;

	ct->init = init;
	ct->loc = yn_loc(n);
	ct->name = intern(c, yn_str(yn_get(n, "name")));
	ct->image = intern(c, yn_str(yn_get(n, "image")));
	ct->command = read_strv(c, yn_get(n, "command"), &bad);
	ct->args = read_strv(c, yn_get(n, "args"), &bad);
	if ((yn_str(yn_get(n, "name")) && !ct->name) ||
	    (yn_str(yn_get(n, "image")) && !ct->image) || c->err)
		return c->err ? c->err : -ENOMEM;
	if (bad)
		return sc_diags_add(c->d, SC_SEV_ERROR, ct->loc,
				    "container %s: command and args must be lists",
				    ct->name ? ct->name : "?") < 0
			       ? -ENOMEM
			       : -EINVAL;
	ct->allow_privilege_escalation = !ape || yn_is_null(ape)     ? -1
					 : yn_plain_bool(ape, false) ? 0
								     : 1;
	ct->privileged = yn_plain_bool(yn_get(sc, "privileged"), true);
	for (size_t i = 0; add && add->t == YN_SEQ && i < add->n; i++) {
		const char *cap = yn_str(add->kids[i]);
		if (cap && (streq(cap, "SYS_ADMIN") || streq(cap, "CAP_SYS_ADMIN")))
			ct->privileged = true;
	}
	return read_seccomp(c, sc, &ct->seccomp);
}

static int read_labels(struct rctx *c, struct yn *map, struct sc_k8s_workload *w)
{
	size_t n = 0;

	if (!map || map->t != YN_MAP)
		return 0;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		n += yn_str(map->kids[i]) && yn_str(map->kids[i + 1]);
	w->labels = sc_arena_zalloc(c->a, (n + 1) * sizeof(*w->labels));
	if (!w->labels)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const char *k = yn_str(map->kids[i]), *v = yn_str(map->kids[i + 1]);
		if (!k || !v)
			continue;
		w->labels[w->n_labels].key = intern(c, k);
		w->labels[w->n_labels].value = intern(c, v);
		w->n_labels++;
		if (!w->labels[w->n_labels - 1].key || !w->labels[w->n_labels - 1].value)
			return -ENOMEM;
	}
	return 0;
}

static int add_workload(struct rctx *c, struct yn *obj, const char *kind)
{
	struct sc_k8s_file *f = c->f;
	struct sc_k8s_workload *w;
	struct wpos *wp;
	struct yn *meta = yn_get(obj, "metadata"), *holder, *podspec, *ann;
	struct yn *lists[2];
	const char *ns = yn_str(yn_get(meta, "namespace"));
	size_t nc = 0;
	int r;

	if (streq(kind, "Pod"))
		holder = obj;
	else if (streq(kind, "CronJob"))
		holder = yn_get(yn_get(yn_get(yn_get(obj, "spec"), "jobTemplate"), "spec"),
				"template");
	else
		holder = yn_get(yn_get(obj, "spec"), "template");
	podspec = yn_get(holder, "spec");

	if (f->n_workloads == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct sc_k8s_workload *v = reallocarray(f->workloads, cap, sizeof(*v));
		struct wpos *pv = reallocarray(f->tree->wp, cap, sizeof(*pv));
		if (v)
			f->workloads = v;
		if (pv)
			f->tree->wp = pv;
		if (!v || !pv)
			return -ENOMEM;
		c->cap = cap;
	}
	w = &f->workloads[f->n_workloads];
	wp = &f->tree->wp[f->n_workloads];
	memset(w, 0, sizeof(*w));
	memset(wp, 0, sizeof(*wp));
	f->n_workloads++;
	w->file = f->name;
	w->loc = yn_loc(obj);
	w->kind = intern(c, kind);
	w->name = sc_arena_strdup(c->a,
				  yn_str(yn_get(meta, "name")) ? yn_str(yn_get(meta, "name")) : "");
	w->namespace = intern(c, ns && *ns ? ns : c->default_ns);
	if (!w->kind || !w->name || !w->namespace)
		return -ENOMEM;
	wp->holder = holder;
	wp->podspec = podspec;
	wp->json = c->json;
	if (!podspec || podspec->t != YN_MAP) {
		static const char *const where[] = { "spec", "spec.template.spec",
						     "spec.jobTemplate.spec.template.spec" };
		unsigned k = streq(kind, "Pod") ? 0 : streq(kind, "CronJob") ? 2 : 1;
		r = sc_diags_add(c->d, SC_SEV_ERROR, w->loc, "%s %s/%s: %s is %s", kind,
				 w->namespace, w->name, where[k],
				 podspec ? "not a mapping" : "missing");
		return r < 0 ? r : -EINVAL;
	}
	if (holder->t != YN_MAP)
		return -EINVAL;
	r = read_labels(c, yn_get(yn_get(holder, "metadata"), "labels"), w);
	if (r < 0)
		return r;
	r = read_seccomp(c, yn_get(podspec, "securityContext"), &w->pod_seccomp);
	if (r < 0)
		return r;
	ann = yn_get(yn_get(holder, "metadata"), "annotations");
	if (yn_str(yn_get(ann, ANN_POD))) {
		w->legacy_pod = intern(c, yn_str(yn_get(ann, ANN_POD)));
		w->legacy_pod_loc = yn_loc(yn_get(ann, ANN_POD));
		if (!w->legacy_pod)
			return -ENOMEM;
	}
	lists[0] = yn_get(podspec, "initContainers");
	lists[1] = yn_get(podspec, "containers");
	for (unsigned k = 0; k < 2; k++) {
		if (lists[k] && !yn_is_null(lists[k]) && lists[k]->t != YN_SEQ) {
			r = sc_diags_add(c->d, SC_SEV_ERROR, yn_loc(lists[k]),
					 "%s %s/%s: %s must be a list", kind, w->namespace, w->name,
					 k ? "containers" : "initContainers");
			return r < 0 ? r : -EINVAL;
		}
		nc += lists[k] && lists[k]->t == YN_SEQ ? lists[k]->n : 0;
	}
	if (c->budget < nc + 1)
		return -E2BIG;
	c->budget -= nc + 1;
	w->containers = sc_arena_zalloc(c->a, (nc ? nc : 1) * sizeof(*w->containers));
	wp->containers = sc_arena_zalloc(c->a, (nc ? nc : 1) * sizeof(*wp->containers));
	if (!w->containers || !wp->containers)
		return -ENOMEM;
	for (unsigned k = 0; k < 2; k++)
		for (size_t i = 0; lists[k] && lists[k]->t == YN_SEQ && i < lists[k]->n; i++) {
			struct yn *cn = lists[k]->kids[i];
			struct sc_k8s_container *ct = &w->containers[w->n_containers];
			if (cn->t != YN_MAP) {
				r = sc_diags_add(c->d, SC_SEV_ERROR, yn_loc(cn),
						 "%s %s/%s: a container must be a mapping", kind,
						 w->namespace, w->name);
				return r < 0 ? r : -EINVAL;
			}
			wp->containers[w->n_containers] = cn;
			w->n_containers++;
			wp->n_containers++;
			r = read_container(c, cn, k == 0, ct);
			if (r < 0)
				return r;
			if (ct->name && ann) {
				cleanup_free char *key = NULL;
				struct yn *v;
				if (asprintf(&key, ANN_CONTAINER "%s", ct->name) < 0)
					return -ENOMEM;
				v = yn_get(ann, key);
				if (yn_str(v)) {
					ct->legacy = intern(c, yn_str(v));
					ct->legacy_loc = yn_loc(v);
					if (!ct->legacy)
						return -ENOMEM;
				}
			}
		}
	return 0;
}

static bool is_workload_kind(const char *k)
{
	static const char *const kinds[] = { "Pod",	   "Deployment", "StatefulSet", "DaemonSet",
					     "ReplicaSet", "Job",	 "CronJob" };
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
		if (streq(k, kinds[i]))
			return true;
	return false;
}

static int collect(struct rctx *c, struct yn *obj, unsigned depth)
{
	const char *kind = yn_str(yn_get(obj, "kind"));
	size_t kl = kind ? strlen(kind) : 0;
	int r;

	if (!kind || obj->t != YN_MAP)
		return 0;
	if (c->budget == 0)
		return -E2BIG;
	c->budget--;
	if (kl >= 4 && streq(kind + kl - 4, "List")) {
		struct yn *items = yn_get(obj, "items");
		int ret = 0;
		if (depth > 4 || !items || items->t != YN_SEQ)
			return 0;
		for (size_t i = 0; i < items->n; i++) {
			r = collect(c, items->kids[i], depth + 1);
			if (r == -ENOMEM || r == -E2BIG)
				return r;
			if (r < 0)
				ret = r;
		}
		return ret;
	}
	if (!is_workload_kind(kind))
		return 0;
	return add_workload(c, obj, kind);
}

/* What binding reads below a node once the file is parsed (bind_one, ensure): only these
 * keys of a mapping, each with what is read below its value ('below' NULL: all of it). A
 * node that is not the mapping expected is kept whole, as is what it holds. */
struct keep {
	const char *key;
	const struct keep *below;
};

static const struct keep keep_profile[] = { { "type", NULL }, { "localhostProfile", NULL }, {} };
static const struct keep keep_pod_sc[] = { { "seccompProfile", keep_profile }, {} };
static const struct keep keep_podspec[] = { { "securityContext", keep_pod_sc }, {} };
static const struct keep keep_caps[] = { { "drop", NULL }, {} };
static const struct keep keep_ct_sc[] = { { "allowPrivilegeEscalation", NULL },
					  { "seccompProfile", keep_profile },
					  { "capabilities", keep_caps },
					  {} };
static const struct keep keep_container[] = { { "securityContext", keep_ct_sc }, {} };
static const struct keep keep_meta[] = { { "annotations", NULL }, {} };
static const struct keep keep_holder[] = { { "metadata", keep_meta }, {} };

static const struct keep *keep_key(const struct yn *key, const struct keep *k)
{
	if (key->t != YN_SCALAR)
		return NULL;
	for (; k->key; k++)
		if (streq(key->val, k->key))
			return k;
	return NULL;
}

/* A copy of 'n' in arena 'a' with what 'k' says is read below it. Its header is the
 * original's (span, where entries are appended, had_kids), so text edits land where they
 * did. NULL on ENOMEM (*err). */
static struct yn *keep_node(struct arena *a, const struct yn *n, const struct keep *k, int *err,
			    size_t *budget)
{
	struct yn *c;
	size_t m = 0;

	if (!n || *err)
		return NULL;
	if (*budget == 0) {
		*err = -E2BIG;
		return NULL;
	}
	(*budget)--;
	c = sc_arena_alloc(a, yn_size(n));
	if (!c)
		goto nomem;
	memcpy(c, n, yn_size(n));
	if (n->t == YN_SCALAR) {
		c->val = sc_arena_strdup(a, n->val);
		if (!c->val)
			goto nomem;
		return c;
	}
	if (n->t != YN_MAP)
		k = NULL;
	c->n = 0;
	c->kids = NULL;
	for (size_t i = 0; i < n->n; i++)
		m += !k || (i % 2 == 0 && i + 1 < n->n && keep_key(n->kids[i], k)) ? (k ? 2 : 1)
										   : 0;
	if (m == 0)
		return c;
	c->kids = sc_arena_alloc(a, m * sizeof(*c->kids)); /* never grows again */
	if (!c->kids)
		goto nomem;
	for (size_t i = 0; i < n->n; i++) {
		const struct keep *kk = NULL;
		if (k) {
			struct yn *key;
			if (i % 2 || i + 1 >= n->n || !(kk = keep_key(n->kids[i], k)))
				continue;
			/* The key's text is the rule's (equal): no copy. */
			key = sc_arena_alloc(a, sizeof(*key));
			if (!key)
				goto nomem;
			*key = *n->kids[i];
			key->val = (char *)kk->key;
			c->kids[c->n++] = key;
			c->kids[c->n++] = keep_node(a, n->kids[++i], kk->below, err, budget);
		} else {
			c->kids[c->n++] = keep_node(a, n->kids[i], NULL, err, budget);
		}
	}
	return *err ? NULL : c;
nomem:
	*err = -ENOMEM;
	return NULL;
}

/* Keep what binding needs of the workloads found since 'from' (their document's tree goes). */
static int keep_workloads(struct rctx *c, size_t from)
{
	int err = 0;

	for (size_t i = from; i < c->f->n_workloads && !err; i++) {
		const struct sc_k8s_workload *w = &c->f->workloads[i];
		struct wpos *wp = &c->f->tree->wp[i];
		bool legacy = w->legacy_pod != NULL;
		for (size_t k = 0; k < w->n_containers; k++)
			legacy |= w->containers[k].legacy != NULL;
		if (c->keep == SC_K8S_KEEP_NONE) {
			*wp = (struct wpos){ .n_containers = wp->n_containers,
					     .doc_end = wp->doc_end,
					     .unit_start = wp->unit_start,
					     .item = wp->item,
					     .json = wp->json };
			continue;
		}
		/* The pod template's metadata is edited only for its seccomp annotations. */
		wp->holder = c->keep == SC_K8S_KEEP_ALL || legacy
				     ? keep_node(c->a, wp->holder, keep_holder, &err, &c->budget)
				     : NULL;
		wp->podspec = keep_node(c->a, wp->podspec, keep_podspec, &err, &c->budget);
		for (size_t k = 0; k < wp->n_containers; k++)
			wp->containers[k] = keep_node(c->a, wp->containers[k], keep_container, &err,
						      &c->budget);
	}
	return err;
}

/* Forget the workloads read so far and what the arena holds for them (strings, kept nodes):
 * sc_k8s_file_parse_each() has handed them over. */
static void documents_drop(struct rctx *c)
{
	for (size_t i = 0; i < c->f->n_workloads; i++)
		workload_clear(&c->f->workloads[i]);
	c->f->n_workloads = 0;
	c->open_from = 0;
	if (c->strs)
		memset(c->strs, 0, c->cap_strs * sizeof(*c->strs));
	c->n_strs = 0;
	sc_arena_reset(c->a);
}

/* A List's items read apart from it (k8s_parse.items): the root is a mapping of one key,
 * K8S_ITEMS, whose block sequence holds them as the List's "items" does; each item is read
 * as collect() reads a List's, and is a unit of its own, from its cut to the next. With the
 * cuts given, each item must start between its cut and the next, one item a cut: else the cut
 * is not the one a whole read makes (-EAGAIN). */
static int collect_items(struct rctx *c, struct yn *root)
{
	const struct k8s_parse *how = c->how;
	struct yn *seq = root->t == YN_MAP && root->n == 2 ? root->kids[1] : NULL;
	size_t n = how->n_items;
	int ret = 0;

	if (!seq || seq->t != YN_SEQ || seq->flow || (how->item && seq->n != n))
		return how->item ? -EAGAIN : 0;
	for (size_t k = 0; k < seq->n; k++) {
		size_t from = c->f->n_workloads, start = 0, end = 0;
		int r;
		if (how->item) {
			start = how->item[k] - how->items_by;
			end = k + 1 < n ? how->item[k + 1] - how->items_by : c->len;
			if (seq->kids[k]->start < start || seq->kids[k]->start >= end)
				return -EAGAIN;
			if (how->overlap && k + 1 == n)
				break; /* the next cut's: read there */
		}
		r = collect(c, seq->kids[k], 1);
		if (r == -ENOMEM || r == -E2BIG)
			return r;
		if (r < 0)
			ret = r;
		for (size_t i = from; i < c->f->n_workloads; i++) {
			c->f->tree->wp[i].doc_end = (uint32_t)end;
			c->f->tree->wp[i].item = true;
		}
	}
	c->open_from = c->f->n_workloads;
	return ret;
}

/* Whether a node below 'n' (or it) is reached through an alias or a merge key. */
static bool any_shared(const struct yn *n)
{
	if (n->shared)
		return true;
	for (size_t i = 0; n->t != YN_SCALAR && i < n->n; i++)
		if (any_shared(n->kids[i]))
			return true;
	return false;
}

/* A List's skeleton (k8s_parse.skel), one document: its "items" key where the text has it, a
 * block sequence of the items the skeleton kept, each where it was put, and a kind ending in
 * "List" (what collect() reads as a List); no alias among its other keys (it may name a node
 * of an item, which the item's range would not know is shared). Else -EAGAIN: the List is
 * read whole. */
static int skeleton_check(struct rctx *c, const struct yn *root)
{
	const struct k8s_skel *sk = c->how->skel;
	const struct yn *key = yn_key(root, "items"), *items = yn_get(root, "items");
	const char *kind = yn_str(yn_get(root, "kind"));
	size_t kl = kind ? strlen(kind) : 0;

	if (c->skel_docs++ || root->t != YN_MAP || root->flow || !key ||
	    key->start != sk->items_key || !items || items->t != YN_SEQ || items->flow ||
	    items->n != sk->n || items->kids[0]->start >= sk->first_end ||
	    (sk->n == 2 && items->kids[1]->start < sk->first_end) || kl < 4 ||
	    !streq(kind + kl - 4, "List"))
		return -EAGAIN;
	for (size_t i = 0; i + 1 < root->n; i += 2)
		if (root->kids[i] != key &&
		    (any_shared(root->kids[i]) || any_shared(root->kids[i + 1])))
			return -EAGAIN;
	return 0;
}

/* A document's workloads read, and the nodes binding needs kept (its tree goes next). */
static int on_document(void *userdata, struct yn *root, size_t doc_start)
{
	struct rctx *c = userdata;
	size_t from = c->f->n_workloads;
	int r, q;

	/* The documents before end where this one starts. */
	for (size_t i = c->open_from; i < from; i++)
		c->f->tree->wp[i].doc_end = (uint32_t)doc_start;
	c->open_from = from;
	c->json = root->flow;
	if (c->how->skel)
		return skeleton_check(c, root);
	r = c->how->items ? collect_items(c, root) : collect(c, root, 0);
	if (r < 0 && r != -EINVAL && r != -E2BIG)
		return r;
	for (size_t i = from; i < c->f->n_workloads && !c->how->items; i++)
		c->f->tree->wp[i].unit_start = (uint32_t)doc_start;
	/* sc_k8s_file_parse_each() hands the document's workloads over while its tree is
	 * there: nothing to keep. */
	q = r == -E2BIG ? r : c->each ? 0 : keep_workloads(c, from);
	if (q == -E2BIG) {
		/* Only aliases repeating workloads or containers get here. */
		r = sc_diags_add(c->d, SC_SEV_ERROR, yn_loc(root),
				 "too many workloads and containers once YAML aliases are resolved "
				 "(more than the file's size allows)");
		return r < 0 ? r : -EINVAL;
	}
	if (q < 0)
		return q;
	if (c->each) {
		if (r == 0)
			r = c->each(c->each_userdata, c->f);
		documents_drop(c);
	}
	return r;
}

int k8s_text_parse(char *buf, size_t len, const struct k8s_parse *how, const char *name,
		   const char *default_ns, struct sc_diags *d, struct sc_k8s_file **ret)
{
	struct sc_k8s_file *f = calloc(1, sizeof(*f));
	bool lent = how->lent || how->each;
	struct rctx c = { .f = f,
			  .how = how,
			  .len = len,
			  .d = d,
			  .default_ns = default_ns ? default_ns : "default",
			  .budget = len + (1u << 20),
			  .each = how->each,
			  .each_userdata = how->userdata,
			  .keep = how->keep };
	const char *saved = d->file;
	int r;

	if (!f) {
		if (lent)
			;
		else if (how->mapped)
			(void)munmap(buf, len);
		else
			free(buf);
		return -ENOMEM;
	}
	f->text = buf;
	f->len = len;
	f->name = strdup(name ? name : "<stdin>");
	f->tree = calloc(1, sizeof(*f->tree));
	if (!f->tree) {
		if (lent)
			;
		else if (how->mapped)
			(void)munmap(buf, len);
		else
			free(buf);
		f->text = NULL;
		r = -ENOMEM;
		goto fail;
	}
	f->tree->mapped = how->mapped;
	f->tree->keep = (uint8_t)how->keep;
	if (len > MAX_MANIFEST || !f->name) {
		r = len > MAX_MANIFEST ? -EFBIG : -ENOMEM;
		goto fail;
	}
	c.a = how->arena ? how->arena : &f->tree->arena;
	d->file = f->name;
	r = sc_postree_parse(
		f->text, len,
		&(struct postree_how){ .mapped = how->mapped, .ret_merges = how->ret_merges }, d,
		on_document, &c);
	if (r == 0 && how->skel && c.skel_docs != 1)
		r = -EAGAIN;
	free(c.strs);
	for (size_t i = c.open_from; i < f->n_workloads; i++)
		f->tree->wp[i].doc_end = (uint32_t)len;
	d->file = saved;
	if (how->ret_used)
		*how->ret_used = len + (1u << 20) - c.budget;
	if (r < 0)
		goto fail;
	*ret = f;
	return 0;
fail:
	if (lent)
		f->text = NULL;
	sc_k8s_file_free(f);
	return r;
}

int sc_k8s_file_parse(const char *buf, size_t len, const char *name, const char *default_ns,
		      struct sc_diags *d, struct sc_k8s_file **ret)
{
	char *text;

	if (len > MAX_MANIFEST)
		return -EFBIG;
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	return k8s_text_parse(text, len, &(struct k8s_parse){ .keep = SC_K8S_KEEP_ALL }, name,
			      default_ns, d, ret);
}

int sc_k8s_file_parse_each(const char *buf, size_t len, const char *name, bool items,
			   struct sc_diags *d, int (*each)(void *userdata, struct sc_k8s_file *f),
			   void *userdata)
{
	struct sc_k8s_file *f = NULL;
	/* Lent, not copied: the file gives it back before it goes. */
	int r = k8s_text_parse((char *)buf, len,
			       &(struct k8s_parse){ .keep = SC_K8S_KEEP_NONE,
						    .each = each,
						    .userdata = userdata,
						    .items = items },
			       name, NULL, d, &f);

	if (r == 0) {
		f->text = NULL;
		sc_k8s_file_free(f);
	}
	return r;
}

void sc_k8s_files_free(struct sc_k8s_file **f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		sc_k8s_file_free(f[i]);
	free(f);
}
