/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's log lines are key=value pairs ("event=violation pod=web-0 comm=\"a b\""): values
 * bare when they are plain words, else double-quoted with '"' and '\\' escaped, so a log parser
 * reads every line whatever a process, a path or runc calls itself. */
#pragma once

#include <stddef.h>

#include "syscage/violations.h"

/* 'text' as a quoted value in buf: '"' and '\\' escaped, control characters as spaces; cut to
 * fit. Returns buf. */
const char *sc_log_quote(const char *text, char *buf, size_t size);

/* A value as a log line holds it: 'value' itself when a plain word (no space, quote, '=',
 * backslash or control character), else quoted with control characters as \xHH; "-" for NULL
 * or "". Cut to fit 'size' (at least 8). Returns buf. */
const char *sc_log_value(const char *value, char *buf, size_t size);

/* Append " key=value" at buf + *o (advanced): bare when the value is a plain word, quoted with
 * control characters as \xHH otherwise, "-" when it is NULL or empty. */
void sc_log_kv(char *buf, size_t size, size_t *o, const char *key, const char *value);

/* "event=violation namespace=... pod=... container=... container_id=... runtime=... pid=...
 * comm=... exe=... syscall=... nr=... action=... attribution=...[ unattributed=...]": the pod
 * container, or for a container outside pods its id and runtime (as in /violations). */
void sc_violation_log_line(const struct sc_violation *x, char *buf, size_t size);
