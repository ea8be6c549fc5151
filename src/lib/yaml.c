/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the libfyaml diagnostic set-up every parser in the library uses (see yaml.h). */
#include <stddef.h>

#include "yaml.h"

struct fy_diag *sc_yaml_quiet_diag(bool collect)
{
	/* Filled here rather than by fy_diag_cfg_default(), which asks isatty(stderr): one
	 * ioctl per parse, 10,000 of them in an agent pass, for colours never printed. */
	struct fy_diag_cfg dcfg = {
		.fp = NULL,
		.level = FYET_ERROR,
		.module_mask = ~0u,
		.colorize = false,
	};
	struct fy_diag *diag;

	diag = fy_diag_create(&dcfg);
	if (diag && collect)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

bool sc_yaml_first_error(struct fy_diag *diag, struct sc_loc *loc, const char **msg)
{
	struct fy_diag_error *de;
	void *it = NULL;

	while ((de = fy_diag_errors_iterate(diag, &it)))
		if (de->type == FYET_ERROR && de->msg) {
			loc->line = de->line > 0 ? (unsigned)de->line : 0;
			loc->col = de->column > 0 ? (unsigned)de->column : 0;
			*msg = de->msg;
			return true;
		}
	return false;
}
