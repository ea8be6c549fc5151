/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage explain: placeholder until its module lands. */
#include "cli.h"

const char cmd_explain_help[] = "Usage: syscage explain ...\n\nNot built yet.\n";

int cmd_explain(int argc, char **argv)
{
	return cli_error("'explain' is not implemented in this build");
}
