#!/bin/bash
# syscage explain: action, deciding rule, instruction count; json; raw BPF; errors.
. "$(dirname "$0")/lib.sh"

R=$SYSCAGE_SRCDIR/tests/regress
expect "unconditional rule wins" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall getppid --arch x86_64 --args 5
out_has "errno 77" "errno 77\]"
out_has "names the rule and its line" "rule #1 \(.*01-precedence.json:[0-9]+\)"
out_has "counts instructions" "instructions: +[0-9]+ executed"
expect "first matching argument rule" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall getpgid --arch x86_64 --args 5,7
out_has "errno 61" "errno 61\]"
expect "default" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall getpid --arch x86_64
out_has "the default action" "default action"
expect "enosys" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall 500 --arch x86_64
out_has "runc's ENOSYS" "ENOSYS"
expect "no-enosys" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall 500 --arch x86_64 --no-enosys
out_has "default without ENOSYS" "default action"
expect "x32 under an x86_64-only profile" 0 "$SYSCAGE" explain "$R/02-arch-check.json" --syscall getpid --arch x32
out_has "killed by the arch check" "KILL_PROCESS"
out_has "says why" "arch check"
expect "json" 0 "$SYSCAGE" explain "$R/01-precedence.json" --syscall getpgid --arch x86_64 --args 5,8 -o json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["data"]==62 and d["decided_by"]=="rule" and d["rule_index"]==3 and d["instructions_executed"]>0' "$TMP/out" 2>/dev/null; then ok "json fields"; else not_ok "json fields"; sed 's/^/# /' "$TMP/out"; fi
expect "big-endian arch" 0 "$SYSCAGE" explain "$R/03-big-endian-64bit.json" --syscall read --arch s390x --args 0,0,0x100000001
out_has "s390x 64-bit compare" "ALLOW"
"$SYSCAGE" bpf "$R/01-precedence.json" -o "$TMP/p.bpf"
expect "raw bpf" 0 "$SYSCAGE" explain --bpf "$TMP/p.bpf" --syscall umask --arch x86_64 --args 18
out_has "raw bpf action" "errno 63\]"
printf 'abc' >"$TMP/bad.bpf"
expect "bad bpf file" 1 "$SYSCAGE" explain --bpf "$TMP/bad.bpf" --syscall read
err_has "says what a raw file is" "8-byte"
expect "unknown syscall" 1 "$SYSCAGE" explain "$R/01-precedence.json" --syscall getpidd
err_has "suggests" "Did you mean getpid"
expect "missing --syscall" 2 "$SYSCAGE" explain "$R/01-precedence.json"
expect "both profile and --bpf" 2 "$SYSCAGE" explain "$R/01-precedence.json" --bpf "$TMP/p.bpf" --syscall read
expect "bad --args" 2 "$SYSCAGE" explain "$R/01-precedence.json" --syscall read --args 1,x
# On x86_64 the kernel does not run seccomp for uretprobe (Linux 6.11+) and uprobe (6.16+):
# explain says what the process gets, and what the filter alone returns (issue #15.10).
printf '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X32"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/deny.json"
KV=$(cut -d. -f1,2 /proc/sys/kernel/osrelease)
if [ "$(uname -m)" = x86_64 ] && printf '6.11\n%s\n' "$KV" | sort -V -C; then
	expect "uretprobe on x86_64" 0 "$SYSCAGE" explain "$TMP/deny.json" --syscall uretprobe -o json
	json_check "allowed: the kernel skips the filter" "$TMP/out" \
		'd["action"] == "SCMP_ACT_ALLOW" and d["kernel_skips_seccomp"] and d["decided_by"] == "kernel" and d["filter_text"] == "SCMP_ACT_ERRNO(EPERM)"'
	expect "uretprobe on x86_64, text" 0 "$SYSCAGE" explain "$TMP/deny.json" --syscall uretprobe
	out_has "says the kernel does not filter it" "kernel: +this kernel does not run seccomp filters for uretprobe"
	expect "uretprobe on x32: filtered" 0 "$SYSCAGE" explain "$TMP/deny.json" --syscall uretprobe --arch x32 -o json
	json_check "x32: the filter's action" "$TMP/out" 'd["action"] == "SCMP_ACT_ERRNO" and not d["kernel_skips_seccomp"]'
else
	for _ in 1 2 3 4 5 6; do skip "the kernel filters uretprobe here (x86_64 and Linux 6.11+ only; this is $(uname -m) $KV)"; done
fi
expect "missing profile: 1" 1 "$SYSCAGE" explain "$TMP/none.json" --syscall read
[ "$(grep -c . "$TMP/err")" -eq 1 ] && ok "missing profile: one message (issue #15.13)" || { not_ok "missing profile: one message (issue #15.13)"; sed 's/^/# /' "$TMP/err"; }
expect "help" 0 "$SYSCAGE" explain --help
done_testing
