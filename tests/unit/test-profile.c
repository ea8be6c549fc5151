/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The profile model: names of actions/ops/flags, SECCOMP_RET encoding, construction and copy;
 * the atomic writes and batches that install profiles (install.c, batch.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "base/batch.h"
#include "base/install.h"
#include "files.h"
#include "tap.h"

START_TEST(action_names_roundtrip)
{
	for (int a = 0; a < _SC_ACT_COUNT; a++) {
		const char *s = sc_action_to_string(a);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(sc_action_from_string(s), a);
	}
	ck_assert_int_eq(sc_action_from_string("SCMP_ACT_ALLOW"), SC_ACT_ALLOW);
	ck_assert_int_eq(sc_action_from_string("scmp_act_allow"), -EINVAL);
	ck_assert_int_eq(sc_action_from_string(""), -EINVAL);
	ck_assert_int_eq(sc_action_from_string(NULL), -EINVAL);
	ck_assert_ptr_null(sc_action_to_string(_SC_ACT_COUNT));
}
END_TEST

START_TEST(action_precedence)
{
	/* KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW */
	static const enum sc_action order[] = { SC_ACT_KILL_PROCESS, SC_ACT_KILL_THREAD,
						SC_ACT_TRAP,	     SC_ACT_ERRNO,
						SC_ACT_NOTIFY,	     SC_ACT_TRACE,
						SC_ACT_LOG,	     SC_ACT_ALLOW };
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		ck_assert_int_lt(sc_action_rank(order[i - 1]), sc_action_rank(order[i]));
	ck_assert_int_eq(sc_action_rank(SC_ACT_KILL), sc_action_rank(SC_ACT_KILL_THREAD));
	ck_assert_int_eq(sc_action_canonical(SC_ACT_KILL), SC_ACT_KILL_THREAD);
	/* The kernel's own ordering of the return values agrees (signed compare, as in
	 * seccomp_run_filters: lower ACTION_FULL wins), KILL_PROCESS being negative. */
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		ck_assert_int_lt((int32_t)sc_action_to_ret(order[i - 1], 0),
				 (int32_t)sc_action_to_ret(order[i], 0));
}
END_TEST

START_TEST(ret_encoding)
{
	uint32_t data;
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_ERRNO, 1), 0x00050001u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_ERRNO, 38), 0x00050026u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_LOG, 0), 0x7ffc0000u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_ALLOW, 0), 0x7fff0000u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_KILL_PROCESS, 0), 0x80000000u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_KILL, 0), 0);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_TRACE, 7), 0x7ff00007u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_NOTIFY, 0), 0x7fc00000u);
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_TRAP, 3), 0x00030003u);
	/* data is 16 bits */
	ck_assert_uint_eq(sc_action_to_ret(SC_ACT_ERRNO, 0x12345), 0x00052345u);

	ck_assert_int_eq(sc_action_from_ret(0x7ffc0000u, &data), SC_ACT_LOG);
	ck_assert_int_eq(sc_action_from_ret(0x00050001u, &data), SC_ACT_ERRNO);
	ck_assert_uint_eq(data, 1);
	ck_assert_int_eq(sc_action_from_ret(0x80000000u, NULL), SC_ACT_KILL_PROCESS);
	ck_assert_int_eq(sc_action_from_ret(0, NULL), SC_ACT_KILL_THREAD);
	ck_assert_int_eq(sc_action_from_ret(0x7fc00000u, NULL), SC_ACT_NOTIFY);
	/* unknown actions behave as KILL_PROCESS in the kernel */
	ck_assert_int_eq(sc_action_from_ret(0x12340000u, NULL), SC_ACT_KILL_PROCESS);
}
END_TEST

START_TEST(cmp_and_flags)
{
	for (int op = SC_CMP_NE; op < _SC_CMP_MAX; op++)
		ck_assert_int_eq(sc_cmp_from_string(sc_cmp_to_string(op)), op);
	ck_assert_int_eq(sc_cmp_from_string("SCMP_CMP_BOGUS"), -EINVAL);
	ck_assert_ptr_null(sc_cmp_to_string(0));
	ck_assert_uint_eq(sc_flag_from_string("SECCOMP_FILTER_FLAG_LOG"), SC_FLAG_LOG);
	ck_assert_uint_eq(sc_flag_from_string("SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
			  SC_FLAG_SPEC_ALLOW);
	ck_assert_uint_eq(sc_flag_from_string("SECCOMP_FILTER_FLAG_NOPE"), 0);
	ck_assert_str_eq(sc_flag_to_string(SC_FLAG_TSYNC), "SECCOMP_FILTER_FLAG_TSYNC");
	ck_assert_ptr_null(sc_flag_to_string(SC_FLAG_LOG | SC_FLAG_TSYNC));
	ck_assert_int_eq(sc_format_from_string("kubearmor"), SC_FORMAT_KUBEARMOR);
	ck_assert_int_eq(sc_format_from_string("json"), SC_FORMAT_OCI);
	ck_assert_int_eq(sc_format_from_string("xml"), -EINVAL);
}
END_TEST

START_TEST(build_and_dup)
{
	static const char *const names[] = { "read", "write" };
	struct sc_profile *p = sc_profile_new(), *q;
	struct sc_rule *r;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_int_eq(p->meta.severity, -1);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86_64), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_X86), 0);
	ck_assert_int_eq(sc_profile_add_arch(p, _SC_ARCH_COUNT), -EINVAL);
	ck_assert_uint_eq(p->n_arches, 2);
	r = sc_profile_add_rule(p, SC_ACT_ALLOW, names, 2);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(sc_rule_add_name(r, "close"), 0);
	r = sc_profile_add_rule(p, SC_ACT_ERRNO, NULL, 0);
	ck_assert_int_eq(sc_rule_add_name(r, "personality"), 0);
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_MASKED_EQ, 0xff, 8), 0);
	r->has_errno = true;
	r->errno_ret = 13;
	r->comment = strdup("why");
	p->meta.name = strdup("web");
	p->meta.match_labels = calloc(1, sizeof(*p->meta.match_labels));
	p->meta.match_labels[0].key = strdup("app");
	p->meta.match_labels[0].value = strdup("web");
	p->meta.n_match_labels = 1;
	p->listener_path = strdup("/run/l.sock");

	q = sc_profile_dup(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q->n_rules, 2);
	ck_assert_uint_eq(q->rules[0].n_names, 3);
	ck_assert_str_eq(q->rules[0].names[2], "close");
	ck_assert_ptr_ne(q->rules[0].names[0], p->rules[0].names[0]);
	ck_assert_uint_eq(q->rules[1].n_args, 1);
	ck_assert_int_eq(q->rules[1].args[0].op, SC_CMP_MASKED_EQ);
	ck_assert_uint_eq(q->rules[1].args[0].value_two, 8);
	ck_assert_uint_eq(q->rules[1].errno_ret, 13);
	ck_assert_str_eq(q->rules[1].comment, "why");
	ck_assert_str_eq(q->meta.match_labels[0].value, "web");
	ck_assert_str_eq(q->listener_path, "/run/l.sock");
	ck_assert(sc_profile_has_arch(q, SC_ARCH_X86));
	ck_assert(!sc_profile_has_arch(q, SC_ARCH_X32));
	sc_profile_free(p);
	/* the copy survives its source */
	ck_assert_str_eq(q->rules[0].names[0], "read");
	ck_assert_ptr_null(sc_profile_free(q));
	ck_assert_ptr_null(sc_profile_free(NULL));
}
END_TEST

START_TEST(diags)
{
	struct sc_diags d = { .file = "p.json" };
	char buf[256];

	ck_assert_int_eq(sc_diags_add(&d, SC_SEV_ERROR, (struct sc_loc){ 3, 7 }, "bad %s", "thing"),
			 0);
	ck_assert_int_eq(sc_diags_add(&d, SC_SEV_WARNING, (struct sc_loc){ 0, 0 }, "meh"), 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_str_eq(sc_diag_format(&d.v[0], buf, sizeof(buf)), "p.json:3:7: error: bad thing");
	ck_assert_str_eq(sc_diag_format(&d.v[1], buf, sizeof(buf)), "p.json: warning: meh");
	sc_diags_clear(&d);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* A message about a file as a whole, under that file's name, d->file left as it was: the one
 * "cannot read" every reader gives. */
START_TEST(diags_file)
{
	struct sc_diags d = { .file = "outer.yaml" };
	struct sc_profile *p = NULL;
	char buf[256];

	ck_assert_int_eq(sc_diags_cannot_read(&d, "in.json", "No such file or directory"), 0);
	ck_assert_int_eq(sc_diags_add_file(&d, "big.json", SC_SEV_WARNING, "%d MiB", 16), 0);
	ck_assert_str_eq(d.file, "outer.yaml");
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_str_eq(sc_diag_format(&d.v[0], buf, sizeof(buf)),
			 "in.json: error: cannot read: No such file or directory");
	ck_assert_str_eq(sc_diag_format(&d.v[1], buf, sizeof(buf)), "big.json: warning: 16 MiB");
	ck_assert_int_eq(sc_diags_cannot_read(NULL, "in.json", "x"), 0);
	/* The profile reader says it so. */
	ck_assert_int_lt(sc_profile_read_file("/nonexistent/p.json", &d, &p), 0);
	ck_assert_str_eq(d.file, "outer.yaml");
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(sc_diag_format(&d.v[2], buf, sizeof(buf)),
			 "/nonexistent/p.json: error: cannot read: No such file or directory");
	sc_diags_clear(&d);
}
END_TEST

START_TEST(atomic_write)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX", path[512], *data = NULL;
	size_t len;
	bool unchanged;
	int dfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "a.json", "{}\n", 3, 0644, &unchanged), 0);
	ck_assert(!unchanged);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "a.json", "{}\n", 3, 0644, &unchanged), 0);
	ck_assert(unchanged);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "../escape", "x", 1, 0644, NULL), -EINVAL);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "..", "x", 1, 0644, NULL), -EINVAL);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "", "x", 1, 0644, NULL), -EINVAL);
	/* a symlink in place of the target is replaced, never followed */
	ck_assert_int_eq(symlinkat("/etc/passwd", dfd, "link.json"), 0);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "link.json", "{}", 2, 0644, &unchanged), 0);
	snprintf(path, sizeof(path), "%s/link.json", dir);
	ck_assert_int_eq(sc_read_file(path, 100, &data, &len), 0);
	ck_assert_str_eq(data, "{}");
	free(data);
	ck_assert_int_eq(sc_read_file(path, 1, &data, &len), -EFBIG);
	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(sc_read_file(path, 100, &data, &len), -ENOENT);
	ck_assert(!sc_name_is_safe("a/b"));
	ck_assert(sc_name_is_safe("a.json"));
	(void)unlinkat(dfd, "a.json", 0);
	(void)unlinkat(dfd, "link.json", 0);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0); /* no temp files left behind */
}
END_TEST

/* Missing parents of an output are created, confined: a symlink where a directory is to be
 * created is refused, never followed; "." and ".." among them are resolved, none made for. */
START_TEST(write_creates_parents)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX", path[512], target[512], *data = NULL;
	size_t len;
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a//b/c/p.json", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), 0);
	ck_assert_int_eq(sc_read_file(path, 100, &data, &len), 0);
	ck_assert_str_eq(data, "{}");
	free(data);
	snprintf(path, sizeof(path), "%s/a/b/d/", dir);
	fd = sc_open_dir_mkdirs(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/a/b/d", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));

	/* A dangling symlink among the missing parents: refused, its target not created. */
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	snprintf(path, sizeof(path), "%s/a/link", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/a/link/x/p.json", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), -ELOOP);
	ck_assert_int_eq(stat(target, &st), -1);
	/* ".." after a missing directory: resolved as the kernel would once it exists, and
	 * nothing made for a directory the path only passes through. */
	snprintf(path, sizeof(path), "%s/new/../p.json", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), 0);
	snprintf(path, sizeof(path), "%s/p.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/a/n/./m/../../q/./p.json", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), 0);
	snprintf(path, sizeof(path), "%s/a/q/p.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/a/b/n/../../../up.json", dir); /* above what exists */
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), 0);
	snprintf(path, sizeof(path), "%s/up.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	for (const char *const *n = (const char *const[]){ "new", "a/n", "a/b/n", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		ck_assert_int_eq(stat(path, &st), -1); /* nothing created for it */
	}
	{
		char *t = NULL;
		snprintf(path, sizeof(path), "%s/a/b/n/../../../x/./y/../z/", dir);
		ck_assert_int_eq(sc_dir_tidy(path, &t), 0);
		snprintf(target, sizeof(target), "%s/a/b/../../x/z", dir);
		ck_assert_str_eq(t, target);
		free(t);
		snprintf(path, sizeof(path), "%s/a/b//", dir);
		ck_assert_int_eq(sc_dir_tidy(path, &t), 0);
		snprintf(target, sizeof(target), "%s/a/b", dir);
		ck_assert_str_eq(t, target);
		free(t);
	}
	/* A path that ends in a directory's name, not a file's. */
	snprintf(path, sizeof(path), "%s/new/..", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), -EISDIR);
	snprintf(path, sizeof(path), "%s/new/", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), -EISDIR);
	/* Through a regular file: not a directory. */
	snprintf(path, sizeof(path), "%s/a/b/c/p.json/x.json", dir);
	ck_assert_int_eq(sc_write_atomic(path, "{}", 2, 0644), -ENOTDIR);

	test_rm_rf(dir);
}
END_TEST

/* The batch: nothing visible before commit, everything after; an identical file untouched;
 * a dropped batch leaves no temp file; a symlink target is replaced, never followed. */
START_TEST(batch_write)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX", path[512], *data = NULL;
	struct sc_write_batch *b = NULL;
	size_t len;
	bool unchanged;
	int dfd, sub;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mkdirat(dfd, "ns", 0755), 0);
	sub = openat(dfd, "ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(sub, 0);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "same.json", "{}", 2, 0644, NULL), 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", sub, "link.json"), 0);

	ck_assert_int_eq(sc_write_batch_new(&b), 0);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "a.json", "A", 1, 0644, &unchanged), 0);
	ck_assert(!unchanged);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "same.json", "{}", 2, 0644, &unchanged), 0);
	ck_assert(unchanged);
	ck_assert_int_eq(sc_write_batch_add(b, sub, "link.json", "L", 1, 0644, &unchanged), 0);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "../x", "x", 1, 0644, NULL), -EINVAL);
	close(sub); /* the batch keeps its own fd */
	ck_assert_int_eq(faccessat(dfd, "a.json", F_OK, 0), -1);
	ck_assert_int_eq(sc_write_batch_commit(b), 0);
	b = sc_write_batch_free(b);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	ck_assert_int_eq(sc_read_file(path, 100, &data, &len), 0);
	ck_assert_str_eq(data, "A");
	free(data);
	snprintf(path, sizeof(path), "%s/ns/link.json", dir);
	ck_assert_int_eq(sc_read_file(path, 100, &data, &len), 0);
	ck_assert_str_eq(data, "L");
	free(data);

	/* Dropped without commit: no trace. */
	ck_assert_int_eq(sc_write_batch_new(&b), 0);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "b.json", "B", 1, 0644, NULL), 0);
	sc_write_batch_free(b);
	ck_assert_int_eq(faccessat(dfd, "b.json", F_OK, 0), -1);

	(void)unlinkat(dfd, "a.json", 0);
	(void)unlinkat(dfd, "same.json", 0);
	ck_assert_int_eq(unlinkat(dfd, "ns/link.json", 0), 0);
	ck_assert_int_eq(unlinkat(dfd, "ns", AT_REMOVEDIR), 0); /* no temp files */
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A temp file 'name' with 'text' in 'dfd'. */
static void put_tmp(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* sc_batch: each item has its result; a target whose directory was removed fails alone (its
 * temp file goes, the others land); a dropped item never lands; a subdir named twice is one. */
START_TEST(batch_items)
{
	struct sc_batch_commit c = { .fsync_max = 16 };
	char dir[] = "/tmp/syscage-unit.XXXXXX";
	struct sc_batch *b = NULL;
	ssize_t t, a, g, i0, i1, i2, i3;
	int dfd, gfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mkdirat(dfd, "a", 0755), 0);
	ck_assert_int_eq(mkdirat(dfd, "gone", 0755), 0);
	put_tmp(dfd, ".t1", "1");
	put_tmp(dfd, ".t2", "2");
	put_tmp(dfd, ".t3", "3");
	put_tmp(dfd, ".t4", "4");

	ck_assert_int_eq(sc_batch_new(&b), 0);
	t = sc_batch_dir(b, dfd);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(sc_batch_dir(b, dfd), t);
	a = sc_batch_subdir(b, (size_t)t, "a");
	ck_assert_int_gt(a, t);
	ck_assert_int_eq(sc_batch_subdir(b, (size_t)t, "a"), a);
	ck_assert_str_eq(sc_batch_dir_name(b, (size_t)a), "a");
	ck_assert_int_eq(sc_batch_dir_fd(b, (size_t)a), -EBADF);
	gfd = openat(dfd, "gone", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g = sc_batch_dir(b, gfd);
	close(gfd);
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(sc_batch_add(b, 99, ".t1", (size_t)a, "x"), -EINVAL);
	ck_assert_int_eq(sc_batch_add(b, (size_t)a, ".t1", (size_t)a, "x"), -EINVAL);
	i0 = sc_batch_add(b, (size_t)t, ".t1", (size_t)a, "one.json");
	i1 = sc_batch_add(b, (size_t)t, ".t2", (size_t)g, "two.json");
	i2 = sc_batch_add(b, (size_t)t, ".t3", (size_t)t, "three.json");
	i3 = sc_batch_add(b, (size_t)t, ".t4", (size_t)a, "dropped.json");
	ck_assert_int_eq(i0, 0);
	ck_assert_int_eq(i3, 3);
	ck_assert_uint_eq(sc_batch_size(b), 4);
	ck_assert_uint_eq(sc_batch_item_dir(b, (size_t)i1), (size_t)g);
	sc_batch_drop(b, (size_t)i3);
	ck_assert_int_eq(faccessat(dfd, ".t4", F_OK, 0), -1);
	ck_assert_int_eq(unlinkat(dfd, "gone", AT_REMOVEDIR), 0);
	ck_assert_int_eq(faccessat(dfd, "a/one.json", F_OK, 0), -1); /* nothing before commit */

	ck_assert_int_eq(sc_batch_commit(b, &c), -ENOENT);
	ck_assert_int_eq(sc_batch_result(b, (size_t)i0), 0);
	ck_assert_int_eq(sc_batch_result(b, (size_t)i1), -ENOENT);
	ck_assert_int_eq(sc_batch_result(b, (size_t)i2), 0);
	ck_assert_int_eq(sc_batch_result(b, (size_t)i3), -ECANCELED);
	ck_assert_int_eq(faccessat(dfd, "a/one.json", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, "three.json", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, "a/dropped.json", F_OK, 0), -1);
	ck_assert_int_eq(faccessat(dfd, ".t2", F_OK, 0), -1); /* the failed one's temp file */
	sc_batch_reset(b);
	ck_assert_uint_eq(sc_batch_size(b), 0);
	b = sc_batch_free(b);
	ck_assert_ptr_null(b);

	ck_assert_int_eq(unlinkat(dfd, "a/one.json", 0), 0);
	ck_assert_int_eq(unlinkat(dfd, "three.json", 0), 0);
	ck_assert_int_eq(unlinkat(dfd, "a", AT_REMOVEDIR), 0);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0); /* no temp files left */
}
END_TEST

/* The caller's renames (the agent's pool): its own fd for a subdir, its own failure for an
 * item, and an error that stops the batch: the items it did not reach get it, their temp
 * files go. Freeing an uncommitted batch removes its temp files. */
static int renames_then_stop(struct sc_batch *b, void *userdata)
{
	int *fd = userdata;

	ck_assert_int_eq(sc_batch_rename(b, 0, *fd), 0);
	sc_batch_fail(b, 1, -EIO);
	return -ENOMEM;
}

START_TEST(batch_rename_callback)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX";
	struct sc_batch *b = NULL;
	int dfd, afd;
	struct sc_batch_commit c = { .rename_all = renames_then_stop, .userdata = &afd };
	ssize_t t, a;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mkdirat(dfd, "a", 0755), 0);
	afd = openat(dfd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put_tmp(dfd, ".t1", "1");
	put_tmp(dfd, ".t2", "2");
	put_tmp(dfd, ".t3", "3");
	ck_assert_int_eq(sc_batch_new(&b), 0);
	t = sc_batch_dir(b, dfd);
	a = sc_batch_subdir(b, (size_t)t, "a");
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t1", (size_t)a, "one"), 0);
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t2", (size_t)a, "two"), 1);
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t3", (size_t)a, "three"), 2);
	ck_assert_int_eq(sc_batch_commit(b, &c), -ENOMEM); /* syncfs: fsync_max 0 */
	ck_assert_int_eq(sc_batch_result(b, 0), 0);
	ck_assert_int_eq(sc_batch_result(b, 1), -EIO);
	ck_assert_int_eq(sc_batch_result(b, 2), -ENOMEM);
	ck_assert_int_eq(faccessat(afd, "one", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, ".t2", F_OK, 0), -1);
	ck_assert_int_eq(faccessat(dfd, ".t3", F_OK, 0), -1);
	sc_batch_reset(b);

	/* Uncommitted: freed, no trace. */
	put_tmp(dfd, ".t4", "4");
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t4", (size_t)a, "four"), 0);
	sc_batch_free(b);
	ck_assert_int_eq(faccessat(dfd, ".t4", F_OK, 0), -1);
	ck_assert_int_eq(faccessat(afd, "four", F_OK, 0), -1);

	ck_assert_int_eq(unlinkat(afd, "one", 0), 0);
	close(afd);
	ck_assert_int_eq(unlinkat(dfd, "a", AT_REMOVEDIR), 0);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A file system made read-only under a pending batch (root only, in a mount namespace of
 * this forked test): every item fails with EROFS, nothing is renamed. */
START_TEST(batch_readonly)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX";
	struct sc_batch *b = NULL;
	ssize_t t;
	int dfd;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return; /* needs root and mount namespaces: covered by batch_items otherwise */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "size=1m"), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	put_tmp(dfd, ".t1", "1");
	put_tmp(dfd, ".t2", "2");
	ck_assert_int_eq(sc_batch_new(&b), 0);
	t = sc_batch_dir(b, dfd);
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t1", (size_t)t, "one"), 0);
	ck_assert_int_eq(sc_batch_add(b, (size_t)t, ".t2", (size_t)t, "two"), 1);
	ck_assert_int_eq(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(sc_batch_commit(b, NULL), -EROFS);
	ck_assert_int_eq(sc_batch_result(b, 0), -EROFS);
	ck_assert_int_eq(sc_batch_result(b, 1), -EROFS);
	ck_assert_int_eq(faccessat(dfd, "one", F_OK, 0), -1);
	sc_batch_free(b);
	close(dfd);
	(void)umount2(dir, MNT_DETACH);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* sc_write_batch on sc_batch: an identical file is skipped, untouched (same inode), while the
 * batch's other files land. */
START_TEST(batch_write_unchanged)
{
	char dir[] = "/tmp/syscage-unit.XXXXXX";
	struct sc_write_batch *b = NULL;
	struct stat before, after;
	bool unchanged = true;
	int dfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(sc_write_atomic_at(dfd, "same.json", "{}", 2, 0644, NULL), 0);
	ck_assert_int_eq(fstatat(dfd, "same.json", &before, 0), 0);
	ck_assert_int_eq(sc_write_batch_new(&b), 0);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "same.json", "{}", 2, 0644, &unchanged), 0);
	ck_assert(unchanged);
	ck_assert_int_eq(sc_write_batch_add(b, dfd, "new.json", "N", 1, 0600, &unchanged), 0);
	ck_assert(!unchanged);
	ck_assert_int_eq(sc_write_batch_commit(b), 0);
	ck_assert_int_eq(sc_write_batch_commit(b), 0); /* nothing left to commit */
	sc_write_batch_free(b);
	ck_assert_int_eq(fstatat(dfd, "same.json", &after, 0), 0);
	ck_assert_uint_eq(after.st_ino, before.st_ino);
	ck_assert_int_eq(fstatat(dfd, "new.json", &after, 0), 0);
	ck_assert_uint_eq(after.st_mode & 07777, 0600);
	ck_assert_int_eq(unlinkat(dfd, "same.json", 0), 0);
	ck_assert_int_eq(unlinkat(dfd, "new.json", 0), 0);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, action_names_roundtrip);
	tcase_add_test(tc, action_precedence);
	tcase_add_test(tc, ret_encoding);
	tcase_add_test(tc, cmp_and_flags);
	tcase_add_test(tc, build_and_dup);
	tcase_add_test(tc, diags);
	tcase_add_test(tc, diags_file);
	tcase_add_test(tc, atomic_write);
	tcase_add_test(tc, write_creates_parents);
	tcase_add_test(tc, batch_write);
	tcase_add_test(tc, batch_items);
	tcase_add_test(tc, batch_rename_callback);
	tcase_add_test(tc, batch_readonly);
	tcase_add_test(tc, batch_write_unchanged);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
