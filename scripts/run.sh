#!/usr/bin/env bash
# restorefs in one command.
#
#   scripts/run.sh                           build, make a demo NTFS image with deleted files,
#                                            and show what restorefs finds in it
#   scripts/run.sh SOURCE MOUNTPOINT [opts]  mount SOURCE's deleted files (the restorefs daemon)
#   scripts/run.sh scan SOURCE [opts]        list (or --extract) them with restorefs-scan
#
# Every form first installs missing packages and builds into build/ (RESTOREFS_BUILDDIR).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
SCAN="$BUILDDIR/src/cli/restorefs-scan"
DAEMON="$BUILDDIR/src/fuse/restorefs"

die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
[[ -t 1 ]] || say() { printf '==> %s\n' "$*"; }

build() {
	local log
	log=$(mktemp)
	if ! { "$ROOT/scripts/deps.sh" && "$ROOT/scripts/build.sh" "$BUILDDIR"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "the build failed (output above)"
	fi
	rm -f "$log"
}

demo_mount() {
	local img=$1 mnt
	mnt=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-demo.XXXXXX")
	# A private mount namespace: the mount cannot outlive this script.
	unshare --mount bash -s "$DAEMON" "$img" "$mnt" <<'INNER'
set -euo pipefail
daemon=$1 img=$2 mnt=$3
cleanup() {
	if mountpoint -q "$mnt"; then fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"; fi
	rmdir "$mnt"
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
mount --make-rprivate / 2>/dev/null || true
"$daemon" "$img" "$mnt"
echo "mounted at $mnt:"
(cd "$mnt" && ls -lR --time-style=long-iso .)
INNER
}

# demo_verify IMAGE MANIFEST: extracts every deleted file and checks it against the manifest.
demo_verify() {
	local img=$1 manifest=$2 out md5 size state rec path got ok=0 total=0
	out=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-demo-out.XXXXXX")
	# shellcheck disable=SC2064 # expand now: $out is local
	trap "rm -rf '$out'" RETURN
	"$SCAN" --extract "$out/files" "$img" >/dev/null 2>&1 || die "restorefs-scan --extract failed"
	while IFS=$'\t' read -r md5 size state rec path; do
		[[ "$state" == deleted ]] || continue
		total=$((total + 1))
		got=$(md5sum <"$out/files/$path" 2>/dev/null | cut -d' ' -f1) || true
		if [[ "$got" == "$md5" ]]; then
			ok=$((ok + 1))
			printf '    ok   %s  %s\n' "$md5" "$path"
		else
			printf '    BAD  %s  %s (got %s)\n' "$md5" "$path" "${got:-nothing}"
		fi
	done <"$manifest"
	printf '    %d of %d deleted files recovered byte-exact\n' "$ok" "$total"
	((ok == total)) || die "recovered files differ from what was deleted"
}

demo() {
	[[ $EUID -eq 0 ]] || die "the demo builds an NTFS image through ntfs-3g and needs root (try: sudo $0)"
	say "Installing what is missing and building"
	build
	local dir="$BUILDDIR/demo"
	say "Creating the demo NTFS image with deleted files (cached in $dir)"
	"$ROOT/scripts/mkimages.sh" "$dir" demo
	local img="$dir/demo.img"
	printf '    image: %s\n    ground truth (what was deleted): %s\n' "$img" "$dir/demo.manifest"
	[[ -x "$SCAN" ]] || die "$SCAN was not built"
	say "restorefs-scan $img"
	"$SCAN" "$img" || die "restorefs-scan failed (exit $?)"
	say "Extracting them and comparing with the checksums recorded before deletion"
	demo_verify "$img" "$dir/demo.manifest"
	if [[ -x "$DAEMON" ]]; then
		say "Mounting it with restorefs (private mount namespace) and listing the tree"
		demo_mount "$img" || die "the restorefs mount failed"
		say "Unmounted"
	fi
	cat <<EOF_HINT

Try it yourself:
  scripts/run.sh scan $img --format=csv
  scripts/run.sh scan $img --extract /tmp/recovered
  mkdir -p /tmp/deleted && scripts/run.sh $img /tmp/deleted && ls /tmp/deleted
  fusermount3 -u /tmp/deleted
EOF_HINT
}

case "${1:-}" in
"") demo ;;
-h | --help)
	sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	;;
scan)
	shift
	[[ $# -ge 1 ]] || die "usage: scripts/run.sh scan SOURCE [restorefs-scan options]"
	build
	[[ -x "$SCAN" ]] || die "$SCAN was not built"
	exec "$SCAN" "$@"
	;;
*)
	[[ $# -ge 2 ]] || die "usage: scripts/run.sh SOURCE MOUNTPOINT [restorefs options]  (or: scan SOURCE)"
	build
	[[ -x "$DAEMON" ]] || die "$DAEMON was not built"
	exec "$DAEMON" "$@"
	;;
esac
