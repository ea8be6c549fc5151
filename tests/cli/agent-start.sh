#!/bin/bash
# syscage agent's start: the node's runc is probed (`runc --version`) beside the start and the
# first pass, not before them; what the agent says and installs is what a probe run first
# gave: its log line first, the LOG flag by its answer however late it comes, the .state key
# of that answer, the metric. The fake runc here takes 0.5 s, so the pass has started long
# before it answers.
. "$(dirname "$0")/lib.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
N=200
mkdir -p "$POL" "$KUB"
printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: true\n' >"$KUB/config.yaml"
for i in $(seq -w 1 $N); do
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: p%s\n  namespace: ns%s\nspec:\n  selector:\n    matchLabels:\n      app: a%s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [read, write, openat]\n    action: Allow\n' \
		"$i" "$((10#$i % 4))" "$i" >"$POL/p$i.yaml"
done

# slow_runc VERSION: a node root ($TMP/hostVERSION) whose runc says VERSION after 0.5 s.
slow_runc() {
	local d=$TMP/host$1
	mkdir -p "$d/usr/sbin"
	printf '#!/bin/sh\nsleep 0.5\necho "runc version %s"\n' "$1" >"$d/usr/sbin/runc"
	chmod 755 "$d/usr/sbin/runc"
}
slow_runc 1.1.5
slow_runc 1.2.1
# events: the event= of each log line, in order, repeats folded.
events() { sed -n 's/.* event=\([^ ]*\).*/\1/p' "$TMP/err" | uniq | paste -sd' '; }
# flagged: how many installed profiles have the LOG flag.
flagged() { grep -l SECCOMP_FILTER_FLAG_LOG "$ROOT"/ns*/*.json 2>/dev/null | wc -l; }
profiles() { ls "$ROOT"/ns*/*.json 2>/dev/null | wc -l; }

expect "runc 1.1 answering late: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$KUB" --host-root "$TMP/host1.1.5" --once
ev=$(events)
[ "$ev" = "runc-refuses-flags root preflight install reconcile" ] &&
	ok "runc 1.1: its line first, then the start's and the pass's, as when it was probed first" ||
	not_ok "runc 1.1: log events in order (got: $ev)"
[ "$(profiles)" -eq $N ] && [ "$(flagged)" -eq 0 ] && ok "runc 1.1: $N profiles, none with the LOG flag" ||
	not_ok "runc 1.1: $N profiles without the LOG flag ($(profiles) installed, $(flagged) flagged)"

# The .state key holds the answer: another runc is another key, every profile made again.
expect "runc 1.2 on the same root: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$KUB" --host-root "$TMP/host1.2.1" --once
ev=$(events)
[ "$ev" = "root preflight install reconcile" ] && ok "runc 1.2: nothing said of runc" ||
	not_ok "runc 1.2: log events (got: $ev)"
err_has "runc 1.2: every profile written again" "event=reconcile .* written=$N "
[ "$(flagged)" -eq $N ] && ok "runc 1.2: every profile has the LOG flag" ||
	not_ok "runc 1.2: every profile has the LOG flag ($(flagged) of $N)"
expect "runc 1.2 again: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$KUB" --host-root "$TMP/host1.2.1" --once
err_has "runc 1.2 again: unchanged, nothing written" "event=reconcile .* written=0 "
expect "back to runc 1.1: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$KUB" --host-root "$TMP/host1.1.5" --once
err_has "back to runc 1.1: every profile written again" "event=reconcile .* written=$N "
[ "$(flagged)" -eq 0 ] && ok "back to runc 1.1: no profile has the LOG flag" ||
	not_ok "back to runc 1.1: no LOG flag ($(flagged) flagged)"

# --no-log-flag: the pass needs no answer; the metric still has it (below, the daemon).
expect "--no-log-flag with runc 1.1: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$KUB" --host-root "$TMP/host1.1.5" --no-log-flag --once
ev=$(events)
[ "$ev" = "root preflight reconcile" ] && ok "--no-log-flag: no runc line, as before" ||
	not_ok "--no-log-flag: log events (got: $ev)"

# A start that fails: the runc line still comes first, then the error.
expect "a kubelet root that is not there: --once fails" 1 "$SYSCAGE" agent --policies "$POL" \
	--kubelet-root "$TMP/nonexistent" --host-root "$TMP/host1.1.5" --once
ev=$(events)
[ "${ev%% *}" = "runc-refuses-flags" ] && [[ "$ev" == *root-failed* ]] &&
	ok "failed start: the runc line, then the failure" || not_ok "failed start: log events (got: $ev)"

# The daemon: its log in the same order, and the metric of the answer.
if command -v curl >/dev/null; then
	rm -rf "$ROOT"
	"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host1.1.5" \
		--listen 127.0.0.1:0 --data-listen none --kmsg "$TMP/kmsg" --audit-log "" \
		2>"$TMP/agent.log" &
	AGENT=$!
	for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/agent.log" && break; sleep 0.05; done
	port=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
	curl -s "http://127.0.0.1:$port/metrics" >"$TMP/metrics"
	grep -q '^syscage_runc_accepts_flags 0$' "$TMP/metrics" && ok "daemon: syscage_runc_accepts_flags 0" ||
		not_ok "daemon: syscage_runc_accepts_flags 0 ($(grep runc_accepts "$TMP/metrics" | tail -1))"
	kill "$AGENT"
	wait "$AGENT"
	cp "$TMP/agent.log" "$TMP/err"
	ev=$(events)
	[[ "$ev" == "runc-refuses-flags root preflight listen "*" reconcile"* ]] &&
		ok "daemon: the runc line first, then the start's, as before" ||
		not_ok "daemon: log events in order (got: $ev)"
	[ "$(flagged)" -eq 0 ] && [ "$(profiles)" -eq $N ] && ok "daemon: no LOG flag" ||
		not_ok "daemon: no LOG flag ($(flagged) flagged of $(profiles))"
else
	skip "curl not installed: the daemon's metric"
fi
done_testing
