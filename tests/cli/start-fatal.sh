#!/bin/bash
# A profile no container can start with (syscage/start-fatal.h): convert, merge, record, logs
# and check warn, naming the calls, the file and what to do, and still write it (a profile may be
# meant for something else than a container); audit-profile's deny list stays start-safe.
. "$(dirname "$0")/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/policies.sh"

W="no container can start under it"
ka allow shop web "read, write" Allow >"$TMP/allow.yaml"
ka block shop web "execve, ptrace" Block >"$TMP/block.yaml"
ka safe shop web "ptrace, mount" Block >"$TMP/safe.yaml"
# An allow-list with what runc needs: the runtime base, as `record --base runtime` adds it.
python3 - "$TMP/base.json" <<'P'
import json, sys
base = ["capget", "capset", "chdir", "close", "epoll_ctl", "epoll_pwait", "execve", "exit",
        "exit_group", "fchdir", "fcntl", "fstat", "futex", "getpid", "getppid", "gettid",
        "madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat", "prctl",
        "read", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid",
        "setgroups", "setresgid", "setresuid", "setuid", "sigaltstack", "tgkill", "write",
        "fstatfs", "getdents64", "getcwd"]
json.dump({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
           "syscalls": [{"names": base, "action": "SCMP_ACT_ALLOW"}]}, open(sys.argv[1], "w"))
P

# convert: a KubeArmor Allow list without execve, a Block of execve.
expect "convert an Allow list without execve: 0 (a warning, not an error)" 0 \
	"$SYSCAGE" convert "$TMP/allow.yaml" -o "$TMP/allow.json"
err_has "... names the file, the calls and says why" \
	"^syscage: warning: $TMP/allow.json denies execve, close, openat, fstatfs, getdents64, futex, rt_sigreturn: $W \(runc calls them after it loads the filter"
err_has "... and those fatal without noNewPrivileges apart" \
	"without noNewPrivileges \(allowPrivilegeEscalation: true\) also fstat, newfstatat, getcwd, chdir, setuid"
err_has "... says what to do" "allow them \(a recording made with \`syscage record --base runtime\` has what runc needs: merge it in\), or ignore this if the profile is not meant for a container$"
[ -s "$TMP/allow.json" ] && ok "... written" || not_ok "... written"
expect "convert a Block of execve to stdout: 0" 0 "$SYSCAGE" convert "$TMP/block.yaml"
err_has "... warns about execve alone" "^syscage: warning: the profile on standard output denies execve: $W .*allow it "
[ "$(grep -c . "$TMP/err")" = 1 ] && ok "... in one line" || not_ok "... in one line"
expect "convert a Block of what runc does not need: 0" 0 "$SYSCAGE" convert "$TMP/safe.yaml"
[ ! -s "$TMP/err" ] && ok "... no warning" || not_ok "... no warning ($(head -1 "$TMP/err"))"
expect "convert the runtime base allow-list: 0" 0 "$SYSCAGE" convert "$TMP/base.json"
[ ! -s "$TMP/err" ] && ok "... no warning" || not_ok "... no warning ($(head -1 "$TMP/err"))"
# Fatal only without noNewPrivileges: said so.
ka nosetuid shop web "setuid, setgid" Block >"$TMP/nosetuid.yaml"
expect "convert a Block of setuid: 0" 0 "$SYSCAGE" convert "$TMP/nosetuid.yaml" -o "$TMP/nosetuid.json"
err_has "... a container without noNewPrivileges cannot start" \
	"^syscage: warning: $TMP/nosetuid.json denies setuid, setgid: a container without noNewPrivileges \(allowPrivilegeEscalation: true; \`k8s bind\` sets it false\) cannot start under it"
# A conditional allow of execve is not an allow.
cat >"$TMP/cond.json" <<'J'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
 {"names": ["execve"], "action": "SCMP_ACT_ERRNO"},
 {"names": ["close"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]}]}
J
expect "convert a deny of execve and a deny of close for some arguments: 0" 0 "$SYSCAGE" convert "$TMP/cond.json"
err_has "... both named, the second with its kind" "denies execve, close \(denied for some arguments\): $W"

# merge: the deny of one input wins over the other's allow of execve.
expect "merge where a Block of execve wins over the base's allow: 0" 0 \
	"$SYSCAGE" merge "$TMP/base.json" "$TMP/block.yaml" -o "$TMP/merged.json"
err_has "... warns" "^syscage: warning: $TMP/merged.json denies execve: $W"
json_check "... written, execve denied" "$TMP/merged.json" \
	"any('execve' in r['names'] and r['action'] == 'SCMP_ACT_ERRNO' for r in d['syscalls'])"
expect "merge -q: 0" 0 "$SYSCAGE" merge -q "$TMP/base.json" "$TMP/block.yaml" -o "$TMP/merged.json"
[ ! -s "$TMP/err" ] && ok "... no warning with -q" || not_ok "... no warning with -q"
expect "merge of the base and a safe Block: 0" 0 "$SYSCAGE" merge "$TMP/base.json" "$TMP/safe.yaml" -o "$TMP/merged2.json"
[ ! -s "$TMP/err" ] && ok "... no warning" || not_ok "... no warning ($(head -1 "$TMP/err"))"

# check: a warning diagnostic (exit 0; --strict fails), in -o json too.
expect "check a Block of execve: 0" 0 "$SYSCAGE" check "$TMP/block.yaml"
err_has "... a warning at the document" "^$TMP/block.yaml:1:1: warning: the profile denies execve: $W"
expect "check --strict: 1" 1 "$SYSCAGE" check --strict "$TMP/block.yaml"
expect "check -o json: 0" 0 "$SYSCAGE" check -o json "$TMP/allow.yaml"
json_check "... the whole message, every call named" "$TMP/out" \
	"any('$W' in g['message'] and g['message'].count('prctl') == 1 and g['severity'] == 'warning' for g in d['files'][0]['diagnostics'])"
expect "check the runtime base: 0" 0 "$SYSCAGE" check "$TMP/base.json"
if grep -q "$W" "$TMP/err"; then not_ok "... no start-fatal warning"; else ok "... no start-fatal warning"; fi

# k8s bind: a workload is refused only for what its merged profile denies. An Allow list that
# misses what runc calls, merged with one that has it, starts (a merge allows what one allows).
mkdir -p "$TMP/pol"
ka small shop web "read, write" Allow >"$TMP/pol/small.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: "x:1"}]\n' >"$TMP/app.yaml"
expect "bind a workload whose only policy misses what runc needs: 1" 1 "$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$TMP/pol" -o "$TMP/bound.yaml"
err_has "... the calls fatal with noNewPrivileges (bind sets it), the policy" \
	"error: Deployment shop/web would be bound to a profile no container can start with \(syscage/shop/deployment_web.json\): it denies execve, close, openat, fstatfs, getdents64, futex, rt_sigreturn, which runc calls after it loads the filter; denied by KubeArmorSeccompPolicy small \([^)]*small.yaml\)"
[ ! -e "$TMP/bound.yaml" ] && ok "... nothing written" || not_ok "... nothing written"
python3 - "$TMP/base.json" "$TMP/pol/base.yaml" <<'P'
import json, sys
names = json.load(open(sys.argv[1]))["syscalls"][0]["names"]
open(sys.argv[2], "w").write("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\n"
    "metadata: {name: base, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n"
    "  seccomp: {arch: [x86_64], syscalls: [%s], action: Allow}\n" % ", ".join(names))
P
expect "... with a second policy that allows it: bound" 0 "$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$TMP/pol" -o "$TMP/bound.yaml"
grep -q "localhostProfile: syscage/shop/deployment_web.json" "$TMP/bound.yaml" && ok "... written" || not_ok "... written"
ka nosetuid shop web "setuid" Block >"$TMP/pol/nosetuid.yaml"
expect "... a Block of setuid (fatal only without noNewPrivileges, which bind sets): bound" 0 \
	"$SYSCAGE" k8s bind -f "$TMP/app.yaml" -p "$TMP/pol" -o "$TMP/bound.yaml"

# logs: a profile learned from a log without runc's calls; --base runtime adds them.
expect "logs kmsg.txt: 0" 0 "$SYSCAGE" logs "$SYSCAGE_SRCDIR/tests/data/logs/kmsg.txt" -o "$TMP/learned.json"
err_has "... warns, saying to learn again with --base runtime" \
	"^syscage: warning: $TMP/learned.json denies execve, close, fstatfs, getdents64: $W .*run it again with --base runtime"
expect "logs --base runtime: 0" 0 "$SYSCAGE" logs --base runtime "$SYSCAGE_SRCDIR/tests/data/logs/kmsg.txt" -o "$TMP/learned.json"
if grep -q "$W" "$TMP/err"; then not_ok "... no warning"; else ok "... no warning"; fi

# audit-profile: --deny-dangerous denies nothing runc needs.
expect "audit-profile --deny-dangerous: 0" 0 "$SYSCAGE" audit-profile --deny-dangerous -o "$TMP/audit.json"
if grep -q "$W" "$TMP/err"; then not_ok "... no start-fatal warning"; else ok "... no start-fatal warning"; fi
expect "... the file is start-safe for check too" 0 "$SYSCAGE" check "$TMP/audit.json"
if grep -q "$W" "$TMP/err"; then not_ok "... no warning from check"; else ok "... no warning from check"; fi

# record: a recording of /bin/true outside a container misses what runc calls; --base runtime
# has it.
if [ "$(id -u)" != 0 ]; then
	skip "record needs root (eBPF)"
else
	expect "record /bin/true: 0" 0 "$SYSCAGE" record -o "$TMP/true.json" -- /bin/true
	err_has "... warns, saying to record with --base runtime" \
		"^syscage: warning: $TMP/true.json denies .*fstatfs.*: $W .*; run it again with --base runtime, which adds what runc needs"
	expect "record --base runtime /bin/true: 0" 0 "$SYSCAGE" record --base runtime -o "$TMP/true-base.json" -- /bin/true
	if grep -q "$W" "$TMP/err"; then not_ok "... no warning"; else ok "... no warning"; fi
	expect "record --append to the first: 0" 0 "$SYSCAGE" record --append "$TMP/true.json" -- /bin/true
	err_has "... warns about the file appended to" "^syscage: warning: $TMP/true.json denies .*: $W"
fi
done_testing
