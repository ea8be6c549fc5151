/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two rules of how runc builds a filter (syscage/compile.h), written once for the compiler
 * (compile.c) and the reference semantics (eval.c): when the ENOSYS stub applies, and which
 * rules runc splits into one rule per condition. Internal to the library. */
#pragma once

#include <stdbool.h>

#include "syscage/compile.h"
#include "syscage/profile.h"

/* Whether 'p' compiled with 'o' (NULL: the defaults) gets the ENOSYS stub at all (rule 1). */
bool sc_enosys_stub_enabled(const struct sc_profile *p, const struct sc_compile_opts *o);

/* Whether 'r' names one argument index twice: runc then adds one rule per condition, so the
 * conditions are alternatives (OR) instead of all required (AND). */
bool sc_rule_has_repeated_index(const struct sc_rule *r);
