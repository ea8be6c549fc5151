/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp classic BPF: the kernel's load-time checker (bpf_check_basics, bpf_check_classic,
 * seccomp_check_filter, check_load_and_stores), an emulator with the run-time semantics of
 * the kernel's cBPF -> eBPF translation, and a reader for raw program files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "base/install.h"
#include "macro.h"

#define SECCOMP_DATA_SIZE ((uint32_t)sizeof(struct seccomp_data))

_printf_(4, 5) static int fail(char *why, size_t why_len, size_t pc, const char *fmt, ...)
{
	if (why && why_len > 0) {
		va_list ap;
		int n = snprintf(why, why_len, "insn %zu: ", pc);

		if (n >= 0 && (size_t)n < why_len) {
			va_start(ap, fmt);
			(void)vsnprintf(why + n, why_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static bool is_cond_jump(uint16_t code)
{
	switch (code) {
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	}
	return false;
}

/* The opcodes seccomp_check_filter lets through (before its rewrites). */
bool sc_bpf_code_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
		return true;
	}
	return is_cond_jump(code);
}

int sc_bpf_check(const struct sock_filter *insns, size_t len, char *why, size_t why_len)
{
	uint16_t masks[SC_BPF_MAXINSNS], memvalid = 0; /* nothing written at the start */

	if (why && why_len > 0)
		why[0] = '\0';
	if (!insns || len == 0)
		return fail(why, why_len, 0, "empty program");
	if (len > SC_BPF_MAXINSNS)
		return fail(why, why_len, SC_BPF_MAXINSNS,
			    "program has %zu instructions, the kernel allows at most %u", len,
			    SC_BPF_MAXINSNS);

	/* Per-instruction rules, in the kernel's order: generic classic checks first
	 * (division by constant zero, shift by constant >= 32, scratch index, jump bounds),
	 * then seccomp's opcode allow list and seccomp_data bounds. The first failing
	 * instruction is reported. */
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];

		if (!sc_bpf_code_allowed(f->code))
			return fail(why, why_len, pc,
				    "opcode 0x%02x is not allowed in seccomp filters", f->code);
		switch (f->code) {
		case BPF_ALU | BPF_DIV | BPF_K:
			if (f->k == 0)
				return fail(why, why_len, pc, "division by constant 0");
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (f->k >= 32)
				return fail(why, why_len, pc, "shift by constant %u (must be < 32)",
					    f->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return fail(why, why_len, pc,
					    "scratch memory index %u out of range (M[0..%d])", f->k,
					    BPF_MEMWORDS - 1);
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= len - pc - 1)
				return fail(why, why_len, pc,
					    "jump offset %u leaves the program (%zu instructions)",
					    f->k, len);
			break;
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k >= SECCOMP_DATA_SIZE || (f->k & 3))
				return fail(why, why_len, pc,
					    "load offset %u is not an aligned 32-bit word inside "
					    "seccomp_data (0..%u, multiple of 4)",
					    f->k, SECCOMP_DATA_SIZE - 4);
			break;
		default:
			if (is_cond_jump(f->code) &&
			    (pc + f->jt + 1 >= len || pc + f->jf + 1 >= len))
				return fail(
					why, why_len, pc,
					"conditional jump (jt %u, jf %u) leaves the program (%zu "
					"instructions)",
					f->jt, f->jf, len);
			break;
		}
	}

	if (insns[len - 1].code != (BPF_RET | BPF_K) && insns[len - 1].code != (BPF_RET | BPF_A))
		return fail(why, why_len, len - 1, "the last instruction must be a return");

	/* Scratch memory: a cell may be read only if it is written on every path that
	 * reaches the read. Jumps go forward only, so one pass suffices: the state flowing
	 * into an instruction is the intersection over its predecessors. Like the kernel,
	 * the state after a return still flows into the next instruction. */
	memset(masks, 0xff, len * sizeof(masks[0]));
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];

		memvalid &= masks[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			memvalid |= (uint16_t)(1u << f->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(memvalid & (1u << f->k)))
				return fail(
					why, why_len, pc,
					"reads scratch memory M[%u] that is not written on every "
					"path before it",
					f->k);
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= memvalid;
			memvalid = 0xffff;
			break;
		default:
			if (is_cond_jump(f->code)) {
				masks[pc + 1 + f->jt] &= memvalid;
				masks[pc + 1 + f->jf] &= memvalid;
				memvalid = 0xffff;
			}
			break;
		}
	}
	return 0;
}

/* Run-time semantics follow the kernel's translation to eBPF: A and X start at 0, all
 * arithmetic is 32-bit unsigned, a shift by X uses the low 5 bits of X (the interpreter
 * masks, the JITs' 32-bit shifts do too), division by X == 0 ends the program with 0
 * (SECCOMP_RET_KILL_THREAD), loads read host-endian words of seccomp_data. */
static int run(const struct sock_filter *insns, size_t len, const struct seccomp_data *sd,
	       uint32_t *ret, unsigned *ret_steps)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };
	unsigned steps = 0;
	size_t pc = 0;

	while (pc < len) {
		const struct sock_filter *f = &insns[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? X : f->k;

		steps++;
		pc++;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k >= SECCOMP_DATA_SIZE || (f->k & 3))
				return -EINVAL;
			memcpy(&A, (const uint8_t *)sd + f->k, sizeof(A));
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			A = SECCOMP_DATA_SIZE;
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			X = SECCOMP_DATA_SIZE;
			break;
		case BPF_LD | BPF_IMM:
			A = f->k;
			break;
		case BPF_LDX | BPF_IMM:
			X = f->k;
			break;
		case BPF_LD | BPF_MEM:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			A = M[f->k];
			break;
		case BPF_LDX | BPF_MEM:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			X = M[f->k];
			break;
		case BPF_ST:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			M[f->k] = A;
			break;
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			M[f->k] = X;
			break;
		case BPF_MISC | BPF_TAX:
			X = A;
			break;
		case BPF_MISC | BPF_TXA:
			A = X;
			break;
		case BPF_ALU | BPF_ADD | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_X:
			A += src;
			break;
		case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_SUB | BPF_X:
			A -= src;
			break;
		case BPF_ALU | BPF_MUL | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_X:
			A *= src;
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_DIV | BPF_X:
			if (src == 0) {
				if (ret)
					*ret = 0;
				if (ret_steps)
					*ret_steps = steps;
				return 0;
			}
			A /= src;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_AND | BPF_X:
			A &= src;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
		case BPF_ALU | BPF_OR | BPF_X:
			A |= src;
			break;
		case BPF_ALU | BPF_XOR | BPF_K:
		case BPF_ALU | BPF_XOR | BPF_X:
			A ^= src;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_LSH | BPF_X:
			A <<= (src & 31);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_X:
			A >>= (src & 31);
			break;
		case BPF_ALU | BPF_NEG:
			A = -A;
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= len - pc)
				return -EINVAL;
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
			pc += A == src ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_X:
			pc += A > src ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_X:
			pc += A >= src ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_X:
			pc += (A & src) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
			if (ret)
				*ret = f->code == (BPF_RET | BPF_A) ? A : f->k;
			if (ret_steps)
				*ret_steps = steps;
			return 0;
		default:
			return -EINVAL;
		}
	}
	/* Fell off the end or jumped past it: a checked program cannot. */
	return -EINVAL;
}

int sc_bpf_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *sd,
	       uint32_t *ret, unsigned *ret_steps)
{
	int r;

	if (!sd)
		return -EINVAL;
	r = sc_bpf_check(insns, len, NULL, 0);
	if (r < 0)
		return r;
	return run(insns, len, sd, ret, ret_steps);
}

int sc_bpf_run_checked(const struct sock_filter *insns, size_t len, const struct seccomp_data *sd,
		       uint32_t *ret, unsigned *ret_steps)
{
	if (!insns || !sd || len == 0 || len > SC_BPF_MAXINSNS)
		return -EINVAL;
	return run(insns, len, sd, ret, ret_steps);
}

void sc_bpf_byteswap(struct sock_filter *insns, size_t len)
{
	for (size_t i = 0; insns && i < len; i++) {
		insns[i].code = __builtin_bswap16(insns[i].code);
		insns[i].k = __builtin_bswap32(insns[i].k);
	}
}

int sc_bpf_read(const char *path, struct sock_filter **ret, size_t *ret_len)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	if (!path || !ret || !ret_len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* Judged by what the file holds, not by st_size (pipes, files whose st_size lies). */
	r = sc_read_fd(fd, (size_t)SC_BPF_MAXINSNS * sizeof(struct sock_filter), &buf, &got);
	if (r == -EFBIG)
		return -EINVAL;
	if (r < 0)
		return r;
	if (got == 0 || got % sizeof(struct sock_filter) != 0)
		return -EINVAL;
	*ret_len = got / sizeof(struct sock_filter);
	*ret = (struct sock_filter *)TAKE_PTR(buf);
	return 0;
}
