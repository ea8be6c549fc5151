/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each piece of a sys_enter recorder costs (bench/bpf-pieces): one program per piece,
 * attached alone to the raw tracepoint sys_enter, timed by the kernel's BPF run-time stats.
 * The pieces are those bpf/recorder.bpf.c used per syscall before its per-CPU verdict cache,
 * the alternatives weighed for it, and what it does now. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	int tgid;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3072);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct seen_bits {
	__u64 bits[3][16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seen_bits);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} tstore SEC(".maps");

struct slot {
	__u64 regs, task, gen, target;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

__u64 gen = 0;

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

SEC("raw_tracepoint/sys_enter")
int p_noop(void *ctx)
{
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int p_pid_tgid(void *ctx)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

SEC("raw_tracepoint/sys_enter")
int p_tgid_hash(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *v = bpf_map_lookup_elem(&targets, &tgid);

	return v ? *v : 0;
}

SEC("raw_tracepoint/sys_enter")
int p_core_read(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread_info.status) & 2;
}

SEC("tp_btf/sys_enter")
int p_btf_read(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return task->thread_info.status & 2;
}

SEC("raw_tracepoint/sys_enter")
int p_counter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = (__u32)ctx->args[1];
	__u64 *v;

	if (k >= 3072)
		return 0;
	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		(*v)++;
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int p_bitmap(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = 0, nr = (__u32)ctx->args[1];
	struct seen_bits *s;
	__u64 m;

	if (nr >= 1024)
		return 0;
	s = bpf_map_lookup_elem(&seen, &k);
	if (!s)
		return 0;
	m = 1ULL << (nr & 63);
	if (!(s->bits[0][nr / 64] & m))
		__sync_fetch_and_or(&s->bits[0][nr / 64], m);
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int p_ancestor_cgroup(void *ctx)
{
	return bpf_get_current_ancestor_cgroup_id(1) == 1;
}

SEC("tp_btf/sys_enter")
int p_task_storage(void *ctx)
{
	__u32 *v = bpf_task_storage_get(&tstore, bpf_get_current_task_btf(), 0, 0);

	return v ? *v : 0;
}

/* What bpf/recorder.bpf.c does now when its CPU's verdict holds. */
SEC("raw_tracepoint/sys_enter")
int p_cached_verdict(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = 0;
	struct slot *c = bpf_map_lookup_elem(&slots, &k);
	struct task_struct *task;

	if (!c || !bpf_rdonly_cast)
		return 0;
	if (c->regs != ctx->args[0] || c->gen != gen) {
		c->regs = ctx->args[0];
		c->task = bpf_get_current_task();
		c->gen = gen;
		c->target = (bpf_get_current_pid_tgid() >> 32) == self_tgid;
	}
	if (!c->target)
		return 0;
	task = bpf_rdonly_cast((void *)c->task, bpf_core_type_id_kernel(struct task_struct));
	return task->thread_info.status & 2;
}
