#!/bin/bash
# The bundled example: a tour of syscage on examples/ (run by `make demo`).
set -eu
SYSCAGE=${1:-build/syscage}
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

run "$SYSCAGE" --version
run "$SYSCAGE" syscalls --arch x86_64 openat mseal
run "$SYSCAGE" syscalls --arch i386 socketcall
run "$SYSCAGE" syscalls --arch arm64 openat
