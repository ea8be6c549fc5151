#!/bin/bash
# syscage policy build: policy sets per target and per workload, stable names, the index,
# seed 003's delete-and-recompute, DNS-1123 names, nothing outside OUTDIR.
. "$(dirname "$0")/lib.sh"
D="$SYSCAGE_SRCDIR/tests/data/policies"

# actions FILE: sorted "name=ACTION" of an OCI profile + its default.
actions() {
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
out = ["%s=%s" % (n, r["action"][9:]) for r in p.get("syscalls", []) for n in r["names"]]
print(" ".join(sorted(out)) + " default=" + p["defaultAction"][9:])' "$1"
}

expect "build by target" 0 "$SYSCAGE" policy build "$D/mixed" -o "$TMP/out1"
out_has "summary" "6 policies -> 5 profiles"
(cd "$TMP/out1" && find . -type f | sort) >"$TMP/files"
want="./default/plain.json
./index.json
./shop/shop-base.json
./shop/shop-db-68c13fa3.json
./shop/shop-no-ptrace.json
./shop/spo-web.json"
[ "$(cat "$TMP/files")" = "$want" ] && ok "one profile per distinct target, stable names" || { not_ok "files per target"; sed 's/^/# /' "$TMP/files"; }
python3 - "$TMP/out1/index.json" <<'P' && ok "index maps targets to paths" || not_ok "index maps targets to paths"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["path"]: x for x in d["sets"]}
db = s["shop/shop-db-68c13fa3.json"]
assert [p["name"] for p in db["policies"]] == ["shop-db", "shop-db-net"]
assert db["policies"][0]["selector"]["matchExpressions"][0]["operator"] == "In"
assert s["default/plain.json"]["policies"][0]["kind"] == "OCI"
assert s["shop/spo-web.json"]["policies"][0]["kind"] == "SeccompProfile"
assert d["mode"] == "targets"
P
got=$(actions "$TMP/out1/shop/shop-db-68c13fa3.json")
[ "$got" = "accept4=ALLOW fdatasync=ALLOW fsync=ALLOW pwrite64=ALLOW sendto=ALLOW default=ERRNO" ] \
	&& ok "identical selectors (values in another order) share a set" || { not_ok "shared target"; echo "# $got"; }

expect "rebuild is a no-op" 0 "$SYSCAGE" policy build "$D/mixed" -o "$TMP/out1"
out_has "nothing changed" "\(0 files changed"

# Per workload: the seed's per-pod merge.
mkdir -p "$TMP/pol"
cp -r "$D/mixed/." "$D/seed" "$TMP/pol/"
expect "build per workload" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/out2" --workloads "$D/workloads.yaml"
out_has "workload summary" "8 workloads: 6 bound \(0 that no policy selects: RuntimeDefault\), 2 unmatched"
python3 - "$TMP/out2/index.json" >"$TMP/wl" <<'P'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["sets"]:
    if "workload" in s:
        print(s["workload"]["name"], s["path"], ",".join(p["name"] for p in s["policies"]))
for u in d["unmatched"]:
    print(u["name"], "-", "-")
P
want="debugger shop/pod_debugger.json shop-base
frontend shop/pod_frontend.json shop-base,shop-no-ptrace
postgres shop/pod_postgres.json shop-base,shop-db,shop-db-net,shop-no-ptrace
queue shop/pod_queue.json shop-base
redis shop/pod_redis.json shop-base,shop-db,shop-db-net,shop-no-ptrace
wordpress wordpress-mysql/pod_wordpress.json kscmp1-allow,kscmp1-block,kscmp2-allow,kscmp2-block
mysql - -
lonely - -"
[ "$(cat "$TMP/wl")" = "$want" ] && ok "each workload gets the policies that select it, at its own path" || { not_ok "workload sets"; sed 's/^/# /' "$TMP/wl"; }
got=$(actions "$TMP/out2/wordpress-mysql/pod_wordpress.json")
[ "$got" = "close=ALLOW openat=ERRNO read=ALLOW write=ERRNO default=ERRNO" ] \
	&& ok "seed 003: wordpress gets allow {s1,s4}, deny {s2,s3}" || { not_ok "seed merge in build"; echo "# $got"; }
got=$(actions "$TMP/out2/shop/pod_frontend.json")
[ "$got" = "close=ALLOW exit_group=ALLOW futex=ALLOW ptrace=ERRNO read=ALLOW write=ERRNO default=ERRNO" ] \
	&& ok "deny beats allow across policies (write)" || { not_ok "frontend merge"; echo "# $got"; }
[ -e "$TMP/out2/wordpress-mysql/kscmp1-allow-6c3d8dbb.json" ] && ok "the selector's own policy set is installed too" || not_ok "the selector's own policy set is installed too"

# Seed 003: kscmp2 deleted -> recomputed, at the same path.
rm "$TMP/pol/seed/kscmp2.yaml"
echo '{"not": "ours"}' >"$TMP/out2/wordpress-mysql/mine.json"
expect "rebuild after deleting kscmp2, --prune" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/out2" --workloads "$D/workloads.yaml" --prune
path=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([s["path"] for s in d["sets"] if s.get("workload", {}).get("name") == "wordpress"][0])' "$TMP/out2/index.json")
[ "$path" = wordpress-mysql/pod_wordpress.json ] && ok "the workload's path did not move" || not_ok "the workload's path did not move ($path)"
got=$(actions "$TMP/out2/$path")
[ "$got" = "close=ALLOW openat=ERRNO read=ALLOW write=ALLOW default=ERRNO" ] \
	&& ok "seed 003: after delete allow {s1,s2,s4}, deny {s3} ($path)" || { not_ok "after delete"; echo "# $got"; }

out_has "one stale profile removed" "^1 stale profile removed"
[ ! -e "$TMP/out2/wordpress-mysql/kscmp1-allow-6c3d8dbb.json" ] && ok "stale set profile removed" || not_ok "stale set profile removed"
[ -e "$TMP/out2/$path" ] && [ -e "$TMP/out2/wordpress-mysql/mine.json" ] && ok "current profiles and foreign files kept" || not_ok "current profiles and foreign files kept"
printf '{"sets": [{"namespace": "..", "name": "x", "path": "../x.json"}, {"namespace": "wordpress-mysql", "name": "mine", "path": "wordpress-mysql/../../mine.json"}]}' >"$TMP/out2/index.json"
expect "a forged index removes nothing" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/out2" --workloads "$D/workloads.yaml" --prune
out_has "nothing removed" "^0 stale profiles removed"
[ -e "$TMP/out2/wordpress-mysql/mine.json" ] && ok "forged paths ignored" || not_ok "forged paths ignored"

# A ConfigMap volume: ..data dirs are skipped, key symlinks followed once.
mkdir -p "$TMP/cm/..2024_01_01_00_00_00.1" && cp "$D/seed/kscmp1.yaml" "$TMP/cm/..2024_01_01_00_00_00.1/"
ln -s ..2024_01_01_00_00_00.1 "$TMP/cm/..data" && ln -s ..data/kscmp1.yaml "$TMP/cm/kscmp1.yaml"
expect "ConfigMap layout" 0 "$SYSCAGE" policy build "$TMP/cm" -o "$TMP/out3"
out_has "read once" "2 policies -> 1 profiles"

# Names that would escape OUTDIR are rejected; nothing is written.
mkdir -p "$TMP/evil"
sed 's/name: kscmp1-allow/name: ..\/..\/etc/' "$D/seed/kscmp1.yaml" >"$TMP/evil/p.yaml"
expect "bad name rejected" 1 "$SYSCAGE" policy build "$TMP/evil" -o "$TMP/out4"
err_has "DNS-1123 error with location" "p.yaml:[0-9]+:[0-9]+: error: .*not a DNS-1123 name"
[ ! -e "$TMP/out4" ] && ok "nothing written" || not_ok "nothing written"
sed 's/namespace: wordpress-mysql/namespace: Bad_NS/' "$D/seed/kscmp1.yaml" >"$TMP/evil/p.yaml"
expect "bad namespace rejected" 1 "$SYSCAGE" policy build "$TMP/evil" -o "$TMP/out4"
err_has "namespace error" "namespace 'Bad_NS' is not a DNS-1123 label"
cp "$D/mixed/plain.json" "$TMP/evil/p.yaml" && cp "$D/mixed/plain.json" "$TMP/evil/Upper_Case.json"
expect "OCI file name must be DNS-1123" 1 "$SYSCAGE" policy build "$TMP/evil" -o "$TMP/out4"
err_has "says rename the file" "Upper_Case.*rename the file"

# Duplicates and bad selectors.
mkdir -p "$TMP/dup" && cp "$D/seed/kscmp1.yaml" "$TMP/dup/a.yaml" && cp "$D/seed/kscmp1.yaml" "$TMP/dup/b.yaml"
expect "duplicate policy" 1 "$SYSCAGE" policy build "$TMP/dup" -o "$TMP/out5"
err_has "duplicate reported" "duplicate KubeArmorSeccompPolicy wordpress-mysql/kscmp1-allow"
mkdir -p "$TMP/sel"
cat >"$TMP/sel/p.yaml" <<'Y'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorSeccompPolicy
metadata: {name: p, namespace: ns}
spec:
  selector:
    matchExpressions:
      - {key: tier, operator: In}
  seccomp: {syscalls: [read], action: Allow}
Y
expect "In without values" 1 "$SYSCAGE" policy build "$TMP/sel" -o "$TMP/out6"
err_has "selector error" "operator In needs 'values'"

# OUTDIR/<ns> as a symlink is not followed.
mkdir -p "$TMP/out7" "$TMP/elsewhere" && ln -s "$TMP/elsewhere" "$TMP/out7/shop"
expect "symlinked namespace dir refused" 1 "$SYSCAGE" policy build "$D/mixed" -o "$TMP/out7"
[ -z "$(ls "$TMP/elsewhere")" ] && ok "nothing written through the symlink" || not_ok "nothing written through the symlink"

# Workloads file errors, usage.
echo '[{namespace: shop}]' >"$TMP/w.yaml"
expect "workload without name" 1 "$SYSCAGE" policy build "$D/mixed" -o "$TMP/out8" --workloads "$TMP/w.yaml"
err_has "says what is missing" "without 'name'"
expect "Kubernetes List as workloads" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/out9" --workloads /dev/stdin <<'Y'
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: wp, namespace: wordpress-mysql, labels: {ignored: "yes"}}
    spec:
      template:
        metadata: {labels: {app: wordpress}}
Y
out_has "deployment matched through its pod template" "1 workloads: 1 bound"
expect "no subcommand" 2 "$SYSCAGE" policy
expect "unknown subcommand" 2 "$SYSCAGE" policy frobnicate
expect "missing -o" 2 "$SYSCAGE" policy build "$D/mixed"
expect "missing dir" 1 "$SYSCAGE" policy build "$TMP/nope" -o "$TMP/out10"
expect "help" 0 "$SYSCAGE" policy --help
out_has "help has examples" "Examples:"
done_testing
