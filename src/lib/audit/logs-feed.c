/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading a log file in chunks on several threads into one aggregation
 * (sc_logs_feed_file()): chunks cut at line starts, each parsed into an aggregation of its own,
 * joined in file order (sc_logs_join(): a pid followed across an exec at a cut) with their
 * audit serials accounted for as one reader would. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "syscage/audit.h"
#include "syscage/logs.h"
#include "audit/logs-internal.h"

/* Serials first, first + 1, ..., first + n - 1, one record each: a log's serials mostly
 * count up, so a chunk of millions of records keeps a handful of these. */
struct serial_run {
	uint64_t first, n;
};

/* Account for a run as sc_logs_serial_seen() would for each of its serials. */
static void account_serial_run(struct sc_logs *l, struct sc_logs_source *src,
			       const struct serial_run *run)
{
	sc_logs_serial_seen(sc_logs_stats(l), src, run->first);
	if (run->n > 1 && src->last_serial == run->first) {
		/* Each next one is last + 1: no gap, last moves on. */
		src->last_serial = run->first + run->n - 1;
		return;
	}
	for (uint64_t k = 1; k < run->n; k++) /* after a step back: one by one */
		sc_logs_serial_seen(sc_logs_stats(l), src, run->first + k);
}

/* One chunk of a file, parsed by whichever thread takes it into its own aggregation. Its audit
 * serials are kept in order so that the caller can account for gaps as a single reader
 * would. A cache line of its own: the next chunk is another thread's. */
struct chunk {
	_Alignas(64) struct sc_logs *l;
	uint64_t start, end; /* the lines starting in [start, end) */
	bool last;	     /* the last chunk: reads on to the end of the file */
	bool flush;	     /* ends where the file ends: a final line without '\n' is a line */
	struct serial_run *serials; /* the chunk's serials, in order, as runs */
	size_t n_serials, cap_serials;
	int err;
	atomic_bool finished;
};

/* What the threads share: chunks are taken in file order, the next one by whichever thread is
 * free, so a slower CPU (a busy host's, a little core) parses fewer of them. */
struct chunks {
	struct chunk *c;
	unsigned n;
	atomic_uint next;
	atomic_bool failed;
	atomic_uint_fast64_t done; /* bytes of finished chunks, for progress */
	const struct sc_logs_options *o;
};

/* A worker's read buffer: small enough for what read() copied to be parsed from the CPU's L2
 * cache (5% faster than 1 MiB). */
#define WORKER_BUFFER (256u << 10)

/* A worker: its own file offset (fd), line reader and record; on cache lines of its own, which
 * the reader writes on every line. */
struct worker {
	_Alignas(64) struct chunks *cs;
	int fd;
	struct sc_line_reader r;
	struct sc_audit_record *rec;
};

static int serial_add(struct chunk *ch, uint64_t serial)
{
	struct serial_run *last = ch->n_serials ? &ch->serials[ch->n_serials - 1] : NULL;

	if (last && serial == last->first + last->n) {
		last->n++;
		return 0;
	}
	if (ch->n_serials == ch->cap_serials) {
		size_t nc = ch->cap_serials ? ch->cap_serials * 2 : 256;
		struct serial_run *ns = realloc(ch->serials, nc * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		ch->serials = ns;
		ch->cap_serials = nc;
	}
	ch->serials[ch->n_serials++] = (struct serial_run){ serial, 1 };
	return 0;
}

/* The chunk's records into l; with serials, its serials kept in ch. */
static int chunk_read(struct worker *w, struct chunk *ch, struct sc_logs *l, bool serials)
{
	struct sc_line_reader *r = &w->r;
	int err = 0;

	if (lseek(w->fd, (off_t)ch->start, SEEK_SET) < 0)
		return -errno;
	sc_line_reader_reset(r, ch->start);
	r->limit = ch->last ? 0 : ch->end;
	r->overlong = 0;
	for (;;) {
		int k = sc_line_reader_next_record(r, ch->flush, SC_LOGS_PARSE_SKIP, w->rec);
		if (k <= 0) {
			err = k;
			break;
		}
		if (serials && w->rec->kind != SC_AUDIT_FOREIGN &&
		    (w->rec->have & SC_AUDIT_HAVE_SERIAL) &&
		    (err = serial_add(ch, w->rec->serial)) < 0)
			break;
		if ((err = sc_logs_add(l, NULL, w->rec)) < 0)
			break;
	}
	sc_logs_stats(l)->overlong += r->overlong;
	return err;
}

static int chunk_run(struct worker *w, struct chunk *ch)
{
	ch->l = sc_logs_new(w->cs->o);
	if (!ch->l)
		return -ENOMEM;
	sc_logs_set_chunk(ch->l);
	return chunk_read(w, ch, ch->l, true);
}

/* Take chunks until none is left (or one failed); 'one' stops after one chunk. */
static void worker_run(struct worker *w, bool one)
{
	struct chunks *cs = w->cs;

	for (;;) {
		unsigned i = atomic_fetch_add(&cs->next, 1);
		if (i >= cs->n || atomic_load(&cs->failed))
			return;
		struct chunk *ch = &cs->c[i];
		ch->err = chunk_run(w, ch);
		if (ch->err < 0)
			atomic_store(&cs->failed, true);
		atomic_fetch_add(&cs->done, ch->end - ch->start);
		atomic_store_explicit(&ch->finished, true, memory_order_release);
		if (one)
			return;
	}
}

static void *worker_thread(void *p)
{
	worker_run(p, false);
	return NULL;
}

static int worker_init(struct worker *w, struct chunks *cs, int fd)
{
	*w = (struct worker){ .cs = cs, .fd = fd };
	w->rec = malloc(sizeof(*w->rec));
	if (!w->rec || sc_line_reader_init(&w->r, fd, WORKER_BUFFER) < 0) {
		free(w->rec);
		w->rec = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void worker_done(struct worker *w)
{
	if (!w->rec)
		return;
	sc_line_reader_done(&w->r);
	free(w->rec);
	w->rec = NULL;
}

/* Where the first line starting at or after 'at' begins (just after a '\n'), or 'size'. */
static uint64_t line_start_after(int fd, uint64_t at, uint64_t size)
{
	char buf[4096];

	while (at < size) {
		ssize_t k = pread(fd, buf, sizeof(buf), (off_t)(at - 1));
		if (k <= 0)
			return size;
		char *nl = memchr(buf, '\n', (size_t)k);
		if (nl)
			return at + (uint64_t)(nl - buf);
		at += (uint64_t)k;
	}
	return size;
}

/* Merge the chunks from *merged on that are finished, in file order; stop at the first one
 * that is not (or failed). A chunk that cannot be joined (sc_logs_join(): a process past
 * RUN_MAX_* with the records before the cut, that execs in the chunk; one reader's table of
 * runs filling within it; rare) is read again by w, the caller's worker, into l, which holds
 * what one reader had at the cut. */
static int merge_finished(struct sc_logs *l, struct sc_logs_source *src, struct chunks *cs,
			  struct worker *w, unsigned *merged)
{
	for (; *merged < cs->n; (*merged)++) {
		struct chunk *ch = &cs->c[*merged];
		int r;

		if (!atomic_load_explicit(&ch->finished, memory_order_acquire))
			return 0;
		if (ch->err < 0)
			return ch->err;
		r = sc_logs_join(l, ch->l);
		if (r == 1)
			r = chunk_read(w, ch, l, false);
		if (r < 0)
			return r;
		for (size_t k = 0; src && k < ch->n_serials; k++)
			account_serial_run(l, src, &ch->serials[k]);
		ch->l = sc_logs_free(ch->l);
		free(ch->serials);
		ch->serials = NULL;
	}
	return 0;
}

/* Chunks of at least 4 MiB and at most 64 MiB, about 32 per thread: enough for threads on
 * CPUs of different speeds to end together, few enough to cost nothing. */
#define CHUNK_MIN (4ull << 20)
#define CHUNK_MAX (64ull << 20)

/* SYSCAGE_TEST_CHUNK_BYTES=N: chunks of N bytes (a test hook: a small file cut in many places,
 * to check that the result does not depend on where). */
static uint64_t chunk_step(uint64_t size, unsigned threads)
{
	const char *e = getenv("SYSCAGE_TEST_CHUNK_BYTES");
	uint64_t step;

	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (!*end && v > 0)
			return v;
	}
	step = size / threads / 32;
	return step < CHUNK_MIN ? CHUNK_MIN : step > CHUNK_MAX ? CHUNK_MAX : step;
}

/* sc_logs_feed_file() on one thread, line after line. */
static int feed_in_order(struct sc_logs *l, struct sc_logs_source *src, int fd, uint64_t size,
			 void (*progress)(uint64_t done, uint64_t total, void *userdata),
			 void *userdata)
{
	struct worker w;
	uint64_t n = 0;
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	r = worker_init(&w, NULL, fd);
	if (r < 0)
		return r;
	for (;;) {
		r = sc_line_reader_next_record(&w.r, true, SC_LOGS_PARSE_SKIP, w.rec);
		if (r <= 0)
			break;
		r = sc_logs_add(l, src, w.rec);
		if (r < 0)
			break;
		if (progress && (++n & 0xfffff) == 0)
			progress(w.r.offset, size, userdata);
	}
	sc_logs_stats(l)->overlong += w.r.overlong;
	worker_done(&w);
	if (r == 0 && progress)
		progress(size, size, userdata);
	return r;
}

int sc_logs_feed_file(struct sc_logs *l, struct sc_logs_source *src, int fd, unsigned threads,
		      void (*progress)(uint64_t done, uint64_t total, void *userdata),
		      void *userdata)
{
	struct chunks cs = { .o = sc_logs_opts(l) };
	struct worker *w;
	pthread_t *tid;
	struct stat st;
	unsigned n_workers = 0, n_threads = 1, merged = 0;
	uint64_t size, step;
	int r = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ESPIPE;
	size = (uint64_t)st.st_size;
	if (sc_logs_has_window(l))
		/* Loss counts relative to the window's first record: in file order. */
		return feed_in_order(l, src, fd, size, progress, userdata);
	if (threads < 1)
		threads = 1;
	step = chunk_step(size, threads);
	cs.n = (unsigned)(size / step) + 1;
	/* No more threads than chunks. */
	if (threads > cs.n)
		threads = cs.n;
	cs.c = aligned_alloc(_Alignof(struct chunk), cs.n * sizeof(*cs.c));
	if (cs.c)
		memset(cs.c, 0, cs.n * sizeof(*cs.c));
	w = aligned_alloc(_Alignof(struct worker), threads * sizeof(*w));
	tid = calloc(threads, sizeof(*tid));
	if (!cs.c || !w || !tid) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < cs.n; i++) {
		struct chunk *ch = &cs.c[i];
		ch->start = i ? cs.c[i - 1].end : 0;
		ch->last = i == cs.n - 1;
		/* A line longer than a chunk can push a start past the next cut. */
		uint64_t cut = step * (i + 1);
		ch->end = ch->last ? size
				   : line_start_after(fd, cut > ch->start ? cut : ch->start, size);
		ch->flush = ch->last || ch->end == size;
	}
	for (; n_workers < threads; n_workers++) {
		char path[64];
		int wfd = fd;

		if (n_workers > 0) {
			/* Each worker has its own file offset: a new open file description. */
			(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			wfd = open(path, O_RDONLY | O_CLOEXEC);
			if (wfd < 0) {
				r = -errno;
				goto out;
			}
		}
		r = worker_init(&w[n_workers], &cs, wfd);
		if (r < 0) {
			if (n_workers > 0)
				(void)close(wfd);
			goto out;
		}
	}
	for (; n_threads < n_workers; n_threads++)
		if (pthread_create(&tid[n_threads], NULL, worker_thread, &w[n_threads]) != 0)
			break;
	/* The caller's thread takes chunks too, one at a time, merging what is finished and
	 * telling the progress in between. */
	while (atomic_load(&cs.next) < cs.n && !atomic_load(&cs.failed)) {
		worker_run(&w[0], true);
		r = merge_finished(l, src, &cs, &w[0], &merged);
		if (r < 0)
			atomic_store(&cs.failed, true);
		if (progress)
			progress(atomic_load(&cs.done), size, userdata);
	}
	for (unsigned i = 1; i < n_threads; i++) {
		while (progress && pthread_tryjoin_np(tid[i], NULL) != 0) {
			struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
			progress(atomic_load(&cs.done), size, userdata);
			nanosleep(&ts, NULL);
		}
		if (!progress)
			pthread_join(tid[i], NULL);
	}
	if (r == 0)
		r = merge_finished(l, src, &cs, &w[0], &merged);
	if (r == 0 && merged < cs.n)
		r = -EIO; /* cannot be: every chunk was taken and finished */
	if (progress && r == 0)
		progress(size, size, userdata);
out:
	for (unsigned i = 0; i < n_workers; i++) {
		worker_done(&w[i]);
		if (i > 0)
			(void)close(w[i].fd);
	}
	for (unsigned i = 0; cs.c && i < cs.n; i++) {
		sc_logs_free(cs.c[i].l);
		free(cs.c[i].serials);
	}
	free(cs.c);
	free(w);
	free(tid);
	return r;
}
