#!/bin/bash
# The container proof of `syscage inspect` (issue #9): real containers started by podman (runc)
# and containerd (ctr + runc), each under: no seccomp; the runtime's own default; a fine-grained
# profile; a profile with argument rules. For each:
#   inside   `syscage inspect` from the syscage test image: the right seccomp mode, probing
#            (it says so), the notify oracle at work;
#   node     `syscage inspect --pid HOSTPID --compare PROFILE`: the filter read and emulated
#            over every ABI and syscall equals what PROFILE means (podman's default is compared
#            with /usr/share/containers/seccomp.json; containerd's built-in default has no file:
#            it is compared with Docker's default and the differences are printed, not judged);
#   agree    the probe's seccomp refusals equal the exact list's non-ALLOW syscalls (x86_64,
#            zero arguments, the calls the probe made).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/runtimes.sh"

S=$SYSCAGE
DD="$SYSCAGE_SRCDIR/../shared/data/docker-default.json"
PODMAN_DEFAULT=/usr/share/containers/seccomp.json

if [ "$(id -u)" != 0 ] || ! grep -q '^Seccomp:[[:space:]]*0' /proc/self/status; then
	skip "needs root outside seccomp (reading a container's filter from the node)"
	done_testing
	exit
fi
if ! command -v jq >/dev/null; then
	skip "jq not installed"
	done_testing
	exit
fi
if [ ! -f "$DD" ]; then
	skip "$DD is missing"
	done_testing
	exit
fi

# Fine-grained: Docker's default where a few calls get their own actions (the names are taken
# out of the allow rules first: an unconditional allow would win over a later deny).
jq '.syscalls |= (map(.names -= ["mkdir", "mkdirat", "chmod", "fchmodat", "rmdir", "flock"]) |
	map(select((.names | length) > 0))) |
    .syscalls += [
	{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
	{"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
	{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]' "$DD" >"$TMP/fine.json"
# Argument rules: flock only with LOCK_EX (2), personality only PER_LINUX (Docker's own rule
# kept), and Docker's clone/socket rules.
jq '.syscalls += [{"names": ["flock"], "action": "SCMP_ACT_ALLOW",
	"args": [{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]' "$TMP/fine.json" >"$TMP/args.json"

# podman's own file, as it is (containers/common adds "defaultErrno" and "errno" names beside
# the numbers; the reader accepts them).
cp "$PODMAN_DEFAULT" "$TMP/podman-default.json"
# containerd 1.6 (`ctr run --seccomp-profile`) reads the file as an OCI LinuxSeccomp: Docker's
# archMap and includes/excludes are dropped, so only the native ABI is accepted and every rule
# applies whatever the capabilities. The profile as containerd applies it, for the equality
# check (the file itself is compared too, and must differ).
for f in fine args; do
	jq 'del(.archMap) | .syscalls |= map(del(.includes, .excludes))' "$TMP/$f.json" >"$TMP/$f-native.json"
done

# check_node ENGINE NAME PID PROFILE LABEL EXPECT_EQUAL: inspect from the node.
check_node() {
	local engine=$1 name=$2 pid=$3 prof=$4 label=$5 equal=$6
	expect "$label: --pid from the node" 0 "$S" inspect --pid "$pid" -o json
	cp "$TMP/out" "$TMP/$engine-$name.exact.json"
	jq -r '"# accepted ABIs: " + ([.blocked.exact.arches[] | select(.uniform | not) | .arch] | join(" ")) +
		"; argument checks on x86_64: " + ([.blocked.exact.arches[] | select(.arch == "x86_64") |
		.argument_checks[].syscall] | join(" "))' "$TMP/out"
	if jq -e '.blocked.method == "exact" and .seccomp.mode == "filter"' "$TMP/out" >/dev/null; then
		ok "$label: exact list read from the node"
	else
		not_ok "$label: exact list read from the node"
		jq -c .blocked.why "$TMP/out" | sed 's/^/# /'
	fi
	if jq -e --arg e "$engine" '.runtime.name | test(if $e == "ctr" then "containerd" else "podman" end)' \
		"$TMP/out" >/dev/null; then
		ok "$label: runtime named from the node"
	else
		not_ok "$label: runtime named from the node ($(jq -r .runtime.name "$TMP/out"))"
	fi
	local want=$prof extra=()
	# runc adds its ENOSYS stub only for the ABIs a profile lists; as containerd passes
	# none, there is none: compare without it.
	if [ "$engine" = ctr ] && [ -f "${prof%.json}-native.json" ]; then
		want="${prof%.json}-native.json"
		extra=(--no-enosys)
	fi
	run_cmd "$S" inspect --pid "$pid" --compare "$want" "${extra[@]}"
	prof_shown=$want
	if [ "$equal" = yes ]; then
		if [ "$RC" = 0 ] && grep -q '\[exact\]: equal' "$TMP/out"; then
			ok "$label: --compare $(basename "$prof_shown"): equal ($(grep -o '[0-9]* cases' "$TMP/out"))"
		else
			not_ok "$label: --compare $(basename "$prof_shown") (exit $RC)"
			sed -n '/^compare/,$p' "$TMP/out" | head -20 | sed 's/^/# /'
		fi
		grep '^  note:' "$TMP/out" | sed 's/^/# /'
		if [ "$engine" = ctr ] && [ -f "${prof%.json}-native.json" ]; then
			run_cmd "$S" inspect --pid "$pid" --compare "$prof" --no-enosys -o json
			if [ "$RC" = 1 ] && jq -e '[.compare.differences[] | select(.arch == "x86")] | length > 0' \
				"$TMP/out" >/dev/null && jq -e '[.compare.differences[] | select(.arch == "x86_64" and
				.syscall == "mount" and .running == "SCMP_ACT_ALLOW")] | length > 0' "$TMP/out" >/dev/null; then
				ok "$label: the file as Docker reads it differs (i386 killed, includes.caps ignored)"
			else
				not_ok "$label: the file as Docker reads it differs (exit $RC)"
				jq -c '.compare.differences[:5]' "$TMP/out" | sed 's/^/# /'
			fi
		fi
	else
		if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then
			ok "$label: --compare $(basename "$prof") ran (informational, exit $RC)"
		else
			not_ok "$label: --compare $(basename "$prof") (exit $RC)"
		fi
		sed -n '/^compare/,$p' "$TMP/out" | head -30 | sed 's/^/# /'
	fi
}

# check_inside ENGINE NAME SECCOMP LABEL: `syscage inspect` inside the container.
check_inside() {
	local engine=$1 name=$2 seccomp=$3 label=$4
	if ! rt_run "$engine" "$name-in" "$seccomp" "$RT_SYSCAGE_IMAGE" syscage inspect -o json; then
		skip "$label: $RT_WHY"
		return 1
	fi
	if [ "$RC" != 0 ]; then
		not_ok "$label: inspect inside (exit $RC)"
		head -5 "$TMP/err" | sed 's/^/# /'
		return 1
	fi
	cp "$TMP/out" "$TMP/$engine-$name.in.json"
	if [ "$seccomp" = unconfined ]; then
		if jq -e '.seccomp.mode == "disabled" and .blocked.method == "none"' "$TMP/out" >/dev/null; then
			ok "$label: inside: seccomp disabled, nothing blocked"
		else
			not_ok "$label: inside: seccomp disabled"
		fi
		# amicontained's false positives: probing an unconfined container, nothing is
		# seccomp's, yet EPERMs from capabilities and sysctls remain.
		if rt_run "$engine" "$name-probe" unconfined "$RT_SYSCAGE_IMAGE" syscage inspect --probe -o json &&
			[ "$RC" = 0 ] && jq -e '.blocked.probe.counts.seccomp == 0 and
			.blocked.probe.counts["kernel-permission"] > 0' "$TMP/out" >/dev/null; then
			ok "$label: --probe unconfined: no seccomp refusals, kernel refusals classified"
		else
			not_ok "$label: --probe unconfined (exit $RC)"
		fi
		jq -r '"# unconfined probe: amicontained would print Blocked Syscalls (" +
			(.blocked.probe.amicontained_count | tostring) + "); kernel-permission " +
			(.blocked.probe.counts["kernel-permission"] | tostring) + ": " +
			([.blocked.probe.syscalls[] | select(.class == "kernel-permission") | .syscall] | join(" "))' \
			"$TMP/out" 2>/dev/null
		return 0
	fi
	if jq -e '.seccomp.mode == "filter" and .blocked.method == "probe" and
		(.blocked.why | test("under seccomp")) and .blocked.probe.classifier == "notify-oracle"' \
		"$TMP/out" >/dev/null; then
		ok "$label: inside: probes, says why, notify oracle"
	else
		not_ok "$label: inside: probes, says why, notify oracle"
		jq -c '.blocked | {method, why, c: .probe.classifier, w: .probe.classifier_why}' "$TMP/out" | sed 's/^/# /'
	fi
	jq -r '"# inside: seccomp " + (.blocked.probe.counts.seccomp | tostring) + ", kernel " +
		(.blocked.probe.counts["kernel-permission"] | tostring) + ", amicontained " +
		(.blocked.probe.amicontained_count | tostring) + "; runtime " + .runtime.name' "$TMP/out"
}

# check_agree ENGINE NAME LABEL: probe (inside) and exact (node) agree on seccomp blocks.
check_agree() {
	local engine=$1 name=$2 label=$3 in="$TMP/$engine-$name.in.json" ex="$TMP/$engine-$name.exact.json"
	if [ ! -s "$in" ] || [ ! -s "$ex" ]; then
		skip "$label: probe/exact agreement (a side is missing)"
		return
	fi
	jq -r '.blocked.probe.syscalls[] | select(.class == "skipped" or .class == "unsure") | .syscall' \
		"$in" | sort >"$TMP/not-probed"
	jq -r '.blocked.probe.syscalls[] | select(.class == "seccomp") | .syscall' "$in" | sort >"$TMP/p"
	jq -r '.blocked.exact.arches[] | select(.arch == "x86_64") | .actions[] |
		select(.action | test("ALLOW|LOG|TRACE|NOTIFY") | not) | .syscalls[]' "$ex" | sort |
		comm -23 - "$TMP/not-probed" | grep -vxE 'uprobe|uretprobe' >"$TMP/e"
	if diff "$TMP/e" "$TMP/p" >"$TMP/d"; then
		ok "$label: probe agrees with exact on seccomp blocks ($(wc -l <"$TMP/e") syscalls)"
	else
		not_ok "$label: probe agrees with exact on seccomp blocks"
		head -20 "$TMP/d" | sed 's/^/# /'
	fi
}

scenario() {
	local engine=$1 name=$2 seccomp=$3 compare=$4 equal=$5 label="$1 $2" pid
	check_inside "$engine" "$name" "$seccomp" "$label"
	pid=$(rt_run_bg "$engine" "$name" "$seccomp" "$RT_SYSCAGE_IMAGE" sleep 300)
	if [ -z "$pid" ]; then
		skip "$label: $(rt_why)"
		return
	fi
	if [ "$seccomp" = unconfined ]; then
		expect "$label: --pid from the node" 0 "$S" inspect --pid "$pid" -o json
		if jq -e '.seccomp.mode == "disabled" and .namespaces.pid.state == "separate" and
			.namespaces.mnt.state != "host"' "$TMP/out" >/dev/null; then
			ok "$label: node view: no seccomp, own pid and mnt namespaces"
		else
			not_ok "$label: node view: no seccomp, own namespaces"
			jq -c '{s: .seccomp, n: .namespaces}' "$TMP/out" | sed 's/^/# /'
		fi
		expect "$label: --compare of an unconfined process finds differences" 1 \
			"$S" inspect --pid "$pid" --compare "$DD"
	else
		check_node "$engine" "$name" "$pid" "$compare" "$label" "$equal"
		check_agree "$engine" "$name" "$label"
	fi
	rt_stop "$engine" "$name" >/dev/null 2>&1
}

for engine in podman ctr; do
	if [ $engine = podman ]; then need=rt_need_podman; else need=rt_need_containerd; fi
	if ! $need || ! rt_image_syscage; then
		skip "$engine: $RT_WHY"
		continue
	fi
	scenario $engine unconfined unconfined "" yes
	if [ $engine = podman ]; then
		scenario podman default default "$TMP/podman-default.json" yes
	else
		# containerd's built-in default has no file: compare with Docker's, print, don't judge.
		scenario ctr default default "$DD" no
	fi
	scenario $engine fine "$TMP/fine.json" "$TMP/fine.json" yes
	scenario $engine args "$TMP/args.json" "$TMP/args.json" yes
	# Docker's clone rule depends on CAP_SYS_ADMIN (excludes.caps): containerd drops that and
	# applies the unconditional allow, so clone has no argument check there.
	if [ $engine = podman ]; then other=clone; else other=socket; fi
	if [ -s "$TMP/$engine-args.exact.json" ]; then
		if jq -e --arg o $other '[.blocked.exact.arches[] | select(.arch == "x86_64") |
			.argument_checks[].syscall] | index("flock") != null and index($o) != null' \
			"$TMP/$engine-args.exact.json" >/dev/null; then
			ok "$engine args: flock and $other listed as argument checks"
		else
			not_ok "$engine args: flock and $other listed as argument checks"
		fi
	else
		skip "$engine args: no exact list"
	fi
done

done_testing
