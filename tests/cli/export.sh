#!/bin/bash
# syscage export --format systemd: the drop-in's settings, what systemd cannot express,
# --strict, and `systemd-analyze verify` on the result where systemd is installed.
. "$(dirname "$0")/lib.sh"
D="$SYSCAGE_SRCDIR/tests/data/policies"

# verify_dropin FILE DESC: a tiny unit + FILE as its drop-in must load without warnings.
verify_dropin() {
	local file=$1 desc=$2 u="$TMP/units"
	if ! command -v systemd-analyze >/dev/null; then
		skip "$desc (systemd-analyze is not installed)"
		return
	fi
	rm -rf "$u" && mkdir -p "$u/syscage-test.service.d"
	printf '[Unit]\nDescription=syscage export test\n[Service]\nExecStart=/bin/true\n' >"$u/syscage-test.service"
	cp "$file" "$u/syscage-test.service.d/syscage-seccomp.conf"
	SYSTEMD_UNIT_PATH="$u:" systemd-analyze verify "$u/syscage-test.service" >"$TMP/verify.out" 2>&1
	local rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q "syscage-seccomp.conf" "$TMP/verify.out"; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc)"
		sed 's/^/# verify: /' "$TMP/verify.out" | head -20
	fi
}

# The harness itself must catch a bad drop-in, or the verify tests prove nothing.
printf '[Service]\nSystemCallArchitectures=vax\nSystemCallFilter=~nosuchcall\n' >"$TMP/bad.conf"
if command -v systemd-analyze >/dev/null; then
	(verify_dropin "$TMP/bad.conf" "bad drop-in") >"$TMP/tap" 2>&1
	grep -q "^not ok" "$TMP/tap" && ok "verify harness rejects a bad drop-in" || not_ok "verify harness rejects a bad drop-in"
else
	skip "verify harness (systemd-analyze is not installed)"
fi

# Allow-list: seed 003's merged profile.
"$SYSCAGE" merge -q "$D/seed/kscmp1.yaml" "$D/seed/kscmp2.yaml" -o "$TMP/m.json"
expect "export allow-list" 0 "$SYSCAGE" export --format systemd "$TMP/m.json" --unit wordpress -o "$TMP/allow.conf"
cp "$TMP/allow.conf" "$TMP/out"
out_has "[Service] section" "^\[Service\]$"
out_has "NoNewPrivileges" "^NoNewPrivileges=yes$"
out_has "allow-list of ALLOW names" "^SystemCallFilter=close read$"
out_has "default errno as a name" "^SystemCallErrorNumber=EPERM$"
out_has "systemd arch names" "^SystemCallArchitectures=x86-64 x86 x32$"
out_has "install hint names the unit" "wordpress.service.d/"
out_has "lists @default syscalls it denies" "^#   - systemd always allows its @default set"
verify_dropin "$TMP/allow.conf" "systemd-analyze verify: allow-list drop-in"
expect "--strict refuses the @default difference" 1 "$SYSCAGE" export --format systemd --strict "$TMP/m.json" -o "$TMP/strict.conf"
err_has "strict names the difference" "@default"
[ ! -e "$TMP/strict.conf" ] && ok "nothing written under --strict" || not_ok "nothing written under --strict"

# Deny-list with per-syscall errno, kill, LOG, an arg condition, an unknown arch name.
cat >"$TMP/deny.json" <<'J'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_SHEB"],
 "syscalls": [
  {"names": ["ptrace", "kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
  {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
  {"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"},
  {"names": ["swapon"], "action": "SCMP_ACT_KILL_THREAD"},
  {"names": ["execve"], "action": "SCMP_ACT_LOG"},
  {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
 ]}
J
expect "export deny-list" 0 "$SYSCAGE" export --format systemd "$TMP/deny.json"
cp "$TMP/out" "$TMP/deny.conf"
out_has "deny-list with ~" "^SystemCallFilter=~"
out_has "per-syscall errno" "mount:EACCES"
out_has "common errno is bare" "SystemCallFilter=~.*kexec_load( |$)"
out_has "common errno" "^SystemCallErrorNumber=EPERM$"
out_has "KILL_PROCESS -> :kill" "reboot:kill"
out_has "arg-conditional deny is listed (fail closed)" "personality"
out_has "comment: argument conditions" "#   - personality: denied only for some arguments"
out_has "comment: KILL_THREAD" "#   - swapon: SCMP_ACT_KILL_THREAD has no systemd equivalent"
out_has "comment: unknown arch" "#   - architecture SCMP_ARCH_SHEB"
out_has "LOG rule -> SystemCallLog" "^SystemCallLog=execve$"
out_has "arches without sheb" "^SystemCallArchitectures=x86-64 arm64$"
err_has "stderr says differences are listed" "note: 3 differences"
verify_dropin "$TMP/deny.conf" "systemd-analyze verify: deny-list drop-in"
expect "--strict refuses arg conditions" 1 "$SYSCAGE" export --format systemd --strict "$TMP/deny.json"
err_has "strict error names personality" "error: systemd: personality"

# A profile systemd expresses exactly: --strict writes it.
cat >"$TMP/exact.json" <<'J'
{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["ptrace", "process_vm_readv"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
J
expect "--strict accepts an exact profile" 0 "$SYSCAGE" export --format systemd --strict "$TMP/exact.json" -o "$TMP/exact.conf"
cp "$TMP/exact.conf" "$TMP/out"
out_has "exact deny-list" "^SystemCallFilter=~process_vm_readv ptrace$"
if grep -q "cannot express" "$TMP/exact.conf"; then not_ok "no difference block"; else ok "no difference block"; fi
verify_dropin "$TMP/exact.conf" "systemd-analyze verify: exact drop-in"

# Allow-list with a per-rule errno and a conditional allow; KubeArmor policy input.
cat >"$TMP/mixed.json" <<'J'
{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
 "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
              {"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
              {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
J
expect "export mixed allow-list" 0 "$SYSCAGE" export --format systemd "$TMP/mixed.json"
cp "$TMP/out" "$TMP/mixed.conf"
out_has "ENOSYS default" "^SystemCallErrorNumber=ENOSYS$"
out_has "native arch when none listed" "^SystemCallArchitectures=native$"
out_has "per-rule errno noted" "openat: SCMP_ACT_ERRNO\(EACCES\) differs from the default"
out_has "conditional allow left out" "socket: allowed only for some arguments"
if grep -q "^SystemCallFilter=.*socket" "$TMP/mixed.conf"; then not_ok "socket not allowed"; else ok "socket not allowed"; fi
verify_dropin "$TMP/mixed.conf" "systemd-analyze verify: mixed drop-in"
expect "KubeArmor policy file (two documents) exports" 0 "$SYSCAGE" export --format systemd "$D/seed/kscmp1.yaml"
out_has "kscmp1 allows close read write" "^SystemCallFilter=close read write$"

# usage
expect "missing --format" 2 "$SYSCAGE" export "$TMP/m.json"
expect "unknown format" 2 "$SYSCAGE" export --format upstart "$TMP/m.json"
expect "bad unit name" 2 "$SYSCAGE" export --format systemd --unit a/b "$TMP/m.json"
expect "missing profile" 1 "$SYSCAGE" export --format systemd "$TMP/none.json"
expect "help" 0 "$SYSCAGE" export --help
out_has "help has examples" "Examples:"
done_testing
