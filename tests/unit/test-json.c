/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sc_json_string: every output is a valid JSON string literal and valid UTF-8. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "tap.h"

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	sc_json_string(f, s);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static void expect_json(const char *in, const char *want)
{
	char *got = json_of(in);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(escapes)
{
	expect_json(NULL, "null");
	expect_json("", "\"\"");
	expect_json("plain", "\"plain\"");
	expect_json("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_json("tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\u000d\"");
	expect_json("del\x7f", "\"del\\u007f\"");
	/* Runs of every length come out whole (short ones and long ones take two ways). */
	for (size_t n = 60; n < 70000; n = n < 70 ? n + 1 : n * 3) {
		char *in = malloc(n + 1), *want = malloc(n + 3);
		ck_assert_ptr_nonnull(in);
		ck_assert_ptr_nonnull(want);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)('a' + i % 26);
		in[n] = '\0';
		snprintf(want, n + 3, "\"%s\"", in);
		expect_json(in, want);
		free(in);
		free(want);
	}
}
END_TEST

START_TEST(utf8)
{
	/* Valid sequences pass through; anything else is escaped byte by byte. */
	expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
		    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\"");
	expect_json("\xff", "\"\\u00ff\"");
	expect_json("\xc3", "\"\\u00c3\"");				     /* truncated */
	expect_json("\xc0\xaf", "\"\\u00c0\\u00af\"");			     /* overlong '/' */
	expect_json("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");	     /* a surrogate */
	expect_json("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
}
END_TEST

/* sc_memstream_open gives what open_memstream gives: nothing written is "", a long run of
 * names goes past any first buffer, a name longer than put_run's short path is whole. */
static void same_as_memstream(size_t n_names, size_t name_len)
{
	char *want = NULL, *got = NULL, *name = malloc(name_len + 1);
	size_t want_len = 0, got_len = 0;
	FILE *a = open_memstream(&want, &want_len), *b = sc_memstream_open(&got, &got_len);

	ck_assert_ptr_nonnull(name);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < name_len; i++)
		name[i] = (char)('a' + i % 26);
	name[name_len] = '\0';
	for (size_t i = 0; i < n_names; i++) {
		fputs(i ? ", " : "[", a);
		fputs(i ? ", " : "[", b);
		sc_json_text(a, name);
		sc_json_text(b, name);
	}
	ck_assert_int_eq(fclose(a), 0);
	ck_assert_int_eq(fclose(b), 0);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got_len, want_len);
	ck_assert_uint_eq(strlen(got), got_len);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	free(name);
}

START_TEST(memstream)
{
	same_as_memstream(0, 1);
	same_as_memstream(1, 5);
	same_as_memstream(20000, 9); /* ~240 KB: many flushes, many reallocs */
	same_as_memstream(3, 70000); /* longer than stdio's buffer */
	same_as_memstream(100, 64);  /* put_run's edges */
	same_as_memstream(100, 65);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escapes);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, memstream);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
