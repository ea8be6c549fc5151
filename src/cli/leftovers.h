/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Temp files a killed syscage left behind: ".NAME.PID.N.sctmp" (sc_temp_name) in a directory
 * it wrote into. A `k8s bind` killed while it puts its outputs in place leaves them, some
 * holding a replaced output's old content (pending.c exchanges them); nothing else would
 * ever remove them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The process a temp file name belongs to: its PID, and in *ret_target_len the length of
 * NAME (the target's name starts at name + 1). 0 when 'name' is no syscage temp file. */
pid_t leftover_parse(const char *name, size_t *ret_target_len);

/* Whether 'pid' may be a live syscage, whose temp files are its own: yes when it runs and
 * is syscage (its comm, or the same executable as this one), and when that cannot be told
 * (no /proc); no when it is gone, a zombie, or another program (its PID reused). */
bool leftover_owner_running(pid_t pid);

/* In each directory of 'dirs' (NULL entries skipped; one directory named twice is looked at
 * once), the temp files of syscage processes that are no longer running are removed, and
 * for each such process one warning line on stderr names it, the files removed, and the
 * outputs that may be its (their target exists: each whole, its content or the one before).
 * The temp files of a running syscage, this one included, are never touched. Returns the
 * number of files removed. */
size_t leftovers_remove(const char *const *dirs, size_t n);
