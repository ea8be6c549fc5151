/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pods without the API server. A process's cgroup names its container (see
 * sc_container_from_cgroup in logs.h); the kubelet's log links name the pod:
 *   /var/log/containers/<pod>_<namespace>_<container>-<container id>.log
 *     -> /var/log/pods/<namespace>_<pod>_<pod uid>/<container>/<restart>.log
 * Pod and namespace names are DNS-1123 and cannot hold '_', so the split is exact. The pod uid
 * is also in the cgroup path (kubepods-...-pod<uid>.slice or .../pod<uid>/...), which
 * confirms the match with either cgroup driver (systemd, cgroupfs). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SC_POD_NAME_MAX 254 /* DNS-1123 subdomain + NUL */
#define SC_POD_ID_MAX	129 /* a container id (64 hex for containerd/CRI-O/docker) + NUL */

struct sc_pod_ref {
	char namespace[64];
	char pod[SC_POD_NAME_MAX];
	char uid[64]; /* pod uid as in the log dir; "" when unknown */
	char container[SC_POD_NAME_MAX];
	char container_id[SC_POD_ID_MAX];
	const char *runtime; /* "containerd", "cri-o", "docker", "podman", NULL */
};

/* Where the look-ups read; NULL members mean the real paths. Tests point these at a tree. */
struct sc_pods_paths {
	const char *proc_root;	     /* "/proc" */
	const char *cgroup_root;     /* "/sys/fs/cgroup" */
	const char *containers_logs; /* "/var/log/containers" */
	const char *pods_logs;	     /* "/var/log/pods" */
};

/* The pod of a container id: 0 and *ret filled, -ENOENT when the kubelet has no log link for
 * it (not a pod's container, or gone), -errno on other errors. */
int sc_pod_from_container_id(const struct sc_pods_paths *p, const char *container_id,
			     struct sc_pod_ref *ret);

/* The pod of a process: its /proc/<pid>/cgroup, then sc_pod_from_container_id. -ESRCH when the
 * process is gone, -ENOENT when it is not in a pod's container. A container that is not a pod's
 * (plain podman, ctr) still gets container_id and runtime, with namespace/pod/container "" and
 * the return value -ENOENT. */
int sc_pod_from_pid(const struct sc_pods_paths *p, pid_t pid, struct sc_pod_ref *ret);

/* Every container cgroup (v2) under cgroup_root whose pod matches 'glob' ("NAMESPACE/POD-GLOB",
 * fnmatch on both parts): fn(cgroup_dir, ref, userdata) per match. Returns 0, or fn's first
 * negative return. */
int sc_pods_walk_cgroups(const struct sc_pods_paths *p, const char *glob,
			 int (*fn)(const char *cgroup_dir, const struct sc_pod_ref *ref, void *userdata),
			 void *userdata);

/* Does "NAMESPACE/POD-GLOB" match this pod? A glob without '/' matches the pod name in any
 * namespace. */
bool sc_pod_glob_matches(const char *glob, const char *namespace, const char *pod);
