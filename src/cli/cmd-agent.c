/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage agent: being built (placeholder so the verb table links). */
#include "cli.h"

const char cmd_agent_help[] = "Usage: syscage agent ...\n\nNot built yet.\n";

int cmd_agent(int argc, char **argv)
{
	return cli_error("'agent' is not built yet");
}
