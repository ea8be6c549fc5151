/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Label selectors (Kubernetes semantics), DNS-1123 names, workload lists, policy sets. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/syscage.h"
#include "tap.h"

static void add_label(struct sc_meta *m, const char *k, const char *v)
{
	m->match_labels =
		reallocarray(m->match_labels, m->n_match_labels + 1, sizeof(*m->match_labels));
	ck_assert_ptr_nonnull(m->match_labels);
	m->match_labels[m->n_match_labels].key = strdup(k);
	m->match_labels[m->n_match_labels].value = strdup(v);
	m->n_match_labels++;
}

static void add_expr(struct sc_meta *m, const char *k, enum sc_selector_op op,
		     const char *const *vals, size_t n)
{
	struct sc_selector_expr *e;

	m->match_exprs =
		reallocarray(m->match_exprs, m->n_match_exprs + 1, sizeof(*m->match_exprs));
	ck_assert_ptr_nonnull(m->match_exprs);
	e = &m->match_exprs[m->n_match_exprs++];
	*e = (struct sc_selector_expr){ .key = strdup(k), .op = op };
	e->values = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		e->values[i] = strdup(vals[i]);
	e->n_values = n;
}

#define L(...)		((const struct sc_label[]){ __VA_ARGS__ })
#define NL(...)		(sizeof((const struct sc_label[]){ __VA_ARGS__ }) / sizeof(struct sc_label))
#define MATCHES(p, ...) sc_selector_matches(&(p)->meta, L(__VA_ARGS__), NL(__VA_ARGS__))

START_TEST(selector_empty_selects_all)
{
	struct sc_profile *p = sc_profile_new();

	ck_assert(sc_selector_matches(&p->meta, NULL, 0));
	ck_assert(MATCHES(p, { "app", "x" }));
	sc_profile_free(p);
}
END_TEST

START_TEST(selector_match_labels)
{
	struct sc_profile *p = sc_profile_new();

	add_label(&p->meta, "app", "web");
	add_label(&p->meta, "tier", "front");
	ck_assert(MATCHES(p, { "tier", "front" }, { "app", "web" }, { "extra", "1" }));
	ck_assert(!MATCHES(p, { "app", "web" }));		       /* all must match */
	ck_assert(!MATCHES(p, { "app", "Web" }, { "tier", "front" })); /* case-sensitive */
	ck_assert(!sc_selector_matches(&p->meta, NULL, 0));
	sc_profile_free(p);

	/* An empty value is a value: it matches only an empty label value. */
	p = sc_profile_new();
	add_label(&p->meta, "flag", "");
	ck_assert(MATCHES(p, { "flag", "" }));
	ck_assert(!MATCHES(p, { "flag", "x" }));
	ck_assert(!MATCHES(p, { "other", "" }));
	sc_profile_free(p);
}
END_TEST

START_TEST(selector_expressions)
{
	static const char *const dbcache[] = { "db", "cache" };
	struct sc_profile *in = sc_profile_new(), *notin = sc_profile_new();
	struct sc_profile *ex = sc_profile_new(), *dne = sc_profile_new();

	add_expr(&in->meta, "tier", SC_SEL_IN, dbcache, 2);
	ck_assert(MATCHES(in, { "tier", "db" }));
	ck_assert(MATCHES(in, { "tier", "cache" }));
	ck_assert(!MATCHES(in, { "tier", "web" }));
	ck_assert(!MATCHES(in, { "app", "db" })); /* In needs the key */

	add_expr(&notin->meta, "tier", SC_SEL_NOT_IN, dbcache, 2);
	ck_assert(!MATCHES(notin, { "tier", "db" }));
	ck_assert(MATCHES(notin, { "tier", "web" }));
	ck_assert(MATCHES(notin, { "app", "x" })); /* NotIn: an absent key matches */
	ck_assert(sc_selector_matches(&notin->meta, NULL, 0));

	add_expr(&ex->meta, "debug", SC_SEL_EXISTS, NULL, 0);
	ck_assert(MATCHES(ex, { "debug", "" }));
	ck_assert(MATCHES(ex, { "debug", "false" }));
	ck_assert(!MATCHES(ex, { "app", "x" }));

	add_expr(&dne->meta, "debug", SC_SEL_DOES_NOT_EXIST, NULL, 0);
	ck_assert(!MATCHES(dne, { "debug", "" }));
	ck_assert(MATCHES(dne, { "app", "x" }));
	ck_assert(sc_selector_matches(&dne->meta, NULL, 0));

	/* Labels and expressions are ANDed. */
	add_label(&in->meta, "app", "pg");
	add_expr(&in->meta, "debug", SC_SEL_DOES_NOT_EXIST, NULL, 0);
	ck_assert(MATCHES(in, { "app", "pg" }, { "tier", "db" }));
	ck_assert(!MATCHES(in, { "app", "pg" }, { "tier", "db" }, { "debug", "1" }));
	ck_assert(!MATCHES(in, { "app", "web" }, { "tier", "db" }));

	/* Contradiction: selects nothing. */
	add_expr(&ex->meta, "debug", SC_SEL_DOES_NOT_EXIST, NULL, 0);
	ck_assert(!MATCHES(ex, { "debug", "1" }));
	ck_assert(!MATCHES(ex, { "app", "1" }));

	/* An invalid operator selects nothing. */
	dne->meta.match_exprs[0].op = _SC_SEL_INVALID;
	ck_assert(!MATCHES(dne, { "app", "x" }));

	sc_profile_free(in);
	sc_profile_free(notin);
	sc_profile_free(ex);
	sc_profile_free(dne);
}
END_TEST

START_TEST(selector_validate_and_canonical)
{
	static const char *const v1[] = { "b", "a" }, *const v2[] = { "a", "b", "a" };
	struct sc_profile *p = sc_profile_new(), *q = sc_profile_new();
	struct sc_diags d = {};
	char *cp, *cq;

	add_expr(&p->meta, "tier", SC_SEL_IN, NULL, 0);
	add_expr(&p->meta, "debug", SC_SEL_EXISTS, v1, 1);
	add_expr(&p->meta, "", SC_SEL_NOT_IN, v1, 1);
	ck_assert_int_eq(sc_selector_validate(&p->meta, &d, (struct sc_loc){ 3, 5 }), 3);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert_uint_eq(d.v[0].loc.line, 3);
	sc_diags_clear(&d);
	sc_profile_free(p);

	/* Same selector written in another order -> same canonical text. */
	p = sc_profile_new();
	add_label(&p->meta, "app", "web");
	add_label(&p->meta, "env", "prod");
	add_expr(&p->meta, "tier", SC_SEL_IN, v1, 2);
	add_label(&q->meta, "env", "prod");
	add_expr(&q->meta, "tier", SC_SEL_IN, v2, 3);
	add_label(&q->meta, "app", "web");
	ck_assert_int_eq(sc_selector_validate(&q->meta, &d, (struct sc_loc){ 0, 0 }), 0);
	cp = sc_selector_canonical(&p->meta);
	cq = sc_selector_canonical(&q->meta);
	ck_assert_str_eq(cp, cq);
	free(cq);
	/* ...but another namespace is another target. */
	q->meta.namespace = strdup("other");
	cq = sc_selector_canonical(&q->meta);
	ck_assert_str_ne(cp, cq);
	free(cp);
	free(cq);
	/* In and NotIn with the same values differ. */
	q->meta.match_exprs[0].op = SC_SEL_NOT_IN;
	free(q->meta.namespace);
	q->meta.namespace = NULL;
	cp = sc_selector_canonical(&p->meta);
	cq = sc_selector_canonical(&q->meta);
	ck_assert_str_ne(cp, cq);
	free(cp);
	free(cq);
	sc_profile_free(p);
	sc_profile_free(q);
}
END_TEST

START_TEST(dns1123)
{
	ck_assert(sc_dns1123_label_valid("default"));
	ck_assert(sc_dns1123_label_valid("a-1"));
	ck_assert(sc_dns1123_label_valid("0"));
	ck_assert(!sc_dns1123_label_valid(""));
	ck_assert(!sc_dns1123_label_valid("-a"));
	ck_assert(!sc_dns1123_label_valid("a-"));
	ck_assert(!sc_dns1123_label_valid("A"));
	ck_assert(!sc_dns1123_label_valid("a.b"));
	ck_assert(!sc_dns1123_label_valid("a_b"));
	ck_assert(!sc_dns1123_label_valid(".."));
	ck_assert(!sc_dns1123_label_valid("a/b"));
	ck_assert(!sc_dns1123_label_valid(NULL));
	ck_assert(sc_dns1123_label_valid(
		"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc")); /* 63 */
	ck_assert(!sc_dns1123_label_valid(
		"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcd")); /* 64 */
	ck_assert(sc_dns1123_subdomain_valid("web.v1"));
	ck_assert(sc_dns1123_subdomain_valid("kscmp1"));
	ck_assert(!sc_dns1123_subdomain_valid("web..v1"));
	ck_assert(!sc_dns1123_subdomain_valid(".web"));
	ck_assert(!sc_dns1123_subdomain_valid("web."));
	ck_assert(!sc_dns1123_subdomain_valid(".."));
	ck_assert(!sc_dns1123_subdomain_valid("../etc"));
	ck_assert(!sc_dns1123_subdomain_valid("a/b"));
}
END_TEST

START_TEST(workloads_formats)
{
	static const char list[] = "- {namespace: shop, name: a, labels: {app: web, tier: db}}\n"
				   "- {name: b}\n";
	static const char wrapped[] = "{\"workloads\": [{\"name\": \"c\", \"labels\": {}}]}";
	static const char k8s[] =
		"kind: List\nitems:\n"
		"- kind: Pod\n  metadata: {name: p, namespace: x, labels: {a: b}}\n"
		"- kind: CronJob\n  metadata: {name: cj}\n  spec:\n"
		"    jobTemplate:\n      spec:\n        template:\n"
		"          metadata: {labels: {job: yes}}\n";
	struct sc_workload *w = NULL;
	size_t n = 0;
	struct sc_diags d = {};

	ck_assert_int_eq(sc_workloads_read(list, strlen(list), "w.yaml", &d, &w, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(w[0].namespace, "shop");
	ck_assert_uint_eq(w[0].n_labels, 2);
	ck_assert_str_eq(w[0].labels[1].key, "tier");
	ck_assert_str_eq(w[1].namespace, "default");
	ck_assert_uint_eq(w[1].n_labels, 0);
	sc_workloads_free(w, n);

	ck_assert_int_eq(sc_workloads_read(wrapped, strlen(wrapped), NULL, &d, &w, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(w[0].name, "c");
	sc_workloads_free(w, n);

	ck_assert_int_eq(sc_workloads_read(k8s, strlen(k8s), NULL, &d, &w, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(w[0].namespace, "x");
	ck_assert_str_eq(w[0].labels[0].value, "b");
	ck_assert_str_eq(w[1].name, "cj");
	ck_assert_uint_eq(w[1].n_labels, 1);
	ck_assert_str_eq(w[1].labels[0].key, "job");
	sc_workloads_free(w, n);
	ck_assert_uint_eq(d.n, 0);

	ck_assert_int_eq(sc_workloads_read("[{namespace: x}]", 16, "w.yaml", &d, &w, &n), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.v[0].file, "w.yaml");
	ck_assert_int_eq(sc_workloads_read("[{name: a, namespace: Bad}]", 27, NULL, &d, &w, &n),
			 -EINVAL);
	ck_assert_int_eq(sc_workloads_read("a: [", 4, NULL, &d, &w, &n), -EINVAL);
	ck_assert_int_eq(sc_workloads_read("42", 2, NULL, &d, &w, &n), -EINVAL);
	sc_diags_clear(&d);
}
END_TEST

static struct sc_policy_build *load(const char *sub)
{
	const char *src = getenv("SYSCAGE_SRCDIR");
	struct sc_policy_build *b = NULL;
	struct sc_diags d = {};
	char *dir = NULL;

	ck_assert_ptr_nonnull(src);
	ck_assert_int_ge(asprintf(&dir, "%s/tests/data/policies/%s", src, sub), 0);
	ck_assert_int_eq(sc_policy_load_dir(dir, &d, &b), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	free(dir);
	return b;
}

START_TEST(build_sets_workloads)
{
	struct sc_policy_build *b = load("seed");
	struct sc_binding w[3] = {
		{ .namespace = "wordpress-mysql", .kind = "Deployment", .name = "wp" },
		{ .namespace = "wordpress-mysql", .kind = "Deployment", .name = "db" },
		{ .namespace = "other", .kind = "Deployment", .name = "x" },
	};
	struct sc_label wp = { "app", "wordpress" };
	struct sc_diags d = {};
	struct sc_verdict v;
	const struct sc_policy_set *s;

	w[0].labels = &wp;
	w[0].n_labels = 1;
	w[2].labels = &wp;
	w[2].n_labels = 1;
	ck_assert_uint_eq(b->n_policies, 4);
	ck_assert_int_eq(sc_policy_build_sets(b, w, 3, &d), 0);
	ck_assert_int_eq(sc_policy_build_merge(b, NULL, &d), 0);
	/* The policy set of the selector, and the workload's own. */
	ck_assert_uint_eq(b->n_sets, 2);
	ck_assert_int_eq(b->workload_set[0], 0);
	s = &b->sets[0];
	ck_assert_str_eq(s->path, "wordpress-mysql/deployment_wp.json");
	ck_assert_uint_eq(s->n_policies, 4);
	ck_assert_uint_eq(s->n_workloads, 1);
	ck_assert(!s->fallback);
	/* "<first>-<8 hex>" */
	ck_assert_int_eq(strncmp(b->sets[1].name, "kscmp1-allow-", 13), 0);
	ck_assert_uint_eq(strlen(b->sets[1].name), 13 + 8);
	ck_assert_int_eq(b->workload_set[1], -1);
	ck_assert_int_eq(b->workload_set[2], -1); /* another namespace */
	ck_assert_uint_eq(b->n_unmatched, 2);
	sc_profile_verdict(s->profile, "write", &v);
	ck_assert_int_eq(v.action, SC_ACT_ERRNO);
	sc_profile_verdict(s->profile, "close", &v);
	ck_assert_int_eq(v.action, SC_ACT_ALLOW);
	sc_policy_build_free(b);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(build_sets_targets)
{
	struct sc_policy_build *b = load("mixed");
	struct sc_diags d = {};
	char *index = NULL;

	ck_assert_int_eq(sc_policy_build_sets(b, NULL, 0, &d), 0);
	ck_assert_int_eq(sc_policy_build_merge(b, NULL, &d), 0);
	ck_assert_uint_eq(b->n_sets, 5);
	/* Sorted by namespace, then name. */
	ck_assert_str_eq(b->sets[0].path, "default/plain.json");
	ck_assert_str_eq(b->sets[1].path, "shop/shop-base.json");
	ck_assert_str_eq(b->sets[4].path, "shop/spo-web.json");
	ck_assert_uint_eq(b->sets[2].n_policies, 2);
	ck_assert_ptr_null(b->workload_set);
	/* The fast JSON writer says what the library writer says. */
	for (size_t i = 0; i < b->n_sets; i++) {
		char *fast = NULL, *a = NULL, *c = NULL;
		struct sc_profile *back = NULL;
		ck_assert_int_eq(sc_policy_profile_json(b->sets[i].profile, &fast), 0);
		ck_assert_int_eq(sc_profile_read_buffer(fast, strlen(fast), NULL, &d, &back), 0);
		ck_assert_int_eq(sc_profile_write_string(back, SC_FORMAT_OCI, &a), 0);
		ck_assert_int_eq(sc_profile_write_string(b->sets[i].profile, SC_FORMAT_OCI, &c), 0);
		ck_assert_str_eq(a, c);
		free(fast);
		free(a);
		free(c);
		sc_profile_free(back);
	}
	ck_assert_int_eq(sc_policy_build_index(b, &index), 0);
	ck_assert_ptr_nonnull(strstr(index, "\"mode\": \"targets\""));
	ck_assert_ptr_null(strstr(index, "unmatched"));
	free(index);
	sc_policy_build_free(b);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(fast_json_args)
{
	static const char *const nm[] = { "personality" }, *const rd[] = { "read" };
	struct sc_profile *p = sc_profile_new(), *back = NULL;
	struct sc_diags d = {};
	char *fast = NULL, *a = NULL, *c = NULL;
	struct sc_rule *r;

	p->has_default_errno = true;
	p->default_errno = 38;
	p->flags = SC_FLAG_LOG;
	ck_assert_int_eq(sc_profile_add_arch(p, SC_ARCH_AARCH64), 0);
	r = sc_profile_add_rule(p, SC_ACT_ERRNO, nm, 1);
	r->has_errno = true;
	r->errno_ret = 13;
	ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_MASKED_EQ, 0xff, 8), 0);
	ck_assert_int_eq(sc_rule_add_arg(r, 1, SC_CMP_GT, UINT64_MAX, 0), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(p, SC_ACT_LOG, rd, 1));
	ck_assert_int_eq(sc_policy_profile_json(p, &fast), 0);
	ck_assert_int_eq(sc_profile_read_buffer(fast, strlen(fast), NULL, &d, &back), 0);
	ck_assert_int_eq(sc_profile_write_string(back, SC_FORMAT_OCI, &a), 0);
	ck_assert_int_eq(sc_profile_write_string(p, SC_FORMAT_OCI, &c), 0);
	ck_assert_str_eq(a, c);
	ck_assert_uint_eq(back->rules[0].args[1].value, UINT64_MAX);
	free(fast);
	free(a);
	free(c);
	sc_profile_free(back);
	sc_profile_free(p);
	sc_diags_clear(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, selector_empty_selects_all);
	tcase_add_test(tc, selector_match_labels);
	tcase_add_test(tc, selector_expressions);
	tcase_add_test(tc, selector_validate_and_canonical);
	tcase_add_test(tc, dns1123);
	tcase_add_test(tc, workloads_formats);
	tcase_add_test(tc, build_sets_workloads);
	tcase_add_test(tc, build_sets_targets);
	tcase_add_test(tc, fast_json_args);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
