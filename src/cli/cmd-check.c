/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage check: placeholder until its module lands. */
#include "cli.h"

const char cmd_check_help[] = "Usage: syscage check ...\n\nNot built yet.\n";

int cmd_check(int argc, char **argv)
{
	return cli_error("'check' is not implemented in this build");
}
