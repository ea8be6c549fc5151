/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kubernetes manifests: find the workloads (Pod, Deployment, StatefulSet, DaemonSet,
 * ReplicaSet, Job, CronJob, in multi-document YAML/JSON and Lists), bind them to the profiles
 * the policy engine builds by editing the text in place (comments, key order, quoting and flow
 * style are kept byte for byte), audit them against the Pod Security Standards "restricted"
 * seccomp and privilege-escalation rules, and generate the agent's own deployment manifests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"
#include "policy.h"
#include "profile.h"

enum sc_k8s_seccomp_type {
	SC_K8S_SECCOMP_UNSET, /* no seccompProfile (or no type) */
	SC_K8S_SECCOMP_RUNTIME_DEFAULT,
	SC_K8S_SECCOMP_UNCONFINED,
	SC_K8S_SECCOMP_LOCALHOST,
	SC_K8S_SECCOMP_INVALID, /* a type Kubernetes does not know */
};

/* securityContext.seccompProfile as written (pod or container level). */
struct sc_k8s_seccomp {
	enum sc_k8s_seccomp_type type;
	char *type_text;	/* owned: as written, NULL when absent */
	char *localhost;	/* owned: localhostProfile, NULL when absent */
	struct sc_loc loc;	/* of seccompProfile's value */
	struct sc_loc path_loc; /* of localhostProfile's value */
};

struct sc_k8s_container {
	char *name;
	char *image;
	char **command; /* NULL-terminated; NULL when absent */
	char **args;	/* NULL-terminated; NULL when absent */
	struct sc_k8s_seccomp seccomp;
	int allow_privilege_escalation; /* -1 unset, 0 false, 1 true (or not a boolean) */
	bool init;			/* from initContainers */
	bool privileged;		/* privileged: true or capabilities.add SYS_ADMIN */
	char *legacy;			/* container.seccomp.security.alpha.kubernetes.io/<name> */
	struct sc_loc legacy_loc;
	struct sc_loc loc;
};

struct sc_k8s_workload {
	const char *file; /* borrowed from the sc_k8s_file */
	char *kind;
	char *namespace; /* metadata.namespace, or the default namespace */
	char *name;
	struct sc_label *labels; /* the pod template's labels (a Pod's own) */
	size_t n_labels;
	struct sc_loc loc; /* of the object */
	struct sc_k8s_seccomp pod_seccomp;
	char *legacy_pod; /* seccomp.security.alpha.kubernetes.io/pod */
	struct sc_loc legacy_pod_loc;
	struct sc_k8s_container *containers; /* init containers first, then containers */
	size_t n_containers;

	/* Filled by sc_k8s_match(): */
	char *profile; /* owned: its localhostProfile (binding.h), NULL when unmatched */
	ssize_t set;   /* index into the policy build's sets, -1 when unmatched */
	/* Filled by sc_k8s_audit(): */
	char **findings; /* owned, NULL-terminated */
	size_t n_findings;
};

/* One input file: its text, its parsed documents and the workloads found in them. */
struct sc_k8s_file {
	char *name;
	char *text;
	size_t len;
	struct sc_k8s_workload *workloads;
	size_t n_workloads;
	struct sc_k8s_tree *tree; /* private: node positions for editing */
};

/* Parse 'buf' (YAML or JSON, any number of documents). Objects of other kinds, and
 * documents that are not mappings, are ignored; a List's (kind: List, or any *List) items are
 * read. A workload without a pod spec, or with containers that are not mappings, is an
 * error. 'default_ns' (NULL: "default") applies to objects without metadata.namespace.
 * Errors go to 'd' (required, as in every function here) with file:line:col; returns 0,
 * -EINVAL, -EFBIG (more than 256 MiB) or -ENOMEM. */
int sc_k8s_file_parse(const char *buf, size_t len, const char *name, const char *default_ns,
		      struct sc_diags *d, struct sc_k8s_file **ret);
struct sc_k8s_file *sc_k8s_file_free(struct sc_k8s_file *f);
/* 0 when the file 'f' was mapped from is still as it was then (device, inode, size, mtime,
 * ctime), or was read whole; -ESTALE when it changed or went away, -errno. */
int sc_k8s_file_unchanged(const struct sc_k8s_file *f);

/* Read 'path': a file, "-" (stdin) or a directory (every *.yaml, *.yml, *.json below it,
 * sorted; names starting with '.' skipped). Returns 0, -EINVAL (see 'd') or -errno.
 * A regular file's text is a private read-only mapping of it until sc_k8s_file_free (a big
 * manifest is never held whole): if another process truncates it meanwhile, reading a page
 * past its new end raises SIGBUS (the CLI turns that into an error), and a change in place
 * shows in the text. sc_k8s_file_unchanged tells whether it changed since. */
int sc_k8s_files_read(const char *path, const char *default_ns, struct sc_diags *d,
		      struct sc_k8s_file ***ret, size_t *ret_n);
void sc_k8s_files_free(struct sc_k8s_file **f, size_t n);

/* What a read keeps of each workload's tree for sc_k8s_bind (about a third of what a
 * workload holds). */
enum sc_k8s_keep {
	SC_K8S_KEEP_ALL,	    /* all it may edit (sc_k8s_files_read, sc_k8s_file_parse) */
	SC_K8S_KEEP_NO_ANNOTATIONS, /* not the pod template's metadata, unless it has seccomp
				     * annotations (which binding updates): for binding without
				     * legacy_annotations (with it, sc_k8s_bind refuses) */
	SC_K8S_KEEP_NONE,	    /* nothing: files that are not bound (sc_k8s_bind refuses) */
};

/* sc_k8s_files_read keeping 'keep'. */
int sc_k8s_files_read_keep(const char *path, const char *default_ns, enum sc_k8s_keep keep,
			   struct sc_diags *d, struct sc_k8s_file ***ret, size_t *ret_n);
/* The same with 'jobs' threads (0 or 1: the caller's alone): a big file is read in pieces by
 * the threads at once, each cut where a document starts; the result (workloads, positions,
 * diagnostics) is one read's. */
int sc_k8s_files_read_jobs(const char *path, const char *default_ns, enum sc_k8s_keep keep,
			   unsigned jobs, struct sc_diags *d, struct sc_k8s_file ***ret,
			   size_t *ret_n);

/* Match every workload of 'files' against the policies in 'b' (loaded, sets not yet built;
 * its bindings are what the agent already has). A workload that any policy selects (the
 * binding rule, binding.h: a KubeArmor policy of its namespace whose selector matches its
 * pod-template labels, whatever other policies select it too) gets 'profile': the path its
 * pod already references when that is one the agent may install for it (a workload bound
 * earlier keeps its path, whatever its name), else "<root>/<namespace>/<kind>_<name>.json".
 * Two workloads on one path (here, or one here and another in b's bindings) are an error.
 * Then checks the references that binding leaves in place (those of unmatched workloads): a
 * Localhost profile under "<root>/" that neither a policy set nor a binding produces, or
 * Localhost without localhostProfile, is an error at its file:line:col; one outside
 * "<root>/" is a warning (syscage cannot know it is on the nodes). *ret_unmatched
 * (optional) gets the number of unmatched workloads. Returns 0, -EINVAL (errors in 'd') or
 * -errno. */
int sc_k8s_match(struct sc_k8s_file **files, size_t n, struct sc_policy_build *b, const char *root,
		 struct sc_diags *d, size_t *ret_unmatched);

/* The SeccompBinding documents of every matched workload (sc_bindings_write: sorted, so the
 * same manifests give the same bytes). The agent reads them beside the policies and installs
 * each workload's merge at its path. Returns 0 (owned text) or -ENOMEM. */
int sc_k8s_bindings(struct sc_k8s_file **files, size_t n, char **ret);
/* The same text handed to 'write' a piece at a time, never held whole; 'write' returns 0 or
 * -errno, which stops it and is returned. */
int sc_k8s_bindings_write(struct sc_k8s_file **files, size_t n,
			  int (*write)(void *userdata, const void *p, size_t n), void *userdata);
struct sc_binding;
/* The same with the bindings 'keep' (sc_bindings_load's: what an earlier run wrote there) merged
 * in, but for those of a workload in 'files' (bound now or not: this run decides for it). *ret_kept
 * (may be NULL): how many were kept. */
int sc_k8s_bindings_write_keep(struct sc_k8s_file **files, size_t n, const struct sc_binding *keep,
			       size_t n_keep, size_t *ret_kept,
			       int (*write)(void *userdata, const void *p, size_t n),
			       void *userdata);
/* The kept bindings 'keep' (from the bindings file 'path') that name a path a workload of
 * 'files' other than theirs is bound to now: the agent would refuse one of the two. Each is an
 * error on 'd' at the kept binding; -EINVAL when there is one, -ENOMEM, or 0. */
int sc_k8s_bindings_kept_conflicts(struct sc_k8s_file **files, size_t n,
				   const struct sc_binding *keep, size_t n_keep, const char *path,
				   struct sc_diags *d);

struct sc_k8s_bind_opts {
	bool drop_caps;		 /* capabilities: {drop: [ALL]} on every container */
	bool legacy_annotations; /* the pre-1.19 seccomp annotations too */
	/* Threads binding: 0 or 1, the caller's alone; N, N - 1 more check the edited text
	 * while the caller's edits and writes (the same output and diagnostics either way). */
	unsigned jobs;
};

/* The text of 'f' with every workload that has a 'profile' bound to it:
 *  - pod level: securityContext.seccompProfile {type: Localhost, localhostProfile: profile}
 *  - every container and init container: securityContext.allowPrivilegeEscalation: false;
 *    a container that sets its own seccompProfile (which would override the pod's) gets the
 *    same Localhost profile; with drop_caps capabilities.drop [ALL]
 *  - with legacy_annotations, seccomp.security.alpha.kubernetes.io/pod and
 *    container.seccomp.security.alpha.kubernetes.io/<name> = localhost/<profile> on the pod
 *    template; such annotations already present are updated in any case (the API server
 *    rejects a pod whose annotation and field disagree).
 * Keys are added at the end of their mapping in its own style (block: a line at the
 * mapping's indentation; flow: ", key: value" after the last entry; JSON documents get
 * quoted keys); existing values are replaced in place, keeping their quotes. Nothing else
 * changes. Binding again gives the same text. A container that is privileged (or adds
 * SYS_ADMIN) is an error: the API server rejects allowPrivilegeEscalation: false for it.
 * Returns 0 (text in *ret, owned, NUL-terminated), -EINVAL (see 'd') or -ENOMEM. */
int sc_k8s_bind(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o, struct sc_diags *d,
		char **ret, size_t *ret_len);

/* sc_k8s_bind's text, handed to 'write' a piece at a time, in order, as it is made (a run of
 * edited documents at a time, some 64 KiB: only that run's text and edits are held, or with
 * o->jobs > 1 a few runs, checked on other threads; 'write' is called on the caller's thread;
 * a file read mapped is given back as it is read past). 'write' returns 0 or -errno, which
 * stops the bind and is returned. Each edited document is checked before it is written (its
 * edited text, read back on its own, has the same workloads, and binding them again changes
 * nothing; a document that fails is an error at its workload's line:col); on an error
 * (-EINVAL, see 'd'; -ENOMEM; write's) part of the text may have been written: write it to a
 * temporary file and discard that. */
int sc_k8s_bind_write(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o,
		      struct sc_diags *d, int (*write)(void *userdata, const void *p, size_t n),
		      void *userdata);

/* Pod Security Standards "restricted", the seccomp and privilege-escalation rules: fills
 * w->findings. A workload is restricted when it has none: no Unconfined (pod or container),
 * a profile on every container (own or the pod's), Localhost with a localhostProfile, a
 * known type, allowPrivilegeEscalation: false on every container and init container. */
int sc_k8s_audit(struct sc_k8s_workload *w);

/* The effective profile of a container (its own, else the pod's); never NULL. */
const struct sc_k8s_seccomp *sc_k8s_effective(const struct sc_k8s_workload *w,
					      const struct sc_k8s_container *c);
const char *sc_k8s_seccomp_type_to_string(enum sc_k8s_seccomp_type t);

/* The audit report as JSON (owned): {"workloads":[...], "summary":{...}} (see README). */
int sc_k8s_audit_json(struct sc_k8s_file **files, size_t n, char **ret);

/* ---- the agent's deployment ----------------------------------------------------------- */

struct sc_k8s_manifest_opts {
	const char *image;	  /* NULL: SC_K8S_DEFAULT_IMAGE */
	const char *kubelet_root; /* NULL: SC_K8S_DEFAULT_KUBELET_ROOT */
	const char *namespace;	  /* NULL: SC_K8S_DEFAULT_NAMESPACE */
	/* The agent's own profile (OCI JSON text): profiles/syscage-agent.json and the
	 * stream's syscage-agent-profile ConfigMap; NULL: the one deploy/ holds. */
	const char *agent_profile;
	/* The recording setup (sc_k8s_manifest_files only): the base under "base/", and beside
	 * it the overlay deploy-record/ holds (its kustomization.yaml, the DaemonSet patch, the
	 * agent's profile for recording), for `kubectl apply -k DIR`. */
	bool record;
};

#define SC_K8S_DEFAULT_IMAGE	    "localhost/syscage:latest"
#define SC_K8S_DEFAULT_NAMESPACE    "syscage-system"
#define SC_K8S_DEFAULT_KUBELET_ROOT "/var/lib/kubelet"

struct sc_k8s_out_file {
	char *path; /* owned; relative, e.g. "daemonset.yaml", "policies/example.yaml" */
	char *text; /* owned */
};

/* The kustomize base (what deploy/ holds, compiled in: deploy/ is the source, with the
 * defaults above replaced by the options): kustomization.yaml, namespace.yaml,
 * daemonset.yaml, policies/example.yaml and profiles/syscage-agent.json: every file the
 * kustomization lists. Validates the options (image: no whitespace or
 * quotes; kubelet_root: absolute, clean; namespace: DNS-1123 label): -EINVAL.
 * Returns 0 or -errno; free with sc_k8s_out_files_free. */
int sc_k8s_manifest_files(const struct sc_k8s_manifest_opts *o, struct sc_k8s_out_file **ret,
			  size_t *ret_n);
void sc_k8s_out_files_free(struct sc_k8s_out_file *f, size_t n);

/* The same objects as one multi-document YAML stream for `kubectl apply -f -` (not the
 * recording setup: kustomize applies its patches; -EOPNOTSUPP with o->record): the
 * Namespace, the ConfigMaps the kustomization's configMapGenerator makes (the policies, the
 * agent's own profile) and the DaemonSet. The Namespace and
 * DaemonSet documents are byte for byte the files' text. */
int sc_k8s_manifest_stream(const struct sc_k8s_manifest_opts *o, char **ret);
