/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Semantic validation with options (sc_profile_validate() in profile.h uses the defaults). */
#pragma once

#include <stdbool.h>

#include "arch.h"
#include "diag.h"
#include "profile.h"

struct sc_validate_opts {
	/* The native arch of the machines the profile is meant for: the arch names are checked
	 * against when the profile lists none, and the archMap entry that applies. */
	enum sc_arch native;
	bool has_native; /* false: the arch this binary runs on; archMap entries all count */
};

/* As sc_profile_validate(); 'opts' may be NULL. Returns the number of errors added or -errno. */
int sc_profile_validate_with(const struct sc_profile *p, const struct sc_validate_opts *opts,
			     struct sc_diags *d);
