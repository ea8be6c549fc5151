/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the audit parser's memo (internal to audit.c): per thread and pid slot, the bytes of a
 * record's fields from the first (auid=) to arch= and of its code= field, with what parsing
 * them gave, for the next record of that pid that repeats them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "syscage/audit.h"
#include "audit/swar.h"

/* A workload's records repeat "auid=... uid=... gid=... ses=... pid=... comm=... exe=... sig=...
 * arch=... " byte for byte, record after record of a pid: those bytes and what parsing them
 * gave, per thread (the parser stays reentrant), one entry per pid slot. A record whose bytes
 * there are the same takes the result instead of parsing them again: the same bytes parse the
 * same, and nothing of these fields depends on the text after them (each ends at the separator
 * kept as the entry's last byte). Only quoted comm and exe viewed in place are kept (hex ones
 * are decoded into the record's buffers). */
#define MEMO_SLOTS 64
#define MEMO_BYTES 240
struct memo {
	unsigned skip; /* the parse's skip; 0 with len 0 = empty */
	unsigned have; /* the bits these fields set */
	uint32_t audit_arch;
	int32_t sig;
	uint32_t pid, auid, uid, gid, ses;
	uint16_t len; /* bytes of the fields, their last separator included */
	uint8_t comm_at, comm_n, exe_at, exe_n;
	char bytes[MEMO_BYTES];
	/* "code=<hex>" as the pid's last record wrote it, and its value: the same bytes, then a
	 * separator or the end, are the same code (code_len 0: none kept). */
	uint8_t code_len;
	uint32_t code;
	char code_bytes[24];
};

static __thread struct memo memo_table[MEMO_SLOTS];
/* Where the last record kept had its pid's digits, from its first field: the next record's
 * pid is looked for there first, to find its slot before reading the fields before it. */
static __thread uint16_t memo_pid_at;

static inline struct memo *memo_slot(uint32_t pid)
{
	return &memo_table[(pid * 2654435761u) >> 26];
}

/* a[0..n) == b[0..n), n >= 16: 32 bytes a step, then the last 32 (or, below 32, the first and
 * the last 16) overlapping what was compared. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
#if defined(__SSE2__)
#define SAME32(i, j)                                                          \
	(_mm_movemask_epi8(_mm_and_si128(                                     \
		 _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(a + (i))),  \
				_mm_loadu_si128((const __m128i *)(b + (i)))), \
		 _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(a + (j))),  \
				_mm_loadu_si128((const __m128i *)(b + (j)))))) == 0xffff)
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		if (!SAME32(i, i + 16))
			return false;
	return i == n || (n >= 32 ? SAME32(n - 32, n - 16) : SAME32(0, n - 16));
#undef SAME32
#else
	return memcmp(a, b, n) == 0;
#endif
}

/* The fields at p as the memo has them: their result into rec, and where they end; else NULL. */
static inline __attribute__((always_inline)) const char *
memo_take(const struct memo *m, const char *p, const char *end, struct sc_audit_record *rec)
{
	if (m->len < 16 || m->skip != rec->skip || (size_t)(end - p) < m->len ||
	    !same_bytes(p, m->bytes, m->len))
		return NULL;
	rec->comm_v = (struct sc_audit_view){ p + m->comm_at, m->comm_n };
	rec->exe_v = (struct sc_audit_view){ p + m->exe_at, m->exe_n };
	rec->audit_arch = m->audit_arch;
	rec->sig = m->sig;
	rec->pid = m->pid;
	rec->auid = m->auid;
	rec->uid = m->uid;
	rec->gid = m->gid;
	rec->ses = m->ses;
	rec->have |= m->have;
	return p + m->len;
}

/* memo_take() from the slot of the pid found where the last record kept had its pid (a wrong
 * guess only finds other bytes); *ret: that slot. */
static inline __attribute__((always_inline)) const char *
memo_guess(const char *p, const char *end, struct sc_audit_record *rec, struct memo **ret)
{
	const char *q = p + memo_pid_at;
	unsigned n;
	uint64_t pid;

	if (!memo_pid_at || end - p <= memo_pid_at)
		return NULL;
	pid = fast_dec(&q, end, &n);
	if (!n || n > 10 || pid > UINT32_MAX)
		return NULL;
	*ret = memo_slot((uint32_t)pid);
	return memo_take(*ret, p, end, rec);
}

/* Do the bytes at p start with the memo's code= field? In two loads of eight (its length is
 * 8 to 24: the first and the last eight bytes, overlapping), then the rest. The caller checks
 * that the field ends there. */
static inline __attribute__((always_inline)) bool memo_code(const struct memo *m, const char *p,
							    const char *end)
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
 * separator the fields end with (the caller checks), pid the pid's digits. */
static inline void memo_keep(struct memo *m, const char *f, const char *p, const char *pid,
			     const struct sc_audit_record *rec, unsigned had)
{
	size_t n = (size_t)(p - f);
	unsigned got = rec->have & ~had;

	if (!(rec->skip & SC_AUDIT_VIEWS_ONLY) || n < 16 || n > MEMO_BYTES || rec->truncated ||
	    !(got & SC_AUDIT_HAVE_PID) ||
	    (got & (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH)) !=
		    (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH) ||
	    rec->comm_v.s < f || rec->comm_v.s + rec->comm_v.n > p || rec->exe_v.s < f ||
	    rec->exe_v.s + rec->exe_v.n > p)
		return;
	m->skip = rec->skip;
	m->have = got;
	m->audit_arch = rec->audit_arch;
	m->sig = rec->sig;
	m->pid = rec->pid;
	m->auid = rec->auid;
	m->uid = rec->uid;
	m->gid = rec->gid;
	m->ses = rec->ses;
	m->len = (uint16_t)n;
	m->comm_at = (uint8_t)(rec->comm_v.s - f);
	m->comm_n = (uint8_t)rec->comm_v.n;
	m->exe_at = (uint8_t)(rec->exe_v.s - f);
	m->exe_n = (uint8_t)rec->exe_v.n;
	memcpy(m->bytes, f, n);
	memo_pid_at = (uint16_t)(pid - f);
}
