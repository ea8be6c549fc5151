/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage run: placeholder until its module lands. */
#include "cli.h"

const char cmd_run_help[] = "Usage: syscage run ...\n\nNot built yet.\n";

int cmd_run(int argc, char **argv)
{
	return cli_error("'run' is not implemented in this build");
}
