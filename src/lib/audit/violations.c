/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns following the kernel's seccomp denials live: /dev/kmsg read non-blocking (overruns
 * counted), auditd's log followed through inotify across rotation, each denial attributed to
 * its pod while the process still runs (or through the pods' processes it remembers, see
 * pid-cache.h), a ring of the latest ones, counters per pod/syscall for Prometheus, and their
 * JSON. Healing a recorded profile with what was denied is violations-heal.c's. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/prom.h"
#include "syscage/logs.h"
#include "syscage/syscalls.h"
#include "syscage/violations.h"
#include "base/hash.h"
#include "audit/follow.h"
#include "audit/pid-cache.h"
#include "macro.h"
#include "sc-cleanup.h"

#define DEFAULT_RING	256
#define MAX_SERIES	10000 /* bounded label cardinality on /metrics */
#define SERIES_TTL_MS	(3600 * 1000)
#define EXPIRE_EVERY_MS (60 * 1000)
#define DEDUP_SLOTS	1024
#define PID_CACHE	256
#define PID_RECHECK_MS	1000
#define FOLLOW_BUF	(64u << 10)
#define REUSE_SLACK_MS	2000 /* boot time is known to the second, clocks drift */

struct series {
	uint64_t hash;
	char *key; /* "ns\0pod\0container\0syscall\0action\0" */
	size_t key_len;
	uint64_t count;
	uint64_t last_ms; /* monotonic: when it was last counted */
};

struct pid_cache_entry {
	uint32_t pid;
	bool gone;
	uint64_t start_ms, checked_ms;
	int ret;
	struct sc_pod_ref ref;
};

struct sc_violations {
	struct sc_violations_options o;
	char *paths_buf[4];
	struct sc_follow kmsg, audit;
	int inotify_fd;
	char *audit_dir;
	struct sc_audit_record *rec;
	struct sc_violations_stats stats;
	/* ring of the latest */
	struct sc_violation *ring;
	size_t ring_size, ring_head, ring_n;
	/* series */
	struct series *tab;
	size_t tab_size, tab_used;
	uint64_t expired_ms; /* monotonic: the last sweep of idle series */
	/* (time, serial) of recent denials, to count a record once when both sources have it */
	struct {
		uint64_t time_ms, serial;
	} dedup[DEDUP_SLOTS];
	struct pid_cache_entry pcache[PID_CACHE];
	struct sc_pid_cache *pids; /* the pods' processes, remembered (remember_pids) */
	size_t budget; /* bytes of lines the running sc_violations_read may still take */
	bool more;     /* the last one stopped at its budget, with lines left */
};

/* Bytes of lines one sc_violations_read takes at most: a log written faster than it is read
 * (a neighbour appending to auditd's log, a flood of denials) must not keep the caller's loop
 * from its other work. 256 KiB is about 700 auditd records, a few ms of parsing. */
#define READ_BUDGET (256u << 10)

/* ---- helpers -------------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = sc_fnv64(SC_FNV64_INIT, s, n);

	return h ? h : 1;
}

static const char *action_name(enum sc_action a)
{
	const char *s = sc_action_to_string(sc_action_canonical(a));
	return s ? s : "unknown";
}

const char *sc_violation_attribution_to_string(enum sc_violation_attribution a)
{
	static const char *const names[_SC_VIOLATION_ATTR_COUNT] = {
		[SC_VIOLATION_ATTR_NONE] = "none",
		[SC_VIOLATION_ATTR_PROC] = "proc",
		[SC_VIOLATION_ATTR_CACHE] = "cache",
		[SC_VIOLATION_ATTR_EXE] = "exe",
	};
	return (unsigned)a < _SC_VIOLATION_ATTR_COUNT ? names[a] : NULL;
}

/* auditd's log, opened (at its end or not): only a regular file is followed. Whoever can
 * write /var/log/audit (a log shipper's hostPath) could put a FIFO or a link to /dev/zero
 * there, and a drain of a file that never ends never returns to the agent's event loop. */
static int audit_open(struct sc_follow *f, bool at_end, bool again)
{
	struct stat st;
	int r = again ? sc_follow_reopen(f) : sc_follow_open(f, at_end);

	if (r == 0 && (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		sc_follow_close(f);
		r = -ENOENT; /* as if absent: looked for again at the next event */
	}
	return r;
}

/* ---- open / free ---------------------------------------------------------------------- */

struct sc_violations *sc_violations_free(struct sc_violations *v)
{
	if (!v)
		return NULL;
	sc_follow_done(&v->kmsg);
	sc_follow_done(&v->audit);
	if (v->inotify_fd >= 0)
		(void)close(v->inotify_fd);
	free(v->audit_dir);
	sc_pid_cache_free(v->pids);
	for (size_t i = 0; i < ELEMENTSOF(v->paths_buf); i++)
		free(v->paths_buf[i]);
	for (size_t i = 0; i < v->tab_size; i++)
		free(v->tab[i].key);
	free(v->tab);
	free(v->ring);
	free(v->rec);
	free(v);
	return NULL;
}

static int dup_path(struct sc_violations *v, size_t i, const char **p)
{
	if (!*p)
		return 0;
	v->paths_buf[i] = strdup(*p);
	if (!v->paths_buf[i])
		return -ENOMEM;
	*p = v->paths_buf[i];
	return 0;
}

static int audit_setup(struct sc_violations *v, const char *path, bool explicit)
{
	char *slash;
	struct stat st;

	v->audit_dir = strdup(path);
	if (!v->audit_dir)
		return -ENOMEM;
	slash = strrchr(v->audit_dir, '/');
	if (slash == v->audit_dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	else {
		free(v->audit_dir);
		v->audit_dir = strdup(".");
		if (!v->audit_dir)
			return -ENOMEM;
	}
	if (stat(v->audit_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (!explicit)
			return 0; /* no auditd on this node */
		return -ENOENT;
	}
	/* Followed logs come a few records at a time: 64 KiB, grown for long lines. */
	if (sc_follow_init(&v->audit, path, false, true, FOLLOW_BUF) < 0)
		return -ENOMEM;
	v->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (v->inotify_fd < 0)
		return -errno;
	/* Events on the directory: writes to the log, and rotation (rename + create). */
	if (inotify_add_watch(v->inotify_fd, v->audit_dir,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_CLOSE_WRITE) < 0)
		return -errno;
	int r = audit_open(&v->audit, !v->o.from_start, false);
	if (r < 0 && r != -ENOENT)
		return r;
	return 0;
}

int sc_violations_open(const struct sc_violations_options *o, struct sc_violations **ret)
{
	cleanup_(sc_violations_freep) struct sc_violations *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	v->kmsg.fd = v->audit.fd = v->inotify_fd = -1;
	if (o)
		v->o = *o;
	/* Own copies of the paths: the options' strings need not outlive the call. */
	if (dup_path(v, 0, &v->o.paths.proc_root) < 0 ||
	    dup_path(v, 1, &v->o.paths.cgroup_root) < 0 ||
	    dup_path(v, 2, &v->o.paths.containers_logs) < 0 ||
	    dup_path(v, 3, &v->o.paths.pods_logs) < 0)
		return -ENOMEM;
	v->ring_size = v->o.ring_size ? v->o.ring_size : DEFAULT_RING;
	v->ring = calloc(v->ring_size, sizeof(*v->ring));
	v->rec = malloc(sizeof(*v->rec));
	v->tab_size = 64;
	v->tab = calloc(v->tab_size, sizeof(*v->tab));
	if (!v->ring || !v->rec || !v->tab)
		return -ENOMEM;
	if (v->o.remember_pids) {
		v->pids = sc_pid_cache_new(&v->o.paths, v->o.max_pids);
		if (!v->pids)
			return -ENOMEM;
	}

	const char *kmsg = v->o.kmsg_path ? v->o.kmsg_path : "/dev/kmsg";
	if (*kmsg) {
		if (sc_follow_init(&v->kmsg, kmsg, true, true, FOLLOW_BUF) < 0)
			return -ENOMEM;
		r = sc_follow_open(&v->kmsg, !v->o.from_start);
		if (r < 0)
			return r;
	}
	if (!v->o.audit_log)
		r = audit_setup(v, "/var/log/audit/audit.log", false);
	else if (*v->o.audit_log)
		r = audit_setup(v, v->o.audit_log, true);
	else
		r = 0;
	if (r < 0)
		return r;
	v->o.kmsg_path = v->kmsg.path;
	v->o.audit_log = v->audit.path;
	*ret = TAKE_PTR(v);
	return 0;
}

size_t sc_violations_fds(struct sc_violations *v, int *fds, size_t n)
{
	size_t k = 0;

	if (v->kmsg.fd >= 0 && k < n)
		fds[k++] = v->kmsg.fd;
	if (v->inotify_fd >= 0 && k < n)
		fds[k++] = v->inotify_fd;
	return k;
}

const struct sc_violations_stats *sc_violations_stats(struct sc_violations *v)
{
	return &v->stats;
}

/* ---- attribution ---------------------------------------------------------------------- */

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sc_violations_refresh(struct sc_violations *v)
{
	if (!v->pids)
		return -EOPNOTSUPP;
	return sc_pid_cache_refresh(v->pids, realtime_ms());
}

/* The process of a record is gone (or its pid is another's now): the pods' processes the
 * last refreshes saw name its pod container, by pid or else by comm and exe. */
static void attribute_gone(struct sc_violations *v, const struct sc_audit_record *rec,
			   struct sc_violation *x, const char *reason)
{
	const char *why = reason;

	x->pid_gone = true;
	x->attribution = SC_VIOLATION_ATTR_NONE;
	x->unattributed = reason;
	if (!v->pids || !(rec->have & SC_AUDIT_HAVE_PID) || rec->pid == 0)
		return;
	switch (sc_pid_cache_lookup(v->pids, rec->pid,
				    (rec->have & SC_AUDIT_HAVE_TIME) ? rec->time_ms : 0, x->comm,
				    x->exe, &x->pod, &why)) {
	case SC_PID_CACHE_BY_PID:
		x->attribution = SC_VIOLATION_ATTR_CACHE;
		x->unattributed = NULL;
		v->stats.attributed_cache++;
		break;
	case SC_PID_CACHE_BY_EXE:
		x->attribution = SC_VIOLATION_ATTR_EXE;
		x->unattributed = NULL;
		v->stats.attributed_exe++;
		break;
	default:
		x->pod = (struct sc_pod_ref){};
		x->unattributed = why;
		break;
	}
}

/* The pod of rec->pid. Cached per pid for PID_RECHECK_MS: a burst of denials from one process
 * costs one look-up (the cgroup, the kubelet's links), not one per record. After that the
 * start time is read again: a reused pid is another process, looked up afresh. */
static void attribute(struct sc_violations *v, const struct sc_audit_record *rec,
		      struct sc_violation *x)
{
	struct pid_cache_entry *c;
	uint64_t now = monotonic_ms(), start = 0;

	if (!(rec->have & SC_AUDIT_HAVE_PID) || rec->pid == 0) {
		attribute_gone(v, rec, x, "no-pid");
		return;
	}
	c = &v->pcache[((uint32_t)(rec->pid * 2654435761u) >> 24) % PID_CACHE];
	/* The start time is read for every denial (one small read): a pid reused within the
	 * cache's second must not inherit the old process's pod. The pod look-up is cached. */
	if (c->pid != rec->pid || now - c->checked_ms >= PID_RECHECK_MS ||
	    (sc_pid_start_ms(&v->o.paths, (pid_t)rec->pid, &start) == 0 && start != c->start_ms)) {
		bool same = c->pid == rec->pid && !c->gone;
		int r = sc_pid_start_ms(&v->o.paths, (pid_t)rec->pid, &start);

		c->checked_ms = now;
		if (r < 0) {
			c->pid = rec->pid;
			c->gone = true;
		} else if (!same || c->start_ms != start) {
			c->pid = rec->pid;
			c->start_ms = start;
			c->ret = sc_pod_from_pid(&v->o.paths, (pid_t)rec->pid, &c->ref);
			c->gone = c->ret == -ESRCH;
		}
	}
	if (c->gone) {
		attribute_gone(v, rec, x, "pid-gone-unseen");
		return;
	}
	if ((rec->have & SC_AUDIT_HAVE_TIME) && rec->time_ms &&
	    c->start_ms > rec->time_ms + REUSE_SLACK_MS) {
		/* started after the record: not the process that made it */
		attribute_gone(v, rec, x, "pid-reused");
		return;
	}
	x->pod = c->ref;
	x->attribution = SC_VIOLATION_ATTR_PROC;
}

/* ---- accounting ----------------------------------------------------------------------- */

static int series_grow(struct sc_violations *v)
{
	size_t ns = v->tab_size * 2;
	struct series *t = calloc(ns, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < v->tab_size; i++) {
		if (!v->tab[i].key)
			continue;
		size_t j = v->tab[i].hash & (ns - 1);
		while (t[j].key)
			j = (j + 1) & (ns - 1);
		t[j] = v->tab[i];
	}
	free(v->tab);
	v->tab = t;
	v->tab_size = ns;
	return 0;
}

/* Drop the series not counted for the TTL (their pods are most likely gone): the table is
 * rebuilt with the others. */
static int series_expire(struct sc_violations *v, uint64_t now)
{
	uint64_t ttl = v->o.series_ttl_ms ? v->o.series_ttl_ms : SERIES_TTL_MS;
	struct series *t = calloc(v->tab_size, sizeof(*t));
	size_t used = 0;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < v->tab_size; i++) {
		struct series *s = &v->tab[i];
		if (!s->key)
			continue;
		if (now - s->last_ms > ttl) {
			free(s->key);
			continue;
		}
		size_t j = s->hash & (v->tab_size - 1);
		while (t[j].key)
			j = (j + 1) & (v->tab_size - 1);
		t[j] = *s;
		used++;
	}
	free(v->tab);
	v->tab = t;
	v->tab_used = used;
	v->expired_ms = now;
	return 0;
}

static int series_count(struct sc_violations *v, const struct sc_violation *x)
{
	uint64_t now = monotonic_ms();
	char key[3 * SC_POD_NAME_MAX + 128], nr[24];
	const char *sys = x->syscall;
	size_t n = 0;

	if (!sys) {
		(void)snprintf(nr, sizeof(nr), "#%u", x->nr);
		sys = nr;
	}
	/* A container outside pods (podman, ctr) has no name here: its short id (the 12 digits
	 * podman and docker show) stands in, one series per container as for a pod's. Not the
	 * full id as a label of its own: it would make a new series at every restart of every
	 * pod container, which the name does not. */
	char short_id[13];
	(void)snprintf(short_id, sizeof(short_id), "%.12s", x->pod.container_id);
	const char *parts[] = { x->pod.namespace, x->pod.pod,
				x->pod.pod[0] ? x->pod.container : short_id, sys,
				action_name(x->action) };
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		size_t l = strlen(parts[i]);
		if (n + l + 1 > sizeof(key))
			return -EINVAL;
		memcpy(key + n, parts[i], l + 1);
		n += l + 1;
	}
	uint64_t h = hash_bytes(key, n);
	size_t j = h & (v->tab_size - 1);
	for (; v->tab[j].key; j = (j + 1) & (v->tab_size - 1))
		if (v->tab[j].hash == h && v->tab[j].key_len == n &&
		    memcmp(v->tab[j].key, key, n) == 0) {
			v->tab[j].count++;
			v->tab[j].last_ms = now;
			return 0;
		}
	if (v->tab_used >= MAX_SERIES) {
		/* Full: the idle series go first; only when none is, this one is not counted. */
		int r = series_expire(v, now);
		if (r < 0)
			return r;
		if (v->tab_used >= MAX_SERIES) {
			v->stats.series_dropped++;
			return 0;
		}
		for (j = h & (v->tab_size - 1); v->tab[j].key; j = (j + 1) & (v->tab_size - 1))
			;
	}
	v->tab[j].key = malloc(n);
	if (!v->tab[j].key)
		return -ENOMEM;
	memcpy(v->tab[j].key, key, n);
	v->tab[j].key_len = n;
	v->tab[j].hash = h;
	v->tab[j].count = 1;
	v->tab[j].last_ms = now;
	if (++v->tab_used * 2 > v->tab_size)
		return series_grow(v);
	return 0;
}

/* Only when both kmsg and audit.log are followed can a record arrive twice (auditd took it and
 * the kernel printed it too, e.g. while auditd started). Duplicates arrive close together: a
 * direct-mapped table of recent (time, serial) is enough. */
static bool seen_before(struct sc_violations *v, const struct sc_audit_record *rec)
{
	if (v->kmsg.fd < 0 || !v->audit.path || !(rec->have & SC_AUDIT_HAVE_SERIAL) ||
	    !(rec->have & SC_AUDIT_HAVE_TIME))
		return false;
	size_t i = (size_t)((rec->serial ^ (rec->time_ms * 0x9e3779b97f4a7c15ull)) % DEDUP_SLOTS);
	if (v->dedup[i].serial == rec->serial && v->dedup[i].time_ms == rec->time_ms)
		return true;
	v->dedup[i].serial = rec->serial;
	v->dedup[i].time_ms = rec->time_ms;
	return false;
}

static void account_loss(struct sc_violations *v, const struct sc_audit_record *rec)
{
	switch (rec->loss) {
	case SC_AUDIT_LOSS_SUPPRESSED:
		v->stats.printk_suppressed += rec->lost;
		break;
	case SC_AUDIT_LOSS_RATE_LIMIT:
		v->stats.rate_limit_events++;
		break;
	case SC_AUDIT_LOSS_BACKLOG:
		v->stats.backlog_events++;
		break;
	case SC_AUDIT_LOSS_PRINTK:
		v->stats.printk_events++;
		break;
	default:
		break;
	}
	if (rec->loss != SC_AUDIT_LOSS_SUPPRESSED && rec->lost > v->stats.audit_lost)
		v->stats.audit_lost = rec->lost;
}

static int add(struct sc_violations *v, const struct sc_audit_record *rec,
	       enum sc_violation_source src, struct sc_violation *ret)
{
	struct sc_violation *x;
	int r;

	if (rec->kind == SC_AUDIT_LOSS) {
		account_loss(v, rec);
		return 0;
	}
	if (rec->kind != SC_AUDIT_SECCOMP)
		return 0;
	v->stats.seccomp_records++;
	if (!(rec->have & SC_AUDIT_HAVE_CODE) || !sc_logs_action_is_denial(rec->action))
		return 0;
	if (seen_before(v, rec)) {
		v->stats.duplicates++;
		return 0;
	}
	x = &v->ring[(v->ring_head + v->ring_n) % v->ring_size];
	if (v->ring_n == v->ring_size)
		v->ring_head = (v->ring_head + 1) % v->ring_size;
	else
		v->ring_n++;
	*x = (struct sc_violation){
		.time_ms = (rec->have & SC_AUDIT_HAVE_TIME) ? rec->time_ms : 0,
		.serial = (rec->have & SC_AUDIT_HAVE_SERIAL) ? rec->serial : 0,
		.pid = (rec->have & SC_AUDIT_HAVE_PID) ? rec->pid : 0,
		.arch = rec->arch,
		.nr = rec->nr,
		.syscall = rec->name,
		.action = rec->action,
		.data = rec->data,
		.source = src,
	};
	if (rec->have & SC_AUDIT_HAVE_COMM)
		(void)snprintf(x->comm, sizeof(x->comm), "%.*s", (int)rec->comm_v.n, rec->comm_v.s);
	if (rec->have & SC_AUDIT_HAVE_EXE) {
		/* Longer paths are cut: the exe is for people, the pod for attribution. */
		size_t n = rec->exe_v.n < sizeof(x->exe) - 1 ? rec->exe_v.n : sizeof(x->exe) - 1;
		memcpy(x->exe, rec->exe_v.s, n);
		x->exe[n] = 0;
	}
	attribute(v, rec, x);
	if (x->attribution == SC_VIOLATION_ATTR_NONE)
		v->stats.unattributed++;
	v->stats.violations++;
	r = series_count(v, x);
	if (r < 0)
		return r;
	if (ret)
		*ret = *x;
	return 1;
}

int sc_violations_add_record(struct sc_violations *v, const struct sc_audit_record *rec,
			     struct sc_violation *ret)
{
	return add(v, rec, SC_VIOLATION_SRC_CALLER, ret);
}

/* ---- reading -------------------------------------------------------------------------- */

static int drain_lines(struct sc_violations *v, struct sc_follow *f, bool flush,
		       void (*fn)(const struct sc_violation *x, void *userdata), void *userdata)
{
	enum sc_violation_source src = f->kmsg ? SC_VIOLATION_SRC_KMSG : SC_VIOLATION_SRC_AUDIT_LOG;
	const char *line;
	size_t len;
	int n = 0;

	for (;;) {
		int r = sc_line_reader_next(&f->r, flush, &line, &len);
		if (r == -EPIPE && f->kmsg) {
			/* The ring wrapped past us: at least one record is gone. Reading goes on
			 * with the oldest record still there. */
			v->stats.kmsg_overruns++;
			continue;
		}
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return n;
		v->stats.lines++;
		sc_audit_parse_line(line, len, v->rec);
		struct sc_violation x;
		r = add(v, v->rec, src, &x);
		if (r < 0)
			return r;
		if (r > 0) {
			n++;
			if (fn)
				fn(&x, userdata);
		}
	}
}

/* The lines of 'f' read so far, within what is left of the call's budget: counted in bytes
 * read from the file, so a stretch without a newline (a hole, zeros, one endless line) is
 * bounded too. Reaching it sets v->more; the reader goes on from there at the next call. */
static int drain(struct sc_violations *v, struct sc_follow *f, bool flush,
		 void (*fn)(const struct sc_violation *x, void *userdata), void *userdata)
{
	uint64_t from, upto;
	int r;

	if (f->fd < 0)
		return 0;
	from = f->r.offset + (f->r.end - f->r.start);
	f->r.limit = from + v->budget;
	r = drain_lines(v, f, flush, fn, userdata);
	upto = f->r.offset + (f->r.end - f->r.start);
	f->r.limit = 0;
	v->budget -= upto - from < v->budget ? upto - from : v->budget;
	if (!v->budget)
		v->more = true;
	return r;
}

static void drain_inotify(struct sc_violations *v)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(v->inotify_fd, buf, sizeof(buf)) > 0)
		;
}

/* auditd's log: read what is new, then follow a rotation (rename + create) or a truncation. */
static int read_audit(struct sc_violations *v,
		      void (*fn)(const struct sc_violation *x, void *userdata), void *userdata)
{
	struct sc_follow *f = &v->audit;
	int n = 0, r;

	drain_inotify(v);
	if (f->fd < 0) {
		/* Created since we looked (auditd started, or rotation finished): all new. */
		r = audit_open(f, false, false);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
	}
	if (sc_follow_check(f) == SC_FOLLOW_TRUNCATED) {
		/* Truncated in place, perhaps refilled past where we read (copytruncate): start
		 * over before reading on from there. */
		v->stats.audit_rotations++;
		r = sc_follow_rewind(f);
		if (r < 0)
			return r;
	}
	r = drain(v, f, false, fn, userdata);
	if (r < 0 || v->more)
		return r < 0 ? r : n + r; /* the rest, and any rotation, at the next call */
	n += r;
	switch (sc_follow_check(f)) {
	case SC_FOLLOW_SAME:
		return n; /* or renamed, the new one not created yet: the next event brings it */
	case SC_FOLLOW_TRUNCATED:
		/* Truncated in place (copytruncate): start over. */
		v->stats.audit_rotations++;
		r = sc_follow_rewind(f);
		if (r < 0)
			return r;
		r = drain(v, f, false, fn, userdata);
		return r < 0 ? r : n + r;
	case SC_FOLLOW_REPLACED:
		break;
	}
	/* A new file under the name: finish the old one (its last line too), then the new. Its
	 * rest is read before its last line is taken as ended (flush): stopped by the budget,
	 * the next call sees the same replacement again. */
	r = drain(v, f, true, fn, userdata);
	if (r < 0 || v->more)
		return r < 0 ? r : n + r;
	v->stats.audit_rotations++;
	n += r;
	r = audit_open(f, false, true);
	if (r == -ENOENT)
		return n;
	if (r < 0)
		return r;
	r = drain(v, f, false, fn, userdata);
	return r < 0 ? r : n + r;
}

int sc_violations_read(struct sc_violations *v,
		       void (*fn)(const struct sc_violation *x, void *userdata), void *userdata)
{
	int n = 0, r;

	v->budget = READ_BUDGET;
	v->more = false;
	r = drain(v, &v->kmsg, false, fn, userdata);
	if (r < 0)
		return r;
	n += r;
	if (v->audit.path && !v->more) {
		r = read_audit(v, fn, userdata);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

bool sc_violations_more(const struct sc_violations *v)
{
	return v && v->more;
}

/* ---- output --------------------------------------------------------------------------- */

/* Rotate the ring so the oldest is at index 0 (three reversals, in place). */
static void reverse(struct sc_violation *a, size_t n)
{
	struct sc_violation t;

	for (size_t i = 0; i < n / 2; i++) {
		t = a[i];
		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
}

size_t sc_violations_latest(struct sc_violations *v, const struct sc_violation **ret)
{
	if (v->ring_head) {
		reverse(v->ring, v->ring_head);
		reverse(v->ring + v->ring_head, v->ring_size - v->ring_head);
		reverse(v->ring, v->ring_size);
		v->ring_head = 0;
	}
	*ret = v->ring;
	return v->ring_n;
}

static void prom_label(FILE *f, const char *name, const char *value, bool comma)
{
	fprintf(f, "%s%s=\"", comma ? "," : "", name);
	sc_prom_escape(f, value);
	fputc('"', f);
}

static int series_cmp(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* How violations were attributed, and what the pid cache holds. */
static void write_attribution_metrics(struct sc_violations *v, FILE *f)
{
	const struct sc_violations_stats *s = &v->stats;
	const struct {
		const char *by;
		uint64_t n;
	} by[] = {
		{ "proc",
		  s->violations - s->attributed_cache - s->attributed_exe - s->unattributed },
		{ "cache", s->attributed_cache },
		{ "exe", s->attributed_exe },
		{ "none", s->unattributed },
	};
	struct sc_pid_cache_stats ps = {};

	fputs("# HELP syscage_violations_attributed_total Violations by how their pod container "
	      "was found: proc (the process's cgroup when the record was read), cache (the "
	      "process was gone: its pid, remembered alive in a container), exe (gone and never "
	      "seen: its comm and exe ran in one container only), none (not found; the log "
	      "line's unattributed= says why).\n"
	      "# TYPE syscage_violations_attributed_total counter\n",
	      f);
	for (size_t i = 0; i < ELEMENTSOF(by); i++)
		fprintf(f, "syscage_violations_attributed_total{by=\"%s\"} %llu\n", by[i].by,
			(unsigned long long)by[i].n);
	if (!v->pids)
		return;
	sc_pid_cache_stats(v->pids, &ps);
	fputs("# HELP syscage_violation_pids_remembered Processes of the node's containers "
	      "remembered to attribute records read after they died (alive, and gone for less "
	      "than 10 minutes).\n"
	      "# TYPE syscage_violation_pids_remembered gauge\n",
	      f);
	fprintf(f, "syscage_violation_pids_remembered %zu\n", ps.pids);
	fputs("# HELP syscage_violation_pids_not_remembered_total Processes not remembered "
	      "because the table was full of live ones (32768).\n"
	      "# TYPE syscage_violation_pids_not_remembered_total counter\n",
	      f);
	fprintf(f, "syscage_violation_pids_not_remembered_total %llu\n",
		(unsigned long long)ps.not_cached);
}

int sc_violations_write_metrics(struct sc_violations *v, FILE *f)
{
	static const char *const labels[] = { "namespace", "pod", "container", "syscall",
					      "action" };
	const struct sc_violations_stats *s = &v->stats;
	const struct {
		const char *reason;
		uint64_t n;
	} lost[] = {
		{ "kmsg_overrun", s->kmsg_overruns },
		{ "printk_suppressed", s->printk_suppressed },
		{ "rate_limit", s->rate_limit_events },
		{ "backlog", s->backlog_events },
		{ "printk_limit", s->printk_events },
		{ "audit_lost", s->audit_lost },
	};
	cleanup_free const struct series **sorted = NULL;
	uint64_t now = monotonic_ms();
	size_t k = 0;

	/* Series of pods long gone are not shown for ever (at most one sweep a minute). */
	if (v->tab_used &&
	    now - v->expired_ms >= (v->o.series_ttl_ms && v->o.series_ttl_ms < EXPIRE_EVERY_MS
					    ? v->o.series_ttl_ms
					    : EXPIRE_EVERY_MS)) {
		int r = series_expire(v, now);
		if (r < 0)
			return r;
	}
	/* Sorted output: stable for scrapers and tests. */
	if (v->tab_used) {
		sorted = calloc(v->tab_used, sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (size_t i = 0; i < v->tab_size; i++)
			if (v->tab[i].key)
				sorted[k++] = &v->tab[i];
		qsort(sorted, k, sizeof(*sorted), series_cmp);
	}
	fputs("# HELP syscage_violations_total Seccomp denials (ERRNO, KILL, TRAP) seen in the "
	      "kernel's audit records, per pod container, syscall and action; a series not "
	      "counted for an hour is dropped.\n"
	      "# TYPE syscage_violations_total counter\n",
	      f);
	for (size_t i = 0; i < k; i++) {
		const char *p = sorted[i]->key;
		fputs("syscage_violations_total{", f);
		for (size_t l = 0; l < ELEMENTSOF(labels); l++) {
			prom_label(f, labels[l], p, l > 0);
			p += strlen(p) + 1;
		}
		fprintf(f, "} %llu\n", (unsigned long long)sorted[i]->count);
	}
	fputs("# HELP syscage_violation_records_lost_total Audit records the kernel or auditd "
	      "dropped (lower bounds; a dropped record may hide a denial).\n"
	      "# TYPE syscage_violation_records_lost_total counter\n",
	      f);
	for (size_t i = 0; i < ELEMENTSOF(lost); i++)
		fprintf(f, "syscage_violation_records_lost_total{reason=\"%s\"} %llu\n",
			lost[i].reason, (unsigned long long)lost[i].n);
	fputs("# HELP syscage_violation_series_dropped_total Violations not counted per pod "
	      "because the number of series reached its limit.\n"
	      "# TYPE syscage_violation_series_dropped_total counter\n",
	      f);
	fprintf(f, "syscage_violation_series_dropped_total %llu\n",
		(unsigned long long)s->series_dropped);
	write_attribution_metrics(v, f);
	return ferror(f) ? -EIO : 0;
}

static void json_opt(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	if (s && *s)
		sc_json_text(f, s);
	else
		fputs("null", f);
}

static const char *source_name(enum sc_violation_source s)
{
	return s == SC_VIOLATION_SRC_KMSG	 ? "kmsg"
	       : s == SC_VIOLATION_SRC_AUDIT_LOG ? "audit"
						 : "input";
}

int sc_violations_json(struct sc_violations *v, char **ret)
{
	const struct sc_violation *xs;
	size_t n = sc_violations_latest(v, &xs);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct sc_violation *x = &xs[i];
		char ts[48] = "";
		time_t t = (time_t)(x->time_ms / 1000);
		struct tm tm;

		if (x->time_ms && gmtime_r(&t, &tm)) {
			size_t k = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
			(void)snprintf(ts + k, sizeof(ts) - k, ".%03uZ",
				       (unsigned)(x->time_ms % 1000));
		}
		fputs(i ? ",\n{" : "\n{", f);
		fputs("\"time\":", f);
		if (*ts)
			sc_json_text(f, ts);
		else
			fputs("null", f);
		fprintf(f, ",\"time_ms\":%llu,\"serial\":%llu,\"pid\":%u",
			(unsigned long long)x->time_ms, (unsigned long long)x->serial, x->pid);
		json_opt(f, "comm", x->comm);
		json_opt(f, "exe", x->exe);
		json_opt(f, "namespace", x->pod.namespace);
		json_opt(f, "pod", x->pod.pod);
		json_opt(f, "container", x->pod.container);
		json_opt(f, "pod_uid", x->pod.uid);
		json_opt(f, "container_id", x->pod.container_id);
		json_opt(f, "runtime", x->pod.runtime);
		fprintf(f, ",\"pid_gone\":%s", x->pid_gone ? "true" : "false");
		json_opt(f, "attribution", sc_violation_attribution_to_string(x->attribution));
		json_opt(f, "unattributed", x->unattributed);
		json_opt(f, "arch", x->arch >= 0 ? sc_arch_info(x->arch)->name : NULL);
		json_opt(f, "syscall", x->syscall);
		fprintf(f, ",\"nr\":%u,\"action\":\"%s\"", x->nr, action_name(x->action));
		/* The kernel logs code= without the errno since 4.14: 0 means not said. */
		if (x->action == SC_ACT_ERRNO && x->data)
			fprintf(f, ",\"errno\":%u", x->data);
		fprintf(f, ",\"source\":\"%s\"}", source_name(x->source));
	}
	fputs(n ? "\n]\n" : "]\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
