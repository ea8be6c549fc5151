/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage export: a profile as configuration for other enforcement points (systemd). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/install.h"
#include "sc-cleanup.h"

const char cmd_export_help[] =
	"Usage: syscage export --format systemd PROFILE [--unit NAME] [--strict] [-o FILE]\n"
	"\n"
	"Write a systemd unit drop-in that enforces PROFILE (seed 003's path for VMs and\n"
	"bare metal):\n"
	"  [Service]\n"
	"  NoNewPrivileges=yes\n"
	"  SystemCallArchitectures=   the profile's architectures in systemd's names\n"
	"                             (x86-64, x86, x32, arm64, ...); 'native' when it lists none\n"
	"  SystemCallFilter=          an allow-list of the ALLOW/LOG syscalls when the\n"
	"                             defaultAction denies; a deny-list '~name[:ERRNO|:kill]'\n"
	"                             when it is ALLOW or LOG\n"
	"  SystemCallErrorNumber=     the default errno as a name (EPERM, ENOSYS, ...)\n"
	"  SystemCallLog=             syscalls with SCMP_ACT_LOG\n"
	"and a comment block listing everything systemd cannot express: argument conditions,\n"
	"per-rule errno in allow-list mode, KILL_THREAD/TRAP/TRACE/NOTIFY, filter flags,\n"
	"architectures systemd has no name for, and the system calls systemd always allows in\n"
	"allow-list mode (its @default set) that the profile denies. Where it cannot be exact\n"
	"it fails closed: a syscall allowed only for some arguments is left out of an\n"
	"allow-list; one denied only for some arguments is put on a deny-list.\n"
	"A file with several documents (e.g. several KubeArmor policies) is merged first.\n"
	"\n"
	"Options:\n"
	"  -f, --format FMT   systemd (the only format so far)\n"
	"  -u, --unit NAME    the unit the drop-in is for (adds an install hint;\n"
	"                     '.service' is appended when NAME has no suffix)\n"
	"      --strict       refuse (exit 1, nothing written) when anything cannot be expressed\n"
	"  -o, --output FILE  write to FILE (atomically) instead of standard output\n"
	"  -h, --help         this text\n"
	"\n"
	"Examples:\n"
	"  syscage export --format systemd app.json --unit nginx \\\n"
	"      -o /etc/systemd/system/nginx.service.d/syscage-seccomp.conf\n"
	"  syscage export --format systemd --strict policy.yaml\n"
	"\n"
	"Exit status: 0; 1 when the profile is invalid or, with --strict, not expressible;\n"
	"2 on usage errors.\n";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "unit", required_argument, NULL, 'u' },
		{ "strict", no_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{},
	};
	const char *format = NULL, *unit = NULL, *out = NULL;
	cleanup_free char *unit_full = NULL, *text = NULL;
	cleanup_(sc_profile_freep) struct sc_profile *p = NULL;
	struct sc_diags d = {}, notes = {};
	struct sc_export_opts eo = {};
	bool strict = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "f:u:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'u':
			unit = optarg;
			break;
		case 'S':
			strict = true;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_bad_option("export");
		}
	}
	if (!format)
		return cli_usage_error("export", "missing --format (systemd)");
	if (!streq(format, "systemd"))
		return cli_usage_error("export", "unknown format '%s' (systemd)", format);
	if (optind != argc - 1)
		return cli_usage_error("export", "export takes one PROFILE");
	if (unit) {
		if (!*unit || strchr(unit, '/') || strpbrk(unit, " \t\n"))
			return cli_usage_error("export", "invalid unit name '%s'", unit);
		if (asprintf(&unit_full, "%s%s", unit, strchr(unit, '.') ? "" : ".service") < 0)
			return cli_error("out of memory");
	}

	r = sc_profile_read_file_merged(argv[optind], &d, &p);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0)
		return EXIT_FINDINGS;

	eo.unit = unit_full;
	eo.source = argv[optind];
	r = sc_profile_export_systemd(p, &eo, &notes, &text);
	if (r < 0) {
		sc_diags_clear(&notes);
		return cli_error("cannot export: %s", strerror(-r));
	}
	if (strict && r > 0) {
		for (size_t i = 0; i < notes.n; i++)
			cli_error("%s", notes.v[i].message);
		sc_diags_clear(&notes);
		return cli_error("%d difference%s systemd cannot express; nothing written "
				 "(drop --strict to write the drop-in with them listed)",
				 r, r == 1 ? "" : "s");
	}
	sc_diags_clear(&notes);
	if (r > 0)
		cli_note("%d difference%s systemd cannot express %s listed in the drop-in's "
			 "comments (--strict refuses them)",
			 r, r == 1 ? "" : "s", r == 1 ? "is" : "are");
	r = sc_write_atomic(out ? out : "-", text, strlen(text), 0644);
	if (r < 0)
		return cli_error("cannot write %s: %s", out ? out : "standard output",
				 strerror(-r));
	return EXIT_OK;
}
