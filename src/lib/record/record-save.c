/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns saving a recording's profile as `syscage record` does (the CLI's --append/--output and
 * the agent's recorder children): merge into the profile already in a file, then write it
 * atomically, or through for something that is not a regular file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "syscage/record.h"

int sc_record_save(const struct sc_profile *p, const char *append, const char *output, int fmt,
		   struct sc_diags *d, struct sc_record_saved *out)
{
	struct sc_profile *old = NULL;
	int r;

	*out = (struct sc_record_saved){ .step = SC_RECORD_SAVE_READ };
	if (append && access(append, F_OK) < 0)
		out->created = true;
	else if (append) {
		r = sc_profile_read_file(append, d, &old);
		if (r < 0)
			return r;
		if (fmt < 0)
			fmt = old->meta.format;
		out->step = SC_RECORD_SAVE_MERGE;
		r = sc_record_profile_append(old, p, &out->fresh, &out->n_fresh);
		if (r < 0) {
			sc_profile_free(old);
			return r;
		}
	}
	out->step = SC_RECORD_SAVE_WRITE;
	r = sc_profile_write_file(old ? old : p, fmt < 0 ? SC_FORMAT_OCI : (enum sc_format)fmt,
				  output   ? output
				  : append ? append
					   : "-");
	sc_profile_free(old);
	return r;
}
