/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container ids in cgroup path components: sc_cgroup_is_hex and sc_cgroup_prefixed_id over
 * the names the runtimes really write (systemd and cgroupfs drivers). */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "node/cgroup.h"
#include "syscage/cgroup.h"
#include "syscage/inspect.h"
#include "tap.h"

/* A real 64-digit container id (as docker, containerd and CRI-O write it). */
#define ID64  "4f3c2b1a09e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a00"
#define ID12  "4f3c2b1a09e8"
#define ID11  "4f3c2b1a09e"
#define HEX16 "0123456789abcdef"
#define ID128 HEX16 HEX16 HEX16 HEX16 HEX16 HEX16 HEX16 HEX16
#define ID129 ID128 "0"

static const char sentinel[] = "untouched";

struct prefixed_case {
	const char *component;
	bool ok;
	const char *id;	     /* the id expected, when ok */
	const char *runtime; /* the runtime expected, when ok */
};

static const struct prefixed_case prefixed_cases[] = {
	/* systemd cgroup driver: <prefix><id>.scope */
	{ "cri-containerd-" ID64 ".scope", true, ID64, "containerd" },
	{ "crio-" ID64 ".scope", true, ID64, "cri-o" },
	{ "docker-" ID64 ".scope", true, ID64, "docker" },
	{ "libpod-" ID64 ".scope", true, ID64, "podman" },
	/* .scope is optional */
	{ "cri-containerd-" ID64, true, ID64, "containerd" },
	{ "crio-" ID64, true, ID64, "cri-o" },
	{ "docker-" ID64, true, ID64, "docker" },
	{ "libpod-" ID64, true, ID64, "podman" },
	/* id length: 12..128 hex digits */
	{ "docker-" ID12 ".scope", true, ID12, "docker" },
	{ "docker-" ID12, true, ID12, "docker" },
	{ "crio-" ID128 ".scope", true, ID128, "cri-o" },
	{ "crio-" ID128, true, ID128, "cri-o" },
	{ "docker-" ID11 ".scope", false, NULL, NULL },
	{ "docker-" ID11, false, NULL, NULL },
	{ "crio-" ID129 ".scope", false, NULL, NULL },
	{ "crio-" ID129, false, NULL, NULL },
	/* uppercase hex is not how ids are written */
	{ "docker-4F3C2B1A09E8D7C6B5A4F3E2D1C0B9A8F7E6D5C4B3A29180706F5E4D3C2B1A00.scope", false,
	  NULL, NULL },
	{ "docker-4f3c2b1a09e8D7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a00", false, NULL,
	  NULL },
	/* a prefix with no id */
	{ "docker-", false, NULL, NULL },
	{ "docker-.scope", false, NULL, NULL },
	{ "cri-containerd-.scope", false, NULL, NULL },
	{ "libpod-", false, NULL, NULL },
	/* the runtimes' other scopes and slices are not containers */
	{ "libpod-conmon-" ID64 ".scope", false, NULL, NULL },
	{ "crio-conmon-" ID64 ".scope", false, NULL, NULL },
	{ "docker-" ID64 ".slice", false, NULL, NULL },
	{ "docker-" ID64 ".scopex", false, NULL, NULL },
	{ "docker-" ID64 ".scope.scope", false, NULL, NULL },
	{ "docker-" ID64 "-init.scope", false, NULL, NULL },
	{ "kubepods-besteffort-pod0f3a1c2e_7b4d_4e5f_8a9b_0c1d2e3f4a5b.slice", false, NULL, NULL },
	{ "kubepods-burstable.slice", false, NULL, NULL },
	{ "system.slice", false, NULL, NULL },
	{ "session-3.scope", false, NULL, NULL },
	/* cgroupfs driver: a bare id is the caller's to judge */
	{ ID64, false, NULL, NULL },
	{ ID12, false, NULL, NULL },
	/* prefixes that only look alike, or are cut short, or carry garbage */
	{ "Docker-" ID64 ".scope", false, NULL, NULL },
	{ "docker_" ID64 ".scope", false, NULL, NULL },
	{ "cri-" ID64 ".scope", false, NULL, NULL },
	{ "containerd-" ID64 ".scope", false, NULL, NULL },
	{ "podman-" ID64 ".scope", false, NULL, NULL },
	{ "docker" ID64, false, NULL, NULL },
	{ "xdocker-" ID64 ".scope", false, NULL, NULL },
	{ "docker-" ID64 " ", false, NULL, NULL },
	{ "docker-g" ID64, false, NULL, NULL },
	{ "docker-" ID64 "/", false, NULL, NULL },
	{ "docker--" ID64, false, NULL, NULL },
	{ ".scope", false, NULL, NULL },
	{ "", false, NULL, NULL },
};

START_TEST(is_hex)
{
	ck_assert(sc_cgroup_is_hex(ID64, 64));
	ck_assert(sc_cgroup_is_hex(HEX16, 16));
	ck_assert(sc_cgroup_is_hex("", 0));
	ck_assert(sc_cgroup_is_hex("zz", 0)); /* nothing looked at */
	ck_assert(!sc_cgroup_is_hex("ABCDEF", 6));
	ck_assert(!sc_cgroup_is_hex("abcdeF", 6));
	ck_assert(!sc_cgroup_is_hex("abcdeg", 6));
	ck_assert(!sc_cgroup_is_hex("0x1234", 6));
	ck_assert(!sc_cgroup_is_hex("12 34", 5));
	ck_assert(!sc_cgroup_is_hex("12-34", 5));
	ck_assert(!sc_cgroup_is_hex("12\0"
				    "34",
				    5));
	/* Only n bytes count: what follows does not. */
	ck_assert(sc_cgroup_is_hex("abc.scope", 3));
	ck_assert(!sc_cgroup_is_hex("abc.scope", 4));
	/* Each boundary character of the ranges. */
	ck_assert(sc_cgroup_is_hex("09af", 4));
	ck_assert(!sc_cgroup_is_hex("/", 1));
	ck_assert(!sc_cgroup_is_hex(":", 1));
	ck_assert(!sc_cgroup_is_hex("`", 1));
	ck_assert(!sc_cgroup_is_hex("G", 1));
	ck_assert(!sc_cgroup_is_hex("\xe0", 1));
}
END_TEST

START_TEST(prefixed_table)
{
	const struct prefixed_case *t = &prefixed_cases[_i];
	const char *id = sentinel, *runtime = sentinel;
	size_t id_n = 999;
	bool ok = sc_cgroup_prefixed_id(t->component, strlen(t->component), &id, &id_n, &runtime);

	ck_assert_msg(ok == t->ok, "%s: %d, expected %d", t->component, ok, t->ok);
	if (!t->ok) {
		/* Nothing is returned for a component that is not a container. */
		ck_assert_ptr_eq(id, sentinel);
		ck_assert_ptr_eq(runtime, sentinel);
		ck_assert_uint_eq(id_n, 999);
		return;
	}
	/* The id is borrowed from the component, at the prefix's end. */
	ck_assert_ptr_eq(id, t->component + strlen(t->component) - strlen(t->id) -
				     (strstr(t->component, ".scope") ? 6 : 0));
	ck_assert_uint_eq(id_n, strlen(t->id));
	ck_assert_msg(memcmp(id, t->id, id_n) == 0, "%s: id %.*s", t->component, (int)id_n, id);
	ck_assert_str_eq(runtime, t->runtime);
}
END_TEST

/* The component is n bytes of a longer path, not a NUL-terminated string. */
START_TEST(prefixed_uses_length)
{
	static const char path[] =
		"/sys/fs/cgroup/kubepods.slice/cri-containerd-" ID64 ".scope/init.scope";
	const char *c = strstr(path, "cri-containerd-"), *end = strstr(c, "/");
	const char *id = NULL, *runtime = NULL;
	size_t id_n = 0;

	ck_assert(sc_cgroup_prefixed_id(c, (size_t)(end - c), &id, &id_n, &runtime));
	ck_assert_ptr_eq(id, c + strlen("cri-containerd-"));
	ck_assert_uint_eq(id_n, 64);
	ck_assert_str_eq(runtime, "containerd");

	/* Cut inside ".scope": the rest is not hex. */
	id = NULL;
	ck_assert(!sc_cgroup_prefixed_id(c, (size_t)(end - c) - 1, &id, &id_n, &runtime));
	ck_assert_ptr_null(id);
	/* Cut to the id: no .scope at all. */
	ck_assert(sc_cgroup_prefixed_id(c, (size_t)(end - c) - 6, &id, &id_n, &runtime));
	ck_assert_uint_eq(id_n, 64);
	/* Cut to 12 digits, then to 11. */
	ck_assert(sc_cgroup_prefixed_id(c, strlen("cri-containerd-") + 12, &id, &id_n, &runtime));
	ck_assert_uint_eq(id_n, 12);
	id_n = 0;
	ck_assert(!sc_cgroup_prefixed_id(c, strlen("cri-containerd-") + 11, &id, &id_n, &runtime));
	ck_assert_uint_eq(id_n, 0);
	/* Shorter than the prefix itself. */
	ck_assert(!sc_cgroup_prefixed_id(c, 5, &id, &id_n, &runtime));
	ck_assert(!sc_cgroup_prefixed_id(c, 0, &id, &id_n, &runtime));
}
END_TEST

/* One runtime table: the names logs/pods give a scope's runtime are the ones inspect puts in
 * "kube (<name>)", and only those count as named. */
START_TEST(one_runtime_table)
{
	static const char *const named[] = { "containerd", "cri-o", "docker", "podman" };
	static const char *const guesses[] = { "kubepods", "container", "kube", "lxc", "", NULL };
	char rt[48], id[80];

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		ck_assert_msg(sc_cgroup_runtime_named(named[i]), "%s", named[i]);
	for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++)
		ck_assert(!sc_cgroup_runtime_named(guesses[i]));
	ck_assert_int_eq(sc_runtime_from_cgroup("/kubepods/pod1/cri-containerd-" ID64 ".scope", rt,
						sizeof(rt), id, sizeof(id)),
			 1);
	ck_assert_str_eq(rt, "kube (containerd)");
	ck_assert_str_eq(id, ID64);
	ck_assert_int_eq(sc_runtime_from_cgroup("/system.slice/crio-" ID64 ".scope", rt, sizeof(rt),
						id, sizeof(id)),
			 1);
	ck_assert_str_eq(rt, "cri-o");
	ck_assert_int_eq(sc_runtime_from_cgroup(NULL, rt, sizeof(rt), id, sizeof(id)), -EINVAL);
}
END_TEST

/* Lines of /proc/<pid>/cgroup: those without two ':' are skipped, the last needs no '\n'. */
START_TEST(cgroup_lines)
{
	static const char text[] = "12:memory:/a\ngarbage\n\n0::/b/c";
	const char *cur = text;
	struct sc_cgroup_line l;

	ck_assert(sc_cgroup_next_line(&cur, text + strlen(text), &l));
	ck_assert_uint_eq(l.path_len, 2);
	ck_assert(memcmp(l.path, "/a", 2) == 0);
	ck_assert_uint_eq(l.line_len, strlen("12:memory:/a"));
	ck_assert(sc_cgroup_next_line(&cur, text + strlen(text), &l));
	ck_assert_uint_eq(l.path_len, 4);
	ck_assert(memcmp(l.line, "0::/b/c", 7) == 0);
	ck_assert(!sc_cgroup_next_line(&cur, text + strlen(text), &l));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, is_hex);
	tcase_add_loop_test(tc, prefixed_table, 0,
			    (int)(sizeof(prefixed_cases) / sizeof(prefixed_cases[0])));
	tcase_add_test(tc, prefixed_uses_length);
	tcase_add_test(tc, one_runtime_table);
	tcase_add_test(tc, cgroup_lines);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
