#!/bin/bash
# syscage agent against what it does not own: a second file with a live policy's name does
# not replace it (log line and metric name both files); files under the root that the agent
# did not write (its own profile, put there by its init container) or that changed since it
# wrote them are neither overwritten nor removed; a policy file that is a link out of the
# policies directory is not read, and what a file that is no policy holds is never echoed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"
command -v curl >/dev/null || { skip "curl not installed"; done_testing; exit; }

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB"

agent() { "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag "$@"; }

# ---- a duplicate name: the established file keeps winning ----------------------------------
ka web shop web "read, write" Block >"$POL/web.yaml"
expect "one policy installed" 0 agent
ka web shop web "read" Allow >"$POL/0-web-too.yaml" # sorts first
expect "a second file with the same name: rejected" 1 agent
err_has "the log line names both files" "event=reject file=$POL/0-web-too.yaml reason=duplicate msg=\"duplicate KubeArmorSeccompPolicy shop/web: $POL/web.yaml has it installed already"
got=$(act "$ROOT/shop/web.json" read write)
[ "$got" = "read=ERRNO write=ERRNO" ] && ok "the installed profile is the established one's ($got)" || not_ok "installed: $got"

# ---- links out of the directory, files that are no policy ----------------------------------
printf 'root:$6$SeCrEtHaSh:20228:0:99999:7:::\n' >"$TMP/shadow"
ln -s "$TMP/shadow" "$POL/shadow.json"
ln -s ../shadow "$POL/up.yaml"
cp "$TMP/shadow" "$POL/copied.json"
mkdir "$POL/team"
ka api shop api "read" Allow >"$POL/team/api.yaml"
ln -s team/api.yaml "$POL/api.yaml"
expect "links out of the directory: rejected" 1 agent
err_has "said so, naming the file" "event=reject file=$POL/shadow.json reason=read msg=\"a symbolic link that leads out of the policies directory"
err_has "the other link too" "event=reject file=$POL/up.yaml reason=read"
err_has "a file that is no policy: said so" "event=reject file=$POL/copied.json reason=parse msg=\"not a profile, policy or bindings file"
if grep -Eq 'SeCrEt|root:' "$TMP/err"; then not_ok "nothing of the files echoed"; grep -E 'SeCrEt|root:' "$TMP/err" | sed 's/^/# /'; else ok "nothing of the files echoed"; fi
err_has "a link inside the directory is followed" "duplicate KubeArmorSeccompPolicy shop/api"

"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:0 --kmsg "" --audit-log "" \
	--no-log-flag 2>"$TMP/agent.log" &
AGENT=$!
trap 'kill -9 $AGENT 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
run_cmd curl -s "http://127.0.0.1:$PORT/metrics"
out_has "the metric names both files" "^syscage_policy_duplicates\{file=\"$POL/0-web-too.yaml\",kept=\"$POL/web.yaml\"\} 1$"
DPORT=$(sed -n 's/.*event=data-listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
run_cmd curl -s "http://127.0.0.1:$DPORT/profiles"
if grep -Eq 'SeCrEt|root:' "$TMP/out"; then not_ok "/profiles echoes nothing of them"; else ok "/profiles echoes nothing of them"; fi
json_check "/profiles lists the rejections" "$TMP/out" 'sorted(r["reason"] for r in d["rejected"]) == ["duplicate", "duplicate", "parse", "read", "read"]'
kill -TERM $AGENT
wait $AGENT
if grep -Eq 'SeCrEt|root:' "$TMP/agent.log"; then not_ok "the agent's log echoes nothing of them"; else ok "the agent's log echoes nothing of them"; fi
rm "$POL/0-web-too.yaml" "$POL/shadow.json" "$POL/up.yaml" "$POL/copied.json" "$POL/api.yaml"

# ---- files the agent did not write ---------------------------------------------------------
# The agent's own profile, as deploy/'s init container puts it in place.
mkdir -p "$ROOT/syscage-system"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "epoll_wait"], "action": "SCMP_ACT_ALLOW"}]}\n' >"$TMP/self.json"
"$SYSCAGE" convert "$TMP/self.json" -o "$ROOT/syscage-system/syscage-agent.json" 2>/dev/null
cp "$ROOT/syscage-system/syscage-agent.json" "$TMP/self.installed"
ka syscage-agent syscage-system x "reboot" Block >"$POL/evil.yaml"
expect "a policy named like the agent's own profile: rejected" 1 agent
err_has "the rejection names the policy and the file" "event=reject file=$POL/evil.yaml reason=conflict msg=\"its profile would be written to syscage/syscage-system/syscage-agent.json, which holds a file this agent did not write: it is left alone"
cmp -s "$TMP/self.installed" "$ROOT/syscage-system/syscage-agent.json" && ok "the agent's own profile is untouched" || not_ok "the agent's own profile is untouched"
rm "$POL/evil.yaml"
expect "the policy deleted" 0 agent
cmp -s "$TMP/self.installed" "$ROOT/syscage-system/syscage-agent.json" && ok "the agent's own profile is still there" || not_ok "the agent's own profile is still there"

# A profile the agent wrote, changed by someone since: neither rewritten nor removed.
printf '{"defaultAction": "SCMP_ACT_ALLOW"}\n' >"$ROOT/shop/web.json"
ka web shop web "read, write, close" Block >"$POL/web.yaml"
expect "its policy changed: rejected" 1 agent
err_has "said so" "event=reject file=$POL/web.yaml reason=conflict msg=\"its profile would be written to syscage/shop/web.json, which holds a file changed since this agent wrote it"
grep -q SCMP_ACT_ERRNO "$ROOT/shop/web.json" && not_ok "not rewritten" || ok "not rewritten"
rm "$POL/web.yaml"
expect "its policy deleted" 0 agent
[ -f "$ROOT/shop/web.json" ] && ok "not removed" || not_ok "not removed"
# Restarts adopt what the agent wrote, without rewriting it.
ka web2 shop web2 "read" Allow >"$POL/web2.yaml"
expect "a new policy" 0 agent
ino=$(stat -c %i "$ROOT/shop/web2.json")
expect "a restart" 0 agent
err_has "nothing written" 'event=reconcile .* written=0 removed=0 rejected=0'
[ "$(stat -c %i "$ROOT/shop/web2.json")" = "$ino" ] && ok "the same file" || not_ok "the same file"
rm "$POL/web2.yaml"
expect "its policy deleted" 0 agent
[ ! -e "$ROOT/shop/web2.json" ] && ok "what the agent wrote is removed" || not_ok "what the agent wrote is removed"
# Changed by someone, then its policy deleted: left, and said.
ka web3 shop web3 "read" Allow >"$POL/web3.yaml"
expect "another policy" 0 agent
printf '{"defaultAction": "SCMP_ACT_ALLOW"}\n' >"$ROOT/shop/web3.json"
rm "$POL/web3.yaml"
expect "its policy deleted" 0 agent
err_has "the removal is skipped, and said" "level=warn event=remove-skipped path=shop/web3.json msg=\"no policy produces it any more, but it is not what this agent wrote there"
[ -f "$ROOT/shop/web3.json" ] && ok "a changed file is not removed" || not_ok "a changed file is not removed"

done_testing
