/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage: dispatch to cmd-<verb>.c. Also prints the overview help and the man page, both
 * from the verbs' own help texts. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "syscage/version.h"

/* One line per verb; keep sorted by workflow, not alphabet. */
struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `syscage --help` */
	const char *help;    /* full text for `syscage VERB --help` and the man page */
};

static const struct verb verbs[] = {
	{ "record", cmd_record, "record the syscalls of a command, process or cgroup",
	  cmd_record_help },
	{ "logs", cmd_logs, "turn seccomp audit records into profiles or violation reports",
	  cmd_logs_help },
	{ "audit-profile", cmd_audit_profile, "print a log-everything profile to learn with",
	  cmd_audit_profile_help },
	{ "run", cmd_run, "run a command under a profile", cmd_run_help },
	{ "convert", cmd_convert, "convert between OCI, SPO and KubeArmor formats",
	  cmd_convert_help },
	{ "check", cmd_check, "validate profiles (file:line:col diagnostics)", cmd_check_help },
	{ "bpf", cmd_bpf, "compile a profile to seccomp BPF (raw, disasm, C)", cmd_bpf_help },
	{ "explain", cmd_explain, "what a profile does with one syscall", cmd_explain_help },
	{ "merge", cmd_merge, "merge profiles for one workload (deny wins), check coverage",
	  cmd_merge_help },
	{ "policy", cmd_policy, "build per-workload profiles from a policy directory",
	  cmd_policy_help },
	{ "export", cmd_export, "export a profile as a systemd drop-in", cmd_export_help },
	{ "k8s", cmd_k8s,
	  "bind workloads to profiles, audit manifests, print the agent's manifests",
	  cmd_k8s_help },
	{ "agent", cmd_agent, "the node agent: install profiles, serve metrics, watch violations",
	  cmd_agent_help },
	{ "inspect", cmd_inspect,
	  "what a process runs with: namespaces, caps, seccomp, blocked calls", cmd_inspect_help },
	{ "syscalls", cmd_syscalls, "name <-> number for every arch", cmd_syscalls_help },
};
static const unsigned n_verbs = ELEMENTSOF(verbs);

static const char overview[] =
	"syscage - record, build, check, compile and install seccomp profiles\n"
	"\n"
	"Usage: syscage VERB [OPTIONS] [ARGS]\n"
	"       syscage VERB --help\n"
	"\n"
	"Verbs:\n";

static const char exit_codes[] =
	"Exit status:\n"
	"  0    success\n"
	"  1    invalid input, a failed check, an unknown name, a difference found\n"
	"  2    usage error (bad flag or argument)\n"
	"  3    records were lost (logs --strict)\n"
	"  125  syscage run: the filter could not be built or loaded;\n"
	"       syscage record: recording could not start\n"
	"  126  syscage run: the command could not be executed\n"
	"  127  syscage run: the command was not found\n";

static int overview_help(FILE *f)
{
	fputs(overview, f);
	for (unsigned i = 0; i < n_verbs; i++)
		fprintf(f, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
		"\nGlobal options:\n  -h, --help     this text\n  --version      print the "
		"version\n"
		"\n%s\nEnvironment: NO_COLOR=1 turns colour off (it is only used on a terminal).\n",
		exit_codes);
	return EXIT_OK;
}

/* roff-escape a line: backslashes and leading dots/quotes. */
static void man_line(const char *s, size_t n)
{
	if (n && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", stdout);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", stdout);
		else if (s[i] == '-')
			fputs("\\-", stdout);
		else
			fputc(s[i], stdout);
	}
	fputc('\n', stdout);
}

static void man_text(const char *text)
{
	fputs(".nf\n", stdout);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		man_line(p, n);
		p += n + (nl != NULL);
	}
	fputs(".fi\n", stdout);
}

static int man_page(void)
{
	printf(".TH SYSCAGE 1 \"\" \"syscage %s\" \"User Commands\"\n", SYSCAGE_VERSION);
	printf(".SH NAME\nsyscage \\- record, build, check, compile and install seccomp "
	       "profiles\n");
	printf(".SH SYNOPSIS\n.B syscage\n.I VERB\n[\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n");
	printf(".SH DESCRIPTION\n");
	man_text("syscage automates the seccomp workflow: find the syscalls a workload needs,\n"
		 "turn them into a least-privilege profile, compile and enforce it, ship it to\n"
		 "Kubernetes nodes, and show what is really enforced.\n");
	printf(".SH COMMANDS\n");
	for (unsigned i = 0; i < n_verbs; i++) {
		printf(".SS %s\n", verbs[i].name);
		man_text(verbs[i].help);
	}
	printf(".SH EXIT STATUS\n");
	man_text(exit_codes);
	printf(".SH ENVIRONMENT\n.TP\n.B NO_COLOR\nDisable colour (only used on a terminal).\n");
	return EXIT_OK;
}

/* `syscage help VERB`. */
static int verb_help(const char *name)
{
	for (unsigned i = 0; i < n_verbs; i++)
		if (streq(verbs[i].name, name))
			return cli_help(verbs[i].help);
	return cli_usage_error(NULL, "unknown verb '%s'", name);
}

int main(int argc, char **argv)
{
	static char prog[64];

	if (argc < 2)
		return overview_help(stderr), EXIT_USAGE;
	if (streq(argv[1], "-h") || streq(argv[1], "--help") || streq(argv[1], "help")) {
		if (argc > 2)
			return verb_help(argv[2]);
		return overview_help(stdout);
	}
	if (streq(argv[1], "--version")) {
		printf("syscage %s (syscall table %s)\n", SYSCAGE_VERSION,
		       sc_syscall_table_version());
		return EXIT_OK;
	}
	if (streq(argv[1], "--man"))
		return man_page();
	for (unsigned i = 0; i < n_verbs; i++) {
		if (!streq(argv[1], verbs[i].name))
			continue;
		for (int j = 2; j < argc; j++) {
			if (streq(argv[j], "--"))
				break;
			if (streq(argv[j], "-h") || streq(argv[j], "--help"))
				return cli_help(verbs[i].help);
		}
		/* getopt prefixes its messages with argv[0]: "syscage run: unrecognized option". */
		snprintf(prog, sizeof(prog), "syscage %s", verbs[i].name);
		argv[1] = prog;
		return verbs[i].run(argc - 1, argv + 1);
	}
	return cli_usage_error(NULL, "unknown verb '%s'", argv[1]);
}
