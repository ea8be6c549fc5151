#!/bin/bash
# Filter overhead, side by side (a benchmark, not a test): per-syscall cost of a
# getppid/read/write/openat/close loop (bench/bench-loop -c: the thread's CPU clock, since a
# filter's cost is paid in the caller's context) with no filter, the floor, syscage's filter for
# Docker's default profile, libseccomp's filter for the same profile (built the way runc builds
# it), and runc running the same static loop with the same profile (skipped when runc is not
# installed); then the BPF instructions executed per syscall (emulated), syscage vs libseccomp
# vs the floor; then the loaders: what the profile adds to a runc container start vs to
# `syscage run`, and the length of the program each really loaded (read back from the kernel).
#
# The floor (bench/filter-floor.c) is a one-instruction "return ALLOW" filter before the same
# loop: what any seccomp filter costs a syscall, the kernel's seccomp entry on every syscall
# (and, since Linux 5.11, its per-syscall allow bitmap, which lets it skip running a program
# whose answer for that syscall does not depend on the arguments). No filter can cost less, and
# every filter that allows these five syscalls without looking at their arguments can cost that
# little. "added/floor" is (setup - no filter) / (floor - no filter), as in bench/record.sh; the
# instructions table divides by the floor's one instruction. A second informative row loads
# args[0] before the ALLOW, so the bitmap cannot decide and the kernel runs the program on every
# syscall: the price of one BPF run, what a filter the bitmap cannot serve pays on top.
#
# usage: bench/filter.sh BUILDDIR [PROFILE] [ITERATIONS]
set -eu
B=${1:?usage: bench/filter.sh BUILDDIR [PROFILE] [ITERATIONS]}
SRC=$(cd "$(dirname "$0")/.." && pwd)
P=${2:-$SRC/../shared/data/docker-default.json}
N=${3:-100000}
LOOP=$B/bench/bench-loop
[ -x "$LOOP" ] || { echo "build first: ninja -C $B" >&2; exit 1; }
[ -r "$P" ] || { echo "no profile $P" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

FLOOR=$B/bench/filter-floor
[ -x "$FLOOR" ] || { echo "no $FLOOR: build first: ninja -C $B" >&2; exit 1; }
run_none() { "$LOOP" -c "$N"; }
run_floor() { "$FLOOR" -- "$LOOP" -c "$N"; }
run_brun() { "$FLOOR" -u -- "$LOOP" -c "$N"; }
run_ours() { "$B/syscage" run -p "$P" -- "$LOOP" -c "$N"; }
run_lib() { "$B/bench/bench-filter" load-libseccomp "$P" -- "$LOOP" -c "$N"; }
run_runc() {
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
	"${sudo_cmd[@]}" runc --root "$TMP/runc-state" run --bundle "$TMP/bundle" "bench-$$-$RANDOM" </dev/null
}

modes="none floor brun ours lib"
if command -v runc >/dev/null && [ -x "$B/bench/bench-filter" ]; then
	mkdir -p "$TMP/bundle/rootfs/dev" "$TMP/bundle/rootfs/proc"
	cp "$LOOP" "$TMP/bundle/rootfs/bench-loop"
	# The profile inside an OCI config, as runc reads it.
	python3 - "$P" "$TMP/bundle/config.json" "$N" <<'PY'
import json, sys
prof = json.load(open(sys.argv[1]))
prof.pop("archMap", None)
prof["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
for s in prof.get("syscalls", []):
    s.pop("includes", None); s.pop("excludes", None)
cfg = {
  "ociVersion": "1.0.2",
  "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/bench-loop", "-c", sys.argv[3]],
              "env": ["PATH=/"], "cwd": "/", "noNewPrivileges": True},
  "root": {"path": "rootfs", "readonly": True},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}],
            "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 438},
                        {"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}],
            # cgroup v2 device rules are a deny-all BPF program unless allowed here.
            "resources": {"devices": [{"allow": False, "access": "rwm"},
                                      {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                                      {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]},
            "seccomp": prof},
}
json.dump(cfg, open(sys.argv[2], "w"))
PY
	if run_runc >/dev/null 2>"$TMP/runc.err"; then
		modes="$modes runc"
	else
		echo "# runc could not run the bundle here: $(head -c 300 "$TMP/runc.err")" >&2
	fi
else
	echo "# runc not installed: its row is skipped" >&2
fi

# ROUNDS interleaved rounds; the best of each mode counts (the loop itself keeps its best of 5).
ROUNDS=${ROUNDS:-5}
declare -A best
for _ in $(seq "$ROUNDS"); do
	for m in $modes; do
		v=$("run_$m")
		if [ -z "${best[$m]:-}" ] || awk "BEGIN{exit !($v < ${best[$m]})}"; then best[$m]=$v; fi
	done
done

echo "Per-syscall cost, $(basename "$P"), $N rounds x 5 syscalls, thread CPU time, best of ${ROUNDS}x5 runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s %8s %9s %12s %12s\n' "setup" "ns/syscall" "vs none" "added ns" "added/floor" "vs libseccomp"
fadd=$(awk "BEGIN{print ${best[floor]} - ${best[none]}}")
row() {
	local name=$1 v=$2
	printf '%-44s %10.1f %8.3f %9.1f %12s %12.3f\n' "$name" "$v" "$(awk "BEGIN{print $v/${best[none]}}")" \
		"$(awk "BEGIN{print $v-${best[none]}}")" \
		"$(awk "BEGIN{a=$v-${best[none]}; if ($fadd > 0) printf \"%.2fx\", a/$fadd; else print \"n/a\"}")" \
		"$(awk "BEGIN{print $v/${best[lib]}}")"
}
row "no filter" "${best[none]}"
row "floor: return ALLOW (1 insn, filter-floor)" "${best[floor]}"
row "syscage run (our BPF)" "${best[ours]}"
row "libseccomp filter (runc's way)" "${best[lib]}"
[ -n "${best[runc]:-}" ] && row "runc + the same profile" "${best[runc]}"
row "(a BPF run on every call: filter-floor -u)" "${best[brun]}"
awk "BEGIN{exit !($fadd <= 0)}" &&
	echo "(added/floor n/a: the floor's added cost measured <= 0 here, within this machine's noise)"
echo
echo "BPF instructions executed per syscall (emulated; the kernel's allow bitmap runs none of them for"
echo "an argument-free allow of the native arch, so this is the cost on the paths it cannot serve)"
"$B/bench/bench-filter" steps "$P"

# runc's own loader, side by side with ours: what loading the profile adds to starting a process
# (runc compiles the JSON with libseccomp on every container start; syscage run with its own
# compiler), and the length of the program each really loads, read back from the kernel with
# PTRACE_SECCOMP_GET_FILTER on the running process.
if [[ " $modes " == *" runc "* ]] && command -v python3 >/dev/null; then
	python3 - "$TMP/bundle/config.json" "$TMP/bundle-open/config.json" <<'PY'
import json, os, sys
cfg = json.load(open(sys.argv[1]))
cfg["linux"].pop("seccomp")
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
json.dump(cfg, open(sys.argv[2], "w"))
PY
	ln -s ../bundle/rootfs "$TMP/bundle-open/rootfs"
	# set_args BUNDLE ARG...: the container's argv.
	set_args() {
		local b=$1
		shift
		python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["process"]["args"]=sys.argv[2:]; json.dump(c,open(sys.argv[1],"w"))' \
			"$b/config.json" "$@"
	}
	set_args "$TMP/bundle" /bench-loop 1
	set_args "$TMP/bundle-open" /bench-loop 1
	# ms_of CMD...: median wall time of 15 runs, in ms.
	ms_of() {
		local t0 t1
		for _ in $(seq 1 15); do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 </dev/null
			t1=$(date +%s%N)
			echo $(((t1 - t0) / 1000))
		done | sort -n | sed -n 8p | awk '{ printf "%.2f", $1 / 1000 }'
	}
	runc_in() { runc --root "$TMP/runc-state" run --bundle "$1" "bench-$$-$RANDOM"; }
	r_open=$(ms_of runc_in "$TMP/bundle-open")
	r_prof=$(ms_of runc_in "$TMP/bundle")
	s_open=$(ms_of "$LOOP" 1)
	s_prof=$(ms_of "$B/syscage" run -p "$P" -- "$LOOP" 1)

	# The program each loads: a long-running loop, attached with ptrace, filter read back.
	filter_len() {
		python3 - "$1" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
pid = int(sys.argv[1])
if libc.ptrace(0x4206, pid, None, None) != 0:          # PTRACE_SEIZE
    print("?"); sys.exit(0)
libc.ptrace(0x4207, pid, None, None)                   # PTRACE_INTERRUPT
os.waitpid(pid, 0x40000000)                            # __WALL
lens = []
while True:
    n = libc.ptrace(0x420c, pid, ctypes.c_void_p(len(lens)), None)  # PTRACE_SECCOMP_GET_FILTER
    if n < 0:
        break
    lens.append(n)
libc.ptrace(17, pid, None, None)                       # PTRACE_DETACH
print("+".join(map(str, lens)) or "0")
PY
	}
	set_args "$TMP/bundle" /bench-loop 100000000
	id="bench-$$-len"
	runc_len="?"
	if runc --root "$TMP/runc-state" create --bundle "$TMP/bundle" "$id" >/dev/null 2>&1 </dev/null &&
		runc --root "$TMP/runc-state" start "$id" 2>/dev/null; then
		sleep 0.3
		pid=$(runc --root "$TMP/runc-state" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
		runc_len=$(filter_len "$pid")
	fi
	runc --root "$TMP/runc-state" delete -f "$id" >/dev/null 2>&1 || true
	"$B/syscage" run -p "$P" -- "$LOOP" 100000000 >/dev/null &
	spid=$!
	sleep 0.3
	ours_len=$(filter_len "$spid")
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null || true

	echo
	echo "Loading the profile: runc (libseccomp, at every container start) vs syscage run"
	printf '%-34s %12s %12s %12s %16s\n' "loader" "no profile" "profile" "added" "loaded program"
	printf '%-34s %10s ms %10s ms %10s ms %16s\n' "runc $(runc --version | awk 'NR==1{print $3}') run (container start)" \
		"$r_open" "$r_prof" "$(awk "BEGIN{printf \"%.2f\", $r_prof-$r_open}")" "$runc_len insns"
	printf '%-34s %10s ms %10s ms %10s ms %16s\n' "syscage run (exec of the loop)" \
		"$s_open" "$s_prof" "$(awk "BEGIN{printf \"%.2f\", $s_prof-$s_open}")" "$ours_len insns"
	echo "(median of 15 starts; 'loaded program' read back with PTRACE_SECCOMP_GET_FILTER, per filter)"
fi
