#!/bin/bash
# The bundled example (run by `make demo`): record a real workload, enforce the recorded profile,
# then convert, check, compile and explain profiles from examples/.
set -eu
SYSCAGE=$(realpath "${1:-build/syscage}")
cd "$(dirname "$0")/.."
OUT=$(mktemp -d /tmp/syscage-demo.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
BB=$(command -v busybox || true)
WORK="${BB:+$BB }seq 1 1000 | ${BB:+$BB }sort -r | ${BB:+$BB }head -3"

run "$SYSCAGE" --version
run "$SYSCAGE" record --summary -o "$OUT/app.json" -- sh -c "$WORK"
run "$SYSCAGE" run -p "$OUT/app.json" -- sh -c "$WORK"
say "$SYSCAGE run -p $OUT/app.json -- sh -c 'mkdir $OUT/nope'   # never recorded: denied"
"$SYSCAGE" run -p "$OUT/app.json" -- sh -c "mkdir $OUT/nope" || echo "(exit $?: denied as expected)"
run "$SYSCAGE" convert examples/policies/wordpress.yaml
run "$SYSCAGE" check examples/hello.json || true
run "$SYSCAGE" explain examples/hello.json --syscall personality --args 8
run "$SYSCAGE" bpf examples/hello.json --format disasm
run "$SYSCAGE" syscalls --arch i386 socketcall
