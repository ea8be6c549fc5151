/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal helpers shared by the library, the CLI and the agent: cleanup attributes,
 * ownership hand-off, array sizing. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x)  (sizeof(x) / sizeof((x)[0]))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_	       __attribute__((pure))
#define _noreturn_     __attribute__((noreturn))
#define cleanup_(f)    __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

#define cleanup_free   cleanup_(freep)
#define cleanup_close  cleanup_(closep)
#define cleanup_fclose cleanup_(fclosep)

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _p = (p); \
		(p) = NULL;             \
		_p;                     \
	})
#define TAKE_FD(fd)             \
	({                      \
		int _fd = (fd); \
		(fd) = -1;      \
		_fd;            \
	})

/* Define a cleanup function for a type whose destructor returns NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)      \
	static inline void func##p(type **p) \
	{                                    \
		if (*p)                      \
			*p = func(*p);       \
	}

#define streq(a, b) (strcmp((a), (b)) == 0)
