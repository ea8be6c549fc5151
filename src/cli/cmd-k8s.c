/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage k8s: bind workloads in manifests to the profiles the policies build, audit
 * manifests against the "restricted" seccomp rules, print the agent's own manifests. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "k8s-bind-jobs.h"
#include "pending.h"
#include "syscage/binding.h"
#include "syscage/k8s.h"
#include "base/install.h"
#include "base/thread.h"
#include "sc-cleanup.h"

const char cmd_k8s_help[] =
	"Usage: syscage k8s bind -f FILE|DIR|- --policies DIR [-o OUT] [--root NAME]\n"
	"                        [--drop-caps] [--legacy-annotations] [--require-all]\n"
	"                        [--allow-start-fatal]\n"
	"                        [--bindings FILE [--bindings-replace]] [-n NAMESPACE]\n"
	"                        [--jobs N] [-q]\n"
	"       syscage k8s audit -f FILE|DIR|- [-o text|json] [-n NAMESPACE]\n"
	"       syscage k8s manifests [--image IMG] [--kubelet-root DIR] [--namespace NS]\n"
	"                             [--agent-profile FILE] [-o DIR [--record]]\n"
	"\n"
	"bind: find every Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob\n"
	"in the manifests (multi-document YAML or JSON, Lists; other kinds are ignored) and\n"
	"match its pod template's labels and namespace against the policies in DIR. A\n"
	"workload that any KubeArmor policy of its namespace selects (however many, whatever\n"
	"their selectors) is bound to its own profile, at a path that depends on the\n"
	"workload alone: <root>/<namespace>/<kind>_<name>.json (a workload bound earlier\n"
	"keeps the path it has). The agent installs there the merge of every policy that\n"
	"selects it now (a deny beats an allow), plus the cluster baseline; adding,\n"
	"editing or deleting policies changes the content, never the path. Each bound\n"
	"workload gets:\n"
	"  - on the pod: securityContext.seccompProfile {type: Localhost,\n"
	"    localhostProfile: <that path>}\n"
	"  - on every container and init container: allowPrivilegeEscalation: false; a\n"
	"    container that sets its own seccompProfile (it would override the pod's) gets\n"
	"    the same Localhost profile; with --drop-caps, capabilities.drop: [ALL]\n"
	"  - with --legacy-annotations, the pre-1.19 annotations too\n"
	"    (seccomp.security.alpha.kubernetes.io/pod and\n"
	"    container.seccomp.security.alpha.kubernetes.io/<name>: localhost/<path>);\n"
	"    such annotations already present are updated in any case, because the API\n"
	"    server rejects a pod whose annotation and field disagree\n"
	"The text is edited in place: comments, key order, quoting, flow style and every\n"
	"other document stay byte for byte; new keys go at the end of their mapping in its\n"
	"style. Binding twice changes nothing. Workloads no policy selects are left as they\n"
	"are and listed on stderr.\n"
	"The agent has no workload list: --bindings FILE writes one SeccompBinding per bound\n"
	"workload (namespace, kind, name, pod-template labels, path). Put FILE in the\n"
	"policies directory (the same ConfigMap): the agent installs every binding's path\n"
	"before its pods start, and keeps it while the binding is there, also when no\n"
	"policy selects the workload any more (it then holds RuntimeDefault). The same\n"
	"manifests give the same FILE.\n"
	"FILE is merged into, not replaced: the bindings another run wrote there (other\n"
	"manifests) stay, and those of the workloads in these manifests are this run's\n"
	"(bound now: replaced; not bound now: gone), so binding manifests A, then B, with\n"
	"one FILE keeps A's workloads bound. A workload deleted from every manifest keeps\n"
	"its binding: --bindings-replace writes FILE anew with this run's bindings only.\n"
	"A FILE that is not a valid bindings file, or a kept binding on a path a workload\n"
	"of these manifests is bound to now, is an error (nothing written).\n"
	"A Localhost profile under <root>/ that the agent does not install is an error at\n"
	"its FILE:LINE:COL (a pod that references a missing profile never starts); one\n"
	"outside <root>/ is a warning. A privileged container in a\n"
	"matched workload is an error (the API server rejects allowPrivilegeEscalation:\n"
	"false with privileged: true). On any error nothing is written.\n"
	"\n"
	"audit: the Pod Security Standards \"restricted\" seccomp and privilege-escalation\n"
	"rules, per workload: no Unconfined (pod or container), a profile for every\n"
	"container (its own or the pod's), Localhost with a localhostProfile,\n"
	"allowPrivilegeEscalation: false on every container and init container. -o json\n"
	"adds each container's image, command, args and effective profile.\n"
	"\n"
	"manifests: the agent's deployment, as one stream for 'kubectl apply -f -'\n"
	"(Namespace, ResourceQuota, NetworkPolicy, the two ConfigMaps, DaemonSet) or, with\n"
	"-o DIR, as a kustomize base (kustomization.yaml with a configMapGenerator,\n"
	"namespace.yaml, resourcequota.yaml, networkpolicy.yaml, daemonset.yaml,\n"
	"policies/example.yaml, profiles/syscage-agent.json); deploy/ in the source tree is\n"
	"that base. The DaemonSet runs 'syscage agent' at priority system-node-critical (the\n"
	"ResourceQuota admits it where a cluster limits that class), with a read-only root\n"
	"file system, every capability dropped, no service account token, its own recorded\n"
	"profile (syscage/<namespace>/syscage-agent.json, put in place by an init container\n"
	"from ConfigMap syscage-agent-profile), and three hostPaths: <kubelet-root>/seccomp,\n"
	"/var/lib/syscage (its state) and <kubelet-root>/config.yaml (read-only). /metrics and\n"
	"the probes are on port 9402, /profiles and /violations on the pod's loopback (9403:\n"
	"kubectl port-forward); the NetworkPolicy allows no egress and lets only namespaces\n"
	"labelled syscage.dev/scrape=true reach 9402.\n"
	"With --record and -o DIR: the recording setup instead, the base under DIR/base and\n"
	"beside it the overlay deploy-record/ holds (the agent's --record and --heal globs in\n"
	"DIR/kustomization.yaml, CAP_BPF, CAP_PERFMON and CAP_SYSLOG, the node's cgroups,\n"
	"/proc and pod log links read-only, /dev/kmsg, its own recorded profile), for\n"
	"'kubectl apply -k DIR'.\n"
	"\n"
	"Options:\n"
	"  -f, --filename PATH      manifests: a file, a directory (*.yaml, *.yml, *.json\n"
	"                           below it) or - for stdin\n"
	"  -p, --policies DIR       (bind) the policy directory the agent reads\n"
	"  -o, --output OUT         bind: output file (atomic; default stdout); a directory\n"
	"                           when -f is one (the tree is mirrored); audit: text|json;\n"
	"                           manifests: write the kustomize base into directory OUT\n"
	"      --root NAME          (bind) directory under <kubelet-root>/seccomp the agent\n"
	"                           installs into (default: syscage)\n"
	"      --drop-caps          (bind) capabilities.drop: [ALL] on every container\n"
	"      --legacy-annotations (bind) also the pre-1.19 seccomp annotations\n"
	"      --require-all        (bind) fail when a workload matches no policy\n"
	"      --allow-start-fatal  (bind) bind a workload whose profile denies what runc\n"
	"                           calls after it loads the filter (execve, ...: no\n"
	"                           container can start with it) with a warning, not an\n"
	"                           error: for pods that never run under runc or crun\n"
	"  -n, --namespace NS       bind, audit: namespace of objects without one (default:\n"
	"                           default); manifests: the agent's (syscage-system)\n"
	"      --image IMG          (manifests) the agent's image (localhost/syscage:latest;\n"
	"                           build it with 'make image', push it where nodes pull)\n"
	"      --kubelet-root DIR   (manifests) the kubelet's root (/var/lib/kubelet; k0s and\n"
	"                           microk8s differ)\n"
	"      --agent-profile FILE (manifests) the agent's own profile, instead of the one\n"
	"                           built in (deploy/profiles/syscage-agent.json)\n"
	"      --record             (manifests, with -o DIR) the recording setup: the base in\n"
	"                           DIR/base, the deploy-record/ overlay in DIR\n"
	"      --bindings FILE      (bind) write the SeccompBinding documents the agent reads\n"
	"                           beside the policies (atomic; written before the manifests),\n"
	"                           keeping the bindings of workloads not in these manifests\n"
	"      --bindings-replace   (bind) write FILE with this run's bindings only (drops the\n"
	"                           bindings of workloads no longer in any manifest)\n"
	"      --jobs N             (bind) threads, 1 to 4 (default: one per CPU it may run\n"
	"                           on, at most 4): the policies and the pieces of a\n"
	"                           manifest over 1 MiB are read at once, the bindings\n"
	"                           file made while the manifests are bound, and edited\n"
	"                           documents read back while the next are edited; the\n"
	"                           output and messages are the same with any N\n"
	"  -q, --quiet              (bind) no summary, no list of unmatched workloads\n"
	"  -h, --help               this text\n"
	"\n"
	"Examples:\n"
	"  syscage k8s bind -f app.yaml --policies policies/ -o app.bound.yaml \\\n"
	"      --bindings policies/bindings.yaml\n"
	"  kubectl get deploy -n shop -o yaml | syscage k8s bind -f - -p policies/ --drop-caps\n"
	"  syscage k8s bind -f manifests/ -p policies/ --require-all -o bound/\n"
	"  syscage k8s bind -f all-apps/ -p policies/ -o bound/ \\\n"
	"      --bindings policies/bindings.yaml --bindings-replace   # every workload, anew\n"
	"  syscage k8s bind -f big.yaml -p policies/ --jobs 1 -o big.bound.yaml   # one thread\n"
	"  syscage k8s audit -f bound/ && echo restricted\n"
	"  syscage k8s audit -f pod.yaml -o json | jq '.workloads[].findings'\n"
	"  syscage k8s manifests --image registry.example/syscage:0.1 | kubectl apply -f -\n"
	"  syscage k8s manifests -o deploy/ && kubectl apply -k deploy/\n"
	"  syscage k8s manifests --record -o rec/ && kubectl apply -k rec/\n"
	"\n"
	"Exit status: 0; 1 on invalid input (FILE:LINE:COL), a missing profile, two\n"
	"workloads on one path, a binding naming a policy that does not exist, an\n"
	"unmatched workload with --require-all, a workload whose profile no container\n"
	"can start with (unless --allow-start-fatal), or (audit) a workload that is not\n"
	"restricted; 2 on usage errors.\n";

struct args {
	const char *file, *policies, *out, *root, *ns, *image, *kubelet_root, *agent_profile;
	const char *bindings;
	bool drop_caps, legacy, require_all, quiet, record, bindings_replace, allow_start_fatal;
	unsigned jobs; /* 0: one per CPU, at most 4 */
};

/* --jobs N: 1 to 4. */
static int parse_jobs(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v == 0 || v > 4)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* --jobs, else one per CPU this process may run on, at most 4. */
static unsigned bind_jobs(const struct args *a)
{
	cpu_set_t cpus;
	unsigned n = a->jobs;

	if (n == 0)
		n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	return n < 1 ? 1 : n > 4 ? 4 : n;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return !streq(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Bind every file into its pending output (the directory's tree mirrored with -f DIR). */
static int bind_files(const struct args *a, struct sc_k8s_file **files, size_t nf,
		      struct pending *outs, char **paths, struct sc_diags *d)
{
	struct sc_k8s_bind_opts o = { .drop_caps = a->drop_caps,
				      .legacy_annotations = a->legacy,
				      .jobs = bind_jobs(a) };
	size_t pl = strlen(a->file);
	int ret = EXIT_OK;

	while (pl > 1 && a->file[pl - 1] == '/')
		pl--;
	for (size_t i = 0; i < nf; i++) {
		const char *path = a->out ? a->out : "-";
		int r;
		if (is_dir(a->file)) {
			if (asprintf(&paths[i], "%s/%s", a->out, files[i]->name + pl + 1) < 0)
				return cli_error("out of memory");
			path = paths[i];
		}
		/* Missing parents are made as sc_write_atomic makes them. */
		r = pending_open(&outs[i], path);
		if (r < 0 && !paths[i] &&
		    (r == -EISDIR || (*path && path[strlen(path) - 1] == '/')))
			return cli_error("cannot write %s: %s; with -f FILE, -o is the output file "
					 "(-f DIR mirrors a tree into -o DIR)",
					 path,
					 r == -EISDIR ? strerror(EISDIR)
						      : "a path ending in '/' names a directory");
		if (r < 0)
			return cli_error("cannot write %s: %s", path, strerror(-r));
		r = sc_k8s_bind_write(files[i], &o, d, pending_write, &outs[i]);
		if (r == -ENOMEM)
			return cli_error("out of memory");
		if (r == -EINVAL) {
			ret = EXIT_FINDINGS; /* the others are still bound: every error reported */
			pending_close(&outs[i]); /* never put in place: its descriptor goes now */
			continue;
		}
		if (r == -EFAULT) /* a write() from the mapped input past its new end */
			return cli_error(
				"%s was truncated or changed while it was read: nothing was "
				"written; run again once it is stable",
				files[i]->name);
		if (r == 0)
			r = pending_finish(&outs[i]);
		if (r < 0)
			return cli_error("cannot write %s: %s", path, strerror(-r));
	}
	return ret;
}

/* Every output into place, or none (pending_commit_all): the bindings file first, so that
 * an interruption between the renames leaves no manifest naming a profile no binding
 * installs. */
static int commit(const struct args *a, struct pending *outs, size_t nf, struct pending *bp)
{
	cleanup_free struct pending **all = calloc(nf + 2, sizeof(*all));
	struct pending_failure f;
	const struct pending *p;
	size_t n = 0;
	int r;

	if (!all)
		return cli_error("out of memory");
	if (a->bindings)
		all[n++] = bp;
	for (size_t i = 0; i < nf; i++)
		all[n++] = &outs[i];
	r = pending_commit_all(all, n, &f);
	if (r == 0)
		return EXIT_OK;
	if (r == -ENOMEM)
		return cli_error("out of memory");
	p = all[f.failed];
	if (r == -EEXIST && f.same_as != f.failed)
		return cli_error("%s and %s are the same file: the %s would replace the %s; "
				 "nothing was written (give --bindings a path of its own)",
				 all[f.same_as]->path, p->path, p == bp ? "bindings" : "output",
				 all[f.same_as] == bp ? "bindings" : "other output");
	if (!p->dir && !p->mkdir) /* stdout, a device, a FIFO: streamed last */
		return cli_error("cannot write %s: %s", p->path, strerror(-r));
	if (f.not_undone)
		return cli_error("cannot write %s: %s; %zu file%s (%s%s) already replaced could "
				 "not be put back: this file system cannot exchange files "
				 "(renameat2 RENAME_EXCHANGE); run again once %s can be written",
				 p->path, strerror(-r), f.not_undone, f.not_undone == 1 ? "" : "s",
				 all[f.first_not_undone]->path, f.not_undone > 1 ? ", ..." : "",
				 p->path);
	return cli_error("cannot write %s: %s; nothing was written (the files already put in "
			 "place were put back)",
			 p->path, strerror(-r));
}

/* A workload whose profile no container can start with (the start-fatal calls denied with
 * noNewPrivileges, which bind sets): an error per workload naming its policies and the calls,
 * and nothing is bound; a warning with --allow-start-fatal ('allow'). Returns the number of
 * such workloads refused, or -errno (said). */
static int refuse_start_fatal(struct sc_k8s_file **files, size_t nf,
			      const struct sc_policy_build *b, bool allow)
{
	cleanup_free signed char *seen = calloc(b->n_sets + 1, 1); /* 1 fine, 2 fatal */
	cleanup_free char **calls = calloc(b->n_sets + 1, sizeof(char *));
	cleanup_free char **pols = calloc(b->n_sets + 1, sizeof(char *));
	cleanup_free signed char *memo = calloc(b->n_policies + 1, 1);
	int n = 0, r = 0;

	if (!seen || !calls || !pols || !memo)
		return cli_error("out of memory"), -ENOMEM;
	for (size_t i = 0; i < nf && r >= 0; i++)
		for (size_t k = 0; k < files[i]->n_workloads && r >= 0; k++) {
			const struct sc_k8s_workload *w = &files[i]->workloads[k];
			size_t s = (size_t)w->set;
			if (w->set < 0 || !w->profile)
				continue;
			if (!seen[s]) {
				r = sc_policy_set_start_fatal(b, s, SC_START_NNP, memo, &calls[s],
							      &pols[s]);
				seen[s] = r > 0 ? 2 : 1;
			}
			if (r < 0 || seen[s] != 2)
				continue;
			fprintf(stderr,
				"%s:%u:%u: %s: %s %s/%s %s bound to a profile no container can "
				"start with (%s): it denies %s, which runc calls after it loads "
				"the filter; denied by %s: allow these calls there (or take the "
				"workload out of the policy's selector)%s\n",
				w->file, w->loc.line, w->loc.col, allow ? "warning" : "error",
				w->kind, w->namespace, w->name, allow ? "is" : "would be",
				w->profile, calls[s], pols[s],
				allow ? "" : "; nothing written (--allow-start-fatal binds it)");
			n += !allow;
		}
	for (size_t s = 0; s < b->n_sets; s++) {
		free(calls[s]);
		free(pols[s]);
	}
	if (r < 0)
		return cli_error("cannot check the profiles: %s", strerror(-r)), r;
	return n;
}

static int bind(const struct args *a)
{
	struct sc_k8s_file **files = NULL;
	size_t nf = 0, unmatched = 0, nw = 0;
	cleanup_(sc_policy_build_freep) struct sc_policy_build *b = NULL;
	struct sc_diags d = {};
	struct pending *outs = NULL, bp = { .fd = -1 };
	char **paths = NULL;
	bool dir_in = is_dir(a->file);
	struct policy_load pl = {};
	struct bindings_job bj = { .bp = &bp };
	int r, ret = EXIT_OK;

	if (dir_in && !a->out)
		return cli_usage_error("k8s", "-f DIR needs -o OUTDIR (the tree is mirrored)");
	/* Without --legacy-annotations only existing annotations are edited: the pod
	 * templates' metadata of the others is not kept. */
	pending_guard_sigbus(NULL, 0, NULL); /* the inputs are mapped */
	policies_start(&pl, a->policies, bind_jobs(a) > 1);
	r = sc_k8s_files_read_jobs(a->file, a->ns,
				   a->legacy ? SC_K8S_KEEP_ALL : SC_K8S_KEEP_NO_ANNOTATIONS,
				   bind_jobs(a), &d, &files, &nf);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (policies_wait(&pl, r, &b) < 0) /* the manifests' error: said */
		return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
	r = pl.r; /* its messages said after the manifests' */
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot read policies from %s: %s", a->policies, strerror(-r));
		ret = EXIT_FINDINGS;
		goto out;
	}
	b->jobs = bind_jobs(a);
	r = sc_k8s_match(files, nf, b, a->root, &d, &unmatched);
	if (!a->quiet || d.n_errors)
		cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		ret = r == -EINVAL ? EXIT_FINDINGS : cli_error("cannot match: %s", strerror(-r));
		goto out;
	}
	/* While the policies are there (they go once the bindings to keep are taken). */
	if (refuse_start_fatal(files, nf, b, a->allow_start_fatal) != 0) {
		ret = EXIT_FINDINGS;
		goto out;
	}
	for (size_t i = 0; i < nf; i++)
		for (size_t k = 0; k < files[i]->n_workloads; k++) {
			const struct sc_k8s_workload *w = &files[i]->workloads[k];
			nw++;
			if (w->profile || (a->quiet && !a->require_all))
				continue;
			fprintf(stderr,
				"%s:%u:%u: %s: %s %s/%s matches no policy; left unchanged\n",
				w->file, w->loc.line, w->loc.col, a->require_all ? "error" : "note",
				w->kind, w->namespace, w->name);
		}
	if (a->require_all && unmatched) {
		ret = cli_error("%zu workload%s match%s no policy (--require-all)", unmatched,
				unmatched == 1 ? "" : "s", unmatched == 1 ? "es" : "");
		goto out;
	}
	outs = calloc(nf + 1, sizeof(*outs));
	paths = calloc(nf + 1, sizeof(*paths));
	if (!outs || !paths) {
		ret = cli_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nf; i++)
		outs[i] = (struct pending){ .fd = -1 };
	bj.files = files;
	bj.nf = nf;
	ret = bindings_keep(&bj, a->bindings, a->bindings_replace, a->out, b);
	if (ret != EXIT_OK)
		goto out;
	/* Nothing else reads the policies: the bindings file's job frees them when it holds
	 * views into them, else a thread of their own does now. */
	if (bj.keep_views)
		bj.build = TAKE_PTR(b);
	else
		policies_drop(&pl, TAKE_PTR(b), bind_jobs(a) > 1);
	bindings_start(&bj, a->bindings, bind_jobs(a));
	pending_guard_sigbus(outs, nf, &bp);
	ret = bind_files(a, files, nf, outs, paths, &d);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (ret != EXIT_OK)
		goto out; /* nothing written: the temp files go */

	/* A mapped input changed in place, or was cut short of a page, while it was read: its
	 * text may be in the outputs. */
	for (size_t i = 0; i < nf; i++)
		if (sc_k8s_file_unchanged(files[i]) < 0) {
			ret = cli_error(
				"%s was truncated or changed while it was read: nothing was "
				"written; run again once it is stable",
				files[i]->name);
			goto out;
		}
	/* The output directory (and its missing parents) before the bindings: when it cannot
	 * be made, nothing is written; made, it goes again if anything below fails. */
	if (dir_in) {
		r = pending_mkdirs(a->out);
		if (r < 0) {
			ret = cli_error("cannot create %s: %s", a->out, strerror(-r));
			goto out;
		}
	}
	if (a->bindings) {
		r = bindings_finish(&bj, a->bindings);
		if (r < 0) {
			ret = r == -ENOMEM
				      ? cli_error("out of memory")
				      : cli_error("cannot write %s: %s", a->bindings, strerror(-r));
			goto out;
		}
	}
	/* Nothing mapped is read from here on: a SIGBUS now would not be an input's, and the
	 * temp files hold old contents once exchanged. */
	pending_guard_sigbus(NULL, 0, NULL);
	ret = commit(a, outs, nf, &bp);
	if (ret != EXIT_OK)
		goto out;
	if (!a->quiet)
		fprintf(stderr, "%zu workload%s in %zu file%s: %zu bound, %zu unmatched\n", nw,
			nw == 1 ? "" : "s", nf, nf == 1 ? "" : "s", nw - unmatched, unmatched);
	if (!a->quiet && bj.kept)
		fprintf(stderr,
			"%s: %zu binding%s of workloads not in these manifests kept from "
			"its earlier runs (--bindings-replace drops them)\n",
			a->bindings, bj.kept, bj.kept == 1 ? "" : "s");
	if (!a->quiet && !a->bindings && nw > unmatched)
		fprintf(stderr,
			"note: the agent installs a bound workload's profile only from its "
			"binding: "
			"run again with --bindings FILE and put FILE beside the policies\n");
out:
	if (bj.started) /* bind failed: its file goes too */
		(void)bindings_finish(&bj, a->bindings);
	pending_guard_sigbus(NULL, 0, NULL); /* outs is about to go */
	pending_close(&bp);
	for (size_t i = 0; outs && i < nf; i++)
		pending_close(&outs[i]);
	if (ret != EXIT_OK)
		pending_abort(); /* the directories made for the outputs, once emptied */
	pending_spool_close();
	for (size_t i = 0; paths && i < nf; i++)
		free(paths[i]);
	free(outs);
	free(paths);
	sc_k8s_files_free(files, nf);
	bindings_keep_free(&bj);
	policies_freed(&pl);
	return ret;
}

static int audit(const struct args *a, bool json)
{
	struct sc_k8s_file **files = NULL;
	size_t nf = 0, nw = 0, bad = 0;
	struct sc_diags d = {};
	int r, ret = EXIT_OK;

	pending_guard_sigbus(NULL, 0, NULL); /* the inputs are mapped */
	r = sc_k8s_files_read_keep(a->file, a->ns, SC_K8S_KEEP_NONE, &d, &files, &nf);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0)
		return r == -ENOMEM ? cli_error("out of memory") : EXIT_FINDINGS;
	if (json) {
		cleanup_free char *text = NULL;
		r = sc_k8s_audit_json(files, nf, &text);
		if (r < 0) {
			ret = cli_error("out of memory");
			goto out;
		}
		fputs(text, stdout);
	}
	for (size_t i = 0; i < nf; i++)
		for (size_t k = 0; k < files[i]->n_workloads; k++) {
			struct sc_k8s_workload *w = &files[i]->workloads[k];
			if (!json && sc_k8s_audit(w) < 0) {
				ret = cli_error("out of memory");
				goto out;
			}
			nw++;
			bad += w->n_findings > 0;
			for (size_t j = 0; !json && j < w->n_findings; j++) {
				/* Names are the manifest's: no control character reaches the
				 * terminal or forges a row. */
				char ns[4 * 256 + 1], name[4 * 256 + 1];
				printf("%s:%u:%u: %s %s/%s: %s\n", w->file, w->loc.line, w->loc.col,
				       w->kind,
				       sc_audit_escape(w->namespace ? w->namespace : "", ns,
						       sizeof(ns)),
				       sc_audit_escape(w->name ? w->name : "", name, sizeof(name)),
				       w->findings[j]);
			}
		}
	if (!json)
		printf("%zu workload%s: %zu restricted, %zu not\n", nw, nw == 1 ? "" : "s",
		       nw - bad, bad);
	if (bad)
		ret = EXIT_FINDINGS;
out:
	sc_k8s_files_free(files, nf);
	return ret;
}

static int manifests(const struct args *a)
{
	cleanup_free char *profile = NULL;
	struct sc_k8s_manifest_opts o = { .image = a->image,
					  .kubelet_root = a->kubelet_root,
					  .namespace = a->ns,
					  .record = a->record };
	int r;

	if (a->agent_profile) {
		size_t len = 0;
		r = sc_read_file(a->agent_profile, 16u << 20, &profile, &len);
		if (r < 0)
			return cli_error("cannot read %s: %s", a->agent_profile, strerror(-r));
		o.agent_profile = profile;
	}
	if (!a->out) {
		cleanup_free char *text = NULL;
		r = sc_k8s_manifest_stream(&o, &text);
		if (r == -EINVAL)
			return cli_usage_error("k8s", "invalid --image, --kubelet-root or "
						      "--namespace (an image reference, an "
						      "absolute clean path, a DNS-1123 label)");
		if (r < 0)
			return cli_error("out of memory");
		fputs(text, stdout);
		return EXIT_OK;
	} else {
		struct sc_k8s_out_file *f = NULL;
		size_t n = 0;
		int ret = EXIT_OK;
		r = sc_k8s_manifest_files(&o, &f, &n);
		if (r == -EINVAL)
			return cli_usage_error("k8s", "invalid --image, --kubelet-root or "
						      "--namespace (an image reference, an "
						      "absolute clean path, a DNS-1123 label)");
		if (r < 0)
			return cli_error("out of memory");
		if (mkdir(a->out, 0755) < 0 && errno != EEXIST)
			ret = cli_error("cannot create %s: %s", a->out, strerror(errno));
		for (size_t i = 0; ret == EXIT_OK && i < n; i++) {
			cleanup_free char *path = NULL;
			if (asprintf(&path, "%s/%s", a->out, f[i].path) < 0) {
				ret = cli_error("out of memory");
				break;
			}
			r = sc_write_atomic(path, f[i].text, strlen(f[i].text), 0644);
			if (r < 0)
				ret = cli_error("cannot write %s: %s", path, strerror(-r));
		}
		sc_k8s_out_files_free(f, n);
		return ret;
	}
}

int cmd_k8s(int argc, char **argv)
{
	enum {
		O_ROOT = 256,
		O_DROP,
		O_LEGACY,
		O_REQUIRE,
		O_IMAGE,
		O_KROOT,
		O_AGENT,
		O_BINDINGS,
		O_BINDINGS_REPLACE,
		O_RECORD,
		O_JOBS,
		O_START_FATAL
	};
	static const struct option opts[] = {
		{ "filename", required_argument, NULL, 'f' },
		{ "policies", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "root", required_argument, NULL, O_ROOT },
		{ "drop-caps", no_argument, NULL, O_DROP },
		{ "legacy-annotations", no_argument, NULL, O_LEGACY },
		{ "require-all", no_argument, NULL, O_REQUIRE },
		{ "allow-start-fatal", no_argument, NULL, O_START_FATAL },
		{ "image", required_argument, NULL, O_IMAGE },
		{ "kubelet-root", required_argument, NULL, O_KROOT },
		{ "agent-profile", required_argument, NULL, O_AGENT },
		{ "bindings", required_argument, NULL, O_BINDINGS },
		{ "bindings-replace", no_argument, NULL, O_BINDINGS_REPLACE },
		{ "record", no_argument, NULL, O_RECORD },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct args a = { .root = "syscage" };
	const char *sub;
	bool json = false;
	int c;

	if (argc < 2)
		return cli_usage_error("k8s", "missing subcommand (bind, audit, manifests)");
	sub = argv[1];
	if (streq(sub, "-h") || streq(sub, "--help"))
		return cli_help(cmd_k8s_help);
	if (!streq(sub, "bind") && !streq(sub, "audit") && !streq(sub, "manifests"))
		return cli_usage_error("k8s", "unknown subcommand '%s' (bind, audit, manifests)",
				       sub);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "f:p:o:n:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a.file = optarg;
			break;
		case 'p':
			a.policies = optarg;
			break;
		case 'o':
			a.out = optarg;
			break;
		case 'n':
			a.ns = optarg;
			break;
		case 'q':
			a.quiet = true;
			break;
		case O_ROOT:
			a.root = optarg;
			break;
		case O_DROP:
			a.drop_caps = true;
			break;
		case O_LEGACY:
			a.legacy = true;
			break;
		case O_REQUIRE:
			a.require_all = true;
			break;
		case O_START_FATAL:
			a.allow_start_fatal = true;
			break;
		case O_IMAGE:
			a.image = optarg;
			break;
		case O_KROOT:
			a.kubelet_root = optarg;
			break;
		case O_AGENT:
			a.agent_profile = optarg;
			break;
		case O_BINDINGS:
			a.bindings = optarg;
			break;
		case O_BINDINGS_REPLACE:
			a.bindings_replace = true;
			break;
		case O_RECORD:
			a.record = true;
			break;
		case O_JOBS:
			if (parse_jobs(optarg, &a.jobs) < 0)
				return cli_usage_error("k8s", "--jobs wants 1 to 4, not '%s'",
						       optarg);
			break;
		case 'h':
			return cli_help(cmd_k8s_help);
		default:
			return cli_usage_error("k8s", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("k8s", "unexpected argument '%s'", argv[optind]);
	if (streq(sub, "manifests")) {
		if (a.file || a.policies || a.drop_caps || a.legacy || a.require_all ||
		    a.bindings || a.bindings_replace || a.jobs || a.allow_start_fatal)
			return cli_usage_error("k8s", "manifests takes --image, --kubelet-root, "
						      "--namespace, --agent-profile and -o DIR");
		if (a.record && !a.out)
			return cli_usage_error("k8s",
					       "--record makes a kustomize overlay (kustomize "
					       "applies its patches): give -o DIR, then "
					       "'kubectl apply -k DIR'");
		return manifests(&a);
	}
	if (a.record) {
		return cli_usage_error("k8s", "--record is for 'k8s manifests -o DIR'");
	}
	if (!a.file)
		return cli_usage_error("k8s", "%s needs -f FILE|DIR|-", sub);
	if (a.ns && !sc_dns1123_label_valid(a.ns))
		return cli_usage_error("k8s", "namespace '%s' is not a DNS-1123 label", a.ns);
	if (a.image || a.kubelet_root || a.agent_profile)
		return cli_usage_error("k8s", "--image, --kubelet-root and --agent-profile are "
					      "for 'k8s manifests'");
	if (streq(sub, "audit")) {
		if (a.policies || a.drop_caps || a.legacy || a.require_all || a.bindings ||
		    a.bindings_replace || a.jobs || a.allow_start_fatal)
			return cli_usage_error("k8s", "audit takes -f, -o text|json and -n");
		if (a.out && cli_parse_output("k8s", a.out, &json) != 0)
			return EXIT_USAGE;
		return audit(&a, json);
	}
	if (!a.policies)
		return cli_usage_error("k8s", "bind needs --policies DIR");
	if (a.bindings_replace && !a.bindings)
		return cli_usage_error("k8s", "--bindings-replace goes with --bindings FILE");
	if (!sc_dns1123_label_valid(a.root))
		return cli_usage_error("k8s",
				       "--root '%s' must be one directory name of [a-z0-9-] (the "
				       "agent's --root, below <kubelet-root>/seccomp)",
				       a.root);
	return bind(&a);
}
