/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the streaming line reader (audit.h): lines of a file, pipe or /dev/kmsg read in large
 * blocks, a line that outgrows the buffer given up on and counted, and records parsed straight
 * from the buffer where the parser can (sc_audit_parse_next()). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/audit.h"

#define READER_INITIAL	(1u << 20)
#define READER_MIN_ROOM (16u << 10) /* /dev/kmsg returns EINVAL when a record does not fit */
#define READER_MAX_LINE (64u << 20)

int sc_line_reader_init(struct sc_line_reader *r, int fd, size_t initial)
{
	*r = (struct sc_line_reader){ .fd = fd };
	if (initial == 0)
		initial = READER_INITIAL;
	if (initial < 2 * READER_MIN_ROOM)
		initial = 2 * READER_MIN_ROOM;
	r->buf = malloc(initial);
	if (!r->buf)
		return -ENOMEM;
	r->size = initial;
	return 0;
}

void sc_line_reader_done(struct sc_line_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->size = r->start = r->end = 0;
}

void sc_line_reader_reset(struct sc_line_reader *r, uint64_t offset)
{
	r->start = r->end = r->scan = 0;
	r->offset = offset;
	r->in_overlong = false;
	r->eof = false;
}

int sc_line_reader_next(struct sc_line_reader *r, bool flush, const char **line, size_t *len)
{
	size_t max_line = r->max_line ? r->max_line : READER_MAX_LINE;

	for (;;) {
		if (r->start < r->end) {
			/* Only what was read since the last look: a line that arrives in pieces
			 * (a pipe gives 64 KiB at a time) is searched once, not once a piece. */
			size_t from = r->scan > r->start ? r->scan : r->start;
			char *s = r->buf + r->start;
			char *nl = memchr(r->buf + from, '\n', r->end - from);
			if (nl) {
				size_t n = (size_t)(nl - s);
				r->start += n + 1;
				r->offset += n + 1;
				r->scan = r->start;
				if (r->in_overlong) {
					r->in_overlong = false;
					continue;
				}
				*line = s;
				*len = n;
				return 1;
			}
			r->scan = r->end;
			if (r->in_overlong) {
				/* The rest of a line given up on: nothing to keep. */
				r->offset += r->end - r->start;
				r->start = r->end = r->scan = 0;
			}
		}
		if (r->eof) {
			r->eof = false;
			if (flush && r->in_overlong && r->start == r->end) {
				r->in_overlong = false; /* its end is the file's: the line ended */
				return 0;
			}
			if (flush && r->start < r->end) {
				size_t n = r->end - r->start;
				*line = r->buf + r->start;
				*len = n;
				r->offset += n;
				r->start = r->end;
				if (r->in_overlong) {
					r->in_overlong = false;
					return 0;
				}
				return 1;
			}
			return 0;
		}
		/* Make room: move the partial line to the front, grow for long lines. */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scan = r->scan > r->start ? r->scan - r->start : 0;
			r->start = 0;
		}
		if (r->size - r->end < READER_MIN_ROOM) {
			if (r->size < max_line) {
				size_t ns = r->size * 2;
				char *nb = realloc(r->buf, ns);
				if (!nb)
					return -ENOMEM;
				r->buf = nb;
				r->size = ns;
			} else {
				/* Give up on this line: drop what we have, skip to its end. */
				if (!r->in_overlong)
					r->overlong++;
				r->in_overlong = true;
				r->offset += r->end;
				r->end = r->scan = 0;
			}
		}
		size_t want = r->size - r->end;
		if (r->limit) {
			uint64_t at = r->offset + (r->end - r->start);
			if (at >= r->limit) {
				r->eof = true;
				continue;
			}
			if (want > r->limit - at)
				want = (size_t)(r->limit - at);
		}
		ssize_t k = read(r->fd, r->buf + r->end, want);
		if (k < 0) {
			if (errno == EAGAIN) {
				r->eof = true;
				continue;
			}
			return -errno;
		}
		if (k == 0)
			r->eof = true;
		r->end += (size_t)k;
	}
}

int sc_line_reader_next_record(struct sc_line_reader *r, bool flush, unsigned skip,
			       struct sc_audit_record *rec)
{
	const char *line;
	size_t len;
	int k;

	if (!r->in_overlong && r->start < r->end) {
		size_t n = sc_audit_parse_next(r->buf + r->start, r->end - r->start, skip, rec);
		if (n) {
			r->start += n;
			r->offset += n;
			return 1;
		}
	}
	k = sc_line_reader_next(r, flush, &line, &len);
	if (k > 0)
		(void)sc_audit_parse_line_skip(line, len, skip, rec);
	return k;
}
