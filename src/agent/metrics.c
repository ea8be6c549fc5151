/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the Prometheus text format: headers, escaped samples, histograms. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/metrics.h"
#include "base/prom.h"

void sc_metric_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* Integers print as integers (counters stay exact); the rest with enough digits. */
static void value_out(FILE *f, double v)
{
	/* No libm: the comparisons say the same as isnan/isinf/fabs. */
	if (v != v)
		fputs("NaN", f);
	else if (v > DBL_MAX || v < -DBL_MAX)
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v < 9e15 && v > -9e15 && v == (double)(long long)v)
		fprintf(f, "%lld", (long long)v);
	else {
		/* The shortest that reads back as the same double (a timestamp in seconds with
		 * milliseconds needs 13 digits; "%.9g" was off by up to 100 s). */
		char buf[32];
		for (int prec = 15; prec <= 17; prec++) {
			(void)snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		fputs(buf, f);
	}
}

void sc_metric_sample(FILE *f, const char *name, double value, ...)
{
	va_list ap;
	const char *k;
	bool first = true;

	fputs(name, f);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		fputs(first ? "{" : ",", f);
		fprintf(f, "%s=\"", k);
		sc_prom_escape(f, v);
		fputc('"', f);
		first = false;
	}
	va_end(ap);
	if (!first)
		fputc('}', f);
	fputc(' ', f);
	value_out(f, value);
	fputc('\n', f);
}

int sc_histogram_init(struct sc_histogram *h, const double *bounds, size_t n)
{
	if (n > SC_HISTOGRAM_MAX_BUCKETS)
		return -EINVAL;
	/* Finite (+Inf is the implicit last bucket) and strictly increasing. */
	for (size_t i = 0; i < n; i++)
		if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
			return -EINVAL;
	memset(h, 0, sizeof(*h));
	memcpy(h->bounds, bounds, n * sizeof(*bounds));
	h->n = n;
	return 0;
}

void sc_histogram_observe(struct sc_histogram *h, double value)
{
	size_t i = 0;

	/* NaN is above every bound, as Prometheus' own clients count it. */
	while (i < h->n && (value > h->bounds[i] || isnan(value)))
		i++;
	h->counts[i]++;
	h->sum += value;
	h->count++;
}

void sc_histogram_write(FILE *f, const char *name, const char *help, const struct sc_histogram *h)
{
	char bucket[256], le[64];
	uint64_t cum = 0;

	sc_metric_header(f, name, "histogram", help);
	(void)snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (size_t i = 0; i < h->n; i++) {
		cum += h->counts[i];
		/* The shortest text that reads back as the bound (%g keeps 6 digits: two
		 * bounds could print alike). */
		for (int prec = 6; prec <= 17; prec++) {
			(void)snprintf(le, sizeof(le), "%.*g", prec, h->bounds[i]);
			if (strtod(le, NULL) == h->bounds[i])
				break;
		}
		sc_metric_sample(f, bucket, (double)cum, "le", le, (const char *)NULL);
	}
	sc_metric_sample(f, bucket, (double)h->count, "le", "+Inf", (const char *)NULL);
	(void)snprintf(bucket, sizeof(bucket), "%s_sum", name);
	sc_metric_sample(f, bucket, h->sum, (const char *)NULL);
	(void)snprintf(bucket, sizeof(bucket), "%s_count", name);
	sc_metric_sample(f, bucket, (double)h->count, (const char *)NULL);
}
