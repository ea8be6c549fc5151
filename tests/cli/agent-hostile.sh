#!/bin/bash
# syscage agent against a neighbour that can write some of what it reads: the policies
# directory and the kubelet root's subdirectories, the agent's own root among them. Whatever
# it plants there (a symlink, a FIFO with a writer that never writes, a device, a lock it
# never lets go), the agent writes nothing outside its root, does not hang, and keeps
# installing the profiles pods need. (Links out of the policies directory, a symlinked
# seccomp dir or root, namespace directories planted as symlinks before a first pass, FIFOs
# among the policies and as .state, and the HTTP port have tests of their own: agent-owners.sh,
# test-reconcile.c, test-reconcile-restart.c, agent-http.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
OUT=$TMP/outside
mkdir -p "$POL" "$KUB" "$OUT"

agent() { timeout 120 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag "$@"; }
nothing_outside() {
	if [ -z "$(ls -A "$OUT")" ]; then ok "$1"; else not_ok "$1"; ls -la "$OUT" | sed 's/^/# /'; fi
}
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

ka web shop web "read, write" Allow >"$POL/web.yaml"
mkdir -p "$ROOT"

# ---- <root>/.tmp planted: a symlink out, a file, a FIFO --------------------------------------
# The name is the agent's own: whatever is there is removed, never followed. Before, the
# agent could not write a single profile again (each pass: "Not a directory"), so no pod
# bound to a new profile could start.
ln -s "$OUT" "$ROOT/.tmp"
expect "a symlink planted as <root>/.tmp: the pass succeeds" 0 agent
[ -f "$ROOT/shop/web.json" ] && ok "the profile is installed" || not_ok "the profile is installed"
nothing_outside "nothing written where the link led"
[ -d "$ROOT/.tmp" ] && [ ! -L "$ROOT/.tmp" ] && ok "<root>/.tmp is a directory again" || not_ok "<root>/.tmp is a directory again"
for kind in file fifo; do
	rm -rf "$ROOT/.tmp"
	if [ $kind = file ]; then want=getpid; echo x >"$ROOT/.tmp"; else want=gettid; mkfifo "$ROOT/.tmp"; fi
	ka web shop web "read, write, $want" Allow >"$POL/web.yaml"
	expect "a $kind planted as <root>/.tmp: the pass succeeds" 0 agent
	grep -q "\"$want\"" "$ROOT/shop/web.json" && ok "the profile is updated ($kind)" || not_ok "the profile is updated ($kind)"
done
# In a running agent, planted between passes.
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --kmsg "" --audit-log "" \
	--no-log-flag --debounce-ms 10 2>"$TMP/daemon.log" &
D=$!
PIDS+=($D)
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/daemon.log" && break; sleep 0.05; done
rm -rf "$ROOT/.tmp"
ln -s "$OUT" "$ROOT/.tmp"
ka api shop api "read" Allow >"$POL/api.yaml"
for _ in $(seq 100); do [ -f "$ROOT/shop/api.json" ] && break; sleep 0.05; done
[ -f "$ROOT/shop/api.json" ] && ok "a running agent installs a new profile" || not_ok "a running agent installs a new profile"
nothing_outside "nothing written where the link led"

# ---- the root's lock held by something that never lets go -------------------------------------
# Two agents take turns with a flock on <root>/.tmp; a holder that is no agent's pass delays a
# pass, boundedly, and never stops it. The agent runs under the DaemonSet's own profile
# (deploy/profiles/syscage-agent.json): there a call it lacks fails with EPERM, and a flock
# that fails so would take no lock at all, silently (no wait would be said).
kill -TERM $D
wait $D
rm -rf "$ROOT/.tmp"
mkdir -p "$ROOT/.tmp"
WRAP=("$SYSCAGE" run -p "$SYSCAGE_SRCDIR/deploy/profiles/syscage-agent.json" --)
# A sanitizer's runtime needs calls the profile leaves out (LeakSanitizer's at exit): not there.
[ "${SC_SANITIZE:-none}" != none ] && WRAP=()
rm -f "$TMP/daemon.log" # the last daemon's log: polled before the shell truncates it
"${WRAP[@]}" "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --kmsg "" --audit-log "" \
	--no-log-flag --debounce-ms 10 2>"$TMP/daemon.log" &
D=$!
PIDS+=($D)
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/daemon.log" && break; sleep 0.05; done
(
	exec 9<"$ROOT/.tmp"
	flock -x 9
	exec sleep 600
) </dev/null >/dev/null 2>&1 &
L=$! # the sleep itself: killing it lets go of the lock
PIDS+=($L)
sleep 0.2
ka api shop api "read, write" Allow >"$POL/api.yaml"
for _ in $(seq 40); do grep -q 'event=lock-busy' "$TMP/daemon.log" && break; sleep 1; done
for _ in $(seq 40); do grep -q '"write"' "$ROOT/shop/api.json" && break; sleep 0.2; done
grep -q 'level=warn event=lock-busy' "$TMP/daemon.log" && ok "the wait is said" || not_ok "the wait is said"
grep -q '"write"' "$ROOT/shop/api.json" && ok "then the pass goes on" || not_ok "then the pass goes on"
# SIGTERM while the lock is waited for: the agent exits at once, 0.
ka api shop api "read, write, close" Allow >"$POL/api.yaml"
sleep 0.5
t0=$(date +%s)
kill -TERM $D
wait $D
rc=$?
t1=$(date +%s)
[ $rc -eq 0 ] && [ $((t1 - t0)) -le 5 ] && ok "SIGTERM while waiting for the lock: exit 0 within 5 s" ||
	not_ok "SIGTERM while waiting for the lock: exit $rc after $((t1 - t0)) s"
kill $L 2>/dev/null
wait $L 2>/dev/null

# ---- a subdirectory swapped for a symlink while the agent walks the directory -------------
# The agent watches the policies directory's subdirectories with inotify after every pass.
# A neighbour who swaps one for a symlink (to /usr here) again and again must not get the
# walk, and its watches, out of the directory: they would wake the agent at every change
# there, and stay for good. (Before: 15 to 40 watches after a few seconds, not 2.)
mkdir "$POL/sub" "$TMP/swap"
ln -s /usr "$TMP/swap/link"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --kmsg "" --audit-log "" \
	--no-log-flag --debounce-ms 1 2>"$TMP/watch.log" &
W=$!
PIDS+=($W)
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/watch.log" && break; sleep 0.05; done
python3 - "$POL" "$TMP/swap" <<'P'
import os, sys, time
pol, swap = sys.argv[1], sys.argv[2]
end = time.time() + 6
while time.time() < end:
    os.rename(pol + "/sub", swap + "/dir")
    os.rename(swap + "/link", pol + "/sub")
    os.rename(pol + "/sub", swap + "/link")
    os.rename(swap + "/dir", pol + "/sub")
P
watches=0
for f in /proc/$W/fd/*; do
	[ "$(readlink "$f")" = "anon_inode:inotify" ] && watches=$((watches + $(grep -c '^inotify' "/proc/$W/fdinfo/${f##*/}")))
done
n=$(grep -c 'event=reconcile ' "$TMP/watch.log")
[ "$watches" -le 2 ] && ok "only the directory and its subdirectory are watched ($watches watches, $n passes)" ||
	not_ok "the walk left the directory: $watches watches, not 2 ($n passes)"
kill -TERM $W
wait $W
rm -rf "$POL/sub"

# ---- policies that never end, or never come ------------------------------------------------
# A device and a FIFO (whose writer never writes) behind links inside the directory, a FIFO
# no one writes and a socket under policies' names: read with O_NONBLOCK, bounded; each is
# rejected saying what it is (before: "Resource temporarily unavailable", "File too large",
# and the others skipped unsaid), the rest installed, and nothing hangs.
mknod "$POL/zero" c 1 5
ln -s zero "$POL/zero.yaml"
mkfifo "$POL/pipe"
ln -s pipe "$POL/pipe.yaml"
sleep 600 <>"$POL/pipe" >/dev/null 2>&1 &
PIDS+=($!)
mkfifo "$POL/lone.yaml"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$POL/sock.yaml"
ka late shop late "read" Allow >"$POL/late.yaml"
t0=$(date +%s)
expect "a device, FIFOs and a socket among the policies: rejected (exit 1)" 1 agent
t1=$(date +%s)
[ $((t1 - t0)) -le 10 ] && ok "no hang ($((t1 - t0)) s)" || not_ok "no hang ($((t1 - t0)) s)"
err_has "the device is rejected, named for what it is" "event=reject file=$POL/zero.yaml reason=read msg=\"a character device, not a regular file: not read"
err_has "the held FIFO is rejected, named for what it is" "event=reject file=$POL/pipe.yaml reason=read msg=\"a FIFO, not a regular file: not read"
err_has "the FIFO no one writes too" "event=reject file=$POL/lone.yaml reason=read msg=\"a FIFO, not a regular file"
err_has "the socket too" "event=reject file=$POL/sock.yaml reason=read msg=\"a socket, not a regular file"
[ -f "$ROOT/shop/late.json" ] && [ -f "$ROOT/shop/web.json" ] && ok "the other policies are installed" || not_ok "the other policies are installed"
rm "$POL/zero" "$POL/zero.yaml" "$POL/pipe.yaml" "$POL/lone.yaml" "$POL/sock.yaml"

# index.json planted as a FIFO with a writer that never writes: no hang, nothing adopted,
# nothing removed.
rm -f "$ROOT/index.json"
mkfifo "$ROOT/index.json"
sleep 600 <>"$ROOT/index.json" >/dev/null 2>&1 &
PIDS+=($!)
t0=$(date +%s)
run_cmd agent
t1=$(date +%s)
[ $((t1 - t0)) -le 10 ] && ok "index.json a held FIFO: no hang ($((t1 - t0)) s)" || not_ok "index.json a held FIFO: no hang"
[ -f "$ROOT/shop/late.json" ] && [ -f "$ROOT/shop/web.json" ] && ok "nothing removed" || not_ok "nothing removed"
nothing_outside "still nothing outside the root"
rm -rf "$ROOT" # without its index the agent owns none of these files: start afresh

# auditd's log (followed for denials) a link to /dev/zero: whoever can write /var/log/audit
# (a log shipper with a hostPath) could do that. Before, the agent read zeros for good at its
# start: no pass, no /healthz, not even SIGTERM was served (98% CPU). Then a FIFO instead.
mkdir "$TMP/audit"
ln -s /dev/zero "$TMP/audit/audit.log"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:0 --data-listen none \
	--kmsg "" --audit-log "$TMP/audit/audit.log" --no-log-flag --debounce-ms 10 2>"$TMP/audit.log" &
Z=$!
PIDS+=($Z)
for _ in $(seq 100); do grep -q 'event=reconcile ' "$TMP/audit.log" && break; sleep 0.05; done
grep -q 'event=reconcile ' "$TMP/audit.log" && ok "audit log a link to /dev/zero: the first pass runs" || not_ok "audit log a link to /dev/zero: the first pass runs"
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/audit.log" | head -1)
rm "$TMP/audit/audit.log"
mkfifo "$TMP/audit/audit.log"
sleep 600 <>"$TMP/audit/audit.log" >/dev/null 2>&1 &
PIDS+=($!)
touch "$TMP/audit/other" # an event in the directory: the log is looked at again
ka web shop web "read, write, getppid" Allow >"$POL/web.yaml"
for _ in $(seq 100); do grep -q '"getppid"' "$ROOT/shop/web.json" && break; sleep 0.05; done
grep -q '"getppid"' "$ROOT/shop/web.json" && ok "then a held FIFO: the agent still follows its policies" || not_ok "then a held FIFO: the agent still follows its policies"
run_cmd timeout 5 curl -s "http://127.0.0.1:${PORT:-1}/healthz"
[ "$RC" = 0 ] && ok "and answers /healthz" || not_ok "and answers /healthz (curl exit $RC)"
kill -TERM $Z
run_cmd timeout 10 tail --pid=$Z -f /dev/null
[ "$RC" = 0 ] && ok "and exits on SIGTERM" || not_ok "and exits on SIGTERM"

# <kubelet-root>/config.yaml (read for the preflight's seccompDefault) planted as a FIFO that
# no one writes: before, the agent hung at its start for good (open waited for a writer), so
# it never listened, never became ready and installed nothing.
mkfifo "$KUB/config.yaml"
run_cmd timeout 20 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag
[ "$RC" -ne 124 ] && ok "config.yaml a FIFO: no hang at start" || not_ok "config.yaml a FIFO: no hang at start (killed after 20 s)"
err_has "the preflight says what it is" "event=preflight msg=\"cannot read the kubelet config $KUB/config.yaml: not a regular file"
err_has "and the pass runs" 'event=reconcile trigger=once'
rm "$KUB/config.yaml"

# An installed profile replaced by a huge sparse file (1 TiB of holes: a neighbour who can write
# the seccomp root). The pass compares what is on disk with what it wrote: before, it read the
# whole file to hash it (minutes of zeros, the pass and the loop stuck); a file larger than
# anything the agent writes is not its own, and is not read.
rm -f "$ROOT/shop/web.json"
expect "agent installs web" 0 agent
truncate -s 1T "$ROOT/shop/web.json"
ka web shop web "read, write, getpid" Allow >"$POL/web.yaml"
t0=$(date +%s)
run_cmd timeout -k 5 60 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen none --once --no-log-flag
t1=$(date +%s)
[ "$RC" -ne 124 ] && ok "a 1 TiB sparse file at a profile's path: the pass ends ($((t1 - t0)) s)" || not_ok "a 1 TiB sparse file at a profile's path: the pass ends (killed after 60 s)"
err_has "it is not taken for the agent's own: left alone, said" 'reason=conflict msg="its profile would be written to syscage/shop/web.json, which holds a file changed since this agent wrote it'
[ -f "$ROOT/shop/late.json" ] && ok "the other profiles are still there" || not_ok "the other profiles are still there"
rm -f "$ROOT/shop/web.json"

done_testing
