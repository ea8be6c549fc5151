/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a cgroup path, or the text of /proc/<pid>/cgroup, says: the container and its runtime,
 * the pod uid. One table of the runtimes' cgroup names serves logs, pods and inspect. */
#pragma once

#include <stddef.h>

/* The container of a process from the text of /proc/<pid>/cgroup (v1 or v2): containerd
 * "cri-containerd-<id>.scope", CRI-O "crio-<id>.scope", Docker "docker-<id>.scope" and
 * "/docker/<id>", podman "libpod-<id>.scope", cgroupfs kubepods ".../pod<uid>/<id>".
 * Writes the id (NUL-terminated) and the runtime name ("containerd", "cri-o", "docker",
 * "podman"; for a bare id whose parent does not say, "kubepods" below kubepods, else
 * "container"); returns 1 when found, 0 when not. */
int sc_container_from_cgroup(const char *text, size_t len, char *id, size_t id_size,
			     const char **ret_runtime);

/* The pod uid named by a cgroup path or by the text of /proc/<pid>/cgroup: the outermost
 * "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid>.slice" (systemd; its '_' turned back
 * into '-'). Returns 1 and writes uid, 0 when there is none. */
int sc_pod_uid_from_cgroup(const char *text, size_t len, char *uid, size_t uid_size);

/* The runtime a cgroup path names ("kube (containerd)", "podman", "docker", "lxc", "cri-o",
 * "containerd"), and the container id in its leaf when there is one (64 hex, or at least 12),
 * else "". Returns 1 when the path names a runtime, 0 when not, -EINVAL. */
int sc_runtime_from_cgroup(const char *path, char *ret_runtime, size_t runtime_size, char *ret_id,
			   size_t id_size);
