/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Syscall name <-> number for every ABI, from the generated table (kernel 7.1).
 * Lookups are binary searches over static arrays: O(log n), no allocation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

/* Number of the syscall 'name' on 'arch', as the kernel sees it in seccomp_data.nr (mips bases
 * and the x32 bit included). Returns >= 0, or -ENOENT when the name is unknown on every arch,
 * -ENOSYS when it is known elsewhere but not on this arch, -EINVAL for a bad arch. */
int sc_syscall_from_name(enum sc_arch arch, const char *name);

/* Name of syscall 'nr' (as in seccomp_data.nr) on 'arch'; borrowed; NULL when unknown. */
const char *sc_syscall_to_name(enum sc_arch arch, uint32_t nr);

/* Whether 'name' is a syscall on any arch. */
bool sc_syscall_known(const char *name);

/* All syscall names known on any arch, sorted; borrowed. */
size_t sc_syscall_all_names(const char *const **ret);

/* Iterate the syscalls of one arch in number order: index from 0 until it returns -ENOENT. */
int sc_syscall_by_index(enum sc_arch arch, size_t index, uint32_t *ret_nr, const char **ret_name);
size_t sc_syscall_count(enum sc_arch arch);

/* The highest syscall number on 'arch' (ENOSYS cut-off helpers). */
uint32_t sc_syscall_max(enum sc_arch arch);

/* Up to 'max' known names closest to 'name' (edit distance), best first, for "did you mean".
 * Returns how many were written. */
unsigned sc_syscall_suggest(const char *name, const char **ret, unsigned max);

/* Kernel version of the table ("v7.1.0-rc4 ..."). */
const char *sc_syscall_table_version(void);
