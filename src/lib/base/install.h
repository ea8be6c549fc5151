/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Atomic, confined file writes: every output goes to a temp file in the target directory,
 * is fsync'ed and renamed into place, so readers see the old file or the new one, never half. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Is 'name' a single safe path component (no '/', not "." or "..", not empty, no NUL)? */
bool sc_name_is_safe(const char *name);

/* The name of attempt 'attempt' at a temp file beside 'name': ".NAME.PID.N.sctmp" (a leading
 * '.' so directory scanners skip it; the suffix the agent's start-up clean-up removes). 0 or
 * -ENAMETOOLONG. */
int sc_temp_name(char tmp[static NAME_MAX + 1], const char *name, unsigned attempt);

/* Write 'data' as 'name' inside the directory 'dirfd' (name must be a safe component).
 * Opens with O_NOFOLLOW; returns 0 or -errno; on error nothing new is left behind.
 * With 'unchanged' non-NULL, an identical existing file is left untouched and *unchanged=true. */
int sc_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       bool *unchanged);

/* Many atomic writes for the price of one sync: sc_write_batch_add writes a temp file beside
 * each target (an identical target is left alone: *unchanged=true), sc_write_batch_commit
 * syncs each file system once (syncfs), renames every temp file into place and fsyncs each
 * directory that changed once (sc_batch, batch.h, does it), so readers see old or new files,
 * never partial ones, and a crash leaves at most temp files (names starting with '.'). The
 * batch keeps its own copies of the directory fds. Free
 * removes the temp files of a batch that was not committed. */
struct sc_write_batch;
int sc_write_batch_new(struct sc_write_batch **ret);
int sc_write_batch_add(struct sc_write_batch *b, int dirfd, const char *name, const void *data,
		       size_t len, mode_t mode, bool *unchanged);
/* Returns 0, or the first error (the remaining renames are still tried). */
int sc_write_batch_commit(struct sc_write_batch *b);
struct sc_write_batch *sc_write_batch_free(struct sc_write_batch *b);

/* Same for a path; "-" writes to stdout. Missing parent directories are created as
 * sc_open_dir_mkdirs() does. */
int sc_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Open directory 'dir' (O_CLOEXEC), creating the components that do not exist yet (0755,
 * less the umask). What exists is opened as named (an administrator's symlink such as
 * /var/run is followed); each component this creates is entered from its parent's fd with
 * O_NOFOLLOW, so a symlink found or planted in its place is refused (-ELOOP), never
 * followed. "." and ".." among the missing components are resolved as the kernel would
 * once they exist ("new/../x" is "x"; see sc_dir_tidy), so nothing is made that the path
 * only passes through. Returns the fd or -errno. */
int sc_open_dir_mkdirs(const char *dir);

/* The directory sc_open_dir_mkdirs('dir') opens, as a path: its longest prefix that exists,
 * as named, then the missing rest with "." and "NAME/.." taken out ("a/new/../x" with only
 * "a" there: "a/x"; "a/new/../../x": "a/../x"; nothing missing: 'dir' itself without
 * trailing slashes). *ret is allocated. Returns 0 or -errno. */
int sc_dir_tidy(const char *dir, char **ret);

/* Read a whole file ("-" = stdin) into a NUL-terminated buffer; refuses files larger than
 * 'max' bytes with -EFBIG. */
int sc_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The same from an open fd (not closed), from its current offset. */
int sc_read_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* What a file that is not a regular one is, for a message: "a FIFO", "a socket", "a character
 * device", "a block device", "a directory", "a symbolic link", else "a special file". */
const char *sc_file_type_name(mode_t mode);
