/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's preflight of the node: kubelet seccompDefault, seccomp root filesystem,
 * eBPF availability. */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/install.h"
#include "agent/kubelet.h"
#include "syscage/record.h"
#include "macro.h"
#include "base/yaml.h"

static struct fy_node *lookup(struct fy_node *map, const char *key)
{
	if (!map || !fy_node_is_mapping(map))
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

/* YAML 1.1 and 1.2 spellings of true, as the kubelet's loader (sigs.k8s.io/yaml) takes them. */
static int yaml_bool(struct fy_node *n)
{
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;

	if (!s)
		return -1;
	if (streq(s, "true") || streq(s, "True") || streq(s, "TRUE"))
		return 1;
	if (streq(s, "false") || streq(s, "False") || streq(s, "FALSE"))
		return 0;
	return -1;
}

/* Whether 'text' holds more than blank lines and comments: an empty file is what a hostPath of
 * type FileOrCreate leaves where the node has no such file, and says nothing. */
static bool has_content(const char *text, size_t len)
{
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n')
			comment = false;
		else if (c == '#')
			comment = true; /* the first other character would have returned */
		else if (!comment && c != ' ' && c != '\t' && c != '\r')
			return true;
	}
	return false;
}

/* 'nofollow': the path is one a neighbour may write (<kubelet-root>/config.yaml): a symbolic
 * link there is not followed (-ELOOP), wherever it leads. */
static int seccomp_default(const char *config_path, bool nofollow, struct sc_diags *d)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_diag *diag;
	struct fy_document *doc;
	struct fy_node *root;
	cleanup_free char *buf = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len = 0;
	int r;

	/* The kubelet root may be writable by others: a FIFO there must not hang the agent's
	 * start (O_NONBLOCK), nor a device feed it; only a regular file is read. */
	fd = open(config_path,
		  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	r = sc_read_fd(fd, 4u << 20, &buf, &len);
	if (r < 0)
		return r;
	if (!has_content(buf, len))
		return -ENODATA;
	{
		struct sc_loc loc;
		const char *why;
		if (!sc_yaml_text_valid(buf, len, &loc, &why)) {
			if (d) {
				const char *saved = d->file;
				d->file = config_path;
				(void)sc_diags_add(d, SC_SEV_WARNING, loc, "kubelet config: %s",
						   why);
				d->file = saved;
			}
			return -EINVAL;
		}
	}
	diag = sc_yaml_quiet_diag(true);
	if (!diag)
		return -ENOMEM;
	cfg.diag = diag;
	doc = sc_yaml_build_document(&cfg, buf, len);
	if (!doc) {
		struct sc_loc loc = { 0, 0 };
		const char *msg = "not valid YAML";
		(void)sc_yaml_first_error(diag, &loc, &msg);
		if (d) {
			const char *saved = d->file;
			d->file = config_path;
			(void)sc_diags_add(d, SC_SEV_WARNING, loc, "kubelet config: %s", msg);
			d->file = saved;
		}
		fy_diag_destroy(diag);
		return -EINVAL;
	}
	root = fy_document_root(doc);
	if (!root) {
		/* A document with no node ("---" alone): no more said than by an empty file. */
		fy_document_destroy(doc);
		fy_diag_destroy(diag);
		return -ENODATA;
	}
	r = yaml_bool(lookup(root, "seccompDefault")) == 1;
	/* Before 1.27 the feature gate had to be on as well (seed 002). */
	if (yaml_bool(lookup(lookup(root, "featureGates"), "SeccompDefault")) == 0)
		r = 0;
	fy_document_destroy(doc);
	fy_diag_destroy(diag);
	return r;
}

int sc_kubelet_seccomp_default(const char *config_path, struct sc_diags *d)
{
	return seccomp_default(config_path, false, d);
}

void sc_kubelet_preflight(const char *kubelet_root, const char *config_path, bool bpf_load,
			  struct sc_diags *d, struct sc_kubelet_preflight *ret)
{
	cleanup_free char *cfg = NULL, *sdir = NULL, *beside = NULL;
	struct stat a, b;
	const char *ref;
	int r;

	*ret = (struct sc_kubelet_preflight){ -1, -1, 0 };
	if (asprintf(&beside, "%s/config.yaml", kubelet_root) < 0)
		return;
	/* The default path lies in the kubelet root, which others may write: a link planted
	 * there is never followed (in the DaemonSet the file is a hostPath mount, never a
	 * link); a path the operator gives is read as given. */
	r = seccomp_default(config_path ? config_path : beside, !config_path, d);
	if (!config_path)
		config_path = beside;
	if (r >= 0) {
		ret->seccomp_default = r;
		if (r == 0)
			(void)sc_diags_add(d, SC_SEV_NOTE, (struct sc_loc){},
					   "kubelet config %s: seccompDefault is not true: pods "
					   "without a seccompProfile run Unconfined",
					   config_path);
	} else if (r == -ENOENT || r == -ENODATA) {
		(void)sc_diags_add(
			d, SC_SEV_WARNING, (struct sc_loc){},
			"no kubelet config at %s (%s): seccomp_default is -1, unknown; "
			"this node's kubelet takes its configuration from elsewhere (k3s, "
			"EKS, GKE, microk8s): mount that file and pass --kubelet-config",
			config_path, r == -ENOENT ? "no such file" : "the file is empty");
	} else if (r == -ELOOP) {
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){},
				   "the kubelet config %s is a symbolic link: not followed (a link "
				   "in the kubelet root may lead anywhere); seccomp_default is -1, "
				   "unknown: pass --kubelet-config with the file it should name",
				   config_path);
	} else if (r != -EINVAL) {
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){},
				   "cannot read the kubelet config %s: %s (pass --kubelet-config)",
				   config_path, r == -EBADFD ? "not a regular file" : strerror(-r));
	}

	if (asprintf(&sdir, "%s/seccomp", kubelet_root) < 0)
		return;
	/* The kubelet root's filesystem, seen through a file in it when there is one: in a pod
	 * the root itself is the container's (only seccomp/ and config.yaml are mounted from the
	 * node), while a mounted file keeps the device of the node's filesystem it lies on. */
	/* Neither is followed when it is a symbolic link: planted by a neighbour, it would
	 * lead to another filesystem's device (the reconciler refuses a linked seccomp dir). */
	ref = lstat(beside, &a) == 0 && S_ISREG(a.st_mode) ? beside : kubelet_root;
	if (lstat(sdir, &b) == 0 && S_ISLNK(b.st_mode)) {
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){},
				   "%s is a symbolic link: not followed; seccomp_root_same_fs is "
				   "-1, unknown (mount the directory there instead)",
				   sdir);
	} else if (stat(ref, &a) == 0 && lstat(sdir, &b) == 0) {
		ret->same_fs = a.st_dev == b.st_dev;
		if (!ret->same_fs)
			(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){},
					   "%s is on another filesystem than %s: check that the "
					   "kubelet sees the same directory (hostPath/mount)",
					   sdir, kubelet_root);
	} else {
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){}, "cannot stat %s: %s", sdir,
				   strerror(errno));
	}

	r = bpf_load ? sc_record_bpf_preflight(d) : sc_record_bpf_preflight_static(d);
	ret->bpf_available = r == 0;
}

/* "runc version 1.1.5+ds1" -> 1, 1. */
static int parse_runc_version(const char *text, unsigned *maj, unsigned *min)
{
	const char *v = strstr(text, "runc version ");

	if (!v || sscanf(v + strlen("runc version "), "%u.%u", maj, min) != 2)
		return -EINVAL;
	return 0;
}

#define RUN_TIMEOUT_MS 5000 /* a runc --version that hangs must not hold the agent's start */

/* What a probe printed that did not tell the version: its first line, kept for the log. */
struct said {
	char *buf;
	size_t size;
};

static void keep_said(struct said *said, const char *out, bool timed_out)
{
	size_t n = strcspn(out, "\n");

	if (!said || !said->size || (!n && !timed_out))
		return;
	(void)snprintf(said->buf, said->size, "%.*s%s", (int)n, out,
		       timed_out ? (n ? " (timed out)" : "timed out") : "");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run argv[0] with argv and read what it prints (stdout and stderr: nothing of it reaches the
 * agent's own stderr, which is a log of key=value lines) into 'out', at most RUN_TIMEOUT_MS:
 * past that it is killed. Returns true when it timed out. */
static bool run_capture(char *const argv[], char *out, size_t size)
{
	uint64_t deadline = mono_ms() + RUN_TIMEOUT_MS;
	bool timed_out = false;
	size_t n = 0;
	int fds[2], st;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		/* The agent probes from a thread that blocks every signal (runc-probe.c): runc
		 * gets none blocked, as the agent's own start would give it. */
		(void)sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		if (null >= 0)
			(void)dup2(null, STDIN_FILENO);
		(void)dup2(fds[1], STDOUT_FILENO);
		(void)dup2(fds[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		uint64_t now = mono_ms();
		char sink[512];
		ssize_t k;
		int p;

		if (now >= deadline) {
			timed_out = true;
			break;
		}
		p = poll(&pfd, 1, (int)(deadline - now));
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0) {
			timed_out = p == 0;
			break;
		}
		/* Past the buffer, read on and drop: a writer blocked on a full pipe never ends. */
		k = n + 1 < size ? read(fds[0], out + n, size - 1 - n)
				 : read(fds[0], sink, sizeof(sink));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (n + 1 < size)
			n += (size_t)k;
	}
	out[n] = '\0';
	close(fds[0]);
	/* Killed, then reaped; a kill that is refused (a filter) must not leave us waiting. */
	if (timed_out && kill(pid, SIGKILL) < 0)
		(void)waitpid(pid, &st, WNOHANG);
	else
		(void)waitpid(pid, &st, 0);
	return timed_out;
}

/* 'path' (absolute, of the node) as a path under 'root': a symbolic link at its end is followed
 * with an absolute target taken as the node's (/lib64/ld-linux-x86-64.so.2 points to
 * /lib/x86_64-linux-gnu/... on Debian: under 'root', not ours). At most 8 links. */
static int node_path(const char *root, const char *path, char *ret, size_t size)
{
	char cur[PATH_MAX], link[PATH_MAX];

	if ((size_t)snprintf(cur, sizeof(cur), "%s", path) >= sizeof(cur))
		return -ENAMETOOLONG;
	for (int hop = 0; hop < 8; hop++) {
		struct stat st;
		ssize_t n;

		if ((size_t)snprintf(ret, size, "%s%s", root, cur) >= size)
			return -ENAMETOOLONG;
		if (lstat(ret, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode))
			return 0;
		n = readlink(ret, link, sizeof(link) - 1);
		if (n < 0)
			return -errno;
		link[n] = '\0';
		if (link[0] == '/') {
			memcpy(cur, link, (size_t)n + 1);
		} else {
			char *slash = strrchr(cur, '/');
			size_t keep = slash ? (size_t)(slash - cur) + 1 : 0;
			if (keep + (size_t)n + 1 > sizeof(cur))
				return -ENAMETOOLONG;
			memcpy(cur + keep, link, (size_t)n + 1);
		}
	}
	return -ELOOP;
}

/* The node's runc run with the node's own dynamic loader and libraries: a from-scratch image
 * has neither (runc needs libseccomp.so.2), so running it directly fails there. */
static int version_by_node_loader(const char *root, const char *runc, unsigned *maj, unsigned *min,
				  struct said *said)
{
	static const char *const loaders[] = { "/lib64/ld-linux-x86-64.so.2",
					       "/lib/ld-linux-aarch64.so.1", "/lib/ld64.so.2",
					       "/lib/ld64.so.1" };
	static const char *const libdirs[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
	};
	char ld[PATH_MAX], libpath[8 * PATH_MAX] = "", out[512];
	size_t n = 0;

	if (!*root)
		return -ENOENT; /* this root's loader is the one that failed */
	for (size_t i = 0; i < ELEMENTSOF(libdirs); i++) {
		int k = snprintf(libpath + n, sizeof(libpath) - n, "%s%s%s", n ? ":" : "", root,
				 libdirs[i]);
		if (k < 0 || (size_t)k >= sizeof(libpath) - n)
			return -ENAMETOOLONG;
		n += (size_t)k;
	}
	for (size_t i = 0; i < ELEMENTSOF(loaders); i++) {
		if (node_path(root, loaders[i], ld, sizeof(ld)) < 0 || access(ld, X_OK) < 0)
			continue;
		char *argv[] = { ld, "--library-path", libpath, (char *)runc, "--version", NULL };
		bool timed_out = run_capture(argv, out, sizeof(out));
		if (parse_runc_version(out, maj, min) == 0)
			return 0;
		keep_said(said, out, timed_out);
	}
	return -ENOENT;
}

/* The installed runc package's version from the node's dpkg database ("Package: runc" ...
 * "Version: 1.1.5+ds1-1"): without running anything. */
static int version_by_dpkg(const char *root, unsigned *maj, unsigned *min)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	size_t len = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", root) >= sizeof(path) ||
	    sc_read_file(path, 64u << 20, &text, &len) < 0)
		return -ENOENT;
	for (const char *p = text; (p = strstr(p, "Package: runc\n"));) {
		if (p != text && p[-1] != '\n') {
			p++;
			continue;
		}
		const char *end = strstr(p, "\n\n");
		const char *v = strstr(p, "\nVersion: ");
		if (v && (!end || v < end)) {
			v += strlen("\nVersion: ");
			/* An epoch ("1:1.1.5") comes first. */
			const char *colon = strchr(v, ':'), *nl = strchr(v, '\n');
			if (colon && (!nl || colon < nl))
				v = colon + 1;
			if (sscanf(v, "%u.%u", maj, min) == 2)
				return 0;
		}
		return -EINVAL;
	}
	return -ENOENT;
}

int sc_runc_probe(const char *host_root, char *version, size_t size, char *said, size_t said_size)
{
	static const char *const where[] = { "/usr/sbin/runc", "/usr/bin/runc",
					     "/usr/local/sbin/runc", "/usr/local/bin/runc" };
	const char *root = host_root && strcmp(host_root, "/") ? host_root : "";
	struct said s = { said, said_size };
	unsigned maj, min;
	bool found = false;

	if (said && said_size)
		said[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(where); i++) {
		char path[PATH_MAX], out[512];

		if ((size_t)snprintf(path, sizeof(path), "%s%s", root, where[i]) >= sizeof(path) ||
		    access(path, X_OK) < 0)
			continue;
		found = true;
		char *argv[] = { path, "--version", NULL };
		bool timed_out = run_capture(argv, out, sizeof(out));
		if (parse_runc_version(out, &maj, &min) == 0)
			goto known;
		keep_said(&s, out, timed_out);
		if (version_by_node_loader(root, path, &maj, &min, &s) == 0)
			goto known;
	}
	if (version_by_dpkg(root, &maj, &min) == 0)
		goto known;
	return found ? -EINVAL : -ENOENT;
known:
	if (said && said_size)
		said[0] = '\0';
	if (version)
		(void)snprintf(version, size, "%u.%u", maj, min);
	return maj > 1 || (maj == 1 && min >= 2);
}

int sc_runc_accepts_flags(const char *host_root, char *version, size_t size)
{
	return sc_runc_probe(host_root, version, size, NULL, 0);
}

int sc_seccomp_actions_logged(const char *proc_root, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/sys/kernel/seccomp/actions_logged",
		       proc_root && *proc_root ? proc_root : "/proc");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	for (char *p = buf; *p; p++)
		if (*p == ' ')
			*p = ',';
	return 0;
}
