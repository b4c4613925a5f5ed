#!/bin/sh
# Whole disks given where a volume is expected. Builds, from the demo test image, a GPT disk
# with two NTFS partitions and a Linux one, an MBR disk whose only NTFS partition is number
# 2, and that MBR disk with its table wiped, then checks what both tools say and do: the
# partitions listed with the exact --partition command, the one NTFS partition used (one
# line on stderr) and its files extracted with the manifest's md5, --partition on a wiped
# table pointing at --find-volumes, and --find-volumes naming the table and the right
# commands. Needs sfdisk (no root: the disks are image files).
# usage: test_whole_disk.sh RESTOREFS_SCAN RESTOREFS
set -eu
export LC_ALL=C
scan=$1
restorefs=$2
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=whole-disk
. "$here/../skip.sh"
command -v sfdisk >/dev/null 2>&1 || skip "sfdisk not installed"
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
img=$images/demo.img
[ -f "$img" ] && [ -f "$images/demo.manifest" ] || skip "no demo.img (set RESTOREFS_IMAGES)"

work=$(mktemp -d "${VOLUMES_WORKDIR:-/tmp}/whole-disk.XXXXXX")
trap 'fusermount3 -u -z "$work/mnt" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
# expect NAME FILE PATTERN...: every fixed-string pattern occurs in FILE
expect() {
	e_name=$1 e_file=$2
	shift 2
	for e_pattern in "$@"; do
		if ! grep -qF -- "$e_pattern" "$e_file"; then
			fail "$e_name: no '$e_pattern' in:"
			sed 's/^/    /' "$e_file"
			return
		fi
	done
	ok "$e_name"
}
# absent NAME FILE PATTERN: the fixed string does not occur in FILE
absent() {
	if grep -qF -- "$3" "$2"; then fail "$1: '$3' in: $(cat "$2")"; else ok "$1"; fi
}

sectors=$(($(stat -c %s "$img") / 512))
ntfs=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
cd "$work"
mkdir mnt
truncate -s 40M gpt.img
printf 'label: gpt\nstart=2048, size=%d, type=%s\nstart=36864, size=%d, type=%s\nstart=71680, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
	"$sectors" $ntfs "$sectors" $ntfs | sfdisk -q gpt.img
dd if="$img" of=gpt.img bs=512 seek=2048 conv=notrunc status=none
dd if="$img" of=gpt.img bs=512 seek=36864 conv=notrunc status=none
truncate -s 40M mbr.img
printf 'label: dos\nstart=2048, size=4096, type=83\nstart=8192, size=%d, type=7\n' "$sectors" | sfdisk -q mbr.img
dd if="$img" of=mbr.img bs=512 seek=8192 conv=notrunc status=none
cp mbr.img wiped.img
dd if=/dev/zero of=wiped.img bs=512 count=1 conv=notrunc status=none

# ---- GPT, two NTFS partitions: listed, with the command to type ---------------------------
rc=0
"$scan" -q gpt.img >out 2>err || rc=$?
[ $rc = 2 ] && ok "gpt: exit 2" || fail "gpt: exit $rc, want 2"
expect "gpt: the table and its partitions" err "gpt.img is a whole disk with a GPT partition table" \
	'partition 1: NTFS at sector 2048, 16.0 MiB, label "restorefs-demo"' \
	'partition 2: NTFS at sector 36864, 16.0 MiB' "restorefs-scan --partition 1 gpt.img"
absent "gpt: the Linux partition is not offered" err "partition 3"
rc=0
"$restorefs" gpt.img "$work/mnt" >out 2>err || rc=$?
[ $rc = 1 ] && ok "gpt: restorefs exit 1" || fail "gpt: restorefs exit $rc, want 1"
expect "gpt: restorefs names its command" err "restorefs --partition 1 gpt.img $work/mnt"

# ---- MBR, one NTFS partition: used, said in one line -------------------------------------
rc=0
"$scan" -q -x "$work/extracted" mbr.img >out 2>err || rc=$?
[ $rc = 0 ] && ok "mbr: extracted" || fail "mbr: exit $rc: $(cat err)"
[ "$(wc -l <err)" = 1 ] && ok "mbr: one line on stderr" || fail "mbr: stderr: $(cat err)"
expect "mbr: says which partition" err "mbr.img holds an MBR partition table; using partition 2 (NTFS at sector 8192"
checked=0
while IFS="$(printf '\t')" read -r md5 _size state _rec path; do
	[ "$state" = deleted ] || continue
	got=$(md5sum <"$work/extracted/$path" 2>/dev/null | cut -d' ' -f1 || true)
	[ "$got" = "$md5" ] || fail "mbr: $path: md5 '$got', want $md5"
	checked=$((checked + 1))
done <"$images/demo.manifest"
[ $checked -gt 0 ] && [ $failed = 0 ] && ok "mbr: $checked deleted files checked against the manifest" || fail "mbr: no file checked"
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] && command -v unshare >/dev/null 2>&1; then
	line=$(awk -F '\t' '$3 == "deleted" { print; exit }' "$images/demo.manifest")
	md5=$(printf '%s\n' "$line" | cut -f1)
	path=$(printf '%s\n' "$line" | cut -f5)
	got=$(unshare --mount --propagation private sh -c '
		"$1" "$2" "$3" 2>"$3.err" || exit 1
		md5sum <"$3/$4" | cut -d" " -f1
		umount "$3"' sh "$restorefs" mbr.img "$work/mnt" "$path" || true)
	[ "$got" = "$md5" ] && ok "mbr: restorefs mounted partition 2" || fail "mbr: mount: md5 '$got', want $md5: $(cat "$work/mnt.err" 2>/dev/null)"
	expect "mbr: restorefs says which partition" "$work/mnt.err" "using partition 2"
fi

# ---- a wiped table ----------------------------------------------------------------------
rc=0
"$scan" -q wiped.img >out 2>err || rc=$?
[ $rc = 2 ] && ok "wiped: exit 2" || fail "wiped: exit $rc, want 2"
expect "wiped: points at --find-volumes" err "no partition table" "restorefs-scan --find-volumes wiped.img"
rc=0
"$scan" -q --partition 1 wiped.img >out 2>err || rc=$?
[ $rc = 2 ] && ok "wiped --partition 1: exit 2" || fail "wiped --partition 1: exit $rc"
expect "wiped --partition 1: says so" err "no partition table" "restorefs-scan --find-volumes wiped.img"

# ---- --find-volumes --------------------------------------------------------------------
"$scan" -q --find-volumes gpt.img >out 2>&1
expect "find gpt: table and --partition" out "gpt.img: GPT partition table, 3 partitions" \
	"restorefs --partition 1 gpt.img MOUNTPOINT" "restorefs-scan --partition 2 gpt.img"
absent "find gpt: no --start-sector" out "--start-sector"
"$scan" -q --find-volumes mbr.img >out 2>&1
expect "find mbr: table and --partition" out "mbr.img: MBR partition table, 2 partitions" \
	"restorefs --partition 2 mbr.img MOUNTPOINT" "restorefs-scan --partition 2 mbr.img"
"$scan" -q --find-volumes wiped.img >out 2>&1
expect "find wiped: --start-sector for a lost volume" out "wiped.img: no partition table" \
	"restorefs --start-sector 8192 wiped.img MOUNTPOINT" "restorefs-scan --start-sector 8192 wiped.img"
"$scan" -q --find-volumes "$img" >out 2>&1
expect "find plain volume: is itself a volume" out "is itself an NTFS volume" "restorefs-scan $img"
absent "find plain volume: no --start-sector 0" out "--start-sector 0"
exit $failed
