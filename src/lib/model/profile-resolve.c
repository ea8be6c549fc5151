/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns two transformations of the model: resolving Docker-only fields (archMap, rule
 * includes/excludes) for one target, as Docker does when it hands a profile to runc, and
 * normalizing a profile into its canonical form (what the OCI writer prints). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "syscage/profile.h"
#include "syscage/syscalls.h"
#include "macro.h"

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void cond_clear(struct sc_cond *c)
{
	strv_free(c->caps, c->n_caps);
	free(c->arches);
	free(c->min_kernel);
	*c = (struct sc_cond){ 0 };
}

static void rule_clear(struct sc_rule *r)
{
	strv_free(r->names, r->n_names);
	free(r->name_locs);
	free(r->args);
	free(r->comment);
	cond_clear(&r->includes);
	cond_clear(&r->excludes);
}

/* ---- resolve --------------------------------------------------------------------------------- */

static int parse_kernel(const char *s, unsigned *maj, unsigned *min)
{
	*maj = *min = 0;
	return sscanf(s, "%u.%u", maj, min) >= 1 ? 0 : -EINVAL;
}

static bool kernel_at_least(unsigned maj, unsigned min, const char *v)
{
	unsigned vmaj, vmin;

	if (parse_kernel(v, &vmaj, &vmin) < 0)
		return false;
	return maj > vmaj || (maj == vmaj && min >= vmin);
}

static bool has_cap(const struct sc_target *t, const char *cap)
{
	const char *c = strncasecmp(cap, "CAP_", 4) == 0 ? cap + 4 : cap;

	for (size_t i = 0; t && i < t->n_caps; i++) {
		const char *x = t->caps[i];
		if (strncasecmp(x, "CAP_", 4) == 0)
			x += 4;
		if (!strcasecmp(x, c))
			return true;
	}
	return false;
}

static bool has_arch(const struct sc_cond *c, enum sc_arch a)
{
	for (size_t i = 0; i < c->n_arches; i++)
		if (c->arches[i] == a)
			return true;
	return false;
}

/* Docker: a rule applies when every includes condition holds and no excludes condition does.
 * includes.caps: all of them; excludes.caps: any of them. Arches compare with the target. */
static bool rule_applies(const struct sc_rule *r, const struct sc_target *t, enum sc_arch arch,
			 unsigned kmaj, unsigned kmin)
{
	const struct sc_cond *in = &r->includes, *ex = &r->excludes;

	for (size_t i = 0; i < in->n_caps; i++)
		if (!has_cap(t, in->caps[i]))
			return false;
	if (in->n_arches && !has_arch(in, arch))
		return false;
	if (in->min_kernel && !kernel_at_least(kmaj, kmin, in->min_kernel))
		return false;
	for (size_t i = 0; i < ex->n_caps; i++)
		if (has_cap(t, ex->caps[i]))
			return false;
	if (ex->n_arches && has_arch(ex, arch))
		return false;
	if (ex->min_kernel && kernel_at_least(kmaj, kmin, ex->min_kernel))
		return false;
	return true;
}

/* Is 'name' a syscall on any of the profile's architectures? */
static bool on_some_arch(const struct sc_profile *q, const char *name)
{
	for (size_t i = 0; i < q->n_arches; i++)
		if (sc_syscall_from_name(q->arches[i], name) >= 0)
			return true;
	return false;
}

/* Once archMap is resolved, names that exist only on the arches it no longer lists (docker's
 * list names "recv" for arm, "riscv_hwprobe" for riscv64) have no effect: drop them, and a rule
 * left without names. Names that are no syscall anywhere stay, for `check` to report. */
static void drop_foreign_names(struct sc_profile *q)
{
	size_t n_rules = 0;

	if (q->n_arches == 0)
		return;
	for (size_t i = 0; i < q->n_rules; i++) {
		struct sc_rule *r = &q->rules[i];
		size_t n = 0, had = r->n_names;

		for (size_t j = 0; j < r->n_names; j++) {
			if (sc_syscall_known(r->names[j]) && !on_some_arch(q, r->names[j])) {
				free(r->names[j]);
				continue;
			}
			if (r->name_locs)
				r->name_locs[n] = r->name_locs[j];
			r->names[n++] = r->names[j];
		}
		r->n_names = n;
		if (had > 0 && n == 0) {
			rule_clear(r);
			continue;
		}
		q->rules[n_rules++] = *r;
	}
	q->n_rules = n_rules;
}

int sc_profile_resolve(const struct sc_profile *p, const struct sc_target *t,
		       struct sc_profile **ret)
{
	struct sc_profile *q;
	enum sc_arch arch = t && t->has_arch ? t->arch : sc_arch_native();
	unsigned kmaj = t ? t->kernel_major : 0, kmin = t ? t->kernel_minor : 0;
	size_t n = 0;

	if (!p || !ret || !sc_arch_info(arch))
		return -EINVAL;
	if (kmaj == 0 && kmin == 0) {
		struct utsname u;
		if (uname(&u) < 0 || parse_kernel(u.release, &kmaj, &kmin) < 0)
			return -EINVAL;
	}
	q = sc_profile_dup(p);
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < q->n_arch_map; i++) {
		const struct sc_arch_map *m = &q->arch_map[i];
		if (m->arch != arch)
			continue;
		if (sc_profile_add_arch(q, m->arch) < 0)
			goto fail;
		for (size_t j = 0; j < m->n_sub; j++)
			if (sc_profile_add_arch(q, m->sub[j]) < 0)
				goto fail;
	}
	for (size_t i = 0; i < q->n_arch_map; i++)
		free(q->arch_map[i].sub);
	free(q->arch_map);
	q->arch_map = NULL;
	q->n_arch_map = 0;
	for (size_t i = 0; i < q->n_rules; i++) {
		struct sc_rule *r = &q->rules[i];
		if (!rule_applies(r, t, arch, kmaj, kmin)) {
			rule_clear(r);
			continue;
		}
		cond_clear(&r->includes);
		cond_clear(&r->excludes);
		q->rules[n++] = *r;
	}
	q->n_rules = n;
	if (p->n_arch_map > 0)
		drop_foreign_names(q);
	*ret = q;
	return 0;
fail:
	sc_profile_free(q);
	return -ENOMEM;
}

/* ---- normalize ------------------------------------------------------------------------------- */

struct named {
	char *name;
	struct sc_loc loc;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	/* Keep the first occurrence's location first. */
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return x->loc.col < y->loc.col ? -1 : x->loc.col > y->loc.col;
}

static int sort_names(struct sc_rule *r)
{
	struct named *v;
	size_t n = 0;

	if (r->n_names < 2)
		return 0;
	v = calloc(r->n_names, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_names; i++)
		v[i] = (struct named){ r->names[i],
				       r->name_locs ? r->name_locs[i] : (struct sc_loc){ 0, 0 } };
	qsort(v, r->n_names, sizeof(*v), named_cmp);
	for (size_t i = 0; i < r->n_names; i++) {
		if (n && streq(v[i].name, r->names[n - 1])) {
			free(v[i].name);
			continue;
		}
		r->names[n] = v[i].name;
		if (r->name_locs)
			r->name_locs[n] = v[i].loc;
		n++;
	}
	r->n_names = n;
	free(v);
	return 0;
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool cond_eq(const struct sc_cond *a, const struct sc_cond *b)
{
	if (!strv_eq(a->caps, a->n_caps, b->caps, b->n_caps) || a->n_arches != b->n_arches)
		return false;
	for (size_t i = 0; i < a->n_arches; i++)
		if (a->arches[i] != b->arches[i])
			return false;
	if (!a->min_kernel || !b->min_kernel)
		return a->min_kernel == b->min_kernel;
	return streq(a->min_kernel, b->min_kernel);
}

static bool mergeable(const struct sc_rule *a, const struct sc_rule *b)
{
	return a->n_args == 0 && b->n_args == 0 && a->action == b->action &&
	       a->has_errno == b->has_errno && (!a->has_errno || a->errno_ret == b->errno_ret) &&
	       cond_eq(&a->includes, &b->includes) && cond_eq(&a->excludes, &b->excludes);
}

/* Move b's names into a; b is left empty. */
static int move_names(struct sc_rule *a, struct sc_rule *b)
{
	char **v;
	struct sc_loc *locs = NULL;

	if (!b->n_names)
		return 0;
	v = reallocarray(a->names, a->n_names + b->n_names, sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->names = v;
	if (a->name_locs || b->name_locs) {
		locs = reallocarray(a->name_locs, a->n_names + b->n_names, sizeof(*locs));
		if (!locs)
			return -ENOMEM;
		if (!a->name_locs)
			memset(locs, 0, a->n_names * sizeof(*locs));
		for (size_t i = 0; i < b->n_names; i++)
			locs[a->n_names + i] =
				b->name_locs ? b->name_locs[i] : (struct sc_loc){ 0, 0 };
		a->name_locs = locs;
	}
	memcpy(a->names + a->n_names, b->names, b->n_names * sizeof(*v));
	a->n_names += b->n_names;
	free(b->names);
	b->names = NULL;
	b->n_names = 0;
	return 0;
}

/* Allow-list rules first, then by decreasing permissiveness: the order Docker profiles use. */
static int action_order(enum sc_action a)
{
	return -sc_action_rank(a) * 16 - (int)a;
}

static int rule_cmp(const void *x, const void *y)
{
	const struct sc_rule *a = x, *b = y;
	int r = action_order(a->action) - action_order(b->action);

	if (r)
		return r;
	if (a->has_errno != b->has_errno)
		return a->has_errno ? 1 : -1;
	if (a->errno_ret != b->errno_ret)
		return a->errno_ret < b->errno_ret ? -1 : 1;
	if (!a->n_names || !b->n_names)
		return (int)!!a->n_names - (int)!!b->n_names;
	r = strcmp(a->names[0], b->names[0]);
	if (r)
		return r;
	if (a->n_args != b->n_args)
		return a->n_args < b->n_args ? -1 : 1;
	for (size_t i = 0; i < a->n_args; i++) {
		const struct sc_arg *p = &a->args[i], *q = &b->args[i];
		if (p->index != q->index)
			return p->index < q->index ? -1 : 1;
		if (p->op != q->op)
			return p->op < q->op ? -1 : 1;
		if (p->value != q->value)
			return p->value < q->value ? -1 : 1;
		if (p->value_two != q->value_two)
			return p->value_two < q->value_two ? -1 : 1;
	}
	/* Stable: the original position (rule locations are in file order; fall back to it). */
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return 0;
}

int sc_profile_normalize(struct sc_profile *p)
{
	size_t n = 0;

	if (!p)
		return -EINVAL;
	for (size_t i = 0; i < p->n_rules; i++) {
		struct sc_rule *r = &p->rules[i];
		bool merged = false;

		for (size_t j = 0; j < n && !merged; j++) {
			struct sc_rule *a = &p->rules[j];
			if (!mergeable(a, r))
				continue;
			if (move_names(a, r) < 0)
				return -ENOMEM;
			/* Comments survive a merge only when they agree. */
			if (a->comment && (!r->comment || strcmp(a->comment, r->comment))) {
				free(a->comment);
				a->comment = NULL;
			}
			if (!a->loc.line)
				a->loc = r->loc;
			rule_clear(r);
			merged = true;
		}
		if (!merged)
			p->rules[n++] = *r;
	}
	p->n_rules = n;
	for (size_t i = 0; i < n; i++)
		if (sort_names(&p->rules[i]) < 0)
			return -ENOMEM;
	/* qsort is not stable; rule_cmp breaks remaining ties on location, which mirrors input
	 * order for parsed profiles. Fully equal rules are interchangeable anyway. */
	if (n > 1)
		qsort(p->rules, n, sizeof(*p->rules), rule_cmp);
	return 0;
}
