#!/bin/bash
# syscage record (eBPF) loses nothing under churn: processes (and runc containers) that live
# for one syscall each and exit at once are all in the profile. Each process makes a syscall
# that nothing else in its recording makes, and each such syscall must be recorded exactly
# once; since there are fewer distinct syscalls than processes, the 1,000 processes of a case
# run in rounds, each round its own recording.
#   pids mode (record -- churn):   1,000 children forked at once; then 1,000 that each fork a
#                                  grandchild and exit before it runs (an orphan makes the call)
#   cgroup mode (record --cgroup): 1,000 processes, each moving into a cgroup of its own under
#                                  the recorded one, removed as soon as it exits (a container
#                                  that ends at once)
#   runc:                          40 containers (cgroupfs paths under the recorded cgroup), each
#                                  making one call, 8 at a time
# The calls come from tests/programs/churn with -1 in every argument; the few syscalls that
# would act on that (fork, pause, rt_sigreturn, ...) are left out, and so is everything the
# harness itself makes (learned from a recording of churn making only close). Containers get
# x32 numbers only: runc's own Go code, which runs in the container's cgroup before the
# workload, never makes an x32 call, so nothing but the workload can make them (x32 calls enter
# the kernel, and the tracepoint, even where x32 is off: they fail with ENOSYS then).
. "$(dirname "$0")/lib.sh"

CHURN="$(dirname "$SYSCAGE")/tests/programs/churn"
PER_CASE=${PER_CASE:-1000}

if [ ! -x "$CHURN" ]; then
	skip "churn not built ($CHURN)"
	done_testing
	exit
fi
if ! "$SYSCAGE" record --preflight >"$TMP/out" 2>&1; then
	skip "eBPF recorder unavailable: $(grep -v '^$' "$TMP/out" | head -1)"
	done_testing
	exit
fi

# Syscalls -1 arguments do not stop, or that the harness may make some time and not another.
EXCLUDE="fork vfork clone clone3 pause rt_sigreturn vhangup sync msgget uretprobe uprobe
	init_module finit_module reboot kexec_load kexec_file_load futex madvise getpid gettid
	rt_sigaction rt_sigprocmask sched_yield nanosleep restart_syscall exit exit_group"
EXCLUDE=" $(echo $EXCLUDE) " # one space around each name, for the case patterns below

# ready PID: wait until the recorder PID has attached every program it loaded.
ready() {
	local progs links
	for _ in $(seq 200); do
		progs=$(find "/proc/$1/fd" -lname 'anon_inode:bpf-prog' 2>/dev/null | wc -l)
		links=$(find "/proc/$1/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)
		# At least the recorder's three (sys_enter, fork, exit; cgroup_attach in cgroup
		# mode): the preflight's one test program, attached for a moment before the
		# recorder loads, is not the recorder.
		[ "$progs" -ge 3 ] && [ "$links" -eq "$progs" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# summary_set FILE: "ARCH NAME" of a --summary.
summary_set() { awk '$1 ~ /^(x86_64|x86|x32)$/ && NF == 3 { print $1, $2 }' "$1" | sort -u; }

# pool ARCH BACKGROUND: "ARCH NR NAME" of every syscall of ARCH a churn process may make.
pool() {
	"$SYSCAGE" syscalls --arch "$1" | while read -r nr name; do
		case "$EXCLUDE" in *" $name "*) continue ;; esac
		grep -qx "$1 $name" "$2" && continue
		echo "$1 $nr $name"
	done
}

# check DESC ASSIGNED SUMMARY PROFILE: every "ARCH NR NAME" of ASSIGNED is in the --summary
# with a count of exactly 1 and allowed by the profile's rule for that ABI.
check() {
	local out
	if out=$(python3 - "$2" "$3" "$4" <<'PY'
import json, sys
assigned = [l.split() for l in open(sys.argv[1]) if l.strip()]
counts = {}
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) == 3 and f[0] in ("x86_64", "x86", "x32") and f[2].isdigit():
        counts[(f[0], f[1])] = int(f[2])
# An OCI profile has no per-rule ABI: the name must be allowed and the ABI listed.
p = json.load(open(sys.argv[3]))
scmp = {"x86_64": "SCMP_ARCH_X86_64", "x86": "SCMP_ARCH_X86", "x32": "SCMP_ARCH_X32"}
allowed = {n for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args")
           for n in r["names"]}
missing = [f"{a}/{n}" for a, _, n in assigned if (a, n) not in counts]
unprofiled = [f"{a}/{n}" for a, _, n in assigned
              if n not in allowed or scmp[a] not in p["architectures"]]
twice = [f"{a}/{n}={counts[(a, n)]}" for a, _, n in assigned if counts.get((a, n), 1) != 1]
if missing or unprofiled or twice:
    print(f"{len(missing)} of {len(assigned)} not recorded: {' '.join(missing[:10])}; "
          f"{len(unprofiled)} not in the profile: {' '.join(unprofiled[:10])}; "
          f"counts other than 1: {' '.join(twice[:10])}")
    sys.exit(1)
print(len(assigned))
PY
	); then
		ok "$1: all $out recorded once, all in the profile"
	else
		not_ok "$1: $out"
	fi
}

# rounds POOL: split PER_CASE processes into rounds of distinct pool entries; writes
# $TMP/round.N files and sets NROUNDS.
rounds() {
	local size per
	size=$(wc -l <"$1")
	NROUNDS=$(((PER_CASE + size - 1) / size))
	per=$(((PER_CASE + NROUNDS - 1) / NROUNDS))
	rm -f "$TMP"/round.*
	for r in $(seq 1 "$NROUNDS"); do
		# a different slice of the pool each round
		awk -v off=$(((r - 1) * per)) -v per="$per" -v size="$size" \
			'{ a[NR - 1] = $0 } END { for (i = 0; i < per; i++) print a[(off + i) % size] }' "$1" >"$TMP/round.$r"
	done
}

# --- pids mode: record -- churn ----------------------------------------------------------------
for mode in fork double-fork; do
	flag=
	[ "$mode" = double-fork ] && flag=--double-fork
	# What the harness makes itself, twice (so that a call it makes only sometimes shows).
	: >"$TMP/bg"
	for _ in 1 2; do
		"$SYSCAGE" record -m ebpf --summary -o "$TMP/bg.json" -- "$CHURN" $flag $(printf '3 %.0s' $(seq 50)) 2>"$TMP/bg.err"
		summary_set "$TMP/bg.err" >>"$TMP/bg"
	done
	{ pool x86_64 "$TMP/bg"; pool x32 "$TMP/bg"; } >"$TMP/pool"
	rounds "$TMP/pool"
	for r in $(seq 1 "$NROUNDS"); do
		# shellcheck disable=SC2046
		run_cmd "$SYSCAGE" record -m ebpf --summary -o "$TMP/p.json" -- "$CHURN" $flag $(awk '{ print $2 }' "$TMP/round.$r")
		if [ "$RC" -ne 0 ]; then
			not_ok "pids, $mode, round $r/$NROUNDS: record exit $RC: $(tail -1 "$TMP/err")"
			continue
		fi
		check "pids, $mode, round $r/$NROUNDS ($(wc -l <"$TMP/round.$r") processes)" "$TMP/round.$r" "$TMP/err" "$TMP/p.json"
	done
done

# --- cgroup mode: record --cgroup, one cgroup per process ------------------------------------
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG=
if [ -n "$cg2" ] && mkdir "$cg2/syscage-churn-$$" 2>/dev/null; then
	CG=$cg2/syscage-churn-$$
	# runc also makes the containers' parent in the v1 hierarchies of a hybrid host (name=systemd).
	trap 'rmdir "$CG"/*/ "$CG" 2>/dev/null; find /sys/fs/cgroup/*/syscage-churn-$$ -depth -type d -exec rmdir {} \; 2>/dev/null; rm -rf "$TMP"' EXIT
fi

# record_cgroup OUT CMD...: record --cgroup $CG while CMD runs (outside it); summary in OUT.err.
record_cgroup() {
	local out=$1 rec
	shift
	"$SYSCAGE" record -m ebpf --summary --cgroup "$CG" -o "$out.json" 2>"$out.err" &
	rec=$!
	if ! ready "$rec"; then
		kill "$rec" 2>/dev/null
		wait "$rec"
		echo "the recorder did not start: $(tail -1 "$out.err")" >"$out.why"
		return 1
	fi
	"$@" >"$out.cmd" 2>&1
	local crc=$?
	kill -INT "$rec"
	wait "$rec"
	local rrc=$?
	if [ "$crc" -ne 0 ] || [ "$rrc" -ne 0 ]; then
		echo "command exit $crc ($(tail -1 "$out.cmd")), record exit $rrc ($(tail -1 "$out.err"))" >"$out.why"
		return 1
	fi
}

if [ -z "$CG" ]; then
	skip "cgroup mode: no writable cgroup v2 mount"
else
	mkdir "$CG/each"
	: >"$TMP/bg"
	for _ in 1 2; do
		record_cgroup "$TMP/bg" "$CHURN" --cgroup-each "$CG/each" $(printf '3 %.0s' $(seq 50)) &&
			summary_set "$TMP/bg.err" >>"$TMP/bg"
	done
	{ pool x86_64 "$TMP/bg"; pool x32 "$TMP/bg"; } >"$TMP/pool"
	rounds "$TMP/pool"
	for r in $(seq 1 "$NROUNDS"); do
		# shellcheck disable=SC2046
		if record_cgroup "$TMP/c" "$CHURN" --cgroup-each "$CG/each" $(awk '{ print $2 }' "$TMP/round.$r"); then
			check "cgroup, a cgroup per process, round $r/$NROUNDS ($(wc -l <"$TMP/round.$r") processes)" "$TMP/round.$r" "$TMP/c.err" "$TMP/c.json"
		else
			not_ok "cgroup, round $r/$NROUNDS: $(cat "$TMP/c.why")"
		fi
	done
	rmdir "$CG/each"
fi

# --- runc: short-lived containers under the recorded cgroup ---------------------------------
NCTR=${NCTR:-40}
why=
if [ -z "$CG" ]; then
	why="no writable cgroup v2 mount"
elif [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null; then
	why="needs root and runc"
fi
if [ -z "$why" ]; then
	B=$TMP/bundle
	mkdir -p "$B/rootfs/dev" "$B/rootfs/proc"
	cp "$CHURN" "$B/rootfs/churn"
	# bundle NAME NR: a bundle whose process is "churn NR", in cgroup $CG/ctr/NAME (cgroupfs).
	bundle() {
		mkdir -p "$TMP/b-$1"
		python3 - "$TMP/b-$1/config.json" "$2" "${CG#"$cg2"}/ctr/$1" "$B/rootfs" <<'PY'
import json, sys
cfg = {
  "ociVersion": "1.0.2",
  "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/churn", sys.argv[2]],
              "env": ["PATH=/"], "cwd": "/", "noNewPrivileges": True},
  "root": {"path": sys.argv[4], "readonly": True},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}],
            "cgroupsPath": sys.argv[3],
            "resources": {"devices": [{"allow": False, "access": "rwm"}]}},
}
json.dump(cfg, open(sys.argv[1], "w"))
PY
	}
	# runc_batch LIST: run the containers of "NAME NR" lines, 8 at a time.
	runc_batch() {
		local name nr fails=0 pids=() p
		while read -r name nr; do
			runc --root "$TMP/runc" run --bundle "$TMP/b-$name" "sc-churn-$$-$name" </dev/null >"$TMP/runc-$name.log" 2>&1 &
			pids+=($!)
			if [ ${#pids[@]} -eq 8 ]; then
				for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
				pids=()
			fi
		done <"$1"
		for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
		[ "$fails" -eq 0 ]
	}
	mkdir -p "$CG/ctr"
	bundle probe 3
	echo "probe 3" >"$TMP/probe.list"
	if ! runc_batch "$TMP/probe.list"; then
		why="runc cannot run a bundle here: $(head -c 200 "$TMP/runc-probe.log")"
	fi
fi
if [ -n "$why" ]; then
	skip "runc containers: $why"
else
	: >"$TMP/bg"
	"$SYSCAGE" syscalls --arch x32 | while read -r nr name; do
		case "$EXCLUDE" in *" $name "*) continue ;; esac
		echo "x32 $nr $name"
	done | head -n "$NCTR" >"$TMP/ctr.assigned"
	i=0
	while read -r _ nr _; do
		i=$((i + 1))
		bundle "c$i" "$nr"
		echo "c$i $nr"
	done <"$TMP/ctr.assigned" >"$TMP/ctr.list"
	if record_cgroup "$TMP/r" runc_batch "$TMP/ctr.list"; then
		check "runc: $NCTR containers, 8 at a time, each one x32 call" "$TMP/ctr.assigned" "$TMP/r.err" "$TMP/r.json"
	else
		not_ok "runc: $(cat "$TMP/r.why")"
	fi
	left=$(find "$CG/ctr" -mindepth 1 -type d | wc -l)
	[ "$left" -eq 0 ] && ok "runc removed every container's cgroup" || not_ok "runc left $left cgroups"
	rmdir "$CG/ctr" 2>/dev/null
fi
done_testing
