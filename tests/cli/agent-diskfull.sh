#!/bin/bash
# syscage agent on a full or read-only kubelet root (a small tmpfs): a pass installs what fits
# and keeps the last good version of the rest, reports the real errno (log, --once, metric),
# and the next pass with room installs the rest.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { skip "needs root (mounts a small tmpfs)"; done_testing; exit; }
POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB" "$TMP/host"
if ! mount -t tmpfs -o size=8m tmpfs "$KUB" 2>"$TMP/mount.err"; then
	skip "cannot mount a tmpfs here: $(head -1 "$TMP/mount.err")"
	done_testing
	exit
fi
trap 'umount -l "$KUB" 2>/dev/null; rm -rf "$TMP"' EXIT

# gen N PAD: N policies, each allowing 'read' plus PAD syscalls (bigger profiles).
gen() {
	python3 - "$POL" "$1" "$2" <<'PY'
import sys
d, n, pad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
calls = ("write openat close fstat lseek mmap mprotect munmap brk rt_sigaction rt_sigprocmask "
         "ioctl pread64 pwrite64 readv writev access pipe select sched_yield mremap msync "
         "mincore madvise dup dup2 nanosleep getpid socket connect accept sendto recvfrom "
         "sendmsg recvmsg bind listen clone execve exit wait4 kill uname fcntl fsync").split()
for i in range(n):
    with open("%s/p%03d.yaml" % (d, i), "w") as f:
        f.write("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
                "metadata:\n  name: p%03d\n  namespace: ns%d\nspec:\n  selector:\n"
                "    matchLabels:\n      app: a%03d\n  seccomp:\n    arch: [x86_64, x86, aarch64]\n"
                "    syscalls: [read%s]\n    action: Allow\n"
                % (i, i % 4, i, "".join(", " + c for c in calls[:pad])))
PY
}
once() { "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --once "$@"; }
# state: "old new other": profiles with 'read' only, with 'fsync' (the padded ones), neither
state() {
	python3 - "$ROOT" <<'PY'
import json, os, sys
old = new = other = 0
for ns in sorted(os.listdir(sys.argv[1])):
    p = os.path.join(sys.argv[1], ns)
    if not os.path.isdir(p): continue
    for f in os.listdir(p):
        try:
            names = [n for s in json.load(open(os.path.join(p, f)))["syscalls"] for n in s["names"]]
        except Exception:
            other += 1; continue
        if "fsync" in names: new += 1
        elif names == ["read"]: old += 1
        else: other += 1
print(old, new, other)
PY
}

gen 400 0
expect "400 small profiles fit" 0 once
read -r o n x <<<"$(state)"
[ "$o" = 400 ] && ok "400 installed" || not_ok "400 installed ($o $n $x)"
# fill: leave about 400 KiB free (on tmpfs each profile takes a 4 KiB page: ~100 fit).
fill() {
	local avail
	rm -f "$KUB/filler"
	avail=$(df -k --output=avail "$KUB" | tail -1)
	dd if=/dev/zero of="$KUB/filler" bs=1k count=$((avail > 400 ? avail - 400 : 0)) 2>/dev/null
}
fill
gen 400 46
expect "disk full: --once fails" 1 once
err_has "disk full: the real cause in --once's message, with the path" "event=exit status=1 msg=\"[0-9]+ profiles not updated under $ROOT: No space left on device"
err_has "disk full: the log says how many were not updated, and why" "event=install-incomplete .*not_updated=[0-9]+ .*err=\"No space left on device\""
read -r o n x <<<"$(state)"
echo "# after the full pass: $o old, $n new, $x other"
[ "$x" = 0 ] && ok "every profile is whole, old or new" || not_ok "every profile is whole ($x broken or missing)"
[ "$n" -gt 0 ] && ok "what fits is installed ($n of 400)" || not_ok "what fits is installed (0 of 400)"
[ "$o" -gt 0 ] && [ $((o + n)) = 400 ] && ok "the rest keeps its last good version ($o)" || not_ok "last good kept ($o old, $n new)"
ls -a "$ROOT"/ns* | grep -q sctmp && not_ok "no temp files left" || ok "no temp files left"
rm -f "$KUB/filler"
expect "room again: --once succeeds" 0 once
read -r o n x <<<"$(state)"
[ "$n" = 400 ] && ok "room again: all 400 updated" || not_ok "room again: all updated ($o $n $x)"

# Read-only: the real errno, nothing changed.
gen 400 0
mount -o remount,ro "$KUB"
expect "read-only root: --once fails" 1 once
err_has "read-only: the real cause in --once's message, with the path" "event=exit status=1 msg=\".* $ROOT.*: Read-only file system"
read -r o n x <<<"$(state)"
[ "$n" = 400 ] && ok "read-only: the installed profiles stay" || not_ok "read-only: profiles stay ($o $n $x)"
mount -o remount,rw "$KUB"

# The daemon: a metric of profiles not updated, by errno.
gen 400 0
expect "back to small profiles" 0 once
fill
gen 400 46
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --listen 127.0.0.1:0 \
	--state-dir "$TMP/state" --kmsg "" --audit-log "" 2>"$TMP/agent.log" &
AGENT=$!
trap 'kill -9 $AGENT 2>/dev/null; umount -l "$KUB" 2>/dev/null; rm -rf "$TMP"' EXIT
for i in $(seq 200); do grep -q 'event=install-incomplete' "$TMP/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
curl -s "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics"
grep -Eq '^syscage_profiles_not_updated [1-9]' "$TMP/metrics" && ok "metric: profiles not updated" || { not_ok "metric: profiles not updated"; grep not_upd "$TMP/metrics" | sed 's/^/# /'; }
grep -Eq '^syscage_install_errors_total\{errno="ENOSPC"\} [1-9]' "$TMP/metrics" && ok "metric: install errors by errno" || { not_ok "metric: install errors by errno"; grep install_err "$TMP/metrics" | sed 's/^/# /'; }
rm -f "$KUB/filler"
kill -HUP $AGENT
for i in $(seq 200); do [ "$(grep -c 'event=reconcile ' "$TMP/agent.log")" -ge 2 ] && break; sleep 0.05; done
curl -s "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics"
grep -Eq '^syscage_profiles_not_updated 0$' "$TMP/metrics" && ok "metric back to 0 once there is room" || { not_ok "metric back to 0"; grep not_upd "$TMP/metrics" | sed 's/^/# /'; }
# The daemon's next pass takes what it could not write as its own (no "conflict"): all updated.
read -r o n x <<<"$(state)"
[ "$n" = 400 ] && ok "daemon, room again: all 400 updated" || not_ok "daemon, room again: all updated ($o $n $x)"
grep -q 'reason=conflict' "$TMP/agent.log" && not_ok "daemon: a profile it could not update is not taken for someone else's" || ok "daemon: a profile it could not update is not taken for someone else's"
kill $AGENT
wait $AGENT
done_testing
