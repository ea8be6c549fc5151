/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bpf-pieces [-r ROUNDS] [-n CALLS]: what each piece of a sys_enter recorder costs per syscall
 * (bench/pieces.bpf.c), as the kernel's BPF run-time stats measure it: each program is attached
 * alone while this process makes CALLS getppid calls, and its run time per run, less the no-op
 * program's, is printed (the best of ROUNDS, interleaved). The stats count every process's
 * syscalls while a program is attached, and include their own clock reads (in the no-op's
 * time, subtracted). bench/record.sh prints this table after its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pieces.skel.h"

static const struct {
	const char *prog, *what;
} pieces[] = {
	{ "p_noop", "no-op program (subtracted)" },
	{ "p_pid_tgid", "bpf_get_current_pid_tgid (a helper call)" },
	{ "p_tgid_hash", "tgid hash lookup, with the call above" },
	{ "p_core_read", "thread_info.status: get_current_task + CO-RE probe read" },
	{ "p_btf_read", "thread_info.status: tp_btf, get_current_task_btf + load" },
	{ "p_counter", "per-CPU counter increment (inlined lookup)" },
	{ "p_bitmap", "bitmap word load and test (inlined lookup)" },
	{ "p_ancestor_cgroup", "bpf_get_current_ancestor_cgroup_id" },
	{ "p_task_storage", "task storage lookup (get_current_task_btf + get)" },
	{ "p_cached_verdict", "now: per-CPU verdict by pt_regs + rdonly_cast status" },
};
#define N_PIECES (sizeof(pieces) / sizeof(pieces[0]))

static double run_ns(struct bpf_program *p, long n)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct bpf_link *link = bpf_program__attach(p);
	__u64 t0, c0;

	if (!link || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
		return -1;
	t0 = info.run_time_ns;
	c0 = info.run_cnt;
	for (long k = 0; k < n; k++)
		(void)syscall(SYS_getppid);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0 || info.run_cnt == c0) {
		bpf_link__destroy(link);
		return -1;
	}
	bpf_link__destroy(link);
	return (double)(info.run_time_ns - t0) / (double)(info.run_cnt - c0);
}

int main(int argc, char **argv)
{
	double best[N_PIECES] = { 0 };
	struct bpf_program *prog[N_PIECES];
	int rounds = 5, stats_fd;
	long n = 300000;
	struct pieces *skel;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: bpf-pieces [-r ROUNDS] [-n CALLS]\n");
			return 2;
		}
	}
	skel = pieces__open();
	if (!skel)
		return 1;
	skel->rodata->self_tgid = (__u32)getpid();
	if (pieces__load(skel) < 0) {
		fprintf(stderr, "bpf-pieces: cannot load bench/pieces.bpf.c: %s\n",
			strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < N_PIECES; i++)
		prog[i] = bpf_object__find_program_by_name(skel->obj, pieces[i].prog);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bpf-pieces: cannot enable BPF run-time stats: %s\n",
			strerror(errno));
		return 1;
	}
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < N_PIECES; i++) {
			double v = prog[i] ? run_ns(prog[i], n) : -1;
			if (v > 0 && (best[i] == 0 || v < best[i]))
				best[i] = v;
		}
	close(stats_fd);
	printf("%-58s %12s\n", "piece (a program on sys_enter doing only it)", "ns per run");
	for (size_t i = 0; i < N_PIECES; i++) {
		if (best[i] == 0)
			printf("%-58s %12s\n", pieces[i].what, "n/a");
		else if (i == 0)
			printf("%-58s %12.1f\n", pieces[i].what, best[i]);
		else
			printf("%-58s %+12.1f\n", pieces[i].what, best[i] - best[0]);
	}
	printf("best of %d rounds of %ld getppid calls; run-time stats count every process's "
	       "syscalls\n",
	       rounds, n);
	pieces__destroy(skel);
	return 0;
}
