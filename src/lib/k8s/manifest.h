/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seams between the parts of Kubernetes manifests (internal to libsyscage): what a parsed
 * file keeps for binding (k8s-workload.c fills it, k8s-bind.c edits by it), and the names they
 * share. */
#pragma once

#include <stdbool.h>
#include <stdlib.h>

#include "syscage/k8s.h"

#include "k8s/postree.h"

#define MAX_MANIFEST (256u << 20)

#define ANN_POD	      "seccomp.security.alpha.kubernetes.io/pod"
#define ANN_CONTAINER "container.seccomp.security.alpha.kubernetes.io/"

/* What a file keeps once parsed: the workloads' strings and the nodes binding edits (kept
 * from each document's tree, which goes when the next document comes). */
struct sc_k8s_tree {
	struct arena arena;
	/* per workload (parallel to sc_k8s_file.workloads): */
	struct wpos *wp;
	bool mapped; /* the file's text is a private mapping of it (munmap, sc_text_drop) */
	/* mapped: the file as it was when mapped (device, inode, size, mtime, ctime), to tell
	 * whether it changed while it was read (sc_k8s_file_unchanged) */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint8_t keep; /* enum sc_k8s_keep: what wpos kept (NULL: not kept) */
};

/* Where a workload's pieces are in the tree. */
struct wpos {
	struct yn *holder;  /* the mapping holding the pod's metadata and spec */
	struct yn *podspec; /* the pod spec mapping */
	struct yn **containers;
	size_t n_containers; /* parallel to sc_k8s_workload.containers */
	/* Where its document's text ends: the next document's start (its "---"), or the
	 * file's end. Binding edits and checks a document at a time: from the end of the one
	 * before to this. */
	uint32_t doc_end;
	bool json;
};

static inline void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct sc_diags;
struct sc_k8s_file;

/* Read 'buf' (len bytes and a NUL; lent, never copied nor freed) document by document: after
 * each document, each() gets the file with that document's workloads (and their kept nodes),
 * which go when it returns. The memory of one document's at a time, for bind's check of its
 * own output. Returns each()'s first error, or as sc_k8s_file_parse(). */
int sc_k8s_file_parse_each(const char *buf, size_t len, const char *name, struct sc_diags *d,
			   int (*each)(void *userdata, struct sc_k8s_file *f), void *userdata);

/* How k8s_text_parse reads a text. */
struct k8s_parse {
	bool mapped; /* a private file mapping (munmap'd on an error unless lent) */
	bool lent;   /* the text stays the caller's, even on an error */
	enum sc_k8s_keep keep;
	/* sc_k8s_file_parse_each(): given each document's workloads (the text is lent) */
	int (*each)(void *userdata, struct sc_k8s_file *f);
	void *userdata;
	size_t *ret_used; /* where the alias budget it used goes (NULL: nowhere) */
};

/* sc_k8s_file_parse on a buffer of len + 1 bytes (NUL-terminated, or a mapping with the text
 * after it) it takes over (freed on an error) unless lent. */
int k8s_text_parse(char *buf, size_t len, const struct k8s_parse *how, const char *name,
		   const char *default_ns, struct sc_diags *d, struct sc_k8s_file **ret);
/* A mapped file's text parsed as k8s_text_parse does, in pieces on 'jobs' threads when
 * jobs > 1 and it is big: the same workloads, positions and diagnostics. */
int k8s_split_parse(char *buf, size_t len, enum sc_k8s_keep keep, unsigned jobs, const char *name,
		    const char *default_ns, struct sc_diags *d, struct sc_k8s_file **ret);
