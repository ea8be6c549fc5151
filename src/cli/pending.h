/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Outputs written as they are made and put in place only once every one is complete (`k8s
 * bind`: on any error nothing is written). A regular target gets a temp file beside it,
 * renamed over it at the end, as sc_write_atomic does; stdout, a device, a FIFO or a target
 * whose directory is made only at the end get their bytes from one spool file (unlinked) at
 * the end. No descriptor stays open per output once it is complete, so a tree of any number
 * of files can be written. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pending {
	const char *path; /* the target: "-" for stdout; for messages */
	const char *name; /* its last component */
	char *dir;	  /* the target's directory (a temp file there), NULL: spooled */
	char *mkdir;	  /* spooled: a directory to make at the end, then written into */
	char *tmp;	  /* the temp file beside the target, "dir/.name.pid.n.sctmp" */
	int fd;		  /* while being written: the temp file, or the spool */
	off_t off, len;	  /* spooled: where its bytes are in the spool */
	char *buf;
	size_t n;
	off_t written, synced; /* a temp file's bytes written, and given to writeback */
	enum {
		PLACED_NOT,
		PLACED_NEW,
		PLACED_SWAPPED,
		PLACED_FINAL
	} placed;
};

/* Start an output for 'path' ("-": stdout). Missing parent directories are made at the end
 * (as sc_write_atomic makes them). Returns 0 or -errno. */
int pending_open(struct pending *p, const char *path);
/* pending_open() for an output with a temp file of its own beside it, which another thread
 * may write while the caller writes others; -EAGAIN (nothing started: pending_close() it) for
 * one pending_open() would spool. */
int pending_open_beside(struct pending *p, const char *path);
/* A write callback for the library's streaming writers (userdata: the struct pending). */
int pending_write(void *userdata, const void *data, size_t n);
/* Everything written: on disk, its descriptor closed. */
int pending_finish(struct pending *p);
/* Why pending_commit_all() failed. */
struct pending_failure {
	size_t failed;	   /* the index of the output that failed */
	size_t same_as;	   /* -EEXIST: the earlier output with the same target as 'failed' */
	size_t not_undone; /* outputs put in place by a plain rename, which stay (see below) */
	size_t first_not_undone; /* the first of those, when not_undone > 0 */
};

/* Every output of 'v' into place, or none: the temp files are completed first (a target
 * whose directory is missing gets it now, and its bytes from the spool), then renamed, each
 * an exchange with the target it replaces, so that a failure puts back what the earlier
 * ones replaced and removes the directories made; only then are stdout, devices and FIFOs
 * written, which cannot be taken back. Two outputs naming one file (the same directory and
 * name, however spelled) are -EEXIST before anything is renamed. On error *ret says which
 * output failed; a file system without renameat2's flags gets plain renames, which are not
 * undone: ret->not_undone counts them. */
int pending_commit_all(struct pending *const *v, size_t n, struct pending_failure *ret);
/* Make 'dir' and its missing parents now, as part of the outputs' commit: undone with it,
 * or by pending_abort(). */
int pending_mkdirs(const char *dir);
/* The directories made so far removed again (each only if empty). */
void pending_abort(void);
/* Gone, temp file and all (a committed one only forgotten). */
void pending_close(struct pending *p);
/* At the end of a run of outputs: the spool goes. */
void pending_spool_close(void);

/* Inputs are mapped (a big manifest is never held whole): if another process truncates one
 * while it is read, the kernel sends SIGBUS. From this call on, that signal removes the temp
 * files of the outputs 'v' lists (and 'extra', may be NULL), says so, and exits 1: nothing is
 * written. A change that raises no fault (in place, or within the last page) is the
 * caller's to find before committing (sc_k8s_file_unchanged). */
void pending_guard_sigbus(struct pending *v, size_t n, struct pending *extra);
