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

#include <stdbool.h>

#include "base/hash.h"
#include "base/install.h"
#include "agent/reconcile.h"
#include "tap.h"

#define RECONCILE_FIXTURE_TMP "/tmp/sc-restart.XXXXXX"
#include "reconcile-fixture.h"

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

static void three_policies(void)
{
	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	put("db.yaml", ka("db", "shop", "db", "read", "Allow"));
	put("bad.yaml", ka("bad", "shop", "bad", "no_such_call", "Allow"));
}

/* A restart with nothing changed judges no policy again (their content hashes as the state
 * says) and writes nothing; the rejected file stays rejected for the same reason. Before the
 * state file, every restart parsed every policy. */
START_TEST(restart_judges_nothing_unchanged)
{
	struct sc_reconcile_result res;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_uint_eq(res.n_written, 2);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_files, 3);
	ck_assert_uint_eq(res.n_judged, 0);
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_uint_eq(res.n_removed, 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_UNKNOWN_SYSCALL], 1);
	ck_assert_uint_eq(res.n_sets, 2);
}
END_TEST

/* A policy edited in place with its size and mtime kept is read, judged and installed after
 * a restart: the state keys judgements by content, never by a stat. */
START_TEST(restart_sees_same_size_same_mtime_edit)
{
	struct sc_reconcile_result res;
	char path[600], *t;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	snprintf(path, sizeof(path), "%s/web.yaml", pol);
	/* "read" -> "kill": same size. */
	edit_keeping_times(path, ka("web", "shop", "web", "kill", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 1);
	ck_assert_uint_eq(res.n_written, 1);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(strstr(t, "\"kill\""));
	ck_assert_ptr_null(strstr(t, "\"read\""));
	free(t);
}
END_TEST

/* A profile edited behind the agent's back while it was down, size and mtime put back: the
 * identity the state recorded (with the ctime) does not match, so the content decides, and
 * the file is not the agent's to overwrite when its policy changes. */
START_TEST(restart_profile_edited_while_down)
{
	struct sc_reconcile_result res;
	char path[800], *t, *theirs;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	t = installed("shop/web.json");
	theirs = respelt(t);
	free(t);
	snprintf(path, sizeof(path), "%s/shop/web.json", root);
	edit_keeping_times(path, theirs);
	put("web.yaml", ka("web", "shop", "web", "read, write", "Allow"));
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_CONFLICT], 1);
	t = installed("shop/web.json");
	ck_assert_str_eq(t, theirs);
	free(t);
	free(theirs);
}
END_TEST

static void state_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/.state", root);
}

/* A state that fails its checksum, or one made with other options, is not used: every policy
 * is judged again and the profiles follow the options. */
START_TEST(state_not_trusted_blindly)
{
	struct sc_reconcile_result res;
	char path[600], *t;
	struct stat st;
	int fd;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	state_path(path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	/* One byte in the middle flipped. */
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	{
		char c;
		ck_assert_int_eq(pread(fd, &c, 1, st.st_size / 2), 1);
		c ^= 0x20;
		ck_assert_int_eq(pwrite(fd, &c, 1, st.st_size / 2), 1);
	}
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_uint_eq(res.n_written, 0);
	/* Written again whole: the next restart uses it. */
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 0);

	/* Other options: judged and rendered again, the profiles rewritten without the flag. */
	ck_assert_int_eq(run(true, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_uint_eq(res.n_written, 2);
	t = installed("shop/web.json");
	ck_assert_ptr_null(strstr(t, "SECCOMP_FILTER_FLAG_LOG"));
	free(t);

	/* Truncated, or not a regular file: not used, no error. */
	ck_assert_int_eq(truncate(path, 100), 0);
	ck_assert_int_eq(run(true, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(run(true, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_uint_eq(res.n_written, 0);
}
END_TEST

/* An index that is not the one the state was saved with (written by `policy build`, or by a
 * pass killed before it saved the state): the entries come from the index, as before; a
 * profile the index no longer names is not the agent's, and is left alone. */
START_TEST(state_entries_follow_the_index)
{
	struct sc_reconcile_result res;
	char idx[600], *buf = NULL, *p;
	size_t len;
	FILE *f;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	snprintf(idx, sizeof(idx), "%s/index.json", root);
	ck_assert_int_eq(sc_read_file(idx, 1 << 20, &buf, &len), 0);
	/* The index without shop/db.json's set (its two lines; it is not the last set): that
	 * file is no longer the agent's. */
	p = strstr(buf, "\"name\": \"db\"");
	ck_assert_ptr_nonnull(p);
	{
		char *start = p, *end = strstr(p, "]},\n");
		while (start > buf && start[-1] != '\n')
			start--;
		ck_assert_ptr_nonnull(end);
		end += 4;
		memmove(start, end, strlen(end) + 1);
	}
	ck_assert_ptr_null(strstr(buf, "\"db\""));
	f = fopen(idx, "w");
	ck_assert_ptr_nonnull(f);
	fputs(buf, f);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
	/* db's policy goes: its profile is not removed (not listed as the agent's). */
	{
		char path[600];
		snprintf(path, sizeof(path), "%s/db.yaml", pol);
		ck_assert_int_eq(unlink(path), 0);
	}
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 0);
	ck_assert_uint_eq(res.n_removed, 0);
	{
		char path[800];
		struct stat st;
		snprintf(path, sizeof(path), "%s/shop/db.json", root);
		ck_assert_int_eq(stat(path, &st), 0);
	}
}
END_TEST

/* Entries of <root>/.tmp. */
static size_t tmp_files(void)
{
	char dir[600];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/.tmp", root);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* The loaders write a new policy's temp file as soon as its text is made (the write phase
 * renames it); one that is not installed after all (a path another file holds, a duplicate,
 * a file rejected for a later document) is removed in the same pass. */
START_TEST(loaders_temp_files_never_stay)
{
	struct sc_reconcile_result res;
	char dir[600], path[800];
	FILE *f;

	/* A file the agent did not write, where web's profile would go. */
	snprintf(dir, sizeof(dir), "%s/kubelet/seccomp", base);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/shop", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/web.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	put("web.yaml", ka("web", "shop", "web", "read", "Allow"));
	/* The same policy twice: the second file is rejected. */
	put("a.yaml", ka("api", "shop", "api", "read", "Allow"));
	put("b.yaml", ka("api", "shop", "api2", "write", "Allow"));
	/* A file whose second document is bad: its first is not installed. */
	{
		char two[2048];
		snprintf(two, sizeof(two), "%s---\n", ka("one", "shop", "one", "read", "Allow"));
		strcat(two, ka("two", "shop", "two", "no_such_call", "Allow"));
		put("c.yaml", two);
	}
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.rejected[SC_REJECT_CONFLICT], 1);
	ck_assert_uint_eq(res.rejected[SC_REJECT_DUPLICATE], 1);
	ck_assert_uint_eq(res.rejected[SC_REJECT_UNKNOWN_SYSCALL], 1);
	ck_assert_uint_eq(res.n_written, 1);
	ck_assert_uint_eq(tmp_files(), 0);
	/* Nothing changed: nothing written, nothing left. */
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_written, 0);
	ck_assert_uint_eq(tmp_files(), 0);
}
END_TEST

/* A state whose checksum holds but whose judgement names what the judge never lets through
 * (a namespace that is no DNS-1123 label: names become paths below the root) is not used:
 * every file is judged again. Before, the state was taken as it was. */
START_TEST(state_names_checked_as_the_judge_does)
{
	static const char doc[] = "\x04\0\0\0shop\x03\0\0\0web\x0e\0\0\0shop\nL";
	struct sc_reconcile_result res;
	char path[600], *buf = NULL, *p, *t;
	size_t len;
	uint64_t sum;
	FILE *f;

	three_policies();
	ck_assert_int_eq(run(false, &res), 0);
	state_path(path, sizeof(path));
	ck_assert_int_eq(sc_read_file(path, 1 << 24, &buf, &len), 0);
	/* web's judgement: namespace "shop", name "web", key "shop\nL app=web". */
	p = memmem(buf, len, doc, sizeof(doc) - 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p + 4, "SHOP", 4);
	/* The checksum over the rest, as the agent makes it. */
	sum = sc_fnv64(SC_FNV64_INIT, buf, len - 8) ^ (uint64_t)(len - 8);
	memcpy(buf + len - 8, &sum, 8);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
	ck_assert_int_eq(run(false, &res), 0);
	ck_assert_uint_eq(res.n_judged, 3);
	ck_assert_uint_eq(res.n_written, 0);
	t = installed("shop/web.json");
	ck_assert_ptr_nonnull(t);
	free(t);
	ck_assert_ptr_null(installed("SHOP/web.json"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile-restart");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, profile_edited_behind_back_keeping_times);
	tcase_add_test(tc, restart_judges_nothing_unchanged);
	tcase_add_test(tc, restart_sees_same_size_same_mtime_edit);
	tcase_add_test(tc, restart_profile_edited_while_down);
	tcase_add_test(tc, state_not_trusted_blindly);
	tcase_add_test(tc, state_entries_follow_the_index);
	tcase_add_test(tc, loaders_temp_files_never_stay);
	tcase_add_test(tc, state_names_checked_as_the_judge_does);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
