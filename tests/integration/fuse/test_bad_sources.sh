#!/usr/bin/env bash
# Sources that are not usable NTFS volumes: an ext4 image, a truncated NTFS image, an empty
# file, a directory, a missing path; and a bad mount point and -o rw. Each must give one line
# "restorefs: ...", a non-zero exit and no mount, and must not hang.
#
#   test_bad_sources.sh RESTOREFS
set -uo pipefail
TEST_NAME="fuse-bad-sources"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
enter_namespace "$@"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 not found"
command -v mkntfs >/dev/null || skip "mkntfs not found"

truncate -s 16M "$WORK/ext4.img"
mkfs.ext4 -q -F "$WORK/ext4.img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
truncate -s 16M "$WORK/ntfs.img"
mkntfs -F -q -f "$WORK/ntfs.img" >/dev/null 2>&1 || skip "mkntfs failed"
head -c 1M "$WORK/ntfs.img" >"$WORK/truncated.img"
: >"$WORK/empty.img"
mkdir "$WORK/dir"

# expect_refusal WHAT ARGS...: one "restorefs: " line, exit != 0, nothing mounted
expect_refusal() {
	local what=$1 rc
	shift
	timeout 60 "$RESTOREFS" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	if ((rc == 0)); then
		fail "$what: exit 0"
	elif ((rc == 124)); then
		fail "$what: hung"
	fi
	local lines
	lines=$(wc -l <"$WORK/stderr")
	if [[ "$lines" != 1 ]] || ! grep -q '^restorefs: ' "$WORK/stderr"; then
		fail "$what: want one 'restorefs: ' line, got: $(head -c 300 "$WORK/stderr")"
	else
		say "$what: $(cat "$WORK/stderr")"
	fi
	if mountpoint -q "$MNT"; then
		fail "$what: mounted"
		umount -l "$MNT"
	fi
}

expect_refusal "ext4 image" "$WORK/ext4.img" "$MNT"
expect_refusal "truncated NTFS image" "$WORK/truncated.img" "$MNT"
expect_refusal "empty file" "$WORK/empty.img" "$MNT"
expect_refusal "directory" "$WORK/dir" "$MNT"
expect_refusal "missing path" "$WORK/no-such.img" "$MNT"
expect_refusal "missing mount point" "$WORK/ntfs.img" "$WORK/no-such-dir"
expect_refusal "mount point is a file" "$WORK/ntfs.img" "$WORK/empty.img"
expect_refusal "-o rw" -o rw "$WORK/ntfs.img" "$MNT"
expect_refusal "bad overwritten=" -o overwritten=maybe "$WORK/ntfs.img" "$MNT"
expect_refusal "no mount point" "$WORK/ntfs.img"
finish
