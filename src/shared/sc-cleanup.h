/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cleanup helpers (cleanup_(sc_<type>_freep)) for every library type whose destructor takes
 * a pointer and returns NULL, defined once here instead of in each file that needs one. For the
 * library, the agent, the CLI and the tests; not installed. */
#pragma once

#include "macro.h"
#include "base/install.h"
#include "syscage/k8s.h"
#include "syscage/logs.h"
#include "syscage/policy.h"
#include "syscage/profile.h"
#include "syscage/record.h"
#include "syscage/violations.h"

DEFINE_CLEANUP_FUNC(struct sc_profile, sc_profile_free)
DEFINE_CLEANUP_FUNC(struct sc_record, sc_record_free)
DEFINE_CLEANUP_FUNC(struct sc_logs, sc_logs_free)
DEFINE_CLEANUP_FUNC(struct sc_violations, sc_violations_free)
DEFINE_CLEANUP_FUNC(struct sc_policy_build, sc_policy_build_free)
DEFINE_CLEANUP_FUNC(struct sc_k8s_file, sc_k8s_file_free)
DEFINE_CLEANUP_FUNC(struct sc_write_batch, sc_write_batch_free)
