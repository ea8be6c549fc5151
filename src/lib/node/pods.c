/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns finding pods without the API server: a process's cgroup gives its container id and
 * pod uid, the kubelet's log links (/var/log/containers, /var/log/pods) give namespace, pod
 * and container names. Both cgroup drivers (systemd slices, cgroupfs), containerd, CRI-O and
 * docker names. Everything is read through paths a test can point at a fake tree. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/cgroup.h"
#include "syscage/pods.h"
#include "node/cgroup.h"
#include "node/proc.h"
#include "macro.h"

#define CGROUP_WALK_MAX_DEPTH 12

static const char *or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

static const char *containers_logs(const struct sc_pods_paths *p)
{
	return or_default(p ? p->containers_logs : NULL, "/var/log/containers");
}

static const char *pods_logs(const struct sc_pods_paths *p)
{
	return or_default(p ? p->pods_logs : NULL, "/var/log/pods");
}

/* Copy s[0..n) into a fixed buffer; false when it does not fit or is empty. */
static bool copy_field(char *dst, size_t size, const char *s, size_t n)
{
	if (n == 0 || n >= size)
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);
	return n >= sn && memcmp(s + n - sn, suffix, sn) == 0;
}

/* ---- the kubelet's log links ---------------------------------------------------------- */

/* "<pod>_<namespace>_<container>-<id>.log" */
static bool parse_link_name(const char *name, struct sc_pod_ref *r)
{
	size_t n = strlen(name);
	const char *dash, *u1, *u2;

	if (!ends_with(name, n, ".log"))
		return false;
	n -= 4;
	dash = memrchr(name, '-', n);
	if (!dash)
		return false;
	size_t idn = n - (size_t)(dash + 1 - name);
	if (idn < 12 || !sc_cgroup_is_hex(dash + 1, idn))
		return false;
	u1 = memchr(name, '_', (size_t)(dash - name));
	u2 = u1 ? memchr(u1 + 1, '_', (size_t)(dash - u1 - 1)) : NULL;
	if (!u2 || memchr(u2 + 1, '_', (size_t)(dash - u2 - 1)))
		return false;
	return copy_field(r->pod, sizeof(r->pod), name, (size_t)(u1 - name)) &&
	       copy_field(r->namespace, sizeof(r->namespace), u1 + 1, (size_t)(u2 - u1 - 1)) &&
	       copy_field(r->container, sizeof(r->container), u2 + 1, (size_t)(dash - u2 - 1)) &&
	       copy_field(r->container_id, sizeof(r->container_id), dash + 1, idn);
}

/* "<namespace>_<pod>_<uid>": does it name this namespace and pod? Writes the uid. */
static bool parse_pod_dir(const char *s, size_t n, const struct sc_pod_ref *r, char *uid,
			  size_t uid_size)
{
	size_t nl = strlen(r->namespace), pl = strlen(r->pod);

	if (n < nl + pl + 3 || memcmp(s, r->namespace, nl) != 0 || s[nl] != '_' ||
	    memcmp(s + nl + 1, r->pod, pl) != 0 || s[nl + 1 + pl] != '_')
		return false;
	s += nl + pl + 2;
	n -= nl + pl + 2;
	if (memchr(s, '_', n) || memchr(s, '/', n))
		return false;
	return copy_field(uid, uid_size, s, n);
}

/* The link's target, ".../<namespace>_<pod>_<uid>/<container>/<n>.log": the uid. */
static bool uid_from_target(const char *t, size_t n, struct sc_pod_ref *r)
{
	const char *comp[3];
	size_t clen[3];
	const char *end = t + n;
	int k = 0;

	/* The last three components, from the end. */
	while (k < 3 && end > t) {
		const char *s = end;
		while (s > t && s[-1] != '/')
			s--;
		comp[2 - k] = s;
		clen[2 - k] = (size_t)(end - s);
		k++;
		end = s > t ? s - 1 : t;
	}
	if (k < 3 || clen[1] != strlen(r->container) || memcmp(comp[1], r->container, clen[1]) != 0)
		return false;
	return parse_pod_dir(comp[0], clen[0], r, r->uid, sizeof(r->uid));
}

/* /var/log/pods/<ns>_<pod>_*\/<container>/: the uid when exactly one pod dir has it. */
static void uid_from_pods_dir(const struct sc_pods_paths *p, struct sc_pod_ref *r)
{
	DIR *d = opendir(pods_logs(p));
	struct dirent *de;
	char uid[sizeof(r->uid)], path[PATH_MAX];
	unsigned found = 0;
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!parse_pod_dir(de->d_name, strlen(de->d_name), r, uid, sizeof(uid)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s", pods_logs(p), de->d_name,
			     r->container) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (found++ == 0)
			memcpy(r->uid, uid, sizeof(uid));
	}
	(void)closedir(d);
	if (found != 1)
		r->uid[0] = 0;
}

int sc_pod_from_container_id(const struct sc_pods_paths *p, const char *container_id,
			     struct sc_pod_ref *ret)
{
	size_t idn = container_id ? strlen(container_id) : 0;
	struct sc_pod_ref best = {}, cur;
	unsigned found = 0;
	char best_name[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d;

	if (idn < 12 || idn >= SC_POD_ID_MAX || !sc_cgroup_is_hex(container_id, idn))
		return -EINVAL;
	d = opendir(containers_logs(p));
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		/* Cheap test before parsing: the id sits right before ".log". */
		if (n < idn + 5 || !memmem(de->d_name, n, container_id, idn))
			continue;
		cur = (struct sc_pod_ref){};
		if (!parse_link_name(de->d_name, &cur))
			continue;
		if (strncmp(cur.container_id, container_id, idn) != 0)
			continue;
		bool exact = strlen(cur.container_id) == idn;
		if (exact || found == 0) {
			best = cur;
			memcpy(best_name, de->d_name, n + 1);
		}
		if (exact) {
			found = 1;
			break;
		}
		found++;
	}
	if (found == 1) {
		char target[PATH_MAX];
		ssize_t tn = readlinkat(dirfd(d), best_name, target, sizeof(target));
		if (tn <= 0 || tn >= (ssize_t)sizeof(target) ||
		    !uid_from_target(target, (size_t)tn, &best))
			uid_from_pods_dir(p, &best);
	}
	(void)closedir(d);
	if (found != 1)
		return -ENOENT;
	*ret = best;
	return 0;
}

/* /var/log/pods/<ns>_<pod>_<uid>/ for a uid: namespace and pod, and the container when the
 * pod has one container directory only. */
static int pod_from_uid(const struct sc_pods_paths *p, const char *uid, struct sc_pod_ref *r)
{
	DIR *d = opendir(pods_logs(p));
	struct dirent *de;
	size_t ul = strlen(uid);
	int ret = -ENOENT;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t n = strlen(name);
		const char *u1 = memchr(name, '_', n);
		const char *u2 = u1 ? memchr(u1 + 1, '_', n - (size_t)(u1 + 1 - name)) : NULL;
		if (!u2 || n - (size_t)(u2 + 1 - name) != ul || memcmp(u2 + 1, uid, ul) != 0)
			continue;
		if (!copy_field(r->namespace, sizeof(r->namespace), name, (size_t)(u1 - name)) ||
		    !copy_field(r->pod, sizeof(r->pod), u1 + 1, (size_t)(u2 - u1 - 1)))
			continue;
		(void)snprintf(r->uid, sizeof(r->uid), "%s", uid);
		ret = 0;
		/* Which container? Only certain when there is one. */
		int dfd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *cd = dfd >= 0 ? fdopendir(dfd) : NULL;
		unsigned n_cont = 0;
		char only[sizeof(r->container)] = "";
		if (!cd && dfd >= 0)
			(void)close(dfd);
		for (struct dirent *ce; cd && (ce = readdir(cd));) {
			if (ce->d_name[0] == '.')
				continue;
			if (n_cont++ == 0 &&
			    !copy_field(only, sizeof(only), ce->d_name, strlen(ce->d_name)))
				n_cont++; /* not a container name: do not guess */
		}
		if (cd)
			(void)closedir(cd);
		if (n_cont == 1)
			memcpy(r->container, only, sizeof(only));
		break;
	}
	(void)closedir(d);
	return ret;
}

/* A process in no pod's container: a plain container still has an id, and a pod's cgroup
 * without a container below it (the pod slice itself) still names the pod. */
static int pod_of_other_cgroup(const struct sc_pods_paths *p, const char *text, size_t len,
			       struct sc_pod_ref *ret)
{
	char uid[64] = "", id[SC_POD_ID_MAX] = "";
	const char *runtime = NULL;
	struct sc_pod_ref ref = {};

	if (sc_container_from_cgroup(text, len, id, sizeof(id), &runtime) == 1) {
		(void)snprintf(ret->container_id, sizeof(ret->container_id), "%s", id);
		/* Not the guesses for a bare id ("kubepods", "container"). */
		ret->runtime = sc_cgroup_runtime_named(runtime) ? runtime : NULL;
	}
	if (sc_pod_uid_from_cgroup(text, len, uid, sizeof(uid)) == 1 &&
	    pod_from_uid(p, uid, &ref) == 0) {
		ref.container[0] = 0;
		ref.runtime = ret->runtime;
		memcpy(ref.container_id, ret->container_id, sizeof(ref.container_id));
		*ret = ref;
		return 0;
	}
	return -ENOENT;
}

int sc_pod_from_pid(const struct sc_pods_paths *p, pid_t pid, struct sc_pod_ref *ret)
{
	char text[16384], uid[64] = "", id[SC_POD_ID_MAX] = "";
	const char *runtime = NULL, *cur = text;
	struct sc_cgroup_line l;
	size_t len;
	bool in_pod = false;
	int r;

	*ret = (struct sc_pod_ref){};
	if (pid <= 0)
		return -EINVAL;
	r = sc_proc_read_cgroup(p ? p->proc_root : NULL, pid, text, sizeof(text), &len);
	if (r == -ENOENT || r == -ESRCH)
		return -ESRCH;
	if (r < 0)
		return r;

	/* The first line that puts the process in a pod's container decides (v2 "0::" and the
	 * v1 hierarchies agree on a node). */
	while (!in_pod && sc_cgroup_next_line(&cur, text + len, &l))
		in_pod = sc_cgroup_pod_path(l.path, l.path_len, uid, sizeof(uid), id, sizeof(id),
					    &runtime);
	if (!in_pod)
		return pod_of_other_cgroup(p, text, len, ret);

	return sc_pod_from_ids(p, uid, id, runtime, ret);
}

int sc_pod_from_ids(const struct sc_pods_paths *p, const char *uid, const char *id,
		    const char *runtime, struct sc_pod_ref *ret)
{
	struct sc_pod_ref ref = {};
	int r;

	r = sc_pod_from_container_id(p, id, &ref);
	if (r == 0 && ref.uid[0] && !streq(ref.uid, uid)) {
		/* The link names another pod than the cgroup: not believed. */
		r = -ENOENT;
		ref = (struct sc_pod_ref){};
	} else if (r == 0 && !ref.uid[0])
		(void)snprintf(ref.uid, sizeof(ref.uid), "%s", uid);
	if (r == -ENOENT || r == -EINVAL) {
		ref = (struct sc_pod_ref){};
		r = pod_from_uid(p, uid, &ref);
	}
	(void)snprintf(ref.container_id, sizeof(ref.container_id), "%s", id);
	ref.runtime = runtime;
	if (r < 0) {
		ref.namespace[0] = ref.pod[0] = ref.container[0] = 0;
		(void)snprintf(ref.uid, sizeof(ref.uid), "%s", uid);
	}
	*ret = ref;
	return r;
}

bool sc_pod_glob_matches(const char *glob, const char *namespace, const char *pod)
{
	const char *slash;
	char ns_glob[256];

	if (!glob || !*glob)
		return true;
	if (!namespace || !pod || !*pod)
		return false;
	slash = strchr(glob, '/');
	if (!slash)
		return fnmatch(glob, pod, 0) == 0;
	if ((size_t)(slash - glob) >= sizeof(ns_glob))
		return false;
	memcpy(ns_glob, glob, (size_t)(slash - glob));
	ns_glob[slash - glob] = 0;
	return fnmatch(ns_glob, namespace, 0) == 0 &&
	       fnmatch(slash[1] ? slash + 1 : "*", pod, 0) == 0;
}

/* ---- walking the cgroup tree ---------------------------------------------------------- */

struct walk {
	const struct sc_pods_paths *p;
	const char *glob;
	int (*fn)(const char *cgroup_dir, const struct sc_pod_ref *ref, void *userdata);
	/* sc_pods_walk_containers: the cgroup's own ids, no log link read */
	int (*cfn)(const char *cgroup_dir, const char *uid, const char *id, const char *runtime,
		   void *userdata);
	void *userdata;
	char path[PATH_MAX];
};

static int select_dirs(const struct dirent *de)
{
	return de->d_name[0] != '.' && (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN);
}

static int walk_dir(struct walk *w, size_t plen, const char *uid, unsigned depth)
{
	struct dirent **ents = NULL;
	int n = scandir(w->path, &ents, select_dirs, alphasort);
	int ret = 0;

	if (n < 0)
		return depth == 0 ? -errno : 0; /* a cgroup that went away meanwhile */
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t nl = strlen(name);
		char puid[64], id[SC_POD_ID_MAX];
		const char *runtime = NULL;
		struct stat st;

		if (ret < 0 || plen + 1 + nl >= sizeof(w->path))
			continue;
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, name, nl + 1);
		if (ents[i]->d_type == DT_UNKNOWN &&
		    (lstat(w->path, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		if (uid && sc_cgroup_container_component(name, nl, id, sizeof(id), &runtime)) {
			struct sc_pod_ref ref;
			if (w->cfn) {
				int r = w->cfn(w->path, uid, id, runtime, w->userdata);
				if (r < 0)
					ret = r;
			} else if (sc_pod_from_container_id(w->p, id, &ref) == 0 &&
				   (!ref.uid[0] || streq(ref.uid, uid)) &&
				   sc_pod_glob_matches(w->glob, ref.namespace, ref.pod)) {
				if (!ref.uid[0])
					(void)snprintf(ref.uid, sizeof(ref.uid), "%s", uid);
				ref.runtime = runtime;
				int r = w->fn(w->path, &ref, w->userdata);
				if (r < 0)
					ret = r;
			}
			continue; /* never below a container: its own cgroups are its business */
		}
		/* sc_pods_walk_containers: a container outside pods (podman's libpod-<id>, docker's
		 * docker-<id>.scope) is named by its runtime's prefix; a bare id is not believed
		 * there. */
		const char *cid;
		size_t cn;
		if (!uid && w->cfn && sc_cgroup_prefixed_id(name, nl, &cid, &cn, &runtime) &&
		    cn < sizeof(id)) {
			memcpy(id, cid, cn);
			id[cn] = 0;
			int r = w->cfn(w->path, "", id, runtime, w->userdata);
			if (r < 0)
				ret = r;
			continue;
		}
		if (depth + 1 >= CGROUP_WALK_MAX_DEPTH)
			continue;
		/* The outermost pod component names the pod; nested ones do not count. */
		if (!uid && sc_cgroup_pod_component(name, nl, puid, sizeof(puid))) {
			int r = walk_dir(w, plen + 1 + nl, puid, depth + 1);
			if (r < 0)
				ret = r;
		} else if (!uid) {
			int r = walk_dir(w, plen + 1 + nl, NULL, depth + 1);
			if (r < 0)
				ret = r;
		}
		/* Inside a pod, only its container cgroups are of interest. */
	}
	w->path[plen] = 0;
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

/* The walk from the cgroup root ("unified" below it on hybrid hierarchies); frees w. */
static int walk_root(struct walk *w)
{
	const char *root = or_default(w->p ? w->p->cgroup_root : NULL, "/sys/fs/cgroup");
	char probe[PATH_MAX];
	struct stat st;
	int r;

	/* Hybrid hierarchies keep v2 under "unified". */
	(void)snprintf(probe, sizeof(probe), "%s/cgroup.controllers", root);
	if (stat(probe, &st) < 0) {
		(void)snprintf(probe, sizeof(probe), "%s/unified/cgroup.controllers", root);
		if (stat(probe, &st) == 0) {
			(void)snprintf(w->path, sizeof(w->path), "%s/unified", root);
			goto walk;
		}
	}
	if (snprintf(w->path, sizeof(w->path), "%s", root) >= (int)sizeof(w->path)) {
		free(w);
		return -ENAMETOOLONG;
	}
walk:
	/* No trailing slash: children are appended as "/name". */
	while (strlen(w->path) > 1 && w->path[strlen(w->path) - 1] == '/')
		w->path[strlen(w->path) - 1] = 0;
	r = walk_dir(w, strlen(w->path), NULL, 0);
	free(w);
	return r;
}

int sc_pods_walk_cgroups(const struct sc_pods_paths *p, const char *glob,
			 int (*fn)(const char *cgroup_dir, const struct sc_pod_ref *ref,
				   void *userdata),
			 void *userdata)
{
	struct walk *w;

	if (!fn)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct walk){ .p = p,
			    .glob = glob && !streq(glob, "*") ? glob : NULL,
			    .fn = fn,
			    .userdata = userdata };
	return walk_root(w);
}

int sc_pods_walk_containers(const struct sc_pods_paths *p,
			    int (*fn)(const char *cgroup_dir, const char *uid, const char *id,
				      const char *runtime, void *userdata),
			    void *userdata)
{
	struct walk *w;

	if (!fn)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct walk){ .p = p, .cfn = fn, .userdata = userdata };
	return walk_root(w);
}

int sc_pid_start_ms(const struct sc_pods_paths *p, pid_t pid, uint64_t *ret)
{
	const char *root = p ? p->proc_root : NULL;
	char path[PATH_MAX], buf[4096];
	unsigned long long start = 0, btime = 0;
	const char *s;
	long hz = sysconf(_SC_CLK_TCK);
	int r;

	if (pid <= 0)
		return -ESRCH; /* not a process: no /proc/<pid> */
	sc_proc_path(path, sizeof(path), root, pid, "stat");
	r = sc_proc_read(path, buf, sizeof(buf), NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	/* comm may hold spaces and ')': fields count from the last ')'. starttime is field
	 * 22, the 20th after the ')'. */
	s = strrchr(buf, ')');
	if (!s)
		return -EINVAL;
	for (int field = 2; field < 22 && s; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s + 1, "%llu", &start) != 1)
		return -EINVAL;

	sc_proc_path(path, sizeof(path), root, -1, "stat");
	r = sc_proc_read(path, buf, sizeof(buf), NULL);
	if (r < 0)
		return r;
	s = strstr(buf, "\nbtime ");
	if (!s || sscanf(s + 7, "%llu", &btime) != 1)
		return -EINVAL;
	if (hz <= 0)
		hz = 100;
	*ret = (uint64_t)btime * 1000 + (uint64_t)start * 1000 / (uint64_t)hz;
	return 0;
}
