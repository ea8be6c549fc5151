/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's reconcile: opening the root and one pass of it, policies directory ->
 * profiles under the kubelet's seccomp root, judged per file, installed in one batch (temp
 * files, one syncfs, renames), pruned by the previous index. See reconcile.h for the rules. */
#include <poll.h>
#include <sys/file.h>

#include "agent/reconcile-internal.h"

/* ---- opening the root -------------------------------------------------------------- */

static bool is_our_tmp(const char *name)
{
	size_t n = strlen(name), k = strlen(TMP_SUFFIX);
	return name[0] == '.' && n > k && streq(name + n - k, TMP_SUFFIX);
}

/* A listing of 'dirfd' (its own fd: readdir must not move the caller's), or NULL. */
static DIR *opendir_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		(void)close(fd);
	return d;
}

/* Remove the temp files an interrupted run (kill -9) left in 'dirfd'. */
static void clean_tmps(int dirfd)
{
	DIR *d = opendir_at(dirfd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (is_our_tmp(de->d_name))
			(void)unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static void clean_all_tmps(int root_fd)
{
	DIR *d = opendir_at(root_fd);
	struct dirent *de;

	if (!d)
		return;
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

/* The directory 'name' in 'dirfd', never through a symlink: the fd, -ELOOP for a symlink
 * (O_DIRECTORY alone would say ENOTDIR), or -errno. */
static int open_dir_nofollow(int dirfd, const char *name)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* Two agents on one root (a DaemonSet's rolling update, a debug run beside the pod) take
 * turns: a pass, and the cleaning at start, hold an exclusive lock on <root>/.tmp (0700: only
 * the node's root can take it), so neither removes the other's temp files in flight nor
 * writes the index over a pass under way. A holder that never lets go (not a pass: one
 * takes seconds) is waited for LOCK_WAIT_MS, then the pass goes on without it. */
#define LOCK_WAIT_MS 30000

static int root_lock(struct sc_reconciler *rc)
{
	if (rc->tmp_fd < 0)
		return 0;
	for (unsigned ms = 0; flock(rc->tmp_fd, LOCK_EX | LOCK_NB) < 0; ms += 10) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return 0;
		if (ms >= LOCK_WAIT_MS) {
			rc_logf(rc, "warn",
				"event=lock-busy path=%s/%s msg=\"another process has held the "
				"root's lock for %u s: going on without it\"",
				rc->root_path, TMP_DIR, LOCK_WAIT_MS / 1000);
			return 0;
		}
		if (rc->o.cancel && rc->o.cancel(rc->o.userdata))
			return -ECANCELED;
		(void)poll(NULL, 0, 10); /* poll: a call the agent's profile allows */
	}
	rc->locked = true;
	return 0;
}

static void root_unlock(struct sc_reconciler *rc)
{
	if (rc->locked)
		(void)flock(rc->tmp_fd, LOCK_UN);
	rc->locked = false;
}

/* <root>/.tmp as it is now: the one held open was removed or replaced (the directory is the
 * agent's, but the root may be writable by others), and temp files made in a removed
 * directory cannot be renamed into place: every write of every later pass would fail. */
static void reopen_tmp_dir(struct sc_reconciler *rc)
{
	struct stat held, now;

	if (rc->tmp_fd >= 0 && (fstat(rc->tmp_fd, &held) < 0 ||
				fstatat(rc->root_fd, TMP_DIR, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
				held.st_ino != now.st_ino || held.st_dev != now.st_dev)) {
		(void)close(rc->tmp_fd);
		rc->tmp_fd = -1;
	}
	if (rc->tmp_fd < 0)
		rc->tmp_fd = rc_open_tmp_dir(rc->root_fd);
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
	/* The seccomp dir is the kubelet's (it may be a mount point); a symlink there would
	 * take every write anywhere on the node (seccomp -> /etc), so neither it nor the root
	 * below it is followed: -ELOOP. */
	if (mkdirat(kfd, "seccomp", 0755) < 0 && errno != EEXIST)
		return -errno;
	sfd = open_dir_nofollow(kfd, "seccomp");
	if (sfd < 0)
		return sfd;
	if (mkdirat(sfd, root, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->o.root = NULL;
	r->tmp_fd = -1;
	(void)pthread_mutex_init(&r->log_flag_lock, NULL);
	(void)snprintf(r->root_name, sizeof(r->root_name), "%s", root);
	r->root_fd = open_dir_nofollow(sfd, root);
	if (r->root_fd < 0) {
		int e = r->root_fd;
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
	/* Failing (a read-only root), each pass tries again; until then writes fail. */
	r->tmp_fd = rc_open_tmp_dir(r->root_fd);
	/* Temp files beside the profiles are an earlier version's (or the index's); those in
	 * .tmp a killed pass's. Not another agent's pass's in flight: under the lock. */
	(void)root_lock(r);
	clean_all_tmps(r->root_fd);
	rc_empty_tmp_dir(r->tmp_fd);
	root_unlock(r);
	*ret = r;
	return 0;
}

struct sc_reconciler *sc_reconciler_free(struct sc_reconciler *r)
{
	if (!r)
		return NULL;
	if (r->root_fd >= 0)
		(void)close(r->root_fd);
	if (r->tmp_fd >= 0)
		(void)close(r->tmp_fd);
	rc_entries_free(r->installed, r->n_installed);
	rc_rejections_free(r->rejected, r->n_rejected);
	rc_cache_free(r->cache, r->n_cache);
	free(r->mcache);
	(void)pthread_mutex_destroy(&r->log_flag_lock);
	free(r->policies_dir);
	free(r->root_path);
	free(r);
	return NULL;
}

size_t sc_reconciler_n_installed(const struct sc_reconciler *r)
{
	return r->n_installed;
}

bool sc_reconciler_duplicate(const struct sc_reconciler *r, size_t i, const char **ret_file,
			     const char **ret_kept)
{
	for (size_t k = 0; k < r->n_rejected; k++) {
		if (!r->rejected[k].other || i-- > 0)
			continue;
		*ret_file = r->rejected[k].file;
		*ret_kept = r->rejected[k].other;
		return true;
	}
	return false;
}

bool sc_reconciler_rejection(const struct sc_reconciler *r, size_t i, const char **ret_file,
			     enum sc_reject_reason *ret_reason, const char **ret_message)
{
	if (i >= r->n_rejected)
		return false;
	*ret_file = r->rejected[i].file;
	*ret_reason = r->rejected[i].reason;
	*ret_message = r->rejected[i].message;
	return true;
}

bool sc_reconciler_failure(const struct sc_reconciler *r, const char **ret_what,
			   const char **ret_path)
{
	if (!r || !r->fail_what)
		return false;
	*ret_what = r->fail_what;
	*ret_path = r->fail_path;
	return true;
}

/* What a pass was doing when it failed (sc_reconciler_failure). */
enum stage {
	STAGE_INDEX,
	STAGE_OPEN_POLICIES,
	STAGE_LIST_POLICIES,
	STAGE_INSTALL,
};

/* Note what failed and where, for the log line and --once's message; forget it after a pass
 * that did not fail. */
static void note_failure(struct sc_reconciler *rc, enum stage stage, int r)
{
	static const char *const what[] = {
		[STAGE_INDEX] = "cannot read the index",
		[STAGE_OPEN_POLICIES] = "cannot open the policies directory",
		[STAGE_LIST_POLICIES] = "cannot list the policies directory",
		[STAGE_INSTALL] = "cannot install the profiles under",
	};

	rc->fail_what = NULL;
	if (r >= 0 || r == -ECANCELED || r == -EAGAIN)
		return;
	rc->fail_what = r == -ENOMEM ? "out of memory" : what[stage];
	(void)snprintf(rc->fail_path, sizeof(rc->fail_path), "%s%s",
		       r == -ENOMEM ? ""
		       : stage == STAGE_OPEN_POLICIES || stage == STAGE_LIST_POLICIES
			       ? rc->policies_dir
			       : rc->root_path,
		       r != -ENOMEM && stage == STAGE_INDEX ? "/index.json" : "");
}

const char *sc_reconciler_root_path(const struct sc_reconciler *r)
{
	return r->root_path;
}

/* The files judged this pass (so far) become the cache of the next (texts and temp files
 * are not kept). Before they go, the parsed documents (rc_parsed_free walks x->n_files). */
static void files_to_cache(struct run *x)
{
	struct sc_reconciler *rc = x->r;

	rc_parsed_free(x);
	for (size_t i = 0; i < x->n_files; i++)
		for (size_t k = 0; k < x->files[i].n_docs; k++) {
			rc_prewritten_drop(x, &x->files[i].docs[k]);
			free(x->files[i].docs[k].text);
			x->files[i].docs[k].text = NULL;
			x->files[i].docs[k].text_taken = false;
		}
	rc_cache_free(rc->cache, rc->n_cache);
	rc->cache = TAKE_PTR(x->files);
	rc->n_cache = x->n_files;
	x->n_files = 0;
	/* Paths are collected sorted per directory, and a directory's files come before its
	 * subdirectories' only per level: sort for the look-ups. */
	rc_sort(rc->cache, rc->n_cache, sizeof(*rc->cache), rc_cmp_cfile_sort);
}

/* The index before the renames, then the renames; meanwhile, on a thread of its own, the
 * final index is emitted (installed once every rename landed: *ret_early_valid; else emitted
 * again, as it is then), beside the first index's emission while the renames wait for it. */
static int commit(struct run *x, struct entry *kept, size_t n_kept, bool *ret_early_valid)
{
	struct elist now[] = { { x->now, x->n_now }, { kept, n_kept } };
	size_t not_updated = x->res->n_not_updated;
	int r;

	/* Before any profile lands, the index names both old and new paths: an interruption
	 * anywhere below leaves nothing the next run cannot account for. */
	if (x->n_pend && x->new_paths) {
		struct elist all[] = { { x->now, x->n_now },
				       { x->old, x->n_old },
				       { kept, n_kept } };
		rc_index_early_start(x, now, ELEMENTSOF(now));
		r = rc_write_index(x, all, ELEMENTSOF(all), false);
		/* No room for the index (disk full, read-only): no new path may land. */
		if (rc_per_file_error(r)) {
			rc_index_early_join(x); /* it reads what rc_not_updated writes */
			rc_drop_new_paths(x, r);
			r = 0;
		}
		if (r < 0) {
			rc_abort_pending(x);
			return r;
		}
	}
	r = rc_commit_renames(x);
	if (x->n_pend)
		rc_index_early_join(
			x); /* it reads the entries' hashes: rc_commit_results writes them */
	r = rc_commit_results(x, r);
	*ret_early_valid = r == 0 && x->res->n_not_updated == not_updated;
	return r;
}

/* A bound workload's profile that no binding names any more (its bindings file deleted,
 * emptied of it, or written again by a `bind` of other manifests) stays as it is: a pod that
 * references it reads it at every container start, on any node, and the agent cannot see
 * pods. It is kept while its file is there (listed in the index as kept; a file deleted by
 * hand is forgotten), said once when it loses its binding. */
static bool unbound_kept(struct run *x, const struct entry *e)
{
	char b1[600];
	struct stat st;
	bool bound = e->workload ||
		     (e->n_pols && strncmp(e->pols[e->n_pols - 1], "SeccompBinding/", 15) == 0);

	if (!e->path || e->moved || !bound || rc_set_has_path(x, e->path))
		return false;
	if (fstatat(x->r->root_fd, e->path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (!e->kept)
		rc_logf(x->r, "warn",
			"event=unbound-kept path=%s msg=\"no binding names this workload's profile "
			"any more: kept as it is, since its pods read it at every start and the "
			"agent cannot see pods; bind the workload again, or remove the file by "
			"hand on each node once no pod references it\"",
			rc_logval(e->path, b1, sizeof(b1)));
	return true;
}

/* The start of a pass: the root's lock taken. Another agent wrote the index since (it holds
 * what that one installed): what this one remembers is no longer what is on disk, so the
 * index and the state are read again, not refused as a stranger's files. */
static int begin_pass(struct sc_reconciler *rc)
{
	struct entry now = {};
	int r;

	reopen_tmp_dir(rc);
	r = root_lock(rc);
	if (r < 0 || !rc->have_state || !rc->index.has_ident)
		return r;
	rc_ident_of(rc->root_fd, INDEX_NAME, &now);
	if (!rc_same_ident(&now, &rc->index)) {
		rc_entries_free(rc->installed, rc->n_installed);
		rc->installed = NULL;
		rc->n_installed = 0;
		rc->have_state = false;
		rc->index = (struct entry){};
	}
	return 0;
}

/* Old entries of rejected files ('rej') stay (last good), unless a good set now owns the
 * path; so do bound workloads' profiles no binding names any more (unbound_kept). They move
 * to *ret (never NULL after success), out of x->old. */
static int keep_old(struct run *x, char **rej, size_t n_rej, struct entry **ret, size_t *ret_n)
{
	struct entry *kept = NULL;
	size_t n_kept = 0;

	for (size_t i = 0; i < x->n_old; i++) {
		struct entry *e = &x->old[i];
		struct set *s;
		bool keep = false, unbound = false;
		for (size_t k = 0; n_rej && e->path && k < e->n_files && !keep; k++)
			keep = rc_path_in(rej, n_rej, e->files[k]);
		if (!keep && !(unbound = unbound_kept(x, e)))
			continue;
		/* A bound workload's path: its set keeps what is there (install). */
		s = rc_set_at_path(x, e->path);
		if (s && s->bind)
			s->keep = true;
		if (s)
			continue;
		if (!kept && !(kept = calloc(x->n_old, sizeof(*kept))))
			return -ENOMEM;
		kept[n_kept] = *e;
		kept[n_kept].kept = true;
		kept[n_kept].size = rc_file_size_at(x->r->root_fd, e->path);
		*e = (struct entry){};
		n_kept++;
		x->res->n_unbound_kept += unbound;
	}
	if (!kept && !(kept = calloc(1, sizeof(*kept))))
		return -ENOMEM;
	*ret = kept;
	*ret_n = n_kept;
	return 0;
}

int sc_reconcile(struct sc_reconciler *rc, struct sc_reconcile_result *res)
{
	struct run x = { .r = rc,
			 .res = res,
			 .top_fd = -1,
			 .data_fd = -1,
			 .pid = getpid(), /* in the temp files' names, 20,000 times a pass */
			 .parse_lock = PTHREAD_MUTEX_INITIALIZER };
	struct entry *kept = NULL;
	enum stage stage = STAGE_INDEX;
	cleanup_free char **rej = NULL;
	size_t n_kept = 0, n_rej = 0;
	bool early_valid = false;
	int r;

	*res = (struct sc_reconcile_result){};
	r = begin_pass(rc);
	if (r < 0)
		goto out;
	/* What the previous pass installed is the old index; the file is read at the first
	 * pass only (adopting what an earlier run wrote). */
	if (rc->have_state) {
		x.old = TAKE_PTR(rc->installed);
		x.n_old = rc->n_installed;
		rc->n_installed = 0;
		rc->have_state = false;
		x.have_old = true;
	} else {
		r = rc_read_previous(&x);
		if (r < 0)
			goto out;
	}
	stage = STAGE_OPEN_POLICIES;
	x.top_fd = open(rc->policies_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.top_fd < 0) {
		r = -errno;
		goto out;
	}
	x.top_len = strlen(rc->policies_dir) + 1;
	/* A ConfigMap volume: the key set is the payload's ..data points to now, and its keys
	 * are read there (one directory fd for the whole pass: one payload). */
	x.data_fd = rc_open_beneath(x.top_fd, "..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	stage = STAGE_LIST_POLICIES;
	r = rc_collect(&x, rc->policies_dir, 0);
	if (r < 0)
		goto out;
	stage = STAGE_INSTALL;
	x.files = calloc(x.n_paths ? x.n_paths : 1, sizeof(*x.files));
	x.rejected = calloc(x.n_paths ? x.n_paths : 1, sizeof(*x.rejected));
	if (!x.files || !x.rejected) {
		r = -ENOMEM;
		goto out;
	}
	/* The loaders look up what the last pass installed (rc_text_wanted); rebuilt below once
	 * the entries kept for rejected files are taken out. */
	r = rc_index_old(&x);
	if (r < 0)
		goto out;
	r = rc_load_all(&x);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < x.n_files; i++)
		if (x.files[i].reason >= 0) {
			r = rc_reject_msg(&x, i, (enum sc_reject_reason)x.files[i].reason,
					  x.files[i].message ? x.files[i].message : "rejected");
			if (r < 0)
				goto out;
		}
	r = rc_gather_pols(&x);
	if (r < 0)
		goto out;
	r = rc_reject_duplicates(&x);
	if (r < 0)
		goto out;
	r = rc_sets_without_conflicts(&x);
	if (r < 0)
		goto out;
	res->n_sets = x.n_sets;

	/* Old entries of rejected files stay (last good), unless a good set now owns the path. */
	r = rc_rejected_paths(&x, &rej, &n_rej);
	if (r < 0)
		goto out;
	r = keep_old(&x, rej, n_rej, &kept, &n_kept);
	if (r < 0)
		goto out;
	r = rc_index_old(&x);
	if (r < 0)
		goto out;

	x.n_kept_room = n_kept;
	r = rc_install(&x);
	if (r < 0) {
		rc_abort_pending(&x);
		goto out;
	}
	rc_log_flush(rc); /* the event=install lines, before the sync and the renames */
	if (rc_cancelled(&x)) {
		rc_abort_pending(&x);
		r = -ECANCELED;
		goto out;
	}
	r = commit(&x, kept, n_kept, &early_valid);
	if (r < 0)
		goto out;
	rc_record_idents(&x);
	for (size_t i = 0; i < x.n_old; i++) {
		struct entry *e = &x.old[i];
		if (!e->path || e->moved || rc_set_has_path(&x, e->path))
			continue;
		rc_remove_profile(&x, e);
	}
	{
		struct elist now[] = { { x.now, x.n_now }, { kept, n_kept } };
		r = rc_index_early_finish(&x, early_valid);
		if (r == 1)
			r = rc_write_index(&x, now, ELEMENTSOF(now),
					   x.n_carried == x.n_now &&
						   x.n_carried == x.n_old_by_path && n_kept == 0);
		/* The index on disk names all that is installed and maybe more (removed or
		 * never landed): safe; the next pass writes it again. Reported, not fatal. */
		if (rc_per_file_error(r)) {
			if (!res->install_err)
				res->install_err = r;
			r = 0;
		} else if (r == 0) {
			x.index_done = true;
		}
		if (r < 0)
			goto out;
	}
	res->n_kept = n_kept + x.n_kept_bind;
	res->n_policies = x.n_pols;
	r = rc_memo_keep(&x);
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
		rc_entries_free(rc->installed, rc->n_installed);
		rc->installed = all;
		rc->n_installed = x.n_now + n_kept;
		rc->have_state = true;
		x.now = NULL;
		x.n_now = 0;
		free(kept);
		kept = NULL;
		n_kept = 0;
		rc_rejections_free(rc->rejected, rc->n_rejected);
		rc->rejected = x.rej;
		rc->n_rejected = x.n_rej;
		x.rej = NULL;
		x.n_rej = 0;
	}
	r = 0;
out:
	files_to_cache(&x);
	/* Kept for a restart only when the index on disk is this pass's. */
	if (r == 0 && x.index_done)
		rc_state_save(rc);
	/* An unfinished pass: the index on disk (a superset of old and new) is the truth. */
	if (r < 0)
		rc->have_state = false;
	note_failure(rc, stage, r);
	rc_entries_free(kept, n_kept);
	rc_run_free(&x);
	root_unlock(rc);
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
	sc_json_text(f, r->root_path);
	fputs(", \"installed\": [", f);
	for (size_t i = 0; i < r->n_installed; i++) {
		const struct entry *e = &r->installed[i];
		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"path\": ", f);
		sc_json_text(f, e->path);
		fprintf(f, ", \"size\": %zu, \"kept\": %s", e->size, e->kept ? "true" : "false");
		if (e->stale)
			fputs(", \"stale\": true", f);
		for (size_t k = 0; k < e->n_pols; k++)
			if (strncmp(e->pols[k], "SeccompBinding/", 15) == 0) {
				/* "Kind/name" of the workload, in its namespace */
				const char *kn = e->pols[k] + 15, *sl = strchr(kn, '/');
				fprintf(f, ", \"workload\": {\"namespace\": ");
				sc_json_text(f, e->ns);
				fprintf(f,
					", \"kind\": \"%.*s\", \"name\": ", sl ? (int)(sl - kn) : 0,
					kn);
				sc_json_text(f, sl ? sl + 1 : kn);
				fprintf(f, "}, \"fallback\": %s", e->fallback ? "true" : "false");
			}
		fputs(", \"policies\": [", f);
		for (size_t k = 0; k < e->n_pols; k++) {
			fputs(k ? ", " : "", f);
			sc_json_text(f, e->pols[k]);
		}
		fputs("], \"files\": [", f);
		for (size_t k = 0; k < e->n_files; k++) {
			fputs(k ? ", " : "", f);
			sc_json_text(f, e->files[k]);
		}
		fputs("]}", f);
	}
	fputs(r->n_installed ? "\n], \"rejected\": [" : "], \"rejected\": [", f);
	for (size_t i = 0; i < r->n_rejected; i++) {
		const struct rejection *x = &r->rejected[i];
		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"file\": ", f);
		sc_json_text(f, x->file);
		fputs(", \"reason\": ", f);
		sc_json_text(f, sc_reject_reason_to_string(x->reason));
		fputs(", \"message\": ", f);
		sc_json_text(f, x->message);
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

void rc_run_free(struct run *x)
{
	(void)rc_index_early_finish(x, false);
	sc_batch_free(x->batch);
	free(x->pend);
	rc_run_free_sets(x);
	rc_parsed_free(x);
	rc_memo_free(x);
	pthread_mutex_destroy(&x->parse_lock);
	free(x->pols);
	free(x->probes);
	rc_cache_free(x->files, x->n_files);
	free(x->rejected);
	for (size_t i = 0; i < x->n_paths; i++)
		free(x->paths[i]);
	free(x->paths);
	free(x->olds);
	free(x->vias);
	if (x->top_fd >= 0)
		(void)close(x->top_fd);
	if (x->data_fd >= 0)
		(void)close(x->data_fd);
	rc_rejections_free(x->rej, x->n_rej);
	free(x->old_by_path);
	rc_entries_free(x->old, x->n_old);
	rc_entries_free(x->now, x->n_now);
}
