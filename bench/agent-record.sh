#!/bin/bash
# The agent's --record under churn and its cost, side by side in one run:
#   churn: N containers (a cgroup v2 each below a kubepods.slice of this run's own, with the
#   kubelet's log links), each living a few milliseconds and making one syscall (one of 40, by
#   its index) that the others of its profile do not make (tests/programs/cgroup-churn). Counted:
#   how many profiles hold their container's call ("kept"), how many hold another's ("wrong"),
#   and the time until the last one is written. Beside it, the design a periodic scan gives (the
#   agent's before this one, and Kubescape's node-agent, which loses 87% of its observations when
#   containers end before a drain, #918): a look every SCAN seconds for new container cgroups,
#   then a `syscage record --cgroup` started for each one found.
#   cost: ns per getppid of a loop (syscall-zoo --loop, timed inside the loop) in a container
#   cgroup, with no recorder, with the no-op BPF floor, with the agent's node recorder, and with
#   `syscage record --cgroup` on that cgroup.
# Usage: bench/agent-record.sh [BUILDDIR]   (N containers, default 1000; SCAN seconds, default 5;
# NCALLS loop calls, default 2000000). Needs root, cgroup v2 and eBPF.
set -u
B=${1:-build}
SYSCAGE=$(realpath "$B/syscage")
CHURN=$B/tests/programs/cgroup-churn
ZOO=$B/tests/programs/syscall-zoo
FLOOR=$B/bench/bpf-floor
N=${N:-1000}
SCAN=${SCAN:-5}
NCALLS=${NCALLS:-2000000}
for f in "$SYSCAGE" "$CHURN" "$ZOO"; do
	[ -x "$f" ] || { echo "missing $f: build first (meson setup $B && ninja -C $B)" >&2; exit 2; }
done
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG2" ] || { echo "no cgroup v2 hierarchy mounted" >&2; exit 2; }
"$SYSCAGE" record --preflight >/dev/null 2>&1 || { "$SYSCAGE" record --preflight; exit 2; }

T=$(mktemp -d)
TOP="$CG2/syscage-bench-$$"
KP="$TOP/kubepods.slice/kubepods-besteffort.slice"
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		find "$TOP" -depth -type d 2>/dev/null | while read -r d; do
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
			rmdir "$d" 2>/dev/null
		done
		[ -d "$TOP" ] || break
		sleep 0.2
	done
	rm -rf "$T"
}
trap cleanup EXIT
H="$T/node"
mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods" "$T/pol" "$T/kub" "$KP"
ln -s "$CG2" "$H/sys/fs/cgroup"
ln -s /proc "$H/proc"
MARKERS=(fstat lseek dup fsync fdatasync ftruncate fchdir fchmod fchown flock getdents64 fstatfs
	readahead syncfs fadvise64 fallocate fgetxattr flistxattr fremovexattr fsetxattr
	inotify_rm_watch epoll_ctl epoll_wait timerfd_gettime timerfd_settime sync_file_range
	shutdown listen getsockname getpeername accept bind connect getsockopt setsockopt sendmsg
	recvmsg getpriority sched_getscheduler sched_get_priority_max)

# churn_input POD: a pod of N containers (log links made), their cgroups and calls on stdout.
churn_input() {
	local uid slice i id
	uid=$(printf '5a1e0c1a-%04x-4000-8000-%012x' "$2" $$)
	slice="$KP/kubepods-besteffort-pod${uid//-/_}.slice"
	mkdir -p "$slice"
	for i in $(seq 0 $((N - 1))); do
		id=$(printf 'be%02x%06x%054x' "$2" "$i" $$)
		mkdir -p "$H/var/log/pods/bench_$1_$uid/c$i"
		ln -s "/var/log/pods/bench_$1_$uid/c$i/0.log" "$H/var/log/containers/$1_bench_c$i-$id.log"
		echo "$slice/cri-containerd-$id.scope ${MARKERS[$((i % 40))]}"
	done
}
# judge DIR: "kept K/N wrong W" of DIR/c<i>.json
judge() {
	python3 - "$1" "$N" "${MARKERS[@]}" <<'PY'
import json, os, sys
d, n, markers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
kept = wrong = 0
for i in range(n):
    try:
        p = json.load(open(os.path.join(d, "c%d.json" % i)))
    except (OSError, ValueError):
        continue
    names = {x for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for x in r["names"]}
    kept += markers[i % len(markers)] in names
    wrong += any(m in names for m in markers if m != markers[i % len(markers)])
print("%d/%d %d" % (kept, n, wrong))
PY
}
now() { date +%s.%N; }

declare -a ROWS
row() { ROWS+=("$(printf '%-44s %10s %7s %10s  %s' "$@")"); }

# ---- churn: the agent --------------------------------------------------------------------
"$SYSCAGE" agent --policies "$T/pol" --kubelet-root "$T/kub" --host-root "$H" --listen 127.0.0.1:0 \
	--data-listen none --state-dir "$T/state" --kmsg "" --audit-log "" --record 'bench/*' 2>"$T/agent.log" &
AGENT=$!
for _ in $(seq 200); do grep -q 'event=record-root ' "$T/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$T/agent.log" | head -1)
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
churn_input agent 1 >"$T/in1"
t0=$(now)
"$CHURN" <"$T/in1" >/dev/null
t1=$(now)
for _ in $(seq 600); do
	[ "$(metric syscage_recorder_cgroups_drained_total)" -ge "$N" ] 2>/dev/null && break
	sleep 0.1
done
t2=$(now)
lost="map_full $(metric syscage_recorder_map_full_total), events_lost $(metric syscage_recorder_events_lost_total)"
kill -TERM "$AGENT"
wait "$AGENT"
AGENT=
read -r kept wrong < <(judge "$T/state/recorded/bench/agent")
row "agent --record (one node recorder)" "$kept" "$wrong" "$(awk -v a="$t2" -v b="$t1" 'BEGIN { printf "%.1f s", a - b }')" \
	"churn took $(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f s", a - b }'); $lost"

# ---- churn: a periodic scan, then a recorder per container found ---------------------------
churn_input scan 2 >"$T/in2"
mkdir -p "$T/scan"
(
	declare -A seen
	while :; do
		for d in "$KP"/*/cri-containerd-*.scope; do
			[ -d "$d" ] && [ -z "${seen[$d]:-}" ] || continue
			seen[$d]=1
			id=${d##*cri-containerd-}
			id=${id%.scope}
			i=$(grep -n "$id" "$T/in2" | cut -d: -f1)
			[ -n "$i" ] && "$SYSCAGE" record -m ebpf --cgroup "$d" --duration 2s -o "$T/scan/c$((i - 1)).json" 2>/dev/null &
		done
		sleep "$SCAN"
	done
) &
SCANNER=$!
t0=$(now)
"$CHURN" <"$T/in2" >/dev/null
t1=$(now)
sleep $((SCAN + 3))
kill "$SCANNER" 2>/dev/null
wait "$SCANNER" 2>/dev/null
read -r kept wrong < <(judge "$T/scan")
row "periodic scan every ${SCAN} s + record --cgroup each" "$kept" "$wrong" "-" \
	"churn took $(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f s", a - b }')"

# ---- cost per syscall in a container cgroup -------------------------------------------------
CG="$KP/cost.scope"
mkdir -p "$CG"
nscall() { # CMD...: best of 3 ns/call of the zoo loop run in $CG
	local best= v
	for _ in 1 2 3; do
		v=$(ZOO_TIMING=1 sh -c 'echo $$ >"$0/cgroup.procs"; exec "$@"' "$CG" "$@" 2>&1 >/dev/null |
			sed -n 's/^zoo-loop: \([0-9.]*\) ns\/call$/\1/p')
		[ -n "$v" ] || { echo "n/a"; return; }
		if [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$v; fi
	done
	echo "$best"
}
declare -a COST
cost() { COST+=("$(printf '%-44s %10s %9s' "$1" "$2" "$(awk -v a="$2" -v b="$base" 'BEGIN { if (a == "n/a") print "n/a"; else printf "%.2fx", a / b }')")"); }
base=$(nscall "$ZOO" --loop 1 "$NCALLS")
cost "no recorder" "$base"
if [ -x "$FLOOR" ] && "$FLOOR" true 2>/dev/null; then
	v=$(nscall "$FLOOR" "$ZOO" --loop 1 "$NCALLS")
	cost "floor: no-op BPF sys_enter" "$v"
fi
"$SYSCAGE" agent --policies "$T/pol" --kubelet-root "$T/kub" --host-root "$H" --listen none \
	--state-dir "$T/state" --kmsg "" --audit-log "" --record 'bench/*' 2>"$T/agent2.log" &
AGENT=$!
for _ in $(seq 200); do grep -q 'event=record-root ' "$T/agent2.log" && break; sleep 0.05; done
v=$(nscall "$ZOO" --loop 1 "$NCALLS")
cost "agent --record (node recorder)" "$v"
kill -TERM "$AGENT"
wait "$AGENT"
AGENT=
"$SYSCAGE" record -m ebpf --cgroup "$CG" -o "$T/cg.json" 2>/dev/null &
R=$!
sleep 1
v=$(nscall "$ZOO" --loop 1 "$NCALLS")
cost "record --cgroup on the container's cgroup" "$v"
kill -INT "$R"
wait "$R" 2>/dev/null

echo "The agent's --record under churn: $N containers of a few ms each, one distinct call each"
echo "(by index mod 40); kept = profiles holding their container's call, wrong = profiles holding"
echo "another container's call. kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ),"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-44s %10s %7s %10s  %s\n' "method" "kept" "wrong" "last write" "notes"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "Cost per syscall in a container cgroup (getppid loop, $NCALLS calls, best of 3):"
printf '%-44s %10s %9s\n' "method" "ns/call" "vs none"
for r in "${COST[@]}"; do echo "$r"; done
