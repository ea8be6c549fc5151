/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/pid-cache.sh's driver: the agent's pid cache refreshed N times over a node root
 * (--host-root layout: HOST/proc, HOST/sys/fs/cgroup, HOST/var/log/...), as its violations
 * timer does every second. Prints the processes listed by the last refresh. */
#include <stdio.h>
#include <stdlib.h>

#include "syscage/violations.h"

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

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: pid-refresh HOST_ROOT N\n");
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
