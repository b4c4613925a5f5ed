#!/usr/bin/env bash
# A short run of scripts/load.sh on two test images: 16 readers checking md5s with O_DIRECT
# reads and a walker (lstat, listxattr) for 30 s each on basic.img (plain, fragmented,
# sparse and incomplete files, named streams) and compressed.img (LZNT1), with the daemon's
# RSS bound after the warm-up (not in an AddressSanitizer build: load.sh says why), a
# clean unmount and no sanitizer report.
#
#   test_load.sh RESTOREFS LOAD_SH [SECONDS]
set -uo pipefail
TEST_NAME="load"
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
RESTOREFS=$(readlink -f "$1") LOAD=$(readlink -f "$2") SECS=${3:-30}
[[ -c /dev/fuse ]] || skip "/dev/fuse is missing"
[[ $EUID -eq 0 ]] || skip "needs root (unshare --mount)"
command -v unshare >/dev/null || skip "unshare not found"
command -v python3 >/dev/null || skip "python3 not found"
dir=${RESTOREFS_IMAGES:-}
[[ -n "$dir" && -f "$dir/basic.img" && -f "$dir/compressed.img" ]] ||
	skip "RESTOREFS_IMAGES is not set or lacks basic.img and compressed.img (scripts/mkimages.sh DIR)"

failed=0
for image in basic compressed; do
	echo "load: $image.img, $SECS s"
	RESTOREFS="$RESTOREFS" timeout -k 5 $((SECS * 4 + 120)) "$LOAD" "$SECS" "$dir/$image.img" 2>&1 ||
		{ echo "FAIL load: $image.img"; failed=1; }
done
exit "$failed"
