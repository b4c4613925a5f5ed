#!/bin/bash
# Messages of both tools where users go wrong: a text file as SOURCE, BitLocker secrets for a
# plain volume, --min-recoverable with and without '%' and with garbage, plural words and
# sizes in the summaries, no NTFS metadata files among the live files, and, as root (loop
# device, setpriv, FUSE), a block device a user may not read and a mount's summary line.
# usage: test_messages.sh RESTOREFS_SCAN RESTOREFS
set -u
export LC_ALL=C
scan=$1
restorefs=$2
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=messages
. "$here/../skip.sh"
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
img=$images/demo.img
[ -f "$img" ] || skip "no demo.img (set RESTOREFS_IMAGES)"

work=$(mktemp -d)
loop=
cleanup() {
	mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$work"
}
trap cleanup EXIT
failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
# run WANT_RC CMD...: runs CMD, stdout in $work/out, stderr in $work/err; checks the status
run() {
	want=$1
	shift
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want: $(head -c 300 "$work/err")"
}
# has FILE TEXT NAME: FILE holds TEXT (a fixed string)
has() { if grep -qF -- "$2" "$1"; then ok "$3"; else fail "$3: no '$2' in: $(head -c 400 "$1")"; fi; }
hasnt() { if grep -qE -- "$2" "$1"; then fail "$3: '$2' in: $(grep -E -- "$2" "$1" | head -3)"; else ok "$3"; fi; }

# ---- a text file as SOURCE ------------------------------------------------------------------
printf 'this is not a disk\n' >"$work/notes.txt"
run 2 "$scan" "$work/notes.txt"
has "$work/err" "notes.txt: not an NTFS volume or disk image (19 bytes)" "text file: says what it is not"
hasnt "$work/err" "past the end" "text file: no read-past-end message"
[ "$(wc -l <"$work/err")" = 1 ] || fail "text file: more than one line"

# ---- secrets for a plain volume -------------------------------------------------------------
printf 'secret\n' >"$work/password"
run 0 "$scan" -q --password-file "$work/password" "$img"
has "$work/err" "is not BitLocker-encrypted: the key options are ignored" "secret for a plain volume: warned"
[ "$(wc -l <"$work/err")" = 1 ] || fail "secret for a plain volume: $(cat "$work/err")"

# ---- --min-recoverable ----------------------------------------------------------------------
run 0 "$scan" -q --min-recoverable 50% "$img"
cp "$work/out" "$work/with-percent"
run 0 "$scan" -q --min-recoverable 50 "$img"
cmp -s "$work/out" "$work/with-percent" && ok "--min-recoverable 50% = 50" || fail "--min-recoverable 50% differs from 50"
for bad in abc 101 -5 50%% 0x10; do
	run 1 "$scan" -q --min-recoverable "$bad" "$img"
	has "$work/err" "--min-recoverable: '$bad' is not a percentage (a whole number from 0 to 100)" "--min-recoverable $bad: our message"
	hasnt "$work/err" "Cannot parse" "--min-recoverable $bad: no GLib parse error"
done
run 1 "$restorefs" -o min_recoverable=lots "$img" "$work"
has "$work/err" "min_recoverable: 'lots' is not a percentage (a whole number from 0 to 100)" "-o min_recoverable=lots: our message"

# ---- summaries: plurals and sizes ------------------------------------------------------------
for image in "$images"/*.img; do
	"$scan" "$image" 2>&1 | tail -n 1 >>"$work/summaries"
done
hasnt "$work/summaries" "(^|[^0-9.])1 (deleted files|directories|streams|orphans|live files)" "summaries: no '1 directories'"
hasnt "$work/summaries" "[0-9] (kB|MB|GB)\\b" "summaries: sizes in IEC units"

# ---- live files: no NTFS metadata -------------------------------------------------------------
run 0 "$scan" -q --live --format=csv "$img"
hasnt "$work/out" '^"?/\$' "--live: no metadata files (\$Extend, \$ObjId, ...)"
has "$work/out" "/Documents/todo.txt" "--live: live user files listed"

[ "$(id -u)" = 0 ] || { echo "skip: the rest needs root"; exit $failed; }

# ---- a block device a user may not read -------------------------------------------------------
if command -v setpriv >/dev/null && command -v losetup >/dev/null && loop=$(losetup --find --show --read-only "$img" 2>/dev/null); then
	run 2 setpriv --reuid=nobody --regid=nogroup --clear-groups "$scan" "$loop"
	cp "$work/err" "$work/scan.err"
	run 1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$restorefs" "$loop" "$work"
	for err in "$work/scan.err" "$work/err"; do
		prog=$([ "$err" = "$work/err" ] && echo restorefs || echo restorefs-scan)
		has "$err" "Permission denied" "$prog: non-root on $loop: denied"
		has "$err" "sudo" "$prog: hint names sudo"
		has "$err" "group '$(stat -c %G "$loop")'" "$prog: hint names the device's group"
		has "$err" "dd if=$loop of=" "$prog: hint names dd"
	done
else
	echo "skip: no loop device"
fi

# ---- a mount: summary line and show_live --------------------------------------------------------
if [ -c /dev/fuse ] && command -v unshare >/dev/null; then
	mkdir "$work/mnt"
	unshare --mount --propagation private sh -c '
		"$1" -o show_live "$2" "$3" 2>"$4/mount.err" || exit 1
		ls -a "$3" >"$4/ls"; umount "$3"' sh "$restorefs" "$img" "$work/mnt" "$work" ||
		fail "mount: $(cat "$work/mount.err")"
	has "$work/mount.err" "KiB), 2 directories," "mount summary: IEC size, plural"
	hasnt "$work/ls" '^\$' "show_live: no \$Extend or other metadata at the top"
	has "$work/ls" "Pictures" "show_live: live folders shown"
fi
exit $failed
