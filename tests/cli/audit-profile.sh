#!/bin/bash
# syscage audit-profile: the seeds' audit.json, and the log-by-default profile that still
# denies the dangerous calls (seed 001's second example).
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	skip "python3 is needed to read the JSON profiles"
	done_testing
	exit
fi

expect "audit profile" 0 "$SYSCAGE" audit-profile
python3 -c '
import json,sys,platform
d=json.load(open(sys.argv[1]))
assert d["defaultAction"]=="SCMP_ACT_LOG", d
want={"x86_64":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
      "aarch64":["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]}.get(platform.machine())
assert want is None or d["architectures"]==want, d["architectures"]
assert not d.get("syscalls"), d
assert not d.get("flags"), d
' "$TMP/out" && ok "defaultAction LOG, native arch and its sub-arches, no rules" || not_ok "plain audit profile: $(cat "$TMP/out")"

expect "--arch aarch64" 0 "$SYSCAGE" audit-profile --arch aarch64 -o "$TMP/arm.json"
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["architectures"]==["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"], d
' "$TMP/arm.json" && ok "aarch64 + arm" || not_ok "aarch64 + arm"

expect "--deny-dangerous" 0 "$SYSCAGE" audit-profile --deny-dangerous -o "$TMP/safe.json"
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["defaultAction"]=="SCMP_ACT_LOG"
assert "SECCOMP_FILTER_FLAG_LOG" in d.get("flags",[]), d.get("flags")
deny=set()
for r in d["syscalls"]:
    assert r["action"]=="SCMP_ACT_ERRNO", r
    assert r.get("errnoRet")==1, r
    deny.update(r["names"])
for n in ["kexec_load","init_module","finit_module","bpf","ptrace","add_key","keyctl","mount",
          "unshare","setns","open_by_handle_at","userfaultfd","perf_event_open","reboot"]:
    assert n in deny, n
for n in ["read","write","execve","clone","openat","mmap","futex"]:
    assert n not in deny, n
' "$TMP/safe.json" && ok "dangerous calls get EPERM, and are logged" || not_ok "deny-dangerous: $(cat "$TMP/safe.json")"

# Every denied name is documented in --help, and is a syscall somewhere.
expect "--help" 0 "$SYSCAGE" audit-profile --help
cp "$TMP/out" "$TMP/help"
out_has "help has examples" "Examples:"
missing=""
for n in $(python3 -c 'import json,sys; [print(x) for r in json.load(open(sys.argv[1]))["syscalls"] for x in r["names"]]' "$TMP/safe.json"); do
	grep -qw -- "$n" "$TMP/help" || missing="$missing $n"
done
[ -z "$missing" ] && ok "every denied call is documented in --help" || not_ok "undocumented:$missing"

# The profile other verbs read back is the one we wrote.
if "$SYSCAGE" check --help 2>/dev/null | grep -q Examples; then
	expect "check accepts the deny-dangerous profile" 0 "$SYSCAGE" check "$TMP/safe.json"
else
	skip "'syscage check' is not in this build"
fi

expect "--format spo" 0 "$SYSCAGE" audit-profile --format spo --name audit
out_has "spo: SeccompProfile" "kind: SeccompProfile"
out_has "spo: LOG default" "defaultAction: SCMP_ACT_LOG"
expect "bad --format" 2 "$SYSCAGE" audit-profile --format xml
expect "bad --arch" 2 "$SYSCAGE" audit-profile --arch vax
expect "extra argument" 2 "$SYSCAGE" audit-profile foo
# Missing parent directories are created (the README's -o /var/lib/kubelet/seccomp/profiles/
# on a fresh node, issue #15.12); a path through a regular file still cannot be written.
expect "output into directories that do not exist yet" 0 "$SYSCAGE" audit-profile -o "$TMP/kubelet/seccomp/profiles/audit.json"
json_check "written there" "$TMP/kubelet/seccomp/profiles/audit.json" 'd["defaultAction"] == "SCMP_ACT_LOG"'
: >"$TMP/plain"
expect "unwritable output" 1 "$SYSCAGE" audit-profile -o "$TMP/plain/dir/audit.json"
err_has "unwritable output: says where" "$TMP/plain/dir/audit.json"
# Confined: a symlink where a directory is to be created is refused, never followed.
mkdir "$TMP/out"
ln -s "$TMP/elsewhere" "$TMP/out/link"
expect "a dangling symlink among the parents is refused" 1 "$SYSCAGE" audit-profile -o "$TMP/out/link/sub/audit.json"
[ ! -e "$TMP/elsewhere" ] && ok "nothing created through the symlink" || not_ok "nothing created through the symlink"
for verb in "bpf $SYSCAGE_SRCDIR/tests/regress/01-precedence.json" \
	"convert --to spo $SYSCAGE_SRCDIR/tests/regress/01-precedence.json" \
	"logs $SYSCAGE_SRCDIR/tests/data/logs/audit-enriched.log"; do
	# shellcheck disable=SC2086
	expect "${verb%% *} -o into a new directory" 0 "$SYSCAGE" $verb -o "$TMP/new-${verb%% *}/a/out"
	[ -f "$TMP/new-${verb%% *}/a/out" ] && [ -s "$TMP/new-${verb%% *}/a/out" ] && ok "${verb%% *}: file written" || not_ok "${verb%% *}: file written"
done
expect "logs -o DIR/ (several workloads) into a new directory" 0 "$SYSCAGE" logs "$SYSCAGE_SRCDIR/tests/data/logs/audit.log" -o "$TMP/new-dir/a/"
ls "$TMP/new-dir/a/"*.json >/dev/null 2>&1 && ok "one file per workload there" || not_ok "one file per workload there"

done_testing
