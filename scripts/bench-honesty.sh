#!/usr/bin/env bash
# Benchmark of honesty (not a test): on a volume where deleted files were written over by
# files deleted later, how many files does restorefs call 100 % recoverable although their
# content is wrong, and how many intact files does it still call 100 %?
#
#   scripts/bench-honesty.sh [--size MIB] [--dirs N] [--cache DIR] [--rebuild]
#
# The image (built once through ntfs-3g, cached in /var/tmp/restorefs-honesty): wave 1
# writes N folders of 1,000 files of 1,000 bytes and deletes them all; after a remount,
# wave 2 writes N/2 folders of 1,000 files of 6,000 bytes into the freed clusters (and
# records) and deletes them too. Every file's content is a function of its own name
# (w1d7f123), which stays in its own record even when its folder's record is reused, so
# every deleted file restorefs lists is checked by extracting it and comparing it with
# what was written there: no manifest can drift from the disk.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
SCAN="$BUILDDIR/src/cli/restorefs-scan"
CACHE=/var/tmp/restorefs-honesty
SIZE_MIB=600 DIRS=60 REBUILD=0

die() { printf 'bench-honesty: %s\n' "$*" >&2; exit 1; }
say() { printf 'bench-honesty: %s\n' "$*" >&2; }

BUILD_ONE=""
if [[ "${1:-}" == --build-one ]]; then
	BUILD_ONE=$2 DIRS=$3
	set --
fi
while (($#)); do
	case $1 in
	--size) SIZE_MIB=${2:?}; shift 2 ;;
	--dirs) DIRS=${2:?}; shift 2 ;;
	--cache) CACHE=${2:?}; shift 2 ;;
	--rebuild) REBUILD=1; shift ;;
	-h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done

# content WAVE DIR FILE SIZE: the bytes written to that file (no subprocess: 90,000 calls).
content() {
	local line="wave $1 folder $2 file $3: " out=""
	while ((${#out} < $4)); do out+=$line; done
	printf '%s' "${out:0:$4}"
}

mnt=""
build_image() { # runs inside unshare --mount
	local img=$1 pid
	mnt=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-honesty.XXXXXX")
	trap 'cd /; if mountpoint -q "$mnt"; then umount -l "$mnt"; fi; rmdir "$mnt"' EXIT
	mount --make-rprivate / 2>/dev/null || true
	m() {
		ntfs-3g "$img" "$mnt" -o no_detach,noatime >/dev/null 2>&1 &
		pid=$!
		local i
		for i in $(seq 1 100); do mountpoint -q "$mnt" && return; sleep 0.05; done
		die "ntfs-3g did not mount $img"
	}
	u() { sync; umount "$mnt"; wait "$pid"; }
	local d f
	m
	for ((d = 0; d < DIRS; d++)); do
		mkdir "$mnt/w1-$d"
		for ((f = 0; f < 1000; f++)); do
			content 1 "$d" "$f" 1000 >"$mnt/w1-$d/w1d${d}f$f"
		done
	done
	rm -rf "$mnt"/w1-*
	u
	sleep 1 # wave 2's times must be later than wave 1's
	m
	for ((d = 0; d < DIRS / 2; d++)); do
		mkdir "$mnt/w2-$d"
		for ((f = 0; f < 1000; f++)); do
			content 2 "$d" "$f" 6000 >"$mnt/w2-$d/w2d${d}f$f"
		done
	done
	rm -rf "$mnt"/w2-*
	u
}

if [[ -n "$BUILD_ONE" ]]; then
	build_image "$BUILD_ONE"
	exit 0
fi

[[ $EUID -eq 0 ]] || die "building the image needs root (ntfs-3g, unshare)"
[[ -x "$SCAN" ]] || die "$SCAN not built (scripts/build.sh)"
mkdir -p "$CACHE"
img="$CACHE/honesty-${SIZE_MIB}M-${DIRS}.img"
if [[ ! -f "$img" || $REBUILD == 1 ]]; then
	say "building $img (about a minute per 10 folders)"
	rm -f "$img"
	truncate -s "${SIZE_MIB}M" "$img.tmp"
	mkntfs -F -q -f -c 4096 "$img.tmp" >/dev/null 2>&1 || die "mkntfs failed on $img.tmp"
	unshare --mount bash "${BASH_SOURCE[0]}" --build-one "$img.tmp" "$DIRS"
	mv "$img.tmp" "$img"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-honesty-out.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$SCAN" --format=csv "$img" >"$work/list.csv"
rc=0
"$SCAN" --extract "$work/out" "$img" >/dev/null 2>"$work/extract.err" || rc=$?
((rc == 0 || rc == 4 || rc == 5)) || die "restorefs-scan --extract exited $rc"

# Every listed deleted file: its recoverable %, state and whether its content is right.
python3 - "$work/list.csv" "$work/out" <<'EOF'
import csv, os, re, sys
listing, out = sys.argv[1:3]
def expected(wave, d, f, size):
    line = "wave %s folder %s file %s: " % (wave, d, f)
    return (line * (size // len(line) + 1))[:size].encode()
rows = [r for r in csv.DictReader(open(listing, newline="", encoding="utf-8"))
        if r["type"] == "file" and "removed" in r["flags"]]
right_100 = right_below = wrong_100 = wrong_below = unknown = 0
states = {}
for r in rows:
    m = re.fullmatch(r"w([12])d(\d+)f(\d+)", r["path"].rsplit("/", 1)[-1])
    if m is None:
        unknown += 1
        continue
    wave, d, f = m.groups()
    want = expected(wave, d, f, 1000 if wave == "1" else 6000)
    try:
        got = open(os.path.join(out, r["path"].lstrip("/")), "rb").read()
    except OSError:
        got = None
    full = r["recoverable"] == "100"
    states[r["state"]] = states.get(r["state"], 0) + 1
    if got == want:
        right_100 += full; right_below += not full
    else:
        wrong_100 += full; wrong_below += not full
right = right_100 + right_below
print("deleted files listed:            %d (%d not of this benchmark)" % (len(rows), unknown))
print("content wrong, listed at 100 %%: %d   (must be 0)" % wrong_100)
print("content wrong, listed below 100: %d" % wrong_below)
print("content right, listed at 100 %%: %d of %d (%.2f %%)" % (right_100, right, 100.0 * right_100 / right if right else 0))
print("states: " + ", ".join("%s %d" % kv for kv in sorted(states.items())))
sys.exit(1 if wrong_100 else 0)
EOF
