/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where a manifest's text may be cut (internal to libsyscage's k8s part, k8s-list.c): its
 * documents' "---" lines, and the items of its big List documents. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A List document of the plain shape whose items are read a range at a time: a block mapping
 * whose "items:" line (at column 0, nothing after it but a comment) is followed by a block
 * sequence's '-' lines at one column, and whose only other lines at or left of that column
 * are blank lines, comments and, after the items, the List's other keys at column 0; no tab
 * anywhere in it. (That its "kind" ends in "List", and that libfyaml reads it so, is what
 * parsing its skeleton and its items' ranges shows.) Offsets fit 32 bits: MAX_MANIFEST. */
struct k8s_list {
	uint32_t doc_start, doc_end; /* its "---" line (or the text's start), the next's */
	uint32_t end_line;	     /* lines before doc_end */
	uint32_t items_key;	     /* its "items:" line */
	uint32_t items_end;	     /* where its last item ends: its next key's line, or doc_end */
	uint32_t *item;		     /* where each item's '-' line starts */
	uint32_t *line;		     /* the lines before each */
	size_t n_items;
};

struct k8s_scan {
	bool whole; /* directives or "..." lines: the text is read whole */
	/* every "---" line but one at the text's start, and the lines before it */
	uint32_t *doc, *doc_line;
	size_t n_docs, cap_docs;
	struct k8s_list *lists; /* in order */
	size_t n_lists;
};

/* One pass over the lines of 'buf': its "---" lines and its List documents of 'list_min' bytes
 * or more that can be cut at their items. Returns 0 or -ENOMEM. */
int k8s_scan(const char *buf, size_t len, size_t list_min, struct k8s_scan *ret);
void k8s_scan_free(struct k8s_scan *s);

/* What reading a List's skeleton must find for its cut to be the one a whole read makes. */
struct k8s_skel {
	size_t items_key; /* the "items" key starts here */
	size_t first_end; /* its first item starts before this, its second (the last) after */
	size_t n;	  /* items: 1 or 2 */
};

/* The skeleton of List 'l' of 'buf': its text with only its first and last items (malloc'd,
 * NUL-terminated; NULL on ENOMEM). Read on its own it shows that the List's "items" key is
 * where it was found, that its kind ends in "List", that its text around the items is valid,
 * and that its first item follows what is before and its last is followed by what is after
 * as in the whole text. */
char *k8s_list_skeleton(const char *buf, const struct k8s_list *l, size_t *ret_len,
			struct k8s_skel *ret);
