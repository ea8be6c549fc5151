/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy layer: Kubernetes label selectors, workloads, and `syscage policy build`, which
 * turns a directory of KubeArmorSeccompPolicy / SeccompProfile / OCI documents into one merged
 * profile per policy set, written under an output directory with an index. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "binding.h"
#include "names.h"
#include "profile.h"

/* Does the selector of 'm' (matchLabels + matchExpressions, as a Kubernetes LabelSelector)
 * select an object with 'labels'? An empty selector selects everything. In: the key is
 * present with one of the values; NotIn: the key is absent or its value is none of them;
 * Exists / DoesNotExist: the key is present / absent. Labels are matched exactly. */
bool sc_selector_matches(const struct sc_meta *m, const struct sc_label *labels, size_t n);

/* Kubernetes' validation of a selector: In/NotIn need values, Exists/DoesNotExist take none,
 * keys are non-empty. Appends errors to 'd' at 'loc'; returns the number of errors. */
int sc_selector_validate(const struct sc_meta *m, struct sc_diags *d, struct sc_loc loc);

/* A canonical text of namespace + selector: equal strings mean equal targets (labels and
 * expressions sorted, values sorted). Owned; NULL on ENOMEM. */
char *sc_selector_canonical(const struct sc_meta *m);

/* A workload to bind: namespace, kind, name, the pod template's labels. */
struct sc_workload {
	char *namespace;
	char *kind; /* the object's kind, or 'kind:' in a plain list; "Pod" when absent */
	char *name;
	struct sc_label *labels;
	size_t n_labels;
	struct sc_loc loc;
};

/* Read a workload list: a YAML/JSON sequence of {namespace, name, labels: {k: v}}, or a
 * mapping with such a sequence under 'workloads', or a Kubernetes List ('items' of objects
 * with metadata.{name,namespace,labels}; a pod template's labels are used when present).
 * A missing namespace is "default". Errors go to 'd' with file:line:col; returns 0 or -errno. */
int sc_workloads_read(const char *buf, size_t len, const char *file, struct sc_diags *d,
		      struct sc_workload **ret, size_t *ret_n);
void sc_workloads_free(struct sc_workload *w, size_t n);

/* One policy document read from the input directory. */
struct sc_policy {
	struct sc_profile *profile; /* owned */
	char *file;		    /* owned: the file it came from */
	const char *namespace;	    /* borrowed from profile (or "default") */
	const char *name;	    /* borrowed from profile, or the file's stem for OCI */
	bool selects;		    /* KubeArmor: selected by labels; SPO/OCI: referenced by name */
};

/* One output profile: a policy set's own (the policies of one selector, or one SPO/OCI
 * profile), or a bound workload's (the binding rule, binding.h). */
struct sc_policy_set {
	char *namespace;
	char *name;	  /* policy set: DNS-1123 (sc_policy_set_name); workload: "<kind>_<name>" */
	char *path;	  /* "<namespace>/<name>.json", relative to the output dir */
	size_t *policies; /* indexes into sc_policy_build.policies, sorted; baselines included */
	size_t n_policies;
	size_t *workloads; /* its workload (one), for a workload's set */
	size_t n_workloads;
	bool fallback;		    /* a bound workload no policy selects: RuntimeDefault */
	struct sc_profile *profile; /* the merge (owned), after sc_policy_build_merge() */
};

struct sc_policy_build {
	struct sc_policy *policies;
	size_t n_policies;
	struct sc_binding *bindings; /* SeccompBinding documents found in the directory */
	size_t n_bindings;
	char **binding_files; /* the file of each binding (owned) */
	struct sc_policy_set *sets;
	size_t n_sets;
	/* workloads mode */
	const struct sc_binding *workloads; /* borrowed */
	size_t n_workloads;
	ssize_t *workload_set; /* per workload: set index, or -1 when not bound */
	size_t n_unmatched;
	size_t n_shadowed; /* policy sets left out: a binding owns their path */
	unsigned jobs;	   /* threads sc_policy_build_sets may use (0 or 1: the caller's) */
};

/* Read every *.json, *.yaml, *.yml file under 'dir' recursively (sorted; names starting with
 * '.' are skipped, so a ConfigMap volume's ..data copies are read once through the key
 * symlinks; symlinked directories are not followed). Multi-document YAML is read whole.
 * Names are validated (namespace: DNS-1123 label; name: DNS-1123 subdomain; an OCI file's
 * name is its file name without extension), selectors validated, duplicates (same kind,
 * namespace and name) rejected, a baseline that denies what every process needs refused
 * (sc_baseline_fatal). A file of SeccompBinding documents (sc_bindings_detect) is read into
 * b->bindings. Errors go to 'd'; returns 0, -EINVAL (see 'd') or -errno. */
int sc_policy_load_dir(const char *dir, struct sc_diags *d, struct sc_policy_build **ret);

/* Plan the sets (no merge yet): one per distinct target (namespace + canonical selector;
 * KubeArmor policies with identical selectors share a set), one per SPO/OCI profile, named
 * by sc_policy_set_name; baselines (binding.h) are members of every set and have none of
 * their own. With workloads (w != NULL: bindings, whose 'profile' may be NULL for the rule's
 * path), one set per workload at its path, its members by sc_binding_members; a workload
 * with no profile given that no policy selects is not bound (workload_set -1, counted in
 * n_unmatched); one with a profile given gets the fallback. A workload's set owns its path:
 * a policy set on the same path is left out (n_shadowed, a note in 'd'). Two policy sets, or
 * two workloads, on one path are an error; so is a workload naming a policy that does not
 * exist. Returns 0, -EINVAL (see 'd') or -errno. */
int sc_policy_build_sets(struct sc_policy_build *b, const struct sc_binding *w, size_t n_w,
			 struct sc_diags *d);

/* Forget the sets (and workloads) planned, to plan again. */
void sc_policy_build_reset(struct sc_policy_build *b);

/* Merge every set (sc_set_profile with 'o', which may be NULL; warnings to 'd'); sets with
 * the same members share the work. Returns 0 or -errno. */
int sc_policy_build_merge(struct sc_policy_build *b, const struct sc_set_opts *o,
			  struct sc_diags *d);

/* Write every set's profile (OCI JSON) to <outdir_fd>/<namespace>/<name>.json and the index
 * to <outdir_fd>/index.json, through directory fds (O_NOFOLLOW): the profiles in one
 * sc_write_batch (one syncfs, then the renames), then the index;
 * identical files are left untouched. *ret_written (optional) gets the number of files
 * changed. Nothing is removed (see sc_policy_build_prune). Returns 0 or -errno. */
int sc_policy_build_write(const struct sc_policy_build *b, int outdir_fd, unsigned *ret_written);

/* Remove the profiles an earlier build wrote that this build no longer produces (a policy
 * was deleted or a set changed): 'old_index' is the previous index.json; only paths it lists
 * in the shape this module writes (<DNS-1123 namespace>/<DNS-1123 name>.json) are removed,
 * through directory fds without following symlinks. Call it after sc_policy_build_write.
 * *ret_removed (optional) gets the count. Returns 0, -EINVAL (unreadable index) or -errno. */
int sc_policy_build_prune(const struct sc_policy_build *b, int outdir_fd, const char *old_index,
			  size_t len, unsigned *ret_removed);

/* The index as JSON text (owned): sets with namespace, name, path, policies (name, kind,
 * file), selectors, and in --workloads mode the workloads per set and the unmatched ones. */
int sc_policy_build_index(const struct sc_policy_build *b, char **ret);

/* The OCI JSON text of a set's profile as sc_policy_build_write writes it (owned): the same
 * content sc_profile_write_string produces (read it back to compare), written without the
 * YAML emitter when the profile has no Docker-only fields. */
int sc_policy_profile_json(const struct sc_profile *p, char **ret);

struct sc_policy_build *sc_policy_build_free(struct sc_policy_build *b);
