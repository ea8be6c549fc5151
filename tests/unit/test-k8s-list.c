/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* k8s bind of List documents (what `kubectl get -o yaml` prints) read a range of items at a
 * time: the same workloads, messages and bound text as when the List is read whole, over the
 * shapes Lists are written in and over randomized Lists; the shapes a cut could misread are
 * read whole; a big List's text is written as it is bound, never held whole. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s/manifest.h"
#include "syscage/k8s.h"
#include "syscage/syscage.h"
#include "files.h"
#include "tap.h"

/* What one way of reading and binding a text gave. */
struct way {
	int read_r, match_r, bind_r;
	char *out;		     /* the bound text, NULL when binding failed */
	char *msgs;		     /* every message, in order: "line:col severity message" */
	size_t n_workloads, n_items; /* workloads read, those read as a List's items */
};

static void way_free(struct way *w)
{
	free(w->out);
	free(w->msgs);
}

static void msgs_add(FILE *m, struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(m, "%s:%u:%u %d %s\n", d->v[i].file ? d->v[i].file : "-", d->v[i].loc.line,
			d->v[i].loc.col, (int)d->v[i].severity, d->v[i].message);
	sc_diags_clear(d);
}

/* Every workload bound to a profile of its own (none for names starting with 'u'). */
static void bind_by_name(struct sc_k8s_file *f)
{
	for (size_t i = 0; i < f->n_workloads; i++) {
		struct sc_k8s_workload *w = &f->workloads[i];
		if (w->name[0] == 'u')
			continue;
		ck_assert_int_ge(asprintf(&w->profile, "syscage/%s/%s.json", w->namespace, w->name),
				 0);
	}
}

/* 'text' read as 'how' says (the List cut at its items, or whole), matched against the
 * policies in 'pol' (NULL: bind_by_name), bound with 'o'. */
static void run_way(const char *text, size_t len, const struct k8s_split *how, const char *pol,
		    const struct sc_k8s_bind_opts *o, struct way *w)
{
	char *buf = malloc(len + 1), *msgs = NULL;
	size_t msgs_len = 0, out_len = 0;
	FILE *m = open_memstream(&msgs, &msgs_len);
	struct sc_k8s_file *f = NULL;
	struct sc_diags d = {};

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(m);
	memcpy(buf, text, len);
	buf[len] = '\0';
	*w = (struct way){};
	w->read_r = k8s_split_parse(buf, len, SC_K8S_KEEP_ALL, how, "l.yaml", NULL, &d, &f);
	msgs_add(m, &d);
	if (w->read_r == 0) {
		w->n_workloads = f->n_workloads;
		for (size_t i = 0; i < f->n_workloads; i++)
			w->n_items += f->tree->wp[i].item;
		if (pol) {
			struct sc_policy_build *b = NULL;
			ck_assert_int_eq(sc_policy_load_dir(pol, &d, &b), 0);
			w->match_r = sc_k8s_match(&f, 1, b, "syscage", &d, NULL);
			sc_policy_build_free(b);
			msgs_add(m, &d);
		} else {
			bind_by_name(f);
		}
		if (w->match_r == 0)
			w->bind_r = sc_k8s_bind(f, o, &d, &w->out, &out_len);
		msgs_add(m, &d);
		sc_k8s_file_free(f);
	}
	ck_assert_int_eq(fclose(m), 0);
	w->msgs = msgs;
}

static const struct k8s_split whole = { .jobs = 1, .list_min = SIZE_MAX };

/* 'text' bound read whole and cut at its Lists' items (each item a range of its own, and
 * ranges of 'piece' bytes, on 1 and 2 threads): the same results, messages and text. Returns
 * the workloads the cuts read as items (0: the List was read whole). */
static size_t same_ways(const char *text, size_t len, size_t piece, const char *pol,
			const struct sc_k8s_bind_opts *o)
{
	struct way ref, got;
	size_t items = 0;

	run_way(text, len, &whole, pol, o, &ref);
	ck_assert_uint_eq(ref.n_items, 0);
	for (unsigned k = 0; k < 3; k++) {
		struct k8s_split how = { .jobs = k ? 2 : 1, .list_piece = k == 2 ? piece : 1 };
		struct sc_k8s_bind_opts o2 = *o;
		o2.jobs = how.jobs;
		run_way(text, len, &how, pol, &o2, &got);
		ck_assert_int_eq(got.read_r, ref.read_r);
		ck_assert_int_eq(got.match_r, ref.match_r);
		ck_assert_int_eq(got.bind_r, ref.bind_r);
		ck_assert_str_eq(got.msgs, ref.msgs);
		ck_assert_uint_eq(got.n_workloads, ref.n_workloads);
		if (ref.out) {
			ck_assert_ptr_nonnull(got.out);
			ck_assert_str_eq(got.out, ref.out);
		} else {
			ck_assert_ptr_null(got.out);
		}
		/* Cut the same way whatever the ranges and threads. */
		if (k)
			ck_assert_uint_eq(got.n_items, items);
		items = got.n_items;
		way_free(&got);
	}
	way_free(&ref);
	return items;
}

/* A List shape: its text, and whether its items are read apart ('cut') or it is read whole. */
struct shape {
	const char *name;
	const char *text;
	bool cut;
};

#define POD(name, ind)                                                               \
	ind "  kind: Pod\n" ind "  metadata: {name: " name ", namespace: ns0}\n" ind \
	    "  spec:\n" ind "    containers:\n" ind "    - name: c\n" ind "      image: i\n"
#define DEPLOY(name, ind)                                                                     \
	ind "  kind: Deployment\n" ind "  metadata:\n" ind "    name: " name "\n" ind         \
	    "  spec:\n" ind "    template:\n" ind "      metadata: {labels: {app: a0}}\n" ind \
	    "      spec:\n" ind "        containers:\n" ind "        - name: main\n" ind      \
	    "          image: img\n"

static const struct shape shapes[] = {
	{ "kubectl: items before kind, compact at column 0",
	  "apiVersion: v1\nitems:\n- apiVersion: apps/v1\n" DEPLOY(
		  "d1",
		  "") "- apiVersion: v1\n" POD("p1",
					       "") "- apiVersion: apps/v1\n" DEPLOY("d2",
										    "") "kind: "
											"List\nmeta"
											"data:\n  "
											"resourceVe"
											"rsion: "
											"\"\"\n",
	  true },
	{ "by hand: DeploymentList, items indented, after kind",
	  "apiVersion: apps/v1\nkind: DeploymentList\nmetadata: {}\nitems:\n  - apiVersion: "
	  "apps/v1\n" DEPLOY("d1", "  ") "  - apiVersion: apps/v1\n" DEPLOY("d2", "  "),
	  true },
	{ "items indented by four, comments at column 0 between",
	  "kind: List\nitems:\n    -\n" POD("p1", "    ") "# between\n\n    -\n" POD(
		  "p2", "    ") "  # left of the items\n    - # on the dash line\n" POD("p3",
											"    "),
	  true },
	{ "comments and blank lines between and inside items",
	  "apiVersion: v1\nkind: List\n# before the items\nitems:\n\n# first\n- # workload\n" POD(
		  "p1",
		  "") "\n  # inside, after\n\n- kind: Pod  # trailing\n  metadata: {name: p2}\n"
		      "  # inside\n  spec:\n\n    containers: [{name: c}]\n# last\n\n"
		      "metadata: {}\n",
	  true },
	{ "block scalars whose lines start with '-'",
	  "kind: List\nitems:\n- kind: ConfigMap\n  metadata: {name: cm}\n  data:\n    a: |\n"
	  "      - not an item\n      - nor this\n    b: >-\n      - folded\n\n      - more\n"
	  "- kind: Pod\n  metadata:\n    name: p1\n    annotations:\n      note: |\n"
	  "        - a\n        -\n  spec:\n    containers:\n    - name: c\n      args:\n"
	  "      - |\n        - x\n        - y\n      - >\n        - z\n"
	  "- #\n" POD("p2", ""),
	  true },
	{ "quoted scalars on several lines",
	  "kind: List\nitems:\n- kind: Pod\n  metadata:\n    name: p1\n    annotations:\n"
	  "      a: \"one\n        - two\"\n      b: 'three\n\n        - four'\n"
	  "  spec: {containers: [{name: c}]}\n"
	  "-\n" POD("p2", ""),
	  true },
	{ "a quoted scalar whose next line starts with '- ' at the items' column",
	  "kind: List\nitems:\n- kind: Pod\n  metadata:\n    name: p1\n    annotations:\n"
	  "      a: \"one\n- two\"\n  spec: {containers: [{name: c}]}\n"
	  "-\n" POD("p2", ""),
	  false },
	{ "a plain scalar on several lines, then an item",
	  "kind: List\nitems:\n- kind: Pod\n  metadata:\n    name: p1\n    annotations:\n"
	  "      a: one\n        two\n  spec: {containers: [{name: c}]}\n"
	  "-\n" POD("p2", ""),
	  true },
	{ "an empty block scalar ending an item",
	  "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p1}\n  spec: {containers: [{name: "
	  "c}]}\n  x: |\n"
	  "-\n" POD("p2", "") "  y: >\nmetadata: {}\n",
	  true },
	{ "anchors and aliases inside an item",
	  "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p1, labels: &l {app: a0}}\n"
	  "  spec:\n    containers:\n    - &c {name: c, image: i}\n    - *c\n"
	  "- kind: Pod\n  metadata: {name: p2, labels: *l}\n  spec: {containers: [{name: c}]}\n",
	  false },
	{ "anchors and aliases crossing items",
	  "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p1}\n"
	  "  spec: {containers: [&c {name: c}]}\n"
	  "- kind: Pod\n  metadata: {name: p2}\n  spec: {containers: [*c]}\n",
	  false },
	{ "an alias in the List's keys of an item's anchor",
	  "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p1, labels: &l {app: x}}\n"
	  "  spec: {containers: [{name: c}]}\n- kind: Pod\n  metadata: {name: p2}\n"
	  "  spec: {containers: [{name: c}]}\nmetadata: {labels: *l}\n",
	  false },
	{ "an alias in the List's keys of an item's pod spec",
	  "kind: List\nitems:\n- kind: Deployment\n  metadata: {name: d1}\n  spec:\n"
	  "    template: &t\n      spec: {containers: [{name: c}]}\n"
	  "-\n" POD("p2", "") "metadata: {x: *t}\n",
	  false },
	{ "an alias within one item",
	  "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p1}\n  spec:\n"
	  "    containers: [&c {name: c}, {name: d}]\n    initContainers: [*c]\n"
	  "-\n" POD("p2", ""),
	  true },
	{ "a merge key in an item",
	  "kind: List\nitems:\n- kind: Pod\n  metadata:\n    <<: {name: p1}\n    namespace: ns0\n"
	  "  spec: {containers: [{name: c}]}\n"
	  "-\n" POD("p2", ""),
	  false },
	{ "flow items",
	  "kind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p1}, spec: "
	  "{containers: [{name: c, image: i}]}}\n- {kind: Pod, metadata: {name: p2},\n"
	  "   spec: {containers: [{name: c}]}}\n"
	  "-\n" POD("p3", ""),
	  true },
	{ "a flow item whose next line starts with '- '",
	  "kind: List\nitems:\n- {kind: Pod, metadata: {name: p1}, spec: {containers: [\n"
	  "- {name: c}]}}\n"
	  "-\n" POD("p2", ""),
	  false },
	{ "an empty item, then another (libfyaml refuses it in kubectl's layout only)",
	  "kind: List\nitems:\n- kind: ConfigMap\n  data:\n\n-\n- kind: Confm:- kd\nmetadata:",
	  false },
	{ "an empty item, then another, indented",
	  "kind: List\nitems:\n  -\n  -\n" POD("p1", "  ") "metadata: {}\n", true },
	{ "an item whose text starts on the next line",
	  "kind: List\nitems:\n-\n" POD("p1", "") "-\n  # c\n" POD("p2", ""), true },
	{ "nested Lists",
	  "kind: List\nitems:\n- kind: List\n  items:\n  -\n" POD("p1", "  ") "  -\n" POD(
		  "p2", "  ") "- kind: PodList\n  items:\n  - kind: List\n    "
			      "items:\n    -\n" POD("p3", "    ") "-\n" POD("p4", ""),
	  true },
	{ "an empty List", "apiVersion: v1\nitems: []\nkind: List\nmetadata: {}\n", false },
	{ "a List without items", "kind: List\nitems:\nmetadata: {}\n", false },
	{ "a List in a stream of documents",
	  "kind: Pod\nmetadata: {name: p0}\nspec: {containers: [{name: c}]}\n---\n# the List\n"
	  "apiVersion: v1\nitems:\n-\n" POD(
		  "p1",
		  "") "- kind: Service\n  metadata: {name: s}\n"
		      "-\n" POD("p2",
				"") "kind: List\n--- # after\nkind: Pod\nmetadata: {name: p3}\n"
				    "spec: {containers: [{name: c}]}\n---\nkind: "
				    "List\nitems:\n-\n" POD("p4", "") "---\n"
								      "kind: ConfigMap\n",
	  true },
	{ "two Lists one after the other",
	  "kind: List\nitems:\n-\n" POD("p1", "") "---\nkind: List\nitems:\n-\n" POD(
		  "p2", "") "-\n" POD("p3", ""),
	  true },
	{ "CRLF lines",
	  "apiVersion: v1\r\nitems:\r\n- kind: Pod\r\n  metadata: {name: p1}\r\n  spec:\r\n"
	  "    containers:\r\n    - name: c\r\n-\r\n  kind: Pod\r\n  metadata: {name: p2}\r\n"
	  "  spec: {containers: [{name: c}]}\r\n\r\n# c\r\nkind: List\r\n",
	  true },
	{ "no newline at the end",
	  "kind: List\nitems:\n-\n" POD("p1", "") "- kind: Pod\n  metadata: {name: p2}\n"
						  "  spec:\n    containers:\n    - name: c",
	  true },
	{ "a List of one item", "kind: List\nitems:\n-\n" POD("p1", ""), true },
	{ "items that need no edit or are not bound",
	  "kind: List\nitems:\n-\n" POD(
		  "u1", "") "- kind: Pod\n  metadata: {name: p1}\n  spec:\n"
			    "    securityContext:\n      seccompProfile:\n        type: Localhost\n"
			    "        localhostProfile: syscage/default/p1.json\n    containers:\n  "
			    "  - name: c\n"
			    "      securityContext:\n        allowPrivilegeEscalation: false\n"
			    "- kind: ConfigMap\n  metadata: {name: cm}\n-\n" POD("p2", ""),
	  true },
	{ "a tab", "kind: List\nitems:\n-\n" POD("p1", "") "-\tkind: Pod\n  metadata: {name: p2}\n",
	  false },
	{ "a flow sequence of items",
	  "kind: List\nitems: [{kind: Pod, metadata: {name: p1}, spec: {containers: [{name: "
	  "c}]}}]\n",
	  false },
	{ "JSON",
	  "{\"kind\": \"List\", \"items\": [{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p1\"}, "
	  "\"spec\": {\"containers\": [{\"name\": \"c\"}]}}]}\n",
	  false },
	{ "a directive",
	  "%YAML 1.2\n---\nkind: List\nitems:\n-\n" POD("p1", "") "-\n" POD("p2", ""), false },
	{ "a document end marker", "kind: List\nitems:\n-\n" POD("p1", "") "...\n", false },
	{ "text at the items' column that is not an item",
	  "kind: List\nitems:\n  -\n" POD("p1", "  ") "  p: 1\n  -\n" POD("p2", "  "), false },
	{ "text left of indented items",
	  "kind: List\nitems:\n    -\n" POD("p1", "    ") "  x\n    -\n" POD("p2", "    "), false },
	{ "a complex key after the items", "kind: List\nitems:\n-\n" POD("p1", "") "? x\n: y\n",
	  false },
	{ "a Pod with an items key",
	  "kind: Pod\nmetadata: {name: p0}\nspec: {containers: [{name: c}]}\nitems:\n-\n" POD("p1",
											      ""),
	  false },
	{ "a List whose kind is not a string",
	  "kind: [List]\nitems:\n-\n" POD("p1", "") "-\n" POD("p2", ""), false },
	{ "items twice", "kind: List\nitems:\n-\n" POD("p1", "") "items:\n-\n" POD("p2", ""),
	  false },
	{ "a tag on the List's document", "--- !x\nkind: List\nitems:\n-\n" POD("p1", ""), false },
	{ "items with a tag", "kind: List\nitems: !!seq\n-\n" POD("p1", ""), false },
	{ "a key starting '-' after compact items",
	  "kind: List\nitems:\n-\n" POD("p1", "") "-x: 1\n", false },
	{ "a byte order mark",
	  "\xef\xbb\xbf"
	  "kind: List\nitems:\n-\n" POD("p1", "") "-\n" POD("p2", ""),
	  true },
	/* Errors: where a whole read says them. */
	{ "a duplicate key in the second item",
	  "kind: List\nitems:\n-\n" POD("p1",
					"") "- kind: Pod\n  kind: Pod\n  metadata: {name: p2}\n",
	  false },
	{ "a syntax error in the second item",
	  "kind: List\nitems:\n-\n" POD("p1", "") "- kind: Pod\n  metadata: {name: p2\n"
						  "-\n" POD("p3", ""),
	  false },
	{ "a Deployment without a pod spec",
	  "kind: List\nitems:\n-\n" POD("p1", "") "- kind: Deployment\n  metadata: {name: d}\n"
						  "  spec: {}\n",
	  false },
	{ "a privileged container in an item (bound: an error where it is)",
	  "kind: List\nitems:\n-\n" POD(
		  "p1",
		  "") "- kind: Pod\n  metadata: {name: p2}\n  spec:\n"
		      "    containers:\n    - name: c\n      securityContext: {privileged: true}\n"
		      "-\n" POD("p3", ""),
	  true },
	{ "an anchored pod spec (bound: an error where it is)",
	  "kind: List\nitems:\n-\n" POD("p1", "") "- kind: Pod\n  metadata: {name: p2}\n"
						  "  spec: &s {containers: [{name: c}]}\n"
						  "-\n" POD("p3", ""),
	  true },
	{ "items nested deeper than a whole read allows",
	  "kind: List\nitems:\n- kind: ConfigMap\n  data: {a: {b: {c: {d: {e: {f: {g: {h: {i: {j: "
	  "{k: {l: {m: {n: {o: {p: {q: {r: {s: {t: {u: {v: {w: {x: {y: {z: {A: {B: {C: {D: "
	  "1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}\n"
	  "-\n" POD("p1", ""),
	  false },
};

START_TEST(list_shapes)
{
	const struct shape *s = &shapes[_i];
	struct sc_k8s_bind_opts o = { .drop_caps = _i % 2, .legacy_annotations = _i % 3 == 1 };
	size_t items;

	fprintf(stderr, "# %s\n", s->name);
	items = same_ways(s->text, strlen(s->text), 1 + _i * 7, NULL, &o);
	if (s->cut)
		ck_assert_uint_gt(items, 0);
	else
		ck_assert_uint_eq(items, 0);
}
END_TEST

/* The repository's manifests (tests/data/k8s: kubectl's List with block scalars and status, a
 * stream with a List in it, a JSON List, merge keys) bound with their policies. */
START_TEST(data_manifests)
{
	static const char *const names[] = { "kubectl-list.yaml", "multi.yaml", "deploy.json",
					     "merged.yaml" };
	static const bool cut[] = { true, true, false, false };
	const char *src = getenv("SYSCAGE_SRCDIR");
	char path[512], pol[512], *text = NULL;
	struct sc_k8s_bind_opts o = { .legacy_annotations = true };
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/tests/data/k8s/manifests/%s", src, names[_i]);
	snprintf(pol, sizeof(pol), "%s/tests/data/k8s/policies", src);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	text = malloc(1u << 20);
	ck_assert_ptr_nonnull(text);
	len = fread(text, 1, (1u << 20) - 1, f);
	fclose(f);
	text[len] = '\0';
	if (cut[_i])
		ck_assert_uint_gt(same_ways(text, len, 64, pol, &o), 0);
	else
		ck_assert_uint_eq(same_ways(text, len, 64, pol, &o), 0);
	free(text);
}
END_TEST

/* ---- randomized Lists -------------------------------------------------------------------- */

struct gen {
	unsigned seed;
	FILE *m;
	const char *ind; /* the items' indentation */
	unsigned n;	 /* workloads named so far */
};

static unsigned rnd(struct gen *g, unsigned n)
{
	return (unsigned)rand_r(&g->seed) % n;
}

/* Maybe a comment or blank lines at indentation 'ind'. */
static void noise(struct gen *g, const char *ind)
{
	switch (rnd(g, 8)) {
	case 0:
		fprintf(g->m, "%s# note %u\n", ind, rnd(g, 100));
		break;
	case 1:
		fputs("\n", g->m);
		break;
	case 2:
		fprintf(g->m, "\n# at column 0\n\n");
		break;
	default:
		break;
	}
}

static void labels(struct gen *g)
{
	static const char *const apps[] = { "a0", "a1", "a2", "a3", "a4" };
	static const char *const tiers[] = { "web", "db", "cache" };

	fprintf(g->m, "{app: %s, tier: %s}", apps[rnd(g, 5)], tiers[rnd(g, 3)]);
}

/* A workload's pod spec at indentation 'ind' (its keys'). */
static void podspec(struct gen *g, const char *ind)
{
	unsigned nc = 1 + rnd(g, 2);

	if (rnd(g, 4) == 0)
		fprintf(g->m, "%ssecurityContext: {runAsNonRoot: true}\n", ind);
	fprintf(g->m, "%scontainers:\n", ind);
	for (unsigned k = 0; k < nc; k++) {
		fprintf(g->m, "%s- name: c%u%s\n%s  image: img:%u\n", ind, k,
			rnd(g, 5) ? "" : "  # the app", ind, rnd(g, 9));
		noise(g, ind);
		if (rnd(g, 4) == 0)
			fprintf(g->m,
				"%s  securityContext:\n%s    allowPrivilegeEscalation: false\n",
				ind, ind);
		if (rnd(g, 6) == 0)
			fprintf(g->m, "%s  args:\n%s  - |\n%s    - not an item\n%s    echo\n", ind,
				ind, ind, ind);
	}
}

static void item(struct gen *g, unsigned depth);

/* One item: its '-' line at the items' indentation, its text deeper. */
static void item_text(struct gen *g, const char *ind, unsigned depth)
{
	static const char *const kinds[] = { "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
					     "Job" };
	char in[64], deep[80];
	unsigned k = rnd(g, 12), w = g->n++;
	const char *ns = rnd(g, 3) ? "ns0" : "ns1";

	snprintf(in, sizeof(in), "%s  ", ind);
	switch (rnd(g, 3)) {
	case 0:
		fprintf(g->m, "%s- # item %u\n%s", ind, w, in);
		break;
	case 1:
		fprintf(g->m, "%s-\n%s", ind, in);
		break;
	default:
		fprintf(g->m, "%s- ", ind);
		break;
	}
	if (k == 0) { /* flow */
		fprintf(g->m,
			"{apiVersion: v1, kind: Pod, metadata: {name: w%05u, namespace: %s, "
			"labels: ",
			w, ns);
		labels(g);
		fprintf(g->m, "}, spec: {containers: [{name: c, image: i}]}}\n");
		return;
	}
	if (k == 1) {
		fprintf(g->m,
			"kind: ConfigMap\n%smetadata: {name: cm%u}\n%sdata:\n%s  s: |\n"
			"%s    - one\n%s    - two\n",
			in, w, in, in, in, in);
		return;
	}
	if (k == 2) {
		fprintf(g->m, "kind: Service\n%smetadata: {name: s%u}\n", in, w);
		return;
	}
	if (k == 3 && depth < 2) {
		unsigned n = 1 + rnd(g, 3);
		fprintf(g->m, "kind: List\n%sitems:\n", in);
		for (unsigned i = 0; i < n; i++) {
			snprintf(deep, sizeof(deep), "%s", in);
			const char *saved = g->ind;
			g->ind = deep;
			item(g, depth + 1);
			g->ind = saved;
		}
		return;
	}
	if (k < 7) {
		fprintf(g->m,
			"apiVersion: v1\n%skind: Pod\n%smetadata:\n%s  name: w%05u\n%s  "
			"namespace: %s\n%s  labels: ",
			in, in, in, w, in, ns, in);
		labels(g);
		fprintf(g->m, "\n%sspec:\n", in);
		noise(g, in);
		snprintf(deep, sizeof(deep), "%s  ", in);
		podspec(g, deep);
		return;
	}
	fprintf(g->m,
		"apiVersion: apps/v1\n%skind: %s\n%smetadata:\n%s  name: w%05u\n%s  "
		"namespace: %s\n",
		in, kinds[rnd(g, 5)], in, in, w, in, ns);
	if (rnd(g, 5) == 0)
		fprintf(g->m, "%s  annotations:\n%s    note: >\n%s      - folded\n", in, in, in);
	fprintf(g->m, "%sspec:\n%s  template:\n%s    metadata:\n%s      labels: ", in, in, in, in);
	labels(g);
	fprintf(g->m, "\n%s    spec:\n", in);
	snprintf(deep, sizeof(deep), "%s      ", in);
	podspec(g, deep);
}

static void item(struct gen *g, unsigned depth)
{
	item_text(g, g->ind, depth);
	noise(g, g->ind);
}

/* A List of 'n' items, kubectl's way or by hand, maybe between other documents. */
static char *gen_list(unsigned seed, unsigned n, size_t *ret_len)
{
	static const char *const inds[] = { "", "  ", "    " };
	struct gen g = { .seed = seed };
	char *text = NULL;
	size_t len = 0;
	bool kubectl = rnd(&g, 2), crlf = rnd(&g, 4) == 0, stream = rnd(&g, 3) == 0;

	g.m = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(g.m);
	g.ind = kubectl ? "" : inds[rnd(&g, 3)];
	if (stream)
		fputs("kind: Pod\nmetadata: {name: before, namespace: ns0, labels: {app: a0}}\n"
		      "spec: {containers: [{name: c}]}\n---\n",
		      g.m);
	fputs(kubectl ? "apiVersion: v1\nitems:\n" : "apiVersion: v1\nkind: List\nitems:\n", g.m);
	for (unsigned i = 0; i < n; i++)
		item(&g, 0);
	if (kubectl)
		fputs("kind: List\nmetadata:\n  resourceVersion: \"\"\n", g.m);
	if (stream)
		fputs("---\nkind: Pod\nmetadata: {name: after, namespace: ns1, labels: {tier: "
		      "db}}\n"
		      "spec: {containers: [{name: c}]}\n",
		      g.m);
	ck_assert_int_eq(fclose(g.m), 0);
	if (crlf) {
		char *t = malloc(2 * len + 1), *q = t;
		ck_assert_ptr_nonnull(t);
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n')
				*q++ = '\r';
			*q++ = text[i];
		}
		*q = '\0';
		free(text);
		text = t;
		len = (size_t)(q - t);
	}
	*ret_len = len;
	return text;
}

/* Policies selecting the generated workloads: several select some of them. */
static void policies(const char *dir)
{
	static const char *const p[][4] = {
		{ "a0", "ns0", "{matchLabels: {app: a0}}", "Allow" },
		{ "a1", "ns0", "{matchLabels: {app: a1}}", "Allow" },
		{ "web", "ns0", "{matchExpressions: [{key: tier, operator: In, values: [web]}]}",
		  "Allow" },
		{ "a0x", "ns1", "{matchLabels: {app: a0}}", "Allow" },
		{ "db", "ns1", "{matchExpressions: [{key: tier, operator: In, values: [db]}]}",
		  "Allow" },
		{ "a2", "ns1", "{matchLabels: {app: a2}}", "Block" },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		char *text = NULL, name[32];
		ck_assert_int_ge(asprintf(&text,
					  "apiVersion: security.kubearmor.com/v1\n"
					  "kind: KubeArmorSeccompPolicy\n"
					  "metadata: {name: %s, namespace: %s}\n"
					  "spec:\n  selector: %s\n  seccomp:\n"
					  "    syscalls: [read, write, openat]\n    action: %s\n",
					  p[i][0], p[i][1], p[i][2], p[i][3]),
				 0);
		snprintf(name, sizeof(name), "%s.yaml", p[i][0]);
		test_put(dir, name, text);
		free(text);
	}
}

START_TEST(random_lists)
{
	char dir[] = "/tmp/sc-k8s-list.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	policies(dir);
	for (unsigned seed = 1 + 40 * (unsigned)_i; seed <= 40 * (unsigned)(_i + 1); seed++) {
		size_t len;
		char *text = gen_list(seed, 20 + seed % 150, &len);
		struct sc_k8s_bind_opts o = { .drop_caps = seed % 2,
					      .legacy_annotations = seed % 5 == 0 };
		size_t items = same_ways(text, len, 1 + (seed * 2654435761u) % 8192, dir, &o);
		ck_assert_uint_gt(items, 0);
		free(text);
	}
	test_rm_rf(dir);
}
END_TEST

/* ---- a big List, from a file and from stdin ------------------------------------------------ */

struct collected {
	size_t n, biggest, len;
	char *text;
};

static int collect_piece(void *userdata, const void *p, size_t n)
{
	struct collected *c = userdata;
	char *t = realloc(c->text, c->len + n + 1);

	ck_assert_ptr_nonnull(t);
	c->text = t;
	memcpy(t + c->len, p, n);
	c->len += n;
	t[c->len] = '\0';
	c->n++;
	if (n > c->biggest)
		c->biggest = n;
	return 0;
}

/* A List of 'n' workloads (kubectl's layout), some 480 bytes each, in DIR/big.yaml. */
static void big_list(const char *path, unsigned n, unsigned bad_at)
{
	FILE *m = fopen(path, "w");

	ck_assert_ptr_nonnull(m);
	fputs("apiVersion: v1\nitems:\n", m);
	for (unsigned i = 0; i < n; i++)
		fprintf(m,
			"- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: w%05u\n"
			"    namespace: ns0\n  spec:\n    template:\n      metadata:\n"
			"        labels: {app: a%u}\n      spec:\n        containers:\n"
			"        - name: main  # the app\n          image: img:1\n%s"
			"        - name: sidecar\n          image: proxy:1\n",
			i, i % 3,
			i + 1 == bad_at ? "          securityContext: {privileged: true}\n" : "");
	fputs("kind: List\nmetadata:\n  resourceVersion: \"\"\n", m);
	ck_assert_int_eq(fclose(m), 0);
}

static struct sc_k8s_file *read_big(const char *path, unsigned jobs)
{
	struct sc_k8s_file **files = NULL, *f;
	struct sc_diags d = {};
	size_t nf = 0;

	ck_assert_int_eq(sc_k8s_files_read_jobs(path, NULL, SC_K8S_KEEP_NO_ANNOTATIONS, jobs, &d,
						&files, &nf),
			 0);
	ck_assert_uint_eq(nf, 1);
	ck_assert_uint_eq(d.n, 0);
	f = files[0];
	free(files);
	return f;
}

/* A big List (1 MiB, 2,000 workloads) is read a range of items at a time and written as it is
 * bound: pieces of a run of items (64 KiB and an item) at most, never the List whole; from a
 * file and from stdin, on 1 and 2 threads, the same text. */
START_TEST(big_list_streams)
{
	char dir[] = "/tmp/sc-k8s-list.XXXXXX", path[64];
	char *ref = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	big_list(path, 2000, 0);
	for (unsigned k = 0; k < 4; k++) {
		struct sc_k8s_bind_opts o = { .jobs = 1 + k % 2 };
		struct collected c = {};
		struct sc_diags d = {};
		struct sc_k8s_file *f;
		if (k >= 2) { /* stdin */
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			ck_assert_int_ge(fd, 0);
			ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
			close(fd);
		}
		f = read_big(k >= 2 ? "-" : path, o.jobs);
		ck_assert_uint_eq(f->n_workloads, 2000);
		for (size_t i = 0; i < f->n_workloads; i++) {
			ck_assert(f->tree->wp[i].item);
			if (i % 4)
				f->workloads[i].profile = strdup("syscage/ns0/p.json");
		}
		ck_assert_uint_eq(f->workloads[1999].loc.line, 2 + 1999 * 15 + 1);
		ck_assert_int_eq(sc_k8s_bind_write(f, &o, &d, collect_piece, &c), 0);
		ck_assert_uint_eq(d.n, 0);
		ck_assert_uint_gt(c.n, 16);
		ck_assert_uint_lt(c.biggest, 80u << 10);
		if (!ref)
			ref = TAKE_PTR(c.text);
		else
			ck_assert_str_eq(c.text, ref);
		free(c.text);
		sc_k8s_file_free(f);
	}
	ck_assert_ptr_nonnull(strstr(ref, "        - name: sidecar\n          image: proxy:1\n"
					  "          securityContext:\n"
					  "            allowPrivilegeEscalation: false\n"));
	free(ref);
	test_rm_rf(dir);
}
END_TEST

/* An error in the 1,500th item of a big List: said at its line, as a whole read says it. */
START_TEST(big_list_error_located)
{
	char dir[] = "/tmp/sc-k8s-list.XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	big_list(path, 2000, 1500);
	for (unsigned jobs = 1; jobs <= 2; jobs++) {
		struct sc_k8s_bind_opts o = { .jobs = jobs };
		struct sc_k8s_file *f = read_big(path, jobs);
		struct sc_diags d = {};
		struct collected c = {};
		ck_assert(f->tree->wp[1499].item);
		for (size_t i = 0; i < f->n_workloads; i++)
			f->workloads[i].profile = strdup("syscage/ns0/p.json");
		ck_assert_int_eq(sc_k8s_bind_write(f, &o, &d, collect_piece, &c), -EINVAL);
		ck_assert_uint_eq(d.n, 1);
		/* the container's line: the item's 12th */
		ck_assert_uint_eq(d.v[0].loc.line, 2 + 1499 * 15 + 12);
		ck_assert_uint_eq(d.v[0].loc.col, 11);
		ck_assert_ptr_nonnull(strstr(d.v[0].message, "privileged"));
		sc_diags_clear(&d);
		free(c.text);
		sc_k8s_file_free(f);
	}
	test_rm_rf(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("k8s-list");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, list_shapes, 0, (int)(sizeof(shapes) / sizeof(shapes[0])));
	tcase_add_loop_test(tc, data_manifests, 0, 4);
	tcase_add_loop_test(tc, random_lists, 0, 5);
	tcase_add_test(tc, big_list_streams);
	tcase_add_test(tc, big_list_error_located);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
