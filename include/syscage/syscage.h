/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsyscage: the whole public API. */
#pragma once

#include "arch.h"
#include "diag.h"
#include "syscalls.h"
#include "profile.h"
#include "profile-io.h"
#include "install.h"
#include "bpf.h"
#include "audit.h"
#include "logs.h"
#include "pods.h"
#include "violations.h"
#include "validate.h"
#include "runtime-default.h"
#include "merge.h"
#include "record.h"
#include "policy.h"
#include "k8s.h"
#include "export.h"
#include "compile.h"
