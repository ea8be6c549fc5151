/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's one decision about a profile no container can start with
 * (syscage/start-fatal.h): a bound workload's new profile that denies what runc calls after it
 * loads the filter does not replace a good one installed at its path. The pods that run keep
 * running either way (a profile is read at a container's start), but a restart or a new
 * replica would fail at exec with "operation not permitted", where the good profile starts.
 * Where nothing good is there (a new path, a node that joined later, or a profile that was
 * start-fatal already), it is written: a missing localhost profile fails the pod too, with
 * an error that names the file and not the cause, while the written one shows its denials
 * to whoever reads it, and every node then holds what the policies say. `k8s bind` refuses
 * such a binding up front; the agent meets one when the policies change after the bind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/reconcile-internal.h"
#include "base/install.h"
#include "syscage/start-fatal.h"

#define MAX_PROFILE (16u << 20) /* more than any profile the agent writes */

/* The start-fatal calls of a profile's JSON text (owned text, or NULL when none, or when the
 * text does not read as a profile). Returns their number or -ENOMEM. */
static int fatal_calls(const char *text, size_t len, const char *path, char **ret)
{
	struct sc_profile *p = NULL;
	int r;

	*ret = NULL;
	r = sc_profile_read_buffer(text, len, path, NULL, &p);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	/* bind sets allowPrivilegeEscalation: false: the calls fatal with noNewPrivileges. */
	r = sc_profile_start_fatal_text(p, SC_START_NNP, ret);
	sc_profile_free(p);
	return r;
}

/* Whether the file installed at 'file' in 'nsfd' is one a container can start with. */
static bool installed_good(int nsfd, const char *file, const char *path)
{
	cleanup_close int fd = -1;
	cleanup_free char *text = NULL, *calls = NULL;
	size_t len = 0;

	if (nsfd < 0)
		return false;
	fd = openat(nsfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || sc_read_fd(fd, MAX_PROFILE, &text, &len) < 0)
		return false;
	return fatal_calls(text, len, path, &calls) == 0 && !calls;
}

int rc_start_fatal_keep(struct run *x, const struct set *s, int nsfd, const char *file,
			const char *text, size_t len)
{
	cleanup_free char *calls = NULL, *pols = NULL;
	char b1[600], b2[600], b3[600];
	size_t plen = 0;
	FILE *f;
	int r;

	r = fatal_calls(text, len, s->path, &calls);
	if (r <= 0)
		return r;
	if (!installed_good(nsfd, file, s->path))
		return 0;
	f = open_memstream(&pols, &plen);
	if (!f)
		return -ENOMEM;
	for (size_t k = 0; k < s->n_pols; k++) {
		const struct cdoc *d = rc_pdoc(x, &x->pols[rc_smem(x, s)[k]]);
		fprintf(f, "%s%s/%s", k ? "," : "", sc_format_kind(d->format), d->name);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	(void)snprintf(b3, sizeof(b3), "%s/%s/%s", s->bind->kind, s->ns, s->bind->name);
	rc_logf(x->r, "warn",
		"event=start-fatal-kept path=%s workload=%s policies=%s calls=\"%s\" "
		"msg=\"the new profile denies what runc calls after it loads the filter: no "
		"container could start with it; the installed one stays until the policies "
		"allow these calls\"",
		rc_logval(s->path, b1, sizeof(b1)), b3, rc_logval(pols, b2, sizeof(b2)), calls);
	x->res->n_fatal_kept++;
	return 1;
}
