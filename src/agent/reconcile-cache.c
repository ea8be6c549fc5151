/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns <root>/.state: what a pass knows that a restarted agent would otherwise learn again at
 * the cost of a full pass (parsing every policy, reading back every profile). It holds the
 * per-file judgements (by content hash), the merged sets' content hashes, and the entries of
 * the index with each profile's identity after it was written.
 *
 * Nothing in it is trusted beyond what it can prove:
 *   - all of it only for this very build and these options (rc_state_key: the build IDs of
 *     the program and its libraries, the LOG flag, the --arch list, the policies directory),
 *     on the same root directory (device and inode), with a checksum over the whole file;
 *   - a judgement only for a policy file whose content hashes as it did (every file is still
 *     read: a ConfigMap update gives every key a new inode, a same-size edit may keep the
 *     mtime);
 *   - the entries only while index.json's content is the one they were saved with (an index
 *     written by `policy build`, or by a pass killed before it saved, reads as before), and a
 *     profile's identity only as the proof that the file is still the one the agent wrote:
 *     same inode, size, mtime and ctime (a write, a rename or a chmod sets the ctime, and no
 *     call sets it back), else its content is read and hashed as without a state.
 * A state that fails any of these is left aside whole or in part, never an error. It is
 * written after a completed pass, only when it changed, as a temp file renamed into place
 * (no fsync: a torn file fails its checksum). */
#include <link.h>
#include <stdio_ext.h>

#include "agent/reconcile-internal.h"
#include "k8s/index.h"
#include "syscage/names.h"

#define STATE_NAME    ".state"
#define STATE_MAGIC   "SCSTATE1"
#define STATE_MAX_STR (1u << 20)
#define STATE_MAX_N   (1u << 24)

/* ---- the key ----------------------------------------------------------------------- */

struct keyer {
	uint64_t h;
	bool main_has_id;
};

/* Every loaded object's NT_GNU_BUILD_ID, fed to the key (the program first). */
static int key_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct keyer *k = data;
	bool first = k->h == HASH64_INIT;

	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end;
		if (ph->p_type != PT_NOTE)
			continue;
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
			size_t nsz = (n->n_namesz + 3) & ~(size_t)3,
			       dsz = (n->n_descsz + 3) & ~(size_t)3;
			const char *name = p + sizeof(*n), *desc = name + nsz;
			if (desc + dsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				k->h = rc_hash64_feed(k->h, desc, n->n_descsz);
				if (first)
					k->main_has_id = true;
			}
			p = desc + dsz;
		}
	}
	/* The program without a build ID: no key, no state. */
	return first && !k->main_has_id ? 1 : 0;
}

/* What the judgements and merged contents depend on besides the policy bytes: the code that
 * made them and the options it ran with. 0 when the program has no build ID (nothing then
 * tells one build from the next: no state is kept). */
static uint64_t state_key(const struct sc_reconciler *rc)
{
	struct keyer k = { .h = HASH64_INIT };
	uint8_t log = !rc->o.no_log_flag;
	uint64_t h;

	if (dl_iterate_phdr(key_object, &k) != 0 || !k.main_has_id)
		return 0;
	h = rc_hash64_feed(k.h, STATE_MAGIC, 8);
	h = rc_hash64_feed(h, &log, 1);
	h = rc_hash64_feed(h, &rc->o.n_arches, sizeof(rc->o.n_arches));
	for (size_t i = 0; i < rc->o.n_arches; i++) {
		int32_t a = (int32_t)rc->o.arches[i];
		h = rc_hash64_feed(h, &a, sizeof(a));
	}
	h = rc_hash64_feed(h, rc->policies_dir, strlen(rc->policies_dir) + 1);
	h = rc_hash64_feed(h, rc->root_name, strlen(rc->root_name) + 1);
	h = rc_hash64_end(h, 0);
	return h ? h : 1;
}

uint64_t rc_state_key_now(struct sc_reconciler *rc)
{
	if (!rc->state_key_known) {
		(void)rc_no_log_flag(rc);
		rc->state_key = state_key(rc);
		rc->state_key_known = true;
	}
	return rc->state_key;
}

/* ---- writing ----------------------------------------------------------------------- */

/* A buffered writer that hashes what passes and writes it to fd (when >= 0). 10,000
 * entries are some 200,000 small fields: no stdio call per field. */
struct sink {
	int fd;
	uint64_t h;
	size_t n;
	int err;
	size_t len;
	char buf[65536];
};

/* (Field by field: a compound literal would put the 64 KiB buffer on the stack.) */
static void sink_init(struct sink *k, int fd)
{
	k->fd = fd;
	k->h = HASH64_INIT;
	k->n = k->len = 0;
	k->err = 0;
}

static void sink_flush(struct sink *k)
{
	k->h = rc_hash64_feed(k->h, k->buf, k->len);
	k->n += k->len;
	if (k->fd >= 0 && !k->err) {
		int r = sc_write_all(k->fd, k->buf, k->len);
		if (r < 0)
			k->err = -r;
	}
	k->len = 0;
}

static void put(struct sink *k, const void *p, size_t size)
{
	while (size > 0) {
		size_t c = sizeof(k->buf) - k->len < size ? sizeof(k->buf) - k->len : size;
		memcpy(k->buf + k->len, p, c);
		k->len += c;
		p = (const char *)p + c;
		size -= c;
		if (k->len == sizeof(k->buf))
			sink_flush(k);
	}
}

static void put_u8(struct sink *f, uint8_t v)
{
	put(f, &v, 1);
}

static void put_u32(struct sink *f, uint32_t v)
{
	put(f, &v, sizeof(v));
}

static void put_u64(struct sink *f, uint64_t v)
{
	put(f, &v, sizeof(v));
}

/* A string: its length (UINT32_MAX for NULL), then its bytes. */
static void put_str(struct sink *f, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(f, s ? (uint32_t)n : UINT32_MAX);
	put(f, s ? s : "", n);
}

static bool savable_cfile(const struct cfile *c)
{
	/* A bindings file's judgement is its bindings: parsed again after a restart. */
	return c->path && !c->bk && !c->binds;
}

static void emit(const struct sc_reconciler *rc, struct sink *f, const struct stat *root_st)
{
	size_t n = 0;

	put(f, STATE_MAGIC, 8);
	put_u64(f, rc->state_key);
	put_u64(f, (uint64_t)root_st->st_dev);
	put_u64(f, (uint64_t)root_st->st_ino);
	/* The entries, for the index with this content. */
	put_u64(f, rc->index.hash);
	for (size_t i = 0; i < rc->n_installed; i++)
		n += rc->installed[i].path != NULL;
	put_u32(f, (uint32_t)n);
	for (size_t i = 0; i < rc->n_installed; i++) {
		const struct entry *e = &rc->installed[i];
		if (!e->path)
			continue;
		put_str(f, e->ns);
		put_str(f, e->name);
		put_str(f, e->path);
		put_u8(f, (uint8_t)(e->kept | e->has_ident << 1 | e->workload << 2 |
				    e->fallback << 3 | e->stale << 4));
		put_u64(f, e->hash);
		put_u64(f, (uint64_t)e->ino);
		put_u64(f, (uint64_t)e->size);
		put_u64(f, (uint64_t)e->mtime_ns);
		put_u64(f, (uint64_t)e->ctime_ns);
		put_u32(f, (uint32_t)e->n_pols);
		for (size_t k = 0; k < e->n_pols; k++) {
			put_str(f, e->pols[k]);
			put_str(f, k < e->n_files ? e->files[k] : "");
		}
	}
	/* The judgements, sorted by path as the cache is. */
	n = 0;
	for (size_t i = 0; i < rc->n_cache; i++)
		n += savable_cfile(&rc->cache[i]);
	put_u32(f, (uint32_t)n);
	for (size_t i = 0; i < rc->n_cache; i++) {
		const struct cfile *c = &rc->cache[i];
		if (!savable_cfile(c))
			continue;
		put_str(f, c->path);
		put_u64(f, c->hash);
		put_u8(f, c->via_data);
		put_u32(f, (uint32_t)c->reason);
		put_str(f, c->message);
		put_u32(f, (uint32_t)c->n_docs);
		for (size_t k = 0; k < c->n_docs; k++) {
			const struct cdoc *d = &c->docs[k];
			put_str(f, d->ns);
			put_str(f, d->name);
			put_str(f, d->key);
			put_u32(f, (uint32_t)d->format);
			put_u8(f, (uint8_t)(d->selects | d->baseline << 1));
			put_u64(f, d->text_hash);
			put_u64(f, (uint64_t)d->text_len);
		}
	}
	/* The merged contents, sorted by key. */
	put_u32(f, (uint32_t)rc->n_mcache);
	for (size_t i = 0; i < rc->n_mcache; i++) {
		put_u64(f, rc->mcache[i].key);
		put_u64(f, rc->mcache[i].hash);
		put_u64(f, (uint64_t)rc->mcache[i].len);
	}
}

static int emit_to(const struct sc_reconciler *rc, struct sink *k, const struct stat *root_st)
{
	emit(rc, k, root_st);
	sink_flush(k);
	return k->err ? -k->err : 0;
}

/* After a completed pass: the state, when it is not on disk already. Failing is harmless
 * (the next start does a full pass), so nothing is reported. */
void rc_state_save(struct sc_reconciler *rc)
{
	cleanup_free struct sink *k = malloc(sizeof(*k));
	struct entry now = {};
	struct stat root_st;
	char tmp[NAME_MAX + 1];
	uint64_t sum;

	if (!k || !rc_state_key_now(rc) || fstat(rc->root_fd, &root_st) < 0)
		return;
	/* The file on disk is the one last read or written: hashed first, kept when equal. */
	rc_ident_of(rc->root_fd, STATE_NAME, &now);
	if (rc->state.hash && rc_same_ident(&now, &rc->state)) {
		sink_init(k, -1);
		if (emit_to(rc, k, &root_st) < 0 || rc_hash64_end(k->h, k->n) == rc->state.hash)
			return;
	}
	(void)snprintf(tmp, sizeof(tmp), STATE_NAME ".%d.%u" TMP_SUFFIX, (int)getpid(),
		       rc->tmp_seq++);
	sink_init(k, openat(rc->root_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600));
	if (k->fd < 0)
		return;
	sum = 0;
	if (emit_to(rc, k, &root_st) == 0) {
		sum = rc_hash64_end(k->h, k->n);
		if (write(k->fd, &sum, sizeof(sum)) != (ssize_t)sizeof(sum))
			k->err = EIO;
	}
	if (close(k->fd) < 0 && !k->err)
		k->err = errno;
	if (k->err || renameat(rc->root_fd, tmp, rc->root_fd, STATE_NAME) < 0) {
		(void)unlinkat(rc->root_fd, tmp, 0);
		rc->state = (struct entry){};
		return;
	}
	rc_ident_of(rc->root_fd, STATE_NAME, &rc->state);
	rc->state.hash = rc->state.has_ident ? sum : 0;
}

/* ---- reading ----------------------------------------------------------------------- */

/* A buffered reader that hashes what it hands out. */
struct reader {
	int fd;
	uint64_t h;
	size_t n;
	bool bad;
	size_t pos, len;
	char buf[65536];
};

/* Refill the buffer: false at the end of the file (or on an error). */
static bool fill(struct reader *r)
{
	ssize_t k;

	do
		k = read(r->fd, r->buf, sizeof(r->buf));
	while (k < 0 && errno == EINTR);
	r->pos = 0;
	r->len = k > 0 ? (size_t)k : 0;
	return k > 0;
}

/* 'size' bytes, not hashed. */
static bool take(struct reader *r, void *p, size_t size)
{
	while (size > 0) {
		size_t c;
		if (r->pos == r->len && !fill(r))
			return false;
		c = r->len - r->pos < size ? r->len - r->pos : size;
		memcpy(p, r->buf + r->pos, c);
		r->pos += c;
		p = (char *)p + c;
		size -= c;
	}
	return true;
}

static void get(struct reader *r, void *p, size_t size)
{
	if (r->bad || !take(r, p, size)) {
		r->bad = true;
		memset(p, 0, size);
		return;
	}
	r->h = rc_hash64_feed(r->h, p, size);
	r->n += size;
}

static uint8_t get_u8(struct reader *r)
{
	uint8_t v;
	get(r, &v, 1);
	return v;
}

static uint32_t get_u32(struct reader *r)
{
	uint32_t v;
	get(r, &v, sizeof(v));
	return v;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t v;
	get(r, &v, sizeof(v));
	return v;
}

/* A count, bounded. */
static size_t get_n(struct reader *r)
{
	uint32_t n = get_u32(r);

	if (n > STATE_MAX_N)
		r->bad = true;
	return r->bad ? 0 : n;
}

/* A string (malloc'ed, NUL-terminated; NULL for a NULL one): -ENOMEM, or 0 (r->bad when it
 * does not read as one). */
static int get_str(struct reader *r, char **ret)
{
	uint32_t n = get_u32(r);
	char *s;

	*ret = NULL;
	if (r->bad || n == UINT32_MAX)
		return 0;
	if (n > STATE_MAX_STR) {
		r->bad = true;
		return 0;
	}
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	get(r, s, n);
	s[n] = '\0';
	if (r->bad || strlen(s) != n) {
		r->bad = true;
		free(s);
		return 0;
	}
	*ret = s;
	return 0;
}

/* An entry of the state: as the index would give it, with its identity. Skipped (not
 * adopted) when the index's content is not the one the state was saved with. */
static int read_entry(struct reader *r, struct run *x, bool adopt)
{
	cleanup_free char *ns = NULL, *name = NULL, *path = NULL;
	cleanup_free struct sc_index_policy *pv = NULL;
	cleanup_free char **strs = NULL;
	struct entry id = {};
	uint8_t flags;
	size_t n, n_old = x->n_old;
	int q = 0;

	if ((q = get_str(r, &ns)) < 0 || (q = get_str(r, &name)) < 0 || (q = get_str(r, &path)) < 0)
		return q;
	flags = get_u8(r);
	id.hash = get_u64(r);
	id.ino = (ino_t)get_u64(r);
	id.size = (size_t)get_u64(r);
	id.mtime_ns = (int64_t)get_u64(r);
	id.ctime_ns = (int64_t)get_u64(r);
	n = get_n(r);
	if (r->bad || !ns || !name || !path)
		return r->bad = true, 0;
	pv = calloc(n + 1, sizeof(*pv));
	strs = calloc(2 * n + 1, sizeof(*strs));
	if (!pv || !strs)
		return -ENOMEM;
	for (size_t k = 0; k < n && q == 0 && !r->bad; k++) {
		char *sl;
		q = get_str(r, &strs[2 * k]);
		if (q == 0)
			q = get_str(r, &strs[2 * k + 1]);
		if (q < 0 || r->bad || !strs[2 * k] || !strs[2 * k + 1]) {
			r->bad = r->bad || q == 0;
			break;
		}
		sl = strchr(strs[2 * k], '/');
		if (sl) {
			*sl = '\0';
			pv[k] = (struct sc_index_policy){ strs[2 * k], sl + 1, strs[2 * k + 1] };
		} else {
			pv[k] = (struct sc_index_policy){ NULL, NULL, strs[2 * k + 1] };
		}
	}
	if (q == 0 && !r->bad && adopt) {
		/* The shape the index reader accepts: <ns>/<name>.json below the root. */
		size_t ln = strlen(ns), lm = strlen(name);
		struct sc_index_set s = { .ns = ns,
					  .name = name,
					  .path = path,
					  .kept = flags & 1,
					  .content_hash = id.hash,
					  .policies = pv,
					  .n_policies = n };
		if (!sc_dns1123_label_valid(ns) || strlen(path) != ln + 1 + lm + 5 ||
		    strncmp(path, ns, ln) != 0 || path[ln] != '/' ||
		    strncmp(path + ln + 1, name, lm) != 0 || !streq(path + ln + 1 + lm, ".json")) {
			r->bad = true;
		} else {
			q = rc_adopt_set(x, &s);
		}
		if (q == 0 && x->n_old == n_old + 1) {
			struct entry *e = &x->old[n_old];
			e->has_ident = flags >> 1 & 1;
			e->workload = flags >> 2 & 1;
			e->fallback = flags >> 3 & 1;
			e->stale = flags >> 4 & 1;
			e->ino = id.ino;
			e->size = id.size;
			e->mtime_ns = id.mtime_ns;
			e->ctime_ns = id.ctime_ns;
		}
	}
	for (size_t k = 0; k < 2 * n; k++)
		free(strs[k]);
	return q;
}

static int read_cfile(struct reader *r, struct cfile *c)
{
	uint32_t reason;
	size_t n;
	int q;

	*c = (struct cfile){ .reason = -1 };
	if ((q = get_str(r, &c->path)) < 0)
		return q;
	c->hash = get_u64(r);
	c->via_data = get_u8(r) != 0;
	reason = get_u32(r);
	if ((q = get_str(r, &c->message)) < 0)
		return q;
	n = get_n(r);
	if (r->bad || !c->path || (reason != UINT32_MAX && reason >= _SC_REJECT_COUNT))
		return r->bad = true, 0;
	c->reason = reason == UINT32_MAX ? -1 : (int)reason;
	c->docs = n ? calloc(n, sizeof(*c->docs)) : NULL;
	if (n && !c->docs)
		return -ENOMEM;
	for (size_t k = 0; k < n && !r->bad; k++) {
		struct cdoc *d = &c->docs[k];
		cleanup_free char *ns = NULL, *name = NULL, *key = NULL;
		uint32_t format;
		uint8_t flags;
		size_t ln, lm, lk;
		if ((q = get_str(r, &ns)) < 0 || (q = get_str(r, &name)) < 0 ||
		    (q = get_str(r, &key)) < 0)
			return q;
		format = get_u32(r);
		flags = get_u8(r);
		d->text_hash = get_u64(r);
		d->text_len = (size_t)get_u64(r);
		/* What the judge checked (names become paths below the root): checked again, a
		 * state is no licence to write elsewhere. */
		if (r->bad || !ns || !name || !key || format >= _SC_FORMAT_COUNT ||
		    !sc_dns1123_label_valid(ns) || !sc_dns1123_subdomain_valid(name) ||
		    strlen(name) > MAX_NAME)
			return r->bad = true, 0;
		d->format = (int)format;
		d->selects = flags & 1;
		d->baseline = flags >> 1 & 1;
		/* ns, name and key in one block, as judge_file makes them. */
		ln = strlen(ns) + 1;
		lm = strlen(name) + 1;
		lk = strlen(key) + 1;
		d->ns = malloc(ln + lm + lk);
		if (!d->ns)
			return -ENOMEM;
		d->name = d->ns + ln;
		d->key = d->name + lm;
		memcpy(d->ns, ns, ln);
		memcpy(d->name, name, lm);
		memcpy(d->key, key, lk);
		c->n_docs++;
	}
	return 0;
}

/* The judgements and the merged contents of a state, into new arrays (freed by the caller,
 * as far as they got). */
static int read_judgements(struct reader *r, struct cfile **ret_cache, size_t *ret_n_cache,
			   struct mkey **ret_mc, size_t *ret_n_mc)
{
	size_t n = get_n(r), n_cache = 0, n_mc = 0;
	struct cfile *cache = n ? calloc(n, sizeof(*cache)) : NULL;
	struct mkey *mc;
	int q = n && !cache ? -ENOMEM : 0;

	*ret_cache = cache;
	for (; n_cache < n && q == 0 && !r->bad; n_cache++) {
		q = read_cfile(r, &cache[n_cache]);
		/* Sorted strictly, as the look-ups need. */
		if (n_cache > 0 && cache[n_cache].path &&
		    strcmp(cache[n_cache - 1].path, cache[n_cache].path) >= 0)
			r->bad = true;
	}
	*ret_n_cache = n_cache;
	n = q == 0 ? get_n(r) : 0;
	*ret_mc = mc = calloc(n + 1, sizeof(*mc));
	if (!mc)
		return -ENOMEM;
	for (; n_mc < n && q == 0 && !r->bad; n_mc++) {
		mc[n_mc] = (struct mkey){ .key = get_u64(r), .have = true };
		mc[n_mc].hash = get_u64(r);
		mc[n_mc].len = (size_t)get_u64(r);
		if (n_mc > 0 && mc[n_mc - 1].key >= mc[n_mc].key)
			r->bad = true;
	}
	*ret_n_mc = n_mc;
	return q;
}

/* The index's hash and identity now, for the state's entries and rc->index. */
static bool index_now(struct sc_reconciler *rc, struct entry *ret)
{
	uint64_t h;

	*ret = (struct entry){};
	if (!rc_disk_hash(rc->root_fd, INDEX_NAME, &h, ret))
		return false;
	ret->hash = h;
	return true;
}

/* At a reconciler's first pass: adopt what <root>/.state proves. Returns 1 when it gave the
 * old entries (x->old: no index.json to parse), 0 when the index must be read (the cache
 * and merged contents may have come from it all the same), -ENOMEM. */
int rc_state_load(struct run *x)
{
	struct sc_reconciler *rc = x->r;
	cleanup_free struct reader *rp = malloc(sizeof(*rp));
	struct reader *r = rp;
	struct cfile *cache = NULL;
	struct mkey *mc = NULL;
	struct entry idx, st_ident = {};
	struct stat root_st, st;
	size_t n_cache = 0, n_mc = 0, n;
	char magic[8];
	uint64_t trailer, sum;
	bool adopt;
	int fd, q = 0;

	if (!rp)
		return -ENOMEM;
	if (rc->n_cache || rc->n_mcache || fstat(rc->root_fd, &root_st) < 0)
		return 0;
	fd = openat(rc->root_fd, STATE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	/* The key only once there is a state to check: it waits for the log flag's answer. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !rc_state_key_now(rc)) {
		(void)close(fd);
		return 0;
	}
	rp->fd = fd;
	rp->h = HASH64_INIT;
	rp->n = rp->pos = rp->len = 0;
	rp->bad = false;
	rc_set_ident(&st_ident, &st);
	get(r, magic, 8);
	if (r->bad || memcmp(magic, STATE_MAGIC, 8) != 0 || get_u64(r) != rc->state_key ||
	    get_u64(r) != (uint64_t)root_st.st_dev || get_u64(r) != (uint64_t)root_st.st_ino)
		goto out;
	adopt = index_now(rc, &idx) && get_u64(r) == idx.hash && !r->bad;
	n = get_n(r);
	/* Room for them all at once (doubling would leave 6,000 entries' worth unused). */
	if (adopt && n && !x->old) {
		x->old = calloc(n, sizeof(*x->old));
		if (!x->old)
			q = -ENOMEM;
		x->cap_old = x->old ? n : 0;
	}
	for (size_t i = 0; i < n && q == 0 && !r->bad; i++)
		q = read_entry(r, x, adopt);
	if (q == 0)
		q = read_judgements(r, &cache, &n_cache, &mc, &n_mc);
	sum = rc_hash64_end(r->h, r->n);
	if (q == 0 && !r->bad && take(r, &trailer, sizeof(trailer)) && trailer == sum &&
	    !take(r, &trailer, 1)) {
		rc->cache = TAKE_PTR(cache);
		rc->n_cache = n_cache;
		n_cache = 0;
		rc->mcache = TAKE_PTR(mc);
		rc->n_mcache = n_mc;
		rc->state = st_ident;
		rc->state.hash = sum;
		if (adopt) {
			x->have_old = true;
			rc->index = idx;
			(void)close(fd);
			return 1;
		}
	}
out:
	/* Entries of a state that did not prove itself go. */
	rc_entries_free(x->old, x->n_old);
	x->old = NULL;
	x->n_old = x->cap_old = 0;
	rc_cache_free(cache, n_cache);
	free(mc);
	(void)close(fd);
	return q;
}

/* What the previous pass left: from the state where it proves it, else from index.json. */
int rc_read_previous(struct run *x)
{
	int r = rc_state_load(x);

	return r == 0 ? rc_read_old_index(x) : r < 0 ? r : 0;
}
