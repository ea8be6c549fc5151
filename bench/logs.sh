#!/bin/bash
# Audit-log throughput, side by side, in one run: `syscage logs` (parse every field, name the
# syscalls, group by comm, write the profiles) against `ausearch -m SECCOMP` (auditd package,
# its fastest mode --raw) and `grep -c` (only counts matching lines: the floor), on a
# generated audit.log and a generated kernel-format log (syslog lines with type=1326
# records; ausearch cannot read that format). Every line of both is a seccomp record: the
# cost of other lines (most of a real syslog) is not in these numbers. A third input, in the
# kernel format, is one long-running server under an audit profile whose rare calls come late:
# its run never goes long (each rare call first comes among its first records), and a chunk's
# first 1,024 records of it hold none (the chunked reader once read each such chunk twice).
# Usage: bench/logs.sh [BUILDDIR]    SIZE_MB=1024 (each input), RUNS=3 (best of; ausearch: 1)
# The inputs are generated in a temporary directory and removed afterwards.
set -u
B=${1:-build}
SYSCAGE=$B/syscage
SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
[ -x "$SYSCAGE" ] || { echo "missing $SYSCAGE: build first (meson setup $B && ninja -C $B)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to generate the inputs" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/var/tmp}/syscage-bench-logs.XXXXXX")
trap 'rm -rf "$T"' EXIT

# A block of 20,000 records from 5 workloads and 21 syscalls, in both formats; the inputs are
# the block repeated up to SIZE_MB (serials restart per block, like a reboot).
python3 - "$T" <<'EOF'
import random, sys
random.seed(1)
d = sys.argv[1]
comms = [("nginx", "/usr/sbin/nginx"), ("redis-server", "/usr/bin/redis-server"),
         ("java", "/usr/lib/jvm/bin/java"), ("http-echo", "/http-echo"),
         ("postgres", "/usr/lib/postgresql/15/bin/postgres")]
nrs = [0, 1, 3, 9, 10, 11, 12, 17, 202, 232, 233, 257, 262, 281, 288, 291, 318, 435, 39, 60, 231]
with open(d + "/kern.blk", "w") as k, open(d + "/audit.blk", "w") as a:
    for i in range(20000):
        ci = random.randrange(len(comms))
        c, e = comms[ci]
        pid = 1000 + ci * 7 + random.randrange(3)
        nr = random.choice(nrs)
        serial = 1000 + i
        stamp = "%d.%03d:%d" % (1700000000 + i // 1000, i % 1000, serial)
        ip = random.randrange(16 ** 8)
        f = ('auid=4294967295 uid=0 gid=0 ses=4294967295 %s pid=%d comm="%s" exe="%s" sig=0 '
             'arch=c000003e syscall=%d compat=0 ip=0x7f%08x code=0x7ffc0000')
        kf = (f % ("", pid, c, e, nr, ip)).replace("  ", " ")
        k.write("Nov 14 22:13:%02d node1 kernel: [%.6f] audit: type=1326 audit(%s): %s\n"
                % (i % 60, 369128 + i / 1000, stamp, kf))
        a.write("type=SECCOMP msg=audit(%s): %s\n" % (stamp, f % ("subj=unconfined", pid, c, e, nr, ip)))
# One server (pid 2001): 14 common calls; 6 rare ones, each among its first 100 records, then
# one of them every 3,000 to 9,000 records; a health check (pid 2002) every 500 records.
common = [0, 1, 3, 7, 9, 11, 17, 18, 20, 44, 45, 202, 232, 288]
rare = [4, 5, 41, 42, 257, 262]
f = ('auid=4294967295 uid=0 gid=0 ses=4294967295 pid=%d comm="%s" exe="%s" sig=0 '
     'arch=c000003e syscall=%d compat=0 ip=0x7f%08x code=0x7ffc0000')
nxt = 100
with open(d + "/server.blk", "w") as k:
    for i in range(200000):
        if i % 500 == 499:
            pid, c, e, nr = 2002, "healthcheck", "/usr/bin/healthcheck", random.choice([0, 1, 3, 42])
        else:
            pid, c, e = 2001, "server", "/usr/sbin/server"
            if i < 100 and i % 15 == 0:
                nr = rare[i // 15 % len(rare)]
            elif i == nxt:
                nr = random.choice(rare)
                nxt += random.randrange(3000, 9000)
            else:
                nr = random.choice(common)
        stamp = "%d.%03d:%d" % (1700000000 + i // 1000, i % 1000, 1000 + i)
        k.write("Nov 14 22:13:%02d node1 kernel: [%.6f] audit: type=1326 audit(%s): %s\n"
                % (i % 60, 369128 + i / 1000, stamp, f % (pid, c, e, nr, random.randrange(16 ** 8))))
EOF
if ! [ -s "$T/kern.blk" ] || ! [ -s "$T/audit.blk" ] || ! [ -s "$T/server.blk" ]; then
	echo "generating the inputs failed" >&2
	exit 1
fi
for f in kern audit server; do
	: >"$T/$f.log"
	while [ "$(stat -c %s "$T/$f.log")" -lt $((SIZE_MB << 20)) ]; do
		cat "$T/$f.blk" >>"$T/$f.log"
	done
	rm -f "$T/$f.blk"
done

# measure RUNS CMD...: best wall and CPU (user+sys) seconds over RUNS runs, page cache warm.
measure() {
	local runs=$1 best_w='' best_c=''
	shift
	for _ in $(seq "$runs"); do
		local out w c
		# Not /dev/null: GNU grep stops at the first match when its output goes there.
		/usr/bin/time -o "$T/time" -f "%e %U %S" "$@" >"$T/stdout" 2>&1
		out=$(tail -1 "$T/time")
		w=$(echo "$out" | awk '{ print $1 }')
		c=$(echo "$out" | awk '{ print $2 + $3 }')
		if [ -z "$best_w" ] || awk -v a="$w" -v b="$best_w" 'BEGIN { exit !(a < b) }'; then best_w=$w; fi
		if [ -z "$best_c" ] || awk -v a="$c" -v b="$best_c" 'BEGIN { exit !(a < b) }'; then best_c=$c; fi
	done
	echo "$best_w $best_c"
}

printf '%-10s %-34s %8s %8s %9s %11s %11s\n' INPUT TOOL WALL_S CPU_S MB/S "WALL/SYSCAGE" "CPU/SYSCAGE"
bench_input() { # NAME FILE GREP_PATTERN
	local name=$1 file=$2 pat=$3 sw sc
	cat "$file" >/dev/null # warm the page cache
	read -r sw sc < <(measure "$RUNS" "$SYSCAGE" logs "$file" -o "$T/out-$name")
	row() {
		printf '%-10s %-34s %8s %8s %9s %11s %11s\n' "$name" "$1" "$2" "$3" \
			"$(awk -v s="$SIZE_MB" -v w="$2" 'BEGIN { if (w > 0) printf "%.0f", s / w; else print "-" }')" \
			"$(awk -v a="$2" -v b="$sw" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')" \
			"$(awk -v a="$3" -v b="$sc" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
	}
	row "syscage logs -o DIR" "$sw" "$sc"
	local gw gc
	read -r gw gc < <(measure "$RUNS" grep -c "$pat" "$file")
	row "grep -c $pat (floor)" "$gw" "$gc"
	printf '%-10s %-34s %s\n' "$name" "syscage over the floor" \
		"wall $(awk -v a="$sw" -v b="$gw" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'), CPU $(awk -v a="$sc" -v b="$gc" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }') (goal: CPU at most 2x: $(awk -v a="$sc" -v b="$gc" 'BEGIN { print (b > 0 && a <= 2 * b) ? "met" : "not met" }'))"
	if [ "$name" = audit.log ]; then
		if command -v ausearch >/dev/null; then
			local aw ac
			read -r aw ac < <(measure 1 ausearch -m SECCOMP -if "$file" --raw)
			row "ausearch -m SECCOMP --raw" "$aw" "$ac"
		else
			printf '%-10s %-34s %s\n' "$name" "ausearch" "not installed (apt-get install auditd)"
		fi
	else
		printf '%-10s %-34s %s\n' "$name" "ausearch" "n/a (reads only audit.log format)"
	fi
}
bench_input kernel.log "$T/kern.log" type=1326
bench_input audit.log "$T/audit.log" type=SECCOMP
bench_input server "$T/server.log" type=1326
echo "(${SIZE_MB} MB per input, every line a seccomp record; server: kernel format, one long-running server whose rare"
echo " calls come late; best of $RUNS runs, ausearch 1; ratios > 1 mean slower than syscage;"
echo " on a loaded machine compare the CPU column); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
