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
#include "logs-report.h"
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
			r = logs_propose_add(c->prop, c->rec);
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
		ret = logs_heal(c->prop, arg_heal, arg_state_dir);
	else if (c->prop)
		ret = logs_report_proposals(c->prop, c->logs, arg_json);
	else if (arg_violations)
		ret = logs_report_violations_to(c->logs, arg_json, arg_out);
	else if (!sc_logs_n_groups(c->logs)) {
		ret = cli_error("no seccomp records in %llu lines%s", (unsigned long long)s->lines,
				s->filtered ? " (after --pid/--comm/--since/--until)" : "");
		fprintf(stderr, "Hint: run the workload under an SCMP_ACT_LOG profile first "
				"(syscage audit-profile), then read kmsg, syslog, the journal or "
				"/var/log/audit/audit.log.\n");
	} else
		ret = logs_write_profiles(c->logs, arg_out, arg_fmt, arg_base, arg_json);
	if (sc_logs_stats_lossy(s)) {
		logs_print_loss(s, arg_opts.has_since);
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
		 logs_propose_new(arg_opts.by, &arg_pods_paths, &ctx.prop) < 0)
		ret = cli_error("out of memory");
	else {
		ret = read_inputs(&ctx, inputs, n_inputs);
		if (ret == EXIT_OK)
			ret = report(&ctx);
	}
	free(ctx.rec);
	sc_logs_free(ctx.logs);
	logs_propose_free(ctx.prop);
	inputs_free(inputs, n_inputs);
	return ret;
}
