/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading /proc (see proc.h) and a process's start time (sc_pid_start_ms, pods.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/pods.h"
#include "node/proc.h"
#include "macro.h"

#define PROC_READ_STEP 4096

const char *sc_proc_root(const char *root)
{
	return root && *root ? root : "/proc";
}

void sc_proc_path(char *buf, size_t size, const char *root, pid_t pid, const char *what)
{
	root = sc_proc_root(root);
	if (pid > 0)
		(void)snprintf(buf, size, "%s/%d/%s", root, (int)pid, what);
	else if (pid == 0)
		(void)snprintf(buf, size, "%s/self/%s", root, what);
	else
		(void)snprintf(buf, size, "%s/%s", root, what);
}

/* Read into buf[0..size) until it is full or the file ends; the bytes read, or -errno. */
static ssize_t read_upto(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size) {
		ssize_t k = read(fd, buf + n, size - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	return (ssize_t)n;
}

int sc_proc_read(const char *path, char *buf, size_t size, size_t *ret_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (size == 0)
		return -EINVAL;
	n = read_upto(fd, buf, size - 1);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	if (ret_len)
		*ret_len = (size_t)n;
	return 0;
}

int sc_proc_read_alloc(const char *path, size_t max, char **ret, size_t *ret_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return -errno;
	/* Grow until a read leaves room to spare (the end), or 'max' is reached. */
	while (n + 1 >= cap && cap < max) {
		size_t ncap = cap ? cap * 2 : PROC_READ_STEP;
		char *b = realloc(buf, ncap);
		ssize_t k;

		if (!b)
			return -ENOMEM;
		buf = b;
		cap = ncap;
		k = read_upto(fd, buf + n, cap - n - 1);
		if (k < 0)
			return (int)k;
		n += (size_t)k;
	}
	if (!buf)
		buf = calloc(1, 1);
	if (!buf)
		return -ENOMEM;
	buf[n] = 0;
	if (ret_len)
		*ret_len = n;
	*ret = TAKE_PTR(buf);
	return 0;
}

int sc_proc_read_cgroup(const char *root, pid_t pid, char *buf, size_t size, size_t *ret_len)
{
	char path[PATH_MAX];

	sc_proc_path(path, sizeof(path), root, pid, "cgroup");
	return sc_proc_read(path, buf, size, ret_len);
}
