#!/bin/bash
# syscage convert: formats, seed 003, Docker resolution, stdin, atomic -o, errors.
. "$(dirname "$0")/lib.sh"
D="$SYSCAGE_SRCDIR/tests/data/io"

# Seed 003: the KubeArmor policy maps to exactly the seed's profile.
expect "seed 003 policy converts" 0 "$SYSCAGE" convert "$D/seed003-kubearmor.yaml"
cp "$TMP/out" "$TMP/seed.json"
json_check "seed 003 maps to the seed's JSON" "$TMP/seed.json" \
	"d['defaultAction']=='SCMP_ACT_ERRNO' and d['architectures']==['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'] and len(d['syscalls'])==1 and d['syscalls'][0]['action']=='SCMP_ACT_ALLOW' and sorted(d['syscalls'][0]['names'])==sorted(json.load(open('$D/seed003-mapped.json'))['syscalls'][0]['names']) and set(d)=={'defaultAction','architectures','syscalls'}"
expect "the seed's own JSON converts" 0 "$SYSCAGE" convert "$D/seed003-mapped.json"
if cmp -s "$TMP/out" "$TMP/seed.json"; then ok "identical normalized output"; else not_ok "identical normalized output"; diff "$TMP/out" "$TMP/seed.json" | sed 's/^/# /'; fi

# Format round trips: OCI -> SPO -> KubeArmor -> OCI keeps the meaning.
expect "to spo" 0 "$SYSCAGE" convert "$D/seed003-kubearmor.yaml" --to spo
out_has "SPO apiVersion" "^apiVersion: security-profiles-operator.x-k8s.io/v1beta1$"
out_has "SPO keeps the name" "^  name: ksp-wordpress-block-process$"
cp "$TMP/out" "$TMP/spo.yaml"
expect "spo to kubearmor" 0 "$SYSCAGE" convert "$TMP/spo.yaml" --to kubearmor
out_has "KubeArmor kind" "^kind: KubeArmorSeccompPolicy$"
out_has "KubeArmor action" "^    action: Allow$"
cp "$TMP/out" "$TMP/ka.yaml"
expect "kubearmor back to oci" 0 "$SYSCAGE" convert "$TMP/ka.yaml"
if cmp -s "$TMP/out" "$TMP/seed.json"; then ok "round trip is lossless"; else not_ok "round trip is lossless"; diff "$TMP/out" "$TMP/seed.json" | sed 's/^/# /'; fi

# Idempotent: converting the output again changes nothing.
expect "oci full" 0 "$SYSCAGE" convert "$D/oci-full.json" --keep-docker
cp "$TMP/out" "$TMP/full.json"
expect "oci full again" 0 "$SYSCAGE" convert "$TMP/full.json" --keep-docker
if cmp -s "$TMP/out" "$TMP/full.json"; then ok "idempotent"; else not_ok "idempotent"; fi

# Docker-only fields are resolved for the target.
expect "resolve for aarch64 without caps" 0 "$SYSCAGE" convert "$D/oci-full.json" --arch arm64 --kernel 5.10
cp "$TMP/out" "$TMP/r.json"
json_check "aarch64: arm added, no archMap, no arch_prctl, no mount" "$TMP/r.json" \
	"'archMap' not in d and 'SCMP_ARCH_ARM' in d['architectures'] and all('includes' not in s and 'excludes' not in s for s in d['syscalls']) and not any(n in ('arch_prctl','mount') for s in d['syscalls'] for n in s['names'])"
expect "resolve with --caps" 0 "$SYSCAGE" convert "$D/oci-full.json" --arch x86_64 --caps SYS_ADMIN,CAP_NET_ADMIN
cp "$TMP/out" "$TMP/r.json"
json_check "CAP_SYS_ADMIN allows mount and drops the clone3 ENOSYS rule" "$TMP/r.json" \
	"any('mount' in s['names'] for s in d['syscalls']) and not any('clone3' in s['names'] for s in d['syscalls']) and 'SCMP_ARCH_X32' in d['architectures']"
expect "old kernel drops minKernel rules" 0 "$SYSCAGE" convert "$D/oci-full.json" --kernel 4.4
cp "$TMP/out" "$TMP/r.json"
json_check "no ptrace on 4.4" "$TMP/r.json" "not any('ptrace' in s['names'] for s in d['syscalls'])"
if [ -r "${SYSCAGE_SHARED:-/nonexistent}/data/docker-default.json" ]; then
	expect "docker-default for x86_64" 0 "$SYSCAGE" convert "$SYSCAGE_SHARED/data/docker-default.json" --arch x86_64
	cp "$TMP/out" "$TMP/dd.json"
	json_check "docker-default: x86_64 x86 x32, no mount" "$TMP/dd.json" \
		"d['architectures']==['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'] and not any('mount' in s['names'] for s in d['syscalls']) and any('arch_prctl' in s['names'] for s in d['syscalls'])"
	expect "docker-default to spo resolves too" 0 "$SYSCAGE" convert "$SYSCAGE_SHARED/data/docker-default.json" --to spo
	if grep -q "includes\|archMap" "$TMP/out"; then not_ok "no Docker fields in SPO"; else ok "no Docker fields in SPO"; fi
	# Names only other arches have (recv, riscv_hwprobe) are dropped with the archMap.
	expect "converted docker-default passes check" 0 "$SYSCAGE" check "$TMP/dd.json"
	json_check "docker-default: recv and riscv_hwprobe dropped, recvfrom kept" "$TMP/dd.json" \
		"not any(n in s['names'] for s in d['syscalls'] for n in ('recv','riscv_hwprobe')) and any('recvfrom' in s['names'] for s in d['syscalls'])"
else
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
	skip "docker-default.json: \$SYSCAGE_SHARED/data not available"
fi

# stdin and -o.
run_cmd "$SYSCAGE" convert - <"$D/spo-v1beta1.yaml"
[ "$RC" -eq 0 ] && grep -q '"clone3"' "$TMP/out" && ok "reads stdin" || not_ok "reads stdin (exit $RC)"
expect "-o writes the file" 0 "$SYSCAGE" convert "$D/spo-v1beta1.yaml" -o "$TMP/o.json"
[ -s "$TMP/o.json" ] && [ ! -s "$TMP/out" ] && ok "output only in the file" || not_ok "output only in the file"
json_check "-o output is the profile" "$TMP/o.json" "d['defaultAction']=='SCMP_ACT_ERRNO' and d['flags']==['SECCOMP_FILTER_FLAG_LOG']"
expect "base profile chain" 0 "$SYSCAGE" convert "$D/chain/app.yaml"
cp "$TMP/out" "$TMP/chain.json"
json_check "chain merged" "$TMP/chain.json" "sorted(d['syscalls'][0]['names'])==['accept4','close','exit_group','listen','openat','read','write']"

# Errors: located message, exit 1, nothing written.
printf '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]}\n' >"$TMP/bad.json"
expect "invalid input exits 1" 1 "$SYSCAGE" convert "$TMP/bad.json" -o "$TMP/never.json"
err_has "error with file:line:col and a suggestion" "bad.json:2:45: error: unknown action 'SCMP_ACT_ALOW'; did you mean 'SCMP_ACT_ALLOW'\\?"
[ ! -e "$TMP/never.json" ] && ok "no output file on error" || not_ok "no output file on error"
cp "$TMP/o.json" "$TMP/keep.json"
expect "invalid input keeps an existing output" 1 "$SYSCAGE" convert "$TMP/bad.json" -o "$TMP/keep.json"
cmp -s "$TMP/o.json" "$TMP/keep.json" && ok "existing output untouched" || not_ok "existing output untouched"
expect "cycle" 1 "$SYSCAGE" convert "$D/cycle/a.yaml"
err_has "cycle named with location" "cycle/b.yaml:7:20: error: baseProfileName cycle: a -> b -> a"
printf 'a: &x [1]\nb: *x\n' >"$TMP/alias.yaml"
expect "aliases refused" 1 "$SYSCAGE" convert "$TMP/alias.yaml"
err_has "alias location" "alias.yaml:2:4: error: aliases are not allowed"
expect "missing file" 1 "$SYSCAGE" convert "$TMP/nope.json"
err_has "says it cannot read" "nope.json: error: cannot read"
expect "args cannot become KubeArmor" 1 "$SYSCAGE" convert "$D/spo-v1beta1.yaml" --to kubearmor
err_has "explains why, and what holds it" "cannot write standard output as kubearmor: the rule for [a-z0-9_]+ (has argument conditions, which KubeArmor cannot express|answers errno 38: KubeArmor blocks with EPERM \\(1\\)); write it as oci or spo instead"
printf '{"defaultAction":"SCMP_ACT_KILL_PROCESS","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/kill.json"
expect "a KILL default cannot become KubeArmor" 1 "$SYSCAGE" convert "$TMP/kill.json" --to kubearmor -o "$TMP/kill.yaml"
err_has "... named, with the target" "cannot write $TMP/kill.yaml as kubearmor: its defaultAction is SCMP_ACT_KILL_PROCESS: a KubeArmor policy is an allow-list"
[ ! -e "$TMP/kill.yaml" ] && ok "... nothing written" || not_ok "... nothing written"
expect "kubearmor block policy to kubearmor" 0 "$SYSCAGE" convert "$D/kubearmor-block.yaml" --to kubearmor
out_has "Block kept" "action: Block"

# Usage.
expect "unknown format is a usage error" 2 "$SYSCAGE" convert "$D/spo-v1.yaml" --to yaml
expect "bad --kernel" 2 "$SYSCAGE" convert "$D/spo-v1.yaml" --kernel five
expect "bad --arch" 2 "$SYSCAGE" convert "$D/spo-v1.yaml" --arch vax
expect "no input" 2 "$SYSCAGE" convert
expect "--keep-docker only for oci" 2 "$SYSCAGE" convert "$D/oci-full.json" --keep-docker --to spo
expect "help" 0 "$SYSCAGE" convert --help
out_has "help has examples" "^Examples:"
out_has "help states Docker resolution" "archMap"
# A KubeArmor file with an Allow and a Block document for one workload: check accepts it, and
# convert converts what the agent makes of it (the merge, deny wins) (issue #15.13).
cat >"$TMP/ka-two.yaml" <<'EOF'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorSeccompPolicy
metadata: {name: web-allow, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  seccomp: {arch: [x86_64], syscalls: [read, write, exit_group, ptrace], action: Allow}
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorSeccompPolicy
metadata: {name: web-deny, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  seccomp: {arch: [x86_64], syscalls: [ptrace], action: Block}
EOF
expect "check accepts allow + deny documents" 0 "$SYSCAGE" check "$TMP/ka-two.yaml"
expect "convert accepts them too" 0 "$SYSCAGE" convert "$TMP/ka-two.yaml" -o "$TMP/ka-two.json"
err_has "says they were merged" "2 KubeArmor policies for the same workloads, merged"
json_check "the merge: allow-list, ptrace denied" "$TMP/ka-two.json" \
	'd["defaultAction"] == "SCMP_ACT_ERRNO" and any("ptrace" in r["names"] and r["action"] == "SCMP_ACT_ERRNO" for r in d["syscalls"]) and not any("ptrace" in r["names"] and r["action"] == "SCMP_ACT_ALLOW" for r in d["syscalls"])'
python3 - "$TMP/ka-two.yaml" "$TMP/ka-other.yaml" <<'EOF'
import sys
s = open(sys.argv[1]).read()
i = s.rindex("app: web")
open(sys.argv[2], "w").write(s[:i] + "app: db" + s[i + len("app: web"):])
EOF
expect "documents for different workloads: refused" 1 "$SYSCAGE" convert "$TMP/ka-other.yaml" -o "$TMP/ka-other.json"
err_has "says why and what to do" "for different workloads: convert writes one; split the file"
[ ! -e "$TMP/ka-other.json" ] && ok "nothing written" || not_ok "nothing written"
expect "missing input: 1" 1 "$SYSCAGE" convert "$TMP/none.json"
[ "$(grep -c . "$TMP/err")" -eq 1 ] && ok "missing input: one message" || { not_ok "missing input: one message"; sed 's/^/# /' "$TMP/err"; }
# A profile whose policy would name no call: the reader refuses an empty syscalls list, and
# writes nothing for a block list with nothing to block, so the writer refuses both.
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/allow-all.json"
expect "an allow-everything profile as kubearmor: 1" 1 "$SYSCAGE" convert "$TMP/allow-all.json" --to kubearmor -o "$TMP/allow-all.yaml"
err_has "... says why" "cannot write $TMP/allow-all.yaml as kubearmor: it blocks and audits no syscall"
[ ! -e "$TMP/allow-all.yaml" ] && ok "... nothing written" || not_ok "... nothing written ($(wc -c <"$TMP/allow-all.yaml") bytes)"
echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}]}' >"$TMP/deny-all.json"
expect "an allow-list allowing nothing as kubearmor: 1" 1 "$SYSCAGE" convert "$TMP/deny-all.json" --to kubearmor -o "$TMP/deny-all.yaml"
err_has "... says why" "cannot write $TMP/deny-all.yaml as kubearmor: it allows no syscall"
[ ! -e "$TMP/deny-all.yaml" ] && ok "... nothing written" || not_ok "... nothing written"
# (These toy allow-lists leave out what runc needs: the start-fatal warning, tested in
# start-fatal.sh, is left out of the counts here.)
# An allow-list that answers clone3 (faccessat2, fchmodat2) EPERM while it allows clone
# (faccessat, fchmodat) loses that answer as a KubeArmor policy: its reader answers ENOSYS,
# and glibc falls back. Written, with a warning that says so; not when the profile answers
# ENOSYS already, nor for OCI, SPO or a block list.
echo '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","clone","faccessat","exit_group"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/eperm.json"
expect "an allow-list's EPERM for clone3 and faccessat2 as kubearmor: 0" 0 \
	"$SYSCAGE" convert "$TMP/eperm.json" --to kubearmor -o "$TMP/eperm.yaml"
err_has "... warns, naming the calls and why" \
	"^syscage: warning: $TMP/eperm.yaml answers clone3 and faccessat2 with ENOSYS, not EPERM as the profile does: .*glibc then falls back to clone and faccessat \(it does so only on ENOSYS\); to keep EPERM, write oci or spo$"
[ "$(grep -vc "no container can start under it" "$TMP/err")" = 1 ] && ok "... in one line" || not_ok "... in one line"
expect "... read back" 0 "$SYSCAGE" convert "$TMP/eperm.yaml" -o "$TMP/eperm-back.json"
json_check "... which answers them ENOSYS indeed" "$TMP/eperm-back.json" \
	"[r.get('errnoRet') for r in d['syscalls'] if r['action'] == 'SCMP_ACT_ERRNO' and sorted(r['names']) == ['clone3', 'faccessat2']] == [38]"
expect "the policy read back, as kubearmor again: 0" 0 "$SYSCAGE" convert "$TMP/eperm.yaml" --to kubearmor
! grep -v "no container can start under it" "$TMP/err" | grep -q . && ok "... no warning (it answers ENOSYS already)" || not_ok "... no warning ($(grep -v "no container can start" "$TMP/err" | head -1))"
echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","clone","fchmodat"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' >"$TMP/eperm-rule.json"
expect "an explicit EPERM rule for clone3 to stdout: 0" 0 "$SYSCAGE" convert "$TMP/eperm-rule.json" --to kubearmor
err_has "... warns for clone3 and fchmodat2" "^syscage: warning: the policy on standard output answers clone3 and fchmodat2 with ENOSYS, not EPERM"
expect "... as merge --format kubearmor: 0" 0 "$SYSCAGE" merge "$TMP/eperm-rule.json" --format kubearmor -o "$TMP/eperm-merge.yaml"
# (The merge answers fchmodat2 ENOSYS itself: only clone3's rule is lost.)
err_has "... warns too" "^syscage: warning: $TMP/eperm-merge.yaml answers clone3 with ENOSYS, not EPERM as the profile does: a KubeArmorSeccompPolicy that allows clone cannot deny it otherwise"
expect "the same allow-list as oci: 0" 0 "$SYSCAGE" convert "$TMP/eperm.json" --to oci
! grep -v "no container can start under it" "$TMP/err" | grep -q . && ok "... no warning" || not_ok "... no warning"
expect "... as spo: 0" 0 "$SYSCAGE" convert "$TMP/eperm.json" --to spo
! grep -v "no container can start under it" "$TMP/err" | grep -q . && ok "... no warning" || not_ok "... no warning"
echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","clone","faccessat"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3","faccessat2"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}' >"$TMP/enosys.json"
expect "an allow-list with the ENOSYS rule as kubearmor: 0" 0 "$SYSCAGE" convert "$TMP/enosys.json" --to kubearmor
! grep -v "no container can start under it" "$TMP/err" | grep -q . && ok "... no warning" || not_ok "... no warning ($(grep -v "no container can start" "$TMP/err" | head -1))"
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["clone3","ptrace"],"action":"SCMP_ACT_ERRNO"}]}' >"$TMP/block.json"
expect "a block list blocking clone3 as kubearmor: 0" 0 "$SYSCAGE" convert "$TMP/block.json" --to kubearmor
[ ! -s "$TMP/err" ] && ok "... no warning" || not_ok "... no warning ($(head -1 "$TMP/err"))"
# Written as a KubeArmor policy, each rule is asked once whether it is the fallback rule the
# policy implies (sc_implicit_fallback_implied), for the check of what the format holds and the
# writer alike: three rules (an allow, an EPERM, the ENOSYS one), three calls (seven when the
# check and the writer each asked). Counted by callgrind.
cat >"$TMP/three.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","clone","faccessat","exit_group"],"action":"SCMP_ACT_ALLOW"},{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["clone3","faccessat2"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}
EOF
if ! command -v valgrind >/dev/null; then
	skip "valgrind is not installed: cannot count calls"
elif ! valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$SYSCAGE" convert "$TMP/three.json" \
	--to kubearmor -o "$TMP/three.yaml" >/dev/null 2>"$TMP/vg.err"; then
	skip "the binary does not run under valgrind (a sanitizer build?): $(tail -1 "$TMP/vg.err")"
elif ! grep -q "sc_implicit_fallback_implied" "$TMP/cg.out"; then
	skip "no symbol for sc_implicit_fallback_implied in this build: cannot count its calls"
else
	n=$(python3 - "$TMP/cg.out" sc_implicit_fallback_implied <<'EOF'
import re, sys
names, total, callee = {}, 0, None
for line in open(sys.argv[1]):
    m = re.match(r'(c?fn)=\((\d+)\)(?: (.*))?', line)
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3).strip()
        callee = names.get(m.group(2)) if m.group(1) == 'cfn' else None
    elif line.startswith('calls=') and callee == sys.argv[2]:
        total += int(line[6:].split()[0])
        callee = None
print(total)
EOF
)
	[ "$n" = 3 ] && ok "each rule asked once whether it is the implied fallback rule" ||
		not_ok "each rule asked once whether it is the implied fallback rule ($n calls for 3 rules)"
fi
done_testing
