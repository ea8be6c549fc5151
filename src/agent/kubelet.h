/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the agent checks about the node's kubelet before it installs anything (seeds 001-003):
 * whether the kubelet applies RuntimeDefault to pods without a profile (`seccompDefault` in
 * its config file), whether <kubelet-root>/seccomp lives on the kubelet root's filesystem
 * (a hostPath or bind mount that is not, is a classic reason profiles "vanish"), and whether
 * the eBPF recorder can run here. */
#pragma once

#include <stdbool.h>

#include "syscage/diag.h"

struct sc_kubelet_preflight {
	int seccomp_default; /* 1: seccompDefault true; 0: false or absent; -1: unknown (config
			      * missing, empty or unreadable) */
	int same_fs;	     /* 1: <root>/seccomp on the kubelet root's filesystem; 0: not; -1: ? */
	int bpf_available;   /* 1: the eBPF recorder's preflight passed; 0: not */
};

/* Does the node's runc accept a profile's "flags"? runc before 1.2 refuses any profile that
 * has them ("seccomp flags are not yet supported by runc"; checked on Debian 12's 1.1.5), so a
 * pod bound to a profile with SECCOMP_FILTER_FLAG_LOG never starts there. Looks for runc in
 * the usual places under 'host_root' (NULL or "/": this root) and learns its version by
 * running `runc --version`, else (an image without runc's libraries) by running it with the
 * node's own loader and libraries, else from the node's dpkg database. Returns 1 (accepts:
 * 1.2 or later), 0 (refuses), -ENOENT (no runc visible) or -EINVAL (a runc whose version
 * cannot be told); the version found goes to 'version' (may be NULL). */
int sc_runc_accepts_flags(const char *host_root, char *version, size_t size);
/* The same, and when the version cannot be told, the first line runc (or the node's loader
 * running it) printed instead, or "timed out" (each run is killed after 5 s), into 'said'
 * ("" when it printed nothing). Nothing runc prints reaches the agent's stderr. */
int sc_runc_probe(const char *host_root, char *version, size_t size, char *said, size_t said_size);

/* seccompDefault of a kubelet config file (KubeletConfiguration YAML or JSON): 1 when true,
 * 0 when false or absent (also when featureGates.SeccompDefault is false), -errno when the
 * file cannot be read, -ENODATA when it holds no document (empty, comments only), -EINVAL
 * when it is not YAML (location in 'd'). */
int sc_kubelet_seccomp_default(const char *config_path, struct sc_diags *d);

/* Run every check; never fails: what could not be checked is -1 with a note in 'd'
 * (SC_SEV_WARNING per finding, SC_SEV_NOTE for information). 'config_path' NULL means
 * <kubelet_root>/config.yaml; a config that is missing or empty leaves seccomp_default -1.
 * 'bpf_load': the eBPF check loads and attaches a test program (sc_record_bpf_preflight),
 * else it makes no bpf() call (sc_record_bpf_preflight_static). */
void sc_kubelet_preflight(const char *kubelet_root, const char *config_path, bool bpf_load,
			  struct sc_diags *d, struct sc_kubelet_preflight *ret);

/* The seccomp decisions the kernel logs (<proc_root>/sys/kernel/seccomp/actions_logged; NULL:
 * /proc), comma-separated: "kill_process,kill_thread,trap,errno,user_notif,trace,log" by
 * default. Without kill_process there, no KILL_PROCESS denial leaves a record. 0 or -errno. */
int sc_seccomp_actions_logged(const char *proc_root, char *buf, size_t size);
