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
#include "leftovers.h"
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

/* The directories the outputs' commit made (missing parents of -o), shallowest first per
 * call: removed again, deepest first, when the commit is undone. */
static char **made;
static size_t n_made;

int pending_mkdirs(const char *dir)
{
	cleanup_free char *tidy = NULL, *d = NULL;
	size_t first = n_made, len;
	struct stat st;
	int fd;

	/* As it will be: for "new/../x" only x is made, and only x is to be undone. */
	fd = sc_dir_tidy(dir, &tidy);
	if (fd < 0)
		return fd;
	d = strdup(tidy);
	if (!d)
		return -ENOMEM;
	/* What is missing now, deepest first: those are what sc_open_dir_mkdirs makes. */
	for (len = strlen(d); len > 0 && stat(d, &st) < 0 && errno == ENOENT;) {
		char **v = reallocarray(made, n_made + 1, sizeof(*made));
		if (!v)
			return -ENOMEM;
		made = v;
		made[n_made] = strdup(d);
		if (!made[n_made])
			return -ENOMEM;
		n_made++;
		while (len > 0 && d[len - 1] == '/')
			d[--len] = '\0';
		while (len > 0 && d[len - 1] != '/')
			d[--len] = '\0';
		while (len > 1 && d[len - 1] == '/')
			d[--len] = '\0';
		if (len == 0)
			break;
	}
	/* Shallowest first, so that undoing the whole record in reverse goes deepest first. */
	for (size_t i = first, j = n_made; i + 1 < j; i++, j--) {
		char *t = made[i];
		made[i] = made[j - 1];
		made[j - 1] = t;
	}
	fd = sc_open_dir_mkdirs(tidy);
	if (fd < 0)
		return fd;
	(void)close(fd);
	return 0;
}

static void made_forget(bool remove)
{
	for (size_t i = n_made; i-- > 0;) {
		if (remove)
			(void)rmdir(made[i]); /* only if still empty: nothing of anyone else's */
		free(made[i]);
	}
	free(made);
	made = NULL;
	n_made = 0;
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

static int open_output(struct pending *p, const char *path, bool spool_ok)
{
	struct stat st;
	const char *slash = strrchr(path, '/');

	*p = (struct pending){ .path = path, .fd = -1 };
	p->buf = malloc(PENDING_BUF);
	if (!p->buf)
		return -ENOMEM;
	p->name = slash ? slash + 1 : path;
	if (streq(p->name, ".") || streq(p->name, ".."))
		return -EISDIR; /* "DIR/." or "DIR/..": a directory, there or not yet */
	if (!streq(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR; /* now, not when the others are put in place */
	if (streq(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
		return spool_ok ? start_spooled(p) : -EAGAIN;
	if (!sc_name_is_safe(p->name))
		return -EINVAL;
	p->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (!p->dir)
		return -ENOMEM;
	if (stat(p->dir, &st) < 0 && errno == ENOENT) {
		/* Made only once everything is bound: nothing is written before. */
		p->mkdir = p->dir;
		p->dir = NULL;
		return spool_ok ? start_spooled(p) : -EAGAIN;
	}
	p->fd = temp_beside(p);
	return p->fd < 0 ? p->fd : 0;
}

int pending_open(struct pending *p, const char *path)
{
	return open_output(p, path, true);
}

int pending_open_beside(struct pending *p, const char *path)
{
	return open_output(p, path, false);
}

static int pending_flush(struct pending *p)
{
	int r = sc_write_all(p->fd, p->buf, p->n);
	p->written += p->n;
	p->n = 0;
	/* A temp file's pages handed to writeback a MiB at a time: its fsync at the end then
	 * waits for the last of them (7 ms -> 1 ms for bind's 6 MiB output on ext4). */
	if (r == 0 && p->dir && p->written - p->synced >= (1u << 20)) {
		(void)sync_file_range(p->fd, p->synced, p->written - p->synced,
				      SYNC_FILE_RANGE_WRITE);
		p->synced = p->written;
	}
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

/* Ready to be put in place by a rename: a target whose directory is made only now gets it,
 * and its temp file beside it from the spool. */
static int prepare(struct pending *p)
{
	int fd, r;

	if (!p->mkdir)
		return 0;
	/* As it will be: "new/../x" makes x alone (sc_dir_tidy), and only x is undone. */
	r = sc_dir_tidy(p->mkdir, &p->dir);
	if (r < 0)
		return r;
	free(p->mkdir);
	p->mkdir = NULL;
	r = pending_mkdirs(p->dir);
	if (r < 0)
		return r;
	fd = temp_beside(p);
	if (fd < 0)
		return fd;
	r = copy_range(spool_fd, p->off, p->len, fd);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	return temp_done(fd);
}

/* The temp file into place, reversibly: a new target by a rename that replaces nothing; an
 * existing one exchanged with the temp file, which then holds the old content until
 * settle() (or undo()). A file system without those flags gets a plain rename, which cannot
 * be undone. */
static int place(struct pending *p)
{
	cleanup_free char *target = NULL;

	if (!p->dir)
		return 0; /* streamed at the end */
	if (asprintf(&target, "%s/%s", p->dir, p->name) < 0)
		return -ENOMEM;
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0) {
			p->placed = PLACED_NEW;
			return 0;
		}
		if (errno == EEXIST) {
			if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
				struct stat st;
				/* An exchange takes a directory too, which rename() refuses:
				 * one made there since pending_open() goes back. */
				if (lstat(p->tmp, &st) == 0 && S_ISDIR(st.st_mode)) {
					(void)renameat2(AT_FDCWD, p->tmp, AT_FDCWD, target,
							RENAME_EXCHANGE);
					return -EISDIR;
				}
				p->placed = PLACED_SWAPPED;
				return 0;
			}
			if (errno == ENOENT)
				continue; /* removed meanwhile: a new target after all */
		}
		if (errno != EINVAL)
			return -errno;
		/* Flags the file system does not know. */
		if (rename(p->tmp, target) < 0)
			return -errno;
		p->placed = PLACED_FINAL;
		free(p->tmp);
		p->tmp = NULL;
		return 0;
	}
	return -EBUSY;
}

/* Back as it was: a new target removed, an exchanged one exchanged back (the temp file then
 * holds the new content, removed by pending_close). */
static void undo(struct pending *p)
{
	cleanup_free char *target = NULL;

	if (p->placed != PLACED_NEW && p->placed != PLACED_SWAPPED)
		return;
	if (asprintf(&target, "%s/%s", p->dir, p->name) < 0)
		return;
	if (p->placed == PLACED_NEW)
		(void)unlink(target);
	else
		(void)renameat2(AT_FDCWD, p->tmp, AT_FDCWD, target, RENAME_EXCHANGE);
	p->placed = PLACED_NOT;
}

/* The old content the exchange left in the temp file goes. */
static void settle(struct pending *p)
{
	if (p->placed == PLACED_SWAPPED && p->tmp)
		(void)unlink(p->tmp);
	if (p->placed != PLACED_NOT) {
		free(p->tmp);
		p->tmp = NULL;
		p->placed = PLACED_FINAL;
	}
}

/* stdout, a device or a FIFO: the spooled bytes written out. */
static int stream(struct pending *p)
{
	int out = STDOUT_FILENO, r;

	if (p->dir)
		return 0;
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

/* A regular target by its directory's identity and its name: two spellings of one file
 * ("out/x.yaml", "./out/../out/x.yaml", a symlinked directory) are one key. */
struct target_key {
	dev_t dev;
	ino_t ino;
	const char *name;
	size_t i;
};

static int cmp_key(const void *x, const void *y)
{
	const struct target_key *a = x, *b = y;
	int c;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* -EEXIST when two outputs name one file (the second would replace the first): *ret_failed
 * the later, *ret_same_as the earlier. Every directory exists by now (prepare()). */
static int same_targets(struct pending *const *v, size_t n, size_t *ret_failed, size_t *ret_same_as)
{
	cleanup_free struct target_key *k = calloc(n + 1, sizeof(*k));
	size_t m = 0;

	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (!v[i]->dir)
			continue; /* streamed: stdout, a device or a FIFO takes both in turn */
		if (stat(v[i]->dir, &st) < 0)
			return -errno;
		k[m++] = (struct target_key){ st.st_dev, st.st_ino, v[i]->name, i };
	}
	qsort(k, m, sizeof(*k), cmp_key);
	for (size_t j = 1; j < m; j++)
		if (k[j].dev == k[j - 1].dev && k[j].ino == k[j - 1].ino &&
		    streq(k[j].name, k[j - 1].name)) {
			*ret_failed = k[j].i;
			*ret_same_as = k[j - 1].i;
			return -EEXIST;
		}
	return 0;
}

int pending_commit_all(struct pending *const *v, size_t n, struct pending_failure *ret)
{
	size_t i;
	int r = 0;

	*ret = (struct pending_failure){ 0 };
	/* 0. What a killed run left where these go: its temp files, some holding a replaced
	 * output's old content, would stay for ever. */
	{
		cleanup_free const char **dirs = calloc(n + 1, sizeof(*dirs));
		if (!dirs)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			dirs[i] = v[i]->dir;
		(void)leftovers_remove(dirs, n);
	}
	/* 1. Every temp file complete, every directory made: what can fail for want of room. */
	for (i = 0; i < n && r == 0; i++)
		r = prepare(v[i]);
	if (r < 0)
		ret->failed = i - 1;
	else
		r = same_targets(v, n, &ret->failed, &ret->same_as);
	/* 2. Renames only, each undone if a later one fails. */
	if (r == 0) {
		for (i = 0; i < n && r == 0; i++)
			r = place(v[i]);
		if (r < 0)
			ret->failed = i - 1;
	}
	if (r < 0) {
		for (size_t k = n; k-- > 0;) {
			if (v[k]->placed == PLACED_FINAL) {
				ret->not_undone++;
				ret->first_not_undone = k;
			}
			undo(v[k]);
		}
		/* The temp files go before the directories they are in. */
		for (size_t k = 0; k < n; k++)
			if (v[k]->tmp) {
				(void)unlink(v[k]->tmp);
				free(v[k]->tmp);
				v[k]->tmp = NULL;
			}
		made_forget(true);
		return r;
	}
	made_forget(false);
	for (i = 0; i < n; i++)
		settle(v[i]);
	/* 3. What cannot be taken back comes last. */
	for (i = 0; i < n; i++) {
		r = stream(v[i]);
		if (r < 0) {
			ret->failed = i;
			return r;
		}
	}
	return 0;
}

void pending_abort(void)
{
	made_forget(true);
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
