/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage check: read profiles, validate them, print file:line:col diagnostics. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/install.h"

/* The reader refuses larger inputs too; this only bounds what is read into memory. */
#define CHECK_MAX_INPUT SC_PROFILE_MAX_INPUT

const char cmd_check_help[] =
	"Usage: syscage check [--strict] [-o text|json] [--arch ARCH] FILE...\n"
	"\n"
	"Read each profile (OCI/Docker JSON, SPO SeccompProfile or KubeArmorSeccompPolicy\n"
	"YAML; a YAML file may hold several documents; '-' reads stdin) and report what is\n"
	"wrong with it as FILE:LINE:COL: error|warning: message.\n"
	"\n"
	"Errors: syntax, wrong types, unknown keys (with suggestions), unknown actions,\n"
	"operators, arches and flags, argument index > 5, errnoRet out of range, a syscall\n"
	"name that is unknown on every architecture (with suggestions),\n"
	"the same syscall with the same arguments under conflicting actions.\n"
	"Warnings: a name unknown on some of the listed architectures (or on all of the\n"
	"architectures a rule applies to: runc skips it there), SCMP_ACT_NOTIFY without a\n"
	"listenerPath (those calls fail with ENOSYS), defaultAction\n"
	"SCMP_ACT_ALLOW or SCMP_ACT_LOG, no \"architectures\" (only the native ABI is\n"
	"covered; i386 and x32 calls are killed), and the syscalls the profile allows that\n"
	"RuntimeDefault (Docker's default profile, no added capabilities) blocks.\n"
	"\n"
	"Options:\n"
	"  --strict           treat warnings as errors\n"
	"  -a, --arch ARCH    the native arch of the machines the profile is for (default:\n"
	"                     this machine's): names are checked for it when the profile\n"
	"                     lists no architectures, and its archMap entry applies\n"
	"  -o, --output FMT   text (default; diagnostics on stderr) or json (on stdout)\n"
	"  -q, --quiet        print errors only\n"
	"  -h, --help         this text\n"
	"\n"
	"Examples:\n"
	"  syscage check app.json\n"
	"  syscage check --strict policies/*.yaml      # fail on warnings too (CI)\n"
	"  syscage check --arch aarch64 app.json       # as an arm64 node sees it\n"
	"  syscage check -o json app.json | jq '.files[].diagnostics[]'\n"
	"\n"
	"Exit status: 0 when every file is valid (warnings allowed), 1 when a file has\n"
	"errors (or warnings, with --strict), 2 on a usage error.\n";

struct check_opts {
	bool strict;
	bool json;
	bool quiet;
	struct sc_validate_opts vopts;
};

static const char *const severity_names[] = { "error", "warning", "note" };

struct diag_ref {
	const struct sc_diag *diag;
	size_t order;
};

static int diag_ref_cmp(const void *a, const void *b)
{
	const struct diag_ref *x = a, *y = b;
	unsigned lx = x->diag->loc.line, ly = y->diag->loc.line;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->diag->loc.col != y->diag->loc.col)
		return x->diag->loc.col < y->diag->loc.col ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Order a file's diagnostics by location (stable), as a reader of the file expects. */
static int sort_diags(struct sc_diags *d)
{
	cleanup_free struct diag_ref *refs = NULL;
	cleanup_free struct sc_diag *v = NULL;

	if (d->n < 2)
		return 0;
	refs = calloc(d->n, sizeof(*refs));
	v = calloc(d->n, sizeof(*v));
	if (!refs || !v)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		refs[i] = (struct diag_ref){ &d->v[i], i };
	qsort(refs, d->n, sizeof(*refs), diag_ref_cmp);
	for (size_t i = 0; i < d->n; i++)
		v[i] = *refs[i].diag;
	memcpy(d->v, v, d->n * sizeof(*v));
	return 0;
}

/* --strict: warnings become errors. */
static void promote_warnings(struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == SC_SEV_WARNING) {
			d->v[i].severity = SC_SEV_ERROR;
			d->n_warnings--;
			d->n_errors++;
		}
}

/* Keep errors only (--quiet). */
static void drop_non_errors(struct sc_diags *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].severity == SC_SEV_ERROR) {
			d->v[n++] = d->v[i];
			continue;
		}
		free(d->v[i].file);
		free(d->v[i].message);
	}
	d->n = n;
	d->n_warnings = 0;
}

static void file_error(struct sc_diags *d, const char *fmt, ...) _printf_(2, 3);
static void file_error(struct sc_diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)sc_diags_addv(d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 }, fmt, ap);
	va_end(ap);
}

/* Read and validate one file into 'd'; returns the number of profiles read or -errno. */
static int check_file(const char *path, const char *name, const struct check_opts *o,
		      struct sc_diags *d)
{
	cleanup_free char *buf = NULL;
	struct sc_profile **v = NULL;
	size_t len = 0, n = 0;
	int r;

	d->file = name;
	r = sc_read_file(path, CHECK_MAX_INPUT, &buf, &len);
	if (r == -EFBIG) {
		file_error(d, "input is larger than %u MiB; not a profile", CHECK_MAX_INPUT >> 20);
		return r;
	}
	if (r < 0) {
		file_error(d, "cannot read: %s", strerror(-r));
		return r;
	}
	if (sc_bindings_detect(buf, len)) {
		/* The bindings `k8s bind --bindings` writes: checked as the agent reads them. */
		struct sc_binding *b = NULL;
		r = sc_bindings_read(buf, len, name, d, &b, &n);
		sc_bindings_free(b, n);
		return r < 0 ? r : (int)n;
	}
	/* The reader is given the path: it resolves SPO base profiles next to it (and refuses
	 * to for stdin, "-"); messages name the file as the user sees it. */
	r = sc_profile_read_all(buf, len, path, d, &v, &n);
	d->file = name;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].file && streq(d->v[i].file, "-") && !streq(name, "-")) {
			char *s = strdup(name);
			if (!s)
				return -ENOMEM;
			free(d->v[i].file);
			d->v[i].file = s;
		}
	if (r < 0) {
		if (d->n_errors == 0)
			file_error(d, "cannot read the profile: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		char msg[3072];
		size_t errors = d->n_errors;
		int k = sc_profile_validate_with(v[i], &o->vopts, d);
		if (k >= 0 && sc_profile_validate_notify(v[i], d) < 0)
			k = -ENOMEM;
		const char *vital = v[i]->meta.baseline ? sc_baseline_fatal(v[i]) : NULL;
		if (k < 0 && r >= 0)
			r = k;
		if (vital)
			(void)sc_diags_add(d, SC_SEV_ERROR, v[i]->loc,
					   "a baseline that denies %s kills every pod (the agent "
					   "refuses it)",
					   vital);
		else if (d->n_errors == errors && /* an invalid profile: its errors first */
			 cli_start_fatal_message(NULL, v[i], false, msg, sizeof(msg)) > 0)
			/* "%.*s": the library's own text, not cut as an echoed value. */
			(void)sc_diags_add(d, SC_SEV_WARNING, v[i]->loc, "%.*s", (int)strlen(msg),
					   msg);
		sc_profile_free(v[i]);
	}
	free(v);
	if (r < 0) {
		file_error(d, "cannot validate: %s", strerror(-r));
		return r;
	}
	return (int)n;
}

static void print_json_diags(const struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct sc_diag *g = &d->v[i];
		printf("%s\n        {\"severity\": \"%s\", \"line\": %u, \"column\": %u, "
		       "\"message\": ",
		       i ? "," : "", severity_names[g->severity], g->loc.line, g->loc.col);
		sc_json_string(stdout, g->message);
		fputc('}', stdout);
	}
}

int cmd_check(int argc, char **argv)
{
	enum {
		ARG_STRICT = 0x100
	};
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, ARG_STRICT },
		{ "arch", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	struct check_opts o = { 0 };
	size_t total_errors = 0, total_warnings = 0;
	bool summary = isatty(STDOUT_FILENO);
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "+a:o:q", opts, NULL)) != -1) {
		switch (c) {
		case ARG_STRICT:
			o.strict = true;
			break;
		case 'a':
			if (cli_parse_arch(optarg, &o.vopts.native) < 0)
				return EXIT_USAGE;
			o.vopts.has_native = true;
			break;
		case 'o':
			if (cli_parse_output("check", optarg, &o.json) < 0)
				return EXIT_USAGE;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			return cli_bad_option("check");
		}
	}
	if (optind >= argc)
		return cli_usage_error("check", "no FILE given (use '-' for stdin)");

	if (o.json)
		printf("{\n  \"files\": [");
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		const char *name = streq(path, "-") ? "<stdin>" : path;
		struct sc_diags d = { 0 };
		int n = check_file(path, name, &o, &d);
		bool valid;

		if (o.strict)
			promote_warnings(&d);
		if (o.quiet)
			drop_non_errors(&d);
		if (sort_diags(&d) < 0) {
			sc_diags_clear(&d);
			return cli_error("out of memory");
		}
		valid = n >= 0 && d.n_errors == 0;
		if (!valid)
			ret = EXIT_FINDINGS;
		total_errors += d.n_errors;
		total_warnings += d.n_warnings;

		if (o.json) {
			printf("%s\n    {\"file\": ", i > optind ? "," : "");
			sc_json_string(stdout, name);
			printf(", \"valid\": %s, \"profiles\": %d, \"errors\": %zu, "
			       "\"warnings\": %zu, \"diagnostics\": [",
			       valid ? "true" : "false", n > 0 ? n : 0, d.n_errors, d.n_warnings);
			print_json_diags(&d);
			printf("%s]}", d.n ? "\n      " : "");
		} else {
			cli_print_diags(&d);
			if (summary)
				printf("%s: %s (%zu error%s, %zu warning%s)\n", name,
				       valid ? "valid" : "INVALID", d.n_errors,
				       d.n_errors == 1 ? "" : "s", d.n_warnings,
				       d.n_warnings == 1 ? "" : "s");
		}
		sc_diags_clear(&d);
	}
	if (o.json)
		printf("\n  ],\n  \"valid\": %s,\n  \"errors\": %zu,\n  \"warnings\": %zu\n}\n",
		       ret == EXIT_OK ? "true" : "false", total_errors, total_warnings);
	if (fflush(stdout) != 0)
		return cli_error("cannot write the output: %m");
	return ret;
}
