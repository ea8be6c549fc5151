/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns merging: several profiles for one workload -> one profile, deny beating allow (seed
 * 003), and the coverage check behind `syscage merge --check`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/merge.h"
#include "syscage/syscalls.h"
#include "macro.h"
#include "sc-cleanup.h"

#define EPERM_DEFAULT 1u /* runc's errno for SCMP_ACT_ERRNO without errnoRet */

bool sc_action_permits(enum sc_action a)
{
	return a == SC_ACT_ALLOW || a == SC_ACT_LOG;
}

static bool cond_empty(const struct sc_cond *c)
{
	return c->n_caps == 0 && c->n_arches == 0 && !c->min_kernel;
}

static bool rule_conditional(const struct sc_rule *r)
{
	return r->n_args > 0 || !cond_empty(&r->includes) || !cond_empty(&r->excludes);
}

static uint32_t rule_errno(const struct sc_rule *r)
{
	if (r->has_errno)
		return r->errno_ret;
	return r->action == SC_ACT_ERRNO ? EPERM_DEFAULT : 0;
}

static int cmp_arg(const void *a, const void *b)
{
	const struct sc_arg *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->value_two != y->value_two)
		return x->value_two < y->value_two ? -1 : 1;
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void key_cond(FILE *f, const char *tag, const struct sc_cond *c)
{
	cleanup_free char **caps = NULL;

	if (cond_empty(c))
		return;
	fprintf(f, "%s{", tag);
	if (c->n_caps) {
		caps = malloc(c->n_caps * sizeof(*caps));
		if (caps) {
			memcpy(caps, c->caps, c->n_caps * sizeof(*caps));
			qsort(caps, c->n_caps, sizeof(*caps), cmp_strp);
			for (size_t i = 0; i < c->n_caps; i++)
				fprintf(f, "c=%s,", caps[i]);
		}
	}
	for (size_t i = 0; i < c->n_arches; i++)
		fprintf(f, "a=%d,", (int)c->arches[i]);
	if (c->min_kernel)
		fprintf(f, "k=%s", c->min_kernel);
	fputc('}', f);
}

/* A canonical string for a rule's conditions (args sorted; includes/excludes). "" when none. */
static char *cond_key(const struct sc_rule *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cleanup_free struct sc_arg *args = NULL;

	if (!f)
		return NULL;
	if (r->n_args) {
		args = malloc(r->n_args * sizeof(*args));
		if (!args) {
			fclose(f);
			free(buf);
			return NULL;
		}
		memcpy(args, r->args, r->n_args * sizeof(*args));
		qsort(args, r->n_args, sizeof(*args), cmp_arg);
		for (size_t i = 0; i < r->n_args; i++)
			fprintf(f, "%u:%d:%llu:%llu;", args[i].index, (int)args[i].op,
				(unsigned long long)args[i].value,
				(unsigned long long)args[i].value_two);
	}
	key_cond(f, "inc", &r->includes);
	key_cond(f, "exc", &r->excludes);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One (syscall name, rule) pair of one input. */
struct entry {
	const char *name;
	size_t input;
	const struct sc_rule *rule;
	char *key; /* cond_key(rule), shared by entries of one rule */
	bool conditional;
	bool weak; /* votes only where no other rule names the name */
};

/* One rule of the output for one name, before grouping by (action, errno, conditions). */
struct item {
	const char *name;
	enum sc_action action;
	bool has_errno;
	uint32_t errno_ret;
	const struct sc_rule *cond; /* source of args/includes/excludes; NULL = unconditional */
	const char *key;	    /* "" for unconditional */
	struct sc_arg *own_args;    /* negated args (owned), overrides cond->args */
	size_t n_own_args;
};

/* Sort n elements of 'size' bytes stably: by binary insertion up to 32 of them (a policy's
 * names: qsort's set-up costs more than the sort), else qsort. Either way the same order: the
 * comparisons below tell apart every two elements that differ in what is emitted. */
static void sort_small(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char tmp[256], *b = base;

	if (n > 32 || size > sizeof(tmp)) {
		qsort(base, n, size, cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		size_t lo = 0, hi = i;
		/* In order already (the items of one action come by name): no search. */
		if (cmp(b + (i - 1) * size, b + i * size) <= 0)
			continue;
		hi = i - 1;
		/* After every element that is not greater: stable. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (cmp(b + mid * size, b + i * size) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == i)
			continue;
		memcpy(tmp, b + i * size, size);
		memmove(b + (lo + 1) * size, b + lo * size, (i - lo) * size);
		memcpy(b + lo * size, tmp, size);
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (sc_action_rank(x->action) != sc_action_rank(y->action))
		return sc_action_rank(x->action) < sc_action_rank(y->action) ? -1 : 1;
	if (x->action != y->action)
		return x->action < y->action ? -1 : 1;
	if (x->has_errno != y->has_errno)
		return x->has_errno ? 1 : -1;
	if (x->errno_ret != y->errno_ret)
		return x->errno_ret < y->errno_ret ? -1 : 1;
	c = strcmp(x->key, y->key);
	if (c)
		return c;
	/* Negated pieces of one name differ only in own_args. */
	if (x->n_own_args != y->n_own_args)
		return x->n_own_args < y->n_own_args ? -1 : 1;
	for (size_t i = 0; i < x->n_own_args; i++) {
		c = cmp_arg(&x->own_args[i], &y->own_args[i]);
		if (c)
			return c;
	}
	return strcmp(x->name, y->name);
}

static bool item_same_rule(const struct item *x, const struct item *y)
{
	if (x->action != y->action || x->has_errno != y->has_errno ||
	    x->errno_ret != y->errno_ret || strcmp(x->key, y->key) != 0 ||
	    x->n_own_args != y->n_own_args)
		return false;
	for (size_t i = 0; i < x->n_own_args; i++)
		if (cmp_arg(&x->own_args[i], &y->own_args[i]) != 0)
			return false;
	return true;
}

struct merge_ctx {
	const struct sc_profile *const *in;
	size_t n_in;
	struct sc_diags *d;
	struct item *items;
	size_t n_items, cap_items;
};

static const char *input_name(const struct merge_ctx *m, size_t i, char *buf, size_t size)
{
	if (m->in[i]->meta.name)
		return m->in[i]->meta.name;
	snprintf(buf, size, "input %zu", i + 1);
	return buf;
}

static void warn(struct merge_ctx *m, const char *fmt, ...) _printf_(2, 3);
static void warn(struct merge_ctx *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->d)
		return;
	va_start(ap, fmt);
	(void)sc_diags_addv(m->d, SC_SEV_WARNING, (struct sc_loc){ 0, 0 }, fmt, ap);
	va_end(ap);
}

static struct item *add_item(struct merge_ctx *m)
{
	if (m->n_items == m->cap_items) {
		size_t ncap = m->cap_items ? m->cap_items * 2 : 256;
		struct item *v = reallocarray(m->items, ncap, sizeof(*v));
		if (!v)
			return NULL;
		m->items = v;
		m->cap_items = ncap;
	}
	m->items[m->n_items] = (struct item){ .key = "" };
	return &m->items[m->n_items++];
}

/* Which relation negates 'op' exactly? 0 when none (MASKED_EQ). */
static enum sc_cmp negate_op(enum sc_cmp op)
{
	switch (op) {
	case SC_CMP_NE:
		return SC_CMP_EQ;
	case SC_CMP_EQ:
		return SC_CMP_NE;
	case SC_CMP_LT:
		return SC_CMP_GE;
	case SC_CMP_GE:
		return SC_CMP_LT;
	case SC_CMP_LE:
		return SC_CMP_GT;
	case SC_CMP_GT:
		return SC_CMP_LE;
	default:
		return 0;
	}
}

static bool rule_negatable(const struct sc_rule *r)
{
	if (r->n_args == 0 || !cond_empty(&r->includes) || !cond_empty(&r->excludes))
		return false;
	for (size_t i = 0; i < r->n_args; i++)
		if (!negate_op(r->args[i].op))
			return false;
	return true;
}

/* A conditional (action, errno, conditions) for one name after de-duplication. */
struct citem {
	const struct entry *e;
	enum sc_action action;
	bool has_errno;
	uint32_t errno_ret;
};

/* The unconditional verdict on one name so far: the strictest unconditional entry. */
struct uitem {
	const struct entry *win; /* NULL: no unconditional entry */
	enum sc_action action;
	bool has_errno;
	uint32_t errno_ret;
};

/* Fold the unconditional entries into *u (the strictest wins; equal ranks keep the lowest
 * errno, with a warning when the errnos differ). */
static void fold_unconditional(struct merge_ctx *m, const struct entry *e, struct uitem *u)
{
	const struct sc_rule *r = e->rule;
	char b1[32], b2[32];

	if (!u->win || sc_action_rank(r->action) < sc_action_rank(u->action)) {
		*u = (struct uitem){ .win = e,
				     .action = r->action,
				     .has_errno = r->has_errno,
				     .errno_ret = rule_errno(r) };
	} else if (sc_action_rank(r->action) == sc_action_rank(u->action)) {
		u->has_errno |= r->has_errno;
		if (rule_errno(r) != u->errno_ret) {
			warn(m,
			     "%s: %s and %s deny it with different errnos (%u, "
			     "%u); "
			     "keeping the lowest",
			     e->name, input_name(m, u->win->input, b1, sizeof(b1)),
			     input_name(m, e->input, b2, sizeof(b2)), u->errno_ret, rule_errno(r));
			if (rule_errno(r) < u->errno_ret)
				u->errno_ret = rule_errno(r);
		}
	}
}

/* Fold a conditional entry into c[0..*nc): entries with the same conditions keep the more
 * restrictive action (and the lowest errno on equal ranks). */
static void fold_conditional(const struct entry *e, struct citem *c, size_t *nc)
{
	const struct sc_rule *r = e->rule;
	size_t j;

	for (j = 0; j < *nc; j++)
		if (streq(c[j].e->key, e->key))
			break;
	if (j == *nc) {
		c[(*nc)++] = (struct citem){ .e = e,
					     .action = r->action,
					     .has_errno = r->has_errno,
					     .errno_ret = rule_errno(r) };
		return;
	}
	if (sc_action_rank(r->action) < sc_action_rank(c[j].action)) {
		c[j].action = r->action;
		c[j].has_errno = r->has_errno;
		c[j].errno_ret = rule_errno(r);
	} else if (sc_action_rank(r->action) == sc_action_rank(c[j].action)) {
		c[j].has_errno |= r->has_errno;
		if (rule_errno(r) < c[j].errno_ret)
			c[j].errno_ret = rule_errno(r);
	}
}

/* Exact narrowing: the stricter conditional rule 's', and the unconditional action for every
 * argument outside its conditions (one rule per negated comparison: rules are alternatives,
 * so together they cover "not all of them"). */
static int add_narrowed(struct merge_ctx *m, const char *name, const struct uitem *u,
			const struct citem *s)
{
	const struct sc_rule *r = s->e->rule;
	struct item *it = add_item(m);

	if (!it)
		return -ENOMEM;
	*it = (struct item){ .name = name,
			     .action = s->action,
			     .has_errno = s->has_errno,
			     .errno_ret = s->errno_ret,
			     .cond = r,
			     .key = s->e->key };
	for (size_t k = 0; k < r->n_args; k++) {
		it = add_item(m);
		if (!it)
			return -ENOMEM;
		it->own_args = malloc(sizeof(*it->own_args));
		if (!it->own_args)
			return -ENOMEM;
		it->own_args[0] = r->args[k];
		it->own_args[0].op = negate_op(r->args[k].op);
		it->n_own_args = 1;
		it->name = name;
		it->action = u->action;
		it->has_errno = u->has_errno;
		it->errno_ret = u->errno_ret;
		it->key = "~";
	}
	return 0;
}

/* An unconditional rule meets conditional ones with other actions: warn about each conflict
 * and find the strictest conditional rule stricter than the unconditional one (*ret_stricter,
 * an index into c); returns how many are stricter. */
static size_t find_stricter(struct merge_ctx *m, const char *name, const struct uitem *u,
			    const struct citem *c, size_t nc, size_t *ret_stricter)
{
	size_t n_stricter = 0, stricter = 0;
	char b1[32], b2[32];

	for (size_t j = 0; j < nc; j++) {
		if (c[j].action == u->action)
			continue;
		warn(m,
		     "%s: conflict: %s has an unconditional %s rule, %s a conditional %s "
		     "rule; resolved by precedence",
		     name, input_name(m, u->win->input, b1, sizeof(b1)),
		     sc_action_to_string(u->action), input_name(m, c[j].e->input, b2, sizeof(b2)),
		     sc_action_to_string(c[j].action));
		if (sc_action_rank(c[j].action) < sc_action_rank(u->action)) {
			if (!n_stricter ||
			    sc_action_rank(c[j].action) < sc_action_rank(c[stricter].action))
				stricter = j;
			n_stricter++;
		}
	}
	*ret_stricter = stricter;
	return n_stricter;
}

/* Resolve one syscall name from its entries e[0..n). */
static int merge_name(struct merge_ctx *m, const struct entry *e, size_t n)
{
	struct uitem u = { 0 };
	struct citem few[4];
	cleanup_free struct citem *many = NULL;
	struct citem *c = few;
	size_t nc = 0;

	/* Most names have one entry, none conditional. */
	if (n > ELEMENTSOF(few)) {
		c = many = calloc(n, sizeof(*c));
		if (!c)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!e[i].conditional)
			fold_unconditional(m, &e[i], &u);
		else
			fold_conditional(&e[i], c, &nc);

	if (u.win && nc) {
		/* Unconditional vs conditional: a conflict when the actions differ. */
		size_t stricter;
		size_t n_stricter = find_stricter(m, e[0].name, &u, c, nc, &stricter);

		if (n_stricter == 1 && rule_negatable(c[stricter].e->rule))
			return add_narrowed(m, e[0].name, &u, &c[stricter]);
		if (n_stricter > 0) {
			/* Not expressible exactly: fail closed. */
			warn(m,
			     "%s: cannot narrow the unconditional rule exactly; using %s for all "
			     "arguments",
			     e[0].name, sc_action_to_string(c[stricter].action));
			u.action = c[stricter].action;
			u.has_errno = c[stricter].has_errno;
			u.errno_ret = c[stricter].errno_ret;
		}
		/* Conditional rules no stricter than the unconditional one are shadowed. */
		nc = 0;
	}

	if (u.win) {
		struct item *it = add_item(m);
		if (!it)
			return -ENOMEM;
		*it = (struct item){ .name = e[0].name,
				     .action = u.action,
				     .has_errno = u.has_errno || (u.action == SC_ACT_ERRNO &&
								  u.errno_ret != EPERM_DEFAULT),
				     .errno_ret = u.errno_ret,
				     .key = "" };
	}
	for (size_t j = 0; j < nc; j++) {
		struct item *it = add_item(m);
		if (!it)
			return -ENOMEM;
		*it = (struct item){ .name = e[0].name,
				     .action = c[j].action,
				     .has_errno = c[j].has_errno,
				     .errno_ret = c[j].errno_ret,
				     .cond = c[j].e->rule,
				     .key = c[j].e->key };
	}
	return 0;
}

static int copy_cond(const struct sc_cond *s, struct sc_cond *d)
{
	*d = (struct sc_cond){};
	if (s->n_caps) {
		d->caps = calloc(s->n_caps, sizeof(*d->caps));
		if (!d->caps)
			return -ENOMEM;
		for (size_t i = 0; i < s->n_caps; i++) {
			d->caps[i] = strdup(s->caps[i]);
			if (!d->caps[i])
				return -ENOMEM;
			d->n_caps = i + 1;
		}
	}
	if (s->n_arches) {
		d->arches = malloc(s->n_arches * sizeof(*d->arches));
		if (!d->arches)
			return -ENOMEM;
		memcpy(d->arches, s->arches, s->n_arches * sizeof(*d->arches));
		d->n_arches = s->n_arches;
	}
	if (s->min_kernel) {
		d->min_kernel = strdup(s->min_kernel);
		if (!d->min_kernel)
			return -ENOMEM;
	}
	return 0;
}

static int emit_rule(struct sc_profile *p, const struct item *it, size_t n)
{
	struct sc_rule *r = sc_profile_add_rule(p, it->action, NULL, 0);

	if (!r)
		return -ENOMEM;
	r->has_errno = it->has_errno;
	r->errno_ret = it->has_errno ? it->errno_ret : 0;
	/* At most n names: one allocation for the list. */
	r->names = reallocarray(NULL, n, sizeof(*r->names));
	if (!r->names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !streq(it[i].name, it[i - 1].name)) {
			char *s = strdup(it[i].name);
			if (!s)
				return -ENOMEM;
			r->names[r->n_names++] = s;
		}
	if (it->own_args) {
		for (size_t i = 0; i < it->n_own_args; i++)
			if (sc_rule_add_arg(r, it->own_args[i].index, it->own_args[i].op,
					    it->own_args[i].value, it->own_args[i].value_two) < 0)
				return -ENOMEM;
	} else if (it->cond) {
		cleanup_free struct sc_arg *args = NULL;
		if (it->cond->n_args) {
			args = malloc(it->cond->n_args * sizeof(*args));
			if (!args)
				return -ENOMEM;
			memcpy(args, it->cond->args, it->cond->n_args * sizeof(*args));
			qsort(args, it->cond->n_args, sizeof(*args), cmp_arg);
		}
		for (size_t i = 0; i < it->cond->n_args; i++)
			if (sc_rule_add_arg(r, args[i].index, args[i].op, args[i].value,
					    args[i].value_two) < 0)
				return -ENOMEM;
		if (copy_cond(&it->cond->includes, &r->includes) < 0 ||
		    copy_cond(&it->cond->excludes, &r->excludes) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int merge_arch_map(struct sc_profile *p, const struct sc_arch_map *am)
{
	struct sc_arch_map *e = NULL;

	for (size_t i = 0; i < p->n_arch_map; i++)
		if (p->arch_map[i].arch == am->arch)
			e = &p->arch_map[i];
	if (!e) {
		struct sc_arch_map *v = reallocarray(p->arch_map, p->n_arch_map + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->arch_map = v;
		e = &p->arch_map[p->n_arch_map++];
		*e = (struct sc_arch_map){ .arch = am->arch };
	}
	for (size_t i = 0; i < am->n_sub; i++) {
		bool have = false;
		for (size_t j = 0; j < e->n_sub; j++)
			have |= e->sub[j] == am->sub[i];
		if (have)
			continue;
		enum sc_arch *v = reallocarray(e->sub, e->n_sub + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->sub = v;
		e->sub[e->n_sub++] = am->sub[i];
	}
	return 0;
}

static int merge_string(struct merge_ctx *m, char **dst, const char *src, const char *what)
{
	if (!src)
		return 0;
	if (*dst) {
		if (!streq(*dst, src))
			warn(m, "inputs disagree on %s ('%s', '%s'); keeping the first", what, *dst,
			     src);
		return 0;
	}
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static void free_items(struct merge_ctx *m)
{
	for (size_t i = 0; i < m->n_items; i++)
		free(m->items[i].own_args);
	free(m->items);
	m->items = NULL;
	m->n_items = 0;
}

/* The merged profile's start: the first input's metadata, without the parts merged below. */
static struct sc_profile *merge_start(const struct sc_profile *first)
{
	struct sc_profile shallow = *first;
	struct sc_profile *p;

	shallow.arches = NULL;
	shallow.n_arches = 0;
	shallow.arch_map = NULL;
	shallow.n_arch_map = 0;
	shallow.rules = NULL;
	shallow.n_rules = 0;
	shallow.listener_path = shallow.listener_metadata = NULL;
	p = sc_profile_dup(&shallow);
	if (p)
		p->flags = 0;
	return p;
}

/* Merge the settings of input 'i' other than its rules into 'p': the stricter default action
 * (the lowest errno on equal ranks), architectures, archMap, flags, the listener. */
static int merge_settings(struct merge_ctx *m, struct sc_profile *p, size_t i)
{
	const struct sc_profile *q = m->in[i];
	uint32_t qerr = q->has_default_errno		    ? q->default_errno
			: q->default_action == SC_ACT_ERRNO ? EPERM_DEFAULT
							    : 0;
	uint32_t perr = p->has_default_errno		    ? p->default_errno
			: p->default_action == SC_ACT_ERRNO ? EPERM_DEFAULT
							    : 0;
	int r;

	if (i > 0 && sc_action_rank(q->default_action) < sc_action_rank(p->default_action)) {
		p->default_action = q->default_action;
		p->has_default_errno = q->has_default_errno;
		p->default_errno = q->default_errno;
	} else if (i > 0 &&
		   sc_action_rank(q->default_action) == sc_action_rank(p->default_action) &&
		   qerr != perr) {
		char b1[32];
		warn(m, "%s: defaultErrnoRet %u differs from %u; keeping the lowest",
		     input_name(m, i, b1, sizeof(b1)), qerr, perr);
		if (qerr < perr) {
			p->has_default_errno = true;
			p->default_errno = qerr;
		}
	}
	for (size_t j = 0; j < q->n_arches; j++)
		if ((r = sc_profile_add_arch(p, q->arches[j])) < 0)
			return r;
	for (size_t j = 0; j < q->n_arch_map; j++)
		if ((r = merge_arch_map(p, &q->arch_map[j])) < 0)
			return r;
	p->flags |= q->flags;
	if ((r = merge_string(m, &p->listener_path, q->listener_path, "listenerPath")) < 0 ||
	    (r = merge_string(m, &p->listener_metadata, q->listener_metadata, "listenerMetadata")) <
		    0)
		return r;
	return 0;
}

/* One entry per (input, rule, name) into e (sized for every name), sorted by name; the
 * condition keys of conditional rules are appended to keys[0..*nkeys) (the caller frees
 * them, also on error). */
static int collect_entries(const struct sc_profile *const *in, size_t n, sc_merge_weak_fn weak,
			   struct entry *e, size_t *ret_ne, char **keys, size_t *nkeys)
{
	size_t ne = 0, k = 0;
	bool any_weak = false;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < in[i]->n_rules; j++) {
			const struct sc_rule *rl = &in[i]->rules[j];
			bool conditional = rule_conditional(rl);
			bool w = weak && weak(in[i], rl);
			char *key = NULL;
			if (conditional) {
				key = cond_key(rl);
				if (!key)
					return -ENOMEM;
				keys[(*nkeys)++] = key;
			}
			any_weak |= w;
			for (size_t m = 0; m < rl->n_names; m++)
				e[ne++] = (struct entry){ .name = rl->names[m],
							  .input = i,
							  .rule = rl,
							  .key = key ? key : (char *)"",
							  .conditional = conditional,
							  .weak = w };
		}
	sort_small(e, ne, sizeof(*e), cmp_entry);
	/* A weak entry goes where another rule names its name. */
	for (size_t i = 0; any_weak && i < ne;) {
		size_t j = i + 1;
		bool strong = !e[i].weak;
		while (j < ne && streq(e[j].name, e[i].name))
			strong |= !e[j++].weak;
		for (; i < j; i++)
			if (!strong || !e[i].weak)
				e[k++] = e[i];
	}
	*ret_ne = any_weak ? k : ne;
	return 0;
}

/* Resolve each name (a run of entries) into items, then the items into rules of 'p'. */
static int merge_rules(struct merge_ctx *m, struct sc_profile *p, const struct entry *e, size_t ne)
{
	int r;

	for (size_t i = 0; i < ne;) {
		size_t j = i + 1;
		while (j < ne && streq(e[j].name, e[i].name))
			j++;
		if ((r = merge_name(m, e + i, j - i)) < 0)
			return r;
		i = j;
	}
	if (m->n_items)
		sort_small(m->items, m->n_items, sizeof(*m->items), cmp_item);
	for (size_t i = 0; i < m->n_items;) {
		size_t j = i + 1;
		while (j < m->n_items && item_same_rule(&m->items[i], &m->items[j]))
			j++;
		if ((r = emit_rule(p, m->items + i, j - i)) < 0)
			return r;
		i = j;
	}
	return 0;
}

int sc_profile_merge(const struct sc_profile *const *in, size_t n, struct sc_diags *d,
		     struct sc_profile **ret)
{
	return sc_profile_merge_weak(in, n, NULL, d, ret);
}

int sc_profile_merge_weak(const struct sc_profile *const *in, size_t n, sc_merge_weak_fn weak,
			  struct sc_diags *d, struct sc_profile **ret)
{
	struct merge_ctx m = { .in = in, .n_in = n, .d = d };
	cleanup_(sc_profile_freep) struct sc_profile *p = NULL;
	cleanup_free struct entry *e = NULL;
	cleanup_free char **keys = NULL;
	size_t ne = 0, nkeys = 0, total_names = 0, total_rules = 0;
	int r = 0;

	if (n == 0 || !in || !ret)
		return -EINVAL;
	p = merge_start(in[0]);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = merge_settings(&m, p, i)) < 0)
			return r;
		total_rules += in[i]->n_rules;
		for (size_t j = 0; j < in[i]->n_rules; j++)
			total_names += in[i]->rules[j].n_names;
	}

	e = calloc(total_names ? total_names : 1, sizeof(*e));
	keys = calloc(total_rules ? total_rules : 1, sizeof(*keys));
	if (!e || !keys)
		return -ENOMEM;
	r = collect_entries(in, n, weak, e, &ne, keys, &nkeys);
	/* Items: about one per name. */
	if (r == 0 && ne > 0) {
		m.items = reallocarray(NULL, ne, sizeof(*m.items));
		m.cap_items = m.items ? ne : 0;
	}
	if (r == 0)
		r = merge_rules(&m, p, e, ne);
	if (r == 0)
		*ret = TAKE_PTR(p);
	free_items(&m);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	return r < 0 ? r : 0;
}

void sc_profile_verdict(const struct sc_profile *p, const char *name, struct sc_verdict *ret)
{
	struct sc_verdict v = { .action = p->default_action };
	int best = 99;

	v.errno_ret = p->has_default_errno		  ? p->default_errno
		      : p->default_action == SC_ACT_ERRNO ? EPERM_DEFAULT
							  : 0;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		bool named = false;
		for (size_t k = 0; k < r->n_names && !named; k++)
			named = streq(r->names[k], name);
		if (!named)
			continue;
		if (rule_conditional(r)) {
			v.conditional = true;
			v.cond_permits |= sc_action_permits(r->action);
			continue;
		}
		v.unconditional = true;
		if (sc_action_rank(r->action) < best) {
			best = sc_action_rank(r->action);
			v.action = r->action;
			v.errno_ret = rule_errno(r);
		}
	}
	*ret = v;
}

/* Are the permitting conditional rules of 'new' for 'name' all present in 'base'? */
static int cond_rules_covered(const struct sc_profile *base, const struct sc_profile *new,
			      const char *name, bool *ret)
{
	bool covered = true;

	for (size_t i = 0; i < new->n_rules &&covered; i++) {
		const struct sc_rule *r = &new->rules[i];
		bool named = false, found = false;
		cleanup_free char *key = NULL;

		if (!rule_conditional(r) || !sc_action_permits(r->action))
			continue;
		for (size_t k = 0; k < r->n_names && !named; k++)
			named = streq(r->names[k], name);
		if (!named)
			continue;
		key = cond_key(r);
		if (!key)
			return -ENOMEM;
		for (size_t j = 0; j < base->n_rules && !found; j++) {
			const struct sc_rule *b = &base->rules[j];
			bool bnamed = false;
			if (!rule_conditional(b) || !sc_action_permits(b->action))
				continue;
			for (size_t k = 0; k < b->n_names && !bnamed; k++)
				bnamed = streq(b->names[k], name);
			if (bnamed) {
				cleanup_free char *bkey = cond_key(b);
				if (!bkey)
					return -ENOMEM;
				found = streq(key, bkey);
			}
		}
		covered = found;
	}
	*ret = covered;
	return 0;
}

static int add_gap(struct sc_gap **v, size_t *n, const struct sc_gap *g)
{
	struct sc_gap *nv = reallocarray(*v, *n + 1, sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *g;
	return 0;
}

int sc_profile_check_covers(const struct sc_profile *base, const struct sc_profile *new,
			    struct sc_gap **ret, size_t *ret_n)
{
	cleanup_free struct sc_gap *gaps = NULL;
	size_t n_gaps = 0;
	enum sc_arch native = sc_arch_native();
	enum sc_arch arches[_SC_ARCH_COUNT];
	size_t n_arches = 0;
	int r;

	if (new->n_arches == 0)
		arches[n_arches++] = native;
	for (size_t i = 0; i < new->n_arches &&n_arches < ELEMENTSOF(arches); i++)
		arches[n_arches++] = new->arches[i];

	for (size_t a = 0; a < n_arches; a++) {
		enum sc_arch arch = arches[a];
		bool base_has = base->n_arches ? sc_profile_has_arch(base, arch) : arch == native;
		uint32_t nr;
		const char *name;

		if (!base_has) {
			struct sc_gap g = { .kind = SC_GAP_ARCH, .arch = arch };
			if ((r = add_gap(&gaps, &n_gaps, &g)) < 0)
				return r;
			continue;
		}
		for (size_t i = 0; sc_syscall_by_index(arch, i, &nr, &name) == 0; i++) {
			struct sc_verdict vn, vb;
			bool n_full, n_some, b_full, b_some, covered = true;
			struct sc_gap g = { .arch = arch, .name = name };

			sc_profile_verdict(new, name, &vn);
			sc_profile_verdict(base, name, &vb);
			n_full = sc_action_permits(vn.action);
			n_some = n_full || (!vn.unconditional && vn.cond_permits);
			b_full = sc_action_permits(vb.action);
			b_some = b_full || (!vb.unconditional && vb.cond_permits);
			g.new_action = vn.action;
			g.base_action = vb.action;
			g.new_conditional = !n_full && n_some;
			g.base_conditional = !b_full && b_some;
			if (!n_some || b_full)
				continue;
			if (!b_some) {
				g.kind = SC_GAP_SYSCALL;
			} else if (n_full) {
				g.kind = SC_GAP_CONDITIONAL;
			} else {
				/* Both permit it only conditionally: new's conditions must be
				 * among base's. */
				if ((r = cond_rules_covered(base, new, name, &covered)) < 0)
					return r;
				if (covered)
					continue;
				g.kind = SC_GAP_CONDITIONAL;
			}
			if ((r = add_gap(&gaps, &n_gaps, &g)) < 0)
				return r;
		}
	}
	*ret_n = n_gaps;
	*ret = TAKE_PTR(gaps);
	return (int)*ret_n;
}
