/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage convert: read a profile in any format, write it as OCI JSON, SPO or KubeArmor YAML. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/install.h"
#include "sc-cleanup.h"

const char cmd_convert_help[] =
	"Usage: syscage convert IN [-o OUT] [--to oci|spo|kubearmor] [--arch ARCH]\n"
	"                       [--caps CAP,...] [--kernel X.Y] [--resolve | --keep-docker]\n"
	"\n"
	"Read a seccomp profile (OCI/Docker JSON, a Security Profiles Operator SeccompProfile\n"
	"or a KubeArmorSeccompPolicy; the format is detected from the content, not the file\n"
	"name) and write it normalized: names sorted and de-duplicated, rules with the same\n"
	"action merged, a stable key order. IN '-' reads standard input. The output goes to\n"
	"standard output, or atomically to OUT with -o (nothing is written on error).\n"
	"\n"
	"Docker-only fields (archMap, a rule's includes/excludes) are resolved for a target,\n"
	"as Docker does before it hands a profile to runc: the archMap entry of the target\n"
	"arch adds it and its sub-architectures to 'architectures', and rules whose\n"
	"conditions do not hold are dropped. This happens whenever the input has such fields\n"
	"(for every output format) unless --keep-docker is given for OCI output.\n"
	"The target is this machine unless --arch/--caps/--kernel say otherwise.\n"
	"\n"
	"An SPO baseProfileName is resolved from sibling files (NAME.yaml, .yml, .json, or\n"
	"any SeccompProfile named NAME in the same directory): base rules first, then the\n"
	"profile's own. A KubeArmor policy has one action: Allow becomes an allow-list\n"
	"(defaultAction SCMP_ACT_ERRNO), Block/Deny (SCMP_ACT_ERRNO) and Audit (SCMP_ACT_LOG)\n"
	"become rules over defaultAction SCMP_ACT_ALLOW. Writing KubeArmor prints one policy\n"
	"per action group, separated by ---.\n"
	"\n"
	"A file of several KubeArmorSeccompPolicy documents selecting the same workloads\n"
	"(same namespace and selector) is one policy for them, as the agent and 'syscage\n"
	"merge' read it: the documents are merged (a deny beats an allow) and converted\n"
	"together. Documents for different workloads, or several SPO or OCI profiles, are\n"
	"refused: convert them one file at a time.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT      write to OUT (atomically) instead of standard output\n"
	"  -t, --to FORMAT       oci (default), spo or kubearmor\n"
	"  -a, --arch ARCH       target arch for archMap and includes/excludes arches\n"
	"                        (default: this machine's)\n"
	"      --caps CAP,...    capabilities the container has (CAP_SYS_ADMIN or SYS_ADMIN);\n"
	"                        default: none beyond what the rules need without caps\n"
	"      --kernel X.Y      target kernel for minKernel (default: the running kernel)\n"
	"      --resolve         resolve for the target even without Docker-only fields\n"
	"      --keep-docker     keep archMap and includes/excludes (OCI output only)\n"
	"  -h, --help            this text\n"
	"\n"
	"Examples:\n"
	"  syscage convert policy.yaml                      # KubeArmor/SPO -> OCI JSON\n"
	"  syscage convert profile.json --to spo -o sp.yaml\n"
	"  syscage convert docker-default.json --arch x86_64 --caps CAP_SYS_ADMIN -o rt.json\n"
	"  kubectl get seccompprofile web -o yaml | syscage convert -\n"
	"\n"
	"The input is checked as 'syscage check' does; its errors (unknown syscall names,\n"
	"conflicting actions, ...) stop the conversion. Run 'syscage check' for warnings.\n"
	"\n"
	"Exit status: 0; 1 when the input is invalid (errors as FILE:LINE:COL) or cannot be\n"
	"expressed in the output format; 2 on usage errors.\n";

static bool labels_same(const struct sc_meta *a, const struct sc_meta *b)
{
	if (a->n_match_labels != b->n_match_labels)
		return false;
	for (size_t i = 0; i < a->n_match_labels; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_match_labels && !found; j++)
			found = streq(a->match_labels[i].key, b->match_labels[j].key) &&
				streq(a->match_labels[i].value, b->match_labels[j].value);
		if (!found)
			return false;
	}
	return true;
}

/* matchExpressions compared in order: a different order is refused, never misread. */
static bool exprs_same(const struct sc_meta *a, const struct sc_meta *b)
{
	if (a->n_match_exprs != b->n_match_exprs)
		return false;
	for (size_t i = 0; i < a->n_match_exprs; i++) {
		const struct sc_selector_expr *x = &a->match_exprs[i], *y = &b->match_exprs[i];
		if (!streq(x->key, y->key) || x->op != y->op || x->n_values != y->n_values)
			return false;
		for (size_t k = 0; k < x->n_values; k++)
			if (!streq(x->values[k], y->values[k]))
				return false;
	}
	return true;
}

/* Several documents are one policy when they are KubeArmor policies for the same workloads. */
static bool one_policy(struct sc_profile *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sc_meta *a = &v[0]->meta, *b = &v[i]->meta;
		if (b->format != SC_FORMAT_KUBEARMOR ||
		    !streq(a->namespace ?: "", b->namespace ?: "") || !labels_same(a, b) ||
		    !exprs_same(a, b))
			return false;
	}
	return true;
}

/* Read IN: one profile, or the merge of several KubeArmor documents for the same workloads
 * (as the agent and 'syscage merge' read them). Returns 0 or an exit code. */
static int read_input(const char *in, struct sc_diags *d, struct sc_profile **ret)
{
	cleanup_free char *buf = NULL;
	struct sc_profile **v = NULL;
	size_t len = 0, n = 0;
	int r;

	d->file = in;
	r = sc_read_file(in, SC_PROFILE_MAX_INPUT, &buf, &len);
	if (r < 0) {
		/* As the reader says it: "FILE: error: cannot read: ...". */
		(void)sc_diags_cannot_read(
			d, in, r == -EFBIG ? "larger than 16 MiB; not a profile" : strerror(-r));
		cli_print_diags(d);
		sc_diags_clear(d);
		return EXIT_FINDINGS;
	}
	r = sc_profile_read_all(buf, len, in, d, &v, &n);
	cli_print_diags(d);
	sc_diags_clear(d);
	if (r == -ENOMEM)
		return cli_error("out of memory");
	if (r < 0)
		return EXIT_FINDINGS;
	if (n == 1) {
		*ret = v[0];
		free(v);
		return 0;
	}
	if (n > 1 && one_policy(v, n)) {
		r = sc_profile_merge_weak((const struct sc_profile *const *)v, n,
					  sc_implicit_fallback_implied, d, ret);
		cli_print_diags(d);
		sc_diags_clear(d);
		if (r >= 0)
			cli_note("%s: %zu KubeArmor policies for the same workloads, merged as the "
				 "agent reads them (a deny beats an allow)",
				 in, n);
		else
			cli_error("cannot merge the policies of %s: %s", in, strerror(-r));
	} else {
		r = -EINVAL;
		if (n == 0)
			cli_error("%s: no profile or policy in it", in);
		else
			cli_error("%s holds %zu profiles or policies for different workloads: "
				  "convert "
				  "writes one; split the file and convert each (or 'syscage merge' "
				  "them "
				  "if one workload gets them all)",
				  in, n);
	}
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	return r < 0 ? EXIT_FINDINGS : 0;
}

static bool has_docker_fields(const struct sc_profile *p)
{
	if (p->n_arch_map)
		return true;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		if (r->includes.n_caps || r->includes.n_arches || r->includes.min_kernel ||
		    r->excludes.n_caps || r->excludes.n_arches || r->excludes.min_kernel)
			return true;
	}
	return false;
}

static int parse_caps(char *s, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;

	for (char *tok = strtok(s, ", "); tok; tok = strtok(NULL, ", ")) {
		char **nv = reallocarray(v, n + 1, sizeof(*nv));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = tok;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	enum {
		OPT_CAPS = 0x100,
		OPT_KERNEL,
		OPT_RESOLVE,
		OPT_KEEP,
	};
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 't' },
		{ "arch", required_argument, NULL, 'a' },
		{ "caps", required_argument, NULL, OPT_CAPS },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "resolve", no_argument, NULL, OPT_RESOLVE },
		{ "keep-docker", no_argument, NULL, OPT_KEEP },
		{},
	};
	cleanup_(sc_profile_freep) struct sc_profile *p = NULL, *resolved = NULL;
	cleanup_free char **caps = NULL;
	cleanup_free char *out = NULL;
	struct sc_diags d = { 0 };
	struct sc_target t = { 0 };
	enum sc_format to = SC_FORMAT_OCI;
	const char *in, *output = NULL;
	bool resolve = false, keep = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:t:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 't':
			to = sc_format_from_string(optarg);
			if (to < 0)
				return cli_usage_error("convert",
						       "unknown format '%s' (expected oci, spo or "
						       "kubearmor)",
						       optarg);
			break;
		case 'a':
			if (cli_parse_arch(optarg, &t.arch) < 0)
				return EXIT_USAGE;
			t.has_arch = true;
			break;
		case OPT_CAPS:
			free(caps);
			caps = NULL;
			if (parse_caps(optarg, &caps, &t.n_caps) < 0)
				return cli_error("out of memory");
			t.caps = (const char *const *)caps;
			break;
		case OPT_KERNEL: {
			char tail;
			if (sscanf(optarg, "%u.%u%c", &t.kernel_major, &t.kernel_minor, &tail) !=
				    2 ||
			    (t.kernel_major == 0 && t.kernel_minor == 0))
				return cli_usage_error("convert",
						       "--kernel wants a version such as 5.15, not "
						       "'%s'",
						       optarg);
			break;
		}
		case OPT_RESOLVE:
			resolve = true;
			break;
		case OPT_KEEP:
			keep = true;
			break;
		default:
			return cli_bad_option("convert");
		}
	}
	if (optind >= argc)
		return cli_usage_error("convert", "missing the input file (use - for stdin)");
	if (optind + 1 < argc)
		return cli_usage_error("convert", "one input at a time (got '%s' too)",
				       argv[optind + 1]);
	if (keep && (resolve || to != SC_FORMAT_OCI))
		return cli_usage_error("convert",
				       "--keep-docker works only for OCI output without --resolve");
	in = argv[optind];

	r = read_input(in, &d, &p);
	if (r)
		return r;

	/* Refuse what `syscage check` calls an error (unknown syscall names, conflicting
	 * actions, ...): a runtime would reject or misread it. Warnings are check's business. */
	{
		struct sc_validate_opts vo = { .native = t.arch, .has_native = t.has_arch };
		struct sc_diags errs = { 0 };

		d.file = in;
		r = sc_profile_validate_with(p, &vo, &d);
		if (r == -ENOMEM)
			return cli_error("out of memory");
		for (size_t i = 0; i < d.n; i++)
			if (d.v[i].severity == SC_SEV_ERROR) {
				errs.v = &d.v[i];
				errs.n = errs.n_errors = 1;
				cli_print_diags(&errs);
			}
		r = (int)d.n_errors;
		sc_diags_clear(&d);
		if (r > 0)
			return EXIT_FINDINGS;
	}

	if (resolve || (!keep && has_docker_fields(p))) {
		r = sc_profile_resolve(p, &t, &resolved);
		if (r < 0)
			return cli_error("cannot resolve the profile for the target: %s",
					 strerror(-r));
		sc_profile_free(p);
		p = TAKE_PTR(resolved);
	}

	if (output)
		r = sc_profile_write_file(p, to, output);
	else {
		r = sc_profile_write_string(p, to, &out);
		if (r >= 0 && fputs(out, stdout) < 0)
			r = -EIO;
		if (r >= 0 && fflush(stdout) != 0)
			r = -EIO;
	}
	if (r < 0)
		return cli_write_error(output ? output : "-", p, (int)to, r);
	cli_warn_fallback_changed(output ? output : "-", p, (int)to);
	cli_warn_start_fatal(output ? output : "-", p, false);
	return EXIT_OK;
}
