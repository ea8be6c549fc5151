/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage audit-profile: placeholder until its module lands. */
#include "cli.h"

const char cmd_audit_profile_help[] = "Usage: syscage audit-profile ...\n\nNot built yet.\n";

int cmd_audit_profile(int argc, char **argv)
{
	return cli_error("'audit-profile' is not implemented in this build");
}
