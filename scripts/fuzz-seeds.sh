#!/usr/bin/env bash
# Remakes the fuzz seed corpora under tests/fuzz/corpus/<target>/ (scripts/fuzz_seeds.py
# does the carving):
#   NTFS test images (RESTOREFS_IMAGES, from scripts/mkimages.sh): boot sectors, records
#     in their on-disk form, runlists, LZNT1 compression units, their first MFT records,
#     and each 4 KiB-cluster image shrunk to fuzz_volume's 256 KiB volume;
#   ../shared/fixtures/windows-ntfs: boot sectors, records and MFTs written by Windows,
#     $INDEX_ROOT values and $UsnJrnl:$J slices; tests/unit/data: INDX blocks;
#   ../shared/fixtures/bitlk-images.tar.xz: BitLocker volume headers, FVE metadata blocks
#     (also for the key protector parser) and startup key (.BEK) files;
#   small disks partitioned here by sfdisk: an MBR with an extended partition, a GPT.
# Usage: scripts/fuzz-seeds.sh [IMAGES_DIR]   (default $RESTOREFS_IMAGES, else build/test-images)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES=${1:-${RESTOREFS_IMAGES:-$ROOT/build/test-images}}
FIXTURES=${RFS_FIXTURES_DIR:-$ROOT/../shared/fixtures}
CORPUS=$ROOT/tests/fuzz/corpus
[[ -d "$IMAGES" ]] || { echo "fuzz-seeds: no test images in $IMAGES (scripts/mkimages.sh DIR)" >&2; exit 1; }
[[ -d "$FIXTURES/windows-ntfs" ]] || { echo "fuzz-seeds: no fixtures in $FIXTURES" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-seeds.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# BitLocker: a few volumes of different kinds are enough (each is 100+ MiB unpacked).
mkdir -p "$TMP/bitlk"
tar -xJf "$FIXTURES/bitlk-images.tar.xz" -C "$TMP/bitlk" --strip-components=1 \
	bitlk-images/bitlk-aes-xts-128.img bitlk-images/bitlk-aes-cbc-elephant-128.img \
	bitlk-images/bitlk-togo-aes-cbc-128.img bitlk-images/bitlk-aes-xts-128-4k.img \
	bitlk-images/AA80A52B-9B66-47AE-B097-33F536FFBB07.BEK \
	bitlk-images/4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK

# Tiny disks: an MBR with two logical partitions (their extended boot records within the
# first 16 KiB), and a GPT with its backup at the end of 48 KiB.
mkdir -p "$TMP/disks"
truncate -s 32K "$TMP/disks/mbr"
printf 'label: dos\nstart=4, size=8, type=7\nstart=12, size=40, type=5\nstart=14, size=8, type=7\nstart=24, size=8, type=83\n' |
	sfdisk -q --no-reread --no-tell-kernel "$TMP/disks/mbr" >/dev/null
truncate -s 48K "$TMP/disks/gpt"
printf 'label: gpt\nfirst-lba: 34\nstart=34, size=16, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\nstart=50, size=8\n' |
	sfdisk -q --no-reread --no-tell-kernel "$TMP/disks/gpt" >/dev/null

rm -rf "$CORPUS"
python3 "$ROOT/scripts/fuzz_seeds.py" "$CORPUS" "$IMAGES" "$FIXTURES/windows-ntfs" "$TMP/bitlk" "$TMP/disks"
for d in "$CORPUS"/*/; do
	printf '%-14s %3d seeds %6s\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)" "$(du -sh --apparent-size "$d" | cut -f1)"
done
printf 'total %s\n' "$(du -sh --apparent-size "$CORPUS" | cut -f1)"
