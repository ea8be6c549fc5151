#!/bin/bash
# Benchmark: `syscage k8s bind` and `syscage k8s audit` over 10,000 workloads (Deployments,
# StatefulSets, Pods and CronJobs in one multi-document manifest with comments) against 1,000
# KubeArmorSeccompPolicy objects in 20 namespaces (matchLabels and every matchExpressions
# operator). Prints wall time, CPU time and peak RSS, each the best of RUNS. Goal: bind under
# 1 s. Not a test: nothing is asserted.
# Usage: bench/k8s.sh [BUILD_DIR]   (default: build)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
RUNS=${RUNS:-3}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syscage-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import random, sys, os
random.seed(8)
out = sys.argv[1]
calls = ("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction "
         "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield "
         "mremap msync mincore madvise dup dup2 nanosleep getpid sendfile socket connect "
         "accept sendto recvfrom sendmsg recvmsg shutdown bind listen getsockname "
         "setsockopt getsockopt clone execve exit wait4 kill uname fcntl fsync getcwd "
         "epoll_wait epoll_ctl futex accept4 exit_group").split()
apps = ["app%d" % i for i in range(40)]
tiers = ["web", "db", "cache", "queue", "batch"]
teams = ["a", "b", "c", "d"]
nss = ["ns%02d" % i for i in range(20)]
os.makedirs(os.path.join(out, "policies"))
for n, ns in enumerate(nss):
    with open(os.path.join(out, "policies", ns + ".yaml"), "w") as f:
        for k in range(50):
            r = random.random()
            if r < 0.6:
                sel = "    matchLabels:\n      app: %s\n" % random.choice(apps)
            elif r < 0.8:
                sel = ("    matchExpressions:\n      - {key: tier, operator: In, values: [%s]}\n"
                       "      - {key: team, operator: NotIn, values: [%s]}\n"
                       % (random.choice(tiers), random.choice(teams)))
            elif r < 0.9:
                sel = ("    matchLabels:\n      app: %s\n    matchExpressions:\n"
                       "      - {key: debug, operator: DoesNotExist}\n" % random.choice(apps))
            else:
                sel = ("    matchLabels:\n      app: %s\n    matchExpressions:\n"
                       "      - {key: canary, operator: Exists}\n" % random.choice(apps))
            action = "Block" if random.random() < 0.2 else "Allow"
            sc = random.sample(calls, 5 if action == "Block" else 25)
            f.write("---\napiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                    "metadata:\n  name: p%03d-%02d\n  namespace: %s\nspec:\n  selector:\n%s"
                    "  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n    action: %s\n"
                    % (k, n, ns, sel, ", ".join(sc), action))

def labels():
    l = {"app": random.choice(apps), "tier": random.choice(tiers), "team": random.choice(teams)}
    if random.random() < 0.1:
        l["debug"] = "1"
    if random.random() < 0.05:
        l["canary"] = "yes"
    return l

with open(os.path.join(out, "workloads.yaml"), "w") as f:
    for i in range(10000):
        ns, l = random.choice(nss), labels()
        lab = "".join("        %s: \"%s\"\n" % kv for kv in l.items())
        kind = random.choice(["Deployment", "Deployment", "StatefulSet", "Pod", "CronJob"])
        f.write("---\n# workload %d\n" % i)
        if kind == "Pod":
            f.write("apiVersion: v1\nkind: Pod\nmetadata:\n  name: w%05d\n  namespace: %s\n"
                    "  labels: {%s}\nspec:\n  containers:\n  - name: main\n    image: img:%d\n"
                    "    args: [--port, \"80\"]\n"
                    % (i, ns, ", ".join("%s: %s" % kv for kv in l.items()), i % 7))
            continue
        pre = "    " * (2 if kind == "CronJob" else 0)
        head = ("apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: w%05d\n  namespace: %s\n"
                "spec:\n" % (kind, i, ns))
        if kind == "CronJob":
            head = head.replace("apps/v1", "batch/v1") + \
                "  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n"
        f.write(head)
        body = ("  template:\n    metadata:\n      labels:\n%s    spec:\n"
                "      securityContext: {runAsNonRoot: true}\n      containers:\n"
                "      - name: main  # the app\n        image: img:%d\n"
                "        securityContext:\n          readOnlyRootFilesystem: true\n"
                "      - name: sidecar\n        image: proxy:1\n" % (lab, i % 7))
        f.write("".join(pre + line + "\n" for line in body.splitlines()))
PY

# run CMD...: "wall cpu maxrss_kib" of one run.
run() {
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/run.out" 2>"$tmp/run.err" || true
	# time prepends "Command exited with non-zero status N" to its output for audit's exit 1.
	tail -1 "$tmp/time" | awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }'
}
best() { sort -n | head -1; }
bind_cmd=("$SYSCAGE" k8s bind -f "$tmp/workloads.yaml" -p "$tmp/policies" -q
	--emit-policies "$tmp/merged.yaml" -o "$tmp/bound.yaml")
b=$(for i in $(seq "$RUNS"); do run "${bind_cmd[@]}"; done | best)
if [ ! -s "$tmp/bound.yaml" ]; then
	echo "bind failed:" >&2
	head -5 "$tmp/run.err" >&2
	exit 1
fi
ball=$(for i in $(seq "$RUNS"); do run "${bind_cmd[@]}" --drop-caps --legacy-annotations; done | best)
a=$(for i in $(seq "$RUNS"); do run "$SYSCAGE" k8s audit -f "$tmp/bound.yaml" -o json; done | best)
pb=$(for i in $(seq "$RUNS"); do rm -rf "$tmp/pb"; run "$SYSCAGE" policy build "$tmp/policies" -o "$tmp/pb" -q; done | best)
"$SYSCAGE" k8s bind -f "$tmp/workloads.yaml" -p "$tmp/policies" --emit-policies "$tmp/merged.yaml" -o "$tmp/bound.yaml" 2>"$tmp/summary" || true
summary=$(tail -1 "$tmp/summary")
merged=$(grep -c '^kind: SeccompProfile' "$tmp/merged.yaml" || true)
size=$(du -k "$tmp/workloads.yaml" | cut -f1)

printf '%-58s %8s %8s %9s\n' "1,000 policies x 10,000 workloads ($size KiB of YAML)" "wall s" "cpu s" "RSS MiB"
row() { printf '%-58s %8s %8s %9.1f\n' "$1" "$2" "$3" "$(echo "$4" | awk '{ print $1 / 1024 }')"; }
row "  syscage k8s bind" $b
row "  syscage k8s bind --drop-caps --legacy-annotations" $ball
row "  syscage k8s audit -o json (the bound output)" $a
row "  peer: syscage policy build (no workloads, same policies)" $pb
printf '  %s; %s merged profiles emitted (--emit-policies)\n' "$summary" "$merged"
printf 'goal: bind under 1 s. load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
