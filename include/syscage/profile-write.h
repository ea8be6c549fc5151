/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Write every profile format: OCI/Docker JSON, SPO SeccompProfile YAML, KubeArmorSeccompPolicy
 * YAML. libfyaml does the emitting. */
#pragma once

#include <stddef.h>

#include "profile.h"

/* Whether 'p' can be written in 'format': 0, or -EOPNOTSUPP with what in it the format cannot
 * hold written to 'why' (a KubeArmorSeccompPolicy: no argument conditions, no errno but
 * EPERM, only Allow/Block/Audit; SPO and KubeArmor: no Docker-only fields). */
int sc_profile_unfit(const struct sc_profile *p, enum sc_format format, char *why, size_t size);

/* Write 'p' in 'format' into a newly allocated string (*ret, NUL-terminated).
 * OCI output is deterministic (normalized order) and pretty-printed. -EOPNOTSUPP when the
 * format cannot hold it (sc_profile_unfit() says why). */
int sc_profile_write_string(const struct sc_profile *p, enum sc_format format, char **ret);

/* Write to 'path' atomically (temp file in the same directory + fsync + rename); "-" = stdout.
 * On error nothing is left behind. */
int sc_profile_write_file(const struct sc_profile *p, enum sc_format format, const char *path);
