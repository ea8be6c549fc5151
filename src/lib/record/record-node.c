/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node recorder's loader (bpf/noderec.bpf.c): the roots' ids and depths, the cgroup map's
 * size, load and attach; the ring buffer of cgroup births and deaths; reading and forgetting
 * one cgroup's bitmap. What the bitmaps mean for pods is the caller's (src/agent/recorder.c). */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "macro.h"
#include "record/record-backend.h"
#include "syscage/record-node.h"

#ifdef SC_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "record/libbpf-log.h"
#include "recorder.h"
#include "noderec.skel.h"
#endif

#define CGROUP2_MAGIC 0x63677270

bool sc_record_node_force_probe = false;

int sc_record_node_bits_add(const struct sc_record_node_bits *b, struct sc_record *r)
{
	static const enum sc_arch abi_arch[SC_RECORD_NODE_ABIS] = { SC_ARCH_X86_64, SC_ARCH_X86,
								    SC_ARCH_X32 };

	for (unsigned abi = 0; abi < SC_RECORD_NODE_ABIS; abi++) {
		uint32_t base = sc_arch_info(abi_arch[abi])->nr_base;
		for (uint32_t nr = 0; nr < SC_RECORD_MAX_NR; nr++) {
			if (!(b->bits[abi][nr / 64] & (1ULL << (nr % 64))))
				continue;
			int ret = sc_record_add(r, abi_arch[abi], base + nr, 1);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

bool sc_record_node_bits_new(const struct sc_record_node_bits *b,
			     const struct sc_record_node_bits *old)
{
	for (unsigned abi = 0; abi < SC_RECORD_NODE_ABIS; abi++)
		for (unsigned w = 0; w < SC_RECORD_MAX_NR / 64; w++)
			if (b->bits[abi][w] & ~old->bits[abi][w])
				return true;
	return false;
}

/* A root below the cgroup v2 mount: its id (inode number) and its depth (components). */
static int root_id(const char *cgroup_root, const char *rel, uint64_t *ret_id, uint32_t *ret_level)
{
	char path[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	uint32_t level = 0;

	if (snprintf(path, sizeof(path), "%s/%s", cgroup_root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (statfs(path, &sfs) < 0 || stat(path, &st) < 0)
		return -errno;
	if (sfs.f_type != CGROUP2_MAGIC)
		return -EMEDIUMTYPE;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (const char *p = rel; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		level++;
		while (*p && *p != '/')
			p++;
	}
	*ret_id = st.st_ino;
	*ret_level = level;
	return 0;
}

#ifdef SC_HAVE_BPF

_Static_assert(sizeof(struct sc_record_node_bits) == sizeof(struct sc_rec_seen),
	       "the public bitmap is the BPF map's value");
_Static_assert(SC_RECORD_NODE_MAX_ROOTS == SC_REC_NODE_MAX_ROOTS, "one limit");
_Static_assert(offsetof(struct sc_rec_node_event, path) == SC_REC_NODE_EVENT_HEAD, "the head");

struct sc_record_node {
	struct noderec *skel;
	struct ring_buffer *rb;
	bool cached; /* sc_node_sys_enter, not sc_node_sys_enter_probe */
	char *cgroup_root;
	int ncpus;
	void (*fn)(uint64_t id, bool gone, const char *path, void *userdata);
	void *userdata;
};

static int on_ring(void *ctx, void *data, size_t size)
{
	struct sc_record_node *n = ctx;
	const struct sc_rec_node_event *e = data;
	char path[sizeof(e->path)];

	/* The ring is mapped read-only: the path is copied to end it. */
	if (size < SC_REC_NODE_EVENT_HEAD || e->len > size - SC_REC_NODE_EVENT_HEAD ||
	    e->len > sizeof(e->path))
		return 0;
	if (e->len)
		memcpy(path, e->path, e->len - 1);
	path[e->len ? e->len - 1 : 0] = '\0';
	n->fn(e->id, e->kind == SC_REC_NODE_RMDIR, path, n->userdata);
	return 0;
}

/* Open and load the skeleton with one of the two sys_enter programs: 'probe' picks the one
 * without the per-CPU cache (kernels without bpf_rdonly_cast). */
static int load_skel(struct sc_record_node *n, const struct sc_record_node_opts *o, bool probe)
{
	int r;

	noderec__destroy(n->skel);
	n->skel = noderec__open();
	if (!n->skel)
		return -errno;
	(void)bpf_program__set_autoload(n->skel->progs.sc_node_sys_enter, !probe);
	(void)bpf_program__set_autoload(n->skel->progs.sc_node_sys_enter_probe, probe);
	/* Without the cache nothing reads the generation. */
	(void)bpf_program__set_autoload(n->skel->progs.sc_node_fork, !probe);
	(void)bpf_program__set_autoload(n->skel->progs.sc_node_cgroup_attach, !probe);
	r = bpf_map__set_max_entries(n->skel->maps.cgroups,
				     o->max_cgroups ? o->max_cgroups : SC_REC_NODE_MAX_CGROUPS);
	if (r == 0)
		r = noderec__load(n->skel);
	n->cached = r == 0 && !probe;
	return r;
}

int sc_record_node_open(const struct sc_record_node_opts *o, struct sc_diags *d,
			struct sc_record_node **ret)
{
	struct sc_record_node *n;
	int r;

	if (!o->cgroup_root || o->n_roots > SC_RECORD_NODE_MAX_ROOTS)
		return -EINVAL;
	if (sc_record_bpf_preflight(d) > 0)
		return -EPERM;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->ncpus = libbpf_num_possible_cpus();
	n->cgroup_root = strdup(o->cgroup_root);
	if (!n->cgroup_root)
		return sc_record_node_free(n), -ENOMEM;
	/* The cached program first; where the kernel refuses it (no bpf_rdonly_cast, before
	 * 6.2), the uncached one, and the message of that last attempt if it fails too. */
	sc_libbpf_log_start();
	r = sc_record_node_force_probe ? -ENOTSUP : load_skel(n, o, false);
	if (r < 0) {
		sc_libbpf_log_start();
		r = load_skel(n, o, true);
	}
	if (r < 0) {
		sc_record_problem(d, "cannot load the node recorder: %s%s%s", strerror(-r),
				  *sc_libbpf_log_last() ? ": " : "", sc_libbpf_log_last());
		return sc_record_node_free(n), r;
	}
	/* The ring buffer before the programs: no cgroup event is made that nobody reads. */
	n->rb = ring_buffer__new(bpf_map__fd(n->skel->maps.cgroup_events), on_ring, n, NULL);
	if (!n->rb) {
		r = -errno;
		sc_record_problem(d, "cannot map the node recorder's ring buffer: %s",
				  strerror(-r));
		return sc_record_node_free(n), r;
	}
	r = noderec__attach(n->skel);
	if (r < 0) {
		sc_record_problem(
			d,
			"cannot attach to raw tracepoints sys_enter/cgroup_mkdir/cgroup_rmdir: "
			"%s%s%s",
			strerror(-r), *sc_libbpf_log_last() ? ": " : "", sc_libbpf_log_last());
		return sc_record_node_free(n), r;
	}
	for (size_t i = 0; i < o->n_roots; i++) {
		r = sc_record_node_add_root(n, o->roots[i]);
		if (r < 0) {
			sc_record_problem(d, "%s/%s: %s", o->cgroup_root, o->roots[i],
					  r == -EMEDIUMTYPE ? "not a cgroup v2 directory"
							    : strerror(-r));
			return sc_record_node_free(n), r;
		}
	}
	*ret = n;
	return 0;
}

int sc_record_node_add_root(struct sc_record_node *n, const char *rel)
{
	uint32_t k = n->skel->bss->n_roots, level;
	uint64_t id;
	int r;

	if (k >= SC_REC_NODE_MAX_ROOTS)
		return -E2BIG;
	r = root_id(n->cgroup_root, rel, &id, &level);
	if (r < 0)
		return r;
	/* The program reads n_roots first: the new slot is whole before it counts. */
	n->skel->bss->root_id[k] = id;
	n->skel->bss->root_level[k] = level;
	__atomic_store_n(&n->skel->bss->n_roots, k + 1, __ATOMIC_RELEASE);
	/* Cached "not below a root" verdicts are out of date. */
	__atomic_fetch_add(&n->skel->bss->sc_node_gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

struct sc_record_node *sc_record_node_free(struct sc_record_node *n)
{
	if (!n)
		return NULL;
	ring_buffer__free(n->rb);
	noderec__destroy(n->skel);
	free(n->cgroup_root);
	free(n);
	return NULL;
}

int sc_record_node_fd(const struct sc_record_node *n)
{
	return ring_buffer__epoll_fd(n->rb);
}

bool sc_record_node_uses_cache(const struct sc_record_node *n)
{
	return n->cached;
}

int sc_record_node_set_attached(struct sc_record_node *n, bool attached)
{
	if (!attached) {
		noderec__detach(n->skel);
		return 0;
	}
	return noderec__attach(n->skel);
}

int sc_record_node_events(struct sc_record_node *n,
			  void (*fn)(uint64_t id, bool gone, const char *path, void *userdata),
			  void *userdata)
{
	int r;

	n->fn = fn;
	n->userdata = userdata;
	r = ring_buffer__consume(n->rb);
	return r < 0 ? (r == -EINTR ? 0 : r) : r;
}

int sc_record_node_ids(struct sc_record_node *n, uint64_t **ret, size_t *ret_n)
{
	int fd = bpf_map__fd(n->skel->maps.cgroups);
	uint32_t cap = bpf_map__max_entries(n->skel->maps.cgroups);
	uint64_t *ids = calloc(cap ? cap : 1, sizeof(*ids));
	size_t k = 0;
	uint64_t key, next;
	void *prev = NULL;

	if (!ids)
		return -ENOMEM;
	/* A key deleted meanwhile restarts the walk at the first key: stop at the capacity. */
	while (k < cap && bpf_map_get_next_key(fd, prev, &next) == 0) {
		ids[k++] = next;
		key = next;
		prev = &key;
	}
	*ret = ids;
	*ret_n = k;
	return 0;
}

int sc_record_node_read(struct sc_record_node *n, uint64_t id, struct sc_record_node_bits *ret)
{
	if (bpf_map_lookup_elem(bpf_map__fd(n->skel->maps.cgroups), &id, ret) < 0)
		return -errno;
	return 0;
}

int sc_record_node_forget(struct sc_record_node *n, uint64_t id)
{
	if (bpf_map_delete_elem(bpf_map__fd(n->skel->maps.cgroups), &id) < 0)
		return -errno;
	return 0;
}

int sc_record_node_stats(struct sc_record_node *n, struct sc_record_node_stats *ret)
{
	cleanup_free uint64_t *v = calloc((size_t)n->ncpus, sizeof(uint64_t));
	uint64_t sum[SC_REC_NODE_N_STATS] = { 0 };
	int fd = bpf_map__fd(n->skel->maps.node_stats);

	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < SC_REC_NODE_N_STATS; i++) {
		if (bpf_map_lookup_elem(fd, &i, v) < 0)
			return -errno;
		for (int c = 0; c < n->ncpus; c++)
			sum[i] += v[c];
	}
	struct bpf_program *prog;
	uint64_t missed = 0;
	bpf_object__for_each_program(prog, n->skel->obj)
	{
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
			missed += info.recursion_misses;
	}
	*ret = (struct sc_record_node_stats){
		.missed = missed,
		.events = sum[SC_REC_NODE_STAT_EVENTS],
		.overflow = sum[SC_REC_NODE_STAT_OVERFLOW],
		.map_full = sum[SC_REC_NODE_STAT_FULL],
		.events_lost = sum[SC_REC_NODE_STAT_EVENTS_LOST],
		.created = sum[SC_REC_NODE_STAT_CGROUPS],
	};
	return 0;
}

#else /* !SC_HAVE_BPF */

struct sc_record_node {
	int unused;
};

int sc_record_node_open(const struct sc_record_node_opts *o, struct sc_diags *d,
			struct sc_record_node **ret)
{
	uint64_t id;
	uint32_t level;

	(void)root_id; /* kept for the BPF build */
	(void)id;
	(void)level;
	(void)sc_record_bpf_preflight(d);
	return -EOPNOTSUPP;
}

struct sc_record_node *sc_record_node_free(struct sc_record_node *n)
{
	return NULL;
}

int sc_record_node_add_root(struct sc_record_node *n, const char *rel)
{
	return -EOPNOTSUPP;
}

int sc_record_node_set_attached(struct sc_record_node *n, bool attached)
{
	return -EOPNOTSUPP;
}

bool sc_record_node_uses_cache(const struct sc_record_node *n)
{
	return false;
}

int sc_record_node_fd(const struct sc_record_node *n)
{
	return -EBADF;
}

int sc_record_node_events(struct sc_record_node *n,
			  void (*fn)(uint64_t id, bool gone, const char *path, void *userdata),
			  void *userdata)
{
	return -EOPNOTSUPP;
}

int sc_record_node_ids(struct sc_record_node *n, uint64_t **ret, size_t *ret_n)
{
	return -EOPNOTSUPP;
}

int sc_record_node_read(struct sc_record_node *n, uint64_t id, struct sc_record_node_bits *ret)
{
	return -EOPNOTSUPP;
}

int sc_record_node_forget(struct sc_record_node *n, uint64_t id)
{
	return -EOPNOTSUPP;
}

int sc_record_node_stats(struct sc_record_node *n, struct sc_record_node_stats *ret)
{
	return -EOPNOTSUPP;
}

#endif
