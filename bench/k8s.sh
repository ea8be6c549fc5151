#!/bin/bash
# Benchmark: `syscage k8s bind --bindings` and `syscage k8s audit` over 10,000 workloads
# (Deployments, StatefulSets, Pods and CronJobs in one multi-document manifest with comments)
# against 1,000 KubeArmorSeccompPolicy objects in 20 namespaces (matchLabels and every
# matchExpressions operator; many workloads are selected by several selectors, each bound to
# its own profile). Prints wall time, CPU time and peak RSS, each the best of RUNS, and for
# bind its ratios to the floor: the floor row is libfyaml parsing the same YAML and nothing
# else on one thread (bench/yaml-floor.c); bind's wall and CPU time are given over the floor's,
# its peak RSS over the size of what it reads (the goal: time at most 2x, RSS at most 4x).
# bind runs with a thread per CPU (the default, --jobs) and with --jobs 1; a second floor row
# parses the same YAML on two threads (each big file cut in two where a document starts), what
# a second core buys any reader of it. Then RUNS pairs, the floor and bind run one after the
# other, and the median of their ratios (a pair sees about the same load). Also bind again
# with the bindings file among the policies (the documented workflow: --bindings
# policies/bindings.yaml), bind of 10x the workloads (bind streams a manifest: its peak RSS
# should grow far less than its input), how many workloads several selectors select
# (counted here, from the same selector semantics), and the bindings file. Then the same
# workloads as one List document (what `kubectl get -o yaml` prints: items before "kind:
# List"), bound from the file, with --jobs 1 and from stdin, over its own floor (yaml-floor on
# the List file); its items must be bound as the documents are.
# Not a test: nothing is asserted.
# Usage: bench/k8s.sh [BUILD_DIR]   (default: build); RUNS=N (default 3); BIG=0 skips the 10x rows
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
SYSCAGE=${SYSCAGE:-$build/syscage}
FLOOR=$build/bench/yaml-floor
RUNS=${RUNS:-3}
BIG=${BIG:-1}
[ -x "$SYSCAGE" ] || { echo "no syscage binary at $SYSCAGE (pass the build dir)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syscage-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

gen() { # DIR N_WORKLOADS WORKLOADS_FILE
python3 - "$1" "$2" "$3" <<'PY'
import random, sys, os
random.seed(8)
out = sys.argv[1]
nw = int(sys.argv[2])
wfile = sys.argv[3]
calls = ("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction "
         "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield "
         "mremap msync mincore madvise dup dup2 nanosleep getpid sendfile socket connect "
         "accept sendto recvfrom sendmsg recvmsg shutdown bind listen getsockname "
         "setsockopt getsockopt clone execve exit wait4 kill uname fcntl fsync getcwd "
         "epoll_wait epoll_ctl futex accept4 exit_group").split()
runc = "execve close write openat fstatfs getdents64 futex rt_sigreturn".split()
blockable = [c for c in calls if c not in runc]
apps = ["app%d" % i for i in range(40)]
tiers = ["web", "db", "cache", "queue", "batch"]
teams = ["a", "b", "c", "d"]
nss = ["ns%02d" % i for i in range(20)]
os.makedirs(os.path.join(out, "policies"), exist_ok=True)
sels, sel_ws = {}, []
for n, ns in enumerate(nss):
    with open(os.path.join(out, "policies", ns + ".yaml"), "w") as f:
        for k in range(50):
            r = random.random()
            if r < 0.6:
                a = random.choice(apps)
                sel = "    matchLabels:\n      app: %s\n" % a
                rule = (("L", "app", (a,)),)
            elif r < 0.8:
                t, m = random.choice(tiers), random.choice(teams)
                sel = ("    matchExpressions:\n      - {key: tier, operator: In, values: [%s]}\n"
                       "      - {key: team, operator: NotIn, values: [%s]}\n" % (t, m))
                rule = (("In", "tier", (t,)), ("NotIn", "team", (m,)))
            elif r < 0.9:
                a = random.choice(apps)
                sel = ("    matchLabels:\n      app: %s\n    matchExpressions:\n"
                       "      - {key: debug, operator: DoesNotExist}\n" % a)
                rule = (("L", "app", (a,)), ("DoesNotExist", "debug", ()))
            else:
                a = random.choice(apps)
                sel = ("    matchLabels:\n      app: %s\n    matchExpressions:\n"
                       "      - {key: canary, operator: Exists}\n" % a)
                rule = (("L", "app", (a,)), ("Exists", "canary", ()))
            sels.setdefault(ns, set()).add(rule)
            action = "Block" if random.random() < 0.2 else "Allow"
            # As real policies are: Allow lists hold what runc calls after it loads the
            # filter, and Blocks leave it alone (k8s bind refuses a workload otherwise).
            sc = (random.sample(blockable, 5) if action == "Block" else
                  runc + [c for c in random.sample(calls, 25) if c not in runc])
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

with open(os.path.join(out, wfile), "w") as f:
    for i in range(nw):
        ns, l = random.choice(nss), labels()
        sel_ws.append((ns, l))
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
    if nw != 10000:
        sys.exit(0)
    # Workloads selected by several distinct selectors of their namespace (policies with one
    # selector are one target), by the Kubernetes LabelSelector rules.
    several = 0
    for ns, l in sel_ws:
        n = sum(1 for s in sels[ns] if all(
            (op == "L" and l.get(k) == v[0]) or (op == "In" and l.get(k) in v) or
            (op == "NotIn" and l.get(k) not in v) or (op == "Exists" and k in l) or
            (op == "DoesNotExist" and k not in l) for op, k, v in s))
        several += n >= 2
    open(os.path.join(out, "several"), "w").write("%d\n" % several)
PY
}
gen "$tmp" 10000 workloads.yaml

# run CMD...: "wall cpu maxrss_kib" of one run.
run() {
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/run.out" 2>"$tmp/run.err" || true
	# time prepends "Command exited with non-zero status N" to its output for audit's exit 1.
	tail -1 "$tmp/time" | awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }'
}
best() { sort -n | head -1; }
# first FILE CMD...: CMD as a first bind: the bindings FILE a run before wrote is removed (bind
# merges into one that is there, and one outside the policies is read whole: the "again" row
# is the documented case of binding with a bindings file there).
first() { rm -f "$1"; shift; "$@"; }
bind_cmd=("$SYSCAGE" k8s bind -f "$tmp/workloads.yaml" -p "$tmp/policies" -q
	--bindings "$tmp/bindings.yaml" -o "$tmp/bound.yaml")
b=$(for i in $(seq "$RUNS"); do first "$tmp/bindings.yaml" run "${bind_cmd[@]}"; done | best)
if [ ! -s "$tmp/bound.yaml" ] || [ ! -s "$tmp/bindings.yaml" ]; then
	echo "bind failed:" >&2
	head -5 "$tmp/run.err" >&2
	exit 1
fi
b1=$(for i in $(seq "$RUNS"); do first "$tmp/bindings.yaml" run "${bind_cmd[@]}" --jobs 1; done | best)
ball=$(for i in $(seq "$RUNS"); do first "$tmp/bindings.yaml" run "${bind_cmd[@]:0:${#bind_cmd[@]}-2}" -o "$tmp/bound-all.yaml" \
	--drop-caps --legacy-annotations; done | best)
# The documented workflow writes the bindings among the policies: binding again reads them.
cp -r "$tmp/policies" "$tmp/policies2"
cp "$tmp/bindings.yaml" "$tmp/policies2/bindings.yaml"
again=$(for i in $(seq "$RUNS"); do run "$SYSCAGE" k8s bind -f "$tmp/workloads.yaml" \
	-p "$tmp/policies2" -q --bindings "$tmp/policies2/bindings.yaml" -o "$tmp/bound2.yaml"; done | best)
cmp -s "$tmp/bound.yaml" "$tmp/bound2.yaml" || echo "note: binding again gave other manifests" >&2
cmp -s "$tmp/bindings.yaml" "$tmp/policies2/bindings.yaml" || echo "note: binding again gave other bindings" >&2
a=$(for i in $(seq "$RUNS"); do run "$SYSCAGE" k8s audit -f "$tmp/bound.yaml" -o json; done | best)
pb=$(for i in $(seq "$RUNS"); do rm -rf "$tmp/pb"; run "$SYSCAGE" policy build "$tmp/policies" -o "$tmp/pb" -q; done | best)
# The floor: libfyaml parsing what bind reads (the manifests and the policies), nothing else.
floor_of() { # WORKLOADS_FILE [-j 2]
	[ -x "$FLOOR" ] || return 0
	for i in $(seq "$RUNS"); do run "$FLOOR" "${@:2}" "$1" "$tmp"/policies/*.yaml; done | best
}
floor=$(floor_of "$tmp/workloads.yaml")
floor2=$(floor_of "$tmp/workloads.yaml" -j 2)
# The same in pairs, the floor then bind, RUNS times, timed to the microsecond: each pair sees
# about the same load, and the median of the pairs' ratios moves less with it than best-of-runs
# taken apart do.
usec() { # CMD...: its wall time in microseconds
	local s=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>&1 || true
	echo $((${EPOCHREALTIME/./} - s))
}
# pairs_of INPUT BINDINGS CMD...: the median over RUNS pairs of CMD's wall time (a first bind,
# BINDINGS removed) over the floor's on INPUT and the policies, run just before it.
pairs_of() {
	[ -x "$FLOOR" ] || return 0
	local in=$1 bf=$2 fw bw
	shift 2
	for i in $(seq "$RUNS"); do
		fw=$(usec "$FLOOR" "$in" "$tmp"/policies/*.yaml)
		bw=$(first "$bf" usec "$@")
		awk -v b="$bw" -v f="$fw" 'BEGIN { if (f > 0) printf "%.3f\n", b / f }'
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2fx", v[int((NR + 1) / 2)] }'
}
pairs=$(pairs_of "$tmp/workloads.yaml" "$tmp/bindings.yaml" "${bind_cmd[@]}")
insize=$(cat "$tmp/workloads.yaml" "$tmp"/policies/*.yaml | wc -c)
# Binding again reads the bindings file too: its RSS over what it reads.
insize2=$(cat "$tmp/workloads.yaml" "$tmp"/policies2/*.yaml | wc -c)
first "$tmp/bindings.yaml" "$SYSCAGE" k8s bind -f "$tmp/workloads.yaml" -p "$tmp/policies" --bindings "$tmp/bindings.yaml" \
	-o "$tmp/bound.yaml" 2>"$tmp/summary" || true
summary=$(tail -1 "$tmp/summary")
size=$(du -k "$tmp/workloads.yaml" | cut -f1)
nbind=$(grep -c '^kind: SeccompBinding' "$tmp/bindings.yaml" || true)
bsize=$(du -k "$tmp/bindings.yaml" | cut -f1)
several=$(cat "$tmp/several")
# 10x the workloads (the same policies): bind's peak RSS as the input grows.
big= bigfloor= bigsize=0 bigin=0
if [ "$BIG" != 0 ]; then
	gen "$tmp" 100000 workloads10.yaml
	big=$(for i in $(seq "$RUNS"); do first "$tmp/bindings10.yaml" run "$SYSCAGE" k8s bind -f "$tmp/workloads10.yaml" \
		-p "$tmp/policies" -q --bindings "$tmp/bindings10.yaml" -o "$tmp/bound10.yaml"; done | best)
	[ -s "$tmp/bound10.yaml" ] || { echo "bind of 10x failed:" >&2; head -5 "$tmp/run.err" >&2; }
	bigfloor=$(floor_of "$tmp/workloads10.yaml")
	bigsize=$(du -k "$tmp/workloads10.yaml" | cut -f1)
	bigin=$(cat "$tmp/workloads10.yaml" "$tmp"/policies/*.yaml | wc -c)
fi

# The same workloads as one List, kubectl's layout: each document an item.
awk 'BEGIN { print "apiVersion: v1\nitems:" }
	/^---$/ { first = 1; next }
	{ if (first) { print "- " $0; first = 0 } else if ($0 == "") print; else print "  " $0 }
	END { print "kind: List\nmetadata:\n  resourceVersion: \"\"" }' \
	"$tmp/workloads.yaml" >"$tmp/list.yaml"
list_cmd=("$SYSCAGE" k8s bind -f "$tmp/list.yaml" -p "$tmp/policies" -q
	--bindings "$tmp/lbindings.yaml" -o "$tmp/lbound.yaml")
lb=$(for i in $(seq "$RUNS"); do first "$tmp/lbindings.yaml" run "${list_cmd[@]}"; done | best)
lb1=$(for i in $(seq "$RUNS"); do first "$tmp/lbindings.yaml" run "${list_cmd[@]}" --jobs 1; done | best)
lin=$(for i in $(seq "$RUNS"); do first "$tmp/lbindings.yaml" run sh -c 'exec "$@" <"$0"' "$tmp/list.yaml" "$SYSCAGE" k8s bind \
	-f - -p "$tmp/policies" -q --bindings "$tmp/lbindings.yaml" -o "$tmp/lbound-in.yaml"; done | best)
awk '/^---$/ { first = 1; next } { if (first) { print "- " $0; first = 0 } else if ($0 == "") print; else print "  " $0 }' \
	"$tmp/bound.yaml" >"$tmp/items.yaml"
sed -e '1,2d' -e '/^kind: List$/,$d' "$tmp/lbound.yaml" | cmp -s - "$tmp/items.yaml" ||
	echo "note: the List's items were bound otherwise than its documents" >&2
cmp -s "$tmp/lbound.yaml" "$tmp/lbound-in.yaml" || echo "note: the List from stdin was bound otherwise" >&2
cmp -s "$tmp/lbindings.yaml" "$tmp/bindings.yaml" || echo "note: the List gave other bindings" >&2
lfloor=$(floor_of "$tmp/list.yaml")
lsize=$(du -k "$tmp/list.yaml" | cut -f1)
linsize=$(cat "$tmp/list.yaml" "$tmp"/policies/*.yaml | wc -c)
lpairs=$(pairs_of "$tmp/list.yaml" "$tmp/lbindings.yaml" "${list_cmd[@]}")

# ratio A B: "A/B" as "0.42x", or "-" without B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
met() { awk -v a="$1" -v b="$2" -v k="$3" 'BEGIN { print (b > 0 && a <= k * b) ? "met" : "not met" }'; }
fmt='%-60s %7s %7s %8s  %-10s %-9s %-10s\n'
printf "$fmt" "1,000 policies x 10,000 workloads ($size KiB of YAML)" \
	"wall s" "cpu s" "RSS MiB" "time/floor" "cpu/floor" "RSS/input"
row() { # LABEL "wall cpu kib" [FLOOR "wall cpu kib" INPUT_BYTES]
	local w c k mib fw fc
	read -r w c k <<<"$2"
	mib=$(awk -v k="$k" 'BEGIN { printf "%.1f", k / 1024 }')
	read -r fw fc _ <<<"${3:-0 0 0}"
	printf "$fmt" "$1" "$w" "$c" "$mib" "${3:+$(ratio "$w" "$fw")}" "${3:+$(ratio "$c" "$fc")}" \
		"${4:+$(ratio "$((k * 1024))" "$4")}"
}
if [ -n "$floor" ]; then
	row "  floor: libfyaml parsing the same YAML (bench/yaml-floor)" "$floor" "$floor" "$insize"
	row "  floor on 2 threads (yaml-floor -j 2: files cut in two)" "$floor2" "$floor" "$insize"
else
	echo "  floor: $FLOOR missing (build first)"
fi
row "  syscage k8s bind --bindings FILE ($(nproc) CPUs: --jobs $(($(nproc) < 4 ? $(nproc) : 4)))" "$b" "$floor" "$insize"
row "  ... --jobs 1" "$b1" "$floor" "$insize"
row "  ... --drop-caps --legacy-annotations" "$ball" "$floor" "$insize"
row "  ... again, bindings among the policies (reads $((insize2 / 1024)) KiB)" "$again" "$floor" "$insize2"
if [ -n "$big" ]; then
	row "  floor, 10x the workloads ($bigsize KiB of YAML)" "${bigfloor:-0 0 0}" "$bigfloor" "$bigin"
	row "  syscage k8s bind --bindings FILE, 10x the workloads" "$big" "$bigfloor" "$bigin"
fi
if [ -n "$lfloor" ]; then
	row "  floor: libfyaml parsing the same workloads as one List ($lsize KiB)" "$lfloor" "$lfloor" "$linsize"
fi
row "  syscage k8s bind --bindings FILE, the List" "$lb" "$lfloor" "$linsize"
row "  ... --jobs 1" "$lb1" "$lfloor" "$linsize"
row "  ... from stdin (-f -)" "$lin" "$lfloor" "$linsize"
row "  syscage k8s audit -o json (the bound output)" "$a"
row "  peer: syscage policy build (no workloads, same policies)" "$pb"
printf '  %s; %s selected by several selectors\n' "$summary" "$several"
printf '  bindings file: %s SeccompBinding documents, %s KiB\n' "$nbind" "$bsize"
printf 'time/floor, cpu/floor: wall and CPU time over the floor'"'"'s (under load, trust CPU and\ninstruction counts: valgrind --tool=callgrind); RSS/input: peak RSS over the bytes read (%s KiB)\n' \
	"$((insize / 1024))"
if [ -n "$floor" ]; then
	read -r bw bc bk <<<"$b"
	read -r fw fc _ <<<"$floor"
	read -r b1w b1c _ <<<"$b1"
	read -r f2w _ _ <<<"$floor2"
	printf 'goal: time at most 2x the floor: wall %s (%s), CPU %s (%s); --jobs 1: wall %s (%s), CPU %s (%s)\n' \
		"$(met "$bw" "$fw" 2)" "$(ratio "$bw" "$fw")" "$(met "$bc" "$fc" 2)" "$(ratio "$bc" "$fc")" \
		"$(met "$b1w" "$fw" 2)" "$(ratio "$b1w" "$fw")" "$(met "$b1c" "$fc" 2)" "$(ratio "$b1c" "$fc")"
	printf 'goal: peak RSS at most 4x the input: %s (%s)\n' \
		"$(met "$((bk * 1024))" "$insize" 4)" "$(ratio "$((bk * 1024))" "$insize")"
	printf 'the floor on 2 threads: %s of the floor'"'"'s wall time (what the second core gave any reader in this run)\n' \
		"$(ratio "$f2w" "$fw")"
	[ -z "$pairs" ] ||
		printf 'bind over the floor run just before it, median of %s pairs: %s (goal at most 2x: %s)\n' \
			"$RUNS" "$pairs" "$(awk -v r="${pairs%x}" 'BEGIN { print (r <= 2) ? "met" : "not met" }')"
fi
if [ -n "$lfloor" ]; then
	read -r lw lc lk <<<"$lb"
	read -r lfw lfc _ <<<"$lfloor"
	printf 'the List: time at most 2x its floor: wall %s (%s), CPU %s (%s); peak RSS at most 4x its input: %s (%s)\n' \
		"$(met "$lw" "$lfw" 2)" "$(ratio "$lw" "$lfw")" "$(met "$lc" "$lfc" 2)" "$(ratio "$lc" "$lfc")" \
		"$(met "$((lk * 1024))" "$linsize" 4)" "$(ratio "$((lk * 1024))" "$linsize")"
	[ -z "$lpairs" ] ||
		printf 'the List over its floor run just before it, median of %s pairs: %s (goal at most 2x: %s)\n' \
			"$RUNS" "$lpairs" "$(awk -v r="${lpairs%x}" 'BEGIN { print (r <= 2) ? "met" : "not met" }')"
fi
if [ -n "$big" ]; then
	read -r _ _ bk <<<"$b"
	read -r _ _ gk <<<"$big"
	printf '10x the workloads: peak RSS %s of the 1x run'"'"'s for %s the input\n' \
		"$(ratio "$gk" "$bk")" "$(ratio "$bigin" "$insize")"
fi
printf 'best of %s runs; load average: %s\n' "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
