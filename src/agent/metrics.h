/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus text exposition (format 0.0.4): HELP/TYPE lines, samples with escaped label
 * values, and a fixed-bucket histogram. Writes to a FILE (an open_memstream for /metrics). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SC_HISTOGRAM_MAX_BUCKETS 16

struct sc_histogram {
	double bounds[SC_HISTOGRAM_MAX_BUCKETS]; /* upper bounds, ascending; +Inf is implied */
	uint64_t counts[SC_HISTOGRAM_MAX_BUCKETS + 1]; /* per bucket (not cumulative) */
	size_t n;
	double sum;
	uint64_t count;
};

/* "# HELP name help\n# TYPE name type\n" (type: counter, gauge, histogram). */
void sc_metric_header(FILE *f, const char *name, const char *type, const char *help);
/* One sample: name{labels} value. 'labels' is NULL or pairs "k1", "v1", "k2", "v2", ...
 * ending with NULL; values are escaped (\\, \", \n). */
void sc_metric_sample(FILE *f, const char *name, double value, ...);

/* Buckets from 'bounds' (ascending, at most SC_HISTOGRAM_MAX_BUCKETS); -EINVAL otherwise. */
int sc_histogram_init(struct sc_histogram *h, const double *bounds, size_t n);
void sc_histogram_observe(struct sc_histogram *h, double value);
/* HELP/TYPE, cumulative _bucket{le=...} lines, _sum and _count. */
void sc_histogram_write(FILE *f, const char *name, const char *help, const struct sc_histogram *h);
