/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's pieces: Prometheus text, the kubelet preflight, the HTTP server in a caller's
 * loop, and the loop itself (inotify -> reconcile, SIGTERM -> return 0, --once). */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/http.h"
#include "agent/kubelet.h"
#include "agent/metrics.h"
#include "files.h"
#include "tap.h"

static char base[256];

static void setup(void)
{
	strcpy(base, "/tmp/sc-agent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void)
{
	test_rm_rf(base);
}

static void put(const char *rel, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static char *path_of(const char *rel)
{
	static char p[4][600];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", base, rel);
	return p[k];
}

START_TEST(metrics_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	static const double b[] = { 0.1, 1 };
	struct sc_histogram h;

	sc_metric_header(f, "x_total", "counter", "Things.");
	sc_metric_sample(f, "x_total", 3, "reason", "a\"b\\c\nd", "k", "v", (const char *)NULL);
	sc_metric_sample(f, "y", 0.25, (const char *)NULL);
	ck_assert_int_eq(sc_histogram_init(&h, b, 2), 0);
	sc_histogram_observe(&h, 0.05);
	sc_histogram_observe(&h, 0.5);
	sc_histogram_observe(&h, 7);
	sc_histogram_write(f, "d_seconds", "Durations.", &h);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "# HELP x_total Things.\n# TYPE x_total counter\n"));
	ck_assert_ptr_nonnull(strstr(buf, "x_total{reason=\"a\\\"b\\\\c\\nd\",k=\"v\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\ny 0.25\n"));
	ck_assert_ptr_nonnull(strstr(buf, "# TYPE d_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(buf, "d_seconds_bucket{le=\"0.1\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "d_seconds_bucket{le=\"1\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(buf, "d_seconds_bucket{le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(buf, "d_seconds_sum 7.55\n"));
	ck_assert_ptr_nonnull(strstr(buf, "d_seconds_count 3\n"));
	free(buf);
	{
		static const double bad[] = { 1, 0.5 };
		ck_assert_int_eq(sc_histogram_init(&h, bad, 2), -EINVAL);
	}
}
END_TEST

START_TEST(kubelet_seccomp_default)
{
	struct sc_diags d = {};

	put("on.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
		       "seccompDefault: true\n");
	put("off.yaml", "kind: KubeletConfiguration\nseccompDefault: false\n");
	put("unset.yaml", "kind: KubeletConfiguration\ncgroupDriver: systemd\n");
	put("gate.yaml", "seccompDefault: true\nfeatureGates:\n  SeccompDefault: false\n");
	put("json.json", "{\"kind\": \"KubeletConfiguration\", \"seccompDefault\": true}\n");
	put("bad.yaml", "seccompDefault: [true\n");
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("on.yaml"), &d), 1);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("off.yaml"), &d), 0);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("unset.yaml"), &d), 0);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("gate.yaml"), &d), 0);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("json.json"), &d), 1);
	ck_assert_int_eq(d.n, 0);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("bad.yaml"), &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("nope.yaml"), &d), -ENOENT);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(kubelet_preflight_fs)
{
	struct sc_kubelet_preflight p;
	struct sc_diags d = {};
	ck_assert_int_eq(mkdir(path_of("k"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("k/seccomp"), 0755), 0);
	put("k/config.yaml", "seccompDefault: true\n");
	sc_kubelet_preflight(path_of("k"), NULL, false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, 1);
	ck_assert_int_eq(p.same_fs, 1);
	ck_assert(p.bpf_available == 0 || p.bpf_available == 1);
	sc_diags_clear(&d);

	/* An unreadable config: -1, a warning, never fatal. */
	sc_kubelet_preflight(path_of("k"), path_of("missing.yaml"), false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, -1);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "seccomp_default is -1, unknown"));
	sc_diags_clear(&d);
}
END_TEST

/* The DaemonSet mounts <kubelet-root>/config.yaml as a hostPath of type FileOrCreate: on a node
 * whose kubelet keeps its config elsewhere that is an empty file, which says nothing about
 * seccompDefault: unknown (-1), not "false" (0). */
START_TEST(kubelet_config_empty_is_unknown)
{
	struct sc_kubelet_preflight p;
	struct sc_diags d = {};

	put("empty.yaml", "");
	put("comments.yaml", "# nothing here\n\n");
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("empty.yaml"), &d), -ENODATA);
	ck_assert_int_eq(sc_kubelet_seccomp_default(path_of("comments.yaml"), &d), -ENODATA);
	ck_assert_int_eq(mkdir(path_of("ke"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("ke/seccomp"), 0755), 0);
	put("ke/config.yaml", "");
	sc_kubelet_preflight(path_of("ke"), NULL, false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, -1);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "the file is empty"));
	ck_assert_int_eq(p.same_fs, 1);
	sc_diags_clear(&d);
}
END_TEST

/* Bind mounts in a mount namespace of the test's own (Check forks each case). */
static void private_mounts(void)
{
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
}

static void bind_mount(const char *from, const char *to)
{
	ck_assert_int_eq(mount(from, to, NULL, MS_BIND, NULL), 0);
}

/* The seccomp dir on another filesystem (a mount of a directory on /dev/shm): reported. */
START_TEST(kubelet_preflight_other_fs)
{
	struct sc_kubelet_preflight p;
	struct sc_diags d = {};
	char shm[64] = "/dev/shm/sc-agent-fs.XXXXXX";

	private_mounts();
	ck_assert_ptr_nonnull(mkdtemp(shm));
	ck_assert_int_eq(mkdir(path_of("k2"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("k2/seccomp"), 0755), 0);
	bind_mount(shm, path_of("k2/seccomp"));
	put("config.yaml", "seccompDefault: true\n");
	sc_kubelet_preflight(path_of("k2"), path_of("config.yaml"), false, &d, &p);
	ck_assert_int_eq(umount2(path_of("k2/seccomp"), MNT_DETACH), 0);
	rmdir(shm);
	ck_assert_int_eq(p.same_fs, 0);
	ck_assert_uint_ge(d.n_warnings, 1);
	sc_diags_clear(&d);
}
END_TEST

/* The DaemonSet's layout: <kubelet-root> is the container's own directory, and only seccomp/
 * and config.yaml are mounted from the node's filesystem (here both on /dev/shm, the root on
 * /tmp). They share the node's filesystem: same_fs is 1, not 0 in every pod. */
START_TEST(kubelet_preflight_pod_layout)
{
	struct sc_kubelet_preflight p;
	struct sc_diags d = {};
	char shm[64] = "/dev/shm/sc-agent-pod.XXXXXX", sub[96], cfg[96];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(shm));
	(void)snprintf(sub, sizeof(sub), "%s/seccomp", shm);
	(void)snprintf(cfg, sizeof(cfg), "%s/config.yaml", shm);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_ptr_nonnull(f = fopen(cfg, "w"));
	fputs("seccompDefault: true\n", f);
	fclose(f);
	private_mounts();
	ck_assert_int_eq(mkdir(path_of("k3"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("k3/seccomp"), 0755), 0);
	put("k3/config.yaml", "");
	bind_mount(sub, path_of("k3/seccomp"));
	bind_mount(cfg, path_of("k3/config.yaml"));
	sc_kubelet_preflight(path_of("k3"), NULL, false, &d, &p);
	ck_assert_int_eq(umount2(path_of("k3/seccomp"), MNT_DETACH), 0);
	ck_assert_int_eq(umount2(path_of("k3/config.yaml"), MNT_DETACH), 0);
	unlink(cfg);
	rmdir(sub);
	rmdir(shm);
	ck_assert_int_eq(p.seccomp_default, 1);
	ck_assert_int_eq(p.same_fs, 1);
	sc_diags_clear(&d);
}
END_TEST

/* A neighbour that can write the kubelet root plants links there: <kubelet-root>/config.yaml
 * to a file elsewhere (its seccompDefault would be taken for the kubelet's, and its device
 * for the kubelet root's), <kubelet-root>/seccomp to another directory. Neither is followed:
 * unknown (-1) with a warning that names the path. Before, both were followed. */
START_TEST(kubelet_preflight_links)
{
	struct sc_kubelet_preflight p;
	struct sc_diags d = {};
	bool said = false;

	put("elsewhere.yaml", "seccompDefault: true\n");
	ck_assert_int_eq(mkdir(path_of("k4"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("k4/seccomp"), 0755), 0);
	ck_assert_int_eq(symlink(path_of("elsewhere.yaml"), path_of("k4/config.yaml")), 0);
	sc_kubelet_preflight(path_of("k4"), NULL, false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, -1);
	ck_assert_int_eq(p.same_fs, 1); /* the root and its seccomp dir, not the link's target */
	for (size_t i = 0; i < d.n; i++)
		said |= d.v[i].severity == SC_SEV_WARNING &&
			strstr(d.v[i].message, "config.yaml is a symbolic link: not followed");
	ck_assert(said);
	sc_diags_clear(&d);
	/* Given by the operator (--kubelet-config), a link is read as given. */
	sc_kubelet_preflight(path_of("k4"), path_of("k4/config.yaml"), false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, 1);
	sc_diags_clear(&d);

	ck_assert_int_eq(mkdir(path_of("k5"), 0755), 0);
	ck_assert_int_eq(symlink(path_of("k4/seccomp"), path_of("k5/seccomp")), 0);
	put("k5/config.yaml", "seccompDefault: true\n");
	sc_kubelet_preflight(path_of("k5"), NULL, false, &d, &p);
	ck_assert_int_eq(p.seccomp_default, 1);
	ck_assert_int_eq(p.same_fs, -1);
	said = false;
	for (size_t i = 0; i < d.n; i++)
		said |= d.v[i].severity == SC_SEV_WARNING &&
			strstr(d.v[i].message, "seccomp is a symbolic link: not followed");
	ck_assert(said);
	sc_diags_clear(&d);
}
END_TEST

/* Whether this process may make a mount namespace of its own (root, unshare allowed). */
static bool mounts_here(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(geteuid() == 0 && unshare(CLONE_NEWNS) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Whether /dev/shm is a writable directory on another filesystem than the test's files
 * (under /tmp, see setup()). */
static bool other_fs_here(void)
{
	struct stat a, b;

	return access("/dev/shm", W_OK) == 0 && stat("/dev/shm", &a) == 0 &&
	       stat("/tmp", &b) == 0 && a.st_dev != b.st_dev;
}

static void hello(void *ud, const char *method, const char *path, struct sc_http_reply *r)
{
	(*(int *)ud)++;
	r->status = strcmp(path, "/hello") == 0 ? 200 : 404;
	r->content_type = "text/plain";
	r->body = strdup(r->status == 200 ? "hi\n" : "no\n");
}

/* GET 'path' from the server, driving it from this (single) thread as the agent does. */
static int get(struct sc_http *h, const char *path, char *resp, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(sc_http_port(h)) };
	char req[256];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 500; i++) {
		struct pollfd p[2] = { { .fd = sc_http_fd(h), .events = POLLIN },
				       { .fd = fd, .events = POLLIN } };
		int t = sc_http_timeout_ms(h);
		poll(p, 2, t < 0 || t > 20 ? 20 : t);
		sc_http_run(h);
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(fd, resp + got, size - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
	}
	resp[got] = '\0';
	close(fd);
	return (int)got;
}

START_TEST(http_in_callers_loop)
{
	struct sc_http *h = NULL;
	char resp[4096];
	int n = 0;

	ck_assert_int_eq(sc_http_start("127.0.0.1:0", hello, &n, &h), 0);
	ck_assert_uint_gt(sc_http_port(h), 0);
	ck_assert_int_ge(sc_http_fd(h), 0);
	ck_assert_int_gt(get(h, "/hello", resp, sizeof(resp)), 0);
	ck_assert_ptr_nonnull(strstr(resp, " 200 "));
	ck_assert_ptr_nonnull(strstr(resp, "\r\n\r\nhi\n"));
	ck_assert_int_gt(get(h, "/other", resp, sizeof(resp)), 0);
	ck_assert_ptr_nonnull(strstr(resp, " 404 "));
	ck_assert_int_eq(n, 2);
	sc_http_free(h);
	ck_assert_int_eq(sc_http_start("127.0.0.1", hello, &n, &h), -EINVAL);
	ck_assert_int_eq(sc_http_start("300.1.1.1:80", hello, &n, &h), -EINVAL);
	ck_assert_int_eq(sc_http_start("127.0.0.1:70000", hello, &n, &h), -EINVAL);
}
END_TEST

static const char web[] = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
			  "metadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n"
			  "    matchLabels:\n      app: web\n  seccomp:\n    syscalls: [read]\n"
			  "    action: Allow\n";

static struct sc_agent_opts opts(bool once)
{
	struct sc_agent_opts o = { .policies_dir = path_of("pol"),
				   .kubelet_root = path_of("kub"),
				   .listen = "none",
				   .state_dir = path_of("state"),
				   .kmsg_path = "",
				   .audit_log = "",
				   .debounce_ms = 10,
				   .once = once };
	return o;
}

START_TEST(once_exit_codes)
{
	struct sc_agent *a = NULL;
	struct sc_agent_opts o;

	ck_assert_int_eq(mkdir(path_of("pol"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("kub"), 0755), 0);
	put("pol/web.yaml", web);
	o = opts(true);
	ck_assert_int_eq(sc_agent_new(&o, &a), 0);
	ck_assert_int_eq(sc_agent_run(a), 0);
	sc_agent_free(a);
	ck_assert_int_eq(access(path_of("kub/seccomp/syscage/shop/web.json"), F_OK), 0);
	put("pol/bad.yaml", "{oops");
	ck_assert_int_eq(sc_agent_new(&o, &a), 0);
	ck_assert_int_eq(sc_agent_run(a), 1);
	sc_agent_free(a);
	o.kubelet_root = path_of("missing");
	ck_assert_int_lt(sc_agent_new(&o, &a), 0);
}
END_TEST

static bool wait_file(const char *p, bool present)
{
	for (int i = 0; i < 400; i++) {
		if ((access(p, F_OK) == 0) == present)
			return true;
		usleep(25000);
	}
	return false;
}

START_TEST(loop_follows_changes_and_exits_on_sigterm)
{
	struct sc_agent_opts o;
	int status;
	pid_t pid;

	ck_assert_int_eq(mkdir(path_of("pol"), 0755), 0);
	ck_assert_int_eq(mkdir(path_of("kub"), 0755), 0);
	put("pol/web.yaml", web);
	o = opts(false);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sc_agent *a = NULL;
		int r = sc_agent_new(&o, &a);
		if (r < 0)
			_exit(10);
		r = sc_agent_run(a);
		sc_agent_free(a);
		_exit(r == 0 ? 0 : 11);
	}
	ck_assert(wait_file(path_of("kub/seccomp/syscage/shop/web.json"), true));
	/* A new policy in a new subdirectory, then a deletion. */
	ck_assert_int_eq(mkdir(path_of("pol/sub"), 0755), 0);
	usleep(100000);
	{
		/* Another policy (name and selector): a profile of its own. */
		char *t = strdup(web);
		memcpy(strstr(t, "name: web"), "name: api", 9);
		memcpy(strstr(t, "app: web"), "app: api", 8);
		put("pol/sub/api.yaml.tmp", t);
		free(t);
	}
	ck_assert_int_eq(rename(path_of("pol/sub/api.yaml.tmp"), path_of("pol/sub/api.yaml")), 0);
	ck_assert(wait_file(path_of("kub/seccomp/syscage/shop/api.json"), true));
	ck_assert_int_eq(unlink(path_of("pol/web.yaml")), 0);
	ck_assert(wait_file(path_of("kub/seccomp/syscage/shop/web.json"), false));
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* A fake host root with a runc that prints 'version'. */
static void fake_runc(const char *version)
{
	char text[200];

	mkdir(path_of("usr"), 0755);
	mkdir(path_of("usr/sbin"), 0755);
	snprintf(text, sizeof(text), "#!/bin/sh\necho 'runc version %s'\necho 'spec: 1.0.2-dev'\n",
		 version);
	put("usr/sbin/runc", text);
	ck_assert_int_eq(chmod(path_of("usr/sbin/runc"), 0755), 0);
}

START_TEST(runc_flags_by_version)
{
	char v[32] = "";

	ck_assert_int_eq(sc_runc_accepts_flags(base, v, sizeof(v)), -ENOENT);
	fake_runc("1.1.5+ds1");
	ck_assert_int_eq(sc_runc_accepts_flags(base, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1.1");
	fake_runc("1.2.0");
	ck_assert_int_eq(sc_runc_accepts_flags(base, v, sizeof(v)), 1);
	fake_runc("2.0.1");
	ck_assert_int_eq(sc_runc_accepts_flags(base, NULL, 0), 1);
	/* A runc whose version cannot be told is not "no runc": the agent says which. */
	fake_runc("garbage");
	ck_assert_int_eq(sc_runc_accepts_flags(base, NULL, 0), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, metrics_text);
	tcase_add_test(tc, kubelet_seccomp_default);
	tcase_add_test(tc, kubelet_preflight_fs);
	tcase_add_test(tc, kubelet_config_empty_is_unknown);
	tcase_add_test(tc, kubelet_preflight_links);
	if (other_fs_here() && mounts_here()) {
		tcase_add_test(tc, kubelet_preflight_other_fs);
		tcase_add_test(tc, kubelet_preflight_pod_layout);
	} else {
		tap_skip("kubelet_preflight_other_fs",
			 "needs root, a mount namespace, and /dev/shm writable on another "
			 "filesystem than /tmp");
		tap_skip("kubelet_preflight_pod_layout",
			 "needs root, a mount namespace, and /dev/shm writable on another "
			 "filesystem than /tmp");
	}
	tcase_add_test(tc, runc_flags_by_version);
	tcase_add_test(tc, http_in_callers_loop);
	tcase_add_test(tc, once_exit_codes);
	tcase_add_test(tc, loop_follows_changes_and_exits_on_sigterm);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
