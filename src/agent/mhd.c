/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns loading libmicrohttpd at run time (mhd.h). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "agent/mhd.h"

#ifndef SC_MHD_SONAME
#define SC_MHD_SONAME "libmicrohttpd.so.12"
#endif

#define SC_MHD_DEFINE(name) typeof(name) *sym_##name;
SC_MHD_SYMBOLS(SC_MHD_DEFINE)
#undef SC_MHD_DEFINE

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int result;
static char why[512];

static void load(void)
{
	void *dl = dlopen(SC_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!dl) {
		e = dlerror();
		(void)snprintf(why, sizeof(why), "%s", e ? e : SC_MHD_SONAME ": not found");
		result = -ELIBACC;
		return;
	}
#define SC_MHD_RESOLVE(name)                                                            \
	sym_##name = (typeof(name) *)dlsym(dl, #name);                                  \
	if (!sym_##name) {                                                              \
		(void)snprintf(why, sizeof(why), "%s has no %s", SC_MHD_SONAME, #name); \
		result = -ELIBACC;                                                      \
		return;                                                                 \
	}
	SC_MHD_SYMBOLS(SC_MHD_RESOLVE)
#undef SC_MHD_RESOLVE
	/* Kept loaded for the life of the process, as a linked library would be. */
	result = 0;
}

int sc_mhd_load(const char **ret_why)
{
	(void)pthread_once(&once, load);
	if (result < 0 && ret_why)
		*ret_why = why;
	return result;
}

const char *sc_mhd_soname(void)
{
	return SC_MHD_SONAME;
}
