/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running a Check suite as TAP with skips counted: Check has no "skip", so a case that cannot
 * run here is registered with tap_skip() and reported as "ok N # SKIP reason" after the
 * suite's own results, before the plan. Every unit suite's main() ends in tap_run(). */
#pragma once

#include <check.h>

/* Report 'name' as skipped, with the reason. */
void tap_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run every case of 's' (Check forks each), print the TAP stream with the skips and the plan,
 * and return EXIT_SUCCESS when nothing failed. */
int tap_run(Suite *s);
