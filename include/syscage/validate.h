/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Semantic validation of a profile: the checks of `syscage check` that need no source text. */
#pragma once

#include <stdbool.h>

#include "arch.h"
#include "diag.h"
#include "profile.h"

/* Semantic validation (the checks of `syscage check` that need no source text):
 * unknown names (errors with suggestions, warnings per arch), arg index > 5, errno range,
 * conflicting actions for one syscall, and the warnings (defaultAction ALLOW/LOG, no
 * architectures, allows what RuntimeDefault blocks). Appends to 'd'; returns the number of
 * errors (>= 0) or -errno. */
int sc_profile_validate(const struct sc_profile *p, struct sc_diags *d);

struct sc_validate_opts {
	/* The native arch of the machines the profile is meant for: the arch names are checked
	 * against when the profile lists none, and the archMap entry that applies. */
	enum sc_arch native;
	bool has_native; /* false: the arch this binary runs on; archMap entries all count */
};

/* As sc_profile_validate(); 'opts' may be NULL. Returns the number of errors added or -errno. */
int sc_profile_validate_with(const struct sc_profile *p, const struct sc_validate_opts *opts,
			     struct sc_diags *d);

/* Only the syscall-name checks of sc_profile_validate_with() (unknown names with suggestions,
 * names that are no syscall on the arches a rule applies to, empty names): what `run` and
 * `bpf` report before compiling. Returns the number of errors added or -errno. */
int sc_profile_validate_names(const struct sc_profile *p, const struct sc_validate_opts *opts,
			      struct sc_diags *d);

/* defaultAction SCMP_ACT_NOTIFY without a listenerPath: a warning (the kernel fails every call
 * the profile does not list with ENOSYS when no listener is attached). The rules' NOTIFY
 * actions are checked by sc_profile_validate_with(). Returns 0 or -errno. */
int sc_profile_validate_notify(const struct sc_profile *p, struct sc_diags *d);
