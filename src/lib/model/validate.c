/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns semantic validation: the checks of `syscage check` that need only the model (names per
 * arch, argument indexes, errno ranges, conflicting rules) and the warnings about what a
 * profile lets through (default ALLOW/LOG, no architectures, more than RuntimeDefault). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/implicit.h"
#include "syscage/start-fatal.h"
#include "syscage/profile.h"
#include "syscage/runtime-default.h"
#include "syscage/syscalls.h"
#include "syscage/validate.h"
#include "macro.h"

#define MAX_ERRNO      4095u  /* the kernel's MAX_ERRNO: larger values are not errors */
#define MAX_TRACE_DATA 65535u /* SECCOMP_RET_DATA */
#define DEFAULT_DATA   1u     /* runc: ERRNO/TRACE without errnoRet means EPERM */
#define NAME_MAX_SHOWN 64     /* longer names are cut in messages */
#define MAX_SUGGESTED  32     /* unknown names that get "did you mean" */

struct ctx {
	const struct sc_profile *p;
	struct sc_diags *d;
	enum sc_arch native;
	uint32_t covered;  /* arches the filter covers: architectures + archMap, else native */
	uint32_t explicit; /* arches listed in "architectures" */
	uint32_t target;   /* covered, narrowed to the archMap entry of opts->native */
	bool is_template;  /* archMap: one profile for machines of several arches (Docker) */
	int errors;
	unsigned n_suggested;
	int r; /* first failure (-ENOMEM) */
};

static void add(struct ctx *c, enum sc_severity sev, struct sc_loc loc, const char *fmt, ...)
	_printf_(4, 5);

static void add(struct ctx *c, enum sc_severity sev, struct sc_loc loc, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sc_diags_addv(c->d, sev, loc, fmt, ap);
	va_end(ap);
	if (r < 0 && c->r == 0)
		c->r = r;
	if (r >= 0 && sev == SC_SEV_ERROR)
		c->errors++;
}

/* A name from the input, fit for a one-line message: control bytes become '?', long names
 * are cut. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	if (!s)
		return "(null)";
	for (; *s && n + 4 < size && n < NAME_MAX_SHOWN; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	if (*s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static uint32_t arch_bit(enum sc_arch a)
{
	return (unsigned)a < _SC_ARCH_COUNT ? 1u << a : 0;
}

/* An arch and the ABIs a machine of that arch also runs (Docker's archMap defaults). */
static uint32_t arch_with_subs(enum sc_arch a)
{
	enum sc_arch sub[4];
	unsigned n = (unsigned)a < _SC_ARCH_COUNT ? sc_arch_subarches(a, sub, ELEMENTSOF(sub)) : 0;
	uint32_t m = arch_bit(a);

	for (unsigned i = 0; i < n; i++)
		m |= arch_bit(sub[i]);
	return m;
}

/* The arches among 'among' on which 'name' is a syscall. */
static uint32_t name_arches(const char *name, uint32_t among)
{
	uint32_t m = 0;

	if (!name || !among)
		return 0;
	for_each_arch (a)
		if ((among & (1u << a)) && sc_syscall_from_name(a, name) >= 0)
			m |= 1u << a;
	return m;
}

#define ALL_ARCHES ((uint32_t)((1ull << _SC_ARCH_COUNT) - 1))

/* "x86_64, x86, x32" (or "SCMP_ARCH_X86_64, ...") into buf. */
static const char *arch_list_as(uint32_t m, bool scmp, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for_each_arch (a) {
		if (!(m & (1u << a)))
			continue;
		const struct sc_arch_info *ai = sc_arch_info(a);
		int k = snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
				 scmp ? ai->scmp_name : ai->name);
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
	return buf;
}

static const char *arch_list(uint32_t m, char *buf, size_t size)
{
	return arch_list_as(m, false, buf, size);
}

static struct sc_loc name_loc(const struct sc_rule *r, size_t i)
{
	if (r->name_locs && r->name_locs[i].line)
		return r->name_locs[i];
	return r->loc;
}

/* "3:14" or, without a location, "syscalls[2]". */
static const char *where(struct sc_loc loc, size_t rule, char *buf, size_t size)
{
	if (loc.line && loc.col)
		snprintf(buf, size, "%u:%u", loc.line, loc.col);
	else if (loc.line)
		snprintf(buf, size, "line %u", loc.line);
	else
		snprintf(buf, size, "syscalls[%zu]", rule);
	return buf;
}

/* The arches a rule's names are checked against: its includes.arches (machines of those
 * arches and their sub-arches, as Docker applies them) or the profile's, minus excludes. */
static uint32_t rule_arches(const struct ctx *c, const struct sc_rule *r, bool *ret_template)
{
	uint32_t m = 0, ex = 0;

	if (ret_template)
		*ret_template = c->is_template || r->includes.n_arches > 0;
	for (size_t i = 0; i < r->includes.n_arches; i++)
		m |= arch_with_subs(r->includes.arches[i]);
	if (!m)
		m = c->covered;
	for (size_t i = 0; i < r->excludes.n_arches; i++)
		ex |= arch_with_subs(r->excludes.arches[i]);
	return (m & ~ex) ? (m & ~ex) : m;
}

static bool action_valid(enum sc_action a)
{
	return (unsigned)a < _SC_ACT_COUNT;
}

static bool action_has_data(enum sc_action a)
{
	return a == SC_ACT_ERRNO || a == SC_ACT_TRACE;
}

static uint32_t rule_data(const struct sc_rule *r)
{
	if (!action_has_data(r->action))
		return 0;
	return r->has_errno ? r->errno_ret : DEFAULT_DATA;
}

/* "SCMP_ACT_ERRNO (errnoRet 38)" */
static const char *action_text(const struct sc_rule *r, char *buf, size_t size)
{
	const char *s = sc_action_to_string(r->action);

	if (action_has_data(r->action) && r->has_errno)
		snprintf(buf, size, "%s (errnoRet %u)", s ? s : "?", r->errno_ret);
	else
		snprintf(buf, size, "%s", s ? s : "?");
	return buf;
}

struct name_ref {
	const char *name;
	size_t idx;
};

static int name_ref_cmp(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int k = strcmp(x->name, y->name);

	return k ? k : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Which names repeat an earlier one of the same rule (reported once, at the first). */
static bool *name_repeats(const struct sc_rule *r)
{
	cleanup_free struct name_ref *refs = calloc(r->n_names, sizeof(*refs));
	bool *rep = calloc(r->n_names, sizeof(*rep));
	size_t n = 0;

	if (!refs || !rep) {
		free(rep);
		return NULL;
	}
	for (size_t i = 0; i < r->n_names; i++)
		if (r->names[i])
			refs[n++] = (struct name_ref){ r->names[i], i };
	qsort(refs, n, sizeof(*refs), name_ref_cmp);
	for (size_t i = 1; i < n; i++)
		if (streq(refs[i].name, refs[i - 1].name))
			rep[refs[i].idx] = true;
	return rep;
}

/* An unknown syscall name: an error, with suggestions for the first few. */
static void report_unknown_name(struct ctx *c, const char *name, struct sc_loc loc)
{
	const char *sugg[3];
	/* Suggestions cost an edit distance against every name: a file full of garbage gets
	 * them for the first few only. */
	unsigned n = c->n_suggested++ < MAX_SUGGESTED
			     ? sc_syscall_suggest(name, sugg, ELEMENTSOF(sugg))
			     : 0;
	char list[256] = "", b1[128];
	size_t len = 0;

	for (unsigned k = 0; k < n && len < sizeof(list); k++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s",
				 k ? (k + 1 == n ? " or " : ", ") : "", sugg[k]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (n)
		add(c, SC_SEV_ERROR, loc, "unknown syscall '%s'; did you mean %s?",
		    shown(name, b1, sizeof(b1)), list);
	else
		add(c, SC_SEV_ERROR, loc,
		    "unknown syscall '%s' (not a syscall on any architecture; "
		    "'syscage syscalls --arch ARCH' lists them)",
		    shown(name, b1, sizeof(b1)));
}

/* One warning per set of arches a group of names of 'r' is missing on (missing[i]: the
 * arches name i is missing on; cleared for the names a warning covered). */
static void warn_missing(struct ctx *c, const struct sc_rule *r, uint32_t *missing)
{
	char b1[128], b2[512];

	for (size_t i = 0; i < r->n_names; i++) {
		cleanup_free char *msg = NULL;
		size_t size = 0, count = 0;
		uint32_t m = missing[i];
		FILE *f;

		if (!m)
			continue;
		f = open_memstream(&msg, &size);
		if (!f) {
			c->r = c->r ?: -ENOMEM;
			return;
		}
		for (size_t j = i; j < r->n_names; j++) {
			if (missing[j] != m)
				continue;
			fprintf(f, "%s%s", count ? ", " : "", shown(r->names[j], b1, sizeof(b1)));
			count++;
			if (j > i)
				missing[j] = 0;
		}
		if (fclose(f) != 0 || !msg) {
			c->r = c->r ?: -ENOMEM;
			return;
		}
		if (count == 1)
			add(c, SC_SEV_WARNING, name_loc(r, i),
			    "'%s' is not a syscall on %s: this name has no effect there", msg,
			    arch_list(m, b2, sizeof(b2)));
		else
			add(c, SC_SEV_WARNING, name_loc(r, i),
			    "%zu names are not syscalls on %s and have no effect there: %.*s",
			    count, arch_list(m, b2, sizeof(b2)), (int)strlen(msg), msg);
	}
}

static void check_names(struct ctx *c, size_t ri)
{
	const struct sc_rule *r = &c->p->rules[ri];
	uint32_t arches = rule_arches(c, r, NULL), warn_arches = arches & c->explicit;
	cleanup_free uint32_t *missing = NULL;
	cleanup_free bool *repeats = NULL;
	char b1[128], b2[512], b3[512];

	if (r->n_names == 0) {
		add(c, SC_SEV_ERROR, r->loc,
		    "this rule lists no syscalls (\"names\" is missing or empty): add the names it "
		    "is for, or delete the rule");
		return;
	}
	missing = calloc(r->n_names, sizeof(*missing));
	repeats = name_repeats(r);
	if (!missing || !repeats) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	for (size_t i = 0; i < r->n_names; i++) {
		const char *name = r->names[i];
		uint32_t known;

		if (repeats[i])
			continue;
		if (!name || !*name) {
			add(c, SC_SEV_ERROR, name_loc(r, i), "empty syscall name");
			continue;
		}
		known = name_arches(name, arches);
		if (!known && !sc_syscall_known(name)) {
			report_unknown_name(c, name, name_loc(r, i));
			continue;
		}
		/* A name for other arches: runc, crun and libseccomp skip it and load the rest
		 * (SPO's examples name vm86 for x86_64, Chrome's profile ugetrlimit), so it is
		 * a warning (an error under check --strict), in a template or not. */
		if (!known) {
			known = name_arches(name, ALL_ARCHES);
			add(c, SC_SEV_WARNING, name_loc(r, i),
			    "'%s' is not a syscall on %s (the architectures this rule applies to), "
			    "so it has no effect; it exists on %s",
			    shown(name, b1, sizeof(b1)), arch_list(arches, b2, sizeof(b2)),
			    arch_list(known, b3, sizeof(b3)));
			continue;
		}
		/* The implicit and start-fatal sets are per ABI by nature (sigreturn, time,
		 * newfstatat): no noise for them. */
		missing[i] = sc_implicit_lookup(name, NULL) || sc_start_fatal_lookup(name, NULL)
				     ? 0
				     : warn_arches & ~known;
	}

	warn_missing(c, r, missing);
}

static void check_rule(struct ctx *c, size_t ri)
{
	const struct sc_rule *r = &c->p->rules[ri];
	char b1[128];

	if (!action_valid(r->action)) {
		add(c, SC_SEV_ERROR, r->loc, "invalid action (%d)", (int)r->action);
	} else if (r->has_errno) {
		if (r->action == SC_ACT_ERRNO && r->errno_ret > MAX_ERRNO)
			add(c, SC_SEV_ERROR, r->loc,
			    "errnoRet %u is out of range: an errno is 0 to %u (the kernel's "
			    "MAX_ERRNO)",
			    r->errno_ret, MAX_ERRNO);
		else if (r->action == SC_ACT_TRACE && r->errno_ret > MAX_TRACE_DATA)
			add(c, SC_SEV_ERROR, r->loc,
			    "errnoRet %u is out of range: SCMP_ACT_TRACE passes 16 bits (0 to %u)",
			    r->errno_ret, MAX_TRACE_DATA);
		else if (r->action == SC_ACT_ERRNO && r->errno_ret == 0)
			add(c, SC_SEV_WARNING, r->loc,
			    "errnoRet 0: the syscall is skipped and returns 0, as if it had "
			    "succeeded; use 1 (EPERM) or 38 (ENOSYS) to deny it");
		else if (!action_has_data(r->action))
			add(c, SC_SEV_WARNING, r->loc, "errnoRet is ignored with %s",
			    action_text(r, b1, sizeof(b1)));
	}
	if (r->action == SC_ACT_NOTIFY && !c->p->listener_path)
		add(c, SC_SEV_WARNING, r->loc,
		    "SCMP_ACT_NOTIFY without a listenerPath: no supervisor gets the notifications "
		    "(runc and crun need listenerPath to hand the listener fd on), so the kernel "
		    "fails these calls with ENOSYS");

	for (size_t i = 0; i < r->n_args; i++) {
		const struct sc_arg *a = &r->args[i];
		struct sc_loc loc = a->loc.line ? a->loc : r->loc;

		if (a->index > 5)
			add(c, SC_SEV_ERROR, loc,
			    "argument index %u is out of range: a syscall has 6 arguments, index 0 "
			    "to 5",
			    a->index);
		if (!sc_cmp_to_string(a->op))
			add(c, SC_SEV_ERROR, loc, "invalid comparison operator (%d)", (int)a->op);
		else if (a->op == SC_CMP_MASKED_EQ && (a->value_two & ~a->value))
			add(c, SC_SEV_WARNING, loc,
			    "SCMP_CMP_MASKED_EQ never matches: valueTwo 0x%llx has bits outside "
			    "the "
			    "mask 0x%llx (value is the mask, valueTwo what the masked argument "
			    "must "
			    "equal)",
			    (unsigned long long)a->value_two, (unsigned long long)a->value);
	}
	check_names(c, ri);
}

/* --- conflicting actions -------------------------------------------------------------- */

struct use {
	const char *name;
	size_t rule;
	size_t idx;
};

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int k = strcmp(x->name, y->name);

	if (k)
		return k;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool arg_eq(const struct sc_arg *a, const struct sc_arg *b)
{
	return a->index == b->index && a->op == b->op && a->value == b->value &&
	       a->value_two == b->value_two;
}

static bool args_equal(const struct sc_rule *a, const struct sc_rule *b)
{
	if (a->n_args != b->n_args)
		return false;
	for (size_t i = 0; i < a->n_args; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_args && !found; j++)
			found = arg_eq(&a->args[i], &b->args[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && s && streq(v[i], s))
			return true;
	return false;
}

static bool arches_has(const enum sc_arch *v, size_t n, enum sc_arch a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == a)
			return true;
	return false;
}

/* Can two rules never apply together (Docker's includes/excludes)? */
static bool conds_exclusive_1(const struct sc_rule *a, const struct sc_rule *b)
{
	bool all_excluded = a->includes.n_arches > 0;

	for (size_t i = 0; i < a->includes.n_caps; i++)
		if (strv_has(b->excludes.caps, b->excludes.n_caps, a->includes.caps[i]))
			return true;
	for (size_t i = 0; i < a->includes.n_arches; i++)
		if (!arches_has(b->excludes.arches, b->excludes.n_arches, a->includes.arches[i]))
			all_excluded = false;
	if (all_excluded)
		return true;
	if (a->includes.n_arches && b->includes.n_arches) {
		for (size_t i = 0; i < a->includes.n_arches; i++)
			if (arches_has(b->includes.arches, b->includes.n_arches,
				       a->includes.arches[i]))
				return false;
		return true;
	}
	return false;
}

static bool has_conds(const struct sc_rule *r)
{
	const struct sc_cond *in = &r->includes, *ex = &r->excludes;

	return in->n_caps || in->n_arches || in->min_kernel || ex->n_caps || ex->n_arches ||
	       ex->min_kernel;
}

static bool conds_exclusive(const struct sc_rule *a, const struct sc_rule *b)
{
	return conds_exclusive_1(a, b) || conds_exclusive_1(b, a);
}

static bool strv_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!strv_has(b, nb, a[i]))
			return false;
	return true;
}

static bool cond_same(const struct sc_cond *a, const struct sc_cond *b)
{
	if (a->n_arches != b->n_arches || !strv_same(a->caps, a->n_caps, b->caps, b->n_caps))
		return false;
	for (size_t i = 0; i < a->n_arches; i++)
		if (!arches_has(b->arches, b->n_arches, a->arches[i]))
			return false;
	if (!a->min_kernel != !b->min_kernel)
		return false;
	return !a->min_kernel || streq(a->min_kernel, b->min_kernel);
}

static bool same_ret(const struct sc_rule *a, const struct sc_rule *b)
{
	return sc_action_canonical(a->action) == sc_action_canonical(b->action) &&
	       rule_data(a) == rule_data(b);
}

/* Use 'u' of rule 'r' conflicts with the earlier use 'o' of rule 'q' (same arguments, other
 * action): an error, or a warning when includes/excludes leave it to the engine. */
static void report_conflict(struct ctx *c, const struct use *u, const struct sc_rule *r,
			    const struct use *o, const struct sc_rule *q)
{
	char b1[128], b2[64], b3[64], b4[64];

	if (has_conds(r) || has_conds(q)) {
		/* The engine resolves includes/excludes before libseccomp sees the rules;
		 * podman's own default relies on the first rule winning. */
		add(c, SC_SEV_WARNING, name_loc(r, u->idx),
		    "'%s' is %s here but %s at %s%s where both rules' "
		    "includes/excludes hold: libseccomp refuses the pair, "
		    "so the "
		    "result depends on the engine (podman keeps the first "
		    "rule)",
		    shown(u->name, b1, sizeof(b1)), action_text(r, b2, sizeof(b2)),
		    action_text(q, b3, sizeof(b3)),
		    where(name_loc(q, o->idx), o->rule, b4, sizeof(b4)),
		    r->n_args ? " with the same argument conditions" : "");
		return;
	}
	add(c, SC_SEV_ERROR, name_loc(r, u->idx),
	    "'%s' is %s here but %s at %s%s: runc and libseccomp refuse "
	    "conflicting actions for the same syscall; keep one rule",
	    shown(u->name, b1, sizeof(b1)), action_text(r, b2, sizeof(b2)),
	    action_text(q, b3, sizeof(b3)), where(name_loc(q, o->idx), o->rule, b4, sizeof(b4)),
	    r->n_args ? " with the same argument conditions" : "");
}

static void check_conflicts(struct ctx *c)
{
	const struct sc_profile *p = c->p;
	cleanup_free struct use *uses = NULL;
	cleanup_free size_t *reps = NULL;
	size_t n = 0, total = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		if (action_valid(p->rules[i].action))
			total += p->rules[i].n_names;
	if (total < 2)
		return;
	uses = calloc(total, sizeof(*uses));
	reps = calloc(total, sizeof(*reps));
	if (!uses || !reps) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!action_valid(p->rules[i].action))
			continue;
		/* Unknown names are reported as such; a conflict on them would be noise. */
		for (size_t j = 0; j < p->rules[i].n_names; j++)
			if (p->rules[i].names[j] && sc_syscall_known(p->rules[i].names[j]))
				uses[n++] = (struct use){ p->rules[i].names[j], i, j };
	}
	qsort(uses, n, sizeof(*uses), use_cmp);

	for (size_t g = 0; g < n;) {
		size_t end = g + 1, n_reps = 0;

		while (end < n && streq(uses[end].name, uses[g].name))
			end++;
		/* Compare each use with the distinct rules seen before it for this name. */
		for (size_t u = g; u < end; u++) {
			const struct sc_rule *r = &p->rules[uses[u].rule];
			bool dup = false, reported = false;

			/* A name repeated within one rule was compared at its first use. */
			for (size_t k = 0; k < n_reps && !dup; k++)
				dup = uses[reps[k]].rule == uses[u].rule;
			for (size_t k = 0; k < n_reps && !dup; k++) {
				const struct use *o = &uses[reps[k]];
				const struct sc_rule *q = &p->rules[o->rule];

				if (!args_equal(r, q))
					continue;
				if (same_ret(r, q)) {
					dup = cond_same(&r->includes, &q->includes) &&
					      cond_same(&r->excludes, &q->excludes);
					continue;
				}
				if (reported || conds_exclusive(r, q))
					continue;
				reported = true;
				report_conflict(c, &uses[u], r, o, q);
			}
			if (!dup)
				reps[n_reps++] = u;
		}
		g = end;
	}
}

/* --- what the profile lets through ---------------------------------------------------- */

struct rd_hit {
	const char *name;
	uint32_t exists;  /* arches checked on which it is a syscall */
	uint32_t blocked; /* ... and RuntimeDefault blocks it */
	bool conditional; /* allowed for all args where RuntimeDefault checks them */
	size_t order;
	struct sc_loc loc;
};

static int rd_hit_cmp(const void *a, const void *b)
{
	const struct rd_hit *x = a, *y = b;
	int k = strcmp(x->name, y->name);

	return k ? k : (x->order < y->order ? -1 : x->order > y->order);
}

/* The names the profile allows (ALLOW or LOG, no capability needed) on the target arches that
 * RuntimeDefault blocks or allows only for some arguments, in rule order; their count. */
static size_t collect_rd_hits(struct ctx *c, struct rd_hit *hits)
{
	const struct sc_profile *p = c->p;
	size_t n = 0, order = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		uint32_t arches;

		/* LOG lets the call through too. Rules that need a capability are not what a
		 * container without extra capabilities gets, in either profile. */
		if ((r->action != SC_ACT_ALLOW && r->action != SC_ACT_LOG) || r->includes.n_caps)
			continue;
		arches = rule_arches(c, r, NULL) & c->target;
		for (size_t j = 0; j < r->n_names; j++, order++) {
			uint32_t exists = name_arches(r->names[j], arches), bl = 0;
			bool cd = false;

			for_each_arch (a) {
				if (!(exists & (1u << a)))
					continue;
				switch (sc_runtime_default_verdict(a, r->names[j])) {
				case SC_RD_BLOCKED:
					bl |= 1u << a;
					break;
				case SC_RD_CONDITIONAL:
					cd = cd || r->n_args == 0;
					break;
				case SC_RD_ALLOWED:
					break;
				}
			}
			if (bl || cd)
				hits[n++] = (struct rd_hit){ r->names[j], exists, bl,
							     cd,	  order,  name_loc(r, j) };
		}
	}
	return n;
}

static void check_runtime_default(struct ctx *c)
{
	const struct sc_profile *p = c->p;
	cleanup_free struct rd_hit *hits = NULL;
	cleanup_free char *blocked = NULL, *cond = NULL;
	size_t n = 0, total = 0, n_blocked = 0, n_cond = 0, sb = 0, sc = 0;
	struct sc_loc first = { 0, 0 };
	size_t first_order = SIZE_MAX;
	FILE *fb, *fc;
	char b1[128], b2[512];

	for (size_t i = 0; i < p->n_rules; i++)
		total += p->rules[i].n_names;
	if (!total)
		return;
	hits = calloc(total, sizeof(*hits));
	if (!hits) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	n = collect_rd_hits(c, hits);
	if (!n)
		return;
	qsort(hits, n, sizeof(*hits), rd_hit_cmp);

	fb = open_memstream(&blocked, &sb);
	fc = open_memstream(&cond, &sc);
	if (!fb || !fc) {
		if (fb)
			fclose(fb);
		if (fc)
			fclose(fc);
		c->r = c->r ?: -ENOMEM;
		return;
	}
	for (size_t i = 0; i < n;) {
		struct rd_hit h = hits[i];
		size_t j = i + 1;

		for (; j < n && streq(hits[j].name, h.name); j++) {
			h.exists |= hits[j].exists;
			h.blocked |= hits[j].blocked;
			h.conditional = h.conditional || hits[j].conditional;
		}
		if (h.order < first_order) {
			first_order = h.order;
			first = h.loc;
		}
		if (h.blocked) {
			fprintf(fb, "%s%s", n_blocked++ ? ", " : "", shown(h.name, b1, sizeof(b1)));
			if (h.blocked != h.exists)
				fprintf(fb, " (on %s)", arch_list(h.blocked, b2, sizeof(b2)));
		} else if (h.conditional) {
			fprintf(fc, "%s%s", n_cond++ ? ", " : "", shown(h.name, b1, sizeof(b1)));
		}
		i = j;
	}
	/* Both closed, whatever the first says (a failed fclose still frees its stream). */
	int eb = fclose(fb), ec = fclose(fc);
	if (eb != 0 || ec != 0 || !blocked || !cond) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	if (n_blocked && n_cond)
		add(c, SC_SEV_WARNING, first,
		    "allows %zu syscall%s that RuntimeDefault (Docker's default profile, no added "
		    "capabilities) blocks: %.*s; and, for every argument value, %zu that "
		    "RuntimeDefault allows only for some: %.*s. Make sure the workload needs them",
		    n_blocked, n_blocked == 1 ? "" : "s", (int)strlen(blocked), blocked, n_cond,
		    (int)strlen(cond), cond);
	else if (n_blocked)
		add(c, SC_SEV_WARNING, first,
		    "allows %zu syscall%s that RuntimeDefault (Docker's default profile, no added "
		    "capabilities) blocks: %.*s. Make sure the workload needs them",
		    n_blocked, n_blocked == 1 ? "" : "s", (int)strlen(blocked), blocked);
	else
		add(c, SC_SEV_WARNING, first,
		    "allows, for every argument value, %zu syscall%s that RuntimeDefault (Docker's "
		    "default profile) allows only for some values: %.*s. Add argument conditions "
		    "if the workload needs only those",
		    n_cond, n_cond == 1 ? "" : "s", (int)strlen(cond), cond);
}

static bool blocks_something(const struct sc_profile *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].n_names &&
		    sc_action_rank(p->rules[i].action) < sc_action_rank(SC_ACT_LOG))
			return true;
	return false;
}

/* An allow-list without the implicit set breaks the workload the first time life interrupts
 * it: one warning naming the calls, grouped by why each matters. */
static void check_implicit(struct ctx *c)
{
	cleanup_free const char **miss = NULL;
	cleanup_free char *msg = NULL;
	size_t size = 0, denied = 0;
	int n = sc_implicit_missing(c->p, &miss, &denied);
	FILE *f;

	if (n <= 0) {
		if (n < 0)
			c->r = c->r ?: n;
		return;
	}
	f = open_memstream(&msg, &size);
	if (!f) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct sc_implicit_call *ci, *cj;
		bool done = false;

		(void)sc_implicit_lookup(miss[i], &ci);
		for (int j = 0; j < i && !done; j++)
			done = sc_implicit_lookup(miss[j], &cj) && streq(cj->why, ci->why);
		if (done)
			continue;
		fputs(ftell(f) ? "; " : "", f);
		for (int j = i, k = 0; j < n; j++)
			if (sc_implicit_lookup(miss[j], &cj) && streq(cj->why, ci->why))
				fprintf(f, "%s%s", k++ ? ", " : "", miss[j]);
		fprintf(f, ": %s", ci->why);
	}
	if (fclose(f) != 0 || !msg) {
		c->r = c->r ?: -ENOMEM;
		return;
	}
	add(c, SC_SEV_WARNING, c->p->loc,
	    "this allow-list does not allow %d call%s the kernel or libc make without the program "
	    "asking%s, which no recorder or audit log can be trusted to see (%.*s). Without them "
	    "the workload breaks the first time it is stopped, handles a signal, exits or runs on "
	    "a node with another clocksource; add them to an SCMP_ACT_ALLOW rule (syscage record "
	    "and syscage logs add them)",
	    n, n == 1 ? "" : "s", denied ? " (a rule denies some of them explicitly)" : "",
	    (int)size, msg);
}

/* A newer call denied with EPERM (or killed) while its older one is allowed: libc falls back
 * only on ENOSYS, so the workload fails where it would have fallen back. */
static void check_fallback(struct ctx *c)
{
	const struct sc_fallback_call *f[8];
	int n = sc_implicit_fallback_broken(c->p, f, ELEMENTSOF(f));

	for (int i = 0; i < n && i < (int)ELEMENTSOF(f); i++)
		add(c, SC_SEV_WARNING, c->p->loc,
		    "%s is denied, but not with ENOSYS, while %s is allowed: %s. Answer it with "
		    "SCMP_ACT_ERRNO and errnoRet 38 (ENOSYS), as syscage record and logs do; "
		    "runc's ENOSYS stub covers it only when the profile names no newer call, and "
		    "containerd adds none",
		    f[i]->name, f[i]->older[0], f[i]->why);
}

static void check_profile(struct ctx *c)
{
	const struct sc_profile *p = c->p;
	const char *native = sc_arch_info(c->native)->name;

	if (!action_valid(p->default_action)) {
		add(c, SC_SEV_ERROR, p->loc, "invalid defaultAction (%d)", (int)p->default_action);
	} else if (p->default_action == SC_ACT_ALLOW || p->default_action == SC_ACT_LOG) {
		const char *what =
			p->default_action == SC_ACT_ALLOW ? "allowed" : "allowed and logged";
		if (!blocks_something(p))
			add(c, SC_SEV_WARNING, p->loc,
			    "defaultAction is %s and no rule denies anything: this profile blocks "
			    "nothing%s",
			    sc_action_to_string(p->default_action),
			    p->default_action == SC_ACT_LOG ? " (an audit profile for learning, "
							      "not for enforcing)"
							    : "");
		else
			add(c, SC_SEV_WARNING, p->loc,
			    "defaultAction is %s: every syscall not listed, including those added "
			    "by "
			    "future kernels and everything RuntimeDefault blocks, is %s; prefer "
			    "SCMP_ACT_ERRNO with a list of what is allowed",
			    sc_action_to_string(p->default_action), what);
	}
	if (p->has_default_errno) {
		if (p->default_errno > MAX_ERRNO && p->default_action != SC_ACT_TRACE)
			add(c, SC_SEV_ERROR, p->loc,
			    "defaultErrnoRet %u is out of range: an errno is 0 to %u (the kernel's "
			    "MAX_ERRNO)",
			    p->default_errno, MAX_ERRNO);
		else if (p->default_errno > MAX_TRACE_DATA)
			add(c, SC_SEV_ERROR, p->loc,
			    "defaultErrnoRet %u is out of range: SCMP_ACT_TRACE passes 16 bits (0 "
			    "to "
			    "%u)",
			    p->default_errno, MAX_TRACE_DATA);
		else if (action_valid(p->default_action) && !action_has_data(p->default_action))
			add(c, SC_SEV_WARNING, p->loc, "defaultErrnoRet is ignored with %s",
			    sc_action_to_string(p->default_action));
	}
	if (p->n_arches == 0 && p->n_arch_map == 0) {
		uint32_t subs = arch_with_subs(c->native) & ~arch_bit(c->native);
		char b2[256], b3[256];

		if (subs)
			add(c, SC_SEV_WARNING, p->loc,
			    "no \"architectures\": the filter covers only the native arch of the "
			    "machine that loads it (%s here; names were checked for it). Calls "
			    "made "
			    "through another ABI (%s) do not match and get the arch-mismatch "
			    "action: "
			    "the process is killed. List the architectures: %s, and %s if 32-bit "
			    "programs must run",
			    native, arch_list(subs, b2, sizeof(b2)),
			    sc_arch_info(c->native)->scmp_name,
			    arch_list_as(subs, true, b3, sizeof(b3)));
		else
			add(c, SC_SEV_WARNING, p->loc,
			    "no \"architectures\": the filter covers only the native arch of the "
			    "machine that loads it (%s here; names were checked for it), and means "
			    "something else on a machine of another arch. List it: %s",
			    native, sc_arch_info(c->native)->scmp_name);
	}
	for (size_t i = 0; i < p->n_rules; i++)
		check_rule(c, i);
	check_conflicts(c);
	if (action_valid(p->default_action) && p->default_action != SC_ACT_ALLOW &&
	    p->default_action != SC_ACT_LOG) {
		check_runtime_default(c);
		check_implicit(c);
		check_fallback(c);
	}
}

/* The arches a validation covers (architectures, archMap, the native arch of 'opts'). */
static int ctx_init(struct ctx *c, const struct sc_validate_opts *opts)
{
	const struct sc_profile *p = c->p;

	if (!p)
		return -EINVAL;
	c->native = opts && opts->has_native ? opts->native : sc_arch_native();
	if (!sc_arch_info(c->native))
		return -EINVAL;
	for (size_t i = 0; i < p->n_arches; i++)
		c->explicit |= arch_bit(p->arches[i]);
	c->covered = c->target = c->explicit;
	c->is_template = p->n_arch_map > 0;
	for (size_t i = 0; i < p->n_arch_map; i++) {
		const struct sc_arch_map *m = &p->arch_map[i];
		uint32_t e = arch_bit(m->arch);

		for (size_t j = 0; j < m->n_sub; j++)
			e |= arch_bit(m->sub[j]);
		c->covered |= e;
		if (!opts || !opts->has_native || m->arch == c->native)
			c->target |= e;
	}
	if (!c->covered)
		c->covered = arch_bit(c->native);
	if (!c->target)
		c->target = opts && opts->has_native ? arch_bit(c->native) : c->covered;
	return 0;
}

int sc_profile_validate_with(const struct sc_profile *p, const struct sc_validate_opts *opts,
			     struct sc_diags *d)
{
	struct ctx c = { .p = p, .d = d };
	int r = ctx_init(&c, opts);

	if (r < 0)
		return r;
	check_profile(&c);
	return c.r < 0 ? c.r : c.errors;
}

int sc_profile_validate(const struct sc_profile *p, struct sc_diags *d)
{
	return sc_profile_validate_with(p, NULL, d);
}

int sc_profile_validate_names(const struct sc_profile *p, const struct sc_validate_opts *opts,
			      struct sc_diags *d)
{
	struct ctx c = { .p = p, .d = d };
	int r = ctx_init(&c, opts);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_rules; i++)
		check_names(&c, i);
	return c.r < 0 ? c.r : c.errors;
}

int sc_profile_validate_notify(const struct sc_profile *p, struct sc_diags *d)
{
	if (!p)
		return -EINVAL;
	if (p->default_action != SC_ACT_NOTIFY || p->listener_path)
		return 0;
	return sc_diags_add(
		d, SC_SEV_WARNING, p->loc,
		"defaultAction SCMP_ACT_NOTIFY without a listenerPath: no supervisor "
		"gets the notifications, so the kernel fails every call the profile does "
		"not list with ENOSYS; set listenerPath to the supervisor's socket, or "
		"use SCMP_ACT_ERRNO");
}
