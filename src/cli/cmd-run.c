/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage run: compile a profile, set no_new_privs, load the filter and exec the command,
 * so the exit status is the command's own. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/filter.h"

/* env(1)'s and chroot(1)'s codes. */
enum {
	EXIT_RUN_FAILED = 125,
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

const char cmd_run_help[] =
	"Usage: syscage run -p PROFILE [--log] [--no-enosys] [--] CMD [ARGS...]\n"
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
	"Options:\n"
	"  -p, --profile FILE  the profile (OCI/Docker JSON, SPO or KubeArmor YAML)\n"
	"      --log           also set SECCOMP_FILTER_FLAG_LOG\n"
	"      --no-enosys     no ERRNO(ENOSYS) for syscalls newer than the profile\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples:\n"
	"  syscage run -p app.json -- ./app --serve\n"
	"  syscage run -p docker-default.json --log -- sh -c 'unshare -U true'\n"
	"  syscage record -o app.json -- ./app && syscage run -p app.json -- ./app\n"
	"\n"
	"Exit status: CMD's, or 125 when the profile cannot be read, compiled or loaded,\n"
	"126 when CMD cannot be executed, 127 when CMD is not found (as env(1)), 2 on a\n"
	"usage error.\n";

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
		{ "profile", required_argument, NULL, 'p' },
		{ "log", no_argument, NULL, 'L' },
		{ "no-enosys", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *profile_path = NULL;
	bool log = false, enosys = true;
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
		case 'h':
			return cli_help(cmd_run_help);
		default:
			return cli_usage_error("run", "bad option");
		}
	}
	if (!profile_path)
		return cli_usage_error("run", "missing -p PROFILE");
	if (optind >= argc)
		return cli_usage_error("run", "missing CMD");

	r = sc_profile_read_file(profile_path, &d, &p);
	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r < 0) {
		if (r != -EINVAL)
			cli_error("cannot read %s: %s", profile_path, strerror(-r));
		return EXIT_RUN_FAILED;
	}
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
	if (dropped)
		cli_warn("filter flags not applied: %s (not available to `syscage run` on this "
			 "kernel)",
			 flag_names(dropped, names, sizeof(names)));
	execv(cmd, argv + optind);
	/* The profile itself may forbid execve, or the write of this message. */
	r = errno;
	cli_error("cannot execute %s: %s%s", cmd, strerror(r),
		  r == EPERM || r == EACCES ? " (does the profile allow execve?)" : "");
	return r == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
