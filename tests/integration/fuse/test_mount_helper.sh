#!/usr/bin/env bash
# The ways a mount starts and ends: `mount -t fuse.restorefs` (mount(8) -> mount.fuse3 ->
# restorefs from PATH), an fstab line, foreground mode ended by SIGTERM and SIGINT, and a
# lazy unmount while a file is open.
#
#   test_mount_helper.sh RESTOREFS IMAGE_NAME
set -uo pipefail
TEST_NAME="fuse-mount-helper"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
enter_namespace "$@"
need_image "$2"
command -v mount.fuse3 >/dev/null || skip "mount.fuse3 not found"

MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)
attach "$IMG" "$SECTOR_SIZE"
# a deleted file to read: the first one in the manifest that is a plain path
FILE=$(awk -F'\t' '$3 == "deleted" && $5 !~ /:/ { print $5; exit }' "$MANIFEST")
WANT=$(awk -F'\t' -v p="$FILE" '$5 == p { print $1; exit }' "$MANIFEST")
[[ -n "$FILE" ]] || skip "no deleted file in the manifest"

# mount(8) runs helpers with a fixed PATH; in this namespace only, /usr/local/sbin holds a
# link to the restorefs under test
mkdir -p "$WORK/sbin"
ln -s "$RESTOREFS" "$WORK/sbin/restorefs"
mount --bind "$WORK/sbin" /usr/local/sbin

check_mount() { # check_mount WHAT: mounted read-only, the file reads right; then unmount
	local what=$1
	if ! mounted_ok "$MNT"; then
		fail "$what: not mounted"
		return
	fi
	grep -q " $MNT fuse.restorefs ro," /proc/mounts || fail "$what: not read-only"
	[[ "$(md5sum <"$MNT/$FILE" | cut -d' ' -f1)" == "$WANT" ]] || fail "$what: wrong data in $FILE"
	umount "$MNT" || fail "$what: umount failed"
	detach_loop
	wait_detached "$IMG" || fail "$what: restorefs did not exit after umount"
	mountpoint -q "$MNT" && umount -l "$MNT"
}

# mount(8) adds "rw" unless told "ro": through the helper that is the default, not a request
mount -t fuse.restorefs "$LOOP" "$MNT" 2>"$WORK/err" || fail "mount -t fuse.restorefs: $(cat "$WORK/err")"
check_mount "mount -t"
attach "$IMG" "$SECTOR_SIZE"
mount -t fuse.restorefs -o ro,uid=1234,gid=1234,umask=027 "$LOOP" "$MNT" 2>"$WORK/err" ||
	fail "mount -t -o ro,uid=: $(cat "$WORK/err")"
[[ "$(stat -c %u:%g:%a "$MNT/$FILE" 2>/dev/null)" == "1234:1234:640" ]] ||
	fail "uid/gid/umask through mount -t: $(stat -c %u:%g:%a "$MNT/$FILE")"
check_mount "mount -t -o"

attach "$IMG" "$SECTOR_SIZE"
printf '%s %s fuse.restorefs defaults,noauto,allow_other 0 0\n' "$LOOP" "$MNT" >"$WORK/fstab"
mount -T "$WORK/fstab" "$MNT" 2>"$WORK/err" || fail "mount from fstab: $(cat "$WORK/err")"
check_mount "fstab"

# foreground; SIGTERM and SIGINT unmount (job control, so the shell leaves SIGINT alone)
for sig in TERM INT; do
	attach "$IMG" "$SECTOR_SIZE"
	set -m
	"$RESTOREFS" -f "$LOOP" "$MNT" 2>"$WORK/err" &
	DAEMON_PID=$!
	set +m
	for i in $(seq 1 200); do mounted_ok "$MNT" && break; sleep 0.05; done
	mounted_ok "$MNT" || fail "-f: not mounted: $(cat "$WORK/err")"
	kill -"$sig" "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=""
	((rc == 0)) || fail "SIG$sig: exit $rc"
	mountpoint -q "$MNT" && { fail "SIG$sig: still mounted"; umount -l "$MNT"; }
	detach_loop
done

# a file open across a lazy unmount keeps reading; the daemon exits when it is closed
attach "$IMG" "$SECTOR_SIZE"
"$RESTOREFS" "$LOOP" "$MNT" 2>"$WORK/err" || fail "restorefs: $(cat "$WORK/err")"
exec 3<"$MNT/$FILE"
umount "$MNT" 2>/dev/null && fail "umount with an open file succeeded (expected EBUSY)"
fusermount3 -u -z "$MNT" || fail "fusermount3 -u -z failed"
mountpoint -q "$MNT" && fail "still mounted after a lazy unmount"
[[ "$(md5sum <&3 | cut -d' ' -f1)" == "$WANT" ]] || fail "open file unreadable after lazy unmount"
exec 3<&-
losetup -d "$LOOP" && LOOP=""
wait_detached "$IMG" || fail "restorefs did not exit after its last file closed"

[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
