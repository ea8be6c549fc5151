/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Write every profile format: OCI/Docker JSON, SPO SeccompProfile YAML, KubeArmorSeccompPolicy
 * YAML. libfyaml does the emitting. */
#pragma once

#include <stddef.h>

#include "profile.h"

/* Whether 'p' can be written in 'format': 0, or -EOPNOTSUPP with what in it the format cannot
 * hold written to 'why' (a KubeArmorSeccompPolicy: no argument conditions, no errno but
 * EPERM, only Allow/Block/Audit; SPO and KubeArmor: no Docker-only fields); -ENOMEM ('why':
 * "out of memory"). */
int sc_profile_unfit(const struct sc_profile *p, enum sc_format format, char *why, size_t size);

struct sc_fallback_call;
/* The calls of the fallback set (syscage/implicit.h) that 'p' written as 'format' answers
 * otherwise than 'p' does. A KubeArmor Allow policy can only allow a call or leave it out,
 * and its reader answers a call of the set it leaves out ENOSYS where it allows the older one
 * (sc_implicit_add_fallbacks): an allow-list that answers clone3 otherwise (EPERM, by its
 * default or a rule) while it allows clone is read back answering ENOSYS, and glibc then
 * falls back to clone where it failed before. An allow-list whose rule answers them ENOSYS
 * already loses nothing; OCI and SPO say ENOSYS, and a block list's reader adds no rule.
 * Up to 'max' entries (borrowed) into 'ret'. Returns how many there are, or -EINVAL. */
int sc_profile_write_fallback_changed(const struct sc_profile *p, enum sc_format format,
				      const struct sc_fallback_call **ret, size_t max);

/* Write 'p' in 'format' into a newly allocated string (*ret, NUL-terminated).
 * OCI output is deterministic (normalized order) and pretty-printed. -EOPNOTSUPP when the
 * format cannot hold it (sc_profile_unfit() says why). */
int sc_profile_write_string(const struct sc_profile *p, enum sc_format format, char **ret);

/* Write to 'path' atomically (temp file in the same directory + fsync + rename); "-" = stdout.
 * On error nothing is left behind. */
int sc_profile_write_file(const struct sc_profile *p, enum sc_format format, const char *path);
