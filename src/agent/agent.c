/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the node agent's event loop: epoll over inotify, signalfd, timerfds, the HTTP server's
 * epoll fd and the violations follower; reconcile on change (debounced), on SIGHUP and
 * periodically; the HTTP endpoints; the node recorder's fd and tick (--record, recorder.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "agent/agent.h"
#include "agent/http.h"
#include "base/hash.h"
#include "base/install.h"
#include "agent/kubelet.h"
#include "agent/logline.h"
#include "agent/metrics.h"
#include "agent/recorder.h"
#include "syscage/pods.h"
#include "syscage/policy.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "syscage/record.h"
#include "agent/reconcile.h"
#include "agent/runc-probe.h"
#include "syscage/violations.h"
#include "macro.h"

#define MAX_VIOL_FDS  4
#define RECORD_TICK_S 1 /* --record: ended cgroups drained within this */
#define MAX_ERRNO     256

enum {
	TAG_SIGNAL = 1,
	TAG_INOTIFY,
	TAG_DEBOUNCE,
	TAG_RESYNC,
	TAG_RECORD,	   /* --record: the drain tick */
	TAG_RECORD_EVENTS, /* --record: cgroups made and removed */
	TAG_HTTP,
	TAG_HTTP_DATA,
	TAG_VIOLATIONS,
	TAG_VIOLATIONS_POLL,
};

struct sc_agent {
	struct sc_agent_opts o;
	struct sc_reconcile_opts ro;
	struct sc_reconciler *rc; /* NULL while the root is refused */
	char *refused;		  /* why the root is refused: /readyz says it */
	/* --listen: probes and /metrics; --data-listen: /profiles, /violations */
	struct sc_http *http, *data_http;
	struct sc_kubelet_preflight pre;
	int runc_flags;		    /* sc_runc_accepts_flags: 1, 0, or < 0 unknown */
	struct sc_runc_async *runc; /* the probe of runc_flags, running from the start */
	bool runc_logged;	    /* its answer is in runc_flags and logged: lines logged
				     * before are held until then (runc_settle) */
	struct sc_pods_paths paths; /* under --host-root */
	char *host_paths[4];	    /* owned strings of 'paths' */
	int epfd, sigfd, infd, debfd, resfd, vpollfd, scanfd;
	sigset_t mask, oldmask;
	bool stop, reload, ready, dirty, fast_pending, retry;
	int last_error;	 /* -errno of the last failed reconcile, 0 after a good one */
	char *error_msg; /* what went wrong then, with the path (sc_agent_error) */
	int top_wd;
	int stop_signal;
	/* metrics */
	uint64_t reconcile_total, reconcile_errors;
	uint64_t rejected_total[_SC_REJECT_COUNT]; /* new rejections: see count_rejections */
	uint64_t *rej_seen;			   /* the last pass's rejections, hashed, sorted */
	size_t n_rej_seen;
	unsigned rejected_now[_SC_REJECT_COUNT];
	size_t bindings, fallback, shadowed, unbound_kept; /* of the last reconcile */
	size_t start_fatal_kept;			   /* of the last reconcile */
	size_t not_updated;				   /* of the last reconcile */
	uint64_t install_errors[MAX_ERRNO];		   /* profiles not updated, by errno */
	struct sc_histogram duration;
	double last_reconcile; /* unix time */
	uint64_t http_requests;
	struct sc_agent_recorder *rec; /* --record */
	int recfd;		       /* its event fd in the epoll set, -1 */
	struct sc_violations *viol;
	int pids_err; /* the last sc_violations_refresh error, logged when it changes */
	uint64_t healed;
};

static void runc_settle(struct sc_agent *a);

/* Every line the agent logs, its reconciles' too: to the sink, or held while the runc probe
 * runs (its line comes first, as when the probe ran before anything else). */
static void emit(struct sc_agent *a, const char *level, const char *line)
{
	if (!a->o.log)
		return;
	if (!a->runc_logged && a->runc && sc_runc_async_done(a->runc))
		runc_settle(a);
	if (!a->runc_logged && a->runc) {
		if (sc_runc_async_hold(a->runc, level, line))
			return;
		runc_settle(a); /* out of memory: wait for the probe instead */
	}
	a->o.log(a->o.userdata, level, line);
}

static void alog(struct sc_agent *a, const char *level, const char *fmt, ...) _printf_(3, 4);
static void alog(struct sc_agent *a, const char *level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!a->o.log)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(a, level, line);
}

/* Diagnostics as log lines (the preflight's findings). */
static void log_diags(struct sc_agent *a, const char *event, const struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char buf[1024], q[1100];
		size_t o = 0;
		if (d->v[i].file)
			(void)snprintf(buf, sizeof(buf), "%s: %s", d->v[i].file, d->v[i].message);
		else
			(void)snprintf(buf, sizeof(buf), "%s", d->v[i].message);
		q[o++] = '"';
		for (const char *p = buf; *p && o + 3 < sizeof(q); p++) {
			if (*p == '"' || *p == '\\')
				q[o++] = '\\';
			q[o++] = *p == '\n' ? ' ' : *p;
		}
		q[o++] = '"';
		q[o] = '\0';
		alog(a, d->v[i].severity == SC_SEV_NOTE ? "info" : "warn", "event=%s msg=%s", event,
		     q);
	}
}

static double now_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- signals ------------------------------------------------------------------------ */

/* Drain the signalfd into flags. */
static void read_signals(struct sc_agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			a->stop = true;
			a->stop_signal = (int)si.ssi_signo;
			break;
		case SIGHUP:
			a->reload = true;
			break;
		}
	}
}

static bool cancel_cb(void *userdata)
{
	struct sc_agent *a = userdata;

	if (a->sigfd >= 0)
		read_signals(a);
	return a->stop;
}

static void reconcile_log(void *userdata, const char *level, const char *line)
{
	emit(userdata, level, line);
}

static void log_flush(void *userdata)
{
	struct sc_agent *a = userdata;

	runc_settle(a);
	if (a->o.log_flush)
		a->o.log_flush(a->o.userdata);
}

/* ---- inotify ------------------------------------------------------------------------ */

#define WATCH_MASK                                                                          \
	(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB | \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* Watch the directory open at 'dfd' (taken) and its plain subdirectories (the ..data swap is
 * an IN_MOVED_TO in the top one), each opened below its parent without following a symlink and
 * watched through that fd: by path, one swapped for a symlink meanwhile took the walk and its
 * watches anywhere on the node. Adding a watch twice gives the same wd: run after each pass. */
static void watch_tree_at(struct sc_agent *a, int dfd, const char *dir, unsigned depth)
{
	char self[64];
	DIR *d;
	struct dirent *de;
	int wd = -1;

	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", dfd);
	if (dfd >= 0 && (wd = inotify_add_watch(a->infd, self, WATCH_MASK)) < 0 && errno == ENOENT)
		wd = inotify_add_watch(a->infd, dir, WATCH_MASK | IN_DONT_FOLLOW); /* no /proc */
	if (wd < 0) {
		char v[PATH_MAX + 16];
		if (depth == 0)
			alog(a, "warn", "event=watch-failed dir=%s err=\"%s\"",
			     sc_log_value(dir, v, sizeof(v)), strerror(errno));
		if (dfd >= 0)
			(void)close(dfd);
		return;
	}
	if (depth == 0)
		a->top_wd = wd;
	d = fdopendir(dfd);
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];
		int sub;
		/* Only directories: readdir's type spares a stat per file (10,000 keys). */
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    depth >= 16 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			watch_tree_at(a, sub, path, depth + 1);
	}
	(void)(d ? closedir(d) : close(dfd));
}

/* The policies directory (the path given: its own symlinks, such as a mount's, followed). */
#define watch_tree(a, dir, depth) \
	watch_tree_at(a, open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dir, depth)

static void arm_debounce(struct sc_agent *a, bool fast)
{
	unsigned ms = a->o.debounce_ms ? a->o.debounce_ms : 100;
	struct itimerspec it = {};

	/* A fast deadline already pending is not pushed back by the events that follow. */
	if (a->fast_pending)
		return;
	if (fast) {
		ms = 1;
		a->fast_pending = true;
	}
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)timerfd_settime(a->debfd, 0, &it, NULL);
}

/* Whether 'path' is a link "..data/<name>". */
static bool is_key_link(const char *path, const char *name)
{
	char t[NAME_MAX + 16];
	size_t ln = strlen(name);
	ssize_t k = readlink(path, t, sizeof(t));

	return k > 7 && (size_t)k == ln + 7 && memcmp(t, "..data/", 7) == 0 &&
	       memcmp(t + 7, name, ln) == 0;
}

/* Events that mark a finished change get a reconcile at once: the atomic writer's commit
 * (rename of ..data_tmp to ..data, or of any complete file), a new key symlink. Everything
 * else (files being written, the writer's clean-up) waits for a quiet period, each event
 * pushing the deadline, so a burst becomes one reconcile. */
static void read_inotify(struct sc_agent *a)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false, fast = false;
	ssize_t n;

	while ((n = read(a->infd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				a->dirty = true; /* re-establish watches after the reconcile */
			/* Dot entries are never read (the keys are read through ..data), so the
			 * atomic writer's work (a new ..<timestamp> directory, ..data_tmp, the old
			 * payload's removal) changes nothing until ..data itself moves. Waking
			 * for them would start a pass while the payload is half written and
			 * delay the one that matters. */
			if (ev->len && ev->name[0] == '.' && !streq(ev->name, "..data") &&
			    !(ev->mask & IN_Q_OVERFLOW))
				continue;
			if ((ev->mask & IN_MOVED_TO) && ev->len &&
			    (ev->name[0] != '.' || streq(ev->name, "..data")))
				fast = true;
			if ((ev->mask & IN_CREATE) && ev->len && ev->name[0] != '.' &&
			    ev->wd == a->top_wd) {
				char path[PATH_MAX];
				struct stat st;
				if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->o.policies_dir,
						     ev->name) < sizeof(path) &&
				    lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
					/* A ConfigMap key's link (<key> -> ..data/<key>): the key
					 * set is the payload's, which the ..data swap brought (or
					 * will bring): a pass now would find nothing new. */
					if (is_key_link(path, ev->name))
						continue;
					fast = true;
				}
			}
			any = true;
		}
	}
	if (any)
		arm_debounce(a, fast);
}

/* ---- reconcile ---------------------------------------------------------------------- */

/* Why the reconciler refused the root (-ELOOP, -ENOTDIR): which path, and what to do. */
static char *refusal(const struct sc_agent *a, int err)
{
	const char *kr = a->o.kubelet_root, *root = a->o.root ? a->o.root : "syscage";
	char path[PATH_MAX], target[PATH_MAX] = "";
	struct stat st;
	char *s = NULL;
	ssize_t n;
	bool at_seccomp;
	int r;

	(void)snprintf(path, sizeof(path), "%s/seccomp", kr);
	at_seccomp = lstat(path, &st) == 0 && !S_ISDIR(st.st_mode);
	if (!at_seccomp)
		(void)snprintf(path, sizeof(path), "%s/seccomp/%s", kr, root);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (err == -ELOOP && at_seccomp)
		r = asprintf(&s,
			     "%s is a symbolic link (to %s): refused, profiles are written only "
			     "below a real directory of the kubelet root; make it a directory "
			     "(or a bind mount), or pass the kubelet's real root as --kubelet-root",
			     path, target);
	else if (err == -ELOOP)
		r = asprintf(&s,
			     "%s is a symbolic link (to %s): refused; remove it, the agent creates "
			     "the directory itself",
			     path, target);
	else
		r = asprintf(&s, "%s is not a directory: refused; remove it or pass another --root",
			     path);
	return r < 0 ? NULL : s;
}

/* Open the root; a refused one (a symlink, a file) leaves the agent running and not ready. */
static int open_root(struct sc_agent *a)
{
	char v[PATH_MAX + 16];
	int r = sc_reconciler_new(&a->ro, &a->rc);

	if (r == -ELOOP || r == -ENOTDIR) {
		char *why = refusal(a, r);
		if (!a->refused || !why || !streq(a->refused, why))
			alog(a, "error", "event=root-refused msg=\"%s\"", why ? why : strerror(-r));
		free(a->refused);
		a->refused = why;
		a->rc = NULL;
		return r;
	}
	if (r < 0) {
		a->rc = NULL;
		return r;
	}
	if (a->refused)
		alog(a, "info", "event=root-accepted path=%s",
		     sc_log_value(sc_reconciler_root_path(a->rc), v, sizeof(v)));
	free(a->refused);
	a->refused = NULL;
	alog(a, "info", "event=root path=%s",
	     sc_log_value(sc_reconciler_root_path(a->rc), v, sizeof(v)));
	return 0;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* syscage_policies_rejected_total counts rejections, not passes: a file rejected again for
 * the same reason with the same message (a pass that changed nothing about it) is the same
 * rejection. On ENOMEM the counts of this pass are lost, nothing else. */
static void count_rejections(struct sc_agent *a)
{
	const char *file, *msg;
	enum sc_reject_reason why;
	uint64_t *now = NULL;
	size_t n = 0;

	for (size_t i = 0; sc_reconciler_rejection(a->rc, i, &file, &why, &msg); i++) {
		uint64_t h = sc_fnv64(UINT64_C(0xcbf29ce484222325), file, strlen(file) + 1);
		h = sc_fnv64(h, &why, sizeof(why));
		h = sc_fnv64(h, msg, strlen(msg));
		uint64_t *v = reallocarray(now, n + 1, sizeof(*v));
		if (!v) {
			free(now);
			return;
		}
		now = v;
		now[n++] = h;
		if (!a->n_rej_seen || !bsearch(&h, a->rej_seen, a->n_rej_seen, sizeof(h), cmp_u64))
			a->rejected_total[why]++;
	}
	if (n)
		qsort(now, n, sizeof(*now), cmp_u64);
	free(a->rej_seen);
	a->rej_seen = now;
	a->n_rej_seen = n;
}

static void set_error(struct sc_agent *a, char *msg)
{
	free(a->error_msg);
	a->error_msg = msg;
}

const char *sc_agent_error(const struct sc_agent *a)
{
	return a->error_msg;
}

/* A pass that failed: the log line names what and where, and says what to do; --once prints the
 * same message. */
static void reconcile_failed(struct sc_agent *a, const char *why, int r, double dt)
{
	const char *what = "the pass failed", *path = "", *hint;
	char *msg = NULL, q[PATH_MAX + 512], qp[PATH_MAX + 16];

	(void)sc_reconciler_failure(a->rc, &what, &path);
	hint = strstr(what, "policies")	      ? "mount the policies ConfigMap there, or pass the "
						"directory it is mounted at as --policies"
	       : r == -ENOSPC || r == -EDQUOT ? "free space there; the next pass tries again"
	       : r == -EROFS		      ? "mount the kubelet root read-write into the agent"
			     : "installed profiles stay as they are; the next pass tries again";
	if (asprintf(&msg, "%s%s%s: %s: %s", what, *path ? " " : "", path, strerror(-r), hint) < 0)
		msg = NULL;
	alog(a, "error", "event=reconcile-failed trigger=%s path=%s err=\"%s\" seconds=%.3f msg=%s",
	     why, sc_log_quote(path, qp, sizeof(qp)), strerror(-r), dt,
	     sc_log_quote(msg ? msg : what, q, sizeof(q)));
	set_error(a, msg);
}

/* Profiles the pass could not write (disk full, read-only): how many, where, why, and what to
 * do; --once prints the same. */
static void install_incomplete(struct sc_agent *a, const char *why,
			       const struct sc_reconcile_result *res)
{
	int e = -res->install_err;
	const char *hint =
		e == ENOSPC || e == EDQUOT
			? "the kubelet root's file system is full: free space there; the "
			  "profiles not updated keep their last good version and the next "
			  "pass retries them"
		: e == EROFS ? "the kubelet root is read-only: mount it read-write into "
			       "the agent; installed profiles stay as they are"
			     : "the profiles not updated keep their last good version and "
			       "the next pass retries them";
	char *msg = NULL, qp[PATH_MAX + 16];
	a->install_errors[e > 0 && e < MAX_ERRNO ? e : 0] += res->n_not_updated;
	alog(a, "error",
	     "event=install-incomplete trigger=%s path=%s updated=%zu not_updated=%zu "
	     "err=\"%s\" msg=\"%s\"",
	     why, sc_log_quote(sc_reconciler_root_path(a->rc), qp, sizeof(qp)), res->n_written,
	     res->n_not_updated, strerror(e), hint);
	if (asprintf(&msg, "%zu profiles not updated under %s: %s: %s", res->n_not_updated,
		     sc_reconciler_root_path(a->rc), strerror(e), hint) < 0)
		msg = NULL;
	set_error(a, msg);
}

static void do_reconcile(struct sc_agent *a, const char *why)
{
	struct sc_reconcile_result res;
	double t0 = now_mono(), dt;
	int r;

	if (!a->rc && (r = open_root(a)) < 0) {
		a->reconcile_errors++;
		a->ready = false;
		a->last_error = r;
		return;
	}
	r = sc_reconcile(a->rc, &res);
	/* A pass frees most of what it allocated, scattered over the heap: give the free pages
	 * back, or every pass leaves the resident size a little higher (10,000 policies:
	 * +0.5 MiB per ConfigMap update until the heap has settled). A few ms, after the
	 * profiles are on disk. */
	(void)malloc_trim(0);
	dt = now_mono() - t0;
	if (r == -ECANCELED) {
		alog(a, "info", "event=reconcile-cancelled trigger=%s", why);
		return;
	}
	a->reconcile_total++;
	sc_histogram_observe(&a->duration, dt);
	a->last_reconcile = now_unix();
	if (r == -EAGAIN) {
		/* A policy changed while it was being installed: go again soon. */
		alog(a, "info",
		     "event=reconcile-retry trigger=%s reason=\"policy changed meanwhile\"", why);
		a->retry = true;
		set_error(a, strdup("the policies kept changing while they were installed: run "
				    "again once the ConfigMap update is complete"));
		if (a->debfd >= 0)
			arm_debounce(a, false);
		return;
	}
	a->retry = false;
	if (r < 0) {
		a->reconcile_errors++;
		a->last_error = r;
		reconcile_failed(a, why, r, dt);
		return;
	}
	a->last_error = res.install_err;
	set_error(a, NULL);
	a->not_updated = res.n_not_updated;
	if (res.install_err)
		install_incomplete(a, why, &res);
	for (unsigned i = 0; i < _SC_REJECT_COUNT; i++)
		a->rejected_now[i] = res.rejected[i];
	count_rejections(a);
	a->bindings = res.n_bindings;
	a->fallback = res.n_fallback;
	a->shadowed = res.n_shadowed;
	a->unbound_kept = res.n_unbound_kept;
	a->start_fatal_kept = res.n_fatal_kept;
	a->ready = true;
	alog(a, res.n_rejected || res.n_fallback || res.n_fatal_kept ? "warn" : "info",
	     "event=reconcile trigger=%s files=%zu policies=%zu installed=%zu written=%zu "
	     "removed=%zu rejected=%zu kept=%zu bindings=%zu unselected=%zu seconds=%.3f",
	     why, res.n_files, res.n_policies, sc_reconciler_n_installed(a->rc), res.n_written,
	     res.n_removed, res.n_rejected, res.n_kept, res.n_bindings, res.n_fallback, dt);
}

/* ---- recording (--record) ----------------------------------------------------------- */

static const char *state_dir(const struct sc_agent *a)
{
	return a->o.state_dir ? a->o.state_dir : "/var/lib/syscage";
}

/* --heal: merge a denial into <state-dir>/recorded/<ns>/<pod>/<container>.json, through
 * directory fds that never follow a symlink out of the state directory. */
static void heal_one(struct sc_agent *a, const struct sc_violation *x)
{
	cleanup_close int sfd = -1;
	struct sc_diags d = {};
	bool match = false;
	int r;

	if (!x->pod.namespace[0] || !x->pod.pod[0] || !x->pod.container[0])
		return;
	for (size_t i = 0; i < a->o.n_heal && !match; i++)
		match = sc_pod_glob_matches(a->o.heal[i], x->pod.namespace, x->pod.pod);
	if (!match)
		return;
	sfd = sc_open_dir_mkdirs(state_dir(a));
	if (sfd < 0) {
		char v[PATH_MAX + 16];
		alog(a, "warn", "event=heal-failed dir=%s err=\"%s\"",
		     sc_log_value(state_dir(a), v, sizeof(v)), strerror(-sfd));
		return;
	}
	r = sc_violations_heal_recorded(sfd, state_dir(a), &x->pod, x, 1, &d, NULL);
	if (r < 0)
		alog(a, "warn", "event=heal-failed pod=%s/%s/%s err=\"%s\"", x->pod.namespace,
		     x->pod.pod, x->pod.container, d.n ? d.v[0].message : strerror(-r));
	else if (r > 0) {
		a->healed += (uint64_t)r;
		alog(a, "info", "event=heal pod=%s/%s/%s syscall=%s added=%d", x->pod.namespace,
		     x->pod.pod, x->pod.container, x->syscall ? x->syscall : "?", r);
	}
	sc_diags_clear(&d);
}

static void on_violation(const struct sc_violation *x, void *userdata)
{
	struct sc_agent *a = userdata;
	char line[1536];

	sc_violation_log_line(x, line, sizeof(line));
	alog(a, "warn", "%s", line);
	if (a->o.n_heal)
		heal_one(a, x);
}

/* The pods' processes, remembered so a KILL_PROCESS record read after its process died
 * still names the pod: every second, on the violations timer. */
static void refresh_pids(struct sc_agent *a)
{
	int r = a->viol ? sc_violations_refresh(a->viol) : 0;

	r = r < 0 ? r : 0;
	if (r != a->pids_err)
		alog(a, r < 0 ? "warn" : "info", "event=pid-cache %s%s%s",
		     r < 0 ? "err=\"" : "state=ok", r < 0 ? strerror(-r) : "", r < 0 ? "\"" : "");
	a->pids_err = r;
}

/* ---- HTTP --------------------------------------------------------------------------- */

static void reply_text(struct sc_http_reply *r, unsigned status, const char *ct, const char *s)
{
	r->status = status;
	r->content_type = ct;
	r->body = strdup(s);
	r->len = r->body ? strlen(r->body) : 0;
}

/* What the last pass could not write, and the HTTP server's own counts. */
static void write_install_http_metrics(struct sc_agent *a, FILE *f)
{
	sc_metric_header(f, "syscage_http_requests_total", "counter", "HTTP requests served.");
	sc_metric_sample(f, "syscage_http_requests_total", (double)a->http_requests,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_profiles_not_updated", "gauge",
			 "Profiles the last reconcile could not write (disk full, read-only, I/O "
			 "error): each keeps its last good version.");
	sc_metric_sample(f, "syscage_profiles_not_updated", (double)a->not_updated,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_install_errors_total", "counter",
			 "Profile writes that failed, by errno (ENOSPC, EROFS, EDQUOT, EIO...).");
	for (int e = 0; e < MAX_ERRNO; e++)
		if (a->install_errors[e]) {
			char name[32];
			const char *n = e ? strerrorname_np(e) : NULL;
			(void)snprintf(name, sizeof(name), "%s", n ? n : "other");
			sc_metric_sample(f, "syscage_install_errors_total",
					 (double)a->install_errors[e], "errno", name,
					 (const char *)NULL);
		}
	sc_metric_header(f, "syscage_http_connections_cut_total", "counter",
			 "HTTP connections the agent closed: reason=\"deadline\" sent no whole "
			 "request in time, reason=\"evicted\" made room when too many were open.");
	/* Both listeners together. */
	sc_metric_sample(f, "syscage_http_connections_cut_total",
			 (double)(sc_http_cut_total(a->http, SC_HTTP_CUT_DEADLINE) +
				  sc_http_cut_total(a->data_http, SC_HTTP_CUT_DEADLINE)),
			 "reason", "deadline", (const char *)NULL);
	sc_metric_sample(f, "syscage_http_connections_cut_total",
			 (double)(sc_http_cut_total(a->http, SC_HTTP_CUT_EVICTED) +
				  sc_http_cut_total(a->data_http, SC_HTTP_CUT_EVICTED)),
			 "reason", "evicted", (const char *)NULL);
}

/* Whether a pass is due: the debounce deadline is set, or a change (an inotify event, a
 * SIGHUP, an expired timer) waits to be read. /metrics is served between passes, so with
 * syscage_reconcile_total it says "N passes, and every change made before this request
 * looked at": what a test waits for instead of guessing how long the agent takes. */
static bool reconcile_pending(const struct sc_agent *a)
{
	const int fds[] = { a->infd, a->sigfd, a->debfd, a->resfd };
	struct pollfd p[ELEMENTSOF(fds)];
	struct itimerspec it;
	nfds_t n = 0;

	if (a->reload)
		return true;
	if (a->debfd >= 0 && timerfd_gettime(a->debfd, &it) == 0 &&
	    (it.it_value.tv_sec || it.it_value.tv_nsec))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (fds[i] >= 0)
			p[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	return n && poll(p, n, 0) > 0;
}

static void write_metrics(struct sc_agent *a, FILE *f)
{
	runc_settle(a); /* syscage_runc_accepts_flags */
	sc_metric_header(f, "syscage_profiles_installed", "gauge",
			 "Profiles installed under the kubelet's seccomp root.");
	sc_metric_sample(f, "syscage_profiles_installed",
			 a->rc ? (double)sc_reconciler_n_installed(a->rc) : 0, (const char *)NULL);
	sc_metric_header(f, "syscage_bindings", "gauge",
			 "Bound workloads whose profile the last reconcile installed.");
	sc_metric_sample(f, "syscage_bindings", (double)a->bindings, (const char *)NULL);
	sc_metric_header(f, "syscage_bindings_unselected", "gauge",
			 "Bound workloads no policy selects any more: their profile holds "
			 "RuntimeDefault (and the baseline).");
	sc_metric_sample(f, "syscage_bindings_unselected", (double)a->fallback, (const char *)NULL);
	sc_metric_header(
		f, "syscage_profiles_unbound_kept", "gauge",
		"Bound workloads' profiles no binding names any more (event=unbound-kept): "
		"kept as they are, no longer updated.");
	sc_metric_sample(f, "syscage_profiles_unbound_kept", (double)a->unbound_kept,
			 (const char *)NULL);
	sc_metric_header(
		f, "syscage_bindings_start_fatal_kept", "gauge",
		"Bound workloads whose new profile no container could start with (it "
		"denies what runc calls after loading the filter): the installed one kept.");
	sc_metric_sample(f, "syscage_bindings_start_fatal_kept", (double)a->start_fatal_kept,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_policy_sets_shadowed", "gauge",
			 "Policy sets not installed because a bound workload owns their path.");
	sc_metric_sample(f, "syscage_policy_sets_shadowed", (double)a->shadowed,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_policies_rejected_total", "counter",
			 "Rejections of policy files (or single bindings), by reason: each "
			 "counted once, not again while the file stays rejected as it was.");
	for (unsigned i = 0; i < _SC_REJECT_COUNT; i++)
		sc_metric_sample(f, "syscage_policies_rejected_total", (double)a->rejected_total[i],
				 "reason", sc_reject_reason_to_string(i), (const char *)NULL);
	sc_metric_header(f, "syscage_policies_rejected", "gauge",
			 "Policy files rejected by the last reconcile, by reason.");
	for (unsigned i = 0; i < _SC_REJECT_COUNT; i++)
		sc_metric_sample(f, "syscage_policies_rejected", (double)a->rejected_now[i],
				 "reason", sc_reject_reason_to_string(i), (const char *)NULL);
	sc_metric_header(f, "syscage_policy_duplicates", "gauge",
			 "Policy files the last reconcile rejected because another file (kept) has "
			 "a policy of the same kind, namespace and name; the kept one stays "
			 "installed.");
	{
		const char *df, *dk;
		for (size_t i = 0; sc_reconciler_duplicate(a->rc, i, &df, &dk); i++)
			sc_metric_sample(f, "syscage_policy_duplicates", 1.0, "file", df, "kept",
					 dk, (const char *)NULL);
	}
	sc_metric_header(f, "syscage_reconcile_total", "counter", "Reconciles run.");
	sc_metric_sample(f, "syscage_reconcile_total", (double)a->reconcile_total,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_reconcile_pending", "gauge",
			 "1 while a reconcile is due (a change waits for its quiet period or to "
			 "be read), 0 when every change seen so far is reconciled.");
	sc_metric_sample(f, "syscage_reconcile_pending", reconcile_pending(a) ? 1 : 0,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_reconcile_errors_total", "counter",
			 "Reconciles that failed (I/O errors; rejected policies are not errors).");
	sc_metric_sample(f, "syscage_reconcile_errors_total", (double)a->reconcile_errors,
			 (const char *)NULL);
	sc_histogram_write(f, "syscage_reconcile_duration_seconds",
			   "Time of a reconcile, policies read to profiles installed.",
			   &a->duration);
	sc_metric_header(f, "syscage_last_reconcile_timestamp_seconds", "gauge",
			 "When the last reconcile finished (unix time).");
	sc_metric_sample(f, "syscage_last_reconcile_timestamp_seconds", a->last_reconcile,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_kubelet_seccomp_default", "gauge",
			 "The kubelet's seccompDefault: 1 true, 0 false or unset, -1 unknown.");
	sc_metric_sample(f, "syscage_kubelet_seccomp_default", a->pre.seccomp_default,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_seccomp_root_same_fs", "gauge",
			 "1 when <kubelet-root>/seccomp is on the kubelet root's filesystem, 0 "
			 "when not, -1 unknown.");
	sc_metric_sample(f, "syscage_seccomp_root_same_fs", a->pre.same_fs, (const char *)NULL);
	sc_metric_header(f, "syscage_runc_accepts_flags", "gauge",
			 "1 when the node's runc accepts profile flags (1.2+), 0 when it refuses "
			 "them (the LOG flag is then left out), -1 when no runc is visible.");
	sc_metric_sample(f, "syscage_runc_accepts_flags", a->runc_flags < 0 ? -1 : a->runc_flags,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_bpf_available", "gauge",
			 "1 when the eBPF recorder can run on this node.");
	sc_metric_sample(f, "syscage_bpf_available", a->pre.bpf_available, (const char *)NULL);
	sc_agent_recorder_metrics(a->rec, f);
	write_install_http_metrics(a, f);
	if (a->viol)
		(void)sc_violations_write_metrics(a->viol, f);
	sc_metric_header(f, "syscage_healed_syscalls_total", "counter",
			 "Syscalls merged into recorded profiles by --heal.");
	sc_metric_sample(f, "syscage_healed_syscalls_total", (double)a->healed, (const char *)NULL);
}

/* <state-dir>/recorded/<ns>/<pod>/<container>.json, as a JSON array of {path, size}. */
static void write_recorded(struct sc_agent *a, FILE *f)
{
	char base[PATH_MAX];
	const char *sd = a->o.state_dir ? a->o.state_dir : "/var/lib/syscage";
	DIR *d1;
	struct dirent *e1;
	bool first = true;

	(void)snprintf(base, sizeof(base), "%s/recorded", sd);
	fputs("[", f);
	d1 = opendir(base);
	while (d1 && (e1 = readdir(d1))) {
		char p1[PATH_MAX];
		DIR *d2;
		struct dirent *e2;
		if (e1->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p1, sizeof(p1), "%s/%s", base, e1->d_name) >= sizeof(p1))
			continue;
		d2 = opendir(p1);
		while (d2 && (e2 = readdir(d2))) {
			char p2[PATH_MAX];
			DIR *d3;
			struct dirent *e3;
			if (e2->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(p2, sizeof(p2), "%s/%s", p1, e2->d_name) >= sizeof(p2))
				continue;
			d3 = opendir(p2);
			while (d3 && (e3 = readdir(d3))) {
				char p3[PATH_MAX], rel[PATH_MAX];
				struct stat st;
				size_t n = strlen(e3->d_name);
				if (e3->d_name[0] == '.' || n < 6 ||
				    !streq(e3->d_name + n - 5, ".json"))
					continue;
				if ((size_t)snprintf(p3, sizeof(p3), "%s/%s", p2, e3->d_name) >=
				    sizeof(p3))
					continue;
				if (stat(p3, &st) < 0 || !S_ISREG(st.st_mode))
					continue;
				(void)snprintf(rel, sizeof(rel), "%s/%s/%s", e1->d_name, e2->d_name,
					       e3->d_name);
				fputs(first ? "\n  {\"path\": " : ",\n  {\"path\": ", f);
				sc_json_text(f, rel);
				fprintf(f, ", \"size\": %lld}", (long long)st.st_size);
				first = false;
			}
			if (d3)
				closedir(d3);
		}
		if (d2)
			closedir(d2);
	}
	if (d1)
		closedir(d1);
	fputs(first ? "]" : "\n]", f);
}

/* A 200 with what 'f' (an open_memstream of *buf, *len) holds, closed here; a 500 when it
 * could not hold it. */
static void reply_stream(struct sc_http_reply *reply, FILE *f, char **buf, size_t *len,
			 const char *content_type)
{
	if (fclose(f) != 0) {
		free(*buf);
		reply_text(reply, 500, "text/plain", "out of memory\n");
		return;
	}
	reply->status = 200;
	reply->content_type = content_type;
	reply->body = *buf;
	reply->len = *len;
}

static void reply_metrics(struct sc_agent *a, struct sc_http_reply *reply)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		reply_text(reply, 500, "text/plain", "out of memory\n");
		return;
	}
	write_metrics(a, f);
	reply_stream(reply, f, &buf, &len, "text/plain; version=0.0.4");
}

static void reply_profiles(struct sc_agent *a, struct sc_http_reply *reply)
{
	cleanup_free char *inst = NULL;
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f;

	if (!a->rc) {
		reply_text(reply, 503, "text/plain",
			   "not ready: the root is refused (see /readyz)\n");
		return;
	}
	if (sc_reconciler_json(a->rc, &inst) < 0 || !(f = open_memstream(&buf, &len))) {
		reply_text(reply, 500, "text/plain", "out of memory\n");
		return;
	}
	/* The reconciler's object, with "recorded" added before its closing brace. */
	n = strlen(inst);
	while (n && inst[n - 1] != '}')
		n--;
	fwrite(inst, 1, n ? n - 1 : 0, f);
	fputs(", \"recorded\": ", f);
	write_recorded(a, f);
	fputs("}\n", f);
	reply_stream(reply, f, &buf, &len, "application/json");
}

static void reply_violations(struct sc_agent *a, struct sc_http_reply *reply)
{
	char *buf = NULL;

	if (a->viol && sc_violations_json(a->viol, &buf) == 0) {
		reply->status = 200;
		reply->content_type = "application/json";
		reply->body = buf;
		reply->len = strlen(buf);
		return;
	}
	reply_text(reply, 503, "application/json",
		   "{\"error\": \"the violations follower is not running (see the agent's "
		   "log)\"}\n");
}

static bool is_data_path(const char *path)
{
	return streq(path, "/profiles") || streq(path, "/violations");
}

/* --data-listen's default follows --listen: none with none (no HTTP at all), port 0 with port 0
 * (several agents on one host, tests), else the pod's loopback. */
static const char *data_listen(const struct sc_agent_opts *o)
{
	const char *l = o->listen;
	size_t n = l ? strlen(l) : 0;

	if (o->data_listen)
		return o->data_listen;
	if (l && streq(l, "none"))
		return "none";
	if (n >= 2 && streq(l + n - 2, ":0"))
		return "127.0.0.1:0";
	return "127.0.0.1:9403";
}

/* A data path asked on the metrics listener: 404, and where it is served. */
static void reply_elsewhere(struct sc_agent *a, const char *path, struct sc_http_reply *reply)
{
	cleanup_free char *msg = NULL;
	int r;

	if (a->data_http)
		r = asprintf(
			&msg,
			"not found: %s is served on the data address (--data-listen %s, port "
			"%u), not on the metrics address; from outside the pod: kubectl "
			"port-forward -n NAMESPACE pod/AGENT-POD %u, then curl localhost:%u%s\n",
			path, data_listen(&a->o), sc_http_port(a->data_http),
			sc_http_port(a->data_http), sc_http_port(a->data_http), path);
	else
		r = asprintf(&msg,
			     "not found: %s is served only on the data address (--data-listen), "
			     "which this agent does not open\n",
			     path);
	reply_text(reply, 404, "text/plain", r < 0 ? "not found\n" : msg);
}

/* The metrics listener (--listen): what the kubelet's probes and Prometheus read, across the
 * network in a DaemonSet. Nothing here names a process or a profile's content. */
static void handle(void *userdata, const char *method, const char *path,
		   struct sc_http_reply *reply)
{
	struct sc_agent *a = userdata;

	a->http_requests++;
	if (streq(path, "/healthz")) {
		reply_text(reply, 200, "text/plain", "ok\n");
		return;
	}
	if (streq(path, "/readyz")) {
		cleanup_free char *msg = NULL;
		if (a->ready)
			reply_text(reply, 200, "text/plain", "ok\n");
		else if (a->refused && asprintf(&msg, "not ready: %s\n", a->refused) >= 0)
			reply_text(reply, 503, "text/plain", msg);
		else
			reply_text(reply, 503, "text/plain", "not ready: no reconcile done yet\n");
		return;
	}
	if (streq(path, "/metrics")) {
		reply_metrics(a, reply);
		return;
	}
	if (is_data_path(path)) {
		reply_elsewhere(a, path, reply);
		return;
	}
	if (streq(path, "/")) {
		reply_text(reply, 200, "text/plain",
			   a->data_http ? "syscage agent: /healthz /readyz /metrics (/profiles "
					  "/violations: on the data address, --data-listen)\n"
					: "syscage agent: /healthz /readyz /metrics\n");
		return;
	}
	reply_text(reply, 404, "text/plain", "not found\n");
}

/* The data listener (--data-listen, the pod's loopback by default): pod names, executables,
 * installed and recorded profiles, for kubectl port-forward. */
static void handle_data(void *userdata, const char *method, const char *path,
			struct sc_http_reply *reply)
{
	struct sc_agent *a = userdata;

	a->http_requests++;
	if (streq(path, "/profiles")) {
		reply_profiles(a, reply);
		return;
	}
	if (streq(path, "/violations")) {
		reply_violations(a, reply);
		return;
	}
	if (streq(path, "/")) {
		reply_text(reply, 200, "text/plain",
			   "syscage agent, data address: /profiles /violations (/healthz /readyz "
			   "/metrics: on the metrics address, --listen)\n");
		return;
	}
	if (streq(path, "/metrics") || streq(path, "/healthz") || streq(path, "/readyz")) {
		reply_text(reply, 404, "text/plain",
			   "not found: /healthz, /readyz and /metrics are served on the metrics "
			   "address (--listen), not on the data address\n");
		return;
	}
	reply_text(reply, 404, "text/plain", "not found\n");
}

/* The node's runc: one that refuses "flags" (before 1.2) would start no pod bound to a profile
 * with SECCOMP_FILTER_FLAG_LOG, so the flag is left out. Asked by the reconciler (from any of
 * its threads) when it first needs to know. */
static bool runc_no_log_flag(void *userdata)
{
	struct sc_agent *a = userdata;

	return a->o.no_log_flag || sc_runc_async_wait(a->runc, NULL, NULL) <= 0;
}

/* The probe's answer in runc_flags and said, then the lines held meanwhile: called on the
 * agent's thread before a line reaches the sink (the sink's flush, the metrics, the end). */
static void runc_settle(struct sc_agent *a)
{
	const struct sc_agent_opts *o = &a->o;
	const char *v, *said;
	char q[600], qs[640] = "";

	if (a->runc_logged || !a->runc)
		return;
	a->runc_flags = sc_runc_async_wait(a->runc, &v, &said);
	a->runc_logged = true;
	/* What runc or the node's loader printed: a value, not lines of its own. */
	if (*said)
		(void)snprintf(qs, sizeof(qs), " runc_output=%s", sc_log_quote(said, q, sizeof(q)));
	if (a->runc_flags == 0 && !o->no_log_flag) {
		alog(a, "warn",
		     "event=runc-refuses-flags runc=%s msg=\"runc before 1.2 refuses "
		     "profiles with flags: installing them without "
		     "SECCOMP_FILTER_FLAG_LOG, so TRAP and ERRNO denials are not logged "
		     "(KILL_PROCESS and KILL_THREAD still are, while "
		     "kernel.seccomp.actions_logged lists them); upgrade runc to 1.2\"",
		     v);
	} else if (a->runc_flags < 0 && !o->no_log_flag) {
		/* Unknown is not "accepts": a profile with flags starts no pod on runc 1.1,
		 * one without starts everywhere. */
		alog(a, "warn",
		     "event=runc-unknown%s msg=\"%s: installing profiles without "
		     "SECCOMP_FILTER_FLAG_LOG, which every runtime accepts (runc before "
		     "1.2 refuses any flags), so TRAP and ERRNO denials are not logged "
		     "(KILL_PROCESS and KILL_THREAD still are); to "
		     "have them, mount the node's / at --host-root (runc is looked for in "
		     "/usr/sbin, /usr/bin, /usr/local/sbin, /usr/local/bin, run with the "
		     "node's loader, or read from /var/lib/dpkg/status), or pass "
		     "--no-log-flag to say it is meant\"",
		     qs,
		     a->runc_flags == -ENOENT ? "no runc visible under --host-root"
					      : "the node's runc version cannot be told");
	}
	sc_runc_async_release(a->runc, o->log, o->userdata);
}

/* Which seccomp decisions the kernel logs at all (kernel.seccomp.actions_logged): without
 * kill_process there, a KILL_PROCESS denial leaves no record to see, the LOG flag or not. */
static void log_actions_logged(struct sc_agent *a)
{
	char text[256];
	bool kill;

	if (sc_seccomp_actions_logged(a->paths.proc_root, text, sizeof(text)) < 0)
		return; /* not this node's /proc (no --host-root): nothing to say */
	kill = strstr(text, "kill_process");
	alog(a, kill ? "info" : "warn", "event=actions-logged actions=%s%s", *text ? text : "-",
	     kill ? ""
		  : " msg=\"the kernel logs no KILL_PROCESS denial: add kill_process to "
		    "/proc/sys/kernel/seccomp/actions_logged to see them\"");
}

/* ---- setup and loop ----------------------------------------------------------------- */

static int start_one(struct sc_agent *a, const char *addr, sc_http_handler fn, const char *event,
		     struct sc_http **ret)
{
	int r = sc_http_start(addr, fn, a, ret);
	char v[PATH_MAX + 16];

	if (r < 0) {
		/* Without libmicrohttpd, what to do instead. */
		const char *hint =
			r == -ENOTSUP ? "this syscage was built without libmicrohttpd (the HTTP "
					"endpoints): build it with libmicrohttpd-dev installed, or "
					"run with --listen none --data-listen none"
			: r == -ELIBACC
				? "the HTTP endpoints need libmicrohttpd: install it (Debian: "
				  "libmicrohttpd12), or run with --listen none --data-listen "
				  "none"
				: NULL;
		const char *why =
			r == -ELIBACC && sc_http_load_error() ? sc_http_load_error() : strerror(-r);
		char w[600];

		alog(a, "error", "event=listen-failed addr=%s err=%s%s%s%s",
		     sc_log_value(addr, v, sizeof(v)), sc_log_value(why, w, sizeof(w)),
		     hint ? " msg=\"" : "", hint ? hint : "", hint ? "\"" : "");
		return r;
	}
	alog(a, "info", "event=%s addr=%s port=%u", event, sc_log_value(addr, v, sizeof(v)),
	     sc_http_port(*ret));
	return 0;
}

/* The metrics listener first: tests and the log read its line as the first event=listen. */
static int start_listeners(struct sc_agent *a)
{
	const char *l = a->o.listen ? a->o.listen : "127.0.0.1:9402", *dl = data_listen(&a->o);
	int r;

	if (a->o.once)
		return 0;
	if (!streq(l, "none") && (r = start_one(a, l, handle, "listen", &a->http)) < 0)
		return r;
	if (!streq(dl, "none") &&
	    (r = start_one(a, dl, handle_data, "data-listen", &a->data_http)) < 0)
		return r;
	return 0;
}

int sc_agent_new(const struct sc_agent_opts *o, struct sc_agent **ret)
{
	static const double bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
					 0.25,	0.5,   1,    2.5,   5,	  10 };
	struct sc_reconcile_opts *ro;
	struct sc_diags d = {};
	struct stat st = {};
	struct sc_agent *a;
	char v[PATH_MAX + 16];
	int r;

	if (!o->policies_dir || !o->kubelet_root)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *o;
	ro = &a->ro;
	a->epfd = a->sigfd = a->infd = a->debfd = a->resfd = a->vpollfd = a->scanfd = -1;
	a->recfd = -1;
	(void)sc_histogram_init(&a->duration, bounds, ELEMENTSOF(bounds));

	ro->policies_dir = o->policies_dir;
	ro->kubelet_root = o->kubelet_root;
	ro->root = o->root;
	ro->no_log_flag = o->no_log_flag;
	ro->threads = o->jobs;
	if (o->host_root && strcmp(o->host_root, "/")) {
		static const char *const sub[] = { "proc", "sys/fs/cgroup", "var/log/containers",
						   "var/log/pods" };
		for (size_t i = 0; i < ELEMENTSOF(sub); i++)
			if (asprintf(&a->host_paths[i], "%s/%s", o->host_root, sub[i]) < 0) {
				a->host_paths[i] = NULL;
				sc_agent_free(a);
				return -ENOMEM;
			}
		a->paths = (struct sc_pods_paths){ a->host_paths[0], a->host_paths[1],
						   a->host_paths[2], a->host_paths[3] };
	}
	/* The probe runs beside what follows; the reconcile asks for its answer when it first
	 * makes a profile's text (or the key of its .state). */
	r = sc_runc_async_start(o->host_root, &a->runc);
	if (r < 0) {
		sc_agent_free(a);
		return r;
	}
	if (!o->no_log_flag)
		ro->no_log_flag_wait = runc_no_log_flag;
	ro->arches = o->arches;
	ro->n_arches = o->n_arches;
	ro->log = reconcile_log;
	ro->log_flush = log_flush;
	ro->cancel = cancel_cb;
	ro->userdata = a;
	r = stat(o->kubelet_root, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (r < 0) {
		char msg[PATH_MAX + 256], q[2 * PATH_MAX + 520];
		(void)snprintf(
			msg, sizeof(msg),
			"the kubelet root %s is not a directory here: pass the kubelet's root "
			"directory (its --root-dir, /var/lib/kubelet by default) as "
			"--kubelet-root, mounted at the same path",
			o->kubelet_root);
		alog(a, "error", "event=root-failed kubelet_root=%s err=\"%s\" msg=%s",
		     sc_log_value(o->kubelet_root, v, sizeof(v)), strerror(-r),
		     sc_log_quote(msg, q, sizeof(q)));
		sc_agent_free(a);
		return r;
	}
	r = open_root(a);
	if (r < 0 && (o->once || (r != -ELOOP && r != -ENOTDIR))) {
		/* A refused root in the daemon: it runs, not ready, and looks again each pass. */
		if (r != -ELOOP && r != -ENOTDIR)
			alog(a, "error", "event=root-failed kubelet_root=%s root=%s err=\"%s\"",
			     sc_log_value(o->kubelet_root, v, sizeof(v)),
			     o->root ? o->root : "syscage", strerror(-r));
		sc_agent_free(a);
		return r;
	}
	/* After the root exists: the kubelet's seccomp dir may have just been created. */
	/* The test program only where the agent itself will load BPF (--record): otherwise its
	 * profile need not allow bpf(), and the static checks answer. */
	sc_kubelet_preflight(o->kubelet_root, o->kubelet_config, o->n_record > 0, &d, &a->pre);
	log_diags(a, "preflight", &d);
	sc_diags_clear(&d);
	alog(a, "info",
	     "event=preflight kubelet_root=%s seccomp_default=%d same_fs=%d bpf_available=%d",
	     sc_log_value(o->kubelet_root, v, sizeof(v)), a->pre.seccomp_default, a->pre.same_fs,
	     a->pre.bpf_available);
	log_actions_logged(a);

	r = start_listeners(a);
	if (r < 0) {
		sc_agent_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

struct sc_agent *sc_agent_free(struct sc_agent *a)
{
	if (!a)
		return NULL;
	runc_settle(a); /* the lines held for it, when nothing needed its answer */
	a->runc = sc_runc_async_free(a->runc);
	/* What the recorder holds goes to the profiles before the agent ends. */
	a->rec = sc_agent_recorder_free(a->rec);
	sc_violations_free(a->viol);
	free(a->rej_seen);
	for (size_t i = 0; i < ELEMENTSOF(a->host_paths); i++)
		free(a->host_paths[i]);
	sc_http_free(a->http);
	sc_http_free(a->data_http);
	sc_reconciler_free(a->rc);
	free(a->refused);
	free(a->error_msg);
	{
		int fds[] = {
			a->epfd, a->sigfd, a->infd, a->debfd, a->resfd, a->vpollfd, a->scanfd
		};
		for (size_t i = 0; i < ELEMENTSOF(fds); i++)
			if (fds[i] >= 0)
				(void)close(fds[i]);
	}
	free(a);
	return NULL;
}

uint16_t sc_agent_http_port(const struct sc_agent *a)
{
	return a->http ? sc_http_port(a->http) : 0;
}

static int add_fd(struct sc_agent *a, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The violations follower in the loop; its failure only disables /violations. */
static int setup_violations(struct sc_agent *a)
{
	char v[PATH_MAX + 16];
	struct sc_violations_options vo = { .kmsg_path = a->o.kmsg_path,
					    .audit_log = a->o.audit_log,
					    .paths = a->paths,
					    .remember_pids = true };
	int fds[MAX_VIOL_FDS], r;
	bool poll = false;
	size_t n;

	r = sc_violations_open(&vo, &a->viol);
	if (r < 0) {
		a->viol = NULL;
		return r;
	}
	n = sc_violations_fds(a->viol, fds, MAX_VIOL_FDS);
	for (size_t i = 0; i < n; i++) {
		r = add_fd(a, fds[i], TAG_VIOLATIONS);
		/* A regular file (a saved kmsg, tests) cannot be epolled: read it every second. */
		if (r == -EPERM)
			poll = true;
		else if (r < 0)
			return r;
	}
	/* Every second: the pods' processes are listed again, and a file that cannot be
	 * epolled is read. */
	{
		struct itimerspec pit = { .it_value = { .tv_sec = 1 },
					  .it_interval = { .tv_sec = 1 } };
		a->vpollfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (a->vpollfd < 0 || timerfd_settime(a->vpollfd, 0, &pit, NULL) < 0)
			return -errno;
		r = add_fd(a, a->vpollfd, TAG_VIOLATIONS_POLL);
		if (r < 0)
			return r;
	}
	refresh_pids(a);
	(void)sc_violations_read(a->viol, on_violation, a);
	alog(a, "info", "event=violations-follow kmsg=%s fds=%zu polled=%d",
	     sc_log_value(a->o.kmsg_path ? a->o.kmsg_path : "/dev/kmsg", v, sizeof(v)), n, poll);
	return 0;
}

/* The node recorder's events in the loop (once it is loaded: it may load on a later tick). */
static int add_recorder_fd(struct sc_agent *a)
{
	int fd = sc_agent_recorder_fd(a->rec), r;

	if (fd < 0 || fd == a->recfd)
		return 0;
	r = add_fd(a, fd, TAG_RECORD_EVENTS);
	if (r < 0)
		return r;
	a->recfd = fd;
	return 0;
}

/* --record: one node recorder, drained every tick. */
static int setup_recorder(struct sc_agent *a)
{
	struct sc_agent_recorder_opts ro = { .paths = &a->paths,
					     .state_dir = state_dir(a),
					     .globs = a->o.record,
					     .n_globs = a->o.n_record,
					     .log = a->o.log,
					     .userdata = a->o.userdata };
	struct itimerspec sit = { .it_value = { .tv_sec = RECORD_TICK_S },
				  .it_interval = { .tv_sec = RECORD_TICK_S } };
	int r = sc_agent_recorder_new(&ro, &a->rec);

	if (r < 0)
		return r;
	a->scanfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->scanfd < 0 || timerfd_settime(a->scanfd, 0, &sit, NULL) < 0)
		return -errno;
	if ((r = add_fd(a, a->scanfd, TAG_RECORD)) < 0)
		return r;
	return add_recorder_fd(a);
}

static int setup_loop(struct sc_agent *a)
{
	unsigned rs = a->o.resync_s ? a->o.resync_s : 300;
	struct itimerspec it = { .it_value = { .tv_sec = rs }, .it_interval = { .tv_sec = rs } };
	int r;

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	a->debfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	a->resfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->epfd < 0 || a->infd < 0 || a->debfd < 0 || a->resfd < 0)
		return -errno;
	if (timerfd_settime(a->resfd, 0, &it, NULL) < 0)
		return -errno;
	if ((r = add_fd(a, a->sigfd, TAG_SIGNAL)) < 0 ||
	    (r = add_fd(a, a->infd, TAG_INOTIFY)) < 0 ||
	    (r = add_fd(a, a->debfd, TAG_DEBOUNCE)) < 0 ||
	    (r = add_fd(a, a->resfd, TAG_RESYNC)) < 0)
		return r;
	if (a->o.n_record && (r = setup_recorder(a)) < 0)
		return r;
	if (a->http && (r = add_fd(a, sc_http_fd(a->http), TAG_HTTP)) < 0)
		return r;
	if (a->data_http && (r = add_fd(a, sc_http_fd(a->data_http), TAG_HTTP_DATA)) < 0)
		return r;
	watch_tree(a, a->o.policies_dir, 0);
	r = setup_violations(a);
	if (r < 0) {
		alog(a, "warn", "event=violations-unavailable err=\"%s\"", strerror(-r));
		a->viol = sc_violations_free(a->viol);
	}
	return 0;
}

/* The nearer of the two servers' timeouts, -1 for none. */
static int http_timeout(struct sc_agent *a)
{
	int t = a->http ? sc_http_timeout_ms(a->http) : -1;
	int u = a->data_http ? sc_http_timeout_ms(a->data_http) : -1;

	return t < 0 ? u : u < 0 ? t : t < u ? t : u;
}

int sc_agent_run(struct sc_agent *a)
{
	int r = 0;

	sigemptyset(&a->mask);
	sigaddset(&a->mask, SIGTERM);
	sigaddset(&a->mask, SIGINT);
	sigaddset(&a->mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &a->mask, &a->oldmask) < 0)
		return -errno;
	/* What sc_agent_new logged, before the first pass; while the runc probe runs, those lines
	 * wait for its line (runc_settle), and the pass goes ahead meanwhile. */
	if (a->runc_logged || !a->runc || sc_runc_async_done(a->runc))
		log_flush(a);
	a->sigfd = signalfd(-1, &a->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sigfd < 0) {
		r = -errno;
		goto out;
	}
	if (a->o.once) {
		do_reconcile(a, "once");
		for (int i = 0; i < 3 && a->retry && !a->stop; i++)
			do_reconcile(a, "once");
		if (a->stop)
			r = 0;
		else if (a->last_error < 0)
			r = a->last_error; /* the real cause: ENOSPC, EROFS, ... */
		else if (!a->ready)
			r = -EIO;
		else
			for (unsigned i = 0; i < _SC_REJECT_COUNT; i++)
				if (a->rejected_now[i])
					r = 1;
		goto out;
	}
	r = setup_loop(a);
	if (r < 0) {
		alog(a, "error", "event=setup-failed err=\"%s\"", strerror(-r));
		goto out;
	}
	do_reconcile(a, "start");
	while (!a->stop) {
		struct epoll_event ev[16];
		int timeout = http_timeout(a);
		/* The audit log's rest after a read stopped at its budget: read after the events
		 * that came meanwhile (probes, inotify, signals), never before them. */
		bool viol_more = sc_violations_more(a->viol);
		int n;

		if (a->reload) {
			a->reload = false;
			alog(a, "info", "event=reload signal=SIGHUP");
			watch_tree(a, a->o.policies_dir, 0);
			do_reconcile(a, "sighup");
			continue;
		}
		log_flush(a); /* what the last pass or events logged, before waiting */
		n = epoll_wait(a->epfd, ev, (int)ELEMENTSOF(ev), viol_more ? 0 : timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t ticks;
			switch (ev[i].data.u32) {
			case TAG_SIGNAL:
				read_signals(a);
				break;
			case TAG_INOTIFY:
				read_inotify(a);
				break;
			case TAG_DEBOUNCE:
				if (read(a->debfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
					break;
				a->fast_pending = false;
				if (a->dirty) {
					a->dirty = false;
					watch_tree(a, a->o.policies_dir, 0);
				}
				do_reconcile(a, "inotify");
				/* New subdirectories get watches. */
				watch_tree(a, a->o.policies_dir, 0);
				break;
			case TAG_RESYNC:
				if (read(a->resfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
					break;
				watch_tree(a, a->o.policies_dir, 0);
				do_reconcile(a, "resync");
				break;
			case TAG_RECORD:
				if (read(a->scanfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
					break;
				if (sc_agent_recorder_tick(a->rec) > 0)
					(void)add_recorder_fd(a);
				break;
			case TAG_RECORD_EVENTS:
				sc_agent_recorder_events(a->rec);
				break;
			case TAG_HTTP:
				(void)sc_http_run(a->http);
				break;
			case TAG_HTTP_DATA:
				(void)sc_http_run(a->data_http);
				break;
			case TAG_VIOLATIONS_POLL:
				(void)read(a->vpollfd, &ticks, sizeof(ticks));
				refresh_pids(a);
				/* fall through */
			case TAG_VIOLATIONS:
				if (a->viol)
					(void)sc_violations_read(a->viol, on_violation, a);
				viol_more = false;
				break;
			}
			if (a->stop)
				break;
		}
		if (viol_more && !a->stop)
			(void)sc_violations_read(a->viol, on_violation, a);
		/* libmicrohttpd's own timeouts and leftover work do not make its (edge-triggered)
		 * epoll fd readable again: run it whenever its timeout came, whatever else fired.
		 */
		if (n == 0 || timeout == 0) {
			if (a->http)
				(void)sc_http_run(a->http);
			if (a->data_http)
				(void)sc_http_run(a->data_http);
		}
	}
	if (a->stop)
		alog(a, "info", "event=exit signal=%s",
		     a->stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
out:
	log_flush(a);
	(void)sigprocmask(SIG_SETMASK, &a->oldmask, NULL);
	return r;
}
