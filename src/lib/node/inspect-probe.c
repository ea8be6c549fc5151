/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The blocked list by probing, for when the filters cannot be read (inside a container a
 * process is itself under seccomp, and PTRACE_SECCOMP_GET_FILTER needs a tracer that is not).
 *
 * amicontained calls every syscall with zero arguments and counts EPERM as "blocked", so it
 * counts capability and sysctl refusals as seccomp. Here each call runs in a child of its
 * own, and its refusal is classified:
 *
 *  - The notify oracle (exact). Before the call, the child stacks a filter of its own that
 *    returns SECCOMP_RET_USER_NOTIF for just that syscall, and hands the listener to us.
 *    The kernel runs every filter and keeps the most severe action: ERRNO, TRAP and KILL
 *    beat USER_NOTIF; ALLOW, LOG and TRACE lose to it. So a notification arrives exactly
 *    when the inherited filters let the call through; we answer it with
 *    SECCOMP_USER_NOTIF_FLAG_CONTINUE so the kernel then runs it, and any EPERM, EACCES or
 *    ENOSYS it returns is the kernel's. No notification and a refusal: seccomp refused it.
 *    Needs seccomp(2) with SECCOMP_FILTER_FLAG_NEW_LISTENER, no_new_privs (or
 *    CAP_SYS_ADMIN), sendmsg and ioctl to be allowed; Docker's and podman's defaults allow
 *    them.
 *  - The heuristic, when the oracle is not available: SIGSYS means seccomp; an EPERM, EACCES
 *    or ENOSYS is repeated with arguments the kernel rejects differently (-1 everywhere: a bad
 *    fd, a bad pointer, a bad flag); a different answer means the kernel looked at the
 *    arguments, so the refusal was not a filter's (seccomp decides before the kernel reads
 *    anything); the same answer is seccomp when the process is under a filter and the call
 *    is not one the kernel gates by a capability the process lacks, else "unsure".
 *
 * Safety: every call runs in a fresh child with fds 0-2 closed (zero-argument calls then
 * meet EBADF rather than the caller's terminal), no core dumps, and a time limit after which
 * it is killed (a call still blocked there was allowed). A child's effects on itself die
 * with it. Calls whose zero-argument form changes the host are never made (see 'skips'). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscage/inspect.h"
#include "syscage/syscalls.h"
#include "macro.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* Calls never made, and why. Everything else is called with six zero arguments. */
static const struct {
	const char *name;
	const char *why;
} skips[] = {
	{ "vfork", "suspends the caller and shares its memory" },
	{ "kexec_load", "zero arguments unload the host's crash kernel" },
	{ "kexec_file_load", "loads or unloads the host's kexec kernel" },
	{ "acct", "a NULL path turns process accounting off host-wide" },
	{ "sethostname", "an empty length sets the host name to \"\" outside a UTS namespace" },
	{ "setdomainname", "an empty length sets the domain name to \"\" outside a UTS namespace" },
	{ "vhangup", "hangs up the controlling terminal" },
	{ "msgget", "IPC_PRIVATE creates a System V queue on the host" },
	{ "msgctl", "id 0 with IPC_RMID (0) removes a System V queue" },
	{ "msgsnd", "sends to System V queue 0 of the host" },
	{ "msgrcv", "takes a message from System V queue 0 of the host" },
	{ "semget", "creates System V semaphores" },
	{ "semctl", "id 0 with IPC_RMID (0) removes a semaphore set" },
	{ "semop", "operates on semaphore set 0 of the host" },
	{ "semtimedop", "operates on semaphore set 0 of the host" },
	{ "shmget", "creates System V shared memory" },
	{ "shmctl", "id 0 with IPC_RMID (0) removes a shared memory segment" },
	{ "shmat", "attaches shared memory segment 0 of the host" },
	{ "shmdt", "kept with the other System V calls" },
	{ "ipc", "the System V multiplexer" },
};

/* Syscalls the kernel gates by a capability before it reads any argument: a zero-argument
 * EPERM from them says nothing about seccomp unless the process holds the capability. */
static const struct {
	const char *name;
	unsigned cap;
} cap_gated[] = {
	{ "reboot", 22 },
	{ "open_by_handle_at", 2 },
	{ "init_module", 16 },
	{ "finit_module", 16 },
	{ "delete_module", 16 },
	{ "iopl", 17 },
	{ "ioperm", 17 },
	{ "swapon", 21 },
	{ "swapoff", 21 },
	{ "umount2", 21 },
	{ "mount", 21 },
	{ "pivot_root", 21 },
	{ "quotactl", 21 },
	{ "setns", 21 },
	{ "unshare", 21 },
	{ "fanotify_init", 21 },
	{ "lookup_dcookie", 21 },
	{ "bpf", 39 },
	{ "perf_event_open", 38 },
	{ "settimeofday", 25 },
	{ "clock_settime", 25 },
	{ "clock_adjtime", 25 },
	{ "adjtimex", 25 },
	{ "stime", 25 },
	{ "syslog", 34 },
	{ "chroot", 18 },
	{ "setuid", 7 },
	{ "setgid", 6 },
	{ "setgroups", 6 },
	{ "setreuid", 7 },
	{ "setregid", 6 },
	{ "setresuid", 7 },
	{ "setresgid", 6 },
	{ "setfsuid", 7 },
	{ "setfsgid", 6 },
	{ "nfsservctl", 21 },
	{ "mknod", 27 },
	{ "mknodat", 27 },
	{ "process_vm_writev", 19 },
	{ "process_vm_readv", 19 },
	{ "kcmp", 19 },
	{ "ptrace", 19 },
	{ "userfaultfd", 21 },
	{ "fsopen", 21 },
	{ "fsmount", 21 },
	{ "fspick", 21 },
	{ "open_tree", 21 },
	{ "move_mount", 21 },
	{ "mount_setattr", 21 },
	{ "sched_setattr", 23 },
	{ "sched_setscheduler", 23 },
	{ "sched_setparam", 23 },
	{ "setpriority", 23 },
	{ "ioprio_set", 23 },
	{ "migrate_pages", 23 },
	{ "move_pages", 23 },
	{ "mbind", 23 },
	{ "set_mempolicy", 23 },
	{ "vm86", 17 },
	{ "vm86old", 17 },
	{ "pciconfig_read", 21 },
	{ "pciconfig_write", 21 },
	{ "name_to_handle_at", 2 },
	{ "setrlimit", 24 },
	{ "prlimit64", 24 },
	{ "mlock", 14 },
	{ "mlock2", 14 },
	{ "mlockall", 14 },
};

/* Calls that block until a signal with zero arguments: probed, and a time-out is "allowed". */
static bool blocks(const char *name)
{
	return streq(name, "pause") || streq(name, "select") || streq(name, "pselect6") ||
	       streq(name, "ppoll") || streq(name, "_newselect");
}

/* The kernel runs these without consulting seccomp (uprobe and uretprobe are entered from a
 * trampoline the kernel itself maps), so no filter can refuse them. */
static bool seccomp_passthrough(const char *name)
{
	return streq(name, "uretprobe") || streq(name, "uprobe");
}

static bool fork_like(const char *name)
{
	return streq(name, "fork") || streq(name, "clone");
}

const char *sc_probe_class_str(enum sc_probe_class c)
{
	switch (c) {
	case SC_PROBE_ALLOWED:
		return "allowed";
	case SC_PROBE_SECCOMP:
		return "seccomp";
	case SC_PROBE_KERNEL_PERM:
		return "kernel-permission";
	case SC_PROBE_NOT_IMPL:
		return "not-implemented";
	case SC_PROBE_UNSURE:
		return "unsure";
	case SC_PROBE_SKIPPED:
		return "skipped";
	default:
		return "?";
	}
}

void sc_probe_done(struct sc_probe_report *r)
{
	if (!r)
		return;
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

enum {
	MSG_LISTENER = 1,
	MSG_NO_FILTER,
	MSG_RESULT
};

struct msg {
	int kind;
	int err;
	long ret;
};

static long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* In the child: a filter notifying for 'nr' on the native ABI only. Returns the listener. */
static int install_notifier(uint32_t audit_arch, uint32_t nr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ELEMENTSOF(f), .filter = f };

	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

static int send_fd(int sock, const struct msg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_msg(int sock, struct msg *m, int *ret_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	if (ret_fd)
		*ret_fd = -1;
	if (n < 0)
		return -errno;
	if (n != sizeof(*m))
		return -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && ret_fd)
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

_noreturn_ static void child(int sock, uint32_t audit_arch, uint32_t nr, bool fork_call,
			     bool oracle, long argval, unsigned timeout_ms)
{
	struct rlimit nocore = { 0, 0 };
	struct msg m = { 0 };
	long r;
	int lfd = -1;

	/* Zero-argument calls must meet closed fds 0-2, not our terminal or output. */
	if (sock < 3) {
		int s = fcntl(sock, F_DUPFD_CLOEXEC, 3);
		if (s < 0)
			syscall(SYS_exit, 120);
		sock = s;
	}
	(void)setrlimit(RLIMIT_CORE, &nocore);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The listener while 0-2 are open, so it is not fd 0 (which the probe would hit). */
	if (oracle)
		lfd = install_notifier(audit_arch, nr);
	m.kind = lfd >= 0 ? MSG_LISTENER : MSG_NO_FILTER;
	m.err = lfd >= 0 ? 0 : errno;
	if (send_fd(sock, &m, lfd) < 0)
		syscall(SYS_exit, 121);
	/* From here the parent holds the listener: a notification for one of these calls (when
	 * the probed call is alarm or close) is answered like the probe's own. */
	(void)alarm(timeout_ms / 1000 + 2); /* our own end, should the filter refuse kill(2) */
	(void)close(0);
	(void)close(1);
	(void)close(2);
	errno = 0;
	r = syscall((long)nr, argval, argval, argval, argval, argval, argval);
	m.kind = MSG_RESULT;
	m.ret = r;
	m.err = r < 0 ? errno : 0;
	if (fork_call && r == 0)
		syscall(SYS_exit, 0);
	(void)!write(sock, &m, sizeof(m));
	/* SYS_exit, not exit_group: a probe of seccomp(0, ...) leaves us in strict mode. */
	for (;;)
		syscall(SYS_exit, 0);
}

struct one_result {
	bool have_result, notified, have_listener, timed_out;
	int listener_err;
	long ret;
	int err, sig;
};

static int probe_one(uint32_t nr, bool fork_call, bool oracle, long argval, unsigned timeout_ms,
		     struct one_result *res)
{
	const struct sc_arch_info *ai = sc_arch_info(sc_arch_native());
	cleanup_close int lfd = -1;
	int sv[2], st = 0;
	long deadline;
	pid_t pid;

	*res = (struct one_result){ 0 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		child(sv[1], ai->audit_arch, nr, fork_call, oracle, argval, timeout_ms);
	}
	(void)close(sv[1]);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p[2] = { { sv[0], POLLIN, 0 }, { lfd, POLLIN, 0 } };
		long left = deadline - now_ms();
		int k;

		if (left <= 0) {
			res->timed_out = true;
			break;
		}
		k = poll(p, lfd >= 0 ? 2 : 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		if (lfd >= 0 && (p[1].revents & POLLIN)) {
			struct seccomp_notif req;
			struct seccomp_notif_resp resp;

			memset(&req, 0, sizeof(req));
			if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
				res->notified = true;
				memset(&resp, 0, sizeof(resp));
				resp.id = req.id;
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
				(void)ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			}
			continue;
		}
		if (lfd >= 0 && (p[1].revents & (POLLHUP | POLLERR))) {
			/* The child's filter is gone: it exited. */
			lfd = (close(lfd), -1);
		}
		if (p[0].revents & POLLIN) {
			struct msg m;
			int fd = -1;
			if (recv_msg(sv[0], &m, &fd) < 0)
				break;
			if (m.kind == MSG_LISTENER && fd >= 0) {
				res->have_listener = true;
				lfd = fd;
			} else if (m.kind == MSG_NO_FILTER) {
				res->listener_err = m.err;
				if (fd >= 0)
					(void)close(fd);
			} else if (m.kind == MSG_RESULT) {
				res->have_result = true;
				res->ret = m.ret;
				res->err = m.err;
				break;
			}
			continue;
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			break;
	}
	(void)close(sv[0]);
	if (res->timed_out && kill(pid, SIGKILL) < 0) {
		/* kill(2) refused (by the filter under test): the child's alarm ends it. */
		long until = now_ms() + timeout_ms + 3000;
		pid_t w = 0;
		while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < until)
			(void)poll(NULL, 0, 20);
		if (w != pid)
			return -ETIME;
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (WIFSIGNALED(st) && !(res->timed_out && WTERMSIG(st) == SIGKILL))
		res->sig = WTERMSIG(st);
	return 0;
}

static const char *skip_reason(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(skips); i++)
		if (streq(skips[i].name, name))
			return skips[i].why;
	return NULL;
}

static int gating_cap(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(cap_gated); i++)
		if (streq(cap_gated[i].name, name))
			return (int)cap_gated[i].cap;
	return -1;
}

static bool refusal(int err)
{
	return err == EPERM || err == EACCES || err == ENOSYS;
}

static void classify(struct sc_probe_entry *e, const struct one_result *z, bool oracle_ok,
		     bool filtered, uint64_t caps_eff, bool fork_call, unsigned timeout_ms)
{
	e->err = z->have_result && z->ret < 0 ? z->err : 0;
	e->ret = z->have_result ? z->ret : 0;
	e->sig = z->sig;
	e->timed_out = z->timed_out;
	if (seccomp_passthrough(e->name)) {
		e->cls = SC_PROBE_ALLOWED;
		e->why = "the kernel does not pass it to seccomp filters";
		return;
	}
	if (oracle_ok) {
		e->oracle = true;
		if (!z->notified) {
			if (z->sig == SIGSYS || (z->have_result && z->ret < 0)) {
				e->cls = SC_PROBE_SECCOMP;
				e->why = z->sig == SIGSYS ? "SIGSYS (trap or kill), no notification"
							  : "refused before our notifier saw it";
				return;
			}
			/* Ended without reaching our filter nor refusing: the child died of
			 * something else (a stray signal); do not guess. */
			e->cls = SC_PROBE_UNSURE;
			e->why = "no notification and no result";
			return;
		}
		if (e->err == EPERM || e->err == EACCES) {
			e->cls = SC_PROBE_KERNEL_PERM;
			e->why = "seccomp let it through; the kernel refused it";
		} else if (e->err == ENOSYS) {
			e->cls = SC_PROBE_NOT_IMPL;
			e->why = "seccomp let it through; the kernel does not implement it";
		} else {
			e->cls = SC_PROBE_ALLOWED;
			e->why = z->timed_out ? "still in the call at the time limit"
				 : z->sig     ? "the call itself ended the probe"
					      : "seccomp let it through";
		}
		return;
	}
	(void)fork_call;
	(void)timeout_ms;
	if (z->sig == SIGSYS) {
		e->cls = SC_PROBE_SECCOMP;
		e->why = "SIGSYS";
		return;
	}
	if (!z->have_result || !refusal(e->err)) {
		e->cls = SC_PROBE_ALLOWED;
		e->why = z->timed_out ? "still in the call at the time limit"
			 : z->sig     ? "the call itself ended the probe"
				      : "not refused with EPERM, EACCES or ENOSYS";
		return;
	}
	if (!filtered) {
		e->cls = e->err == ENOSYS ? SC_PROBE_NOT_IMPL : SC_PROBE_KERNEL_PERM;
		e->why = "the process has no seccomp filter";
		return;
	}
	/* Caller fills in the repeat result before calling again with it; see probe loop. */
	{
		int cap = gating_cap(e->name);
		if (e->err != ENOSYS && cap >= 0 && !(caps_eff & (1ull << cap))) {
			e->cls = SC_PROBE_UNSURE;
			e->why = "the kernel gates it by a capability the process lacks";
			return;
		}
		if (e->err == ENOSYS) {
			e->cls = SC_PROBE_UNSURE;
			e->why = "ENOSYS from a filter or from the kernel: cannot tell";
			return;
		}
		e->cls = SC_PROBE_SECCOMP;
		e->why = "same refusal with arguments the kernel rejects differently";
	}
}

int sc_probe_syscalls(const struct sc_probe_opts *o, struct sc_probe_report *ret)
{
	struct sc_probe_opts opts = o ? *o : (struct sc_probe_opts){ 0 };
	struct sc_probe_report rep = { .arch = sc_arch_native() };
	struct sc_inspect self;
	uint64_t caps_eff = 0;
	bool filtered = false, oracle_tested = false, oracle_ok = !opts.no_oracle;
	size_t count = sc_syscall_count(rep.arch);
	int r;

	if (!ret)
		return -EINVAL;
	if (!opts.timeout_ms)
		opts.timeout_ms = 300;
	if (sc_inspect_process(0, &self) == 0) {
		caps_eff = self.caps[SC_CAPS_EFFECTIVE];
		filtered = self.seccomp_mode != 0;
		sc_inspect_done(&self);
	}
	rep.v = calloc(count ? count : 1, sizeof(*rep.v));
	if (!rep.v)
		return -ENOMEM;
	if (opts.no_oracle)
		(void)snprintf(rep.oracle_why, sizeof(rep.oracle_why), "turned off");
	for (size_t i = 0; i < count; i++) {
		struct sc_probe_entry *e = &rep.v[rep.n];
		struct one_result z, again;
		const char *name, *why;
		uint32_t nr;
		bool fork_call;

		if (sc_syscall_by_index(rep.arch, i, &nr, &name) < 0)
			break;
		rep.n++;
		*e = (struct sc_probe_entry){ .nr = nr, .name = name };
		why = skip_reason(name);
		if (why) {
			e->cls = SC_PROBE_SKIPPED;
			e->why = why;
			rep.count[e->cls]++;
			continue;
		}
		fork_call = fork_like(name);
		/* sendmsg would be notified before the listener is handed over. */
		r = probe_one(nr, fork_call, oracle_ok && !streq(name, "sendmsg"), 0,
			      blocks(name) ? opts.timeout_ms : opts.timeout_ms * 4, &z);
		if (r < 0) {
			sc_probe_done(&rep);
			return r;
		}
		if (oracle_ok && !streq(name, "sendmsg") && !z.have_listener) {
			if (!oracle_tested) {
				/* The first call says whether the oracle works at all. */
				oracle_ok = false;
				(void)snprintf(rep.oracle_why, sizeof(rep.oracle_why),
					       "cannot stack a notifying filter: %s",
					       z.listener_err ? strerror(z.listener_err)
							      : "no listener");
			}
		}
		if (!oracle_tested && !opts.no_oracle && oracle_ok)
			rep.oracle = true;
		oracle_tested = true;
		classify(e, &z, oracle_ok && z.have_listener, filtered, caps_eff, fork_call,
			 opts.timeout_ms);
		if (!e->oracle && e->cls == SC_PROBE_SECCOMP && e->sig != SIGSYS) {
			/* The heuristic's second look: -1 arguments. */
			r = probe_one(nr, fork_call, false, -1L, opts.timeout_ms, &again);
			if (r < 0) {
				sc_probe_done(&rep);
				return r;
			}
			if (!again.have_result || again.ret >= 0 || again.err != e->err) {
				e->cls =
					e->err == ENOSYS ? SC_PROBE_NOT_IMPL : SC_PROBE_KERNEL_PERM;
				e->why = "the kernel answered differently when the arguments "
					 "changed";
			}
		}
		if (e->err == EPERM)
			rep.amicontained++;
		rep.count[e->cls]++;
	}
	/* As a container's init we inherit the probes' orphans (fork and clone probes). */
	if (getpid() == 1)
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	*ret = rep;
	return 0;
}
