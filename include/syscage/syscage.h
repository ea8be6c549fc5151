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
