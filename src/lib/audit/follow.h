/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Following a log as it grows: a file across rotation (rename + create) and truncation
 * (copytruncate), or /dev/kmsg, through a line reader. For violations.c (the agent's
 * audit.log and /dev/kmsg) and `syscage logs --follow` alike (internal to libsyscage). What a
 * caller does with a rotation (count it, read the rotated copy) is the caller's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "syscage/audit.h"

struct sc_follow {
	char *path;	 /* owned; NULL: standard input (never closed) */
	int fd;		 /* -1: not open */
	bool kmsg;	 /* /dev/kmsg: records, not a file; it never rotates */
	bool nonblock;	 /* opened with O_NONBLOCK */
	size_t buf_size; /* the line reader's first buffer (0: 1 MiB, to read files fast) */
	dev_t dev;
	ino_t ino;
	uint64_t size; /* a regular file's size at open (for progress), else 0 */
	struct sc_line_reader r;
	bool reader_ok;
	/* A regular file's first bytes, as they were when reading began: a copytruncate that
	 * refilled the file to its old size before we looked is told by them changing. */
	char head[64];
	size_t head_n;
};

/* Set up f for 'path' (copied; NULL: standard input), not yet open. 0 or -ENOMEM. */
int sc_follow_init(struct sc_follow *f, const char *path, bool kmsg, bool nonblock,
		   size_t buf_size);
/* Close and forget the path. */
void sc_follow_done(struct sc_follow *f);

/* Open f->path, from its start, or at its end with 'at_end' (/dev/kmsg: the next record to be
 * written). -errno when it cannot be opened (f stays closed). */
int sc_follow_open(struct sc_follow *f, bool at_end);
void sc_follow_close(struct sc_follow *f);

enum sc_follow_change {
	SC_FOLLOW_SAME,	     /* nothing happened, or the file is between rename and create */
	SC_FOLLOW_TRUNCATED, /* truncated in place below where we read (copytruncate) */
	SC_FOLLOW_REPLACED,  /* another file under the name (renamed, re-created) */
};

/* What happened to the followed file since it was opened. Truncation is told by the size
 * below where we read, or by the first bytes changing (truncated and refilled past where we
 * read before we looked; same inode). Standard input and /dev/kmsg are always SC_FOLLOW_SAME. */
enum sc_follow_change sc_follow_check(struct sc_follow *f);
/* After SC_FOLLOW_TRUNCATED: read again from the start. 0 or -errno. */
int sc_follow_rewind(struct sc_follow *f);
/* After SC_FOLLOW_REPLACED (and the old file read to its end): close, open the new file from
 * its start. -ENOENT when it is gone meanwhile (f stays closed: open it later). */
int sc_follow_reopen(struct sc_follow *f);

/* copytruncate copies the file to PATH.1 and truncates it: what was written after 'offset'
 * (where we had read to) went to the copy. Opens PATH.1 at 'offset' into *ret (blocking,
 * sc_follow_done it): 1; 0 when the copy holds nothing past 'offset'; -ENOENT when there is
 * no such copy (or it cannot be read): what was written after 'offset' and before the
 * truncation may be gone. */
int sc_follow_open_copy(const struct sc_follow *f, uint64_t offset, struct sc_follow *ret);
