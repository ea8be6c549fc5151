/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process walks of the recorder: an existing process and its descendants
 * (/proc/PID/task/TID/children), and every process of a cgroup v2 directory and below. The ptrace
 * back end seizes what they find; the front end adds it to the eBPF targets. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "record/record-walk.h"

int sc_record_walk_tree(pid_t root, int (*fn)(pid_t tgid, void *userdata), void *userdata)
{
	cleanup_free pid_t *stack = NULL;
	size_t n = 0, cap = 0;
	int ret;

	stack = malloc(sizeof(pid_t) * 64);
	if (!stack)
		return -ENOMEM;
	cap = 64;
	stack[n++] = root;
	while (n > 0) {
		pid_t pid = stack[--n];
		char path[64];
		DIR *dir;
		struct dirent *de;

		ret = fn(pid, userdata);
		if (ret == -ESRCH)
			continue; /* gone meanwhile */
		if (ret < 0)
			return ret;
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			char cpath[96];
			cleanup_fclose FILE *f = NULL;
			long child;

			if (de->d_name[0] == '.')
				continue;
			snprintf(cpath, sizeof(cpath), "/proc/%d/task/%.20s/children", (int)pid,
				 de->d_name);
			f = fopen(cpath, "re");
			if (!f)
				continue;
			while (fscanf(f, "%ld", &child) == 1) {
				if (n == cap) {
					pid_t *s = realloc(stack, sizeof(pid_t) * cap * 2);
					if (!s) {
						closedir(dir);
						return -ENOMEM;
					}
					stack = s;
					cap *= 2;
				}
				stack[n++] = (pid_t)child;
			}
		}
		closedir(dir);
	}
	return 0;
}

int sc_record_walk_cgroup(const char *dir, int (*fn)(pid_t tgid, void *userdata), void *userdata)
{
	char path[PATH_MAX];
	cleanup_fclose FILE *f = NULL;
	DIR *d;
	struct dirent *de;
	long pid;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%ld", &pid) == 1) {
		ret = sc_record_walk_tree((pid_t)pid, fn, userdata);
		if (ret < 0)
			return ret;
	}
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		ret = sc_record_walk_cgroup(path, fn, userdata);
		if (ret < 0 && ret != -ENOENT)
			break;
		ret = 0;
	}
	closedir(d);
	return ret;
}
