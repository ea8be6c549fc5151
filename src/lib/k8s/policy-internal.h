/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to libsyscage's k8s part: what the policy build's files (policy.c, policy-sets.c)
 * share. */
#pragma once

#include "syscage/policy.h"

/* A set emptied: its members, its profile (the build's reset and free, and a set a binding's
 * path shadows). */
void policy_set_clear(struct sc_policy_set *s);
