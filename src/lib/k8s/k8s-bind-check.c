/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the check of k8s bind's output: a run of edited documents read back on its own (the
 * same workloads) and bound again (no change) before it is written. Runs are checked on any
 * thread (bind-edit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/bind-edit.h"
#include "k8s/manifest.h"
#include "macro.h"
#include "syscage/k8s.h"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

/* The check of a run of edited documents, their text read back on its own: the same
 * workloads (those of 'f' from 'first', 'count' of them), and binding them again gives the
 * text unchanged. */
struct check {
	const struct sc_k8s_file *f;
	const struct sc_k8s_bind_opts *o;
	size_t first, count;
	struct ectx e; /* over the documents' output */
	struct sink out;
	size_t seen;	  /* workloads read back so far */
	size_t doc_first; /* the first of the document read last */
	size_t at;
	bool differs; /* check_document refused the document it read last */
};

/* Stops the parse: the output is not what it must be. */
#define CHECK_DIFFERS (-ECANCELED)

static int check_document(void *userdata, struct sc_k8s_file *g)
{
	struct check *c = userdata;
	int r = 0;

	c->e.n = c->e.texts_len = 0;
	c->doc_first = c->seen;
	for (size_t k = 0; k < g->n_workloads && r == 0; k++) {
		const struct sc_k8s_workload *a =
			c->seen < c->count ? &c->f->workloads[c->first + c->seen] : NULL;
		struct sc_k8s_workload *b = &g->workloads[k];
		if (!a || !same_str(a->kind, b->kind) || !same_str(a->name, b->name))
			return c->differs = true, CHECK_DIFFERS;
		c->seen++;
		if (!a->profile)
			continue;
		/* Bound as the input was; lent, taken back before the workload goes. */
		b->profile = a->profile;
		b->set = a->set;
		r = bind_workload_edits(&c->e, g, k, c->o);
		b->profile = NULL;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return c->differs = true, CHECK_DIFFERS;
	if (c->e.n)
		qsort(c->e.v, c->e.n, sizeof(*c->e.v), bind_cmp_edit);
	bind_apply_edits(&c->e, c->e.buf, &c->at, &c->out);
	c->differs = c->out.differs;
	return c->differs ? CHECK_DIFFERS : 0;
}

/* Whether 'out' (len bytes and a NUL), the edited text of the documents of f's workloads
 * first..first+count-1, reads back on its own as the same workloads and binding it again
 * changes nothing: 0, -EINVAL (it does not; *ret_bad: the workload where it differs first),
 * -ENOMEM. The edits are made in the text YAML left as it was; a construct they do not
 * foresee must not turn into a file that means something else. Only the edited documents
 * are read again: the text around them is the input's, byte for byte, and they start and end
 * where the input's documents do ('items': items of a List, read back as its sequence's). */
int bind_check_run(const struct sc_k8s_file *f, const struct sc_k8s_bind_opts *o, size_t first,
		   size_t count, bool crlf, bool items, const char *out, size_t len,
		   size_t *ret_bad)
{
	struct sc_diags q = {};
	struct check c = { .f = f,
			   .o = o,
			   .first = first,
			   .count = count,
			   .e = { .buf = out, .len = len, .d = &q, .crlf = crlf },
			   .out = { .ref = out, .ref_len = len } };
	int r = sc_k8s_file_parse_each(out, len, f->name, items, &q, check_document, &c);

	if (r == 0) {
		/* The text after the last workload's edits. */
		bind_sink_put(&c.out, out + c.at, len - c.at);
		r = c.seen != count || c.out.differs || c.out.n != len ? -EINVAL : 0;
	} else if (r != -ENOMEM) {
		r = -EINVAL;
	}
	/* Refused in a document read, or in the next (which did not parse), or the last. */
	*ret_bad = c.differs ? c.doc_first : c.seen;
	*ret_bad = first + (*ret_bad < count ? *ret_bad : count - 1);
	sc_diags_clear(&q);
	free(c.e.texts);
	free(c.e.v);
	return r;
}

int bind_check_failed(struct sc_diags *d, const struct sc_k8s_workload *w)
{
	int r = sc_diags_add(
		d, SC_SEV_ERROR, w->loc,
		"cannot bind this file safely: the edited text of this workload's document would "
		"not read back as the same workloads, or binding it again would change it (a YAML "
		"construct the text edits do not foresee); nothing is written: write the YAML "
		"around its workloads more plainly, or bind a copy with each workload in a "
		"document of its own");
	return r < 0 ? r : -EINVAL;
}
