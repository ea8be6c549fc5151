/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the agent's <root>/.state reader (reconcile-cache.c). The input is the
 * body of a state file: the harness puts in front of it what a random input would never get
 * right (the magic, this build's key, the root's device and inode, the index's hash, so the
 * entries are read as entries) and the checksum after it, so the fuzzer reaches every field.
 * Each input then goes through a fresh reconciler's first pass over one policy (after a pass
 * without a state has put the root back as that policy wants it). A checksummed state is
 * trusted as the agent's own, so what it claims may change what is installed; what must hold
 * whatever it says: the pass completes, or fails with -EAGAIN (a judgement the policy file
 * does not bear out) and the next pass completes; nothing is written outside the root
 * (names from a state are checked as the judge checks them); ASan/UBSan/LSan catch the
 * rest. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "agent/reconcile-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64], pol[128], kub[128], state[256];
static bool ready;

/* The names in 'dir' other than 'only' (and . ..): none may appear. */
static void only_entry(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, only) && strcmp(de->d_name, "policies")) {
			fprintf(stderr, "fuzz-state: %s/%s written outside the root\n", dir,
				de->d_name);
			abort();
		}
	closedir(d);
}

/* One pass of a fresh reconciler; its result. */
static int pass(void)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub, .threads = 1 };
	struct sc_reconcile_result res;
	struct sc_reconciler *r = NULL;
	int q;

	if (sc_reconciler_new(&o, &r) < 0)
		abort();
	q = sc_reconcile(r, &res);
	if (q == -EAGAIN)
		q = sc_reconcile(r, &res); /* the same reconciler judges that file again */
	sc_reconciler_free(r);
	return q;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* At exit, the harness's directory goes (a crash leaves it for the reproducer). */
static void cleanup(void)
{
	(void)nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	FILE *f;

	(void)snprintf(base, sizeof(base), "%s/fuzz-state-XXXXXX",
		       access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(base))
		abort();
	(void)atexit(cleanup);
	(void)snprintf(pol, sizeof(pol), "%s/policies", base);
	(void)snprintf(kub, sizeof(kub), "%s/kubelet", base);
	(void)snprintf(state, sizeof(state), "%s/seccomp/syscage/.state", kub);
	if (mkdir(pol, 0755) < 0 || mkdir(kub, 0755) < 0)
		abort();
	{
		char path[256];
		(void)snprintf(path, sizeof(path), "%s/web.yaml", pol);
		f = fopen(path, "w");
		if (!f)
			abort();
		fputs("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
		      "metadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n"
		      "    matchLabels:\n      app: web\n  seccomp:\n    arch: [x86_64]\n"
		      "    syscalls: [read, write]\n    action: Allow\n",
		      f);
		if (fclose(f) != 0)
			abort();
	}
	if (pass() != 0)
		abort();
	ready = true;
}

static void put64(FILE *f, uint64_t v)
{
	(void)fwrite(&v, sizeof(v), 1, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub, .threads = 1 };
	struct sc_reconciler *r = NULL;
	struct entry idx = {};
	struct stat st;
	char *buf = NULL, dir[256];
	size_t len = 0;
	uint64_t ih = 0;
	FILE *f;

	if (!ready)
		setup();
	/* The root as the policy wants it, without a state. */
	(void)unlink(state);
	if (pass() != 0)
		abort();
	/* The header this build and root accept, the input, the checksum. */
	if (sc_reconciler_new(&o, &r) < 0)
		abort();
	f = open_memstream(&buf, &len);
	if (!f || fstat(r->root_fd, &st) < 0)
		abort();
	(void)rc_disk_hash(r->root_fd, INDEX_NAME, &ih, &idx);
	fputs("SCSTATE1", f);
	put64(f, r->state_key);
	put64(f, (uint64_t)st.st_dev);
	put64(f, (uint64_t)st.st_ino);
	put64(f, ih);
	(void)fwrite(data, 1, size, f);
	if (fflush(f) != 0)
		abort();
	put64(f, rc_hash64(buf, len));
	if (fclose(f) != 0)
		abort();
	sc_reconciler_free(r);
	f = fopen(state, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(buf);

	if (pass() != 0) {
		fprintf(stderr, "fuzz-state: the pass did not complete\n");
		abort();
	}
	only_entry(base, "kubelet");
	only_entry(kub, "seccomp");
	(void)snprintf(dir, sizeof(dir), "%s/seccomp", kub);
	only_entry(dir, "syscage");
	return 0;
}
