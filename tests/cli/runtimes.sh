#!/bin/bash
# Seed 002 end to end on real runtimes: podman + runc and containerd (a private daemon) + runc,
# the pods started by tests/lib/kubelet-play as the kubelet would, with profiles built by
# `syscage policy build` under a temporary kubelet root, kernel records read by `syscage logs`.
#  - audit pod (SCMP_ACT_LOG): runs, serves HTTP, its syscalls are recorded from /dev/kmsg
#  - violation pod (SCMP_ACT_ERRNO for everything): cannot start; the runtime says little
#  - violation-kill pod (SCMP_ACT_KILL_PROCESS): cannot start; `logs --violations` says why
#  - the violation profile with SECCOMP_FILTER_FLAG_LOG: what this runc does with flags
#  - fine pod (bound to the fine-grained policy): runs and serves HTTP
#  - a pod whose profile is missing, or whose path escapes the root: does not start
# Records are attributed by the container's host pid, so concurrent tests do not interfere.
. "$SYSCAGE_SRCDIR/tests/cli/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"
. "$SYSCAGE_SRCDIR/tests/lib/kubelet-play"
EX="$SYSCAGE_SRCDIR/examples/seed002"
IMG=localhost/syscage-examples/http-echo:1
TEXT='just made some syscalls!'

need() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (containers, /dev/kmsg)"
		exit 0
	fi
	if ! command -v gcc >/dev/null || ! command -v python3 >/dev/null ||
		! command -v curl >/dev/null || ! command -v nsenter >/dev/null; then
		echo "1..0 # SKIP needs gcc, python3, curl and nsenter"
		exit 0
	fi
	if [ ! -r /dev/kmsg ]; then
		echo "1..0 # SKIP /dev/kmsg not readable"
		exit 0
	fi
}
need

engines=()
if rt_need_podman; then engines+=(podman); else skip "podman: $RT_WHY"; fi
if rt_need_containerd && rt_containerd_start; then engines+=(ctr); else skip "containerd: $RT_WHY"; fi
if [ ${#engines[@]} -eq 0 ]; then
	done_testing
	exit
fi

# http-echo, static, in a busybox image (built once, cached by content).
if gcc -O2 -static -o "$TMP/http-echo" "$SYSCAGE_SRCDIR/examples/http-echo.c" 2>"$TMP/gcc.err"; then
	ok "http-echo builds static"
else
	not_ok "http-echo builds static"
	sed 's/^/# /' "$TMP/gcc.err" | head
	done_testing
	exit
fi
if rt_image_busybox_with "$IMG" "$TMP/http-echo:/http-echo"; then
	ok "image $IMG"
else
	not_ok "image $IMG: $RT_WHY"
	done_testing
	exit
fi
for e in "${engines[@]}"; do
	[ "$e" = ctr ] || continue
	if rt_ctr_import "$IMG"; then ok "ctr images import $IMG"; else not_ok "ctr import: $RT_WHY"; fi
done

# The pods as the API server gets them: after `syscage k8s bind` with the seed's policies (it binds
# fine-pod, whose label a policy selects, writes its binding beside the policies, and checks the
# others' references).
POL="$TMP/policies"
cp -r "$EX/policies" "$POL"
PODS="$TMP/pods"
expect "k8s bind binds the seed's pods" 0 \
	"$SYSCAGE" k8s bind -f "$EX/pods" --policies "$POL" -o "$PODS" --bindings "$POL/bindings.yaml"
err_has "one pod bound, the others left as written" '1 bound'
if grep -q 'localhostProfile: syscage/default/pod_fine-pod.json' "$PODS/fine-pod.yaml" 2>/dev/null; then
	ok "fine-pod bound to its own path, syscage/default/pod_fine-pod.json"
else
	not_ok "fine-pod bound to its own path, syscage/default/pod_fine-pod.json"
fi

# The kubelet root: profiles from the seed's policies and the binding, as the agent would install them.
KR="$TMP/kubelet"
export KP_KUBELET_ROOT=$KR
mkdir -p "$KR/seccomp"
expect "policy build installs the seed's profiles" 0 \
	"$SYSCAGE" policy build "$POL" -o "$KR/seccomp/syscage" -q
for p in audit violation violation-kill fine-grained pod_fine-pod; do
	if [ -s "$KR/seccomp/syscage/default/$p.json" ]; then ok "profile syscage/default/$p.json"; else not_ok "profile $p.json missing"; fi
done
# Pods that must not start: a profile that is not on the node, a path the API server refuses,
# and the violation profile with the log flag.
sed 's|syscage/default/violation.json|syscage/default/missing.json|; s/violation-pod/missing-pod/' \
	"$EX/pods/violation-pod.yaml" >"$PODS/missing-pod.yaml"
sed 's|syscage/default/violation.json|../../../etc/passwd|; s/violation-pod/escape-pod/' \
	"$EX/pods/violation-pod.yaml" >"$PODS/escape-pod.yaml"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["flags"]=["SECCOMP_FILTER_FLAG_LOG"]; json.dump(p, open(sys.argv[2],"w"))' \
	"$KR/seccomp/syscage/default/violation.json" "$KR/seccomp/syscage/default/violation-log.json"
sed 's|syscage/default/violation.json|syscage/default/violation-log.json|; s/violation-pod/violation-log-pod/' \
	"$EX/pods/violation-pod.yaml" >"$PODS/violation-log-pod.yaml"

# Without auditd the kernel prints at most 10 audit records per 5 s machine-wide, and other tests
# log too: lift the printk rate limit while this runs (put back at exit if still ours).
RL=$(sysctl -n kernel.printk_ratelimit)
if [ "$RL" != 0 ]; then
	sysctl -qw kernel.printk_ratelimit=0
	rt_on_exit "[ \"\$(sysctl -n kernel.printk_ratelimit)\" = 0 ] && sysctl -qw kernel.printk_ratelimit=$RL"
fi

# follow_start / follow_stop: `syscage logs --kmsg --follow` around a pod's life, so records are
# read as they come (a flood from other tests cannot push them out of the ring buffer first).
follow_start() {
	"$SYSCAGE" logs --kmsg --follow --since "@$(date +%s)" "$@" >"$TMP/follow.out" 2>"$TMP/follow.err" &
	FOLLOW=$!
	sleep 0.3
}
follow_stop() {
	sleep 0.3
	kill -INT "$FOLLOW" 2>/dev/null
	wait "$FOLLOW"
}
pod_line() { grep -E "^pod=default/$1 " "$TMP/kp.out" | head -1; }
serve_check() {
	local pid=$1 desc=$2
	if nsenter -t "$pid" -n curl -sS -m 5 http://127.0.0.1:5678/ >"$TMP/curl.out" 2>"$TMP/curl.err" &&
		[ "$(cat "$TMP/curl.out")" = "$TEXT" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# curl: /' "$TMP/curl.out" "$TMP/curl.err" | head -5
	fi
}

for e in "${engines[@]}"; do
	# --- audit pod: runs under SCMP_ACT_LOG; every syscall it makes is logged -----------------
	follow_start --by pid -j json -o "$TMP/audit-$e"
	kp_pod_start "$e" "$PODS/audit-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line audit-pod)
	pid=$(sed -n 's/.* state=running pid=\([0-9]*\).*/\1/p' <<<"$line")
	if [ -n "$pid" ]; then ok "$e: audit-pod runs ($line)"; else not_ok "$e: audit-pod runs ($line)"; fi
	[ -n "$pid" ] && serve_check "$pid" "$e: audit-pod serves '$TEXT'"
	kp_pod_stop "$e" "$PODS/audit-pod.yaml"
	follow_stop
	# One workload: -o names the file; several: a directory. The summary says which file.
	prof=$(python3 -c '
import json, sys
for w in json.load(open(sys.argv[1]))["workloads"]:
    if w["key"] == sys.argv[2]:
        print(w["file"])' "$TMP/follow.out" "${pid:-0}" 2>/dev/null)
	if [ -n "$pid" ] && [ -n "$prof" ] &&
		python3 - "$prof" <<'EOF'; then
import json, sys
p = json.load(open(sys.argv[1]))
names = {n for r in p["syscalls"] for n in r["names"]}
need = {"execve", "socket", "bind", "listen", "accept4", "read", "write", "close"}
missing = need - names
print("# recorded %d syscalls: %s" % (len(names), " ".join(sorted(names))))
sys.exit(1 if missing else 0)
EOF
		ok "$e: syscage logs --kmsg recorded audit-pod's syscalls (pid $pid: socket bind listen accept4 ...)"
	else
		not_ok "$e: syscage logs --kmsg recorded audit-pod's syscalls (pid $pid, file ${prof:-none})"
		head -c 600 "$TMP/follow.out" | sed 's/^/# /'
		head -5 "$TMP/follow.err" | sed 's/^/# /'
	fi

	# --- violation pod: the seed's profile denies everything with EPERM -----------------------
	kp_pod_start "$e" "$PODS/violation-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line violation-pod)
	if grep -q 'state=running' <<<"$line" || [ -z "$line" ]; then
		not_ok "$e: violation-pod does not start ($line)"
	else
		ok "$e: violation-pod does not start ($line)"
	fi
	kp_pod_stop "$e" "$PODS/violation-pod.yaml"

	# --- violation-kill pod: the same, killed, which the kernel always logs ------------------
	follow_start --violations --by pid -j json
	kp_pod_start "$e" "$PODS/violation-kill-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line violation-kill-pod)
	vpid=$(rt_pidof "$(kp_cname violation-kill-pod test-container)")
	kp_pod_stop "$e" "$PODS/violation-kill-pod.yaml"
	follow_stop
	if grep -q 'state=running' <<<"$line" || [ -z "$line" ]; then
		not_ok "$e: violation-kill-pod does not start ($line)"
	else
		ok "$e: violation-kill-pod does not start"
	fi
	why=$(python3 - "$TMP/follow.out" "${vpid:-0}" <<'EOF'
import json, sys
v = [x for x in json.load(open(sys.argv[1]))["violations"] if x["pid"] == int(sys.argv[2])]
print(" ".join("%s:%s:%s" % (x["comm"], x["syscall"], x["action"]) for x in v))
EOF
	)
	if [ -n "$vpid" ] && grep -q 'SCMP_ACT_KILL_PROCESS' <<<"$why"; then
		ok "$e: logs --violations says why violation-kill-pod died: $why (pid $vpid)"
	else
		not_ok "$e: logs --violations says why violation-kill-pod died (pid ${vpid:-?}: '$why')"
		head -c 600 "$TMP/follow.out" | sed 's/^/# /'
	fi

	# --- the log flag: an ERRNO denial is only logged with SECCOMP_FILTER_FLAG_LOG ------------
	follow_start --violations --by pid -j json
	kp_pod_start "$e" "$PODS/violation-log-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line violation-log-pod)
	vpid=$(rt_pidof "$(kp_cname violation-log-pod test-container)")
	kp_pod_stop "$e" "$PODS/violation-log-pod.yaml"
	follow_stop
	if grep -q 'seccomp flags are not yet supported by runc' <<<"$line"; then
		# runc before 1.2 refuses any profile with "flags": such a profile starts no pod.
		ok "$e: this runc refuses profiles with flags: $(runc --version | head -1) (${line##*message=})"
	elif grep -q 'state=running' <<<"$line"; then
		not_ok "$e: violation-log-pod does not start ($line)"
	else
		why=$(python3 - "$TMP/follow.out" "${vpid:-0}" <<'EOF'
import json, sys
v = [x for x in json.load(open(sys.argv[1]))["violations"] if x["pid"] == int(sys.argv[2])]
print(" ".join("%s:%s:%s" % (x["comm"], x["syscall"], x["action"]) for x in v))
EOF
		)
		if grep -q 'SCMP_ACT_ERRNO' <<<"$why"; then
			ok "$e: with the log flag, logs --violations says why violation-log-pod fails: $why"
		else
			not_ok "$e: with the log flag, logs --violations says why (pid ${vpid:-?}: '$why')"
		fi
	fi

	# --- fine pod: only what it needs, serves HTTP -----------------------------------------------
	kp_pod_start "$e" "$PODS/fine-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line fine-pod)
	pid=$(sed -n 's/.* state=running pid=\([0-9]*\).*/\1/p' <<<"$line")
	if [ -n "$pid" ]; then ok "$e: fine-pod runs ($line)"; else not_ok "$e: fine-pod runs ($line)"; fi
	if [ -n "$pid" ]; then
		serve_check "$pid" "$e: fine-pod serves '$TEXT'"
		if grep -Eq '^Seccomp:[[:space:]]+2' "/proc/$pid/status"; then
			ok "$e: fine-pod's process is in seccomp filter mode"
		else
			not_ok "$e: fine-pod's process is in seccomp filter mode"
		fi
	fi
	kp_pod_stop "$e" "$PODS/fine-pod.yaml"

	# --- pods that never reach the runtime's start ---------------------------------------------
	kp_pod_start "$e" "$PODS/missing-pod.yaml" >"$TMP/kp.out"
	line=$(pod_line missing-pod)
	if grep -q 'reason=CreateContainerError' <<<"$line" && grep -q 'missing.json' <<<"$line"; then
		ok "$e: a pod with a missing profile does not start (${line##*message=})"
	else
		not_ok "$e: a pod with a missing profile does not start ($line)"
	fi
	kp_pod_stop "$e" "$PODS/missing-pod.yaml"
done

# Refused before any runtime sees it (the API server's validation), so one engine is enough.
kp_pod_start "${engines[0]}" "$PODS/escape-pod.yaml" >"$TMP/kp.out"
line=$(pod_line escape-pod)
if grep -q 'state=rejected' <<<"$line"; then
	ok "a localhostProfile with '..' is refused before any runtime sees it"
else
	not_ok "a localhostProfile with '..' is refused ($line)"
fi

# --- the same pods on profiles the agent installs (`syscage agent --once`) ---------------------
# The agent adds SECCOMP_FILTER_FLAG_LOG unless told not to (--no-log-flag), so that ERRNO
# denials reach the kernel log; runc before 1.2 refuses any profile with flags, so where the
# agent sees such a runc it leaves the flag out and says so.
runc_minor=$(runc --version 2>/dev/null | sed -n 's/^runc version 1\.\([0-9]*\).*/\1/p')
for flag in --no-log-flag ""; do
	kr="$TMP/kubelet-agent${flag:+-nolog}"
	mkdir -p "$kr/st"
	expect "agent --once ${flag:-(default flags)} installs the seed's profiles" 0 \
		"$SYSCAGE" agent --policies "$POL" --kubelet-root "$kr" --state-dir "$kr/st" \
		--listen none --once $flag
	if [ -z "$flag" ] && [ -n "$runc_minor" ] && [ "$runc_minor" -lt 2 ]; then
		err_has "agent: runc 1.$runc_minor refuses flags, the LOG flag is left out" "event=runc-refuses-flags"
		if grep -rq SECCOMP_FILTER_FLAG_LOG "$kr/seccomp/syscage" 2>/dev/null; then
			not_ok "no installed profile carries the LOG flag under runc 1.$runc_minor"
		else
			ok "no installed profile carries the LOG flag under runc 1.$runc_minor"
		fi
	fi
	for e in "${engines[@]}"; do
		KP_KUBELET_ROOT=$kr kp_pod_start "$e" "$PODS/fine-pod.yaml" >"$TMP/kp.out"
		line=$(pod_line fine-pod)
		pid=$(sed -n 's/.* state=running pid=\([0-9]*\).*/\1/p' <<<"$line")
		if [ -n "$pid" ]; then
			serve_check "$pid" "$e: fine-pod on the agent's profile (${flag:-default flags}) serves"
		else
			not_ok "$e: fine-pod on the agent's profile (${flag:-default flags}) ($line)"
		fi
		KP_KUBELET_ROOT=$kr kp_pod_stop "$e" "$PODS/fine-pod.yaml"
	done
done

done_testing
