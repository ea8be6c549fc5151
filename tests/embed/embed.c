/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program another project would write against the installed libsyscage: it sees only the
 * installed headers and links through pkg-config (tests/cli/embed.sh builds and runs it).
 * It reads a profile, checks it, compiles it to BPF and asks what it does with one syscall. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syscage/syscage.h>

static const char profile[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
			      "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"read\", "
			      "\"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";

int main(void)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	struct sock_filter *insns = NULL;
	size_t n = 0;
	struct sc_eval e;
	int nr, r;

	r = sc_profile_read_buffer(profile, strlen(profile), "embedded.json", &d, &p);
	if (r < 0) {
		fprintf(stderr, "read: %s\n", strerror(-r));
		return 1;
	}
	if (sc_profile_validate(p, &d) != 0) {
		fprintf(stderr, "validate: errors\n");
		return 1;
	}
	r = sc_profile_compile(p, NULL, &insns, &n);
	if (r < 0) {
		fprintf(stderr, "compile: %s\n", strerror(-r));
		return 1;
	}
	nr = sc_syscall_from_name(SC_ARCH_X86_64, "write");
	if (nr < 0 || sc_profile_eval(p, SC_ARCH_X86_64, (uint32_t)nr, NULL, &e) < 0) {
		fprintf(stderr, "eval failed\n");
		return 1;
	}
	printf("libsyscage %s: %zu instructions, write is %s\n", SYSCAGE_VERSION, n,
	       sc_action_to_string(e.action));
	free(insns);
	sc_profile_free(p);
	sc_diags_clear(&d);
	return 0;
}
