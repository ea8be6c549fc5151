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
# ... and libmicrohttpd, which the agent loads when it listens, with what it links.
mhd=$(dirname "$(echo "$libs" | grep -m1 '/libc\.so\.')")/$(grep -aoE 'libmicrohttpd\.so\.[0-9]+' "$SYSCAGE" | head -1)
if [ -e "$mhd" ]; then
	libs=$({ echo "$libs"; echo "$mhd"; ldd "$mhd" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'; } | sort -u)
fi
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

# What is inside: the binary, each library at the path ldd gave, /etc/passwd; nothing else (the
# agent's HTTP endpoints, answering below, show that libmicrohttpd is there and loads).
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

# The DaemonSet as deploy/daemonset.yaml writes it, on podman: the init container's convert under
# the runtime's default profile, then the agent with the manifest's own args under its recorded
# profile, every capability dropped, a read-only root, no_new_privs, and the node's directories
# bind-mounted where the hostPaths put them. What the README promises must hold there.
if ! rt_need_podman; then
	skip "DaemonSet on podman: $RT_WHY"
elif ! python3 -c 'import yaml' 2>/dev/null || ! command -v curl >/dev/null || ! command -v nsenter >/dev/null; then
	skip "DaemonSet on podman: needs python3-yaml, curl and nsenter"
else
	python3 - "$SYSCAGE_SRCDIR/deploy/daemonset.yaml" >"$TMP/ds.args" <<'PY'
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
init, agent = pod["initContainers"][0], pod["containers"][0]
print(" ".join(init["args"]))
print(" ".join(agent["args"]))
PY
	read -r -a init_args < <(sed -n 1p "$TMP/ds.args")
	read -r -a agent_args < <(sed -n 2p "$TMP/ds.args")
	N="$TMP/node"
	mkdir -p "$N/kubelet/seccomp" "$N/syscage" "$N/policies" "$N/self"
	cp "$SYSCAGE_SRCDIR/deploy/policies/example.yaml" "$N/policies/"
	cp "$PROFILE" "$N/self/syscage-agent.json"
	printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: true\n' >"$N/kubelet/config.yaml"
	P=("${RT_PODMAN[@]}" run --pull never --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
		--cap-drop all --read-only --security-opt no-new-privileges --user 0:0)
	mkdir -p "$N/kubelet/seccomp/syscage/syscage-system"
	"${P[@]}" --rm -v "$N/kubelet/seccomp/syscage/syscage-system:/seccomp" -v "$N/self:/etc/syscage/self:ro" \
		"$IMG" "${init_args[@]}" >"$TMP/init.out" 2>&1
	rc=$?
	[ $rc = 0 ] && [ -s "$N/kubelet/seccomp/syscage/syscage-system/syscage-agent.json" ] &&
		ok "init container: the agent's profile installed (runtime default profile, no capabilities)" ||
		{ not_ok "init container (exit $rc)"; sed 's/^/# /' "$TMP/init.out" | head -5; }
	ds_run() { # NAME: start the agent container, print its host pid
		local name=$1 pid i
		"${P[@]}" -d --name "$(rt_cname "$name")" --security-opt "seccomp=$PROFILE" \
			-v "$N/policies:/etc/syscage/policies:ro" -v "$N/kubelet/seccomp:/var/lib/kubelet/seccomp" \
			-v "$N/syscage:/var/lib/syscage" -v "$N/kubelet/config.yaml:/var/lib/kubelet/config.yaml:ro" \
			"$IMG" "${agent_args[@]}" >/dev/null 2>"$TMP/ds-$name.err" || return 1
		rt_on_exit "${RT_PODMAN[*]} rm -f $(rt_cname "$name")"
		pid=$("${RT_PODMAN[@]}" inspect --format '{{.State.Pid}}' "$(rt_cname "$name")")
		for i in $(seq 100); do
			[ "$(nsenter -t "$pid" -n curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9402/readyz)" = 200 ] && break
			sleep 0.1
		done
		echo "$pid"
	}
	ds_get() { nsenter -t "$1" -n curl -s --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$2"; }
	if pid=$(ds_run ds) && [ -n "$pid" ] && [ "$pid" != 0 ]; then
		ds_get "$pid" 9402/readyz >"$TMP/out"
		out_has "agent: ready under its own profile, with the manifest's args" '^200$'
		ds_get "$pid" 9402/metrics >"$TMP/out"
		out_has "... syscage_kubelet_seccomp_default 1 (the mounted kubelet config)" '^syscage_kubelet_seccomp_default 1$'
		out_has "... syscage_seccomp_root_same_fs 1 (seccomp/ and config.yaml from one node filesystem)" '^syscage_seccomp_root_same_fs 1$'
		out_has "... syscage_bpf_available 0 (every capability dropped)" '^syscage_bpf_available 0$'
		out_has "... the example policy installed" '^syscage_profiles_installed [1-9]'
		ds_get "$pid" 9402/profiles >"$TMP/out"
		out_has "... /profiles is not on the metrics port" '^404$'
		ds_get "$pid" 9403/profiles >"$TMP/out"
		out_has "... /profiles on the pod's loopback, port 9403" '^200$'
		"${RT_PODMAN[@]}" logs "$(rt_cname ds)" >"$TMP/ds.log" 2>&1
		if grep -q 'level=error' "$TMP/ds.log"; then not_ok "... no error logged"; grep 'level=error' "$TMP/ds.log" | sed 's/^/# /' | head -5; else ok "... no error logged"; fi
		[ -n "$(find "$N/kubelet/seccomp/syscage" -name '*.json' ! -name index.json ! -name syscage-agent.json)" ] &&
			ok "... profiles land in the node's seccomp directory" || not_ok "... profiles on the node"
		"${RT_PODMAN[@]}" rm -f "$(rt_cname ds)" >/dev/null 2>&1
	else
		not_ok "agent container did not start: $(head -c 300 "$TMP/ds-ds.err")"
	fi
	# A node whose kubelet keeps its config elsewhere: FileOrCreate leaves an empty file.
	: >"$N/kubelet/config.yaml"
	if pid=$(ds_run ds-empty) && [ -n "$pid" ] && [ "$pid" != 0 ]; then
		ds_get "$pid" 9402/metrics >"$TMP/out"
		out_has "empty kubelet config: syscage_kubelet_seccomp_default -1 (unknown)" '^syscage_kubelet_seccomp_default -1$'
		"${RT_PODMAN[@]}" logs "$(rt_cname ds-empty)" >"$TMP/ds.log" 2>&1
		[ "$(grep -c 'no kubelet config at /var/lib/kubelet/config.yaml (the file is empty)' "$TMP/ds.log")" = 1 ] &&
			ok "... said once in the log" || { not_ok "... said once in the log"; grep preflight "$TMP/ds.log" | sed 's/^/# /'; }
		"${RT_PODMAN[@]}" rm -f "$(rt_cname ds-empty)" >/dev/null 2>&1
	else
		not_ok "agent container (empty config) did not start: $(head -c 300 "$TMP/ds-ds-empty.err")"
	fi
fi

done_testing
