#!/bin/bash
# syscage agent --record on real containers: podman + runc start 20 containers one after the
# other under a kubepods cgroup of this test's own (cgroupfs layout: kubepods/besteffort/pod<uid>/
# libpod-<id>), each making one syscall none of the others makes (tests/programs/syscall-once;
# runc's own calls in the container's cgroup, learned from a first container, are not among them)
# and exiting at once; the kubelet's log links name them. Every container's profile must hold its
# call and none of the others'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/runtimes.sh"

ONCE=$(dirname "$SYSCAGE")/tests/programs/syscall-once
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
N=20
why=""
if [ ! -x "$ONCE" ]; then
	why="tests/programs/syscall-once is not built (no static linking here)"
elif [ -z "$CG2" ]; then
	why="no cgroup v2 hierarchy mounted"
elif ! rt_need_podman; then
	why=$RT_WHY
elif ! "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	why="the eBPF recorder cannot run here: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
elif ! rt_image_busybox_with localhost/syscage-test/once:1 "$ONCE:/syscall-once"; then
	why="cannot build the test image: $RT_WHY"
fi
if [ -n "$why" ]; then
	skip "agent --record on podman containers: $why"
	skip "agent --record on podman containers: $why"
	done_testing
	exit
fi

# Calls that fail harmlessly with arguments -1; the ones runc makes in the container's cgroup
# while it starts it are left out below (a first container's profile says which).
CANDIDATES=(fstat lseek dup fsync fdatasync ftruncate fchdir fchmod fchown flock getdents64
	fstatfs readahead syncfs fadvise64 fallocate fgetxattr flistxattr fremovexattr fsetxattr
	inotify_rm_watch epoll_ctl epoll_wait timerfd_gettime timerfd_settime sync_file_range
	shutdown listen getsockname getpeername accept bind connect getsockopt setsockopt sendmsg
	recvmsg getpriority sched_getscheduler sched_get_priority_max sched_get_priority_min
	sched_rr_get_interval sched_getparam timer_gettime timer_delete mq_getsetattr)
TOP_REL="syscage-test-ctr-$$"
uid=$(printf '5a1e0c1a-0000-4000-8000-%012x' $$)
PARENT="/$TOP_REL/kubepods/besteffort/pod$uid"
H="$TMP/node"
mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods/rec_pm-0_$uid" "$TMP/kub" "$TMP/pol" "$CG2$PARENT"
ln -s "$CG2" "$H/sys/fs/cgroup"
ln -s /proc "$H/proc"
AGENT=
# (and runc's copies of the pods' cgroups in the v1 hierarchies of a hybrid host: name=systemd)
rt_on_exit 'kill $AGENT 2>/dev/null; find "$CG2/$TOP_REL" /sys/fs/cgroup/*/"$TOP_REL" -depth -type d -exec rmdir {} \; 2>/dev/null'

"$SYSCAGE" agent --policies "$TMP/pol" --kubelet-root "$TMP/kub" --host-root "$H" --listen none \
	--state-dir "$TMP/state" --kmsg "" --audit-log "" --record 'rec/*' 2>"$TMP/agent.log" &
AGENT=$!
for _ in $(seq 200); do grep -q "event=record-root root=$TOP_REL/kubepods " "$TMP/agent.log" && break; sleep 0.05; done

# run_one NAME SYSCALL: a container of pod rec/pm-0 making SYSCALL, its log link made first.
run_one() {
	local nr id
	nr=$("$SYSCAGE" syscalls --arch x86_64 "$2" | awk '{ print $1 }')
	id=$("${RT_PODMAN[@]}" create --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--security-opt seccomp=unconfined --cgroup-parent="$PARENT" --name "$(rt_cname "rec$i")" \
		localhost/syscage-test/once:1 /syscall-once "$nr" 2>"$TMP/err") || { sed 's/^/# /' "$TMP/err"; return 1; }
	mkdir -p "$H/var/log/pods/rec_pm-0_$uid/$1"
	ln -s "/var/log/pods/rec_pm-0_$uid/$1/0.log" "$H/var/log/containers/pm-0_rec_$1-$id.log"
	"${RT_PODMAN[@]}" start -a "$id" >/dev/null 2>&1 || return 1
	"${RT_PODMAN[@]}" rm -f "$id" >/dev/null 2>&1
}
# What runc makes in a container's cgroup: a first container, making getpid.
run_one base getpid
for _ in $(seq 100); do [ -s "$TMP/state/recorded/rec/pm-0/base.json" ] && break; sleep 0.1; done
MARKERS=()
for m in "${CANDIDATES[@]}"; do
	grep -q "\"$m\"" "$TMP/state/recorded/rec/pm-0/base.json" 2>/dev/null || MARKERS+=("$m")
done
echo "# runc's start leaves $(( ${#MARKERS[@]} )) of ${#CANDIDATES[@]} candidate calls unmade: ${MARKERS[*]}"
[ ${#MARKERS[@]} -ge $N ] || N=${#MARKERS[@]}
started=0
for i in $(seq 0 $((N - 1))); do
	run_one "c$i" "${MARKERS[$i]}" && started=$((started + 1))
done
[ -s "$TMP/state/recorded/rec/pm-0/base.json" ] && [ "$N" -ge 10 ] && [ "$started" -eq $N ] &&
	ok "$N podman + runc containers ran, one after the other" || not_ok "$started of $N containers ran (base recorded: $(ls "$TMP/state/recorded/rec/pm-0" 2>&1 | head -1))"
sleep 2
kill -TERM $AGENT
wait $AGENT
AGENT=
if python3 - "$TMP/state/recorded/rec/pm-0" $N "${MARKERS[@]:0:$N}" >"$TMP/res" <<'PY'; then
import json, os, sys
d, n, markers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
kept = wrong = 0
for i in range(n):
    try:
        p = json.load(open(os.path.join(d, "c%d.json" % i)))
    except OSError:
        continue
    names = {x for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for x in r["names"]}
    kept += markers[i] in names
    wrong += any(m in names for m in markers if m != markers[i])
print("kept %d of %d, %d with another container's call" % (kept, n, wrong))
sys.exit(0 if kept == n and wrong == 0 else 1)
PY
	ok "every container's call is in its own profile, no other's ($(cat "$TMP/res"))"
else
	not_ok "containers: $(cat "$TMP/res")"
	grep -v runc-unknown "$TMP/agent.log" | tail -5 | sed 's/^/# /'
fi
done_testing
