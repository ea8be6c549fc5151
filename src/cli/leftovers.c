/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Temp files of syscage processes that are gone, found and removed (see leftovers.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "leftovers.h"
#include "sc-cleanup.h"

#define SUFFIX	  ".sctmp"
/* Files named per process in a message; the rest are counted. */
#define NAMED_MAX 8

pid_t leftover_parse(const char *name, size_t *ret_target_len)
{
	size_t len = strlen(name), end, i, j;
	long pid;

	if (name[0] != '.' || len <= strlen(SUFFIX) || !streq(name + len - strlen(SUFFIX), SUFFIX))
		return 0;
	end = len - strlen(SUFFIX);
	/* ".N" before the suffix, ".PID" before that, NAME (not empty) before that. */
	for (i = end; i > 0 && isdigit((unsigned char)name[i - 1]); i--)
		;
	if (i == end || i < 2 || name[i - 1] != '.')
		return 0;
	for (j = i - 1; j > 0 && isdigit((unsigned char)name[j - 1]); j--)
		;
	if (j == i - 1 || j < 3 || name[j - 1] != '.' || i - 1 - j > 9)
		return 0;
	pid = strtol(name + j, NULL, 10);
	if (pid <= 0)
		return 0;
	if (ret_target_len)
		*ret_target_len = j - 2;
	return (pid_t)pid;
}

/* The first line of a small /proc file, NUL-terminated; -errno. */
static int read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	cleanup_close int fd = -1;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool same_exe(pid_t pid)
{
	char path[64];
	struct stat a, b;

	(void)snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return stat("/proc/self/exe", &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

bool leftover_owner_running(pid_t pid)
{
	char stat_line[512], comm[64];
	const char *close_paren;
	int r;

	if (pid == getpid())
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	r = read_proc(pid, "stat", stat_line, sizeof(stat_line));
	if (r < 0)
		/* Gone since kill(), or no /proc to tell by: then it may be ours to leave. */
		return access("/proc/self/stat", F_OK) < 0;
	/* "PID (COMM) STATE ...": a zombie has exited, whoever its parent is. */
	close_paren = strrchr(stat_line, ')');
	if (close_paren && close_paren[1] == ' ' && strchr("ZXx", close_paren[2]))
		return false;
	if (read_proc(pid, "comm", comm, sizeof(comm)) == 0 && streq(comm, "syscage"))
		return true;
	return same_exe(pid);
}

struct leftover {
	pid_t pid;
	char *path;   /* the temp file, as the output's directory was named */
	char *target; /* the output it was for, when that exists (else NULL) */
};

static int cmp_leftover(const void *x, const void *y)
{
	const struct leftover *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strcmp(a->path, b->path);
}

struct found {
	struct leftover *v;
	size_t n;
	/* The processes asked about, and whether each runs: one look per process. */
	struct {
		pid_t pid;
		bool running;
	} * asked;
	size_t n_asked;
};

static bool owner_running(struct found *f, pid_t pid)
{
	void *v;

	for (size_t i = 0; i < f->n_asked; i++)
		if (f->asked[i].pid == pid)
			return f->asked[i].running;
	v = reallocarray(f->asked, f->n_asked + 1, sizeof(*f->asked));
	if (!v)
		return true; /* not known: left alone */
	f->asked = v;
	f->asked[f->n_asked].pid = pid;
	f->asked[f->n_asked].running = leftover_owner_running(pid);
	return f->asked[f->n_asked++].running;
}

/* The temp files of gone processes in 'dir' removed, each recorded in 'f'. */
static void remove_in(struct found *f, const char *dir)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (dfd < 0)
		return;
	d = fdopendir(dup(dfd));
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t tlen;
		pid_t pid = leftover_parse(e->d_name, &tlen);
		struct leftover l = { .pid = pid };
		struct stat st;
		void *v;

		if (pid <= 0 || owner_running(f, pid))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		v = reallocarray(f->v, f->n + 1, sizeof(*f->v));
		if (!v)
			break;
		f->v = v;
		if (asprintf(&l.path, "%s%s%s", dir, streq(dir, "/") ? "" : "/", e->d_name) < 0)
			break;
		{
			cleanup_free char *target = strndup(e->d_name + 1, tlen);
			if (target && fstatat(dfd, target, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    asprintf(&l.target, "%s%s%s", dir, streq(dir, "/") ? "" : "/", target) <
				    0)
				l.target = NULL;
		}
		if (unlinkat(dfd, e->d_name, 0) < 0) {
			free(l.path);
			free(l.target);
			continue;
		}
		f->v[f->n++] = l;
	}
	(void)closedir(d);
}

/* A path into the message, a control character in it as \xNN: one line whatever the name. */
static void put_path(FILE *f, const char *sep, const char *s)
{
	fputs(sep, f);
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
}

/* One line per process: the files removed, the outputs that may be its. */
static void say(const struct leftover *v, size_t n)
{
	cleanup_free char *files = NULL, *targets = NULL;
	size_t files_len = 0, targets_len = 0, n_targets = 0;
	FILE *ff = open_memstream(&files, &files_len), *tf = open_memstream(&targets, &targets_len);

	if (!ff || !tf) {
		if (ff)
			(void)fclose(ff);
		if (tf)
			(void)fclose(tf);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i < NAMED_MAX)
			put_path(ff, i ? ", " : "", v[i].path);
		if (v[i].target && n_targets++ < NAMED_MAX)
			put_path(tf, n_targets > 1 ? ", " : "", v[i].target);
	}
	if (n > NAMED_MAX)
		fprintf(ff, " and %zu more", n - NAMED_MAX);
	if (n_targets > NAMED_MAX)
		fprintf(tf, " and %zu more", n_targets - NAMED_MAX);
	if (fclose(ff) != 0 || fclose(tf) != 0)
		return;
	cli_warn("removed %zu temp file%s of an interrupted syscage run (pid %d, no longer "
		 "running): %s%s%s%s",
		 n, n == 1 ? "" : "s", (int)v[0].pid, files, n_targets ? "; " : "", targets,
		 !n_targets	  ? ""
		 : n_targets == 1 ? " may hold that run's output or what was there before it "
				    "(the file whole)"
				  : " may hold that run's output or what was there before it (each "
				    "file whole)");
}

/* A directory by its identity: one named twice (or spelled two ways) is looked at once. */
struct dir_key {
	dev_t dev;
	ino_t ino;
	const char *name;
};

static int cmp_dir_key(const void *x, const void *y)
{
	const struct dir_key *a = x, *b = y;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	return a->ino < b->ino ? -1 : a->ino > b->ino;
}

size_t leftovers_remove(const char *const *dirs, size_t n)
{
	struct found f = { 0 };
	cleanup_free struct dir_key *k = calloc(n + 1, sizeof(*k));
	size_t removed, m = 0;

	if (!k)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (dirs[i] && stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			k[m++] = (struct dir_key){ st.st_dev, st.st_ino, dirs[i] };
	}
	qsort(k, m, sizeof(*k), cmp_dir_key);
	for (size_t i = 0; i < m; i++)
		if (i == 0 || cmp_dir_key(&k[i], &k[i - 1]) != 0)
			remove_in(&f, k[i].name);
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), cmp_leftover);
	for (size_t i = 0, j; i < f.n; i = j) {
		for (j = i + 1; j < f.n && f.v[j].pid == f.v[i].pid; j++)
			;
		say(f.v + i, j - i);
	}
	for (size_t i = 0; i < f.n; i++) {
		free(f.v[i].path);
		free(f.v[i].target);
	}
	removed = f.n;
	free(f.v);
	free(f.asked);
	return removed;
}
