#!/usr/bin/env bash
# test_formats.sh RESTOREFS_SCAN RESTOREFS: the scripts/mkimages.sh images converted to the
# formats examiners receive (VHDX, VHD, VMDK, QCOW2, E01, split E01) must list and extract
# exactly as the raw images do: byte-identical CSV listings and the same md5 for every
# extracted file. Every image goes through VHDX; two go through every format. Then: a disk
# with a partition table inside a VHDX (--partition, --start-sector, --find-volumes), a
# BitLocker volume inside a QCOW2, differencing images (QCOW2, VMDK, and a VHD written by
# mkvhd_child.py: no Debian tool writes VHD or VHDX differencing images, so VHDX ones stay
# untested), a missing E01 segment and missing parents (one line, exit 2), one FUSE mount of
# a VHDX (read serially and by four readers at once), and every file made here unchanged.
#   env RESTOREFS_IMAGES     the images (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
#   env RESTOREFS_FIXTURES   the BitLocker fixtures (default <repo>/../shared/fixtures)
set -uo pipefail

SCAN=$(readlink -f "${1:?usage: test_formats.sh RESTOREFS_SCAN RESTOREFS}")
RESTOREFS=$(readlink -f "${2:?usage: test_formats.sh RESTOREFS_SCAN RESTOREFS}")
HERE=$(dirname "$(readlink -f "$0")")
TEST_NAME=formats
# shellcheck source=tests/integration/skip.sh
. "$HERE/../skip.sh"

images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
fixtures=${RESTOREFS_FIXTURES:-$HERE/../../../../shared/fixtures}
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
for tool in qemu-img ewfacquire sfdisk python3 md5sum; do
	command -v "$tool" >/dev/null || skip "$tool not found (scripts/deps.sh installs it)"
done
[[ -x "$SCAN" && -x "$RESTOREFS" ]] || { echo "FAIL: RESTOREFS_SCAN or RESTOREFS is not executable"; exit 1; }

# The FUSE part mounts in a namespace of its own, so nothing reaches the host.
if [[ $EUID -eq 0 && -c /dev/fuse && -z "${RESTOREFS_TEST_IN_NS:-}" ]] && command -v unshare >/dev/null; then
	RESTOREFS_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-formats.XXXXXX")
MNT=$W/mnt
cleanup() {
	mountpoint -q "$MNT" 2>/dev/null && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; }
	rm -rf "$W"
}
trap cleanup EXIT
failures=0 checked=0
fail() { printf 'FAIL %s: %s\n' "$TEST_NAME" "$*"; failures=$((failures + 1)); }
say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

# tree_md5 DIR: "md5  ./path" for every file under DIR, sorted.
tree_md5() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r md5sum); }

# reference NAME: the raw image's listing, extraction (md5 of every file) and exit code.
reference() {
	local ref=$W/ref/$1
	[[ -f $ref.csv ]] && return 0
	mkdir -p "$W/ref"
	"$SCAN" -q -f csv "$images/$1.img" >"$ref.csv" 2>/dev/null || fail "$1: raw listing failed"
	local rc=0
	"$SCAN" -q -x "$ref.x" "$images/$1.img" >/dev/null 2>&1 || rc=$?
	echo "$rc" >"$ref.rc"
	tree_md5 "$ref.x" >"$ref.md5"
}

# same_as_raw NAME SOURCE [OPTION...]: SOURCE (with OPTIONs) lists and extracts as NAME.img.
same_as_raw() {
	local name=$1 src=$2 label
	shift 2
	label="$name via $(basename "$src")${*:+ $*}"
	reference "$name"
	local out=$W/out.$$ rc=0
	rm -rf "$out.x"
	if ! "$SCAN" -q -f csv "$@" "$src" >"$out.csv" 2>"$out.err"; then
		fail "$label: listing failed: $(head -1 "$out.err")"
		return
	fi
	cmp -s "$out.csv" "$W/ref/$name.csv" || fail "$label: listing differs from the raw image's"
	"$SCAN" -q -x "$out.x" "$@" "$src" >/dev/null 2>&1 || rc=$?
	[[ $rc == "$(cat "$W/ref/$name.rc")" ]] || fail "$label: --extract exited $rc, raw $(cat "$W/ref/$name.rc")"
	tree_md5 "$out.x" | cmp -s - "$W/ref/$name.md5" || fail "$label: extracted files differ from the raw image's"
	checked=$((checked + 1))
}

# refused SOURCE PATTERN: restorefs-scan exits 2 with one line that matches PATTERN.
refused() {
	local rc=0
	"$SCAN" -q "$1" >/dev/null 2>"$W/refused.err" || rc=$?
	[[ $rc == 2 ]] || fail "$(basename "$1"): exit $rc, want 2"
	[[ $(wc -l <"$W/refused.err") == 1 ]] || fail "$(basename "$1"): not one line: $(cat "$W/refused.err")"
	grep -q -- "$2" "$W/refused.err" || fail "$(basename "$1"): '$(cat "$W/refused.err")' does not say '$2'"
	checked=$((checked + 1))
}

# convert NAME FORMAT OUT: OUT is NAME.img in FORMAT (a qemu-img format, e01 or e01-split).
convert() {
	case $2 in
	e01) ewfacquire -u -q -c none -t "${3%.E01}" "$images/$1.img" >/dev/null 2>&1 ;;
	e01-split) ewfacquire -u -q -c none -S 1MiB -t "${3%.E01}" "$images/$1.img" >/dev/null 2>&1 ;;
	*) qemu-img convert -O "$2" "$images/$1.img" "$3" ;;
	esac || fail "cannot convert $1 to $2"
}

F=$W/fmt
mkdir -p "$F" "$MNT"

# ---- every image as VHDX; two images in every format ---------------------------------------
names=()
for manifest in "$images"/*.manifest; do
	name=$(basename "$manifest" .manifest)
	[[ -f "$images/$name.img" ]] && names+=("$name")
done
((${#names[@]} > 0)) || skip "no NAME.img with NAME.manifest in $images"
for name in "${names[@]}"; do
	convert "$name" vhdx "$F/$name.vhdx"
	same_as_raw "$name" "$F/$name.vhdx"
done
for name in basic compressed; do
	[[ -f "$images/$name.img" ]] || { skip_part "$name.img is missing" || failures=$((failures + 1)); continue; }
	mkdir -p "$F/$name-split"
	convert "$name" vpc "$F/$name.vhd"
	convert "$name" vmdk "$F/$name.vmdk"
	convert "$name" qcow2 "$F/$name.qcow2"
	convert "$name" e01 "$F/$name.E01"
	convert "$name" e01-split "$F/$name-split/$name.E01"
	for src in "$F/$name.vhd" "$F/$name.vmdk" "$F/$name.qcow2" "$F/$name.E01" "$F/$name-split/$name.E01"; do
		same_as_raw "$name" "$src"
	done
	segments=$(find "$F/$name-split" -name "$name.E*" | wc -l)
	((segments >= 3)) || fail "$name: the split E01 has $segments segments, want 3 or more"
done

# ---- a disk with a partition table, inside a VHDX --------------------------------------------
size=$(stat -c %s "$images/basic.img")
truncate -s $((4096 * 512 + size + 1024 * 1024)) "$W/disk.img"
printf 'label: dos\nstart=2048, size=2048, type=83\nstart=4096, size=%d, type=7\n' $((size / 512)) |
	sfdisk -q "$W/disk.img" || fail "sfdisk failed"
dd if="$images/basic.img" of="$W/disk.img" bs=1M seek=$((4096 * 512)) oflag=seek_bytes conv=notrunc status=none
qemu-img convert -O vhdx "$W/disk.img" "$F/disk.vhdx"
same_as_raw basic "$F/disk.vhdx" --partition 2
same_as_raw basic "$F/disk.vhdx" --start-sector 4096
"$SCAN" --find-volumes "$W/disk.img" 2>&1 | sed "s|$W/disk.img|DISK|g" >"$W/find.raw"
"$SCAN" --find-volumes "$F/disk.vhdx" 2>&1 | sed "s|$F/disk.vhdx|DISK|g" >"$W/find.vhdx"
cmp -s "$W/find.raw" "$W/find.vhdx" || fail "--find-volumes differs in the VHDX: $(diff "$W/find.raw" "$W/find.vhdx" | head -3)"
grep -q 4096 "$W/find.vhdx" || fail "--find-volumes in the VHDX does not find the volume at sector 4096"
rm -f "$W/disk.img"

# ---- BitLocker inside a QCOW2 -------------------------------------------------------------------
bek=4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK bitlk=bitlk-aes-xts-128-startup-key.img
if tar -xJf "$fixtures/bitlk-images.tar.xz" -C "$W" "bitlk-images/$bitlk" "bitlk-images/$bek" 2>/dev/null; then
	qemu-img convert -O qcow2 "$W/bitlk-images/$bitlk" "$F/bitlk.qcow2"
	"$SCAN" --info "$W/bitlk-images/$bitlk" 2>&1 | grep -v '^source:' >"$W/info.raw"
	"$SCAN" --info "$F/bitlk.qcow2" 2>&1 | grep -v '^source:' >"$W/info.qcow2"
	grep -q 'AES-XTS 128' "$W/info.qcow2" || fail "BitLocker in a QCOW2: --info does not name the method"
	cmp -s "$W/info.raw" "$W/info.qcow2" || fail "BitLocker in a QCOW2: --info differs from the raw image's"
	for src in "$W/bitlk-images/$bitlk" "$F/bitlk.qcow2"; do
		rc=0
		"$SCAN" -q -f csv --startup-key "$W/bitlk-images/$bek" "$src" >"$src.csv" 2>"$src.err" || rc=$?
		echo "$rc" >>"$src.csv"
		[[ $rc != 2 ]] || fail "BitLocker in $(basename "$src") does not unlock: $(head -1 "$src.err")"
	done
	cmp -s "$W/bitlk-images/$bitlk.csv" "$F/bitlk.qcow2.csv" || fail "BitLocker in a QCOW2 unlocks or lists differently"
	rm -rf "$W/bitlk-images"
	checked=$((checked + 1))
else
	skip_part "BitLocker fixtures missing ($fixtures/bitlk-images.tar.xz)" || failures=$((failures + 1))
fi

# ---- differencing images, missing segments and parents -------------------------------------
qemu-img create -q -f qcow2 -b basic.qcow2 -F qcow2 "$F/child.qcow2"
qemu-img create -q -f vmdk -b basic.vmdk -F vmdk "$F/child.vmdk"
qemu-img convert -O vpc -o subformat=dynamic "$images/basic.img" "$F/parent.vhd"
python3 "$HERE/mkvhd_child.py" "$F/parent.vhd" "$F/child.vhd" || fail "mkvhd_child.py failed"
for child in child.qcow2 child.vmdk child.vhd; do
	same_as_raw basic "$F/$child"
	mkdir -p "$W/alone" && cp "$F/$child" "$W/alone/"
	refused "$W/alone/$child" "needs its parent: .* next to $child"
done
mkdir -p "$W/gap"
cp "$F/basic-split/"basic.E* "$W/gap/" && rm "$W/gap/basic.E02"
refused "$W/gap/basic.E01" "E01 segment 2 of [0-9]* is missing: basic.E02 next to basic.E01"
find "$W/gap" -name 'basic.E*' ! -name basic.E01 -delete
refused "$W/gap/basic.E01" "E01 segment 2 of at least 2 is missing"
rm -rf "$W/gap" "$W/alone"

# ---- md5 of everything made here, to check nothing wrote to it -----------------------------
(cd "$F" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$W/before.md5"

# ---- one FUSE mount: a VHDX --------------------------------------------------------------------
if [[ -n "${RESTOREFS_TEST_IN_NS:-}" ]]; then
	if "$RESTOREFS" "$F/basic.vhdx" "$MNT" 2>"$W/mount.err"; then
		reference basic
		(cd "$MNT" && find . -type f | sort) >"$W/files.mnt"
		(cd "$W/ref/basic.x" && find . -type f | sort) >"$W/files.x"
		cmp -s "$W/files.mnt" "$W/files.x" || fail "the VHDX mount and the raw image's extraction hold different files"
		tree_md5 "$MNT" | cmp -s - "$W/ref/basic.md5" || fail "files read from the VHDX mount differ from the raw image's"
		# four readers at once: the image's library handle is shared by FUSE's threads
		for r in 1 2 3 4; do tree_md5 "$MNT" >"$W/readers.$r" & done
		wait
		for r in 1 2 3 4; do
			cmp -s "$W/readers.$r" "$W/ref/basic.md5" || fail "concurrent reader $r read other bytes"
		done
		say "$(wc -l <"$W/files.mnt") files read through the VHDX mount"
		umount "$MNT" || fail "umount failed"
		checked=$((checked + 1))
	else
		fail "restorefs on a VHDX: $(tail -1 "$W/mount.err")"
	fi
else
	skip_part "no FUSE mount (needs root, /dev/fuse and unshare)" || failures=$((failures + 1))
fi

(cd "$F" && md5sum --quiet -c "$W/before.md5") >/dev/null 2>&1 || fail "a source file changed"

if ((failures > 0)); then
	say "$failures of $checked checks failed"
	exit 1
fi
say "ok: $checked checks"
