#!/bin/bash
# `make demo` (examples/demo.sh) as a newcomer runs it: it exits 0, the recorded profile lets
# the workload run and denies what it never did, and each step prints what the README shows.
. "$(dirname "$0")/lib.sh"

expect "examples/demo.sh runs to the end" 0 "$SYSCAGE_SRCDIR/examples/demo.sh" "$SYSCAGE"
err_has "records the workload" 'recorded [0-9]+ distinct syscalls'
if [ "$(grep -c '^999$' "$TMP/out")" -ge 2 ]; then ok "the workload runs recorded and under its profile"; else not_ok "the workload runs under its profile"; fi
out_has "what it never did is denied" 'denied as expected'
out_has "convert prints the seed's OCI profile" '"defaultAction": "SCMP_ACT_ERRNO"'
out_has "explain says which rule decided" 'decided by:'
out_has "the disassembly is shown" 'ld  *\[4\]|arch'
done_testing
