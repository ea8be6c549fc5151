/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node recorder's kernel side (the agent's --record): every syscall entered by a task whose
 * cgroup v2 lies below one of the roots (the kubelet's kubepods cgroups) sets its bit in the
 * bitmap of that task's own cgroup, created at the cgroup's first syscall. Nothing waits for
 * user space: a container that lives five milliseconds leaves its bitmap behind, and user
 * space drains it when the cgroup's rmdir reaches it through the ring buffer, or on its next
 * periodic look. A bitmap that cannot be created (map full) is counted, never silently lost.
 *
 * A separate object from recorder.bpf.c (`syscage record`): the two are loaded by different
 * callers and neither pays for the other's maps or programs. CO-RE as there: the kernel
 * fields read are declared below with preserve_access_index. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "recorder.h"

struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup_root;

struct cgroup {
	struct kernfs_node *kn;
	struct cgroup_root *root;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	struct css_set *cgroups;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

/* The roots: their ids and depths below the cgroup v2 root. In .bss, which user space maps: a
 * root found later (a kubelet started after the agent) is added while the program runs, its
 * id and level first, then n_roots. */
__u64 root_id[SC_REC_NODE_MAX_ROOTS] = {};
__u32 root_level[SC_REC_NODE_MAX_ROOTS] = {};
__u32 n_roots = 0;
const volatile __u32 has_ts_compat = 1;
/* The generation of every CPU's cached verdict: bumped by every fork, every cgroup migration
 * and user space adding a root. */
__u64 sc_node_gen = 0;

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_REC_NODE_MAX_CGROUPS); /* set by user space before load */
	__type(key, __u64);			      /* cgroup id */
	__type(value, struct sc_rec_seen);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_rec_node_cpu);
} node_cpu SEC(".maps");

/* A zeroed value to create bitmaps from (the BPF stack is too small for one). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_rec_seen);
} zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_REC_NODE_N_STATS);
	__type(key, __u32);
	__type(value, __u64);
} node_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SC_REC_NODE_RING_BYTES);
} cgroup_events SEC(".maps");

/* An event is built here (too big for the BPF stack), then copied to the ring at its length. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_rec_node_event);
} scratch SEC(".maps");

static __always_inline void node_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&node_stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline int below_a_root(void)
{
	__u32 n = *(volatile __u32 *)&n_roots;

	for (__u32 i = 0; i < SC_REC_NODE_MAX_ROOTS; i++) {
		if (i >= n)
			return 0;
		if (bpf_get_current_ancestor_cgroup_id(root_level[i]) == root_id[i])
			return 1;
	}
	return 0;
}

/* Set the bit of syscall 'id' (as sys_enter gives it) in cgroup 'cg''s bitmap, made at its
 * first call. 'compat': the task is in an i386 syscall (TS_COMPAT). 'c': the CPU's cache (NULL
 * in the uncached program), whose copy of the bits spares the hash lookup once a call was
 * recorded. */
static __always_inline void record_call(struct sc_rec_node_cpu *c, __u64 cg, __u64 id, int compat)
{
	__u32 abi = compat ? SC_REC_ABI_COMPAT : SC_REC_ABI_NATIVE, nr, zkey = 0;
	struct sc_rec_seen *s;

	if (!compat && (id & SC_REC_X32_BIT)) {
		abi = SC_REC_ABI_X32;
		id &= ~(__u64)SC_REC_X32_BIT;
	}
	node_stat_inc(SC_REC_NODE_STAT_EVENTS);
	if (id >= SC_REC_MAX_NR) {
		node_stat_inc(SC_REC_NODE_STAT_OVERFLOW);
		return;
	}
	nr = (__u32)id;
	__u64 mask = 1ULL << (nr & 63);
	__u32 word = nr / 64;
	if (c && c->seen_cgroup == cg && (c->seen[abi][word] & mask))
		return;
	s = bpf_map_lookup_elem(&cgroups, &cg);
	if (!s) {
		struct sc_rec_seen *z = bpf_map_lookup_elem(&zero, &zkey);
		if (!z)
			return;
		/* -EEXIST: another CPU created it meanwhile; anything else: the map is full. */
		long r = bpf_map_update_elem(&cgroups, &cg, z, BPF_NOEXIST);
		if (r == 0)
			node_stat_inc(SC_REC_NODE_STAT_CGROUPS);
		s = bpf_map_lookup_elem(&cgroups, &cg);
		if (!s) {
			node_stat_inc(SC_REC_NODE_STAT_FULL);
			return;
		}
	}
	__u64 *w = &s->bits[abi][word];
	if (!(*w & mask))
		__sync_fetch_and_or(w, mask);
	if (!c)
		return;
	/* Only once the bit is in the map: a call that found the map full is tried again. */
	if (c->seen_cgroup != cg) {
		for (__u32 a = 0; a < SC_REC_N_ABI; a++)
			for (__u32 k = 0; k < SC_REC_WORDS; k++)
				c->seen[a][k] = 0;
		c->seen_cgroup = cg;
	}
	c->seen[abi][word] |= mask;
}

/* The hot path. Most syscalls on a node are made outside the roots, and most calls on a CPU
 * come from the task that made the previous one: the CPU keeps its verdict (struct
 * sc_rec_node_cpu) and a call checks it with plain loads, no helper call, where the uncached
 * way costs a bpf_get_current_ancestor_cgroup_id per root (about 45 ns each on the machines
 * measured, bench/record.sh). The verdict is the task's css_set's: a task moved to another
 * cgroup has another css_set, seen at its next call, before the migration's tracepoint runs.
 * The css_set is read first and the verdict taken after, so a move in between is caught at
 * the next call too. */
SEC("raw_tracepoint/sys_enter")
int sc_node_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(struct pt_regs *regs, long id) */
	__u64 regs = ctx->args[0], id = ctx->args[1];
	__u64 gen =
		*(volatile __u64 *)&sc_node_gen; /* before the test: a change after it is seen */
	__u32 key = 0;
	struct sc_rec_node_cpu *c = bpf_map_lookup_elem(&node_cpu, &key);
	struct task_struct *task;

	if (!c || !bpf_rdonly_cast)
		return 0;
	if (c->regs == regs && c->gen == gen) {
		task = bpf_rdonly_cast((void *)c->task,
				       bpf_core_type_id_kernel(struct task_struct));
		if ((__u64)task->cgroups == c->cset)
			goto cached;
	}
	c->task = bpf_get_current_task();
	task = bpf_rdonly_cast((void *)c->task, bpf_core_type_id_kernel(struct task_struct));
	c->cset = (__u64)task->cgroups;
	c->cgroup = below_a_root() ? bpf_get_current_cgroup_id() : 0;
	c->regs = regs;
	c->gen = gen;
cached:
	if (!c->cgroup)
		return 0;
	record_call(c, c->cgroup, id,
		    has_ts_compat && (task->thread_info.status & SC_REC_TS_COMPAT));
	return 0;
}

/* The same without the cache, for kernels without bpf_rdonly_cast (before 6.2): the roots,
 * the cgroup and thread_info.status through helper calls at every syscall. The loader picks
 * one of the two. */
SEC("raw_tracepoint/sys_enter")
int sc_node_sys_enter_probe(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task;
	int compat = 0;

	if (!below_a_root())
		return 0;
	if (has_ts_compat) {
		task = (struct task_struct *)bpf_get_current_task();
		compat = !!(BPF_CORE_READ(task, thread_info.status) & SC_REC_TS_COMPAT);
	}
	record_call(NULL, bpf_get_current_cgroup_id(), ctx->args[1], compat);
	return 0;
}

/* A new task may reuse a dead one's kernel stack, the key of the cached verdicts. */
SEC("raw_tracepoint/sched_process_fork")
int sc_node_fork(struct bpf_raw_tracepoint_args *ctx)
{
	__sync_fetch_and_add(&sc_node_gen, 1);
	return 0;
}

/* A task changed cgroups: its css_set differs already, this only makes it certain. */
SEC("raw_tracepoint/cgroup_attach_task")
int sc_node_cgroup_attach(struct bpf_raw_tracepoint_args *ctx)
{
	__sync_fetch_and_add(&sc_node_gen, 1);
	return 0;
}

/* A cgroup of the v2 hierarchy was made (with its path) or removed (its id only). Records are
 * as long as their path, so a burst of container starts fits the ring many times over. */
static __always_inline int cgroup_event(struct bpf_raw_tracepoint_args *ctx, __u32 kind)
{
	/* TP_PROTO(struct cgroup *cgrp, const char *path) */
	struct cgroup *cgrp = (struct cgroup *)ctx->args[0];
	const char *path = (const char *)ctx->args[1];
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct sc_rec_node_event *e;
	__u32 key = 0;
	__u64 size = SC_REC_NODE_EVENT_HEAD;
	long n;

	/* v1 hierarchies (hybrid systems) number their cgroups on their own. */
	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root))
		return 0;
	e = bpf_map_lookup_elem(&scratch, &key);
	if (!e)
		return 0;
	e->id = BPF_CORE_READ(cgrp, kn, id);
	e->kind = kind;
	e->len = 0;
	if (kind == SC_REC_NODE_MKDIR) {
		n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
		if (n > 0 && n <= SC_REC_NODE_PATH_MAX) {
			e->len = (__u32)n;
			size += (__u64)n;
		}
	}
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (bpf_ringbuf_output(&cgroup_events, e, size, 0) < 0)
		node_stat_inc(SC_REC_NODE_STAT_EVENTS_LOST);
	return 0;
}

SEC("raw_tracepoint/cgroup_mkdir")
int sc_node_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return cgroup_event(ctx, SC_REC_NODE_MKDIR);
}

SEC("raw_tracepoint/cgroup_rmdir")
int sc_node_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
	return cgroup_event(ctx, SC_REC_NODE_RMDIR);
}
