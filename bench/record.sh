#!/bin/bash
# Recording cost and completeness, side by side, in one run:
#   per-syscall cost of a getppid loop (tests/programs/syscall-zoo --loop 1 N, timed inside
#   the loop so start-up costs such as loading BPF or attaching ptrace are not counted),
#   relative to no recording and, as "added/floor", what each method adds to a syscall over
#   what a no-op program on the same tracepoint adds (the floor); and the share of the ground truth's distinct syscalls
#   (syscall-zoo --list) each method captured.
# Usage: bench/record.sh [BUILDDIR]   (N=loop calls for the fast methods, NSLOW for the slow)
# Needs root for eBPF and for reading the kernel log; bpftrace is used when installed.
#
# Where the eBPF recorder's remaining cost goes: attaching any program to the sys_enter raw
# tracepoint sets SYSCALL_WORK_SYSCALL_TRACEPOINT on every task, so each syscall leaves the
# fast path for syscall_trace_enter(); then the program runs: a hash lookup of the tgid, a
# CO-RE read of thread_info.status (the i386 test), one per-CPU counter increment and one
# load of the bitmap word (the atomic OR happens only the first time a syscall is seen).
# No event leaves the kernel. ptrace and strace pay two context switches to the tracer per
# syscall; the seeds' way pays an audit record per syscall and the kernel drops most of them.
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
# row METHOD NS/CALL VS-NONE DISTINCT [NOTES]: the "added ÷ floor's" column is computed here.
row() { ROWS+=("$(printf '%-28s %10s %9s %12s %14s  %s' "$1" "$2" "$3" "$(over_floor "$2")" "$4" "${5:-}")"); }
ratio() { awk -v a="$1" -v b="$base" 'BEGIN { if (a == "n/a") print "n/a"; else printf "%.2fx", a / b }'; }
# What a method adds to a syscall, over what the floor adds (the floor row itself: 1.00x).
over_floor() {
	awk -v a="$1" -v b="$base" -v f="${floor:-}" 'BEGIN {
		if (a == "-" || a == "n/a" || f == "" || f == "n/a" || f - b <= 0) print "-";
		else printf "%.2fx", (a - b) / (f - b) }'
}

base=$(nscall "$ZOO" --loop 1 "$N")
floor=
row "no recording" "$base" "1.00x" "-" "$N calls"
# The floor: a no-op program on the same raw tracepoint (every syscall leaves the fast path).
if [ -x "$FLOOR" ] && "$FLOOR" true 2>/dev/null; then
	floor=$(nscall "$FLOOR" "$ZOO" --loop 1 "$N")
	row "floor: no-op BPF sys_enter" "$floor" "$(ratio "$floor")" "-" "$N calls; bench/floor.bpf.c, loaded with libbpf"
else
	row "floor: no-op BPF sys_enter" "-" "-" "-" "skipped: $FLOOR missing or cannot attach (needs root, BPF)"
fi

# syscage eBPF
if "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	v=$(nscall "$SYSCAGE" record -m ebpf -o "$T/p.json" -- "$ZOO" --loop 1 "$N")
	"$SYSCAGE" record -m ebpf --summary -o "$T/p.json" -- "$ZOO" 2>&1 | awk '$1 ~ /^(x86_64|x86|x32)$/ { print $1, $2 }' >"$T/ebpf"
	row "syscage record (eBPF)" "$v" "$(ratio "$v")" "$(share "$T/ebpf")" "$N calls"
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
tracefs_ok() {
	[ -d /sys/kernel/tracing/events/raw_syscalls ] && return 0
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/raw_syscalls ]
}
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

echo "Recording cost per syscall (getppid loop, one thread; best of 3) and capture of the"
echo "ground truth's $total distinct (ABI, syscall) pairs (tests/programs/syscall-zoo)."
echo "kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
printf '%-28s %10s %9s %12s %14s  %s\n' "method" "ns/call" "vs none" "added/floor" "distinct" "notes"
for r in "${ROWS[@]}"; do echo "$r"; done
