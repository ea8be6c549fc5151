# Sourced by the agent's CLI tests (after tests/cli/lib.sh): policies to write and profiles to
# read back.

ka() { # NAME NS APP CALLS ACTION: a KubeArmorSeccompPolicy selecting app=APP in NS
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  selector:\n    matchLabels:\n      app: %s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n    action: %s\n' "$@"
}

# act FILE NAME...: the action of each syscall in an installed OCI profile ("-": default).
act() {
	python3 - "$@" <<'P'
import json, sys
d = json.load(open(sys.argv[1]))
a = {}
for r in d.get("syscalls", []):
    for n in r["names"]:
        a[n] = r["action"].replace("SCMP_ACT_", "")
print(" ".join("%s=%s" % (n, a.get(n, "-")) for n in sys.argv[2:]))
P
}

# What runc calls after it loads a container's filter, with noNewPrivileges (start-fatal.h):
# an Allow list without them is refused by k8s bind, and the agent keeps a bound workload's
# good profile instead of one without them.
RUNC_CALLS='execve, close, write, openat, fstatfs, getdents64, futex, rt_sigreturn'
