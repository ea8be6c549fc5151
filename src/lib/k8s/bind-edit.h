/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seam between k8s bind's text edits (k8s-bind.c) and the check of the edited text
 * (k8s-bind-check.c), internal to libsyscage's k8s part: a document's edits, where edited text
 * goes, and the check of a run of edited documents. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/sbuf.h"
#include "syscage/k8s.h"

/* Offsets fit in 32 bits: manifests are at most MAX_MANIFEST bytes. */
struct edit {
	uint32_t pos, del;
	uint32_t depth; /* inner mappings' insertions go before outer ones at one offset */
	uint32_t seq;
	size_t text; /* offset of its text in ectx.texts */
	size_t text_len;
};

struct ectx {
	const char *buf;
	size_t len;
	struct edit *v;
	size_t n, cap;
	char *texts; /* every edit's text, one after the other (10,000 workloads: 40,000 edits) */
	size_t texts_len, texts_cap;
	bool json;
	struct sc_diags *d;
	const struct sc_k8s_workload *who; /* whose edits: named in errors */
	bool crlf;			   /* the file's lines end in CR LF */
	bool eof_newline;
	int err;
};

/* Where a document's edited text goes: appended to 'buf', or compared with 'ref' (the check:
 * binding the output again must give the output). */
struct sink {
	struct sbuf *buf;
	const char *ref;
	size_t ref_len;
	size_t n;
	bool differs;
};

/* Workload i of 'f': its edits into 'e' (after those it has). Returns 0, -EINVAL (in e->d)
 * or -ENOMEM. */
int bind_workload_edits(struct ectx *e, const struct sc_k8s_file *f, size_t i,
			const struct sc_k8s_bind_opts *o);
/* qsort's order of edits: by offset, inner mappings first, then as made. */
int bind_cmp_edit(const void *a, const void *b);
void bind_sink_put(struct sink *s, const char *p, size_t n);
/* Apply e's edits (sorted) to 'text' from *at on, into 'out'. */
void bind_apply_edits(const struct ectx *e, const char *text, size_t *at, struct sink *out);

/* Whether 'out' (len bytes and a NUL), the edited text of the documents of f's workloads
 * first..first+count-1 ('items': of a List's items after K8S_ITEMS), reads back
 * on its own as the same workloads and binding it again changes nothing: 0, -EINVAL
 * (*ret_bad: the workload where it differs first), -ENOMEM. Thread-safe: it reads 'f' and
 * writes nothing else that is shared. */
int bind_check_run(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o, size_t first,
		   size_t count, bool crlf, bool items, const char *out, size_t len,
		   size_t *ret_bad);
/* The error of a check that failed, at workload 'w': -EINVAL, or -ENOMEM. */
int bind_check_failed(struct sc_diags *d, const struct sc_k8s_workload *w);
