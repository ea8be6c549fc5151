/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* When runc's ENOSYS stub applies to a profile (rule 1 of syscage/compile.h): one rule for the
 * compiler (compile.c) and the reference semantics (eval.c). Internal to the library. */
#pragma once

#include <stdbool.h>

#include "syscage/compile.h"
#include "syscage/profile.h"

/* Whether 'p' compiled with 'o' (NULL: the defaults) gets the ENOSYS stub at all. */
bool sc_enosys_stub_enabled(const struct sc_profile *p, const struct sc_compile_opts *o);
