/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns atomic, confined file writes (temp file + fsync + renameat, O_NOFOLLOW) and whole-file
 * reads with a size cap. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/batch.h"
#include "base/install.h"
#include "macro.h"

bool sc_name_is_safe(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < NAME_MAX;
}

static bool same_content(int dirfd, const char *name, const void *data, size_t len)
{
	/* O_NONBLOCK: a FIFO in the target's place must not block (it is not S_ISREG). */
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char buf[65536];
	size_t off = 0;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return false;
		if (n == 0)
			return off == len;
		if (off + (size_t)n > len || memcmp((const char *)data + off, buf, (size_t)n) != 0)
			return false;
		off += (size_t)n;
	}
}

int sc_temp_name(char tmp[static NAME_MAX + 1], const char *name, unsigned attempt)
{
	/* The suffix the agent's start-up clean-up removes (reconcile.c). */
	int r = snprintf(tmp, NAME_MAX + 1, ".%.200s.%d.%u.sctmp", name, (int)getpid(), attempt);

	return r < 0 || r > NAME_MAX ? -ENAMETOOLONG : 0;
}

/* Write 'data' to a new temp file beside 'name' in 'dirfd' (its name in 'tmp'), synced to
 * disk when 'sync'. On error nothing is left behind. */
static int write_temp(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		      bool sync, char tmp[static NAME_MAX + 1])
{
	for (unsigned attempt = 0;; attempt++) {
		int r = sc_temp_name(tmp, name, attempt);
		if (r < 0)
			return r;
		r = sc_batch_write_tmp(dirfd, tmp, data, len, mode,
				       SC_TMP_EXACT_MODE | (sync ? SC_TMP_SYNC : 0));
		if (r != -EEXIST || attempt > 100)
			return r;
	}
}

int sc_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       bool *unchanged)
{
	char tmp[NAME_MAX + 1];
	int r;

	if (!sc_name_is_safe(name))
		return -EINVAL;
	if (unchanged) {
		*unchanged = same_content(dirfd, name, data, len);
		if (*unchanged)
			return 0;
	}
	r = write_temp(dirfd, name, data, len, mode, true, tmp);
	if (r < 0)
		return r;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		(void)unlinkat(dirfd, tmp, 0);
	}
	return r;
}

/* The batch of sc_write_batch_*: temp files beside their targets, the commit sc_batch's. */
struct sc_write_batch {
	struct sc_batch *b;
};

int sc_write_batch_new(struct sc_write_batch **ret)
{
	struct sc_write_batch *w = calloc(1, sizeof(*w));

	if (!w || sc_batch_new(&w->b) < 0) {
		free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

int sc_write_batch_add(struct sc_write_batch *w, int dirfd, const char *name, const void *data,
		       size_t len, mode_t mode, bool *unchanged)
{
	char tmp[NAME_MAX + 1];
	ssize_t dir, i;
	int r;

	if (unchanged)
		*unchanged = false;
	if (!sc_name_is_safe(name))
		return -EINVAL;
	if (same_content(dirfd, name, data, len)) {
		if (unchanged)
			*unchanged = true;
		return 0;
	}
	dir = sc_batch_dir(w->b, dirfd);
	if (dir < 0)
		return (int)dir;
	r = write_temp(sc_batch_dir_fd(w->b, (size_t)dir), name, data, len, mode, false, tmp);
	if (r < 0)
		return r;
	i = sc_batch_add(w->b, (size_t)dir, tmp, (size_t)dir, name);
	return i < 0 ? (int)i : 0;
}

int sc_write_batch_commit(struct sc_write_batch *w)
{
	int r = sc_batch_commit(w->b, NULL);

	sc_batch_reset(w->b);
	return r;
}

struct sc_write_batch *sc_write_batch_free(struct sc_write_batch *w)
{
	if (!w)
		return NULL;
	sc_batch_free(w->b);
	free(w);
	return NULL;
}

int sc_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	cleanup_free char *dir = NULL;
	cleanup_close int dfd = -1;
	const char *slash, *base;

	struct stat st;

	if (strcmp(path, "-") == 0)
		return sc_write_all(STDOUT_FILENO, data, len);
	/* A device or FIFO (-o /dev/null, /dev/stdout) is written to, never renamed over. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		return sc_write_all(fd, data, len);
	}
	slash = strrchr(path, '/');
	if (slash) {
		dir = strndup(path, (size_t)(slash - path) + (slash == path));
		base = slash + 1;
	} else {
		dir = strdup(".");
		base = path;
	}
	if (!dir)
		return -ENOMEM;
	/* "DIR/", "DIR/." or "DIR/.." names a directory, not a file in one. */
	if (!*base || streq(base, ".") || streq(base, ".."))
		return -EISDIR;
	dfd = sc_open_dir_mkdirs(dir);
	if (dfd < 0)
		return dfd;
	return sc_write_atomic_at(dfd, base, data, len, mode, NULL);
}

int sc_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;
		if (cap - len < 4096 + 1) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf;
			if (cap > max + 1)
				return -EFBIG;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int sc_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	cleanup_close int fd = -1;

	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return sc_read_fd(fd, max, ret, ret_len);
}

/* Open 'path' (its first 'len' bytes) as a directory; -errno on failure. */
static int open_dir_prefix(const char *path, size_t len)
{
	cleanup_free char *d = len ? strndup(path, len) : strdup(".");
	int fd;

	if (!d)
		return -ENOMEM;
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The longest prefix of 'dir' (its first 'len' bytes) that exists, opened as the user named
 * it (*ret_cut: its length; 0 is the current directory). Returns the fd or -errno. */
static int open_existing_prefix(const char *dir, size_t len, size_t *ret_cut)
{
	size_t cut = len;
	int fd;

	for (;;) {
		fd = open_dir_prefix(dir, cut);
		if (fd >= 0 || fd != -ENOENT || cut == 0)
			break;
		while (cut > 0 && dir[cut - 1] != '/')
			cut--;
		if (cut == 0)
			continue; /* the current directory: "a/b" */
		/* cut is after a '/': drop it and any repeats, keeping "/" itself. */
		while (cut > 1 && dir[cut - 1] == '/')
			cut--;
		if (cut == 1 && dir[0] == '/') {
			fd = open_dir_prefix(dir, 1);
			break;
		}
	}
	*ret_cut = cut;
	return fd;
}

/* The part of a path that does not exist yet, 'len' bytes of 'tail', as it will be once
 * made: "." and "NAME/.." taken out (each NAME is a directory made here, so ".." after it is
 * the directory it was made in, as the kernel resolves it once it exists); what is left is
 * "../" as often as the path climbs above the part that exists, then the names to make.
 * *ret: that text, "" for nothing to make. Returns 0 or -ENOMEM. */
static int tidy_tail(const char *tail, size_t len, char **ret)
{
	cleanup_free size_t *start = calloc(len / 2 + 2, sizeof(*start));
	cleanup_free size_t *size = calloc(len / 2 + 2, sizeof(*size));
	size_t n = 0, ups = 0, i = 0, o = 0;
	char *out;

	if (!start || !size)
		return -ENOMEM;
	while (i < len) {
		size_t j;
		while (i < len && tail[i] == '/')
			i++;
		for (j = i; j < len && tail[j] != '/'; j++)
			;
		if (j == i)
			break;
		if (j - i == 2 && tail[i] == '.' && tail[i + 1] == '.') {
			if (n > 0)
				n--;
			else
				ups++;
		} else if (!(j - i == 1 && tail[i] == '.')) {
			start[n] = i;
			size[n++] = j - i;
		}
		i = j;
	}
	out = malloc(3 * ups + len + 1);
	if (!out)
		return -ENOMEM;
	for (size_t k = 0; k < ups; k++, o += 3)
		memcpy(out + o, "../", 3);
	for (size_t k = 0; k < n; k++) {
		memcpy(out + o, tail + start[k], size[k]);
		o += size[k];
		out[o++] = '/';
	}
	if (o > 0)
		o--; /* the last '/' */
	out[o] = '\0';
	*ret = out;
	return 0;
}

/* 'dir' without trailing slashes: its length. */
static size_t trimmed_len(const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return len;
}

int sc_dir_tidy(const char *dir, char **ret)
{
	cleanup_free char *tail = NULL;
	char *out;
	size_t len, cut;
	int fd, r;

	if (!dir || !*dir || !ret)
		return -EINVAL;
	len = trimmed_len(dir);
	fd = open_existing_prefix(dir, len, &cut);
	if (fd < 0)
		return fd;
	close(fd);
	r = tidy_tail(dir + cut, len - cut, &tail);
	if (r < 0)
		return r;
	if (cut == 0)
		r = asprintf(&out, "%s", *tail ? tail : ".");
	else
		r = asprintf(&out, "%.*s%s%s", (int)cut, dir,
			     !*tail || (cut == 1 && dir[0] == '/') ? "" : "/", tail);
	if (r < 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

int sc_open_dir_mkdirs(const char *dir)
{
	cleanup_free char *tail = NULL;
	size_t len, cut, n;
	int fd, r;

	if (!dir || !*dir)
		return -EINVAL;
	len = trimmed_len(dir);
	fd = open_existing_prefix(dir, len, &cut);
	if (fd < 0)
		return fd;
	r = tidy_tail(dir + cut, len - cut, &tail);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* Up from what exists, then the rest made one component at a time, each entered without
	 * following a link. */
	n = strlen(tail);
	for (size_t i = 0; i < n;) {
		cleanup_free char *comp = NULL;
		size_t j;
		int nfd;

		for (j = i; j < n && tail[j] != '/'; j++)
			;
		comp = strndup(tail + i, j - i);
		if (!comp) {
			close(fd);
			return -ENOMEM;
		}
		if (!streq(comp, "..") && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			close(fd);
			return r;
		}
		nfd = openat(fd, comp,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				     (streq(comp, "..") ? 0 : O_NOFOLLOW));
		close(fd);
		if (nfd < 0)
			return errno == ENOTDIR ? -ELOOP : -errno;
		fd = nfd;
		i = j + (j < n);
	}
	return fd;
}

const char *sc_file_type_name(mode_t mode)
{
	return S_ISFIFO(mode)	? "a FIFO"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode)	? "a character device"
	       : S_ISBLK(mode)	? "a block device"
	       : S_ISDIR(mode)	? "a directory"
	       : S_ISLNK(mode)	? "a symbolic link"
				: "a special file";
}
