#!/usr/bin/env bash
# test_carve.sh IMAGE_NAME: the deep scan of a quick-formatted volume (scripts/mkimages.sh
# `formatted`). Its manifest holds the files from before the format with their states (see
# mkimages.sh): at least 95 % of the `deleted` ones must come back at their path with their
# md5 from `restorefs-scan --deep --extract`, every listed file must say it was carved, no
# `overwritten` one may be listed at 100 %, and the image must be byte-identical afterwards.
#   env RESTOREFS_SCAN    the restorefs-scan executable
#   env RESTOREFS_IMAGES  the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -euo pipefail

name=${1:?usage: test_carve.sh IMAGE_NAME}
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}

TEST_NAME="scan-carve-$name"
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/$name.img"
manifest="$images/$name.manifest"
[[ -f "$img" && -f "$manifest" ]] || skip "image $name is not in $images (scripts/mkimages.sh $images $name)"
[[ -n "$scan" && -x "$scan" ]] || { echo "FAIL: RESTOREFS_SCAN is not an executable: '$scan'"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-carve-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
md5_of() { md5sum <"$1" | cut -d' ' -f1; }
image_md5=$(md5_of "$img")

# Without --deep the formatted volume holds nothing deleted (without a boot sector, the
# geometry is inferred either way).
"$scan" --format=csv "$img" >"$tmp/plain.csv" 2>/dev/null || true
[[ $(wc -l <"$tmp/plain.csv") -le 1 ]] || fail "the plain scan lists files on a freshly formatted volume"

"$scan" --deep --format=csv "$img" >"$tmp/list.csv" 2>"$tmp/list.err" ||
	{ echo "FAIL: restorefs-scan --deep --format=csv exited with an error:"; sed 's/^/    /' "$tmp/list.err"; exit 1; }
# path recoverable flags, tab separated
python3 - "$tmp/list.csv" >"$tmp/list.tsv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    for r in csv.DictReader(f):
        print('\t'.join([r['path'].lstrip('/'), r['recoverable'], r['flags']]))
PY
if [[ "$name" == *noboot ]]; then
	grep -q "no boot sector, MFT records found: inferred cluster size" "$tmp/list.err" ||
		fail "the inferred geometry is not reported: $(cat "$tmp/list.err")"
fi
not_carved=$(awk -F'\t' '$3 ~ /removed/ && $3 !~ /carved/' "$tmp/list.tsv" | head -1)
[[ -z "$not_carved" ]] || fail "a deleted entry is not flagged carved: $not_carved"

# Exit 5: some files are not intact (the overwritten ones).
rc=0
"$scan" --deep --quiet --extract "$tmp/out" "$img" >"$tmp/extract.log" 2>&1 || rc=$?
[[ $rc -eq 0 || $rc -eq 5 ]] || { fail "--deep --extract exited $rc"; sed 's/^/    /' "$tmp/extract.log"; }

want=0 got=0 dirs=0 dirs_got=0
while IFS=$'\t' read -r md5 size state recno path; do
	case "$state" in
	deleted)
		want=$((want + 1))
		if [[ -f "$tmp/out/$path" && "$(md5_of "$tmp/out/$path")" == "$md5" ]]; then
			got=$((got + 1))
		else
			echo "missing or wrong: $path (record $recno)"
		fi
		;;
	deleted-dir)
		dirs=$((dirs + 1))
		[[ -d "$tmp/out/$path" ]] && dirs_got=$((dirs_got + 1))
		;;
	overwritten)
		pct=$(awk -F'\t' -v p="$path" '$1 == p { print $2; exit }' "$tmp/list.tsv")
		[[ "$pct" != 100 ]] || fail "$path: overwritten (record $recno) but listed at 100 %"
		;;
	esac
done <"$manifest"
echo "deleted files recovered byte-exact at their path: $got of $want; directories: $dirs_got of $dirs"
((want > 0)) || fail "the manifest names no surviving file"
((got * 100 >= want * 95)) || fail "fewer than 95 % of the surviving files came back"
((dirs_got == dirs)) || fail "not every surviving directory came back"

# On a disk, 1 MiB in: --find-volumes --full reports it with a command line that works.
if [[ "$name" == *noboot ]]; then
	{ head -c 1048576 /dev/zero; cat "$img"; head -c 1048576 /dev/zero; } >"$tmp/disk.img"
	"$scan" --find-volumes --full "$tmp/disk.img" >"$tmp/found.txt" 2>&1 || fail "--find-volumes --full failed"
	grep -q "NTFS at sector 2048, .*no boot sector, MFT records found" "$tmp/found.txt" ||
		fail "--find-volumes does not report the volume: $(cat "$tmp/found.txt")"
	grep -q "mount with:  restorefs --start-sector 2048 " "$tmp/found.txt" || fail "no command line for it"
	"$scan" --deep --format=csv --start-sector 2048 "$tmp/disk.img" 2>/dev/null >"$tmp/disk.csv" ||
		fail "--start-sector 2048 on the disk failed"
	cmp -s <(cut -d, -f1-10 "$tmp/disk.csv") <(cut -d, -f1-10 "$tmp/list.csv") ||
		fail "the listing at --start-sector 2048 differs from the volume's"
fi

[[ "$(md5_of "$img")" == "$image_md5" ]] || fail "the image changed"
((failures == 0)) || { echo "$failures failure(s)"; exit 1; }
echo "PASS $TEST_NAME"
