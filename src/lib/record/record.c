/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's front end: starting the command stopped, choosing the back end (eBPF, else
 * ptrace), waiting for the end of the recording, and turning a recording into a profile. The
 * back ends are record-bpf.c and record-ptrace.c (the seam: record-backend.h); the recording
 * itself is record-set.c, the process walks record-walk.c. Nothing below calls back here. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "record/record-backend.h"
#include "record/record-walk.h"
#include "syscage/implicit.h"
#include "syscage/record.h"
#include "syscage/syscalls.h"

static const char *const method_names[_SC_RECORD_METHOD_COUNT] = {
	[SC_RECORD_AUTO] = "auto",
	[SC_RECORD_BPF] = "ebpf",
	[SC_RECORD_PTRACE] = "ptrace",
};

const char *sc_record_method_to_string(enum sc_record_method m)
{
	return m >= 0 && m < _SC_RECORD_METHOD_COUNT ? method_names[m] : NULL;
}

enum sc_record_method sc_record_method_from_string(const char *s)
{
	if (!s)
		return _SC_RECORD_METHOD_INVALID;
	if (streq(s, "bpf"))
		return SC_RECORD_BPF;
	for (int m = 0; m < _SC_RECORD_METHOD_COUNT; m++)
		if (streq(s, method_names[m]))
			return m;
	return _SC_RECORD_METHOD_INVALID;
}

/* --- starting the command ------------------------------------------------------------------ */

/* Is 'argv0' an executable we can start? Mirrors execvp's PATH search so that "not found" is
 * reported before anything is forked. */
static int find_executable(const char *argv0)
{
	const char *path;

	if (strchr(argv0, '/'))
		return access(argv0, X_OK) < 0 ? -errno : 0;
	path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchrnul(p, ':');
		char buf[PATH_MAX];
		int n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(colon - p), p,
				 colon == p ? "" : "/", argv0);
		if (n > 0 && (size_t)n < sizeof(buf) && access(buf, X_OK) == 0)
			return 0;
		if (!*colon)
			break;
		p = colon + 1;
	}
	return -ENOENT;
}

/* Fork the command; it waits on a pipe until the recorder is ready, then executes. The child
 * unblocks all signals (the caller may have blocked SIGINT/SIGTERM for a signalfd). Both back
 * ends count its syscalls only from its execve on: before, it is still our code. */
static int spawn_stopped(char *const *argv, pid_t *ret_pid, int *ret_go)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		(void)close(p[0]);
		(void)close(p[1]);
		return r;
	}
	if (pid == 0) {
		sigset_t none;
		ssize_t n;
		char c;

		(void)close(p[1]);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(125); /* the recorder gave up */
		execvp(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	(void)close(p[0]);
	*ret_pid = pid;
	*ret_go = p[1];
	return 0;
}

/* --- the eBPF run -------------------------------------------------------------------------- */

static int add_pid_cb(pid_t tgid, void *userdata)
{
	return sc_record_bpf_add_pid(userdata, tgid, false);
}

/* How often the processes a command left running are counted while recording waits for them
 * (eBPF: they have no fd to wait on). */
#define LEFT_RUNNING_POLL_MS 50

/* Until the watched process exits, then (unless stop_at_exit) until the processes it left
 * running are gone too, the stop fd is readable or the deadline passed. */
static int wait_bpf(const struct sc_record_opts *o, struct sc_record_bpf *b, pid_t child, int pidfd,
		    struct sc_record *r)
{
	uint64_t deadline = o->duration_ms ? sc_record_now_ms() + o->duration_ms : 0;
	bool exited = false, told = false; /* those left running are polled: they have no fd */
	int ret;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = o->stop_fd, .events = POLLIN },
					 { .fd = exited ? -1 : pidfd, .events = POLLIN } };
		int timeout = exited ? LEFT_RUNNING_POLL_MS : -1;

		if (exited) {
			/* Whether any is left, at every poll; how many, once. */
			int n = sc_record_bpf_live_targets(b, told ? 1 : INT_MAX);
			if (n <= 0)
				break;
			if (!told && o->on_left_running)
				o->on_left_running((size_t)n, o->userdata);
			told = true;
		}
		if (deadline) {
			uint64_t t = sc_record_now_ms();
			if (t >= deadline)
				break;
			if (timeout < 0 || deadline - t < (uint64_t)timeout)
				timeout = (int)(deadline - t > INT_MAX ? INT_MAX : deadline - t);
		}
		ret = poll(pfd, 2, timeout);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			if (child) {
				int st;
				while (waitpid(child, &st, 0) < 0)
					if (errno != EINTR)
						return -errno;
				r->has_status = true;
				r->status = st;
			}
			exited = true;
			if (o->stop_at_exit)
				break;
		}
	}
	if (exited) {
		int n = sc_record_bpf_live_targets(b, INT_MAX);
		r->left_running = n > 0 ? (size_t)n : 0;
	}
	return 0;
}

static int run_bpf(const struct sc_record_opts *o, struct sc_record_bpf *b, pid_t child, int *go_fd,
		   struct sc_diags *d, struct sc_record *r)
{
	cleanup_close int pidfd = -1;
	pid_t watch = child ? child : o->pid;
	int ret;

	if (child)
		ret = sc_record_bpf_add_pid(b, child, true);
	else if (o->pid)
		ret = sc_record_walk_tree(o->pid, add_pid_cb, b);
	else
		ret = 0; /* cgroup: the program matches by cgroup id */
	if (ret < 0) {
		(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0 },
				   "cannot add process %d to the recorder: %s", (int)watch,
				   strerror(-ret));
		return ret;
	}
	if (watch) {
		pidfd = (int)syscall(SYS_pidfd_open, watch, 0);
		if (pidfd < 0) {
			ret = -errno;
			(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0 },
					   "cannot watch process %d: %s", (int)watch,
					   strerror(errno));
			return ret;
		}
	}
	ret = sc_record_release(go_fd);
	if (ret < 0)
		return ret;
	ret = wait_bpf(o, b, child, pidfd, r);
	if (ret < 0)
		return ret;
	return sc_record_bpf_collect(b, r);
}

/* The back end for 'o->method' in *m: eBPF when asked for or when auto and it loads (*ret_bpf
 * opened), else ptrace (auto: with notes saying why eBPF is unavailable). */
static int pick_backend(const struct sc_record_opts *o, struct sc_diags *d,
			enum sc_record_method *m, struct sc_record_bpf **ret_bpf)
{
	struct sc_diags why = { 0 };
	int rc;

	if (*m != SC_RECORD_AUTO && *m != SC_RECORD_BPF)
		return 0;
	rc = sc_record_bpf_open(o, *m == SC_RECORD_BPF ? d : &why, ret_bpf);
	if (rc < 0 && *m == SC_RECORD_BPF)
		return rc;
	if (rc < 0) {
		/* auto: say why, then fall back */
		for (size_t i = 0; i < why.n; i++)
			(void)sc_diags_add(d, SC_SEV_NOTE, (struct sc_loc){ 0 },
					   "eBPF unavailable: %s", why.v[i].message);
		sc_diags_clear(&why);
		*m = SC_RECORD_PTRACE;
	} else {
		sc_diags_clear(&why);
		*m = SC_RECORD_BPF;
	}
	return 0;
}

/* Warn about what a finished recording may miss. */
static void warn_losses(const struct sc_record *r, struct sc_diags *d)
{
	if (r->lost_targets)
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){ 0 },
				   "%llu processes were not followed (target map full): the "
				   "recording may miss their syscalls",
				   (unsigned long long)r->lost_targets);
	if (r->overflow)
		(void)sc_diags_add(d, SC_SEV_WARNING, (struct sc_loc){ 0 },
				   "%llu syscalls had numbers beyond %d and are not named in the "
				   "profile",
				   (unsigned long long)r->overflow, SC_RECORD_MAX_NR);
}

int sc_record_run(const struct sc_record_opts *o, struct sc_diags *d, struct sc_record **ret)
{
	struct sc_record_bpf *b = NULL;
	struct sc_record *r = NULL;
	enum sc_record_method m = o->method;
	int nsrc = !!o->argv + !!o->pid + !!o->cgroup;
	int go_fd = -1, rc;
	pid_t child = 0;

	if (nsrc != 1 || (o->argv && !o->argv[0]) || m < 0 || m >= _SC_RECORD_METHOD_COUNT)
		return -EINVAL;
	if (o->argv) {
		rc = find_executable(o->argv[0]);
		if (rc < 0) {
			(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0 }, "%s: %s",
					   o->argv[0],
					   rc == -ENOENT ? "command not found" : strerror(-rc));
			return rc;
		}
	}
	if (o->pid && kill(o->pid, 0) < 0 && errno == ESRCH) {
		(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){ 0 }, "no process %d",
				   (int)o->pid);
		return -ESRCH;
	}

	r = sc_record_new();
	if (!r)
		return -ENOMEM;

	rc = pick_backend(o, d, &m, &b);
	if (rc < 0) {
		sc_record_free(r);
		return rc;
	}
	r->method = m;

	if (o->argv) {
		rc = spawn_stopped(o->argv, &child, &go_fd);
		if (rc < 0) {
			sc_record_bpf_close(b);
			sc_record_free(r);
			return rc;
		}
		r->pid = child;
	}

	if (m == SC_RECORD_BPF)
		rc = run_bpf(o, b, child, &go_fd, d, r);
	else
		rc = sc_record_ptrace_run(o, child, go_fd, d, r);
	if (m == SC_RECORD_BPF && go_fd >= 0)
		(void)close(go_fd); /* the child exits 125 on EOF */
	sc_record_bpf_close(b);
	if (rc < 0) {
		if (child && !r->has_status) {
			(void)kill(child, SIGKILL);
			(void)waitpid(child, NULL, 0);
		}
		sc_record_free(r);
		return rc;
	}
	warn_losses(r, d);
	*ret = r;
	return 0;
}

/* --- recording -> profile ------------------------------------------------------------------ */

/* --base runtime: the syscalls runc itself makes after it loaded the container's filter and
 * before the workload's first instruction. From runc's libcontainer (standard_init_linux.go,
 * setns_init_linux.go, runc 1.1): with NoNewPrivileges (Kubernetes allowPrivilegeEscalation:
 * false, Docker --security-opt no-new-privileges) the filter is loaded "as late as possible",
 * right before execve; without it, before finalizeNamespace, which then drops capabilities
 * (capget, capset, prctl PR_SET_KEEPCAPS/PR_CAPBSET_DROP), switches ids (setgroups, setresgid,
 * setresuid and their glibc-less Go spellings setgid/setuid), changes directory (chdir, fchdir),
 * closes and opens the exec fifo (close, openat, write, fcntl) and writes to the sync pipe.
 * runc applies the filter with TSYNC to every thread of the Go runtime, whose threads may call
 * futex, nanosleep, sched_yield, epoll_pwait, epoll_ctl, rt_sigaction, rt_sigprocmask,
 * rt_sigreturn, sigaltstack, tgkill, getpid, gettid, madvise, mmap, munmap, mprotect, exit
 * and exit_group before execve replaces them. 'newfstatat'/'fstat' come from the exec path
 * lookup (os.Stat on the binary), 'getppid' from the parent-death check. Since the fix of
 * CVE-2024-21626 (runc 1.1.12, backported to Debian's 1.1.5) runc also checks that
 * /proc/self/fd is procfs (fstatfs), closes leaked fds by listing it (getdents64) and checks
 * its working directory (getcwd) after the filter is loaded: seen on this project's test
 * machine, where a profile without them fails with "ensure /proc/self/fd is on procfs". */
static const char *const runtime_base[] = {
	"capget",    "capset",	     "chdir",	       "close",	       "epoll_ctl",   "epoll_pwait",
	"execve",    "exit",	     "exit_group",     "fchdir",       "fcntl",	      "fstat",
	"futex",     "getpid",	     "getppid",	       "gettid",       "madvise",     "mmap",
	"mprotect",  "munmap",	     "nanosleep",      "newfstatat",   "openat",      "prctl",
	"read",	     "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid",
	"setgroups", "setresgid",    "setresuid",      "setuid",       "sigaltstack", "tgkill",
	"write",     "fstatfs",	     "getdents64",     "getcwd",       NULL,
};

const char *const *sc_record_runtime_base(void)
{
	return runtime_base;
}

int sc_record_add_base(struct sc_profile *p, enum sc_record_base base)
{
	struct sc_rule *rule;

	if (base != SC_RECORD_BASE_RUNTIME)
		return 0;
	rule = sc_profile_add_rule(p, SC_ACT_ALLOW, runtime_base, ELEMENTSOF(runtime_base) - 1);
	if (!rule)
		return -ENOMEM;
	rule->comment = strdup("runtime base: what runc calls after loading the filter");
	return rule->comment ? 0 : -ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The order architectures are listed in: the native ABI first, then enum order. */
static int arch_order(enum sc_arch a)
{
	return a == sc_arch_native() ? -1 : (int)a;
}

int sc_record_to_profile(const struct sc_record *r, const enum sc_arch *extra_arches,
			 size_t n_extra, enum sc_record_base base, struct sc_profile **ret,
			 size_t *ret_unnamed)
{
	struct sc_profile *p = sc_profile_new();
	enum sc_arch order[_SC_ARCH_COUNT];
	size_t unnamed = 0, n_order = 0;
	int rc = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->default_action = SC_ACT_ERRNO;

	for_each_arch (a)
		order[n_order++] = a;
	for (size_t i = 1; i < n_order; i++) /* insertion sort by arch_order */
		for (size_t j = i; j > 0 && arch_order(order[j]) < arch_order(order[j - 1]); j--) {
			enum sc_arch t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	for (size_t k = 0; k < n_order; k++) {
		enum sc_arch a = order[k];
		const char *names[SC_RECORD_MAX_NR];
		size_t n = 0;
		uint32_t nrbase = sc_arch_info(a)->nr_base;
		bool any = false;

		for (unsigned i = 0; i < SC_RECORD_MAX_NR; i++) {
			if (!(r->seen[a][i / 64] & (1ULL << (i % 64))))
				continue;
			any = true;
			const char *name = sc_syscall_to_name(a, nrbase + i);
			if (name)
				names[n++] = name;
			else
				unnamed++;
		}
		if (!any)
			continue;
		if (sc_profile_add_arch(p, a) < 0)
			goto fail;
		if (n == 0)
			continue;
		qsort(names, n, sizeof(names[0]), cmp_str);
		struct sc_rule *rule = sc_profile_add_rule(p, SC_ACT_ALLOW, names, n);
		if (!rule)
			goto fail;
		if (asprintf(&rule->comment, "recorded on %s", sc_arch_info(a)->name) < 0) {
			rule->comment = NULL;
			goto fail;
		}
	}
	for (size_t i = 0; i < n_extra; i++)
		if (!sc_profile_has_arch(p, extra_arches[i]) &&
		    sc_profile_add_arch(p, extra_arches[i]) < 0)
			goto fail;
	if (p->n_arches == 0 && sc_profile_add_arch(p, sc_arch_native()) < 0)
		goto fail;
	if (sc_record_add_base(p, base) < 0 || sc_implicit_add(p) < 0)
		goto fail;
	if (ret_unnamed)
		*ret_unnamed = unnamed;
	*ret = p;
	return 0;
fail:
	sc_profile_free(p);
	return rc;
}

/* Is 'name' allowed by a rule of 'p' without conditions? */
static bool allowed_plain(const struct sc_profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *rule = &p->rules[i];
		if (rule->action != SC_ACT_ALLOW || rule->n_args || rule->includes.n_arches ||
		    rule->includes.n_caps || rule->includes.min_kernel)
			continue;
		for (size_t j = 0; j < rule->n_names; j++)
			if (streq(rule->names[j], name))
				return true;
	}
	return false;
}

int sc_record_profile_append(struct sc_profile *p, const struct sc_profile *add,
			     const char ***ret_new, size_t *ret_n_new)
{
	cleanup_free const char **fresh = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < add->n_rules; i++) {
		const struct sc_rule *rule = &add->rules[i];
		if (rule->action != SC_ACT_ALLOW)
			continue;
		for (size_t j = 0; j < rule->n_names; j++) {
			const char *name = rule->names[j];
			/* The implicit set is added below, keeping what 'p' says about it. */
			bool dup = sc_implicit_lookup(name, NULL) || allowed_plain(p, name);
			for (size_t k = 0; !dup && k < n; k++)
				dup = streq(fresh[k], name);
			if (dup)
				continue;
			if (n == cap) {
				const char **f = realloc(fresh, sizeof(*f) * (cap ? cap * 2 : 16));
				if (!f)
					return -ENOMEM;
				fresh = f;
				cap = cap ? cap * 2 : 16;
			}
			fresh[n++] = name;
		}
	}
	for (size_t i = 0; i < add->n_arches; i++)
		if (!sc_profile_has_arch(p, add->arches[i]) &&
		    sc_profile_add_arch(p, add->arches[i]) < 0)
			return -ENOMEM;
	if (n) {
		cleanup_free const char **sorted = malloc(sizeof(*sorted) * n);
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, fresh, sizeof(*sorted) * n);
		qsort(sorted, n, sizeof(*sorted), cmp_str);
		struct sc_rule *rule = sc_profile_add_rule(p, SC_ACT_ALLOW, sorted, n);
		if (!rule)
			return -ENOMEM;
		rule->comment = strdup("appended by syscage record");
		if (!rule->comment)
			return -ENOMEM;
	}
	if (sc_implicit_add(p) < 0)
		return -ENOMEM;
	if (ret_new) {
		if (n)
			qsort(fresh, n, sizeof(*fresh), cmp_str);
		*ret_new = TAKE_PTR(fresh);
	}
	if (ret_n_new)
		*ret_n_new = n;
	return 0;
}
