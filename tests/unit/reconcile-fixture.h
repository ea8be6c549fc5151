/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reconcile suites' fixture (test-reconcile.c, test-reconcile-restart.c): a temp tree with
 * a policies directory and a kubelet root, policy files written into it, KubeArmor policies,
 * the installed profiles read back. Define RECONCILE_FIXTURE_TMP (a mkdtemp template) first. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char base[256], pol[300], kub[300], root[400];

static void setup(void)
{
	strcpy(base, RECONCILE_FIXTURE_TMP);
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(pol, sizeof(pol), "%s/policies", base);
	snprintf(kub, sizeof(kub), "%s/kubelet", base);
	snprintf(root, sizeof(root), "%s/kubelet/seccomp/syscage", base);
	ck_assert_int_eq(mkdir(pol, 0755), 0);
	ck_assert_int_eq(mkdir(kub, 0755), 0);
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", pol, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static char *ka(const char *name, const char *ns, const char *app, const char *calls,
		const char *action)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
		 "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
		 "metadata:\n  name: %s\n  namespace: %s\nspec:\n  selector:\n    matchLabels:\n"
		 "      app: %s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n"
		 "    action: %s\n",
		 name, ns, app, calls, action);
	return buf;
}

/* The installed file's text, or NULL. */
static char *installed(const char *rel)
{
	char path[800], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (sc_read_file(path, 1 << 20, &buf, &len) < 0)
		return NULL;
	return buf;
}
