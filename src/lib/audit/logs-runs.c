/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the table of runs by pid (open addressing, grown by doubling from 256 slots): a record's
 * lookup clears it when it holds RUN_MAX_PIDS runs (bounded memory), a join's never does
 * (sc_logs_join() clears it where one reader would); in a chunk, each pid's first record there,
 * in order, for that join. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/logs-state.h"

void sc_logs_runs_clear(struct sc_logs *l)
{
	for (size_t i = 0; i < l->runs_size; i++) {
		free(l->runs[i].e);
		free(l->runs[i].path);
	}
	if (l->runs)
		memset(l->runs, 0, l->runs_size * sizeof(*l->runs));
	l->runs_used = 0;
}

const struct run *sc_logs_run_peek(const struct sc_logs *l, uint32_t pid)
{
	for (size_t j = mix64(pid) & (l->runs_size - 1); l->runs_size && l->runs[j].pid;
	     j = (j + 1) & (l->runs_size - 1))
		if (l->runs[j].pid == pid)
			return &l->runs[j];
	return NULL;
}

static int runs_grow(struct sc_logs *l)
{
	size_t ns = l->runs_size ? l->runs_size * 2 : 256;
	struct run *t = calloc(ns, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < l->runs_size; i++) {
		if (!l->runs[i].pid)
			continue;
		size_t j = mix64(l->runs[i].pid) & (ns - 1);
		while (t[j].pid)
			j = (j + 1) & (ns - 1);
		t[j] = l->runs[i];
	}
	free(l->runs);
	l->runs = t;
	l->runs_size = ns;
	return 0;
}

/* The pid's run, made (in a chunk: a head, its first record noted) when it has none; the table
 * has room. */
static struct run *runs_put(struct sc_logs *l, uint32_t pid)
{
	size_t j = mix64(pid) & (l->runs_size - 1);

	while (l->runs[j].pid && l->runs[j].pid != pid)
		j = (j + 1) & (l->runs_size - 1);
	if (!l->runs[j].pid) {
		bool head = l->chunk && !l->heads_off;
		if (head && sc_logs_grow((void **)&l->firsts, &l->cap_firsts, l->n_firsts,
					 sizeof(*l->firsts)) < 0)
			return NULL;
		if (head)
			l->firsts[l->n_firsts++] = (struct run_first){ pid, l->clock };
		l->runs[j] = (struct run){ .pid = pid, .gi = -1, .head = head };
		l->runs_used++;
	}
	return &l->runs[j];
}

struct run *sc_logs_run_get(struct sc_logs *l, uint32_t pid)
{
	if ((l->runs_used + 1) * 2 > l->runs_size) {
		/* The table holds at most RUN_MAX_PIDS runs (it grows while it has fewer, by
		 * doubling from 256: it is full at exactly that many). */
		if (l->runs_used >= RUN_MAX_PIDS) {
			if (sc_logs_heads_keep_all(l) < 0)
				return NULL;
			sc_logs_runs_clear(
				l); /* bounded memory: only exec-spanning runs are lost */
		} else if (runs_grow(l) < 0) {
			return NULL;
		}
	}
	return runs_put(l, pid);
}

struct run *sc_logs_run_join_get(struct sc_logs *l, uint32_t pid)
{
	struct run *run = (struct run *)sc_logs_run_peek(l, pid);

	if (run)
		return run;
	if ((l->runs_used + 1) * 2 > l->runs_size && runs_grow(l) < 0)
		return NULL;
	return runs_put(l, pid);
}
