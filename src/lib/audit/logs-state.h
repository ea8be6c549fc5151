/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the state of an aggregation of records (struct sc_logs, its runs: a pid followed
 * across exec), shared by logs.c, which fills it record by record, logs-runs.c, its table of
 * runs, logs-heads.c, which keeps what a chunk's join needs, and logs-join.c, which joins the
 * aggregations of a file's chunks in file order (internal to src/lib/audit). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "syscage/audit.h"
#include "syscage/logs.h"

#define VIEW(s, n) ((struct sc_audit_view){ (s), (n) })

/* A 64-bit finalizer: hash table slots of pids and keys. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A string of 1 to 16 bytes as two words, which with its length tell it from any other:
 * overlapping loads (8 + 8, 4 + 4) or three bytes, with no byte loop. */
static inline void short_key(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
	if (n >= 8) {
		memcpy(a, s, 8);
		memcpy(b, s + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		*a = (uint64_t)y << 32 | x;
		*b = 0;
	} else {
		*a = (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[n / 2] << 8 |
		     (unsigned char)s[n - 1];
		*b = 0;
	}
}

/* The group of a recent comm, direct-mapped by its short key (short_key). */
struct cslot {
	uint64_t a, b;
	uint32_t n; /* the comm's length; 0 = empty (an empty comm is "unknown") */
	uint32_t gi;
};
#define COMM_SLOT_BITS 6
#define COMM_SLOTS     (1u << COMM_SLOT_BITS)

/* A pid's records since it last changed its comm or exe (a "run"): when a run ends with an
 * execve and the pid's next record names another program, the exec succeeded, and the run,
 * made under the same filter by the process that became that program (`syscage run`, runc's
 * init), is the program's: without its execve, the learned profile cannot start it. */
struct run_entry {
	enum sc_arch arch;
	uint32_t nr;
	const char *name;
	enum sc_action action;
	uint32_t data;
	uint32_t gidx; /* where its entry in the run's group may be (checked: see add_fast()) */
	uint32_t at;   /* the run's records before its first one */
	uint64_t count, first_ms, last_ms;
};

/* A group a chunk's head went to, and the number of its records before that (0 for the
 * first; an exec's: the record of the new program). */
struct run_step {
	ssize_t gi;
	uint64_t at;
};

/* A run stops being tracked past these (a long-lived process, not one about to exec): the
 * per-record cost stays a short scan. A run goes long on a new entry when it has
 * RUN_MAX_ENTRIES entries or RUN_MAX_RECORDS records. */
#define RUN_MAX_ENTRIES	     128
#define RUN_MAX_RECORDS	     1024
/* A chunk's first run of a pid (its head) notes on past that, up to one entry more: where its
 * run with the one before the cut (at most RUN_MAX_ENTRIES entries) goes long is among its first
 * RUN_MAX_ENTRIES + 1 entries (logs-join.c, long_at()), and while it is not long, the head holds
 * every entry (the join adds them to the run). */
#define RUN_HEAD_MAX_ENTRIES (RUN_MAX_ENTRIES + 1)
/* The table of runs is cleared at the pid record after its RUN_MAX_PIDS-th pid's first. */
#define RUN_MAX_PIDS	     (1u << 16)

/* A run's entries by syscall number: open addressing, twice as many slots as entries, so a
 * lookup is a probe or two (numbers are dense from 0: the low bits, with the next ones folded
 * in, spread them). */
#define RUN_SLOTS (2 * RUN_MAX_ENTRIES)
static inline unsigned run_slot(uint32_t nr)
{
	return (nr ^ nr >> 8) & (RUN_SLOTS - 1);
}

struct run {
	uint32_t pid; /* 0: empty slot */
	bool exec;    /* the last record was an execve or execveat */
	bool long_;   /* past RUN_MAX_*: never moved */
	bool lost;  /* entries dropped (with long_; a head's from its RUN_HEAD_MAX_ENTRIES-th on) */
	ssize_t gi; /* the group the run's records are in; -1: filtered out by --comm */
	char comm[SC_AUDIT_COMM_MAX];
	uint32_t comm_n;
	uint64_t exe_hash; /* of exe=, 0 without one */
	uint64_t records, denied, unknown_arch, unknown_syscall;
	uint64_t first_ms, last_ms;
	struct run_entry *e;
	uint32_t n_e, cap_e;
	uint64_t comm_a, comm_b; /* short_key() of a comm of 1 to 16 bytes */
	uint8_t slot[RUN_SLOTS]; /* from run_slot(nr) on: the index + 1 of an entry; 0 = empty */
	/* A chunk's first run of the pid (the head: the chunk could not know the run before it,
	 * which the join does): its first record's comm and exe, and the groups its records
	 * went to, the first record's then one per exec, in order. */
	bool head;
	bool first_long; /* the first comm did not fit in first_comm: never run_is() */
	uint32_t first_comm_n;
	uint64_t first_exe_hash;
	char first_comm[SC_AUDIT_COMM_MAX];
	struct run_step *path;
	uint32_t n_path, cap_path;
};

struct sc_logs {
	struct sc_logs_options o;
	struct sc_logs_stats stats;
	struct sc_logs_group *groups;
	size_t n_groups, cap_groups;
	struct gslot *gtab;
	size_t gtab_size;
	struct ekey *etab;
	size_t etab_size, etab_used;
	struct pslot *ptab;
	size_t ptab_size, ptab_used;
	/* the last record's group and its key, to skip hashing for runs */
	ssize_t last_group;
	struct cslot comms[COMM_SLOTS]; /* --by comm */
	size_t comm_len;		/* of o.comm */
	bool sorted;
	struct run *runs; /* by pid, open addressing */
	size_t runs_size, runs_used;
	bool holes; /* a run moved out of a group: entries or groups may be empty */
	bool fast;  /* no window, --by comm or pid: add_fast() may take a record */
	/* the window of loss (see window_record) */
	bool win_started, win_ended;
	struct sc_logs_stats pend, scratch;
	uint64_t lost_base; /* the highest audit_lost= before the window */
	/* A chunk of a file (sc_logs_set_chunk()): the heads that ended before the chunk did, and
	 * the groups --by pid renamed after an exec, for the join (sc_logs_join()). */
	bool chunk, heads_off; /* heads_off: the runs were cleared, no run after is a head */
	struct run *heads;
	size_t n_heads, cap_heads;
	size_t *renamed;
	size_t n_renamed, cap_renamed;
	/* The records that looked up a run (a pid's), and in a chunk, each pid's first of them in
	 * order (until the runs are cleared): where one reader's table fills (sc_logs_join()). */
	uint64_t clock;
	struct run_first *firsts;
	size_t n_firsts, cap_firsts;
	size_t rereads; /* chunks sc_logs_join() could not join, read again into this one */
};

/* Widen [*first, *last] to hold [first, last]; 0 means no time. */
static inline void widen(uint64_t *first, uint64_t *last, uint64_t f, uint64_t t)
{
	/* f - 1 wraps for 0 (no time: never below), *first - 1 for 0 (none yet: always above). */
	if (f - 1 < *first - 1)
		*first = f;
	if (t > *last)
		*last = t;
}

static inline bool run_is(const struct run *run, struct sc_audit_view comm, uint64_t exe_hash)
{
	uint64_t a, b;

	if (run->comm_n != comm.n)
		return false;
	if (comm.n >= 1 && comm.n <= 16) {
		short_key(comm.s, comm.n, &a, &b);
		if (a != run->comm_a || b != run->comm_b)
			return false;
	} else if (memcmp(run->comm, comm.s, comm.n) != 0) {
		return false;
	}
	return !exe_hash || !run->exe_hash || run->exe_hash == exe_hash;
}

/* A pid's first record in a chunk that looked up its run: l->clock then. */
struct run_first {
	uint32_t pid;
	uint64_t at;
};

/* logs-runs.c */
/* The pid's run, made when it has none; the table cleared first when full (a record's lookup). */
struct run *sc_logs_run_get(struct sc_logs *l, uint32_t pid);
/* The same, for a join: the table grows, never cleared (sc_logs_join() knows where it is). */
struct run *sc_logs_run_join_get(struct sc_logs *l, uint32_t pid);
/* The pid's run, if it has one (nothing made). */
const struct run *sc_logs_run_peek(const struct sc_logs *l, uint32_t pid);
void sc_logs_runs_clear(struct sc_logs *l);

/* logs.c */
void sc_logs_run_rename(struct run *run, struct sc_audit_view comm, uint64_t exe_hash);
int sc_logs_run_move(struct sc_logs *l, struct run *run, ssize_t gi);
int sc_logs_group_rename(struct sc_logs_group *g, struct sc_audit_view comm, uint32_t pid);
ssize_t sc_logs_group_like(struct sc_logs *dst, const struct sc_logs_group *sg);
int sc_logs_merge_into(struct sc_logs *dst, const struct sc_logs *src, bool keep_empty);

/* logs-heads.c: a chunk's heads, as logs.c reads its records */
/* Grow *p (of *cap elements of size sz) to hold n + 1. */
int sc_logs_grow(void **p, size_t *cap, size_t n, size_t sz);
void sc_logs_head_start(struct run *run, struct sc_audit_view comm, uint64_t exe_hash);
int sc_logs_path_add(struct run *run, ssize_t gi, uint64_t at);
int sc_logs_renamed_add(struct sc_logs *l, size_t gi);
int sc_logs_head_keep(struct sc_logs *l, struct run *run);
int sc_logs_heads_keep_all(struct sc_logs *l);
