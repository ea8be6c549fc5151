/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the binding rule (see binding.h): a bound workload's path, the policies that make up its
 * profile, the fallback, the baseline checks, a policy set's own name, and SeccompBinding
 * documents. `k8s bind`, `policy build` and the agent all call this module. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/binding.h"
#include "syscage/merge.h"
#include "syscage/policy.h"
#include "syscage/runtime-default.h"
#include "syscage/syscalls.h"
#include "macro.h"
#include "ytree.h"

#define FILE_PREFIX_MAX	  190	     /* of a long workload name, before "-<hash>" */
#define MAX_BINDING_NODES (1u << 22) /* 10,000 bindings are ~300,000 nodes */

DEFINE_CLEANUP_FUNC(struct sc_profile, sc_profile_free);

static uint32_t fnv1a32(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

#define FNV32_INIT 2166136261u

/* ---- paths ---------------------------------------------------------------------------- */

static bool kind_valid(const char *kind)
{
	if (!kind || !*kind || strlen(kind) > 63)
		return false;
	for (const char *p = kind; *p; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	return true;
}

int sc_binding_file_name(const char *kind, const char *name, char **ret)
{
	char lower[64];
	size_t kl, nl;
	int r;

	if (!kind_valid(kind) || !sc_dns1123_subdomain_valid(name))
		return -EINVAL;
	kl = strlen(kind);
	for (size_t i = 0; i <= kl; i++)
		lower[i] = (char)tolower((unsigned char)kind[i]);
	nl = strlen(name);
	if (kl + 1 + nl > FILE_PREFIX_MAX + 9)
		r = asprintf(ret, "%s_%.*s-%08x.json", lower, (int)(FILE_PREFIX_MAX - kl - 1), name,
			     fnv1a32(FNV32_INIT, name, nl));
	else
		r = asprintf(ret, "%s_%s.json", lower, name);
	if (r < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

int sc_binding_path(const char *root, const char *namespace, const char *kind, const char *name,
		    char **ret)
{
	cleanup_free char *file = NULL;
	int r = sc_binding_file_name(kind, name, &file);

	if (r < 0)
		return r;
	if (asprintf(ret, "%s/%s/%s", root, namespace, file) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

bool sc_binding_file_valid(const char *file)
{
	cleanup_free char *stem = NULL;
	size_t n = file ? strlen(file) : 0;
	char *us;

	if (n <= 5 || n > 250 || strcmp(file + n - 5, ".json") != 0)
		return false;
	stem = strndup(file, n - 5);
	if (!stem)
		return false;
	us = strchr(stem, '_');
	if (!us)
		return sc_dns1123_subdomain_valid(stem);
	*us = '\0';
	if (!*stem || strlen(stem) > 63)
		return false;
	for (const char *p = stem; *p; p++)
		if (!(*p >= 'a' && *p <= 'z'))
			return false;
	return sc_dns1123_subdomain_valid(us + 1);
}

int sc_binding_profile_check(const struct sc_binding *b, const char *root, const char **ret_why)
{
	const char *p = b->profile;
	size_t rl = strlen(root), nl = strlen(b->namespace);

	if (!p || !*p) {
		*ret_why = "no localhostProfile";
		return -EINVAL;
	}
	if (strncmp(p, root, rl) != 0 || p[rl] != '/' || strncmp(p + rl + 1, b->namespace, nl) != 0 ||
	    p[rl + 1 + nl] != '/') {
		*ret_why = "not below <root>/<its namespace>/ (the agent installs nothing "
			   "elsewhere)";
		return -EINVAL;
	}
	if (!sc_binding_file_valid(p + rl + nl + 2)) {
		*ret_why = "the file name is neither <kind>_<name>.json nor a policy set's "
			   "<name>.json";
		return -EINVAL;
	}
	return 0;
}

/* ---- documents ------------------------------------------------------------------------ */

void sc_binding_clear(struct sc_binding *b)
{
	if (!b)
		return;
	free(b->namespace);
	free(b->kind);
	free(b->name);
	for (size_t i = 0; i < b->n_labels; i++) {
		free(b->labels[i].key);
		free(b->labels[i].value);
	}
	free(b->labels);
	for (size_t i = 0; i < b->n_policies; i++)
		free(b->policies[i]);
	free(b->policies);
	free(b->profile);
	*b = (struct sc_binding){};
}

void sc_bindings_free(struct sc_binding *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		sc_binding_clear(&v[i]);
	free(v);
}

bool sc_bindings_detect(const char *buf, size_t len)
{
	/* The first "kind" key of the text, at a line's start (YAML) or quoted (JSON). */
	for (size_t i = 0; i + 4 < len; i++) {
		const char *p = buf + i, *v;
		bool quoted = false;

		if (i > 0 && buf[i - 1] != '\n' && !(buf[i - 1] == '"' && (quoted = true)))
			continue;
		if (len - i < 5 || memcmp(p, "kind", 4) != 0)
			continue;
		v = p + 4 + (quoted ? 1 : 0);
		if (v >= buf + len || *v != ':')
			continue;
		v++;
		while (v < buf + len && (*v == ' ' || *v == '\t' || *v == '"' || *v == '\''))
			v++;
		return (size_t)(buf + len - v) >= strlen(SC_BINDING_KIND) &&
		       memcmp(v, SC_BINDING_KIND, strlen(SC_BINDING_KIND)) == 0 &&
		       (buf + len - v == (ptrdiff_t)strlen(SC_BINDING_KIND) ||
			!isalnum((unsigned char)v[strlen(SC_BINDING_KIND)]));
	}
	return false;
}

struct bctx {
	struct sc_diags *d;
	int r;
};

_printf_(3, 4) static void berr(struct bctx *c, struct sc_loc loc, const char *fmt, ...)
{
	va_list ap;

	if (c->r == 0)
		c->r = -EINVAL;
	if (!c->d)
		return;
	va_start(ap, fmt);
	if (sc_diags_addv(c->d, SC_SEV_ERROR, loc, fmt, ap) < 0)
		c->r = -ENOMEM;
	va_end(ap);
}

/* Only the keys in 'keys' (NULL-terminated) may appear in mapping 'n'. */
static void only_keys(struct bctx *c, const struct ynode *n, const char *what,
		      const char *const *keys)
{
	for (size_t i = 0; n && n->kind == Y_MAP && i + 1 < n->n; i += 2) {
		bool known = false;
		for (size_t k = 0; keys[k] && !known; k++)
			known = streq(n->v[i]->text, keys[k]);
		if (!known)
			berr(c, n->v[i]->loc, "unknown key '%s' in %s", n->v[i]->text, what);
	}
}

static char *get_string(struct bctx *c, const struct ynode *map, const char *key,
			const char *what, bool required)
{
	const struct ynode *n = sc_ynode_get(map, key);
	const char *s = sc_ynode_string(n);
	char *v;

	if (!n) {
		if (required)
			berr(c, map->loc, "%s: missing '%s'", what, key);
		return NULL;
	}
	if (!s) {
		berr(c, n->loc, "%s: '%s' must be a string", what, key);
		return NULL;
	}
	v = strdup(s);
	if (!v)
		c->r = -ENOMEM;
	return v;
}

static void read_labels(struct bctx *c, const struct ynode *n, struct sc_binding *b)
{
	if (!n)
		return;
	if (n->kind != Y_MAP) {
		berr(c, n->loc, "'podLabels' must be a mapping of strings");
		return;
	}
	b->labels = calloc(n->n / 2 + 1, sizeof(*b->labels));
	if (!b->labels) {
		c->r = -ENOMEM;
		return;
	}
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const char *v = sc_ynode_string(n->v[i + 1]);
		struct sc_label *l = &b->labels[b->n_labels];
		if (!v) {
			berr(c, n->v[i + 1]->loc, "label '%s': the value must be a string",
			     n->v[i]->text);
			continue;
		}
		if (!sc_label_key_valid(n->v[i]->text) || !sc_label_value_valid(v)) {
			berr(c, n->v[i]->loc, "label '%s: %s' is not a Kubernetes label",
			     n->v[i]->text, v);
			continue;
		}
		l->key = strdup(n->v[i]->text);
		l->value = strdup(v);
		b->n_labels++;
		if (!l->key || !l->value)
			c->r = -ENOMEM;
	}
}

static void read_policies(struct bctx *c, const struct ynode *n, struct sc_binding *b)
{
	if (!n)
		return;
	if (n->kind != Y_SEQ) {
		berr(c, n->loc, "'policies' must be a list of policy names");
		return;
	}
	b->policies = calloc(n->n + 1, sizeof(char *));
	if (!b->policies) {
		c->r = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *s = sc_ynode_string(n->v[i]);
		if (!s || !sc_dns1123_subdomain_valid(s)) {
			berr(c, n->v[i]->loc, "policies[%zu]: not a policy name (DNS-1123)", i);
			continue;
		}
		b->policies[b->n_policies] = strdup(s);
		if (!b->policies[b->n_policies++])
			c->r = -ENOMEM;
	}
}

static void read_binding(struct bctx *c, const struct ynode *doc, struct sc_binding *b)
{
	static const char *const top_keys[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	static const char *const meta_keys[] = { "name", "namespace", "labels", "annotations",
						 NULL };
	static const char *const spec_keys[] = { "workload", "podLabels", "policies",
						 "localhostProfile", NULL };
	static const char *const wl_keys[] = { "kind", "name", NULL };
	const struct ynode *meta, *spec, *wl;
	cleanup_free char *api = NULL, *kind = NULL, *wname = NULL;

	b->loc = doc->loc;
	if (doc->kind != Y_MAP) {
		berr(c, doc->loc, "expected a %s document (a mapping)", SC_BINDING_KIND);
		return;
	}
	only_keys(c, doc, SC_BINDING_KIND, top_keys);
	api = get_string(c, doc, "apiVersion", SC_BINDING_KIND, true);
	kind = get_string(c, doc, "kind", "document", true);
	if (kind && !streq(kind, SC_BINDING_KIND)) {
		berr(c, sc_ynode_get(doc, "kind")->loc,
		     "kind '%s' in a bindings file: it holds only %s documents (keep policies "
		     "in files of their own)",
		     kind, SC_BINDING_KIND);
		return;
	}
	if (api && !streq(api, SC_BINDING_API_VERSION))
		berr(c, sc_ynode_get(doc, "apiVersion")->loc,
		     "apiVersion '%s': this syscage reads %s", api, SC_BINDING_API_VERSION);
	meta = sc_ynode_get(doc, "metadata");
	spec = sc_ynode_get(doc, "spec");
	if (!meta || meta->kind != Y_MAP) {
		berr(c, meta ? meta->loc : doc->loc, "%s: 'metadata' must be a mapping",
		     SC_BINDING_KIND);
		return;
	}
	if (!spec || spec->kind != Y_MAP) {
		berr(c, spec ? spec->loc : doc->loc, "%s: 'spec' must be a mapping",
		     SC_BINDING_KIND);
		return;
	}
	only_keys(c, meta, "metadata", meta_keys);
	only_keys(c, spec, "spec", spec_keys);
	b->name = get_string(c, meta, "name", "metadata", true);
	b->namespace = get_string(c, meta, "namespace", "metadata", false);
	if (!b->namespace && c->r != -ENOMEM && !(b->namespace = strdup("default")))
		c->r = -ENOMEM;
	if (b->namespace && !sc_dns1123_label_valid(b->namespace))
		berr(c, sc_ynode_get(meta, "namespace")->loc,
		     "namespace '%s' is not a DNS-1123 label", b->namespace);
	wl = sc_ynode_get(spec, "workload");
	if (!wl || wl->kind != Y_MAP) {
		berr(c, wl ? wl->loc : spec->loc, "spec: 'workload' must be {kind, name}");
		return;
	}
	only_keys(c, wl, "workload", wl_keys);
	b->kind = get_string(c, wl, "kind", "workload", true);
	wname = get_string(c, wl, "name", "workload", false);
	if (b->kind && !kind_valid(b->kind))
		berr(c, sc_ynode_get(wl, "kind")->loc, "workload kind '%s' is not a kind",
		     b->kind);
	if (b->name && !sc_dns1123_subdomain_valid(b->name))
		berr(c, sc_ynode_get(meta, "name")->loc, "name '%s' is not a DNS-1123 name",
		     b->name);
	if (wname && b->name && !streq(wname, b->name))
		berr(c, sc_ynode_get(wl, "name")->loc,
		     "workload name '%s' differs from metadata.name '%s'", wname, b->name);
	read_labels(c, sc_ynode_get(spec, "podLabels"), b);
	read_policies(c, sc_ynode_get(spec, "policies"), b);
	b->profile = get_string(c, spec, "localhostProfile", "spec", true);
	if (b->profile) {
		const struct ynode *pn = sc_ynode_get(spec, "localhostProfile");
		const char *root_end = strchr(b->profile, '/');
		const char *why = NULL;
		cleanup_free char *root = root_end ? strndup(b->profile, (size_t)(root_end - b->profile)) : NULL;
		if (b->namespace && (!root || !sc_dns1123_label_valid(root) ||
				     sc_binding_profile_check(b, root, &why) < 0))
			berr(c, pn->loc, "localhostProfile '%s': %s", b->profile,
			     why ? why : "expected <root>/<namespace>/<file>.json");
	}
}

static int cmp_binding_ident(const void *a, const void *b)
{
	const struct sc_binding *x = *(struct sc_binding *const *)a,
				*y = *(struct sc_binding *const *)b;
	int c = strcmp(x->namespace, y->namespace);
	if (c)
		return c;
	c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_binding_profile(const void *a, const void *b)
{
	const struct sc_binding *x = *(struct sc_binding *const *)a,
				*y = *(struct sc_binding *const *)b;
	return strcmp(x->profile, y->profile);
}

static int check_unique(struct bctx *c, struct sc_binding *v, size_t n)
{
	cleanup_free struct sc_binding **p = calloc(n + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof(*p), cmp_binding_ident);
	for (size_t i = 1; i < n; i++)
		if (cmp_binding_ident(&p[i - 1], &p[i]) == 0)
			berr(c, p[i]->loc, "a second binding of %s %s/%s (first at line %u)",
			     p[i]->kind, p[i]->namespace, p[i]->name, p[i - 1]->loc.line);
	qsort(p, n, sizeof(*p), cmp_binding_profile);
	for (size_t i = 1; i < n; i++)
		if (streq(p[i - 1]->profile, p[i]->profile))
			berr(c, p[i]->loc,
			     "%s %s/%s claims localhostProfile %s, which %s %s/%s (line %u) "
			     "has: two workloads cannot share one path",
			     p[i]->kind, p[i]->namespace, p[i]->name, p[i]->profile, p[i - 1]->kind,
			     p[i - 1]->namespace, p[i - 1]->name, p[i - 1]->loc.line);
	return 0;
}

int sc_bindings_read(const char *buf, size_t len, const char *file, struct sc_diags *d,
		     struct sc_binding **ret, size_t *ret_n)
{
	struct ynode **docs = NULL;
	size_t n_docs = 0, n = 0;
	struct sc_binding *v = NULL;
	const char *saved = d ? d->file : NULL;
	struct bctx c = { .d = d };
	int r;

	if (d)
		d->file = file;
	r = sc_ytree_parse(buf, len, MAX_BINDING_NODES, d, &docs, &n_docs);
	if (r < 0)
		goto out;
	v = calloc(n_docs + 1, sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_docs && c.r != -ENOMEM; i++) {
		if (!docs[i])
			continue; /* an empty document */
		read_binding(&c, docs[i], &v[n]);
		n++;
	}
	if (c.r == 0)
		r = check_unique(&c, v, n);
	if (r == 0)
		r = c.r;
out:
	sc_ytree_free(docs, n_docs);
	if (d)
		d->file = saved;
	if (r < 0) {
		sc_bindings_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Label keys, values, names and paths are plain YAML scalars by construction; a label value
 * that YAML would read as something else ("true", "1") is quoted. */
static void put_scalar(FILE *f, const char *s)
{
	bool plain = *s && (isalnum((unsigned char)*s) || *s == '_');
	const char *p;

	for (p = s; plain && *p; p++)
		plain = isalnum((unsigned char)*p) || strchr("-_./", *p);
	if (plain) {
		/* Words YAML 1.1 or 1.2 read as booleans, nulls or numbers stay strings. */
		static const char *const special[] = { "true", "false", "yes", "no", "on", "off",
						       "null", "y", "n", "True", "False", "Yes",
						       "No", "On", "Off", "Null", "TRUE", "FALSE",
						       "YES", "NO", "ON", "OFF", "NULL", "Y", "N" };
		char *end;
		for (size_t i = 0; plain && i < ELEMENTSOF(special); i++)
			plain = !streq(s, special[i]);
		if (plain) {
			(void)strtod(s, &end);
			plain = *end != '\0';
		}
	}
	if (plain)
		fputs(s, f);
	else
		fprintf(f, "\"%s\"", s); /* nothing here needs escaping: validated text */
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct sc_label *)a)->key, ((const struct sc_label *)b)->key);
}

int sc_bindings_write(const struct sc_binding *v, size_t n, char **ret)
{
	cleanup_free const struct sc_binding **p = calloc(n + 1, sizeof(*p));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof(*p), cmp_binding_ident);
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs("# Written by `syscage k8s bind --bindings`: one SeccompBinding per bound workload.\n"
	      "# Put this file in the agent's policies ConfigMap beside the policies: the agent\n"
	      "# installs each workload's profile at its localhostProfile, the merge of every\n"
	      "# policy that selects it now.\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const struct sc_binding *b = p[i];
		cleanup_free struct sc_label *labels = NULL;

		fputs("---\napiVersion: " SC_BINDING_API_VERSION "\nkind: " SC_BINDING_KIND
		      "\nmetadata:\n  name: ",
		      f);
		put_scalar(f, b->name);
		fputs("\n  namespace: ", f);
		put_scalar(f, b->namespace);
		fputs("\nspec:\n  workload: {kind: ", f);
		put_scalar(f, b->kind);
		fputs(", name: ", f);
		put_scalar(f, b->name);
		fputs("}\n", f);
		if (b->n_labels) {
			labels = calloc(b->n_labels, sizeof(*labels));
			if (!labels) {
				(void)fclose(f);
				free(buf);
				return -ENOMEM;
			}
			memcpy(labels, b->labels, b->n_labels * sizeof(*labels));
			qsort(labels, b->n_labels, sizeof(*labels), cmp_label);
			fputs("  podLabels:\n", f);
			for (size_t k = 0; k < b->n_labels; k++) {
				fputs("    ", f);
				put_scalar(f, labels[k].key);
				fputs(": ", f);
				put_scalar(f, labels[k].value ? labels[k].value : "");
				fputc('\n', f);
			}
		}
		if (b->n_policies) {
			fputs("  policies: [", f);
			for (size_t k = 0; k < b->n_policies; k++) {
				fputs(k ? ", " : "", f);
				put_scalar(f, b->policies[k]);
			}
			fputs("]\n", f);
		}
		fputs("  localhostProfile: ", f);
		put_scalar(f, b->profile);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

/* ---- membership ----------------------------------------------------------------------- */

static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL); /* selectors (non-NULL) after named profiles */
	return strcmp(a, b);
}

static int cmp_ref(const void *a, const void *b, void *ud)
{
	const struct sc_policy_ref *v = ud;
	const struct sc_policy_ref *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
	int c;

	if (x->baseline != y->baseline)
		return x->baseline ? -1 : 1;
	c = strcmp(x->namespace, y->namespace);
	if (c)
		return c;
	c = cmp_nullable(x->selector, y->selector);
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->kind, y->kind);
}

void sc_policy_refs_sort(struct sc_policy_ref *v, size_t n, size_t *perm)
{
	cleanup_free size_t *idx = calloc(n + 1, sizeof(*idx));
	cleanup_free struct sc_policy_ref *copy = calloc(n + 1, sizeof(*copy));

	if (!idx || !copy) {
		/* Sorting in place without the permutation still gives the order. */
		if (perm)
			for (size_t i = 0; i < n; i++)
				perm[i] = i;
		return;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_ref, v);
	memcpy(copy, v, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i] = copy[idx[i]];
		if (perm)
			perm[i] = idx[i];
	}
}

static const char *label_value(const struct sc_label *labels, size_t n, const char *key,
			       size_t kl)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(labels[i].key) == kl && memcmp(labels[i].key, key, kl) == 0)
			return labels[i].value ? labels[i].value : "";
	return NULL;
}

/* One "E key Op v1 v2" line (without its "E "), 'end' its end. */
static bool expr_matches(const char *s, const char *end, const struct sc_label *labels, size_t n)
{
	const char *sp = memchr(s, ' ', (size_t)(end - s)), *op, *vals, *v;
	size_t ol;
	bool in = false;

	if (!sp)
		return false;
	v = label_value(labels, n, s, (size_t)(sp - s));
	op = sp + 1;
	vals = memchr(op, ' ', (size_t)(end - op));
	ol = (size_t)((vals ? vals : end) - op);
	for (const char *p = vals; v && p && p < end;) {
		const char *q = memchr(p + 1, ' ', (size_t)(end - p - 1));
		const char *e = q ? q : end;
		size_t vl = (size_t)(e - p - 1);
		if (strlen(v) == vl && memcmp(p + 1, v, vl) == 0)
			in = true;
		p = q;
	}
	if (ol == 2 && memcmp(op, "In", 2) == 0)
		return in;
	if (ol == 5 && memcmp(op, "NotIn", 5) == 0)
		return !in;
	if (ol == 6 && memcmp(op, "Exists", 6) == 0)
		return v != NULL;
	if (ol == 12 && memcmp(op, "DoesNotExist", 12) == 0)
		return v == NULL;
	return false; /* an operator validation refused: selects nothing */
}

bool sc_selector_canonical_matches(const char *canon, const struct sc_label *labels, size_t n)
{
	const char *s = strchr(canon, '\n');

	while (s) {
		const char *line = s + 1, *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (line[0] == 'L' && line[1] == ' ') {
			const char *k = line + 2, *eq = memchr(k, '=', (size_t)(end - k));
			const char *v = eq ? label_value(labels, n, k, (size_t)(eq - k)) : NULL;
			size_t vl = eq ? (size_t)(end - eq - 1) : 0;
			if (!v || strlen(v) != vl || memcmp(v, eq + 1, vl) != 0)
				return false;
		} else if (line[0] == 'E' && line[1] == ' ') {
			if (!expr_matches(line + 2, end, labels, n))
				return false;
		}
		s = *end ? end : NULL;
	}
	return true;
}

int sc_binding_members(const struct sc_binding *b, const struct sc_policy_ref *v, size_t n,
		       size_t *ret, size_t *ret_n, size_t *ret_selected, const char **ret_missing)
{
	size_t k = 0, lo, hi, first, selected = 0;
	const char *last_sel = NULL;
	bool last_match = false;

	*ret_missing = NULL;
	for (first = 0; first < n && v[first].baseline; first++)
		ret[k++] = first;
	/* The namespace's range. */
	lo = first;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].namespace, b->namespace) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && streq(v[i].namespace, b->namespace); i++) {
		bool take = false;
		if (v[i].selector) {
			/* Policies with one selector are neighbours: match it once. */
			if (!last_sel || !streq(last_sel, v[i].selector)) {
				last_sel = v[i].selector;
				last_match = sc_selector_canonical_matches(last_sel, b->labels,
									   b->n_labels);
			}
			take = last_match;
		}
		for (size_t p = 0; !take && p < b->n_policies; p++)
			take = streq(b->policies[p], v[i].name);
		if (take) {
			ret[k++] = i;
			selected++;
		}
	}
	/* Every named policy must exist in the namespace. */
	for (size_t p = 0; p < b->n_policies; p++) {
		bool found = false;
		for (size_t i = lo; i < n && !found && streq(v[i].namespace, b->namespace); i++)
			found = streq(b->policies[p], v[i].name);
		if (!found) {
			*ret_missing = b->policies[p];
			return -ENOENT;
		}
	}
	*ret_n = k;
	*ret_selected = selected;
	return 0;
}

/* ---- content -------------------------------------------------------------------------- */

int sc_set_profile(const struct sc_profile *const *in, size_t n, bool fallback,
		   const struct sc_set_opts *o, struct sc_diags *d, struct sc_profile **ret)
{
	cleanup_(sc_profile_freep) struct sc_profile *rd = NULL;
	cleanup_free const struct sc_profile **all = NULL;
	struct sc_profile *m = NULL;
	int r;

	if (fallback) {
		r = sc_runtime_default_profile(sc_arch_native(), &rd);
		if (r < 0)
			return r;
		all = calloc(n + 1, sizeof(*all));
		if (!all)
			return -ENOMEM;
		all[0] = rd;
		if (n)
			memcpy(all + 1, in, n * sizeof(*in));
		in = all;
		n++;
	}
	if (n == 0)
		return -EINVAL;
	r = sc_profile_merge(in, n, d, &m);
	if (r < 0)
		return r;
	m->meta.baseline = false;
	if (o && o->log_flag && !m->flags)
		m->flags = SC_FLAG_LOG; /* without it the kernel logs no ERRNO denial */
	for (size_t k = 0; o && m->n_arches == 0 && k < o->n_arches; k++)
		if (sc_profile_add_arch(m, o->arches[k]) < 0) {
			sc_profile_free(m);
			return -ENOMEM;
		}
	*ret = m;
	return 0;
}

int sc_baseline_removed(const struct sc_profile *without, const struct sc_profile *with,
			char **ret)
{
	enum sc_arch arch = sc_arch_native();
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	for (size_t i = 0;; i++) {
		const char *name;
		uint32_t nr;
		struct sc_verdict a, b;
		if (sc_syscall_by_index(arch, i, &nr, &name) < 0)
			break;
		sc_profile_verdict(without, name, &a);
		sc_profile_verdict(with, name, &b);
		if (sc_action_permits(a.action) && !sc_action_permits(b.action))
			fprintf(f, "%s%s", n++ ? "," : "", name);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

const char *sc_baseline_fatal(const struct sc_profile *p)
{
	static const char *const vital[] = { "execve",	     "execveat",     "exit",
					     "exit_group",   "rt_sigreturn", "restart_syscall" };

	for (size_t i = 0; i < ELEMENTSOF(vital); i++) {
		struct sc_verdict v;
		sc_profile_verdict(p, vital[i], &v);
		if (v.unconditional && !sc_action_permits(v.action))
			return vital[i];
	}
	return NULL;
}

/* ---- a policy set's own profile ------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sc_policy_set_name(const char *const *names, size_t n, char **ret)
{
	cleanup_free const char **s = NULL;
	uint32_t h = FNV32_INIT;

	if (n == 0)
		return -EINVAL;
	if (n == 1) {
		*ret = strdup(names[0]);
		return *ret ? 0 : -ENOMEM;
	}
	s = calloc(n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, names, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_cstr);
	for (size_t i = 0; i < n; i++)
		h = fnv1a32(h, s[i], strlen(s[i]) + 1);
	if (asprintf(ret, "%s-%08x", s[0], h) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}
