/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the unit suites' file helpers (files.h). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "files.h"

void test_put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name), (int)sizeof(path));
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %m", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

void test_rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir), (int)sizeof(cmd));
	ck_assert_int_eq(system(cmd), 0);
}
