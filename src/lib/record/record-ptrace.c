/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ptrace recorder, for kernels or sandboxes without BPF: PTRACE_SEIZE every thread with
 * TRACESYSGOOD|TRACEFORK|TRACEVFORK|TRACECLONE|TRACEEXEC, stop at each syscall entry and ask
 * PTRACE_GET_SYSCALL_INFO for the number and the AUDIT_ARCH (which is how i386 compat and x32
 * calls are told apart). Costs two stops per syscall: use it when eBPF is unavailable.
 *
 * The tracer waits on a signalfd for SIGCHLD (SIGCHLD is blocked in the calling thread while
 * it runs) next to the caller's stop fd, so it can stop on a signal or a deadline at any time,
 * then interrupts and detaches every tracee it still holds. When the command (or --pid's
 * process) exits, the processes it left running are traced on until they are gone, unless the
 * caller asked to stop at its exit. It reaps with waitpid(-1): the
 * caller should have no other children it waits for while recording. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "record/record-backend.h"
#include "record/record-walk.h"
#include "syscage/record.h"
#include "syscage/syscalls.h"

#define TRACE_OPTIONS                                                                             \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
	 PTRACE_O_TRACEEXEC)

struct tracer {
	pid_t *tids; /* threads we hold */
	size_t n, cap;
	pid_t root;	   /* the command we started, 0 for --pid/--cgroup */
	bool root_started; /* saw the root's execve: its syscalls before are ours, not its */
	bool root_exited;
	pid_t watch; /* the command, or --pid's process: recording may stop when it exits */
	bool watch_exited;
	struct sc_record *r;
	struct sc_diags *d;
	int seize_errno;
};

static ssize_t find_tid(const struct tracer *t, pid_t tid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->tids[i] == tid)
			return (ssize_t)i;
	return -1;
}

static int add_tid(struct tracer *t, pid_t tid)
{
	if (find_tid(t, tid) >= 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		pid_t *v = realloc(t->tids, cap * sizeof(pid_t));
		if (!v)
			return -ENOMEM;
		t->tids = v;
		t->cap = cap;
	}
	t->tids[t->n++] = tid;
	return 0;
}

static void del_tid(struct tracer *t, pid_t tid)
{
	ssize_t i = find_tid(t, tid);

	if (i >= 0)
		t->tids[i] = t->tids[--t->n];
}

/* Seize one thread and make it stop, so that syscall tracing can start at its next resume. */
static int seize(struct tracer *t, pid_t tid)
{
	if (find_tid(t, tid) >= 0)
		return 0;
	if (ptrace(PTRACE_SEIZE, tid, 0, TRACE_OPTIONS) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 && errno != ESRCH)
		return -errno;
	return add_tid(t, tid);
}

/* Seize every thread of a process; list again until no new thread shows up (a thread created
 * by one already seized is attached by TRACECLONE). */
static int seize_process(pid_t tgid, void *userdata)
{
	struct tracer *t = userdata;
	bool more = true;
	int ret;

	while (more) {
		char path[64];
		DIR *dir;
		struct dirent *de;

		more = false;
		snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
		dir = opendir(path);
		if (!dir)
			return errno == ENOENT ? -ESRCH : -errno;
		while ((de = readdir(dir))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || find_tid(t, tid) >= 0)
				continue;
			ret = seize(t, tid);
			if (ret == -ESRCH)
				continue;
			if (ret < 0) {
				t->seize_errno = -ret;
				closedir(dir);
				return ret;
			}
			more = true;
		}
		closedir(dir);
	}
	return 0;
}

static void resume(pid_t tid, int sig)
{
	(void)ptrace(PTRACE_SYSCALL, tid, 0, sig);
}

static void on_syscall_stop(struct tracer *t, pid_t tid)
{
	struct __ptrace_syscall_info info;
	enum sc_arch arch;
	uint32_t nr;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) < 0 ||
	    info.op != PTRACE_SYSCALL_INFO_ENTRY)
		return;
	nr = (uint32_t)info.entry.nr;
	arch = sc_arch_from_audit(info.arch, nr);
	if (arch < 0)
		return;
	if (tid == t->root && !t->root_started) {
		/* Before its execve the root is still our fork waiting for the go byte. */
		int execve_nr = sc_syscall_from_name(arch, "execve");
		if (execve_nr < 0 || (uint32_t)execve_nr != nr)
			return;
		t->root_started = true;
	}
	t->r->events++;
	(void)sc_record_add(t->r, arch, nr, 1);
}

/* Handle one wait status. */
static void on_wait(struct tracer *t, pid_t tid, int st)
{
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		del_tid(t, tid);
		if (tid == t->watch)
			t->watch_exited = true;
		if (tid == t->root) {
			t->r->has_status = true;
			t->r->status = st;
			t->root_exited = true;
		}
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	(void)add_tid(t, tid); /* an auto-attached child may report before its parent's event */

	int sig = WSTOPSIG(st);
	unsigned event = (unsigned)st >> 16;
	unsigned long msg;

	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(t, tid);
		resume(tid, 0);
		return;
	}
	switch (event) {
	case 0: /* signal-delivery stop: pass the signal on */
		resume(tid, sig);
		return;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			(void)ptrace(PTRACE_LISTEN, tid, 0, 0); /* group stop: stay stopped */
		else
			resume(tid, 0);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0)
			(void)add_tid(t, (pid_t)msg);
		resume(tid, 0);
		return;
	case PTRACE_EVENT_EXEC:
		/* A non-leader thread that execs takes over the leader's id. */
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0 && (pid_t)msg != tid)
			del_tid(t, (pid_t)msg);
		resume(tid, 0);
		return;
	default:
		resume(tid, 0);
		return;
	}
}

/* How many processes the threads held make up (thread group leaders among them). */
static size_t count_processes(const struct tracer *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		char path[64], line[128];
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)t->tids[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "Tgid:", 5) == 0) {
				n += atoi(line + 5) == t->tids[i];
				break;
			}
		fclose(f);
	}
	return n;
}

/* The watched process exited: whether recording ends (stop_at_exit, or nothing it left
 * running is traced any more); else say once how many processes it left running. */
static bool watch_done(struct tracer *t, const struct sc_record_opts *o, bool *told)
{
	if (o->stop_at_exit || t->n == 0)
		return true;
	if (!*told && o->on_left_running) {
		size_t n = count_processes(t);
		if (n)
			o->on_left_running(n, o->userdata);
	}
	*told = true;
	return false;
}

/* Interrupt and detach every tracee still held; they run on untraced. */
static void detach_all(struct tracer *t, int sfd)
{
	uint64_t give_up = sc_record_now_ms() + 5000;

	for (size_t i = 0; i < t->n; i++)
		(void)ptrace(PTRACE_INTERRUPT, t->tids[i], 0, 0);
	while (t->n > 0 && sc_record_now_ms() < give_up) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid < 0)
			break;
		if (tid == 0) {
			struct pollfd pfd = { .fd = sfd, .events = POLLIN };
			struct signalfd_siginfo si;
			(void)poll(&pfd, 1, 100);
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			continue;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == t->root && !t->root_exited) {
				t->r->has_status = true;
				t->r->status = st;
				t->root_exited = true;
			}
			del_tid(t, tid);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st);
		bool pass = ((unsigned)st >> 16) == 0 && sig != (SIGTRAP | 0x80);
		(void)ptrace(PTRACE_DETACH, tid, 0, pass ? sig : 0);
		del_tid(t, tid);
	}
}

/* Seize what 'o' names: the command started stopped ('child', then released through *go_fd),
 * or every process of o->pid's tree or o->cgroup. The reasons of a failure go to t->d. */
static int seize_targets(struct tracer *t, const struct sc_record_opts *o, pid_t child, int *go_fd)
{
	int ret;

	if (child) {
		ret = seize(t, child);
		if (ret < 0) {
			(void)sc_diags_add(t->d, SC_SEV_ERROR, (struct sc_loc){ 0 },
					   "cannot trace the command: PTRACE_SEIZE: %s",
					   strerror(-ret));
			return ret;
		}
		(void)sc_record_release(go_fd);
	} else {
		if (o->pid)
			ret = sc_record_walk_tree(o->pid, seize_process, t);
		else
			ret = sc_record_walk_cgroup(o->cgroup, seize_process, t);
		if (ret < 0) {
			(void)sc_diags_add(t->d, SC_SEV_ERROR, (struct sc_loc){ 0 },
					   "cannot trace %s%s: %s%s",
					   o->pid ? "process " : "cgroup ", o->pid ? "" : o->cgroup,
					   strerror(-ret),
					   t->seize_errno == EPERM
						   ? " (needs root or CAP_SYS_PTRACE; with Yama "
						     "/proc/sys/kernel/yama/ptrace_scope >= 1 only "
						     "ancestors may "
						     "trace: run as root or set ptrace_scope to 0)"
						   : "");
			if (o->pid)
				(void)sc_diags_add(t->d, SC_SEV_NOTE, (struct sc_loc){ 0 },
						   "process %d", (int)o->pid);
			return ret;
		}
		if (t->n == 0) {
			(void)sc_diags_add(t->d, SC_SEV_ERROR, (struct sc_loc){ 0 },
					   "no process to trace");
			return -ESRCH;
		}
	}
	return 0;
}

int sc_record_ptrace_run(const struct sc_record_opts *o, pid_t child, int go_fd, struct sc_diags *d,
			 struct sc_record *r)
{
	struct tracer t = { .root = child, .watch = child ? child : o->pid, .r = r, .d = d };
	bool told = false;
	uint64_t deadline = o->duration_ms ? sc_record_now_ms() + o->duration_ms : 0;
	sigset_t chld, old;
	int sfd = -1, ret = 0;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (pthread_sigmask(SIG_BLOCK, &chld, &old) != 0)
		return -EINVAL;
	sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		ret = -errno;
		goto out;
	}

	ret = seize_targets(&t, o, child, &go_fd);
	if (ret < 0)
		goto out;

	for (;;) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);

		if (tid > 0) {
			on_wait(&t, tid, st);
			if (t.watch_exited && watch_done(&t, o, &told))
				break;
			continue;
		}
		if (tid < 0 && errno == ECHILD)
			break; /* every tracee is gone */
		if (tid < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (!child && t.n == 0)
			break;

		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = o->stop_fd, .events = POLLIN } };
		int timeout = -1;
		if (deadline) {
			uint64_t now = sc_record_now_ms();
			if (now >= deadline)
				break;
			timeout = (int)(deadline - now > INT_MAX ? INT_MAX : deadline - now);
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
		}
	}
	if (t.watch_exited)
		r->left_running = count_processes(&t);
	detach_all(&t, sfd);
out:
	if (go_fd >= 0)
		(void)close(go_fd);
	if (sfd >= 0)
		(void)close(sfd);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(t.tids);
	return ret;
}
