#!/bin/bash
# Bad input, table-driven: every malformed profile must get exactly one clear message line
# with FILE:LINE:COL where the input has a location, a non-zero exit, no crash (this suite
# also runs under ASan/UBSan), and `convert -o OUT` must leave no OUT and no temp file behind.
# Fixtures are in tests/data/bad/; big, binary and special inputs are made here in $TMP.
. "$(dirname "$0")/lib.sh"

BAD=$SYSCAGE_SRCDIR/tests/data/bad
GEN=$TMP/gen
mkdir -p "$GEN"

# --- inputs made at test time -------------------------------------------------------------
# 50 MB: a well-formed profile whose comment is huge; no profile is that big.
{
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],\n'
	printf ' "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "'
	head -c 52428800 /dev/zero | tr '\0' 'A'
	printf '"}]}\n'
} >"$GEN/big-50mb.json"
# 10000 levels of nesting, as lists and as mappings.
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$GEN/deep-lists.json"
python3 -c 'print("{\"syscalls\": " * 10000 + "1" + "}" * 10000)' >"$GEN/deep-maps.json"
# Invalid UTF-8 in a string on line 3.
printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "comment": "caf\xc3\x28 \xff",\n  "architectures": ["SCMP_ARCH_X86_64"]\n}\n' >"$GEN/invalid-utf8.json"
# An overlong UTF-8 encoding of '/' (0xc0 0xaf) in a syscall name.
printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "architectures": ["SCMP_ARCH_X86_64"],\n  "syscalls": [{"names": ["re\xc0\xafad"], "action": "SCMP_ACT_ALLOW"}]\n}\n' >"$GEN/overlong-utf8.json"
# A NUL byte inside a value on line 2.
printf '{\n  "defaultAction": "SCMP_ACT_ERR\0NO"\n}\n' >"$GEN/nul-byte.json"
# Binary garbage: an ELF header.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\076\000\001\000\000\000' >"$GEN/binary-garbage.json"
# UTF-16 (a BOM and wide characters), as some Windows editors save.
printf '\377\376{\000"\000d\000"\000:\000 \0001\000}\000' >"$GEN/utf16.json"
# A directory, and a path that does not exist.
mkdir -p "$GEN/a-directory.json"
NOFILE=$GEN/does-not-exist.json

# --- the table ------------------------------------------------------------------------------
# NAME | INPUT | WHERE | MESSAGE
#   INPUT  a fixture in tests/data/bad, or @NAME for $GEN/NAME
#   WHERE  the location the one message line must start with: LINE (any column), or '-'
#          when the input has no location (the line is then 'FILE: error: ...')
#   MESSAGE an extended regex the message must match (case-insensitive)
CASES='
empty-file              | empty.json                 | 1  | empty
whitespace-only         | whitespace.json            | 1  | empty
truncated-json          | truncated.json             | 6  | syntax error
trailing-garbage        | trailing-garbage.json      | 2  | syntax error
yaml-syntax             | yaml-syntax.yaml           | 6  | syntax error
libfyaml-tab-crash      | tab-after-complex-key.yaml | 1  | tab for indentation
wrong-type-action       | wrong-type-action.json     | 2  | expected a string
bool-for-string         | bool-for-string.json       | 2  | expected a string.*boolean
wrong-type-names        | wrong-type-names.json      | 5  | expected a list
wrong-type-syscalls     | wrong-type-syscalls.json   | 4  | expected a list
string-for-number       | string-for-number.json     | 6  | expected a number
float-number            | float-number.json          | 3  | integer
null-where-list         | null-names.json            | 5  | names
missing-names           | missing-names.json         | 5  | names
missing-default-action  | missing-default-action.json| 1  | defaultAction
top-level-array         | top-level-array.json       | 1  | mapping
top-level-scalar        | scalar.yaml                | 1  | mapping
duplicate-keys          | duplicate-key.json         | 4  | duplicate key .defaultAction
unknown-field           | unknown-field.json         | 5  | unknown key .errnoRett.*did you mean .errnoRet
unknown-top-field       | unknown-top-field.json     | 3  | unknown key .architecture.*did you mean .architectures
negative-errno          | negative-errno.json        | 5  | negative
negative-index          | negative-index.json        | 6  | negative
number-over-2^64        | number-too-big.json        | 6  | out of range
unknown-action          | unknown-action.json        | 5  | unknown action .SCMP_ACT_ALOW.*SCMP_ACT_ALLOW
unknown-op              | unknown-op.json            | 6  | unknown operator
unknown-flag            | unknown-flag.json          | 4  | unknown flag
unknown-arch            | unknown-arch.json          | 3  | unknown arch.*SCMP_ARCH_VAX
arg-index-6             | arg-index-6.json           | 6  | index 6
errnoRet-70000          | errno-70000.json           | 5  | 70000.*range
name-unknown-everywhere | name-unknown.json          | 5  | unknown syscall .opne.*did you mean open
yaml-anchors-bomb       | anchors-bomb.yaml          | 2  | alias
spo-yaml-alias          | spo-anchor.yaml            | 11 | alias
spo-unknown-kind        | unknown-kind.yaml          | 2  | kind.*SeccompProfil
spo-wrong-type          | spo-wrong-type.yaml        | 7  | expected a list
spo-missing-base        | spo-missing-base.yaml      | 6  | no-such-profile
spo-cyclic-base         | spo-cycle/a.yaml           | 6  | cycle
kubearmor-bad-action    | kubearmor-bad-action.yaml  | 13 | unknown action .Explode
kubearmor-bad-arch      | kubearmor-bad-arch.yaml    | 11 | unknown arch.*pdp11
invalid-utf8            | @invalid-utf8.json         | 3  | UTF-8
overlong-utf8           | @overlong-utf8.json        | 4  | UTF-8
nul-byte                | @nul-byte.json             | 2  | NUL
binary-garbage          | @binary-garbage.json       | 1  | UTF-8|NUL|binary
utf16-file              | @utf16.json                | 1  | UTF-8|NUL
file-50mb               | @big-50mb.json             | -  | larger than
nesting-10000-lists     | @deep-lists.json           | 1  | nesting
nesting-10000-maps      | @deep-maps.json            | 1  | nesting
directory               | @a-directory.json          | -  | directory
nonexistent-file        | @does-not-exist.json       | -  | no such file
'

# The line of 'stderr' as the user sees it, checked against WHERE and MESSAGE. Prints why
# not, or nothing when it is right.
problems() { # FILE-REGEX WHERE MESSAGE ERRFILE RC
	local file=$1 where=$2 msg=$3 err=$4 rc=$5 n
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation|Aborted' "$err"; then
		echo "crashed or sanitizer report"
		return
	fi
	if [ "$rc" -eq 0 ]; then
		echo "exit 0"
		return
	fi
	if [ "$rc" -ge 126 ]; then
		echo "exit $rc (killed or crashed)"
		return
	fi
	n=$(wc -l <"$err")
	if [ "$n" -ne 1 ]; then
		echo "$n message lines, wanted exactly 1"
		return
	fi
	if [ "$where" = - ]; then
		grep -Eq "^${file}: error: " "$err" || echo "no 'FILE: error:' prefix"
	else
		grep -Eq "^${file}:${where}:[0-9]+: error: " "$err" ||
			echo "no 'FILE:${where}:COL: error:' prefix"
	fi
	grep -Eiq -- "$msg" "$err" || echo "message does not match /$msg/"
}

# Regex-quote a path.
requote() { printf '%s' "$1" | sed 's#[][\.*^$+?(){}|]#\\&#g'; }

OUT=$TMP/convert-out
while IFS='|' read -r name input where msg; do
	name=$(echo "$name" | xargs)
	[ -n "$name" ] || continue
	input=$(echo "$input" | xargs)
	where=$(echo "$where" | xargs)
	msg=$(echo "$msg" | sed 's/^ *//; s/ *$//')
	case $input in
	@*) path=$GEN/${input#@} ;;
	*) path=$BAD/$input ;;
	esac
	fre=$(requote "$path")
	# A cycle is reported where it closes, which may be in the sibling file.
	[ "$name" = spo-cyclic-base ] && fre="$(requote "$BAD/spo-cycle/")[ab]\.yaml"

	run_cmd "$SYSCAGE" check "$path"
	why=$(problems "$fre" "$where" "$msg" "$TMP/err" "$RC")
	if [ -z "$why" ] && [ "$RC" -ne 1 ]; then why="exit $RC, wanted 1"; fi
	if [ -z "$why" ]; then
		ok "check $name"
	else
		not_ok "check $name: $why"
		sed 's/^/# stderr: /' "$TMP/err" | head -5 | cut -c1-300
	fi

	rm -rf "$OUT"
	mkdir -p "$OUT"
	run_cmd "$SYSCAGE" convert "$path" -o "$OUT/$name.json"
	why=$(problems "$fre" "$where" "$msg" "$TMP/err" "$RC")
	left=$(ls -A "$OUT")
	if [ -z "$why" ] && [ -n "$left" ]; then why="left files behind: $left"; fi
	if [ -z "$why" ]; then
		ok "convert $name"
	else
		not_ok "convert $name: $why"
		sed 's/^/# stderr: /' "$TMP/err" | head -5 | cut -c1-300
	fi
done <<<"$CASES"

# Standard input gets the same treatment, named <stdin>.
run_cmd sh -c '"$1" check - <"$2"' sh "$SYSCAGE" "$BAD/unknown-op.json"
why=$(problems '<stdin>' 6 'unknown operator' "$TMP/err" "$RC")
[ -z "$why" ] && ok "check - (stdin)" || not_ok "check - (stdin): $why"

# An existing OUT survives a failed convert untouched.
echo keep >"$TMP/existing.json"
run_cmd "$SYSCAGE" convert "$BAD/truncated.json" -o "$TMP/existing.json"
if [ "$RC" -ne 0 ] && [ "$(cat "$TMP/existing.json")" = keep ]; then
	ok "a failed convert leaves an existing OUT alone"
else
	not_ok "a failed convert leaves an existing OUT alone (exit $RC)"
fi
done_testing
