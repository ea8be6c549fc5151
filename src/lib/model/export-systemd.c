/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the systemd export: a profile -> a unit drop-in (SystemCallFilter= etc.), and the list
 * of what systemd's filter settings cannot express. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/export.h"
#include "syscage/merge.h"
#include "syscage/syscalls.h"
#include "syscage/version.h"
#include "macro.h"

#define NAMES_PER_LINE 8

/* systemd's @default set (systemd-analyze syscall-filter @default): always allowed when
 * SystemCallFilter= is an allow-list. */
static const char *const systemd_default_set[] = {
	"arch_prctl",
	"brk",
	"cacheflush",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"execve",
	"exit",
	"exit_group",
	"futex",
	"futex_time64",
	"futex_waitv",
	"get_robust_list",
	"get_thread_area",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getsid",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"membarrier",
	"mmap",
	"mmap2",
	"mprotect",
	"munmap",
	"nanosleep",
	"pause",
	"prlimit64",
	"restart_syscall",
	"riscv_flush_icache",
	"riscv_hwprobe",
	"rseq",
	"rt_sigreturn",
	"sched_getaffinity",
	"sched_yield",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"set_tls",
	"sigreturn",
	"time",
	"ugetrlimit",
	"uretprobe",
};

const char *sc_arch_systemd_name(enum sc_arch a)
{
	static const char *const names[_SC_ARCH_COUNT] = {
		[SC_ARCH_X86] = "x86",
		[SC_ARCH_X86_64] = "x86-64",
		[SC_ARCH_X32] = "x32",
		[SC_ARCH_ARM] = "arm",
		[SC_ARCH_AARCH64] = "arm64",
		[SC_ARCH_LOONGARCH64] = "loongarch64",
		[SC_ARCH_MIPS] = "mips",
		[SC_ARCH_MIPSEL] = "mips-le",
		[SC_ARCH_MIPS64] = "mips64",
		[SC_ARCH_MIPSEL64] = "mips64-le",
		[SC_ARCH_MIPS64N32] = "mips64-n32",
		[SC_ARCH_MIPSEL64N32] = "mips64-le-n32",
		[SC_ARCH_PARISC] = "parisc",
		[SC_ARCH_PARISC64] = "parisc64",
		[SC_ARCH_PPC] = "ppc",
		[SC_ARCH_PPC64] = "ppc64",
		[SC_ARCH_PPC64LE] = "ppc64-le",
		[SC_ARCH_RISCV64] = "riscv64",
		[SC_ARCH_S390] = "s390",
		[SC_ARCH_S390X] = "s390x",
	};
	return (unsigned)a < _SC_ARCH_COUNT ? names[a] : NULL;
}

struct note_list {
	char **v;
	size_t n;
	struct sc_diags *d;
	int err;
};

static void note(struct note_list *l, const char *fmt, ...) _printf_(2, 3);
static void note(struct note_list *l, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **v;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		l->err = -ENOMEM;
		return;
	}
	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (!v) {
		free(s);
		l->err = -ENOMEM;
		return;
	}
	l->v = v;
	l->v[l->n++] = s;
	if (l->d)
		(void)sc_diags_add(l->d, SC_SEV_WARNING, (struct sc_loc){ 0, 0 }, "systemd: %s", s);
}

static void errno_name(uint32_t e, char *buf, size_t size)
{
	const char *n = e > 0 && e < 4096 ? strerrorname_np((int)e) : NULL;

	if (n)
		snprintf(buf, size, "%s", n);
	else
		snprintf(buf, size, "%u", e);
}

static bool is_conditional(const struct sc_rule *r)
{
	return r->n_args > 0 || r->includes.n_caps || r->includes.n_arches ||
	       r->includes.min_kernel || r->excludes.n_caps || r->excludes.n_arches ||
	       r->excludes.min_kernel;
}

/* Is 'name' a syscall on one of the profile's architectures (the native one if none)? */
static bool on_profile_arches(const struct sc_profile *p, const char *name)
{
	if (p->n_arches == 0)
		return sc_syscall_from_name(sc_arch_native(), name) >= 0;
	for (size_t i = 0; i < p->n_arches; i++)
		if (sc_syscall_from_name(p->arches[i], name) >= 0)
			return true;
	return false;
}

/* A comment line, wrapped at about 90 columns. */
static void comment_wrapped(FILE *f, const char *s)
{
	const char *prefix = "#   - ";

	while (*s) {
		size_t n = strlen(s), cut = n;
		if (n > 84) {
			cut = 84;
			while (cut > 20 && s[cut] != ' ')
				cut--;
		}
		fprintf(f, "%s%.*s\n", prefix, (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
		prefix = "#     ";
	}
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Words of one setting, wrapped over several lines of the same key. */
struct words {
	const char **v;
	char **owned;
	size_t n, n_owned;
};

static int words_add(struct words *w, const char *s, bool own)
{
	const char **v = reallocarray(w->v, w->n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	w->v = v;
	if (own) {
		char **o = reallocarray(w->owned, w->n_owned + 1, sizeof(*o));
		char *c = strdup(s);
		if (!o || !c) {
			free(c);
			if (o)
				w->owned = o;
			return -ENOMEM;
		}
		w->owned = o;
		w->owned[w->n_owned++] = c;
		s = c;
	}
	w->v[w->n++] = s;
	return 0;
}

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n_owned; i++)
		free(w->owned[i]);
	free(w->owned);
	free(w->v);
}

static void words_print(FILE *f, const char *key, const char *prefix, const struct words *w)
{
	for (size_t i = 0; i < w->n; i += NAMES_PER_LINE) {
		fprintf(f, "%s=%s", key, prefix);
		for (size_t k = i; k < w->n && k < i + NAMES_PER_LINE; k++)
			fprintf(f, "%s%s", k > i ? " " : "", w->v[k]);
		fputc('\n', f);
	}
}

/* What the profile does with one name. */
struct name_info {
	const char *name;
	struct sc_verdict v;
	bool cond_denies;
	enum sc_action cond_deny_action;
	uint32_t cond_deny_errno;
};

static uint32_t eff_errno(const struct sc_rule *r)
{
	return r->has_errno ? r->errno_ret : r->action == SC_ACT_ERRNO ? 1u : 0u;
}

static void name_info(const struct sc_profile *p, const char *name, struct name_info *ni)
{
	int best = 99;

	*ni = (struct name_info){ .name = name };
	sc_profile_verdict(p, name, &ni->v);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		bool named = false;
		if (!is_conditional(r) || sc_action_permits(r->action))
			continue;
		for (size_t k = 0; k < r->n_names && !named; k++)
			named = streq(r->names[k], name);
		if (named && sc_action_rank(r->action) < best) {
			best = sc_action_rank(r->action);
			ni->cond_denies = true;
			ni->cond_deny_action = r->action;
			ni->cond_deny_errno = eff_errno(r);
		}
	}
}

static const char *short_action(enum sc_action a)
{
	const char *s = sc_action_to_string(a);
	return s && !strncmp(s, "SCMP_ACT_", 9) ? s + 9 : "?";
}

/* The deny suffix for a deny-list entry: ":EPERM", ":kill", or "" for the common errno. */
static void deny_suffix(struct note_list *l, const char *name, enum sc_action a, uint32_t e,
			bool have_common, uint32_t common, char *buf, size_t size)
{
	char en[32];

	switch (a) {
	case SC_ACT_ERRNO:
		if (e == 0 || e > 4095) {
			note(l, "%s: errno %u is outside systemd's range 1..4095; EPERM is used",
			     name, e);
			e = 1;
		}
		if (have_common && e == common) {
			buf[0] = '\0';
			return;
		}
		errno_name(e, en, sizeof(en));
		snprintf(buf, size, ":%s", en);
		return;
	case SC_ACT_KILL_PROCESS:
		snprintf(buf, size, ":kill");
		return;
	case SC_ACT_TRACE:
		note(l,
		     "%s: SCMP_ACT_TRACE has no systemd equivalent; ENOSYS (what the kernel "
		     "returns without a tracer) is used",
		     name);
		snprintf(buf, size, ":ENOSYS");
		return;
	default:
		note(l, "%s: SCMP_ACT_%s has no systemd equivalent; the process is killed", name,
		     short_action(a));
		snprintf(buf, size, ":kill");
		return;
	}
}

int sc_profile_export_systemd(const struct sc_profile *p, const struct sc_export_opts *o,
			      struct sc_diags *d, char **ret)
{
	struct note_list l = { .d = d };
	struct words filter = {}, logw = {}, arches = {};
	cleanup_free const char **names = NULL;
	cleanup_free struct name_info *info = NULL;
	size_t total = 0, n = 0;
	bool allow_mode = !sc_action_permits(p->default_action);
	uint32_t def_errno = p->has_default_errno		 ? p->default_errno
			     : p->default_action == SC_ACT_ERRNO ? 1u
								 : 0u;
	bool have_common = false;
	uint32_t common = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int r = 0;

	/* Every distinct name. */
	for (size_t i = 0; i < p->n_rules; i++)
		total += p->rules[i].n_names;
	names = calloc(total ? total : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			names[n++] = p->rules[i].names[k];
	qsort(names, n, sizeof(*names), cmp_strp);
	total = n;
	n = 0;
	for (size_t i = 0; i < total; i++)
		if (n == 0 || !streq(names[i], names[n - 1]))
			names[n++] = names[i];
	info = calloc(n ? n : 1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		name_info(p, names[i], &info[i]);

	/* Architectures. */
	if (p->n_arches == 0)
		r = words_add(&arches, "native", false);
	for (size_t i = 0; r == 0 && i < p->n_arches; i++) {
		const char *an = sc_arch_systemd_name(p->arches[i]);
		if (an)
			r = words_add(&arches, an, false);
		else
			note(&l,
			     "architecture %s: systemd has no name for it; not listed (its "
			     "system calls are blocked)",
			     sc_arch_info(p->arches[i])->scmp_name);
	}
	if (p->n_arch_map)
		note(&l, "archMap: resolved by Docker at run time; only 'architectures' is "
			 "exported");
	for (unsigned fl = 1; fl && fl <= SC_FLAG_WAIT_KILLABLE_RECV; fl <<= 1)
		if ((p->flags & fl) && fl != SC_FLAG_TSYNC)
			note(&l, "flag %s: systemd sets its own filter flags",
			     sc_flag_to_string(fl) ? sc_flag_to_string(fl) : "?");
	if (p->listener_path)
		note(&l, "listenerPath: systemd has no seccomp notify support");

	/* The default action. */
	switch (p->default_action) {
	case SC_ACT_ERRNO:
		if (def_errno == 0 || def_errno > 4095) {
			note(&l,
			     "defaultErrnoRet %u is outside systemd's range 1..4095; EPERM is "
			     "used",
			     def_errno);
			def_errno = 1;
		}
		break;
	case SC_ACT_KILL_PROCESS:
	case SC_ACT_ALLOW:
		break;
	case SC_ACT_LOG:
		break;
	default:
		note(&l,
		     "defaultAction SCMP_ACT_%s: systemd can only kill the process or return "
		     "an errno; it kills",
		     short_action(p->default_action));
		break;
	}

	for (size_t i = 0; i < n && !l.err; i++) {
		const struct name_info *ni = &info[i];
		bool known = sc_syscall_known(ni->name);
		bool permits = sc_action_permits(ni->v.action);

		if (!known) {
			note(&l, "%s: not a system call on any architecture; left out", ni->name);
			continue;
		}
		if (allow_mode) {
			if (ni->v.unconditional && permits) {
				r = words_add(&filter, ni->name, false);
				if (r == 0 && ni->v.action == SC_ACT_LOG)
					r = words_add(&logw, ni->name, false);
			} else if (!ni->v.unconditional && ni->v.cond_permits) {
				note(&l,
				     "%s: allowed only for some arguments; systemd cannot "
				     "filter arguments, so it is left out (denied)",
				     ni->name);
			} else if (ni->v.unconditional && (ni->v.action != p->default_action ||
							   (ni->v.action == SC_ACT_ERRNO &&
							    ni->v.errno_ret != def_errno))) {
				char e1[32], e2[32];
				errno_name(ni->v.errno_ret, e1, sizeof(e1));
				errno_name(def_errno, e2, sizeof(e2));
				note(&l,
				     "%s: SCMP_ACT_%s%s%s%s differs from the default; systemd "
				     "applies the default (SCMP_ACT_%s%s%s%s)",
				     ni->name, short_action(ni->v.action),
				     ni->v.action == SC_ACT_ERRNO ? "(" : "",
				     ni->v.action == SC_ACT_ERRNO ? e1 : "",
				     ni->v.action == SC_ACT_ERRNO ? ")" : "",
				     short_action(p->default_action),
				     p->default_action == SC_ACT_ERRNO ? "(" : "",
				     p->default_action == SC_ACT_ERRNO ? e2 : "",
				     p->default_action == SC_ACT_ERRNO ? ")" : "");
			}
			if (ni->v.conditional && ni->v.unconditional && permits && ni->cond_denies)
				note(&l,
				     "%s: denied for some arguments, allowed unconditionally; "
				     "the unconditional rule wins",
				     ni->name);
		}
	}
	if (r < 0 || l.err)
		goto out;

	if (allow_mode) {
		/* systemd's @default set is always allowed in allow-list mode. */
		cleanup_free char *list = NULL;
		size_t ll = 0;
		FILE *lf = open_memstream(&list, &ll);
		unsigned cnt = 0;
		if (!lf) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < ELEMENTSOF(systemd_default_set); i++) {
			struct sc_verdict v;
			if (!on_profile_arches(p, systemd_default_set[i]))
				continue;
			sc_profile_verdict(p, systemd_default_set[i], &v);
			if (!sc_action_permits(v.action) && !(!v.unconditional && v.cond_permits))
				fprintf(lf, "%s%s", cnt++ ? " " : "", systemd_default_set[i]);
		}
		if (fclose(lf) != 0) {
			r = -ENOMEM;
			goto out;
		}
		if (cnt)
			note(&l,
			     "systemd always allows its @default set in allow-list mode; the "
			     "profile denies: %s",
			     list);
		if (filter.n == 0) {
			note(&l, "the profile allows no system call; systemd's minimum is "
				 "@default");
			r = words_add(&filter, "@default", false);
		}
		if (p->default_action == SC_ACT_ERRNO) {
			have_common = true;
			common = def_errno;
		}
	} else {
		/* Deny-list: the errno most ERRNO rules use becomes SystemCallErrorNumber=. */
		cleanup_free uint32_t *errs = calloc(n ? n : 1, sizeof(uint32_t));
		size_t ne = 0, best = 0;
		if (!errs) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const struct name_info *ni = &info[i];
			if (ni->v.unconditional && ni->v.action == SC_ACT_ERRNO)
				errs[ne++] = ni->v.errno_ret;
			else if (!ni->v.unconditional && ni->cond_denies &&
				 ni->cond_deny_action == SC_ACT_ERRNO)
				errs[ne++] = ni->cond_deny_errno;
		}
		for (size_t i = 0; i < ne; i++) {
			size_t c = 0;
			for (size_t k = 0; k < ne; k++)
				c += errs[k] == errs[i];
			if (c > best || (c == best && errs[i] < common)) {
				best = c;
				common = errs[i];
			}
		}
		have_common = ne > 0 && common > 0 && common <= 4095;
		for (size_t i = 0; i < n && r == 0 && !l.err; i++) {
			const struct name_info *ni = &info[i];
			enum sc_action a;
			uint32_t e;
			char suffix[40], word[128];
			if (!sc_syscall_known(ni->name))
				continue;
			if (ni->v.unconditional) {
				if (ni->v.action == SC_ACT_LOG && p->default_action != SC_ACT_LOG)
					r = words_add(&logw, ni->name, false);
				if (sc_action_permits(ni->v.action))
					continue;
				a = ni->v.action;
				e = ni->v.errno_ret;
			} else if (ni->cond_denies) {
				note(&l,
				     "%s: denied only for some arguments; systemd cannot filter "
				     "arguments, so it is denied for all",
				     ni->name);
				a = ni->cond_deny_action;
				e = ni->cond_deny_errno;
			} else {
				continue;
			}
			deny_suffix(&l, ni->name, a, e, have_common, common, suffix,
				    sizeof(suffix));
			snprintf(word, sizeof(word), "%s%s", ni->name, suffix);
			r = words_add(&filter, word, true);
		}
		if (p->default_action == SC_ACT_LOG) {
			/* Log everything except what is explicitly allowed. */
			for (size_t i = 0; i < n && r == 0; i++)
				if (info[i].v.unconditional && info[i].v.action == SC_ACT_ALLOW &&
				    sc_syscall_known(info[i].name))
					r = words_add(&logw, info[i].name, false);
			if (logw.n == 0)
				note(&l,
				     "defaultAction SCMP_ACT_LOG: systemd's SystemCallLog= needs "
				     "a list; nothing is logged");
		}
	}
	if (r < 0 || l.err)
		goto out;

	f = open_memstream(&buf, &len);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	fprintf(f, "# systemd drop-in generated by syscage %s", SYSCAGE_VERSION);
	if (o && o->source)
		fprintf(f, " from %s", o->source);
	fputc('\n', f);
	if (o && o->unit)
		fprintf(f,
			"# Install as /etc/systemd/system/%s.d/syscage-seccomp.conf, then run\n"
			"# 'systemctl daemon-reload' and restart the unit.\n",
			o->unit);
	fprintf(f,
		"# Check it with 'systemd-analyze verify UNIT': systemd ignores (with a warning)\n"
		"# syscall names its libseccomp does not know, so a deny-list would not deny "
		"them.\n");
	if (l.n) {
		fprintf(f, "#\n# systemd cannot express everything in this profile:\n");
		for (size_t i = 0; i < l.n; i++)
			comment_wrapped(f, l.v[i]);
	}
	fprintf(f, "\n[Service]\nNoNewPrivileges=yes\n");
	words_print(f, "SystemCallArchitectures", "", &arches);
	if (filter.n)
		words_print(f, "SystemCallFilter", allow_mode ? "" : "~", &filter);
	if (filter.n && have_common) {
		char en[32];
		errno_name(common, en, sizeof(en));
		fprintf(f, "SystemCallErrorNumber=%s\n", en);
	}
	if (logw.n)
		words_print(f, "SystemCallLog", p->default_action == SC_ACT_LOG ? "~" : "", &logw);
	if (fclose(f) != 0) {
		free(buf);
		buf = NULL;
		r = -ENOMEM;
		goto out;
	}
	*ret = buf;
	r = (int)l.n;
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	words_free(&filter);
	words_free(&logw);
	words_free(&arches);
	return r < 0 ? r : l.err < 0 ? l.err : r;
}
