/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns what logs.c lends logs-feed.c (internal to src/lib/audit): whether an aggregation
 * filters by a window, its options, the accounting of one audit serial, and the join of a
 * file's chunks in file order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscage/logs.h"

/* With --since/--until/--comm/--pid: loss counts relative to the window, read in file order. */
bool sc_logs_has_window(const struct sc_logs *l);
const struct sc_logs_options *sc_logs_opts(const struct sc_logs *l);
/* l is a chunk of a file: it keeps what sc_logs_join() needs of each pid's first run. */
void sc_logs_set_chunk(struct sc_logs *l);
/* Merge the chunk c, the next in file order, into dst as if one reader had read on: a pid's
 * run that crosses the cut (its execve before it, its new program after) is followed. 1: c
 * cannot be (a run long only with the records before the cut, or not long with them, that
 * execs in c; one reader's table of runs fills within c), dst is one reader's at the cut: read
 * the chunk again into dst; 0; or -ENOMEM. */
int sc_logs_join(struct sc_logs *dst, const struct sc_logs *c);
/* How many chunks sc_logs_join() sent back to be read again, over l's life (tests, benches). */
size_t sc_logs_rereads(const struct sc_logs *l);
/* A record with this serial was read from src: gaps (and late records filling them) into dst. */
void sc_logs_serial_seen(struct sc_logs_stats *dst, struct sc_logs_source *src, uint64_t serial);
