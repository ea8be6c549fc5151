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
	/* Where its unit's text ends: its document's (the next document's start, its "---", or
	 * the file's end), or for an item of a List read an item at a time, its item's (the
	 * next item's '-' line, or the List's next key). Binding edits and checks a unit at a
	 * time: from the end of the one before to this. */
	uint32_t doc_end;
	/* Where its document starts; for an item, where its List's items start (its first
	 * '-' line): one value for all the items of a List. */
	uint32_t unit_start;
	bool item; /* its unit is an item of a List (its text is the List's block sequence's) */
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
 * own output. 'items': the text is items of a List (k8s_parse.items). Returns each()'s first
 * error, or as sc_k8s_file_parse(). */
int sc_k8s_file_parse_each(const char *buf, size_t len, const char *name, bool items,
			   struct sc_diags *d, int (*each)(void *userdata, struct sc_k8s_file *f),
			   void *userdata);

struct k8s_skel;

/* How k8s_text_parse reads a text. */
struct k8s_parse {
	bool mapped; /* a private file mapping (munmap'd on an error unless lent) */
	bool lent;   /* the text stays the caller's, even on an error */
	enum sc_k8s_keep keep;
	/* sc_k8s_file_parse_each(): given each document's workloads (the text is lent) */
	int (*each)(void *userdata, struct sc_k8s_file *f);
	void *userdata;
	size_t *ret_used; /* where the alias budget it used goes (NULL: nowhere) */
	/* The text is items of a List at a document's top, cut from it at their '-' lines, after
	 * K8S_ITEMS: each item read as the List's are and a unit of its own. */
	bool items;
	/* ... cut where item[k] - items_by is in this text (n_items of them): an item must
	 * start between each cut and the next, else -EAGAIN. The last is only looked at when
	 * 'overlap' (the first of the next cut, read to see that an item starts there). NULL:
	 * not looked at (the check's read of its own output). */
	const uint32_t *item;
	size_t n_items;
	uint32_t items_by;
	bool overlap;
	/* The text is a List's skeleton (k8s_list_skeleton): nothing is read, and -EAGAIN
	 * unless it is what 'skel' says. */
	const struct k8s_skel *skel;
	size_t *ret_merges; /* '<<' merge keys resolved (NULL: not counted) */
	/* Where the workloads' strings and kept nodes go (NULL: the file's arena): a thread
	 * reading many pieces keeps them in one arena, not a partly used chunk a piece. */
	struct arena *arena;
};

/* sc_k8s_file_parse on a buffer of len + 1 bytes (NUL-terminated, or a mapping with the text
 * after it) it takes over (freed on an error) unless lent. */
int k8s_text_parse(char *buf, size_t len, const struct k8s_parse *how, const char *name,
		   const char *default_ns, struct sc_diags *d, struct sc_k8s_file **ret);
/* What a List's items cut from it are read after (and a run of them is checked after): the
 * line of a key whose value they are, as the List's "items" is. An indentless sequence (its
 * '-' at the key's column, as kubectl writes a List) is then read as in the List: libfyaml
 * reads some (an empty item then another) otherwise at a text's top. Nodes get the depth they
 * have in the List. */
#define K8S_ITEMS     "items:\n"
#define K8S_ITEMS_LEN (sizeof(K8S_ITEMS) - 1)

/* How k8s_split_parse cuts a text. */
struct k8s_split {
	bool mapped;	   /* the text is a private file mapping (else malloc'd) */
	unsigned jobs;	   /* threads reading */
	size_t list_min;   /* a List this big or bigger is read a range of its items at a time */
	size_t list_piece; /* ... ranges of about this many bytes */
};

/* A text (a file's mapping or a buffer read, len + 1 bytes, which it takes over) parsed as
 * k8s_text_parse does, in pieces: its big Lists a range of items at a time, its other
 * documents in pieces on 'jobs' threads when jobs > 1 and it is big. The same workloads,
 * positions and diagnostics; a List's items bound and checked an item at a time. */
int k8s_split_parse(char *buf, size_t len, enum sc_k8s_keep keep, const struct k8s_split *how,
		    const char *name, const char *default_ns, struct sc_diags *d,
		    struct sc_k8s_file **ret);
/* The default cuts: a List of 256 KiB or more, in ranges of 64 KiB. */
#define K8S_LIST_MIN   (256u << 10)
#define K8S_LIST_PIECE (64u << 10)
