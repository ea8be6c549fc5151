/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns healing (see violations.h): a recorded profile changed so the denied calls go through,
 * and its file under the state directory rewritten atomically, never through a symlink. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/install.h"
#include "syscage/implicit.h"
#include "syscage/merge.h"
#include "syscage/profile-read.h"
#include "syscage/profile-write.h"
#include "syscage/violations.h"
#include "macro.h"
#include "sc-cleanup.h"

static bool rule_unconditional(const struct sc_rule *r)
{
	return r->n_args == 0 && r->includes.n_caps == 0 && r->includes.n_arches == 0 &&
	       !r->includes.min_kernel && r->excludes.n_caps == 0 && r->excludes.n_arches == 0 &&
	       !r->excludes.min_kernel;
}

/* Remove 'name' from rule r (names and their locations). */
static void rule_remove_name(struct sc_rule *r, size_t k)
{
	free(r->names[k]);
	memmove(r->names + k, r->names + k + 1, (r->n_names - k - 1) * sizeof(*r->names));
	if (r->name_locs)
		memmove(r->name_locs + k, r->name_locs + k + 1,
			(r->n_names - k - 1) * sizeof(*r->name_locs));
	r->n_names--;
}

static void rule_free_contents(struct sc_rule *r)
{
	for (size_t k = 0; k < r->n_names; k++)
		free(r->names[k]);
	free(r->names);
	free(r->name_locs);
	free(r->args);
	free(r->comment);
	for (size_t k = 0; k < r->includes.n_caps; k++)
		free(r->includes.caps[k]);
	free(r->includes.caps);
	free(r->includes.arches);
	free(r->includes.min_kernel);
	for (size_t k = 0; k < r->excludes.n_caps; k++)
		free(r->excludes.caps[k]);
	free(r->excludes.caps);
	free(r->excludes.arches);
	free(r->excludes.min_kernel);
}

int sc_violation_heal(const struct sc_violation *x, struct sc_profile **recorded)
{
	struct sc_profile *p;
	struct sc_verdict vd;
	struct sc_rule *allow = NULL;
	bool changed = false, created = false;

	if (!x || !recorded)
		return -EINVAL;
	if (!x->syscall || x->arch < 0)
		return 0; /* nothing a profile could name */
	p = *recorded;
	if (!p) {
		p = sc_profile_new();
		if (!p)
			return -ENOMEM;
		p->default_action = SC_ACT_ERRNO;
		created = true;
	}
	if (p->n_arches && !sc_profile_has_arch(p, x->arch)) {
		if (sc_profile_add_arch(p, x->arch) < 0)
			goto oom;
		changed = true;
	} else if (!p->n_arches) {
		/* A profile without architectures applies to the native arch only: list both
		 * the native one and the violation's, so nothing that ran before stops. */
		if (sc_profile_add_arch(p, x->arch) < 0)
			goto oom;
		if (!created && x->arch != sc_arch_native() &&
		    sc_profile_add_arch(p, sc_arch_native()) < 0)
			goto oom;
		changed = true;
	}
	sc_profile_verdict(p, x->syscall, &vd);
	if (sc_action_permits(vd.action) && !vd.conditional) {
		if (created)
			goto done;
		return changed ? 1 : 0;
	}
	/* Unconditional rules that deny it stop denying it; conditional ones stay (they say
	 * something about arguments a person should look at). */
	for (size_t i = 0; i < p->n_rules;) {
		struct sc_rule *r = &p->rules[i];
		if (rule_unconditional(r) && !sc_action_permits(r->action)) {
			for (size_t k = 0; k < r->n_names;)
				if (streq(r->names[k], x->syscall)) {
					rule_remove_name(r, k);
					changed = true;
				} else
					k++;
			if (r->n_names == 0) {
				rule_free_contents(r);
				memmove(r, r + 1, (p->n_rules - i - 1) * sizeof(*r));
				p->n_rules--;
				continue;
			}
		}
		i++;
	}
	sc_profile_verdict(p, x->syscall, &vd);
	if (!sc_action_permits(vd.action) || !vd.unconditional) {
		for (size_t i = 0; i < p->n_rules && !allow; i++)
			if (p->rules[i].action == SC_ACT_ALLOW && rule_unconditional(&p->rules[i]))
				allow = &p->rules[i];
		if (!allow) {
			allow = sc_profile_add_rule(p, SC_ACT_ALLOW, NULL, 0);
			if (!allow)
				goto oom;
		}
		if (sc_rule_add_name(allow, x->syscall) < 0)
			goto oom;
		changed = true;
	}
done:
	*recorded = p;
	return changed || created ? 1 : 0;
oom:
	if (created)
		sc_profile_free(p);
	return -ENOMEM;
}

/* Open (creating) 'name' below dirfd as a directory, never through a symlink. */
static int open_subdir(int dirfd, const char *name)
{
	int fd;

	if (!sc_name_is_safe(name))
		return -EINVAL;
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read a whole file opened through a directory fd, never a symlink. */
static int read_at(int dirfd, const char *name, char **ret, size_t *ret_len)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return sc_read_fd(fd, 64u << 20, ret, ret_len); /* no recorded profile is that large */
}

int sc_violations_heal_recorded(int state_dirfd, const char *path, const struct sc_pod_ref *pod,
				const struct sc_violation *xs, size_t n, struct sc_diags *d,
				bool *ret_created)
{
	cleanup_close int rfd = -1, nfd = -1, pfd = -1;
	cleanup_free char *text = NULL;
	char file[SC_POD_NAME_MAX + 8], where[4096];
	struct sc_profile *p = NULL;
	bool created = false;
	size_t len = 0;
	int added = 0, r;

	if (!pod || !pod->namespace[0] || !pod->pod[0] || !pod->container[0])
		return -EINVAL;
	(void)snprintf(file, sizeof(file), "%s.json", pod->container);
	(void)snprintf(where, sizeof(where), "%s/recorded/%s/%s/%s", path ? path : ".",
		       pod->namespace, pod->pod, file);
	if (!sc_name_is_safe(pod->namespace) || !sc_name_is_safe(pod->pod) ||
	    !sc_name_is_safe(file)) {
		if (d)
			(void)sc_diags_add(d, SC_SEV_ERROR, (struct sc_loc){},
					   "refusing unsafe names in %s", where);
		return -EINVAL;
	}
	rfd = open_subdir(state_dirfd, "recorded");
	if (rfd < 0)
		return rfd;
	nfd = open_subdir(rfd, pod->namespace);
	if (nfd < 0)
		return nfd;
	pfd = open_subdir(nfd, pod->pod);
	if (pfd < 0)
		return pfd;
	r = read_at(pfd, file, &text, &len);
	if (r == -ENOENT)
		created = true;
	else if (r < 0)
		return r;
	else {
		r = sc_profile_read_buffer(text, len, where, d, &p);
		if (r < 0)
			return r;
		free(TAKE_PTR(text));
	}
	for (size_t i = 0; i < n; i++) {
		r = sc_violation_heal(&xs[i], &p);
		if (r < 0) {
			sc_profile_free(p);
			return r;
		}
		added += r;
	}
	if (!added) {
		sc_profile_free(p);
		return 0;
	}
	r = sc_implicit_add(p); /* a healed profile survives a stop too */
	if (r < 0) {
		sc_profile_free(p);
		return r;
	}
	r = sc_profile_write_string(p, SC_FORMAT_OCI, &text);
	sc_profile_free(p);
	if (r < 0)
		return r;
	r = sc_write_atomic_at(pfd, file, text, strlen(text), 0644, NULL);
	if (r < 0)
		return r;
	if (ret_created)
		*ret_created = created;
	return added;
}
