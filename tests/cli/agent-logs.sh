#!/bin/bash
# syscage agent: every line it writes to stderr is key=value pairs (a log parser's input), on
# its main paths: --once good and failed, a runc that prints lines of its own (directly, through
# the node's loader, or never ends), the daemon with violations of pods and of a podman
# container (odd process names included), a rejected policy, a policies directory that goes
# away, SIGHUP, SIGTERM. A failed pass names the path that failed, and --once ends with the
# same message.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { skip "python3 is needed to parse the log"; done_testing; exit; }
command -v curl >/dev/null || { skip "curl is needed"; done_testing; exit; }
D="$SYSCAGE_SRCDIR/tests/data/pods"
# Paths with a space: values a log parser must still read as one.
POL="$TMP/the policies"
KUB="$TMP/the kubelet"
mkdir -p "$POL" "$KUB"
: >"$TMP/all.log"

# keyvalue DESC FILE: every line of FILE is key=value pairs, values bare (no space, quote or
# '=') or double-quoted with \" and \\ escapes; and each has ts, level and event.
keyvalue() {
	cat "$2" >>"$TMP/all.log"
	if python3 - "$2" >"$TMP/kv.out" <<'EOF'; then ok "$1: every line is key=value"; else not_ok "$1: every line is key=value"; sed 's/^/# /' "$TMP/kv.out"; fi
import re, sys
pair = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"=]+)(?: |$)')
bad = 0
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    line = line.rstrip("\n")
    pos, keys = 0, []
    while pos < len(line):
        m = pair.match(line, pos)
        if not m:
            break
        keys.append(m.group(1))
        pos = m.end()
    if pos != len(line) or keys[:3] != ["ts", "level", "event"]:
        bad += 1
        print(f"line {n}: {line}")
sys.exit(1 if bad else 0)
EOF
}

printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: web\n  seccomp:\n    syscalls: [read, write]\n    action: Allow\n' >"$POL/web.yaml"

# A node root whose runc prints lines of its own on stderr (quotes, several lines) and no
# version: said as one value of the runc-unknown line, nothing of it on a line of its own.
mkdir -p "$TMP/hostjunk/usr/sbin"
printf '#!/bin/sh\necho "fatal error: runtime: \\"bad\\" = worse" >&2\necho "goroutine 1 [running]:" >&2\nexit 2\n' >"$TMP/hostjunk/usr/sbin/runc"
chmod 755 "$TMP/hostjunk/usr/sbin/runc"
expect "--once with a runc that prints and fails" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostjunk" --once
keyvalue "runc printing lines" "$TMP/err"
err_has "what runc printed is one quoted value of event=runc-unknown" 'event=runc-unknown runc_output="fatal error: runtime: \\"bad\\" = worse" msg='
if grep -q '^goroutine' "$TMP/err"; then not_ok "runc's lines are not the agent's"; else ok "runc's lines are not the agent's"; fi

# The same runc not runnable directly, run with the node's loader, which says why it cannot.
if [ -e /lib64/ld-linux-x86-64.so.2 ]; then
	mkdir -p "$TMP/hostld/usr/sbin" "$TMP/hostld/lib64"
	cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$TMP/hostld/lib64/ld-linux-x86-64.so.2"
	printf '#!/nonexistent/interpreter\n' >"$TMP/hostld/usr/sbin/runc"
	chmod 755 "$TMP/hostld/usr/sbin/runc"
	expect "--once with a runc only the node's loader can try" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostld" --once
	keyvalue "the node's loader failing" "$TMP/err"
	err_has "the loader's complaint is a value of event=runc-unknown" 'event=runc-unknown runc_output="[^"]*runc: error while loading shared libraries'
else
	skip "no /lib64/ld-linux-x86-64.so.2 to stand in for the node's loader"
	skip "no /lib64/ld-linux-x86-64.so.2 to stand in for the node's loader"
fi

# A runc that never answers is not waited for (5 s, then killed).
mkdir -p "$TMP/hosthang/usr/sbin"
printf '#!/bin/sh\nexec sleep 60\n' >"$TMP/hosthang/usr/sbin/runc"
chmod 755 "$TMP/hosthang/usr/sbin/runc"
expect "--once with a runc that hangs" 0 timeout 30 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hosthang" --once
err_has "a hanging runc: timed out, said" 'event=runc-unknown runc_output="timed out"'
keyvalue "a hanging runc" "$TMP/err"

# A policies directory that is not there: the failed pass names it, and --once ends with that
# same message (not just strerror, not EIO).
expect "--once without the policies directory fails" 1 "$SYSCAGE" agent --policies "$TMP/nope" --kubelet-root "$KUB" --no-log-flag --once
keyvalue "--once failing" "$TMP/err"
err_has "reconcile-failed names the path" "event=reconcile-failed trigger=once path=\"$TMP/nope\" err=\"No such file or directory\""
m1=$(sed -n 's/.*event=reconcile-failed .* msg=\(".*"\)$/\1/p' "$TMP/err")
m2=$(sed -n 's/.*event=exit status=1 msg=\(".*"\)$/\1/p' "$TMP/err")
[ -n "$m1" ] && [ "$m1" = "$m2" ] && ok "--once ends with the failed pass's message" || not_ok "--once's message ($m1 / $m2)"
echo "$m2" | grep -q "cannot open the policies directory $TMP/nope: No such file or directory: mount the policies ConfigMap there" &&
	ok "the message says what, where and what to do" || not_ok "message: $m2"
grep -q "Input/output error" "$TMP/err" && not_ok "no EIO" || ok "no EIO"

# Setup failures: no kubelet root, a refused one (its seccomp directory a symbolic link).
expect "--once without the kubelet root fails" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/no kubelet" --no-log-flag --once
keyvalue "no kubelet root" "$TMP/err"
err_has "the last line says what to do" "event=exit status=1 msg=\"cannot start: --kubelet-root $TMP/no kubelet: No such file or directory: pass the kubelet's root directory"
mkdir -p "$TMP/k link" "$TMP/elsewhere"
ln -s "$TMP/elsewhere" "$TMP/k link/seccomp"
expect "--once with a refused root fails" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/k link" --no-log-flag --once
keyvalue "a refused root" "$TMP/err"

# The daemon, on the fake node of tests/data/pods: violations of pods, of a podman container,
# of a process whose comm holds a space, a quote and '='.
: >"$TMP/kmsg"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$D" --no-log-flag \
	--listen 127.0.0.1:0 --state-dir "$TMP/state" --kmsg "$TMP/kmsg" --audit-log "" \
	--debounce-ms 50 2>"$TMP/agent.log" &
AGENT=$!
trap 'kill -9 $AGENT 2>/dev/null; rm -rf "$TMP"' EXIT
wait_log() { # PATTERN: up to 10 s
	for _ in $(seq 100); do
		grep -Eq -- "$1" "$TMP/agent.log" && return 0
		sleep 0.1
	done
	return 1
}
wait_log 'event=violations-follow' || true
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
rec() { # PID COMM-FIELD NR CODE
	printf '6,1,1,-;audit: type=1326 audit(1795430000.%03d:%d): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=%s comm=%s exe="/bin/x" sig=0 arch=c000003e syscall=%s compat=0 ip=0x1 code=%s\n' \
		$((RANDOM % 1000)) $RANDOM "$1" "$2" "$3" "$4" >>"$TMP/kmsg"
}
rec 100 '"nginx"' 83 0x50001
rec 104 '"podman-app"' 101 0x80000000
# comm 'a b"c=d' (the kernel writes such a name in hex)
rec 100 "$(printf 'a b"c=d' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" 83 0x50001
wait_log 'event=violation .*pid=104' && wait_log 'comm="a b\\"c=d"' &&
	ok "the violations were read" || not_ok "the violations were read"
grep -q 'event=violation namespace=shop pod=web-6d4cf56db6-abcde container=web container_id=a1a1a1a1a1a1[0-9a-f]* runtime=containerd pid=100 comm=nginx ' "$TMP/agent.log" &&
	ok "a pod's violation: pod, container, its id and runtime" || not_ok "a pod's violation line"
grep -q 'event=violation namespace=- pod=- container=- container_id=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a runtime=podman pid=104 ' "$TMP/agent.log" &&
	ok "a podman container's violation: its id in the log line" || not_ok "podman's violation line"
run_cmd curl -s "http://127.0.0.1:$PORT/metrics"
out_has "a podman container's violations: its short id as the container label" \
	'^syscage_violations_total\{namespace="",pod="",container="5a5a5a5a5a5a",syscall="ptrace",action="SCMP_ACT_KILL_PROCESS"\} 1$'
# A second agent on the same address: it cannot listen, and says so as key=value.
expect "address in use: exit 1" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --no-log-flag --listen "127.0.0.1:$PORT"
keyvalue "address in use" "$TMP/err"
# A rejected policy, SIGHUP, the policies directory gone, then SIGTERM.
printf 'kind: KubeArmorSeccompPolicy\nmetadata: [broken\n' >"$POL/bad.yaml"
wait_log 'event=reject ' || true
kill -HUP $AGENT
wait_log 'trigger=sighup' || true
mv "$POL" "$TMP/policies away"
kill -HUP $AGENT
wait_log 'event=reconcile-failed' && ok "the daemon logs the failed pass" || not_ok "the daemon logs the failed pass"
grep -q "event=reconcile-failed trigger=sighup path=\"$POL\" err=\"No such file or directory\" .*msg=\"cannot open the policies directory $POL" "$TMP/agent.log" &&
	ok "the daemon's failed pass names the path" || { not_ok "the daemon's failed pass names the path"; grep reconcile-failed "$TMP/agent.log" | sed 's/^/# /'; }
kill -TERM $AGENT
wait $AGENT
RC=$?
[ "$RC" = 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM: exit $RC"
keyvalue "the daemon" "$TMP/agent.log"

# A pass's lines reach stderr together (the CLI's sink holds them until the agent flushes):
# 300 policies' event=install lines come in a few write(2)s, not one each, every line whole,
# the install lines before the pass's own. Then the daemon: each pass's lines are out while
# it waits for the next event (its end line included), a SIGHUP's pass too.
mkdir -p "$TMP/many" "$TMP/kmany"
for i in $(seq 300); do
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: p%d\n  namespace: ns%d\nspec:\n  selector:\n    matchLabels:\n      app: a%d\n  seccomp:\n    syscalls: [read, write]\n    action: Allow\n' "$i" $((i % 3)) "$i" >"$TMP/many/p$i.yaml"
done
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	# (LeakSanitizer cannot run under ptrace: off for this run of a sanitizer build.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=write -e signal=none -o "$TMP/writes" "$SYSCAGE" agent --policies "$TMP/many" \
		--kubelet-root "$TMP/kmany" --no-log-flag --once 2>"$TMP/err"
	n_lines=$(grep -c 'event=install ' "$TMP/err")
	n_writes=$(grep -cE '^[0-9]+ +write\(2,' "$TMP/writes")
	[ "$n_lines" -eq 300 ] && [ "$n_writes" -lt 10 ] &&
		ok "300 install lines in $n_writes writes to stderr" ||
		not_ok "300 install lines ($n_lines) in $n_writes writes to stderr (wanted a few)"
	keyvalue "a pass's lines written together" "$TMP/err"
	python3 - "$TMP/err" <<'EOF' && ok "the install lines come before the pass's end line" || not_ok "the order of a pass's lines"
import sys
ev = [l.split(" event=")[1].split(" ")[0] for l in open(sys.argv[1])]
last = max(i for i, e in enumerate(ev) if e == "install")
sys.exit(0 if ev.count("install") == 300 and ev.index("reconcile") > last and ev[-1] == "reconcile" else 1)
EOF
else
	skip "strace cannot trace here: the writes to stderr are not counted"
fi
# Each line starts with its time to the millisecond (UTC), its level and its event.
bad_ts=$(grep -cvE '^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=(info|warn|error) event=' "$TMP/all.log")
[ "$bad_ts" -eq 0 ] && ok "every line: ts=YYYY-MM-DDTHH:MM:SS.mmmZ level=... event=..." ||
	{ not_ok "$bad_ts lines without ts=YYYY-MM-DDTHH:MM:SS.mmmZ level=... event=..."; grep -vE '^ts=[0-9T:.-]{23}Z level=' "$TMP/all.log" | head -3 | sed 's/^/# /'; }
rm -rf "$TMP/kmany"
mkdir -p "$TMP/kmany"
: >"$TMP/kmsg-many"
rm -f "$TMP/agent.log" # the last daemon's log: polled before the shell truncates it
"$SYSCAGE" agent --policies "$TMP/many" --kubelet-root "$TMP/kmany" --no-log-flag --listen none \
	--kmsg "$TMP/kmsg-many" --audit-log "" 2>"$TMP/agent.log" &
AGENT=$!
wait_long() { for _ in $(seq 300); do grep -q -- "$1" "$TMP/agent.log" && return 0; sleep 0.1; done; return 1; }
wait_long 'event=reconcile trigger=start' && [ "$(grep -c 'event=install ' "$TMP/agent.log")" -eq 300 ] &&
	ok "the daemon's first pass is in its log while it waits" ||
	{ not_ok "the daemon's first pass is in its log while it waits"; grep -v 'event=install ' "$TMP/agent.log" | tail -5 | sed 's/^/# /'; }
kill -HUP $AGENT
wait_long 'event=reconcile trigger=sighup' && ok "a SIGHUP's pass too" ||
	{ not_ok "a SIGHUP's pass too"; tail -3 "$TMP/agent.log" | sed 's/^/# /'; }
kill -TERM $AGENT
wait $AGENT
tail -1 "$TMP/agent.log" | grep -q 'event=exit signal=SIGTERM' && ok "the exit line is the last" ||
	not_ok "the exit line is the last"
echo "# $(wc -l <"$TMP/all.log") lines checked"
done_testing
