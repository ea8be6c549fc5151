#!/bin/bash
# syscage merge: seed 003's deny precedence, formats, conflicts, and --check as a CI gate.
. "$(dirname "$0")/lib.sh"
D="$SYSCAGE_SRCDIR/tests/data/policies"

# actions FILE: "name=ACTION" lines of an OCI profile, sorted (no args rules).
actions() {
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
out = []
for r in p.get("syscalls", []):
    for n in r["names"]:
        out.append("%s=%s" % (n, r["action"]))
print(" ".join(sorted(out)) + " default=" + p["defaultAction"])' "$1"
}

expect "merge kscmp1 + kscmp2" 0 "$SYSCAGE" merge "$D/seed/kscmp1.yaml" "$D/seed/kscmp2.yaml" -o "$TMP/m.json"
got=$(actions "$TMP/m.json")
want="close=SCMP_ACT_ALLOW openat=SCMP_ACT_ERRNO read=SCMP_ACT_ALLOW write=SCMP_ACT_ERRNO default=SCMP_ACT_ERRNO"
[ "$got" = "$want" ] && ok "seed 003: allow {s1,s4}, deny {s2,s3}" || { not_ok "seed 003 merge"; echo "# got: $got"; }
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["architectures"]; assert a==["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"], a' "$TMP/m.json" \
	&& ok "architectures are the union" || not_ok "architectures are the union"

expect "kscmp2 deleted: merge kscmp1 alone" 0 "$SYSCAGE" merge "$D/seed/kscmp1.yaml" -o "$TMP/m1.json"
got=$(actions "$TMP/m1.json")
want="close=SCMP_ACT_ALLOW openat=SCMP_ACT_ERRNO read=SCMP_ACT_ALLOW write=SCMP_ACT_ALLOW default=SCMP_ACT_ERRNO"
[ "$got" = "$want" ] && ok "seed 003: allow {s1,s2,s4}, deny {s3}" || { not_ok "seed 003 after delete"; echo "# got: $got"; }

expect "order does not matter" 0 "$SYSCAGE" merge "$D/seed/kscmp2.yaml" "$D/seed/kscmp1.yaml" -o "$TMP/m2.json"
[ "$(actions "$TMP/m2.json")" = "$(actions "$TMP/m.json")" ] && ok "same result reversed" || not_ok "same result reversed"

expect "spo output" 0 "$SYSCAGE" merge "$D/seed/kscmp1.yaml" "$D/seed/kscmp2.yaml" --format spo --name wp
out_has "SeccompProfile kind" "kind: SeccompProfile"
out_has "named wp" "name: wp"
expect "stdout output reads back" 0 "$SYSCAGE" merge "$D/seed/kscmp1.yaml" "$D/seed/kscmp2.yaml" --format kubearmor
out_has "kubearmor output" "KubeArmorSeccompPolicy"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}' >"$TMP/enosys.json"
expect "a merge KubeArmor cannot hold: exit 1" 1 "$SYSCAGE" merge "$D/seed/kscmp1.yaml" "$TMP/enosys.json" --format kubearmor
err_has "... says what in it KubeArmor cannot hold" "cannot write standard output as kubearmor: the rule for ptrace answers errno 38: KubeArmor blocks with EPERM \\(1\\); write it as oci or spo instead"

# Conflict: unconditional allow vs conditional deny -> warning, narrowed.
cat >"$TMP/a.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality", "read"], "action": "SCMP_ACT_ALLOW"}]}
J
cat >"$TMP/b.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
  "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_GE"}]}]}
J
expect "conflicting arg rules merge" 0 "$SYSCAGE" merge "$TMP/a.json" "$TMP/b.json" -o "$TMP/c.json"
err_has "conflict reported as a warning" "warning: .*personality: conflict"
python3 - "$TMP/c.json" <<'P' && ok "deny(arg0>=8) kept, allow narrowed to arg0<8" || not_ok "conflict resolution"
import json, sys
p = json.load(open(sys.argv[1]))
rules = [(r["action"], tuple((a["index"], a["op"], a["value"]) for a in r.get("args", []))) for r in p["syscalls"] if "personality" in r["names"]]
assert sorted(rules) == sorted([("SCMP_ACT_ERRNO", ((0, "SCMP_CMP_GE", 8),)), ("SCMP_ACT_ALLOW", ((0, "SCMP_CMP_LT", 8),))]), rules
P
expect "-q silences warnings" 0 "$SYSCAGE" merge -q "$TMP/a.json" "$TMP/b.json"
[ ! -s "$TMP/err" ] && ok "no warnings with -q" || not_ok "no warnings with -q"

# --check: CI gate
cat >"$TMP/base.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read", "write", "close", "exit_group"], "action": "SCMP_ACT_ALLOW"},
              {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}
J
cat >"$TMP/new.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
 "syscalls": [{"names": ["read", "write", "ptrace", "mseal"], "action": "SCMP_ACT_ALLOW"}]}
J
cat >"$TMP/small.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read", "close"], "action": "SCMP_ACT_ALLOW"}]}
J
expect "--check finds gaps" 1 "$SYSCAGE" merge --check "$TMP/base.json" "$TMP/new.json"
out_has "ptrace allowed by new, denied by base" "x86_64 ptrace: new SCMP_ACT_ALLOW.*base SCMP_ACT_ERRNO"
out_has "mseal needed" "x86_64 mseal"
out_has "missing arch" "x86: architecture not in"
expect "--check passes when covered" 0 "$SYSCAGE" merge --check "$TMP/base.json" "$TMP/small.json"
out_has "says covered" "covered by"
expect "--check json" 1 "$SYSCAGE" merge --check -o json "$TMP/base.json" "$TMP/small.json" "$TMP/new.json"
python3 - "$TMP/out" <<'P' && ok "json lists the gaps per file" || not_ok "json lists the gaps per file"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["covered"] is False
c = {x["new"].rsplit("/", 1)[1]: x for x in d["checks"]}
assert c["small.json"]["covered"] and c["small.json"]["gaps"] == []
g = c["new.json"]["gaps"]
assert {"kind": "syscall", "arch": "x86_64", "syscall": "ptrace"}.items() <= [x for x in g if x.get("syscall") == "ptrace"][0].items()
assert any(x["kind"] == "arch" and x["arch"] == "x86" for x in g)
P
expect "seed: kscmp1 alone does not cover kscmp1+kscmp2's ... reverse does" 1 "$SYSCAGE" merge --check "$TMP/m.json" "$TMP/m1.json"
out_has "write is the gap" "x86_64 write: new SCMP_ACT_ALLOW"
expect "merged profile is covered by kscmp1 alone" 0 "$SYSCAGE" merge --check "$TMP/m1.json" "$TMP/m.json"

# errors
expect "no args is a usage error" 2 "$SYSCAGE" merge
expect "--check needs two" 2 "$SYSCAGE" merge --check "$TMP/base.json"
expect "bad format" 2 "$SYSCAGE" merge --format xml "$TMP/a.json"
echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$TMP/bad.json"
expect "invalid input exits 1" 1 "$SYSCAGE" merge "$TMP/a.json" "$TMP/bad.json" -o "$TMP/never.json"
err_has "error has file:line:col" "bad.json:1:[0-9]+"
[ ! -e "$TMP/never.json" ] && ok "nothing written on error" || not_ok "nothing written on error"
expect "missing file" 1 "$SYSCAGE" merge "$TMP/nope.json"
expect "help" 0 "$SYSCAGE" merge --help
out_has "help has examples" "Examples:"
done_testing
