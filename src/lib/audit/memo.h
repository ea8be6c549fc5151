/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the audit parser's memo (internal to audit.c): per thread and pid slot, the bytes of a
 * record's comm, exe, sig and arch fields and of its code= field, with what parsing them gave,
 * for the next record of that pid that repeats them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "syscage/audit.h"

/* A workload's records repeat "comm=... exe=... sig=... arch=... " byte for byte, pid after pid:
 * those bytes and what parsing them gave, per thread (the parser stays reentrant), one entry
 * per pid slot. A record whose bytes there are the same takes the result instead of parsing
 * them again: the same bytes parse the same, and nothing of these fields depends on the text
 * after them (each ends at the separator kept as the entry's last byte). Only quoted comm and
 * exe viewed in place are kept (hex ones are decoded into the record's buffers). */
#define MEMO_SLOTS 64
#define MEMO_BYTES 240
struct memo {
	unsigned skip; /* the parse's skip; 0 with len 0 = empty */
	unsigned have; /* the bits these fields set */
	uint32_t audit_arch;
	int32_t sig;
	uint16_t len; /* bytes of the fields, their last separator included */
	uint8_t comm_at, comm_n, exe_at, exe_n;
	char bytes[MEMO_BYTES];
	/* "code=<hex>" as the pid's last record wrote it, and its value: the same bytes, then a
	 * separator or the end, are the same code (code_len 0: none kept). */
	uint8_t code_len;
	uint32_t code;
	char code_bytes[24];
};

#define MEMO_HAVE (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_SIG | SC_AUDIT_HAVE_ARCH)

static inline struct memo *memo_slot(uint32_t pid)
{
	static __thread struct memo memo[MEMO_SLOTS];

	return &memo[(pid * 2654435761u) >> 26];
}

/* a[0..n) == b[0..n), n >= 16: 16 bytes a step, the last step overlapping. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
#if defined(__SSE2__)
	for (size_t i = 0;; i += 16) {
		if (i + 16 > n)
			i = n - 16;
		__m128i x = _mm_loadu_si128((const __m128i *)(a + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(b + i));
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) != 0xffff)
			return false;
		if (i + 16 >= n)
			return true;
	}
#else
	return memcmp(a, b, n) == 0;
#endif
}

/* The fields at p as the memo has them: their result into rec, and where they end; else NULL. */
static inline const char *memo_take(const struct memo *m, const char *p, const char *end,
				    struct sc_audit_record *rec)
{
	if (m->len < 16 || m->skip != rec->skip || (size_t)(end - p) < m->len ||
	    !same_bytes(p, m->bytes, m->len))
		return NULL;
	rec->comm_v = (struct sc_audit_view){ p + m->comm_at, m->comm_n };
	rec->exe_v = (struct sc_audit_view){ p + m->exe_at, m->exe_n };
	rec->audit_arch = m->audit_arch;
	rec->sig = m->sig;
	rec->have |= m->have;
	return p + m->len;
}

/* Do the bytes at p start with the memo's code= field? In two loads of eight (its length is
 * 8 to 24: the first and the last eight bytes, overlapping), then the rest. The caller checks
 * that the field ends there. */
static inline bool memo_code(const struct memo *m, const char *p, const char *end)
{
	size_t n = m->code_len;
	uint64_t a, b, c, d;

	if (!n || (size_t)(end - p) < n)
		return false;
	memcpy(&a, p, 8);
	memcpy(&b, m->code_bytes, 8);
	memcpy(&c, p + n - 8, 8);
	memcpy(&d, m->code_bytes + n - 8, 8);
	return a == b && c == d && (n <= 16 || memcmp(p + 8, m->code_bytes + 8, n - 16) == 0);
}

/* Keep what the fields from f to p gave, when the memo can give it back; p[-1] is the
 * separator the fields end with (the caller checks). */
static inline void memo_keep(struct memo *m, const char *f, const char *p,
			     const struct sc_audit_record *rec, unsigned had)
{
	size_t n = (size_t)(p - f);
	unsigned got = rec->have & ~had & MEMO_HAVE;

	if (!(rec->skip & SC_AUDIT_VIEWS_ONLY) || n < 16 || n > MEMO_BYTES || rec->truncated ||
	    (got & (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH)) !=
		    (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH) ||
	    rec->comm_v.s < f || rec->comm_v.s + rec->comm_v.n > p || rec->exe_v.s < f ||
	    rec->exe_v.s + rec->exe_v.n > p)
		return;
	m->skip = rec->skip;
	m->have = got;
	m->audit_arch = rec->audit_arch;
	m->sig = rec->sig;
	m->len = (uint16_t)n;
	m->comm_at = (uint8_t)(rec->comm_v.s - f);
	m->comm_n = (uint8_t)rec->comm_v.n;
	m->exe_at = (uint8_t)(rec->exe_v.s - f);
	m->exe_n = (uint8_t)rec->exe_v.n;
	memcpy(m->bytes, f, n);
}
