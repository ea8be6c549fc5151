#!/bin/bash
# syscage agent's HTTP server against hostile neighbours: idle connections, clients that send one
# byte every second, and a client that keeps opening new connections. /healthz and /readyz from
# another address must still answer. Bounds here are only there to let the test finish. Then its
# two listeners: what each serves and refuses, their addresses by default and in the DaemonSet.
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

# Two listeners: probes and /metrics on --listen, /profiles and /violations (pod names,
# executables, profiles) on --data-listen; each answers the other's paths with 404 and where.
DPORT=$(sed -n 's/.*event=data-listen addr=127.0.0.1:0 port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
[ -n "$DPORT" ] && [ "$DPORT" != "$PORT" ] && ok "--listen with port 0: the data listener gets a port of its own ($DPORT)" ||
	not_ok "data listener port: '$DPORT'"
for p in /profiles /violations; do
	run_cmd curl -s --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$PORT$p"
	if grep -q '^404$' "$TMP/out" && grep -q "served on the data address (--data-listen 127.0.0.1:0, port $DPORT).*port-forward" "$TMP/out"; then
		ok "metrics listener: $p is 404, saying where it is served"
	else
		not_ok "metrics listener: $p is 404 with a hint"; sed 's/^/# /' "$TMP/out"; echo
	fi
done
run_cmd curl -s --max-time 5 "http://127.0.0.1:$DPORT/profiles"
json_check "data listener: /profiles (JSON)" "$TMP/out" '"installed" in d and "recorded" in d'
run_cmd curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DPORT/violations"
out_is "data listener: /violations 200" 200
for p in /metrics /healthz /readyz; do
	run_cmd curl -s --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$DPORT$p"
	grep -q '^404$' "$TMP/out" && grep -q 'on the metrics address (--listen)' "$TMP/out" &&
		ok "data listener: $p is 404, saying where it is served" || { not_ok "data listener: $p"; sed 's/^/# /' "$TMP/out"; }
done

kill $AGENT
wait $AGENT
[ $? = 0 ] && ok "agent exits 0 on SIGTERM" || not_ok "agent exit"

# The defaults and the DaemonSet's addresses, in a network namespace of their own (fixed ports
# must not meet other tests' agents): --listen 0.0.0.0:9402 puts /metrics on every address and
# /profiles only on the pod's loopback, 127.0.0.1:9403.
if [ "$(id -u)" = 0 ] && command -v ss >/dev/null && command -v ip >/dev/null &&
	unshare -n true 2>/dev/null; then
	unshare -n bash -c '
		ip link set lo up
		"$1" agent --policies "$2" --kubelet-root "$3" --kmsg "" --audit-log "" --no-log-flag \
			--state-dir "$4/state" --listen 0.0.0.0:9402 2>"$4/ds.log" &
		a=$!
		for i in $(seq 100); do grep -q event=data-listen "$4/ds.log" && break; sleep 0.05; done
		ss -Hltn >"$4/ss.out"
		curl -s --max-time 5 -o /dev/null -w "%{http_code}\n" http://127.0.0.1:9403/profiles >"$4/ds.codes"
		kill $a; wait $a
		"$1" agent --policies "$2" --kubelet-root "$3" --kmsg "" --audit-log "" --no-log-flag \
			--state-dir "$4/state" 2>"$4/def.log" &
		a=$!
		for i in $(seq 100); do grep -q event=data-listen "$4/def.log" && break; sleep 0.05; done
		ss -Hltn >"$4/ss-def.out"
		kill $a; wait $a' _ "$SYSCAGE" "$POL" "$KUB" "$TMP"
	grep -Eq '(0\.0\.0\.0|\*):9402 ' "$TMP/ss.out" && grep -Eq '127\.0\.0\.1:9403 ' "$TMP/ss.out" &&
		! grep -Eq '(0\.0\.0\.0|\*):9403 ' "$TMP/ss.out" &&
		ok "--listen 0.0.0.0:9402: /metrics on every address, the data listener on 127.0.0.1:9403 only" ||
		{ not_ok "DaemonSet addresses"; sed 's/^/# /' "$TMP/ss.out"; }
	[ "$(cat "$TMP/ds.codes")" = 200 ] && ok "... /profiles answers on 127.0.0.1:9403" || not_ok "... /profiles on 127.0.0.1:9403: $(cat "$TMP/ds.codes")"
	grep -Eq '127\.0\.0\.1:9402 ' "$TMP/ss-def.out" && grep -Eq '127\.0\.0\.1:9403 ' "$TMP/ss-def.out" &&
		[ "$(wc -l <"$TMP/ss-def.out")" = 2 ] &&
		ok "defaults: 127.0.0.1:9402 and 127.0.0.1:9403, nothing else" || { not_ok "default addresses"; sed 's/^/# /' "$TMP/ss-def.out"; }
else
	skip "fixed default ports: needs root, ss, ip and unshare -n"
fi

# --listen none is no HTTP at all unless --data-listen asks; each alone works.
run_agent_log() { # LOG ARGS...: start, wait for the first reconcile, stop
	local log=$1 a i
	shift
	"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --kmsg "" --audit-log "" --no-log-flag \
		--state-dir "$TMP/state" "$@" 2>"$log" &
	a=$!
	for i in $(seq 200); do grep -q 'event=reconcile ' "$log" && break; sleep 0.05; done
	kill $a 2>/dev/null
	wait $a 2>/dev/null
}
run_agent_log "$TMP/none.log" --listen none
! grep -q 'event=listen\|event=data-listen' "$TMP/none.log" && grep -q 'event=reconcile ' "$TMP/none.log" &&
	ok "--listen none: no listener at all" || { not_ok "--listen none"; grep event= "$TMP/none.log" | sed 's/^/# /'; }
run_agent_log "$TMP/donly.log" --listen none --data-listen 127.0.0.1:0
! grep -q 'event=listen ' "$TMP/donly.log" && grep -q 'event=data-listen addr=127.0.0.1:0 port=[1-9]' "$TMP/donly.log" &&
	ok "--listen none --data-listen ADDR: the data listener alone" || not_ok "--data-listen alone"
run_agent_log "$TMP/monly.log" --listen 127.0.0.1:0 --data-listen none
grep -q 'event=listen addr=127.0.0.1:0 port=[1-9]' "$TMP/monly.log" && ! grep -q 'event=data-listen' "$TMP/monly.log" &&
	ok "--data-listen none: the metrics listener alone" || not_ok "--data-listen none"
expect "a bad --data-listen address: exit 1" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" \
	--listen 127.0.0.1:0 --data-listen 127.0.0.1:99999 --kmsg "" --audit-log ""
err_has "... logged with the address" 'event=listen-failed addr=127.0.0.1:99999'
expect "--help documents --data-listen" 0 "$SYSCAGE" agent --help
out_has "... with its default" '^      --data-listen ADDR:PORT'
out_has "... and the port-forward example" 'kubectl -n syscage-system port-forward pod/'
done_testing
