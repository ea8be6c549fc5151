/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsyscage: the whole public API, by part (see README, "Architecture"). */
#pragma once

#include "syscage/version.h"

/* base */
#include "arch.h"
#include "diag.h"
#include "syscalls.h"
/* model */
#include "profile.h"
#include "profile-read.h"
#include "profile-write.h"
#include "validate.h"
#include "runtime-default.h"
#include "implicit.h"
#include "start-fatal.h"
#include "merge.h"
#include "export.h"
/* seccomp */
#include "eval.h"
#include "compile.h"
#include "bpf.h"
#include "filter.h"
/* record */
#include "record.h"
/* node */
#include "cgroup.h"
#include "pods.h"
#include "inspect.h"
/* audit */
#include "audit.h"
#include "logs.h"
#include "violations.h"
#include "denials.h"
/* k8s */
#include "names.h"
#include "policy.h"
#include "binding.h"
#include "k8s.h"
