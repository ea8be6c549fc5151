/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libfyaml set-up shared by the modules that parse YAML/JSON (internal to libsyscage). */
#pragma once

#include <libfyaml.h>
#include <stdbool.h>

#include "syscage/diag.h"

/* A diagnostic sink that never prints (libfyaml writes to stderr by default; the library must
 * not): errors only, kept for sc_yaml_first_error when 'collect'. NULL on ENOMEM. */
struct fy_diag *sc_yaml_quiet_diag(bool collect);

/* The first error collected on 'diag': its location (0:0 when libfyaml gave none) and message
 * (valid while 'diag' lives). Returns false when there is none. */
bool sc_yaml_first_error(struct fy_diag *diag, struct sc_loc *loc, const char **msg);
