/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's kernel side: on every syscall entry (raw tracepoint sys_enter, so tracefs
 * need not be mounted) of a target, set the syscall's bit in a per-ABI bitmap and bump a
 * per-CPU counter. No per-event ring traffic: user space reads the maps once at the end.
 * Targets follow fork/clone through sched_process_fork and leave at sched_process_exit.
 *
 * No vmlinux.h: the few kernel fields read are declared below with preserve_access_index,
 * so libbpf relocates them against the running kernel's BTF (CO-RE) without generating a
 * 100,000-line header from the build machine's kernel at build time. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "recorder.h"

/* Minimal kernel types, relocated by field name (CO-RE). */
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} sc_atomic_t;

struct signal_struct {
	sc_atomic_t live;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_mode = SC_REC_MODE_PIDS;
const volatile __u64 target_cgroup_id = 0;
const volatile __u32 target_cgroup_level = 0;
const volatile __u32 has_ts_compat = 1; /* x86: TS_COMPAT tells i386 calls apart */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SC_REC_MAX_TARGETS);
	__type(key, __u32);  /* tgid */
	__type(value, __u8); /* unused */
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_rec_seen);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_REC_N_ABI *SC_REC_MAX_NR);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_REC_N_STATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

/* 1: record this call; 0: not a target. A PENDING target becomes ACTIVE at its execve. */
static __always_inline int is_target(__u64 id)
{
	if (target_mode == SC_REC_MODE_CGROUP)
		return bpf_get_current_ancestor_cgroup_id(target_cgroup_level) == target_cgroup_id;

	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *t = bpf_map_lookup_elem(&targets, &tgid);
	if (!t)
		return 0;
	if (*t == SC_REC_TARGET_PENDING) {
		if (id != SC_REC_NR_EXECVE_X86_64)
			return 0;
		*t = SC_REC_TARGET_ACTIVE;
	}
	return 1;
}

SEC("raw_tracepoint/sys_enter")
int sc_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(struct pt_regs *regs, long id) */
	__u64 id = ctx->args[1];
	__u32 abi = SC_REC_ABI_NATIVE, nr, key = 0;
	struct sc_rec_seen *s;

	if (!is_target(id))
		return 0;
	if (has_ts_compat) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		__u32 status = BPF_CORE_READ(task, thread_info.status);
		if (status & SC_REC_TS_COMPAT)
			abi = SC_REC_ABI_COMPAT;
	}
	if (abi == SC_REC_ABI_NATIVE && (id & SC_REC_X32_BIT)) {
		abi = SC_REC_ABI_X32;
		id &= ~(__u64)SC_REC_X32_BIT;
	}
	stat_inc(SC_REC_STAT_EVENTS);
	if (id >= SC_REC_MAX_NR) {
		stat_inc(SC_REC_STAT_OVERFLOW);
		return 0;
	}
	nr = (__u32)id;

	__u32 ckey = abi * SC_REC_MAX_NR + nr;
	__u64 *c = bpf_map_lookup_elem(&counts, &ckey);
	if (c)
		(*c)++;

	s = bpf_map_lookup_elem(&seen, &key);
	if (!s)
		return 0;
	__u64 mask = 1ULL << (nr & 63);
	__u64 *w = &s->bits[abi][nr / 64];
	if (!(*w & mask))
		__sync_fetch_and_or(w, mask);
	return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int sc_fork(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(struct task_struct *parent, struct task_struct *child) */
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = SC_REC_TARGET_ACTIVE;

	if (target_mode != SC_REC_MODE_PIDS)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid) /* a thread: already covered by its tgid */
		return 0;
	if (!bpf_map_lookup_elem(&targets, &ptgid))
		return 0;
	if (bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY) < 0)
		stat_inc(SC_REC_STAT_TARGETS_FULL);
	else
		stat_inc(SC_REC_STAT_FORKS);
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int sc_exit(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(struct task_struct *p, ...): fires in the exiting task after signal->live
	 * was decremented; the last thread out removes the process, so the map stays bounded. */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid;

	if (target_mode != SC_REC_MODE_PIDS)
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&targets, &tgid);
	return 0;
}
