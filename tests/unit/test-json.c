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

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escapes);
	tcase_add_test(tc, utf8);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
