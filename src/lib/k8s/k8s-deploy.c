/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's own deployment manifests (`syscage k8s manifests`): the kustomize base
 * deploy/ holds (compiled in by tools/gen-deploy-files: deploy/ is the one source) with the
 * options substituted, and the one-stream form of the same objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/deploy-files.h"
#include "macro.h"
#include "syscage/k8s.h"

/* The compiled-in files are named from the source root: the base's under deploy/, the
 * recording overlay's under deploy-record/. */
#define BASE_DIR    "deploy/"
#define OVERLAY_DIR "deploy-record/"

/* The agent's own profile in deploy/ (the init container installs it from a ConfigMap). */
#define AGENT_PROFILE "profiles/syscage-agent.json"

/* 'path' without 'dir' at its start, or NULL when it is not below 'dir'. */
static const char *below(const char *path, const char *dir)
{
	size_t l = strlen(dir);

	return strncmp(path, dir, l) == 0 ? path + l : NULL;
}

static bool image_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 512)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'\\#{}[],&*!|>%@`", *p))
			return false;
	return true;
}

static bool dir_valid(const char *s)
{
	if (!s || s[0] != '/' || strlen(s) > 1024 || strstr(s, "//") || strstr(s, "/./") ||
	    strstr(s, "/../"))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._/-", *p)))
			return false;
	return !(strlen(s) >= 3 && streq(s + strlen(s) - 3, "/..")) &&
	       !(strlen(s) >= 2 && streq(s + strlen(s) - 2, "/."));
}

/* 'text' with its markers replaced: the values deploy/ holds become the options'. */
static char *subst(const char *text, const char *ns, const char *image, const char *kr)
{
	static const char *const markers[] = { "@NAMESPACE@", "@IMAGE@", "@KUBELET_ROOT@" };
	const char *values[] = { ns, image, kr };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (const char *p = text; *p;) {
		const char *at = strchr(p, '@');
		size_t k;
		if (!at) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, at - p, f);
		for (k = 0; k < ELEMENTSOF(markers); k++)
			if (strncmp(at, markers[k], strlen(markers[k])) == 0)
				break;
		if (k < ELEMENTSOF(markers)) {
			fputs(values[k], f);
			p = at + strlen(markers[k]);
		} else {
			fputc('@', f);
			p = at + 1;
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void sc_k8s_out_files_free(struct sc_k8s_out_file *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].path);
		free(f[i].text);
	}
	free(f);
}

static int manifest_opts(const struct sc_k8s_manifest_opts *o, const char **ns, const char **image,
			 char **kr)
{
	const char *k = o && o->kubelet_root ? o->kubelet_root : SC_K8S_DEFAULT_KUBELET_ROOT;
	size_t l = strlen(k);

	*ns = o && o->namespace ? o->namespace : SC_K8S_DEFAULT_NAMESPACE;
	*image = o && o->image ? o->image : SC_K8S_DEFAULT_IMAGE;
	if (!sc_dns1123_label_valid(*ns) || !image_valid(*image) || !dir_valid(k))
		return -EINVAL;
	while (l > 1 && k[l - 1] == '/')
		l--;
	if (l <= 1)
		return -EINVAL; /* "/" is no kubelet root */
	*kr = strndup(k, l);
	return *kr ? 0 : -ENOMEM;
}

/* The overlay's kustomization names its base where this output puts it: "base", beside it,
 * instead of the source tree's sibling "../deploy". */
static char *overlay_kustomization(char *text)
{
	static const char from[] = "\n  - ../deploy\n", to[] = "\n  - base\n";
	char *at = text ? strstr(text, from) : NULL;

	if (!at)
		return text; /* NULL stays NULL; a kustomization without it: the test says so */
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	memcpy(at, to, strlen(to));
	return text;
}

/* One output file for compiled-in file 'src': its path in the output and its text. */
static int out_file(const struct sc_k8s_manifest_opts *o, const struct sc_deploy_file *src,
		    const char *ns, const char *image, const char *kr, struct sc_k8s_out_file *ret)
{
	const char *base = below(src->path, BASE_DIR), *over = below(src->path, OVERLAY_DIR);
	bool record = o && o->record;

	if (base && record) {
		if (asprintf(&ret->path, "base/%s", base) < 0)
			ret->path = NULL;
	} else
		ret->path = strdup(base ? base : over);
	/* --agent-profile replaces the agent's own profile deploy/ holds. */
	if (base && o && o->agent_profile && streq(base, AGENT_PROFILE))
		ret->text = strdup(o->agent_profile);
	else
		ret->text = subst(src->text, ns, image, kr);
	if (over && streq(over, "kustomization.yaml"))
		ret->text = overlay_kustomization(ret->text);
	return ret->path && ret->text ? 0 : -ENOMEM;
}

int sc_k8s_manifest_files(const struct sc_k8s_manifest_opts *o, struct sc_k8s_out_file **ret,
			  size_t *ret_n)
{
	const char *ns, *image;
	cleanup_free char *kr = NULL;
	struct sc_k8s_out_file *f;
	size_t n = 0;
	int r = manifest_opts(o, &ns, &image, &kr);

	if (r < 0)
		return r;
	f = calloc(sc_deploy_files_n, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < sc_deploy_files_n; i++) {
		const struct sc_deploy_file *src = &sc_deploy_files[i];
		if (!below(src->path, BASE_DIR) && !(o && o->record))
			continue; /* the overlay's files only with record */
		r = out_file(o, src, ns, image, kr, &f[n++]);
		if (r < 0) {
			sc_k8s_out_files_free(f, n);
			return r;
		}
	}
	*ret = f;
	*ret_n = n;
	return 0;
}

static const char *out_text(const struct sc_k8s_out_file *f, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (streq(f[i].path, path))
			return f[i].text;
	return ""; /* not reached: meson.build lists the files */
}

/* A ConfigMap with one key, the value as a literal block. */
static void put_configmap(FILE *f, const char *name, const char *ns, const char *key,
			  const char *text)
{
	fprintf(f,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n"
		"data:\n  %s: |%s\n",
		name, ns, key, text[0] == ' ' || text[0] == '\n' ? "2" : "");
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			fprintf(f, "    %.*s\n", (int)n, p);
		else
			fputc('\n', f);
		p += n + (nl ? 1 : 0);
	}
}

int sc_k8s_manifest_stream(const struct sc_k8s_manifest_opts *o, char **ret)
{
	struct sc_k8s_out_file *files = NULL;
	size_t n = 0, len = 0;
	const char *ns, *image;
	cleanup_free char *kr = NULL;
	char *buf = NULL;
	FILE *f;
	int r = manifest_opts(o, &ns, &image, &kr);

	if (r < 0)
		return r;
	if (o && o->record)
		return -EOPNOTSUPP;
	r = sc_k8s_manifest_files(o, &files, &n);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &len);
	if (!f) {
		sc_k8s_out_files_free(files, n);
		return -ENOMEM;
	}
	fputs("# syscage node agent: `syscage k8s manifests | kubectl apply -f -`.\n"
	      "# The kustomize base with the same objects: `syscage k8s manifests -o DIR`.\n",
	      f);
	fprintf(f, "---\n%s---\n", out_text(files, n, "namespace.yaml"));
	/* Before the DaemonSet: where the cluster limits system-node-critical, its pods are
	 * admitted only once the quota is there. */
	fprintf(f, "%s---\n", out_text(files, n, "resourcequota.yaml"));
	fprintf(f, "%s---\n", out_text(files, n, "networkpolicy.yaml"));
	put_configmap(f, "syscage-policies", ns, "example.yaml",
		      out_text(files, n, "policies/example.yaml"));
	/* The DaemonSet's init container installs it: without it no agent pod starts. */
	fputs("---\n", f);
	put_configmap(f, "syscage-agent-profile", ns, "syscage-agent.json",
		      out_text(files, n, AGENT_PROFILE));
	fprintf(f, "---\n%s", out_text(files, n, "daemonset.yaml"));
	sc_k8s_out_files_free(files, n);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
