/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's <root>/index.json: the previous one adopted as entries, the new one
 * written through a hashing sink (unchanged: not written); and removal by it (only what the
 * index says the agent wrote, unchanged since). The format, its reader and writer
 * are the library's (k8s/index.c), shared with `policy build`. */
#include <stdio_ext.h>

#include "agent/reconcile-internal.h"
#include "k8s/index.h"

/* A bound workload's entry (it lists its binding) shares its policies' strings. */
static bool iset_member(const void *ud, size_t k, char *pk, const char **file)
{
	const struct entry *e = ud;
	bool bound = e->n_pols && strncmp(e->pols[e->n_pols - 1], "SeccompBinding/", 15) == 0;

	(void)snprintf(pk, 600, "%s", e->pols[k]);
	*file = e->files[k];
	return bound && k + 1 < e->n_pols && strncmp(pk, "RuntimeDefault/", 15) != 0;
}

/* A set of the old index (in the shape we write: sc_index_read_file checks), adopted as an
 * entry packed as this pass's are (one block, not a malloc per string). */
int rc_adopt_set(struct run *x, const struct sc_index_set *s)
{
	struct entry t = { .kept = s->kept }, e;
	struct entry *v;
	int r = 0;

	if (strlen(s->name) > MAX_NAME)
		return 0;
	for (size_t i = 0; i < s->n_policies && r == 0; i++) {
		const struct sc_index_policy *p = &s->policies[i];
		char pk[600] = "";
		if (p->kind && p->name)
			(void)snprintf(pk, sizeof(pk), "%s/%s", p->kind, p->name);
		r = rc_strv_add(&t.files, &t.n_files, p->file ? p->file : "");
		if (r == 0)
			r = rc_strv_add(&t.pols, &t.n_pols, pk);
	}
	/* Room for 16, 32, 64, ... entries (10,000 are not 10,000 reallocs), unless the
	 * caller made room for all (x->cap_old). */
	if (r == 0 && x->n_old == x->cap_old) {
		size_t cap = x->cap_old ? 2 * x->cap_old : 16;
		v = reallocarray(x->old, cap, sizeof(*v));
		if (!v) {
			r = -ENOMEM;
		} else {
			x->old = v;
			x->cap_old = cap;
		}
	}
	if (r == 0) {
		e = t;
		r = rc_entry_pack(&e, s->ns, s->name, strlen(s->name), s->path, t.n_pols,
				  iset_member, &t);
		e.hash = s->content_hash; /* what it wrote there (0: not recorded) */
		if (r == 0)
			x->old[x->n_old++] = e;
	}
	rc_entry_clear(&t);
	return r;
}

static int old_set(const struct sc_index_set *s, void *userdata)
{
	return rc_adopt_set(userdata, s);
}

/* Read <root>/index.json (ours or `policy build`'s): only entries in the shape we write. */
int rc_read_old_index(struct run *x)
{
	cleanup_close int fd = -1;
	struct stat st;
	FILE *fp;
	int r;

	/* O_NONBLOCK: a FIFO put in its place must not hang the agent (S_ISREG is checked). */
	fd = openat(x->r->root_fd, INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_INDEX)
		return 0;
	/* Text libfyaml may see (it over-reads on bytes that are not UTF-8), then parsed. */
	r = sc_yaml_fd_text_valid(fd);
	if (r < 0)
		return r;
	if (r == 0) {
		r = -EINVAL;
	} else if (lseek(fd, 0, SEEK_SET) < 0) {
		return -errno;
	} else {
		fp = fdopen(fd, "r");
		if (!fp)
			return -ENOMEM;
		fd = -1; /* the stream's now */
		r = sc_index_read_file(fp, old_set, x);
		(void)fclose(fp);
	}
	if (r == -EINVAL) {
		/* Unreadable: adopt nothing, so remove nothing (what it listed stays). */
		rc_logf(x->r, "warn", "event=index-unreadable path=%s/%s", x->r->root_path,
			INDEX_NAME);
		rc_entries_free(x->old, x->n_old);
		x->old = NULL;
		x->n_old = x->cap_old = 0;
		return 0;
	}
	if (r == 0)
		x->have_old = true;
	return r;
}

/* 'landed': the profiles being written are taken as renamed into place already (their
 * content recorded), as they will be when the index is renamed over the old one (the index
 * emitted beside the renames, rc_index_early_start). */
static void index_emit(FILE *f, const struct elist *lists, size_t n_lists, bool landed)
{
	struct sc_index_writer w;

	sc_index_begin(&w, f, "targets", "syscage agent");
	for (size_t l = 0; l < n_lists; l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			const struct entry *e = &lists[l].v[i];
			if (!e->path || e->moved)
				continue;
			/* Being written (the index before the renames): old or new content may
			 * be there after an interruption, so no content is recorded (nor for a
			 * profile not updated: rc_not_updated leaves its hash 0). */
			sc_index_set_owned(&w, e->ns, e->name, e->path, e->kept,
					   e->need_ident && !landed ? 0 : e->hash);
			for (size_t j = 0; j < e->n_files; j++) {
				const char *pk = j < e->n_pols ? e->pols[j] : "";
				const char *slash = strchr(pk, '/');
				sc_index_policy(&w, slash ? pk : NULL,
						slash ? (size_t)(slash - pk) : 0,
						slash ? slash + 1 : NULL, e->files[j], false, NULL);
			}
			sc_index_set_end(&w, NULL, NULL, false);
		}
	sc_index_end(&w, false);
}

/* The index goes straight to its temp file through a stdio cookie that hashes what passes,
 * so an index of 10,000 sets is never held in memory, and is compared by hash. */
struct hashsink {
	int fd;
	uint64_t h;
	size_t n;
	int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	struct hashsink *k = cookie;
	int r = 0;

	k->h = rc_hash64_feed(k->h, buf, size);
	k->n += size;
	if (k->fd >= 0)
		r = sc_write_all(k->fd, buf, size);
	if (r < 0) {
		k->err = -r;
		return -1;
	}
	return (ssize_t)size;
}

/* The index's hash: the same emit, into a sink that only hashes. */
static int index_hash(const struct elist *lists, size_t n_lists, uint64_t *ret)
{
	struct hashsink k = { .fd = -1, .h = HASH64_INIT };
	cookie_io_functions_t io = { .write = sink_write };
	FILE *f = fopencookie(&k, "w", io);

	if (!f)
		return -ENOMEM;
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists, false);
	if (fclose(f) != 0)
		return -EIO;
	*ret = rc_hash64_end(k.h, k.n);
	return 0;
}

/* Whether the index on disk is still the one this reconciler last wrote or read, by the
 * identity it had then. */
static bool index_is_known(const struct sc_reconciler *rc, uint64_t want)
{
	struct entry now = {};

	if (!rc->index.has_ident || rc->index.hash != want)
		return false;
	rc_ident_of(rc->root_fd, INDEX_NAME, &now);
	return rc_same_ident(&now, &rc->index);
}

/* Emit the index of 'lists' into a new temp file of the root ('tmp', NAME_MAX + 1 bytes):
 * its hash in *ret_hash, and in *ret_seen its identity when the file holds just that. */
static int emit_tmp(struct run *x, const struct elist *lists, size_t n_lists, bool landed,
		    char *tmp, uint64_t *ret_hash, struct entry *ret_seen)
{
	struct hashsink k = { .fd = -1, .h = HASH64_INIT };
	cookie_io_functions_t io = { .write = sink_write };
	struct stat st;
	FILE *f;

	for (unsigned attempt = 0; attempt < 100 && k.fd < 0; attempt++) {
		(void)snprintf(tmp, NAME_MAX + 1, "." INDEX_NAME ".%d.%u" TMP_SUFFIX, (int)getpid(),
			       __atomic_fetch_add(&x->r->tmp_seq, 1, __ATOMIC_RELAXED));
		k.fd = openat(x->r->root_fd, tmp,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (k.fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (k.fd < 0)
		return -EEXIST;
	f = fopencookie(&k, "w", io);
	if (!f) {
		(void)close(k.fd);
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -ENOMEM;
	}
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists, landed);
	if (fclose(f) != 0 && !k.err)
		k.err = EIO;
	*ret_hash = rc_hash64_end(k.h, k.n);
	*ret_seen = (struct entry){ .hash = *ret_hash };
	if (!k.err && fstat(k.fd, &st) == 0 && (size_t)st.st_size == k.n)
		/* This inode with this content: its identity is taken again once it is
		 * renamed (the rename changes its ctime), for the next pass to compare. */
		rc_set_ident(ret_seen, &st);
	if (close(k.fd) < 0 && !k.err)
		k.err = errno;
	if (k.err) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -k.err;
	}
	return 0;
}

/* Whether the index on disk holds 'want' already: by the identity last known, else by its
 * content (then its identity is known from now on). */
static bool index_on_disk(struct sc_reconciler *rc, uint64_t want)
{
	struct entry seen = {}, now = {};
	uint64_t have;

	/* The file last written or read, unchanged since: its content is known, not read back
	 * (the index before the renames, then this pass's: 1.7 MB for 10,000 profiles). */
	if (rc->index.has_ident) {
		rc_ident_of(rc->root_fd, INDEX_NAME, &now);
		if (rc_same_ident(&now, &rc->index))
			return rc->index.hash == want;
	}
	if (rc_disk_hash(rc->root_fd, INDEX_NAME, &have, &seen) && have == want) {
		rc->index = seen;
		rc->index.hash = want;
		return true;
	}
	return false;
}

/* Write the index of 'lists' unless the disk has it already. 'same': the lists are the
 * very entries of the index last written (every set carried over), so when that file is
 * still in place nothing needs to be emitted at all. Otherwise it is emitted once, into its
 * temp file, which is dropped when the disk has that content already; when it cannot be
 * written (disk full, read-only), the content is hashed alone, and an index already on disk
 * is no error. */
/* The temp file 'tmp' holding the index of hash 'want' (identity 'seen') over INDEX_NAME,
 * unless the disk has that index already. */
static int install_tmp(struct run *x, const char *tmp, uint64_t want, struct entry seen)
{
	struct sc_reconciler *rc = x->r;
	struct sc_batch_commit c = { .fsync_max = SMALL_BATCH };
	struct sc_batch *b = NULL;
	ssize_t d;
	int r;

	if (index_on_disk(rc, want)) {
		(void)unlinkat(rc->root_fd, tmp, 0);
		return 0;
	}
	rc->index.has_ident = false;
	/* A batch of its own (the profiles' may be pending): one file, fsync'ed. */
	r = sc_batch_new(&b);
	if (r < 0) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return r;
	}
	d = sc_batch_dir(b, x->r->root_fd);
	if (d < 0)
		(void)unlinkat(x->r->root_fd, tmp, 0);
	else
		d = sc_batch_add(b, (size_t)d, tmp, (size_t)d, INDEX_NAME);
	r = d < 0 ? (int)d : sc_batch_commit(b, &c);
	sc_batch_free(b);
	if (r == 0 && seen.has_ident) {
		struct entry now = {};
		rc_ident_of(rc->root_fd, INDEX_NAME, &now);
		seen.has_ident = now.has_ident && now.ino == seen.ino && now.size == seen.size;
		seen.mtime_ns = now.mtime_ns;
		seen.ctime_ns = now.ctime_ns;
	}
	if (r == 0)
		rc->index = seen;
	return r;
}

int rc_write_index(struct run *x, const struct elist *lists, size_t n_lists, bool same)
{
	struct sc_reconciler *rc = x->r;
	struct entry seen = {};
	char tmp[NAME_MAX + 1];
	uint64_t want = 0;
	int r;

	if (same && index_is_known(rc, rc->index.hash))
		return 0;
	r = emit_tmp(x, lists, n_lists, false, tmp, &want, &seen);
	if (r < 0) {
		int q = index_hash(lists, n_lists, &want);
		if (q < 0)
			return q;
		return index_on_disk(rc, want) ? 0 : r;
	}
	return install_tmp(x, tmp, want, seen);
}

/* ---- the index emitted beside the renames ---------------------------------------------- */

struct index_early {
	struct run *x;
	struct elist lists[2];
	size_t n_lists;
	pthread_t tid;
	bool joined;
	int r;
	char tmp[NAME_MAX + 1];
	uint64_t want;
	struct entry seen;
};

static void *early_thread(void *arg)
{
	struct index_early *ie = arg;

	ie->r = emit_tmp(ie->x, ie->lists, ie->n_lists, true, ie->tmp, &ie->want, &ie->seen);
	return NULL;
}

void rc_index_early_start(struct run *x, const struct elist *lists, size_t n_lists)
{
	struct index_early *ie;

	if (n_lists > ELEMENTSOF(ie->lists) || !(ie = calloc(1, sizeof(*ie))))
		return;
	ie->x = x;
	memcpy(ie->lists, lists, n_lists * sizeof(*lists));
	ie->n_lists = n_lists;
	if (pthread_create(&ie->tid, NULL, early_thread, ie) != 0) {
		free(ie);
		return;
	}
	x->early = ie;
}

void rc_index_early_join(struct run *x)
{
	struct index_early *ie = x->early;

	if (ie && !ie->joined) {
		(void)pthread_join(ie->tid, NULL);
		ie->joined = true;
	}
}

int rc_index_early_finish(struct run *x, bool valid)
{
	struct index_early *ie = x->early;
	int r = 1;

	if (!ie)
		return 1;
	rc_index_early_join(x);
	x->early = NULL;
	if (ie->r == 0 && valid)
		r = install_tmp(x, ie->tmp, ie->want, ie->seen);
	else if (ie->r == 0)
		(void)unlinkat(x->r->root_fd, ie->tmp, 0);
	free(ie);
	return r;
}

/* Remove what the agent wrote for entry 'e', when the file is still what it wrote: the
 * identity it had after the write, or the content hash the index records (an index without
 * one, from an earlier syscage: as before). Anything else there is left alone, and said. */
void rc_remove_profile(struct run *x, const struct entry *e)
{
	char b1[600], file[300];
	int fd = rc_open_ns(x, e->ns, false);
	struct entry now = {};
	uint64_t have = 0;
	bool ours;

	if (fd < 0)
		return;
	(void)snprintf(file, sizeof(file), "%s.json", e->name);
	rc_ident_of(fd, file, &now);
	ours = rc_same_ident(&now, e);
	if (!ours) {
		struct entry seen = {};
		struct stat st;
		bool reg = rc_disk_hash(fd, file, &have, &seen);
		if (!reg && fstatat(fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			(void)close(fd);
			return; /* gone already */
		}
		ours = reg && (e->hash == 0 || have == e->hash || rc_recorded(x, e->path, have));
	}
	if (!ours) {
		rc_logf(x->r, "warn",
			"event=remove-skipped path=%s msg=\"no policy produces it any more, but it "
			"is not what this agent wrote there: left alone (remove it by hand if it "
			"is stale)\"",
			rc_logval(e->path, b1, sizeof(b1)));
		(void)close(fd);
		return;
	}
	if (unlinkat(fd, file, 0) == 0) {
		x->res->n_removed++;
		rc_logf(x->r, "info", "event=remove path=%s", rc_logval(e->path, b1, sizeof(b1)));
		(void)fsync(fd);
	}
	(void)close(fd);
	/* An emptied namespace directory goes too (fails harmlessly when not empty). */
	(void)unlinkat(x->r->root_fd, e->ns, AT_REMOVEDIR);
}
