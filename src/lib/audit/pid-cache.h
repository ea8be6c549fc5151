/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The processes of the pods on this node, remembered after they are gone, so a denial whose
 * process died before its audit record was read (KILL_PROCESS: the record is written as the
 * kill starts) still names its pod container (internal to libsyscage; violations.c uses it).
 *
 * A refresh walks the pods' container cgroups (sc_pods_walk_containers) and reads each one's
 * cgroup.procs (and those of the cgroups a container made below its own): a pid seen for the
 * first time costs one read of /proc/<pid>/stat (start time, comm) and one readlink of
 * /proc/<pid>/exe; one seen before costs nothing more. A container is looked up in the
 * kubelet's links once, when first seen. A pid no longer listed is kept, marked gone at that
 * refresh, for SC_PID_CACHE_GONE_MS. Bounded: at most 'max_pids' processes (gone ones are
 * dropped first, oldest first; past that new ones are not remembered and counted) and
 * SC_PID_CACHE_CONTAINERS containers: 56 bytes a process, about 1 KiB a container. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscage/pods.h"

#define SC_PID_CACHE_MAX_PIDS	(1u << 15)
#define SC_PID_CACHE_CONTAINERS 1024
#define SC_PID_CACHE_GONE_MS	(10 * 60 * 1000)

struct sc_pid_cache;

struct sc_pid_cache_stats {
	uint64_t refreshes;
	size_t pids, gone, containers; /* now */
	uint64_t not_cached;	       /* processes not remembered: the table was full */
};

/* 'p' (borrowed: must outlive the cache) says where /proc and the cgroups are. NULL on ENOMEM.
 */
struct sc_pid_cache *sc_pid_cache_new(const struct sc_pods_paths *p, size_t max_pids);
struct sc_pid_cache *sc_pid_cache_free(struct sc_pid_cache *c);

/* Walk the pods' cgroups now; 'now_ms' is the wall clock (ms since the epoch), what records
 * carry. Returns the number of live processes seen, or -errno (-ENOMEM; a cgroup root that
 * cannot be read). */
int sc_pid_cache_refresh(struct sc_pid_cache *c, uint64_t now_ms);

enum sc_pid_cache_match {
	SC_PID_CACHE_NONE,	/* not attributed: *why says so */
	SC_PID_CACHE_BY_PID,	/* the pid, alive in a pod container at the record's time */
	SC_PID_CACHE_BY_EXE,	/* comm and exe, in one pod container only */
	SC_PID_CACHE_AMBIGUOUS, /* comm and exe in several pod containers: *why */
};

/* The pod container of a gone process 'pid' whose record was written at 'time_ms' (0: not
 * said) with 'comm' and 'exe' (NULL or "": not said). By pid when the cache saw it alive in a
 * container, started before the record and not gone before it; else by comm and exe when the
 * processes the cache saw with both are all in one pod container (its container id only when
 * they share one). *ret is written for the first two. */
enum sc_pid_cache_match sc_pid_cache_lookup(const struct sc_pid_cache *c, uint32_t pid,
					    uint64_t time_ms, const char *comm, const char *exe,
					    struct sc_pod_ref *ret, const char **why);

void sc_pid_cache_stats(const struct sc_pid_cache *c, struct sc_pid_cache_stats *ret);
