/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the profile model: construction, deep copy, destruction, and the names of actions,
 * comparison operators, flags and formats. */
#include <stdlib.h>
#include <string.h>

#include "syscage/profile.h"
#include "macro.h"

static const char *const action_names[_SC_ACT_COUNT] = {
	[SC_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[SC_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[SC_ACT_KILL] = "SCMP_ACT_KILL",
	[SC_ACT_TRAP] = "SCMP_ACT_TRAP",
	[SC_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[SC_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
	[SC_ACT_TRACE] = "SCMP_ACT_TRACE",
	[SC_ACT_LOG] = "SCMP_ACT_LOG",
	[SC_ACT_ALLOW] = "SCMP_ACT_ALLOW",
};

static const char *const cmp_names[_SC_CMP_MAX] = {
	[SC_CMP_NE] = "SCMP_CMP_NE",
	[SC_CMP_LT] = "SCMP_CMP_LT",
	[SC_CMP_LE] = "SCMP_CMP_LE",
	[SC_CMP_EQ] = "SCMP_CMP_EQ",
	[SC_CMP_GE] = "SCMP_CMP_GE",
	[SC_CMP_GT] = "SCMP_CMP_GT",
	[SC_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",	   "SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",  "SECCOMP_FILTER_FLAG_NEW_LISTENER",
	"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const char *const format_names[_SC_FORMAT_COUNT] = {
	[SC_FORMAT_OCI] = "oci",
	[SC_FORMAT_SPO] = "spo",
	[SC_FORMAT_KUBEARMOR] = "kubearmor",
};

const char *sc_action_to_string(enum sc_action a)
{
	return (unsigned)a < _SC_ACT_COUNT ? action_names[a] : NULL;
}

enum sc_action sc_action_from_string(const char *s)
{
	if (!s)
		return _SC_ACT_INVALID;
	for (int i = 0; i < _SC_ACT_COUNT; i++)
		if (streq(s, action_names[i]))
			return i;
	return _SC_ACT_INVALID;
}

enum sc_action sc_action_canonical(enum sc_action a)
{
	return a == SC_ACT_KILL ? SC_ACT_KILL_THREAD : a;
}

int sc_action_rank(enum sc_action a)
{
	/* KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW */
	static const int rank[_SC_ACT_COUNT] = {
		[SC_ACT_KILL_PROCESS] = 0, [SC_ACT_KILL_THREAD] = 1, [SC_ACT_KILL] = 1,
		[SC_ACT_TRAP] = 2,	   [SC_ACT_ERRNO] = 3,	     [SC_ACT_NOTIFY] = 4,
		[SC_ACT_TRACE] = 5,	   [SC_ACT_LOG] = 6,	     [SC_ACT_ALLOW] = 7,
	};
	return (unsigned)a < _SC_ACT_COUNT ? rank[a] : 99;
}

/* SECCOMP_RET_* from <linux/seccomp.h>. */
#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD	 0x00000000u
#define RET_TRAP	 0x00030000u
#define RET_ERRNO	 0x00050000u
#define RET_USER_NOTIF	 0x7fc00000u
#define RET_TRACE	 0x7ff00000u
#define RET_LOG		 0x7ffc0000u
#define RET_ALLOW	 0x7fff0000u
#define RET_ACTION_FULL	 0xffff0000u
#define RET_DATA	 0x0000ffffu

uint32_t sc_action_to_ret(enum sc_action a, uint32_t data)
{
	data &= RET_DATA;
	switch (a) {
	case SC_ACT_KILL_PROCESS:
		return RET_KILL_PROCESS;
	case SC_ACT_KILL_THREAD:
	case SC_ACT_KILL:
		return RET_KILL_THREAD;
	case SC_ACT_TRAP:
		return RET_TRAP | data;
	case SC_ACT_ERRNO:
		return RET_ERRNO | data;
	case SC_ACT_NOTIFY:
		return RET_USER_NOTIF;
	case SC_ACT_TRACE:
		return RET_TRACE | data;
	case SC_ACT_LOG:
		return RET_LOG;
	case SC_ACT_ALLOW:
	default:
		return RET_ALLOW;
	}
}

enum sc_action sc_action_from_ret(uint32_t ret, uint32_t *ret_data)
{
	uint32_t action = ret & RET_ACTION_FULL;

	if (ret_data)
		*ret_data = ret & RET_DATA;
	switch (action) {
	case RET_KILL_PROCESS:
		return SC_ACT_KILL_PROCESS;
	case RET_KILL_THREAD:
		return SC_ACT_KILL_THREAD;
	case RET_TRAP:
		return SC_ACT_TRAP;
	case RET_ERRNO:
		return SC_ACT_ERRNO;
	case RET_USER_NOTIF:
		return SC_ACT_NOTIFY;
	case RET_TRACE:
		return SC_ACT_TRACE;
	case RET_LOG:
		return SC_ACT_LOG;
	case RET_ALLOW:
		return SC_ACT_ALLOW;
	default:
		/* The kernel treats unknown actions as KILL_PROCESS. */
		return SC_ACT_KILL_PROCESS;
	}
}

const char *sc_cmp_to_string(enum sc_cmp op)
{
	return op >= SC_CMP_NE && op < _SC_CMP_MAX ? cmp_names[op] : NULL;
}

enum sc_cmp sc_cmp_from_string(const char *s)
{
	if (!s)
		return _SC_CMP_INVALID;
	for (int i = SC_CMP_NE; i < _SC_CMP_MAX; i++)
		if (streq(s, cmp_names[i]))
			return i;
	return _SC_CMP_INVALID;
}

unsigned sc_flag_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(flag_names); i++)
		if (streq(s, flag_names[i]))
			return 1u << i;
	return 0;
}

const char *sc_flag_to_string(unsigned flag)
{
	for (size_t i = 0; i < ELEMENTSOF(flag_names); i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

const char *sc_format_to_string(enum sc_format f)
{
	return (unsigned)f < _SC_FORMAT_COUNT ? format_names[f] : NULL;
}

const char *sc_format_kind(enum sc_format f)
{
	switch (f) {
	case SC_FORMAT_KUBEARMOR:
		return "KubeArmorSeccompPolicy";
	case SC_FORMAT_SPO:
		return "SeccompProfile";
	default:
		return "OCI";
	}
}

enum sc_format sc_format_from_string(const char *s)
{
	for (int i = 0; s && i < _SC_FORMAT_COUNT; i++)
		if (streq(s, format_names[i]))
			return i;
	if (s && (streq(s, "json") || streq(s, "docker")))
		return SC_FORMAT_OCI;
	return _SC_FORMAT_INVALID;
}

struct sc_profile *sc_profile_new(void)
{
	struct sc_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->default_action = SC_ACT_ERRNO;
	p->meta.severity = -1;
	return p;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void cond_free(struct sc_cond *c)
{
	strv_free(c->caps, c->n_caps);
	free(c->arches);
	free(c->min_kernel);
}

static void rule_free(struct sc_rule *r)
{
	strv_free(r->names, r->n_names);
	free(r->name_locs);
	free(r->args);
	free(r->comment);
	cond_free(&r->includes);
	cond_free(&r->excludes);
}

static void meta_free(struct sc_meta *m)
{
	free(m->api_version);
	free(m->name);
	free(m->namespace);
	for (size_t i = 0; i < m->n_match_labels; i++) {
		free(m->match_labels[i].key);
		free(m->match_labels[i].value);
	}
	free(m->match_labels);
	for (size_t i = 0; i < m->n_match_exprs; i++) {
		free(m->match_exprs[i].key);
		strv_free(m->match_exprs[i].values, m->match_exprs[i].n_values);
	}
	free(m->match_exprs);
	free(m->base_profile);
}

struct sc_profile *sc_profile_free(struct sc_profile *p)
{
	if (!p)
		return NULL;
	free(p->arches);
	for (size_t i = 0; i < p->n_arch_map; i++)
		free(p->arch_map[i].sub);
	free(p->arch_map);
	free(p->listener_path);
	free(p->listener_metadata);
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	meta_free(&p->meta);
	free(p);
	return NULL;
}

static int dup_str(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int dup_mem(const void *s, size_t n, size_t size, void **ret)
{
	*ret = NULL;
	if (!s || n == 0)
		return 0;
	*ret = malloc(n * size);
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, s, n * size);
	return 0;
}

static int dup_strv(char *const *v, size_t n, char ***ret)
{
	char **c;

	*ret = NULL;
	if (n == 0)
		return 0;
	c = calloc(n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (dup_str(v[i], &c[i]) < 0) {
			strv_free(c, n);
			return -ENOMEM;
		}
	*ret = c;
	return 0;
}

static int cond_dup(const struct sc_cond *s, struct sc_cond *d)
{
	*d = *s;
	d->caps = NULL;
	d->arches = NULL;
	d->min_kernel = NULL;
	if (dup_strv(s->caps, s->n_caps, &d->caps) < 0 ||
	    dup_mem(s->arches, s->n_arches, sizeof(*s->arches), (void **)&d->arches) < 0 ||
	    dup_str(s->min_kernel, &d->min_kernel) < 0)
		return -ENOMEM;
	return 0;
}

static int rule_dup(const struct sc_rule *s, struct sc_rule *d)
{
	*d = *s;
	d->names = NULL;
	d->name_locs = NULL;
	d->args = NULL;
	d->comment = NULL;
	memset(&d->includes, 0, sizeof(d->includes));
	memset(&d->excludes, 0, sizeof(d->excludes));
	if (dup_strv(s->names, s->n_names, &d->names) < 0 ||
	    dup_mem(s->name_locs, s->n_names, sizeof(*s->name_locs), (void **)&d->name_locs) < 0 ||
	    dup_mem(s->args, s->n_args, sizeof(*s->args), (void **)&d->args) < 0 ||
	    dup_str(s->comment, &d->comment) < 0 || cond_dup(&s->includes, &d->includes) < 0 ||
	    cond_dup(&s->excludes, &d->excludes) < 0)
		return -ENOMEM;
	return 0;
}

static int meta_dup(const struct sc_meta *s, struct sc_meta *d)
{
	*d = *s;
	d->api_version = d->name = d->namespace = d->base_profile = NULL;
	d->match_labels = NULL;
	d->match_exprs = NULL;
	d->n_match_labels = d->n_match_exprs = 0;
	if (dup_str(s->api_version, &d->api_version) < 0 || dup_str(s->name, &d->name) < 0 ||
	    dup_str(s->namespace, &d->namespace) < 0 ||
	    dup_str(s->base_profile, &d->base_profile) < 0)
		return -ENOMEM;
	if (s->n_match_labels) {
		d->match_labels = calloc(s->n_match_labels, sizeof(*d->match_labels));
		if (!d->match_labels)
			return -ENOMEM;
		d->n_match_labels = s->n_match_labels;
		for (size_t i = 0; i < s->n_match_labels; i++)
			if (dup_str(s->match_labels[i].key, &d->match_labels[i].key) < 0 ||
			    dup_str(s->match_labels[i].value, &d->match_labels[i].value) < 0)
				return -ENOMEM;
	}
	if (s->n_match_exprs) {
		d->match_exprs = calloc(s->n_match_exprs, sizeof(*d->match_exprs));
		if (!d->match_exprs)
			return -ENOMEM;
		d->n_match_exprs = s->n_match_exprs;
		for (size_t i = 0; i < s->n_match_exprs; i++) {
			const struct sc_selector_expr *e = &s->match_exprs[i];
			d->match_exprs[i].op = e->op;
			if (dup_str(e->key, &d->match_exprs[i].key) < 0 ||
			    dup_strv(e->values, e->n_values, &d->match_exprs[i].values) < 0)
				return -ENOMEM;
			d->match_exprs[i].n_values = e->n_values;
		}
	}
	return 0;
}

struct sc_profile *sc_profile_dup(const struct sc_profile *s)
{
	struct sc_profile *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	*d = *s;
	d->arches = NULL;
	d->arch_map = NULL;
	d->listener_path = d->listener_metadata = NULL;
	d->rules = NULL;
	d->n_arch_map = d->n_rules = 0;
	memset(&d->meta, 0, sizeof(d->meta));
	if (dup_mem(s->arches, s->n_arches, sizeof(*s->arches), (void **)&d->arches) < 0)
		goto fail;
	if (s->n_arch_map) {
		d->arch_map = calloc(s->n_arch_map, sizeof(*d->arch_map));
		if (!d->arch_map)
			goto fail;
		d->n_arch_map = s->n_arch_map;
		for (size_t i = 0; i < s->n_arch_map; i++) {
			d->arch_map[i] = s->arch_map[i];
			d->arch_map[i].sub = NULL;
			if (dup_mem(s->arch_map[i].sub, s->arch_map[i].n_sub, sizeof(enum sc_arch),
				    (void **)&d->arch_map[i].sub) < 0)
				goto fail;
		}
	}
	if (dup_str(s->listener_path, &d->listener_path) < 0 ||
	    dup_str(s->listener_metadata, &d->listener_metadata) < 0)
		goto fail;
	if (s->n_rules) {
		d->rules = calloc(s->n_rules, sizeof(*d->rules));
		if (!d->rules)
			goto fail;
		for (size_t i = 0; i < s->n_rules; i++) {
			d->n_rules = i + 1;
			if (rule_dup(&s->rules[i], &d->rules[i]) < 0)
				goto fail;
		}
	}
	if (meta_dup(&s->meta, &d->meta) < 0)
		goto fail;
	return d;
fail:
	return sc_profile_free(d);
}

int sc_rule_add_name(struct sc_rule *r, const char *name)
{
	char **v, *s;
	struct sc_loc *locs;

	s = strdup(name);
	if (!s)
		return -ENOMEM;
	v = reallocarray(r->names, r->n_names + 1, sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	r->names = v;
	if (r->name_locs) {
		locs = reallocarray(r->name_locs, r->n_names + 1, sizeof(*locs));
		if (!locs) {
			free(s);
			return -ENOMEM;
		}
		locs[r->n_names] = (struct sc_loc){ 0, 0 };
		r->name_locs = locs;
	}
	r->names[r->n_names++] = s;
	return 0;
}

int sc_rule_add_arg(struct sc_rule *r, unsigned index, enum sc_cmp op, uint64_t value,
		    uint64_t value_two)
{
	struct sc_arg *v = reallocarray(r->args, r->n_args + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->args = v;
	r->args[r->n_args++] =
		(struct sc_arg){ .index = index, .value = value, .value_two = value_two, .op = op };
	return 0;
}

struct sc_rule *sc_profile_add_rule(struct sc_profile *p, enum sc_action action,
				    const char *const *names, size_t n_names)
{
	struct sc_rule *v = reallocarray(p->rules, p->n_rules + 1, sizeof(*v));
	struct sc_rule *r;

	if (!v)
		return NULL;
	p->rules = v;
	r = &p->rules[p->n_rules];
	*r = (struct sc_rule){ .action = action };
	for (size_t i = 0; i < n_names; i++)
		if (sc_rule_add_name(r, names[i]) < 0) {
			rule_free(r);
			return NULL;
		}
	p->n_rules++;
	return r;
}

bool sc_profile_has_arch(const struct sc_profile *p, enum sc_arch arch)
{
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return true;
	return false;
}

int sc_profile_add_arch(struct sc_profile *p, enum sc_arch arch)
{
	enum sc_arch *v;

	if (!sc_arch_info(arch))
		return -EINVAL;
	if (sc_profile_has_arch(p, arch))
		return 0;
	v = reallocarray(p->arches, p->n_arches + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->arches = v;
	p->arches[p->n_arches++] = arch;
	return 0;
}
