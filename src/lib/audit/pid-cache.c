/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the cache of the pods' processes (see pid-cache.h): the refresh over the pods'
 * cgroup.procs files, its bounds, and the look-ups of a gone process by pid, then by comm and
 * exe. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/pid-cache.h"
#include "base/hash.h"
#include "node/cgroup.h"
#include "node/proc.h"
#include "macro.h"

#define CLOCK_SLACK_MS 2000 /* boot time is known to the second, clocks drift */
#define NESTED_DEPTH   4    /* cgroups a container made below its own */
#define PROCS_READ_MAX (4u << 20)
#define COMM_MAX       16

struct pc_entry {
	uint32_t pid;
	uint32_t cont;	   /* index in c[] */
	uint32_t gen;	   /* the last refresh that listed it */
	uint64_t start_ms; /* wall clock */
	uint64_t gone_ms;  /* wall clock of the first refresh that did not list it; 0: listed */
	uint64_t exe_hash; /* 0: not known */
	char comm[COMM_MAX];
};

struct pc_container {
	char id[SC_POD_ID_MAX]; /* "" : a free slot */
	uint64_t id_hash;
	struct sc_pod_ref ref;
	bool resolved; /* the kubelet's links or pod directory named its pod */
	uint32_t gen;
	uint32_t refs;
};

struct sc_pid_cache {
	const struct sc_pods_paths *p;
	size_t max;
	struct pc_entry *e;
	size_t n, cap;
	uint32_t *slot; /* open addressing by pid: index + 1 in e[], 0 empty */
	size_t n_slot;
	struct pc_container *c;
	size_t n_c, cap_c;
	uint32_t gen;
	uint64_t now_ms, btime_ms, refreshes, not_cached;
	long hz;
	int err; /* the first error of a refresh's walk (-ENOMEM) */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = sc_fnv64(SC_FNV64_INIT, s, strlen(s));
	return h ? h : 1;
}

static size_t pid_slot(uint32_t pid, size_t n_slot)
{
	return (size_t)(((uint64_t)pid * 0x9e3779b97f4a7c15ull) >> 32) & (n_slot - 1);
}

struct sc_pid_cache *sc_pid_cache_new(const struct sc_pods_paths *p, size_t max_pids)
{
	struct sc_pid_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->p = p;
	c->max = max_pids ? max_pids : SC_PID_CACHE_MAX_PIDS;
	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0)
		c->hz = 100;
	return c;
}

struct sc_pid_cache *sc_pid_cache_free(struct sc_pid_cache *c)
{
	if (!c)
		return NULL;
	free(c->e);
	free(c->slot);
	free(c->c);
	free(c);
	return NULL;
}

/* The slot table for n entries: at most half full. */
static int rehash(struct sc_pid_cache *c, size_t want)
{
	size_t ns = 64;

	while (ns < want * 2)
		ns *= 2;
	if (ns != c->n_slot) {
		uint32_t *s = calloc(ns, sizeof(*s));
		if (!s)
			return -ENOMEM;
		free(c->slot);
		c->slot = s;
		c->n_slot = ns;
	} else
		memset(c->slot, 0, ns * sizeof(*c->slot));
	for (size_t i = 0; i < c->n; i++) {
		size_t j = pid_slot(c->e[i].pid, c->n_slot);
		while (c->slot[j])
			j = (j + 1) & (c->n_slot - 1);
		c->slot[j] = (uint32_t)i + 1;
	}
	return 0;
}

static struct pc_entry *find(const struct sc_pid_cache *c, uint32_t pid)
{
	if (!c->n_slot)
		return NULL;
	for (size_t j = pid_slot(pid, c->n_slot); c->slot[j]; j = (j + 1) & (c->n_slot - 1))
		if (c->e[c->slot[j] - 1].pid == pid)
			return &c->e[c->slot[j] - 1];
	return NULL;
}

static int cmp_gone_desc(const void *a, const void *b)
{
	const struct pc_entry *x = a, *y = b;
	/* Listed ones first, then the most recently gone. */
	uint64_t gx = x->gone_ms ? x->gone_ms : UINT64_MAX,
		 gy = y->gone_ms ? y->gone_ms : UINT64_MAX;
	return (gx < gy) - (gx > gy);
}

/* Keep the entries 'keep' allows, the most recent first when more than 'limit' are left. */
static int compact(struct sc_pid_cache *c, size_t limit)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct pc_entry *e = &c->e[i];
		if (e->gone_ms && c->now_ms > e->gone_ms + SC_PID_CACHE_GONE_MS)
			continue;
		c->e[k++] = *e;
	}
	c->n = k;
	if (c->n > limit) {
		qsort(c->e, c->n, sizeof(*c->e), cmp_gone_desc);
		c->n = limit;
	}
	return rehash(c, c->max);
}

static struct pc_container *container_of(struct sc_pid_cache *c, const char *uid, const char *id,
					 const char *runtime)
{
	uint64_t h = hash_str(id);
	struct pc_container *x = NULL;

	for (size_t i = 0; i < c->n_c; i++) {
		if (c->c[i].id_hash == h && streq(c->c[i].id, id)) {
			x = &c->c[i];
			break;
		}
		if (!x && !c->c[i].id[0])
			x = &c->c[i]; /* a free slot, if the id is not found */
	}
	if (x && x->id[0] && x->id_hash == h) {
		if (!x->resolved) /* the kubelet may have made its links since */
			x->resolved = sc_pod_from_ids(c->p, uid, id, runtime, &x->ref) == 0;
		x->gen = c->gen;
		return x;
	}
	if (!x) {
		if (c->n_c == SC_PID_CACHE_CONTAINERS)
			return NULL;
		if (c->n_c == c->cap_c) {
			size_t nc = c->cap_c ? c->cap_c * 2 : 16;
			struct pc_container *v = reallocarray(c->c, nc, sizeof(*v));
			if (!v) {
				c->err = -ENOMEM;
				return NULL;
			}
			c->c = v;
			c->cap_c = nc;
		}
		x = &c->c[c->n_c++];
	}
	*x = (struct pc_container){ .id_hash = h, .gen = c->gen };
	(void)snprintf(x->id, sizeof(x->id), "%s", id);
	if (!*uid) { /* outside pods: the id and the runtime are all there is */
		(void)snprintf(x->ref.container_id, sizeof(x->ref.container_id), "%s", id);
		x->ref.runtime = runtime;
		x->resolved = true;
	} else
		x->resolved = sc_pod_from_ids(c->p, uid, id, runtime, &x->ref) == 0;
	return x;
}

/* Start time (wall clock) and comm of a pid from /proc/<pid>/stat. */
static int read_stat(const struct sc_pid_cache *c, uint32_t pid, uint64_t *start_ms, char *comm)
{
	char path[PATH_MAX], buf[1024];
	unsigned long long start;
	const char *open, *close, *s;

	sc_proc_path(path, sizeof(path), c->p ? c->p->proc_root : NULL, (pid_t)pid, "stat");
	if (sc_proc_read(path, buf, sizeof(buf), NULL) < 0)
		return -ESRCH;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	(void)snprintf(comm, COMM_MAX, "%.*s", (int)(close - open - 1), open + 1);
	s = close;
	for (int field = 2; field < 22 && s; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s + 1, "%llu", &start) != 1)
		return -EINVAL;
	*start_ms = c->btime_ms + (uint64_t)start * 1000 / (uint64_t)c->hz;
	return 0;
}

static void note_pid(struct sc_pid_cache *c, uint32_t pid, uint32_t cont)
{
	struct pc_entry *e = find(c, pid), n = { .pid = pid, .cont = cont, .gen = c->gen };
	char path[PATH_MAX], exe[PATH_MAX];
	ssize_t k;

	if (e && e->cont == cont) {
		/* The same container lists it again: the same process (or one that took its pid
		 * there, attributed alike). */
		e->gen = c->gen;
		e->gone_ms = 0;
		return;
	}
	if (read_stat(c, pid, &n.start_ms, n.comm) < 0)
		return; /* gone already */
	sc_proc_path(path, sizeof(path), c->p ? c->p->proc_root : NULL, (pid_t)pid, "exe");
	k = readlinkat(AT_FDCWD, path, exe, sizeof(exe) - 1);
	if (k > 0) {
		exe[k] = 0;
		n.exe_hash = hash_str(exe);
	}
	if (e) { /* listed by another container now: another process */
		*e = n;
		return;
	}
	if (c->n >= c->max) {
		/* Full: the gone ones make room, the oldest first (a quarter at a time). */
		size_t live = 0;
		for (size_t i = 0; i < c->n; i++)
			live += c->e[i].gone_ms == 0;
		if (live >= c->max || compact(c, live + (c->n - live) * 3 / 4) < 0 ||
		    c->n >= c->max) {
			c->not_cached++;
			return;
		}
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		struct pc_entry *v;
		if (nc > c->max)
			nc = c->max;
		v = reallocarray(c->e, nc, sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			return;
		}
		c->e = v;
		c->cap = nc;
	}
	if (!c->n_slot && rehash(c, c->max) < 0) {
		c->err = -ENOMEM;
		return;
	}
	c->e[c->n] = n;
	size_t j = pid_slot(pid, c->n_slot);
	while (c->slot[j])
		j = (j + 1) & (c->n_slot - 1);
	c->slot[j] = (uint32_t)++c->n;
}

/* The pids of 'dir'/cgroup.procs and of the cgroups below it. */
static void read_procs(struct sc_pid_cache *c, char *dir, size_t len, uint32_t cont, unsigned depth)
{
	cleanup_free char *text = NULL;
	DIR *d;
	struct dirent *de;

	if (len + sizeof("/cgroup.procs") > PATH_MAX)
		return;
	memcpy(dir + len, "/cgroup.procs", sizeof("/cgroup.procs"));
	if (sc_proc_read_alloc(dir, PROCS_READ_MAX, &text, NULL) == 0)
		for (char *s = text, *end; *s; s = end) {
			unsigned long pid = strtoul(s, &end, 10);
			if (end == s)
				break;
			while (*end == '\n')
				end++;
			if (pid > 0 && pid <= UINT32_MAX)
				note_pid(c, (uint32_t)pid, cont);
		}
	dir[len] = 0;
	if (depth >= NESTED_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    len + 1 + nl >= PATH_MAX)
			continue;
		dir[len] = '/';
		memcpy(dir + len + 1, de->d_name, nl + 1);
		read_procs(c, dir, len + 1 + nl, cont, depth + 1);
		dir[len] = 0;
	}
	closedir(d);
}

static int on_container(const char *cgroup_dir, const char *uid, const char *id,
			const char *runtime, void *userdata)
{
	struct sc_pid_cache *c = userdata;
	struct pc_container *x = container_of(c, uid, id, runtime);
	char dir[PATH_MAX];
	size_t len = strlen(cgroup_dir);

	if (c->err < 0)
		return c->err;
	if (!x || len >= sizeof(dir))
		return 0;
	memcpy(dir, cgroup_dir, len + 1);
	read_procs(c, dir, len, (uint32_t)(x - c->c), 0);
	return c->err;
}

static int read_btime(struct sc_pid_cache *c)
{
	char path[PATH_MAX], buf[8192];
	unsigned long long btime;
	const char *s;
	int r;

	sc_proc_path(path, sizeof(path), c->p ? c->p->proc_root : NULL, -1, "stat");
	r = sc_proc_read(path, buf, sizeof(buf), NULL);
	if (r < 0)
		return r;
	s = strstr(buf, "\nbtime ");
	if (!s || sscanf(s + 7, "%llu", &btime) != 1)
		return -EINVAL;
	c->btime_ms = (uint64_t)btime * 1000;
	return 0;
}

int sc_pid_cache_refresh(struct sc_pid_cache *c, uint64_t now_ms)
{
	size_t live = 0;
	int r;

	c->now_ms = now_ms;
	c->gen++;
	c->err = 0;
	r = read_btime(c);
	if (r < 0)
		return r;
	r = compact(c, c->max);
	if (r < 0)
		return r;
	r = sc_pods_walk_containers(c->p, on_container, c);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_c; i++)
		c->c[i].refs = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct pc_entry *e = &c->e[i];
		if (e->gen != c->gen && !e->gone_ms)
			e->gone_ms = now_ms;
		live += !e->gone_ms;
		c->c[e->cont].refs++;
	}
	/* A container neither listed now nor holding a remembered process is forgotten. */
	for (size_t i = 0; i < c->n_c; i++)
		if (!c->c[i].refs && c->c[i].gen != c->gen)
			c->c[i].id[0] = 0, c->c[i].id_hash = 0;
	c->refreshes++;
	return (int)(live > INT_MAX ? INT_MAX : live);
}

static bool same_workload(const struct sc_pod_ref *a, const struct sc_pod_ref *b)
{
	if (a->pod[0] || b->pod[0])
		return streq(a->namespace, b->namespace) && streq(a->pod, b->pod) &&
		       streq(a->container, b->container);
	return streq(a->container_id, b->container_id);
}

enum sc_pid_cache_match sc_pid_cache_lookup(const struct sc_pid_cache *c, uint32_t pid,
					    uint64_t time_ms, const char *comm, const char *exe,
					    struct sc_pod_ref *ret, const char **why)
{
	const struct pc_entry *e = find(c, pid);
	const struct pc_container *first = NULL;
	bool other_id = false;
	uint64_t h;

	if (e && (!time_ms || (e->start_ms <= time_ms + CLOCK_SLACK_MS &&
			       (!e->gone_ms || time_ms <= e->gone_ms + CLOCK_SLACK_MS)))) {
		*ret = c->c[e->cont].ref;
		return SC_PID_CACHE_BY_PID;
	}
	if (!comm || !*comm || !exe || !*exe) {
		*why = "pid-gone-unseen";
		return SC_PID_CACHE_NONE;
	}
	h = hash_str(exe);
	for (size_t i = 0; i < c->n; i++) {
		const struct pc_container *x = &c->c[c->e[i].cont];
		if (c->e[i].exe_hash != h || strncmp(c->e[i].comm, comm, COMM_MAX - 1) != 0)
			continue;
		if (!first) {
			first = x;
			continue;
		}
		if (!same_workload(&first->ref, &x->ref)) {
			*why = "ambiguous-exe";
			return SC_PID_CACHE_AMBIGUOUS;
		}
		other_id |= !streq(first->id, x->id);
	}
	if (!first) {
		*why = "pid-gone-unseen";
		return SC_PID_CACHE_NONE;
	}
	*ret = first->ref;
	if (other_id) /* the same pod container, restarted: which instance is not known */
		ret->container_id[0] = 0;
	return SC_PID_CACHE_BY_EXE;
}

void sc_pid_cache_stats(const struct sc_pid_cache *c, struct sc_pid_cache_stats *ret)
{
	*ret = (struct sc_pid_cache_stats){ .refreshes = c->refreshes,
					    .not_cached = c->not_cached };
	for (size_t i = 0; i < c->n; i++) {
		ret->pids++;
		ret->gone += c->e[i].gone_ms != 0;
	}
	for (size_t i = 0; i < c->n_c; i++)
		ret->containers += c->c[i].id[0] != 0;
}
