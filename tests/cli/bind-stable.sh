#!/bin/bash
# A bound pod keeps starting whatever happens to the policies: after each thing users do to
# the policies directory (delete, move or break a policy, change a selector, remove or rewrite
# the bindings file, run a second agent on the same root), every path a workload was bound to
# is still there and holds a whole profile, one that still starts the workload's containers
# (the calls every runtime makes are not taken away by a change the workload did not ask for).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB"

dep() { # NAME NS APP
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s, namespace: %s}\nspec:\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers: [{name: c, image: "x:1"}]\n' "$@"
}
agent() { "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag "$@"; }
# whole PATH...: each file parses as an OCI profile that `check` accepts.
whole() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || { echo "missing: $f"; return 1; }
		"$SYSCAGE" check "$f" >/dev/null 2>&1 || { echo "not a valid profile: $f"; return 1; }
	done
}
held() { # DESC PATH...
	local why
	if why=$(whole "${@:2}"); then ok "$1"; else not_ok "$1: $why"; fi
}

CALLS="read, write, close, execve, exit_group, futex, fstatfs, getdents64, getcwd, openat, rt_sigreturn"
ka web shop web "$CALLS" Allow >"$POL/web.yaml"
ka api shop api "$CALLS, getpid" Allow >"$POL/api.yaml"
{ dep web shop web; echo ---; dep api shop api; } >"$TMP/shop.yaml"
dep pay billing pay >"$TMP/billing.yaml"
ka pay billing pay "$CALLS" Allow >"$POL/pay.yaml"
expect "bind shop" 0 "$SYSCAGE" k8s bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$POL/bindings.yaml" -o "$TMP/shop.bound.yaml"
expect "the first pass" 0 agent
WEB=$ROOT/shop/deployment_web.json
API=$ROOT/shop/deployment_api.json
held "both bound paths installed" "$WEB" "$API"
cp "$POL/bindings.yaml" "$TMP/bindings.shop"

# ---- the bindings file removed -------------------------------------------------------------
rm "$POL/bindings.yaml"
expect "agent without the bindings file" 0 agent
held "the bound paths stay (pods bound to them start at every restart)" "$WEB" "$API"
err_has "said, naming the path" 'level=warn event=unbound-kept path=shop/deployment_web.json msg="no binding names'
expect "agent again, still without it" 0 agent
held "they stay at the next pass" "$WEB" "$API"
if grep -q 'event=unbound-kept' "$TMP/err"; then not_ok "said once, not at every pass"; else ok "said once, not at every pass"; fi
err_has "counted as kept" 'event=reconcile .* kept=2 '

# Emptied (a ConfigMap key set to ""), or left with its comments only: the same.
for v in '' '# nothing bound'; do
	cp "$TMP/bindings.shop" "$POL/bindings.yaml"
	expect "agent with the bindings" 0 agent
	printf '%s' "$v" >"$POL/bindings.yaml"
	run_cmd agent
	held "the bindings file emptied${v:+ to a comment}: the bound paths stay" "$WEB" "$API"
done

# ---- the bindings file written again by a bind of other manifests --------------------------
# A second run merges into the file (shop's bindings stay: bind-files.sh); with
# --bindings-replace it holds that run's bindings only, and shop's paths lose theirs.
cp "$TMP/bindings.shop" "$POL/bindings.yaml"
expect "agent with the bindings back" 0 agent
err_has "the paths are bound again" 'event=reconcile .* bindings=2 '
expect "bind billing into the same bindings file, replacing it" 0 "$SYSCAGE" k8s bind -f "$TMP/billing.yaml" -p "$POL" \
	--bindings "$POL/bindings.yaml" --bindings-replace -o "$TMP/billing.bound.yaml"
expect "agent with the rewritten bindings" 0 agent
held "shop's paths stay, billing's is installed" "$WEB" "$API" "$ROOT/billing/deployment_pay.json"
# Deleted by hand (what the message says to do once no pod needs it): forgotten, not made again.
rm "$API"
expect "agent after the file was deleted by hand" 0 agent
[ ! -e "$API" ] && ok "a kept profile deleted by hand is not made again" || not_ok "a kept profile deleted by hand is not made again"
if grep -q '"path": "shop/deployment_api.json"' "$ROOT/index.json"; then not_ok "and the index forgets it"; else ok "and the index forgets it"; fi
cat "$TMP/bindings.shop" >>"$POL/bindings.yaml"
expect "agent with both runs' bindings" 0 agent
held "bound again: installed again" "$WEB" "$API"

# ---- the policy moved to another namespace -------------------------------------------------
sed -i 's/namespace: shop/namespace: other/' "$POL/web.yaml"
expect "agent with web's policy in another namespace" 0 agent
held "the bound path stays whole" "$WEB"
got=$(act "$WEB" execve futex)
[ "$got" = "execve=ALLOW futex=ALLOW" ] && ok "with RuntimeDefault, which starts it ($got)" || not_ok "after the move: $got"
sed -i 's/namespace: other/namespace: shop/' "$POL/web.yaml"

# ---- the selector changed so that another set forms ----------------------------------------
ka web shop web "$CALLS, getppid" Allow >"$POL/web.yaml"
ka web2 shop web "$CALLS, gettid" Allow >"$POL/web2.yaml"
expect "agent with two policies selecting web" 0 agent
got=$(act "$WEB" getppid gettid)
[ "$got" = "getppid=ALLOW gettid=ALLOW" ] && ok "the path holds both ($got)" || not_ok "two selectors: $got"
sed -i 's/app: web$/app: other/' "$POL/web2.yaml"
expect "agent after web2's selector moved away" 0 agent
held "the bound path stays whole" "$WEB"
got=$(act "$WEB" getppid gettid)
[ "$got" = "getppid=ALLOW gettid=-" ] && ok "the path follows the new set ($got)" || not_ok "new set: $got"
rm "$POL/web2.yaml"

# ---- the policy made invalid: the last good profile, not the fallback ----------------------
cp "$WEB" "$TMP/web.good"
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: web}}\n  seccomp: {arch: [x86_64], syscalls: [read, no_such_call], action: Allow}\n' >"$POL/web.yaml"
expect "agent with web's policy broken" 1 agent
cmp -s "$WEB" "$TMP/web.good" && ok "the bound path keeps its last good profile" || not_ok "the bound path keeps its last good profile"
# Made invalid and renamed at once (its file keeps the path it had): the same.
sed -i 's/name: web$/name: web-renamed/' "$POL/web.yaml"
expect "agent with it renamed too" 1 agent
cmp -s "$WEB" "$TMP/web.good" && ok "still the last good profile" || not_ok "still the last good profile"
ka web shop web "$CALLS, getppid" Allow >"$POL/web.yaml"

# ---- two policies, one name ----------------------------------------------------------------
ka web shop web "read" Block >"$POL/0-web.yaml"
expect "agent with a second policy named web" 1 agent
cmp -s "$WEB" "$TMP/web.good" && ok "the bound path keeps the established policy's profile" || not_ok "the established policy's profile"
rm "$POL/0-web.yaml"

# ---- two agents on one node ----------------------------------------------------------------
# A second agent starting (a DaemonSet's rolling update, a debug run) must not take the temp
# files of the first one's pass in flight: every bound path stays whole, and no write fails.
for i in $(seq 1 300); do ka "p$i" shop "a$i" "$CALLS" Allow >"$POL/p$i.yaml"; done
for i in $(seq 1 300); do dep "a$i" shop "a$i"; echo ---; done >"$TMP/many.yaml"
expect "bind 300 workloads" 0 "$SYSCAGE" k8s bind -f "$TMP/many.yaml" -p "$POL" --bindings "$POL/bindings-many.yaml" -o "$TMP/many.bound.yaml"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --kmsg "" --audit-log "" \
	--no-log-flag --debounce-ms 10 2>"$TMP/a1.log" &
A1=$!
trap 'kill -9 $A1 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/a1.log" && break; sleep 0.05; done
bad=0
for k in $(seq 1 12); do
	# Every policy changes: the first agent writes 300 profiles while the second starts.
	sed -i "s/syscalls: \[.*\]/syscalls: [$CALLS, getpid$([ $((k % 2)) = 0 ] && echo ',' gettid)]/" "$POL"/p*.yaml
	sleep 0.02
	"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag >/dev/null 2>>"$TMP/a2.log"
	whole "$ROOT"/shop/deployment_a*.json >/dev/null || bad=$((bad + 1))
done
sleep 0.5
# The second agent binds a new workload while the first one waits (stopped): the first one's
# next pass must take what the other wrote as written by the agent (the index says so), not
# refuse it as a stranger's file, and must follow the next change of its policy.
kill -STOP $A1
ka late shop late "$CALLS" Allow >"$POL/late.yaml"
dep late shop late >"$TMP/late.yaml"
expect "bind a late workload" 0 "$SYSCAGE" k8s bind -f "$TMP/late.yaml" -p "$POL" --bindings "$POL/bindings-late.yaml" -o "$TMP/late.bound.yaml"
expect "the second agent installs it" 0 agent
kill -CONT $A1
# Only the first agent runs now: the change shows only once it took the other's file as its own.
ka late shop late "$CALLS, gettid" Allow >"$POL/late.yaml"
for _ in $(seq 100); do grep -q gettid "$ROOT/shop/deployment_late.json" && break; sleep 0.05; done
got=$(act "$ROOT/shop/deployment_late.json" gettid)
[ "$got" = "gettid=ALLOW" ] && ok "the first agent follows its policy ($got)" || not_ok "the first agent follows its policy ($got)"
if grep -q 'event=reject' "$TMP/a1.log"; then
	not_ok "the first agent refuses nothing the second wrote"
	grep 'event=reject' "$TMP/a1.log" | head -3 | sed 's/^/# /'
else
	ok "the first agent refuses nothing the second wrote"
fi
kill -TERM $A1
wait $A1
[ $bad -eq 0 ] && ok "every bound path whole at every step" || not_ok "bound paths broken at $bad of 12 steps"
held "all 300 bound paths installed" $(for i in $(seq 1 300); do echo "$ROOT/shop/deployment_a$i.json"; done)
n=$(grep -c 'event=install-failed' "$TMP/a1.log" "$TMP/a2.log" | awk -F: '{s += $2} END {print s}')
[ "$n" = 0 ] && ok "no write of either agent failed" || {
	not_ok "no write of either agent failed ($n failed)"
	grep -h 'install-failed' "$TMP/a1.log" "$TMP/a2.log" | head -3 | sed 's/^/# /'
}
want=$(grep -q gettid "$POL/p1.yaml" && echo ALLOW || echo -)
got=$(act "$ROOT/shop/deployment_a1.json" gettid | cut -d= -f2)
[ "$got" = "$want" ] && ok "the profiles hold the last policies ($got)" || not_ok "last policies: gettid=$got, wanted $want"

# ---- the profiles kept unbound, counted on /metrics ----------------------------------------
# The log says it once: the gauge says how many there are at every scrape.
mv "$POL/bindings-late.yaml" "$TMP/bindings-late.yaml"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:0 --data-listen none \
	--kmsg "" --audit-log "" --no-log-flag --debounce-ms 10 2>"$TMP/a3.log" &
A3=$!
trap 'kill -9 $A3 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/a3.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/a3.log" | head -1)
metric() { curl -s "http://127.0.0.1:${PORT:-1}/metrics" | sed -n "s/^$1 //p"; }
got=$(metric syscage_profiles_unbound_kept)
[ "$got" = 1 ] && ok "metric: one profile kept unbound ($got)" || not_ok "metric: one profile kept unbound (got '$got')"
mv "$TMP/bindings-late.yaml" "$POL/"
kill -HUP $A3
for _ in $(seq 200); do [ "$(grep -c 'event=reconcile ' "$TMP/a3.log")" -ge 2 ] && break; sleep 0.05; done
got=$(metric syscage_profiles_unbound_kept)
[ "$got" = 0 ] && ok "metric: back to 0 once bound again ($got)" || not_ok "metric: back to 0 once bound again (got '$got')"
kill -TERM $A3
wait $A3

done_testing
