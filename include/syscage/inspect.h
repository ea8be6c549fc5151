/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a process runs with: the container runtime around it, its namespaces, capabilities,
 * no_new_privs, LSM labels and seccomp state; its seccomp filters read with
 * PTRACE_SECCOMP_GET_FILTER and emulated over every syscall of every arch (the exact blocked
 * list); and, where the filters cannot be read, a probe of every syscall in a child process
 * whose refusals are classified (seccomp, kernel permission, not implemented). */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h> /* struct seccomp_data */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "compile.h"
#include "profile.h"

/* ---- process facts --------------------------------------------------------------------- */

enum sc_ns_type {
	SC_NS_PID,
	SC_NS_USER,
	SC_NS_NET,
	SC_NS_MNT,
	SC_NS_UTS,
	SC_NS_IPC,
	SC_NS_CGROUP,
	SC_NS_TIME,
	_SC_NS_COUNT,
};

enum sc_ns_state {
	SC_NS_NOT_VISIBLE, /* the link cannot be read, or there is nothing to compare it with */
	SC_NS_INITIAL,	   /* the host's (init's) namespace */
	SC_NS_SEPARATE,	   /* a namespace of its own */
};

struct sc_ns_info {
	uint64_t inode; /* 0 when the link cannot be read */
	enum sc_ns_state state;
	const char *how; /* static text: how the state was decided */
};

enum sc_cgroup_version {
	SC_CGROUP_UNKNOWN,
	SC_CGROUP_V1,
	SC_CGROUP_V2,
	SC_CGROUP_HYBRID, /* v1 controllers plus the unified hierarchy */
};

/* Capability sets of /proc/PID/status. */
enum sc_cap_set {
	SC_CAPS_BOUNDING,
	SC_CAPS_EFFECTIVE,
	SC_CAPS_PERMITTED,
	SC_CAPS_INHERITABLE,
	SC_CAPS_AMBIENT,
	_SC_CAPS_COUNT,
};

#define SC_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */

struct sc_inspect {
	pid_t pid;
	char comm[64];
	/* Runtime: "docker", "containerd", "kube (containerd)", "kube (cri-o)", "podman", "lxc",
	 * "container (unknown runtime)" or "none"; 'runtime_why' says which evidence decided it. */
	char runtime[48];
	char runtime_why[256];
	char container_id[80]; /* from the cgroup path, when it holds one */
	enum sc_cgroup_version cgroup_version;
	char cgroup_path[512]; /* the unified path (v2) or the first v1 path */
	struct sc_ns_info ns[_SC_NS_COUNT];
	char *uid_map, *gid_map; /* malloc()ed text, NULL when unreadable */
	bool has_caps;
	uint64_t caps[_SC_CAPS_COUNT];
	int no_new_privs;    /* 0/1, -1 unknown */
	char *apparmor;	     /* label, NULL when AppArmor is not active for it */
	char *selinux;	     /* context, NULL when SELinux is not active */
	int seccomp_mode;    /* 0 disabled, 1 strict, 2 filter, -1 unknown */
	int seccomp_filters; /* Seccomp_filters, -1 unknown */
};

/* Gather the facts about 'pid' (0: the calling process) from /proc. Missing pieces are left
 * unknown; returns 0, or -errno when /proc/PID/status itself cannot be read (-ESRCH for a
 * process that does not exist). 'ret' must be released with sc_inspect_done. */
int sc_inspect_process(pid_t pid, struct sc_inspect *ret);
void sc_inspect_done(struct sc_inspect *i);

/* "CAP_SYS_ADMIN" for 0..SC_CAP_LAST, NULL otherwise; and the reverse (-EINVAL). */
const char *sc_cap_to_name(unsigned cap);
int sc_cap_from_name(const char *name);
const char *sc_ns_to_name(enum sc_ns_type t); /* "pid", "user", ... */
const char *sc_cgroup_version_str(enum sc_cgroup_version v);

/* ---- the filters ----------------------------------------------------------------------- */

struct sc_filter_prog {
	struct sock_filter *insns;
	size_t len;
};

/* The filters of one thread, index 0 the oldest (PTRACE_SECCOMP_GET_FILTER's order). */
struct sc_filter_set {
	struct sc_filter_prog *v;
	size_t n;
};

/* Read every filter of 'pid' with PTRACE_SECCOMP_GET_FILTER: attach (PTRACE_SEIZE +
 * PTRACE_INTERRUPT), read index 0, 1, ... until ENOENT, detach. The target is stopped for
 * the time of the reads only. Errors: -EACCES when the caller lacks CAP_SYS_ADMIN or is
 * itself under seccomp (the kernel's two conditions), -EPERM when ptrace is refused
 * (another tracer, Yama, no CAP_SYS_PTRACE), -EINVAL when the caller is the target (a
 * process cannot trace itself), -ESRCH, -EMEDIUMTYPE when the kernel lacks
 * CONFIG_CHECKPOINT_RESTORE (PTRACE_SECCOMP_GET_FILTER absent: EIO), -ENOMEM. A process
 * without filters gives an empty set. */
int sc_filters_read(pid_t pid, struct sc_filter_set *ret);
void sc_filters_done(struct sc_filter_set *fs);

/* What the kernel does with 'sd' under all the filters: every filter runs, the most
 * restrictive action wins, and among equal actions the newest filter's data
 * (seccomp_run_filters). Returns 0 or -EINVAL (a filter the checker refuses). */
int sc_filters_run(const struct sc_filter_set *fs, const struct seccomp_data *sd, uint32_t *ret);

/* seccomp_data as the kernel of 'arch' fills it for (nr, logical 64-bit args): 64-bit args
 * are laid out per the ABI's byte order relative to this host, 32-bit ABIs get the low half. */
void sc_seccomp_data_for(enum sc_arch arch, uint32_t nr, const uint64_t args[6],
			 struct seccomp_data *ret);

/* One (arch, nr) decision of the filters. */
struct sc_decision {
	uint32_t nr;
	uint32_t ret;	  /* SECCOMP_RET_* with all arguments 0 */
	bool args;	  /* a filter reads the arguments (or instruction pointer) for it */
	uint32_t also[6]; /* other results seen with varied arguments (args only) */
	unsigned n_also;
};

struct sc_arch_decisions {
	enum sc_arch arch;
	bool uniform;	       /* one result for every number: the filter decides on arch alone */
	uint32_t above_ret;    /* numbers above the table (max + 1) */
	struct sc_decision *v; /* every number from the ABI's base to its max, in order */
	size_t n;
};

/* Emulate 'fs' over every arch (x32 included) and every number of that arch's table range.
 * Returns 0 or -errno; *ret is an array of _SC_ARCH_COUNT entries (freed with
 * sc_decisions_free). */
int sc_filters_decide(const struct sc_filter_set *fs, struct sc_arch_decisions **ret);
void sc_decisions_free(struct sc_arch_decisions *d);

/* --compare: the running filters against what a profile compiles to. The profile is
 * resolved for the native arch and the capabilities in 'caps' (the process's bounding set,
 * as Docker and podman resolve includes.caps; NULL: none), evaluated with 'o' (NULL:
 * defaults), for every arch and number and, where either side reads arguments, varied
 * arguments. */
struct sc_compare_diff {
	enum sc_arch arch;
	uint32_t nr;
	uint64_t args[6];
	bool with_args;
	uint32_t running, expected; /* SECCOMP_RET_* */
};

struct sc_compare {
	struct sc_compare_diff *v; /* differences, in arch/nr order */
	size_t n;
	size_t n_checked;      /* (arch, nr, args) cases compared */
	size_t n_kill_flavour; /* unlisted-arch cases where only the kill flavour differed */
	uint32_t kill_running, kill_expected; /* the two flavours, when n_kill_flavour > 0 */
	/* Names the profile lists that the running filter treats as unnamed numbers: the
	 * runtime's seccomp library could not resolve them (runc skips such names), and
	 * leaving them out of the profile removed n_explained differences (those are not in
	 * 'v'). Empty when no such explanation helps. */
	char **unknown_names;
	size_t n_unknown;
	size_t n_explained;
};

int sc_filters_compare(const struct sc_filter_set *fs, const struct sc_profile *p,
		       const uint64_t *caps, const struct sc_compile_opts *o,
		       struct sc_compare *ret);
void sc_compare_done(struct sc_compare *c);

/* The running kernel's major.minor from /proc/sys/kernel/osrelease (not uname(2), which the
 * inspected filter may trap); leaves the outputs alone when it cannot be read. */
void sc_inspect_kernel_version(unsigned *ret_major, unsigned *ret_minor);

/* ---- probing (inspect-probe.c) ----------------------------------------------------------- */

enum sc_probe_class {
	SC_PROBE_ALLOWED, /* the call reached the kernel (it may still have failed on its args) */
	SC_PROBE_SECCOMP, /* refused by seccomp: errno, SIGSYS or killed */
	SC_PROBE_KERNEL_PERM, /* EPERM/EACCES from the kernel itself: a capability, a sysctl, an LSM
			       */
	SC_PROBE_NOT_IMPL,    /* ENOSYS from the kernel (not built in, or retired) */
	SC_PROBE_UNSURE,      /* refused, but the probe could not tell by whom */
	SC_PROBE_SKIPPED,     /* not called: it would harm the host or the caller */
	_SC_PROBE_CLASS_COUNT,
};

struct sc_probe_entry {
	uint32_t nr;
	const char *name; /* borrowed */
	enum sc_probe_class cls;
	long ret;	 /* return value when it did not fail */
	int err;	 /* errno of the zero-argument call, 0 when none */
	int sig;	 /* signal that ended the probe, 0 when none */
	bool timed_out;	 /* still in the call after the probe's time limit (so: allowed) */
	bool oracle;	 /* classified by the notify oracle (exact), not the heuristic */
	const char *why; /* static text: reason for skipping or for the class */
};

struct sc_probe_report {
	enum sc_arch arch; /* the native ABI: the only one probed */
	struct sc_probe_entry *v;
	size_t n;
	bool oracle; /* the user-notification oracle worked (see inspect-probe.c) */
	char oracle_why[160];
	unsigned count[_SC_PROBE_CLASS_COUNT];
	unsigned amicontained; /* what amicontained would print: zero-arg calls that gave EPERM */
};

struct sc_probe_opts {
	unsigned timeout_ms; /* per call; 0: 300 ms */
	bool no_oracle;	     /* the heuristic only (tests) */
};

/* Probe every syscall of the native ABI from a child process (one short-lived child per
 * call, so nothing a call does outlives it). Returns 0 or -errno. */
int sc_probe_syscalls(const struct sc_probe_opts *o, struct sc_probe_report *ret);
void sc_probe_done(struct sc_probe_report *r);
const char *sc_probe_class_str(enum sc_probe_class c);
