/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor of recording syscalls with eBPF (bench/record.sh): a program on the same raw
 * tracepoint as bpf/recorder.bpf.c that does nothing. Attaching it makes every syscall leave
 * the fast path, which any recorder on sys_enter pays; what the recorder costs beyond it is
 * its own work. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tracepoint/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
