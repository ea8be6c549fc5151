/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cgroup paths and the text of /proc/<pid>/cgroup, for pods.c (a container -> its pod),
 * inspect.c (a process's runtime) and audit/logs.c (a record's pid -> its container) alike
 * (internal to libsyscage). One table of container runtimes names them for all three. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One line of /proc/<pid>/cgroup: "hierarchy-ID:controllers:path" (v2: "0::path"). */
struct sc_cgroup_line {
	const char *line; /* the whole line, without its '\n' */
	size_t line_len;
	const char *path; /* after the second ':' */
	size_t path_len;
};

/* The next line of 'text' that has two ':' (others are skipped), from *cur up to 'end';
 * advances *cur. false at the end. */
bool sc_cgroup_next_line(const char **cur, const char *end, struct sc_cgroup_line *ret);

/* n bytes of lowercase hex, as container ids are written. */
bool sc_cgroup_is_hex(const char *s, size_t n);

/* One component "<prefix><id>[.scope]" with a runtime's prefix (cri-containerd-, crio-,
 * docker-, libpod-) and an id of 12 to 128 hex digits: true, with the id (borrowed, *id_n
 * bytes) and the runtime's name. A bare id is for the caller to judge: its rules differ
 * (a pod's child in pods.c, any 64-digit component in logs.c). */
bool sc_cgroup_prefixed_id(const char *c, size_t n, const char **id, size_t *id_n,
			   const char **runtime);

/* Is 'name' one of the runtimes a systemd-driver scope names ("containerd", "cri-o",
 * "docker", "podman"), rather than a guess from a bare id ("kubepods", "container")? */
bool sc_cgroup_runtime_named(const char *name);

/* "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid with _>.slice" (systemd): true, with
 * the uid (dashes restored) in uid. */
bool sc_cgroup_pod_component(const char *c, size_t n, char *uid, size_t size);

/* A container component right below a pod: "<prefix><id>[.scope]" or a bare id (cgroupfs,
 * runtime NULL). The id is copied into id (NUL-terminated). */
bool sc_cgroup_container_component(const char *c, size_t n, char *id, size_t size,
				   const char **ret_runtime);

/* In one cgroup path: the outermost pod component (its uid) and the container component
 * right below it. */
bool sc_cgroup_pod_path(const char *path, size_t len, char *uid, size_t uid_size, char *id,
			size_t id_size, const char **runtime);

/* Every container cgroup directly below a pod's cgroup under p->cgroup_root, as
 * sc_pods_walk_cgroups walks them, but without reading the kubelet's links: fn gets the pod
 * uid, the container id and the runtime (NULL when the name does not say) the cgroup names.
 * Containers outside pods whose cgroup names its runtime (libpod-<id>, docker-<id>.scope)
 * come too, with uid "". Returns 0, fn's first negative return, or -errno when the cgroup
 * root cannot be read. */
struct sc_pods_paths;
int sc_pods_walk_containers(const struct sc_pods_paths *p,
			    int (*fn)(const char *cgroup_dir, const char *uid, const char *id,
				      const char *runtime, void *userdata),
			    void *userdata);

/* The pod of a container whose cgroup names pod uid 'uid' and container id 'id': the kubelet's
 * link for the id (believed only when its uid is the cgroup's), else /var/log/pods/<ns>_<pod>_
 * <uid>/ (the container then only when the pod has one). As sc_pod_from_pid after reading
 * the cgroup: *ret always written (ids and runtime kept), 0 or -ENOENT. */
struct sc_pod_ref;
int sc_pod_from_ids(const struct sc_pods_paths *p, const char *uid, const char *id,
		    const char *runtime, struct sc_pod_ref *ret);
