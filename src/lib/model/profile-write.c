/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the profile writers: normalized OCI JSON, SPO SeccompProfile YAML and KubeArmor YAML.
 * Output goes through libfyaml's event emitter (we choose each scalar's style so that strings
 * such as "123" or "true" stay strings and numbers stay numbers; libfyaml does the escaping). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libfyaml.h>

#include "base/install.h"
#include "syscage/profile-read.h"
#include "syscage/implicit.h"
#include "syscage/profile-write.h"
#include "macro.h"

struct em {
	bool json;
	int err;
	enum fy_emitter_cfg_flags flags;
	struct fy_document *doc;
	struct fy_node *stack[16];
	struct fy_node *pending_key[16]; /* per open mapping: a key waiting for its value */
	unsigned depth;
	char *out; /* every finished document, concatenated */
	size_t out_len;
};

static bool plain_is_ambiguous(const char *s)
{
	const char *p = s;

	if (!*s || streq(s, "~") || !strcasecmp(s, "null") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "false") || !strcasecmp(s, "yes") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "on") || !strcasecmp(s, "off"))
		return true;
	if (*p == '-' || *p == '+')
		p++;
	return (*p >= '0' && *p <= '9') || *p == '.';
}

static void attach(struct em *m, struct fy_node *n)
{
	struct fy_node *top;
	int r = 0;

	if (m->err)
		return;
	if (!n) {
		m->err = -ENOMEM;
		return;
	}
	if (m->depth == 0) {
		r = fy_document_set_root(m->doc, n);
	} else {
		top = m->stack[m->depth - 1];
		if (!fy_node_is_mapping(top))
			r = fy_node_sequence_append(top, n);
		else if (!m->pending_key[m->depth - 1])
			m->pending_key[m->depth - 1] = n;
		else {
			r = fy_node_mapping_append(top, m->pending_key[m->depth - 1], n);
			m->pending_key[m->depth - 1] = NULL;
		}
	}
	if (r < 0)
		m->err = -ENOMEM;
}

/* A string the emitter would print bare but a reader would take for a number, boolean or
 * null ("1", "true", "") must be double-quoted. Node styles cannot be set through the document
 * API, so let libfyaml's event emitter write the quoted form (it does the escaping) and parse
 * that back as the node. */
static struct fy_node *quoted_scalar(struct em *m, const char *s)
{
	struct fy_emitter *e = fy_emit_to_string(FYECF_MODE_JSON_ONELINE | FYECF_WIDTH_INF |
						 FYECF_NO_ENDING_NEWLINE |
						 FYECF_DOC_START_MARK_OFF | FYECF_DOC_END_MARK_OFF);
	struct fy_event *ev[5];
	struct fy_node *n = NULL;
	char *text;
	size_t len;
	bool ok = true;

	if (!e)
		return NULL;
	ev[0] = fy_emit_event_create(e, FYET_STREAM_START);
	ev[1] = fy_emit_event_create(e, FYET_DOCUMENT_START, 1, NULL, NULL);
	ev[2] = fy_emit_event_create(e, FYET_SCALAR, FYSS_DOUBLE_QUOTED, s, FY_NT, NULL, NULL);
	ev[3] = fy_emit_event_create(e, FYET_DOCUMENT_END, 1);
	ev[4] = fy_emit_event_create(e, FYET_STREAM_END);
	for (size_t i = 0; i < ELEMENTSOF(ev); i++)
		if (!ev[i] || fy_emit_event(e, ev[i]) < 0)
			ok = false;
	text = ok ? fy_emit_to_string_collect(e, &len) : NULL;
	/* The document owns 'text' from here on, also when building fails. */
	if (text)
		n = fy_node_build_from_malloc_string(m->doc, text, strlen(text));
	fy_emitter_destroy(e);
	return n;
}

static void str(struct em *m, const char *s)
{
	if (m->err)
		return;
	attach(m, plain_is_ambiguous(s) ? quoted_scalar(m, s)
					: fy_node_create_scalar_copy(m->doc, s, FY_NT));
}

static void key(struct em *m, const char *k)
{
	str(m, k);
}

static void num(struct em *m, uint64_t v)
{
	if (m->err)
		return;
	attach(m, fy_node_create_scalarf(m->doc, "%llu", (unsigned long long)v));
}

static void push(struct em *m, struct fy_node *n)
{
	if (m->err)
		return;
	if (m->depth >= ELEMENTSOF(m->stack)) {
		m->err = -E2BIG;
		return;
	}
	attach(m, n);
	if (m->err)
		return;
	m->pending_key[m->depth] = NULL;
	m->stack[m->depth++] = n;
}

static void map_start(struct em *m)
{
	push(m, m->err ? NULL : fy_node_create_mapping(m->doc));
}

static void seq_start(struct em *m, bool flow)
{
	(void)flow; /* the document API has no per-node style: every list is a block list */
	push(m, m->err ? NULL : fy_node_create_sequence(m->doc));
}

static void end_map(struct em *m)
{
	if (!m->err && m->depth)
		m->depth--;
}

static void end_seq(struct em *m)
{
	end_map(m);
}

static void kv_str(struct em *m, const char *k, const char *v)
{
	key(m, k);
	str(m, v);
}

static void kv_num(struct em *m, const char *k, uint64_t v)
{
	key(m, k);
	num(m, v);
}

/* Docker's includes/excludes "arches" hold Go's GOARCH names (compared with runtime.GOARCH). */
static const char *goarch(enum sc_arch a)
{
	switch (a) {
	case SC_ARCH_X86_64:
		return "amd64";
	case SC_ARCH_AARCH64:
		return "arm64";
	case SC_ARCH_X86:
		return "x86";
	case SC_ARCH_LOONGARCH64:
		return "loong64";
	case SC_ARCH_MIPSEL:
		return "mipsle";
	case SC_ARCH_MIPSEL64:
		return "mips64le";
	default:
		return sc_arch_info(a)->name;
	}
}

static void arch_list(struct em *m, const char *k, const enum sc_arch *v, size_t n, bool scmp,
		      bool flow)
{
	key(m, k);
	seq_start(m, flow);
	for (size_t i = 0; i < n; i++)
		str(m, scmp ? sc_arch_info(v[i])->scmp_name : sc_arch_info(v[i])->name);
	end_seq(m);
}

static bool cond_empty(const struct sc_cond *c)
{
	return !c->n_caps && !c->n_arches && !c->min_kernel;
}

static void cond(struct em *m, const char *k, const struct sc_cond *c)
{
	if (cond_empty(c))
		return;
	key(m, k);
	map_start(m);
	if (c->n_caps) {
		key(m, "caps");
		seq_start(m, false);
		for (size_t i = 0; i < c->n_caps; i++)
			str(m, c->caps[i]);
		end_seq(m);
	}
	if (c->n_arches) {
		key(m, "arches");
		seq_start(m, false);
		for (size_t i = 0; i < c->n_arches; i++)
			str(m, goarch(c->arches[i]));
		end_seq(m);
	}
	if (c->min_kernel)
		kv_str(m, "minKernel", c->min_kernel);
	end_map(m);
}

static void rule(struct em *m, const struct sc_rule *r, bool docker)
{
	map_start(m);
	key(m, "names");
	seq_start(m, false);
	for (size_t i = 0; i < r->n_names; i++)
		str(m, r->names[i]);
	end_seq(m);
	kv_str(m, "action", sc_action_to_string(r->action));
	if (r->has_errno)
		kv_num(m, "errnoRet", r->errno_ret);
	if (r->n_args) {
		key(m, "args");
		seq_start(m, false);
		for (size_t i = 0; i < r->n_args; i++) {
			map_start(m);
			kv_num(m, "index", r->args[i].index);
			kv_num(m, "value", r->args[i].value);
			kv_num(m, "valueTwo", r->args[i].value_two);
			kv_str(m, "op", sc_cmp_to_string(r->args[i].op));
			end_map(m);
		}
		end_seq(m);
	}
	if (docker) {
		if (r->comment)
			kv_str(m, "comment", r->comment);
		cond(m, "includes", &r->includes);
		cond(m, "excludes", &r->excludes);
	}
	end_map(m);
}

/* The seccomp fields OCI and SPO share, in the documented order. */
static void seccomp_body(struct em *m, const struct sc_profile *p, bool docker)
{
	kv_str(m, "defaultAction", sc_action_to_string(p->default_action));
	if (p->has_default_errno)
		kv_num(m, "defaultErrnoRet", p->default_errno);
	if (p->n_arches)
		arch_list(m, "architectures", p->arches, p->n_arches, true, false);
	if (docker && p->n_arch_map) {
		key(m, "archMap");
		seq_start(m, false);
		for (size_t i = 0; i < p->n_arch_map; i++) {
			map_start(m);
			kv_str(m, "architecture", sc_arch_info(p->arch_map[i].arch)->scmp_name);
			arch_list(m, "subArchitectures", p->arch_map[i].sub, p->arch_map[i].n_sub,
				  true, false);
			end_map(m);
		}
		end_seq(m);
	}
	if (p->flags) {
		key(m, "flags");
		seq_start(m, false);
		for (unsigned b = 0; b < 32; b++)
			if (p->flags & (1u << b) && sc_flag_to_string(1u << b))
				str(m, sc_flag_to_string(1u << b));
		end_seq(m);
	}
	if (p->listener_path)
		kv_str(m, "listenerPath", p->listener_path);
	if (p->listener_metadata)
		kv_str(m, "listenerMetadata", p->listener_metadata);
	key(m, "syscalls");
	seq_start(m, false);
	for (size_t i = 0; i < p->n_rules; i++)
		rule(m, &p->rules[i], docker);
	end_seq(m);
}

static bool has_docker_fields(const struct sc_profile *p)
{
	if (p->n_arch_map)
		return true;
	for (size_t i = 0; i < p->n_rules; i++)
		if (!cond_empty(&p->rules[i].includes) || !cond_empty(&p->rules[i].excludes))
			return true;
	return false;
}

static void metadata(struct em *m, const struct sc_profile *p, const char *suffix)
{
	const char *name = p->meta.name ? p->meta.name : "syscage-profile";

	key(m, "metadata");
	map_start(m);
	key(m, "name");
	if (suffix) {
		char *s = NULL;
		if (asprintf(&s, "%s-%s", name, suffix) < 0) {
			m->err = -ENOMEM;
			return;
		}
		str(m, s);
		free(s);
	} else {
		str(m, name);
	}
	if (p->meta.namespace)
		kv_str(m, "namespace", p->meta.namespace);
	end_map(m);
}

static void doc_start(struct em *m)
{
	if (m->err)
		return;
	m->depth = 0;
	m->doc = fy_document_create(&(struct fy_parse_cfg){ .flags = FYPCF_QUIET });
	if (!m->doc)
		m->err = -ENOMEM;
}

static void doc_end(struct em *m)
{
	char *text, *v;
	size_t len;

	if (!m->err) {
		text = fy_emit_document_to_string(m->doc, m->flags);
		if (!text) {
			m->err = -ENOMEM;
		} else {
			len = strlen(text);
			v = realloc(m->out, m->out_len + len + 1);
			if (!v) {
				m->err = -ENOMEM;
			} else {
				memcpy(v + m->out_len, text, len + 1);
				m->out = v;
				m->out_len += len;
			}
			free(text);
		}
	}
	fy_document_destroy(m->doc);
	m->doc = NULL;
}

/* The first rule's first name, for messages. */
static const char *rule_name(const struct sc_rule *r)
{
	return r->n_names ? r->names[0] : "(no name)";
}

/* For each rule of 'p', whether it is the fallback rule an allow-list implies
 * (sc_implicit_fallback_implied), which a KubeArmor policy leaves out and its reader puts
 * back: asked once per rule, for the check and the writer alike. NULL on ENOMEM. */
static bool *implied_rules(const struct sc_profile *p)
{
	bool *v = calloc(p->n_rules + 1, sizeof(*v));

	for (size_t i = 0; v && i < p->n_rules; i++)
		v[i] = sc_implicit_fallback_implied(p, &p->rules[i]);
	return v;
}

/* Whether write_kubearmor() would name any call: an allow-list's allowed ones, a block/audit
 * list's blocked or audited ones, the implied fallback rule left out. */
static bool kubearmor_names_any(const struct sc_profile *p, const bool *implied, bool allow_list)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		if (r->n_names == 0 || implied[i])
			continue;
		if (allow_list ? r->action == SC_ACT_ALLOW
			       : r->action == SC_ACT_ERRNO || r->action == SC_ACT_LOG)
			return true;
	}
	return false;
}

/* sc_profile_unfit() with 'implied' (implied_rules(), for KubeArmor) given. */
static int unfit(const struct sc_profile *p, enum sc_format format, const bool *implied, char *why,
		 size_t size)
{
	bool allow_list = p->default_action == SC_ACT_ERRNO;

#define UNFIT(...) return snprintf(why, size, __VA_ARGS__), -EOPNOTSUPP
	if (format == SC_FORMAT_OCI)
		return 0;
	if (has_docker_fields(p))
		UNFIT("it has Docker-only fields (archMap, a rule's includes or excludes), which "
		      "only OCI/Docker JSON holds: resolve them for a target first (syscage "
		      "convert --arch ARCH [--caps ...] [--kernel X.Y])");
	if (format == SC_FORMAT_SPO)
		return 0;
	/* KubeArmor: one action per policy, which implies the default (write_kubearmor). */
	if (p->default_action != SC_ACT_ERRNO && p->default_action != SC_ACT_ALLOW)
		UNFIT("its defaultAction is %s: a KubeArmor policy is an allow-list "
		      "(SCMP_ACT_ERRNO) or a block/audit list (SCMP_ACT_ALLOW)",
		      sc_action_to_string(p->default_action));
	if (p->has_default_errno && p->default_errno != EPERM)
		UNFIT("its defaultErrnoRet is %d: KubeArmor blocks with EPERM (1)",
		      p->default_errno);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		if (implied[i])
			continue; /* left out, and put back by the reader */
		if (r->n_args)
			UNFIT("the rule for %s has argument conditions, which KubeArmor cannot "
			      "express",
			      rule_name(r));
		if (r->has_errno && r->errno_ret != EPERM)
			UNFIT("the rule for %s answers errno %d: KubeArmor blocks with EPERM (1)",
			      rule_name(r), r->errno_ret);
		if (allow_list ? r->action != SC_ACT_ALLOW && r->action != SC_ACT_ERRNO
			       : r->action != SC_ACT_ERRNO && r->action != SC_ACT_LOG &&
					 r->action != SC_ACT_ALLOW)
			UNFIT("the rule for %s is %s, which a KubeArmor %s cannot hold (Allow, "
			      "Block: SCMP_ACT_ERRNO, Audit: SCMP_ACT_LOG)",
			      rule_name(r), sc_action_to_string(r->action),
			      allow_list ? "allow-list" : "block/audit list");
	}
	/* A policy names at least one call (its reader refuses an empty list): an allow-list
	 * that allows nothing, or a block/audit list that blocks and audits nothing, has no
	 * policy that says it. */
	if (!kubearmor_names_any(p, implied, allow_list))
		UNFIT(allow_list
			      ? "it allows no syscall, and a KubeArmor Allow policy names at "
				"least one"
			      : "it blocks and audits no syscall (its defaultAction allows every "
				"call), and a KubeArmor Block or Audit policy names at least one");
#undef UNFIT
	return 0;
}

int sc_profile_unfit(const struct sc_profile *p, enum sc_format format, char *why, size_t size)
{
	cleanup_free bool *implied = NULL;

	if (format == SC_FORMAT_KUBEARMOR) {
		implied = implied_rules(p);
		if (!implied)
			return snprintf(why, size, "out of memory"), -ENOMEM;
	}
	return unfit(p, format, implied, why, size);
}

int sc_profile_write_fallback_changed(const struct sc_profile *p, enum sc_format format,
				      const struct sc_fallback_call **ret, size_t max)
{
	if (!p || (!ret && max))
		return -EINVAL;
	if (format != SC_FORMAT_KUBEARMOR || p->default_action != SC_ACT_ERRNO)
		return 0;
	/* Left out, each call the allow-list denies otherwise than ERRNO(ENOSYS) while it allows
	 * the older call is read back ERRNO(ENOSYS): sc_implicit_fallback_broken's set. */
	return sc_implicit_fallback_broken(p, ret, max);
}

static int write_spo(struct em *m, const struct sc_profile *p)
{
	char why[256];

	if (sc_profile_unfit(p, SC_FORMAT_SPO, why, sizeof(why)) < 0)
		return -EOPNOTSUPP;
	doc_start(m);
	map_start(m);
	kv_str(m, "apiVersion", "security-profiles-operator.x-k8s.io/v1beta1");
	kv_str(m, "kind", "SeccompProfile");
	metadata(m, p, NULL);
	key(m, "spec");
	map_start(m);
	seccomp_body(m, p, false);
	end_map(m);
	end_map(m);
	doc_end(m);
	return 0;
}

static void selector(struct em *m, const struct sc_meta *meta)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };

	if (!meta->n_match_labels && !meta->n_match_exprs)
		return;
	key(m, "selector");
	map_start(m);
	if (meta->n_match_labels) {
		key(m, "matchLabels");
		map_start(m);
		for (size_t i = 0; i < meta->n_match_labels; i++)
			kv_str(m, meta->match_labels[i].key, meta->match_labels[i].value);
		end_map(m);
	}
	if (meta->n_match_exprs) {
		key(m, "matchExpressions");
		seq_start(m, false);
		for (size_t i = 0; i < meta->n_match_exprs; i++) {
			const struct sc_selector_expr *x = &meta->match_exprs[i];
			map_start(m);
			kv_str(m, "key", x->key ? x->key : "");
			kv_str(m, "operator",
			       (unsigned)x->op < ELEMENTSOF(ops) ? ops[x->op] : "In");
			if (x->n_values) {
				key(m, "values");
				seq_start(m, true);
				for (size_t j = 0; j < x->n_values; j++)
					str(m, x->values[j]);
				end_seq(m);
			}
			end_map(m);
		}
		end_seq(m);
	}
	end_map(m);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A KubeArmorSeccompPolicy has exactly one action, and it implies the default: Allow makes an
 * allow-list (default deny), Block/Audit a deny- or audit-list (default allow). So an
 * allow-list profile (defaultAction ERRNO) becomes one Allow policy, and a default-allow
 * profile becomes one document per action group (Block, Audit), separated by ---. Anything
 * else (argument filters, KILL/TRAP/TRACE/NOTIFY, a custom errno) has no KubeArmor form. */
static int write_kubearmor(struct em *m, const struct sc_profile *p)
{
	static const struct {
		enum sc_action action;
		const char *name, *suffix;
	} groups[] = {
		{ SC_ACT_ALLOW, "Allow", "allow" },
		{ SC_ACT_ERRNO, "Block", "block" },
		{ SC_ACT_LOG, "Audit", "audit" },
	};
	bool allow_list = p->default_action == SC_ACT_ERRNO;
	size_t n_groups = 0;
	/* The rule answering the fallback set ENOSYS is implied by an allow-list. */
	cleanup_free bool *implied = implied_rules(p);
	char why[256];

	if (!implied)
		return -ENOMEM;
	if (unfit(p, SC_FORMAT_KUBEARMOR, implied, why, sizeof(why)) < 0)
		return -EOPNOTSUPP;
	for (size_t g = 0; g < ELEMENTSOF(groups); g++)
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].action == groups[g].action && !implied[i] &&
			    (groups[g].action == SC_ACT_ALLOW) == allow_list) {
				n_groups++;
				break;
			}
	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		cleanup_free const char **names = NULL;
		size_t n = 0, total = 0;
		bool any = false;

		if ((groups[g].action == SC_ACT_ALLOW) != allow_list)
			continue; /* same as the implied default: nothing to say */
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].action == groups[g].action && !implied[i]) {
				any = true;
				total += p->rules[i].n_names;
			}
		if (!any) /* (an allow-list allows something: sc_profile_unfit) */
			continue;
		names = calloc(total + 1, sizeof(*names));
		if (!names)
			return -ENOMEM;
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].action == groups[g].action && !implied[i])
				for (size_t j = 0; j < p->rules[i].n_names; j++)
					names[n++] = p->rules[i].names[j];
		qsort(names, n, sizeof(*names), cmp_str);
		doc_start(m);
		map_start(m);
		kv_str(m, "apiVersion", "security.kubearmor.com/v1");
		kv_str(m, "kind", "KubeArmorSeccompPolicy");
		metadata(m, p, n_groups > 1 ? groups[g].suffix : NULL);
		key(m, "spec");
		map_start(m);
		if (p->meta.severity >= 0)
			kv_num(m, "severity", (uint64_t)p->meta.severity);
		selector(m, &p->meta);
		key(m, "seccomp");
		map_start(m);
		if (p->n_arches)
			arch_list(m, "arch", p->arches, p->n_arches, false, true);
		key(m, "syscalls");
		seq_start(m, true);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || !streq(names[i], names[i - 1]))
				str(m, names[i]);
		end_seq(m);
		kv_str(m, "action", groups[g].name);
		end_map(m);
		end_map(m);
		end_map(m);
		doc_end(m);
	}
	return 0;
}

int sc_profile_write_string(const struct sc_profile *p, enum sc_format format, char **ret)
{
	struct sc_profile *q = NULL;
	struct em m = { 0 };
	int r;

	if (!p || !ret || (unsigned)format >= _SC_FORMAT_COUNT)
		return -EINVAL;
	q = sc_profile_dup(p);
	if (!q)
		return -ENOMEM;
	r = sc_profile_normalize(q);
	if (r < 0)
		goto out;
	m.json = format == SC_FORMAT_OCI;
	m.flags = FYECF_INDENT_2 | FYECF_WIDTH_INF |
		  (m.json ? FYECF_MODE_JSON : FYECF_MODE_BLOCK | FYECF_DOC_START_MARK_ON);
	switch (format) {
	case SC_FORMAT_OCI:
		doc_start(&m);
		map_start(&m);
		seccomp_body(&m, q, true);
		end_map(&m);
		doc_end(&m);
		r = 0;
		break;
	case SC_FORMAT_SPO:
		r = write_spo(&m, q);
		break;
	default:
		r = write_kubearmor(&m, q);
		break;
	}
	if (r == 0 && m.err)
		r = m.err;
	if (r == 0 && (m.out_len == 0 || m.out[m.out_len - 1] != '\n')) {
		char *t = realloc(m.out, m.out_len + 2);
		if (!t) {
			r = -ENOMEM;
		} else {
			t[m.out_len++] = '\n';
			t[m.out_len] = 0;
			m.out = t;
		}
	}
	if (r == 0)
		*ret = TAKE_PTR(m.out);
	if (m.doc)
		fy_document_destroy(m.doc);
	free(m.out);
out:
	sc_profile_free(q);
	return r;
}

int sc_profile_write_file(const struct sc_profile *p, enum sc_format format, const char *path)
{
	cleanup_free char *s = NULL;
	int r;

	if (!path)
		return -EINVAL;
	r = sc_profile_write_string(p, format, &s);
	if (r < 0)
		return r;
	return sc_write_atomic(path, s, strlen(s), 0644);
}
