/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns starting worker threads with the signal mask every worker gets (thread.h). */
#include <signal.h>

#include "base/thread.h"

int sc_thread_create(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	sigset_t all, saved;
	int r;

	(void)sigfillset(&all);
	(void)sigdelset(&all, SIGBUS);
	(void)sigdelset(&all, SIGSEGV);
	(void)sigdelset(&all, SIGFPE);
	(void)sigdelset(&all, SIGILL);
	(void)pthread_sigmask(SIG_BLOCK, &all, &saved);
	r = pthread_create(tid, NULL, fn, arg);
	(void)pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return -r;
}
