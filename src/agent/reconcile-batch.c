/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns a pass's batch of profile writes: temp files in <root>/.tmp, queued in an sc_batch
 * (batch.h: the sync, the renames, the directory fsyncs) whose renames run on the pool, and
 * what did not land (a profile keeps its last good version, counted and logged). */
#include "agent/reconcile-internal.h"

/* <root>/.tmp, made when missing. It is emptied (rc_empty_tmp_dir) only at start, under the
 * root's lock: another agent's pass may have temp files in flight there. The name is the
 * agent's: anything else put there (a symlink, a file, a FIFO) is removed, never followed,
 * or no profile could ever be written again. */
int rc_open_tmp_dir(int root_fd)
{
	int fd = -1;

	for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
		if (mkdirat(root_fd, TMP_DIR, 0700) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(root_fd, TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && (errno != ENOTDIR && errno != ELOOP))
			return -errno;
		if (fd < 0 && unlinkat(root_fd, TMP_DIR, 0) < 0)
			return -errno;
	}
	return fd < 0 ? -ENOTDIR : fd;
}

/* What an interrupted pass (kill -9) left in <root>/.tmp goes. */
void rc_empty_tmp_dir(int fd)
{
	DIR *d = fd >= 0 ? fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3)) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			(void)unlinkat(fd, de->d_name, 0);
	if (d)
		closedir(d);
}

/* The temp file name for 'final' of namespace 'ns' with sequence number 'seq' into 'tmp'
 * (NAME_MAX + 1). Temp files live in <root>/.tmp (same file system: renamed into place),
 * never among the profiles: a kill -9 leaves them out of the kubelet's directories. */
static char *put_str_max(char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	memcpy(p, s, n);
	return p + n;
}

static char *put_uint(char *p, unsigned long v)
{
	char d[24];
	size_t n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

int rc_tmp_name(const struct run *x, char *tmp, const char *ns, const char *final, unsigned seq)
{
	/* "%.63s.%.170s.%d.%u" TMP_SUFFIX, by hand: 20,000 of them a first reconcile. */
	char b[63 + 1 + 170 + 1 + 24 + 1 + 24 + sizeof(TMP_SUFFIX)], *p = b;

	p = put_str_max(p, ns, 63);
	*p++ = '.';
	p = put_str_max(p, final, 170);
	*p++ = '.';
	p = put_uint(p, (unsigned long)x->pid);
	*p++ = '.';
	p = put_uint(p, seq);
	memcpy(p, TMP_SUFFIX, sizeof(TMP_SUFFIX));
	p += sizeof(TMP_SUFFIX) - 1;
	if ((size_t)(p - b) >= NAME_MAX + 1)
		return -ENAMETOOLONG;
	memcpy(tmp, b, (size_t)(p - b) + 1);
	return 0;
}

/* Create the temp file 'tmp' (NAME_MAX + 1 bytes; its sequence number in *seq) for 'final'
 * with 'data' (not fsync'ed: one syncfs covers the batch). Called by the writer threads at
 * once. */
int rc_create_tmp(struct run *x, const char *ns, const char *final, const char *data, size_t len,
		  char *tmp, unsigned *seq)
{
	int dirfd = x->r->tmp_fd;

	if (dirfd < 0)
		return dirfd; /* <root>/.tmp could not be made: -errno (EROFS, ENOSPC) */
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		int r;
		*seq = __atomic_fetch_add(&x->r->tmp_seq, 1, __ATOMIC_RELAXED);
		if (rc_tmp_name(x, tmp, ns, final, *seq) < 0)
			return -ENAMETOOLONG;
		r = sc_batch_write_tmp(dirfd, tmp, data, len, 0644, 0);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* The temp file of 'doc' as a set of its own (<ns>/<name>.json, the usual case), written by
 * the loader that made its text: the text need not be kept (10,000 of them would not fit the
 * memory an agent should take) nor made again at write time. False when it could not be
 * written (the write job then makes and writes it, and reports what fails). */
bool rc_prewrite(struct run *x, struct cdoc *doc, const char *text)
{
	char tmp[NAME_MAX + 1], final[NAME_MAX + 1];
	unsigned seq;

	if (x->r->tmp_fd < 0 ||
	    (size_t)snprintf(final, sizeof(final), "%s.json", doc->name) >= sizeof(final) ||
	    rc_create_tmp(x, doc->ns, final, text, doc->text_len, tmp, &seq) < 0)
		return false;
	doc->tmp_seq1 = seq + 1;
	return true;
}

/* Remove doc's temp file when no write job took it (same content on disk, a rejection, a
 * path owned by another set, a pass that stopped). */
void rc_prewritten_drop(struct run *x, struct cdoc *doc)
{
	char tmp[NAME_MAX + 1], final[NAME_MAX + 1];

	if (!doc->tmp_seq1)
		return;
	if ((size_t)snprintf(final, sizeof(final), "%s.json", doc->name) < sizeof(final) &&
	    rc_tmp_name(x, tmp, doc->ns, final, doc->tmp_seq1 - 1) == 0)
		(void)unlinkat(x->r->tmp_fd, tmp, 0);
	doc->tmp_seq1 = 0;
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

/* The pass's batch, with its two directories, made on first use. */
static int batch_open(struct run *x)
{
	ssize_t d;
	int r;

	if (x->batch)
		return 0;
	r = sc_batch_new(&x->batch);
	if (r < 0)
		return r;
	d = sc_batch_dir(x->batch, x->r->tmp_fd);
	if (d >= 0) {
		x->b_tmp = (size_t)d;
		d = sc_batch_dir(x->batch, x->r->root_fd);
	}
	if (d < 0) {
		x->batch = sc_batch_free(x->batch);
		return (int)d;
	}
	x->b_root = (size_t)d;
	return 0;
}

/* Queue the temp file 'tmp' (in TMP_DIR) to become 'final' in namespace 'ns' (on failure it
 * is removed). */
int rc_add_pending(struct run *x, const char *ns, const char *tmp, const char *final, size_t entry1,
		   bool new_path)
{
	ssize_t d, i;
	int r = batch_open(x);

	if (r == 0 && x->n_pend == x->cap_pend) {
		size_t nc = x->cap_pend ? x->cap_pend * 2 : 256;
		struct pending *v = reallocarray(x->pend, nc, sizeof(*v));
		if (v) {
			x->pend = v;
			x->cap_pend = nc;
		} else {
			r = -ENOMEM;
		}
	}
	d = r < 0 ? r : sc_batch_subdir(x->batch, x->b_root, ns);
	if (d < 0) {
		(void)unlinkat(x->r->tmp_fd, tmp, 0);
		return (int)d;
	}
	i = sc_batch_add(x->batch, x->b_tmp, tmp, (size_t)d, final);
	if (i < 0)
		return (int)i;
	x->pend[i] = (struct pending){ .entry1 = entry1, .new_path = new_path };
	x->n_pend = (size_t)i + 1;
	return 0;
}

/* Drop the temp files of an unfinished batch. */
void rc_abort_pending(struct run *x)
{
	if (x->batch)
		sc_batch_reset(x->batch);
	x->n_pend = 0;
}

/* Item i of the batch renamed over its final, into its namespace's directory as this worker
 * has it open. A failure is the item's (rc_commit_results sorts them out), the others go on. */
static int rename_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	struct sc_batch *b = x->batch;
	int dfd = rc_worker_ns(w, sc_batch_dir_name(b, sc_batch_item_dir(b, i)));
	int r;

	if (dfd < 0) {
		sc_batch_fail(b, i, dfd);
		r = dfd;
	} else {
		r = sc_batch_rename(b, i, dfd);
	}
	if (r == 0 && x->pend[i].entry1) {
		/* Its identity now, for the next pass's skip (rc_record_idents would stat it
		 * later, on one thread). */
		struct entry *e = &x->now[x->pend[i].entry1 - 1];
		char file[NAME_MAX + 1];
		if (e->need_ident &&
		    (size_t)snprintf(file, sizeof(file), "%s.json", e->name) < sizeof(file)) {
			rc_ident_of(dfd, file, e);
			e->need_ident = false;
		}
	}
	return rc_per_file_error(r) ? 0 : r;
}

/* The renames, on every CPU for a big batch (10,000 renames are the kernel's work). */
static int rename_all(struct sc_batch *b, void *userdata)
{
	struct pool p = { .x = userdata, .n = sc_batch_size(b), .one = rename_one };

	return rc_pool_run(&p);
}

/* The pre-index (old and new paths) could not be written: profiles at new paths must not
 * land (the index on disk would not name them); the others still may. */
void rc_drop_new_paths(struct run *x, int err)
{
	for (size_t i = 0; i < x->n_pend; i++) {
		struct pending *p = &x->pend[i];
		if (!p->new_path || p->dropped)
			continue;
		sc_batch_drop(x->batch, i);
		p->dropped = true;
		if (p->entry1) {
			struct entry *en = &x->now[p->entry1 - 1];
			rc_not_updated(x, en, en->path, err);
			x->res->n_written--;
		}
	}
}

/* Make the batch durable (a few files fsync'ed one by one: an update of one policy lands
 * fast; a batch by one syncfs), rename every temp file into place, sync the directories that
 * changed. Then rc_commit_results: what did not land keeps its last good version, counted; an
 * error that is not one file's (ENOMEM) is returned. */
int rc_commit_renames(struct run *x)
{
	struct sc_batch_commit c = { .fsync_max = SMALL_BATCH,
				     .rename_all = rename_all,
				     .userdata = x };
	int r;

	if (x->n_pend == 0)
		return 0;
	r = sc_batch_commit(x->batch, &c);
	(void)fsync(x->r->root_fd);
	return r;
}

int rc_commit_results(struct run *x, int r)
{
	int q = 0;

	if (x->n_pend == 0)
		return 0;
	for (size_t i = 0; i < x->n_pend; i++) {
		const struct pending *p = &x->pend[i];
		int e = sc_batch_result(x->batch, i);
		if (e == 0 || p->dropped)
			continue;
		if (p->entry1 && rc_per_file_error(e)) {
			struct entry *en = &x->now[p->entry1 - 1];
			rc_not_updated(x, en, en->path, e);
			x->res->n_written--;
		} else if (q == 0) {
			q = e;
		}
	}
	rc_abort_pending(x);
	return r < 0 && !rc_per_file_error(r) ? r : q;
}
