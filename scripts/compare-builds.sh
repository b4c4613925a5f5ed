#!/usr/bin/env bash
# Compares what two builds of restorefs-scan make of the same volumes: every listing format
# and every extracted file. For a change that must not change results (a refactor), run it
# against the revision before the change:
#
#   scripts/compare-builds.sh REV [IMAGE...]          build REV in a temporary worktree
#   scripts/compare-builds.sh --old SCAN [IMAGE...]   use an existing restorefs-scan binary
#
# IMAGE defaults to every test image (scripts/mkimages.sh, built into build/test-images).
# The current tree is built into build/ (RESTOREFS_BUILDDIR). Prints one line per image
# and exits non-zero if any listing or extracted file differs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"

die() { printf 'compare-builds: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
case "$1" in -h | --help) usage; exit 0 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-compare.XXXXXX")
OLD_TREE=""
cleanup() {
	if [[ -n "$OLD_TREE" ]]; then git -C "$ROOT" worktree remove --force "$OLD_TREE" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM

if [[ "$1" == --old ]]; then
	[[ $# -ge 2 && -x "$2" ]] || die "--old needs an executable restorefs-scan"
	old_scan=$(readlink -f "$2")
	shift 2
else
	rev=$1
	shift
	git -C "$ROOT" rev-parse --verify -q "$rev^{commit}" >/dev/null || die "$rev is not a revision"
	OLD_TREE="$WORK/old-tree"
	git -C "$ROOT" worktree add -q --detach "$OLD_TREE" "$rev" || die "cannot check out $rev"
	echo "compare-builds: building $rev" >&2
	"$OLD_TREE/scripts/build.sh" "$WORK/old-build" >/dev/null 2>&1 ||
		(cd "$OLD_TREE" && meson setup "$WORK/old-build" -Dtests=false >/dev/null &&
			ninja -C "$WORK/old-build" >/dev/null) || die "building $rev failed"
	old_scan="$WORK/old-build/src/cli/restorefs-scan"
fi

echo "compare-builds: building the current tree ($BUILDDIR)" >&2
"$ROOT/scripts/build.sh" "$BUILDDIR" >/dev/null || die "building the current tree failed"
new_scan="$BUILDDIR/src/cli/restorefs-scan"

images=("$@")
if ((${#images[@]} == 0)); then
	"$ROOT/scripts/mkimages.sh" "$BUILDDIR/test-images" >/dev/null 2>&1 ||
		die "scripts/mkimages.sh $BUILDDIR/test-images failed"
	images=("$BUILDDIR"/test-images/*.img)
fi

# results SCAN IMAGE DIR: every listing format and an extraction of IMAGE into DIR.
results() {
	local scan=$1 img=$2 dir=$3 fmt
	mkdir -p "$dir"
	for fmt in text csv json bodyfile; do
		"$scan" --format="$fmt" "$img" >"$dir/list.$fmt" 2>/dev/null || echo "exit $?" >>"$dir/list.$fmt"
		"$scan" --format="$fmt" --live "$img" >"$dir/live.$fmt" 2>/dev/null || echo "exit $?" >>"$dir/live.$fmt"
	done
	"$scan" --extract "$dir/files" "$img" >/dev/null 2>&1 || echo "exit $?" >"$dir/extract.status"
	if [[ -d "$dir/files" ]]; then
		# Times of files and of folders from the volume; lost+found has none of its own.
		(cd "$dir/files" && find . -mindepth 1 ! -path ./lost+found \
			-printf '%y %s %TY-%Tm-%Td %TT %p\n' | LC_ALL=C sort >"$dir/tree" &&
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum >"$dir/md5")
		rm -rf "$dir/files"
	fi
}

differ=0
for img in "${images[@]}"; do
	[[ -r "$img" ]] || die "cannot read $img"
	name=$(basename "$img")
	before=$(md5sum <"$img")
	results "$old_scan" "$img" "$WORK/old/$name"
	results "$new_scan" "$img" "$WORK/new/$name"
	[[ "$(md5sum <"$img")" == "$before" ]] || { echo "FAIL $name: the image changed"; differ=1; }
	if out=$(diff -r "$WORK/old/$name" "$WORK/new/$name"); then
		printf 'same %s (%s entries, %s files extracted)\n' "$name" \
			"$(($(wc -l <"$WORK/new/$name/list.csv") - 1))" "$(wc -l <"$WORK/new/$name/md5" 2>/dev/null || echo 0)"
	else
		printf 'DIFFERENT %s:\n%s\n' "$name" "$(head -40 <<<"$out")"
		differ=1
	fi
done
((differ == 0)) || { echo "compare-builds: the builds differ"; exit 1; }
echo "compare-builds: ${#images[@]} images, identical listings and extracted files"
