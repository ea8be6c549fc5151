/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Architectures: the names users write, AUDIT_ARCH tokens, word size, endianness,
 * the x32 syscall bit, and which syscall table each ABI uses. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Every ABI libseccomp and the OCI runtime spec know. The order is stable (it is used in
 * generated tables and recorded output). */
enum sc_arch {
	SC_ARCH_X86,
	SC_ARCH_X86_64,
	SC_ARCH_X32,
	SC_ARCH_ARM,
	SC_ARCH_AARCH64,
	SC_ARCH_LOONGARCH64,
	SC_ARCH_M68K,
	SC_ARCH_MIPS,
	SC_ARCH_MIPSEL,
	SC_ARCH_MIPS64,
	SC_ARCH_MIPSEL64,
	SC_ARCH_MIPS64N32,
	SC_ARCH_MIPSEL64N32,
	SC_ARCH_PARISC,
	SC_ARCH_PARISC64,
	SC_ARCH_PPC,
	SC_ARCH_PPC64,
	SC_ARCH_PPC64LE,
	SC_ARCH_RISCV64,
	SC_ARCH_S390,
	SC_ARCH_S390X,
	SC_ARCH_SH,
	SC_ARCH_SHEB,
	_SC_ARCH_COUNT,
	_SC_ARCH_INVALID = -EINVAL,
};

/* The kernel's X32_SYSCALL_BIT: x32 calls arrive as AUDIT_ARCH_X86_64 with this bit set. */
#define SC_X32_SYSCALL_BIT 0x40000000u

struct sc_arch_info {
	enum sc_arch arch;
	const char *scmp_name; /* "SCMP_ARCH_X86_64", as OCI/Docker profiles spell it */
	const char *name;      /* "x86_64", as libseccomp's resolver and uname spell it */
	uint32_t audit_arch;   /* AUDIT_ARCH_* token seen in seccomp_data.arch and audit logs */
	unsigned word_bits;    /* 32 or 64: width of a syscall argument */
	bool big_endian;       /* how a 64-bit argument is laid out in seccomp_data.args[] */
	uint32_t nr_base; /* added to table numbers: mips o32 4000, n64 5000, n32 6000, x32 bit */
	unsigned table;	  /* index of the syscall table this ABI uses (enum sc_table) */
};

/* Borrowed, never NULL for a valid arch. */
const struct sc_arch_info *sc_arch_info(enum sc_arch arch);

/* Accepts every spelling users meet: SCMP_ARCH_X86_64, x86_64, amd64, x86-64, i386, i686, x86,
 * arm64, aarch64, ppc64le, mipsel64n32, the audit token c000003e / 0xc000003e, ...
 * Case-insensitive. Returns the arch or -EINVAL. */
enum sc_arch sc_arch_from_name(const char *name);

/* The ABI of an AUDIT_ARCH token and syscall number: x86_64 with the x32 bit is x32.
 * Returns -EINVAL for unknown tokens. MIPS n32/n64 share no token confusion (distinct tokens). */
enum sc_arch sc_arch_from_audit(uint32_t audit_arch, uint32_t nr);

/* The arch this binary runs on. */
enum sc_arch sc_arch_native(void);

/* Docker's archMap defaults: the sub-architectures a native arch also runs (x86_64: x86, x32;
 * aarch64: arm; ...). Writes up to 'max' entries to 'ret', returns how many. */
unsigned sc_arch_subarches(enum sc_arch arch, enum sc_arch *ret, unsigned max);

/* Iterate over all arches. */
#define for_each_arch(a) for (enum sc_arch a = 0; a < _SC_ARCH_COUNT; a++)
