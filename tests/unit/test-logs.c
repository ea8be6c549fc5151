/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Records -> workloads, profiles, violations and loss accounting; container ids from cgroup
 * paths; and, as root, the real thing: a process under an SCMP_ACT_LOG filter read back from
 * /dev/kmsg, with the kernel's rate limit showing up as loss. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscage/cgroup.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"
#include "audit/follow.h"
#include "audit/logs-internal.h"
#include "files.h"
#include "tap.h"

static struct sc_audit_record *rec;

static void setup(void)
{
	rec = malloc(sizeof(*rec));
	ck_assert_ptr_nonnull(rec);
}

static void teardown(void)
{
	free(rec);
}

static void feed(struct sc_logs *l, struct sc_logs_source *src, const char *line)
{
	ck_assert_int_ge(sc_logs_feed_line(l, src, line, strlen(line), rec), 0);
}

static void feedf(struct sc_logs *l, struct sc_logs_source *src, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void feedf(struct sc_logs *l, struct sc_logs_source *src, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	feed(l, src, line);
}

static const struct sc_logs_entry *find_entry(const struct sc_logs_group *g, enum sc_arch arch,
					      const char *name, enum sc_action action)
{
	for (size_t i = 0; i < g->n_entries; i++) {
		const struct sc_logs_entry *e = &g->entries[i];
		if (e->arch == arch && e->name && strcmp(e->name, name) == 0 && e->action == action)
			return e;
	}
	return NULL;
}

static bool rule_has(const struct sc_profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			if (strcmp(p->rules[i].names[k], name) == 0)
				return true;
	return false;
}

START_TEST(groups_and_profile)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	struct sc_profile *p = NULL;
	unsigned serial = 100;

	ck_assert_ptr_nonnull(l);
	/* One workload using x86_64, i386 (int $0x80) and x32 calls, another one plain. */
	static const struct {
		const char *comm;
		const char *arch;
		unsigned nr;
	} t[] = {
		{ "multi", "c000003e", 257 },	     { "multi", "c000003e", 257 },
		{ "multi", "40000003", 102 },	     { "multi", "40000003", 295 },
		{ "multi", "c000003e", 1073741825 }, { "other", "c000003e", 0 },
		{ "multi", "c000003e", 1 },	     { "other", "c000003e", 1 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		feedf(l, &src,
		      "audit: type=1326 audit(1700000000.%03u:%u): pid=%u comm=\"%s\" arch=%s "
		      "syscall=%u compat=0 code=0x7ffc0000",
		      (unsigned)i, serial++, t[i].comm[0] == 'm' ? 10u : 20u, t[i].comm, t[i].arch,
		      t[i].nr);
	feed(l, &src, "unrelated line");
	ck_assert_uint_eq(sc_logs_n_groups(l), 2);
	const struct sc_logs_group *g = sc_logs_group(l, 0);
	ck_assert_str_eq(g->name, "multi");
	ck_assert_uint_eq(g->records, 6);
	ck_assert_uint_eq(g->first_ms, 1700000000000ull);
	ck_assert_uint_eq(g->last_ms, 1700000000006ull);
	const struct sc_logs_entry *e = find_entry(g, SC_ARCH_X86_64, "openat", SC_ACT_LOG);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 2);
	ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86, "socketcall", SC_ACT_LOG));
	ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86, "openat", SC_ACT_LOG));
	ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X32, "write", SC_ACT_LOG));
	ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86_64, "write", SC_ACT_LOG));

	ck_assert_int_eq(sc_logs_group_profile(l, 0, &p), 0);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_uint_eq(p->n_arches, 3);
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X86_64));
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X86));
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X32));
	ck_assert_uint_eq(p->n_rules, 4); /* one per arch, and the implicit set */
	ck_assert(rule_has(p, "restart_syscall"));
	for (size_t i = 0; i < p->n_rules; i++)
		ck_assert_int_eq(p->rules[i].action, SC_ACT_ALLOW);
	ck_assert(rule_has(p, "socketcall"));
	ck_assert(rule_has(p, "openat"));
	ck_assert(rule_has(p, "write"));
	ck_assert(!rule_has(p, "read"));
	/* The profile means what was seen: eval it. */
	struct sc_eval ev;
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86, 102, NULL, &ev), 0);
	ck_assert_int_eq(ev.action, SC_ACT_ALLOW);
	ck_assert_int_eq(sc_profile_eval(p, SC_ARCH_X86_64, 0, NULL, &ev), 0);
	ck_assert_int_eq(ev.action, SC_ACT_ERRNO);
	sc_profile_free(p);

	ck_assert_int_eq(sc_logs_group_profile(l, 1, &p), 0);
	ck_assert_uint_eq(p->n_arches, 1);
	ck_assert_uint_eq(p->n_rules, 2); /* what it did, and the implicit set */
	ck_assert_uint_eq(p->rules[0].n_names, 2);
	ck_assert_str_eq(p->rules[0].names[0], "read");
	ck_assert_str_eq(p->rules[0].names[1], "write");
	sc_profile_free(p);
	ck_assert_int_eq(sc_logs_group_profile(l, 2, &p), -ENOENT);

	struct sc_logs_stats *s = sc_logs_stats(l);
	ck_assert_uint_eq(s->records, 8);
	ck_assert_uint_eq(s->foreign, 1);
	ck_assert(!sc_logs_stats_lossy(s));
	sc_logs_free(l);
}
END_TEST

START_TEST(by_keys_and_filters)
{
	static const char *const lines[] = {
		"audit: type=1326 audit(100.000:1): pid=1 comm=\"a\" exe=\"/bin/a\" arch=c000003e "
		"syscall=0",
		"audit: type=1326 audit(200.000:2): pid=2 comm=\"a\" exe=\"/opt/a\" arch=c000003e "
		"syscall=1",
		"audit: type=1326 audit(300.000:3): pid=3 comm=\"b\" exe=\"/bin/a\" arch=c000003e "
		"syscall=2",
	};
	static const struct {
		struct sc_logs_options o;
		size_t groups, records;
		const char *first;
	} t[] = {
		{ { .by = SC_LOGS_BY_COMM }, 2, 3, "a" },
		{ { .by = SC_LOGS_BY_PID }, 3, 3, "a-1" },
		{ { .by = SC_LOGS_BY_EXE }, 2, 3, "/bin/a" },
		{ { .by = SC_LOGS_BY_PID, .has_pid = true, .pid = 2 }, 1, 1, "a-2" },
		{ { .by = SC_LOGS_BY_COMM, .comm = "b" }, 1, 1, "b" },
		{ { .has_since = true, .since_ms = 200000 }, 2, 2, "a" },
		{ { .has_until = true, .until_ms = 200000 }, 1, 2, "a" },
		{ { .has_since = true, .since_ms = 250000, .has_until = true, .until_ms = 400000 },
		  1,
		  1,
		  "b" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_logs *l = sc_logs_new(&t[i].o);
		struct sc_logs_source src = {};
		for (size_t k = 0; k < 3; k++)
			feed(l, &src, lines[k]);
		ck_assert_msg(sc_logs_n_groups(l) == t[i].groups, "case %zu: %zu groups", i,
			      sc_logs_n_groups(l));
		ck_assert_uint_eq(sc_logs_stats(l)->records, t[i].records);
		ck_assert_uint_eq(sc_logs_stats(l)->filtered, 3 - t[i].records);
		ck_assert_str_eq(sc_logs_group(l, 0)->name, t[i].first);
		sc_logs_free(l);
	}
	ck_assert_int_eq(sc_logs_by_from_string("container"), SC_LOGS_BY_CONTAINER);
	ck_assert_int_eq(sc_logs_by_from_string("uid"), -EINVAL);
}
END_TEST

/* #15.3: `syscage run -p audit.json -- true`: the execve is logged under the old comm
 * ("syscage"), the rest under "true". The pid is followed across the exec: the records before
 * it are the workload's, with --comm, --by comm and --by pid (whose name is the new comm's);
 * a comm change without an execve (a thread naming itself, a reused pid) moves nothing. */
START_TEST(exec_follows_pid)
{
	static const char *const lines[] = {
		"audit: type=1326 audit(100.000:1): pid=50 comm=\"syscage\" "
		"exe=\"/usr/bin/syscage\" "
		"arch=c000003e syscall=3 code=0x7ffc0000",
		"audit: type=1326 audit(100.000:2): pid=50 comm=\"syscage\" "
		"exe=\"/usr/bin/syscage\" "
		"arch=c000003e syscall=59 code=0x7ffc0000",
		"audit: type=1326 audit(100.001:3): pid=50 comm=\"true\" exe=\"/usr/bin/true\" "
		"arch=c000003e syscall=12 code=0x7ffc0000",
		"audit: type=1326 audit(100.002:4): pid=50 comm=\"true\" exe=\"/usr/bin/true\" "
		"arch=c000003e syscall=231 code=0x7ffc0000",
		/* another pid of the old name: stays its own */
		"audit: type=1326 audit(100.003:5): pid=60 comm=\"syscage\" "
		"exe=\"/usr/bin/syscage\" "
		"arch=c000003e syscall=39 code=0x7ffc0000",
		/* a comm change without an execve: nothing moves */
		"audit: type=1326 audit(100.004:6): pid=60 comm=\"worker\" "
		"exe=\"/usr/bin/syscage\" "
		"arch=c000003e syscall=1 code=0x7ffc0000",
	};
	static const struct {
		struct sc_logs_options o;
		size_t groups;
		const char *name; /* of the group holding execve */
		uint64_t records, filtered;
	} t[] = {
		{ { .by = SC_LOGS_BY_COMM, .comm = "true" }, 1, "true", 4, 2 },
		{ { .by = SC_LOGS_BY_COMM }, 3, "true", 6, 0 },
		{ { .by = SC_LOGS_BY_PID }, 2, "true-50", 6, 0 },
		{ { .by = SC_LOGS_BY_PID, .comm = "true" }, 1, "true-50", 4, 2 },
		{ { .by = SC_LOGS_BY_EXE }, 2, "/usr/bin/true", 6, 0 },
		{ { .by = SC_LOGS_BY_COMM, .comm = "syscage" }, 1, "syscage", 1, 5 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_logs *l = sc_logs_new(&t[i].o);
		struct sc_logs_source src = {};
		const struct sc_logs_group *g = NULL;
		struct sc_profile *p = NULL;

		for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++)
			feed(l, &src, lines[k]);
		ck_assert_msg(sc_logs_n_groups(l) == t[i].groups, "case %zu: %zu groups", i,
			      sc_logs_n_groups(l));
		ck_assert_uint_eq(sc_logs_stats(l)->records, t[i].records);
		ck_assert_uint_eq(sc_logs_stats(l)->filtered, t[i].filtered);
		for (size_t k = 0; k < sc_logs_n_groups(l); k++)
			if (strcmp(sc_logs_group(l, k)->name, t[i].name) == 0)
				g = sc_logs_group(l, k);
		ck_assert_msg(g, "case %zu: no group %s", i, t[i].name);
		if (t[i].o.comm && strcmp(t[i].o.comm, "syscage") == 0) {
			/* pid 60's getpid only: pid 50's records are true's */
			ck_assert_uint_eq(g->records, 1);
			ck_assert_ptr_null(find_entry(g, SC_ARCH_X86_64, "execve", SC_ACT_LOG));
			sc_logs_free(l);
			continue;
		}
		ck_assert_uint_eq(g->records, 4);
		ck_assert_str_eq(g->comm, "true");
		ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86_64, "execve", SC_ACT_LOG));
		ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86_64, "close", SC_ACT_LOG));
		ck_assert_int_eq(sc_logs_group_profile(l, (size_t)(g - sc_logs_group(l, 0)), &p),
				 0);
		ck_assert(rule_has(p, "execve"));
		ck_assert(rule_has(p, "brk"));
		sc_profile_free(p);
		/* Nothing of pid 50 is left under the old name. */
		for (size_t k = 0; k < sc_logs_n_groups(l); k++) {
			const struct sc_logs_group *o = sc_logs_group(l, k);
			ck_assert_ptr_null(
				o != g ? find_entry(o, SC_ARCH_X86_64, "execve", SC_ACT_LOG)
				       : NULL);
			ck_assert_uint_gt(o->records, 0);
		}
		sc_logs_free(l);
	}
}
END_TEST

/* A run whose records went to two groups (--by exe, a record without exe=) is not moved at its
 * exec: no group is left with counts taken from records it never had. */
START_TEST(exec_run_in_two_groups)
{
	static const char *const lines[] = {
		"audit: type=1326 audit(1.0:1): pid=5 comm=\"sh\" exe=\"/bin/sh\" arch=c000003e "
		"syscall=3 code=0x7ffc0000",
		"audit: type=1326 audit(1.0:2): pid=5 comm=\"sh\" arch=c000003e syscall=1 "
		"code=0x7ffc0000",
		"audit: type=1326 audit(1.0:3): pid=5 comm=\"sh\" exe=\"/bin/sh\" arch=c000003e "
		"syscall=59 code=0x7ffc0000",
		"audit: type=1326 audit(1.0:4): pid=5 comm=\"app\" exe=\"/bin/app\" arch=c000003e "
		"syscall=0 code=0x7ffc0000",
	};
	struct sc_logs_options o = { .by = SC_LOGS_BY_EXE };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	uint64_t sum = 0;

	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++)
		feed(l, &src, lines[k]);
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		uint64_t entries = 0;
		for (size_t k = 0; k < g->n_entries; k++)
			entries += g->entries[k].count;
		ck_assert_uint_eq(entries, g->records);
		ck_assert_uint_le(g->records, 4);
		sum += g->records;
	}
	ck_assert_uint_eq(sum, 4);
	ck_assert_uint_eq(sc_logs_stats(l)->records, 4);
	sc_logs_free(l);
}
END_TEST

START_TEST(violations)
{
	struct sc_logs *l = sc_logs_new(NULL);
	struct sc_logs_source src = {};
	struct sc_profile *p = NULL;

	feed(l, &src,
	     "type=SECCOMP msg=audit(10.100:1): pid=5 comm=\"app\" arch=c000003e "
	     "syscall=83 code=0x50001");
	feed(l, &src,
	     "type=SECCOMP msg=audit(10.900:2): pid=5 comm=\"app\" arch=c000003e "
	     "syscall=83 code=0x50001");
	feed(l, &src,
	     "type=SECCOMP msg=audit(10.500:3): pid=5 comm=\"app\" arch=c000003e "
	     "syscall=0 code=0x7ffc0000");
	feed(l, &src,
	     "type=SECCOMP msg=audit(11.000:4): pid=5 comm=\"app\" arch=c000003e "
	     "syscall=101 code=0x80000000");
	const struct sc_logs_group *g = sc_logs_group(l, 0);
	const struct sc_logs_entry *e = find_entry(g, SC_ARCH_X86_64, "mkdir", SC_ACT_ERRNO);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 2);
	ck_assert_uint_eq(e->data, 1);
	ck_assert_uint_eq(e->first_ms, 10100);
	ck_assert_uint_eq(e->last_ms, 10900);
	ck_assert_ptr_nonnull(find_entry(g, SC_ARCH_X86_64, "ptrace", SC_ACT_KILL_PROCESS));
	ck_assert_uint_eq(g->denied, 3);
	ck_assert_uint_eq(sc_logs_stats(l)->denied, 3);
	ck_assert(sc_logs_action_is_denial(SC_ACT_ERRNO));
	ck_assert(!sc_logs_action_is_denial(SC_ACT_LOG));
	/* Denied calls are not allowed by the learned profile. */
	ck_assert_int_eq(sc_logs_group_profile(l, 0, &p), 0);
	ck_assert(rule_has(p, "read"));
	ck_assert(!rule_has(p, "mkdir"));
	ck_assert(!rule_has(p, "ptrace"));
	sc_profile_free(p);
	sc_logs_free(l);
}
END_TEST

START_TEST(loss_accounting)
{
	struct sc_logs *l = sc_logs_new(NULL);
	struct sc_logs_source a = {}, b = {};
	struct sc_logs_stats *s = sc_logs_stats(l);

	feed(l, &a, "audit: type=1326 audit(1.0:10): pid=1 comm=\"x\" arch=c000003e syscall=0");
	feed(l, &a, "audit: type=1300 audit(1.0:11): arch=c000003e syscall=0"); /* other type */
	feed(l, &a, "audit: type=1326 audit(1.0:12): pid=1 comm=\"x\" arch=c000003e syscall=0");
	feed(l, &a, "audit: type=1327 audit(1.0:12): proctitle=78"); /* same event */
	ck_assert_uint_eq(s->serial_gaps, 0);
	feed(l, &a, "audit: type=1326 audit(1.0:20): pid=1 comm=\"x\" arch=c000003e syscall=0");
	ck_assert_uint_eq(s->serial_gaps, 7);
	/* A late record fills one of the gaps. */
	feed(l, &a, "audit: type=1326 audit(1.0:15): pid=1 comm=\"x\" arch=c000003e syscall=0");
	ck_assert_uint_eq(s->serial_gaps, 6);
	/* A reboot: serials start over; no gap. */
	feed(l, &a,
	     "audit: type=1326 audit(9.0:5000000): pid=1 comm=\"x\" arch=c000003e "
	     "syscall=0");
	ck_assert_uint_eq(s->serial_gaps, 4999979 + 6);
	feed(l, &a, "audit: type=1326 audit(9.0:3): pid=1 comm=\"x\" arch=c000003e syscall=0");
	feed(l, &a, "audit: type=1326 audit(9.0:4): pid=1 comm=\"x\" arch=c000003e syscall=0");
	ck_assert_uint_eq(s->serial_gaps, 4999979 + 6);
	/* Sources are tracked apart. */
	feed(l, &b, "audit: type=1326 audit(1.0:100): pid=1 comm=\"x\" arch=c000003e syscall=0");
	ck_assert_uint_eq(s->serial_gaps, 4999979 + 6);

	feed(l, &a, "kauditd_printk_skb: 42 callbacks suppressed");
	feed(l, &a, "kauditd_printk_skb: 8 callbacks suppressed");
	feed(l, &a, "audit: rate limit exceeded");
	feed(l, &a, "audit: backlog limit exceeded");
	feed(l, &a, "audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64");
	feed(l, &a, "audit: audit_lost=9 audit_rate_limit=0 audit_backlog_limit=64");
	feed(l, &a, "audit: audit_lost=7 audit_rate_limit=0 audit_backlog_limit=64");
	ck_assert_uint_eq(s->suppressed, 50);
	ck_assert_uint_eq(s->rate_limit_events, 1);
	ck_assert_uint_eq(s->backlog_events, 1);
	ck_assert_uint_eq(s->lost_counter, 9); /* cumulative: the highest */
	ck_assert(sc_logs_stats_lossy(s));
	ck_assert_uint_eq(s->other, 2);
	sc_logs_free(l);
}
END_TEST

/* #15.5: loss before the window (--since, or the --comm workload's first record) is another
 * time's: a complete capture of the window is not lossy. Loss next to or inside it counts. */
START_TEST(loss_window)
{
#define REC(t, serial, comm)                                                                   \
	"audit: type=1326 audit(" t ".000:" serial "): pid=7 comm=\"" comm "\" arch=c000003e " \
	"syscall=0"
	static const char *const early[] = {
		REC("100", "1", "old"),
		"kauditd_printk_skb: 300 callbacks suppressed",
		"audit: audit_lost=4 audit_rate_limit=0 audit_backlog_limit=64",
		REC("101", "50", "old"), /* 48 serials missing */
		REC("200", "51", "app"),
		REC("200", "52", "app"),
		"audit: audit_lost=4 audit_rate_limit=0 audit_backlog_limit=64", /* no new loss */
		REC("201", "53", "app"),
	};
	struct {
		struct sc_logs_options o;
		bool lossy;
	} t[] = {
		{ {}, true },
		{ { .has_since = true, .since_ms = 200000 }, false },
		{ { .comm = "app" }, false },
		{ { .has_until = true, .until_ms = 150000 }, true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_logs *l = sc_logs_new(&t[i].o);
		struct sc_logs_source src = {};
		for (size_t k = 0; k < sizeof(early) / sizeof(early[0]); k++)
			feed(l, &src, early[k]);
		ck_assert_msg(sc_logs_stats_lossy(sc_logs_stats(l)) == t[i].lossy, "case %zu", i);
		sc_logs_free(l);
	}

	/* Next to the window's first record, inside it, or right after its last: counted. */
	struct sc_logs_options o = { .has_since = true, .since_ms = 200000, .comm = "app" };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	struct sc_logs_stats *s = sc_logs_stats(l);
	feed(l, &src, REC("150", "1", "old"));
	feed(l, &src, "kauditd_printk_skb: 5 callbacks suppressed");
	feed(l, &src, REC("200", "10", "app")); /* the gap and the 5 may have been app's */
	ck_assert_uint_eq(s->suppressed, 5);
	ck_assert_uint_eq(s->serial_gaps, 8);
	feed(l, &src, REC("201", "11", "other"));
	feed(l, &src, REC("202", "13", "app"));
	ck_assert_uint_eq(s->serial_gaps, 9);
	feed(l, &src, "kauditd_printk_skb: 7 callbacks suppressed");
	ck_assert_uint_eq(s->suppressed, 12);
	ck_assert(sc_logs_stats_lossy(s));
	sc_logs_free(l);
#undef REC
}
END_TEST

/* #15.4: the /dev/kmsg ring wraps silently: its oldest record after --since (or, without
 * --since, a seccomp record) means the window's start is gone. */
START_TEST(kmsg_wrapped)
{
	uint64_t seq = 0, usec = 0;
	ck_assert_int_eq(sc_audit_kmsg_header("6,4920,11878217502,-;x", 22, &seq, &usec), 0);
	ck_assert_uint_eq(seq, 4920);
	ck_assert_uint_eq(usec, 11878217502ull);
	ck_assert_int_eq(sc_audit_kmsg_header("5,7,8;audit: x", 14, &seq, &usec), 0);
	ck_assert_uint_eq(seq, 7);
	ck_assert_int_eq(sc_audit_kmsg_header("[ 12.0] audit: x", 16, &seq, &usec), -EINVAL);
	ck_assert_int_eq(sc_audit_kmsg_header("6,4920", 6, &seq, &usec), -EINVAL);

	struct sc_logs_options since = { .has_since = true, .since_ms = 1000000 };
	static const struct {
		bool since;
		uint64_t seq, time_ms;
		bool seccomp, wrapped;
	} t[] = {
		{ true, 4920, 1100000, false, true },  /* oldest is 100 s after --since */
		{ true, 4920, 1001000, false, false }, /* within the clocks' slack */
		{ true, 4920, 900000, false, false },  /* reaches back */
		{ true, 0, 1100000, false, false },    /* never wrapped since boot */
		{ false, 4920, 1100000, true, true },  /* a workload's record is the oldest */
		{ false, 4920, 1100000, false, false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_logs *l = sc_logs_new(t[i].since ? &since : NULL);
		const char *line = t[i].seccomp ? "6,4920,5,-;audit: type=1326 audit(1100.000:9): "
						  "pid=1 comm=\"x\" arch=c000003e syscall=0"
						: "6,4920,5,-;eth0: link up";
		sc_audit_parse_line(line, strlen(line), rec);
		sc_logs_kmsg_oldest(l, t[i].seq, t[i].time_ms, rec);
		ck_assert_msg(!!sc_logs_stats(l)->kmsg_wrapped == t[i].wrapped, "case %zu", i);
		ck_assert(sc_logs_stats_lossy(sc_logs_stats(l)) == t[i].wrapped);
		sc_logs_free(l);
	}
}
END_TEST

START_TEST(cgroup_paths)
{
	static const struct {
		const char *text;
		const char *id;
		const char *runtime;
	} t[] = {
		{ "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
		  "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		  ".scope\n",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "containerd" },
		{ "12:pids:/kubepods/burstable/pod6f7c2a6e-1111-2222-3333-444455556666/"
		  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"
		  "1:name=systemd:/kubepods/burstable/pod6f7c2a6e-1111-2222-3333-444455556666/"
		  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n",
		  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "kubepods" },
		{ "0::/machine.slice/"
		  "crio-aaaabbbbccccddddeeeeffff0000111122223333444455556666777788"
		  "889999.scope\n",
		  "aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999", "cri-o" },
		{ "0::/system.slice/"
		  "docker-1111111111111111111111111111111111111111111111111111111111"
		  "111111.scope\n",
		  "1111111111111111111111111111111111111111111111111111111111111111", "docker" },
		{ "11:memory:/docker/"
		  "2222222222222222222222222222222222222222222222222222222222222222\n"
		  "0::/\n",
		  "2222222222222222222222222222222222222222222222222222222222222222", "docker" },
		{ "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"
		  "3333333333333333333333333333333333333333333333333333333333333333.scope/"
		  "container\n",
		  "3333333333333333333333333333333333333333333333333333333333333333", "podman" },
	};
	char id[160];
	const char *rt = NULL;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(sc_container_from_cgroup(t[i].text, strlen(t[i].text), id, sizeof(id),
						       &rt) == 1,
			      "case %zu", i);
		ck_assert_str_eq(id, t[i].id);
		ck_assert_str_eq(rt, t[i].runtime);
	}
	static const char *const none[] = {
		"0::/user.slice/user-1000.slice/session-2.scope\n",
		"0::/\n",
		"0::/system.slice/"
		"libpod-conmon-3333333333333333333333333333333333333333333333333333"
		"333333333333.scope\n",
		"garbage",
		"",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		ck_assert_msg(sc_container_from_cgroup(none[i], strlen(none[i]), id, sizeof(id),
						       &rt) == 0,
			      "none %zu", i);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* --by container over a fake /proc: live pids map to containers, others fall back to comm. */
START_TEST(by_container)
{
	char root[] = "/tmp/test-logs-proc.XXXXXX", path[256];
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/100", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/100/cgroup", root);
	write_file(path,
		   "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-"
		   "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd.scope\n");
	snprintf(path, sizeof(path), "%s/101", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/101/cgroup", root);
	write_file(path, "0::/user.slice/session-1.scope\n");

	struct sc_logs_options o = { .by = SC_LOGS_BY_CONTAINER, .proc_root = root };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	feed(l, &src,
	     "audit: type=1326 audit(1.0:1): pid=100 comm=\"nginx\" arch=c000003e "
	     "syscall=0");
	feed(l, &src,
	     "audit: type=1326 audit(1.0:2): pid=101 comm=\"bash\" arch=c000003e "
	     "syscall=1");
	feed(l, &src,
	     "audit: type=1326 audit(1.0:3): pid=100 comm=\"nginx\" arch=c000003e "
	     "syscall=2");
	feed(l, &src,
	     "audit: type=1326 audit(1.0:4): pid=999 comm=\"gone\" arch=c000003e "
	     "syscall=3");
	ck_assert_uint_eq(sc_logs_n_groups(l), 3);
	const struct sc_logs_group *g = sc_logs_group(l, 0);
	ck_assert_str_eq(g->container,
			 "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd");
	ck_assert_str_eq(g->runtime, "containerd");
	ck_assert_str_eq(g->name, "containerd-abcdefabcdef");
	ck_assert_uint_eq(g->records, 2);
	ck_assert_str_eq(sc_logs_group(l, 1)->name, "bash");
	ck_assert_ptr_null(sc_logs_group(l, 1)->container);
	ck_assert_str_eq(sc_logs_group(l, 2)->name, "gone");
	sc_logs_free(l);

	test_rm_rf(root);
}
END_TEST

/* Many workloads and syscalls: the tables grow and stay consistent. */
START_TEST(many)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_PID };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};

	for (unsigned pid = 1; pid <= 300; pid++)
		for (unsigned nr = 0; nr < 40; nr++)
			feedf(l, &src,
			      "audit: type=1326 audit(1.0:%u): pid=%u comm=\"c%u\" arch=c000003e "
			      "syscall=%u",
			      pid * 100 + nr, pid, pid % 7, nr);
	ck_assert_uint_eq(sc_logs_n_groups(l), 300);
	for (size_t i = 0; i < 300; i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		ck_assert_uint_eq(g->n_entries, 40);
		ck_assert_uint_eq(g->records, 40);
		for (size_t k = 0; k < g->n_entries; k++)
			ck_assert_uint_eq(g->entries[k].count, 1);
	}
	/* Entries found after sorting. */
	feed(l, &src,
	     "audit: type=1326 audit(1.0:99999): pid=5 comm=\"c5\" arch=c000003e "
	     "syscall=0");
	ck_assert_uint_eq(
		find_entry(sc_logs_group(l, 4), SC_ARCH_X86_64, "read", SC_ACT_LOG)->count, 2);
	ck_assert_uint_eq(sc_logs_group(l, 4)->n_entries, 40);
	sc_logs_free(l);
}
END_TEST

/* --by comm: comms of every length, more than the look-up slots, some alike but for a byte in
 * the middle or at either end, interleaved: each record counts in its own comm's group. */
/* The common record (a pid whose run goes on) takes the aggregation's short way: the run's
 * group, its entry there as a guess checked against the entry's key. Every guess that can be
 * wrong is made wrong here: comms one byte apart on one pid, entries reordered by a sort in the
 * middle of the input, syscall numbers that share a run's slot; and a run of those moved by an
 * exec. */
static uint64_t count_of(struct sc_logs *l, const char *group, enum sc_arch arch, uint32_t nr)
{
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		if (strcmp(g->key, group) != 0)
			continue;
		for (size_t k = 0; k < g->n_entries; k++)
			if (g->entries[k].arch == arch && g->entries[k].nr == nr)
				return g->entries[k].count;
	}
	return 0;
}

START_TEST(short_way_guesses)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	const struct sc_logs_group *g;
	unsigned serial = 1;
	char a[24], b[24];

	ck_assert_ptr_nonnull(l);
	/* Comms of 1 to 20 bytes and, on the same pid, the same with one byte changed (first,
	 * middle, last): each record twice, so the second is the short way's. */
	for (unsigned len = 1; len <= 20; len++)
		for (unsigned at = 0; at < 3; at++) {
			unsigned pos = at == 0 ? 0 : at == 1 ? len / 2 : len - 1, pid = 1000 + len;
			memset(a, 'a' + (char)at, len);
			a[len] = 0;
			memcpy(b, a, len + 1);
			b[pos] = (char)('X' + at);
			for (unsigned k = 0; k < 4; k++)
				feedf(l, &src,
				      "type=SECCOMP msg=audit(1.0:%u): pid=%u comm=\"%s\" "
				      "arch=c000003e syscall=%u code=0x7ffc0000",
				      serial++, pid, k < 2 ? a : b, k & 1 ? 1u : 0u);
			ck_assert_uint_eq(count_of(l, a, SC_ARCH_X86_64, 0), 1);
			ck_assert_uint_eq(count_of(l, a, SC_ARCH_X86_64, 1), 1);
			ck_assert_uint_eq(count_of(l, b, SC_ARCH_X86_64, 0), 1);
			ck_assert_uint_eq(count_of(l, b, SC_ARCH_X86_64, 1), 1);
		}
	sc_logs_free(l);

	/* Entries made in one order, sorted (by name, action, errno) when a group is read, then
	 * more records: each guess made before the sort points at another entry after it. */
	l = sc_logs_new(&o);
	static const struct {
		uint32_t nr;
		const char *code;
	} first[] = { { 257, "0x7ffc0000" },
		      { 0, "0x7ffc0000" },
		      { 1, "0x50002" },
		      { 1, "0x50001" },
		      { 1, "0x7ffc0000" } },
	  then[] = { { 1, "0x50002" },
		     { 257, "0x7ffc0000" },
		     { 1, "0x7ffc0000" },
		     { 0, "0x7ffc0000" },
		     { 1, "0x50002" } };
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		feedf(l, &src,
		      "type=SECCOMP msg=audit(1.0:%u): pid=7 comm=\"w\" arch=c000003e "
		      "syscall=%u code=%s",
		      serial++, first[i].nr, first[i].code);
	ck_assert_uint_eq(sc_logs_n_groups(l), 1);
	g = sc_logs_group(l, 0);
	ck_assert_str_eq(g->entries[0].name, "openat");
	ck_assert_uint_eq(g->entries[2].data, 1);
	for (size_t i = 0; i < sizeof(then) / sizeof(then[0]); i++)
		feedf(l, &src,
		      "type=SECCOMP msg=audit(1.0:%u): pid=7 comm=\"w\" arch=c000003e "
		      "syscall=%u code=%s",
		      serial++, then[i].nr, then[i].code);
	g = sc_logs_group(l, 0);
	ck_assert_uint_eq(g->records, 10);
	ck_assert_uint_eq(g->n_entries, 5);
	ck_assert_uint_eq(g->entries[0].count, 2); /* openat */
	ck_assert_uint_eq(g->entries[1].count, 2); /* read */
	ck_assert_uint_eq(g->entries[2].count, 1); /* write, ERRNO 1 */
	ck_assert_uint_eq(g->entries[3].count, 3); /* write, ERRNO 2 */
	ck_assert_uint_eq(g->entries[4].count, 2); /* write, LOG */
	sc_logs_free(l);

	/* 1 and 256 share a run's slot, as x86_64's 1 and i386's 1 (another arch) and an ERRNO
	 * of 1 (another action) share their number; then the pid execs: all of it moves. */
	l = sc_logs_new(&o);
	static const struct {
		const char *arch, *code;
		uint32_t nr;
	} r[] = {
		{ "c000003e", "0x7ffc0000", 1 },  { "c000003e", "0x7ffc0000", 256 },
		{ "40000003", "0x7ffc0000", 1 },  { "c000003e", "0x50001", 1 },
		{ "c000003e", "0x7ffc0000", 1 },  { "c000003e", "0x7ffc0000", 256 },
		{ "40000003", "0x7ffc0000", 1 },  { "c000003e", "0x50001", 1 },
		{ "c000003e", "0x7ffc0000", 59 },
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		feedf(l, &src,
		      "type=SECCOMP msg=audit(1.0:%u): pid=9 comm=\"sh\" arch=%s syscall=%u "
		      "code=%s",
		      serial++, r[i].arch, r[i].nr, r[i].code);
	feedf(l, &src,
	      "type=SECCOMP msg=audit(1.0:%u): pid=9 comm=\"app\" arch=c000003e syscall=1 "
	      "code=0x7ffc0000",
	      serial++);
	ck_assert_uint_eq(sc_logs_n_groups(l), 1);
	g = sc_logs_group(l, 0);
	ck_assert_str_eq(g->key, "app");
	ck_assert_uint_eq(g->records, 10);
	ck_assert_uint_eq(g->denied, 2);
	ck_assert_uint_eq(find_entry(g, SC_ARCH_X86_64, "write", SC_ACT_LOG)->count, 3);
	ck_assert_uint_eq(find_entry(g, SC_ARCH_X86_64, "write", SC_ACT_ERRNO)->count, 2);
	ck_assert_uint_eq(find_entry(g, SC_ARCH_X86, "exit", SC_ACT_LOG)->count, 2);
	ck_assert_uint_eq(count_of(l, "app", SC_ARCH_X86_64, 256), 2);
	ck_assert_uint_eq(count_of(l, "app", SC_ARCH_X86_64, 59), 1);
	sc_logs_free(l);
}
END_TEST

START_TEST(by_comm_keys)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	char comms[300][24];
	unsigned n = 0;

	for (unsigned len = 1; len <= 20; len++)
		for (unsigned k = 0; k < 10; k++, n++) {
			memset(comms[n], 'c', len);
			comms[n][len] = 0;
			comms[n][k % 3 == 0 ? 0 : k % 3 == 1 ? len / 2 : len - 1] = (char)('0' + k);
		}
	/* 100 of 12 bytes alike in their first 8: more than there are slots, so some share
	 * one and differ only in their last word. */
	for (unsigned k = 0; k < 100; k++, n++)
		(void)snprintf(comms[n], sizeof(comms[n]), "cccccccccc%02u", k);
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < n; i++)
			feedf(l, &src,
			      "type=SECCOMP msg=audit(1.0:%u): pid=%u comm=\"%s\" arch=c000003e "
			      "syscall=%u",
			      round * n + i + 1, i, comms[(i * 7 + round) % n], round);
	/* Some are the same string (short ones, one byte changed at the same place). */
	unsigned distinct = 0;
	for (unsigned i = 0; i < n; i++) {
		bool seen = false;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = strcmp(comms[i], comms[j]) == 0;
		distinct += !seen;
	}
	ck_assert_uint_eq(sc_logs_n_groups(l), distinct);
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		unsigned copies = 0;
		for (unsigned j = 0; j < n; j++)
			copies += strcmp(comms[j], g->key) == 0;
		ck_assert_uint_eq(g->key_len, strlen(g->key));
		ck_assert_uint_eq(g->records, 3 * copies);
		ck_assert_uint_eq(g->n_entries, 3);
	}
	sc_logs_free(l);
}
END_TEST

/* The parallel whole-file reader gives exactly what one reader line by line gives: groups in
 * first-seen order, counts, times, statistics, serial gaps across chunk cuts (late records,
 * reboots), and a final line without a newline. */
static void write_big_log(FILE *f)
{
	unsigned serial = 1000;

	for (unsigned i = 0; i < 240000; i++) {
		unsigned pid = 100 + (i * 7919u) % 37, nr = (i * 31u) % 60;
		if (i % 9973 == 0)
			serial += 3; /* a gap */
		if (i % 50000 == 7)
			serial = 10; /* a reboot */
		if (i % 1001 == 0) {
			fprintf(f,
				"Nov 14 22:13:00 node kernel: audit: type=1300 "
				"audit(1700000000.%03u:%u): "
				"arch=c000003e syscall=%u\n",
				i % 1000, serial - 2, nr); /* a late record of another type */
			continue;
		}
		if (i % 4999 == 0) {
			fputs("Nov 14 22:13:00 node systemd[1]: Started something.\n", f);
			continue;
		}
		/* The kernel's format, and auditd's (read straight from the buffer). */
		if (i % 3)
			fprintf(f, "Nov 14 22:13:%02u node kernel: [%u.000000] audit: type=1326 ",
				i % 60, i);
		else
			fputs("type=SECCOMP msg=", f);
		fprintf(f,
			"audit(17000%05u.%03u:%u): auid=4294967295 uid=0 gid=0 ses=4294967295 "
			"pid=%u "
			"comm=\"w%u\" exe=\"/bin/w%u\" sig=0 arch=%s syscall=%u compat=0 "
			"ip=0x7f0000001234 code=%s\n",
			i / 1000, i % 1000, serial++, pid, pid % 11, pid % 11,
			i % 13 == 0 ? "40000003" : "c000003e", nr,
			i % 17 == 0 ? "0x50001" : "0x7ffc0000");
	}
	fputs("audit: type=1326 audit(1800000000.000:5): pid=1 comm=\"last\" arch=c000003e "
	      "syscall=1",
	      f);
}

START_TEST(feed_file_equals_line_by_line)
{
	char path[] = "/tmp/syscage-test-logs.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *seq = sc_logs_new(&o), *par = sc_logs_new(&o);
	struct sc_logs_source s1 = {}, s2 = {};
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w+");
	ck_assert_ptr_nonnull(f);
	write_big_log(f);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_gt(st.st_size, 3 * (8 << 20)); /* several chunks */
	rewind(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		ck_assert_int_ge(sc_logs_feed_line(seq, &s1, line, (size_t)n, rec), 0);
	}
	free(line);
	ck_assert_int_eq(sc_logs_feed_file(par, &s2, fd, 4, NULL, NULL), 0);
	fclose(f);
	unlink(path);

	ck_assert_uint_gt(sc_logs_stats(seq)->serial_gaps, 0);
	ck_assert_mem_eq(sc_logs_stats(seq), sc_logs_stats(par), sizeof(struct sc_logs_stats));
	ck_assert_uint_eq(s1.last_serial, s2.last_serial);
	ck_assert_uint_eq(sc_logs_n_groups(seq), sc_logs_n_groups(par));
	ck_assert_uint_eq(sc_logs_n_groups(seq), 12);
	for (size_t i = 0; i < sc_logs_n_groups(seq); i++) {
		const struct sc_logs_group *a = sc_logs_group(seq, i), *b = sc_logs_group(par, i);
		ck_assert_str_eq(a->key, b->key);
		ck_assert_str_eq(a->exe ? a->exe : "", b->exe ? b->exe : "");
		ck_assert_uint_eq(a->pid, b->pid);
		ck_assert_uint_eq(a->records, b->records);
		ck_assert_uint_eq(a->denied, b->denied);
		ck_assert_uint_eq(a->first_ms, b->first_ms);
		ck_assert_uint_eq(a->last_ms, b->last_ms);
		ck_assert_uint_eq(a->n_entries, b->n_entries);
		for (size_t k = 0; k < a->n_entries; k++) {
			ck_assert_int_eq(a->entries[k].arch, b->entries[k].arch);
			ck_assert_uint_eq(a->entries[k].nr, b->entries[k].nr);
			ck_assert_int_eq(a->entries[k].action, b->entries[k].action);
			ck_assert_uint_eq(a->entries[k].count, b->entries[k].count);
			ck_assert_uint_eq(a->entries[k].first_ms, b->entries[k].first_ms);
			ck_assert_uint_eq(a->entries[k].last_ms, b->entries[k].last_ms);
		}
	}
	sc_logs_free(seq);
	sc_logs_free(par);
}
END_TEST

/* The property behind reading a file in chunks: whatever the cuts, the result is one reader's.
 * Files of a few pids that run programs, exec (the next record of the pid under another comm),
 * fail an exec (the same comm goes on), end (another process takes the pid: no exec) and get
 * denials, cut into chunks of 60 to 700 bytes (SYSCAGE_TEST_CHUNK_BYTES), so that exec records
 * land before, on and after cuts, and chunks of one record; a fixed seed keeps it repeatable. */
static uint64_t prop_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The same workloads, records, entries, names and times in a and b; else why not, in why. */
static bool same_logs(struct sc_logs *a, struct sc_logs *b, char *why, size_t n)
{
	if (memcmp(sc_logs_stats(a), sc_logs_stats(b), sizeof(struct sc_logs_stats)) != 0)
		return snprintf(why, n, "statistics"), false;
	if (sc_logs_n_groups(a) != sc_logs_n_groups(b))
		return snprintf(why, n, "%zu groups, %zu", sc_logs_n_groups(a),
				sc_logs_n_groups(b)),
		       false;
	for (size_t i = 0; i < sc_logs_n_groups(a); i++) {
		const struct sc_logs_group *x = sc_logs_group(a, i), *y = sc_logs_group(b, i);
		if (strcmp(x->key, y->key) || strcmp(x->name, y->name) ||
		    strcmp(x->comm, y->comm) ||
		    strcmp(x->exe ? x->exe : "", y->exe ? y->exe : "") || x->pid != y->pid ||
		    x->records != y->records || x->denied != y->denied ||
		    x->first_ms != y->first_ms || x->last_ms != y->last_ms ||
		    x->n_entries != y->n_entries)
			return snprintf(why, n,
					"group %zu: %s (%s) %" PRIu64 " records, %s (%s) %" PRIu64,
					i, x->key, x->name, x->records, y->key, y->name,
					y->records),
			       false;
		for (size_t k = 0; k < x->n_entries; k++) {
			const struct sc_logs_entry *e = &x->entries[k], *f = &y->entries[k];
			if (e->arch != f->arch || e->nr != f->nr || e->action != f->action ||
			    e->count != f->count || e->first_ms != f->first_ms ||
			    e->last_ms != f->last_ms)
				return snprintf(why, n,
						"group %s: entry %zu (nr %u: %" PRIu64 ", %" PRIu64
						")",
						x->key, k, e->nr, e->count, f->count),
				       false;
		}
	}
	return true;
}

/* A seccomp record of the audit.log format. */
#define SREC(f, serial, pid, comm, nr)                                                            \
	fprintf(f,                                                                                \
		"type=SECCOMP msg=audit(1700000700.%03u:%u): pid=%u comm=\"%s\" exe=\"/bin/%s\" " \
		"sig=0 arch=c000003e syscall=%u code=0x7ffc0000\n",                               \
		(serial) % 1000, (serial), (pid), (comm), (comm), (nr))

/* The file f read line by line by one reader, --by 'by'. */
static struct sc_logs *read_serial(FILE *f, enum sc_logs_by by)
{
	struct sc_logs_options o = { .by = by };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source s = {};
	char line[512];

	ck_assert_ptr_nonnull(l);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		ck_assert_int_ge(sc_logs_feed_line(l, &s, line, strcspn(line, "\n"), rec), 0);
	return l;
}

/* The file f (descriptor fd) read by one reader and in chunks of 'chunk' bytes on 'threads'
 * threads, --by 'by': true when both give the same; else why not, in why. *rereads: how many
 * chunks the chunked read had to read again. */
static bool cuts_same(FILE *f, int fd, const char *chunk, enum sc_logs_by by, unsigned threads,
		      size_t *rereads, char *why, size_t n)
{
	struct sc_logs_options o = { .by = by };
	struct sc_logs *seq = read_serial(f, by), *par = sc_logs_new(&o);
	struct sc_logs_source s2 = {};
	bool same;

	ck_assert_ptr_nonnull(par);
	ck_assert_int_eq(setenv("SYSCAGE_TEST_CHUNK_BYTES", chunk, 1), 0);
	ck_assert_int_eq(sc_logs_feed_file(par, &s2, fd, threads, NULL, NULL), 0);
	ck_assert_int_eq(unsetenv("SYSCAGE_TEST_CHUNK_BYTES"), 0);
	*rereads += sc_logs_rereads(par);
	same = same_logs(seq, par, why, n);
	sc_logs_free(seq);
	sc_logs_free(par);
	return same;
}

START_TEST(feed_file_cuts_anywhere)
{
	static const char *const comms[] = { "sh", "app", "mid", "tool" };
	static const unsigned nrs[] = { 0, 1, 3, 9, 12, 257 };
	static const enum sc_logs_by bys[] = { SC_LOGS_BY_COMM, SC_LOGS_BY_PID, SC_LOGS_BY_EXE };
	uint64_t seed = 0x5eed2026;
	unsigned failed = 0, execs = 0;
	char first_why[512] = "";

	for (unsigned round = 0; round < 120; round++) {
		char path[] = "/tmp/syscage-test-logs.XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w+");
		unsigned comm[6], serial = 1, n = 20 + (unsigned)(prop_rand(&seed) % 60);
		char chunk[32];

		ck_assert_ptr_nonnull(f);
		for (unsigned p = 0; p < 6; p++)
			comm[p] = (unsigned)(prop_rand(&seed) % 4);
		for (unsigned i = 0; i < n; i++) {
			unsigned p = (unsigned)(prop_rand(&seed) % 6),
				 roll = prop_rand(&seed) % 100;
			unsigned nr = nrs[prop_rand(&seed) % 6];
			const char *code = roll < 8 ? "0x50001" : "0x7ffc0000";

			if (roll >= 8 && roll < 30) {
				nr = 59; /* execve: the pid's next record is of the new program */
				execs++;
			}
			fprintf(f,
				"type=SECCOMP msg=audit(1700000300.%03u:%u): auid=0 uid=0 gid=0 "
				"ses=1 "
				"pid=%u comm=\"%s\" exe=\"/bin/%s\" sig=0 arch=c000003e syscall=%u "
				"compat=0 ip=0x1 code=%s\n",
				i, serial++, 100 + p, comms[comm[p]], comms[comm[p]], nr, code);
			if (nr == 59 || roll >= 95) /* an exec (or a new process) of any program */
				comm[p] = (unsigned)(prop_rand(&seed) % 4);
		}
		ck_assert_int_eq(fflush(f), 0);
		snprintf(chunk, sizeof(chunk), "%u", 60 + (unsigned)(prop_rand(&seed) % 640));
		for (unsigned b = 0; b < 3; b++) {
			char why[256];
			size_t rereads = 0;

			if (!cuts_same(f, fd, chunk, bys[b], 2 + b % 2, &rereads, why,
				       sizeof(why)) &&
			    failed++ == 0)
				snprintf(first_why, sizeof(first_why),
					 "round %u, --by %s, chunks of %s: %s", round,
					 sc_logs_by_to_string(bys[b]), chunk, why);
		}
		fclose(f);
		unlink(path);
	}
	ck_assert_uint_gt(execs, 500); /* the property was put to the test */
	ck_assert_msg(failed == 0, "%u of 360 reads differ from one reader's; first: %s", failed,
		      first_why);
}
END_TEST

/* A run past RUN_MAX_RECORDS across a cut: pid 77 closes, fails an exec (sh goes on), reads
 * 1,500 times and execs app: no new entry after its 1,024th record, so one reader moves all of it
 * to app; pid 79 closes and reads 1,500 times, then execs app3: the execve is a new entry past
 * 1,024 records, the run is long and stays sh's (app3 has only its own record). Chunks of many
 * sizes put cuts in the reads, at the execs and after them. */
START_TEST(feed_file_long_run_across_a_cut)
{
	static const enum sc_logs_by bys[] = { SC_LOGS_BY_COMM, SC_LOGS_BY_PID };
	char path[] = "/tmp/syscage-test-logs.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	unsigned serial = 1, failed = 0;
	char chunk[32], first_why[512] = "";
	struct sc_logs *seq;

	ck_assert_ptr_nonnull(f);
	SREC(f, serial, 77, "sh", 3), serial++;
	SREC(f, serial, 77, "sh", 59), serial++;
	SREC(f, serial, 79, "sh", 3), serial++;
	for (unsigned i = 0; i < 1500; i++) {
		SREC(f, serial, 77, "sh", 0), serial++;
		SREC(f, serial, 79, "sh", 0), serial++;
		if (i % 100 == 0)
			SREC(f, serial, 10, "filler", 1), serial++;
	}
	SREC(f, serial, 77, "sh", 59), serial++;
	SREC(f, serial, 79, "sh", 59), serial++;
	SREC(f, serial, 77, "app", 231), serial++;
	SREC(f, serial, 79, "app3", 231), serial++;
	ck_assert_int_eq(fflush(f), 0);
	seq = read_serial(f, SC_LOGS_BY_COMM); /* what one reader makes of it */
	ck_assert_uint_eq(sc_logs_n_groups(seq), 4);
	ck_assert_str_eq(sc_logs_group(seq, 0)->key, "sh");
	ck_assert_uint_eq(sc_logs_group(seq, 0)->records, 1502);
	ck_assert_str_eq(sc_logs_group(seq, 2)->key, "app");
	ck_assert_uint_eq(sc_logs_group(seq, 2)->records, 1504);
	ck_assert_uint_eq(sc_logs_group(seq, 3)->records, 1);
	sc_logs_free(seq);
	for (unsigned size = 3000; size < 400000; size = size * 5 / 4 + 97) {
		snprintf(chunk, sizeof(chunk), "%u", size);
		for (unsigned b = 0; b < 2; b++) {
			char why[256];
			size_t rereads = 0;

			if (!cuts_same(f, fd, chunk, bys[b], 2, &rereads, why, sizeof(why)) &&
			    failed++ == 0)
				snprintf(first_why, sizeof(first_why), "--by %s, chunks of %s: %s",
					 sc_logs_by_to_string(bys[b]), chunk, why);
		}
	}
	fclose(f);
	unlink(path);
	ck_assert_msg(failed == 0, "%u reads differ from one reader's; first: %s", failed,
		      first_why);
}
END_TEST

/* A long-running server under an audit profile: its rare call (epoll_wait, 232) first comes
 * among its first records, then once after every 1,500 of its common ones, so that a chunk's
 * first run of it goes past RUN_MAX_RECORDS on an entry that the run before the cut had (the
 * run one reader has never goes long: no new entry after its 1,024th record). Every cut gives
 * one reader's result, with no chunk read twice (each such chunk was read twice). */
START_TEST(feed_file_rare_call_late)
{
	static const enum sc_logs_by bys[] = { SC_LOGS_BY_COMM, SC_LOGS_BY_PID };
	char path[] = "/tmp/syscage-test-logs.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	unsigned serial = 1, failed = 0, reads = 0;
	size_t rereads = 0;
	char chunk[32], first_why[512] = "", why[256];
	struct stat st;

	ck_assert_ptr_nonnull(f);
	SREC(f, serial, 500, "srv", 232), serial++;
	for (unsigned k = 0; k < 8; k++) {
		for (unsigned i = 0; i < 1500; i++) {
			SREC(f, serial, 500, "srv", i % 3), serial++;
			if (i % 400 == 0)
				SREC(f, serial, 10, "filler", 1), serial++;
		}
		SREC(f, serial, 500, "srv", 232), serial++;
	}
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	for (unsigned size = 20000; size < (unsigned)st.st_size; size = size * 5 / 4 + 97) {
		snprintf(chunk, sizeof(chunk), "%u", size);
		for (unsigned b = 0; b < 2; b++, reads++)
			if (!cuts_same(f, fd, chunk, bys[b], 2, &rereads, why, sizeof(why)) &&
			    failed++ == 0)
				snprintf(first_why, sizeof(first_why), "--by %s, chunks of %s: %s",
					 sc_logs_by_to_string(bys[b]), chunk, why);
	}
	fclose(f);
	unlink(path);
	ck_assert_msg(failed == 0, "%u of %u reads differ from one reader's; first: %s", failed,
		      reads, first_why);
	ck_assert_msg(rereads == 0, "%zu chunks read twice in %u reads", rereads, reads);
}
END_TEST

/* A run that goes past RUN_MAX_RECORDS in a chunk on an entry the run before the cut had, then
 * execs: pid 600 fails an exec (a goes on) and reads 2,200 times with an epoll_wait before and
 * after, then execs b. No new entry after its 1,024th record: one reader moves all of it to b,
 * wherever the cuts fall (a chunk that has the second epoll_wait past its first 1,024 records of
 * the pid had kept its run in a). */
START_TEST(feed_file_long_then_exec)
{
	static const enum sc_logs_by bys[] = { SC_LOGS_BY_COMM, SC_LOGS_BY_PID };
	char path[] = "/tmp/syscage-test-logs.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	unsigned serial = 1, failed = 0, reads = 0;
	size_t rereads = 0;
	char chunk[32], first_why[512] = "", why[256];
	struct stat st;

	ck_assert_ptr_nonnull(f);
	SREC(f, serial, 600, "a", 59), serial++;
	SREC(f, serial, 600, "a", 232), serial++;
	for (unsigned i = 0; i < 2200; i++)
		SREC(f, serial, 600, "a", 0), serial++;
	SREC(f, serial, 600, "a", 232), serial++;
	SREC(f, serial, 600, "a", 59), serial++;
	SREC(f, serial, 600, "b", 231), serial++;
	SREC(f, serial, 600, "b", 1), serial++;
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	for (unsigned size = 3000; size < (unsigned)st.st_size; size += 1009) {
		snprintf(chunk, sizeof(chunk), "%u", size);
		for (unsigned b = 0; b < 2; b++, reads++)
			if (!cuts_same(f, fd, chunk, bys[b], 2, &rereads, why, sizeof(why)) &&
			    failed++ == 0)
				snprintf(first_why, sizeof(first_why), "--by %s, chunks of %s: %s",
					 sc_logs_by_to_string(bys[b]), chunk, why);
	}
	fclose(f);
	unlink(path);
	ck_assert_msg(failed == 0, "%u of %u reads differ from one reader's; first: %s", failed,
		      reads, first_why);
}
END_TEST

/* The property of feed_file_cuts_anywhere on logs of more pids than the table of runs holds
 * (RUN_MAX_PIDS, 65,536): one reader forgets every run at the record after the 65,536th pid's
 * first, and a chunked read must forget them at that same record. Each file has 66,000 to 69,000
 * pids of one record and six pids that exec, fail execs and end as in feed_file_cuts_anywhere,
 * most often around where the table fills; chunks of 100 KB to 3 MB, and of the whole file
 * (which fills a chunk's own table). */
START_TEST(feed_file_cuts_anywhere_many_pids)
{
	static const char *const comms[] = { "sh", "app", "mid", "tool" };
	static const unsigned nrs[] = { 0, 1, 3, 9, 12, 257 };
	static const enum sc_logs_by bys[] = { SC_LOGS_BY_COMM, SC_LOGS_BY_PID, SC_LOGS_BY_EXE };
	uint64_t seed = 0x9e3779b9;
	unsigned failed = 0, reads = 0, execs = 0;
	size_t rereads = 0;
	char first_why[512] = "";

	for (unsigned round = 0; round < 3; round++) {
		char path[] = "/tmp/syscage-test-logs.XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w+");
		unsigned comm[6], serial = 1, uniques = 66000 + (unsigned)(prop_rand(&seed) % 3000);
		char chunk[32], why[256];
		struct stat st;

		ck_assert_ptr_nonnull(f);
		for (unsigned p = 0; p < 6; p++)
			comm[p] = (unsigned)(prop_rand(&seed) % 4);
		for (unsigned u = 0; u < uniques;) {
			bool near = u > 65536 - 400 && u < 65536 + 100;
			if (prop_rand(&seed) % (near ? 3 : 40)) {
				fprintf(f,
					"audit: type=1326 audit(1700000800.%03u:%u): pid=%u "
					"comm=\"w\" "
					"exe=\"/w\" sig=0 arch=c000003e syscall=%u "
					"code=0x7ffc0000\n",
					serial % 1000, serial, 200000 + u,
					nrs[prop_rand(&seed) % 6]);
				serial++, u++;
				continue;
			}
			unsigned p = (unsigned)(prop_rand(&seed) % 6),
				 roll = prop_rand(&seed) % 100;
			unsigned nr = nrs[prop_rand(&seed) % 6];
			const char *code = roll < 8 ? "0x50001" : "0x7ffc0000";

			if (roll >= 8 && roll < 30) {
				nr = 59;
				execs++;
			}
			fprintf(f,
				"audit: type=1326 audit(1700000800.%03u:%u): pid=%u comm=\"%s\" "
				"exe=\"/bin/%s\" sig=0 arch=c000003e syscall=%u code=%s\n",
				serial % 1000, serial, 100 + p, comms[comm[p]], comms[comm[p]], nr,
				code);
			serial++;
			if (nr == 59 || roll >= 95)
				comm[p] = (unsigned)(prop_rand(&seed) % 4);
		}
		ck_assert_int_eq(fflush(f), 0);
		ck_assert_int_eq(fstat(fd, &st), 0);
		/* A table of 65,536 runs is 69 MB: few reads, each --by with a cut of its own,
		 * one with the whole file. */
		for (unsigned b = 0; b < 3; b++)
			for (unsigned k = 0; k < (b == round ? 2u : 1u); k++, reads++) {
				unsigned size =
					k == 1 ? (unsigned)st.st_size
					       : 100000 + (unsigned)(prop_rand(&seed) % 3000000);
				snprintf(chunk, sizeof(chunk), "%u", size);
				if (!cuts_same(f, fd, chunk, bys[b], 2, &rereads, why,
					       sizeof(why)) &&
				    failed++ == 0)
					snprintf(first_why, sizeof(first_why),
						 "round %u, --by %s, chunks of %s: %s", round,
						 sc_logs_by_to_string(bys[b]), chunk, why);
			}
		fclose(f);
		unlink(path);
	}
	ck_assert_uint_gt(execs, 150);
	ck_assert_msg(failed == 0, "%u of %u reads differ from one reader's; first: %s", failed,
		      reads, first_why);
}
END_TEST
#undef SREC

/* A last line without a '\n' that a cut between chunks falls into is read whole, once. */
START_TEST(feed_file_final_line_across_a_cut)
{
	char path[] = "/tmp/syscage-test-logs.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct sc_logs_options o = { .by = SC_LOGS_BY_COMM };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	const struct sc_logs_group *g;
	unsigned n = 0;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w+");
	ck_assert_ptr_nonnull(f);
	for (; ftell(f) < (6 << 20); n++)
		fprintf(f,
			"type=SECCOMP msg=audit(1700000000.%03u:%u): pid=7 comm=\"a\" exe=\"/a\" "
			"sig=0 arch=c000003e syscall=0 code=0x7ffc0000\n",
			n % 1000, n + 1);
	/* 6 MiB of lines, then one of 5 MiB over the cuts at 8 MiB. */
	fprintf(f, "type=SECCOMP msg=audit(1700000001.000:%u): pid=8 comm=\"z\" exe=\"/", n + 1);
	for (unsigned i = 0; i < (5u << 20) / 64; i++)
		fputs("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", f);
	fputs("\" sig=0 arch=c000003e syscall=1 code=0x7ffc0000", f);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(sc_logs_feed_file(l, &src, fd, 2, NULL, NULL), 0);
	fclose(f);
	unlink(path);

	ck_assert_uint_eq(sc_logs_stats(l)->records, n + 1);
	ck_assert_uint_eq(sc_logs_stats(l)->serial_gaps, 0);
	ck_assert_uint_eq(sc_logs_n_groups(l), 2);
	g = sc_logs_group(l, 1);
	ck_assert_str_eq(g->key, "z");
	ck_assert_uint_eq(g->records, 1);
	ck_assert_uint_eq(strlen(g->exe), SC_AUDIT_EXE_MAX - 1);
	ck_assert_str_eq(g->entries[0].name, "write");
	sc_logs_free(l);
}
END_TEST

START_TEST(feed_file_not_regular)
{
	struct sc_logs *l = sc_logs_new(NULL);
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sc_logs_feed_file(l, NULL, p[0], 2, NULL, NULL), -ESPIPE);
	close(p[0]);
	close(p[1]);
	sc_logs_free(l);
}
END_TEST

/* ---- live: the kernel's own records ---------------------------------------------------- */

static void child_under_log_filter(unsigned burst)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG) };
	struct sock_fprog prog = { .len = 1, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		_exit(99);
	(void)syscall(SYS_getppid);
	for (unsigned i = 0; i < burst; i++)
		(void)syscall(SYS_getpid);
	_exit(0);
}

static pid_t run_child(unsigned burst)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child_under_log_filter(burst);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	return pid;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

START_TEST(live_kmsg)
{
	struct sc_logs_options o = { .by = SC_LOGS_BY_PID };
	struct sc_logs *l = sc_logs_new(&o);
	struct sc_logs_source src = {};
	const struct sc_logs_group *ga = NULL, *gb = NULL;
	pid_t a = 0, b = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(lseek(fd, 0, SEEK_END), 0);
	/* Other processes on the machine share the printk budget: try up to three times to
	 * get records of both children. */
	for (int attempt = 0; attempt < 3 && !(ga && gb); attempt++) {
		struct sc_line_reader r;
		const char *line;
		size_t len;
		int k;

		/* A fresh printk rate-limit interval (5 s, 10 messages by default). */
		sleep_ms(5200);
		a = run_child(3000);
		/* "callbacks suppressed" comes with the first message after the interval. */
		sleep_ms(5200);
		b = run_child(0);
		sleep_ms(200);
		ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
		while ((k = sc_line_reader_next(&r, false, &line, &len)) != 0) {
			if (k == -EPIPE)
				continue;
			ck_assert_int_eq(k, 1);
			ck_assert_int_ge(sc_logs_feed_line(l, &src, line, len, rec), 0);
		}
		sc_line_reader_done(&r);
		ga = gb = NULL;
		for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
			const struct sc_logs_group *g = sc_logs_group(l, i);
			if (g->pid == (uint32_t)a &&
			    find_entry(g, sc_arch_native(), "getppid", SC_ACT_LOG))
				ga = g;
			if (g->pid == (uint32_t)b &&
			    find_entry(g, sc_arch_native(), "getppid", SC_ACT_LOG))
				gb = g;
		}
	}
	close(fd);
	ck_assert_msg(ga != NULL, "no getppid record of the first child (pid %d)", a);
	ck_assert_ptr_nonnull(find_entry(ga, sc_arch_native(), "getpid", SC_ACT_LOG));
	ck_assert_msg(ga->records < 3000, "the rate limit kept %llu records",
		      (unsigned long long)ga->records);
	ck_assert_msg(gb != NULL, "no getppid record of the second child (pid %d)", b);
	/* With the default printk rate limit the burst was cut, and we say so. */
	struct sc_logs_stats *s = sc_logs_stats(l);
	ck_assert(sc_logs_stats_lossy(s));
	ck_assert_msg(s->suppressed > 1000, "suppressed %llu", (unsigned long long)s->suppressed);
	ck_assert_uint_gt(s->serial_gaps, 1000);
	sc_logs_free(l);
}
END_TEST

/* The seccomp records reach /dev/kmsg when we are root, audit is not disabled on the kernel
 * command line and no auditd takes them. */
static const char *live_skip_reason(void)
{
	char buf[4096], path[300];
	ssize_t n;
	int fd;

	if (geteuid() != 0)
		return "needs root (/dev/kmsg, seccomp audit records)";
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return "cannot open /dev/kmsg";
	close(fd);
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (strstr(buf, "audit=0"))
		return "audit=0 on the kernel command line";
	static const char *const rl[] = { "/proc/sys/kernel/printk_ratelimit",
					  "/proc/sys/kernel/printk_ratelimit_burst" };
	static const char *const want[] = { "5\n", "10\n" };
	for (size_t i = 0; i < 2; i++) {
		fd = open(rl[i], O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		if (strcmp(buf, want[i]) != 0)
			return "kernel.printk_ratelimit(_burst) is not the default 5 s / 10";
	}
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n == 7 && memcmp(buf, "auditd\n", 7) == 0) {
			closedir(d);
			return "auditd is running: records go to audit.log, not /dev/kmsg";
		}
	}
	if (d)
		closedir(d);
	return NULL;
}

/* Following a file (audit/follow.c): growth is no rotation, a truncation below where we read
 * is, a new file under the name is; the copytruncate copy is read from where we were. */
START_TEST(follow_rotation)
{
	char dir[] = "/tmp/test-logs-follow.XXXXXX", path[256], old[300];
	struct sc_follow f, copy;
	const char *line;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	write_file(path, "one\n");
	ck_assert_int_eq(sc_follow_init(&f, path, false, false, 0), 0);
	ck_assert_int_eq(sc_follow_open(&f, false), 0);
	ck_assert_int_eq(sc_line_reader_next(&f.r, false, &line, &len), 1);
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_SAME);
	/* copytruncate: the copy holds "two", written after what we read. */
	snprintf(old, sizeof(old), "%s.1", path);
	write_file(old, "one\ntwo\n");
	write_file(path, "");
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_TRUNCATED);
	ck_assert_int_eq(sc_follow_open_copy(&f, f.r.offset, &copy), 1);
	ck_assert_int_eq(sc_line_reader_next(&copy.r, true, &line, &len), 1);
	ck_assert(len == 3 && memcmp(line, "two", 3) == 0);
	sc_follow_done(&copy);
	ck_assert_int_eq(sc_follow_rewind(&f), 0);
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_SAME);
	/* #16.5: truncated and refilled to the size we had read before we looked: the same
	 * inode and no smaller, told by the first bytes; growth alone is no truncation. */
	ck_assert_int_eq(sc_line_reader_next(&f.r, false, &line, &len), 0);
	write_file(path, "uno\n");
	ck_assert_int_eq(sc_line_reader_next(&f.r, false, &line, &len), 1);
	ck_assert(len == 3 && memcmp(line, "uno", 3) == 0);
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_SAME);
	write_file(old, "uno\ndos\n");
	write_file(path, "UNO\nDOS\n"); /* past where we read */
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_TRUNCATED);
	ck_assert_int_eq(sc_follow_open_copy(&f, f.r.offset, &copy), 1);
	ck_assert_int_eq(sc_line_reader_next(&copy.r, true, &line, &len), 1);
	ck_assert(len == 3 && memcmp(line, "dos", 3) == 0);
	sc_follow_done(&copy);
	ck_assert_int_eq(sc_follow_rewind(&f), 0);
	ck_assert_int_eq(sc_line_reader_next(&f.r, false, &line, &len), 1);
	ck_assert(len == 3 && memcmp(line, "UNO", 3) == 0);
	/* A PATH.1 that is not a copy of this file is not read; no copy at all is told apart. */
	write_file(old, "other\nlines\n");
	ck_assert_int_eq(sc_follow_open_copy(&f, 4, &copy), -ENOENT);
	ck_assert_int_eq(unlink(old), 0);
	ck_assert_int_eq(sc_follow_open_copy(&f, 4, &copy), -ENOENT);
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_SAME);
	/* rename + create */
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_SAME); /* not created yet */
	write_file(path, "three\n");
	ck_assert_int_eq(sc_follow_check(&f), SC_FOLLOW_REPLACED);
	ck_assert_int_eq(sc_follow_reopen(&f), 0);
	ck_assert_int_eq(sc_line_reader_next(&f.r, false, &line, &len), 1);
	ck_assert(len == 5 && memcmp(line, "three", 5) == 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(sc_follow_reopen(&f), -ENOENT);
	ck_assert_int_eq(f.fd, -1);
	sc_follow_done(&f);
	ck_assert_ptr_null(f.path);
	(void)unlink(old);
	(void)rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("logs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, groups_and_profile);
	tcase_add_test(tc, by_keys_and_filters);
	tcase_add_test(tc, exec_follows_pid);
	tcase_add_test(tc, exec_run_in_two_groups);
	tcase_add_test(tc, violations);
	tcase_add_test(tc, loss_accounting);
	tcase_add_test(tc, loss_window);
	tcase_add_test(tc, kmsg_wrapped);
	tcase_add_test(tc, cgroup_paths);
	tcase_add_test(tc, by_container);
	tcase_add_test(tc, many);
	tcase_add_test(tc, by_comm_keys);
	tcase_add_test(tc, short_way_guesses);
	tcase_add_test(tc, feed_file_final_line_across_a_cut);
	tcase_add_test(tc, feed_file_not_regular);
	tcase_add_test(tc, follow_rotation);
	suite_add_tcase(s, tc);

	/* Files read in chunks (many cuts), each against one reader: seconds each under the
	 * sanitizers on a loaded machine, past Check's default 4 s. */
	TCase *cuts = tcase_create("cuts");
	tcase_add_checked_fixture(cuts, setup, teardown);
	tcase_set_timeout(cuts, 240);
	tcase_add_test(cuts, feed_file_equals_line_by_line);
	tcase_add_test(cuts, feed_file_cuts_anywhere);
	tcase_add_test(cuts, feed_file_long_run_across_a_cut);
	tcase_add_test(cuts, feed_file_rare_call_late);
	tcase_add_test(cuts, feed_file_long_then_exec);
	tcase_add_test(cuts, feed_file_cuts_anywhere_many_pids);
	suite_add_tcase(s, cuts);

	const char *why = live_skip_reason();
	if (why) {
		tap_skip("live_kmsg", "%s", why);
	} else {
		TCase *live = tcase_create("live");
		tcase_add_checked_fixture(live, setup, teardown);
		tcase_set_timeout(live, 120);
		tcase_add_test(live, live_kmsg);
		suite_add_tcase(s, live);
	}
	return s;
}

int main(void)
{
	return tap_run(suite());
}
