/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a process runs with, from /proc: runtime, cgroup version, namespaces, capabilities,
 * no_new_privs, LSM labels, seccomp state; its filters read with PTRACE_SECCOMP_GET_FILTER and
 * emulated over every arch and syscall; the comparison of those filters with a profile. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "syscage/cgroup.h"
#include "syscage/inspect.h"
#include "syscage/syscalls.h"
#include "syscage/eval.h"
#include "syscage/filter.h"
#include "node/cgroup.h"
#include "node/proc.h"
#include "macro.h"

#define READ_SMALL_MAX (1u << 20)

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER ((enum __ptrace_request)0x420c)
#endif

/* ---- names ----------------------------------------------------------------------------- */

static const char *const cap_names[SC_CAP_LAST + 1] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *sc_cap_to_name(unsigned cap)
{
	return cap <= SC_CAP_LAST ? cap_names[cap] : NULL;
}

int sc_cap_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i <= SC_CAP_LAST; i++)
		if (strcasecmp(cap_names[i], name) == 0 || strcasecmp(cap_names[i] + 4, name) == 0)
			return (int)i;
	return -EINVAL;
}

static const char *const ns_names[_SC_NS_COUNT] = {
	[SC_NS_PID] = "pid",	   [SC_NS_USER] = "user", [SC_NS_NET] = "net",
	[SC_NS_MNT] = "mnt",	   [SC_NS_UTS] = "uts",	  [SC_NS_IPC] = "ipc",
	[SC_NS_CGROUP] = "cgroup", [SC_NS_TIME] = "time",
};

/* The kernel gives the initial namespaces fixed inode numbers (include/linux/proc_ns.h);
 * every other namespace gets one from PROC_DYNAMIC_FIRST (0xF0000000) up. net and mnt got
 * fixed numbers only in recent kernels, hence 0 here: they are decided another way. */
static const uint64_t ns_init_ino[_SC_NS_COUNT] = {
	[SC_NS_PID] = 0xEFFFFFFCu, [SC_NS_USER] = 0xEFFFFFFDu,	 [SC_NS_UTS] = 0xEFFFFFFEu,
	[SC_NS_IPC] = 0xEFFFFFFFu, [SC_NS_CGROUP] = 0xEFFFFFFBu, [SC_NS_TIME] = 0xEFFFFFFAu,
};
#define PROC_DYNAMIC_FIRST 0xF0000000u

const char *sc_ns_to_name(enum sc_ns_type t)
{
	return t < _SC_NS_COUNT ? ns_names[t] : NULL;
}

const char *sc_cgroup_version_str(enum sc_cgroup_version v)
{
	switch (v) {
	case SC_CGROUP_V1:
		return "v1";
	case SC_CGROUP_V2:
		return "v2";
	case SC_CGROUP_HYBRID:
		return "hybrid (v1 controllers + v2)";
	default:
		return "unknown";
	}
}

/* ---- /proc helpers --------------------------------------------------------------------- */

/* /proc/<pid>/<what>, /proc/self/<what> for pid 0 (and below). */
static void proc_path(char *buf, size_t size, pid_t pid, const char *what)
{
	sc_proc_path(buf, size, NULL, pid > 0 ? pid : 0, what);
}

/* Read a small file whole (NUL bytes kept; *ret_len says how much); 1 MiB at most. */
static int read_small(const char *path, char **ret, size_t *ret_len)
{
	return sc_proc_read_alloc(path, READ_SMALL_MAX, ret, ret_len);
}

static char *strip(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* uid_map lines are column-aligned with runs of spaces: "0 0 4294967295", lines joined with
 * "; ". Returns a new string (NULL on ENOMEM) and frees 'in'. */
static char *squeeze_map(char *in)
{
	char *out = malloc(2 * strlen(in) + 1), *w = out;
	bool sep = true;

	if (!out) {
		free(in);
		return NULL;
	}
	for (const char *s = in; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			if (!sep && *s == '\n') {
				*w++ = ';';
				*w++ = ' ';
				sep = true;
			} else if (!sep) {
				*w++ = ' ';
				sep = true;
			}
			continue;
		}
		sep = false;
		*w++ = *s;
	}
	while (w > out && (w[-1] == ' ' || w[-1] == ';'))
		w--;
	*w = 0;
	free(in);
	return out;
}

static uint64_t ns_inode(pid_t pid, const char *name)
{
	char path[64], link[128];
	ssize_t n;
	unsigned long long ino;

	if (pid == 1)
		(void)snprintf(path, sizeof(path), "/proc/1/ns/%s", name);
	else
		proc_path(path, sizeof(path), pid, "ns/");
	if (pid != 1)
		(void)strncat(path, name, sizeof(path) - strlen(path) - 1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = 0;
	/* "net:[4026531840]" */
	{
		const char *b = strchr(link, '[');
		if (!b || sscanf(b + 1, "%llu", &ino) != 1)
			return 0;
	}
	return ino;
}

static void inspect_namespaces(pid_t pid, struct sc_inspect *in)
{
	uint64_t self_pid = ns_inode(0, "pid");
	bool host_view = self_pid == ns_init_ino[SC_NS_PID];

	for (int t = 0; t < _SC_NS_COUNT; t++) {
		struct sc_ns_info *ns = &in->ns[t];
		uint64_t ino = ns_inode(pid, ns_names[t]);

		ns->inode = ino;
		if (!ino) {
			ns->state = SC_NS_NOT_VISIBLE;
			ns->how = "the namespace link cannot be read";
			continue;
		}
		if (ns_init_ino[t]) {
			ns->state = ino == ns_init_ino[t] ? SC_NS_INITIAL : SC_NS_SEPARATE;
			ns->how = "the kernel's fixed inode number of the initial namespace";
			continue;
		}
		/* net, mnt: a number below the dynamic range is a fixed initial one (new kernels).
		 */
		if (ino < PROC_DYNAMIC_FIRST) {
			ns->state = SC_NS_INITIAL;
			ns->how = "the kernel's fixed inode number of the initial namespace";
			continue;
		}
		if (host_view) {
			uint64_t init = ns_inode(1, ns_names[t]);
			if (init) {
				ns->state = init == ino ? SC_NS_INITIAL : SC_NS_SEPARATE;
				ns->how = "compared with /proc/1/ns (the host's init)";
				continue;
			}
		}
		/* If our own namespace of this type has a fixed number, the kernel gives the
		 * initial one a fixed number, so a dynamic number is a namespace of its own. */
		{
			uint64_t own = ns_inode(0, ns_names[t]);
			if (own && own < PROC_DYNAMIC_FIRST) {
				ns->state = SC_NS_SEPARATE;
				ns->how = "a dynamic inode number where the initial one is fixed";
				continue;
			}
		}
		ns->state = SC_NS_NOT_VISIBLE;
		ns->how = host_view ? "/proc/1/ns cannot be read (needs ptrace access to init)"
				    : "pid 1 here is a container's init, not the host's";
	}
}

/* The runtime from one cgroup path; returns true when it names one. */
static bool runtime_from_cgroup(const char *path, struct sc_inspect *in)
{
	if (sc_runtime_from_cgroup(path, in->runtime, sizeof(in->runtime), in->container_id,
				   sizeof(in->container_id)) <= 0)
		return false;
	(void)snprintf(in->runtime_why, sizeof(in->runtime_why), "cgroup path %s", path);
	return true;
}

static void inspect_cgroup(pid_t pid, struct sc_inspect *in)
{
	char path[64], v1_path[sizeof(in->cgroup_path)] = "", v2_path[sizeof(in->cgroup_path)] = "";
	cleanup_free char *buf = NULL;
	bool v1 = false, v2 = false, found = false;
	struct sc_cgroup_line l;
	const char *cur;
	size_t len;

	proc_path(path, sizeof(path), pid, "cgroup");
	if (read_small(path, &buf, &len) < 0)
		return;
	/* Lines end at a NUL too, as they did when this was read as a C string. */
	len = strnlen(buf, len);
	cur = buf;
	while (sc_cgroup_next_line(&cur, buf + len, &l)) {
		cleanup_free char *cg = strndup(l.path, l.path_len);
		if (!cg)
			return;
		if (l.line_len >= 3 && memcmp(l.line, "0::", 3) == 0) {
			v2 = true;
			(void)snprintf(v2_path, sizeof(v2_path), "%s", cg);
		} else {
			v1 = true;
			/* The first controller below the root names the container best. */
			if (!v1_path[0] || (streq(v1_path, "/") && !streq(cg, "/")))
				(void)snprintf(v1_path, sizeof(v1_path), "%s", cg);
		}
		if (!found)
			found = runtime_from_cgroup(cg, in);
	}
	(void)snprintf(in->cgroup_path, sizeof(in->cgroup_path), "%s",
		       v2_path[0] && (!streq(v2_path, "/") || !v1_path[0]) ? v2_path
		       : v1_path[0]					   ? v1_path
									   : v2_path);
	in->cgroup_version = v1 && v2 ? SC_CGROUP_HYBRID
			     : v2     ? SC_CGROUP_V2
			     : v1     ? SC_CGROUP_V1
				      : SC_CGROUP_UNKNOWN;
}

/* The comm of each ancestor: containerd-shim*, conmon, lxc-start name the runtime. */
static const char *runtime_from_ancestors(pid_t pid, char *why, size_t why_len)
{
	pid_t cur = pid > 0 ? pid : getpid();

	for (int depth = 0; depth < 32 && cur > 1; depth++) {
		char path[64];
		cleanup_free char *stat = NULL;
		char *rp;
		int ppid;

		(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)cur);
		if (read_small(path, &stat, NULL) < 0)
			return NULL;
		rp = strrchr(stat, ')');
		if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			return NULL;
		if (depth > 0) {
			char *lp = strchr(stat, '(');
			const char *kind = NULL;
			*rp = 0;
			lp = lp ? lp + 1 : stat;
			if (strncmp(lp, "containerd-shim", 15) == 0)
				kind = "containerd";
			else if (streq(lp, "conmon"))
				kind = "podman";
			else if (strncmp(lp, "lxc-start", 9) == 0)
				kind = "lxc";
			if (kind) {
				(void)snprintf(why, why_len, "ancestor process %d is %s", (int)cur,
					       lp);
				return kind;
			}
		}
		cur = ppid;
	}
	return NULL;
}

static bool file_exists_in_root(pid_t pid, const char *file)
{
	char path[128];

	if (pid > 0)
		(void)snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, file);
	else
		(void)snprintf(path, sizeof(path), "%s", file);
	return access(path, F_OK) == 0;
}

/* container=... in an environment block. */
static bool env_container(const char *path, char *ret, size_t size)
{
	cleanup_free char *buf = NULL;
	size_t n = 0;

	if (read_small(path, &buf, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (strncmp(buf + i, "container=", 10) == 0 && buf[i + 10]) {
			(void)snprintf(ret, size, "%s", buf + i + 10);
			return true;
		}
	return false;
}

static void inspect_runtime(pid_t pid, struct sc_inspect *in)
{
	char why[160], val[48], path[64];
	const char *anc;

	inspect_cgroup(pid, in);
	anc = runtime_from_ancestors(pid, why, sizeof(why));
	if (in->runtime[0]) {
		/* A cgroup that says kube but a shim that says which CRI runtime. */
		if (anc && streq(in->runtime, "kube") && streq(anc, "containerd"))
			(void)snprintf(in->runtime, sizeof(in->runtime), "kube (containerd)");
		return;
	}
	if (anc) {
		(void)snprintf(in->runtime, sizeof(in->runtime), "%s", anc);
		(void)snprintf(in->runtime_why, sizeof(in->runtime_why), "%s", why);
		return;
	}
	if (file_exists_in_root(pid, "/run/.containerenv")) {
		(void)snprintf(in->runtime, sizeof(in->runtime), "podman");
		(void)snprintf(in->runtime_why, sizeof(in->runtime_why), "/run/.containerenv");
		return;
	}
	proc_path(path, sizeof(path), pid, "environ");
	if (env_container(path, val, sizeof(val)) ||
	    (pid <= 0 && env_container("/proc/1/environ", val, sizeof(val)))) {
		(void)snprintf(in->runtime, sizeof(in->runtime), "%s",
			       streq(val, "oci") ? "container (oci)" : val);
		(void)snprintf(in->runtime_why, sizeof(in->runtime_why),
			       "container=%s in the environment", val);
		return;
	}
	if (file_exists_in_root(pid, "/.dockerenv")) {
		(void)snprintf(in->runtime, sizeof(in->runtime), "docker");
		(void)snprintf(in->runtime_why, sizeof(in->runtime_why), "/.dockerenv");
		return;
	}
	if (in->ns[SC_NS_PID].state == SC_NS_SEPARATE) {
		(void)snprintf(in->runtime, sizeof(in->runtime), "container (unknown runtime)");
		(void)snprintf(in->runtime_why, sizeof(in->runtime_why),
			       "a pid namespace of its own, no runtime marker");
		return;
	}
	(void)snprintf(in->runtime, sizeof(in->runtime), "none");
	(void)snprintf(in->runtime_why, sizeof(in->runtime_why),
		       "no container cgroup, marker file, environment or runtime ancestor");
}

static char *read_label(const char *path)
{
	char *buf = NULL;

	if (read_small(path, &buf, NULL) < 0)
		return NULL;
	strip(buf);
	if (!*buf) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void inspect_lsm(pid_t pid, struct sc_inspect *in)
{
	char path[96];

	proc_path(path, sizeof(path), pid, "attr/apparmor/current");
	in->apparmor = read_label(path);
	if (!in->apparmor && access("/sys/module/apparmor", F_OK) == 0 &&
	    access("/sys/fs/selinux", F_OK) != 0) {
		proc_path(path, sizeof(path), pid, "attr/current");
		in->apparmor = read_label(path);
	}
	if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
		proc_path(path, sizeof(path), pid, "attr/current");
		in->selinux = read_label(path);
	}
}

int sc_inspect_process(pid_t pid, struct sc_inspect *ret)
{
	static const char *const cap_keys[_SC_CAPS_COUNT] = { "CapBnd:", "CapEff:", "CapPrm:",
							      "CapInh:", "CapAmb:" };
	char path[64];
	cleanup_free char *status = NULL;
	char *save = NULL;
	int r;

	if (!ret)
		return -EINVAL;
	*ret = (struct sc_inspect){ .pid = pid > 0 ? pid : getpid(),
				    .no_new_privs = -1,
				    .seccomp_mode = -1,
				    .seccomp_filters = -1 };
	proc_path(path, sizeof(path), pid, "status");
	r = read_small(path, &status, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	for (char *line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		int k;

		if (strncmp(line, "Name:", 5) == 0) {
			char *s = line + 5;
			while (*s == '\t' || *s == ' ')
				s++;
			(void)snprintf(ret->comm, sizeof(ret->comm), "%s", s);
		} else if (sscanf(line, "NoNewPrivs: %d", &k) == 1) {
			ret->no_new_privs = k;
		} else if (sscanf(line, "Seccomp: %d", &k) == 1) {
			ret->seccomp_mode = k;
		} else if (sscanf(line, "Seccomp_filters: %d", &k) == 1) {
			ret->seccomp_filters = k;
		} else {
			for (int c = 0; c < _SC_CAPS_COUNT; c++)
				if (strncmp(line, cap_keys[c], 7) == 0 &&
				    sscanf(line + 7, "%llx", &v) == 1) {
					ret->caps[c] = v;
					ret->has_caps = true;
				}
		}
	}
	/* Seccomp_filters exists since 5.9; before, a filter mode with an unknown count. */
	inspect_namespaces(pid, ret);
	inspect_runtime(pid, ret);
	proc_path(path, sizeof(path), pid, "uid_map");
	if (read_small(path, &ret->uid_map, NULL) == 0)
		ret->uid_map = squeeze_map(ret->uid_map);
	proc_path(path, sizeof(path), pid, "gid_map");
	if (read_small(path, &ret->gid_map, NULL) == 0)
		ret->gid_map = squeeze_map(ret->gid_map);
	inspect_lsm(pid, ret);
	return 0;
}

void sc_inspect_done(struct sc_inspect *i)
{
	if (!i)
		return;
	free(i->uid_map);
	free(i->gid_map);
	free(i->apparmor);
	free(i->selinux);
	i->uid_map = i->gid_map = i->apparmor = i->selinux = NULL;
}

/* ---- reading the filters --------------------------------------------------------------- */

void sc_filters_done(struct sc_filter_set *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].insns);
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

static int self_seccomp_mode(void)
{
	/* Only the status line matters here; avoid the rest of sc_inspect_process. */
	cleanup_free char *status = NULL;
	const char *s;
	int mode;

	if (read_small("/proc/self/status", &status, NULL) < 0)
		return -1;
	s = strstr(status, "\nSeccomp:");
	if (!s || sscanf(s + 9, "%d", &mode) != 1)
		return -1;
	return mode;
}

static int read_all_filters(pid_t pid, struct sc_filter_set *fs)
{
	for (unsigned long idx = 0;; idx++) {
		struct sc_filter_prog *v;
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, NULL);

		if (n < 0) {
			if (errno == ENOENT)
				return 0;
			/* Not in filter mode (no filter at all). */
			if (errno == EINVAL && idx == 0)
				return 0;
			if (errno == EIO)
				return -EMEDIUMTYPE;
			return -errno;
		}
		if (n == 0 || n > (long)SC_BPF_MAXINSNS)
			return -EIO;
		v = reallocarray(fs->v, fs->n + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		fs->v = v;
		v = &fs->v[fs->n];
		v->len = (size_t)n;
		v->insns = calloc((size_t)n, sizeof(struct sock_filter));
		if (!v->insns)
			return -ENOMEM;
		fs->n++;
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, v->insns);
		if (n < 0)
			return -errno;
		if ((size_t)n != v->len)
			return -EIO;
	}
}

int sc_filters_read(pid_t pid, struct sc_filter_set *ret)
{
	struct sc_filter_set fs = { 0 };
	int st = 0, r, sig = 0;
	pid_t w;

	if (!ret || pid <= 0)
		return -EINVAL;
	*ret = (struct sc_filter_set){ 0 };
	if (pid == getpid())
		return -EINVAL;
	/* The kernel's own conditions, checked first so the target is never stopped in vain. */
	if (self_seccomp_mode() != 0)
		return -EACCES;
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return errno == ESRCH ? -ESRCH : -EPERM;
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0) {
		r = -errno;
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return r;
	}
	do
		w = waitpid(pid, &st, __WALL);
	while (w < 0 && errno == EINTR);
	if (w < 0 || !WIFSTOPPED(st)) {
		r = w < 0 ? -errno : -ESRCH;
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return r;
	}
	/* Under PTRACE_SEIZE our interrupt is an event stop (PTRACE_EVENT_STOP << 16); any
	 * other stop is a signal on its way, SIGTRAP included: hand it back on detach. */
	if ((st >> 16) == 0)
		sig = WSTOPSIG(st);
	r = read_all_filters(pid, &fs);
	(void)ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig);
	if (r < 0) {
		sc_filters_done(&fs);
		return r;
	}
	for (size_t i = 0; i < fs.n; i++)
		if (sc_bpf_check(fs.v[i].insns, fs.v[i].len, NULL, 0) < 0) {
			sc_filters_done(&fs);
			return -EBADMSG;
		}
	*ret = fs;
	return 0;
}

/* ---- emulation ------------------------------------------------------------------------- */

#define ACTION_ONLY(r) ((int32_t)((r)&SECCOMP_RET_ACTION_FULL))

int sc_filters_run(const struct sc_filter_set *fs, const struct seccomp_data *sd, uint32_t *ret)
{
	uint32_t best = SECCOMP_RET_ALLOW;

	/* The kernel does not consult the filters for these. */
	if (sc_seccomp_passthrough(sd->arch, (uint32_t)sd->nr, 0, 0)) {
		*ret = best;
		return 0;
	}
	/* Newest first; a later filter replaces the result only when strictly more severe. */
	for (size_t i = fs->n; i-- > 0;) {
		uint32_t cur;
		int r = sc_bpf_run_checked(fs->v[i].insns, fs->v[i].len, sd, &cur, NULL);
		if (r < 0)
			return r;
		if (ACTION_ONLY(cur) < ACTION_ONLY(best))
			best = cur;
	}
	*ret = best;
	return 0;
}

void sc_seccomp_data_for(enum sc_arch arch, uint32_t nr, const uint64_t args[6],
			 struct seccomp_data *sd)
{
	const struct sc_arch_info *ai = sc_arch_info(arch);
	bool swap = ai->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);

	*sd = (struct seccomp_data){ .nr = (int)nr, .arch = ai->audit_arch };
	for (int i = 0; i < 6; i++) {
		uint64_t a = args ? args[i] : 0;
		if (ai->word_bits == 32)
			a &= 0xffffffffu;
		sd->args[i] = swap ? (a << 32) | (a >> 32) : a;
	}
}

/* The data bits mean something for ERRNO, TRAP and TRACE only. */
static uint32_t ret_norm(uint32_t r)
{
	switch (r & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_TRACE:
		return r;
	default:
		return r & SECCOMP_RET_ACTION_FULL;
	}
}

/* Per filter, a copy where every load of instruction_pointer or args returns a sentinel:
 * running it tells whether the path taken for (arch, nr) reads them at all. */
struct arg_probe {
	struct sock_filter *insns;
	size_t len;
	uint32_t sentinel;
	bool usable; /* false: the program returns A somewhere, so the sentinel may collide */
};

static int arg_probes_make(const struct sc_filter_set *fs, struct arg_probe **ret)
{
	struct arg_probe *ap = calloc(fs->n ? fs->n : 1, sizeof(*ap));

	if (!ap)
		return -ENOMEM;
	for (size_t i = 0; i < fs->n; i++) {
		const struct sc_filter_prog *f = &fs->v[i];
		static const uint32_t candidates[] = { 0x7ff0dea1u, 0x7ff0beefu, 0x7ff0c0deu,
						       0x7ff01234u };
		bool used[ELEMENTSOF(candidates)] = { false };

		ap[i].insns = malloc(f->len * sizeof(*f->insns));
		if (!ap[i].insns) {
			for (size_t k = 0; k < i; k++)
				free(ap[k].insns);
			free(ap);
			return -ENOMEM;
		}
		ap[i].len = f->len;
		ap[i].usable = true;
		for (size_t k = 0; k < f->len; k++) {
			if (f->insns[k].code == (BPF_RET | BPF_A))
				ap[i].usable = false;
			if (f->insns[k].code == (BPF_RET | BPF_K))
				for (size_t c = 0; c < ELEMENTSOF(candidates); c++)
					used[c] |= f->insns[k].k == candidates[c];
		}
		ap[i].sentinel = 0;
		for (size_t c = 0; c < ELEMENTSOF(candidates); c++)
			if (!used[c]) {
				ap[i].sentinel = candidates[c];
				break;
			}
		if (!ap[i].sentinel)
			ap[i].usable = false;
		for (size_t k = 0; k < f->len; k++) {
			struct sock_filter in = f->insns[k];
			if (in.code == (BPF_LD | BPF_W | BPF_ABS) &&
			    in.k >= offsetof(struct seccomp_data, instruction_pointer))
				in = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ap[i].sentinel);
			ap[i].insns[k] = in;
		}
	}
	*ret = ap;
	return 0;
}

static void arg_probes_free(struct arg_probe *ap, size_t n)
{
	if (!ap)
		return;
	for (size_t i = 0; i < n; i++)
		free(ap[i].insns);
	free(ap);
}

/* Does any filter read args or the instruction pointer on the path for 'sd'? */
static int reads_args(const struct arg_probe *ap, size_t n, const struct seccomp_data *sd,
		      bool *ret)
{
	*ret = false;
	for (size_t i = 0; i < n; i++) {
		uint32_t r;
		int k;
		if (!ap[i].usable) {
			*ret = true; /* cannot tell: vary the arguments */
			return 0;
		}
		k = sc_bpf_run_checked(ap[i].insns, ap[i].len, sd, &r, NULL);
		if (k < 0)
			return k;
		if (r == ap[i].sentinel) {
			*ret = true;
			return 0;
		}
	}
	return 0;
}

/* Argument values worth trying: every constant the programs compare with, its neighbours,
 * and all-ones. */
struct arg_values {
	uint32_t v[64];
	unsigned n;
};

static void arg_values_add(struct arg_values *av, uint32_t x)
{
	for (unsigned i = 0; i < av->n; i++)
		if (av->v[i] == x)
			return;
	if (av->n < ELEMENTSOF(av->v))
		av->v[av->n++] = x;
}

static void arg_values_from(struct arg_values *av, const struct sock_filter *insns, size_t len)
{
	for (size_t k = 0; k < len && av->n < ELEMENTSOF(av->v) - 3; k++) {
		uint16_t c = insns[k].code;
		if (BPF_CLASS(c) == BPF_JMP && BPF_OP(c) != BPF_JA && BPF_SRC(c) == BPF_K) {
			arg_values_add(av, insns[k].k);
			arg_values_add(av, insns[k].k + 1);
			if (insns[k].k)
				arg_values_add(av, insns[k].k - 1);
		}
	}
}

/* Call fn for every varied argument vector (one argument set at a time). */
typedef int (*arg_case_fn)(const uint64_t args[6], void *userdata);

static int for_each_arg_case(const struct arg_values *av, unsigned word_bits, arg_case_fn fn,
			     void *userdata)
{
	for (int idx = 0; idx < 6; idx++) {
		for (unsigned i = 0; i <= av->n; i++) {
			uint64_t args[6] = { 0 };
			uint64_t x = i < av->n ? av->v[i] : UINT64_MAX;
			int r;

			args[idx] = x;
			r = fn(args, userdata);
			if (r)
				return r;
			if (word_bits == 64 && i < av->n) {
				args[idx] = x << 32;
				r = fn(args, userdata);
				if (r)
					return r;
				args[idx] = (x << 32) | 0xffffffffu;
				r = fn(args, userdata);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

struct vary_ctx {
	const struct sc_filter_set *fs;
	enum sc_arch arch;
	uint32_t nr;
	struct sc_decision *d;
};

static int vary_one(const uint64_t args[6], void *userdata)
{
	struct vary_ctx *c = userdata;
	struct seccomp_data sd;
	uint32_t r;
	int k;

	sc_seccomp_data_for(c->arch, c->nr, args, &sd);
	k = sc_filters_run(c->fs, &sd, &r);
	if (k < 0)
		return k;
	r = ret_norm(r);
	if (r == c->d->ret)
		return 0;
	for (unsigned i = 0; i < c->d->n_also; i++)
		if (c->d->also[i] == r)
			return 0;
	if (c->d->n_also < ELEMENTSOF(c->d->also))
		c->d->also[c->d->n_also++] = r;
	return 0;
}

void sc_decisions_free(struct sc_arch_decisions *d)
{
	if (!d)
		return;
	for (int a = 0; a < _SC_ARCH_COUNT; a++)
		free(d[a].v);
	free(d);
}

/* The numbers worth emulating on an ABI: every number from its base to its highest syscall,
 * except long runs of unnamed numbers (arm's private calls sit at 0xf0000 and up), which are
 * skipped to the next named one. *ret_above gets the first number past the table. */
static int arch_numbers(enum sc_arch a, uint32_t **ret, size_t *ret_n, uint32_t *ret_above)
{
	const struct sc_arch_info *ai = sc_arch_info(a);
	size_t count = sc_syscall_count(a), n = 0, cap = 512;
	uint32_t *v = malloc(cap * sizeof(*v)), next = ai->nr_base;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i <= count; i++) {
		uint32_t nr = 0;
		const char *name;
		bool last = sc_syscall_by_index(a, i, &nr, &name) < 0;

		if (last)
			nr = next;
		if (nr < next)
			continue;
		/* Fill the gap before nr when it is short. */
		if (nr - next > 256)
			next = nr;
		for (uint32_t k = next; k <= nr; k++) {
			if (last && k == nr)
				break;
			if (n == cap) {
				uint32_t *w = reallocarray(v, cap * 2, sizeof(*v));
				if (!w) {
					free(v);
					return -ENOMEM;
				}
				v = w;
				cap *= 2;
			}
			v[n++] = k;
		}
		next = nr + 1;
		if (last)
			break;
	}
	*ret_above = sc_syscall_max(a) + 1;
	*ret = v;
	*ret_n = n;
	return 0;
}

int sc_filters_decide(const struct sc_filter_set *fs, struct sc_arch_decisions **ret)
{
	struct sc_arch_decisions *d = NULL;
	struct arg_probe *ap = NULL;
	struct arg_values av = { 0 };
	int r;

	if (!fs || !ret)
		return -EINVAL;
	for (size_t i = 0; i < fs->n; i++)
		if (sc_bpf_check(fs->v[i].insns, fs->v[i].len, NULL, 0) < 0)
			return -EINVAL;
	r = arg_probes_make(fs, &ap);
	if (r < 0)
		return r;
	for (size_t i = 0; i < fs->n; i++)
		arg_values_from(&av, fs->v[i].insns, fs->v[i].len);
	d = calloc(_SC_ARCH_COUNT, sizeof(*d));
	if (!d) {
		r = -ENOMEM;
		goto out;
	}
	for_each_arch (a) {
		struct sc_arch_decisions *ad = &d[a];
		struct seccomp_data sd;
		cleanup_free uint32_t *nrs = NULL;
		uint32_t above;

		ad->arch = a;
		r = arch_numbers(a, &nrs, &ad->n, &above);
		if (r < 0)
			goto out;
		ad->v = calloc(ad->n ? ad->n : 1, sizeof(*ad->v));
		if (!ad->v) {
			r = -ENOMEM;
			goto out;
		}
		ad->uniform = true;
		for (size_t k = 0; k < ad->n; k++) {
			struct sc_decision *dec = &ad->v[k];
			bool args;

			dec->nr = nrs[k];
			sc_seccomp_data_for(a, dec->nr, NULL, &sd);
			r = sc_filters_run(fs, &sd, &dec->ret);
			if (r < 0)
				goto out;
			dec->ret = ret_norm(dec->ret);
			r = reads_args(ap, fs->n, &sd, &args);
			if (r < 0)
				goto out;
			if (args) {
				struct vary_ctx c = { fs, a, dec->nr, dec };
				r = for_each_arg_case(&av, sc_arch_info(a)->word_bits, vary_one,
						      &c);
				if (r < 0)
					goto out;
				/* Read but never changing the outcome: not an argument check. */
				dec->args = dec->n_also > 0;
			}
			if (dec->args || dec->ret != ad->v[0].ret)
				ad->uniform = false;
		}
		sc_seccomp_data_for(a, above, NULL, &sd);
		r = sc_filters_run(fs, &sd, &ad->above_ret);
		if (r < 0)
			goto out;
		ad->above_ret = ret_norm(ad->above_ret);
	}
	*ret = TAKE_PTR(d);
	r = 0;
out:
	arg_probes_free(ap, fs->n);
	sc_decisions_free(d);
	return r;
}

/* ---- comparison with a profile ------------------------------------------------------------ */

void sc_compare_done(struct sc_compare *c)
{
	if (!c)
		return;
	free(c->v);
	for (size_t i = 0; i < c->n_unknown; i++)
		free(c->unknown_names[i]);
	free(c->unknown_names);
	*c = (struct sc_compare){ 0 };
}

struct cmp_ctx {
	const struct sc_filter_set *fs;
	const struct sc_profile *p;
	const struct sc_compile_opts *o;
	enum sc_arch arch;
	uint32_t nr;
	struct sc_compare *out;
	bool with_args;
	unsigned diffs_here; /* at most a few argument differences per syscall */
};

static bool is_kill(uint32_t r)
{
	r &= SECCOMP_RET_ACTION_FULL;
	return r == SECCOMP_RET_KILL_PROCESS || r == SECCOMP_RET_KILL_THREAD;
}

static int cmp_one(const uint64_t args[6], void *userdata)
{
	struct cmp_ctx *c = userdata;
	struct seccomp_data sd;
	struct sc_eval e;
	uint32_t running, expected;
	int r;

	sc_seccomp_data_for(c->arch, c->nr, args, &sd);
	r = sc_filters_run(c->fs, &sd, &running);
	if (r < 0)
		return r;
	r = sc_profile_eval_raw(c->p, c->o, sd.arch, c->nr, args, &e);
	if (r < 0)
		return r;
	/* What the profile gives a process on this kernel, which skips seccomp for some. */
	if (sc_seccomp_passthrough(sd.arch, c->nr, 0, 0))
		e = (struct sc_eval){ SC_ACT_ALLOW, 0, e.rule };
	expected = ret_norm(sc_action_ret(e.action, true, e.data));
	running = ret_norm(running);
	c->out->n_checked++;
	if (running == expected)
		return 0;
	/* The OCI format cannot say which kill an unlisted arch gets: runc leaves libseccomp's
	 * default (KILL_THREAD), syscage's compiler uses KILL_PROCESS. Counted, not a difference.
	 */
	if (e.rule == SC_EVAL_RULE_ARCH && is_kill(running) && is_kill(expected)) {
		c->out->n_kill_flavour++;
		c->out->kill_running = running;
		c->out->kill_expected = expected;
		return 0;
	}
	if (c->with_args && c->diffs_here >= 4)
		return 0;
	{
		struct sc_compare_diff *v =
			reallocarray(c->out->v, c->out->n + 1, sizeof(*c->out->v));
		if (!v)
			return -ENOMEM;
		c->out->v = v;
		v[c->out->n++] = (struct sc_compare_diff){
			.arch = c->arch,
			.nr = c->nr,
			.with_args = c->with_args,
			.running = running,
			.expected = expected,
		};
		memcpy(v[c->out->n - 1].args, args, sizeof(v->args));
		c->diffs_here++;
	}
	return 0;
}

/* Does any rule of 'p' with conditions name syscall 'nr' on 'arch'? */
static bool profile_args_for(const struct sc_profile *p, enum sc_arch arch, uint32_t nr)
{
	const char *name = sc_syscall_to_name(arch, nr);

	if (!name)
		return false;
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!p->rules[i].n_args)
			continue;
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			if (streq(p->rules[i].names[k], name))
				return true;
	}
	return false;
}

static int compare_pass(const struct sc_filter_set *fs, const struct sc_profile *rp,
			const struct sc_compile_opts *o, const struct arg_probe *ap,
			const struct arg_values *av, struct sc_compare *out)
{
	int r;

	for_each_arch (a) {
		cleanup_free uint32_t *nrs = NULL;
		size_t n_nrs = 0;
		uint32_t above;

		r = arch_numbers(a, &nrs, &n_nrs, &above);
		if (r < 0)
			return r;
		for (size_t k = 0; k <= n_nrs; k++) {
			uint32_t nr = k < n_nrs ? nrs[k] : above;
			struct cmp_ctx c = { fs, rp, o, a, nr, out, false, 0 };
			struct seccomp_data sd;
			uint64_t zero[6] = { 0 };
			bool args = false;

			r = cmp_one(zero, &c);
			if (r < 0)
				return r;
			sc_seccomp_data_for(a, nr, NULL, &sd);
			r = reads_args(ap, fs->n, &sd, &args);
			if (r < 0)
				return r;
			if (args || profile_args_for(rp, a, nr)) {
				c.with_args = true;
				r = for_each_arg_case(av, sc_arch_info(a)->word_bits, cmp_one, &c);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static bool profile_names(const struct sc_profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			if (streq(p->rules[i].names[k], name))
				return true;
	return false;
}

static bool in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

/* Syscalls added since Linux 5.16 (futex_waitv, x86_64 number 449, January 2022): distro
 * libseccomp releases lag them (Debian 12's 2.5.4 cannot name statmount, mseal, ...). The
 * x86_64 numbers are handed out in order, except uprobe and uretprobe, which took free
 * slots. Only such syscalls are taken as possibly unknown to a runtime. */
static bool recent_syscall(const char *name)
{
	int nr = sc_syscall_from_name(SC_ARCH_X86_64, name);

	return nr >= 449 || streq(name, "uretprobe") || streq(name, "uprobe");
}

/* runc skips the names its libseccomp cannot resolve, so a syscall newer than that library
 * is enforced as if the profile did not name it: the default action, or runc's ENOSYS above
 * the highest number it could name. A difference where the running filter treats a named
 * syscall exactly like an unnamed number is a candidate when the syscall is recent; if leaving all
 * candidates out of the profile removes differences, they are reported as names the runtime could
 * not resolve. */
static int explain_unknown_names(const struct sc_filter_set *fs, const struct sc_profile *rp,
				 const struct sc_compile_opts *o, const struct arg_probe *ap,
				 const struct arg_values *av, struct sc_compare *out)
{
	uint32_t def = ret_norm(
		sc_action_ret(rp->default_action, rp->has_default_errno, rp->default_errno));
	char **cand = NULL;
	size_t n_cand = 0;
	struct sc_profile *p2 = NULL;
	struct sc_compare out2 = { 0 };
	int r = 0;

	for (size_t i = 0; i < out->n; i++) {
		const struct sc_compare_diff *d = &out->v[i];
		const char *name = sc_syscall_to_name(d->arch, d->nr);
		struct seccomp_data sd;
		uint32_t above;
		char **v;

		if (!name || d->with_args || !recent_syscall(name) || !profile_names(rp, name) ||
		    in_list(cand, n_cand, name))
			continue;
		sc_seccomp_data_for(d->arch, sc_syscall_max(d->arch) + 1, NULL, &sd);
		r = sc_filters_run(fs, &sd, &above);
		if (r < 0)
			goto out;
		if (d->running != def && d->running != ret_norm(above))
			continue;
		v = reallocarray(cand, n_cand + 1, sizeof(*cand));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		cand = v;
		cand[n_cand] = strdup(name);
		if (!cand[n_cand]) {
			r = -ENOMEM;
			goto out;
		}
		n_cand++;
	}
	if (!n_cand)
		goto out;
	p2 = sc_profile_dup(rp);
	if (!p2) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p2->n_rules; i++) {
		struct sc_rule *ru = &p2->rules[i];
		size_t w = 0;
		for (size_t k = 0; k < ru->n_names; k++) {
			if (in_list(cand, n_cand, ru->names[k])) {
				free(ru->names[k]);
				continue;
			}
			if (ru->name_locs)
				ru->name_locs[w] = ru->name_locs[k];
			ru->names[w++] = ru->names[k];
		}
		ru->n_names = w;
	}
	r = compare_pass(fs, p2, o, ap, av, &out2);
	if (r < 0)
		goto out;
	/* Removing a name removes it on every ABI; a difference that only the removal creates
	 * (an ABI where the runtime did know the name) is not one of the running filter's, so
	 * what remains is what both passes found. */
	{
		size_t w = 0;
		for (size_t i = 0; i < out->n; i++) {
			const struct sc_compare_diff *d = &out->v[i];
			bool still = false;
			for (size_t k = 0; k < out2.n && !still; k++)
				still = out2.v[k].arch == d->arch && out2.v[k].nr == d->nr &&
					out2.v[k].with_args == d->with_args &&
					memcmp(out2.v[k].args, d->args, sizeof(d->args)) == 0;
			if (still)
				out->v[w++] = *d;
		}
		if (w < out->n) {
			out->n_explained = out->n - w;
			out->n = w;
			out->unknown_names = TAKE_PTR(cand);
			out->n_unknown = n_cand;
			n_cand = 0;
		}
	}
out:
	for (size_t i = 0; i < n_cand; i++)
		free(cand[i]);
	free(cand);
	sc_profile_free(p2);
	sc_compare_done(&out2);
	return r;
}

void sc_inspect_kernel_version(unsigned *ret_major, unsigned *ret_minor)
{
	cleanup_free char *rel = NULL;
	unsigned maj = 0, min = 0;

	/* A file, not uname(2): the caller may be under the very filter it inspects, and a
	 * profile may trap uname. */
	if (read_small("/proc/sys/kernel/osrelease", &rel, NULL) == 0 &&
	    sscanf(rel, "%u.%u", &maj, &min) == 2) {
		*ret_major = maj;
		*ret_minor = min;
	}
}

int sc_filters_compare(const struct sc_filter_set *fs, const struct sc_profile *p,
		       const uint64_t *caps, const struct sc_compile_opts *o,
		       struct sc_compare *ret)
{
	const char *names[SC_CAP_LAST + 1];
	struct sc_target t = { 0 };
	struct sc_profile *rp = NULL;
	struct arg_probe *ap = NULL;
	struct arg_values av = { 0 };
	struct sc_compare out = { 0 };
	int r;

	if (!fs || !p || !ret)
		return -EINVAL;
	for (size_t i = 0; i < fs->n; i++)
		if (sc_bpf_check(fs->v[i].insns, fs->v[i].len, NULL, 0) < 0)
			return -EINVAL;
	if (caps)
		for (unsigned c = 0; c <= SC_CAP_LAST; c++)
			if (*caps & (1ull << c))
				names[t.n_caps++] = cap_names[c];
	t.caps = names;
	sc_inspect_kernel_version(&t.kernel_major, &t.kernel_minor);
	r = sc_profile_resolve(p, &t, &rp);
	if (r < 0)
		return r;
	r = arg_probes_make(fs, &ap);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < fs->n; i++)
		arg_values_from(&av, fs->v[i].insns, fs->v[i].len);
	/* The profile's own constants too, so an argument rule the filter lacks shows. */
	for (size_t i = 0; i < rp->n_rules; i++)
		for (size_t k = 0; k < rp->rules[i].n_args; k++) {
			const struct sc_arg *ag = &rp->rules[i].args[k];
			arg_values_add(&av, (uint32_t)ag->value);
			arg_values_add(&av, (uint32_t)ag->value + 1);
			arg_values_add(&av, (uint32_t)ag->value_two);
			if (ag->value)
				arg_values_add(&av, (uint32_t)ag->value - 1);
		}
	r = compare_pass(fs, rp, o, ap, &av, &out);
	if (r < 0)
		goto out;
	if (out.n) {
		r = explain_unknown_names(fs, rp, o, ap, &av, &out);
		if (r < 0)
			goto out;
	}
	*ret = out;
	out = (struct sc_compare){ 0 };
	r = 0;
out:
	arg_probes_free(ap, fs->n);
	sc_profile_free(rp);
	sc_compare_done(&out);
	return r;
}
