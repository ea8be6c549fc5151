/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's --record: which cgroup is which pod's container, and when a cgroup's bitmap
 * (kept by the node recorder, src/lib/record/record-node.c) is merged into its profile. One
 * recorder for the node: a cgroup is recorded from its first syscall, whether it lives for
 * hours or for five milliseconds, and a restarted container (a new cgroup) is one more bitmap
 * merged into the same file. An ended cgroup is drained within a tick of its rmdir and then
 * forgotten, so the kernel map holds live cgroups and the last second's dead ones only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/logline.h"
#include "agent/metrics.h"
#include "agent/recorder.h"
#include "base/install.h"
#include "macro.h"
#include "node/cgroup.h"
#include "syscage/names.h"
#include "syscage/record-node.h"
#include "syscage/record.h"

#define LIVE_EVERY     10     /* ticks between drains of live cgroups */
#define RETRY_MAX_MS   30000  /* longest wait between two look-ups of a cgroup's pod */
#define GIVE_UP_MS     120000 /* an ended cgroup whose pod cannot be told: dropped after */
#define SAVE_RETRY_MS  30000  /* a profile that could not be written: tried again after */
#define FIND_ROOTS_MS  2000   /* no kubepods cgroup yet: looked for again after */
#define RELOAD_MS      60000  /* the kernel side did not load: tried again after */
#define WALK_MAX_DEPTH 12
#define MAX_ROOT_DEPTH 3

enum cg_state {
	CG_UNRESOLVED, /* pod not told yet (no log link yet) */
	CG_MATCH,      /* a container of a pod --record names */
	CG_IGNORED,    /* not a pod's container, or a pod --record does not name */
};

struct cg {
	uint64_t id;
	char *path; /* relative to the cgroup v2 root; NULL when only the kernel map knew it */
	char *what; /* CG_MATCH: "ns/pod/container" */
	enum cg_state state;
	bool gone;
	uint64_t gone_ms, next_try_ms, retry_ms, next_save_ms;
	struct sc_record_node_bits written; /* what the profile already has from this cgroup */
};

struct sc_agent_recorder {
	struct sc_agent_recorder_opts o;
	struct sc_record_node *node;
	char cgroup_root[PATH_MAX];
	char *roots[SC_RECORD_NODE_MAX_ROOTS];
	size_t n_roots;
	bool said_unavailable;
	uint64_t next_open_ms;
	unsigned ticks;
	struct cg *cgs;
	size_t n_cgs, cap_cgs;
	/* metrics */
	size_t held; /* bitmaps in the kernel map at the last drain */
	uint64_t drained, writes, write_errors, unnamed;
};

static void rlog(struct sc_agent_recorder *r, const char *level, const char *fmt, ...)
	_printf_(3, 4);
static void rlog(struct sc_agent_recorder *r, const char *level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!r->o.log)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->o.log(r->o.userdata, level, line);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_diags(struct sc_agent_recorder *r, const char *event, const struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char q[1100];
		rlog(r, d->v[i].severity == SC_SEV_NOTE ? "info" : "warn", "event=%s msg=%s", event,
		     sc_log_quote(d->v[i].message, q, sizeof(q)));
	}
}

/* ---- the cgroup table ------------------------------------------------------------------- */

static struct cg *cg_find(struct sc_agent_recorder *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_cgs; i++)
		if (r->cgs[i].id == id)
			return &r->cgs[i];
	return NULL;
}

static struct cg *cg_add(struct sc_agent_recorder *r, uint64_t id, const char *path)
{
	struct cg *c = cg_find(r, id);

	if (c) {
		if (path && !c->path)
			c->path = strdup(path);
		return c;
	}
	if (r->n_cgs == r->cap_cgs) {
		size_t cap = r->cap_cgs ? r->cap_cgs * 2 : 64;
		struct cg *v = reallocarray(r->cgs, cap, sizeof(*v));
		if (!v)
			return NULL;
		r->cgs = v;
		r->cap_cgs = cap;
	}
	c = &r->cgs[r->n_cgs];
	*c = (struct cg){ .id = id, .retry_ms = 1000 };
	if (path && !(c->path = strdup(path)))
		return NULL;
	r->n_cgs++;
	return c;
}

static void cg_remove(struct sc_agent_recorder *r, struct cg *c)
{
	free(c->path);
	free(c->what);
	*c = r->cgs[--r->n_cgs];
}

/* Is 'path' ("/a/b/c") below one of the roots? */
static bool below_roots(const struct sc_agent_recorder *r, const char *path)
{
	for (size_t i = 0; i < r->n_roots; i++) {
		size_t n = strlen(r->roots[i]);
		if (path[0] == '/' && strncmp(path + 1, r->roots[i], n) == 0 && path[n + 1] == '/')
			return true;
	}
	return false;
}

static void on_event(uint64_t id, bool gone, const char *path, void *userdata)
{
	struct sc_agent_recorder *r = userdata;
	struct cg *c;

	if (!gone) {
		if (below_roots(r, path))
			(void)cg_add(r, id, path);
		return;
	}
	c = cg_find(r, id);
	if (c && !c->gone) {
		c->gone = true;
		c->gone_ms = now_ms();
	}
}

/* Every cgroup below 'rel' (relative to the v2 root, no leading '/'), as if made now. */
static void walk(struct sc_agent_recorder *r, char *rel, size_t len, size_t cap, unsigned depth)
{
	char full[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(full, sizeof(full), "%s/%s", r->cgroup_root, rel) >= (int)sizeof(full))
		return;
	d = opendir(full);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    len + 1 + n + 1 > cap)
			continue;
		rel[len] = '/';
		memcpy(rel + len + 1, de->d_name, n + 1);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			char abs[PATH_MAX];
			(void)snprintf(abs, sizeof(abs), "/%s", rel);
			(void)cg_add(r, st.st_ino, abs);
			if (depth + 1 < WALK_MAX_DEPTH)
				walk(r, rel, len + 1 + n, cap, depth + 1);
		}
		rel[len] = '\0';
	}
	if (d)
		(void)closedir(d);
}

static void walk_roots(struct sc_agent_recorder *r)
{
	char rel[PATH_MAX];

	for (size_t i = 0; i < r->n_roots; i++) {
		size_t n = strlen(r->roots[i]);
		if (n + 1 > sizeof(rel))
			continue;
		memcpy(rel, r->roots[i], n + 1);
		walk(r, rel, n, sizeof(rel), 0);
	}
}

/* ---- finding the roots and loading ------------------------------------------------------- */

static bool is_cgroup2_root(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;

	return snprintf(p, sizeof(p), "%s/cgroup.controllers", dir) < (int)sizeof(p) &&
	       stat(p, &st) == 0;
}

static bool known_root(const struct sc_agent_recorder *r, const char *rel)
{
	for (size_t i = 0; i < r->n_roots; i++)
		if (streq(r->roots[i], rel))
			return true;
	return false;
}

/* A kubepods cgroup found: recorded from now on, what is already below it entered by a walk. */
static void add_root(struct sc_agent_recorder *r, const char *rel)
{
	char *dup;
	int ret;

	if (known_root(r, rel) || r->n_roots >= SC_RECORD_NODE_MAX_ROOTS)
		return;
	dup = strdup(rel);
	if (!dup)
		return;
	ret = sc_record_node_add_root(r->node, rel);
	if (ret < 0) {
		char v[PATH_MAX];
		rlog(r, "warn", "event=record-root-failed root=%s err=\"%s\"",
		     sc_log_value(rel, v, sizeof(v)), strerror(-ret));
		free(dup);
		return;
	}
	r->roots[r->n_roots++] = dup;
	{
		char buf[PATH_MAX], v[PATH_MAX];
		size_t n = strlen(rel), before = r->n_cgs;
		memcpy(buf, rel, n + 1);
		walk(r, buf, n, sizeof(buf), 0);
		rlog(r, "info", "event=record-root root=%s cgroups=%zu",
		     sc_log_value(rel, v, sizeof(v)), r->n_cgs - before);
	}
}

/* The kubelet's top cgroups ("kubepods.slice" with the systemd driver, "kubepods" with
 * cgroupfs) up to MAX_ROOT_DEPTH below the v2 root, not below one another. */
static void find_roots(struct sc_agent_recorder *r, const char *rel, unsigned depth)
{
	char full[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(full, sizeof(full), "%s%s%s", r->cgroup_root, *rel ? "/" : "", rel) >=
	    (int)sizeof(full))
		return;
	d = opendir(full);
	while (d && (de = readdir(d))) {
		char sub[PATH_MAX];
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
		    (int)sizeof(sub))
			continue;
		if (streq(de->d_name, "kubepods.slice") || streq(de->d_name, "kubepods")) {
			add_root(r, sub);
			continue;
		}
		if (depth + 1 < MAX_ROOT_DEPTH)
			find_roots(r, sub, depth + 1);
	}
	if (d)
		(void)closedir(d);
}

/* Load the kernel side (no root yet), then add the roots there are. */
static int try_open(struct sc_agent_recorder *r)
{
	const char *base =
		r->o.paths && r->o.paths->cgroup_root ? r->o.paths->cgroup_root : "/sys/fs/cgroup";
	struct sc_record_node_opts no = {};
	struct sc_diags d = {};
	int ret;

	/* Hybrid hierarchies keep v2 under "unified". */
	(void)snprintf(r->cgroup_root, sizeof(r->cgroup_root), "%s", base);
	if (!is_cgroup2_root(r->cgroup_root))
		(void)snprintf(r->cgroup_root, sizeof(r->cgroup_root), "%s/unified", base);
	if (!is_cgroup2_root(r->cgroup_root)) {
		if (!r->said_unavailable) {
			char msg[3 * PATH_MAX], q[sizeof(msg) + 64], v[PATH_MAX];
			(void)snprintf(
				msg, sizeof(msg),
				"no cgroup v2 hierarchy at %s (nor %s/unified): recording needs "
				"cgroup v2; is the node's /sys/fs/cgroup mounted under "
				"--host-root?",
				base, base);
			rlog(r, "warn", "event=record-unavailable cgroup_root=%s msg=%s",
			     sc_log_value(base, v, sizeof(v)), sc_log_quote(msg, q, sizeof(q)));
		}
		r->said_unavailable = true;
		r->next_open_ms = now_ms() + RELOAD_MS;
		return -ENOENT;
	}
	no = (struct sc_record_node_opts){ .cgroup_root = r->cgroup_root,
					   .max_cgroups = r->o.max_cgroups };
	ret = sc_record_node_open(&no, &d, &r->node);
	if (ret < 0) {
		if (!r->said_unavailable) {
			log_diags(r, "record-unavailable", &d);
			rlog(r, "warn", "event=record-unavailable err=\"%s\"", strerror(-ret));
		}
		r->said_unavailable = true;
		r->node = NULL;
		r->next_open_ms = now_ms() + RELOAD_MS;
		sc_diags_clear(&d);
		return ret;
	}
	sc_diags_clear(&d);
	r->said_unavailable = false;
	{
		char v[PATH_MAX];
		rlog(r, "info", "event=record-start cgroup_root=%s",
		     sc_log_value(r->cgroup_root, v, sizeof(v)));
	}
	/* Cgroups made from here on come as events; the ones already there from a walk. */
	find_roots(r, "", 0);
	if (r->n_roots == 0) {
		char msg[2 * PATH_MAX], q[sizeof(msg) + 64], v[PATH_MAX];
		(void)snprintf(
			msg, sizeof(msg),
			"no kubepods cgroup (kubepods.slice or kubepods) below %s yet: is the "
			"kubelet running with cgroup v2? Looking again every %d s",
			r->cgroup_root, FIND_ROOTS_MS / 1000);
		rlog(r, "warn", "event=record-waiting cgroup_root=%s msg=%s",
		     sc_log_value(r->cgroup_root, v, sizeof(v)), sc_log_quote(msg, q, sizeof(q)));
	}
	return 0;
}

int sc_agent_recorder_new(const struct sc_agent_recorder_opts *o, struct sc_agent_recorder **ret)
{
	struct sc_agent_recorder *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->o = *o;
	(void)try_open(r);
	*ret = r;
	return 0;
}

int sc_agent_recorder_fd(const struct sc_agent_recorder *r)
{
	return r && r->node ? sc_record_node_fd(r->node) : -1;
}

void sc_agent_recorder_events(struct sc_agent_recorder *r)
{
	if (r->node)
		(void)sc_record_node_events(r->node, on_event, r);
}

/* ---- naming a cgroup's container ---------------------------------------------------------- */

/* CG_MATCH with 'what' set, CG_IGNORED, or CG_UNRESOLVED (try again later). */
static enum cg_state resolve(struct sc_agent_recorder *r, struct cg *c)
{
	char uid[64], id[SC_POD_ID_MAX], what[3 * SC_POD_NAME_MAX];
	const char *runtime = NULL;
	struct sc_pod_ref ref;
	bool match = false;
	int ret;

	if (!c->path)
		return CG_UNRESOLVED;
	if (!sc_cgroup_pod_path(c->path, strlen(c->path), uid, sizeof(uid), id, sizeof(id),
				&runtime))
		return CG_IGNORED; /* a pod's own or QoS cgroup, nothing of a container */
	ret = sc_pod_from_container_id(r->o.paths, id, &ref);
	if (ret < 0)
		return ret == -EINVAL ? CG_IGNORED : CG_UNRESOLVED;
	if (ref.uid[0] && !streq(ref.uid, uid))
		return CG_IGNORED; /* the link names another pod: not believed */
	/* The names become path components under the state dir: only what Kubernetes allows. */
	if (!sc_dns1123_label_valid(ref.namespace) || !sc_dns1123_subdomain_valid(ref.pod) ||
	    !sc_dns1123_label_valid(ref.container))
		return CG_IGNORED;
	for (size_t i = 0; i < r->o.n_globs && !match; i++)
		match = sc_pod_glob_matches(r->o.globs[i], ref.namespace, ref.pod);
	if (!match)
		return CG_IGNORED;
	(void)snprintf(what, sizeof(what), "%s/%s/%s", ref.namespace, ref.pod, ref.container);
	free(c->what);
	c->what = strdup(what);
	return c->what ? CG_MATCH : CG_UNRESOLVED;
}

/* ---- draining ---------------------------------------------------------------------------- */

/* A cgroup whose bitmap is read in this drain. By index: events read between two saves may
 * grow the table (never shrink it) and move it. */
struct due {
	size_t idx;
	const char *what; /* the cgroup's, stable */
	struct sc_record_node_bits bits;
	bool fresh; /* bits the profile does not have yet */
	bool gone;  /* ended before its bitmap was read: the bitmap is final */
};

static int due_cmp(const void *x, const void *y)
{
	const struct due *a = x, *b = y;
	return strcmp(a->what, b->what);
}

/* Merge one container's bitmaps (v[0..n), same 'what') into its profile. */
static int save_group(struct sc_agent_recorder *r, struct due *v, size_t n)
{
	struct sc_record *rec = sc_record_new();
	struct sc_profile *prof = NULL;
	struct sc_record_saved saved = {};
	struct sc_diags d = {};
	char dir[PATH_MAX], out[PATH_MAX], vw[3 * SC_POD_NAME_MAX + 8], vo[PATH_MAX + 8];
	const char *what = v[0].what;
	int ret;

	if (!rec)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ret = sc_record_node_bits_add(&v[i].bits, rec);
		if (ret < 0) {
			sc_record_free(rec);
			return ret;
		}
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/recorded/%.*s", r->o.state_dir,
			     (int)(strrchr(what, '/') - what), what) >= sizeof(dir) ||
	    (size_t)snprintf(out, sizeof(out), "%s/recorded/%s.json", r->o.state_dir, what) >=
		    sizeof(out)) {
		sc_record_free(rec);
		return -ENAMETOOLONG;
	}
	/* Missing levels made (0755) and entered without following a link (install.c). */
	ret = sc_open_dir_mkdirs(dir);
	if (ret < 0)
		goto fail;
	(void)close(ret);
	ret = sc_record_to_profile(rec, NULL, 0, SC_RECORD_BASE_NONE, &prof, NULL);
	if (ret < 0)
		goto fail;
	/* Merged into what earlier cgroups (restarts, other replicas) recorded. */
	ret = sc_record_save(prof, out, NULL, -1, &d, &saved);
	sc_profile_free(prof);
	if (ret < 0)
		goto fail;
	r->writes++;
	rlog(r, "info", "event=recorded pod=%s out=%s cgroups=%zu syscalls=%zu new=%zu",
	     sc_log_value(what, vw, sizeof(vw)), sc_log_value(out, vo, sizeof(vo)), n,
	     sc_record_distinct(rec, -1),
	     saved.created ? sc_record_distinct(rec, -1) : saved.n_fresh);
	free(saved.fresh);
	sc_diags_clear(&d);
	sc_record_free(rec);
	return 0;
fail:
	r->write_errors++;
	{
		char q[1100];
		rlog(r, "warn", "event=record-save-failed pod=%s out=%s err=\"%s\" msg=%s",
		     sc_log_value(what, vw, sizeof(vw)), sc_log_value(out, vo, sizeof(vo)),
		     strerror(-ret), sc_log_quote(d.n ? d.v[0].message : "", q, sizeof(q)));
	}
	free(saved.fresh);
	sc_diags_clear(&d);
	sc_record_free(rec);
	return ret;
}

/* The kernel map's ids that the table does not know once the ring was read after them (their
 * mkdir event was lost): a walk names the live ones; the others are entered as ended, without
 * a path, and given up on later (counted as unnamed). */
static void learn_unknown(struct sc_agent_recorder *r, const uint64_t *ids, size_t n)
{
	bool walked = false;

	for (size_t i = 0; i < n; i++) {
		struct cg *c;
		if (cg_find(r, ids[i]))
			continue;
		if (!walked) {
			walk_roots(r);
			walked = true;
			if (cg_find(r, ids[i]))
				continue;
		}
		c = cg_add(r, ids[i], NULL);
		if (c) {
			c->gone = true;
			c->gone_ms = now_ms();
		}
	}
}

/* Decide a cgroup's fate for this drain: true when its bitmap is to be read. */
static bool triage(struct sc_agent_recorder *r, struct cg *c, uint64_t t, bool live)
{
	if (c->state == CG_UNRESOLVED && t >= c->next_try_ms) {
		c->state = resolve(r, c);
		if (c->state == CG_UNRESOLVED) {
			c->next_try_ms = t + c->retry_ms;
			c->retry_ms =
				c->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : c->retry_ms * 2;
		}
	}
	if (c->state == CG_UNRESOLVED && c->gone && t - c->gone_ms >= GIVE_UP_MS) {
		r->unnamed++;
		char v[PATH_MAX];
		rlog(r, "warn",
		     "event=record-unnamed cgroup=%s msg=\"no kubelet log link names this "
		     "container (a pod sandbox, or its link was removed): its syscalls are "
		     "dropped\"",
		     sc_log_value(c->path, v, sizeof(v)));
		(void)sc_record_node_forget(r->node, c->id);
		c->state = CG_IGNORED;
	}
	if (c->state != CG_MATCH)
		return false;
	return (c->gone || live) && t >= c->next_save_ms;
}

static void drain(struct sc_agent_recorder *r, bool live)
{
	cleanup_free uint64_t *ids = NULL;
	cleanup_free struct due *v = NULL;
	uint64_t t = now_ms();
	size_t n_ids = 0, n = 0;

	if (!r->node || sc_record_node_ids(r->node, &ids, &n_ids) < 0)
		return;
	r->held = n_ids;
	/* A cgroup's mkdir event is in the ring before its first syscall made its bitmap: read
	 * after the ids, the ring names every one of them but those whose event was lost (or that
	 * were made before the start and gone before the walk). */
	sc_agent_recorder_events(r);
	learn_unknown(r, ids, n_ids);
	for (size_t i = 0, cap = 0; i < r->n_cgs; i++) {
		struct cg *c = &r->cgs[i];
		if (!triage(r, c, t, live))
			continue;
		/* Grown as needed: most ticks read a few bitmaps of the thousands held. */
		if (n == cap) {
			struct due *nv = reallocarray(v, cap ? cap * 2 : 16, sizeof(*v));
			if (!nv)
				break;
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		if (sc_record_node_read(r->node, c->id, &v[n].bits) < 0) {
			/* No syscall (yet): nothing to say; an ended one leaves below. */
			if (c->gone)
				c->state = CG_IGNORED;
			continue;
		}
		v[n].idx = i;
		v[n].what = c->what;
		v[n].fresh = sc_record_node_bits_new(&v[n].bits, &c->written);
		v[n].gone = c->gone;
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), due_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		bool fresh = false;
		for (j = i; j < n && streq(v[j].what, v[i].what); j++)
			fresh = fresh || v[j].fresh;
		if (fresh && save_group(r, v + i, j - i) < 0) {
			for (size_t k = i; k < j; k++)
				r->cgs[v[k].idx].next_save_ms = t + SAVE_RETRY_MS;
			continue;
		}
		for (size_t k = i; k < j; k++) {
			struct cg *c = &r->cgs[v[k].idx];
			c->written = v[k].bits;
			if (v[k].gone) {
				(void)sc_record_node_forget(r->node, c->id);
				r->drained++;
				c->state = CG_IGNORED; /* removed below */
			}
		}
		/* Writing takes time: the ring is read meanwhile, so a burst of container starts
		 * and ends never waits for the whole drain. */
		sc_agent_recorder_events(r);
	}
	/* Ended cgroups with nothing more to do leave the table (and the kernel map). */
	for (size_t i = 0; i < r->n_cgs;) {
		struct cg *c = &r->cgs[i];
		if (c->gone && c->state == CG_IGNORED) {
			(void)sc_record_node_forget(r->node, c->id);
			cg_remove(r, c);
		} else
			i++;
	}
}

int sc_agent_recorder_tick(struct sc_agent_recorder *r)
{
	if (!r->node) {
		if (now_ms() < r->next_open_ms || try_open(r) < 0)
			return 0;
		return 1;
	}
	/* A kubelet started after the agent, or another kubepods cgroup: looked for often, as
	 * it is a few directory reads. */
	if (now_ms() >= r->next_open_ms) {
		r->next_open_ms = now_ms() + FIND_ROOTS_MS;
		find_roots(r, "", 0);
	}
	sc_agent_recorder_events(r);
	drain(r, ++r->ticks % LIVE_EVERY == 0);
	return 0;
}

struct sc_agent_recorder *sc_agent_recorder_free(struct sc_agent_recorder *r)
{
	if (!r)
		return NULL;
	if (r->node) {
		sc_agent_recorder_events(r);
		drain(r, true);
	}
	sc_record_node_free(r->node);
	for (size_t i = 0; i < r->n_cgs; i++) {
		free(r->cgs[i].path);
		free(r->cgs[i].what);
	}
	free(r->cgs);
	for (size_t i = 0; i < r->n_roots; i++)
		free(r->roots[i]);
	free(r);
	return NULL;
}

void sc_agent_recorder_metrics(struct sc_agent_recorder *r, FILE *f)
{
	struct sc_record_node_stats st = {};
	size_t containers = 0;

	if (!r) { /* no --record */
		sc_metric_header(f, "syscage_recorder_up", "gauge",
				 "1 when the node recorder (--record) is loaded.");
		sc_metric_sample(f, "syscage_recorder_up", 0, (const char *)NULL);
		return;
	}
	if (r->node)
		(void)sc_record_node_stats(r->node, &st);
	for (size_t i = 0; i < r->n_cgs; i++)
		containers += r->cgs[i].state == CG_MATCH;
	sc_metric_header(f, "syscage_recorder_up", "gauge",
			 "1 when the node recorder (--record) is loaded.");
	sc_metric_sample(f, "syscage_recorder_up", r->node ? 1 : 0, (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_containers", "gauge",
			 "Container cgroups of --record pods being recorded (running, or ended "
			 "and not drained yet).");
	sc_metric_sample(f, "syscage_recorder_containers", (double)containers, (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_cgroups", "gauge",
			 "Cgroup bitmaps in the kernel map at the last drain (any pod).");
	sc_metric_sample(f, "syscage_recorder_cgroups", (double)r->held, (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_cgroups_drained_total", "counter",
			 "Ended container cgroups whose syscalls were merged into their profile.");
	sc_metric_sample(f, "syscage_recorder_cgroups_drained_total", (double)r->drained,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_profile_writes_total", "counter",
			 "Recorded profiles written (merged with what they held).");
	sc_metric_sample(f, "syscage_recorder_profile_writes_total", (double)r->writes,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_write_errors_total", "counter",
			 "Recorded profiles that could not be written (tried again in 30 s).");
	sc_metric_sample(f, "syscage_recorder_write_errors_total", (double)r->write_errors,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_cgroups_unnamed_total", "counter",
			 "Ended cgroups whose container no kubelet log link named (pod sandboxes "
			 "among them): their syscalls were dropped.");
	sc_metric_sample(f, "syscage_recorder_cgroups_unnamed_total", (double)r->unnamed,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_syscalls_total", "counter",
			 "Syscalls entered by processes in the kubepods cgroups.");
	sc_metric_sample(f, "syscage_recorder_syscalls_total", (double)st.events,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_map_full_total", "counter",
			 "Syscalls not recorded because the cgroup map was full.");
	sc_metric_sample(f, "syscage_recorder_map_full_total", (double)st.map_full,
			 (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_missed_total", "counter",
			 "Recorder program runs the kernel skipped (already running on that CPU): "
			 "syscalls or cgroup events not seen.");
	sc_metric_sample(f, "syscage_recorder_missed_total", (double)st.missed, (const char *)NULL);
	sc_metric_header(f, "syscage_recorder_events_lost_total", "counter",
			 "Cgroup births and deaths the kernel could not tell (ring buffer full).");
	sc_metric_sample(f, "syscage_recorder_events_lost_total", (double)st.events_lost,
			 (const char *)NULL);
}
