/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Write every profile format: OCI/Docker JSON, SPO SeccompProfile YAML, KubeArmorSeccompPolicy
 * YAML. libfyaml does the emitting. */
#pragma once

#include "profile.h"

/* Write 'p' in 'format' into a newly allocated string (*ret, NUL-terminated).
 * OCI output is deterministic (normalized order) and pretty-printed. */
int sc_profile_write_string(const struct sc_profile *p, enum sc_format format, char **ret);

/* Write to 'path' atomically (temp file in the same directory + fsync + rename); "-" = stdout.
 * On error nothing is left behind. */
int sc_profile_write_file(const struct sc_profile *p, enum sc_format format, const char *path);
