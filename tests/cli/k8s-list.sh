#!/bin/bash
# syscage k8s bind of a big List (what `kubectl get deploy -A -o yaml` prints: 6,000
# Deployments in one document, items before "kind: List"), read a range of items at a time:
# the bound List is, item by item, what binding the same objects as separate documents gives;
# --jobs 1 and --jobs 2, a file and stdin (the seeds' `kubectl get ... -o yaml | syscage k8s
# bind -f -`) give the same bytes (the documents too); an error in the 5,000th item is said at its line, and
# nothing is written.
. "$(dirname "$0")/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/policies.sh"
cd "$TMP" || exit 1

N=6000
mkdir pol
ka a0 ns0 a0 "read, $RUNC_CALLS" Allow >pol/a0.yaml
ka a1 ns0 a1 "read, $RUNC_CALLS" Allow >pol/a1.yaml
# a0 is selected by two policies: its own profile path, their merge
printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: some\n  namespace: ns0\nspec:\n  selector:\n    matchExpressions:\n    - {key: app, operator: In, values: [a0, a2]}\n  seccomp:\n    syscalls: [close, %s]\n    action: Allow\n' "$RUNC_CALLS" >pol/some.yaml

# items LIST DOCS [BAD]: the List (13 lines an item after 2 of header) and the same objects as
# documents; item BAD's first container privileged.
items() {
	awk -v n="$N" -v list="$1" -v docs="$2" -v bad="${3:-0}" 'BEGIN {
		print "apiVersion: v1\nitems:" > list
		for (i = 1; i <= n; i++) {
			t = sprintf("apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: w%05d\n    namespace: ns0\n  spec:\n    template:\n      metadata:\n        labels: {app: a%d}\n      spec:\n        containers:\n        - name: main\n          image: img:1\n", i, i % 4)
			if (i == bad)
				t = t "          securityContext: {privileged: true}\n"
			printf "- %s", t > list
			gsub(/\n  /, "\n", t)
			printf "---\n%s", t > docs
		}
		print "kind: List\nmetadata:\n  resourceVersion: \"\"" > list
	}'
}
items list.yaml docs.yaml
[ "$(wc -l <list.yaml)" -eq $((2 + 13 * N + 3)) ] && ok "a List of $N items" || not_ok "a List of $N items"

expect "bind the List" 0 "$SYSCAGE" k8s bind -f list.yaml -p pol -o bound.yaml
err_has "every workload counted" "^$N workloads in 1 file: 4500 bound, 1500 unmatched"
expect "bind the same objects as documents" 0 "$SYSCAGE" k8s bind -f docs.yaml -p pol -q -o bound-docs.yaml
# Each document's output indented as the List's items are: the List's output, line for line,
# between its header and its keys.
awk '/^---$/ { first = 1; next } { if (first) { print "- " $0; first = 0 } else if ($0 == "") print; else print "  " $0 }' \
	bound-docs.yaml >items.yaml
sed -e '1,2d' -e '/^kind: List$/,$d' bound.yaml >list-items.yaml
if [ -s items.yaml ] && cmp -s items.yaml list-items.yaml; then
	ok "the List's items bound as its objects are bound as documents"
else
	not_ok "the List's items bound as its objects are bound as documents"
	diff items.yaml list-items.yaml | head -10 | sed 's/^/# /'
fi
if [ "$(head -2 bound.yaml)" = "$(head -2 list.yaml)" ] && [ "$(tail -3 bound.yaml)" = "$(tail -3 list.yaml)" ]; then
	ok "the List's own keys are kept"
else
	not_ok "the List's own keys are kept"
fi

expect "--jobs 1" 0 "$SYSCAGE" k8s bind -f list.yaml -p pol -q --jobs 1 -o bound1.yaml
cmp -s bound.yaml bound1.yaml && ok "--jobs 1 and --jobs 2 give the same bytes" ||
	not_ok "--jobs 1 and --jobs 2 give the same bytes"
expect "--jobs 2" 0 "$SYSCAGE" k8s bind -f list.yaml -p pol -q --jobs 2 -o bound2.yaml
cmp -s bound.yaml bound2.yaml && ok "--jobs 2 gives the default's bytes" ||
	not_ok "--jobs 2 gives the default's bytes"

expect "the List from stdin" 0 sh -c "kubectl_get() { cat list.yaml; }; kubectl_get | \"$SYSCAGE\" k8s bind -f - -p pol -q --jobs 2"
cmp -s "$TMP/out" bound.yaml && ok "stdin gives the file's bytes" || not_ok "stdin gives the file's bytes"
expect "stdin, --jobs 1" 0 sh -c "\"$SYSCAGE\" k8s bind -f - -p pol -q --jobs 1 <list.yaml"
cmp -s "$TMP/out" bound.yaml && ok "stdin on one thread gives the file's bytes" ||
	not_ok "stdin on one thread gives the file's bytes"

# The documents (2.6 MiB) from stdin are read in pieces on two threads, as the file is.
expect "the documents from stdin" 0 sh -c "\"$SYSCAGE\" k8s bind -f - -p pol -q --jobs 2 <docs.yaml"
cmp -s "$TMP/out" bound-docs.yaml && ok "stdin gives the documents' file's bytes" ||
	not_ok "stdin gives the documents' file's bytes"

expect "binding the bound List again" 0 "$SYSCAGE" k8s bind -f bound.yaml -p pol -q -o again.yaml
cmp -s bound.yaml again.yaml && ok "binding it again changes nothing" || not_ok "binding it again changes nothing"

# An error in the 5,000th item: item i starts at line 3 + 13 (i - 1); its container at the
# item's 12th line, column 11.
items bad.yaml bad-docs.yaml 5000
line=$((3 + 13 * 4999 + 11))
for j in 1 2; do
	expect "an error in the 5,000th item (--jobs $j)" 1 "$SYSCAGE" k8s bind -f bad.yaml -p pol -q --jobs $j -o bad-out.yaml
	err_has "said at its line (--jobs $j)" "^bad.yaml:$line:11: error: Deployment ns0/w05000: container is privileged"
	[ ! -e bad-out.yaml ] && ok "nothing written (--jobs $j)" || not_ok "nothing written (--jobs $j)"
done
expect "the error from stdin" 1 sh -c "\"$SYSCAGE\" k8s bind -f - -p pol -q <bad.yaml"
err_has "said at its line in <stdin>" "^<stdin>:$line:11: error: Deployment ns0/w05000: container is privileged"
[ ! -s "$TMP/out" ] && ok "nothing written to stdout" || not_ok "nothing written to stdout"

# A duplicate key in the 5,000th item (the List is read whole to say it).
sed "$((3 + 13 * 4999 + 1))s/^  kind: Deployment$/  kind: Deployment\n  kind: Deployment/" list.yaml >dup.yaml
expect "a duplicate key in the 5,000th item" 1 "$SYSCAGE" k8s bind -f dup.yaml -p pol -q -o dup-out.yaml
err_has "said at its line" "^dup.yaml:$((3 + 13 * 4999 + 2)):3: error: duplicate key 'kind'"
[ ! -e dup-out.yaml ] && ok "nothing written" || not_ok "nothing written"

done_testing
