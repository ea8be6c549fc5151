/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the "restricted" audit of Kubernetes workloads (the Pod Security Standards' seccomp and
 * privilege-escalation rules) and its JSON report. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "k8s/manifest.h"
#include "macro.h"
#include "syscage/k8s.h"

const struct sc_k8s_seccomp *sc_k8s_effective(const struct sc_k8s_workload *w,
					      const struct sc_k8s_container *c)
{
	return c->seccomp.type != SC_K8S_SECCOMP_UNSET ? &c->seccomp : &w->pod_seccomp;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int finding(char ***v, size_t *n, const char *fmt, ...) _printf_(3, 4);
static int finding(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **nv;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	/* Names come from the manifest and a YAML scalar may hold any control character (a
	 * multi-line plain scalar folds blank lines into newlines): one finding, one line. */
	if (has_control(s)) {
		size_t len = strlen(s);
		char *e = malloc(4 * len + 1), *o = e;
		if (!e) {
			free(s);
			return -ENOMEM;
		}
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				o += sprintf(o, "\\x%02X", *p);
			else
				*o++ = (char)*p;
		*o = '\0';
		free(s);
		s = e;
	}
	nv = reallocarray(*v, *n + 2, sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int audit_seccomp(char ***v, size_t *n, const char *who, const struct sc_k8s_seccomp *s)
{
	switch (s->type) {
	case SC_K8S_SECCOMP_UNCONFINED:
		return finding(v, n, "%s: seccompProfile type is Unconfined", who);
	case SC_K8S_SECCOMP_LOCALHOST:
		if (!s->localhost || !*s->localhost)
			return finding(v, n,
				       "%s: seccompProfile type Localhost without "
				       "localhostProfile",
				       who);
		return 0;
	case SC_K8S_SECCOMP_INVALID:
		return finding(v, n,
			       "%s: seccompProfile type '%s' is not RuntimeDefault, "
			       "Localhost or Unconfined",
			       who, s->type_text ? s->type_text : "?");
	default:
		return 0;
	}
}

/* The deprecated annotation that would give container 'c' its profile: its own, else the
 * pod's (NULL: neither). */
static const char *legacy(const struct sc_k8s_workload *w, const struct sc_k8s_container *c)
{
	return c->legacy ? c->legacy : w->legacy_pod;
}

int sc_k8s_audit(struct sc_k8s_workload *w)
{
	char **v = NULL;
	size_t n = 0;
	int r;

	strv_free(w->findings);
	w->findings = NULL;
	w->n_findings = 0;
	r = audit_seccomp(&v, &n, "pod", &w->pod_seccomp);
	for (size_t i = 0; r == 0 && i < w->n_containers; i++) {
		const struct sc_k8s_container *c = &w->containers[i];
		cleanup_free char *who = NULL;
		if (asprintf(&who, "%scontainer %s", c->init ? "init " : "",
			     c->name ? c->name : "?") < 0) {
			r = -ENOMEM;
			break;
		}
		r = audit_seccomp(&v, &n, who, &c->seccomp);
		if (r == 0 && sc_k8s_effective(w, c)->type == SC_K8S_SECCOMP_UNSET && legacy(w, c))
			/* The annotations, deprecated in 1.19: since 1.25 the kubelet ignores
			 * them (static pods get no profile from them); the API server still
			 * copies them into the field of a pod it creates without one. */
			r = finding(
				&v, &n,
				"%s: no seccompProfile, only the annotation %s%s: %s (deprecated "
				"in 1.19; the kubelet ignores it since 1.25, and a static pod gets "
				"nothing from it): set securityContext.seccompProfile",
				who, c->legacy ? ANN_CONTAINER : ANN_POD, c->legacy ? c->name : "",
				legacy(w, c));
		else if (r == 0 && sc_k8s_effective(w, c)->type == SC_K8S_SECCOMP_UNSET)
			r = finding(&v, &n,
				    "%s: no seccompProfile (set neither for the pod nor "
				    "for the container)",
				    who);
		if (r == 0 && c->allow_privilege_escalation != 0)
			r = finding(&v, &n, "%s: allowPrivilegeEscalation is %s", who,
				    c->allow_privilege_escalation < 0 ? "unset (it must be false)"
								      : "not false");
	}
	if (r < 0) {
		strv_free(v);
		return r;
	}
	w->findings = v;
	w->n_findings = n;
	return 0;
}

static void json_strv(FILE *f, char **v)
{
	if (!v) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (size_t i = 0; v[i]; i++) {
		fputs(i ? "," : "", f);
		sc_json_string(f, v[i]);
	}
	fputc(']', f);
}

static void json_seccomp(FILE *f, const struct sc_k8s_seccomp *s, bool effective)
{
	if (s->type == SC_K8S_SECCOMP_UNSET && !effective) {
		fputs("null", f);
		return;
	}
	fputs("{\"type\":", f);
	if (s->type == SC_K8S_SECCOMP_INVALID || (s->type == SC_K8S_SECCOMP_UNSET && !effective))
		sc_json_string(f, s->type_text);
	else
		sc_json_string(f, sc_k8s_seccomp_type_to_string(s->type));
	if (s->type == SC_K8S_SECCOMP_LOCALHOST || s->localhost) {
		fputs(",\"localhostProfile\":", f);
		sc_json_string(f, s->localhost);
	}
	fputc('}', f);
}

int sc_k8s_audit_json(struct sc_k8s_file **files, size_t n, char **ret)
{
	char *buf = NULL;
	size_t len = 0, nw = 0, nr = 0, nfind = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	fputs("{\"workloads\":[", f);
	for (size_t i = 0; i < n && r == 0; i++)
		for (size_t j = 0; j < files[i]->n_workloads && r == 0; j++) {
			struct sc_k8s_workload *w = &files[i]->workloads[j];
			r = sc_k8s_audit(w);
			if (r < 0)
				break;
			nw++;
			nr += w->n_findings == 0;
			nfind += w->n_findings;
			fputs(k++ ? ",\n" : "\n", f);
			fputs("{\"file\":", f);
			sc_json_string(f, w->file);
			fprintf(f, ",\"line\":%u,\"column\":%u,\"kind\":", w->loc.line, w->loc.col);
			sc_json_string(f, w->kind);
			fputs(",\"namespace\":", f);
			sc_json_string(f, w->namespace);
			fputs(",\"name\":", f);
			sc_json_string(f, w->name);
			fputs(",\"labels\":{", f);
			for (size_t l = 0; l < w->n_labels; l++) {
				fputs(l ? "," : "", f);
				sc_json_string(f, w->labels[l].key);
				fputc(':', f);
				sc_json_string(f, w->labels[l].value);
			}
			fputs("},\"podSeccompProfile\":", f);
			json_seccomp(f, &w->pod_seccomp, false);
			fputs(",\"containers\":[", f);
			for (size_t c = 0; c < w->n_containers; c++) {
				const struct sc_k8s_container *ct = &w->containers[c];
				fputs(c ? "," : "", f);
				fputs("{\"name\":", f);
				sc_json_string(f, ct->name);
				if (ct->init)
					fputs(",\"init\":true", f);
				fputs(",\"image\":", f);
				sc_json_string(f, ct->image);
				fputs(",\"command\":", f);
				json_strv(f, ct->command);
				fputs(",\"args\":", f);
				json_strv(f, ct->args);
				fputs(",\"seccompProfile\":", f);
				json_seccomp(f, &ct->seccomp, false);
				fputs(",\"effective\":", f);
				json_seccomp(f, sc_k8s_effective(w, ct), true);
				fprintf(f, ",\"allowPrivilegeEscalation\":%s",
					ct->allow_privilege_escalation < 0    ? "null"
					: ct->allow_privilege_escalation == 0 ? "false"
									      : "true");
				/* Only where no field is set (other output unchanged): the
				 * annotation the kubelet no longer honours (1.25 on). */
				if (sc_k8s_effective(w, ct)->type == SC_K8S_SECCOMP_UNSET &&
				    legacy(w, ct)) {
					cleanup_free char *key = NULL;
					if (asprintf(&key, "%s%s",
						     ct->legacy ? ANN_CONTAINER : ANN_POD,
						     ct->legacy && ct->name ? ct->name : "") < 0) {
						r = -ENOMEM;
						break;
					}
					fputs(",\"legacyAnnotation\":{\"key\":", f);
					sc_json_string(f, key);
					fputs(",\"value\":", f);
					sc_json_string(f, legacy(w, ct));
					fputs(",\"ignoredByKubeletSince\":\"1.25\"}", f);
				}
				fputc('}', f);
			}
			fputs("],\"findings\":", f);
			json_strv(f, w->findings ? w->findings : (char *[]){ NULL });
			fprintf(f, ",\"restricted\":%s}", w->n_findings ? "false" : "true");
		}
	fprintf(f,
		"\n],\"summary\":{\"workloads\":%zu,\"restricted\":%zu,\"notRestricted\":%zu,"
		"\"findings\":%zu}}\n",
		nw, nr, nw - nr, nfind);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}
