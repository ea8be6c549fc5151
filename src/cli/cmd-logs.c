/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage logs: placeholder until its module lands. */
#include "cli.h"

const char cmd_logs_help[] = "Usage: syscage logs ...\n\nNot built yet.\n";

int cmd_logs(int argc, char **argv)
{
	return cli_error("'logs' is not implemented in this build");
}
