/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the batch of temp-file-and-rename writes: the temp files' creation, the batch's
 * directories and items, the commit (one sync, renames, directory fsyncs) and each item's
 * result. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/batch.h"
#include "macro.h"

#define PENDING 1 /* an item's result before its rename */

struct bdir {
	int fd;	     /* ours; -1 for a subdir */
	size_t root; /* the fd directory it lies below (itself for one) */
	char *name;  /* a subdir's name below 'parent' */
	size_t parent;
	dev_t dev;
	ino_t ino;
	bool changed; /* a file was renamed into it this commit */
};

struct bitem {
	size_t tdir, dir;
	char *tmp; /* then the final name, in the same allocation */
	const char *name;
	int err;       /* PENDING, 0 renamed, -errno */
	bool tmp_gone; /* renamed or removed */
	bool dropped;
};

struct sc_batch {
	struct bdir *dirs;
	size_t n_dirs, cap_dirs;
	struct bitem *v;
	size_t n, cap;
};

int sc_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sc_batch_write_tmp(int dirfd, const char *tmp, const void *data, size_t len, mode_t mode,
		       unsigned flags)
{
	int fd, r;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = sc_write_all(fd, data, len);
	if (r == 0 && (flags & SC_TMP_EXACT_MODE) && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && (flags & SC_TMP_SYNC) && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

int sc_batch_new(struct sc_batch **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static int dir_grow(struct sc_batch *b)
{
	size_t nc;
	struct bdir *nd;

	if (b->n_dirs < b->cap_dirs)
		return 0;
	nc = b->cap_dirs ? b->cap_dirs * 2 : 8;
	nd = reallocarray(b->dirs, nc, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	b->dirs = nd;
	b->cap_dirs = nc;
	return 0;
}

ssize_t sc_batch_dir(struct sc_batch *b, int dirfd)
{
	struct stat st;
	int fd;

	if (fstat(dirfd, &st) < 0)
		return -errno;
	for (size_t i = b->n_dirs; i-- > 0;)
		if (b->dirs[i].fd >= 0 && b->dirs[i].dev == st.st_dev &&
		    b->dirs[i].ino == st.st_ino)
			return (ssize_t)i;
	if (dir_grow(b) < 0)
		return -ENOMEM;
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	b->dirs[b->n_dirs] =
		(struct bdir){ .fd = fd, .root = b->n_dirs, .dev = st.st_dev, .ino = st.st_ino };
	return (ssize_t)b->n_dirs++;
}

ssize_t sc_batch_subdir(struct sc_batch *b, size_t parent, const char *name)
{
	struct bdir *last = b->n_dirs ? &b->dirs[b->n_dirs - 1] : NULL;
	char *copy;

	if (parent >= b->n_dirs)
		return -EINVAL;
	if (last && last->name && last->parent == parent && streq(last->name, name))
		return (ssize_t)(b->n_dirs - 1);
	if (dir_grow(b) < 0)
		return -ENOMEM;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	b->dirs[b->n_dirs] = (struct bdir){ .fd = -1,
					    .root = b->dirs[parent].root,
					    .name = copy,
					    .parent = parent,
					    .dev = b->dirs[parent].dev };
	return (ssize_t)b->n_dirs++;
}

int sc_batch_dir_fd(const struct sc_batch *b, size_t dir)
{
	return dir < b->n_dirs && b->dirs[dir].fd >= 0 ? b->dirs[dir].fd : -EBADF;
}

const char *sc_batch_dir_name(const struct sc_batch *b, size_t dir)
{
	return dir < b->n_dirs ? b->dirs[dir].name : NULL;
}

/* Open directory 'dir' for a moment (a subdir, below its parent): the fd to close, or -errno. */
static int dir_open(const struct sc_batch *b, size_t dir)
{
	const struct bdir *d = &b->dirs[dir];
	int pfd, fd;

	if (d->fd >= 0) {
		fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	pfd = b->dirs[d->parent].fd >= 0 ? b->dirs[d->parent].fd : dir_open(b, d->parent);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	if (b->dirs[d->parent].fd < 0)
		(void)close(pfd);
	return fd;
}

ssize_t sc_batch_add(struct sc_batch *b, size_t tmp_dir, const char *tmp, size_t dir,
		     const char *name)
{
	size_t lt = strlen(tmp), ln = strlen(name);
	struct bitem *it;
	char *s;

	if (tmp_dir >= b->n_dirs || b->dirs[tmp_dir].fd < 0 || dir >= b->n_dirs)
		return -EINVAL;
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct bitem *nv = reallocarray(b->v, nc, sizeof(*nv));
		if (!nv)
			goto nomem;
		b->v = nv;
		b->cap = nc;
	}
	s = malloc(lt + ln + 2);
	if (!s)
		goto nomem;
	memcpy(s, tmp, lt + 1);
	memcpy(s + lt + 1, name, ln + 1);
	it = &b->v[b->n];
	*it = (struct bitem){
		.tdir = tmp_dir, .dir = dir, .tmp = s, .name = s + lt + 1, .err = PENDING
	};
	return (ssize_t)b->n++;
nomem:
	(void)unlinkat(b->dirs[tmp_dir].fd, tmp, 0);
	return -ENOMEM;
}

size_t sc_batch_size(const struct sc_batch *b)
{
	return b->n;
}

size_t sc_batch_item_dir(const struct sc_batch *b, size_t i)
{
	return b->v[i].dir;
}

static void remove_tmp(struct sc_batch *b, struct bitem *it)
{
	if (it->tmp_gone)
		return;
	(void)unlinkat(b->dirs[it->tdir].fd, it->tmp, 0);
	it->tmp_gone = true;
}

void sc_batch_drop(struct sc_batch *b, size_t i)
{
	remove_tmp(b, &b->v[i]);
	b->v[i].err = -ECANCELED;
	b->v[i].dropped = true;
}

int sc_batch_rename(struct sc_batch *b, size_t i, int dirfd)
{
	struct bitem *it = &b->v[i];
	int fd = dirfd, own = -1;

	if (it->err != PENDING)
		return it->err;
	if (fd < 0) {
		fd = b->dirs[it->dir].fd;
		if (fd < 0)
			fd = own = dir_open(b, it->dir);
	}
	if (fd < 0)
		it->err = fd;
	else if (renameat(b->dirs[it->tdir].fd, it->tmp, fd, it->name) < 0)
		it->err = -errno;
	else
		it->err = 0, it->tmp_gone = true;
	if (own >= 0)
		(void)close(own);
	return it->err;
}

void sc_batch_fail(struct sc_batch *b, size_t i, int err)
{
	if (b->v[i].err == PENDING)
		b->v[i].err = err < 0 ? err : -EIO;
}

/* Data before names: each temp file fsync'ed, or one syncfs per file system. */
static int batch_sync(struct sc_batch *b, size_t fsync_max)
{
	if (b->n <= fsync_max) {
		for (size_t i = 0; i < b->n; i++) {
			struct bitem *it = &b->v[i];
			int fd, r = 0;
			if (it->dropped)
				continue;
			fd = openat(b->dirs[it->tdir].fd, it->tmp,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fsync(fd) < 0)
				r = -errno;
			if (fd >= 0)
				(void)close(fd);
			if (r < 0)
				return r;
		}
		return 0;
	}
	for (size_t i = 0; i < b->n_dirs; i++) {
		bool seen = false;
		if (b->dirs[i].fd < 0)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = b->dirs[k].fd >= 0 && b->dirs[k].dev == b->dirs[i].dev;
		if (!seen && syncfs(b->dirs[i].fd) < 0)
			return -errno;
	}
	return 0;
}

/* The renames one by one, a subdir opened once per run of its items. */
static void rename_here(struct sc_batch *b)
{
	size_t cur = SIZE_MAX;
	int fd = -1;

	for (size_t i = 0; i < b->n; i++) {
		size_t d = b->v[i].dir;
		if (b->v[i].err != PENDING)
			continue;
		if (b->dirs[d].fd >= 0) {
			(void)sc_batch_rename(b, i, -1);
			continue;
		}
		if (d != cur) {
			if (fd >= 0)
				(void)close(fd);
			fd = dir_open(b, d);
			cur = d;
		}
		if (fd < 0)
			sc_batch_fail(b, i, fd);
		else
			(void)sc_batch_rename(b, i, fd);
	}
	if (fd >= 0)
		(void)close(fd);
}

int sc_batch_commit(struct sc_batch *b, const struct sc_batch_commit *c)
{
	int r = 0;

	if (b->n == 0)
		return 0;
	r = batch_sync(b, c ? c->fsync_max : 0);
	if (r == 0) {
		if (c && c->rename_all)
			r = c->rename_all(b, c->userdata);
		else
			rename_here(b);
	}
	for (size_t i = 0; i < b->n_dirs; i++)
		b->dirs[i].changed = false;
	for (size_t i = 0; i < b->n; i++) {
		struct bitem *it = &b->v[i];
		if (it->err == PENDING)
			it->err = r < 0 ? r : -ECANCELED;
		if (it->err == 0)
			b->dirs[it->dir].changed = true;
	}
	/* The names durable: each directory that got a file, once. */
	for (size_t i = 0; i < b->n_dirs; i++) {
		int fd;
		if (!b->dirs[i].changed)
			continue;
		if (b->dirs[i].fd >= 0) {
			(void)fsync(b->dirs[i].fd);
			continue;
		}
		fd = dir_open(b, i);
		if (fd >= 0) {
			(void)fsync(fd);
			(void)close(fd);
		}
	}
	for (size_t i = 0; i < b->n; i++) {
		struct bitem *it = &b->v[i];
		if (it->err < 0)
			remove_tmp(b, it);
		if (r == 0 && it->err < 0 && !it->dropped)
			r = it->err;
	}
	return r;
}

int sc_batch_result(const struct sc_batch *b, size_t i)
{
	return b->v[i].err == PENDING ? -ECANCELED : b->v[i].err;
}

void sc_batch_reset(struct sc_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		remove_tmp(b, &b->v[i]);
		free(b->v[i].tmp);
	}
	b->n = 0;
}

struct sc_batch *sc_batch_free(struct sc_batch *b)
{
	if (!b)
		return NULL;
	sc_batch_reset(b);
	for (size_t i = 0; i < b->n_dirs; i++) {
		if (b->dirs[i].fd >= 0)
			(void)close(b->dirs[i].fd);
		free(b->dirs[i].name);
	}
	free(b->dirs);
	free(b->v);
	free(b);
	return NULL;
}
