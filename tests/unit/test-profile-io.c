/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Profile readers and writers: OCI/Docker JSON, SPO SeccompProfile, KubeArmorSeccompPolicy,
 * baseProfileName chains, and every class of bad input with its location. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscage/syscage.h"
#include "base/install.h"
#include "base/yaml.h"
#include "tap.h"

static char *data_path(const char *name)
{
	const char *src = getenv("SYSCAGE_SRCDIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/tests/data/io/%s", src ? src : ".", name), 0);
	return p;
}

static struct sc_profile *read_data(const char *name)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	char *path = data_path(name);
	int r = sc_profile_read_file(path, &d, &p);

	for (size_t i = 0; i < d.n; i++) {
		char buf[512];
		fprintf(stderr, "%s\n", sc_diag_format(&d.v[i], buf, sizeof(buf)));
	}
	ck_assert_msg(r == 0, "reading %s: %d", path, r);
	ck_assert_uint_eq(d.n_errors, 0);
	sc_diags_clear(&d);
	free(path);
	return p;
}

static struct sc_profile *read_str(const char *s)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	int r = sc_profile_read_buffer(s, strlen(s), "mem.json", &d, &p);

	ck_assert_msg(r == 0, "reading '%s': %d (%s)", s, r, d.n ? d.v[0].message : "");
	sc_diags_clear(&d);
	return p;
}

static char *write_str(const struct sc_profile *p, enum sc_format f)
{
	char *s = NULL;

	ck_assert_int_eq(sc_profile_write_string(p, f, &s), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert(strlen(s) > 0 && s[strlen(s) - 1] == '\n');
	return s;
}

static const struct sc_rule *find_rule(const struct sc_profile *p, const char *name,
				       enum sc_action a)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].action == a)
			for (size_t j = 0; j < p->rules[i].n_names; j++)
				if (!strcmp(p->rules[i].names[j], name))
					return &p->rules[i];
	return NULL;
}

/* $SYSCAGE_SHARED/data/docker-default.json, or NULL when it is not there (the test is then
 * not registered, and main() says so: a missing file is a skip, never a pass). */
static char *docker_default_path(void)
{
	const char *shared = getenv("SYSCAGE_SHARED");
	char *path;

	if (!shared || asprintf(&path, "%s/data/docker-default.json", shared) < 0)
		return NULL;
	if (access(path, R_OK) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* A value a diagnostic echoes is cut: a 10 MB unknown action name (JSON and YAML), key,
 * operator or arch gives a message of a few hundred bytes, saying how long the value was. */
START_TEST(echoed_values_are_cut)
{
	static const char *const shapes[] = {
		"{\"defaultAction\": \"%s\"}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"%s\": 1}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"%s\"]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		"\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
		"\"%s\"}]}]}",
		"apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\n"
		"metadata: {name: x}\nspec:\n  defaultAction: %s\n",
	};
	size_t big = 10u << 20;
	char *value = malloc(big + 1);

	ck_assert_ptr_nonnull(value);
	memset(value, 'X', big);
	value[big] = '\0';
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct sc_diags d = { 0 };
		struct sc_profile *p = NULL;
		const char *at = strstr(shapes[i], "%s");
		char *in = NULL;

		ck_assert_int_gt(
			asprintf(&in, "%.*s%s%s", (int)(at - shapes[i]), shapes[i], value, at + 2),
			0);
		ck_assert_int_lt(sc_profile_read_buffer(in, strlen(in), "big", &d, &p), 0);
		ck_assert_uint_ge(d.n_errors, 1);
		for (size_t k = 0; k < d.n; k++)
			ck_assert_msg(strlen(d.v[k].message) < 2 * SC_DIAG_VALUE_MAX + 200,
				      "shape %zu: a message of %zu bytes", i,
				      strlen(d.v[k].message));
		ck_assert_msg(strstr(d.v[0].message, "... (10485760 bytes)"), "shape %zu: %.300s",
			      i, d.v[0].message);
		sc_diags_clear(&d);
		free(in);
	}
	free(value);
}
END_TEST

/* The rule itself: %s values cut, "%.*s" (the library's own text) whole, other conversions
 * as printf writes them. */
START_TEST(diag_format_rule)
{
	struct sc_diags d = { 0 };
	char v[300], own[300];

	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	memset(own, 'b', sizeof(own) - 1);
	own[sizeof(own) - 1] = '\0';
	ck_assert_int_eq(sc_diags_add(&d, SC_SEV_ERROR, (struct sc_loc){ 1, 2 },
				      "'%s' %.*s %d %u %zu %llx %5s|%-3s| %c %%", v,
				      (int)strlen(own), own, -3, 4u, (size_t)5, 0xabcULL, "ab", "x",
				      'z'),
			 0);
	ck_assert_uint_eq(strlen(d.v[0].message),
			  1 + SC_DIAG_VALUE_MAX + 17 + 299 + strlen(" -3 4 5 abc    ab|x  | z %"));
	ck_assert(strncmp(d.v[0].message + 1 + SC_DIAG_VALUE_MAX, "... (299 bytes)' ", 17) == 0);
	ck_assert(strstr(d.v[0].message, own));
	ck_assert(strstr(d.v[0].message, " -3 4 5 abc    ab|x  | z %"));
	sc_diags_clear(&d);
}
END_TEST

/* ---- OCI ------------------------------------------------------------------------------------ */

START_TEST(oci_all_fields)
{
	struct sc_profile *p = read_data("oci-full.json");
	const struct sc_rule *r;

	ck_assert_int_eq(p->meta.format, SC_FORMAT_OCI);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert(p->has_default_errno);
	ck_assert_uint_eq(p->default_errno, 1);
	ck_assert_uint_eq(p->n_arches, 2); /* duplicate dropped */
	ck_assert_int_eq(p->arches[0], SC_ARCH_X86_64);
	ck_assert_int_eq(p->arches[1], SC_ARCH_X86);
	ck_assert_uint_eq(p->flags, SC_FLAG_LOG | SC_FLAG_SPEC_ALLOW);
	ck_assert_str_eq(p->listener_path, "/run/seccomp-agent.sock");
	ck_assert_str_eq(p->listener_metadata, "x=1");
	ck_assert_uint_eq(p->n_arch_map, 3);
	ck_assert_int_eq(p->arch_map[1].arch, SC_ARCH_AARCH64);
	ck_assert_uint_eq(p->arch_map[1].n_sub, 1);
	ck_assert_int_eq(p->arch_map[1].sub[0], SC_ARCH_ARM);
	ck_assert_uint_eq(p->arch_map[2].n_sub, 0); /* subArchitectures: null */
	ck_assert_uint_eq(p->n_rules, 18);
	/* The old single-name form and the comment. */
	ck_assert_str_eq(p->rules[1].names[0], "close");
	ck_assert_str_eq(p->rules[1].comment, "old single-name Docker form");
	/* Every action. */
	ck_assert_ptr_nonnull(find_rule(p, "kill", SC_ACT_KILL_PROCESS));
	ck_assert_ptr_nonnull(find_rule(p, "gettid", SC_ACT_KILL));
	ck_assert_ptr_nonnull(find_rule(p, "tgkill", SC_ACT_KILL_THREAD));
	ck_assert_ptr_nonnull(find_rule(p, "getpid", SC_ACT_TRAP));
	ck_assert_ptr_nonnull(find_rule(p, "mkdir", SC_ACT_NOTIFY));
	ck_assert_ptr_nonnull(find_rule(p, "uname", SC_ACT_LOG));
	r = find_rule(p, "openat", SC_ACT_TRACE);
	ck_assert(r && r->has_errno && r->errno_ret == 7);
	/* Args: all ops, 64-bit values, locations. */
	r = find_rule(p, "socket", SC_ACT_ERRNO);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->errno_ret, 97);
	ck_assert_uint_eq(r->n_args, 2);
	ck_assert_int_eq(r->args[0].op, SC_CMP_NE);
	ck_assert_uint_eq(r->args[1].index, 2);
	ck_assert(r->args[1].value == UINT64_MAX);
	ck_assert_uint_eq(r->args[1].value_two, 255);
	ck_assert_int_eq(r->args[1].op, SC_CMP_MASKED_EQ);
	ck_assert_uint_eq(r->args[1].loc.line, 17);
	ck_assert_int_eq(find_rule(p, "lseek", SC_ACT_ALLOW)->args[0].op, SC_CMP_LT);
	ck_assert_int_eq(find_rule(p, "fcntl", SC_ACT_ALLOW)->args[0].op, SC_CMP_LE);
	ck_assert_int_eq(find_rule(p, "ioctl", SC_ACT_ALLOW)->args[0].op, SC_CMP_GE);
	ck_assert_int_eq(find_rule(p, "prctl", SC_ACT_ALLOW)->args[0].op, SC_CMP_GT);
	/* includes / excludes. */
	r = find_rule(p, "mount", SC_ACT_ALLOW);
	ck_assert(r->includes.n_caps == 1 && !strcmp(r->includes.caps[0], "CAP_SYS_ADMIN"));
	r = find_rule(p, "arch_prctl", SC_ACT_ALLOW);
	ck_assert_uint_eq(r->includes.n_arches, 2);
	ck_assert_int_eq(r->includes.arches[0], SC_ARCH_X86_64);
	ck_assert_int_eq(r->includes.arches[1], SC_ARCH_X32);
	ck_assert_str_eq(find_rule(p, "ptrace", SC_ACT_ALLOW)->includes.min_kernel, "4.8");
	r = find_rule(p, "clone3", SC_ACT_ERRNO);
	ck_assert_str_eq(r->excludes.caps[0], "CAP_SYS_ADMIN");
	/* Name locations: rule 0 is on line 9, "read" at column 27. */
	ck_assert_ptr_nonnull(p->rules[0].name_locs);
	ck_assert_uint_eq(p->rules[0].name_locs[1].line, 9);
	ck_assert_uint_eq(p->rules[0].name_locs[1].col, 26);
	ck_assert_uint_eq(p->rules[0].loc.line, 9);
	sc_profile_free(p);
}
END_TEST

START_TEST(oci_roundtrip_stable)
{
	struct sc_profile *p = read_data("oci-full.json"), *q;
	char *a = write_str(p, SC_FORMAT_OCI), *b;

	q = read_str(a);
	b = write_str(q, SC_FORMAT_OCI);
	ck_assert_str_eq(a, b); /* idempotent */
	/* Deterministic key order. */
	ck_assert_ptr_nonnull(strstr(a, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  "
					"\"defaultErrnoRet\": 1,\n  \"architectures\""));
	ck_assert(strstr(a, "\"flags\"") < strstr(a, "\"listenerPath\""));
	ck_assert(strstr(a, "\"listenerMetadata\"") < strstr(a, "\"syscalls\""));
	/* read, read, write + close merged into one sorted, de-duplicated rule. */
	ck_assert_ptr_nonnull(strstr(a, "\"names\": [\n        \"close\",\n        \"read\",\n"
					"        \"write\"\n      ]"));
	/* Numbers are JSON numbers. */
	ck_assert_ptr_nonnull(strstr(a, "\"value\": 18446744073709551615"));
	ck_assert_ptr_nonnull(strstr(a, "\"errnoRet\": 97"));
	/* Allow rules come first. */
	ck_assert(strstr(a, "SCMP_ACT_ALLOW") < strstr(a, "SCMP_ACT_KILL_PROCESS"));
	ck_assert_uint_eq(q->n_rules, 17);
	sc_profile_free(p);
	sc_profile_free(q);
	free(a);
	free(b);
}
END_TEST

START_TEST(oci_strings_stay_strings)
{
	struct sc_profile *p =
		read_str("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"true\", \"1\", \"\"], \"action\": \"SCMP_ACT_LOG\", \"comment\": "
			 "\"null \\\"q\\\" \\u00e9\\n\"}]}");
	char *a = write_str(p, SC_FORMAT_OCI), *b;
	struct sc_profile *q = read_str(a);

	ck_assert_ptr_nonnull(strstr(a, "\"true\""));
	ck_assert_ptr_nonnull(strstr(a, "\"1\""));
	ck_assert_str_eq(q->rules[0].comment, "null \"q\" \xc3\xa9\n");
	ck_assert_uint_eq(q->rules[0].n_names, 3);
	b = write_str(p, SC_FORMAT_SPO);
	sc_profile_free(q);
	q = read_str(b);
	ck_assert_uint_eq(q->rules[0].n_names, 3);
	sc_profile_free(p);
	sc_profile_free(q);
	free(a);
	free(b);
}
END_TEST

START_TEST(oci_runtime_config)
{
	struct sc_profile *p =
		read_str("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}, "
			 "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
			 "\"syscalls\": [{\"names\": [\"read\"], \"action\": "
			 "\"SCMP_ACT_ALLOW\"}]}}}");

	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_uint_eq(p->n_rules, 1);
	sc_profile_free(p);
}
END_TEST

START_TEST(docker_default_reads)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL, *q;
	char *path = docker_default_path(), *a, *b;

	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(sc_profile_read_file(path, &d, &p), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_uint_eq(p->default_errno, 1);
	ck_assert_uint_ge(p->n_arch_map, 8);
	ck_assert_uint_ge(p->n_rules, 30);
	ck_assert_ptr_nonnull(find_rule(p, "read", SC_ACT_ALLOW));
	/* Round trip keeps the Docker fields and is stable. */
	a = write_str(p, SC_FORMAT_OCI);
	q = read_str(a);
	b = write_str(q, SC_FORMAT_OCI);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "\"archMap\""));
	ck_assert_ptr_nonnull(strstr(a, "\"minKernel\": \"4.8\""));
	sc_profile_free(p);
	sc_profile_free(q);
	sc_diags_clear(&d);
	free(path);
	free(a);
	free(b);
}
END_TEST

/* ---- SPO ------------------------------------------------------------------------------------ */

START_TEST(spo_v1beta1)
{
	struct sc_profile *p = read_data("spo-v1beta1.yaml");
	const struct sc_rule *r;
	char *y;
	struct sc_profile *q;

	ck_assert_int_eq(p->meta.format, SC_FORMAT_SPO);
	ck_assert_str_eq(p->meta.api_version, "security-profiles-operator.x-k8s.io/v1beta1");
	ck_assert_str_eq(p->meta.name, "web");
	ck_assert_str_eq(p->meta.namespace, "shop");
	ck_assert_int_eq(p->default_action, SC_ACT_ERRNO);
	ck_assert_uint_eq(p->n_arches, 1);
	ck_assert_uint_eq(p->flags, SC_FLAG_LOG);
	r = find_rule(p, "clone3", SC_ACT_ERRNO);
	ck_assert(r && r->errno_ret == 38);
	r = find_rule(p, "personality", SC_ACT_ALLOW);
	ck_assert(r && r->n_args == 1 && r->args[0].value == 0x20000);
	ck_assert_uint_eq(r->name_locs[0].line, 20);
	/* Written back as SPO and read again: the same profile. */
	y = write_str(p, SC_FORMAT_SPO);
	ck_assert_ptr_nonnull(strstr(y, "apiVersion: security-profiles-operator.x-k8s.io/v1beta1"));
	ck_assert_ptr_nonnull(strstr(y, "kind: SeccompProfile"));
	ck_assert_ptr_nonnull(strstr(y, "  name: web\n"));
	ck_assert_ptr_nonnull(strstr(y, "  namespace: shop\n"));
	q = read_str(y);
	ck_assert_int_eq(q->meta.format, SC_FORMAT_SPO);
	{
		char *a = write_str(p, SC_FORMAT_OCI), *b = write_str(q, SC_FORMAT_OCI);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}
	sc_profile_free(p);
	sc_profile_free(q);
	free(y);
}
END_TEST

START_TEST(spo_v1)
{
	struct sc_profile *p = read_data("spo-v1.yaml");

	ck_assert_str_eq(p->meta.api_version, "security-profiles-operator.x-k8s.io/v1");
	ck_assert_int_eq(p->default_action, SC_ACT_LOG);
	ck_assert_uint_eq(p->n_arches, 2);
	ck_assert_int_eq(p->arches[1], SC_ARCH_AARCH64);
	ck_assert_uint_eq(p->n_rules, 0);
	sc_profile_free(p);
}
END_TEST

START_TEST(spo_base_chain)
{
	struct sc_profile *p = read_data("chain/app.yaml");

	/* app -> middle -> runtime-base (found by metadata.name in another file name). */
	ck_assert_str_eq(p->meta.name, "app");
	ck_assert_str_eq(p->meta.base_profile, "middle");
	ck_assert_uint_eq(p->n_rules, 3);
	/* Base rules first, then the profile's own. */
	ck_assert_str_eq(p->rules[0].names[0], "read");
	ck_assert_str_eq(p->rules[1].names[0], "openat");
	ck_assert_str_eq(p->rules[2].names[0], "accept4");
	/* Base locations would point into other files: cleared. Own ones kept. */
	ck_assert_uint_eq(p->rules[0].loc.line, 0);
	ck_assert_uint_eq(p->rules[2].loc.line, 10);
	/* Architectures and flags are the union. */
	ck_assert(sc_profile_has_arch(p, SC_ARCH_X86_64));
	ck_assert(sc_profile_has_arch(p, SC_ARCH_AARCH64));
	ck_assert_uint_eq(p->flags, SC_FLAG_LOG);
	sc_profile_free(p);
}
END_TEST

static void expect_read_error(const char *name, const char *msg_part, const char *file_part)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	char *path = data_path(name);

	ck_assert_int_eq(sc_profile_read_file(path, &d, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_uint_ge(d.n_errors, 1);
	ck_assert_msg(strstr(d.v[0].message, msg_part), "%s: '%s'", name, d.v[0].message);
	ck_assert_msg(d.v[0].file && strstr(d.v[0].file, file_part), "file %s", d.v[0].file);
	ck_assert_uint_gt(d.v[0].loc.line, 0);
	ck_assert_uint_gt(d.v[0].loc.col, 0);
	sc_diags_clear(&d);
	free(path);
}

START_TEST(spo_base_cycle)
{
	expect_read_error("cycle/a.yaml", "cycle: a -> b -> a", "cycle/b.yaml");
	expect_read_error("cycle/self.yaml", "cycle: self -> self", "cycle/self.yaml");
}
END_TEST

START_TEST(spo_base_missing)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	const char *s = "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
			"kind: SeccompProfile\nmetadata:\n  name: x\nspec:\n"
			"  defaultAction: SCMP_ACT_ERRNO\n  baseProfileName: nope\n";

	/* From a buffer without a directory. */
	ck_assert_int_eq(sc_profile_read_buffer(s, strlen(s), NULL, &d, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "baseProfileName"));
	ck_assert_uint_eq(d.v[0].loc.line, 7);
	sc_diags_clear(&d);
}
END_TEST

/* ---- KubeArmor ------------------------------------------------------------------------------ */

START_TEST(kubearmor_seed003)
{
	/* Seed 003: the policy converts to exactly the mapped profile the seed shows. */
	struct sc_profile *p = read_data("seed003-kubearmor.yaml");
	struct sc_profile *want = read_data("seed003-mapped.json");
	char *a, *b;

	ck_assert_int_eq(p->meta.format, SC_FORMAT_KUBEARMOR);
	ck_assert_str_eq(p->meta.name, "ksp-wordpress-block-process");
	ck_assert_str_eq(p->meta.namespace, "wordpress-mysql");
	ck_assert_int_eq(p->meta.severity, 3);
	ck_assert_uint_eq(p->meta.n_match_labels, 1);
	ck_assert_str_eq(p->meta.match_labels[0].key, "app");
	ck_assert_str_eq(p->meta.match_labels[0].value, "wordpress");
	ck_assert_int_eq(p->default_action, want->default_action);
	ck_assert_uint_eq(p->n_arches, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(p->arches[i], want->arches[i]);
	ck_assert_uint_eq(p->n_rules, 1);
	ck_assert_int_eq(p->rules[0].action, SC_ACT_ALLOW);
	ck_assert_uint_eq(p->rules[0].n_names, 5);
	a = write_str(p, SC_FORMAT_OCI);
	b = write_str(want, SC_FORMAT_OCI);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	/* And back to KubeArmor: one Allow policy with the same selector. */
	a = write_str(p, SC_FORMAT_KUBEARMOR);
	ck_assert_ptr_nonnull(strstr(a, "kind: KubeArmorSeccompPolicy"));
	ck_assert_ptr_nonnull(strstr(a, "action: Allow"));
	ck_assert_ptr_nonnull(strstr(a, "      app: wordpress"));
	ck_assert_ptr_nonnull(strstr(a, "severity: 3"));
	sc_profile_free(want);
	want = read_str(a);
	b = write_str(want, SC_FORMAT_KUBEARMOR);
	ck_assert_str_eq(a, b);
	sc_profile_free(p);
	sc_profile_free(want);
	free(a);
	free(b);
}
END_TEST

START_TEST(kubearmor_block)
{
	struct sc_profile *p = read_data("kubearmor-block.yaml");
	char *a;

	/* A Block policy is a deny-list: default allow, the names get ERRNO. */
	ck_assert_int_eq(p->default_action, SC_ACT_ALLOW);
	ck_assert_ptr_nonnull(find_rule(p, "ptrace", SC_ACT_ERRNO));
	ck_assert_uint_eq(p->n_arches, 0);
	ck_assert_uint_eq(p->meta.n_match_exprs, 1);
	ck_assert_int_eq(p->meta.match_exprs[0].op, SC_SEL_IN);
	ck_assert_uint_eq(p->meta.match_exprs[0].n_values, 2);
	a = write_str(p, SC_FORMAT_KUBEARMOR);
	ck_assert_ptr_nonnull(strstr(a, "action: Block"));
	ck_assert_ptr_nonnull(strstr(a, "operator: In"));
	free(a);
	/* Adding an Audit group gives a second document. */
	ck_assert_ptr_nonnull(
		sc_profile_add_rule(p, SC_ACT_LOG, (const char *const[]){ "uname" }, 1));
	a = write_str(p, SC_FORMAT_KUBEARMOR);
	ck_assert_ptr_nonnull(strstr(a, "name: block-ptrace-block"));
	ck_assert_ptr_nonnull(strstr(a, "name: block-ptrace-audit"));
	ck_assert_ptr_nonnull(strstr(a, "action: Audit"));
	{
		struct sc_diags d = { 0 };
		struct sc_profile **v = NULL;
		size_t n = 0;
		ck_assert_int_eq(sc_profile_read_all(a, strlen(a), NULL, &d, &v, &n), 2);
		ck_assert_int_eq(v[0]->rules[0].action, SC_ACT_ERRNO);
		ck_assert_int_eq(v[1]->rules[0].action, SC_ACT_LOG);
		for (size_t i = 0; i < n; i++)
			sc_profile_free(v[i]);
		free(v);
	}
	free(a);
	/* Argument filters have no KubeArmor form. */
	ck_assert_int_eq(sc_rule_add_arg(&p->rules[0], 0, SC_CMP_EQ, 1, 0), 0);
	ck_assert_int_eq(sc_profile_write_string(p, SC_FORMAT_KUBEARMOR, &a), -EOPNOTSUPP);
	sc_profile_free(p);
}
END_TEST

START_TEST(read_all_multi)
{
	struct sc_diags d = { 0 };
	struct sc_profile **v = NULL, *p = NULL;
	char *path = data_path("multi.yaml");
	char *buf = NULL;
	size_t len, n = 0;

	ck_assert_int_eq(sc_read_file(path, 1 << 20, &buf, &len), 0);
	ck_assert_int_eq(sc_profile_read_all(buf, len, path, &d, &v, &n), 3);
	ck_assert_int_eq(v[0]->meta.format, SC_FORMAT_KUBEARMOR);
	ck_assert_int_eq(v[1]->meta.format, SC_FORMAT_SPO);
	ck_assert_int_eq(v[2]->meta.format, SC_FORMAT_OCI);
	ck_assert_int_eq(v[2]->default_action, SC_ACT_KILL_PROCESS);
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	/* read_buffer wants exactly one. */
	ck_assert_int_eq(sc_profile_read_buffer(buf, len, path, &d, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "more than one document"));
	ck_assert_uint_eq(d.v[0].loc.line, 10);
	sc_diags_clear(&d);
	free(buf);
	free(path);
}
END_TEST

/* ---- bad input: every class gives -EINVAL, no profile, and a located message ---------------- */

static const struct bad {
	const char *in;
	const char *msg;
	unsigned line, col;
} bad[] = {
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",", "syntax error", 2, 1 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\"]", "syntax error", 1, 0 },
	{ "defaultAction: [\n", "syntax error", 0, 0 },
	{ "{\"defaultAction\": 5}", "expected a string for 'defaultAction', got a number", 1, 19 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": true}]}",
	  "expected a string for 'action'", 1, 80 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
	  "expected a list for "
	  "'syscalls'",
	  1, 49 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"sycalls\": []}",
	  "unknown key 'sycalls' in the profile; did you mean 'syscalls'?", 1, 37 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"actoin\": \"SCMP_ACT_ALLOW\"}]}",
	  "did you mean 'action'?", 1, 70 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction\": \"SCMP_ACT_LOG\"}",
	  "duplicate key 'defaultAction'", 1, 37 },
	{ "{\"defaultAction\": \"SCMP_ACT_ALOW\"}",
	  "unknown action 'SCMP_ACT_ALOW'; did you mean "
	  "'SCMP_ACT_ALLOW'?",
	  1, 19 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
	  "\"SCMP_CMP_EQQ\"}]}]}",
	  "unknown operator 'SCMP_CMP_EQQ'", 1, 138 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
	  "unknown architecture 'SCMP_ARCH_VAX'", 1, 55 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOGG\"]}",
	  "unknown flag", 1, 47 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	  "argument index 6 is out of range", 1, 117 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
	  "out of range (expected 0..4095)", 1, 56 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -1}]}",
	  "negative number -1 for 'errnoRet'", 1, 110 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": "
	  "18446744073709551616, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	  "out of range", 1, 129 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1.5, \"op\": "
	  "\"SCMP_CMP_EQ\"}]}]}",
	  "expected an integer for 'value'", 1, 129 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"comment\": \"\xc3\x28\"}", "invalid UTF-8", 1,
	  49 },
	/* Past multi-byte characters, a column counts characters, not bytes. */
	{ "defaultAction: SCMP_ACT_ERRNO\ncomment: \"\xc3\xa9\xe2\x82\xac \xc3\x28\"\n",
	  "invalid UTF-8 (byte 0xc3)", 2, 14 },
	{ "defaultAction: SCMP_ACT_ERRNO\ncomment: \"\xc3\xa9\"\n\xe2\x82\xac: \xff\n",
	  "invalid UTF-8 (byte 0xff)", 3, 4 },
	/* Of two duplicated keys, the first in sort order is reported, at its second place. */
	{ "defaultAction: SCMP_ACT_ERRNO\nz: 1\nb: 1\nz: 2\nb: 2\n",
	  "duplicate key 'b' (first at line 3)", 5, 1 },
	/* Booleans in any case are no syscall names; a name starting with t or f is one. */
	{ "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nspec:\n"
	  "  seccomp:\n    syscalls: [fsync, tee, TRUE]\n    action: Allow\n",
	  "expected a string for 'syscalls', got a boolean", 5, 28 },
	{ "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nspec:\n"
	  "  seccomp:\n    syscalls: [fAlSe]\n    action: Allow\n",
	  "expected a string for 'syscalls', got a boolean", 5, 16 },
	{ "", "empty input", 1, 1 },
	{ "\n\n  \n", "empty input", 1, 1 },
	{ "a: &x [1, 2]\nb: *x\n", "aliases are not allowed", 2, 4 },
	{ "[1, 2]", "expected a mapping at the top level", 1, 1 },
	{ "\"just a string\"", "expected a mapping at the top level", 1, 1 },
	{ "{}", "missing 'defaultAction'", 1, 1 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
	  "syscall rule without 'action'", 1, 50 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": "
	  "\"SCMP_ACT_ALLOW\"}]}",
	  "syscall rule without 'names'", 1, 50 },
	{ "apiVersion: v1\nkind: Pod\n", "unsupported kind 'Pod'", 2, 7 },
	{ "apiVersion: security.kubearmor.com/v2\nkind: KubeArmorSeccompPolicy\nspec: {}\n",
	  "unsupported apiVersion", 1, 13 },
	{ "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nspec:\n"
	  "  seccomp:\n    syscalls: [read]\n    action: Alow\n",
	  "did you mean 'Allow'?", 6, 13 },
	{ "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\n"
	  "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscall: []\n",
	  "unknown key 'syscall' in 'spec'; did you mean 'syscalls'?", 5, 3 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	  "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"four\"}}]}",
	  "minKernel 'four'", 1, 124 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"comment\\u0000\": 1}", "NUL character", 1,
	  37 }, /* Kubernetes (go-yaml v2) applies '<<' merge keys; a profile would read it as a
		   key. */
	{ "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nspec:\n"
	  "  seccomp:\n    <<: {action: Allow}\n    syscalls: [read]\n",
	  "'<<' merge keys are not allowed", 5, 5 },
	{ "kind: SeccompProfile\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
	  "spec: {defaultAction: SCMP_ACT_ERRNO, \"<<\": 1}\n",
	  "unknown key '<<' in 'spec'", 3, 39 },
};

START_TEST(bad_input)
{
	const struct bad *b = &bad[_i];
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	char buf[512];

	ck_assert_int_eq(sc_profile_read_buffer(b->in, strlen(b->in), "bad.json", &d, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_uint_ge(d.n_errors, 1);
	ck_assert_msg(strstr(d.v[0].message, b->msg), "case %d: got '%s'", _i,
		      sc_diag_format(&d.v[0], buf, sizeof(buf)));
	ck_assert_str_eq(d.v[0].file, "bad.json");
	ck_assert_msg(d.v[0].loc.line > 0, "case %d has no line", _i);
	if (b->line)
		ck_assert_msg(d.v[0].loc.line == b->line && (!b->col || d.v[0].loc.col == b->col),
			      "case %d: at %u:%u, wanted %u:%u (%s)", _i, d.v[0].loc.line,
			      d.v[0].loc.col, b->line, b->col, d.v[0].message);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(deep_nesting)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	size_t n = 100000;
	char *s = malloc(2 * n + 1);

	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = 0;
	ck_assert_int_eq(sc_profile_read_buffer(s, 2 * n, "deep.json", &d, &p), -EINVAL);
	ck_assert_uint_ge(d.n_errors, 1);
	ck_assert_uint_eq(d.v[0].loc.line, 1);
	ck_assert_uint_gt(d.v[0].loc.col, 0);
	sc_diags_clear(&d);
	/* 65 levels: ours. */
	n = 65;
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = 0;
	ck_assert_int_eq(sc_profile_read_buffer(s, 2 * n, "deep.json", &d, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "nesting deeper than 64"));
	ck_assert_uint_eq(d.v[0].loc.col, 65);
	sc_diags_clear(&d);
	free(s);
}
END_TEST

START_TEST(alias_bomb)
{
	/* Billion laughs: refused at the first alias, before any expansion. */
	const char *s = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
			"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;

	ck_assert_int_eq(sc_profile_read_buffer(s, strlen(s), "bomb.yaml", &d, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "aliases are not allowed"));
	ck_assert_uint_eq(d.v[0].loc.line, 2);
	ck_assert_uint_eq(d.v[0].loc.col, 8);
	sc_diags_clear(&d);
}
END_TEST

/* A key that spans lines (found by fuzz-profile) is quoted in a message of one line. */
START_TEST(multiline_key_one_line_message)
{
	static const char doc[] = "?:\n?\n\n\n\nF\n\n\t'\n\n\n";
	struct sc_diags d = {};
	struct sc_profile *p = NULL;

	ck_assert_int_eq(sc_profile_read_buffer(doc, sizeof(doc) - 1, NULL, &d, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_uint_gt(d.n_errors, 0);
	bool escaped = false;
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_ptr_null(strchr(d.v[i].message, '\n'));
		escaped |= strstr(d.v[i].message, "F\\n") != NULL;
	}
	ck_assert(escaped);
	sc_diags_clear(&d);
}
END_TEST

START_TEST(too_large)
{
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;
	size_t n = (16u << 20) + 1;
	char *s = malloc(n);
	char path[] = "/tmp/syscage-io-big.XXXXXX";
	int fd;

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n);
	ck_assert_int_eq(sc_profile_read_buffer(s, n, "big.json", &d, &p), -EFBIG);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "larger than 16 MiB"));
	sc_diags_clear(&d);
	/* The same through a file. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
	close(fd);
	ck_assert_int_eq(sc_profile_read_file(path, &d, &p), -EFBIG);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "larger than 16 MiB"));
	ck_assert_str_eq(d.v[0].file, path);
	unlink(path);
	sc_diags_clear(&d);
	free(s);
}
END_TEST

START_TEST(many_errors_reported)
{
	/* Several independent mistakes in one profile are all reported (check shows them all). */
	const char *s =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALOW\"},"
		"{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 9999}"
		"], \"architectures\": [\"SCMP_ARCH_NOPE\"]}";
	struct sc_diags d = { 0 };
	struct sc_profile *p = NULL;

	ck_assert_int_eq(sc_profile_read_buffer(s, strlen(s), NULL, &d, &p), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 3);
	sc_diags_clear(&d);
}
END_TEST

/* ---- byte order marks (U+FEFF) ----------------------------------------------------------- */

#define BOM "\xef\xbb\xbf"
#define KA(name)                                                                             \
	"apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  " \
	"name: " name "\nspec:\n  seccomp:\n    syscalls: [read]\n    action: Allow\n"

/* Read 'in' whole: the number of profiles, the last one's name in *name (NULL: none). */
static int read_all_str(const char *in, struct sc_diags *d, char **name)
{
	struct sc_profile **v = NULL;
	size_t n = 0;
	int r = sc_profile_read_all(in, strlen(in), "bom.yaml", d, &v, &n);

	if (name)
		*name = r > 0 && v[n - 1]->meta.name ? strdup(v[n - 1]->meta.name) : NULL;
	for (size_t i = 0; i < n; i++)
		sc_profile_free(v[i]);
	free(v);
	return r;
}

/* Kubernetes' reader (kubectl) drops a mark starting a file, cuts a stream into documents at
 * its "---" lines and reads each alone, so a mark starting a document's text right after
 * its "---" line (files joined with cat) is read as at a file's start: so are they here, in
 * any form the document takes. */
static const char *const bom_read[] = {
	BOM KA("a"),
	KA("a") "---\n" BOM KA("b"),
	KA("a") "--- # joined\n" BOM KA("b"),
	KA("a") "---\r\n" BOM KA("b"),
	"---\n" BOM KA("b"),
	KA("a") "---\n" BOM "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n---\n" BOM KA("b"),
	KA("a") "---\n" BOM "\"apiVersion\": security.kubearmor.com/v1\nkind: "
		"KubeArmorSeccompPolicy\nmetadata: {name: b}\nspec: {seccomp: {syscalls: [read], "
		"action: Allow}}\n",
	BOM "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}",
};

START_TEST(bom_where_kubernetes_reads_one)
{
	struct sc_diags d = { 0 };
	char *name = NULL;
	int r = read_all_str(bom_read[_i], &d, &name);

	ck_assert_msg(r > 0, "case %d: %d (%s)", _i, r, d.n ? d.v[0].message : "");
	ck_assert_uint_eq(d.n_errors, 0);
	if (_i < 7)
		ck_assert_pstr_eq(name, _i == 0 ? "a" : "b");
	free(name);
	sc_diags_clear(&d);
}
END_TEST

/* Anywhere else a key would keep the mark for Kubernetes (or go-yaml would skip it at a
 * line's start and read the indentation one column off): refused where it is, the mark
 * named, never printed invisible inside the key (the message read "unknown key 'apiVersion'
 * ... did you mean 'apiVersion'?"). */
static const struct {
	const char *in, *msg;
	unsigned line, col;
} bom_refused[] = {
	{ KA("a") "---\n# c\n" BOM KA("b"), "a byte order mark (U+FEFF) before 'apiVersion'", 11,
	  1 },
	{ KA("a") "---\n\n" BOM KA("b"), "a byte order mark (U+FEFF) before 'apiVersion'", 11, 1 },
	{ "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n"
	  "  " BOM "name: a\n",
	  "a byte order mark (U+FEFF) before 'name'", 4, 3 },
	{ "defaultAction: SCMP_ACT_ERRNO\n" BOM "syscalls: []\n",
	  "a byte order mark (U+FEFF) before 'syscalls'", 2, 1 },
	{ "api" BOM "Version: v1\n", "a byte order mark (U+FEFF) in key 'api<U+FEFF>Version'", 1,
	  1 },
	{ "{\"\\ufeffdefaultAction\": \"SCMP_ACT_ERRNO\"}",
	  "a byte order mark (U+FEFF) before 'defaultAction'", 1, 2 },
	/* libfyaml reads no mark before "---": a syntax error that says where the mark is. */
	{ "defaultAction: SCMP_ACT_ERRNO\n...\n" BOM "---\ndefaultAction: SCMP_ACT_LOG\n",
	  "(a byte order mark, U+FEFF, at line 3", 0, 0 },
	/* JSON is read by JSON's rules with a mark before it too (it was read as YAML: a tab
	 * in a string passed). */
	{ BOM "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],\n"
	      "\"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"a\tb\"}]}",
	  "syntax error: Invalid JSON unescaped character", 2, 0 },
};

START_TEST(bom_anywhere_else)
{
	struct sc_diags d = { 0 };
	char buf[512];

	ck_assert_int_eq(read_all_str(bom_refused[_i].in, &d, NULL), -EINVAL);
	ck_assert_uint_ge(d.n_errors, 1);
	ck_assert_msg(strstr(d.v[0].message, bom_refused[_i].msg), "case %d: got '%s'", _i,
		      sc_diag_format(&d.v[0], buf, sizeof(buf)));
	ck_assert_msg(!strstr(d.v[0].message, BOM), "case %d: the mark printed as is", _i);
	if (bom_refused[_i].line)
		ck_assert_msg(
			d.v[0].loc.line == bom_refused[_i].line &&
				(!bom_refused[_i].col || d.v[0].loc.col == bom_refused[_i].col),
			"case %d: at %u:%u, wanted %u:%u", _i, d.v[0].loc.line, d.v[0].loc.col,
			bom_refused[_i].line, bom_refused[_i].col);
	sc_diags_clear(&d);
}
END_TEST

/* ---- writing files -------------------------------------------------------------------------- */

START_TEST(write_file_atomic)
{
	struct sc_profile *p = read_data("seed003-kubearmor.yaml"), *q = NULL;
	char dir[] = "/tmp/syscage-io-w.XXXXXX", *path, *bad_path;
	struct sc_diags d = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&path, "%s/out.yaml", dir), 0);
	/* Missing directories are created now (#15.12): a path through a regular file fails. */
	ck_assert_int_ge(asprintf(&bad_path, "%s/out.yaml/out.json", dir), 0);
	ck_assert_int_eq(sc_profile_write_file(p, SC_FORMAT_SPO, path), 0);
	ck_assert_int_eq(sc_profile_read_file(path, &d, &q), 0);
	ck_assert_int_eq(q->meta.format, SC_FORMAT_SPO);
	ck_assert_uint_eq(q->rules[0].n_names, 5);
	ck_assert_int_lt(sc_profile_write_file(p, SC_FORMAT_OCI, bad_path), 0);
	ck_assert_int_lt(access(bad_path, F_OK), 0);
	unlink(path);
	rmdir(dir);
	sc_profile_free(p);
	sc_profile_free(q);
	free(path);
	free(bad_path);
}
END_TEST

/* sc_yaml_scalar_text gives every scalar the text fy_token_get_text gives it: over inputs made
 * to hit each way a plain scalar can end (its line, a comment, blanks, a flow indicator, a
 * CRLF, a continuation line), random ones, and every YAML and JSON file of the tests' data
 * and fuzz corpora. Returns how many scalars it compared. */
static size_t scalars_same(const char *buf, size_t len, bool json, const char *what)
{
	struct fy_diag *diag = NULL;
	struct fy_parser *fyp;
	struct fy_event *e;
	struct sc_loc loc;
	const char *why;
	size_t n = 0;

	if (!sc_yaml_text_valid(buf, len, &loc, &why))
		return 0;
	/* As the readers parse: a parser of sc_yaml_parser_open's, quiet. */
	fyp = sc_yaml_parser_open(buf, len, json, &diag);
	ck_assert_ptr_nonnull(fyp);
	while ((e = fy_parser_parse(fyp))) {
		if (e->type == FYET_SCALAR) {
			size_t la = 0, lb = 0;
			const char *a = fy_token_get_text(e->scalar.value, &la);
			const char *b = sc_yaml_scalar_text(e->scalar.value, buf, len, &lb);
			ck_assert_msg(la == lb && (la == 0 || memcmp(a, b, la) == 0),
				      "%s: scalar '%.*s' read as '%.*s'", what, (int)la, a, (int)lb,
				      b);
			n++;
		}
		fy_parser_event_free(fyp, e);
	}
	sc_yaml_parser_close(fyp, diag, json, !fy_parser_get_stream_error(fyp));
	return n;
}

static size_t scalars_same_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *path, *buf;
		size_t len;
		struct stat st;
		const char *ext = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.')
			continue;
		ck_assert_int_ge(asprintf(&path, "%s/%s", dir, de->d_name), 0);
		if (stat(path, &st) < 0) {
			/* a dangling link among the data: nothing to read */
		} else if (S_ISDIR(st.st_mode)) {
			n += scalars_same_in(path);
		} else if (S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
			FILE *f = fopen(path, "re");
			ck_assert_msg(f != NULL, "%s: %m", path);
			buf = malloc((size_t)st.st_size + 1);
			len = fread(buf, 1, (size_t)st.st_size, f);
			fclose(f);
			n += scalars_same(buf, len, false, path);
			if (ext && strcmp(ext, ".json") == 0)
				n += scalars_same(buf, len, true, path);
			free(buf);
		}
		free(path);
	}
	closedir(d);
	return n;
}

START_TEST(scalar_text_as_libfyaml)
{
	static const char *const made[] = {
		"a: b\n",
		"a: b   \n",
		"a: b # c\n",
		"a: b\t\n",
		"a: b\r\nc: d\r\n",
		"a: [b, c d ,e]\n",
		"a: {b: c, d:e}\n",
		"- b\n- c  \n",
		"a: b\n  c\n  d\n",
		"a: b c\n\n  d\n",
		"a: b:c\n",
		"a: -b\n",
		"a: 'b'\n",
		"a: \"b\\tc\"\n",
		"a: |\n  b\n  c\n",
		"a: >\n  b\n  c\n",
		"a: \xc3\xa9t\xc3\xa9\n",
		"a:\n",
		"a: ~\n",
		"? a\n: b\n",
		"a: &x b\nc: *x\n",
		"a: !!str 1\n",
		"a: b\tc\n",
		"a: b",
		"a:    b    # c\n",
		"[a,b,[c , d]]",
		"--- a\n... \n--- b\n",
		"a: b\r\n  c\r\n",
		"a: 'it''s'\n",
		"a: \"x\\\"y\"\n",
		"a: 'b c'  # d\n",
		"a: \"\xc3\xa9\"\n",
		"a: ''\n",
		"a: \"\"\n",
		"a: 'b\n  c'\n",
		"a: \"b\n  c\"\n",
		"['a', \"b\", 'c''d', \"e\\u00e9\"]",
		"a: \"b\\\n  c\"\n",
		"a: 'b\tc'\n",
	};
	static const char *const words[] = { "a",	   "b c",    "x-y",  "1.5",   "on",
					     "\xc3\xa9",   "a:b",    "a#b",  "\t",    "  ",
					     "http://x/y", "-",	     "null", "'q r'", "'s''t'",
					     "\"u\\tv\"",  "\"w x\"" };
	const size_t n_words = sizeof(words) / sizeof(words[0]);
	static const char *const ends[] = { "\n", "  \n", " # c\n", "\r\n", "\t\n", "" };
	size_t n = 0;
	const char *src = getenv("SYSCAGE_SRCDIR");
	char *dir;

	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		n += scalars_same(made[i], strlen(made[i]), false, made[i]);
	srand(18);
	for (int round = 0; round < 3000; round++) {
		char doc[1024];
		size_t o = 0;
		int lines = 1 + rand() % 6;
		for (int l = 0; l < lines && o < sizeof(doc) - 200; l++) {
			const char *w1 = words[(size_t)rand() % n_words],
				   *w2 = words[(size_t)rand() % n_words];
			switch (rand() % 4) {
			case 0:
				o += (size_t)snprintf(doc + o, sizeof(doc) - o, "k%d: %s %s%s", l,
						      w1, w2, ends[rand() % 6]);
				break;
			case 1:
				o += (size_t)snprintf(doc + o, sizeof(doc) - o, "k%d: [%s, %s]%s",
						      l, w1, w2, ends[rand() % 6]);
				break;
			case 2:
				o += (size_t)snprintf(doc + o, sizeof(doc) - o, "k%d: %s\n  %s%s",
						      l, w1, w2, ends[rand() % 6]);
				break;
			default:
				o += (size_t)snprintf(doc + o, sizeof(doc) - o, "- %s%s", w1,
						      ends[rand() % 6]);
				break;
			}
		}
		n += scalars_same(doc, o, false, doc);
	}
	ck_assert_int_ge(asprintf(&dir, "%s/tests/data", src ? src : "."), 0);
	n += scalars_same_in(dir);
	free(dir);
	ck_assert_int_ge(asprintf(&dir, "%s/tests/fuzz/corpus", src ? src : "."), 0);
	n += scalars_same_in(dir);
	free(dir);
	ck_assert_int_ge(asprintf(&dir, "%s/examples", src ? src : "."), 0);
	n += scalars_same_in(dir);
	free(dir);
	/* The files are there (a tree without them would compare only the made inputs). */
	ck_assert_uint_gt(n, 10000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile-io");
	TCase *tc = tcase_create("io");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, echoed_values_are_cut);
	tcase_add_test(tc, diag_format_rule);
	tcase_add_test(tc, oci_all_fields);
	tcase_add_test(tc, oci_roundtrip_stable);
	tcase_add_test(tc, oci_strings_stay_strings);
	tcase_add_test(tc, oci_runtime_config);
	{
		char *dd = docker_default_path();
		if (dd)
			tcase_add_test(tc, docker_default_reads);
		else
			tap_skip("docker_default_reads",
				 "$SYSCAGE_SHARED/data/docker-default.json is not available");
		free(dd);
	}
	tcase_add_test(tc, spo_v1beta1);
	tcase_add_test(tc, spo_v1);
	tcase_add_test(tc, spo_base_chain);
	tcase_add_test(tc, spo_base_cycle);
	tcase_add_test(tc, spo_base_missing);
	tcase_add_test(tc, kubearmor_seed003);
	tcase_add_test(tc, kubearmor_block);
	tcase_add_test(tc, read_all_multi);
	tcase_add_loop_test(tc, bad_input, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, alias_bomb);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, multiline_key_one_line_message);
	tcase_add_test(tc, many_errors_reported);
	tcase_add_test(tc, write_file_atomic);
	tcase_add_test(tc, scalar_text_as_libfyaml);
	tcase_add_loop_test(tc, bom_where_kubernetes_reads_one, 0,
			    sizeof(bom_read) / sizeof(bom_read[0]));
	tcase_add_loop_test(tc, bom_anywhere_else, 0, sizeof(bom_refused) / sizeof(bom_refused[0]));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
