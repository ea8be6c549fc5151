/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns syscall name <-> number lookups over the generated table: names through a hash index
 * made once (static, no allocation; a policy's 20 names cost 20 lookups, 10,000 policies a
 * pass), numbers by binary search; borrowed strings. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscalls.h"
#include "macro.h"
#include "base/hash.h"
#include "base/syscalls-table.h"

/* Open addressing, at most half full: slot = 1 + index into sc_names, 0 = empty. */
#define NAME_SLOTS 1024
_Static_assert(2 * SC_N_NAMES <= NAME_SLOTS, "the name index must stay at most half full");
_Static_assert(SC_N_NAMES < UINT16_MAX, "slots hold 16-bit indices");

static uint16_t name_slot[NAME_SLOTS];
static uint32_t name_hash[NAME_SLOTS];
static pthread_once_t name_once = PTHREAD_ONCE_INIT;

static void name_index_init(void)
{
	for (size_t i = 0; i < SC_N_NAMES; i++) {
		uint32_t h = sc_fnv32_str(sc_names[i]);
		size_t k = h & (NAME_SLOTS - 1);
		while (name_slot[k])
			k = (k + 1) & (NAME_SLOTS - 1);
		name_slot[k] = (uint16_t)(i + 1);
		name_hash[k] = h;
	}
}

static int name_index(const char *name)
{
	uint32_t h;
	size_t k;

	if (!name)
		return -1;
	(void)pthread_once(&name_once, name_index_init);
	h = sc_fnv32_str(name);
	for (k = h & (NAME_SLOTS - 1); name_slot[k]; k = (k + 1) & (NAME_SLOTS - 1))
		if (name_hash[k] == h && streq(sc_names[name_slot[k] - 1], name))
			return name_slot[k] - 1;
	return -1;
}

bool sc_syscall_known(const char *name)
{
	return name_index(name) >= 0;
}

int sc_syscall_from_name(enum sc_arch arch, const char *name)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	int i;
	int32_t nr;

	if (!ai)
		return -EINVAL;
	i = name_index(name);
	if (i < 0)
		return -ENOENT;
	nr = sc_numbers[ai->table][i];
	if (nr < 0)
		return -ENOSYS;
	return (int)(ai->nr_base + (uint32_t)nr);
}

static const struct sc_nr_entry *find_nr(unsigned table, uint32_t nr)
{
	size_t lo = 0, hi = sc_by_nr[table].n;
	const struct sc_nr_entry *v = sc_by_nr[table].v;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].nr == nr)
			return &v[mid];
		if (nr < v[mid].nr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *sc_syscall_to_name(enum sc_arch arch, uint32_t nr)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	const struct sc_nr_entry *e;

	if (!ai || nr < ai->nr_base)
		return NULL;
	/* On x86_64 a number with the x32 bit is not an x86_64 syscall (and vice versa). */
	if (arch == SC_ARCH_X86_64 && (nr & SC_X32_SYSCALL_BIT))
		return NULL;
	e = find_nr(ai->table, nr - ai->nr_base);
	return e ? sc_names[e->name] : NULL;
}

size_t sc_syscall_all_names(const char *const **ret)
{
	*ret = sc_names;
	return SC_N_NAMES;
}

size_t sc_syscall_count(enum sc_arch arch)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	return ai ? sc_by_nr[ai->table].n : 0;
}

int sc_syscall_by_index(enum sc_arch arch, size_t index, uint32_t *ret_nr, const char **ret_name)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);

	if (!ai)
		return -EINVAL;
	if (index >= sc_by_nr[ai->table].n)
		return -ENOENT;
	if (ret_nr)
		*ret_nr = ai->nr_base + sc_by_nr[ai->table].v[index].nr;
	if (ret_name)
		*ret_name = sc_names[sc_by_nr[ai->table].v[index].name];
	return 0;
}

uint32_t sc_syscall_max(enum sc_arch arch)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	size_t n;

	if (!ai)
		return 0;
	n = sc_by_nr[ai->table].n;
	return n ? ai->nr_base + sc_by_nr[ai->table].v[n - 1].nr : 0;
}

/* Optimal string alignment distance, bounded by the short strings syscall names are. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[40][40];

	if (la >= 40 || lb >= 40)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

unsigned sc_syscall_suggest(const char *name, const char **ret, unsigned max)
{
	unsigned best[8], n = 0, limit;
	size_t len = strlen(name);

	if (max > ELEMENTSOF(best))
		max = ELEMENTSOF(best);
	/* Allow roughly one edit per three characters, at least two. */
	limit = len / 3 > 2 ? (unsigned)(len / 3) : 2;
	for (size_t i = 0; i < SC_N_NAMES; i++) {
		unsigned dist = edit_distance(name, sc_names[i]);
		unsigned k;

		/* A prefix or suffix match ("open" -> "openat") is a good suggestion too. */
		if (dist > limit && strncmp(sc_names[i], name, len) == 0 &&
		    strlen(sc_names[i]) - len <= 3)
			dist = limit;
		if (dist > limit)
			continue;
		for (k = n; k > 0 && best[k - 1] > dist; k--) {
			if (k < max) {
				best[k] = best[k - 1];
				ret[k] = ret[k - 1];
			}
		}
		if (k < max) {
			best[k] = dist;
			ret[k] = sc_names[i];
			if (n < max)
				n++;
		}
	}
	return n;
}

const char *sc_syscall_table_version(void)
{
	return SC_SYSCALL_TABLE_VERSION;
}
