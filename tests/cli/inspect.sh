#!/bin/bash
# syscage inspect on this machine: itself unconfined, itself under a known filter (probing), a
# child under a known filter read from outside (exact), the exact list against the profile's own
# evaluation (`syscage explain`) for every syscall, the probe against the exact list, --compare,
# and the fall-back without CAP_SYS_ADMIN.
. "$(dirname "$0")/lib.sh"

S=$SYSCAGE
PIDS=()
cleanup_children() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'cleanup_children; rm -rf "$TMP"' EXIT

have_json() { command -v jq >/dev/null; }

expect "--help" 0 "$S" inspect --help
out_has "help has examples" "Examples:"
expect "bad --pid" 2 "$S" inspect --pid abc
expect "--probe with another pid" 2 "$S" inspect --pid 1 --probe
expect "a pid that does not exist" 1 "$S" inspect --pid 2147483000
err_has "says no such process" "no such process"

expect "itself" 0 "$S" inspect
out_has "runtime line" "^runtime: "
out_has "capabilities by name" "bounding +.*CHOWN"
out_has "namespace states" "namespaces: +pid=(host|separate|not visible)"
if grep -q '^Seccomp:[[:space:]]*0' /proc/self/status; then
	out_has "unconfined: seccomp disabled" "^seccomp: +disabled"
	out_has "unconfined: method none" "blocked syscalls \[none\]: seccomp is disabled"
else
	skip "this test runs under seccomp already"
	skip "this test runs under seccomp already"
fi
expect "itself, json" 0 "$S" inspect -o json
if have_json && jq -e '.pid > 0 and (.capabilities.bounding | length) > 0 and .seccomp.mode != null' \
	"$TMP/out" >/dev/null; then ok "json is valid and complete"; else not_ok "json is valid and complete"; fi

if ! grep -q '^Seccomp:[[:space:]]*0' /proc/self/status || [ "$(id -u)" != 0 ]; then
	skip "the rest needs root without seccomp (reading filters, loading them)"
	done_testing
	exit
fi

# A profile with plain denies, an ENOSYS errno, a trap and an argument rule.
cat >"$TMP/p.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 "syscalls": [
  {"names": ["mkdir", "chmod", "mknod"], "action": "SCMP_ACT_ERRNO"},
  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
  {"names": ["uname"], "action": "SCMP_ACT_TRAP"},
  {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
   "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]}
 ]}
EOF
# The same with one rule less, for --compare.
jq '.syscalls |= map(select(.names[0] != "rmdir"))' "$TMP/p.json" >"$TMP/q.json"

# --- itself under the filter: probing, and it says so -----------------------------------
expect "under a filter: itself" 0 "$S" run -p "$TMP/p.json" -- "$S" inspect
out_has "says it probes and why" "blocked syscalls \[probe\]: this process is under seccomp"
out_has "the notify oracle classified" "classified by the notify oracle"
out_has "seccomp blocks mkdir" "seccomp +[0-9]+:.* mkdir\(EPERM\)"
out_has "seccomp blocks rmdir with ENOSYS" "seccomp +[0-9]+:.* rmdir\(ENOSYS\)"
out_has "seccomp traps uname" "seccomp +[0-9]+:.* uname\(SIGSYS\)"
out_has "seccomp refuses personality(0)" "seccomp +[0-9]+:.* personality\(EACCES\)"
out_has "amicontained's count shown" "amicontained would print \"Blocked Syscalls \([0-9]+\)\""
expect "under a filter: probe json" 0 "$S" run -p "$TMP/p.json" -- "$S" inspect --probe -o json
cp "$TMP/out" "$TMP/probe.json"
expect "under a filter: --compare by probing" 0 "$S" run -p "$TMP/p.json" -- "$S" inspect \
	--compare "$TMP/p.json" --caps none
out_has "probe comparison header" "compare with .* \[probe: x86_64.*\]:"
out_has "probe comparison equal" "^  equal: [0-9]+ syscalls compared"
expect "under a filter: --compare by probing, other profile" 1 "$S" run -p "$TMP/p.json" -- \
	"$S" inspect --compare "$TMP/q.json" --caps none
out_has "names the difference" "rmdir: probe says seccomp, profile says SCMP_ACT_ALLOW"

# --- a child under the filter, from outside: exact ---------------------------------------
"$S" run -p "$TMP/p.json" -- sleep 120 &
CHILD=$!
PIDS+=("$CHILD")
for _ in $(seq 50); do grep -q '^Seccomp:[[:space:]]*2' /proc/$CHILD/status 2>/dev/null && break; sleep 0.1; done
expect "--pid: exact" 0 "$S" inspect --pid "$CHILD"
out_has "exact method" "blocked syscalls \[exact\]: 1 filter read with PTRACE_SECCOMP_GET_FILTER"
out_has "errno named" "SCMP_ACT_ERRNO\(EPERM\) +3: .*mkdir"
out_has "argument check found" "personality +SCMP_ACT_ERRNO\(EACCES\) with zero arguments; also SCMP_ACT_ALLOW"
out_has "unlisted ABIs" "other ABIs: .*aarch64=SCMP_ACT_KILL_PROCESS"
expect "--pid: exact json" 0 "$S" inspect --pid "$CHILD" -o json
cp "$TMP/out" "$TMP/exact.json"
expect "--compare: the same profile" 0 "$S" inspect --pid "$CHILD" --compare "$TMP/p.json" --caps none
out_has "equal" "\[exact\]: equal"
expect "--compare: a different profile" 1 "$S" inspect --pid "$CHILD" --compare "$TMP/q.json" --caps none
out_has "difference per ABI" "x86_64 rmdir: running SCMP_ACT_ERRNO\(ENOSYS\), profile SCMP_ACT_ALLOW"
out_has "difference on x32 too" "x32 rmdir: running"

# Reading the filters stops the process: a sleep it is in comes back through restart_syscall.
expect "--pid: a sleeping process" 0 "$S" inspect --pid "$CHILD"
err_has "warned before the stop" "reading the filters of $CHILD stops it for a moment; its thread $CHILD waits in (clock_nanosleep|nanosleep|restart_syscall)"
if grep -q "the filter of $CHILD denies restart_syscall" "$TMP/err"; then not_ok "its filter allows restart_syscall: no second warning"; else ok "its filter allows restart_syscall: no second warning"; fi
cat >"$TMP/norestart.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["restart_syscall"], "action": "SCMP_ACT_ERRNO"}]}
EOF
"$S" run -p "$TMP/norestart.json" -- sleep 120 &
NR=$!
PIDS+=("$NR")
for _ in $(seq 50); do
	read -r nr _ <"/proc/$NR/syscall" 2>/dev/null || nr=
	case "$nr" in 35 | 230) break ;; esac
	sleep 0.1
done
expect "--pid: a filter that denies restart_syscall" 0 "$S" inspect --pid "$NR"
err_has "warned before the stop" "its thread $NR waits in (clock_)?nanosleep, which the kernel then restarts with restart_syscall"
err_has "and that this filter denies it" "the filter of $NR denies restart_syscall: every stop .* Allow it and the rest of the implicit set"
# The child is still running, not left stopped by the reads.
if grep -Eq '^State:[[:space:]]*S' /proc/$CHILD/status; then ok "child left running"; else not_ok "child left running"; fi

# Exact list == the profile's own evaluation (syscage explain), every x86_64 syscall.
jq -r '.blocked.exact.arches[] | select(.arch == "x86_64") | .actions[] | .action as $a |
	.syscalls[] | "\(.) \($a)"' "$TMP/exact.json" | sort >"$TMP/exact.txt"
: >"$TMP/eval.txt"
"$S" syscalls --arch x86_64 -o json | jq -r '.[] | .name? // .[0]? // empty' >"$TMP/names" 2>/dev/null
if [ ! -s "$TMP/names" ]; then "$S" syscalls --arch x86_64 | awk '{print $2}' >"$TMP/names"; fi
while read -r name; do
	"$S" explain "$TMP/p.json" --syscall "$name" -o json 2>/dev/null
done <"$TMP/names" >"$TMP/eval.jsonl"
jq -r '"\(.syscall) \(.text)"' "$TMP/eval.jsonl" | sort >"$TMP/eval.txt"
n=$(wc -l <"$TMP/eval.txt")
if [ "$n" -gt 300 ] && diff "$TMP/exact.txt" "$TMP/eval.txt" >"$TMP/diff"; then
	ok "exact list equals syscage explain for all $n x86_64 syscalls"
else
	not_ok "exact list equals syscage explain ($n syscalls)"
	head -20 "$TMP/diff" | sed 's/^/# /'
fi

# The probe's seccomp blocks == the exact list's non-ALLOW syscalls (native ABI, zero args).
jq -r '.blocked.probe.syscalls[] | select(.class == "seccomp") | .syscall' "$TMP/probe.json" |
	sort >"$TMP/probe-blocked"
jq -r '.blocked.exact.arches[] | select(.arch == "x86_64") | .actions[] |
	select(.action != "SCMP_ACT_ALLOW") | .syscalls[]' "$TMP/exact.json" | sort >"$TMP/exact-blocked"
if [ -s "$TMP/exact-blocked" ] && diff "$TMP/exact-blocked" "$TMP/probe-blocked" >"$TMP/diff"; then
	ok "probe agrees with exact on seccomp blocks ($(wc -l <"$TMP/exact-blocked"))"
else
	not_ok "probe agrees with exact on seccomp blocks"
	sed 's/^/# /' "$TMP/diff" | head
fi

# Docker's default, a large profile with argument rules (clone, personality, socket).
DD="$SYSCAGE_SRCDIR/../shared/data/docker-default.json"
if [ -f "$DD" ]; then
	"$S" run -p "$DD" -- sleep 120 &
	D=$!
	PIDS+=("$D")
	for _ in $(seq 50); do grep -q '^Seccomp:[[:space:]]*2' /proc/$D/status 2>/dev/null && break; sleep 0.1; done
	expect "docker default: --compare" 0 "$S" inspect --pid "$D" --compare "$DD" --caps none
	out_has "docker default equal" "\[exact\]: equal"
	out_has "docker default argument checks" "clone +SCMP_ACT_ALLOW with zero arguments; also SCMP_ACT_ERRNO\(EPERM\)"
	expect "docker default: --compare with the bounding set" 1 "$S" inspect --pid "$D" --compare "$DD"
	out_has "caps change the profile's meaning" "x86_64 mount: running SCMP_ACT_ERRNO\(EPERM\), profile SCMP_ACT_ALLOW"
else
	skip "$DD is missing"
	skip "$DD is missing"
	skip "$DD is missing"
	skip "$DD is missing"
	skip "$DD is missing"
fi

# podman's unchanged default: the probe, the exact list and --compare agree on this kernel,
# which does not filter uretprobe (6.11+) and uprobe (6.16+) on x86_64 (issue #15.10).
PD=/usr/share/containers/seccomp.json
KV=$(cut -d. -f1,2 /proc/sys/kernel/osrelease)
if [ "$(uname -m)" != x86_64 ] || ! printf '6.16\n%s\n' "$KV" | sort -V -C; then
	for _ in 1 2 3 4 5; do skip "the kernel filters uprobe here (x86_64 and Linux 6.16+ only; this is $(uname -m) $KV)"; done
elif [ ! -r "$PD" ]; then
	for _ in 1 2 3 4 5; do skip "podman's default: $PD not installed"; done
else
	expect "podman default: --probe --compare equal" 0 "$S" run -p "$PD" -- "$S" inspect --probe \
		--compare "$PD" --caps none
	out_has "probe comparison equal" "^  equal: [0-9]+ syscalls compared"
	"$S" run -p "$PD" -- sleep 120 &
	PP=$!
	PIDS+=("$PP")
	for _ in $(seq 50); do grep -q '^Seccomp:[[:space:]]*2' /proc/$PP/status 2>/dev/null && break; sleep 0.1; done
	expect "podman default: exact --compare equal" 0 "$S" inspect --pid "$PP" --compare "$PD" --caps none
	expect "podman default: exact list" 0 "$S" inspect --pid "$PP" -o json
	json_check "uretprobe, uprobe allowed on x86_64, denied on x32" "$TMP/out" \
		'all(any(a["action"] == "SCMP_ACT_ALLOW" and n in a["syscalls"] for a in x["actions"]) == (x["arch"] == "x86_64") for x in d["blocked"]["exact"]["arches"] if x["arch"] in ("x86_64", "x32") for n in ("uretprobe", "uprobe"))'
fi

# --- without CAP_SYS_ADMIN ---------------------------------------------------------------
NOADM=(setpriv --inh-caps=-all --bounding-set=-sys_admin --)
if command -v setpriv >/dev/null && "${NOADM[@]}" true 2>/dev/null; then
	expect "no CAP_SYS_ADMIN: --pid" 0 "${NOADM[@]}" "$S" inspect --pid "$CHILD"
	out_has "says it cannot read the filters" "cannot read the filters of $CHILD: needs CAP_SYS_ADMIN"
	out_has "says to probe inside instead" "run .syscage inspect. inside it"
	out_has "caps shown without it" "effective .*SYS_PTRACE"
	expect "no CAP_SYS_ADMIN: --pid --compare" 1 "${NOADM[@]}" "$S" inspect --pid "$CHILD" --compare "$TMP/p.json"
	err_has "cannot compare, says why" "cannot compare .*not readable"
	expect "no CAP_SYS_ADMIN, under the filter: probes" 0 "${NOADM[@]}" "$S" run -p "$TMP/p.json" -- \
		"$S" inspect -o json
	if jq -e '.blocked.method == "probe" and (.blocked.why | test("under seccomp")) and
		([.blocked.probe.syscalls[] | select(.class == "seccomp") | .syscall] | index("mkdir") != null)' \
		"$TMP/out" >/dev/null; then ok "falls back to probing and says so"; else not_ok "falls back to probing and says so"; fi
else
	for _ in 1 2 3 4 5 6 7 8; do skip "setpriv cannot drop CAP_SYS_ADMIN here"; done
fi

cleanup_children
done_testing
