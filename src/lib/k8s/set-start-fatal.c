/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the question whether a policy set's profile is one no container can start with
 * (syscage/start-fatal.h), and which of its policies make it so: what `k8s bind` refuses to
 * bind a workload to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "syscage/binding.h"
#include "syscage/policy.h"
#include "syscage/start-fatal.h"

/* Does policy 'i' of 'b' deny a start-fatal call alone ('memo' remembers: 0 unknown, 1 no,
 * 2 yes)? */
static bool denies_alone(const struct sc_policy_build *b, size_t i, unsigned kinds,
			 signed char *memo)
{
	bool bad;

	if (memo && memo[i])
		return memo[i] == 2;
	bad = sc_profile_start_fatal(b->policies[i].profile, kinds | SC_START_SOME_ARGS, NULL, 0) >
	      0;
	if (memo)
		memo[i] = bad ? 2 : 1;
	return bad;
}

int sc_policy_set_start_fatal(const struct sc_policy_build *b, size_t set, unsigned kinds,
			      signed char *memo, char **ret_calls, char **ret_policies)
{
	const struct sc_policy_set *s = &b->sets[set];
	cleanup_free const struct sc_profile **in = NULL;
	struct sc_profile *m = NULL;
	char *names = NULL, *calls = NULL;
	size_t len = 0, n_bad = 0;
	FILE *f;
	int r;

	*ret_calls = *ret_policies = NULL;
	/* A merge permits a call every member permits: only a set with a member that denies
	 * one alone, if only for some arguments (a merge may take the deny whole), can deny
	 * one (most sets have none, and are neither merged nor described here). */
	for (size_t k = 0; k < s->n_policies; k++)
		n_bad += denies_alone(b, s->policies[k], kinds, memo);
	if (n_bad == 0)
		return 0;
	f = open_memstream(&names, &len);
	if (!f)
		return -ENOMEM;
	n_bad = 0;
	for (size_t k = 0; k < s->n_policies; k++) {
		const struct sc_policy *p = &b->policies[s->policies[k]];
		if (!denies_alone(b, s->policies[k], kinds, memo))
			continue;
		fprintf(f, "%s%s %s (%s)", n_bad++ ? ", " : "",
			sc_format_kind(p->profile->meta.format), p->name, p->file);
	}
	if (fclose(f) != 0) {
		free(names);
		return -ENOMEM;
	}
	if (!s->profile) {
		in = calloc(s->n_policies + 1, sizeof(*in));
		if (!in) {
			free(names);
			return -ENOMEM;
		}
		for (size_t k = 0; k < s->n_policies; k++)
			in[k] = b->policies[s->policies[k]].profile;
		r = sc_set_profile(in, s->n_policies, s->fallback, NULL, NULL, &m);
		if (r < 0) {
			free(names);
			return r;
		}
	}
	r = sc_profile_start_fatal_text(s->profile ? s->profile : m, kinds, &calls);
	sc_profile_free(m);
	if (r <= 0) {
		free(names);
		return r;
	}
	*ret_calls = calls;
	*ret_policies = names;
	return r;
}
