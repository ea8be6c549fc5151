/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Outputs written as made, put in place at the end (see pending.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/batch.h"
#include "base/install.h"
#include "cli.h"
#include "pending.h"
#include "sc-cleanup.h"

#define PENDING_BUF 65536

static int spool_fd = -1;

/* 'len' bytes of 'in' from 'off' into 'out'. */
static int copy_range(int in, off_t off, off_t len, int out)
{
	char buf[65536];

	while (len > 0) {
		ssize_t n =
			pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		int r = sc_write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* The spool: one unlinked temp file in $TMPDIR (or /tmp) that every spooled output appends to,
 * one after the other. */
static int spool(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];

	if (spool_fd >= 0)
		return spool_fd;
	if (!dir || !*dir)
		dir = "/tmp";
	spool_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (spool_fd >= 0)
		return spool_fd;
	/* A file system without O_TMPFILE: a named one, unlinked at once. */
	if (snprintf(path, sizeof(path), "%s/.syscage-bind.XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	spool_fd = mkostemp(path, O_CLOEXEC);
	if (spool_fd < 0)
		return -errno;
	(void)unlink(path);
	return spool_fd;
}

void pending_spool_close(void)
{
	if (spool_fd >= 0)
		(void)close(spool_fd);
	spool_fd = -1;
}

/* A temp file beside p->name in p->dir, named as sc_write_atomic names its temp files. */
static int temp_beside(struct pending *p)
{
	for (unsigned attempt = 0;; attempt++) {
		char name[NAME_MAX + 1];
		int r = sc_temp_name(name, p->name, attempt);
		if (r < 0)
			return r;
		free(p->tmp);
		if (asprintf(&p->tmp, "%s/%s", p->dir, name) < 0) {
			p->tmp = NULL;
			return -ENOMEM;
		}
		int fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		r = -errno;
		free(p->tmp);
		p->tmp = NULL;
		if (r != -EEXIST || attempt > 100)
			return r;
	}
}

static int start_spooled(struct pending *p)
{
	int fd = spool();

	if (fd < 0)
		return fd;
	p->off = lseek(fd, 0, SEEK_END);
	if (p->off < 0)
		return -errno;
	p->fd = fd;
	return 0;
}

int pending_open(struct pending *p, const char *path)
{
	struct stat st;
	const char *slash = strrchr(path, '/');

	*p = (struct pending){ .path = path, .fd = -1 };
	p->buf = malloc(PENDING_BUF);
	if (!p->buf)
		return -ENOMEM;
	p->name = slash ? slash + 1 : path;
	if (!streq(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR; /* now, not when the others are put in place */
	if (streq(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
		return start_spooled(p);
	if (!sc_name_is_safe(p->name))
		return -EINVAL;
	p->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (!p->dir)
		return -ENOMEM;
	if (stat(p->dir, &st) < 0 && errno == ENOENT) {
		/* Made only once everything is bound: nothing is written before. */
		p->mkdir = p->dir;
		p->dir = NULL;
		return start_spooled(p);
	}
	p->fd = temp_beside(p);
	return p->fd < 0 ? p->fd : 0;
}

static int pending_flush(struct pending *p)
{
	int r = sc_write_all(p->fd, p->buf, p->n);
	p->n = 0;
	return r;
}

int pending_write(void *userdata, const void *data, size_t n)
{
	struct pending *p = userdata;
	int r;

	if (p->n + n > PENDING_BUF) {
		r = pending_flush(p);
		if (r < 0)
			return r;
		if (n >= PENDING_BUF)
			return sc_write_all(p->fd, data, n);
	}
	memcpy(p->buf + p->n, data, n);
	p->n += n;
	return 0;
}

/* A temp file beside the target complete on disk, and closed. */
static int temp_done(int fd)
{
	int r = 0;

	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int pending_finish(struct pending *p)
{
	int r = pending_flush(p);

	free(p->buf);
	p->buf = NULL;
	if (r < 0)
		return r;
	if (!p->dir) {
		off_t end = lseek(p->fd, 0, SEEK_END);
		if (end < 0)
			return -errno;
		p->len = end - p->off;
		p->fd = -1; /* the spool stays open */
		return 0;
	}
	r = temp_done(p->fd);
	p->fd = -1;
	return r;
}

int pending_commit(struct pending *p)
{
	int out = STDOUT_FILENO, r;

	if (p->mkdir) {
		/* Made now, as sc_write_atomic makes missing parents; then as any target. */
		int dfd = sc_open_dir_mkdirs(p->mkdir);
		if (dfd < 0)
			return dfd;
		(void)close(dfd);
		p->dir = TAKE_PTR(p->mkdir);
		int fd = temp_beside(p);
		if (fd < 0)
			return fd;
		r = copy_range(spool_fd, p->off, p->len, fd);
		if (r < 0) {
			(void)close(fd);
			return r;
		}
		r = temp_done(fd);
		if (r < 0)
			return r;
	}
	if (p->dir) {
		cleanup_free char *target = NULL;
		if (asprintf(&target, "%s/%s", p->dir, p->name) < 0)
			return -ENOMEM;
		if (rename(p->tmp, target) < 0)
			return -errno;
		free(p->tmp);
		p->tmp = NULL;
		return 0;
	}
	if (!streq(p->path, "-")) {
		out = open(p->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (out < 0)
			return -errno;
	}
	r = copy_range(spool_fd, p->off, p->len, out);
	if (out != STDOUT_FILENO)
		(void)close(out);
	return r;
}

void pending_close(struct pending *p)
{
	if (p->tmp)
		(void)unlink(p->tmp);
	if (p->fd >= 0 && p->fd != spool_fd)
		(void)close(p->fd);
	free(p->tmp);
	free(p->dir);
	free(p->buf);
	free(p->mkdir);
	*p = (struct pending){ .fd = -1 };
}

static struct pending *guard_v, *guard_extra;
static size_t guard_n;

static void say(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

/* Async-signal-safe: unlink(), write() and _exit() only. */
static void on_sigbus(int sig)
{
	(void)sig;
	for (size_t i = 0; guard_v && i < guard_n; i++)
		if (guard_v[i].tmp)
			(void)unlink(guard_v[i].tmp);
	if (guard_extra && guard_extra->tmp)
		(void)unlink(guard_extra->tmp);
	say("syscage: error: an input file was truncated while it was read (SIGBUS): nothing was "
	    "written; run again once it is stable\n");
	_exit(EXIT_FINDINGS);
}

void pending_guard_sigbus(struct pending *v, size_t n, struct pending *extra)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	guard_v = v;
	guard_n = n;
	guard_extra = extra;
	sigset_t bus;

	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
	/* Blocked (by whoever started us), a fault would kill without the handler. */
	sigemptyset(&bus);
	sigaddset(&bus, SIGBUS);
	(void)sigprocmask(SIG_UNBLOCK, &bus, NULL);
}
