/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns what logs.c lends logs-feed.c (internal to src/lib/audit): whether an aggregation
 * filters by a window, its options, and the accounting of one audit serial. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "syscage/logs.h"

/* With --since/--until/--comm/--pid: loss counts relative to the window, read in file order. */
bool sc_logs_has_window(const struct sc_logs *l);
const struct sc_logs_options *sc_logs_opts(const struct sc_logs *l);
/* A record with this serial was read from src: gaps (and late records filling them) into dst. */
void sc_logs_serial_seen(struct sc_logs_stats *dst, struct sc_logs_source *src, uint64_t serial);
