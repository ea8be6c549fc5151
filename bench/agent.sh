#!/bin/bash
# Benchmark: the agent over 10,000 policies (KubeArmorSeccompPolicy, 20 namespaces, one per
# file, mounted as the kubelet mounts a ConfigMap: <key> -> ..data/<key>, ..data -> ..<ts>).
#   1. first reconcile into an empty root (`agent --once`): wall time, peak RSS
#   2. reconcile again, nothing changed (`agent --once`): wall time, peak RSS
#   3. the daemon running: a ConfigMap update done as the kubelet does it (new ..<ts> dir,
#      ..data_tmp symlink renamed over ..data) changing one policy; time from the rename to
#      the new profile content on disk (polled in a tight loop), best and median of RUNS;
#      and the daemon's peak RSS (VmHWM) after all of it
#   4. the same swap latency with a realistic ConfigMap of 50 policies
# Goals (issue #8): under 1 s, under 16 MiB RSS, under 100 ms. Not a test: nothing asserted.
# Usage: bench/agent.sh [BUILD_DIR]   (default: build)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-5}
N=${N:-10000}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/syscage-bench.XXXXXX")
AGENT=
trap '[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null; rm -rf "$tmp"' EXIT

# gen DIR N: a ConfigMap volume of N policies.
gen() {
	python3 - "$1" "$2" <<'PY'
import os, random, sys
random.seed(8)
d, n = sys.argv[1], int(sys.argv[2])
calls = ("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction "
         "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield "
         "mremap msync mincore madvise dup dup2 nanosleep getpid socket connect accept "
         "sendto recvfrom sendmsg recvmsg bind listen clone execve exit wait4 kill uname "
         "fcntl fsync getcwd chdir rename mkdir unlink readlink futex epoll_wait").split()
ts = "..2026_11_23_10_00_00.1"
os.makedirs(os.path.join(d, ts))
for i in range(n):
    key = "p%05d.yaml" % i
    with open(os.path.join(d, ts, key), "w") as f:
        f.write("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                "metadata:\n  name: p%05d\n  namespace: ns%02d\nspec:\n  selector:\n"
                "    matchLabels:\n      app: app%05d\n  seccomp:\n    arch: [x86_64]\n"
                "    syscalls: [%s]\n    action: %s\n"
                % (i, i % 20, i, ", ".join(random.sample(calls, 20)),
                   "Block" if i % 5 == 0 else "Allow"))
    os.symlink("..data/" + key, os.path.join(d, key))
os.symlink(ts, os.path.join(d, "..data"))
PY
}

# swap DIR ROOT RUNS: update policy p00001 through the atomic writer RUNS times; print the
# milliseconds from each rename to the new content being in the installed profile.
swap() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, sys, time
d, root, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = os.path.join(root, "ns01", "p00001.json")
out = []
for r in range(runs):
    time.sleep(0.5)                               # let the previous reconcile settle
    old = os.readlink(os.path.join(d, "..data"))
    new = "..2026_11_23_11_00_%02d.%d" % (r, os.getpid())
    nd = os.path.join(d, new)
    os.mkdir(nd)
    for key in os.listdir(os.path.join(d, old)):   # the kubelet writes every key anew
        with open(os.path.join(d, old, key)) as f, open(os.path.join(nd, key), "w") as g:
            g.write(f.read())
    marker = "getppid" if r % 2 == 0 else "getpgrp"
    src = open(os.path.join(d, old, "p00001.yaml")).read()
    src = src.replace("syscalls: [", "syscalls: [%s, " % marker, 1) if "getp" not in src else \
        src.replace("getppid" if "getppid" in src else "getpgrp", marker)
    os.unlink(os.path.join(nd, "p00001.yaml"))
    with open(os.path.join(nd, "p00001.yaml"), "w") as f:
        f.write(src)
    os.symlink(new, os.path.join(d, "..data_tmp"))
    t0 = time.monotonic()
    os.rename(os.path.join(d, "..data_tmp"), os.path.join(d, "..data"))
    deadline = t0 + 30
    while time.monotonic() < deadline:
        time.sleep(0.0005)                        # poll every 0.5 ms, leaving the CPU to the agent
        try:
            with open(target) as f:
                if marker in f.read():
                    break
        except FileNotFoundError:
            pass
    out.append((time.monotonic() - t0) * 1000)
    # the kubelet then removes the old payload
    for key in os.listdir(os.path.join(d, old)):
        os.unlink(os.path.join(d, old, key))
    os.rmdir(os.path.join(d, old))
print(" ".join("%.1f" % x for x in out))
PY
}

best() { tr ' ' '\n' | sort -n | head -1; }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

echo "generating $N policies..." >&2
gen "$tmp/pol" "$N"
mkdir -p "$tmp/kub"

# 1 + 2: --once, first and unchanged.
/usr/bin/time -f "%e %M" -o "$tmp/t1" "$SYSCAGE" agent --policies "$tmp/pol" --kubelet-root "$tmp/kub" --once 2>"$tmp/once1.log"
/usr/bin/time -f "%e %M" -o "$tmp/t2" "$SYSCAGE" agent --policies "$tmp/pol" --kubelet-root "$tmp/kub" --once 2>"$tmp/once2.log"
rec1=$(sed -n 's/.*event=reconcile .*seconds=\([0-9.]*\).*/\1/p' "$tmp/once1.log")
rec2=$(sed -n 's/.*event=reconcile .*seconds=\([0-9.]*\).*/\1/p' "$tmp/once2.log")
inst=$(find "$tmp/kub/seccomp/syscage" -name 'p*.json' | wc -l)

# 3: the daemon and ConfigMap swaps.
"$SYSCAGE" agent --policies "$tmp/pol" --kubelet-root "$tmp/kub" --listen none 2>"$tmp/agent.log" &
AGENT=$!
for i in $(seq 600); do grep -q 'event=reconcile ' "$tmp/agent.log" && break; sleep 0.05; done
lat=$(swap "$tmp/pol" "$tmp/kub/seccomp/syscage" "$RUNS")
hwm=$(hwm_kib "$AGENT")
rec3=$(sed -n 's/.*event=reconcile trigger=inotify.*seconds=\([0-9.]*\).*/\1/p' "$tmp/agent.log" | median)
kill "$AGENT"
wait "$AGENT" || true
AGENT=

# 4: a realistic ConfigMap (50 policies).
gen "$tmp/pol50" 50
mkdir -p "$tmp/kub50"
"$SYSCAGE" agent --policies "$tmp/pol50" --kubelet-root "$tmp/kub50" --listen none 2>"$tmp/agent50.log" &
AGENT=$!
for i in $(seq 600); do grep -q 'event=reconcile ' "$tmp/agent50.log" && break; sleep 0.05; done
lat50=$(swap "$tmp/pol50" "$tmp/kub50/seccomp/syscage" "$RUNS")
hwm50=$(hwm_kib "$AGENT")
kill "$AGENT"
wait "$AGENT" || true
AGENT=

read -r w1 m1 <"$tmp/t1"
read -r w2 m2 <"$tmp/t2"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo
echo "syscage agent, $N policies ($inst profiles installed), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-52s %-24s %s\n' "measure" "result" "goal"
printf '%-52s %-24s %s\n' "first reconcile, wall (--once; reconcile alone)" "$w1 s ($rec1 s)" "< 1 s"
printf '%-52s %-24s %s\n' "first reconcile, peak RSS" "$(mib "$m1")" "< 16 MiB"
printf '%-52s %-24s %s\n' "unchanged reconcile, wall (--once; reconcile alone)" "$w2 s ($rec2 s)" "< 1 s"
printf '%-52s %-24s %s\n' "unchanged reconcile, peak RSS" "$(mib "$m2")" "< 16 MiB"
printf '%-52s %-24s %s\n' "daemon: ConfigMap swap -> profile on disk, best" "$(echo "$lat" | best) ms" "< 100 ms"
printf '%-52s %-24s %s\n' "daemon: ConfigMap swap -> profile on disk, median" "$(echo "$lat" | median) ms (reconcile $rec3 s)" "< 100 ms"
printf '%-52s %-24s %s\n' "daemon: peak RSS (VmHWM) after $RUNS swaps" "$(mib "$hwm")" "< 16 MiB"
printf '%-52s %-24s %s\n' "50-policy ConfigMap: swap -> disk, best / median" "$(echo "$lat50" | best) / $(echo "$lat50" | median) ms" "< 100 ms"
printf '%-52s %-24s %s\n' "50-policy ConfigMap: daemon peak RSS" "$(mib "$hwm50")" "< 16 MiB"
echo "(swap latencies, ms: $N policies: $lat; 50 policies: $lat50)"
