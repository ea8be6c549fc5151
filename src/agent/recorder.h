/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's --record: one node recorder (syscage/record-node.h) for every container below
 * the kubelet's kubepods cgroups, a bitmap per cgroup in the kernel from its first syscall on.
 * Here: the cgroups' paths (from their mkdir events and a walk at start), their pods and
 * containers (the kubelet's log links, sc_pod_from_container_id), and draining: an ended
 * cgroup's bitmap is merged into <state-dir>/recorded/<ns>/<pod>/<container>.json (as
 * `record --append` does) within a second of its rmdir, a live one's every 10 s and at exit.
 * Events go to the log callback as key=value lines; nothing is printed here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "syscage/pods.h"

struct sc_agent_recorder_opts {
	const struct sc_pods_paths *paths; /* cgroup root, kubelet log links (under --host-root) */
	const char *state_dir;		   /* profiles go to <state_dir>/recorded/ */
	const char *const *globs;	   /* NAMESPACE/POD-GLOB */
	size_t n_globs;
	uint32_t max_cgroups; /* 0: the node recorder's default */
	void (*log)(void *userdata, const char *level, const char *line);
	void *userdata;
};

struct sc_agent_recorder;

/* Always returns a recorder (NULL only on -ENOMEM): when the kernel side cannot load or no
 * kubepods cgroup exists yet, it says so once and tries again on later ticks. */
int sc_agent_recorder_new(const struct sc_agent_recorder_opts *o, struct sc_agent_recorder **ret);
/* Drains every bitmap into its profile, then unloads. */
struct sc_agent_recorder *sc_agent_recorder_free(struct sc_agent_recorder *r);

/* The fd to poll for cgroup events, -1 while the kernel side is not loaded; it changes when
 * a tick loads it (sc_agent_recorder_tick returns 1 then). */
int sc_agent_recorder_fd(const struct sc_agent_recorder *r);
/* The fd polled readable: read the cgroup events. */
void sc_agent_recorder_events(struct sc_agent_recorder *r);
/* Every second: drain ended cgroups (live ones every 10th tick). 1 when the fd changed. */
int sc_agent_recorder_tick(struct sc_agent_recorder *r);

/* The recorder's metrics; with r NULL (no --record), syscage_recorder_up 0 only. */
void sc_agent_recorder_metrics(struct sc_agent_recorder *r, FILE *f);
