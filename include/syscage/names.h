/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kubernetes names: what a namespace, an object name and a label may be. Names checked here
 * become file names under the kubelet's seccomp root, so nothing else may pass. */
#pragma once

#include <stdbool.h>

/* DNS-1123 label: 1..63 of [a-z0-9-], starting and ending alphanumeric (namespaces). */
bool sc_dns1123_label_valid(const char *s);
/* DNS-1123 subdomain: labels joined by '.', at most 253 characters (object names). */
bool sc_dns1123_subdomain_valid(const char *s);

/* Kubernetes label syntax: a key is [DNS-1123 subdomain '/'] name, a name or value at most 63
 * of [A-Za-z0-9-_.] starting and ending alphanumeric (a value may be empty). */
bool sc_label_key_valid(const char *s);
bool sc_label_value_valid(const char *s);
