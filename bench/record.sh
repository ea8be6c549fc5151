#!/bin/bash
# Recording cost and completeness, side by side, in one run. Three tables:
#  1. What the eBPF recorder adds to a syscall against its floor (a no-op program on the same
#     raw tracepoint, bench/floor.bpf.c, which any recorder there pays: every syscall leaves
#     the fast path), on a getppid loop and on a getppid/read/write/openat/close loop:
#     bench/bench-record interleaves no program, the floor and the recorder (pids mode, and
#     cgroup mode when a cgroup v2 directory can be made here, and then the agent's node
#     recorder with that cgroup as its root, and with an empty sibling as its root: a task in a
#     pod, and any other task of the node; cached and uncached) block by block in one process,
#     on the thread's CPU clock, median of R x 10 interleaved blocks; "added/floor" =
#     (method - none) / (floor - none). Each recorder must count every getppid made while it
#     was attached, else the table says LOST.
#  2. Peers on the same two loops (bench/bench-loop -c, best of min(R, 5) runs, interleaved): bpftrace
#     with a never-true predicate (its floor) and bpftrace counting the process's syscalls.
#  3. Capture of the ground truth's distinct syscalls (tests/programs/syscall-zoo --list) by
#     each method, with the wall-clock cost of a getppid loop (syscall-zoo --loop 1 N, timed
#     inside the loop) for the tracers, whose cost is paid in another process.
#  4. What each piece of a recorder costs per syscall (bench/bpf-pieces: one program per piece
#     on sys_enter, timed by the kernel's BPF run-time stats).
# Usage: bench/record.sh [BUILDDIR]   (R=rounds, N=loop calls for the fast methods, NSLOW for
# the slow). Needs root for eBPF and for reading the kernel log; bpftrace is used when installed.
#
# Where the eBPF recorder's cost went (table 4): a helper call costs about 20 ns on the
# machine measured, the floor's whole added cost about 75-95 ns, so the hot path
# makes none once its CPU's cached verdict holds (bpf/recorder.bpf.c): the tgid hash lookup
# (with bpf_get_current_pid_tgid), the CO-RE probe-read of thread_info.status (with
# bpf_get_current_task) and, in cgroup mode, bpf_get_current_ancestor_cgroup_id run only when
# the cache misses (another task on the CPU, or after a fork). The per-CPU counter and the
# bitmap word were inlined array accesses already and cost next to nothing. ptrace and strace
# pay two context switches to the tracer per syscall; the seeds' way pays an audit record per
# syscall and the kernel drops most of them.
set -u
B=${1:-build}
SYSCAGE=$B/syscage
ZOO=$B/tests/programs/syscall-zoo
LOGH=$B/bench/seccomp-log
FLOOR=$B/bench/bpf-floor
N=${N:-2000000}
NSLOW=${NSLOW:-100000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for f in "$SYSCAGE" "$ZOO" "$LOGH"; do
	[ -x "$f" ] || { echo "missing $f: build first (meson setup $B && ninja -C $B)" >&2; exit 2; }
done

# ns/call of the loop's own timing line, best of 3 runs: nscall CMD...
nscall() {
	local best=
	for _ in 1 2 3; do
		local v
		v=$(ZOO_TIMING=1 "$@" 2>&1 >/dev/null | sed -n 's/^zoo-loop: \([0-9.]*\) ns\/call$/\1/p')
		[ -n "$v" ] || { echo "n/a"; return; }
		if [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$v; fi
	done
	echo "$best"
}
"$ZOO" --list | sort -u >"$T/expected"
total=$(wc -l <"$T/expected")
# share FILE: "k/total" of expected "ARCH NAME" lines found in FILE.
share() { echo "$(sort -u "$1" | comm -12 - "$T/expected" | wc -l)/$total"; }

declare -a ROWS
# row METHOD NS/CALL VS-NONE DISTINCT [NOTES]
row() { ROWS+=("$(printf '%-28s %10s %9s %14s  %s' "$1" "$2" "$3" "$4" "${5:-}")"); }
ratio() { awk -v a="$1" -v b="$base" 'BEGIN { if (a == "n/a") print "n/a"; else printf "%.2fx", a / b }'; }

# Table 1: the recorder against its floor, in one process.
R=${R:-20}
BR=$B/bench/bench-record
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ ! -x "$BR" ]; then
	table1="skipped: $BR missing (built with the eBPF recorder only)"
elif ! "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	table1="skipped: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
elif [ -n "$cg2" ] && mkdir "$cg2/syscage-bench-$$" 2>/dev/null; then
	# In a cgroup of its own, so that cgroup mode is measured too.
	table1=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -r "$3" --cgroup "$1"' sh \
		"$cg2/syscage-bench-$$" "$BR" "$R" 2>&1)
	rmdir "$cg2/syscage-bench-$$"
else
	table1=$("$BR" -r "$R" 2>&1)
	table1="$table1
(cgroup mode not measured: no writable cgroup v2 mount)"
fi

# Table 2: bpftrace on the same loops, next to no program and the floor, process by process.
LOOP=$B/bench/bench-loop
NL=${NL:-200000}
# best_of CMD...: the least of R runs of a command that prints ns/call.
declare -A BEST
t2() {
	local key=$1 v
	shift
	v=$("$@" 2>/dev/null | grep -E '^[0-9]+(\.[0-9]+)?$' | tail -1)
	[ -n "$v" ] || return 0 # a failed run (bpftrace sometimes cannot attach): the others count
	if [ -z "${BEST[$key]:-}" ] || awk -v a="$v" -v b="${BEST[$key]}" 'BEGIN { exit !(a < b) }'; then BEST[$key]=$v; fi
}
tracefs_ok() {
	[ -d /sys/kernel/tracing/events/raw_syscalls ] && return 0
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/raw_syscalls ]
}
t2_methods="none floor"
if command -v bpftrace >/dev/null && tracefs_ok; then t2_methods="$t2_methods bt_never bt_count"; fi
for _ in $(seq 1 $((R < 5 ? R : 5))); do
	for l in g m; do
		flag=; n2=$NL
		[ $l = g ] && flag=-g
		[ $l = m ] && n2=$((NL / 5))
		for m in $t2_methods; do
			case $m in
			none) t2 "$m$l" "$LOOP" $flag -c "$n2" ;;
			floor) t2 "$m$l" "$FLOOR" "$LOOP" $flag -c "$n2" ;;
			bt_never) t2 "$m$l" bpftrace -q -e 'tracepoint:raw_syscalls:sys_enter /pid == 0/ { @ = count(); }' -c "$LOOP${flag:+ $flag} -c $n2" ;;
			bt_count) t2 "$m$l" bpftrace -q -e 'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[args->id] = count(); }' -c "$LOOP${flag:+ $flag} -c $n2" ;;
			esac
		done
	done
done
# t2_row NAME METHOD: ns, vs none and added/floor on both loops.
t2_row() {
	printf '%-31s' "$1"
	for l in g m; do
		awk -v a="${BEST[$2$l]:-n/a}" -v n="${BEST[none$l]:-n/a}" -v f="${BEST[floor$l]:-n/a}" 'BEGIN {
			if (a == "n/a" || n == "n/a") { printf " %9s %8s %12s", "n/a", "-", "-"; exit }
			printf " %9.1f %7.2fx", a, a / n
			if (f == "n/a" || f - n <= 0 || a == n) printf " %12s", "-"; else printf " %11.2fx", (a - n) / (f - n) }'
	done
	echo
}

base=$(nscall "$ZOO" --loop 1 "$N")
row "no recording" "$base" "1.00x" "-" "$N calls"

# syscage eBPF
if "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	# Its cost is in table 1: a wall clock cannot tell 10 ns apart on a busy machine.
	"$SYSCAGE" record -m ebpf --summary -o "$T/p.json" -- "$ZOO" 2>&1 | awk '$1 ~ /^(x86_64|x86|x32)$/ { print $1, $2 }' >"$T/ebpf"
	row "syscage record (eBPF)" "-" "-" "$(share "$T/ebpf")" "cost: table 1"
else
	row "syscage record (eBPF)" "-" "-" "-" "skipped: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
fi

# syscage ptrace
v=$(nscall "$SYSCAGE" record -m ptrace -o "$T/p.json" -- "$ZOO" --loop 1 "$NSLOW")
"$SYSCAGE" record -m ptrace --summary -o "$T/p.json" -- "$ZOO" 2>&1 | awk '$1 ~ /^(x86_64|x86|x32)$/ { print $1, $2 }' >"$T/ptrace"
row "syscage record (ptrace)" "$v" "$(ratio "$v")" "$(share "$T/ptrace")" "$NSLOW calls"

# strace -f -c (names without ABI: counted as found on any ABI, which flatters strace)
if command -v strace >/dev/null; then
	v=$(nscall strace -f -c -o "$T/p.json" "$ZOO" --loop 1 "$NSLOW")
	strace -f -c -o "$T/strace.out" "$ZOO" >/dev/null 2>&1
	awk 'NF >= 5 && $NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $NF != "syscall" { print $NF }' "$T/strace.out" | sort -u >"$T/strace.names"
	awk '{ print $2, $1 }' "$T/expected" | sort | join - "$T/strace.names" 2>/dev/null | awk '{ print $2, $1 }' >"$T/strace"
	row "strace -f -c" "$v" "$(ratio "$v")" "$(share "$T/strace")" "$NSLOW calls; names without ABI"
else
	row "strace -f -c" "-" "-" "-" "skipped: strace not installed"
fi

# bpftrace counting raw_syscalls:sys_enter for the process. Its tracepoint needs tracefs.
if ! command -v bpftrace >/dev/null; then
	row "bpftrace sys_enter count" "-" "-" "-" "skipped: bpftrace not installed"
elif ! tracefs_ok; then
	row "bpftrace sys_enter count" "-" "-" "-" "skipped: tracefs not mounted and cannot be"
else
	prog='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[args->id] = count(); }'
	v=$(nscall bpftrace -q -e "$prog" -c "$ZOO --loop 1 $N")
	# The map holds bare numbers: an i386 call's number is read as an x86_64 one.
	bpftrace -q -e "$prog" -c "$ZOO" 2>/dev/null | sed -n 's/^@\[\([0-9]*\)\]: .*/\1/p' |
		while read -r nr; do
			name=$("$SYSCAGE" syscalls --arch x86_64 "$nr" 2>/dev/null | awk '{ print $2 }')
			[ -n "$name" ] && echo "x86_64 $name"
		done >"$T/bpftrace"
	row "bpftrace sys_enter count" "$v" "$(ratio "$v")" "$(share "$T/bpftrace")" "$N calls; pid only: no children, no ABI"
fi

# The seeds' way: SCMP_ACT_LOG for everything + the kernel log.
if dmesg >/dev/null 2>&1 && grep -qw log /proc/sys/kernel/seccomp/actions_logged 2>/dev/null; then
	# Completeness first, after a pause for the kernel's rate limit; only lines newer than
	# the last one before the run count (the ring buffer may be full and rotating).
	sleep 5
	t0=$(dmesg | tail -1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	"$LOGH" "$ZOO" >/dev/null 2>&1
	sleep 1
	dmesg | awk -v t0="${t0:-0}" '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t + 0 > t0 + 0) print }' |
		grep 'type=1326' | grep 'comm="syscall-zoo"' >"$T/log" || true
	kept=$(wc -l <"$T/log")
	sed -n 's/.* arch=\([0-9a-f]*\) syscall=\([0-9]*\) .*/\1 \2/p' "$T/log" | sort -u |
		while read -r arch nr; do
			case $arch in
			c000003e) a=x86_64; [ "$nr" -ge 1073741824 ] && a=x32 ;;
			40000003) a=x86 ;;
			*) continue ;;
			esac
			name=$("$SYSCAGE" syscalls --arch "$a" "$nr" 2>/dev/null | awk '{ print $2 }')
			[ -n "$name" ] && echo "$a $name"
		done >"$T/seeds"
	calls=$(ZOO_TIMING= "$SYSCAGE" record -m ptrace --summary -o "$T/p.json" -- "$ZOO" 2>&1 | sed -n 's/^[0-9]* distinct syscalls, \([0-9]*\) calls$/\1/p')
	v=$(nscall "$LOGH" "$ZOO" --loop 1 "$NSLOW")
	row "seeds' way (LOG + kmsg)" "$v" "$(ratio "$v")" "$(share "$T/seeds")" "$NSLOW calls; kmsg kept $kept lines of ${calls:-?} calls"
else
	row "seeds' way (LOG + kmsg)" "-" "-" "-" "skipped: needs dmesg and 'log' in actions_logged"
fi

echo "1. What the eBPF recorder adds to a syscall, against its floor (bench/bench-record)"
echo "kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$table1"
echo
echo "2. Peers on the same loops, process by process (bench/bench-loop -c, best of $((R < 5 ? R : 5)) runs)"
echo
printf '%-31s %9s %8s %12s %9s %8s %12s\n' "ns per syscall (thread CPU time)" "getppid" "vs none" "added/floor" "mix" "vs none" "added/floor"
t2_row "no program" none
t2_row "floor: no-op BPF on sys_enter" floor
if [[ " $t2_methods " == *" bt_never "* ]]; then
	t2_row "bpftrace, never-true predicate" bt_never
	t2_row "bpftrace, counting the pid" bt_count
else
	echo "bpftrace: skipped (not installed, or tracefs not mounted and cannot be)"
fi
echo
echo "3. Capture of the ground truth's $total distinct (ABI, syscall) pairs (tests/programs/syscall-zoo)"
echo "and the wall-clock cost of a getppid loop (one thread; best of 3)"
echo
printf '%-28s %10s %9s %14s  %s\n' "method" "ns/call" "vs none" "distinct" "notes"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "4. What each piece of a sys_enter recorder costs (bench/bpf-pieces)"
echo
if [ -x "$B/bench/bpf-pieces" ]; then
	"$B/bench/bpf-pieces" -r "$((R < 5 ? R : 5))" 2>&1
else
	echo "skipped: $B/bench/bpf-pieces missing (built with the eBPF recorder only)"
fi
