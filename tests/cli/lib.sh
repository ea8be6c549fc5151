# TAP helpers for CLI tests. Source it; call ok/not_ok/skip via the check helpers; end with done_testing.
# SYSCAGE is the binary under test (set by meson), SYSCAGE_SRCDIR the source tree.
set -u
: "${SYSCAGE:?run through meson test}"
T_N=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscage-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - # SKIP $*"; }

# run_cmd: run "$@", capture stdout to $TMP/out, stderr to $TMP/err, status to $RC.
run_cmd() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

# expect DESC STATUS CMD...: the command exits with STATUS.
expect() {
	local desc=$1 want=$2
	shift 2
	run_cmd "$@"
	if [ "$RC" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $RC, wanted $want)"
		sed 's/^/# stderr: /' "$TMP/err" | head -20
	fi
}

# out_has DESC PATTERN / err_has DESC PATTERN: grep -E on the last command's output.
out_has() { if grep -Eq -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1"; sed 's/^/# out: /' "$TMP/out" | head -20; fi; }
err_has() { if grep -Eq -- "$2" "$TMP/err"; then ok "$1"; else not_ok "$1"; sed 's/^/# err: /' "$TMP/err" | head -20; fi; }
out_is() { if [ "$(cat "$TMP/out")" = "$2" ]; then ok "$1"; else not_ok "$1"; sed 's/^/# out: /' "$TMP/out" | head -20; fi; }

# json_check DESC FILE PYEXPR: PYEXPR (with d = the parsed JSON) holds.
json_check() {
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$2" "$3" 2>"$TMP/pyerr"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$TMP/pyerr" "$2" | head -30
	fi
}

done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
