#!/usr/bin/env bash
# test_extract_target.sh: restorefs-scan --extract onto targets that cannot take it, and onto
# a FAT file system, inside a private mount namespace (needs root and unshare):
#   - a tmpfs smaller than the selection: refused before anything is written, with the bytes
#     needed and free, exit 6;
#   - a tmpfs that fills during the extraction (the roomy_statvfs shim lets the up-front check
#     pass): one message naming the path and the cause, no path twice, no partial file, exit 6;
#   - a read-only tmpfs: refused, exit 6;
#   - --portable-names (on vfat when the kernel has it, and on tmpfs): every deleted file of
#     the basic image with its manifest md5, streams as name_stream, no ':' in any name;
#   - --no-streams: no stream written, the summary counts them.
#   env RESTOREFS_SCAN     the restorefs-scan executable
#   env ROOMY_STATVFS      the roomy_statvfs LD_PRELOAD shim
#   env RESTOREFS_IMAGES   the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -uo pipefail

images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}
TEST_NAME=scan-extract-target
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/basic.img"
manifest="$images/basic.manifest"
[[ -f "$img" && -f "$manifest" ]] || skip "image basic is not in $images"
[[ -x "$scan" && -f "${ROOMY_STATVFS:-}" ]] || { echo "FAIL: RESTOREFS_SCAN or ROOMY_STATVFS missing"; exit 1; }
[[ $(id -u) == 0 ]] || skip "needs root (tmpfs and loop mounts)"
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
if [[ -z "${RESTOREFS_IN_NAMESPACE:-}" ]]; then
	RESTOREFS_IN_NAMESPACE=1 exec unshare --mount --propagation private "$0" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-target-test.XXXXXX")
trap 'umount -q "$tmp"/* 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
md5_of() { md5sum <"$1" | cut -d' ' -f1; }
# mount_tmpfs DIR OPTIONS
mount_tmpfs() { mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1"; }

# ---- a target too small: refused up front ------------------------------------------------
mount_tmpfs "$tmp/small" size=1m || skip "cannot mount a tmpfs"
"$scan" -q -x "$tmp/small/out" "$img" >"$tmp/small.out" 2>"$tmp/small.err"
rc=$?
[[ $rc == 6 ]] || fail "small target: exit $rc, not 6"
grep -q 'not enough free space: the [0-9]* selected files need .* ([0-9]* bytes), the target has .* (1048576 bytes) free; extract to another target, or narrow the selection' "$tmp/small.err" ||
	fail "small target: no message with both numbers: $(cat "$tmp/small.err")"
[[ $(wc -l <"$tmp/small.err") == 1 ]] || fail "small target: more than one line on stderr"
[[ ! -e "$tmp/small/out" ]] || fail "small target: something was written"

# ---- a target that fills during the extraction ---------------------------------------------
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD=$ROOMY_STATVFS "$scan" -x "$tmp/small/out" "$img" >"$tmp/fill.out" 2>"$tmp/fill.err"
rc=$?
[[ $rc == 6 ]] || fail "filling target: exit $rc, not 6"
n=$(grep -c 'cannot write to the target' "$tmp/fill.err")
[[ $n == 1 ]] || fail "filling target: $n messages about the target, not 1: $(cat "$tmp/fill.err")"
grep -q "^restorefs-scan: $tmp/small/out/[^:]*: cannot write to the target: No space left on device; extraction stopped\$" \
	"$tmp/fill.err" || fail "filling target: the message does not name the path and the cause: $(cat "$tmp/fill.err")"
other=$(grep -v 'cannot write to the target\|not intact: \|unreadable, zero-filled$' "$tmp/fill.err")
[[ -z "$other" ]] || fail "filling target: other messages: $other"
dups=$(grep -o "$tmp/small/out/[^:]*" "$tmp/fill.err" | sort | uniq -d)
[[ -z "$dups" ]] || fail "filling target: paths printed twice: $dups"
grep -q 'stopped, the target could not be written (No space left on device): [0-9]* files\? not extracted' "$tmp/fill.out" ||
	fail "filling target: the summary does not say it stopped: $(cat "$tmp/fill.out")"
[[ -z $(find "$tmp/small/out" -name '*.restorefs-partial') ]] || fail "filling target: partial files left"
umount "$tmp/small"

# ---- a read-only target -------------------------------------------------------------------------
mount_tmpfs "$tmp/ro" ro,size=16m
"$scan" -q -x "$tmp/ro/out" "$img" >/dev/null 2>"$tmp/ro.err"
rc=$?
[[ $rc == 6 ]] || fail "read-only target: exit $rc, not 6"
grep -q 'read-only file system; extract to another target' "$tmp/ro.err" ||
	fail "read-only target: $(cat "$tmp/ro.err")"

# ---- --portable-names ---------------------------------------------------------------------------
# portable PATH: each component as --portable-names writes it (collisions aside)
portable() {
	local IFS=/ part out=() p
	for part in $1; do
		p=$(printf '%s' "$part" | sed 's/[":*<>?\\|[:cntrl:]]/_/g; s/[. ]*$//')
		[[ -n "$p" ]] || p=_
		shopt -s nocasematch
		[[ "${p%%.*}" =~ ^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$ ]] && p="${p%%.*}_${p#"${p%%.*}"}"
		shopt -u nocasematch
		out+=("$p")
	done
	printf '%s' "${out[*]}"
}
# check_portable OUT: every deleted file of the manifest under OUT with its md5 (a repeated
# name may carry the collision suffix)
check_portable() {
	local out=$1 md5 state path want dir base stem ext f found
	while IFS=$'\t' read -r md5 _ state _ path; do
		[[ "$state" == deleted ]] || continue
		want="$out/$(portable "$path")"
		[[ -f "$want" && "$(md5_of "$want")" == "$md5" ]] && continue
		dir=$(dirname "$want") base=$(basename "$want") found=0
		stem=${base%.*} ext=""
		[[ "$base" == *.* ]] && ext=".${base##*.}"
		for f in "$dir/$stem (mft "*")$ext"; do
			[[ -f "$f" && "$(md5_of "$f")" == "$md5" ]] && found=1
		done
		((found)) || fail "--portable-names onto $out: $path not there as $want with md5 $md5"
	done <"$manifest"
	[[ -z $(find "$out" -name '*:*' | head -1) ]] || fail "--portable-names onto $out: a name with ':'"
	[[ -f "$out/ads/withstream.txt_secret" && -f "$out/ads/withstream.txt_big" ]] ||
		fail "--portable-names onto $out: streams not written as name_stream"
}
mount_tmpfs "$tmp/plain" size=64m
"$scan" -q --portable-names -x "$tmp/plain/out" "$img" >/dev/null 2>"$tmp/plain.err"
rc=$?
[[ $rc == 4 ]] || fail "--portable-names onto tmpfs: exit $rc, not 4 (basic has an incomplete file): $(cat "$tmp/plain.err")"
check_portable "$tmp/plain/out"

if ! command -v mkfs.vfat >/dev/null; then
	skip_part "mkfs.vfat not installed (dosfstools): --portable-names checked on tmpfs only" ||
		failures=$((failures + 1))
elif ! grep -qw vfat /proc/filesystems && ! modprobe -q vfat 2>/dev/null; then
	# the running kernel has no vfat: not a missing input, so not a failure under CI either
	echo "skip: this kernel has no vfat: --portable-names checked on tmpfs only"
else
	truncate -s 32M "$tmp/fat.img"
	mkfs.vfat "$tmp/fat.img" >/dev/null
	mkdir "$tmp/fat"
	if mount -o loop,utf8 "$tmp/fat.img" "$tmp/fat"; then
		"$scan" -q --portable-names -x "$tmp/fat/out" "$img" >/dev/null 2>"$tmp/fat.err"
		rc=$?
		[[ $rc == 4 ]] || fail "--portable-names onto vfat: exit $rc, not 4: $(cat "$tmp/fat.err")"
		check_portable "$tmp/fat/out"
		umount "$tmp/fat"
	else
		skip_part "cannot loop-mount a vfat image" || failures=$((failures + 1))
	fi
fi

# ---- --no-streams -------------------------------------------------------------------------------
"$scan" --no-streams -x "$tmp/plain/nostreams" "$img" >"$tmp/nostreams.out" 2>/dev/null
[[ -z $(find "$tmp/plain/nostreams" -name '*:*' | head -1) ]] || fail "--no-streams: a stream was written"
[[ -f "$tmp/plain/nostreams/ads/withstream.txt" ]] || fail "--no-streams: the file itself is missing"
grep -q '; 2 streams left out (--no-streams)' "$tmp/nostreams.out" ||
	fail "--no-streams: the summary does not count the streams: $(cat "$tmp/nostreams.out")"

((failures == 0)) || { printf '%d checks failed\n' "$failures"; exit 1; }
echo "extraction targets: all checks pass"
