/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit suites' file helpers: a file written into a test directory, the directory removed
 * at the end. Each fails the case on error. */
#pragma once

/* 'text' written as DIR/NAME (created or truncated). */
void test_put(const char *dir, const char *name, const char *text);

/* DIR and everything below it removed. */
void test_rm_rf(const char *dir);
