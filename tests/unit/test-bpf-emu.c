/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp BPF checker, emulator, disassembler and raw reader; the checker and the
 * emulator compared with the live kernel where seccomp can be used. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "tap.h"
#include "macro.h"

#define S(code, k)	   BPF_STMT((code), (k))
#define J(code, k, jt, jf) BPF_JUMP((code), (k), (jt), (jf))
#define LDW(off)	   S(BPF_LD | BPF_W | BPF_ABS, (off))
#define RETK(v)		   S(BPF_RET | BPF_K, (v))
#define RETA		   S(BPF_RET | BPF_A, 0)
#define ALLOW		   RETK(SECCOMP_RET_ALLOW)
#define OFF_NR		   offsetof(struct seccomp_data, nr)
#define OFF_ARCH	   offsetof(struct seccomp_data, arch)
#define OFF_ARG(i)	   (offsetof(struct seccomp_data, args) + 8 * (i))
#define PROG(...)	   ((const struct sock_filter[]){ __VA_ARGS__ })
#define NPROG(...) \
	(sizeof((const struct sock_filter[]){ __VA_ARGS__ }) / sizeof(struct sock_filter))
#define P(...) PROG(__VA_ARGS__), NPROG(__VA_ARGS__)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LO(i) (OFF_ARG(i))
#define HI(i) (OFF_ARG(i) + 4)
#else
#define LO(i) (OFF_ARG(i) + 4)
#define HI(i) (OFF_ARG(i))
#endif

static struct seccomp_data sd0 = {
	.nr = 59,
	.arch = AUDIT_ARCH_X86_64,
	.instruction_pointer = 0x00007f0012345678ull,
	.args = { 0x1122334455667788ull, 0xffffffff00000001ull, 0, 7, 0x80000000ull, 42 },
};

/* Run a program that must pass the checker; returns its result. */
static uint32_t run_ok(const struct sock_filter *p, size_t n, const struct seccomp_data *sd,
		       unsigned *steps)
{
	char why[256];
	uint32_t r = 0xdeadbeef;
	int e = sc_bpf_check(p, n, why, sizeof(why));

	ck_assert_msg(e == 0, "checker refused: %s", why);
	ck_assert_int_eq(sc_bpf_run(p, n, sd, &r, steps), 0);
	return r;
}

/* ---- the checker: every rule has a program that fails it ---------------------------- */

struct bad {
	const char *what;
	struct sock_filter insns[8];
	size_t len;
	const char *why; /* expected substring of the reason */
};

static const struct bad bad_progs[] = {
	{ "ld h abs", { S(BPF_LD | BPF_H | BPF_ABS, 0), ALLOW }, 2, "insn 0: opcode 0x28" },
	{ "ld b abs", { S(BPF_LD | BPF_B | BPF_ABS, 0), ALLOW }, 2, "insn 0: opcode 0x30" },
	{ "ld w ind", { S(BPF_LD | BPF_W | BPF_IND, 0), ALLOW }, 2, "opcode 0x40" },
	{ "ldx b msh", { S(BPF_LDX | BPF_B | BPF_MSH, 0), ALLOW }, 2, "opcode 0xb1" },
	{ "mod k", { S(BPF_ALU | BPF_MOD | BPF_K, 3), ALLOW }, 2, "opcode 0x94" },
	{ "mod x", { S(BPF_ALU | BPF_MOD | BPF_X, 0), ALLOW }, 2, "opcode 0x9c" },
	{ "ret x", { S(BPF_RET | BPF_X, 0) }, 1, "opcode 0x0e" },
	{ "bogus alu", { S(BPF_ALU | 0xe0 | BPF_K, 0), ALLOW }, 2, "opcode 0xe4" },
	{ "bogus jmp", { J(BPF_JMP | 0x60 | BPF_K, 0, 0, 0), ALLOW }, 2, "opcode 0x65" },
	{ "bogus misc", { S(BPF_MISC | 0x40, 0), ALLOW }, 2, "opcode 0x47" },
	{ "neg with x", { S(BPF_ALU | BPF_NEG | BPF_X, 0), ALLOW }, 2, "opcode 0x8c" },
	{ "unaligned load", { LDW(2), ALLOW }, 2, "insn 0: load offset 2" },
	{ "load past end", { ALLOW, LDW(64), ALLOW }, 3, "insn 1: load offset 64" },
	{ "ancillary load", { LDW(SKF_AD_OFF + SKF_AD_PROTOCOL), ALLOW }, 2, "load offset" },
	{ "div by const 0",
	  { S(BPF_ALU | BPF_DIV | BPF_K, 0), ALLOW },
	  2,
	  "division by constant 0" },
	{ "lsh by 32", { S(BPF_ALU | BPF_LSH | BPF_K, 32), ALLOW }, 2, "shift by constant 32" },
	{ "rsh by 40", { S(BPF_ALU | BPF_RSH | BPF_K, 40), ALLOW }, 2, "shift by constant 40" },
	{ "ld M[16]", { S(BPF_ST, 0), S(BPF_LD | BPF_MEM, 16), ALLOW }, 3, "insn 1: scratch" },
	{ "ldx M[16]", { S(BPF_LDX | BPF_MEM, 16), ALLOW }, 2, "scratch memory index 16" },
	{ "st M[16]", { S(BPF_ST, 16), ALLOW }, 2, "scratch memory index 16" },
	{ "stx M[99]", { S(BPF_STX, 99), ALLOW }, 2, "scratch memory index 99" },
	{ "ja past end", { S(BPF_JMP | BPF_JA, 1), ALLOW }, 2, "insn 0: jump offset 1" },
	{ "ja huge", { ALLOW, S(BPF_JMP | BPF_JA, 0xffffffff), ALLOW }, 3, "insn 1: jump offset" },
	{ "jeq jt past end", { J(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), ALLOW }, 2, "jt 1, jf 0" },
	{ "jgt jf past end",
	  { J(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 5), ALLOW, ALLOW },
	  3,
	  "jt 0, jf 5" },
	{ "jset x past end",
	  { J(BPF_JMP | BPF_JSET | BPF_X, 0, 2, 0), ALLOW, ALLOW },
	  3,
	  "leaves" },
	{ "jge jt 255", { J(BPF_JMP | BPF_JGE | BPF_K, 0, 255, 0), ALLOW }, 2, "leaves" },
	{ "no ret at end", { ALLOW, LDW(0) }, 2, "insn 1: the last instruction must be a return" },
	{ "ends in jump", { J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0) }, 1, "leaves" },
	{ "read unwritten",
	  { S(BPF_LD | BPF_MEM, 3), ALLOW },
	  2,
	  "insn 0: reads scratch memory M[3]" },
	{ "ldx unwritten", { S(BPF_ST, 2), S(BPF_LDX | BPF_MEM, 3), ALLOW }, 3, "M[3]" },
	{ "written on one branch",
	  { LDW(OFF_NR), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), S(BPF_ST, 5),
	    S(BPF_LD | BPF_MEM, 5), RETA },
	  5,
	  "insn 3: reads scratch memory M[5]" },
	{ "written only past ja",
	  { S(BPF_JMP | BPF_JA, 1), S(BPF_STX, 0), S(BPF_LDX | BPF_MEM, 0), ALLOW },
	  4,
	  "insn 2: reads" },
};

static const struct sock_filter big_ok[1] = { ALLOW };

START_TEST(check_rejects)
{
	char why[256];

	for (size_t i = 0; i < ELEMENTSOF(bad_progs); i++) {
		const struct bad *b = &bad_progs[i];
		int r = sc_bpf_check(b->insns, b->len, why, sizeof(why));
		ck_assert_msg(r == -EINVAL, "%s: accepted", b->what);
		ck_assert_msg(strstr(why, b->why), "%s: reason '%s' lacks '%s'", b->what, why,
			      b->why);
		/* The emulator refuses what the checker refuses. */
		ck_assert_int_eq(sc_bpf_run(b->insns, b->len, &sd0, NULL, NULL), -EINVAL);
	}
	/* Length rules. */
	ck_assert_int_eq(sc_bpf_check(big_ok, 0, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "empty"));
	ck_assert_int_eq(sc_bpf_check(NULL, 0, NULL, 0), -EINVAL);
	{
		struct sock_filter *p = calloc(4097, sizeof(*p));
		ck_assert_ptr_nonnull(p);
		for (size_t i = 0; i < 4097; i++)
			p[i] = (struct sock_filter)ALLOW;
		ck_assert_int_eq(sc_bpf_check(p, 4097, why, sizeof(why)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(why, "at most 4096"));
		ck_assert_int_eq(sc_bpf_check(p, 4096, why, sizeof(why)), 0);
		/* A forward jump over 4094 instructions to the last one. */
		p[0] = (struct sock_filter)S(BPF_JMP | BPF_JA, 4094);
		p[4095] = (struct sock_filter)RETK(SECCOMP_RET_ERRNO | 7);
		uint32_t r;
		unsigned steps;
		ck_assert_int_eq(sc_bpf_run(p, 4096, &sd0, &r, &steps), 0);
		ck_assert_uint_eq(r, SECCOMP_RET_ERRNO | 7);
		ck_assert_uint_eq(steps, 2);
		p[0] = (struct sock_filter)S(BPF_JMP | BPF_JA, 4095);
		ck_assert_int_eq(sc_bpf_check(p, 4096, why, sizeof(why)), -EINVAL);
		free(p);
	}
	/* A short reason buffer is truncated, not overrun. */
	char small[8];
	ck_assert_int_eq(sc_bpf_check(bad_progs[0].insns, bad_progs[0].len, small, sizeof(small)),
			 -EINVAL);
	ck_assert_str_eq(small, "insn 0:");
}
END_TEST

struct good {
	const char *what;
	struct sock_filter insns[8];
	size_t len;
};

static const struct good good_progs[] = {
	{ "ret k", { ALLOW }, 1 },
	{ "ret a", { RETA }, 1 },
	{ "ld nr", { LDW(OFF_NR), RETA }, 2 },
	{ "ld last arg word", { LDW(60), RETA }, 2 },
	{ "ld len", { S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_LDX | BPF_W | BPF_LEN, 0), RETA }, 3 },
	{ "imm", { S(BPF_LD | BPF_IMM, 5), S(BPF_LDX | BPF_IMM, 6), RETA }, 3 },
	{ "every alu k",
	  { S(BPF_ALU | BPF_ADD | BPF_K, 1), S(BPF_ALU | BPF_SUB | BPF_K, 1),
	    S(BPF_ALU | BPF_MUL | BPF_K, 3), S(BPF_ALU | BPF_DIV | BPF_K, 3),
	    S(BPF_ALU | BPF_AND | BPF_K, 3), S(BPF_ALU | BPF_OR | BPF_K, 3),
	    S(BPF_ALU | BPF_XOR | BPF_K, 3), RETA },
	  8 },
	{ "every alu x",
	  { S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_ALU | BPF_SUB | BPF_X, 0),
	    S(BPF_ALU | BPF_MUL | BPF_X, 0), S(BPF_ALU | BPF_DIV | BPF_X, 0),
	    S(BPF_ALU | BPF_AND | BPF_X, 0), S(BPF_ALU | BPF_OR | BPF_X, 0),
	    S(BPF_ALU | BPF_XOR | BPF_X, 0), RETA },
	  8 },
	{ "shifts",
	  { S(BPF_ALU | BPF_LSH | BPF_K, 31), S(BPF_ALU | BPF_RSH | BPF_K, 0),
	    S(BPF_ALU | BPF_LSH | BPF_X, 0), S(BPF_ALU | BPF_RSH | BPF_X, 0),
	    S(BPF_ALU | BPF_NEG, 0), RETA },
	  6 },
	{ "tax txa", { S(BPF_MISC | BPF_TAX, 0), S(BPF_MISC | BPF_TXA, 0), RETA }, 3 },
	{ "scratch all paths",
	  { LDW(OFF_NR), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2), S(BPF_ST, 15),
	    S(BPF_JMP | BPF_JA, 1), S(BPF_STX, 15), S(BPF_LD | BPF_MEM, 15),
	    S(BPF_LDX | BPF_MEM, 15), RETA },
	  8 },
	{ "read after ret (kernel quirk)",
	  { S(BPF_ST, 1), ALLOW, S(BPF_LD | BPF_MEM, 1), RETA },
	  4 },
	{ "unreachable read after jump (kernel quirk)",
	  { J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1), S(BPF_LD | BPF_MEM, 0), ALLOW },
	  3 },
	{ "ja to last", { S(BPF_JMP | BPF_JA, 1), ALLOW, ALLOW }, 3 },
	{ "jumps k and x",
	  { J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), J(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0),
	    J(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 0), J(BPF_JMP | BPF_JSET | BPF_X, 0, 1, 1),
	    J(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), ALLOW },
	  6 },
	{ "unreachable code", { ALLOW, S(BPF_ALU | BPF_NEG, 0), RETA }, 3 },
	{ "ld ip", { LDW(8), S(BPF_LDX | BPF_IMM, 0), LDW(12), RETA }, 4 },
};

START_TEST(check_accepts)
{
	char why[256];

	for (size_t i = 0; i < ELEMENTSOF(good_progs); i++) {
		const struct good *g = &good_progs[i];
		int r = sc_bpf_check(g->insns, g->len, why, sizeof(why));
		ck_assert_msg(r == 0, "%s: refused: %s", g->what, why);
		ck_assert_int_eq(sc_bpf_run(g->insns, g->len, &sd0, NULL, NULL), 0);
	}
}
END_TEST

/* ---- the emulator ------------------------------------------------------------------ */

START_TEST(run_loads)
{
	unsigned steps;

	ck_assert_uint_eq(run_ok(P(LDW(OFF_NR), RETA), &sd0, &steps), 59);
	ck_assert_uint_eq(steps, 2);
	ck_assert_uint_eq(run_ok(P(LDW(OFF_ARCH), RETA), &sd0, NULL), AUDIT_ARCH_X86_64);
	ck_assert_uint_eq(run_ok(P(LDW(LO(0)), RETA), &sd0, NULL), 0x55667788);
	ck_assert_uint_eq(run_ok(P(LDW(HI(0)), RETA), &sd0, NULL), 0x11223344);
	ck_assert_uint_eq(run_ok(P(LDW(LO(1)), RETA), &sd0, NULL), 1);
	ck_assert_uint_eq(run_ok(P(LDW(HI(1)), RETA), &sd0, NULL), 0xffffffff);
	ck_assert_uint_eq(run_ok(P(LDW(LO(4)), RETA), &sd0, NULL), 0x80000000);
	ck_assert_uint_eq(run_ok(P(LDW(HI(4)), RETA), &sd0, NULL), 0);
	ck_assert_uint_eq(run_ok(P(LDW(LO(5)), RETA), &sd0, NULL), 42);
	ck_assert_uint_eq(run_ok(P(LDW(HI(5)), RETA), &sd0, NULL), 0);
	ck_assert_uint_eq(run_ok(P(LDW(8), S(BPF_MISC | BPF_TAX, 0), LDW(12), RETA), &sd0, NULL),
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			  0x00007f00
#else
			  0x12345678
#endif
	);
	ck_assert_uint_eq(run_ok(P(S(BPF_LD | BPF_W | BPF_LEN, 0), RETA), &sd0, NULL), 64);
	ck_assert_uint_eq(run_ok(P(S(BPF_LDX | BPF_W | BPF_LEN, 0), S(BPF_MISC | BPF_TXA, 0), RETA),
				 &sd0, NULL),
			  64);
	ck_assert_uint_eq(run_ok(P(S(BPF_LD | BPF_IMM, 0xabcdef01), RETA), &sd0, NULL), 0xabcdef01);
	/* A and X start at 0. */
	ck_assert_uint_eq(run_ok(P(RETA), &sd0, &steps), 0);
	ck_assert_uint_eq(steps, 1);
	ck_assert_uint_eq(run_ok(P(S(BPF_MISC | BPF_TXA, 0), RETA), &sd0, NULL), 0);
}
END_TEST

struct alu_case {
	uint16_t op;
	uint32_t a, operand, want;
};

static const struct alu_case alu_cases[] = {
	{ BPF_ADD, 0xffffffff, 2, 1 },
	{ BPF_ADD, 5, 7, 12 },
	{ BPF_SUB, 1, 2, 0xffffffff },
	{ BPF_SUB, 100, 58, 42 },
	{ BPF_MUL, 0x10000, 0x10000, 0 },
	{ BPF_MUL, 0xffffffff, 3, 0xfffffffd },
	{ BPF_DIV, 100, 7, 14 },
	{ BPF_DIV, 0xffffffff, 0x10000, 0xffff },
	{ BPF_AND, 0xf0f0f0f0, 0xff00ff00, 0xf000f000 },
	{ BPF_OR, 0xf0f0f0f0, 0x0f000000, 0xfff0f0f0 },
	{ BPF_XOR, 0xffff0000, 0xff00ff00, 0x00ffff00 },
	{ BPF_LSH, 1, 31, 0x80000000 },
	{ BPF_LSH, 0x12345678, 4, 0x23456780 },
	{ BPF_LSH, 0x12345678, 0, 0x12345678 },
	{ BPF_RSH, 0x80000000, 31, 1 },
	{ BPF_RSH, 0x87654321, 8, 0x00876543 }, /* logical, not arithmetic */
};

START_TEST(run_alu)
{
	for (size_t i = 0; i < ELEMENTSOF(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		uint32_t rk = run_ok(
			P(S(BPF_LD | BPF_IMM, c->a), S(BPF_ALU | c->op | BPF_K, c->operand), RETA),
			&sd0, NULL);
		uint32_t rx = run_ok(P(S(BPF_LD | BPF_IMM, c->a), S(BPF_LDX | BPF_IMM, c->operand),
				       S(BPF_ALU | c->op | BPF_X, 0), RETA),
				     &sd0, NULL);
		ck_assert_msg(rk == c->want, "case %zu (k): 0x%x != 0x%x", i, rk, c->want);
		ck_assert_msg(rx == c->want, "case %zu (x): 0x%x != 0x%x", i, rx, c->want);
	}
	ck_assert_uint_eq(
		run_ok(P(S(BPF_LD | BPF_IMM, 1), S(BPF_ALU | BPF_NEG, 0), RETA), &sd0, NULL),
		0xffffffff);
	ck_assert_uint_eq(run_ok(P(S(BPF_ALU | BPF_NEG, 0), RETA), &sd0, NULL), 0);
	/* Shifts by X >= 32 use the low 5 bits of X, like the kernel's interpreter and JITs. */
	static const struct {
		uint16_t op;
		uint32_t a, x, want;
	} sh[] = {
		{ BPF_LSH, 1, 32, 1 },
		{ BPF_LSH, 1, 33, 2 },
		{ BPF_LSH, 3, 63, 0x80000000 },
		{ BPF_RSH, 0x80000000, 32, 0x80000000 },
		{ BPF_RSH, 0x80000000, 35, 0x10000000 },
		{ BPF_RSH, 0xff, 0xffffffff, 0 },
	};
	for (size_t i = 0; i < ELEMENTSOF(sh); i++) {
		uint32_t r = run_ok(P(S(BPF_LD | BPF_IMM, sh[i].a), S(BPF_LDX | BPF_IMM, sh[i].x),
				      S(BPF_ALU | sh[i].op | BPF_X, 0), RETA),
				    &sd0, NULL);
		ck_assert_msg(r == sh[i].want, "shift %zu: 0x%x != 0x%x", i, r, sh[i].want);
	}
	/* Division by X == 0 ends the program with 0 (SECCOMP_RET_KILL_THREAD). */
	unsigned steps;
	ck_assert_uint_eq(run_ok(P(S(BPF_LD | BPF_IMM, 9), S(BPF_ALU | BPF_DIV | BPF_X, 0),
				   RETK(SECCOMP_RET_ALLOW)),
				 &sd0, &steps),
			  SECCOMP_RET_KILL_THREAD);
	ck_assert_uint_eq(steps, 2);
}
END_TEST

START_TEST(run_jumps)
{
	/* For each jump op, K and X forms, both outcomes; steps count the path. */
	static const struct {
		uint16_t op;
		uint32_t a, b;
		bool taken;
	} t[] = {
		{ BPF_JEQ, 5, 5, true },	  { BPF_JEQ, 5, 6, false },
		{ BPF_JGT, 6, 5, true },	  { BPF_JGT, 5, 5, false },
		{ BPF_JGT, 0x80000000, 1, true }, /* unsigned */
		{ BPF_JGE, 5, 5, true },	  { BPF_JGE, 4, 5, false },
		{ BPF_JSET, 0x11, 0x10, true },	  { BPF_JSET, 0x11, 0x0e, false },
	};
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		unsigned steps;
		uint32_t rk = run_ok(P(S(BPF_LD | BPF_IMM, t[i].a),
				       J(BPF_JMP | t[i].op | BPF_K, t[i].b, 2, 0),
				       S(BPF_ALU | BPF_ADD | BPF_K, 1), RETK(100), RETK(200)),
				     &sd0, &steps);
		ck_assert_msg(rk == (t[i].taken ? 200u : 100u), "jump %zu k", i);
		ck_assert_uint_eq(steps, t[i].taken ? 3 : 4);
		uint32_t rx = run_ok(P(S(BPF_LDX | BPF_IMM, t[i].b), S(BPF_LD | BPF_IMM, t[i].a),
				       J(BPF_JMP | t[i].op | BPF_X, 0, 1, 0), RETK(100), RETK(200)),
				     &sd0, &steps);
		ck_assert_msg(rx == (t[i].taken ? 200u : 100u), "jump %zu x", i);
		ck_assert_uint_eq(steps, 4);
	}
	unsigned steps;
	ck_assert_uint_eq(
		run_ok(P(S(BPF_JMP | BPF_JA, 2), RETK(1), RETK(2), RETK(3)), &sd0, &steps), 3);
	ck_assert_uint_eq(steps, 2);
	/* A realistic filter: arch check, then nr dispatch, then a 64-bit arg compare. */
	const struct sock_filter f[] = {
		LDW(OFF_ARCH),
		J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RETK(SECCOMP_RET_KILL_PROCESS),
		LDW(OFF_NR),
		J(BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 5),
		LDW(HI(1)),
		J(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 0, 2),
		LDW(LO(1)),
		J(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
		ALLOW,
		RETK(SECCOMP_RET_ERRNO | EPERM),
	};
	ck_assert_uint_eq(run_ok(f, ELEMENTSOF(f), &sd0, &steps), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(steps, 9); /* 0 1 3 4 5 6 7 8 10 */
	struct seccomp_data sd = sd0;
	sd.args[1] = 1;
	ck_assert_uint_eq(run_ok(f, ELEMENTSOF(f), &sd, &steps), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(steps, 7); /* 0 1 3 4 5 6 9 */
	sd.arch = AUDIT_ARCH_I386;
	ck_assert_uint_eq(run_ok(f, ELEMENTSOF(f), &sd, &steps), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(steps, 3);
}
END_TEST

START_TEST(run_scratch)
{
	const struct sock_filter f[] = {
		LDW(OFF_NR),			 /* A = 59 */
		S(BPF_ST, 0),			 /* M[0] = 59 */
		S(BPF_LDX | BPF_IMM, 7),	 /* X = 7 */
		S(BPF_STX, 15),			 /* M[15] = 7 */
		S(BPF_LD | BPF_IMM, 0),		 /* A = 0 */
		S(BPF_LDX | BPF_MEM, 0),	 /* X = 59 */
		S(BPF_LD | BPF_MEM, 15),	 /* A = 7 */
		S(BPF_ALU | BPF_MUL | BPF_X, 0), /* A = 413 */
		S(BPF_MISC | BPF_TAX, 0),	 /* X = 413 */
		S(BPF_LD | BPF_IMM, 1),
		S(BPF_MISC | BPF_TXA, 0), /* A = 413 */
		RETA,
	};
	unsigned steps;
	ck_assert_uint_eq(run_ok(f, ELEMENTSOF(f), &sd0, &steps), 413);
	ck_assert_uint_eq(steps, ELEMENTSOF(f));
	/* Every cell is independent. */
	struct sock_filter g[16 * 2 + 1 + 16 * 2 + 1];
	size_t n = 0;
	for (unsigned i = 0; i < 16; i++) {
		g[n++] = (struct sock_filter)S(BPF_LD | BPF_IMM, 1000 + i);
		g[n++] = (struct sock_filter)S(BPF_ST, i);
	}
	g[n++] = (struct sock_filter)S(BPF_LD | BPF_IMM, 0);
	for (unsigned i = 0; i < 16; i++) {
		g[n++] = (struct sock_filter)S(BPF_LDX | BPF_MEM, i);
		g[n++] = (struct sock_filter)S(BPF_ALU | BPF_ADD | BPF_X, 0);
	}
	g[n++] = (struct sock_filter)RETA;
	ck_assert_uint_eq(n, ELEMENTSOF(g));
	ck_assert_uint_eq(run_ok(g, n, &sd0, NULL), 16 * 1000 + 120);
}
END_TEST

START_TEST(run_unchecked_is_safe)
{
	uint32_t r;
	/* Programs the checker refuses never make sc_bpf_run_checked read out of bounds. */
	ck_assert_int_eq(sc_bpf_run_checked(P(S(BPF_JMP | BPF_JA, 100), ALLOW), &sd0, &r, NULL),
			 -EINVAL);
	ck_assert_int_eq(sc_bpf_run_checked(P(LDW(64), RETA), &sd0, &r, NULL), -EINVAL);
	ck_assert_int_eq(sc_bpf_run_checked(P(S(BPF_LD | BPF_MEM, 16), RETA), &sd0, &r, NULL),
			 -EINVAL);
	ck_assert_int_eq(sc_bpf_run_checked(P(J(BPF_JMP | BPF_JEQ | BPF_K, 0, 200, 200), ALLOW),
					    &sd0, &r, NULL),
			 -EINVAL);
	ck_assert_int_eq(sc_bpf_run_checked(P(LDW(0)), &sd0, &r, NULL), -EINVAL);
	ck_assert_int_eq(
		sc_bpf_run_checked(P(S(BPF_LD | BPF_H | BPF_ABS, 0), ALLOW), &sd0, &r, NULL),
		-EINVAL);
	ck_assert_int_eq(sc_bpf_run_checked(P(LDW(OFF_NR), RETA), &sd0, &r, NULL), 0);
	ck_assert_uint_eq(r, 59);
	ck_assert_int_eq(sc_bpf_run(P(ALLOW), NULL, &r, NULL), -EINVAL);
}
END_TEST

/* ---- raw files --------------------------------------------------------------------- */

static char *write_tmp(const void *data, size_t size)
{
	char *path = strdup("/tmp/test-bpf-emu.XXXXXX");
	int fd = mkostemp(path, O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	if (size)
		ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	return path;
}

START_TEST(read_raw)
{
	const struct sock_filter f[] = { LDW(OFF_NR), J(BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 1),
					 RETK(SECCOMP_RET_ERRNO | EPERM), ALLOW };
	struct sock_filter *p = NULL;
	size_t n = 0;
	char *path = write_tmp(f, sizeof(f));

	ck_assert_int_eq(sc_bpf_read(path, &p, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(p, f, sizeof(f)), 0);
	free(p);
	unlink(path);
	free(path);

	path = write_tmp(f, sizeof(f) - 1); /* not a multiple of 8 */
	p = NULL;
	ck_assert_int_eq(sc_bpf_read(path, &p, &n), -EINVAL);
	ck_assert_ptr_null(p);
	unlink(path);
	free(path);

	path = write_tmp(NULL, 0); /* empty */
	ck_assert_int_eq(sc_bpf_read(path, &p, &n), -EINVAL);
	unlink(path);
	free(path);

	struct sock_filter *big = calloc(4097, sizeof(*big));
	path = write_tmp(big, 4097 * sizeof(*big)); /* too long */
	ck_assert_int_eq(sc_bpf_read(path, &p, &n), -EINVAL);
	unlink(path);
	free(path);
	path = write_tmp(big, 4096 * sizeof(*big)); /* longest allowed */
	ck_assert_int_eq(sc_bpf_read(path, &p, &n), 0);
	ck_assert_uint_eq(n, 4096);
	free(p);
	unlink(path);
	free(path);
	free(big);

	ck_assert_int_eq(sc_bpf_read("/nonexistent/x.bpf", &p, &n), -ENOENT);

	/* Byte order: a big-endian export reads back as the same program once swapped. */
	struct sock_filter sw[ELEMENTSOF(f)];
	memcpy(sw, f, sizeof(f));
	sc_bpf_byteswap(sw, ELEMENTSOF(sw));
	ck_assert_uint_eq(sw[2].k, 0x01000500u);
	ck_assert_uint_eq(sw[1].code, 0x1500u);
	ck_assert_uint_eq(sw[1].jf, 1);
	sc_bpf_byteswap(sw, ELEMENTSOF(sw));
	ck_assert_int_eq(memcmp(sw, f, sizeof(f)), 0);
	ck_assert_int_eq(sc_bpf_read("/tmp", &p, &n), -EISDIR);
}
END_TEST

/* A pipe has no size to trust: the program is judged by what it holds, with the same bounds. */
static int read_from_pipe(const struct sock_filter *v, size_t n, size_t *ret_n)
{
	struct sock_filter *p = NULL;
	char path[64];
	int fds[2], r;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_eq(write(fds[1], v, n * sizeof(*v)), (ssize_t)(n * sizeof(*v)));
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	r = sc_bpf_read(path, &p, ret_n);
	if (r == 0)
		ck_assert_int_eq(memcmp(p, v, n * sizeof(*v)), 0);
	free(p);
	close(fds[0]);
	return r;
}

START_TEST(read_pipe)
{
	struct sock_filter *big = calloc(4097, sizeof(*big));
	size_t n = 0;

	ck_assert_ptr_nonnull(big);
	big[0] = (struct sock_filter)ALLOW;
	ck_assert_int_eq(read_from_pipe(big, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(read_from_pipe(big, 4096, &n), 0); /* longest allowed */
	ck_assert_uint_eq(n, 4096);
	ck_assert_int_eq(read_from_pipe(big, 4097, &n), -EINVAL); /* too long */
	ck_assert_int_eq(read_from_pipe(big, 0, &n), -EINVAL);	  /* empty */
	free(big);
}
END_TEST

/* ---- the disassembler -------------------------------------------------------------- */

static char *disasm(const struct sock_filter *p, size_t n, enum sc_arch hint)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sc_bpf_disasm(p, n, hint, f), 0);
	fclose(f);
	return buf;
}

#define HAS(s, sub) ck_assert_msg(strstr((s), (sub)) != NULL, "missing '%s' in:\n%s", (sub), (s))

START_TEST(disasm_annotates)
{
	const struct sock_filter f[] = {
		/* 0 */ LDW(OFF_ARCH),
		/* 1 */ J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		/* 2 */ J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 11, 12),
		/* 3 */ LDW(OFF_NR),
		/* 4 */ J(BPF_JMP | BPF_JGE | BPF_K, SC_X32_SYSCALL_BIT, 10, 0),
		/* 5 */ J(BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 3),
		/* 6 */ LDW(OFF_ARG(1) + 4),
		/* 7 */ S(BPF_LD | BPF_MEM, 0),
		/* 8 */ S(BPF_ALU | BPF_DIV | BPF_X, 0),
		/* 9 */ J(BPF_JMP | BPF_JEQ | BPF_K, 0x40000000 | 1, 4, 0),
		/* 10 */ S(BPF_JMP | BPF_JA, 3),
		/* 11 */ RETK(SECCOMP_RET_ERRNO | EPERM),
		/* 12 */ RETK(SECCOMP_RET_TRACE | 5),
		/* 13 */ S(BPF_ALU | BPF_MOD | BPF_K, 3),
		/* 14 */ ALLOW,
		/* 15 */ RETK(SECCOMP_RET_KILL_PROCESS),
		/* 16 */ RETA,
	};
	char *s = disasm(f, ELEMENTSOF(f), SC_ARCH_X86_64);
	HAS(s, "0000: ld [arch]\n");
	HAS(s, "0001: jeq #0xc000003e, jt 3, jf 2");
	HAS(s, "; x86_64\n");
	HAS(s, "; aarch64\n");
	HAS(s, "0003: ld [nr]\n");
	HAS(s, "x32 syscall bit");
	/* 0005 is reached only on the x86_64 path: 59 is execve there (pipe2 on aarch64,
	 * the arch compared last in program order). */
	HAS(s, "0005: jeq #0x3b, jt 6, jf 9");
	HAS(s, "; execve\n");
	HAS(s, "0006: ld [args[1].hi]\n");
	HAS(s, "0007: ld M[0]\n");
	HAS(s, "0008: div x\n");
	HAS(s, "0010: ja 14\n");
	HAS(s, "; SCMP_ACT_ERRNO(EPERM)\n");
	HAS(s, "; SCMP_ACT_TRACE(5)\n");
	HAS(s, "0013: mod #0x3 ");
	HAS(s, "; not allowed in seccomp filters\n");
	HAS(s, "; SCMP_ACT_ALLOW\n");
	HAS(s, "; SCMP_ACT_KILL_PROCESS\n");
	HAS(s, "0016: ret a\n");
	free(s);
	/* Range compares on nr (binary-search dispatch) name the bound and the direction. */
	s = disasm(P(LDW(OFF_ARCH), J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
		     LDW(OFF_NR), J(BPF_JMP | BPF_JGE | BPF_K, 257, 0, 0),
		     J(BPF_JMP | BPF_JGT | BPF_K, 100000, 0, 0),
		     J(BPF_JMP | BPF_JGE | BPF_K, SC_X32_SYSCALL_BIT | 59, 0, 0), ALLOW),
		   _SC_ARCH_INVALID);
	HAS(s, "; >= openat\n");
	HAS(s, "; > nr 100000\n");
	HAS(s, "; >= x32 nr 59\n");
	ck_assert_ptr_null(strstr(s, "0017:"));
	free(s);

	/* The x86_64 token with the x32 bit resolves x32 names; big-endian arg halves. */
	const struct sock_filter g[] = {
		LDW(OFF_ARCH),	 J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
		LDW(OFF_NR),	 J(BPF_JMP | BPF_JEQ | BPF_K, SC_X32_SYSCALL_BIT | 520, 0, 1),
		LDW(OFF_ARG(2)), ALLOW,
	};
	s = disasm(g, ELEMENTSOF(g), SC_ARCH_X86_64);
	HAS(s, "; execve (x32)\n");
	HAS(s, "ld [args[2].lo]");
	free(s);
	s = disasm(P(LDW(OFF_ARG(2)), LDW(OFF_ARG(2) + 4), LDW(OFF_NR),
		     J(BPF_JMP | BPF_JEQ | BPF_K, 11, 0, 0), ALLOW),
		   SC_ARCH_S390X);
	HAS(s, "ld [args[2].hi]\n0001: ld [args[2].lo]");
	HAS(s, "; execve\n"); /* 11 on s390x */
	free(s);
	s = disasm(P(LDW(OFF_NR), J(BPF_JMP | BPF_JEQ | BPF_K, 11, 0, 0), LDW(8), LDW(2),
		     S(BPF_LD | BPF_W | BPF_LEN, 0), S(0xff, 0), RETK(0x00010000)),
		   SC_ARCH_X86);
	HAS(s, "; execve\n");
	HAS(s, "ld [ip.lo]");
	HAS(s, "0003: ld [2]");
	HAS(s, "ld #len");
	HAS(s, "unknown action 0x00010000");
	HAS(s, "0005: .insn 0x00ff, 0, 0, 0x00000000");
	HAS(s, "; not a seccomp instruction\n");
	free(s);

	/* Arch by flow: the x86 block is reached only through "arch == i386", even though an
	 * x86_64 compare comes later in program order; names follow the path, not the text. */
	const struct sock_filter h[] = {
		/* 0 */ LDW(OFF_ARCH),
		/* 1 */ J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 3),
		/* 2 */ LDW(OFF_NR),
		/* 3 */ J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 0), /* A is nr here */
		/* 4 */ J(BPF_JMP | BPF_JEQ | BPF_K, 11, 3, 4),
		/* 5 */ J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		/* 6 */ LDW(OFF_NR),
		/* 7 */ J(BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 1),
		/* 8 */ RETK(SECCOMP_RET_ERRNO | EACCES),
		/* 9 */ ALLOW,
	};
	s = disasm(h, ELEMENTSOF(h), _SC_ARCH_INVALID);
	HAS(s, "0003: jeq #0xc000003e, jt 4, jf 4\n"); /* A is nr: no arch note, no i386 name */
	HAS(s, "0004: jeq #0xb, jt 8, jf 9                     ; execve\n");
	HAS(s, "0005: jeq #0xc000003e, jt 6, jf 9              ; x86_64\n");
	HAS(s, "0007: jeq #0x3b, jt 8, jf 9                    ; execve\n");
	HAS(s, "0008: ret #0x0005000d                          ; SCMP_ACT_ERRNO(EACCES)\n");
	free(s);

	ck_assert_int_eq(sc_bpf_disasm(f, 5000, SC_ARCH_X86_64, stdout), -EINVAL);
}
END_TEST

START_TEST(action_strings)
{
	static const struct {
		uint32_t v;
		const char *s;
	} t[] = {
		{ SECCOMP_RET_ALLOW, "SCMP_ACT_ALLOW" },
		{ SECCOMP_RET_KILL_PROCESS, "SCMP_ACT_KILL_PROCESS" },
		{ SECCOMP_RET_KILL_THREAD, "SCMP_ACT_KILL_THREAD" },
		{ SECCOMP_RET_TRAP, "SCMP_ACT_TRAP" },
		{ SECCOMP_RET_ERRNO | EPERM, "SCMP_ACT_ERRNO(EPERM)" },
		{ SECCOMP_RET_ERRNO | ENOSYS, "SCMP_ACT_ERRNO(ENOSYS)" },
		{ SECCOMP_RET_ERRNO | 0, "SCMP_ACT_ERRNO(0)" },
		{ SECCOMP_RET_ERRNO | 5000, "SCMP_ACT_ERRNO(5000, capped to 4095)" },
		{ SECCOMP_RET_USER_NOTIF, "SCMP_ACT_NOTIFY" },
		{ SECCOMP_RET_TRACE | 1234, "SCMP_ACT_TRACE(1234)" },
		{ SECCOMP_RET_LOG, "SCMP_ACT_LOG" },
		{ 0x7ffe0000, "unknown action 0x7ffe0000 (kills the process)" },
	};
	char buf[64];
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		ck_assert_str_eq(sc_bpf_action_str(t[i].v, buf, sizeof(buf)), t[i].s);
}
END_TEST

/* ---- the live kernel --------------------------------------------------------------- */

static const char *kernel_skip_reason;

/* Load the program in a forked child: 1 accepted, 0 refused with EINVAL, -1 other. */
static int kernel_accepts(const struct sock_filter *p, size_t n)
{
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = (struct sock_filter *)p };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(errno == EINVAL ? 42 : 43);
		/* Loaded: whatever the filter does to exit_group, the exit is not 42/43. */
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 42)
		return 0;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 43))
		return -1;
	return 1;
}

static void kernel_probe(void)
{
	const struct sock_filter f[] = { ALLOW };
	const struct sock_filter bad[] = { LDW(2), ALLOW };

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
		kernel_skip_reason = "kernel built without seccomp";
		return;
	}
	if (kernel_accepts(f, 1) != 1 || kernel_accepts(bad, 2) != 0)
		kernel_skip_reason = "seccomp(SECCOMP_SET_MODE_FILTER) unusable here";
}

START_TEST(kernel_agrees_on_check)
{
	char why[256];
	unsigned n = 0, agreed = 0;

	for (size_t i = 0; i < ELEMENTSOF(bad_progs); i++, n++) {
		int k = kernel_accepts(bad_progs[i].insns, bad_progs[i].len);
		int c = sc_bpf_check(bad_progs[i].insns, bad_progs[i].len, why, sizeof(why));
		ck_assert_msg(k >= 0, "%s: kernel load failed oddly", bad_progs[i].what);
		ck_assert_msg(k == (c == 0), "%s: kernel %s, checker %s", bad_progs[i].what,
			      k ? "accepts" : "refuses", c == 0 ? "accepts" : why);
		agreed++;
	}
	for (size_t i = 0; i < ELEMENTSOF(good_progs); i++, n++) {
		int k = kernel_accepts(good_progs[i].insns, good_progs[i].len);
		int c = sc_bpf_check(good_progs[i].insns, good_progs[i].len, why, sizeof(why));
		ck_assert_msg(k == (c == 0), "%s: kernel %s, checker %s", good_progs[i].what,
			      k ? "accepts" : "refuses", c == 0 ? "accepts" : why);
		agreed++;
	}
	/* Every single opcode value with benign operands: the allow list is exactly the kernel's.
	 */
	for (unsigned code = 0; code < 0x100; code++, n++) {
		const struct sock_filter p[] = { S(BPF_ST, 0), J(code, 4, 0, 0), ALLOW };
		int k = kernel_accepts(p, 3);
		int c = sc_bpf_check(p, 3, why, sizeof(why));
		ck_assert_msg(k == (c == 0), "opcode 0x%02x: kernel %s, checker %s", code,
			      k ? "accepts" : "refuses", c == 0 ? "accepts" : why);
		agreed++;
	}
	ck_assert_uint_ge(n, 30);
	ck_assert_uint_eq(agreed, n);
	fprintf(stderr, "# kernel and checker agree on %u programs\n", n);
}
END_TEST

/* Build "if nr == getppid: A = body(args); return ERRNO(A & 0x7ff); else allow", run it in
 * the kernel on a real getppid call with the given args, and compare the errno (or the
 * SIGSYS of a return value 0) with the emulator's result. */
static void kernel_same_result(const struct sock_filter *body, size_t nbody, const uint64_t args[6])
{
	struct sock_filter p[64];
	size_t n = 0;
	struct seccomp_data sd = { .nr = SYS_getppid, .arch = 0 };
	uint32_t ret;
	int pfd[2], status;
	int32_t got = -1;

	ck_assert_uint_le(nbody + 6, ELEMENTSOF(p));
	p[n++] = (struct sock_filter)LDW(OFF_NR);
	p[n++] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0,
				       (uint8_t)(nbody + 3));
	memcpy(p + n, body, nbody * sizeof(*body));
	n += nbody;
	p[n++] = (struct sock_filter)S(BPF_ALU | BPF_AND | BPF_K, 0x7ff);
	p[n++] = (struct sock_filter)S(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO);
	p[n++] = (struct sock_filter)RETA;
	p[n++] = (struct sock_filter)ALLOW;
	memcpy(sd.args, args, sizeof(sd.args));
	ck_assert_int_eq(sc_bpf_run(p, n, &sd, &ret, NULL), 0);

	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sock_fprog prog = { .len = (unsigned short)n, .filter = p };
		int32_t e;
		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(3);
		long r = syscall(SYS_getppid, args[0], args[1], args[2], args[3], args[4], args[5]);
		e = r < 0 ? errno : 0;
		if (write(pfd[1], &e, sizeof(e)) != sizeof(e))
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	ssize_t rd = read(pfd[0], &got, sizeof(got));
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (ret == SECCOMP_RET_KILL_THREAD) {
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
			      "emulator says kill, child status 0x%x", status);
		return;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	ck_assert_int_eq(rd, sizeof(got));
	ck_assert_msg((uint32_t)got == (ret & 0x7ff), "kernel errno %d, emulator %u", got,
		      ret & 0x7ff);
}

START_TEST(kernel_agrees_on_run)
{
#define LO_(i) LDW(LO(i))
#define HI_(i) LDW(HI(i))
#define LDXA   S(BPF_MISC | BPF_TAX, 0)
	static const struct {
		const char *what;
		struct sock_filter b[12];
		size_t n;
	} bodies[] = {
		{ "lsh x", { HI_(1), LDXA, LO_(0), S(BPF_ALU | BPF_LSH | BPF_X, 0) }, 4 },
		{ "rsh x",
		  { LO_(1), LDXA, HI_(0), S(BPF_ALU | BPF_RSH | BPF_X, 0),
		    S(BPF_ALU | BPF_RSH | BPF_K, 16) },
		  5 },
		{ "div x", { LO_(2), LDXA, LO_(0), S(BPF_ALU | BPF_DIV | BPF_X, 0) }, 4 },
		{ "mul sub neg xor",
		  { HI_(0), S(BPF_MISC | BPF_TAX, 0), LO_(3), S(BPF_ALU | BPF_MUL | BPF_X, 0),
		    S(BPF_ALU | BPF_SUB | BPF_K, 12345), S(BPF_ALU | BPF_NEG, 0), S(BPF_ST, 3),
		    LO_(4), S(BPF_LDX | BPF_MEM, 3), S(BPF_ALU | BPF_XOR | BPF_X, 0),
		    S(BPF_ALU | BPF_RSH | BPF_K, 5) },
		  11 },
		{ "len add",
		  { S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_ALU | BPF_ADD | BPF_K, 7),
		    S(BPF_LDX | BPF_W | BPF_LEN, 0), S(BPF_ALU | BPF_ADD | BPF_X, 0) },
		  4 },
		{ "jumps",
		  { LO_(5), S(BPF_MISC | BPF_TAX, 0), HI_(5), J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 2),
		    J(BPF_JMP | BPF_JSET | BPF_K, 0x100, 0, 1), S(BPF_ALU | BPF_OR | BPF_K, 0x400),
		    J(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0), S(BPF_ALU | BPF_ADD | BPF_K, 3) },
		  8 },
	};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned cases = 0;

	for (size_t b = 0; b < ELEMENTSOF(bodies); b++)
		for (unsigned i = 0; i < 12; i++) {
			uint64_t args[6];
			for (unsigned a = 0; a < 6; a++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				args[a] = seed;
			}
			/* Edge values: shift counts 0, 31, 32, 33, 63; divisors 0 and 1. */
			static const uint32_t edges[] = { 0, 31, 32, 33, 63, 1 };
			if (i < ELEMENTSOF(edges)) {
				args[1] = ((uint64_t)edges[i] << 32) | edges[i];
				args[2] = edges[i] == 1 ? 1 : (i == 0 ? 0 : args[2]);
			}
			kernel_same_result(bodies[b].b, bodies[b].n, args);
			cases++;
		}
	fprintf(stderr, "# kernel and emulator agree on %u runs\n", cases);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bpf-emu");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_rejects);
	tcase_add_test(tc, check_accepts);
	tcase_add_test(tc, run_loads);
	tcase_add_test(tc, run_alu);
	tcase_add_test(tc, run_jumps);
	tcase_add_test(tc, run_scratch);
	tcase_add_test(tc, run_unchecked_is_safe);
	tcase_add_test(tc, read_raw);
	tcase_add_test(tc, read_pipe);
	tcase_add_test(tc, disasm_annotates);
	tcase_add_test(tc, action_strings);
	suite_add_tcase(s, tc);

	kernel_probe();
	if (kernel_skip_reason) {
		tap_skip("kernel comparison", "%s", kernel_skip_reason);
	} else {
		TCase *tk = tcase_create("kernel");
		tcase_set_timeout(tk, 120);
		tcase_add_test(tk, kernel_agrees_on_check);
		tcase_add_test(tk, kernel_agrees_on_run);
		suite_add_tcase(s, tk);
	}
	return tap_run(s);
}
