#!/bin/bash
# Filter overhead, side by side (a benchmark, not a test): per-syscall cost of a
# getppid/read/write/openat/close loop with no filter, syscage's filter for Docker's default
# profile, libseccomp's filter for the same profile (built the way runc builds it), and runc
# running the same static loop with the same profile (skipped when runc is not installed);
# then the BPF instructions executed per syscall (emulated), syscage vs libseccomp.
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

run_none() { "$LOOP" "$N"; }
run_ours() { "$B/syscage" run -p "$P" -- "$LOOP" "$N"; }
run_lib() { "$B/bench/bench-filter" load-libseccomp "$P" -- "$LOOP" "$N"; }
run_runc() {
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
	"${sudo_cmd[@]}" runc --root "$TMP/runc-state" run --bundle "$TMP/bundle" "bench-$$-$RANDOM" </dev/null
}

modes="none ours lib"
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
  "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/bench-loop", sys.argv[3]],
              "env": ["PATH=/"], "cwd": "/", "noNewPrivileges": True},
  "root": {"path": "rootfs", "readonly": True},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}],
            "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 438},
                        {"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}],
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

# Three interleaved rounds; the best of each mode counts (the loop itself keeps its best of 5).
declare -A best
for round in 1 2 3; do
	for m in $modes; do
		v=$("run_$m")
		if [ -z "${best[$m]:-}" ] || awk "BEGIN{exit !($v < ${best[$m]})}"; then best[$m]=$v; fi
	done
done

echo "Per-syscall cost, $(basename "$P"), $N rounds x 5 syscalls, best of 3x5 runs"
printf '%-34s %12s %12s %14s\n' "setup" "ns/syscall" "vs none" "vs libseccomp"
row() {
	local name=$1 v=$2
	printf '%-34s %12.1f %12.2f %14s\n' "$name" "$v" "$(awk "BEGIN{print $v/${best[none]}}")" \
		"$(awk "BEGIN{printf \"%.2f\", $v/${best[lib]}}")"
}
row "no filter" "${best[none]}"
row "syscage run (our BPF)" "${best[ours]}"
row "libseccomp filter (runc's way)" "${best[lib]}"
[ -n "${best[runc]:-}" ] && row "runc + the same profile" "${best[runc]}"
echo
echo "BPF instructions executed per syscall (emulated)"
"$B/bench/bench-filter" steps "$P"
