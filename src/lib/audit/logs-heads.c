/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns what a chunk of a file keeps of every pid's first run (its head) while logs.c reads the
 * chunk's records: its first comm and exe, the groups its records went to, and the groups
 * --by pid renamed, for the join (logs-join.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/logs-state.h"

/* Grow *p (of *cap elements of size sz) to hold n + 1. */
int sc_logs_grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *np = realloc(*p, nc * sz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

/* The pid's first record in the chunk starts its head. */
void sc_logs_head_start(struct run *run, struct sc_audit_view comm, uint64_t exe_hash)
{
	run->head = true;
	run->first_long = comm.n > sizeof(run->first_comm);
	run->first_comm_n = run->first_long ? 0 : (uint32_t)comm.n;
	memcpy(run->first_comm, comm.s, run->first_comm_n);
	run->first_exe_hash = exe_hash;
}

int sc_logs_path_add(struct run *run, ssize_t gi, uint64_t at)
{
	size_t cap = run->cap_path;
	int r = sc_logs_grow((void **)&run->path, &cap, run->n_path, sizeof(*run->path));

	if (r < 0)
		return r;
	run->cap_path = (uint32_t)cap;
	run->path[run->n_path++] = (struct run_step){ gi, at };
	return 0;
}

int sc_logs_renamed_add(struct sc_logs *l, size_t gi)
{
	int r;

	if (!l->chunk)
		return 0;
	if ((r = sc_logs_grow((void **)&l->renamed, &l->cap_renamed, l->n_renamed,
			      sizeof(size_t))) < 0)
		return r;
	l->renamed[l->n_renamed++] = gi;
	return 0;
}

/* The pid's head ends (another program's run starts, not by exec): kept for the join, with its
 * entries and path. */
int sc_logs_head_keep(struct sc_logs *l, struct run *run)
{
	int r;

	if (!run->head)
		return 0;
	if ((r = sc_logs_grow((void **)&l->heads, &l->cap_heads, l->n_heads, sizeof(*l->heads))) <
	    0)
		return r;
	l->heads[l->n_heads++] = *run;
	*run = (struct run){ .pid = run->pid, .gi = run->gi };
	return 0;
}

/* Before the runs are cleared: every head is kept, and no run after is one (its pid's records
 * before the clear are in the chunk). */
int sc_logs_heads_keep_all(struct sc_logs *l)
{
	int r;

	for (size_t i = 0; l->chunk && i < l->runs_size; i++)
		if (l->runs[i].pid && (r = sc_logs_head_keep(l, &l->runs[i])) < 0)
			return r;
	l->heads_off = l->chunk;
	return 0;
}
