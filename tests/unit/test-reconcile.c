/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's reconcile: adopt, skip unchanged, prune, rejection keeps the last good profile,
 * nothing outside the root, the LOG flag. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/install.h"
#include "agent/reconcile-internal.h"
#include "agent/reconcile.h"
#include "syscage/implicit.h"
#include "syscage/profile-read.h"
#include "tap.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define RECONCILE_FIXTURE_TMP "/tmp/sc-reconcile.XXXXXX"
#include "reconcile-fixture.h"

static void del(const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", pol, name);
	ck_assert_int_eq(unlink(path), 0);
}

static bool exists(const char *rel)
{
	char path[800];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

static int run(bool no_log, struct sc_reconcile_result *res)
{
	struct sc_reconcile_opts o = { .policies_dir = pol,
				       .kubelet_root = kub,
				       .no_log_flag = no_log };
	struct sc_reconciler *r = NULL;
	int q;

	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	q = sc_reconcile(r, res);
	sc_reconciler_free(r);
	return q;
}

/* Files under 'dir' (recursively), counted; the agent's .state (its judgements kept for a
 * restart, reconcile-cache.c) is not one of the files these cases count. */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[1200];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".state"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		n += S_ISDIR(st.st_mode) ? count_files(p) : 1;
	}
	closedir(d);
	return n;
}

START_TEST(installs_and_skips_unchanged)
{
	struct sc_reconcile_result res;
	struct stat a, b;
	char path[800];
	char *t;

	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_sets, 1);
	ck_assert_uint_eq(res.n_written, 1);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "\"SCMP_ACT_ALLOW\""));
	free(t);
	ck_assert(exists("index.json"));
	snprintf(path, sizeof(path), "%s/shop/web.json", root);
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino); /* not rewritten */
}
END_TEST

START_TEST(prunes_deleted_policy)
{
	struct sc_reconcile_result res;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	put("db.yaml", ka("db", "shop", "db", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(exists("shop/db.json"));
	del("db.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 1);
	ck_assert(!exists("shop/db.json"));
	ck_assert(exists("shop/web.json"));
	del("web.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(!exists("shop/web.json"));
	ck_assert(!exists("shop")); /* emptied namespace dir goes too */
}
END_TEST

START_TEST(adopts_previous_index_only)
{
	struct sc_reconcile_result res;
	char path[800];
	FILE *f;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	put("db.yaml", ka("db", "shop", "db", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	/* A file the agent did not write, in a namespace dir it uses: never touched. */
	snprintf(path, sizeof(path), "%s/shop/handmade.json", root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n", f);
	fclose(f);
	/* A "restart" (new reconciler) after db was deleted: the index says db was ours. */
	del("db.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 1);
	ck_assert(!exists("shop/db.json"));
	ck_assert(exists("shop/handmade.json"));
	ck_assert(exists("shop/web.json"));
}
END_TEST

START_TEST(bad_policy_keeps_last_good)
{
	struct sc_reconcile_result res;
	char *before, *after;

	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	put("db.yaml", ka("db", "shop", "db", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	before = installed("shop/web.json");
	ck_assert_ptr_nonnull(before);

	/* Broken YAML: rejected, counted, its profile stays; the other policy still updates. */
	put("web.yaml", "kind: KubeArmorSeccompPolicy\nmetadata: [oops\n");
	put("db.yaml", ka("db", "shop", "db", "read, close", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_rejected, 1);
	ck_assert_uint_eq(res.rejected[SC_REJECT_PARSE], 1);
	ck_assert_uint_eq(res.n_kept, 1);
	after = installed("shop/web.json");
	ck_assert_ptr_nonnull(after);
	ck_assert_str_eq(before, after);
	free(after);
	after = installed("shop/db.json");
	ck_assert_ptr_nonnull(strstr(after, "close"));
	free(after);

	/* Unknown syscall everywhere: same; and across another restart. */
	put("web.yaml", ka("web", "shop", "web", "read, nosuchcall", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_UNKNOWN_SYSCALL], 1);
	after = installed("shop/web.json");
	ck_assert_ptr_nonnull(after);
	ck_assert_str_eq(before, after);
	free(after);

	/* Fixed: installed anew. Then deleted: removed (the kept entry was in the index). */
	put("web.yaml", ka("web", "shop", "web", "read, write, openat", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_rejected, 0);
	after = installed("shop/web.json");
	ck_assert_ptr_nonnull(strstr(after, "openat"));
	free(after);
	put("web.yaml", "{not json");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(exists("shop/web.json"));
	del("web.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(!exists("shop/web.json"));
	free(before);
}
END_TEST

START_TEST(escape_writes_nothing_outside)
{
	struct sc_reconcile_result res;
	char outside[400], evil[800];

	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	put("x.yaml", ka("../../etc/x", "shop", "x", "read", "Allow"));
	put("y.yaml", ka("y", "../../../outside", "y", "read", "Allow"));
	put("z.yaml", ka("z", "Shop", "z", "read", "Allow"));
	put("ok.yaml", ka("ok", "shop", "ok", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_NAME], 3);
	ck_assert(exists("shop/ok.json"));
	ck_assert_uint_eq(count_files(outside), 0);
	/* Root holds exactly index.json and shop/ok.json. */
	ck_assert_uint_eq(count_files(root), 2);

	/* A symlink planted as a namespace dir is not followed. */
	snprintf(evil, sizeof(evil), "%s/evil", root);
	ck_assert_int_eq(symlink(outside, evil), 0);
	put("e.yaml", ka("e", "evil", "e", "read", "Allow"));
	(void)run(false, &res);
	ck_assert_uint_eq(count_files(outside), 0);
	del("e.yaml");
	ck_assert_int_eq(unlink(evil), 0);

	/* The whole kubelet tree: only the root has files (nothing in seccomp/ itself). */
	{
		char sdir[400];
		snprintf(sdir, sizeof(sdir), "%s/seccomp", kub);
		ck_assert_uint_eq(count_files(sdir), count_files(root));
	}
}
END_TEST

START_TEST(log_flag_default_and_off)
{
	struct sc_reconcile_result res;
	char *t;

	put("web.yaml", ka("web", "shop", "web", "read", "Block"));
	put("own.json", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": "
			"[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"], \"syscalls\": [{\"names\": "
			"[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}\n");
	ck_assert_int_eq(run(false, &res), 0);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(strstr(t, "SECCOMP_FILTER_FLAG_LOG"));
	free(t);
	t = installed("default/own.json");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
	ck_assert_ptr_null(strstr(t, "SECCOMP_FILTER_FLAG_LOG"));
	free(t);
	ck_assert_int_eq(run(true, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	t = installed("shop/web.json");
	ck_assert_ptr_null(strstr(t, "SECCOMP_FILTER_FLAG_LOG"));
	free(t);
}
END_TEST

START_TEST(merge_same_target_and_duplicates)
{
	struct sc_reconcile_result res;
	char *t;

	/* Two policies selecting the same pods: one profile, deny wins (seed 003). */
	put("a.yaml", ka("kscmp1", "shop", "web", "read, write", "Allow"));
	put("b.yaml", ka("kscmp2", "shop", "web", "write", "Block"));
	/* Same kind/namespace/name as a.yaml in a later file: rejected. */
	put("c.yaml", ka("kscmp1", "shop", "other", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_sets, 1);
	ck_assert_uint_eq(res.rejected[SC_REJECT_DUPLICATE], 1);
	ck_assert_uint_eq(count_files(root), 2);
	{
		DIR *d;
		struct dirent *de;
		char dir[600], name[300] = "";
		snprintf(dir, sizeof(dir), "%s/shop", root);
		d = opendir(dir);
		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				snprintf(name, sizeof(name), "shop/%s", de->d_name);
		closedir(d);
		ck_assert_int_eq(strncmp(name, "shop/kscmp1-", 12), 0);
		t = installed(name);
		ck_assert_ptr_nonnull(strstr(t, "SCMP_ACT_ERRNO"));
		free(t);
	}
}
END_TEST

/* A new file with a live policy's name loses, though it sorts first, and also while the
 * established file is rejected (its last good stays); once that file is gone it may win. */
START_TEST(duplicate_keeps_established)
{
	struct sc_reconcile_result res;
	char *t;

	put("b.yaml", ka("web", "shop", "web", "read, write", "Block"));
	ck_assert_int_eq(run(false, &res), 0);
	put("a.yaml", ka("web", "shop", "web", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_DUPLICATE], 1);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(
		strstr(t, "\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ERRNO\""));
	free(t);
	/* The established file broken: the newcomer still does not take over. */
	put("b.yaml", "kind: [unclosed\n");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_DUPLICATE], 1);
	ck_assert_uint_eq(res.n_kept, 1);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(strstr(t, "SCMP_ACT_ERRNO"));
	free(t);
	/* Gone: now the other file is the only one. */
	del("b.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_rejected, 0);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(strstr(t, "\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\""));
	free(t);
}
END_TEST

static void put_root(const char *rel, const char *text)
{
	char path[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Only what the agent wrote is its to change: a file at a policy's path that is not in its
 * index (the agent's own profile, put there by its init container) or that changed since the
 * agent wrote it is neither overwritten nor removed; the policy is rejected, naming it. */
START_TEST(foreign_files_left_alone)
{
	static const char own[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n";
	struct sc_reconcile_result res;
	char dir[600], *t;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	snprintf(dir, sizeof(dir), "%s/syscage-system", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put_root("syscage-system/syscage-agent.json", own);
	put("evil.yaml", ka("syscage-agent", "syscage-system", "x", "reboot", "Block"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_CONFLICT], 1);
	ck_assert_uint_eq(res.n_written, 0);
	t = installed("syscage-system/syscage-agent.json");
	ck_assert_str_eq(t, own);
	free(t);
	del("evil.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 0);
	t = installed("syscage-system/syscage-agent.json");
	ck_assert_str_eq(t, own);
	free(t);

	/* A profile the agent wrote, replaced by someone: not overwritten, not removed. */
	put_root("shop/web.json", own);
	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_CONFLICT], 1);
	t = installed("shop/web.json");
	ck_assert_str_eq(t, own);
	free(t);
	del("web.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(exists("shop/web.json"));
}
END_TEST

/* What the agent wrote stays its own across restarts: adopted without a rewrite, rewritten
 * when its policy changes, removed when its policy goes; an index without content hashes (an
 * earlier syscage's) is trusted as before. */
START_TEST(own_files_adopted_after_restart)
{
	struct sc_reconcile_result res;
	char idx[600], *buf = NULL, *p;
	size_t len;
	FILE *f;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	put("db.yaml", ka("db", "shop", "db", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 2);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_uint_eq(res.n_rejected, 0);
	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	ck_assert_uint_eq(res.n_rejected, 0);
	/* The index without its content hashes. */
	snprintf(idx, sizeof(idx), "%s/index.json", root);
	ck_assert_int_eq(sc_read_file(idx, 1 << 20, &buf, &len), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"content_hash\": \""));
	while ((p = strstr(buf, ", \"content_hash\": \"")))
		memmove(p, p + 36, strlen(p + 36) + 1);
	f = fopen(idx, "w");
	ck_assert_ptr_nonnull(f);
	fputs(buf, f);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
	del("db.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 1);
	ck_assert(!exists("shop/db.json"));
	del("web.yaml");
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 1);
	ck_assert(!exists("shop/web.json"));
}
END_TEST

static bool always(void *ud)
{
	return true;
}

START_TEST(cancel_leaves_nothing_half)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub, .cancel = always };
	struct sc_reconcile_result res;
	struct sc_reconciler *r = NULL;

	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), -ECANCELED);
	sc_reconciler_free(r);
	ck_assert_uint_eq(count_files(root), 0);
}
END_TEST

START_TEST(configmap_layout)
{
	struct sc_reconcile_result res;
	char p1[600], p2[600];

	/* <key> -> ..data/<key>, ..data -> ..<ts>: read once, through the key. */
	snprintf(p1, sizeof(p1), "%s/..2026_11_23_10_00_00.1", pol);
	ck_assert_int_eq(mkdir(p1, 0755), 0);
	put("..2026_11_23_10_00_00.1/web.yaml", ka("web", "shop", "web", "read", "Allow"));
	snprintf(p2, sizeof(p2), "%s/..data", pol);
	ck_assert_int_eq(symlink("..2026_11_23_10_00_00.1", p2), 0);
	snprintf(p2, sizeof(p2), "%s/web.yaml", pol);
	ck_assert_int_eq(symlink("..data/web.yaml", p2), 0);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_files, 1);
	ck_assert(exists("shop/web.json"));
}
END_TEST

/* Mid-update, as the kubelet leaves it between the ..data swap and its new links: the key set
 * is the payload's, so a renamed key's policy is not missing for a moment; a plain file put
 * beside the keys is still read. */
START_TEST(configmap_key_set_is_the_payloads)
{
	struct sc_reconcile_result res;
	char p[600], q[600];

	snprintf(p, sizeof(p), "%s/..2026_11_23_10_00_00.1", pol);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("..2026_11_23_10_00_00.1/a.yaml", ka("web", "shop", "web", "read", "Allow"));
	snprintf(p, sizeof(p), "%s/..data", pol);
	ck_assert_int_eq(symlink("..2026_11_23_10_00_00.1", p), 0);
	snprintf(p, sizeof(p), "%s/a.yaml", pol);
	ck_assert_int_eq(symlink("..data/a.yaml", p), 0);
	put("plain.yaml", ka("plain", "shop", "plain", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert(exists("shop/web.json"));
	/* The key renamed a.yaml -> b.yaml: the new payload and the swap, links not yet. */
	snprintf(p, sizeof(p), "%s/..2026_11_23_10_00_01.2", pol);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("..2026_11_23_10_00_01.2/b.yaml", ka("web", "shop", "web", "read", "Allow"));
	snprintf(p, sizeof(p), "%s/..data_tmp", pol);
	ck_assert_int_eq(symlink("..2026_11_23_10_00_01.2", p), 0);
	snprintf(q, sizeof(q), "%s/..data", pol);
	ck_assert_int_eq(rename(p, q), 0);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 0);
	ck_assert_uint_eq(res.n_files, 2);
	ck_assert(exists("shop/web.json"));
	ck_assert(exists("shop/plain.json"));
	/* Newer kubelets link first: b.yaml -> ..data/b.yaml before the swap back to a.yaml. */
	snprintf(p, sizeof(p), "%s/b.yaml", pol);
	ck_assert_int_eq(symlink("..data/b.yaml", p), 0);
	snprintf(p, sizeof(p), "%s/..data_tmp", pol);
	ck_assert_int_eq(symlink("..2026_11_23_10_00_00.1", p), 0);
	ck_assert_int_eq(rename(p, q), 0);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_removed, 0);
	ck_assert_uint_eq(res.n_rejected, 0);
	ck_assert(exists("shop/web.json"));
}
END_TEST

/* A link is followed only while it stays in the policies directory, and what a file that is no
 * policy holds is never quoted back. */
START_TEST(links_stay_inside_and_secrets_stay_unsaid)
{
	struct sc_reconcile_result res;
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub };
	struct sc_reconciler *r = NULL;
	char p[600], q[600], *json = NULL;
	FILE *f;

	snprintf(p, sizeof(p), "%s/shadow", base);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("root:$6$SeCrEtHaSh:20228:0:99999:7:::\n", f);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(q, sizeof(q), "%s/shadow.json", pol);
	ck_assert_int_eq(symlink(p, q), 0);
	snprintf(q, sizeof(q), "%s/up.yaml", pol);
	ck_assert_int_eq(symlink("../shadow", q), 0);
	put("copied.json", "root:$6$SeCrEtHaSh:20228:0:99999:7:::\n");
	snprintf(p, sizeof(p), "%s/sub", pol);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("sub/web.yaml", ka("web", "shop", "web", "read", "Allow"));
	snprintf(q, sizeof(q), "%s/inside.yaml", pol);
	ck_assert_int_eq(symlink("sub/web.yaml", q), 0);

	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_READ], 2);
	ck_assert_uint_eq(res.rejected[SC_REJECT_PARSE], 1);
	ck_assert_int_eq(sc_reconciler_json(r, &json), 0);
	ck_assert_ptr_null(strstr(json, "SeCrEt"));
	ck_assert_ptr_null(strstr(json, "root:"));
	ck_assert_ptr_nonnull(strstr(json, "leads out of the policies directory"));
	free(json);
	sc_reconciler_free(r);
	/* The link inside is followed (a duplicate of sub/web.yaml's policy, so one is
	 * rejected: it was read). */
	ck_assert_uint_eq(res.rejected[SC_REJECT_DUPLICATE], 1);
	ck_assert(exists("shop/web.json"));
}
END_TEST

/* A policy set with a bit of everything, large enough for the loader threads. */
static void many_policies(void)
{
	char name[64], app[64], sub[600], lnk[600];

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "p%03d.yaml", i);
		snprintf(app, sizeof(app), "app%d", i % 250); /* 50 targets merge two policies */
		snprintf(sub, sizeof(sub), "p%03d", i);
		put(name, ka(sub, i % 3 ? "shop" : "bank", app,
			     i % 7 ? "read, write, openat" : "read, not_a_syscall",
			     i % 5 ? "Allow" : "Block"));
	}
	put("dup.yaml", ka("p001", "shop", "dup", "read", "Allow")); /* a duplicate name */
	put("bad.yaml", "kind: [unclosed\n");
	put("empty.yaml", "");
	snprintf(sub, sizeof(sub), "%s/team", pol);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	put("team/t1.yaml", ka("t1", "team", "t1", "getpid", "Allow"));
	/* Not policies: a link to a directory, a dangling link; a FIFO, rejected. */
	snprintf(lnk, sizeof(lnk), "%s/dir.yaml", pol);
	ck_assert_int_eq(symlink("team", lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/gone.yaml", pol);
	ck_assert_int_eq(symlink("nowhere.yaml", lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/fifo.yaml", pol);
	ck_assert_int_eq(mkfifo(lnk, 0644), 0);
}

/* Every file under 'a' has the same bytes under 'b', and the other way round. */
static void same_tree(const char *a, const char *b)
{
	DIR *d = opendir(a);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char pa[1200], pb[1200], *ta = NULL, *tb = NULL;
		size_t la, lb;
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
		ck_assert_int_eq(lstat(pa, &st), 0);
		n++;
		if (S_ISDIR(st.st_mode)) {
			same_tree(pa, pb);
			continue;
		}
		ck_assert_int_eq(sc_read_file(pa, 1 << 24, &ta, &la), 0);
		ck_assert_msg(sc_read_file(pb, 1 << 24, &tb, &lb) == 0, "%s missing", pb);
		ck_assert_msg(la == lb && memcmp(ta, tb, la) == 0, "%s differs", pb);
		free(ta);
		free(tb);
	}
	closedir(d);
	ck_assert_uint_eq(count_files(a), count_files(b));
	ck_assert_uint_gt(n, 0);
}

static void run_threads(const char *kubelet, unsigned threads, struct sc_reconcile_result *res)
{
	struct sc_reconcile_opts o = { .policies_dir = pol,
				       .kubelet_root = kubelet,
				       .threads = threads };
	struct sc_reconciler *r = NULL;

	ck_assert_int_eq(mkdir(kubelet, 0755), 0);
	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_int_eq(sc_reconcile(r, res), 0);
	sc_reconciler_free(r);
}

START_TEST(threads_give_what_one_gives)
{
	struct sc_reconcile_result one, four;
	char k1[400], k4[400], r1[500], r4[500];

	many_policies();
	snprintf(k1, sizeof(k1), "%s/kub1", base);
	snprintf(k4, sizeof(k4), "%s/kub4", base);
	run_threads(k1, 1, &one);
	run_threads(k4, 4, &four);
	/* 300 + dup + bad + empty + team/t1 + the FIFO (rejected: not a regular file); the
	 * link to a dir and the dangling link are no policy files at all. */
	ck_assert_uint_eq(one.n_files, 305);
	ck_assert_uint_eq(one.rejected[SC_REJECT_READ], 1);
	ck_assert_uint_eq(four.n_files, one.n_files);
	ck_assert_uint_eq(four.n_policies, one.n_policies);
	ck_assert_uint_eq(four.n_sets, one.n_sets);
	ck_assert_uint_eq(four.n_written, one.n_written);
	ck_assert_uint_eq(four.n_rejected, one.n_rejected);
	ck_assert_uint_gt(one.n_rejected, 40); /* unknown syscalls, bad YAML, empty, dup */
	for (unsigned i = 0; i < _SC_REJECT_COUNT; i++)
		ck_assert_uint_eq(four.rejected[i], one.rejected[i]);
	snprintf(r1, sizeof(r1), "%s/seccomp/syscage", k1);
	snprintf(r4, sizeof(r4), "%s/seccomp/syscage", k4);
	same_tree(r1, r4); /* profiles and index.json, byte for byte */
}
END_TEST

/* Policies around the loader's 64 KiB read buffer are read whole. */
START_TEST(large_policies_read_whole)
{
	static const size_t sizes[] = { 65534, 65535, 65536, 65537, 300000 };
	struct sc_reconcile_result res;

	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		char name[64], app[64], *text = malloc(sizes[i] + 1), *t, rel[64];
		const char *tail;
		size_t head, pad;

		ck_assert_ptr_nonnull(text);
		snprintf(name, sizeof(name), "big%zu", i);
		snprintf(app, sizeof(app), "big%zu", i);
		/* A comment pads the front; the one syscall only this file names is last. */
		t = ka(name, "shop", app, "read, write, getppid", "Allow");
		tail = strstr(t, "spec:");
		head = (size_t)(tail - t);
		pad = sizes[i] - strlen(t) - 2;
		memcpy(text, t, head);
		text[head] = '#';
		memset(text + head + 1, 'x', pad);
		text[head + 1 + pad] = '\n';
		strcpy(text + head + 2 + pad, tail);
		ck_assert_uint_eq(strlen(text), sizes[i]);
		snprintf(rel, sizeof(rel), "big%zu.yaml", i);
		put(rel, text);
		free(text);
	}
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_rejected, 0);
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		char rel[64], *t;
		snprintf(rel, sizeof(rel), "shop/big%zu.json", i);
		t = installed(rel);
		ck_assert_ptr_nonnull(t);
		ck_assert_msg(strstr(t, "\"getppid\""), "%s lost its tail", rel);
		free(t);
	}
}
END_TEST

/* One reconciler over ConfigMap updates: one key changes, the rest is carried; the index
 * is left alone while the targets are the same, and put back when someone removes it. */
START_TEST(configmap_swaps_and_index)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub };
	struct sc_reconcile_result res;
	struct sc_reconciler *r = NULL;
	char d[64], p[700], idx[600], *t;
	struct stat a, b;

	for (int gen = 0; gen < 3; gen++) {
		snprintf(d, sizeof(d), "..2026_11_23_10_00_0%d.1", gen);
		snprintf(p, sizeof(p), "%s/%s", pol, d);
		ck_assert_int_eq(mkdir(p, 0755), 0);
		for (int i = 0; i < 200; i++) {
			char key[700], n[32];
			snprintf(n, sizeof(n), "k%03d", i);
			snprintf(key, sizeof(key), "%s/%s.yaml", d, n);
			put(key,
			    ka(n, "shop", n, i == 7 && gen ? "read, getppid" : "read", "Allow"));
			if (gen == 0) {
				char l[700], target[64];
				snprintf(l, sizeof(l), "%s/%s.yaml", pol, n);
				snprintf(target, sizeof(target), "..data/%s.yaml", n);
				ck_assert_int_eq(symlink(target, l), 0);
			}
		}
		snprintf(p, sizeof(p), "%s/..data_tmp", pol);
		ck_assert_int_eq(symlink(d, p), 0);
		snprintf(idx, sizeof(idx), "%s/..data", pol);
		ck_assert_int_eq(rename(p, idx), 0);
		if (gen == 0)
			ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
		ck_assert_int_eq(sc_reconcile(r, &res), 0);
		ck_assert_uint_eq(res.n_files, 200);
		ck_assert_uint_eq(res.n_written, gen == 0 ? 200 : gen == 1 ? 1 : 0);
		t = installed("shop/k007.json");
		ck_assert_ptr_nonnull(t);
		ck_assert(!strstr(t, "getppid") == (gen == 0));
		free(t);
	}
	snprintf(idx, sizeof(idx), "%s/index.json", root);
	ck_assert_int_eq(stat(idx, &a), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_int_eq(stat(idx, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino); /* unchanged targets: not rewritten */
	ck_assert_int_eq(unlink(idx), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_int_eq(stat(idx, &b), 0);
	/* A removed profile is put back by the next pass too. */
	snprintf(p, sizeof(p), "%s/shop/k100.json", root);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	ck_assert(exists("shop/k100.json"));
	sc_reconciler_free(r);
}
END_TEST

START_TEST(bad_root_name)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub, .root = "../x" };
	struct sc_reconciler *r = NULL;

	ck_assert_int_eq(sc_reconciler_new(&o, &r), -EINVAL);
	ck_assert_str_eq(sc_reject_reason_to_string(SC_REJECT_UNKNOWN_SYSCALL), "unknown-syscall");
}
END_TEST

/* A symlinked <kubelet-root>/seccomp (seccomp -> /etc) is refused, nothing written through it. */
START_TEST(symlinked_seccomp_dir_refused)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub };
	struct sc_reconciler *r = NULL;
	char outside[400], link[400];

	snprintf(outside, sizeof(outside), "%s/etc", base);
	snprintf(link, sizeof(link), "%s/seccomp", kub);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	ck_assert_int_eq(symlink(outside, link), 0);
	put("ok.yaml", ka("ok", "shop", "ok", "read", "Allow"));
	ck_assert_int_eq(sc_reconciler_new(&o, &r), -ELOOP);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(count_files(outside), 0);
	{
		DIR *d = opendir(outside);
		struct dirent *de;
		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			ck_assert_msg(de->d_name[0] == '.', "%s created through the link",
				      de->d_name);
		closedir(d);
	}
}
END_TEST

/* Temp files live in <root>/.tmp, never among the profiles; what a kill -9 left there goes
 * at start. */
START_TEST(temp_files_in_their_own_dir)
{
	struct sc_reconcile_result res;
	char tmpdir[600], left[700];
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub };
	struct sc_reconciler *r = NULL;
	FILE *f;

	put("a.yaml", ka("a", "shop", "a", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/.tmp", root);
	ck_assert_uint_eq(count_files(tmpdir), 0);
	/* Only the index and the profile: no temp file anywhere under the root. */
	ck_assert_uint_eq(count_files(root), 2);
	/* Leftovers of a killed pass. */
	for (int i = 0; i < 3; i++) {
		snprintf(left, sizeof(left), "%s/shop.a.json.%d.%d.sctmp", tmpdir, 99999, i);
		f = fopen(left, "w");
		ck_assert_ptr_nonnull(f);
		fputs("{\"half", f);
		fclose(f);
	}
	ck_assert_uint_eq(count_files(tmpdir), 3);
	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_uint_eq(count_files(tmpdir), 0);
	/* A pass that writes leaves none either. */
	put("a.yaml", ka("a", "shop", "a", "read, write", "Allow"));
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	ck_assert_uint_eq(count_files(tmpdir), 0);
	ck_assert_uint_eq(count_files(root), 2);
	sc_reconciler_free(r);
}
END_TEST

/* What a pass reads back from disk: nothing in namespace directories it made itself (a first
 * reconcile), nothing whose identity the renaming workers recorded (the next pass, on this
 * reconciler or a new one from .state), and a profile in a directory someone else made. */
START_TEST(profiles_read_back_only_when_unknown)
{
	struct sc_reconcile_opts o = { .policies_dir = pol, .kubelet_root = kub, .threads = 2 };
	struct sc_reconcile_result res;
	struct sc_reconciler *r = NULL;
	char name[64], app[64], dir[600];

	/* More than the pool's threshold: the renames run on two threads. */
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "p%03d.yaml", i);
		snprintf(app, sizeof(app), "p%03d", i);
		put(name, ka(app, i % 2 ? "shop" : "bank", app, "read, write", "Allow"));
	}
	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.n_written, 300);
	ck_assert_uint_eq(res.n_compared, 0);
	ck_assert_int_eq(sc_reconcile(r, &res), 0);
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_uint_eq(res.n_compared, 0);
	sc_reconciler_free(r);
	ck_assert_int_eq(run(false, &res), 0); /* a restart: from .state */
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_uint_eq(res.n_compared, 0);

	/* A directory the agent did not make may hold anything: looked at. */
	snprintf(dir, sizeof(dir), "%s/team", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put("t.yaml", ka("t", "team", "t", "read", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 1);
	ck_assert_uint_eq(res.n_compared, 1);
}
END_TEST

/* ---- the parsers each loading thread keeps (base/yaml.c) ------------------------------ */

/* What reading 'buf' gives: the result, each document's namespace/name, the diagnostics
 * with their locations. */
static char *read_summary(const char *buf)
{
	struct sc_diags d = {};
	struct sc_profile **v = NULL;
	size_t n = 0, len = 0;
	char *out = NULL;
	FILE *f = open_memstream(&out, &len);
	int r = sc_profile_read_all(buf, strlen(buf), "in.yaml", &d, &v, &n);

	ck_assert_ptr_nonnull(f);
	fprintf(f, "r=%d n=%zu", r, n);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, " %s/%s", v[i]->meta.namespace ? v[i]->meta.namespace : "-",
			v[i]->meta.name ? v[i]->meta.name : "-");
		sc_profile_free(v[i]);
	}
	for (size_t i = 0; i < d.n; i++)
		fprintf(f, " [%u:%u %s]", d.v[i].loc.line, d.v[i].loc.col, d.v[i].message);
	free(v);
	sc_diags_clear(&d);
	fclose(f);
	return out;
}

static void *read_thread(void *buf)
{
	return read_summary(buf);
}

/* The same on a thread of its own: a parser made for it (a new thread keeps none). */
static char *read_fresh(const char *buf)
{
	pthread_t t;
	void *ret = NULL;

	ck_assert_int_eq(pthread_create(&t, NULL, read_thread, (void *)buf), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	return ret;
}

/* A thread reuses its parser (one per mode, reset after each clean parse): every input, in
 * an order that mixes good and bad, YAML and JSON, directives and none, reads as it does
 * with a new parser: the same documents, the same errors at the same places. A parser kept
 * without its reset carries the last input's directives into the next (the %TAG case). */
START_TEST(kept_parsers_read_as_new_ones)
{
	static const char *const in[] = {
		"apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n"
		"  name: a\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: a\n"
		"  seccomp:\n    syscalls: [read, write]\n    action: Allow\n",
		"%TAG !e! tag:example.com,2000:\n---\n{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
		"\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}\n",
		"%TAG !e! tag:example.com,2000:\n",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		"\"action\": \"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"read\"]",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}",
		"%YAML 1.1\n---\ndefaultAction: SCMP_ACT_ERRNO\nsyscalls: []\n",
		"defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n- names: [read]\n  action: "
		"SCMP_ACT_ALLOW\n",
		"defaultAction: SCMP_ACT_ERRNO\nsyscalls: [\n",
		"defaultAction: SCMP_ACT_ERRNO\n\tsyscalls: []\n",
		"a: &x 1\nb: *x\n",
		"---\ndefaultAction: SCMP_ACT_ALLOW\n---\ndefaultAction: SCMP_ACT_LOG\n...\n",
		"defaultAction: 'SCMP_ACT_ERRNO\n",
		"defaultAction: SCMP_ACT_ERRNO\ndefaultAction: SCMP_ACT_ALLOW\n",
		"defaultAction: SCMP_ACT_ERRNO\nsyscalls: []\n",
	};

	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ELEMENTSOF(in); i++) {
			char *kept = read_summary(in[i]), *fresh = read_fresh(in[i]);
			if (strcmp(kept, fresh) != 0)
				ck_abort_msg("input %zu: a kept parser read\n  %s\na new one\n  %s",
					     i, kept, fresh);
			free(kept);
			free(fresh);
		}
}
END_TEST

/* ---- a one-policy set's text without the merge (reconcile-text.c) --------------------- */

/* The text of the set of 'p' alone both ways: the shortcut's (rc_one_policy_text) and the
 * merge's (sc_set_profile, then sc_policy_profile_json). Fails the case where the shortcut
 * takes 'p' and writes other bytes; returns whether it took it. */
static int texts_agree(const struct sc_reconcile_opts *o, struct sc_profile *p, int round)
{
	struct sc_set_opts so = { .log_flag = !o->no_log_flag,
				  .arches = o->arches,
				  .n_arches = o->n_arches };
	struct sc_profile *m = NULL;
	char *fast = NULL, *slow = NULL;
	int r = rc_one_policy_text(o, p, &fast);

	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(
		sc_set_profile((const struct sc_profile *const *)&p, 1, false, &so, NULL, &m), 0);
	ck_assert_int_eq(sc_policy_profile_json(m, &slow), 0);
	if (r == 1 && strcmp(fast, slow) != 0)
		ck_abort_msg("round %d: the shortcut wrote\n%s\nthe merge\n%s", round, fast, slow);
	free(fast);
	free(slow);
	sc_profile_free(m);
	return r;
}

/* Random policies of one rule (and some the shortcut leaves to the merge: two rules, an
 * argument, an includes): the shortcut's text is the merge's (sc_set_profile, then
 * sc_policy_profile_json), byte for byte, with and without the LOG flag and --arch. */
START_TEST(one_policy_text_is_the_merges)
{
	static const unsigned flag_sets[] = { 0, SC_FLAG_LOG, SC_FLAG_TSYNC,
					      SC_FLAG_SPEC_ALLOW | SC_FLAG_LOG };
	const enum sc_arch opt_arches[] = { SC_ARCH_X86_64, SC_ARCH_X32, SC_ARCH_X86_64 };
	enum sc_arch native = sc_arch_native();
	size_t n_calls = 0, shortcut = 0;
	uint32_t nr;
	const char *nm;

	while (sc_syscall_by_index(native, n_calls, &nr, &nm) == 0)
		n_calls++;
	ck_assert_uint_gt(n_calls, 100);
	srand(18);
	for (int round = 0; round < 3000; round++) {
		struct sc_profile *p = sc_profile_new();
		struct sc_reconcile_opts o = { .no_log_flag = rand() % 2 };
		size_t n_rules = rand() % 8 == 0 ? 2 : 1;

		ck_assert_ptr_nonnull(p);
		p->default_action = (enum sc_action)(rand() % _SC_ACT_COUNT);
		if (rand() % 4 == 0) {
			p->has_default_errno = true;
			p->default_errno = (uint32_t)(rand() % 4);
		}
		for (int k = rand() % 4; k > 0; k--)
			ck_assert_int_eq(
				sc_profile_add_arch(p, (enum sc_arch)(rand() % _SC_ARCH_COUNT)), 0);
		if (rand() % 3 == 0) {
			/* A duplicate, as a parsed policy may list one. */
			enum sc_arch *v = reallocarray(p->arches, p->n_arches + 1, sizeof(*v));
			ck_assert_ptr_nonnull(v);
			p->arches = v;
			p->arches[p->n_arches] = p->n_arches ? p->arches[0] : native;
			p->n_arches++;
		}
		p->flags = flag_sets[rand() % ELEMENTSOF(flag_sets)];
		if (rand() % 2) {
			o.arches = opt_arches;
			o.n_arches = 1 + rand() % 3;
		}
		for (size_t i = 0; i < n_rules; i++) {
			struct sc_rule *rl = sc_profile_add_rule(
				p, (enum sc_action)(rand() % _SC_ACT_COUNT), NULL, 0);
			ck_assert_ptr_nonnull(rl);
			for (int k = 1 + rand() % 40; k > 0; k--) {
				ck_assert_int_eq(sc_syscall_by_index(native,
								     (size_t)rand() % n_calls, &nr,
								     &nm),
						 0);
				ck_assert_int_eq(sc_rule_add_name(rl, nm), 0);
			}
			if (rand() % 3 == 0) {
				rl->has_errno = true;
				rl->errno_ret = (uint32_t)(rand() % 3);
			}
			if (rand() % 10 == 0)
				ck_assert_int_eq(sc_rule_add_arg(rl, 0, SC_CMP_EQ, 1, 0), 0);
		}
		shortcut += texts_agree(&o, p, round) == 1;
		sc_profile_free(p);
	}
	/* Most took the shortcut (the rest: two rules, an argument). */
	ck_assert_uint_gt(shortcut, 2000);
}
END_TEST

/* A random name of the native table. */
static const char *random_call(size_t n_calls)
{
	uint32_t nr;
	const char *nm;

	ck_assert_int_eq(sc_syscall_by_index(sc_arch_native(), (size_t)rand() % n_calls, &nr, &nm),
			 0);
	return nm;
}

/* The names of an allow-list: random ones (which may be clone3 or faccessat2 themselves),
 * each older call of the fallback set with one chance in two, a duplicate sometimes. */
static size_t random_allow_names(size_t n_calls, const char **v, size_t max)
{
	static const char *const older[] = { "clone", "faccessat", "fchmodat" };
	size_t n = 0;

	for (int k = 1 + rand() % 30; k > 0 && n < max; k--)
		v[n++] = random_call(n_calls);
	for (size_t i = 0; i < ELEMENTSOF(older) && n < max; i++)
		if (rand() % 2)
			v[n++] = older[i];
	if (rand() % 4 == 0 && n < max) {
		v[n] = v[(size_t)rand() % n];
		n++;
	}
	/* Where the older calls stand in the list does not matter. */
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		const char *t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
	return n;
}

/* Random architectures (0 to 3 of every ABI: some lack a newer call, then no rule names
 * it) into v; returns how many. */
static size_t random_arches(enum sc_arch *v)
{
	size_t n = (size_t)rand() % 4;

	for (size_t i = 0; i < n; i++)
		v[i] = (enum sc_arch)(rand() % _SC_ARCH_COUNT);
	return n;
}

/* An allow-list with the fallback rule, as the KubeArmor reader makes it (an ALLOW rule,
 * then sc_implicit_add_fallbacks), with the defaults and flags an OCI profile may add. */
static struct sc_profile *random_allow_list(size_t n_calls)
{
	static const enum sc_action defaults[] = { SC_ACT_ERRNO, SC_ACT_ERRNO, SC_ACT_ERRNO,
						   SC_ACT_KILL_PROCESS, SC_ACT_TRAP };
	static const uint32_t errnos[] = { 1, 13, ENOSYS };
	struct sc_profile *p = sc_profile_new();
	enum sc_arch arches[4];
	const char *names[40];
	size_t n_names = random_allow_names(n_calls, names, ELEMENTSOF(names));
	size_t n_arches = random_arches(arches);
	struct sc_rule *rl;

	ck_assert_ptr_nonnull(p);
	p->default_action = defaults[rand() % ELEMENTSOF(defaults)];
	if (p->default_action == SC_ACT_ERRNO && rand() % 4 == 0) {
		/* ENOSYS answers the fallback set already: no rule (and the shortcut's one
		 * rule). */
		p->has_default_errno = true;
		p->default_errno = errnos[rand() % ELEMENTSOF(errnos)];
	}
	for (size_t i = 0; i < n_arches; i++)
		ck_assert_int_eq(sc_profile_add_arch(p, arches[i]), 0);
	p->flags = rand() % 3 ? 0 : SC_FLAG_LOG;
	rl = sc_profile_add_rule(p, SC_ACT_ALLOW, NULL, 0);
	ck_assert_ptr_nonnull(rl);
	for (size_t i = 0; i < n_names; i++)
		ck_assert_int_eq(sc_rule_add_name(rl, names[i]), 0);
	ck_assert_int_ge(sc_implicit_add_fallbacks(p), 0);
	if (p->n_rules == 2 && rand() % 8 == 0) /* listed twice: the merge lists it once */
		ck_assert_int_eq(sc_rule_add_name(&p->rules[1], p->rules[1].names[0]), 0);
	if (p->n_rules == 2 && rand() % 4 == 0) {
		/* The fallback rule first: the merge orders them all the same. */
		struct sc_rule t = p->rules[0];
		p->rules[0] = p->rules[1];
		p->rules[1] = t;
	}
	return p;
}

/* The same as KubeArmorSeccompPolicy YAML read by the reader, the agent's way in. */
static struct sc_profile *random_kubearmor_policy(size_t n_calls)
{
	const char *names[40];
	size_t n_names = random_allow_names(n_calls, names, ELEMENTSOF(names));
	enum sc_arch arches[4];
	size_t n_arches = random_arches(arches), len = 0, n = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	struct sc_diags d = {};
	struct sc_profile **v = NULL, *p;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
		   "metadata:\n  name: p\n  namespace: ns\nspec:\n  selector:\n    matchLabels:\n"
		   "      app: a\n  seccomp:\n");
	if (n_arches) {
		fputs("    arch: [", f);
		for (size_t i = 0; i < n_arches; i++)
			fprintf(f, "%s%s", i ? ", " : "", sc_arch_info(arches[i])->name);
		fputs("]\n", f);
	}
	fputs("    syscalls: [", f);
	for (size_t i = 0; i < n_names; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
	fputs("]\n    action: Allow\n", f);
	ck_assert_int_eq(fclose(f), 0);
	if (sc_profile_read_all(text, len, "p.yaml", &d, &v, &n) < 0 || n != 1)
		ck_abort_msg("the reader refused\n%s", text);
	p = v[0];
	free(v);
	free(text);
	sc_diags_clear(&d);
	return p;
}

/* Make the allow-list 'p' with its fallback rule one the merge must see, in one of five
 * ways; returns which. */
static int spoil_fallback_rule(struct sc_profile *p)
{
	struct sc_rule *fb = &p->rules[p->rules[0].action == SC_ACT_ALLOW ? 1 : 0];
	struct sc_rule *allow = &p->rules[p->rules[0].action == SC_ACT_ALLOW ? 0 : 1];
	int how = rand() % 5;

	switch (how) {
	case 0: /* a name outside the fallback set */
		ck_assert_int_eq(sc_rule_add_name(fb, "getpid"), 0);
		break;
	case 1: /* EPERM: what a policy can say (and a different rule) */
		fb->errno_ret = 1;
		break;
	case 2: /* an argument condition */
		ck_assert_int_eq(sc_rule_add_arg(fb, 0, SC_CMP_EQ, 1, 0), 0);
		break;
	case 3: /* the allow rule names it too: the deny wins, and the allow loses the name */
		ck_assert_int_eq(sc_rule_add_name(allow, fb->names[0]), 0);
		break;
	default: /* a third rule */
		ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_LOG, NULL, 0));
		ck_assert_int_eq(sc_rule_add_name(&p->rules[2], "getpid"), 0);
		break;
	}
	return how;
}

/* Random allow-lists with the rule answering the fallback set ENOSYS (clone3 where clone is
 * allowed, ...), made as the reader makes them and read from KubeArmor YAML, on random
 * architectures, with and without --arch and the LOG flag: the shortcut takes them and
 * writes the merge's bytes (the rule's place, its names, "errnoRet": 38). Spoilt ones (a
 * name outside the set, another errno, a condition, a name the allow rule has too, a third
 * rule) go to the merge. */
START_TEST(fallback_policy_text_is_the_merges)
{
	const enum sc_arch opt_arches[] = { SC_ARCH_X86_64, SC_ARCH_AARCH64, SC_ARCH_X86 };
	size_t n_calls = 0, with_rule = 0, several = 0, spoilt[5] = { 0 };
	uint32_t nr;
	const char *nm;

	while (sc_syscall_by_index(sc_arch_native(), n_calls, &nr, &nm) == 0)
		n_calls++;
	ck_assert_uint_gt(n_calls, 100);
	srand(19);
	for (int round = 0; round < 3000; round++) {
		struct sc_reconcile_opts o = { .no_log_flag = rand() % 2 };
		struct sc_profile *p =
			rand() % 4 ? random_allow_list(n_calls) : random_kubearmor_policy(n_calls);
		bool two = p->n_rules == 2;
		int how = two && rand() % 5 == 0 ? spoil_fallback_rule(p) : -1;
		int r;

		if (rand() % 2) {
			o.arches = opt_arches;
			o.n_arches = 1 + rand() % 3;
		}
		r = texts_agree(&o, p, round);
		if (how >= 0) {
			if (r != 0)
				ck_abort_msg("round %d: the shortcut took a fallback rule spoilt "
					     "(way %d)",
					     round, how);
			spoilt[how]++;
		} else if (two) {
			if (r != 1)
				ck_abort_msg("round %d: the shortcut left an allow-list with its "
					     "fallback rule to the merge",
					     round);
			with_rule++;
			several += p->rules[p->rules[0].action == SC_ACT_ALLOW].n_names > 1;
		}
		sc_profile_free(p);
	}
	/* About 3000 * 7/8 * 4/5 with the rule, some of them naming two calls or three. */
	ck_assert_uint_gt(with_rule, 1500);
	ck_assert_uint_gt(several, 300);
	for (size_t i = 0; i < ELEMENTSOF(spoilt); i++)
		ck_assert_uint_gt(spoilt[i], 50);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, installs_and_skips_unchanged);
	tcase_add_test(tc, prunes_deleted_policy);
	tcase_add_test(tc, adopts_previous_index_only);
	tcase_add_test(tc, bad_policy_keeps_last_good);
	tcase_add_test(tc, escape_writes_nothing_outside);
	tcase_add_test(tc, log_flag_default_and_off);
	tcase_add_test(tc, merge_same_target_and_duplicates);
	tcase_add_test(tc, duplicate_keeps_established);
	tcase_add_test(tc, foreign_files_left_alone);
	tcase_add_test(tc, own_files_adopted_after_restart);
	tcase_add_test(tc, cancel_leaves_nothing_half);
	tcase_add_test(tc, configmap_layout);
	tcase_add_test(tc, configmap_key_set_is_the_payloads);
	tcase_add_test(tc, links_stay_inside_and_secrets_stay_unsaid);
	tcase_add_test(tc, bad_root_name);
	tcase_add_test(tc, symlinked_seccomp_dir_refused);
	tcase_add_test(tc, temp_files_in_their_own_dir);
	tcase_add_test(tc, threads_give_what_one_gives);
	tcase_add_test(tc, large_policies_read_whole);
	tcase_add_test(tc, configmap_swaps_and_index);
	tcase_add_test(tc, profiles_read_back_only_when_unknown);
	tcase_add_test(tc, kept_parsers_read_as_new_ones);
	tcase_add_test(tc, one_policy_text_is_the_merges);
	tcase_add_test(tc, fallback_policy_text_is_the_merges);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
