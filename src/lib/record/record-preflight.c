/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the eBPF recorder's preflight: whether recording can work here, and if not, why and
 * what to do. The static checks (build, capabilities, user namespace, BTF, kernel version,
 * memlock) make no bpf() call; the full preflight then loads a two-instruction raw
 * tracepoint program and attaches it to sys_enter, which is what recording does first and
 * what no static check can promise (a seccomp filter or an LSM refusing bpf()). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "base/install.h"
#include "macro.h"
#include "record/record-backend.h"
#include "syscage/record.h"

bool sc_record_bpf_built(void)
{
#ifdef SC_HAVE_BPF
	return true;
#else
	return false;
#endif
}

static bool has_cap(const struct __user_cap_data_struct data[2], unsigned cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* The kernel's version as major*1000+minor, 0 when unknown. */
static unsigned kernel_version(void)
{
	struct utsname u;
	unsigned major, minor;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

/* Whether this process runs in a user namespace other than the initial one: the kernel
 * checks CAP_BPF and CAP_PERFMON against the initial namespace, so capabilities held in a
 * child namespace (rootless podman, `unshare -U`) load nothing. The initial namespace maps
 * every uid to itself; /proc unreadable: not known, so not claimed. */
static bool in_child_userns(void)
{
	cleanup_free char *map = NULL;
	unsigned long inside, outside, count;
	size_t len = 0;

	if (sc_read_file("/proc/self/uid_map", 4096, &map, &len) < 0)
		return false;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 ||
	       outside != 0 || count != 4294967295UL || strchr(map, '\n') != map + len - 1;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Load "r0 = 0; exit" as a raw tracepoint program and attach it to sys_enter for as long as
 * two close(2) take. 0, or -errno of the step that failed ('step' says which). */
static int try_load(const char **step)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int prog, link;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = ELEMENTSOF(insns);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	*step = "load";
	prog = sys_bpf(BPF_PROG_LOAD, &attr); /* the kernel makes BPF fds O_CLOEXEC */
	if (prog < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = (uint64_t)(uintptr_t) "sys_enter";
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;
	*step = "attach";
	link = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
	if (link < 0) {
		int r = -errno;
		(void)close(prog);
		return r;
	}
	(void)close(link);
	(void)close(prog);
	return 0;
}

static void probe(struct sc_diags *d)
{
	const char *step = "load";
	int r = try_load(&step);

	if (r == 0)
		return;
	if (r == -EPERM || r == -EACCES)
		sc_record_problem(
			d,
			"the kernel refused to %s a test BPF program (%s): the capabilities look "
			"right, so a seccomp filter (a container runtime's default profile), an "
			"LSM (SELinux, AppArmor, lockdown) or the kernel's policy forbids bpf() "
			"here; fix: run where bpf() is allowed (Kubernetes: a seccompProfile "
			"that allows bpf, capabilities add: [BPF, PERFMON]), or use --method "
			"ptrace",
			step, strerror(-r));
	else if (r == -ENOSYS)
		sc_record_problem(
			d,
			"bpf() is not available (%s): a kernel without CONFIG_BPF_SYSCALL, or a "
			"seccomp filter that answers ENOSYS; fix: allow bpf in the seccomp profile "
			"or use --method ptrace",
			strerror(-r));
	else
		sc_record_problem(
			d,
			"cannot %s a test raw tracepoint BPF program on sys_enter: %s; fix: see "
			"the kernel log (dmesg), or use --method ptrace",
			step, strerror(-r));
}

int sc_record_bpf_preflight_static(struct sc_diags *d)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { 0 };
	unsigned kv = kernel_version();
	size_t before = d->n_errors;
	/* Asked whatever the answer below: a process recorded where it has every capability
	 * (tools/record-agent-profile) makes the same calls as one where it has none. */
	bool root = geteuid() == 0;
	struct rlimit rl;

	if (!sc_record_bpf_built())
		sc_record_problem(
			d, "this syscage was built without the eBPF recorder (clang, bpftool or "
			   "libbpf-dev were missing at build time); fix: install them and rebuild, "
			   "or use --method ptrace");
	/* uid 0 is not enough: a container runs as uid 0 with these dropped. Without them the
	 * kernel loads no tracing program whatever kernel.unprivileged_bpf_disabled says
	 * (that sysctl only opens socket filters to everyone). */
	if (syscall(SYS_capget, &hdr, caps) == 0 && !has_cap(caps, CAP_SYS_ADMIN) &&
	    !(has_cap(caps, 39 /* CAP_BPF */) && has_cap(caps, 38 /* CAP_PERFMON */)))
		sc_record_problem(
			d,
			"%s without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) in the effective "
			"set; "
			"fix: %s, or use --method ptrace",
			root ? "uid 0 but" : "not root and",
			root ? "grant them (a container drops them: Kubernetes securityContext "
			       "capabilities add: [BPF, PERFMON], podman --cap-add BPF,PERFMON)"
			     : "run as root (sudo syscage record ...), or grant the "
			       "capabilities "
			       "(setcap cap_bpf,cap_perfmon+ep $(command -v syscage))");
	else if (in_child_userns())
		sc_record_problem(
			d,
			"in a user namespace (/proc/self/uid_map is not the identity): the "
			"kernel counts CAP_BPF and CAP_PERFMON only in the initial one; fix: run "
			"as root of the host (a rootful container with those capabilities), or "
			"use --method ptrace");
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
		sc_record_problem(
			d,
			"no kernel BTF at /sys/kernel/btf/vmlinux (%s); fix: boot a kernel built "
			"with CONFIG_DEBUG_INFO_BTF=y (every major distribution ships one), or "
			"use --method ptrace",
			strerror(errno));
	/* 5.12: BPF atomic OR; 5.8: CAP_BPF; raw tracepoints and BTF come earlier. */
	if (kv && kv < 5012)
		sc_record_problem(
			d,
			"kernel %u.%u is too old: the recorder needs 5.12 or newer (atomic BPF "
			"operations); fix: upgrade the kernel, or use --method ptrace",
			kv / 1000, kv % 1000);
	/* Before 5.11 BPF memory is charged to RLIMIT_MEMLOCK; the maps need about 1 MiB plus
	 * 24 KiB per CPU. Since 5.11 it is charged to the memory cgroup instead. */
	if (kv && kv < 5011 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 64ull << 20)
		sc_record_problem(
			d,
			"locked-memory limit is %llu KiB, too small for BPF maps on kernel %u.%u; "
			"fix: ulimit -l unlimited (or LimitMEMLOCK=infinity in a systemd unit)",
			(unsigned long long)rl.rlim_cur / 1024, kv / 1000, kv % 1000);
	return (int)(d->n_errors - before);
}

int sc_record_bpf_preflight(struct sc_diags *d)
{
	size_t before = d->n_errors;
	int n = sc_record_bpf_preflight_static(d);

	/* Only when everything else is there: the test program proves the rest, and a process
	 * that cannot record anyway makes no bpf() call (its seccomp profile need not allow it). */
	if (n == 0)
		probe(d);
	return (int)(d->n_errors - before);
}
