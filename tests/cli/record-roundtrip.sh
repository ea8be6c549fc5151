#!/bin/bash
# Round trip: record real programs, then run them under the recorded profile with
# `syscage run -p`: they must succeed with identical output. Workloads: a busybox applet
# pipeline, python3 -m http.server answering curl on 127.0.0.1, tar create + extract.
. "$(dirname "$0")/lib.sh"

have_run=1
if "$SYSCAGE" run --help 2>&1 | grep -Eqi "not (built|implemented)"; then
	have_run=0
fi

# The library's compiler + loader without the verb (tests/programs/enforce), when built.
ENFORCE="$(dirname "$SYSCAGE")/tests/programs/enforce"
[ -x "$ENFORCE" ] || ENFORCE=

BB=$(command -v busybox)
mkdir -p "$TMP/www" "$TMP/src/d"
echo "hello from syscage $$" >"$TMP/www/index.txt"
seq 1 500 >"$TMP/src/numbers"
head -c 20000 /dev/zero | tr '\0' 'x' >"$TMP/src/d/xs"

# Each workload: a shell snippet whose stdout is the output compared.
declare -A W
if [ -n "$BB" ]; then
	W[busybox]="$BB seq 1 300 | $BB grep 7 | $BB sort -r | $BB tr 7 s | $BB wc -l; $BB seq 1 50 | $BB awk '{s+=\$1} END {print s}'"
fi
if command -v python3 >/dev/null && command -v curl >/dev/null; then
	# The server binds port 0 and says which port it got: no clash with tests running beside.
	cat >"$TMP/serve.py" <<'PY'
import http.server, os, sys
s = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
	W[http]="cd '$TMP/www' && rm -f '$TMP/port' && { python3 '$TMP/serve.py' '$TMP/port' >/dev/null 2>&1 & srv=\$!; }; i=0; while [ ! -s '$TMP/port' ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done; curl -s --retry 5 --retry-connrefused http://127.0.0.1:\$(cat '$TMP/port')/index.txt; kill \$srv; wait \$srv 2>/dev/null; true"
fi
if command -v tar >/dev/null; then
	W[tar]="cd '$TMP' && rm -rf xo a.tar && tar -C src -cf a.tar . && mkdir xo && tar -C xo -xf a.tar && cd xo && find . -type f | sort | xargs md5sum"
fi

for name in busybox http tar; do
	if [ -z "${W[$name]:-}" ]; then
		skip "$name: program not installed"
		continue
	fi
	sh -c "${W[$name]}" >"$TMP/$name.plain" 2>/dev/null
	# What a workload calls can depend on timing (a server that is still starting, a child
	# already reaped): record it twice and merge, as a user learning a profile would.
	run_cmd "$SYSCAGE" record -o "$TMP/$name.json" -- sh -c "${W[$name]}"
	[ "$RC" -eq 0 ] && "$SYSCAGE" record --append "$TMP/$name.json" -- sh -c "${W[$name]}" >/dev/null 2>&1
	if [ "$RC" -eq 0 ] && [ -s "$TMP/$name.json" ]; then ok "$name: recorded ($(grep -o 'recorded with [a-zA-Z]*' "$TMP/err"))"
	else not_ok "$name: recorded (exit $RC)"; sed 's/^/# /' "$TMP/err" | head -5; continue; fi
	if cmp -s "$TMP/out" "$TMP/$name.plain" && [ -s "$TMP/out" ]; then ok "$name: output unchanged while recording"
	else not_ok "$name: output changed while recording"; diff "$TMP/$name.plain" "$TMP/out" | head -5 | sed 's/^/# /'; fi
	if [ -n "$ENFORCE" ]; then
		run_cmd timeout -k 5 60 "$ENFORCE" "$TMP/$name.json" sh -c "${W[$name]}"
		if [ "$RC" -eq 0 ] && cmp -s "$TMP/out" "$TMP/$name.plain"; then ok "$name: enforced by libsyscage's compiler + loader: identical output"
		else not_ok "$name: enforced by libsyscage (exit $RC)"; diff "$TMP/$name.plain" "$TMP/out" | head -5 | sed 's/^/# /'; sed 's/^/# err: /' "$TMP/err" | head -5; fi
	else
		skip "$name: enforce helper not built (no compile/filter modules)"
	fi
	if [ "$have_run" = 0 ]; then
		skip "$name: syscage run -p: 'syscage run' is not implemented in this build"
		continue
	fi
	run_cmd timeout -k 5 60 "$SYSCAGE" run -p "$TMP/$name.json" -- sh -c "${W[$name]}"
	if [ "$RC" -eq 0 ] && cmp -s "$TMP/out" "$TMP/$name.plain"; then ok "$name: runs under its recorded profile, identical output"
	else not_ok "$name: under its recorded profile (exit $RC)"; diff "$TMP/$name.plain" "$TMP/out" | head -5 | sed 's/^/# /'; sed 's/^/# err: /' "$TMP/err" | head -5; fi
done

# The profile really restricts: a syscall the workload never made is denied under it.
if [ -n "$BB" ] && [ -f "$TMP/busybox.json" ]; then
	if [ -n "$ENFORCE" ]; then
		run_cmd "$ENFORCE" "$TMP/busybox.json" "$BB" sh -c "$BB mkdir '$TMP/nope'"
		[ "$RC" -ne 0 ] && [ ! -d "$TMP/nope" ] && ok "enforce: busybox profile denies mkdir (never recorded)" ||
			not_ok "enforce: busybox profile denies mkdir (exit $RC)"
	fi
	if [ "$have_run" = 1 ]; then
		run_cmd "$SYSCAGE" run -p "$TMP/busybox.json" -- "$BB" sh -c "$BB mkdir '$TMP/nope'"
		[ "$RC" -ne 0 ] && [ ! -d "$TMP/nope" ] && ok "run: busybox profile denies mkdir (never recorded)" ||
			not_ok "run: busybox profile denies mkdir (exit $RC)"
	fi
fi
done_testing
