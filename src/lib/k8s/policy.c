/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the policy layer: workload lists, reading a directory of policies, and the policy
 * build's output (merged profiles + index); selectors are selector.c's, the sets between
 * policy-sets.c's. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/install.h"
#include "syscage/merge.h"
#include "syscage/policy.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "k8s/binding-packed.h"
#include "k8s/index.h"
#include "k8s/policy-internal.h"
#include "base/hash.h"
#include "macro.h"
#include "base/yaml.h"

#define MAX_POLICY_FILE SC_PROFILE_MAX_INPUT
#define MAX_DEPTH	32
#define MAX_NAME	240 /* leaves room for "-<hash>.json" within NAME_MAX */

/* ---- workloads ------------------------------------------------------------------------ */

void sc_workloads_free(struct sc_workload *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++) {
		free(w[i].kind);
		free(w[i].namespace);
		free(w[i].name);
		for (size_t k = 0; k < w[i].n_labels; k++) {
			free(w[i].labels[k].key);
			free(w[i].labels[k].value);
		}
		free(w[i].labels);
	}
	free(w);
}

static struct fy_node *lookup(struct fy_node *map, const char *key)
{
	if (!map || !fy_node_is_mapping(map))
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

static const char *scalar(struct fy_node *n)
{
	return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static int read_labels(struct fy_node *map, struct sc_workload *w)
{
	struct fy_node_pair *pair;
	void *it = NULL;
	int n = fy_node_mapping_item_count(map);

	if (n <= 0)
		return 0;
	w->labels = calloc((size_t)n, sizeof(*w->labels));
	if (!w->labels)
		return -ENOMEM;
	while ((pair = fy_node_mapping_iterate(map, &it))) {
		const char *k = scalar(fy_node_pair_key(pair));
		const char *v = scalar(fy_node_pair_value(pair));
		if (!k || !v)
			return -EINVAL;
		w->labels[w->n_labels].key = strdup(k);
		w->labels[w->n_labels].value = strdup(v);
		w->n_labels++;
		if (!w->labels[w->n_labels - 1].key || !w->labels[w->n_labels - 1].value)
			return -ENOMEM;
	}
	return 0;
}

static int read_workload(struct fy_node *n, struct sc_workload *w, const char **ret_err)
{
	struct fy_node *meta = lookup(n, "metadata"), *labels;
	const char *ns, *name;

	if (!n || !fy_node_is_mapping(n)) {
		*ret_err = "expected a mapping";
		return -EINVAL;
	}
	if (meta) {
		/* A Kubernetes object: its pod template's labels if it has one. */
		struct fy_node *tmpl = lookup(lookup(n, "spec"), "template");
		struct fy_node *job = lookup(lookup(lookup(n, "spec"), "jobTemplate"), "spec");
		if (!tmpl && job)
			tmpl = lookup(job, "template");
		ns = scalar(lookup(meta, "namespace"));
		name = scalar(lookup(meta, "name"));
		labels = tmpl ? lookup(lookup(tmpl, "metadata"), "labels") : lookup(meta, "labels");
	} else {
		ns = scalar(lookup(n, "namespace"));
		name = scalar(lookup(n, "name"));
		labels = lookup(n, "labels");
	}
	if (!name) {
		*ret_err = "workload without 'name'";
		return -EINVAL;
	}
	if (ns && !sc_dns1123_label_valid(ns)) {
		*ret_err = "namespace is not a DNS-1123 label";
		return -EINVAL;
	}
	w->namespace = strdup(ns ? ns : "default");
	w->name = strdup(name);
	w->kind = strdup(scalar(lookup(n, "kind")) ? scalar(lookup(n, "kind")) : "Pod");
	if (!w->namespace || !w->name || !w->kind)
		return -ENOMEM;
	if (labels && !fy_node_is_mapping(labels)) {
		*ret_err = "'labels' must be a mapping of strings";
		return -EINVAL;
	}
	if (labels) {
		int r = read_labels(labels, w);
		if (r == -EINVAL)
			*ret_err = "'labels' must be a mapping of strings";
		return r;
	}
	return 0;
}

int sc_workloads_read(const char *buf, size_t len, const char *file, struct sc_diags *d,
		      struct sc_workload **ret, size_t *ret_n)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_document *doc;
	struct fy_node *root, *seq, *it;
	struct sc_workload *w = NULL;
	size_t n = 0;
	void *iter = NULL;
	const char *saved = d ? d->file : NULL;
	int r = 0, count;

	/* Collect libfyaml's messages instead of letting it print them. */
	diag = sc_yaml_quiet_diag(true);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	doc = sc_yaml_build_document(&cfg, buf, len);
	if (d)
		d->file = file;
	if (!doc) {
		struct sc_loc loc = { 0, 0 };
		const char *msg = "not valid YAML or JSON";
		(void)sc_yaml_first_error(diag, &loc, &msg);
		if (d)
			(void)sc_diags_add(d, SC_SEV_ERROR, loc, "syntax error: %s", msg);
		r = -EINVAL;
		goto out;
	}
	root = fy_document_root(doc);
	seq = root && fy_node_is_sequence(root) ? root : lookup(root, "workloads");
	if (!seq)
		seq = lookup(root, "items");
	if (!seq || !fy_node_is_sequence(seq)) {
		if (d)
			(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 1, 1 },
					   "expected a list of workloads ({namespace, name, "
					   "labels}), 'workloads:' or a Kubernetes List");
		r = -EINVAL;
		goto out;
	}
	count = fy_node_sequence_item_count(seq);
	w = calloc(count > 0 ? (size_t)count : 1, sizeof(*w));
	if (!w) {
		r = -ENOMEM;
		goto out;
	}
	while ((it = fy_node_sequence_iterate(seq, &iter))) {
		const char *err = NULL;
		int q = read_workload(it, &w[n], &err);
		n++;
		if (q == -ENOMEM) {
			r = q;
			goto out;
		}
		if (q < 0) {
			if (d)
				(void)sc_diags_add(
					d, SC_SEV_ERROR, (struct sc_loc){ 0, 0 },
					"workload %zu%s%s: %s", n, w[n - 1].name ? " " : "",
					w[n - 1].name ? w[n - 1].name : "", err ? err : "invalid");
			r = -EINVAL;
		}
	}
out:
	if (doc)
		fy_document_destroy(doc);
	fy_diag_destroy(diag);
	if (d)
		d->file = saved;
	if (r < 0) {
		sc_workloads_free(w, n);
		return r;
	}
	*ret = w;
	*ret_n = n;
	return 0;
}

/* ---- loading a directory -------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_policy_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && streq(name + n - 5, ".json")) || (n > 5 && streq(name + n - 5, ".yaml")) ||
	       (n > 4 && streq(name + n - 4, ".yml"));
}

static int add_policy(struct sc_policy_build *b, struct sc_profile *p, const char *path)
{
	struct sc_policy *v = reallocarray(b->policies, b->n_policies + 1, sizeof(*v));
	struct sc_policy *x;

	if (!v)
		return -ENOMEM;
	b->policies = v;
	x = &b->policies[b->n_policies];
	*x = (struct sc_policy){ .profile = p };
	x->file = strdup(path);
	if (!x->file)
		return -ENOMEM;
	b->n_policies++;
	return 0;
}

static int read_one_file(struct sc_policy_build *b, const char *path, struct sc_diags *d)
{
	cleanup_free char *buf = NULL;
	struct sc_profile **v = NULL;
	size_t len = 0, n = 0;
	int r;

	r = sc_read_file(path, MAX_POLICY_FILE, &buf, &len);
	if (r < 0) {
		(void)sc_diags_cannot_read(d, path, strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	if (sc_bindings_detect(buf, len)) {
		/* Packed: a file's bindings in one block that starts with the file's path, which
		 * every one of them has as its binding_files entry (sc_policy_build_free frees
		 * each block once). 10,000 bindings: 2 MiB, not 6. */
		struct sc_binding *bv = NULL, *nb;
		char **nf, *block = NULL;
		size_t nbv = 0;
		r = sc_bindings_read_packed(buf, len, path, path, d, &bv, &nbv, &block);
		if (r < 0)
			return r == -ENOMEM ? r : -EINVAL;
		nb = reallocarray(b->bindings, b->n_bindings + nbv + 1, sizeof(*nb));
		if (nb)
			b->bindings = nb;
		nf = reallocarray(b->binding_files, b->n_bindings + nbv + 1, sizeof(*nf));
		if (nf)
			b->binding_files = nf;
		if (!nb || !nf || nbv == 0) {
			free(bv);
			free(block);
			return nbv == 0 ? 0 : -ENOMEM;
		}
		for (size_t i = 0; i < nbv; i++) {
			b->bindings[b->n_bindings] = bv[i];
			b->binding_files[b->n_bindings++] = block;
		}
		free(bv);
		return 0;
	}
	r = sc_profile_read_all(buf, len, path, d, &v, &n);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (r >= 0)
			r = add_policy(b, v[i], path);
		if (r < 0)
			sc_profile_free(v[i]);
	}
	free(v);
	return r < 0 ? r : 0;
}

/* A FIFO, socket or device under a policy's name (itself or a link's target) is never read
 * (a FIFO would block, a device feed it for good): an error that says what it is, where
 * skipping it would drop a policy unsaid. Returns -EINVAL, or -ENOMEM. */
static int not_regular(const char *path, const struct stat *st, struct sc_diags *d)
{
	return sc_diags_add_file(d, path, SC_SEV_ERROR,
				 "%s, not a regular file: not read (a policy is a regular "
				 "file: remove it, or put the policy's text there)",
				 sc_file_type_name(st->st_mode)) < 0
		       ? -ENOMEM
		       : -EINVAL;
}

static int walk(struct sc_policy_build *b, const char *dir, unsigned depth, struct sc_diags *d)
{
	DIR *dh;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int r = 0, err = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((de = readdir(dh))) {
		char **v;
		if (de->d_name[0] == '.')
			continue;
		v = reallocarray(names, n + 1, sizeof(*v));
		if (!v || !(v[n] = strdup(de->d_name))) {
			names = v ? v : names;
			r = -ENOMEM;
			break;
		}
		names = v;
		n++;
	}
	closedir(dh);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; r == 0 && i < n; i++) {
		cleanup_free char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int q = walk(b, path, depth + 1, d);
			if (q == -ENOMEM)
				r = q;
			else if (q < 0)
				err = q;
			continue;
		}
		if (S_ISLNK(st.st_mode) && (stat(path, &st) < 0 || S_ISDIR(st.st_mode)))
			continue; /* dangling, or a symlinked directory: not followed */
		if (!has_policy_ext(names[i]))
			continue;
		int q = S_ISREG(st.st_mode) ? read_one_file(b, path, d) : not_regular(path, &st, d);
		if (q == -ENOMEM)
			r = q;
		else if (q < 0)
			err = q;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r < 0 ? r : err;
}

static int cmp_policy_ident(const void *a, const void *b)
{
	const struct sc_policy *x = *(const struct sc_policy *const *)a;
	const struct sc_policy *y = *(const struct sc_policy *const *)b;
	int c;

	if (x->selects != y->selects)
		return x->selects ? -1 : 1;
	c = strcmp(x->namespace, y->namespace);
	return c ? c : strcmp(x->name, y->name);
}

/* The name of an OCI profile: its file name without extension. Owned by the profile meta. */
static int oci_name(struct sc_policy *p)
{
	const char *base = strrchr(p->file, '/');
	char *s, *dot;

	base = base ? base + 1 : p->file;
	s = strdup(base);
	if (!s)
		return -ENOMEM;
	dot = strrchr(s, '.');
	if (dot)
		*dot = '\0';
	p->profile->meta.name = s;
	return 0;
}

static int validate_policies(struct sc_policy_build *b, struct sc_diags *d)
{
	cleanup_free struct sc_policy **sorted = NULL;
	const char *saved = d->file;
	int errors = 0, r;

	for (size_t i = 0; i < b->n_policies; i++) {
		struct sc_policy *p = &b->policies[i];
		struct sc_meta *m = &p->profile->meta;

		p->selects = m->format == SC_FORMAT_KUBEARMOR;
		if (!m->name && m->format == SC_FORMAT_OCI && (r = oci_name(p)) < 0)
			return r;
		p->name = m->name;
		p->namespace = m->namespace ? m->namespace : "default";
		d->file = p->file;
		if (!p->name) {
			(void)sc_diags_add(d, SC_SEV_ERROR, p->profile->loc,
					   "%s without metadata.name",
					   sc_format_kind(p->profile->meta.format));
			errors++;
			continue;
		}
		if (!sc_dns1123_label_valid(p->namespace)) {
			(void)sc_diags_add(d, SC_SEV_ERROR, p->profile->loc,
					   "namespace '%s' is not a DNS-1123 label (lowercase "
					   "letters, digits and '-', at most 63)",
					   p->namespace);
			errors++;
		}
		if (!sc_dns1123_subdomain_valid(p->name) || strlen(p->name) > MAX_NAME) {
			(void)sc_diags_add(
				d, SC_SEV_ERROR, p->profile->loc,
				"%s name '%s' is not a DNS-1123 name (lowercase letters, "
				"digits, '-' and '.', at most %d); it becomes a file name%s",
				sc_format_kind(p->profile->meta.format), p->name, MAX_NAME,
				m->format == SC_FORMAT_OCI ? ": rename the file" : "");
			errors++;
		}
		if (p->selects)
			errors += sc_selector_validate(m, d, p->profile->loc);
		if (m->baseline) {
			const char *vital = sc_baseline_fatal(p->profile);
			if (vital) {
				(void)sc_diags_add(
					d, SC_SEV_ERROR, p->profile->loc,
					"baseline %s %s denies %s: every pod would die; "
					"a baseline may only take away what workloads can "
					"do without",
					sc_format_kind(p->profile->meta.format), p->name, vital);
				errors++;
			}
		}
	}
	d->file = saved;
	if (errors)
		return -EINVAL;
	sorted = calloc(b->n_policies ? b->n_policies : 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_policies; i++)
		sorted[i] = &b->policies[i];
	qsort(sorted, b->n_policies, sizeof(*sorted), cmp_policy_ident);
	for (size_t i = 1; i < b->n_policies; i++)
		if (cmp_policy_ident(&sorted[i - 1], &sorted[i]) == 0) {
			d->file = sorted[i]->file;
			(void)sc_diags_add(d, SC_SEV_ERROR, sorted[i]->profile->loc,
					   "duplicate %s %s/%s (also in %s)",
					   sc_format_kind(sorted[i]->profile->meta.format),
					   sorted[i]->namespace, sorted[i]->name,
					   sorted[i - 1]->file);
			d->file = saved;
			errors++;
		}
	return errors ? -EINVAL : 0;
}

int sc_policy_load_dir(const char *dir, struct sc_diags *d, struct sc_policy_build **ret)
{
	struct sc_policy_build *b = calloc(1, sizeof(*b));
	struct stat st;
	int r;

	if (!b)
		return -ENOMEM;
	if (stat(dir, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
		goto fail;
	}
	r = walk(b, dir, 0, d);
	if (r < 0)
		goto fail;
	r = validate_policies(b, d);
	if (r < 0)
		goto fail;
	*ret = b;
	return 0;
fail:
	sc_policy_build_free(b);
	return r;
}

/* ---- output --------------------------------------------------------------------------- */

int sc_policy_build_index(const struct sc_policy_build *b, char **ret)
{
	struct sc_index_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	sc_index_begin(&w, f, b->workload_set ? "workloads" : "targets", NULL);
	for (size_t i = 0; i < b->n_sets; i++) {
		const struct sc_policy_set *s = &b->sets[i];
		sc_index_set(&w, s->namespace, s->name, s->path, false);
		for (size_t k = 0; k < s->n_policies; k++) {
			const struct sc_policy *p = &b->policies[s->policies[k]];
			const char *kind = sc_format_kind(p->profile->meta.format);
			sc_index_policy(&w, kind, strlen(kind), p->name, p->file,
					p->profile->meta.baseline,
					p->selects ? &p->profile->meta : NULL);
		}
		if (s->n_workloads) {
			const struct sc_binding *wl = &b->workloads[s->workloads[0]];
			sc_index_set_end(&w, wl->kind, wl->name, s->fallback);
		} else {
			sc_index_set_end(&w, NULL, NULL, false);
		}
	}
	for (size_t i = 0; b->workload_set && i < b->n_workloads; i++)
		if (b->workload_set[i] < 0)
			sc_index_unmatched(&w, b->workloads[i].namespace, b->workloads[i].kind,
					   b->workloads[i].name);
	sc_index_end(&w, b->workload_set != NULL);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

/* The OCI JSON of a merged profile, written directly: the libfyaml emitter costs more than
 * everything else in a build of thousands of sets. Profiles with Docker-only fields or a
 * listener go through sc_profile_write_string. Rules keep the merge's order (restrictive
 * first), which is what the first-matching-rule semantics of conditional rules need. */
static bool fast_json_ok(const struct sc_profile *p)
{
	if (p->n_arch_map || p->listener_path || p->listener_metadata)
		return false;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		if (r->includes.n_caps || r->includes.n_arches || r->includes.min_kernel ||
		    r->excludes.n_caps || r->excludes.n_arches || r->excludes.min_kernel ||
		    !sc_action_to_string(r->action))
			return false;
		for (size_t k = 0; k < r->n_args; k++)
			if (!sc_cmp_to_string(r->args[k].op))
				return false;
	}
	return sc_action_to_string(p->default_action) != NULL;
}

static int profile_json(const struct sc_profile *p, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!fast_json_ok(p))
		return sc_profile_write_string(p, SC_FORMAT_OCI, ret);
	f = sc_memstream_open(&buf, &len);
	if (!f)
		return -ENOMEM;
	/* Only this thread writes to it: no stdio locking per call. */
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	fprintf(f, "{\n  \"defaultAction\": \"%s\"", sc_action_to_string(p->default_action));
	if (p->has_default_errno)
		fprintf(f, ",\n  \"defaultErrnoRet\": %u", p->default_errno);
	if (p->n_arches) {
		fputs(",\n  \"architectures\": [", f);
		for (size_t i = 0; i < p->n_arches; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "",
				sc_arch_info(p->arches[i])->scmp_name);
		fputc(']', f);
	}
	if (p->flags) {
		bool first = true;
		fputs(",\n  \"flags\": [", f);
		for (unsigned b = 0; b < 32; b++)
			if ((p->flags & (1u << b)) && sc_flag_to_string(1u << b)) {
				fprintf(f, "%s\"%s\"", first ? "" : ", ",
					sc_flag_to_string(1u << b));
				first = false;
			}
		fputc(']', f);
	}
	fputs(",\n  \"syscalls\": [", f);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		fputs(i ? ",\n    {\"names\": [" : "\n    {\"names\": [", f);
		for (size_t k = 0; k < r->n_names; k++) {
			fputs(k ? ", " : "", f);
			sc_json_text(f, r->names[k]);
		}
		fprintf(f, "], \"action\": \"%s\"", sc_action_to_string(r->action));
		if (r->has_errno)
			fprintf(f, ", \"errnoRet\": %u", r->errno_ret);
		if (r->n_args) {
			fputs(", \"args\": [", f);
			for (size_t k = 0; k < r->n_args; k++)
				fprintf(f,
					"%s{\"index\": %u, \"value\": %llu, \"valueTwo\": %llu, "
					"\"op\": \"%s\"}",
					k ? ", " : "", r->args[k].index,
					(unsigned long long)r->args[k].value,
					(unsigned long long)r->args[k].value_two,
					sc_cmp_to_string(r->args[k].op));
			fputc(']', f);
		}
		fputc('}', f);
	}
	fputs(p->n_rules ? "\n  ]\n}\n" : "]\n}\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int sc_policy_profile_json(const struct sc_profile *p, char **ret)
{
	return profile_json(p, ret);
}

static int open_subdir(int dirfd, const char *name)
{
	int fd;

	if (!sc_dns1123_label_valid(name))
		return -EINVAL;
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Every set's profile into 'batch', under <outdir>/<namespace>/. */
static int write_sets(const struct sc_policy_build *b, int outdir_fd, struct sc_write_batch *batch,
		      unsigned *written)
{
	cleanup_close int nsfd = -1;
	const char *cur_ns = NULL;
	bool unchanged;
	int r;

	for (size_t i = 0; i < b->n_sets; i++) {
		const struct sc_policy_set *s = &b->sets[i];
		cleanup_free char *text = NULL, *file = NULL;

		if (!s->profile)
			return -EINVAL;
		if (!cur_ns || !streq(cur_ns, s->namespace)) {
			if (nsfd >= 0)
				(void)close(TAKE_FD(nsfd));
			nsfd = open_subdir(outdir_fd, s->namespace);
			if (nsfd < 0)
				return nsfd;
			cur_ns = s->namespace;
		}
		if (asprintf(&file, "%s.json", s->name) < 0)
			return -ENOMEM;
		if (!sc_binding_file_valid(file))
			return -EINVAL;
		r = profile_json(s->profile, &text);
		if (r < 0)
			return r;
		r = sc_write_batch_add(batch, nsfd, file, text, strlen(text), 0644, &unchanged);
		if (r < 0)
			return r;
		*written += !unchanged;
	}
	return 0;
}

int sc_policy_build_write(const struct sc_policy_build *b, int outdir_fd, unsigned *ret_written)
{
	cleanup_free char *index = NULL;
	struct sc_write_batch *batch = NULL;
	unsigned written = 0;
	bool unchanged;
	int r;

	/* Profiles in one batch (one sync, not one per file), then the index that lists them. */
	r = sc_write_batch_new(&batch);
	if (r < 0)
		return r;
	r = write_sets(b, outdir_fd, batch, &written);
	if (r == 0)
		r = sc_write_batch_commit(batch);
	sc_write_batch_free(batch);
	if (r < 0)
		return r;
	r = sc_policy_build_index(b, &index);
	if (r < 0)
		return r;
	r = sc_write_atomic_at(outdir_fd, "index.json", index, strlen(index), 0644, &unchanged);
	if (r < 0)
		return r;
	written += !unchanged;
	if (ret_written)
		*ret_written = written;
	return 0;
}

/* What an old index lists and this build no longer produces. */
struct stale {
	const struct sc_policy_build *b;
	char **paths; /* "<namespace>/<name>.json" */
	size_t n;
};

static int stale_set(const struct sc_index_set *s, void *userdata)
{
	struct stale *st = userdata;
	char **v;

	for (size_t i = 0; i < st->b->n_sets; i++)
		if (streq(st->b->sets[i].path, s->path))
			return 0;
	v = reallocarray(st->paths, st->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->paths = v;
	v[st->n] = strdup(s->path);
	if (!v[st->n])
		return -ENOMEM;
	st->n++;
	return 0;
}

int sc_policy_build_prune(const struct sc_policy_build *b, int outdir_fd, const char *old_index,
			  size_t len, unsigned *ret_removed)
{
	struct stale st = { .b = b };
	unsigned removed = 0;
	size_t n;
	int r;

	/* Only what an index of ours names, in the shape we write (the reader checks), and
	 * nothing at all from an index that is not readable to its end. */
	r = sc_index_read_buffer(old_index, len, stale_set, &st);
	n = r == 0 ? st.n : 0;
	for (size_t i = 0; i < n; i++) {
		char *slash = strchr(st.paths[i], '/');
		cleanup_close int nsfd = -1;

		*slash = '\0';
		nsfd = openat(outdir_fd, st.paths[i],
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nsfd < 0)
			continue;
		if (unlinkat(nsfd, slash + 1, 0) == 0)
			removed++;
		else if (errno != ENOENT)
			r = -errno;
	}
	for (size_t i = 0; i < st.n; i++)
		free(st.paths[i]);
	free(st.paths);
	if (ret_removed)
		*ret_removed = removed;
	return r;
}

void sc_policy_build_reset(struct sc_policy_build *b)
{
	for (size_t i = 0; i < b->n_sets; i++)
		policy_set_clear(&b->sets[i]);
	free(b->sets);
	b->sets = NULL;
	b->n_sets = 0;
	free(b->workload_set);
	b->workload_set = NULL;
	b->workloads = NULL;
	b->n_workloads = b->n_unmatched = b->n_shadowed = 0;
}

struct sc_policy_build *sc_policy_build_free(struct sc_policy_build *b)
{
	if (!b)
		return NULL;
	for (size_t i = 0; i < b->n_policies; i++) {
		sc_profile_free(b->policies[i].profile);
		free(b->policies[i].file);
	}
	free(b->policies);
	for (size_t i = 0; i < b->n_sets; i++)
		policy_set_clear(&b->sets[i]);
	free(b->sets);
	free(b->workload_set);
	/* Bindings are packed per file, in the block their binding_files entry points at. */
	free(b->bindings);
	for (size_t i = 0; i < b->n_bindings; i++)
		if (i == 0 || b->binding_files[i] != b->binding_files[i - 1])
			free(b->binding_files[i]);
	free(b->binding_files);
	free(b);
	return NULL;
}
