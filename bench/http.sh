#!/bin/bash
# Benchmark: the agent's probes under hostile HTTP clients (issue #16.1). One agent, empty
# policies; /healthz from 127.0.0.1, timed by curl, RUNS times in each of these loads:
#   idle     no other client
#   slow     from 127.0.0.2, IDLE connections that send nothing and SLOW ones that send a
#            request one byte a second (libmicrohttpd's inactivity timeout never fires)
#   churn    the same, plus 127.0.0.3 opening new connections as fast as one thread can
# Each load is put on the agent and, in turn, on the floor, measured the same way in the same run.
# The floor (bench/http-floor.c): libmicrohttpd alone, started and driven as the agent drives it
# (MHD_USE_EPOLL, no internal thread, one epoll loop calling MHD_run, the same inactivity
# timeout and connection limit), answering "ok" to every request. Idle, it is the least any
# server of this thread model pays for a probe: the TCP connection, curl, the library's
# parsing and reply. Under the loads it shows what the library does alone, without the agent's
# deadline per request and eviction of the address holding the most connections.
# Printed: answered / asked, median and worst latency, the ratio of the median to the server's
# own unloaded one and to the floor's unloaded one, the agent's connection cuts (deadline,
# evicted) and each server's VmHWM. Not a test: nothing asserted. Before the fix, 64 slow
# connections made every probe of the agent time out (answered 0).
# Usage: bench/http.sh [BUILD_DIR]   (IDLE=150 SLOW=70 RUNS=20)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-20}
IDLE=${IDLE:-150}
SLOW=${SLOW:-70}
FLOOR=${FLOOR:-$build/bench/http-floor}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
[ -x "$FLOOR" ] || { echo "no $FLOOR (built with libmicrohttpd: ninja -C BUILD_DIR)" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/syscage-bench.XXXXXX")
AGENT='' HOG='' FL=''
trap 'kill $AGENT $HOG $FL 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pol" "$tmp/kub" "$tmp/host"
: >"$tmp/kmsg"
"$SYSCAGE" agent --policies "$tmp/pol" --kubelet-root "$tmp/kub" --host-root "$tmp/host" \
	--listen 127.0.0.1:0 --state-dir "$tmp/state" --kmsg "$tmp/kmsg" --audit-log "" \
	2>"$tmp/agent.log" &
AGENT=$!
for _ in $(seq 200); do grep -q 'event=listen ' "$tmp/agent.log" && break; sleep 0.05; done
aport=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$tmp/agent.log" | head -1)
"$FLOOR" >"$tmp/floor.out" 2>&1 &
FL=$!
for _ in $(seq 200); do grep -q '^port ' "$tmp/floor.out" && break; sleep 0.05; done
fport=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$tmp/floor.out")
[ -n "$aport" ] && [ -n "$fport" ] || { echo "agent or floor did not listen" >&2; exit 1; }

# probe PORT...: RUNS requests to each port, the ports taking turns; one line per port,
# "answered median_ms worst_ms"
probe() {
	local p
	for _ in $(seq "$RUNS"); do
		for p in "$@"; do
			echo "$p $(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' \
				"http://127.0.0.1:$p/healthz" || true)"
		done
	done >"$tmp/probes"
	for p in "$@"; do
		awk -v p="$p" '$1 == p { print $2, $3 }' "$tmp/probes" | sort -k2,2g |
			awk '$1 == 200 { n++ } { t[NR] = $2 * 1000 } END {
				printf "%d %.2f %.2f\n", n, t[int((NR + 1) / 2)], t[NR] }'
	done
}
load() { # PORT ARGS...: start the hog and wait until it holds its connections
	local port=$1
	shift
	python3 "$(dirname "$0")/../tests/lib/http-hog" "$port" "$@" >"$tmp/hog.out" 2>&1 &
	HOG=$!
	for _ in $(seq 100); do grep -q held "$tmp/hog.out" && break; sleep 0.1; done
	sleep 12 # past the 10 s deadline: the slow clients are still there
}
# measure PORT LOAD_ARGS...: the probes under that load, the hog stopped after.
measure() {
	local port=$1 r
	shift
	load "$port" "$@"
	r=$(probe "$port")
	if [ -n "$HOG" ]; then
		kill $HOG
		wait $HOG 2>/dev/null || true
		HOG=
	fi
	echo "$r"
}
# Unloaded, the agent's probes and the floor's take turns (the machine's load drifts).
{ read -r n0 m0 w0 && read -r f0 fm0 fw0; } <<<"$(probe "$aport" "$fport")"
read -r n1 m1 w1 <<<"$(measure "$aport" "$IDLE" "$SLOW")"
read -r f1 fm1 fw1 <<<"$(measure "$fport" "$IDLE" "$SLOW")"
read -r n2 m2 w2 <<<"$(measure "$aport" "$IDLE" "$SLOW" churn)"
read -r f2 fm2 fw2 <<<"$(measure "$fport" "$IDLE" "$SLOW" churn)"
cuts=$(curl -s "http://127.0.0.1:$aport/metrics" | sed -n 's/^syscage_http_connections_cut_total{reason="\([a-z]*\)"} /\1=/p' | tr '\n' ' ')
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$AGENT/status")
fhwm=$(awk '/VmHWM/ { print $2 }' "/proc/$FL/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
row() { printf '%-40s %-14s %-9s %-10s %-9s %-13s %s\n' "$@"; }
echo "/healthz under hostile clients, syscage agent and its floor, $RUNS probes each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
row "load" "server" "answered" "median ms" "worst ms" "vs unloaded" "median vs floor unloaded"
row "none" "floor" "$f0/$RUNS" "$fm0" "$fw0" "1.00x" "1.00x"
row "none" "syscage agent" "$n0/$RUNS" "$m0" "$w0" "1.00x" "$(ratio "$m0" "$fm0")"
row "$IDLE idle + $SLOW slow (1 byte/s)" "floor" "$f1/$RUNS" "$fm1" "$fw1" "$(ratio "$fm1" "$fm0")" "$(ratio "$fm1" "$fm0")"
row "$IDLE idle + $SLOW slow (1 byte/s)" "syscage agent" "$n1/$RUNS" "$m1" "$w1" "$(ratio "$m1" "$m0")" "$(ratio "$m1" "$fm0")"
row "$IDLE idle + $SLOW slow + churn" "floor" "$f2/$RUNS" "$fm2" "$fw2" "$(ratio "$fm2" "$fm0")" "$(ratio "$fm2" "$fm0")"
row "$IDLE idle + $SLOW slow + churn" "syscage agent" "$n2/$RUNS" "$m2" "$w2" "$(ratio "$m2" "$m0")" "$(ratio "$m2" "$fm0")"
echo "(floor: libmicrohttpd alone, as the agent drives it, answering \"ok\"; medians and worst over every probe, a"
echo " probe not answered counts at its 5 s timeout; agent's connections cut: ${cuts:-none}; VmHWM agent $((hwm / 1024)) MiB, floor $((fhwm / 1024)) MiB)"
