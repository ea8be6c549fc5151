/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage inspect: being built (placeholder so the verb table links). */
#include "cli.h"

const char cmd_inspect_help[] = "Usage: syscage inspect ...\n\nNot built yet.\n";

int cmd_inspect(int argc, char **argv)
{
	return cli_error("'inspect' is not built yet");
}
