/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage explain: what a profile (or a raw BPF program) does with one syscall: the action,
 * the rule that decided it and the instructions the compiled program executes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/filter.h"
#include "syscage/policy.h"
#include "syscage/eval.h"
#include "sc-cleanup.h"

const char cmd_explain_help[] =
	"Usage: syscage explain PROFILE --syscall NAME|NUMBER [--arch ARCH] [--args A0,A1,...]\n"
	"                       [--no-enosys] [-o text|json]\n"
	"       syscage explain --bpf FILE --syscall NAME|NUMBER [--arch ARCH] [--args ...]\n"
	"       syscage explain --policies DIR --workload NS/KIND/NAME [--syscall NAME]\n"
	"\n"
	"Say what happens to one syscall: the action and errno, the rule that decided it\n"
	"(or the default action, the arch check, or runc's ENOSYS for syscalls newer than\n"
	"any the profile names), and how many BPF instructions the compiled program runs\n"
	"for it (emulated). With --bpf, FILE is a raw program (as `syscage bpf` or\n"
	"libseccomp's seccomp_export_bpf write it) and only the action and instruction\n"
	"count are shown.\n"
	"\n"
	"With --workload, the profile a bound workload gets from the policies and bindings in\n"
	"DIR (the agent's ConfigMap; see 'syscage k8s bind --bindings'): its path, every\n"
	"policy that makes it up and why (selects its labels, named by the binding, the\n"
	"baseline), the syscalls the baseline takes away from it, and with --syscall what\n"
	"each policy says about that syscall and what the merge decides.\n"
	"\n"
	"When several rules name the syscall, an unconditional rule wins; otherwise the\n"
	"first rule whose conditions all hold (a rule with two conditions on one argument\n"
	"is split into one rule per condition, as runc does). Rules with the default's\n"
	"action are ignored, as runc ignores them.\n"
	"\n"
	"The action is what the running kernel does: on x86_64 it does not consult seccomp\n"
	"for uretprobe (Linux 6.11+) and uprobe (6.16+), so they are allowed whatever the\n"
	"program returns (shown beside it), as `inspect` reports them.\n"
	"\n"
	"Options:\n"
	"  -s, --syscall S    a name (openat) or a number as seccomp_data.nr holds it\n"
	"  -a, --arch ARCH    the ABI of the call (default: this machine's): x86_64, i386,\n"
	"                     x32, aarch64, arm, ...; the profile is resolved for this machine\n"
	"  -A, --args LIST    up to six argument values, comma-separated (0x.. or decimal)\n"
	"      --bpf FILE     explain a raw BPF program instead of a profile\n"
	"      --no-enosys    compile without runc's ENOSYS behaviour\n"
	"  -p, --policies DIR the policies and bindings (with --workload)\n"
	"      --workload W   NAMESPACE/KIND/NAME of a bound workload\n"
	"  -o, --output FMT   text (default) or json\n"
	"  -h, --help         this text\n"
	"\n"
	"Examples:\n"
	"  syscage explain docker-default.json --syscall clone --args 0x10000000\n"
	"  syscage explain app.json --syscall 0x40000001 --arch x32\n"
	"  syscage explain --bpf app.bpf --syscall openat -o json\n"
	"  syscage explain -p policies/ --workload shop/Deployment/web --syscall ptrace\n"
	"\n"
	"Exit status: 0, 1 on invalid input or an unknown syscall, 2 on a usage error.\n";

static int parse_args(const char *s, uint64_t args[6])
{
	char *copy = strdup(s), *save = NULL, *tok;
	unsigned n = 0;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		if (n == 6) {
			r = -E2BIG;
			break;
		}
		errno = 0;
		args[n] = strtoull(tok, &end, 0);
		if (errno || end == tok || *end || tok[0] == '-') {
			r = -EINVAL;
			break;
		}
		n++;
	}
	free(copy);
	return r;
}

static int parse_syscall(const char *s, enum sc_arch arch, uint32_t *ret)
{
	char *end;
	unsigned long long v;
	int nr;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (s[0] >= '0' && s[0] <= '9' && !*end && !errno) {
		if (v > UINT32_MAX)
			return cli_error("syscall number %s is out of range", s);
		*ret = (uint32_t)v;
		return 0;
	}
	nr = sc_syscall_from_name(arch, s);
	if (nr >= 0) {
		*ret = (uint32_t)nr;
		return 0;
	}
	if (nr == -ENOSYS)
		return cli_error("%s is not a syscall on %s (try --arch, or give the number)", s,
				 sc_arch_info(arch)->name);
	return cli_unknown_syscall(s);
}

static void rule_text(FILE *f, const struct sc_rule *r, bool json)
{
	if (json) {
		fputs("{\"names\": [", f);
		for (size_t i = 0; i < r->n_names; i++) {
			fputs(i ? ", " : "", f);
			sc_json_string(f, r->names[i]);
		}
		fputs("], \"action\": ", f);
		sc_json_string(f, sc_action_to_string(r->action));
		fprintf(f, ", \"line\": %u, \"args\": [", r->loc.line);
		for (size_t i = 0; i < r->n_args; i++)
			fprintf(f,
				"%s{\"index\": %u, \"op\": \"%s\", \"value\": %llu, \"valueTwo\": "
				"%llu}",
				i ? ", " : "", r->args[i].index, sc_cmp_to_string(r->args[i].op),
				(unsigned long long)r->args[i].value,
				(unsigned long long)r->args[i].value_two);
		fputs("]}", f);
		return;
	}
	fprintf(f, "%s for", sc_action_to_string(r->action));
	for (size_t i = 0; i < r->n_names && i < 6; i++)
		fprintf(f, "%s %s", i ? "," : "", r->names[i]);
	if (r->n_names > 6)
		fprintf(f, ", ... (%zu names)", r->n_names);
	for (size_t i = 0; i < r->n_args; i++)
		fprintf(f, "%s a%u %s 0x%llx", i ? " and" : " if", r->args[i].index,
			sc_cmp_to_string(r->args[i].op) + 9, (unsigned long long)r->args[i].value);
	if (r->comment && *r->comment)
		fprintf(f, " (\"%s\")", r->comment);
}

static const char *reason_name(int rule)
{
	switch (rule) {
	case SC_EVAL_RULE_DEFAULT:
		return "default";
	case SC_EVAL_RULE_ARCH:
		return "arch-mismatch";
	case SC_EVAL_RULE_ENOSYS:
		return "enosys";
	default:
		return "rule";
	}
}

/* NS/KIND/NAME (KIND case-insensitive) -> the binding of that workload in b. */
static const struct sc_binding *find_binding(const struct sc_policy_build *b, const char *spec)
{
	char ns[64], kind[64], name[254];

	if (sscanf(spec, "%63[^/]/%63[^/]/%253s", ns, kind, name) != 3)
		return NULL;
	for (size_t i = 0; i < b->n_bindings; i++) {
		const struct sc_binding *x = &b->bindings[i];
		if (streq(x->namespace, ns) && !strcasecmp(x->kind, kind) && streq(x->name, name))
			return x;
	}
	return NULL;
}

/* explain --workload: which policies make a bound workload's profile (the binding rule), what
 * the baseline takes away from it, and with a syscall what each member says about it. */
static int explain_workload(const char *dir, const char *spec, const char *syscall_name, bool json)
{
	cleanup_(sc_policy_build_freep) struct sc_policy_build *b = NULL;
	struct sc_diags d = { 0 };
	const struct sc_binding *w;
	const struct sc_policy_set *s = NULL;
	cleanup_(sc_profile_freep) struct sc_profile *without = NULL;
	cleanup_free const struct sc_profile **in = NULL;
	cleanup_free char *removed = NULL;
	size_t n_in = 0;
	int r;

	r = sc_policy_load_dir(dir, &d, &b);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot read policies from %s: %s", dir, strerror(-r));
		return EXIT_FINDINGS;
	}
	w = find_binding(b, spec);
	if (!w)
		return cli_error("no binding of %s in %s (bindings are what 'syscage k8s bind "
				 "--bindings' writes; give NAMESPACE/KIND/NAME)",
				 spec, dir);
	r = sc_policy_build_sets(b, w, 1, &d);
	if (r == 0)
		r = sc_policy_build_merge(b, NULL, &d);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0)
		return r == -EINVAL ? EXIT_FINDINGS : cli_error("cannot merge: %s", strerror(-r));
	if (b->workload_set[0] >= 0)
		s = &b->sets[b->workload_set[0]];
	if (!s)
		return cli_error("%s: not installed (see the messages above)", spec);
	in = calloc(s->n_policies + 1, sizeof(*in));
	if (!in)
		return cli_error("out of memory");
	for (size_t k = 0; k < s->n_policies; k++)
		if (!b->policies[s->policies[k]].profile->meta.baseline)
			in[n_in++] = b->policies[s->policies[k]].profile;
	if (n_in < s->n_policies) {
		r = sc_set_profile(in, n_in, s->fallback, NULL, NULL, &without);
		if (r == 0)
			r = sc_baseline_removed(without, s->profile, &removed);
		if (r < 0)
			return cli_error("cannot merge: %s", strerror(-r));
	}
	if (json) {
		printf("{\"workload\": {\"namespace\": ");
		sc_json_string(stdout, w->namespace);
		printf(", \"kind\": ");
		sc_json_string(stdout, w->kind);
		printf(", \"name\": ");
		sc_json_string(stdout, w->name);
		printf("}, \"localhostProfile\": ");
		sc_json_string(stdout, w->profile);
		printf(", \"fallback\": %s, \"policies\": [", s->fallback ? "true" : "false");
	} else {
		printf("%s %s/%s -> %s\n", w->kind, w->namespace, w->name, w->profile);
		if (s->fallback)
			printf("  no policy selects it: RuntimeDefault%s\n",
			       n_in < s->n_policies ? " with the baseline" : "");
	}
	for (size_t k = 0; k < s->n_policies; k++) {
		const struct sc_policy *p = &b->policies[s->policies[k]];
		const char *how = p->profile->meta.baseline ? "baseline"
				  : p->selects		    ? "selects its labels"
							    : "named by the binding";
		struct sc_verdict v = { 0 };
		if (syscall_name)
			sc_profile_verdict(p->profile, syscall_name, &v);
		if (json) {
			printf("%s{\"name\": ", k ? ", " : "");
			sc_json_string(stdout, p->name);
			printf(", \"file\": ");
			sc_json_string(stdout, p->file);
			printf(", \"why\": \"%s\"", how);
			if (syscall_name) {
				printf(", \"says\": ");
				if (v.unconditional || v.conditional)
					sc_json_string(stdout, sc_action_to_string(v.action));
				else
					fputs("null", stdout);
			}
			putchar('}');
		} else {
			printf("  %-9s %s (%s, %s)", k ? "" : "policies:", p->name, p->file, how);
			if (syscall_name)
				printf(": %s", v.unconditional || v.conditional
						       ? sc_action_to_string(v.action)
						       : "does not name it");
			putchar('\n');
		}
	}
	if (json) {
		printf("], \"baseline_removed\": [");
		for (const char *p = removed ? removed : ""; *p;) {
			const char *c = strchr(p, ',');
			size_t l = c ? (size_t)(c - p) : strlen(p);
			printf("%s\"%.*s\"", p == removed ? "" : ", ", (int)l, p);
			p += l + (c ? 1 : 0);
		}
		putchar(']');
	} else if (removed && *removed) {
		printf("  the baseline takes away: %s\n", removed);
	} else if (n_in < s->n_policies) {
		printf("  the baseline takes nothing away from it\n");
	}
	if (syscall_name) {
		struct sc_verdict v;
		sc_profile_verdict(s->profile, syscall_name, &v);
		if (json) {
			printf(", \"syscall\": ");
			sc_json_string(stdout, syscall_name);
			printf(", \"action\": ");
			sc_json_string(stdout, sc_action_to_string(v.action));
		} else {
			printf("  %s: %s%s (the most restrictive of the policies naming it, else "
			       "the "
			       "default)\n",
			       syscall_name, sc_action_to_string(v.action),
			       v.conditional ? ", with argument conditions" : "");
		}
	}
	if (json)
		puts("}");
	return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "syscall", required_argument, NULL, 's' },
		{ "arch", required_argument, NULL, 'a' },
		{ "args", required_argument, NULL, 'A' },
		{ "bpf", required_argument, NULL, 'B' },
		{ "no-enosys", no_argument, NULL, 'E' },
		{ "output", required_argument, NULL, 'o' },
		{ "workload", required_argument, NULL, 'W' },
		{ "policies", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum sc_arch arch = sc_arch_native();
	const char *syscall_arg = NULL, *bpf_path = NULL, *profile_path = NULL;
	const char *workload = NULL, *policies = NULL;
	uint64_t args[6] = { 0 };
	struct sc_compile_opts co = { 0 };
	cleanup_free struct sock_filter *prog = NULL;
	struct sc_profile *p = NULL;
	struct sc_eval e = { .rule = SC_EVAL_RULE_DEFAULT };
	struct seccomp_data sd = { 0 };
	size_t n = 0;
	uint32_t nr = 0, ret = 0, filter_ret = 0;
	unsigned steps = 0;
	bool json = false, passthrough = false;
	char act[64], filter_act[64], why[160];
	const char *name;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:a:A:o:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'W':
			workload = optarg;
			break;
		case 'p':
			policies = optarg;
			break;
		case 's':
			syscall_arg = optarg;
			break;
		case 'a':
			if (cli_parse_arch(optarg, &arch) < 0)
				return EXIT_USAGE;
			break;
		case 'A':
			r = parse_args(optarg, args);
			if (r < 0)
				return cli_usage_error(
					"explain",
					"bad --args '%s': up to 6 comma-separated numbers", optarg);
			break;
		case 'B':
			bpf_path = optarg;
			break;
		case 'E':
			co.no_enosys = true;
			break;
		case 'o':
			if (cli_parse_output("explain", optarg, &json) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			return cli_help(cmd_explain_help);
		default:
			return cli_bad_option("explain");
		}
	}
	if (workload || policies) {
		if (!workload || !policies || optind < argc || bpf_path)
			return cli_usage_error("explain",
					       "--workload NS/KIND/NAME goes with "
					       "--policies DIR (and optionally --syscall)");
		if (syscall_arg && !sc_syscall_known(syscall_arg))
			return cli_unknown_syscall(syscall_arg);
		return explain_workload(policies, workload, syscall_arg, json);
	}
	if (!syscall_arg)
		return cli_usage_error("explain", "missing --syscall NAME|NUMBER");
	if (optind < argc)
		profile_path = argv[optind++];
	if (optind < argc)
		return cli_usage_error("explain", "too many arguments");
	if (!!profile_path == !!bpf_path)
		return cli_usage_error("explain", "give either PROFILE or --bpf FILE");
	r = parse_syscall(syscall_arg, arch, &nr);
	if (r)
		return r;

	if (bpf_path) {
		r = sc_bpf_read(bpf_path, &prog, &n);
		if (r < 0)
			return cli_error("cannot read %s: %s%s", bpf_path, strerror(-r),
					 r == -EINVAL
						 ? " (expected a raw array of 8-byte instructions, "
						   "1..4096 of them)"
						 : "");
		r = sc_bpf_check(prog, n, why, sizeof(why));
		if (r < 0)
			return cli_error("%s: the kernel would refuse this program: %s", bpf_path,
					 why);
	} else {
		struct sc_diags d = { 0 };
		struct sc_profile *raw = NULL;
		struct sc_target t = { 0 };

		r = sc_profile_read_file(profile_path, &d, &raw);
		/* The reader says why it failed; a second message only when it did not. */
		if (cli_print_diags(&d) == 0 && r < 0)
			cli_error("cannot read %s: %s", profile_path, strerror(-r));
		sc_diags_clear(&d);
		if (r < 0)
			return EXIT_FINDINGS;
		r = sc_profile_resolve(raw, &t, &p);
		sc_profile_free(raw);
		if (r < 0)
			return cli_error("cannot resolve %s: %s", profile_path, strerror(-r));
		r = sc_profile_compile(p, &co, &prog, &n);
		if (r < 0) {
			sc_profile_free(p);
			return cli_error("%s: cannot compile: %s", profile_path,
					 r == -E2BIG ? "more than 4096 instructions"
						     : strerror(-r));
		}
		r = sc_profile_eval_raw(p, &co, sc_arch_info(arch)->audit_arch, nr, args, &e);
		if (r < 0) {
			sc_profile_free(p);
			return cli_error("%s: cannot evaluate: %s", profile_path, strerror(-r));
		}
	}

	sd.nr = (int)nr;
	sd.arch = sc_arch_info(arch)->audit_arch;
	/* seccomp_data as a kernel of the ABI's byte order lays out 64-bit arguments. */
	for (int i = 0; i < 6; i++)
		sd.args[i] =
			sc_arch_info(arch)->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
				? (args[i] << 32) | (args[i] >> 32)
				: args[i];
	r = sc_bpf_run(prog, n, &sd, &ret, &steps);
	if (r < 0) {
		sc_profile_free(p);
		return cli_error("cannot emulate the program: %s", strerror(-r));
	}
	if (p && sc_action_ret(e.action, true, e.data) != ret &&
	    !((e.action == SC_ACT_KILL_THREAD || e.action == SC_ACT_KILL) && ret == 0)) {
		sc_profile_free(p);
		return cli_error(
			"internal error: the program returns %#x but the profile means %s; "
			"please report this",
			ret, sc_action_to_string(e.action));
	}
	/* The kernel skips the filters for a few calls: say what the process gets. */
	passthrough = sc_seccomp_passthrough(sd.arch, nr, 0, 0);
	if (passthrough) {
		filter_ret = ret;
		ret = SECCOMP_RET_ALLOW;
	}
	(void)sc_bpf_action_str(filter_ret, filter_act, sizeof(filter_act));
	(void)sc_bpf_action_str(ret, act, sizeof(act));
	name = sc_syscall_to_name(sc_arch_from_audit(sd.arch, nr), nr);

	if (json) {
		fputs("{\"syscall\": ", stdout);
		if (name)
			sc_json_string(stdout, name);
		else
			fputs("null", stdout);
		fprintf(stdout, ", \"number\": %u, \"arch\": \"%s\", \"args\": [", nr,
			sc_arch_info(arch)->name);
		for (int i = 0; i < 6; i++)
			fprintf(stdout, "%s%llu", i ? ", " : "", (unsigned long long)args[i]);
		fputs("], \"action\": ", stdout);
		sc_json_string(stdout, sc_action_to_string(sc_action_from_ret(ret, NULL)));
		fprintf(stdout, ", \"ret\": %u, \"data\": %u, \"text\": ", ret, ret & 0xffffu);
		sc_json_string(stdout, act);
		fprintf(stdout, ", \"kernel_skips_seccomp\": %s", passthrough ? "true" : "false");
		if (passthrough) {
			fputs(", \"filter_text\": ", stdout);
			sc_json_string(stdout, filter_act);
		}
		if (p) {
			fprintf(stdout, ", \"decided_by\": \"%s\", \"rule_index\": ",
				passthrough ? "kernel" : reason_name(e.rule));
			if (e.rule >= 0) {
				fprintf(stdout, "%d, \"rule\": ", e.rule);
				rule_text(stdout, &p->rules[e.rule], true);
			} else {
				fputs("null", stdout);
			}
		}
		fprintf(stdout, ", \"instructions_executed\": %u, \"program_length\": %zu}\n",
			steps, n);
	} else {
		enum sc_arch abi = sc_arch_from_audit(sd.arch, nr);
		printf("%s (%u) on %s", name ? name : "unknown syscall", nr,
		       sc_arch_info(abi >= 0 ? abi : arch)->name);
		for (int i = 0; i < 6; i++)
			if (args[i])
				printf(", a%d=0x%llx", i, (unsigned long long)args[i]);
		printf("\n  action:        %s", act);
		if (sc_action_from_ret(ret, NULL) == SC_ACT_ERRNO)
			printf("  [errno %u]", ret & 0xffffu);
		else if (sc_action_from_ret(ret, NULL) == SC_ACT_TRACE)
			printf("  [data %u]", ret & 0xffffu);
		putchar('\n');
		if (passthrough)
			printf("  kernel:        this kernel does not run seccomp filters for %s "
			       "on "
			       "x86_64 (uretprobe since Linux 6.11, uprobe since 6.16); the filter "
			       "alone returns %s\n",
			       name ? name : "this call", filter_act);
		if (p) {
			printf(passthrough ? "  filter's rule: " : "  decided by:    ");
			switch (e.rule) {
			case SC_EVAL_RULE_DEFAULT:
				printf("the default action (no rule matched)\n");
				break;
			case SC_EVAL_RULE_ARCH:
				printf("the arch check: %s is not among the profile's "
				       "architectures\n",
				       sc_arch_info(sc_arch_from_audit(sd.arch, nr))->name);
				break;
			case SC_EVAL_RULE_ENOSYS:
				printf("runc's ENOSYS rule: %u is above the highest syscall the "
				       "profile names on this ABI (--no-enosys turns this off)\n",
				       nr);
				break;
			default:
				printf("rule #%d", e.rule);
				if (p->rules[e.rule].loc.line)
					printf(" (%s:%u)", profile_path, p->rules[e.rule].loc.line);
				printf(": ");
				rule_text(stdout, &p->rules[e.rule], false);
				putchar('\n');
			}
		}
		printf("  instructions:  %u executed (program of %zu)\n", steps, n);
	}
	sc_profile_free(p);
	return EXIT_OK;
}
