/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage logs: seccomp audit records from kmsg, dmesg, syslog, the journal or auditd ->
 * one least-privilege profile per workload, or a violation report; says when records were
 * lost. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "syscage/denials.h"
#include "syscage/pods.h"
#include "syscage/violations.h"
#include "base/install.h"
#include "audit/follow.h"

const char cmd_logs_help[] =
	"Usage: syscage logs [OPTIONS] [FILE...|-]\n"
	"       syscage logs --kmsg [--follow] [OPTIONS]\n"
	"\n"
	"Read the kernel's seccomp audit records (type=1326 / type=SECCOMP) and write one\n"
	"least-privilege profile per workload: defaultAction SCMP_ACT_ERRNO, the\n"
	"architectures the workload used, and an SCMP_ACT_ALLOW rule per architecture with\n"
	"every syscall it made, named with that architecture's table (i386 and x32 calls\n"
	"of a 64-bit process get their own names). Records come from a workload run under\n"
	"an SCMP_ACT_LOG profile (see 'syscage audit-profile'). Syscalls the kernel denied\n"
	"(ERRNO, KILL, TRAP) are not added; see them with --violations.\n"
	"\n"
	"Every format a node keeps is read, mixed in one file if need be: /dev/kmsg\n"
	"records, dmesg (with or without [timestamps]), syslog (traditional and RFC 5424),\n"
	"journalctl -k text and -o json, auditd's audit.log (raw and ENRICHED). Other\n"
	"lines are skipped and counted. With no FILE, standard input is read.\n"
	"\n"
	"Lost records are missing syscalls. syscage counts what the kernel says it dropped\n"
	"('kauditd_printk_skb: N callbacks suppressed', 'audit: rate limit exceeded',\n"
	"'audit: backlog limit exceeded', audit_lost=N) and gaps in the audit serial\n"
	"numbers, warns with the numbers and the fix, and with --strict exits 3.\n"
	"\n"
	"Options:\n"
	"  -k, --kmsg             read /dev/kmsg (root or CAP_SYSLOG) instead of files\n"
	"  -f, --follow           keep reading as the log grows, across rotation (rename +\n"
	"                         create, and copytruncate); Ctrl-C ends and writes the result\n"
	"      --since T          only records at or after T; --until T: at or before T.\n"
	"      --until T          T: seconds since the epoch (1700000000, @1700000000.5),\n"
	"                         '2026-11-23 10:00:00' (local), '2026-11-23T10:00:00Z' (UTC),\n"
	"                         or relative: -30s, -10m, -2h, -1d\n"
	"  -b, --by KEY           group workloads by comm (default), pid, exe or container\n"
	"                         (container: /proc/<pid>/cgroup of live processes, for\n"
	"                         containerd, CRI-O, Docker and podman; cgroup v1 and v2;\n"
	"                         comm when the process is gone or not in a container)\n"
	"  -p, --pid N            only records of process N\n"
	"  -c, --comm NAME        only records of processes named NAME\n"
	"  -o, --output PATH      write the profile to PATH; with several workloads PATH is a\n"
	"                         directory (created if missing) with one file per workload\n"
	"                         (default: standard output, one workload only); with\n"
	"                         --violations, the report (written whole or not at all)\n"
	"  -F, --format FMT       oci (default), spo (SeccompProfile) or kubearmor\n"
	"  -V, --violations       report denied/killed syscalls per workload instead: arch,\n"
	"                         syscall, action, count, first and last time\n"
	"  -P, --propose          (implies --violations) per workload, the profile\n"
	"                         additions that would have let the denied calls through,\n"
	"                         in words and as an OCI fragment (architectures + ALLOW)\n"
	"  -H, --heal NS/POD-GLOB (implies --violations) merge those additions into the\n"
	"                         recorded profile of each matching pod's container,\n"
	"                         STATE/recorded/NS/POD/CONTAINER.json, for review (an\n"
	"                         enforced profile is never touched); fnmatch globs, a\n"
	"                         glob without '/' matches the pod in any namespace\n"
	"      --state-dir DIR    STATE for --heal (default /var/lib/syscage, the agent's)\n"
	"      --base B           none (default) or runtime: add to every learned profile\n"
	"                         what runc calls after it has loaded the filter (execve,\n"
	"                         the Go runtime's futex, ...); use it for profiles given\n"
	"                         to container runtimes\n"
	"      --host-root DIR    the node's / is mounted at DIR (a container with a\n"
	"                         hostPath): pods and containers are looked up in DIR/proc,\n"
	"                         DIR/sys/fs/cgroup, DIR/var/log/containers, DIR/var/log/pods\n"
	"  -s, --strict           exit 3 when records were lost\n"
	"  -j, --output-format F  text (default) or json, for the report and the summary\n"
	"  -h, --help             this text\n"
	"\n"
	"Examples:\n"
	"  syscage audit-profile -o /var/lib/kubelet/seccomp/profiles/audit.json\n"
	"  syscage logs /var/log/syslog --comm http-echo -o http-echo.json\n"
	"  journalctl -k -o json | syscage logs --by exe -o profiles/\n"
	"  syscage logs --kmsg --follow --by container -o profiles/\n"
	"  syscage logs /var/log/audit/audit.log --violations --since -1h\n"
	"  dmesg | syscage logs --violations --output-format json\n"
	"  syscage logs --kmsg --violations --propose\n"
	"  syscage logs --kmsg --violations --heal 'shop/web-*' --state-dir /var/lib/syscage\n"
	"\n"
	"Records are rate limited when auditd is not running (the kernel keeps about 10 per\n"
	"5 s). For complete profiles run auditd, or raise the limits:\n"
	"  sysctl kernel.printk_ratelimit=0   (or printk_ratelimit_burst=10000)\n"
	"  auditctl -b 8192                   (audit_backlog_limit=8192 at boot)\n"
	"Audit serial numbers are shared by all audit records: a log filtered with grep\n"
	"has gaps, and they are reported as possible loss.\n"
	"\n"
	"Workloads of --propose and --heal: a denial is attributed when it is read. A\n"
	"process still running in a pod's container is that container (cgroup -> container\n"
	"id -> the kubelet's /var/log/containers and /var/log/pods links, both cgroup\n"
	"drivers, containerd/CRI-O/docker); one in another container (podman, ctr) is that\n"
	"container; a process that is gone, or whose pid now belongs to a younger process,\n"
	"falls back to --by (comm by default) and cannot be healed. The agent attributes\n"
	"denials live, while the process runs; run this right after the failure, or heal\n"
	"through the agent. A denied syscall never reaches a recorder's sys_enter\n"
	"tracepoint: 'syscage record' cannot learn it, these records are the way back.\n"
	"\n"
	"Exit status: 0 ok; 1 no records, bad input, or (with --violations) denials found;\n"
	"2 usage; 3 records were lost (--strict). --heal exits 0 when every matching\n"
	"profile was written (or nothing matched), 1 when one could not be.\n";

/* Room for a workload's name escaped for text (sc_audit_escape: 4 bytes per odd byte). */
#define NAME_TEXT (4 * 256 + 1)

/* The flags, parsed. */
static struct sc_logs_options arg_opts = { .by = SC_LOGS_BY_COMM };
static enum sc_record_base arg_base = SC_RECORD_BASE_NONE;
static bool arg_kmsg, arg_follow, arg_violations, arg_strict, arg_json, arg_propose;
static const char *arg_out, *arg_heal, *arg_state_dir, *arg_host_root;
static struct sc_pods_paths arg_pods_paths;
static char arg_proc_buf[PATH_MAX], arg_cg_buf[PATH_MAX], arg_cl_buf[PATH_MAX],
	arg_pl_buf[PATH_MAX];
static enum sc_format arg_fmt = SC_FORMAT_OCI;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct input {
	struct sc_follow f;	/* path NULL: stdin; "/dev/kmsg" with kmsg */
	uint64_t overlong_seen; /* f.r.overlong already added to the statistics */
	struct sc_logs_source src;
	bool kmsg_seen; /* the oldest /dev/kmsg record was looked at */
};

struct propose;

static void inputs_free(struct input *inputs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_follow_done(&inputs[i].f);
	free(inputs);
}

static const char *input_name(const struct input *in)
{
	return in->f.path ? in->f.path : "standard input";
}

struct ctx {
	struct sc_logs *logs;
	struct sc_audit_record *rec;
	struct propose *prop; /* --propose / --heal */
	bool progress;
	int err;
};

static int propose_add(struct propose *pr, const struct sc_audit_record *rec);

static int parse_time(const char *s, uint64_t *ret)
{
	struct tm tm = {};
	char *end;
	const char *p;

	if (streq(s, "now")) {
		*ret = (uint64_t)time(NULL) * 1000;
		return 0;
	}
	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
		unsigned long v = strtoul(s + 1, &end, 10);
		unsigned long mul = streq(end, "s") || !*end ? 1
				    : streq(end, "m")	     ? 60
				    : streq(end, "h")	     ? 3600
				    : streq(end, "d")	     ? 86400
							     : 0;
		if (!mul)
			return -EINVAL;
		uint64_t now = (uint64_t)time(NULL);
		uint64_t d = (uint64_t)v * mul;
		*ret = (now > d ? now - d : 0) * 1000;
		return 0;
	}
	p = s[0] == '@' ? s + 1 : s;
	if (*p >= '0' && *p <= '9' && !strchr(p, '-')) {
		double v = strtod(p, &end);
		if (*end || v < 0)
			return -EINVAL;
		*ret = (uint64_t)(v * 1000.0 + 0.5);
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -EINVAL;
	if (*end == ' ' || *end == 'T') {
		char *e2 = strptime(end + 1, "%H:%M:%S", &tm);
		if (!e2)
			e2 = strptime(end + 1, "%H:%M", &tm);
		if (!e2)
			return -EINVAL;
		end = e2;
	}
	time_t t;
	if (streq(end, "Z") || streq(end, "UTC") || streq(end, " UTC"))
		t = timegm(&tm);
	else if (!*end) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else
		return -EINVAL;
	if (t < 0)
		return -EINVAL;
	*ret = (uint64_t)t * 1000;
	return 0;
}

static void format_time(uint64_t ms, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (!ms || !gmtime_r(&t, &tm)) {
		(void)snprintf(buf, size, "-");
		return;
	}
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf + n, size - n, ".%03uZ", (unsigned)(ms % 1000));
}

/* "reading FILE: 42% (420 MiB)" once a second on a terminal; done=true clears the line. */
static void progress_at(const char *path, uint64_t offset, uint64_t size, bool done)
{
	static time_t last;
	time_t now = time(NULL);

	if (done) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	if (now == last || !size)
		return;
	last = now;
	fprintf(stderr, "\rsyscage: reading %s: %3u%% (%llu MiB)\033[K", path ? path : "-",
		(unsigned)(offset * 100 / size), (unsigned long long)(offset >> 20));
}

static void progress(struct input *in, bool done)
{
	progress_at(in->f.path, in->f.r.offset, in->f.size, done);
}

static void progress_chunks(uint64_t done, uint64_t total, void *userdata)
{
	const struct input *in = userdata;

	progress_at(in->f.path, done, total, false);
}

/* A whole regular file at once, on every CPU (sc_logs_feed_file: the same result as line by
 * line). Not for --follow, /dev/kmsg or --propose (which looks at each record as it is read).
 * Returns 1 when done, 0 when the input must be read line by line, <0 on errors. */
static int read_whole(struct ctx *c, struct input *in)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r;

	if (in->f.kmsg || c->prop)
		return 0;
	r = sc_logs_feed_file(c->logs, &in->src, in->f.fd, cpus > 0 ? (unsigned)cpus : 1,
			      c->progress ? progress_chunks : NULL, in);
	if (r == -ESPIPE)
		return 0;
	if (r < 0) {
		cli_error("reading %s: %s", input_name(in), strerror(-r));
		return r;
	}
	return 1;
}

/* The first record read from /dev/kmsg is the oldest it holds: does the ring still reach back
 * to the window? Its time is since boot; the wall clock's boot time converts it. */
static int next_kmsg_first(struct ctx *c, struct input *in, bool flush)
{
	struct timespec rt, mono;
	uint64_t seq, usec;
	const char *line;
	size_t len;
	int r = sc_line_reader_next(&in->f.r, flush, &line, &len);

	if (r <= 0)
		return r;
	in->kmsg_seen = true;
	(void)sc_audit_parse_line_skip(line, len, SC_LOGS_PARSE_SKIP, c->rec);
	if (sc_audit_kmsg_header(line, len, &seq, &usec) == 0 &&
	    clock_gettime(CLOCK_REALTIME, &rt) == 0 && clock_gettime(CLOCK_MONOTONIC, &mono) == 0) {
		int64_t boot_ms = ((int64_t)rt.tv_sec - mono.tv_sec) * 1000 +
				  (rt.tv_nsec - mono.tv_nsec) / 1000000;
		sc_logs_kmsg_oldest(c->logs, seq, (uint64_t)(boot_ms + (int64_t)(usec / 1000)),
				    c->rec);
	}
	return r;
}

/* Read all complete lines available now; 'flush' also returns a final unterminated line. */
static int drain(struct ctx *c, struct input *in, bool flush)
{
	uint64_t n = 0;

	for (;;) {
		int r = in->f.kmsg && !in->kmsg_seen
				? next_kmsg_first(c, in, flush)
				: sc_line_reader_next_record(&in->f.r, flush, SC_LOGS_PARSE_SKIP,
							     c->rec);
		if (r == -EPIPE && in->f.kmsg) {
			/* /dev/kmsg: records were overwritten in the ring before we read them. */
			sc_logs_stats(c->logs)->kmsg_overruns++;
			continue;
		}
		if (r == -EINTR) {
			if (stop)
				return 0;
			continue;
		}
		if (r < 0) {
			cli_error("reading %s: %s", input_name(in), strerror(-r));
			return r;
		}
		if (r == 0) {
			/* Lines the reader skipped for length count as skipped records. */
			sc_logs_stats(c->logs)->overlong += in->f.r.overlong - in->overlong_seen;
			in->overlong_seen = in->f.r.overlong;
			return 0;
		}
		uint64_t accepted = sc_logs_stats(c->logs)->records;
		r = sc_logs_add(c->logs, &in->src, c->rec);
		if (r < 0) {
			cli_error("out of memory");
			return r;
		}
		/* A record that passed --pid/--comm/--since/--until: attribute it now, while
		 * its process may still run. */
		if (c->prop && c->rec->kind == SC_AUDIT_SECCOMP &&
		    sc_logs_stats(c->logs)->records != accepted) {
			r = propose_add(c->prop, c->rec);
			if (r < 0) {
				cli_error("out of memory");
				return r;
			}
		}
		if (c->progress && (++n & 0xfffff) == 0)
			progress(in, false);
	}
}

/* A copytruncate moved the lines written after our last read to PATH.1: read them there. */
static int recover_from_copy(struct ctx *c, struct input *in, uint64_t offset)
{
	struct input copy = { .src = in->src };
	int r = sc_follow_open_copy(&in->f, offset, &copy.f);

	if (r == -ENOENT) {
		/* Whatever was written after 'offset' before the truncation is gone to us. */
		sc_logs_stats(c->logs)->truncated_unread++;
		cli_warn("%s was truncated with no copy %s.1 to read its end from (after byte "
			 "%llu): records may be missing",
			 input_name(in), input_name(in), (unsigned long long)offset);
		return 0;
	}
	if (r <= 0)
		return r;
	r = drain(c, &copy, true);
	in->src = copy.src;
	sc_follow_done(&copy.f);
	return r < 0 ? r : 0;
}

/* Check a followed file for rotation; returns 0 or -errno. */
static int check_rotation(struct ctx *c, struct input *in)
{
	int r;

	switch (sc_follow_check(&in->f)) {
	case SC_FOLLOW_SAME:
		return 0;
	case SC_FOLLOW_TRUNCATED:
		r = recover_from_copy(c, in, in->f.r.offset);
		return r < 0 ? r : sc_follow_rewind(&in->f);
	case SC_FOLLOW_REPLACED:
		break;
	}
	/* Renamed and re-created: finish the old file, then start on the new one. */
	r = drain(c, in, true);
	if (r < 0)
		return r;
	r = sc_follow_reopen(&in->f);
	return r == -ENOENT ? 0 : r;
}

static int follow(struct ctx *c, struct input *inputs, size_t n)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd[1];
	int r;

	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		uint64_t before = sc_logs_stats(c->logs)->lines;
		for (size_t i = 0; i < n && !stop; i++) {
			if (inputs[i].f.fd < 0) {
				if (sc_follow_open(&inputs[i].f, false) < 0)
					continue;
			}
			/* Rotation first: a file truncated and refilled past where we read must
			 * not be read on from there. */
			r = check_rotation(c, &inputs[i]);
			if (r < 0)
				return r;
			r = drain(c, &inputs[i], false);
			if (r < 0)
				return r;
		}
		if (stop || sc_logs_stats(c->logs)->lines != before)
			continue;
		/* Nothing new: wait for kmsg, or poll the files a few times a second. */
		if (n == 1 && inputs[0].f.kmsg) {
			pfd[0] = (struct pollfd){ .fd = inputs[0].f.fd, .events = POLLIN };
			(void)poll(pfd, 1, 1000);
		} else {
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			(void)nanosleep(&ts, NULL);
		}
	}
	/* Whatever is left, including an unterminated last line. */
	for (size_t i = 0; i < n; i++)
		if (inputs[i].f.fd >= 0)
			(void)drain(c, &inputs[i], !inputs[i].f.kmsg);
	return 0;
}

/* A file name from a workload name: [A-Za-z0-9._-], no leading dot, at most 100 bytes. */
static void sanitize(const char *name, char *buf, size_t size, bool dns)
{
	size_t o = 0;

	for (const char *p = name; *p && o + 1 < size && o < 100; p++) {
		char ch = *p;
		if (dns) {
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
				ch = '-';
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			ch = '_';
		if (o == 0 && (ch == '.' || ch == '_' || ch == '-') && p[1])
			continue; /* "/usr/bin/x" -> "usr_bin_x"; never ".hidden" or ".." */
		buf[o++] = ch;
	}
	while (dns && o > 0 && buf[o - 1] == '-')
		o--;
	if (o > 0 && buf[0] == '.')
		buf[0] = '_';
	buf[o] = 0;
	if (!o)
		(void)snprintf(buf, size, "workload");
	if (dns && o > 63)
		buf[63] = 0;
}

static const char *format_ext(enum sc_format f)
{
	return f == SC_FORMAT_OCI ? ".json" : ".yaml";
}

static int build_profile(struct sc_logs *l, size_t i, enum sc_format fmt, struct sc_profile **ret)
{
	const struct sc_logs_group *g = sc_logs_group(l, i);
	struct sc_profile *p = NULL;
	char dns[128];
	int r = sc_logs_group_profile_with(l, i, arg_base, &p);

	if (r < 0)
		return r;
	if (fmt != SC_FORMAT_OCI) {
		sanitize(g->name, dns, sizeof(dns), true);
		p->meta.name = strdup(dns);
		if (!p->meta.name) {
			sc_profile_free(p);
			return -ENOMEM;
		}
	}
	p->meta.format = fmt;
	*ret = p;
	return 0;
}

static void print_loss(const struct sc_logs_stats *s)
{
	char what[512];
	size_t o = 0;

#define ADD(...)                                                                \
	o += (size_t)snprintf(what + o, sizeof(what) - o, "%s", o ? ", " : ""); \
	o += (size_t)snprintf(what + o, sizeof(what) - o, __VA_ARGS__)
	if (s->suppressed) {
		ADD("%llu records suppressed by the printk rate limit (kauditd_printk_skb)",
		    (unsigned long long)s->suppressed);
	}
	if (s->rate_limit_events) {
		ADD("%llu 'audit: rate limit exceeded'", (unsigned long long)s->rate_limit_events);
	}
	if (s->printk_events) {
		ADD("%llu 'audit: printk limit exceeded'", (unsigned long long)s->printk_events);
	}
	if (s->backlog_events) {
		ADD("%llu backlog overflows", (unsigned long long)s->backlog_events);
	}
	if (s->lost_counter) {
		ADD("audit_lost=%llu", (unsigned long long)s->lost_counter);
	}
	if (s->kmsg_overruns) {
		ADD("%llu /dev/kmsg overruns", (unsigned long long)s->kmsg_overruns);
	}
	if (s->serial_gaps) {
		ADD("%llu audit serial numbers missing", (unsigned long long)s->serial_gaps);
	}
	if (s->truncated_unread) {
		ADD("%llu truncations of a followed file with no copy to read its end from",
		    (unsigned long long)s->truncated_unread);
	}
	if (s->kmsg_wrapped) {
		char t[40];
		format_time(s->kmsg_oldest_ms, t, sizeof(t));
		ADD("the kernel ring buffer wrapped: its oldest record (#%llu) is from %s, %s",
		    (unsigned long long)s->kmsg_oldest_seq, t,
		    arg_opts.has_since ? "after --since" : "a seccomp record already");
	}
#undef ADD
	cli_warn("records were lost: %s; the result may miss syscalls", what);
	if (s->kmsg_wrapped)
		fprintf(stderr,
			"Fix: /dev/kmsg holds a few hundred audit lines: read it while the "
			"workload runs (syscage logs --kmsg --follow, started before it),\n"
			"  or enlarge it (log_buf_len=16M on the kernel command line),\n  or ");
	else if (s->truncated_unread && !s->suppressed && !s->serial_gaps)
		fprintf(stderr, "Fix: rotate the followed log by rename (logrotate 'create'), or "
				"keep copytruncate's copy as FILE.1 (delaycompress),\n  or ");
	else
		fprintf(stderr, "Fix: ");
	fprintf(stderr, "run auditd (it takes records without the printk rate limit, into "
			"/var/log/audit/audit.log),\n");
	if (s->suppressed || s->printk_events || s->kmsg_overruns)
		fprintf(stderr, "  or raise the printk limits: sysctl -w kernel.printk_ratelimit=0 "
				"(or kernel.printk_ratelimit_burst=10000),\n");
	if (s->backlog_events || s->lost_counter)
		fprintf(stderr,
			"  and the audit backlog: auditctl -b 8192 (audit_backlog_limit=8192 "
			"on the kernel command line),\n");
	if (s->rate_limit_events)
		fprintf(stderr, "  and the audit rate limit: auditctl -r 0,\n");
	if (s->serial_gaps && !s->suppressed && !s->rate_limit_events && !s->backlog_events &&
	    !s->lost_counter)
		fprintf(stderr, "  (serial gaps are expected when the log was filtered, e.g. with "
				"grep: give syscage the whole log),\n");
	fprintf(stderr, "  then run the workload again.\n");
}

static void print_summary_text(struct sc_logs *l, const char *const *files, bool quiet_groups)
{
	const struct sc_logs_stats *s = sc_logs_stats(l);

	for (size_t i = 0; !quiet_groups && i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		size_t allowed = 0;
		for (size_t k = 0; k < g->n_entries; k++)
			if (!sc_logs_action_is_denial(g->entries[k].action))
				allowed++;
		const char *file = files && files[i] ? files[i] : NULL;
		char name[NAME_TEXT];
		fprintf(stderr, "syscage: %s: %llu records, %zu distinct syscalls%s%s%s\n",
			sc_audit_escape(g->name, name, sizeof(name)),
			(unsigned long long)g->records, allowed, file ? " -> " : "",
			file ? file : "",
			g->denied ? allowed ? " (some denied: see --violations)"
					    : " (all denied, no profile: see --violations)"
				  : "");
	}
	if (s->malformed)
		cli_note("%llu seccomp records could not be read (no arch or syscall field)",
			 (unsigned long long)s->malformed);
	if (s->unknown_arch)
		cli_note("%llu records have an unknown arch token and were not named",
			 (unsigned long long)s->unknown_arch);
	if (s->unknown_syscall)
		cli_note("%llu records have a syscall number unknown on their arch",
			 (unsigned long long)s->unknown_syscall);
	if (s->overlong)
		cli_note("%llu over-long lines were skipped", (unsigned long long)s->overlong);
}

static void print_stats_json(FILE *f, const struct sc_logs_stats *s)
{
	fprintf(f,
		"\"stats\": {\"lines\": %llu, \"records\": %llu, \"filtered\": %llu, \"foreign\": "
		"%llu, \"other\": %llu, \"malformed\": %llu, \"unknown_arch\": %llu, "
		"\"unknown_syscall\": %llu, \"denied\": %llu},\n",
		(unsigned long long)s->lines, (unsigned long long)s->records,
		(unsigned long long)s->filtered, (unsigned long long)s->foreign,
		(unsigned long long)s->other, (unsigned long long)s->malformed,
		(unsigned long long)s->unknown_arch, (unsigned long long)s->unknown_syscall,
		(unsigned long long)s->denied);
	fprintf(f,
		"\"loss\": {\"lossy\": %s, \"suppressed\": %llu, \"rate_limit\": %llu, "
		"\"backlog\": %llu, \"printk_limit\": %llu, \"audit_lost\": %llu, "
		"\"serial_gaps\": %llu, \"kmsg_overruns\": %llu, \"kmsg_wrapped\": %s, "
		"\"truncated_unread\": %llu",
		sc_logs_stats_lossy(s) ? "true" : "false", (unsigned long long)s->suppressed,
		(unsigned long long)s->rate_limit_events, (unsigned long long)s->backlog_events,
		(unsigned long long)s->printk_events, (unsigned long long)s->lost_counter,
		(unsigned long long)s->serial_gaps, (unsigned long long)s->kmsg_overruns,
		s->kmsg_wrapped ? "true" : "false", (unsigned long long)s->truncated_unread);
	if (s->kmsg_oldest_ms) {
		char t[40];
		format_time(s->kmsg_oldest_ms, t, sizeof(t));
		fprintf(f, ", \"kmsg_oldest\": {\"seq\": %llu, \"time\": \"%s\"}",
			(unsigned long long)s->kmsg_oldest_seq, t);
	}
	fputc('}', f);
}

static void action_label(const struct sc_logs_entry *e, char *buf, size_t size)
{
	const char *a = sc_action_to_string(e->action) + strlen("SCMP_ACT_");

	/* Kernels since 4.14 log code= without the errno (SECCOMP_RET_ACTION_FULL only): 0 is
	 * "not said", not errno 0. */
	if (e->action == SC_ACT_ERRNO && e->data) {
		const char *en = strerrorname_np((int)e->data);
		if (en)
			(void)snprintf(buf, size, "%s(%s)", a, en);
		else
			(void)snprintf(buf, size, "%s(%u)", a, e->data);
	} else
		(void)snprintf(buf, size, "%s", a);
}

/* No denial found: the usual reason is that none was logged. */
static void note_errno_needs_log_flag(void)
{
	cli_note(
		"the kernel logs an ERRNO (or TRACE, NOTIFY) denial only when the filter was "
		"loaded with SECCOMP_FILTER_FLAG_LOG: add \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"] "
		"to the profile (runc 1.2 or later loads it so; runc 1.1 refuses any flags); TRAP "
		"needs it too; only KILL and LOG decisions are logged without it");
}

static int report_violations(struct sc_logs *l, bool json, FILE *f)
{
	size_t n = 0;
	char first[40], last[40], act[48], nrbuf[32];

	if (json)
		fputs("{\"violations\": [", f);
	else
		fprintf(f, "%-24s %-8s %-20s %-18s %8s  %-24s %s\n", "WORKLOAD", "ARCH", "SYSCALL",
			"ACTION", "COUNT", "FIRST", "LAST");
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		for (size_t k = 0; k < g->n_entries; k++) {
			const struct sc_logs_entry *e = &g->entries[k];
			if (!sc_logs_action_is_denial(e->action))
				continue;
			const char *arch = e->arch >= 0 ? sc_arch_info(e->arch)->name : "unknown";
			const char *name = e->name;
			if (!name) {
				(void)snprintf(nrbuf, sizeof(nrbuf), "#%u", e->nr);
				name = nrbuf;
			}
			format_time(e->first_ms, first, sizeof(first));
			format_time(e->last_ms, last, sizeof(last));
			action_label(e, act, sizeof(act));
			if (json) {
				fprintf(f, "%s\n  {\"workload\": ", n ? "," : "");
				sc_json_string(f, g->name);
				fprintf(f, ", \"pid\": %u, \"comm\": ", g->pid);
				sc_json_string(f, g->comm);
				if (g->exe) {
					fprintf(f, ", \"exe\": ");
					sc_json_string(f, g->exe);
				}
				if (g->container)
					fprintf(f, ", \"container\": \"%s\", \"runtime\": \"%s\"",
						g->container, g->runtime);
				fprintf(f, ", \"arch\": \"%s\", \"syscall\": ", arch);
				if (e->name)
					sc_json_string(f, e->name);
				else
					fputs("null", f);
				fprintf(f, ", \"nr\": %u, \"action\": \"%s\"", e->nr,
					sc_action_to_string(e->action));
				if (e->action == SC_ACT_ERRNO)
					fprintf(f, ", \"errno\": %u", e->data);
				fprintf(f,
					", \"count\": %llu, \"first\": \"%s\", \"last\": \"%s\"}",
					(unsigned long long)e->count, first, last);
			} else {
				char wl[NAME_TEXT];
				/* The name is the workload's choice: escaped, it cannot forge
				 * rows (JSON escapes it too). */
				fprintf(f, "%-24s %-8s %-20s %-18s %8llu  %-24s %s\n",
					sc_audit_escape(g->name, wl, sizeof(wl)), arch, name, act,
					(unsigned long long)e->count, first, last);
			}
			n++;
		}
	}
	if (json) {
		fputs(n ? "\n],\n" : "],\n", f);
		print_stats_json(f, sc_logs_stats(l));
		fputs("\n}\n", f);
	} else if (!n) {
		fprintf(f, "(no denied syscalls in %llu records)\n",
			(unsigned long long)sc_logs_stats(l)->records);
	}
	if (!n)
		note_errno_needs_log_flag();
	return n ? EXIT_FINDINGS : EXIT_OK;
}

/* The violation report on standard output, or into 'out' (-o FILE: written whole or not at
 * all). */
static int report_violations_to(struct sc_logs *l, bool json, const char *out)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret, r;

	if (!out || streq(out, "-"))
		return report_violations(l, json, stdout);
	f = open_memstream(&text, &len);
	if (!f)
		return cli_error("out of memory");
	ret = report_violations(l, json, f);
	if (fclose(f) != 0)
		return cli_error("out of memory");
	r = sc_write_atomic(out, text, len, 0644);
	if (r < 0)
		return cli_error("cannot write the report to %s: %s%s", out, strerror(-r),
				 r == -EISDIR ? " (-o takes a file name with --violations)" : "");
	return ret;
}

/* Write one file per workload into 'dir' (created if missing), as one batch: one sync for
 * all of them, and nothing half-written if any fails. */
static int write_dir(struct sc_logs *l, const char *dir, enum sc_format fmt, char **names)
{
	cleanup_close int dfd = -1;
	size_t ng = sc_logs_n_groups(l);
	struct sc_write_batch *batch = NULL;
	int ret = EXIT_OK;

	/* Missing parents too, confined (install.c). */
	dfd = sc_open_dir_mkdirs(dir);
	if (dfd < 0)
		return cli_error("cannot create or open directory %s: %s", dir, strerror(-dfd));
	if (sc_write_batch_new(&batch) < 0)
		return cli_error("out of memory");
	for (size_t i = 0; i < ng && ret == EXIT_OK; i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		struct sc_profile *p = NULL;
		cleanup_free char *text = NULL;
		char base[128], name[160];
		int r = build_profile(l, i, fmt, &p);

		if (r == -ENOENT)
			continue; /* only denied or unnamed syscalls: the summary says so */
		if (r < 0) {
			ret = cli_error("out of memory");
			break;
		}
		sanitize(g->name, base, sizeof(base), false);
		/* Distinct names for workloads that sanitize alike. */
		(void)snprintf(name, sizeof(name), "%s%s", base, format_ext(fmt));
		for (unsigned k = 2;; k++) {
			bool dup = false;
			for (size_t j = 0; j < i && !dup; j++)
				dup = names[j] && streq(names[j], name);
			if (!dup)
				break;
			(void)snprintf(name, sizeof(name), "%s-%u%s", base, k, format_ext(fmt));
		}
		if (!sc_name_is_safe(name)) {
			sc_profile_free(p);
			ret = cli_error("refusing unsafe file name '%s'", name);
			break;
		}
		r = sc_profile_write_string(p, fmt, &text);
		sc_profile_free(p);
		if (r < 0) {
			ret = cli_error("cannot format the profile of %s: %s", g->name,
					strerror(-r));
			break;
		}
		r = sc_write_batch_add(batch, dfd, name, text, strlen(text), 0644, NULL);
		if (r < 0) {
			ret = cli_error("cannot write %s/%s: %s", dir, name, strerror(-r));
			break;
		}
		/* "dir/" and "dir//" name dir: one '/' before the file's name */
		size_t dn = strlen(dir);
		while (dn > 1 && dir[dn - 1] == '/')
			dn--;
		if (asprintf(&names[i], "%.*s%s%s", (int)dn, dir, dir[dn - 1] == '/' ? "" : "/",
			     name) < 0) {
			names[i] = NULL;
			ret = cli_error("out of memory");
			break;
		}
	}
	if (ret == EXIT_OK) {
		int r = sc_write_batch_commit(batch);
		if (r < 0)
			ret = cli_error("cannot write the profiles into %s: %s", dir, strerror(-r));
	}
	sc_write_batch_free(batch); /* removes the temp files of a batch not committed */
	return ret;
}

static int write_profiles(struct sc_logs *l, const char *out, enum sc_format fmt, bool json)
{
	size_t ng = sc_logs_n_groups(l);
	struct stat st;
	bool dir = out &&
		   ((stat(out, &st) == 0 && S_ISDIR(st.st_mode)) || out[strlen(out) - 1] == '/');
	char **names;
	int ret = EXIT_OK;

	if (ng > 1 && !dir && out && !streq(out, "-")) {
		/* Several workloads and a path that is no directory: make it one when it does
		 * not exist yet, unless it looks like a file name. */
		size_t n = strlen(out);
		if ((n > 5 && streq(out + n - 5, ".json")) ||
		    (n > 5 && streq(out + n - 5, ".yaml")) || lstat(out, &st) == 0)
			goto several;
		dir = true;
	}
	if (ng > 1 && !dir) {
	several:
		if (out && !streq(out, "-"))
			cli_error("%zu workloads found and -o %s names a file, which holds one "
				  "profile: give a directory (-o DIR/, created if missing) for one "
				  "file each, or pick one workload with --comm/--pid",
				  ng, out);
		else
			cli_error("%zu workloads found: give -o DIR for one file each, or pick one "
				  "with --comm/--pid",
				  ng);
		for (size_t i = 0; i < ng && i < 20; i++) {
			char name[NAME_TEXT];
			fprintf(stderr, "  %s\n",
				sc_audit_escape(sc_logs_group(l, i)->name, name, sizeof(name)));
		}
		return EXIT_USAGE;
	}
	names = calloc(ng, sizeof(*names));
	if (!names)
		return cli_error("out of memory");
	if (dir) {
		ret = write_dir(l, out, fmt, names);
	} else {
		struct sc_profile *p = NULL;
		int r = build_profile(l, 0, fmt, &p);
		if (r == -ENOENT)
			ret = cli_error("%s: only denied or unnamed syscalls in the records; no "
					"profile (see --violations)",
					sc_logs_group(l, 0)->name);
		else if (r < 0)
			ret = cli_error("out of memory");
		else {
			r = sc_profile_write_file(p, fmt, out ? out : "-");
			sc_profile_free(p);
			if (r < 0)
				ret = cli_error("cannot write %s: %s",
						out ? out : "standard output", strerror(-r));
			else if (out && !streq(out, "-"))
				names[0] = strdup(out);
		}
	}
	if (ret == EXIT_OK) {
		if (json && out && !streq(out, "-")) {
			fputs("{\"workloads\": [", stdout);
			for (size_t i = 0; i < ng; i++) {
				const struct sc_logs_group *g = sc_logs_group(l, i);
				printf("%s\n  {\"name\": ", i ? "," : "");
				sc_json_string(stdout, g->name);
				printf(", \"key\": ");
				sc_json_string(stdout, g->key);
				printf(", \"records\": %llu, \"entries\": %zu, \"file\": ",
				       (unsigned long long)g->records, g->n_entries);
				if (names[i])
					sc_json_string(stdout, names[i]);
				else
					fputs("null", stdout);
				fputc('}', stdout);
			}
			fputs(ng ? "\n],\n" : "],\n", stdout);
			print_stats_json(stdout, sc_logs_stats(l));
			fputs("\n}\n", stdout);
		} else {
			bool have_names = false;
			for (size_t i = 0; i < ng; i++)
				have_names |= names[i] != NULL;
			print_summary_text(l, have_names ? (const char *const *)names : NULL,
					   false);
		}
	}
	for (size_t i = 0; i < ng; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* ---- --propose / --heal -------------------------------------------------------------- */

/* The records read are attributed (sc_violations, no sources of its own) and grouped into
 * workloads (sc_denials) as they are read. */
struct propose {
	struct sc_violations *v;
	struct sc_denials *d;
};

static struct propose *propose_free(struct propose *pr)
{
	if (!pr)
		return NULL;
	sc_denials_free(pr->d);
	sc_violations_free(pr->v);
	free(pr);
	return NULL;
}

static int propose_new(enum sc_logs_by by, const struct sc_pods_paths *paths, struct propose **ret)
{
	/* No sources of its own: the records come from the inputs read above. */
	struct sc_violations_options o = { .kmsg_path = "", .audit_log = "", .paths = *paths };
	struct propose *pr = calloc(1, sizeof(*pr));
	int r;

	if (!pr)
		return -ENOMEM;
	pr->d = sc_denials_new(by);
	if (!pr->d) {
		propose_free(pr);
		return -ENOMEM;
	}
	r = sc_violations_open(&o, &pr->v);
	if (r < 0) {
		propose_free(pr);
		return r;
	}
	*ret = pr;
	return 0;
}

static int propose_add(struct propose *pr, const struct sc_audit_record *rec)
{
	struct sc_violation x;
	int r = sc_violations_add_record(pr->v, rec, &x);

	if (r <= 0)
		return r;
	return sc_denials_add(pr->d, &x);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The additions as an OCI fragment: architectures and one ALLOW rule, names sorted. */
static void print_fragment(FILE *f, const struct sc_profile *p, const char *indent)
{
	const char **names = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].action != SC_ACT_ALLOW)
			continue;
		for (size_t k = 0; k < p->rules[i].n_names; k++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				const char **nn = reallocarray(names, cap, sizeof(*nn));
				if (!nn) {
					free(names);
					return;
				}
				names = nn;
			}
			names[n++] = p->rules[i].names[k];
		}
	}
	qsort(names, n, sizeof(*names), str_cmp);
	fprintf(f, "{\n%s  \"architectures\": [", indent);
	for (size_t i = 0; i < p->n_arches; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", sc_arch_info(p->arches[i])->scmp_name);
	fprintf(f, "],\n%s  \"syscalls\": [\n%s    {\"names\": [", indent, indent);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		sc_json_string(f, names[i]);
	}
	fprintf(f, "], \"action\": \"SCMP_ACT_ALLOW\"}\n%s  ]\n%s}", indent, indent);
	free(names);
}

static void denial_label(const struct sc_denial *d, char *buf, size_t size)
{
	struct sc_logs_entry e = { .action = d->action, .data = d->data };
	action_label(&e, buf, size);
}

/* --propose --output-format json */
static int report_proposals_json(struct propose *pr, struct sc_logs *l)
{
	const struct sc_violations_stats *vs = sc_violations_stats(pr->v);

	fputs("{\"proposals\": [", stdout);
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		printf("%s\n  {\"workload\": ", i ? "," : "");
		sc_json_string(stdout, w->label);
		printf(", \"kind\": \"%s\"", sc_denials_kind_to_string(w->kind));
		if (w->kind == SC_DENIALS_POD) {
			printf(", \"namespace\": ");
			sc_json_string(stdout, w->pod.namespace);
			printf(", \"pod\": ");
			sc_json_string(stdout, w->pod.pod);
			printf(", \"container\": ");
			if (w->pod.container[0])
				sc_json_string(stdout, w->pod.container);
			else
				fputs("null", stdout);
		}
		if (w->pod.container_id[0])
			printf(", \"container_id\": \"%s\", \"runtime\": %s%s%s",
			       w->pod.container_id, w->pod.runtime ? "\"" : "",
			       w->pod.runtime ? w->pod.runtime : "null",
			       w->pod.runtime ? "\"" : "");
		printf(", \"pid\": %u, \"comm\": ", w->pid);
		sc_json_string(stdout, w->comm);
		printf(", \"count\": %llu, \"denials\": [", (unsigned long long)w->count);
		for (size_t k = 0; k < w->n_denials; k++) {
			const struct sc_denial *d = &w->denials[k];
			printf("%s{\"arch\": \"%s\", \"syscall\": ", k ? ", " : "",
			       d->arch >= 0 ? sc_arch_info(d->arch)->name : "unknown");
			if (d->name)
				sc_json_string(stdout, d->name);
			else
				fputs("null", stdout);
			printf(", \"nr\": %u, \"action\": \"%s\"", d->nr,
			       sc_action_to_string(d->action));
			if (d->action == SC_ACT_ERRNO && d->data)
				printf(", \"errno\": %u", d->data);
			printf(", \"count\": %llu}", (unsigned long long)d->count);
		}
		fputs("], \"additions\": ", stdout);
		if (w->additions)
			print_fragment(stdout, w->additions, "  ");
		else
			fputs("null", stdout);
		fputc('}', stdout);
	}
	fputs(sc_denials_n_groups(pr->d) ? "\n],\n" : "],\n", stdout);
	printf("\"unattributed\": %llu, \"unnamed\": %llu,\n", (unsigned long long)vs->unattributed,
	       (unsigned long long)sc_denials_unnamed(pr->d));
	print_stats_json(stdout, sc_logs_stats(l));
	fputs("\n}\n", stdout);
	return sc_denials_n_groups(pr->d) ? EXIT_FINDINGS : EXIT_OK;
}

static int report_proposals(struct propose *pr, struct sc_logs *l, bool json)
{
	const struct sc_violations_stats *vs = sc_violations_stats(pr->v);
	char act[48], nrbuf[32], first[40], last[40];

	if (json)
		return report_proposals_json(pr, l);
	if (!sc_denials_n_groups(pr->d)) {
		printf("(no denied syscalls in %llu records)\n",
		       (unsigned long long)sc_logs_stats(l)->records);
		note_errno_needs_log_flag();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		char label[NAME_TEXT];
		printf("%s%s %s: %llu denied call%s\n", i ? "\n" : "",
		       sc_denials_kind_to_string(w->kind),
		       sc_audit_escape(w->label, label, sizeof(label)),
		       (unsigned long long)w->count, w->count == 1 ? "" : "s");
		for (size_t k = 0; k < w->n_denials; k++) {
			const struct sc_denial *d = &w->denials[k];
			const char *name = d->name;
			if (!name) {
				(void)snprintf(nrbuf, sizeof(nrbuf), "#%u", d->nr);
				name = nrbuf;
			}
			denial_label(d, act, sizeof(act));
			format_time(d->first_ms, first, sizeof(first));
			format_time(d->last_ms, last, sizeof(last));
			printf("  %-8s %-20s %-18s %6llux  %s .. %s\n",
			       d->arch >= 0 ? sc_arch_info(d->arch)->name : "unknown", name, act,
			       (unsigned long long)d->count, first, last);
		}
		if (!w->additions) {
			printf("  nothing to add: no syscall name for these numbers on their "
			       "arch\n");
			continue;
		}
		printf("  to let these through, allow:");
		for (size_t k = 0; k < w->n_denials; k++)
			if (w->denials[k].name)
				printf(" %s (%s)", w->denials[k].name,
				       sc_arch_info(w->denials[k].arch)->name);
		printf("\n  profile addition:\n  ");
		print_fragment(stdout, w->additions, "  ");
		fputc('\n', stdout);
		if (w->kind == SC_DENIALS_POD && w->pod.container[0])
			printf("  to merge it into the pod's recorded profile: the same command "
			       "with --heal '%s/%s'\n",
			       w->pod.namespace, w->pod.pod);
	}
	if (vs->unattributed)
		cli_note(
			"%llu denials came from processes that were gone (or whose pid was reused) "
			"when read: grouped by --by, their pods unknown; the agent attributes "
			"denials live",
			(unsigned long long)vs->unattributed);
	return EXIT_FINDINGS;
}

/* Merge a workload's denials into STATE/recorded/NS/POD/CONTAINER.json. Returns the number of
 * syscalls added (>= 0) or -1 when an error was reported. */
static int heal_one(const struct sc_denials_group *w, const char *state, int sfd, bool *created)
{
	struct sc_diags d = {};
	int r = sc_denials_group_heal_recorded(sfd, state, w, &d, created);

	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r == -ENOMEM) {
		cli_error("out of memory");
		return -1;
	}
	if (r < 0) {
		cli_error("%s: cannot heal %s/recorded/%s/%s/%s.json: %s%s", w->label, state,
			  w->pod.namespace, w->pod.pod, w->pod.container, strerror(-r),
			  r == -ELOOP	 ? " (a symlink: refused)"
			  : r == -EINVAL ? " (not a profile syscage can read, or unsafe names; "
					   "left as it is)"
					 : "");
		return -1;
	}
	return r;
}

static int heal(struct propose *pr, const char *glob, const char *state)
{
	cleanup_close int sfd = -1;
	size_t matched = 0, healed = 0;
	int ret = EXIT_OK;

	if (mkdir(state, 0755) < 0 && errno != EEXIST)
		return cli_error("cannot create the state directory %s: %m", state);
	sfd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cli_error("cannot open the state directory %s: %m", state);
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		bool created = false;
		if (w->kind != SC_DENIALS_POD ||
		    !sc_pod_glob_matches(glob, w->pod.namespace, w->pod.pod))
			continue;
		matched++;
		if (!w->pod.container[0]) {
			cli_warn("%s: the pod is known but not which of its containers made the "
				 "calls; not healed",
				 w->label);
			continue;
		}
		int r = heal_one(w, state, sfd, &created);
		if (r < 0) {
			ret = EXIT_FINDINGS;
			continue;
		}
		if (r == 0) {
			printf("%s: already allowed in %s/recorded/%s/%s/%s.json\n", w->label,
			       state, w->pod.namespace, w->pod.pod, w->pod.container);
			continue;
		}
		healed++;
		printf("%s: +", w->label);
		for (size_t k = 0, n = 0; k < w->n_denials; k++)
			if (w->denials[k].name)
				printf("%s%s", n++ ? " +" : "", w->denials[k].name);
		printf(" -> %s/recorded/%s/%s/%s.json%s\n", state, w->pod.namespace, w->pod.pod,
		       w->pod.container,
		       created ? " (new: only the healed calls; record the workload to complete it)"
			       : "");
	}
	if (!matched) {
		cli_note("no denials of pods matching '%s' in the records (%zu workloads with "
			 "denials)",
			 glob, sc_denials_n_groups(pr->d));
		if (sc_violations_stats(pr->v)->unattributed)
			cli_note("%llu denials came from processes gone when read: their pods are "
				 "unknown to this command (the agent attributes denials live)",
				 (unsigned long long)sc_violations_stats(pr->v)->unattributed);
	} else if (healed)
		cli_note("review the healed profiles, then ship them with your policy: nothing "
			 "enforced was changed");
	return ret;
}

/* Parse and check the flags into arg_*: EXIT_OK, or the exit status of a usage error. */
static int parse_argv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kmsg", no_argument, NULL, 'k' },
		{ "follow", no_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "by", required_argument, NULL, 'b' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "violations", no_argument, NULL, 'V' },
		{ "strict", no_argument, NULL, 's' },
		{ "output-format", required_argument, NULL, 'j' },
		{ "propose", no_argument, NULL, 'P' },
		{ "heal", required_argument, NULL, 'H' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "host-root", required_argument, NULL, 'R' },
		{ "base", required_argument, NULL, 'B' },
		{},
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "kfb:p:c:o:F:Vsj:PH:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			arg_kmsg = true;
			break;
		case 'B':
			if (streq(optarg, "runtime"))
				arg_base = SC_RECORD_BASE_RUNTIME;
			else if (streq(optarg, "none"))
				arg_base = SC_RECORD_BASE_NONE;
			else
				return cli_usage_error("logs", "unknown base '%s' (none, runtime)",
						       optarg);
			break;
		case 'f':
			arg_follow = true;
			break;
		case 'S':
		case 'U': {
			uint64_t t;
			if (parse_time(optarg, &t) < 0)
				return cli_usage_error(
					"logs",
					"cannot read the time '%s' (give seconds since "
					"the epoch, '2026-11-23 10:00:00', "
					"2026-11-23T10:00:00Z or -10m)",
					optarg);
			if (c == 'S') {
				arg_opts.has_since = true;
				arg_opts.since_ms = t;
			} else {
				arg_opts.has_until = true;
				arg_opts.until_ms = t;
			}
			break;
		}
		case 'b':
			arg_opts.by = sc_logs_by_from_string(optarg);
			if (arg_opts.by < 0)
				return cli_usage_error("logs",
						       "unknown --by '%s' (expected pid, comm, exe "
						       "or container)",
						       optarg);
			break;
		case 'p': {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v > UINT32_MAX)
				return cli_usage_error("logs", "bad --pid '%s'", optarg);
			arg_opts.has_pid = true;
			arg_opts.pid = (uint32_t)v;
			break;
		}
		case 'c':
			arg_opts.comm = optarg;
			break;
		case 'o':
			if (!*optarg)
				return cli_usage_error("logs", "-o needs a file or directory name");
			arg_out = optarg;
			break;
		case 'F':
			arg_fmt = sc_format_from_string(optarg);
			if (arg_fmt < 0)
				return cli_usage_error(
					"logs",
					"unknown --format '%s' (expected oci, spo or "
					"kubearmor)",
					optarg);
			break;
		case 'V':
			arg_violations = true;
			break;
		case 's':
			arg_strict = true;
			break;
		case 'j':
			if (cli_parse_output("logs", optarg, &arg_json) < 0)
				return EXIT_USAGE;
			break;
		case 'P':
			arg_propose = true;
			break;
		case 'H':
			if (!*optarg || *optarg == '/' ||
			    (strchr(optarg, '/') && strchr(strchr(optarg, '/') + 1, '/')))
				return cli_usage_error(
					"logs",
					"--heal takes NAMESPACE/POD-GLOB (or POD-GLOB), "
					"not '%s'",
					optarg);
			arg_heal = optarg;
			break;
		case 'R':
			if (!*optarg)
				return cli_usage_error("logs", "--host-root needs a directory");
			arg_host_root = optarg;
			break;
		case 'D':
			if (!*optarg)
				return cli_usage_error("logs", "--state-dir needs a directory");
			arg_state_dir = optarg;
			break;
		default:
			return cli_bad_option("logs");
		}
	}
	if (arg_kmsg && optind < argc)
		return cli_usage_error("logs", "give files or --kmsg, not both");
	if (arg_state_dir && !arg_heal)
		return cli_usage_error("logs", "--state-dir goes with --heal");
	if (arg_propose || arg_heal) {
		/* Both are about denials: they imply --violations. */
		arg_violations = true;
		if (arg_out)
			return cli_usage_error("logs", "-o does not go with --propose/--heal (the "
						       "additions are printed; --heal writes "
						       "under --state-dir)");
	}
	if (!arg_state_dir)
		arg_state_dir = "/var/lib/syscage";
	if (arg_host_root) {
		/* The node's / mounted elsewhere (a DaemonSet's hostPath, or a test tree). */
		(void)snprintf(arg_proc_buf, sizeof(arg_proc_buf), "%s/proc", arg_host_root);
		(void)snprintf(arg_cg_buf, sizeof(arg_cg_buf), "%s/sys/fs/cgroup", arg_host_root);
		(void)snprintf(arg_cl_buf, sizeof(arg_cl_buf), "%s/var/log/containers",
			       arg_host_root);
		(void)snprintf(arg_pl_buf, sizeof(arg_pl_buf), "%s/var/log/pods", arg_host_root);
		arg_pods_paths = (struct sc_pods_paths){ .proc_root = arg_proc_buf,
							 .cgroup_root = arg_cg_buf,
							 .containers_logs = arg_cl_buf,
							 .pods_logs = arg_pl_buf };
		arg_opts.proc_root = arg_proc_buf;
	}
	if (arg_opts.has_since && arg_opts.has_until && arg_opts.since_ms > arg_opts.until_ms)
		return cli_usage_error("logs", "--since is after --until");
	if (!arg_kmsg && optind >= argc && isatty(STDIN_FILENO))
		return cli_usage_error("logs", "no input: give FILE, - for standard input, or "
					       "--kmsg");
	return EXIT_OK;
}

/* The inputs named on the command line (after the flags): /dev/kmsg, files, or stdin. */
static struct input *inputs_new(int argc, char **argv, size_t *ret_n)
{
	size_t n = arg_kmsg ? 1 : optind < argc ? (size_t)(argc - optind) : 1;
	struct input *inputs = calloc(n, sizeof(*inputs));

	if (!inputs)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *path = arg_kmsg ? "/dev/kmsg"
				   : optind < argc && !streq(argv[optind + i], "-")
					   ? argv[optind + i]
					   : NULL;
		/* /dev/kmsg is polled: non-blocking. */
		if (sc_follow_init(&inputs[i].f, path, arg_kmsg, arg_kmsg, 0) < 0) {
			inputs_free(inputs, i);
			return NULL;
		}
	}
	*ret_n = n;
	return inputs;
}

/* Read every input to its end, then follow them with --follow. EXIT_OK, or the exit status of
 * an error (reported). */
static int read_inputs(struct ctx *c, struct input *inputs, size_t n_inputs)
{
	for (size_t i = 0; i < n_inputs; i++) {
		struct input *in = &inputs[i];
		int r = sc_follow_open(&in->f, false);
		if (r < 0) {
			if (in->f.kmsg && (r == -EPERM || r == -EACCES))
				return cli_error("cannot read /dev/kmsg: %s (run as root, or with "
						 "CAP_SYSLOG; or give dmesg/journalctl output on "
						 "standard input)",
						 strerror(-r));
			return cli_error("cannot open %s: %s", input_name(in), strerror(-r));
		}
		bool big = in->f.size > (256u << 20);
		c->progress = isatty(STDERR_FILENO) && big;
		r = arg_follow ? 0 : read_whole(c, in);
		if (r == 0)
			r = drain(c, in, !arg_follow);
		if (r < 0)
			return EXIT_FINDINGS;
		if (c->progress)
			progress(in, true);
		if (!arg_follow)
			sc_follow_close(&in->f);
	}
	c->progress = false;
	if (arg_follow && follow(c, inputs, n_inputs) < 0)
		return EXIT_FINDINGS;
	return EXIT_OK;
}

/* What was read: healed profiles, proposals, violations or profiles; then the loss. */
static int report(struct ctx *c)
{
	const struct sc_logs_stats *s = sc_logs_stats(c->logs);
	int ret;

	if (arg_heal)
		ret = heal(c->prop, arg_heal, arg_state_dir);
	else if (c->prop)
		ret = report_proposals(c->prop, c->logs, arg_json);
	else if (arg_violations)
		ret = report_violations_to(c->logs, arg_json, arg_out);
	else if (!sc_logs_n_groups(c->logs)) {
		ret = cli_error("no seccomp records in %llu lines%s", (unsigned long long)s->lines,
				s->filtered ? " (after --pid/--comm/--since/--until)" : "");
		fprintf(stderr, "Hint: run the workload under an SCMP_ACT_LOG profile first "
				"(syscage audit-profile), then read kmsg, syslog, the journal or "
				"/var/log/audit/audit.log.\n");
	} else
		ret = write_profiles(c->logs, arg_out, arg_fmt, arg_json);
	if (sc_logs_stats_lossy(s)) {
		print_loss(s);
		if (arg_strict && (ret == EXIT_OK || ret == EXIT_FINDINGS))
			ret = EXIT_LOSS;
	}
	return ret;
}

int cmd_logs(int argc, char **argv)
{
	struct input *inputs = NULL;
	size_t n_inputs = 0;
	struct ctx ctx = {};
	int ret = parse_argv(argc, argv);

	if (ret != EXIT_OK)
		return ret;
	inputs = inputs_new(argc, argv, &n_inputs);
	if (!inputs)
		return cli_error("out of memory");
	ctx = (struct ctx){
		.logs = sc_logs_new(&arg_opts),
		.rec = malloc(sizeof(struct sc_audit_record)),
		.progress = isatty(STDERR_FILENO),
	};
	if (!ctx.logs || !ctx.rec)
		ret = cli_error("out of memory");
	else if ((arg_propose || arg_heal) &&
		 propose_new(arg_opts.by, &arg_pods_paths, &ctx.prop) < 0)
		ret = cli_error("out of memory");
	else {
		ret = read_inputs(&ctx, inputs, n_inputs);
		if (ret == EXIT_OK)
			ret = report(&ctx);
	}
	free(ctx.rec);
	sc_logs_free(ctx.logs);
	propose_free(ctx.prop);
	inputs_free(inputs, n_inputs);
	return ret;
}
