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

	/* Values cut as in every diagnostic, the note itself then passed on whole. */
	va_start(ap, fmt);
	if (sc_diag_vasprintf(&s, fmt, ap) < 0)
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
		(void)sc_diags_add(l->d, SC_SEV_WARNING, (struct sc_loc){ 0, 0 }, "systemd: %.*s",
				   (int)strlen(s), s);
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

/* One export in progress: what the phases below hand on to each other. */
struct dropin {
	const struct sc_profile *p;
	struct note_list l;	/* what systemd cannot express */
	struct words filter;	/* SystemCallFilter= */
	struct words logw;	/* SystemCallLog= */
	struct words arches;	/* SystemCallArchitectures= */
	const char **names;	/* every distinct name, sorted */
	struct name_info *info; /* what the profile does with each */
	size_t n;
	bool allow_mode;    /* SystemCallFilter= is an allow-list (the default denies) */
	uint32_t def_errno; /* the default's errno (1..4095 once checked) */
	bool have_common;   /* SystemCallErrorNumber=common */
	uint32_t common;
};

/* Every distinct name the rules use, sorted, and what the profile does with each. */
static int collect_names(struct dropin *x)
{
	const struct sc_profile *p = x->p;
	size_t total = 0, n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		total += p->rules[i].n_names;
	x->names = calloc(total ? total : 1, sizeof(*x->names));
	if (!x->names)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			x->names[n++] = p->rules[i].names[k];
	qsort(x->names, n, sizeof(*x->names), cmp_strp);
	total = n;
	n = 0;
	for (size_t i = 0; i < total; i++)
		if (n == 0 || !streq(x->names[i], x->names[n - 1]))
			x->names[n++] = x->names[i];
	x->n = n;
	x->info = calloc(n ? n : 1, sizeof(*x->info));
	if (!x->info)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		name_info(p, x->names[i], &x->info[i]);
	return 0;
}

/* SystemCallArchitectures=, and the notes on the profile's other top-level settings. */
static int export_arches(struct dropin *x)
{
	const struct sc_profile *p = x->p;
	int r = 0;

	if (p->n_arches == 0)
		r = words_add(&x->arches, "native", false);
	for (size_t i = 0; r == 0 && i < p->n_arches; i++) {
		const char *an = sc_arch_systemd_name(p->arches[i]);
		if (an)
			r = words_add(&x->arches, an, false);
		else
			note(&x->l,
			     "architecture %s: systemd has no name for it; not listed (its "
			     "system calls are blocked)",
			     sc_arch_info(p->arches[i])->scmp_name);
	}
	if (p->n_arch_map)
		note(&x->l, "archMap: resolved by Docker at run time; only 'architectures' is "
			    "exported");
	for (unsigned fl = 1; fl && fl <= SC_FLAG_WAIT_KILLABLE_RECV; fl <<= 1)
		if ((p->flags & fl) && fl != SC_FLAG_TSYNC)
			note(&x->l, "flag %s: systemd sets its own filter flags",
			     sc_flag_to_string(fl) ? sc_flag_to_string(fl) : "?");
	if (p->listener_path)
		note(&x->l, "listenerPath: systemd has no seccomp notify support");
	return r;
}

/* What systemd makes of the default action (its errno brought into 1..4095). */
static void check_default_action(struct dropin *x)
{
	switch (x->p->default_action) {
	case SC_ACT_ERRNO:
		if (x->def_errno == 0 || x->def_errno > 4095) {
			note(&x->l,
			     "defaultErrnoRet %u is outside systemd's range 1..4095; EPERM is "
			     "used",
			     x->def_errno);
			x->def_errno = 1;
		}
		break;
	case SC_ACT_KILL_PROCESS:
	case SC_ACT_ALLOW:
		break;
	case SC_ACT_LOG:
		break;
	default:
		note(&x->l,
		     "defaultAction SCMP_ACT_%s: systemd can only kill the process or return "
		     "an errno; it kills",
		     short_action(x->p->default_action));
		break;
	}
}

/* Names that are no syscall are left out; in allow-list mode, the names allowed
 * unconditionally go to SystemCallFilter= (and SystemCallLog= when logged), and what systemd
 * cannot say about the others is noted. Returns 'r' (the result so far), or the first error of
 * words_add (it stops there: a later success must not hide a name left out). */
static int allow_list_names(struct dropin *x, int r)
{
	const struct sc_profile *p = x->p;

	for (size_t i = 0; i < x->n && r >= 0 && !x->l.err; i++) {
		const struct name_info *ni = &x->info[i];
		bool known = sc_syscall_known(ni->name);
		bool permits = sc_action_permits(ni->v.action);

		if (!known) {
			note(&x->l, "%s: not a system call on any architecture; left out",
			     ni->name);
			continue;
		}
		if (!x->allow_mode)
			continue;
		if (ni->v.unconditional && permits) {
			r = words_add(&x->filter, ni->name, false);
			if (r == 0 && ni->v.action == SC_ACT_LOG)
				r = words_add(&x->logw, ni->name, false);
		} else if (!ni->v.unconditional && ni->v.cond_permits) {
			note(&x->l,
			     "%s: allowed only for some arguments; systemd cannot "
			     "filter arguments, so it is left out (denied)",
			     ni->name);
		} else if (ni->v.unconditional &&
			   (ni->v.action != p->default_action ||
			    (ni->v.action == SC_ACT_ERRNO && ni->v.errno_ret != x->def_errno))) {
			char e1[32], e2[32];
			errno_name(ni->v.errno_ret, e1, sizeof(e1));
			errno_name(x->def_errno, e2, sizeof(e2));
			note(&x->l,
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
			note(&x->l,
			     "%s: denied for some arguments, allowed unconditionally; "
			     "the unconditional rule wins",
			     ni->name);
	}
	return r;
}

/* Allow-list mode, after the names: systemd's @default set (always allowed), a filter that
 * would be empty, and the errno of the default as SystemCallErrorNumber=. */
static int allow_list_finish(struct dropin *x)
{
	const struct sc_profile *p = x->p;
	cleanup_free char *list = NULL;
	size_t ll = 0;
	FILE *lf = open_memstream(&list, &ll);
	unsigned cnt = 0;
	int r = 0;

	if (!lf)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(systemd_default_set); i++) {
		struct sc_verdict v;
		if (!on_profile_arches(p, systemd_default_set[i]))
			continue;
		sc_profile_verdict(p, systemd_default_set[i], &v);
		if (!sc_action_permits(v.action) && !(!v.unconditional && v.cond_permits))
			fprintf(lf, "%s%s", cnt++ ? " " : "", systemd_default_set[i]);
	}
	if (fclose(lf) != 0)
		return -ENOMEM;
	if (cnt)
		note(&x->l,
		     "systemd always allows its @default set in allow-list mode; the "
		     "profile denies: %s",
		     list);
	if (x->filter.n == 0) {
		note(&x->l, "the profile allows no system call; systemd's minimum is "
			    "@default");
		r = words_add(&x->filter, "@default", false);
	}
	if (p->default_action == SC_ACT_ERRNO) {
		x->have_common = true;
		x->common = x->def_errno;
	}
	return r;
}

/* Deny-list mode: the errno most ERRNO rules use becomes SystemCallErrorNumber=. */
static int deny_list_common_errno(struct dropin *x)
{
	cleanup_free uint32_t *errs = calloc(x->n ? x->n : 1, sizeof(uint32_t));
	size_t ne = 0, best = 0;

	if (!errs)
		return -ENOMEM;
	for (size_t i = 0; i < x->n; i++) {
		const struct name_info *ni = &x->info[i];
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
		if (c > best || (c == best && errs[i] < x->common)) {
			best = c;
			x->common = errs[i];
		}
	}
	x->have_common = ne > 0 && x->common > 0 && x->common <= 4095;
	return 0;
}

/* Deny-list mode: each denied name with its deny suffix in SystemCallFilter=~, the logged ones
 * in SystemCallLog=. */
static int deny_list_names(struct dropin *x)
{
	const struct sc_profile *p = x->p;
	int r = 0;

	for (size_t i = 0; i < x->n && r == 0 && !x->l.err; i++) {
		const struct name_info *ni = &x->info[i];
		enum sc_action a;
		uint32_t e;
		char suffix[40], word[128];
		if (!sc_syscall_known(ni->name))
			continue;
		if (ni->v.unconditional) {
			if (ni->v.action == SC_ACT_LOG && p->default_action != SC_ACT_LOG)
				r = words_add(&x->logw, ni->name, false);
			if (sc_action_permits(ni->v.action))
				continue;
			a = ni->v.action;
			e = ni->v.errno_ret;
		} else if (ni->cond_denies) {
			note(&x->l,
			     "%s: denied only for some arguments; systemd cannot filter "
			     "arguments, so it is denied for all",
			     ni->name);
			a = ni->cond_deny_action;
			e = ni->cond_deny_errno;
		} else {
			continue;
		}
		deny_suffix(&x->l, ni->name, a, e, x->have_common, x->common, suffix,
			    sizeof(suffix));
		snprintf(word, sizeof(word), "%s%s", ni->name, suffix);
		r = words_add(&x->filter, word, true);
	}
	if (p->default_action == SC_ACT_LOG) {
		/* Log everything except what is explicitly allowed. */
		for (size_t i = 0; i < x->n && r == 0; i++)
			if (x->info[i].v.unconditional && x->info[i].v.action == SC_ACT_ALLOW &&
			    sc_syscall_known(x->info[i].name))
				r = words_add(&x->logw, x->info[i].name, false);
		if (x->logw.n == 0)
			note(&x->l, "defaultAction SCMP_ACT_LOG: systemd's SystemCallLog= needs "
				    "a list; nothing is logged");
	}
	return r;
}

/* The drop-in: a header with the notes, then the [Service] settings. */
static int write_dropin(const struct dropin *x, const struct sc_export_opts *o, char **ret)
{
	const struct sc_profile *p = x->p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
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
	if (x->l.n) {
		fprintf(f, "#\n# systemd cannot express everything in this profile:\n");
		for (size_t i = 0; i < x->l.n; i++)
			comment_wrapped(f, x->l.v[i]);
	}
	fprintf(f, "\n[Service]\nNoNewPrivileges=yes\n");
	words_print(f, "SystemCallArchitectures", "", &x->arches);
	if (x->filter.n)
		words_print(f, "SystemCallFilter", x->allow_mode ? "" : "~", &x->filter);
	if (x->filter.n && x->have_common) {
		char en[32];
		errno_name(x->common, en, sizeof(en));
		fprintf(f, "SystemCallErrorNumber=%s\n", en);
	}
	if (x->logw.n)
		words_print(f, "SystemCallLog", p->default_action == SC_ACT_LOG ? "~" : "",
			    &x->logw);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static void export_done(struct dropin *x)
{
	for (size_t i = 0; i < x->l.n; i++)
		free(x->l.v[i]);
	free(x->l.v);
	words_free(&x->filter);
	words_free(&x->logw);
	words_free(&x->arches);
	free(x->names);
	free(x->info);
}

int sc_profile_export_systemd(const struct sc_profile *p, const struct sc_export_opts *o,
			      struct sc_diags *d, char **ret)
{
	struct dropin x = {
		.p = p,
		.l = { .d = d },
		.allow_mode = !sc_action_permits(p->default_action),
		.def_errno = p->has_default_errno		 ? p->default_errno
			     : p->default_action == SC_ACT_ERRNO ? 1u
								 : 0u,
	};
	int r;

	r = collect_names(&x);
	if (r < 0)
		goto out;
	r = export_arches(&x);
	check_default_action(&x);
	r = allow_list_names(&x, r);
	if (r < 0 || x.l.err)
		goto out;
	if (x.allow_mode)
		r = allow_list_finish(&x);
	else {
		r = deny_list_common_errno(&x);
		if (r == 0)
			r = deny_list_names(&x);
	}
	if (r < 0 || x.l.err)
		goto out;
	r = write_dropin(&x, o, ret);
	if (r == 0)
		r = (int)x.l.n;
out:
	export_done(&x);
	return r < 0 ? r : x.l.err < 0 ? x.l.err : r;
}
