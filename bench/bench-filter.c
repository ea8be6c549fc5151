/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helper of bench/filter.sh (not a test):
 *   bench-filter load-libseccomp PROFILE -- CMD...  load libseccomp's filter for PROFILE, built
 *                                                  as runc builds it, then exec CMD
 *   bench-filter steps PROFILE                      instructions executed per syscall of the
 *                                                  benchmark loop: ours vs libseccomp's, and
 *                                                  the floor's ("return ALLOW", run by the
 *                                                  same emulator: 1), each over the floor */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "syscage/bpf.h"
#include "syscage/compile.h"
#include "syscage/syscage.h"
#include "syscage/eval.h"

static struct sc_profile *load(const char *path)
{
	struct sc_diags d = { 0 };
	struct sc_profile *raw = NULL, *p = NULL;
	struct sc_target t = { 0 };

	if (sc_profile_read_file(path, &d, &raw) < 0) {
		fprintf(stderr, "bench-filter: cannot read %s\n", path);
		exit(1);
	}
	sc_diags_clear(&d);
	if (sc_profile_resolve(raw, &t, &p) < 0)
		exit(1);
	sc_profile_free(raw);
	return p;
}

/* libseccomp's filter for 'p' as runc's matchCall builds it. */
static scmp_filter_ctx lib_filter(const struct sc_profile *p)
{
	uint32_t def = sc_action_ret(p->default_action, p->has_default_errno, p->default_errno);
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		exit(1);
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < p->n_arches; i++)
		(void)seccomp_arch_add(ctx,
				       seccomp_arch_resolve_name(sc_arch_info(p->arches[i])->name));
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		uint32_t act = sc_action_ret(r->action, r->has_errno, r->errno_ret);
		struct scmp_arg_cmp c[6];
		unsigned seen = 0;
		bool split = false;

		if (act == def)
			continue;
		for (size_t k = 0; k < r->n_args && k < 6; k++) {
			split = split || (seen & (1u << r->args[k].index));
			seen |= 1u << r->args[k].index;
			c[k] = (struct scmp_arg_cmp){ r->args[k].index,
						      (enum scmp_compare)r->args[k].op,
						      r->args[k].value, r->args[k].value_two };
		}
		for (size_t j = 0; j < r->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(r->names[j]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			if (split)
				for (size_t k = 0; k < r->n_args; k++)
					(void)seccomp_rule_add_array(ctx, act, nr, 1, &c[k]);
			else
				(void)seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, c);
		}
	}
	return ctx;
}

static size_t lib_program(scmp_filter_ctx ctx, struct sock_filter **ret)
{
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	off_t size;

	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		exit(1);
	size = lseek(fd, 0, SEEK_END);
	*ret = malloc((size_t)size);
	if (!*ret || pread(fd, *ret, (size_t)size, 0) != size)
		exit(1);
	close(fd);
	return (size_t)size / sizeof(**ret);
}

static int steps(const char *path)
{
	static const char *const mix[] = { "getppid", "read", "write", "openat", "close" };
	static const struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sc_profile *p = load(path);
	scmp_filter_ctx ctx = lib_filter(p);
	struct sock_filter *ours = NULL, *lib = NULL;
	size_t n_ours = 0, n_lib = lib_program(ctx, &lib);
	double sum_ours = 0, sum_lib = 0, sum_floor = 0;

	if (sc_profile_compile(p, NULL, &ours, &n_ours) < 0)
		return 1;
	printf("%-10s %8s %12s %8s %14s %14s\n", "syscall", "syscage", "libseccomp", "floor",
	       "syscage/floor", "libseccomp/fl");
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		struct seccomp_data sd = { .arch = sc_arch_info(sc_arch_native())->audit_arch };
		unsigned so = 0, sl = 0, sf = 0;
		sd.nr = sc_syscall_from_name(sc_arch_native(), mix[i]);
		if (sc_bpf_run(ours, n_ours, &sd, NULL, &so) < 0 ||
		    sc_bpf_run(lib, n_lib, &sd, NULL, &sl) < 0 ||
		    sc_bpf_run(allow, 1, &sd, NULL, &sf) < 0 || sf == 0)
			return 1;
		printf("%-10s %8u %12u %8u %13.1fx %13.1fx\n", mix[i], so, sl, sf, (double)so / sf,
		       (double)sl / sf);
		sum_ours += so;
		sum_lib += sl;
		sum_floor += sf;
	}
	printf("%-10s %8.1f %12.1f %8.1f %13.1fx %13.1fx\n", "mean", sum_ours / 5, sum_lib / 5,
	       sum_floor / 5, sum_ours / sum_floor, sum_lib / sum_floor);
	printf("(program length: syscage %zu, libseccomp %zu, floor 1 instructions)\n", n_ours,
	       n_lib);
	free(ours);
	free(lib);
	seccomp_release(ctx);
	sc_profile_free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "steps") == 0)
		return steps(argv[2]);
	if (argc >= 5 && strcmp(argv[1], "load-libseccomp") == 0 && strcmp(argv[3], "--") == 0) {
		struct sc_profile *p = load(argv[2]);
		scmp_filter_ctx ctx = lib_filter(p);
		int r = seccomp_load(ctx);
		if (r < 0) {
			fprintf(stderr, "bench-filter: seccomp_load: %s\n", strerror(-r));
			return 125;
		}
		execvp(argv[4], argv + 4);
		perror("bench-filter: exec");
		return 126;
	}
	fprintf(stderr, "usage: bench-filter steps PROFILE | load-libseccomp PROFILE -- CMD...\n");
	return 2;
}
