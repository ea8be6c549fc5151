/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns following a log across rotation and truncation (see follow.h): how a rotation is
 * told from a file that grew, and how the reading starts over. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/follow.h"
#include "macro.h"

int sc_follow_init(struct sc_follow *f, const char *path, bool kmsg, bool nonblock, size_t buf_size)
{
	*f = (struct sc_follow){
		.fd = -1, .kmsg = kmsg, .nonblock = nonblock, .buf_size = buf_size
	};
	if (path) {
		f->path = strdup(path);
		if (!f->path)
			return -ENOMEM;
	}
	return 0;
}

void sc_follow_close(struct sc_follow *f)
{
	if (f->reader_ok)
		sc_line_reader_done(&f->r);
	f->reader_ok = false;
	if (f->fd >= 0 && f->path)
		(void)close(f->fd);
	f->fd = -1;
}

void sc_follow_done(struct sc_follow *f)
{
	sc_follow_close(f);
	free(f->path);
	f->path = NULL;
}

/* Remember the first bytes of a regular file (pread: the reading position stays). */
static void head_load(struct sc_follow *f)
{
	ssize_t k;

	f->head_n = 0;
	if (f->kmsg || !f->path || f->fd < 0)
		return;
	k = pread(f->fd, f->head, sizeof(f->head), 0);
	f->head_n = k > 0 ? (size_t)k : 0;
}

/* Do the file's first bytes still read as they did? A head shorter than its buffer grows
 * with the file. */
static bool head_same(struct sc_follow *f)
{
	char buf[sizeof(f->head)];
	ssize_t k = pread(f->fd, buf, sizeof(buf), 0);

	if (k < 0)
		return true; /* cannot tell */
	if ((size_t)k < f->head_n || memcmp(buf, f->head, f->head_n) != 0)
		return false;
	memcpy(f->head, buf, (size_t)k);
	f->head_n = (size_t)k;
	return true;
}

int sc_follow_open(struct sc_follow *f, bool at_end)
{
	struct stat st;
	int r;

	if (!f->path)
		f->fd = STDIN_FILENO;
	else
		f->fd = open(f->path, O_RDONLY | O_CLOEXEC | (f->nonblock ? O_NONBLOCK : 0));
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	}
	r = sc_line_reader_init(&f->r, f->fd, f->buf_size);
	if (r < 0) {
		sc_follow_close(f);
		return r;
	}
	f->reader_ok = true;
	if (S_ISREG(st.st_mode))
		head_load(f);
	if (at_end) {
		/* /dev/kmsg: SEEK_END moves to the next record to be written; files: the end. */
		off_t off = lseek(f->fd, 0, SEEK_END);
		if (off < 0 && !f->kmsg) {
			r = -errno;
			sc_follow_close(f);
			return r;
		}
		sc_line_reader_reset(&f->r, off > 0 && !f->kmsg ? (uint64_t)off : 0);
	}
	return 0;
}

enum sc_follow_change sc_follow_check(struct sc_follow *f)
{
	struct stat st, cur;

	if (f->kmsg || !f->path || f->fd < 0)
		return SC_FOLLOW_SAME;
	if (fstat(f->fd, &cur) == 0 && S_ISREG(cur.st_mode) &&
	    ((uint64_t)cur.st_size < f->r.offset || !head_same(f)))
		return SC_FOLLOW_TRUNCATED;
	if (stat(f->path, &st) < 0)
		return SC_FOLLOW_SAME; /* renamed, the new one not created yet */
	if (st.st_dev == f->dev && st.st_ino == f->ino)
		return SC_FOLLOW_SAME;
	return SC_FOLLOW_REPLACED;
}

int sc_follow_rewind(struct sc_follow *f)
{
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return -errno;
	sc_line_reader_reset(&f->r, 0);
	head_load(f);
	return 0;
}

int sc_follow_reopen(struct sc_follow *f)
{
	sc_follow_close(f);
	return sc_follow_open(f, false);
}

int sc_follow_open_copy(const struct sc_follow *f, uint64_t offset, struct sc_follow *ret)
{
	char path[4096];
	struct stat st;
	int r;

	if (!f->path || snprintf(path, sizeof(path), "%s.1", f->path) >= (int)sizeof(path))
		return -ENOENT;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	if ((uint64_t)st.st_size <= offset)
		return 0;
	r = sc_follow_init(ret, path, false, false, 0);
	if (r < 0)
		return r;
	/* A copy of the file we read starts as it did; an older PATH.1 (a rename rotation's)
	 * does not. */
	if (sc_follow_open(ret, false) < 0 || ret->head_n < f->head_n ||
	    memcmp(ret->head, f->head, f->head_n) != 0 ||
	    lseek(ret->fd, (off_t)offset, SEEK_SET) < 0) {
		sc_follow_done(ret);
		return -ENOENT;
	}
	sc_line_reader_reset(&ret->r, offset);
	return 1;
}
