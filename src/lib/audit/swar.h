/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the audit parser's word-at-a-time reading (internal to audit.c): decimal numbers eight
 * digits a load (SWAR), and the ends of quoted and unquoted values found 8, 16 or 32 bytes at
 * a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes at a time (SWAR): how many decimal digits lead the word... */
static inline __attribute__((always_inline)) unsigned swar_digits(uint64_t v)
{
	/* High bit set in every byte below '0' (borrow) or above '9' (carry past 0x7f); the
	 * lowest such byte is exact, whatever the borrows do above it. */
	uint64_t t =
		((v + 0x4646464646464646ull) | (v - 0x3030303030303030ull)) & 0x8080808080808080ull;
	return t ? (unsigned)__builtin_ctzll(t) >> 3 : 8;
}

/* ... and the value of the first n (1 to 8) of them: moved to the top bytes (zeros in
 * front), then pairs, quads and the whole folded with three multiplies. */
static inline __attribute__((always_inline)) uint64_t swar_value(uint64_t v, unsigned n)
{
	v <<= 8 * (8 - n);
	v -= 0x3030303030303030ull << (8 * (8 - n));
	v = ((v & 0x0f000f000f000f00ull) >> 8) + (v & 0x000f000f000f000full) * 10;
	v = ((v & 0x00ff000000ff0000ull) >> 16) + (v & 0x000000ff000000ffull) * 100;
	return ((v & 0x0000ffff00000000ull) >> 32) + (v & 0x000000000000ffffull) * 10000;
}
#endif

/* fast_dec() past a first word of digits (or near the end). */
static __attribute__((noinline)) uint64_t fast_dec_long(const char **pp, const char *end,
							unsigned *ndigits)
{
	static const uint64_t pow10[9] = { 1,	   10,	    100,      1000,	10000,
					   100000, 1000000, 10000000, 100000000 };
	const char *p = *pp;
	uint64_t v = 0;
	unsigned n = 0, d;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - p >= 8 && n <= 11) {
		uint64_t w;
		unsigned k;
		memcpy(&w, p, 8);
		k = swar_digits(w);
		if (k)
			v = v * pow10[k] + swar_value(w, k);
		n += k;
		p += k;
		if (k < 8) {
			*pp = p;
			*ndigits = n;
			return v;
		}
	}
#endif
	while (p < end && (d = (unsigned)(unsigned char)*p - '0') <= 9 && n < 20) {
		v = v * 10 + d;
		p++;
		n++;
	}
	*pp = p;
	*ndigits = n;
	return v;
}

/* Decimal digits at *pp (at most 19): their value and count; *pp moves past them. Most numbers
 * are shorter than a word: read in one, inline. */
static inline __attribute__((always_inline)) uint64_t fast_dec(const char **pp, const char *end,
							       unsigned *ndigits)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *p = *pp;
	uint64_t w;
	unsigned n;

	if (end - p >= 8) {
		memcpy(&w, p, 8);
		n = swar_digits(w);
		if (n < 8) {
			*pp = p + n;
			*ndigits = n;
			return n ? swar_value(w, n) : 0;
		}
	}
#endif
	return fast_dec_long(pp, end, ndigits);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Per byte of v, the high bit when the byte is below n (n <= 0x80), or is b; exact for the
 * lowest such byte, whatever the borrows do above it. */
#define SWAR_LT(v, n) (((v)-0x0101010101010101ull * (n)) & ~(v)&0x8080808080808080ull)
#define SWAR_EQ(v, b) SWAR_LT((v) ^ (0x0101010101010101ull * (b)), 1)
#endif

#if defined(__SSE2__)
/* 32 bytes at p, one bit per byte: those at or below 'max', and those equal to 'b'. A comm or
 * an exe is mostly shorter than that, so its end is found without a loop whose exit the
 * branch predictor would have to guess. */
static inline uint32_t mask32(const char *p, unsigned char max, char b)
{
	__m128i lo = _mm_loadu_si128((const __m128i *)p);
	__m128i hi = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i m = _mm_set1_epi8((char)max), q = _mm_set1_epi8(b);
	__m128i a = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(lo, m), lo), _mm_cmpeq_epi8(lo, q));
	__m128i c = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(hi, m), hi), _mm_cmpeq_epi8(hi, q));

	return (uint32_t)_mm_movemask_epi8(a) | (uint32_t)_mm_movemask_epi8(c) << 16;
}
#endif

/* The first '"' or control byte (NUL, '\n', ...) from p: a quoted value's end, or where the
 * fast path gives up (the kernel writes a value with control bytes in hex); end when there is
 * none. */
static inline const char *quote_end(const char *p, const char *end)
{
#if defined(__SSE2__)
	for (; end - p >= 32; p += 32) {
		uint32_t m = mask32(p, 0x1f, '"');
		if (m)
			return p + __builtin_ctz(m);
	}
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - p >= 8) {
		uint64_t v, t;
		memcpy(&v, p, 8);
		t = SWAR_EQ(v, '"') | SWAR_LT(v, 0x20);
		if (t)
			return p + (__builtin_ctzll(t) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != '"' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/* Past a value the caller does not want: to the next byte <= ' ' (a separator, or where the
 * line ends). */
static inline __attribute__((always_inline)) const char *skip_value(const char *p, const char *end)
{
#if defined(__SSE2__)
	/* Values are mostly shorter than 16 bytes (ip=0x7f..., subj=unconfined). */
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(' ')), v));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - p >= 8) {
		uint64_t v, t;
		memcpy(&v, p, 8);
		t = SWAR_LT(v, 0x21);
		if (t)
			return p + (__builtin_ctzll(t) >> 3);
		p += 8;
	}
#endif
	while (p < end && (unsigned char)*p > ' ')
		p++;
	return p;
}
