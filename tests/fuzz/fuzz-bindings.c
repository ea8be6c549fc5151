/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the SeccompBinding reader (binding.h), the file the agent reads from
 * a ConfigMap anyone with edit rights on it writes. Checks: errors come with a one-line
 * message and no bindings; what is read is written and read back to the same bindings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int streq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same(const struct sc_binding *a, const struct sc_binding *b)
{
	if (!streq0(a->namespace, b->namespace) || !streq0(a->kind, b->kind) ||
	    !streq0(a->name, b->name) || !streq0(a->profile, b->profile) ||
	    a->n_labels != b->n_labels || a->n_policies != b->n_policies)
		abort();
	for (size_t k = 0; k < a->n_policies; k++)
		if (!streq0(a->policies[k], b->policies[k]))
			abort();
	/* Labels are written sorted by key: each of a's is among b's. */
	for (size_t k = 0; k < a->n_labels; k++) {
		size_t j = 0;
		while (j < b->n_labels && !streq0(a->labels[k].key, b->labels[j].key))
			j++;
		if (j == b->n_labels || !streq0(a->labels[k].value, b->labels[j].value))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_diags d = { 0 };
	struct sc_binding *v = NULL, *w = NULL;
	size_t n = 0, m = 0;
	char *buf, *text = NULL;
	int r;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)sc_bindings_detect(buf, size);
	r = sc_bindings_read(buf, size, "fuzz.yaml", &d, &v, &n);
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].message || !*d.v[i].message || strchr(d.v[i].message, '\n'))
			abort();
	if (r < 0 && r != -ENOMEM && d.n_errors == 0)
		abort();
	if (r == 0) {
		if (d.n_errors)
			abort();
		if (sc_bindings_write(v, n, &text) == 0) {
			struct sc_diags e = { 0 };
			if (sc_bindings_read(text, strlen(text), "again.yaml", &e, &w, &m) != 0 ||
			    m != n)
				abort();
			/* Written sorted: find each of v's by identity. */
			for (size_t i = 0; i < n; i++) {
				size_t j = 0;
				while (j < m && !(streq0(v[i].namespace, w[j].namespace) &&
						  streq0(v[i].kind, w[j].kind) &&
						  streq0(v[i].name, w[j].name)))
					j++;
				if (j == m)
					abort();
				same(&v[i], &w[j]);
			}
			sc_bindings_free(w, m);
			sc_diags_clear(&e);
			free(text);
		}
		sc_bindings_free(v, n);
	}
	sc_diags_clear(&d);
	free(buf);
	return 0;
}
