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
#include "k8s/k8s-list.h"
#include "k8s/manifest.h"
#include "macro.h"
#include "syscage/k8s.h"

/* A file this big or bigger is read in pieces with jobs > 1 (a thread pays off). */
#define SPLIT_MIN (1u << 20)

/* Pieces a big file's documents are cut into per thread reading it: taken as they come, the
 * threads end within a piece of each other whatever else shares their CPUs (the policies'
 * reader). */
#define PIECES_PER_THREAD 8
#define PIECES_MAX	  64
/* Pieces smaller than this are not worth a parser of their own. */
#define PIECE_MIN	  (128u << 10)

/* A piece of the text read on its own: documents; or a range of a List's items (each item a
 * unit of its own), read with the next range's first item to see that the cut between them
 * is where a whole read has an item start; or a List's skeleton, which shows the List's items
 * are where its ranges were cut (k8s-list.h). */
struct piece {
	const char *buf;
	size_t len;
	uint32_t by, lines; /* where it starts in the file: the offset, the lines before */
	const struct k8s_list *list;
	size_t first, count; /* the List's items it reads */
	bool overlap;	     /* ... and the next range's first, looked at only */
	bool skel;
	struct sc_diags d;
	struct sc_k8s_file *f;
	size_t used, merges;
	int r;
};

struct pieces {
	struct piece *v;
	size_t n, cap;
	size_t next; /* the next piece to take (atomic) */
	const char *text;
	bool mapped;
	enum sc_k8s_keep keep;
	const char *name, *default_ns;
};

static void piece_move(struct piece *h);

/* A List's skeleton: read, nothing kept; -EAGAIN unless it is the shape its cut needs. */
static void skeleton_parse(const struct pieces *ps, struct piece *h)
{
	struct k8s_skel sk;
	size_t len = 0;
	char *text = k8s_list_skeleton(ps->text, h->list, &len, &sk);
	struct k8s_parse how = {
		.lent = true, .keep = SC_K8S_KEEP_NONE, .skel = &sk, .ret_merges = &h->merges
	};

	if (!text) {
		h->r = -ENOMEM;
		return;
	}
	h->r = k8s_text_parse(text, len, &how, ps->name, NULL, &h->d, &h->f);
	if (h->f)
		h->f->text = NULL; /* lent */
	h->f = sc_k8s_file_free(h->f);
	free(text);
}

/* A range of a List's items: read after K8S_ITEMS (a copy), its positions made the
 * range's as if it had been read where it is (piece_move moves them on into the file). */
static void items_parse(const struct pieces *ps, struct piece *h, struct k8s_parse *how)
{
	char *text = malloc(K8S_ITEMS_LEN + h->len + 1);

	if (!text) {
		h->r = -ENOMEM;
		return;
	}
	memcpy(text, K8S_ITEMS, K8S_ITEMS_LEN);
	memcpy(text + K8S_ITEMS_LEN, h->buf, h->len);
	text[K8S_ITEMS_LEN + h->len] = '\0';
	how->mapped = false;
	how->items = true;
	how->item = h->list->item + h->first;
	how->n_items = h->count + h->overlap;
	how->items_by = h->by - (uint32_t)K8S_ITEMS_LEN;
	how->overlap = h->overlap;
	h->r = k8s_text_parse(text, K8S_ITEMS_LEN + h->len, how, ps->name, ps->default_ns, &h->d,
			      &h->f);
	if (h->f)
		h->f->text = NULL; /* lent */
	free(text);
	/* Where the copy's text is in the file: its first line is the prefix's. */
	h->by -= (uint32_t)K8S_ITEMS_LEN;
	h->lines -= 1;
}

/* Piece h read, what it keeps in 'arena' (its thread's). */
static void piece_parse(const struct pieces *ps, struct piece *h, struct arena *arena)
{
	struct k8s_parse how = { .mapped = ps->mapped,
				 .lent = true,
				 .keep = ps->keep,
				 .ret_used = &h->used,
				 .ret_merges = &h->merges,
				 .arena = arena };

	if (h->skel)
		skeleton_parse(ps, h);
	else if (h->list)
		items_parse(ps, h, &how);
	else
		h->r = k8s_text_parse((char *)h->buf, h->len, &how, ps->name, ps->default_ns, &h->d,
				      &h->f);
	/* '<<' merge keys' work is bounded per document: the List's, not a range's. */
	if (h->r == 0 && h->list && h->merges)
		h->r = -EAGAIN;
	if (h->r == 0 && h->f && (h->by || h->list))
		piece_move(h); /* on this thread, while the others read */
	/* A mapping's pages are given back as each document is read past: an items' range is
	 * one document, read now. */
	if (ps->mapped && h->list && !h->skel)
		sc_text_drop(ps->text, h->by + K8S_ITEMS_LEN, h->by + K8S_ITEMS_LEN + h->len);
}

/* A thread reading pieces, and what they keep. */
struct reader {
	struct pieces *ps;
	struct arena arena;
};

/* Pieces as they come, until none is left. */
static void *pieces_work(void *arg)
{
	struct reader *rd = arg;
	struct pieces *ps = rd->ps;
	size_t i;

	while ((i = __atomic_fetch_add(&ps->next, 1, __ATOMIC_RELAXED)) < ps->n)
		piece_parse(ps, &ps->v[i], &rd->arena);
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
		/* An item's unit starts with its List's items, a document's with itself. */
		p->unit_start = h->list ? h->list->item[0] : p->unit_start + h->by;
		node_move(p->holder, h->by, h->lines);
		node_move(p->podspec, h->by, h->lines);
		for (size_t k = 0; p->containers && k < p->n_containers; k++)
			node_move(p->containers[k], h->by, h->lines);
	}
}

/* The pieces' workloads after the first's, in order (each moved to its place already), what
 * the readers' arenas hold the first's now (a skeleton has no file). Returns the first's
 * index, -EAGAIN (no piece read a workload's file), or -ENOMEM. */
static int pieces_join(struct piece *v, size_t n, struct reader *rd, size_t n_rd)
{
	struct sc_k8s_file *a = NULL;
	size_t total = 0, at, first = 0;
	struct sc_k8s_workload *w;
	struct wpos *wp;
	struct chunk **last;

	for (size_t i = 0; i < n; i++)
		if (v[i].f) {
			if (!a) {
				a = v[i].f;
				first = i;
			}
			total += v[i].f->n_workloads;
		}
	if (!a)
		return -EAGAIN;
	at = a->n_workloads;
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
	for (size_t i = first + 1; i < n; i++) {
		struct sc_k8s_file *b = v[i].f;
		if (!b || !b->n_workloads)
			continue; /* (a range of ConfigMaps: no arrays) */
		for (size_t k = 0; k < b->n_workloads; k++)
			b->workloads[k].file = a->name;
		memcpy(a->workloads + at, b->workloads, b->n_workloads * sizeof(*w));
		memcpy(a->tree->wp + at, b->tree->wp, b->n_workloads * sizeof(*wp));
		at += b->n_workloads;
		b->n_workloads = 0; /* theirs now */
	}
	for (size_t i = 0; i < n_rd; i++) {
		*last = rd[i].arena.head;
		rd[i].arena.head = NULL;
		while (*last)
			last = &(*last)->next;
	}
	a->n_workloads = total;
	return (int)first;
}

static int piece_add(struct pieces *ps, struct piece h)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		struct piece *v = reallocarray(ps->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n++] = h;
	return 0;
}

/* List l's pieces: its skeleton, then ranges of its items of about 'size' bytes, each read
 * with the next range's first item. */
static int list_pieces(struct pieces *ps, const struct k8s_list *l, size_t size)
{
	size_t n = l->n_items;
	int r = piece_add(ps, (struct piece){ .list = l, .skel = true });

	for (size_t k = 0, j; r == 0 && k < n; k = j) {
		size_t to;
		for (j = k + 1; j < n && l->item[j] - l->item[k] < size; j++)
			;
		to = j + 1 < n ? l->item[j + 1] : l->items_end;
		r = piece_add(ps, (struct piece){ .buf = ps->text + l->item[k],
						  .len = to - l->item[k],
						  .by = l->item[k],
						  .lines = l->line[k],
						  .list = l,
						  .first = k,
						  .count = j - k,
						  .overlap = j < n });
	}
	return r;
}

/* Where to cut the text's documents for 'want' pieces: the first "---" line after each n-th
 * of it; returns how many cuts. */
static size_t doc_cuts(const struct k8s_scan *s, size_t len, size_t want, size_t *cut,
		       uint32_t *cut_lines)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_docs && k + 1 < want; i++)
		if (s->doc[i] > len / want * (k + 1)) {
			cut_lines[k] = s->doc_line[i];
			cut[k++] = s->doc[i];
		}
	return k;
}

/* The pieces of 'buf': documents cut where the scan found their "---" lines (with jobs > 1,
 * a big file), the Lists it found each cut at its items. None: read it whole. A text with
 * directives ("%" lines) or explicit document ends ("..." lines) is not cut: a piece read on
 * its own could then read other documents than one read of the whole. A cut elsewhere that
 * one read would not make (inside a flow collection or a quoted text) fails to parse in the
 * piece before, or does not find an item where the cut is, and the file is read again whole. */
static int plan(struct pieces *ps, size_t len, const struct k8s_split *how, struct k8s_scan *s)
{
	size_t cut[PIECES_MAX], nc = 0, want = (size_t)how->jobs * PIECES_PER_THREAD;
	uint32_t cut_lines[PIECES_MAX], pos_line = 0;
	bool docs = how->jobs > 1 && len >= SPLIT_MIN;
	size_t pos = 0, ci = 0;
	int r;

	if (!docs && len < how->list_min)
		return 0;
	r = k8s_scan(ps->text, len, how->list_min, s);
	if (r < 0 || s->whole)
		return r;
	if (want > PIECES_MAX)
		want = PIECES_MAX;
	if (want > len / PIECE_MIN)
		want = len / PIECE_MIN;
	if (docs && want > 1)
		nc = doc_cuts(s, len, want, cut, cut_lines);
	if (!nc && !s->n_lists)
		return 0;
	for (size_t li = 0; r == 0; li++) {
		const struct k8s_list *l = li < s->n_lists ? &s->lists[li] : NULL;
		size_t to = l ? l->doc_start : len;
		/* The documents up to the List (or the end), cut where chosen. */
		while (ci < nc && cut[ci] <= pos)
			ci++;
		while (r == 0 && pos < to) {
			size_t e = ci < nc && cut[ci] < to ? cut[ci] : to;
			r = piece_add(ps, (struct piece){ .buf = ps->text + pos,
							  .len = e - pos,
							  .by = (uint32_t)pos,
							  .lines = pos_line });
			if (e < to)
				pos_line = cut_lines[ci++];
			pos = e;
		}
		if (!l || r < 0)
			break;
		r = list_pieces(ps, l, how->list_piece);
		pos = l->doc_end;
		pos_line = l->end_line;
	}
	return r;
}

/* The pieces read on 'jobs' threads (the caller's one of them), then joined as one read of
 * the text: 0, -EAGAIN (a piece had something to say, or was not cut where a whole read
 * reads: read it whole), or -ENOMEM. */
static int pieces_read(struct pieces *ps, unsigned jobs, size_t len, struct sc_k8s_file **ret)
{
	pthread_t tid[PIECES_MAX];
	struct reader rd[PIECES_MAX];
	unsigned started = 0;
	size_t used = 0;
	int r = 0;

	for (unsigned t = 0; t < PIECES_MAX; t++)
		rd[t] = (struct reader){ .ps = ps };
	for (unsigned t = 0; t + 1 < jobs && t + 1 < PIECES_MAX && t + 1 < ps->n; t++) {
		if (sc_thread_create(&tid[t], pieces_work, &rd[t + 1]) < 0)
			break; /* the others take its share */
		started++;
	}
	(void)pieces_work(&rd[0]);
	for (unsigned t = 0; t < started; t++)
		(void)pthread_join(tid[t], NULL);
	/* Anything to say (an error, a note), or more aliases than one read allows: read
	 * whole, which says it as it always did. */
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].r != 0 || ps->v[i].d.n)
			r = -EAGAIN;
		used += ps->v[i].used;
	}
	if (used > len + (1u << 20))
		r = -EAGAIN;
	if (r == 0)
		r = pieces_join(ps->v, ps->n, rd, started + 1);
	if (r >= 0) {
		struct piece *h = &ps->v[r];
		h->f->text = (char *)ps->text;
		h->f->len = len;
		h->f->tree->mapped = ps->mapped; /* (an items range was read from a copy) */
		*ret = TAKE_PTR(h->f);
		r = 0;
	}
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].f)
			ps->v[i].f->text = NULL; /* lent */
		sc_k8s_file_free(ps->v[i].f);
		sc_diags_clear(&ps->v[i].d);
	}
	for (unsigned t = 0; t <= started; t++)
		sc_arena_free(&rd[t].arena); /* joined: empty */
	return r;
}

int k8s_split_parse(char *buf, size_t len, enum sc_k8s_keep keep, const struct k8s_split *how,
		    const char *name, const char *default_ns, struct sc_diags *d,
		    struct sc_k8s_file **ret)
{
	struct pieces ps = { .text = buf,
			     .mapped = how->mapped,
			     .keep = keep,
			     .name = name,
			     .default_ns = default_ns };
	struct k8s_parse whole = { .mapped = how->mapped, .keep = keep };
	struct k8s_scan s = {};
	int r = plan(&ps, len, how, &s);

	if (r == 0 && ps.n)
		r = pieces_read(&ps, how->jobs, len, ret);
	k8s_scan_free(&s);
	free(ps.v);
	if (r == 0 && ps.n)
		return 0;
	if (r == 0 || r == -EAGAIN)
		return k8s_text_parse(buf, len, &whole, name, default_ns, d, ret);
	if (how->mapped)
		(void)munmap(buf, len);
	else
		free(buf);
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
	struct k8s_split how = {
		.mapped = true, .jobs = jobs, .list_min = K8S_LIST_MIN, .list_piece = K8S_LIST_PIECE
	};
	int r = map_file(path, &map, &len, &st);

	if (r == 0 && map) {
		r = k8s_split_parse(map, len, keep, &how, path, default_ns, d, ret);
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
	/* Cut as a mapped file is: a List read from stdin (kubectl get -o yaml | ...) is
	 * bound an item at a time too. */
	how.mapped = false;
	return k8s_split_parse(TAKE_PTR(buf), len, keep, &how, streq(path, "-") ? "<stdin>" : path,
			       default_ns, d, ret);
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
