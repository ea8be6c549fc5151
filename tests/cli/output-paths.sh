#!/bin/bash
# -o with "." and ".." in it, through directories that exist or are made for it: every verb
# that writes a file resolves them as the shell would once the directories exist ("new/../x"
# is "x") and makes no directory the path only passes through; a path that names a directory
# ("new/..", "DIR/") says so.
. "$(dirname "$0")/lib.sh"
D=$SYSCAGE_SRCDIR/tests/data
cd "$TMP" || exit 1
echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}' >p.json

# made DESC PATH...: each PATH exists; NOTPATH...: after "--", none does.
made() {
	local desc=$1 missing=
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do [ -e "$1" ] || missing="$missing $1"; shift; done
	[ $# -gt 0 ] && shift
	for p in "$@"; do [ -e "$p" ] && missing="$missing (made: $p)"; done
	[ -z "$missing" ] && ok "$desc" || not_ok "$desc:$missing"
}

expect "convert -o a/../a/x.json, a missing: exit 0" 0 "$SYSCAGE" convert p.json -o a/../a/x.json
made "... writes a/x.json" a/x.json
mkdir e
expect "convert -o e/n/../../y.json: exit 0" 0 "$SYSCAGE" convert p.json -o e/n/../../y.json
made "... writes y.json beside e, e/n never made" y.json -- e/n
expect "convert -o e/c/./d/../z.json: exit 0" 0 "$SYSCAGE" convert p.json -o "$TMP/e/c/./d/../z.json"
made "... writes e/c/z.json, no e/c/d" e/c/z.json -- e/c/d
expect "merge -o m/n/../m.json: exit 0" 0 "$SYSCAGE" merge p.json p.json -o m/n/../m.json
made "... writes m/m.json" m/m.json -- m/n
expect "bpf -o b/../b/p.bin: exit 0" 0 "$SYSCAGE" bpf p.json -o b/../b/p.bin
made "... writes b/p.bin" b/p.bin
expect "export -o x/n/../u.conf: exit 0" 0 "$SYSCAGE" export --format systemd p.json -o x/n/../u.conf
made "... writes x/u.conf" x/u.conf -- x/n
expect "logs -o l/n/../l.json: exit 0" 0 "$SYSCAGE" logs "$D/logs/audit.log" --comm http-echo -o l/n/../l.json
made "... writes l/l.json" l/l.json -- l/n
expect "logs -o ld/n/../dir/ (a profile per workload): exit 0" 0 "$SYSCAGE" logs "$D/logs/audit.log" -o ld/n/../dir/
n=$(ls ld/dir 2>/dev/null | wc -l)
[ "$n" -ge 1 ] && ok "... writes into ld/dir" || not_ok "... writes into ld/dir ($(find ld | tr '\n' ' '))"
made "... no ld/n" -- ld/n

# k8s bind: one file, a tree, the bindings file; its directories are made at the end.
K=$D/k8s
expect "k8s bind -f FILE -o k/n/../k.yaml: exit 0" 0 \
	"$SYSCAGE" k8s bind -f "$K/manifests/multi.yaml" -p "$K/policies" -o k/n/../k.yaml -q
made "... writes k/k.yaml" k/k.yaml -- k/n
mkdir -p tin
cp "$K/manifests/multi.yaml" "$K/manifests/deploy.json" tin/
expect "k8s bind -f DIR -o t/n/../tree --bindings t/n/../../bind.yaml: exit 0" 0 \
	"$SYSCAGE" k8s bind -f tin -p "$K/policies" -o t/n/../tree --bindings t/n/../../bind.yaml -q
made "... writes t/tree/ and bind.yaml" t/tree/multi.yaml t/tree/deploy.json bind.yaml -- t/n
# Undone: a bindings file that cannot be replaced (immutable) takes back the tree's
# directories, those made and none else.
if [ "$(id -u)" -eq 0 ] && echo old >imm.yaml && chattr +i imm.yaml 2>/dev/null; then
	expect "k8s bind whose bindings file cannot be replaced: exit 1" 1 \
		"$SYSCAGE" k8s bind -f tin -p "$K/policies" -o u/v/n/../../w/tree --bindings imm.yaml -q
	chattr -i imm.yaml
	made "... the directories it made are gone" -- u
else
	skip "cannot set the immutable flag here (needs root)"
fi

# A path that names a directory, not a file in it.
expect "convert -o new/..: exit 1" 1 "$SYSCAGE" convert p.json -o new/..
err_has "... says it is a directory" "^syscage: error: cannot write new/\.\.: Is a directory$"
expect "convert -o new/: exit 1" 1 "$SYSCAGE" convert p.json -o new/
err_has "... says it is a directory" "^syscage: error: cannot write new/: Is a directory$"
expect "k8s bind -f FILE -o new/..: exit 1" 1 \
	"$SYSCAGE" k8s bind -f "$K/manifests/multi.yaml" -p "$K/policies" -o new/.. -q
err_has "... says -o is the output file" "cannot write new/\.\.: Is a directory; with -f FILE, -o is the output file"
made "nothing made for them" -- new

done_testing
