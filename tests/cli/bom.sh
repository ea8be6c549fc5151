#!/bin/bash
# Byte order marks (U+FEFF) in profiles and policies: read where Kubernetes' reader (kubectl)
# reads one, at a file's start and at a document's start right after its "---" line (policy
# files joined with cat, one saved by an editor with a mark), by convert, check, policy build
# and the agent alike; anywhere else in a key refused at its line:col with the mark named
# (the message read "unknown key 'apiVersion' ... did you mean 'apiVersion'?").
. "$(dirname "$0")/lib.sh"

BOM=$(printf '\357\273\277')
ka() { # NAME APP CALLS
	printf 'apiVersion: security.kubearmor.com/v1\nkind: KubeArmorSeccompPolicy\nmetadata:\n  name: %s\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: %s\n  seccomp:\n    arch: [x86_64]\n    syscalls: [%s]\n    action: Allow\n' "$@"
}
ka web web "read, write" >"$TMP/web.yaml"
ka db db "read, close" >"$TMP/db.yaml"
# Joined with cat, the second saved with a mark (12 lines each).
{ cat "$TMP/web.yaml"; echo ---; printf %s "$BOM"; cat "$TMP/db.yaml"; } >"$TMP/joined.yaml"
# The same with a comment between the "---" line and the mark: there go-yaml reads the mark
# as part of the line (a key, or the line's indentation a column off).
{ cat "$TMP/web.yaml"; echo ---; echo '# db'; printf %s "$BOM"; cat "$TMP/db.yaml"; } >"$TMP/late.yaml"

# --- check and convert
expect "check: a mark starting a later document" 0 "$SYSCAGE" check "$TMP/joined.yaml"
if grep -q "unknown key" "$TMP/err"; then not_ok "... no unknown key"; else ok "... no unknown key"; fi
{ echo ---; printf %s "$BOM"; cat "$TMP/db.yaml"; } >"$TMP/one.yaml"
expect "convert: a mark after the file's first \"---\" line" 0 "$SYSCAGE" convert "$TMP/one.yaml" -o "$TMP/one.json"
expect "... the same profile as without the mark" 0 "$SYSCAGE" convert "$TMP/db.yaml" -o "$TMP/db.json"
if cmp -s "$TMP/one.json" "$TMP/db.json"; then ok "... identical output"; else not_ok "... identical output"; fi
expect "merge: the joined file's two policies" 0 "$SYSCAGE" merge "$TMP/joined.yaml" -o "$TMP/merged.json"
json_check "... both policies' calls in the merge" "$TMP/merged.json" \
	"set(n for s in d['syscalls'] if s['action']=='SCMP_ACT_ALLOW' for n in s['names']) >= {'read','write','close'}"

expect "check: a mark after a comment line is refused" 1 "$SYSCAGE" check "$TMP/late.yaml"
err_has "... at its line:col, the mark named" "^$TMP/late.yaml:16:1: error: a byte order mark \(U\+FEFF\) before 'apiVersion': Kubernetes reads one only at the start of a file or of a document's text right after its \"---\" line; remove it"
if grep -q "$BOM" "$TMP/err"; then not_ok "... the mark itself not printed"; else ok "... the mark itself not printed"; fi
expect "convert: refused too, nothing written" 1 "$SYSCAGE" convert "$TMP/late.yaml" -o "$TMP/late.json"
[ ! -e "$TMP/late.json" ] && ok "... no output file" || not_ok "... no output file"
{ head -3 "$TMP/db.yaml"; printf '  %sname: db\n' "$BOM"; tail -n +5 "$TMP/db.yaml"; } >"$TMP/nested.yaml"
expect "a mark before a nested key" 1 "$SYSCAGE" check "$TMP/nested.yaml"
err_has "... refused at its line:col" "^$TMP/nested.yaml:4:3: error: a byte order mark \(U\+FEFF\) before 'name'"

# --- a mark at a file's start: YAML as before; JSON still read by JSON's rules (it was read
# as YAML: a tab in a string passed)
{ printf %s "$BOM"; cat "$TMP/db.yaml"; } >"$TMP/start.yaml"
expect "a mark starting a YAML file" 0 "$SYSCAGE" convert "$TMP/start.yaml" -o "$TMP/start.json"
if cmp -s "$TMP/start.json" "$TMP/db.json"; then ok "... identical output"; else not_ok "... identical output"; fi
printf '%s{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],\n "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}\n' "$BOM" >"$TMP/p.json"
expect "a mark starting a JSON file" 0 "$SYSCAGE" convert "$TMP/p.json"
printf '%s{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],\n "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "a\tb"}]}\n' "$BOM" >"$TMP/tab.json"
expect "JSON after a mark: a raw tab in a string is refused as without the mark" 1 "$SYSCAGE" check "$TMP/tab.json"
err_has "... JSON's syntax error" "^$TMP/tab.json:2:[0-9]+: error: syntax error: Invalid JSON unescaped character"

# --- policy build and the agent read the joined file as two policies
mkdir -p "$TMP/pol" "$TMP/kub"
cp "$TMP/joined.yaml" "$TMP/pol/all.yaml"
expect "policy build: both policies" 0 "$SYSCAGE" policy build "$TMP/pol" -o "$TMP/built"
[ -s "$TMP/built/shop/web.json" ] && [ -s "$TMP/built/shop/db.json" ] && ok "... a profile each" ||
	{ not_ok "... a profile each"; find "$TMP/built" | sed 's/^/# /'; }
printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: true\n' >"$TMP/kub/config.yaml"
agent() { "$SYSCAGE" agent --policies "$TMP/pol" --kubelet-root "$TMP/kub" --listen none --once --no-log-flag; }
expect "agent --once: the joined file installs both" 0 agent
err_has "... two policies, none rejected" "event=reconcile .*policies=2 installed=2 .*rejected=0"
ROOT=$TMP/kub/seccomp/syscage
if cmp -s "$ROOT/shop/db.json" "$TMP/built/shop/db.json"; then ok "... the marked one's profile as policy build's"; else not_ok "... the marked one's profile as policy build's"; fi
cp "$TMP/late.yaml" "$TMP/pol/all.yaml"
expect "agent --once: a mark after a comment line rejects the file" 1 agent
err_has "... its line:col and the mark named in the reject line" "event=reject file=$TMP/pol/all.yaml reason=parse msg=\"16:1: a byte order mark \(U\+FEFF\) before 'apiVersion'"
if grep -q "$BOM" "$TMP/err"; then not_ok "... the mark itself not logged"; else ok "... the mark itself not logged"; fi

done_testing
