#!/bin/bash
# Benchmark: `syscage policy build` over 1,000 KubeArmorSeccompPolicy objects and 10,000
# workloads (20 namespaces; label selectors with matchLabels and every matchExpressions
# operator). Prints the time of the first build (every file written, one syncfs, renamed into place) and of a
# rebuild (nothing changed), each the best of RUNS. Not a test: nothing is asserted.
# Usage: bench/policy.sh [BUILD_DIR]   (default: build)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-3}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
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

# run OUTDIR: "wall cpu" seconds of one build (cpu = user + sys: what a loaded machine
# does not inflate).
run() {
	/usr/bin/time -f "%e %U %S" -o "$tmp/time" \
		"$SYSCAGE" policy build "$tmp/policies" -o "$1" --workloads "$tmp/workloads.yaml" -q
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/time"
}
best() { sort -n | head -1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
first=$(for i in $(seq "$RUNS"); do rm -rf "$tmp/out"; run "$tmp/out"; done | best)
again=$(for i in $(seq "$RUNS"); do run "$tmp/out"; done | best)
sets=$(find "$tmp/out" -name '*.json' ! -name index.json | wc -l)
unmatched=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["unmatched"]))' "$tmp/out/index.json")
printf '%-50s %8s %8s\n' "syscage policy build (1,000 policies, 10,000 workloads)" "wall s" "cpu s"
printf '%-50s %8s %8s\n' "  first build ($sets profiles, one syncfs for all)" $first
printf '%-50s %8s %8s\n' "  rebuild, nothing changed" $again
printf '%-50s %8s\n' "  workloads selected by no policy" "$unmatched"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
