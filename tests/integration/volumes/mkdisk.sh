#!/bin/sh
# Builds a 256 MiB disk image with two NTFS partitions holding deleted files:
#   1: from 1 MiB, 128 MiB long (ends on a 1 MiB boundary)      label VOLONE
#   2: from 129 MiB + 7 sectors (not aligned) to 250 MiB         label VOLTWO
# usage: mkdisk.sh OUT mbr|gpt SECTOR_SIZE
# Writes OUT, OUT.md5 (md5 and path of every file written, "deleted" or "live") and
# OUT.layout (partition start and sector count per line). Needs root; attaches a loop
# device and mounts inside its own mount namespace, and leaves neither behind.
set -eu

out=$1 table=$2 ss=$3
if [ -z "${VOLUMES_IN_NS:-}" ]; then
	VOLUMES_IN_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi

mib=$((1048576 / ss))
p1_start=$mib
p1_size=$((128 * mib))
p2_start=$((129 * mib + 7))
p2_size=$((250 * mib - p2_start))

work=$(mktemp -d)
loop=
cleanup() {
	for m in "$work"/mnt1 "$work"/mnt2; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$work"
}
# One loop device per partition (byte range of the image): partition scanning of loop
# devices is not available everywhere.
attach() {
	loop=$(losetup --find --show --sector-size "$ss" --offset $(($1 * ss)) \
		--sizelimit $(($2 * ss)) "$out")
}
trap cleanup EXIT INT TERM

rm -f "$out"
truncate -s 256M "$out"
{
	[ "$table" = gpt ] && echo "label: gpt" || echo "label: dos"
	echo "sector-size: $ss"
	if [ "$table" = gpt ]; then
		echo "start=$p1_start, size=$p1_size, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=first"
		echo "start=$p2_start, size=$p2_size, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=second"
	else
		echo "start=$p1_start, size=$p1_size, type=7"
		echo "start=$p2_start, size=$p2_size, type=7"
	fi
} >"$work/table"
# Through a loop device, so that sfdisk sees the sector size the table is written for.
loop=$(losetup --find --show --sector-size "$ss" "$out")
sfdisk --quiet --no-reread --no-tell-kernel "$loop" <"$work/table" >/dev/null
losetup -d "$loop"
loop=
printf '%s %s\n%s %s\n' "$p1_start" "$p1_size" "$p2_start" "$p2_size" >"$out.layout"

: >"$out.md5"
n=0
for part in 1 2; do
	n=$((n + 1))
	label=$([ $part = 1 ] && echo VOLONE || echo VOLTWO)
	if [ $part = 1 ]; then attach "$p1_start" "$p1_size"; else attach "$p2_start" "$p2_size"; fi
	start=$([ $part = 1 ] && echo "$p1_start" || echo "$p2_start")
	mkntfs -F -Q -q -s "$ss" -p "$start" -H 255 -S 63 -L "$label" "$loop"
	mkdir -p "$work/mnt$part"
	ntfs-3g "$loop" "$work/mnt$part"
	mkdir "$work/mnt$part/docs"
	for f in a b c d; do
		head -c $((n * 70000 + ${#f} * 1234)) /dev/urandom >"$work/mnt$part/docs/$f-$part.bin"
		n=$((n + 1))
	done
	echo "small file on volume $part" >"$work/mnt$part/note-$part.txt"
	for f in "$work/mnt$part"/docs/* "$work/mnt$part"/note-$part.txt; do
		rel=${f#"$work/mnt$part"}
		state=live
		case $rel in */a-*|*/c-*|*/note-*) state=deleted ;; esac
		printf '%s %s %s:%s\n' "$(md5sum <"$f" | cut -d' ' -f1)" "$state" "$part" "$rel" >>"$out.md5"
	done
	rm "$work/mnt$part"/docs/a-$part.bin "$work/mnt$part"/docs/c-$part.bin "$work/mnt$part"/note-$part.txt
	umount "$work/mnt$part"
	losetup -d "$loop"
	loop=
done
