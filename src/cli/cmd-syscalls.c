/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage syscalls: syscall name <-> number on any arch. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_syscalls_help[] =
	"Usage: syscage syscalls [--arch ARCH] [-o text|json] [NAME|NUMBER ...]\n"
	"\n"
	"Print 'NUMBER NAME' for each syscall given, as the kernel numbers it on ARCH\n"
	"(the native arch by default; mips bases and the x32 bit included). With no\n"
	"NAME or NUMBER, list every syscall of ARCH in number order.\n"
	"\n"
	"Options:\n"
	"  -a, --arch ARCH    x86_64, x86 (i386), x32, aarch64 (arm64), arm, ppc64le, s390x,\n"
	"                     riscv64, mips64, ...; SCMP_ARCH_* names and audit tokens\n"
	"                     (c000003e) are accepted too\n"
	"  -o, --output FMT   text (default) or json\n"
	"  -h, --help         this text\n"
	"\n"
	"Examples:\n"
	"  syscage syscalls openat mseal          # 257 openat / 462 mseal on x86_64\n"
	"  syscage syscalls --arch i386 102       # 102 socketcall\n"
	"  syscage syscalls --arch aarch64 | wc -l\n"
	"\n"
	"Exit status: 0, or 1 when a name or number is unknown on ARCH (with suggestions).\n";

static int print_one(FILE *f, bool json, bool *first, uint32_t nr, const char *name)
{
	if (!json)
		return fprintf(f, "%u %s\n", nr, name) < 0 ? -EIO : 0;
	fprintf(f, "%s\n  {\"number\": %u, \"name\": ", *first ? "" : ",", nr);
	sc_json_string(f, name);
	fputc('}', f);
	*first = false;
	return 0;
}

static int lookup(enum sc_arch arch, const char *arg, bool json, bool *first)
{
	const char *name;
	char *end;
	unsigned long v;
	int nr;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (*arg >= '0' && *arg <= '9' && !*end && !errno) {
		name = v <= UINT32_MAX ? sc_syscall_to_name(arch, (uint32_t)v) : NULL;
		if (!name) {
			cli_error("no syscall %s on %s", arg, sc_arch_info(arch)->name);
			return -ENOENT;
		}
		return print_one(stdout, json, first, (uint32_t)v, name);
	}
	nr = sc_syscall_from_name(arch, arg);
	if (nr >= 0)
		return print_one(stdout, json, first, (uint32_t)nr, arg);
	if (nr == -ENOSYS) {
		cli_error("%s is not a syscall on %s (it is on other arches; try --arch)", arg,
			  sc_arch_info(arch)->name);
	} else {
		(void)cli_unknown_syscall(arg);
	}
	return nr;
}

int cmd_syscalls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{},
	};
	enum sc_arch arch = sc_arch_native();
	bool json = false, first = true;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "+a:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_arch(optarg, &arch) < 0)
				return EXIT_USAGE;
			break;
		case 'o':
			if (cli_parse_output("syscalls", optarg, &json) < 0)
				return EXIT_USAGE;
			break;
		default:
			return cli_bad_option("syscalls");
		}
	}
	if (json)
		fputc('[', stdout);
	if (optind >= argc) {
		uint32_t nr;
		const char *name;
		for (size_t i = 0; sc_syscall_by_index(arch, i, &nr, &name) == 0; i++)
			(void)print_one(stdout, json, &first, nr, name);
	}
	for (int i = optind; i < argc; i++)
		if (lookup(arch, argv[i], json, &first) < 0)
			ret = EXIT_FINDINGS;
	if (json)
		fputs(first ? "]\n" : "\n]\n", stdout);
	return ret;
}
