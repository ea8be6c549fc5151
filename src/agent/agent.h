/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node agent: one process, one epoll loop over inotify (the policies directory, kubelet
 * ConfigMap atomic writer or plain directory), a signalfd (SIGHUP reconcile now, SIGTERM/SIGINT
 * clean exit even mid-reconcile), timerfds (debounce, periodic resync, the --record drain
 * tick), the node recorder's cgroup events, libmicrohttpd's epoll fds (/healthz /readyz
 * /metrics on one listener, /profiles /violations on another) and, when built, the violations
 * follower's fds. Events go to the log callback as one key=value line each; nothing is printed
 * here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscage/arch.h"

struct sc_agent_opts {
	const char *policies_dir;   /* required */
	const char *kubelet_root;   /* required */
	const char *root;	    /* NULL: "syscage" */
	const char *listen;	    /* /healthz /readyz /metrics; NULL: "127.0.0.1:9402"; "none" */
	const char *data_listen;    /* /profiles /violations; NULL: "127.0.0.1:9403", or "none"
				     * when 'listen' is, or port 0 when 'listen' has port 0 */
	const char *state_dir;	    /* NULL: "/var/lib/syscage" */
	const char *kubelet_config; /* NULL: <kubelet_root>/config.yaml */
	const enum sc_arch *arches;
	size_t n_arches;
	bool no_log_flag;
	bool once;		   /* reconcile once and return */
	const char *const *record; /* NAMESPACE/POD-GLOB, recorded as `syscage record` does */
	size_t n_record;
	const char *const *heal; /* NAMESPACE/POD-GLOB whose denials are merged into recorded */
	size_t n_heal;
	const char *kmsg_path; /* NULL: /dev/kmsg */
	const char *audit_log; /* NULL: auditd's log when present */
	unsigned debounce_ms;  /* 0: 100 */
	unsigned resync_s;     /* 0: 300 */
	unsigned jobs;	       /* reconcile threads; 0: one per usable CPU, at most 4 */
	const char
		*host_root; /* the node's / (a DaemonSet mounts it, e.g. /host); NULL: "/":
			     * where runc and the pod look-ups (/proc, cgroups, kubelet logs) are */
	/* Called from the agent's thread only. */
	void (*log)(void *userdata, const char *level, const char *line);
	/* Optional. The lines handed to 'log' so far must reach their destination now: called
	 * when sc_agent_run starts, once a pass has written its profiles (before they are
	 * renamed into place), before the loop waits for events (after every pass) and before
	 * sc_agent_run returns. A sink that holds lines until then writes a pass's lines at
	 * once (10,000 of them for a first reconcile of 10,000 policies). */
	void (*log_flush)(void *userdata);
	void *userdata;
};

struct sc_agent;

/* Check options, run the preflight (logged), open the root (created when missing). */
int sc_agent_new(const struct sc_agent_opts *o, struct sc_agent **ret);
struct sc_agent *sc_agent_free(struct sc_agent *a);

/* Run until SIGTERM/SIGINT (blocks those signals and SIGHUP for the loop's signalfd;
 * restores the mask on return). With 'once': one reconcile. Returns 0, 1 when 'once' and a
 * policy was rejected, or -errno (setup failed; the reconcile's own errors are logged and
 * counted, not fatal). */
int sc_agent_run(struct sc_agent *a);

/* Why the last pass failed or left profiles not updated, in words that name the path and say
 * what to do (borrowed, valid until the next pass); NULL after a good pass. --once prints it
 * when sc_agent_run returns -errno. */
const char *sc_agent_error(const struct sc_agent *a);

/* The metrics listener's port (after sc_agent_new), 0 without it; the data listener's is
 * logged (event=data-listen). */
uint16_t sc_agent_http_port(const struct sc_agent *a);
