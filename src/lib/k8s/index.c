/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns index.json: its writer (what `policy build` and the agent write) and its streaming
 * reader (what the agent adopts and `policy build --prune` removes by). */
#include <errno.h>
#include <inttypes.h>
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/yaml.h"
#include "k8s/index.h"
#include "macro.h"
#include "syscage/binding.h"
#include "syscage/names.h"
#include "syscage/policy.h"

/* ---- writing -------------------------------------------------------------------------- */

static void json_selector(FILE *f, const struct sc_meta *m)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };

	fputs("{\"matchLabels\": {", f);
	for (size_t i = 0; i < m->n_match_labels; i++) {
		fputs(i ? ", " : "", f);
		sc_json_text(f, m->match_labels[i].key);
		fputs(": ", f);
		sc_json_text(f, m->match_labels[i].value);
	}
	fputs("}, \"matchExpressions\": [", f);
	for (size_t i = 0; i < m->n_match_exprs; i++) {
		const struct sc_selector_expr *e = &m->match_exprs[i];
		fputs(i ? ", " : "", f);
		fputs("{\"key\": ", f);
		sc_json_text(f, e->key);
		fputs(", \"operator\": ", f);
		sc_json_text(f, (unsigned)e->op < _SC_SEL_COUNT ? ops[e->op] : "?");
		fputs(", \"values\": [", f);
		for (size_t k = 0; k < e->n_values; k++) {
			fputs(k ? ", " : "", f);
			sc_json_text(f, e->values[k]);
		}
		fputs("]}", f);
	}
	fputs("]}", f);
}

void sc_index_begin(struct sc_index_writer *w, FILE *f, const char *mode, const char *generator)
{
	*w = (struct sc_index_writer){ .f = f };
	fprintf(f, "{\n  \"version\": 1,\n  \"mode\": \"%s\",", mode);
	if (generator)
		fprintf(f, "\n  \"generator\": \"%s\",", generator);
	fputs("\n  \"sets\": [", f);
}

void sc_index_set(struct sc_index_writer *w, const char *ns, const char *name, const char *path,
		  bool kept)
{
	sc_index_set_owned(w, ns, name, path, kept, 0);
}

void sc_index_set_owned(struct sc_index_writer *w, const char *ns, const char *name,
			const char *path, bool kept, uint64_t content_hash)
{
	FILE *f = w->f;

	fputs(w->n_sets++ ? ",\n    {" : "\n    {", f);
	fputs("\"namespace\": ", f);
	sc_json_text(f, ns);
	fputs(", \"name\": ", f);
	sc_json_text(f, name);
	fputs(", \"path\": ", f);
	sc_json_text(f, path);
	if (kept)
		fputs(", \"kept\": true", f);
	if (content_hash) {
		/* ", \"content_hash\": \"%016" PRIx64 "\"" without fprintf: the agent writes
		 * 10,000 of them, twice, on its pass's one thread. */
		static const char hex[] = "0123456789abcdef";
		char h[] = ", \"content_hash\": \"0123456789abcdef\"";
		char *d = h + sizeof(h) - 2;
		for (int i = 0; i < 16; i++, content_hash >>= 4)
			*--d = hex[content_hash & 15];
		fwrite(h, 1, sizeof(h) - 1, f);
	}
	fputs(",\n     \"policies\": [", f);
	w->n_policies = 0;
}

void sc_index_policy(struct sc_index_writer *w, const char *kind, size_t kind_len, const char *name,
		     const char *file, bool baseline, const struct sc_meta *selector)
{
	FILE *f = w->f;

	fputs(w->n_policies++ ? ", {" : "{", f);
	if (kind) {
		char k[256];
		size_t n = strnlen(kind, kind_len < sizeof(k) - 1 ? kind_len : sizeof(k) - 1);
		memcpy(k, kind, n); /* snprintf's "%.*s", without the format's parse */
		k[n] = '\0';
		fputs("\"kind\": ", f);
		sc_json_text(f, k);
		fputs(", \"name\": ", f);
		sc_json_text(f, name);
		fputs(", ", f);
	}
	fputs("\"file\": ", f);
	sc_json_text(f, file);
	if (baseline)
		fputs(", \"baseline\": true", f);
	if (selector) {
		fputs(", \"selector\": ", f);
		json_selector(f, selector);
	}
	fputs("}", f);
}

void sc_index_set_end(struct sc_index_writer *w, const char *workload_kind,
		      const char *workload_name, bool fallback)
{
	FILE *f = w->f;

	fputs("]", f);
	if (workload_kind) {
		fputs(",\n     \"workload\": {\"kind\": ", f);
		sc_json_text(f, workload_kind);
		fputs(", \"name\": ", f);
		sc_json_text(f, workload_name);
		fprintf(f, "}, \"fallback\": %s", fallback ? "true" : "false");
	}
	fputs("}", f);
}

static void unmatched_open(struct sc_index_writer *w)
{
	if (w->in_unmatched)
		return;
	fputs(w->n_sets ? "\n  ]" : "]", w->f);
	fputs(",\n  \"unmatched\": [", w->f);
	w->in_unmatched = true;
}

void sc_index_unmatched(struct sc_index_writer *w, const char *ns, const char *kind,
			const char *name)
{
	FILE *f = w->f;

	unmatched_open(w);
	fputs(w->n_unmatched++ ? ",\n    {\"namespace\": " : "\n    {\"namespace\": ", f);
	sc_json_text(f, ns);
	fputs(", \"kind\": ", f);
	sc_json_text(f, kind);
	fputs(", \"name\": ", f);
	sc_json_text(f, name);
	fputs("}", f);
}

void sc_index_end(struct sc_index_writer *w, bool unmatched)
{
	if (unmatched)
		unmatched_open(w);
	if (w->in_unmatched)
		fputs(w->n_unmatched ? "\n  ]" : "]", w->f);
	else
		fputs(w->n_sets ? "\n  ]" : "]", w->f);
	fputs("\n}\n", w->f);
}

/* ---- reading -------------------------------------------------------------------------- */

/* Streaming state: a stack of containers with the key each one is the value of (an event
 * parser, not a document: an index of 10,000 sets as a libfyaml document takes tens of MiB). */
struct iframe {
	bool map, want_key;
	char key[16];	     /* in a mapping: the key whose value comes next */
	char parent_key[16]; /* the key this container is the value of */
};

/* The set being read. */
struct iset {
	char *ns, *name, *path;
	bool kept;
	uint64_t content_hash;
	char *kind, *pname, *file; /* the policy being read */
	struct sc_index_policy *pols;
	size_t n_pols;
};

static void iset_clear_policy(struct iset *t)
{
	free(t->kind);
	free(t->pname);
	free(t->file);
	t->kind = t->pname = t->file = NULL;
}

static void iset_clear(struct iset *t)
{
	iset_clear_policy(t);
	free(t->ns);
	free(t->name);
	free(t->path);
	for (size_t i = 0; i < t->n_pols; i++) {
		free((char *)t->pols[i].kind);
		free((char *)t->pols[i].name);
		free((char *)t->pols[i].file);
	}
	free(t->pols);
	*t = (struct iset){};
}

static int iset_policy_done(struct iset *t)
{
	struct sc_index_policy *v = t->pols;

	/* Capacity doubles at powers of two. */
	if (t->n_pols < 4 || (t->n_pols & (t->n_pols - 1)) == 0) {
		v = reallocarray(t->pols, t->n_pols < 4 ? 4 : 2 * t->n_pols, sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->pols = v;
	}
	v[t->n_pols++] = (struct sc_index_policy){ .kind = TAKE_PTR(t->kind),
						   .name = TAKE_PTR(t->pname),
						   .file = TAKE_PTR(t->file) };
	return 0;
}

/* A set read, passed on when it has the shape we write. */
static int iset_done(struct iset *t, sc_index_set_fn fn, void *userdata)
{
	char want[600];

	if (!t->path || !t->ns || !t->name || !sc_dns1123_label_valid(t->ns))
		return 0;
	if ((size_t)snprintf(want, sizeof(want), "%s.json", t->name) >= sizeof(want) ||
	    !sc_binding_file_valid(want))
		return 0;
	(void)snprintf(want, sizeof(want), "%s/%s.json", t->ns, t->name);
	if (!streq(want, t->path))
		return 0;
	return fn(&(struct sc_index_set){ .ns = t->ns,
					  .name = t->name,
					  .path = t->path,
					  .kept = t->kept,
					  .content_hash = t->content_hash,
					  .policies = t->pols,
					  .n_policies = t->n_pols },
		  userdata);
}

/* 16 hex digits, else 0 (none). */
static uint64_t hex64(const char *v, size_t n)
{
	uint64_t h = 0;

	if (n != 16)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int d = v[i] >= '0' && v[i] <= '9'   ? v[i] - '0'
			: v[i] >= 'a' && v[i] <= 'f' ? v[i] - 'a' + 10
						     : -1;
		if (d < 0)
			return 0;
		h = h << 4 | (uint64_t)d;
	}
	return h;
}

static int parse(struct fy_parser *fyp, sc_index_set_fn fn, void *userdata)
{
	struct fy_event *ev;
	struct iframe st[8];
	struct iset t = {};
	int depth = 0, r = 0;

	while (r == 0 && (ev = fy_parser_parse(fyp))) {
		struct iframe *top = depth && depth <= (int)ELEMENTSOF(st) ? &st[depth - 1] : NULL;
		switch (ev->type) {
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			/* Deeper than a set's policies (a build's selectors): only counted. */
			if (depth++ >= (int)ELEMENTSOF(st))
				break;
			st[depth - 1] = (struct iframe){ .map = ev->type == FYET_MAPPING_START,
							 .want_key = true };
			if (top && top->map && !top->want_key)
				memcpy(st[depth - 1].parent_key, top->key, sizeof(top->key));
			/* a set: root / "sets" seq / map; a policy: ... / "policies" seq / map */
			if (depth == 3 && st[0].map && streq(st[1].parent_key, "sets") && st[2].map)
				iset_clear(&t);
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth == 5 && streq(st[3].parent_key, "policies") && st[4].map)
				r = iset_policy_done(&t);
			else if (depth == 3 && streq(st[1].parent_key, "sets") && st[2].map)
				r = iset_done(&t, fn, userdata);
			if (depth)
				depth--;
			if (depth && depth <= (int)ELEMENTSOF(st))
				st[depth - 1].want_key = true;
			break;
		case FYET_SCALAR: {
			size_t n = 0;
			const char *v = fy_token_get_text(ev->scalar.value, &n);
			char **slot = NULL;
			if (!top || !v)
				break;
			if (!top->map)
				break;
			if (top->want_key) {
				(void)snprintf(top->key, sizeof(top->key), "%.*s", (int)n, v);
				top->want_key = false;
				break;
			}
			top->want_key = true;
			if (depth == 3 && streq(st[1].parent_key, "sets")) {
				if (streq(top->key, "namespace"))
					slot = &t.ns;
				else if (streq(top->key, "name"))
					slot = &t.name;
				else if (streq(top->key, "path"))
					slot = &t.path;
				else if (streq(top->key, "kept"))
					t.kept = n == 4 && !strncmp(v, "true", 4);
				else if (streq(top->key, "content_hash"))
					t.content_hash = hex64(v, n);
			} else if (depth == 5 && streq(st[3].parent_key, "policies")) {
				if (streq(top->key, "kind"))
					slot = &t.kind;
				else if (streq(top->key, "name"))
					slot = &t.pname;
				else if (streq(top->key, "file"))
					slot = &t.file;
			}
			if (slot) {
				free(*slot);
				*slot = strndup(v, n);
				if (!*slot)
					r = -ENOMEM;
			}
			break;
		}
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
	}
	iset_clear(&t);
	if (r < 0)
		return r;
	return fy_parser_get_stream_error(fyp) ? -EINVAL : 0;
}

static int read_with(FILE *fp, const char *buf, size_t len, sc_index_set_fn fn, void *userdata)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_parser *fyp;
	int r;

	diag = sc_yaml_quiet_diag(false);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	fyp = fy_parser_create(&cfg);
	/* (Not named *.json: libfyaml would read it in its stricter JSON mode.) */
	if (!fyp || (fp ? fy_parser_set_input_fp(fyp, "index", fp)
			: fy_parser_set_string(fyp, buf, len)) != 0) {
		if (fyp)
			sc_yaml_parser_destroy(fyp);
		fy_diag_destroy(diag);
		return -ENOMEM;
	}
	r = parse(fyp, fn, userdata);
	sc_yaml_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return r;
}

int sc_index_read_file(FILE *fp, sc_index_set_fn fn, void *userdata)
{
	return read_with(fp, NULL, 0, fn, userdata);
}

int sc_index_read_buffer(const char *buf, size_t len, sc_index_set_fn fn, void *userdata)
{
	struct sc_loc loc;
	const char *why;

	if (!sc_yaml_text_valid(buf, len, &loc, &why))
		return -EINVAL;
	return read_with(NULL, buf, len, fn, userdata);
}
