#!/bin/bash
# syscage agent --record on real cgroup v2 directories laid out as the kubelet's systemd driver
# lays them out (under a directory of this test's own, never a node's kubepods.slice), with the
# kubelet's log links under a node root (--host-root): a container that lives a few
# milliseconds, a restarted container (a new cgroup), 1,000 short-lived containers each making
# one syscall no other makes (every one in its own profile, and nothing of the others), the
# recorder's metrics going back down, a pod --record does not name left alone, and the agent
# under the recording overlay's own seccomp profile recording and healing.
. "$(dirname "$0")/lib.sh"

# The overlay (deploy-record/) renders, and what it renders holds together: the flags, the
# capabilities, the profile the init container installs is the one the agent names, and that
# profile allows everything the base profile does, and bpf.
RP="$SYSCAGE_SRCDIR/deploy-record/syscage-agent-record.json"
expect "the recording setup's profile passes check" 0 "$SYSCAGE" check "$RP"
if python3 - "$RP" "$SYSCAGE_SRCDIR/deploy/profiles/syscage-agent.json" <<'PY'; then
import json, sys
def allowed(f):
    return {n for r in json.load(open(f))["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for n in r["names"]}
rec, base = allowed(sys.argv[1]), allowed(sys.argv[2])
sys.exit(0 if base <= rec and "bpf" in rec else 1)
PY
	ok "it allows all the base profile does, and bpf"
else
	not_ok "the recording profile is not a superset of the base one with bpf"
fi
if command -v kubectl >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
	if timeout 60 kubectl kustomize "$SYSCAGE_SRCDIR/deploy-record" >"$TMP/rec.yaml" 2>"$TMP/rec.err" &&
		python3 - "$TMP/rec.yaml" >"$TMP/rec.why" 2>&1 <<'PY'; then
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
spec = ds["spec"]["template"]["spec"]
agent = next(c for c in spec["containers"] if c["name"] == "agent")
init = next(c for c in spec["initContainers"] if c["name"] == "install-own-profile")
vols = {v["name"]: v for v in spec["volumes"]}
cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
args = agent["args"]
def need(cond, what):
    if not cond:
        print(what)
        sys.exit(1)
for flag in ("--record=", "--heal=", "--host-root=/host", "--kmsg=/dev/kmsg"):
    need(any(a.startswith(flag) for a in args), "agent args lack " + flag)
sc = agent["securityContext"]
need(sorted(sc["capabilities"]["add"]) == ["BPF", "PERFMON", "SYSLOG"], "capabilities: %s" % sc["capabilities"])
need(sc["capabilities"]["drop"] == ["ALL"] and sc["allowPrivilegeEscalation"] is False, "privileges")
lp = sc["seccompProfile"]["localhostProfile"]
need(lp == "syscage/%s/%s" % (ds["metadata"]["namespace"], init["args"][3].rsplit("/", 1)[1]), "the agent names %s, the init container writes %s" % (lp, init["args"][3]))
cm = vols["agent-profile"]["configMap"]["name"]
need(init["args"][1].rsplit("/", 1)[1] in cms[cm]["data"], "the init container reads a file %s does not hold" % cm)
need("hostPath" in vols["state"] and "emptyDir" not in vols["state"], "state: %s" % vols["state"])
mounts = {m["mountPath"]: m for m in agent["volumeMounts"]}
for p in ("/host/sys/fs/cgroup", "/host/proc", "/host/var/log/pods", "/host/var/log/containers", "/dev/kmsg"):
    need(p in mounts and mounts[p].get("readOnly"), p + " not mounted read-only")
PY
		ok "kubectl kustomize deploy-record: flags, capabilities, profile, mounts hold together"
	else
		not_ok "kubectl kustomize deploy-record: $(cat "$TMP/rec.why" "$TMP/rec.err" | head -3)"; fi
else
	skip "kustomize render of deploy-record: needs kubectl and python3-yaml"
fi

why=""
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
CHURN=$(dirname "$SYSCAGE")/tests/programs/cgroup-churn
if [ "$(id -u)" -ne 0 ]; then
	why="needs root (cgroups, eBPF)"
elif [ -z "$CG2" ]; then
	why="no cgroup v2 hierarchy mounted"
elif ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
	why="needs curl and python3"
elif [ ! -x "$CHURN" ]; then
	why="tests/programs/cgroup-churn is not built"
elif ! "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	why="the eBPF recorder cannot run here: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
fi
if [ -n "$why" ]; then
	for _ in $(seq 19); do skip "agent --record: $why"; done
	done_testing
	exit
fi

# The node: cgroups under $TOP/kubepods.slice, log links under $H/var/log.
TOP="$CG2/syscage-test-rec-$$"
KP="$TOP/kubepods.slice/kubepods-besteffort.slice"
H="$TMP/node"
mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods" "$TMP/kub" "$TMP/pol"
ln -s "$(dirname "$CG2")" "$H/sys/fs/cgroup"
[ "$(dirname "$CG2")" = /sys/fs/cgroup ] || { rm "$H/sys/fs/cgroup"; ln -s "$CG2" "$H/sys/fs/cgroup"; }
ln -s /proc "$H/proc"
mkdir -p "$KP"
cleanup_cgroups() {
	# Deepest first; a cgroup still holding a process is emptied first (a killed process
	# leaves it once reaped: a few tries).
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		find "$TOP" -depth -type d 2>/dev/null | while read -r d; do
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
			rmdir "$d" 2>/dev/null
		done
		[ -d "$TOP" ] || break
		sleep 0.2
	done
}
trap 'kill $AGENT 2>/dev/null; cleanup_cgroups; rm -rf "$TMP"' EXIT

N_POD=0
# pod NS NAME: a pod's cgroup and log dir; sets POD_SLICE and POD_UID.
pod() {
	N_POD=$((N_POD + 1))
	POD_UID=$(printf '5a1e0c1a-%04x-4000-8000-%012x' $N_POD $$)
	POD_SLICE="$KP/kubepods-besteffort-pod${POD_UID//-/_}.slice"
	POD_LOGS="$H/var/log/pods/$1_$2_$POD_UID"
	POD_NS=$1 POD_NAME=$2
	mkdir -p "$POD_SLICE" "$POD_LOGS"
}
N_CT=0
# container NAME RESTART: a new container id with its log link in the current pod; CT is the
# cgroup directory it will have (not made).
container() {
	N_CT=$((N_CT + 1))
	local id
	id=$(printf 'c0ffee%06x%052x' $N_CT $$)
	mkdir -p "$POD_LOGS/$1"
	: >"$POD_LOGS/$1/$2.log"
	ln -s "/var/log/pods/${POD_LOGS##*/}/$1/$2.log" "$H/var/log/containers/${POD_NAME}_${POD_NS}_$1-$id.log"
	CT="$POD_SLICE/cri-containerd-$id.scope"
}
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# wait_until DESC 'SHELL TEXT': poll up to 20 s (a bound, not a timing assertion); the text is
# evaluated afresh each time.
wait_until() {
	local desc=$1 i
	shift
	for i in $(seq 400); do
		if eval "$1" 2>/dev/null; then ok "$desc"; return 0; fi
		sleep 0.05
	done
	not_ok "$desc"
	sed 's/^/# log: /' "$TMP/agent.log" | tail -8
	return 1
}
has() { grep -q "\"$2\"" "$1"; } # FILE SYSCALL

# A pod that exists before the agent starts, with a container running (found by the walk).
pod rec web-0
container app 0
CG_A=$CT
container app 1 # its restart, later
CG_B=$CT
mkdir "$CG_A"
sh -c "echo \$\$ >'$CG_A/cgroup.procs'; while :; do ls / >/dev/null; sleep 0.05; done" &
LOOP=$!
# A pod --record does not name.
pod other db-0
container db 0
CG_O=$CT

"$SYSCAGE" agent --policies "$TMP/pol" --kubelet-root "$TMP/kub" --host-root "$H" \
	--listen 127.0.0.1:0 --state-dir "$TMP/state" --kmsg "" --audit-log "" \
	--record 'rec/*' 2>"$TMP/agent.log" &
AGENT=$!
for _ in $(seq 200); do grep -q 'event=listen' "$TMP/agent.log" && grep -q "event=record-root root=syscage-test-rec-$$/kubepods.slice " "$TMP/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
URL="http://127.0.0.1:$PORT"
# Other tests may have kubepods cgroups of their own meanwhile: they are roots too.
grep -q "event=record-root root=syscage-test-rec-$$/kubepods.slice " "$TMP/agent.log" &&
	ok "one recorder for the node, on the kubepods cgroup (found below the cgroup root)" ||
	{ not_ok "the recorder starts on the kubepods cgroup"; sed 's/^/# /' "$TMP/agent.log"; }

# 1. The running container counts, and goes on being recorded.
wait_until "a running container is being recorded (syscage_recorder_containers 1)" \
	'test "$(metric syscage_recorder_containers)" = 1'

# 2. A container that lives a few milliseconds, started after the agent: in its profile
# within a tick of its end, while the agent runs (no exit needed to drain it).
pod rec job-0
container once 0
CG_J=$CT
echo "$CG_J syncfs" | "$CHURN" >/dev/null
[ ! -d "$CG_J" ] && ok "the short-lived container's cgroup is gone" || not_ok "the short-lived cgroup is gone"
wait_until "a container that lived milliseconds is in its profile (syncfs)" \
	'has "$TMP/state/recorded/rec/job-0/once.json" syncfs'

# 3. A restart: the first container ends, the next one (new id, new cgroup) makes another call;
# both land in the one profile of rec/web-0/app, with the agent running all along.
kill $LOOP
wait $LOOP 2>/dev/null
for p in $(cat "$CG_A/cgroup.procs"); do kill "$p" 2>/dev/null; done
for _ in $(seq 100); do rmdir "$CG_A" 2>/dev/null && break; sleep 0.05; done
echo "$CG_B flock" | "$CHURN" >/dev/null
F="$TMP/state/recorded/rec/web-0/app.json"
wait_until "the restarted container's call is in the profile (flock)" 'has "$F" flock'
has "$F" getdents64 && ok "the first run's calls are kept (getdents64 from ls)" || not_ok "the first run's getdents64 is kept"
"$SYSCAGE" check "$F" >/dev/null 2>&1 && ok "the recorded profile passes check" || not_ok "the recorded profile passes check"

# 4. A pod --record does not name: never written.
echo "$CG_O fsync" | "$CHURN" >/dev/null
sleep 1.5
[ ! -e "$TMP/state/recorded/other" ] && ok "a pod --record does not name is not written" || not_ok "other/db-0 was written"

# 5. Churn: 1,000 containers of one pod, each its own cgroup living a few milliseconds, each
# making one of 40 harmless calls (i mod 40) that no other container of the same residue makes
# and the helper itself never makes. Every profile must hold its call and none of the 39 others.
MARKERS=(fstat lseek dup fsync fdatasync ftruncate fchdir fchmod fchown flock getdents64 fstatfs
	readahead syncfs fadvise64 fallocate fgetxattr flistxattr fremovexattr fsetxattr
	inotify_rm_watch epoll_ctl epoll_wait timerfd_gettime timerfd_settime sync_file_range
	shutdown listen getsockname getpeername accept bind connect getsockopt setsockopt sendmsg
	recvmsg getpriority sched_getscheduler sched_get_priority_max)
N=1000
pod rec churn-0
before=$(metric syscage_recorder_cgroups_drained_total)
for i in $(seq 0 $((N - 1))); do
	container "$(printf 'c%04d' "$i")" 0
	echo "$CT ${MARKERS[$((i % 40))]}"
done >"$TMP/churn.in"
run_cmd "$CHURN" <"$TMP/churn.in"
out_has "1,000 short-lived containers ran, each in its own cgroup" "^$N done$"
wait_until "all 1,000 ended cgroups were drained" \
	'test "$(($(metric syscage_recorder_cgroups_drained_total) - before))" -ge $N'
if python3 - "$TMP/state/recorded/rec/churn-0" $N "${MARKERS[@]}" >"$TMP/churn.out" <<'PY'; then
import json, os, sys
d, n, markers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
kept = wrong = 0
for i in range(n):
    try:
        p = json.load(open(os.path.join(d, "c%04d.json" % i)))
    except OSError:
        continue
    names = {x for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for x in r["names"]}
    mine = markers[i % len(markers)]
    kept += mine in names
    wrong += any(m in names for m in markers if m != mine)
print("kept %d of %d, %d with another container's call" % (kept, n, wrong))
sys.exit(0 if kept == n and wrong == 0 else 1)
PY
	ok "churn: every container's call is in its own profile, no other's ($(cat "$TMP/churn.out"))"
else
	not_ok "churn: $(cat "$TMP/churn.out")"
fi

# 6. Nothing is left running: the gauges are back to 0.
wait_until "syscage_recorder_containers back to 0 once every container ended" \
	'test "$(metric syscage_recorder_containers)" = 0'
# Other tests' kubepods cgroups (found at start) are recorded too, and their containers are no
# pod of this node: the kernel map is only ours to judge when the root was ours alone.
if [ "$(grep -c 'event=record-root ' "$TMP/agent.log")" = 1 ]; then
	# The gauge is counted at the start of a drain: the one after the last bitmaps left says 0.
	wait_until "the kernel map holds no bitmap any more" 'test "$(metric syscage_recorder_cgroups)" = 0' ||
		echo "# syscage_recorder_cgroups is $(metric syscage_recorder_cgroups)"
else
	skip "the kernel map: another test's kubepods cgroups were recorded as well"
fi
test "$(metric syscage_recorder_map_full_total)" = 0 && test "$(metric syscage_recorder_events_lost_total)" = 0 &&
	test "$(metric syscage_recorder_missed_total)" = 0 &&
	ok "nothing lost: map_full 0, events_lost 0, missed 0" || not_ok "losses: $(curl -s "$URL/metrics" | grep -E '^syscage_recorder_(map_full|events_lost|missed)')"
! grep -v '^ts=[^ ]* level=[a-z]* event=[a-z-]*\( [a-z_]*=\("[^"]*"\|[^ "]*\)\)*$' "$TMP/agent.log" | grep -q . &&
	ok "every log line is key=value" || { not_ok "log lines not key=value"; grep -v '^ts=' "$TMP/agent.log" | head -3 | sed 's/^/# /'; }
kill -TERM $AGENT
wait $AGENT
ok "agent exits on SIGTERM"
AGENT=

# 7. The recording overlay's own profile (deploy-record/, recorded by tools/record-agent-profile)
# lets --record and --heal work: the agent runs under it (no_new_privs + the filter, as the
# container runtime would load it), records a container, and heals the call seccomp denied to it
# (ERRNO, logged through the LOG flag: a real record in /dev/kmsg; a denied call never reaches
# the recorder, so only --heal can add it). PROFILE=... points it at another profile.
PROFILE=${PROFILE:-$SYSCAGE_SRCDIR/deploy-record/syscage-agent-record.json}
if [ ! -r /dev/kmsg ]; then
	for _ in 1 2 3; do skip "the overlay's profile: /dev/kmsg cannot be read here"; done
else
	pod rec heal-0
	container app 0
	CG_H=$CT
	mkdir "$CG_H"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"], "syscalls": [{"names": ["syncfs"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}\n' >"$TMP/deny.json"
	rm -f "$TMP/agent.log" # the last daemon's log: polled before the shell truncates it
	"$SYSCAGE" run -p "$PROFILE" -- "$SYSCAGE" agent --policies "$TMP/pol" --kubelet-root "$TMP/kub" \
		--host-root "$H" --listen none --state-dir "$TMP/state2" --no-log-flag \
		--record 'rec/heal-*' --heal 'rec/heal-*' --kmsg /dev/kmsg 2>"$TMP/agent.log" &
	AGENT=$!
	for _ in $(seq 200); do grep -q "event=record-root root=syscage-test-rec-$$/kubepods.slice " "$TMP/agent.log" && break; sleep 0.05; done
	# The container: a denied syncfs, made by a process that lives on while the agent reads the
	# record (the pod of a pid that is gone cannot be told).
	sh -c "echo \$\$ >'$CG_H/cgroup.procs'; exec '$SYSCAGE' run -p '$TMP/deny.json' -- python3 -c 'import ctypes, time; [(ctypes.CDLL(None).syscall(306, -1), time.sleep(0.2)) for _ in range(100)]'" &
	W=$!
	F2="$TMP/state2/recorded/rec/heal-0/app.json"
	# The kernel drops audit lines past its rate limit (other tests' denials count): the call
	# is made every 0.2 s until one record is read.
	wait_until "under the overlay's profile, --heal merges the denied syncfs" 'has "$F2" syncfs'
	kill $W
	wait $W 2>/dev/null
	for _ in $(seq 100); do rmdir "$CG_H" 2>/dev/null && break; sleep 0.05; done
	wait_until "under the overlay's profile, --record records the container (the sleep of its process)" \
		'has "$F2" nanosleep || has "$F2" clock_nanosleep'
	kill -TERM $AGENT
	wait $AGENT
	st=$?
	AGENT=
	if ldd "$SYSCAGE" 2>/dev/null | grep -q 'libasan\|libubsan'; then
		# LeakSanitizer's exit check (ptrace, /proc/self/exe) is no call of the agent's.
		skip "under the overlay's profile, exit 0: a sanitizer build makes calls of its own at exit"
	elif [ $st -eq 0 ] && ! grep -q 'level=error\|record-unavailable\|failed' "$TMP/agent.log"; then
		ok "under the overlay's profile: no error, exit 0"
	else
		not_ok "under the overlay's profile: exit $st"
		grep -v runc-unknown "$TMP/agent.log" | head -5 | sed 's/^/# /'
	fi
fi

done_testing
