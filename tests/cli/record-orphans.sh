#!/bin/bash
# syscage record and the processes a command leaves running (a daemon that forks and returns,
# a shell's '&'): they are recorded until they exit, so the profile does not break them under
# `syscage run`; --stop-at-exit stops at the command's exit and says what was missed; --pid
# follows the same way; --duration still ends it. The marker is syncfs (`sync -f`), made only
# by a process the command left behind, after the command exited.
. "$(dirname "$0")/lib.sh"

command -v sync >/dev/null && sync --help 2>&1 | grep -q -- '--file-system' || {
	skip "coreutils sync without -f (syncfs) here"
	done_testing
	exit
}

methods="ptrace"
if "$SYSCAGE" record --preflight >/dev/null 2>&1; then
	methods="ptrace ebpf"
else
	skip "eBPF recorder: $("$SYSCAGE" record --preflight 2>&1 | head -1)"
fi

has_call() { grep -q "\"$2\"" "$1"; }
# wait_file FILE: up to 10 s for a background process to write it.
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

for m in $methods; do
	p="$TMP/daemon-$m.json"
	w="(sleep 0.3; sync -f / && echo ok >'$TMP/done-$m') & exit 3"
	expect "$m: the command's exit status is passed through" 3 \
		"$SYSCAGE" record -m "$m" -o "$p" -- sh -c "$w"
	err_has "$m: says it records what the command left running" \
		"sh exited; recording the [0-9]+ process(es)? it left running"
	has_call "$p" syncfs && ok "$m: the call made after the command exited is in the profile" ||
		not_ok "$m: the call made after the command exited is in the profile"

	# Under that profile the same workload runs whole: the left-behind process's syncfs
	# is allowed (a profile that stopped at sh's exit kills or denies it).
	wait_file "$TMP/done-$m" || not_ok "$m: the recorded workload completed"
	rm -f "$TMP/done-$m"
	expect "$m: the workload runs under its recorded profile" 3 "$SYSCAGE" run -p "$p" -- sh -c "$w"
	wait_file "$TMP/done-$m" && ok "$m: the process it left running completes under the profile" ||
		not_ok "$m: the process it left running completes under the profile"

	p="$TMP/stop-$m.json"
	expect "$m: --stop-at-exit" 0 \
		"$SYSCAGE" record -m "$m" --stop-at-exit -o "$p" -- sh -c '(sleep 0.5; sync -f /) & exit 0'
	err_has "$m: --stop-at-exit says what the profile misses" \
		"[0-9]+ process(es)? sh started (was|were) still running when recording stopped"
	has_call "$p" syncfs && not_ok "$m: --stop-at-exit stops at the command's exit" ||
		ok "$m: --stop-at-exit stops at the command's exit"

	p="$TMP/dur-$m.json"
	expect "$m: --duration ends a wait for a process left running" 0 \
		"$SYSCAGE" record -m "$m" -d 400ms -o "$p" -- sh -c '(sleep 3; sync -f /) & exit 0'
	err_has "$m: and says it stopped before that process exited" "still running when recording stopped"
	has_call "$p" syncfs && not_ok "$m: nothing after --duration is recorded" ||
		ok "$m: nothing after --duration is recorded"

	# --pid: the process exits, its child goes on and is recorded. It waits 0.5 s first, so
	# the recording has started.
	p="$TMP/pid-$m.json"
	sh -c 'sleep 0.5; (sleep 0.3; sync -f /) & exit 0' &
	bg=$!
	expect "$m: --pid" 0 "$SYSCAGE" record -m "$m" --pid "$bg" -o "$p"
	has_call "$p" syncfs && ok "$m: --pid records the child it left running" ||
		not_ok "$m: --pid records the child it left running"
	wait
done
done_testing
