/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's ABI between recorder.bpf.c (kernel) and src/lib/record/record-bpf.c (user space):
 * ABI indices, bitmap geometry and map value layouts. Plain C types only: this header is
 * compiled both with clang -target bpf and with the host compiler. */
#pragma once

/* The ABIs a syscall can arrive through on one host. On x86_64: native, i386 compat
 * (int $0x80 / sysenter: TS_COMPAT set in thread_info.status) and x32 (bit 0x40000000 in nr). */
enum {
	SC_REC_ABI_NATIVE = 0,
	SC_REC_ABI_COMPAT = 1,
	SC_REC_ABI_X32 = 2,
	SC_REC_N_ABI = 3,
};

/* Syscall numbers per ABI the bitmaps cover (x86_64 ends near 470, i386 near 470, x32 at 547).
 * Numbers beyond it are counted in 'overflow' so that nothing goes unseen silently. */
#define SC_REC_MAX_NR 1024
#define SC_REC_WORDS  (SC_REC_MAX_NR / 64)

/* x86: thread_info.status bit of a 32-bit syscall in progress (arch/x86/include/asm/thread_info.h).
 */
#define SC_REC_TS_COMPAT 0x0002u
#define SC_REC_X32_BIT	 0x40000000u

/* How the BPF side picks its targets (a read-only global set before load). */
enum {
	SC_REC_MODE_PIDS = 0,	/* tgids in the 'targets' hash map, followed across fork */
	SC_REC_MODE_CGROUP = 1, /* everything in a cgroup v2 subtree */
};

/* A bitmap of the syscalls entered, per ABI (count > 0 tells the same for sc_rec_cpu). */
struct sc_rec_seen {
	unsigned long long bits[SC_REC_N_ABI][SC_REC_WORDS];
};

/* Value of the one-entry per-CPU 'percpu' array: everything sc_sys_enter touches per syscall,
 * in one inlined lookup. 'counts' > 0 is "seen"; the events are the sum of counts + overflow.
 * The first four fields cache the last target test on this CPU: the task is known by its
 * pt_regs (the top of its kernel stack, sys_enter's first argument: no helper call), and the
 * verdict holds while the global generation 'sc_gen' is unchanged. Every fork bumps it (a new
 * task may reuse a dead one's stack), and so do a new target and a cgroup migration. */
struct sc_rec_cpu {
	unsigned long long regs;     /* pt_regs of the task the verdict is for (0: none) */
	unsigned long long task;     /* its task_struct, for the i386 test (thread_info.status) */
	unsigned long long gen;	     /* sc_gen when the verdict was taken */
	unsigned long long target;   /* 1: record its syscalls */
	unsigned long long overflow; /* numbers >= SC_REC_MAX_NR (not counted below) */
	unsigned long long counts[SC_REC_N_ABI * SC_REC_MAX_NR]; /* [abi * MAX_NR + nr] */
};

/* Indices of the per-CPU 'stats' array. */
enum {
	SC_REC_STAT_EVENTS = 0,	      /* unused since sc_rec_cpu: sum of its counts + overflow */
	SC_REC_STAT_OVERFLOW = 1,     /* unused since sc_rec_cpu: its 'overflow' */
	SC_REC_STAT_TARGETS_FULL = 2, /* forks not followed: 'targets' was full */
	SC_REC_STAT_FORKS = 3,	      /* processes added by following fork */
	SC_REC_N_STATS = 4,
};

/* Values of the 'targets' map. A command the recorder started is added PENDING while it
 * still waits for its go byte: its syscalls are not the command's until its execve. */
enum {
	SC_REC_TARGET_ACTIVE = 1,
	SC_REC_TARGET_PENDING = 2,
};
#define SC_REC_NR_EXECVE_X86_64 59

/* Capacity of the 'targets' map (processes alive at once in the traced tree). */
#define SC_REC_MAX_TARGETS 65536

/* ---- the node recorder (noderec.bpf.c; the agent's --record) --------------------------------
 * One program for every container of a node: the syscalls of each cgroup v2 below the given
 * roots land in a bitmap of their own (struct sc_rec_seen, keyed by the cgroup id: its
 * kernfs inode number), created at the cgroup's first syscall. The cgroups' births and deaths
 * (cgroup_mkdir / cgroup_rmdir) go to user space through a ring buffer, with the path, so a
 * cgroup that lived a few milliseconds can still be named after it is gone. */
#define SC_REC_NODE_MAX_ROOTS 8
#define SC_REC_NODE_PATH_MAX  512 /* a kubelet container path is ~170 bytes */

enum {
	SC_REC_NODE_MKDIR = 1,
	SC_REC_NODE_RMDIR = 2,
};

/* One ring buffer record, as long as SC_REC_NODE_EVENT_HEAD + len. 'path' (mkdir only) is
 * relative to the cgroup v2 root ("/kubepods.slice/..."), NUL-terminated; 'len' counts it with
 * its NUL (0: no path). */
struct sc_rec_node_event {
	unsigned long long id;
	unsigned int kind;
	unsigned int len;
	char path[SC_REC_NODE_PATH_MAX];
};

#define SC_REC_NODE_EVENT_HEAD 16
/* The ring: about 4,000 container starts and ends (~250 bytes a pair) while user space is
 * busy elsewhere. */
#define SC_REC_NODE_RING_BYTES (1024 * 1024)

/* Indices of the per-CPU 'node_stats' array. */
enum {
	SC_REC_NODE_STAT_EVENTS = 0,	  /* syscalls entered below the roots */
	SC_REC_NODE_STAT_OVERFLOW = 1,	  /* numbers >= SC_REC_MAX_NR */
	SC_REC_NODE_STAT_FULL = 2,	  /* syscalls not recorded: the cgroup map was full */
	SC_REC_NODE_STAT_EVENTS_LOST = 3, /* mkdir/rmdir not told: the ring buffer was full */
	SC_REC_NODE_STAT_CGROUPS = 4,	  /* bitmaps created */
	SC_REC_NODE_N_STATS = 5,
};

/* Default capacity of the cgroup map (cgroups with a bitmap not yet drained). */
#define SC_REC_NODE_MAX_CGROUPS 8192

/* The node recorder's per-CPU verdict for the task that last entered a syscall there: taken
 * again when another task runs (its pt_regs differ), after a fork or a root was added (the
 * generation moved), or when the task's css_set changed (it moved to another cgroup). */
struct sc_rec_node_cpu {
	unsigned long long regs;   /* pt_regs of the task the verdict is for (0: none) */
	unsigned long long task;   /* its task_struct, for the i386 test and its css_set */
	unsigned long long cset;   /* its css_set when the verdict was taken */
	unsigned long long gen;	   /* sc_node_gen then */
	unsigned long long cgroup; /* its cgroup v2 id (the bitmap's key); 0: not below a root */
	/* Bits this CPU saw set in cgroup seen_cgroup's bitmap: a call whose bit is here needs
	 * no hash lookup. Bitmaps only gain bits while their cgroup lives, and cgroup ids are
	 * not reused, so a bit here is never out of date. */
	unsigned long long seen_cgroup;
	unsigned long long seen[SC_REC_N_ABI][SC_REC_WORDS];
};
