/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the compiler: a resolved profile -> a seccomp classic BPF program with the semantics
 * documented in include/syscage/compile.h (which sc_profile_eval computes directly).
 *
 * How: for every AUDIT_ARCH token the program accepts, the 32-bit nr space is cut into
 * intervals that each have one decision (a constant SECCOMP_RET value, or the argument
 * checks of one syscall); adjacent intervals with the same decision merge; a binary search
 * over the interval starts (JGE) reaches the decision. Code is emitted backwards, from the
 * end of the program, so every jump target is already placed when its jump is written and a
 * jump that would exceed 255 instructions gets a JA trampoline (or its own RET). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/syscalls.h"
#include "syscage/eval.h"
#include "macro.h"
#include "seccomp/runc-rules.h"

#define X32_BIT	   SC_X32_SYSCALL_BIT
#define NO_SYSCALL 0xffffffffu
#define GEN_CAP	   (1u << 16) /* emission buffer; the result must still fit in 4096 */
#define MAX_ABIS   _SC_ARCH_COUNT

/* One alternative of a rule after runc's split: AND of non-trivial conditions. */
struct crule {
	const struct sc_arg *args[6];
	unsigned n;
	uint32_t ret;
};

struct entry {
	uint32_t nr;
	bool cond;
	uint32_t ret; /* constant decision when !cond */
	struct crule *rules;
	size_t n_rules;
	size_t label; /* of the emitted argument checks */
};

struct abi {
	enum sc_arch arch;
	const struct sc_arch_info *ai;
	struct entry *entries; /* sorted by nr */
	size_t n_entries;
	uint32_t max; /* highest nr the profile names here, 0 if none */
};

struct decision {
	uint32_t start;
	bool cond;
	uint32_t ret;
	struct entry *e;
};

struct gen {
	struct sock_filter *v; /* filled from the end */
	size_t n;
	bool overflow;
	struct {
		uint32_t ret;
		size_t label;
	} rets[16];
	unsigned n_rets;
};

struct target {
	bool is_ret;
	uint32_t ret;
	size_t label;
};

static struct target to_ret(uint32_t ret)
{
	return (struct target){ .is_ret = true, .ret = ret };
}

static struct target to_label(size_t label)
{
	return (struct target){ .label = label };
}

/* Emit one instruction before everything emitted so far; returns its label (its position
 * counted from the end, 1-based). */
static size_t emit(struct gen *g, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (g->n >= GEN_CAP) {
		g->overflow = true;
		return g->n;
	}
	g->n++;
	g->v[GEN_CAP - g->n] = (struct sock_filter){ code, jt, jf, k };
	return g->n;
}

static size_t emit_ret(struct gen *g, uint32_t ret)
{
	size_t l = emit(g, BPF_RET | BPF_K, 0, 0, ret);
	unsigned i;

	for (i = 0; i < g->n_rets; i++)
		if (g->rets[i].ret == ret)
			break;
	if (i == g->n_rets) {
		if (g->n_rets == ELEMENTSOF(g->rets))
			return l;
		g->n_rets++;
	}
	g->rets[i].ret = ret;
	g->rets[i].label = l;
	return l;
}

/* The label of a target for a jump emitted next, placing a RET when none is in reach. */
static size_t place(struct gen *g, struct target t)
{
	if (!t.is_ret)
		return t.label;
	for (unsigned i = 0; i < g->n_rets; i++)
		if (g->rets[i].ret == t.ret && g->n - g->rets[i].label <= 250)
			return g->rets[i].label;
	return emit_ret(g, t.ret);
}

/* A label within 'limit' of the next instruction: the target itself or a trampoline. */
static size_t near(struct gen *g, struct target t, size_t label, size_t limit)
{
	if (g->n - label <= limit)
		return label;
	if (t.is_ret)
		return emit_ret(g, t.ret);
	return emit(g, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(g->n - label));
}

static size_t emit_jcc(struct gen *g, uint16_t op, uint32_t k, struct target t, struct target f)
{
	size_t lt = place(g, t), lf = place(g, f);

	lt = near(g, t, lt, 254);
	lf = near(g, f, lf, 255);
	return emit(g, BPF_JMP | op | BPF_K, (uint8_t)(g->n - lt), (uint8_t)(g->n - lf), k);
}

static size_t emit_ld(struct gen *g, uint32_t off)
{
	return emit(g, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
}

/* A label that runs 't' (a RET, or a jump to it). */
static size_t emit_goto(struct gen *g, struct target t)
{
	if (t.is_ret)
		return place(g, t);
	return t.label;
}

static bool cmp_trivial(const struct sc_arg *a, unsigned bits)
{
	uint64_t m = bits == 32 ? (a->value & 0xffffffffu) : a->value;
	return a->op == SC_CMP_MASKED_EQ && m == 0;
}

/* Emit the checks of one condition: jump to 't' when it holds, else to 'f'. */
static size_t emit_cond(struct gen *g, const struct sc_arch_info *ai, const struct sc_arg *a,
			struct target t, struct target f)
{
	uint32_t base = (uint32_t)offsetof(struct seccomp_data, args) + 8u * a->index;
	uint32_t lo_off = base + (ai->big_endian ? 4 : 0), hi_off = base + (ai->big_endian ? 0 : 4);
	uint32_t vlo = (uint32_t)a->value, vhi = (uint32_t)(a->value >> 32);
	bool wide = ai->word_bits == 64;
	size_t l;

	switch (a->op) {
	case SC_CMP_EQ:
	case SC_CMP_NE: {
		struct target yes = a->op == SC_CMP_EQ ? t : f, no = a->op == SC_CMP_EQ ? f : t;
		emit_jcc(g, BPF_JEQ, vlo, yes, no);
		l = emit_ld(g, lo_off);
		if (!wide)
			return l;
		emit_jcc(g, BPF_JEQ, vhi, to_label(l), no);
		return emit_ld(g, hi_off);
	}
	case SC_CMP_GT:
	case SC_CMP_GE:
	case SC_CMP_LT:
	case SC_CMP_LE: {
		/* GT/GE hold on "hi greater, or hi equal and lo greater (or equal)"; LT/LE are the
		 * negations of GE/GT. */
		bool neg = a->op == SC_CMP_LT || a->op == SC_CMP_LE;
		uint16_t lo_op = (a->op == SC_CMP_GT || a->op == SC_CMP_LE) ? BPF_JGT : BPF_JGE;
		struct target yes = neg ? f : t, no = neg ? t : f;
		emit_jcc(g, lo_op, vlo, yes, no);
		l = emit_ld(g, lo_off);
		if (!wide)
			return l;
		l = emit_jcc(g, BPF_JEQ, vhi, to_label(l), no);
		emit_jcc(g, BPF_JGT, vhi, yes, to_label(l));
		return emit_ld(g, hi_off);
	}
	case SC_CMP_MASKED_EQ: {
		uint64_t m = a->value, d = a->value_two & m;
		struct target next = t;
		if ((uint32_t)m) {
			emit_jcc(g, BPF_JEQ, (uint32_t)d, t, f);
			if ((uint32_t)m != 0xffffffffu)
				emit(g, BPF_ALU | BPF_AND | BPF_K, 0, 0, (uint32_t)m);
			next = to_label(emit_ld(g, lo_off));
		}
		if (wide && (uint32_t)(m >> 32)) {
			emit_jcc(g, BPF_JEQ, (uint32_t)(d >> 32), next, f);
			if ((uint32_t)(m >> 32) != 0xffffffffu)
				emit(g, BPF_ALU | BPF_AND | BPF_K, 0, 0, (uint32_t)(m >> 32));
			next = to_label(emit_ld(g, hi_off));
		}
		return emit_goto(g, next);
	}
	default:
		return emit_goto(g, f);
	}
}

/* The argument checks of one syscall: its rules in order, then 'def'. */
static size_t emit_entry(struct gen *g, const struct sc_arch_info *ai, const struct entry *e,
			 uint32_t def)
{
	struct target next = to_ret(def);

	for (size_t i = e->n_rules; i-- > 0;) {
		const struct crule *r = &e->rules[i];
		struct target t = to_ret(r->ret);
		for (unsigned j = r->n; j-- > 0;)
			t = to_label(emit_cond(g, ai, r->args[j], t, next));
		next = t;
	}
	return emit_goto(g, next);
}

static void abi_free(struct abi *a)
{
	for (size_t i = 0; i < a->n_entries; i++)
		free(a->entries[i].rules);
	free(a->entries);
}

struct pair {
	uint32_t nr;
	size_t rule;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Append the alternatives of 'r' to 'e'; returns 1 when 'r' is unconditional here. */
static int add_alternatives(struct entry *e, const struct sc_rule *r, unsigned bits, uint32_t ret)
{
	bool split = sc_rule_has_repeated_index(r);
	size_t need = split ? r->n_args : 1;
	struct crule *v;

	if (r->n_args == 0)
		return 1;
	for (size_t i = 0; split && i < r->n_args; i++)
		if (cmp_trivial(&r->args[i], bits))
			return 1;
	v = reallocarray(e->rules, e->n_rules + need, sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->rules = v;
	if (split) {
		for (size_t i = 0; i < r->n_args; i++)
			e->rules[e->n_rules++] =
				(struct crule){ .args = { &r->args[i] }, .n = 1, .ret = ret };
		return 0;
	}
	v = &e->rules[e->n_rules];
	*v = (struct crule){ .ret = ret };
	for (size_t i = 0; i < r->n_args; i++)
		if (!cmp_trivial(&r->args[i], bits))
			v->args[v->n++] = &r->args[i];
	if (v->n == 0)
		return 1;
	e->n_rules++;
	return 0;
}

static int abi_build(const struct sc_profile *p, enum sc_arch arch, uint32_t def, struct abi *a)
{
	cleanup_free struct pair *pairs = NULL;
	size_t n_pairs = 0, cap = 0;

	*a = (struct abi){ .arch = arch, .ai = sc_arch_info(arch) };
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		for (size_t j = 0; j < r->n_args; j++)
			if (r->args[j].index > 5 || r->args[j].op < SC_CMP_NE ||
			    r->args[j].op >= _SC_CMP_MAX)
				return -EINVAL;
		if ((unsigned)r->action >= _SC_ACT_COUNT)
			return -EINVAL;
		for (size_t j = 0; j < r->n_names; j++) {
			int nr = sc_syscall_from_name(arch, r->names[j]);
			if (nr < 0)
				continue;
			if ((uint32_t)nr > a->max)
				a->max = (uint32_t)nr;
			if (sc_action_ret(r->action, r->has_errno, r->errno_ret) == def)
				continue;
			if (n_pairs == cap) {
				struct pair *v =
					reallocarray(pairs, cap ? cap * 2 : 64, sizeof(*v));
				if (!v)
					return -ENOMEM;
				pairs = v;
				cap = cap ? cap * 2 : 64;
			}
			pairs[n_pairs++] = (struct pair){ (uint32_t)nr, i };
		}
	}
	if (n_pairs)
		qsort(pairs, n_pairs, sizeof(*pairs), pair_cmp);
	a->entries = calloc(n_pairs ? n_pairs : 1, sizeof(*a->entries));
	if (!a->entries)
		return -ENOMEM;
	for (size_t i = 0; i < n_pairs;) {
		struct entry *e = &a->entries[a->n_entries];
		bool decided = false;
		size_t j;

		*e = (struct entry){ .nr = pairs[i].nr, .cond = true };
		for (j = i; j < n_pairs && pairs[j].nr == pairs[i].nr; j++) {
			const struct sc_rule *r = &p->rules[pairs[j].rule];
			uint32_t ret = sc_action_ret(r->action, r->has_errno, r->errno_ret);
			int k;
			if (decided || (j > i && pairs[j].rule == pairs[j - 1].rule))
				continue;
			k = add_alternatives(e, r, a->ai->word_bits, ret);
			if (k < 0) {
				a->n_entries++;
				return k;
			}
			if (k > 0) {
				/* An unconditional rule beats every argument rule. */
				uint32_t nr = e->nr;
				free(e->rules);
				*e = (struct entry){ .nr = nr, .ret = ret };
				decided = true;
			}
		}
		i = j;
		if (!e->cond && e->ret == def)
			continue; /* the same as no entry */
		a->n_entries++;
	}
	return 0;
}

static const struct entry *abi_find(const struct abi *a, uint32_t nr)
{
	size_t lo = 0, hi = a->n_entries;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->entries[mid].nr == nr)
			return &a->entries[mid];
		if (a->entries[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct ctx {
	const struct sc_profile *p;
	struct abi abis[MAX_ABIS];
	size_t n_abis;
	uint32_t def, mismatch;
	bool enosys;
};

static const struct abi *ctx_abi(const struct ctx *c, enum sc_arch arch)
{
	for (size_t i = 0; i < c->n_abis; i++)
		if (c->abis[i].arch == arch)
			return &c->abis[i];
	return NULL;
}

/* What the program decides for 'nr' on 'token' without looking at arguments. */
static struct decision decide(const struct ctx *c, uint32_t token, uint32_t nr)
{
	const struct abi *a;
	const struct entry *e;
	enum sc_arch arch;
	bool x86_64 = token == sc_arch_info(SC_ARCH_X86_64)->audit_arch;

	arch = x86_64 ? ((nr & X32_BIT) ? SC_ARCH_X32 : SC_ARCH_X86_64)
		      : sc_arch_from_audit(token, nr);
	a = ctx_abi(c, arch);
	if (c->enosys && a && a->max) {
		bool s390 = arch == SC_ARCH_S390 || arch == SC_ARCH_S390X;
		if (nr > a->max || (s390 && nr == 0))
			return (struct decision){ nr, false,
						  sc_action_to_ret(SC_ACT_ERRNO, ENOSYS) };
	}
	if (x86_64 && nr == NO_SYSCALL)
		arch = ctx_abi(c, SC_ARCH_X86_64) ? SC_ARCH_X86_64 : SC_ARCH_X32;
	else if (x86_64)
		arch = nr >= X32_BIT ? SC_ARCH_X32 : SC_ARCH_X86_64;
	a = ctx_abi(c, arch);
	if (!a)
		return (struct decision){ nr, false, c->mismatch };
	e = abi_find(a, nr);
	if (!e)
		return (struct decision){ nr, false, c->def };
	if (!e->cond)
		return (struct decision){ nr, false, e->ret };
	return (struct decision){ nr, true, 0, (struct entry *)e };
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

static bool same_decision(const struct decision *a, const struct decision *b)
{
	return a->cond == b->cond && (a->cond ? a->e == b->e : a->ret == b->ret);
}

/* The intervals of one token: sorted, merged, covering 0..UINT32_MAX. */
static int token_intervals(const struct ctx *c, uint32_t token, struct decision **ret,
			   size_t *ret_n)
{
	static const uint32_t fixed[] = { 0, 1, X32_BIT, 0x80000000u, 0xc0000000u, NO_SYSCALL };
	cleanup_free uint32_t *b = NULL;
	size_t n = 0, cap = ELEMENTSOF(fixed);
	struct decision *d;
	size_t nd = 0;

	for (size_t i = 0; i < c->n_abis; i++)
		if (c->abis[i].ai->audit_arch == token)
			cap += 2 * c->abis[i].n_entries + 1;
	b = calloc(cap, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
		b[n++] = fixed[i];
	for (size_t i = 0; i < c->n_abis; i++) {
		const struct abi *a = &c->abis[i];
		if (a->ai->audit_arch != token)
			continue;
		for (size_t j = 0; j < a->n_entries; j++) {
			b[n++] = a->entries[j].nr;
			if (a->entries[j].nr != UINT32_MAX)
				b[n++] = a->entries[j].nr + 1;
		}
		if (a->max && a->max != UINT32_MAX)
			b[n++] = a->max + 1;
	}
	qsort(b, n, sizeof(*b), u32_cmp);
	d = calloc(n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct decision x;
		if (i > 0 && b[i] == b[i - 1])
			continue;
		x = decide(c, token, b[i]);
		if (nd > 0 && same_decision(&d[nd - 1], &x))
			continue;
		d[nd++] = x;
	}
	*ret = d;
	*ret_n = nd;
	return 0;
}

static struct target emit_tree(struct gen *g, const struct decision *d, size_t n)
{
	size_t mid;
	struct target hi, lo;

	if (n == 1)
		return d[0].cond ? to_label(d[0].e->label) : to_ret(d[0].ret);
	mid = n / 2;
	hi = emit_tree(g, d + mid, n - mid);
	lo = emit_tree(g, d, mid);
	return to_label(emit_jcc(g, BPF_JGE, d[mid].start, hi, lo));
}

static int emit_token(struct gen *g, const struct ctx *c, uint32_t token, size_t *ret_label)
{
	cleanup_free struct decision *d = NULL;
	size_t n;
	struct target t;
	int r;

	r = token_intervals(c, token, &d, &n);
	if (r < 0)
		return r;
	for (size_t i = n; i-- > 0;)
		if (d[i].cond) {
			const struct abi *a = NULL;
			for (size_t k = 0; k < c->n_abis; k++)
				if (c->abis[k].ai->audit_arch == token &&
				    d[i].e >= c->abis[k].entries &&
				    d[i].e < c->abis[k].entries + c->abis[k].n_entries)
					a = &c->abis[k];
			d[i].e->label = emit_entry(g, a->ai, d[i].e, c->def);
		}
	t = emit_tree(g, d, n);
	if (t.is_ret)
		*ret_label = place(g, t);
	else
		*ret_label = emit_ld(g, (uint32_t)offsetof(struct seccomp_data, nr));
	return 0;
}

/* The ABIs to compile for: the options', else the profile's, else the native one; native
 * first, each once. -EINVAL for an unknown ABI. */
static int abi_list(const struct sc_profile *p, const struct sc_compile_opts *o,
		    enum sc_arch list[MAX_ABIS], size_t *ret_n)
{
	const enum sc_arch *src = o->arches ? o->arches : p->arches;
	size_t n_src = o->arches ? o->n_arches : p->n_arches;
	enum sc_arch native = sc_arch_native();
	size_t n_list = 0;

	if (!o->arches && n_src == 0) {
		src = &native;
		n_src = 1;
	}
	for (size_t i = 0; i < n_src; i++) {
		bool dup = false;
		if (!sc_arch_info(src[i]))
			return -EINVAL;
		for (size_t j = 0; j < n_list; j++)
			dup = dup || list[j] == src[i];
		if (!dup)
			list[n_list++] = src[i];
	}
	for (size_t i = 0; i < n_list; i++)
		if (list[i] == native) {
			list[i] = list[0];
			list[0] = native;
		}
	*ret_n = n_list;
	return 0;
}

/* The distinct AUDIT_ARCH tokens of the ABIs (x86_64 and x32 share one), in list order. */
static size_t arch_tokens(const enum sc_arch *list, size_t n_list, uint32_t tokens[MAX_ABIS])
{
	size_t n_tokens = 0;

	for (size_t i = 0; i < n_list; i++) {
		uint32_t t = sc_arch_info(list[i])->audit_arch;
		bool dup = false;
		for (size_t j = 0; j < n_tokens; j++)
			dup = dup || tokens[j] == t;
		if (!dup)
			tokens[n_tokens++] = t;
	}
	return n_tokens;
}

/* Emit the program into 'g', backwards: the per-token blocks (last token first), then the
 * mismatch RET, the token compares and the arch load at the top. -E2BIG when it does not fit. */
static int emit_program(struct gen *g, const struct ctx *c, const uint32_t *tokens, size_t n_tokens)
{
	size_t labels[MAX_ABIS];
	struct target next;
	int r;

	for (size_t i = n_tokens; i-- > 0;) {
		r = emit_token(g, c, tokens[i], &labels[i]);
		if (r < 0)
			return r;
	}
	g->n_rets = 0; /* keep the mismatch RET right below the compares */
	next = to_ret(c->mismatch);
	for (size_t i = n_tokens; i-- > 0;)
		next = to_label(emit_jcc(g, BPF_JEQ, tokens[i], to_label(labels[i]), next));
	(void)emit_goto(g, next);
	emit_ld(g, (uint32_t)offsetof(struct seccomp_data, arch));
	if (g->overflow || g->n > SC_BPF_MAXINSNS)
		return -E2BIG;
	return 0;
}

int sc_profile_compile(const struct sc_profile *p, const struct sc_compile_opts *o,
		       struct sock_filter **ret, size_t *ret_len)
{
	static const struct sc_compile_opts defaults = { 0 };
	struct ctx c = { .p = p };
	enum sc_arch list[MAX_ABIS];
	size_t n_list = 0;
	uint32_t tokens[MAX_ABIS];
	size_t n_tokens;
	cleanup_free struct sock_filter *buf = NULL;
	struct gen g = { 0 };
	int r = 0;

	if (!p || !ret || !ret_len)
		return -EINVAL;
	if (!o)
		o = &defaults;
	if ((unsigned)p->default_action >= _SC_ACT_COUNT ||
	    (unsigned)o->arch_mismatch >= _SC_ACT_COUNT)
		return -EINVAL;
	r = abi_list(p, o, list, &n_list);
	if (r < 0)
		return r;

	c.def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	c.mismatch =
		sc_action_ret(o->arch_mismatch, o->arch_mismatch_data != 0, o->arch_mismatch_data);
	c.enosys = sc_enosys_stub_enabled(p, o);
	for (size_t i = 0; i < n_list; i++) {
		c.n_abis++;
		r = abi_build(p, list[i], c.def, &c.abis[i]);
		if (r < 0)
			goto out;
	}
	n_tokens = arch_tokens(list, n_list, tokens);

	buf = calloc(GEN_CAP, sizeof(*buf));
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	g.v = buf;
	r = emit_program(&g, &c, tokens, n_tokens);
	if (r < 0)
		goto out;
	{
		struct sock_filter *v = malloc(g.n * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(v, buf + GEN_CAP - g.n, g.n * sizeof(*v));
		*ret = v;
		*ret_len = g.n;
	}
out:
	for (size_t i = 0; i < c.n_abis; i++)
		abi_free(&c.abis[i]);
	return r;
}

int sc_compile_profile_for_kernel(const struct sc_profile *p, bool enosys, struct sock_filter **ret,
				  size_t *ret_len)
{
	struct sc_compile_opts o = { .no_enosys = !enosys };
	struct sc_target t = { 0 };
	struct sc_profile *r = NULL;
	int k;

	k = sc_profile_resolve(p, &t, &r);
	if (k < 0)
		return k;
	k = sc_profile_compile(r, &o, ret, ret_len);
	sc_profile_free(r);
	return k;
}
