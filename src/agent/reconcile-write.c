/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns writing a pass's profiles: the entries of sets, merged content and its memo, the write
 * jobs (their temp files go to the batch, reconcile-batch.c), install and removal. */
#include "agent/reconcile-internal.h"
#include "syscage/start-fatal.h"

/* ---- writing ----------------------------------------------------------------------- */

static void take_ident(struct entry *e, const struct entry *from)
{
	e->has_ident = true;
	e->ino = from->ino;
	e->mtime_ns = from->mtime_ns;
	e->ctime_ns = from->ctime_ns;
	e->size = from->size;
}

/* The content hash (hash64) of a file in 'dirfd', read in chunks, and its identity into
 * 'e' (from the same fstat); false when it is not a regular file. A file over MAX_INDEX is
 * not read. */
bool rc_disk_hash(int dirfd, const char *name, uint64_t *ret, struct entry *e)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	uint64_t h = HASH64_INIT;
	char buf[65536];
	struct stat st;
	size_t n = 0;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	/* Larger than anything the agent writes (a neighbour's sparse terabyte at a profile's
	 * path): not its own, and not read (minutes of zeros). A hash of its size alone, which
	 * no content of the agent's has. */
	if ((uint64_t)st.st_size > MAX_INDEX) {
		*ret = rc_hash64_end(HASH64_INIT, (size_t)st.st_size);
		rc_set_ident(e, &st);
		return true;
	}
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		h = rc_hash64_feed(h, buf, (size_t)k);
		n += (size_t)k;
		/* A short read that reaches the size fstat gave is the end. */
		if (k == 0 || (n == (size_t)st.st_size && (size_t)k < sizeof(buf)))
			break;
	}
	*ret = rc_hash64_end(h, n);
	rc_set_ident(e, &st);
	return true;
}

/* The entry for set 's' (for the index and /profiles): one block of text and one array of
 * pointers, as 10,000 of them live as long as the agent. */
/* What an entry lists for set 's': its policies ("Kind/name" and file), then, for a bound
 * workload, "RuntimeDefault/<arch>" (no file) when it is the fallback and
 * "SeccompBinding/<Kind>/<name>" with the bindings file. */
static size_t entry_members(const struct set *s)
{
	return s->n_pols + (s->fallback ? 1 : 0) + (s->bind ? 1 : 0);
}

/* Append 's' at p, up to 'end' (where the text must stop): snprintf's cut, without its
 * parsing of a format (20,000 "Kind/name" and 10,000 log lines on the pass's one thread). */
static char *put_cut(char *p, char *end, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	memcpy(p, s, n);
	return p + n;
}

static char *put_cut_uint(char *p, char *end, size_t v)
{
	char d[24], *q = d + sizeof(d);

	*--q = '\0';
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	return put_cut(p, end, q);
}

static void entry_member(const struct run *x, const struct set *s, size_t k, char *pk, size_t size,
			 const char **file)
{
	if (k < s->n_pols) {
		const struct pol *p = &x->pols[rc_smem(x, s)[k]];
		const struct cdoc *d = rc_pdoc(x, p);
		char *o = pk, *end = pk + size - 1;
		o = put_cut(o, end, sc_format_kind(d->format));
		o = put_cut(o, end, "/");
		o = put_cut(o, end, d->name);
		*o = '\0';
		*file = x->files[p->file].path;
	} else if (s->fallback && k == s->n_pols) {
		(void)snprintf(pk, size, "RuntimeDefault/%s", sc_arch_info(sc_arch_native())->name);
		*file = "";
	} else {
		(void)snprintf(pk, size, "SeccompBinding/%s/%s", s->bind->kind, s->bind->name);
		*file = x->files[s->bind_file].path;
	}
}

/* The file name of a set below its namespace directory, and its length without ".json". */
static const char *set_file(const struct set *s)
{
	return s->path + strlen(s->ns) + 1;
}

struct set_ud {
	const struct run *x;
	const struct set *s;
};

static bool set_member(const void *ud, size_t k, char *pk, const char **file)
{
	const struct set_ud *u = ud;
	entry_member(u->x, u->s, k, pk, 600, file);
	return u->s->bind && k < u->s->n_pols; /* a bound workload's policies */
}

static int entry_for_set(struct run *x, const struct set *s, struct entry *e)
{
	const char *file = set_file(s);
	struct set_ud u = { x, s };

	*e = (struct entry){ .workload = s->bind != NULL, .fallback = s->fallback };
	return rc_entry_pack(e, s->ns, file, strlen(file) - 5, s->path, entry_members(s),
			     set_member, &u);
}

/* Is 's' "a/b" (c NULL) or "a/b/c"? */
static bool joined_eq(const char *s, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b);

	if (strncmp(s, a, la) != 0 || s[la] != '/' || strncmp(s + la + 1, b, lb) != 0)
		return false;
	s += la + 1 + lb;
	return c ? *s == '/' && streq(s + 1, c) : *s == '\0';
}

/* Does the previous entry 'e' list exactly what set 's' is made of? (What entry_member
 * writes, compared in place: 10,000 sets a pass.) */
static bool same_members(const struct run *x, const struct set *s, const struct entry *e)
{
	size_t n = entry_members(s);

	if (e->moved || e->n_pols != n || e->n_files != n)
		return false;
	for (size_t k = 0; k < n; k++) {
		const char *f;
		bool same;
		if (k < s->n_pols) {
			const struct pol *p = &x->pols[rc_smem(x, s)[k]];
			const struct cdoc *d = rc_pdoc(x, p);
			same = joined_eq(e->pols[k], sc_format_kind(d->format), d->name, NULL);
			f = x->files[p->file].path;
		} else if (s->fallback && k == s->n_pols) {
			same = joined_eq(e->pols[k], "RuntimeDefault",
					 sc_arch_info(sc_arch_native())->name, NULL);
			f = "";
		} else {
			same = joined_eq(e->pols[k], "SeccompBinding", s->bind->kind,
					 s->bind->name);
			f = x->files[s->bind_file].path;
		}
		if (!same || !streq(e->files[k], f))
			return false;
	}
	return true;
}

/* Rejected files' paths, sorted (usually none), for the last-good look-ups. */
int rc_rejected_paths(const struct run *x, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < x->n_files; i++) {
		char **nv;
		if (!x->rejected[i])
			continue;
		nv = reallocarray(v, n + 1, sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = x->files[i].path; /* borrowed */
	}
	if (n)
		qsort(v, n, sizeof(*v), rc_cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

bool rc_path_in(char *const *v, size_t n, const char *path)
{
	return n && bsearch(&path, v, n, sizeof(*v), rc_cmp_str);
}

struct set *rc_set_at_path(const struct run *x, const char *path)
{
	size_t lo = 0, hi = x->n_sets;

	/* Sets are sorted by path (rc_cmp_set_path): a binary search is exact. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(x->sets[mid].path, path);
		if (c == 0)
			return &x->sets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool rc_set_has_path(const struct run *x, const char *path)
{
	return rc_set_at_path(x, path) != NULL;
}

size_t rc_file_size_at(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (size_t)st.st_size : 0;
}

int rc_cmp_cfile_sort(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->path, ((const struct cfile *)b)->path);
}

int rc_index_old(struct run *x)
{
	size_t n = 0;

	free(x->old_by_path);
	x->old_by_path = calloc(x->n_old ? x->n_old : 1, sizeof(*x->old_by_path));
	if (!x->old_by_path)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_old; i++)
		if (x->old[i].path)
			x->old_by_path[n++] = &x->old[i];
	x->n_old_by_path = n;
	rc_sort(x->old_by_path, n, sizeof(*x->old_by_path), rc_cmp_entry_path);
	return 0;
}

/* The documents of file 'fi' parsed again, once per pass (the judgement kept only hashes):
 * the merged sets of a pass share them. Writer threads may ask too: one lock. */
static int parsed_doc(struct run *x, const struct pol *p, const struct sc_profile **ret)
{
	const struct cfile *c = &x->files[p->file];
	struct parsed *f;
	int r = 0;

	pthread_mutex_lock(&x->parse_lock);
	if (!x->parsed)
		x->parsed = calloc(x->n_files + 1, sizeof(*x->parsed));
	if (!x->parsed) {
		pthread_mutex_unlock(&x->parse_lock);
		return -ENOMEM;
	}
	f = &x->parsed[p->file];
	if (!f->done) {
		cleanup_free char *buf = NULL;
		struct sc_diags d = {};
		size_t len = 0;
		uint64_t h;
		char msg[256];

		f->done = true;
		r = rc_read_policy(x, c, &buf, &len, &h);
		if (r == 0 && h != c->hash)
			r = -EAGAIN; /* changed since it was judged: the next pass judges it */
		if (r == 0)
			r = sc_profile_read_all(buf, len, c->path, &d, &f->v, &f->n);
		sc_diags_clear(&d);
		if (r > 0)
			r = 0; /* the number of documents */
		for (size_t i = 0; r == 0 && i < f->n; i++)
			if (rc_judge(f->v[i], c->path, msg, sizeof(msg)) != 0)
				r = -EAGAIN;
		/* Not what its judgement said (changed meanwhile, or a judgement from a state
		 * that was wrong): the next pass judges it again instead of trusting it. */
		if (r == -EAGAIN || (r == 0 && p->doc >= f->n))
			x->files[p->file].hash = 0;
		f->r = r;
	}
	r = f->r;
	if (r == 0 && p->doc >= f->n)
		r = -EAGAIN;
	if (r == 0)
		*ret = f->v[p->doc];
	pthread_mutex_unlock(&x->parse_lock);
	return r;
}

/* A set's profile text when it was not kept from the parse (several members, the fallback,
 * or beyond the budget): its policies come from parsed_doc, baselines last; 'removed'
 * (optional) gets what the baselines took away. */
static int set_text(struct run *x, const struct set *s, char **ret, char **removed, char *err,
		    size_t errsize)
{
	cleanup_free const struct sc_profile **in = calloc(s->n_pols + 1, sizeof(*in));
	size_t n = 0, n_base = 0;
	int r = 0;

	if (!in)
		return -ENOMEM;
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (size_t k = 0; r == 0 && k < s->n_pols; k++) {
			const struct pol *p = &x->pols[rc_smem(x, s)[k]];
			if (rc_pdoc(x, p)->baseline != (pass == 1))
				continue;
			r = parsed_doc(x, p, &in[n]);
			n++;
			n_base += pass == 1;
		}
	if (r == 0)
		r = rc_set_profile_text(x->r, in, n, s->fallback, n_base, ret, removed, err,
					errsize);
	return r;
}

static uint64_t set_key(const struct run *x, const struct set *s)
{
	uint64_t h = rc_hash64_feed(HASH64_INIT, &s->fallback, sizeof(s->fallback));

	for (size_t k = 0; k < s->n_pols; k++) {
		const struct pol *p = &x->pols[rc_smem(x, s)[k]];
		uint64_t v[2] = { x->files[p->file].hash, p->doc };
		h = rc_hash64_feed(h, v, sizeof(v));
	}
	return rc_hash64_end(h, s->n_pols) | 1; /* 0 marks a free slot */
}

static struct mkey *memo_get(struct run *x, uint64_t key)
{
	size_t slot;

	if (2 * (x->n_memo + 1) > x->cap_memo) {
		size_t cap = x->cap_memo ? 2 * x->cap_memo : 256;
		struct mkey *v = calloc(cap, sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = 0; i < x->cap_memo; i++) {
			size_t q;
			if (!x->memo[i].key)
				continue;
			for (q = x->memo[i].key & (cap - 1); v[q].key; q = (q + 1) & (cap - 1))
				;
			v[q] = x->memo[i];
		}
		free(x->memo);
		x->memo = v;
		x->cap_memo = cap;
	}
	for (slot = key & (x->cap_memo - 1); x->memo[slot].key;
	     slot = (slot + 1) & (x->cap_memo - 1))
		if (x->memo[slot].key == key)
			return &x->memo[slot];
	x->memo[slot].key = key;
	x->n_memo++;
	return &x->memo[slot];
}

static int cmp_mkey(const void *a, const void *b)
{
	uint64_t x = ((const struct mkey *)a)->key, y = ((const struct mkey *)b)->key;
	return (x > y) - (x < y);
}

/* After a completed pass: the keys it used become the next pass's cache (texts go). */
int rc_memo_keep(struct run *x)
{
	struct sc_reconciler *rc = x->r;
	struct mkey *v = calloc(x->n_memo + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < x->cap_memo; i++)
		if (x->memo[i].key && x->memo[i].have)
			v[n++] = (struct mkey){ .key = x->memo[i].key,
						.hash = x->memo[i].hash,
						.len = x->memo[i].len,
						.have = true };
	qsort(v, n, sizeof(*v), cmp_mkey);
	free(rc->mcache);
	rc->mcache = v;
	rc->n_mcache = n;
	return 0;
}

/* A merged set's content hash (and text, when at hand): from this pass's memo, the last
 * pass's cache, or merged now. */
static int merged_content(struct run *x, const struct set *s, struct mkey **ret, char *err,
			  size_t errsize)
{
	uint64_t key = set_key(x, s);
	struct mkey *m = memo_get(x, key), k = { .key = key }, *c;
	char *text = NULL, *removed = NULL;
	int r;

	if (!m)
		return -ENOMEM;
	*ret = m;
	if (m->have)
		return 0;
	c = x->r->n_mcache ? bsearch(&k, x->r->mcache, x->r->n_mcache, sizeof(k), cmp_mkey) : NULL;
	if (c) {
		m->hash = c->hash;
		m->len = c->len;
		m->have = true;
		return 0;
	}
	r = set_text(x, s, &text, &removed, err, errsize);
	if (r < 0)
		return r;
	m->len = strlen(text);
	m->hash = rc_hash64(text, m->len);
	m->removed = removed;
	m->have = true;
	if (__atomic_add_fetch(&x->text_bytes, m->len, __ATOMIC_RELAXED) <= TEXT_BUDGET) {
		m->text = text;
	} else {
		__atomic_sub_fetch(&x->text_bytes, m->len, __ATOMIC_RELAXED);
		free(text);
	}
	return 0;
}

/* A profile to write: set 'set' into x->now[entry]; 'text' when it is at hand (kept from the
 * parse, then 'one'; or a merged set's from the memo, then 'memo'), else the writer makes it
 * ('owned' then). */
struct job {
	size_t set, entry;
	char *text;
	size_t len;
	/* What the baselines took away (the memo's string: the memo table itself moves as it
	 * grows, its strings do not). */
	const char *removed;
	unsigned seq; /* of its temp file, when written */
	int r;
	bool owned, one, written;
	bool pre;    /* its temp file was written by the loader (rc_prewrite) */
	bool queued; /* its temp file is the batch's (it removes it if it does not land) */
	bool failed; /* its temp file could not be written (rc_per_file_error): last good stays */
};

/* Job i: its text made when it was not at hand, its temp file written; then the text goes
 * (10,000 of them would not fit the memory an agent should take). */
static int write_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	struct job *j = (struct job *)w->pool->data + i;
	const struct set *s = &x->sets[j->set];
	char err[512];

	if (j->pre) {
		j->r = 0;
		j->written = true;
		return 0;
	}
	if (!j->text) {
		j->r = set_text(x, s, &j->text, NULL, err, sizeof(err));
		if (j->r == -EINVAL)
			j->r = -EAGAIN; /* it parsed before: it changed meanwhile */
		j->owned = j->r == 0;
		if (j->r == 0)
			j->len = strlen(j->text);
	}
	if (j->r == 0) {
		char tmp[NAME_MAX + 1];
		j->r = rc_create_tmp(x, s->ns, set_file(s), j->text, j->len, tmp, &j->seq);
		j->written = j->r == 0;
		j->failed = rc_per_file_error(j->r);
	}
	if (j->owned) {
		free(j->text);
	} else if (j->one) {
		struct cdoc *one = rc_pdoc(x, &x->pols[rc_smem(x, s)[0]]);
		__atomic_sub_fetch(&x->text_bytes, one->text_len, __ATOMIC_RELAXED);
		free(one->text);
		one->text = NULL;
	}
	j->text = NULL;
	j->owned = j->one = false;
	return j->failed ? 0 : j->r;
}

/* Write the jobs' temp files on up to POOL_THREADS threads (creating 10,000 files is the
 * kernel's work, and it spreads), then queue them for the commit in job order and log
 * them, on this thread. */
static int write_jobs(struct run *x, struct job *jobs, size_t n_jobs)
{
	struct pool p = { .x = x, .n = n_jobs, .one = write_one, .data = jobs };
	size_t n_work = 0;
	int perr;

	/* A first reconcile's temp files were written by the loaders: threads started for
	 * 500 jobs of nothing each would cost more than the jobs. */
	for (size_t i = 0; i < n_jobs; i++)
		n_work += !jobs[i].pre;
	p.light = n_work < POOL_CHUNK; /* less than one chunk */
	perr = rc_pool_run(&p);	       /* the first job that failed; each keeps its own result */
	char b1[600], b2[600], b3[600];
	int r = 0;

	for (size_t i = 0; i < n_jobs; i++) {
		struct job *j = &jobs[i];
		const struct set *s = &x->sets[j->set];
		struct entry *e = &x->now[j->entry];

		if (j->written) {
			const char *final = set_file(s);
			char tmp[NAME_MAX + 1];
			int q = rc_tmp_name(x, tmp, s->ns, final, j->seq);
			j->queued = true;
			if (q == 0)
				q = rc_add_pending(x, s->ns, tmp, final, j->entry + 1,
						   !rc_old_entry(x, s->path));
			if (q < 0 && r == 0)
				r = q;
		}
		if (j->failed && perr == 0 && r == 0) {
			rc_not_updated(x, e, s->path, j->r);
			continue;
		}
		/* After a failure: the written ones are queued (to be removed), no more. */
		if (!j->written || perr < 0 || r < 0)
			continue;
		e->size = j->len;
		e->need_ident = true;
		x->res->n_written++;
		if (!s->bind) {
			/* rc_logf's "event=install path=%s bytes=%zu policies=%zu", by hand */
			char line[1024], *o = line, *end = line + sizeof(line) - 1;
			o = put_cut(o, end, "event=install path=");
			o = put_cut(o, end, rc_logval(s->path, b1, sizeof(b1)));
			o = put_cut(o, end, " bytes=");
			o = put_cut_uint(o, end, j->len);
			o = put_cut(o, end, " policies=");
			o = put_cut_uint(o, end, s->n_pols);
			*o = '\0';
			rc_log_line(x->r, "info", line);
		} else {
			(void)snprintf(b2, sizeof(b2), "%s/%s/%s", s->bind->kind, s->ns,
				       s->bind->name);
			if (!s->fallback)
				rc_logf(x->r, "info",
					"event=install path=%s bytes=%zu policies=%zu workload=%s",
					rc_logval(s->path, b1, sizeof(b1)), j->len, s->n_pols, b2);
			else
				rc_logf(x->r, "warn",
					"event=install path=%s bytes=%zu policies=%zu workload=%s "
					"fallback=RuntimeDefault binding=%s:%u msg=\"no policy of "
					"namespace %s selects this workload (any more): it runs "
					"with "
					"RuntimeDefault; check the policies and the binding's "
					"podLabels\"",
					rc_logval(s->path, b1, sizeof(b1)), j->len, s->n_pols, b2,
					rc_logval(x->files[s->bind_file].path, b3, sizeof(b3)),
					s->bind->loc.line, s->ns);
		}
		if (j->removed && *j->removed)
			rc_logf(x->r, "info", "event=baseline path=%s removed=%s",
				rc_logval(s->path, b1, sizeof(b1)),
				rc_logval(j->removed, b2, sizeof(b2)));
	}
	return perr < 0 ? perr : r;
}

static void jobs_free(struct run *x, struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].owned)
			free(jobs[i].text);
		if (jobs[i].pre && !jobs[i].queued) {
			/* A temp file no batch took (the pass stopped before the write). */
			const struct set *s = &x->sets[jobs[i].set];
			char tmp[NAME_MAX + 1];
			if (rc_tmp_name(x, tmp, s->ns, set_file(s), jobs[i].seq) == 0)
				(void)unlinkat(x->r->tmp_fd, tmp, 0);
		}
	}
	free(jobs);
}

/* Write the jobs so far, then let go of what they needed: the merged texts and the parsed
 * policies (sets come by namespace, and a namespace's sets are made of its own policies and
 * the baselines: 10,000 bound workloads' merges never all at once in memory). Later sets
 * that need them again merge again. */
#define FLUSH_JOBS 2048

static int flush_jobs(struct run *x, struct job *jobs, size_t n_jobs)
{
	int r = n_jobs ? write_jobs(x, jobs, n_jobs) : 0;

	for (size_t i = 0; i < n_jobs; i++)
		if (jobs[i].owned)
			free(jobs[i].text);
	for (size_t i = 0; i < x->cap_memo; i++)
		if (x->memo[i].text) {
			__atomic_sub_fetch(&x->text_bytes, x->memo[i].len, __ATOMIC_RELAXED);
			free(x->memo[i].text);
			x->memo[i].text = NULL;
		}
	rc_parsed_free(x);
	return r;
}

/* Whether doc's temp file (named for <ns>/<name>.json) is the one set 's' installs. */
static bool prewritten_for(const struct cdoc *doc, const struct set *s)
{
	const char *file = set_file(s);
	size_t ln = strlen(doc->name);

	return streq(s->ns, doc->ns) && strncmp(file, doc->name, ln) == 0 &&
	       streq(file + ln, ".json");
}

/* Queue set i's write as job n of *jobs (grown by 256): its text when at hand ('one''s kept
 * text, or the memo's), else its loader-written temp file, else made by the writer. */
static int add_job(struct run *x, struct job **jobs, size_t n, size_t i, struct cdoc *one,
		   const char *text, size_t len, const struct mkey *memo)
{
	const struct set *s = &x->sets[i];
	struct job *j;

	if (n % 256 == 0) {
		struct job *v = reallocarray(*jobs, n + 256, sizeof(*v));
		if (!v)
			return -ENOMEM;
		*jobs = v;
	}
	if (one && text && one->text_taken)
		text = NULL; /* another job writes it (a policy set and a binding of it) */
	j = &(*jobs)[n];
	*j = (struct job){ .set = i,
			   .entry = x->n_now - 1,
			   .text = (char *)text,
			   .len = len,
			   .removed = memo ? memo->removed : NULL,
			   .one = one && text };
	if (one && one->tmp_seq1 && !one->text_taken && prewritten_for(one, s)) {
		/* The loader wrote its temp file: renamed as it is. */
		j->pre = true;
		j->seq = one->tmp_seq1 - 1;
		j->text = NULL;
		j->one = false;
		one->tmp_seq1 = 0;
	}
	if (one && (text || j->pre))
		one->text_taken = true;
	return 0;
}

/* What is at set path 'file' (in 'nsfd') against what the last pass installed there ('prev',
 * may be NULL): unchanged when the previous pass installed this very content and the file is
 * still the one it wrote (inode, size, mtime, ctime: *same_ident, *have = its hash); else the
 * disk content decides (*on_disk, *have), and a file there that the agent did not write (or
 * that changed since) is not its to replace: 0. A namespace directory this pass made
 * ('ns_made') holds nothing the agent did not write: nothing to look up (a first reconcile:
 * 10,000 lookups of files that are not there, on this one thread). 1: the agent's to write. */
static int disk_state(struct run *x, const struct entry *prev, int nsfd, bool ns_made,
		      const char *file, uint64_t want, struct entry *seen, uint64_t *have,
		      bool *same_ident, bool *on_disk)
{
	struct entry now = {};

	if (prev && prev->has_ident) {
		if (x->probes) {
			const struct probe *p = &x->probes[prev - x->old];
			now = (struct entry){ .has_ident = p->ok,
					      .ino = p->ino,
					      .size = p->size,
					      .mtime_ns = p->mtime_ns,
					      .ctime_ns = p->ctime_ns };
		} else {
			rc_ident_of(nsfd, file, &now);
		}
		*same_ident = rc_same_ident(&now, prev);
	}
	if (*same_ident) {
		*seen = now;
		*have = prev->hash;
		return 1;
	}
	if (ns_made && !prev)
		return 1;
	x->res->n_compared++;
	*on_disk = rc_disk_hash(nsfd, file, have, seen);
	return rc_owned(x, prev, nsfd, file, *on_disk, *have, want) ? 1 : 0;
}

/* A bound workload's new content (to be written: it differs from what is there) that no
 * container could start with, where what is installed is one they can (rc_start_fatal_keep):
 * what is there stays, as for a rejected binding. 1 kept, 0 to write, or -errno. */
static int keep_if_start_fatal(struct run *x, const struct set *s, int nsfd, const char *file,
			       const char *text, size_t len, struct entry *e, struct entry *prev)
{
	cleanup_free char *made = NULL;
	char err[512];
	int r;

	if (!s->bind || s->fallback || !prev || !prev->hash || prev->moved)
		return 0;
	/* A merge permits what each member permits: where no member denies a start-fatal call
	 * alone (nearly always), the new content is not parsed. */
	for (size_t k = 0, bad = 0; !bad; k++) {
		const struct sc_profile *m;
		if (k == s->n_pols)
			return 0;
		if (parsed_doc(x, &x->pols[rc_smem(x, s)[k]], &m) < 0)
			break; /* made below, which says why */
		bad = sc_profile_start_fatal(m, SC_START_NNP | SC_START_SOME_ARGS, NULL, 0);
	}
	if (!text) {
		r = set_text(x, s, &made, NULL, err, sizeof(err));
		if (r < 0)
			return r == -ENOMEM ? r : 0; /* the writer meets it again, and says so */
		text = made;
		len = strlen(made);
	}
	r = rc_start_fatal_keep(x, s, nsfd, file, text, len);
	if (r <= 0)
		return r;
	*e = *prev;
	e->kept = true;
	e->workload = true;
	prev->moved = true;
	x->n_now++;
	x->n_kept_bind++;
	return 1;
}

int rc_install(struct run *x)
{
	cleanup_close int nsfd = -1;
	const char *cur = NULL, *batch_ns = NULL;
	struct job *jobs = NULL;
	size_t n_jobs = 0;
	int r, ns_err = 0;
	bool ns_made = false;

	if (x->r->tmp_fd < 0)
		x->r->tmp_fd = rc_open_tmp_dir(x->r->root_fd);
	/* With room for the kept entries published after them (no realloc of 1 MiB then). */
	x->now = calloc(x->n_sets + x->n_kept_room + 1, sizeof(*x->now));
	if (!x->now)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_sets; i++) {
		struct set *s = &x->sets[i];
		struct cdoc *one = s->n_pols == 1 && !s->fallback
					   ? rc_pdoc(x, &x->pols[rc_smem(x, s)[0]])
					   : NULL;
		const char *file = set_file(s);
		struct entry *e = &x->now[x->n_now], *prev = rc_old_entry(x, s->path);
		const char *text = one ? one->text : NULL;
		struct mkey *memo = NULL;
		struct entry seen = {};
		uint64_t want, have = 0;
		size_t len = one ? one->text_len : 0;
		bool same_ident = false, on_disk = false;
		char err[512];

		if ((i & 63) == 0 && rc_cancelled(x)) {
			jobs_free(x, jobs, n_jobs);
			return -ECANCELED;
		}
		/* (Also with nothing to write: a restart merges every set to compare.) */
		if (batch_ns && (n_jobs >= FLUSH_JOBS || !streq(batch_ns, s->ns))) {
			r = flush_jobs(x, jobs, n_jobs);
			n_jobs = 0;
			batch_ns = s->ns;
			if (r < 0) {
				free(jobs);
				return r;
			}
		}
		if (!batch_ns)
			batch_ns = s->ns;
		if (s->keep) {
			/* A binding rejected this pass (or one of its policies' files): what it
			 * had stays, as last good. */
			if (prev && !prev->moved) {
				*e = *prev;
				e->kept = true;
				e->workload = true;
				prev->moved = true;
				x->n_now++;
				x->n_kept_bind++;
			}
			continue;
		}
		if (s->bind) {
			x->res->n_bindings++;
			x->res->n_fallback += s->fallback;
		}
		if (!one) {
			r = merged_content(x, s, &memo, err, sizeof(err));
			if (r == -ENOMEM || r == -EAGAIN) {
				jobs_free(x, jobs, n_jobs);
				return r;
			}
			if (r < 0) {
				for (size_t k = 0; k < s->n_pols; k++) {
					int q = rc_reject(x, x->pols[rc_smem(x, s)[k]].file,
							  SC_REJECT_MERGE, "merging %s: %s",
							  s->path, err);
					if (q < 0) {
						jobs_free(x, jobs, n_jobs);
						return q;
					}
				}
				continue;
			}
			text = memo->text;
			len = memo->len;
			want = memo->hash;
		} else {
			want = one->text_hash;
		}
		if (!cur || !streq(cur, s->ns)) {
			if (nsfd >= 0)
				(void)close(TAKE_FD(nsfd));
			ns_made = false;
			nsfd = rc_make_ns(x, s->ns, true, &ns_made);
			/* A namespace directory that cannot be made (disk full): its profiles
			 * are not updated, the others are. */
			if (nsfd < 0 && !rc_per_file_error(nsfd)) {
				jobs_free(x, jobs, n_jobs);
				return nsfd;
			}
			ns_err = nsfd < 0 ? nsfd : 0;
			cur = s->ns;
		}
		r = disk_state(x, prev, nsfd, ns_made, file, want, &seen, &have, &same_ident,
			       &on_disk);
		if (r == 0) {
			r = rc_reject_foreign(x, s, prev != NULL);
			if (r < 0) {
				jobs_free(x, jobs, n_jobs);
				return r;
			}
			continue;
		}
		r = ns_err || ((same_ident || on_disk) && have == want)
			    ? 0
			    : keep_if_start_fatal(x, s, nsfd, file, text, len, e, prev);
		if (r < 0) {
			jobs_free(x, jobs, n_jobs);
			return r;
		}
		if (r > 0)
			continue; /* kept: what is installed stays */
		if (prev && same_members(x, s, prev)) {
			/* Same set as last time: its entry carries over (no new strings). */
			if (!prev->kept)
				x->n_carried++;
			*e = *prev;
			e->kept = false;
			e->stale = false;
			prev->moved = true;
			x->n_now++;
		} else {
			r = entry_for_set(x, s, e);
			x->n_now++;
			if (r < 0) {
				jobs_free(x, jobs, n_jobs);
				return r;
			}
		}
		e->workload = s->bind != NULL;
		e->fallback = s->fallback;
		e->hash = want;
		e->size = len;
		if (ns_err) {
			rc_not_updated(x, e, s->path, ns_err);
			continue;
		}
		if ((same_ident || on_disk) && have == want) {
			take_ident(e, &seen);
			continue;
		}
		/* To be written: by the writers, below. */
		r = add_job(x, &jobs, n_jobs, i, one, text, len, memo);
		if (r < 0) {
			jobs_free(x, jobs, n_jobs);
			return r;
		}
		n_jobs++;
		/* The index must name it before the rename: a new path, or one whose recorded
		 * content changes (an interrupted pass then leaves the index trusting either). */
		if (!prev || prev->hash)
			x->new_paths = true;
	}
	r = n_jobs ? write_jobs(x, jobs, n_jobs) : 0;
	jobs_free(x, jobs, n_jobs);
	return r;
}

/* After the renames: the identity of what was written, for the next pass's skip. */
void rc_record_idents(struct run *x)
{
	int fd = -1;
	const char *cur = NULL;

	for (size_t i = 0; i < x->n_now; i++) {
		struct entry *e = &x->now[i];
		char file[300];
		if (!e->need_ident)
			continue;
		e->need_ident = false;
		if (!cur || !streq(cur, e->ns)) {
			if (fd >= 0)
				(void)close(fd);
			fd = rc_open_ns(x, e->ns, false);
			cur = e->ns;
		}
		(void)snprintf(file, sizeof(file), "%s.json", e->name);
		if (fd >= 0)
			rc_ident_of(fd, file, e);
	}
	if (fd >= 0)
		(void)close(fd);
}

void rc_memo_free(struct run *x)
{
	for (size_t i = 0; i < x->cap_memo; i++) {
		if (x->memo[i].text)
			__atomic_sub_fetch(&x->text_bytes, x->memo[i].len, __ATOMIC_RELAXED);
		free(x->memo[i].text);
		free(x->memo[i].removed);
	}
	free(x->memo);
	x->memo = NULL;
	x->cap_memo = x->n_memo = 0;
}
