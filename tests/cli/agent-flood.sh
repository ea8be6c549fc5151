#!/bin/bash
# syscage agent while auditd's log grows faster than it can be read (a neighbour appending to
# /var/log/audit as fast as it can, or a flood of denials): each read of the log takes a
# bounded share, so the loop still answers /healthz, reconciles a policy change, and exits on
# SIGTERM, and the log is still read. Before, one read went on until it caught up with the
# writer: no probe was answered and no change installed while the writer ran.
# Nothing here is timed against a goal: the timeouts only keep a broken agent from hanging.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
AUD=$TMP/audit
mkdir -p "$POL" "$KUB" "$AUD"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; umount -l "$AUD" 2>/dev/null; rm -rf "$TMP"' EXIT

# The log on a tmpfs of its own: the writer's gigabytes never reach the disk.
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=600m tmpfs "$AUD" 2>/dev/null; then
	skip "needs root to mount a tmpfs for the log the writer fills"
	done_testing
	exit 0
fi
: >"$AUD/audit.log"

ka web shop web "read, write" Allow >"$POL/web.yaml"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:0 --data-listen none \
	--kmsg "" --audit-log "$AUD/audit.log" --no-log-flag --debounce-ms 10 2>"$TMP/agent.log" &
A=$!
PIDS+=($A)
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
grep -q 'event=violations-follow' "$TMP/agent.log" && ok "the agent follows the audit log" || not_ok "the agent follows the audit log"

# The writer: 1 MiB appends of distinct denials (a serial each), as fast as it can, for as long
# as the test runs. What lies more than 448 MiB behind the end is punched out (a hole, read as
# zeros), so the tmpfs never fills and the log never shrinks: a reader behind never comes to
# its end (the agent parses some tens of MB a second, the writer writes far more).
python3 - "$AUD/audit.log" <<'P' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
PUNCH = 0x01 | 0x02  # FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
line = ('type=SECCOMP msg=audit(1700000300.000:%d): auid=0 uid=0 gid=0 ses=1 pid=4242 '
        'comm="flood" exe="/bin/flood" sig=0 arch=c000003e syscall=39 compat=0 '
        'ip=0x7f0000000001 code=0x50001\n')
blocks = [''.join(line % (b * 4096 + i + 1) for i in range(4096)).encode() for b in range(16)]
size, k, punched = 0, 0, 0
while True:
    os.write(fd, blocks[k % 16])
    size += len(blocks[k % 16])
    k += 1
    upto = (size - (448 << 20)) & ~((1 << 20) - 1)
    if upto > punched:
        if libc.fallocate(fd, PUNCH, punched, upto - punched) != 0:
            sys.exit('fallocate: errno %d' % ctypes.get_errno())
        punched = upto
P
W=$!
PIDS+=($W)
# The writer is well under way: the log is past 1 GiB (holes and all).
for _ in $(seq 600); do [ "$(stat -c %s "$AUD/audit.log")" -gt $((1 << 30)) ] && break; sleep 0.05; done

metric_sum() { curl -s -m 10 "http://127.0.0.1:${PORT:-1}/metrics" | awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {print s + 0}'; }
answered=0
for _ in 1 2 3; do
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT:-1}/healthz")
	[ "$code" = 200 ] && answered=$((answered + 1))
	sleep 0.2
done
[ $answered = 3 ] && ok "/healthz answers while the writer runs (3 of 3)" || not_ok "/healthz answers while the writer runs ($answered of 3, each given 10 s)"

v0=$(metric_sum syscage_violations_attributed_total)
ka web shop web "read, write, getppid" Allow >"$POL/web.yaml"
for _ in $(seq 600); do grep -q '"getppid"' "$ROOT/shop/web.json" 2>/dev/null && break; sleep 0.05; done
grep -q '"getppid"' "$ROOT/shop/web.json" 2>/dev/null && ok "a policy change is installed while the writer runs" || not_ok "a policy change is installed while the writer runs (waited 30 s)"
for _ in $(seq 150); do
	v1=$(metric_sum syscage_violations_attributed_total)
	[ "$v1" -gt "$v0" ] && break
	sleep 0.2
done
[ "$v1" -gt "$v0" ] && ok "and the log is still read ($v0 -> $v1 denials)" || not_ok "and the log is still read ($v0 -> $v1 denials)"
kill -0 $W 2>/dev/null && ok "the writer was still writing" || not_ok "the writer was still writing"

kill -TERM $A
run_cmd timeout 20 tail --pid=$A -f /dev/null
[ "$RC" = 0 ] && ok "and the agent exits on SIGTERM" || not_ok "and the agent exits on SIGTERM (not within 20 s)"
kill -9 $W 2>/dev/null
wait $W 2>/dev/null

done_testing
