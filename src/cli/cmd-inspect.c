/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage inspect: what a process runs with (amicontained's report), and which syscalls its
 * seccomp filters block: exactly, by reading and emulating the filters, or by probing when
 * they cannot be read; --compare checks the running filters against a profile. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "syscage/inspect.h"
#include "syscage/eval.h"
#include "syscage/filter.h"
#include "syscage/merge.h"
#include "syscage/syscalls.h"

const char cmd_inspect_help[] =
	"Usage: syscage inspect [--pid N] [-o text|json] [--probe]\n"
	"                       [--compare PROFILE [--caps LIST] [--strict] [--no-enosys]]\n"
	"\n"
	"Report what a process runs with: the container runtime (docker, containerd, kube,\n"
	"cri-o, podman, lxc or none) and cgroup version, its namespaces (whether each is the\n"
	"host's; \"not visible\" where it cannot be told), user namespace maps, capabilities by\n"
	"name, no_new_privs, AppArmor and SELinux labels, seccomp mode and filter count, and the\n"
	"syscalls its seccomp filters do not simply allow.\n"
	"\n"
	"The blocked list is exact where the filters can be read: PTRACE_SECCOMP_GET_FILTER\n"
	"needs CAP_SYS_ADMIN and a tracer that is not itself under seccomp, so typically from\n"
	"the node with --pid (a privileged debug pod works too). Every filter is emulated over\n"
	"every syscall of every ABI (x32 included); the kernel's rule decides between filters\n"
	"(the most severe action wins). Syscalls whose action depends on their arguments are\n"
	"listed apart, with the actions seen.\n"
	"\n"
	"Where the filters cannot be read (inside a container, or without the privilege), the\n"
	"calling process probes itself and says so: each syscall is called with zero arguments\n"
	"in a short-lived child, and each refusal is classified as seccomp, kernel permission\n"
	"(a capability, a sysctl) or not implemented. The classifier stacks a filter that asks\n"
	"for a user notification on the probed call: the notification arrives only when the\n"
	"process's own filters let the call through. amicontained's count (every EPERM counted\n"
	"as blocked) is shown beside it. Calls that would change the host with zero arguments\n"
	"(kexec_load, acct, sethostname, System V IPC, ...) are not made.\n"
	"\n"
	"--compare evaluates FILE the way syscage's compiler does. A runtime's seccomp library\n"
	"may be older than the syscalls FILE names (Debian's libseccomp 2.5.4 cannot name\n"
	"mseal, listmount, ...), and runc then skips those names: differences that vanish when\n"
	"such names (syscalls added since Linux 5.16) are left out of FILE are listed in a note\n"
	"and, without --strict, do not make the result different. The kill action for ABIs FILE "
	"does not list is not\n"
	"compared (runc keeps libseccomp's KILL_THREAD, syscage uses KILL_PROCESS).\n"
	"\n"
	"Options:\n"
	"  -p, --pid N          the process to inspect (default: this one)\n"
	"  -c, --compare FILE   does the running filter do what FILE compiles to? (every ABI,\n"
	"                       every syscall, varied arguments where either side checks them;\n"
	"                       includes.caps resolved with the process's bounding set).\n"
	"                       With probing: the native ABI, zero arguments, seccomp refusals\n"
	"      --caps LIST      resolve FILE's includes/excludes.caps for these capabilities\n"
	"                       (comma-separated, or \"none\"; default: the process's bounding\n"
	"                       set, as Docker, podman and containerd resolve them; use none for\n"
	"                       a process started by `syscage run`, which resolves none)\n"
	"      --no-enosys      compare with a FILE compiled without runc's ENOSYS rule\n"
	"      --strict         count as differences also those that vanish when the runtime\n"
	"                       is assumed unable to name some syscalls (see --compare above)\n"
	"      --probe          probe this process even where the filters can be read\n"
	"  -o, --output FMT     text (default) or json\n"
	"  -h, --help           this text\n"
	"\n"
	"Examples:\n"
	"  syscage inspect                                   # inside a container\n"
	"  syscage inspect --pid 4242 -o json                # from the node\n"
	"  syscage inspect --pid 4242 --compare /var/lib/kubelet/seccomp/syscage/ns/app.json\n"
	"  syscage run -p app.json -- syscage inspect --probe\n"
	"\n"
	"Exit status: 0; 1 when --compare finds a difference or cannot compare, or the process\n"
	"cannot be inspected; 2 on a usage error.\n";

static bool json;
static bool strict;
static bool caps_given;
static uint64_t caps_arg;

/* --caps: "none" or CAP_A,CAP_B (the CAP_ prefix optional, any case). */
static int parse_caps(const char *s, uint64_t *ret)
{
	cleanup_free char *copy = strdup(s);
	char *save = NULL;

	*ret = 0;
	if (!copy)
		return -ENOMEM;
	if (streq(s, "none") || !*s)
		return 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int c = sc_cap_from_name(t);
		if (c < 0)
			return c;
		*ret |= 1ull << c;
	}
	return 0;
}

static const char *errno_name(int e)
{
	const char *n = e > 0 ? strerrorname_np(e) : NULL;
	return n ? n : "?";
}

static const char *act_str(uint32_t ret, char *buf, size_t size)
{
	return sc_bpf_action_str(ret, buf, size);
}

/* ---- process facts --------------------------------------------------------------------- */

static void print_caps_text(const char *label, uint64_t set)
{
	unsigned n = 0;

	printf("  %-12s", label);
	for (unsigned c = 0; c <= SC_CAP_LAST; c++)
		if (set & (1ull << c))
			printf("%s%s", n++ ? " " : "", sc_cap_to_name(c) + 4);
	if (!n)
		printf("(none)");
	if (set >> (SC_CAP_LAST + 1))
		printf(" +unknown bits 0x%llx", (unsigned long long)(set >> (SC_CAP_LAST + 1)));
	printf("\n");
}

static void print_caps_json(const char *label, uint64_t set, bool first)
{
	unsigned n = 0;

	printf("%s\"%s\": [", first ? "" : ", ", label);
	for (unsigned c = 0; c <= SC_CAP_LAST; c++)
		if (set & (1ull << c)) {
			fputs(n++ ? ", " : "", stdout);
			sc_json_string(stdout, sc_cap_to_name(c));
		}
	printf("]");
}

static const char *ns_state_str(enum sc_ns_state s)
{
	return s == SC_NS_INITIAL ? "host" : s == SC_NS_SEPARATE ? "separate" : "not visible";
}

static void print_facts(const struct sc_inspect *in)
{
	static const char *const capsets[_SC_CAPS_COUNT] = { "bounding", "effective", "permitted",
							     "inheritable", "ambient" };

	if (json) {
		printf("\"pid\": %d, \"comm\": ", (int)in->pid);
		sc_json_string(stdout, in->comm);
		printf(", \"runtime\": {\"name\": ");
		sc_json_string(stdout, in->runtime);
		printf(", \"evidence\": ");
		sc_json_string(stdout, in->runtime_why);
		printf(", \"container_id\": ");
		sc_json_string(stdout, in->container_id[0] ? in->container_id : NULL);
		printf("}, \"cgroup\": {\"version\": \"%s\", \"path\": ",
		       in->cgroup_version == SC_CGROUP_V1	? "v1"
		       : in->cgroup_version == SC_CGROUP_V2	? "v2"
		       : in->cgroup_version == SC_CGROUP_HYBRID ? "hybrid"
								: "unknown");
		sc_json_string(stdout, in->cgroup_path);
		printf("}, \"namespaces\": {");
		for (int t = 0; t < _SC_NS_COUNT; t++) {
			printf("%s\"%s\": {\"state\": \"%s\", \"inode\": %llu, \"how\": ",
			       t ? ", " : "", sc_ns_to_name(t), ns_state_str(in->ns[t].state),
			       (unsigned long long)in->ns[t].inode);
			sc_json_string(stdout, in->ns[t].how);
			printf("}");
		}
		printf("}, \"user_ns\": {\"uid_map\": ");
		sc_json_string(stdout, in->uid_map);
		printf(", \"gid_map\": ");
		sc_json_string(stdout, in->gid_map);
		printf("}, \"capabilities\": {");
		for (int c = 0; c < _SC_CAPS_COUNT; c++)
			print_caps_json(capsets[c], in->caps[c], c == 0);
		printf("}, \"no_new_privs\": %s, \"apparmor\": ", in->no_new_privs < 0 ? "null"
								  : in->no_new_privs   ? "true"
										       : "false");
		sc_json_string(stdout, in->apparmor);
		printf(", \"selinux\": ");
		sc_json_string(stdout, in->selinux);
		printf(", \"seccomp\": {\"mode\": \"%s\", \"filters\": ",
		       in->seccomp_mode == 0   ? "disabled"
		       : in->seccomp_mode == 1 ? "strict"
		       : in->seccomp_mode == 2 ? "filter"
					       : "unknown");
		if (in->seccomp_filters >= 0)
			printf("%d}", in->seccomp_filters);
		else
			printf("null}");
		return;
	}
	printf("process:       %d (%s)\n", (int)in->pid, in->comm);
	printf("runtime:       %s (%s)\n", in->runtime, in->runtime_why);
	if (in->container_id[0])
		printf("container id:  %s\n", in->container_id);
	printf("cgroup:        %s, %s\n", sc_cgroup_version_str(in->cgroup_version),
	       in->cgroup_path[0] ? in->cgroup_path : "?");
	printf("namespaces:   ");
	for (int t = 0; t < _SC_NS_COUNT; t++)
		printf(" %s=%s", sc_ns_to_name(t), ns_state_str(in->ns[t].state));
	printf("\n");
	for (int t = 0; t < _SC_NS_COUNT; t++)
		if (in->ns[t].state == SC_NS_NOT_VISIBLE)
			printf("  %s: not visible: %s\n", sc_ns_to_name(t), in->ns[t].how);
	if (in->uid_map)
		printf("user ns maps:  uid %s; gid %s\n", in->uid_map,
		       in->gid_map ? in->gid_map : "?");
	printf("capabilities:\n");
	for (int c = 0; c < _SC_CAPS_COUNT; c++)
		print_caps_text(capsets[c], in->caps[c]);
	printf("no_new_privs:  %s\n", in->no_new_privs < 0 ? "unknown"
				      : in->no_new_privs   ? "yes"
							   : "no");
	printf("apparmor:      %s\n", in->apparmor ? in->apparmor : "(not active)");
	printf("selinux:       %s\n", in->selinux ? in->selinux : "(not active)");
	printf("seccomp:       %s", in->seccomp_mode == 0   ? "disabled"
				    : in->seccomp_mode == 1 ? "strict"
				    : in->seccomp_mode == 2 ? "filter"
							    : "unknown");
	if (in->seccomp_mode == 2 && in->seccomp_filters >= 0)
		printf(", %d filter%s", in->seccomp_filters, in->seccomp_filters == 1 ? "" : "s");
	printf("\n");
}

/* ---- the exact list -------------------------------------------------------------------- */

struct act_group {
	uint32_t ret;
	unsigned count;
};

static int group_cmp(const void *a, const void *b)
{
	const struct act_group *x = a, *y = b;
	int32_t ax = (int32_t)(x->ret & SECCOMP_RET_ACTION_FULL),
		ay = (int32_t)(y->ret & SECCOMP_RET_ACTION_FULL);
	if (ax != ay)
		return ax < ay ? -1 : 1;
	return x->ret < y->ret ? -1 : x->ret > y->ret;
}

/* Distinct results (zero arguments) over the named syscalls of one ABI, most severe first. */
static unsigned groups_of(const struct sc_arch_decisions *ad, struct act_group *g, unsigned max)
{
	unsigned n = 0;

	for (size_t k = 0; k < ad->n; k++) {
		unsigned i;
		if (!sc_syscall_to_name(ad->arch, ad->v[k].nr))
			continue;
		for (i = 0; i < n && g[i].ret != ad->v[k].ret; i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			g[n++] = (struct act_group){ ad->v[k].ret, 0 };
		}
		g[i].count++;
	}
	qsort(g, n, sizeof(*g), group_cmp);
	return n;
}

static bool arch_interesting(const struct sc_arch_decisions *ad)
{
	return !ad->uniform || ad->arch == sc_arch_native();
}

static void print_exact(const struct sc_arch_decisions *d)
{
	char buf[64];
	bool first_arch = true;

	if (json)
		printf("\"exact\": {\"arches\": [");
	else
		printf("  (emulated over every syscall of every ABI; \"above\" is any number past "
		       "the table)\n");
	for_each_arch (a) {
		const struct sc_arch_decisions *ad = &d[a];
		struct act_group g[32];
		unsigned ng, n_args = 0;

		if (!arch_interesting(ad))
			continue;
		ng = groups_of(ad, g, ELEMENTSOF(g));
		if (json) {
			printf("%s{\"arch\": \"%s\", \"uniform\": %s, \"above\": \"%s\", "
			       "\"actions\": [",
			       first_arch ? "" : ", ", sc_arch_info(a)->name,
			       ad->uniform ? "true" : "false",
			       act_str(ad->above_ret, buf, sizeof(buf)));
		} else {
			printf("  %s (above: %s)%s\n", sc_arch_info(a)->name,
			       act_str(ad->above_ret, buf, sizeof(buf)),
			       ad->uniform ? ": the same action for every syscall" : "");
		}
		first_arch = false;
		for (unsigned i = 0; i < ng; i++) {
			bool allow = (g[i].ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
			unsigned shown = 0;

			if (json) {
				printf("%s{\"action\": \"%s\", \"count\": %u, \"syscalls\": [",
				       i ? ", " : "", act_str(g[i].ret, buf, sizeof(buf)),
				       g[i].count);
			} else {
				printf("    %-32s %4u", act_str(g[i].ret, buf, sizeof(buf)),
				       g[i].count);
				if (allow || ad->uniform) {
					printf("\n");
					continue;
				}
				printf(":");
			}
			for (size_t k = 0; k < ad->n; k++) {
				const char *name = sc_syscall_to_name(a, ad->v[k].nr);
				if (!name || ad->v[k].ret != g[i].ret)
					continue;
				if (json) {
					fputs(shown++ ? ", " : "", stdout);
					sc_json_string(stdout, name);
				} else {
					printf(" %s", name);
				}
			}
			if (json)
				printf("]}");
			else
				printf("\n");
		}
		if (json)
			printf("], \"argument_checks\": [");
		for (size_t k = 0; k < ad->n; k++) {
			const char *name = sc_syscall_to_name(a, ad->v[k].nr);
			if (!ad->v[k].args || !name)
				continue;
			if (json) {
				printf("%s{\"syscall\": ", n_args ? ", " : "");
				sc_json_string(stdout, name);
				printf(", \"zero_args\": \"%s\", \"also\": [",
				       act_str(ad->v[k].ret, buf, sizeof(buf)));
				for (unsigned i = 0; i < ad->v[k].n_also; i++)
					printf("%s\"%s\"", i ? ", " : "",
					       act_str(ad->v[k].also[i], buf, sizeof(buf)));
				printf("]}");
			} else {
				if (!n_args)
					printf("    argument checks (the action depends on the "
					       "arguments):\n");
				printf("      %-20s %s with zero arguments; also", name,
				       act_str(ad->v[k].ret, buf, sizeof(buf)));
				for (unsigned i = 0; i < ad->v[k].n_also; i++)
					printf("%s %s", i ? "," : "",
					       act_str(ad->v[k].also[i], buf, sizeof(buf)));
				printf("\n");
			}
			n_args++;
		}
		if (json)
			printf("]}");
	}
	if (json) {
		printf("], \"other_arches\": [");
	} else {
		printf("  other ABIs:");
	}
	{
		unsigned n = 0;
		for_each_arch (a) {
			if (arch_interesting(&d[a]))
				continue;
			if (json)
				printf("%s{\"arch\": \"%s\", \"action\": \"%s\"}", n ? ", " : "",
				       sc_arch_info(a)->name,
				       act_str(d[a].v[0].ret, buf, sizeof(buf)));
			else
				printf(" %s=%s", sc_arch_info(a)->name,
				       act_str(d[a].v[0].ret, buf, sizeof(buf)));
			n++;
		}
		if (!json && !n)
			printf(" (none)");
	}
	if (json)
		printf("]}");
	else
		printf("\n");
}

/* ---- the probe ------------------------------------------------------------------------- */

static void print_probe(const struct sc_probe_report *p)
{
	static const enum sc_probe_class order[] = { SC_PROBE_SECCOMP, SC_PROBE_KERNEL_PERM,
						     SC_PROBE_NOT_IMPL, SC_PROBE_UNSURE,
						     SC_PROBE_SKIPPED };

	if (json) {
		printf("\"probe\": {\"arch\": \"%s\", \"classifier\": \"%s\", \"classifier_why\": ",
		       sc_arch_info(p->arch)->name, p->oracle ? "notify-oracle" : "heuristic");
		sc_json_string(stdout, p->oracle_why);
		printf(", \"amicontained_count\": %u, \"counts\": {", p->amicontained);
		for (int c = 0; c < _SC_PROBE_CLASS_COUNT; c++)
			printf("%s\"%s\": %u", c ? ", " : "", sc_probe_class_str(c), p->count[c]);
		printf("}, \"syscalls\": [");
		for (size_t i = 0, n = 0; i < p->n; i++) {
			const struct sc_probe_entry *e = &p->v[i];
			if (e->cls == SC_PROBE_ALLOWED)
				continue;
			printf("%s{\"syscall\": ", n++ ? ", " : "");
			sc_json_string(stdout, e->name);
			printf(", \"nr\": %u, \"class\": \"%s\", \"errno\": ", e->nr,
			       sc_probe_class_str(e->cls));
			sc_json_string(stdout, e->err ? errno_name(e->err) : NULL);
			printf(", \"signal\": ");
			if (e->sig)
				printf("%d", e->sig);
			else
				printf("null");
			printf(", \"method\": \"%s\", \"why\": ", e->cls == SC_PROBE_SKIPPED
									  ? "none"
								  : e->oracle ? "notify-oracle"
									      : "heuristic");
			sc_json_string(stdout, e->why);
			printf("}");
		}
		printf("]}");
		return;
	}
	printf("  probed %zu %s syscalls with zero arguments; classified by %s%s%s\n", p->n,
	       sc_arch_info(p->arch)->name,
	       p->oracle ? "the notify oracle (exact)" : "the heuristic (see --help)",
	       p->oracle_why[0] ? ": " : "", p->oracle_why);
	printf("  seccomp blocks %u; amicontained would print \"Blocked Syscalls (%u)\" "
	       "(every EPERM)\n",
	       p->count[SC_PROBE_SECCOMP], p->amicontained);
	for (size_t o = 0; o < ELEMENTSOF(order); o++) {
		enum sc_probe_class c = order[o];
		if (!p->count[c])
			continue;
		printf("    %-18s %3u:", sc_probe_class_str(c), p->count[c]);
		for (size_t i = 0; i < p->n; i++) {
			const struct sc_probe_entry *e = &p->v[i];
			if (e->cls != c)
				continue;
			if (e->sig)
				printf(" %s(SIG%s)", e->name, sigabbrev_np(e->sig) ?: "?");
			else if (e->err && c != SC_PROBE_SKIPPED)
				printf(" %s(%s)", e->name, errno_name(e->err));
			else
				printf(" %s", e->name);
		}
		printf("\n");
	}
}

/* ---- compare --------------------------------------------------------------------------- */

static int load_profile(const char *path, struct sc_profile **ret)
{
	struct sc_diags d = { 0 };
	int r = sc_profile_read_file(path, &d, ret);

	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0 && r != -EINVAL)
		cli_error("cannot read %s: %s", path, strerror(-r));
	return r;
}

static int compare_exact(const char *path, const struct sc_filter_set *fs,
			 const struct sc_inspect *in, const struct sc_compile_opts *co)
{
	struct sc_profile *p = NULL;
	struct sc_compare c = { 0 };
	char b1[64], b2[64];
	int r;

	if (load_profile(path, &p) < 0)
		return -1;
	r = sc_filters_compare(fs, p, caps_given ? &caps_arg : &in->caps[SC_CAPS_BOUNDING], co, &c);
	sc_profile_free(p);
	if (r < 0) {
		cli_error("cannot compare with %s: %s", path, strerror(-r));
		return -1;
	}
	if (json) {
		printf("\"compare\": {\"profile\": ");
		sc_json_string(stdout, path);
		printf(", \"method\": \"exact\", \"equal\": %s, \"checked\": %zu, "
		       "\"kill_flavour_only\": %zu, \"unknown_to_runtime\": [",
		       c.n ? "false" : "true", c.n_checked, c.n_kill_flavour);
		for (size_t i = 0; i < c.n_unknown; i++) {
			fputs(i ? ", " : "", stdout);
			sc_json_string(stdout, c.unknown_names[i]);
		}
		printf("], \"explained_by_unknown\": %zu, \"count\": %zu, \"differences\": [",
		       c.n_explained, c.n);
		/* At most 500 listed; "count" has them all. */
		for (size_t i = 0; i < c.n && i < 500; i++) {
			const struct sc_compare_diff *x = &c.v[i];
			printf("%s{\"arch\": \"%s\", \"nr\": %u, \"syscall\": ", i ? ", " : "",
			       sc_arch_info(x->arch)->name, x->nr);
			sc_json_string(stdout, sc_syscall_to_name(x->arch, x->nr));
			printf(", \"args\": ");
			if (x->with_args)
				printf("[%llu, %llu, %llu, %llu, %llu, %llu]",
				       (unsigned long long)x->args[0],
				       (unsigned long long)x->args[1],
				       (unsigned long long)x->args[2],
				       (unsigned long long)x->args[3],
				       (unsigned long long)x->args[4],
				       (unsigned long long)x->args[5]);
			else
				printf("null");
			printf(", \"running\": \"%s\", \"profile\": \"%s\"}",
			       act_str(x->running, b1, sizeof(b1)),
			       act_str(x->expected, b2, sizeof(b2)));
		}
		printf("]}");
	} else {
		printf("compare with %s [exact]: %s (%zu cases: every ABI and syscall, varied "
		       "arguments where either side checks them)\n",
		       path,
		       c.n	     ? "DIFFERENT"
		       : c.n_unknown ? "equal, as far as the runtime could name the syscalls"
				     : "equal",
		       c.n_checked);
		for (size_t i = 0; i < c.n && i < 200; i++) {
			const struct sc_compare_diff *x = &c.v[i];
			const char *name = sc_syscall_to_name(x->arch, x->nr);
			printf("  %s %s", sc_arch_info(x->arch)->name, name ? name : "");
			if (!name)
				printf("nr %u", x->nr);
			if (x->with_args)
				for (int k = 0; k < 6; k++)
					if (x->args[k])
						printf(" a%d=0x%llx", k,
						       (unsigned long long)x->args[k]);
			printf(": running %s, profile %s\n", act_str(x->running, b1, sizeof(b1)),
			       act_str(x->expected, b2, sizeof(b2)));
		}
		if (c.n > 200)
			printf("  ... %zu more\n", c.n - 200);
		if (c.n_unknown) {
			printf("  note: %zu difference%s vanish if the runtime's seccomp library "
			       "could "
			       "not name these %zu syscalls (runc skips names it cannot resolve, "
			       "so they "
			       "get the default action or ENOSYS, not the profile's rule):",
			       c.n_explained, c.n_explained == 1 ? "" : "s", c.n_unknown);
			for (size_t i = 0; i < c.n_unknown; i++)
				printf(" %s", c.unknown_names[i]);
			printf("\n");
		}
		if (c.n_kill_flavour)
			printf("  note: on %zu (ABI, syscall) pairs of ABIs the profile does not "
			       "list, the running filter gives %s where syscage's compiler gives "
			       "%s "
			       "(OCI profiles cannot say which; runc keeps libseccomp's default)\n",
			       c.n_kill_flavour, act_str(c.kill_running, b1, sizeof(b1)),
			       act_str(c.kill_expected, b2, sizeof(b2)));
	}
	r = c.n || (strict && c.n_unknown) ? 1 : 0;
	sc_compare_done(&c);
	return r;
}

/* Probing sees the native ABI with zero arguments, and only whether seccomp refused. */
static int compare_probe(const char *path, const struct sc_probe_report *pr,
			 const struct sc_inspect *in, const struct sc_compile_opts *co)
{
	const char *names[SC_CAP_LAST + 1];
	struct sc_target t = { 0 };
	struct sc_profile *raw = NULL, *p = NULL;
	size_t n_diff = 0, n_checked = 0, n_skipped = 0;
	bool first = true;
	int r;

	if (load_profile(path, &raw) < 0)
		return -1;
	for (unsigned c = 0; c <= SC_CAP_LAST; c++)
		if ((caps_given ? caps_arg : in->caps[SC_CAPS_BOUNDING]) & (1ull << c))
			names[t.n_caps++] = sc_cap_to_name(c);
	t.caps = names;
	sc_inspect_kernel_version(&t.kernel_major, &t.kernel_minor);
	r = sc_profile_resolve(raw, &t, &p);
	sc_profile_free(raw);
	if (r < 0) {
		cli_error("cannot resolve %s: %s", path, strerror(-r));
		return -1;
	}
	if (json) {
		printf("\"compare\": {\"profile\": ");
		sc_json_string(stdout, path);
		printf(", \"method\": \"probe\", \"differences\": [");
	} else {
		printf("compare with %s [probe: %s, zero arguments, seccomp refusals only]:\n",
		       path, sc_arch_info(pr->arch)->name);
	}
	for (size_t i = 0; i < pr->n; i++) {
		const struct sc_probe_entry *e = &pr->v[i];
		struct sc_eval ev;
		bool want_block, got_block;
		char b[64];

		if (e->cls == SC_PROBE_SKIPPED || e->cls == SC_PROBE_UNSURE) {
			n_skipped++;
			continue;
		}
		if (sc_profile_eval_raw(p, co, sc_arch_info(pr->arch)->audit_arch, e->nr, NULL,
					&ev) < 0)
			continue;
		n_checked++;
		/* This kernel does not filter uretprobe/uprobe: the profile cannot block them. */
		if (sc_seccomp_passthrough(sc_arch_info(pr->arch)->audit_arch, e->nr, 0, 0))
			ev = (struct sc_eval){ SC_ACT_ALLOW, 0, ev.rule };
		want_block = ev.action != SC_ACT_ALLOW && ev.action != SC_ACT_LOG &&
			     ev.action != SC_ACT_TRACE && ev.action != SC_ACT_NOTIFY;
		got_block = e->cls == SC_PROBE_SECCOMP;
		if (want_block == got_block)
			continue;
		n_diff++;
		(void)sc_bpf_action_str(sc_action_ret(ev.action, true, ev.data), b, sizeof(b));
		if (json) {
			printf("%s{\"syscall\": ", first ? "" : ", ");
			sc_json_string(stdout, e->name);
			printf(", \"probe\": \"%s\", \"profile\": \"%s\"}",
			       sc_probe_class_str(e->cls), b);
		} else {
			printf("  %s: probe says %s, profile says %s\n", e->name,
			       sc_probe_class_str(e->cls), b);
		}
		first = false;
	}
	if (json)
		printf("], \"equal\": %s, \"checked\": %zu, \"not_compared\": %zu}",
		       n_diff ? "false" : "true", n_checked, n_skipped);
	else
		printf("  %s: %zu syscalls compared, %zu not (skipped or unsure)\n",
		       n_diff ? "DIFFERENT" : "equal", n_checked, n_skipped);
	sc_profile_free(p);
	return n_diff ? 1 : 0;
}

/* ---- the verb -------------------------------------------------------------------------- */

/* The waits the kernel restarts with restart_syscall (-ERESTART_RESTARTBLOCK) after a stop. */
static bool restarts_with_block(const char *name)
{
	static const char *const waits[] = {
		"nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "poll",
		"futex",     "futex_time64",	"restart_syscall",
	};

	for (size_t i = 0; name && i < ELEMENTSOF(waits); i++)
		if (streq(name, waits[i]))
			return true;
	return false;
}

/* A thread of 'pid' waiting in such a call (/proc/PID/task/TID/syscall: its number first, on the
 * native ABI): its tid and the call's name (borrowed), or 0. */
static pid_t restartable_wait(pid_t pid, const char **ret_name)
{
	char path[64];
	DIR *d;
	pid_t found = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	for (struct dirent *e; !found && (e = readdir(d));) {
		char p2[384], line[64];
		long nr;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(p2, sizeof(p2), "%s/%s/syscall", path, e->d_name);
		f = fopen(p2, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%ld", &nr) == 1 && nr >= 0) {
			const char *name = sc_syscall_to_name(sc_arch_native(), (uint32_t)nr);
			if (restarts_with_block(name)) {
				found = (pid_t)atoi(e->d_name);
				*ret_name = name;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Does the filter set deny restart_syscall on the native ABI? */
static bool denies_restart(const struct sc_filter_set *fs)
{
	static const uint64_t args[6];
	struct seccomp_data sd;
	uint32_t ret, data;
	int nr = sc_syscall_from_name(sc_arch_native(), "restart_syscall");

	if (nr < 0)
		return false;
	sc_seccomp_data_for(sc_arch_native(), (uint32_t)nr, args, &sd);
	if (sc_filters_run(fs, &sd, &ret) < 0)
		return false;
	return !sc_action_permits(sc_action_from_ret(ret, &data));
}

static const char *read_error_text(int r)
{
	switch (r) {
	case -EACCES:
		return "needs CAP_SYS_ADMIN and a tracer that is not itself under seccomp";
	case -EPERM:
		return "ptrace was refused (another tracer, Yama, or no CAP_SYS_PTRACE over it)";
	case -EMEDIUMTYPE:
		return "this kernel has no PTRACE_SECCOMP_GET_FILTER "
		       "(CONFIG_CHECKPOINT_RESTORE)";
	case -ESRCH:
		return "the process went away";
	case -EBADMSG:
		return "the kernel returned a filter the checker refuses";
	default:
		return strerror(-r);
	}
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "compare", required_argument, NULL, 'c' },
		{ "probe", no_argument, NULL, 'P' },
		{ "no-enosys", no_argument, NULL, 'E' },
		{ "caps", required_argument, NULL, 'C' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct sc_compile_opts co = { 0 };
	struct sc_inspect in;
	struct sc_filter_set fs = { 0 };
	struct sc_arch_decisions *dec = NULL;
	struct sc_probe_report pr = { 0 };
	const char *compare = NULL, *method = "none";
	char why[320] = "";
	bool want_probe = false, self, have_exact = false, have_probe = false;
	long pid = 0;
	int c, r, rc = EXIT_OK;

	json = false;
	caps_given = false;
	strict = false;
	while ((c = getopt_long(argc, argv, "p:o:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || pid <= 0 || pid > INT32_MAX)
				return cli_usage_error("inspect", "bad --pid '%s'", optarg);
			break;
		}
		case 'o':
			if (cli_parse_output("inspect", optarg, &json) < 0)
				return EXIT_USAGE;
			break;
		case 'c':
			compare = optarg;
			break;
		case 'P':
			want_probe = true;
			break;
		case 'E':
			co.no_enosys = true;
			break;
		case 'S':
			strict = true;
			break;
		case 'C':
			if (parse_caps(optarg, &caps_arg) < 0)
				return cli_usage_error("inspect",
						       "bad --caps '%s': capability names "
						       "(CAP_SYS_ADMIN,...) or none",
						       optarg);
			caps_given = true;
			break;
		case 'h':
			return cli_help(cmd_inspect_help);
		default:
			return cli_bad_option("inspect");
		}
	}
	if (optind < argc)
		return cli_usage_error("inspect", "unexpected argument '%s'", argv[optind]);
	self = pid == 0 || pid == getpid();
	if (want_probe && !self)
		return cli_usage_error("inspect",
				       "--probe probes the calling process; run `syscage inspect "
				       "--probe` inside the target instead of --pid");

	r = sc_inspect_process(self ? 0 : (pid_t)pid, &in);
	if (r < 0)
		return cli_error("cannot inspect process %ld: %s", pid ? pid : (long)getpid(),
				 r == -ESRCH ? "no such process" : strerror(-r));

	/* Which method gives the blocked list, and why. */
	if (in.seccomp_mode == 0) {
		method = "none";
		(void)snprintf(why, sizeof(why), "seccomp is disabled for this process");
		have_exact = true; /* exactly nothing */
	} else if (in.seccomp_mode == 1) {
		method = "none";
		(void)snprintf(why, sizeof(why),
			       "strict mode: only read, write, _exit and sigreturn are allowed");
	} else if (self) {
		(void)snprintf(why, sizeof(why),
			       "this process is under seccomp, and the kernel shows filters only "
			       "to an unconfined tracer with CAP_SYS_ADMIN: run `syscage inspect "
			       "--pid %d` from the node for the exact list",
			       (int)in.pid);
		want_probe = true;
	} else {
		const char *wait_name = NULL;
		pid_t waiter = restartable_wait((pid_t)pid, &wait_name);

		/* Reading the filters stops the process: a wait it is in comes back through
		 * restart_syscall, which profiles recorded without the implicit set deny. */
		if (waiter)
			cli_warn("reading the filters of %ld stops it for a moment; its thread %d "
				 "waits "
				 "in %s, which the kernel then restarts with restart_syscall: if "
				 "its "
				 "filter denies restart_syscall, that wait ends early or fails "
				 "(check "
				 "the profile with `syscage check`, which names what it lacks)",
				 pid, (int)waiter, wait_name);
		r = sc_filters_read((pid_t)pid, &fs);
		if (r == 0 && denies_restart(&fs))
			cli_warn("the filter of %ld denies restart_syscall: every stop "
				 "(SIGSTOP/SIGCONT, "
				 "a debugger, this inspection) makes an interrupted sleep, poll or "
				 "futex "
				 "wait fail. Allow it and the rest of the implicit set in its "
				 "profile "
				 "(`syscage check PROFILE` lists them; syscage record and logs add "
				 "them)",
				 pid);
		if (r == 0) {
			r = sc_filters_decide(&fs, &dec);
			if (r < 0) {
				sc_inspect_done(&in);
				sc_filters_done(&fs);
				return cli_error("cannot emulate the filters of %ld: %s", pid,
						 strerror(-r));
			}
			have_exact = true;
			method = "exact";
			(void)snprintf(why, sizeof(why),
				       "%zu filter%s read with PTRACE_SECCOMP_GET_FILTER and "
				       "emulated",
				       fs.n, fs.n == 1 ? "" : "s");
		} else {
			(void)snprintf(why, sizeof(why),
				       "cannot read the filters of %ld: %s; probing works only for "
				       "the calling process: run `syscage inspect` inside it",
				       pid, read_error_text(r));
		}
	}
	if (want_probe && in.seccomp_mode != 1) {
		r = sc_probe_syscalls(NULL, &pr);
		if (r < 0) {
			sc_inspect_done(&in);
			sc_filters_done(&fs);
			sc_decisions_free(dec);
			return cli_error("cannot probe: %s", strerror(-r));
		}
		have_probe = true;
		if (!dec)
			method = "probe";
	}

	if (json) {
		printf("{");
		print_facts(&in);
		printf(", \"blocked\": {\"method\": \"%s\", \"why\": ", method);
		sc_json_string(stdout, why);
		if (dec) {
			printf(", ");
			print_exact(dec);
		}
		if (have_probe) {
			printf(", ");
			print_probe(&pr);
		}
		printf("}");
	} else {
		print_facts(&in);
		printf("blocked syscalls [%s]: %s\n", method, why);
		if (dec)
			print_exact(dec);
		if (have_probe) {
			if (dec)
				printf("blocked syscalls [probe]: requested with --probe\n");
			print_probe(&pr);
		}
	}
	if (compare) {
		if (json)
			printf(", ");
		if (dec || (have_exact && in.seccomp_mode == 0)) {
			r = compare_exact(compare, &fs, &in, &co);
		} else if (have_probe) {
			r = compare_probe(compare, &pr, &in, &co);
		} else {
			if (json)
				printf("\"compare\": null");
			cli_error("cannot compare with %s: the filters are not readable (%s)",
				  compare, why);
			r = 1;
		}
		if (r != 0)
			rc = EXIT_FINDINGS;
	}
	if (json)
		printf("}\n");
	if (!json && !self && !have_exact && !have_probe && in.seccomp_mode == 2)
		cli_note("the blocked list is not available: %s", why);
	sc_inspect_done(&in);
	sc_filters_done(&fs);
	sc_decisions_free(dec);
	sc_probe_done(&pr);
	return rc;
}
