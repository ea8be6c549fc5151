/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading manifest files: a directory's files, a regular file mapped (given back as it is
 * read), whether it changed since, and a big file read in pieces on several threads at once
 * (cut where a document starts, the pieces' workloads joined as one read would have them). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/install.h"
#include "base/thread.h"
#include "k8s/manifest.h"
#include "macro.h"
#include "syscage/k8s.h"

/* A file this big or bigger is read in pieces with jobs > 1 (a thread pays off). */
#define SPLIT_MIN (1u << 20)

/* Pieces a big file is cut into per thread reading it: taken as they come, the threads end
 * within a piece of each other whatever else shares their CPUs (the policies' reader). */
#define PIECES_PER_THREAD 8
#define PIECES_MAX	  64
/* Pieces smaller than this are not worth a parser of their own. */
#define PIECE_MIN	  (128u << 10)

/* Where to cut 'buf' into pieces: the start of the first "---" line at or after each n-th of
 * it, 'n' at most PIECES_MAX; returns how many cuts (0: not cut). A text with directives
 * ("%" lines) or explicit document ends ("..." lines) is not cut: a piece read on its own
 * could then read other documents than one read of the whole. A cut elsewhere that one read
 * would not make (inside a flow collection or a quoted text) fails to parse in the piece
 * before, and the file is read again whole. */
static size_t cuts_at(const char *buf, size_t len, size_t n, size_t *cut, uint32_t *cut_lines)
{
	const char *end = buf + len, *p;
	size_t k = 0;
	uint32_t lines = 0;

	if (len < SPLIT_MIN || buf[0] == '%')
		return 0;
	/* One pass over the line starts (memmem for each marker took 4 instructions a byte,
	 * before the other threads could start), counting the lines before each cut. */
	for (p = buf; (p = memchr(p, '\n', (size_t)(end - p))) && (lines++, ++p < end);) {
		if (*p == '%')
			return 0;
		if (end - p < 3 || (*p != '.' && *p != '-') || p[1] != *p || p[2] != *p)
			continue;
		if (p + 3 < end && !strchr(" \t\r\n", p[3]))
			continue;
		if (*p == '.')
			return 0;
		if (k + 1 < n && p > buf + len / n * (k + 1)) {
			cut_lines[k] = lines;
			cut[k++] = (size_t)(p - buf);
		}
	}
	return k;
}

struct piece {
	const char *buf;
	size_t len;
	uint32_t by, lines; /* where it starts in the file: the offset, the lines before */
	struct sc_diags d;
	struct sc_k8s_file *f;
	size_t used;
	int r;
};

struct pieces {
	struct piece *v;
	size_t n;
	size_t next; /* the next piece to take (atomic) */
	enum sc_k8s_keep keep;
	const char *name, *default_ns;
};

static void piece_move(struct piece *h);

static void piece_parse(const struct pieces *ps, struct piece *h)
{
	struct k8s_parse how = {
		.mapped = true, .lent = true, .keep = ps->keep, .ret_used = &h->used
	};

	h->r = k8s_text_parse((char *)h->buf, h->len, &how, ps->name, ps->default_ns, &h->d, &h->f);
	if (h->r == 0 && h->by)
		piece_move(h); /* on this thread, while the others read */
}

/* Pieces as they come, until none is left. */
static void *pieces_work(void *arg)
{
	struct pieces *ps = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&ps->next, 1, __ATOMIC_RELAXED)) < ps->n)
		piece_parse(ps, &ps->v[i]);
	return NULL;
}

/* A kept node of a later piece and all below it, moved to where it is in the file. */
static void node_move(struct yn *n, uint32_t by, uint32_t lines)
{
	if (!n)
		return;
	n->start += by;
	n->end += by;
	n->line += lines;
	if (n->flow && n->t != YN_SCALAR)
		*yn_close(n) += by;
	if (n->t != YN_SCALAR)
		for (size_t i = 0; i < n->n; i++)
			node_move(n->kids[i], by, lines);
}

static void loc_move(struct sc_loc *l, uint32_t lines)
{
	if (l->line)
		l->line += lines;
}

/* A later piece's workloads and kept nodes, their positions made the file's. */
static void piece_move(struct piece *h)
{
	struct sc_k8s_file *b = h->f;

	for (size_t i = 0; i < b->n_workloads; i++) {
		struct sc_k8s_workload *x = &b->workloads[i];
		struct wpos *p = &b->tree->wp[i];
		loc_move(&x->loc, h->lines);
		loc_move(&x->pod_seccomp.loc, h->lines);
		loc_move(&x->pod_seccomp.path_loc, h->lines);
		loc_move(&x->legacy_pod_loc, h->lines);
		for (size_t k = 0; k < x->n_containers; k++) {
			loc_move(&x->containers[k].loc, h->lines);
			loc_move(&x->containers[k].seccomp.loc, h->lines);
			loc_move(&x->containers[k].seccomp.path_loc, h->lines);
			loc_move(&x->containers[k].legacy_loc, h->lines);
		}
		p->doc_end += h->by;
		node_move(p->holder, h->by, h->lines);
		node_move(p->podspec, h->by, h->lines);
		for (size_t k = 0; p->containers && k < p->n_containers; k++)
			node_move(p->containers[k], h->by, h->lines);
	}
}

/* The pieces' workloads after the first's, in order (each moved to its place already), what
 * their arenas hold the first's now. */
static int pieces_join(struct piece *v, size_t n)
{
	struct sc_k8s_file *a = v[0].f;
	size_t total = 0, at = a->n_workloads;
	struct sc_k8s_workload *w;
	struct wpos *wp;
	struct chunk **last;

	for (size_t i = 0; i < n; i++)
		total += v[i].f->n_workloads;
	w = reallocarray(a->workloads, total ? total : 1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	a->workloads = w;
	wp = reallocarray(a->tree->wp, total ? total : 1, sizeof(*wp));
	if (!wp)
		return -ENOMEM;
	a->tree->wp = wp;
	for (last = &a->tree->arena.head; *last; last = &(*last)->next)
		;
	for (size_t i = 1; i < n; i++) {
		struct sc_k8s_file *b = v[i].f;
		for (size_t k = 0; k < b->n_workloads; k++)
			b->workloads[k].file = a->name;
		memcpy(a->workloads + at, b->workloads, b->n_workloads * sizeof(*w));
		memcpy(a->tree->wp + at, b->tree->wp, b->n_workloads * sizeof(*wp));
		at += b->n_workloads;
		b->n_workloads = 0; /* theirs now, as is what b's arena holds */
		*last = b->tree->arena.head;
		b->tree->arena.head = NULL;
		while (*last)
			last = &(*last)->next;
	}
	a->n_workloads = total;
	return 0;
}

int k8s_split_parse(char *buf, size_t len, enum sc_k8s_keep keep, unsigned jobs, const char *name,
		    const char *default_ns, struct sc_diags *d, struct sc_k8s_file **ret)
{
	size_t cut[PIECES_MAX], n = 0, used = 0, want = (size_t)jobs * PIECES_PER_THREAD;
	uint32_t cut_lines[PIECES_MAX];
	struct piece v[PIECES_MAX] = {};
	struct pieces ps = { .v = v, .keep = keep, .name = name, .default_ns = default_ns };
	struct k8s_parse whole = { .mapped = true, .keep = keep };
	pthread_t tid[PIECES_MAX];
	unsigned started = 0;
	int r = 0;

	if (want > PIECES_MAX)
		want = PIECES_MAX;
	if (want > len / PIECE_MIN)
		want = len / PIECE_MIN;
	if (jobs > 1 && want > 1)
		n = cuts_at(buf, len, want, cut, cut_lines);
	if (!n)
		return k8s_text_parse(buf, len, &whole, name, default_ns, d, ret);
	for (size_t i = 0; i <= n; i++) {
		size_t from = i ? cut[i - 1] : 0;
		v[i] = (struct piece){ .buf = buf + from,
				       .len = (i < n ? cut[i] : len) - from,
				       .by = (uint32_t)from,
				       .lines = i ? cut_lines[i - 1] : 0 };
	}
	ps.n = n + 1;
	for (unsigned t = 0; t + 1 < jobs && t + 1 < ps.n; t++) {
		if (sc_thread_create(&tid[t], pieces_work, &ps) < 0)
			break; /* the others take its share */
		started++;
	}
	(void)pieces_work(&ps);
	for (unsigned t = 0; t < started; t++)
		(void)pthread_join(tid[t], NULL);
	/* Anything to say (an error, a note), or more aliases than one read allows: read
	 * whole, which says it as it always did. */
	for (size_t i = 0; i < ps.n; i++) {
		if (v[i].r != 0 || v[i].d.n)
			r = -EAGAIN;
		used += v[i].used;
	}
	if (used > len + (1u << 20))
		r = -EAGAIN;
	if (r == 0)
		r = pieces_join(v, ps.n);
	if (r == 0) {
		v[0].f->text = buf;
		v[0].f->len = len;
		*ret = TAKE_PTR(v[0].f);
	}
	for (size_t i = 0; i < ps.n; i++) {
		if (v[i].f)
			v[i].f->text = NULL; /* lent */
		sc_k8s_file_free(v[i].f);
		sc_diags_clear(&v[i].d);
	}
	if (r == -EAGAIN)
		return k8s_text_parse(buf, len, &whole, name, default_ns, d, ret);
	if (r < 0)
		(void)munmap(buf, len);
	return r;
}

struct flist {
	char **v;
	size_t n;
};

static bool manifest_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (streq(dot, ".yaml") || streq(dot, ".yml") || streq(dot, ".json"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, unsigned depth, struct flist *l)
{
	cleanup_free char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *dp;
	struct dirent *de;
	int r = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = reallocarray(names, cap ? cap * 2 : 16, sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			names = v;
			cap = cap ? cap * 2 : 16;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	(void)closedir(dp);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;
		if (r == 0 && asprintf(&path, "%s/%s", dir, names[i]) < 0)
			r = -ENOMEM;
		if (r == 0 && lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				r = walk(path, depth + 1, l);
			} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
				   manifest_ext(names[i])) {
				char **v = reallocarray(l->v, l->n + 1, sizeof(*v));
				if (!v) {
					r = -ENOMEM;
				} else {
					l->v = v;
					l->v[l->n++] = TAKE_PTR(path);
				}
			}
		}
		free(path);
		free(names[i]);
	}
	return r;
}

/* A regular file's text as a private read-only mapping (*ret NULL: read it instead: stdin, not
 * a regular file, empty, or a size a multiple of the page, which leaves no NUL after the text
 * within the mapping). Binding reads it twice, each time in order: its pages are given back
 * behind the reader (sc_text_drop), so a big file is never held whole. Returns 0 or -errno
 * (then the read reports it). */
static int map_file(const char *path, char **ret, size_t *ret_len, struct stat *ret_st)
{
	cleanup_close int fd = -1;
	struct stat st;
	void *p;

	*ret = NULL;
	if (streq(path, "-"))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > MAX_MANIFEST || st.st_size % sysconf(_SC_PAGESIZE) == 0)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	*ret = p;
	*ret_len = (size_t)st.st_size;
	*ret_st = st;
	return 0;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int sc_k8s_file_unchanged(const struct sc_k8s_file *f)
{
	const struct sc_k8s_tree *t = f->tree;
	struct stat st;

	if (!t || !t->mapped)
		return 0; /* read whole: a copy, whatever happens to the file */
	if (stat(f->name, &st) < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	if ((uint64_t)st.st_dev != t->dev || (uint64_t)st.st_ino != t->ino ||
	    (uint64_t)st.st_size != t->size || ns_of(&st.st_mtim) != t->mtime_ns ||
	    ns_of(&st.st_ctim) != t->ctime_ns)
		return -ESTALE;
	return 0;
}

/* One manifest file, mapped or read, parsed into *ret. Returns as parse_owned; a file that
 * cannot be read is -EIO, with its error in 'd'. */
static int read_one(const char *path, const char *default_ns, enum sc_k8s_keep keep, unsigned jobs,
		    struct sc_diags *d, struct sc_k8s_file **ret)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	char *map = NULL;
	struct stat st;
	int r = map_file(path, &map, &len, &st);

	if (r == 0 && map) {
		r = k8s_split_parse(map, len, keep, jobs, path, default_ns, d, ret);
		if (r == 0 && *ret && (*ret)->tree) {
			struct sc_k8s_tree *t = (*ret)->tree;
			t->dev = (uint64_t)st.st_dev;
			t->ino = (uint64_t)st.st_ino;
			t->size = (uint64_t)st.st_size;
			t->mtime_ns = ns_of(&st.st_mtim);
			t->ctime_ns = ns_of(&st.st_ctim);
		}
		return r;
	}
	if (r == 0)
		r = sc_read_file(path, MAX_MANIFEST, &buf, &len);
	if (r < 0) {
		(void)sc_diags_cannot_read(d, path, strerror(-r));
		return -EIO;
	}
	if (len > MAX_MANIFEST)
		return -EFBIG;
	/* The text is the buffer read (shrunk to fit), not a copy. */
	char *fit = realloc(buf, len + 1);
	if (fit)
		buf = fit;
	return k8s_text_parse(TAKE_PTR(buf), len, &(struct k8s_parse){ .keep = keep },
			      streq(path, "-") ? "<stdin>" : path, default_ns, d, ret);
}

int sc_k8s_files_read(const char *path, const char *default_ns, struct sc_diags *d,
		      struct sc_k8s_file ***ret, size_t *ret_n)
{
	return sc_k8s_files_read_keep(path, default_ns, SC_K8S_KEEP_ALL, d, ret, ret_n);
}

int sc_k8s_files_read_keep(const char *path, const char *default_ns, enum sc_k8s_keep keep,
			   struct sc_diags *d, struct sc_k8s_file ***ret, size_t *ret_n)
{
	return sc_k8s_files_read_jobs(path, default_ns, keep, 1, d, ret, ret_n);
}

int sc_k8s_files_read_jobs(const char *path, const char *default_ns, enum sc_k8s_keep keep,
			   unsigned jobs, struct sc_diags *d, struct sc_k8s_file ***ret,
			   size_t *ret_n)
{
	struct flist l = {};
	struct sc_k8s_file **files = NULL;
	size_t nf = 0;
	struct stat st;
	int r = 0, bad = 0;

	if (!streq(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* "dir/" names its files "dir/x.yaml", not "dir//x.yaml". */
		cleanup_free char *dir = strdup(path);
		size_t dl = dir ? strlen(dir) : 0;
		while (dl > 1 && dir[dl - 1] == '/')
			dir[--dl] = '\0';
		r = dir ? walk(dir, 0, &l) : -ENOMEM;
	} else {
		l.v = calloc(1, sizeof(char *));
		if (!l.v || !(l.v[0] = strdup(path)))
			r = -ENOMEM;
		else
			l.n = 1;
	}
	if (r == 0) {
		files = calloc(l.n + 1, sizeof(*files));
		if (!files)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		r = read_one(l.v[i], default_ns, keep, jobs, d, &files[nf]);
		if (r == -EIO) {
			r = -EINVAL; /* the files after it are not read */
			break;
		}
		if (r == -EINVAL) {
			bad = r;
			r = 0;
		} else if (r == 0) {
			nf++;
		}
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (r == 0)
		r = bad;
	if (r < 0) {
		sc_k8s_files_free(files, nf);
		return r;
	}
	*ret = files;
	*ret_n = nf;
	return 0;
}
