/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text format: HELP/TYPE lines, label value escaping (base/prom.c), samples
 * with escaped labels, values, and the cumulative histogram, compared as whole strings. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/metrics.h"
#include "base/prom.h"
#include "tap.h"

/* An open_memstream the case writes to, and its text once closed. */
struct out {
	char *buf;
	size_t size;
	FILE *f;
};

static void out_open(struct out *o)
{
	*o = (struct out){};
	o->f = open_memstream(&o->buf, &o->size);
	ck_assert_ptr_nonnull(o->f);
}

/* Close, compare with 'want', free. */
static void out_expect(struct out *o, const char *want)
{
	ck_assert_int_eq(fclose(o->f), 0);
	ck_assert_str_eq(o->buf, want);
	ck_assert_uint_eq(o->size, strlen(want));
	free(o->buf);
}

static void expect_escape(const char *in, const char *want)
{
	struct out o;

	out_open(&o);
	sc_prom_escape(o.f, in);
	out_expect(&o, want);
}

static void expect_value(double v, const char *want)
{
	struct out o;

	out_open(&o);
	sc_metric_sample(o.f, "m", v, (const char *)NULL);
	out_expect(&o, want);
}

START_TEST(header_lines)
{
	struct out o;

	out_open(&o);
	sc_metric_header(o.f, "syscage_profiles", "gauge", "Profiles installed on the node.");
	sc_metric_header(o.f, "syscage_violations_total", "counter", "Denied calls.");
	out_expect(&o, "# HELP syscage_profiles Profiles installed on the node.\n"
		       "# TYPE syscage_profiles gauge\n"
		       "# HELP syscage_violations_total Denied calls.\n"
		       "# TYPE syscage_violations_total counter\n");
}
END_TEST

START_TEST(header_help_escaping)
{
	struct out o;

	/* HELP escapes backslash and newline only; a double quote stays as written. */
	out_open(&o);
	sc_metric_header(o.f, "m", "gauge", "a\\b \"q\"\nnext");
	out_expect(&o, "# HELP m a\\\\b \"q\"\\nnext\n# TYPE m gauge\n");
	out_open(&o);
	sc_metric_header(o.f, "m", "counter", "");
	out_expect(&o, "# HELP m \n# TYPE m counter\n");
}
END_TEST

START_TEST(escape_label_values)
{
	expect_escape(NULL, "");
	expect_escape("", "");
	expect_escape("plain-value_1.2", "plain-value_1.2");
	expect_escape("a\\b", "a\\\\b");
	expect_escape("say \"hi\"", "say \\\"hi\\\"");
	expect_escape("l1\nl2", "l1\\nl2");
	expect_escape("\\\"\n", "\\\\\\\"\\n");
	/* Other bytes, tabs and UTF-8 included, pass through untouched. */
	expect_escape("tab\there caf\xc3\xa9", "tab\there caf\xc3\xa9");
	expect_escape("\\n", "\\\\n"); /* a literal backslash-n is not a newline */
}
END_TEST

START_TEST(sample_labels)
{
	struct out o;

	out_open(&o);
	sc_metric_sample(o.f, "syscage_up", 1, (const char *)NULL);
	sc_metric_sample(o.f, "syscage_profiles", 3, "namespace", "default", (const char *)NULL);
	sc_metric_sample(o.f, "syscage_violations_total", 42, "namespace", "kube-system", "pod",
			 "coredns-5d78c9869d-abcde", "syscall", "ptrace", (const char *)NULL);
	sc_metric_sample(o.f, "syscage_policy", 0, "name", "a\"b\\c\nd", (const char *)NULL);
	sc_metric_sample(o.f, "syscage_empty", 7, "k", "", (const char *)NULL);
	sc_metric_sample(o.f, "syscage_null", 7, "k", (const char *)NULL, (const char *)NULL);
	out_expect(&o,
		   "syscage_up 1\n"
		   "syscage_profiles{namespace=\"default\"} 3\n"
		   "syscage_violations_total{namespace=\"kube-system\",pod=\"coredns-5d78c9869d-"
		   "abcde\",syscall=\"ptrace\"} 42\n"
		   "syscage_policy{name=\"a\\\"b\\\\c\\nd\"} 0\n"
		   "syscage_empty{k=\"\"} 7\n"
		   "syscage_null{k=\"\"} 7\n");
}
END_TEST

START_TEST(integer_values)
{
	expect_value(0, "m 0\n");
	expect_value(-0.0, "m 0\n");
	expect_value(1, "m 1\n");
	expect_value(-1, "m -1\n");
	expect_value(100, "m 100\n");
	expect_value(1e6, "m 1000000\n");
	expect_value(4294967296.0, "m 4294967296\n");
	expect_value(1e15, "m 1000000000000000\n");
	expect_value(8999999999999999.0, "m 8999999999999999\n");
	expect_value(-8999999999999999.0, "m -8999999999999999\n");
}
END_TEST

START_TEST(fractional_values)
{
	expect_value(0.5, "m 0.5\n");
	expect_value(-2.25, "m -2.25\n");
	expect_value(0.001, "m 0.001\n");
	expect_value(1.5e-7, "m 1.5e-07\n");
	/* The shortest text that reads back as the same double (was 9 digits: 0.333333333). */
	expect_value(1.0 / 3, "m 0.3333333333333333\n");
	expect_value(123456.789, "m 123456.789\n");
}
END_TEST

/* A Unix time with milliseconds is exact: 9 significant digits were off by up to 100 s. */
START_TEST(timestamp_values)
{
	expect_value(1765101234.567, "m 1765101234.567\n");
	expect_value(1765101299.5, "m 1765101299.5\n");
}
END_TEST

START_TEST(special_values)
{
	expect_value(NAN, "m NaN\n");
	expect_value(-NAN, "m NaN\n");
	expect_value(INFINITY, "m +Inf\n");
	expect_value(-INFINITY, "m -Inf\n");
	expect_value(1e308, "m 1e+308\n");
}
END_TEST

START_TEST(histogram_init_checks)
{
	static const double ok[] = { 0.005, 0.01, 0.1, 1 };
	static const double equal[] = { 1, 1 }, down[] = { 2, 1 }, nan2[] = { 1, NAN };
	double many[SC_HISTOGRAM_MAX_BUCKETS + 1];
	struct sc_histogram h;

	for (size_t i = 0; i < SC_HISTOGRAM_MAX_BUCKETS + 1; i++)
		many[i] = (double)(i + 1);
	ck_assert_int_eq(sc_histogram_init(&h, ok, 4), 0);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_uint_eq(h.count, 0);
	ck_assert(h.sum == 0);
	ck_assert(h.bounds[3] == 1);
	for (size_t i = 0; i <= SC_HISTOGRAM_MAX_BUCKETS; i++)
		ck_assert_uint_eq(h.counts[i], 0);
	ck_assert_int_eq(sc_histogram_init(&h, equal, 2), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, down, 2), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, nan2, 2), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, many, SC_HISTOGRAM_MAX_BUCKETS + 1), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, many, SC_HISTOGRAM_MAX_BUCKETS), 0);
	ck_assert_uint_eq(h.n, SC_HISTOGRAM_MAX_BUCKETS);
	ck_assert_int_eq(sc_histogram_init(&h, ok, 0), 0);
	ck_assert_uint_eq(h.n, 0);
}
END_TEST

START_TEST(histogram_observe_buckets)
{
	static const double b[] = { 0.1, 1, 10 };
	struct sc_histogram h;

	ck_assert_int_eq(sc_histogram_init(&h, b, 3), 0);
	sc_histogram_observe(&h, 0.05); /* <= 0.1 */
	sc_histogram_observe(&h, 0.1);	/* a bound belongs to its own bucket (le) */
	sc_histogram_observe(&h, 0.5);
	sc_histogram_observe(&h, 10);
	sc_histogram_observe(&h, 11); /* +Inf */
	sc_histogram_observe(&h, -3); /* below everything: first bucket */
	ck_assert_uint_eq(h.counts[0], 3);
	ck_assert_uint_eq(h.counts[1], 1);
	ck_assert_uint_eq(h.counts[2], 1);
	ck_assert_uint_eq(h.counts[3], 1);
	ck_assert_uint_eq(h.count, 6);
	ck_assert(h.sum == 0.05 + 0.1 + 0.5 + 10 + 11 - 3);
}
END_TEST

START_TEST(histogram_write_cumulative)
{
	static const double b[] = { 0.005, 0.05, 0.5, 5 };
	struct sc_histogram h;
	struct out o;

	ck_assert_int_eq(sc_histogram_init(&h, b, 4), 0);
	sc_histogram_observe(&h, 0.001);
	sc_histogram_observe(&h, 0.002);
	sc_histogram_observe(&h, 0.25);
	sc_histogram_observe(&h, 0.25);
	sc_histogram_observe(&h, 7.5);
	out_open(&o);
	sc_histogram_write(o.f, "syscage_reconcile_seconds", "Time to reconcile.", &h);
	out_expect(&o, "# HELP syscage_reconcile_seconds Time to reconcile.\n"
		       "# TYPE syscage_reconcile_seconds histogram\n"
		       "syscage_reconcile_seconds_bucket{le=\"0.005\"} 2\n"
		       "syscage_reconcile_seconds_bucket{le=\"0.05\"} 2\n"
		       "syscage_reconcile_seconds_bucket{le=\"0.5\"} 4\n"
		       "syscage_reconcile_seconds_bucket{le=\"5\"} 4\n"
		       "syscage_reconcile_seconds_bucket{le=\"+Inf\"} 5\n"
		       "syscage_reconcile_seconds_sum 8.003\n"
		       "syscage_reconcile_seconds_count 5\n");
}
END_TEST

START_TEST(histogram_write_integer_bounds)
{
	static const double b[] = { 1, 10, 100, 1000 };
	struct sc_histogram h;
	struct out o;

	ck_assert_int_eq(sc_histogram_init(&h, b, 4), 0);
	sc_histogram_observe(&h, 1);
	sc_histogram_observe(&h, 50);
	sc_histogram_observe(&h, 100);
	sc_histogram_observe(&h, 999);
	out_open(&o);
	sc_histogram_write(o.f, "h", "Sizes.", &h);
	out_expect(&o, "# HELP h Sizes.\n"
		       "# TYPE h histogram\n"
		       "h_bucket{le=\"1\"} 1\n"
		       "h_bucket{le=\"10\"} 1\n"
		       "h_bucket{le=\"100\"} 3\n"
		       "h_bucket{le=\"1000\"} 4\n"
		       "h_bucket{le=\"+Inf\"} 4\n"
		       "h_sum 1150\n"
		       "h_count 4\n");
}
END_TEST

START_TEST(histogram_write_empty)
{
	static const double b[] = { 0.25, 2.5 };
	struct sc_histogram h;
	struct out o;

	ck_assert_int_eq(sc_histogram_init(&h, b, 2), 0);
	out_open(&o);
	sc_histogram_write(o.f, "e", "Nothing yet.", &h);
	out_expect(&o, "# HELP e Nothing yet.\n"
		       "# TYPE e histogram\n"
		       "e_bucket{le=\"0.25\"} 0\n"
		       "e_bucket{le=\"2.5\"} 0\n"
		       "e_bucket{le=\"+Inf\"} 0\n"
		       "e_sum 0\n"
		       "e_count 0\n");

	/* No bounds at all: the +Inf bucket alone. */
	ck_assert_int_eq(sc_histogram_init(&h, b, 0), 0);
	sc_histogram_observe(&h, 3);
	out_open(&o);
	sc_histogram_write(o.f, "z", "Only +Inf.", &h);
	out_expect(&o, "# HELP z Only +Inf.\n"
		       "# TYPE z histogram\n"
		       "z_bucket{le=\"+Inf\"} 1\n"
		       "z_sum 3\n"
		       "z_count 1\n");
}
END_TEST

/* Bounds print as text that reads back exactly (two bounds never print alike); a bound that
 * is not finite is refused (+Inf is the implicit last bucket); NaN counts in +Inf only. */
START_TEST(histogram_exact_bounds_and_nan)
{
	static const double b[] = { 1000001, 1000002, 2500000.5 };
	const double inf[] = { INFINITY }, nan1[] = { NAN }, late[] = { 1, NAN };
	struct sc_histogram h;
	struct out o;

	ck_assert_int_eq(sc_histogram_init(&h, inf, 1), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, nan1, 1), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, late, 2), -EINVAL);
	ck_assert_int_eq(sc_histogram_init(&h, b, 3), 0);
	sc_histogram_observe(&h, 1000001.5);
	sc_histogram_observe(&h, NAN);
	out_open(&o);
	sc_histogram_write(o.f, "h", "Exact.", &h);
	out_expect(&o, "# HELP h Exact.\n"
		       "# TYPE h histogram\n"
		       "h_bucket{le=\"1000001\"} 0\n"
		       "h_bucket{le=\"1000002\"} 1\n"
		       "h_bucket{le=\"2500000.5\"} 1\n"
		       "h_bucket{le=\"+Inf\"} 2\n"
		       "h_sum NaN\n"
		       "h_count 2\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, header_lines);
	tcase_add_test(tc, header_help_escaping);
	tcase_add_test(tc, escape_label_values);
	tcase_add_test(tc, sample_labels);
	tcase_add_test(tc, integer_values);
	tcase_add_test(tc, fractional_values);
	tcase_add_test(tc, timestamp_values);
	tcase_add_test(tc, special_values);
	tcase_add_test(tc, histogram_init_checks);
	tcase_add_test(tc, histogram_observe_buckets);
	tcase_add_test(tc, histogram_write_cumulative);
	tcase_add_test(tc, histogram_write_integer_bounds);
	tcase_add_test(tc, histogram_write_empty);
	tcase_add_test(tc, histogram_exact_bounds_and_nan);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
