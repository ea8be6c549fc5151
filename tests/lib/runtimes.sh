# shellcheck shell=bash
# Container harness for tests that run real runtimes (podman + runc, containerd + runc).
# Source it after tests/cli/lib.sh. Every function returns non-zero and sets RT_WHY when the thing
# it needs is missing, so a test can `skip "$RT_WHY"` instead of passing vacuously.
#
#   rt_need_podman / rt_need_containerd   root, binaries, and a runtime that works here
#   rt_image_busybox                      localhost/syscage-test/busybox:1 (busybox-static + applets
#                                         + /etc/passwd), built once per run
#   rt_image_syscage                      localhost/syscage-test/syscage:1 from $SYSCAGE (the binary,
#                                         its shared libs and loader, busybox), built once per run
#   rt_image_busybox_with IMAGE SRC:DEST...   the busybox image plus files (static programs)
#   rt_containerd_start / rt_containerd_stop   a private containerd under $TMP
#   rt_ctr_import IMAGE                   put an image built by buildah into that containerd
#   rt_run ENGINE NAME SECCOMP IMAGE CMD...    foreground; output in $TMP/out, $TMP/err; sets RC
#   rt_run_bg ENGINE NAME SECCOMP IMAGE CMD... background; prints the host pid of the container init
#                                         (and sets RT_PID); on failure the reason is in `rt_why`
#   rt_state ENGINE NAME                  running | exited CODE | unknown
#   rt_pidof NAME                         the init's host pid, known even when the start failed
#   rt_stop ENGINE NAME
#   rt_logs ENGINE NAME                   what a background container printed
#   rt_cname NAME                         the engine's name for it (names get a per-run prefix)
#   rt_on_exit CMD                        run CMD at exit, before the harness cleans up
# ENGINE is podman or ctr. SECCOMP is "unconfined", "default" (the runtime's own default profile:
# /usr/share/containers/seccomp.json for podman, containerd's built-in one for ctr) or a profile path.
#
# Knobs (environment, read at each run): RT_NET=none (default; a private network namespace with
# only lo) or host; RT_NNP=1 (default; no_new_privs, as the kubelet sets for
# allowPrivilegeEscalation: false) or 0; RT_USER=UID[:GID] to run as that user; RT_ENV=("K=V" ...)
# extra environment. Both engines get the same settings, so results are comparable.
#
# Images are cached across runs in podman's storage, keyed by a hash of their inputs (a label), so
# concurrent test scripts and re-runs reuse them; the containerd side imports from an OCI archive
# written once per run. Everything started here is torn down by the EXIT trap, on failure too.

RT_WHY=
RT_NS=syscage-test
RT_BUSYBOX_IMAGE=localhost/syscage-test/busybox:1
RT_SYSCAGE_IMAGE=localhost/syscage-test/syscage:1
RT_SRCDIR=${SYSCAGE_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RT_PODMAN=(podman --runtime runc --storage-driver vfs)
RT_BUILDAH=(buildah --storage-driver vfs)
# State lives in files, not variables: rt_run_bg runs in $(...), a subshell.
RT_STATE="$TMP/rt-state"
RT_CTRD_DIR="$TMP/containerd"
RT_CTRD_SOCK="$RT_CTRD_DIR/sock"
RT_RUNID=$(basename "$TMP" | tr -dc 'a-zA-Z0-9' | tail -c 6)
RT_CLEANUP=()     # extra commands (strings) the trap runs first, see rt_on_exit
RT_PODMAN_OK=
RT_CTRD_OK=
RC=0
mkdir -p "$RT_STATE"
: >"$RT_STATE/started"
: >"$RT_STATE/imported"

# rt_cname NAME: the name the engine knows the container by. Podman's names are global to the
# host and other tests run at the same time, so every name gets this run's prefix.
rt_cname() { echo "sc-$RT_RUNID-$1"; }

rt__ctrd_pid() { cat "$RT_STATE/ctrd.pid" 2>/dev/null; }

# rt_on_exit CMD: run CMD (a string for eval) when the test exits, before the harness cleans up.
rt_on_exit() { RT_CLEANUP+=("$1"); }

rt__cleanup() {
	local c e n
	for c in "${RT_CLEANUP[@]}"; do
		eval "$c" >/dev/null 2>&1 || true
	done
	while read -r e n; do
		rt_stop "$e" "$n" >/dev/null 2>&1 || true
	done <"$RT_STATE/started"
	rt_containerd_stop >/dev/null 2>&1 || true
	# Leftover mounts (containerd's native snapshots are bind-free, but a killed daemon can leave
	# task rootfs mounts) must go before rm -rf, or rm would descend into a live mount.
	if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
		awk -v p="$TMP/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$TMP"
	fi
}
trap rt__cleanup EXIT
trap 'exit 130' INT TERM

rt__root() {
	if [ "$(id -u)" != 0 ]; then
		RT_WHY="needs root"
		return 1
	fi
}

rt__have() {
	local b
	for b in "$@"; do
		if ! command -v "$b" >/dev/null 2>&1; then
			RT_WHY="$b not installed (tools/install-deps installs it)"
			return 1
		fi
	done
}

rt_need_podman() {
	[ "$RT_PODMAN_OK" = yes ] && return 0
	[ "$RT_PODMAN_OK" = no ] && return 1
	RT_PODMAN_OK=no
	rt__root || return 1
	rt__have podman buildah runc busybox || return 1
	if ! "${RT_PODMAN[@]}" info >/dev/null 2>"$TMP/rt-podman-info.err"; then
		RT_WHY="podman does not work here: $(head -c 200 "$TMP/rt-podman-info.err")"
		return 1
	fi
	RT_PODMAN_OK=yes
}

rt_need_containerd() {
	[ "$RT_CTRD_OK" = yes ] && return 0
	[ "$RT_CTRD_OK" = no ] && return 1
	RT_CTRD_OK=no
	rt__root || return 1
	rt__have containerd ctr runc buildah busybox || return 1
	RT_CTRD_OK=yes
}

# rt__key FILE...: a short hash of the inputs of an image (contents + this harness).
rt__key() {
	cat "$@" "${BASH_SOURCE[0]}" "$RT_SRCDIR/tools/build-image" 2>/dev/null | sha256sum | cut -c1-16
}

# rt__image_fresh IMAGE KEY: the image exists and was built from the same inputs.
rt__image_fresh() {
	local have
	have=$("${RT_PODMAN[@]}" image inspect --format '{{index .Labels "org.syscage.test.key"}}' \
		"$1" 2>/dev/null) || return 1
	[ "$have" = "$2" ]
}

# rt__build IMAGE KEY BUILD-IMAGE-ARGS...: build IMAGE with tools/build-image, labelled with KEY,
# then drop the image it replaces (its name moved on; `podman rmi` refuses while a container
# still uses it), so the content-keyed cache does not pile up one image per build.
rt__build() {
	local img=$1 key=$2 old
	shift 2
	old=$("${RT_PODMAN[@]}" image inspect --format '{{.Id}}' "$img" 2>/dev/null) || old=
	if ! "$RT_SRCDIR/tools/build-image" --label "org.syscage.test.key=$key" --name "$img" "$@" \
		>"$TMP/rt-build.out" 2>&1; then
		RT_WHY="building $img failed: $(tail -n 3 "$TMP/rt-build.out" | tr '\n' ' ')"
		return 1
	fi
	[ -n "$old" ] && "${RT_PODMAN[@]}" rmi "$old" >/dev/null 2>&1
	return 0
}

rt_image_busybox() {
	local key
	rt__have buildah busybox || return 1
	key=$(rt__key /bin/busybox)
	rt__image_fresh "$RT_BUSYBOX_IMAGE" "$key" && return 0
	rt__build "$RT_BUSYBOX_IMAGE" "$key" --busybox-only
}

# rt_image_busybox_with IMAGE SRC:DEST...: the busybox image plus some files (static programs),
# cached like the others.
rt_image_busybox_with() {
	local img=$1 a key srcs=()
	shift
	rt__have buildah busybox || return 1
	for a in "$@"; do
		srcs+=("${a%%:*}")
	done
	key=$(rt__key /bin/busybox "${srcs[@]}"; printf '%s\n' "$@" | sha256sum | cut -c1-8)
	key=$(echo "$key" | tr -d '\n')
	rt__image_fresh "$img" "$key" && return 0
	local args=()
	for a in "$@"; do
		args+=(--add "$a")
	done
	rt__build "$img" "$key" --busybox-only "${args[@]}"
}

rt_image_syscage() {
	local key
	rt__have buildah busybox ldd || return 1
	key=$(rt__key "$SYSCAGE" /bin/busybox $(ldd "$SYSCAGE" | awk '/\//{ print ($3 ~ /^\//) ? $3 : $1 }'))
	rt__image_fresh "$RT_SYSCAGE_IMAGE" "$key" && return 0
	rt__build "$RT_SYSCAGE_IMAGE" "$key" --busybox "$SYSCAGE"
}

rt_containerd_start() {
	local i pid
	[ -n "$(rt__ctrd_pid)" ] && return 0
	rt_need_containerd || return 1
	mkdir -p "$RT_CTRD_DIR/root" "$RT_CTRD_DIR/state"
	# Only what the tests use: no CRI plugin (it wants CNI and a fixed socket), no TTRPC clash.
	cat >"$RT_CTRD_DIR/config.toml" <<EOF
version = 2
root = "$RT_CTRD_DIR/root"
state = "$RT_CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$RT_CTRD_SOCK"
[ttrpc]
  address = "$RT_CTRD_SOCK.ttrpc"
[debug]
  address = "$RT_CTRD_SOCK.debug"
[metrics]
  address = ""
EOF
	containerd --config "$RT_CTRD_DIR/config.toml" >"$RT_CTRD_DIR/log" 2>&1 &
	pid=$!
	echo "$pid" >"$RT_STATE/ctrd.pid"
	for i in $(seq 1 100); do
		if ctr -a "$RT_CTRD_SOCK" version >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	RT_WHY="containerd did not start: $(tail -n 3 "$RT_CTRD_DIR/log" | tr '\n' ' ')"
	rt_containerd_stop
	return 1
}

rt_containerd_stop() {
	local pid
	pid=$(rt__ctrd_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# containerd-shim-runc-v2 outlives the daemon by design; ours are the ones whose socket or
	# bundle lives in our state dir.
	local p
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $RT_CTRD_SOCK" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	rm -f "$RT_STATE/ctrd.pid"
	: >"$RT_STATE/imported"
}

rt__ctr() { ctr -a "$RT_CTRD_SOCK" -n "$RT_NS" "$@"; }

rt_ctr_import() {
	local img=$1 tar
	grep -qxF "$img" "$RT_STATE/imported" && return 0
	rt_containerd_start || return 1
	tar="$TMP/rt-image-$(echo "$img" | tr '/:' '__').tar"
	if [ ! -s "$tar" ]; then
		rm -f "$tar"
		if ! "${RT_BUILDAH[@]}" push -q "$img" "oci-archive:$tar:$img" >"$TMP/rt-push.err" 2>&1; then
			RT_WHY="buildah push $img failed: $(tail -n 2 "$TMP/rt-push.err" | tr '\n' ' ')"
			return 1
		fi
	fi
	if ! rt__ctr images import --snapshotter native "$tar" >"$TMP/rt-import.out" 2>&1; then
		RT_WHY="ctr images import $img failed: $(tail -n 2 "$TMP/rt-import.out" | tr '\n' ' ')"
		return 1
	fi
	echo "$img" >>"$RT_STATE/imported"
}

# rt__args ENGINE NAME SECCOMP: the engine's flags for the knobs above, into RT_ARGS.
rt__args() {
	local engine=$1 name=$2 seccomp=$3 e
	RT_ARGS=()
	case $engine in
	podman)
		RT_ARGS=(--name "$(rt_cname "$name")" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
			--network "${RT_NET:-none}" --pull never)
		case $seccomp in
		unconfined) RT_ARGS+=(--security-opt seccomp=unconfined) ;;
		default) ;;
		*) RT_ARGS+=(--security-opt "seccomp=$seccomp") ;;
		esac
		[ "${RT_NNP:-1}" = 1 ] && RT_ARGS+=(--security-opt no-new-privileges)
		[ -n "${RT_USER:-}" ] && RT_ARGS+=(--user "$RT_USER")
		for e in "${RT_ENV[@]}"; do RT_ARGS+=(--env "$e"); done
		;;
	ctr)
		RT_ARGS=(--snapshotter native)
		case $seccomp in
		unconfined) ;;
		default) RT_ARGS+=(--seccomp) ;;
		*) RT_ARGS+=(--seccomp --seccomp-profile "$seccomp") ;;
		esac
		[ "${RT_NET:-none}" = host ] && RT_ARGS+=(--net-host)
		[ "${RT_NNP:-1}" = 1 ] || RT_ARGS+=(--allow-new-privs)
		[ -n "${RT_USER:-}" ] && RT_ARGS+=(--user "$RT_USER")
		for e in "${RT_ENV[@]}"; do RT_ARGS+=(--env "$e"); done
		;;
	*)
		RT_WHY="unknown engine $engine"
		return 1
		;;
	esac
}

rt__ready() {
	case $1 in
	podman) rt_need_podman ;;
	ctr) rt_containerd_start ;;
	*) RT_WHY="unknown engine $1"; return 1 ;;
	esac
}

rt_run() {
	local engine=$1 name=$2 seccomp=$3 img=$4
	shift 4
	RC=125
	rt__ready "$engine" || return 1
	rt__args "$engine" "$name" "$seccomp" || return 1
	echo "$engine $name" >>"$RT_STATE/started"
	case $engine in
	podman)
		"${RT_PODMAN[@]}" run --rm "${RT_ARGS[@]}" "$img" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
		RC=$?
		;;
	ctr)
		rt_ctr_import "$img" || return 1
		rt__ctr run --rm "${RT_ARGS[@]}" "$img" "$(rt_cname "$name")" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
		RC=$?
		;;
	esac
	# --rm does not remove what failed to start; leave nothing behind either way.
	rt_stop "$engine" "$name" >/dev/null 2>&1
	return 0
}

rt__bg_fail() {
	RT_WHY=$1
	echo "$RT_WHY" >"$RT_STATE/why"
	return 1
}

# rt_why: the reason the last rt_run_bg failed (it usually runs in $(...), where RT_WHY is lost).
rt_why() { cat "$RT_STATE/why" 2>/dev/null; }

rt_run_bg() {
	local engine=$1 name=$2 seccomp=$3 img=$4 pid=''
	shift 4
	RT_PID=
	rm -f "$RT_STATE/why" "$TMP/rt-$name.pid"
	rt__ready "$engine" || { rt__bg_fail "$RT_WHY"; return 1; }
	rt__args "$engine" "$name" "$seccomp" || { rt__bg_fail "$RT_WHY"; return 1; }
	echo "$engine $name" >>"$RT_STATE/started"
	case $engine in
	podman)
		if ! "${RT_PODMAN[@]}" run -d --pidfile "$TMP/rt-$name.pid" "${RT_ARGS[@]}" "$img" "$@" \
			>"$TMP/rt-$name.id" \
			2>"$TMP/rt-$name.err" </dev/null; then
			rt__bg_fail "podman run failed: $(head -c 400 "$TMP/rt-$name.err" | tr '\n' ' ')"
			return 1
		fi
		pid=$("${RT_PODMAN[@]}" inspect --format '{{.State.Pid}}' "$(rt_cname "$name")" 2>/dev/null)
		;;
	ctr)
		rt_ctr_import "$img" || { rt__bg_fail "$RT_WHY"; return 1; }
		if ! rt__ctr run -d --pid-file "$TMP/rt-$name.pid" \
			--log-uri "file://$TMP/rt-$name.log" "${RT_ARGS[@]}" "$img" "$(rt_cname "$name")" "$@" \
			>"$TMP/rt-$name.id" 2>"$TMP/rt-$name.err" </dev/null; then
			rt__bg_fail "ctr run failed: $(head -c 400 "$TMP/rt-$name.err" | tr '\n' ' ')"
			return 1
		fi
		for _ in $(seq 1 50); do
			[ -s "$TMP/rt-$name.pid" ] && break
			sleep 0.1
		done
		pid=$(cat "$TMP/rt-$name.pid" 2>/dev/null)
		;;
	esac
	if [ -z "$pid" ] || [ "$pid" = 0 ]; then
		rt__bg_fail "$engine: container $name is not running: $(rt_logs "$engine" "$name" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	RT_PID=$pid
	echo "$pid"
}

# rt_pidof NAME: the host pid the runtime gave the container's init, also when it failed to start
# (runc creates the process, then the start fails): what kernel records of its death carry.
rt_pidof() { cat "$TMP/rt-$1.pid" 2>/dev/null; }

# rt_state ENGINE NAME: "running", or "exited CODE" / "unknown" for a background container.
rt_state() {
	local s c
	case $1 in
	podman)
		s=$("${RT_PODMAN[@]}" inspect --format '{{.State.Status}} {{.State.ExitCode}}' \
			"$(rt_cname "$2")" 2>/dev/null) || { echo unknown; return; }
		c=${s#* }
		s=${s%% *}
		if [ "$s" = running ]; then echo running; else echo "exited $c"; fi
		;;
	ctr)
		s=$(rt__ctr task ls 2>/dev/null | awk -v n="$(rt_cname "$2")" '$1 == n { print $3 }')
		case $s in
		RUNNING) echo running ;;
		STOPPED)
			c=$(rt__ctr task delete "$(rt_cname "$2")" 2>/dev/null | awk '{ print $NF }')
			echo "exited ${c:-unknown}"
			;;
		*) echo unknown ;;
		esac
		;;
	esac
}

# rt_logs ENGINE NAME: what a background container wrote (stdout and stderr).
rt_logs() {
	case $1 in
	podman) "${RT_PODMAN[@]}" logs "$(rt_cname "$2")" 2>&1 ;;
	ctr) cat "$TMP/rt-$2.log" 2>/dev/null ;;
	esac
}

rt_stop() {
	local engine=$1 name
	name=$(rt_cname "$2")
	case $engine in
	podman)
		"${RT_PODMAN[@]}" rm -f -t 0 "$name" >/dev/null 2>&1
		;;
	ctr)
		[ -n "$(rt__ctrd_pid)" ] || return 0
		rt__ctr task kill -s KILL "$name" >/dev/null 2>&1
		for _ in $(seq 1 30); do
			rt__ctr task delete "$name" >/dev/null 2>&1 && break
			rt__ctr task ls -q 2>/dev/null | grep -qx "$name" || break
			sleep 0.1
		done
		rt__ctr container delete "$name" >/dev/null 2>&1
		;;
	esac
	return 0
}
