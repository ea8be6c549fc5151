/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the Kubernetes manifest parser and editor (k8s.h): the input is a
 * manifest file. Every workload found is audited, then given a profile path as
 * sc_k8s_match() would and bound. Checks: errors come with one-line messages (and no file);
 * audit findings are one-line strings; a bound text parses again into the same workloads
 * (namespace, kind, name, in order), and binding it again with the same profiles gives the
 * very same bytes (binding is idempotent). Text the library refuses (not UTF-8, a NUL, duplicate
 * keys, a block scalar libfyaml misreads) must be refused with a located error, never bound. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int streq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_diags(const struct sc_diags *d)
{
	size_t errors = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].message || !*d->v[i].message || strchr(d->v[i].message, '\n'))
			abort();
		errors += d->v[i].severity == SC_SEV_ERROR;
	}
	if (errors != d->n_errors)
		abort();
}

/* "syscage/<namespace>/pod_x.json", as sc_k8s_match() names a matched workload's profile
 * (its namespace is a policy's, so DNS-1123; others are given the default namespace's). */
static int give_profiles(struct sc_k8s_file *f)
{
	for (size_t i = 0; i < f->n_workloads; i++) {
		struct sc_k8s_workload *w = &f->workloads[i];
		const char *ns = w->namespace && sc_dns1123_label_valid(w->namespace) ? w->namespace
										      : "default";
		free(w->profile);
		if (asprintf(&w->profile, "syscage/%s/pod_x.json", ns) < 0) {
			w->profile = NULL;
			return -1;
		}
		w->set = 0;
	}
	return 0;
}

static void audit_all(struct sc_k8s_file *f)
{
	for (size_t i = 0; i < f->n_workloads; i++) {
		struct sc_k8s_workload *w = &f->workloads[i];
		size_t n = 0;

		if (sc_k8s_audit(w) < 0)
			continue;
		if (w->findings)
			for (; w->findings[n]; n++)
				if (!*w->findings[n] || strchr(w->findings[n], '\n'))
					abort();
		if (n != w->n_findings)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sc_k8s_bind_opts o = { .drop_caps = size && (data[0] & 1),
					    .legacy_annotations = size && (data[0] & 2) };
	struct sc_diags d = { 0 };
	struct sc_k8s_file *f = NULL, *g = NULL;
	char *buf, *out = NULL, *again = NULL;
	size_t out_len = 0, again_len = 0;
	/* JSON documents get quoted keys: let the name tell which the input looks like. */
	const char *name = size && data[0] == '{' ? "fuzz.json" : "fuzz.yaml";
	int r;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	r = sc_k8s_file_parse(buf, size, name, "default", &d, &f);
	check_diags(&d);
	if (r < 0) {
		if (r != -ENOMEM && (f || d.n_errors == 0))
			abort(); /* errors come with a message, and no file */
		goto out;
	}
	if (!f || d.n_errors)
		abort();
	audit_all(f);
	if (give_profiles(f) < 0)
		goto out;

	r = sc_k8s_bind(f, &o, &d, &out, &out_len);
	check_diags(&d);
	if (r < 0) {
		if (r != -ENOMEM && (out || d.n_errors == 0))
			abort();
		goto out;
	}
	if (!out || out[out_len] != '\0')
		abort();

	/* The bound text parses again into the same workloads. */
	sc_diags_clear(&d);
	r = sc_k8s_file_parse(out, out_len, name, "default", &d, &g);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || !g || g->n_workloads != f->n_workloads) {
		fprintf(stderr, "bound text: parse %d, %zu workloads (was %zu)\n", r,
			g ? g->n_workloads : 0, f->n_workloads);
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %u:%u: %s\n", d.v[i].loc.line, d.v[i].loc.col,
				d.v[i].message);
		fprintf(stderr, "--- bound text:\n%s\n---\n", out);
		abort();
	}
	for (size_t i = 0; i < f->n_workloads; i++) {
		const struct sc_k8s_workload *a = &f->workloads[i], *b = &g->workloads[i];
		if (!streq0(a->namespace, b->namespace) || !streq0(a->kind, b->kind) ||
		    !streq0(a->name, b->name)) {
			fprintf(stderr, "workload %zu: %s %s/%s became %s %s/%s\n", i, a->kind,
				a->namespace, a->name, b->kind, b->namespace, b->name);
			abort();
		}
	}

	/* Binding again, with the same profiles, changes nothing. */
	if (give_profiles(g) < 0)
		goto out;
	r = sc_k8s_bind(g, &o, &d, &again, &again_len);
	check_diags(&d);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || again_len != out_len || memcmp(again, out, out_len) != 0) {
		fprintf(stderr,
			"bind is not idempotent (r=%d)\n--- once:\n%s\n--- twice:\n%s\n---\n", r,
			out, again ? again : "(none)");
		abort();
	}

out:
	free(again);
	free(out);
	sc_k8s_file_free(g);
	sc_k8s_file_free(f);
	sc_diags_clear(&d);
	free(buf);
	return 0;
}
