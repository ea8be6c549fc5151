/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seams between the files of the agent's reconcile (reconcile.c, reconcile-state.c,
 * reconcile-read.c, pool.c, reconcile-sets.c, index.c, reconcile-write.c): the reconciler's
 * and a pass's state, and the functions one file calls in another. Internal to src/agent/. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "syscage/binding.h"
#include "base/json.h"
#include "base/batch.h"
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
#define TMP_DIR	    ".tmp" /* <root>/.tmp/: the profiles' temp files, emptied at start */
#define INDEX_NAME  "index.json"
#define MAX_INDEX   (64u << 20)
#define SMALL_BATCH 16
#define LOAD_BUF    65536 /* per loading thread: policies are a few hundred bytes */

/* A profile this agent installed: what /profiles lists and the next index keeps. */
struct entry {
	char *ns, *name, *path;
	char **files; /* policy files it came from */
	char **pols;  /* "Kind/name" of each policy */
	size_t n_files, n_pols;
	size_t size;
	/* What was installed: content hash and the file's identity after the write, so the
	 * next pass can tell "unchanged" from a stat. The inode change time is part of it: a
	 * write in place with the mtime put back (utimensat) keeps inode, size and mtime, but
	 * no one can set the ctime. */
	uint64_t hash;
	ino_t ino;
	int64_t mtime_ns, ctime_ns;
	bool has_ident, need_ident;
	bool kept;		 /* kept for a rejected file */
	bool workload, fallback; /* a bound workload's; no policy selects it (RuntimeDefault) */
	bool moved;  /* its strings now belong to the next pass's entry (shared, not freed) */
	bool stale;  /* not updated this pass (disk full, read-only...): the file holds its last
		      * good version, or is missing when it is new */
	bool packed; /* one block at pols (rc_entry_pack) */
};

struct rejection {
	char *file;
	enum sc_reject_reason reason;
	char *message;
	char *other; /* a duplicate's: the file whose policy stays */
};

struct sc_reconciler {
	struct sc_reconcile_opts o;
	char *policies_dir;
	char *root_path;
	int root_fd;
	int tmp_fd; /* TMP_DIR: temp files never sit among the profiles the kubelet reads */
	struct entry *installed;
	size_t n_installed;
	struct rejection *rejected;
	size_t n_rejected;
	unsigned tmp_seq;
	bool have_state;     /* installed = what the index on disk says */
	bool locked;	     /* the root's lock is held (a pass, the cleaning at start) */
	struct cfile *cache; /* the policy files of the last pass, sorted by path */
	size_t n_cache;
	struct entry index;  /* hash and identity of the index last written or read */
	char root_name[64];  /* the root's name below <kubelet-root>/seccomp */
	struct mkey *mcache; /* merged sets' content by their members' key, from the last pass */
	size_t n_mcache;
	bool no_noatime;    /* O_NOATIME refused (not the files' owner, no CAP_FOWNER) */
	uint64_t state_key; /* what the judgements in <root>/.state hold for (0: none kept) */
	struct entry state; /* hash and identity of the .state file last written or read */
	/* state_key is computed (rc_state_key_now); o.no_log_flag is the answer (atomic,
	 * rc_no_log_flag, under log_flag_lock) */
	bool state_key_known, log_flag_known;
	pthread_mutex_t log_flag_lock;
	/* Why the last pass failed: what it was doing (static text, NULL: it did not fail) and
	 * on which path (sc_reconciler_failure). */
	const char *fail_what;
	char fail_path[PATH_MAX];
};

#define TEXT_BUDGET (2u << 20) /* profiles kept from parse to write; beyond, parsed again */
#define HASH64_INIT SC_FNV64_INIT
#define POOL_THREADS \
	4 /* reading and writing are mostly the kernel's path walks: more helps little */

/* One document of a policy file, as judged: enough to group it and to know its output
 * without parsing the file again. */
struct cdoc {
	char *ns, *name, *key; /* key: canonical selector, or "\1<format> ns name" */
	int format;
	bool selects;
	bool baseline;
	bool text_taken;    /* a write job has 'text' (and frees it): the next makes its own */
	unsigned tmp_seq1;  /* 1 + the sequence number of its temp file, written by the loader
			     * (rc_prewrite): the write job renames it; 0: none */
	uint64_t text_hash; /* of its profile when it is a set of its own */
	size_t text_len;
	char *text; /* that profile, kept while this pass may write it (within a budget) */
};

/* A policy file: content hash, judgement. Kept across passes, so a file with the same
 * content is not parsed again. */
struct cfile {
	char *path;
	uint64_t hash;
	bool via_data; /* a key of the payload ..data points to, read there */
	int reason;    /* -1: accepted; else the enum sc_reject_reason it was rejected for */
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

/* What the agent keeps of an item of its batch (x->batch, same index). */
struct pending {
	size_t entry1; /* 1 + its entry in x->now */
	bool new_path; /* the old index does not name it */
	bool dropped;  /* taken out before the commit (rc_drop_new_paths) */
};

struct probe {
	ino_t ino;
	int64_t mtime_ns, ctime_ns;
	uint32_t size;
	bool ok;
};

struct run {
	struct sc_reconciler *r;
	struct sc_reconcile_result *res;
	pid_t pid;	     /* getpid(), for the temp files' names */
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
	size_t n_old, cap_old;
	struct entry **old_by_path;
	size_t n_old_by_path;
	bool have_old;
	struct entry *now; /* what this pass installs, then the new index */
	size_t n_now;
	struct sc_batch *batch; /* the profiles' temp files, to be committed */
	size_t b_tmp, b_root;	/* its directories: TMP_DIR and the root */
	struct pending *pend;	/* per item of the batch */
	size_t n_pend, cap_pend;
	size_t text_bytes;
	char **paths;	     /* collected policy file paths: NULL where olds[i] has it */
	struct cfile **olds; /* per path: last pass's entry for it (in the cache), or NULL */
	bool *vias;	     /* per path: a key of the payload (read below data_fd) */
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
	bool new_paths;		   /* a profile is written where the old index named none, or over
				    * one whose content the old index recorded */
	size_t n_kept_room;	   /* entries kept for rejected files, published after 'now' */
	bool index_done;	   /* the index on disk is the one of this pass's entries */
	struct index_early *early; /* the index emitted beside the renames (index.c) */
};

/* What one thread keeps while it works through its chunks. */
struct worker {
	struct pool *pool;
	bool main;	/* the caller's thread: the only one that polls cancel() */
	char *buf;	/* LOAD_BUF bytes, when the pool asks for it */
	const char *ns; /* the namespace whose directory is open in fd */
	int fd;
};

/* n items, handed out in chunks of POOL_CHUNK to up to POOL_THREADS threads, the caller's
 * included. An item that fails stops them all; the pool's error is the first. */
#define POOL_CHUNK 32
struct pool {
	struct run *x;
	size_t n, next; /* next: atomic */
	int err;	/* atomic */
	bool want_buf, cancellable;
	bool light; /* its items are mostly no work: this thread alone (no thread start) */
	int (*one)(struct worker *w, size_t i);
	void *data;
};

/* The index in the policy build's shape (sets with namespace, name, path, policies), from
 * up to three lists of entries (entries without a path are skipped). */
struct elist {
	const struct entry *v;
	size_t n;
};

/* reconcile-state.c */
/* A file's identity (inode, size, mtime, ctime): what tells an installed file unchanged. */
void rc_set_ident(struct entry *e, const struct stat *st);
bool rc_same_ident(const struct entry *now, const struct entry *then);
void rc_ident_of(int dirfd, const char *name, struct entry *e);
int rc_open_ns(struct run *x, const char *ns, bool create);
/* As rc_open_ns; *ret_made (may be NULL): whether this call made the directory (it was
 * empty then). */
int rc_make_ns(struct run *x, const char *ns, bool create, bool *ret_made);
void rc_logf(struct sc_reconciler *r, const char *level, const char *fmt, ...) _printf_(3, 4);
/* A line made already (rc_logf's without the format). */
void rc_log_line(struct sc_reconciler *r, const char *level, const char *line);
/* o.no_log_flag, asked of o.no_log_flag_wait the first time (it may wait): any thread. */
bool rc_no_log_flag(struct sc_reconciler *rc);
/* The lines so far out of the sink that holds them (reconcile.h: log_flush). */
void rc_log_flush(struct sc_reconciler *r);
const char *rc_logval(const char *s, char *buf, size_t size);
void rc_entry_clear(struct entry *e);
void rc_entries_free(struct entry *v, size_t n);
int rc_entry_pack(struct entry *e, const char *ns, const char *name, size_t name_len,
		  const char *path, size_t n,
		  bool (*member)(const void *ud, size_t k, char *pk, const char **file),
		  const void *ud);
void rc_rejections_free(struct rejection *v, size_t n);
int rc_strv_add(char ***v, size_t *n, const char *s);
void rc_sort_r(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
	       void *ud);
void rc_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));
int rc_cmp_str(const void *a, const void *b);
void rc_cfile_clear(struct cfile *c);
void rc_cache_free(struct cfile *v, size_t n);
uint64_t rc_hash64_feed(uint64_t h, const void *data, size_t n);
uint64_t rc_hash64_end(uint64_t h, size_t total);
uint64_t rc_hash64(const void *data, size_t n);
void rc_run_free_sets(struct run *x);
void rc_run_free(struct run *x);
bool rc_cancelled(struct run *x);
int rc_add_rejection(struct run *x, size_t fi, enum sc_reject_reason why, const char *m, bool mark);
int rc_reject_msg(struct run *x, size_t fi, enum sc_reject_reason why, const char *m);
int rc_reject(struct run *x, size_t fi, enum sc_reject_reason why, const char *fmt, ...)
	_printf_(4, 5);

/* reconcile-read.c */
int rc_collect(struct run *x, const char *dir, unsigned depth);
int rc_judge(struct sc_profile *p, const char *file, char *msg, size_t size);
int rc_set_profile_text(struct sc_reconciler *rc, const struct sc_profile *const *in, size_t n,
			bool fallback, size_t n_base, char **ret, char **removed, char *err,
			size_t errsize);
int rc_open_beneath(int dirfd, const char *rel, int flags);
int rc_read_policy(const struct run *x, const struct cfile *c, char **ret, size_t *ret_len,
		   uint64_t *ret_hash);
bool rc_text_wanted(const struct run *x, const struct cdoc *doc);
int rc_load_all(struct run *x);
struct cdoc *rc_pdoc(const struct run *x, const struct pol *p);
int rc_gather_pols(struct run *x);
int rc_reject_duplicates(struct run *x);

/* reconcile-text.c */
/* The profile text of a set of policy 'p' alone (rc_set_profile_text's, byte for byte), when
 * 'p' is simple enough for it: 1 and *ret (owned), 0 when it is not (the caller merges), or
 * -ENOMEM. */
int rc_one_policy_text(const struct sc_reconcile_opts *o, const struct sc_profile *p, char **ret);

/* pool.c */
int rc_worker_ns(struct worker *w, const char *ns);
unsigned rc_pool_size(const struct pool *p);
int rc_pool_run(struct pool *p);

/* reconcile-batch.c */
int rc_open_tmp_dir(int root_fd);
void rc_empty_tmp_dir(int fd);
int rc_tmp_name(const struct run *x, char *tmp, const char *ns, const char *final, unsigned seq);
int rc_create_tmp(struct run *x, const char *ns, const char *final, const char *data, size_t len,
		  char *tmp, unsigned *seq);
bool rc_prewrite(struct run *x, struct cdoc *doc, const char *text);
void rc_prewritten_drop(struct run *x, struct cdoc *doc);
bool rc_per_file_error(int r);
void rc_not_updated(struct run *x, struct entry *e, const char *path, int err);
int rc_add_pending(struct run *x, const char *ns, const char *tmp, const char *final, size_t entry1,
		   bool new_path);
void rc_abort_pending(struct run *x);
void rc_drop_new_paths(struct run *x, int err);
/* The pending temp files renamed into place (and the root synced): sc_batch_commit's result.
 * Then rc_commit_results: each failed one's entry not updated, the batch gone. */
int rc_commit_renames(struct run *x);
int rc_commit_results(struct run *x, int renames_r);

/* reconcile-sets.c */
int rc_cmp_set_path(const void *a, const void *b);
size_t *rc_smem(const struct run *x, const struct set *s);
/* Whether bound set 's' keeps what is installed at 'file' (in 'nsfd') rather than its new
 * content 'text': the new one is start-fatal and the installed one is not (logged as
 * event=start-fatal-kept, counted in res->n_fatal_kept). 1 keep, 0 write, -ENOMEM. */
int rc_start_fatal_keep(struct run *x, const struct set *s, int nsfd, const char *file,
			const char *text, size_t len);
int rc_sets_without_conflicts(struct run *x);
bool rc_recorded(const struct run *x, const char *path, uint64_t have);
bool rc_owned(const struct run *x, const struct entry *prev, int nsfd, const char *file,
	      bool on_disk, uint64_t have, uint64_t want);
int rc_reject_foreign(struct run *x, const struct set *s, bool changed);

/* index.c */
int rc_read_old_index(struct run *x);
struct sc_index_set;
int rc_adopt_set(struct run *x, const struct sc_index_set *s);
int rc_write_index(struct run *x, const struct elist *lists, size_t n_lists, bool same);
/* The index of 'lists' (at most two) as it will be once the pending profiles are renamed
 * into place, emitted into its temp file on a thread of its own while the index before the
 * renames is written, and the renames made (those are mostly the kernel's, one at a time
 * across directories): a CPU is free then. The lists must not change meanwhile but for the
 * entries' identities (need_ident, ino, times). */
void rc_index_early_start(struct run *x, const struct elist *lists, size_t n_lists);
/* Wait for it (before anything else touches the entries: rc_commit_results' not updated). */
void rc_index_early_join(struct run *x);
/* Install it when 'valid' (the renames all landed: the lists are as it took them), else drop
 * it: rc_write_index's result, or 1 when there was none to install (write it the usual way). */
int rc_index_early_finish(struct run *x, bool valid);
void rc_remove_profile(struct run *x, const struct entry *e);

/* reconcile-cache.c */
/* What the judgements and merged contents depend on besides the policy bytes (0: keep no
 * state), computed at the first call: it waits for rc_no_log_flag. The pass's thread. */
uint64_t rc_state_key_now(struct sc_reconciler *rc);
int rc_state_load(struct run *x);
int rc_read_previous(struct run *x);
void rc_state_save(struct sc_reconciler *rc);

/* reconcile-write.c */
bool rc_disk_hash(int dirfd, const char *name, uint64_t *ret, struct entry *e);
int rc_rejected_paths(const struct run *x, char ***ret, size_t *ret_n);
bool rc_path_in(char *const *v, size_t n, const char *path);
struct set *rc_set_at_path(const struct run *x, const char *path);
bool rc_set_has_path(const struct run *x, const char *path);
size_t rc_file_size_at(int dirfd, const char *path);
int rc_cmp_cfile_sort(const void *a, const void *b);
int rc_index_old(struct run *x);
int rc_cmp_entry_path(const void *a, const void *b);
struct entry *rc_old_entry(const struct run *x, const char *path);
void rc_parsed_free(struct run *x);
int rc_memo_keep(struct run *x);
void rc_memo_free(struct run *x);
int rc_install(struct run *x);
void rc_record_idents(struct run *x);
