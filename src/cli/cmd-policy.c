/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage policy build: a directory of policies -> one merged profile per policy set. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "syscage/k8s.h"
#include "base/install.h"
#include "sc-cleanup.h"

const char cmd_policy_help[] =
	"Usage: syscage policy build DIR -o OUTDIR [--workloads FILE] [--root NAME] [--prune]\n"
	"                            [--log-flag] [-q]\n"
	"\n"
	"Write what the agent installs from DIR, without the agent: read every policy under\n"
	"DIR (recursively; *.json, *.yaml, *.yml; multi-document YAML; names starting with\n"
	"'.' are skipped, so a mounted ConfigMap is read once): KubeArmorSeccompPolicy\n"
	"(selected by labels), SPO SeccompProfile and OCI profile JSON (referenced by name),\n"
	"and the SeccompBinding documents 'syscage k8s bind --bindings' writes. Merge (a deny\n"
	"always beats an allow; see 'syscage merge --help') and write OCI profiles, plus\n"
	"OUTDIR/index.json mapping each to its namespace, policies, selectors and workload:\n"
	"  - each bound workload's profile at its path, OUTDIR/<namespace>/<kind>_<name>.json:\n"
	"    every KubeArmor policy of its namespace whose selector matches its pod-template\n"
	"    labels (Kubernetes label-selector rules; an empty selector selects every\n"
	"    workload of the namespace), the policies its binding names, and the baseline;\n"
	"    RuntimeDefault and the baseline when no policy selects it (see 'k8s --help')\n"
	"  - each selector's policy set at OUTDIR/<namespace>/<set>.json (KubeArmor policies\n"
	"    with identical selectors, in any order, share it), named after its policy, or\n"
	"    '<first name>-<8 hex digits of a hash of the sorted names>' for several\n"
	"  - each SPO SeccompProfile at <namespace>/<name>.json; an OCI JSON file is named\n"
	"    after the file (web.json -> web) in namespace 'default'\n"
	"Policies labelled syscage.dev/baseline: \"true\" are merged into every profile and\n"
	"have none of their own; one that denies execve or exit_group is an error.\n"
	"Namespaces must be DNS-1123 labels and names DNS-1123 subdomains (at most 240\n"
	"characters), so no path leaves OUTDIR; files are written atomically through\n"
	"directory handles without following symlinks, and files whose content is unchanged\n"
	"are not rewritten. Nothing is removed unless --prune is given. The bytes are the\n"
	"agent's with --no-log-flag (--log-flag gives its default).\n"
	"\n"
	"--workloads FILE binds these workloads instead of the bindings in DIR: Kubernetes\n"
	"manifests (what 'k8s bind' reads; bound as it binds them, at the path it gives, for\n"
	"--root), a bindings file, or a plain list of {namespace, kind, name, labels: {k: v}}\n"
	"(kind defaults to Pod). Workloads no policy selects are listed in the index.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUTDIR    output directory (created if missing; its parent must exist)\n"
	"  -w, --workloads FILE   bind the workloads in FILE (see above)\n"
	"      --root NAME        the agent's --root, for the paths of --workloads manifests\n"
	"                         (default syscage)\n"
	"      --log-flag         add SECCOMP_FILTER_FLAG_LOG to profiles without flags, as\n"
	"                         the agent does by default\n"
	"      --prune            remove the profiles the previous build listed in\n"
	"                         OUTDIR/index.json that this build no longer produces\n"
	"                         (a policy or binding was deleted); nothing else is removed\n"
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
	"Exit status: 0; 1 when a policy or binding is invalid (errors as FILE:LINE:COL),\n"
	"names are not DNS-1123, two sets map to one path, or writing fails; 2 on usage\n"
	"errors.\n";

struct wl {
	struct sc_binding *v; /* views: strings borrowed from one of the sources below */
	size_t n;
	struct sc_binding *owned; /* from a bindings file */
	size_t n_owned;
	struct sc_workload *list; /* from a plain workload list */
	size_t n_list;
	struct sc_k8s_file **files; /* from manifests */
	size_t n_files;
};

static void wl_clear(struct wl *w)
{
	free(w->v);
	sc_bindings_free(w->owned, w->n_owned);
	sc_workloads_free(w->list, w->n_list);
	sc_k8s_files_free(w->files, w->n_files);
}

/* --workloads FILE: a bindings file, Kubernetes manifests (what `k8s bind` reads, bound the
 * way it binds them, at the path it gives), or a plain list of {namespace, name, labels}. */
static int read_workloads(const char *wfile, const char *root, struct sc_policy_build *b,
			  struct sc_diags *d, struct wl *w)
{
	cleanup_free char *buf = NULL;
	size_t len = 0, nw = 0;
	int r;

	r = sc_read_file(wfile, 256u << 20, &buf, &len);
	if (r < 0)
		return cli_error("cannot read %s: %s", wfile, strerror(-r));
	if (sc_bindings_detect(buf, len)) {
		r = sc_bindings_read(buf, len, wfile, d, &w->owned, &w->n_owned);
		if (r < 0)
			return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
		w->v = calloc(w->n_owned + 1, sizeof(*w->v));
		if (!w->v)
			return cli_error("out of memory");
		memcpy(w->v, w->owned, w->n_owned * sizeof(*w->v));
		w->n = w->n_owned;
		return EXIT_OK;
	}
	w->files = calloc(1, sizeof(*w->files));
	if (!w->files)
		return cli_error("out of memory");
	r = sc_k8s_file_parse(buf, len, wfile, NULL, d, &w->files[0]);
	w->n_files = r == 0;
	for (size_t i = 0; r == 0 && i < w->n_files; i++)
		nw += w->files[i]->n_workloads;
	if (r == 0 && nw > 0) {
		r = sc_k8s_match(w->files, w->n_files, b, root, d, NULL);
		if (r < 0)
			return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
		sc_policy_build_reset(b);
		w->v = calloc(nw + 1, sizeof(*w->v));
		if (!w->v)
			return cli_error("out of memory");
		for (size_t i = 0; i < w->n_files; i++)
			for (size_t k = 0; k < w->files[i]->n_workloads; k++) {
				struct sc_k8s_workload *x = &w->files[i]->workloads[k];
				w->v[w->n++] = (struct sc_binding){ .namespace = x->namespace,
								    .kind = x->kind,
								    .name = x->name,
								    .labels = x->labels,
								    .n_labels = x->n_labels,
								    .profile = x->profile,
								    .loc = x->loc };
			}
		return EXIT_OK;
	}
	sc_diags_clear(d);
	r = sc_workloads_read(buf, len, wfile, d, &w->list, &w->n_list);
	if (r < 0)
		return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
	w->v = calloc(w->n_list + 1, sizeof(*w->v));
	if (!w->v)
		return cli_error("out of memory");
	for (size_t i = 0; i < w->n_list; i++)
		w->v[w->n++] = (struct sc_binding){ .namespace = w->list[i].namespace,
						    .kind = w->list[i].kind,
						    .name = w->list[i].name,
						    .labels = w->list[i].labels,
						    .n_labels = w->list[i].n_labels,
						    .loc = w->list[i].loc };
	return EXIT_OK;
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

struct bargs {
	const char *dir, *outdir, *wfile, *root;
	bool quiet, prune, log_flag;
};

static int build(const struct bargs *a)
{
	cleanup_(sc_policy_build_freep) struct sc_policy_build *b = NULL;
	struct wl w = {};
	struct sc_diags d = {};
	struct sc_set_opts so = { .log_flag = a->log_flag };
	cleanup_close int ofd = -1;
	unsigned written = 0, removed = 0;
	cleanup_free char *old_index = NULL;
	size_t old_len = 0;
	struct timespec t0, t_read, t_sets, t1;
	int r, ret = EXIT_OK;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sc_policy_load_dir(a->dir, &d, &b);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot read policies from %s: %s", a->dir, strerror(-r));
		return EXIT_FINDINGS;
	}
	if (a->wfile) {
		ret = read_workloads(a->wfile, a->root, b, &d, &w);
		cli_print_diags(&d);
		sc_diags_clear(&d);
		if (ret != EXIT_OK)
			goto out;
		if (b->n_bindings && !a->quiet)
			fprintf(stderr,
				"note: the %zu binding%s in %s are not used: --workloads %s "
				"replaces "
				"them\n",
				b->n_bindings, b->n_bindings == 1 ? "" : "s", a->dir, a->wfile);
	} else if (b->n_bindings) {
		/* The agent's input: policies and bindings in one directory. */
		w.v = calloc(b->n_bindings + 1, sizeof(*w.v));
		if (!w.v) {
			ret = cli_error("out of memory");
			goto out;
		}
		memcpy(w.v, b->bindings, b->n_bindings * sizeof(*w.v));
		w.n = b->n_bindings;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_read);
	r = sc_policy_build_sets(b, w.n ? w.v : NULL, w.n, &d);
	if (r == 0)
		r = sc_policy_build_merge(b, &so, &d);
	clock_gettime(CLOCK_MONOTONIC, &t_sets);
	if (!a->quiet || d.n_errors)
		cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot build policy sets: %s", strerror(-r));
		ret = EXIT_FINDINGS;
		goto out;
	}
	if (mkdir(a->outdir, 0755) < 0 && errno != EEXIST) {
		ret = cli_error("cannot create %s: %s", a->outdir, strerror(errno));
		goto out;
	}
	ofd = open(a->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ofd < 0) {
		ret = cli_error("cannot open %s: %s", a->outdir, strerror(errno));
		goto out;
	}
	if (a->prune) {
		/* The previous index says what an earlier build wrote. */
		int ifd = openat(ofd, "index.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (ifd >= 0) {
			r = sc_read_fd(ifd, 64u << 20, &old_index, &old_len);
			(void)close(ifd);
			if (r < 0)
				old_index = NULL;
		}
	}
	r = sc_policy_build_write(b, ofd, &written);
	if (r < 0) {
		ret = cli_error("cannot write to %s: %s", a->outdir, strerror(-r));
		goto out;
	}
	if (old_index) {
		r = sc_policy_build_prune(b, ofd, old_index, old_len, &removed);
		if (r < 0) {
			ret = cli_error("cannot prune %s: %s", a->outdir, strerror(-r));
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!a->quiet) {
		size_t bound = 0, fallback = 0;
		for (size_t i = 0; i < b->n_sets; i++) {
			bound += b->sets[i].n_workloads > 0;
			fallback += b->sets[i].fallback;
		}
		printf("%zu policies -> %zu profiles in %s (%u files changed, %.3f s: read "
		       "%.3f, match+merge %.3f, write %.3f)\n",
		       b->n_policies, b->n_sets, a->outdir, written, secs(&t0, &t1),
		       secs(&t0, &t_read), secs(&t_read, &t_sets), secs(&t_sets, &t1));
		if (a->prune)
			printf("%u stale profile%s removed\n", removed, removed == 1 ? "" : "s");
		if (w.n)
			printf("%zu workloads: %zu bound (%zu that no policy selects: "
			       "RuntimeDefault), %zu unmatched (see %s/index.json)\n",
			       w.n, bound, fallback, b->n_unmatched, a->outdir);
	}
out:
	wl_clear(&w);
	return ret;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "prune", no_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'R' },
		{ "log-flag", no_argument, NULL, 'L' },
		{},
	};
	struct bargs a = { .root = "syscage" };
	const char *sub;
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
			a.outdir = optarg;
			break;
		case 'w':
			a.wfile = optarg;
			break;
		case 'q':
			a.quiet = true;
			break;
		case 'P':
			a.prune = true;
			break;
		case 'R':
			if (!sc_dns1123_label_valid(optarg))
				return cli_usage_error(
					"policy", "--root '%s' is not a DNS-1123 label", optarg);
			a.root = optarg;
			break;
		case 'L':
			a.log_flag = true;
			break;
		default:
			return cli_bad_option("policy");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("policy", "policy build takes one DIR");
	if (!a.outdir)
		return cli_usage_error("policy", "missing -o OUTDIR");
	a.dir = argv[optind];
	return build(&a);
}
