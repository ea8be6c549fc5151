/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage run: compile a profile, set no_new_privs, load the filter and exec the command,
 * so the exit status is the command's own. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/filter.h"

extern char **environ;

/* env(1)'s and chroot(1)'s codes. */
enum {
	EXIT_RUN_FAILED = 125,
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

const char cmd_run_help[] =
	"Usage: syscage run -p PROFILE [--log] [--no-enosys] [--strict] [--] CMD [ARGS...]\n"
	"\n"
	"Run CMD under PROFILE: compile it to seccomp BPF for this machine (its native arch\n"
	"and, through the profile's archMap, the sub-arches it runs: i386 and x32 on\n"
	"x86_64), set no_new_privs, load the filter and exec CMD. The exit status is CMD's.\n"
	"\n"
	"The profile's \"flags\" are honoured where the kernel has them:\n"
	"SECCOMP_FILTER_FLAG_LOG (audit records for ERRNO/TRACE decisions too), SPEC_ALLOW,\n"
	"TSYNC. NEW_LISTENER and WAIT_KILLABLE_RECV need a notification listener, which run\n"
	"does not provide: they are dropped with a warning, as are flags this kernel lacks.\n"
	"Syscall numbers above the highest one the profile names get ERRNO(ENOSYS), as under\n"
	"runc, on the ABIs \"architectures\" lists (--no-enosys turns that off).\n"
	"\n"
	"Before loading the filter, run checks (by emulating it) that the calls it makes\n"
	"afterwards are allowed: execve or execveat to start CMD, exit_group or exit to\n"
	"return an error; when they are not, it stops with status 126 and names them,\n"
	"since the filter would leave no way to start CMD or to report the failure.\n"
	"Syscall names unknown on this machine are warned about, with suggestions (as\n"
	"`syscage check` reports them); SCMP_ACT_NOTIFY rules get a warning too, as run has\n"
	"no notification listener: those calls fail with ENOSYS.\n"
	"\n"
	"Options:\n"
	"  -p, --profile FILE  the profile (OCI/Docker JSON, SPO or KubeArmor YAML)\n"
	"      --log           also set SECCOMP_FILTER_FLAG_LOG\n"
	"      --no-enosys     no ERRNO(ENOSYS) for syscalls newer than the profile\n"
	"      --strict        refuse (125) a profile with unknown syscall names\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples:\n"
	"  syscage run -p app.json -- ./app --serve\n"
	"  syscage run -p docker-default.json --log -- sh -c 'unshare -U true'\n"
	"  syscage record -o app.json -- ./app && syscage run -p app.json -- ./app\n"
	"\n"
	"Exit status: CMD's, or 125 when the profile cannot be read, compiled or loaded,\n"
	"126 when CMD cannot be executed (or the profile forbids starting it), 127 when\n"
	"CMD is not found (as env(1)), 2 on a usage error.\n";

/* Find CMD as execvp(3) would. Returns 0 with *ret (malloc'ed), or an exit code. */
static int find_command(const char *cmd, char **ret)
{
	const char *path = getenv("PATH");
	bool seen_noexec = false;
	char *buf;

	if (strchr(cmd, '/')) {
		struct stat st;
		if (stat(cmd, &st) < 0) {
			cli_error("%s: %s", cmd, strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND
								   : EXIT_CANNOT_EXEC;
		}
		if (S_ISDIR(st.st_mode) || access(cmd, X_OK) < 0) {
			cli_error("%s: %s", cmd,
				  S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
			return EXIT_CANNOT_EXEC;
		}
		*ret = strdup(cmd);
		return *ret ? 0 : EXIT_RUN_FAILED;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	buf = malloc(strlen(path) + strlen(cmd) + 2);
	if (!buf)
		return EXIT_RUN_FAILED;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t len = (size_t)(end - p);
		struct stat st;

		if (len == 0)
			sprintf(buf, "./%s", cmd);
		else
			sprintf(buf, "%.*s/%s", (int)len, p, cmd);
		if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(buf, X_OK) == 0) {
				*ret = buf;
				return 0;
			}
			seen_noexec = true;
		}
		if (!*end)
			break;
		p = end;
	}
	free(buf);
	if (seen_noexec) {
		cli_error("%s: permission denied", cmd);
		return EXIT_CANNOT_EXEC;
	}
	cli_error("%s: command not found", cmd);
	return EXIT_NOT_FOUND;
}

/* Is 'name' with 'args' on the native ABI allowed by the program about to be loaded?
 * Emulated on the very program the kernel gets; *ret_action gets its SECCOMP_RET_* value. */
static bool call_allowed(const struct sock_filter *prog, size_t n, const char *name,
			 const uint64_t args[6], uint32_t *ret_action)
{
	enum sc_arch a = sc_arch_native();
	int nr = sc_syscall_from_name(a, name);
	struct seccomp_data sd = { .nr = nr, .arch = sc_arch_info(a)->audit_arch };
	uint32_t ret = SECCOMP_RET_KILL_PROCESS;

	if (nr >= 0) {
		memcpy(sd.args, args, sizeof(sd.args));
		if (sc_bpf_run(prog, n, &sd, &ret, NULL) < 0)
			ret = SECCOMP_RET_KILL_PROCESS;
	}
	*ret_action = ret;
	ret &= SECCOMP_RET_ACTION_FULL;
	return nr >= 0 && (ret == SECCOMP_RET_ALLOW || ret == SECCOMP_RET_LOG);
}

/* Append "NAME (ACTION)" to a message. */
static void add_denied(char *buf, size_t size, const char *name, uint32_t action)
{
	char a[64];
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s (%s)", n ? ", " : "", name,
		 sc_bpf_action_str(action, a, sizeof(a)));
}

struct exec_plan {
	bool execveat;	/* execve is denied, execveat is not */
	bool can_print; /* messages after loading reach stderr (write, isatty's ioctl) */
};

/* What run does after loading the filter must pass it: starting CMD (execve, or execveat
 * with the very arguments run passes) and, when that fails, exiting (exit_group or exit,
 * else glibc's _exit ends in a fault). Returns 0 or EXIT_CANNOT_EXEC after saying which
 * calls the profile denies. */
static int plan_exec(const char *profile_path, const struct sock_filter *prog, size_t n,
		     const char *cmd, char **args, struct exec_plan *ret)
{
	const uint64_t a_execve[6] = { (uintptr_t)cmd, (uintptr_t)args, (uintptr_t)environ };
	const uint64_t a_execveat[6] = { (uint64_t)(int64_t)AT_FDCWD, (uintptr_t)cmd,
					 (uintptr_t)args, (uintptr_t)environ, 0 };
	const uint64_t a_exit[6] = { EXIT_CANNOT_EXEC };
	const uint64_t a_write[6] = { STDERR_FILENO };
	const uint64_t a_ioctl[6] = { STDERR_FILENO, TCGETS };
	uint32_t act[4], ign;
	char denied[256] = "";
	bool can_exec, can_exit;

	*ret = (struct exec_plan){ 0 };
	can_exec = call_allowed(prog, n, "execve", a_execve, &act[0]);
	if (!can_exec)
		can_exec = ret->execveat = call_allowed(prog, n, "execveat", a_execveat, &act[1]);
	can_exit = call_allowed(prog, n, "exit_group", a_exit, &act[2]) ||
		   call_allowed(prog, n, "exit", a_exit, &act[3]);
	ret->can_print = call_allowed(prog, n, "write", a_write, &ign) &&
			 call_allowed(prog, n, "ioctl", a_ioctl, &ign);
	if (can_exec && can_exit)
		return 0;
	if (!can_exec) {
		add_denied(denied, sizeof(denied), "execve", act[0]);
		add_denied(denied, sizeof(denied), "execveat", act[1]);
	}
	if (!can_exit) {
		add_denied(denied, sizeof(denied), "exit_group", act[2]);
		add_denied(denied, sizeof(denied), "exit", act[3]);
	}
	cli_error("%s denies %s: %s under it; allow %s in the profile (as every workload needs)",
		  profile_path, denied,
		  can_exec ? "run could not exit if starting the command failed"
			   : "the command could not be started",
		  can_exec ? "exit_group" : "execve");
	return EXIT_CANNOT_EXEC;
}

/* Unknown syscall names: warnings, errors with --strict (as `syscage check` reports them).
 * Returns the number of errors. */
static size_t check_names(const char *path, const struct sc_profile *p, bool strict)
{
	struct sc_diags d = { 0 };
	size_t errors;

	d.file = path;
	if (sc_profile_validate_names(p, NULL, &d) < 0) {
		sc_diags_clear(&d);
		return 0;
	}
	for (size_t i = 0; i < d.n; i++)
		if (!strict && d.v[i].severity == SC_SEV_ERROR) {
			d.v[i].severity = SC_SEV_WARNING;
			d.n_errors--;
			d.n_warnings++;
		}
	errors = cli_print_diags(&d);
	sc_diags_clear(&d);
	return errors;
}

/* SCMP_ACT_NOTIFY needs a listener, which run does not provide: the kernel fails those calls
 * with ENOSYS. */
static void warn_notify(const char *path, const struct sc_profile *p)
{
	char names[256] = "";
	size_t n = 0, count = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].action != SC_ACT_NOTIFY)
			continue;
		for (size_t j = 0; j < p->rules[i].n_names; j++, count++)
			if (n < sizeof(names) - 1 && count < 8)
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
						      n ? ", " : "", p->rules[i].names[j]);
	}
	if (count)
		cli_warn("%s: SCMP_ACT_NOTIFY for %s%s: run has no notification listener, so "
			 "these calls fail with ENOSYS; use SCMP_ACT_ERRNO or SCMP_ACT_ALLOW for "
			 "them, "
			 "or a runtime with a listenerPath supervisor",
			 path, names, count > 8 ? ", ..." : "");
	if (p->default_action == SC_ACT_NOTIFY)
		cli_warn("%s: defaultAction SCMP_ACT_NOTIFY: run has no notification listener, so "
			 "every call the profile does not list fails with ENOSYS",
			 path);
}

static const char *flag_names(unsigned flags, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned bit = 1; bit && bit <= SC_FLAG_WAIT_KILLABLE_RECV; bit <<= 1)
		if ((flags & bit) && sc_flag_to_string(bit) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
					      sc_flag_to_string(bit));
	return buf;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "log", no_argument, NULL, 'L' },
		{ "no-enosys", no_argument, NULL, 'E' },     { "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },	     {},
	};
	const char *profile_path = NULL;
	bool log = false, enosys = true, strict = false;
	struct exec_plan plan;
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	cleanup_free struct sock_filter *prog = NULL;
	cleanup_free char *cmd = NULL;
	unsigned flags, dropped = 0;
	size_t n = 0;
	char names[256];
	int c, r;

	while ((c = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile_path = optarg;
			break;
		case 'L':
			log = true;
			break;
		case 'E':
			enosys = false;
			break;
		case 'S':
			strict = true;
			break;
		case 'h':
			return cli_help(cmd_run_help);
		default:
			return cli_bad_option("run");
		}
	}
	if (!profile_path)
		return cli_usage_error("run", "missing -p PROFILE");
	if (optind >= argc)
		return cli_usage_error("run", "missing CMD");

	r = sc_profile_read_file(profile_path, &d, &p);
	/* The reader says why it failed; a second message only when it did not. */
	if (cli_print_diags(&d) == 0 && r < 0)
		cli_error("cannot read %s: %s", profile_path, strerror(-r));
	sc_diags_clear(&d);
	if (r < 0)
		return EXIT_RUN_FAILED;
	if (check_names(profile_path, p, strict) > 0) {
		sc_profile_free(p);
		cli_error("%s: unknown syscall names (--strict): fix them, or run without --strict",
			  profile_path);
		return EXIT_RUN_FAILED;
	}
	warn_notify(profile_path, p);
	r = sc_compile_profile_for_kernel(p, enosys, &prog, &n);
	flags = p->flags | (log ? SC_FLAG_LOG : 0);
	sc_profile_free(p);
	if (r < 0) {
		if (r == -E2BIG)
			cli_error(
				"%s: the filter would exceed the kernel's limit of %u instructions",
				profile_path, SC_BPF_MAXINSNS);
		else
			cli_error("%s: cannot compile the filter: %s", profile_path, strerror(-r));
		return EXIT_RUN_FAILED;
	}

	/* Before the filter: afterwards the profile may forbid what finding CMD needs. */
	r = find_command(argv[optind], &cmd);
	if (r)
		return r;
	r = plan_exec(profile_path, prog, n, cmd, argv + optind, &plan);
	if (r)
		return r;

	r = sc_filter_load(prog, n, flags, &dropped);
	if (r < 0) {
		if (r == -EACCES)
			cli_error(
				"the kernel refused the filter: no_new_privs could not be set and "
				"CAP_SYS_ADMIN is missing");
		else if (r == -EINVAL)
			cli_error("the kernel refused the filter (%s): check the profile's flags "
				  "(%s) and actions",
				  strerror(-r), flag_names(flags, names, sizeof(names)));
		else
			cli_error("cannot load the filter: %s", strerror(-r));
		return EXIT_RUN_FAILED;
	}
	if (dropped && plan.can_print)
		cli_warn("filter flags not applied: %s (not available to `syscage run` on this "
			 "kernel)",
			 flag_names(dropped, names, sizeof(names)));
	if (plan.execveat)
		syscall(SYS_execveat, AT_FDCWD, cmd, argv + optind, environ, 0);
	else
		execv(cmd, argv + optind);
	r = errno;
	if (plan.can_print)
		cli_error("cannot execute %s: %s%s", cmd, strerror(r),
			  r == EPERM || r == EACCES ? " (does the profile allow execve?)" : "");
	return r == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
