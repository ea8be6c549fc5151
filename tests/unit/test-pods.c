/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pods without the API server, against a fake node (tests/data/pods): /proc/<pid>/cgroup of
 * both cgroup drivers and every runtime prefix, the kubelet's log links, the cgroup walk. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "syscage/cgroup.h"
#include "syscage/logs.h"
#include "syscage/pods.h"
#include "tap.h"

#define U1	 "8a6b3c2e-1f4d-4c5b-9a7e-0d1e2f3a4b5c"
#define U2	 "0f1e2d3c-4b5a-4968-8776-655443322110"
#define U3	 "c3d2e1f0-aaaa-4bbb-8ccc-dddddddddddd"
#define U4	 "11112222-3333-4444-5555-666677778888"
#define HEX32(x) x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x
#define I1	 HEX32("a1")
#define I1B	 HEX32("b1")
#define I2	 HEX32("c2")
#define I3	 HEX32("d3")
#define I4	 HEX32("4f")
#define I5	 HEX32("5a")
#define I7	 HEX32("77")
#define I8	 HEX32("88")
#define IS	 HEX32("e5")

static char proc[PATH_MAX], cg[PATH_MAX], cl[PATH_MAX], pl[PATH_MAX];
static struct sc_pods_paths paths;

static void setup(void)
{
	const char *src = getenv("SYSCAGE_SRCDIR");

	if (!src)
		src = ".";
	snprintf(proc, sizeof(proc), "%s/tests/data/pods/proc", src);
	snprintf(cg, sizeof(cg), "%s/tests/data/pods/sys/fs/cgroup", src);
	snprintf(cl, sizeof(cl), "%s/tests/data/pods/var/log/containers", src);
	snprintf(pl, sizeof(pl), "%s/tests/data/pods/var/log/pods", src);
	paths = (struct sc_pods_paths){
		.proc_root = proc, .cgroup_root = cg, .containers_logs = cl, .pods_logs = pl
	};
}

static void check_ref(const struct sc_pod_ref *r, const char *ns, const char *pod, const char *uid,
		      const char *container, const char *id, const char *runtime)
{
	ck_assert_str_eq(r->namespace, ns);
	ck_assert_str_eq(r->pod, pod);
	ck_assert_str_eq(r->uid, uid);
	ck_assert_str_eq(r->container, container);
	ck_assert_str_eq(r->container_id, id);
	if (runtime)
		ck_assert_str_eq(r->runtime, runtime);
	else
		ck_assert_ptr_null(r->runtime);
}

START_TEST(systemd_containerd)
{
	struct sc_pod_ref r;

	ck_assert_int_eq(sc_pod_from_pid(&paths, 100, &r), 0);
	check_ref(&r, "shop", "web-6d4cf56db6-abcde", U1, "web", I1, "containerd");
}
END_TEST

START_TEST(cgroupfs)
{
	struct sc_pod_ref r;

	/* cgroupfs: the id is bare, the runtime unknown. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 101, &r), 0);
	check_ref(&r, "payments", "api-0", U2, "api", I2, NULL);
	/* cgroup v1 (hybrid): the named hierarchies carry the pod path, "0::/" does not. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 106, &r), 0);
	check_ref(&r, "payments", "api-0", U2, "api", I2, NULL);
}
END_TEST

START_TEST(crio_and_docker)
{
	struct sc_pod_ref r;

	ck_assert_int_eq(sc_pod_from_pid(&paths, 102, &r), 0);
	check_ref(&r, "default", "crio-pod", U3, "app", I3, "cri-o");
	/* Guaranteed QoS (no qos slice), docker prefix, a relative link target. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 103, &r), 0);
	check_ref(&r, "kube-system", "dockerpod", U4, "dns", I4, "docker");
}
END_TEST

START_TEST(not_pods)
{
	struct sc_pod_ref r;

	/* Plain podman: the container id, no pod. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 104, &r), -ENOENT);
	ck_assert_str_eq(r.container_id, I5);
	ck_assert_str_eq(r.runtime, "podman");
	ck_assert_str_eq(r.pod, "");
	ck_assert_str_eq(r.namespace, "");
	/* A host service. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 105, &r), -ENOENT);
	ck_assert_str_eq(r.container_id, "");
	ck_assert_str_eq(r.pod, "");
	/* Gone. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 4242, &r), -ESRCH);
	ck_assert_int_eq(sc_pod_from_pid(&paths, 0, &r), -EINVAL);
}
END_TEST

START_TEST(spoofing_nested_cgroup)
{
	struct sc_pod_ref r;

	/* A process of the CRI-O pod sits in a cgroup it named after the web pod's container:
	 * the component right below the pod decides, not the innermost one. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 107, &r), 0);
	check_ref(&r, "default", "crio-pod", U3, "app", I3, "cri-o");
}
END_TEST

START_TEST(link_disagrees_with_cgroup)
{
	struct sc_pod_ref r;

	/* The link for id 77.. names pod "evil" with another uid than the cgroup's: the cgroup's
	 * pod is taken from /var/log/pods (its only container directory is "api"). */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 109, &r), 0);
	check_ref(&r, "payments", "api-0", U2, "api", I7, NULL);
	/* Asked directly, the link is what it is. */
	ck_assert_int_eq(sc_pod_from_container_id(&paths, I7, &r), 0);
	ck_assert_str_eq(r.pod, "evil");
}
END_TEST

START_TEST(sandbox_and_fallbacks)
{
	struct sc_pod_ref r;

	/* The pause container has no log link; its pod has two containers: pod known, container
	 * not. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 108, &r), 0);
	check_ref(&r, "shop", "web-6d4cf56db6-abcde", U1, "", IS, "containerd");
	/* A link whose target says nothing: the uid comes from /var/log/pods/<ns>_<pod>_*\/<c>. */
	ck_assert_int_eq(sc_pod_from_pid(&paths, 110, &r), 0);
	check_ref(&r, "default", "crio-pod", U3, "fb", I8, "containerd");
}
END_TEST

START_TEST(by_container_id)
{
	struct sc_pod_ref r;

	ck_assert_int_eq(sc_pod_from_container_id(&paths, I1B, &r), 0);
	check_ref(&r, "shop", "web-6d4cf56db6-abcde", U1, "istio-proxy", I1B, NULL);
	/* A 12-digit prefix names one link. */
	ck_assert_int_eq(sc_pod_from_container_id(&paths, "c2c2c2c2c2c2", &r), 0);
	ck_assert_str_eq(r.pod, "api-0");
	ck_assert_str_eq(r.container_id, I2);
	ck_assert_int_eq(sc_pod_from_container_id(&paths, HEX32("99"), &r), -ENOENT);
	ck_assert_int_eq(sc_pod_from_container_id(&paths, "abc", &r), -EINVAL);
	ck_assert_int_eq(sc_pod_from_container_id(&paths, "../../etc/passwd0000", &r), -EINVAL);
	ck_assert_int_eq(sc_pod_from_container_id(&paths, NULL, &r), -EINVAL);
	/* No kubelet on this "node". */
	struct sc_pods_paths none = paths;
	none.containers_logs = "/nonexistent/containers";
	ck_assert_int_eq(sc_pod_from_container_id(&none, I1, &r), -ENOENT);
}
END_TEST

START_TEST(uid_from_cgroup)
{
	char uid[64];
	static const char sd[] = "0::/kubepods.slice/kubepods-burstable.slice/"
				 "kubepods-burstable-pod8a6b3c2e_1f4d_4c5b_9a7e_0d1e2f3a4b5c.slice/"
				 "cri-containerd-" I1 ".scope\n";
	static const char fs[] = "/kubepods/besteffort/pod" U2 "/" I2;
	static const char guaranteed[] = "/kubepods.slice/kubepods-pod" U4 ".slice/x";
	static const char mirror[] = "/kubepods/pod0123456789abcdef0123456789abcdef/" I2;

	ck_assert_int_eq(sc_pod_uid_from_cgroup(sd, strlen(sd), uid, sizeof(uid)), 1);
	ck_assert_str_eq(uid, U1);
	ck_assert_int_eq(sc_pod_uid_from_cgroup(fs, strlen(fs), uid, sizeof(uid)), 1);
	ck_assert_str_eq(uid, U2);
	/* The systemd slice escapes '-' as '_'; written with dashes it is the same uid. */
	ck_assert_int_eq(sc_pod_uid_from_cgroup(guaranteed, strlen(guaranteed), uid, sizeof(uid)),
			 1);
	ck_assert_str_eq(uid, U4);
	/* Static (mirror) pods have a hash as uid. */
	ck_assert_int_eq(sc_pod_uid_from_cgroup(mirror, strlen(mirror), uid, sizeof(uid)), 1);
	ck_assert_str_eq(uid, "0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(
		sc_pod_uid_from_cgroup("0::/system.slice/pods.service", 29, uid, sizeof(uid)), 0);
	ck_assert_int_eq(sc_pod_uid_from_cgroup("0::/kubepods.slice/kubepods-burstable.slice", 43,
						uid, sizeof(uid)),
			 0);
	ck_assert_int_eq(sc_pod_uid_from_cgroup("", 0, uid, sizeof(uid)), 0);
}
END_TEST

START_TEST(globs)
{
	ck_assert(sc_pod_glob_matches("shop/web-*", "shop", "web-6d4cf56db6-abcde"));
	ck_assert(!sc_pod_glob_matches("shop/web-*", "other", "web-6d4cf56db6-abcde"));
	ck_assert(!sc_pod_glob_matches("shop/api-*", "shop", "web-1"));
	ck_assert(sc_pod_glob_matches("*/web-*", "any", "web-1"));
	ck_assert(sc_pod_glob_matches("web-?", "any", "web-1"));
	ck_assert(sc_pod_glob_matches("shop/", "shop", "x"));
	ck_assert(sc_pod_glob_matches("sh[o]p/*", "shop", "x"));
	ck_assert(sc_pod_glob_matches(NULL, "shop", "x"));
	ck_assert(!sc_pod_glob_matches("*", "", ""));
	ck_assert(!sc_pod_glob_matches("shop/*", NULL, "x"));
}
END_TEST

struct seen {
	char lines[16][600];
	size_t n;
};

static int collect(const char *dir, const struct sc_pod_ref *r, void *ud)
{
	struct seen *s = ud;
	const char *rel = dir + strlen(cg);

	ck_assert_uint_lt(s->n, 16);
	snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s/%s/%s %s %.8s %s", r->namespace, r->pod,
		 r->container, r->runtime ? r->runtime : "-", r->container_id, rel);
	return 0;
}

static int stop_early(const char *dir, const struct sc_pod_ref *r, void *ud)
{
	(*(int *)ud)++;
	return -ECANCELED;
}

START_TEST(walk)
{
	struct seen s = {};
	int calls = 0;

	ck_assert_int_eq(sc_pods_walk_cgroups(&paths, NULL, collect, &s), 0);
	/* Sorted walk: kubepods/ (cgroupfs) before kubepods.slice/. The sandbox (no link),
	 * crio-conmon, the cgroup nested in a container, podman and host services are not
	 * pods' containers. The 77.. container's link names another pod uid: skipped. */
	ck_assert_uint_eq(s.n, 5);
	ck_assert_str_eq(s.lines[0],
			 "payments/api-0/api - c2c2c2c2 /kubepods/burstable/pod" U2 "/" I2);
	ck_assert_str_eq(s.lines[1],
			 "default/crio-pod/app cri-o d3d3d3d3 "
			 "/kubepods.slice/kubepods-besteffort.slice/"
			 "kubepods-besteffort-podc3d2e1f0_aaaa_4bbb_8ccc_dddddddddddd.slice/"
			 "crio-" I3 ".scope");
	ck_assert(strstr(s.lines[2], "shop/web-6d4cf56db6-abcde/web containerd a1a1a1a1 "));
	ck_assert(strstr(s.lines[3], "shop/web-6d4cf56db6-abcde/istio-proxy containerd b1b1b1b1"));
	ck_assert(strstr(s.lines[4], "kube-system/dockerpod/dns docker 4f4f4f4f "));

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sc_pods_walk_cgroups(&paths, "shop/web-*", collect, &s), 0);
	ck_assert_uint_eq(s.n, 2);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sc_pods_walk_cgroups(&paths, "dockerpod", collect, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sc_pods_walk_cgroups(&paths, "nope/*", collect, &s), 0);
	ck_assert_uint_eq(s.n, 0);

	/* fn's error stops the walk and is returned. */
	ck_assert_int_eq(sc_pods_walk_cgroups(&paths, NULL, stop_early, &calls), -ECANCELED);
	ck_assert_int_eq(calls, 1);

	struct sc_pods_paths bad = paths;
	bad.cgroup_root = "/nonexistent/cgroup";
	ck_assert_int_eq(sc_pods_walk_cgroups(&bad, NULL, collect, &s), -ENOENT);
}
END_TEST

START_TEST(start_time)
{
	uint64_t ms = 0;
	long hz = sysconf(_SC_CLK_TCK);

	/* btime 1795429159, starttime 1000 ticks; comm "api) x (y" has ')' and spaces. */
	ck_assert_int_eq(sc_pid_start_ms(&paths, 101, &ms), 0);
	ck_assert_uint_eq(ms, 1795429159000ull + 1000ull * 1000 / (uint64_t)hz);
	ck_assert_int_eq(sc_pid_start_ms(&paths, 4242, &ms), -ESRCH);
	/* The real thing: this process started after boot and before now. */
	ck_assert_int_eq(sc_pid_start_ms(NULL, getpid(), &ms), 0);
	ck_assert_uint_gt(ms, 1000000000000ull);
	ck_assert_uint_le(ms / 1000, (uint64_t)time(NULL) + 2);
}
END_TEST

START_TEST(live_self)
{
	struct sc_pod_ref r;
	int ret = sc_pod_from_pid(NULL, getpid(), &r);

	/* This test does not run in a pod; whatever the machine, it is not one (or, in CI in
	 * a pod, a pod with a name). */
	if (ret == 0)
		ck_assert(r.pod[0]);
	else
		ck_assert_int_eq(ret, -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pods");
	TCase *tc = tcase_create("core");

	setup();
	tcase_add_test(tc, systemd_containerd);
	tcase_add_test(tc, cgroupfs);
	tcase_add_test(tc, crio_and_docker);
	tcase_add_test(tc, not_pods);
	tcase_add_test(tc, spoofing_nested_cgroup);
	tcase_add_test(tc, link_disagrees_with_cgroup);
	tcase_add_test(tc, sandbox_and_fallbacks);
	tcase_add_test(tc, by_container_id);
	tcase_add_test(tc, uid_from_cgroup);
	tcase_add_test(tc, globs);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, start_time);
	tcase_add_test(tc, live_self);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
