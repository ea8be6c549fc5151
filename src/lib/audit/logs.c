/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the aggregation of seccomp audit records into workloads (by pid, comm, exe or
 * container), their profiles and violation reports, and the loss accounting (kernel
 * messages, the audit_lost counter, serial gaps). Hash tables with open addressing keep the
 * per-record cost at a couple of probes; the last group is cached because records of one
 * workload come in runs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/cgroup.h"
#include "syscage/implicit.h"
#include "syscage/logs.h"
#include "syscage/pods.h"
#include "syscage/syscalls.h"
#include "audit/logs-internal.h"
#include "audit/logs-state.h"
#include "node/proc.h"
#include "macro.h"

static const char *const by_names[_SC_LOGS_BY_COUNT] = {
	[SC_LOGS_BY_COMM] = "comm",
	[SC_LOGS_BY_PID] = "pid",
	[SC_LOGS_BY_EXE] = "exe",
	[SC_LOGS_BY_CONTAINER] = "container",
};

enum sc_logs_by sc_logs_by_from_string(const char *s)
{
	for (int i = 0; s && i < _SC_LOGS_BY_COUNT; i++)
		if (streq(s, by_names[i]))
			return i;
	return _SC_LOGS_BY_INVALID;
}

const char *sc_logs_by_to_string(enum sc_logs_by by)
{
	return (unsigned)by < _SC_LOGS_BY_COUNT ? by_names[by] : NULL;
}

bool sc_logs_stats_lossy(const struct sc_logs_stats *s)
{
	return s->suppressed || s->rate_limit_events || s->backlog_events || s->printk_events ||
	       s->lost_counter || s->serial_gaps || s->kmsg_overruns || s->kmsg_wrapped ||
	       s->truncated_unread;
}

/* KILL_PROCESS, KILL_THREAD, KILL, TRAP and ERRNO are the first five actions: one compare on
 * the per-record path. */
_Static_assert(SC_ACT_KILL_PROCESS == 0 && SC_ACT_KILL_THREAD == 1 && SC_ACT_KILL == 2 &&
		       SC_ACT_TRAP == 3 && SC_ACT_ERRNO == 4,
	       "the denials are the first five actions");
static inline bool is_denial(enum sc_action a)
{
	return (unsigned)a <= SC_ACT_ERRNO;
}

bool sc_logs_action_is_denial(enum sc_action a)
{
	return is_denial(a);
}

/* ---- hash tables ---------------------------------------------------------------------- */

/* Eight bytes at a time: keys are comms, pids and paths. */
static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w, unused;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = mix64(h ^ w);
	}
	/* The last 1 to 7 bytes (the length is in h already). */
	w = 0;
	if (n > 0)
		short_key(s, n, &w, &unused);
	return mix64(h ^ w);
}

/* Entry table: (group, arch, nr, action, data) -> index in the group's entries. */
struct ekey {
	uint64_t a, b; /* a: group << 32 | nr; b: arch << 40 | action << 32 | data; 0/0 = empty */
	uint32_t idx;
};

/* Group table slot. */
struct gslot {
	uint64_t hash;
	uint32_t idx; /* group index + 1; 0 = empty */
};

/* pid -> group cache for --by container (one /proc read per pid). */
struct pslot {
	uint32_t pid;
	uint32_t idx; /* group index + 1; 0 = empty */
};

static bool has_window(const struct sc_logs *l);

struct sc_logs *sc_logs_new(const struct sc_logs_options *o)
{
	struct sc_logs *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (o)
		l->o = *o;
	l->comm_len = l->o.comm ? strlen(l->o.comm) : 0;
	l->fast = !has_window(l) && (l->o.by == SC_LOGS_BY_COMM || l->o.by == SC_LOGS_BY_PID);
	l->last_group = -1;
	l->gtab_size = 64;
	l->etab_size = 1024;
	l->gtab = calloc(l->gtab_size, sizeof(*l->gtab));
	l->etab = calloc(l->etab_size, sizeof(*l->etab));
	if (!l->gtab || !l->etab)
		return sc_logs_free(l);
	return l;
}

struct sc_logs *sc_logs_free(struct sc_logs *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->n_groups; i++) {
		struct sc_logs_group *g = &l->groups[i];
		free(g->key);
		free(g->name);
		free(g->comm);
		free(g->exe);
		free(g->container);
		free(g->entries);
	}
	free(l->groups);
	free(l->gtab);
	free(l->etab);
	free(l->ptab);
	sc_logs_runs_clear(l);
	free(l->runs);
	free(l->firsts);
	for (size_t i = 0; i < l->n_heads; i++) {
		free(l->heads[i].e);
		free(l->heads[i].path);
	}
	free(l->heads);
	free(l->renamed);
	free(l);
	return NULL;
}

struct sc_logs_stats *sc_logs_stats(struct sc_logs *l)
{
	return &l->stats;
}

/* Printk times and the clocks read to convert them differ by a little. */
#define KMSG_SLACK_MS 2000

void sc_logs_kmsg_oldest(struct sc_logs *l, uint64_t seq, uint64_t time_ms,
			 const struct sc_audit_record *rec)
{
	struct sc_logs_stats *s = &l->stats;

	s->kmsg_oldest_seq = seq;
	s->kmsg_oldest_ms = time_ms;
	if (seq == 0)
		return; /* everything since boot is still there */
	if (l->o.has_since ? time_ms > l->o.since_ms + KMSG_SLACK_MS
			   : rec && rec->kind == SC_AUDIT_SECCOMP)
		s->kmsg_wrapped = 1;
}

static int gtab_grow(struct sc_logs *l)
{
	size_t ns = l->gtab_size * 2;
	struct gslot *t = calloc(ns, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < l->gtab_size; i++) {
		struct gslot s = l->gtab[i];
		if (!s.idx)
			continue;
		size_t j = s.hash & (ns - 1);
		while (t[j].idx)
			j = (j + 1) & (ns - 1);
		t[j] = s;
	}
	free(l->gtab);
	l->gtab = t;
	l->gtab_size = ns;
	return 0;
}

/* Find the group with 'key' or create it, named 'name', its first comm, exe and pid from
 * rec. Returns the index or -ENOMEM. */
/* The group with 'key' (up to its first NUL: keys are C strings, the parser's views hold none),
 * or -1; *hash: the key's, *slot: where the group is or would go in the table. */
static ssize_t group_find(const struct sc_logs *l, const char *key, size_t kn, uint64_t *hash,
			  size_t *slot)
{
	size_t n = strnlen(key, kn);
	uint64_t h = hash_bytes(key, n);
	size_t j = h & (l->gtab_size - 1);

	kn = n;
	*hash = h;
	for (; l->gtab[j].idx; j = (j + 1) & (l->gtab_size - 1)) {
		if (l->gtab[j].hash != h)
			continue;
		const struct sc_logs_group *g = &l->groups[l->gtab[j].idx - 1];
		if (g->key_len == kn && memcmp(g->key, key, kn) == 0)
			return l->gtab[j].idx - 1;
	}
	*slot = j;
	return -1;
}

static ssize_t group_get(struct sc_logs *l, const char *key, size_t kn, struct sc_audit_view name,
			 const struct sc_audit_record *rec, const char *container,
			 const char *runtime)
{
	uint64_t h;
	size_t j;
	ssize_t gi = group_find(l, key, kn, &h, &j);

	if (gi >= 0)
		return gi;
	kn = strnlen(key, kn);
	if (l->n_groups == l->cap_groups) {
		size_t nc = l->cap_groups ? l->cap_groups * 2 : 16;
		struct sc_logs_group *ng = realloc(l->groups, nc * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		l->groups = ng;
		l->cap_groups = nc;
	}
	struct sc_logs_group g = {
		.key = strndup(key, kn),
		.key_len = kn,
		.name = strndup(name.s, name.n),
		.comm = strndup(rec->comm_v.s, rec->comm_v.n),
		.exe = (rec->have & SC_AUDIT_HAVE_EXE) ? strndup(rec->exe_v.s, rec->exe_v.n) : NULL,
		.container = container ? strdup(container) : NULL,
		.runtime = runtime,
		.pid = rec->pid,
	};
	if (!g.key || !g.name || !g.comm || ((rec->have & SC_AUDIT_HAVE_EXE) && !g.exe) ||
	    (container && !g.container)) {
		free(g.key);
		free(g.name);
		free(g.comm);
		free(g.exe);
		free(g.container);
		return -ENOMEM;
	}
	l->groups[l->n_groups] = g;
	l->gtab[j] = (struct gslot){ .hash = h, .idx = (uint32_t)l->n_groups + 1 };
	l->n_groups++;
	if (l->n_groups * 2 > l->gtab_size && gtab_grow(l) < 0)
		return -ENOMEM;
	return (ssize_t)l->n_groups - 1;
}

static int etab_grow(struct sc_logs *l)
{
	size_t ns = l->etab_size * 2;
	struct ekey *t = calloc(ns, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < l->etab_size; i++) {
		struct ekey e = l->etab[i];
		if (!e.a && !e.b)
			continue;
		size_t j = mix64(e.a ^ mix64(e.b)) & (ns - 1);
		while (t[j].a || t[j].b)
			j = (j + 1) & (ns - 1);
		t[j] = e;
	}
	free(l->etab);
	l->etab = t;
	l->etab_size = ns;
	return 0;
}

/* The entry of (arch, nr, action, data) in group gi, created with count 0 when new. */
static struct sc_logs_entry *entry_get(struct sc_logs *l, size_t gi, enum sc_arch arch, uint32_t nr,
				       const char *name, enum sc_action action, uint32_t data)
{
	struct sc_logs_group *g = &l->groups[gi];
	/* +1 keeps a valid key from ever being all zero (the empty slot). */
	uint64_t a = (uint64_t)(gi + 1) << 32 | nr;
	uint64_t b = (uint64_t)(uint32_t)(arch + 1) << 40 | (uint64_t)action << 32 | data;
	size_t j = mix64(a ^ mix64(b)) & (l->etab_size - 1);
	struct sc_logs_entry *e;

	for (; l->etab[j].a || l->etab[j].b; j = (j + 1) & (l->etab_size - 1))
		if (l->etab[j].a == a && l->etab[j].b == b)
			return &g->entries[l->etab[j].idx];
	/* New entry: entries grow by doubling (powers of two). */
	if (g->n_entries == 0 || (g->n_entries >= 8 && (g->n_entries & (g->n_entries - 1)) == 0)) {
		size_t nc = g->n_entries ? g->n_entries * 2 : 8;
		struct sc_logs_entry *ne = realloc(g->entries, nc * sizeof(*ne));
		if (!ne)
			return NULL;
		g->entries = ne;
	}
	e = &g->entries[g->n_entries];
	*e = (struct sc_logs_entry){
		.arch = arch,
		.nr = nr,
		.name = name,
		.action = action,
		.data = data,
	};
	l->etab[j] = (struct ekey){ .a = a, .b = b, .idx = (uint32_t)g->n_entries };
	g->n_entries++;
	l->sorted = false;
	if (++l->etab_used * 2 > l->etab_size && etab_grow(l) < 0)
		return NULL;
	return &g->entries[g->n_entries - 1];
}

static int entry_add(struct sc_logs *l, size_t gi, const struct sc_audit_record *rec)
{
	uint64_t t = (rec->have & SC_AUDIT_HAVE_TIME) ? rec->time_ms : 0;
	struct sc_logs_entry *e =
		entry_get(l, gi, rec->arch, rec->nr, rec->name, rec->action, rec->data);

	if (!e)
		return -ENOMEM;
	e->count++;
	widen(&e->first_ms, &e->last_ms, t, t);
	return 0;
}

/* ---- containers ----------------------------------------------------------------------- */

/* The container of the process now running as 'pid', from its cgroup. */
static int container_of_pid(struct sc_logs *l, uint32_t pid, char *id, size_t id_size,
			    const char **runtime)
{
	char buf[8192 + 1];
	size_t n;

	if (pid == 0 || pid > INT_MAX)
		return 0;
	if (sc_proc_read_cgroup(l->o.proc_root, (pid_t)pid, buf, sizeof(buf), &n) < 0 || n == 0)
		return 0;
	return sc_container_from_cgroup(buf, n, id, id_size, runtime);
}

/* Can the process now running as rec->pid have made the record? Not when it started after
 * the record's time (with slack for clock rounding); records without a time are trusted. */
static bool same_process(struct sc_logs *l, const struct sc_audit_record *rec)
{
	struct sc_pods_paths p = { .proc_root = l->o.proc_root };
	uint64_t start;

	if (!(rec->have & SC_AUDIT_HAVE_TIME) || !rec->time_ms)
		return true;
	if (sc_pid_start_ms(&p, (pid_t)rec->pid, &start) < 0)
		return true; /* gone: container_of_pid finds nothing either */
	return start <= rec->time_ms + 2000;
}

static int ptab_put(struct sc_logs *l, uint32_t pid, uint32_t idx)
{
	if ((l->ptab_used + 1) * 2 > l->ptab_size) {
		size_t ns = l->ptab_size ? l->ptab_size * 2 : 256;
		struct pslot *t = calloc(ns, sizeof(*t));
		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < l->ptab_size; i++) {
			if (!l->ptab[i].idx)
				continue;
			size_t j = mix64(l->ptab[i].pid) & (ns - 1);
			while (t[j].idx)
				j = (j + 1) & (ns - 1);
			t[j] = l->ptab[i];
		}
		free(l->ptab);
		l->ptab = t;
		l->ptab_size = ns;
	}
	size_t j = mix64(pid) & (l->ptab_size - 1);
	while (l->ptab[j].idx && l->ptab[j].pid != pid)
		j = (j + 1) & (l->ptab_size - 1);
	if (!l->ptab[j].idx)
		l->ptab_used++;
	l->ptab[j] = (struct pslot){ .pid = pid, .idx = idx + 1 };
	return 0;
}

static ssize_t ptab_get(struct sc_logs *l, uint32_t pid)
{
	if (!l->ptab_size)
		return -1;
	for (size_t j = mix64(pid) & (l->ptab_size - 1); l->ptab[j].idx;
	     j = (j + 1) & (l->ptab_size - 1))
		if (l->ptab[j].pid == pid)
			return l->ptab[j].idx - 1;
	return -1;
}

/* ---- records -------------------------------------------------------------------------- */

/* --by comm: a comm of up to 16 bytes is looked up by its key first; a workload's records
 * come interleaved with others', so the last record's group is often not the one. */
static ssize_t group_of_comm(struct sc_logs *l, struct sc_audit_view comm,
			     const struct sc_audit_record *rec)
{
	uint64_t a, b;
	struct cslot *c;
	ssize_t gi;

	if (comm.n > 16)
		return group_get(l, comm.s, comm.n, comm, rec, NULL, NULL);
	short_key(comm.s, comm.n, &a, &b);
	c = &l->comms[((a ^ b * 0x9e3779b97f4a7c15ull ^ comm.n) * 0xff51afd7ed558ccdull) >>
		      (64 - COMM_SLOT_BITS)];
	if (c->n == comm.n && c->a == a && c->b == b)
		return c->gi;
	gi = group_get(l, comm.s, comm.n, comm, rec, NULL, NULL);
	if (gi >= 0)
		*c = (struct cslot){ .a = a, .b = b, .n = (uint32_t)comm.n, .gi = (uint32_t)gi };
	return gi;
}

static bool view_is(struct sc_audit_view v, const char *s, size_t n)
{
	return v.n == n && memcmp(v.s, s, n) == 0;
}

static ssize_t group_of(struct sc_logs *l, const struct sc_audit_record *rec)
{
	char key[SC_AUDIT_EXE_MAX + 32], name[SC_AUDIT_COMM_MAX + 32];
	struct sc_audit_view comm = (rec->have & SC_AUDIT_HAVE_COMM) && rec->comm_v.n
					    ? rec->comm_v
					    : VIEW("unknown", 7);
	ssize_t gi;
	size_t kn;

	/* Runs of records from one workload: compare with the last group first. */
	if (l->last_group >= 0) {
		const struct sc_logs_group *g = &l->groups[l->last_group];
		switch (l->o.by) {
		case SC_LOGS_BY_PID:
		case SC_LOGS_BY_CONTAINER:
			if (g->pid == rec->pid)
				return l->last_group;
			break;
		case SC_LOGS_BY_EXE:
			if ((rec->have & SC_AUDIT_HAVE_EXE) &&
			    view_is(rec->exe_v, g->key, g->key_len))
				return l->last_group;
			break;
		default:
			break;
		}
	}

	switch (l->o.by) {
	case SC_LOGS_BY_PID: {
		int nn;
		kn = (size_t)snprintf(key, sizeof(key), "%u", rec->pid);
		nn = snprintf(name, sizeof(name), "%.*s-%u", (int)comm.n, comm.s, rec->pid);
		return group_get(l, key, kn, VIEW(name, (size_t)nn), rec, NULL, NULL);
	}
	case SC_LOGS_BY_EXE: {
		struct sc_audit_view exe =
			(rec->have & SC_AUDIT_HAVE_EXE) && rec->exe_v.n ? rec->exe_v : comm;
		return group_get(l, exe.s, exe.n, exe, rec, NULL, NULL);
	}
	case SC_LOGS_BY_CONTAINER: {
		char id[160];
		const char *runtime = NULL;
		if (!(rec->have & SC_AUDIT_HAVE_PID))
			return group_get(l, comm.s, comm.n, comm, rec, NULL, NULL);
		gi = ptab_get(l, rec->pid);
		if (gi >= 0)
			return gi;
		if (!same_process(l, rec))
			/* The pid now belongs to a younger process: not the one that made the
			 * record. Its comm, uncached (later records may be the new process's). */
			return group_get(l, comm.s, comm.n, comm, rec, NULL, NULL);
		if (container_of_pid(l, rec->pid, id, sizeof(id), &runtime)) {
			int nn;
			kn = (size_t)snprintf(key, sizeof(key), "%s:%s", runtime, id);
			nn = snprintf(name, sizeof(name), "%s-%.12s", runtime, id);
			gi = group_get(l, key, kn, VIEW(name, (size_t)nn), rec, id, runtime);
		} else {
			/* Gone, or not in a container: fall back to comm. */
			gi = group_get(l, comm.s, comm.n, comm, rec, NULL, NULL);
		}
		if (gi >= 0 && ptab_put(l, rec->pid, (uint32_t)gi) < 0)
			return -ENOMEM;
		return gi;
	}
	case SC_LOGS_BY_COMM:
	default:
		return group_of_comm(l, comm, rec);
	}
}

/* ---- following a pid across exec ------------------------------------------------------ */

static struct sc_audit_view record_comm(const struct sc_audit_record *rec)
{
	return (rec->have & SC_AUDIT_HAVE_COMM) && rec->comm_v.n
		       ? rec->comm_v
		       : (struct sc_audit_view){ "unknown", 7 };
}

/* What tells one program from the next in a pid: its comm, and for --by exe its exe. */
static uint64_t record_exe_hash(const struct sc_logs *l, const struct sc_audit_record *rec)
{
	if (l->o.by != SC_LOGS_BY_EXE || !(rec->have & SC_AUDIT_HAVE_EXE) || !rec->exe_v.n)
		return 0;
	return hash_bytes(rec->exe_v.s, rec->exe_v.n) | 1;
}

void sc_logs_run_rename(struct run *run, struct sc_audit_view comm, uint64_t exe_hash)
{
	size_t n = comm.n < sizeof(run->comm) ? comm.n : sizeof(run->comm);

	memcpy(run->comm, comm.s, n);
	run->comm_n = (uint32_t)n;
	run->comm_a = run->comm_b = 0;
	if (n >= 1 && n <= 16)
		short_key(run->comm, n, &run->comm_a, &run->comm_b);
	run->exe_hash = exe_hash;
}

/* Start a new run for the program 'comm' (its entries' memory is kept). */
static void run_start(struct run *run, struct sc_audit_view comm, uint64_t exe_hash, ssize_t gi)
{
	struct run_entry *e = run->e;
	uint32_t cap = run->cap_e;

	*run = (struct run){ .pid = run->pid, .gi = gi, .e = e, .cap_e = cap };
	sc_logs_run_rename(run, comm, exe_hash);
}

static inline bool record_is_exec(const struct sc_audit_record *rec)
{
	/* Every record asks: the first bytes decide for almost all. */
	return rec->name && rec->name[0] == 'e' && rec->name[1] == 'x' && rec->name[2] == 'e' &&
	       !is_denial(rec->action) &&
	       (streq(rec->name, "execve") || streq(rec->name, "execveat"));
}

static bool entry_is(const struct run_entry *e, const struct sc_audit_record *rec)
{
	return e->nr == rec->nr && e->arch == rec->arch && e->action == rec->action &&
	       e->data == rec->data;
}

/* Note rec in its pid's run; *ret (when not NULL): its entry there, NULL when the run is
 * long. 0 or -ENOMEM. */
static inline __attribute__((always_inline)) int
run_note(struct run *run, const struct sc_audit_record *rec, struct run_entry **ret)
{
	uint64_t t = (rec->have & SC_AUDIT_HAVE_TIME) ? rec->time_ms : 0;
	struct run_entry *e = NULL;
	unsigned j;

	run->exec = record_is_exec(rec);
	if (ret)
		*ret = NULL;
	if (run->lost)
		return 0;
	for (j = run_slot(rec->nr); run->slot[j]; j = (j + 1) & (RUN_SLOTS - 1))
		if (entry_is(&run->e[run->slot[j] - 1], rec)) {
			e = &run->e[run->slot[j] - 1];
			break;
		}
	if (!e) {
		if (run->n_e >= RUN_MAX_ENTRIES || run->records >= RUN_MAX_RECORDS) {
			run->long_ = true;
			/* A head notes on, for its join (RUN_HEAD_MAX_ENTRIES). */
			if (!run->head || run->n_e == RUN_HEAD_MAX_ENTRIES) {
				run->lost = true;
				return 0;
			}
		}
		if (run->n_e == run->cap_e) {
			uint32_t nc = run->cap_e ? run->cap_e * 2 : 16;
			struct run_entry *ne = realloc(run->e, nc * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			run->e = ne;
			run->cap_e = nc;
		}
		e = &run->e[run->n_e++];
		*e = (struct run_entry){ .arch = rec->arch,
					 .nr = rec->nr,
					 .name = rec->name,
					 .action = rec->action,
					 .data = rec->data,
					 .gidx = UINT32_MAX,
					 .at = (uint32_t)run->records };
		run->slot[j] = (uint8_t)run->n_e; /* at most RUN_HEAD_MAX_ENTRIES: fits */
	}
	if (ret)
		*ret = e;
	e->count++;
	widen(&e->first_ms, &e->last_ms, t, t);
	run->records++;
	run->denied += is_denial(rec->action);
	run->unknown_arch += rec->arch < 0;
	run->unknown_syscall += rec->arch >= 0 && !rec->name;
	widen(&run->first_ms, &run->last_ms, t, t);
	return 0;
}

/* Move a run's records from its group (or from the filtered ones) to group 'gi' (or to the
 * filtered ones, -1). 0 or -ENOMEM. */
int sc_logs_run_move(struct sc_logs *l, struct run *run, ssize_t gi)
{
	struct sc_logs_stats *s = &l->stats;

	if (run->gi == gi)
		return 0;
	if (run->gi >= 0) {
		struct sc_logs_group *g = &l->groups[run->gi];
		for (uint32_t i = 0; i < run->n_e; i++) {
			const struct run_entry *re = &run->e[i];
			struct sc_logs_entry *e = entry_get(l, (size_t)run->gi, re->arch, re->nr,
							    re->name, re->action, re->data);
			if (!e)
				return -ENOMEM;
			e->count -= re->count;
		}
		g->records -= run->records;
		g->denied -= run->denied;
		l->holes = true;
	} else {
		s->filtered -= run->records;
		s->records += run->records;
		s->denied += run->denied;
		s->unknown_arch += run->unknown_arch;
		s->unknown_syscall += run->unknown_syscall;
	}
	if (gi >= 0) {
		for (uint32_t i = 0; i < run->n_e; i++) {
			const struct run_entry *re = &run->e[i];
			struct sc_logs_entry *e = entry_get(l, (size_t)gi, re->arch, re->nr,
							    re->name, re->action, re->data);
			if (!e)
				return -ENOMEM;
			e->count += re->count;
			widen(&e->first_ms, &e->last_ms, re->first_ms, re->last_ms);
		}
		struct sc_logs_group *g = &l->groups[gi];
		g->records += run->records;
		g->denied += run->denied;
		widen(&g->first_ms, &g->last_ms, run->first_ms, run->last_ms);
	} else {
		s->records -= run->records;
		s->denied -= run->denied;
		s->unknown_arch -= run->unknown_arch;
		s->unknown_syscall -= run->unknown_syscall;
		s->filtered += run->records;
	}
	run->gi = gi;
	return 0;
}

/* --by pid: a group made before the exec is named after the program the pid became. */
int sc_logs_group_rename(struct sc_logs_group *g, struct sc_audit_view comm, uint32_t pid)
{
	char name[SC_AUDIT_COMM_MAX + 32];
	int nn = snprintf(name, sizeof(name), "%.*s-%u", (int)comm.n, comm.s, pid);
	char *n = strndup(name, (size_t)nn), *c = strndup(comm.s, comm.n);

	if (!n || !c) {
		free(n);
		free(c);
		return -ENOMEM;
	}
	free(g->name);
	free(g->comm);
	g->name = n;
	g->comm = c;
	return 0;
}

static void account_serial_nr(struct sc_logs_stats *dst, struct sc_logs_source *src,
			      uint64_t serial)
{
	if (!src->has_serial) {
		src->has_serial = true;
		src->last_serial = serial;
		return;
	}
	if (serial > src->last_serial) {
		dst->serial_gaps += serial - src->last_serial - 1;
		src->last_serial = serial;
	} else if (serial < src->last_serial) {
		/* A late record fills a gap we counted; a big step back is a new boot. */
		if (src->last_serial - serial < 4096 && dst->serial_gaps > 0)
			dst->serial_gaps--;
		else if (src->last_serial - serial >= 4096)
			src->last_serial = serial;
	}
	/* equal: several records of one event share a serial */
}

static void account_serial(struct sc_logs_stats *dst, struct sc_logs_source *src,
			   const struct sc_audit_record *rec)
{
	if (src && (rec->have & SC_AUDIT_HAVE_SERIAL))
		account_serial_nr(dst, src, rec->serial);
}

/* ---- the window of loss ----------------------------------------------------------------
 * With --since/--until/--comm/--pid, only loss that can have hidden a record of the window
 * counts: a loss message or a serial gap next to (no record between) or after the first record
 * that passes the filters, up to the first record past --until. Loss of the hours before
 * --since, or before the workload's first record, is some other time's. */

static bool has_window(const struct sc_logs *l)
{
	return l->o.has_pid || l->o.comm || l->o.has_since || l->o.has_until;
}

static bool in_time(const struct sc_logs *l, const struct sc_audit_record *rec)
{
	return !(rec->have & SC_AUDIT_HAVE_TIME) ||
	       !((l->o.has_since && rec->time_ms < l->o.since_ms) ||
		 (l->o.has_until && rec->time_ms > l->o.until_ms));
}

/* Where loss read now goes: the statistics, the loss waiting for the window's first record, or
 * nowhere (after the window). */
static struct sc_logs_stats *loss_dest(struct sc_logs *l)
{
	if (!has_window(l) || (l->win_started && !l->win_ended))
		return &l->stats;
	if (!l->win_started)
		return &l->pend;
	memset(&l->scratch, 0, sizeof(l->scratch));
	return &l->scratch;
}

static void loss_commit(struct sc_logs *l)
{
	struct sc_logs_stats *s = &l->stats, *p = &l->pend;

	s->suppressed += p->suppressed;
	s->rate_limit_events += p->rate_limit_events;
	s->backlog_events += p->backlog_events;
	s->printk_events += p->printk_events;
	s->serial_gaps += p->serial_gaps;
	if (p->lost_counter > l->lost_base && p->lost_counter > s->lost_counter)
		s->lost_counter = p->lost_counter;
	memset(p, 0, sizeof(*p));
}

/* A record (any type) was read; 'matching': it is of the window. Accounts for its serial. */
static void window_record(struct sc_logs *l, struct sc_logs_source *src,
			  const struct sc_audit_record *rec, bool matching)
{
	if (!has_window(l)) {
		account_serial(&l->stats, src, rec);
		return;
	}
	if (l->o.has_until && (rec->have & SC_AUDIT_HAVE_TIME) && rec->time_ms > l->o.until_ms)
		l->win_ended = true;
	if (matching && !l->win_started) {
		l->win_started = true;
		loss_commit(l); /* the loss just before it may have hidden its predecessors */
	} else if (!l->win_started) {
		/* Loss before a record outside the window: outside too. The highest audit_lost
		 * seen so far is the baseline the window's must pass. */
		if (l->pend.lost_counter > l->lost_base)
			l->lost_base = l->pend.lost_counter;
		memset(&l->pend, 0, sizeof(l->pend));
		account_serial(&l->scratch, src, rec);
		return;
	}
	account_serial(loss_dest(l), src, rec);
}

/* The record of a pid whose run goes on (same comm, its group known) when nothing filters:
 * what sc_logs_add() does for it, without its lookups. The run's group is the record's (--by
 * comm: the group of the run's comm; --by pid: the pid's), and an entry hint is checked against
 * the entry's key before it is used. 1: added; 0: not such a record, for sc_logs_add(); or
 * -ENOMEM. */
static inline __attribute__((always_inline)) int
add_fast(struct sc_logs *l, struct sc_logs_source *src, const struct sc_audit_record *rec)
{
	struct sc_logs_stats *s = &l->stats;
	struct run *run;
	size_t j;
	int r;

	if (!l->fast || rec->kind != SC_AUDIT_SECCOMP || !(rec->have & SC_AUDIT_HAVE_PID) ||
	    !rec->pid || (l->runs_used + 1) * 2 > l->runs_size)
		return 0; /* sc_logs_run_get() would grow or clear the table first */
	for (j = mix64(rec->pid) & (l->runs_size - 1); l->runs[j].pid != rec->pid;
	     j = (j + 1) & (l->runs_size - 1))
		if (!l->runs[j].pid)
			return 0;
	run = &l->runs[j];
	if (run->gi < 0 || !(run->records || run->long_) || !run_is(run, record_comm(rec), 0))
		return 0;
	l->clock++;
	s->lines++;
	account_serial(s, src, rec);
	s->records++;
	if (rec->arch < 0)
		s->unknown_arch++;
	else if (!rec->name)
		s->unknown_syscall++;
	bool denied = is_denial(rec->action);
	s->denied += denied;
	l->last_group = run->gi;
	struct run_entry *re;
	if ((r = run_note(run, rec, &re)) < 0)
		return r;
	struct sc_logs_group *g = &l->groups[run->gi];
	struct sc_logs_entry *e = re && re->gidx < g->n_entries ? &g->entries[re->gidx] : NULL;
	if (!e || e->nr != rec->nr || e->arch != rec->arch || e->action != rec->action ||
	    e->data != rec->data) {
		e = entry_get(l, (size_t)run->gi, rec->arch, rec->nr, rec->name, rec->action,
			      rec->data);
		if (!e)
			return -ENOMEM;
		if (re)
			re->gidx = (uint32_t)(e - g->entries);
	}
	g->records++;
	g->denied += denied;
	if (rec->have & SC_AUDIT_HAVE_TIME) {
		widen(&g->first_ms, &g->last_ms, rec->time_ms, rec->time_ms);
		widen(&e->first_ms, &e->last_ms, rec->time_ms, rec->time_ms);
	}
	e->count++;
	return 1;
}

/* sc_logs_add() for every record add_fast() does not take. */
static __attribute__((noinline)) int add_slow(struct sc_logs *l, struct sc_logs_source *src,
					      const struct sc_audit_record *rec)
{
	struct sc_logs_stats *s = &l->stats, *ls;
	bool plain = !l->o.has_pid && !l->o.comm;

	s->lines++;
	switch (rec->kind) {
	case SC_AUDIT_FOREIGN:
		s->foreign++;
		return 0;
	case SC_AUDIT_MALFORMED:
		s->malformed++;
		window_record(l, src, rec, plain && in_time(l, rec));
		return 0;
	case SC_AUDIT_OTHER:
		s->other++;
		window_record(l, src, rec, plain && in_time(l, rec));
		return 0;
	case SC_AUDIT_LOSS:
		ls = loss_dest(l);
		account_serial(ls, src, rec);
		switch (rec->loss) {
		case SC_AUDIT_LOSS_SUPPRESSED:
			ls->suppressed += rec->lost;
			break;
		case SC_AUDIT_LOSS_RATE_LIMIT:
			ls->rate_limit_events++;
			break;
		case SC_AUDIT_LOSS_BACKLOG:
			ls->backlog_events++;
			break;
		case SC_AUDIT_LOSS_PRINTK:
			ls->printk_events++;
			break;
		default:
			break;
		}
		if (rec->lost > ls->lost_counter && rec->loss != SC_AUDIT_LOSS_SUPPRESSED &&
		    (ls != &l->stats || rec->lost > l->lost_base))
			ls->lost_counter = rec->lost;
		return 0;
	case SC_AUDIT_SECCOMP:
	default:
		break;
	}
	if ((l->o.has_pid && (!(rec->have & SC_AUDIT_HAVE_PID) || rec->pid != l->o.pid)) ||
	    !in_time(l, rec)) {
		window_record(l, src, rec, false);
		s->filtered++;
		return 0;
	}
	window_record(l, src, rec, !l->o.comm || view_is(rec->comm_v, l->o.comm, l->comm_len));

	/* The pid's run: did it just exec into another program? (--by container groups by
	 * what the pid is in, which an exec does not change.) */
	struct sc_audit_view comm = record_comm(rec);
	struct run *run = NULL;
	bool exec = false;
	int r;
	if (l->o.by != SC_LOGS_BY_CONTAINER && (rec->have & SC_AUDIT_HAVE_PID) && rec->pid) {
		uint64_t exe_hash = record_exe_hash(l, rec);
		run = sc_logs_run_get(l, rec->pid);
		if (!run)
			return -ENOMEM;
		l->clock++;
		if (!run->records && !run->long_) {
			bool head = run->head;
			run_start(run, comm, exe_hash, -1);
			if (head)
				sc_logs_head_start(run, comm, exe_hash);
		} else if (!run_is(run, comm, exe_hash)) {
			exec = run->exec && !run->long_;
			if (exec)
				sc_logs_run_rename(run, comm, exe_hash);
			else if ((r = sc_logs_head_keep(l, run)) < 0)
				return r;
			else
				run_start(run, comm, exe_hash, -1);
		}
	}
	if (l->o.comm && !view_is(rec->comm_v, l->o.comm, l->comm_len)) {
		s->filtered++;
		if (run && exec && (r = sc_logs_run_move(l, run, -1)) < 0)
			return r;
		return run ? run_note(run, rec, NULL) : 0;
	}
	s->records++;
	if (rec->arch < 0)
		s->unknown_arch++;
	else if (!rec->name)
		s->unknown_syscall++;
	if (is_denial(rec->action))
		s->denied++;

	ssize_t gi = group_of(l, rec);
	if (gi < 0)
		return (int)gi;
	l->last_group = gi;
	if (run) {
		if (exec && l->o.by == SC_LOGS_BY_PID && run->gi == gi &&
		    ((r = sc_logs_group_rename(&l->groups[gi], comm, rec->pid)) < 0 ||
		     (r = sc_logs_renamed_add(l, (size_t)gi)) < 0))
			return r;
		if (exec || run->gi < 0) {
			/* A new run has no records to move: this only sets its group. */
			r = sc_logs_run_move(l, run, gi);
			if (r < 0 ||
			    (run->head && (r = sc_logs_path_add(run, gi, run->records)) < 0))
				return r;
		} else if (run->gi != gi) {
			/* Its records went to two groups (--by exe, a record without exe=):
			 * it can no longer be moved as one. */
			run->long_ = run->lost = true;
		}
		if ((r = run_note(run, rec, NULL)) < 0)
			return r;
	}
	struct sc_logs_group *g = &l->groups[gi];
	g->records++;
	if (is_denial(rec->action))
		g->denied++;
	if (rec->have & SC_AUDIT_HAVE_TIME)
		widen(&g->first_ms, &g->last_ms, rec->time_ms, rec->time_ms);
	return entry_add(l, (size_t)gi, rec);
}

int sc_logs_add(struct sc_logs *l, struct sc_logs_source *src, const struct sc_audit_record *rec)
{
	int r = add_fast(l, src, rec);

	if (r)
		return r < 0 ? r : 0;
	return add_slow(l, src, rec);
}

int sc_logs_feed_line(struct sc_logs *l, struct sc_logs_source *src, const char *line, size_t len,
		      struct sc_audit_record *rec)
{
	enum sc_audit_kind k = sc_audit_parse_line_skip(line, len, SC_LOGS_PARSE_SKIP, rec);
	int r = sc_logs_add(l, src, rec);

	return r < 0 ? r : (int)k;
}

/* ---- merging ------------------------------------------------------ */

bool sc_logs_has_window(const struct sc_logs *l)
{
	return has_window(l);
}

const struct sc_logs_options *sc_logs_opts(const struct sc_logs *l)
{
	return &l->o;
}

void sc_logs_serial_seen(struct sc_logs_stats *dst, struct sc_logs_source *src, uint64_t serial)
{
	account_serial_nr(dst, src, serial);
}

/* dst's group with the key of sg, made (empty) from sg's fields when dst has none. */
ssize_t sc_logs_group_like(struct sc_logs *dst, const struct sc_logs_group *sg)
{
	uint64_t h;
	size_t j;
	ssize_t gi = group_find(dst, sg->key, sg->key_len, &h, &j);

	if (gi >= 0)
		return gi; /* (a record is large to clear) */
	/* group_get takes the first-seen fields from a record: give it one. */
	struct sc_audit_record seed = { .pid = sg->pid };

	seed.comm_v = VIEW(sg->comm, strlen(sg->comm));
	if (sg->exe) {
		seed.have |= SC_AUDIT_HAVE_EXE;
		seed.exe_v = VIEW(sg->exe, strlen(sg->exe));
	}
	return group_get(dst, sg->key, sg->key_len, VIEW(sg->name, strlen(sg->name)), &seed,
			 sg->container, sg->runtime);
}

/* keep_empty: the groups and entries whose records all moved out too, as one reader has them
 * until the end: the order of the groups is that of their first records, and an entry's times
 * stay those of every record it had (compacted away at the end when empty). */
int sc_logs_merge_into(struct sc_logs *dst, const struct sc_logs *src, bool keep_empty)
{
	struct sc_logs_stats *d = &dst->stats;
	const struct sc_logs_stats *s = &src->stats;

	d->lines += s->lines;
	d->records += s->records;
	d->filtered += s->filtered;
	d->foreign += s->foreign;
	d->other += s->other;
	d->malformed += s->malformed;
	d->unknown_arch += s->unknown_arch;
	d->unknown_syscall += s->unknown_syscall;
	d->denied += s->denied;
	d->overlong += s->overlong;
	d->suppressed += s->suppressed;
	d->rate_limit_events += s->rate_limit_events;
	d->backlog_events += s->backlog_events;
	d->printk_events += s->printk_events;
	d->serial_gaps += s->serial_gaps;
	d->kmsg_overruns += s->kmsg_overruns;
	d->truncated_unread += s->truncated_unread;
	if (s->kmsg_wrapped) {
		d->kmsg_wrapped = 1;
		d->kmsg_oldest_seq = s->kmsg_oldest_seq;
		d->kmsg_oldest_ms = s->kmsg_oldest_ms;
	}
	if (s->lost_counter > d->lost_counter)
		d->lost_counter = s->lost_counter;

	for (size_t i = 0; i < src->n_groups; i++) {
		const struct sc_logs_group *sg = &src->groups[i];
		if (!sg->records && !keep_empty)
			continue; /* its records moved to the program its pid exec'd */
		ssize_t gi = sc_logs_group_like(dst, sg);
		if (gi < 0)
			return (int)gi;
		struct sc_logs_group *g = &dst->groups[gi];
		g->records += sg->records;
		g->denied += sg->denied;
		widen(&g->first_ms, &g->last_ms, sg->first_ms, sg->last_ms);
		for (size_t k = 0; k < sg->n_entries; k++) {
			const struct sc_logs_entry *se = &sg->entries[k];
			if (!se->count && !keep_empty)
				continue;
			struct sc_logs_entry *e = entry_get(dst, (size_t)gi, se->arch, se->nr,
							    se->name, se->action, se->data);
			if (!e)
				return -ENOMEM;
			/* 'g' may have moved when entries grew: it is not used below. */
			e->count += se->count;
			widen(&e->first_ms, &e->last_ms, se->first_ms, se->last_ms);
		}
	}
	return 0;
}

int sc_logs_merge(struct sc_logs *dst, const struct sc_logs *src)
{
	return sc_logs_merge_into(dst, src, false);
}

/* ---- results -------------------------------------------------------------------------- */

static int entry_cmp(const void *x, const void *y)
{
	const struct sc_logs_entry *a = x, *b = y;
	int c;

	if (a->arch != b->arch)
		return a->arch < b->arch ? -1 : 1;
	if (a->name && b->name && (c = strcmp(a->name, b->name)))
		return c;
	if (!a->name != !b->name)
		return a->name ? -1 : 1;
	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	if (a->action != b->action)
		return a->action < b->action ? -1 : 1;
	return a->data < b->data ? -1 : a->data > b->data;
}

/* Drop the groups and entries a run moved out of (their counts are 0), as a merge into an
 * empty aggregation does. Group indices change: the caches that hold them are cleared. */
#define SWAP(a, b)                      \
	do {                            \
		__typeof__(a) t_ = (a); \
		(a) = (b);              \
		(b) = t_;               \
	} while (0)

static void compact(struct sc_logs *l)
{
	struct sc_logs *n = sc_logs_new(&l->o);

	if (!n || sc_logs_merge(n, l) < 0) {
		sc_logs_free(n);
		return; /* out of memory: the empty entries stay, unused by the results */
	}
	SWAP(l->groups, n->groups);
	SWAP(l->n_groups, n->n_groups);
	SWAP(l->cap_groups, n->cap_groups);
	SWAP(l->gtab, n->gtab);
	SWAP(l->gtab_size, n->gtab_size);
	SWAP(l->etab, n->etab);
	SWAP(l->etab_size, n->etab_size);
	SWAP(l->etab_used, n->etab_used);
	sc_logs_free(n);
	free(l->ptab);
	l->ptab = NULL;
	l->ptab_size = l->ptab_used = 0;
	sc_logs_runs_clear(l);
	memset(l->comms, 0, sizeof(l->comms));
	l->last_group = -1;
	l->holes = false;
	l->sorted = false;
}

static void sort_all(struct sc_logs *l)
{
	if (l->holes)
		compact(l);
	if (l->sorted)
		return;
	for (size_t i = 0; i < l->n_groups; i++) {
		struct sc_logs_group *g = &l->groups[i];
		qsort(g->entries, g->n_entries, sizeof(*g->entries), entry_cmp);
		/* Entry indices in the table are stale now: rebuild them. */
		for (size_t k = 0; k < g->n_entries; k++) {
			const struct sc_logs_entry *e = &g->entries[k];
			uint64_t a = (uint64_t)(i + 1) << 32 | e->nr;
			uint64_t b = (uint64_t)(uint32_t)(e->arch + 1) << 40 |
				     (uint64_t)e->action << 32 | e->data;
			size_t j = mix64(a ^ mix64(b)) & (l->etab_size - 1);
			while (l->etab[j].a != a || l->etab[j].b != b)
				j = (j + 1) & (l->etab_size - 1);
			l->etab[j].idx = (uint32_t)k;
		}
	}
	l->sorted = true;
}

size_t sc_logs_n_groups(struct sc_logs *l)
{
	if (l->holes)
		compact(l);
	return l->n_groups;
}

const struct sc_logs_group *sc_logs_group(struct sc_logs *l, size_t i)
{
	if (i >= l->n_groups)
		return NULL;
	sort_all(l);
	return &l->groups[i];
}

int sc_logs_group_profile(struct sc_logs *l, size_t i, struct sc_profile **ret)
{
	return sc_logs_group_profile_with(l, i, SC_RECORD_BASE_NONE, ret);
}

int sc_logs_group_profile_with(struct sc_logs *l, size_t i, enum sc_record_base base,
			       struct sc_profile **ret)
{
	const struct sc_logs_group *g = sc_logs_group(l, i);
	struct sc_profile *p;
	bool seen[_SC_ARCH_COUNT] = {};
	unsigned n_arches = 0;

	if (!g)
		return -ENOENT;
	for (size_t k = 0; k < g->n_entries; k++) {
		const struct sc_logs_entry *e = &g->entries[k];
		if (e->arch >= 0 && e->name && e->count && !sc_logs_action_is_denial(e->action) &&
		    !seen[e->arch]) {
			seen[e->arch] = true;
			n_arches++;
		}
	}
	if (!n_arches)
		return -ENOENT;
	p = sc_profile_new();
	if (!p)
		return -ENOMEM;
	p->default_action = SC_ACT_ERRNO;
	for_each_arch (a) {
		if (!seen[a])
			continue;
		if (sc_profile_add_arch(p, a) < 0)
			goto oom;
		/* Entries are sorted by arch then name: the names of 'a' are one run, with
		 * duplicates for different actions next to each other. */
		struct sc_rule *r = sc_profile_add_rule(p, SC_ACT_ALLOW, NULL, 0);
		if (!r)
			goto oom;
		const char *prev = NULL;
		for (size_t k = 0; k < g->n_entries; k++) {
			const struct sc_logs_entry *e = &g->entries[k];
			if (e->arch != a || !e->name || !e->count ||
			    sc_logs_action_is_denial(e->action))
				continue;
			if (prev && streq(prev, e->name))
				continue;
			if (sc_rule_add_name(r, e->name) < 0)
				goto oom;
			prev = e->name;
		}
		if (n_arches > 1) {
			char c[96];
			(void)snprintf(c, sizeof(c), "seen on %s", sc_arch_info(a)->name);
			r->comment = strdup(c);
			if (!r->comment)
				goto oom;
		}
	}
	if (sc_record_add_base(p, base) < 0 || sc_implicit_add(p) < 0)
		goto oom;
	*ret = p;
	return 0;
oom:
	sc_profile_free(p);
	return -ENOMEM;
}
