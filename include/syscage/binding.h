/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding rule, written once for `k8s bind`, `policy build` and the agent:
 *  - where a workload's profile lives: a function of the workload alone (namespace, kind,
 *    name), so adding, editing or deleting policies never moves it;
 *  - which policies make up its content: every KubeArmor policy of its namespace whose
 *    selector matches its pod-template labels, the policies it names, and every cluster
 *    baseline; merged with a deny beating an allow (sc_profile_merge);
 *  - what it holds when no policy selects it any more: RuntimeDefault (with the baseline),
 *    the same on every node, so a pod keeps starting wherever it is scheduled;
 *  - the name of the profile a policy set installs on its own (a selector's or an SPO/OCI
 *    profile's), for the paths workloads bound by hand reference;
 *  - SeccompBinding documents: what `k8s bind --bindings` writes and the agent reads beside the
 *    policies, one per bound workload. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "profile.h"

#define SC_BINDING_API_VERSION "syscage.dev/v1alpha1"
#define SC_BINDING_KIND	       "SeccompBinding"

/* One bound workload. */
struct sc_binding {
	char *namespace;
	char *kind; /* the workload's kind: Deployment, StatefulSet, DaemonSet, Pod, ... */
	char *name;
	struct sc_label *labels; /* its pod template's labels */
	size_t n_labels;
	char **policies; /* policies of its namespace merged in whatever their selector */
	size_t n_policies;
	char *profile;	   /* the localhostProfile its pods reference: "<root>/<ns>/<file>.json" */
	struct sc_loc loc; /* of the document */
};

void sc_binding_clear(struct sc_binding *b);
void sc_bindings_free(struct sc_binding *v, size_t n);

/* The file a bound workload's profile is installed as, below <root>/<namespace>/:
 * "<kind in lower case>_<name>.json" ("deployment_wordpress.json"). The '_' cannot appear in
 * a policy's name (DNS-1123), so no policy set ever lands there. A name too long for a file
 * name keeps its first characters (at most 190 with the kind and '_', fewer where the cut
 * would leave a '.' before the '-' or a label longer than 63 with the hash: the file stays
 * one sc_binding_file_valid accepts) and gets "-<8 hex of FNV-1a over the whole name>".
 * Returns 0, -EINVAL (kind not a word of letters, name not a DNS-1123 subdomain) or -ENOMEM. */
int sc_binding_file_name(const char *kind, const char *name, char **ret);

/* "<root>/<namespace>/<file name>": the localhostProfile of a workload. */
int sc_binding_path(const char *root, const char *namespace, const char *kind, const char *name,
		    char **ret);

/* Is 'file' (a file name below a namespace directory) one a binding may name: the rule's
 * shape (<word>_<DNS-1123 subdomain>.json) or a policy set's (<DNS-1123 subdomain>.json,
 * adopted from an earlier syscage that named profiles after their policies)? */
bool sc_binding_file_valid(const char *file);

/* Check b->profile: relative, "<root>/<b->namespace>/<file>" with a valid file. Returns 0 or
 * -EINVAL with a message in *ret_why (static text). */
int sc_binding_profile_check(const struct sc_binding *b, const char *root, const char **ret_why);

/* Is this text a bindings file: does its first document have kind SeccompBinding? (A quick
 * look, without parsing: the reader says what is wrong with it.) */
bool sc_bindings_detect(const char *buf, size_t len);

/* Read every document of 'buf' as a SeccompBinding:
 *   apiVersion: syscage.dev/v1alpha1
 *   kind: SeccompBinding
 *   metadata: {name: NAME, namespace: NS}                  # the workload's
 *   spec:
 *     workload: {kind: Deployment, name: NAME}
 *     podLabels: {app: web}                                # its pod template's labels
 *     policies: [extra-policy]                             # optional
 *     localhostProfile: syscage/NS/deployment_NAME.json
 * Errors go to 'd' (may be NULL) at file:line:col; returns 0, -EINVAL or -ENOMEM. A namespace
 * missing is "default"; two bindings of one workload or one localhostProfile are errors. */
int sc_bindings_read(const char *buf, size_t len, const char *file, struct sc_diags *d,
		     struct sc_binding **ret, size_t *ret_n);

/* The bindings file at 'path' as sc_bindings_read reads it, to keep what another run wrote:
 * none (0, *ret_n 0) when there is no file, when it is not a regular file (stdout, a FIFO: an
 * output only) or holds only comments; -EINVAL with the reason in 'd' (at FILE:LINE:COL where
 * there is one) when it is not a bindings file or not a valid one; -errno, -ENOMEM. */
#define SC_BINDINGS_MAX_FILE (64u << 20)
int sc_bindings_load(const char *path, struct sc_diags *d, struct sc_binding **ret, size_t *ret_n);

/* The documents sc_bindings_read reads, sorted by namespace, kind and name (the same bindings
 * give the same bytes). Returns 0 (owned text in *ret) or -ENOMEM. */
int sc_bindings_write(const struct sc_binding *v, size_t n, char **ret);

/* ---- membership ----------------------------------------------------------------------- */

/* What the rule needs to know of one policy. */
struct sc_policy_ref {
	const char *namespace;
	const char *name;
	const char *kind;     /* "KubeArmorSeccompPolicy", "SeccompProfile", "OCI" */
	const char *selector; /* KubeArmor: its canonical selector (sc_selector_canonical);
			       * NULL: a profile referenced by name */
	bool baseline;
};

/* Sort 'v' for sc_binding_members: baselines first, then by namespace, selector, name.
 * 'perm' (optional, n entries) gets the old index of each new position. Returns 0 or -ENOMEM
 * ('v' then unchanged). */
int sc_policy_refs_sort(struct sc_policy_ref *v, size_t n, size_t *perm);

/* The policies that make up binding 'b': baselines, the KubeArmor policies of b's namespace
 * whose selector matches b's labels, and the policies b names (any kind, b's namespace).
 * 'v' sorted by sc_policy_refs_sort; 'ret' has room for n indexes into 'v', written in v's
 * order. *ret_selected gets the number that are not baselines (0: no policy selects it, and
 * its profile is the fallback). A name in b->policies that no policy has: -ENOENT, with the
 * name in *ret_missing (borrowed from b). */
int sc_binding_members(const struct sc_binding *b, const struct sc_policy_ref *v, size_t n,
		       size_t *ret, size_t *ret_n, size_t *ret_selected, const char **ret_missing);

/* Does a canonical selector (sc_selector_canonical: the namespace, then "L key=value" and
 * "E key Op values..." lines) select these labels? */
bool sc_selector_canonical_matches(const char *canon, const struct sc_label *labels, size_t n);

/* ---- content -------------------------------------------------------------------------- */

struct sc_set_opts {
	bool log_flag;		    /* add SECCOMP_FILTER_FLAG_LOG to a profile without flags */
	const enum sc_arch *arches; /* added to a profile that lists no architectures */
	size_t n_arches;
};

/* The profile a set installs: the merge of 'in' (n >= 1; deny wins), or, when 'fallback',
 * RuntimeDefault merged with 'in' (the baselines; n may be 0). Then the options. Warnings
 * of the merge go to 'd' (may be NULL). Returns 0 or -errno. */
int sc_set_profile(const struct sc_profile *const *in, size_t n, bool fallback,
		   const struct sc_set_opts *o, struct sc_diags *d, struct sc_profile **ret);

/* The syscalls the baseline took away: those 'without' (the set's merge without baselines)
 * permits and 'with' (the installed one) does not, on the native arch, sorted, as one
 * comma-separated string (owned; "" when none). Returns 0 or -ENOMEM. */
int sc_baseline_removed(const struct sc_profile *without, const struct sc_profile *with,
			char **ret);

/* Refuse a baseline that would kill or break every pod: one that denies a call of the
 * start-fatal set (syscage/start-fatal.h, SC_START_ALL: what runc needs to start a container
 * with or without noNewPrivileges, and exit, exit_group, restart_syscall, execveat).
 * Returns NULL when fine, else the first such syscall (static). */
const char *sc_baseline_fatal(const struct sc_profile *p);

struct sc_policy_build;
/* Whether the profile set 'set' of 'b' installs denies calls of the start-fatal set
 * (sc_profile_start_fatal with 'kinds'): 0 when not; else their number, *ret_calls their text
 * (sc_profile_start_fatal_text) and *ret_policies the policies that deny one on their own
 * ("KubeArmorSeccompPolicy allow-web (FILE), ..."), both owned. The set's merge is used when
 * made (sc_policy_build_merge), else made here, and only when a member denies one alone (a
 * merge permits what each member permits). 'memo' (NULL, or b->n_policies zeroed entries
 * kept across calls with the same 'kinds') remembers which policies deny one alone. Returns
 * the number, or -errno. */
int sc_policy_set_start_fatal(const struct sc_policy_build *b, size_t set, unsigned kinds,
			      signed char *memo, char **ret_calls, char **ret_policies);

/* ---- a policy set's own profile ------------------------------------------------------- */

/* The name of a policy set's own profile: the only policy's name, or for several (sorted by
 * name) "<first>-<8 hex of FNV-1a over every name with its NUL>". 'names' need not be sorted
 * (a sorted copy is made). Returns 0 or -ENOMEM. */
int sc_policy_set_name(const char *const *names, size_t n, char **ret);
