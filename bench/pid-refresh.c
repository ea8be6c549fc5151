/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/pid-cache.sh's driver:
 *   pid-refresh HOST_ROOT N   the agent's pid cache refreshed N times over a node root
 *                             (--host-root layout: HOST/proc, HOST/sys/fs/cgroup,
 *                             HOST/var/log/...), as its violations timer does every second
 *   pid-refresh floor LIST N  the floor: N times, every container cgroup directory of LIST
 *                             (one a line) has its cgroup.procs read and its pids parsed into
 *                             an array, and nothing else: no walk to find the containers, no
 *                             /proc, no pod names
 * Each prints the processes listed by the last pass. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/violations.h"

/* One pass of the floor: the pids of every LIST directory's cgroup.procs, into 'pids'. */
static size_t floor_pass(char **dirs, size_t n_dirs, unsigned *pids, size_t max)
{
	static char buf[1 << 16];
	size_t n = 0;

	for (size_t i = 0; i < n_dirs; i++) {
		int fd = open(dirs[i], O_RDONLY | O_CLOEXEC);
		ssize_t k, len = 0;
		if (fd < 0)
			continue;
		while (len < (ssize_t)sizeof(buf) - 1 &&
		       (k = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
			len += k;
		close(fd);
		buf[len] = 0;
		for (char *s = buf, *end; n < max; s = end) {
			unsigned long pid = strtoul(s, &end, 10);
			if (end == s)
				break;
			pids[n++] = (unsigned)pid;
		}
	}
	return n;
}

static int floor_main(const char *list, int passes)
{
	static unsigned pids[1 << 20];
	char line[4096], **dirs = NULL;
	size_t n_dirs = 0, n = 0;
	FILE *f = fopen(list, "re");

	if (!f) {
		perror(list);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		dirs = realloc(dirs, (n_dirs + 1) * sizeof(*dirs));
		if (!dirs || !(dirs[n_dirs] = malloc(strlen(line) + sizeof("/cgroup.procs"))))
			return 1;
		strcat(strcpy(dirs[n_dirs++], line), "/cgroup.procs");
	}
	fclose(f);
	for (int i = 0; i < passes; i++)
		n = floor_pass(dirs, n_dirs, pids, sizeof(pids) / sizeof(pids[0]));
	printf("%zu\n", n);
	for (size_t i = 0; i < n_dirs; i++)
		free(dirs[i]);
	free(dirs);
	return 0;
}

int main(int argc, char **argv)
{
	char p[4][4096];
	static const char *const sub[] = { "proc", "sys/fs/cgroup", "var/log/containers",
					   "var/log/pods" };
	struct sc_violations_options o = { .kmsg_path = "",
					   .audit_log = "",
					   .remember_pids = true };
	struct sc_violations *v = NULL;
	int n, r = 0;

	if (argc == 4 && strcmp(argv[1], "floor") == 0 && (n = atoi(argv[3])) > 0)
		return floor_main(argv[2], n);
	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: pid-refresh HOST_ROOT N | pid-refresh floor LIST N\n");
		return 2;
	}
	for (int i = 0; i < 4; i++)
		(void)snprintf(p[i], sizeof(p[i]), "%s/%s", argv[1], sub[i]);
	o.paths = (struct sc_pods_paths){ p[0], p[1], p[2], p[3] };
	if (sc_violations_open(&o, &v) < 0)
		return 1;
	for (int i = 0; i < n && r >= 0; i++)
		r = sc_violations_refresh(v);
	printf("%d\n", r);
	sc_violations_free(v);
	return r < 0;
}
