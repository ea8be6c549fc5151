#!/bin/bash
# Benchmark: `syscage policy build` over 1,000 KubeArmorSeccompPolicy objects and 10,000
# workloads (20 namespaces; label selectors with matchLabels and every matchExpressions
# operator). Prints the time of the first build (every file written, one syncfs, renamed into
# place) and of a rebuild (nothing changed), each the best of RUNS, wall and CPU (user + sys),
# side by side with their floors, measured in the same run on the same file system, and each
# result over its floor. Not a test: nothing is asserted.
#
# The floors, what any builder of these profiles pays here at the least:
#  - first build: libfyaml parsing the same policy and workload files (bench/yaml-floor: every
#    event of every document, no model), plus writing as many files of the sizes the build
#    wrote, index.json included (bench/agent-floor write: temp files, one syncfs, renames, the
#    directories fsync'ed). No builder reads less than the whole input, nor writes its output
#    more cheaply and still leaves no half-written file after a crash.
#  - rebuild, nothing changed: reading every input file whole and a stat of every profile
#    written (bench/agent-floor unchanged): the least that can tell that nothing changed.
# Both floor programs split their files over up to 4 threads, as many as the CPUs.
# Usage: bench/policy.sh [BUILD_DIR]   (default: build; RUNS=3, TMPDIR picks the file system)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-3}
AFLOOR=$build/bench/agent-floor
YFLOOR=$build/bench/yaml-floor
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
for f in "$AFLOOR" "$YFLOOR"; do
	[ -x "$f" ] || { echo "no $f (build the bench: ninja -C $build)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syscage-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import random, sys, os
random.seed(6)
out = sys.argv[1]
calls = ("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction "
         "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield "
         "mremap msync mincore madvise dup dup2 pause nanosleep getitimer alarm setitimer "
         "getpid sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind "
         "listen getsockname getpeername socketpair setsockopt getsockopt clone fork vfork "
         "execve exit wait4 kill uname fcntl flock fsync fdatasync truncate ftruncate "
         "getcwd chdir fchdir rename mkdir rmdir creat link unlink symlink readlink chmod "
         "fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo times "
         "ptrace getuid syslog getgid setuid setgid geteuid getegid setpgid getppid "
         "epoll_wait epoll_ctl futex accept4 pselect6 exit_group").split()
apps = ["app%d" % i for i in range(40)]
tiers = ["web", "db", "cache", "queue", "batch"]
teams = ["a", "b", "c", "d"]
nss = ["ns%02d" % i for i in range(20)]
os.makedirs(os.path.join(out, "policies"))
for n, ns in enumerate(nss):
    with open(os.path.join(out, "policies", ns + ".yaml"), "w") as f:
        for k in range(50):
            kind = random.random()
            if kind < 0.5:
                sel = "    matchLabels:\n      app: %s\n" % random.choice(apps)
            elif kind < 0.7:
                sel = ("    matchExpressions:\n      - {key: tier, operator: In, values: [%s, %s]}\n"
                       % tuple(random.sample(tiers, 2)))
            elif kind < 0.8:
                sel = ("    matchLabels:\n      app: %s\n    matchExpressions:\n"
                       "      - {key: team, operator: NotIn, values: [%s]}\n"
                       % (random.choice(apps), random.choice(teams)))
            elif kind < 0.9:
                sel = "    matchExpressions:\n      - {key: debug, operator: DoesNotExist}\n"
            else:
                sel = ("    matchExpressions:\n      - {key: canary, operator: Exists}\n"
                       "      - {key: tier, operator: NotIn, values: [db]}\n")
            action = "Block" if random.random() < 0.2 else "Allow"
            sc = random.sample(calls, 5 if action == "Block" else 30)
            f.write("---\napiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                    "metadata:\n  name: p%03d-%02d\n  namespace: %s\nspec:\n  selector:\n%s"
                    "  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n    action: %s\n"
                    % (k, n, ns, sel, ", ".join(sc), action))
with open(os.path.join(out, "workloads.yaml"), "w") as f:
    for i in range(10000):
        labels = {"app": random.choice(apps), "tier": random.choice(tiers),
                  "team": random.choice(teams)}
        if random.random() < 0.1:
            labels["debug"] = "1"
        if random.random() < 0.05:
            labels["canary"] = "yes"
        f.write("- {namespace: %s, name: w%05d, labels: {%s}}\n" % (
            random.choice(nss), i, ", ".join("%s: %s" % kv for kv in labels.items())))
PY

# timed CMD...: "wall cpu" seconds of one run (cpu = user + sys: what a loaded machine does not
# inflate).
timed() {
	python3 -c '
import resource, subprocess, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
c = cpu()  # not always 0 here: children reaped while python started
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
w = time.perf_counter() - t
print(f"{w:.4f} {cpu() - c:.4f}")' "$@"
}
run() { timed "$SYSCAGE" policy build "$tmp/policies" -o "$1" --workloads "$tmp/workloads.yaml" -q; }
# What the floors need: the files one build writes ("ns/name SIZE", index.json as ./index.json),
# and the inputs in one directory (links to them) for agent-floor unchanged.
"$SYSCAGE" policy build "$tmp/policies" -o "$tmp/out" --workloads "$tmp/workloads.yaml" -q
(cd "$tmp/out" && find . -type f -printf '%P %s\n' | awk '!/\// { $0 = "./" $0 } 1' | sort) >"$tmp/written"
mkdir "$tmp/inputs"
ln -s "$tmp/policies"/*.yaml "$tmp/workloads.yaml" "$tmp/inputs/"
# RUNS interleaved rounds: first build, its floors, rebuild, its floor. Each column's best counts.
: >"$tmp/first" && : >"$tmp/parse" && : >"$tmp/write" && : >"$tmp/again" && : >"$tmp/unch"
for _ in $(seq "$RUNS"); do
	rm -rf "$tmp/out" "$tmp/floor-out"
	run "$tmp/out" >>"$tmp/first"
	timed "$YFLOOR" "$tmp/policies"/*.yaml "$tmp/workloads.yaml" >>"$tmp/parse"
	timed "$AFLOOR" write "$tmp/written" "$tmp/floor-out" >>"$tmp/write"
	run "$tmp/out" >>"$tmp/again"
	timed "$AFLOOR" unchanged "$tmp/inputs" "$tmp/out" >>"$tmp/unch"
done
# col FILE N: the least of column N
col() { awk -v n="$2" 'NR == 1 || $n < m { m = $n } END { printf "%.4f", m }' "$1"; }
first_w=$(col "$tmp/first" 1) first_c=$(col "$tmp/first" 2)
parse_w=$(col "$tmp/parse" 1) parse_c=$(col "$tmp/parse" 2)
write_w=$(col "$tmp/write" 1) write_c=$(col "$tmp/write" 2)
again_w=$(col "$tmp/again" 1) again_c=$(col "$tmp/again" 2)
unch_w=$(col "$tmp/unch" 1) unch_c=$(col "$tmp/unch" 2)
floor_w=$(awk -v a="$parse_w" -v b="$write_w" 'BEGIN { printf "%.4f", a + b }')
floor_c=$(awk -v a="$parse_c" -v b="$write_c" 'BEGIN { printf "%.4f", a + b }')
sets=$(find "$tmp/out" -name '*.json' ! -name index.json | wc -l)
unmatched=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["unmatched"]))' "$tmp/out/index.json")
mb=$(awk '{ s += $2 } END { printf "%.1f", s / 1048576 }' "$tmp/written")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
row() { printf '%-58s %8s %8s %12s %12s\n' "$@"; }
echo "syscage policy build (1,000 policies, 10,000 workloads), best of $RUNS, $(df -T "$tmp" | awk 'NR == 2 { print $2 }') at $tmp"
row "" "wall s" "cpu s" "wall/floor" "cpu/floor"
row "first build ($sets profiles + index.json, $mb MB, one syncfs)" "$first_w" "$first_c" \
	"$(ratio "$first_w" "$floor_w")" "$(ratio "$first_c" "$floor_c")"
row "  floor: parse + write (sum of the two below)" "$floor_w" "$floor_c" "1.00x" "1.00x"
row "    libfyaml parses the inputs (yaml-floor)" "$parse_w" "$parse_c" "" ""
row "    the same files written (agent-floor write)" "$write_w" "$write_c" "" ""
row "rebuild, nothing changed" "$again_w" "$again_c" "$(ratio "$again_w" "$unch_w")" \
	"$(ratio "$again_c" "$unch_c")"
row "  floor: read the inputs, stat the profiles (agent-floor)" "$unch_w" "$unch_c" "1.00x" "1.00x"
printf '%-58s %8s\n' "workloads selected by no policy" "$unmatched"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
