/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the seccomp BPF checker, emulator and disassembler.
 * Input: 1 mode byte, 64 bytes of seccomp_data (zero-padded), then the program (8 bytes per
 * instruction). Mode bit 0 repairs the program towards validity, so the emulator is reached
 * often, not only when random bytes happen to pass the checker. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/bpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t allowed[] = {
	BPF_LD | BPF_W | BPF_ABS,
	BPF_LD | BPF_W | BPF_LEN,
	BPF_LDX | BPF_W | BPF_LEN,
	BPF_LD | BPF_IMM,
	BPF_LDX | BPF_IMM,
	BPF_LD | BPF_MEM,
	BPF_LDX | BPF_MEM,
	BPF_ST,
	BPF_STX,
	BPF_ALU | BPF_ADD | BPF_K,
	BPF_ALU | BPF_ADD | BPF_X,
	BPF_ALU | BPF_SUB | BPF_K,
	BPF_ALU | BPF_SUB | BPF_X,
	BPF_ALU | BPF_MUL | BPF_K,
	BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_K,
	BPF_ALU | BPF_DIV | BPF_X,
	BPF_ALU | BPF_AND | BPF_K,
	BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_K,
	BPF_ALU | BPF_OR | BPF_X,
	BPF_ALU | BPF_XOR | BPF_K,
	BPF_ALU | BPF_XOR | BPF_X,
	BPF_ALU | BPF_LSH | BPF_K,
	BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_K,
	BPF_ALU | BPF_RSH | BPF_X,
	BPF_ALU | BPF_NEG,
	BPF_MISC | BPF_TAX,
	BPF_MISC | BPF_TXA,
	BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JEQ | BPF_K,
	BPF_JMP | BPF_JEQ | BPF_X,
	BPF_JMP | BPF_JGT | BPF_K,
	BPF_JMP | BPF_JGT | BPF_X,
	BPF_JMP | BPF_JGE | BPF_K,
	BPF_JMP | BPF_JGE | BPF_X,
	BPF_JMP | BPF_JSET | BPF_K,
	BPF_JMP | BPF_JSET | BPF_X,
	BPF_RET | BPF_K,
	BPF_RET | BPF_A,
};

static void repair(struct sock_filter *p, size_t n)
{
	for (size_t pc = 0; pc < n; pc++) {
		struct sock_filter *f = &p[pc];
		size_t left = n - pc - 1;

		f->code = allowed[f->code % (sizeof(allowed) / sizeof(allowed[0]))];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			f->k = (f->k % 16) * 4;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			f->k %= 16;
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
			f->k = f->k ? f->k : 1;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			f->k %= 32;
			break;
		case BPF_JMP | BPF_JA:
			f->k = left ? f->k % left : 0;
			break;
		default:
			if (BPF_CLASS(f->code) == BPF_JMP) {
				f->jt = left ? (uint8_t)(f->jt % left) : 0;
				f->jf = left ? (uint8_t)(f->jf % left) : 0;
			}
			break;
		}
	}
	p[n - 1].code = (p[n - 1].k & 1) ? (BPF_RET | BPF_A) : (BPF_RET | BPF_K);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct seccomp_data sd = { 0 };
	struct sock_filter *p;
	size_t n;
	char why[128];
	uint32_t r1, r2;
	unsigned s1, s2;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++, size--;
	memcpy(&sd, data, size < sizeof(sd) ? size : sizeof(sd));
	if (size <= sizeof(sd))
		return 0;
	data += sizeof(sd), size -= sizeof(sd);
	n = size / sizeof(struct sock_filter);
	if (n == 0 || n > SC_BPF_MAXINSNS)
		return 0;
	p = malloc(n * sizeof(*p));
	if (!p)
		return 0;
	memcpy(p, data, n * sizeof(*p));
	if (mode & 1)
		repair(p, n);

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (devnull && sc_bpf_disasm(p, n, (enum sc_arch)(mode >> 3) % _SC_ARCH_COUNT, devnull) < 0)
		abort();

	/* Whatever the program, the unchecked runner must stay in bounds. */
	(void)sc_bpf_run_checked(p, n, &sd, NULL, NULL);

	if (sc_bpf_check(p, n, why, sizeof(why)) == 0) {
		if (sc_bpf_run(p, n, &sd, &r1, &s1) != 0)
			abort(); /* a checked program always ends in a return */
		if (s1 == 0 || s1 > n)
			abort(); /* jumps go forward: each instruction runs at most once */
		if (sc_bpf_run_checked(p, n, &sd, &r2, &s2) != 0 || r1 != r2 || s1 != s2)
			abort();
		/* A few more seccomp_data derived from the input. */
		for (unsigned i = 0; i < 4; i++) {
			uint8_t *b = (uint8_t *)&sd;
			for (size_t j = 0; j < sizeof(sd); j++)
				b[j] = (uint8_t)(b[j] * 33u + i + j);
			if (sc_bpf_run(p, n, &sd, &r1, &s1) != 0 || s1 > n)
				abort();
		}
	} else if (sc_bpf_run(p, n, &sd, &r1, &s1) != -EINVAL) {
		abort(); /* the emulator refuses what the checker refuses */
	}
	free(p);
	return 0;
}
