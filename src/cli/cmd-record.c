/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage record: placeholder until its module lands. */
#include "cli.h"

const char cmd_record_help[] = "Usage: syscage record ...\n\nNot built yet.\n";

int cmd_record(int argc, char **argv)
{
	return cli_error("'record' is not implemented in this build");
}
