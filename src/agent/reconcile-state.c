/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns what the reconciler and a pass keep: installed entries and their shared strings, the
 * per-file cache, the pass's state and its rejections, and small helpers (log lines, sorting). */
#include "agent/reconcile-internal.h"

/* ---- small helpers ----------------------------------------------------------------- */

/* What the next pass compares to tell an installed file unchanged: inode, size, mtime, ctime. */
void rc_set_ident(struct entry *e, const struct stat *st)
{
	e->has_ident = true;
	e->ino = st->st_ino;
	e->size = (size_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/* Whether the file is still the one whose identity 'then' recorded: 'now' its identity. */
bool rc_same_ident(const struct entry *now, const struct entry *then)
{
	return now->has_ident && then->has_ident && now->ino == then->ino &&
	       now->size == then->size && now->mtime_ns == then->mtime_ns &&
	       now->ctime_ns == then->ctime_ns;
}

/* The identity of file 'name' in 'dirfd' (none when it is no regular file). */
void rc_ident_of(int dirfd, const char *name, struct entry *e)
{
	struct stat st;

	e->has_ident = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		rc_set_ident(e, &st);
}

void rc_logf(struct sc_reconciler *r, const char *level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!r->o.log)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->o.log(r->o.userdata, level, line);
}

void rc_log_line(struct sc_reconciler *r, const char *level, const char *line)
{
	if (r->o.log)
		r->o.log(r->o.userdata, level, line);
}

bool rc_no_log_flag(struct sc_reconciler *rc)
{
	if (!__atomic_load_n(&rc->log_flag_known, __ATOMIC_ACQUIRE)) {
		(void)pthread_mutex_lock(&rc->log_flag_lock);
		if (!rc->log_flag_known) {
			if (rc->o.no_log_flag_wait)
				rc->o.no_log_flag = rc->o.no_log_flag_wait(rc->o.userdata);
			__atomic_store_n(&rc->log_flag_known, true, __ATOMIC_RELEASE);
		}
		(void)pthread_mutex_unlock(&rc->log_flag_lock);
	}
	return rc->o.no_log_flag;
}

void rc_log_flush(struct sc_reconciler *r)
{
	if (r->o.log_flush)
		r->o.log_flush(r->o.userdata);
}

/* A value for a key=value log line: quoted when it has spaces, quotes or '='. */
const char *rc_logval(const char *s, char *buf, size_t size)
{
	size_t o = 0;
	bool plain = *s != '\0';

	for (const char *p = s; *p && plain; p++)
		plain = *p > ' ' && *p != '"' && *p != '=' && *p != '\\' &&
			(unsigned char)*p < 0x7f;
	if (plain)
		return s;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < size; p++) {
		if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else if (*p < ' ' || *p == 0x7f) {
			buf[o++] = ' ';
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* ---- shared strings ------------------------------------------------------------------ */

/* The "Kind/name" and file of each member of an installed profile: 10,000 bound workloads'
 * entries name the same 1,000 policies and 20 files, for as long as the agent runs. One copy
 * each, counted; an entry takes and gives back its own (ownership moves with the entry, as
 * its block does). Process-wide (an entry is freed without its reconciler at hand). */
struct istr {
	uint32_t refs;
	uint32_t hash;
	char s[];
};

static struct {
	pthread_mutex_t lock;
	struct istr **v; /* open addressing, linear probing */
	size_t n, cap;
} istrs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static char *istr_get(const char *s)
{
	uint32_t h = sc_fnv32_str(s);
	struct istr *p = NULL;
	size_t slot;

	pthread_mutex_lock(&istrs.lock);
	/* Three quarters full at most: 20,000 strings in a 256 KiB table. */
	if (4 * (istrs.n + 1) > 3 * istrs.cap) {
		size_t cap = istrs.cap ? 2 * istrs.cap : 1024;
		struct istr **v = calloc(cap, sizeof(*v));
		if (!v)
			goto out;
		for (size_t i = 0; i < istrs.cap; i++) {
			size_t q;
			if (!istrs.v[i])
				continue;
			for (q = istrs.v[i]->hash & (cap - 1); v[q]; q = (q + 1) & (cap - 1))
				;
			v[q] = istrs.v[i];
		}
		free(istrs.v);
		istrs.v = v;
		istrs.cap = cap;
	}
	for (slot = h & (istrs.cap - 1); istrs.v[slot]; slot = (slot + 1) & (istrs.cap - 1))
		if (istrs.v[slot]->hash == h && streq(istrs.v[slot]->s, s)) {
			p = istrs.v[slot];
			p->refs++;
			goto out;
		}
	p = malloc(sizeof(*p) + strlen(s) + 1);
	if (!p)
		goto out;
	*p = (struct istr){ .refs = 1, .hash = h };
	strcpy(p->s, s);
	istrs.v[slot] = p;
	istrs.n++;
out:
	pthread_mutex_unlock(&istrs.lock);
	return p ? p->s : NULL;
}

static void istr_put(const char *s)
{
	struct istr *p;
	size_t slot;

	if (!s)
		return;
	p = (struct istr *)(void *)(s - offsetof(struct istr, s));
	pthread_mutex_lock(&istrs.lock);
	if (--p->refs == 0) {
		/* Out of the table, the run after it shifted back (no tombstones). */
		for (slot = p->hash & (istrs.cap - 1); istrs.v[slot] != p;
		     slot = (slot + 1) & (istrs.cap - 1))
			;
		istrs.v[slot] = NULL;
		for (size_t q = (slot + 1) & (istrs.cap - 1); istrs.v[q];
		     q = (q + 1) & (istrs.cap - 1)) {
			struct istr *m = istrs.v[q];
			size_t home = m->hash & (istrs.cap - 1);
			/* Move m into the hole when its home is not within (slot, q]. */
			if ((q > slot && (home <= slot || home > q)) ||
			    (q < slot && home <= slot && home > q)) {
				istrs.v[slot] = m;
				istrs.v[q] = NULL;
				slot = q;
			}
		}
		istrs.n--;
		free(p);
	}
	pthread_mutex_unlock(&istrs.lock);
}

void rc_entry_clear(struct entry *e)
{
	if (e->moved) {
		*e = (struct entry){};
		return;
	}
	if (e->packed) {
		/* Strings between the pointers and ns are the block's; the others shared. */
		const char *lo = (const char *)(e->pols + 2 * e->n_pols + 1), *hi = e->ns;
		for (size_t k = 0; k < e->n_pols; k++) {
			if (e->pols[k] < lo || e->pols[k] >= hi)
				istr_put(e->pols[k]);
			if (e->files[k] < lo || e->files[k] >= hi)
				istr_put(e->files[k]);
		}
		free(e->pols); /* everything else is in the same block (rc_entry_pack) */
		*e = (struct entry){};
		return;
	}
	free(e->ns);
	free(e->name);
	free(e->path);
	for (size_t i = 0; i < e->n_files; i++)
		free(e->files[i]);
	free(e->files);
	for (size_t i = 0; i < e->n_pols; i++)
		free(e->pols[i]);
	free(e->pols);
	*e = (struct entry){};
}

void rc_entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rc_entry_clear(&v[i]);
	free(v);
}

/* An entry in one block (10,000 entries live as long as the agent): pols[n], files[n], a
 * NULL, the members' own strings, then "ns\0name\0path\0". Member k comes from
 * member(ud, k, buf, &file) (its "Kind/name" in buf, of 600 bytes), which says whether it is
 * one many entries name (a policy a bound workload's profile is made of, and its file: 10,000
 * of them name the same 1,000 policies and 20 files): then its strings are shared
 * (istr_get), else in the block (a policy set's own, a bound workload's binding: named once;
 * shared, each would cost more than it saves). rc_entry_clear tells them apart by address. */
int rc_entry_pack(struct entry *e, const char *ns, const char *name, size_t name_len,
		  const char *path, size_t n,
		  bool (*member)(const void *ud, size_t k, char *pk, const char **file),
		  const void *ud)
{
	size_t ln = strlen(ns) + 1, lp = strlen(path) + 1, total;
	const char *prev = NULL;
	char pk[600], *b;
	char **ptrs;

	total = (2 * n + 1) * sizeof(char *) + ln + name_len + 1 + lp;
	for (size_t k = 0; k < n; k++) {
		const char *f;
		if (member(ud, k, pk, &f)) {
			prev = NULL;
			continue;
		}
		total += strlen(pk) + 1 + (prev && streq(prev, f) ? 0 : strlen(f) + 1);
		prev = f;
	}
	ptrs = malloc(total);
	if (!ptrs)
		return -ENOMEM;
	ptrs[2 * n] = NULL;
	b = (char *)(ptrs + 2 * n + 1);
	prev = NULL;
	for (size_t k = 0; k < n; k++) {
		const char *f;
		if (member(ud, k, pk, &f)) {
			ptrs[k] = istr_get(pk);
			ptrs[n + k] = ptrs[k] ? istr_get(f) : NULL;
			prev = NULL;
			if (!ptrs[n + k]) {
				/* Give back the shared ones taken (the block's are before b). */
				const char *lo = (const char *)(ptrs + 2 * n + 1);
				for (size_t j = 0; j <= k; j++) {
					if (ptrs[j] && (ptrs[j] < lo || ptrs[j] >= b))
						istr_put(ptrs[j]);
					if (j < k && (ptrs[n + j] < lo || ptrs[n + j] >= b))
						istr_put(ptrs[n + j]);
				}
				free(ptrs);
				*e = (struct entry){};
				return -ENOMEM;
			}
			continue;
		}
		ptrs[k] = b;
		b = stpcpy(b, pk) + 1;
		if (prev && streq(prev, f)) {
			ptrs[n + k] = ptrs[n + k - 1];
		} else {
			ptrs[n + k] = b;
			b = stpcpy(b, f) + 1;
		}
		prev = f;
	}
	e->pols = ptrs;
	e->files = ptrs + n;
	e->ns = memcpy(b, ns, ln);
	b += ln;
	e->name = memcpy(b, name, name_len);
	b[name_len] = '\0';
	b += name_len + 1;
	e->path = memcpy(b, path, lp);
	e->n_pols = e->n_files = n;
	e->packed = true;
	return 0;
}

void rc_rejections_free(struct rejection *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].message);
		free(v[i].other);
	}
	free(v);
}

int rc_strv_add(char ***v, size_t *n, const char *s)
{
	char **x = *v;

	/* Capacity doubles at powers of two: 10,000 paths are not 10,000 reallocs. */
	if (*n < 4 || (*n & (*n - 1)) == 0) {
		x = reallocarray(*v, *n < 4 ? 4 : 2 * *n, sizeof(**v));
		if (!x)
			return -ENOMEM;
	}
	*v = x;
	x[*n] = strdup(s);
	if (!x[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* qsort(), qsort_r() that first look whether 'v' is in order already: a pass's lists
 * usually are (files come sorted, sets follow them), and glibc's merge sort would still
 * compare n log n times. */
void rc_sort_r(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
	       void *ud)
{
	const char *b = v;

	for (size_t i = 1; i < n; i++)
		if (cmp(b + (i - 1) * size, b + i * size, ud) > 0) {
			qsort_r(v, n, size, cmp, ud);
			return;
		}
}

static int cmp_plain(const void *a, const void *b, void *ud)
{
	return ((int (*)(const void *, const void *))ud)(a, b);
}

void rc_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	rc_sort_r(v, n, size, cmp_plain, (void *)cmp);
}

int rc_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the per-file cache ------------------------------------------------------------- */

void rc_cfile_clear(struct cfile *c)
{
	for (size_t i = 0; i < c->n_docs; i++) {
		free(c->docs[i].ns); /* name and key live in the same block */
		free(c->docs[i].text);
	}
	free(c->docs);
	if (c->bk) {
		sc_bindings_free_packed(c->binds, c->bk->block);
		free(c->bk->msig);
		free(c->bk->moff);
		free(c->bk->mdata);
		free(c->bk);
	}
	free(c->path);
	free(c->message);
	*c = (struct cfile){ .reason = -1 };
}

void rc_cache_free(struct cfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rc_cfile_clear(&v[i]);
	free(v);
}

/* FNV-1a over content that may come in pieces (a file read in chunks, the index through a
 * stdio stream): start from HASH64_INIT, feed every piece, end with rc_hash64_end(). */

uint64_t rc_hash64_feed(uint64_t h, const void *data, size_t n)
{
	return sc_fnv64(h, data, n);
}

uint64_t rc_hash64_end(uint64_t h, size_t total)
{
	return h ^ (uint64_t)total;
}

/* The content hash of one buffer, as profiles and the index are compared. */
uint64_t rc_hash64(const void *data, size_t n)
{
	return rc_hash64_end(rc_hash64_feed(HASH64_INIT, data, n), n);
}

/* ---- one pass: state --------------------------------------------------------------- */

void rc_run_free_sets(struct run *x)
{
	free(x->set_names);
	x->set_names = NULL;
	free(x->members);
	x->members = NULL;
	x->n_members = 0;
	free(x->sets);
	x->sets = NULL;
	x->n_sets = 0;
}

bool rc_cancelled(struct run *x)
{
	return x->r->o.cancel && x->r->o.cancel(x->r->o.userdata);
}

/* A rejection for this pass: counter, entry for /profiles, and a log line when it is news
 * (a file that stays bad is counted, not logged again). 'mark': the whole file is rejected
 * (else one binding of it). */
int rc_add_rejection(struct run *x, size_t fi, enum sc_reject_reason why, const char *m, bool mark)
{
	struct rejection *v;
	char b1[600], b2[1200];
	char *msg;

	if (x->rejected[fi])
		return 0;
	for (size_t i = 0; !mark && i < x->n_rej; i++)
		if (x->rej[i].reason == why && streq(x->rej[i].message, m) &&
		    streq(x->rej[i].file, x->files[fi].path))
			return 0; /* a binding's, found again in a regrouping round */
	if (mark)
		x->rejected[fi] = true;
	msg = strdup(m);
	if (!msg)
		return -ENOMEM;
	v = reallocarray(x->rej, x->n_rej + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	x->rej = v;
	v[x->n_rej] = (struct rejection){ .file = strdup(x->files[fi].path),
					  .reason = why,
					  .message = msg };
	if (!v[x->n_rej].file) {
		free(msg);
		return -ENOMEM;
	}
	x->n_rej++;
	x->res->rejected[why]++;
	x->res->n_rejected++;
	for (size_t i = 0; i < x->r->n_rejected; i++)
		if (streq(x->r->rejected[i].file, x->files[fi].path) &&
		    streq(x->r->rejected[i].message, msg))
			return 0;
	rc_logf(x->r, "warn", "event=reject file=%s reason=%s msg=%s",
		rc_logval(x->files[fi].path, b1, sizeof(b1)), sc_reject_reason_to_string(why),
		rc_logval(msg, b2, sizeof(b2)));
	return 0;
}

int rc_reject_msg(struct run *x, size_t fi, enum sc_reject_reason why, const char *m)
{
	return rc_add_rejection(x, fi, why, m, true);
}

int rc_reject(struct run *x, size_t fi, enum sc_reject_reason why, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	return rc_reject_msg(x, fi, why, msg);
}

int rc_make_ns(struct run *x, const char *ns, bool create, bool *ret_made)
{
	bool made = false;
	int fd;

	if (!sc_dns1123_label_valid(ns))
		return -EINVAL;
	if (create) {
		made = mkdirat(x->r->root_fd, ns, 0755) == 0;
		if (!made && errno != EEXIST)
			return -errno;
	}
	fd = openat(x->r->root_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ret_made)
		*ret_made = made;
	return fd;
}

int rc_open_ns(struct run *x, const char *ns, bool create)
{
	return rc_make_ns(x, ns, create, NULL);
}

void rc_parsed_free(struct run *x)
{
	for (size_t i = 0; x->parsed && i < x->n_files; i++) {
		for (size_t k = 0; k < x->parsed[i].n; k++)
			sc_profile_free(x->parsed[i].v[k]);
		free(x->parsed[i].v);
	}
	free(x->parsed);
	x->parsed = NULL;
}

int rc_cmp_entry_path(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->path, (*(struct entry *const *)b)->path);
}

struct entry *rc_old_entry(const struct run *x, const char *path)
{
	struct entry key = { .path = (char *)path }, *kp = &key, **e;

	if (!x->n_old_by_path)
		return NULL;
	e = bsearch(&kp, x->old_by_path, x->n_old_by_path, sizeof(*x->old_by_path),
		    rc_cmp_entry_path);
	return e ? *e : NULL;
}

static const char *const reason_names[_SC_REJECT_COUNT] = {
	[SC_REJECT_PARSE] = "parse",
	[SC_REJECT_NAME] = "name",
	[SC_REJECT_UNKNOWN_SYSCALL] = "unknown-syscall",
	[SC_REJECT_SELECTOR] = "selector",
	[SC_REJECT_DUPLICATE] = "duplicate",
	[SC_REJECT_CONFLICT] = "conflict",
	[SC_REJECT_MERGE] = "merge",
	[SC_REJECT_READ] = "read",
	[SC_REJECT_BASELINE] = "baseline",
	[SC_REJECT_BINDING] = "binding",
};

const char *sc_reject_reason_to_string(enum sc_reject_reason r)
{
	return (unsigned)r < _SC_REJECT_COUNT ? reason_names[r] : NULL;
}
