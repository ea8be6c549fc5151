/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages, colour and small parsers every verb uses. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/json.h"

bool cli_color(FILE *f)
{
	const char *e = getenv("NO_COLOR");

	if (e && *e)
		return false;
	e = getenv("TERM");
	if (e && streq(e, "dumb"))
		return false;
	return isatty(fileno(f));
}

static void vmsg(const char *color, const char *label, const char *fmt, va_list ap)
{
	bool c = cli_color(stderr);

	fprintf(stderr, "syscage: %s%s:%s ", c ? color : "", label, c ? "\033[0m" : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("\033[1;31m", "error", fmt, ap);
	va_end(ap);
	return EXIT_FINDINGS;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("\033[1;31m", "error", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'syscage %s%s--help'.\n", verb ? verb : "", verb ? " " : "");
	return EXIT_USAGE;
}

int cli_bad_option(const char *verb)
{
	/* getopt has said what is wrong, as "syscage VERB: ..." (main names the verb so). */
	fprintf(stderr, "Try 'syscage %s --help'.\n", verb);
	return EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("\033[1;33m", "warning", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("\033[1;36m", "note", fmt, ap);
	va_end(ap);
}

size_t cli_print_diags(const struct sc_diags *d)
{
	static const char *const colors[] = { "\033[1;31m", "\033[1;33m", "\033[1;36m" };
	static const char *const labels[] = { "error", "warning", "note" };
	bool c = cli_color(stderr);

	for (size_t i = 0; i < d->n; i++) {
		const struct sc_diag *g = &d->v[i];
		fprintf(stderr, "%s%s", c ? "\033[1m" : "", g->file ? g->file : "<input>");
		if (g->loc.line)
			fprintf(stderr, ":%u", g->loc.line);
		if (g->loc.line && g->loc.col)
			fprintf(stderr, ":%u", g->loc.col);
		fprintf(stderr, ":%s %s%s:%s %s\n", c ? "\033[0m" : "",
			c ? colors[g->severity] : "", labels[g->severity], c ? "\033[0m" : "",
			g->message);
	}
	return d->n_errors;
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return EXIT_OK;
}

int cli_parse_arch(const char *s, enum sc_arch *ret)
{
	enum sc_arch a = sc_arch_from_name(s);

	if (a < 0) {
		cli_error("unknown architecture '%s'", s);
		fprintf(stderr, "Known: ");
		for_each_arch (x)
			fprintf(stderr, "%s%s", x ? ", " : "", sc_arch_info(x)->name);
		fprintf(stderr, " (also SCMP_ARCH_* names, amd64, i386, arm64, ppc64le, audit "
				"tokens such as c000003e)\n");
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

int cli_parse_output(const char *verb, const char *s, bool *ret_json)
{
	if (streq(s, "json")) {
		*ret_json = true;
		return 0;
	}
	if (streq(s, "text")) {
		*ret_json = false;
		return 0;
	}
	cli_usage_error(verb, "unknown output format '%s' (expected text or json)", s);
	return -EINVAL;
}

int cli_unknown_syscall(const char *name)
{
	const char *sugg[3];
	unsigned n = sc_syscall_suggest(name, sugg, ELEMENTSOF(sugg));

	cli_error("unknown syscall '%s'", name);
	if (n) {
		fprintf(stderr, "Did you mean ");
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", sugg[i]);
		fprintf(stderr, "?\n");
	}
	return EXIT_FINDINGS;
}

int cli_write_error(const char *target, const struct sc_profile *p, int format, int r)
{
	char why[256];

	if (streq(target, "-"))
		target = "standard output";
	if (r == -EOPNOTSUPP && p && format >= 0 &&
	    sc_profile_unfit(p, (enum sc_format)format, why, sizeof(why)) < 0)
		return cli_error(
			"cannot write %s as %s: %s%s", target,
			sc_format_to_string((enum sc_format)format), why,
			format == SC_FORMAT_KUBEARMOR &&
					sc_profile_unfit(p, SC_FORMAT_SPO, why, sizeof(why)) == 0
				? "; write it as oci or spo instead"
				: "");
	return cli_error("cannot write %s: %s", target, strerror(-r));
}

void cli_warn_fallback_changed(const char *target, const struct sc_profile *p, int format)
{
	const struct sc_fallback_call *v[8];
	char names[256] = "", older[256] = "";
	size_t o = 0, w = 0;
	int n;

	if (!p || format < 0)
		return;
	n = sc_profile_write_fallback_changed(p, (enum sc_format)format, v, ELEMENTSOF(v));
	if (n <= 0)
		return;
	if (n > (int)ELEMENTSOF(v))
		n = (int)ELEMENTSOF(v);
	for (int i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
		int a = snprintf(names + o, sizeof(names) - o, "%s%s", sep, v[i]->name);
		int b = snprintf(older + w, sizeof(older) - w, "%s%s", sep, v[i]->older[0]);
		if (a < 0 || b < 0 || (size_t)a >= sizeof(names) - o ||
		    (size_t)b >= sizeof(older) - w)
			break;
		o += (size_t)a;
		w += (size_t)b;
	}
	cli_warn("%s answers %s with ENOSYS, not EPERM as the profile does: a "
		 "KubeArmorSeccompPolicy that allows %s cannot deny %s otherwise, its reader "
		 "answers ENOSYS, and glibc then falls back to %s (it does so only on ENOSYS); "
		 "to keep EPERM, write oci or spo",
		 streq(target, "-") ? "the policy on standard output" : target, names, older,
		 n == 1 ? "it" : "them", older);
}
