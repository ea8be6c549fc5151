#!/bin/bash
# syscage agent: the daemon end to end on a temp kubelet root: endpoints, a ConfigMap update
# done exactly as the kubelet's atomic writer does it, a deleted policy, a bad policy (the
# last good profile stays), SIGHUP, SIGTERM exit 0, --once exit codes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"
command -v curl >/dev/null || { skip "curl not installed"; done_testing; exit; }

POL=$TMP/policies
KUB=$TMP/kubelet
ROOT=$KUB/seccomp/syscage
mkdir -p "$POL" "$KUB" "$TMP/k2"
printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: true\n' >"$KUB/config.yaml"


# The kubelet's atomic writer: payload in ..<ts>/, ..data_tmp -> ..<ts>, rename over ..data,
# key symlinks <key> -> ..data/<key>, then the old ..<ts> dir removed.
GEN=0
cm_write() { # KEY=FILE ...
	GEN=$((GEN + 1))
	local ts="..2026_11_23_10_00_0$GEN.$$" old
	old=$(readlink "$POL/..data" 2>/dev/null || true)
	mkdir "$POL/$ts"
	for kv in "$@"; do cp "${kv#*=}" "$POL/$ts/${kv%%=*}"; done
	ln -s "$ts" "$POL/..data_tmp"
	mv -T "$POL/..data_tmp" "$POL/..data"
	for kv in "$@"; do
		[ -L "$POL/${kv%%=*}" ] || ln -s "..data/${kv%%=*}" "$POL/${kv%%=*}"
	done
	# Keys no longer in the payload lose their symlink.
	for l in "$POL"/*; do
		[ -L "$l" ] && [ ! -e "$l" ] && rm -f "$l"
	done
	[ -n "$old" ] && rm -rf "${POL:?}/$old"
	return 0
}

# wait_for DESC CMD...: poll up to 10 s (a bound, not a timing assertion).
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 200); do
		if "$@"; then ok "$desc"; return 0; fi
		sleep 0.05
	done
	not_ok "$desc"
	sed 's/^/# log: /' "$TMP/agent.log" | tail -15
	return 1
}

ka web shop web "read, write, openat" Allow >"$TMP/web.yaml"
ka db shop db "read, close" Allow >"$TMP/db.yaml"
cm_write web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml"

: >"$TMP/kmsg"
# fake_runc VERSION [DIR]: a node root (DIR, default $TMP/hostVERSION) whose runc says VERSION.
fake_runc() {
	local d=${2:-$TMP/host$1}
	mkdir -p "$d/usr/sbin"
	printf '#!/bin/sh\necho "runc version %s"\n' "$1" >"$d/usr/sbin/runc"
	chmod 755 "$d/usr/sbin/runc"
}
# A node root whose runc accepts flags (1.2), so the LOG flag stays (see the runc cases below).
mkdir -p "$TMP/host"
fake_runc 1.2.1 "$TMP/host"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --listen 127.0.0.1:0 \
	--state-dir "$TMP/state" --kmsg "$TMP/kmsg" --audit-log "" --debounce-ms 50 \
	2>"$TMP/agent.log" &
AGENT=$!
trap 'kill -9 $AGENT 2>/dev/null; rm -rf "$TMP"' EXIT

port() { sed -n 's/.*event=listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_for "agent listens (port 0 picks a free one, logged)" has_port || true
PORT=$(port)
URL=http://127.0.0.1:$PORT
# /profiles and /violations are on the data listener (port 0 too when --listen has port 0).
DURL=http://127.0.0.1:$(sed -n 's/.*event=data-listen .*port=\([0-9]*\).*/\1/p' "$TMP/agent.log" | head -1)

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ]; }
wait_for "/readyz 200 after the first reconcile" ready

run_cmd curl -s -w '\n%{http_code}' "$URL/healthz"
out_has "/healthz 200 ok" '^ok$'
out_has "/healthz status" '^200$'

[ -f "$ROOT/shop/web.json" ] && [ -f "$ROOT/shop/db.json" ] && ok "profiles installed under <kubelet-root>/seccomp/syscage/<ns>/" || not_ok "profiles installed"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["flags"]==["SECCOMP_FILTER_FLAG_LOG"], p' "$ROOT/shop/web.json" && ok "SECCOMP_FILTER_FLAG_LOG by default" || not_ok "LOG flag"

run_cmd curl -s "$URL/metrics"
out_has "/metrics: profiles installed" '^syscage_profiles_installed 2$'
out_has "/metrics: reconcile count" '^syscage_reconcile_total [1-9]'
out_has "/metrics: errors" '^syscage_reconcile_errors_total 0$'
out_has "/metrics: duration histogram" '^syscage_reconcile_duration_seconds_bucket\{le="\+Inf"\} [1-9]'
out_has "/metrics: rejected by reason" '^syscage_policies_rejected_total\{reason="parse"\} 0$'
out_has "/metrics: kubelet seccompDefault read from its config" '^syscage_kubelet_seccomp_default 1$'
out_has "/metrics: same filesystem" '^syscage_seccomp_root_same_fs 1$'
out_has "/metrics: bpf gauge" '^syscage_bpf_available [01]$'
out_has "/metrics: no recorder without --record" '^syscage_recorder_up 0$'
run_cmd curl -s "$DURL/profiles"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
paths = sorted(x["path"] for x in d["installed"])
assert paths == ["shop/db.json", "shop/web.json"], paths
assert d["installed"][0]["size"] > 0 and d["installed"][0]["policies"]
assert d["recorded"] == [] and d["rejected"] == []' "$TMP/out" && ok "/profiles lists installed profiles (JSON)" || { not_ok "/profiles"; sed 's/^/# /' "$TMP/out"; }
run_cmd curl -s -w '\n%{http_code}' "$DURL/violations"
if grep -q 'not built' "$TMP/out"; then
	out_has "/violations 503 when not built" '^503$'
else
	out_has "/violations 200 (JSON)" '^200$'
fi
run_cmd curl -s -o /dev/null -w '%{http_code}' "$URL/nope"
out_is "unknown path 404" 404
grep -Eq '^ts=[0-9T:.-]+Z level=info event=reconcile trigger=start .*installed=2' "$TMP/agent.log" && ok "log: one key=value line per reconcile" || not_ok "log format"

# A ConfigMap update: web changes, api is added (new key), db stays.
ka web shop web "read, write, openat, fstat" Allow >"$TMP/web.yaml"
ka api shop api "read" Allow >"$TMP/api.yaml"
cm_write web.yaml="$TMP/web.yaml" db.yaml="$TMP/db.yaml" api.yaml="$TMP/api.yaml"
wait_for "..data swap: new key installed" test -f "$ROOT/shop/api.json"
has_fstat() { grep -q fstat "$ROOT/shop/web.json"; }
wait_for "..data swap: changed key rewritten" has_fstat

# The atomic writer's own work (a payload dir filling up, its removal) is no change until
# ..data moves: the agent must not start a pass in the middle of it.
# idle_passes: the reconcile count once no pass is due, i.e. once the agent has looked at
# every change made so far and run the passes they called for ("busy" if it never gets
# there). Read from /metrics, served between passes: not from the log, whose line for a pass
# comes after that pass's profiles are on disk.
idle_passes() {
	local i
	for i in $(seq 200); do
		curl -s "$URL/metrics" >"$TMP/m"
		if grep -q '^syscage_reconcile_pending 0$' "$TMP/m"; then
			sed -n 's/^syscage_reconcile_total //p' "$TMP/m"
			return 0
		fi
		sleep 0.05
	done
	echo busy
}
before=$(idle_passes)
mkdir "$POL/..2026_11_23_10_00_99.$$"
for i in 1 2 3; do cp "$TMP/web.yaml" "$POL/..2026_11_23_10_00_99.$$/k$i.yaml"; done
ln -s "..2026_11_23_10_00_99.$$" "$POL/..data_tmp"
mid=$(idle_passes)
rm -rf "$POL/..data_tmp" "$POL/..2026_11_23_10_00_99.$$"
after=$(idle_passes)
[[ $before =~ ^[0-9]+$ ]] && [ "$mid" = "$before" ] && [ "$after" = "$before" ] && ok "a payload being written wakes no reconcile" || not_ok "payload woke the agent ($before -> $mid -> $after passes)"

# Policy deleted from the ConfigMap: its profile goes.
cm_write web.yaml="$TMP/web.yaml" api.yaml="$TMP/api.yaml"
gone() { [ ! -e "$ROOT/shop/db.json" ]; }
wait_for "deleted policy: profile removed" gone

# A bad policy: rejected with a log line and a metric; the last good profile stays.
cp "$ROOT/shop/web.json" "$TMP/web.before"
printf 'kind: KubeArmorSeccompPolicy\nmetadata: [broken\n' >"$TMP/web.yaml"
ka '../../etc/x' shop x "read" Allow >"$TMP/x.yaml"
cm_write web.yaml="$TMP/web.yaml" api.yaml="$TMP/api.yaml" x.yaml="$TMP/x.yaml"
rejected() { grep -q 'event=reject .*reason=parse' "$TMP/agent.log" && grep -q 'event=reject .*reason=name' "$TMP/agent.log"; }
wait_for "bad policies rejected with a log line" rejected
sleep 0.3
cmp -s "$TMP/web.before" "$ROOT/shop/web.json" && ok "last good profile of a broken policy stays" || not_ok "last good kept"
[ ! -e "$KUB/etc/x.json" ] && [ ! -e "$KUB/seccomp/etc" ] && [ -z "$(find "$TMP" -name 'x.json')" ] && ok "../../etc/x writes nothing anywhere" || not_ok "escape"
run_cmd curl -s "$URL/metrics"
out_has "metric: rejected parse" '^syscage_policies_rejected_total\{reason="parse"\} [1-9]'
out_has "metric: rejected name" '^syscage_policies_rejected_total\{reason="name"\} [1-9]'
run_cmd curl -s "$DURL/profiles"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = {x["path"]: x for x in d["installed"]}
assert k["shop/web.json"]["kept"] is True, k
assert sorted(r["reason"] for r in d["rejected"]) == ["name", "parse"], d["rejected"]' "$TMP/out" && ok "/profiles: kept and rejected" || { not_ok "/profiles kept"; sed 's/^/# /' "$TMP/out"; }

# Plain files work too (not only the atomic writer).
ka plain shop plain "read" Allow >"$POL/plain.yaml"
wait_for "plain file in the directory installed" test -f "$ROOT/shop/plain.json"

# SIGHUP: a reconcile now.
n_before=$(grep -c 'event=reconcile ' "$TMP/agent.log")
kill -HUP "$AGENT"
hup() { grep -q 'event=reconcile trigger=sighup' "$TMP/agent.log"; }
wait_for "SIGHUP reconciles" hup
# Passes that leave a rejection as it was do not count it again; the timestamp is exact.
run_cmd curl -s "$URL/metrics"
out_has "metric: a rejection counted once over several passes" '^syscage_policies_rejected_total\{reason="parse"\} 1$'
out_has "metric: and still rejected now" '^syscage_policies_rejected\{reason="parse"\} 1$'
ts=$(sed -n 's/^syscage_last_reconcile_timestamp_seconds //p' "$TMP/out")
echo "$ts" | grep -Eq '^[0-9]{10}(\.[0-9]{1,9})?$' &&
	python3 -c 'import sys, time; sys.exit(0 if abs(float(sys.argv[1]) - time.time()) < 30 else 1)' "$ts" &&
	ok "metric: the last reconcile's time, all its digits ($ts)" || not_ok "metric: last reconcile time $ts"

expect "address in use: exit 1" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/k2" --listen "127.0.0.1:$PORT"
err_has "address in use: logged" 'event=listen-failed'

# SIGTERM: clean exit 0.
kill -TERM "$AGENT"
wait "$AGENT"
RC=$?
[ "$RC" -eq 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM exit $RC"
grep -q 'event=exit signal=SIGTERM' "$TMP/agent.log" && ok "SIGTERM logged" || not_ok "exit logged"
[ -z "$(find "$ROOT" -name '*.sctmp')" ] && ok "no temp files left" || not_ok "temp files left"

# --once: 1 with a rejected policy, 0 when all are good.
expect "--once with a rejected policy exits 1" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --once
rm -f "$POL/x.yaml" "$POL/..data/x.yaml" "$POL/..data/web.yaml" "$POL/web.yaml"
expect "--once all good exits 0" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --once
[ ! -e "$ROOT/shop/web.json" ] && ok "--once prunes" || not_ok "--once prune"
expect "--no-log-flag" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --once --no-log-flag
grep -q SECCOMP_FILTER_FLAG_LOG "$ROOT/shop/api.json" && not_ok "--no-log-flag drops the flag" || ok "--no-log-flag drops the flag"
expect "--jobs 1: one thread does it all" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host" --once --jobs 1
expect "--jobs 5: usage error" 2 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --once --jobs 5
err_has "--jobs: says the range" "--jobs wants 1 to 4"

# A node whose runc refuses profile flags (before 1.2): the flag is left out, and said.
fake_runc 1.1.5
expect "runc 1.1 on the node: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host1.1.5" --once
err_has "runc 1.1: the agent says it leaves the LOG flag out" "event=runc-refuses-flags runc=1.1"
grep -q SECCOMP_FILTER_FLAG_LOG "$ROOT/shop/api.json" && not_ok "runc 1.1: no LOG flag" || ok "runc 1.1: no LOG flag"
fake_runc 1.2.1
expect "runc 1.2 on the node: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/host1.2.1" --once
grep -q SECCOMP_FILTER_FLAG_LOG "$ROOT/shop/api.json" && ok "runc 1.2: the LOG flag is back" || not_ok "runc 1.2: the LOG flag is back"
# A runc the agent cannot run (an image without runc's libraries: here one that does not
# start) is known from the node's dpkg database; one whose version cannot be told at all, or
# no runc, means no flag (runc 1.1 would start no pod bound to a profile with one), said so.
mkdir -p "$TMP/hostdpkg/usr/sbin" "$TMP/hostdpkg/var/lib/dpkg"
printf '#!/nonexistent/interpreter\n' >"$TMP/hostdpkg/usr/sbin/runc"
chmod 755 "$TMP/hostdpkg/usr/sbin/runc"
printf 'Package: runcx\nVersion: 9.9\n\nPackage: runc\nStatus: install ok installed\nVersion: 1.1.5+ds1-1\n\n' \
	>"$TMP/hostdpkg/var/lib/dpkg/status"
expect "a runc that does not start: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostdpkg" --once
err_has "its version comes from the node's dpkg database" "event=runc-refuses-flags runc=1.1"
rm "$TMP/hostdpkg/var/lib/dpkg/status"
expect "a runc whose version cannot be told: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostdpkg" --once
err_has "unknown runc: the agent says it leaves the LOG flag out, and why" "event=runc-unknown msg=\"the node's runc version cannot be told: installing profiles without SECCOMP_FILTER_FLAG_LOG"
grep -q SECCOMP_FILTER_FLAG_LOG "$ROOT/shop/api.json" && not_ok "unknown runc: no LOG flag" || ok "unknown runc: no LOG flag"
mkdir -p "$TMP/hostnone"
expect "no runc visible: --once succeeds" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostnone" --once
err_has "no runc: said" "event=runc-unknown msg=\"no runc visible under --host-root"
grep -q SECCOMP_FILTER_FLAG_LOG "$ROOT/shop/api.json" && not_ok "no runc: no LOG flag" || ok "no runc: no LOG flag"
expect "--no-log-flag: meant, nothing to say" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --host-root "$TMP/hostnone" --once --no-log-flag
grep -q "event=runc-unknown" "$TMP/err" && not_ok "--no-log-flag: no runc-unknown warning" || ok "--no-log-flag: no runc-unknown warning"

# Usage errors.
expect "missing --policies is a usage error" 2 "$SYSCAGE" agent --kubelet-root "$KUB"
expect "bad --root" 2 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --root ../x
expect "missing kubelet root fails" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/nope" --once
err_has "missing kubelet root: names the path and what to do" "--kubelet-root $TMP/nope: No such file or directory: pass the kubelet's root directory"

# <kubelet-root>/seccomp a symlink (seccomp -> /etc would put profiles and index.json there):
# refused, with the path and what to do; the daemon runs, not ready, says why in /readyz, and
# takes the root once the link is gone.
KL=$TMP/klink
mkdir -p "$KL" "$TMP/etc"
ln -s "$TMP/etc" "$KL/seccomp"
expect "--once: a symlinked <kubelet-root>/seccomp is refused" 1 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KL" --host-root "$TMP/host" --once
err_has "--once: the log names the link, its target and what to do" "event=root-refused msg=\"$KL/seccomp is a symbolic link \(to $TMP/etc\): refused.*make it a directory"
err_has "--once: the error says it is refused" "cannot start: $KL/seccomp or the root below it is refused"
[ -z "$(ls -A "$TMP/etc")" ] && ok "nothing written through the link" || { not_ok "nothing written through the link"; ls -R "$TMP/etc" | sed 's/^/# /'; }
# The first daemon's log goes first: until the shell truncates it for this one (in the child,
# after the fork), has_port could read the first daemon's port, gone by now (seen under load).
rm -f "$TMP/agent.log"
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KL" --host-root "$TMP/host" --listen 127.0.0.1:0 \
	--state-dir "$TMP/state2" --kmsg "" --audit-log "" 2>"$TMP/agent.log" &
A2=$!
wait_for "daemon with a refused root still listens" has_port || true
URL2=http://127.0.0.1:$(port)
run_cmd curl -s -w '\n%{http_code}' "$URL2/readyz"
out_has "/readyz 503 while the root is refused" '^503$'
out_has "/readyz says why" "not ready: $KL/seccomp is a symbolic link"
run_cmd curl -s "$URL2/healthz"
out_has "/healthz still ok (a restart would not help)" '^ok$'
rm "$KL/seccomp"
mkdir "$KL/seccomp"
kill -HUP $A2
ready2() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL2/readyz")" = 200 ]; }
wait_for "ready once the link is replaced by a directory (SIGHUP)" ready2
[ -f "$KL/seccomp/syscage/index.json" ] && [ -z "$(ls -A "$TMP/etc")" ] && ok "profiles in the real directory, none through the old link" || not_ok "profiles in the real directory"
kill $A2
wait $A2
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --listen 127.0.0.1:99999 >/dev/null 2>&1
[ $? -ne 0 ] && ok "bad listen address fails" || not_ok "bad listen"
expect "--help has examples" 0 "$SYSCAGE" agent --help
out_has "help: EXAMPLE section" '^Examples:'

# --record end to end: a real cgroup v2 directory laid out as the kubelet's systemd driver does,
# a process in it, the kubelet's log links under a node root (--host-root): the agent finds the
# kubepods cgroup made after it started, records the pod's container (its node recorder), and the
# profile lands under the state dir (tests/cli/agent-record.sh has the rest).
record_skip=""
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ "$(id -u)" -ne 0 ]; then
	record_skip="needs root (cgroups, eBPF)"
elif [ -z "$CG2" ]; then
	record_skip="no cgroup v2 hierarchy mounted"
elif ! "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	record_skip="the eBPF recorder cannot run here: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
fi
if [ -n "$record_skip" ]; then
	skip "agent --record: $record_skip"
	skip "agent --record: $record_skip"
	skip "agent --record: $record_skip"
else
	uid=5a1e0c1a-0000-4000-8000-$(printf '%012x' $$)
	id=$(printf 'c0ffee%058x' $$)
	# Under a directory of this test's own, so a real node's kubepods.slice is never touched.
	top="$CG2/syscage-test-$$"
	slice="$top/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice"
	cg="$slice/cri-containerd-$id.scope"
	H="$TMP/node"
	mkdir -p "$H/sys/fs" "$H/var/log/containers" "$H/var/log/pods/rec_web-0_$uid/app" "$TMP/krec"
	ln -s "$(dirname "$CG2")" "$H/sys/fs/cgroup" 2>/dev/null || ln -s "$CG2" "$H/sys/fs/cgroup"
	[ "$(dirname "$CG2")" = /sys/fs/cgroup ] || { rm "$H/sys/fs/cgroup"; ln -s "$CG2" "$H/sys/fs/cgroup"; }
	ln -s /proc "$H/proc"
	: >"$H/var/log/pods/rec_web-0_$uid/app/0.log"
	ln -s "/var/log/pods/rec_web-0_$uid/app/0.log" "$H/var/log/containers/web-0_rec_app-$id.log"
	# The agent first; the kubepods cgroup and the pod appear afterwards (the agent looks for
	# kubepods cgroups every 2 s; the pod is recorded from the first look on).
	"$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/krec" --host-root "$H" --listen none \
		--state-dir "$TMP/rstate" --kmsg "" --audit-log "" --record 'rec/web-*' 2>"$TMP/rec.log" &
	RA=$!
	sleep 0.5
	mkdir -p "$cg"
	# The workload: a loop that keeps reading a directory.
	sh -c "echo \$\$ >'$cg/cgroup.procs'; while :; do ls / >/dev/null; sleep 0.05; done" &
	WL=$!
	i=0
	while ! grep -q "event=record-root root=syscage-test-$$/kubepods.slice " "$TMP/rec.log" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "event=record-root root=syscage-test-$$/kubepods.slice " "$TMP/rec.log" && ok "agent --record finds the kubepods cgroup made after it started" ||
		{ not_ok "agent --record finds the pod"; sed 's/^/# /' "$TMP/rec.log" | head -10; }
	sleep 1.5
	kill -TERM $RA
	wait $RA
	kill $WL 2>/dev/null
	wait $WL 2>/dev/null
	out="$TMP/rstate/recorded/rec/web-0/app.json"
	if [ -s "$out" ] && "$SYSCAGE" check "$out" >/dev/null 2>&1; then ok "the recording is a valid profile at recorded/rec/web-0/app.json"
	else not_ok "recorded profile at $out"; ls -R "$TMP/rstate" 2>&1 | sed 's/^/# /' | head; sed 's/^/# /' "$TMP/rec.log" | tail -5; fi
	grep -q '"getdents64"' "$out" 2>/dev/null && ok "it holds what the pod's process called (getdents64 from ls)" ||
		not_ok "the recording holds getdents64"
	# Empty the cgroup (the loop's last sleep may still run), then remove what we made.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		procs=$(cat "$cg/cgroup.procs" 2>/dev/null)
		[ -z "$procs" ] && break
		kill $procs 2>/dev/null
		sleep 0.1
	done
	rmdir "$cg" "$slice" "$top/kubepods.slice/kubepods-besteffort.slice" "$top/kubepods.slice" "$top" 2>/dev/null
fi
# Under a filter that refuses openat2 (the agent's own profile may: EPERM, or runc's ENOSYS
# stub), a ConfigMap's keys are still read through ..data, and a link out still refused.
P3=$TMP/pol3
mkdir -p "$P3/..2026_12_07_10_00_00.1" "$TMP/k3"
ka web shop web "read, write" Allow >"$P3/..2026_12_07_10_00_00.1/web.yaml"
ln -s ..2026_12_07_10_00_00.1 "$P3/..data"
ln -s ..data/web.yaml "$P3/web.yaml"
ln -s /etc/passwd "$P3/out.json"
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["openat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}\n' >"$TMP/no-openat2.json"
expect "no openat2: --once rejects only the link out" 1 "$SYSCAGE" run -p "$TMP/no-openat2.json" -- \
	"$SYSCAGE" agent --policies "$P3" --kubelet-root "$TMP/k3" --host-root "$TMP/host" --once
[ -f "$TMP/k3/seccomp/syscage/shop/web.json" ] && ok "no openat2: the ConfigMap's key is installed" || not_ok "no openat2: the ConfigMap's key is installed"
err_has "no openat2: the link out is refused" 'event=reject file=[^ ]*out.json reason=read'
grep -q 'root:' "$TMP/err" && not_ok "no openat2: nothing of /etc/passwd is echoed" || ok "no openat2: nothing of /etc/passwd is echoed"

# A first reconcile writes the index twice (before the renames, naming the new paths; then
# with their content hashes) and reads neither back: the first is the file it wrote, unchanged
# (its identity), so its content is known (strace -y names each read's file).
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	mkdir -p "$TMP/k4"
	# (LeakSanitizer cannot run under ptrace: off for this run of a sanitizer build.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -y -e trace=read,pread64,readv -o "$TMP/reads" "$SYSCAGE" agent --policies "$P3" \
		--kubelet-root "$TMP/k4" --host-root "$TMP/host" --once 2>/dev/null
	[ -f "$TMP/k4/seccomp/syscage/index.json" ] && ! grep -q 'index\.json>' "$TMP/reads" &&
		ok "a first reconcile reads back nothing of the index it wrote" ||
		{ not_ok "a first reconcile reads back nothing of the index it wrote"; grep 'index\.json>' "$TMP/reads" | head -3 | sed 's/^/# /'; }
else
	skip "strace cannot trace here: the index's reads are not seen"
fi

done_testing
