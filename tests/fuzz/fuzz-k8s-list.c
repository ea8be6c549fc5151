/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for reading Lists a range of items at a time (k8s-list.c, k8s_split_parse):
 * the input is a manifest after one byte that picks the ranges' size and bind's options. It is
 * read whole and with every List cut at its items (however small), each workload given a
 * profile as sc_k8s_match() would, and bound. Checks: both reads give the same result, the
 * same messages at the same places, the same workloads at the same places, and binding gives
 * the same result and the very same bytes. A cut that could be wrong must never make other
 * output than a whole read. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/manifest.h"
#include "syscage/syscage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct way {
	int read_r, bind_r;
	struct sc_k8s_file *f;
	struct sc_diags d;
	char *out;
	size_t out_len;
};

static void give_profiles(struct sc_k8s_file *f)
{
	for (size_t i = 0; i < f->n_workloads; i++) {
		struct sc_k8s_workload *w = &f->workloads[i];
		const char *ns = w->namespace && sc_dns1123_label_valid(w->namespace) ? w->namespace
										      : "default";
		if (i % 3 == 2)
			continue; /* some left unbound */
		if (asprintf(&w->profile, "syscage/%s/pod_%zu.json", ns, i % 5) < 0)
			abort();
		w->set = 0;
	}
}

static void run_way(const uint8_t *text, size_t len, const struct k8s_split *how,
		    const struct sc_k8s_bind_opts *o, struct way *w)
{
	char *buf = malloc(len + 1);

	if (!buf)
		abort();
	memcpy(buf, text, len);
	buf[len] = '\0';
	*w = (struct way){ 0 };
	w->read_r = k8s_split_parse(buf, len, SC_K8S_KEEP_ALL, how, "l.yaml", NULL, &w->d, &w->f);
	if (w->read_r != 0)
		return;
	give_profiles(w->f);
	w->bind_r = sc_k8s_bind(w->f, o, &w->d, &w->out, &w->out_len);
}

static bool same_loc(struct sc_loc a, struct sc_loc b)
{
	return a.line == b.line && a.col == b.col;
}

static void compare(const struct way *a, const struct way *b)
{
	if (a->read_r != b->read_r || a->bind_r != b->bind_r || a->d.n != b->d.n)
		abort();
	for (size_t i = 0; i < a->d.n; i++)
		if (a->d.v[i].severity != b->d.v[i].severity ||
		    !same_loc(a->d.v[i].loc, b->d.v[i].loc) ||
		    strcmp(a->d.v[i].message, b->d.v[i].message) != 0)
			abort();
	if (a->read_r != 0)
		return;
	if (a->f->n_workloads != b->f->n_workloads)
		abort();
	for (size_t i = 0; i < a->f->n_workloads; i++) {
		const struct sc_k8s_workload *x = &a->f->workloads[i], *y = &b->f->workloads[i];
		if (strcmp(x->kind, y->kind) || strcmp(x->name, y->name) ||
		    strcmp(x->namespace, y->namespace) || !same_loc(x->loc, y->loc) ||
		    x->n_containers != y->n_containers)
			abort();
	}
	if ((a->out == NULL) != (b->out == NULL) || a->out_len != b->out_len ||
	    (a->out && memcmp(a->out, b->out, a->out_len) != 0))
		abort();
}

static void way_free(struct way *w)
{
	sc_k8s_file_free(w->f);
	sc_diags_clear(&w->d);
	free(w->out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_split whole = { .jobs = 1, .list_min = SIZE_MAX };
	struct k8s_split cut = { .jobs = 1 };
	struct sc_k8s_bind_opts o = { .jobs = 1 };
	struct way a, b;

	if (size < 1 || size > (64u << 10))
		return 0;
	/* ranges of 1 byte (every item its own) to 512 */
	cut.list_piece = 1 + (size_t)(data[0] & 0x1f) * 16;
	o.drop_caps = data[0] & 0x20;
	o.legacy_annotations = data[0] & 0x40;
	run_way(data + 1, size - 1, &whole, &o, &a);
	run_way(data + 1, size - 1, &cut, &o, &b);
	compare(&a, &b);
	way_free(&a);
	way_free(&b);
	return 0;
}
