#!/bin/bash
# `syscage record --preflight` and the agent's syscage_bpf_available say what really works: where
# the preflight says yes, eBPF recording works, and where recording cannot work (uid 0 with every
# capability dropped, root of a user namespace, a seccomp filter refusing bpf(), a container's
# default capabilities) it says no and why. Each case also runs the recorder itself, so the
# preflight is checked against the truth, not against itself.
. "$SYSCAGE_SRCDIR/tests/cli/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root: the cases drop privileges from a process that can record"
	exit 0
fi
if ! "$SYSCAGE" record --preflight >"$TMP/pf.out" 2>&1; then
	echo "1..0 # SKIP eBPF recording does not work on this host itself: $(head -c 200 "$TMP/pf.out")"
	exit 0
fi
ok "root on the host: record --preflight passes"
expect "... and recording with --method ebpf works" 0 "$SYSCAGE" record --method ebpf -o "$TMP/t.json" -- true

# the agent's gauge: a daemon on port 0, read from /metrics (the gauge, not just the log line)
agent_gauge() { # PREFIX...: syscage_bpf_available of an agent started under PREFIX
	local log=$TMP/agent.$RANDOM.log port i pid v
	mkdir -p "$TMP/pol" "$TMP/kub"
	"$@" "$SYSCAGE" agent -p "$TMP/pol" -k "$TMP/kub" --listen 127.0.0.1:0 --data-listen none \
		--state-dir "$TMP/state" --kmsg "" --audit-log "" --no-log-flag 2>"$log" &
	pid=$!
	for i in $(seq 100); do
		port=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$port" ] && break
		sleep 0.05
	done
	v=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | sed -n 's/^syscage_bpf_available \(.*\)$/\1/p')
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "${v:-none}"
}
have_curl=yes
command -v curl >/dev/null || have_curl=no

if [ $have_curl = yes ]; then
	v=$(agent_gauge env)
	[ "$v" = 1 ] && ok "agent as root: syscage_bpf_available 1" || not_ok "agent as root: syscage_bpf_available $v"
else
	skip "agent gauge: curl not installed"
fi

# uid 0 without capabilities: what a container (and the DaemonSet's drop: [ALL]) gives.
if command -v setpriv >/dev/null; then
	NOCAPS=(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all --)
	expect "uid 0, every capability dropped: record --preflight fails" 1 "${NOCAPS[@]}" "$SYSCAGE" record --preflight
	err_has "... naming the capabilities and how to grant them" 'uid 0 but without CAP_BPF and CAP_PERFMON .*capabilities add: \[BPF, PERFMON\]'
	expect "... as recording really does" 125 "${NOCAPS[@]}" "$SYSCAGE" record --method ebpf -o "$TMP/t.json" -- true
	if [ $have_curl = yes ]; then
		v=$(agent_gauge "${NOCAPS[@]}")
		[ "$v" = 0 ] && ok "agent without capabilities: syscage_bpf_available 0" || not_ok "agent without capabilities: syscage_bpf_available $v"
	fi
else
	skip "no capabilities: setpriv (util-linux) not installed"
fi

# Root of a user namespace holds every capability there, and none that BPF counts.
if unshare -U -r true 2>/dev/null; then
	expect "root of a user namespace: record --preflight fails" 1 unshare -U -r "$SYSCAGE" record --preflight
	err_has "... saying why" 'in a user namespace .*only in the initial one'
	expect "... as recording really does" 125 unshare -U -r "$SYSCAGE" record --method ebpf -o "$TMP/t.json" -- true
	if [ $have_curl = yes ]; then
		v=$(agent_gauge unshare -U -r)
		[ "$v" = 0 ] && ok "agent in a user namespace: syscage_bpf_available 0" || not_ok "agent in a user namespace: syscage_bpf_available $v"
	fi
else
	skip "user namespace: unshare -U refused here"
fi

# Every capability, but a seccomp filter that refuses bpf(): only loading a program finds it.
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}\n' >"$TMP/nobpf.json"
expect "a filter refusing bpf(): record --preflight fails" 1 "$SYSCAGE" run -p "$TMP/nobpf.json" -- "$SYSCAGE" record --preflight
err_has "... the test program was refused" 'refused to load a test BPF program'
expect "... as recording really does" 125 "$SYSCAGE" run -p "$TMP/nobpf.json" -- "$SYSCAGE" record --method ebpf -o "$TMP/t.json" -- true

# A container with the runtime's default capabilities (none of BPF, PERFMON, SYS_ADMIN), no
# seccomp filter: the preflight inside says no, and the agent's preflight logs 0.
if ! rt_need_podman; then
	skip "podman: $RT_WHY"
elif ! rt_image_syscage; then
	skip "podman: $RT_WHY"
else
	rt_run podman preflight unconfined "$RT_SYSCAGE_IMAGE" /usr/bin/syscage record --preflight
	[ "$RC" = 1 ] && grep -q 'without CAP_BPF and CAP_PERFMON' "$TMP/err" &&
		ok "podman, default capabilities: record --preflight fails, naming the capabilities" ||
		{ not_ok "podman, default capabilities: record --preflight (exit $RC)"; sed 's/^/# /' "$TMP/out" "$TMP/err" | head -5; }
	rt_run podman preflight-agent unconfined "$RT_SYSCAGE_IMAGE" /bin/busybox sh -c \
		'mkdir -p /tmp/p /tmp/k && /usr/bin/syscage agent -p /tmp/p -k /tmp/k --once --listen none --no-log-flag --state-dir /tmp/s'
	grep -q 'event=preflight .*bpf_available=0' "$TMP/err" &&
		ok "podman, default capabilities: the agent's preflight says bpf_available=0" ||
		{ not_ok "podman: the agent's preflight (exit $RC)"; grep 'event=preflight' "$TMP/err" | sed 's/^/# /' | head -5; }
fi

done_testing
