/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For the tests and the fuzzer: whether two parses of a line gave the same record. */
#pragma once

#include <string.h>

#include "syscage/audit.h"

static inline bool audit_view_same(struct sc_audit_view a, struct sc_audit_view b)
{
	return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* The first field in which a and b differ, or NULL when they are the same record. */
static inline const char *audit_record_diff(const struct sc_audit_record *a,
					    const struct sc_audit_record *b)
{
#define SAME(field, bit)                                                      \
	if (((a->have & (bit)) || (b->have & (bit))) && a->field != b->field) \
	return #field
	if (a->kind != b->kind)
		return "kind";
	if (a->source != b->source)
		return "source";
	if (a->have != b->have)
		return "have";
	SAME(time_ms, SC_AUDIT_HAVE_TIME);
	SAME(serial, SC_AUDIT_HAVE_SERIAL);
	SAME(pid, SC_AUDIT_HAVE_PID);
	SAME(uid, SC_AUDIT_HAVE_UID);
	SAME(gid, SC_AUDIT_HAVE_GID);
	SAME(auid, SC_AUDIT_HAVE_AUID);
	SAME(ses, SC_AUDIT_HAVE_SES);
	SAME(sig, SC_AUDIT_HAVE_SIG);
	SAME(audit_arch, SC_AUDIT_HAVE_ARCH);
	SAME(nr, SC_AUDIT_HAVE_SYSCALL);
	SAME(compat, SC_AUDIT_HAVE_COMPAT);
	SAME(ip, SC_AUDIT_HAVE_IP);
	SAME(code, SC_AUDIT_HAVE_CODE);
#undef SAME
	if (a->arch != b->arch)
		return "arch";
	if (a->name != b->name)
		return "name";
	if (a->action != b->action || a->data != b->data)
		return "action";
	if (strcmp(a->comm, b->comm) != 0 || !audit_view_same(a->comm_v, b->comm_v))
		return "comm";
	if (strcmp(a->exe, b->exe) != 0 || !audit_view_same(a->exe_v, b->exe_v))
		return "exe";
	if (a->truncated != b->truncated)
		return "truncated";
	if (a->loss != b->loss || a->lost != b->lost)
		return "loss";
	return NULL;
}
