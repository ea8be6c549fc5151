#!/bin/bash
# syscage agent: KILL_PROCESS denials attributed although their process is gone when the record
# is read. A real cgroup v2 directory laid out as the kubelet's (systemd driver), the kubelet's
# log links under a node root (--host-root), real processes killed by a KILL_PROCESS filter and
# the kernel's own records from /dev/kmsg; then a podman container outside pods. The agent is
# stopped (SIGSTOP) while the process dies and continued after it is reaped, so its records are
# read when /proc/<pid> is gone for certain: only what the agent remembered can name the pod.
. "$(dirname "$0")/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"
trap rt__cleanup EXIT

why=""
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ "$(id -u)" -ne 0 ]; then
	why="needs root (cgroups, seccomp, /dev/kmsg)"
elif [ -z "$CG2" ]; then
	why="no cgroup v2 hierarchy mounted"
elif [ ! -r /dev/kmsg ] || [ ! -x /bin/busybox ]; then
	why="needs a readable /dev/kmsg and /bin/busybox (busybox-static)"
elif ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
	why="needs curl and python3"
elif ! grep -qw kill_process /proc/sys/kernel/seccomp/actions_logged; then
	why="the kernel does not log KILL_PROCESS decisions (kernel.seccomp.actions_logged)"
fi
if [ -n "$why" ]; then
	skip "agent violations: $why"
	done_testing
	exit
fi

uid=5a1e0c1a-0000-4000-8000-$(printf '%012x' $$)
id=$(printf 'feed%060x' $$)
top="$CG2/syscage-viol-$$"
slice="$top/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice"
cg="$slice/cri-containerd-$id.scope"
H="$TMP/node"
mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods/viol_web-0_$uid/app" "$TMP/pol" "$TMP/kub" "$cg"
ln -s "$CG2" "$H/sys/fs/cgroup"
ln -s /proc "$H/proc"
: >"$H/var/log/pods/viol_web-0_$uid/app/0.log"
ln -s "/var/log/pods/viol_web-0_$uid/app/0.log" "$H/var/log/containers/web-0_viol_app-$id.log"
uid2=5a1e0c1a-0000-4000-8001-$(printf '%012x' $$)
id2=$(printf 'beef%060x' $$)
slice2="$top/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid2//-/_}.slice"
cg2="$slice2/cri-containerd-$id2.scope"
AGENT=
# At exit: the agent and every process in the test's cgroups, then the cgroups, deepest first.
cleanup() {
	local procs c
	[ -n "$AGENT" ] && { kill -CONT "$AGENT"; kill -9 "$AGENT"; }
	for c in "$cg" "$cg2"; do
		for _ in $(seq 20); do
			procs=$(cat "$c/cgroup.procs" 2>/dev/null)
			[ -z "$procs" ] && break
			kill -9 $procs 2>/dev/null
			sleep 0.1
		done
	done
	rmdir "$cg" "$cg2" "$slice" "$slice2" "$top/kubepods.slice/kubepods-besteffort.slice" \
		"$top/kubepods.slice" "$top"
}
rt_on_exit cleanup
# Can a process be moved into the test's cgroup here (a container without cgroup delegation
# cannot)? Else nothing below could be attributed: skipped, with the reason.
sleep 30 &
probe=$!
if ! echo "$probe" >"$cg/cgroup.procs" 2>/dev/null || ! grep -qx "$probe" "$cg/cgroup.procs"; then
	kill -9 "$probe"
	skip "agent violations: processes cannot be moved into a cgroup of this test's own ($cg)"
	done_testing
	exit
fi
kill -9 "$probe"
wait "$probe" 2>/dev/null

# A program of this test's own path, so no other process on the machine has its exe.
mkdir "$TMP/bin"
APP="$TMP/bin/busybox"
cp /bin/busybox "$APP"
cat >"$TMP/kill.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}
EOF

"$SYSCAGE" agent --policies "$TMP/pol" --kubelet-root "$TMP/kub" --host-root "$H" --no-log-flag \
	--listen 127.0.0.1:0 --state-dir "$TMP/state" --kmsg /dev/kmsg --audit-log "" \
	2>"$TMP/agent.log" &
AGENT=$!
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
	DPORT=$(sed -n 's/.*event=data-listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
	[ -n "$PORT" ] && [ -n "$DPORT" ] && grep -q 'event=violations-follow' "$TMP/agent.log" && break
	sleep 0.1
done
URL=http://127.0.0.1:$PORT
DURL=http://127.0.0.1:$DPORT # /violations: the data listener

# violation_of PID: the /violations entry of PID (JSON on stdout), waiting up to 5 s.
violation_of() {
	for _ in $(seq 50); do
		curl -s "$DURL/violations" >"$TMP/v.json"
		if python3 - "$TMP/v.json" "$1" >"$TMP/x.json" <<'EOF'; then return 0; fi
import json, sys
for x in json.load(open(sys.argv[1])):
    if x["pid"] == int(sys.argv[2]):
        json.dump(x, sys.stdout)
        sys.exit(0)
sys.exit(1)
EOF
		sleep 0.1
	done
	return 1
}

# attempt NAME SETUP: run SETUP (which starts the process that will be killed and writes its
# pid to $TMP/pid) with the agent stopped, and find its record; the kernel's printk rate limit
# may drop it (other tests write audit records too), so up to 4 attempts, 5 s apart.
attempt() {
	local name=$1 setup=$2 n
	for n in 1 2 3 4; do
		[ "$n" -gt 1 ] && sleep 5
		rm -f "$TMP/pid" "$TMP/go"
		$setup || return 1
		P=$(cat "$TMP/pid")
		violation_of "$P" && return 0
	done
	skip "$name: the kernel dropped the record on 4 attempts (printk rate limit)"
	return 1
}

# 1. Seen alive by the agent (it lists the pods' processes every second), killed while the
# agent is stopped.
seen_then_killed() {
	sh -c "echo \$\$ >'$TMP/pid'; echo \$\$ >'$cg/cgroup.procs'; while [ ! -e '$TMP/go' ]; do sleep 0.05; done
		exec '$SYSCAGE' run -p '$TMP/kill.json' -- '$APP' mkdir '$TMP/d1'" &
	local w=$!
	while [ ! -s "$TMP/pid" ]; do sleep 0.05; done
	sleep 2.5 # two refreshes
	kill -STOP "$AGENT"
	touch "$TMP/go"
	wait "$w" 2>/dev/null
	[ ! -e "/proc/$(cat "$TMP/pid")" ] || return 1
	kill -CONT "$AGENT"
}
if attempt "seen, then killed" seen_then_killed; then
	json_check "KILL_PROCESS of a process gone when read: its pod container, by its remembered pid" "$TMP/x.json" \
		'd["pid_gone"] and d["attribution"] == "cache" and d["namespace"] == "viol" and d["pod"] == "web-0" and d["container"] == "app" and d["action"] == "SCMP_ACT_KILL_PROCESS" and d["syscall"] in ("mkdir", "mkdirat")'
	grep -q "event=violation namespace=viol pod=web-0 container=app container_id=$id runtime=containerd pid=$P .*action=SCMP_ACT_KILL_PROCESS attribution=cache" "$TMP/agent.log" &&
		ok "the log line names the pod container and how it was found" || { not_ok "log line"; grep 'event=violation' "$TMP/agent.log" | sed 's/^/# /'; }
fi

# 2. Never seen (it lived between two refreshes of a stopped agent): its comm and exe ran in that
# container only (a sibling keeps running there).
"$APP" sh -c "echo \$\$ >'$cg/cgroup.procs'; exec '$APP' sleep 600" &
SIB=$!
sleep 2.5
unseen_killed() {
	kill -STOP "$AGENT"
	sh -c "echo \$\$ >'$TMP/pid'; echo \$\$ >'$cg/cgroup.procs'; exec '$SYSCAGE' run -p '$TMP/kill.json' -- '$APP' mkdir '$TMP/d2'"
	[ ! -e "/proc/$(cat "$TMP/pid")" ] || return 1
	kill -CONT "$AGENT"
}
if attempt "never seen, killed" unseen_killed; then
	json_check "KILL_PROCESS of a process never seen alive: its pod container, by comm and exe" "$TMP/x.json" \
		'd["pid_gone"] and d["attribution"] == "exe" and d["pod"] == "web-0" and d["container"] == "app" and d["exe"] == "'"$APP"'"'
fi
kill -9 "$SIB" 2>/dev/null

# 3. The same program in a second pod container: not guessed.
mkdir -p "$cg2" "$H/var/log/pods/viol_api-0_$uid2/api"
ln -s "/var/log/pods/viol_api-0_$uid2/api/0.log" "$H/var/log/containers/api-0_viol_api-$id2.log"
"$APP" sh -c "echo \$\$ >'$cg/cgroup.procs'; exec '$APP' sleep 600" &
S1=$!
"$APP" sh -c "echo \$\$ >'$cg2/cgroup.procs'; exec '$APP' sleep 600" &
S2=$!
sleep 2.5
if attempt "ambiguous" unseen_killed; then
	json_check "comm and exe in two pod containers: unattributed, and why" "$TMP/x.json" \
		'd["pid_gone"] and d["attribution"] == "none" and d["unattributed"] == "ambiguous-exe" and d["pod"] is None'
	grep -q "event=violation namespace=- pod=- container=- container_id=- runtime=- pid=$P .*attribution=none unattributed=ambiguous-exe" "$TMP/agent.log" &&
		ok "the log line says why it is unattributed" || { not_ok "unattributed log line"; grep 'event=violation' "$TMP/agent.log" | sed 's/^/# /'; }
fi
kill -9 "$S1" "$S2" 2>/dev/null

# 4. A podman container (outside pods: libpod-<id> cgroup): its id in /violations, in the log
# line and, short, as the metric's container label.
if ! rt_need_podman || ! rt_image_busybox; then
	skip "podman: $RT_WHY"
else
	podman_killed() {
		local st
		rt_run_bg podman viol "$TMP/kill.json" "$RT_BUSYBOX_IMAGE" sh -c 'sleep 3; exec mkdir /x' >"$TMP/pid" ||
			{ echo "# $(rt_why)"; return 1; }
		sleep 1.5
		kill -STOP "$AGENT"
		for _ in $(seq 100); do
			st=$(rt_state podman viol)
			[ "$st" != running ] && break
			sleep 0.1
		done
		kill -CONT "$AGENT"
		CID=$("${RT_PODMAN[@]}" inspect --format '{{.Id}}' "$(rt_cname viol)")
		rt_stop podman viol >/dev/null 2>&1
		return 0
	}
	if attempt "podman" podman_killed; then
		json_check "podman: the container id and runtime in /violations" "$TMP/x.json" \
			"d['container_id'] == '$CID' and d['runtime'] == 'podman' and d['pod'] is None and d['attribution'] == 'cache'"
		grep -q "event=violation namespace=- pod=- container=- container_id=$CID runtime=podman pid=$P " "$TMP/agent.log" &&
			ok "podman: the log line has the container id" || { not_ok "podman log line"; grep 'event=violation' "$TMP/agent.log" | sed 's/^/# /'; }
		run_cmd curl -s "$URL/metrics"
		out_has "podman: the metric's container label is the short id" \
			"^syscage_violations_total\{namespace=\"\",pod=\"\",container=\"${CID:0:12}\",syscall=\"mkdir(at)?\",action=\"SCMP_ACT_KILL_PROCESS\"\} 1$"
	fi
fi
kill -TERM "$AGENT"
wait "$AGENT"
done_testing
