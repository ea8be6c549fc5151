/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns a pass's batch of profile writes: temp files in <root>/.tmp, the commit (fsyncs or one
 * syncfs, renames on the pool), and what did not land (a profile keeps its last good
 * version, counted and logged). */
#include "agent/reconcile-internal.h"

/* <root>/.tmp, emptied: what an interrupted pass (kill -9) left there goes. */
int rc_open_tmp_dir(int root_fd)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (mkdirat(root_fd, TMP_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(root_fd, TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			(void)unlinkat(fd, de->d_name, 0);
	if (d)
		closedir(d);
	return fd;
}

/* The temp file name for 'final' of namespace 'ns' with sequence number 'seq' into 'tmp'
 * (NAME_MAX + 1). Temp files live in <root>/.tmp (same file system: renamed into place),
 * never among the profiles: a kill -9 leaves them out of the kubelet's directories. */
int rc_tmp_name(char *tmp, const char *ns, const char *final, unsigned seq)
{
	int n = snprintf(tmp, NAME_MAX + 1, "%.63s.%.170s.%d.%u" TMP_SUFFIX, ns, final,
			 (int)getpid(), seq);
	return n < 0 || n >= NAME_MAX + 1 ? -ENAMETOOLONG : 0;
}

/* Create the temp file 'tmp' (NAME_MAX + 1 bytes; its sequence number in *seq) for 'final'
 * with 'data' (not fsync'ed: one syncfs covers the batch). Called by the writer threads at
 * once. */
int rc_create_tmp(struct run *x, const char *ns, const char *final, const char *data, size_t len,
		  char *tmp, unsigned *seq)
{
	int dirfd = x->r->tmp_fd, fd = -1;
	size_t off = 0;

	if (dirfd < 0)
		return dirfd; /* <root>/.tmp could not be made: -errno (EROFS, ENOSPC) */
	for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
		*seq = __atomic_fetch_add(&x->r->tmp_seq, 1, __ATOMIC_RELAXED);
		if (rc_tmp_name(tmp, ns, final, *seq) < 0)
			return -ENAMETOOLONG;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	while (off < len) {
		ssize_t k = write(fd, data + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			(void)close(fd);
			(void)unlinkat(dirfd, tmp, 0);
			return e;
		}
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		int e = -errno;
		(void)unlinkat(dirfd, tmp, 0);
		return e;
	}
	return 0;
}

/* An error that costs one profile its update, not the pass: the file system is full or
 * read-only, a quota, an I/O error. The pass goes on; the file keeps its last good version. */
bool rc_per_file_error(int r)
{
	return r < 0 && r != -ENOMEM && r != -EAGAIN && r != -ECANCELED;
}

/* Entry 'e' at 'path' was not updated ('err'): what is on disk is its last good version (or
 * nothing, for a new path); the next pass compares the disk again and retries. */
void rc_not_updated(struct run *x, struct entry *e, const char *path, int err)
{
	struct stat st;
	char b1[600];

	e->stale = true;
	e->has_ident = false;
	e->need_ident = false;
	/* What is on disk is not e->hash: no content is recorded (the index and the next pass
	 * trust the path as the agent's, as for an index without hashes). */
	e->hash = 0;
	e->size = fstatat(x->r->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (size_t)st.st_size
									      : 0;
	/* The first few by name; the agent logs the count and the cause of the pass. */
	if (x->res->n_not_updated++ < 5)
		rc_logf(x->r, "warn", "event=install-failed path=%s err=\"%s\"",
			rc_logval(path, b1, sizeof(b1)), strerror(-err));
	if (!x->res->install_err)
		x->res->install_err = err;
}

/* Queue a written temp file for the commit (on failure it is removed). */
static void unlink_tmp(struct run *x, const char *ns, const char *tmp)
{
	(void)unlinkat(ns ? x->r->tmp_fd : x->r->root_fd, tmp, 0);
}

int rc_add_pending(struct run *x, const char *ns, const char *tmp, const char *final, size_t entry1,
		   bool new_path)
{
	struct pending *v = reallocarray(x->pend, x->n_pend + 1, sizeof(*v));

	if (!v) {
		unlink_tmp(x, ns, tmp);
		return -ENOMEM;
	}
	x->pend = v;
	v[x->n_pend] = (struct pending){ .ns = ns ? strdup(ns) : NULL,
					 .tmp = strdup(tmp),
					 .final = strdup(final),
					 .entry1 = entry1,
					 .new_path = new_path };
	if ((ns && !v[x->n_pend].ns) || !v[x->n_pend].tmp || !v[x->n_pend].final) {
		unlink_tmp(x, ns, tmp);
		free(v[x->n_pend].ns);
		free(v[x->n_pend].tmp);
		free(v[x->n_pend].final);
		return -ENOMEM;
	}
	x->n_pend++;
	return 0;
}

/* Drop the temp files of an unfinished batch. */
void rc_abort_pending(struct run *x)
{
	for (size_t i = 0; i < x->n_pend; i++)
		if (x->pend[i].tmp) /* else renamed */
			unlink_tmp(x, x->pend[i].ns, x->pend[i].tmp);
}

/* Make the batch durable (one syncfs), rename every temp file into place, then sync the
 * directories that changed. */
/* Item i of the batch: renamed over its final. A renamed one has its tmp freed (NULL), so a
 * failure leaves exactly the rest to remove. */
static int rename_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	struct pending *p = &x->pend[i];
	int dfd = p->ns ? rc_worker_ns(w, p->ns) : x->r->root_fd;

	/* A failure is the item's (rc_commit_pending sorts them out), the others go on. */
	if (dfd < 0) {
		p->err = dfd;
		return rc_per_file_error(dfd) ? 0 : dfd;
	}
	if (renameat(p->ns ? x->r->tmp_fd : dfd, p->tmp, dfd, p->final) < 0) {
		p->err = -errno;
		return rc_per_file_error(p->err) ? 0 : p->err;
	}
	free(p->tmp);
	p->tmp = NULL;
	return 0;
}

/* The renames, on every CPU for a big batch (10,000 renames are the kernel's work),
 * then each namespace directory touched fsync'ed once: the names are durable. */
static int rename_all(struct run *x)
{
	struct pool p = { .x = x, .n = x->n_pend, .one = rename_one };
	const char *cur = NULL;
	int r = rc_pool_run(&p);

	for (size_t i = 0; i < x->n_pend; i++) {
		const char *ns = x->pend[i].ns;
		int fd;
		if (!ns || (cur && streq(cur, ns)))
			continue;
		cur = ns;
		fd = rc_open_ns(x, ns, false);
		if (fd >= 0) {
			(void)fsync(fd);
			(void)close(fd);
		}
	}
	return r;
}

/* The items of the batch that did not land ('err' unless their own): a profile keeps its last
 * good version, counted; the index's failure is returned. Their temp files go. */
static int fail_pending(struct run *x, int err)
{
	int r = 0;

	for (size_t i = 0; i < x->n_pend; i++) {
		struct pending *p = &x->pend[i];
		int e = p->err ? p->err : err;
		if (!p->tmp)
			continue;
		if (p->entry1 && rc_per_file_error(e)) {
			struct entry *en = &x->now[p->entry1 - 1];
			rc_not_updated(x, en, en->path, e);
			x->res->n_written--;
		} else if (r == 0) {
			r = e;
		}
	}
	rc_abort_pending(x);
	return r;
}

/* The pre-index (old and new paths) could not be written: profiles at new paths must not
 * land (the index on disk would not name them); the others still may. */
void rc_drop_new_paths(struct run *x, int err)
{
	size_t o = 0;

	for (size_t i = 0; i < x->n_pend; i++) {
		struct pending *p = &x->pend[i];
		if (!p->new_path) {
			x->pend[o++] = *p;
			continue;
		}
		unlink_tmp(x, p->ns, p->tmp);
		if (p->entry1) {
			struct entry *en = &x->now[p->entry1 - 1];
			rc_not_updated(x, en, en->path, err);
			x->res->n_written--;
		}
		free(p->ns);
		free(p->tmp);
		free(p->final);
	}
	x->n_pend = o;
}

int rc_commit_pending(struct run *x)
{
	int r = 0;

	if (x->n_pend == 0)
		return 0;
	/* Data before names: a few files are fsync'ed one by one (an update of one policy
	 * lands fast), a batch by one syncfs (10,000 fsyncs would take minutes). */
	if (x->n_pend <= SMALL_BATCH) {
		for (size_t i = 0; i < x->n_pend; i++) {
			struct pending *p = &x->pend[i];
			int dfd = p->ns ? x->r->tmp_fd : x->r->root_fd;
			int tfd = openat(dfd, p->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (tfd < 0 || fsync(tfd) < 0)
				r = -errno;
			if (tfd >= 0)
				(void)close(tfd);
			if (r < 0) {
				r = fail_pending(x, r);
				goto done;
			}
		}
	} else if (syncfs(x->r->root_fd) < 0) {
		/* Not durable: none of the batch is renamed, each keeps its last good version. */
		r = fail_pending(x, -errno);
		goto done;
	}
	r = rename_all(x);
	(void)fsync(x->r->root_fd);
	/* What was not renamed: counted (profiles) or the error (the index), temp files gone. */
	{
		int q = fail_pending(x, r);
		r = r < 0 && !rc_per_file_error(r) ? r : q;
	}
done:
	for (size_t i = 0; i < x->n_pend; i++) {
		free(x->pend[i].ns);
		free(x->pend[i].tmp);
		free(x->pend[i].final);
	}
	x->n_pend = 0;
	return r;
}
