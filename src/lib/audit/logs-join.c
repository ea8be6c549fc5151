/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the join of a file's chunks (sc_logs_join()): how each chunk's heads (logs-heads.c)
 * meet, in file order, the runs their pids had at the cut, so that a pid is followed across an
 * exec wherever the cuts fall. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/logs.h"
#include "audit/logs-internal.h"
#include "audit/logs-state.h"

/* ---- joining a file's chunks -----------------------------------------------------------
 * A chunk parsed on its own starts every pid's run afresh: what its first run (the head) owes
 * to the run the pid had when the chunk began is settled here, in file order, as one reader
 * would have done it. The joined aggregation keeps each pid's run as it is at the end of what
 * was joined, for the next chunk's heads. */

void sc_logs_set_chunk(struct sc_logs *l)
{
	l->chunk = true;
}

/* The joined aggregation's index of the chunk's group gi. */
static ssize_t chunk_gi(struct sc_logs *dst, const struct sc_logs *c, ssize_t gi)
{
	size_t n = dst->n_groups;
	ssize_t r = sc_logs_group_like(dst, &c->groups[gi]);

	if (r >= 0 && dst->n_groups != n)
		dst->holes = true; /* made empty, if nothing moves in: compacted away */
	return r;
}

static struct run_entry *run_find(const struct run *run, const struct run_entry *x, unsigned *slot)
{
	unsigned j = run_slot(x->nr);

	for (; run->slot[j]; j = (j + 1) & (RUN_SLOTS - 1)) {
		struct run_entry *e = &run->e[run->slot[j] - 1];
		if (e->nr == x->nr && e->arch == x->arch && e->action == x->action &&
		    e->data == x->data)
			return e;
	}
	*slot = j;
	return NULL;
}

/* The pid's run in dst becomes src's, in dst's group gi; *ret: it. */
static int run_copy(struct sc_logs *dst, const struct run *src, ssize_t gi, struct run **ret)
{
	struct run *r = sc_logs_run_join_get(dst, src->pid);
	struct run_entry *e;
	uint32_t cap;

	if (!r)
		return -ENOMEM;
	e = r->e;
	cap = r->cap_e;
	if (cap < src->n_e) {
		e = realloc(e, src->n_e * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->e = e;
		cap = r->cap_e = src->n_e;
	}
	free(r->path);
	*r = *src;
	r->e = e;
	r->cap_e = cap;
	if (src->n_e)
		memcpy(e, src->e, src->n_e * sizeof(*e));
	r->gi = gi;
	r->head = false;
	r->lost = r->long_; /* notes nothing more when long (a head's entries went on) */
	r->path = NULL;
	r->n_path = r->cap_path = 0;
	*ret = r;
	return 0;
}

/* Where t, then h, as one run would have gone long (run_note(): a new entry when the run has
 * RUN_MAX_ENTRIES entries or RUN_MAX_RECORDS records): the number of h's records before that
 * record; -1: before h's first (t was); INT64_MAX: never. A head notes its entries on past where
 * it went long by itself (L, its L-th entry), so this is known: when t (not long: at most
 * RUN_MAX_ENTRIES entries) and h's entries before its i-th went on together, the i-th is new
 * to t and i >= L, the run goes long there (past the records of L, or holding its entries), and
 * such an i is at most RUN_MAX_ENTRIES (the entries from L to i are t's, and with the ones
 * before L that t had not, hold at most RUN_MAX_ENTRIES): among the RUN_HEAD_MAX_ENTRIES a head
 * keeps. *sure is false only when h dropped entries otherwise (its records in two groups). */
static int64_t long_at(const struct run *t, const struct run *h, bool *sure)
{
	uint32_t n = t->n_e;
	unsigned j;

	*sure = true;
	if (t->long_)
		return -1;
	for (uint32_t i = 0; i < h->n_e; i++) { /* in the order h made them */
		if (run_find(t, &h->e[i], &j))
			continue;
		if (n == RUN_MAX_ENTRIES || t->records + h->e[i].at >= RUN_MAX_RECORDS)
			return h->e[i].at;
		n++;
	}
	*sure = !h->lost;
	return h->lost ? (int64_t)h->records : INT64_MAX;
}

/* What one reader did at h's first record with t, the run its pid had in dst: went on with it
 * (*same), moved it to h's program (*exec: t ended with an execve), or neither. */
static void head_meets(const struct run *t, const struct run *h, bool *same, bool *exec)
{
	bool had = t && (t->records || t->long_);
	struct sc_audit_view first = VIEW(h->first_comm, h->first_comm_n);

	*same = had && !h->first_long && run_is(t, first, h->first_exe_hash);
	*exec = had && !*same && t->exec && !t->long_;
}

/* Can h (tail: still its pid's run at the chunk's end) be joined as one reader would have read
 * it? Not when the run it makes with its pid's run went long before an exec h made (the reader
 * started a new run there, the chunk moved h's records before it on, widening each group on
 * the way), or when where it went long is not known and matters (an exec in h, or the run goes
 * on into the next chunk). */
static bool head_joins(const struct sc_logs *dst, const struct sc_logs *c, const struct run *h,
		       bool tail)
{
	const struct run *t = sc_logs_run_peek(dst, h->pid);
	bool same, exec, sure = true;
	int64_t p;

	head_meets(t, h, &same, &exec);
	if ((!same && !exec) || !h->n_path)
		return true;
	/* One reader goes on with t, whose exe= (or its absence: matching any) then decides
	 * which of h's records are the same program; the chunk decided with h's first. When one
	 * of the two has no exe= and the other has, those decisions may differ. */
	if (same && !t->exe_hash != !h->first_exe_hash)
		return false;
	if (same && (t->gi < 0 || strcmp(dst->groups[t->gi].key, c->groups[h->path[0].gi].key)))
		p = -1; /* the same program in two groups (--by exe, a record without exe=) */
	else
		p = long_at(t, h, &sure);
	/* h went long by itself and ended with an exec: the chunk started the new program's run
	 * afresh, where one reader, its run with t not long, moved it on into that program. */
	if (!tail && h->long_ && h->exec && sure && p == INT64_MAX)
		return false;
	if (p == INT64_MAX || h->n_path < 2)
		return sure || !tail; /* no exec in h after its first record */
	return sure && (int64_t)h->path[h->n_path - 1].at <= p;
}

/* t goes on with h's records (never long together: see join_head()), as h's program, in gi. */
static int run_combine(struct run *t, const struct run *h, ssize_t gi, bool exec)
{
	for (uint32_t i = 0; i < h->n_e; i++) {
		unsigned j;
		struct run_entry *e = run_find(t, &h->e[i], &j);
		if (!e) {
			size_t cap = t->cap_e;
			int r = sc_logs_grow((void **)&t->e, &cap, t->n_e, sizeof(*t->e));
			if (r < 0)
				return r;
			t->cap_e = (uint32_t)cap;
			e = &t->e[t->n_e++];
			*e = h->e[i];
			e->at = (uint32_t)(t->records + h->e[i].at);
			e->count = 0;
			e->first_ms = e->last_ms = 0;
			e->gidx = UINT32_MAX;
			t->slot[j] = (uint8_t)t->n_e;
		}
		e->count += h->e[i].count;
		widen(&e->first_ms, &e->last_ms, h->e[i].first_ms, h->e[i].last_ms);
	}
	t->records += h->records;
	t->denied += h->denied;
	t->unknown_arch += h->unknown_arch;
	t->unknown_syscall += h->unknown_syscall;
	widen(&t->first_ms, &t->last_ms, h->first_ms, h->last_ms);
	t->exec = h->exec;
	/* Its exe changes only with an exec, here or in h. */
	uint64_t exe_hash = exec || h->n_path > 1 ? h->exe_hash : t->exe_hash;
	sc_logs_run_rename(t, VIEW(h->comm, h->comm_n), exe_hash);
	t->gi = gi;
	return 0;
}

/* Join the chunk c's head h (tail: it is still the pid's run at the chunk's end) to the run t its
 * pid has in dst (head_joins(h) holds). When h's first record is of t's program, or of the one
 * t just exec'd, one reader had made them one run: t's records go where h's went (to its first
 * record's group, then along each exec h made); a run long by then goes on long. */
static int join_head(struct sc_logs *dst, const struct sc_logs *c, const struct run *h, bool tail)
{
	struct run *t = sc_logs_run_join_get(dst, h->pid), *n;
	ssize_t gi = -1, g0;
	bool same, exec, sure;
	int64_t p;
	int r;

	if (!t)
		return -ENOMEM;
	if (tail && (gi = chunk_gi(dst, c, h->gi)) < 0)
		return (int)gi;
	head_meets(t, h, &same, &exec);
	if ((!same && !exec) || !h->n_path)
		return tail ? run_copy(dst, h, gi, &n) : 0;
	if ((g0 = chunk_gi(dst, c, h->path[0].gi)) < 0)
		return (int)g0;
	p = same && t->gi != g0 ? -1 : long_at(t, h, &sure);
	if (exec && dst->o.by == SC_LOGS_BY_PID && t->gi == g0 &&
	    (r = sc_logs_group_rename(&dst->groups[g0], VIEW(h->first_comm, h->first_comm_n),
				      h->pid)) < 0)
		return r;
	/* An exec of t moves it at h's first record, and each of h's (all before the run went
	 * long, or head_joins() would not hold). */
	for (uint32_t k = same ? 1 : 0; k < h->n_path; k++) {
		ssize_t to = chunk_gi(dst, c, h->path[k].gi);
		if (to < 0)
			return (int)to;
		if ((r = sc_logs_run_move(dst, t, to)) < 0)
			return r;
	}
	if (!tail)
		return 0;
	if (p != INT64_MAX) {
		if ((r = run_copy(dst, h, gi, &n)) < 0)
			return r;
		n->long_ = n->lost = true;
		return 0;
	}
	return run_combine(t, h, gi, exec);
}

/* --by pid: the name a group has after the chunk's last exec, where the chunk renamed one. */
static int join_renamed(struct sc_logs *dst, const struct sc_logs *c)
{
	for (size_t i = 0; i < c->n_renamed; i++) {
		const struct sc_logs_group *sg = &c->groups[c->renamed[i]];
		ssize_t gi = chunk_gi(dst, c, (ssize_t)c->renamed[i]);
		char *name, *comm;

		if (gi < 0)
			return (int)gi;
		name = strdup(sg->name);
		comm = strdup(sg->comm);
		if (!name || !comm) {
			free(name);
			free(comm);
			return -ENOMEM;
		}
		free(dst->groups[gi].name);
		free(dst->groups[gi].comm);
		dst->groups[gi].name = name;
		dst->groups[gi].comm = comm;
	}
	return 0;
}

size_t sc_logs_rereads(const struct sc_logs *l)
{
	return l->rereads;
}

/* One reader's table of runs fills at its RUN_MAX_PIDS-th pid and is cleared at the next record
 * that looks up a run (sc_logs_run_get()). dst's table is one reader's at the cut: when full, it
 * is cleared now (c's first such record clears it). True when the reader clears it again within
 * c: c, whose own table did not, cannot be joined. (After a join, dst's table holds its pids and
 * c's, one reader's.) */
static bool clears_within(struct sc_logs *dst, const struct sc_logs *c)
{
	size_t k;

	if (!c->clock)
		return false;
	if (dst->runs_used >= RUN_MAX_PIDS)
		sc_logs_runs_clear(dst);
	if (c->heads_off)
		return true; /* c's own table filled: one reader's did, by then */
	k = dst->runs_used;
	for (size_t i = 0; i < c->n_firsts; i++)
		if (!sc_logs_run_peek(dst, c->firsts[i].pid) && ++k == RUN_MAX_PIDS)
			return c->firsts[i].at + 1 < c->clock;
	return false;
}

/* Can every head of c be joined to dst as one reader would have read on? */
static bool chunk_joins(struct sc_logs *dst, const struct sc_logs *c)
{
	if (clears_within(dst, c))
		return false;
	for (size_t i = 0; i < c->n_heads; i++)
		if (!head_joins(dst, c, &c->heads[i], false))
			return false;
	for (size_t i = 0; i < c->runs_size; i++)
		if (c->runs[i].pid && c->runs[i].head && (c->runs[i].records || c->runs[i].long_) &&
		    !head_joins(dst, c, &c->runs[i], true))
			return false;
	return true;
}

int sc_logs_join(struct sc_logs *dst, const struct sc_logs *c)
{
	int r;

	/* Nothing is changed before it is known that every head can be joined. */
	if (!chunk_joins(dst, c)) {
		dst->rereads++;
		return 1;
	}
	r = sc_logs_merge_into(dst, c, true);

	dst->holes |= c->holes;
	if (r < 0 || dst->o.by == SC_LOGS_BY_CONTAINER)
		return r;
	/* The heads that ended in the chunk, then each pid's run at its end. */
	for (size_t i = 0; i < c->n_heads; i++)
		if ((r = join_head(dst, c, &c->heads[i], false)) < 0)
			return r;
	for (size_t i = 0; i < c->runs_size; i++) {
		const struct run *run = &c->runs[i];
		struct run *n;
		ssize_t gi;

		if (!run->pid || !(run->records || run->long_))
			continue;
		if (run->head)
			r = join_head(dst, c, run, true);
		else if ((gi = chunk_gi(dst, c, run->gi)) < 0)
			r = (int)gi;
		else
			r = run_copy(dst, run, gi, &n);
		if (r < 0)
			return r;
	}
	return join_renamed(dst, c);
}
