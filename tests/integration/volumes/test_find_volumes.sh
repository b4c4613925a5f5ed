#!/bin/sh
# Volume discovery on disks whose partition table and first boot sector were wiped:
# rfs_find_volumes() (through find_volumes_test) must find both NTFS volumes of each disk
# built by mkdisk.sh, in quick and in full mode, with the right start and boot sectors.
# With restorefs-scan, every deleted file is then extracted by start and boot sector and
# compared with the md5 recorded before deletion, and bad numbers must fail clearly.
# usage: test_find_volumes.sh FIND_VOLUMES_TEST [RESTOREFS_SCAN]
set -eu
export LC_ALL=C

prog=$1
scan=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=find-volumes
. "$here/../skip.sh"
[ "$(id -u)" = 0 ] || skip "needs root (loop devices)"
for t in mkntfs sfdisk ntfs-3g losetup unshare truncate; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -c /dev/fuse ] || skip "no /dev/fuse"

work=$(mktemp -d "${VOLUMES_WORKDIR:-/tmp}/volumes.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
failed=0

# check NAME OUTPUT EXPECTED_LINES PATTERN...: OUTPUT has that many lines, each pattern matches one.
check() {
	c_name=$1 output=$2 lines=$3
	shift 3
	got=$(printf '%s\n' "$output" | grep -c . || true)
	ok=1
	[ "$got" = "$lines" ] || ok=0
	for pattern in "$@"; do
		printf '%s\n' "$output" | grep -q -- "$pattern" || ok=0
	done
	if [ $ok = 1 ]; then
		echo "ok: $c_name"
	else
		echo "FAIL: $c_name: expected $lines volume(s) matching: $*"
		printf '%s\n' "$output" | sed 's/^/    /'
		failed=1
	fi
}

zero() { # FILE BYTE_OFFSET LENGTH
	dd if=/dev/zero of="$1" bs="$3" count=1 seek="$(($2 / $3))" conv=notrunc status=none
}

find_both() { # NAME DISK ARGS...: quick and full
	name=$1 disk=$2
	shift 2
	for mode in quick full; do
		flag=
		[ $mode = full ] && flag=--full
		out=$("$prog" "$disk" $flag "$@") || { echo "FAIL: $name ($mode): exit $?"; failed=1; continue; }
		check "$name ($mode)" "$out" "$expect_count" "$expect1" "$expect2"
	done
}

# 1. MBR, 512-byte sectors: table and volume 1's boot sector wiped.
disk=$work/mbr512.img
"$here/mkdisk.sh" "$disk" mbr 512
zero "$disk" 0 512
zero "$disk" $((2048 * 512)) 512
expect_count=2
expect1='^ntfs start=2048 boot=264191 backup=1 size=134217216 sector=512 cluster=4096 partition=0 mft=1 label=VOLONE$'
expect2='^ntfs start=264199 boot=264199 backup=0 .* partition=0 mft=1 label=VOLTWO$'
find_both "MBR 512, table wiped" "$disk"

# recover DISK MANIFEST ARGS...: extracts every volume find_volumes_test reports (quick
# mode, ARGS passed to both tools) and compares the deleted files with the manifest.
recover() {
	r_disk=$1 r_manifest=$2
	shift 2
	[ -n "$scan" ] || return 0
	r_out=$work/extract
	: >"$work/got"
	n=0
	"$prog" "$r_disk" "$@" | while read -r kind start boot rest; do
		n=$((n + 1))
		rm -rf "$r_out"
		if ! "$scan" "$@" --start-sector "${start#start=}" --boot-sector "${boot#boot=}" \
			--extract "$r_out" "$r_disk" >"$work/scan.log" 2>&1; then
			echo "FAIL: extract volume $n of $r_disk:" && sed 's/^/    /' "$work/scan.log"
		fi
		(cd "$r_out" && find . -type f | sort | while read -r f; do
			echo "$(md5sum <"$f" | cut -d' ' -f1) deleted $n:${f#.}"
		done) >>"$work/got"
	done
	grep ' deleted ' "$r_manifest" | sort >"$work/want"
	if sort "$work/got" | cmp -s - "$work/want"; then
		echo "ok: every deleted file of $(basename "$r_disk") recovered by start sector"
	else
		echo "FAIL: recovered files of $(basename "$r_disk") differ from the manifest:"
		sort "$work/got" | diff - "$work/want" | sed 's/^/    /'
		failed=1
	fi
}
recover "$disk" "$disk.md5"

# fails NAME PATTERN ARGS...: restorefs-scan ARGS exits non-zero and says PATTERN.
fails() {
	f_name=$1 f_pattern=$2
	shift 2
	[ -n "$scan" ] || return 0
	if "$scan" "$@" >"$work/scan.log" 2>&1; then
		echo "FAIL: $f_name: succeeded"
		failed=1
	elif grep -qi -- "$f_pattern" "$work/scan.log"; then
		echo "ok: $f_name"
	else
		echo "FAIL: $f_name: no '$f_pattern' in:" && sed 's/^/    /' "$work/scan.log"
		failed=1
	fi
}
fails "start past the end" "past the end" --start-sector 9999999 "$disk"
fails "wiped primary suggests the backup" "backup" --start-sector 2048 "$disk"
fails "start and boot sector disagree" "starts at sector 2048" \
	--start-sector 2049 --boot-sector 264191 "$disk"

# 2. GPT, 512-byte sectors: table intact, volume 1's boot sector wiped.
disk=$work/gpt512.img
"$here/mkdisk.sh" "$disk" gpt 512
zero "$disk" $((2048 * 512)) 512
expect1='^ntfs start=2048 boot=264191 backup=1 .* partition=1 mft=1 label=VOLONE$'
expect2='^ntfs start=264199 boot=264199 backup=0 .* partition=2 mft=1 label=VOLTWO$'
find_both "GPT 512" "$disk"
if [ -n "$scan" ]; then
	rm -rf "$work/extract"
	"$scan" --partition 2 --extract "$work/extract" "$disk" >"$work/scan.log" 2>&1 ||
		sed 's/^/    /' "$work/scan.log"
	got=$(cd "$work/extract" 2>/dev/null && find . -type f | sort | while read -r f; do
		echo "$(md5sum <"$f" | cut -d' ' -f1) deleted 2:${f#.}"; done | sort)
	want=$(grep ' deleted 2:' "$disk.md5" | sort)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "ok: GPT partition 2 recovered by --partition"
	else
		echo "FAIL: GPT --partition 2: got"; printf '%s\n' "$got" "expected" "$want"; failed=1
	fi
fi

# 3. MBR, 4096-byte sectors (4Kn): table and volume 1's boot sector wiped.
disk=$work/mbr4096.img
"$here/mkdisk.sh" "$disk" mbr 4096
zero "$disk" 0 4096
zero "$disk" $((256 * 4096)) 4096
expect1='^ntfs start=256 boot=33023 backup=1 size=134213632 sector=4096 .* mft=1 label=VOLONE$'
expect2='^ntfs start=33031 boot=33031 backup=0 .* mft=1 label=VOLTWO$'
find_both "4Kn image, --sector-size 4096" "$disk" --sector-size 4096
recover "$disk" "$disk.md5" --sector-size 4096
# The same image read as 512-byte sectors: same volumes, numbers in 512-byte units.
expect1='^ntfs start=2048 boot=264184 backup=1 .* sector=512 .* label=VOLONE$'
expect2='^ntfs start=264248 boot=264248 backup=0 .* sector=512 .* label=VOLTWO$'
find_both "4Kn image as 512" "$disk"
# And through a 4Kn loop device, whose sector size the finder asks the kernel for.
out=$(unshare --mount sh -c '
	loop=$(losetup --find --show --read-only --sector-size 4096 "$2") || exit 1
	trap "losetup -d $loop" EXIT
	"$1" "$loop" --full' sh "$prog" "$disk") || { echo "FAIL: 4Kn loop device"; failed=1; }
check "4Kn loop device (full)" "$out" 2 \
	'^ntfs start=256 boot=33023 backup=1 .* sector=4096 .* label=VOLONE$' \
	'^ntfs start=33031 boot=33031 backup=0 .* sector=4096 .* label=VOLTWO$'

# 4. GPT, 4096-byte sectors, table intact, read as an image file without a sector size:
# the GPT header at byte 4096 tells the sector size.
disk=$work/gpt4096.img
"$here/mkdisk.sh" "$disk" gpt 4096
expect1='^ntfs start=256 boot=256 backup=0 .* sector=4096 .* partition=1 mft=1 label=VOLONE$'
expect2='^ntfs start=33031 boot=33031 backup=0 .* sector=4096 .* partition=2 mft=1 label=VOLTWO$'
find_both "4Kn GPT image" "$disk"

# 5. BitLocker volume headers (from the shared fixtures, skipped when absent): one at
# 3 MiB, which both modes find, one at 150 MiB + 7 sectors, which only full mode reads.
fixtures=${RESTOREFS_FIXTURES:-$here/../../../../shared/fixtures}
bde=bitlk-images/bitlk-aes-xts-128-startup-key.img
if [ -r "$fixtures/bitlk-images.tar.xz" ] &&
	tar -xJf "$fixtures/bitlk-images.tar.xz" --sparse -C "$work" "$bde"; then
	disk=$work/bde.img
	truncate -s 256M "$disk"
	dd if="$work/$bde" of="$disk" bs=1M seek=3 conv=notrunc,sparse status=none
	dd if="$work/$bde" of="$disk" bs=512 seek=$((150 * 2048 + 7)) conv=notrunc,sparse status=none
	rm "$work/$bde"
	at3='^bitlocker start=6144 boot=6144 backup=0 size=104857600 sector=512 .* mft=0 label=-$'
	at150='^bitlocker start=307207 boot=307207 backup=0 size=104857600 '
	check "BitLocker (quick)" "$("$prog" "$disk")" 1 "$at3"
	check "BitLocker (full)" "$("$prog" "$disk" --full)" 2 "$at3" "$at150"
else
	skip_part "BitLocker fixtures not found in $fixtures" || failed=1
fi

# 6. Nothing to find: an empty disk gives no volume and no error.
truncate -s 64M "$work/empty.img"
expect_count=0 expect1=. expect2=.
out=$("$prog" "$work/empty.img" --full)
[ -z "$out" ] && echo "ok: empty disk" || { echo "FAIL: empty disk: $out"; failed=1; }

exit $failed
