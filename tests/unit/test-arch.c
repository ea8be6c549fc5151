/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* arch names and tokens, syscall table lookups. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"
#include "tap.h"

START_TEST(arch_spellings)
{
	static const struct {
		const char *s;
		enum sc_arch a;
	} t[] = {
		{ "SCMP_ARCH_X86_64", SC_ARCH_X86_64 },
		{ "x86_64", SC_ARCH_X86_64 },
		{ "amd64", SC_ARCH_X86_64 },
		{ "x86-64", SC_ARCH_X86_64 },
		{ "AMD64", SC_ARCH_X86_64 },
		{ "i386", SC_ARCH_X86 },
		{ "i686", SC_ARCH_X86 },
		{ "SCMP_ARCH_X86", SC_ARCH_X86 },
		{ "x32", SC_ARCH_X32 },
		{ "arm64", SC_ARCH_AARCH64 },
		{ "aarch64", SC_ARCH_AARCH64 },
		{ "ppc64le", SC_ARCH_PPC64LE },
		{ "SCMP_ARCH_PPC64LE", SC_ARCH_PPC64LE },
		{ "c000003e", SC_ARCH_X86_64 },
		{ "0xc000003e", SC_ARCH_X86_64 },
		{ "40000003", SC_ARCH_X86 },
		{ "0xC00000B7", SC_ARCH_AARCH64 },
		{ "mipsel64n32", SC_ARCH_MIPSEL64N32 },
		{ "s390x", SC_ARCH_S390X },
		{ "riscv64", SC_ARCH_RISCV64 },
		{ "loongarch64", SC_ARCH_LOONGARCH64 },
		{ "sheb", SC_ARCH_SHEB },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(sc_arch_from_name(t[i].s) == t[i].a, "%s", t[i].s);
	ck_assert_int_eq(sc_arch_from_name("vax"), -EINVAL);
	ck_assert_int_eq(sc_arch_from_name(""), -EINVAL);
	ck_assert_int_eq(sc_arch_from_name("0xdeadbeef"), -EINVAL);
}
END_TEST

START_TEST(arch_info_consistent)
{
	for_each_arch (a) {
		const struct sc_arch_info *ai = sc_arch_info(a);
		ck_assert_ptr_nonnull(ai);
		ck_assert_int_eq(ai->arch, a);
		ck_assert_int_eq(sc_arch_from_name(ai->scmp_name), a);
		ck_assert_int_eq(sc_arch_from_name(ai->name), a);
		ck_assert(ai->word_bits == 32 || ai->word_bits == 64);
		/* The audit token's 64-bit flag matches the word size, x32 and n32 aside. */
		if (a != SC_ARCH_X32 && a != SC_ARCH_MIPS64N32 && a != SC_ARCH_MIPSEL64N32)
			ck_assert_int_eq(!!(ai->audit_arch & 0x80000000u), ai->word_bits == 64);
		/* ...and its LE flag the endianness. */
		ck_assert_int_eq(!(ai->audit_arch & 0x40000000u), ai->big_endian);
	}
	ck_assert_ptr_null(sc_arch_info(_SC_ARCH_COUNT));
}
END_TEST

START_TEST(audit_tokens)
{
	ck_assert_int_eq(sc_arch_from_audit(0xc000003e, 59), SC_ARCH_X86_64);
	ck_assert_int_eq(sc_arch_from_audit(0xc000003e, 0x40000000u | 59), SC_ARCH_X32);
	ck_assert_int_eq(sc_arch_from_audit(0x40000003, 11), SC_ARCH_X86);
	ck_assert_int_eq(sc_arch_from_audit(0xa0000008, 6000), SC_ARCH_MIPS64N32);
	ck_assert_int_eq(sc_arch_from_audit(0x12345678, 0), -EINVAL);
}
END_TEST

START_TEST(subarches)
{
	enum sc_arch sub[4];
	ck_assert_uint_eq(sc_arch_subarches(SC_ARCH_X86_64, sub, 4), 2);
	ck_assert_int_eq(sub[0], SC_ARCH_X86);
	ck_assert_int_eq(sub[1], SC_ARCH_X32);
	ck_assert_uint_eq(sc_arch_subarches(SC_ARCH_AARCH64, sub, 4), 1);
	ck_assert_int_eq(sub[0], SC_ARCH_ARM);
	ck_assert_uint_eq(sc_arch_subarches(SC_ARCH_RISCV64, sub, 4), 0);
	ck_assert_uint_eq(sc_arch_subarches(SC_ARCH_X86_64, sub, 1), 1);
}
END_TEST

START_TEST(syscall_numbers)
{
	/* Facts from the kernel's own tables. */
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86_64, "read"), 0);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86_64, "openat"), 257);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86_64, "mseal"), 462);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86, "socketcall"), 102);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86, "getpid"), 20);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X32, "read"), 0x40000000);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X32, "rt_sigaction"), 0x40000000 + 512);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_AARCH64, "openat"), 56);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_MIPS, "read"), 4003);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_MIPSEL64, "read"), 5000);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_MIPS64N32, "read"), 6000);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_ARM, "set_tls"), 0xf0005);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_AARCH64, "open"), -ENOSYS);
	ck_assert_int_eq(sc_syscall_from_name(SC_ARCH_X86_64, "no_such_call"), -ENOENT);
	ck_assert_int_eq(sc_syscall_from_name(_SC_ARCH_COUNT, "read"), -EINVAL);
}
END_TEST

START_TEST(syscall_names)
{
	ck_assert_str_eq(sc_syscall_to_name(SC_ARCH_X86_64, 59), "execve");
	ck_assert_str_eq(sc_syscall_to_name(SC_ARCH_X86, 11), "execve");
	ck_assert_str_eq(sc_syscall_to_name(SC_ARCH_X32, 0x40000000u + 520), "execve");
	ck_assert_ptr_null(sc_syscall_to_name(SC_ARCH_X86_64, 0x40000000u + 59));
	ck_assert_ptr_null(sc_syscall_to_name(SC_ARCH_X32, 59));
	ck_assert_str_eq(sc_syscall_to_name(SC_ARCH_MIPS, 4003), "read");
	ck_assert_ptr_null(sc_syscall_to_name(SC_ARCH_MIPS, 3));
	ck_assert_ptr_null(sc_syscall_to_name(SC_ARCH_X86_64, 100000));
}
END_TEST

/* Names are looked up through a hash index, each hit confirmed by the name: every name of
 * the table is known, and a near miss (one more or one less character) is known exactly when
 * the table has it too (statx, readv). */
static bool in_table(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

START_TEST(every_name_known)
{
	const char *const *names;
	size_t n = sc_syscall_all_names(&names);
	char miss[128];

	ck_assert_uint_gt(n, 400);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(sc_syscall_known(names[i]), "%s", names[i]);
		snprintf(miss, sizeof(miss), "%sx", names[i]);
		ck_assert_msg(sc_syscall_known(miss) == in_table(names, n, miss), "%s", miss);
		snprintf(miss, sizeof(miss), "%.*s", (int)strlen(names[i]) - 1, names[i]);
		ck_assert_msg(sc_syscall_known(miss) == in_table(names, n, miss), "%s", miss);
	}
	ck_assert(!sc_syscall_known(""));
	ck_assert(!sc_syscall_known(NULL));
	ck_assert(!sc_syscall_known("READ"));
}
END_TEST

START_TEST(roundtrip_every_arch)
{
	for_each_arch (a) {
		uint32_t nr, prev = 0;
		const char *name;
		size_t n = sc_syscall_count(a);
		ck_assert_uint_gt(n, 250);
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_eq(sc_syscall_by_index(a, i, &nr, &name), 0);
			ck_assert_msg(i == 0 || nr > prev, "numbers sorted on %s",
				      sc_arch_info(a)->name);
			prev = nr;
			ck_assert_str_eq(sc_syscall_to_name(a, nr), name);
			ck_assert_int_eq(sc_syscall_from_name(a, name), (int)nr);
		}
		ck_assert_int_eq(sc_syscall_by_index(a, n, &nr, &name), -ENOENT);
		ck_assert_uint_eq(sc_syscall_max(a), prev);
	}
}
END_TEST

START_TEST(suggestions)
{
	const char *s[3];
	unsigned n = sc_syscall_suggest("opne", s, 3);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(s[0], "open");
	n = sc_syscall_suggest("clock_gettim", s, 3);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(s[0], "clock_gettime");
	ck_assert_uint_eq(sc_syscall_suggest("zzzzzzzzzzzzzzzzzzzz", s, 3), 0);
	ck_assert(sc_syscall_known("mseal"));
	ck_assert(!sc_syscall_known("mseall"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, arch_spellings);
	tcase_add_test(tc, arch_info_consistent);
	tcase_add_test(tc, audit_tokens);
	tcase_add_test(tc, subarches);
	tcase_add_test(tc, syscall_numbers);
	tcase_add_test(tc, syscall_names);
	tcase_add_test(tc, every_name_known);
	tcase_add_test(tc, roundtrip_every_arch);
	tcase_add_test(tc, suggestions);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
