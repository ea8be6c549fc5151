/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recording itself: per-ABI bitmaps of the syscalls seen and their counts
 * (sc_record_add/has/count/distinct/merge), and what its ABIs share (keep_abi, abi_overlap). The
 * back ends fill it; the front end reads it. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscage/record.h"
#include "syscage/syscalls.h"

struct sc_record *sc_record_new(void)
{
	return calloc(1, sizeof(struct sc_record));
}

struct sc_record *sc_record_free(struct sc_record *r)
{
	if (!r)
		return NULL;
	for_each_arch (a)
		free(r->counts[a]);
	free(r);
	return NULL;
}

/* Index of 'nr' in the ABI's table, or -ERANGE. */
static int nr_index(enum sc_arch arch, uint32_t nr)
{
	uint32_t base;

	if (arch < 0 || arch >= _SC_ARCH_COUNT)
		return -EINVAL;
	base = sc_arch_info(arch)->nr_base;
	if (nr < base || nr - base >= SC_RECORD_MAX_NR)
		return -ERANGE;
	return (int)(nr - base);
}

int sc_record_add(struct sc_record *r, enum sc_arch arch, uint32_t nr, uint64_t count)
{
	int i = nr_index(arch, nr);

	if (i == -ERANGE) {
		r->overflow += count;
		return i;
	}
	if (i < 0)
		return i;
	if (!r->counts[arch]) {
		r->counts[arch] = calloc(SC_RECORD_MAX_NR, sizeof(uint64_t));
		if (!r->counts[arch])
			return -ENOMEM;
	}
	r->counts[arch][i] += count;
	r->seen[arch][i / 64] |= 1ULL << (i % 64);
	return 0;
}

bool sc_record_has(const struct sc_record *r, enum sc_arch arch, uint32_t nr)
{
	int i = nr_index(arch, nr);

	return i >= 0 && (r->seen[arch][i / 64] & (1ULL << (i % 64)));
}

uint64_t sc_record_count(const struct sc_record *r, enum sc_arch arch, uint32_t nr)
{
	int i = nr_index(arch, nr);

	return i >= 0 && r->counts[arch] ? r->counts[arch][i] : 0;
}

size_t sc_record_distinct(const struct sc_record *r, int arch)
{
	size_t n = 0;

	for_each_arch (a) {
		if (arch >= 0 && (int)a != arch)
			continue;
		for (unsigned w = 0; w < SC_RECORD_MAX_NR / 64; w++)
			n += (size_t)__builtin_popcountll(r->seen[a][w]);
	}
	return n;
}

int sc_record_merge(struct sc_record *dst, const struct sc_record *src)
{
	for_each_arch (a) {
		uint32_t base = sc_arch_info(a)->nr_base;
		for (unsigned i = 0; i < SC_RECORD_MAX_NR; i++) {
			if (!(src->seen[a][i / 64] & (1ULL << (i % 64))))
				continue;
			int ret = sc_record_add(dst, a, base + i,
						src->counts[a] ? src->counts[a][i] : 0);
			if (ret < 0)
				return ret;
		}
	}
	dst->events += src->events;
	dst->overflow += src->overflow;
	dst->lost_targets += src->lost_targets;
	return 0;
}

size_t sc_record_keep_abi(struct sc_record *r, enum sc_arch keep)
{
	size_t dropped = 0;

	for_each_arch (a) {
		if (a == keep)
			continue;
		dropped += sc_record_distinct(r, a);
		memset(r->seen[a], 0, sizeof(r->seen[a]));
		free(r->counts[a]);
		r->counts[a] = NULL;
	}
	return dropped;
}

void sc_record_abi_overlap(const struct sc_record *r, struct sc_record_abis *ret)
{
	*ret = (struct sc_record_abis){ 0 };
	for_each_arch (a)
		ret->n_abis += sc_record_distinct(r, a) > 0;
	if (ret->n_abis < 2)
		return;
	for_each_arch (a) {
		uint32_t base = sc_arch_info(a)->nr_base;
		for (unsigned i = 0; i < SC_RECORD_MAX_NR; i++) {
			const char *name;
			bool elsewhere = false;

			if (!sc_record_has(r, a, base + i))
				continue;
			name = sc_syscall_to_name(a, base + i);
			if (!name)
				continue;
			for_each_arch (b) {
				int nr = b == a ? -1 : sc_syscall_from_name(b, name);
				if (nr >= 0 && sc_record_has(r, b, (uint32_t)nr))
					elsewhere = true;
			}
			if (!elsewhere) {
				ret->only[a]++;
				ret->n_only++;
			}
		}
	}
}
