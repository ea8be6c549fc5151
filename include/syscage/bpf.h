/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp classic BPF: the kernel's checker, an emulator, a disassembler and a reader for
 * raw program files (the format libseccomp's seccomp_export_bpf writes). */
#pragma once

#include <linux/filter.h>  /* struct sock_filter */
#include <linux/seccomp.h> /* struct seccomp_data */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"

/* The kernel's limit on one filter (BPF_MAXINSNS). */
#define SC_BPF_MAXINSNS 4096u

/* Validate a program the way the kernel does for seccomp (seccomp_check_filter +
 * bpf_check_classic): length 1..4096, only the opcodes seccomp allows, 32-bit aligned loads
 * inside struct seccomp_data, no division/modulo by constant 0, jump targets inside the
 * program, scratch memory M[0..15] read only after written on every path, last insn RET.
 * Returns 0, or -EINVAL with a reason "insn N: ..." in 'why' (if why != NULL and why_len > 0). */
int sc_bpf_check(const struct sock_filter *insns, size_t len, char *why, size_t why_len);

/* Whether seccomp accepts this opcode at all (operands aside). */
bool sc_bpf_code_allowed(uint16_t code);

/* Emulate a program that passed sc_bpf_check on 'sd'. On success returns 0, stores the
 * SECCOMP_RET_* value in *ret and the number of instructions executed in *ret_steps (either
 * pointer may be NULL). Returns -EINVAL if the program does not pass the checker. */
int sc_bpf_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *sd,
	       uint32_t *ret, unsigned *ret_steps);

/* sc_bpf_run without the checker, for hot loops over a program that already passed
 * sc_bpf_check (tests, benchmarks). Never reads out of bounds, whatever the program;
 * returns -EINVAL when it meets an instruction the checker would have refused. */
int sc_bpf_run_checked(const struct sock_filter *insns, size_t len, const struct seccomp_data *sd,
		       uint32_t *ret, unsigned *ret_steps);

/* Print one instruction per line: index, mnemonic, operands, and comments resolving loads of
 * seccomp_data fields (nr, arch, args[i].lo/hi with the endianness of the arch last compared,
 * else of arch_hint), arch tokens, syscall numbers and return actions. arch_hint may be
 * _SC_ARCH_INVALID (then the native arch is assumed until an arch compare is seen).
 * Returns 0 or -errno (-EINVAL for an out-of-range length, -EIO on a write error). */
int sc_bpf_disasm(const struct sock_filter *insns, size_t len, enum sc_arch arch_hint, FILE *f);

/* Format one SECCOMP_RET_* value as libseccomp spells actions: "SCMP_ACT_ALLOW",
 * "SCMP_ACT_ERRNO(EPERM)", "SCMP_ACT_TRACE(5)", "SCMP_ACT_KILL_PROCESS", ... into buf.
 * Returns buf. */
const char *sc_bpf_action_str(uint32_t action, char *buf, size_t buf_len);

/* Swap the byte order of every code, k (jt/jf are single bytes) in place. libseccomp's
 * seccomp_export_bpf writes a filter for big-endian arches (mips, parisc, ppc, s390, sheb...)
 * in the target's byte order: swap such a program before checking or emulating it on a
 * little-endian host. */
void sc_bpf_byteswap(struct sock_filter *insns, size_t len);

/* Read a raw program file (array of struct sock_filter, host endianness). On success
 * *ret is a malloc()ed array the caller frees. Returns 0, -EINVAL if the size is 0, not a
 * multiple of 8 or more than 4096 instructions, or -errno from open/read. */
int sc_bpf_read(const char *path, struct sock_filter **ret, size_t *ret_len);
