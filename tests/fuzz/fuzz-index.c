/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the index reader (the library's k8s/index.c, shared with `policy
 * build --prune`), reached as the agent reaches it (src/agent/index.c): the input is
 * <kubelet-root>/seccomp/syscage/index.json, then one reconcile of an empty policies
 * directory, which adopts what the index lists and prunes it. The tree is made once
 * (a temp directory, removed at exit):
 *   <tmp>/policies/                          empty
 *   <tmp>/outside.json                       sentinel
 *   <tmp>/kubelet/outside.json               sentinel
 *   <tmp>/kubelet/seccomp/x.json             sentinel
 *   <tmp>/kubelet/seccomp/other/x.json       sentinel
 *   <tmp>/kubelet/seccomp/syscage/shop/web.json   a profile the index may name (may go)
 * Checks: no crash; reconcile returns 0 (an index it cannot read is adopted as nothing); the
 * sentinels outside the root keep their content and nothing new appears outside the root.
 * Whatever the reconcile removed inside the root is put back before the next input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "agent/reconcile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL "{\"sentinel\": true}\n"

static char tmp[64];

static const char *const sentinels[] = {
	"outside.json",
	"kubelet/outside.json",
	"kubelet/seccomp/x.json",
	"kubelet/seccomp/other/x.json",
};

/* The entries each directory outside the root may hold (NULL-separated groups). */
static const struct {
	const char *dir;
	const char *names[4];
} expect[] = {
	{ "", { "policies", "outside.json", "kubelet", NULL } },
	{ "kubelet", { "seccomp", "outside.json", NULL } },
	{ "kubelet/seccomp", { "x.json", "other", "syscage", NULL } },
	{ "kubelet/seccomp/other", { "x.json", NULL } },
	{ "policies", { NULL } },
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void cleanup(void)
{
	if (*tmp)
		(void)nftw(tmp, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void path_of(char *buf, size_t size, const char *rel)
{
	(void)snprintf(buf, size, "%s%s%s", tmp, *rel ? "/" : "", rel);
}

static void write_file(const char *rel, const void *data, size_t size)
{
	char p[256];
	size_t off = 0;
	int fd;

	path_of(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		perror(p);
		abort();
	}
	while (off < size) {
		ssize_t n = write(fd, (const char *)data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	(void)close(fd);
}

static void make_dir(const char *rel)
{
	char p[256];

	path_of(p, sizeof(p), rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		perror(p);
		abort();
	}
}

/* The profile inside the root that an index may name (and the reconcile prune). */
static void inside_profile(void)
{
	static const char prof[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n";
	char p[256];
	struct stat st;

	path_of(p, sizeof(p), "kubelet/seccomp/syscage/shop/web.json");
	if (stat(p, &st) == 0)
		return;
	make_dir("kubelet/seccomp/syscage/shop");
	write_file("kubelet/seccomp/syscage/shop/web.json", prof, sizeof(prof) - 1);
}

static int setup(void)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)snprintf(tmp, sizeof(tmp), "%s/fuzz-index-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		*tmp = 0;
		return -1;
	}
	(void)atexit(cleanup);
	make_dir("policies");
	make_dir("kubelet");
	make_dir("kubelet/seccomp");
	make_dir("kubelet/seccomp/other");
	make_dir("kubelet/seccomp/syscage");
	for (size_t i = 0; i < sizeof(sentinels) / sizeof(*sentinels); i++)
		write_file(sentinels[i], SENTINEL, sizeof(SENTINEL) - 1);
	return 0;
}

static void check_outside(void)
{
	for (size_t i = 0; i < sizeof(sentinels) / sizeof(*sentinels); i++) {
		char p[256], buf[64];
		ssize_t n;
		int fd;

		path_of(p, sizeof(p), sentinels[i]);
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			fprintf(stderr, "sentinel %s: %s\n", p, strerror(errno));
			abort();
		}
		n = read(fd, buf, sizeof(buf));
		(void)close(fd);
		if (n != (ssize_t)sizeof(SENTINEL) - 1 || memcmp(buf, SENTINEL, (size_t)n) != 0) {
			fprintf(stderr, "sentinel %s changed\n", p);
			abort();
		}
	}
	for (size_t i = 0; i < sizeof(expect) / sizeof(*expect); i++) {
		char p[256];
		struct dirent *de;
		DIR *d;

		path_of(p, sizeof(p), expect[i].dir);
		d = opendir(p);
		if (!d)
			abort();
		while ((de = readdir(d))) {
			size_t k = 0;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			while (expect[i].names[k] && strcmp(expect[i].names[k], de->d_name) != 0)
				k++;
			if (!expect[i].names[k]) {
				fprintf(stderr, "written outside the root: %s/%s\n", p, de->d_name);
				abort();
			}
		}
		(void)closedir(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static char policies[96], kubelet[96];
	struct sc_reconciler *rc = NULL;
	struct sc_reconcile_result res;
	int r;

	if (!ready) {
		if (setup() < 0)
			abort();
		path_of(policies, sizeof(policies), "policies");
		path_of(kubelet, sizeof(kubelet), "kubelet");
		ready = 1;
	}
	inside_profile();
	write_file("kubelet/seccomp/syscage/index.json", data, size);

	const struct sc_reconcile_opts o = { .policies_dir = policies,
					     .kubelet_root = kubelet,
					     .threads = 1 };
	r = sc_reconciler_new(&o, &rc);
	if (r < 0) {
		fprintf(stderr, "sc_reconciler_new: %s\n", strerror(-r));
		abort();
	}
	memset(&res, 0, sizeof(res));
	r = sc_reconcile(rc, &res);
	if (r != 0 && r != -ENOMEM) {
		fprintf(stderr, "sc_reconcile: %d (%s)\n", r, strerror(-r));
		abort();
	}
	/* Nothing to read, so nothing produced; only what the index listed can go. */
	if (r == 0 && (res.n_files || res.n_sets || res.n_written || res.n_bindings))
		abort();
	sc_reconciler_free(rc);
	check_outside();
	return 0;
}
