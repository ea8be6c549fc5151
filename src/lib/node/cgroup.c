/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the container runtimes' cgroup naming (one table, see cgroup.h) and the parsing of
 * cgroup paths and /proc/<pid>/cgroup: container ids, pod uids, the runtime a path names.
 * The public entry points are declared in pods.h (sc_container_from_cgroup,
 * sc_pod_uid_from_cgroup) and inspect.h (sc_runtime_from_cgroup). */
#include <stdio.h>
#include <string.h>

#include "syscage/cgroup.h"
#include "syscage/inspect.h"
#include "syscage/pods.h"
#include "node/cgroup.h"
#include "macro.h"

/* The runtimes, as their cgroups name them. Logs, pods and inspect all take their names from
 * here; inspect writes "kube (<name>)" for a kubepods path. The order is inspect's for paths
 * outside kubepods (the first whose mark is in the path wins); inside kubepods the table is
 * read backwards (containerd, cri-o, docker), as inspect always did. */
static const struct runtime {
	const char *name;
	const char *scope_prefix;    /* systemd driver: "<prefix><id>[.scope]" */
	const char *cgroupfs_parent; /* cgroupfs driver: ".../<parent>/<64 hex id>" */
	const char *marks[2];	     /* inspect: a substring of the path naming it */
	const char *kube_mark;	     /* inspect: the same inside a kubepods path */
} runtimes[] = {
	{ .name = "podman", .scope_prefix = "libpod-", .marks = { "libpod" } },
	{ .name = "docker",
	  .scope_prefix = "docker-",
	  .cgroupfs_parent = "/docker/",
	  .marks = { "/docker/", "docker-" },
	  .kube_mark = "docker" },
	{ .name = "lxc", .marks = { "/lxc/", "lxc.payload" } },
	{ .name = "cri-o", .scope_prefix = "crio-", .marks = { "crio-" }, .kube_mark = "crio" },
	{ .name = "containerd",
	  .scope_prefix = "cri-containerd-",
	  .marks = { "containerd" },
	  .kube_mark = "cri-containerd" },
};

/* A bare 64-digit id whose runtime no parent names: logs and pods say "kubepods" below
 * kubepods and "container" elsewhere; inspect says "kube" for any kubepods path. These are
 * the names each has always printed (group keys and file names use them). */
#define BARE_KUBE_LOGS	  "kubepods"
#define BARE_OTHER_LOGS	  "container"
#define KUBE_INSPECT	  "kube"
#define KUBEPODS	  "kubepods"
#define KUBEPODS_LEN	  8
#define CONTAINER_ID_BARE 64

bool sc_cgroup_next_line(const char **cur, const char *end, struct sc_cgroup_line *ret)
{
	while (*cur < end) {
		const char *l = *cur;
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;
		const char *c1 = memchr(l, ':', (size_t)(le - l));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

		*cur = nl ? nl + 1 : end;
		if (!c2)
			continue;
		*ret = (struct sc_cgroup_line){ .line = l,
						.line_len = (size_t)(le - l),
						.path = c2 + 1,
						.path_len = (size_t)(le - c2 - 1) };
		return true;
	}
	return false;
}

bool sc_cgroup_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
	size_t pn = strlen(prefix);
	return n >= pn && memcmp(s, prefix, pn) == 0;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);
	return n >= sn && memcmp(s + n - sn, suffix, sn) == 0;
}

bool sc_cgroup_prefixed_id(const char *c, size_t n, const char **id, size_t *id_n,
			   const char **runtime)
{
	for (size_t i = 0; i < ELEMENTSOF(runtimes); i++) {
		const char *pfx = runtimes[i].scope_prefix;
		size_t pn;

		if (!pfx || !starts_with(c, n, pfx))
			continue;
		pn = strlen(pfx);
		c += pn;
		n -= pn;
		if (ends_with(c, n, ".scope"))
			n -= 6;
		if (n < 12 || n > 128 || !sc_cgroup_is_hex(c, n))
			return false;
		*id = c;
		*id_n = n;
		*runtime = runtimes[i].name;
		return true;
	}
	return false;
}

bool sc_cgroup_runtime_named(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(runtimes); i++)
		if (runtimes[i].scope_prefix && streq(name, runtimes[i].name))
			return true;
	return false;
}

/* ---- containers, for logs ------------------------------------------------------------- */

/* A bare 64-digit id at c (cgroupfs drivers: /docker/<id>, /kubepods/.../<id>,
 * /libpod_parent/...): the runtime its parent names, or a guess. */
static const char *bare_id_runtime(const char *path, const char *c, bool kube)
{
	for (size_t i = 0; i < ELEMENTSOF(runtimes); i++) {
		const char *parent = runtimes[i].cgroupfs_parent;
		size_t pn = parent ? strlen(parent) : 0;
		if (parent && (size_t)(c - path) >= pn && memcmp(c - pn, parent, pn) == 0)
			return runtimes[i].name;
	}
	return kube ? BARE_KUBE_LOGS : BARE_OTHER_LOGS;
}

static int match_path(const char *path, size_t len, char *id, size_t id_size,
		      const char **ret_runtime)
{
	bool kube = memmem(path, len, KUBEPODS, KUBEPODS_LEN) != NULL;
	const char *end = path + len;
	const char *best = NULL, *runtime = NULL;
	size_t best_n = 0;

	/* Walk components; the innermost match wins (nested containers). */
	for (const char *c = path; c < end;) {
		const char *slash = memchr(c, '/', (size_t)(end - c));
		const char *ce = slash ? slash : end;
		size_t n = (size_t)(ce - c);
		const char *cid, *crt;
		size_t cn;

		if (sc_cgroup_prefixed_id(c, n, &cid, &cn, &crt)) {
			best = cid;
			best_n = cn;
			runtime = crt;
		}
		if (n == CONTAINER_ID_BARE && sc_cgroup_is_hex(c, n)) {
			best = c;
			best_n = n;
			runtime = bare_id_runtime(path, c, kube);
		}
		c = slash ? slash + 1 : end;
	}
	if (!best || best_n + 1 > id_size)
		return 0;
	memcpy(id, best, best_n);
	id[best_n] = 0;
	if (ret_runtime)
		*ret_runtime = runtime;
	return 1;
}

int sc_container_from_cgroup(const char *text, size_t len, char *id, size_t id_size,
			     const char **ret_runtime)
{
	const char *cur = text;
	struct sc_cgroup_line l;

	while (sc_cgroup_next_line(&cur, text + len, &l))
		if (match_path(l.path, l.path_len, id, id_size, ret_runtime))
			return 1;
	return 0;
}

/* ---- pods ----------------------------------------------------------------------------- */

bool sc_cgroup_pod_component(const char *c, size_t n, char *uid, size_t size)
{
	const char *u = NULL;
	size_t un = 0;

	if (starts_with(c, n, "pod")) {
		u = c + 3;
		un = n - 3;
	} else if (starts_with(c, n, KUBEPODS) && ends_with(c, n, ".slice")) {
		size_t body = n - 6;
		for (size_t i = body; i >= 4; i--)
			if (memcmp(c + i - 4, "-pod", 4) == 0) {
				u = c + i;
				un = body - i;
				break;
			}
	}
	if (!u || un < 8 || un >= size || un > 63)
		return false;
	for (size_t i = 0; i < un; i++) {
		char ch = u[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F') || ch == '-' || ch == '_'))
			return false;
	}
	/* systemd slice names cannot hold '-' inside a unit-name component: the kubelet
	 * escapes the uid's dashes as '_'. */
	for (size_t i = 0; i < un; i++)
		uid[i] = u[i] == '_' ? '-' : u[i];
	uid[un] = 0;
	return true;
}

bool sc_cgroup_container_component(const char *c, size_t n, char *id, size_t size,
				   const char **ret_runtime)
{
	const char *cid = c, *runtime = NULL;
	size_t cn = n;

	if (!sc_cgroup_prefixed_id(c, n, &cid, &cn, &runtime) &&
	    (n < 12 || n > 128 || !sc_cgroup_is_hex(c, n)))
		return false;
	if (cn >= size)
		return false;
	memcpy(id, cid, cn);
	id[cn] = 0;
	*ret_runtime = runtime;
	return true;
}

int sc_pod_uid_from_cgroup(const char *text, size_t len, char *uid, size_t uid_size)
{
	const char *end = text + len;

	for (const char *c = text; c < end;) {
		const char *e = c;
		while (e < end && *e != '/' && *e != ':' && *e != '\n')
			e++;
		if (sc_cgroup_pod_component(c, (size_t)(e - c), uid, uid_size))
			return 1;
		c = e < end ? e + 1 : end;
	}
	return 0;
}

bool sc_cgroup_pod_path(const char *path, size_t len, char *uid, size_t uid_size, char *id,
			size_t id_size, const char **runtime)
{
	const char *end = path + len;
	bool in_pod = false;

	for (const char *c = path; c < end;) {
		const char *e = memchr(c, '/', (size_t)(end - c));
		size_t n = (size_t)((e ? e : end) - c);
		if (in_pod)
			return sc_cgroup_container_component(c, n, id, id_size, runtime);
		if (n && sc_cgroup_pod_component(c, n, uid, uid_size))
			in_pod = true;
		c = e ? e + 1 : end;
	}
	return false;
}

/* ---- the runtime a path names, for inspect -------------------------------------------- */

/* inspect's reading: any mention of a runtime in the path, not only a container's component
 * (a process in a runtime's own cgroups counts too). */
static const char *inspect_runtime_of(const char *path, char *buf, size_t size)
{
	if (strstr(path, KUBEPODS)) {
		for (size_t i = ELEMENTSOF(runtimes); i-- > 0;)
			if (runtimes[i].kube_mark && strstr(path, runtimes[i].kube_mark)) {
				(void)snprintf(buf, size, KUBE_INSPECT " (%s)", runtimes[i].name);
				return buf;
			}
		return KUBE_INSPECT;
	}
	for (size_t i = 0; i < ELEMENTSOF(runtimes); i++)
		for (size_t k = 0; k < ELEMENTSOF(runtimes[i].marks); k++)
			if (runtimes[i].marks[k] && strstr(path, runtimes[i].marks[k]))
				return runtimes[i].name;
	return NULL;
}

int sc_runtime_from_cgroup(const char *path, char *ret_runtime, size_t runtime_size, char *ret_id,
			   size_t id_size)
{
	const char *leaf, *kind;
	char id[96], kube[48];

	if (!path)
		return -EINVAL;
	kind = inspect_runtime_of(path, kube, sizeof(kube));
	if (!kind)
		return 0;
	if (ret_runtime && runtime_size)
		(void)snprintf(ret_runtime, runtime_size, "%s", kind);
	if (ret_id && id_size)
		ret_id[0] = 0;
	/* The leaf, without the systemd-driver decoration: docker-<id>.scope, libpod-<id>.scope,
	 * cri-containerd-<id>.scope, crio-<id>.scope; the cgroupfs driver uses the bare id. */
	leaf = strrchr(path, '/');
	leaf = leaf ? leaf + 1 : path;
	(void)snprintf(id, sizeof(id), "%s", leaf);
	{
		char *dot = strstr(id, ".scope");
		const char *h;
		if (dot)
			*dot = 0;
		h = strrchr(id, '-');
		h = h ? h + 1 : id;
		if (strlen(h) >= 12 && strspn(h, "0123456789abcdef") == strlen(h) && ret_id &&
		    id_size)
			(void)snprintf(ret_id, id_size, "%s", h);
	}
	return 1;
}
