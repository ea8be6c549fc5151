#!/bin/bash
# syscage syscalls: lookups, listing, suggestions, exit codes.
. "$(dirname "$0")/lib.sh"

expect "name to number" 0 "$SYSCAGE" syscalls --arch x86_64 openat mseal
out_is "openat and mseal on x86_64" "257 openat
462 mseal"
expect "number to name on i386" 0 "$SYSCAGE" syscalls --arch i386 102
out_is "102 is socketcall on i386" "102 socketcall"
expect "audit token as arch" 0 "$SYSCAGE" syscalls --arch c000003e 59
out_is "59 is execve" "59 execve"
expect "x32 numbers carry the x32 bit" 0 "$SYSCAGE" syscalls --arch x32 execve
out_is "x32 execve" "1073742344 execve"
expect "list all of aarch64" 0 "$SYSCAGE" syscalls --arch arm64
lines=$(wc -l <"$TMP/out")
[ "$lines" -gt 300 ] && ok "aarch64 lists $lines syscalls" || not_ok "aarch64 lists $lines syscalls"
expect "json output" 0 "$SYSCAGE" syscalls -o json --arch x86_64 read
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d==[{"number":0,"name":"read"}]' "$TMP/out" 2>/dev/null; then ok "json parses"; else not_ok "json parses"; fi
expect "unknown name exits 1" 1 "$SYSCAGE" syscalls --arch x86_64 opne
err_has "suggests open" "Did you mean open"
expect "name from another arch" 1 "$SYSCAGE" syscalls --arch aarch64 open
err_has "says it exists elsewhere" "not a syscall on aarch64"
expect "unknown arch is a usage error" 2 "$SYSCAGE" syscalls --arch vax read
err_has "lists known arches" "Known: x86"
expect "help" 0 "$SYSCAGE" syscalls --help
out_has "help has an example" "Examples:"
expect "bad option" 2 "$SYSCAGE" syscalls --bogus
done_testing
