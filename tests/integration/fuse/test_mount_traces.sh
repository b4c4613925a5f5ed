#!/usr/bin/env bash
# The mount of the traces image (scripts/mkimages.sh): a folder named again from its
# parent's index slack is there by its name; ghosts are absent without -o ghosts; with it
# they are empty files of mode 0000 whose open fails (EIO), with user.restorefs.ghost=1 and
# their known size in user.restorefs.ghost_size; with -o deep the files of the reused
# folders are at their original paths. The image is unchanged afterwards.
#
#   test_mount_traces.sh RESTOREFS
set -uo pipefail
TEST_NAME="fuse-traces"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
enter_namespace "$@"
need_image traces
command -v getfattr >/dev/null || skip "getfattr not found"

mount_with() {
	unmount_all
	"$RESTOREFS" "$LOOP" "$MNT" "$@" 2>"$WORK/mount.err" || { say "restorefs $*: $(cat "$WORK/mount.err")"; exit 1; }
	mounted_ok "$MNT" || { say "not mounted"; exit 1; }
}
MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)
attach "$IMG" "$SECTOR_SIZE"

mount_with
while IFS=$'\t' read -r md5 size state rec path; do
	case "$state" in
	trace)
		[[ "$(md5sum <"$MNT/$path" 2>/dev/null | cut -d' ' -f1)" == "$md5" ]] ||
			fail "$path: not served with its md5 by the default mount"
		;;
	ghost)
		[[ ! -e "$MNT/$path" ]] || fail "$path: a ghost is shown without -o ghosts"
		;;
	esac
done <"$MANIFEST"

unmount_all
attach "$IMG" "$SECTOR_SIZE" # a new device: the first daemon may still hold the old one
mount_with -o ghosts,deep
while IFS=$'\t' read -r md5 size state rec path; do
	case "$state" in
	trace-deep)
		[[ "$(md5sum <"$MNT/$path" 2>/dev/null | cut -d' ' -f1)" == "$md5" ]] ||
			fail "$path: not served with its md5 with -o deep"
		;;
	ghost)
		[[ -f "$MNT/$path" ]] || { fail "$path: the ghost is missing with -o ghosts"; continue; }
		[[ "$(stat -c '%a %s' "$MNT/$path")" == "0 0" ]] ||
			fail "$path: mode and size $(stat -c '%a %s' "$MNT/$path"), want 0 0"
		if err=$(cat "$MNT/$path" 2>&1 >/dev/null); then
			fail "$path: reading a ghost succeeded"
		else
			[[ "$err" == *"Input/output error"* ]] || fail "$path: reading a ghost: $err (want EIO)"
		fi
		[[ "$(getfattr --only-values -n user.restorefs.ghost "$MNT/$path" 2>/dev/null)" == 1 ]] ||
			fail "$path: no user.restorefs.ghost=1"
		[[ "$(getfattr --only-values -n user.restorefs.ghost_size "$MNT/$path" 2>/dev/null)" == "$size" ]] ||
			fail "$path: user.restorefs.ghost_size is not $size"
		;;
	esac
done <"$MANIFEST"
unmount_all
detach_loop
[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
