/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A batch of temp-file-and-rename writes: temp files already written (by the caller, on any
 * thread) are made durable together, renamed into place and their directories synced, with a
 * result per file. The one implementation under sc_write_batch_* and the agent's passes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sc_batch;

/* Create the temp file 'tmp' in 'dirfd' anew (O_EXCL, O_NOFOLLOW: -EEXIST when the name is
 * taken, the caller picks another) with 'data': mode exactly 'mode' (the umask set aside)
 * with SC_TMP_EXACT_MODE, fsync'ed with SC_TMP_SYNC (a batch syncs once instead). On error
 * nothing is left behind. Thread-safe: writer threads make a batch's temp files at once. */
/* Write all 'len' bytes of 'data' to 'fd', again after a short write or EINTR. 0 or -errno. */
int sc_write_all(int fd, const void *data, size_t len);

enum {
	SC_TMP_EXACT_MODE = 1 << 0,
	SC_TMP_SYNC = 1 << 1,
};
int sc_batch_write_tmp(int dirfd, const char *tmp, const void *data, size_t len, mode_t mode,
		       unsigned flags);

int sc_batch_new(struct sc_batch **ret);
/* Removes the temp files of the items not renamed. */
struct sc_batch *sc_batch_free(struct sc_batch *b);

/* Directories. sc_batch_dir keeps its own copy of 'dirfd' and returns its index (the same
 * directory, by device and inode, gets the same index) or -errno. sc_batch_subdir names the
 * directory 'name' below directory 'parent' without opening it (a pass over a thousand
 * namespaces must not hold a thousand fds): it is opened when needed, or the caller passes
 * its own fd to sc_batch_rename; the same name just registered gets the same index. */
ssize_t sc_batch_dir(struct sc_batch *b, int dirfd);
ssize_t sc_batch_subdir(struct sc_batch *b, size_t parent, const char *name);
/* The batch's fd of a directory from sc_batch_dir (borrowed), or -EBADF for a subdir. */
int sc_batch_dir_fd(const struct sc_batch *b, size_t dir);
/* The name of a subdir, or NULL. */
const char *sc_batch_dir_name(const struct sc_batch *b, size_t dir);

/* Add the written temp file 'tmp' of directory 'tmp_dir' (one from sc_batch_dir) to become
 * 'name' in directory 'dir' (the same file system: renamed across). Returns the item's
 * index, or -errno (the temp file is removed then). Not thread-safe: writers make their temp
 * files at once, one thread adds them. */
ssize_t sc_batch_add(struct sc_batch *b, size_t tmp_dir, const char *tmp, size_t dir,
		     const char *name);
size_t sc_batch_size(const struct sc_batch *b);
size_t sc_batch_item_dir(const struct sc_batch *b, size_t i);
/* Take item i out of the batch before the commit: its temp file is removed, its result is
 * -ECANCELED and it counts for nothing. */
void sc_batch_drop(struct sc_batch *b, size_t i);

/* How to commit. Data first: up to 'fsync_max' items are fsync'ed one by one (a single
 * update lands fast), a bigger batch by one syncfs per file system (10,000 fsyncs take
 * minutes). Then the renames: by 'rename_all' when set (e.g. on several threads: it calls
 * sc_batch_rename or sc_batch_fail for each item and returns 0, or an error that stops the
 * batch: the items it did not reach get it), else one by one here. */
struct sc_batch_commit {
	size_t fsync_max;
	int (*rename_all)(struct sc_batch *b, void *userdata);
	void *userdata;
};

/* Rename item i into place, into 'dirfd' (the item's directory opened by the caller) or,
 * with -1, into the batch's fd of it (a subdir is opened and closed for it). Thread-safe
 * for distinct items. Returns the item's result: 0 or -errno. */
int sc_batch_rename(struct sc_batch *b, size_t i, int dirfd);
/* Item i could not be renamed: 'err' (-errno) is its result. */
void sc_batch_fail(struct sc_batch *b, size_t i, int err);

/* Make the batch durable and land it: sync (when that fails nothing is renamed and every
 * item has its error), rename every item, fsync each directory that got a file once, remove
 * the temp files of the items that failed. 'c' NULL: fsync_max 0, renames here. Returns
 * 0, rename_all's error, or the first item's error; each item's in sc_batch_result. */
int sc_batch_commit(struct sc_batch *b, const struct sc_batch_commit *c);
/* Item i after the commit: 0 renamed, or -errno. */
int sc_batch_result(const struct sc_batch *b, size_t i);
/* Forget the items (the temp files of those not renamed are removed); the directories stay. */
void sc_batch_reset(struct sc_batch *b);
