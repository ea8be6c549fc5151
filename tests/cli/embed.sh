#!/bin/bash
# libsyscage as another C program uses it: installed with `meson install` (headers, the static
# library, syscage.pc), every public header compiles alone with nothing but the installed
# include directory, no internal header is installed, and tests/embed/embed.c builds with
# `pkg-config --cflags --libs --static syscage` and runs.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$SYSCAGE")
dest=$TMP/dest
if ! command -v pkg-config >/dev/null || ! command -v cc >/dev/null; then
	skip "pkg-config or cc missing (tools/install-deps installs them)"
	done_testing
	exit 0
fi
expect "meson install into a staging directory" 0 meson install -C "$build" --no-rebuild --destdir "$dest"
pc=$(find "$dest" -name syscage.pc | head -n 1)
if [ -n "$pc" ]; then ok "syscage.pc is installed"; else not_ok "syscage.pc is installed"; done_testing; exit 1; fi
incdir=$(find "$dest" -type d -path '*/include/syscage' | head -n 1)
incdir=${incdir%/syscage}
if [ -f "$incdir/syscage/version.h" ] && grep -q 'define SYSCAGE_VERSION_MAJOR [0-9]' "$incdir/syscage/version.h"; then
	ok "syscage/version.h is installed with the version"
else
	not_ok "syscage/version.h is installed with the version"
fi

internal=$(cd "$incdir/syscage" && ls | grep -E '^(macro|sc-cleanup|install|json|yaml|hash|prom|ytree|proc|follow|postree|manifest|index|binding-packed|runc-rules|record-backend|record-walk|agent|reconcile|reconcile-internal|http|metrics|kubelet)\.h$')
if [ -z "$internal" ]; then ok "no internal header is installed"; else not_ok "internal headers installed: $internal"; fi

bad=""
n=0
for h in "$incdir"/syscage/*.h; do
	n=$((n + 1))
	echo "#include <syscage/$(basename "$h")>" | cc -std=gnu11 -D_GNU_SOURCE -Wall -Werror -fsyntax-only \
		-nostdinc -isystem /usr/include -isystem "/usr/include/$(cc -print-multiarch)" \
		-isystem "$(cc -print-file-name=include)" -I"$incdir" -x c - 2>>"$TMP/hdr.err" || bad="$bad $(basename "$h")"
done
if [ -z "$bad" ] && [ "$n" -gt 20 ]; then ok "each of the $n public headers compiles alone"; else not_ok "headers that do not compile alone:$bad"; sed 's/^/# /' "$TMP/hdr.err" | head -20; fi

export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs --static syscage 2>"$TMP/pc.err")
if [ -n "$flags" ]; then ok "pkg-config resolves syscage and what it needs"; else not_ok "pkg-config syscage"; sed 's/^/# /' "$TMP/pc.err"; fi
san=()
[ "${SC_SANITIZE:-none}" != none ] && san=(-fsanitize="$SC_SANITIZE")
# shellcheck disable=SC2086
expect "an embedder's program builds against the installed library" 0 \
	cc -std=gnu11 -Wall -Werror "${san[@]}" -o "$TMP/embed" "$SYSCAGE_SRCDIR/tests/embed/embed.c" $flags
expect "and runs" 0 "$TMP/embed"
out_has "it reads, compiles and evaluates a profile" '^libsyscage [0-9]+\.[0-9]+\.[0-9]+: [0-9]+ instructions, write is SCMP_ACT_ALLOW$'
done_testing
