#!/bin/bash
# syscage bpf: raw output as seccomp_export_bpf writes it, disasm, C, arch selection, errors.
. "$(dirname "$0")/lib.sh"

R=$SYSCAGE_SRCDIR/tests/regress
expect "raw program to a file" 0 "$SYSCAGE" bpf "$R/02-arch-check.json" -o "$TMP/p.bpf"
size=$(stat -c %s "$TMP/p.bpf")
[ $((size % 8)) -eq 0 ] && [ "$size" -gt 0 ] && ok "raw size $size is a multiple of 8" || not_ok "raw size $size"
# First instruction: ld [4] (the arch), code 0x20, k 4 (host byte order).
first=$(od -An -tx1 -N8 "$TMP/p.bpf" | tr -d ' \n')
[ "$first" = "2000000004000000" ] && ok "starts with the arch load" || not_ok "first insn $first"
expect "explain reads the raw file back" 0 "$SYSCAGE" explain --bpf "$TMP/p.bpf" --syscall getppid
out_has "ERRNO(5) from the raw program" "errno 5\]"
expect "disasm" 0 "$SYSCAGE" bpf "$R/02-arch-check.json" --format disasm
out_has "disasm names the arch" "x86_64"
out_has "disasm shows a return" "ret"
expect "C array" 0 "$SYSCAGE" bpf "$R/02-arch-check.json" --format c -o "$TMP/p.c"
if command -v cc >/dev/null; then
	printf '#include "%s"\nint main(void){return syscage_fprog.len == sizeof(syscage_filter)/sizeof(syscage_filter[0]) ? 0 : 1;}\n' "$TMP/p.c" >"$TMP/m.c"
	if cc -o "$TMP/m" "$TMP/m.c" 2>"$TMP/err" && "$TMP/m"; then ok "C output compiles"; else not_ok "C output compiles"; sed 's/^/# /' "$TMP/err"; fi
else
	skip "no C compiler to compile the C output"
fi
expect "two arches" 0 "$SYSCAGE" bpf "$R/02-arch-check.json" --arch x86_64 --arch aarch64 --format disasm
out_has "aarch64 token compared" "c00000b7|aarch64"
if [ -r "${SYSCAGE_SHARED:-}/data/docker-default.json" ]; then
	expect "docker default compiles" 0 "$SYSCAGE" bpf "$SYSCAGE_SHARED/data/docker-default.json" -o "$TMP/d.bpf"
	n=$(( $(stat -c %s "$TMP/d.bpf") / 8 ))
	[ "$n" -lt 1000 ] && ok "docker default: $n instructions" || not_ok "docker default: $n instructions"
else
	skip "docker-default.json not in \$SYSCAGE_SHARED/data"
fi
# A profile too big for the kernel: 1100 64-bit argument rules for one syscall.
{
	echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":['
	for i in $(seq 1 1100); do
		[ "$i" -gt 1 ] && echo ,
		echo "{\"names\":[\"ioctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":$((4294967296 + i)),\"op\":\"SCMP_CMP_EQ\"}]}"
	done
	echo ']}'
} >"$TMP/big.json"
expect "over 4096 instructions fails" 1 "$SYSCAGE" bpf "$TMP/big.json" -o "$TMP/big.bpf"
err_has "says the limit" "4096"
[ ! -e "$TMP/big.bpf" ] && ok "nothing written" || not_ok "nothing written"
expect "unknown format is a usage error" 2 "$SYSCAGE" bpf "$R/02-arch-check.json" --format hex
expect "unknown arch is a usage error" 2 "$SYSCAGE" bpf "$R/02-arch-check.json" --arch vax
expect "missing profile file" 1 "$SYSCAGE" bpf "$TMP/nope.json" -o "$TMP/x.bpf"
# Unknown names: a warning with suggestions, fatal with --strict (issue #15.8); one message
# per error (issue #15.13).
cat >"$TMP/typo.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getppidd"], "action": "SCMP_ACT_ERRNO" } ] }
J
expect "unknown name: compiles" 0 "$SYSCAGE" bpf -f disasm "$TMP/typo.json"
err_has "warns with a suggestion" "typo.json:1:[0-9]+: warning: unknown syscall 'getppidd'; did you mean getppid"
expect "unknown name with --strict: 1" 1 "$SYSCAGE" bpf --strict -f disasm "$TMP/typo.json" -o "$TMP/typo.txt"
err_has "--strict: an error" "typo.json:1:[0-9]+: error: unknown syscall 'getppidd'"
[ ! -e "$TMP/typo.txt" ] && ok "--strict: nothing written" || not_ok "--strict: nothing written"
expect "missing profile: 1" 1 "$SYSCAGE" bpf "$TMP/nope.json" -o "$TMP/x.bpf"
[ "$(grep -c . "$TMP/err")" -eq 1 ] && ok "missing profile: one message" || { not_ok "missing profile: one message"; sed 's/^/# /' "$TMP/err"; }
expect "help" 0 "$SYSCAGE" bpf --help
out_has "help has examples" "Examples:"
done_testing
