/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the Kubernetes name rules every reader of policies, bindings and manifests checks:
 * DNS-1123 labels and subdomains (namespaces, object names, file names under the root) and
 * label keys and values. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "syscage/names.h"
#include "macro.h"

static bool alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool label_valid_n(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum_lower(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool sc_dns1123_label_valid(const char *s)
{
	return s && label_valid_n(s, strlen(s));
}

bool sc_dns1123_subdomain_valid(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len > 253)
		return false;
	for (const char *p = s;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_valid_n(p, n))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

/* A label name or value: at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric. */
static bool label_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

bool sc_label_key_valid(const char *s)
{
	const char *slash = s ? strchr(s, '/') : NULL;

	if (!s)
		return false;
	if (slash) {
		cleanup_free char *prefix = strndup(s, (size_t)(slash - s));
		if (!prefix || !sc_dns1123_subdomain_valid(prefix))
			return false;
		s = slash + 1;
	}
	return label_name_ok(s, strlen(s));
}

bool sc_label_value_valid(const char *s)
{
	return s && (!*s || label_name_ok(s, strlen(s)));
}
