#!/bin/sh
# restorefs as a container runs it: inside a new user and mount namespace (unshare -r -m),
# with no privilege outside them. As the unprivileged user nobody when nobody may open
# /dev/fuse (as on most hosts, mode 0666), else as root mapped to itself in the new user
# namespace (which holds no capability outside it). Where /dev/fuse is 0600, the test
# stands in a 0666 node of the same device for it, in a mount namespace of its own. Mounts an image, lists it, reads a
# deleted file against the manifest's md5, unmounts, and checks nothing is left mounted.
# usage: test_userns.sh RESTOREFS
set -u
export LC_ALL=C
restorefs=$1
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=fuse-userns
. "$here/../skip.sh"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v unshare >/dev/null 2>&1 || skip "unshare not installed"
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
img=$images/demo.img
[ -f "$img" ] && [ -f "$images/demo.manifest" ] || skip "no demo.img (set RESTOREFS_IMAGES)"
if ! unshare -r -m true 2>/dev/null; then
	in_chroot && skip_unsupported "Linux refuses new user namespaces inside a chroot (unshare -r -m)"
	skip "user namespaces are not available (unshare -r -m)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"
mkdir "$work/mnt" "$work/res"
line=$(awk -F '\t' '$3 == "deleted" { print; exit }' "$images/demo.manifest")
md5=$(printf '%s\n' "$line" | cut -f1)
path=$(printf '%s\n' "$line" | cut -f5)

nobody_can() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c '[ -r /dev/fuse ] && [ -w /dev/fuse ] && [ -r "$1" ]' sh "$img"
}
as=
who="$(id -un)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	if ! nobody_can && [ -z "${USERNS_TEST_FUSE_SHARED:-}" ]; then
		# /dev/fuse is 0600 on this host; most give it 0666. In a mount namespace of this
		# test only, a node of the same device with mode 0666 stands in for it.
		if mknod -m 0666 "$work/fuse" c 10 229 2>/dev/null; then
			env USERNS_TEST_FUSE_SHARED=1 unshare --mount --propagation private sh -c \
				'mount --bind "$1" /dev/fuse && exec sh "$2" "$3"' sh "$work/fuse" "$0" "$restorefs"
			exit $?
		fi
	fi
	if nobody_can; then
		as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
		chown nobody "$work/mnt" "$work/res"
		who=nobody
	fi
fi
# In the namespaces: mount, list, read, unmount; prints the md5 and the listing.
$as unshare -r -m sh -c '
	set -e
	"$1" "$2" "$3" 2>"$5/mount.err"
	ls "$3" >"$5/ls"
	md5sum <"$3/$4" | cut -d" " -f1 >"$5/md5"
	umount "$3"
	! mountpoint -q "$3"' sh "$restorefs" "$img" "$work/mnt" "$path" "$work/res" >"$work/out" 2>&1
rc=$?
failed=0
if [ $rc != 0 ]; then
	echo "FAIL: as $who in a user and mount namespace: exit $rc: $(cat "$work/out" "$work/res/mount.err" 2>/dev/null)"
	exit 1
fi
grep -qx Documents "$work/res/ls" && echo "ok: as $who: listed $(tr '\n' ' ' <"$work/res/ls")" ||
	{ echo "FAIL: listing: $(cat "$work/res/ls")"; failed=1; }
[ "$(cat "$work/res/md5")" = "$md5" ] && echo "ok: as $who: read /$path, md5 $md5" ||
	{ echo "FAIL: /$path: md5 $(cat "$work/res/md5"), want $md5"; failed=1; }
if grep -qF " $work/mnt " /proc/self/mountinfo; then
	echo "FAIL: the mount is visible outside its namespace"
	failed=1
else
	echo "ok: unmounted, and never visible outside the namespace"
fi
exit $failed
