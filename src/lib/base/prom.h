/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text format's (0.0.4) escaping of label values, for every /metrics writer
 * (the agent's metrics, the violations counters). */
#pragma once

#include <stdio.h>

/* 'value' (NULL: "") as a label value between its quotes: \ as \\, " as \", newline as \n. */
void sc_prom_escape(FILE *f, const char *value);
