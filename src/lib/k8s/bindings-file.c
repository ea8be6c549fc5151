/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns reading a bindings file that `k8s bind --bindings` is about to write again: what an
 * earlier run put there, to be kept (binding.h: sc_bindings_load). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/binding.h"
#include "base/install.h"
#include "sc-cleanup.h"

/* Only blank lines and comments (a ConfigMap key emptied, a file started by hand). */
static bool text_empty(const char *buf, size_t len)
{
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			comment = false;
		else if (buf[i] == '#')
			comment = true;
		else if (!comment && !isspace((unsigned char)buf[i]))
			return false;
	}
	return true;
}

int sc_bindings_load(const char *path, struct sc_diags *d, struct sc_binding **ret, size_t *ret_n)
{
	cleanup_free char *buf = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	/* O_NONBLOCK: a FIFO given as the output must not block its reading. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0; /* stdout, a FIFO, a device: written to, never read */
	r = sc_read_fd(fd, SC_BINDINGS_MAX_FILE, &buf, &len);
	if (r == -EFBIG)
		return sc_diags_add_file(d, path, SC_SEV_ERROR,
					 "larger than %u MiB: not read as a bindings file",
					 SC_BINDINGS_MAX_FILE >> 20) < 0
			       ? -ENOMEM
			       : -EINVAL;
	if (r < 0)
		return r;
	if (text_empty(buf, len))
		return 0;
	if (!sc_bindings_detect(buf, len))
		return sc_diags_add_file(d, path, SC_SEV_ERROR,
					 "not a bindings file: its first document is no %s",
					 SC_BINDING_KIND) < 0
			       ? -ENOMEM
			       : -EINVAL;
	return sc_bindings_read(buf, len, path, d, ret, ret_n);
}
