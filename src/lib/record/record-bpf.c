/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The eBPF recorder's loader: open/load/attach the skeleton generated from bpf/recorder.bpf.c,
 * seed the targets, read the per-CPU counters back, per ABI (the preflight is
 * record-preflight.c). Built without BPF tooling, it returns -EOPNOTSUPP after the preflight
 * said so, and `record` uses ptrace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>

#include "macro.h"
#include "record/record-backend.h"
#include "syscage/record.h"

#ifdef SC_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "record/libbpf-log.h"
#include "recorder.h"
#include "recorder.skel.h"
#endif

#define CGROUP2_MAGIC 0x63677270

/* Tests only: load sc_sys_enter_probe even where sc_sys_enter loads (record-backend.h). */
bool sc_record_bpf_force_probe = false;

#ifdef SC_HAVE_BPF

struct sc_record_bpf {
	struct recorder *skel;
	int ncpus;
};

/* The id of a cgroup v2 directory (its inode number) and its depth below the root. */
static int cgroup_id(const char *path, uint64_t *ret_id, unsigned *ret_level)
{
	char buf[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	unsigned level = 0;

	if (!realpath(path, buf))
		return -errno;
	if (statfs(buf, &sfs) < 0 || stat(buf, &st) < 0)
		return -errno;
	if (sfs.f_type != CGROUP2_MAGIC)
		return -EMEDIUMTYPE;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*ret_id = st.st_ino;
	/* Count the components up to the cgroup2 mount's root. */
	for (;;) {
		char *slash = strrchr(buf, '/');
		struct statfs up;
		if (!slash || slash == buf)
			break;
		*slash = '\0';
		if (statfs(buf, &up) < 0 || up.f_type != CGROUP2_MAGIC)
			break;
		level++;
	}
	*ret_level = level;
	return 0;
}

/* Open and load the skeleton with one of the two sys_enter programs: 'probe' picks the one
 * that reads thread_info.status with a helper call (kernels without bpf_rdonly_cast). */
static int load_skel(struct recorder **ret, bool probe, bool cgroup, uint64_t cg_id,
		     unsigned cg_level)
{
	struct recorder *skel = recorder__open();
	int r;

	if (!skel)
		return -errno;
	(void)bpf_program__set_autoload(skel->progs.sc_sys_enter, !probe);
	(void)bpf_program__set_autoload(skel->progs.sc_sys_enter_probe, probe);
	if (cgroup) {
		skel->rodata->target_mode = SC_REC_MODE_CGROUP;
		skel->rodata->target_cgroup_id = cg_id;
		skel->rodata->target_cgroup_level = cg_level;
	}
	r = recorder__load(skel);
	if (r < 0) {
		recorder__destroy(skel);
		return r;
	}
	*ret = skel;
	return 0;
}

int sc_record_bpf_open(const struct sc_record_opts *o, struct sc_diags *d,
		       struct sc_record_bpf **ret)
{
	struct sc_record_bpf *b;
	uint64_t cg_id = 0;
	unsigned cg_level = 0;
	int r;

	if (sc_record_bpf_preflight(d) > 0)
		return -EPERM;
	if (o->cgroup) {
		r = cgroup_id(o->cgroup, &cg_id, &cg_level);
		if (r < 0) {
			sc_record_problem(d, "%s: %s", o->cgroup,
					  r == -EMEDIUMTYPE
						  ? "not a cgroup v2 directory (mounted at "
						    "/sys/fs/cgroup or /sys/fs/cgroup/unified)"
						  : strerror(-r));
			return r;
		}
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		free(b);
		return -EIO;
	}
	sc_libbpf_log_start();
	/* The direct read first; where the kernel refuses it (no bpf_rdonly_cast, before 6.2),
	 * the helper's read, and the message of that last attempt if it fails too. */
	r = sc_record_bpf_force_probe ? -ENOTSUP
				      : load_skel(&b->skel, false, o->cgroup, cg_id, cg_level);
	if (r < 0) {
		sc_libbpf_log_start();
		r = load_skel(&b->skel, true, o->cgroup, cg_id, cg_level);
	}
	if (r < 0) {
		sc_record_problem(d, "cannot load the BPF program: %s%s%s", strerror(-r),
				  *sc_libbpf_log_last() ? ": " : "", sc_libbpf_log_last());
		free(b);
		return r;
	}
	r = recorder__attach(b->skel);
	if (r < 0) {
		sc_record_problem(
			d,
			"cannot attach to raw tracepoints sys_enter, sched_process_fork/exit, "
			"cgroup_attach_task: %s%s%s",
			strerror(-r), *sc_libbpf_log_last() ? ": " : "", sc_libbpf_log_last());
		sc_record_bpf_close(b);
		return r;
	}
	*ret = b;
	return 0;
}

int sc_record_bpf_add_pid(struct sc_record_bpf *b, pid_t tgid, bool until_exec)
{
	uint32_t key = (uint32_t)tgid;
	uint8_t one = until_exec ? SC_REC_TARGET_PENDING : SC_REC_TARGET_ACTIVE;

	if (bpf_map__update_elem(b->skel->maps.targets, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY) < 0)
		return -errno;
	/* A verdict cached before the add ("not a target") must not hold any longer. */
	__atomic_fetch_add(&b->skel->bss->sc_gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int sc_record_bpf_live_targets(struct sc_record_bpf *b, int max)
{
	int fd = bpf_map__fd(b->skel->maps.targets), n = 0;
	uint32_t key, next;
	void *prev = NULL;

	/* A key deleted meanwhile restarts the walk: stop at the map's size. */
	for (uint32_t k = 0;
	     k < SC_REC_MAX_TARGETS && n < max && bpf_map_get_next_key(fd, prev, &next) == 0; k++) {
		key = next;
		prev = &key;
		if (kill((pid_t)key, 0) < 0 && errno == ESRCH)
			(void)bpf_map_delete_elem(fd, &key);
		else
			n++;
	}
	return n;
}

int sc_record_bpf_set_attached(struct sc_record_bpf *b, bool attached)
{
	if (!attached) {
		recorder__detach(b->skel);
		return 0;
	}
	return recorder__attach(b->skel);
}

/* Sum of a per-CPU u64 slot. */
static int percpu_sum(struct sc_record_bpf *b, struct bpf_map *map, uint32_t key, uint64_t *v,
		      uint64_t *ret)
{
	uint64_t sum = 0;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), v, sizeof(uint64_t) * b->ncpus, 0) < 0)
		return -errno;
	for (int c = 0; c < b->ncpus; c++)
		sum += v[c];
	*ret = sum;
	return 0;
}

int sc_record_bpf_collect(struct sc_record_bpf *b, struct sc_record *r)
{
	static const enum sc_arch abi_arch[SC_REC_N_ABI] = {
		[SC_REC_ABI_NATIVE] = SC_ARCH_X86_64,
		[SC_REC_ABI_COMPAT] = SC_ARCH_X86,
		[SC_REC_ABI_X32] = SC_ARCH_X32,
	};
	/* A per-CPU value as the kernel copies it out: each CPU's rounded up to 8 bytes. */
	size_t stride = (sizeof(struct sc_rec_cpu) + 7) & ~(size_t)7;
	cleanup_free uint64_t *v = calloc((size_t)b->ncpus, sizeof(uint64_t));
	cleanup_free unsigned char *cpus = calloc((size_t)b->ncpus, stride);
	uint32_t key = 0;
	uint64_t stat[SC_REC_N_STATS], events = 0, overflow = 0;
	int ret;

	if (!v || !cpus)
		return -ENOMEM;
	if (bpf_map__lookup_elem(b->skel->maps.percpu, &key, sizeof(key), cpus,
				 stride * (size_t)b->ncpus, 0) < 0)
		return -errno;
	for (uint32_t i = 0; i < SC_REC_N_STATS; i++) {
		ret = percpu_sum(b, b->skel->maps.stats, i, v, &stat[i]);
		if (ret < 0)
			return ret;
	}
	for (int cpu = 0; cpu < b->ncpus; cpu++)
		overflow += ((const struct sc_rec_cpu *)(cpus + stride * (size_t)cpu))->overflow;
	for (unsigned abi = 0; abi < SC_REC_N_ABI; abi++) {
		enum sc_arch a = abi_arch[abi];
		uint32_t base = sc_arch_info(a)->nr_base;
		for (uint32_t nr = 0; nr < SC_REC_MAX_NR; nr++) {
			uint64_t count = 0;
			for (int cpu = 0; cpu < b->ncpus; cpu++) {
				const struct sc_rec_cpu *c =
					(const void *)(cpus + stride * (size_t)cpu);
				count += c->counts[abi * SC_REC_MAX_NR + nr];
			}
			if (!count)
				continue;
			events += count;
			ret = sc_record_add(r, a, base + nr, count);
			if (ret < 0)
				return ret;
		}
	}
	r->events += events + overflow;
	r->overflow += overflow;
	r->lost_targets += stat[SC_REC_STAT_TARGETS_FULL];
	return 0;
}

struct sc_record_bpf *sc_record_bpf_close(struct sc_record_bpf *b)
{
	if (!b)
		return NULL;
	recorder__destroy(b->skel);
	free(b);
	return NULL;
}

#else /* !SC_HAVE_BPF */

int sc_record_bpf_open(const struct sc_record_opts *o, struct sc_diags *d,
		       struct sc_record_bpf **ret)
{
	(void)sc_record_bpf_preflight(d);
	return -EOPNOTSUPP;
}

int sc_record_bpf_add_pid(struct sc_record_bpf *b, pid_t tgid, bool until_exec)
{
	return -EOPNOTSUPP;
}

int sc_record_bpf_collect(struct sc_record_bpf *b, struct sc_record *r)
{
	return -EOPNOTSUPP;
}

int sc_record_bpf_set_attached(struct sc_record_bpf *b, bool attached)
{
	return -EOPNOTSUPP;
}

int sc_record_bpf_live_targets(struct sc_record_bpf *b, int max)
{
	return -EOPNOTSUPP;
}

struct sc_record_bpf *sc_record_bpf_close(struct sc_record_bpf *b)
{
	return NULL;
}

#endif
