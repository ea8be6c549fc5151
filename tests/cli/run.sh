#!/bin/bash
# syscage run: the filter is enforced, the exit status is the command's, env(1)'s codes.
. "$(dirname "$0")/lib.sh"

if ! grep -q '^Seccomp:' /proc/self/status; then
	skip "the kernel has no seccomp"
	done_testing
	exit 0
fi
R=$SYSCAGE_SRCDIR/tests/regress
BB=$(command -v busybox || true)
cat >"$TMP/deny-uname.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 },
                { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 } ] }
J
expect "exit status is the command's" 3 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- sh -c 'exit 3'
expect "allowed command runs" 0 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- true
expect "denied syscall fails in the command" 1 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- uname
expect "errnoRet reaches the command" 1 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- mkdir "$TMP/d"
err_has "EACCES from mkdir" "[Pp]ermission denied"
[ ! -d "$TMP/d" ] && ok "directory not created" || not_ok "directory not created"
cat >"$TMP/kill.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS" } ] }
J
expect "KILL_PROCESS kills with SIGSYS" $((128 + 31)) sh -c "\"$SYSCAGE\" run -p \"$TMP/kill.json\" -- mkdir \"$TMP/k\"; exit \$?"
expect "--log loads" 0 "$SYSCAGE" run -p "$TMP/deny-uname.json" --log -- true
expect "--no-enosys loads" 0 "$SYSCAGE" run -p "$TMP/deny-uname.json" --no-enosys -- true
expect "command not found: 127" 127 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- no-such-command-xyz
err_has "says not found" "not found"
printf '#!/bin/sh\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
expect "not executable: 126" 126 "$SYSCAGE" run -p "$TMP/deny-uname.json" -- "$TMP/noexec"
printf '{ "defaultAction": "SCMP_ACT_ALOW" }' >"$TMP/bad.json"
expect "bad profile: 125" 125 "$SYSCAGE" run -p "$TMP/bad.json" -- true
err_has "says where" "bad.json:1"
expect "missing profile: 125" 125 "$SYSCAGE" run -p "$TMP/none.json" -- true
cat >"$TMP/noexecve.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["execve", "execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
J
expect "profile forbidding execve: 126" 126 "$SYSCAGE" run -p "$TMP/noexecve.json" -- true
err_has "hints at execve" "execve"
if [ -r "${SYSCAGE_SHARED:-}/data/docker-default.json" ]; then
	expect "docker default runs sh" 0 "$SYSCAGE" run -p "$SYSCAGE_SHARED/data/docker-default.json" -- sh -c 'echo hi'
	out_is "output" "hi"
	expect "docker default: seccomp mode 2" 0 "$SYSCAGE" run -p "$SYSCAGE_SHARED/data/docker-default.json" -- grep -q '^Seccomp:.*2' /proc/self/status
else
	skip "docker-default.json not in \$SYSCAGE_SHARED/data"
fi
# A profile that denies everything: refused before loading (126, naming the calls), not a
# SIGSEGV when glibc's _exit finds exit_group denied too (issue #15.7).
printf '{"defaultAction":"SCMP_ACT_ERRNO"}' >"$TMP/deny-all.json"
expect "deny-all profile: 126, no crash" 126 "$SYSCAGE" run -p "$TMP/deny-all.json" -- true
err_has "names execve" "denies execve \(SCMP_ACT_ERRNO\(EPERM\)\), execveat"
err_has "names exit_group" "exit_group \(SCMP_ACT_ERRNO"
cat >"$TMP/noexit.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["exit_group", "exit"], "action": "SCMP_ACT_KILL_PROCESS" } ] }
J
expect "profile denying exit_group and exit: 126" 126 "$SYSCAGE" run -p "$TMP/noexit.json" -- true
err_has "says exit_group" "denies exit_group \(SCMP_ACT_KILL_PROCESS\)"
cat >"$TMP/execveat-only.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["execve"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
J
expect "execve denied, execveat allowed: runs through execveat" 0 "$SYSCAGE" run -p "$TMP/execveat-only.json" -- sh -c 'echo via-execveat'
out_is "command's output" "via-execveat"
# Unknown names: warned with suggestions, fatal with --strict (issue #15.8).
cat >"$TMP/typo.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getppidd"], "action": "SCMP_ACT_ERRNO" } ] }
J
expect "unknown name: runs" 0 "$SYSCAGE" run -p "$TMP/typo.json" -- true
err_has "warns with the location and a suggestion" "typo.json:1:[0-9]+: warning: unknown syscall 'getppidd'; did you mean getppid"
expect "unknown name with --strict: 125" 125 "$SYSCAGE" run --strict -p "$TMP/typo.json" -- true
err_has "--strict: error" "typo.json:1:[0-9]+: error: unknown syscall 'getppidd'"
# SCMP_ACT_NOTIFY without a listener: those calls fail with ENOSYS; say so (issue #16.13).
cat >"$TMP/notify.json" <<'J'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["uname"], "action": "SCMP_ACT_NOTIFY" } ] }
J
expect "NOTIFY rule: the command runs" 0 "$SYSCAGE" run -p "$TMP/notify.json" -- true
err_has "warns that NOTIFY calls fail with ENOSYS" "warning: .*SCMP_ACT_NOTIFY for uname: .*ENOSYS"
# One message per error (issue #15.13).
expect "missing profile: 125" 125 "$SYSCAGE" run -p "$TMP/none.json" -- true
[ "$(grep -c . "$TMP/err")" -eq 1 ] && ok "missing profile: one message" || { not_ok "missing profile: one message"; sed 's/^/# /' "$TMP/err"; }
expect "bad option: 2" 2 "$SYSCAGE" run --bogus
err_has "getopt's message names the verb" "^syscage run: unrecognized option '--bogus'"
[ "$(grep -c . "$TMP/err")" -eq 2 ] && ok "bad option: the reason and the hint only" || { not_ok "bad option: the reason and the hint only"; sed 's/^/# /' "$TMP/err"; }
expect "missing -p" 2 "$SYSCAGE" run -- true
expect "missing CMD" 2 "$SYSCAGE" run -p "$TMP/deny-uname.json"
expect "help" 0 "$SYSCAGE" run --help
done_testing
