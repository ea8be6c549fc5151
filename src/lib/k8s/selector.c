/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns Kubernetes label selectors of policies: matching a workload's labels, validating them,
 * and their canonical text (one per target: policies with equal selectors share a set). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/sbuf.h"
#include "macro.h"
#include "syscage/policy.h"

static const char *label_get(const struct sc_label *labels, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(labels[i].key, key))
			return labels[i].value ? labels[i].value : "";
	return NULL;
}

bool sc_selector_matches(const struct sc_meta *m, const struct sc_label *labels, size_t n)
{
	for (size_t i = 0; i < m->n_match_labels; i++) {
		const char *v = label_get(labels, n, m->match_labels[i].key);
		if (!v || !streq(v, m->match_labels[i].value ? m->match_labels[i].value : ""))
			return false;
	}
	for (size_t i = 0; i < m->n_match_exprs; i++) {
		const struct sc_selector_expr *e = &m->match_exprs[i];
		const char *v = label_get(labels, n, e->key);
		bool in = false;

		for (size_t k = 0; v && k < e->n_values && !in; k++)
			in = streq(v, e->values[k]);
		switch (e->op) {
		case SC_SEL_IN:
			if (!in)
				return false;
			break;
		case SC_SEL_NOT_IN:
			if (in)
				return false;
			break;
		case SC_SEL_EXISTS:
			if (!v)
				return false;
			break;
		case SC_SEL_DOES_NOT_EXIST:
			if (v)
				return false;
			break;
		default:
			return false; /* an invalid operator selects nothing */
		}
	}
	return true;
}

int sc_selector_validate(const struct sc_meta *m, struct sc_diags *d, struct sc_loc loc)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
	int n = 0;

	for (size_t i = 0; i < m->n_match_labels; i++)
		if (!m->match_labels[i].key || !*m->match_labels[i].key) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc, "matchLabels: empty key");
			n++;
		} else if (!sc_label_key_valid(m->match_labels[i].key) ||
			   !sc_label_value_valid(m->match_labels[i].value ? m->match_labels[i].value
									  : "")) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc,
					   "matchLabels: '%s: %s' is not a Kubernetes label "
					   "(names and values: up to 63 of [A-Za-z0-9-_.])",
					   m->match_labels[i].key,
					   m->match_labels[i].value ? m->match_labels[i].value
								    : "");
			n++;
		}
	for (size_t i = 0; i < m->n_match_exprs; i++) {
		const struct sc_selector_expr *e = &m->match_exprs[i];
		if (!e->key || !*e->key) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc, "matchExpressions[%zu]: empty key",
					   i);
			n++;
			continue;
		}
		if (!sc_label_key_valid(e->key)) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc,
					   "matchExpressions[%zu]: '%s' is not a label key", i,
					   e->key);
			n++;
			continue;
		}
		for (size_t k = 0; k < e->n_values; k++)
			if (!sc_label_value_valid(e->values[k])) {
				(void)sc_diags_add(d, SC_SEV_ERROR, loc,
						   "matchExpressions[%zu] (%s): '%s' is not a "
						   "label value",
						   i, e->key, e->values[k]);
				n++;
			}
		if ((unsigned)e->op >= _SC_SEL_COUNT) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc,
					   "matchExpressions[%zu] (%s): invalid operator", i,
					   e->key);
			n++;
		} else if ((e->op == SC_SEL_IN || e->op == SC_SEL_NOT_IN) && e->n_values == 0) {
			(void)sc_diags_add(d, SC_SEV_ERROR, loc,
					   "matchExpressions[%zu] (%s): operator %s needs 'values'",
					   i, e->key, ops[e->op]);
			n++;
		} else if ((e->op == SC_SEL_EXISTS || e->op == SC_SEL_DOES_NOT_EXIST) &&
			   e->n_values > 0) {
			(void)sc_diags_add(
				d, SC_SEV_ERROR, loc,
				"matchExpressions[%zu] (%s): operator %s takes no 'values'", i,
				e->key, ops[e->op]);
			n++;
		}
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *sc_selector_canonical(const struct sc_meta *m)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
	size_t n = m->n_match_labels + m->n_match_exprs;
	cleanup_free char **parts = calloc(n ? n : 1, sizeof(char *));
	struct sbuf out = {};
	size_t np = 0;

	if (!parts)
		return NULL;
	for (size_t i = 0; i < m->n_match_labels; i++) {
		struct sbuf b = {};
		sb_add(&b, "L ", 2);
		sb_puts(&b, m->match_labels[i].key);
		sb_add(&b, "=", 1);
		sb_puts(&b, m->match_labels[i].value ? m->match_labels[i].value : "");
		if (!(parts[np++] = sb_take(&b)))
			goto fail;
	}
	for (size_t i = 0; i < m->n_match_exprs; i++) {
		const struct sc_selector_expr *e = &m->match_exprs[i];
		cleanup_free char **vals = calloc(e->n_values ? e->n_values : 1, sizeof(char *));
		struct sbuf b = {};
		if (!vals)
			goto fail;
		if (e->n_values)
			memcpy(vals, e->values, e->n_values * sizeof(char *));
		qsort(vals, e->n_values, sizeof(char *), cmp_str);
		sb_add(&b, "E ", 2);
		sb_puts(&b, e->key);
		sb_add(&b, " ", 1);
		sb_puts(&b, (unsigned)e->op < _SC_SEL_COUNT ? ops[e->op] : "?");
		for (size_t k = 0; k < e->n_values; k++)
			if (k == 0 || !streq(vals[k], vals[k - 1])) {
				sb_add(&b, " ", 1);
				sb_puts(&b, vals[k]);
			}
		if (!(parts[np++] = sb_take(&b)))
			goto fail;
	}
	qsort(parts, np, sizeof(char *), cmp_str);
	sb_puts(&out, m->namespace ? m->namespace : "default");
	for (size_t i = 0; i < np; i++)
		if (i == 0 || !streq(parts[i], parts[i - 1])) {
			sb_add(&out, "\n", 1);
			sb_puts(&out, parts[i]);
		}
	for (size_t i = 0; i < np; i++)
		free(parts[i]);
	return sb_take(&out);
fail:
	for (size_t i = 0; i < np; i++)
		free(parts[i]);
	return NULL;
}
