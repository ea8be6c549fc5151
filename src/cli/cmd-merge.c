/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage merge: merge profiles for one workload (deny wins), or check that a base profile
 * covers what new ones need (CI gate). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/install.h"
#include "sc-cleanup.h"

const char cmd_merge_help[] =
	"Usage: syscage merge PROFILE... [-o OUT] [--format oci|spo|kubearmor] [--name NAME]\n"
	"       syscage merge --check BASE NEW... [-o text|json]\n"
	"\n"
	"Merge profiles and policies that apply to one workload into one profile, as seed\n"
	"003 describes for several KubeArmorSeccompPolicy objects selecting one pod: a\n"
	"syscall gets the most restrictive action of the rules that name it (KILL_PROCESS >\n"
	"KILL_THREAD > TRAP > ERRNO > NOTIFY > TRACE > LOG > ALLOW), so a deny always beats\n"
	"an allow. A profile that does not name a syscall does not vote on it.\n"
	"  - defaultAction: the most restrictive of the inputs'\n"
	"  - architectures, archMap and flags: the union\n"
	"  - errno: the deny's errnoRet; when inputs disagree, the lowest (with a warning);\n"
	"    the calls libc replaces by older ones only on ENOSYS (clone3 -> clone) are then\n"
	"    answered ENOSYS where the result allows the older call, as record does\n"
	"  - rules with argument conditions are kept, one per distinct condition set\n"
	"  - an unconditional rule in one input and a conditional rule with another action\n"
	"    in another is a conflict: a warning, resolved by precedence (conditional rules\n"
	"    weaker than the unconditional one are dropped; a stronger one narrows the\n"
	"    unconditional rule to the negated conditions when that is exact, otherwise its\n"
	"    action applies to every argument)\n"
	"Each file may hold several documents (multi-document YAML): all are merged. Input\n"
	"formats are detected from the content (OCI/Docker JSON, SPO, KubeArmor).\n"
	"\n"
	"With --check, BASE (all its documents merged) is compared with each NEW: every\n"
	"syscall NEW permits (ALLOW or LOG) that BASE does not, per architecture of NEW, an\n"
	"architecture NEW lists that BASE lacks, and a syscall NEW permits for more arguments\n"
	"than BASE does. Use it as a CI gate: exit 1 when NEW needs more than BASE allows.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT     write the merged profile to OUT (atomically; default: stdout);\n"
	"                       with --check: text (default) or json\n"
	"  -f, --format FMT     output format: oci (default), spo or kubearmor\n"
	"      --name NAME      metadata.name of the result (default: the first input's)\n"
	"  -c, --check          coverage check: BASE NEW...\n"
	"  -q, --quiet          do not print merge warnings\n"
	"  -h, --help           this text\n"
	"\n"
	"Examples:\n"
	"  syscage merge kscmp1.yaml kscmp2.yaml -o pod.json\n"
	"  syscage merge base.json extra.json --format spo --name web -o web.yaml\n"
	"  syscage merge --check prod.json recorded.json     # CI: does prod allow enough?\n"
	"  syscage merge --check -o json prod.json a.json b.json\n"
	"\n"
	"Exit status: 0; 1 when an input is invalid or (--check) NEW needs what BASE lacks;\n"
	"2 on usage errors.\n";

/* Read every document of 'path' and merge them into one profile. */
static const char *gap_kind(enum sc_gap_kind k)
{
	switch (k) {
	case SC_GAP_ARCH:
		return "arch";
	case SC_GAP_SYSCALL:
		return "syscall";
	default:
		return "conditional";
	}
}

static int check(char **files, int n, bool json, bool quiet)
{
	cleanup_(sc_profile_freep) struct sc_profile *base = NULL;
	struct sc_diags d = {};
	bool all_covered = true;
	int r;

	r = sc_profile_read_file_merged(files[0], &d, &base);
	if (!quiet || d.n_errors)
		cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0)
		return EXIT_FINDINGS;
	if (json) {
		printf("{\"base\": ");
		sc_json_string(stdout, files[0]);
		printf(", \"checks\": [");
	}
	for (int i = 1; i < n; i++) {
		cleanup_(sc_profile_freep) struct sc_profile *new = NULL;
		cleanup_free struct sc_gap *g = NULL;
		size_t ng = 0;

		r = sc_profile_read_file_merged(files[i], &d, &new);
		if (!quiet || d.n_errors)
			cli_print_diags(&d);
		sc_diags_clear(&d);
		if (r < 0)
			return EXIT_FINDINGS;
		r = sc_profile_check_covers(base, new, &g, &ng);
		if (r < 0)
			return cli_error("check failed: %s", strerror(-r));
		all_covered &= ng == 0;
		if (json) {
			printf("%s\n  {\"new\": ", i > 1 ? "," : "");
			sc_json_string(stdout, files[i]);
			printf(", \"covered\": %s, \"gaps\": [", ng ? "false" : "true");
			for (size_t k = 0; k < ng; k++) {
				printf("%s\n    {\"kind\": \"%s\", \"arch\": \"%s\"", k ? "," : "",
				       gap_kind(g[k].kind), sc_arch_info(g[k].arch)->name);
				if (g[k].name)
					printf(", \"syscall\": \"%s\", \"new\": \"%s\", \"base\": "
					       "\"%s\", \"new_conditional\": %s, "
					       "\"base_conditional\": %s",
					       g[k].name, sc_action_to_string(g[k].new_action),
					       sc_action_to_string(g[k].base_action),
					       g[k].new_conditional ? "true" : "false",
					       g[k].base_conditional ? "true" : "false");
				printf("}");
			}
			printf("%s]}", ng ? "\n  " : "");
			continue;
		}
		if (ng == 0) {
			printf("%s: covered by %s\n", files[i], files[0]);
			continue;
		}
		printf("%s needs what %s lacks (%zu):\n", files[i], files[0], ng);
		for (size_t k = 0; k < ng; k++) {
			const char *an = sc_arch_info(g[k].arch)->name;
			switch (g[k].kind) {
			case SC_GAP_ARCH:
				printf("  %s: architecture not in %s (all its syscalls are "
				       "blocked)\n",
				       an, files[0]);
				break;
			case SC_GAP_SYSCALL:
				printf("  %s %s: new %s%s, base %s\n", an, g[k].name,
				       sc_action_to_string(g[k].new_action),
				       g[k].new_conditional ? " (for some arguments)" : "",
				       sc_action_to_string(g[k].base_action));
				break;
			default:
				printf("  %s %s: arguments: new permits it %s, base only with "
				       "other argument conditions\n",
				       an, g[k].name,
				       g[k].new_conditional ? "with conditions base lacks"
							    : "for all arguments");
				break;
			}
		}
	}
	if (json)
		printf("\n], \"covered\": %s}\n", all_covered ? "true" : "false");
	return all_covered ? EXIT_OK : EXIT_FINDINGS;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'N' },
		{ "check", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	const char *out = NULL, *name = NULL;
	enum sc_format fmt = SC_FORMAT_OCI;
	bool do_check = false, quiet = false, json = false;
	cleanup_(sc_profile_freep) struct sc_profile *m = NULL;
	cleanup_free char *text = NULL;
	cleanup_free const struct sc_profile **in = NULL;
	struct sc_profile **ps = NULL;
	struct sc_diags d = {};
	int c, n, r, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "o:f:cq", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			fmt = sc_format_from_string(optarg);
			if (fmt < 0)
				return cli_usage_error("merge",
						       "unknown format '%s' (oci, spo, kubearmor)",
						       optarg);
			break;
		case 'N':
			name = optarg;
			break;
		case 'c':
			do_check = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_bad_option("merge");
		}
	}
	n = argc - optind;
	if (do_check) {
		if (out && cli_parse_output("merge", out, &json) < 0)
			return EXIT_USAGE;
		if (n < 2)
			return cli_usage_error("merge", "--check needs BASE and at least one NEW");
		return check(argv + optind, n, json, quiet);
	}
	if (n < 1)
		return cli_usage_error("merge", "no profiles given");

	ps = calloc((size_t)n, sizeof(*ps));
	in = calloc((size_t)n, sizeof(*in));
	if (!ps || !in) {
		free(ps);
		return cli_error("out of memory");
	}
	for (int i = 0; i < n; i++) {
		r = sc_profile_read_file_merged(argv[optind + i], &d, &ps[i]);
		if (r < 0) {
			ret = EXIT_FINDINGS;
			break;
		}
		in[i] = ps[i];
	}
	if (ret == EXIT_OK) {
		r = sc_profile_merge_weak(in, (size_t)n, sc_implicit_fallback_implied, &d, &m);
		/* Inputs that answered the fallback set ENOSYS by their default errno, where the
		 * merge keeps another: libc must still fall back (clone3 -> clone). */
		if (r >= 0)
			r = sc_implicit_add_fallbacks(m);
		if (r < 0)
			ret = cli_error("merge failed: %s", strerror(-r));
	}
	if (!quiet || d.n_errors)
		cli_print_diags(&d);
	sc_diags_clear(&d);
	for (int i = 0; i < n; i++)
		sc_profile_free(ps[i]);
	free(ps);
	if (ret != EXIT_OK)
		return ret;

	if (name) {
		free(m->meta.name);
		m->meta.name = strdup(name);
		if (!m->meta.name)
			return cli_error("out of memory");
	}
	if (fmt != SC_FORMAT_OCI && !m->meta.name) {
		m->meta.name = strdup("merged");
		if (!m->meta.name)
			return cli_error("out of memory");
	}
	r = sc_profile_write_string(m, fmt, &text);
	if (r < 0)
		return cli_write_error(out ? out : "-", m, (int)fmt, r);
	r = sc_write_atomic(out ? out : "-", text, strlen(text), 0644);
	if (r < 0)
		return cli_error("cannot write %s: %s", out ? out : "standard output",
				 strerror(-r));
	cli_warn_fallback_changed(out ? out : "-", m, (int)fmt);
	if (!quiet)
		cli_warn_start_fatal(out ? out : "-", m, false);
	return EXIT_OK;
}
