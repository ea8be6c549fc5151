/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns k8s bind's output: a file's documents edited a few at a time (k8s-bind.c), each run of
 * them checked (k8s-bind-check.c, on other threads with o->jobs > 1) and written in order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/bind-edit.h"
#include "k8s/manifest.h"
#include "k8s/opipe.h"
#include "macro.h"
#include "syscage/k8s.h"

/* Bytes of the output, in order; stops at the first error. */
struct out {
	int (*write)(void *userdata, const void *p, size_t n);
	void *userdata;
	int err;
	size_t dropped; /* a mapped input's text given back up to here */
};

static void out_put(struct out *w, const char *p, size_t n)
{
	if (!w->err && n)
		w->err = w->write(w->userdata, p, n);
}

/* A mapped input's text before 'to' is written: its pages given back, a step at a time. */
static void out_drop(struct out *w, const struct sc_k8s_file *f, size_t to)
{
	if (f->tree->mapped && to - w->dropped >= TEXT_DROP_STEP) {
		sc_text_drop(f->text, w->dropped, to);
		w->dropped = to;
	}
}

/* f's text from 'from' to 'to', as it is; a mapped text's pages given back behind it. */
static void out_copy(struct out *w, const struct sc_k8s_file *f, size_t from, size_t to)
{
	while (from < to && !w->err) {
		size_t n = to - from < (1u << 20) ? to - from : (1u << 20);
		out_put(w, f->text + from, n);
		from += n;
		out_drop(w, f, from);
	}
}

/* A piece of the output, in order: a run of edited documents, not yet checked nor written
 * (checked together: one parse for many small documents), or text of the input between runs,
 * copied as it is (count 0). */
struct seg {
	struct sbuf text;
	size_t first, count; /* a run's workloads */
	size_t from, to;     /* the input's text it stands for: a run's documents, or the copy */
	bool items;	     /* a run of a List's items, its text after K8S_ITEMS (not written) */
	int edit_r;	     /* the edits' first error when the run was complete */
	size_t diag_at;	     /* where its check's error goes among the diagnostics: d->n then */
	size_t bad;	     /* the check's: the workload where the text differs first */
};

#define RUN_MAX (64u << 10)

struct bind_state {
	const struct sc_k8s_file *f;
	const struct sc_k8s_bind_opts *o;
	bool crlf;
	struct sc_diags *d;
	struct out *w;
	struct opipe *pipe;
	bool threads;
	struct seg *run; /* the run being made */
	int r_edit;	 /* the first error of the edits */
	int r_check;	 /* the first error of the checks (in the order of the runs) */
};

/* A run's check: on a worker thread (it reads only the run's text and the file's workloads,
 * which nothing changes meanwhile). */
static int seg_check(void *ctx, void *item)
{
	const struct bind_state *b = ctx;
	struct seg *s = item;

	if (s->text.oom)
		return -ENOMEM;
	return bind_check_run(b->f, b->o, s->first, s->count, b->crlf, s->items, s->text.s,
			      s->text.n, &s->bad);
}

/* The workload a failed check names: the first of its document, as when a List was bound
 * whole (a check found only that the List's text did not read back). */
static size_t check_names(const struct sc_k8s_file *f, size_t i)
{
	const struct wpos *wp = f->tree->wp;

	while (i > 0 && wp[i].item && wp[i - 1].item && wp[i - 1].unit_start == wp[i].unit_start)
		i--;
	return i;
}

/* Put diagnostic d->v[d->n - 1] at 'at', the ones from there on after it. */
static void diag_move(struct sc_diags *d, size_t at)
{
	struct sc_diag x = d->v[d->n - 1];

	memmove(&d->v[at + 1], &d->v[at], (d->n - 1 - at) * sizeof(*d->v));
	d->v[at] = x;
}

/* The oldest piece, once checked: its error reported where a check made when the run was
 * complete would have reported it (after the edits' errors before, before those after), and
 * written when nothing failed before it. */
static bool seg_pop(struct bind_state *b)
{
	int q = 0;
	struct seg *s = opipe_pop(b->pipe, &q);

	if (!s)
		return false;
	if (!s->count) {
		out_copy(b->w, b->f, s->from, s->to);
	} else if (b->r_check == 0 && s->edit_r == 0) {
		if (q == -EINVAL) {
			q = bind_check_failed(b->d, &b->f->workloads[check_names(b->f, s->bad)]);
			if (q == -EINVAL)
				diag_move(b->d, s->diag_at);
		}
		b->r_check = q;
		if (q == 0) {
			size_t skip = s->items ? K8S_ITEMS_LEN : 0;
			out_put(b->w, s->text.s + skip, s->text.n - skip);
			out_drop(b->w, b->f, s->to);
		}
	}
	free(s->text.s);
	free(s);
	return true;
}

/* Queue 'item' (a run to check, or a copy), the oldest pieces popped first to make room; with
 * no thread, checked and written at once. */
static void seg_push(struct bind_state *b, struct seg *s, bool check)
{
	while (opipe_full(b->pipe))
		(void)seg_pop(b);
	opipe_push(b->pipe, s, check);
	if (!b->threads)
		(void)seg_pop(b);
}

/* The run being made is complete: queued for its check (none once an edit failed). */
static void run_close(struct bind_state *b)
{
	struct seg *s = b->run;

	if (!s)
		return;
	b->run = NULL;
	s->edit_r = b->r_edit;
	s->diag_at = b->d->n;
	seg_push(b, s, s->edit_r == 0);
}

/* The input's text from..to, as it is, after what is queued. */
static int copy_push(struct bind_state *b, size_t from, size_t to)
{
	struct seg *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->from = from;
	s->to = to;
	seg_push(b, s, false);
	return 0;
}

/* Workloads i..j-1's unit (start..end of the input, its edits in 'e', sorted) edited into the
 * run, after the text since *at as it is; *at: where the unit ends. A run holds documents, or
 * items of one List (read back as its sequence's). Returns 0 or -ENOMEM. */
static int run_add(struct bind_state *b, const struct ectx *e, size_t i, size_t j, size_t start,
		   size_t *at, size_t end)
{
	const struct sc_k8s_file *f = b->f;
	bool items = f->tree->wp[i].item;
	struct sink s;
	size_t p = start;

	if (start > *at) {
		/* The text before, as it is. */
		run_close(b);
		if (copy_push(b, *at, start) < 0)
			return -ENOMEM;
	} else if (b->run && b->run->items != items) {
		run_close(b);
	}
	if (!b->run) {
		b->run = calloc(1, sizeof(*b->run));
		if (!b->run)
			return -ENOMEM;
		b->run->first = i;
		b->run->from = start;
		b->run->items = items;
		if (items) /* read back as the List's items are */
			sb_add(&b->run->text, K8S_ITEMS, K8S_ITEMS_LEN);
	}
	s = (struct sink){ .buf = &b->run->text };
	bind_apply_edits(e, f->text, &p, &s);
	if (p < end)
		bind_sink_put(&s, f->text + p, end - p);
	else if (p > end)
		end = p; /* an edit's deletion reached past: never so */
	b->run->count += j - i;
	b->run->to = *at = end;
	if (b->run->text.n >= RUN_MAX)
		run_close(b);
	return 0;
}

/* Where workload i's unit starts: where the one before ends when it is of the same kind (a
 * document, or an item of the same List), so that what is between (documents or items without
 * workloads) is checked with it; else where its document (or its List's items) starts. */
static size_t unit_start(const struct wpos *wp, size_t i)
{
	if (i && wp[i].item == wp[i - 1].item &&
	    (!wp[i].item || wp[i].unit_start == wp[i - 1].unit_start))
		return wp[i - 1].doc_end;
	return i || wp[i].item ? wp[i].unit_start : 0;
}

/* Threads that check runs while the caller's makes the next: o->jobs less the caller's. */
static unsigned check_workers(const struct sc_k8s_bind_opts *o)
{
	return o->jobs > 1 ? o->jobs - 1 : 0;
}

/* The documents a few at a time: a document's workloads' edits made and sorted, its text
 * edited into the run, the run checked and written once it is big enough (or at a document
 * left as it is, which is copied). With o->jobs > 1, runs are checked on other threads while
 * the next are made, and written in order; a few runs are held at most. */
static int bind_documents(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o,
			  struct sc_diags *d, struct out *w)
{
	struct ectx e = { .buf = f->text, .len = f->len, .d = d };
	const char *nl = memchr(f->text, '\n', f->len);
	unsigned workers = check_workers(o);
	struct bind_state b = { .f = f, .o = o, .d = d, .w = w, .threads = workers > 0 };
	size_t at = 0;
	int r = 0;

	e.crlf = b.crlf = nl && nl > f->text && nl[-1] == '\r';
	/* Runs queued ahead of the one written next: with fewer (3 for one worker), the
	 * popping thread took the run just queued before the worker woke, and the worker
	 * checked 2 runs in 5. 8 runs of 64 KiB held at most per worker. */
	if (opipe_new(workers, workers ? 6 * workers + 2 : 1, seg_check, &b, &b.pipe) < 0)
		return -ENOMEM;
	for (size_t i = 0, j; i < f->n_workloads && r != -ENOMEM && b.r_check != -ENOMEM; i = j) {
		size_t end = f->tree->wp[i].doc_end;
		size_t start = unit_start(f->tree->wp, i);
		bool bound = false;
		int q = 0;

		for (j = i; j < f->n_workloads && f->tree->wp[j].doc_end == end; j++)
			bound |= f->workloads[j].profile != NULL;
		if (!bound)
			continue;
		e.n = e.texts_len = 0;
		for (size_t k = i; k < j && q != -ENOMEM; k++) {
			int s = f->workloads[k].profile ? bind_workload_edits(&e, f, k, o) : 0;
			if (s == -ENOMEM || (s < 0 && q == 0))
				q = s;
		}
		if (q == -ENOMEM || (q < 0 && r == 0))
			r = b.r_edit = q;
		if (r < 0 || !e.n)
			continue; /* nothing more is written; every error is still reported */
		qsort(e.v, e.n, sizeof(*e.v), bind_cmp_edit);
		if (start < at || e.v[0].pos < start || e.v[e.n - 1].pos > end) {
			/* never so: a document's edits */
			r = b.r_edit = bind_check_failed(d, &f->workloads[check_names(f, i)]);
			continue;
		}
		r = run_add(&b, &e, i, j, start, &at, end);
	}
	if (r != -ENOMEM)
		run_close(&b);
	if (r == 0 && b.r_check == 0 && copy_push(&b, at, f->len) < 0)
		r = -ENOMEM;
	if (b.run) { /* left by an error */
		free(b.run->text.s);
		free(b.run);
	}
	while (seg_pop(&b))
		;
	opipe_free(b.pipe);
	free(e.texts);
	free(e.v);
	if (r == -ENOMEM || b.r_check == -ENOMEM)
		return -ENOMEM;
	if (r < 0)
		return r;
	return b.r_check < 0 ? b.r_check : w->err;
}

int sc_k8s_bind_write(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o,
		      struct sc_diags *d, int (*write)(void *userdata, const void *p, size_t n),
		      void *userdata)
{
	struct out w = { .write = write, .userdata = userdata };
	const char *saved = d->file;
	int r;

	d->file = f->name;
	r = bind_documents(f, o, d, &w);
	d->file = saved;
	return r;
}

static int sbuf_write(void *userdata, const void *p, size_t n)
{
	struct sbuf *b = userdata;

	sb_add(b, p, n);
	return b->oom ? -ENOMEM : 0;
}

int sc_k8s_bind(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o, struct sc_diags *d,
		char **ret, size_t *ret_len)
{
	struct sbuf b = {};
	int r = sc_k8s_bind_write(f, o, d, sbuf_write, &b);
	char *s;

	if (r < 0) {
		free(b.s);
		return r;
	}
	size_t n = b.n;
	s = sb_take(&b);
	if (!s)
		return -ENOMEM;
	*ret = s;
	if (ret_len)
		*ret_len = n;
	return 0;
}
