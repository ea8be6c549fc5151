/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmicrohttpd, loaded when the agent starts a listener: only the agent serves HTTP, and
 * linking it would map its TLS stack (GnuTLS and its dependencies, ~2.9 MiB of RSS) into
 * every syscage process. Call sites use the sym_ pointers. */
#pragma once

#include <microhttpd.h>

#define SC_MHD_SYMBOLS(X)                  \
	X(MHD_add_response_header)         \
	X(MHD_create_response_from_buffer) \
	X(MHD_destroy_response)            \
	X(MHD_get_connection_info)         \
	X(MHD_get_daemon_info)             \
	X(MHD_get_timeout)                 \
	X(MHD_queue_response)              \
	X(MHD_run)                         \
	X(MHD_start_daemon)                \
	X(MHD_stop_daemon)

#define SC_MHD_DECLARE(name) extern typeof(name) *sym_##name;
SC_MHD_SYMBOLS(SC_MHD_DECLARE)
#undef SC_MHD_DECLARE

/* Load the library (once; later calls return the first result). 0, or -ELIBACC with
 * *ret_why saying what failed (the file, or the symbol missing). */
int sc_mhd_load(const char **ret_why);
/* The library's file name, as loaded ("libmicrohttpd.so.12"). */
const char *sc_mhd_soname(void);
