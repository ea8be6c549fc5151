/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: run a command under a profile with libsyscage's own compiler and loader
 * (no_new_privs + seccomp filter, runc's ENOSYS behaviour), as `syscage run -p` does. Lets
 * the record round trip be enforced where the `run` verb is not built.
 *   enforce PROFILE COMMAND [ARGS...]   exit 125: no filter, 127: exec failed */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/filter.h"

int main(int argc, char **argv)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	struct sock_filter *insns = NULL;
	size_t len = 0;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: enforce PROFILE COMMAND [ARGS...]\n");
		return 2;
	}
	r = sc_profile_read_file(argv[1], &d, &p);
	sc_diags_clear(&d);
	if (r < 0) {
		fprintf(stderr, "enforce: cannot read %s: %s\n", argv[1], strerror(-r));
		return 125;
	}
	r = sc_compile_profile_for_kernel(p, true, &insns, &len);
	if (r >= 0)
		r = sc_filter_load(insns, len, p->flags, NULL);
	free(insns);
	sc_profile_free(p);
	if (r < 0) {
		fprintf(stderr, "enforce: cannot load the filter: %s\n", strerror(-r));
		return 125;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "enforce: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
