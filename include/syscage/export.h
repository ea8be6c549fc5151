/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Export a profile to other enforcement points. systemd: a unit drop-in with
 * SystemCallFilter= and friends (seed 003's bare-metal path), naming what systemd's filter
 * cannot express. */
#pragma once

#include "profile.h"

struct sc_export_opts {
	const char *unit;   /* "nginx.service" or NULL: only used in the install hint */
	const char *source; /* profile path for the header comment, or NULL */
};

/* Write a systemd drop-in for 'p' into *ret (owned, NUL-terminated): [Service] with
 * NoNewPrivileges=yes, SystemCallArchitectures= (systemd's names; "native" when the profile
 * lists none), SystemCallFilter= (an allow-list when defaultAction denies, a deny-list "~..."
 * with per-syscall ":ERRNO"/":kill" when it is ALLOW or LOG), SystemCallErrorNumber= and
 * SystemCallLog= (LOG rules), and a comment block listing every difference systemd cannot
 * express: argument conditions, includes/excludes, per-rule errno that differs from the
 * default in allow-list mode, KILL_THREAD/TRAP/TRACE/NOTIFY, filter flags, the system calls
 * systemd always allows in allow-list mode (its @default set) that the profile denies,
 * architectures systemd does not know, names unknown on every arch. Each difference is also
 * added to 'd' (may be NULL) as a warning. Conditional rules are resolved failing closed: an
 * allow-list leaves out a syscall allowed only with conditions, a deny-list lists one denied
 * only with conditions. Returns the number of differences (>= 0) or -errno. */
int sc_profile_export_systemd(const struct sc_profile *p, const struct sc_export_opts *o,
			      struct sc_diags *d, char **ret);

/* systemd's name of an arch ("x86-64", "arm64", "mips64-le-n32"), or NULL when systemd has
 * none. */
const char *sc_arch_systemd_name(enum sc_arch a);
