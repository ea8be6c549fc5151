#!/bin/bash
# A KubeArmorSeccompPolicy cannot say "ENOSYS": it allows, blocks (EPERM) or audits. A
# recording of threads made where clone3 was answered ENOSYS (as Docker's, containerd's and
# podman's default profiles answer it) allows clone only; enforced with EPERM for clone3, glibc
# would not fall back and pthread_create would fail. So a policy's allow-list, as syscage reads
# and enforces it, answers the fallback set ENOSYS when it allows the older call, and the
# recording is written as a policy (it used to fail: its ENOSYS rule has no KubeArmor form).
# The same for a merge whose inputs disagree on the default errno.
. "$(dirname "$0")/lib.sh"
TJ="$(dirname "$SYSCAGE")/tests/programs/thread-join"
[ -x "$TJ" ] || { skip "tests/programs/thread-join not built"; done_testing; exit; }
# enosys_for NAME FILE: FILE (OCI JSON) answers NAME with ERRNO(ENOSYS)
enosys_for() {
	json_check "$3" "$2" "any('$1' in r['names'] and r['action'] == 'SCMP_ACT_ERRNO' and r.get('errnoRet') == 38 for r in d['syscalls'])"
}

cat >"$TMP/clone3-enosys.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
EOF
# An ENOSYS rule of part of the set (clone3 only, where faccessat is allowed too: a profile
# recorded before faccessat2 was in it) is not the one a policy implies: read back, the policy
# would answer faccessat2 ENOSYS as well, not EPERM. Refused, with the reason, not changed.
cat >"$TMP/part.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["clone", "faccessat", "read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
EOF
expect "an ENOSYS rule of part of the fallback set as a policy: exit 1" 1 \
	"$SYSCAGE" convert "$TMP/part.json" --to kubearmor -o "$TMP/part.yaml"
err_has "... the rule for clone3 is what it cannot hold" "the rule for clone3 answers errno 38"
[ ! -e "$TMP/part.yaml" ] && ok "... nothing written" || not_ok "... nothing written"
# The whole set (what the reader makes) is implied: written without it, read back the same.
sed 's/\["clone3"\]/["clone3", "faccessat2"]/' "$TMP/part.json" >"$TMP/whole.json"
expect "the whole fallback set as a policy" 0 "$SYSCAGE" convert "$TMP/whole.json" --to kubearmor -o "$TMP/whole.yaml"
expect "... read back" 0 "$SYSCAGE" convert "$TMP/whole.yaml" -o "$TMP/whole-again.json"
expect "... normalized original" 0 "$SYSCAGE" convert "$TMP/whole.json" -o "$TMP/whole-norm.json"
json_check "... the same rules" "$TMP/whole-again.json" \
	"[(sorted(r['names']), r['action'], r.get('errnoRet')) for r in d['syscalls']] == [(sorted(r['names']), r['action'], r.get('errnoRet')) for r in json.load(open('$TMP/whole-norm.json'))['syscalls']]"

if ! "$SYSCAGE" record --summary -o /dev/null -- "$TJ" early 2>&1 | grep -Eq "^x86_64 +clone3 "; then
	skip "this libc makes threads without clone3: nothing to fall back from"
	done_testing
	exit
fi

# --- record --format kubearmor -----------------------------------------------------------
expect "record threads made under a clone3-ENOSYS filter as a KubeArmor policy" 0 \
	"$SYSCAGE" record --format kubearmor -n threads -o "$TMP/threads.yaml" -- \
	"$SYSCAGE" run -p "$TMP/clone3-enosys.json" -- "$TJ" late
grep -q 'kind: KubeArmorSeccompPolicy' "$TMP/threads.yaml" && grep -q 'action: Allow' "$TMP/threads.yaml" &&
	ok "... an Allow policy" || not_ok "... an Allow policy"
grep -Eq '^ *- clone$' "$TMP/threads.yaml" && ! grep -q clone3 "$TMP/threads.yaml" &&
	ok "... that allows clone and does not name clone3" || not_ok "... allows clone, not clone3"

# --- read back: ENOSYS for clone3 --------------------------------------------------------
expect "convert the policy to OCI" 0 "$SYSCAGE" convert "$TMP/threads.yaml" -o "$TMP/threads.json"
enosys_for clone3 "$TMP/threads.json" "... clone3 is answered ENOSYS"
run_cmd timeout -k 1 30 "$SYSCAGE" run --no-enosys -p "$TMP/threads.json" -- "$TJ" late
[ "$RC" -eq 0 ] && ok "under it, a thread is made (glibc falls back to clone)" ||
	not_ok "under it, making a thread: exit $RC (2: pthread_create failed)"
expect "convert it back to a policy" 0 "$SYSCAGE" convert "$TMP/threads.json" --to kubearmor -o "$TMP/again.yaml"
# (OCI JSON has no metadata: the name is the default one.)
sed -i 's/^  name: syscage-profile$/  name: threads/' "$TMP/again.yaml"
cmp -s "$TMP/threads.yaml" "$TMP/again.yaml" && ok "... the same policy (the ENOSYS rule is implied)" ||
	{ not_ok "... the same policy"; diff "$TMP/threads.yaml" "$TMP/again.yaml" | head -10 | sed 's/^/# /'; }
expect "check the policy" 0 "$SYSCAGE" check "$TMP/threads.yaml"
if grep -q "is denied, but not with ENOSYS" "$TMP/err"; then not_ok "check: no fallback warning"; else ok "check: no fallback warning"; fi

# A policy that allows clone3 itself keeps it allowed; a Block policy has nothing to add.
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata: {name: c3}\nspec:\n  seccomp:\n    syscalls: [clone, clone3, read]\n    action: Allow\n' >"$TMP/c3.yaml"
expect "a policy allowing clone3 too" 0 "$SYSCAGE" convert "$TMP/c3.yaml" -o "$TMP/c3.json"
json_check "... clone3 stays allowed" "$TMP/c3.json" \
	"[r['action'] for r in d['syscalls'] if 'clone3' in r['names']] == ['SCMP_ACT_ALLOW']"
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata: {name: b}\nspec:\n  seccomp:\n    syscalls: [ptrace]\n    action: Block\n' >"$TMP/block.yaml"
expect "a Block policy" 0 "$SYSCAGE" convert "$TMP/block.yaml" -o "$TMP/block.json"
json_check "... gets no ENOSYS rule" "$TMP/block.json" "not any('clone3' in r['names'] for r in d['syscalls'])"

# --- the agent installs it with ENOSYS for clone3 ----------------------------------------
mkdir -p "$TMP/pol" "$TMP/kub"
sed 's/^  name: threads$/  name: threads\n  namespace: shop/' "$TMP/threads.yaml" >"$TMP/pol/threads.yaml"
expect "agent --once installs the policy" 0 "$SYSCAGE" agent --policies "$TMP/pol" \
	--kubelet-root "$TMP/kub" --kmsg "" --audit-log "" --listen none --data-listen none --once
f=$(find "$TMP/kub/seccomp" -name 'threads.json' | head -1)
[ -n "$f" ] && enosys_for clone3 "$f" "... its profile answers clone3 with ENOSYS" ||
	not_ok "... its profile answers clone3 with ENOSYS (no threads.json: $(find "$TMP/kub" -name '*.json' | head -3))"

# --- merge: inputs that disagree on the default errno ------------------------------------
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/eperm.json"
printf '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["clone","exit_group"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/enosys.json"
expect "merge an EPERM and an ENOSYS default" 0 "$SYSCAGE" merge "$TMP/eperm.json" "$TMP/enosys.json" -o "$TMP/m.json"
enosys_for clone3 "$TMP/m.json" "... clone3 is still answered ENOSYS (the second input's workload makes threads)"
expect "check the merge" 0 "$SYSCAGE" check "$TMP/m.json"
if grep -q "is denied, but not with ENOSYS" "$TMP/err"; then not_ok "check: no fallback warning"; else ok "check: no fallback warning"; fi
expect "merge the recorded policy with an EPERM profile, as a KubeArmor policy" 0 \
	"$SYSCAGE" merge "$TMP/threads.yaml" "$TMP/eperm.json" --format kubearmor -o "$TMP/m.yaml"
grep -Eq '^ *- clone$' "$TMP/m.yaml" && ok "... written" || not_ok "... written"

# --- the implied rule does not outvote another policy's allow of clone3 ------------------
# Policy A allows clone (so clone3 is answered ENOSYS), B allows clone3 itself: merged, a deny
# beats an allow, but A's rule is only what A implies: B's clone3 stays allowed.
for n in a b; do
	case $n in a) calls="clone, read" ;; b) calls="clone3, faccessat2, read" ;; esac
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata: {name: %s, namespace: shop}\nspec:\n  selector:\n    matchLabels: {app: web}\n  seccomp:\n    syscalls: [%s]\n    action: Allow\n' "$n" "$calls" >"$TMP/pol-$n.yaml"
done
allowed() { # DESC FILE: clone3 and faccessat2 allowed
	json_check "$1" "$2" "[r['action'] for r in d['syscalls'] if 'clone3' in r['names']] == ['SCMP_ACT_ALLOW'] and [r['action'] for r in d['syscalls'] if 'faccessat2' in r['names']] == ['SCMP_ACT_ALLOW']"
}
expect "merge A (allows clone) and B (allows clone3)" 0 "$SYSCAGE" merge "$TMP/pol-a.yaml" "$TMP/pol-b.yaml" -o "$TMP/ab.json"
allowed "... clone3 and faccessat2 stay allowed" "$TMP/ab.json"
cat "$TMP/pol-a.yaml" >"$TMP/ab.yaml"; printf -- '---\n' >>"$TMP/ab.yaml"; cat "$TMP/pol-b.yaml" >>"$TMP/ab.yaml"
expect "convert a file of both" 0 "$SYSCAGE" convert "$TMP/ab.yaml" -o "$TMP/ab2.json"
allowed "... the same" "$TMP/ab2.json"
mkdir -p "$TMP/pb"
cp "$TMP/pol-a.yaml" "$TMP/pol-b.yaml" "$TMP/pb/"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web}]\n' >"$TMP/web.yaml"
expect "policy build: a workload both select" 0 "$SYSCAGE" policy build "$TMP/pb" -o "$TMP/pb-out" --workloads "$TMP/web.yaml"
f=$(find "$TMP/pb-out" -name 'deployment_web.json' | head -1)
[ -n "$f" ] && allowed "... its profile allows clone3 and faccessat2" "$f" ||
	not_ok "... its profile ($(cd "$TMP/pb-out" 2>/dev/null && find . -name '*.json' | head -5 | tr '\n' ' '))"
rm "$TMP/pb/pol-b.yaml"
expect "policy build: A alone" 0 "$SYSCAGE" policy build "$TMP/pb" -o "$TMP/pa-out"
json_check "... still answers clone3 ENOSYS" "$TMP/pa-out/shop/a.json" \
	"any('clone3' in r['names'] and r.get('errnoRet') == 38 for r in d['syscalls'])"

done_testing
