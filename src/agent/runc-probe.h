/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node's runc probe (sc_runc_probe) run beside the agent's start: `runc --version` is
 * 10-16 ms of each start, nearly all of it runc's own (a Go program starting up), and its
 * answer is needed only once a profile's text is made (SECCOMP_FILTER_FLAG_LOG or not), for
 * the .state key, the metrics and the log line that says it. So it runs on a thread of its own
 * from the start, and who needs the answer waits for it then. */
#pragma once

#include <stdbool.h>

struct sc_runc_async;

/* Start sc_runc_probe(host_root, ...) on a thread of its own (host_root is copied). When no
 * thread can be started, it runs here and now. 0 or -ENOMEM. */
int sc_runc_async_start(const char *host_root, struct sc_runc_async **ret);

/* Whether the answer is in: sc_runc_async_wait would not wait. Never blocks. */
bool sc_runc_async_done(const struct sc_runc_async *p);

/* sc_runc_probe's answer (1, 0, -ENOENT, -EINVAL), waiting for it the first time; its version
 * ("?" when unknown) and what runc printed instead ("" when nothing) in *ret_version and
 * *ret_said (borrowed, either may be NULL). From any thread, any number of times. */
int sc_runc_async_wait(struct sc_runc_async *p, const char **ret_version, const char **ret_said);

/* Keep a line logged while the probe runs, to be logged after its own (the order the log had
 * when the probe ran first). false: out of memory. */
bool sc_runc_async_hold(struct sc_runc_async *p, const char *level, const char *line);
/* The lines held, in order, to 'log' ('level' is a string literal); none are kept after. */
void sc_runc_async_release(struct sc_runc_async *p,
			   void (*log)(void *userdata, const char *level, const char *line),
			   void *userdata);

/* Waits for the probe when it still runs; drops the lines held. */
struct sc_runc_async *sc_runc_async_free(struct sc_runc_async *p);
