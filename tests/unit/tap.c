/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See tap.h. Check writes its TAP lines and plan to a file; we pass the result lines on, add
 * the skips, and print the plan for the whole. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static char *skips[64];
static unsigned n_skips;
static unsigned n_added;

/* Does 'name' match SC_TEST (unset: everything)? */
static bool selected(const char *name)
{
	const char *f = getenv("SC_TEST");
	char *copy, *save = NULL;
	bool match = false;

	if (!f || !*f)
		return true;
	copy = strdup(f);
	if (!copy)
		return true;
	for (char *p = strtok_r(copy, ",", &save); p && !match; p = strtok_r(NULL, ",", &save))
		match = fnmatch(p, name, 0) == 0;
	free(copy);
	return match;
}

void tap_add(TCase *tc, const TTest *t, int start, int end)
{
	if (!selected(t->name))
		return;
	_tcase_add_test(tc, t, 0, 0, start, end);
	n_added++;
}

void tap_skip(const char *name, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n_skips < sizeof(skips) / sizeof(skips[0]) &&
	    asprintf(&skips[n_skips], "%s: %s", name, reason) >= 0)
		n_skips++;
}

int tap_run(Suite *s)
{
	char path[] = "/tmp/syscage-tap.XXXXXX";
	unsigned n = 0;
	int fd, failed;
	SRunner *sr;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (n_added == 0 && n_skips == 0 && getenv("SC_TEST") && *getenv("SC_TEST")) {
		printf("not ok 1 - SC_TEST=%s matches no case of %s\n1..1\n", getenv("SC_TEST"),
		       program_invocation_short_name);
		return EXIT_FAILURE;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return EXIT_FAILURE;
	}
	close(fd);
	/* Our file, not one from the environment. */
	unsetenv("CK_TAP_LOG_FILE_NAME");
	sr = srunner_create(s);
	srunner_set_tap(sr, path);
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	f = fopen(path, "re");
	if (!f) {
		perror(path);
		return EXIT_FAILURE;
	}
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "1..", 3) == 0)
			continue; /* Check's plan: ours follows */
		if (strncmp(line, "ok ", 3) == 0 || strncmp(line, "not ok ", 7) == 0)
			n++;
		fputs(line, stdout);
	}
	free(line);
	fclose(f);
	unlink(path);
	for (unsigned i = 0; i < n_skips; i++) {
		printf("ok %u - # SKIP %s\n", ++n, skips[i]);
		free(skips[i]);
	}
	printf("1..%u\n", n);
	fflush(stdout);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
