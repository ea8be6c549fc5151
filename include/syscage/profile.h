/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The profile model: everything in the OCI runtime-spec linux.seccomp object and Docker's
 * profile format, plus the policy metadata (name, namespace, selector, severity) that SPO and
 * KubeArmor documents carry. Every reader produces it, every writer consumes it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "diag.h"

/* Actions, in the kernel's precedence order (most restrictive first). SC_ACT_KILL is Docker's
 * SCMP_ACT_KILL spelling: it means KILL_THREAD, and is kept apart only to round-trip. */
enum sc_action {
	SC_ACT_KILL_PROCESS,
	SC_ACT_KILL_THREAD,
	SC_ACT_KILL,
	SC_ACT_TRAP,
	SC_ACT_ERRNO,
	SC_ACT_NOTIFY,
	SC_ACT_TRACE,
	SC_ACT_LOG,
	SC_ACT_ALLOW,
	_SC_ACT_COUNT,
	_SC_ACT_INVALID = -EINVAL,
};

enum sc_cmp {
	SC_CMP_NE = 1,
	SC_CMP_LT,
	SC_CMP_LE,
	SC_CMP_EQ,
	SC_CMP_GE,
	SC_CMP_GT,
	SC_CMP_MASKED_EQ,
	_SC_CMP_MAX,
	_SC_CMP_INVALID = -EINVAL,
};

/* Filter flags a profile may ask for ("flags": [...]). */
enum {
	SC_FLAG_TSYNC = 1u << 0,	      /* SECCOMP_FILTER_FLAG_TSYNC */
	SC_FLAG_LOG = 1u << 1,		      /* SECCOMP_FILTER_FLAG_LOG */
	SC_FLAG_SPEC_ALLOW = 1u << 2,	      /* SECCOMP_FILTER_FLAG_SPEC_ALLOW */
	SC_FLAG_NEW_LISTENER = 1u << 3,	      /* SECCOMP_FILTER_FLAG_NEW_LISTENER */
	SC_FLAG_TSYNC_ESRCH = 1u << 4,	      /* SECCOMP_FILTER_FLAG_TSYNC_ESRCH */
	SC_FLAG_WAIT_KILLABLE_RECV = 1u << 5, /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
};

struct sc_arg {
	unsigned index; /* 0..5 */
	uint64_t value;
	uint64_t value_two; /* the mask's operand for MASKED_EQ */
	enum sc_cmp op;
	struct sc_loc loc;
};

/* Docker's includes/excludes: a rule applies only for (or not for) these caps/arches/kernels. */
struct sc_cond {
	char **caps; /* "CAP_SYS_ADMIN" */
	size_t n_caps;
	enum sc_arch *arches;
	size_t n_arches;
	char *min_kernel; /* "4.8" or NULL */
};

struct sc_rule {
	char **names; /* owned */
	size_t n_names;
	struct sc_loc *name_locs; /* same length as names; may be NULL */
	enum sc_action action;
	bool has_errno; /* errnoRet present (ERRNO / TRACE data) */
	uint32_t errno_ret;
	struct sc_arg *args;
	size_t n_args;
	char *comment;
	struct sc_cond includes;
	struct sc_cond excludes;
	struct sc_loc loc;
};

struct sc_arch_map {
	enum sc_arch arch;
	enum sc_arch *sub;
	size_t n_sub;
};

struct sc_label {
	char *key;
	char *value;
};

/* matchExpressions entry. */
enum sc_selector_op {
	SC_SEL_IN,
	SC_SEL_NOT_IN,
	SC_SEL_EXISTS,
	SC_SEL_DOES_NOT_EXIST,
	_SC_SEL_COUNT,
	_SC_SEL_INVALID = -EINVAL,
};

struct sc_selector_expr {
	char *key;
	enum sc_selector_op op;
	char **values;
	size_t n_values;
};

/* Where a profile came from and what it targets (SPO and KubeArmor metadata). */
enum sc_format {
	SC_FORMAT_OCI,	     /* OCI runtime-spec / Docker JSON */
	SC_FORMAT_SPO,	     /* security-profiles-operator.x-k8s.io SeccompProfile */
	SC_FORMAT_KUBEARMOR, /* security.kubearmor.com KubeArmorSeccompPolicy */
	_SC_FORMAT_COUNT,
	_SC_FORMAT_INVALID = -EINVAL,
};

struct sc_meta {
	enum sc_format format; /* format it was read from */
	char *api_version;
	char *name;
	char *namespace;
	struct sc_label *match_labels;
	size_t n_match_labels;
	struct sc_selector_expr *match_exprs;
	size_t n_match_exprs;
	int severity;	    /* KubeArmor spec.severity; -1 when absent */
	char *base_profile; /* SPO spec.baseProfileName, as written (resolved by the reader) */
	bool baseline;	    /* metadata.labels["syscage.dev/baseline"] is "true" (binding.h) */
};

/* The label that marks a policy (KubeArmor or SPO) as part of the cluster baseline. */
#define SC_BASELINE_LABEL "syscage.dev/baseline"

struct sc_profile {
	enum sc_action default_action;
	bool has_default_errno;
	uint32_t default_errno;
	enum sc_arch *arches; /* "architectures" */
	size_t n_arches;
	struct sc_arch_map *arch_map; /* Docker "archMap" */
	size_t n_arch_map;
	unsigned flags; /* SC_FLAG_* */
	char *listener_path;
	char *listener_metadata;
	struct sc_rule *rules;
	size_t n_rules;
	struct sc_meta meta;
	struct sc_loc loc; /* of the top-level object */
};

struct sc_profile *sc_profile_new(void);
struct sc_profile *sc_profile_free(struct sc_profile *p);
/* Deep copy; NULL on ENOMEM. */
struct sc_profile *sc_profile_dup(const struct sc_profile *p);

/* Append a rule (deep-copies names/args); returns the new rule or NULL on ENOMEM. */
struct sc_rule *sc_profile_add_rule(struct sc_profile *p, enum sc_action action,
				    const char *const *names, size_t n_names);
int sc_rule_add_name(struct sc_rule *r, const char *name);
int sc_rule_add_arg(struct sc_rule *r, unsigned index, enum sc_cmp op, uint64_t value,
		    uint64_t value_two);
int sc_profile_add_arch(struct sc_profile *p, enum sc_arch arch);
bool sc_profile_has_arch(const struct sc_profile *p, enum sc_arch arch);

/* Names: "SCMP_ACT_ERRNO" <-> SC_ACT_ERRNO. Parsing is exact (case-sensitive), as runc is. */
const char *sc_action_to_string(enum sc_action a);
enum sc_action sc_action_from_string(const char *s);
/* The same action for the kernel (SC_ACT_KILL -> SC_ACT_KILL_THREAD). */
enum sc_action sc_action_canonical(enum sc_action a);
/* Kernel precedence: lower is more restrictive. Compare with this, not the enum. */
int sc_action_rank(enum sc_action a);
/* SECCOMP_RET_* value for the action with 16 bits of data. */
uint32_t sc_action_to_ret(enum sc_action a, uint32_t data);
/* Decode a SECCOMP_RET_* value (audit "code=" field); data gets the low 16 bits. */
enum sc_action sc_action_from_ret(uint32_t ret, uint32_t *ret_data);

const char *sc_cmp_to_string(enum sc_cmp op);
enum sc_cmp sc_cmp_from_string(const char *s);

/* "SECCOMP_FILTER_FLAG_LOG" <-> SC_FLAG_LOG; returns 0 for unknown strings. */
unsigned sc_flag_from_string(const char *s);
const char *sc_flag_to_string(unsigned flag);

const char *sc_format_to_string(enum sc_format f);
/* The document kind a format's policies are named by: "KubeArmorSeccompPolicy",
 * "SeccompProfile", "OCI" (anything else). */
const char *sc_format_kind(enum sc_format f);
enum sc_format sc_format_from_string(const char *s);

/* A target to resolve Docker-only fields for (archMap, includes/excludes). */
struct sc_target {
	enum sc_arch arch;	 /* the node's native arch; archMap entries for it apply */
	bool has_arch;		 /* false: the host's native arch */
	const char *const *caps; /* capabilities the container has ("CAP_SYS_ADMIN") */
	size_t n_caps;
	unsigned kernel_major, kernel_minor; /* 0.0: the running kernel */
};

/* Resolve 'p' for 't' as Docker does: architectures = those listed plus, for the archMap entry
 * of the target arch, it and its sub-arches; rules whose includes/excludes do not hold for
 * the target are dropped; includes/excludes and archMap are cleared in the result. */
int sc_profile_resolve(const struct sc_profile *p, const struct sc_target *t,
		       struct sc_profile **ret);

/* Normalize in place: names sorted and de-duplicated within a rule, rules without args and
 * with the same action/errno/conditions merged into one, rules ordered by action then name.
 * Semantics are kept (see sc_profile_eval). */
int sc_profile_normalize(struct sc_profile *p);
