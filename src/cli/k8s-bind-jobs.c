/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns k8s bind's work beside the manifests' (k8s-bind-jobs.h): the policies read and freed on
 * threads of their own, and the bindings file made on one, keeping the bindings another run
 * wrote there. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "k8s-bind-jobs.h"
#include "base/thread.h"
#include "sc-cleanup.h"

static void *policies_load(void *arg)
{
	struct policy_load *l = arg;

	l->r = sc_policy_load_dir(l->dir, &l->d, &l->b);
	return NULL;
}

void policies_start(struct policy_load *l, const char *dir, bool thread)
{
	l->dir = dir;
	if (!thread)
		return;
	l->started = sc_thread_create(&l->tid, policies_load, l) == 0;
}

/* The policies, once the manifests were read ('read': that read's result): read now without a
 * thread, their messages printed, *ret the build (l->r: sc_policy_load_dir's result). Returns
 * 'read': when it failed, the policies are dropped unsaid, as when they were read after. */
int policies_wait(struct policy_load *l, int read, struct sc_policy_build **ret)
{
	bool loaded = l->started;

	if (l->started) {
		(void)pthread_join(l->tid, NULL);
		l->started = false;
		/* What its reading freed stays in the thread's malloc arena, out of reach of
		 * this thread's allocations (0.5 MiB more at the peak): given back. */
		(void)malloc_trim(0);
	}
	if (read < 0) {
		sc_policy_build_freep(&l->b);
		sc_diags_clear(&l->d);
		return read;
	}
	if (!loaded)
		(void)policies_load(l);
	cli_print_diags(&l->d);
	sc_diags_clear(&l->d);
	*ret = TAKE_PTR(l->b);
	return 0;
}

static void *policies_free(void *arg)
{
	struct policy_load *l = arg;

	sc_policy_build_freep(&l->b);
	return NULL;
}

/* Nothing reads the policies once the workloads are matched (and the bindings to keep taken
 * from them, which hold no views into them): they are freed on a thread while
 * the manifests are bound (where one CPU has room), not on this one at the end. Joined by
 * policies_freed(). */
void policies_drop(struct policy_load *l, struct sc_policy_build *b, bool thread)
{
	l->b = b;
	l->started = thread && sc_thread_create(&l->tid, policies_free, l) == 0;
	if (!l->started)
		(void)policies_free(l);
}

void policies_freed(struct policy_load *l)
{
	if (l->started)
		(void)pthread_join(l->tid, NULL);
	l->started = false;
}

static void *bindings_make(void *arg)
{
	struct bindings_job *j = arg;

	j->r = sc_k8s_bindings_write_keep(j->files, j->nf, j->keep, j->n_keep, &j->kept,
					  pending_write, j->bp);
	if (j->r == 0)
		j->r = pending_finish(j->bp);
	/* The kept bindings' strings are the build's: it goes now, off the main thread. */
	sc_policy_build_freep(&j->build);
	return NULL;
}

void bindings_start(struct bindings_job *j, const char *path, unsigned jobs)
{
	j->open_r = -EAGAIN;
	if (!path || jobs < 2)
		return;
	j->open_r = pending_open_beside(j->bp, path);
	if (j->open_r == -EAGAIN) {
		pending_close(j->bp);
		*j->bp = (struct pending){ .fd = -1 };
	} else if (j->open_r == 0) {
		j->started = sc_thread_create(&j->tid, bindings_make, j) == 0;
		if (!j->started)
			(void)bindings_make(j);
	}
}

/* The bindings file complete: made on its thread, or now. Returns 0 or -errno. */
int bindings_finish(struct bindings_job *j, const char *path)
{
	if (j->started) {
		(void)pthread_join(j->tid, NULL);
		j->started = false;
		return j->r;
	}
	if (j->open_r != -EAGAIN)
		return j->open_r < 0 ? j->open_r : j->r;
	j->open_r = pending_open(j->bp, path);
	if (j->open_r < 0)
		return j->open_r;
	(void)bindings_make(j);
	return j->r;
}

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The bindings file among the policies (the documented place) was read with them: its
 * bindings are taken from the build (shallow copies into *ret, an array of its own), not
 * read and parsed a second time (10,000 bindings: 170 M instructions). False when no file
 * the policies came from is 'path'. */
static bool bindings_from_build(const struct sc_policy_build *b, const char *path,
				struct sc_binding **ret, size_t *ret_n)
{
	struct stat want, st;
	const char *last = NULL;
	bool same = false, found = false;
	size_t n = 0;

	if (stat(path, &want) < 0 || !S_ISREG(want.st_mode))
		return false;
	for (size_t i = 0; i < b->n_bindings; i++) {
		if (b->binding_files[i] != last) {
			last = b->binding_files[i];
			same = stat(last, &st) == 0 && st.st_dev == want.st_dev &&
			       st.st_ino == want.st_ino;
		}
		if (!same)
			continue;
		if (!found) {
			*ret = calloc(b->n_bindings - i, sizeof(**ret));
			if (!*ret)
				return false;
			found = true;
		}
		(*ret)[n++] = b->bindings[i];
	}
	*ret_n = n;
	return found;
}

/* The kept bindings on a path a workload of these manifests (another one) is bound to now
 * (sc_k8s_bindings_kept_conflicts): said. Returns EXIT_OK, EXIT_FINDINGS or an error. */
static int kept_conflicts(const struct bindings_job *j, const char *path)
{
	struct sc_diags d = {};
	int r = sc_k8s_bindings_kept_conflicts(j->files, j->nf, j->keep, j->n_keep, path, &d);

	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r == -ENOMEM)
		return cli_error("out of memory");
	return r < 0 ? EXIT_FINDINGS : EXIT_OK;
}

/* What the bindings file holds now, into j->keep: another run's bindings (other manifests)
 * stay. Not when it is the output file too (the commit says so). Returns EXIT_OK, or the exit
 * status once said. */
int bindings_keep(struct bindings_job *j, const char *path, bool replace, const char *out,
		  const struct sc_policy_build *b)
{
	struct sc_diags d = {};
	int r;

	if (!path || replace || same_file(path, out))
		return EXIT_OK;
	j->keep_views = bindings_from_build(b, path, &j->keep, &j->n_keep);
	if (!j->keep_views) {
		r = sc_bindings_load(path, &d, &j->keep, &j->n_keep);
		cli_print_diags(&d);
		sc_diags_clear(&d);
		if (r == -EINVAL)
			return cli_error(
				"nothing was written: %s is kept and merged into (the "
				"bindings of workloads not in these manifests stay); fix "
				"it, or pass --bindings-replace to write it anew with this "
				"run's bindings only",
				path);
		if (r < 0)
			return cli_error("cannot read %s: %s", path, strerror(-r));
	}
	/* Kept from the build, they were among the policies: sc_k8s_match refused any path a
	 * workload and another workload's binding there share. */
	return j->n_keep && !j->keep_views ? kept_conflicts(j, path) : EXIT_OK;
}

void bindings_keep_free(struct bindings_job *j)
{
	if (j->keep_views)
		free(j->keep);
	else
		sc_bindings_free(j->keep, j->n_keep);
	j->keep = NULL;
	j->n_keep = 0;
	sc_policy_build_freep(&j->build);
}
