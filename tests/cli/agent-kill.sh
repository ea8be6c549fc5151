#!/bin/bash
# syscage agent under kill -9: 1,000 runs of `agent --once` over ~50 policies, each killed at a
# random moment (0-15 ms after start: parsing, writing temp files, syncing, renaming, pruning,
# writing the index). The policy set alternates between two versions (different syscalls,
# some policies only in one), so every run has files to rewrite and to remove. After every
# kill: every *.json under the root parses, there is no file outside the root, and no temp
# file among the profiles (the kubelet's directories): temp files live in <root>/.tmp only.
# Finally a normal run converges to exactly what a clean run produces, and leaves no temp
# files.
# The kubelet root is on tmpfs when /dev/shm is there: syncfs is then free and a run short,
# so the kills spread over the whole reconcile instead of its disk waits (what a kill -9 can
# break is the write protocol, not durability, which needs a power cut to test). The loop
# stops early, saying so, when the machine is too loaded to do N rounds in BUDGET seconds.
. "$(dirname "$0")/lib.sh"
N=${AGENT_KILLS:-1000}
BUDGET=${AGENT_KILL_BUDGET:-75}

if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SHM=$(mktemp -d /dev/shm/syscage-kill.XXXXXX)
	trap 'rm -rf "$TMP" "$SHM"' EXIT
	KUB=$SHM/kubelet
else
	KUB=$TMP/kubelet
fi
ROOT=$KUB/seccomp/syscage
mkdir -p "$KUB" "$TMP/polA" "$TMP/polB"
python3 - "$TMP" <<'PY'
import os, sys, random
random.seed(8)
calls = ("read write openat close fstat lseek mmap mprotect munmap brk rt_sigaction "
         "rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select sched_yield "
         "futex epoll_wait getpid socket connect accept sendto recvfrom").split()
for ver in "AB":
    d = os.path.join(sys.argv[1], "pol" + ver)
    for i in range(50):
        if ver == "B" and i % 10 == 0:
            continue                      # gone in B: pruned when B is installed
        ns = "ns%d" % (i % 5)
        sel = "app%d" % (i if i % 7 else 0)   # some share a selector: merged sets
        cs = random.sample(calls, 12)
        with open(os.path.join(d, "p%02d.yaml" % i), "w") as f:
            f.write("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                    "metadata:\n  name: p%02d\n  namespace: %s\nspec:\n  selector:\n"
                    "    matchLabels:\n      app: %s\n  seccomp:\n    arch: [x86_64]\n"
                    "    syscalls: [%s]\n    action: %s\n"
                    % (i, ns, sel, ", ".join(cs), "Block" if i % 4 == 0 else "Allow"))
    if ver == "B":
        with open(os.path.join(d, "extra.yaml"), "w") as f:
            f.write("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                    "metadata:\n  name: extra\n  namespace: ns9\nspec:\n  selector:\n"
                    "    matchLabels:\n      app: extra\n  seccomp:\n    syscalls: [read]\n"
                    "    action: Allow\n")
PY

# One checker process for all rounds (a python start per round would dominate the run).
coproc CHK {
	python3 -u -c '
import json, os, sys
kub, root = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    bad, n = [], 0
    for d, dirs, files in os.walk(kub):
        for f in files:
            p = os.path.join(d, f)
            if not p.startswith(root + "/"):
                if p != os.path.join(kub, "config.yaml"):
                    bad.append("outside root: " + p)
                continue
            if f.endswith(".sctmp") and d not in (root, os.path.join(root, ".tmp")):
                bad.append("temp file among the profiles: " + p)
            if f.endswith(".json"):
                n += 1
                try:
                    json.load(open(p))
                except Exception as e:
                    bad.append("%s: %s" % (p, e))
    print(("bad " + "; ".join(bad[:3])) if bad else "ok %d" % n, flush=True)
' "$KUB" "$ROOT"
}

# No forks in the loop beyond the agent itself: bash's clock, printf -v, and read -t on a
# pipe that never delivers as the sleep.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
exec {SLP}<> <(:)
msleep() { local s; printf -v s '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); read -r -t "$s" -u "$SLP" _ || true; }
# Calibrate from five full runs (both policy versions): how long the reconcile takes, from
# the preflight line (logged just before it starts) to the reconcile line, by the runs' own
# timestamps. Each round then waits for its run's preflight line and kills it 0..that long
# later, so kills hit reading, writing, syncing, renaming, pruning and the index alike.
ts_ms() { # the ts= of the first line matching $1 in $2, as epoch ms
	local t
	t=$(sed -n "s/^ts=\([^ ]*\)Z .*$1.*/\1/p" "$2" | head -1)
	[ -n "$t" ] && date -u -d "$t" +%s%3N
}
spans=()
for i in 1 2 3 4 5; do
	if [ $((i % 2)) -eq 0 ]; then P=$TMP/polA; else P=$TMP/polB; fi
	"$SYSCAGE" agent --policies "$P" --kubelet-root "$KUB" --host-root "$TMP" --once 2>"$TMP/cal.log"
	a=$(ts_ms 'event=preflight ' "$TMP/cal.log")
	b=$(ts_ms 'event=reconcile ' "$TMP/cal.log")
	[ -n "$a" ] && [ -n "$b" ] && spans+=($((b - a + 2)))
done
SPAN=$(printf '%s\n' "${spans[@]:-20}" | sort -n | sed -n 3p)
[ -n "$SPAN" ] && [ "$SPAN" -ge 2 ] || SPAN=20
echo "# a reconcile of these policies takes about $SPAN ms here (median of 5); kills land 0-$SPAN ms into it"

# started FILE: has the run logged its preflight line (the reconcile starts next)?
started() {
	local lines l
	[ -e "$1" ] || return 1
	mapfile -t lines <"$1"
	for l in "${lines[@]}"; do [[ $l == *"event=preflight "* ]] && return 0; done
	return 1
}

start=$(now_ms)
bad=0 before=0 mid=0 writing=0 after=0 rounds=0 first_bad=""
for i in $(seq "$N"); do
	if [ $((i % 2)) -eq 0 ]; then P=$TMP/polA; else P=$TMP/polB; fi
	rm -f "$TMP/run.log" # so the wait below never sees the previous round's log
	"$SYSCAGE" agent --policies "$P" --kubelet-root "$KUB" --host-root "$TMP" --once 2>"$TMP/run.log" &
	pid=$!
	for ((w = 0; w < 2000; w++)); do started "$TMP/run.log" && break; msleep 1; done
	msleep $((RANDOM % SPAN))
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rounds=$i
	# Where the kill landed, from the run's own log (no fork: bash reads the file).
	mapfile -t lines <"$TMP/run.log"
	log="${lines[*]}"
	if [[ $log == *"event=reconcile "* ]]; then
		after=$((after + 1))
	elif [[ $log == *"event=preflight "* ]]; then
		mid=$((mid + 1))
		[[ $log == *"event=install"* || $log == *"event=remove"* ]] && writing=$((writing + 1))
	else
		before=$((before + 1))
	fi
	echo check >&"${CHK[1]}"
	read -r reply <&"${CHK[0]}"
	case $reply in
	ok*) ;;
	*)
		bad=$((bad + 1))
		[ -n "$first_bad" ] || first_bad="round $i: $reply"
		;;
	esac
	[ $(($(now_ms) - start)) -gt $((BUDGET * 1000)) ] && break
done
end=$(now_ms)
[ "$bad" -eq 0 ] && ok "$rounds kill -9 rounds: every *.json parses, nothing outside the root, no temp file among the profiles" || {
	not_ok "$bad of $rounds rounds left a corrupt or stray file"
	echo "# $first_bad"
}
echo "# kills: $before during start-up, $mid during the reconcile ($writing of them after files were written: syncing, renaming, pruning, index), $after after it finished; $(((end - start) / 1000)) s"
[ "$rounds" -lt "$N" ] && echo "# only $rounds of $N rounds within ${BUDGET}s on this machine (AGENT_KILL_BUDGET raises it)"
[ "$writing" -gt 0 ] && ok "kills landed mid-reconcile ($mid times, $writing while installing)" || not_ok "no kill landed while installing"

# Converge: a normal run now equals a clean run into an empty root.
expect "a normal run after the kills succeeds" 0 "$SYSCAGE" agent --policies "$TMP/polA" --kubelet-root "$KUB" --host-root "$TMP" --once
mkdir -p "$TMP/clean"
expect "a clean run" 0 "$SYSCAGE" agent --policies "$TMP/polA" --kubelet-root "$TMP/clean" --host-root "$TMP" --once
(cd "$ROOT" && find . -type f | sort) >"$TMP/after"
(cd "$TMP/clean/seccomp/syscage" && find . -type f | sort) >"$TMP/want"
if cmp -s "$TMP/after" "$TMP/want"; then ok "converged: same files as a clean run (no temp files, nothing stale)"; else
	not_ok "converged file set"
	diff "$TMP/want" "$TMP/after" | head -10 | sed 's/^/# /'
fi
same=1
while read -r f; do
	# The index names its root's files; .state (judgements kept for a restart) holds the
	# root's and the profiles' inodes: neither can equal another root's.
	case $f in ./index.json | ./.state) continue ;; esac
	cmp -s "$ROOT/$f" "$TMP/clean/seccomp/syscage/$f" || { same=0; echo "# differs: $f"; }
done <"$TMP/want"
[ "$same" -eq 1 ] && ok "converged: every profile byte-identical to a clean run" || not_ok "converged contents"
exec {CHK[1]}>&-
done_testing
