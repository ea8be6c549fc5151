#!/bin/bash
# syscage k8s bind | audit | manifests, end to end: golden outputs for a multi-document
# manifest (comments, quoting, flow style, a List, a CronJob, existing security contexts),
# binding changes nothing else (checked structurally with PyYAML where it is installed),
# errors with FILE:LINE:COL and nothing written, the audit report, and deploy/ (compiled in)
# equal to what `syscage k8s manifests` generates, options substituted everywhere.
. "$(dirname "$0")/lib.sh"
D=$SYSCAGE_SRCDIR/tests/data/k8s
cd "$D" || exit 1
P=policies

# --- bind: golden outputs --------------------------------------------------------------
expect "bind multi-document manifest" 0 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P
if cmp -s "$TMP/out" expected/multi.bound.yaml; then ok "bind output equals the golden file"
else not_ok "bind output equals the golden file"; diff expected/multi.bound.yaml "$TMP/out" | head -20 | sed 's/^/# /'; fi
err_has "unmatched workloads listed with file:line:col" '^manifests/multi.yaml:101:1: note: DaemonSet monitoring/node-exporter matches no policy'
err_has "summary counts" '8 workloads in 1 file: 5 bound, 3 unmatched'
cp "$TMP/out" "$TMP/bound.yaml"

expect "bind --drop-caps --legacy-annotations" 0 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P --drop-caps --legacy-annotations -q
if cmp -s "$TMP/out" expected/multi.bound-all.yaml; then ok "all-options output equals the golden file"
else not_ok "all-options output equals the golden file"; diff expected/multi.bound-all.yaml "$TMP/out" | head -20 | sed 's/^/# /'; fi

expect "bind a JSON manifest" 0 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P -q
if cmp -s "$TMP/out" expected/deploy.bound.json; then ok "JSON output equals the golden file"; else not_ok "JSON output equals the golden file"; fi
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" 2>/dev/null; then ok "JSON output is still JSON"; else not_ok "JSON output is still JSON"; fi

expect "bind 'kubectl get -o yaml' output (List, block scalars, status)" 0 "$SYSCAGE" k8s bind -f manifests/kubectl-list.yaml -p $P --legacy-annotations -q
if cmp -s "$TMP/out" expected/kubectl-list.bound.yaml; then ok "List output equals the golden file"; else not_ok "List output equals the golden file"; fi

expect "binding again" 0 "$SYSCAGE" k8s bind -f "$TMP/bound.yaml" -p $P -q
if cmp -s "$TMP/out" "$TMP/bound.yaml"; then ok "binding twice changes nothing"; else not_ok "binding twice changes nothing"; fi

expect "stdin" 0 sh -c "\"$SYSCAGE\" k8s bind -f - -p $P -q < manifests/multi.yaml"
if cmp -s "$TMP/out" expected/multi.bound.yaml; then ok "stdin gives the same output"; else not_ok "stdin gives the same output"; fi

# Structural check: parse input and output; the only differences are the keys binding owns.
if python3 -c 'import yaml' 2>/dev/null; then
	cat >"$TMP/diff.py" <<'PY'
import sys, yaml
def walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            walk(a.get(k, "<absent>"), b.get(k, "<absent>"), path + [str(k)], out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, path + [str(i)], out)
    elif a != b:
        out.append(path)
old = list(yaml.safe_load_all(open(sys.argv[1])))
new = list(yaml.safe_load_all(open(sys.argv[2])))
assert len(old) == len(new), "document count changed"
changed = []
walk(old, new, [], changed)
owned = ("securityContext", "annotations")
bad = [p for p in changed if not any(k in p for k in owned)]
# Annotations binding owns are only the seccomp ones.
bad += [p for p in changed if "annotations" in p and "seccomp" not in p[-1] and p[-1] != "annotations"]
print(len(changed), "changed paths")
for p in bad:
    print("unexpected change:", "/".join(p))
sys.exit(1 if bad or not changed else 0)
PY
	for g in multi.bound.yaml multi.bound-all.yaml deploy.bound.json kubectl-list.bound.yaml; do
		src=manifests/multi.yaml
		[ "$g" = deploy.bound.json ] && src=manifests/deploy.json
		[ "$g" = kubectl-list.bound.yaml ] && src=manifests/kubectl-list.yaml
		expect "only securityContext and seccomp annotations change ($g)" 0 python3 "$TMP/diff.py" "$src" "expected/$g"
	done
else
	skip "structural diff: python3 yaml module (Debian python3-yaml) not installed"
fi

# The bound workloads pass the audit (unmatched ones are left as they were).
expect "audit the bound JSON manifest" 0 "$SYSCAGE" k8s audit -f expected/deploy.bound.json
expect "audit the bound multi-document manifest" 1 "$SYSCAGE" k8s audit -f expected/multi.bound.yaml -o json
if python3 - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [w["name"] for w in r["workloads"]
       if w["podSeccompProfile"] and (w["podSeccompProfile"].get("localhostProfile") or "").startswith("syscage/shop/web")
       and not w["restricted"]]
bound = [w for w in r["workloads"] if any((c["effective"].get("localhostProfile") or "").startswith("syscage/") for c in w["containers"])]
sys.exit(1 if bad or len(bound) < 5 else 0)
PY
then ok "every bound workload is restricted"; else not_ok "every bound workload is restricted"; fi

# --- bind: directories ------------------------------------------------------------------
mkdir -p "$TMP/in/sub"
cp manifests/multi.yaml "$TMP/in/"
cp manifests/deploy.json "$TMP/in/sub/"
echo "not a manifest" >"$TMP/in/README.txt"
expect "-f DIR -o DIR mirrors the tree" 0 "$SYSCAGE" k8s bind -f "$TMP/in" -p $P -o "$TMP/outdir" -q
if cmp -s "$TMP/outdir/multi.yaml" expected/multi.bound.yaml && cmp -s "$TMP/outdir/sub/deploy.json" expected/deploy.bound.json && [ ! -e "$TMP/outdir/README.txt" ]; then
	ok "mirrored files equal the golden files"
else
	not_ok "mirrored files equal the golden files"
fi
expect "-f DIR/ -o DIR/ (trailing slashes)" 0 "$SYSCAGE" k8s bind -f "$TMP/in/" -p $P -o "$TMP/outdir2/"
err_has "file names without //" "^$TMP/in/multi.yaml:101:1: note"
if cmp -s "$TMP/outdir2/sub/deploy.json" expected/deploy.bound.json; then ok "mirrored with trailing slashes"; else not_ok "mirrored with trailing slashes"; fi
expect "-f DIR without -o is a usage error" 2 "$SYSCAGE" k8s bind -f "$TMP/in" -p $P
expect "-o FILE writes atomically" 0 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P -o "$TMP/o.yaml" -q
if cmp -s "$TMP/o.yaml" expected/multi.bound.yaml; then ok "-o FILE content"; else not_ok "-o FILE content"; fi

# --- bind: --require-all, --root, merges the agent does not make -------------------------------
expect "--require-all fails on unmatched workloads" 1 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P --require-all -o "$TMP/ra.yaml"
err_has "--require-all names them as errors" '^manifests/multi.yaml:117:1: error: Job shop/db-debug matches no policy'
if [ ! -e "$TMP/ra.yaml" ]; then ok "--require-all wrote nothing"; else not_ok "--require-all wrote nothing"; fi
expect "--require-all passes when all match" 0 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P --require-all -q

expect "--root other" 0 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P --root team
out_has "--root prefixes localhostProfile" '"localhostProfile": "team/shop/deployment_web-json.json"'
expect "--root with / is refused (the agent's root is one directory)" 2 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P --root team/profiles
expect "--root with .. is refused" 2 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P --root ../etc
expect "--root absolute is refused" 2 "$SYSCAGE" k8s bind -f manifests/deploy.json -p $P --root /etc

# Different selectors selecting one workload are normal: it gets its own path, the agent
# (and the policy build, its layout) install there the merge of every policy selecting it.
cp -r $P "$TMP/pol"
expect "two selectors: bound" 0 "$SYSCAGE" k8s bind -f manifests/merged.yaml -p "$TMP/pol" --bindings "$TMP/pol/bindings.yaml" -o "$TMP/m.yaml"
if grep -q 'localhostProfile: syscage/shop/pod_web-cache.json' "$TMP/m.yaml"; then ok "bound to the workload's own path"; else not_ok "bound to the workload's own path"; fi
if grep -q 'kind: SeccompBinding' "$TMP/pol/bindings.yaml" && grep -q 'localhostProfile: syscage/shop/pod_web-cache.json' "$TMP/pol/bindings.yaml"; then
	ok "--bindings writes the workload's binding"; else not_ok "--bindings writes the workload's binding"; fi
cp "$TMP/pol/bindings.yaml" "$TMP/b1.yaml"
mkdir -p "$TMP/typo" && cp -r $P/. "$TMP/typo/"
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata: {name: typo, namespace: shop}\nspec: {selector: {matchLabels: {app: wbe}}, seccomp: {syscalls: [read], action: Allow}}\n' >"$TMP/typo/typo.yaml"
expect "a policy selecting none of the workloads" 0 "$SYSCAGE" k8s bind -f manifests/merged.yaml -p "$TMP/typo"
err_has "... is a note at the policy" "typo.yaml:1:1: note: KubeArmorSeccompPolicy shop/typo selects none of these workloads"
expect "binding again" 0 "$SYSCAGE" k8s bind -f manifests/merged.yaml -p "$TMP/pol" --bindings "$TMP/pol/bindings.yaml" -q
if cmp -s "$TMP/b1.yaml" "$TMP/pol/bindings.yaml"; then ok "the same manifests give the same bindings file"; else not_ok "the same manifests give the same bindings file"; fi
expect "the policy build (the agent's layout) installs the bound path" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/pb" -q
if [ -f "$TMP/pb/shop/pod_web-cache.json" ]; then ok "shop/pod_web-cache.json exists"; else not_ok "shop/pod_web-cache.json exists"; fi
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
acts = {}
for r in d["syscalls"]:
    for n in r["names"]:
        acts[n] = r["action"]
print(" ".join("%s=%s" % (n, acts.get(n, "-")) for n in ("read", "fsync", "accept4", "ptrace")))
' "$TMP/pb/shop/pod_web-cache.json")
[ "$got" = "read=SCMP_ACT_ALLOW fsync=SCMP_ACT_ALLOW accept4=SCMP_ACT_ALLOW ptrace=SCMP_ACT_ERRNO" ] \
	&& ok "its content is the merge of the three policies that select it" || { not_ok "merged content"; echo "# $got"; }
rm "$TMP/pb/shop/pod_web-cache.json"
# Delete a policy: the path stays, the content changes.
python3 - "$TMP/pol/shop.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
open(sys.argv[1], "w").write("\n---\n".join(d for d in docs if "name: db\n" not in d))
PY
expect "bind after deleting a policy" 0 "$SYSCAGE" k8s bind -f "$TMP/m.yaml" -p "$TMP/pol" --bindings "$TMP/pol/bindings.yaml" -q
out_has "the bound path did not move" 'localhostProfile: syscage/shop/pod_web-cache.json'
if cmp -s "$TMP/b1.yaml" "$TMP/pol/bindings.yaml"; then ok "nor did the binding"; else not_ok "nor did the binding"; fi
expect "policy build after deleting a policy" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/pb" -q
if [ -f "$TMP/pb/shop/pod_web-cache.json" ] && ! grep -q fsync "$TMP/pb/shop/pod_web-cache.json"; then
	ok "same path, the deleted policy's syscalls gone"; else not_ok "same path, the deleted policy's syscalls gone"; fi
# Two workloads on one path.
{
	cat manifests/merged.yaml
	printf -- '---\nkind: Pod\napiVersion: v1\nmetadata: {name: other, namespace: shop, labels: {app: web}}\n'
	printf 'spec:\n  securityContext: {seccompProfile: {type: Localhost, localhostProfile: syscage/shop/pod_web-cache.json}}\n'
	printf '  containers: [{name: a}]\n'
} >"$TMP/clash.yaml"
expect "two workloads on one path" 1 "$SYSCAGE" k8s bind -f "$TMP/clash.yaml" -p "$TMP/pol" -o "$TMP/clash.out" --bindings "$TMP/clash.b"
err_has "... located, naming both" 'error: Pod shop/(other|web-cache) would share profile syscage/shop/pod_web-cache.json'
if [ ! -e "$TMP/clash.out" ] && [ ! -e "$TMP/clash.b" ]; then ok "nothing written"; else not_ok "nothing written"; fi

# --- bind: errors with locations, nothing written ---------------------------------------
expect "missing profile is an error" 1 "$SYSCAGE" k8s bind -f bad/missing-profile.yaml -p $P -o "$TMP/x.yaml"
err_has "missing profile located at localhostProfile" "^bad/missing-profile.yaml:12:25: error: Pod shop/violation: profile 'syscage/shop/nope.json' is not produced"
err_has "profile outside the root is a warning" "^bad/missing-profile.yaml:30:29: warning: Pod shop/audit: profile 'profiles/audit.json' is outside 'syscage/'"
if [ ! -e "$TMP/x.yaml" ]; then ok "nothing written on error"; else not_ok "nothing written on error"; fi
expect "not YAML" 1 "$SYSCAGE" k8s bind -f bad/not-yaml.yaml -p $P
err_has "syntax error located" '^bad/not-yaml.yaml:4:5: error: syntax error'
expect "workload without a pod spec" 1 "$SYSCAGE" k8s audit -f bad/no-spec.yaml
err_has "missing spec located" '^bad/no-spec.yaml:1:1: error: Deployment default/broken: spec.template.spec is missing'
err_has "non-mapping container located" '^bad/no-spec.yaml:13:16: error: Pod default/bad-containers: a container must be a mapping'
expect "privileged container" 1 "$SYSCAGE" k8s bind -f bad/privileged.yaml -p $P
err_has "privileged located" '^bad/privileged.yaml:9:7: error: Pod shop/priv: container is privileged'
# bind writes as it goes, into a temp file beside the target: an error in a later document
# leaves the target as it was, no temp file, no bindings, nothing on stdout.
{ cat manifests/multi.yaml; printf "\n---\n"; cat bad/privileged.yaml; } >"$TMP/late-error.yaml"
echo old >"$TMP/keep.yaml"
expect "an error in the last document" 1 "$SYSCAGE" k8s bind -f "$TMP/late-error.yaml" -p $P -o "$TMP/keep.yaml" --bindings "$TMP/keep.b"
err_has "... located" 'late-error.yaml:[0-9]+:7: error: Pod shop/priv: container is privileged'
if [ "$(cat "$TMP/keep.yaml")" = old ] && [ ! -e "$TMP/keep.b" ]; then ok "... the target kept, no bindings"; else not_ok "... the target kept, no bindings"; fi
if ! ls -a "$TMP" | grep -q 'sctmp'; then ok "... no temp file left"; else not_ok "... no temp file left"; ls -a "$TMP" | sed 's/^/# /'; fi
expect "... to stdout" 1 "$SYSCAGE" k8s bind -f "$TMP/late-error.yaml" -p $P
if [ ! -s "$TMP/out" ]; then ok "... nothing on stdout"; else not_ok "... nothing on stdout"; fi
expect "... into a directory to make" 1 "$SYSCAGE" k8s bind -f "$TMP/late-error.yaml" -p $P -o "$TMP/newdir/sub/x.yaml"
if [ ! -e "$TMP/newdir" ]; then ok "... the directory not made"; else not_ok "... the directory not made"; fi
expect "bind into a directory to make" 0 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P -q -o "$TMP/newdir/sub/x.yaml"
if cmp -s "$TMP/newdir/sub/x.yaml" expected/multi.bound.yaml && [ "$(stat -c %a "$TMP/newdir/sub/x.yaml")" = 644 ]; then ok "... made, the output in it (0644)"; else not_ok "... made, the output in it (0644)"; fi
if ! ls -a "$TMP/newdir/sub" | grep -q 'sctmp'; then ok "... no temp file left"; else not_ok "... no temp file left"; fi
# -f DIR -o OUTDIR that cannot be made (its parent is a file): refused before anything is
# written, the bindings file too (it was written first, then OUTDIR could not be made).
# Missing parents are made, as for every -o.
mkdir -p "$TMP/din" && cp manifests/multi.yaml "$TMP/din/" && : >"$TMP/afile"
expect "an output directory that cannot be made" 1 "$SYSCAGE" k8s bind -f "$TMP/din" -p $P -q -o "$TMP/afile/out" --bindings "$TMP/din.b"
err_has "... said" "cannot (create|write) $TMP/afile/out"
if [ ! -e "$TMP/din.b" ]; then ok "... no bindings written"; else not_ok "... no bindings written"; fi
# A manifest is read through a mapping given back as it is read (in pieces of lines for the
# text check): a bad byte past the first MiB is still located; a file of a whole number of
# pages (no room for the NUL after it) is read instead, with the same result.
{ for i in $(seq 60000); do echo "# line $i of padding"; done; printf 'kind: Pod\nmetadata: {name: p}\n# caf\xe9\n'; } >"$TMP/big-latin1.yaml"
expect "invalid UTF-8 past the first MiB" 1 "$SYSCAGE" k8s audit -f "$TMP/big-latin1.yaml"
err_has "... located" 'big-latin1.yaml:60003:6: error: invalid UTF-8'
python3 -c 'import sys; t = open(sys.argv[1]).read(); sys.stdout.write(t + "\n#" + "x" * (4096 * 3 - len(t) - 3) + "\n")' manifests/multi.yaml >"$TMP/pages.yaml"
if [ "$(stat -c %s "$TMP/pages.yaml")" = 12288 ]; then ok "a file of three pages"; else not_ok "a file of three pages"; fi
expect "... binds" 0 "$SYSCAGE" k8s bind -f "$TMP/pages.yaml" -p $P -q -o "$TMP/pages.out"
expect "... as stdin does" 0 sh -c "\"$SYSCAGE\" k8s bind -f - -p $P -q < \"$TMP/pages.yaml\""
if cmp -s "$TMP/out" "$TMP/pages.out"; then ok "... the same output"; else not_ok "... the same output"; fi
expect "missing file" 1 "$SYSCAGE" k8s bind -f nonexistent.yaml -p $P
err_has "missing file named" 'nonexistent.yaml: error: cannot read'
# Duplicate keys: the API server refuses the object; which one a reader takes is a guess, so
# audit reports no verdict on it and bind edits nothing.
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: dup, namespace: shop, labels: {app: web}}\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, securityContext: {allowPrivilegeEscalation: false}}]\n  securityContext: {}\n' >"$TMP/dup.yaml"
expect "audit refuses duplicate keys" 1 "$SYSCAGE" k8s audit -f "$TMP/dup.yaml"
err_has "... located" "dup.yaml:7:3: error: duplicate key 'securityContext' \\(first at line 5\\)"
if ! grep -q restricted "$TMP/out"; then ok "... and no verdict"; else not_ok "... and no verdict"; fi
expect "bind refuses duplicate keys" 1 "$SYSCAGE" k8s bind -f "$TMP/dup.yaml" -p $P -o "$TMP/dup.out"
err_has "... located" "dup.yaml:7:3: error: duplicate key 'securityContext'"
if [ ! -e "$TMP/dup.out" ]; then ok "nothing written"; else not_ok "nothing written"; fi
# Aliases and '<<' merge keys (#16.2, #16.12): read as Kubernetes reads them (go-yaml v2), so
# the verdict is about the object the API server builds; bind refuses to edit shared text.
printf 'apiVersion: v1\nkind: List\nitems: *x\n' >"$TMP/noanchor.yaml"
expect "audit: an alias without an anchor is an error, not 0 workloads" 1 "$SYSCAGE" k8s audit -f "$TMP/noanchor.yaml"
err_has "... located" "noanchor.yaml:3:8: error: alias '\\*x' has no anchor before it"
printf 'apiVersion: v1\nkind: List\nx: &pods\n- kind: Pod\n  apiVersion: v1\n  metadata: {name: p, namespace: shop, labels: {app: web}}\n  spec: {containers: [{name: a}]}\nitems: *pods\n' >"$TMP/items.yaml"
expect "audit: items through an alias are read" 1 "$SYSCAGE" k8s audit -f "$TMP/items.yaml"
out_has "... the pod is found" '^1 workload: 0 restricted, 1 not'
expect "bind: a workload reached through an alias is refused" 1 "$SYSCAGE" k8s bind -f "$TMP/items.yaml" -p $P -o "$TMP/items.out"
err_has "... located, saying what to write" "items.yaml:7:9: error: Pod shop/p: cannot edit a node reached through a YAML alias or a '<<' merge key .*: write it out in full here"
if [ ! -e "$TMP/items.out" ]; then ok "nothing written"; else not_ok "nothing written"; fi
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: m, namespace: shop, labels: {app: web}}\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false}\n    <<: {securityContext: {seccompProfile: {type: Unconfined}}}\n' >"$TMP/mergebefore.yaml"
expect "audit: a key before the '<<' that merges it too is refused" 1 "$SYSCAGE" k8s audit -f "$TMP/mergebefore.yaml"
err_has "... located" "mergebefore.yaml:8:5: error: key 'securityContext' is set before the '<<' merge key that sets it too \\(line 9\\)"
if ! grep -q restricted "$TMP/out"; then ok "... and no verdict"; else not_ok "... and no verdict"; fi
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: m, namespace: shop, labels: {app: web}}\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - <<: {securityContext: {allowPrivilegeEscalation: false, seccompProfile: {type: Unconfined}}}\n    name: a\n' >"$TMP/merge.yaml"
expect "audit: a '<<' merge key setting Unconfined is not restricted" 1 "$SYSCAGE" k8s audit -f "$TMP/merge.yaml"
out_has "... Unconfined reported" 'Pod shop/m: container a: seccompProfile type is Unconfined'
out_has "... 0 restricted" '^1 workload: 0 restricted, 1 not'
expect "bind: a merged securityContext is refused" 1 "$SYSCAGE" k8s bind -f "$TMP/merge.yaml" -p $P -o "$TMP/merge.out"
err_has "... located" "merge.yaml:7:[0-9]*: error: Pod shop/m: cannot edit a node reached through a YAML alias or a '<<' merge key"
if [ ! -e "$TMP/merge.out" ]; then ok "nothing written"; else not_ok "nothing written"; fi
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: i, namespace: shop}\nspec:\n  x: &cs {name: a}\n  initContainers: *cs\n  containers: [{name: b}]\n' >"$TMP/initalias.yaml"
expect "audit: an aliased mapping where a list must be" 1 "$SYSCAGE" k8s audit -f "$TMP/initalias.yaml"
err_has "... at the alias, and right" "initalias.yaml:6:19: error: Pod shop/i: initContainers must be a list"
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: i, namespace: shop}\nspec:\n  x: &cs [{name: a, securityContext: {allowPrivilegeEscalation: false}}]\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  initContainers: *cs\n  containers: *cs\n' >"$TMP/listalias.yaml"
expect "audit: aliased container lists are read (#16.12)" 0 "$SYSCAGE" k8s audit -f "$TMP/listalias.yaml"
out_has "... restricted" '^1 workload: 1 restricted, 0 not'
python3 -c '
print("kind: List\na: &c [" + ",".join(["{name: x}"] * 50) + "]")
print("p: &p {kind: Pod, metadata: {name: p}, spec: {containers: *c, initContainers: *c}}")
for i in (1, 2, 3):
    print("l%d: &l%d {kind: List, items: [%s]}" % (i, i, ",".join(["*" + ("l%d" % (i - 1) if i > 1 else "p")] * 200)))
print("kind2: x\nitems: [" + ",".join(["*l3"] * 200) + "]")' | sed '/^kind2/d' >"$TMP/bomb.yaml"
expect "audit: aliases repeating workloads are bounded" 1 timeout 20 "$SYSCAGE" k8s audit -f "$TMP/bomb.yaml"
err_has "... said" "bomb.yaml:1:1: error: too many workloads and containers once YAML aliases are resolved"
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  hostname:\n  !  web' >"$TMP/tagline.yaml"
expect "bind refuses a tagged value no deeper than its key (found by fuzz-k8s)" 1 "$SYSCAGE" k8s bind -f "$TMP/tagline.yaml" -p $P -o "$TMP/tagline.out"
err_has "... located at the tag" "tagline.yaml:6:3: error: a value on a line of its own must be indented more than its key"
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  hostname:\n   &a\n  web' >"$TMP/anchorline.yaml"
expect "bind refuses a value no deeper than its key after a deeper anchor (found by fuzz-k8s)" 1 "$SYSCAGE" k8s bind -f "$TMP/anchorline.yaml" -p $P -o "$TMP/anchorline.out"
err_has "... located at the value" "anchorline.yaml:7:3: error: a value on a line of its own must be indented more than its key"
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  containers: [ ! : {} ]\n' >"$TMP/tagkey.yaml"
expect "bind refuses an empty key with a tag (found by fuzz-k8s)" 1 "$SYSCAGE" k8s bind -f "$TMP/tagkey.yaml" -p $P -o "$TMP/tagkey.out"
err_has "... located at the tag" "tagkey.yaml:5:17: error: an empty key \\(with only a tag or anchor\\)"
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  containers: [ !!str name: a ]\n' >"$TMP/tagbare.yaml"
expect "bind refuses a brace-less pair whose key has a tag (its '{' would take the tag; found by fuzz-k8s)" 1 "$SYSCAGE" k8s bind -f "$TMP/tagbare.yaml" -p $P -o "$TMP/tagbare.out"
err_has "... located" "tagbare.yaml:5:23: error: Pod shop/web: cannot add keys to a one-pair flow mapping without braces whose key has a tag or an anchor: write it in braces"
if [ ! -e "$TMP/tagbare.out" ]; then ok "nothing written"; else not_ok "nothing written"; fi
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  hostname: |\n  containers: [{name: a}]\n' >"$TMP/block.yaml"
expect "bind refuses a block scalar libfyaml misreads" 1 "$SYSCAGE" k8s bind -f "$TMP/block.yaml" -p $P -o "$TMP/block.out"
err_has "... located" "block.yaml:6:3: error: a block scalar's text must be indented more than its key"
if [ ! -e "$TMP/block.out" ]; then ok "nothing written"; else not_ok "nothing written"; fi
printf 'kind: Pod\napiVersion: v1\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [name: a, {name: b, x}]}\n' >"$TMP/flow.yaml"
expect "bind odd flow pairs" 0 "$SYSCAGE" k8s bind -f "$TMP/flow.yaml" -p $P -o "$TMP/flow.out" -q
expect "... binding the output again" 0 "$SYSCAGE" k8s bind -f "$TMP/flow.out" -p $P -q
if cmp -s "$TMP/out" "$TMP/flow.out"; then ok "changes nothing"; else not_ok "changes nothing"; diff "$TMP/flow.out" "$TMP/out" | sed 's/^/# /'; fi
out_has "... braces around the pair, the pair after the colonless key" '\[\{name: a, securityContext: \{allowPrivilegeEscalation: false\}\}, \{name: b, x, securityContext: '
expect "bad policies directory" 1 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p "$TMP/nonexistent"
printf 'kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: x}]}\n# caf\xe9\n---\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n' >"$TMP/latin1.yaml"
expect "invalid UTF-8 in a comment is an error, not the end of the manifest" 1 "$SYSCAGE" k8s audit -f "$TMP/latin1.yaml"
err_has "... located" 'latin1.yaml:4:6: error: invalid UTF-8'
printf 'a: 1\n%%\xff\n' >"$TMP/directive.yaml"
expect "invalid UTF-8 in a directive (libfyaml would hang)" 1 timeout 10 "$SYSCAGE" k8s audit -f "$TMP/directive.yaml"
expect "bind without --policies" 2 "$SYSCAGE" k8s bind -f manifests/multi.yaml
expect "unknown subcommand" 2 "$SYSCAGE" k8s frobnicate

# --- audit ------------------------------------------------------------------------------
expect "audit finds what is not restricted" 1 "$SYSCAGE" k8s audit -f audit/pods.yaml
out_has "Unconfined pod" '^audit/pods.yaml:14:1: Pod shop/unconfined-pod: pod: seccompProfile type is Unconfined'
out_has "Unconfined container" 'Pod shop/unconfined-container: container app: seccompProfile type is Unconfined'
out_has "no profile at all" 'Pod default/nothing: container app: no seccompProfile'
out_has "privilege escalation unset" 'Pod default/nothing: container app: allowPrivilegeEscalation is unset'
out_has "Localhost without a path" 'Pod shop/localhost-no-path: pod: seccompProfile type Localhost without localhostProfile'
out_has "init container escalation" 'Deployment shop/init-escalates: init container setup: allowPrivilegeEscalation is not false'
out_has "summary" '^6 workloads: 1 restricted, 5 not$'
expect "audit -o json" 1 "$SYSCAGE" k8s audit -f audit/pods.yaml -o json
if python3 - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w = {x["name"]: x for x in r["workloads"]}
assert r["summary"] == {"workloads": 6, "restricted": 1, "notRestricted": 5, "findings": 6}, r["summary"]
g = w["good"]
assert g["restricted"] and g["findings"] == [] and g["line"] == 2 and g["kind"] == "Pod"
c = g["containers"][0]
assert c["image"] == "app:1" and c["command"] == ["/app", "--serve"] and c["args"] is None
assert c["effective"] == {"type": "RuntimeDefault"} and c["seccompProfile"] is None
assert c["allowPrivilegeEscalation"] is False
u = w["unconfined-container"]["containers"][0]
assert u["effective"]["type"] == "Unconfined" and u["args"] == ["-v"]
assert w["nothing"]["containers"][0]["effective"] == {"type": "unset"}
assert w["nothing"]["podSeccompProfile"] is None and w["nothing"]["namespace"] == "default"
i = w["init-escalates"]["containers"][0]
assert i["init"] is True and i["allowPrivilegeEscalation"] is True
assert w["localhost-no-path"]["podSeccompProfile"] == {"type": "Localhost", "localhostProfile": None}
PY
then ok "JSON report follows the contract"; else not_ok "JSON report follows the contract"; fi
# The pre-1.19 annotations (#15.11; seed 002's pods): the kubelet ignores them since 1.25.
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: audit-pod\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\n    container.seccomp.security.alpha.kubernetes.io/b: localhost/profiles/b.json\nspec:\n  containers:\n  - name: test-container\n    securityContext:\n      allowPrivilegeEscalation: false\n  - name: b\n    securityContext: {allowPrivilegeEscalation: false}\n' >"$TMP/legacy.yaml"
expect "audit: annotation only is not restricted" 1 "$SYSCAGE" k8s audit -f "$TMP/legacy.yaml"
out_has "... the pod annotation named" '^[^ ]*legacy.yaml:1:1: Pod default/audit-pod: container test-container: no seccompProfile, only the annotation seccomp.security.alpha.kubernetes.io/pod: runtime/default \(deprecated in 1.19; the kubelet ignores it since 1.25, and a static pod gets nothing from it\): set securityContext.seccompProfile$'
out_has "... the container annotation named" 'container b: no seccompProfile, only the annotation container.seccomp.security.alpha.kubernetes.io/b: localhost/profiles/b.json \(deprecated'
expect "audit -o json: annotation only" 1 "$SYSCAGE" k8s audit -f "$TMP/legacy.yaml" -o json
out_has "... in JSON" '"allowPrivilegeEscalation":false,"legacyAnnotation":\{"key":"container.seccomp.security.alpha.kubernetes.io/b","value":"localhost/profiles/b.json","ignoredByKubeletSince":"1.25"\}\}'
expect "audit -o bad" 2 "$SYSCAGE" k8s audit -f audit/pods.yaml -o yaml
expect "audit -n sets the default namespace" 1 "$SYSCAGE" k8s audit -f audit/pods.yaml -n team
out_has "namespace applied" 'Pod team/nothing'
expect "audit unknown kinds only" 0 sh -c "printf 'kind: Service\nmetadata: {name: s}\n' | \"$SYSCAGE\" k8s audit -f -"
out_has "no workloads" '^0 workloads: 0 restricted, 0 not$'

# --- manifests --------------------------------------------------------------------------
expect "manifests -o DIR" 0 "$SYSCAGE" k8s manifests -o "$TMP/deploy"
if diff -r -x profiles "$SYSCAGE_SRCDIR/deploy" "$TMP/deploy" >"$TMP/drift"; then
	ok "deploy/ equals 'syscage k8s manifests -o DIR' (no drift)"
else
	not_ok "deploy/ equals 'syscage k8s manifests -o DIR' (no drift): the build compiles deploy/ in (tools/gen-deploy-files): rebuild"
	head -20 "$TMP/drift" | sed 's/^/# /'
fi
# deploy/ is the source: every default in it is an option's.
expect "manifests with every option" 0 "$SYSCAGE" k8s manifests -o "$TMP/deploy2" -n team --image reg.example/sc:1 --kubelet-root /data/kubelet
if ! grep -rqE 'syscage-system|localhost/syscage:latest|/var/lib/kubelet' "$TMP/deploy2" &&
	[ "$(grep -rc 'team' "$TMP/deploy2/daemonset.yaml")" = 3 ] && grep -q '^namespace: team$' "$TMP/deploy2/kustomization.yaml" &&
	[ "$(grep -c 'image: reg.example/sc:1$' "$TMP/deploy2/daemonset.yaml")" = 2 ] &&
	[ "$(grep -c '/data/kubelet' "$TMP/deploy2/daemonset.yaml")" = 5 ] &&
	grep -q '^  namespace: team$' "$TMP/deploy2/resourcequota.yaml" && grep -q '^  namespace: team$' "$TMP/deploy2/networkpolicy.yaml"; then
	ok "... every default replaced, in every place"
else
	not_ok "... every default replaced, in every place"
fi
expect "manifests to stdout" 0 "$SYSCAGE" k8s manifests
cp "$TMP/out" "$TMP/stream.yaml"
if python3 - "$TMP/stream.yaml" "$SYSCAGE_SRCDIR/deploy" <<'PY'
import sys
stream = open(sys.argv[1]).read()
docs = stream.split("\n---\n")
for f in ("namespace.yaml", "resourcequota.yaml", "networkpolicy.yaml", "daemonset.yaml"):
    text = open(sys.argv[2] + "/" + f).read()
    assert any(d + "\n" == text or d == text for d in docs), f
assert "kind: ConfigMap" in stream and "name: syscage-policies" in stream
PY
then ok "the stream holds deploy/'s Namespace, ResourceQuota, NetworkPolicy and DaemonSet byte for byte"; else not_ok "the stream holds deploy/'s Namespace, ResourceQuota, NetworkPolicy and DaemonSet byte for byte"; fi
expect "the DaemonSet passes our own audit" 0 "$SYSCAGE" k8s audit -f "$SYSCAGE_SRCDIR/deploy/daemonset.yaml"
expect "the example policy builds" 0 "$SYSCAGE" policy build "$SYSCAGE_SRCDIR/deploy/policies" -o "$TMP/ex" -q
expect "manifests with flags" 0 "$SYSCAGE" k8s manifests --image reg.example/syscage:1 --kubelet-root /var/lib/k0s/kubelet --namespace sec
out_has "image" '^          image: reg.example/syscage:1$'
out_has "hostPath follows the kubelet root" '^            path: /var/lib/k0s/kubelet/seccomp$'
out_has "the agent's own profile in its namespace" 'localhostProfile: syscage/sec/syscage-agent.json'
out_has "agent flags" '^            - --kubelet-root$'
echo '{"defaultAction": "SCMP_ACT_ERRNO"}' >"$TMP/agent.json"
expect "manifests --agent-profile" 0 "$SYSCAGE" k8s manifests --agent-profile "$TMP/agent.json"
out_has "agent profile ConfigMap" '^  syscage-agent.json: \|$'
# Every documented deploy path works as written: the stream has every object the DaemonSet
# needs (the agent's own profile too), and -o DIR holds every file its kustomization lists.
expect "manifests without --agent-profile" 0 "$SYSCAGE" k8s manifests
out_has "the stream has the agent's profile ConfigMap" '^  name: syscage-agent-profile$'
out_has "with deploy/'s profile in it" '^  syscage-agent.json: \|'
expect "manifests -o DIR" 0 "$SYSCAGE" k8s manifests -o "$TMP/mo"
missing=""
for f in $(sed -n 's/^ *- \([A-Za-z0-9_./-]*\.\(yaml\|json\)\) *$/\1/p' "$TMP/mo/kustomization.yaml"); do
	[ -s "$TMP/mo/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "-o DIR holds every file its kustomization lists" || not_ok "-o DIR lacks:$missing"

# --record -o DIR: the recording setup, deploy-record/'s overlay with the base in DIR/base: the
# same files as the source tree (the base's one reference aside), every option substituted in
# the overlay too, and (with kubectl) the same objects rendered. The stream cannot be it.
expect "manifests --record -o DIR" 0 "$SYSCAGE" k8s manifests --record -o "$TMP/rec"
if diff -r "$TMP/rec/base" "$SYSCAGE_SRCDIR/deploy" >/dev/null &&
	cmp -s "$TMP/rec/daemonset-record.yaml" "$SYSCAGE_SRCDIR/deploy-record/daemonset-record.yaml" &&
	cmp -s "$TMP/rec/syscage-agent-record.json" "$SYSCAGE_SRCDIR/deploy-record/syscage-agent-record.json" &&
	[ "$(diff "$TMP/rec/kustomization.yaml" "$SYSCAGE_SRCDIR/deploy-record/kustomization.yaml" | grep -c '^[<>]')" = 2 ] &&
	grep -q '^  - base$' "$TMP/rec/kustomization.yaml"; then
	ok "--record: deploy-record/ beside the base in base/ (no drift)"
else
	not_ok "--record: deploy-record/ beside the base in base/ (no drift)"
	diff -r "$TMP/rec" "$SYSCAGE_SRCDIR/deploy-record" | sed 's/^/# /' | head -10
fi
expect "manifests --record with every option" 0 "$SYSCAGE" k8s manifests --record -o "$TMP/rec2" -n team --image reg.example/sc:1 --kubelet-root /data/kubelet
if ! grep -rq 'syscage-system' "$TMP/rec2" && grep -q 'syscage/team/syscage-agent-record.json' "$TMP/rec2/daemonset-record.yaml" &&
	grep -q 'namespace: team' "$TMP/rec2/kustomization.yaml"; then
	ok "--record: the namespace substituted in the overlay too"
else
	not_ok "--record: the namespace substituted in the overlay too"
fi
expect "--record without -o is a usage error" 2 "$SYSCAGE" k8s manifests --record
err_has "... saying to give -o DIR and apply -k" 'give -o DIR, then .kubectl apply -k DIR'
expect "--record is for manifests" 2 "$SYSCAGE" k8s audit -f manifests/multi.yaml --record
if command -v kubectl >/dev/null 2>&1; then
	if kubectl kustomize "$TMP/rec" >"$TMP/rec.out" 2>"$TMP/rec.err" &&
		kubectl kustomize "$SYSCAGE_SRCDIR/deploy-record" >"$TMP/rec.src" 2>>"$TMP/rec.err" &&
		cmp -s "$TMP/rec.out" "$TMP/rec.src" && grep -q -- '--record=' "$TMP/rec.out"; then
		ok "kustomize renders --record -o DIR as it renders deploy-record/"
	else
		not_ok "kustomize renders --record -o DIR as it renders deploy-record/"
		sed 's/^/# /' "$TMP/rec.err" | head -5
	fi
else
	skip "kustomize render of --record -o DIR: kubectl not installed"
fi
cmp -s "$TMP/mo/profiles/syscage-agent.json" "$SYSCAGE_SRCDIR/deploy/profiles/syscage-agent.json" &&
	ok "-o DIR: the agent's profile is deploy/'s" || not_ok "-o DIR: the agent's profile is deploy/'s"
expect "manifests -o DIR --agent-profile" 0 "$SYSCAGE" k8s manifests -o "$TMP/mo2" --agent-profile "$TMP/agent.json"
cmp -s "$TMP/mo2/profiles/syscage-agent.json" "$TMP/agent.json" &&
	ok "-o DIR --agent-profile: that profile" || not_ok "-o DIR --agent-profile: that profile"
if command -v kubectl >/dev/null; then
	if timeout 60 kubectl kustomize "$TMP/mo" >"$TMP/mo.yaml" 2>"$TMP/mo.err"; then
		ok "kubectl kustomize on what -o DIR wrote"
	else
		not_ok "kubectl kustomize on what -o DIR wrote"
		head -5 "$TMP/mo.err" | sed 's/^/# /'
	fi
else
	skip "kubectl kustomize on what -o DIR wrote: kubectl is not installed"
fi
expect "bad image" 2 "$SYSCAGE" k8s manifests --image 'a b'
expect "bad kubelet root" 2 "$SYSCAGE" k8s manifests --kubelet-root relative/dir
expect "manifests takes no -f" 2 "$SYSCAGE" k8s manifests -f x.yaml

# kustomize (built into kubectl, offline) renders deploy/ into the same objects the stream has.
if command -v kubectl >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
	cp -r "$SYSCAGE_SRCDIR/deploy" "$TMP/kz"
	mkdir -p "$TMP/kz/profiles"
	cp "$TMP/agent.json" "$TMP/kz/profiles/syscage-agent.json"
	if timeout 60 kubectl kustomize "$TMP/kz" >"$TMP/kz.yaml" 2>"$TMP/kz.err"; then
		"$SYSCAGE" k8s manifests --agent-profile "$TMP/agent.json" >"$TMP/stream2.yaml"
		if python3 - "$TMP/kz.yaml" "$TMP/stream2.yaml" <<'PY'
import sys, yaml
def objs(f):
    return sorted((yaml.dump(d, sort_keys=True) for d in yaml.safe_load_all(open(f)) if d))
a, b = objs(sys.argv[1]), objs(sys.argv[2])
sys.exit(0 if a == b else 1)
PY
		then ok "kubectl kustomize deploy/ == syscage k8s manifests (same objects)"
		else not_ok "kubectl kustomize deploy/ == syscage k8s manifests (same objects)"; fi
	else
		not_ok "kubectl kustomize deploy/"
		head -5 "$TMP/kz.err" | sed 's/^/# /'
	fi
else
	skip "kustomize render: needs kubectl and python3-yaml"
fi

# What the DaemonSet promises (README "k8s" and "agent"), read from the objects kustomize builds:
# critical priority with the quota that admits it, state on the node, the kubelet config where
# the agent's default --kubelet-config reads it, data endpoints off the network, a NetworkPolicy
# that leaves only the metrics port open.
if command -v kubectl >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
	for variant in default custom; do
		if [ $variant = default ]; then d="$SYSCAGE_SRCDIR/deploy" kr=/var/lib/kubelet ns=syscage-system
		else d="$TMP/deploy2" kr=/data/kubelet ns=team; fi
		if timeout 60 kubectl kustomize "$d" >"$TMP/objs.yaml" 2>"$TMP/objs.err" &&
			python3 - "$TMP/objs.yaml" "$kr" "$ns" >"$TMP/objs.why" 2>&1 <<'PY'
import sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
kr, ns = sys.argv[2], sys.argv[3]
by = {(o["kind"], o["metadata"]["name"]): o for o in objs}
for o in objs:
    assert o["kind"] == "Namespace" or o["metadata"]["namespace"] == ns, o["metadata"]
ds = by[("DaemonSet", "syscage-agent")]
pod = ds["spec"]["template"]["spec"]
assert pod["priorityClassName"] == "system-node-critical"
for c in pod["initContainers"] + pod["containers"]:
    assert c["imagePullPolicy"] == "IfNotPresent", c["name"]  # a loaded :latest image starts
q = by[("ResourceQuota", "syscage-node-critical")]["spec"]
assert q["scopeSelector"]["matchExpressions"] == [{"scopeName": "PriorityClass", "operator": "In", "values": ["system-node-critical"]}]
assert int(q["hard"]["pods"]) >= 5000  # one per node, the largest clusters Kubernetes supports
vols = {v["name"]: v for v in pod["volumes"]}
assert not [v for v in vols.values() if "emptyDir" in v], "an emptyDir loses state with the pod"
c = [c for c in pod["containers"] if c["name"] == "agent"][0]
args = c["args"]
arg = lambda k: args[args.index(k) + 1]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
state = mounts[arg("--state-dir")]
assert vols[state["name"]]["hostPath"] == {"path": "/var/lib/syscage", "type": "DirectoryOrCreate"}
assert arg("--kubelet-root") == kr and "--kubelet-config" not in args
cfg = mounts[kr + "/config.yaml"]  # the agent's default --kubelet-config
assert cfg.get("readOnly") is True
assert vols[cfg["name"]]["hostPath"] == {"path": kr + "/config.yaml", "type": "FileOrCreate"}
assert arg("--listen") == "0.0.0.0:9402" and arg("--data-listen").startswith("127.0.0.1:")
assert [p["containerPort"] for p in c["ports"]] == [9402]
for probe in ("livenessProbe", "readinessProbe"):
    assert c[probe]["httpGet"]["port"] == "metrics"
assert ds["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9402"
np = by[("NetworkPolicy", "syscage-agent")]["spec"]
assert np["podSelector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()
assert sorted(np["policyTypes"]) == ["Egress", "Ingress"] and np["egress"] == []
assert [p for r in np["ingress"] for p in r["ports"]] == [{"protocol": "TCP", "port": 9402}]
PY
		then ok "kustomize $variant: critical priority + quota, state and kubelet config on the node, data off the network, NetworkPolicy"
		else not_ok "kustomize $variant: the DaemonSet's promises"; sed 's/^/# /' "$TMP/objs.err" "$TMP/objs.why" | tail -5; fi
	done
else
	skip "DaemonSet promises: needs kubectl and python3-yaml"
fi

expect "help" 0 "$SYSCAGE" k8s --help
out_has "help has examples" 'syscage k8s bind -f app.yaml'

# A name with a line break (a multi-line plain scalar folds a blank line into one): one finding,
# one line; no control character reaches the terminal (found by fuzz-k8s).
printf 'kind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n\n     b\x1b[2J\n    image: x\n' >"$TMP/nl.yaml"
expect "a name with a line break: audit runs" 1 "$SYSCAGE" k8s audit -f "$TMP/nl.yaml"
[ "$(grep -c 'container a' "$TMP/out")" = 2 ] && ! grep -q "$(printf '\033')" "$TMP/out" &&
	ok "a name with a line break: one line per finding, escaped" || { not_ok "a name with a line break: escaped"; cat -A "$TMP/out" | sed 's/^/# /'; }


# A tree of more files than the process may hold open (1,100 under ulimit -n 1024): every
# output is complete before any is put in place, with no descriptor held per file (the
# streaming writer once kept one per file and failed at the 1,000th with EMFILE).
mkdir -p "$TMP/many"
for i in $(seq 1 1100); do
	printf 'kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: w%d\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: x\n' "$i" >"$TMP/many/w$i.yaml"
done
expect "1,100 files under ulimit -n 1024, into an output tree whose parents are missing" 0 \
	sh -c 'ulimit -n 1024 && exec "$@"' sh "$SYSCAGE" k8s bind -f "$TMP/many" -p $P -o "$TMP/many-out/deeper" -q --bindings "$TMP/many-out/b.yaml"
[ "$(ls "$TMP/many-out/deeper" | wc -l)" = 1100 ] && [ -s "$TMP/many-out/b.yaml" ] &&
	[ -z "$(find "$TMP/many-out" -name '*.sctmp')" ] && ok "every file and the bindings written, no temp file left" ||
	not_ok "every file and the bindings written, no temp file left"

# -o naming a directory while -f names a file: refused before anything is written (it was found
# only when the outputs were put in place, after the bindings file).
mkdir -p "$TMP/adir"
expect "-o an existing directory for one file" 1 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P -q -o "$TMP/adir" --bindings "$TMP/adir.b"
err_has "... said" "cannot write $TMP/adir: Is a directory"
[ ! -e "$TMP/adir.b" ] && [ -z "$(ls -A "$TMP/adir")" ] && ok "... nothing written, the bindings neither" ||
	not_ok "... nothing written, the bindings neither"

# An input truncated while bind reads it (it is mapped: the kernel sends SIGBUS): a clear error,
# exit 1, nothing written, no temp file left. Whether the cut comes before the file is mapped
# (then it is short, and still nothing is written) or while it is read, the promise holds.
python3 - "$TMP/big.yaml" <<'PY'
import sys
doc = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w%d\n  namespace: shop\n"
       "spec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n"
       "      containers:\n      - name: c\n        image: x\n")
with open(sys.argv[1], "w") as f:
    f.write("".join(doc % i for i in range(150000)) + "# end\n")
PY
# bind_while CHANGE...: bind a fresh copy of big.yaml ($TMP/big-in.yaml), run CHANGE on that
# copy 0.3 s in; its exit status in $rc, stderr in $TMP/err.
bind_while() {
	rm -f "$TMP/big-out.yaml" "$TMP/big-b.yaml"
	cp "$TMP/big.yaml" "$TMP/big-in.yaml"
	"$SYSCAGE" k8s bind -f "$TMP/big-in.yaml" -p $P -o "$TMP/big-out.yaml" --bindings "$TMP/big-b.yaml" -q \
		>"$TMP/out" 2>"$TMP/err" &
	local pid=$!
	sleep 0.3
	"$@" "$TMP/big-in.yaml"
	wait $pid
	rc=$?
}
sigbus=0
for _ in 1 2 3; do
	bind_while truncate -s 100000
	grep -q 'SIGBUS' "$TMP/err" && sigbus=$((sigbus + 1))
	if [ "$rc" -ne 1 ] || [ -e "$TMP/big-out.yaml" ] || [ -e "$TMP/big-b.yaml" ] ||
		[ -n "$(find "$TMP" -maxdepth 1 -name '*.sctmp')" ]; then
		not_ok "an input truncated while read: exit 1, nothing written (exit $rc)"
		sed 's/^/# err: /' "$TMP/err" | head -5
		break
	fi
done
[ "$rc" -eq 1 ] && ok "an input truncated while read: exit 1, nothing written, no temp file ($sigbus of 3 runs cut while mapped)"
[ "$sigbus" -eq 0 ] || err_has "the SIGBUS says what happened and what to do" 'truncated while it was read.*run again'

# Changed without a fault (its times moved; in place, or within its last page): found before
# anything is put in place. A run that ended before the change wrote the right output.
caught=0
for _ in 1 2 3; do
	bind_while touch
	if [ "$rc" -eq 1 ] && grep -q 'changed while it was read: nothing was written' "$TMP/err" &&
		[ ! -e "$TMP/big-out.yaml" ] && [ ! -e "$TMP/big-b.yaml" ]; then
		caught=$((caught + 1))
	elif [ "$rc" -ne 0 ]; then
		caught=-99
		sed 's/^/# err: /' "$TMP/err" | head -5
	fi
done
[ "$caught" -ge 0 ] && ok "an input changed in place while read: exit 1, nothing written ($caught of 3 runs changed before they ended)" ||
	not_ok "an input changed in place while read: exit 1, nothing written"

# Two files joined with "---" between them, the second starting with a byte order mark: its
# workload is bound and audited as at a file's start (it was left unbound, unseen).
printf 'kind: Pod\nmetadata: {name: a, namespace: shop, labels: {app: web}}\nspec:\n  containers: [{name: c}]\n---\n\357\273\277kind: Pod\nmetadata: {name: b, namespace: shop, labels: {app: web}}\nspec:\n  containers: [{name: c}]\n' >"$TMP/bom.yaml"
expect "bind: a byte order mark starting a later document" 0 "$SYSCAGE" k8s bind -f "$TMP/bom.yaml" -p $P -o "$TMP/bom-out.yaml"
err_has "... both workloads bound" '2 workloads in 1 file: 2 bound, 0 unmatched'
[ "$(grep -c 'localhostProfile: syscage/shop/pod_[ab].json' "$TMP/bom-out.yaml")" = 2 ] &&
	[ "$(grep -c "^$(printf '\357\273\277')kind: Pod" "$TMP/bom-out.yaml")" = 1 ] &&
	ok "... the mark kept where it was" || not_ok "... the mark kept where it was"
expect "audit: a byte order mark starting a later document" 1 "$SYSCAGE" k8s audit -f "$TMP/bom.yaml"
out_has_line() { if grep -Eq -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1"; sed 's/^/# out: /' "$TMP/out" | head -5; fi; }
out_has_line "... its workload audited at its line" "^$TMP/bom.yaml:6:1: Pod shop/b: container c: no seccompProfile"
printf 'kind: Pod\nmetadata: {name: a}\n...\n\357\273\277---\nkind: Pod\n' >"$TMP/bom-bad.yaml"
expect "a byte order mark where libfyaml reads none" 1 "$SYSCAGE" k8s audit -f "$TMP/bom-bad.yaml"
err_has "... a syntax error naming it" "^$TMP/bom-bad.yaml:4:1: error: syntax error: .*byte order mark, U\+FEFF, at line 4: remove it"

# --- bind --jobs: one thread or two (a big file read in pieces by both at once; one thread
# editing, one reading the edited text back) give the same output, messages and exit status,
# for every fixture, a file of many runs of documents with two edits refused far apart
# (test-k8s's case "threads" has a check that fails) and one over 1 MiB.
{
	for i in $(seq 0 2999); do
		if [ "$i" = 1500 ] || [ "$i" = 2500 ]; then
			printf -- '---\nkind: Pod\nmetadata: {name: p%d, namespace: shop, labels: {app: web}}\nspec:\n  containers: [{name: a, securityContext: {privileged: true}}]\n' "$i"
		else
			printf -- '---\n# workload %d\nkind: Deployment\nmetadata: {name: w%d, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: a\n        image: x\n' "$i" "$i"
		fi
	done
} >"$TMP/runs-bad.yaml"
grep -v -e 'privileged' "$TMP/runs-bad.yaml" >"$TMP/runs-good.yaml"
# Over 1 MiB: read in pieces by both threads at once with --jobs 2.
for i in $(seq 0 11999); do
	printf -- '---\n# workload %d\nkind: Deployment\nmetadata: {name: b%d, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: a\n        image: x\n' "$i" "$i"
done >"$TMP/runs-big.yaml"
# Policies with an error too (read on a thread of their own with --jobs 2: their message
# after the manifests', none when a manifest fails).
mkdir -p "$TMP/bad-policies"
cp $P/* "$TMP/bad-policies/"
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata: {name: x, namespace: shop}\nspec: {seccomp: {syscalls: [read], action: Nope}}\n' >"$TMP/bad-policies/zz-bad.yaml"
same=0 differ=0
for f in manifests/*.yaml manifests/*.json bad/*.yaml audit/*.yaml "$TMP"/runs-*.yaml; do
	for opts in "" "--drop-caps --legacy-annotations" "-p $TMP/bad-policies" "--bindings"; do
		# With --bindings, the file is made on a thread of its own while the manifests
		# are bound: the same file, or none, either way.
		rm -f "$TMP/jb1.yaml" "$TMP/jb2.yaml"
		if [ "$opts" = "--bindings" ]; then
			a1=(--bindings "$TMP/jb1.yaml") a2=(--bindings "$TMP/jb2.yaml")
		else
			read -ra a1 <<<"$opts"
			a2=("${a1[@]}")
		fi
		"$SYSCAGE" k8s bind -f "$f" -p $P "${a1[@]}" --jobs 1 >"$TMP/j1.out" 2>"$TMP/j1.err"
		rc1=$?
		"$SYSCAGE" k8s bind -f "$f" -p $P "${a2[@]}" --jobs 2 >"$TMP/j2.out" 2>"$TMP/j2.err"
		rc2=$?
		sed -i "s|$TMP/jb2.yaml|$TMP/jb1.yaml|g" "$TMP/j2.err"
		if [ "$rc1" = "$rc2" ] && cmp -s "$TMP/j1.out" "$TMP/j2.out" && cmp -s "$TMP/j1.err" "$TMP/j2.err" &&
			{ [ ! -e "$TMP/jb1.yaml" ] && [ ! -e "$TMP/jb2.yaml" ] || cmp -s "$TMP/jb1.yaml" "$TMP/jb2.yaml"; } &&
			[ -z "$(find "$TMP" -maxdepth 1 -name '*.sctmp')" ]; then
			same=$((same + 1))
		else
			differ=$((differ + 1))
			echo "# --jobs 1 and 2 differ on $f $opts (exit $rc1, $rc2)"
			diff "$TMP/j1.err" "$TMP/j2.err" | head -5 | sed 's/^/# /'
		fi
	done
done
[ "$differ" = 0 ] && ok "bind --jobs 1 and --jobs 2: the same output, messages and status ($same cases)" ||
	not_ok "bind --jobs 1 and --jobs 2: the same output, messages and status ($differ of $((same + differ)) differ)"
expect "many runs, two edits refused far apart (--jobs 2)" 1 \
	"$SYSCAGE" k8s bind -f "$TMP/runs-bad.yaml" -p $P --drop-caps --legacy-annotations --jobs 2 -q -o "$TMP/runs-out.yaml"
l1=$(($(grep -n 'name: p1500' "$TMP/runs-bad.yaml" | cut -d: -f1) + 2))
l2=$(($(grep -n 'name: p2500' "$TMP/runs-bad.yaml" | cut -d: -f1) + 2))
if [ "$(grep -c error "$TMP/err")" = 2 ] && grep -q "^$TMP/runs-bad.yaml:$l1:.*p1500: container is privileged" "$TMP/err" &&
	grep error "$TMP/err" | tail -1 | grep -q "^$TMP/runs-bad.yaml:$l2:.*p2500: container is privileged" &&
	[ ! -e "$TMP/runs-out.yaml" ]; then
	ok "... both errors, in the file's order, nothing written"
else
	not_ok "... both errors, in the file's order, nothing written"
	sed 's/^/# err: /' "$TMP/err" | head -5
fi
expect "bind --jobs 0 is a usage error" 2 "$SYSCAGE" k8s bind -f manifests/multi.yaml -p $P --jobs 0
err_has "... saying what --jobs wants" "--jobs wants 1 to 4"

# Files refused for their content (1,100, under ulimit -n 1024) each report their error: a
# refused file's output goes at once (its temp file's descriptor was kept to the end).
mkdir -p "$TMP/priv"
for i in $(seq 1 1100); do
	printf 'kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: w%d\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: x\n        securityContext:\n          privileged: true\n' "$i" >"$TMP/priv/w$i.yaml"
done
expect "1,100 refused files under ulimit -n 1024" 1 \
	sh -c 'ulimit -n 1024 && exec "$@"' sh "$SYSCAGE" k8s bind -f "$TMP/priv" -p $P -o "$TMP/priv-out" -q
if [ "$(grep -c 'error: Deployment shop/w[0-9]*: container is privileged' "$TMP/err")" = 1100 ] &&
	! grep -q 'Too many open files' "$TMP/err" && [ ! -e "$TMP/priv-out" ]; then
	ok "... every file's error reported, nothing written"
else
	not_ok "... every file's error reported, nothing written"
	grep -v privileged "$TMP/err" | sed 's/^/# /' | head -3
fi

done_testing
