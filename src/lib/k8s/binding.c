/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the binding rule (see binding.h): a bound workload's path, the policies that make up its
 * profile, the fallback, the baseline checks, a policy set's own name, and SeccompBinding
 * documents. `k8s bind`, `policy build` and the agent all call this module. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/binding.h"
#include "syscage/implicit.h"
#include "syscage/merge.h"
#include "syscage/names.h"
#include "syscage/runtime-default.h"
#include "syscage/start-fatal.h"
#include "syscage/syscalls.h"
#include "k8s/binding-packed.h"
#include "base/hash.h"
#include "macro.h"
#include "model/ytree.h"
#include "sc-cleanup.h"

#define FILE_PREFIX_MAX	  190	     /* of a long workload name, before "-<hash>" */
#define MAX_BINDING_NODES (1u << 22) /* 10,000 bindings are ~300,000 nodes */

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
	if (kl + 1 + nl > FILE_PREFIX_MAX + 9) {
		/* The kept prefix with "-<hash>" must stay a DNS-1123 subdomain, as
		 * sc_binding_file_valid wants: no '.' before the '-', and a last label of at
		 * most 63 with the hash. */
		size_t keep = FILE_PREFIX_MAX - kl - 1, last;
		const char *dot;

		if (name[keep - 1] == '.')
			keep--;
		dot = memrchr(name, '.', keep);
		last = keep - (dot ? (size_t)(dot - name) + 1 : 0);
		if (last > 63 - 9)
			keep -= last - (63 - 9);
		r = asprintf(ret, "%s_%.*s-%08x.json", lower, (int)keep, name,
			     sc_fnv32(SC_FNV32_INIT, name, nl));
	} else {
		/* asprintf's "%s_%s.json" by hand: 10,000 workloads' names. */
		char *f = malloc(kl + 1 + nl + 6);
		if (f) {
			memcpy(f, lower, kl);
			f[kl] = '_';
			memcpy(f + kl + 1, name, nl);
			memcpy(f + kl + 1 + nl, ".json", 6);
		}
		*ret = f;
		r = f ? 0 : -1;
	}
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
	if (strncmp(p, root, rl) != 0 || p[rl] != '/' ||
	    strncmp(p + rl + 1, b->namespace, nl) != 0 || p[rl + 1 + nl] != '/') {
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

static char *get_string(struct bctx *c, const struct ynode *map, const char *key, const char *what,
			bool required)
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
		berr(c, sc_ynode_get(wl, "kind")->loc, "workload kind '%s' is not a kind", b->kind);
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
		cleanup_free char *root =
			root_end ? strndup(b->profile, (size_t)(root_end - b->profile)) : NULL;
		if (b->namespace && (!root || !sc_dns1123_label_valid(root) ||
				     sc_binding_profile_check(b, root, &why) < 0))
			berr(c, pn->loc, "localhostProfile '%s': %s", b->profile,
			     why ? why : "expected <root>/<namespace>/<file>.json");
	}
}

/* Ties by document order: an error about two bindings is at the later one. */
static int cmp_loc(const struct sc_binding *x, const struct sc_binding *y)
{
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return (x->loc.col > y->loc.col) - (x->loc.col < y->loc.col);
}

static int cmp_binding_ident(const void *a, const void *b)
{
	const struct sc_binding *x = *(struct sc_binding *const *)a,
				*y = *(struct sc_binding *const *)b;
	int c = strcmp(x->namespace, y->namespace);
	if (c)
		return c;
	c = strcmp(x->kind, y->kind);
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	return c ? c : cmp_loc(x, y);
}

static int cmp_binding_profile(const void *a, const void *b)
{
	const struct sc_binding *x = *(struct sc_binding *const *)a,
				*y = *(struct sc_binding *const *)b;
	int c = strcmp(x->profile, y->profile);
	return c ? c : cmp_loc(x, y);
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
		if (streq(p[i - 1]->namespace, p[i]->namespace) &&
		    streq(p[i - 1]->kind, p[i]->kind) && streq(p[i - 1]->name, p[i]->name))
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

/* ---- the written form, read without a tree ---------------------------------------------- */

/* `k8s bind --bindings` writes 10,000 workloads as 2.4 MB of ~300,000 YAML nodes: as a tree,
 * tens of MiB for the agent, which should take 16. What sc_bindings_write writes has one
 * shape, so that shape is read by a scanner that takes nothing else: any other byte (another
 * key order or style, a comment past the top, an escape, CR LF, a tab, a value that fails a
 * check, a duplicate) and it gives up, and the tree reader reads the text and says what is
 * wrong. What it takes, it reads as the tree reader does: the same strings, locations and
 * checks (the round-trip test and fuzzer read the writer's output through it). */
struct scan {
	const char *p, *end;
	unsigned line;
	size_t nodes; /* as sc_ytree_parse counts them against MAX_BINDING_NODES */
	bool bad;     /* not the written form */
};

static bool scan_lit(struct scan *s, const char *lit)
{
	size_t l = strlen(lit);

	if (s->bad || (size_t)(s->end - s->p) < l || memcmp(s->p, lit, l) != 0) {
		s->bad = true;
		return false;
	}
	for (size_t i = 0; i < l; i++)
		s->line += lit[i] == '\n';
	s->p += l;
	return true;
}

static bool scan_peek(const struct scan *s, const char *lit)
{
	size_t l = strlen(lit);
	return !s->bad && (size_t)(s->end - s->p) >= l && memcmp(s->p, lit, l) == 0;
}

/* A scalar as the writer puts it: plain ([A-Za-z0-9_][A-Za-z0-9_./-]*) or double-quoted
 * without escapes, ended by one of 'stops' (not consumed). A value must be what YAML reads
 * as a string (sc_ynode_string decides, as for the tree); a key is its text. Owned; NULL on
 * ENOMEM or (s->bad) anything else. */
static char *scan_scalar(struct scan *s, const char *stops, bool value, int *err)
{
	const char *p = s->p, *start;
	struct ynode y = { .kind = Y_SCALAR };
	char *t;

	if (s->bad || p >= s->end)
		goto bad;
	if (*p == '"') {
		start = ++p;
		while (p < s->end && *p != '"' && *p != '\\' && *p != '\n')
			p++;
		if (p >= s->end || *p != '"')
			goto bad;
		y.quoted = true;
		y.len = (size_t)(p - start);
		p++;
	} else {
		start = p;
		if (!isalnum((unsigned char)*p) && *p != '_')
			goto bad;
		while (p < s->end && (isalnum((unsigned char)*p) || strchr("_./-", *p)))
			p++;
		y.len = (size_t)(p - start);
	}
	if (p >= s->end || !strchr(stops, *p))
		goto bad;
	t = strndup(start, y.len);
	if (!t) {
		*err = -ENOMEM;
		s->bad = true;
		return NULL;
	}
	y.text = t;
	if (value && !sc_ynode_string(&y)) {
		free(t);
		goto bad;
	}
	s->p = p;
	s->nodes++;
	return t;
bad:
	s->bad = true;
	return NULL;
}

/* One document after its "---" line, into 'b' (whatever it got is freed with it). */
static int scan_binding(struct scan *s, struct sc_binding *b)
{
	cleanup_free char *api = NULL, *kind = NULL, *wname = NULL, *root = NULL;
	const char *slash, *why = NULL;
	const char *q;
	size_t nl = 0, np = 0;
	int err = 0;

	b->loc = (struct sc_loc){ s->line, 1 };
	s->nodes++; /* the document's mapping */
	if (scan_lit(s, "apiVersion: "))
		api = scan_scalar(s, "\n", true, &err);
	if (scan_lit(s, "\nkind: "))
		kind = scan_scalar(s, "\n", true, &err);
	if (scan_lit(s, "\nmetadata:\n  name: "))
		b->name = scan_scalar(s, "\n", true, &err);
	if (scan_lit(s, "\n  namespace: "))
		b->namespace = scan_scalar(s, "\n", true, &err);
	if (scan_lit(s, "\nspec:\n  workload: {kind: "))
		b->kind = scan_scalar(s, ",", true, &err);
	if (scan_lit(s, ", name: "))
		wname = scan_scalar(s, "}", true, &err);
	scan_lit(s, "}\n");
	s->nodes += 12; /* the keys so far, metadata's, spec's and workload's mappings */
	if (s->bad)
		return err;
	if (!streq(api, SC_BINDING_API_VERSION) || !streq(kind, SC_BINDING_KIND) ||
	    !sc_dns1123_subdomain_valid(b->name) || !sc_dns1123_label_valid(b->namespace) ||
	    !kind_valid(b->kind) || !streq(wname, b->name))
		goto bad;
	if (scan_peek(s, "  podLabels:\n")) {
		scan_lit(s, "  podLabels:\n");
		for (q = s->p; (size_t)(s->end - q) > 4 && memcmp(q, "    ", 4) == 0; nl++) {
			q = memchr(q, '\n', (size_t)(s->end - q));
			if (!q)
				goto bad;
			q++;
		}
		if (nl == 0)
			goto bad;
		b->labels = calloc(nl + 1, sizeof(*b->labels));
		if (!b->labels)
			return -ENOMEM;
		for (size_t i = 0; i < nl; i++) {
			struct sc_label *l = &b->labels[i];
			if (scan_lit(s, "    "))
				l->key = scan_scalar(s, ":", false, &err);
			if (scan_lit(s, ": "))
				l->value = scan_scalar(s, "\n", true, &err);
			if (l->key && l->value)
				b->n_labels++;
			else
				free(l->key), free(l->value), *l = (struct sc_label){};
			scan_lit(s, "\n");
			if (s->bad)
				return err;
			/* Sorted as written: no duplicate (the tree reader's error). */
			if (!sc_label_key_valid(l->key) || !sc_label_value_valid(l->value) ||
			    (i > 0 && strcmp(b->labels[i - 1].key, l->key) >= 0))
				goto bad;
		}
		s->nodes += 2;
	}
	if (scan_peek(s, "  policies: [")) {
		scan_lit(s, "  policies: [");
		for (q = s->p; q < s->end && *q != '\n'; q++)
			np += *q == ',';
		b->policies = calloc(np + 2, sizeof(char *));
		if (!b->policies)
			return -ENOMEM;
		for (size_t i = 0; i <= np; i++) {
			if (i > 0)
				scan_lit(s, ", ");
			b->policies[i] = scan_scalar(s, i < np ? "," : "]", true, &err);
			if (!b->policies[i])
				return err;
			b->n_policies++;
			if (!sc_dns1123_subdomain_valid(b->policies[i]))
				goto bad;
		}
		scan_lit(s, "]\n");
		s->nodes += 2;
	}
	if (scan_lit(s, "  localhostProfile: "))
		b->profile = scan_scalar(s, "\n", true, &err);
	scan_lit(s, "\n");
	s->nodes++;
	if (s->bad)
		return err;
	slash = strchr(b->profile, '/');
	root = slash ? strndup(b->profile, (size_t)(slash - b->profile)) : NULL;
	if (slash && !root)
		return -ENOMEM;
	if (!root || !sc_dns1123_label_valid(root) || sc_binding_profile_check(b, root, &why) < 0)
		goto bad;
	return 0;
bad:
	s->bad = true;
	return 0;
}

static int bindings_read_tree(const char *buf, size_t len, const char *file, struct sc_diags *d,
			      struct sc_binding **ret, size_t *ret_n);

/* ---- packed: one block of strings and arrays for a whole file ---------------------------- */

/* The agent keeps a file's 10,000 bindings for as long as the file is there: with a malloc
 * per string and array they take 5.5 MiB, packed (equal namespaces, kinds, labels and
 * policy names shared) under 2. While a binding is being packed its pointers hold offsets
 * into the block + 1 (the block moves as it grows); pack_fix makes them pointers. */
struct packer {
	char *buf;
	size_t len, cap;
	size_t *strs; /* interned strings: their offset + 1, open addressing */
	size_t n_strs, cap_strs;
};

static ssize_t pack_bytes(struct packer *k, const void *p, size_t n, size_t align)
{
	size_t at = (k->len + align - 1) & ~(align - 1);

	if (k->cap - at < n || at > k->cap) {
		size_t cap = k->cap ? k->cap : 4096;
		char *nb;
		while (cap < at + n)
			cap *= 2;
		nb = realloc(k->buf, cap);
		if (!nb)
			return -ENOMEM;
		k->buf = nb;
		k->cap = cap;
	}
	if (p)
		memcpy(k->buf + at, p, n);
	else
		memset(k->buf + at, 0, n);
	k->len = at + n;
	return (ssize_t)at;
}

/* A string's offset + 1 (0 for NULL); 'share': equal strings packed once. */
static ssize_t pack_str(struct packer *k, const char *str, bool share)
{
	uint32_t h;
	size_t slot = 0;
	ssize_t at;

	if (!str)
		return 0;
	h = sc_fnv32(SC_FNV32_INIT, str, strlen(str));
	if (share) {
		if (2 * (k->n_strs + 1) > k->cap_strs) {
			size_t cap = k->cap_strs ? 2 * k->cap_strs : 256;
			size_t *v = calloc(cap, sizeof(*v));
			if (!v)
				return -ENOMEM;
			for (size_t i = 0; i < k->cap_strs; i++) {
				const char *t;
				size_t q;
				if (!k->strs[i])
					continue;
				t = k->buf + k->strs[i] - 1;
				for (q = sc_fnv32(SC_FNV32_INIT, t, strlen(t)) & (cap - 1); v[q];
				     q = (q + 1) & (cap - 1))
					;
				v[q] = k->strs[i];
			}
			free(k->strs);
			k->strs = v;
			k->cap_strs = cap;
		}
		for (slot = h & (k->cap_strs - 1); k->strs[slot];
		     slot = (slot + 1) & (k->cap_strs - 1))
			if (streq(k->buf + k->strs[slot] - 1, str))
				return (ssize_t)k->strs[slot];
	}
	at = pack_bytes(k, str, strlen(str) + 1, 1);
	if (at < 0)
		return at;
	if (share) {
		k->strs[slot] = (size_t)at + 1;
		k->n_strs++;
	}
	return at + 1;
}

#define PACKED(off) ((char *)(uintptr_t)(off))

/* Move binding 'b' into the block: its own allocations are freed, its pointers become
 * offsets (+ 1). NULL arrays stay NULL; arrays keep the spare slot the readers give them. */
static int pack_binding(struct packer *k, struct sc_binding *b)
{
	struct sc_binding o = *b;
	ssize_t ns, kind, name, profile, labels = 0, pols = 0;

	ns = pack_str(k, b->namespace, true);
	kind = pack_str(k, b->kind, true);
	name = pack_str(k, b->name, false);
	profile = pack_str(k, b->profile, false);
	if (ns < 0 || kind < 0 || name < 0 || profile < 0)
		return -ENOMEM;
	if (b->labels) {
		labels = pack_bytes(k, NULL, (b->n_labels + 1) * sizeof(struct sc_label), 8);
		for (size_t i = 0; labels >= 0 && i < b->n_labels; i++) {
			ssize_t key = pack_str(k, b->labels[i].key, true);
			ssize_t val = pack_str(k, b->labels[i].value, true);
			struct sc_label *l;
			if (key < 0 || val < 0)
				return -ENOMEM;
			l = (struct sc_label *)(void *)(k->buf + labels) + i;
			l->key = PACKED(key);
			l->value = PACKED(val);
		}
		if (labels < 0)
			return -ENOMEM;
		labels++;
	}
	if (b->policies) {
		pols = pack_bytes(k, NULL, (b->n_policies + 1) * sizeof(char *), 8);
		for (size_t i = 0; pols >= 0 && i < b->n_policies; i++) {
			ssize_t pn = pack_str(k, b->policies[i], true);
			if (pn < 0)
				return -ENOMEM;
			((char **)(void *)(k->buf + pols))[i] = PACKED(pn);
		}
		if (pols < 0)
			return -ENOMEM;
		pols++;
	}
	sc_binding_clear(b);
	*b = (struct sc_binding){ .namespace = PACKED(ns),
				  .kind = PACKED(kind),
				  .name = PACKED(name),
				  .labels = (struct sc_label *)PACKED(labels),
				  .n_labels = o.n_labels,
				  .policies = (char **)PACKED(pols),
				  .n_policies = o.n_policies,
				  .profile = PACKED(profile),
				  .loc = o.loc };
	return 0;
}

static char *pack_ptr(const char *block, const void *off)
{
	uintptr_t o = (uintptr_t)off;
	return o ? (char *)block + o - 1 : NULL;
}

/* Offsets to pointers, once the block has its final place. */
static void pack_fix(const char *block, struct sc_binding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sc_binding *b = &v[i];
		b->namespace = pack_ptr(block, b->namespace);
		b->kind = pack_ptr(block, b->kind);
		b->name = pack_ptr(block, b->name);
		b->profile = pack_ptr(block, b->profile);
		b->labels = (struct sc_label *)(void *)pack_ptr(block, b->labels);
		b->policies = (char **)(void *)pack_ptr(block, b->policies);
		for (size_t l = 0; l < b->n_labels; l++) {
			b->labels[l].key = pack_ptr(block, b->labels[l].key);
			b->labels[l].value = pack_ptr(block, b->labels[l].value);
		}
		for (size_t p = 0; p < b->n_policies; p++)
			b->policies[p] = pack_ptr(block, b->policies[p]);
	}
}

/* The block at its size, the pointers fixed: *ret_block. */
static int pack_finish(struct packer *k, struct sc_binding *v, size_t n, char **ret_block)
{
	char *nb = realloc(k->buf, k->len ? k->len : 1);

	if (nb)
		k->buf = nb;
	pack_fix(k->buf, v, n);
	free(k->strs);
	k->strs = NULL;
	*ret_block = TAKE_PTR(k->buf);
	return 0;
}

/* The written form of 'buf' into *ret: 0, -ENOMEM, or 1 when it is not that form. With 'k',
 * packed into it (then pack_finish'ed, *ret_block). */
static int bindings_read_written(const char *buf, size_t len, struct sc_binding **ret,
				 size_t *ret_n, struct packer *k, char **ret_block)
{
	struct scan s = { .p = buf, .end = buf + len, .line = 1 };
	struct bctx c = {};
	struct sc_binding *v;
	size_t seps = 0, n_docs = 0, n = 0, n_packed = 0;
	int r = 0;

	/* Printable ASCII lines only (what sc_ytree_parse's byte check takes, and more);
	 * its count of separators; the documents, each after a "---" line. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\n' || ch == ',' || ch == '[' || ch == '{')
			seps++;
		if ((ch < 0x20 && ch != '\n') || ch > 0x7e)
			return 1;
		if ((i == 0 || buf[i - 1] == '\n') && len - i >= 4 &&
		    memcmp(buf + i, "---\n", 4) == 0)
			n_docs++;
	}
	if (len == 0 || buf[len - 1] != '\n' || seps > 2 * (size_t)MAX_BINDING_NODES)
		return 1;
	/* The comment lines at the top. */
	while (s.p < s.end && *s.p == '#') {
		s.p = memchr(s.p, '\n', (size_t)(s.end - s.p)) + 1;
		s.line++;
	}
	v = calloc(n_docs + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (r == 0 && !s.bad && s.p < s.end && n < n_docs) {
		scan_lit(&s, "---\n");
		r = scan_binding(&s, &v[n++]);
		if (s.nodes > MAX_BINDING_NODES)
			s.bad = true;
		if (k && r == 0 && !s.bad) {
			r = pack_binding(k, &v[n - 1]);
			n_packed += r == 0;
		}
	}
	if (r == 0 && !s.bad && s.p == s.end) {
		if (k)
			pack_finish(k, v, n, ret_block);
		r = check_unique(&c, v, n);
		if (r == 0 && c.r == 0) {
			*ret = v;
			*ret_n = n;
			return 0;
		}
		if (k) {
			free(*ret_block);
			*ret_block = NULL;
			n_packed = n;
		}
	}
	/* Packed ones are the block's (gone with it): not freed one by one. */
	for (size_t i = 0; i < n_packed; i++)
		v[i] = (struct sc_binding){};
	sc_bindings_free(v, n);
	if (k) {
		free(k->buf);
		free(k->strs);
		*k = (struct packer){};
	}
	return r == -ENOMEM || c.r == -ENOMEM ? -ENOMEM : 1;
}

int sc_bindings_read(const char *buf, size_t len, const char *file, struct sc_diags *d,
		     struct sc_binding **ret, size_t *ret_n)
{
	int r = bindings_read_written(buf, len, ret, ret_n, NULL, NULL);

	if (r <= 0)
		return r;
	return bindings_read_tree(buf, len, file, d, ret, ret_n);
}

int sc_bindings_read_packed(const char *buf, size_t len, const char *file, const char *lead,
			    struct sc_diags *d, struct sc_binding **ret, size_t *ret_n,
			    char **ret_block)
{
	struct packer k = {};
	struct sc_binding *v = NULL;
	size_t n = 0;
	int r;

	if (lead && pack_str(&k, lead, false) < 0)
		return -ENOMEM;
	r = bindings_read_written(buf, len, ret, ret_n, &k, ret_block);
	if (r <= 0)
		return r;
	/* Not the written form (the packer was emptied): the tree reader's. */
	if (lead && pack_str(&k, lead, false) < 0)
		return -ENOMEM;
	r = bindings_read_tree(buf, len, file, d, &v, &n);
	if (r < 0) {
		free(k.buf);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		r = pack_binding(&k, &v[i]);
		if (r < 0) {
			/* The packed ones are the block's. */
			for (size_t j = 0; j < i; j++)
				v[j] = (struct sc_binding){};
			sc_bindings_free(v, n);
			free(k.buf);
			free(k.strs);
			return r;
		}
	}
	pack_finish(&k, v, n, ret_block);
	*ret = v;
	*ret_n = n;
	return 0;
}

void sc_bindings_free_packed(struct sc_binding *v, char *block)
{
	free(v);
	free(block);
}

/* Any YAML: a tree of every document, then each read as a binding. */
static int bindings_read_tree(const char *buf, size_t len, const char *file, struct sc_diags *d,
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
		if (!docs[i] || (docs[i]->kind == Y_SCALAR && !docs[i]->quoted &&
				 (docs[i]->len == 0 || streq(docs[i]->text, "~") ||
				  strcasecmp(docs[i]->text, "null") == 0)))
			continue; /* an empty document ("---" with nothing after it, or null) */
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
	/* Our reader (like YAML 1.1) takes a plain scalar that starts with a digit for a
	 * number ("1.2.3", "3scale", "2024-01-02"): those are quoted too. */
	bool plain = *s && (isalpha((unsigned char)*s) || *s == '_');
	const char *p;

	for (p = s; plain && *p; p++)
		plain = isalnum((unsigned char)*p) || strchr("-_./", *p);
	if (plain) {
		/* Words YAML 1.1 or 1.2 read as booleans, nulls or numbers stay strings. */
		static const char *const special[] = { "true",	"false", "yes",	  "no",	 "on",
						       "off",	"null",	 "y",	  "n",	 "True",
						       "False", "Yes",	 "No",	  "On",	 "Off",
						       "Null",	"TRUE",	 "FALSE", "YES", "NO",
						       "ON",	"OFF",	 "NULL",  "Y",	 "N" };
		char *end;
		/* (Each is at most 5 letters and starts with one of "tfynoTFYNO"; after a
		 * letter or '_', only "inf..." and "nan..." can be numbers to strtod: 20,000
		 * scalars a file skip both.) */
		if (p - s <= 5 && strchr("tfynoTFYNO", *s))
			for (size_t i = 0; plain && i < ELEMENTSOF(special); i++)
				plain = !streq(s, special[i]);
		if (plain && strchr("iInN", *s)) {
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

void sc_bindings_emit_head(FILE *f)
{
	fputs("# Written by `syscage k8s bind --bindings`: one SeccompBinding per bound workload.\n"
	      "# Put this file in the agent's policies ConfigMap beside the policies: the agent\n"
	      "# installs each workload's profile at its localhostProfile, the merge of every\n"
	      "# policy that selects it now.\n",
	      f);
}

int sc_bindings_emit_one(FILE *f, const struct sc_binding *b)
{
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
		if (!labels)
			return -ENOMEM;
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
	return 0;
}

/* The documents of 'p' (sorted) to 'f'. Returns 0 or -ENOMEM. */
static int bindings_emit(FILE *f, const struct sc_binding *const *p, size_t n)
{
	sc_bindings_emit_head(f);
	for (size_t i = 0; i < n; i++)
		if (sc_bindings_emit_one(f, p[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* A stdio sink that counts, then one that fills a buffer of the size counted: the text is
 * made in one allocation of its size (a memstream doubling up to 4 MiB for 2.4 took the
 * old and the new buffer at once, for a moment). */
struct sink {
	char *buf;
	size_t len, cap;
};

static ssize_t sink_write(void *cookie, const char *data, size_t size)
{
	struct sink *k = cookie;

	if (k->buf) {
		if (k->cap - k->len < size)
			return -1;
		memcpy(k->buf + k->len, data, size);
	}
	k->len += size;
	return (ssize_t)size;
}

static int bindings_emit_to(struct sink *k, const struct sc_binding *const *p, size_t n)
{
	FILE *f = fopencookie(k, "w", (cookie_io_functions_t){ .write = sink_write });
	int r;

	if (!f)
		return -ENOMEM;
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER); /* one thread writes it */
	r = bindings_emit(f, p, n);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	return r;
}

int sc_bindings_write(const struct sc_binding *v, size_t n, char **ret)
{
	cleanup_free const struct sc_binding **p = calloc(n + 1, sizeof(*p));
	struct sink count = {}, fill = {};
	int r;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof(*p), cmp_binding_ident);
	r = bindings_emit_to(&count, p, n);
	if (r < 0)
		return r;
	fill.cap = count.len;
	fill.buf = malloc(fill.cap + 1);
	if (!fill.buf)
		return -ENOMEM;
	r = bindings_emit_to(&fill, p, n);
	if (r == 0 && fill.len != count.len)
		r = -EIO; /* the same input wrote other bytes: never so */
	if (r < 0) {
		free(fill.buf);
		return r;
	}
	fill.buf[fill.len] = '\0';
	*ret = fill.buf;
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

int sc_policy_refs_sort(struct sc_policy_ref *v, size_t n, size_t *perm)
{
	cleanup_free size_t *idx = calloc(n + 1, sizeof(*idx));
	cleanup_free struct sc_policy_ref *copy = calloc(n + 1, sizeof(*copy));

	/* Unsorted, sc_binding_members would miss policies: no partial answer. */
	if (!idx || !copy)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_ref, v);
	memcpy(copy, v, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i] = copy[idx[i]];
		if (perm)
			perm[i] = idx[i];
	}
	return 0;
}

static const char *label_value(const struct sc_label *labels, size_t n, const char *key, size_t kl)
{
	/* (Asked for every selector of the namespace and every workload: the first letter
	 * first.) */
	for (size_t i = 0; i < n; i++)
		if (labels[i].key[0] == key[0] && strncmp(labels[i].key, key, kl) == 0 &&
		    labels[i].key[kl] == '\0')
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
		/* A baseline of the namespace named too: a member already. */
		for (size_t i = 0; i < first && !found; i++)
			found = streq(v[i].namespace, b->namespace) &&
				streq(b->policies[p], v[i].name);
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
	r = sc_profile_merge_weak(in, n, sc_implicit_fallback_implied, d, &m);
	if (r < 0)
		return r;
	m->meta.baseline = false;
	if (o && o->log_flag && !m->flags)
		m->flags = SC_FLAG_LOG; /* without it the kernel logs no ERRNO denial */
	if (o && m->n_arches == 0)
		for (size_t k = 0; k < o->n_arches; k++)
			if (sc_profile_add_arch(m, o->arches[k]) < 0) {
				sc_profile_free(m);
				return -ENOMEM;
			}
	*ret = m;
	return 0;
}

int sc_baseline_removed(const struct sc_profile *without, const struct sc_profile *with, char **ret)
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
	struct sc_start_denial v;

	/* The whole start-fatal set, with or without noNewPrivileges, and the calls no process
	 * ends without: a baseline lands in every pod of the cluster. */
	if (sc_profile_start_fatal(p, SC_START_ALL, &v, 1) == 0)
		return NULL;
	return v.call->name;
}

/* ---- a policy set's own profile ------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sc_policy_set_name(const char *const *names, size_t n, char **ret)
{
	cleanup_free const char **s = NULL;
	uint32_t h = SC_FNV32_INIT;

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
		h = sc_fnv32(h, s[i], strlen(s[i]) + 1);
	if (asprintf(ret, "%s-%08x", s[0], h) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}
