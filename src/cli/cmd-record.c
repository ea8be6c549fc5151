/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage record: every syscall of a command, a process tree or a cgroup, per ABI, into a
 * profile. The recording is libsyscage's (record.c); this file parses flags and prints. */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "syscage/record.h"

const char cmd_record_help[] =
	"Usage: syscage record [OPTIONS] -- COMMAND [ARGS...]\n"
	"       syscage record [OPTIONS] --pid PID\n"
	"       syscage record [OPTIONS] --cgroup PATH\n"
	"       syscage record --preflight\n"
	"\n"
	"Record every syscall a workload enters - every thread, fork, clone and exec, every ABI\n"
	"(x86_64, i386 compat via int $0x80, x32) - and write a profile that allows them:\n"
	"defaultAction SCMP_ACT_ERRNO, architectures = the ABIs seen, SCMP_ACT_ALLOW for each\n"
	"syscall under its name on the ABI that made it (i386's getuid32, socketcall, ...),\n"
	"and the calls the kernel or libc make without asking (restart_syscall, rt_sigreturn,\n"
	"exit, the vDSO's fallbacks; see `syscage check`). --summary says which ABI made what.\n"
	"\n"
	"An OCI or Docker profile has no per-rule ABI: runc and libseccomp allow each name on\n"
	"every listed architecture, so a program that made i386 calls gets its x86_64 calls\n"
	"allowed through int $0x80 too. When more than one ABI was seen this is said on\n"
	"stderr, with how many names only one ABI made; --abi native keeps the native ABI\n"
	"alone.\n"
	"\n"
	"COMMAND is started stopped and released once recording is ready; its exit status is\n"
	"passed through. Recording stops when COMMAND and every process it started have exited\n"
	"(a daemon that forks and returns, a shell's '&': their calls belong in the profile\n"
	"too, and it says on stderr when it waits for them), on SIGINT/SIGTERM, or after\n"
	"--duration; --stop-at-exit stops when COMMAND exits. With --pid, PID and its\n"
	"descendants are recorded the same way; with --cgroup, every process in that cgroup\n"
	"v2 directory and below, until a signal or --duration (ptrace: the processes in it\n"
	"when recording starts and their descendants, until they are all gone).\n"
	"\n"
	"Methods:\n"
	"  ebpf    raw tracepoint sys_enter + per-ABI bitmaps in BPF maps: no event traffic,\n"
	"          small overhead. Needs root (or CAP_BPF + CAP_PERFMON), kernel >= 5.12 with\n"
	"          BTF (/sys/kernel/btf/vmlinux). `syscage record --preflight` checks.\n"
	"  ptrace  PTRACE_SEIZE + PTRACE_GET_SYSCALL_INFO: works where BPF does not, two\n"
	"          stops per syscall (slow). Same output.\n"
	"  auto    ebpf when it loads, else ptrace (default); says which on stderr.\n"
	"A syscall denied by a seccomp filter already in force is not seen by either method.\n"
	"\n"
	"Options:\n"
	"  -m, --method M        auto (default), ebpf, ptrace\n"
	"  -p, --pid PID         record an existing process and its descendants\n"
	"  -c, --cgroup PATH     record a cgroup v2 directory (containers), e.g.\n"
	"                        /sys/fs/cgroup/system.slice/docker-ID.scope\n"
	"  -d, --duration T      stop after T (seconds, or with a suffix ms, s, m, h)\n"
	"  -o, --output FILE     write the profile to FILE (atomically); default stdout\n"
	"  -f, --format F        oci (default), spo, kubearmor\n"
	"  -n, --name NAME       metadata.name for spo/kubearmor (default: recorded-COMMAND)\n"
	"  -a, --arch ARCH       also list ARCH in architectures (repeatable)\n"
	"      --append FILE     merge into the profile in FILE (written back unless -o is\n"
	"                        given) and report on stderr which syscalls are new\n"
	"      --base B          none (default) or runtime: add what runc calls after it has\n"
	"                        loaded the filter (execve, the Go runtime's futex, ...); use it\n"
	"                        for profiles given to container runtimes\n"
	"      --abi A           all (default): list every ABI the workload used; native:\n"
	"                        drop the calls made through the others (i386, x32), which\n"
	"                        then get the arch-mismatch action (the process is killed)\n"
	"      --stop-at-exit    stop when COMMAND (or PID) exits, not when the processes it\n"
	"                        left running have exited too (their later calls are missed)\n"
	"      --summary         print calls per syscall (ARCH NAME COUNT) to stderr\n"
	"      --preflight       only check whether eBPF recording works here, and say what\n"
	"                        is missing and how to fix it\n"
	"  -h, --help            this text\n"
	"\n"
	"Examples:\n"
	"  syscage record -o app.json -- ./app --serve      # then: syscage run -p app.json -- "
	"./app\n"
	"  syscage record --method ptrace --summary -o ls.json -- ls -l /\n"
	"  syscage record --pid 1234 --duration 60 -o svc.json\n"
	"  syscage record --cgroup /sys/fs/cgroup/system.slice/nginx.service -d 5m \\\n"
	"      --format spo --name nginx --base runtime -o nginx.yaml\n"
	"  syscage record --append app.json -- ./app --other-mode\n"
	"\n"
	"Exit status: COMMAND's (128+N when killed by signal N); 0 for --pid/--cgroup;\n"
	"1 when the profile cannot be written or --preflight finds a problem; 2 usage;\n"
	"125 when recording could not start (the reason is printed).\n";

static int parse_duration(const char *s, uint64_t *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (!*end || streq(end, "s"))
		v *= 1000;
	else if (streq(end, "ms"))
		;
	else if (streq(end, "m"))
		v *= 60000;
	else if (streq(end, "h"))
		v *= 3600000;
	else
		return -EINVAL;
	if (v < 1 || v > 1e15)
		return -EINVAL;
	*ret_ms = (uint64_t)v;
	return 0;
}

/* A Kubernetes object name from a command: lowercase, [a-z0-9-], at most 63 characters. */
static char *default_name(const char *cmd)
{
	const char *b = strrchr(cmd, '/');
	char *s;
	size_t n = 0;

	b = b ? b + 1 : cmd;
	s = malloc(strlen(b) + sizeof("recorded-"));
	if (!s)
		return NULL;
	n = (size_t)sprintf(s, "recorded-");
	for (; *b && n < 63; b++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*b);
		s[n++] = isalnum(c) ? (char)c : '-';
	}
	while (n > 0 && s[n - 1] == '-')
		n--;
	s[n] = '\0';
	return s;
}

static int print_preflight(void)
{
	struct sc_diags d = { 0 };
	int n = sc_record_bpf_preflight(&d);

	if (n == 0) {
		printf("eBPF recording is available (raw tracepoints, BTF at "
		       "/sys/kernel/btf/vmlinux, privileges ok)\n");
		sc_diags_clear(&d);
		return EXIT_OK;
	}
	for (size_t i = 0; i < d.n; i++)
		cli_error("eBPF: %s", d.v[i].message);
	fprintf(stderr, "record still works with --method ptrace (slower).\n");
	sc_diags_clear(&d);
	return EXIT_FINDINGS;
}

static int cmp_count(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b; /* {count, arch, nr} */
	if (x[0] != y[0])
		return x[0] < y[0] ? 1 : -1;
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return x[2] < y[2] ? -1 : x[2] > y[2];
}

static void print_summary(const struct sc_record *r)
{
	size_t n = sc_record_distinct(r, -1), k = 0;
	cleanup_free uint64_t *rows = calloc(n ? n : 1, 3 * sizeof(uint64_t));

	if (!rows)
		return;
	for_each_arch (a) {
		uint32_t base = sc_arch_info(a)->nr_base;
		for (uint32_t i = 0; i < SC_RECORD_MAX_NR && k < n; i++)
			if (sc_record_has(r, a, base + i)) {
				rows[3 * k] = sc_record_count(r, a, base + i);
				rows[3 * k + 1] = (uint64_t)a;
				rows[3 * k + 2] = base + i;
				k++;
			}
	}
	qsort(rows, k, 3 * sizeof(uint64_t), cmp_count);
	fprintf(stderr, "%-8s %-24s %12s\n", "ARCH", "SYSCALL", "CALLS");
	for (size_t i = 0; i < k; i++) {
		enum sc_arch a = (enum sc_arch)rows[3 * i + 1];
		uint32_t nr = (uint32_t)rows[3 * i + 2];
		const char *name = sc_syscall_to_name(a, nr);
		char num[32];
		if (!name) {
			snprintf(num, sizeof(num), "#%u", nr);
			name = num;
		}
		fprintf(stderr, "%-8s %-24s %12llu\n", sc_arch_info(a)->name, name,
			(unsigned long long)rows[3 * i]);
	}
	fprintf(stderr, "%zu distinct syscalls, %llu calls\n", k, (unsigned long long)r->events);
}

static void describe(const struct sc_record *r)
{
	char buf[256] = "";
	size_t off = 0;

	for_each_arch (a) {
		size_t n = sc_record_distinct(r, a);
		if (n && off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s %zu",
						off ? ", " : "", sc_arch_info(a)->name, n);
	}
	cli_note("recorded %zu distinct syscalls (%s) in %llu calls", sc_record_distinct(r, -1),
		 off ? buf : "none", (unsigned long long)r->events);
}

/* "x86_64 38, x86 2" from per-ABI counts; the zero ones left out. */
static const char *per_abi(const size_t *n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for_each_arch (a)
		if (n[a] && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s %zu", off ? ", " : "",
						sc_arch_info(a)->name, n[a]);
	return buf;
}

/* More than one ABI: say what OCI makes of it, or (--abi native) drop the others. */
static void report_abis(struct sc_record *rec, bool native_only)
{
	struct sc_record_abis ov;
	size_t seen[_SC_ARCH_COUNT] = { 0 };
	enum sc_arch nat = sc_arch_native();
	char b1[256], b2[256];

	for_each_arch (a)
		seen[a] = a == nat ? 0 : sc_record_distinct(rec, a);
	if (native_only) {
		size_t n = sc_record_keep_abi(rec, nat);
		if (n)
			cli_note(
				"--abi native: left out %zu syscalls made through other ABIs (%s); "
				"a call through them now gets the arch-mismatch action (the "
				"process "
				"is killed)",
				n, per_abi(seen, b1, sizeof(b1)));
		return;
	}
	sc_record_abi_overlap(rec, &ov);
	if (ov.n_abis < 2)
		return;
	for_each_arch (a)
		seen[a] = sc_record_distinct(rec, a);
	cli_warn("calls were made through %zu ABIs (%s); %zu names were seen on only one of them "
		 "(%s). An OCI profile has no per-rule ABI: runc and libseccomp allow each name on "
		 "every listed architecture, so each of those is allowed through the other ABIs "
		 "too%s. If the workload does not need the other ABIs, record with --abi native",
		 ov.n_abis, per_abi(seen, b1, sizeof(b1)), ov.n_only,
		 per_abi(ov.only, b2, sizeof(b2)),
		 seen[SC_ARCH_X86] && nat == SC_ARCH_X86_64 ? " (x86_64 calls through int $0x80 "
							      "included)"
							    : "");
}

/* The command exited and left processes running: say why recording goes on. */
static void say_left_running(size_t n, void *userdata)
{
	const char *cmd = userdata;

	cli_note("%s exited; recording the %zu process%s it left running until %s exit%s "
		 "(Ctrl-C or --duration stops sooner, --stop-at-exit does not wait)",
		 cmd ? cmd : "the process", n, n == 1 ? "" : "es", n == 1 ? "it" : "they",
		 n == 1 ? "s" : "");
}

/* No container can start under what was written: say so. With --append that is the merge
 * with the file appended to, read back. */
static void warn_start_fatal(const struct sc_profile *prof, const char *append, const char *output,
			     bool created)
{
	struct sc_profile *w = NULL;
	const char *written = output ? output : append ? append : "-";

	if (!append || created) {
		cli_warn_start_fatal(written, prof, true);
		return;
	}
	if (!streq(written, "-") && sc_profile_read_file(written, NULL, &w) >= 0)
		cli_warn_start_fatal(written, w, true);
	sc_profile_free(w);
}

int cmd_record(int argc, char **argv)
{
	enum {
		OPT_APPEND = 0x100,
		OPT_BASE,
		OPT_SUMMARY,
		OPT_PREFLIGHT,
		OPT_ABI,
		OPT_STOP_AT_EXIT
	};
	static const struct option opts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "arch", required_argument, NULL, 'a' },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "abi", required_argument, NULL, OPT_ABI },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "stop-at-exit", no_argument, NULL, OPT_STOP_AT_EXIT },
		{ "preflight", no_argument, NULL, OPT_PREFLIGHT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct sc_record_opts ro = { .method = SC_RECORD_AUTO, .stop_fd = -1 };
	enum sc_arch extra[_SC_ARCH_COUNT];
	size_t n_extra = 0;
	const char *output = NULL, *append = NULL, *name = NULL;
	enum sc_format fmt = SC_FORMAT_OCI;
	bool fmt_given = false, summary = false, abi_native = false;
	enum sc_record_base base = SC_RECORD_BASE_NONE;
	struct sc_diags d = { 0 };
	struct sc_record *rec = NULL;
	struct sc_profile *prof = NULL;
	cleanup_close int sfd = -1;
	sigset_t mask, oldmask;
	struct sc_record_saved saved;
	size_t unnamed = 0;
	int c, r, ret;

	while ((c = getopt_long(argc, argv, "+m:p:c:d:o:f:n:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			ro.method = sc_record_method_from_string(optarg);
			if (ro.method < 0)
				return cli_usage_error("record",
						       "unknown method '%s' (auto, ebpf, ptrace)",
						       optarg);
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > INT32_MAX)
				return cli_usage_error("record", "bad pid '%s'", optarg);
			ro.pid = (pid_t)v;
			break;
		}
		case 'c':
			ro.cgroup = optarg;
			break;
		case 'd':
			if (parse_duration(optarg, &ro.duration_ms) < 0)
				return cli_usage_error(
					"record", "bad duration '%s' (e.g. 30, 500ms, 2m)", optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'f':
			fmt = sc_format_from_string(optarg);
			if (fmt < 0)
				return cli_usage_error("record",
						       "unknown format '%s' (oci, spo, kubearmor)",
						       optarg);
			fmt_given = true;
			break;
		case 'n':
			name = optarg;
			break;
		case 'a': {
			enum sc_arch a;
			if (cli_parse_arch(optarg, &a) < 0)
				return EXIT_USAGE;
			if (n_extra < ELEMENTSOF(extra))
				extra[n_extra++] = a;
			break;
		}
		case OPT_APPEND:
			append = optarg;
			break;
		case OPT_BASE:
			if (streq(optarg, "runtime"))
				base = SC_RECORD_BASE_RUNTIME;
			else if (streq(optarg, "none"))
				base = SC_RECORD_BASE_NONE;
			else
				return cli_usage_error("record",
						       "unknown base '%s' (none, runtime)", optarg);
			break;
		case OPT_ABI:
			if (streq(optarg, "native"))
				abi_native = true;
			else if (streq(optarg, "all"))
				abi_native = false;
			else
				return cli_usage_error("record", "unknown --abi '%s' (all, native)",
						       optarg);
			break;
		case OPT_SUMMARY:
			summary = true;
			break;
		case OPT_STOP_AT_EXIT:
			ro.stop_at_exit = true;
			break;
		case OPT_PREFLIGHT:
			return print_preflight();
		case 'h':
			return cli_help(cmd_record_help);
		default:
			return cli_bad_option("record");
		}
	}
	if (optind < argc)
		ro.argv = argv + optind;
	if (!!ro.argv + !!ro.pid + !!ro.cgroup != 1)
		return cli_usage_error("record",
				       "give exactly one of -- COMMAND, --pid or --cgroup");

	/* SIGINT/SIGTERM/SIGHUP end the recording (through a signalfd); the command gets an
	 * unblocked mask and the terminal's SIGINT as usual. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ro.stop_fd = sfd;

	ro.on_left_running = say_left_running;
	ro.userdata = ro.argv ? ro.argv[0] : NULL;
	r = sc_record_run(&ro, &d, &rec);
	for (size_t i = 0; i < d.n; i++) {
		const struct sc_diag *g = &d.v[i];
		if (g->severity == SC_SEV_ERROR)
			cli_error("%s", g->message);
		else if (g->severity == SC_SEV_WARNING)
			cli_warn("%s", g->message);
		else
			cli_note("%s", g->message);
	}
	sc_diags_clear(&d);
	/* The signal that ended the recording is still pending: take it, or unblocking would
	 * let it kill us before the profile is written. */
	for (struct signalfd_siginfo si; read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si);)
		;
	(void)sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (r < 0) {
		if (r == -EPERM && ro.method == SC_RECORD_BPF)
			fprintf(stderr, "Check with 'syscage record --preflight'; --method ptrace "
					"works without BPF.\n");
		else if (d.n == 0)
			cli_error("recording failed: %s", strerror(-r));
		return 125;
	}
	cli_note("recorded with %s", rec->method == SC_RECORD_BPF ? "eBPF" : "ptrace");
	if (rec->left_running)
		cli_warn("%zu process%s %s started %s still running when recording stopped: %s "
			 "later calls are not in the profile (%s)",
			 rec->left_running, rec->left_running == 1 ? "" : "es",
			 ro.argv ? ro.argv[0] : "the process",
			 rec->left_running == 1 ? "was" : "were",
			 rec->left_running == 1 ? "its" : "their",
			 ro.stop_at_exit
				 ? "without --stop-at-exit, record waits for them"
				 : "record again with a longer --duration, or until they exit");
	describe(rec);
	if (summary)
		print_summary(rec);

	ret = EXIT_OK;
	if (rec->has_status)
		ret = WIFEXITED(rec->status)	 ? WEXITSTATUS(rec->status)
		      : WIFSIGNALED(rec->status) ? 128 + WTERMSIG(rec->status)
						 : EXIT_OK;

	report_abis(rec, abi_native);
	r = sc_record_to_profile(rec, extra, n_extra, base, &prof, &unnamed);
	if (r < 0) {
		cli_error("cannot build the profile: %s", strerror(-r));
		sc_record_free(rec);
		return EXIT_FINDINGS;
	}
	if (unnamed)
		cli_warn("%zu recorded syscall numbers have no name in syscage's table and are "
			 "left out (see --summary)",
			 unnamed);
	if (name || fmt != SC_FORMAT_OCI) {
		char *n = name ? strdup(name) : default_name(ro.argv ? ro.argv[0] : "workload");
		if (n) {
			free(prof->meta.name);
			prof->meta.name = n;
		}
	}

	r = sc_record_save(prof, append, output, fmt_given ? (int)fmt : -1, &d, &saved);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (saved.created)
		cli_note("%s does not exist yet: writing it", append);
	else if (append && saved.step > SC_RECORD_SAVE_MERGE) {
		if (saved.n_fresh == 0)
			cli_note("nothing new: %s already allows every recorded syscall", append);
		else {
			fprintf(stderr, "syscage: %zu new syscall%s:", saved.n_fresh,
				saved.n_fresh == 1 ? "" : "s");
			for (size_t i = 0; i < saved.n_fresh; i++)
				fprintf(stderr, " %s", saved.fresh[i]);
			fputc('\n', stderr);
		}
	}
	free(saved.fresh);
	if (r >= 0)
		warn_start_fatal(prof, append, output, saved.created);
	if (r < 0) {
		if (saved.step == SC_RECORD_SAVE_READ)
			cli_error("cannot read %s to append to", append);
		else if (saved.step == SC_RECORD_SAVE_MERGE)
			cli_error("cannot merge: %s", strerror(-r));
		else {
			output = output ? output : append ? append : "-";
			cli_write_error(output, prof, fmt_given ? (int)fmt : -1, r);
		}
		/* The command's own exit status wins over a failed write, not over a failed read.
		 */
		if (saved.step != SC_RECORD_SAVE_WRITE || ret == EXIT_OK)
			ret = EXIT_FINDINGS;
	}
	sc_profile_free(prof);
	sc_record_free(rec);
	return ret;
}
