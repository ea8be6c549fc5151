/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's key=value log values (see logline.h) and the violation's line. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent/logline.h"
#include "syscage/profile.h"

/* "\"text\"" with '"' and '\\' escaped and control characters as spaces: a log value. */
const char *sc_log_quote(const char *text, char *buf, size_t size)
{
	size_t o = 0;

	buf[o++] = '"';
	for (const char *p = text; *p && o + 3 < size; p++) {
		if (*p == '"' || *p == '\\')
			buf[o++] = '\\';
		buf[o++] = (unsigned char)*p < ' ' ? ' ' : *p;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

/* Append " key=value" to buf (at *o): the value bare when it is a plain word, else quoted
 * with '"' and '\\' escaped and control characters as \xHH, so every line parses as
 * key=value pairs whatever a process calls itself. "-" for an empty value. */
const char *sc_log_value(const char *value, char *buf, size_t size)
{
	bool bare = true;
	size_t o = 0;

	if (!value || !*value)
		value = "-";
	for (const char *p = value; bare && *p; p++)
		bare = (unsigned char)*p > ' ' && *p != '"' && *p != '=' && *p != '\\' &&
		       (unsigned char)*p < 0x7f;
	if (bare) {
		(void)snprintf(buf, size, "%s", value);
		return buf;
	}
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p && o + 6 < size; p++) {
		if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else if (*p < ' ' || *p == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

void sc_log_kv(char *buf, size_t size, size_t *o, const char *key, const char *value)
{
	char v[1024];
	int k = snprintf(buf + *o, size - *o, " %s=%s", key, sc_log_value(value, v, sizeof(v)));

	if (k > 0)
		*o += (size_t)k < size - *o ? (size_t)k : size - *o - 1;
}

void sc_violation_log_line(const struct sc_violation *x, char *line, size_t size)
{
	char nr[16];
	size_t o;

	o = (size_t)snprintf(line, size, "event=violation");
	sc_log_kv(line, size, &o, "namespace", x->pod.namespace);
	sc_log_kv(line, size, &o, "pod", x->pod.pod);
	sc_log_kv(line, size, &o, "container", x->pod.container);
	/* A container outside pods (podman, ctr) is named by its id alone, as in /violations. */
	sc_log_kv(line, size, &o, "container_id", x->pod.container_id);
	sc_log_kv(line, size, &o, "runtime", x->pod.runtime);
	(void)snprintf(nr, sizeof(nr), "%u", x->pid);
	sc_log_kv(line, size, &o, "pid", nr);
	sc_log_kv(line, size, &o, "comm", x->comm);
	sc_log_kv(line, size, &o, "exe", x->exe);
	sc_log_kv(line, size, &o, "syscall", x->syscall ? x->syscall : "?");
	(void)snprintf(nr, sizeof(nr), "%u", x->nr);
	sc_log_kv(line, size, &o, "nr", nr);
	sc_log_kv(line, size, &o, "action", sc_action_to_string(x->action));
	sc_log_kv(line, size, &o, "attribution",
		  sc_violation_attribution_to_string(x->attribution));
	if (x->unattributed)
		sc_log_kv(line, size, &o, "unattributed", x->unattributed);
}
