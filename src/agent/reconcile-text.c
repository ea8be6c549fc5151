/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the profile text of a set of one policy, the usual case (a first reconcile of 10,000
 * policies makes 10,000 of them), made straight from the parsed policy: the bytes
 * sc_set_profile and sc_policy_profile_json give for it, without the merge's copy of the
 * profile, its entries and items, and stdio (35,000 instructions a policy, a third of the
 * agent's own work per policy). Only for a policy the merge leaves as it is but for the order
 * of its names: one unconditional rule, or an unconditional ALLOW rule and the ERRNO(ENOSYS)
 * rule of the fallback set an allow-list implies (sc_implicit_fallback_implied: every Allow
 * KubeArmorSeccompPolicy allowing clone, faccessat or fchmodat is read with it); no archMap,
 * no listener, names that need no escaping. Anything else goes the general way
 * (rc_set_profile_text). tests/unit/test-reconcile.c compares both on random policies. */
#include "agent/reconcile-internal.h"
#include "syscage/implicit.h"

/* A syscall name as the syscall table spells them: JSON without escapes. */
static bool plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* A name and its first 8 bytes, big-endian and zero-padded: ordered as strcmp orders the
 * names, most told apart without a strcmp. */
struct sname {
	uint64_t prefix;
	const char *s;
	size_t len;
};

static int cmp_sname(const struct sname *a, const struct sname *b)
{
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return strcmp(a->s, b->s);
}

static int cmp_sname_q(const void *a, const void *b)
{
	return cmp_sname(a, b);
}

/* By insertion up to 64 names (a policy lists a few dozen), else qsort. */
static void sort_names(struct sname *v, size_t n)
{
	if (n > 64) {
		qsort(v, n, sizeof(*v), cmp_sname_q);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct sname t = v[i];
		size_t j = i;
		for (; j > 0 && cmp_sname(&v[j - 1], &t) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

struct tbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for n more bytes (the text's size is mostly known ahead: rarely needed). */
static bool grow(struct tbuf *b, size_t n)
{
	size_t cap = 2 * (b->len + n);
	char *p = b->oom ? NULL : realloc(b->p, cap);

	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static inline void put(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap && !grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define put_lit(b, lit) put((b), (lit), sizeof(lit) - 1)

static void put_str(struct tbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u32(struct tbuf *b, uint32_t v)
{
	char d[16];
	int n = snprintf(d, sizeof(d), "%u", v);

	put(b, d, (size_t)n);
}

/* Arches 'v' (n) appended to 'out' (*n_out so far) unless there already, as
 * sc_profile_add_arch adds them; false for one it refuses (no such arch). */
static bool add_arches(enum sc_arch *out, size_t *n_out, const enum sc_arch *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool have = false;
		if (!sc_arch_info(v[i]))
			return false;
		for (size_t k = 0; k < *n_out && !have; k++)
			have = out[k] == v[i];
		if (!have)
			out[(*n_out)++] = v[i];
	}
	return true;
}

/* An unconditional rule of names that need no escaping, with an action OCI can name. */
static bool plain_rule(const struct sc_rule *r)
{
	if (r->n_names == 0 || r->n_args || r->includes.n_caps || r->includes.n_arches ||
	    r->includes.min_kernel || r->excludes.n_caps || r->excludes.n_arches ||
	    r->excludes.min_kernel || !sc_action_to_string(r->action))
		return false;
	for (size_t i = 0; i < r->n_names; i++)
		if (!plain_name(r->names[i]))
			return false;
	return true;
}

/* The rules of 'p' in the merge's order, when it leaves them as they are but for the order
 * of their names: its one rule; or its ALLOW rule and the fallback rule (as
 * sc_implicit_fallback_implied says: ERRNO(ENOSYS), unconditional, calls of the fallback set
 * that the ALLOW rule does not name, all those the reader would add), the fallback rule
 * first: the merge puts the stricter action first (sc_action_rank: ERRNO above ALLOW).
 * Returns how many (in rules[]), 0 for a policy the merge must see. */
static size_t simple_rules(const struct sc_profile *p, const struct sc_rule *rules[2])
{
	if (p->n_rules == 1) {
		rules[0] = &p->rules[0];
		return plain_rule(rules[0]) ? 1 : 0;
	}
	if (p->n_rules != 2)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		const struct sc_rule *allow = &p->rules[i], *fb = &p->rules[1 - i];
		if (allow->action != SC_ACT_ALLOW || fb->action != SC_ACT_ERRNO ||
		    !plain_rule(allow) || !plain_rule(fb) || !sc_implicit_fallback_implied(p, fb))
			continue;
		rules[0] = fb;
		rules[1] = allow;
		return 2;
	}
	return 0;
}

/* Whether the merge leaves 'p' as simple_rules() gives them (*n_rules of them, into 'rules'),
 * and its architectures (*n_arches of them into 'arches', as the merge and the options give
 * them). */
static bool simple_policy(const struct sc_reconcile_opts *o, const struct sc_profile *p,
			  const struct sc_rule *rules[2], size_t *n_rules, enum sc_arch *arches,
			  size_t *n_arches)
{
	if (p->n_arch_map || p->listener_path || p->listener_metadata ||
	    !sc_action_to_string(p->default_action) || p->n_arches > _SC_ARCH_COUNT ||
	    o->n_arches > _SC_ARCH_COUNT)
		return false;
	*n_rules = simple_rules(p, rules);
	if (*n_rules == 0)
		return false;
	/* The merge's architectures, then the options' when it has none. */
	return add_arches(arches, n_arches, p->arches, p->n_arches) &&
	       (*n_arches > 0 || add_arches(arches, n_arches, o->arches, o->n_arches));
}

/* Everything before the rules: the default action (and errno), architectures, flags. */
static void put_head(struct tbuf *b, const struct sc_reconcile_opts *o, const struct sc_profile *p,
		     const enum sc_arch *arches, size_t n_arches)
{
	unsigned flags = p->flags;

	put_lit(b, "{\n  \"defaultAction\": \"");
	put_str(b, sc_action_to_string(p->default_action));
	put_lit(b, "\"");
	if (p->has_default_errno) {
		put_lit(b, ",\n  \"defaultErrnoRet\": ");
		put_u32(b, p->default_errno);
	}
	if (n_arches) {
		put_lit(b, ",\n  \"architectures\": [");
		for (size_t i = 0; i < n_arches; i++) {
			if (i)
				put_lit(b, ", ");
			put_lit(b, "\"");
			put_str(b, sc_arch_info(arches[i])->scmp_name);
			put_lit(b, "\"");
		}
		put_lit(b, "]");
	}
	if (!flags && !o->no_log_flag)
		flags = SC_FLAG_LOG; /* without it the kernel logs no ERRNO denial */
	if (flags) {
		bool first = true;
		put_lit(b, ",\n  \"flags\": [");
		for (unsigned bit = 0; bit < 32; bit++)
			if ((flags & (1u << bit)) && sc_flag_to_string(1u << bit)) {
				if (!first)
					put_lit(b, ", ");
				put_lit(b, "\"");
				put_str(b, sc_flag_to_string(1u << bit));
				put_lit(b, "\"");
				first = false;
			}
		put_lit(b, "]");
	}
}

/* The names of 'r' into 'v' (one each) with their first 8 bytes; returns the room their text
 * takes at most. */
static size_t fill_names(struct sname *v, const struct sc_rule *r)
{
	size_t room = 64;

	for (size_t i = 0; i < r->n_names; i++) {
		const char *s = r->names[i];
		uint64_t x = 0;
		size_t k = 0;
		for (; k < 8 && s[k]; k++)
			x = x << 8 | (unsigned char)s[k];
		v[i] = (struct sname){ .prefix = x << (8 * (8 - k)),
				       .s = s,
				       .len = k < 8 ? k : strlen(s) };
		room += v[i].len + 4;
	}
	return room;
}

/* Rule 'r' as the merge writes it, its names ('v', from fill_names) sorted and unique; after
 * another rule when 'more'. */
static void put_rule(struct tbuf *b, const struct sc_rule *r, struct sname *v, bool more)
{
	size_t n = 0;

	sort_names(v, r->n_names);
	if (more)
		put_lit(b, ",");
	put_lit(b, "\n    {\"names\": [");
	for (size_t i = 0; i < r->n_names; i++) {
		if (i > 0 && v[i].len == v[i - 1].len && memcmp(v[i].s, v[i - 1].s, v[i].len) == 0)
			continue; /* the merge lists a name once */
		if (n++)
			put_lit(b, ", ");
		put_lit(b, "\"");
		put(b, v[i].s, v[i].len);
		put_lit(b, "\"");
	}
	put_lit(b, "], \"action\": \"");
	put_str(b, sc_action_to_string(r->action));
	put_lit(b, "\"");
	/* The merge keeps an errno only where the rule gave one (an ERRNO rule without one
	 * is EPERM, which it leaves unsaid). */
	if (r->has_errno) {
		put_lit(b, ", \"errnoRet\": ");
		put_u32(b, r->errno_ret);
	}
	put_lit(b, "}");
}

int rc_one_policy_text(const struct sc_reconcile_opts *o, const struct sc_profile *p, char **ret)
{
	enum sc_arch arches[_SC_ARCH_COUNT];
	const struct sc_rule *rules[2];
	struct sname few[64], *names = few;
	struct tbuf b = {};
	size_t n_arches = 0, n_rules = 0, total = 0, cap = 192;

	if (!simple_policy(o, p, rules, &n_rules, arches, &n_arches))
		return 0;
	for (size_t k = 0; k < n_rules; k++)
		total += rules[k]->n_names;
	if (total > ELEMENTSOF(few) && !(names = calloc(total, sizeof(*names))))
		return -ENOMEM;
	for (size_t k = 0, at = 0; k < n_rules; at += rules[k++]->n_names)
		cap += fill_names(names + at, rules[k]);
	b.p = malloc(cap);
	b.cap = b.p ? cap : 0;
	b.oom = !b.p;
	put_head(&b, o, p, arches, n_arches);
	put_lit(&b, ",\n  \"syscalls\": [");
	for (size_t k = 0, at = 0; k < n_rules; at += rules[k++]->n_names)
		put_rule(&b, rules[k], names + at, k > 0);
	put_lit(&b, "\n  ]\n}\n");
	put(&b, "", 1); /* the NUL, counted in no length */
	if (names != few)
		free(names);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	return 1;
}
