#!/bin/bash
# The agent's pid cache (what lets a KILL_PROCESS record read after its process died name the
# pod): one refresh, as the agent runs every second, side by side with the naive way to know
# every process's container, `ps -e -o pid=,cgroup=` (every /proc/<pid>/cgroup on the node),
# on PODS pod containers of PROCS sleeping processes each, laid out as the kubelet's systemd
# driver does under a cgroup v2 directory of this script's own, plus whatever else runs here.
# Instructions (callgrind, steady state: pids already seen) and wall time (best of RUNS).
# The floor (bench/pid-refresh floor): each pod container's cgroup.procs read and its pids parsed
# into an array, and nothing else, the list of container directories given. No implementation
# that knows every pid's container does less: the kernel says which processes a cgroup holds
# only there (or, per process, in /proc/<pid>/cgroup, which is the peer's way). What syscage
# pays above it: finding the containers (a walk of the cgroup tree from its root, since pods
# come and go), the cgroups below each container, the hash table of pids, and each new pid's
# start time and exe. Each result is printed over the floor and over the peer. Callgrind counts
# user-space instructions only: the kernel's side of the reads shows in the wall times.
# Usage: bench/pid-cache.sh [BUILDDIR]    PODS=100 PROCS=5 RUNS=20; needs root and valgrind.
set -u
B=${1:-build}
DRV=$B/bench/pid-refresh
PODS=${PODS:-100}
PROCS=${PROCS:-5}
RUNS=${RUNS:-20}
[ -x "$DRV" ] || { echo "missing $DRV: build first (meson setup $B && ninja -C $B)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (cgroups)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind (instruction counts)" >&2; exit 2; }
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG2" ] || { echo "no cgroup v2 hierarchy mounted" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/var/tmp}/syscage-bench-pids.XXXXXX")
top="$CG2/syscage-bench-pids-$$"
cleanup() {
	local left
	for _ in $(seq 50); do
		left=$(cat "$top"/kubepods.slice/*/*/*.scope/cgroup.procs 2>/dev/null)
		[ -z "$left" ] && break
		kill -9 $left 2>/dev/null
		sleep 0.1
	done
	find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

H=$T/node
mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods"
ln -s "$CG2" "$H/sys/fs/cgroup"
ln -s /proc "$H/proc"
for i in $(seq "$PODS"); do
	uid=$(printf 'b0000000-0000-4000-8000-%012x' "$i")
	id=$(printf 'be%062x' "$i")
	cg="$top/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice/cri-containerd-$id.scope"
	mkdir -p "$cg" "$H/var/log/pods/bench_p$i-0_$uid/app"
	ln -s "/var/log/pods/bench_p$i-0_$uid/app/0.log" "$H/var/log/containers/p$i-0_bench_app-$id.log"
	for _ in $(seq "$PROCS"); do
		sh -c "echo \$\$ >'$cg/cgroup.procs'; exec sleep 3600" &
		disown
	done
done
sleep 1
listed=$("$DRV" "$H" 1)
find "$top/kubepods.slice" -name 'cri-containerd-*.scope' -type d >"$T/containers"
all=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)

ir() { # CMD...: instructions callgrind counts
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" >/dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}
best() { # CMD...: the best wall time of RUNS, in ms
	python3 - "$RUNS" "$@" <<'EOF'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    d = time.perf_counter() - t
    best = d if best is None or d < best else best
print(f"{best * 1000:.2f}")
EOF
}
# Steady state: 11 refreshes minus 1 (the first reads every pid's stat and exe), over 10.
i1=$(ir "$DRV" "$H" 1)
i11=$(ir "$DRV" "$H" 11)
ours=$(( (i11 - i1) / 10 ))
first=$i1
peer=$(ir ps -e -o pid=,cgroup=)
f1=$(ir "$DRV" floor "$T/containers" 1)
f11=$(ir "$DRV" floor "$T/containers" 11)
fl=$(( (f11 - f1) / 10 ))
flisted=$("$DRV" floor "$T/containers" 1)
t1=$(best "$DRV" "$H" 1)
t11=$(best "$DRV" "$H" 11)
tp=$(best ps -e -o pid=,cgroup=)
tf1=$(best "$DRV" floor "$T/containers" 1)
tf11=$(best "$DRV" floor "$T/containers" 11)
ms10() { python3 -c "print(f'{($2 - $1) / 10:.3f}')"; }
tours=$(ms10 "$t1" "$t11")
tfl=$(ms10 "$tf1" "$tf11")
# ratio A B: A / B to two places
ratio() { python3 -c "r = $1 / $2 if $2 > 0 else None; print('n/a' if r is None else f'{r:.2f}x' if r >= 0.1 else f'{r:.4f}x')"; }
echo "# pid cache refresh, $PODS pod containers x $PROCS processes ($listed listed by syscage, $flisted by the floor; $all processes on the machine), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| | instructions | vs floor | vs ps | wall ms (best of $RUNS) | wall vs floor |"
echo "|---|---|---|---|---|---|"
printf '| floor: the containers'"'"' cgroup.procs read, pids parsed (steady state) | %s | 1.00x | %s | %s | 1.00x |\n' \
	"$fl" "$(ratio "$fl" "$peer")" "$tfl"
printf '| refresh, steady state | %s | %s | %s | %s | %s |\n' "$ours" "$(ratio "$ours" "$fl")" \
	"$(ratio "$ours" "$peer")" "$tours" "$(ratio "$tours" "$tfl")"
printf '| floor, a run: start, one pass | %s | 1.00x | %s | %s | 1.00x |\n' "$f1" "$(ratio "$f1" "$peer")" "$tf1"
printf '| a run: start, open, one refresh (every pid new) | %s | %s | %s | %s | %s |\n' "$first" \
	"$(ratio "$first" "$f1")" "$(ratio "$first" "$peer")" "$t1" "$(ratio "$t1" "$tf1")"
printf '| ps -e -o pid=,cgroup= (every /proc/<pid>/cgroup) | %s | %s | 1.00x | %s | %s |\n' "$peer" \
	"$(ratio "$peer" "$f1")" "$tp" "$(ratio "$tp" "$tf1")"
