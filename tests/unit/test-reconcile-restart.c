/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's reconcile across passes and restarts: what a pass takes over from the last one
 * (the file identities, the judgements kept in <root>/.state) never hides a change: a profile
 * edited behind the agent's back keeps its size and mtime and is still not the agent's; a
 * policy edited with the same size and mtime is still read; a state file that does not match
 * the index, the options or itself is not used. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/install.h"
#include "agent/reconcile.h"
#include "tap.h"

static char base[256], pol[300], kub[300], root[400];

static void setup(void)
{
	strcpy(base, "/tmp/sc-restart.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(pol, sizeof(pol), "%s/policies", base);
	snprintf(kub, sizeof(kub), "%s/kubelet", base);
	snprintf(root, sizeof(root), "%s/kubelet/seccomp/syscage", base);
	ck_assert_int_eq(mkdir(pol, 0755), 0);
	ck_assert_int_eq(mkdir(kub, 0755), 0);
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", pol, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static char *ka(const char *name, const char *ns, const char *app, const char *calls,
		const char *action)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
		 "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
		 "metadata:\n  name: %s\n  namespace: %s\nspec:\n  selector:\n    matchLabels:\n"
		 "      app: %s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n"
		 "    action: %s\n",
		 name, ns, app, calls, action);
	return buf;
}

static char *installed(const char *rel)
{
	char path[800], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (sc_read_file(path, 1 << 20, &buf, &len) < 0)
		return NULL;
	return buf;
}

/* Overwrite 'path' in place with 'text' of the same length, then give it back the times it
 * had: only its inode change time (which no one can set) tells. */
static void edit_keeping_times(const char *path, const char *text)
{
	struct stat st;
	struct timespec t[2];
	int fd;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, strlen(text));
	/* A later tick than the write that made it, whatever the clock's granularity. */
	usleep(20000);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mtim.tv_sec, t[1].tv_sec);
	ck_assert_int_eq(st.st_mtim.tv_nsec, t[1].tv_nsec);
}

/* The same text with its first "read" spelt "READ": same size, other bytes. */
static char *respelt(const char *text)
{
	char *s = strdup(text), *p = strstr(s, "\"read\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p + 1, "READ", 4);
	return s;
}

/* A profile edited in place by someone else, same size, mtime put back, while the agent
 * runs: the next pass that would rewrite it (its policy changed) must see that the file is
 * not what it wrote, and leave it alone. The identity the pass compares (inode, size, mtime)
 * said "unchanged" before the inode change time was part of it, and the edit was
 * overwritten. */
START_TEST(profile_edited_behind_back_keeping_times)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub };
	struct sc_reconcile_result res;
	struct sc_reconciler *r = NULL;
	char path[800], *t, *theirs;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(t);
	theirs = respelt(t);
	free(t);
	snprintf(path, sizeof(path), "%s/shop/web.json", root);
	edit_keeping_times(path, theirs);

	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_CONFLICT], 1);
	ck_assert_uint_eq(res.n_written, 0);
	t = installed("shop/web.json");
	ck_assert_str_eq(t, theirs);
	free(t);
	sc_reconciler_free(r);
	free(theirs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile-restart");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, profile_edited_behind_back_keeping_times);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
