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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_REC_NODE_MAX_CGROUPS); /* set by user space before load */
	__type(key, __u64);			      /* cgroup id */
	__type(value, struct sc_rec_seen);
} cgroups SEC(".maps");

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

SEC("raw_tracepoint/sys_enter")
int sc_node_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = ctx->args[1], cg;
	__u32 abi = SC_REC_ABI_NATIVE, nr, zkey = 0;
	struct sc_rec_seen *s;

	if (!below_a_root())
		return 0;
	if (has_ts_compat) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		if (BPF_CORE_READ(task, thread_info.status) & SC_REC_TS_COMPAT)
			abi = SC_REC_ABI_COMPAT;
	}
	if (abi == SC_REC_ABI_NATIVE && (id & SC_REC_X32_BIT)) {
		abi = SC_REC_ABI_X32;
		id &= ~(__u64)SC_REC_X32_BIT;
	}
	node_stat_inc(SC_REC_NODE_STAT_EVENTS);
	if (id >= SC_REC_MAX_NR) {
		node_stat_inc(SC_REC_NODE_STAT_OVERFLOW);
		return 0;
	}
	nr = (__u32)id;
	cg = bpf_get_current_cgroup_id();
	s = bpf_map_lookup_elem(&cgroups, &cg);
	if (!s) {
		struct sc_rec_seen *z = bpf_map_lookup_elem(&zero, &zkey);
		if (!z)
			return 0;
		/* -EEXIST: another CPU created it meanwhile; anything else: the map is full. */
		long r = bpf_map_update_elem(&cgroups, &cg, z, BPF_NOEXIST);
		if (r == 0)
			node_stat_inc(SC_REC_NODE_STAT_CGROUPS);
		s = bpf_map_lookup_elem(&cgroups, &cg);
		if (!s) {
			node_stat_inc(SC_REC_NODE_STAT_FULL);
			return 0;
		}
	}
	__u64 mask = 1ULL << (nr & 63);
	__u64 *w = &s->bits[abi][nr / 64];
	if (!(*w & mask))
		__sync_fetch_and_or(w, mask);
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
