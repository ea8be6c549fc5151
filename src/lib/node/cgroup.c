/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the container runtimes' cgroup naming (see cgroup.h). */
#include <string.h>

#include "node/cgroup.h"
#include "macro.h"

bool sc_cgroup_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

bool sc_cgroup_prefixed_id(const char *c, size_t n, const char **id, size_t *id_n,
			   const char **runtime)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} pfx[] = {
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "docker-", "docker" },
		{ "libpod-", "podman" },
	};

	for (size_t i = 0; i < ELEMENTSOF(pfx); i++) {
		size_t pn = strlen(pfx[i].prefix);
		if (n < pn || memcmp(c, pfx[i].prefix, pn) != 0)
			continue;
		c += pn;
		n -= pn;
		if (n > 6 && memcmp(c + n - 6, ".scope", 6) == 0)
			n -= 6;
		if (n < 12 || n > 128 || !sc_cgroup_is_hex(c, n))
			return false;
		*id = c;
		*id_n = n;
		*runtime = pfx[i].runtime;
		return true;
	}
	return false;
}
