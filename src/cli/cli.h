/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's shared pieces: the verb table, messages, colour, help. Each verb lives in
 * cmd-<verb>.c and only parses flags, calls the library and prints. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "syscage/syscage.h"
#include "base/json.h"
#include "macro.h"

/* Exit codes (documented in README.md and the man page). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1, /* invalid input, check failed, unknown name, differences */
	EXIT_USAGE = 2,	   /* bad flags or arguments */
	EXIT_LOSS = 3,	   /* records were lost (logs --strict) */
};

/* Messages to stderr: "syscage: error: ..." with colour on a terminal. Return EXIT_* codes
 * so callers can `return cli_error(...)`. */
int cli_error(const char *fmt, ...) _printf_(1, 2);
int cli_usage_error(const char *verb, const char *fmt, ...) _printf_(2, 3);
/* After getopt's own message for a bad option: "Try 'syscage VERB --help'."; EXIT_USAGE. */
int cli_bad_option(const char *verb);
void cli_warn(const char *fmt, ...) _printf_(1, 2);
void cli_note(const char *fmt, ...) _printf_(1, 2);
/* Print library diagnostics; returns the number of errors. */
size_t cli_print_diags(const struct sc_diags *d);

bool cli_color(FILE *f);
/* Print a verb's help text (its cmd_<verb>_help) to stdout; returns EXIT_OK. */
int cli_help(const char *text);

/* Parse an arch flag value, printing an error with the accepted spellings on failure. */
int cli_parse_arch(const char *s, enum sc_arch *ret);
/* Parse -o text|json. */
int cli_parse_output(const char *verb, const char *s, bool *ret_json);

/* "unknown syscall 'NAME'" plus "Did you mean ...?" suggestions; returns EXIT_FINDINGS. */
int cli_unknown_syscall(const char *name);

/* A profile that could not be written to 'target' ("-": standard output) in 'format' (-1:
 * OCI): what the format cannot hold in it (sc_profile_unfit), or the errno. Returns
 * EXIT_FINDINGS. */
int cli_write_error(const char *target, const struct sc_profile *p, int format, int r);
/* After 'p' was written to 'target' in 'format': a warning when the written file answers a
 * call of the fallback set otherwise than 'p' (sc_profile_write_fallback_changed: an
 * allow-list's EPERM for clone3 becomes the KubeArmor reader's ENOSYS). */
void cli_warn_fallback_changed(const char *target, const struct sc_profile *p, int format);
/* A warning when no container can start under 'p' written to (or read from) 'target' ("-":
 * standard output): the start-fatal calls it denies (syscage/start-fatal.h), with and without
 * noNewPrivileges, and what to do ('recording': a profile `record` or `logs` made, which
 * --base runtime completes). */
void cli_warn_start_fatal(const char *target, const struct sc_profile *p, bool recording);
/* The same message in 'buf' ('target' NULL: "the profile"); returns how many calls it names
 * (0: none, buf ""). */
int cli_start_fatal_message(const char *target, const struct sc_profile *p, bool recording,
			    char *buf, size_t size);

/* Verb handlers, one per cmd-<verb>.c. */
#define DECLARE_VERB(v)                     \
	int cmd_##v(int argc, char **argv); \
	extern const char cmd_##v##_help[]
DECLARE_VERB(syscalls);
DECLARE_VERB(convert);
DECLARE_VERB(check);
DECLARE_VERB(bpf);
DECLARE_VERB(explain);
DECLARE_VERB(run);
DECLARE_VERB(record);
DECLARE_VERB(logs);
DECLARE_VERB(audit_profile);
DECLARE_VERB(merge);
DECLARE_VERB(policy);
DECLARE_VERB(export);
DECLARE_VERB(k8s);
DECLARE_VERB(agent);
DECLARE_VERB(inspect);
