#!/bin/bash
# syscage k8s bind puts its outputs in place all or nothing: when one cannot be put in place
# (a disk that fills while OUTDIR is made at the end, a target that refuses the rename), the
# files already replaced get their old content back, the directories it made go, and no temp
# file is left; the bindings file included.
. "$(dirname "$0")/lib.sh"
D=$SYSCAGE_SRCDIR/tests/data/k8s
P=$D/policies
[ "$(id -u)" -eq 0 ] || { skip "needs root (mounts a small tmpfs, sets the immutable flag)"; done_testing; exit; }
SMALL=$TMP/small
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>"$TMP/mount.err"; then
	skip "cannot mount a tmpfs here: $(head -1 "$TMP/mount.err")"
	done_testing
	exit
fi
trap 'chattr -i "$TMP"/old/*.yaml 2>/dev/null; umount -l "$SMALL" 2>/dev/null; rm -rf "$TMP"' EXIT

# A tree of three manifests, each a Deployment bound by the test policies and 400 KB of
# ConfigMap (1.2 MB in all: more than the small file system holds).
mkdir -p "$TMP/in"
for f in a b c; do
	python3 - "$TMP/in/$f.yaml" "$f" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%s\n  namespace: shop\n"
            "spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
            "      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n"
            "        image: web:1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n"
            "  namespace: shop\ndata:\n  blob: \"%s\"\n" % (sys.argv[2], "x" * 400000))
PY
done
# temps DIR: the temp files bind leaves below DIR (none, ever).
temps() { find "$1" -name '*.sctmp' 2>/dev/null | wc -l; }

# --- a disk that fills while the new OUTDIR is made and written ------------------------
expect "a full disk while OUTDIR is made: exit 1" 1 \
	"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$SMALL/out/tree" -q
err_has "the message names the file and says nothing was written" \
	"cannot write $SMALL/out/tree/.\.yaml: No space left on device; nothing was written"
[ ! -e "$SMALL/out" ] && ok "the directories it made are gone" ||
	not_ok "the directories it made are gone ($(cd "$SMALL" && find out | head -5 | tr '\n' ' '))"
[ "$(temps "$SMALL")" = 0 ] && ok "no temp file left" || not_ok "no temp file left ($(temps "$SMALL"))"

# --- the same tree with room: every file, no temp file ----------------------------------
expect "with room: exit 0" 0 "$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/res/tree" -q \
	--bindings "$TMP/res/bindings.yaml"
n=$(ls "$TMP/res/tree" | wc -l)
[ "$n" = 3 ] && ok "three outputs" || not_ok "three outputs ($n)"
[ "$(temps "$TMP/res")" = 0 ] && ok "no temp file left" || not_ok "no temp file left ($(temps "$TMP/res"))"

# --- a target that refuses the rename (immutable): the earlier ones are put back --------
mkdir -p "$TMP/old"
for f in a b c; do echo "old $f" >"$TMP/old/$f.yaml"; done
echo "old bindings" >"$TMP/old-bindings.yaml"
if ! chattr +i "$TMP/old/c.yaml" 2>"$TMP/chattr.err"; then
	skip "cannot set the immutable flag here: $(head -1 "$TMP/chattr.err")"
else
	expect "the third output cannot be replaced: exit 1" 1 \
		"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/old" -q --bindings "$TMP/old-bindings.yaml" --bindings-replace
	err_has "the message names it and says what was put back" \
		"cannot write $TMP/old/c.yaml: Operation not permitted; nothing was written \(the files already put in place were put back\)"
	chattr -i "$TMP/old/c.yaml"
	same=0
	for f in a b c; do [ "$(cat "$TMP/old/$f.yaml")" = "old $f" ] && same=$((same + 1)); done
	[ "$same" = 3 ] && ok "a.yaml and b.yaml have their old content back" ||
		not_ok "a.yaml and b.yaml have their old content back ($same of 3 old: $(head -c 40 "$TMP/old/a.yaml" | tr '\n' ' '))"
	[ "$(cat "$TMP/old-bindings.yaml")" = "old bindings" ] && ok "the bindings file has its old content back" ||
		not_ok "the bindings file has its old content back"
	[ "$(temps "$TMP/old") $(temps "$TMP")" = "0 0" ] && ok "no temp file left" ||
		not_ok "no temp file left ($(find "$TMP" -name '*.sctmp' | head -3))"
	# A new target among replaced ones: removed again.
	rm "$TMP/old/a.yaml"
	chattr +i "$TMP/old/c.yaml"
	expect "a new output before the refused one: exit 1" 1 \
		"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/old" -q
	chattr -i "$TMP/old/c.yaml"
	[ ! -e "$TMP/old/a.yaml" ] && [ "$(cat "$TMP/old/b.yaml")" = "old b" ] &&
		ok "the new one is removed, the replaced one put back" ||
		not_ok "the new one is removed, the replaced one put back"
fi

# --- an OUTDIR made for a bindings file that cannot be written goes again --------------
dd if=/dev/zero of="$SMALL/fill" bs=64k count=100 2>/dev/null # fills the small file system
expect "the bindings file does not fit: exit 1" 1 \
	"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/new/out" -q --bindings "$SMALL/bindings.yaml"
err_has "the message names the bindings file" "cannot write $SMALL/bindings.yaml: No space left on device"
[ ! -e "$TMP/new" ] && ok "OUTDIR and its parent made for it are gone" ||
	not_ok "OUTDIR and its parent made for it are gone"
[ "$(temps "$SMALL")" = 0 ] && ok "no temp file left" || not_ok "no temp file left"


# --- two outputs that are one file: refused before anything is renamed -----------------
# The tree has b.yaml, and the bindings file is asked for as OUTDIR/b.yaml: one would
# silently replace the other.
expect "the bindings file is also an output of the tree: exit 1" 1 \
	"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/clash/out" -q --bindings "$TMP/clash/out/b.yaml"
err_has "the message names both and says nothing was written" \
	"$TMP/clash/out/b.yaml and $TMP/clash/out/b.yaml are the same file: the output would replace the bindings; nothing was written"
[ ! -e "$TMP/clash" ] && ok "the directories it made are gone" || not_ok "the directories it made are gone"
echo "old out" >"$TMP/one.yaml"
expect "-o FILE and --bindings ./FILE (another spelling): exit 1" 1 \
	"$SYSCAGE" k8s bind -f "$TMP/in/a.yaml" -p "$P" -o "$TMP/one.yaml" -q --bindings "$TMP/./one.yaml"
err_has "... the same file" "are the same file"
[ "$(cat "$TMP/one.yaml")" = "old out" ] && ok "the file keeps its old content" ||
	not_ok "the file keeps its old content"
[ "$(temps "$TMP")" = 0 ] && ok "no temp file left" || not_ok "no temp file left ($(temps "$TMP"))"

# --- -o naming a directory with -f FILE ---------------------------------------------------
expect "-o DIR/ with -f FILE: exit 1" 1 "$SYSCAGE" k8s bind -f "$TMP/in/a.yaml" -p "$P" -o "$TMP/nodir/" -q
err_has "... says -o is a file there" "cannot write $TMP/nodir/: a path ending in .*/.* names a directory; with -f FILE, -o is the output file"

# --- a bind killed (kill -9) while it puts its outputs in place leaves its temp files, two of
# them holding the old content of the outputs it had exchanged; the next bind writing there
# removes them and says so, but never a running bind's. strace stops the first bind at its
# fourth renameat2 (a.yaml and b.yaml exchanged, c.yaml not yet).
# pid_state PID: the state letter of PID (empty when gone).
pid_state() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
if ! strace -f -o /dev/null true 2>"$TMP/strace.err"; then
	skip "cannot trace a process here (strace): $(head -1 "$TMP/strace.err")"
else
	K=$TMP/killed
	mkdir -p "$K"
	for f in a b c; do echo "old $f" >"$K/$f.yaml"; done
	strace -f -o /dev/null -e trace=renameat2 -e inject=renameat2:signal=SIGSTOP:when=4 \
		"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$K" -q 2>"$TMP/first.err" &
	TRACER=$!
	pid=
	for _ in $(seq 200); do
		t=$(ls -a "$K" | sed -n 's/^\.c\.yaml\.\([0-9]*\)\.0\.sctmp$/\1/p')
		[ -n "$t" ] && case "$(pid_state "$t")" in t | T) pid=$t && break ;; esac
		sleep 0.05
	done
	if [ -z "$pid" ]; then
		not_ok "the first bind stops at its fourth rename ($(ls -a "$K" | tr '\n' ' '))"
	else
		ok "the first bind stops at its fourth rename (pid $pid)"
		mine() { ls -a "$K" | grep -c "\.$pid\.0\.sctmp$"; }
		expect "a second bind into the same place while the first runs: exit 0" 0 \
			"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$K" -q
		[ "$(mine)" = 3 ] && ok "the running bind's temp files are left alone" ||
			not_ok "the running bind's temp files are left alone ($(mine) of 3)"
		if grep -q "removed" "$TMP/err"; then not_ok "nothing said of them"; else ok "nothing said of them"; fi
		kill -9 "$pid"
		wait "$TRACER"
		[ "$(mine)" = 3 ] && [ "$(cat "$K/.a.yaml.$pid.0.sctmp")" = "old a" ] &&
			ok "kill -9 leaves its temp files, a.yaml's old content in one" ||
			not_ok "kill -9 leaves its temp files, a.yaml's old content in one ($(mine))"
		expect "the next bind: exit 0" 0 "$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$K" -q
		[ "$(temps "$K")" = 0 ] && ok "... removes them" || not_ok "... removes them ($(temps "$K") left)"
		err_has "... and says which, of which process, and which outputs may be its" \
			"^syscage: warning: removed 3 temp files of an interrupted syscage run \(pid $pid, no longer running\): $K/\.a\.yaml\.$pid\.0\.sctmp, $K/\.b\.yaml\.$pid\.0\.sctmp, $K/\.c\.yaml\.$pid\.0\.sctmp; $K/a\.yaml, $K/b\.yaml, $K/c\.yaml may hold that run's output or what was there before it \(each file whole\)$"
		[ "$(grep -c . "$TMP/err")" = 1 ] && ok "... in one line" || not_ok "... in one line"
		n=0
		for f in a b c; do grep -q "name: web-$f" "$K/$f.yaml" && n=$((n + 1)); done
		[ "$n" = 3 ] && ok "every output is this bind's" || not_ok "every output is this bind's ($n of 3)"
	fi
	kill -9 "$TRACER" 2>/dev/null
	wait "$TRACER" 2>/dev/null

	# A PID in a temp file's name is judged by what runs under it now: gone, a zombie or
	# another program (the PID reused): removed; a process named syscage: left alone.
	cp "$(command -v sleep)" "$TMP/syscage"
	"$TMP/syscage" 60 &
	live=$!
	sleep 60 &
	other=$!
	# A child its parent (exec'd into sleep) never waits for: a zombie named syscage.
	sh -c '"$1" 0 & echo $! >"$2"; exec sleep 60' sh "$TMP/syscage" "$TMP/zombie.pid" &
	zparent=$!
	zombie=
	for _ in $(seq 100); do
		zombie=$(cat "$TMP/zombie.pid" 2>/dev/null)
		[ -n "$zombie" ] && [ "$(pid_state "$zombie")" = Z ] && break
		sleep 0.05
	done
	echo x >"$K/.a.yaml.$live.0.sctmp"
	echo x >"$K/.a.yaml.$other.0.sctmp"
	echo x >"$K/.b.yaml.$zombie.1.sctmp"
	echo x >"$K/.new.yaml.4194305.0.sctmp" # above any pid_max: gone
	echo x >"$K/.n
l.yaml.4194306.0.sctmp" # a line break in the name
	expect "a bind among temp files of other processes: exit 0" 0 "$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$K" -q
	left=$(cd "$K" && ls -a | grep sctmp | tr '\n' ' ')
	[ "$left" = ".a.yaml.$live.0.sctmp " ] && ok "only the live syscage's is left" ||
		not_ok "only the live syscage's is left ($left)"
	err_has "the reused PID's is said" "removed 1 temp file of an interrupted syscage run \(pid $other, no longer running\): $K/\.a\.yaml\.$other\.0\.sctmp; $K/a\.yaml may hold that run's output or what was there before it \(the file whole\)$"
	err_has "the zombie's is said" "\(pid $zombie, no longer running\): $K/\.b\.yaml\.$zombie\.1\.sctmp; $K/b\.yaml may"
	err_has "a temp file whose output does not exist names no output" "\(pid 4194305, no longer running\): $K/\.new\.yaml\.4194305\.0\.sctmp$"
	err_has "a line break in a name is written as \\x0a: one line" "\(pid 4194306, no longer running\): $K/\.n\\\\x0al\.yaml\.4194306\.0\.sctmp$"
	kill "$live" "$other" "$zparent" 2>/dev/null
	wait "$live" "$other" "$zparent" 2>/dev/null
fi

# --- a file system whose renameat2 knows no flags (NFS, some FUSE): plain renames, which
# cannot be undone; the message says which files stay replaced (seccomp answers renameat2
# EINVAL, as such a file system does).
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["renameat2"],"action":"SCMP_ACT_ERRNO","errnoRet":22}]}' >"$TMP/noflags.json"
if ! "$SYSCAGE" run -p "$TMP/noflags.json" -- true 2>"$TMP/run.err"; then
	skip "cannot run under a seccomp filter here: $(head -1 "$TMP/run.err")"
elif ! chattr +i "$TMP/old/c.yaml" 2>/dev/null; then
	skip "cannot set the immutable flag here"
else
	for f in a b; do echo "old $f" >"$TMP/old/$f.yaml"; done
	echo "old bindings" >"$TMP/old-bindings.yaml"
	expect "renames without flags, the third refused: exit 1" 1 "$SYSCAGE" run -p "$TMP/noflags.json" -- \
		"$SYSCAGE" k8s bind -f "$TMP/in" -p "$P" -o "$TMP/old" -q --bindings "$TMP/old-bindings.yaml" --bindings-replace
	chattr -i "$TMP/old/c.yaml"
	replaced=0
	for f in a b; do [ "$(cat "$TMP/old/$f.yaml")" != "old $f" ] && replaced=$((replaced + 1)); done
	[ "$replaced" = 2 ] && ok "a.yaml and b.yaml stay replaced (plain renames)" ||
		not_ok "a.yaml and b.yaml stay replaced ($replaced)"
	err_has "the message says so, not that they were put back" \
		"cannot write $TMP/old/c.yaml: Operation not permitted; 3 files \($TMP/old-bindings.yaml, ...\) already replaced could not be put back"
	if grep -q "were put back" "$TMP/err"; then not_ok "no claim that they were put back"; else ok "no claim that they were put back"; fi
fi

done_testing
