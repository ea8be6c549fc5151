#!/bin/bash
# syscage k8s bind and the files beside the policies: what it reads from the policies
# directory (a FIFO, socket or device under a policy's name is refused, saying what it is,
# without hanging) and the bindings file it writes there (another run's bindings are kept).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"

POL=$TMP/policies
mkdir -p "$POL" "$TMP/kubelet"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

dep() { # NAME NS APP
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s, namespace: %s}\nspec:\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers: [{name: c, image: "x:1"}]\n' "$@"
}
bind() { timeout 60 "$SYSCAGE" k8s bind -q "$@"; }

ka web shop web "read, $RUNC_CALLS" Allow >"$POL/web.yaml"
dep web shop web >"$TMP/web.yaml"

# ---- special files among the policies -------------------------------------------------------
# Before, each was skipped unsaid: a policy the user meant to give was dropped.
mkfifo "$POL/lone.yaml"
expect "a FIFO under a policy's name: refused (exit 1)" 1 bind -f "$TMP/web.yaml" -p "$POL" -o "$TMP/out.yaml"
err_has "named, and what it is" "$POL/lone.yaml: error: a FIFO, not a regular file: not read"
[ ! -e "$TMP/out.yaml" ] && ok "nothing written" || not_ok "nothing written"
rm "$POL/lone.yaml"
mkfifo "$TMP/pipe"
ln -s "$TMP/pipe" "$POL/pipe.yaml"
sleep 600 <>"$TMP/pipe" >/dev/null 2>&1 &
PIDS+=($!)
expect "a link to a held FIFO: refused, no hang" 1 bind -f "$TMP/web.yaml" -p "$POL" -o "$TMP/out.yaml"
err_has "the FIFO named" "$POL/pipe.yaml: error: a FIFO, not a regular file"
rm "$POL/pipe.yaml"
ln -s /dev/zero "$POL/zero.yaml"
expect "a link to /dev/zero: refused" 1 bind -f "$TMP/web.yaml" -p "$POL" -o "$TMP/out.yaml"
err_has "the device named" "$POL/zero.yaml: error: a character device, not a regular file"
rm "$POL/zero.yaml"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$POL/sock.yaml"
expect "a socket: refused" 1 bind -f "$TMP/web.yaml" -p "$POL" -o "$TMP/out.yaml"
err_has "the socket named" "$POL/sock.yaml: error: a socket, not a regular file"
rm "$POL/sock.yaml"
mkfifo "$POL/notes.txt"
expect "a FIFO under another name is no policy: ignored" 0 bind -f "$TMP/web.yaml" -p "$POL" -o "$TMP/out.yaml"
rm "$POL/notes.txt"

# ---- the bindings file: another run's bindings are kept ------------------------------------
# Before, a second run with the same --bindings FILE replaced the first one's bindings: the
# agent then kept their profiles only as unbound-kept, no longer updated.
ka api shop api "read, $RUNC_CALLS" Allow >"$POL/api.yaml"
ka pay billing pay "read, $RUNC_CALLS" Allow >"$POL/pay.yaml"
{ dep web shop web; echo ---; dep api shop api; } >"$TMP/shop.yaml"
dep pay billing pay >"$TMP/billing.yaml"
B=$POL/bindings.yaml
names() { sed -n 's/^  workload: {kind: \(.*\), name: \(.*\)}$/\1\/\2/p' "$B" | tr '\n' ' '; }
expect "bind shop" 0 bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$B" -o "$TMP/shop.out"
expect "bind billing with the same bindings file" 0 "$SYSCAGE" k8s bind -f "$TMP/billing.yaml" -p "$POL" --bindings "$B" -o "$TMP/billing.out"
got=$(names)
[ "$got" = "Deployment/pay Deployment/api Deployment/web " ] && ok "shop's bindings kept, billing's added, sorted ($got)" || not_ok "merged: $got"
err_has "the kept ones are counted, with the way out" "bindings.yaml: 2 bindings of workloads not in these manifests kept from its earlier runs \(--bindings-replace drops them\)"
cp "$B" "$TMP/merged.yaml"
expect "bind shop again" 0 bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$B" -o "$TMP/shop.out"
cmp -s "$B" "$TMP/merged.yaml" && ok "binding a run again changes nothing" || not_ok "binding a run again changes nothing"
expect "the agent reads the merged file" 0 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$TMP/kubelet" --listen none --once --no-log-flag
err_has "with all three bound" 'event=reconcile .* bindings=3 '

# A workload of this run that no policy selects any more: its binding goes, the others stay.
dep web shop web >"$TMP/shop2.yaml"
dep api shop other >>"$TMP/shop2.yaml"
sed -i '0,/^apiVersion/!{0,/^apiVersion/s/^apiVersion/---\napiVersion/}' "$TMP/shop2.yaml"
expect "bind shop with api unmatched" 0 bind -f "$TMP/shop2.yaml" -p "$POL" --bindings "$B" -o "$TMP/shop.out"
got=$(names)
[ "$got" = "Deployment/pay Deployment/web " ] && ok "api's binding is this run's: gone ($got)" || not_ok "api unbound: $got"

# The way out for a workload deleted from every manifest: --bindings-replace.
expect "bind billing, replacing the file" 0 bind -f "$TMP/billing.yaml" -p "$POL" --bindings "$B" --bindings-replace -o "$TMP/billing.out"
got=$(names)
[ "$got" = "Deployment/pay " ] && ok "--bindings-replace: this run's bindings only ($got)" || not_ok "replace: $got"
expect "--bindings-replace alone is a usage error" 2 "$SYSCAGE" k8s bind -f "$TMP/billing.yaml" -p "$POL" --bindings-replace -o "$TMP/billing.out"

# A bindings file that is not one, or is broken: an error, nothing written.
cp "$B" "$TMP/b.before"
O=$TMP/other-bindings.yaml
cp "$POL/web.yaml" "$O"
expect "a policy given as the bindings file: refused" 1 bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$O" -o "$TMP/x.out"
err_has "saying what it is and the way out" "other-bindings.yaml: error: not a bindings file: its first document is no SeccompBinding"
err_has "and what to do" "fix it, or pass --bindings-replace"
cmp -s "$O" "$POL/web.yaml" && [ ! -e "$TMP/x.out" ] && ok "nothing written" || not_ok "nothing written"
printf 'apiVersion: syscage.dev/v1alpha1\nkind: SeccompBinding\nmetadata: [\n' >"$O"
expect "a broken bindings file: refused" 1 bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$O" -o "$TMP/x.out"
err_has "at its line:col" "other-bindings.yaml:[0-9]+:[0-9]+: error"
expect "--bindings-replace writes it anew" 0 bind -f "$TMP/shop.yaml" -p "$POL" --bindings "$O" --bindings-replace -o "$TMP/x.out"
printf '# nothing yet\n' >"$O"
expect "a file of comments only: nothing to keep" 0 bind -f "$TMP/billing.yaml" -p "$POL" --bindings "$O" -o "$TMP/x.out"
grep -q 'kind: SeccompBinding' "$O" && ok "written" || not_ok "written"

# A kept binding on a path a workload of this run is bound to now (manifests copied with
# their profile): the agent would refuse one of the two, so bind does.
sed 's/name: pay/name: pay2/; s/localhostProfile: syscage\/billing\/deployment_pay2.json/localhostProfile: syscage\/billing\/deployment_pay.json/' "$B" >"$O"
expect "bind billing, whose path a kept binding names" 1 bind -f "$TMP/billing.yaml" -p "$POL" --bindings "$O" -o "$TMP/x.out"
err_has "the kept binding named at its place" "other-bindings.yaml:[0-9]+:[0-9]+: error: Deployment billing/pay2's binding, kept from an earlier run, names syscage/billing/deployment_pay.json, the path Deployment billing/pay"

done_testing
