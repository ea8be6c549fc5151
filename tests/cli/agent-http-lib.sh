#!/bin/bash
# libmicrohttpd is loaded by the agent when it starts a listener, not linked: every other verb
# runs without it (and without its TLS stack's memory), and an agent that cannot load it says
# what to install or which flags to pass. The library is hidden by a bind mount of /dev/null in
# a private mount namespace.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { skip "needs root (a mount namespace)"; done_testing; exit; }
command -v unshare >/dev/null || { skip "unshare not installed"; done_testing; exit; }
POL=$TMP/policies
KUB=$TMP/kubelet
mkdir -p "$POL" "$KUB"

# tools/build-image puts the libraries the binary loads itself into the image; one the
# machine lacks is an error there, not an image whose agent fails only when it listens.
if ! command -v buildah >/dev/null; then
	skip "buildah not installed (tools/build-image)"
else
	printf '#!/bin/sh\n# dlopen("libsyscage-nosuchlib.so.9")\n' >"$TMP/fake-bin"
	chmod +x "$TMP/fake-bin"
	expect "build-image with a binary loading a library this machine lacks: exit 1" 1 \
		"$SYSCAGE_SRCDIR/tools/build-image" --name localhost/syscage-test-nolib:x "$TMP/fake-bin"
	err_has "... names it" "loads libsyscage-nosuchlib.so.9 at run time and this machine has no such library"
	if buildah --storage-driver vfs images --format '{{.Name}}' 2>/dev/null | grep -q syscage-test-nolib; then
		not_ok "... no image"
		buildah --storage-driver vfs rmi localhost/syscage-test-nolib:x >/dev/null 2>&1
	else
		ok "... no image"
	fi
fi

# The file an agent that listens has mapped.
"$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --kmsg "" --audit-log "" \
	--listen 127.0.0.1:0 --data-listen none 2>"$TMP/a.log" &
A=$!
trap 'kill -9 $A 2>/dev/null; rm -rf "$TMP"' EXIT
for i in $(seq 200); do grep -q 'event=listen ' "$TMP/a.log" && break; sleep 0.05; done
LIB=$(awk '/libmicrohttpd/ { print $6; exit }' "/proc/$A/maps")
kill $A 2>/dev/null
wait $A 2>/dev/null
if [ -z "$LIB" ]; then
	grep -q 'event=listen ' "$TMP/a.log" && skip "built without libmicrohttpd" ||
		not_ok "the agent listens ($(grep -m1 error "$TMP/a.log"))"
	done_testing
	exit
fi
ok "a listening agent has $LIB mapped"
if ! unshare -m true 2>"$TMP/unshare.err"; then
	skip "cannot make a mount namespace here: $(head -1 "$TMP/unshare.err")"
	done_testing
	exit
fi
hidden() { unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$LIB" "$@"; }

expect "without the library: syscalls runs" 0 hidden "$SYSCAGE" syscalls read
out_has "... and answers" '^0 +read$'
expect "without the library: check runs" 0 hidden "$SYSCAGE" check "$SYSCAGE_SRCDIR/examples/hello.json"
expect "without the library: the agent with --listen none --data-listen none reconciles" 0 \
	hidden "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --kmsg "" --audit-log "" \
	--listen none --data-listen none --once
expect "without the library: an agent that listens exits 1" 1 \
	hidden timeout 20 "$SYSCAGE" agent --policies "$POL" --kubelet-root "$KUB" --kmsg "" \
	--audit-log "" --listen 127.0.0.1:0 --data-listen none
err_has "... saying why, what to install and which flags run without it" \
	"event=listen-failed addr=127.0.0.1:0 err=\"[^\"]*libmicrohttpd[^\"]*: file too short\" msg=\"the HTTP endpoints need libmicrohttpd: install it \(Debian: libmicrohttpd12\), or run with --listen none --data-listen none\""
done_testing
