/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floors of bench/agent.sh: what any agent pays on this machine for the same files, with
 * no parsing, no merging and no index.
 *
 *   agent-floor write LIST ROOT      every "ns/name.json SIZE" line of LIST (the profiles a
 *                                    first reconcile installed): the file written with SIZE
 *                                    bytes as a temp file in ROOT/.tmp, one syncfs, then
 *                                    renamed to ROOT/ns/name.json; the directories fsync'ed
 *   agent-floor parse LIST ROOT DIR  the same as write, and on the same threads, in the same
 *                                    work items, every policy file of DIR (a ConfigMap volume:
 *                                    the keys of DIR/..data) read whole and parsed by
 *                                    libfyaml's event API, nothing else (each event freed, no
 *                                    text taken): what any agent that reads every policy with
 *                                    libfyaml pays, as DESIGN.md has the agent do. Each thread
 *                                    keeps one parser, reset after each input, the cheapest
 *                                    way libfyaml parses many small inputs
 *   agent-floor unchanged DIR ROOT   every policy file of DIR (a ConfigMap volume: the keys of
 *                                    DIR/..data) read whole and hashed, every profile below
 *                                    ROOT/<ns>/ stat'ed: what an unchanged pass must do at the
 *                                    least to see that nothing changed
 *
 * The files are split over one thread per CPU (4 at most), as the agent splits them. Prints
 * the number of files handled; the bench times the whole process, as it times the agent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 4

struct item {
	char *ns, *name; /* name: "x.json" */
	size_t size;
	int nsfd;
};

static struct item *items;
static size_t n_items, n_work, next_item; /* n_work: items of run_all's pass */
static int tmp_fd = -1;
static const char *filler;
static uint64_t sink; /* the hashes, so the reads are not optimised away */

static void die(const char *what)
{
	fprintf(stderr, "agent-floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned n_threads(void)
{
	cpu_set_t cpus;
	unsigned n =
		sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
}

static void (*work_fn)(size_t i);

static void *work(void *arg)
{
	(void)arg;
	for (;;) {
		size_t i = __atomic_fetch_add(&next_item, 32, __ATOMIC_RELAXED);
		size_t end = i + 32 < n_work ? i + 32 : n_work;
		if (i >= n_work)
			break;
		for (; i < end; i++)
			work_fn(i);
	}
	return NULL;
}

/* Run 'fn' over [0, n) on every thread, 32 at a time. */
static void run_n(void (*fn)(size_t i), size_t n_of)
{
	pthread_t tid[MAX_THREADS];
	unsigned n = n_threads(), started = 1;

	work_fn = fn;
	n_work = n_of;
	next_item = 0;
	for (; started < n; started++)
		if (pthread_create(&tid[started], NULL, work, NULL) != 0)
			break;
	(void)work(NULL);
	for (unsigned t = 1; t < started; t++)
		(void)pthread_join(tid[t], NULL);
}

/* ... over the items. */
static void run_all(void (*fn)(size_t i))
{
	run_n(fn, n_items);
}

static void tmp_name(char *buf, size_t size, size_t i)
{
	(void)snprintf(buf, size, "%s.%s.%zu.tmp", items[i].ns, items[i].name, i);
}

static void write_one(size_t i)
{
	char tmp[512];
	size_t left = items[i].size;
	int fd;

	tmp_name(tmp, sizeof(tmp), i);
	fd = openat(tmp_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		die(tmp);
	while (left > 0) {
		ssize_t w = write(fd, filler, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die(tmp);
		left -= (size_t)w;
	}
	if (close(fd) < 0)
		die(tmp);
}

static void rename_one(size_t i)
{
	char tmp[512];

	tmp_name(tmp, sizeof(tmp), i);
	if (renameat(tmp_fd, tmp, items[i].nsfd, items[i].name) < 0)
		die(items[i].name);
}

/* ---- parse: read and parse the policies too ------------------------------------------ */

static int pol_fd = -1;
static char **pol_names;
static size_t n_pols;
static __thread struct fy_parser *parsers[2]; /* this thread's, [json] */
static __thread char *pol_buf;
static __thread size_t pol_cap;

/* Parse 'len' bytes of 'buf' by events, as the agent's reader starts (JSON mode for text that
 * starts with '{' or '['). */
static void parse_policy(const char *buf, size_t len)
{
	size_t i = 0;
	bool json;
	struct fy_event *e;
	struct fy_parser *p;

	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	json = i < len && (buf[i] == '{' || buf[i] == '[');
	if (!parsers[json]) {
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET |
						     (json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE) };
		parsers[json] = fy_parser_create(&cfg);
		if (!parsers[json])
			die("fy_parser_create");
	}
	p = parsers[json];
	if (fy_parser_set_string(p, buf, len) < 0)
		die("fy_parser_set_string");
	while ((e = fy_parser_parse(p)))
		fy_parser_event_free(p, e);
	if (fy_parser_get_stream_error(p)) {
		fprintf(stderr, "agent-floor: a policy does not parse\n");
		exit(1);
	}
	if (fy_parser_reset(p) < 0)
		die("fy_parser_reset");
}

static void read_parse_one(size_t i)
{
	size_t len = 0;
	ssize_t k;
	int fd = openat(pol_fd, pol_names[i], O_RDONLY | O_CLOEXEC | O_NOATIME);

	if (fd < 0)
		fd = openat(pol_fd, pol_names[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(pol_names[i]);
	for (;;) {
		if (len == pol_cap) {
			pol_cap = pol_cap ? 2 * pol_cap : 65536;
			if (!(pol_buf = realloc(pol_buf, pol_cap)))
				die("memory");
		}
		k = read(fd, pol_buf + len, pol_cap - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	if (k < 0)
		die(pol_names[i]);
	(void)close(fd);
	parse_policy(pol_buf, len);
}

/* Item i: policy i read and parsed, profile i's temp file written (the agent does both in
 * one item: a policy's profile is written by the thread that parsed it). */
static void parse_write_one(size_t i)
{
	if (i < n_pols)
		read_parse_one(i);
	if (i < n_items)
		write_one(i);
}

/* Where the policy files of 'dir' are (its ..data, a ConfigMap volume's keys, else 'dir'):
 * pol_fd, and a listing of it. */
static DIR *open_policies(const char *dir)
{
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (top < 0)
		die(dir);
	pol_fd = openat(top, "..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pol_fd < 0)
		pol_fd = top;
	d = fdopendir(dup(pol_fd));
	if (!d)
		die(dir);
	return d;
}

/* The policy files of 'dir' (the keys of its ..data, else its own files). */
static void list_policies(const char *dir)
{
	DIR *d = open_policies(dir);
	size_t cap = 0;
	struct dirent *de;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n_pols == cap) {
			cap = cap ? 2 * cap : 1024;
			pol_names = realloc(pol_names, cap * sizeof(*pol_names));
			if (!pol_names)
				die("memory");
		}
		if (!(pol_names[n_pols++] = strdup(de->d_name)))
			die("memory");
	}
	closedir(d);
}

/* 'dir': NULL for the write floor, else the policies read and parsed too. */
static int write_floor(const char *list, const char *root, const char *dir)
{
	FILE *f = fopen(list, "re");
	char line[1024];
	size_t cap = 0, max = 0;
	int root_fd;

	if (!f)
		die(list);
	while (fgets(line, sizeof(line), f)) {
		char *sl = strchr(line, '/'), *sp = strrchr(line, ' ');
		if (!sl || !sp || sp < sl)
			continue;
		if (n_items == cap) {
			cap = cap ? 2 * cap : 1024;
			items = realloc(items, cap * sizeof(*items));
			if (!items)
				die("memory");
		}
		*sl = *sp = '\0';
		items[n_items] = (struct item){ .ns = strdup(line),
						.name = strdup(sl + 1),
						.size = strtoul(sp + 1, NULL, 10) };
		if (items[n_items].size > max)
			max = items[n_items].size;
		n_items++;
	}
	fclose(f);
	filler = calloc(1, max + 1);
	if (!filler)
		die("memory");
	memset((char *)filler, ' ', max);

	/* From here on, what any agent does. */
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		die(root);
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die(root);
	if (mkdirat(root_fd, ".tmp", 0700) < 0 && errno != EEXIST)
		die(".tmp");
	tmp_fd = openat(root_fd, ".tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd < 0)
		die(".tmp");
	/* One fd per namespace directory (the list comes sorted by namespace). */
	for (size_t i = 0; i < n_items; i++) {
		if (i > 0 && strcmp(items[i].ns, items[i - 1].ns) == 0) {
			items[i].nsfd = items[i - 1].nsfd;
			continue;
		}
		if (mkdirat(root_fd, items[i].ns, 0755) < 0 && errno != EEXIST)
			die(items[i].ns);
		items[i].nsfd = openat(root_fd, items[i].ns, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (items[i].nsfd < 0)
			die(items[i].ns);
	}
	if (dir)
		list_policies(dir);
	if (dir)
		run_n(parse_write_one, n_pols > n_items ? n_pols : n_items);
	else
		run_all(write_one);
	if (syncfs(tmp_fd) < 0)
		die("syncfs");
	run_all(rename_one);
	for (size_t i = 0; i < n_items; i++)
		if (i == 0 || items[i].nsfd != items[i - 1].nsfd)
			(void)fsync(items[i].nsfd);
	(void)fsync(root_fd);
	if (dir)
		printf("%zu policies read and parsed, ", n_pols);
	printf("%zu files written\n", n_items);
	return 0;
}

/* ---- unchanged ---------------------------------------------------------------------- */

static size_t n_upols;

static void read_one(size_t i)
{
	char buf[65536];
	uint64_t h = 0xcbf29ce484222325ull;
	ssize_t k;
	int fd;

	if (i >= n_upols) {
		struct stat st;
		if (fstatat(items[i].nsfd, items[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(items[i].name);
		__atomic_fetch_add(&sink, (uint64_t)st.st_ino, __ATOMIC_RELAXED);
		return;
	}
	fd = openat(pol_fd, items[i].name, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0)
		fd = openat(pol_fd, items[i].name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(items[i].name);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t j = 0; j < k; j++)
			h = (h ^ (unsigned char)buf[j]) * 0x100000001b3ull;
	(void)close(fd);
	__atomic_fetch_add(&sink, h, __ATOMIC_RELAXED);
}

static void add_item(char *ns, const char *name, int nsfd)
{
	static size_t cap;

	if (n_items == cap) {
		cap = cap ? 2 * cap : 1024;
		items = realloc(items, cap * sizeof(*items));
		if (!items)
			die("memory");
	}
	items[n_items++] = (struct item){ .ns = ns, .name = strdup(name), .nsfd = nsfd };
}

static int unchanged_floor(const char *dir, const char *root)
{
	DIR *d = open_policies(dir);
	struct dirent *de;
	int root_fd;

	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			add_item(NULL, de->d_name, -1);
	closedir(d);
	n_upols = n_items;
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die(root);
	d = fdopendir(dup(root_fd));
	if (!d)
		die(root);
	while ((de = readdir(d))) {
		int nsfd;
		DIR *nd;
		struct dirent *fe;
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		nsfd = openat(root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (nsfd < 0 || !(nd = fdopendir(dup(nsfd))))
			die(de->d_name);
		while ((fe = readdir(nd)))
			if (fe->d_name[0] != '.')
				add_item(NULL, fe->d_name, nsfd);
		closedir(nd);
	}
	closedir(d);
	run_all(read_one);
	printf("%zu policy files read, %zu profiles stat'ed (%llx)\n", n_upols, n_items - n_upols,
	       (unsigned long long)(sink & 0xf));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return write_floor(argv[2], argv[3], NULL);
	if (argc == 5 && strcmp(argv[1], "parse") == 0)
		return write_floor(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "unchanged") == 0)
		return unchanged_floor(argv[2], argv[3]);
	fprintf(stderr, "usage: agent-floor write LIST ROOT | agent-floor parse LIST ROOT DIR | "
			"agent-floor unchanged DIR ROOT\n");
	return 2;
}
