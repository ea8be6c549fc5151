/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pods without the API server. A process's cgroup names its container (see
 * sc_container_from_cgroup in cgroup.h); the kubelet's log links name the pod:
 *   /var/log/containers/<pod>_<namespace>_<container>-<container id>.log
 *     -> /var/log/pods/<namespace>_<pod>_<pod uid>/<container>/<restart>.log
 * Pod and namespace names are DNS-1123 and cannot hold '_', so the split is exact. The pod uid
 * is also in the cgroup path (kubepods-...-pod<uid>.slice or .../pod<uid>/...), which
 * confirms the match with either cgroup driver (systemd, cgroupfs): a link whose uid differs
 * from the cgroup's is not believed, so a process cannot pass for another pod by naming a
 * nested cgroup after that pod's container. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SC_POD_NAME_MAX 254 /* DNS-1123 subdomain + NUL */
#define SC_POD_ID_MAX	129 /* a container id (64 hex for containerd/CRI-O/docker) + NUL */

struct sc_pod_ref {
	char namespace[64];
	char pod[SC_POD_NAME_MAX];
	char uid[64]; /* pod uid as in the log dir (dashes, as the API shows it); "" when unknown */
	char container[SC_POD_NAME_MAX]; /* "" when the pod is known but not which container */
	char container_id[SC_POD_ID_MAX];
	/* "containerd", "cri-o", "docker", "podman" from the cgroup name; NULL when the cgroup
	 * does not say (cgroupfs driver: .../pod<uid>/<id>). Static storage. */
	const char *runtime;
};

/* Where the look-ups read; NULL members mean the real paths. Tests point these at a tree. */
struct sc_pods_paths {
	const char *proc_root;	     /* "/proc" */
	const char *cgroup_root;     /* "/sys/fs/cgroup" */
	const char *containers_logs; /* "/var/log/containers" */
	const char *pods_logs;	     /* "/var/log/pods" */
};

/* The pod of a container id: 0 and *ret filled, -ENOENT when the kubelet has no log link for
 * it (not a pod's container, or gone), -EINVAL for an id that is not 12..128 hex digits,
 * -errno on other errors. A prefix of at least 12 hex digits is accepted when it names one
 * link only. */
int sc_pod_from_container_id(const struct sc_pods_paths *p, const char *container_id,
			     struct sc_pod_ref *ret);

/* The pod of a process: its /proc/<pid>/cgroup, then sc_pod_from_container_id. -ESRCH when the
 * process is gone, -ENOENT when it is not in a pod's container. A container that is not a pod's
 * (plain podman, ctr) still gets container_id and runtime, with namespace/pod/container "" and
 * the return value -ENOENT. *ret is always written (zeroed first).
 * When the cgroup names a pod uid but the kubelet left no link for the container id (log
 * links removed, or a pod's sandbox), /var/log/pods/<ns>_<pod>_<uid>/ still names the pod;
 * container is then the pod's only container directory, or "" when there are several. */
int sc_pod_from_pid(const struct sc_pods_paths *p, pid_t pid, struct sc_pod_ref *ret);

/* When process 'pid' started, in milliseconds since the epoch (from /proc/<pid>/stat and the
 * boot time in /proc/stat; about 10 ms resolution, boot time to the second). Used to tell a
 * live process from a reused pid when attributing an old record. 0 or -errno (-ESRCH). */
int sc_pid_start_ms(const struct sc_pods_paths *p, pid_t pid, uint64_t *ret);

/* Every container cgroup (v2; the "unified" hierarchy on hybrid v1 systems) under
 * cgroup_root whose pod matches 'glob' ("NAMESPACE/POD-GLOB", fnmatch on both parts; NULL or
 * "*" for all pods): fn(cgroup_dir, ref, userdata) per match, cgroup_dir an absolute path.
 * Only container cgroups directly below a pod's cgroup count, and the walk does not descend
 * into them (a container may create cgroups of its own). Sandbox (pause) containers have no
 * log link and are skipped. Returns 0, or fn's first negative return, or -errno when
 * cgroup_root cannot be read. */
int sc_pods_walk_cgroups(const struct sc_pods_paths *p, const char *glob,
			 int (*fn)(const char *cgroup_dir, const struct sc_pod_ref *ref,
				   void *userdata),
			 void *userdata);

/* Does "NAMESPACE/POD-GLOB" match this pod? A glob without '/' matches the pod name in any
 * namespace. fnmatch(3) patterns without flags: '*' '?' '[...]'. */
bool sc_pod_glob_matches(const char *glob, const char *namespace, const char *pod);
