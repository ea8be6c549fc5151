/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder: which syscalls a workload enters, per ABI, with counts. Two back ends with the
 * same result: eBPF (raw tracepoint sys_enter + per-ABI bitmaps in maps, record-bpf.c)
 * and ptrace (PTRACE_SEIZE + PTRACE_GET_SYSCALL_INFO, record-ptrace.c). The front end
 * (record.c) starts the command, picks the back end, and turns a recording into a
 * profile. Seccomp runs before sys_enter, so a call a filter already denies is not recorded. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "diag.h"
#include "profile.h"

enum sc_record_method {
	SC_RECORD_AUTO,	  /* eBPF when it loads, else ptrace */
	SC_RECORD_BPF,	  /* eBPF only */
	SC_RECORD_PTRACE, /* ptrace only */
	_SC_RECORD_METHOD_COUNT,
	_SC_RECORD_METHOD_INVALID = -EINVAL,
};

const char *sc_record_method_to_string(enum sc_record_method m);   /* "auto", "ebpf", "ptrace" */
enum sc_record_method sc_record_method_from_string(const char *s); /* also accepts "bpf" */

/* Syscall numbers per ABI a recording covers, counted from the ABI's nr_base (the x32 bit,
 * mips bases). Higher numbers are counted in 'overflow'. */
#define SC_RECORD_MAX_NR 1024

/* What to record. Exactly one of argv, pid, cgroup. */
struct sc_record_opts {
	enum sc_record_method method;
	char *const
		*argv; /* start this command (PATH searched), stopped until recording is ready */
	pid_t pid;     /* an existing process and its descendants (threads included) */
	const char *cgroup;   /* a cgroup v2 directory: every process in it and below (eBPF); ptrace
			       * follows the processes in it when recording starts */
	uint64_t duration_ms; /* stop after this long; 0: no limit */
	int stop_fd; /* stop when readable (e.g. a signalfd for SIGINT/SIGTERM); -1: none */
	/* argv, pid: the processes the command (or pid) started and left running when it exited
	 * (a daemon that forks and returns, a shell's '&') are recorded on until they are gone,
	 * the stop fd is readable or the duration passed. stop_at_exit: stop when the command
	 * (or pid) exits, as the cgroup does not. */
	bool stop_at_exit;
	/* Called once, when the command (or pid) exited and 'n' processes it started are
	 * recorded on (e.g. to say so while waiting); NULL: none. */
	void (*on_left_running)(size_t n, void *userdata);
	void *userdata;
};

/* A recording. */
struct sc_record {
	enum sc_record_method method;	  /* the back end used (BPF or PTRACE) */
	uint64_t *counts[_SC_ARCH_COUNT]; /* NULL: ABI not seen; else SC_RECORD_MAX_NR counters */
	uint64_t seen[_SC_ARCH_COUNT][SC_RECORD_MAX_NR / 64]; /* entered at least once */
	uint64_t events;				      /* syscalls entered by targets */
	uint64_t overflow;     /* entered with a number >= SC_RECORD_MAX_NR above the base */
	uint64_t lost_targets; /* processes not followed (eBPF: target map full) */
	size_t left_running;   /* processes still recorded when recording stopped (argv, pid):
				* their later syscalls are not in the recording */
	bool has_status;       /* the command was started and exited while recording */
	int status;	       /* its wait status */
	pid_t pid;	       /* the command's pid (0 when none was started) */
};

struct sc_record *sc_record_new(void);
struct sc_record *sc_record_free(struct sc_record *r);

/* Note one or more entries of syscall 'nr' (as in seccomp_data.nr: x32 bit and mips bases
 * included) on 'arch'. -ERANGE when it is beyond SC_RECORD_MAX_NR (counted in overflow). */
int sc_record_add(struct sc_record *r, enum sc_arch arch, uint32_t nr, uint64_t count);
bool sc_record_has(const struct sc_record *r, enum sc_arch arch, uint32_t nr);
uint64_t sc_record_count(const struct sc_record *r, enum sc_arch arch, uint32_t nr);
/* Number of distinct syscalls seen on 'arch' (all arches when arch < 0). */
size_t sc_record_distinct(const struct sc_record *r, int arch);
/* Add everything in 'src' to 'dst'. */
int sc_record_merge(struct sc_record *dst, const struct sc_record *src);

/* Forget every ABI but 'keep' (`record --abi native`); returns how many distinct syscalls were
 * dropped. */
size_t sc_record_keep_abi(struct sc_record *r, enum sc_arch keep);

/* How the ABIs of a recording overlap. An OCI/Docker profile has no per-rule ABI: runc and
 * libseccomp allow each name on every listed architecture, so a name seen on one ABI only is
 * allowed on the others too. 'only' and 'n_only' are 0 unless two or more ABIs were seen. */
struct sc_record_abis {
	size_t n_abis;		     /* ABIs with at least one call */
	size_t only[_SC_ARCH_COUNT]; /* names seen on this ABI and on no other */
	size_t n_only;		     /* the sum of 'only' */
};
void sc_record_abi_overlap(const struct sc_record *r, struct sc_record_abis *ret);

/* What the eBPF back end needs and this host lacks: one SC_SEV_ERROR per problem, each saying
 * what is missing and how to fix it (build, capabilities in the initial user namespace, BTF,
 * kernel version, memlock). When none is missing, it loads a test raw tracepoint program and
 * attaches it to sys_enter (closed at once), so a seccomp filter or an LSM that refuses
 * bpf() is found too. Returns 0 when recording can work, else the number of problems (> 0). */
int sc_record_bpf_preflight(struct sc_diags *d);
/* The same checks without the test program: no bpf() call (a process whose seccomp profile
 * does not allow bpf can ask), so a filter or LSM refusing bpf() goes unseen. */
int sc_record_bpf_preflight_static(struct sc_diags *d);
/* Whether this build contains the eBPF back end. */
bool sc_record_bpf_built(void);

/* Record as 'o' says. On success *ret holds the recording (method = the back end used) and
 * 'd' may hold notes (why auto fell back to ptrace, processes not followed). On error,
 * -errno and the reasons in 'd' (e.g. -EPERM with the preflight's findings, -ENOENT when
 * the command is not found). */
int sc_record_run(const struct sc_record_opts *o, struct sc_diags *d, struct sc_record **ret);

/* Options for turning a recording into a profile. */
enum sc_record_base {
	SC_RECORD_BASE_NONE,
	SC_RECORD_BASE_RUNTIME, /* what runc needs after it loaded the filter (see record.c) */
};

/* The syscalls a container runtime (runc) makes after loading the filter and before the
 * workload's own code runs; borrowed NULL-terminated list. */
const char *const *sc_record_runtime_base(void);

/* Append the rule of 'base' to 'p' (SC_RECORD_BASE_RUNTIME: sc_record_runtime_base(), one
 * ALLOW rule; SC_RECORD_BASE_NONE: nothing). 0 or -ENOMEM. */
int sc_record_add_base(struct sc_profile *p, enum sc_record_base base);

/* A profile that allows what 'r' saw: defaultAction SCMP_ACT_ERRNO, architectures = the
 * ABIs seen plus 'extra_arches', one SCMP_ACT_ALLOW rule per ABI naming that ABI's syscalls
 * (comment "recorded on ARCH"), then the rule of 'base' and the implicit set
 * (syscage/implicit.h) for those ABIs. Numbers without a name on their ABI are left out and
 * counted in *ret_unnamed (optional). */
int sc_record_to_profile(const struct sc_record *r, const enum sc_arch *extra_arches,
			 size_t n_extra, enum sc_record_base base, struct sc_profile **ret,
			 size_t *ret_unnamed);

/* Merge 'add' into 'p' (--append): every name allowed in 'add' and not yet allowed
 * unconditionally by 'p' is appended to one new ALLOW rule; arches are unioned; the implicit
 * set is added for them by sc_implicit_add() (a rule of 'p' that denies one is kept). The names
 * added (implicit ones aside) are returned in *ret_new (owned array of borrowed names from 'add';
 * free() it). */
int sc_record_profile_append(struct sc_profile *p, const struct sc_profile *add,
			     const char ***ret_new, size_t *ret_n_new);

/* Saving a recording's profile 'p' as `syscage record` does. With 'append' (a file that may not
 * exist yet), 'p' is merged into the profile read from it (diagnostics in 'd') by
 * sc_record_profile_append and that is written; otherwise 'p' is. It goes to 'output' (NULL:
 * 'append', else stdout; "-": stdout): a regular or new file is replaced atomically, anything
 * else that exists (/dev/null, a FIFO) is written through. 'fmt' is an enum sc_format, or < 0
 * for the appended file's (OCI when there is none). *out is filled in also on error: the step
 * reached, and the names new to 'append' (borrowed from 'p'; free() the array). */
enum sc_record_save_step {
	SC_RECORD_SAVE_READ,  /* reading 'append' */
	SC_RECORD_SAVE_MERGE, /* merging into it */
	SC_RECORD_SAVE_WRITE, /* writing the result */
};
struct sc_record_saved {
	enum sc_record_save_step step;
	bool created;	    /* 'append' did not exist yet: 'p' was written as it is */
	const char **fresh; /* with 'append': the names it did not allow yet */
	size_t n_fresh;
};
int sc_record_save(const struct sc_profile *p, const char *append, const char *output, int fmt,
		   struct sc_diags *d, struct sc_record_saved *out);
