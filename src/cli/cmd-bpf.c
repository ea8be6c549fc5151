/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage bpf: placeholder until its module lands. */
#include "cli.h"

const char cmd_bpf_help[] = "Usage: syscage bpf ...\n\nNot built yet.\n";

int cmd_bpf(int argc, char **argv)
{
	return cli_error("'bpf' is not implemented in this build");
}
