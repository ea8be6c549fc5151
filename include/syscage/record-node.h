/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node recorder: one eBPF program for every cgroup v2 below a few roots (the kubelet's
 * kubepods cgroups), the syscalls of each cgroup in a bitmap of its own keyed by the cgroup's
 * id, created at the cgroup's first syscall; the cgroups' births and deaths (with their paths)
 * read from a ring buffer. The caller (the agent's --record) names the cgroups, drains their
 * bitmaps into profiles and forgets a cgroup once it is gone and drained. Nothing waits for a
 * scan: a cgroup that lived a few milliseconds is recorded all the same. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "record.h"

#define SC_RECORD_NODE_MAX_ROOTS 8
#define SC_RECORD_NODE_ABIS	 3 /* native, i386 compat, x32 */

struct sc_record_node_opts {
	const char *cgroup_root;  /* the cgroup v2 mount, e.g. "/sys/fs/cgroup" */
	const char *const *roots; /* directories below it, relative ("kubepods.slice") */
	size_t n_roots;	      /* 0 .. SC_RECORD_NODE_MAX_ROOTS (more: sc_record_node_add_root) */
	uint32_t max_cgroups; /* bitmaps held at once (not yet forgotten); 0: 8192 */
};

/* One cgroup's syscalls: a bit per number on each ABI (x86_64, i386, x32 on x86_64). */
struct sc_record_node_bits {
	uint64_t bits[SC_RECORD_NODE_ABIS][SC_RECORD_MAX_NR / 64];
};

/* What the kernel side counted since the start. */
struct sc_record_node_stats {
	uint64_t events;      /* syscalls entered below the roots */
	uint64_t overflow;    /* numbers beyond SC_RECORD_MAX_NR */
	uint64_t map_full;    /* syscalls not recorded: no room for their cgroup's bitmap */
	uint64_t events_lost; /* cgroup births/deaths not told: the ring buffer was full */
	uint64_t created;     /* bitmaps created */
	uint64_t missed;      /* program runs the kernel skipped (the program was already running
			       * on that CPU: BPF's recursion guard), all programs: a syscall or
			       * cgroup event not seen */
};

struct sc_record_node;

/* Check the host (sc_record_bpf_preflight), find the roots' ids, load and attach. -errno with
 * the reasons in 'd'; -EOPNOTSUPP when built without eBPF. */
int sc_record_node_open(const struct sc_record_node_opts *o, struct sc_diags *d,
			struct sc_record_node **ret);
struct sc_record_node *sc_record_node_free(struct sc_record_node *n);

/* Record below one more root (relative to o->cgroup_root) from now on. -E2BIG past
 * SC_RECORD_NODE_MAX_ROOTS, -EMEDIUMTYPE when it is no cgroup v2 directory, -errno. */
int sc_record_node_add_root(struct sc_record_node *n, const char *rel);

/* An fd that polls readable when cgroup events wait (for an epoll loop). */
int sc_record_node_fd(const struct sc_record_node *n);

/* Hand every waiting cgroup event to fn: the cgroup's id, whether it was removed (else made),
 * and its path relative to the cgroup v2 root ("/kubepods.slice/..."). Returns how many, or
 * -errno. */
int sc_record_node_events(struct sc_record_node *n,
			  void (*fn)(uint64_t id, bool gone, const char *path, void *userdata),
			  void *userdata);

/* The ids of the cgroups that have a bitmap: an owned array (free()). */
int sc_record_node_ids(struct sc_record_node *n, uint64_t **ret, size_t *ret_n);
/* One cgroup's bitmap; -ENOENT when it has none. */
int sc_record_node_read(struct sc_record_node *n, uint64_t id, struct sc_record_node_bits *ret);
/* Drop a cgroup's bitmap (it is gone and drained): its room is free for another. */
int sc_record_node_forget(struct sc_record_node *n, uint64_t id);
int sc_record_node_stats(struct sc_record_node *n, struct sc_record_node_stats *ret);

/* Add the syscalls of 'b' to 'r' (count 1 each). */
int sc_record_node_bits_add(const struct sc_record_node_bits *b, struct sc_record *r);
/* Bits of 'b' not in 'old'. */
bool sc_record_node_bits_new(const struct sc_record_node_bits *b,
			     const struct sc_record_node_bits *old);
