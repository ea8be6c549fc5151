/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the arch table: names in every spelling, AUDIT_ARCH tokens, word size, endianness,
 * syscall-number bases and Docker's default sub-architectures. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "syscage/arch.h"
#include "macro.h"
#include "base/syscalls-table.h"

/* AUDIT_ARCH_* from <linux/audit.h>: EM_* | 64BIT(0x80000000) | LE(0x40000000) [| MIPS N32]. */
static const struct sc_arch_info arches[_SC_ARCH_COUNT] = {
	[SC_ARCH_X86] = { SC_ARCH_X86, "SCMP_ARCH_X86", "x86", 0x40000003, 32, false, 0,
			  SC_TABLE_X86 },
	[SC_ARCH_X86_64] = { SC_ARCH_X86_64, "SCMP_ARCH_X86_64", "x86_64", 0xc000003e, 64, false, 0,
			     SC_TABLE_X86_64 },
	[SC_ARCH_X32] = { SC_ARCH_X32, "SCMP_ARCH_X32", "x32", 0xc000003e, 32, false,
			  SC_X32_SYSCALL_BIT, SC_TABLE_X32 },
	[SC_ARCH_ARM] = { SC_ARCH_ARM, "SCMP_ARCH_ARM", "arm", 0x40000028, 32, false, 0,
			  SC_TABLE_ARM },
	[SC_ARCH_AARCH64] = { SC_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "aarch64", 0xc00000b7, 64,
			      false, 0, SC_TABLE_AARCH64 },
	[SC_ARCH_LOONGARCH64] = { SC_ARCH_LOONGARCH64, "SCMP_ARCH_LOONGARCH64", "loongarch64",
				  0xc0000102, 64, false, 0, SC_TABLE_LOONGARCH64 },
	[SC_ARCH_M68K] = { SC_ARCH_M68K, "SCMP_ARCH_M68K", "m68k", 0x00000004, 32, true, 0,
			   SC_TABLE_M68K },
	[SC_ARCH_MIPS] = { SC_ARCH_MIPS, "SCMP_ARCH_MIPS", "mips", 0x00000008, 32, true, 4000,
			   SC_TABLE_MIPS },
	[SC_ARCH_MIPSEL] = { SC_ARCH_MIPSEL, "SCMP_ARCH_MIPSEL", "mipsel", 0x40000008, 32, false,
			     4000, SC_TABLE_MIPS },
	[SC_ARCH_MIPS64] = { SC_ARCH_MIPS64, "SCMP_ARCH_MIPS64", "mips64", 0x80000008, 64, true,
			     5000, SC_TABLE_MIPS64 },
	[SC_ARCH_MIPSEL64] = { SC_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64", "mipsel64", 0xc0000008, 64,
			       false, 5000, SC_TABLE_MIPS64 },
	[SC_ARCH_MIPS64N32] = { SC_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32", "mips64n32", 0xa0000008,
				32, true, 6000, SC_TABLE_MIPS64N32 },
	[SC_ARCH_MIPSEL64N32] = { SC_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32", "mipsel64n32",
				  0xe0000008, 32, false, 6000, SC_TABLE_MIPS64N32 },
	[SC_ARCH_PARISC] = { SC_ARCH_PARISC, "SCMP_ARCH_PARISC", "parisc", 0x0000000f, 32, true, 0,
			     SC_TABLE_PARISC },
	[SC_ARCH_PARISC64] = { SC_ARCH_PARISC64, "SCMP_ARCH_PARISC64", "parisc64", 0x8000000f, 64,
			       true, 0, SC_TABLE_PARISC64 },
	[SC_ARCH_PPC] = { SC_ARCH_PPC, "SCMP_ARCH_PPC", "ppc", 0x00000014, 32, true, 0,
			  SC_TABLE_PPC },
	[SC_ARCH_PPC64] = { SC_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64", 0x80000015, 64, true, 0,
			    SC_TABLE_PPC64 },
	[SC_ARCH_PPC64LE] = { SC_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le", 0xc0000015, 64,
			      false, 0, SC_TABLE_PPC64 },
	[SC_ARCH_RISCV64] = { SC_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64", 0xc00000f3, 64,
			      false, 0, SC_TABLE_RISCV64 },
	[SC_ARCH_S390] = { SC_ARCH_S390, "SCMP_ARCH_S390", "s390", 0x00000016, 32, true, 0,
			   SC_TABLE_S390 },
	[SC_ARCH_S390X] = { SC_ARCH_S390X, "SCMP_ARCH_S390X", "s390x", 0x80000016, 64, true, 0,
			    SC_TABLE_S390X },
	[SC_ARCH_SH] = { SC_ARCH_SH, "SCMP_ARCH_SH", "sh", 0x4000002a, 32, false, 0, SC_TABLE_SH },
	[SC_ARCH_SHEB] = { SC_ARCH_SHEB, "SCMP_ARCH_SHEB", "sheb", 0x0000002a, 32, true, 0,
			   SC_TABLE_SH },
};

/* Spellings other than "SCMP_ARCH_<NAME>" and "<name>" that users, uname, Go and Debian use. */
static const struct {
	const char *alias;
	enum sc_arch arch;
} aliases[] = {
	{ "i386", SC_ARCH_X86 },
	{ "i486", SC_ARCH_X86 },
	{ "i586", SC_ARCH_X86 },
	{ "i686", SC_ARCH_X86 },
	{ "ia32", SC_ARCH_X86 },
	{ "386", SC_ARCH_X86 },
	{ "amd64", SC_ARCH_X86_64 },
	{ "x86-64", SC_ARCH_X86_64 },
	{ "x64", SC_ARCH_X86_64 },
	{ "arm64", SC_ARCH_AARCH64 },
	{ "armv7l", SC_ARCH_ARM },
	{ "armhf", SC_ARCH_ARM },
	{ "armel", SC_ARCH_ARM },
	{ "armv6l", SC_ARCH_ARM },
	{ "loong64", SC_ARCH_LOONGARCH64 },
	{ "ppc64el", SC_ARCH_PPC64LE },
	{ "powerpc", SC_ARCH_PPC },
	{ "powerpc64", SC_ARCH_PPC64 },
	{ "powerpc64le", SC_ARCH_PPC64LE },
	{ "mips64el", SC_ARCH_MIPSEL64 },
	{ "mipsle", SC_ARCH_MIPSEL },
	{ "mips64le", SC_ARCH_MIPSEL64 },
	{ "hppa", SC_ARCH_PARISC },
	{ "hppa64", SC_ARCH_PARISC64 },
	{ "riscv", SC_ARCH_RISCV64 },
	{ "x86_32", SC_ARCH_X86 },
	{ "sh4", SC_ARCH_SH },
	{ "sheb", SC_ARCH_SHEB },
};

const struct sc_arch_info *sc_arch_info(enum sc_arch arch)
{
	if ((unsigned)arch >= _SC_ARCH_COUNT)
		return NULL;
	return &arches[arch];
}

static bool parse_hex_token(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (strncasecmp(s, "0x", 2) == 0)
		s += 2;
	if (strlen(s) != 8)
		return false;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

enum sc_arch sc_arch_from_name(const char *name)
{
	uint32_t token;

	if (!name || !*name)
		return _SC_ARCH_INVALID;
	for_each_arch (a) {
		if (strcasecmp(name, arches[a].scmp_name) == 0 ||
		    strcasecmp(name, arches[a].name) == 0)
			return a;
	}
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			return aliases[i].arch;
	/* An audit token names an ABI, except x86_64's which also carries x32 (told apart by nr).
	 */
	if (parse_hex_token(name, &token))
		return sc_arch_from_audit(token, 0);
	return _SC_ARCH_INVALID;
}

enum sc_arch sc_arch_from_audit(uint32_t audit_arch, uint32_t nr)
{
	if (audit_arch == arches[SC_ARCH_X86_64].audit_arch)
		return (nr & SC_X32_SYSCALL_BIT) ? SC_ARCH_X32 : SC_ARCH_X86_64;
	for_each_arch (a) {
		if (a != SC_ARCH_X32 && arches[a].audit_arch == audit_arch)
			return a;
	}
	return _SC_ARCH_INVALID;
}

enum sc_arch sc_arch_native(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return SC_ARCH_X32;
#elif defined(__x86_64__)
	return SC_ARCH_X86_64;
#elif defined(__i386__)
	return SC_ARCH_X86;
#elif defined(__aarch64__)
	return SC_ARCH_AARCH64;
#elif defined(__arm__)
	return SC_ARCH_ARM;
#elif defined(__loongarch64)
	return SC_ARCH_LOONGARCH64;
#elif defined(__m68k__)
	return SC_ARCH_M68K;
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI64
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? SC_ARCH_MIPS64 : SC_ARCH_MIPSEL64;
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_NABI32
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? SC_ARCH_MIPS64N32 : SC_ARCH_MIPSEL64N32;
#elif defined(__mips__)
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? SC_ARCH_MIPS : SC_ARCH_MIPSEL;
#elif defined(__hppa64__)
	return SC_ARCH_PARISC64;
#elif defined(__hppa__)
	return SC_ARCH_PARISC;
#elif defined(__powerpc64__)
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? SC_ARCH_PPC64 : SC_ARCH_PPC64LE;
#elif defined(__powerpc__)
	return SC_ARCH_PPC;
#elif defined(__riscv) && __riscv_xlen == 64
	return SC_ARCH_RISCV64;
#elif defined(__s390x__)
	return SC_ARCH_S390X;
#elif defined(__s390__)
	return SC_ARCH_S390;
#elif defined(__sh__)
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? SC_ARCH_SHEB : SC_ARCH_SH;
#else
#error "unsupported architecture"
#endif
}

/* Docker's default archMap (moby profiles/seccomp/default.json). */
unsigned sc_arch_subarches(enum sc_arch arch, enum sc_arch *ret, unsigned max)
{
	static const struct {
		enum sc_arch arch;
		enum sc_arch sub[2];
		unsigned n;
	} map[] = {
		{ SC_ARCH_X86_64, { SC_ARCH_X86, SC_ARCH_X32 }, 2 },
		{ SC_ARCH_AARCH64, { SC_ARCH_ARM }, 1 },
		{ SC_ARCH_MIPS64, { SC_ARCH_MIPS, SC_ARCH_MIPS64N32 }, 2 },
		{ SC_ARCH_MIPS64N32, { SC_ARCH_MIPS, SC_ARCH_MIPS64 }, 2 },
		{ SC_ARCH_MIPSEL64, { SC_ARCH_MIPSEL, SC_ARCH_MIPSEL64N32 }, 2 },
		{ SC_ARCH_MIPSEL64N32, { SC_ARCH_MIPSEL, SC_ARCH_MIPSEL64 }, 2 },
		{ SC_ARCH_S390X, { SC_ARCH_S390 }, 1 },
	};
	unsigned n = 0;

	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		if (map[i].arch != arch)
			continue;
		for (unsigned j = 0; j < map[i].n && n < max; j++)
			ret[n++] = map[i].sub[j];
	}
	return n;
}
