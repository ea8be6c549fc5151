/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floors of bench/agent.sh: what any agent pays on this machine for the same files, with
 * no parsing, no merging and no index.
 *
 *   agent-floor write LIST ROOT      every "ns/name.json SIZE" line of LIST (the profiles a
 *                                    first reconcile installed): the file written with SIZE
 *                                    bytes as a temp file in ROOT/.tmp, one syncfs, then
 *                                    renamed to ROOT/ns/name.json; the directories fsync'ed
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
static size_t n_items, next_item;
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
		size_t end = i + 32 < n_items ? i + 32 : n_items;
		if (i >= n_items)
			break;
		for (; i < end; i++)
			work_fn(i);
	}
	return NULL;
}

/* Run 'fn' over items [0, n_items) on every thread, 32 at a time. */
static void run_all(void (*fn)(size_t i))
{
	pthread_t tid[MAX_THREADS];
	unsigned n = n_threads(), started = 1;

	work_fn = fn;
	next_item = 0;
	for (; started < n; started++)
		if (pthread_create(&tid[started], NULL, work, NULL) != 0)
			break;
	(void)work(NULL);
	for (unsigned t = 1; t < started; t++)
		(void)pthread_join(tid[t], NULL);
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

static int write_floor(const char *list, const char *root)
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
	run_all(write_one);
	if (syncfs(tmp_fd) < 0)
		die("syncfs");
	run_all(rename_one);
	for (size_t i = 0; i < n_items; i++)
		if (i == 0 || items[i].nsfd != items[i - 1].nsfd)
			(void)fsync(items[i].nsfd);
	(void)fsync(root_fd);
	printf("%zu files written\n", n_items);
	return 0;
}

/* ---- unchanged ---------------------------------------------------------------------- */

static int pol_fd = -1;
static size_t n_pols;

static void read_one(size_t i)
{
	char buf[65536];
	uint64_t h = 0xcbf29ce484222325ull;
	ssize_t k;
	int fd;

	if (i >= n_pols) {
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
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), root_fd;
	struct dirent *de;
	DIR *d;

	if (top < 0)
		die(dir);
	pol_fd = openat(top, "..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pol_fd < 0)
		pol_fd = top;
	d = fdopendir(dup(pol_fd));
	if (!d)
		die(dir);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			add_item(NULL, de->d_name, -1);
	closedir(d);
	n_pols = n_items;
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
	printf("%zu policy files read, %zu profiles stat'ed (%llx)\n", n_pols, n_items - n_pols,
	       (unsigned long long)(sink & 0xf));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return write_floor(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "unchanged") == 0)
		return unchanged_floor(argv[2], argv[3]);
	fprintf(stderr, "usage: agent-floor write LIST ROOT | agent-floor unchanged DIR ROOT\n");
	return 2;
}
