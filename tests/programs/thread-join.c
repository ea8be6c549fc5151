/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* thread-join early|late: one thread joined, with the same syscalls either way but one. "early"
 * joins once the thread has already ended (pthread_tryjoin_np until it has: no syscall), so
 * glibc never waits in futex; "late" joins while the thread still runs, so pthread_join waits
 * in futex. A profile recorded from "early" lacks futex: a test of the implicit set. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int joining;
static volatile unsigned long sink;

static void *worker(void *arg)
{
	if (arg) {
		/* Still running when main is in pthread_join (no syscall meanwhile). */
		while (!atomic_load(&joining))
			;
		for (unsigned long i = 0; i < 100000000UL; i++)
			sink += i;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int late = argc > 1 && strcmp(argv[1], "late") == 0;
	pthread_t t;
	int r;

	if (pthread_create(&t, NULL, worker, late ? &t : NULL) != 0)
		return 2;
	if (late) {
		atomic_store(&joining, 1);
		return pthread_join(t, NULL) != 0;
	}
	while ((r = pthread_tryjoin_np(t, NULL)) == EBUSY)
		;
	return r != 0;
}
