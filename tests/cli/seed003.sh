#!/bin/bash
# Seed 003 end to end on real runtimes (podman + runc, a private containerd + runc): KubeArmor
# seccomp policies merged with a deny beating an allow, on a pod that keeps its profile path.
#   kscmp1: allow {s1, s2, s4}, deny {s3}      kscmp2: allow {s1, s3}, deny {s2}
#   both:            allow {s1, s4}, deny {s2, s3}
#   kscmp2 deleted:  allow {s1, s2, s4}, deny {s3}
# with s1..s4 = getppid, getpgrp, getsid, sysinfo, made for real by examples/seed003/
# syscalls4.c in the pod, which prints what each returned. The pod is bound once with
# `syscage k8s bind` (localhostProfile syscage/wordpress-mysql/pod_wordpress.json, the
# SeccompBinding beside the policies) and never again: only the agent runs between the pod's
# starts, and the path stays while its content follows the policies.
#  1. kscmp1 and kscmp2 with different selectors (app: wordpress; that and tier In [frontend]),
#     `agent --once`: both, kscmp2 deleted, kscmp2 back
#  2. the same with one selector for both
#  3. the agent as a daemon on a ConfigMap-shaped directory, kscmp2 taken out and put back by
#     the kubelet's atomic writer (a ..data swap)
# The bound profile must exist after every agent run, and never be missing while the daemon
# works (watched). Profiles are installed with --no-log-flag: runc before 1.2 refuses flags.
. "$SYSCAGE_SRCDIR/tests/cli/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"
. "$SYSCAGE_SRCDIR/tests/lib/kubelet-play"
EX="$SYSCAGE_SRCDIR/examples/seed003"
IMG=localhost/syscage-examples/seed003-syscalls4:1
LP=syscage/wordpress-mysql/pod_wordpress.json
BOTH="s1=ok s2=EPERM s3=EPERM s4=ok"    # kscmp1 + kscmp2
NO_KSCMP2="s1=ok s2=ok s3=EPERM s4=ok" # kscmp1 alone

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (containers)"
	exit 0
fi
if ! command -v gcc >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs gcc and python3"
	exit 0
fi

engines=()
if rt_need_podman; then engines+=(podman); else skip "podman: $RT_WHY"; fi
if rt_need_containerd && rt_containerd_start; then engines+=(ctr); else skip "containerd: $RT_WHY"; fi
if [ ${#engines[@]} -eq 0 ]; then
	done_testing
	exit
fi

# The program, static, in a busybox image (built once, cached by content).
if gcc -O2 -static -o "$TMP/syscalls4" "$EX/syscalls4.c" 2>"$TMP/gcc.err"; then
	ok "syscalls4 builds static"
else
	not_ok "syscalls4 builds static"
	sed 's/^/# /' "$TMP/gcc.err" | head
	done_testing
	exit
fi
if rt_image_busybox_with "$IMG" "$TMP/syscalls4:/syscalls4"; then
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

KR="$TMP/kubelet"
export KP_KUBELET_ROOT=$KR
mkdir -p "$KR" "$TMP/state"
BOUND_PATH="$KR/seccomp/$LP"

# agent_once DESC POLICIES: one reconcile; the bound path must be there afterwards.
agent_once() {
	expect "agent --once ($1)" 0 "$SYSCAGE" agent -p "$2" -k "$KR" --state-dir "$TMP/state" \
		--listen none --once --no-log-flag
	if [ -s "$BOUND_PATH" ]; then
		ok "$LP is installed after the agent ran ($1)"
	else
		not_ok "$LP is installed after the agent ran ($1)"
		ls -lR "$KR/seccomp" 2>&1 | sed 's/^/# /' | head -20
	fi
}

# pod_check DESC WANT: on every engine, start the bound pod (the same bound.yaml every time),
# read the line its program printed at this start and compare it with WANT.
RUN=0
pod_check() {
	local desc=$1 want=$2 e line pid got name i
	name=$(kp_cname wordpress wordpress)
	for e in "${engines[@]}"; do
		RUN=$((RUN + 1))
		# Tags this start's output: ctr's log file outlives the container.
		RT_ENV=("SEED003_RUN=$RUN")
		kp_pod_start "$e" "$TMP/bound.yaml" >"$TMP/kp.out" 2>"$TMP/kp.err"
		RT_ENV=()
		line=$(grep -E '^pod=wordpress-mysql/wordpress ' "$TMP/kp.out" | head -1)
		pid=$(sed -n 's/.* state=running pid=\([0-9]*\).*/\1/p' <<<"$line")
		got=
		if [ -n "$pid" ]; then
			for i in $(seq 50); do
				got=$(rt_logs "$e" "$name" | sed -n "s/^run=$RUN //p" | tail -1)
				[ -n "$got" ] && break
				sleep 0.1
			done
		fi
		if [ -z "$pid" ]; then
			not_ok "$e: $desc: the pod runs (${line:-no status line})"
			sed 's/^/# kubelet-play: /' "$TMP/kp.out" "$TMP/kp.err" | head -10
			[ -n "$line" ] || head -c 1500 "$TMP/kp-audit.json" | sed 's/^/# k8s audit: /'
			sed 's/^/# profile: /' "$BOUND_PATH" 2>/dev/null | head -8
		elif [ "$got" = "$want" ]; then
			ok "$e: $desc: $got"
		else
			not_ok "$e: $desc: got '${got:-nothing}', wanted '$want'"
			rt_logs "$e" "$name" | tail -3 | sed 's/^/# log: /'
			sed 's/^/# profile: /' "$BOUND_PATH" 2>/dev/null | head -8
		fi
		if [ "$RUN" -le "${#engines[@]}" ] && [ -n "$pid" ]; then
			if grep -Eq '^Seccomp:[[:space:]]+2' "/proc/$pid/status"; then
				ok "$e: the pod's process is in seccomp filter mode"
			else
				not_ok "$e: the pod's process is in seccomp filter mode"
			fi
		fi
		kp_pod_stop "$e" "$TMP/bound.yaml"
	done
}

# --- 1. kscmp1 and kscmp2 with different selectors, `agent --once` -------------------------------
POL="$TMP/policies"
cp -r "$EX/policies" "$POL"
expect "k8s bind binds the wordpress pod" 0 \
	"$SYSCAGE" k8s bind -f "$EX/pods/wordpress.yaml" -p "$POL" -o "$TMP/bound.yaml" \
	--bindings "$POL/bindings.yaml"
err_has "one workload bound" '1 bound'
if grep -q "localhostProfile: $LP\$" "$TMP/bound.yaml" 2>/dev/null; then
	ok "the pod is bound to its own path, $LP"
else
	not_ok "the pod is bound to its own path, $LP"
	sed 's/^/# /' "$TMP/bound.yaml" 2>/dev/null | tail -8
fi
if grep -q "localhostProfile: $LP\$" "$POL/bindings.yaml" 2>/dev/null; then
	ok "its SeccompBinding is in the policies directory"
else
	not_ok "its SeccompBinding is in the policies directory"
fi
cp "$TMP/bound.yaml" "$TMP/bound.orig"

agent_once "kscmp1 + kscmp2, different selectors" "$POL"
pod_check "kscmp1 + kscmp2 (different selectors): s2, s3 denied" "$BOTH"

rm "$POL/kscmp2.yaml"
agent_once "kscmp2 deleted" "$POL"
pod_check "kscmp2 deleted: s2 allowed, s3 still denied" "$NO_KSCMP2"

cp "$EX/policies/kscmp2.yaml" "$POL/"
agent_once "kscmp2 back" "$POL"
pod_check "kscmp2 back: s2 denied again" "$BOTH"

# --- 2. the same selector for both ---------------------------------------------------------------
POL2="$TMP/policies-same"
mkdir "$POL2"
cp "$EX/policies/base.yaml" "$EX/policies/kscmp1.yaml" "$POL2/"
sed '/matchExpressions:/,+1d' "$EX/policies/kscmp2.yaml" >"$POL2/kscmp2.yaml"
sel() { sed -n '/^  selector:/,/^  seccomp:/p' "$1"; }
if [ "$(sel "$POL2/kscmp2.yaml")" = "$(sel "$POL2/kscmp1.yaml")" ] &&
	[ "$(sel "$EX/policies/kscmp2.yaml")" != "$(sel "$EX/policies/kscmp1.yaml")" ]; then
	ok "kscmp2 with kscmp1's selector (app: wordpress)"
else
	not_ok "kscmp2 with kscmp1's selector (app: wordpress)"
	sel "$POL2/kscmp2.yaml" | sed 's/^/# /'
fi
# Binding again with these policies gives the same documents (the path is the workload's).
expect "k8s bind with one selector for both" 0 \
	"$SYSCAGE" k8s bind -f "$EX/pods/wordpress.yaml" -p "$POL2" -o "$TMP/bound2.yaml" \
	--bindings "$POL2/bindings.yaml"
if cmp -s "$TMP/bound2.yaml" "$TMP/bound.orig" && cmp -s "$POL2/bindings.yaml" "$POL/bindings.yaml"; then
	ok "same pod, same bound manifest and binding whatever the selectors"
else
	not_ok "same pod, same bound manifest and binding whatever the selectors"
	diff "$TMP/bound.orig" "$TMP/bound2.yaml" | sed 's/^/# /' | head
fi

agent_once "kscmp1 + kscmp2, one selector" "$POL2"
pod_check "kscmp1 + kscmp2 (one selector): s2, s3 denied" "$BOTH"

rm "$POL2/kscmp2.yaml"
agent_once "kscmp2 deleted, one selector" "$POL2"
pod_check "kscmp2 deleted (one selector): s2 allowed, s3 still denied" "$NO_KSCMP2"

sed '/matchExpressions:/,+1d' "$EX/policies/kscmp2.yaml" >"$POL2/kscmp2.yaml"
agent_once "kscmp2 back, one selector" "$POL2"
pod_check "kscmp2 back (one selector): s2 denied again" "$BOTH"

# --- 3. the daemon on a ConfigMap volume ----------------------------------------------------------
# The kubelet's atomic writer: payload in ..<ts>/, ..data_tmp -> ..<ts>, one rename over
# ..data, key symlinks <key> -> ..data/<key>, keys gone lose theirs, the old ..<ts> removed.
CM="$TMP/configmap"
mkdir "$CM"
GEN=0
cm_write() { # FILE...
	GEN=$((GEN + 1))
	local ts="..2026_12_01_10_00_0$GEN.$$" old f l
	old=$(readlink "$CM/..data" 2>/dev/null || true)
	mkdir "$CM/$ts"
	for f in "$@"; do cp "$f" "$CM/$ts/"; done
	ln -s "$ts" "$CM/..data_tmp"
	mv -T "$CM/..data_tmp" "$CM/..data"
	for f in "$@"; do
		[ -L "$CM/${f##*/}" ] || ln -s "..data/${f##*/}" "$CM/${f##*/}"
	done
	for l in "$CM"/*; do
		[ -L "$l" ] && [ ! -e "$l" ] && rm -f "$l"
	done
	[ -n "$old" ] && rm -rf "${CM:?}/$old"
	return 0
}
cm_write "$EX/policies/base.yaml" "$EX/policies/kscmp1.yaml" "$EX/policies/kscmp2.yaml" \
	"$POL/bindings.yaml"

"$SYSCAGE" agent -p "$CM" -k "$KR" --state-dir "$TMP/state" --listen none --no-log-flag \
	--debounce-ms 50 2>"$TMP/agent.log" &
AGENT=$!
rt_on_exit "kill -9 $AGENT"

# wait_for DESC CMD...: poll up to 10 s (a bound, not a timing assertion).
wait_for() {
	local desc=$1
	shift
	for _ in $(seq 200); do
		if "$@"; then ok "$desc"; return 0; fi
		sleep 0.05
	done
	not_ok "$desc"
	sed 's/^/# log: /' "$TMP/agent.log" | tail -10
	return 1
}
reconciled() { grep -q 'event=reconcile ' "$TMP/agent.log"; }
wait_for "daemon: first reconcile" reconciled
[ -s "$BOUND_PATH" ] && ok "daemon: $LP installed" || not_ok "daemon: $LP installed"

# Watch the bound path while the daemon works: it must never be missing, not even for a moment.
(
	while :; do
		[ -e "$BOUND_PATH" ] || echo "missing at $(date +%T.%N)" >>"$TMP/gone"
		sleep 0.002
	done
) &
WATCH=$!
rt_on_exit "kill $WATCH"

changed() { ! cmp -s "$TMP/before.json" "$BOUND_PATH"; }
cp "$BOUND_PATH" "$TMP/before.json"
cm_write "$EX/policies/base.yaml" "$EX/policies/kscmp1.yaml" "$POL/bindings.yaml"
wait_for "daemon: ..data swap without kscmp2 rewrites $LP" changed
pod_check "daemon, ConfigMap without kscmp2: s2 allowed" "$NO_KSCMP2"

cp "$BOUND_PATH" "$TMP/before.json"
cm_write "$EX/policies/base.yaml" "$EX/policies/kscmp1.yaml" "$EX/policies/kscmp2.yaml" \
	"$POL/bindings.yaml"
wait_for "daemon: ..data swap with kscmp2 back rewrites $LP" changed
pod_check "daemon, kscmp2 back in the ConfigMap: s2 denied again" "$BOTH"

kill "$WATCH"
wait "$WATCH" 2>/dev/null
if [ -s "$TMP/gone" ]; then
	not_ok "$LP was never missing while the daemon reconciled"
	sed 's/^/# /' "$TMP/gone" | head -5
else
	ok "$LP was never missing while the daemon reconciled"
fi
if grep -q 'level=error' "$TMP/agent.log"; then
	not_ok "daemon: no errors logged"
	grep 'level=error' "$TMP/agent.log" | sed 's/^/# /' | head -5
else
	ok "daemon: no errors logged"
fi

kill -TERM "$AGENT"
wait "$AGENT"
RC=$?
[ "$RC" -eq 0 ] && ok "daemon: SIGTERM, exit 0" || not_ok "daemon: SIGTERM, exit $RC"
grep -q 'event=exit signal=SIGTERM' "$TMP/agent.log" && ok "daemon: exit logged" || not_ok "daemon: exit logged"
[ -s "$BOUND_PATH" ] && ok "$LP stays after the daemon exits" || not_ok "$LP stays after the daemon exits"
cmp -s "$TMP/bound.yaml" "$TMP/bound.orig" && ok "the pod was never re-bound (bound.yaml unchanged)" ||
	not_ok "the pod was never re-bound (bound.yaml unchanged)"

done_testing
