/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the kubelet config reader (kubelet.h): the input is the config file.
 * It goes to one temp file, made once and unlinked at once (read through /proc/self/fd, so
 * no file is left behind whatever happens), rewritten for each input. Checks: the result is
 * one of the documented values (1, 0, -ENODATA for no document, -EINVAL with a one-line
 * message in 'd'). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "agent/kubelet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct sc_diags d = { 0 };
	size_t off = 0;
	int r;

	if (fd < 0) {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		char tmpl[64];
		(void)snprintf(tmpl, sizeof(tmpl), "%s/fuzz-kubelet-XXXXXX", dir);
		fd = mkstemp(tmpl);
		if (fd < 0)
			abort();
		(void)unlink(tmpl);
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (ftruncate(fd, (off_t)size) < 0)
		abort();

	r = sc_kubelet_seccomp_default(path, &d);
	if (r != 0 && r != 1 && r != -ENODATA && r != -EINVAL && r != -ENOMEM) {
		fprintf(stderr, "sc_kubelet_seccomp_default: %d\n", r);
		abort();
	}
	/* -EINVAL says where; the others say nothing. */
	if ((r == -EINVAL) != (d.n > 0))
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].message || !*d.v[i].message || strchr(d.v[i].message, '\n'))
			abort();
	sc_diags_clear(&d);
	return 0;
}
