/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage k8s: being built (placeholder so the verb table links). */
#include "cli.h"

const char cmd_k8s_help[] = "Usage: syscage k8s ...\n\nNot built yet.\n";

int cmd_k8s(int argc, char **argv)
{
	return cli_error("'k8s' is not built yet");
}
