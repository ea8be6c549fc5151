/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The warning every verb that writes or checks a profile gives when no container can start
 * under it (syscage/start-fatal.h). A warning, not an error: a profile may be meant for
 * something else than a container (a systemd unit, `syscage run`). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Append the names of 'v' whose 'when' shares a bit with 'want' and none with 'skip'. */
static size_t names(const struct sc_start_denial *v, size_t n, unsigned want, unsigned skip,
		    char *buf, size_t size)
{
	size_t k = 0, o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct sc_start_denial *d = &v[i];
		int w;
		if (!(d->call->when & want) || (d->call->when & skip))
			continue;
		w = snprintf(buf + o, size - o, "%s%s%s%s%s%s", k ? ", " : "", d->call->name,
			     d->cond_allow ? " (allowed only with argument conditions)" : "",
			     d->some_args ? " (denied for some arguments)" : "",
			     d->every_arch ? "" : " (on ",
			     d->every_arch ? "" : sc_arch_info(d->arch)->name);
		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
		if (!d->every_arch && o + 1 < size) {
			buf[o++] = ')';
			buf[o] = '\0';
		}
		k++;
	}
	return k;
}

int cli_start_fatal_message(const char *target, const struct sc_profile *p, bool recording,
			    char *buf, size_t size)
{
	struct sc_start_denial v[64];
	char nnp[1024], priv[1024];
	size_t n, n_nnp, n_priv;
	const char *what;

	buf[0] = '\0';
	if (!p)
		return 0;
	n = sc_profile_start_fatal(p, SC_START_ANY | SC_START_SOME_ARGS, v, ELEMENTSOF(v));
	if (n == 0)
		return 0;
	n = n < ELEMENTSOF(v) ? n : ELEMENTSOF(v);
	n_nnp = names(v, n, SC_START_NNP, 0, nnp, sizeof(nnp));
	n_priv = names(v, n, SC_START_PRIV, SC_START_NNP, priv, sizeof(priv));
	if (!target)
		target = "the profile";
	else if (streq(target, "-"))
		target = "the profile on standard output";
	what = recording ? "run it again with --base runtime, which adds what runc needs"
	       : n == 1	 ? "allow it (a recording made with `syscage record --base runtime` "
			   "has what runc needs: merge it in)"
			 : "allow them (a recording made with `syscage record --base runtime` "
			   "has what runc needs: merge it in)";
	if (n_nnp)
		(void)snprintf(buf, size,
			       "%s denies %s: no container can start under it (runc calls %s "
			       "after it loads the filter, and the start fails with \"operation "
			       "not permitted\")%s%s; %s, or ignore this if the profile is not "
			       "meant for a container",
			       target, nnp, n_nnp == 1 ? "it" : "them",
			       n_priv ? "; without noNewPrivileges (allowPrivilegeEscalation: "
					"true) also "
				      : "",
			       priv, what);
	else
		(void)snprintf(buf, size,
			       "%s denies %s: a container without noNewPrivileges "
			       "(allowPrivilegeEscalation: true; `k8s bind` sets it false) cannot "
			       "start under it (runc calls %s after it loads the filter); %s, or "
			       "ignore this if every container it is for runs with "
			       "noNewPrivileges",
			       target, priv, n_priv == 1 ? "it" : "them", what);
	return (int)n;
}

void cli_warn_start_fatal(const char *target, const struct sc_profile *p, bool recording)
{
	char msg[3072];

	if (cli_start_fatal_message(target, p, recording, msg, sizeof(msg)) > 0)
		cli_warn("%s", msg);
}
