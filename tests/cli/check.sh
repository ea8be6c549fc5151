#!/bin/bash
# syscage check: diagnostics with locations, warnings vs errors, --strict, -o json, --arch,
# several files and documents, exit codes.
. "$(dirname "$0")/lib.sh"

BAD=$SYSCAGE_SRCDIR/tests/data/bad
P=$TMP/p
mkdir -p "$P"

cat >"$P/good.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "openat", "close"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["execve", "fstatfs", "getdents64", "fstat", "newfstatat", "getcwd", "chdir",
               "setuid", "setgid", "setgroups", "getppid", "capget", "capset", "prctl"],
     "comment": "what runc calls after it loads the filter", "action": "SCMP_ACT_ALLOW"},
    {"names": ["restart_syscall", "rt_sigreturn", "sigreturn", "rt_sigsuspend", "futex", "futex_time64", "getpid", "tgkill", "exit", "clock_gettime",
               "clock_gettime64", "clock_getres", "clock_getres_time64", "gettimeofday",
               "time", "getcpu", "getrandom"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"}
  ]
}
EOF
# good.json without the implicit set, and with restart_syscall denied outright.
cat >"$P/no-implicit.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "openat", "close", "clock_gettime", "time",
               "gettimeofday", "getcpu", "getrandom", "clock_getres"], "action": "SCMP_ACT_ALLOW"}
  ]
}
EOF
cat >"$P/denies-restart.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["rt_sigreturn", "rt_sigsuspend", "futex", "getpid", "tgkill", "exit", "exit_group", "clock_gettime", "clock_getres", "time",
               "gettimeofday", "getcpu", "getrandom"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["restart_syscall"], "action": "SCMP_ACT_KILL_PROCESS"}
  ]
}
EOF
cat >"$P/allow-all.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64"]
}
EOF
cat >"$P/deny-list.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_LOG",
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO"}
  ]
}
EOF
cat >"$P/no-arches.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["read", "open"], "action": "SCMP_ACT_ALLOW"}
  ]
}
EOF
cat >"$P/risky.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["unshare",
               "mount",
               "bpf"], "action": "SCMP_ACT_ALLOW"}
  ]
}
EOF
cat >"$P/some-arches.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["read",
               "socketcall"], "action": "SCMP_ACT_ALLOW"}
  ]
}
EOF
cat >"$P/two-policies.yaml" <<'EOF'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorSeccompPolicy
metadata:
  name: one
  namespace: default
spec:
  selector:
    matchLabels:
      app: one
  seccomp:
    arch: [x86_64]
    syscalls: [read, write]
    action: Allow
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorSeccompPolicy
metadata:
  name: two
  namespace: default
spec:
  selector:
    matchLabels:
      app: two
  seccomp:
    arch: [x86_64]
    syscalls: [opne]
    action: Block
EOF

# A valid profile: exit 0, nothing on stderr.
expect "valid profile" 0 "$SYSCAGE" check "$P/good.json"
[ -s "$TMP/err" ] && not_ok "valid profile prints nothing" || ok "valid profile prints nothing"

# An allow-list without the calls the kernel or libc make unasked breaks on the first stop.
expect "no implicit set: a warning, exit 0" 0 "$SYSCAGE" check "$P/no-implicit.json"
err_has "the implicit set: names and why" "^$P/no-implicit.json:1:1: warning: this allow-list does not allow 11 calls the kernel or libc make without the program asking.*\(restart_syscall: the kernel restarts an interrupted sleep.*SIGSTOP/SIGCONT.*; rt_sigreturn: the return from every signal handler; sigreturn: .*32-bit ABIs; rt_sigsuspend: a shell .* waits with it only when its child still runs.*; futex: libc waits in it only when another thread still holds.*; futex_time64: .*; exit: the end of every thread"
err_has "the vDSO fallbacks of 32-bit ABIs" "clock_gettime64, clock_getres_time64: answered by the vDSO"
err_has "says what to do" "add them to an SCMP_ACT_ALLOW rule"
expect "no implicit set: --strict fails" 1 "$SYSCAGE" check --strict "$P/no-implicit.json"
expect "an explicit deny of restart_syscall: a warning" 0 "$SYSCAGE" check "$P/denies-restart.json"
err_has "the explicit deny is named" "does not allow 1 call .*\(a rule denies some of them explicitly\).*restart_syscall"
expect "a deny-list is not an allow-list" 0 "$SYSCAGE" check "$P/allow-all.json"
if grep -q "without the program asking" "$TMP/err"; then not_ok "deny-list: no implicit warning"; else ok "deny-list: no implicit warning"; fi
expect "bundled example" 0 "$SYSCAGE" check "$SYSCAGE_SRCDIR/examples/hello.json"

# Errors: FILE:LINE:COL, exit 1.
expect "unknown name" 1 "$SYSCAGE" check "$BAD/name-unknown.json"
err_has "error with location and suggestion" \
	"^$BAD/name-unknown.json:5:[0-9]+: error: unknown syscall 'opne'; did you mean open"
expect "conflicting actions" 1 "$SYSCAGE" check "$BAD/conflicting-actions.json"
err_has "conflict names both places" \
	"^$BAD/conflicting-actions.json:6:[0-9]+: error: 'write' is SCMP_ACT_KILL_PROCESS here but SCMP_ACT_ALLOW at 5:[0-9]+"
expect "syntax error" 1 "$SYSCAGE" check "$BAD/truncated.json"
err_has "syntax error located" "^$BAD/truncated.json:[0-9]+:[0-9]+: error: "

# Warnings: exit 0; --strict turns them into errors.
expect "defaultAction ALLOW is a warning" 0 "$SYSCAGE" check "$P/allow-all.json"
err_has "blocks nothing" "^$P/allow-all.json:1:1: warning: .*SCMP_ACT_ALLOW.*this profile blocks nothing"
expect "--strict fails on warnings" 1 "$SYSCAGE" check --strict "$P/allow-all.json"
err_has "--strict prints them as errors" "^$P/allow-all.json:1:1: error: .*blocks nothing"
expect "defaultAction LOG with a deny rule" 0 "$SYSCAGE" check "$P/deny-list.json"
err_has "deny list explained" "warning: defaultAction is SCMP_ACT_LOG: every syscall not listed"

expect "no architectures (as an x86_64 node)" 0 "$SYSCAGE" check --arch x86_64 "$P/no-arches.json"
err_has "explains what happens to i386/x32 calls" \
	"^$P/no-arches.json:1:1: warning: no \"architectures\".*x86_64 here.*another ABI \(x86, x32\).*killed"
expect "no architectures, as an aarch64 node: open is not an aarch64 syscall (a warning)" 0 \
	"$SYSCAGE" check --arch arm64 "$P/no-arches.json"
err_has "names checked for the --arch" "^$P/no-arches.json:4:[0-9]+: warning: 'open' is not a syscall on aarch64"
expect "... an error with --strict" 1 "$SYSCAGE" check --strict --arch arm64 "$P/no-arches.json"
err_has "--strict: the same as an error" "^$P/no-arches.json:4:[0-9]+: error: 'open' is not a syscall on aarch64"

expect "allows what RuntimeDefault blocks" 0 "$SYSCAGE" check "$P/risky.json"
err_has "one warning listing them, at the first" \
	"^$P/risky.json:6:[0-9]+: warning: allows 3 syscalls that RuntimeDefault .* blocks: bpf, mount, unshare"
n=$(grep -c RuntimeDefault "$TMP/err")
[ "$n" -eq 1 ] && ok "RuntimeDefault: one warning" || not_ok "RuntimeDefault: one warning ($n)"

expect "a name missing on some arches" 0 "$SYSCAGE" check "$P/some-arches.json"
err_has "warning names the arch" "^$P/some-arches.json:6:[0-9]+: warning: 'socketcall' is not a syscall on x86_64"

expect "-q keeps errors only" 0 "$SYSCAGE" check -q "$P/allow-all.json"
[ -s "$TMP/err" ] && not_ok "-q prints no warnings" || ok "-q prints no warnings"

# Several files, several documents.
expect "one bad file fails the run" 1 "$SYSCAGE" check "$P/good.json" "$BAD/name-unknown.json" "$P/allow-all.json"
err_has "the bad file is reported" "name-unknown.json:5"
err_has "the others are still checked" "allow-all.json:1:1: warning"
expect "multi-document YAML: the second policy is bad" 1 "$SYSCAGE" check "$P/two-policies.yaml"
err_has "located in the second document" "^$P/two-policies.yaml:26:[0-9]+: error: unknown syscall 'opne'"

# stdin
run_cmd sh -c '"$1" check - <"$2"' sh "$SYSCAGE" "$BAD/name-unknown.json"
[ "$RC" -eq 1 ] && ok "stdin: exit 1" || not_ok "stdin: exit 1 (exit $RC)"
err_has "stdin is named <stdin>" "^<stdin>:5:[0-9]+: error: unknown syscall"

# JSON output: parseable, with locations; nothing on stderr.
expect "json output" 1 "$SYSCAGE" check -o json "$P/good.json" "$BAD/conflicting-actions.json" "$P/two-policies.yaml"
if python3 - "$TMP/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is False and d["errors"] == 2, d
f = d["files"]
assert [x["valid"] for x in f] == [True, False, False], f
assert f[0]["diagnostics"] == [] and f[0]["profiles"] == 1
assert f[2]["profiles"] == 2
g = [x for x in f[1]["diagnostics"] if x["severity"] == "error"][0]  # after the implicit-set warning at 1:1
assert g["severity"] == "error" and g["line"] == 6 and g["column"] > 0, g
assert "SCMP_ACT_ALLOW at 5:" in g["message"], g
EOF
then ok "json: files, validity, locations"; else not_ok "json: files, validity, locations"; fi
[ -s "$TMP/err" ] && not_ok "json: stderr empty" || ok "json: stderr empty"
expect "json on a file that cannot be read" 1 "$SYSCAGE" check -o json "$TMP/nope.json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g=d["files"][0]["diagnostics"][0]; assert g["line"]==0 and "No such file" in g["message"]' "$TMP/out"; then
	ok "json: read errors are diagnostics too"
else
	not_ok "json: read errors are diagnostics too"
fi

# Docker's own default profile is valid (it is what RuntimeDefault is built from).
if [ -f "${SYSCAGE_SHARED:-}/data/docker-default.json" ]; then
	expect "docker-default.json is valid" 0 "$SYSCAGE" check "$SYSCAGE_SHARED/data/docker-default.json"
	if grep -q RuntimeDefault "$TMP/err"; then not_ok "docker-default: no RuntimeDefault warning"; else ok "docker-default: no RuntimeDefault warning"; fi
	for a in x86_64 aarch64 s390x ppc64le riscv64; do
		expect "docker-default.json is valid for $a" 0 "$SYSCAGE" check -q --arch $a "$SYSCAGE_SHARED/data/docker-default.json"
	done
else
	skip "docker-default.json: \$SYSCAGE_SHARED/data is not here"
fi

# Usage errors: exit 2.
expect "no file" 2 "$SYSCAGE" check
expect "bad option" 2 "$SYSCAGE" check --bogus "$P/good.json"
expect "bad output format" 2 "$SYSCAGE" check -o yaml "$P/good.json"
expect "bad arch" 2 "$SYSCAGE" check --arch vax "$P/good.json"
expect "help" 0 "$SYSCAGE" check --help
out_has "help has examples" "Examples:"
out_has "help documents --strict" "--strict"

# A conflict only where Docker's includes/excludes both hold is a warning: the engine resolves
# those first (podman's own default has one for setns and works, first rule winning).
cat >"$TMP/capconflict.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ERRNO",
 "syscalls": [
  {"names": ["setns", "read"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
  {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
expect "conflict under includes/excludes: a warning; unconditional: an error" 1 "$SYSCAGE" check "$TMP/capconflict.json"
err_has "setns conflict is a warning" "capconflict.json:4:[0-9]+: warning: 'setns' is SCMP_ACT_ERRNO .* includes/excludes hold"
err_has "read conflict is an error" "capconflict.json:5:[0-9]+: error: 'read' is SCMP_ACT_ERRNO"
if [ -r /usr/share/containers/seccomp.json ]; then
	expect "podman's own default passes check" 0 "$SYSCAGE" check /usr/share/containers/seccomp.json
else
	skip "podman's default: /usr/share/containers/seccomp.json not installed"
fi
# Profiles runc, podman and Docker load: a name that is no syscall on a listed arch is skipped
# there, so a warning; an error only under --strict; a name unknown everywhere stays an error
# (issue #15.9). The shapes of SPO's example SeccompProfiles and Chrome's profile.
cat >"$TMP/spo-vm86.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: profile-allow-vm86
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
    - action: SCMP_ACT_ALLOW
      names: [read, write, exit_group, vm86]
EOF
expect "SPO example: vm86 for x86_64 only is a warning" 0 "$SYSCAGE" check "$TMP/spo-vm86.yaml"
err_has "says it has no effect on x86_64" "spo-vm86.yaml:10:[0-9]+: warning: 'vm86' is not a syscall on x86_64 .*no effect"
expect "... an error with --strict" 1 "$SYSCAGE" check --strict "$TMP/spo-vm86.yaml"
cat >"$TMP/chrome.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ERRNO",
 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 "syscalls": [
  {"names": ["read", "ugetrlimit", "sync_file_range2"], "action": "SCMP_ACT_ALLOW"}]}
EOF
expect "Chrome's shape: ugetrlimit, sync_file_range2" 0 "$SYSCAGE" check "$TMP/chrome.json"
err_has "sync_file_range2: a warning naming the arches" "chrome.json:4:[0-9]+: warning: 'sync_file_range2' is not a syscall on x86, x86_64, x32"
err_has "ugetrlimit: a warning (it exists on x86)" "chrome.json:4:[0-9]+: warning: .*ugetrlimit.*x86_64, x32"
sed 's/"read"/"getppidd"/' "$TMP/chrome.json" >"$TMP/chrome-typo.json"
expect "a name unknown on every arch stays an error" 1 "$SYSCAGE" check "$TMP/chrome-typo.json"
err_has "with a suggestion" "error: unknown syscall 'getppidd'; did you mean getppid"
# SCMP_ACT_NOTIFY without a listener: those calls fail with ENOSYS; say so, for rules and for
# the default action (issue #16.13).
cat >"$TMP/notify-default.json" <<'EOF'
{"defaultAction": "SCMP_ACT_NOTIFY", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}
EOF
expect "defaultAction NOTIFY without listenerPath: a warning" 0 "$SYSCAGE" check "$TMP/notify-default.json"
err_has "says every unlisted call fails with ENOSYS" "notify-default.json:1:1: warning: defaultAction SCMP_ACT_NOTIFY without a listenerPath: .*ENOSYS"
expect "... an error with --strict" 1 "$SYSCAGE" check --strict "$TMP/notify-default.json"
sed 's/"defaultAction": "SCMP_ACT_NOTIFY",/"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "\/run\/sup.sock",/' \
	"$TMP/notify-default.json" >"$TMP/notify-listener.json"
expect "with a listenerPath" 0 "$SYSCAGE" check "$TMP/notify-listener.json"
if grep -q "NOTIFY" "$TMP/err"; then not_ok "with a listenerPath: no NOTIFY warning"; else ok "with a listenerPath: no NOTIFY warning"; fi
cat >"$TMP/notify-rule.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}
EOF
expect "a NOTIFY rule without listenerPath" 0 "$SYSCAGE" check "$TMP/notify-rule.json"
err_has "the rule's warning says ENOSYS" "notify-rule.json:3:[0-9]+: warning: SCMP_ACT_NOTIFY without a listenerPath: .*ENOSYS"
done_testing
