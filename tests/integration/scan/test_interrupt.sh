#!/usr/bin/env bash
# test_interrupt.sh IMAGE_NAME: restorefs-scan --extract interrupted by SIGINT, then SIGTERM,
# in the middle of the image's largest deleted file (writes slowed down by the slow_write
# shim): the exit status is 128 + the signal, no partial file remains and the file does not
# appear under its name; --merge then finishes the tree byte for byte as an uninterrupted
# extraction writes it, skips files already there with the same size and time, and
# replaces one whose size or time differs.
#   env RESTOREFS_SCAN    the restorefs-scan executable
#   env SLOW_WRITE        the slow_write LD_PRELOAD shim
#   env RESTOREFS_IMAGES  the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -uo pipefail

name=${1:?usage: test_interrupt.sh IMAGE_NAME}
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}
TEST_NAME="scan-interrupt-$name"
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/$name.img"
[[ -f "$img" ]] || skip "image $name is not in $images"
[[ -x "$scan" && -f "${SLOW_WRITE:-}" ]] || { echo "FAIL: RESTOREFS_SCAN or SLOW_WRITE missing"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-interrupt-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
# tree DIR: every file with its size, modification time and md5, sorted
tree() { (cd "$1" && find . -type f -printf '%p\t%s\t%T@\n' | sort | while IFS=$'\t' read -r p s t; do
	printf '%s\t%s\t%s\t%s\n' "$p" "$s" "$t" "$(md5sum <"$p" | cut -d' ' -f1)"; done); }
partials() { find "$1" -name '*.restorefs-partial' | head -5; }

# the reference: one uninterrupted extraction
"$scan" -q -x "$tmp/ref" "$img" >/dev/null 2>&1
tree "$tmp/ref" >"$tmp/ref.tree"
[[ -s "$tmp/ref.tree" ]] || { echo "FAIL: the reference extraction wrote nothing"; exit 1; }
# the largest file: the one to interrupt
big=$(sort -t$'\t' -k2,2n "$tmp/ref.tree" | tail -1 | cut -f1)
big=${big#./}
size=$(sort -t$'\t' -k2,2n "$tmp/ref.tree" | tail -1 | cut -f2)
((size >= 4 * 1024 * 1024)) || skip "the largest file of $name is only $size bytes"
partial="$tmp/out/$(dirname "$big")/.$(basename "$big").restorefs-partial"

# interrupt SIGNAL STATUS: starts an extraction into $tmp/out, waits until the big file's
# partial copy holds data, sends SIGNAL, and checks the aftermath.
interrupt() {
	local sig=$1 want=$2 pid rc i
	# an AddressSanitizer build wants its runtime first; the shim only wraps write()
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD="$SLOW_WRITE" RESTOREFS_TEST_WRITE_DELAY_MS=150 \
			"$scan" -q --merge -x "$tmp/out" "$img" >"$tmp/int.out" 2>"$tmp/int.err" &
	pid=$!
	for i in $(seq 1 1000); do
		[[ -s "$partial" ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	if [[ ! -s "$partial" ]]; then
		fail "SIG$sig: $partial never held data"
		wait "$pid"
		return
	fi
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	((rc == want)) || fail "SIG$sig: exit status $rc, want $want ($(head -2 "$tmp/int.err"))"
	grep -q 'interrupted; the file being written was removed' "$tmp/int.err" ||
		fail "SIG$sig: no message on stderr: $(head -2 "$tmp/int.err")"
	[[ -z "$(partials "$tmp/out")" ]] || fail "SIG$sig: partial files remain: $(partials "$tmp/out")"
	[[ ! -e "$tmp/out/$big" ]] || fail "SIG$sig: $big exists under its name after the interruption"
}

mkdir "$tmp/out"
interrupt INT 130
interrupt TERM 143

# --merge finishes the tree
rc=0
"$scan" --merge -x "$tmp/out" "$img" >"$tmp/merge.out" 2>"$tmp/merge.err" || rc=$?
ref_rc=0
"$scan" -q -x "$tmp/ref2" "$img" >/dev/null 2>&1 || ref_rc=$?
((rc == ref_rc)) || fail "--merge exited $rc, an uninterrupted extraction $ref_rc"
grep -q 'already there, skipped' "$tmp/merge.out" || fail "--merge skipped nothing: $(cat "$tmp/merge.out")"
tree "$tmp/out" >"$tmp/out.tree"
diff "$tmp/ref.tree" "$tmp/out.tree" >"$tmp/diff" || fail "after --merge the tree differs: $(head -4 "$tmp/diff")"
[[ -z "$(partials "$tmp/out")" ]] || fail "partial files remain after --merge"

# a file with another size, and one with another time, are replaced; the same ones are not
small=$(sort -t$'\t' -k2,2n "$tmp/ref.tree" | awk -F'\t' '$2 > 0 { print $1; exit }')
printf 'junk' >"$tmp/out/$big"
touch -d '2001-01-01' "$tmp/out/$small"
rc=0
"$scan" --merge -x "$tmp/out" "$img" >"$tmp/merge2.out" 2>"$tmp/merge2.err" || rc=$?
grep -q '2 different ones replaced' "$tmp/merge2.out" || fail "second --merge: $(cat "$tmp/merge2.out")"
tree "$tmp/out" >"$tmp/out.tree"
diff "$tmp/ref.tree" "$tmp/out.tree" >"$tmp/diff" || fail "after replacing, the tree differs: $(head -4 "$tmp/diff")"

if ((failures)); then
	echo "$name: $failures check(s) failed"
	exit 1
fi
echo "$name: interrupted twice in $big ($size bytes), completed by --merge, byte-exact"
