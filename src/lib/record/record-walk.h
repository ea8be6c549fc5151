/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recorder's process walks (record-walk.c): how the front end and the back ends find the
 * processes to record when no command is started. Internal to src/lib/record. */
#pragma once

#include <sys/types.h>

/* Call fn on 'root' and each descendant process, a parent before its children are listed
 * (so a child forked meanwhile is caught by fork tracking). -ESRCH from fn skips a process
 * that is gone. walk_cgroup does it for every process of a cgroup v2 directory and below. */
int sc_record_walk_tree(pid_t root, int (*fn)(pid_t tgid, void *userdata), void *userdata);
int sc_record_walk_cgroup(const char *dir, int (*fn)(pid_t tgid, void *userdata), void *userdata);
