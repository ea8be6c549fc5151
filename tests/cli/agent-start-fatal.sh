#!/bin/bash
# The agent and a profile no container can start with (syscage/start-fatal.h): when a bound
# workload's policies change so that its new profile denies what runc calls after it loads the
# filter, the good profile installed stays (event=start-fatal-kept, and a metric); a path where
# nothing good is installed gets the new profile all the same; `k8s bind` refuses the binding.
# Then with real runc (podman, noNewPrivileges as bind sets it): the kept profile starts a
# container and the refused one does not, so the refusal is right, not just consistent.
. "$(dirname "$0")/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/policies.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
P=$ROOT/shop/deployment_web.json
mkdir -p "$POL" "$KUB" "$TMP/kub2" "$TMP/host" "$TMP/state"
agent() { "$SYSCAGE" agent --policies "$POL" --listen none --once --no-log-flag "$@"; }
dep() { # NAME NS APP
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s, namespace: %s}\nspec:\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers: [{name: c, image: "x:1"}]\n' "$@"
}

# What busybox's `true` and runc call: recorded with --base runtime where this can record;
# else runc's part alone (the container half is skipped then).
CALLS="capget, capset, chdir, close, epoll_ctl, epoll_pwait, execve, exit, exit_group, fchdir, fcntl, fstat, futex, getpid, getppid, gettid, madvise, mmap, mprotect, munmap, nanosleep, newfstatat, openat, prctl, read, rt_sigaction, rt_sigprocmask, rt_sigreturn, sched_yield, setgid, setgroups, setresgid, setresuid, setuid, sigaltstack, tgkill, write, fstatfs, getdents64, getcwd"
RECORDED=
if [ "$(id -u)" = 0 ] && command -v busybox >/dev/null &&
	"$SYSCAGE" record --base runtime -o "$TMP/rec.json" -- "$(command -v busybox)" true 2>"$TMP/rec.err"; then
	CALLS=$(python3 -c 'import json,sys; print(", ".join(sorted({n for r in json.load(open(sys.argv[1]))["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for n in r["names"]})))' "$TMP/rec.json")
	RECORDED=1
fi
ka web shop web "$CALLS" Allow >"$POL/web.yaml"
dep web shop web >"$TMP/app.yaml"
expect "bind the workload" 0 "$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$POL" --bindings "$POL/bindings.yaml" -o "$TMP/bound.yaml"
expect "the agent installs its profile" 0 agent --kubelet-root "$KUB"
cp "$P" "$TMP/good.json"
[ "$(act "$P" execve)" = "execve=ALLOW" ] && ok "... which allows execve" || not_ok "... which allows execve ($(act "$P" execve))"

# The policies change: a Block of execve beside the Allow list.
ka web-block shop web "execve, ptrace" Block >"$POL/web-block.yaml"
expect "bind refuses the workload now: 1" 1 "$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$POL" -o "$TMP/bound2.yaml"
err_has "... naming the workload, its path, the calls and the policy" \
	"app.yaml:1:1: error: Deployment shop/web would be bound to a profile no container can start with \(syscage/shop/deployment_web.json\): it denies execve, which runc calls after it loads the filter; denied by KubeArmorSeccompPolicy web-block \([^)]*web-block.yaml\): allow these calls there"
[ ! -e "$TMP/bound2.yaml" ] && ok "... nothing written" || not_ok "... nothing written"
expect "bind --allow-start-fatal: 0" 0 "$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$POL" -o "$TMP/bound2.yaml" --allow-start-fatal
err_has "... a warning" "app.yaml:1:1: warning: Deployment shop/web is bound to a profile no container can start with"

expect "the agent with the Block of execve: 0" 0 agent --kubelet-root "$KUB"
cmp -s "$P" "$TMP/good.json" && ok "the good profile stays" || not_ok "the good profile stays ($(act "$P" execve))"
err_has "... said, with the workload, its policies and the calls" \
	'level=warn event=start-fatal-kept path=shop/deployment_web.json workload=Deployment/shop/web policies=KubeArmorSeccompPolicy/web,KubeArmorSeccompPolicy/web-block calls="execve" msg="the new profile denies what runc calls'
err_has "... and the reconcile line is a warning" 'level=warn event=reconcile '
expect "the agent again: 0" 0 agent --kubelet-root "$KUB"
cmp -s "$P" "$TMP/good.json" && ok "... still the good one" || not_ok "... still the good one"

# A node with nothing installed yet (it joined later): the profile is written as the policies
# make it; a missing file would fail the pod as well, naming the file and not the cause.
expect "a fresh kubelet root: 0" 0 agent --kubelet-root "$TMP/kub2"
F=$TMP/kub2/seccomp/syscage/shop/deployment_web.json
[ "$(act "$F" execve)" = "execve=ERRNO" ] && ok "... gets the new profile, execve denied" || not_ok "... gets the new profile ($(act "$F" execve))"
if grep -q 'event=start-fatal-kept' "$TMP/err"; then not_ok "... nothing said kept"; else ok "... nothing said kept"; fi
cp "$F" "$TMP/fatal.json"

# The count in /metrics.
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --listen 127.0.0.1:0 \
	--no-log-flag --state-dir "$TMP/state" --kmsg "" --audit-log "" 2>"$TMP/agent.log" &
AGENT=$!
rt_on_exit "kill -9 $AGENT"
for _ in $(seq 200); do grep -q 'event=reconcile ' "$TMP/agent.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)
curl -s "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics"
grep -q '^syscage_bindings_start_fatal_kept 1$' "$TMP/metrics" && ok "metric: syscage_bindings_start_fatal_kept 1" ||
	{ not_ok "metric: syscage_bindings_start_fatal_kept 1"; grep start_fatal "$TMP/metrics" | sed 's/^/# /'; }
kill "$AGENT" 2>/dev/null
wait "$AGENT" 2>/dev/null

# Fixed (a Block of what runc does not need): the new profile replaces the kept one.
ka web-block shop web "ptrace" Block >"$POL/web-block.yaml"
expect "the agent with the policy fixed: 0" 0 agent --kubelet-root "$KUB"
[ "$(act "$P" execve ptrace)" = "execve=ALLOW ptrace=ERRNO" ] && ok "... installs the new profile" || not_ok "... installs the new profile ($(act "$P" execve ptrace))"
if grep -q 'event=start-fatal-kept' "$TMP/err"; then not_ok "... nothing kept"; else ok "... nothing kept"; fi

# Real runc: the kept profile starts busybox, the refused one fails at exec.
if [ -z "$RECORDED" ]; then
	skip "runc: needs root and busybox to record what the container calls"
elif ! rt_need_podman || ! rt_image_busybox; then
	skip "runc: $RT_WHY"
else
	rt_run podman kept "$TMP/good.json" "$RT_BUSYBOX_IMAGE" /bin/busybox true
	[ "$RC" = 0 ] && ok "runc: the kept profile starts a container" || { not_ok "runc: the kept profile starts a container (exit $RC)"; sed 's/^/# /' "$TMP/err" | head -5; }
	rt_run podman refused "$TMP/fatal.json" "$RT_BUSYBOX_IMAGE" /bin/busybox true
	[ "$RC" != 0 ] && grep -q "operation not permitted" "$TMP/err" && ok "runc: the refused one does not ($RC: $(grep -o '[^:]*: operation not permitted' "$TMP/err" | head -1))" ||
		{ not_ok "runc: the refused one does not start (exit $RC)"; sed 's/^/# /' "$TMP/err" | head -5; }
fi
done_testing
