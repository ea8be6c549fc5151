#!/bin/bash
# syscage agent with bindings (seed 003 on the node, without a runtime): `k8s bind --bindings`
# writes the bindings beside the policies; the agent installs each bound workload's profile at a
# path that never moves while policies are added, edited and deleted; a workload no policy
# selects keeps a profile (RuntimeDefault); a bad binding or bindings file loses nothing; a
# baseline is merged into every profile and one that would kill every pod is refused; paths an
# earlier syscage installed are adopted.
. "$(dirname "$0")/lib.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB"

ka() { # NAME NS SELECTOR-YAML CALLS ACTION [LABELS-YAML]
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: %s\n  namespace: %s\n%s\nspec:\n  selector:\n%s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n    action: %s\n' \
		"$1" "$2" "${6:-}" "$3" "$4" "$5"
}
agent() { "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag "$@"; }
# act FILE NAME...: the action of each syscall in an installed OCI profile ("-": default).
act() {
	python3 - "$@" <<'P'
import json, sys
d = json.load(open(sys.argv[1]))
a = {}
for r in d.get("syscalls", []):
    if r.get("args"):
        continue
    for n in r["names"]:
        a[n] = r["action"].replace("SCMP_ACT_", "")
print(" ".join("%s=%s" % (n, a.get(n, "-")) for n in sys.argv[2:]))
P
}
ino() { stat -c %i "$1" 2>/dev/null; }

# RUNC: what runc calls after it loads the filter (syscage/start-fatal.h), allowed by kscmp1
# so that a container can start: bind refuses a profile without it.
RUNC='execve, close, write, openat, fstatfs, getdents64, futex, rt_sigreturn'
# Seed 003 with real names: kscmp1 allow {read, getsid, getppid} deny {getpid}; kscmp2 allow
# {read, getpid} deny {getsid}; different selectors that both select the wordpress Deployment.
{
	ka kscmp1-allow wp '    matchLabels: {app: wordpress}' "read, getsid, getppid, sysinfo, exit_group, $RUNC" Allow
	echo ---
	ka kscmp1-block wp '    matchLabels: {app: wordpress}' 'getpid' Block
} >"$POL/kscmp1.yaml"
{
	ka kscmp2-allow wp '    matchExpressions: [{key: tier, operator: In, values: [frontend]}]' 'read, getpid' Allow
	echo ---
	ka kscmp2-block wp '    matchExpressions: [{key: tier, operator: In, values: [frontend]}]' 'getsid' Block
} >"$POL/kscmp2.yaml"
cat >"$TMP/deploy.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: wordpress, namespace: wp}
spec:
  template:
    metadata: {labels: {app: wordpress, tier: frontend}}
    spec:
      containers: [{name: wordpress, image: "wordpress:6"}]
---
apiVersion: v1
kind: Pod
metadata: {name: mysql, namespace: wp, labels: {app: mysql}}
spec:
  containers: [{name: mysql, image: "mysql:8"}]
Y

expect "bind: a workload selected by two selectors is bound" 0 "$SYSCAGE" k8s bind -f "$TMP/deploy.yaml" -p "$POL" \
	--bindings "$POL/bindings.yaml" -o "$TMP/bound.yaml"
err_has "summary" '2 workloads in 1 file: 1 bound, 1 unmatched'
if grep -q 'localhostProfile: syscage/wp/deployment_wordpress.json' "$TMP/bound.yaml"; then ok "bound to syscage/wp/deployment_wordpress.json"; else not_ok "bound path"; fi
P=$ROOT/wp/deployment_wordpress.json
expect "check reads a bindings file" 0 "$SYSCAGE" check "$POL/bindings.yaml"
sed 's|localhostProfile: syscage/wp/|localhostProfile: syscage/other/|' "$POL/bindings.yaml" >"$TMP/bad-bindings.yaml"
expect "check: a binding outside its namespace's directory" 1 "$SYSCAGE" check "$TMP/bad-bindings.yaml"
err_has "... located" "bad-bindings.yaml:[0-9]+:[0-9]+: error: localhostProfile 'syscage/other/deployment_wordpress.json': not below <root>/<its namespace>/"

expect "agent installs the bound path" 0 agent
[ -f "$P" ] && ok "the bound profile exists" || not_ok "the bound profile exists"
got=$(act "$P" read getppid getsid getpid)
[ "$got" = "read=ALLOW getppid=ALLOW getsid=ERRNO getpid=ERRNO" ] && ok "seed 003: allow {s1,s4}, deny {s2,s3} ($got)" || not_ok "merged content: $got"
err_has "the install names the workload" 'event=install path=wp/deployment_wordpress.json .*workload=Deployment/wp/wordpress'
ls "$ROOT/wp" | grep -q "^kscmp1-allow-" && ok "the selectors' own policy sets are installed too" || not_ok "policy sets installed"

# Delete kscmp2: same path, recomputed in place.
mv "$POL/kscmp2.yaml" "$TMP/kscmp2.yaml"
expect "agent after deleting kscmp2" 0 agent
got=$(act "$P" read getppid getsid getpid)
[ "$got" = "read=ALLOW getppid=ALLOW getsid=ALLOW getpid=ERRNO" ] && ok "seed 003 after delete: allow {s1,s2,s4}, deny {s3} ($got)" || not_ok "after delete: $got"
# Add it back.
mv "$TMP/kscmp2.yaml" "$POL/kscmp2.yaml"
expect "agent after adding kscmp2 back" 0 agent
got=$(act "$P" getsid getpid)
[ "$got" = "getsid=ERRNO getpid=ERRNO" ] && ok "s2 denied again ($got)" || not_ok "after re-add: $got"
# Nothing changes: nothing written.
i1=$(ino "$P")
expect "agent again, nothing changed" 0 agent
[ "$(ino "$P")" = "$i1" ] && ok "an unchanged profile is not rewritten" || not_ok "an unchanged profile is not rewritten"

# A baseline: merged into every profile; the log says what it took from whom.
# (sysinfo, not getppid: runc calls getppid when a container runs without noNewPrivileges, so a
# baseline denying it is refused, as one denying execve.)
ka no-ptrace kube-system '    matchLabels: {}' 'ptrace, sysinfo' Block '  labels: {syscage.dev/baseline: "true"}' >"$POL/baseline.yaml"
expect "agent with a baseline" 0 agent
got=$(act "$P" sysinfo ptrace read)
[ "$got" = "sysinfo=ERRNO ptrace=ERRNO read=ALLOW" ] && ok "the baseline's denies win in the bound profile ($got)" || not_ok "baseline merge: $got"
err_has "the log says what the baseline took away" 'event=baseline path=wp/deployment_wordpress.json removed=sysinfo'
expect "explain --workload" 0 "$SYSCAGE" explain -p "$POL" --workload wp/deployment/wordpress --syscall sysinfo
out_has "explain names the path" '^Deployment wp/wordpress -> syscage/wp/deployment_wordpress.json'
out_has "explain says why each policy is there" 'kscmp2-allow \(.*kscmp2.yaml, selects its labels\)'
out_has "explain says what the baseline took away" 'the baseline takes away: sysinfo'
out_has "explain gives the merged verdict" '^  sysinfo: SCMP_ACT_ERRNO'
expect "explain --workload -o json" 0 "$SYSCAGE" explain -p "$POL" --workload wp/Deployment/wordpress -o json
json_check "explain JSON lists the baseline's removals" "$TMP/out" "d['baseline_removed'] == ['sysinfo'] and len(d['policies']) == 5"
expect "explain an unknown workload" 1 "$SYSCAGE" explain -p "$POL" --workload wp/Deployment/nope
err_has "says what a workload is" 'no binding of wp/Deployment/nope'
if ! ls "$ROOT"/kube-system 2>/dev/null | grep -q no-ptrace; then ok "a baseline installs no profile of its own"; else not_ok "a baseline installs no profile of its own"; fi
# A baseline that would kill every pod is refused: nothing changes.
cp "$P" "$TMP/before.json"
ka deadly kube-system '    matchLabels: {}' 'execve' Block '  labels: {syscage.dev/baseline: "true"}' >"$POL/deadly.yaml"
expect "agent with a baseline denying execve" 1 agent
err_has "refused, reason baseline" 'event=reject file=[^ ]*deadly.yaml reason=baseline msg=.*denies execve'
cmp -s "$P" "$TMP/before.json" && ok "no installed profile changed" || not_ok "no installed profile changed"
rm "$POL/deadly.yaml" "$POL/baseline.yaml"
expect "agent without the baselines" 0 agent

# A binding naming a policy that does not exist: that binding is rejected, what it had stays.
cp "$POL/bindings.yaml" "$TMP/bindings.good"
cp "$P" "$TMP/before.json"
sed 's|^  localhostProfile:|  policies: [nope]\n  localhostProfile:|' "$TMP/bindings.good" >"$POL/bindings.yaml"
expect "agent with a binding naming a missing policy" 1 agent
err_has "rejected with its line:col" "event=reject file=[^ ]*bindings.yaml reason=binding msg=\"[0-9]+:[0-9]+: Deployment wp/wordpress: names policy 'nope'"
cmp -s "$P" "$TMP/before.json" && ok "its profile stays as it was" || not_ok "its profile stays as it was"
# A bindings file that does not parse: every bound path stays.
printf 'kind: SeccompBinding\napiVersion: syscage.dev/v1alpha1\nmetadata: [\n' >"$POL/bindings.yaml"
expect "agent with a broken bindings file" 1 agent
err_has "rejected with its line:col" 'event=reject file=[^ ]*bindings.yaml reason=binding msg="[0-9]+:[0-9]+: '
[ -f "$P" ] && cmp -s "$P" "$TMP/before.json" && ok "the bound path stays, last good" || not_ok "the bound path stays, last good"
cp "$TMP/bindings.good" "$POL/bindings.yaml"

# No policy selects it any more: the path stays, with RuntimeDefault, said loudly.
mkdir "$TMP/away" && mv "$POL"/kscmp*.yaml "$TMP/away/"
expect "agent with no policy selecting the workload" 0 agent
[ -f "$P" ] && ok "the bound path stays" || not_ok "the bound path stays"
got=$(act "$P" read reboot)
[ "$got" = "read=ALLOW reboot=-" ] && ok "it holds RuntimeDefault ($got)" || not_ok "fallback content: $got"
err_has "a warning names the workload and its binding" 'level=warn event=install path=wp/deployment_wordpress.json .*workload=Deployment/wp/wordpress fallback=RuntimeDefault binding=[^ ]*bindings.yaml:[0-9]+ msg="no policy of namespace wp selects'
err_has "the reconcile line counts it" 'event=reconcile .*bindings=1 unselected=1'
mv "$TMP/away"/*.yaml "$POL/"

# The binding removed: its profile stays (its pods may still start with it; the agent cannot
# see pods), said once; deleted by hand, it is forgotten.
mv "$POL/bindings.yaml" "$TMP/bindings.yaml"
expect "agent without the bindings" 0 agent
[ -f "$P" ] && ok "a profile no binding names stays" || not_ok "a profile no binding names stays"
err_has "said, naming it" 'level=warn event=unbound-kept path=wp/deployment_wordpress.json'
rm "$P"
expect "agent after it was deleted by hand" 0 agent
[ ! -e "$P" ] && ok "deleted by hand, it is not made again" || not_ok "deleted by hand, it is not made again"
mv "$TMP/bindings.yaml" "$POL/bindings.yaml"

# Upgrade: a workload an earlier syscage bound to a policy set's name keeps that path.
sed 's|^spec:|spec:|; s|    spec:|    spec:\n      securityContext: {seccompProfile: {type: Localhost, localhostProfile: syscage/wp/kscmp1-allow-0badc0de.json}}|' \
	"$TMP/deploy.yaml" >"$TMP/old-bound.yaml"
expect "bind keeps the path a workload already references" 0 "$SYSCAGE" k8s bind -f "$TMP/old-bound.yaml" -p "$POL" \
	--bindings "$POL/bindings.yaml" -o "$TMP/rebound.yaml"
if grep -q 'localhostProfile: syscage/wp/kscmp1-allow-0badc0de.json' "$TMP/rebound.yaml" "$POL/bindings.yaml" &&
	! grep -q deployment_wordpress "$POL/bindings.yaml"; then
	ok "the binding keeps the old name"
else
	not_ok "the binding keeps the old name"
fi
expect "agent adopts it" 0 agent
got=$(act "$ROOT/wp/kscmp1-allow-0badc0de.json" getsid getpid)
[ "$got" = "getsid=ERRNO getpid=ERRNO" ] && ok "the old path holds the workload's merge ($got)" || not_ok "adopted content: $got"
expect "agent again" 0 agent
[ -f "$ROOT/wp/kscmp1-allow-0badc0de.json" ] && ok "and is never pruned while bound" || not_ok "and is never pruned while bound"

# Two bindings files claiming one path: the second binding loses, the first keeps it.
sed 's/name: wordpress$/name: wordpress2/; s/name: wordpress}/name: wordpress2}/' "$POL/bindings.yaml" >"$POL/zz-bindings.yaml"
expect "agent with two bindings of one path" 1 agent
err_has "the second is rejected" "event=reject file=[^ ]*zz-bindings.yaml reason=binding msg=\"[0-9]+:[0-9]+: Deployment wp/wordpress2: localhostProfile wp/kscmp1-allow-0badc0de.json is Deployment wp/wordpress's already"
rm "$POL/zz-bindings.yaml"

# policy build over the same directory installs the same files as the agent (its layout).
expect "policy build over the agent's directory" 0 "$SYSCAGE" policy build "$POL" -o "$TMP/pb" -q
if cmp -s "$TMP/pb/wp/kscmp1-allow-0badc0de.json" "$ROOT/wp/kscmp1-allow-0badc0de.json"; then
	ok "policy build and the agent write the same bytes"
else
	not_ok "policy build and the agent write the same bytes"
fi
# An index.json that is not UTF-8 (libfyaml would read past it): unreadable, nothing adopted,
# nothing removed, and nothing overwritten: without the index the files are no longer known to
# be the agent's, so each is left as it is and its policy or binding rejected, saying which file
# to remove to let the agent install it again (exit 1; it was 0 when the agent overwrote them).
cp "$ROOT/wp/kscmp1-allow-0badc0de.json" "$TMP/bound.before"
printf '{"sets": [{"namespace": "wp", "name": "caf\xe9"' >"$ROOT/index.json"
expect "agent with an index that is not UTF-8" 1 agent
err_has "said unreadable" 'event=index-unreadable'
err_has "the binding is rejected, naming the file" "reason=binding msg=\"[0-9]+:[0-9]+: Deployment wp/wordpress: its profile would be written to syscage/wp/kscmp1-allow-0badc0de.json, which holds a file this agent did not write: it is left alone"
[ -f "$ROOT/wp/kscmp1-allow-0badc0de.json" ] && ok "the bound profile is still there" || not_ok "the bound profile is still there"
cmp -s "$TMP/bound.before" "$ROOT/wp/kscmp1-allow-0badc0de.json" && ok "and unchanged" || not_ok "and unchanged"
done_testing
