#!/usr/bin/env bash
# What the mount says and serves beyond the bytes, on the `basic` image (one incomplete file,
# whose attribute list's extension records are gone) and the `overwrite` image:
#   - cp -a of the mount by a non-root user, then rm -rf of the copy by that user;
#   - user.restorefs.state and user.restorefs.unreadable_bytes;
#   - -o unreadable=eio: the incomplete file fails to read, every other file reads;
#   - -o min_recoverable=N hides the files below N %, and only those;
#   - writes fail with EROFS whatever the modes say.
#
#   test_mount_options.sh RESTOREFS
set -uo pipefail
TEST_NAME="fuse-mount-options"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
enter_namespace "$@"
need_image overwrite
OVERWRITE_IMG=$IMG
need_image basic
command -v setpriv >/dev/null || skip "setpriv not found"
chmod 711 "$WORK" # the unprivileged user must reach the mount point and its own folder
NOBODY=65534
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }

# mount OPTIONS...: mounts the attached loop device on $MNT
mount_with() {
	unmount_all
	"$RESTOREFS" "$LOOP" "$MNT" "$@" 2>"$WORK/mount.err" || { say "restorefs $*: $(cat "$WORK/mount.err")"; exit 1; }
	mounted_ok "$MNT" || { say "not mounted"; exit 1; }
}
MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)
attach "$IMG" "$SECTOR_SIZE"
INCOMPLETE="lost+found/record-1672" # frag/attrlist.bin: its name went with its extension records

# ---- a non-root user copies the mount and deletes the copy ------------------------------------
mount_with -o allow_other
mkdir "$WORK/nobody" && chown $NOBODY:$NOBODY "$WORK/nobody"
as_nobody cp -a "$MNT/." "$WORK/nobody/copy" 2>"$WORK/cp.err" || fail "cp -a as nobody: $(head -3 "$WORK/cp.err")"
[[ -f "$WORK/nobody/copy/$INCOMPLETE" ]] || fail "cp -a as nobody did not copy $INCOMPLETE"
as_nobody rm -rf "$WORK/nobody/copy" 2>"$WORK/rm.err" || fail "rm -rf of the copy as nobody: $(head -3 "$WORK/rm.err")"
[[ ! -e "$WORK/nobody/copy" ]] || fail "the copy is still there after rm -rf as nobody"
# read-only whatever the modes say, also for root
out=$( { : >"$MNT/docs/a/notes.txt"; } 2>&1)
[[ "$out" == *"Read-only file system"* ]] || fail "truncating a file: '$out', want EROFS"
out=$(mkdir "$MNT/newdir" 2>&1)
[[ "$out" == *"Read-only file system"* ]] || fail "mkdir: '$out', want EROFS"
out=$(setfattr -n user.x -v 1 "$MNT/docs/a/notes.txt" 2>&1)
[[ "$out" == *"Read-only file system"* ]] || fail "setfattr: '$out', want EROFS"

# ---- xattrs -----------------------------------------------------------------------------------
xattr() { getfattr --only-values -n "user.restorefs.$1" "$MNT/$2" 2>/dev/null; }
[[ "$(xattr state "$INCOMPLETE")" == incomplete ]] || fail "state of $INCOMPLETE: '$(xattr state "$INCOMPLETE")'"
lost=$(xattr unreadable_bytes "$INCOMPLETE")
[[ "$lost" =~ ^[0-9]+$ && "$lost" -gt 0 ]] || fail "unreadable_bytes of $INCOMPLETE: '$lost'"
[[ "$(xattr state docs/a/notes.txt)" == intact ]] || fail "state of docs/a/notes.txt: '$(xattr state docs/a/notes.txt)'"
[[ "$(xattr unreadable_bytes docs/a/notes.txt)" == 0 ]] || fail "unreadable_bytes of an intact file is not 0"
getfattr -d -m - "$MNT/docs" 2>/dev/null | grep -q 'user.restorefs.state' && fail "a directory has a state"
# the lost ranges read as zeros: as many zero bytes at least as are lost
zeros=$(tr -d '\0' <"$MNT/$INCOMPLETE" | wc -c)
size=$(stat -c %s "$MNT/$INCOMPLETE")
((size - zeros >= lost)) || fail "$INCOMPLETE: $((size - zeros)) zero bytes, $lost lost"

# ---- -o unreadable=eio ------------------------------------------------------------------------
mount_with -o unreadable=eio
out=$(cat "$MNT/$INCOMPLETE" 2>&1 >/dev/null)
[[ "$out" == *"Input/output error"* ]] || fail "unreadable=eio: reading $INCOMPLETE: '$out', want EIO"
[[ "$(xattr unreadable_bytes "$INCOMPLETE")" == "$lost" ]] || fail "unreadable=eio: unreadable_bytes changed"
# its first bytes come before any lost range and still read
head -c 4096 "$MNT/$INCOMPLETE" >/dev/null 2>&1 || fail "unreadable=eio: the start of $INCOMPLETE fails too"
bad=$(find "$MNT" -type f ! -path "$MNT/$INCOMPLETE" -exec sh -c 'cat "$1" >/dev/null 2>&1 || echo "$1"' _ {} \; | head -3)
[[ -z "$bad" ]] || fail "unreadable=eio: other files fail to read: $bad"
"$RESTOREFS" "$LOOP" "$MNT" -o unreadable=bogus 2>"$WORK/err" && fail "unreadable=bogus was accepted"
grep -q "not zero or eio" "$WORK/err" || fail "unreadable=bogus: $(cat "$WORK/err")"

# ---- -o min_recoverable ------------------------------------------------------------------------
mount_with -o min_recoverable=100
[[ -e "$MNT/$INCOMPLETE" ]] && fail "min_recoverable=100 shows $INCOMPLETE ($(xattr recoverable "$INCOMPLETE")%)"
ls "$MNT/lost+found" | grep -qx "record-1672" && fail "min_recoverable=100 lists record-1672"
[[ -f "$MNT/docs/a/notes.txt" ]] || fail "min_recoverable=100 hides an intact file"
[[ -d "$MNT/lost+found" ]] || fail "min_recoverable=100 hides a directory"
shown=$(find "$MNT" -type f | wc -l)
mount_with -o min_recoverable=0
all=$(find "$MNT" -type f | wc -l)
((all == shown + 1)) || fail "min_recoverable=100 hides $((all - shown)) files, want 1"
"$RESTOREFS" "$LOOP" "$MNT" -o min_recoverable=101 2>/dev/null && fail "min_recoverable=101 was accepted"

# ---- the overwrite image: the state of an overwritten file -------------------------------------
unmount_all
attach "$OVERWRITE_IMG" 512
mount_with
state=$(xattr state victim.bin)
[[ "$state" == overwritten || "$state" == partly-overwritten ]] || fail "victim.bin state '$state'"
grep -Eq 'contents: [0-9]+ intact, [0-9]+ (partly )?overwritten' "$WORK/mount.err" ||
	fail "the summary line does not count the overwritten file: $(cat "$WORK/mount.err")"

unmount_all
detach_loop
[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
