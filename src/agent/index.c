/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's <root>/index.json: reading the previous one as a stream, writing the new
 * one through a hashing sink (unchanged: not written). */
#include "agent/reconcile-internal.h"

/* ---- the index --------------------------------------------------------------------- */

/* Streaming state for the index: a stack of containers with the key each one is the value of
 * (an event parser, not a document: an index of 10,000 sets as a libfyaml document takes tens
 * of MiB). */
struct iframe {
	bool map, want_key;
	char key[16];	     /* in a mapping: the key whose value comes next */
	char parent_key[16]; /* the key this container is the value of */
};

struct iset {
	char *ns, *name, *path;
	char *kind, *pname, *file;
	struct entry e;
};

static void iset_clear_policy(struct iset *t)
{
	free(t->kind);
	free(t->pname);
	free(t->file);
	t->kind = t->pname = t->file = NULL;
}

static void iset_clear(struct iset *t)
{
	iset_clear_policy(t);
	free(t->ns);
	free(t->name);
	free(t->path);
	rc_entry_clear(&t->e);
	*t = (struct iset){};
}

/* A bound workload's entry (it lists its binding) shares its policies' strings. */
static bool iset_member(const void *ud, size_t k, char *pk, const char **file)
{
	const struct entry *e = ud;
	bool bound = e->n_pols && strncmp(e->pols[e->n_pols - 1], "SeccompBinding/", 15) == 0;

	(void)snprintf(pk, 600, "%s", e->pols[k]);
	*file = e->files[k];
	return bound && k + 1 < e->n_pols && strncmp(pk, "RuntimeDefault/", 15) != 0;
}

/* A set read from the index, kept when it has the shape we write. */
static int iset_done(struct run *x, struct iset *t)
{
	char want[600];
	struct entry *v;

	if (!t->path || !t->ns || !t->name || !sc_dns1123_label_valid(t->ns) ||
	    strlen(t->name) > MAX_NAME)
		return 0;
	(void)snprintf(want, sizeof(want), "%s.json", t->name);
	if (!sc_binding_file_valid(want))
		return 0;
	(void)snprintf(want, sizeof(want), "%s/%s.json", t->ns, t->name);
	if (!streq(want, t->path))
		return 0;
	/* Room for 16, 32, 64, ... entries: 10,000 are not 10,000 reallocs. */
	if (x->n_old == 0 || (x->n_old >= 16 && (x->n_old & (x->n_old - 1)) == 0)) {
		v = reallocarray(x->old, x->n_old ? 2 * x->n_old : 16, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->old = v;
	}
	{
		/* Packed as this pass's entries are (one block, not a malloc per string). */
		struct entry e = t->e;
		int r = rc_entry_pack(&e, t->ns, t->name, strlen(t->name), t->path, t->e.n_pols,
				      iset_member, &t->e);
		if (r < 0)
			return r;
		x->old[x->n_old++] = e;
	}
	return 0;
}

static int iset_policy_done(struct iset *t)
{
	char pk[600] = "";
	int r;

	if (t->kind && t->pname)
		(void)snprintf(pk, sizeof(pk), "%s/%s", t->kind, t->pname);
	if ((r = rc_strv_add(&t->e.files, &t->e.n_files, t->file ? t->file : "")) < 0 ||
	    (r = rc_strv_add(&t->e.pols, &t->e.n_pols, pk)) < 0)
		return r;
	iset_clear_policy(t);
	return 0;
}

/* The index from 'fp' (read as the parse goes: 10,000 sets are 4 MB of JSON). */
static int parse_index(struct run *x, FILE *fp)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_parser *fyp;
	struct fy_event *ev;
	struct iframe st[8];
	struct iset t = {};
	int depth = 0, r = 0;
	bool ok = true;

	diag = sc_yaml_quiet_diag(false);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	fyp = fy_parser_create(&cfg);
	/* (Not named *.json: libfyaml would read it in its stricter JSON mode.) */
	if (!fyp || fy_parser_set_input_fp(fyp, "index", fp) != 0) {
		if (fyp)
			sc_yaml_parser_destroy(fyp);
		fy_diag_destroy(diag);
		return -ENOMEM;
	}
	while (r == 0 && (ev = fy_parser_parse(fyp))) {
		struct iframe *top = depth ? &st[depth - 1] : NULL;
		switch (ev->type) {
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			if (depth == (int)ELEMENTSOF(st)) {
				ok = false;
				break;
			}
			st[depth] = (struct iframe){ .map = ev->type == FYET_MAPPING_START,
						     .want_key = true };
			if (top && top->map && !top->want_key)
				memcpy(st[depth].parent_key, top->key, sizeof(top->key));
			depth++;
			/* a set: root / "sets" seq / map; a policy: ... / "policies" seq / map */
			if (depth == 3 && st[0].map && streq(st[1].parent_key, "sets") && st[2].map)
				iset_clear(&t);
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth == 5 && streq(st[3].parent_key, "policies") && st[4].map)
				r = iset_policy_done(&t);
			else if (depth == 3 && streq(st[1].parent_key, "sets") && st[2].map)
				r = iset_done(x, &t);
			if (depth)
				depth--;
			if (depth)
				st[depth - 1].want_key = true;
			break;
		case FYET_SCALAR: {
			size_t n = 0;
			const char *v = fy_token_get_text(ev->scalar.value, &n);
			char **slot = NULL;
			if (!top || !v)
				break;
			if (!top->map)
				break;
			if (top->want_key) {
				(void)snprintf(top->key, sizeof(top->key), "%.*s", (int)n, v);
				top->want_key = false;
				break;
			}
			top->want_key = true;
			if (depth == 3 && streq(st[1].parent_key, "sets")) {
				if (streq(top->key, "namespace"))
					slot = &t.ns;
				else if (streq(top->key, "name"))
					slot = &t.name;
				else if (streq(top->key, "path"))
					slot = &t.path;
				else if (streq(top->key, "kept"))
					t.e.kept = n == 4 && !strncmp(v, "true", 4);
			} else if (depth == 5 && streq(st[3].parent_key, "policies")) {
				if (streq(top->key, "kind"))
					slot = &t.kind;
				else if (streq(top->key, "name"))
					slot = &t.pname;
				else if (streq(top->key, "file"))
					slot = &t.file;
			}
			if (slot) {
				free(*slot);
				*slot = strndup(v, n);
				if (!*slot)
					r = -ENOMEM;
			}
			break;
		}
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
		if (!ok)
			break;
	}
	if (fy_parser_get_stream_error(fyp))
		ok = false;
	iset_clear(&t);
	sc_yaml_parser_destroy(fyp);
	fy_diag_destroy(diag);
	if (r < 0)
		return r;
	return ok ? 0 : -EINVAL;
}

/* Read <root>/index.json (ours or `policy build`'s): only entries in the shape we write. */
int rc_read_old_index(struct run *x)
{
	cleanup_close int fd = -1;
	struct stat st;
	FILE *fp;
	int r;

	/* O_NONBLOCK: a FIFO put in its place must not hang the agent (S_ISREG is checked). */
	fd = openat(x->r->root_fd, INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_INDEX)
		return 0;
	/* Text libfyaml may see (it over-reads on bytes that are not UTF-8), then parsed. */
	r = sc_yaml_fd_text_valid(fd);
	if (r < 0)
		return r;
	if (r == 0) {
		r = -EINVAL;
	} else if (lseek(fd, 0, SEEK_SET) < 0) {
		return -errno;
	} else {
		fp = fdopen(fd, "r");
		if (!fp)
			return -ENOMEM;
		fd = -1; /* the stream's now */
		r = parse_index(x, fp);
		(void)fclose(fp);
	}
	if (r == -EINVAL) {
		/* Unreadable: adopt nothing, so remove nothing (what it listed stays). */
		rc_logf(x->r, "warn", "event=index-unreadable path=%s/%s", x->r->root_path,
			INDEX_NAME);
		rc_entries_free(x->old, x->n_old);
		x->old = NULL;
		x->n_old = 0;
		return 0;
	}
	if (r == 0)
		x->have_old = true;
	return r;
}

void rc_json_str(FILE *f, const char *s)
{
	sc_json_string(f, s ? s : "");
}

static void index_emit(FILE *f, const struct elist *lists, size_t n_lists)
{
	size_t k = 0;

	fputs("{\n  \"version\": 1,\n  \"mode\": \"targets\",\n  \"generator\": \"syscage agent\","
	      "\n  \"sets\": [",
	      f);
	for (size_t l = 0; l < n_lists; l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			const struct entry *e = &lists[l].v[i];
			if (!e->path || e->moved)
				continue;
			fputs(k++ ? ",\n    {" : "\n    {", f);
			fputs("\"namespace\": ", f);
			rc_json_str(f, e->ns);
			fputs(", \"name\": ", f);
			rc_json_str(f, e->name);
			fputs(", \"path\": ", f);
			rc_json_str(f, e->path);
			if (e->kept)
				fputs(", \"kept\": true", f);
			fputs(",\n     \"policies\": [", f);
			for (size_t j = 0; j < e->n_files; j++) {
				const char *pk = j < e->n_pols ? e->pols[j] : "";
				const char *slash = strchr(pk, '/');
				fputs(j ? ", {" : "{", f);
				if (slash) {
					fprintf(f,
						"\"kind\": \"%.*s\", \"name\": ", (int)(slash - pk),
						pk);
					rc_json_str(f, slash + 1);
					fputs(", ", f);
				}
				fputs("\"file\": ", f);
				rc_json_str(f, e->files[j]);
				fputs("}", f);
			}
			fputs("]}", f);
		}
	fputs(k ? "\n  ]\n}\n" : "]\n}\n", f);
}

/* The index goes straight to its temp file through a stdio cookie that hashes what passes,
 * so an index of 10,000 sets is never held in memory, and is compared by hash. */
struct hashsink {
	int fd;
	uint64_t h;
	size_t n;
	int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	struct hashsink *k = cookie;
	size_t off = 0;

	k->h = rc_hash64_feed(k->h, buf, size);
	k->n += size;
	while (k->fd >= 0 && off < size) {
		ssize_t w = write(k->fd, buf + off, size - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			k->err = errno;
			return -1;
		}
		off += (size_t)w;
	}
	return (ssize_t)size;
}

/* The index's hash: the same emit, into a sink that only hashes. */
static int index_hash(const struct elist *lists, size_t n_lists, uint64_t *ret)
{
	struct hashsink k = { .fd = -1, .h = HASH64_INIT };
	cookie_io_functions_t io = { .write = sink_write };
	FILE *f = fopencookie(&k, "w", io);

	if (!f)
		return -ENOMEM;
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists);
	if (fclose(f) != 0)
		return -EIO;
	*ret = rc_hash64_end(k.h, k.n);
	return 0;
}

void rc_ident_of(int dirfd, const char *name, struct entry *e)
{
	struct stat st;

	e->has_ident = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		rc_set_ident(e, &st);
}

/* Whether the index on disk is still the one this reconciler last wrote or read, by the
 * identity it had then. */
static bool index_is_known(const struct sc_reconciler *rc, uint64_t want)
{
	struct entry now = {};

	if (!rc->index.has_ident || rc->index.hash != want)
		return false;
	rc_ident_of(rc->root_fd, INDEX_NAME, &now);
	return now.has_ident && now.ino == rc->index.ino && now.size == rc->index.size &&
	       now.mtime_ns == rc->index.mtime_ns;
}

/* Write the index of 'lists' unless the disk has it already. 'same': the lists are the
 * very entries of the index last written (every set carried over), so when that file is
 * still in place nothing needs to be emitted at all. */
int rc_write_index(struct run *x, const struct elist *lists, size_t n_lists, bool same)
{
	struct sc_reconciler *rc = x->r;
	struct hashsink k = { .fd = -1, .h = HASH64_INIT };
	cookie_io_functions_t io = { .write = sink_write };
	struct entry seen = {};
	struct pending *v;
	char tmp[NAME_MAX + 1];
	uint64_t have, want;
	struct stat st;
	FILE *f;
	int r;

	if (same && index_is_known(rc, rc->index.hash))
		return 0;
	/* Unchanged: hashed without writing anything. */
	r = index_hash(lists, n_lists, &want);
	if (r < 0)
		return r;
	if (index_is_known(rc, want))
		return 0;
	if (rc_disk_hash(rc->root_fd, INDEX_NAME, &have, &seen) && have == want) {
		rc->index = seen;
		rc->index.hash = want;
		return 0;
	}
	rc->index.has_ident = false;
	for (unsigned attempt = 0; attempt < 100 && k.fd < 0; attempt++) {
		(void)snprintf(tmp, sizeof(tmp), "." INDEX_NAME ".%d.%u" TMP_SUFFIX, (int)getpid(),
			       x->r->tmp_seq++);
		k.fd = openat(x->r->root_fd, tmp,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (k.fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (k.fd < 0)
		return -EEXIST;
	f = fopencookie(&k, "w", io);
	if (!f) {
		(void)close(k.fd);
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -ENOMEM;
	}
	(void)setvbuf(f, NULL, _IOFBF, 65536);
	index_emit(f, lists, n_lists);
	if (fclose(f) != 0 && !k.err)
		k.err = EIO;
	if (!k.err && fstat(k.fd, &st) == 0 && (rc_hash64_end(k.h, k.n)) == want) {
		/* The renamed file keeps this identity: the next pass compares against it. */
		seen = (struct entry){ .hash = want };
		rc_set_ident(&seen, &st);
	}
	if (close(k.fd) < 0 && !k.err)
		k.err = errno;
	if (k.err) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -k.err;
	}
	v = reallocarray(x->pend, x->n_pend + 1, sizeof(*v));
	if (!v) {
		(void)unlinkat(x->r->root_fd, tmp, 0);
		return -ENOMEM;
	}
	x->pend = v;
	v[x->n_pend] = (struct pending){ .tmp = strdup(tmp), .final = strdup(INDEX_NAME) };
	x->n_pend++;
	if (!v[x->n_pend - 1].tmp || !v[x->n_pend - 1].final) {
		rc_abort_pending(x);
		return -ENOMEM;
	}
	r = rc_commit_pending(x);
	if (r == 0)
		rc->index = seen;
	return r;
}
