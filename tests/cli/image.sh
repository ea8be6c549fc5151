#!/bin/bash
# The agent's OCI image (tools/build-image, what `make image` runs): built from scratch with
# exactly the binary, the libraries ldd names, the loader and /etc/passwd; loaded into podman and
# into a private containerd; `syscage agent --help` run from it under the agent's own recorded
# profile (deploy/profiles/syscage-agent.json) with no_new_privs, as the DaemonSet runs it.
. "$SYSCAGE_SRCDIR/tests/cli/lib.sh"
. "$SYSCAGE_SRCDIR/tests/lib/runtimes.sh"
PROFILE="$SYSCAGE_SRCDIR/deploy/profiles/syscage-agent.json"
IMG=localhost/syscage-test/agent:1
B=(buildah --storage-driver vfs)

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (buildah, containers)"
	exit 0
fi
if ! command -v buildah >/dev/null || ! command -v ldd >/dev/null; then
	echo "1..0 # SKIP buildah not installed (tools/install-deps installs it)"
	exit 0
fi
if [ ! -s "$PROFILE" ]; then
	echo "1..0 # SKIP $PROFILE missing (tools/record-agent-profile writes it)"
	exit 0
fi

# The image, built once per content (binary, libraries, build script).
libs=$(ldd "$SYSCAGE" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
key=$(cat "$SYSCAGE" $libs "$SYSCAGE_SRCDIR/tools/build-image" | sha256sum | cut -c1-16)
if [ "$(podman --storage-driver vfs image inspect --format '{{index .Labels "org.syscage.test.key"}}' "$IMG" 2>/dev/null)" = "$key" ]; then
	ok "tools/build-image (cached: same binary and libraries)"
else
	prev=$(podman --storage-driver vfs image inspect --format '{{.Id}}' "$IMG" 2>/dev/null) || prev=
	expect "tools/build-image builds the image" 0 \
		"$SYSCAGE_SRCDIR/tools/build-image" --name "$IMG" --label "org.syscage.test.key=$key" "$SYSCAGE"
	out_is "it prints the image name" "$IMG"
	# The one it replaces is garbage now (refused while a container uses it).
	[ -n "$prev" ] && podman --storage-driver vfs rmi "$prev" >/dev/null 2>&1
fi

# What is inside: the binary, each library at the path ldd gave, /etc/passwd; nothing else.
c=$("${B[@]}" from --quiet --pull-never "$IMG" 2>"$TMP/from.err") || c=
if [ -n "$c" ]; then
	rt_on_exit "${B[*]} rm $c"
	m=$("${B[@]}" mount "$c")
	(cd "$m" && find . -type f -o -type l | sed 's|^\.||' | sort) >"$TMP/files"
	{
		echo /etc/passwd
		echo /usr/bin/syscage
		echo "$libs"
	} | sort -u >"$TMP/want"
	if diff "$TMP/want" "$TMP/files" >"$TMP/diff"; then
		ok "the image holds exactly the binary, its $(echo "$libs" | wc -l) libraries + loader, /etc/passwd"
	else
		not_ok "the image holds exactly the binary, its libraries, /etc/passwd"
		sed 's/^/# /' "$TMP/diff" | head -20
	fi
	if [ ! -e "$m/bin/sh" ] && [ ! -e "$m/usr/bin/sh" ]; then ok "no shell in the image"; else not_ok "no shell in the image"; fi
	echo "# image size: $(du -sk "$m" | cut -f1) KiB on disk"
	"${B[@]}" umount "$c" >/dev/null
else
	not_ok "buildah from $IMG: $(cat "$TMP/from.err")"
fi
run_cmd podman --storage-driver vfs image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}}' "$IMG"
out_is "entrypoint /usr/bin/syscage, default command agent --help, user 0" '["/usr/bin/syscage"] ["agent","--help"] 0:0'

# A profile the agent cannot live with (no write): proof that the filter is really in force.
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["syscalls"]:
    r["names"] = [n for n in r["names"] if n != "write"]
json.dump(p, open(sys.argv[2], "w"))' "$PROFILE" "$TMP/no-write.json"

for e in podman ctr; do
	if [ "$e" = podman ]; then
		if ! rt_need_podman; then skip "podman: $RT_WHY"; continue; fi
		cmd=(agent --help) # podman keeps the entrypoint and replaces the command
	else
		if ! rt_containerd_start; then skip "containerd: $RT_WHY"; continue; fi
		if rt_ctr_import "$IMG"; then ok "ctr images import $IMG"; else not_ok "ctr import: $RT_WHY"; continue; fi
		cmd=(/usr/bin/syscage agent --help) # ctr replaces the whole argv
	fi
	RT_NNP=1 rt_run "$e" agent-help "$PROFILE" "$IMG" "${cmd[@]}"
	if [ "$RC" = 0 ] && grep -q 'Usage: syscage agent' "$TMP/out"; then
		ok "$e: syscage agent --help runs from the image under syscage-agent.json"
	else
		not_ok "$e: syscage agent --help under syscage-agent.json (exit $RC)"
		sed 's/^/# /' "$TMP/err" | head -5
	fi
	# Without no_new_privs runc loads the filter earlier (before it drops capabilities and
	# switches user): the profile's runtime base must cover that path too.
	RT_NNP=0 rt_run "$e" agent-help "$PROFILE" "$IMG" "${cmd[@]}"
	if [ "$RC" = 0 ] && grep -q 'Usage: syscage agent' "$TMP/out"; then
		ok "$e: ... and without no_new_privs"
	else
		not_ok "$e: ... and without no_new_privs (exit $RC)"
		sed 's/^/# /' "$TMP/err" | head -5
	fi
	RT_NNP=1 rt_run "$e" agent-nowrite "$TMP/no-write.json" "$IMG" "${cmd[@]}"
	if ! grep -q 'Usage' "$TMP/out"; then
		ok "$e: the same profile without write silences it (the filter is in force)"
	else
		not_ok "$e: the same profile without write silences it"
	fi
done

done_testing
