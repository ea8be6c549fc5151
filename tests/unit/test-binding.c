/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding rule (binding.h): a workload's path and file name, the shapes a binding may
 * name, SeccompBinding documents (detect, read with located errors, write, round trip), the
 * canonical selector against the policy engine's, membership, a set's content (deny wins, the
 * RuntimeDefault fallback, the baseline checks), a policy set's name, and the three callers
 * (`k8s bind`, `policy build`, the agent) installing the same bytes at the same path. */
#include <check.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "syscage/binding.h"
#include "base/install.h"
#include "agent/reconcile.h"
#include "files.h"
#include "tap.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* ---- helpers -------------------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	char *r = strdup(s);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* 'n' copies of 'c'. */
static char *rep(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Labels joined by '.': "<a*la>.<b*lb>..." with each label 'len[i]' long, letters a, b, ... */
static char *dotted(const size_t *len, size_t n)
{
	char *s = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&s, &size);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('.', f);
		for (size_t k = 0; k < len[i]; k++)
			fputc('a' + (int)i, f);
	}
	ck_assert_int_eq(fclose(f), 0);
	return s;
}

static bool ends_with_hash_json(const char *s)
{
	size_t n = strlen(s);

	if (n < 14 || strcmp(s + n - 5, ".json") != 0 || s[n - 14] != '-')
		return false;
	for (size_t i = n - 13; i < n - 5; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static void mkdir_temp(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "/tmp/sc-binding-%s.XXXXXX", tag);
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

static void del(const char *dir, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(unlink(path), 0);
}

/* A file's whole text, or NULL when it cannot be read. */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (sc_read_file(path, 1 << 24, &buf, &len) < 0)
		return NULL;
	ck_assert_uint_eq(strlen(buf), len);
	return buf;
}

static void print_diags(const struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char b[600];
		fprintf(stderr, "# %s\n", sc_diag_format(&d->v[i], b, sizeof(b)));
	}
}

static struct sc_profile *profile_of(const char *text)
{
	struct sc_profile *p = NULL;
	struct sc_diags d = {};
	int r = sc_profile_read_buffer(text, strlen(text), "t.yaml", &d, &p);

	print_diags(&d);
	ck_assert_int_eq(r, 0);
	sc_diags_clear(&d);
	return p;
}

static enum sc_action verdict(const struct sc_profile *p, const char *name)
{
	struct sc_verdict v;

	sc_profile_verdict(p, name, &v);
	return v.action;
}

static bool permits(const struct sc_profile *p, const char *name)
{
	return sc_action_permits(verdict(p, name));
}

/* A KubeArmorSeccompPolicy in 'ns' with 'selector' (a flow mapping), 'labels' (metadata
 * labels, a flow mapping or NULL), syscalls and action. */
static char *ka(const char *name, const char *ns, const char *labels, const char *selector,
		const char *calls, const char *action)
{
	char *s = NULL;

	ck_assert_int_ge(asprintf(&s,
				  "apiVersion: security.kubearmor.com/v1\n"
				  "kind: KubeArmorSeccompPolicy\n"
				  "metadata:\n  name: %s\n  namespace: %s\n%s%s%s"
				  "spec:\n  selector: %s\n"
				  "  seccomp:\n    syscalls: [%s]\n    action: %s\n",
				  name, ns, labels ? "  labels: " : "", labels ? labels : "",
				  labels ? "\n" : "", selector, calls, action),
			 0);
	return s;
}

/* ---- 1. paths ------------------------------------------------------------------------- */

START_TEST(file_name_and_path)
{
	char *f = NULL, *p = NULL;

	ck_assert_int_eq(sc_binding_file_name("Deployment", "web", &f), 0);
	ck_assert_str_eq(f, "deployment_web.json");
	free(f);
	ck_assert_int_eq(sc_binding_file_name("StatefulSet", "db.v1", &f), 0);
	ck_assert_str_eq(f, "statefulset_db.v1.json");
	free(f);
	ck_assert_int_eq(sc_binding_file_name("POD", "x", &f), 0);
	ck_assert_str_eq(f, "pod_x.json");
	free(f);
	ck_assert_int_eq(sc_binding_path("syscage", "shop", "Deployment", "web", &p), 0);
	ck_assert_str_eq(p, "syscage/shop/deployment_web.json");
	free(p);
	ck_assert_int_eq(sc_binding_path("root", "ns", "CronJob", "nightly-3", &p), 0);
	ck_assert_str_eq(p, "root/ns/cronjob_nightly-3.json");
	free(p);

	/* Invalid kinds and names. */
	ck_assert_int_eq(sc_binding_file_name("Deploy1", "web", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("", "web", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deploy-ment", "web", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deployment", "Web", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deployment", "..", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deployment", "a/b", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deployment", "", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_file_name("Deployment", "web_1", &f), -EINVAL);
	ck_assert_int_eq(sc_binding_path("syscage", "shop", "Deploy1", "web", &p), -EINVAL);
	ck_assert_int_eq(sc_binding_path("syscage", "shop", "Deployment", "a/b", &p), -EINVAL);
	ck_assert_int_eq(sc_binding_path("syscage", "shop", "", "web", &p), -EINVAL);
	{
		char *k64 = rep('K', 64), *n254;
		size_t l254[] = { 63, 63, 63, 62 };
		ck_assert_int_eq(sc_binding_file_name(k64, "web", &f), -EINVAL);
		free(k64);
		n254 = dotted(l254, 4);
		ck_assert_uint_eq(strlen(n254), 254);
		ck_assert_int_eq(sc_binding_file_name("Pod", n254, &f), -EINVAL);
		free(n254);
	}
}
END_TEST

START_TEST(file_name_long)
{
	/* 253-character DNS-1123 names of several shapes: the cut may land inside a label,
	 * right after a '.', or leave a label that only fits without the hash. */
	static const size_t shapes[][5] = {
		{ 63, 63, 63, 61, 0 },	/* cut inside the third label */
		{ 60, 60, 56, 63, 10 }, /* Deployment: cut right after a '.' */
		{ 60, 60, 63, 63, 3 },	/* Deployment: the cut label is too long with the hash */
		{ 62, 1, 63, 63, 60 },	{ 62, 61, 60, 63, 3 }, /* Pod: cut right after a '.' */
	};
	static const char *const kinds[] = { "Deployment", "Pod", "ReplicationController" };

	for (size_t s = 0; s < ELEMENTSOF(shapes); s++) {
		size_t len[5], nl = 0;
		char *a, *b;
		for (size_t i = 0; i < 5 && shapes[s][i]; i++)
			len[nl++] = shapes[s][i];
		a = dotted(len, nl);
		ck_assert_uint_eq(strlen(a), 253);
		ck_assert_msg(sc_dns1123_subdomain_valid(a), "shape %zu is not DNS-1123", s);
		/* The same name but its last character. */
		b = xstrdup(a);
		b[252] = b[252] == 'z' ? 'y' : 'z';
		ck_assert(sc_dns1123_subdomain_valid(b));
		for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
			char *fa = NULL, *fb = NULL, *path = NULL, *lower = xstrdup(kinds[k]);
			struct sc_binding bd = { .namespace = (char *)"shop" };
			const char *why = NULL;
			for (char *c = lower; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			ck_assert_int_eq(sc_binding_file_name(kinds[k], a, &fa), 0);
			ck_assert_int_eq(sc_binding_file_name(kinds[k], b, &fb), 0);
			ck_assert_uint_le(strlen(fa), 250);
			ck_assert_msg(ends_with_hash_json(fa), "%s", fa);
			ck_assert_msg(ends_with_hash_json(fb), "%s", fb);
			ck_assert_str_ne(fa, fb);
			ck_assert_int_eq(strncmp(fa, lower, strlen(lower)), 0);
			ck_assert_int_eq(fa[strlen(lower)], '_');
			/* It keeps a prefix of the name. */
			ck_assert_int_eq(strncmp(fa + strlen(lower) + 1, a, 20), 0);
			/* The rule's own file is one a binding may name, so a binding of this
			 * workload is readable by every caller. */
			ck_assert_msg(sc_binding_file_valid(fa), "shape %zu kind %s: %s not valid",
				      s, kinds[k], fa);
			ck_assert_int_eq(sc_binding_path("syscage", "shop", kinds[k], a, &path), 0);
			bd.profile = path;
			ck_assert_msg(sc_binding_profile_check(&bd, "syscage", &why) == 0, "%s: %s",
				      path, why);
			free(path);
			free(fa);
			free(fb);
			free(lower);
		}
		free(a);
		free(b);
	}

	/* At the limit: the whole name fits, one more character and it is hashed. */
	{
		size_t l188[] = { 63, 63, 60 }, l189[] = { 63, 63, 61 };
		char *n188 = dotted(l188, 3), *n189 = dotted(l189, 3), *f = NULL;
		ck_assert_uint_eq(strlen(n188), 188);
		ck_assert_int_eq(sc_binding_file_name("Deployment", n188, &f), 0);
		ck_assert_uint_eq(strlen(f), strlen("deployment_") + 188 + 5);
		ck_assert(!ends_with_hash_json(f));
		ck_assert(sc_binding_file_valid(f));
		free(f);
		ck_assert_int_eq(sc_binding_file_name("Deployment", n189, &f), 0);
		ck_assert(ends_with_hash_json(f));
		ck_assert(sc_binding_file_valid(f));
		free(f);
		free(n188);
		free(n189);
	}
}
END_TEST

/* ---- 2. file shapes ------------------------------------------------------------------- */

START_TEST(file_valid)
{
	static const char *const good[] = {
		"deployment_web.json",
		"web-base-d21cca88.json",
		"web.json",
		"pod_a.b.json",
		"x_0.json",
		"daemonset_a-b.c-d.json",
	};
	static const char *const bad[] = {
		"../x.json",
		"Deploy_web.json",
		"_web.json",
		"x.yaml",
		"a_b_c.json",
		"deployment_.json",
		".json",
		"json",
		"a/b.json",
		"deployment_-web.json",
		"deployment_web.",
		"deployment_web",
		"d1_web.json",
		"web..json",
		"web.JSON",
		"Web.json",
		"deployment_Web.json",
		"-web.json",
		"deployment_web.json/",
		"web .json",
	};
	char *stem, *buf = NULL;

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		ck_assert_msg(sc_binding_file_valid(good[i]), "%s", good[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(!sc_binding_file_valid(bad[i]), "%s", bad[i]);
	ck_assert(!sc_binding_file_valid(NULL));
	ck_assert(!sc_binding_file_valid(""));
	/* At most 250 bytes. */
	{
		size_t l[] = { 63, 63, 63, 56 };
		stem = dotted(l, 4);
		ck_assert_int_ge(asprintf(&buf, "%s.json", stem), 0);
		ck_assert_uint_eq(strlen(buf), 253);
		ck_assert(!sc_binding_file_valid(buf));
		free(buf);
		free(stem);
		l[3] = 51;
		stem = dotted(l, 4);
		ck_assert_int_ge(asprintf(&buf, "%s.json", stem), 0);
		ck_assert_uint_eq(strlen(buf), 248);
		ck_assert(sc_binding_file_valid(buf));
		free(buf);
		free(stem);
	}
}
END_TEST

/* ---- 3. a binding's localhostProfile --------------------------------------------------- */

START_TEST(profile_check)
{
	static const char *const bad[] = {
		"syscage/other/deployment_web.json", /* another namespace */
		"other/shop/deployment_web.json",    /* another root */
		"/syscage/shop/deployment_web.json", /* absolute */
		"syscage/shop/../x.json",
		"syscage/shop/../../etc/x.json",
		"syscage/shopping/deployment_web.json",
		"syscage/sho/deployment_web.json",
		"syscagex/shop/deployment_web.json",
		"syscage/shop/sub/deployment_web.json",
		"syscage/shop/deployment_web.yaml",
		"syscage/shop/",
		"syscage/shop",
		"syscage//shop/deployment_web.json",
		"",
	};
	struct sc_binding b = { .namespace = (char *)"shop" };
	const char *why = NULL;

	b.profile = (char *)"syscage/shop/deployment_web.json";
	ck_assert_int_eq(sc_binding_profile_check(&b, "syscage", &why), 0);
	b.profile = (char *)"syscage/shop/web-base-d21cca88.json"; /* a policy set's shape */
	ck_assert_int_eq(sc_binding_profile_check(&b, "syscage", &why), 0);
	b.profile = (char *)"other/shop/deployment_web.json";
	ck_assert_int_eq(sc_binding_profile_check(&b, "other", &why), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		why = NULL;
		b.profile = (char *)bad[i];
		ck_assert_msg(sc_binding_profile_check(&b, "syscage", &why) == -EINVAL, "%s",
			      bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_gt(strlen(why), 0);
	}
	b.profile = NULL;
	why = NULL;
	ck_assert_int_eq(sc_binding_profile_check(&b, "syscage", &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
}
END_TEST

/* ---- 4. detect ------------------------------------------------------------------------ */

START_TEST(detect)
{
	static const char *const yes[] = {
		"kind: SeccompBinding\napiVersion: syscage.dev/v1alpha1\n",
		"# comment\n---\napiVersion: syscage.dev/v1alpha1\nkind: SeccompBinding\n",
		"kind: \"SeccompBinding\"\n",
		"kind: 'SeccompBinding'\n",
		"kind: SeccompBinding",
		"{\"apiVersion\": \"syscage.dev/v1alpha1\", \"kind\": \"SeccompBinding\"}",
		"{\n  \"kind\": \"SeccompBinding\",\n  \"metadata\": {}\n}\n",
		"{\"kind\":\"SeccompBinding\"}",
	};
	static const char *const no[] = {
		"apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
		"metadata: {name: x}\n",
		"kind: SeccompBindingX\n",
		"kind: SeccompBindings\n",
		"kind: SeccompBinding2\n",
		"{\"kind\": \"SeccompProfile\"}",
		"{\"kind\": \"SeccompBindingList\"}",
		"kind: Seccomp\n",
		"kind: KubeArmorSeccompPolicy\n---\nkind: SeccompBinding\n", /* first document */
		"metadata:\n  kind: SeccompBinding\n",			     /* not top level */
		"kinds: SeccompBinding\n",
		"# kind: SeccompBinding\n",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
		"",
	};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		ck_assert_msg(sc_bindings_detect(yes[i], strlen(yes[i])), "%s", yes[i]);
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		ck_assert_msg(!sc_bindings_detect(no[i], strlen(no[i])), "%s", no[i]);
	/* The length is respected: a prefix of the kind is not the kind. */
	ck_assert(!sc_bindings_detect("kind: SeccompBinding\n", strlen("kind: SeccompBindin")));
	ck_assert(!sc_bindings_detect("kind: SeccompBindingX", strlen("kind: SeccompBindingX")));
}
END_TEST

/* ---- 5. write and read back ------------------------------------------------------------ */

static void labels_set(struct sc_binding *b, const char *const *kv, size_t n)
{
	b->labels = calloc(n + 1, sizeof(*b->labels));
	ck_assert_ptr_nonnull(b->labels);
	for (size_t i = 0; i < n; i++) {
		b->labels[i].key = xstrdup(kv[2 * i]);
		b->labels[i].value = xstrdup(kv[2 * i + 1]);
	}
	b->n_labels = n;
}

static void policies_set(struct sc_binding *b, const char *const *v, size_t n)
{
	b->policies = calloc(n + 1, sizeof(char *));
	ck_assert_ptr_nonnull(b->policies);
	for (size_t i = 0; i < n; i++)
		b->policies[i] = xstrdup(v[i]);
	b->n_policies = n;
}

static void binding_init(struct sc_binding *b, const char *ns, const char *kind, const char *name,
			 const char *profile)
{
	*b = (struct sc_binding){ .namespace = xstrdup(ns),
				  .kind = xstrdup(kind),
				  .name = xstrdup(name),
				  .profile = xstrdup(profile) };
}

static int cmp_label_key(const void *a, const void *b)
{
	return strcmp(((const struct sc_label *)a)->key, ((const struct sc_label *)b)->key);
}

/* 'got' is 'want' with its labels sorted by key. */
static void binding_eq(const struct sc_binding *got, const struct sc_binding *want)
{
	struct sc_label *sorted = calloc(want->n_labels + 1, sizeof(*sorted));

	ck_assert_ptr_nonnull(sorted);
	ck_assert_str_eq(got->namespace, want->namespace);
	ck_assert_str_eq(got->kind, want->kind);
	ck_assert_str_eq(got->name, want->name);
	ck_assert_str_eq(got->profile, want->profile);
	ck_assert_uint_eq(got->n_labels, want->n_labels);
	if (want->n_labels)
		memcpy(sorted, want->labels, want->n_labels * sizeof(*sorted));
	qsort(sorted, want->n_labels, sizeof(*sorted), cmp_label_key);
	for (size_t i = 0; i < want->n_labels; i++) {
		ck_assert_str_eq(got->labels[i].key, sorted[i].key);
		ck_assert_str_eq(got->labels[i].value, sorted[i].value);
	}
	ck_assert_uint_eq(got->n_policies, want->n_policies);
	for (size_t i = 0; i < want->n_policies; i++)
		ck_assert_str_eq(got->policies[i], want->policies[i]);
	free(sorted);
}

START_TEST(write_read_round_trip)
{
	/* Values YAML (1.1 or 1.2) or our reader would take for booleans, nulls or numbers. */
	static const char *const web_labels[] = {
		"tier",
		"front",
		"app",
		"web",
		"flag",
		"true",
		"one",
		"1",
		"yes",
		"yes",
		"off",
		"off",
		"nul",
		"null",
		"tilde-x",
		"Null",
		"ver",
		"1.2.3",
		"hex",
		"0x1F",
		"exp",
		"1e5",
		"num-sfx",
		"3tier",
		"date",
		"2024-01-02",
		"octal",
		"0o17",
		"under",
		"1_000",
		"inf",
		"inf",
		"nan",
		"nan",
		"empty",
		"",
		"app.kubernetes.io/name",
		"web",
		"F",
		"FALSE",
		"dots",
		"a.b_c-d",
	};
	static const char *const web_policies[] = { "extra-b", "extra-a" };
	static const char *const db_labels[] = { "app", "db" };
	struct sc_binding in[4], rev[4];
	struct sc_binding *out = NULL, *out2 = NULL;
	struct sc_diags d = {};
	size_t n = 0, n2 = 0;
	char *text = NULL, *text_rev = NULL, *text_again = NULL;
	int r;

	binding_init(&in[0], "shop", "Deployment", "web", "syscage/shop/deployment_web.json");
	labels_set(&in[0], web_labels, ELEMENTSOF(web_labels) / 2);
	policies_set(&in[0], web_policies, 2);
	binding_init(&in[1], "default", "StatefulSet", "db", "syscage/default/statefulset_db.json");
	labels_set(&in[1], db_labels, 1);
	/* Names that start with a digit are DNS-1123 too. */
	binding_init(&in[2], "shop", "Deployment", "3scale", "syscage/shop/deployment_3scale.json");
	binding_init(&in[3], "0ns", "Pod", "1", "syscage/0ns/legacy-name.json");

	ck_assert_int_eq(sc_bindings_write(in, 4, &text), 0);
	r = sc_bindings_read(text, strlen(text), "b.yaml", &d, &out, &n);
	print_diags(&d);
	if (r != 0)
		fprintf(stderr, "# text:\n%s", text);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(n, 4);
	/* Sorted by namespace, kind, name. */
	binding_eq(&out[0], &in[3]);
	binding_eq(&out[1], &in[1]);
	binding_eq(&out[2], &in[2]);
	binding_eq(&out[3], &in[0]);
	ck_assert_str_eq(out[3].labels[0].key, "F"); /* by strcmp: upper case first */
	/* Each document's location is its own. */
	ck_assert_uint_lt(out[0].loc.line, out[1].loc.line);
	ck_assert_uint_lt(out[2].loc.line, out[3].loc.line);

	/* The same bindings in another order (labels too): the same bytes. */
	for (size_t i = 0; i < 4; i++)
		rev[i] = in[3 - i];
	{
		struct sc_label *l = rev[3].labels;
		for (size_t i = 0, j = rev[3].n_labels - 1; i < j; i++, j--) {
			struct sc_label t = l[i];
			l[i] = l[j];
			l[j] = t;
		}
	}
	ck_assert_int_eq(sc_bindings_write(rev, 4, &text_rev), 0);
	ck_assert_str_eq(text, text_rev);
	/* What was read back writes the same bytes again. */
	ck_assert_int_eq(sc_bindings_write(out, n, &text_again), 0);
	ck_assert_str_eq(text, text_again);
	/* And it still is a bindings file. */
	ck_assert(sc_bindings_detect(text, strlen(text)));
	/* A label value that looks like a boolean is written quoted. */
	ck_assert_ptr_nonnull(strstr(text, "flag: \"true\""));
	ck_assert_ptr_nonnull(strstr(text, "one: \"1\""));

	/* Nothing to write: a file with no bindings, read back as none. */
	free(text_again);
	ck_assert_int_eq(sc_bindings_write(in, 0, &text_again), 0);
	ck_assert_int_eq(sc_bindings_read(text_again, strlen(text_again), "e.yaml", &d, &out2, &n2),
			 0);
	ck_assert_uint_eq(n2, 0);
	sc_bindings_free(out2, n2);

	free(text);
	free(text_rev);
	free(text_again);
	sc_bindings_free(out, n);
	for (size_t i = 0; i < 4; i++)
		sc_binding_clear(&in[i]);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(read_defaults)
{
	static const char text[] = "apiVersion: syscage.dev/v1alpha1\n"
				   "kind: SeccompBinding\n"
				   "metadata: {name: web}\n"
				   "spec:\n"
				   "  workload: {kind: Pod}\n"
				   "  localhostProfile: syscage/default/pod_web.json\n"
				   "---\n"
				   "---\n";
	struct sc_binding *v = NULL;
	struct sc_diags d = {};
	size_t n = 0;
	int r = sc_bindings_read(text, strlen(text), "b.yaml", &d, &v, &n);

	print_diags(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(n, 1); /* empty documents are not bindings */
	ck_assert_str_eq(v[0].namespace, "default");
	ck_assert_str_eq(v[0].kind, "Pod");
	ck_assert_str_eq(v[0].name, "web");
	ck_assert_uint_eq(v[0].n_labels, 0);
	ck_assert_uint_eq(v[0].n_policies, 0);
	ck_assert_uint_eq(v[0].loc.line, 1);
	ck_assert_uint_eq(d.n, 0);
	sc_bindings_free(v, n);
}
END_TEST

/* ---- 6. read errors -------------------------------------------------------------------- */

#define DOC(meta, spec) \
	"apiVersion: syscage.dev/v1alpha1\nkind: SeccompBinding\nmetadata:\n" meta "spec:\n" spec
#define META_WEB  "  name: web\n  namespace: shop\n"
#define SPEC_WEB  "  workload: {kind: Deployment, name: web}\n  podLabels:\n    app: web\n"
#define PROF_WEB  "  localhostProfile: syscage/shop/deployment_web.json\n"
#define VALID_WEB DOC(META_WEB, SPEC_WEB PROF_WEB)

struct read_err {
	const char *what, *text;
	unsigned line, col;
	const char *msg; /* in the first error's message */
};

START_TEST(read_errors)
{
	static const struct read_err cases[] = {
		{ "unknown key", DOC(META_WEB, SPEC_WEB PROF_WEB "  extra: 1\n"), 11, 3,
		  "unknown key 'extra'" },
		{ "unknown top-level key", "status: {}\n" VALID_WEB, 1, 1, "unknown key 'status'" },
		{ "unknown workload key",
		  DOC(META_WEB, "  workload: {kind: Deployment, name: web, uid: x}\n" PROF_WEB), 7,
		  43, "unknown key 'uid'" },
		{ "wrong apiVersion",
		  "apiVersion: syscage.dev/v1\nkind: SeccompBinding\nmetadata:\n" META_WEB
		  "spec:\n" SPEC_WEB PROF_WEB,
		  1, 13, "apiVersion 'syscage.dev/v1'" },
		{ "a policy in a bindings file",
		  VALID_WEB "---\napiVersion: security.kubearmor.com/v1\n"
			    "kind: KubeArmorSeccompPolicy\nmetadata: {name: p, namespace: shop}\n"
			    "spec: {selector: {}, seccomp: {syscalls: [read], action: Allow}}\n",
		  13, 7, "kind 'KubeArmorSeccompPolicy'" },
		{ "two bindings of one workload",
		  VALID_WEB
		  "---\n" DOC(META_WEB, SPEC_WEB "  localhostProfile: syscage/shop/web.json\n"),
		  12, 1, "a second binding of Deployment shop/web" },
		{ "two workloads on one path",
		  VALID_WEB "---\n" DOC("  name: api\n  namespace: shop\n",
					"  workload: {kind: Deployment, name: api}\n" PROF_WEB),
		  12, 1, "two workloads cannot share one path" },
		{ "a profile in another namespace's directory",
		  DOC(META_WEB, SPEC_WEB "  localhostProfile: syscage/other/deployment_web.json\n"),
		  10, 21, "syscage/other/deployment_web.json" },
		{ "a profile outside any root",
		  DOC(META_WEB, SPEC_WEB "  localhostProfile: /etc/passwd\n"), 10, 21,
		  "/etc/passwd" },
		{ "a profile with '..'",
		  DOC(META_WEB, SPEC_WEB "  localhostProfile: syscage/shop/../x.json\n"), 10, 21,
		  "syscage/shop/../x.json" },
		{ "a label value that is not one",
		  DOC(META_WEB, "  workload: {kind: Deployment, name: web}\n  podLabels:\n"
				"    app: \"web server\"\n" PROF_WEB),
		  9, 5, "label 'app: web server'" },
		{ "a label value that is a number",
		  DOC(META_WEB, "  workload: {kind: Deployment, name: web}\n  podLabels:\n"
				"    replicas: 3\n" PROF_WEB),
		  9, 15, "label 'replicas'" },
		{ "a label key that is not one",
		  DOC(META_WEB, "  workload: {kind: Deployment, name: web}\n  podLabels:\n"
				"    -app: web\n" PROF_WEB),
		  9, 5, "label '-app: web'" },
		{ "metadata.name not DNS-1123",
		  DOC("  name: Web\n  namespace: shop\n",
		      "  workload: {kind: Deployment, name: Web}\n" PROF_WEB),
		  4, 9, "name 'Web' is not a DNS-1123 name" },
		{ "namespace not DNS-1123",
		  DOC("  name: web\n  namespace: Shop\n", SPEC_WEB PROF_WEB), 5, 14,
		  "namespace 'Shop'" },
		{ "workload name differs",
		  DOC(META_WEB, "  workload: {kind: Deployment, name: api}\n" PROF_WEB), 7, 38,
		  "differs from metadata.name" },
		{ "workload kind not a kind",
		  DOC(META_WEB, "  workload: {kind: apps/v1, name: web}\n" PROF_WEB), 7, 20,
		  "workload kind 'apps/v1'" },
		{ "policies not DNS-1123",
		  DOC(META_WEB, SPEC_WEB "  policies: [ok, Not_ok]\n" PROF_WEB), 10, 18,
		  "policies[1]" },
		{ "no localhostProfile", DOC(META_WEB, SPEC_WEB), 7, 3,
		  "missing 'localhostProfile'" },
		{ "duplicate key",
		  DOC("  name: web\n  namespace: shop\n  name: web\n", SPEC_WEB PROF_WEB), 6, 3,
		  "duplicate key 'name'" },
		{ "a YAML alias",
		  DOC("  name: &n web\n  namespace: shop\n",
		      "  workload: {kind: Deployment, name: *n}\n" PROF_WEB),
		  7, 38, "alias" },
		{ "not YAML", DOC(META_WEB, "  workload: {kind: Deployment, name: web\n" PROF_WEB),
		  0, 0, "syntax error" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct read_err *c = &cases[i];
		struct sc_binding *v = (struct sc_binding *)0x1;
		struct sc_diags d = {};
		size_t n = 777;
		int r = sc_bindings_read(c->text, strlen(c->text), "bind.yaml", &d, &v, &n);

		if (r != -EINVAL || d.n_errors == 0 ||
		    (c->line && (d.v[0].loc.line != c->line || d.v[0].loc.col != c->col)) ||
		    !strstr(d.v[0].message, c->msg)) {
			fprintf(stderr, "# case '%s' (r=%d):\n", c->what, r);
			print_diags(&d);
		}
		ck_assert_msg(r == -EINVAL, "%s: %d", c->what, r);
		ck_assert_msg(d.n_errors >= 1, "%s: no error", c->what);
		ck_assert_msg(d.v[0].severity == SC_SEV_ERROR, "%s", c->what);
		ck_assert_str_eq(d.v[0].file, "bind.yaml");
		if (c->line) {
			ck_assert_msg(d.v[0].loc.line == c->line && d.v[0].loc.col == c->col,
				      "%s: at %u:%u, want %u:%u", c->what, d.v[0].loc.line,
				      d.v[0].loc.col, c->line, c->col);
		}
		ck_assert_msg(strstr(d.v[0].message, c->msg), "%s: '%s'", c->what, d.v[0].message);
		/* Nothing is returned on error. */
		ck_assert_ptr_eq(v, (struct sc_binding *)0x1);
		ck_assert_uint_eq(n, 777);
		/* Without diagnostics: the same answer. */
		ck_assert_int_eq(
			sc_bindings_read(c->text, strlen(c->text), "bind.yaml", NULL, &v, &n),
			-EINVAL);
		sc_diags_clear(&d);
	}

	/* The valid document itself reads (the cases above fail for their one reason). */
	{
		struct sc_binding *v = NULL;
		size_t n = 0;
		struct sc_diags d = {};
		ck_assert_int_eq(sc_bindings_read(VALID_WEB, strlen(VALID_WEB), "b", &d, &v, &n),
				 0);
		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(d.n, 0);
		sc_bindings_free(v, n);
	}
}
END_TEST

/* ---- 7. the canonical selector agrees with the policy engine --------------------------- */

static void add_label(struct sc_meta *m, const char *k, const char *v)
{
	m->match_labels =
		reallocarray(m->match_labels, m->n_match_labels + 1, sizeof(*m->match_labels));
	ck_assert_ptr_nonnull(m->match_labels);
	m->match_labels[m->n_match_labels].key = xstrdup(k);
	m->match_labels[m->n_match_labels].value = xstrdup(v);
	m->n_match_labels++;
}

/* 'vals': NULL-terminated. */
static void add_expr(struct sc_meta *m, const char *k, enum sc_selector_op op,
		     const char *const *vals)
{
	struct sc_selector_expr *e;
	size_t n = 0;

	while (vals && vals[n])
		n++;
	m->match_exprs =
		reallocarray(m->match_exprs, m->n_match_exprs + 1, sizeof(*m->match_exprs));
	ck_assert_ptr_nonnull(m->match_exprs);
	e = &m->match_exprs[m->n_match_exprs++];
	*e = (struct sc_selector_expr){ .key = xstrdup(k), .op = op };
	e->values = calloc(n + 1, sizeof(char *));
	ck_assert_ptr_nonnull(e->values);
	for (size_t i = 0; i < n; i++)
		e->values[i] = xstrdup(vals[i]);
	e->n_values = n;
}

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct sc_meta *new_meta(struct sc_profile **p, size_t *n, size_t max)
{
	ck_assert_uint_lt(*n, max);
	p[*n] = sc_profile_new();
	ck_assert_ptr_nonnull(p[*n]);
	p[*n]->meta.namespace = xstrdup("shop");
	return &p[(*n)++]->meta;
}

/* The selectors of the table, built into profiles' metadata. */
static size_t build_selectors(struct sc_profile **p, size_t max)
{
	size_t n = 0;
	struct sc_meta *m;

#define NEW() new_meta(p, &n, max)

	m = NEW(); /* 0: empty: everything */
	m = NEW(); /* 1 */
	add_label(m, "app", "web");
	m = NEW(); /* 2 */
	add_label(m, "app", "web");
	add_label(m, "tier", "front");
	m = NEW(); /* 3 */
	add_expr(m, "tier", SC_SEL_IN, V("front", "back"));
	m = NEW(); /* 4 */
	add_expr(m, "tier", SC_SEL_NOT_IN, V("front"));
	m = NEW(); /* 5 */
	add_expr(m, "debug", SC_SEL_EXISTS, NULL);
	m = NEW(); /* 6 */
	add_expr(m, "debug", SC_SEL_DOES_NOT_EXIST, NULL);
	m = NEW(); /* 7: labels and expressions together */
	add_label(m, "app", "web");
	add_expr(m, "tier", SC_SEL_IN, V("front"));
	add_expr(m, "debug", SC_SEL_DOES_NOT_EXIST, NULL);
	m = NEW(); /* 8: a contradiction */
	add_expr(m, "debug", SC_SEL_EXISTS, NULL);
	add_expr(m, "debug", SC_SEL_DOES_NOT_EXIST, NULL);
	m = NEW(); /* 9: an empty value */
	add_label(m, "flag", "");
	m = NEW(); /* 10: an empty value among In's values, duplicates */
	add_expr(m, "flag", SC_SEL_IN, V("x", "", "x"));
	m = NEW(); /* 11: NotIn of several, one a prefix of another */
	add_expr(m, "app", SC_SEL_NOT_IN, V("we", "web2", "db"));
	m = NEW(); /* 12: a prefixed key, a key that is a prefix of another */
	add_label(m, "app.kubernetes.io/name", "web");
	add_expr(m, "ap", SC_SEL_DOES_NOT_EXIST, NULL);
	m = NEW(); /* 13: In with one value that is a prefix of the label's */
	add_expr(m, "app", SC_SEL_IN, V("we"));
	m = NEW(); /* 14: Exists and NotIn on one key */
	add_expr(m, "tier", SC_SEL_EXISTS, NULL);
	add_expr(m, "tier", SC_SEL_NOT_IN, V("back", "db"));
	m = NEW(); /* 15: values with '.', '-', '_' */
	add_expr(m, "ver", SC_SEL_IN, V("1.2.3", "v1_0-rc"));
	add_label(m, "app", "web");
	m = NEW(); /* 16: matchLabels on a key also in an expression */
	add_label(m, "tier", "front");
	add_expr(m, "tier", SC_SEL_NOT_IN, V("front"));
	m = NEW(); /* 17: an invalid operator selects nothing */
	add_expr(m, "app", SC_SEL_EXISTS, NULL);
	m->match_exprs[0].op = _SC_SEL_INVALID;
#undef NEW
	return n;
}

#define LS(...)                                                                                    \
	{                                                                                          \
		(const struct sc_label[]){ __VA_ARGS__ },                                          \
			sizeof((const struct sc_label[]){ __VA_ARGS__ }) / sizeof(struct sc_label) \
	}

struct labelset {
	const struct sc_label *v;
	size_t n;
};

START_TEST(canonical_matches_agree)
{
	const struct labelset sets[] = {
		{ NULL, 0 }, /* empty */
		LS({ "app", "web" }, { "tier", "front" }),
		LS({ "app", "web" }, { "tier", "front" }, { "debug", "" }),
		LS({ "app", "web" }),			 /* missing key */
		LS({ "app", "db" }, { "tier", "back" }), /* other values */
		LS({ "app", "web" }, { "tier", "front" }, { "x", "1" }, { "y", "2" }), /* extra */
		LS({ "debug", "1" }),
		LS({ "flag", "" }),
		LS({ "flag", "x" }),
		LS({ "flag", "y" }),
		LS({ "app", "we" }),
		LS({ "app", "web2" }),
		LS({ "app", "webx" }),
		LS({ "app.kubernetes.io/name", "web" }),
		LS({ "app.kubernetes.io/name", "web" }, { "ap", "x" }),
		LS({ "app.kubernetes.io/name", "web" }, { "app", "x" }),
		LS({ "ver", "1.2.3" }, { "app", "web" }),
		LS({ "ver", "v1_0-rc" }, { "app", "web" }),
		LS({ "ver", "1.2" }, { "app", "web" }),
		LS({ "tier", "db" }),
		LS({ "tier", "" }),
		LS({ "tiers", "front" }),
		LS({ "tie", "front" }),
		LS({ "debu", "1" }, { "debugx", "1" }),
	};
	struct sc_profile *p[32];
	size_t n = build_selectors(p, ELEMENTSOF(p)), checked = 0, selected = 0;
	/* Known answers, so the two cannot agree on being wrong. */
	static const struct {
		size_t sel, set;
		bool want;
	} known[] = {
		{ 0, 0, true },	   { 1, 1, true },    { 1, 0, false },	 { 2, 3, false },
		{ 2, 5, true },	   { 3, 1, true },    { 3, 4, true },	 { 3, 3, false },
		{ 4, 3, true },	   { 4, 1, false },   { 4, 0, true },	 { 5, 2, true },
		{ 5, 1, false },   { 6, 2, false },   { 6, 1, true },	 { 7, 1, true },
		{ 7, 2, false },   { 8, 6, false },   { 8, 0, false },	 { 9, 7, true },
		{ 9, 8, false },   { 9, 0, false },   { 10, 7, true },	 { 10, 8, true },
		{ 10, 9, false },  { 11, 10, false }, { 11, 11, false }, { 11, 3, true },
		{ 11, 12, true },  { 11, 0, true },   { 12, 13, true },	 { 12, 14, false },
		{ 12, 15, true },  { 13, 10, true },  { 13, 3, false },	 { 14, 1, true },
		{ 14, 19, false }, { 14, 20, true },  { 14, 21, false }, { 15, 16, true },
		{ 15, 17, true },  { 15, 18, false }, { 16, 1, false },	 { 17, 1, false },
		{ 17, 0, false },  { 5, 23, false },  { 6, 23, true },
	};

	for (size_t s = 0; s < n; s++) {
		char *canon = sc_selector_canonical(&p[s]->meta);
		ck_assert_ptr_nonnull(canon);
		ck_assert_int_eq(strncmp(canon, "shop", 4), 0);
		for (size_t l = 0; l < ELEMENTSOF(sets); l++) {
			bool want = sc_selector_matches(&p[s]->meta, sets[l].v, sets[l].n);
			bool got = sc_selector_canonical_matches(canon, sets[l].v, sets[l].n);
			ck_assert_msg(got == want,
				      "selector %zu (%s) x labels %zu: canonical %d, "
				      "engine %d",
				      s, canon, l, got, want);
			checked++;
			selected += want;
		}
		free(canon);
	}
	ck_assert_uint_eq(checked, n * ELEMENTSOF(sets));
	/* Both answers occur. */
	ck_assert_uint_gt(selected, 0);
	ck_assert_uint_lt(selected, checked);
	for (size_t i = 0; i < ELEMENTSOF(known); i++) {
		char *canon = sc_selector_canonical(&p[known[i].sel]->meta);
		const struct labelset *ls = &sets[known[i].set];
		ck_assert_msg(sc_selector_matches(&p[known[i].sel]->meta, ls->v, ls->n) ==
				      known[i].want,
			      "engine: selector %zu labels %zu", known[i].sel, known[i].set);
		ck_assert_msg(sc_selector_canonical_matches(canon, ls->v, ls->n) == known[i].want,
			      "canonical: selector %zu labels %zu", known[i].sel, known[i].set);
		free(canon);
	}
	for (size_t s = 0; s < n; s++)
		sc_profile_free(p[s]);
}
END_TEST

/* ---- 8. membership --------------------------------------------------------------------- */

static char *canon_of(const char *ns, const char *key, const char *value)
{
	struct sc_profile *p = sc_profile_new();
	char *c;

	p->meta.namespace = xstrdup(ns);
	if (key)
		add_expr(&p->meta, key, SC_SEL_IN, V(value));
	c = sc_selector_canonical(&p->meta);
	ck_assert_ptr_nonnull(c);
	sc_profile_free(p);
	return c;
}

/* The names of the members, in order, joined by ','. */
static char *member_names(const struct sc_policy_ref *v, const size_t *m, size_t n)
{
	char *s = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&s, &size);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s/%s", i ? "," : "", v[m[i]].namespace, v[m[i]].name);
	ck_assert_int_eq(fclose(f), 0);
	return s;
}

START_TEST(members)
{
	char *sel_web = canon_of("shop", "app", "web"), *sel_db = canon_of("shop", "app", "db");
	char *sel_front = canon_of("shop", "tier", "front"),
	     *sel_other = canon_of("other", "app", "web"), *sel_all = canon_of("shop", NULL, NULL),
	     *sel_base = canon_of("kube-system", NULL, NULL);
	const struct sc_policy_ref orig[] = {
		{ "shop", "web-allow", "KubeArmorSeccompPolicy", sel_web, false },
		{ "shop", "db", "KubeArmorSeccompPolicy", sel_db, false },
		{ "other", "web-other", "KubeArmorSeccompPolicy", sel_other, false },
		{ "kube-system", "zz-base", "KubeArmorSeccompPolicy", sel_base, true },
		{ "shop", "spo-web", "SeccompProfile", NULL, false },
		{ "other", "spo-web", "SeccompProfile", NULL, false },
		{ "shop", "front-block", "KubeArmorSeccompPolicy", sel_front, false },
		{ "default", "aa-base", "SeccompProfile", NULL, true },
		{ "shop", "web-allow-2", "KubeArmorSeccompPolicy", sel_web, false },
		{ "shop", "everything", "KubeArmorSeccompPolicy", sel_all, false },
		{ "shop", "oci-raw", "OCI", NULL, false },
	};
	const size_t N = ELEMENTSOF(orig);
	struct sc_policy_ref v[ELEMENTSOF(orig)];
	size_t perm[ELEMENTSOF(orig)], m[ELEMENTSOF(orig)], n, selected;
	struct sc_label web[] = { { (char *)"app", (char *)"web" },
				  { (char *)"tier", (char *)"front" } };
	struct sc_label dbl[] = { { (char *)"app", (char *)"db" } };
	char *pols_spo[] = { (char *)"spo-web" },
	     *pols_nope[] = { (char *)"spo-web", (char *)"nope" };
	char *pols_db[] = { (char *)"db", (char *)"web-allow" },
	     *pols_base[] = { (char *)"aa-base" };
	struct sc_binding b = { .namespace = (char *)"shop",
				.kind = (char *)"Deployment",
				.name = (char *)"web",
				.labels = web,
				.n_labels = 2 };
	const char *missing = "untouched";
	char *names;

	memcpy(v, orig, sizeof(orig));
	ck_assert_int_eq(sc_policy_refs_sort(v, N, perm), 0);
	/* A permutation: every old index once, each entry where perm says it came from. */
	{
		bool seen[ELEMENTSOF(orig)] = {};
		for (size_t i = 0; i < N; i++) {
			ck_assert_uint_lt(perm[i], N);
			ck_assert(!seen[perm[i]]);
			seen[perm[i]] = true;
			ck_assert_str_eq(v[i].name, orig[perm[i]].name);
			ck_assert_str_eq(v[i].namespace, orig[perm[i]].namespace);
		}
	}
	/* Baselines first, then by namespace. */
	ck_assert(v[0].baseline && v[1].baseline);
	for (size_t i = 2; i < N; i++) {
		ck_assert(!v[i].baseline);
		if (i > 2)
			ck_assert_int_le(strcmp(v[i - 1].namespace, v[i].namespace), 0);
	}

	/* Selected by labels: both app=web policies, tier=front, the empty selector. */
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_ptr_null(missing);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(selected, 4);
	ck_assert(v[m[0]].baseline && v[m[1]].baseline);
	for (size_t i = 1; i < n; i++)
		ck_assert_uint_lt(m[i - 1], m[i]); /* v's order */
	names = member_names(v, m, n);
	ck_assert_ptr_nonnull(strstr(names, "shop/web-allow,"));
	ck_assert_ptr_nonnull(strstr(names, "shop/web-allow-2"));
	ck_assert_ptr_nonnull(strstr(names, "shop/front-block"));
	ck_assert_ptr_nonnull(strstr(names, "shop/everything"));
	ck_assert_ptr_null(strstr(names, "shop/db"));
	ck_assert_ptr_null(strstr(names, "other/"));
	ck_assert_ptr_null(strstr(names, "spo-web"));
	ck_assert_ptr_null(strstr(names, "oci-raw"));
	free(names);

	/* A named SPO profile of its namespace (not the other namespace's of that name). */
	b.policies = pols_spo;
	b.n_policies = 1;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(selected, 5);
	names = member_names(v, m, n);
	ck_assert_ptr_nonnull(strstr(names, "shop/spo-web"));
	ck_assert_ptr_null(strstr(names, "other/spo-web"));
	free(names);

	/* A name no policy of the namespace has. */
	b.policies = pols_nope;
	b.n_policies = 2;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), -ENOENT);
	ck_assert_ptr_eq(missing, pols_nope[1]);

	/* Named KubeArmor policies: one its labels do not select joins, one they do is
	 * not counted twice. */
	b.policies = pols_db;
	b.n_policies = 2;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_ptr_null(missing);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(selected, 5);
	names = member_names(v, m, n);
	ck_assert_ptr_nonnull(strstr(names, "shop/db"));
	free(names);

	/* Labels nothing selects but the empty selector. */
	b.policies = NULL;
	b.n_policies = 0;
	b.labels = dbl;
	b.n_labels = 1;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 4); /* the baselines, db, everything */
	ck_assert_uint_eq(selected, 2);

	/* Another namespace: its own policies only. */
	b.namespace = (char *)"other";
	b.labels = web;
	b.n_labels = 2;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(selected, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[m[2]].name, "web-other");
	b.policies = pols_spo;
	b.n_policies = 1;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(selected, 2);
	names = member_names(v, m, n);
	ck_assert_ptr_nonnull(strstr(names, "other/spo-web"));
	ck_assert_ptr_null(strstr(names, "shop/"));
	free(names);

	/* A namespace with no policies: the baselines alone, nothing selected (fallback). */
	b.namespace = (char *)"empty";
	b.policies = NULL;
	b.n_policies = 0;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(selected, 0);
	ck_assert(v[m[0]].baseline && v[m[1]].baseline);
	/* Sorted after every namespace, and before every one. */
	b.namespace = (char *)"zzz";
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(selected, 0);
	b.namespace = (char *)"a";
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(selected, 0);
	/* A named baseline is a member already: the binding is not in error. */
	b.namespace = (char *)"default";
	b.policies = pols_base;
	b.n_policies = 1;
	ck_assert_int_eq(sc_binding_members(&b, v, N, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 2);

	/* No policies at all. */
	b.policies = NULL;
	b.n_policies = 0;
	ck_assert_int_eq(sc_binding_members(&b, v, 0, m, &n, &selected, &missing), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(selected, 0);

	free(sel_web);
	free(sel_db);
	free(sel_front);
	free(sel_other);
	free(sel_all);
	free(sel_base);
}
END_TEST

/* ---- 9. a set's profile ---------------------------------------------------------------- */

START_TEST(set_profile_merge)
{
	char *ta = ka("web-allow", "shop", NULL, "{matchLabels: {app: web}}",
		      "read, write, close, exit_group", "Allow");
	char *tb =
		ka("front-block", "shop", NULL, "{matchLabels: {tier: front}}", "write", "Block");
	struct sc_profile *allow = profile_of(ta), *block = profile_of(tb);
	const struct sc_profile *ab[] = { allow, block }, *ba[] = { block, allow };
	struct sc_profile *m1 = NULL, *m2 = NULL, *one = NULL;
	char *s1 = NULL, *s2 = NULL;

	ck_assert_int_eq(sc_set_profile(ab, 2, false, NULL, NULL, &m1), 0);
	ck_assert_int_eq(verdict(m1, "write"), verdict(block, "write"));
	ck_assert(!permits(m1, "write"));
	ck_assert_int_eq(verdict(m1, "read"), SC_ACT_ALLOW);
	ck_assert_int_eq(verdict(m1, "close"), SC_ACT_ALLOW);
	ck_assert(!permits(m1, "openat")); /* the allow-list's default */
	ck_assert(!m1->meta.baseline);
	/* Either order: the same profile. */
	ck_assert_int_eq(sc_set_profile(ba, 2, false, NULL, NULL, &m2), 0);
	ck_assert_int_eq(sc_policy_profile_json(m1, &s1), 0);
	ck_assert_int_eq(sc_policy_profile_json(m2, &s2), 0);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	/* One input: itself. */
	ck_assert_int_eq(sc_set_profile(ab, 1, false, NULL, NULL, &one), 0);
	ck_assert(permits(one, "write"));
	ck_assert(!permits(one, "openat"));
	/* Nothing to merge and no fallback. */
	ck_assert_int_eq(sc_set_profile(ab, 0, false, NULL, NULL, &m2), -EINVAL);
	sc_profile_free(m1);
	sc_profile_free(m2);
	sc_profile_free(one);
	sc_profile_free(allow);
	sc_profile_free(block);
	free(ta);
	free(tb);
}
END_TEST

START_TEST(set_profile_fallback)
{
	char *tb = ka("no-ptrace", "kube-system", "{syscage.dev/baseline: \"true\"}", "{}",
		      "ptrace, kexec_load", "Block");
	struct sc_profile *base = profile_of(tb), *fb = NULL, *fbb = NULL, *rd = NULL;
	const struct sc_profile *in[] = { base };
	enum sc_arch arch = sc_arch_native();
	const char *name;
	size_t checked = 0;

	ck_assert(base->meta.baseline);
	ck_assert_int_eq(sc_set_profile(NULL, 0, true, NULL, NULL, &fb), 0);
	/* RuntimeDefault: what the table says, syscall by syscall. */
	ck_assert_int_eq(verdict(fb, "read"), SC_ACT_ALLOW);
	ck_assert(!permits(fb, "kexec_load"));
	ck_assert(!permits(fb, "mount"));
	ck_assert(!permits(fb, "reboot"));
	for (size_t i = 0; sc_syscall_by_index(arch, i, NULL, &name) == 0; i++) {
		enum sc_rd_verdict rv = sc_runtime_default_verdict(arch, name);
		struct sc_verdict v;
		sc_profile_verdict(fb, name, &v);
		if (rv == SC_RD_ALLOWED)
			ck_assert_msg(sc_action_permits(v.action), "%s", name);
		else if (rv == SC_RD_BLOCKED)
			ck_assert_msg(!sc_action_permits(v.action) && !v.cond_permits, "%s", name);
		checked++;
	}
	ck_assert_uint_gt(checked, 200);
	ck_assert_int_eq(sc_runtime_default_profile(arch, &rd), 0);
	{
		char *a = NULL, *b = NULL;
		const struct sc_profile *one[] = { rd };
		struct sc_profile *m = NULL;
		/* The same as RuntimeDefault merged alone. */
		ck_assert_int_eq(sc_set_profile(one, 1, false, NULL, NULL, &m), 0);
		ck_assert_int_eq(sc_policy_profile_json(m, &a), 0);
		ck_assert_int_eq(sc_policy_profile_json(fb, &b), 0);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
		sc_profile_free(m);
	}
	/* With the baseline: ptrace denied whatever RuntimeDefault says, read still allowed. */
	ck_assert_int_eq(sc_set_profile(in, 1, true, NULL, NULL, &fbb), 0);
	ck_assert(!permits(fbb, "ptrace"));
	ck_assert_int_eq(verdict(fbb, "read"), SC_ACT_ALLOW);
	ck_assert(!permits(fbb, "mount"));
	ck_assert(!fbb->meta.baseline);
	sc_profile_free(fb);
	sc_profile_free(fbb);
	sc_profile_free(rd);
	sc_profile_free(base);
	free(tb);
}
END_TEST

START_TEST(set_profile_options)
{
	struct sc_profile *a = sc_profile_new(), *flagged = sc_profile_new(), *m = NULL;
	static const char *const rd[] = { "read" };
	static const enum sc_arch arches[] = { SC_ARCH_X86_64, SC_ARCH_AARCH64 };
	struct sc_set_opts o = { .log_flag = true };
	const struct sc_profile *in[] = { a }, *inf[] = { flagged };

	a->default_action = SC_ACT_ERRNO;
	ck_assert_ptr_nonnull(sc_profile_add_rule(a, SC_ACT_ALLOW, rd, 1));
	flagged->default_action = SC_ACT_ERRNO;
	flagged->flags = SC_FLAG_SPEC_ALLOW;
	ck_assert_int_eq(sc_profile_add_arch(flagged, SC_ARCH_X86), 0);
	ck_assert_ptr_nonnull(sc_profile_add_rule(flagged, SC_ACT_ALLOW, rd, 1));

	ck_assert_int_eq(sc_set_profile(in, 1, false, &o, NULL, &m), 0);
	ck_assert_uint_eq(m->flags, SC_FLAG_LOG);
	ck_assert_uint_eq(m->n_arches, 0);
	sc_profile_free(m);
	ck_assert_int_eq(sc_set_profile(inf, 1, false, &o, NULL, &m), 0);
	ck_assert_uint_eq(m->flags, SC_FLAG_SPEC_ALLOW); /* flags of its own: left alone */
	sc_profile_free(m);
	o.log_flag = false;
	ck_assert_int_eq(sc_set_profile(in, 1, false, &o, NULL, &m), 0);
	ck_assert_uint_eq(m->flags, 0);
	sc_profile_free(m);
	ck_assert_int_eq(sc_set_profile(in, 1, false, NULL, NULL, &m), 0);
	ck_assert_uint_eq(m->flags, 0);
	sc_profile_free(m);
	/* Arches: added to a profile that lists none, not to one that lists some. */
	o.arches = arches;
	o.n_arches = 2;
	ck_assert_int_eq(sc_set_profile(in, 1, false, &o, NULL, &m), 0);
	ck_assert_uint_eq(m->n_arches, 2);
	ck_assert(sc_profile_has_arch(m, SC_ARCH_X86_64));
	ck_assert(sc_profile_has_arch(m, SC_ARCH_AARCH64));
	sc_profile_free(m);
	ck_assert_int_eq(sc_set_profile(inf, 1, false, &o, NULL, &m), 0);
	ck_assert_uint_eq(m->n_arches, 1);
	ck_assert(sc_profile_has_arch(m, SC_ARCH_X86));
	sc_profile_free(m);
	/* The inputs are not changed. */
	ck_assert_uint_eq(a->flags, 0);
	ck_assert_uint_eq(a->n_arches, 0);
	sc_profile_free(a);
	sc_profile_free(flagged);
}
END_TEST

/* The comma-separated names of 's', sorted alphabetically, as one string (for comparing
 * sets whatever their order). */
static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_list(const char *s)
{
	char *copy = xstrdup(s), *save = NULL, *tok, *v[64], *out = NULL;
	size_t n = 0, size = 0;
	FILE *f;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		ck_assert_uint_lt(n, ELEMENTSOF(v));
		v[n++] = tok;
	}
	qsort(v, n, sizeof(*v), cmp_cstr);
	f = open_memstream(&out, &size);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", v[i]);
	ck_assert_int_eq(fclose(f), 0);
	free(copy);
	return out;
}

START_TEST(baseline_removed_and_fatal)
{
	char *ta =
		ka("web-allow", "shop", NULL, "{}", "read, write, close, ptrace, mount", "Allow");
	char *tb = ka("base", "kube-system", "{syscage.dev/baseline: \"true\"}", "{}",
		      "ptrace, mount, kexec_load", "Block");
	char *te = ka("bad", "kube-system", "{syscage.dev/baseline: \"true\"}", "{}",
		      "ptrace, execve", "Block");
	char *tx = ka("bad2", "kube-system", NULL, "{}", "exit_group", "Deny");
	char *tp = ka("ok", "kube-system", NULL, "{}", "ptrace", "Block");
	struct sc_profile *allow = profile_of(ta), *base = profile_of(tb), *ex = profile_of(te);
	struct sc_profile *exit_p = profile_of(tx), *pt = profile_of(tp);
	struct sc_profile *without = NULL, *with = NULL, *fbw = NULL, *fb = NULL;
	const struct sc_profile *in[] = { allow, base }, *bonly[] = { base };
	char *removed = NULL, *sorted;

	ck_assert_int_eq(sc_set_profile(in, 1, false, NULL, NULL, &without), 0);
	ck_assert_int_eq(sc_set_profile(in, 2, false, NULL, NULL, &with), 0);
	ck_assert_int_eq(sc_baseline_removed(without, with, &removed), 0);
	/* kexec_load was never allowed: the baseline did not take it away. */
	sorted = sorted_list(removed);
	ck_assert_str_eq(sorted, "mount,ptrace");
	free(sorted);
	free(removed);
	/* Nothing taken: "". */
	ck_assert_int_eq(sc_baseline_removed(without, without, &removed), 0);
	ck_assert_str_eq(removed, "");
	free(removed);
	/* From the fallback: what RuntimeDefault allowed that the baseline denies. */
	ck_assert_int_eq(sc_set_profile(NULL, 0, true, NULL, NULL, &fb), 0);
	ck_assert_int_eq(sc_set_profile(bonly, 1, true, NULL, NULL, &fbw), 0);
	ck_assert_int_eq(sc_baseline_removed(fb, fbw, &removed), 0);
	{
		enum sc_arch arch = sc_arch_native();
		char want[64] = "";
		/* mount and kexec_load need capabilities RuntimeDefault does not grant. */
		if (sc_runtime_default_verdict(arch, "ptrace") == SC_RD_ALLOWED)
			strcpy(want, "ptrace");
		sorted = sorted_list(removed);
		ck_assert_str_eq(sorted, want);
		free(sorted);
	}
	free(removed);

	ck_assert_str_eq(sc_baseline_fatal(ex), "execve");
	ck_assert_str_eq(sc_baseline_fatal(exit_p), "exit_group");
	ck_assert_ptr_null(sc_baseline_fatal(pt));
	ck_assert_ptr_null(sc_baseline_fatal(base));
	/* An allow-list denies by its default action what it does not list: execve first. */
	ck_assert_str_eq(sc_baseline_fatal(allow), "execve");
	/* A deny with conditions (for some arguments) does not count. */
	{
		struct sc_profile *c = sc_profile_new();
		static const char *const ev[] = { "execve" };
		struct sc_rule *r;
		c->default_action = SC_ACT_ALLOW;
		r = sc_profile_add_rule(c, SC_ACT_ERRNO, ev, 1);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(sc_rule_add_arg(r, 0, SC_CMP_EQ, 0, 0), 0);
		ck_assert_ptr_null(sc_baseline_fatal(c));
		sc_profile_free(c);
	}
	sc_profile_free(allow);
	sc_profile_free(base);
	sc_profile_free(ex);
	sc_profile_free(exit_p);
	sc_profile_free(pt);
	sc_profile_free(without);
	sc_profile_free(with);
	sc_profile_free(fb);
	sc_profile_free(fbw);
	free(ta);
	free(tb);
	free(te);
	free(tx);
	free(tp);
}
END_TEST

/* ---- 10. a policy set's name ----------------------------------------------------------- */

static uint32_t fnv(const char *const *names, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		for (const char *p = names[i];; p++) {
			h ^= (unsigned char)*p;
			h *= 16777619u;
			if (!*p)
				break;
		}
	return h;
}

START_TEST(policy_set_name)
{
	static const char *const one[] = { "web" };
	static const char *const abc[] = { "b-pol", "a-pol", "c-pol" };
	static const char *const cab[] = { "c-pol", "a-pol", "b-pol" };
	static const char *const sorted[] = { "a-pol", "b-pol", "c-pol" };
	static const char *const ab[] = { "a-pol", "b-pol" };
	char *n1 = NULL, *n2 = NULL, *n3 = NULL, want[64];

	ck_assert_int_eq(sc_policy_set_name(one, 1, &n1), 0);
	ck_assert_str_eq(n1, "web");
	free(n1);
	ck_assert_int_eq(sc_policy_set_name(abc, 3, &n1), 0);
	ck_assert_int_eq(sc_policy_set_name(cab, 3, &n2), 0);
	ck_assert_str_eq(n1, n2);
	snprintf(want, sizeof(want), "a-pol-%08x", fnv(sorted, 3));
	ck_assert_str_eq(n1, want);
	ck_assert(sc_dns1123_subdomain_valid(n1));
	ck_assert(sc_binding_file_valid("a-pol-00000000.json"));
	/* Another set of names: another name. */
	ck_assert_int_eq(sc_policy_set_name(ab, 2, &n3), 0);
	ck_assert_int_eq(strncmp(n3, "a-pol-", 6), 0);
	ck_assert_uint_eq(strlen(n3), 6 + 8);
	ck_assert_str_ne(n1, n3);
	ck_assert_int_eq(sc_policy_set_name(one, 0, &n2), -EINVAL);
	free(n1);
	free(n2);
	free(n3);
}
END_TEST

/* ---- 11. the three callers agree ------------------------------------------------------- */

static const char manifest[] = "apiVersion: apps/v1\n"
			       "kind: Deployment\n"
			       "metadata: {name: web, namespace: shop, labels: {owner: x}}\n"
			       "spec:\n"
			       "  selector: {matchLabels: {app: web}}\n"
			       "  template:\n"
			       "    metadata: {labels: {app: web, tier: front}}\n"
			       "    spec: {containers: [{name: web, image: nginx}]}\n"
			       "---\n"
			       "apiVersion: v1\n"
			       "kind: Pod\n"
			       "metadata: {name: lonely, namespace: shop, labels: {app: none}}\n"
			       "spec: {containers: [{name: a, image: busybox}]}\n";

struct both {
	char base[200], pol[300], out[300], kub[300], root[400];
};

static void both_setup(struct both *t)
{
	mkdir_temp(t->base, sizeof(t->base), "callers");
	snprintf(t->pol, sizeof(t->pol), "%s/policies", t->base);
	snprintf(t->out, sizeof(t->out), "%s/out", t->base);
	snprintf(t->kub, sizeof(t->kub), "%s/kubelet", t->base);
	snprintf(t->root, sizeof(t->root), "%s/seccomp/syscage", t->kub);
	ck_assert_int_eq(mkdir(t->pol, 0755), 0);
	ck_assert_int_eq(mkdir(t->out, 0755), 0);
	ck_assert_int_eq(mkdir(t->kub, 0755), 0);
}

/* `syscage policy build` on the policies directory (with the bindings it holds). */
static void run_build(struct both *t, size_t want_bindings)
{
	struct sc_policy_build *b = NULL;
	struct sc_diags d = {};
	int fd, r;

	r = sc_policy_load_dir(t->pol, &d, &b);
	print_diags(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(b->n_bindings, want_bindings);
	r = sc_policy_build_sets(b, b->bindings, b->n_bindings, &d);
	print_diags(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(sc_policy_build_merge(b, NULL, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	fd = open(t->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sc_policy_build_write(b, fd, NULL), 0);
	close(fd);
	sc_policy_build_free(b);
	sc_diags_clear(&d);
}

/* The agent's pass on the same directory. */
static void run_agent(struct both *t, struct sc_reconcile_result *res)
{
	struct sc_reconcile_opts o = { .policies_dir = t->pol,
				       .kubelet_root = t->kub,
				       .root = NULL,
				       .no_log_flag = true,
				       .threads = 1 };
	struct sc_reconciler *r = NULL;

	ck_assert_int_eq(sc_reconciler_new(&o, &r), 0);
	*res = (struct sc_reconcile_result){};
	ck_assert_int_eq(sc_reconcile(r, res), 0);
	if (res->n_rejected) {
		char *json = NULL;
		if (sc_reconciler_json(r, &json) == 0)
			fprintf(stderr, "# %s\n", json);
		free(json);
	}
	ck_assert_uint_eq(res->n_rejected, 0);
	sc_reconciler_free(r);
}

/* Both callers' file at 'rel' (below the output dir and the agent's root): they exist and
 * are the same bytes; returned parsed. */
static struct sc_profile *same_file(const struct both *t, const char *rel)
{
	char pa[800], pb[800];
	char *a, *b;
	struct sc_profile *p;

	snprintf(pa, sizeof(pa), "%s/%s", t->out, rel);
	snprintf(pb, sizeof(pb), "%s/%s", t->root, rel);
	a = slurp(pa);
	b = slurp(pb);
	ck_assert_msg(a != NULL, "policy build wrote no %s", rel);
	ck_assert_msg(b != NULL, "the agent installed no %s", rel);
	if (strcmp(a, b) != 0)
		fprintf(stderr, "# policy build:\n%s\n# agent:\n%s\n", a, b);
	ck_assert_str_eq(a, b);
	p = profile_of(a);
	free(a);
	free(b);
	return p;
}

START_TEST(three_callers_agree)
{
	char *allow = ka("web-allow", "shop", NULL, "{matchLabels: {app: web}}",
			 "read, write, close, exit_group", "Allow");
	char *block = ka("front-block", "shop", NULL,
			 "{matchExpressions: [{key: tier, operator: In, values: [front]}]}",
			 "write", "Block");
	char *base = ka("no-ptrace", "kube-system", "{syscage.dev/baseline: \"true\"}", "{}",
			"ptrace", "Block");
	struct sc_k8s_file *f = NULL;
	struct sc_policy_build *b = NULL;
	struct sc_reconcile_result res;
	struct sc_diags d = {};
	struct sc_profile *p;
	struct both t;
	size_t unmatched = 99;
	char *bindings = NULL;
	const char *rel = "shop/deployment_web.json";
	int r;

	both_setup(&t);
	test_put(t.pol, "allow.yaml", allow);
	test_put(t.pol, "block.yaml", block);
	test_put(t.pol, "baseline.yaml", base);

	/* `k8s bind`: the workload's path is the rule's, whatever selects it. */
	ck_assert_int_eq(sc_k8s_file_parse(manifest, strlen(manifest), "app.yaml", NULL, &d, &f),
			 0);
	ck_assert_uint_eq(f->n_workloads, 2);
	ck_assert_int_eq(sc_policy_load_dir(t.pol, &d, &b), 0);
	ck_assert_uint_eq(b->n_policies, 3);
	ck_assert_uint_eq(b->n_bindings, 0);
	r = sc_k8s_match(&f, 1, b, "syscage", &d, &unmatched);
	print_diags(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(unmatched, 1);
	ck_assert_str_eq(f->workloads[0].profile, "syscage/shop/deployment_web.json");
	ck_assert_ptr_null(f->workloads[1].profile); /* no policy selects it */
	ck_assert_int_ge(f->workloads[0].set, 0);
	/* Its members: both policies and the baseline. */
	ck_assert_uint_eq(b->sets[f->workloads[0].set].n_policies, 3);
	ck_assert_int_eq(sc_k8s_bindings(&f, 1, &bindings), 0);
	ck_assert(sc_bindings_detect(bindings, strlen(bindings)));
	test_put(t.pol, "bindings.yaml", bindings);
	sc_policy_build_free(b);
	b = NULL;

	/* 1: both policies and the baseline. */
	run_build(&t, 1);
	run_agent(&t, &res);
	ck_assert_uint_eq(res.n_bindings, 1);
	ck_assert_uint_eq(res.n_fallback, 0);
	p = same_file(&t, rel);
	ck_assert(!permits(p, "write"));  /* deny wins */
	ck_assert(!permits(p, "ptrace")); /* the baseline */
	ck_assert_int_eq(verdict(p, "read"), SC_ACT_ALLOW);
	ck_assert_int_eq(verdict(p, "close"), SC_ACT_ALLOW);
	ck_assert(!permits(p, "openat"));
	ck_assert_uint_eq(p->flags, 0); /* no_log_flag, and the build's NULL options */
	sc_profile_free(p);
	/* The policy sets' own profiles agree too. */
	sc_profile_free(same_file(&t, "shop/web-allow.json"));
	sc_profile_free(same_file(&t, "shop/front-block.json"));

	/* 2: the blocking policy deleted: same path, write allowed, ptrace still denied. */
	del(t.pol, "block.yaml");
	run_build(&t, 1);
	run_agent(&t, &res);
	ck_assert_uint_eq(res.n_bindings, 1);
	ck_assert_uint_eq(res.n_fallback, 0);
	p = same_file(&t, rel);
	ck_assert_int_eq(verdict(p, "write"), SC_ACT_ALLOW);
	ck_assert_int_eq(verdict(p, "read"), SC_ACT_ALLOW);
	ck_assert(!permits(p, "ptrace"));
	ck_assert(!permits(p, "openat"));
	sc_profile_free(p);

	/* 3: every policy but the baseline deleted: the fallback, at the same path. */
	del(t.pol, "allow.yaml");
	run_build(&t, 1);
	run_agent(&t, &res);
	ck_assert_uint_eq(res.n_bindings, 1);
	ck_assert_uint_eq(res.n_fallback, 1);
	p = same_file(&t, rel);
	ck_assert(!permits(p, "ptrace"));
	ck_assert_int_eq(verdict(p, "read"), SC_ACT_ALLOW);
	ck_assert_int_eq(verdict(p, "write"), SC_ACT_ALLOW);
	ck_assert(permits(p, "openat")); /* RuntimeDefault allows it */
	ck_assert(!permits(p, "mount"));
	ck_assert(!permits(p, "kexec_load"));
	sc_profile_free(p);
	/* The binding is still there for both: the workload keeps its path. */
	ck_assert_int_eq(sc_policy_load_dir(t.pol, &d, &b), 0);
	ck_assert_uint_eq(b->n_bindings, 1);
	ck_assert_str_eq(b->bindings[0].profile, "syscage/shop/deployment_web.json");
	sc_policy_build_free(b);

	sc_k8s_file_free(f);
	sc_diags_clear(&d);
	free(bindings);
	free(allow);
	free(block);
	free(base);
	test_rm_rf(t.base);
}
END_TEST

/* ---- members found on a second thread ------------------------------------------------- */

/* One match of 'text' against the policies in 'dir' with 'jobs' threads: each
 * workload's profile and its set's policies, one line each, in *ret. */
static int match_jobs(const char *dir, const char *text, unsigned jobs, size_t *ret_unmatched,
		      char **ret)
{
	struct sc_k8s_file *f = NULL;
	struct sc_policy_build *b = NULL;
	struct sc_diags d = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(sc_k8s_file_parse(text, strlen(text), "m.yaml", NULL, &d, &f), 0);
	ck_assert_int_eq(sc_policy_load_dir(dir, &d, &b), 0);
	b->jobs = jobs;
	r = sc_k8s_match(&f, 1, b, "syscage", &d, ret_unmatched);
	for (size_t i = 0; i < f->n_workloads; i++) {
		const struct sc_k8s_workload *w = &f->workloads[i];
		fprintf(out, "%s %s:", w->name, w->profile ? w->profile : "-");
		for (size_t k = 0; w->profile && k < b->sets[w->set].n_policies; k++)
			fprintf(out, " %s", b->policies[b->sets[w->set].policies[k]].name);
		fputc('\n', out);
	}
	for (size_t i = 0; i < d.n; i++)
		fprintf(out, "diag %u:%u %s\n", d.v[i].loc.line, d.v[i].loc.col, d.v[i].message);
	ck_assert_int_eq(fclose(out), 0);
	sc_policy_build_free(b);
	sc_k8s_file_free(f);
	sc_diags_clear(&d);
	*ret = buf;
	return r;
}

/* Bindings read from the policies directory, planned with 'jobs' threads: the result, each
 * binding's set path, and the messages, in *ret. */
static int plan_bindings_jobs(const char *dir, unsigned jobs, char **ret)
{
	struct sc_policy_build *b = NULL;
	struct sc_diags d = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(sc_policy_load_dir(dir, &d, &b), 0);
	ck_assert_uint_gt(b->n_bindings, 1000);
	b->jobs = jobs;
	r = sc_policy_build_sets(b, b->bindings, b->n_bindings, &d);
	for (size_t i = 0; r != -ENOMEM && i < b->n_bindings; i++)
		fprintf(out, "%s %zd %s\n", b->bindings[i].name, b->workload_set[i],
			b->workload_set[i] >= 0 ? b->sets[b->workload_set[i]].path : "-");
	for (size_t i = 0; i < d.n; i++)
		fprintf(out, "diag %s %u:%u %s\n", d.file ? d.file : "", d.v[i].loc.line,
			d.v[i].loc.col, d.v[i].message);
	ck_assert_int_eq(fclose(out), 0);
	sc_policy_build_free(b);
	sc_diags_clear(&d);
	*ret = buf;
	return r;
}

/* ka()'s policy written to DIR/NAME.yaml. */
static void put_ka(const char *dir, const char *name, const char *ns, const char *selector,
		   const char *calls, const char *action)
{
	char file[128];
	char *t = ka(name, ns, NULL, selector, calls, action);

	snprintf(file, sizeof(file), "%s.yaml", name);
	test_put(dir, file, t);
	free(t);
}

/* With many workloads, the later workloads' members are found on a thread of their own
 * (sc_policy_build_sets with jobs > 1): the same sets, members, messages and counts as one
 * thread finds, for `k8s bind`'s workloads and for bindings read from the directory, where a
 * binding in the thread's part names a policy its namespace does not have. */
START_TEST(members_on_two_threads)
{
	char base[128], pol[160];
	char *one = NULL, *two = NULL, *bindings = NULL;
	struct sc_k8s_file *f = NULL;
	struct sc_diags d = {};
	size_t u1 = 0, u2 = 0;
	struct sc_policy_build *b = NULL;
	char *m = NULL;
	size_t ml = 0;
	FILE *mf = open_memstream(&m, &ml);
	static const char *const ns[] = { "a", "b" };

	mkdir_temp(base, sizeof(base), "ahead");
	snprintf(pol, sizeof(pol), "%s/policies", base);
	ck_assert_int_eq(mkdir(pol, 0755), 0);
	for (size_t n = 0; n < 2; n++) {
		char name[64], sel[64];
		for (int k = 0; k < 5; k++) {
			snprintf(name, sizeof(name), "p%s-%d", ns[n], k);
			snprintf(sel, sizeof(sel), "{matchLabels: {app: w%d}}", k);
			put_ka(pol, name, ns[n], sel, "read, write", "Allow");
		}
		snprintf(name, sizeof(name), "front-%s", ns[n]);
		put_ka(pol, name, ns[n],
		       "{matchExpressions: [{key: tier, operator: In, values: [front]}, "
		       "{key: canary, operator: DoesNotExist}]}",
		       "ptrace", "Block");
		snprintf(name, sizeof(name), "canary-%s", ns[n]);
		put_ka(pol, name, ns[n],
		       "{matchLabels: {app: w1}, matchExpressions: [{key: canary, operator: "
		       "Exists}]}",
		       "mount", "Block");
	}
	ck_assert_ptr_nonnull(mf);
	/* 1,400 workloads: some selected by none, by one, by several. */
	for (size_t i = 0; i < 1400; i++)
		fprintf(mf,
			"---\nkind: Pod\nmetadata:\n  name: w%04zu\n  namespace: %s\n  labels: "
			"{app: w%zu, tier: %s%s}\nspec:\n  containers: [{name: a}]\n",
			i, ns[i % 2], i % 6, i % 3 ? "back" : "front",
			i % 7 ? "" : ", canary: \"1\"");
	ck_assert_int_eq(fclose(mf), 0);

	ck_assert_int_eq(match_jobs(pol, m, 1, &u1, &one), 0);
	ck_assert_int_eq(match_jobs(pol, m, 2, &u2, &two), 0);
	ck_assert_uint_gt(u1, 0);
	ck_assert_uint_eq(u1, u2);
	ck_assert_str_eq(one, two);
	ck_assert_ptr_nonnull(strstr(one, "\nw0005 -:\n")); /* selected by none */
	ck_assert_ptr_nonnull(strstr(one, "\nw0007 syscage/b/pod_w0007.json: canary-b pb-1\n"));
	/* the thread's half: app w3, tier front */
	ck_assert_ptr_nonnull(strstr(one, "\nw1395 syscage/b/pod_w1395.json: front-b pb-3\n"));
	free(one);
	free(two);

	/* Two workloads in the thread's half (their files are made there too) whose names make
	 * no file name, a good one between them: the same errors, in order. */
	{
		char *bad = NULL;
		ck_assert_int_ge(
			asprintf(&bad,
				 "%s---\nkind: Pod\nmetadata:\n  name: %s\n  namespace: a\n"
				 "  labels: {app: w1}\nspec:\n  containers: [{name: a}]\n"
				 "---\nkind: Pod\nmetadata:\n  name: w9999\n  namespace: a\n"
				 "  labels: {app: w2}\nspec:\n  containers: [{name: a}]\n"
				 "---\nkind: Pod\nmetadata:\n  name: %s\n  namespace: b\n"
				 "  labels: {app: w3}\nspec:\n  containers: [{name: a}]\n",
				 m, "x.-y", "a..b"),
			0);
		ck_assert_int_eq(match_jobs(pol, bad, 1, &u1, &one), -EINVAL);
		ck_assert_int_eq(match_jobs(pol, bad, 2, &u2, &two), -EINVAL);
		ck_assert_str_eq(one, two);
		/* 1,400 documents of 8 lines, then these: their "kind" lines */
		ck_assert_ptr_nonnull(strstr(
			one, "diag 11202:1 Pod a/x.-y: not a name a profile can be installed "
			     "under\ndiag 11218:1 Pod b/a..b: not a name a profile can be "
			     "installed under\n"));
		free(bad);
		free(one);
		free(two);
	}

	/* The bindings of that match in the directory, and one more at the end (the thread's
	 * half) naming a policy namespace b does not have. */
	ck_assert_int_eq(sc_k8s_file_parse(m, strlen(m), "m.yaml", NULL, &d, &f), 0);
	ck_assert_int_eq(sc_policy_load_dir(pol, &d, &b), 0);
	ck_assert_int_eq(sc_k8s_match(&f, 1, b, "syscage", &d, NULL), 0);
	ck_assert_int_eq(sc_k8s_bindings(&f, 1, &bindings), 0);
	test_put(pol, "bindings.yaml", bindings);
	test_put(pol, "zz-bindings.yaml",
		 "apiVersion: syscage.dev/v1alpha1\nkind: SeccompBinding\n"
		 "metadata: {name: zz, namespace: b}\nspec:\n  workload: {kind: Pod, name: zz}\n"
		 "  podLabels: {app: w1}\n  policies: [nope]\n"
		 "  localhostProfile: syscage/b/pod_zz.json\n");
	ck_assert_int_eq(plan_bindings_jobs(pol, 1, &one), -EINVAL);
	ck_assert_int_eq(plan_bindings_jobs(pol, 2, &two), -EINVAL);
	ck_assert_str_eq(one, two);
	ck_assert_ptr_nonnull(strstr(one, "names policy 'nope', which namespace b does not have"));
	free(one);
	free(two);

	sc_policy_build_free(b);
	sc_k8s_file_free(f);
	sc_diags_clear(&d);
	free(bindings);
	free(m);
	test_rm_rf(base);
}
END_TEST

/* A workload whose name only fits hashed: the rule's path is one all three accept. */
START_TEST(three_callers_long_name)
{
	static const size_t shape[] = { 60, 60, 63, 63, 3 };
	char *allow = ka("web-allow", "shop", NULL, "{matchLabels: {app: web}}",
			 "read, write, close, exit_group", "Allow");
	char *name = dotted(shape, ELEMENTSOF(shape)), *text = NULL, *want = NULL, *rel;
	char *bindings = NULL;
	struct sc_k8s_file *f = NULL;
	struct sc_policy_build *b = NULL;
	struct sc_reconcile_result res;
	struct sc_diags d = {};
	struct both t;
	int r;

	ck_assert_uint_eq(strlen(name), 253);
	ck_assert_int_ge(asprintf(&text,
				  "kind: Deployment\nmetadata: {name: %s, namespace: shop}\n"
				  "spec:\n  template:\n    metadata: {labels: {app: web}}\n"
				  "    spec: {containers: [{name: a, image: i}]}\n",
				  name),
			 0);
	both_setup(&t);
	test_put(t.pol, "allow.yaml", allow);
	ck_assert_int_eq(sc_k8s_file_parse(text, strlen(text), "app.yaml", NULL, &d, &f), 0);
	ck_assert_int_eq(sc_policy_load_dir(t.pol, &d, &b), 0);
	r = sc_k8s_match(&f, 1, b, "syscage", &d, NULL);
	print_diags(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(sc_binding_path("syscage", "shop", "Deployment", name, &want), 0);
	ck_assert_str_eq(f->workloads[0].profile, want);
	ck_assert_int_eq(sc_k8s_bindings(&f, 1, &bindings), 0);
	test_put(t.pol, "bindings.yaml", bindings);
	sc_policy_build_free(b);

	run_build(&t, 1);
	run_agent(&t, &res);
	ck_assert_uint_eq(res.n_bindings, 1);
	rel = want + strlen("syscage/");
	{
		struct sc_profile *p = same_file(&t, rel);
		ck_assert(permits(p, "write"));
		ck_assert(!permits(p, "openat"));
		sc_profile_free(p);
	}

	sc_k8s_file_free(f);
	sc_diags_clear(&d);
	free(bindings);
	free(want);
	free(text);
	free(name);
	free(allow);
	test_rm_rf(t.base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("binding");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, file_name_and_path);
	tcase_add_test(tc, file_name_long);
	tcase_add_test(tc, file_valid);
	tcase_add_test(tc, profile_check);
	tcase_add_test(tc, detect);
	tcase_add_test(tc, write_read_round_trip);
	tcase_add_test(tc, read_defaults);
	tcase_add_test(tc, read_errors);
	tcase_add_test(tc, canonical_matches_agree);
	tcase_add_test(tc, members);
	tcase_add_test(tc, set_profile_merge);
	tcase_add_test(tc, set_profile_fallback);
	tcase_add_test(tc, set_profile_options);
	tcase_add_test(tc, baseline_removed_and_fatal);
	tcase_add_test(tc, policy_set_name);
	tcase_add_test(tc, three_callers_agree);
	tcase_add_test(tc, three_callers_long_name);
	tcase_add_test(tc, members_on_two_threads);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
