/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage agent: the node daemon (DaemonSet) that installs policies as profiles under the
 * kubelet's seccomp root; flags here, the loop in src/agent/agent.c. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "base/batch.h"
#include "cli.h"

const char cmd_agent_help[] =
	"Usage: syscage agent --policies DIR --kubelet-root DIR [--root NAME]\n"
	"                     [--listen ADDR:PORT|none] [--data-listen ADDR:PORT|none]\n"
	"                     [--state-dir DIR] [--kubelet-config FILE]\n"
	"                     [--arch ARCH ...] [--no-log-flag] [--record NS/POD-GLOB ...]\n"
	"                     [--heal NS/POD-GLOB ...] [--kmsg PATH] [--audit-log PATH]\n"
	"                     [--debounce-ms N] [--jobs N] [--once]\n"
	"\n"
	"The node agent, run by a DaemonSet with the policies ConfigMap mounted at DIR. It\n"
	"reads every policy under DIR (KubeArmorSeccompPolicy, SPO SeccompProfile, OCI JSON;\n"
	"as 'syscage policy build'), merges the policies of each target (a deny always beats\n"
	"an allow) and installs one profile per target at\n"
	"  <kubelet-root>/seccomp/<root>/<namespace>/<name>.json\n"
	"\n"
	"Bound workloads: every SeccompBinding in DIR (the file 'syscage k8s bind --bindings'\n"
	"writes) gets its own profile at its localhostProfile, <root>/<ns>/<kind>_<name>.json:\n"
	"the merge of every policy that selects the workload now, whatever their selectors.\n"
	"Adding, editing or deleting a policy changes that content, never the path. When no\n"
	"policy selects a bound workload any more, its profile holds RuntimeDefault (the same\n"
	"on every node), with a warning and syscage_bindings_unselected; it is removed only\n"
	"with its binding. Policies labelled syscage.dev/baseline: \"true\" are merged (deny\n"
	"wins) into every profile; the log says which syscalls they took from which workload.\n"
	"A profile installed under a name an earlier syscage gave it is kept while a binding\n"
	"names it ('k8s bind' keeps a workload's existing path). A bound workload's new\n"
	"profile that no container could start with (it denies execve, or another call runc\n"
	"makes after it loads the filter) does not replace one they start with: that stays,\n"
	"with a warning (event=start-fatal-kept) and syscage_bindings_start_fatal_kept.\n"
	"\n"
	"Then it watches DIR (inotify; the kubelet's atomic ConfigMap writer, which swaps a\n"
	"'..data' symlink, and plain directories alike), debounces bursts and reconciles\n"
	"again: changed profiles are rewritten, unchanged ones left alone, profiles whose\n"
	"policy or binding is gone removed. Writes go through directory handles without\n"
	"following symlinks: temp files, one syncfs, renames, so a profile is never seen\n"
	"half-written, even after kill -9. The temp files are written in <root>/.tmp, never\n"
	"among the profiles; what a killed agent left there is removed at start. Only files\n"
	"listed in <root>/index.json (what the agent wrote) are ever removed; nothing outside\n"
	"<root> is written. On start it adopts what the index lists. <kubelet-root>/seccomp\n"
	"and <root> must be real directories (a mount point is fine): a symbolic link there\n"
	"is refused, with a log line naming it; --once then fails, the daemon keeps running,\n"
	"not ready, and takes the root at the next pass (SIGHUP) once it is a directory.\n"
	"\n"
	"A bad policy file (does not parse, names a syscall no architecture knows, a name that\n"
	"is not DNS-1123 such as '../../etc/x', an invalid selector, a duplicate or a path\n"
	"clash, a baseline that denies execve or exit_group) is rejected with a log line and\n"
	"the metric syscage_policies_rejected_total{reason}; the others are installed, and\n"
	"the profile the file produced last time stays installed (its last good version),\n"
	"across restarts. A binding that names a missing policy, lies outside\n"
	"<root>/<its namespace>/, or claims another binding's path is rejected alone (reason\n"
	"\"binding\"), and what it had stays.\n"
	"\n"
	"A profile that cannot be written (the file system full or read-only, a quota, an I/O\n"
	"error) keeps its last good version while the others are installed; the log names\n"
	"the first few (event=install-failed) and the pass's count and errno\n"
	"(event=install-incomplete), --once exits 1 with that errno, and the next pass\n"
	"retries (syscage_profiles_not_updated, syscage_install_errors_total{errno}).\n"
	"\n"
	"Profiles get \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"] unless the policy sets flags: the\n"
	"kernel logs no TRAP or ERRNO denial without it (KILL_PROCESS and KILL_THREAD ones\n"
	"it logs anyway; turn the flag off with --no-log-flag). runc before 1.2 refuses any\n"
	"profile with flags, so no pod would start: when the node's runc (under --host-root)\n"
	"is older, the flag is left out and a warning logged.\n"
	"\n"
	"Violations: the kernel's seccomp records (--kmsg, --audit-log) are attributed to the\n"
	"pod container (or the container outside pods: podman) of their process. A\n"
	"KILL_PROCESS record is mostly read after its process died, so the agent lists the\n"
	"node's containers' processes every second (their cgroup.procs; at most 32768\n"
	"remembered, for 10 minutes after they are gone) and names the container by the\n"
	"record's pid, else by its comm and exe when one container only ran them, else says\n"
	"why not (unattributed=pid-gone-unseen, ambiguous-exe, pid-reused, no-pid).\n"
	"\n"
	"Preflight at start (logged, and exported as metrics): the kubelet's seccompDefault\n"
	"(from --kubelet-config, default <kubelet-root>/config.yaml: -1, unknown, when that\n"
	"file is missing or empty, said once in the log), whether <kubelet-root>/seccomp is\n"
	"on the kubelet root's filesystem, and whether the eBPF recorder can run: capabilities\n"
	"(CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, in the initial user namespace; uid 0\n"
	"alone is not enough), BTF and the kernel; with --record it also loads and attaches a\n"
	"test program, as 'syscage record --preflight' does.\n"
	"\n"
	"HTTP (libmicrohttpd, in the agent's single event loop), on two addresses: --listen\n"
	"serves /healthz, /readyz and /metrics (scraped across the network in a DaemonSet);\n"
	"--data-listen serves /profiles and /violations, which name pods, executables and\n"
	"profiles, on the pod's loopback by default (kubectl port-forward reaches it). Each\n"
	"answers the other's paths with 404 and where they are. A client has 10 s to send a\n"
	"whole request; past 64 open connections each new one closes the oldest connection\n"
	"of the address that holds the most. So the probes are answered however many idle\n"
	"or slow clients a neighbour opens (syscage_http_connections_cut_total{reason}).\n"
	"  /healthz     200 while the loop runs\n"
	"  /readyz      200 once the first reconcile is done, else 503 and why (no reconcile\n"
	"               yet, a refused root)\n"
	"  /metrics     Prometheus text (every metric, README.md says what each means):\n"
	"               profiles: syscage_profiles_installed, syscage_profiles_not_updated,\n"
	"               syscage_install_errors_total{errno}, syscage_bindings,\n"
	"               syscage_bindings_unselected, syscage_profiles_unbound_kept,\n"
	"               syscage_bindings_start_fatal_kept,\n"
	"               syscage_policy_sets_shadowed;\n"
	"               policies: syscage_policies_rejected{reason},\n"
	"               syscage_policies_rejected_total{reason},\n"
	"               syscage_policy_duplicates{file,kept};\n"
	"               passes: syscage_reconcile_total, syscage_reconcile_errors_total,\n"
	"               syscage_reconcile_pending, syscage_reconcile_duration_seconds,\n"
	"               syscage_last_reconcile_timestamp_seconds;\n"
	"               preflight: syscage_kubelet_seccomp_default,\n"
	"               syscage_seccomp_root_same_fs, syscage_runc_accepts_flags,\n"
	"               syscage_bpf_available;\n"
	"               recording: syscage_recorder_up, syscage_recorder_containers,\n"
	"               syscage_recorder_cgroups, syscage_recorder_cgroups_drained_total,\n"
	"               syscage_recorder_profile_writes_total,\n"
	"               syscage_recorder_write_errors_total,\n"
	"               syscage_recorder_cgroups_unnamed_total,\n"
	"               syscage_recorder_syscalls_total, syscage_recorder_map_full_total,\n"
	"               syscage_recorder_events_lost_total, syscage_recorder_missed_total,\n"
	"               syscage_healed_syscalls_total;\n"
	"               violations: syscage_violations_total{namespace,pod,container,\n"
	"               syscall,action} (container: a podman container's short id),\n"
	"               syscage_violation_records_lost_total{reason},\n"
	"               syscage_violation_series_dropped_total,\n"
	"               syscage_violations_attributed_total{by},\n"
	"               syscage_violation_pids_remembered,\n"
	"               syscage_violation_pids_not_remembered_total;\n"
	"               HTTP: syscage_http_requests_total,\n"
	"               syscage_http_connections_cut_total{reason}\n"
	"On --data-listen:\n"
	"  /profiles    JSON: installed (path, size, policies, workload, fallback),\n"
	"               rejected, recorded\n"
	"  /violations  JSON: the latest seccomp denials attributed to pods\n"
	"\n"
	"Signals: SIGHUP reconciles now; SIGTERM/SIGINT exit 0, also in the middle of a\n"
	"reconcile (nothing half-written). Logs: one line per event on stderr, every one\n"
	"key=value pairs (a value with a space or a quote is double-quoted, '\"' and '\\'\n"
	"escaped): 'ts=... level=info event=reconcile installed=3 ...'; a failed pass says\n"
	"what failed and where (event=reconcile-failed path=... msg=...), and a failed --once\n"
	"ends with that message (event=exit status=1 msg=...). What runc prints when its\n"
	"version is probed is a value of event=runc-unknown (runc_output=...), never lines of\n"
	"its own. A pass's lines are written together: once its profiles are written, when\n"
	"it ends, and before the agent waits or exits.\n"
	"\n"
	"Options:\n"
	"  -p, --policies DIR        policy directory (required)\n"
	"  -k, --kubelet-root DIR    the kubelet's root, e.g. /var/lib/kubelet (required)\n"
	"  -r, --root NAME           directory under <kubelet-root>/seccomp (default syscage)\n"
	"  -l, --listen ADDR:PORT    address of /healthz /readyz /metrics (default\n"
	"                            127.0.0.1:9402; port 0 picks one, logged as\n"
	"                            event=listen; 'none' disables HTTP)\n"
	"      --data-listen ADDR:PORT\n"
	"                            address of /profiles /violations (default\n"
	"                            127.0.0.1:9403; port 0 when --listen's port is 0,\n"
	"                            logged as event=data-listen; 'none', also the default\n"
	"                            with --listen none, disables it)\n"
	"      --state-dir DIR       recorded profiles go to DIR/recorded (default\n"
	"                            /var/lib/syscage)\n"
	"      --kubelet-config FILE the kubelet's config file for the preflight (default\n"
	"                            <kubelet-root>/config.yaml, where kubeadm puts it)\n"
	"  -a, --arch ARCH           architectures given to profiles that list none\n"
	"                            (repeatable)\n"
	"      --no-log-flag         do not add SECCOMP_FILTER_FLAG_LOG\n"
	"      --host-root DIR       the node's / is mounted at DIR (a DaemonSet): runc and\n"
	"                            the pod look-ups (proc, cgroups, kubelet logs) are there\n"
	"      --record NS/POD-GLOB  record the containers of matching pods into\n"
	"                            DIR/recorded/<ns>/<pod>/<container>.json (merged as\n"
	"                            'syscage record --append' does): one eBPF recorder for\n"
	"                            the kubepods cgroups, each container from its first\n"
	"                            syscall; an ended one is written within a second,\n"
	"                            running ones every 10 s and at exit\n"
	"      --heal NS/POD-GLOB    merge the syscalls denied to matching pods into their\n"
	"                            recorded profile (never into an installed one)\n"
	"      --kmsg PATH           kernel log to follow for violations (default /dev/kmsg)\n"
	"      --audit-log PATH      auditd log to follow as well\n"
	"      --debounce-ms N       wait N ms after the last change (default 100)\n"
	"      --jobs N              threads reading policies, 1 to 4 (default: one per CPU\n"
	"                            the agent may run on, at most 4)\n"
	"      --once                reconcile once and exit\n"
	"\n"
	"Examples:\n"
	"  syscage agent --policies /etc/syscage/policies --kubelet-root /var/lib/kubelet\n"
	"  syscage agent -p policies/ -k /var/lib/kubelet --once && ls "
	"/var/lib/kubelet/seccomp/syscage\n"
	"  syscage agent -p /policies -k /var/lib/kubelet --listen 0.0.0.0:9402 "
	"--record 'shop/web-*'\n"
	"  curl -s localhost:9402/metrics | grep syscage_profiles_installed\n"
	"  curl -s localhost:9403/violations\n"
	"  kubectl -n syscage-system port-forward pod/syscage-agent-x7k2p 9403 &\n"
	"  curl -s localhost:9403/profiles\n"
	"\n"
	"Exit status: 0 after SIGTERM/SIGINT, or --once with every policy accepted; 1 when\n"
	"--once rejected a policy, its pass failed or left profiles not updated (the last\n"
	"line, event=exit, names the path and what to do), or setup failed (root not\n"
	"writable, address in use); 2 on usage errors.\n";

/* The log sink. Lines are kept in one buffer and written to stderr in one write(2) when the
 * agent flushes: after a pass has written its profiles (before the renames), at the end of
 * every pass, before it waits for events, before it exits; or sooner when the buffer is full.
 * A pass of 10,000 profiles logs 10,000 lines: one write each was 10,000 system calls on the
 * pass's one thread. What a crash can lose is what the current pass logged since the last
 * flush. The timestamp's seconds are formatted once per second. Called from the agent's
 * thread only. */
#define LOG_BUF (64u << 10)

static struct {
	char buf[LOG_BUF];
	size_t len;
	time_t sec; /* of 'ts' */
	char ts[32];
} logs = { .sec = -1 };

static void write_stderr(const char *p, size_t n)
{
	(void)sc_write_all(STDERR_FILENO, p, n); /* failing, there is nowhere to say it */
}

static void flush_log(void *userdata)
{
	(void)userdata;
	write_stderr(logs.buf, logs.len);
	logs.len = 0;
}

static void print_log(void *userdata, const char *level, const char *line)
{
	struct timeval tv;
	char head[96];
	size_t lh = 0, lt, ll = strlen(line), lv = strnlen(level, 32);
	int ms;

	(void)gettimeofday(&tv, NULL);
	if (tv.tv_sec != logs.sec) {
		struct tm tm;
		(void)gmtime_r(&tv.tv_sec, &tm);
		(void)strftime(logs.ts, sizeof(logs.ts), "%Y-%m-%dT%H:%M:%S", &tm);
		logs.sec = tv.tv_sec;
	}
	/* "ts=<ts>.<ms>Z level=<level> ", by hand: 10,000 lines a pass. */
	lt = strlen(logs.ts);
	ms = (int)(tv.tv_usec / 1000);
	memcpy(head, "ts=", 3);
	memcpy(head + 3, logs.ts, lt);
	lh = 3 + lt;
	head[lh++] = '.';
	head[lh++] = (char)('0' + ms / 100);
	head[lh++] = (char)('0' + ms / 10 % 10);
	head[lh++] = (char)('0' + ms % 10);
	memcpy(head + lh, "Z level=", 8);
	lh += 8;
	memcpy(head + lh, level, lv);
	lh += lv;
	head[lh++] = ' ';
	if (logs.len + lh + ll + 1 > sizeof(logs.buf))
		flush_log(userdata);
	if (lh + ll + 1 > sizeof(logs.buf)) {
		/* Longer than the buffer (no line is): as it is. */
		write_stderr(head, lh);
		write_stderr(line, ll);
		write_stderr("\n", 1);
		return;
	}
	memcpy(logs.buf + logs.len, head, lh);
	memcpy(logs.buf + logs.len + lh, line, ll);
	logs.len += lh + ll;
	logs.buf[logs.len++] = '\n';
}

/* The agent's last word, a log line like the others (its stderr is a log stream, read by
 * people and by log parsers alike): what failed, where, and what to do. Returns 1. */
static int exit_log(const char *fmt, ...) _printf_(1, 2);
static int exit_log(const char *fmt, ...)
{
	char msg[2048], line[4200];
	size_t o;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = (size_t)snprintf(line, sizeof(line), "event=exit status=%d msg=\"", EXIT_FINDINGS);
	for (const char *p = msg; *p && o + 3 < sizeof(line); p++) {
		if (*p == '"' || *p == '\\')
			line[o++] = '\\';
		line[o++] = (unsigned char)*p < ' ' ? ' ' : *p;
	}
	line[o++] = '"';
	line[o] = 0;
	print_log(NULL, "error", line);
	flush_log(NULL);
	return EXIT_FINDINGS;
}

/* Run, then free; a failure ends with the pass's own message (--once: it names the path),
 * else the cause. 0, 1 (a rejected policy or a failure). */
static int run(struct sc_agent *a)
{
	int r = sc_agent_run(a);

	if (r < 0 && sc_agent_error(a))
		(void)exit_log("%s", sc_agent_error(a));
	else if (r < 0)
		(void)exit_log("%s (see the lines above)", strerror(-r));
	sc_agent_free(a);
	flush_log(NULL);
	return r < 0 ? 1 : r;
}

enum {
	OPT_STATE_DIR = 0x100,
	OPT_DATA_LISTEN,
	OPT_KUBELET_CONFIG,
	OPT_NO_LOG_FLAG,
	OPT_HOST_ROOT,
	OPT_RECORD,
	OPT_HEAL,
	OPT_KMSG,
	OPT_AUDIT_LOG,
	OPT_DEBOUNCE,
	OPT_ONCE,
	OPT_RESYNC,
	OPT_JOBS,
};

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int push(const char ***v, size_t *n, const char *s)
{
	const char **x = reallocarray(*v, *n + 1, sizeof(**v));
	if (!x)
		return -ENOMEM;
	x[(*n)++] = s;
	*v = x;
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "kubelet-root", required_argument, NULL, 'k' },
		{ "root", required_argument, NULL, 'r' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data-listen", required_argument, NULL, OPT_DATA_LISTEN },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "kubelet-config", required_argument, NULL, OPT_KUBELET_CONFIG },
		{ "arch", required_argument, NULL, 'a' },
		{ "no-log-flag", no_argument, NULL, OPT_NO_LOG_FLAG },
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "heal", required_argument, NULL, OPT_HEAL },
		{ "kmsg", required_argument, NULL, OPT_KMSG },
		{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
		{ "debounce-ms", required_argument, NULL, OPT_DEBOUNCE },
		{ "resync-s", required_argument, NULL, OPT_RESYNC },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "once", no_argument, NULL, OPT_ONCE },
		{},
	};
	struct sc_agent_opts o = { .log = print_log, .log_flush = flush_log };
	cleanup_free enum sc_arch *arches = NULL;
	cleanup_free const char **record = NULL, **heal = NULL;
	struct sc_agent *a = NULL;
	unsigned long v;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "p:k:r:l:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.policies_dir = optarg;
			break;
		case 'k':
			o.kubelet_root = optarg;
			break;
		case 'r':
			if (!sc_dns1123_label_valid(optarg))
				return cli_usage_error("agent",
						       "--root '%s' must be one DNS-1123 label "
						       "(lowercase letters, digits, '-')",
						       optarg);
			o.root = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case OPT_DATA_LISTEN:
			o.data_listen = optarg;
			break;
		case OPT_STATE_DIR:
			o.state_dir = optarg;
			break;
		case OPT_KUBELET_CONFIG:
			o.kubelet_config = optarg;
			break;
		case 'a': {
			enum sc_arch x, *na;
			if (cli_parse_arch(optarg, &x) < 0)
				return EXIT_USAGE;
			na = reallocarray(arches, o.n_arches + 1, sizeof(*na));
			if (!na)
				return cli_error("out of memory");
			arches = na;
			arches[o.n_arches++] = x;
			break;
		}
		case OPT_HOST_ROOT:
			o.host_root = optarg;
			break;
		case OPT_NO_LOG_FLAG:
			o.no_log_flag = true;
			break;
		case OPT_RECORD:
		case OPT_HEAL:
			if (!strchr(optarg, '/'))
				return cli_usage_error("agent",
						       "--%s wants NAMESPACE/POD-GLOB, not '%s'",
						       c == OPT_RECORD ? "record" : "heal", optarg);
			if (push(c == OPT_RECORD ? &record : &heal,
				 c == OPT_RECORD ? &o.n_record : &o.n_heal, optarg) < 0)
				return cli_error("out of memory");
			break;
		case OPT_KMSG:
			o.kmsg_path = optarg;
			break;
		case OPT_AUDIT_LOG:
			o.audit_log = optarg;
			break;
		case OPT_DEBOUNCE:
		case OPT_RESYNC:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || v == 0 || v > 3600000)
				return cli_usage_error(
					"agent", "--%s wants a positive number, not '%s'",
					c == OPT_DEBOUNCE ? "debounce-ms" : "resync-s", optarg);
			if (c == OPT_DEBOUNCE)
				o.debounce_ms = (unsigned)v;
			else
				o.resync_s = (unsigned)v;
			break;
		case OPT_JOBS:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || v == 0 || v > 4)
				return cli_usage_error("agent", "--jobs wants 1 to 4, not '%s'",
						       optarg);
			o.jobs = (unsigned)v;
			break;
		case OPT_ONCE:
			o.once = true;
			break;
		default:
			return cli_bad_option("agent");
		}
	}
	if (optind != argc)
		return cli_usage_error("agent", "unexpected argument '%s'", argv[optind]);
	if (!o.policies_dir)
		return cli_usage_error("agent", "missing --policies DIR");
	if (!o.kubelet_root)
		return cli_usage_error("agent", "missing --kubelet-root DIR");
	o.arches = arches;
	o.record = record;
	o.heal = heal;

	r = sc_agent_new(&o, &a);
	if (r == -ENOENT || (r == -ENOTDIR && !is_dir(o.kubelet_root)))
		return exit_log("cannot start: --kubelet-root %s: %s: pass the kubelet's root "
				"directory (its --root-dir, /var/lib/kubelet by default)",
				o.kubelet_root, strerror(-r));
	if (r == -ELOOP || r == -ENOTDIR)
		return exit_log("cannot start: %s/seccomp or the root below it is refused (see "
				"event=root-refused above for which and what to do)",
				o.kubelet_root);
	if (r < 0)
		return exit_log("cannot start: %s (see the event=...-failed line above)",
				strerror(-r));
	r = run(a);
	return r == 0 ? EXIT_OK : EXIT_FINDINGS;
}
