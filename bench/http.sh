#!/bin/bash
# Benchmark: the agent's probes under hostile HTTP clients (issue #16.1). One agent, empty
# policies; /healthz from 127.0.0.1, timed by curl, RUNS times in each of these loads:
#   idle     no other client
#   slow     from 127.0.0.2, IDLE connections that send nothing and SLOW ones that send a
#            request one byte a second (libmicrohttpd's inactivity timeout never fires)
#   churn    the same, plus 127.0.0.3 opening new connections as fast as one thread can
# Printed: answered / asked, median and worst latency, the ratio of the median to the unloaded
# one, and the agent's connection cuts (deadline, evicted) and VmHWM. Not a test: nothing
# asserted. Before the fix, 64 slow connections made every probe time out (answered 0).
# Usage: bench/http.sh [BUILD_DIR]   (IDLE=150 SLOW=70 RUNS=20)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-20}
IDLE=${IDLE:-150}
SLOW=${SLOW:-70}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/syscage-bench.XXXXXX")
AGENT= HOG=
trap 'kill $AGENT $HOG 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pol" "$tmp/kub" "$tmp/host"
: >"$tmp/kmsg"
"$SYSCAGE" agent --policies "$tmp/pol" --kubelet-root "$tmp/kub" --host-root "$tmp/host" \
	--listen 127.0.0.1:0 --state-dir "$tmp/state" --kmsg "$tmp/kmsg" --audit-log "" \
	2>"$tmp/agent.log" &
AGENT=$!
for i in $(seq 200); do grep -q 'event=listen ' "$tmp/agent.log" && break; sleep 0.05; done
port=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$tmp/agent.log" | head -1)

# probe: RUNS requests; "answered median_ms worst_ms"
probe() {
	for i in $(seq "$RUNS"); do
		curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}\n' \
			"http://127.0.0.1:$port/healthz" || true
	done | sort -k2,2g | awk '$1 == 200 { n++ } { t[NR] = $2 * 1000 } END {
		printf "%d %.1f %.1f\n", n, t[int((NR + 1) / 2)], t[NR] }'
}
load() { # ARGS...: start the hog and wait until it holds its connections
	python3 "$(dirname "$0")/../tests/lib/http-hog" "$port" "$@" >"$tmp/hog.out" 2>&1 &
	HOG=$!
	for i in $(seq 100); do grep -q held "$tmp/hog.out" && break; sleep 0.1; done
	sleep 12 # past the 10 s deadline: the slow clients are still there
}
read -r n0 m0 w0 <<<"$(probe)"
load "$IDLE" "$SLOW"
read -r n1 m1 w1 <<<"$(probe)"
kill $HOG; wait $HOG 2>/dev/null || true
load "$IDLE" "$SLOW" churn
read -r n2 m2 w2 <<<"$(probe)"
kill $HOG; wait $HOG 2>/dev/null || true
HOG=
cuts=$(curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^syscage_http_connections_cut_total{reason="\([a-z]*\)"} /\1=/p' | tr '\n' ' ')
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$AGENT/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
row() { printf '%-44s %-10s %-12s %-12s %s\n' "$@"; }
echo "syscage agent /healthz under hostile clients, $RUNS probes each, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
row "load" "answered" "median ms" "worst ms" "median vs unloaded"
row "none" "$n0/$RUNS" "$m0" "$w0" "1.00x"
row "$IDLE idle + $SLOW slow (1 byte/s)" "$n1/$RUNS" "$m1" "$w1" "$(ratio "$m1" "$m0")"
row "$IDLE idle + $SLOW slow + connection churn" "$n2/$RUNS" "$m2" "$w2" "$(ratio "$m2" "$m0")"
echo "(connections cut: ${cuts:-none}; agent VmHWM $((hwm / 1024)) MiB)"
