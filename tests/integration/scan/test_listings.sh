#!/usr/bin/env bash
# test_listings.sh: listings stay the same, byte for byte.
# - vss_2003 (a Windows Server 2003 volume with six shadow copies, a fixed image): each
#   listing format and the main options against tests/data/listings/vss_2003.*, written by
#   restorefs-scan before its listing was made parallel and its index compact.
# - every scripts/mkimages.sh image (made afresh, so no fixed reference): the CSV listing,
#   formatted on every core, against the CSV that listing_from_json.py rebuilds from the
#   JSON listing, which is written one entry at a time through json-glib.
#   env RESTOREFS_SCAN       the restorefs-scan executable
#   env RESTOREFS_IMAGES     the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
#   env RESTOREFS_FIXTURES   the fixtures (default <repo>/../shared/fixtures); missing: SKIP
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
TEST_NAME=scan-listings
# shellcheck source=../skip.sh
. "$HERE/../skip.sh"
scan=${RESTOREFS_SCAN:-}
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
fixtures=${RESTOREFS_FIXTURES:-$HERE/../../../../shared/fixtures}
golden=$HERE/../../data/listings
archive=$fixtures/vss/vss_2003.tgz
[[ -n "$scan" && -x "$scan" ]] || { echo "FAIL: RESTOREFS_SCAN is not an executable: '$scan'"; exit 1; }
[[ -f $archive ]] || skip "no $archive (the shared fixtures)"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
command -v python3 >/dev/null || skip "python3 not found"

W=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-listings.XXXXXX")
trap 'rm -rf "$W"' EXIT
failures=0
fail() { printf 'FAIL %s: %s\n' "$TEST_NAME" "$*"; failures=$((failures + 1)); }
say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

# ---- vss_2003 against the recorded listings ------------------------------------------------
tar -xzf "$archive" -C "$W" || { echo "FAIL $TEST_NAME: cannot extract $archive"; exit 1; }
checked=0
while read -r name args; do
	[[ -f "$golden/vss_2003.$name" ]] || { fail "no recorded listing $golden/vss_2003.$name"; continue; }
	# shellcheck disable=SC2086 # $args holds several options
	(cd "$W" && "$scan" -q $args --offset 32256 vss_2003.raw) >"$W/got" 2>"$W/err" ||
		{ fail "vss_2003 $args exited $?: $(tail -1 "$W/err")"; continue; }
	if cmp -s "$golden/vss_2003.$name" "$W/got"; then
		checked=$((checked + 1))
	else
		fail "vss_2003 $args differs from the recorded listing:"
		diff "$golden/vss_2003.$name" "$W/got" | head -6
	fi
done <<'LISTINGS'
csv -f csv
text -f text
bodyfile -f bodyfile
json -f json
snapshots-off.csv -f csv --snapshots=off
live.csv -f csv --live
no-directories.text -f text --no-directories
LISTINGS
say "vss_2003: $checked listings identical to the recorded ones"

# ---- every test image: CSV against the JSON listing ---------------------------------------
compared=0
for img in "$images"/*.img; do
	[[ -f "${img%.img}.manifest" ]] || continue
	for opt in "" --live; do
		"$scan" -q --format=csv $opt "$img" >"$W/list.csv" 2>/dev/null ||
			{ fail "$(basename "$img") csv $opt exited $?"; continue; }
		"$scan" -q --format=json $opt "$img" 2>/dev/null | python3 "$HERE/listing_from_json.py" >"$W/json.csv" ||
			{ fail "$(basename "$img") json $opt could not be read back"; continue; }
		if cmp -s "$W/list.csv" "$W/json.csv"; then
			compared=$((compared + 1))
		else
			fail "$(basename "$img") $opt: the CSV listing and the JSON listing differ:"
			diff "$W/json.csv" "$W/list.csv" | head -6
		fi
	done
done
((compared > 0)) || fail "no test image listed (is $images empty?)"
say "$compared listings of the test images identical in CSV and JSON"

((failures == 0)) || { say "$failures check(s) failed"; exit 1; }
say ok
