#!/bin/bash
# syscage agent's HTTP server against hostile neighbours: idle connections, clients that send one
# byte every second, and a client that keeps opening new connections. /healthz and /readyz from
# another address must still answer. Bounds here are only there to let the test finish.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { skip "curl not installed"; done_testing; exit; }
command -v python3 >/dev/null || { skip "python3 not installed"; done_testing; exit; }

POL=$TMP/policies
KUB=$TMP/kubelet
mkdir -p "$POL" "$KUB" "$TMP/host"
: >"$TMP/kmsg"

"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" \
	--listen 127.0.0.1:0 --state-dir "$TMP/state" --kmsg "$TMP/kmsg" --audit-log "" \
	2>"$TMP/agent.log" &
AGENT=$!
HOG=
trap 'kill -9 $AGENT $HOG 2>/dev/null; rm -rf "$TMP"' EXIT

port() { sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1; }
for i in $(seq 200); do [ -n "$(port)" ] && break; sleep 0.05; done
PORT=$(port)
[ -n "$PORT" ] && ok "agent listens" || { not_ok "agent listens"; cat "$TMP/agent.log"; done_testing; exit; }

probe() { # PATH: status code of one request from 127.0.0.1, within a generous 5 s
	curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1"
}

python3 "$SYSCAGE_SRCDIR/tests/lib/http-hog" "$PORT" 150 70 >"$TMP/hog.out" 2>&1 &
HOG=$!
for i in $(seq 100); do grep -q held "$TMP/hog.out" && break; sleep 0.1; done
grep -q held "$TMP/hog.out" && ok "hog holds $(sed -n 's/held //p' "$TMP/hog.out") connections" || not_ok "hog started"
# Past the old 10 s inactivity timeout: the slow clients are still sending.
sleep 12
[ "$(probe /healthz)" = 200 ] && ok "/healthz answers under 150 idle + 70 slow connections" || not_ok "/healthz under idle + slow connections"
[ "$(probe /readyz)" = 200 ] && ok "/readyz answers under idle + slow connections" || not_ok "/readyz under idle + slow connections"
kill -9 $HOG 2>/dev/null
wait $HOG 2>/dev/null

python3 "$SYSCAGE_SRCDIR/tests/lib/http-hog" "$PORT" 150 70 churn >"$TMP/hog.out" 2>&1 &
HOG=$!
for i in $(seq 100); do grep -q held "$TMP/hog.out" && break; sleep 0.1; done
sleep 2
n=0
for i in 1 2 3 4 5; do [ "$(probe /healthz)" = 200 ] && n=$((n + 1)); done
[ $n = 5 ] && ok "/healthz answers 5 of 5 while another address churns connections" || not_ok "/healthz under churn: $n of 5"
kill -9 $HOG 2>/dev/null
wait $HOG 2>/dev/null

kill -0 $AGENT 2>/dev/null && ok "agent still running" || not_ok "agent still running"
curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics"
grep -Eq '^syscage_http_connections_cut_total\{reason="deadline"\} [1-9]' "$TMP/metrics" && ok "slow clients cut at the deadline, counted" || not_ok "deadline cuts counted"
grep -Eq '^syscage_http_connections_cut_total\{reason="evicted"\} [1-9]' "$TMP/metrics" && ok "evictions counted" || not_ok "evictions counted"
kill $AGENT
wait $AGENT
[ $? = 0 ] && ok "agent exits 0 on SIGTERM" || not_ok "agent exit"
done_testing
