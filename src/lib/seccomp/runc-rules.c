/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the runc rules compile.c and eval.c share (see runc-rules.h). */
#include <errno.h>

#include "seccomp/runc-rules.h"

bool sc_enosys_stub_enabled(const struct sc_profile *p, const struct sc_compile_opts *o)
{
	enum sc_action d = p->default_action;

	if (o && o->no_enosys)
		return false;
	if (p->has_default_errno && p->default_errno == ENOSYS)
		return false;
	/* runc (patchbpf findLastSyscalls) adds its stub only for the ABIs `architectures`
	 * lists: with an empty list (the native ABI only) there is none. Seen with containerd
	 * 1.6, which passes a profile's archMap on as no architectures at all. */
	if (!p->n_arches && !(o && o->n_arches))
		return false;
	return !(d == SC_ACT_ALLOW || d == SC_ACT_LOG || d == SC_ACT_TRACE);
}

bool sc_rule_has_repeated_index(const struct sc_rule *r)
{
	unsigned seen = 0;

	for (size_t i = 0; i < r->n_args; i++) {
		if (seen & (1u << r->args[i].index))
			return true;
		seen |= 1u << r->args[i].index;
	}
	return false;
}
