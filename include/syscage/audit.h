/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp audit record parser: one line of any log a node keeps (/dev/kmsg, dmesg, syslog
 * in traditional and RFC 5424 form, journalctl -k text and -o json, auditd's audit.log raw and
 * ENRICHED) into a record, plus the kernel's messages that say records were dropped.
 * Single pass, no regex, no allocation: the record points nowhere outside itself. A streaming
 * line reader handles lines of any length and files larger than memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "profile.h"

/* What a line was. */
enum sc_audit_kind {
	SC_AUDIT_FOREIGN, /* not an audit line (skipped) */
	SC_AUDIT_SECCOMP, /* a seccomp record (type=1326 / type=SECCOMP): the record is filled */
	SC_AUDIT_OTHER,	  /* another audit record: only time and serial are filled (gap counting) */
	SC_AUDIT_LOSS,	  /* a message saying records were dropped: loss and lost are filled */
	SC_AUDIT_MALFORMED, /* looked like a seccomp record, but arch or syscall could not be read
			     */
	_SC_AUDIT_KIND_COUNT,
};

/* The log format a line was recognised as (from its prefix). */
enum sc_audit_source {
	SC_AUDIT_SRC_UNKNOWN,
	SC_AUDIT_SRC_KMSG,    /* /dev/kmsg: "6,1234,5678,-;audit: type=1326 ..." */
	SC_AUDIT_SRC_DMESG,   /* dmesg: "[ 12.345] audit: ..." or "audit: ..." */
	SC_AUDIT_SRC_SYSLOG,  /* "Jul  6 15:37:40 host kernel: ...", also journalctl short/iso */
	SC_AUDIT_SRC_RFC5424, /* "<4>1 2026-11-23T10:00:00Z host kernel - - - ..." */
	SC_AUDIT_SRC_JOURNAL_JSON, /* journalctl -o json: {"MESSAGE":"...", ...} */
	SC_AUDIT_SRC_AUDITD,	   /* audit.log: "type=SECCOMP msg=audit(...): ..." */
	_SC_AUDIT_SRC_COUNT,
};

/* Kinds of loss messages. */
enum sc_audit_loss {
	SC_AUDIT_LOSS_NONE,
	SC_AUDIT_LOSS_SUPPRESSED, /* "kauditd_printk_skb: N callbacks suppressed": N records */
	SC_AUDIT_LOSS_RATE_LIMIT, /* "audit: rate limit exceeded" (audit_rate_limit) */
	SC_AUDIT_LOSS_BACKLOG,	  /* "audit: backlog limit exceeded", "audit_backlog=N >
				     audit_backlog_limit=M", "kauditd hold queue overflow" */
	SC_AUDIT_LOSS_COUNTER,	  /* "audit_lost=N" / "lost=N": the kernel's cumulative counter */
	SC_AUDIT_LOSS_PRINTK,	  /* "audit: printk limit exceeded" */
	_SC_AUDIT_LOSS_COUNT,
};

/* Which fields a record has (bits of sc_audit_record.have). */
enum {
	SC_AUDIT_HAVE_TIME = 1u << 0,
	SC_AUDIT_HAVE_SERIAL = 1u << 1,
	SC_AUDIT_HAVE_PID = 1u << 2,
	SC_AUDIT_HAVE_UID = 1u << 3,
	SC_AUDIT_HAVE_GID = 1u << 4,
	SC_AUDIT_HAVE_AUID = 1u << 5,
	SC_AUDIT_HAVE_SES = 1u << 6,
	SC_AUDIT_HAVE_COMM = 1u << 7,
	SC_AUDIT_HAVE_EXE = 1u << 8,
	SC_AUDIT_HAVE_ARCH = 1u << 9,
	SC_AUDIT_HAVE_SYSCALL = 1u << 10,
	SC_AUDIT_HAVE_COMPAT = 1u << 11,
	SC_AUDIT_HAVE_IP = 1u << 12,
	SC_AUDIT_HAVE_CODE = 1u << 13,
	SC_AUDIT_HAVE_SIG = 1u << 14,
};
/* In a parse's 'skip' only: a quoted comm= or exe= need not be copied into comm[] or exe[];
 * comm_v and exe_v are enough for the caller. */
#define SC_AUDIT_VIEWS_ONLY (1u << 31)

/* A decoded string field: its bytes (not NUL-terminated) and their number. */
struct sc_audit_view {
	const char *s;
	size_t n;
};

#define SC_AUDIT_COMM_MAX 64	/* the kernel's comm is 16 bytes; room for odd producers */
#define SC_AUDIT_EXE_MAX  4096	/* PATH_MAX */
#define SC_AUDIT_SCRATCH  16384 /* journal JSON MESSAGE values are unescaped here */

struct sc_audit_record {
	enum sc_audit_kind kind;
	enum sc_audit_source source;
	unsigned have;	  /* SC_AUDIT_HAVE_* */
	unsigned skip;	  /* the parse's 'skip' (sc_audit_parse_line_skip) */
	uint64_t time_ms; /* audit(<sec>.<ms>:...) as milliseconds since the epoch */
	uint64_t serial;  /* audit(...:<serial>) */
	uint32_t pid, uid, gid, auid, ses;
	int32_t sig;
	uint32_t audit_arch; /* the arch= token */
	enum sc_arch arch;   /* its ABI (x32 from the syscall bit); -EINVAL when unknown */
	uint32_t nr;	     /* syscall=, as in seccomp_data.nr (x32 bit included) */
	const char *name;    /* the syscall's name on 'arch' (borrowed, static); NULL if unknown */
	uint32_t compat;
	uint64_t ip;
	uint32_t code;		      /* code=: the filter's SECCOMP_RET_* value */
	enum sc_action action;	      /* decoded from code */
	uint32_t data;		      /* errno (ERRNO) or trace data */
	char comm[SC_AUDIT_COMM_MAX]; /* decoded (hex or quoted), NUL-terminated, may be truncated
				       */
	char exe[SC_AUDIT_EXE_MAX];
	/* comm and exe without a copy, set with SC_AUDIT_HAVE_COMM and _EXE (else empty): the
	 * bytes in the parsed line itself when the value was quoted (valid as long as the line
	 * is), else in comm[] or exe[]. Truncated as comm[] and exe[] are. */
	struct sc_audit_view comm_v, exe_v;
	bool truncated; /* comm or exe was longer than its buffer */
	/* Loss messages */
	enum sc_audit_loss loss;
	uint64_t lost; /* the number the message gave (0 = unknown) */
	char scratch[SC_AUDIT_SCRATCH];
};

/* Parse one line (without its newline; need not be NUL-terminated). Never allocates and never
 * fails: returns the kind, also stored in rec->kind. Fields not present are not in rec->have. */
enum sc_audit_kind sc_audit_parse_line(const char *line, size_t len, struct sc_audit_record *rec);
/* The same, free not to decode the SC_AUDIT_HAVE_* fields in 'skip' (they may then be
 * missing from rec->have): what a caller never looks at costs nothing. */
enum sc_audit_kind sc_audit_parse_line_skip(const char *line, size_t len, unsigned skip,
					    struct sc_audit_record *rec);
/* The first line of buf (avail bytes, lines end with '\n'), parsed as
 * sc_audit_parse_line_skip() parses it without its '\n': faster for auditd's seccomp records,
 * which are read from the buffer in one pass. Returns the line's length with its '\n', or 0
 * (nothing parsed) when buf holds no whole line. */
size_t sc_audit_parse_next(const char *buf, size_t avail, unsigned skip,
			   struct sc_audit_record *rec);

/* The header of a /dev/kmsg record, "<prio>,<seq>,<usec>,<flags>[,...];": its sequence number
 * and time in microseconds since boot (CLOCK_MONOTONIC). Returns 0, or -EINVAL when 'line' does
 * not start with one. */
int sc_audit_kmsg_header(const char *line, size_t len, uint64_t *ret_seq, uint64_t *ret_usec);

/* A name from a record (comm and exe hold any bytes the workload chose, decoded from hex) for
 * a text report or a terminal: control characters (C0, DEL, C1), backslash and bytes that are
 * not UTF-8 are written as \xHH, so a name cannot forge report rows or send escape
 * sequences. Writes at most size - 1 bytes and a NUL, never a cut escape; returns buf. */
char *sc_audit_escape(const char *s, char *buf, size_t size);

const char *sc_audit_source_to_string(enum sc_audit_source s);
const char *sc_audit_loss_to_string(enum sc_audit_loss l);

/* A streaming line reader over an fd: a buffer that grows only for lines longer than it. */
struct sc_line_reader {
	int fd;
	char *buf;
	size_t size, start, end;
	uint64_t offset;   /* file offset of the next line's first byte */
	bool eof;	   /* the last read returned 0 (or EAGAIN on a non-blocking fd) */
	size_t max_line;   /* lines longer than this are skipped in pieces (0: 64 MiB) */
	uint64_t overlong; /* number of lines skipped for length */
	bool in_overlong;  /* skipping the rest of an over-long line */
	uint64_t limit;	   /* 0, or the file offset where reading stops, as at an end of file */
	size_t scan;	   /* buf[start, scan) holds no '\n': a long line is searched once */
};

/* Initialise for 'fd' (not owned) with a buffer of 'initial' bytes (0: 1 MiB, for reading
 * files fast; a follower of a quiet log wants far less). Returns 0 or -ENOMEM. */
int sc_line_reader_init(struct sc_line_reader *r, int fd, size_t initial);
void sc_line_reader_done(struct sc_line_reader *r);
/* Next complete line (without '\n'): returns 1 and sets *line and *len (valid until the next call),
 * 0 when no complete line is available (end of file, or EAGAIN), -errno on read errors
 * (-EPIPE on /dev/kmsg: records were overwritten before we read them; reading may go on).
 * With 'flush', a final line without '\n' at end of file is returned as a line; without it,
 * it stays buffered (for --follow: the writer may be mid-line). */
int sc_line_reader_next(struct sc_line_reader *r, bool flush, const char **line, size_t *len);
/* Forget buffered data (after a seek or truncation); 'offset' is the new file position. The
 * limit is kept. */
void sc_line_reader_reset(struct sc_line_reader *r, uint64_t offset);
/* The next line as sc_line_reader_next() gives it, parsed into rec as
 * sc_audit_parse_line_skip() would (auditd's seccomp records straight from the buffer, see
 * sc_audit_parse_next()). Returns as sc_line_reader_next(); rec's views point into the
 * reader's buffer until the next call. */
int sc_line_reader_next_record(struct sc_line_reader *r, bool flush, unsigned skip,
			       struct sc_audit_record *rec);
