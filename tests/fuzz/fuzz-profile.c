/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the profile readers (OCI JSON, SPO and KubeArmor YAML) and for
 * semantic validation of whatever they accept. Input: the document bytes. No file name is
 * given, so SPO baseProfileName look-ups never touch the file system. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"
#include "syscage/validate.h"
#include "base/install.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diags(const struct sc_diags *d)
{
	size_t errors = 0;

	for (size_t i = 0; i < d->n; i++) {
		/* Every message is one non-empty line. */
		if (!d->v[i].message || !*d->v[i].message || strchr(d->v[i].message, '\n'))
			abort();
		errors += d->v[i].severity == SC_SEV_ERROR;
	}
	if (errors != d->n_errors)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL, **v = NULL;
	size_t n = 0;
	char *buf;
	int r;

	/* The readers take a buffer and a length; keep a NUL after it as files read by
	 * sc_read_file() have, but do not count it. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	r = sc_profile_read_buffer(buf, size, NULL, &d, &p);
	if (r < 0 && r != -ENOMEM && (p || d.n_errors == 0))
		abort(); /* errors come with a message, and no profile */
	if (r >= 0) {
		size_t before = d.n_errors;
		int k = sc_profile_validate(p, &d);
		if (k < 0 || (size_t)k != d.n_errors - before)
			abort();
		sc_profile_free(p);
	}
	check_diags(&d);
	sc_diags_clear(&d);

	r = sc_profile_read_all(buf, size, NULL, &d, &v, &n);
	if (r >= 0) {
		if ((size_t)r != n)
			abort();
		for (size_t i = 0; i < n; i++) {
			(void)sc_profile_validate(v[i], &d);
			sc_profile_free(v[i]);
		}
		free(v);
	}
	check_diags(&d);
	sc_diags_clear(&d);
	free(buf);
	return 0;
}
