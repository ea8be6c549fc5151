/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running a Check suite as TAP with skips counted: Check has no "skip", so a case that cannot
 * run here is registered with tap_skip() and reported as "ok N # SKIP reason" after the
 * suite's own results, before the plan. Every unit suite's main() ends in tap_run(). */
#pragma once

#include <check.h>

/* SC_TEST=PATTERN (a shell glob, or several separated by ','; e.g. SC_TEST=three_callers_agree,
 * SC_TEST='read_*') adds only the cases whose name matches, and tap_run fails when none does:
 * a filter with a typo is not a green run of nothing. Every suite adds its cases through these
 * two macros. */
void tap_add(TCase *tc, const TTest *t, int start, int end);
#undef tcase_add_test
#define tcase_add_test(tc, tf) tap_add((tc), (tf), 0, 1)
#undef tcase_add_loop_test
#define tcase_add_loop_test(tc, tf, s, e) tap_add((tc), (tf), (s), (e))

/* Report 'name' as skipped, with the reason. */
void tap_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run every case of 's' (Check forks each), print the TAP stream with the skips and the plan,
 * and return EXIT_SUCCESS when nothing failed. */
int tap_run(Suite *s);
