/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's kernel side: on every syscall entry (raw tracepoint sys_enter, so tracefs
 * need not be mounted) of a target, bump the syscall's per-CPU counter (per ABI). No per-event
 * ring traffic: user space reads the per-CPU array once at the end. Targets follow fork/clone
 * through sched_process_fork and leave at sched_process_exit.
 *
 * The hot path makes no helper call once the CPU's cached verdict holds (struct sc_rec_cpu):
 * one inlined per-CPU lookup, two compares, one load of thread_info.status through the cached
 * task pointer (bpf_rdonly_cast: a plain load, not a probe-read helper call) and one increment.
 * Helper calls cost about 20 ns each on the machines measured (bench/record.sh), the whole
 * budget over a no-op program. Kernels without bpf_rdonly_cast (before 6.2) load
 * sc_sys_enter_probe instead, which reads the status with bpf_probe_read_kernel.
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
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_rec_cpu);
} percpu SEC(".maps");

/* The generation of every CPU's cached verdict (struct sc_rec_cpu): bumped by every fork, a
 * cgroup migration (cgroup mode), a target added from user space (through the skeleton's
 * mmapped .bss) and a command's execve (pids mode). */
__u64 sc_gen = 0;

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

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

/* The CPU's cached verdict is out of date: take it again. 1: record this call; 0: not a
 * target. A PENDING target becomes ACTIVE at its execve. In cgroup mode a negative verdict is
 * not kept: a task that moves into the cgroup is seen at its next syscall, not only once the
 * migration's tracepoint ran. PENDING is not kept either: its execve must come here. */
static __always_inline int refresh(struct sc_rec_cpu *c, __u64 regs, __u64 id)
{
	__u64 gen = *(volatile __u64 *)&sc_gen; /* before the test: a change after it is seen */
	__u64 target = 1;

	if (target_mode == SC_REC_MODE_CGROUP) {
		if (bpf_get_current_ancestor_cgroup_id(target_cgroup_level) != target_cgroup_id)
			return 0;
	} else {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u8 *t = bpf_map_lookup_elem(&targets, &tgid);
		if (!t)
			target = 0;
		else if (*t == SC_REC_TARGET_PENDING) {
			if (id != SC_REC_NR_EXECVE_X86_64)
				return 0;
			*t = SC_REC_TARGET_ACTIVE;
			__sync_fetch_and_add(&sc_gen, 1);
		}
	}
	c->regs = regs;
	c->task = bpf_get_current_task();
	c->gen = gen;
	c->target = target;
	return (int)target;
}

/* thread_info.status of the cached task (the current one). */
static __always_inline __u32 task_status(const struct sc_rec_cpu *c, int probe)
{
	struct task_struct *task;
	__u32 status = 0;

	if (!probe && bpf_rdonly_cast) {
		task = bpf_rdonly_cast((void *)c->task,
				       bpf_core_type_id_kernel(struct task_struct));
		return task->thread_info.status;
	}
	task = (struct task_struct *)c->task;
	(void)bpf_probe_read_kernel(&status, sizeof(status),
				    __builtin_preserve_access_index(&task->thread_info.status));
	return status;
}

static __always_inline int record_enter(struct bpf_raw_tracepoint_args *ctx, int probe)
{
	/* TP_PROTO(struct pt_regs *regs, long id) */
	__u64 regs = ctx->args[0], id = ctx->args[1];
	__u32 abi = SC_REC_ABI_NATIVE, key = 0;
	struct sc_rec_cpu *c = bpf_map_lookup_elem(&percpu, &key);

	if (!c)
		return 0;
	if (c->regs != regs || c->gen != *(volatile __u64 *)&sc_gen) {
		if (!refresh(c, regs, id))
			return 0;
	} else if (!c->target)
		return 0;
	if (has_ts_compat && (task_status(c, probe) & SC_REC_TS_COMPAT))
		abi = SC_REC_ABI_COMPAT;
	if (abi == SC_REC_ABI_NATIVE && (id & SC_REC_X32_BIT)) {
		abi = SC_REC_ABI_X32;
		id &= ~(__u64)SC_REC_X32_BIT;
	}
	if (id >= SC_REC_MAX_NR) {
		c->overflow++;
		return 0;
	}
	c->counts[abi * SC_REC_MAX_NR + (__u32)id]++;
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int sc_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return record_enter(ctx, 0);
}

/* The same for kernels without bpf_rdonly_cast; the loader picks one of the two. */
SEC("raw_tracepoint/sys_enter")
int sc_sys_enter_probe(struct bpf_raw_tracepoint_args *ctx)
{
	return record_enter(ctx, 1);
}
SEC("raw_tracepoint/sched_process_fork")
int sc_fork(struct bpf_raw_tracepoint_args *ctx)
{
	/* TP_PROTO(struct task_struct *parent, struct task_struct *child) */
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = SC_REC_TARGET_ACTIVE;

	/* The child may reuse a dead task's kernel stack, the key of the cached verdicts. */
	__sync_fetch_and_add(&sc_gen, 1);
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

SEC("raw_tracepoint/cgroup_attach_task")
int sc_cgroup_attach(struct bpf_raw_tracepoint_args *ctx)
{
	/* A task changed cgroups: a cached positive verdict may no longer hold. */
	if (target_mode == SC_REC_MODE_CGROUP)
		__sync_fetch_and_add(&sc_gen, 1);
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
