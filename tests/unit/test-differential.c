/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Differential proof of the compiler: for Docker's default profile, every profile under
 * tests/ and 500+ random profiles, on every arch both libseccomp and our table know, for
 * every syscall number plus unknown and x32-bit numbers and random arguments, three answers
 * must agree: our program (emulated), libseccomp's program for the same profile built the
 * way runc builds it (exported and emulated), and sc_profile_eval.
 *
 * Where libseccomp cannot be the oracle, the case is compared between ours and the model
 * only, and counted:
 *  - names libseccomp 2.5.4 numbers differently or not at all on that arch (newer syscalls);
 *  - socketcall/ipc numbers on arches where libseccomp multiplexes socket and SysV IPC calls
 *    into them (x86, s390, ppc, mips o32 ...): it adds rules runc never wrote;
 *  - syscalls whose rules libseccomp refused (a longer argument rule after a shorter one
 *    with another action: -EEXIST);
 *  - calls where two argument rules with different actions both match (libseccomp picks by
 *    its internal tree order; see compile.h).
 * runc's ENOSYS stub is not libseccomp's: ours is compared with ENOSYS off against
 * libseccomp, and with ENOSYS on against the model. */
#include <check.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "tap.h"

static unsigned long long n_cases, n_mismatch, n_model_only, n_ambiguous, n_same_arg, n_profiles,
	n_lib_broken;

/* ---- libseccomp as runc drives it ----------------------------------------------------- */

static uint32_t lib_arch(enum sc_arch a)
{
	return seccomp_arch_resolve_name(sc_arch_info(a)->name);
}

static uint32_t scmp_act(uint32_t ret)
{
	return ret; /* SCMP_ACT_* values are the SECCOMP_RET_* values */
}

static const char *const multiplexed[] = {
	"socket",      "bind",	     "connect",	   "listen",  "accept",	 "getsockname",
	"getpeername", "socketpair", "send",	   "recv",    "sendto",	 "recvfrom",
	"shutdown",    "setsockopt", "getsockopt", "sendmsg", "recvmsg", "accept4",
	"recvmmsg",    "sendmmsg",   "semop",	   "semget",  "semctl",	 "semtimedop",
	"msgsnd",      "msgrcv",     "msgget",	   "msgctl",  "shmat",	 "shmdt",
	"shmget",      "shmctl",     "socketcall", "ipc",
};

static bool is_multiplexed(const char *n)
{
	for (size_t i = 0; i < sizeof(multiplexed) / sizeof(multiplexed[0]); i++)
		if (strcmp(n, multiplexed[i]) == 0)
			return true;
	return false;
}

/* Per arch: numbers whose comparison with libseccomp is meaningless (see the top). */
struct skipset {
	uint32_t *v;
	size_t n, cap;
};

static void skip_add(struct skipset *s, uint32_t nr)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		ck_assert_ptr_nonnull(s->v);
	}
	s->v[s->n++] = nr;
}

static bool skip_has(const struct skipset *s, uint32_t nr)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == nr)
			return true;
	return false;
}

static void table_skips(enum sc_arch a, struct skipset *s)
{
	const char *const *names;
	size_t n = sc_syscall_all_names(&names);
	int nr;

	for (size_t i = 0; i < n; i++) {
		int ours = sc_syscall_from_name(a, names[i]);
		int theirs = seccomp_syscall_resolve_name_arch(lib_arch(a), names[i]);
		if (theirs < 0)
			theirs = -1;
		if (ours < 0)
			ours = -1;
		if (ours != theirs) {
			if (ours >= 0)
				skip_add(s, (uint32_t)ours);
			if (theirs >= 0)
				skip_add(s, (uint32_t)theirs);
		}
	}
	/* Names libseccomp resolves to one native (pseudo) number: runc's path (resolve on the
	 * native arch, translate per arch) turns one into the other (2.5.4: switch_endian and
	 * sys_debug_setcontext). */
	for (size_t i = 0; i < n; i++) {
		int x = seccomp_syscall_resolve_name(names[i]);
		if (x == __NR_SCMP_ERROR)
			continue;
		for (size_t j = i + 1; j < n; j++) {
			if (seccomp_syscall_resolve_name(names[j]) != x)
				continue;
			for (size_t k = 0; k < 2; k++) {
				const char *nm = k ? names[j] : names[i];
				int o = sc_syscall_from_name(a, nm);
				int t = seccomp_syscall_resolve_name_arch(lib_arch(a), nm);
				if (o >= 0)
					skip_add(s, (uint32_t)o);
				if (t >= 0)
					skip_add(s, (uint32_t)t);
			}
		}
	}
	nr = sc_syscall_from_name(a, "socketcall");
	if (nr >= 0)
		skip_add(s, (uint32_t)nr);
	nr = sc_syscall_from_name(a, "ipc");
	if (nr >= 0)
		skip_add(s, (uint32_t)nr);
}

static bool dump_next;

static bool valid_ret(uint32_t k)
{
	uint32_t act = k & 0xffff0000u;

	switch (act) {
	case 0x00050000u: /* ERRNO */
	case 0x7ff00000u: /* TRACE */
		return true;
	case 0x80000000u: /* KILL_PROCESS */
	case 0x00000000u: /* KILL_THREAD */
	case 0x00030000u: /* TRAP */
	case 0x7fc00000u: /* USER_NOTIF */
	case 0x7ffc0000u: /* LOG */
	case 0x7fff0000u: /* ALLOW */
		return (k & 0xffffu) == 0;
	default:
		return false;
	}
}

static int rule_add(scmp_filter_ctx ctx, uint32_t act, int nr, const struct sc_arg *args, size_t n)
{
	struct scmp_arg_cmp c[6];

	for (size_t i = 0; i < n; i++) {
		c[i] = (struct scmp_arg_cmp){ .arg = args[i].index,
					      .op = (enum scmp_compare)args[i].op,
					      .datum_a = args[i].value,
					      .datum_b = args[i].value_two };
	}
	return seccomp_rule_add_array(ctx, act, nr, (unsigned)n, c);
}

/* Build libseccomp's program for 'p' on 'arches' as runc's matchCall does. Rules libseccomp
 * refuses mark their numbers in 'skip'. Returns the number of instructions in *ret. */
static size_t lib_program(const struct sc_profile *p, const enum sc_arch *arches, size_t n_arches,
			  struct skipset *skip, struct sock_filter **ret)
{
	uint32_t def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	scmp_filter_ctx ctx = seccomp_init(scmp_act(def));
	int fd, r;
	off_t size;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), 0);
	ck_assert_int_eq(seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE), 0);
	for (size_t i = 0; i < n_arches; i++)
		ck_assert_int_eq(seccomp_arch_add(ctx, lib_arch(arches[i])), 0);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *rl = &p->rules[i];
		uint32_t act = sc_action_ret(rl->action, rl->has_errno, rl->errno_ret);
		unsigned seen = 0;
		bool split = false;

		if (act == def)
			continue;
		for (size_t k = 0; k < rl->n_args; k++) {
			split = split || (seen & (1u << rl->args[k].index));
			seen |= 1u << rl->args[k].index;
		}
		for (size_t j = 0; j < rl->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(rl->names[j]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* runc: unknown names are skipped */
			if (split) {
				r = 0;
				for (size_t k = 0; k < rl->n_args && r == 0; k++)
					r = rule_add(ctx, act, nr, &rl->args[k], 1);
			} else {
				r = rule_add(ctx, act, nr, rl->args, rl->n_args);
			}
			if (r < 0) {
				for (size_t a = 0; a < n_arches; a++) {
					int n = sc_syscall_from_name(arches[a], rl->names[j]);
					if (n >= 0)
						skip_add(skip, (uint32_t)n);
				}
			}
		}
	}
	if (dump_next) {
		fflush(stdout);
		(void)seccomp_export_pfc(ctx, 1);
	}
	fd = memfd_create("bpf", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seccomp_export_bpf(ctx, fd), 0);
	size = lseek(fd, 0, SEEK_END);
	ck_assert_int_gt(size, 0);
	*ret = malloc((size_t)size);
	ck_assert_int_eq(pread(fd, *ret, (size_t)size, 0), size);
	close(fd);
	seccomp_release(ctx);
	/* libseccomp exports in the filter's byte order. 2.5.4 writes some RET values of a
	 * big-endian export in host order (seen for the bad-arch RET and RETs placed inline in
	 * long programs): a RET whose value is no action libseccomp emits, while its byte swap
	 * is one, is repaired. */
	if (sc_arch_info(arches[0])->big_endian)
		for (size_t i = 0; i < (size_t)size / sizeof(struct sock_filter); i++) {
			struct sock_filter *f = &(*ret)[i];
			f->code = __builtin_bswap16(f->code);
			f->k = __builtin_bswap32(f->k);
			if (f->code == (BPF_RET | BPF_K) && !valid_ret(f->k) &&
			    valid_ret(__builtin_bswap32(f->k)))
				f->k = __builtin_bswap32(f->k);
		}
	return (size_t)size / sizeof(struct sock_filter);
}

/* libseccomp 2.5.4 sometimes emits an arch block that compares syscall numbers without
 * loading nr first (the accumulator still holds the arch token): seen on random profiles,
 * for one arch and for x86_64+x32. Such a program is wrong, not a reference: detect it. */
static bool lib_program_sane(const struct sock_filter *v, size_t n)
{
	for (size_t pc = 0; pc + 1 < n; pc++) {
		if (v[pc].code != (BPF_LD | BPF_W | BPF_ABS) || v[pc].k != 4)
			continue;
		for (size_t j = pc + 1; j < n && v[j].code == (BPF_JMP | BPF_JEQ | BPF_K); j++) {
			size_t t = j + 1 + v[j].jt;
			if (t >= n)
				return false;
			if (v[t].code == (BPF_RET | BPF_K) || v[t].code == (BPF_JMP | BPF_JA))
				continue;
			if (v[t].code != (BPF_LD | BPF_W | BPF_ABS) || v[t].k != 0)
				return false;
		}
	}
	return true;
}

/* ---- the comparison -------------------------------------------------------------------- */

struct prog {
	struct sock_filter *v;
	size_t n;
};

static uint32_t emulate(const struct prog *pr, uint32_t token, uint32_t nr, const uint64_t a[6])
{
	struct seccomp_data sd = { .nr = (int)nr, .arch = token };
	enum sc_arch abi = sc_arch_from_audit(token, nr);
	uint32_t ret = 0;

	/* seccomp_data as a kernel of the token's endianness fills it: on a big-endian ABI the
	 * word at args[i]+0 is the high half. */
	for (int i = 0; i < 6; i++)
		sd.args[i] = abi >= 0 && sc_arch_info(abi)->big_endian ? (a[i] << 32) | (a[i] >> 32)
								       : a[i];
	ck_assert_int_eq(sc_bpf_run_checked(pr->v, pr->n, &sd, &ret, NULL), 0);
	return ret;
}

/* Does 'nr' have several rule alternatives (rules, or conditions runc splits into rules) that
 * test one argument, not all with EQ? libseccomp 2.5.4 merges them into one tree level and
 * then does not reach every alternative: e.g. (a4 == 0x2b) OR ((a4 & 0x7fffffff) == 0), or
 * (a1 != X) OR (a1 != Y), are false for a4 = 0 and a1 = 0 there. syscage evaluates the OR as
 * written; such syscalls are compared with the model only. Docker's own pattern (several
 * EQ alternatives on one argument) is compared. */
static bool same_arg_alternatives(const struct sc_profile *p, enum sc_arch abi, uint32_t nr)
{
	uint32_t def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	unsigned count[6] = { 0 }, non_eq[6] = { 0 };

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		bool named = false;
		unsigned seen = 0;

		if (sc_action_ret(r->action, r->has_errno, r->errno_ret) == def)
			continue;
		for (size_t j = 0; j < r->n_names && !named; j++)
			named = sc_syscall_from_name(abi, r->names[j]) == (int)nr;
		if (!named)
			continue;
		for (size_t k = 0; k < r->n_args; k++) {
			unsigned x = r->args[k].index;
			if (!(seen & (1u << x)) || count[x] == 0)
				count[x]++;
			else
				count[x]++; /* a split: each condition is its own alternative */
			seen |= 1u << x;
			if (r->args[k].op != SC_CMP_EQ)
				non_eq[x]++;
		}
	}
	for (int x = 0; x < 6; x++)
		if (count[x] >= 2 && non_eq[x] > 0)
			return true;
	return false;
}

/* Do two argument rules with different actions both match (libseccomp's order decides)? */
static bool ambiguous(const struct sc_profile *p, enum sc_arch abi, uint32_t nr,
		      const uint64_t a[6])
{
	uint32_t def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	unsigned bits = sc_arch_info(abi)->word_bits;
	uint32_t first = 0;
	bool have = false;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		uint32_t act = sc_action_ret(r->action, r->has_errno, r->errno_ret);
		bool named = false, match = true;
		/* A default no rule carries, so that the rule is never skipped as redundant. */
		struct sc_profile one = { .default_action = SC_ACT_ERRNO,
					  .has_default_errno = true,
					  .default_errno = 65535 };

		if (act == def)
			continue;
		for (size_t j = 0; j < r->n_names && !named; j++)
			named = sc_syscall_from_name(abi, r->names[j]) == (int)nr;
		if (!named)
			continue;
		if (r->n_args == 0)
			return false; /* unconditional: decides */
		/* Does this one rule match? Ask the model with the rule alone. */
		{
			struct sc_eval e;
			enum sc_arch arches[1] = { abi };
			struct sc_compile_opts o = { .arches = arches,
						     .n_arches = 1,
						     .no_enosys = true };
			one.rules = (struct sc_rule *)r;
			one.n_rules = 1;
			ck_assert_int_eq(sc_profile_eval_raw(&one, &o,
							     sc_arch_info(abi)->audit_arch, nr, a,
							     &e),
					 0);
			match = e.rule == 0;
			(void)bits;
		}
		if (!match)
			continue;
		if (have && first != act)
			return true;
		first = act;
		have = true;
	}
	return false;
}

static uint64_t pool[64];
static size_t n_pool;

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ (uint64_t)random();
}

static void pool_from(const struct sc_profile *p)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 0xffffffffu, 0x100000000ull, 0xffffffffffffffffull, 0x80000000u
	};
	n_pool = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		pool[n_pool++] = fixed[i];
	for (size_t i = 0; i < p->n_rules && n_pool + 6 < 64; i++)
		for (size_t j = 0; j < p->rules[i].n_args && n_pool + 6 < 64; j++) {
			const struct sc_arg *g = &p->rules[i].args[j];
			uint64_t v = g->op == SC_CMP_MASKED_EQ ? g->value_two : g->value;
			pool[n_pool++] = v;
			pool[n_pool++] = v + 1;
			pool[n_pool++] = v - 1;
			pool[n_pool++] = v ^ 0x100000000ull;
			pool[n_pool++] = (v & g->value) | (rnd64() & ~g->value);
		}
}

static void random_args(uint64_t a[6])
{
	for (int i = 0; i < 6; i++)
		a[i] = (random() % 4) ? pool[(size_t)random() % n_pool] : rnd64();
}

struct verdicts {
	const struct sc_profile *p;
	const enum sc_arch *arches;
	size_t n_arches;
	struct prog ours, ours_enosys, lib;
	struct skipset skip;
	const char *what;
	unsigned reported;
	bool lib_sane;
};

static void compare_one(struct verdicts *v, uint32_t token, uint32_t nr, const uint64_t a[6],
			bool same_arg)
{
	struct sc_compile_opts o = { .arches = v->arches,
				     .n_arches = v->n_arches,
				     .no_enosys = true };
	struct sc_compile_opts oe = { .arches = v->arches, .n_arches = v->n_arches };
	struct sc_eval e, ee;
	uint32_t model, model_enosys, ours, ours_enosys, lib;
	enum sc_arch abi;
	bool cmp_lib;

	ck_assert_int_eq(sc_profile_eval_raw(v->p, &o, token, nr, a, &e), 0);
	ck_assert_int_eq(sc_profile_eval_raw(v->p, &oe, token, nr, a, &ee), 0);
	model = sc_action_ret(e.action, true, e.data);
	model_enosys = sc_action_ret(ee.action, true, ee.data);
	if (e.action == SC_ACT_KILL_THREAD || e.action == SC_ACT_KILL)
		model = 0;
	if (ee.action == SC_ACT_KILL_THREAD || ee.action == SC_ACT_KILL)
		model_enosys = 0;
	ours = emulate(&v->ours, token, nr, a);
	ours_enosys = emulate(&v->ours_enosys, token, nr, a);
	lib = emulate(&v->lib, token, nr, a);

	abi = sc_arch_from_audit(token, nr);
	if (token == sc_arch_info(SC_ARCH_X86_64)->audit_arch)
		abi = nr >= SC_X32_SYSCALL_BIT ? SC_ARCH_X32 : SC_ARCH_X86_64;
	cmp_lib = v->lib_sane && !skip_has(&v->skip, nr);
	if (cmp_lib && e.rule >= 0 && ambiguous(v->p, abi, nr, a)) {
		cmp_lib = false;
		n_ambiguous++;
	}
	if (cmp_lib && same_arg) {
		cmp_lib = false;
		n_same_arg++;
	}
	if (!cmp_lib)
		n_model_only++;
	n_cases++;
	if (ours != model || ours_enosys != model_enosys || (cmp_lib && lib != model)) {
		n_mismatch++;
		if (v->reported++ < 10)
			printf("# MISMATCH %s token %#x nr %u args "
			       "%#llx,%#llx,%#llx,%#llx,%#llx,%#llx: model %#x ours %#x "
			       "lib %#x%s | enosys model %#x ours %#x (rule %d)\n",
			       v->what, token, nr, (unsigned long long)a[0],
			       (unsigned long long)a[1], (unsigned long long)a[2],
			       (unsigned long long)a[3], (unsigned long long)a[4],
			       (unsigned long long)a[5], model, ours, lib,
			       cmp_lib ? "" : " (not compared)", model_enosys, ours_enosys, e.rule);
	}
}

static bool named_with_args(const struct sc_profile *p, enum sc_arch abi, uint32_t nr)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].n_args == 0)
			continue;
		for (size_t j = 0; j < p->rules[i].n_names; j++)
			if (sc_syscall_from_name(abi, p->rules[i].names[j]) == (int)nr)
				return true;
	}
	return false;
}

static void query_token(struct verdicts *v, enum sc_arch abi, unsigned samples)
{
	const struct sc_arch_info *ai = sc_arch_info(abi);
	uint32_t max = sc_syscall_max(abi), nr;
	uint32_t extra[] = {
		max + 1,     max + 2,	  max + 100,   ai->nr_base ? ai->nr_base - 1 : 1000,
		0x3fffffffu, 0x40000000u, 0x40000001u, 0x7fffffffu,
		0x80000000u, 0xc0000001u, 0xfffffffeu, 0xffffffffu
	};
	uint64_t a[6] = { 0 };

	pool_from(v->p);
	for (size_t i = 0; sc_syscall_by_index(abi, i, &nr, NULL) == 0; i++) {
		bool args = named_with_args(v->p, abi, nr);
		bool same_arg = args && same_arg_alternatives(v->p, abi, nr);
		memset(a, 0, sizeof(a));
		compare_one(v, ai->audit_arch, nr, a, same_arg);
		for (unsigned s = 0; s < (args ? samples : 1); s++) {
			random_args(a);
			compare_one(v, ai->audit_arch, nr, a, same_arg);
		}
	}
	/* Unknown numbers, x32-bit numbers and the "no syscall" value: no rule names them. */
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		random_args(a);
		compare_one(v, ai->audit_arch, extra[i], a, false);
	}
}

static int lib_known(enum sc_arch a)
{
	return lib_arch(a) != 0;
}

/* Compare all three for 'p' with 'arches' accepted, querying 'abis'. */
static void run_profile(const struct sc_profile *p0, const enum sc_arch *arches, size_t n_arches,
			unsigned samples, const char *what)
{
	struct sc_profile *p = sc_profile_dup(p0);
	struct verdicts v = { .arches = arches, .n_arches = n_arches, .what = what };
	struct sc_compile_opts o = { .arches = arches, .n_arches = n_arches, .no_enosys = true };
	struct sc_compile_opts oe = { .arches = arches, .n_arches = n_arches };
	char why[256];

	ck_assert_ptr_nonnull(p);
	free(p->arches);
	p->arches = malloc(n_arches * sizeof(*p->arches));
	memcpy(p->arches, arches, n_arches * sizeof(*p->arches));
	p->n_arches = n_arches;
	v.p = p;
	ck_assert_int_eq(sc_profile_compile(p, &o, &v.ours.v, &v.ours.n), 0);
	ck_assert_int_eq(sc_profile_compile(p, &oe, &v.ours_enosys.v, &v.ours_enosys.n), 0);
	ck_assert_msg(sc_bpf_check(v.ours.v, v.ours.n, why, sizeof(why)) == 0, "%s: %s", what, why);
	ck_assert_msg(sc_bpf_check(v.ours_enosys.v, v.ours_enosys.n, why, sizeof(why)) == 0,
		      "%s: %s", what, why);
	for (size_t i = 0; i < n_arches; i++)
		table_skips(arches[i], &v.skip);
	v.lib.n = lib_program(p, arches, n_arches, &v.skip, &v.lib.v);
	ck_assert_msg(sc_bpf_check(v.lib.v, v.lib.n, why, sizeof(why)) == 0, "lib %s: %s", what,
		      why);
	v.lib_sane = lib_program_sane(v.lib.v, v.lib.n);
	if (!v.lib_sane)
		n_lib_broken++;

	for (size_t i = 0; i < n_arches; i++)
		query_token(&v, arches[i], samples);
	/* An ABI the profile does not list: the arch check. */
	for_each_arch (x) {
		bool listed = false;
		for (size_t i = 0; i < n_arches; i++)
			listed = listed || arches[i] == x ||
				 sc_arch_info(arches[i])->audit_arch == sc_arch_info(x)->audit_arch;
		if (!listed && lib_known(x)) {
			uint64_t a[6] = { 0 };
			compare_one(&v, sc_arch_info(x)->audit_arch, sc_arch_info(x)->nr_base + 3,
				    a, false);
			break;
		}
	}
	n_profiles++;
	free(v.ours.v);
	free(v.ours_enosys.v);
	free(v.lib.v);
	free(v.skip.v);
	sc_profile_free(p);
}

static const enum sc_arch combos[][3] = {
	{ SC_ARCH_X86_64, SC_ARCH_X86, SC_ARCH_X32 },
	{ SC_ARCH_AARCH64, SC_ARCH_ARM },
	{ SC_ARCH_S390X, SC_ARCH_S390 },
	{ SC_ARCH_MIPSEL64, SC_ARCH_MIPSEL, SC_ARCH_MIPSEL64N32 },
};
static const size_t combo_len[] = { 3, 2, 2, 3 };

static void run_all_arches(const struct sc_profile *p, unsigned samples, const char *what)
{
	char buf[128];

	for_each_arch (a) {
		if (!lib_known(a))
			continue;
		snprintf(buf, sizeof(buf), "%s/%s", what, sc_arch_info(a)->name);
		run_profile(p, &a, 1, samples, buf);
	}
	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/combo%zu", what, i);
		run_profile(p, combos[i], combo_len[i], samples, buf);
	}
}

static void report(const char *what)
{
	printf("# %s: %llu profiles x arch sets, %llu cases, %llu mismatches, %llu compared with "
	       "the "
	       "model only (%llu ambiguous overlaps, %llu same-argument alternatives, %llu "
	       "libseccomp "
	       "programs without the nr load)\n",
	       what, n_profiles, n_cases, n_mismatch, n_model_only, n_ambiguous, n_same_arg,
	       n_lib_broken);
	fflush(stdout);
}

static void reset(void)
{
	n_cases = n_mismatch = n_model_only = n_ambiguous = n_same_arg = n_profiles = 0;
	n_lib_broken = 0;
}

static struct sc_profile *read_resolved(const char *path)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL, *r = NULL;
	struct sc_target t = { .arch = SC_ARCH_X86_64, .has_arch = true };

	if (sc_profile_read_file(path, &d, &p) < 0) {
		sc_diags_clear(&d);
		return NULL;
	}
	sc_diags_clear(&d);
	ck_assert_int_eq(sc_profile_resolve(p, &t, &r), 0);
	sc_profile_free(p);
	return r;
}

/* Where Docker's profile is, or "" when $SYSCAGE_SHARED/data lacks it. */
static void docker_default_path(char *buf, size_t size)
{
	const char *shared = getenv("SYSCAGE_SHARED");

	snprintf(buf, size, "%s/data/docker-default.json", shared ? shared : "");
	if (!shared || access(buf, R_OK) < 0)
		buf[0] = 0;
}

START_TEST(docker_default)
{
	char path[4096];
	struct sc_profile *p;

	docker_default_path(path, sizeof(path));
	reset();
	p = read_resolved(path);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_gt(p->n_rules, 10);
	run_all_arches(p, 8, "docker-default");
	report("docker-default");
	ck_assert_uint_gt(n_cases, 5000);
	ck_assert_uint_eq(n_mismatch, 0);
	sc_profile_free(p);
}
END_TEST

START_TEST(tree_profiles)
{
	const char *src = getenv("SYSCAGE_SRCDIR");
	char cmd[4096], line[4096];
	FILE *f;
	unsigned files = 0;

	ck_assert_ptr_nonnull(src);
	reset();
	snprintf(cmd, sizeof(cmd), "find '%s/tests' -name '*.json' -size -512k | sort", src);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		struct sc_profile *p;
		line[strcspn(line, "\n")] = 0;
		p = read_resolved(line);
		if (!p)
			continue; /* not a profile (or a deliberately bad one) */
		run_all_arches(p, 2, strrchr(line, '/') + 1);
		sc_profile_free(p);
		files++;
	}
	pclose(f);
	printf("# %u profiles under tests/ (other .json files there are not profiles, or are "
	       "deliberately invalid)\n",
	       files);
	report("tests/ profiles");
	ck_assert_uint_eq(n_mismatch, 0);
}
END_TEST

/* ---- random profiles ------------------------------------------------------------------- */

static const char *const *all_names;
static size_t n_all_names;

static enum sc_action rnd_action(bool for_default)
{
	static const enum sc_action acts[] = {
		SC_ACT_KILL_PROCESS, SC_ACT_KILL_THREAD, SC_ACT_KILL,  SC_ACT_TRAP,
		SC_ACT_ERRNO,	     SC_ACT_ERRNO,	 SC_ACT_ERRNO, SC_ACT_TRACE,
		SC_ACT_LOG,	     SC_ACT_ALLOW,	 SC_ACT_ALLOW, SC_ACT_NOTIFY
	};
	enum sc_action a;

	do
		a = acts[(size_t)random() % (sizeof(acts) / sizeof(acts[0]))];
	while (for_default && a == SC_ACT_NOTIFY);
	return a;
}

static uint64_t rnd_value(void)
{
	static const uint64_t v[] = { 0,
				      1,
				      2,
				      3,
				      5,
				      0x10,
				      0xff,
				      0x7fffffff,
				      0x80000000u,
				      0xffffffffu,
				      0x100000000ull,
				      0x100000005ull,
				      0xffffffff00000000ull,
				      0xffffffffffffffffull,
				      0x8000000000000000ull };
	switch (random() % 3) {
	case 0:
		return v[(size_t)random() % (sizeof(v) / sizeof(v[0]))];
	case 1:
		return (uint64_t)(random() % 64);
	default:
		return rnd64();
	}
}

static struct sc_profile *random_profile(void)
{
	struct sc_profile *p = sc_profile_new();
	unsigned n_rules = 1 + (unsigned)(random() % 16);

	ck_assert_ptr_nonnull(p);
	p->default_action = rnd_action(true);
	if (p->default_action == SC_ACT_ERRNO || p->default_action == SC_ACT_TRACE) {
		p->has_default_errno = random() % 4 != 0;
		p->default_errno = random() % 2 ? 38 : (uint32_t)(random() % 4096);
	}
	for (unsigned i = 0; i < n_rules; i++) {
		struct sc_rule *r = sc_profile_add_rule(p, rnd_action(false), NULL, 0);
		unsigned n_names = 1 + (unsigned)(random() % 5), n_args;

		ck_assert_ptr_nonnull(r);
		if (random() % 5 == 0) /* the same action as the default: runc skips it */
			r->action = p->default_action;
		if (r->action == SC_ACT_ERRNO || r->action == SC_ACT_TRACE) {
			r->has_errno = random() % 3 != 0;
			r->errno_ret = (uint32_t)(random() % 200);
			if (r->action == p->default_action && random() % 2) {
				r->has_errno = p->has_default_errno;
				r->errno_ret = p->default_errno;
			}
		}
		for (unsigned j = 0; j < n_names; j++) {
			const char *n;
			do
				n = all_names[(size_t)random() % n_all_names];
			while (is_multiplexed(n));
			/* Reuse names across rules often, so rules overlap. */
			if (i > 0 && random() % 2) {
				const struct sc_rule *o = &p->rules[(size_t)random() % i];
				n = o->names[(size_t)random() % o->n_names];
			}
			ck_assert_int_eq(sc_rule_add_name(r, n), 0);
		}
		n_args = random() % 3 == 0 ? 0 : (unsigned)(random() % 7);
		for (unsigned j = 0; j < n_args; j++) {
			enum sc_cmp op = SC_CMP_NE + (int)(random() % 7);
			uint64_t v = rnd_value(), v2 = rnd_value();
			unsigned idx = (unsigned)(random() % 6);
			if (op == SC_CMP_MASKED_EQ && random() % 2)
				v2 &= v;
			ck_assert_int_eq(sc_rule_add_arg(r, idx, op, v, v2), 0);
		}
	}
	return p;
}

/* Print a profile as TAP comments (SYSCAGE_DIFF_DUMP=N shows random profile N). */
static void dump_profile(const struct sc_profile *p)
{
	printf("# default %s errno %d:%u\n", sc_action_to_string(p->default_action),
	       p->has_default_errno, p->default_errno);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		printf("# rule %zu %s errno %d:%u names", i, sc_action_to_string(r->action),
		       r->has_errno, r->errno_ret);
		for (size_t j = 0; j < r->n_names; j++)
			printf(" %s", r->names[j]);
		for (size_t j = 0; j < r->n_args; j++)
			printf(" [a%u %s %#llx %#llx]", r->args[j].index,
			       sc_cmp_to_string(r->args[j].op),
			       (unsigned long long)r->args[j].value,
			       (unsigned long long)r->args[j].value_two);
		printf("\n");
	}
}

START_TEST(random_profiles)
{
	static const enum sc_arch native_set[] = { SC_ARCH_X86_64, SC_ARCH_X86, SC_ARCH_X32 };
	enum sc_arch lib_arches[_SC_ARCH_COUNT];
	size_t n_lib = 0;
	char what[64];

	srandom(20261123);
	n_all_names = sc_syscall_all_names(&all_names);
	for_each_arch (a)
		if (lib_known(a))
			lib_arches[n_lib++] = a;
	reset();
	for (unsigned i = 0; i < 520; i++) {
		struct sc_profile *p = random_profile();
		enum sc_arch a = lib_arches[(size_t)random() % n_lib];
		snprintf(what, sizeof(what), "random#%u", i);
		if (getenv("SYSCAGE_DIFF_DUMP") && (unsigned)atoi(getenv("SYSCAGE_DIFF_DUMP")) == i)
			dump_profile(p);
		dump_next = getenv("SYSCAGE_DIFF_DUMP") && getenv("SYSCAGE_DIFF_PFC") &&
			    (unsigned)atoi(getenv("SYSCAGE_DIFF_DUMP")) == i;
		run_profile(p, &a, 1, 3, what);
		if (i % 4 == 0)
			run_profile(p, native_set, 3, 2, what);
		sc_profile_free(p);
	}
	report("random profiles");
	ck_assert_uint_ge(n_profiles, 500);
	ck_assert_uint_eq(n_mismatch, 0);
}
END_TEST

/* ---- libseccomp's precedence, verified ------------------------------------------------- */

static uint32_t lib_eval(scmp_filter_ctx ctx, uint32_t nr, uint64_t a0, uint64_t a1)
{
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	struct prog pr;
	off_t size;
	uint64_t a[6] = { a0, a1 };
	uint32_t r;

	ck_assert_int_eq(seccomp_export_bpf(ctx, fd), 0);
	size = lseek(fd, 0, SEEK_END);
	pr.v = malloc((size_t)size);
	pr.n = (size_t)size / sizeof(*pr.v);
	ck_assert_int_eq(pread(fd, pr.v, (size_t)size, 0), size);
	close(fd);
	r = emulate(&pr, sc_arch_info(SC_ARCH_X86_64)->audit_arch, nr, a);
	free(pr.v);
	return r;
}

/* The facts compile.h's precedence rests on, checked against the installed libseccomp. */
START_TEST(libseccomp_precedence)
{
	scmp_filter_ctx c;

	/* An unconditional rule beats an argument rule, added before or after it. */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ALLOW, 1, 1, SCMP_A0(SCMP_CMP_EQ, 5)), 0);
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_KILL_PROCESS, 1, 0), 0);
	ck_assert_uint_eq(lib_eval(c, 1, 5, 0), SCMP_ACT_KILL_PROCESS);
	seccomp_release(c);
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(1), 1, 0), 0);
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(2), 1, 1, SCMP_A0(SCMP_CMP_EQ, 5)), 0);
	ck_assert_uint_eq(lib_eval(c, 1, 5, 0), SCMP_ACT_ERRNO(1));
	seccomp_release(c);
	/* Two unconditional rules: the first wins. */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ALLOW, 1, 0), 0);
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_KILL_PROCESS, 1, 0), 0);
	ck_assert_uint_eq(lib_eval(c, 1, 0, 0), SCMP_ACT_ALLOW);
	seccomp_release(c);
	/* Argument rules on different arguments: the first added wins. */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(2), 1, 1, SCMP_A1(SCMP_CMP_EQ, 7)), 0);
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(1), 1, 1, SCMP_A0(SCMP_CMP_EQ, 5)), 0);
	ck_assert_uint_eq(lib_eval(c, 1, 5, 7), SCMP_ACT_ERRNO(2));
	seccomp_release(c);
	/* A rule with an action equal to the default is refused (runc skips it). */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(38), 1, 0), -EACCES);
	seccomp_release(c);
	/* Two conditions on one argument are refused (runc splits them). */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(1), 1, 2, SCMP_A0(SCMP_CMP_GT, 1),
					  SCMP_A0(SCMP_CMP_LT, 9)),
			 -EINVAL);
	seccomp_release(c);
	/* MASKED_EQ compares the datum masked. */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ERRNO(1), 1, 1,
					  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xff, 0x1ff)),
			 0);
	ck_assert_uint_eq(lib_eval(c, 1, 0xff, 0), SCMP_ACT_ERRNO(1));
	seccomp_release(c);
	/* x32 calls under an x86_64-only filter get the bad-arch action. */
	c = seccomp_init(SCMP_ACT_ERRNO(38));
	ck_assert_int_eq(seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), 0);
	ck_assert_int_eq(seccomp_rule_add(c, SCMP_ACT_ALLOW, 1, 0), 0);
	ck_assert_uint_eq(lib_eval(c, 0x40000001u, 0, 0), SCMP_ACT_KILL_PROCESS);
	ck_assert_uint_eq(lib_eval(c, 0xffffffffu, 0, 0), SCMP_ACT_ERRNO(38));
	seccomp_release(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("differential");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 280);
	/* Its syscall numbers are x86_64's. */
	if (sc_arch_native() == SC_ARCH_X86_64)
		tcase_add_test(tc, libseccomp_precedence);
	else
		tap_skip("libseccomp_precedence", "its syscall numbers are x86_64's, this is %s",
			 sc_arch_info(sc_arch_native())->name);
	{
		char path[4096];
		docker_default_path(path, sizeof(path));
		if (path[0])
			tcase_add_test(tc, docker_default);
		else
			tap_skip("docker_default",
				 "$SYSCAGE_SHARED/data/docker-default.json is missing");
	}
	tcase_add_test(tc, tree_profiles);
	tcase_add_test(tc, random_profiles);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
