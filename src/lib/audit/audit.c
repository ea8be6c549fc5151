/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the seccomp audit record parser (the streaming line reader is line-reader.c). One pass
 * over a line: find "audit", then the record header "audit(<sec>.<ms>:<serial>)" or the
 * journal's "SECCOMP " form, then key=value fields. No regex and no allocation per line; the
 * record has fixed buffers for the decoded comm and exe and a scratch area for journal JSON
 * messages. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "syscage/audit.h"
#include "audit/memo.h"
#include "audit/swar.h"
#include "base/utf8.h"
#include "syscage/syscalls.h"
#include "macro.h"

static const char *const source_names[_SC_AUDIT_SRC_COUNT] = {
	[SC_AUDIT_SRC_UNKNOWN] = "unknown", [SC_AUDIT_SRC_KMSG] = "kmsg",
	[SC_AUDIT_SRC_DMESG] = "dmesg",	    [SC_AUDIT_SRC_SYSLOG] = "syslog",
	[SC_AUDIT_SRC_RFC5424] = "rfc5424", [SC_AUDIT_SRC_JOURNAL_JSON] = "journal-json",
	[SC_AUDIT_SRC_AUDITD] = "auditd",
};

static const char *const loss_names[_SC_AUDIT_LOSS_COUNT] = {
	[SC_AUDIT_LOSS_NONE] = "none",
	[SC_AUDIT_LOSS_SUPPRESSED] = "callbacks-suppressed",
	[SC_AUDIT_LOSS_RATE_LIMIT] = "rate-limit",
	[SC_AUDIT_LOSS_BACKLOG] = "backlog-limit",
	[SC_AUDIT_LOSS_COUNTER] = "audit-lost",
	[SC_AUDIT_LOSS_PRINTK] = "printk-limit",
};

const char *sc_audit_source_to_string(enum sc_audit_source s)
{
	return (unsigned)s < _SC_AUDIT_SRC_COUNT ? source_names[s] : NULL;
}

const char *sc_audit_loss_to_string(enum sc_audit_loss l)
{
	return (unsigned)l < _SC_AUDIT_LOSS_COUNT ? loss_names[l] : NULL;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Byte classes, so the hot loops test one table entry per byte. */
enum {
	C_SEP = 1,    /* ' ', '\t', and 0x1d (GS), which auditd's ENRICHED format puts before the
			 interpreted fields */
	C_KEYEND = 2, /* '=' or a separator */
	C_END = 4,    /* ends a value on the fast path: a separator or the line's '\n' */
};
#define HX(c, v) [c] = (v) + 1
static const uint8_t hex_table[256] = {
	HX('0', 0),  HX('1', 1),  HX('2', 2),  HX('3', 3),  HX('4', 4),	 HX('5', 5),
	HX('6', 6),  HX('7', 7),  HX('8', 8),  HX('9', 9),  HX('a', 10), HX('b', 11),
	HX('c', 12), HX('d', 13), HX('e', 14), HX('f', 15), HX('A', 10), HX('B', 11),
	HX('C', 12), HX('D', 13), HX('E', 14), HX('F', 15),
};
static const uint8_t class_table[256] = {
	[' '] = C_SEP | C_KEYEND | C_END,
	['\t'] = C_SEP | C_KEYEND | C_END,
	[0x1d] = C_SEP | C_KEYEND | C_END,
	['='] = C_KEYEND,
	['\n'] = C_END,
};

static inline int hexval(char c)
{
	return (int)hex_table[(unsigned char)c] - 1;
}

static inline bool is_sep(char c)
{
	return class_table[(unsigned char)c] & C_SEP;
}

static inline bool is_end(char c)
{
	return class_table[(unsigned char)c] & C_END;
}

/* Decimal digits only; false on empty, overflow or a stray byte. */
static bool parse_dec(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	if (n < 20) { /* cannot overflow */
		for (size_t i = 0; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				return false;
			v = v * 10 + d;
		}
		*ret = v;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

/* Hex with an optional 0x prefix. */
static bool parse_hex(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned h = hex_table[(unsigned char)s[i]];
		if (!h)
			return false;
		v = (v << 4) | (h - 1);
	}
	*ret = v;
	return true;
}

static bool parse_u32(const char *s, size_t n, uint32_t *ret)
{
	uint64_t v;

	if (!parse_dec(s, n, &v) || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* An audit "untrusted string": "quoted" as is, hex when it had odd bytes, (null) for none.
 * Decoded into buf (and *view) when hex; a quoted one is viewed in place, and copied into buf
 * unless the parse is SC_AUDIT_VIEWS_ONLY. Returns false for (null). */
static bool decode_string(const char *v, size_t n, bool quoted, char *buf, size_t size,
			  struct sc_audit_record *rec, struct sc_audit_view *view)
{
	size_t o = 0;

	if (quoted) {
		if (n >= size) {
			n = size - 1;
			rec->truncated = true;
		}
		*view = (struct sc_audit_view){ v, n };
		if (!(rec->skip & SC_AUDIT_VIEWS_ONLY)) {
			memcpy(buf, v, n);
			buf[n] = 0;
		}
		return true;
	}
	if (n == 6 && memcmp(v, "(null)", 6) == 0) {
		buf[0] = 0;
		return false;
	}
	bool hex = n > 0 && n % 2 == 0;
	for (size_t i = 0; hex && i < n; i++)
		hex = hexval(v[i]) >= 0;
	if (!hex) {
		/* Not what the kernel writes, but keep what we were given. */
		return decode_string(v, n, true, buf, size, rec, view);
	}
	for (size_t i = 0; i + 1 < n; i += 2) {
		char c = (char)(hexval(v[i]) << 4 | hexval(v[i + 1]));
		if (c == 0)
			break;
		if (o + 1 >= size) {
			rec->truncated = true;
			break;
		}
		buf[o++] = c;
	}
	buf[o] = 0;
	*view = (struct sc_audit_view){ buf, o };
	return true;
}

/* The first needle (a literal of 2 bytes or more: "audit", "audit_lost=") in [hay, end), as
 * memmem() finds it: most lines are not audit records, and this runs on each of them. 16
 * start positions at a time keep those whose first and last bytes match, then compare them
 * in order. */
static const char *find(const char *hay, const char *end, const char *needle, size_t n)
{
	const char *p = hay;

	if (!hay || hay >= end)
		return NULL;
	if (n < 2)
		return memmem(hay, (size_t)(end - hay), needle, n);
#if defined(__SSE2__)
	const __m128i first = _mm_set1_epi8(needle[0]), last = _mm_set1_epi8(needle[n - 1]);
	for (; end - p >= (ptrdiff_t)(n + 15); p += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)p);
		__m128i b = _mm_loadu_si128((const __m128i *)(p + n - 1));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
		for (; m; m &= m - 1) {
			const char *c = p + __builtin_ctz(m);
			if (memcmp(c + 1, needle + 1, n - 2) == 0)
				return c;
		}
	}
#endif
	for (; end - p >= (ptrdiff_t)n; p++)
		if (*p == needle[0] && memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* "audit(": memchr for '(' is vectorised and lines have few of them. */
static const char *find_stamp(const char *line, const char *end)
{
	const char *p = line + 5;

	while (p < end && (p = memchr(p, '(', (size_t)(end - p)))) {
		if (memcmp(p - 5, "audit", 5) == 0)
			return p - 5;
		p++;
	}
	return NULL;
}

#define LIT(s)		  s, sizeof(s) - 1
#define KEY_IS(k, n, lit) ((n) == sizeof(lit) - 1 && memcmp((k), lit, sizeof(lit) - 1) == 0)

/* key=value fields from p to end. */
static void parse_fields(const char *p, const char *end, struct sc_audit_record *rec)
{
	while (p < end) {
		while (p < end && is_sep(*p))
			p++;
		const char *k = p;
		while (p < end && !(class_table[(unsigned char)*p] & C_KEYEND))
			p++;
		if (p >= end || *p != '=')
			continue; /* a bare word: skip it */
		size_t kn = (size_t)(p - k);
		p++;
		const char *v = p;
		bool quoted = false;
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			quoted = true;
			v = p + 1;
			p = q ? q : end;
		} else {
			while (p < end && !is_sep(*p))
				p++;
		}
		size_t vn = (size_t)(p - v);
		if (quoted && p < end)
			p++; /* the closing quote */
		if (memchr(v, 0, vn))
			vn = strnlen(v, vn); /* what a C string of it holds: a value has no NUL */
		uint64_t x;

		switch (kn) {
		case 2:
			if (KEY_IS(k, kn, "ip") && parse_hex(v, vn, &rec->ip))
				rec->have |= SC_AUDIT_HAVE_IP;
			break;
		case 3:
			if (k[0] == 'p' && KEY_IS(k, kn, "pid")) {
				if (parse_u32(v, vn, &rec->pid))
					rec->have |= SC_AUDIT_HAVE_PID;
			} else if (k[0] == 'u' && KEY_IS(k, kn, "uid")) {
				if (parse_u32(v, vn, &rec->uid))
					rec->have |= SC_AUDIT_HAVE_UID;
			} else if (k[0] == 'g' && KEY_IS(k, kn, "gid")) {
				if (parse_u32(v, vn, &rec->gid))
					rec->have |= SC_AUDIT_HAVE_GID;
			} else if (k[0] == 's' && KEY_IS(k, kn, "ses")) {
				if (parse_u32(v, vn, &rec->ses))
					rec->have |= SC_AUDIT_HAVE_SES;
			} else if (k[0] == 's' && KEY_IS(k, kn, "sig")) {
				bool neg = vn > 0 && v[0] == '-';
				if (parse_dec(v + neg, vn - neg, &x) && x <= INT32_MAX) {
					rec->sig = neg ? -(int32_t)x : (int32_t)x;
					rec->have |= SC_AUDIT_HAVE_SIG;
				}
			} else if (k[0] == 'e' && KEY_IS(k, kn, "exe")) {
				if (decode_string(v, vn, quoted, rec->exe, sizeof(rec->exe), rec,
						  &rec->exe_v))
					rec->have |= SC_AUDIT_HAVE_EXE;
			}
			break;
		case 4:
			if (KEY_IS(k, kn, "arch")) {
				if (parse_hex(v, vn, &x) && x <= UINT32_MAX) {
					rec->audit_arch = (uint32_t)x;
					rec->have |= SC_AUDIT_HAVE_ARCH;
				}
			} else if (KEY_IS(k, kn, "code")) {
				if (parse_hex(v, vn, &x) && x <= UINT32_MAX) {
					rec->code = (uint32_t)x;
					rec->have |= SC_AUDIT_HAVE_CODE;
				}
			} else if (KEY_IS(k, kn, "comm")) {
				if (decode_string(v, vn, quoted, rec->comm, sizeof(rec->comm), rec,
						  &rec->comm_v))
					rec->have |= SC_AUDIT_HAVE_COMM;
			} else if (KEY_IS(k, kn, "auid")) {
				if (parse_u32(v, vn, &rec->auid))
					rec->have |= SC_AUDIT_HAVE_AUID;
			} else if (KEY_IS(k, kn, "lost")) {
				if (parse_dec(v, vn, &rec->lost))
					rec->loss = SC_AUDIT_LOSS_COUNTER;
			}
			break;
		case 6:
			if (KEY_IS(k, kn, "compat") && parse_u32(v, vn, &rec->compat))
				rec->have |= SC_AUDIT_HAVE_COMPAT;
			break;
		case 7:
			if (KEY_IS(k, kn, "syscall") && parse_u32(v, vn, &rec->nr))
				rec->have |= SC_AUDIT_HAVE_SYSCALL;
			break;
		case 10:
			if (KEY_IS(k, kn, "audit_lost") && parse_dec(v, vn, &rec->lost))
				rec->loss = SC_AUDIT_LOSS_COUNTER;
			break;
		}
	}
}

/* The fast path: the fields in the order the kernel writes them (audit_seccomp(): auid uid
 * gid ses [subj] pid comm exe sig arch syscall compat ip code). Each byte is looked at once;
 * at the first surprise, the generic parser takes over from there. */

static inline __attribute__((always_inline)) bool fast_u32(const char **pp, const char *end,
							   uint32_t *ret)
{
	const char *p = *pp;
	unsigned n;
	uint64_t v = fast_dec(&p, end, &n);

	if (!n || n > 10 || v > UINT32_MAX || (p < end && !is_end(*p)))
		return false;
	*ret = (uint32_t)v;
	*pp = p;
	return true;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Per byte of w, the high bit when it is within [lo, hi] (7-bit ASCII: no carry or borrow
 * crosses a byte). */
#define SWAR_RANGE(x7, w, lo, hi)                                   \
	((((x7) + 0x0101010101010101ull * (0x80 - (lo))) &          \
	  ~((x7) + 0x0101010101010101ull * (0x7f - (hi))) & ~(w)) & \
	 0x8080808080808080ull)

/* arch= and code= are eight hex digits: all of them in one go (SWAR), or false when the
 * word is not exactly that, for the byte loop to decide. */
static inline bool swar_hex8(const char *p, const char *end, uint64_t *ret)
{
	uint64_t w, x7, lw, ok, v;

	if (end - p < 8 || (end - p > 8 && !is_end(p[8])))
		return false;
	memcpy(&w, p, 8);
	x7 = w & 0x7f7f7f7f7f7f7f7full;
	lw = x7 | 0x2020202020202020ull; /* 'A'-'F' -> 'a'-'f' */
	ok = SWAR_RANGE(x7, w, '0', '9') | SWAR_RANGE(lw, w, 'a', 'f');
	if (ok != 0x8080808080808080ull)
		return false;
	/* Nibbles ('0'-'9': low four bits; letters: low four bits + 9), then packed, the
	 * first byte the most significant. */
	v = (w & 0x0f0f0f0f0f0f0f0full) + ((w >> 6) & 0x0101010101010101ull) * 9;
	v = ((v & 0x0f000f000f000f00ull) >> 8) | ((v & 0x000f000f000f000full) << 4);
	v = ((v & 0x00ff000000ff0000ull) >> 16) | ((v & 0x000000ff000000ffull) << 8);
	*ret = ((v & 0x0000ffff00000000ull) >> 32) | ((v & 0x000000000000ffffull) << 16);
	return true;
}
#endif

static bool fast_hex(const char **pp, const char *end, uint64_t *ret)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned n = 0, h;

	if (end - p >= 2 && p[0] == '0' && p[1] == 'x')
		p += 2;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (swar_hex8(p, end, ret)) {
		*pp = p + 8;
		return true;
	}
#endif
	while (p < end && (h = hex_table[(unsigned char)*p]) && n < 17) {
		v = (v << 4) | (h - 1);
		p++;
		n++;
	}
	if (!n || n > 16 || (p < end && !is_end(*p)))
		return false;
	*ret = v;
	*pp = p;
	return true;
}

/* comm= or exe=: quoted (no control byte inside, else the general parser decides) or hex. */
static bool fast_string(const char **pp, const char *end, char *buf, size_t size,
			struct sc_audit_record *rec, struct sc_audit_view *view)
{
	const char *p = *pp, *v;
	size_t n;
	bool quoted = p < end && *p == '"';

	if (quoted) {
		v = p + 1;
		const char *q = quote_end(v, end);
		if (q == end || *q != '"')
			return false;
		n = (size_t)(q - v);
		p = q + 1;
	} else {
		v = p;
		p = skip_value(p, end);
		n = (size_t)(p - v);
	}
	if (p < end && !is_end(*p))
		return false;
	*pp = p;
	return decode_string(v, n, quoted, buf, size, rec, view);
}

/* Compare up to 8 bytes at p with a short literal in one load; the literal becomes an integer
 * constant at compile time. */
#define LB(s, i)                                                                             \
	((uint64_t)(unsigned char)((i) < sizeof(s) - 1 ? (s)[(i) < sizeof(s) ? (i) : 0] : 0) \
	 << (8 * (i)))
#define LIT64(s) \
	(LB(s, 0) | LB(s, 1) | LB(s, 2) | LB(s, 3) | LB(s, 4) | LB(s, 5) | LB(s, 6) | LB(s, 7))
#define MASK64(n) ((n) >= 8 ? ~0ull : (1ull << (8 * (n))) - 1)

static inline __attribute__((always_inline)) bool key_at(const char *p, const char *end,
							 const char *key, size_t n, uint64_t lit)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t a;

	if (end - p >= 8) {
		memcpy(&a, p, 8);
		return ((a ^ lit) & MASK64(n)) == 0;
	}
#endif
	return end - p >= (ptrdiff_t)n && memcmp(p, key, n) == 0;
}

#define EXPECT(p, end, key)                                                                    \
	(key_at((p), (end), key, sizeof(key) - 1, LIT64(key)) ? ((p) += sizeof(key) - 1, true) \
							      : false)

#define SKIP_HEAD (SC_AUDIT_HAVE_AUID | SC_AUDIT_HAVE_UID | SC_AUDIT_HAVE_GID | SC_AUDIT_HAVE_SES)

/* When auid, uid, gid and ses are all skipped: over them and subj= in one go, from where the
 * separators (bytes <= ' ', as skip_value() stops at) of the next 64 bytes are; the fields
 * must be those, in that order, each followed by a space. NULL when they are not, for the
 * field-by-field path. */
static inline const char *skip_head(const char *p, const char *end)
{
#if defined(__SSE2__)
	uint64_t m;
	unsigned at[5];

	if (end - p < 64)
		return NULL;
	m = (uint64_t)mask32(p, ' ', ' ') | (uint64_t)mask32(p + 32, ' ', ' ') << 32;
	for (unsigned i = 0; i < 5; i++) {
		at[i] = m ? (unsigned)__builtin_ctzll(m) : 64;
		m &= m - 1;
	}
	if (at[3] >= 63 || !key_at(p, end, "auid=", 5, LIT64("auid=")) || p[at[0]] != ' ' ||
	    !key_at(p + at[0] + 1, end, "uid=", 4, LIT64("uid=")) || p[at[1]] != ' ' ||
	    !key_at(p + at[1] + 1, end, "gid=", 4, LIT64("gid=")) || p[at[2]] != ' ' ||
	    !key_at(p + at[2] + 1, end, "ses=", 4, LIT64("ses=")) || p[at[3]] != ' ')
		return NULL;
	p += at[3] + 1;
	if (key_at(p, end, "subj=", 5, LIT64("subj="))) {
		if (at[4] >= 63 || p[at[4] - at[3] - 1] != ' ')
			return NULL;
		p += at[4] - at[3];
	}
	return p;
#else
	(void)p;
	(void)end;
	return NULL;
#endif
}

static inline __attribute__((always_inline)) const char *
parse_fields_fast(const char *p, const char *end, struct sc_audit_record *rec)
{
	const unsigned skip = rec->skip;
	uint64_t x;

/* Over the separator; never over a '\n', where a line read straight from a buffer ends. */
#define SEP()                              \
	do {                               \
		if (p < end && *p != '\n') \
			p++;               \
	} while (0)
/* key=<decimal u32> or key=<hex> into rec->field, or stop where the canonical order breaks. */
#define U32(key, field, bit)                             \
	do {                                             \
		start = p;                               \
		if (!EXPECT(p, end, key))                \
			return start;                    \
		if (skip & (bit))                        \
			p = skip_value(p, end);          \
		else if (fast_u32(&p, end, &rec->field)) \
			rec->have |= (bit);              \
		else                                     \
			return start;                    \
		SEP();                                   \
	} while (0)
#define HEX32(key, field, bit)                                                        \
	do {                                                                          \
		start = p;                                                            \
		if (!EXPECT(p, end, key) || !fast_hex(&p, end, &x) || x > UINT32_MAX) \
			return start;                                                 \
		rec->field = (uint32_t)x;                                             \
		rec->have |= (bit);                                                   \
		SEP();                                                                \
	} while (0)
#define STR(key, field, bit)                                                                    \
	do {                                                                                    \
		start = p;                                                                      \
		if (!EXPECT(p, end, key))                                                       \
			return start;                                                           \
		if (fast_string(&p, end, rec->field, sizeof(rec->field), rec, &rec->field##_v)) \
			rec->have |= (bit);                                                     \
		else if (p == start + sizeof(key) - 1)                                          \
			return start;                                                           \
		SEP();                                                                          \
	} while (0)
#define SKIP_SUBJ()                             \
	do {                                    \
		if (EXPECT(p, end, "subj=")) {  \
			p = skip_value(p, end); \
			SEP();                  \
		}                               \
	} while (0)
	const char *start = p, *head = p, *after;
	unsigned had = rec->have;
	struct memo *m;

	if ((after = memo_guess(p, end, rec, &m))) {
		p = after;
		goto syscall;
	}
	if ((skip & SKIP_HEAD) != SKIP_HEAD || !(p = skip_head(start, end))) {
		p = start;
		U32("auid=", auid, SC_AUDIT_HAVE_AUID);
		U32("uid=", uid, SC_AUDIT_HAVE_UID);
		U32("gid=", gid, SC_AUDIT_HAVE_GID);
		U32("ses=", ses, SC_AUDIT_HAVE_SES);
		SKIP_SUBJ();
	}
	U32("pid=", pid, SC_AUDIT_HAVE_PID);
	const char *pid_digits = start + 4;
	m = memo_slot(rec->pid);
	if ((after = memo_take(m, head, end, rec))) {
		p = after;
		goto syscall;
	}
	STR("comm=", comm, SC_AUDIT_HAVE_COMM);
	STR("exe=", exe, SC_AUDIT_HAVE_EXE);
	SKIP_SUBJ();
	start = p;
	if (!EXPECT(p, end, "sig="))
		return start;
	if (skip & SC_AUDIT_HAVE_SIG) {
		p = skip_value(p, end);
	} else {
		const char *v = p;
		while (p < end && !is_end(*p))
			p++;
		bool neg = p > v && v[0] == '-';
		if (parse_dec(v + neg, (size_t)(p - v) - neg, &x) && x <= INT32_MAX) {
			rec->sig = neg ? -(int32_t)x : (int32_t)x;
			rec->have |= SC_AUDIT_HAVE_SIG;
		}
	}
	SEP();
	HEX32("arch=", audit_arch, SC_AUDIT_HAVE_ARCH);
	if (is_sep(p[-1]))
		memo_keep(m, head, p, pid_digits, rec, had);
syscall:
	U32("syscall=", nr, SC_AUDIT_HAVE_SYSCALL);
	U32("compat=", compat, SC_AUDIT_HAVE_COMPAT);
	start = p;
	if (!EXPECT(p, end, "ip="))
		return start;
	if (skip & SC_AUDIT_HAVE_IP)
		p = skip_value(p, end);
	else if (fast_hex(&p, end, &rec->ip))
		rec->have |= SC_AUDIT_HAVE_IP;
	else
		return start;
	SEP();
	start = p;
	if (memo_code(m, p, end) && (p + m->code_len == end || is_end(p[m->code_len]))) {
		rec->code = m->code;
		rec->have |= SC_AUDIT_HAVE_CODE;
		return p + m->code_len;
	}
	if (!EXPECT(p, end, "code=") || !fast_hex(&p, end, &x) || x > UINT32_MAX)
		return start;
	rec->code = (uint32_t)x;
	rec->have |= SC_AUDIT_HAVE_CODE;
	if (p - start >= 8 && (size_t)(p - start) <= sizeof(m->code_bytes)) {
		m->code_len = (uint8_t)(p - start);
		m->code = rec->code;
		memcpy(m->code_bytes, start, m->code_len);
	}
	return p;
#undef SKIP_SUBJ
#undef STR
#undef HEX32
#undef U32
#undef SEP
}

/* "<sec>.<ms>:<serial>)" at p; returns the byte after ')' or NULL. */
static __attribute__((noinline)) const char *parse_stamp_slow(const char *p, const char *end,
							      struct sc_audit_record *rec)
{
	uint64_t sec, frac = 0, serial;
	unsigned n, fn = 0;

	/* At most 19 digits each: what a uint64_t holds whatever they are. */
	sec = fast_dec(&p, end, &n);
	if (!n || n > 19 || p >= end)
		return NULL;
	if (*p == '.') {
		p++;
		frac = fast_dec(&p, end, &fn);
		if (!fn || fn > 19)
			return NULL;
	}
	if (p >= end || *p != ':')
		return NULL;
	p++;
	serial = fast_dec(&p, end, &n);
	if (!n || n > 19 || p >= end || *p != ')')
		return NULL;
	/* The kernel prints milliseconds (3 digits); scale anything else. */
	for (; fn < 3; fn++)
		frac *= 10;
	for (; fn > 3; fn--)
		frac /= 10;
	if (sec > UINT64_MAX / 1000 - 1)
		return NULL;
	rec->time_ms = sec * 1000 + frac;
	rec->serial = serial;
	rec->have |= SC_AUDIT_HAVE_TIME | SC_AUDIT_HAVE_SERIAL;
	return p + 1;
}

/* parse_stamp_slow(), what the kernel writes inline. */
static inline __attribute__((always_inline)) const char *parse_stamp(const char *p, const char *end,
								     struct sc_audit_record *rec)
{
	uint64_t sec, serial;
	unsigned n;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* What the kernel writes until 2286: ten digits of seconds, '.', three of milliseconds,
	 * ':', read without a loop (the first eight seconds' digits, then "DD.DDD:" as digit
	 * values where digits go and zeros where '.' and ':' are); the serial as any number,
	 * up to seven digits in one word. The first eight digits change every 100 s: the last
	 * ones read, and their value, are kept per thread (0: none; eight NULs are no digits). */
	static __thread uint64_t last_w, last_hi;
	if (end - p >= 16) {
		uint64_t w, x, hi = 0;
		memcpy(&w, p, 8);
		memcpy(&x, p + 8, 8);
		x = (x ^ 0x003a3030302e3030ull) & 0x00ffffffffffffffull;
		if (w == last_w && w) {
			hi = last_hi;
		} else if (swar_digits(w) == 8) {
			hi = swar_value(w, 8);
			last_w = w;
			last_hi = hi;
		} else {
			w = 0;
		}
		if (w && !(x & 0x00ff000000ff0000ull) &&
		    !((x | (x + 0x0606060606060606ull)) & 0xf0f0f0f0f0f0f0f0ull)) {
			const char *q = p + 15;
			uint64_t u;
			n = 0;
			if (end - q >= 8) {
				memcpy(&u, q, 8);
				n = swar_digits(u);
			}
			if (n >= 1 && n <= 7 && q[n] == ')') {
				serial = swar_value(u, n);
				q += n;
			} else {
				serial = fast_dec(&q, end, &n);
			}
			if (n && n <= 19 && q < end && *q == ')') {
				sec = hi * 100 + (x & 0xff) * 10 + (x >> 8 & 0xff);
				rec->time_ms = sec * 1000 + (x >> 24 & 0xff) * 100 +
					       (x >> 32 & 0xff) * 10 + (x >> 40 & 0xff);
				rec->serial = serial;
				rec->have |= SC_AUDIT_HAVE_TIME | SC_AUDIT_HAVE_SERIAL;
				return q + 1;
			}
		}
	}
#endif
	return parse_stamp_slow(p, end, rec);
}

/* Records of a workload repeat a few dozen syscalls: a small direct-mapped cache in front of
 * the table's binary search, keyed by arch and number in one word. Per thread, so the parser
 * stays reentrant. */
static inline __attribute__((always_inline)) const char *syscall_name(enum sc_arch arch,
								      uint32_t nr)
{
	static __thread struct {
		uint64_t key; /* arch + 1 above, nr below; 0 = empty */
		const char *name;
	} cache[512];
	uint64_t key = (uint64_t)((uint32_t)arch + 1) << 32 | nr;
	unsigned h = (nr * 2654435761u ^ (unsigned)arch) >> 23;

	if (cache[h].key == key)
		return cache[h].name;
	const char *name = sc_syscall_to_name(arch, nr);
	cache[h].key = key;
	cache[h].name = name;
	return name;
}

static inline __attribute__((always_inline)) enum sc_audit_kind
finish_seccomp(struct sc_audit_record *rec)
{
	/* The last record's arch= (with its syscall's x32 bit, all the ABI depends on) and
	 * code=, and what they gave: a workload's next record mostly has the same. Per thread,
	 * so the parser stays reentrant. */
	static __thread struct {
		bool arch_set, code_set;
		uint32_t audit_arch, x32, code, data;
		enum sc_arch arch;
		enum sc_action action;
	} last;
	uint32_t x32 = rec->nr & SC_X32_SYSCALL_BIT;

	if ((rec->have & (SC_AUDIT_HAVE_ARCH | SC_AUDIT_HAVE_SYSCALL)) !=
	    (SC_AUDIT_HAVE_ARCH | SC_AUDIT_HAVE_SYSCALL))
		return rec->kind = SC_AUDIT_MALFORMED;
	if (!last.arch_set || last.audit_arch != rec->audit_arch || last.x32 != x32) {
		last.arch = sc_arch_from_audit(rec->audit_arch, rec->nr);
		last.audit_arch = rec->audit_arch;
		last.x32 = x32;
		last.arch_set = true;
	}
	rec->arch = last.arch;
	rec->name = rec->arch >= 0 ? syscall_name(rec->arch, rec->nr) : NULL;
	if (rec->have & SC_AUDIT_HAVE_CODE) {
		if (!last.code_set || last.code != rec->code) {
			last.action = sc_action_from_ret(rec->code, &last.data);
			last.code = rec->code;
			last.code_set = true;
		}
		rec->action = last.action;
		rec->data = last.data;
	} else
		rec->action = SC_ACT_LOG; /* old kernels (< 4.14) wrote no code= */
	return rec->kind = SC_AUDIT_SECCOMP;
}

static enum sc_audit_source detect_source(const char *s, size_t n)
{
	if (n == 0)
		return SC_AUDIT_SRC_UNKNOWN;
	switch (s[0]) {
	case '{':
		return SC_AUDIT_SRC_JOURNAL_JSON;
	case '[':
		return SC_AUDIT_SRC_DMESG;
	case '<': {
		size_t i = 1;
		while (i < n && is_digit(s[i]))
			i++;
		if (i + 2 < n && s[i] == '>' && s[i + 1] == '1' && s[i + 2] == ' ')
			return SC_AUDIT_SRC_RFC5424;
		return SC_AUDIT_SRC_SYSLOG;
	}
	case 't':
	case 'n':
		if ((n >= 5 && memcmp(s, "type=", 5) == 0) ||
		    (n >= 5 && memcmp(s, "node=", 5) == 0))
			return SC_AUDIT_SRC_AUDITD;
		return SC_AUDIT_SRC_UNKNOWN;
	case 'a':
		return n >= 6 && memcmp(s, "audit", 5) == 0 ? SC_AUDIT_SRC_DMESG
							    : SC_AUDIT_SRC_UNKNOWN;
	default:
		if (is_digit(s[0])) {
			size_t i = 0;
			while (i < n && is_digit(s[i]))
				i++;
			if (i < n && s[i] == ',')
				return SC_AUDIT_SRC_KMSG;
			return SC_AUDIT_SRC_SYSLOG; /* short-iso, RFC 3339 stamps */
		}
		if (s[0] >= 'A' && s[0] <= 'Z')
			return SC_AUDIT_SRC_SYSLOG;
		return SC_AUDIT_SRC_UNKNOWN;
	}
}

/* Messages that say the kernel dropped audit records. */
static enum sc_audit_kind parse_loss(const char *a, const char *end, struct sc_audit_record *rec)
{
	const char *p;

	/* printk_ratelimited() in kauditd_printk_skb(): "kauditd_printk_skb: 42 callbacks
	 * suppressed". "a" points at "audit" inside "kauditd". */
	if ((p = find(a, end, LIT("auditd_printk_skb: ")))) {
		p += sizeof("auditd_printk_skb: ") - 1;
		const char *s = p;
		while (p < end && is_digit(*p))
			p++;
		if (parse_dec(s, (size_t)(p - s), &rec->lost) && find(p, end, LIT(" suppressed"))) {
			rec->loss = SC_AUDIT_LOSS_SUPPRESSED;
			return rec->kind = SC_AUDIT_LOSS;
		}
	}
	if (find(a, end, LIT("audit: rate limit exceeded")))
		rec->loss = SC_AUDIT_LOSS_RATE_LIMIT;
	else if (find(a, end, LIT("audit: printk limit exceeded")))
		rec->loss = SC_AUDIT_LOSS_PRINTK;
	else if (find(a, end, LIT("audit: backlog limit exceeded")) ||
		 (find(a, end, LIT("audit_backlog_limit=")) &&
		  find(a, end, LIT("audit_backlog="))) ||
		 find(a, end, LIT("kauditd hold queue overflow")))
		rec->loss = SC_AUDIT_LOSS_BACKLOG;
	if (rec->loss != SC_AUDIT_LOSS_NONE) {
		/* audit_log_lost() also prints the counter: "audit: audit_lost=5 ..." */
		if ((p = find(a, end, LIT("audit_lost="))))
			parse_fields(p, end, rec);
		if (rec->loss != SC_AUDIT_LOSS_COUNTER)
			rec->lost = 0;
		return rec->kind = SC_AUDIT_LOSS;
	}
	if ((p = find(a, end, LIT("audit_lost=")))) {
		parse_fields(p, end, rec);
		if (rec->loss == SC_AUDIT_LOSS_COUNTER)
			return rec->kind = SC_AUDIT_LOSS;
	}
	return rec->kind = SC_AUDIT_FOREIGN;
}

static enum sc_audit_kind parse_text(const char *line, const char *end, bool in_json,
				     struct sc_audit_record *rec);

/* journalctl -o json: {"__REALTIME_TIMESTAMP":"...","MESSAGE":"...", ...}. The MESSAGE value
 * is unescaped into rec->scratch (or decoded from the byte array journald uses for
 * non-UTF-8 messages) and parsed as text. */
static const char *json_value(const char *line, const char *end, const char *key, size_t kn)
{
	const char *p = line;

	while ((p = find(p, end, key, kn))) {
		p += kn;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == ':') {
			p++;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			return p;
		}
	}
	return NULL;
}

static bool json_string_number(const char *p, const char *end, uint64_t *ret)
{
	const char *s;

	if (!p || p >= end || *p != '"')
		return false;
	s = ++p;
	while (p < end && is_digit(*p))
		p++;
	return p < end && *p == '"' && parse_dec(s, (size_t)(p - s), ret);
}

static size_t json_unescape(const char *p, const char *end, char *out, size_t size)
{
	size_t o = 0;

	if (*p == '[') { /* an array of byte values */
		p++;
		while (p < end && *p != ']' && o + 1 < size) {
			while (p < end && (*p == ' ' || *p == ','))
				p++;
			const char *s = p;
			while (p < end && is_digit(*p))
				p++;
			uint64_t b;
			if (!parse_dec(s, (size_t)(p - s), &b) || b > 255)
				break;
			out[o++] = b ? (char)b : ' ';
		}
		out[o] = 0;
		return o;
	}
	p++; /* opening quote */
	while (p < end && *p != '"' && o + 4 < size) {
		if (*p != '\\') {
			out[o++] = *p++;
			continue;
		}
		if (++p >= end)
			break;
		char c = *p++;
		switch (c) {
		case 'n':
		case 'r':
		case 't':
		case 'b':
		case 'f':
			out[o++] = ' ';
			break;
		case 'u': {
			uint64_t u;
			if (end - p < 4 || !parse_hex(p, 4, &u))
				goto done;
			p += 4;
			if (u == 0)
				out[o++] = ' ';
			else if (u < 0x80)
				out[o++] = (char)u;
			else if (u < 0x800) {
				out[o++] = (char)(0xc0 | (u >> 6));
				out[o++] = (char)(0x80 | (u & 0x3f));
			} else {
				out[o++] = (char)(0xe0 | (u >> 12));
				out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (u & 0x3f));
			}
			break;
		}
		default: /* \" \\ \/ */
			out[o++] = c;
		}
	}
done:
	out[o] = 0;
	return o;
}

static enum sc_audit_kind parse_json(const char *line, const char *end, struct sc_audit_record *rec)
{
	const char *m = json_value(line, end, LIT("\"MESSAGE\""));
	uint64_t us, id;

	if (!m || m >= end || (*m != '"' && *m != '['))
		return rec->kind = SC_AUDIT_FOREIGN;
	size_t n = json_unescape(m, end, rec->scratch, sizeof(rec->scratch));
	parse_text(rec->scratch, rec->scratch + n, true, rec);
	rec->source = SC_AUDIT_SRC_JOURNAL_JSON;
	if (rec->kind == SC_AUDIT_SECCOMP || rec->kind == SC_AUDIT_OTHER) {
		/* journald's audit transport drops the audit(...) stamp from MESSAGE. */
		if (!(rec->have & SC_AUDIT_HAVE_TIME) &&
		    json_string_number(json_value(line, end, LIT("\"__REALTIME_TIMESTAMP\"")), end,
				       &us)) {
			rec->time_ms = us / 1000;
			rec->have |= SC_AUDIT_HAVE_TIME;
		}
		if (!(rec->have & SC_AUDIT_HAVE_SERIAL) &&
		    json_string_number(json_value(line, end, LIT("\"_AUDIT_ID\"")), end, &id)) {
			rec->serial = id;
			rec->have |= SC_AUDIT_HAVE_SERIAL;
		}
	}
	return rec->kind;
}

static enum sc_audit_kind parse_text(const char *line, const char *end, bool in_json,
				     struct sc_audit_record *rec)
{
	const char *a, *p;

	if (!in_json && line < end && *line == '{')
		return parse_json(line, end, rec);

	p = find_stamp(line, end);
	if (p) {
		const char *after = parse_stamp(p + 6, end, rec);
		if (!after)
			return parse_loss(p, end, rec);
		if (after < end && *after == ':')
			after++;
		/* The record type: "type=1326 audit(" (kernel) or "type=SECCOMP msg=audit("
		 * (auditd), checked in place first, then anywhere before the stamp. */
		const char *tv;
		size_t tn;
		if (p - line >= 10 && memcmp(p - 10, "type=1326 ", 10) == 0) {
			tv = p - 5;
			tn = 4;
		} else if (p - line >= 17 && memcmp(p - 17, "type=SECCOMP msg=", 17) == 0) {
			tv = p - 12;
			tn = 7;
		} else {
			const char *t = find(line, p, LIT("type="));
			const char *te = tv = t ? t + 5 : NULL;
			while (te && te < p && !is_sep(*te))
				te++;
			tn = tv ? (size_t)(te - tv) : 0;
		}
		if ((tn == 4 && memcmp(tv, "1326", 4) == 0) ||
		    (tn == 7 && memcmp(tv, "SECCOMP", 7) == 0)) {
			while (after < end && *after == ' ')
				after++;
			after = parse_fields_fast(after, end, rec);
			parse_fields(after, end, rec);
			rec->loss = SC_AUDIT_LOSS_NONE;
			return finish_seccomp(rec);
		}
		/* Another record type; auditd status records may carry lost= counters. */
		if (tn && find(after, end, LIT("lost="))) {
			parse_fields(after, end, rec);
			if (rec->loss == SC_AUDIT_LOSS_COUNTER)
				return rec->kind = SC_AUDIT_LOSS;
		}
		rec->have &= SC_AUDIT_HAVE_TIME | SC_AUDIT_HAVE_SERIAL;
		return rec->kind = tn ? SC_AUDIT_OTHER : SC_AUDIT_FOREIGN;
	}

	a = find(line, end, LIT("audit"));
	if (!a) {
		/* The journal's audit transport: MESSAGE is "SECCOMP auid=... " */
		if (in_json && end - line > 8 && memcmp(line, "SECCOMP ", 8) == 0) {
			parse_fields(line + 8, end, rec);
			return finish_seccomp(rec);
		}
		return rec->kind = SC_AUDIT_FOREIGN;
	}

	/* "audit[29064]: SECCOMP auid=..." (journalctl text of the audit transport). */
	p = find(a, end, LIT("]: SECCOMP "));
	if (p && p - a < 32) {
		parse_fields(p + 11, end, rec);
		return finish_seccomp(rec);
	}
	return parse_loss(a, end, rec);
}

enum sc_audit_kind sc_audit_parse_line(const char *line, size_t len, struct sc_audit_record *rec)
{
	return sc_audit_parse_line_skip(line, len, 0, rec);
}

/* Reset only what a parse sets: the record is large and this is the hot path. */
static void record_reset(struct sc_audit_record *rec, unsigned skip)
{
	rec->have = 0;
	rec->skip = skip;
	rec->name = NULL;
	rec->arch = _SC_ARCH_INVALID;
	rec->comm[0] = 0;
	rec->exe[0] = 0;
	rec->comm_v = rec->exe_v = (struct sc_audit_view){ "", 0 };
	rec->truncated = false;
	rec->loss = SC_AUDIT_LOSS_NONE;
	rec->lost = 0;
	rec->compat = 0;
	rec->code = 0;
	rec->action = SC_ACT_LOG;
	rec->data = 0;
	rec->sig = 0;
}

enum sc_audit_kind sc_audit_parse_line_skip(const char *line, size_t len, unsigned skip,
					    struct sc_audit_record *rec)
{
	record_reset(rec, skip);
	if (!line || len == 0) {
		rec->source = SC_AUDIT_SRC_UNKNOWN;
		return rec->kind = SC_AUDIT_FOREIGN;
	}
	rec->source = detect_source(line, len);
	return parse_text(line, line + len, false, rec);
}

/* A seccomp record from its stamp (after "audit(") to the line's '\n', for the two readers
 * below: the stamp, then the fields in the kernel's order, stopping at the '\n'. Returns the
 * '\n', or NULL (the caller then parses the line). */
static inline __attribute__((always_inline)) const char *
parse_from_stamp(const char *stamp, const char *end, struct sc_audit_record *rec)
{
	const char *q, *nl;

	q = parse_stamp(stamp, end, rec);
	if (!q)
		return NULL;
	if (q < end && *q == ':')
		q++;
	while (q < end && *q == ' ')
		q++;
	q = parse_fields_fast(q, end, rec);
	if (q < end && *q == '\n') {
		nl = q;
	} else {
		/* Past the kernel's order (auditd's ENRICHED fields, say): the line's end is
		 * needed now, for the general parser. */
		nl = memchr(q, '\n', (size_t)(end - q));
		if (!nl)
			return NULL;
		parse_fields(q, nl, rec);
	}
	rec->loss = SC_AUDIT_LOSS_NONE;
	finish_seccomp(rec);
	return nl;
}

/* auditd's raw seccomp record at p, read up to its '\n' without knowing where that is: the
 * fields stop at it as they stop at the end of a line (no value reads over a '\n', SEP() does
 * not step over one), so every step is the one sc_audit_parse_line_skip() takes on the line.
 * Returns the '\n', or NULL for anything else (the caller then parses the line). */
static const char auditd_head[] = "type=SECCOMP msg=audit(";

static inline bool is_auditd_record(const char *p, const char *end)
{
	const char *h = auditd_head;

	return end - p >= (ptrdiff_t)sizeof(auditd_head) - 1 &&
	       key_at(p, end, h, 8, LIT64("type=SEC")) &&
	       key_at(p + 8, end, h + 8, 8, LIT64("COMP msg")) &&
	       key_at(p + 15, end, h + 15, 8, LIT64("g=audit("));
}

/* p is_auditd_record(). */
static const char *parse_auditd_record(const char *p, const char *end, unsigned skip,
				       struct sc_audit_record *rec)
{
	record_reset(rec, skip);
	rec->source = SC_AUDIT_SRC_AUDITD;
	return parse_from_stamp(p + sizeof(auditd_head) - 1, end, rec);
}

/* Is there a '\n' in p[0..5) (p has 8 bytes)? The lowest byte SWAR_EQ() flags is exact, so
 * a flag in those five means one is there. */
static inline bool nl_in_5(const char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;

	memcpy(&w, p, 8);
	return (SWAR_EQ(w, '\n') & 0x000000ffffffffffull) != 0;
#else
	return memchr(p, '\n', 5) != NULL;
#endif
}

/* The first '(' or '\n' from p, or end: where a line's first stamp may be, and whether the
 * line ends before it, in one pass. */
static inline const char *paren_or_nl(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i paren = _mm_set1_epi8('('), nl = _mm_set1_epi8('\n');
	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		int m = _mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, paren), _mm_cmpeq_epi8(v, nl)));
		if (m)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < end && *p != '(' && *p != '\n')
		p++;
	return p;
}

/* The kernel's seccomp record in syslog, dmesg or kmsg text ("... audit: type=1326
 * audit(<stamp>): <fields>"), read up to its '\n' without looking for it first, as
 * parse_auditd_record() reads auditd's: every step is the one sc_audit_parse_line_skip() takes on
 * the line (the first "audit(" of the line, the type just before it, the fields stopping at the
 * '\n'). Returns the '\n', or NULL for anything else (the caller then parses the line). */
static const char *parse_kernel_record(const char *p, const char *end, unsigned skip,
				       struct sc_audit_record *rec)
{
	const char *s;

	/* find_stamp() looks from the sixth byte on; the first '(' must be the stamp's, with
	 * "type=1326 " before it, and no '\n' before either. */
	if (end - p < 16 || *p == '{' || nl_in_5(p))
		return NULL;
	s = paren_or_nl(p + 5, end);
	if (s == end || *s != '(' || s - p < 15 || memcmp(s - 15, "type=1326 audit", 15) != 0)
		return NULL;
	record_reset(rec, skip);
	/* Only the bytes before the stamp decide the source: the line is at least that long. */
	rec->source = detect_source(p, (size_t)(s - p));
	return parse_from_stamp(s + 1, end, rec);
}

size_t sc_audit_parse_next(const char *buf, size_t avail, unsigned skip,
			   struct sc_audit_record *rec)
{
	const char *nl = is_auditd_record(buf, buf + avail)
				 ? parse_auditd_record(buf, buf + avail, skip, rec)
				 : parse_kernel_record(buf, buf + avail, skip, rec);

	if (!nl) {
		nl = memchr(buf, '\n', avail);
		if (!nl)
			return 0;
		(void)sc_audit_parse_line_skip(buf, (size_t)(nl - buf), skip, rec);
	}
	return (size_t)(nl - buf) + 1;
}

int sc_audit_kmsg_header(const char *line, size_t len, uint64_t *ret_seq, uint64_t *ret_usec)
{
	uint64_t v[3] = {};
	size_t i = 0;

	for (int f = 0; f < 3; f++) {
		size_t start = i;
		while (i < len && i - start < 20 && is_digit(line[i]))
			v[f] = v[f] * 10 + (uint64_t)(line[i++] - '0');
		/* prio and seq end with ','; usec with ',' (more fields) or ';' */
		if (i == start || i >= len || (line[i] != ',' && (f < 2 || line[i] != ';')))
			return -EINVAL;
		i++;
	}
	*ret_seq = v[1];
	*ret_usec = v[2];
	return 0;
}

char *sc_audit_escape(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	if (!size)
		return buf;
	while (*p) {
		uint32_t cp = 0;
		size_t n = sc_utf8_len(p, 4, &cp);
		bool plain = n > 0 && cp >= 0x20 && cp != 0x7f && cp != '\\' &&
			     !(cp >= 0x80 && cp <= 0x9f);
		size_t need = plain ? n : 4;
		if (o + need >= size)
			break;
		if (plain) {
			memcpy(buf + o, p, n);
			p += n;
		} else {
			(void)snprintf(buf + o, 5, "\\x%02x", *p);
			p++;
		}
		o += need;
	}
	buf[o] = 0;
	return buf;
}
