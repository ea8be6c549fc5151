/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Worker threads that leave the process's signals to the thread that started them. Internal
 * to libsyscage. */
#pragma once

#include <pthread.h>

/* pthread_create(), the new thread blocking every signal but a fault's: a signal sent to the
 * process (SIGINT, SIGTERM, SIGCHLD) stays the caller's to take, while a SIGBUS (a mapped
 * input cut short), SIGSEGV, SIGFPE or SIGILL is the faulting thread's, whose handler must
 * run. Returns 0 or -errno. */
int sc_thread_create(pthread_t *tid, void *(*fn)(void *), void *arg);
