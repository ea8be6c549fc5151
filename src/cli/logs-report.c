/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscage logs, its output (logs-report.h): learned profiles written, the violations report,
 * --propose and --heal, the loss warning. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "logs-report.h"
#include "syscage/denials.h"
#include "syscage/violations.h"
#include "base/install.h"

/* Room for a workload's name escaped for text (sc_audit_escape: 4 bytes per odd byte). */
#define NAME_TEXT (4 * 256 + 1)

static void format_time(uint64_t ms, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (!ms || !gmtime_r(&t, &tm)) {
		(void)snprintf(buf, size, "-");
		return;
	}
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf + n, size - n, ".%03uZ", (unsigned)(ms % 1000));
}

/* A file name from a workload name: [A-Za-z0-9._-], no leading dot, at most 100 bytes. */
static void sanitize(const char *name, char *buf, size_t size, bool dns)
{
	size_t o = 0;

	for (const char *p = name; *p && o + 1 < size && o < 100; p++) {
		char ch = *p;
		if (dns) {
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
				ch = '-';
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			ch = '_';
		if (o == 0 && (ch == '.' || ch == '_' || ch == '-') && p[1])
			continue; /* "/usr/bin/x" -> "usr_bin_x"; never ".hidden" or ".." */
		buf[o++] = ch;
	}
	while (dns && o > 0 && buf[o - 1] == '-')
		o--;
	if (o > 0 && buf[0] == '.')
		buf[0] = '_';
	buf[o] = 0;
	if (!o)
		(void)snprintf(buf, size, "workload");
	if (dns && o > 63)
		buf[63] = 0;
}

static const char *format_ext(enum sc_format f)
{
	return f == SC_FORMAT_OCI ? ".json" : ".yaml";
}

static int build_profile(struct sc_logs *l, size_t i, enum sc_format fmt, enum sc_record_base base,
			 struct sc_profile **ret)
{
	const struct sc_logs_group *g = sc_logs_group(l, i);
	struct sc_profile *p = NULL;
	char dns[128];
	int r = sc_logs_group_profile_with(l, i, base, &p);

	if (r < 0)
		return r;
	if (fmt != SC_FORMAT_OCI) {
		sanitize(g->name, dns, sizeof(dns), true);
		p->meta.name = strdup(dns);
		if (!p->meta.name) {
			sc_profile_free(p);
			return -ENOMEM;
		}
	}
	p->meta.format = fmt;
	*ret = p;
	return 0;
}

void logs_print_loss(const struct sc_logs_stats *s, bool has_since)
{
	char what[512];
	size_t o = 0;

#define ADD(...)                                                                \
	o += (size_t)snprintf(what + o, sizeof(what) - o, "%s", o ? ", " : ""); \
	o += (size_t)snprintf(what + o, sizeof(what) - o, __VA_ARGS__)
	if (s->suppressed) {
		ADD("%llu records suppressed by the printk rate limit (kauditd_printk_skb)",
		    (unsigned long long)s->suppressed);
	}
	if (s->rate_limit_events) {
		ADD("%llu 'audit: rate limit exceeded'", (unsigned long long)s->rate_limit_events);
	}
	if (s->printk_events) {
		ADD("%llu 'audit: printk limit exceeded'", (unsigned long long)s->printk_events);
	}
	if (s->backlog_events) {
		ADD("%llu backlog overflows", (unsigned long long)s->backlog_events);
	}
	if (s->lost_counter) {
		ADD("audit_lost=%llu", (unsigned long long)s->lost_counter);
	}
	if (s->kmsg_overruns) {
		ADD("%llu /dev/kmsg overruns", (unsigned long long)s->kmsg_overruns);
	}
	if (s->serial_gaps) {
		ADD("%llu audit serial numbers missing", (unsigned long long)s->serial_gaps);
	}
	if (s->truncated_unread) {
		ADD("%llu truncations of a followed file with no copy to read its end from",
		    (unsigned long long)s->truncated_unread);
	}
	if (s->kmsg_wrapped) {
		char t[40];
		format_time(s->kmsg_oldest_ms, t, sizeof(t));
		ADD("the kernel ring buffer wrapped: its oldest record (#%llu) is from %s, %s",
		    (unsigned long long)s->kmsg_oldest_seq, t,
		    has_since ? "after --since" : "a seccomp record already");
	}
#undef ADD
	cli_warn("records were lost: %s; the result may miss syscalls", what);
	if (s->kmsg_wrapped)
		fprintf(stderr,
			"Fix: /dev/kmsg holds a few hundred audit lines: read it while the "
			"workload runs (syscage logs --kmsg --follow, started before it),\n"
			"  or enlarge it (log_buf_len=16M on the kernel command line),\n  or ");
	else if (s->truncated_unread && !s->suppressed && !s->serial_gaps)
		fprintf(stderr, "Fix: rotate the followed log by rename (logrotate 'create'), or "
				"keep copytruncate's copy as FILE.1 (delaycompress),\n  or ");
	else
		fprintf(stderr, "Fix: ");
	fprintf(stderr, "run auditd (it takes records without the printk rate limit, into "
			"/var/log/audit/audit.log),\n");
	if (s->suppressed || s->printk_events || s->kmsg_overruns)
		fprintf(stderr, "  or raise the printk limits: sysctl -w kernel.printk_ratelimit=0 "
				"(or kernel.printk_ratelimit_burst=10000),\n");
	if (s->backlog_events || s->lost_counter)
		fprintf(stderr,
			"  and the audit backlog: auditctl -b 8192 (audit_backlog_limit=8192 "
			"on the kernel command line),\n");
	if (s->rate_limit_events)
		fprintf(stderr, "  and the audit rate limit: auditctl -r 0,\n");
	if (s->serial_gaps && !s->suppressed && !s->rate_limit_events && !s->backlog_events &&
	    !s->lost_counter)
		fprintf(stderr, "  (serial gaps are expected when the log was filtered, e.g. with "
				"grep: give syscage the whole log),\n");
	fprintf(stderr, "  then run the workload again.\n");
}

static void print_summary_text(struct sc_logs *l, const char *const *files, bool quiet_groups)
{
	const struct sc_logs_stats *s = sc_logs_stats(l);

	for (size_t i = 0; !quiet_groups && i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		size_t allowed = 0;
		for (size_t k = 0; k < g->n_entries; k++)
			if (!sc_logs_action_is_denial(g->entries[k].action))
				allowed++;
		const char *file = files && files[i] ? files[i] : NULL;
		char name[NAME_TEXT];
		fprintf(stderr, "syscage: %s: %llu records, %zu distinct syscalls%s%s%s\n",
			sc_audit_escape(g->name, name, sizeof(name)),
			(unsigned long long)g->records, allowed, file ? " -> " : "",
			file ? file : "",
			g->denied ? allowed ? " (some denied: see --violations)"
					    : " (all denied, no profile: see --violations)"
				  : "");
	}
	if (s->malformed)
		cli_note("%llu seccomp records could not be read (no arch or syscall field)",
			 (unsigned long long)s->malformed);
	if (s->unknown_arch)
		cli_note("%llu records have an unknown arch token and were not named",
			 (unsigned long long)s->unknown_arch);
	if (s->unknown_syscall)
		cli_note("%llu records have a syscall number unknown on their arch",
			 (unsigned long long)s->unknown_syscall);
	if (s->overlong)
		cli_note("%llu over-long lines were skipped", (unsigned long long)s->overlong);
}

static void print_stats_json(FILE *f, const struct sc_logs_stats *s)
{
	fprintf(f,
		"\"stats\": {\"lines\": %llu, \"records\": %llu, \"filtered\": %llu, \"foreign\": "
		"%llu, \"other\": %llu, \"malformed\": %llu, \"unknown_arch\": %llu, "
		"\"unknown_syscall\": %llu, \"denied\": %llu},\n",
		(unsigned long long)s->lines, (unsigned long long)s->records,
		(unsigned long long)s->filtered, (unsigned long long)s->foreign,
		(unsigned long long)s->other, (unsigned long long)s->malformed,
		(unsigned long long)s->unknown_arch, (unsigned long long)s->unknown_syscall,
		(unsigned long long)s->denied);
	fprintf(f,
		"\"loss\": {\"lossy\": %s, \"suppressed\": %llu, \"rate_limit\": %llu, "
		"\"backlog\": %llu, \"printk_limit\": %llu, \"audit_lost\": %llu, "
		"\"serial_gaps\": %llu, \"kmsg_overruns\": %llu, \"kmsg_wrapped\": %s, "
		"\"truncated_unread\": %llu",
		sc_logs_stats_lossy(s) ? "true" : "false", (unsigned long long)s->suppressed,
		(unsigned long long)s->rate_limit_events, (unsigned long long)s->backlog_events,
		(unsigned long long)s->printk_events, (unsigned long long)s->lost_counter,
		(unsigned long long)s->serial_gaps, (unsigned long long)s->kmsg_overruns,
		s->kmsg_wrapped ? "true" : "false", (unsigned long long)s->truncated_unread);
	if (s->kmsg_oldest_ms) {
		char t[40];
		format_time(s->kmsg_oldest_ms, t, sizeof(t));
		fprintf(f, ", \"kmsg_oldest\": {\"seq\": %llu, \"time\": \"%s\"}",
			(unsigned long long)s->kmsg_oldest_seq, t);
	}
	fputc('}', f);
}

static void action_label(const struct sc_logs_entry *e, char *buf, size_t size)
{
	const char *a = sc_action_to_string(e->action) + strlen("SCMP_ACT_");

	/* Kernels since 4.14 log code= without the errno (SECCOMP_RET_ACTION_FULL only): 0 is
	 * "not said", not errno 0. */
	if (e->action == SC_ACT_ERRNO && e->data) {
		const char *en = strerrorname_np((int)e->data);
		if (en)
			(void)snprintf(buf, size, "%s(%s)", a, en);
		else
			(void)snprintf(buf, size, "%s(%u)", a, e->data);
	} else
		(void)snprintf(buf, size, "%s", a);
}

/* No denial found: the usual reason is that none was logged. */
static void note_errno_needs_log_flag(void)
{
	cli_note(
		"the kernel logs an ERRNO (or TRACE, NOTIFY) denial only when the filter was "
		"loaded with SECCOMP_FILTER_FLAG_LOG: add \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"] "
		"to the profile (runc 1.2 or later loads it so; runc 1.1 refuses any flags); TRAP "
		"needs it too; only KILL and LOG decisions are logged without it");
}

static int report_violations(struct sc_logs *l, bool json, FILE *f)
{
	size_t n = 0;
	char first[40], last[40], act[48], nrbuf[32];

	if (json)
		fputs("{\"violations\": [", f);
	else
		fprintf(f, "%-24s %-8s %-20s %-18s %8s  %-24s %s\n", "WORKLOAD", "ARCH", "SYSCALL",
			"ACTION", "COUNT", "FIRST", "LAST");
	for (size_t i = 0; i < sc_logs_n_groups(l); i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		for (size_t k = 0; k < g->n_entries; k++) {
			const struct sc_logs_entry *e = &g->entries[k];
			if (!sc_logs_action_is_denial(e->action))
				continue;
			const char *arch = e->arch >= 0 ? sc_arch_info(e->arch)->name : "unknown";
			const char *name = e->name;
			if (!name) {
				(void)snprintf(nrbuf, sizeof(nrbuf), "#%u", e->nr);
				name = nrbuf;
			}
			format_time(e->first_ms, first, sizeof(first));
			format_time(e->last_ms, last, sizeof(last));
			action_label(e, act, sizeof(act));
			if (json) {
				fprintf(f, "%s\n  {\"workload\": ", n ? "," : "");
				sc_json_string(f, g->name);
				fprintf(f, ", \"pid\": %u, \"comm\": ", g->pid);
				sc_json_string(f, g->comm);
				if (g->exe) {
					fprintf(f, ", \"exe\": ");
					sc_json_string(f, g->exe);
				}
				if (g->container)
					fprintf(f, ", \"container\": \"%s\", \"runtime\": \"%s\"",
						g->container, g->runtime);
				fprintf(f, ", \"arch\": \"%s\", \"syscall\": ", arch);
				if (e->name)
					sc_json_string(f, e->name);
				else
					fputs("null", f);
				fprintf(f, ", \"nr\": %u, \"action\": \"%s\"", e->nr,
					sc_action_to_string(e->action));
				if (e->action == SC_ACT_ERRNO)
					fprintf(f, ", \"errno\": %u", e->data);
				fprintf(f,
					", \"count\": %llu, \"first\": \"%s\", \"last\": \"%s\"}",
					(unsigned long long)e->count, first, last);
			} else {
				char wl[NAME_TEXT];
				/* The name is the workload's choice: escaped, it cannot forge
				 * rows (JSON escapes it too). */
				fprintf(f, "%-24s %-8s %-20s %-18s %8llu  %-24s %s\n",
					sc_audit_escape(g->name, wl, sizeof(wl)), arch, name, act,
					(unsigned long long)e->count, first, last);
			}
			n++;
		}
	}
	if (json) {
		fputs(n ? "\n],\n" : "],\n", f);
		print_stats_json(f, sc_logs_stats(l));
		fputs("\n}\n", f);
	} else if (!n) {
		fprintf(f, "(no denied syscalls in %llu records)\n",
			(unsigned long long)sc_logs_stats(l)->records);
	}
	if (!n)
		note_errno_needs_log_flag();
	return n ? EXIT_FINDINGS : EXIT_OK;
}

/* The violation report on standard output, or into 'out' (-o FILE: written whole or not at
 * all). */
int logs_report_violations_to(struct sc_logs *l, bool json, const char *out)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret, r;

	if (!out || streq(out, "-"))
		return report_violations(l, json, stdout);
	f = open_memstream(&text, &len);
	if (!f)
		return cli_error("out of memory");
	ret = report_violations(l, json, f);
	if (fclose(f) != 0)
		return cli_error("out of memory");
	r = sc_write_atomic(out, text, len, 0644);
	if (r < 0)
		return cli_error("cannot write the report to %s: %s%s", out, strerror(-r),
				 r == -EISDIR ? " (-o takes a file name with --violations)" : "");
	return ret;
}

/* Write one file per workload into 'dir' (created if missing), as one batch: one sync for
 * all of them, and nothing half-written if any fails. */
static int write_dir(struct sc_logs *l, const char *dir, enum sc_format fmt,
		     enum sc_record_base base, char **names)
{
	cleanup_close int dfd = -1;
	size_t ng = sc_logs_n_groups(l);
	struct sc_write_batch *batch = NULL;
	int ret = EXIT_OK;

	/* Missing parents too, confined (install.c). */
	dfd = sc_open_dir_mkdirs(dir);
	if (dfd < 0)
		return cli_error("cannot create or open directory %s: %s", dir, strerror(-dfd));
	if (sc_write_batch_new(&batch) < 0)
		return cli_error("out of memory");
	for (size_t i = 0; i < ng && ret == EXIT_OK; i++) {
		const struct sc_logs_group *g = sc_logs_group(l, i);
		struct sc_profile *p = NULL;
		cleanup_free char *text = NULL;
		char stem[128], name[160], target[PATH_MAX];
		int r = build_profile(l, i, fmt, base, &p);

		if (r == -ENOENT)
			continue; /* only denied or unnamed syscalls: the summary says so */
		if (r < 0) {
			ret = cli_error("out of memory");
			break;
		}
		sanitize(g->name, stem, sizeof(stem), false);
		/* Distinct names for workloads that sanitize alike. */
		(void)snprintf(name, sizeof(name), "%s%s", stem, format_ext(fmt));
		for (unsigned k = 2;; k++) {
			bool dup = false;
			for (size_t j = 0; j < i && !dup; j++)
				dup = names[j] && streq(names[j], name);
			if (!dup)
				break;
			(void)snprintf(name, sizeof(name), "%s-%u%s", stem, k, format_ext(fmt));
		}
		if (!sc_name_is_safe(name)) {
			sc_profile_free(p);
			ret = cli_error("refusing unsafe file name '%s'", name);
			break;
		}
		/* "dir/" and "dir//" name dir: one '/' before the file's name */
		size_t dn = strlen(dir);
		while (dn > 1 && dir[dn - 1] == '/')
			dn--;
		(void)snprintf(target, sizeof(target), "%.*s%s%s", (int)dn, dir,
			       dir[dn - 1] == '/' ? "" : "/", name);
		r = sc_profile_write_string(p, fmt, &text);
		if (r < 0) {
			ret = cli_write_error(target, p, (int)fmt, r);
			sc_profile_free(p);
			break;
		}
		cli_warn_fallback_changed(target, p, (int)fmt);
		cli_warn_start_fatal(target, p, true);
		sc_profile_free(p);
		r = sc_write_batch_add(batch, dfd, name, text, strlen(text), 0644, NULL);
		if (r < 0) {
			ret = cli_error("cannot write %s: %s", target, strerror(-r));
			break;
		}
		names[i] = strdup(target);
		if (!names[i]) {
			ret = cli_error("out of memory");
			break;
		}
	}
	if (ret == EXIT_OK) {
		int r = sc_write_batch_commit(batch);
		if (r < 0)
			ret = cli_error("cannot write the profiles into %s: %s", dir, strerror(-r));
	}
	sc_write_batch_free(batch); /* removes the temp files of a batch not committed */
	return ret;
}

int logs_write_profiles(struct sc_logs *l, const char *out, enum sc_format fmt,
			enum sc_record_base base, bool json)
{
	size_t ng = sc_logs_n_groups(l);
	struct stat st;
	bool dir = out &&
		   ((stat(out, &st) == 0 && S_ISDIR(st.st_mode)) || out[strlen(out) - 1] == '/');
	char **names;
	int ret = EXIT_OK;

	if (ng > 1 && !dir && out && !streq(out, "-")) {
		/* Several workloads and a path that is no directory: make it one when it does
		 * not exist yet, unless it looks like a file name. */
		size_t n = strlen(out);
		if ((n > 5 && streq(out + n - 5, ".json")) ||
		    (n > 5 && streq(out + n - 5, ".yaml")) || lstat(out, &st) == 0)
			goto several;
		dir = true;
	}
	if (ng > 1 && !dir) {
	several:
		if (out && !streq(out, "-"))
			cli_error("%zu workloads found and -o %s names a file, which holds one "
				  "profile: give a directory (-o DIR/, created if missing) for one "
				  "file each, or pick one workload with --comm/--pid",
				  ng, out);
		else
			cli_error("%zu workloads found: give -o DIR for one file each, or pick one "
				  "with --comm/--pid",
				  ng);
		for (size_t i = 0; i < ng && i < 20; i++) {
			char name[NAME_TEXT];
			fprintf(stderr, "  %s\n",
				sc_audit_escape(sc_logs_group(l, i)->name, name, sizeof(name)));
		}
		return EXIT_USAGE;
	}
	names = calloc(ng, sizeof(*names));
	if (!names)
		return cli_error("out of memory");
	if (dir) {
		ret = write_dir(l, out, fmt, base, names);
	} else {
		struct sc_profile *p = NULL;
		int r = build_profile(l, 0, fmt, base, &p);
		if (r == -ENOENT)
			ret = cli_error("%s: only denied or unnamed syscalls in the records; no "
					"profile (see --violations)",
					sc_logs_group(l, 0)->name);
		else if (r < 0)
			ret = cli_error("out of memory");
		else {
			r = sc_profile_write_file(p, fmt, out ? out : "-");
			if (r < 0)
				ret = cli_write_error(out ? out : "-", p, (int)fmt, r);
			else {
				cli_warn_fallback_changed(out ? out : "-", p, (int)fmt);
				cli_warn_start_fatal(out ? out : "-", p, true);
			}
			if (r >= 0 && out && !streq(out, "-"))
				names[0] = strdup(out);
			sc_profile_free(p);
		}
	}
	if (ret == EXIT_OK) {
		if (json && out && !streq(out, "-")) {
			fputs("{\"workloads\": [", stdout);
			for (size_t i = 0; i < ng; i++) {
				const struct sc_logs_group *g = sc_logs_group(l, i);
				printf("%s\n  {\"name\": ", i ? "," : "");
				sc_json_string(stdout, g->name);
				printf(", \"key\": ");
				sc_json_string(stdout, g->key);
				printf(", \"records\": %llu, \"entries\": %zu, \"file\": ",
				       (unsigned long long)g->records, g->n_entries);
				if (names[i])
					sc_json_string(stdout, names[i]);
				else
					fputs("null", stdout);
				fputc('}', stdout);
			}
			fputs(ng ? "\n],\n" : "],\n", stdout);
			print_stats_json(stdout, sc_logs_stats(l));
			fputs("\n}\n", stdout);
		} else {
			bool have_names = false;
			for (size_t i = 0; i < ng; i++)
				have_names |= names[i] != NULL;
			print_summary_text(l, have_names ? (const char *const *)names : NULL,
					   false);
		}
	}
	for (size_t i = 0; i < ng; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* ---- --propose / --heal -------------------------------------------------------------- */

/* The records read are attributed (sc_violations, no sources of its own) and grouped into
 * workloads (sc_denials) as they are read. */
struct propose {
	struct sc_violations *v;
	struct sc_denials *d;
};

struct propose *logs_propose_free(struct propose *pr)
{
	if (!pr)
		return NULL;
	sc_denials_free(pr->d);
	sc_violations_free(pr->v);
	free(pr);
	return NULL;
}

int logs_propose_new(enum sc_logs_by by, const struct sc_pods_paths *paths, struct propose **ret)
{
	/* No sources of its own: the records come from the inputs read above. */
	struct sc_violations_options o = { .kmsg_path = "", .audit_log = "", .paths = *paths };
	struct propose *pr = calloc(1, sizeof(*pr));
	int r;

	if (!pr)
		return -ENOMEM;
	pr->d = sc_denials_new(by);
	if (!pr->d) {
		logs_propose_free(pr);
		return -ENOMEM;
	}
	r = sc_violations_open(&o, &pr->v);
	if (r < 0) {
		logs_propose_free(pr);
		return r;
	}
	*ret = pr;
	return 0;
}

int logs_propose_add(struct propose *pr, const struct sc_audit_record *rec)
{
	struct sc_violation x;
	int r = sc_violations_add_record(pr->v, rec, &x);

	if (r <= 0)
		return r;
	return sc_denials_add(pr->d, &x);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The additions as an OCI fragment: architectures and one ALLOW rule, names sorted. */
static void print_fragment(FILE *f, const struct sc_profile *p, const char *indent)
{
	const char **names = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].action != SC_ACT_ALLOW)
			continue;
		for (size_t k = 0; k < p->rules[i].n_names; k++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				const char **nn = reallocarray(names, cap, sizeof(*nn));
				if (!nn) {
					free(names);
					return;
				}
				names = nn;
			}
			names[n++] = p->rules[i].names[k];
		}
	}
	qsort(names, n, sizeof(*names), str_cmp);
	fprintf(f, "{\n%s  \"architectures\": [", indent);
	for (size_t i = 0; i < p->n_arches; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", sc_arch_info(p->arches[i])->scmp_name);
	fprintf(f, "],\n%s  \"syscalls\": [\n%s    {\"names\": [", indent, indent);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		sc_json_string(f, names[i]);
	}
	fprintf(f, "], \"action\": \"SCMP_ACT_ALLOW\"}\n%s  ]\n%s}", indent, indent);
	free(names);
}

static void denial_label(const struct sc_denial *d, char *buf, size_t size)
{
	struct sc_logs_entry e = { .action = d->action, .data = d->data };
	action_label(&e, buf, size);
}

/* --propose --output-format json */
static int report_proposals_json(struct propose *pr, struct sc_logs *l)
{
	const struct sc_violations_stats *vs = sc_violations_stats(pr->v);

	fputs("{\"proposals\": [", stdout);
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		printf("%s\n  {\"workload\": ", i ? "," : "");
		sc_json_string(stdout, w->label);
		printf(", \"kind\": \"%s\"", sc_denials_kind_to_string(w->kind));
		if (w->kind == SC_DENIALS_POD) {
			printf(", \"namespace\": ");
			sc_json_string(stdout, w->pod.namespace);
			printf(", \"pod\": ");
			sc_json_string(stdout, w->pod.pod);
			printf(", \"container\": ");
			if (w->pod.container[0])
				sc_json_string(stdout, w->pod.container);
			else
				fputs("null", stdout);
		}
		if (w->pod.container_id[0])
			printf(", \"container_id\": \"%s\", \"runtime\": %s%s%s",
			       w->pod.container_id, w->pod.runtime ? "\"" : "",
			       w->pod.runtime ? w->pod.runtime : "null",
			       w->pod.runtime ? "\"" : "");
		printf(", \"pid\": %u, \"comm\": ", w->pid);
		sc_json_string(stdout, w->comm);
		printf(", \"count\": %llu, \"denials\": [", (unsigned long long)w->count);
		for (size_t k = 0; k < w->n_denials; k++) {
			const struct sc_denial *d = &w->denials[k];
			printf("%s{\"arch\": \"%s\", \"syscall\": ", k ? ", " : "",
			       d->arch >= 0 ? sc_arch_info(d->arch)->name : "unknown");
			if (d->name)
				sc_json_string(stdout, d->name);
			else
				fputs("null", stdout);
			printf(", \"nr\": %u, \"action\": \"%s\"", d->nr,
			       sc_action_to_string(d->action));
			if (d->action == SC_ACT_ERRNO && d->data)
				printf(", \"errno\": %u", d->data);
			printf(", \"count\": %llu}", (unsigned long long)d->count);
		}
		fputs("], \"additions\": ", stdout);
		if (w->additions)
			print_fragment(stdout, w->additions, "  ");
		else
			fputs("null", stdout);
		fputc('}', stdout);
	}
	fputs(sc_denials_n_groups(pr->d) ? "\n],\n" : "],\n", stdout);
	printf("\"unattributed\": %llu, \"unnamed\": %llu,\n", (unsigned long long)vs->unattributed,
	       (unsigned long long)sc_denials_unnamed(pr->d));
	print_stats_json(stdout, sc_logs_stats(l));
	fputs("\n}\n", stdout);
	return sc_denials_n_groups(pr->d) ? EXIT_FINDINGS : EXIT_OK;
}

int logs_report_proposals(struct propose *pr, struct sc_logs *l, bool json)
{
	const struct sc_violations_stats *vs = sc_violations_stats(pr->v);
	char act[48], nrbuf[32], first[40], last[40];

	if (json)
		return report_proposals_json(pr, l);
	if (!sc_denials_n_groups(pr->d)) {
		printf("(no denied syscalls in %llu records)\n",
		       (unsigned long long)sc_logs_stats(l)->records);
		note_errno_needs_log_flag();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		char label[NAME_TEXT];
		printf("%s%s %s: %llu denied call%s\n", i ? "\n" : "",
		       sc_denials_kind_to_string(w->kind),
		       sc_audit_escape(w->label, label, sizeof(label)),
		       (unsigned long long)w->count, w->count == 1 ? "" : "s");
		for (size_t k = 0; k < w->n_denials; k++) {
			const struct sc_denial *d = &w->denials[k];
			const char *name = d->name;
			if (!name) {
				(void)snprintf(nrbuf, sizeof(nrbuf), "#%u", d->nr);
				name = nrbuf;
			}
			denial_label(d, act, sizeof(act));
			format_time(d->first_ms, first, sizeof(first));
			format_time(d->last_ms, last, sizeof(last));
			printf("  %-8s %-20s %-18s %6llux  %s .. %s\n",
			       d->arch >= 0 ? sc_arch_info(d->arch)->name : "unknown", name, act,
			       (unsigned long long)d->count, first, last);
		}
		if (!w->additions) {
			printf("  nothing to add: no syscall name for these numbers on their "
			       "arch\n");
			continue;
		}
		printf("  to let these through, allow:");
		for (size_t k = 0; k < w->n_denials; k++)
			if (w->denials[k].name)
				printf(" %s (%s)", w->denials[k].name,
				       sc_arch_info(w->denials[k].arch)->name);
		printf("\n  profile addition:\n  ");
		print_fragment(stdout, w->additions, "  ");
		fputc('\n', stdout);
		if (w->kind == SC_DENIALS_POD && w->pod.container[0])
			printf("  to merge it into the pod's recorded profile: the same command "
			       "with --heal '%s/%s'\n",
			       w->pod.namespace, w->pod.pod);
	}
	if (vs->unattributed)
		cli_note(
			"%llu denials came from processes that were gone (or whose pid was reused) "
			"when read: grouped by --by, their pods unknown; the agent attributes "
			"denials live",
			(unsigned long long)vs->unattributed);
	return EXIT_FINDINGS;
}

/* Merge a workload's denials into STATE/recorded/NS/POD/CONTAINER.json. Returns the number of
 * syscalls added (>= 0) or -1 when an error was reported. */
static int heal_one(const struct sc_denials_group *w, const char *state, int sfd, bool *created)
{
	struct sc_diags d = {};
	int r = sc_denials_group_heal_recorded(sfd, state, w, &d, created);

	cli_print_diags(&d);
	sc_diags_clear(&d);
	if (r == -ENOMEM) {
		cli_error("out of memory");
		return -1;
	}
	if (r < 0) {
		cli_error("%s: cannot heal %s/recorded/%s/%s/%s.json: %s%s", w->label, state,
			  w->pod.namespace, w->pod.pod, w->pod.container, strerror(-r),
			  r == -ELOOP	 ? " (a symlink: refused)"
			  : r == -EINVAL ? " (not a profile syscage can read, or unsafe names; "
					   "left as it is)"
					 : "");
		return -1;
	}
	return r;
}

int logs_heal(struct propose *pr, const char *glob, const char *state)
{
	cleanup_close int sfd = -1;
	size_t matched = 0, healed = 0;
	int ret = EXIT_OK;

	if (mkdir(state, 0755) < 0 && errno != EEXIST)
		return cli_error("cannot create the state directory %s: %m", state);
	sfd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cli_error("cannot open the state directory %s: %m", state);
	for (size_t i = 0; i < sc_denials_n_groups(pr->d); i++) {
		const struct sc_denials_group *w = sc_denials_group(pr->d, i);
		bool created = false;
		if (w->kind != SC_DENIALS_POD ||
		    !sc_pod_glob_matches(glob, w->pod.namespace, w->pod.pod))
			continue;
		matched++;
		if (!w->pod.container[0]) {
			cli_warn("%s: the pod is known but not which of its containers made the "
				 "calls; not healed",
				 w->label);
			continue;
		}
		int r = heal_one(w, state, sfd, &created);
		if (r < 0) {
			ret = EXIT_FINDINGS;
			continue;
		}
		if (r == 0) {
			printf("%s: already allowed in %s/recorded/%s/%s/%s.json\n", w->label,
			       state, w->pod.namespace, w->pod.pod, w->pod.container);
			continue;
		}
		healed++;
		printf("%s: +", w->label);
		for (size_t k = 0, n = 0; k < w->n_denials; k++)
			if (w->denials[k].name)
				printf("%s%s", n++ ? " +" : "", w->denials[k].name);
		printf(" -> %s/recorded/%s/%s/%s.json%s\n", state, w->pod.namespace, w->pod.pod,
		       w->pod.container,
		       created ? " (new: only the healed calls; record the workload to complete it)"
			       : "");
	}
	if (!matched) {
		cli_note("no denials of pods matching '%s' in the records (%zu workloads with "
			 "denials)",
			 glob, sc_denials_n_groups(pr->d));
		if (sc_violations_stats(pr->v)->unattributed)
			cli_note("%llu denials came from processes gone when read: their pods are "
				 "unknown to this command (the agent attributes denials live)",
				 (unsigned long long)sc_violations_stats(pr->v)->unattributed);
	} else if (healed)
		cli_note("review the healed profiles, then ship them with your policy: nothing "
			 "enforced was changed");
	return ret;
}
