/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading /proc, or a tree standing in for it (a test's, the node's /proc seen from a
 * container through --host-root), for pods.c, inspect.c and audit/ (internal to libsyscage). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* 'root' when it names a directory, else "/proc". */
const char *sc_proc_root(const char *root);

/* "<root>/<pid>/<what>" for pid > 0, "<root>/self/<what>" for 0, "<root>/<what>" for < 0. */
void sc_proc_path(char *buf, size_t size, const char *root, pid_t pid, const char *what);

/* Read a small file into buf, at most size - 1 bytes (the rest is left unread), NUL-terminated
 * (NUL bytes in the file kept; *ret_len says how much). /proc files come in several reads.
 * 0 or -errno. */
int sc_proc_read(const char *path, char *buf, size_t size, size_t *ret_len);

/* The same into a buffer of its own, at most 'max' bytes (the rest is left unread).
 * 0, -ENOMEM or -errno. */
int sc_proc_read_alloc(const char *path, size_t max, char **ret, size_t *ret_len);

/* The text of <root>/<pid>/cgroup into buf, as sc_proc_read. */
int sc_proc_read_cgroup(const char *root, pid_t pid, char *buf, size_t size, size_t *ret_len);
