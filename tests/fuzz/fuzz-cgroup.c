/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the container runtimes' cgroup naming: cgroup.h (internal) on every
 * '/'-separated component, and the public readers of /proc/<pid>/cgroup text:
 * sc_container_from_cgroup (logs.h) and sc_pod_uid_from_cgroup (pods.h). The input is the
 * text of a /proc/<pid>/cgroup file. Checks: an id lies within the input, is lowercase hex
 * of 12 to 128 digits (a bare one, 64) and the runtime is a known name; a pod uid is in the
 * input (its '_' written back as '-'), 8 to 63 of [0-9a-fA-F-]; a result that does not fit
 * the caller's buffer is not returned. The same text is also read as /proc/1/cgroup of a
 * process by sc_pod_from_pid (pods.h) in a fake /proc made once (no kubelet log links, so
 * no pod is found): the container id it reports obeys the same rules. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/cgroup.h"
#include "syscage/cgroup.h"
#include "syscage/syscage.h"

static bool within(const char *hay, size_t n, const char *s, size_t sn)
{
	return sn <= n && memmem(hay, n, s, sn) != NULL;
}

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void check_runtime(const char *rt, bool allow_generic)
{
	static const char *const known[] = { "containerd", "cri-o", "docker", "podman" };
	static const char *const generic[] = { "kubepods", "container" };

	if (!rt)
		abort();
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(rt, known[i]) == 0)
			return;
	if (allow_generic)
		for (size_t i = 0; i < sizeof(generic) / sizeof(*generic); i++)
			if (strcmp(rt, generic[i]) == 0)
				return;
	fprintf(stderr, "unknown runtime '%s'\n", rt);
	abort();
}

static void check_id(const char *in, size_t size, const char *id, size_t n)
{
	if (n < 12 || n > 128 || !lower_hex(id, n) || !within(in, size, id, n)) {
		fprintf(stderr, "bad id '%.*s' (%zu)\n", (int)n, id, n);
		abort();
	}
}

static char root[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void cleanup(void)
{
	if (*root)
		(void)nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* <root>/proc/1/cgroup, with <root>/logs/{containers,pods} absent. */
static int fake_proc(void)
{
	char p[128];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)snprintf(root, sizeof(root), "%s/fuzz-cgroup-XXXXXX", dir);
	if (!mkdtemp(root)) {
		*root = 0;
		return -1;
	}
	(void)atexit(cleanup);
	(void)snprintf(p, sizeof(p), "%s/proc", root);
	if (mkdir(p, 0700) < 0)
		return -1;
	(void)snprintf(p, sizeof(p), "%s/proc/1", root);
	if (mkdir(p, 0700) < 0)
		return -1;
	(void)snprintf(p, sizeof(p), "%s/proc/1/cgroup", root);
	return open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
}

static void check_pid(const char *in, size_t size)
{
	static int fd = -2;
	static char proc[96], cgroup_root[96], cl[96], pl[96];
	struct sc_pods_paths p;
	struct sc_pod_ref ref;
	size_t off = 0;
	int r;

	if (fd == -2) {
		fd = fake_proc();
		(void)snprintf(proc, sizeof(proc), "%s/proc", root);
		(void)snprintf(cgroup_root, sizeof(cgroup_root), "%s/cgroup", root);
		(void)snprintf(cl, sizeof(cl), "%s/logs/containers", root);
		(void)snprintf(pl, sizeof(pl), "%s/logs/pods", root);
	}
	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = pwrite(fd, in + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (ftruncate(fd, (off_t)size) < 0)
		abort();
	p = (struct sc_pods_paths){ .proc_root = proc,
				    .cgroup_root = cgroup_root,
				    .containers_logs = cl,
				    .pods_logs = pl };
	memset(&ref, 0x55, sizeof(ref));
	r = sc_pod_from_pid(&p, 1, &ref);
	/* No log links: never a pod; a container id at most. */
	if (r != -ENOENT && r != -ENOMEM) {
		fprintf(stderr, "sc_pod_from_pid: %d\n", r);
		abort();
	}
	if (ref.namespace[0] || ref.pod[0] || ref.container[0])
		abort();
	if (ref.container_id[0]) {
		size_t n = strnlen(ref.container_id, sizeof(ref.container_id));
		if (n == sizeof(ref.container_id))
			abort();
		check_id(in, size, ref.container_id, n);
		check_runtime(ref.runtime ? ref.runtime : "containerd", false);
	} else if (ref.runtime) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the callers' buffer size: 0..255, so too small ones are too. */
	const size_t small = size ? data[0] : SC_POD_ID_MAX;
	char *buf, id[SC_POD_ID_MAX], uid[64];
	const char *rt;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	/* cgroup.h on each component, as logs.c and pods.c split them. */
	for (const char *c = buf, *end = buf + size; c < end;) {
		const char *e = c;
		while (e < end && *e != '/' && *e != '\n')
			e++;
		const size_t n = (size_t)(e - c);
		const char *cid = NULL, *crt = NULL;
		size_t cn = 0;
		if (sc_cgroup_is_hex(c, n) != lower_hex(c, n))
			abort();
		if (sc_cgroup_prefixed_id(c, n, &cid, &cn, &crt)) {
			/* Borrowed: inside the component, after a prefix. */
			if (cid <= c || cid + cn > c + n)
				abort();
			check_id(buf, size, cid, cn);
			check_runtime(crt, false);
		}
		c = e < end ? e + 1 : end;
	}

	/* The whole text, with room for any id, then with the picked size. */
	for (int pass = 0; pass < 2; pass++) {
		size_t idsz = pass ? (small < sizeof(id) ? small : sizeof(id)) : sizeof(id);
		rt = NULL;
		memset(id, 0x55, sizeof(id));
		if (sc_container_from_cgroup(buf, size, id, idsz, &rt) == 1) {
			size_t n = strnlen(id, idsz);
			if (n == idsz)
				abort(); /* not NUL-terminated within the buffer */
			check_id(buf, size, id, n);
			check_runtime(rt, true);
		}
		if (idsz < sizeof(id) && id[idsz] != 0x55)
			abort(); /* wrote past the buffer it was given */
	}
	(void)sc_container_from_cgroup(buf, size, id, sizeof(id), NULL);

	for (int pass = 0; pass < 2; pass++) {
		size_t usz = pass ? (small < sizeof(uid) ? small : sizeof(uid)) : sizeof(uid);
		memset(uid, 0x55, sizeof(uid));
		if (sc_pod_uid_from_cgroup(buf, size, uid, usz) == 1) {
			size_t n = strnlen(uid, usz);
			char *back;
			bool found;
			if (n == usz || n < 8 || n > 63)
				abort();
			for (size_t i = 0; i < n; i++)
				if (!((uid[i] >= '0' && uid[i] <= '9') ||
				      (uid[i] >= 'a' && uid[i] <= 'f') ||
				      (uid[i] >= 'A' && uid[i] <= 'F') || uid[i] == '-'))
					abort();
			/* In the input as written, or with its dashes escaped as '_' (systemd). */
			found = within(buf, size, uid, n);
			back = strndup(uid, n);
			if (!back)
				abort();
			for (size_t i = 0; i < n; i++)
				if (back[i] == '-')
					back[i] = '_';
			found = found || within(buf, size, back, n);
			if (!found) {
				/* Mixed '-' and '_': compare position by position. */
				for (size_t k = 0; !found && k + n <= size; k++) {
					size_t i = 0;
					while (i < n && (buf[k + i] == uid[i] ||
							 (uid[i] == '-' && buf[k + i] == '_')))
						i++;
					found = i == n;
				}
			}
			free(back);
			if (!found) {
				fprintf(stderr, "uid '%s' is not in the input\n", uid);
				abort();
			}
		}
		if (usz < sizeof(uid) && uid[usz] != 0x55)
			abort();
	}
	check_pid(buf, size);
	free(buf);
	return 0;
}
