/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seam between the recorder's front end (record.c) and its back ends (record-bpf.c,
 * record-ptrace.c): what the front end calls in them, and the two small rules both sides share
 * (the clock a duration is measured on, releasing a command started stopped). The back ends
 * fill a struct sc_record (record-set.c) and find processes with record-walk.h; they never call
 * the front end. Internal to src/lib/record. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "syscage/record.h"

/* An error without a location in 'd': the record part's loaders and preflight say why here.
 * Defined here, not in record.c, so that the back ends do not call back up into the front. */
static inline __attribute__((format(printf, 2, 3))) void sc_record_problem(struct sc_diags *d,
									   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)sc_diags_addv(d, SC_SEV_ERROR, (struct sc_loc){ 0 }, fmt, ap);
	va_end(ap);
}

/* The eBPF back end (record-bpf.c). */
struct sc_record_bpf;

/* Load and attach; 'o' gives the mode (cgroup or pids). -EOPNOTSUPP when not built. */
int sc_record_bpf_open(const struct sc_record_opts *o, struct sc_diags *d,
		       struct sc_record_bpf **ret);
/* Add a process (tgid) to the targets; its future children follow automatically. With
 * 'until_exec', its syscalls count only from its next execve on (a command started stopped). */
int sc_record_bpf_add_pid(struct sc_record_bpf *b, pid_t tgid, bool until_exec);
/* How many processes the recorder follows that are alive (pids mode), counting up to 'max'
 * (1: whether any is); a dead one left in its map (its exit was missed) is dropped. */
int sc_record_bpf_live_targets(struct sc_record_bpf *b, int max);
/* Read the maps into 'r' (adds to what it holds). */
int sc_record_bpf_collect(struct sc_record_bpf *b, struct sc_record *r);
struct sc_record_bpf *sc_record_bpf_close(struct sc_record_bpf *b);
/* Benchmarks only: detach the programs (attached = false) and attach them again, keeping the
 * maps: bench/bench-record alternates the recorder with no program within milliseconds. */
int sc_record_bpf_set_attached(struct sc_record_bpf *b, bool attached);
/* Tests only: load the program that reads thread_info.status with a helper call (what kernels
 * without bpf_rdonly_cast get) even where the direct read loads. */
extern bool sc_record_bpf_force_probe;
/* Tests only: load the node recorder's uncached sys_enter program (what kernels without
 * bpf_rdonly_cast get) even where the cached one loads. */
extern bool sc_record_node_force_probe;
/* Benchmarks only: detach the node recorder's programs and attach them again, keeping the maps
 * (bench/bench-record, as sc_record_bpf_set_attached). */
struct sc_record_node;
int sc_record_node_set_attached(struct sc_record_node *n, bool attached);
/* Whether the cached sys_enter program is the one loaded (kernels with bpf_rdonly_cast). */
bool sc_record_node_uses_cache(const struct sc_record_node *n);

/* The ptrace back end (record-ptrace.c). Trace until the root exits, 'o->stop_fd' is readable
 * or the duration passed. 'child' (> 0) is a command started stopped by the front end,
 * released with sc_record_release(go_fd) once it is seized; otherwise the targets come from
 * o->pid / o->cgroup. */
int sc_record_ptrace_run(const struct sc_record_opts *o, pid_t child, int go_fd, struct sc_diags *d,
			 struct sc_record *r);

/* CLOCK_MONOTONIC in milliseconds: what o->duration_ms is measured on. */
static inline uint64_t sc_record_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Let a command started stopped go on to its execve: write the one byte it waits for and close
 * the pipe (*go_fd = -1 after). Nothing to do when *go_fd < 0. -EPIPE when the byte was not
 * written (the child is gone). */
static inline int sc_record_release(int *go_fd)
{
	ssize_t n;

	if (*go_fd < 0)
		return 0;
	do
		n = write(*go_fd, "x", 1);
	while (n < 0 && errno == EINTR);
	(void)close(*go_fd);
	*go_fd = -1;
	return n == 1 ? 0 : -EPIPE;
}
