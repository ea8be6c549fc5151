/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage policy build: a directory of policies -> one merged profile per policy set. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

const char cmd_policy_help[] =
	"Usage: syscage policy build DIR -o OUTDIR [--workloads FILE] [--prune] [-q]\n"
	"\n"
	"Read every policy under DIR (recursively; *.json, *.yaml, *.yml; multi-document\n"
	"YAML; names starting with '.' are skipped, so a mounted ConfigMap is read once):\n"
	"KubeArmorSeccompPolicy (selected by labels), SPO SeccompProfile and OCI profile\n"
	"JSON (referenced by name). Group them into policy sets, merge each set (a deny\n"
	"always beats an allow; see 'syscage merge --help') and write one OCI profile per\n"
	"set to OUTDIR/<namespace>/<set>.json, plus OUTDIR/index.json mapping each set to\n"
	"its namespace, policies, selectors and (with --workloads) workloads.\n"
	"\n"
	"Policy sets:\n"
	"  - without --workloads: one set per distinct target, i.e. namespace + selector;\n"
	"    KubeArmor policies with identical selectors (matchLabels and matchExpressions,\n"
	"    in any order) share a set\n"
	"  - with --workloads FILE: per workload, every KubeArmor policy of its namespace\n"
	"    whose selector matches its labels (Kubernetes label-selector rules: an empty\n"
	"    selector selects every workload of the namespace); workloads selecting the same\n"
	"    policies share a set; unmatched workloads are listed in the index\n"
	"  - an SPO SeccompProfile is a set of its own (pods reference it by name); so is an\n"
	"    OCI JSON file, named after the file (web.json -> web) in namespace 'default'\n"
	"A set of one policy is named after it; a set of several policies is named\n"
	"'<first policy name>-<8 hex digits of a hash of the sorted names>', so the path is\n"
	"stable while the set is. Namespaces must be DNS-1123 labels and names DNS-1123\n"
	"subdomains (at most 240 characters), so no path leaves OUTDIR; files are written\n"
	"atomically through directory handles without following symlinks, and files whose\n"
	"content is unchanged are not rewritten. Nothing is removed unless --prune is given.\n"
	"\n"
	"The workloads FILE (YAML or JSON) is a list of {namespace, name, labels: {k: v}},\n"
	"a mapping with that list under 'workloads', or a Kubernetes List (kubectl get\n"
	"deploy -A -o yaml): items' pod-template labels are used.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUTDIR    output directory (created if missing; its parent must exist)\n"
	"  -w, --workloads FILE   compute the policy set of each workload in FILE\n"
	"      --prune            remove the profiles the previous build listed in\n"
	"                         OUTDIR/index.json that this build no longer produces\n"
	"                         (a policy was deleted); nothing else is removed\n"
	"  -q, --quiet            no merge warnings, no summary\n"
	"  -h, --help             this text\n"
	"\n"
	"Examples:\n"
	"  syscage policy build policies/ -o /var/lib/kubelet/seccomp/syscage\n"
	"  kubectl get deploy -A -o yaml > w.yaml\n"
	"  syscage policy build policies/ -o out --workloads w.yaml && jq .unmatched "
	"out/index.json\n"
	"  syscage policy build policies/ -o out --prune         # after deleting a policy\n"
	"\n"
	"Exit status: 0; 1 when a policy is invalid (errors as FILE:LINE:COL), names are not\n"
	"DNS-1123, two sets map to one path, or writing fails; 2 on usage errors.\n";

DEFINE_CLEANUP_FUNC(struct sc_policy_build, sc_policy_build_free);

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int build(const char *dir, const char *outdir, const char *wfile, bool quiet, bool prune)
{
	cleanup_(sc_policy_build_freep) struct sc_policy_build *b = NULL;
	struct sc_workload *w = NULL;
	size_t nw = 0;
	struct sc_diags d = {};
	cleanup_close int ofd = -1;
	unsigned written = 0, removed = 0;
	cleanup_free char *old_index = NULL;
	size_t old_len = 0;
	struct timespec t0, t_read, t_sets, t1;
	int r, ret = EXIT_OK;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (wfile) {
		cleanup_free char *buf = NULL;
		size_t len = 0;
		r = sc_read_file(wfile, 256u << 20, &buf, &len);
		if (r < 0)
			return cli_error("cannot read %s: %s", wfile, strerror(-r));
		r = sc_workloads_read(buf, len, wfile, &d, &w, &nw);
		cli_print_diags(&d);
		sc_diags_clear(&d);
		if (r < 0)
			return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
	}
	r = sc_policy_load_dir(dir, &d, &b);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot read policies from %s: %s", dir, strerror(-r));
		ret = EXIT_FINDINGS;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_read);
	r = sc_policy_build_sets(b, w, nw, &d);
	clock_gettime(CLOCK_MONOTONIC, &t_sets);
	if (!quiet || d.n_errors)
		cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot build policy sets: %s", strerror(-r));
		ret = EXIT_FINDINGS;
		goto out;
	}
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		ret = cli_error("cannot create %s: %s", outdir, strerror(errno));
		goto out;
	}
	ofd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ofd < 0) {
		ret = cli_error("cannot open %s: %s", outdir, strerror(errno));
		goto out;
	}
	if (prune) {
		/* The previous index says what an earlier build wrote. */
		int ifd = openat(ofd, "index.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		FILE *f = ifd >= 0 ? fdopen(ifd, "re") : NULL;
		if (ifd >= 0 && !f)
			(void)close(ifd);
		if (f) {
			FILE *m = open_memstream(&old_index, &old_len);
			char chunk[65536];
			size_t n;
			while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
				fwrite(chunk, 1, n, m);
			if (!m || ferror(f) || fclose(m) != 0) {
				free(old_index);
				old_index = NULL;
			}
			(void)fclose(f);
		}
	}
	r = sc_policy_build_write(b, ofd, &written);
	if (r < 0) {
		ret = cli_error("cannot write to %s: %s", outdir, strerror(-r));
		goto out;
	}
	if (old_index) {
		r = sc_policy_build_prune(b, ofd, old_index, old_len, &removed);
		if (r < 0) {
			ret = cli_error("cannot prune %s: %s", outdir, strerror(-r));
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!quiet) {
		printf("%zu policies -> %zu profiles in %s (%u files changed, %.3f s: read "
		       "%.3f, match+merge %.3f, write %.3f)\n",
		       b->n_policies, b->n_sets, outdir, written, secs(&t0, &t1),
		       secs(&t0, &t_read), secs(&t_read, &t_sets), secs(&t_sets, &t1));
		if (prune)
			printf("%u stale profile%s removed\n", removed, removed == 1 ? "" : "s");
		if (wfile)
			printf("%zu workloads: %zu matched, %zu unmatched (see %s/index.json)\n",
			       nw, nw - b->n_unmatched, b->n_unmatched, outdir);
	}
out:
	sc_workloads_free(w, nw);
	return ret;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "prune", no_argument, NULL, 'P' },
		{},
	};
	const char *out = NULL, *wfile = NULL, *sub;
	bool quiet = false, prune = false;
	int c;

	if (argc < 2)
		return cli_usage_error("policy", "missing subcommand (build)");
	sub = argv[1];
	if (!streq(sub, "build"))
		return cli_usage_error("policy", "unknown subcommand '%s' (build)", sub);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:w:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'P':
			prune = true;
			break;
		default:
			return cli_usage_error("policy", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("policy", "policy build takes one DIR");
	if (!out)
		return cli_usage_error("policy", "missing -o OUTDIR");
	return build(argv[optind], out, wfile, quiet, prune);
}
