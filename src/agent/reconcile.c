/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's reconcile: policies directory -> profiles under the kubelet's seccomp root,
 * judged per file, installed in one batch (temp files, one syncfs, renames), pruned by the
 * previous index. See reconcile.h for the rules. */
#include <dirent.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "syscage/binding.h"
#include "base/json.h"
#include "base/install.h"
#include "syscage/merge.h"
#include "syscage/policy.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "agent/reconcile.h"
#include "syscage/syscalls.h"
#include "k8s/binding-packed.h"
#include "base/hash.h"
#include "macro.h"
#include "base/yaml.h"

#define MAX_DEPTH   16
#define MAX_NAME    240 /* as the policy build: leaves room for "-<hash>.json" */
#define TMP_SUFFIX  ".sctmp"
#define INDEX_NAME  "index.json"
#define MAX_INDEX   (64u << 20)
#define SMALL_BATCH 16
#define LOAD_BUF    65536 /* per loading thread: policies are a few hundred bytes */

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

/* A profile this agent installed: what /profiles lists and the next index keeps. */
struct entry {
	char *ns, *name, *path;
	char **files; /* policy files it came from */
	char **pols;  /* "Kind/name" of each policy */
	size_t n_files, n_pols;
	size_t size;
	/* What was installed: content hash and the file's identity after the write, so the
	 * next pass can tell "unchanged" from a stat. */
	uint64_t hash;
	ino_t ino;
	int64_t mtime_ns;
	bool has_ident, need_ident;
	bool kept;		 /* kept for a rejected file */
	bool workload, fallback; /* a bound workload's; no policy selects it (RuntimeDefault) */
	bool moved;  /* its strings now belong to the next pass's entry (shared, not freed) */
	bool packed; /* one block at pols (entry_pack) */
};

struct rejection {
	char *file;
	enum sc_reject_reason reason;
	char *message;
};

struct sc_reconciler {
	struct sc_reconcile_opts o;
	char *policies_dir;
	char *root_path;
	int root_fd;
	struct entry *installed;
	size_t n_installed;
	struct rejection *rejected;
	size_t n_rejected;
	unsigned tmp_seq;
	bool have_state;     /* installed = what the index on disk says */
	struct cfile *cache; /* the policy files of the last pass, sorted by path */
	size_t n_cache;
	struct entry index;  /* hash and identity of the index last written or read */
	char root_name[64];  /* the root's name below <kubelet-root>/seccomp */
	struct mkey *mcache; /* merged sets' content by their members' key, from the last pass */
	size_t n_mcache;
	bool no_noatime; /* O_NOATIME refused (not the files' owner, no CAP_FOWNER) */
};

/* ---- small helpers ----------------------------------------------------------------- */

static void logf_(struct sc_reconciler *r, const char *level, const char *fmt, ...) _printf_(3, 4);
static void logf_(struct sc_reconciler *r, const char *level, const char *fmt, ...)
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

/* A value for a key=value log line: quoted when it has spaces, quotes or '='. */
static const char *logval(const char *s, char *buf, size_t size)
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

static void entry_clear(struct entry *e)
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
		free(e->pols); /* everything else is in the same block (entry_pack) */
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

static void entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_clear(&v[i]);
	free(v);
}

/* An entry in one block (10,000 entries live as long as the agent): pols[n], files[n], a
 * NULL, the members' own strings, then "ns\0name\0path\0". Member k comes from
 * member(ud, k, buf, &file) (its "Kind/name" in buf, of 600 bytes), which says whether it is
 * one many entries name (a policy a bound workload's profile is made of, and its file: 10,000
 * of them name the same 1,000 policies and 20 files): then its strings are shared
 * (istr_get), else in the block (a policy set's own, a bound workload's binding: named once;
 * shared, each would cost more than it saves). entry_clear tells them apart by address. */
static int entry_pack(struct entry *e, const char *ns, const char *name, size_t name_len,
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

static void rejections_free(struct rejection *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].message);
	}
	free(v);
}

static int strv_add(char ***v, size_t *n, const char *s)
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
static void sort_r(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
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

static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	sort_r(v, n, size, cmp_plain, (void *)cmp);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- opening the root -------------------------------------------------------------- */

static bool is_our_tmp(const char *name)
{
	size_t n = strlen(name), k = strlen(TMP_SUFFIX);
	return name[0] == '.' && n > k && streq(name + n - k, TMP_SUFFIX);
}

/* Remove the temp files an interrupted run (kill -9) left in 'dirfd'. */
static void clean_tmps(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (is_our_tmp(de->d_name))
			(void)unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static void clean_all_tmps(int root_fd)
{
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	clean_tmps(root_fd);
	while ((de = readdir(d))) {
		int nsfd;
		if (!sc_dns1123_label_valid(de->d_name))
			continue;
		nsfd = openat(root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nsfd < 0)
			continue;
		clean_tmps(nsfd);
		(void)close(nsfd);
	}
	closedir(d);
}

int sc_reconciler_new(const struct sc_reconcile_opts *o, struct sc_reconciler **ret)
{
	struct sc_reconciler *r;
	cleanup_close int kfd = -1, sfd = -1;
	const char *root = o->root ? o->root : "syscage";

	if (!o->policies_dir || !o->kubelet_root || !sc_dns1123_label_valid(root))
		return -EINVAL;
	kfd = open(o->kubelet_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	/* The seccomp dir is the kubelet's (an admin may have made it a symlink or a mount);
	 * the root below it is ours and is never followed. */
	if (mkdirat(kfd, "seccomp", 0755) < 0 && errno != EEXIST)
		return -errno;
	sfd = openat(kfd, "seccomp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (mkdirat(sfd, root, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->o.root = NULL;
	(void)snprintf(r->root_name, sizeof(r->root_name), "%s", root);
	r->root_fd = openat(sfd, root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->root_fd < 0) {
		int e = -errno;
		free(r);
		return e;
	}
	r->policies_dir = strdup(o->policies_dir);
	if (asprintf(&r->root_path, "%s/seccomp/%s", o->kubelet_root, root) < 0)
		r->root_path = NULL;
	if (!r->policies_dir || !r->root_path) {
		sc_reconciler_free(r);
		return -ENOMEM;
	}
	r->o.policies_dir = r->policies_dir;
	r->o.kubelet_root = NULL;
	clean_all_tmps(r->root_fd);
	*ret = r;
	return 0;
}

struct cfile;
static void cache_free(struct cfile *v, size_t n);

struct sc_reconciler *sc_reconciler_free(struct sc_reconciler *r)
{
	if (!r)
		return NULL;
	if (r->root_fd >= 0)
		(void)close(r->root_fd);
	entries_free(r->installed, r->n_installed);
	rejections_free(r->rejected, r->n_rejected);
	cache_free(r->cache, r->n_cache);
	free(r->mcache);
	free(r->policies_dir);
	free(r->root_path);
	free(r);
	return NULL;
}

size_t sc_reconciler_n_installed(const struct sc_reconciler *r)
{
	return r->n_installed;
}

const char *sc_reconciler_root_path(const struct sc_reconciler *r)
{
	return r->root_path;
}

/* ---- the per-file cache ------------------------------------------------------------- */

/* One document of a policy file, as judged: enough to group it and to know its output
 * without parsing the file again. */
struct cdoc {
	char *ns, *name, *key; /* key: canonical selector, or "\1<format> ns name" */
	int format;
	bool selects;
	bool baseline;
	bool text_taken;    /* a write job has 'text' (and frees it): the next makes its own */
	uint64_t text_hash; /* of its profile when it is a set of its own */
	size_t text_len;
	char *text; /* that profile, kept while this pass may write it (within a budget) */
};

/* A policy file: content hash, judgement. Kept across passes, so a file with the same
 * content is not parsed again. */
struct cfile {
	char *path;
	uint64_t hash;
	ino_t link_ino; /* its key symlink (top level), when it is one */
	bool via_data;	/* that symlink is "..data/<its name>" */
	int reason;	/* -1: accepted; else the enum sc_reject_reason it was rejected for */
	char *message;
	struct cdoc *docs;
	size_t n_docs;
	struct sc_binding *binds; /* a bindings file: its SeccompBinding documents */
	size_t n_binds;
	struct bkeep *bk; /* a bindings file's (10,000 policy files have none: 8 bytes each) */
};

/* What a bindings file keeps besides its bindings. */
struct bkeep {
	char *block; /* their strings and arrays (sc_bindings_read_packed) */
	/* Each binding's members the last pass, reused while the policies of its namespace
	 * and the baselines (names, kinds, selectors) are the same: msig[i] (0: none), the
	 * members at mdata + moff[i]: their number, how many are selected, then each as an
	 * index of the sorted refs (binding_sets). */
	uint64_t *msig;
	uint32_t *moff, *mdata;
};

#define TEXT_BUDGET (2u << 20) /* profiles kept from parse to write; beyond, parsed again */

static void cfile_clear(struct cfile *c)
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

static void cache_free(struct cfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cfile_clear(&v[i]);
	free(v);
}

/* FNV-1a over content that may come in pieces (a file read in chunks, the index through a
 * stdio stream): start from HASH64_INIT, feed every piece, end with hash64_end(). */
#define HASH64_INIT SC_FNV64_INIT

static uint64_t hash64_feed(uint64_t h, const void *data, size_t n)
{
	return sc_fnv64(h, data, n);
}

static uint64_t hash64_end(uint64_t h, size_t total)
{
	return h ^ (uint64_t)total;
}

/* The content hash of one buffer, as profiles and the index are compared. */
static uint64_t hash64(const void *data, size_t n)
{
	return hash64_end(hash64_feed(HASH64_INIT, data, n), n);
}

/* ---- one pass: state --------------------------------------------------------------- */

struct pol {
	size_t file; /* index into run.files */
	size_t doc;  /* into its docs */
};

/* A set: its members are indexes into x->pols (baselines included). A policy set's name and
 * path are in the pass's x->set_names block (path = name + strlen(name) + 1); a bound
 * workload's path is in its binding (below the root), its name made when needed. */
struct set {
	const char *ns;
	char *name, *path;
	size_t m_off; /* members: x->members + m_off (smem) */
	size_t n_pols;
	const struct sc_binding *bind; /* a bound workload's set */
	size_t bind_file;	       /* the file of its binding */
	size_t order;		       /* creation order: ties of one path stay stable */
	bool fallback;		       /* no policy selects the workload: RuntimeDefault */
	bool keep;		       /* a rejected binding: what is installed stays */
};

struct parsed {
	struct sc_profile **v;
	size_t n;
	int r;
	bool done;
};

struct pending {
	char *ns;
	char *tmp, *final;
};

struct probe {
	ino_t ino;
	int64_t mtime_ns;
	uint32_t size;
	bool ok;
};

struct run {
	struct sc_reconciler *r;
	struct sc_reconcile_result *res;
	struct cfile *files; /* this pass's files: becomes the cache */
	size_t n_files;
	bool *rejected; /* per file, this pass (parse or duplicate/conflict/merge) */
	struct pol *pols;
	size_t n_pols;
	struct set *sets;
	char *set_names;
	size_t n_sets;
	size_t *members; /* every set's members, one block */
	size_t n_members, cap_members;
	struct rejection *rej;
	size_t n_rej;
	struct entry *old; /* the previous index */
	size_t n_old;
	struct entry **old_by_path;
	size_t n_old_by_path;
	bool have_old;
	struct entry *now; /* what this pass installs, then the new index */
	size_t n_now;
	struct pending *pend;
	size_t n_pend;
	size_t text_bytes;
	char **paths;	     /* collected policy file paths: NULL where olds[i] has it */
	struct cfile **olds; /* per path: last pass's entry for it (in the cache), or NULL */
	ino_t *link_inos;    /* per path: the inode of a top-level symlink, else 0 */
	int top_fd;	     /* the policies directory: paths are opened below it */
	int data_fd;	     /* its ..data directory (a ConfigMap volume), or -1 */
	size_t top_len;	     /* strlen(policies_dir) + 1: where a path's relative part starts */
	size_t n_paths, cap_paths;
	struct probe *probes;  /* per old entry: its file's identity now, stat'ed by the loaders */
	size_t n_carried;      /* entries of 'now' that are an old entry unchanged (not kept) */
	size_t n_kept_bind;    /* entries of 'now' kept for a rejected binding */
	struct parsed *parsed; /* per file: its documents parsed again for merges (parsed_doc) */
	pthread_mutex_t parse_lock;
	struct mkey *memo; /* merged sets' content by key, this pass (open addressing) */
	size_t n_memo, cap_memo;
	bool new_paths;	    /* a profile is written where the old index named none */
	size_t n_kept_room; /* entries kept for rejected files, published after 'now' */
};

static void parsed_free(struct run *x);
static void memo_free(struct run *x);

static void run_free_sets(struct run *x)
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

static void run_free(struct run *x)
{
	for (size_t i = 0; i < x->n_pend; i++) {
		free(x->pend[i].ns);
		free(x->pend[i].tmp);
		free(x->pend[i].final);
	}
	free(x->pend);
	run_free_sets(x);
	parsed_free(x);
	memo_free(x);
	pthread_mutex_destroy(&x->parse_lock);
	free(x->pols);
	free(x->probes);
	cache_free(x->files, x->n_files);
	free(x->rejected);
	for (size_t i = 0; i < x->n_paths; i++)
		free(x->paths[i]);
	free(x->paths);
	free(x->olds);
	free(x->link_inos);
	if (x->top_fd >= 0)
		(void)close(x->top_fd);
	if (x->data_fd >= 0)
		(void)close(x->data_fd);
	rejections_free(x->rej, x->n_rej);
	free(x->old_by_path);
	entries_free(x->old, x->n_old);
	entries_free(x->now, x->n_now);
}

static bool cancelled(struct run *x)
{
	return x->r->o.cancel && x->r->o.cancel(x->r->o.userdata);
}

/* A rejection for this pass: counter, entry for /profiles, and a log line when it is news
 * (a file that stays bad is counted, not logged again). 'mark': the whole file is rejected
 * (else one binding of it). */
static int add_rejection(struct run *x, size_t fi, enum sc_reject_reason why, const char *m,
			 bool mark)
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
	logf_(x->r, "warn", "event=reject file=%s reason=%s msg=%s",
	      logval(x->files[fi].path, b1, sizeof(b1)), reason_names[why],
	      logval(msg, b2, sizeof(b2)));
	return 0;
}

static int reject_msg(struct run *x, size_t fi, enum sc_reject_reason why, const char *m)
{
	return add_rejection(x, fi, why, m, true);
}

static int reject(struct run *x, size_t fi, enum sc_reject_reason why, const char *fmt, ...)
	_printf_(4, 5);
static int reject(struct run *x, size_t fi, enum sc_reject_reason why, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	return reject_msg(x, fi, why, msg);
}

/* ---- reading the policies ---------------------------------------------------------- */

static bool has_policy_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && streq(name + n - 5, ".json")) || (n > 5 && streq(name + n - 5, ".yaml")) ||
	       (n > 4 && streq(name + n - 4, ".yml"));
}

static int cmp_cfile_path(const void *a, const void *b)
{
	return strcmp((const char *)a, ((const struct cfile *)b)->path);
}

/* Add a collected path, with the cache's entry for it: that entry's string is taken over
 * instead of a new one (10,000 fewer allocations per pass), and the loaders need no
 * look-up of their own. */
static int add_path(struct run *x, const char *path, ino_t link_ino)
{
	const struct sc_reconciler *rc = x->r;
	struct cfile *old = rc->n_cache ? bsearch(path, rc->cache, rc->n_cache, sizeof(*rc->cache),
						  cmp_cfile_path)
					: NULL;

	if (x->n_paths == x->cap_paths) {
		size_t nc = x->cap_paths ? x->cap_paths * 2 : 256;
		char **p = reallocarray(x->paths, nc, sizeof(*p));
		struct cfile **o;
		ino_t *i;
		if (!p)
			return -ENOMEM;
		x->paths = p;
		o = reallocarray(x->olds, nc, sizeof(*o));
		if (!o)
			return -ENOMEM;
		x->olds = o;
		i = reallocarray(x->link_inos, nc, sizeof(*i));
		if (!i)
			return -ENOMEM;
		x->link_inos = i;
		x->cap_paths = nc;
	}
	x->paths[x->n_paths] = old ? NULL : strdup(path);
	x->olds[x->n_paths] = old;
	x->link_inos[x->n_paths] = link_ino;
	if (!old && !x->paths[x->n_paths])
		return -ENOMEM;
	x->n_paths++;
	return 0;
}

/* Collect policy file paths (sorted per directory; dot names skipped, so a ConfigMap's
 * ..data copies are read once through the key symlinks; symlinked dirs not followed). The
 * entry type comes from readdir: a symlink's target is only opened by load_file, which
 * skips anything but a regular file, so no file costs a stat here. */
struct dname {
	char *name;
	uint64_t prefix; /* its first 8 bytes, big-endian, zero-padded: orders as strcmp */
	unsigned char type;
	ino_t ino;
};

static uint64_t name_prefix(const char *s)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < 8 && s[i]; i++)
		v = v << 8 | (unsigned char)s[i];
	return v << (8 * (8 - i));
}

/* readdir's order is the directory's hash order: 10,000 names to sort per pass, most told
 * apart by their first 8 bytes without a strcmp. */
static int cmp_dname(const void *a, const void *b)
{
	const struct dname *p = a, *q = b;

	if (p->prefix != q->prefix)
		return p->prefix < q->prefix ? -1 : 1;
	return strcmp(p->name, q->name);
}

static int collect(struct run *x, const char *dir, unsigned depth)
{
	DIR *dh;
	struct dirent *de;
	struct dname *names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (depth > MAX_DEPTH)
		return 0;
	dh = opendir(dir);
	if (!dh)
		return depth == 0 ? -errno : 0;
	while ((de = readdir(dh))) {
		unsigned char t = de->d_type;
		if (de->d_name[0] == '.')
			continue;
		if (t == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			t = S_ISDIR(st.st_mode)	  ? DT_DIR
			    : S_ISLNK(st.st_mode) ? DT_LNK
			    : S_ISREG(st.st_mode) ? DT_REG
						  : DT_UNKNOWN;
		}
		if (t != DT_DIR && ((t != DT_REG && t != DT_LNK) || !has_policy_ext(de->d_name)))
			continue;
		if (n == cap) {
			struct dname *v = reallocarray(names, cap ? cap * 2 : 64, sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			names = v;
			cap = cap ? cap * 2 : 64;
		}
		names[n].name = strdup(de->d_name);
		names[n].prefix = name_prefix(de->d_name);
		names[n].type = t;
		names[n].ino = depth == 0 && t == DT_LNK ? de->d_ino : 0;
		if (!names[n].name) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dh);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_dname);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t ld = strlen(dir), ln = strlen(names[i].name);
		char path[PATH_MAX];

		if (ld + 1 + ln >= sizeof(path))
			continue; /* no such path can be opened either */
		memcpy(path, dir, ld);
		path[ld] = '/';
		memcpy(path + ld + 1, names[i].name, ln + 1);
		if (names[i].type == DT_DIR)
			r = collect(x, path, depth + 1);
		else
			r = add_path(x, path, names[i].ino);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
	return r;
}

static const char *format_kind(int format)
{
	switch (format) {
	case SC_FORMAT_KUBEARMOR:
		return "KubeArmorSeccompPolicy";
	case SC_FORMAT_SPO:
		return "SeccompProfile";
	default:
		return "OCI";
	}
}

/* The first error of 'd' as "LINE:COL: message". */
static const char *first_error(const struct sc_diags *d, char *buf, size_t size)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == SC_SEV_ERROR) {
			(void)snprintf(buf, size, "%u:%u: %s", d->v[i].loc.line, d->v[i].loc.col,
				       d->v[i].message);
			return buf;
		}
	return "not a profile or policy";
}

/* Check one document (naming an OCI profile after its file); 0 = fine, else the reason + 1
 * (and *msg), or -errno. */
static int judge(struct sc_profile *p, const char *file, char *msg, size_t size)
{
	struct sc_meta *m = &p->meta;
	struct sc_diags d = {};
	const char *ns, *name;

	if (!m->name && m->format == SC_FORMAT_OCI) {
		/* An OCI profile is named after its file, as the policy build does. */
		const char *base = strrchr(file, '/');
		char *s = strdup(base ? base + 1 : file), *dot;
		if (!s)
			return -ENOMEM;
		dot = strrchr(s, '.');
		if (dot)
			*dot = '\0';
		m->name = s;
	}
	name = m->name;
	ns = m->namespace ? m->namespace : "default";
	if (!name) {
		(void)snprintf(msg, size, "%s without metadata.name", format_kind(m->format));
		return SC_REJECT_NAME + 1;
	}
	if (!sc_dns1123_label_valid(ns)) {
		(void)snprintf(msg, size, "namespace '%.100s' is not a DNS-1123 label", ns);
		return SC_REJECT_NAME + 1;
	}
	if (!sc_dns1123_subdomain_valid(name) || strlen(name) > MAX_NAME) {
		(void)snprintf(msg, size,
			       "name '%.100s' is not a DNS-1123 name (it becomes a file name under "
			       "the root)",
			       name);
		return SC_REJECT_NAME + 1;
	}
	if (m->format == SC_FORMAT_KUBEARMOR && sc_selector_validate(m, &d, p->loc) > 0) {
		char b[400];
		(void)snprintf(msg, size, "%s", first_error(&d, b, sizeof(b)));
		sc_diags_clear(&d);
		return SC_REJECT_SELECTOR + 1;
	}
	sc_diags_clear(&d);
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++) {
			const char *nm = p->rules[i].names[k];
			if (!sc_syscall_known(nm)) {
				(void)snprintf(msg, size, "unknown syscall '%.64s' (on every arch)",
					       nm);
				return SC_REJECT_UNKNOWN_SYSCALL + 1;
			}
		}
	if (m->baseline) {
		const char *vital = sc_baseline_fatal(p);
		if (vital) {
			(void)snprintf(msg, size,
				       "baseline %s denies %s: every pod would die (it is not "
				       "applied; the profiles stay as they were)",
				       name, vital);
			return SC_REJECT_BASELINE + 1;
		}
	}
	return 0;
}

/* The profile a set installs, by the binding rule (sc_set_profile): the merge of 'in' (deny
 * wins), or RuntimeDefault with 'in' when 'fallback'; SECCOMP_FILTER_FLAG_LOG unless flagged
 * otherwise, the --arch arches if it lists none. As OCI JSON text. With 'n_base' > 0 (the
 * last n_base inputs are baselines) and 'removed', also what the baselines took away. */
static int set_profile_text(struct sc_reconciler *rc, const struct sc_profile *const *in, size_t n,
			    bool fallback, size_t n_base, char **ret, char **removed, char *err,
			    size_t errsize)
{
	struct sc_set_opts o = { .log_flag = !rc->o.no_log_flag,
				 .arches = rc->o.arches,
				 .n_arches = rc->o.n_arches };
	struct sc_profile *m = NULL, *without = NULL;
	struct sc_diags d = {};
	int r;

	r = sc_set_profile(in, n, fallback, &o, &d, &m);
	if (r < 0) {
		char b[512];
		(void)snprintf(err, errsize, "%s", first_error(&d, b, sizeof(b)));
		sc_diags_clear(&d);
		return r;
	}
	sc_diags_clear(&d);
	if (removed && n_base > 0 && (n > n_base || fallback)) {
		r = sc_set_profile(in, n - n_base, fallback, &o, NULL, &without);
		if (r == 0)
			r = sc_baseline_removed(without, m, removed);
		sc_profile_free(without);
		if (r < 0) {
			sc_profile_free(m);
			return r;
		}
	}
	r = sc_policy_profile_json(m, ret);
	sc_profile_free(m);
	return r;
}

/* Read a file whole; the content hash too. */
static int read_hashed(const char *path, char **ret, size_t *ret_len, uint64_t *ret_hash)
{
	int r = sc_read_file(path, SC_PROFILE_MAX_INPUT, ret, ret_len);
	if (r < 0)
		return r;
	*ret_hash = hash64(*ret, *ret_len);
	return 0;
}

static struct entry *old_entry(const struct run *x, const char *path);

/* Whether the write phase will likely want doc's profile text (it is the set of its own at
 * <ns>/<name>.json, the usual case): yes for a path nothing was installed at, or one the
 * last pass installed with other content; no for the same content, and no for a path only
 * the index on disk names (a restart: most are unchanged). Kept texts spare a second parse
 * at write time; unneeded ones only cost memory (up to TEXT_BUDGET). A wrong "no" costs
 * that parse, never a wrong profile. */
static bool text_wanted(const struct run *x, const struct cdoc *doc)
{
	char path[2 * NAME_MAX + 8];
	const struct entry *e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", doc->ns, doc->name) >= sizeof(path))
		return true;
	e = old_entry(x, path);
	if (!e)
		return true;
	return e->has_ident && e->hash != doc->text_hash;
}

/* Parse and judge a file's content into 'c' (reason/message on rejection). */
static int judge_file(struct run *x, struct cfile *c, const char *buf, size_t len)
{
	struct sc_profile **v = NULL;
	struct sc_diags d = {};
	size_t n = 0;
	char msg[512];
	int r;

	if (sc_bindings_detect(buf, len)) {
		/* A bindings file: its documents, checked as a whole (syntax, one binding per
		 * workload and per path); each binding's own trouble is found per pass. */
		char b[512];
		c->bk = calloc(1, sizeof(*c->bk));
		if (!c->bk)
			return -ENOMEM;
		r = sc_bindings_read_packed(buf, len, c->path, NULL, &d, &c->binds, &c->n_binds,
					    &c->bk->block);
		if (r == -EINVAL) {
			c->reason = SC_REJECT_BINDING;
			c->message = strdup(first_error(&d, b, sizeof(b)));
			r = c->message ? 0 : -ENOMEM;
		}
		sc_diags_clear(&d);
		return r;
	}
	r = sc_profile_read_all(buf, len, c->path, &d, &v, &n);
	if (r == -ENOMEM) {
		sc_diags_clear(&d);
		return r;
	}
	if (r < 0 || n == 0) {
		char b[512];
		c->reason = SC_REJECT_PARSE;
		c->message = strdup(first_error(&d, b, sizeof(b)));
		sc_diags_clear(&d);
		for (size_t i = 0; i < n; i++)
			sc_profile_free(v[i]);
		free(v);
		return c->message ? 0 : -ENOMEM;
	}
	sc_diags_clear(&d);
	c->docs = calloc(n, sizeof(*c->docs));
	r = c->docs ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct cdoc *doc = &c->docs[i];
		struct sc_meta *m = &v[i]->meta;
		const struct sc_profile *one[1] = { v[i] };
		char *text = NULL;
		int why = judge(v[i], c->path, msg, sizeof(msg));

		c->n_docs++;
		if (why < 0) {
			r = why;
			break;
		}
		if (why > 0) {
			c->reason = why - 1;
			c->message = strdup(msg);
			r = c->message ? 1 : -ENOMEM;
			break;
		}
		doc->format = m->format;
		doc->selects = m->format == SC_FORMAT_KUBEARMOR;
		doc->baseline = m->baseline;
		{
			/* ns, name and key in one allocation (10,000 policies: every byte
			 * kept per policy counts); only 'ns' is freed. */
			const char *ns = m->namespace ? m->namespace : "default";
			cleanup_free char *key = NULL;
			size_t ln, lm, lk;
			if (doc->selects)
				key = sc_selector_canonical(m);
			else if (asprintf(&key, "\1%d %s %s", (int)m->format, ns, m->name) < 0)
				key = NULL;
			if (!key) {
				r = -ENOMEM;
				break;
			}
			ln = strlen(ns) + 1;
			lm = strlen(m->name) + 1;
			lk = strlen(key) + 1;
			doc->ns = malloc(ln + lm + lk);
			if (!doc->ns) {
				r = -ENOMEM;
				break;
			}
			doc->name = doc->ns + ln;
			doc->key = doc->name + lm;
			memcpy(doc->ns, ns, ln);
			memcpy(doc->name, m->name, lm);
			memcpy(doc->key, key, lk);
		}
		/* Its output as a set of its own, the usual case: hashed, and kept for the
		 * write while the budget lasts. */
		r = set_profile_text(x->r, one, 1, false, 0, &text, NULL, msg, sizeof(msg));
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			c->reason = SC_REJECT_MERGE;
			c->message = strdup(msg);
			r = c->message ? 1 : -ENOMEM;
			break;
		}
		doc->text_len = strlen(text);
		doc->text_hash = hash64(text, doc->text_len);
		/* Loaders run in parallel: the budget is shared. */
		if (doc->baseline || !text_wanted(x, doc)) {
			free(text);
		} else if (__atomic_add_fetch(&x->text_bytes, doc->text_len, __ATOMIC_RELAXED) <=
			   TEXT_BUDGET) {
			doc->text = text;
		} else {
			__atomic_sub_fetch(&x->text_bytes, doc->text_len, __ATOMIC_RELAXED);
			free(text);
		}
	}
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	if (r > 0) {
		/* Rejected: no documents, only the reason. */
		for (size_t i = 0; i < c->n_docs; i++) {
			free(c->docs[i].ns);
			if (c->docs[i].text)
				__atomic_sub_fetch(&x->text_bytes, c->docs[i].text_len,
						   __ATOMIC_RELAXED);
			free(c->docs[i].text);
		}
		free(c->docs);
		c->docs = NULL;
		c->n_docs = 0;
		r = 0;
	}
	return r;
}

/* Load x->paths[i] into x->files[i]: judged from its content, or from the cache when the
 * content hashes as it did last pass. Always read (no stat first): a ConfigMap update
 * gives every key a new inode, and a 400-byte read costs what the stat does. 'tbuf' is the
 * calling thread's buffer of LOAD_BUF bytes. Returns 1, leaving files[i].path NULL, when it
 * is not a regular file (a key symlink to a directory or to nothing): such entries were
 * never policies. Runs on several threads at once, each on its own files; the cache is only
 * read, but for the entry of its own path. */
static int load_file(struct run *x, size_t i, char *tbuf)
{
	struct cfile *old = x->olds[i];
	char **pathp = old ? &old->path : &x->paths[i];
	const char *path = *pathp;
	struct sc_reconciler *rc = x->r;
	struct cfile *c = &x->files[i];
	cleanup_free char *big = NULL;
	cleanup_close int fd = -1;
	const char *data = tbuf;
	struct stat st;
	size_t len = 0;
	ssize_t n = -1;
	uint64_t h;
	bool noatime, via = false;
	const char *rel = path + x->top_len;
	ino_t link_ino = x->link_inos[i];
	int err = 0, dfd;

	/* O_NOATIME: reading 10,000 policies must not dirty 10,000 inodes. It needs the
	 * file's owner or CAP_FOWNER; without, it is dropped for good. */
	noatime = !__atomic_load_n(&rc->no_noatime, __ATOMIC_RELAXED);
	/* A ConfigMap key, <key> -> ..data/<key>, is opened in the payload directory: no
	 * walk through two symlinks for each of 10,000 keys. A symlink's target cannot change
	 * without a new inode, so it is read once, when its inode is new. Anything else is
	 * opened below the directory's fd. */
	if (link_ino && x->data_fd >= 0) {
		if (old && old->link_ino == link_ino) {
			via = old->via_data;
		} else {
			char t[NAME_MAX + 16];
			size_t ln = strlen(rel);
			ssize_t k = readlinkat(x->top_fd, rel, t, sizeof(t));
			via = k > 7 && (size_t)k == ln + 7 && memcmp(t, "..data/", 7) == 0 &&
			      memcmp(t + 7, rel, ln) == 0;
		}
	}
	dfd = via ? x->data_fd : x->top_fd;
	fd = openat(dfd, rel,
		    O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (noatime ? O_NOATIME : 0));
	if (fd < 0 && errno == EPERM && noatime) {
		__atomic_store_n(&rc->no_noatime, true, __ATOMIC_RELAXED);
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	if (fd < 0 && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR))
		return 1;
	if (fd < 0)
		err = errno;
	while (fd >= 0 && (n = read(fd, tbuf, LOAD_BUF - 1)) < 0 && errno == EINTR)
		;
	if (fd >= 0 && n < 0) {
		if (errno == EISDIR)
			return 1;
		err = errno;
	}
	/* Nothing read: only a regular file is an (empty, so rejected) policy. */
	if (n == 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
		return 1;
	*c = (struct cfile){ .reason = -1, .link_ino = link_ino, .via_data = via };
	c->path = TAKE_PTR(*pathp); /* 'path' stays valid: it is c->path now */
	if (!err && n == LOAD_BUF - 1) {
		/* Larger than the buffer (a bindings file: 2.4 MB for 10,000 workloads, read
		 * at every pass): hashed through the buffer, and read whole only when its
		 * judgement cannot be taken over. */
		uint64_t hh = hash64_feed(HASH64_INIT, tbuf, (size_t)n);
		size_t total = (size_t)n;
		ssize_t k;
		for (;;) {
			k = read(fd, tbuf, LOAD_BUF - 1);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			total += (size_t)k;
			if (total > SC_PROFILE_MAX_INPUT)
				break;
			hh = hash64_feed(hh, tbuf, (size_t)k);
		}
		if (k < 0)
			err = errno;
		else if (total > SC_PROFILE_MAX_INPUT)
			err = EFBIG;
		h = hash64_end(hh, total);
		if (!err && !(old && old->hash == h)) {
			int r;
			if (lseek(fd, 0, SEEK_SET) < 0) {
				err = errno;
			} else {
				r = sc_read_fd(fd, SC_PROFILE_MAX_INPUT, &big, &len);
				if (r == -ENOMEM)
					return r;
				if (r < 0)
					err = -r;
				else
					h = hash64(big,
						   len); /* what is judged (it may have changed) */
				data = big;
			}
		}
	} else if (!err) {
		len = (size_t)n;
		tbuf[len] = '\0';
		h = hash64(data, len);
	}
	if (err) {
		c->reason = SC_REJECT_READ;
		c->message = strdup(strerror(err));
		return c->message ? 0 : -ENOMEM;
	}
	if (old && old->hash == h) {
		/* Take the judgement over (the cache entry is consumed: each path appears
		 * once). */
		c->hash = old->hash;
		c->reason = old->reason;
		c->message = TAKE_PTR(old->message);
		c->docs = TAKE_PTR(old->docs);
		c->n_docs = old->n_docs;
		old->n_docs = 0;
		c->binds = TAKE_PTR(old->binds);
		c->bk = TAKE_PTR(old->bk);
		c->n_binds = old->n_binds;
		old->n_binds = 0;
		return 0;
	}
	c->hash = h;
	return judge_file(x, c, data, len);
}

/* ---- work on every CPU --------------------------------------------------------------- */

#define POOL_CHUNK 32
#define POOL_THREADS \
	4 /* reading and writing are mostly the kernel's path walks: more helps little */

struct pool;
static int open_ns(struct run *x, const char *ns, bool create);

/* What one thread keeps while it works through its chunks. */
struct worker {
	struct pool *pool;
	bool main;	/* the caller's thread: the only one that polls cancel() */
	char *buf;	/* LOAD_BUF bytes, when the pool asks for it */
	const char *ns; /* the namespace whose directory is open in fd */
	int fd;
};

/* n items, handed out in chunks to up to POOL_THREADS threads, the caller's included. An
 * item that fails stops them all; the pool's error is the first. */
struct pool {
	struct run *x;
	size_t n, next; /* next: atomic */
	int err;	/* atomic */
	bool want_buf, cancellable;
	int (*one)(struct worker *w, size_t i);
	void *data;
};

static void pool_fail(struct pool *p, int err)
{
	int zero = 0;
	(void)__atomic_compare_exchange_n(&p->err, &zero, err, false, __ATOMIC_RELAXED,
					  __ATOMIC_RELAXED);
}

/* The directory of namespace 'ns' for a worker: kept open while its items stay in one
 * namespace (sets and batches are sorted by path, so namespaces come in runs). */
static int worker_ns(struct worker *w, const char *ns)
{
	if (w->ns && streq(w->ns, ns))
		return w->fd;
	if (w->fd >= 0)
		(void)close(w->fd);
	w->ns = ns;
	w->fd = open_ns(w->pool->x, ns, false);
	return w->fd;
}

static void pool_work(struct worker *w)
{
	struct pool *p = w->pool;

	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, POOL_CHUNK, __ATOMIC_RELAXED);
		size_t end = i + POOL_CHUNK < p->n ? i + POOL_CHUNK : p->n;

		if (i >= p->n || __atomic_load_n(&p->err, __ATOMIC_RELAXED))
			break;
		if (p->cancellable && w->main && cancelled(p->x)) {
			pool_fail(p, -ECANCELED);
			break;
		}
		for (; i < end; i++) {
			int r = p->one(w, i);
			if (r < 0) {
				pool_fail(p, r);
				return;
			}
		}
	}
}

static void *pool_thread(void *arg)
{
	pool_work(arg);
	return NULL;
}

/* Threads for a pass: --jobs, else one per CPU this process may run on; POOL_THREADS at most. */
static unsigned pool_threads(const struct run *x)
{
	unsigned n = x->r->o.threads;
	cpu_set_t cpus;

	if (n == 0)
		n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	return n < 1 ? 1 : n > POOL_THREADS ? POOL_THREADS : n;
}

/* The threads a pool of p->n items gets: a thread only pays off past a few chunks. */
static unsigned pool_size(const struct pool *p)
{
	return p->n < 4 * POOL_CHUNK ? 1 : pool_threads(p->x);
}

/* Run the pool to its end. Returns the first error. Threads that cannot be started leave
 * their share to the others. */
static int pool_run(struct pool *p)
{
	struct worker w[POOL_THREADS];
	pthread_t tid[POOL_THREADS];
	unsigned n = pool_size(p), started = 1;

	for (unsigned t = 0; t < n; t++) {
		w[t] = (struct worker){ .pool = p, .main = t == 0, .fd = -1 };
		if (p->want_buf && !(w[t].buf = malloc(LOAD_BUF))) {
			n = t;
			break;
		}
	}
	if (n == 0)
		return -ENOMEM;
	for (; started < n; started++)
		if (pthread_create(&tid[started], NULL, pool_thread, &w[started]) != 0)
			break;
	pool_work(&w[0]);
	for (unsigned t = 1; t < started; t++)
		(void)pthread_join(tid[t], NULL);
	for (unsigned t = 0; t < n; t++) {
		free(w[t].buf);
		if (w[t].fd >= 0)
			(void)close(w[t].fd);
	}
	return p->err;
}

/* ---- loading ------------------------------------------------------------------------- */

/* The identity of old entry i's file now, for install() to tell "unchanged" without a
 * stat of its own on the one thread. */
static void probe_old(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	const struct entry *e = &x->old[i];
	struct probe *p = &x->probes[i];
	struct stat st;
	int fd;

	if (!e->path || !e->has_ident || !e->ns)
		return;
	/* Below its namespace's directory, kept open while the entries stay in it. */
	fd = worker_ns(w, e->ns);
	if (fd < 0 || fstatat(fd, e->path + strlen(e->ns) + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	p->ino = st.st_ino;
	p->size = st.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_size;
	p->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	p->ok = true;
}

/* Item i: a policy path, or past them an old entry to probe. */
static int load_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;

	if (i >= x->n_paths) {
		probe_old(w, i - x->n_paths);
		return 0;
	}
	return load_file(x, i, w->buf);
}

/* Load every collected path into x->files, on up to POOL_THREADS threads (the caller is
 * one), then close the gaps of paths that were no policies: x->files ends in path order,
 * as one thread would have left it. */
static int load_all(struct run *x)
{
	struct pool p = {
		.x = x, .n = x->n_paths, .want_buf = true, .cancellable = true, .one = load_one
	};
	size_t k = 0;
	int r;

	for (size_t i = 0; i < x->n_paths; i++)
		x->files[i] = (struct cfile){ .reason = -1 };
	/* With helpers, they also stat what the last pass installed (else install() does): a
	 * few files (a bindings file among them) can stand for 10,000 profiles. */
	if (x->n_old) {
		struct pool q = p;
		q.n += x->n_old;
		if (pool_size(&q) > 1) {
			x->probes = calloc(x->n_old, sizeof(*x->probes));
			if (x->probes)
				p.n += x->n_old;
		}
	}
	r = pool_run(&p);
	for (size_t i = 0; i < x->n_paths; i++) {
		if (!x->files[i].path) {
			cfile_clear(&x->files[i]);
			continue;
		}
		if (k != i)
			x->files[k] = x->files[i];
		k++;
	}
	x->n_files = k;
	x->res->n_files = k;
	return r;
}

static int cmp_pol_ident(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct pol *p = a, *q = b;
	const struct cdoc *dp = &x->files[p->file].docs[p->doc];
	const struct cdoc *dq = &x->files[q->file].docs[q->doc];
	int c;

	if (dp->selects != dq->selects)
		return dp->selects ? -1 : 1;
	if (dp->format != dq->format)
		return dp->format - dq->format;
	c = strcmp(dp->ns, dq->ns);
	if (c)
		return c;
	c = strcmp(dp->name, dq->name);
	return c ? c : (p->file > q->file) - (p->file < q->file);
}

static struct cdoc *pdoc(const struct run *x, const struct pol *p)
{
	return &x->files[p->file].docs[p->doc];
}

/* The documents of accepted files, in file order. */
static int gather_pols(struct run *x)
{
	size_t n = 0;

	free(x->pols);
	x->pols = NULL;
	x->n_pols = 0;
	for (size_t i = 0; i < x->n_files; i++)
		if (!x->rejected[i])
			n += x->files[i].n_docs;
	x->pols = calloc(n ? n : 1, sizeof(*x->pols));
	if (!x->pols)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_files; i++)
		for (size_t k = 0; !x->rejected[i] && k < x->files[i].n_docs; k++)
			x->pols[x->n_pols++] = (struct pol){ i, k };
	return 0;
}

/* Same kind, namespace and name in two files: the later file (by path order) loses. */
static int reject_duplicates(struct run *x)
{
	cleanup_free struct pol *v = NULL;
	int r;

	v = calloc(x->n_pols ? x->n_pols : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, x->pols, x->n_pols * sizeof(*v));
	sort_r(v, x->n_pols, sizeof(*v), cmp_pol_ident, x);
	for (size_t i = 1; i < x->n_pols; i++) {
		const struct cdoc *a = pdoc(x, &v[i - 1]), *b = pdoc(x, &v[i]);
		if (a->selects != b->selects || a->format != b->format || !streq(a->ns, b->ns) ||
		    !streq(a->name, b->name))
			continue;
		r = reject(x, v[i].file, SC_REJECT_DUPLICATE, "duplicate %s %s/%s (also in %s)",
			   format_kind(b->format), b->ns, b->name, x->files[v[i - 1].file].path);
		if (r < 0)
			return r;
	}
	return gather_pols(x);
}

/* ---- sets -------------------------------------------------------------------------- */

/* Baselines first (they are no set of their own), then by key and name. */
static int cmp_pol_key(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct cdoc *p = pdoc(x, a), *q = pdoc(x, b);
	int c;

	if (p->baseline != q->baseline)
		return p->baseline ? -1 : 1;
	c = strcmp(p->key, q->key);
	return c ? c : strcmp(p->name, q->name);
}

/* Members in the order the policy build merges them: by name, then kind. */
static int cmp_member(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct cdoc *p = pdoc(x, &x->pols[*(const size_t *)a]);
	const struct cdoc *q = pdoc(x, &x->pols[*(const size_t *)b]);
	int c = strcmp(p->name, q->name);
	return c ? c : strcmp(format_kind(p->format), format_kind(q->format));
}

/* By path; a bound workload's set first: it owns its path. */
static int cmp_set_path(const void *a, const void *b)
{
	const struct set *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if ((x->bind != NULL) != (y->bind != NULL))
		return x->bind ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* A binding's trouble rejects that binding only: the rest of its file is installed, and
 * what it had stays (last good). Counted and listed like a file's rejection. */
static int reject_binding(struct run *x, size_t fi, const struct sc_binding *b, const char *fmt,
			  ...) _printf_(4, 5);
static int reject_binding(struct run *x, size_t fi, const struct sc_binding *b, const char *fmt,
			  ...)
{
	cleanup_free char *msg = NULL, *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg || asprintf(&full, "%u:%u: %s %s/%s: %s", b->loc.line, b->loc.col, b->kind,
			     b->namespace, b->name, msg) < 0)
		return -ENOMEM;
	return add_rejection(x, fi, SC_REJECT_BINDING, full, false);
}

/* The rule's view of the accepted policies (binding.h), sorted; perm maps back to x->pols. */
static int pol_refs(struct run *x, struct sc_policy_ref **ret, size_t **ret_perm)
{
	struct sc_policy_ref *v = calloc(x->n_pols + 1, sizeof(*v));
	size_t *perm = calloc(x->n_pols + 1, sizeof(*perm));

	if (!v || !perm) {
		free(v);
		free(perm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < x->n_pols; i++) {
		const struct cdoc *d = pdoc(x, &x->pols[i]);
		v[i] = (struct sc_policy_ref){ .namespace = d->ns,
					       .name = d->name,
					       .kind = format_kind(d->format),
					       .selector = d->selects ? d->key : NULL,
					       .baseline = d->baseline };
	}
	if (sc_policy_refs_sort(v, x->n_pols, perm) < 0) {
		free(v);
		free(perm);
		return -ENOMEM;
	}
	*ret = v;
	*ret_perm = perm;
	return 0;
}

/* Room for a set's 'n' members at the end of x->members; its offset, or -ENOMEM. */
static ssize_t take_members(struct run *x, size_t n)
{
	size_t off = x->n_members;

	if (x->n_members + n > x->cap_members) {
		size_t cap = x->cap_members ? x->cap_members : 1024;
		size_t *v;
		while (cap < x->n_members + n)
			cap *= 2;
		v = reallocarray(x->members, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->members = v;
		x->cap_members = cap;
	}
	x->n_members += n;
	return (ssize_t)off;
}

static size_t *smem(const struct run *x, const struct set *s)
{
	return x->members + s->m_off;
}

/* What a binding's members depend on besides the binding: the baselines and the policies of
 * its namespace, each by namespace, name, kind and selector (the sorted refs' range). */
struct nsig {
	const char *ns;
	size_t lo;    /* its first ref */
	uint64_t sig; /* never 0 */
};

static uint64_t ref_feed(uint64_t h, const struct sc_policy_ref *r)
{
	h = hash64_feed(h, r->namespace, strlen(r->namespace) + 1);
	h = hash64_feed(h, r->name, strlen(r->name) + 1);
	h = hash64_feed(h, r->kind, strlen(r->kind) + 1);
	return r->selector ? hash64_feed(h, r->selector, strlen(r->selector) + 1)
			   : hash64_feed(h, "\1", 2);
}

static int cmp_nsig(const void *a, const void *b)
{
	return strcmp(((const struct nsig *)a)->ns, ((const struct nsig *)b)->ns);
}

/* The membership kept for a bindings file, rebuilt (msig, moff, mdata) while a pass goes
 * through its bindings: the kept one stands until a binding differs from it, then the
 * bindings so far are copied over. */
struct mkeep {
	uint64_t *msig;
	uint32_t *moff, *mdata;
	size_t n_data, cap_data;
	size_t hit_end; /* the kept data in use so far ends here */
	bool own;	/* msig... are this pass's */
};

static int mkeep_room(struct mkeep *k, size_t more)
{
	if (k->n_data + more > k->cap_data) {
		size_t cap = k->cap_data ? 2 * k->cap_data : 4096;
		uint32_t *nd;
		while (cap < k->n_data + more)
			cap *= 2;
		nd = reallocarray(k->mdata, cap, sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		k->mdata = nd;
		k->cap_data = cap;
	}
	return 0;
}

/* Binding i of 'c' gets 'sig' (0: none) and, with one, members 'v' (n, 'selected'): kept as
 * they are when equal, else this pass's arrays take over. */
static int mkeep_set(struct mkeep *k, const struct cfile *c, size_t i, uint64_t sig,
		     const uint32_t *v, size_t n, size_t selected)
{
	if (!k->own) {
		if (c->bk->msig && c->bk->msig[i] == sig) {
			if (sig)
				k->hit_end = c->bk->moff[i] + 2 + n;
			return 0;
		}
		k->msig = calloc(c->n_binds, sizeof(*k->msig));
		k->moff = calloc(c->n_binds, sizeof(*k->moff));
		if (!k->msig || !k->moff)
			return -ENOMEM;
		k->own = true;
		if (c->bk->msig) {
			int r = mkeep_room(k, k->hit_end);
			if (r < 0)
				return r;
			memcpy(k->msig, c->bk->msig, i * sizeof(*k->msig));
			memcpy(k->moff, c->bk->moff, i * sizeof(*k->moff));
			if (k->hit_end)
				memcpy(k->mdata, c->bk->mdata, k->hit_end * sizeof(*k->mdata));
			k->n_data = k->hit_end;
		}
	}
	k->msig[i] = sig;
	if (!sig)
		return 0;
	if (mkeep_room(k, n + 2) < 0)
		return -ENOMEM;
	k->moff[i] = (uint32_t)k->n_data;
	k->mdata[k->n_data++] = (uint32_t)n;
	k->mdata[k->n_data++] = (uint32_t)selected;
	memcpy(k->mdata + k->n_data, v, n * sizeof(*v));
	k->n_data += n;
	return 0;
}

/* One set per bound workload of the accepted bindings files. A binding's members are those
 * of the last pass when what they depend on did not change (an edit of a policy's syscalls
 * leaves 10,000 memberships as they were: no selector is matched again). */
static int binding_sets(struct run *x)
{
	cleanup_free struct sc_policy_ref *v = NULL;
	cleanup_free size_t *perm = NULL, *m = NULL, *inv = NULL;
	cleanup_free uint32_t *enc = NULL;
	cleanup_free struct nsig *nss = NULL;
	size_t rl = strlen(x->r->root_name), n_base = 0, n_ns = 0;
	uint64_t hb = HASH64_INIT;
	int r;

	r = pol_refs(x, &v, &perm);
	if (r < 0)
		return r;
	m = calloc(x->n_pols + 1, sizeof(*m));
	inv = calloc(x->n_pols + 1, sizeof(*inv));
	enc = calloc(x->n_pols + 1, sizeof(*enc));
	nss = calloc(x->n_pols + 1, sizeof(*nss));
	if (!m || !inv || !enc || !nss)
		return -ENOMEM;
	for (size_t j = 0; j < x->n_pols; j++)
		inv[perm[j]] = j;
	while (n_base < x->n_pols && v[n_base].baseline)
		hb = ref_feed(hb, &v[n_base++]);
	for (size_t i = n_base; i < x->n_pols;) {
		uint64_t h = hash64_feed(hb, v[i].namespace, strlen(v[i].namespace) + 1);
		size_t j = i;
		for (; j < x->n_pols && streq(v[j].namespace, v[i].namespace); j++)
			h = ref_feed(h, &v[j]);
		nss[n_ns++] = (struct nsig){ v[i].namespace, i, hash64_end(h, j - i) | 1 };
		i = j;
	}
	for (size_t fi = 0; fi < x->n_files; fi++) {
		struct cfile *c = &x->files[fi];
		struct mkeep k = {};
		if (x->rejected[fi] || !c->n_binds)
			continue;
		for (size_t i = 0; i < c->n_binds; i++) {
			const struct sc_binding *b = &c->binds[i];
			const char *missing = NULL, *why = NULL;
			size_t n = 0, selected = 0, lo = x->n_pols;
			struct set *s = &x->sets[x->n_sets];
			struct nsig key = { .ns = b->namespace }, *ns;
			uint64_t sig;
			ssize_t off;

			if (sc_binding_profile_check(b, x->r->root_name, &why) < 0) {
				r = reject_binding(x, fi, b,
						   "localhostProfile %s: %s (this agent's "
						   "root is %s)",
						   b->profile, why, x->r->root_name);
				if (r == 0)
					r = mkeep_set(&k, c, i, 0, NULL, 0, 0);
				if (r < 0)
					goto fail;
				continue;
			}
			*s = (struct set){ .ns = b->namespace,
					   .path = b->profile + rl + 1,
					   .bind = b,
					   .bind_file = fi,
					   .order = x->n_sets };
			x->n_sets++;
			ns = n_ns ? bsearch(&key, nss, n_ns, sizeof(*nss), cmp_nsig) : NULL;
			if (ns) {
				sig = ns->sig;
				lo = ns->lo;
			} else {
				uint64_t h =
					hash64_feed(hb, b->namespace, strlen(b->namespace) + 1);
				sig = hash64_end(h, 0) | 1;
			}
			if (c->bk->msig && c->bk->msig[i] == sig) {
				/* As the last pass found them (sorted as they were then). */
				const uint32_t *d = c->bk->mdata + c->bk->moff[i];
				n = d[0];
				selected = d[1];
				for (size_t q = 0; q < n; q++)
					m[q] = d[2 + q] < n_base ? d[2 + q]
								 : lo + (d[2 + q] - n_base);
			} else {
				r = sc_binding_members(b, v, x->n_pols, m, &n, &selected, &missing);
				if (r == -ENOENT) {
					s->keep = true;
					r = reject_binding(x, fi, b,
							   "names policy '%s', which namespace %s "
							   "does not have (its profile stays as it "
							   "was)",
							   missing, b->namespace);
					if (r == 0)
						r = mkeep_set(&k, c, i, 0, NULL, 0, 0);
					if (r < 0)
						goto fail;
					continue;
				}
				if (r < 0)
					goto fail;
			}
			off = take_members(x, n);
			if (off < 0) {
				r = (int)off;
				goto fail;
			}
			s = &x->sets[x->n_sets - 1];
			s->m_off = (size_t)off;
			for (size_t q = 0; q < n; q++)
				smem(x, s)[q] = perm[m[q]];
			s->n_pols = n;
			s->fallback = selected == 0;
			sort_r(smem(x, s), n, sizeof(size_t), cmp_member, x);
			/* Kept for the next pass in that order, by the refs' positions then. */
			for (size_t q = 0; q < n; q++) {
				size_t vi = inv[smem(x, s)[q]];
				enc[q] = (uint32_t)(vi < n_base ? vi : n_base + (vi - lo));
			}
			r = mkeep_set(&k, c, i, sig, enc, n, selected);
			if (r < 0)
				goto fail;
		}
		if (k.own) {
			uint32_t *fit = k.mdata ? reallocarray(k.mdata, k.n_data ? k.n_data : 1,
							       sizeof(*fit))
						: NULL;
			free(c->bk->msig);
			free(c->bk->moff);
			free(c->bk->mdata);
			c->bk->msig = k.msig;
			c->bk->moff = k.moff;
			c->bk->mdata = fit ? fit : k.mdata;
		}
		continue;
	fail:
		if (k.own) {
			free(k.msig);
			free(k.moff);
			free(k.mdata);
		}
		return r;
	}
	return 0;
}

/* Group as the policy build does: one set per namespace + selector for KubeArmor policies,
 * one per SPO/OCI profile, each with the baselines (sc_policy_set_name names them); then one
 * per bound workload. Sorted by path. */
static int build_sets(struct run *x)
{
	cleanup_free struct pol *v = calloc(x->n_pols ? x->n_pols : 1, sizeof(*v));
	size_t n_base = 0, n_binds = 0, total = 0, off = 0;
	int r;

	if (!v)
		return -ENOMEM;
	memcpy(v, x->pols, x->n_pols * sizeof(*v));
	sort_r(v, x->n_pols, sizeof(*v), cmp_pol_key, x);
	/* Sets refer to x->pols by index: keep the sorted order there. */
	memcpy(x->pols, v, x->n_pols * sizeof(*v));
	while (n_base < x->n_pols && pdoc(x, &x->pols[n_base])->baseline)
		n_base++;
	for (size_t fi = 0; fi < x->n_files; fi++)
		if (!x->rejected[fi])
			n_binds += x->files[fi].n_binds;
	/* At most one set per policy and per binding: one allocation for the sets, one for
	 * their members, one for their names and paths (sized on a first pass over the runs). */
	x->sets = calloc(x->n_pols + n_binds + 1, sizeof(*x->sets));
	if (!x->sets)
		return -ENOMEM;
	for (size_t i = n_base; i < x->n_pols;) {
		size_t j = i + 1;
		const struct cdoc *d = pdoc(x, &x->pols[i]);

		while (j < x->n_pols && streq(d->key, pdoc(x, &x->pols[j])->key))
			j++;
		/* "<first>[-hash]\0<ns>/<first>[-hash].json\0" */
		total += 2 * strlen(d->name) + strlen(d->ns) + (j - i > 1 ? 18 : 0) + 8;
		i = j;
	}
	x->set_names = malloc(total ? total : 1);
	if (!x->set_names)
		return -ENOMEM;
	for (size_t i = n_base; i < x->n_pols;) {
		size_t j = i + 1, lf, ls;
		struct set *s;
		cleanup_free char *name = NULL;
		const char *ns = pdoc(x, &x->pols[i])->ns;
		char *o;

		while (j < x->n_pols && streq(pdoc(x, &x->pols[i])->key, pdoc(x, &x->pols[j])->key))
			j++;
		{
			ssize_t moff = take_members(x, j - i + n_base);
			if (moff < 0)
				return (int)moff;
			s = &x->sets[x->n_sets];
			*s = (struct set){ .ns = ns, .order = x->n_sets, .m_off = (size_t)moff };
			x->n_sets++;
		}
		for (size_t k = i; k < j; k++)
			smem(x, s)[s->n_pols++] = k;
		for (size_t k = 0; k < n_base; k++)
			smem(x, s)[s->n_pols++] = k;
		if (j - i == 1) {
			name = strdup(pdoc(x, &x->pols[i])->name);
			r = name ? 0 : -ENOMEM;
		} else {
			cleanup_free const char **names = calloc(j - i, sizeof(char *));
			if (!names)
				return -ENOMEM;
			for (size_t k = i; k < j; k++)
				names[k - i] = pdoc(x, &x->pols[k])->name;
			r = sc_policy_set_name(names, j - i, &name);
		}
		if (r < 0)
			return r;
		/* "<name>\0<ns>/<name>.json" */
		lf = strlen(name);
		ls = strlen(ns);
		if (lf + 1 + ls + 1 + lf + 6 > total - off)
			return -EOVERFLOW; /* the sizing above is wrong: never so */
		o = s->name = x->set_names + off;
		memcpy(o, name, lf + 1);
		o += lf + 1;
		memcpy(o, ns, ls);
		o[ls] = '/';
		memcpy(o + ls + 1, name, lf);
		memcpy(o + ls + 1 + lf, ".json", 6);
		s->path = o;
		off += lf + 1 + ls + 1 + lf + 6;
		if (n_base)
			sort_r(smem(x, s), s->n_pols, sizeof(size_t), cmp_member, x);
		i = j;
	}
	r = binding_sets(x);
	if (r < 0)
		return r;
	sort(x->sets, x->n_sets, sizeof(*x->sets), cmp_set_path);
	return 0;
}

/* Two policy sets on one path: the set whose first file sorts later is rejected; regroup
 * until none is left (each round rejects at least one file). A bound workload's set owns its
 * path: a policy set there is not installed (counted); a second binding of the path loses. */
static int sets_without_conflicts(struct run *x)
{
	for (;;) {
		bool again = false;
		size_t k = 0;
		int r = build_sets(x);
		if (r < 0)
			return r;
		for (size_t i = 1; i < x->n_sets; i++) {
			struct set *a = &x->sets[i - 1], *b = &x->sets[i];
			size_t fa, fb;
			if (!streq(a->path, b->path) || a->bind || b->bind)
				continue;
			fa = x->pols[smem(x, a)[0]].file;
			fb = x->pols[smem(x, b)[0]].file;
			r = reject(x, fa > fb ? fa : fb, SC_REJECT_CONFLICT,
				   "its profile would be written to %s, which another policy set "
				   "(%s) produces: rename one of them",
				   a->path, x->files[fa > fb ? fb : fa].path);
			if (r < 0)
				return r;
			again = true;
		}
		if (again) {
			run_free_sets(x);
			r = gather_pols(x);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t i = 0; i < x->n_sets; i++) {
			struct set *s = &x->sets[i];
			const struct set *o = k ? &x->sets[k - 1] : NULL;
			if (o && o->bind && streq(o->path, s->path)) {
				if (!s->bind) {
					x->res->n_shadowed++;
					continue;
				}
				r = reject_binding(x, s->bind_file, s->bind,
						   "localhostProfile %s is %s %s/%s's already "
						   "(%s): two workloads cannot share one profile",
						   s->path, o->bind->kind, o->bind->namespace,
						   o->bind->name, x->files[o->bind_file].path);
				if (r < 0)
					return r;
				continue;
			}
			x->sets[k++] = *s;
		}
		x->n_sets = k;
		return 0;
	}
}

/* ---- the index --------------------------------------------------------------------- */

/* Streaming state for the index: a stack of containers with the key each one is the value of
 * (an event parser, not a document: an index of 10,000 sets as a libfyaml document takes tens
 * of MiB). */
struct iframe {
	bool map, want_key;
	char key[16];	     /* in a mapping: the key whose value comes next */
	char parent_key[16]; /* the key this container is the value of */
};

struct iset {
	char *ns, *name, *path;
	char *kind, *pname, *file;
	struct entry e;
};

static void iset_clear_policy(struct iset *t)
{
	free(t->kind);
	free(t->pname);
	free(t->file);
	t->kind = t->pname = t->file = NULL;
}

static void iset_clear(struct iset *t)
{
	iset_clear_policy(t);
	free(t->ns);
	free(t->name);
	free(t->path);
	entry_clear(&t->e);
	*t = (struct iset){};
}

/* A bound workload's entry (it lists its binding) shares its policies' strings. */
static bool iset_member(const void *ud, size_t k, char *pk, const char **file)
{
	const struct entry *e = ud;
	bool bound = e->n_pols && strncmp(e->pols[e->n_pols - 1], "SeccompBinding/", 15) == 0;

	(void)snprintf(pk, 600, "%s", e->pols[k]);
	*file = e->files[k];
	return bound && k + 1 < e->n_pols && strncmp(pk, "RuntimeDefault/", 15) != 0;
}

/* A set read from the index, kept when it has the shape we write. */
static int iset_done(struct run *x, struct iset *t)
{
	char want[600];
	struct entry *v;

	if (!t->path || !t->ns || !t->name || !sc_dns1123_label_valid(t->ns) ||
	    strlen(t->name) > MAX_NAME)
		return 0;
	(void)snprintf(want, sizeof(want), "%s.json", t->name);
	if (!sc_binding_file_valid(want))
		return 0;
	(void)snprintf(want, sizeof(want), "%s/%s.json", t->ns, t->name);
	if (!streq(want, t->path))
		return 0;
	/* Room for 16, 32, 64, ... entries: 10,000 are not 10,000 reallocs. */
	if (x->n_old == 0 || (x->n_old >= 16 && (x->n_old & (x->n_old - 1)) == 0)) {
		v = reallocarray(x->old, x->n_old ? 2 * x->n_old : 16, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->old = v;
	}
	{
		/* Packed as this pass's entries are (one block, not a malloc per string). */
		struct entry e = t->e;
		int r = entry_pack(&e, t->ns, t->name, strlen(t->name), t->path, t->e.n_pols,
				   iset_member, &t->e);
		if (r < 0)
			return r;
		x->old[x->n_old++] = e;
	}
	return 0;
}

static int iset_policy_done(struct iset *t)
{
	char pk[600] = "";
	int r;

	if (t->kind && t->pname)
		(void)snprintf(pk, sizeof(pk), "%s/%s", t->kind, t->pname);
	if ((r = strv_add(&t->e.files, &t->e.n_files, t->file ? t->file : "")) < 0 ||
	    (r = strv_add(&t->e.pols, &t->e.n_pols, pk)) < 0)
		return r;
	iset_clear_policy(t);
	return 0;
}

/* The index from 'fp' (read as the parse goes: 10,000 sets are 4 MB of JSON). */
static int parse_index(struct run *x, FILE *fp)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_parser *fyp;
	struct fy_event *ev;
	struct iframe st[8];
	struct iset t = {};
	int depth = 0, r = 0;
	bool ok = true;

	diag = sc_yaml_quiet_diag(false);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	fyp = fy_parser_create(&cfg);
	/* (Not named *.json: libfyaml would read it in its stricter JSON mode.) */
	if (!fyp || fy_parser_set_input_fp(fyp, "index", fp) != 0) {
		if (fyp)
			sc_yaml_parser_destroy(fyp);
		fy_diag_destroy(diag);
		return -ENOMEM;
	}
	while (r == 0 && (ev = fy_parser_parse(fyp))) {
		struct iframe *top = depth ? &st[depth - 1] : NULL;
		switch (ev->type) {
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			if (depth == (int)ELEMENTSOF(st)) {
				ok = false;
				break;
			}
			st[depth] = (struct iframe){ .map = ev->type == FYET_MAPPING_START,
						     .want_key = true };
			if (top && top->map && !top->want_key)
				memcpy(st[depth].parent_key, top->key, sizeof(top->key));
			depth++;
			/* a set: root / "sets" seq / map; a policy: ... / "policies" seq / map */
			if (depth == 3 && st[0].map && streq(st[1].parent_key, "sets") && st[2].map)
				iset_clear(&t);
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth == 5 && streq(st[3].parent_key, "policies") && st[4].map)
				r = iset_policy_done(&t);
			else if (depth == 3 && streq(st[1].parent_key, "sets") && st[2].map)
				r = iset_done(x, &t);
			if (depth)
				depth--;
			if (depth)
				st[depth - 1].want_key = true;
			break;
		case FYET_SCALAR: {
			size_t n = 0;
			const char *v = fy_token_get_text(ev->scalar.value, &n);
			char **slot = NULL;
			if (!top || !v)
				break;
			if (!top->map)
				break;
			if (top->want_key) {
				(void)snprintf(top->key, sizeof(top->key), "%.*s", (int)n, v);
				top->want_key = false;
				break;
			}
			top->want_key = true;
			if (depth == 3 && streq(st[1].parent_key, "sets")) {
				if (streq(top->key, "namespace"))
					slot = &t.ns;
				else if (streq(top->key, "name"))
					slot = &t.name;
				else if (streq(top->key, "path"))
					slot = &t.path;
				else if (streq(top->key, "kept"))
					t.e.kept = n == 4 && !strncmp(v, "true", 4);
			} else if (depth == 5 && streq(st[3].parent_key, "policies")) {
				if (streq(top->key, "kind"))
					slot = &t.kind;
				else if (streq(top->key, "name"))
					slot = &t.pname;
				else if (streq(top->key, "file"))
					slot = &t.file;
			}
			if (slot) {
				free(*slot);
				*slot = strndup(v, n);
				if (!*slot)
					r = -ENOMEM;
			}
			break;
		}
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
		if (!ok)
			break;
	}
	if (fy_parser_get_stream_error(fyp))
		ok = false;
	iset_clear(&t);
	sc_yaml_parser_destroy(fyp);
	fy_diag_destroy(diag);
	if (r < 0)
		return r;
	return ok ? 0 : -EINVAL;
}

/* Read <root>/index.json (ours or `policy build`'s): only entries in the shape we write. */
static int read_old_index(struct run *x)
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
		r = parse_index(x, fp);
		(void)fclose(fp);
	}
	if (r == -EINVAL) {
		/* Unreadable: adopt nothing, so remove nothing (what it listed stays). */
		logf_(x->r, "warn", "event=index-unreadable path=%s/%s", x->r->root_path,
		      INDEX_NAME);
		entries_free(x->old, x->n_old);
		x->old = NULL;
		x->n_old = 0;
		return 0;
	}
	if (r == 0)
		x->have_old = true;
	return r;
}

static void json_str(FILE *f, const char *s)
{
	sc_json_string(f, s ? s : "");
}

/* The index in the policy build's shape (sets with namespace, name, path, policies), from
 * up to three lists of entries (entries without a path are skipped). */
struct elist {
	const struct entry *v;
	size_t n;
};

static void index_emit(FILE *f, const struct elist *lists, size_t n_lists)
{
	size_t k = 0;

	fputs("{\n  \"version\": 1,\n  \"mode\": \"targets\",\n  \"generator\": \"syscage agent\","
	      "\n  \"sets\": [",
	      f);
	for (size_t l = 0; l < n_lists; l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			const struct entry *e = &lists[l].v[i];
			if (!e->path || e->moved)
				continue;
			fputs(k++ ? ",\n    {" : "\n    {", f);
			fputs("\"namespace\": ", f);
			json_str(f, e->ns);
			fputs(", \"name\": ", f);
			json_str(f, e->name);
			fputs(", \"path\": ", f);
			json_str(f, e->path);
			if (e->kept)
				fputs(", \"kept\": true", f);
			fputs(",\n     \"policies\": [", f);
			for (size_t j = 0; j < e->n_files; j++) {
				const char *pk = j < e->n_pols ? e->pols[j] : "";
				const char *slash = strchr(pk, '/');
				fputs(j ? ", {" : "{", f);
				if (slash) {
					fprintf(f,
						"\"kind\": \"%.*s\", \"name\": ", (int)(slash - pk),
						pk);
					json_str(f, slash + 1);
					fputs(", ", f);
				}
				fputs("\"file\": ", f);
				json_str(f, e->files[j]);
				fputs("}", f);
			}
			fputs("]}", f);
		}
	fputs(k ? "\n  ]\n}\n" : "]\n}\n", f);
}

/* ---- writing ----------------------------------------------------------------------- */

/* Write a temp file next to 'final' (not fsync'ed: one syncfs covers the batch). */
/* The temp file name for 'final' with sequence number 'seq' into 'tmp' (NAME_MAX + 1). */
static int tmp_name(char *tmp, const char *final, unsigned seq)
{
	int n = snprintf(tmp, NAME_MAX + 1, ".%.200s.%d.%u" TMP_SUFFIX, final, (int)getpid(), seq);
	return n < 0 || n >= NAME_MAX + 1 ? -ENAMETOOLONG : 0;
}

/* Create the temp file 'tmp' (NAME_MAX + 1 bytes; its sequence number in *seq) next to
 * 'final' with 'data'. Called by the writer threads at once. */
static int create_tmp(struct run *x, int dirfd, const char *final, const char *data, size_t len,
		      char *tmp, unsigned *seq)
{
	int fd = -1;
	size_t off = 0;

	for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
		*seq = __atomic_fetch_add(&x->r->tmp_seq, 1, __ATOMIC_RELAXED);
		if (tmp_name(tmp, final, *seq) < 0)
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

/* Queue a written temp file for the commit (on failure it is removed). */
static void unlink_tmp(struct run *x, const char *ns, const char *tmp)
{
	char path[2 * NAME_MAX + 2];

	if (!ns)
		(void)unlinkat(x->r->root_fd, tmp, 0);
	else if ((size_t)snprintf(path, sizeof(path), "%s/%s", ns, tmp) < sizeof(path))
		(void)unlinkat(x->r->root_fd, path, 0);
}

static int add_pending(struct run *x, const char *ns, const char *tmp, const char *final)
{
	struct pending *v = reallocarray(x->pend, x->n_pend + 1, sizeof(*v));

	if (!v) {
		unlink_tmp(x, ns, tmp);
		return -ENOMEM;
	}
	x->pend = v;
	v[x->n_pend] = (struct pending){ .ns = ns ? strdup(ns) : NULL,
					 .tmp = strdup(tmp),
					 .final = strdup(final) };
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

static int open_ns(struct run *x, const char *ns, bool create)
{
	int fd;

	if (!sc_dns1123_label_valid(ns))
		return -EINVAL;
	if (create && mkdirat(x->r->root_fd, ns, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(x->r->root_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Drop the temp files of an unfinished batch. */
static void abort_pending(struct run *x)
{
	int fd = -1;
	const char *cur = NULL;

	for (size_t i = 0; i < x->n_pend; i++) {
		struct pending *p = &x->pend[i];
		if (!p->ns) {
			(void)unlinkat(x->r->root_fd, p->tmp, 0);
			continue;
		}
		if (!cur || !streq(cur, p->ns)) {
			if (fd >= 0)
				(void)close(fd);
			fd = open_ns(x, p->ns, false);
			cur = p->ns;
		}
		if (fd >= 0)
			(void)unlinkat(fd, p->tmp, 0);
	}
	if (fd >= 0)
		(void)close(fd);
}

/* Make the batch durable (one syncfs), rename every temp file into place, then sync the
 * directories that changed. */
/* Item i of the batch: renamed over its final. A renamed one has its tmp freed (NULL), so a
 * failure leaves exactly the rest to remove. */
static int rename_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	struct pending *p = &x->pend[i];
	int dfd = p->ns ? worker_ns(w, p->ns) : x->r->root_fd;

	if (dfd < 0)
		return dfd;
	if (renameat(dfd, p->tmp, dfd, p->final) < 0)
		return -errno;
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
	int r = pool_run(&p);

	for (size_t i = 0; i < x->n_pend; i++) {
		const char *ns = x->pend[i].ns;
		int fd;
		if (!ns || (cur && streq(cur, ns)))
			continue;
		cur = ns;
		fd = open_ns(x, ns, false);
		if (fd >= 0) {
			(void)fsync(fd);
			(void)close(fd);
		}
	}
	return r;
}

static int commit_pending(struct run *x)
{
	int r = 0;

	if (x->n_pend == 0)
		return 0;
	/* Data before names: a few files are fsync'ed one by one (an update of one policy
	 * lands fast), a batch by one syncfs (10,000 fsyncs would take minutes). */
	if (x->n_pend <= SMALL_BATCH) {
		for (size_t i = 0; i < x->n_pend; i++) {
			struct pending *p = &x->pend[i];
			int dfd = p->ns ? open_ns(x, p->ns, false) : x->r->root_fd, tfd = -1;
			if (dfd >= 0)
				tfd = openat(dfd, p->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (tfd < 0 || fsync(tfd) < 0)
				r = -errno;
			if (tfd >= 0)
				(void)close(tfd);
			if (p->ns && dfd >= 0)
				(void)close(dfd);
			if (r < 0) {
				abort_pending(x);
				goto done;
			}
		}
	} else if (syncfs(x->r->root_fd) < 0) {
		r = -errno;
		abort_pending(x);
		goto done;
	}
	r = rename_all(x);
	(void)fsync(x->r->root_fd);
	if (r < 0) {
		/* Leave no temp files behind. */
		size_t o = 0;
		for (size_t i = 0; i < x->n_pend; i++)
			if (x->pend[i].tmp)
				x->pend[o++] = x->pend[i];
			else {
				free(x->pend[i].ns);
				free(x->pend[i].final);
			}
		x->n_pend = o;
		abort_pending(x);
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

/* What the next pass compares to tell an installed file unchanged: inode, size, mtime. */
static void set_ident(struct entry *e, const struct stat *st)
{
	e->has_ident = true;
	e->ino = st->st_ino;
	e->size = (size_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void take_ident(struct entry *e, const struct entry *from)
{
	e->has_ident = true;
	e->ino = from->ino;
	e->mtime_ns = from->mtime_ns;
	e->size = from->size;
}

/* The content hash (hash64) of a file in 'dirfd', read in chunks, and its identity into
 * 'e' (from the same fstat); false when it is not a regular file. */
static bool disk_hash(int dirfd, const char *name, uint64_t *ret, struct entry *e)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	uint64_t h = HASH64_INIT;
	char buf[65536];
	struct stat st;
	size_t n = 0;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		h = hash64_feed(h, buf, (size_t)k);
		n += (size_t)k;
		/* A short read that reaches the size fstat gave is the end. */
		if (k == 0 || (n == (size_t)st.st_size && (size_t)k < sizeof(buf)))
			break;
	}
	*ret = hash64_end(h, n);
	set_ident(e, &st);
	return true;
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
	size_t off = 0;

	k->h = hash64_feed(k->h, buf, size);
	k->n += size;
	while (k->fd >= 0 && off < size) {
		ssize_t w = write(k->fd, buf + off, size - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			k->err = errno;
			return -1;
		}
		off += (size_t)w;
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
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists);
	if (fclose(f) != 0)
		return -EIO;
	*ret = hash64_end(k.h, k.n);
	return 0;
}

static void ident_of(int dirfd, const char *name, struct entry *e)
{
	struct stat st;

	e->has_ident = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		set_ident(e, &st);
}

/* Whether the index on disk is still the one this reconciler last wrote or read, by the
 * identity it had then. */
static bool index_is_known(const struct sc_reconciler *rc, uint64_t want)
{
	struct entry now = {};

	if (!rc->index.has_ident || rc->index.hash != want)
		return false;
	ident_of(rc->root_fd, INDEX_NAME, &now);
	return now.has_ident && now.ino == rc->index.ino && now.size == rc->index.size &&
	       now.mtime_ns == rc->index.mtime_ns;
}

/* Write the index of 'lists' unless the disk has it already. 'same': the lists are the
 * very entries of the index last written (every set carried over), so when that file is
 * still in place nothing needs to be emitted at all. */
static int write_index(struct run *x, const struct elist *lists, size_t n_lists, bool same)
{
	struct sc_reconciler *rc = x->r;
	struct hashsink k = { .fd = -1, .h = HASH64_INIT };
	cookie_io_functions_t io = { .write = sink_write };
	struct entry seen = {};
	struct pending *v;
	char tmp[NAME_MAX + 1];
	uint64_t have, want;
	struct stat st;
	FILE *f;
	int r;

	if (same && index_is_known(rc, rc->index.hash))
		return 0;
	/* Unchanged: hashed without writing anything. */
	r = index_hash(lists, n_lists, &want);
	if (r < 0)
		return r;
	if (index_is_known(rc, want))
		return 0;
	if (disk_hash(rc->root_fd, INDEX_NAME, &have, &seen) && have == want) {
		rc->index = seen;
		rc->index.hash = want;
		return 0;
	}
	rc->index.has_ident = false;
	for (unsigned attempt = 0; attempt < 100 && k.fd < 0; attempt++) {
		(void)snprintf(tmp, sizeof(tmp), "." INDEX_NAME ".%d.%u" TMP_SUFFIX, (int)getpid(),
			       x->r->tmp_seq++);
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
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists);
	if (fclose(f) != 0 && !k.err)
		k.err = EIO;
	if (!k.err && fstat(k.fd, &st) == 0 && (hash64_end(k.h, k.n)) == want) {
		/* The renamed file keeps this identity: the next pass compares against it. */
		seen = (struct entry){ .hash = want };
		set_ident(&seen, &st);
	}
	if (close(k.fd) < 0 && !k.err)
		k.err = errno;
	if (k.err) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -k.err;
	}
	v = reallocarray(x->pend, x->n_pend + 1, sizeof(*v));
	if (!v) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -ENOMEM;
	}
	x->pend = v;
	v[x->n_pend] = (struct pending){ .tmp = strdup(tmp), .final = strdup(INDEX_NAME) };
	x->n_pend++;
	if (!v[x->n_pend - 1].tmp || !v[x->n_pend - 1].final) {
		abort_pending(x);
		return -ENOMEM;
	}
	r = commit_pending(x);
	if (r == 0)
		rc->index = seen;
	return r;
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

static void entry_member(const struct run *x, const struct set *s, size_t k, char *pk, size_t size,
			 const char **file)
{
	if (k < s->n_pols) {
		const struct pol *p = &x->pols[smem(x, s)[k]];
		const struct cdoc *d = pdoc(x, p);
		(void)snprintf(pk, size, "%s/%s", format_kind(d->format), d->name);
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
	return entry_pack(e, s->ns, file, strlen(file) - 5, s->path, entry_members(s), set_member,
			  &u);
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
			const struct pol *p = &x->pols[smem(x, s)[k]];
			const struct cdoc *d = pdoc(x, p);
			same = joined_eq(e->pols[k], format_kind(d->format), d->name, NULL);
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
static int rejected_paths(const struct run *x, char ***ret, size_t *ret_n)
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
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool path_in(char *const *v, size_t n, const char *path)
{
	return n && bsearch(&path, v, n, sizeof(*v), cmp_str);
}

static struct set *set_at_path(const struct run *x, const char *path)
{
	size_t lo = 0, hi = x->n_sets;

	/* Sets are sorted by path (cmp_set_path): a binary search is exact. */
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

static bool set_has_path(const struct run *x, const char *path)
{
	return set_at_path(x, path) != NULL;
}

static size_t file_size_at(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (size_t)st.st_size : 0;
}

static int cmp_cfile_sort(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->path, ((const struct cfile *)b)->path);
}

static int cmp_entry_path(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->path, (*(struct entry *const *)b)->path);
}

static int index_old(struct run *x)
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
	sort(x->old_by_path, n, sizeof(*x->old_by_path), cmp_entry_path);
	return 0;
}

static struct entry *old_entry(const struct run *x, const char *path)
{
	struct entry key = { .path = (char *)path }, *kp = &key, **e;

	if (!x->n_old_by_path)
		return NULL;
	e = bsearch(&kp, x->old_by_path, x->n_old_by_path, sizeof(*x->old_by_path), cmp_entry_path);
	return e ? *e : NULL;
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
		r = read_hashed(c->path, &buf, &len, &h);
		if (r == 0 && h != c->hash)
			r = -EAGAIN; /* changed since it was judged: the next pass judges it */
		if (r == 0)
			r = sc_profile_read_all(buf, len, c->path, &d, &f->v, &f->n);
		sc_diags_clear(&d);
		if (r > 0)
			r = 0; /* the number of documents */
		for (size_t i = 0; r == 0 && i < f->n; i++)
			if (judge(f->v[i], c->path, msg, sizeof(msg)) != 0)
				r = -EAGAIN;
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

static void parsed_free(struct run *x)
{
	for (size_t i = 0; x->parsed && i < x->n_files; i++) {
		for (size_t k = 0; k < x->parsed[i].n; k++)
			sc_profile_free(x->parsed[i].v[k]);
		free(x->parsed[i].v);
	}
	free(x->parsed);
	x->parsed = NULL;
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
			const struct pol *p = &x->pols[smem(x, s)[k]];
			if (pdoc(x, p)->baseline != (pass == 1))
				continue;
			r = parsed_doc(x, p, &in[n]);
			n++;
			n_base += pass == 1;
		}
	if (r == 0)
		r = set_profile_text(x->r, in, n, s->fallback, n_base, ret, removed, err, errsize);
	return r;
}

/* The key of a merged set's content: its members' file contents and documents, and the
 * fallback. Sets with one key share one merge; the key's content hash carries over to the
 * next pass (rc->mcache), so a set whose members did not change is not merged again. */
struct mkey {
	uint64_t key, hash;
	size_t len;
	char *text;    /* this pass only; NULL beyond the budget, or known from the last pass */
	char *removed; /* what the baselines took away, when merged this pass */
	bool have;
};

static uint64_t set_key(const struct run *x, const struct set *s)
{
	uint64_t h = hash64_feed(HASH64_INIT, &s->fallback, sizeof(s->fallback));

	for (size_t k = 0; k < s->n_pols; k++) {
		const struct pol *p = &x->pols[smem(x, s)[k]];
		uint64_t v[2] = { x->files[p->file].hash, p->doc };
		h = hash64_feed(h, v, sizeof(v));
	}
	return hash64_end(h, s->n_pols) | 1; /* 0 marks a free slot */
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
static int memo_keep(struct run *x)
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

static void memo_free(struct run *x)
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
	m->hash = hash64(text, m->len);
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
};

/* Job i: its text made when it was not at hand, its temp file written; then the text goes
 * (10,000 of them would not fit the memory an agent should take). */
static int write_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	struct job *j = (struct job *)w->pool->data + i;
	const struct set *s = &x->sets[j->set];
	char err[512];

	if (!j->text) {
		j->r = set_text(x, s, &j->text, NULL, err, sizeof(err));
		if (j->r == -EINVAL)
			j->r = -EAGAIN; /* it parsed before: it changed meanwhile */
		j->owned = j->r == 0;
		if (j->r == 0)
			j->len = strlen(j->text);
	}
	if (j->r == 0) {
		int nsfd = worker_ns(w, s->ns);
		char tmp[NAME_MAX + 1];
		j->r = nsfd < 0 ? nsfd
				: create_tmp(x, nsfd, set_file(s), j->text, j->len, tmp, &j->seq);
		j->written = j->r == 0;
	}
	if (j->owned) {
		free(j->text);
	} else if (j->one) {
		struct cdoc *one = pdoc(x, &x->pols[smem(x, s)[0]]);
		__atomic_sub_fetch(&x->text_bytes, one->text_len, __ATOMIC_RELAXED);
		free(one->text);
		one->text = NULL;
	}
	j->text = NULL;
	j->owned = j->one = false;
	return j->r;
}

/* Write the jobs' temp files on up to POOL_THREADS threads (creating 10,000 files is the
 * kernel's work, and it spreads), then queue them for the commit in job order and log
 * them, on this thread. */
static int write_jobs(struct run *x, struct job *jobs, size_t n_jobs)
{
	struct pool p = { .x = x, .n = n_jobs, .one = write_one, .data = jobs };
	int perr = pool_run(&p); /* the first job that failed; each keeps its own result */
	char b1[600], b2[600], b3[600];
	int r = 0;

	for (size_t i = 0; i < n_jobs; i++) {
		struct job *j = &jobs[i];
		const struct set *s = &x->sets[j->set];
		struct entry *e = &x->now[j->entry];

		if (j->written) {
			const char *final = set_file(s);
			char tmp[NAME_MAX + 1];
			int q = tmp_name(tmp, final, j->seq);
			if (q == 0)
				q = add_pending(x, s->ns, tmp, final);
			if (q < 0 && r == 0)
				r = q;
		}
		/* After a failure: the written ones are queued (to be removed), no more. */
		if (!j->written || perr < 0 || r < 0)
			continue;
		e->size = j->len;
		e->need_ident = true;
		x->res->n_written++;
		if (!s->bind) {
			logf_(x->r, "info", "event=install path=%s bytes=%zu policies=%zu",
			      logval(s->path, b1, sizeof(b1)), j->len, s->n_pols);
		} else {
			(void)snprintf(b2, sizeof(b2), "%s/%s/%s", s->bind->kind, s->ns,
				       s->bind->name);
			if (!s->fallback)
				logf_(x->r, "info",
				      "event=install path=%s bytes=%zu policies=%zu workload=%s",
				      logval(s->path, b1, sizeof(b1)), j->len, s->n_pols, b2);
			else
				logf_(x->r, "warn",
				      "event=install path=%s bytes=%zu policies=%zu workload=%s "
				      "fallback=RuntimeDefault binding=%s:%u msg=\"no policy of "
				      "namespace %s selects this workload (any more): it runs with "
				      "RuntimeDefault; check the policies and the binding's "
				      "podLabels\"",
				      logval(s->path, b1, sizeof(b1)), j->len, s->n_pols, b2,
				      logval(x->files[s->bind_file].path, b3, sizeof(b3)),
				      s->bind->loc.line, s->ns);
		}
		if (j->removed && *j->removed)
			logf_(x->r, "info", "event=baseline path=%s removed=%s",
			      logval(s->path, b1, sizeof(b1)), logval(j->removed, b2, sizeof(b2)));
	}
	return perr < 0 ? perr : r;
}

static void jobs_free(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].owned)
			free(jobs[i].text);
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
	parsed_free(x);
	return r;
}

static int install(struct run *x)
{
	cleanup_close int nsfd = -1;
	const char *cur = NULL, *batch_ns = NULL;
	struct job *jobs = NULL;
	size_t n_jobs = 0;
	int r;

	/* With room for the kept entries published after them (no realloc of 1 MiB then). */
	x->now = calloc(x->n_sets + x->n_kept_room + 1, sizeof(*x->now));
	if (!x->now)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_sets; i++) {
		struct set *s = &x->sets[i];
		struct cdoc *one =
			s->n_pols == 1 && !s->fallback ? pdoc(x, &x->pols[smem(x, s)[0]]) : NULL;
		const char *file = set_file(s);
		struct entry *e = &x->now[x->n_now], *prev = old_entry(x, s->path);
		const char *text = one ? one->text : NULL;
		struct mkey *memo = NULL;
		uint64_t want, have;
		size_t len = one ? one->text_len : 0;
		char err[512];

		if ((i & 63) == 0 && cancelled(x)) {
			jobs_free(jobs, n_jobs);
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
				jobs_free(jobs, n_jobs);
				return r;
			}
			if (r < 0) {
				for (size_t k = 0; k < s->n_pols; k++) {
					int q = reject(x, x->pols[smem(x, s)[k]].file,
						       SC_REJECT_MERGE, "merging %s: %s", s->path,
						       err);
					if (q < 0) {
						jobs_free(jobs, n_jobs);
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
			nsfd = open_ns(x, s->ns, true);
			if (nsfd < 0) {
				jobs_free(jobs, n_jobs);
				return nsfd;
			}
			cur = s->ns;
		}
		if (prev && same_members(x, s, prev)) {
			/* Same set as last time: its entry carries over (no new strings). */
			if (!prev->kept)
				x->n_carried++;
			*e = *prev;
			e->kept = false;
			prev->moved = true;
			x->n_now++;
		} else {
			r = entry_for_set(x, s, e);
			x->n_now++;
			if (r < 0) {
				jobs_free(jobs, n_jobs);
				return r;
			}
		}
		e->workload = s->bind != NULL;
		e->fallback = s->fallback;
		e->hash = want;
		e->size = len;
		/* Unchanged when the previous pass installed this very content and the file is
		 * still the one it wrote (inode, size, mtime); else the disk content decides. */
		if (prev && prev->has_ident && prev->hash == want) {
			struct entry now = {};
			if (x->probes) {
				const struct probe *p = &x->probes[prev - x->old];
				now = (struct entry){ .has_ident = p->ok,
						      .ino = p->ino,
						      .size = p->size,
						      .mtime_ns = p->mtime_ns };
			} else {
				ident_of(nsfd, file, &now);
			}
			if (now.has_ident && now.ino == prev->ino && now.size == prev->size &&
			    now.mtime_ns == prev->mtime_ns) {
				take_ident(e, &now);
				continue;
			}
		}
		{
			struct entry seen = {};
			if (disk_hash(nsfd, file, &have, &seen) && have == want) {
				take_ident(e, &seen);
				continue;
			}
		}
		/* To be written: by the writers, below. */
		if (n_jobs % 256 == 0) {
			struct job *v = reallocarray(jobs, n_jobs + 256, sizeof(*v));
			if (!v) {
				jobs_free(jobs, n_jobs);
				return -ENOMEM;
			}
			jobs = v;
		}
		if (one && text && one->text_taken)
			text = NULL; /* another job writes it (a policy set and a binding of it) */
		jobs[n_jobs] = (struct job){ .set = i,
					     .entry = x->n_now - 1,
					     .text = (char *)text,
					     .len = len,
					     .removed = memo ? memo->removed : NULL,
					     .one = one && text };
		if (one && text)
			one->text_taken = true;
		n_jobs++;
		if (!prev)
			x->new_paths = true;
	}
	r = n_jobs ? write_jobs(x, jobs, n_jobs) : 0;
	jobs_free(jobs, n_jobs);
	return r;
}

static void remove_profile(struct run *x, const struct entry *e)
{
	char b1[600], file[300];
	int fd = open_ns(x, e->ns, false);

	if (fd < 0)
		return;
	(void)snprintf(file, sizeof(file), "%s.json", e->name);
	if (unlinkat(fd, file, 0) == 0) {
		x->res->n_removed++;
		logf_(x->r, "info", "event=remove path=%s", logval(e->path, b1, sizeof(b1)));
		(void)fsync(fd);
	}
	(void)close(fd);
	/* An emptied namespace directory goes too (fails harmlessly when not empty). */
	(void)unlinkat(x->r->root_fd, e->ns, AT_REMOVEDIR);
}

/* After the renames: the identity of what was written, for the next pass's skip. */
static void record_idents(struct run *x)
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
			fd = open_ns(x, e->ns, false);
			cur = e->ns;
		}
		(void)snprintf(file, sizeof(file), "%s.json", e->name);
		if (fd >= 0)
			ident_of(fd, file, e);
	}
	if (fd >= 0)
		(void)close(fd);
}

int sc_reconcile(struct sc_reconciler *rc, struct sc_reconcile_result *res)
{
	struct run x = { .r = rc,
			 .res = res,
			 .top_fd = -1,
			 .data_fd = -1,
			 .parse_lock = PTHREAD_MUTEX_INITIALIZER };
	struct entry *kept = NULL;
	cleanup_free char **rej = NULL;
	size_t n_kept = 0, n_rej = 0;
	int r;

	*res = (struct sc_reconcile_result){};
	/* What the previous pass installed is the old index; the file is read at the first
	 * pass only (adopting what an earlier run wrote). */
	if (rc->have_state) {
		x.old = TAKE_PTR(rc->installed);
		x.n_old = rc->n_installed;
		rc->n_installed = 0;
		rc->have_state = false;
		x.have_old = true;
	} else {
		r = read_old_index(&x);
		if (r < 0)
			goto out;
	}
	r = collect(&x, rc->policies_dir, 0);
	if (r < 0)
		goto out;
	x.top_fd = open(rc->policies_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.top_fd < 0) {
		r = -errno;
		goto out;
	}
	x.top_len = strlen(rc->policies_dir) + 1;
	/* A ConfigMap volume: keys are read straight from the payload ..data points to now. */
	x.data_fd = openat(x.top_fd, "..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	x.files = calloc(x.n_paths ? x.n_paths : 1, sizeof(*x.files));
	x.rejected = calloc(x.n_paths ? x.n_paths : 1, sizeof(*x.rejected));
	if (!x.files || !x.rejected) {
		r = -ENOMEM;
		goto out;
	}
	/* The loaders look up what the last pass installed (text_wanted); rebuilt below once
	 * the entries kept for rejected files are taken out. */
	r = index_old(&x);
	if (r < 0)
		goto out;
	r = load_all(&x);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < x.n_files; i++)
		if (x.files[i].reason >= 0) {
			r = reject_msg(&x, i, (enum sc_reject_reason)x.files[i].reason,
				       x.files[i].message ? x.files[i].message : "rejected");
			if (r < 0)
				goto out;
		}
	r = gather_pols(&x);
	if (r < 0)
		goto out;
	r = reject_duplicates(&x);
	if (r < 0)
		goto out;
	r = sets_without_conflicts(&x);
	if (r < 0)
		goto out;
	res->n_sets = x.n_sets;

	/* Old entries of rejected files stay (last good), unless a good set now owns the path. */
	r = rejected_paths(&x, &rej, &n_rej);
	if (r < 0)
		goto out;
	kept = calloc(n_rej && x.n_old ? x.n_old : 1, sizeof(*kept));
	if (!kept) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; n_rej && i < x.n_old; i++) {
		struct entry *e = &x.old[i];
		bool keep = false;
		for (size_t k = 0; e->path && k < e->n_files && !keep; k++)
			keep = path_in(rej, n_rej, e->files[k]);
		if (!keep)
			continue;
		{
			/* A bound workload's path: its set keeps what is there (install). */
			struct set *s = set_at_path(&x, e->path);
			if (s && s->bind) {
				s->keep = true;
				continue;
			}
			if (s)
				continue;
		}
		kept[n_kept] = *e;
		kept[n_kept].kept = true;
		kept[n_kept].size = file_size_at(rc->root_fd, e->path);
		*e = (struct entry){};
		n_kept++;
	}
	r = index_old(&x);
	if (r < 0)
		goto out;

	x.n_kept_room = n_kept;
	r = install(&x);
	if (r < 0) {
		abort_pending(&x);
		goto out;
	}
	if (cancelled(&x)) {
		abort_pending(&x);
		r = -ECANCELED;
		goto out;
	}
	/* Before any profile lands, the index names both old and new paths: an interruption
	 * anywhere below leaves nothing the next run cannot account for. */
	if (x.n_pend && x.new_paths) {
		struct pending *saved = x.pend;
		size_t n_saved = x.n_pend;
		struct elist all[] = { { x.now, x.n_now }, { x.old, x.n_old }, { kept, n_kept } };
		x.pend = NULL;
		x.n_pend = 0;
		r = write_index(&x, all, ELEMENTSOF(all), false);
		for (size_t i = 0; i < x.n_pend; i++) { /* the index's own batch, committed */
			free(x.pend[i].ns);
			free(x.pend[i].tmp);
			free(x.pend[i].final);
		}
		free(x.pend);
		x.pend = saved;
		x.n_pend = n_saved;
		if (r < 0) {
			abort_pending(&x);
			goto out;
		}
	}
	r = commit_pending(&x);
	if (r < 0)
		goto out;
	record_idents(&x);
	for (size_t i = 0; i < x.n_old; i++) {
		struct entry *e = &x.old[i];
		if (!e->path || e->moved || set_has_path(&x, e->path))
			continue;
		remove_profile(&x, e);
	}
	{
		struct elist now[] = { { x.now, x.n_now }, { kept, n_kept } };
		r = write_index(&x, now, ELEMENTSOF(now),
				x.n_carried == x.n_now && x.n_carried == x.n_old_by_path &&
					n_kept == 0);
		if (r < 0)
			goto out;
	}
	res->n_kept = n_kept + x.n_kept_bind;
	res->n_policies = x.n_pols;
	r = memo_keep(&x);
	if (r < 0)
		goto out;

	/* Publish what is installed and what was rejected. */
	{
		struct entry *all = reallocarray(x.now, x.n_now + n_kept + 1, sizeof(*all));
		if (!all) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(all + x.n_now, kept, n_kept * sizeof(*kept));
		entries_free(rc->installed, rc->n_installed);
		rc->installed = all;
		rc->n_installed = x.n_now + n_kept;
		rc->have_state = true;
		x.now = NULL;
		x.n_now = 0;
		free(kept);
		kept = NULL;
		n_kept = 0;
		rejections_free(rc->rejected, rc->n_rejected);
		rc->rejected = x.rej;
		rc->n_rejected = x.n_rej;
		x.rej = NULL;
		x.n_rej = 0;
	}
	r = 0;
out:
	/* Before the files go: parsed_free walks x.n_files of them. */
	parsed_free(&x);
	/* The files judged so far are the cache of the next pass (texts are not kept). */
	for (size_t i = 0; i < x.n_files; i++)
		for (size_t k = 0; k < x.files[i].n_docs; k++) {
			free(x.files[i].docs[k].text);
			x.files[i].docs[k].text = NULL;
			x.files[i].docs[k].text_taken = false;
		}
	cache_free(rc->cache, rc->n_cache);
	rc->cache = TAKE_PTR(x.files);
	rc->n_cache = x.n_files;
	x.n_files = 0;
	/* Paths are collected sorted per directory, and a directory's files come before its
	 * subdirectories' only per level: sort for the look-ups. */
	sort(rc->cache, rc->n_cache, sizeof(*rc->cache), cmp_cfile_sort);
	/* An unfinished pass: the index on disk (a superset of old and new) is the truth. */
	if (r < 0)
		rc->have_state = false;
	entries_free(kept, n_kept);
	run_free(&x);
	return r;
}

int sc_reconciler_json(const struct sc_reconciler *r, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("{\"root\": ", f);
	json_str(f, r->root_path);
	fputs(", \"installed\": [", f);
	for (size_t i = 0; i < r->n_installed; i++) {
		const struct entry *e = &r->installed[i];
		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"path\": ", f);
		json_str(f, e->path);
		fprintf(f, ", \"size\": %zu, \"kept\": %s", e->size, e->kept ? "true" : "false");
		for (size_t k = 0; k < e->n_pols; k++)
			if (strncmp(e->pols[k], "SeccompBinding/", 15) == 0) {
				/* "Kind/name" of the workload, in its namespace */
				const char *kn = e->pols[k] + 15, *sl = strchr(kn, '/');
				fprintf(f, ", \"workload\": {\"namespace\": ");
				json_str(f, e->ns);
				fprintf(f,
					", \"kind\": \"%.*s\", \"name\": ", sl ? (int)(sl - kn) : 0,
					kn);
				json_str(f, sl ? sl + 1 : kn);
				fprintf(f, "}, \"fallback\": %s", e->fallback ? "true" : "false");
			}
		fputs(", \"policies\": [", f);
		for (size_t k = 0; k < e->n_pols; k++) {
			fputs(k ? ", " : "", f);
			json_str(f, e->pols[k]);
		}
		fputs("], \"files\": [", f);
		for (size_t k = 0; k < e->n_files; k++) {
			fputs(k ? ", " : "", f);
			json_str(f, e->files[k]);
		}
		fputs("]}", f);
	}
	fputs(r->n_installed ? "\n], \"rejected\": [" : "], \"rejected\": [", f);
	for (size_t i = 0; i < r->n_rejected; i++) {
		const struct rejection *x = &r->rejected[i];
		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"file\": ", f);
		json_str(f, x->file);
		fputs(", \"reason\": ", f);
		json_str(f, reason_names[x->reason]);
		fputs(", \"message\": ", f);
		json_str(f, x->message);
		fputs("}", f);
	}
	fputs(r->n_rejected ? "\n]}" : "]}", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
