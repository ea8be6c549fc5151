/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node recorder (bpf/noderec.bpf.c) on real cgroups: a process in a cgroup below a root is
 * recorded in that cgroup's bitmap on every ABI, by the cached program and the uncached one
 * alike; and the per-CPU verdict cache never hides a call: not from a task moved into a
 * cgroup below a root while it runs, nor from one below a root added while it runs. Needs
 * root, BPF and a writable cgroup v2 mount; skips elsewhere with the reason. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/record-backend.h"
#include "syscage/record-node.h"
#include "syscage/syscage.h"
#include "tap.h"

static char cg2[256];	  /* the cgroup v2 mount */
static char root_rel[64]; /* this run's root, relative to it */

static int find_cgroup2(void)
{
	FILE *f = fopen("/proc/mounts", "re");
	char dev[256], dir[256], type[64];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3)
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(cg2, sizeof(cg2), "%s", dir);
			found = 1;
		}
	fclose(f);
	return found;
}

static char *cg_path(const char *child)
{
	char *p = NULL;

	/* Also used outside the cases (main, teardown), where ck_assert cannot report. */
	if (asprintf(&p, "%s/%s%s%s", cg2, root_rel, child ? "/" : "", child ? child : "") < 0)
		abort();
	return p;
}

static uint64_t cg_make(const char *child)
{
	char *p = cg_path(child);
	struct stat st;

	ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", p);
	ck_assert_int_eq(stat(p, &st), 0);
	free(p);
	return st.st_ino;
}

static void cg_join(const char *child, pid_t pid)
{
	char *p = cg_path(child), *procs = NULL;
	FILE *f;

	ck_assert_int_ge(asprintf(&procs, "%s/cgroup.procs", p), 0);
	f = fopen(procs, "we");
	ck_assert_msg(f != NULL, "%s: %m", procs);
	fprintf(f, "%d\n", (int)pid);
	ck_assert_msg(fclose(f) == 0, "moving %d to %s: %m", (int)pid, p);
	free(procs);
	free(p);
}

static void cg_remove_all(void)
{
	static const char *const kids[] = { "zoo", "moved", "later" };
	char *p;

	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		p = cg_path(kids[i]);
		(void)rmdir(p);
		free(p);
	}
	p = cg_path(NULL);
	(void)rmdir(p);
	free(p);
}

static struct sc_record_node *node_open(bool with_root)
{
	const char *roots[] = { root_rel };
	struct sc_record_node_opts o = { .cgroup_root = cg2,
					 .roots = roots,
					 .n_roots = with_root ? 1 : 0 };
	struct sc_diags d = { 0 };
	struct sc_record_node *n = NULL;
	char *p = cg_path(NULL);
	int r;

	ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", p);
	free(p);
	r = sc_record_node_open(&o, &d, &n);

	ck_assert_msg(r == 0, "sc_record_node_open: %s", d.n ? d.v[0].message : strerror(-r));
	sc_diags_clear(&d);
	return n;
}

static bool has(const struct sc_record_node_bits *b, unsigned abi, unsigned nr)
{
	return b->bits[abi][nr / 64] & (1ULL << (nr % 64));
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

/* The zoo run in cgroup "zoo" below the root: its bitmap. */
static void zoo_bits(struct sc_record_node_bits *ret)
{
	const char *s = getenv("SYSCAGE");
	char *copy = strdup(s), *zoo = NULL;
	struct sc_record_node *n;
	uint64_t id;
	int st, go[2];
	pid_t pid;

	ck_assert_int_ge(asprintf(&zoo, "%s/tests/programs/syscall-zoo", dirname(copy)), 0);
	n = node_open(true);
	id = cg_make("zoo");
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;
		char *argv[] = { zoo, NULL };
		if (read(go[0], &c, 1) != 1)
			_exit(120);
		execv(zoo, argv);
		_exit(121);
	}
	close(go[0]);
	cg_join("zoo", pid);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	close(go[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "syscall-zoo status %#x", st);
	ck_assert_int_eq(sc_record_node_read(n, id, ret), 0);
	sc_record_node_free(n);
	free(zoo);
	free(copy);
}

/* Every ABI lands in the cgroup's bitmap, and both sys_enter programs see the same calls. */
START_TEST(live_zoo_both_programs)
{
	struct sc_record_node_bits direct, probe;
	struct utsname u;
	unsigned maj = 0, min = 0;

	zoo_bits(&direct);
	sc_record_node_force_probe = true;
	zoo_bits(&probe);
	sc_record_node_force_probe = false;
	ck_assert(has(&direct, 0, SYS_execve) || has(&direct, 0, SYS_getppid));
	ck_assert(has(&direct, 0, SYS_getppid));
	ck_assert(has(&direct, 2, 39)); /* x32 getpid: ENOSYS here, but it was entered */
	for (unsigned a = 0; a < SC_RECORD_NODE_ABIS; a++)
		for (unsigned w = 0; w < SC_RECORD_MAX_NR / 64; w++) {
			/* futex comes from thread joins only sometimes */
			uint64_t mask =
				a == 0 && w == SYS_futex / 64 ? ~(1ULL << (SYS_futex % 64)) : ~0ULL;
			ck_assert_msg((direct.bits[a][w] & mask) == (probe.bits[a][w] & mask),
				      "abi %u word %u: cached %#llx, uncached %#llx", a, w,
				      (unsigned long long)direct.bits[a][w],
				      (unsigned long long)probe.bits[a][w]);
		}
	/* On 6.2 and later the cached program is the one that loads. */
	ck_assert_int_eq(uname(&u), 0);
	if (sscanf(u.release, "%u.%u", &maj, &min) == 2 && (maj > 6 || (maj == 6 && min >= 2))) {
		struct sc_record_node *n = node_open(true);
		ck_assert(sc_record_node_uses_cache(n));
		sc_record_node_free(n);
	}
}
END_TEST

/* A child pinned to CPU 0 spins on getppid (its verdict cached there) until the parent, on
 * CPU 1, has done 'change' and raised the flag; then it makes one getsid, the marker, and
 * exits. The marker must be in 'cgroup''s bitmap. */
static void spin_then_mark(struct sc_record_node *n, const char *cgroup, bool join_first,
			   void (*change)(struct sc_record_node *n, pid_t child))
{
	volatile int *flag = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sc_record_node_bits b;
	uint64_t id = cg_make(cgroup);
	int st;
	pid_t pid;

	ck_assert(flag != MAP_FAILED);
	flag[0] = flag[1] = 0;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pin(0);
		while (!__atomic_load_n(&flag[0], __ATOMIC_ACQUIRE))
			(void)syscall(SYS_getppid); /* placed where the test wants it */
		/* spinning, with a verdict cached on CPU 0 */
		for (int i = 0; i < 1000; i++)
			(void)syscall(SYS_getppid);
		__atomic_store_n(&flag[1], 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&flag[1], __ATOMIC_ACQUIRE) != 2)
			(void)syscall(SYS_getppid);
		(void)syscall(SYS_getsid, 0);
		_exit(0);
	}
	pin(1);
	if (join_first)
		cg_join(cgroup, pid);
	__atomic_store_n(&flag[0], 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&flag[1], __ATOMIC_ACQUIRE) != 1)
		sched_yield();
	change(n, pid);
	__atomic_store_n(&flag[1], 2, __ATOMIC_RELEASE);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(sc_record_node_read(n, id, &b), 0);
	ck_assert_msg(has(&b, 0, SYS_getsid), "the marker getsid is not in %s's bitmap", cgroup);
	munmap((void *)flag, 2 * sizeof(int));
}

static void move_in(struct sc_record_node *n, pid_t child)
{
	(void)n;
	cg_join("moved", child);
}

static void add_root(struct sc_record_node *n, pid_t child)
{
	(void)child;
	ck_assert_int_eq(sc_record_node_add_root(n, root_rel), 0);
}

/* Moved into a cgroup below the root by another process, while its "not below a root"
 * verdict is cached: its next call is recorded. */
START_TEST(live_task_moved_in)
{
	struct sc_record_node *n = node_open(true);

	spin_then_mark(n, "moved", false, move_in);
	sc_record_node_free(n);
}
END_TEST

/* Already in a cgroup that a root added later covers: its next call is recorded. */
START_TEST(live_root_added_later)
{
	struct sc_record_node *n = node_open(false);

	spin_then_mark(n, "later", true, add_root);
	sc_record_node_free(n);
}
END_TEST

static void teardown(void)
{
	cg_remove_all();
}

int main(void)
{
	Suite *s = suite_create("record-node");
	TCase *live = tcase_create("live");
	struct sc_diags d = { 0 };
	char *p;

	snprintf(root_rel, sizeof(root_rel), "syscage-test-noderec-%d", (int)getpid());
	tcase_set_timeout(live, 120);
	tcase_add_checked_fixture(live, NULL, teardown);
	suite_add_tcase(s, live);
	if (!getenv("SYSCAGE"))
		tap_skip("live node recordings", "$SYSCAGE is not set (run through meson test)");
	else if (sc_record_bpf_preflight(&d) != 0)
		tap_skip("live node recordings", "%s",
			 d.n ? d.v[0].message : "eBPF preflight failed");
	else if (!find_cgroup2())
		tap_skip("live node recordings", "no cgroup v2 mount here");
	else if (p = cg_path(NULL), mkdir(p, 0755) < 0 && errno != EEXIST) {
		tap_skip("live node recordings", "cannot make a cgroup at %s: %s", p,
			 strerror(errno));
		free(p);
	} else {
		free(p);
		tcase_add_test(live, live_zoo_both_programs);
		tcase_add_test(live, live_task_moved_in);
		tcase_add_test(live, live_root_added_later);
	}
	sc_diags_clear(&d);
	fflush(stdout);
	int r = tap_run(s);
	cg_remove_all();
	return r;
}
