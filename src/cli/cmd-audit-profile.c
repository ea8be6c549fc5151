/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage audit-profile: the profile that logs every syscall (the seeds' audit.json), with
 * an option to still deny the calls no workload should make while it is being learned. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_audit_profile_help[] =
	"Usage: syscage audit-profile [--deny-dangerous] [--arch ARCH] [-o FILE]\n"
	"                             [--format oci|spo|kubearmor] [--name NAME]\n"
	"\n"
	"Write the profile that logs every syscall: defaultAction SCMP_ACT_LOG for the\n"
	"native architecture and its sub-architectures (x86_64: x86 and x32; aarch64: arm).\n"
	"Run a workload under it, then turn the kernel's records into a least-privilege\n"
	"profile with 'syscage logs'.\n"
	"\n"
	"With --deny-dangerous, everything is still logged but these calls fail with EPERM,\n"
	"and the filter carries SECCOMP_FILTER_FLAG_LOG so the denials are logged too\n"
	"('syscage logs --violations' shows them):\n"
	"  kexec_load kexec_file_load            replace the running kernel\n"
	"  init_module finit_module delete_module create_module get_kernel_syms\n"
	"  query_module                          load, unload or probe kernel code\n"
	"  bpf                                   load programs into the kernel; verifier\n"
	"                                        bugs are a common privilege escalation\n"
	"  ptrace process_vm_readv process_vm_writev kcmp\n"
	"                                        read or change other processes (ptrace\n"
	"                                        could bypass seccomp before Linux 4.8)\n"
	"  perf_event_open                       kernel address leaks, side channels\n"
	"  add_key keyctl request_key            the kernel keyring is not namespaced\n"
	"  userfaultfd                           stalls kernel page faults: the usual way\n"
	"                                        to win exploit races\n"
	"  mount umount umount2 pivot_root move_mount open_tree fsopen fsconfig fsmount\n"
	"  fspick mount_setattr                  change the filesystem view (escapes)\n"
	"  unshare setns                         new or foreign namespaces; user namespaces\n"
	"                                        expose root-only kernel code\n"
	"  reboot swapon swapoff acct            host-wide state\n"
	"  settimeofday stime clock_settime clock_settime64 clock_adjtime\n"
	"  clock_adjtime64 adjtimex              the host clock (not namespaced)\n"
	"  syslog                                the kernel log (kernel addresses)\n"
	"  iopl ioperm                           raw I/O port access\n"
	"  open_by_handle_at                     opens files outside the container by\n"
	"                                        handle (the 'shocker' breakout)\n"
	"  quotactl quotactl_fd vhangup lookup_dcookie nfsservctl uselib sysfs _sysctl\n"
	"                                        obsolete or host administration; no\n"
	"                                        workload needs them\n"
	"Names a given architecture does not have are skipped by the runtimes.\n"
	"\n"
	"Options:\n"
	"  -d, --deny-dangerous  deny the calls above with EPERM (and log the denials)\n"
	"  -a, --arch ARCH       native architecture (default: this machine's)\n"
	"  -o, --output FILE     write to FILE atomically (default: standard output),\n"
	"                        creating missing directories\n"
	"  -F, --format FMT      oci (default), spo (SeccompProfile) or kubearmor\n"
	"  -n, --name NAME       metadata name for spo and kubearmor (default: audit)\n"
	"  -h, --help            this text\n"
	"\n"
	"Examples:\n"
	"  syscage audit-profile -o /var/lib/kubelet/seccomp/profiles/audit.json\n"
	"  syscage audit-profile --deny-dangerous -o audit-safe.json\n"
	"  syscage run -p audit-safe.json -- ./app && syscage logs --kmsg --comm app\n"
	"  syscage audit-profile --format spo --name audit > audit.yaml\n"
	"\n"
	"Exit status: 0 ok, 1 the profile could not be written, 2 usage.\n";

/* The list in the help text, in the same order. */
static const char *const dangerous[] = {
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"get_kernel_syms",
	"query_module",
	"bpf",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"perf_event_open",
	"add_key",
	"keyctl",
	"request_key",
	"userfaultfd",
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"unshare",
	"setns",
	"reboot",
	"swapon",
	"swapoff",
	"acct",
	"settimeofday",
	"stime",
	"clock_settime",
	"clock_settime64",
	"clock_adjtime",
	"clock_adjtime64",
	"adjtimex",
	"syslog",
	"iopl",
	"ioperm",
	"open_by_handle_at",
	"quotactl",
	"quotactl_fd",
	"vhangup",
	"lookup_dcookie",
	"nfsservctl",
	"uselib",
	"sysfs",
	"_sysctl",
};

int cmd_audit_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "deny-dangerous", no_argument, NULL, 'd' },
		{ "arch", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' },
		{},
	};
	enum sc_arch native = sc_arch_native(), sub[8];
	enum sc_format fmt = SC_FORMAT_OCI;
	const char *out = "-", *name = "audit";
	bool deny = false;
	struct sc_profile *p;
	unsigned n_sub;
	int c, r;

	while ((c = getopt_long(argc, argv, "+da:o:F:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			deny = true;
			break;
		case 'a':
			if (cli_parse_arch(optarg, &native) < 0)
				return EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		case 'F':
			fmt = sc_format_from_string(optarg);
			if (fmt < 0)
				return cli_usage_error(
					"audit-profile",
					"unknown --format '%s' (expected oci, spo or "
					"kubearmor)",
					optarg);
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return cli_bad_option("audit-profile");
		}
	}
	if (optind < argc)
		return cli_usage_error("audit-profile", "unexpected argument '%s'", argv[optind]);

	p = sc_profile_new();
	if (!p)
		return cli_error("out of memory");
	p->default_action = SC_ACT_LOG;
	p->meta.format = fmt;
	r = sc_profile_add_arch(p, native);
	n_sub = sc_arch_subarches(native, sub, ELEMENTSOF(sub));
	for (unsigned i = 0; r >= 0 && i < n_sub; i++)
		r = sc_profile_add_arch(p, sub[i]);
	if (r >= 0 && fmt != SC_FORMAT_OCI) {
		p->meta.name = strdup(name);
		if (!p->meta.name)
			r = -ENOMEM;
	}
	if (r >= 0 && deny) {
		struct sc_rule *rule = sc_profile_add_rule(p, SC_ACT_ERRNO, NULL, 0);
		if (!rule)
			r = -ENOMEM;
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dangerous); i++)
			if (sc_syscall_known(dangerous[i]))
				r = sc_rule_add_name(rule, dangerous[i]);
		if (r >= 0) {
			rule->has_errno = true;
			rule->errno_ret = EPERM;
			rule->comment = strdup("dangerous calls: see syscage audit-profile --help");
			if (!rule->comment)
				r = -ENOMEM;
		}
		/* ERRNO decisions are logged only with this flag. */
		p->flags |= SC_FLAG_LOG;
	}
	if (r < 0) {
		sc_profile_free(p);
		return cli_error("out of memory");
	}
	r = sc_profile_write_file(p, fmt, out);
	if (r < 0)
		r = cli_write_error(out, p, (int)fmt, r);
	else {
		cli_warn_fallback_changed(out, p, (int)fmt);
		cli_warn_start_fatal(out, p, false);
	}
	sc_profile_free(p);
	if (r != 0)
		return r;
	return EXIT_OK;
}
