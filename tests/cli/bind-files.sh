#!/bin/bash
# syscage k8s bind and the files beside the policies: what it reads from the policies
# directory (a FIFO, socket or device under a policy's name is refused, saying what it is,
# without hanging) and the bindings file it writes there (another run's bindings are kept).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/policies.sh"

POL=$TMP/policies
mkdir -p "$POL"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

dep() { # NAME NS APP
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s, namespace: %s}\nspec:\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers: [{name: c, image: "x:1"}]\n' "$@"
}
bind() { timeout 60 "$SYSCAGE" k8s bind -q "$@"; }

ka web shop web "read, write" Allow >"$POL/web.yaml"
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

done_testing
