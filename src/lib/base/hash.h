/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FNV-1a, the one hash of the library (internal): content hashes of files and profiles
 * (64 bits, fed in pieces), string tables and the 8 hex digits in names (32 bits). The
 * 32-bit values appear in file names ("<policy>-<8 hex>.json"): never change them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SC_FNV32_INIT 2166136261u
#define SC_FNV64_INIT 1469598103934665603ull

static inline uint32_t sc_fnv32(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static inline uint32_t sc_fnv32_str(const char *s)
{
	uint32_t h = SC_FNV32_INIT;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static inline uint64_t sc_fnv64(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}
