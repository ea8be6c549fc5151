#!/bin/bash
# syscage agent and ConfigMap updates played as the kubelet's AtomicWriter does them
# (tests/lib/kubelet-play): a key renamed or moved never takes the installed profile away, not
# even in the window between the ..data swap and the kubelet's new key links, and a key added
# costs one reconcile, not one more for each link.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"
. "$SYSCAGE_SRCDIR/tests/lib/kubelet-play"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB"

wait_for() { # DESC CMD...: poll up to 10 s (a bound, not a timing assertion)
	local desc=$1 i
	shift
	for i in $(seq 200); do
		if "$@"; then ok "$desc"; return 0; fi
		sleep 0.05
	done
	not_ok "$desc"
	sed 's/^/# log: /' "$TMP/agent.log" | tail -15
	return 1
}
# The reconcile count once no pass is due (syscage_reconcile_pending 0: every change made so
# far seen and its pass run), from /metrics, served between passes; "busy" if never.
idle_passes() {
	local i url
	url="http://127.0.0.1:$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)"
	for i in $(seq 200); do
		curl -s "$url/metrics" >"$TMP/m"
		if grep -q '^syscage_reconcile_pending 0$' "$TMP/m"; then
			sed -n 's/^syscage_reconcile_total //p' "$TMP/m"
			return 0
		fi
		sleep 0.05
	done
	echo busy
}

ka web shop web "read, write" Allow >"$TMP/web.yaml"
ka db shop db "read, close" Allow >"$TMP/db.yaml"
kp_configmap_write "$POL" web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml"

"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:0 --kmsg "" --audit-log "" \
	--debounce-ms 50 2>"$TMP/agent.log" &
AGENT=$!
trap 'kill -9 $AGENT 2>/dev/null; rm -rf "$TMP"' EXIT
installed() { [ -f "$ROOT/shop/web.json" ] && [ -f "$ROOT/shop/db.json" ]; }
wait_for "both keys installed" installed

# A watcher that notes every moment a profile is missing while the updates run.
: >"$TMP/missing"
(while [ ! -e "$TMP/stop" ]; do
	for p in web db; do [ -e "$ROOT/shop/$p.json" ] || echo "$p" >>"$TMP/missing"; done
	sleep 0.005
done) &
WATCH=$!

# Rename a key (web.yaml -> web-policy.yaml, same policy), with the kubelet's window between the
# swap and the new links held open long enough for the agent to reconcile inside it.
KP_CM_PAUSE=0.5 kp_configmap_write "$POL" web-policy.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml"
sleep 0.5
# Move a key into a new one holding both policies, and back.
cat "$TMP/web.yaml" >"$TMP/both.yaml"
echo --- >>"$TMP/both.yaml"
cat "$TMP/db.yaml" >>"$TMP/both.yaml"
KP_CM_PAUSE=0.5 kp_configmap_write "$POL" all.yaml="$TMP/both.yaml"
sleep 0.5
KP_CM_PAUSE=0.5 KP_CM_LINKS_FIRST=1 kp_configmap_write "$POL" web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml"
sleep 0.5
touch "$TMP/stop"
wait $WATCH
if [ ! -s "$TMP/missing" ]; then
	ok "renamed and moved keys: the profiles never went away"
else
	not_ok "renamed and moved keys: profiles missing for a while: $(sort "$TMP/missing" | uniq -c | tr '\n' ' ')"
fi
if grep -q 'event=remove' "$TMP/agent.log"; then
	not_ok "no removal during the updates"
	grep 'event=remove' "$TMP/agent.log" | sed 's/^/# /'
else
	ok "no removal during the updates"
fi
installed && ok "both installed after the updates" || not_ok "both installed after the updates"

# A key added: the ..data swap gives one reconcile; its link is no reason for another.
ka api shop api "read" Allow >"$TMP/api.yaml"
before=$(idle_passes)
KP_CM_PAUSE=0.3 kp_configmap_write "$POL" web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml" api.yaml="$TMP/api.yaml"
wait_for "the added key is installed" test -f "$ROOT/shop/api.json"
after=$(idle_passes)
[[ $before =~ ^[0-9]+$ ]] && [[ $after =~ ^[0-9]+$ ]] && [ $((after - before)) -eq 1 ] && ok "one reconcile for one added key" ||
	{ not_ok "one reconcile for one added key ($before -> $after passes)"; grep 'event=reconcile ' "$TMP/agent.log" | tail -4 | sed 's/^/# /'; }

# A key removed from the payload: its profile goes (once the update is complete).
kp_configmap_write "$POL" web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml"
gone() { [ ! -e "$ROOT/shop/api.json" ]; }
wait_for "a key removed: its profile goes" gone

kill -TERM $AGENT
wait $AGENT
done_testing
