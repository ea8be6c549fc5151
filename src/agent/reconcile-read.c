/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading the policies: collecting the files of the policies directory, judging each
 * (parse, names, syscalls, selectors) and loading them on every CPU with the per-file cache. */
#include "agent/reconcile-internal.h"

/* ---- reading the policies ---------------------------------------------------------- */

static bool has_policy_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && streq(name + n - 5, ".json")) || (n > 5 && streq(name + n - 5, ".yaml")) ||
	       (n > 4 && streq(name + n - 4, ".yml"));
}

static int cmp_cfile_path(const void *a, const void *b)
{
	return strcmp((const char *)a, ((const struct cfile *)b)->path);
}

/* Whether a link's target stays below the directory it is in: relative, and no component
 * is "..". */
static bool target_beneath(const char *t)
{
	if (t[0] == '/' || !t[0])
		return false;
	for (const char *p = t; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n + (p[n] == '/');
	}
	return true;
}

/* rc_open_beneath without openat2: symbolic links are followed by hand, each target checked
 * to stay below (the kubelet's "key -> ..data/key", "..data -> ..2026_..."), at most 8. A link
 * inside a path ('a/b' with 'a' a link) is not followed. */
static int open_beneath_by_hand(int dirfd, const char *rel, int flags)
{
	char cur[PATH_MAX], link[PATH_MAX];

	if ((size_t)snprintf(cur, sizeof(cur), "%s", rel) >= sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int hop = 0; hop < 8; hop++) {
		int fd = openat(dirfd, cur, flags | O_NOFOLLOW);
		if (fd >= 0 || errno != ELOOP)
			return fd;
		ssize_t n = readlinkat(dirfd, cur, link, sizeof(link) - 1);
		if (n < 0) {
			errno = ELOOP;
			return -1;
		}
		link[n] = '\0';
		if (!target_beneath(link)) {
			errno = EXDEV; /* what RESOLVE_BENEATH says for a way out */
			return -1;
		}
		char *slash = strrchr(cur, '/');
		size_t keep = slash ? (size_t)(slash - cur) + 1 : 0;
		if (keep + (size_t)n + 1 > sizeof(cur)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(cur + keep, link, (size_t)n + 1);
	}
	errno = ELOOP;
	return -1;
}

/* Open 'rel' below 'dirfd', following symbolic links only while they stay below it (a key
 * of a ConfigMap is one, into ..data; /etc/shadow is not). Where openat2 is missing (Linux
 * < 5.6) or a seccomp filter refuses it (the agent's own profile may: EPERM, or runc's ENOSYS
 * for calls newer than the profile names), the links are followed by hand, checked the same
 * way. */
int rc_open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd < 0 && (errno == ENOSYS || errno == EPERM || errno == EACCES))
		fd = open_beneath_by_hand(dirfd, rel, flags);
	return fd;
}

/* Add a collected path, with the cache's entry for it: that entry's string is taken over
 * instead of a new one (10,000 fewer allocations per pass), and the loaders need no
 * look-up of their own. 'via': a key of the payload ..data points to, read there. */
static int add_path(struct run *x, const char *path, bool via)
{
	const struct sc_reconciler *rc = x->r;
	struct cfile *old = rc->n_cache ? bsearch(path, rc->cache, rc->n_cache, sizeof(*rc->cache),
						  cmp_cfile_path)
					: NULL;

	if (x->n_paths == x->cap_paths) {
		size_t nc = x->cap_paths ? x->cap_paths * 2 : 256;
		char **p = reallocarray(x->paths, nc, sizeof(*p));
		struct cfile **o;
		bool *v;
		if (!p)
			return -ENOMEM;
		x->paths = p;
		o = reallocarray(x->olds, nc, sizeof(*o));
		if (!o)
			return -ENOMEM;
		x->olds = o;
		v = reallocarray(x->vias, nc, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->vias = v;
		x->cap_paths = nc;
	}
	x->paths[x->n_paths] = old ? NULL : strdup(path);
	x->olds[x->n_paths] = old;
	x->vias[x->n_paths] = via;
	if (!old && !x->paths[x->n_paths])
		return -ENOMEM;
	x->n_paths++;
	return 0;
}

/* Collect policy file paths (sorted per directory; dot names skipped; symlinked dirs not
 * followed). In a ConfigMap volume the key set is the payload's that ..data points to (the
 * kubelet's links <key> -> ..data/<key> are made after the ..data swap, and the old ones
 * removed after that: mid-update they name a key set of neither payload); the payload is
 * listed through x->data_fd, opened once, so what is listed is what is read. The entry type
 * comes from readdir: a symlink's target is only opened by load_file, which skips anything
 * but a regular file, so no file costs a stat here. */
struct dname {
	char *name;
	uint64_t prefix; /* its first 8 bytes, big-endian, zero-padded: orders as strcmp */
	unsigned char type;
	bool via; /* a name of the payload */
};

static uint64_t name_prefix(const char *s)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < 8 && s[i]; i++)
		v = v << 8 | (unsigned char)s[i];
	return v << (8 * (8 - i));
}

/* readdir's order is the directory's hash order: 10,000 names to sort per pass, most told
 * apart by their first 8 bytes without a strcmp. */
static int cmp_dname(const void *a, const void *b)
{
	const struct dname *p = a, *q = b;

	if (p->prefix != q->prefix)
		return p->prefix < q->prefix ? -1 : 1;
	return strcmp(p->name, q->name);
}

struct dlist {
	struct dname *v;
	size_t n, cap;
};

static void dlist_free(struct dlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	*l = (struct dlist){};
}

/* The entries of 'dh' that may be policies or hold some, appended to 'l'. */
static int list_dir(DIR *dh, bool via, struct dlist *l)
{
	struct dirent *de;

	while ((de = readdir(dh))) {
		unsigned char t = de->d_type;
		if (de->d_name[0] == '.')
			continue;
		if (t == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			t = IFTODT(st.st_mode);
		}
		/* A FIFO, socket or device under a policy's name is listed too: load_file
		 * rejects it saying what it is, where skipping it would drop a policy unsaid. */
		if (t != DT_DIR && (t == DT_UNKNOWN || !has_policy_ext(de->d_name)))
			continue;
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 64;
			struct dname *v = reallocarray(l->v, nc, sizeof(*v));
			if (!v)
				return -ENOMEM;
			l->v = v;
			l->cap = nc;
		}
		l->v[l->n] = (struct dname){ .name = strdup(de->d_name),
					     .prefix = name_prefix(de->d_name),
					     .type = t,
					     .via = via };
		if (!l->v[l->n].name)
			return -ENOMEM;
		l->n++;
	}
	return 0;
}

/* list_dir on a thread of its own. */
struct lister {
	DIR *dh;
	bool via;
	struct dlist l;
	int r;
};

static void *list_thread(void *arg)
{
	struct lister *t = arg;

	t->r = list_dir(t->dh, t->via, &t->l);
	return NULL;
}

/* The payload's listing ('ph') into 'l', the top directory's ('dh') appended: the two at once
 * (10,000 keys are 10,000 files below ..data and as many links beside it, and a listing is
 * mostly the kernel's walk of the directory, on one CPU each). */
static int list_both(DIR *ph, DIR *dh, bool via, struct dlist *l, size_t *ret_n_payload)
{
	struct lister t = { .dh = dh, .via = via };
	pthread_t tid;
	bool threaded = pthread_create(&tid, NULL, list_thread, &t) == 0;
	int r = list_dir(ph, true, l);

	*ret_n_payload = l->n;
	if (threaded)
		(void)pthread_join(tid, NULL);
	else
		t.r = list_dir(dh, via, &t.l);
	if (r == 0)
		r = t.r;
	if (r == 0 && t.l.n > l->cap - l->n) {
		struct dname *v = reallocarray(l->v, l->n + t.l.n, sizeof(*v));
		if (!v)
			r = -ENOMEM;
		else {
			l->v = v;
			l->cap = l->n + t.l.n;
		}
	}
	if (r == 0) {
		memcpy(l->v + l->n, t.l.v, t.l.n * sizeof(*t.l.v));
		l->n += t.l.n;
		free(t.l.v);
	} else {
		dlist_free(&t.l);
	}
	return r;
}

/* A listing of 'rel' below 'dirfd' ("." for itself), never through a symlink. */
static DIR *opendir_beneath(int dirfd, const char *rel)
{
	int fd = rc_open_beneath(dirfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		(void)close(fd);
	return d;
}

static bool in_payload(const struct dlist *l, size_t n, const char *name)
{
	struct dname key = { .name = (char *)name, .prefix = name_prefix(name) };
	return n && bsearch(&key, l->v, n, sizeof(*l->v), cmp_dname);
}

/* 'dir': the path the files are known by; 'rel': the same below the policies directory, and
 * for a payload's subdirectory below ..data. */
static int collect(struct run *x, const char *dir, const char *rel, bool via, unsigned depth)
{
	struct dlist l = {};
	size_t n_payload = 0;
	DIR *dh;
	int r = 0;

	if (depth > MAX_DEPTH)
		return 0;
	dh = opendir_beneath(via ? x->data_fd : x->top_fd, rel);
	if (!dh)
		return depth == 0 ? -errno : 0;
	if (depth == 0 && x->data_fd >= 0) {
		/* The payload's keys first; the top level adds what is not a key's link (a
		 * plain file put beside them; a link of a key no longer or not yet in the
		 * payload is absent, as the payload says). */
		DIR *ph = opendir_beneath(x->data_fd, ".");
		if (!ph) {
			r = -errno;
		} else {
			r = list_both(ph, dh, via, &l, &n_payload);
			closedir(ph);
		}
		if (r == 0 && n_payload)
			qsort(l.v, n_payload, sizeof(*l.v), cmp_dname);
	} else {
		r = list_dir(dh, via, &l);
	}
	closedir(dh);
	if (r == 0 && n_payload) {
		size_t k = n_payload;
		for (size_t i = n_payload; i < l.n; i++) {
			if (l.v[i].type == DT_LNK && in_payload(&l, n_payload, l.v[i].name)) {
				free(l.v[i].name);
				continue;
			}
			l.v[k++] = l.v[i];
		}
		l.n = k;
	}
	if (r == 0 && l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_dname);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		size_t ld = strlen(dir), ln = strlen(l.v[i].name);
		char path[PATH_MAX];

		if (ld + 1 + ln >= sizeof(path))
			continue; /* no such path can be opened either */
		memcpy(path, dir, ld);
		path[ld] = '/';
		memcpy(path + ld + 1, l.v[i].name, ln + 1);
		if (l.v[i].type == DT_DIR)
			r = collect(x, path, path + x->top_len, l.v[i].via, depth + 1);
		else
			r = add_path(x, path, l.v[i].via);
	}
	dlist_free(&l);
	return r;
}

int rc_collect(struct run *x, const char *dir, unsigned depth)
{
	return collect(x, dir, ".", false, depth);
}

/* The first error of 'd' as "LINE:COL: message". */
static const char *first_error(const struct sc_diags *d, char *buf, size_t size)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == SC_SEV_ERROR) {
			(void)snprintf(buf, size, "%u:%u: %s", d->v[i].loc.line, d->v[i].loc.col,
				       d->v[i].message);
			return buf;
		}
	return "not a profile or policy";
}

/* Check one document (naming an OCI profile after its file); 0 = fine, else the reason + 1
 * (and *msg), or -errno. */
int rc_judge(struct sc_profile *p, const char *file, char *msg, size_t size)
{
	struct sc_meta *m = &p->meta;
	struct sc_diags d = {};
	const char *ns, *name;

	if (!m->name && m->format == SC_FORMAT_OCI) {
		/* An OCI profile is named after its file, as the policy build does. */
		const char *base = strrchr(file, '/');
		char *s = strdup(base ? base + 1 : file), *dot;
		if (!s)
			return -ENOMEM;
		dot = strrchr(s, '.');
		if (dot)
			*dot = '\0';
		m->name = s;
	}
	name = m->name;
	ns = m->namespace ? m->namespace : "default";
	if (!name) {
		(void)snprintf(msg, size, "%s without metadata.name", sc_format_kind(m->format));
		return SC_REJECT_NAME + 1;
	}
	if (!sc_dns1123_label_valid(ns)) {
		(void)snprintf(msg, size, "namespace '%.100s' is not a DNS-1123 label", ns);
		return SC_REJECT_NAME + 1;
	}
	if (!sc_dns1123_subdomain_valid(name) || strlen(name) > MAX_NAME) {
		(void)snprintf(msg, size,
			       "name '%.100s' is not a DNS-1123 name (it becomes a file name under "
			       "the root)",
			       name);
		return SC_REJECT_NAME + 1;
	}
	if (m->format == SC_FORMAT_KUBEARMOR && sc_selector_validate(m, &d, p->loc) > 0) {
		char b[400];
		(void)snprintf(msg, size, "%s", first_error(&d, b, sizeof(b)));
		sc_diags_clear(&d);
		return SC_REJECT_SELECTOR + 1;
	}
	sc_diags_clear(&d);
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++) {
			const char *nm = p->rules[i].names[k];
			if (!sc_syscall_known(nm)) {
				(void)snprintf(msg, size, "unknown syscall '%.64s' (on every arch)",
					       nm);
				return SC_REJECT_UNKNOWN_SYSCALL + 1;
			}
		}
	if (m->baseline) {
		const char *vital = sc_baseline_fatal(p);
		if (vital) {
			(void)snprintf(msg, size,
				       "baseline %s denies %s: every pod would die (it is not "
				       "applied; the profiles stay as they were)",
				       name, vital);
			return SC_REJECT_BASELINE + 1;
		}
	}
	return 0;
}

/* The profile a set installs, by the binding rule (sc_set_profile): the merge of 'in' (deny
 * wins), or RuntimeDefault with 'in' when 'fallback'; SECCOMP_FILTER_FLAG_LOG unless flagged
 * otherwise, the --arch arches if it lists none. As OCI JSON text. With 'n_base' > 0 (the
 * last n_base inputs are baselines) and 'removed', also what the baselines took away. */
int rc_set_profile_text(struct sc_reconciler *rc, const struct sc_profile *const *in, size_t n,
			bool fallback, size_t n_base, char **ret, char **removed, char *err,
			size_t errsize)
{
	struct sc_set_opts o = { .log_flag = !rc_no_log_flag(rc),
				 .arches = rc->o.arches,
				 .n_arches = rc->o.n_arches };
	struct sc_profile *m = NULL, *without = NULL;
	struct sc_diags d = {};
	int r;

	/* A set of one policy, most often: made without the merge (reconcile-text.c). */
	if (n == 1 && !fallback && n_base == 0 && (r = rc_one_policy_text(&rc->o, in[0], ret)))
		return r < 0 ? r : 0;
	r = sc_set_profile(in, n, fallback, &o, &d, &m);
	if (r < 0) {
		char b[512];
		(void)snprintf(err, errsize, "%s", first_error(&d, b, sizeof(b)));
		sc_diags_clear(&d);
		return r;
	}
	sc_diags_clear(&d);
	if (removed && n_base > 0 && (n > n_base || fallback)) {
		r = sc_set_profile(in, n - n_base, fallback, &o, NULL, &without);
		if (r == 0)
			r = sc_baseline_removed(without, m, removed);
		sc_profile_free(without);
		if (r < 0) {
			sc_profile_free(m);
			return r;
		}
	}
	r = sc_policy_profile_json(m, ret);
	sc_profile_free(m);
	return r;
}

/* Read a policy file whole again, where and as load_file read it; the content hash too. A
 * payload's key that is gone: -EAGAIN (an update in flight). */
int rc_read_policy(const struct run *x, const struct cfile *c, char **ret, size_t *ret_len,
		   uint64_t *ret_hash)
{
	cleanup_close int fd = -1;
	int r;

	if (strlen(c->path) < x->top_len)
		return -EINVAL;
	fd = rc_open_beneath(c->via_data ? x->data_fd : x->top_fd, c->path + x->top_len,
			     O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT && c->via_data ? -EAGAIN : -errno;
	r = sc_read_fd(fd, SC_PROFILE_MAX_INPUT, ret, ret_len);
	if (r < 0)
		return r;
	*ret_hash = rc_hash64(*ret, *ret_len);
	return 0;
}

/* Whether the write phase will likely want doc's profile text (it is the set of its own at
 * <ns>/<name>.json, the usual case): yes for a path nothing was installed at, or one the
 * last pass installed with other content; no for the same content, and no for a path only
 * the index on disk names (a restart: most are unchanged). Kept texts spare a second parse
 * at write time; unneeded ones only cost memory (up to TEXT_BUDGET). A wrong "no" costs
 * that parse, never a wrong profile. */
bool rc_text_wanted(const struct run *x, const struct cdoc *doc)
{
	char path[2 * NAME_MAX + 8];
	const struct entry *e;

	if (!x->n_old_by_path)
		return true; /* nothing installed before (a first reconcile): no path to look up */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", doc->ns, doc->name) >= sizeof(path))
		return true;
	e = rc_old_entry(x, path);
	if (!e)
		return true;
	return e->has_ident && e->hash != doc->text_hash;
}

static bool names_a_policy_key(const char *buf, size_t len)
{
	static const char *const keys[] = { "kind", "apiVersion", "defaultAction", "syscalls" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (memmem(buf, len, keys[i], strlen(keys[i])))
			return true;
	return false;
}

/* Parse and judge a file's content into 'c' (reason/message on rejection). */
static int judge_file(struct run *x, struct cfile *c, const char *buf, size_t len)
{
	struct sc_profile **v = NULL;
	struct sc_diags d = {};
	size_t n = 0;
	char msg[512];
	int r;

	if (sc_bindings_detect(buf, len)) {
		/* A bindings file: its documents, checked as a whole (syntax, one binding per
		 * workload and per path); each binding's own trouble is found per pass. */
		char b[512];
		c->bk = calloc(1, sizeof(*c->bk));
		if (!c->bk)
			return -ENOMEM;
		r = sc_bindings_read_packed(buf, len, c->path, NULL, &d, &c->binds, &c->n_binds,
					    &c->bk->block);
		if (r == -EINVAL) {
			c->reason = SC_REJECT_BINDING;
			c->message = strdup(first_error(&d, b, sizeof(b)));
			r = c->message ? 0 : -ENOMEM;
		}
		sc_diags_clear(&d);
		return r;
	}
	r = sc_profile_read_all(buf, len, c->path, &d, &v, &n);
	if (r == -ENOMEM) {
		sc_diags_clear(&d);
		return r;
	}
	if (r < 0 || n == 0) {
		char b[512];
		c->reason = SC_REJECT_PARSE;
		/* A file that names none of a policy's keys is no policy with a typo: its
		 * content (a key file, a password hash) is not quoted back. */
		c->message = strdup(
			names_a_policy_key(buf, len)
				? first_error(&d, b, sizeof(b))
				: "not a profile, policy or bindings file (it has none of "
				  "kind, apiVersion, defaultAction, syscalls): its content is "
				  "not shown");
		sc_diags_clear(&d);
		for (size_t i = 0; i < n; i++)
			sc_profile_free(v[i]);
		free(v);
		return c->message ? 0 : -ENOMEM;
	}
	sc_diags_clear(&d);
	c->docs = calloc(n, sizeof(*c->docs));
	r = c->docs ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct cdoc *doc = &c->docs[i];
		struct sc_meta *m = &v[i]->meta;
		const struct sc_profile *one[1] = { v[i] };
		char *text = NULL;
		int why = rc_judge(v[i], c->path, msg, sizeof(msg));

		c->n_docs++;
		if (why < 0) {
			r = why;
			break;
		}
		if (why > 0) {
			c->reason = why - 1;
			c->message = strdup(msg);
			r = c->message ? 1 : -ENOMEM;
			break;
		}
		doc->format = m->format;
		doc->selects = m->format == SC_FORMAT_KUBEARMOR;
		doc->baseline = m->baseline;
		{
			/* ns, name and key in one allocation (10,000 policies: every byte
			 * kept per policy counts); only 'ns' is freed. */
			const char *ns = m->namespace ? m->namespace : "default";
			cleanup_free char *key = NULL;
			size_t ln, lm, lk;
			if (doc->selects)
				key = sc_selector_canonical(m);
			else if (asprintf(&key, "\1%d %s %s", (int)m->format, ns, m->name) < 0)
				key = NULL;
			if (!key) {
				r = -ENOMEM;
				break;
			}
			ln = strlen(ns) + 1;
			lm = strlen(m->name) + 1;
			lk = strlen(key) + 1;
			doc->ns = malloc(ln + lm + lk);
			if (!doc->ns) {
				r = -ENOMEM;
				break;
			}
			doc->name = doc->ns + ln;
			doc->key = doc->name + lm;
			memcpy(doc->ns, ns, ln);
			memcpy(doc->name, m->name, lm);
			memcpy(doc->key, key, lk);
		}
		/* Its output as a set of its own, the usual case: hashed, and written to its
		 * temp file now when the write will likely want it (else kept for the write
		 * while the budget lasts). */
		r = rc_set_profile_text(x->r, one, 1, false, 0, &text, NULL, msg, sizeof(msg));
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			c->reason = SC_REJECT_MERGE;
			c->message = strdup(msg);
			r = c->message ? 1 : -ENOMEM;
			break;
		}
		doc->text_len = strlen(text);
		doc->text_hash = rc_hash64(text, doc->text_len);
		/* Loaders run in parallel: the budget is shared. */
		if (doc->baseline || !rc_text_wanted(x, doc) || rc_prewrite(x, doc, text)) {
			free(text);
		} else if (__atomic_add_fetch(&x->text_bytes, doc->text_len, __ATOMIC_RELAXED) <=
			   TEXT_BUDGET) {
			doc->text = text;
		} else {
			__atomic_sub_fetch(&x->text_bytes, doc->text_len, __ATOMIC_RELAXED);
			free(text);
		}
	}
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	if (r > 0) {
		/* Rejected: no documents, only the reason. */
		for (size_t i = 0; i < c->n_docs; i++) {
			rc_prewritten_drop(x, &c->docs[i]);
			free(c->docs[i].ns);
			if (c->docs[i].text)
				__atomic_sub_fetch(&x->text_bytes, c->docs[i].text_len,
						   __ATOMIC_RELAXED);
			free(c->docs[i].text);
		}
		free(c->docs);
		c->docs = NULL;
		c->n_docs = 0;
		r = 0;
	}
	return r;
}

/* Rejects a path that is not a regular file (itself, or through a link below the directory),
 * saying what it is; ENXIO (a socket, a device without a driver) opened again as a path only
 * to tell which. A FIFO is never read: it could block, or feed anything. */
static int reject_special(struct cfile *c, char **pathp, bool via, mode_t mode, int dfd,
			  const char *rel)
{
	struct stat st;

	if (!mode) {
		cleanup_close int fd = rc_open_beneath(dfd, rel, O_PATH | O_CLOEXEC);
		mode = fd >= 0 && fstat(fd, &st) == 0 ? st.st_mode : 0;
	}
	*c = (struct cfile){ .reason = SC_REJECT_READ, .via_data = via };
	c->path = TAKE_PTR(*pathp);
	if (asprintf(&c->message,
		     "%s, not a regular file: not read (a policy is a regular file: remove it, "
		     "or put the policy's text there)",
		     sc_file_type_name(mode)) < 0)
		c->message = NULL;
	return c->message ? 0 : -ENOMEM;
}

/* Load x->paths[i] into x->files[i]: judged from its content, or from the cache when the
 * content hashes as it did last pass. Always read (no stat first): a ConfigMap update
 * gives every key a new inode, and a 400-byte read costs what the stat does. 'tbuf' is the
 * calling thread's buffer of LOAD_BUF bytes. Returns 1, leaving files[i].path NULL, when it
 * is not a regular file (a key symlink to a directory or to nothing): such entries were
 * never policies. Runs on several threads at once, each on its own files; the cache is only
 * read, but for the entry of its own path. */
static int load_file(struct run *x, size_t i, char *tbuf)
{
	struct cfile *old = x->olds[i];
	char **pathp = old ? &old->path : &x->paths[i];
	const char *path = *pathp;
	struct sc_reconciler *rc = x->r;
	struct cfile *c = &x->files[i];
	cleanup_free char *big = NULL;
	cleanup_close int fd = -1;
	const char *data = tbuf;
	struct stat st;
	size_t len = 0;
	ssize_t n = -1;
	uint64_t h;
	bool noatime;
	const char *rel = path + x->top_len;
	bool via = x->vias[i];
	int err = 0, dfd;

	/* O_NOATIME: reading 10,000 policies must not dirty 10,000 inodes. It needs the
	 * file's owner or CAP_FOWNER; without, it is dropped for good. */
	noatime = !__atomic_load_n(&rc->no_noatime, __ATOMIC_RELAXED);
	/* A ConfigMap key is opened in the payload directory (no walk through two symlinks
	 * for each of 10,000 keys); anything else below the directory's fd. Symlinks are
	 * followed only while they stay below it. */
	dfd = via ? x->data_fd : x->top_fd;
	fd = rc_open_beneath(
		dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (noatime ? O_NOATIME : 0));
	if (fd < 0 && errno == EPERM && noatime) {
		__atomic_store_n(&rc->no_noatime, true, __ATOMIC_RELAXED);
		fd = rc_open_beneath(dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	/* A key the payload listed is gone: the kubelet removed that payload meanwhile (the
	 * next update is in flight). Its absence says nothing: the pass goes again. */
	if (fd < 0 && via && errno == ENOENT)
		return -EAGAIN;
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (fd < 0 && (errno == EXDEV || errno == ELOOP)) {
		/* A link that leads out of the directory (or, without openat2, any link): not
		 * read, and nothing of where it leads is said. */
		*c = (struct cfile){ .reason = SC_REJECT_READ, .via_data = via };
		c->path = TAKE_PTR(*pathp);
		c->message = strdup("a symbolic link that leads out of the policies directory: "
				    "not read (links are followed only below it)");
		return c->message ? 0 : -ENOMEM;
	}
	if (fd < 0 && (err = errno) == ENXIO)
		return reject_special(c, pathp, via, 0, dfd, rel);
	while (fd >= 0 && (n = read(fd, tbuf, LOAD_BUF - 1)) < 0 && errno == EINTR)
		;
	if (fd >= 0 && n < 0) {
		if (errno == EISDIR)
			return 1;
		err = errno;
	}
	/* An error, nothing read, or a buffer full (a device feeds it for good): only a
	 * regular file is a policy; anything else is said for what it is. A policy of a few
	 * hundred bytes costs no fstat. */
	if (fd >= 0 && (n <= 0 || n == LOAD_BUF - 1) && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? 1
					   : reject_special(c, pathp, via, st.st_mode, -1, NULL);
	*c = (struct cfile){ .reason = -1, .via_data = via };
	c->path = TAKE_PTR(*pathp); /* 'path' stays valid: it is c->path now */
	if (!err && n == LOAD_BUF - 1) {
		/* Larger than the buffer (a bindings file: 2.4 MB for 10,000 workloads, read
		 * at every pass): hashed through the buffer, and read whole only when its
		 * judgement cannot be taken over. */
		uint64_t hh = rc_hash64_feed(HASH64_INIT, tbuf, (size_t)n);
		size_t total = (size_t)n;
		ssize_t k;
		for (;;) {
			k = read(fd, tbuf, LOAD_BUF - 1);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			total += (size_t)k;
			if (total > SC_PROFILE_MAX_INPUT)
				break;
			hh = rc_hash64_feed(hh, tbuf, (size_t)k);
		}
		if (k < 0)
			err = errno;
		else if (total > SC_PROFILE_MAX_INPUT)
			err = EFBIG;
		h = rc_hash64_end(hh, total);
		if (!err && !(old && old->hash == h)) {
			int r;
			if (lseek(fd, 0, SEEK_SET) < 0) {
				err = errno;
			} else {
				r = sc_read_fd(fd, SC_PROFILE_MAX_INPUT, &big, &len);
				if (r == -ENOMEM)
					return r;
				if (r < 0)
					err = -r;
				else
					h = rc_hash64(
						big,
						len); /* what is judged (it may have changed) */
				data = big;
			}
		}
	} else if (!err) {
		len = (size_t)n;
		tbuf[len] = '\0';
		h = rc_hash64(data, len);
	}
	if (err) {
		c->reason = SC_REJECT_READ;
		c->message = strdup(strerror(err));
		return c->message ? 0 : -ENOMEM;
	}
	if (old && old->hash == h) {
		/* Take the judgement over (the cache entry is consumed: each path appears
		 * once). */
		c->hash = old->hash;
		c->reason = old->reason;
		c->message = TAKE_PTR(old->message);
		c->docs = TAKE_PTR(old->docs);
		c->n_docs = old->n_docs;
		old->n_docs = 0;
		c->binds = TAKE_PTR(old->binds);
		c->bk = TAKE_PTR(old->bk);
		c->n_binds = old->n_binds;
		old->n_binds = 0;
		return 0;
	}
	c->hash = h;
	__atomic_add_fetch(&x->res->n_judged, 1, __ATOMIC_RELAXED);
	return judge_file(x, c, data, len);
}

/* ---- loading ------------------------------------------------------------------------- */

/* The identity of old entry i's file now, for install() to tell "unchanged" without a
 * stat of its own on the one thread. */
static void probe_old(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;
	const struct entry *e = &x->old[i];
	struct probe *p = &x->probes[i];
	struct stat st;
	int fd;

	if (!e->path || !e->has_ident || !e->ns)
		return;
	/* Below its namespace's directory, kept open while the entries stay in it. */
	fd = rc_worker_ns(w, e->ns);
	if (fd < 0 || fstatat(fd, e->path + strlen(e->ns) + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	p->ino = st.st_ino;
	p->size = st.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_size;
	p->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	p->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	p->ok = true;
}

/* Item i: a policy path, or past them an old entry to probe. */
static int load_one(struct worker *w, size_t i)
{
	struct run *x = w->pool->x;

	if (i >= x->n_paths) {
		probe_old(w, i - x->n_paths);
		return 0;
	}
	return load_file(x, i, w->buf);
}

/* Load every collected path into x->files, on up to POOL_THREADS threads (the caller is
 * one), then close the gaps of paths that were no policies: x->files ends in path order,
 * as one thread would have left it. */
int rc_load_all(struct run *x)
{
	struct pool p = {
		.x = x, .n = x->n_paths, .want_buf = true, .cancellable = true, .one = load_one
	};
	size_t k = 0;
	int r;

	/* The loaders write temp files (rc_prewrite) in <root>/.tmp. */
	if (x->r->tmp_fd < 0)
		x->r->tmp_fd = rc_open_tmp_dir(x->r->root_fd);
	for (size_t i = 0; i < x->n_paths; i++)
		x->files[i] = (struct cfile){ .reason = -1 };
	/* With helpers, they also stat what the last pass installed (else install() does): a
	 * few files (a bindings file among them) can stand for 10,000 profiles. */
	if (x->n_old) {
		struct pool q = p;
		q.n += x->n_old;
		if (rc_pool_size(&q) > 1) {
			x->probes = calloc(x->n_old, sizeof(*x->probes));
			if (x->probes)
				p.n += x->n_old;
		}
	}
	r = rc_pool_run(&p);
	/* The last pass's cache is taken over: what is left of it (files gone) goes now, not
	 * after the sets and the writes have taken their memory. */
	rc_cache_free(x->r->cache, x->r->n_cache);
	x->r->cache = NULL;
	x->r->n_cache = 0;
	for (size_t i = 0; i < x->n_paths; i++) {
		if (!x->files[i].path) {
			rc_cfile_clear(&x->files[i]);
			continue;
		}
		if (k != i)
			x->files[k] = x->files[i];
		k++;
	}
	x->n_files = k;
	x->res->n_files = k;
	return r;
}

static int cmp_pol_ident(const void *a, const void *b, void *ud)
{
	const struct run *x = ud;
	const struct pol *p = a, *q = b;
	const struct cdoc *dp = &x->files[p->file].docs[p->doc];
	const struct cdoc *dq = &x->files[q->file].docs[q->doc];
	int c;

	if (dp->selects != dq->selects)
		return dp->selects ? -1 : 1;
	if (dp->format != dq->format)
		return dp->format - dq->format;
	c = strcmp(dp->ns, dq->ns);
	if (c)
		return c;
	c = strcmp(dp->name, dq->name);
	return c ? c : (p->file > q->file) - (p->file < q->file);
}

struct cdoc *rc_pdoc(const struct run *x, const struct pol *p)
{
	return &x->files[p->file].docs[p->doc];
}

/* The documents of accepted files, in file order. */
int rc_gather_pols(struct run *x)
{
	size_t n = 0;

	free(x->pols);
	x->pols = NULL;
	x->n_pols = 0;
	for (size_t i = 0; i < x->n_files; i++)
		if (!x->rejected[i])
			n += x->files[i].n_docs;
	x->pols = calloc(n ? n : 1, sizeof(*x->pols));
	if (!x->pols)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_files; i++)
		for (size_t k = 0; !x->rejected[i] && k < x->files[i].n_docs; k++)
			x->pols[x->n_pols++] = (struct pol){ i, k };
	return 0;
}

/* Whether the previous pass (or the index it adopted) installed policy 'd' from 'file': an
 * entry of its namespace lists "Kind/name" with that file. */
static bool established(const struct run *x, const struct cdoc *d, const char *file)
{
	const char *kind = sc_format_kind(d->format);
	size_t lk = strlen(kind);

	for (size_t i = 0; i < x->n_old; i++) {
		const struct entry *e = &x->old[i];
		if (!e->path || !e->ns || !streq(e->ns, d->ns))
			continue;
		for (size_t k = 0; k < e->n_pols && k < e->n_files; k++)
			if (strncmp(e->pols[k], kind, lk) == 0 && e->pols[k][lk] == '/' &&
			    streq(e->pols[k] + lk + 1, d->name) && streq(e->files[k], file))
				return true;
	}
	return false;
}

/* A policy the previous pass installed from a file that is rejected this pass (its last good
 * stays): no other file may take its name meanwhile. */
struct held {
	const char *ns, *pol, *file; /* borrowed from x->old */
};

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int held_policies(const struct run *x, struct held **ret, size_t *ret_n)
{
	cleanup_free const char **rej = NULL;
	struct held *v = NULL;
	size_t n_rej = 0, n = 0;

	*ret = NULL;
	*ret_n = 0;
	for (size_t i = 0; i < x->n_files; i++)
		if (x->rejected[i])
			n_rej++;
	if (!n_rej)
		return 0;
	rej = calloc(n_rej, sizeof(*rej));
	if (!rej)
		return -ENOMEM;
	n_rej = 0;
	for (size_t i = 0; i < x->n_files; i++)
		if (x->rejected[i])
			rej[n_rej++] = x->files[i].path;
	qsort(rej, n_rej, sizeof(*rej), cmp_str_ptr);
	for (size_t i = 0; i < x->n_old; i++) {
		const struct entry *e = &x->old[i];
		for (size_t k = 0; e->path && e->ns && k < e->n_pols && k < e->n_files; k++) {
			struct held *nv;
			if (!bsearch(&e->files[k], rej, n_rej, sizeof(*rej), cmp_str_ptr))
				continue;
			nv = reallocarray(v, n + 1, sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = (struct held){ e->ns, e->pols[k], e->files[k] };
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The rejected file that holds policy 'd' (kind/name in its namespace), or NULL. */
static const char *held_by(const struct held *v, size_t n, const struct cdoc *d, const char *file)
{
	const char *kind = sc_format_kind(d->format);
	size_t lk = strlen(kind);

	for (size_t i = 0; i < n; i++)
		if (streq(v[i].ns, d->ns) && strncmp(v[i].pol, kind, lk) == 0 &&
		    v[i].pol[lk] == '/' && streq(v[i].pol + lk + 1, d->name) &&
		    !streq(v[i].file, file))
			return v[i].file;
	return NULL;
}

/* Reject file 'fi' as a duplicate of the policy 'kept' has (named in the rejection, for the
 * log and the metric). */
static int reject_dup(struct run *x, size_t fi, const struct cdoc *d, const char *kept,
		      const char *how)
{
	size_t n = x->n_rej;
	int r = rc_reject(x, fi, SC_REJECT_DUPLICATE,
			  "duplicate %s %s/%s: %s has it %s; rename or remove one of them",
			  sc_format_kind(d->format), d->ns, d->name, kept, how);

	if (r < 0 || x->n_rej == n)
		return r;
	x->rej[n].other = strdup(kept);
	return x->rej[n].other ? 0 : -ENOMEM;
}

/* Same kind, namespace and name in two files: the file the installed profiles came from keeps
 * winning (a new file must not replace, and so maybe weaken, a live policy by sorting first);
 * among new ones, the first by path. The others are rejected, naming the one that stays. */
int rc_reject_duplicates(struct run *x)
{
	cleanup_free struct pol *v = NULL;
	cleanup_free struct held *hv = NULL;
	size_t n_held = 0;
	int r;

	r = held_policies(x, &hv, &n_held);
	if (r < 0)
		return r;
	v = calloc(x->n_pols ? x->n_pols : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, x->pols, x->n_pols * sizeof(*v));
	rc_sort_r(v, x->n_pols, sizeof(*v), cmp_pol_ident, x);
	for (size_t i = 0; i < x->n_pols;) {
		const struct cdoc *a = rc_pdoc(x, &v[i]);
		size_t j = i + 1, win = i;
		bool est = false;

		for (; j < x->n_pols; j++) {
			const struct cdoc *b = rc_pdoc(x, &v[j]);
			if (a->selects != b->selects || a->format != b->format ||
			    !streq(a->ns, b->ns) || !streq(a->name, b->name))
				break;
		}
		if (n_held) {
			const char *h = held_by(hv, n_held, a, x->files[v[i].file].path);
			for (size_t k = i; h && k < j; k++) {
				r = reject_dup(x, v[k].file, a, h,
					       "installed already (rejected now, its last good "
					       "profile stays: fix it)");
				if (r < 0)
					return r;
			}
			if (h) {
				i = j;
				continue;
			}
		}
		if (j - i > 1)
			for (size_t k = i; k < j; k++)
				if (established(x, rc_pdoc(x, &v[k]), x->files[v[k].file].path)) {
					win = k;
					est = true;
					break;
				}
		for (size_t k = i; k < j; k++) {
			const char *kept = x->files[v[win].file].path;
			if (k == win)
				continue;
			r = reject_dup(x, v[k].file, a, kept,
				       est ? "installed already, and it stays"
					   : "too, and it stays (it sorts first)");
			if (r < 0)
				return r;
		}
		i = j;
	}
	return rc_gather_pols(x);
}
