/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's ground truth: makes a known set of syscalls, each through syscall() or
 * `int $0x80` so that libc cannot substitute another, spread over the main thread, 8 threads,
 * a forked child, an exec'd child (itself, re-executed), a double-forked daemon (setsid,
 * reparented), i386 compat calls (int $0x80 from 64-bit code) and x32 calls (the x32 bit in
 * the number; they fail with ENOSYS where x32 is off, but enter the kernel all the same).
 *
 *   syscall-zoo           run everything; exit 0 when every part did what it should
 *   syscall-zoo --list    print "ARCH NAME" for every syscall it makes on purpose
 *   syscall-zoo --has-compat  exit 0 when int $0x80 works here (it makes i386 calls then)
 *   syscall-zoo --decoys  print the x86_64 names of the i386 numbers used: a recorder that
 *                         misses the compat ABI names these instead, so they must not appear
 *   syscall-zoo --loop T N  T threads x N getppid calls (the load test), then exit 0; with
 *                         ZOO_TIMING=1 in the environment, prints the ns per call to stderr */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

struct call {
	const char *arch, *name, *where;
};

static const struct call calls[] = {
	/* main thread, native */
	{ "x86_64", "getpid", "main" },
	{ "x86_64", "getuid", "main" },
	{ "x86_64", "geteuid", "main" },
	{ "x86_64", "getgid", "main" },
	{ "x86_64", "getegid", "main" },
	{ "x86_64", "getppid", "main" },
	{ "x86_64", "getpgrp", "main" },
	{ "x86_64", "uname", "main" },
	{ "x86_64", "getcwd", "main" },
	{ "x86_64", "umask", "main" },
	{ "x86_64", "sysinfo", "main" },
	{ "x86_64", "times", "main" },
	{ "x86_64", "getrusage", "main" },
	{ "x86_64", "getsid", "main" },
	{ "x86_64", "getpriority", "main" },
	{ "x86_64", "sched_getaffinity", "main" },
	{ "x86_64", "getrlimit", "main" },
	{ "x86_64", "capget", "main" },
	{ "x86_64", "getcpu", "main" },
	{ "x86_64", "clock_getres", "main" },
	{ "x86_64", "personality", "main" },
	{ "x86_64", "futex", "main" }, /* made on purpose: thread joins make it only sometimes */
	/* one per thread */
	{ "x86_64", "nanosleep", "thread 0" },
	{ "x86_64", "getitimer", "thread 1" },
	{ "x86_64", "sched_getparam", "thread 2" },
	{ "x86_64", "sched_getscheduler", "thread 3" },
	{ "x86_64", "sched_get_priority_max", "thread 4" },
	{ "x86_64", "sched_get_priority_min", "thread 5" },
	{ "x86_64", "ioprio_get", "thread 6" },
	{ "x86_64", "get_robust_list", "thread 7" },
	/* forked child */
	{ "x86_64", "getresuid", "forked child" },
	{ "x86_64", "getresgid", "forked child" },
	{ "x86_64", "getpgid", "forked child" },
	{ "x86_64", "sched_rr_get_interval", "forked child" },
	/* exec'd child */
	{ "x86_64", "getgroups", "exec'd child" },
	{ "x86_64", "sched_getattr", "exec'd child" },
	{ "x86_64", "membarrier", "exec'd child" },
	{ "x86_64", "statfs", "exec'd child" },
	/* double-forked daemon */
	{ "x86_64", "setsid", "daemon" },
	{ "x86_64", "alarm", "daemon" },
	{ "x86_64", "getrandom", "daemon" },
	{ "x86_64", "rt_sigpending", "daemon" },
	/* i386 compat, int $0x80 from the main thread */
	{ "x86", "getpid", "int80" },
	{ "x86", "getppid", "int80" },
	{ "x86", "getpgrp", "int80" },
	{ "x86", "getuid32", "int80" },
	{ "x86", "getgid32", "int80" },
	{ "x86", "geteuid32", "int80" },
	{ "x86", "times", "int80" },
	{ "x86", "getgid", "int80" },
	{ "x86", "geteuid", "int80" },
	{ "x86", "getegid", "int80" },
	/* x32 */
	{ "x32", "getpid", "x32" },
	{ "x32", "gettid", "x32" },
};

/* x86_64 names of the i386 numbers above (20 64 65 199 200 201 43 47 49 50). */
static const char *const decoys[] = { "writev", "semget", "semop",   "fremovexattr", "tkill",
				      "time",	"accept", "recvmsg", "bind",	     "listen" };

static int failures;
static int futex_word;

static void expect(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "syscall-zoo: %s failed\n", what);
		failures++;
	}
}

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static void *thread_main(void *arg)
{
	long i = (long)arg;
	struct timespec ts = { 0, 1000 };
	struct itimerval itv;
	struct sched_param sp;
	void *head;
	size_t len;

	switch (i) {
	case 0:
		syscall(SYS_nanosleep, &ts, NULL);
		break;
	case 1:
		syscall(SYS_getitimer, ITIMER_REAL, &itv);
		break;
	case 2:
		syscall(SYS_sched_getparam, 0, &sp);
		break;
	case 3:
		syscall(SYS_sched_getscheduler, 0);
		break;
	case 4:
		syscall(SYS_sched_get_priority_max, SCHED_FIFO);
		break;
	case 5:
		syscall(SYS_sched_get_priority_min, SCHED_FIFO);
		break;
	case 6:
		syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
		break;
	case 7:
		syscall(SYS_get_robust_list, 0, &head, &len);
		break;
	}
	return NULL;
}

static void main_thread_calls(void)
{
	char buf[4096];
	struct rusage ru;
	struct rlimit rl;
	struct timespec ts;
	unsigned cpu;
	cpu_set_t set;
	struct {
		unsigned version;
		int pid;
	} hdr = { 0x20080522, 0 };
	struct {
		unsigned eff, perm, inh;
	} data[2];

	expect(syscall(SYS_getpid) == getpid(), "getpid");
	syscall(SYS_getuid);
	syscall(SYS_geteuid);
	syscall(SYS_getgid);
	syscall(SYS_getegid);
	syscall(SYS_getppid);
	syscall(SYS_getpgrp);
	syscall(SYS_uname, buf);
	syscall(SYS_getcwd, buf, sizeof(buf));
	syscall(SYS_umask, syscall(SYS_umask, 022));
	syscall(SYS_sysinfo, buf);
	syscall(SYS_times, buf);
	syscall(SYS_getrusage, RUSAGE_SELF, &ru);
	syscall(SYS_getsid, 0);
	syscall(SYS_getpriority, PRIO_PROCESS, 0);
	syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl);
	syscall(SYS_capget, &hdr, data);
	syscall(SYS_getcpu, &cpu, NULL, NULL);
	syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts);
	syscall(SYS_personality, 0xffffffffUL);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Does this kernel take int $0x80 from 64-bit code? Without IA32 emulation (or under some
 * hypervisors) the IDT has no gate for it and the instruction faults. Probed in a child. */
static int compat_available(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(int80(20, 0, 0, 0) == getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void compat_calls(void)
{
	expect(int80(20, 0, 0, 0) == getpid(), "int $0x80 getpid");
	expect(int80(64, 0, 0, 0) == getppid(), "int $0x80 getppid");
	int80(65, 0, 0, 0);
	expect(int80(199, 0, 0, 0) == (long)getuid(), "int $0x80 getuid32");
	int80(200, 0, 0, 0);
	int80(201, 0, 0, 0);
	int80(43, 0, 0, 0);
	int80(47, 0, 0, 0);
	int80(49, 0, 0, 0);
	int80(50, 0, 0, 0);
}

static int exec_child(void)
{
	gid_t groups[64];
	char attr[128];
	struct statfs_buf {
		char b[256];
	} sfs;

	syscall(SYS_getgroups, 64, groups);
	syscall(SYS_sched_getattr, 0, attr, sizeof(attr), 0);
	syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	syscall(SYS_statfs, "/", &sfs);
	return 0;
}

static int loop(int nthreads, long n);

int main(int argc, char **argv)
{
	pthread_t th[8];
	int p[2], st;
	pid_t pid;
	char c;

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		int compat = compat_available();
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (compat || strcmp(calls[i].arch, "x86") != 0)
				printf("%s %s\n", calls[i].arch, calls[i].name);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--has-compat") == 0)
		return compat_available() ? 0 : 1;
	if (argc > 1 && strcmp(argv[1], "--decoys") == 0) {
		for (size_t i = 0; i < sizeof(decoys) / sizeof(decoys[0]); i++)
			printf("%s\n", decoys[i]);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0)
		return exec_child();
	if (argc > 3 && strcmp(argv[1], "--loop") == 0)
		return loop(atoi(argv[2]), atol(argv[3]));

	main_thread_calls();
	if (compat_available())
		compat_calls();
	else
		fprintf(stderr,
			"syscall-zoo: int $0x80 faults on this kernel: no i386 calls made\n");
	syscall(X32_BIT | 39);	/* x32 getpid */
	syscall(X32_BIT | 186); /* x32 gettid */

	for (long i = 0; i < 8; i++)
		expect(pthread_create(&th[i], NULL, thread_main, (void *)i) == 0, "pthread_create");
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);

	/* forked child */
	pid = fork();
	if (pid == 0) {
		uid_t r, e, s;
		struct timespec ts;
		syscall(SYS_getresuid, &r, &e, &s);
		syscall(SYS_getresgid, &r, &e, &s);
		syscall(SYS_getpgid, 0);
		syscall(SYS_sched_rr_get_interval, 0, &ts);
		_exit(0);
	}
	expect(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "forked child");

	/* exec'd child: this program again */
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "--exec-child", (char *)NULL);
		_exit(127);
	}
	expect(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "exec'd child");

	/* double-forked daemon: reports back over a pipe once its calls are made */
	expect(pipe(p) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (fork() == 0) {
			char b[16];
			sigset_t set;
			syscall(SYS_setsid);
			syscall(SYS_alarm, 0);
			syscall(SYS_getrandom, b, sizeof(b), 0);
			syscall(SYS_rt_sigpending, &set, 8);
			(void)!write(p[1], "d", 1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	expect(pid > 0 && waitpid(pid, &st, 0) == pid, "daemon parent");
	expect(read(p[0], &c, 1) == 1 && c == 'd', "daemon");
	return failures ? 1 : 0;
}

/* --- load: T threads x N syscalls ------------------------------------------------------- */

static long loop_n;

static void *loop_thread(void *arg)
{
	for (long i = 0; i < loop_n; i++)
		syscall(SYS_getppid);
	return arg;
}

static int loop(int nthreads, long n)
{
	pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
	struct timespec t0, t1;

	loop_n = n;
	if (!th)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, loop_thread, NULL) != 0)
			return 1;
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Wall time per call per thread, for bench/record.sh. */
	if (getenv("ZOO_TIMING"))
		fprintf(stderr, "zoo-loop: %.1f ns/call\n",
			((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			 (double)(t1.tv_nsec - t0.tv_nsec)) /
				(double)n);
	free(th);
	return 0;
}
