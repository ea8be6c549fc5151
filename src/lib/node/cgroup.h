/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container ids in cgroup path components, for logs.c (a record's pid -> its container) and
 * pods.c (a container -> its pod) alike (internal to libsyscage). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* n bytes of lowercase hex, as container ids are written. */
bool sc_cgroup_is_hex(const char *s, size_t n);

/* One component "<prefix><id>[.scope]" with a runtime's prefix (cri-containerd-, crio-,
 * docker-, libpod-) and an id of 12 to 128 hex digits: true, with the id (borrowed, *id_n
 * bytes) and the runtime's name. A bare id is for the caller to judge: its rules differ
 * (a pod's child in pods.c, any 64-digit component in logs.c). */
bool sc_cgroup_prefixed_id(const char *c, size_t n, const char **id, size_t *id_n,
			   const char **runtime);
