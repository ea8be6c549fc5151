/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* yaml-floor [-j 2] FILE...: libfyaml parsing FILEs (every event of every document) and nothing
 * else: the floor of bench/k8s.sh, what any reader of the same YAML with libfyaml pays. With
 * -j 2, the same text on two threads at once: each file over 64 KiB cut in two at a "---"
 * line near its middle, the pieces shared between the threads by size (what a second core
 * buys any reader that can cut its input so). */
#include <fcntl.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct piece {
	const char *buf;
	size_t len;
};

struct worker {
	struct piece *v;
	size_t n, bytes;
	unsigned long events;
	int bad;
};

/* Every event of 'p', or -1 when it does not parse. */
static long parse(struct fy_parser *p)
{
	struct fy_event *e;
	long events = 0;

	while ((e = fy_parser_parse(p)) != NULL) {
		events++;
		fy_parser_event_free(p, e);
	}
	return fy_parser_get_stream_error(p) ? -1 : events;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (size_t i = 0; i < w->n; i++) {
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
		struct fy_parser *p = fy_parser_create(&cfg);
		long n;

		if (!p || fy_parser_set_string(p, w->v[i].buf, w->v[i].len) != 0) {
			w->bad = 1;
			return NULL;
		}
		n = parse(p);
		fy_parser_destroy(p);
		if (n < 0) {
			w->bad = 1;
			return NULL;
		}
		w->events += (unsigned long)n;
	}
	return NULL;
}

/* The start of a "---" line at or after the middle of 'buf', or 0. */
static size_t middle(const char *buf, size_t len)
{
	for (const char *p = buf + len / 2; (p = memmem(p, (size_t)(buf + len - p), "\n---", 4));
	     p += 4)
		if (p + 4 == buf + len || strchr(" \t\r\n", p[4]))
			return (size_t)(p + 1 - buf);
	return 0;
}

static int two_threads(int n, char **files)
{
	struct piece *v = calloc(2 * (size_t)n, sizeof(*v));
	struct worker w[2] = {};
	size_t nv = 0;
	pthread_t tid;

	for (int i = 0; v && i < n; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		struct stat st;
		const char *buf;
		size_t at;

		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
			fprintf(stderr, "yaml-floor: cannot read %s\n", files[i]);
			return 1;
		}
		buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (buf == MAP_FAILED)
			return 1;
		at = st.st_size > (64 << 10) ? middle(buf, (size_t)st.st_size) : 0;
		if (at)
			v[nv++] = (struct piece){ buf, at };
		v[nv++] = (struct piece){ buf + at, (size_t)st.st_size - at };
	}
	if (!v)
		return 1;
	for (size_t i = 0; i < 2; i++)
		w[i].v = calloc(nv, sizeof(*w[i].v));
	if (!w[0].v || !w[1].v)
		return 1;
	/* The halves of a file go one to each thread; the rest to whichever has less. */
	for (size_t i = 0; i < nv; i++) {
		struct worker *to = w[0].bytes <= w[1].bytes ? &w[0] : &w[1];
		to->v[to->n++] = v[i];
		to->bytes += v[i].len;
	}
	if (pthread_create(&tid, NULL, work, &w[1]) != 0)
		return 1;
	work(&w[0]);
	pthread_join(tid, NULL);
	if (w[0].bad || w[1].bad) {
		fprintf(stderr, "yaml-floor: a piece does not parse\n");
		return 1;
	}
	printf("%lu events on 2 threads (%zu and %zu bytes)\n", w[0].events + w[1].events,
	       w[0].bytes, w[1].bytes);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long events = 0;

	if (argc > 2 && strcmp(argv[1], "-j") == 0) {
		if (strcmp(argv[2], "2") != 0) {
			fprintf(stderr, "yaml-floor: -j takes 2\n");
			return 2;
		}
		return two_threads(argc - 3, argv + 3);
	}
	for (int i = 1; i < argc; i++) {
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
		struct fy_parser *p = fy_parser_create(&cfg);
		long n;

		if (!p || fy_parser_set_input_file(p, argv[i]) != 0) {
			fprintf(stderr, "yaml-floor: cannot read %s\n", argv[i]);
			return 1;
		}
		n = parse(p);
		if (n < 0) {
			fprintf(stderr, "yaml-floor: %s does not parse\n", argv[i]);
			return 1;
		}
		events += (unsigned long)n;
		fy_parser_destroy(p);
	}
	printf("%lu events\n", events);
	return 0;
}
