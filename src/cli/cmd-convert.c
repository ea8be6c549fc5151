/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage convert: placeholder until its module lands. */
#include "cli.h"

const char cmd_convert_help[] = "Usage: syscage convert ...\n\nNot built yet.\n";

int cmd_convert(int argc, char **argv)
{
	return cli_error("'convert' is not implemented in this build");
}
