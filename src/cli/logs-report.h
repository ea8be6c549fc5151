/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `syscage logs` writes once the records are read (logs-report.c): the learned profiles,
 * the violations report, --propose's additions and --heal, and the loss warning. cmd-logs.c
 * parses the flags and reads the inputs. */
#pragma once

#include <stdbool.h>

#include "syscage/audit.h"
#include "syscage/logs.h"
#include "syscage/pods.h"
#include "syscage/profile.h"
#include "syscage/record.h"

/* The loss warning (what was lost, why, what to do); 'has_since': --since was given. */
void logs_print_loss(const struct sc_logs_stats *s, bool has_since);
/* The learned profiles: to 'out' (a file for one workload, a directory for several; NULL:
 * standard output), in 'fmt', each with 'base' added; a summary (JSON with 'json'). */
int logs_write_profiles(struct sc_logs *l, const char *out, enum sc_format fmt,
			enum sc_record_base base, bool json);
/* The violations report, to 'out' (NULL: standard output), written whole or not at all. */
int logs_report_violations_to(struct sc_logs *l, bool json, const char *out);

/* --propose / --heal: the records read are attributed and grouped into workloads as they are
 * read. */
struct propose;
int logs_propose_new(enum sc_logs_by by, const struct sc_pods_paths *paths, struct propose **ret);
struct propose *logs_propose_free(struct propose *pr);
int logs_propose_add(struct propose *pr, const struct sc_audit_record *rec);
int logs_report_proposals(struct propose *pr, struct sc_logs *l, bool json);
int logs_heal(struct propose *pr, const char *glob, const char *state);
