#!/usr/bin/env bash
# test_extract.sh IMAGE_NAME: lists and extracts every deleted file of a scripts/mkimages.sh
# image with restorefs-scan and checks the result against the image's manifest, line by line;
# the image must be byte-identical afterwards.
#   env RESTOREFS_SCAN    the restorefs-scan executable
#   env RESTOREFS_IMAGES  the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -euo pipefail

name=${1:?usage: test_extract.sh IMAGE_NAME}
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}

TEST_NAME="scan-extract-$name"
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/$name.img"
manifest="$images/$name.manifest"
[[ -f "$img" && -f "$manifest" ]] || skip "image $name is not in $images (scripts/mkimages.sh $images $name)"
[[ -n "$scan" && -x "$scan" ]] || { echo "FAIL: RESTOREFS_SCAN is not an executable: '$scan'"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-scan-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
failures=0 checked=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
md5_of() { md5sum <"$1" | cut -d' ' -f1; }

image_md5=$(md5_of "$img")

# ---- list ----------------------------------------------------------------------------------
if ! "$scan" --format=csv "$img" >"$tmp/list.csv" 2>"$tmp/list.err"; then
	echo "FAIL: restorefs-scan --format=csv $img exited with an error:"
	sed 's/^/    /' "$tmp/list.err"
	exit 1
fi
expected_header='path,mft_record,sequence,stream,type,size,allocated,clusters,clusters_in_use,recoverable,flags,attributes,created,modified,accessed,mft_changed,original_path,state,deleted,path_source,snapshot'
header=$(head -n1 "$tmp/list.csv" | tr -d '\r')
[[ "$header" == "$expected_header" ]] || fail "CSV header is '$header'"

# The CSV (RFC 4180 quoting) as tab-separated rows: mft_record stream type recoverable flags
# path state ("" when the listing has no state column).
python3 - "$tmp/list.csv" >"$tmp/list.tsv" <<'EOF' || { echo "FAIL: the CSV listing does not parse"; exit 1; }
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    rows = csv.DictReader(f)
    for r in rows:
        fields = [r['mft_record'], r['stream'], r['type'], r['recoverable'], r['flags'], r['path'],
                  r['state']]
        if any('\t' in x or '\n' in x for x in fields):
            sys.exit('a field holds a tab or newline: %r' % (fields,))
        print('\t'.join(fields))
EOF

# Deleted files and streams that are not intact: what --extract must name and count.
# Ghosts (names from index entries, no data) are listed but never extracted.
not_intact=$(awk -F'\t' '$3 != "dir" && $3 != "ghost" && $5 ~ /removed/ && $7 != "intact"' "$tmp/list.tsv" | wc -l)
ghosts=$(awk -F'\t' '$3 == "ghost"' "$tmp/list.tsv" | wc -l)
bad_state=$(awk -F'\t' '$7 !~ /^(intact|partly-overwritten|overwritten|incomplete|contested)$/' "$tmp/list.tsv" | head -1)
[[ -z "$bad_state" ]] || fail "a row has no valid state: $bad_state"

# rows REC [STREAM]: listing rows of record REC (and of its STREAM, "" = unnamed) as
# "type<TAB>recoverable<TAB>flags<TAB>path<TAB>state".
rows() {
	awk -F'\t' -v r="$1" -v s="${2-}" -v filt="${2+x}" \
		'$1 == r && (filt == "" || $2 == s) { print $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 }' "$tmp/list.tsv"
}

# ---- extract -------------------------------------------------------------------------------
# 0: every file intact; 5: some not intact (each named); 4 wins when ranges were unreadable.
extract_rc=0
"$scan" --extract "$out" "$img" >"$tmp/extract.log" 2>"$tmp/extract.err" || extract_rc=$?
want_rc=0
((not_intact > 0)) && want_rc=5
grep -q 'unreadable, zero-filled' "$tmp/extract.err" && want_rc=4
if ((extract_rc != want_rc)); then
	fail "restorefs-scan --extract exited $extract_rc, want $want_rc ($not_intact files not intact):"
	tail -n 20 "$tmp/extract.err" | sed 's/^/    /'
fi
named=$(grep -c ': not intact: ' "$tmp/extract.err" || true)
((named == not_intact)) || fail "--extract named $named files as not intact, the listing has $not_intact"
if ((ghosts > 0)); then
	grep -q "; $ghosts ghosts\{0,1\} not written" "$tmp/extract.log" "$tmp/extract.err" ||
		fail "the --extract summary does not say that $ghosts ghosts were not written"
fi
intact_listed=$(awk -F'\t' '$3 != "dir" && $5 ~ /removed/ && $7 == "intact"' "$tmp/list.tsv" | wc -l)
grep -q "; contents: $intact_listed intact" "$tmp/extract.log" ||
	fail "--extract summary does not count $intact_listed intact files: $(cat "$tmp/extract.log")"
if [[ "$name" == overwrite ]]; then
	((extract_rc == 5)) || fail "the overwrite image must extract with status 5, got $extract_rc"
	grep -Eq 'contents: [0-9]+ intact, [0-9]+ (partly )?overwritten' "$tmp/extract.log" ||
		fail "the overwrite image's summary does not count the overwritten file: $(cat "$tmp/extract.log")"
fi
[[ -z "$(find "$out" -name '*.restorefs-partial')" ]] || fail "partial files remain under $out"
[[ -d "$out" ]] || { echo "FAIL: --extract created no $out"; exit 1; }

# same_place EXPECTED LISTED: LISTED is EXPECTED or its collision name (same directory,
# same extension, name starting with the original stem).
same_place() {
	local want=$1 got=$2 wdir gdir wbase gbase stem ext
	[[ "$got" == "$want" ]] && return 0
	wdir=$(dirname "$want") gdir=$(dirname "$got")
	[[ "$wdir" == "$gdir" ]] || return 1
	wbase=$(basename "$want") gbase=$(basename "$got")
	stem=${wbase%.*} ext=""
	[[ "$wbase" == *.* ]] && ext=.${wbase##*.}
	[[ "$gbase" == "$stem"* && "$gbase" == *"$ext" ]]
}

check_deleted() {
	local md5=$1 rec=$2 path=$3 stream="" listed found="" type p
	[[ "$path" == *:* ]] && stream=${path#*:}
	if [[ -f "$out/$path" && "$(md5_of "$out/$path")" == "$md5" ]]; then
		found=$path
	else
		# Collision names: find the record's row and check that it sits where it belongs.
		while IFS=$'\t' read -r type _ _ listed _; do
			[[ "$type" != dir ]] || continue
			p=${listed#/}
			if same_place "$path" "$p" && [[ -f "$out/$p" && "$(md5_of "$out/$p")" == "$md5" ]]; then
				found=$p
				break
			fi
		done < <(rows "$rec" "$stream")
	fi
	if [[ -z "$found" ]]; then
		listed=$(rows "$rec" "$stream" | cut -f4 | paste -sd' ')
		if [[ -f "$out/$path" ]]; then
			fail "deleted $path (record $rec): extracted with md5 $(md5_of "$out/$path"), want $md5"
		else
			fail "deleted $path (record $rec): not extracted (listed as: ${listed:-nothing})"
		fi
		return
	fi
	[[ -n "$(rows "$rec" "$stream")" ]] || fail "deleted $path (record $rec): extracted but not in the CSV listing"
	local recov state
	while IFS=$'\t' read -r type recov _ listed state; do
		[[ "$type" != dir ]] || continue
		[[ "$recov" == 100 ]] || fail "deleted $path (record $rec): listed as $listed with recoverable $recov%"
		[[ -z "$state" || "$state" == intact ]] || fail "deleted $path (record $rec): listed as $listed in state $state"
	done < <(rows "$rec" "$stream")
}

check_orphan() {
	local md5=$1 rec=$2 path=$3 base stem ext f fb
	base=$(basename "$path")
	stem=${base%.*} ext=""
	[[ "$base" == *.* ]] && ext=.${base##*.}
	if [[ -d "$out/lost+found" ]]; then
		while IFS= read -r -d '' f; do
			fb=$(basename "$f")
			[[ "$fb" == "$stem"* && "$fb" == *"$ext" ]] || continue
			[[ "$(md5_of "$f")" == "$md5" ]] && return 0
		done < <(find "$out/lost+found" -type f -print0)
	fi
	fail "orphan $path (record $rec): no file named like $base with md5 $md5 under lost+found/"
}

# check_overwritten STATE REC PATH: listed, with recoverable < 100 and not as intact.
check_overwritten() {
	local what=$1 rec=$2 path=$3 stream="" type recov listed state seen=0
	[[ "$path" == *:* ]] && stream=${path#*:}
	while IFS=$'\t' read -r type recov _ listed state; do
		seen=1
		[[ "$recov" =~ ^[0-9]+$ ]] || { fail "$what $path (record $rec): recoverable '$recov' is not a number"; continue; }
		((recov < 100)) || fail "$what $path (record $rec): listed as $listed with recoverable $recov%"
		[[ "$state" != intact ]] || fail "$what $path (record $rec): listed as $listed in state $state"
	done < <(rows "$rec" "$stream")
	((seen)) || fail "$what $path (record $rec): not listed"
}

# TSK cross-check: icat of an intact deleted record must agree with the manifest.
check_tsk() {
	local md5=$1 rec=$2 path=$3 got
	command -v icat >/dev/null || return 0
	[[ "$name" != mftgone ]] || return 0 # its record 0 is gone: The Sleuth Kit cannot open it
	got=$({ icat "$img" "$rec" 2>/dev/null || true; } | md5sum | cut -d' ' -f1)
	[[ "$got" == "$md5" ]] || fail "manifest and The Sleuth Kit disagree on $path (record $rec): icat md5 $got"
}

while IFS=$'\t' read -r md5 _ state rec path; do
	[[ -n "$state" ]] || continue
	checked=$((checked + 1))
	case "$state" in
	deleted)
		check_deleted "$md5" "$rec" "$path"
		[[ "$path" == *:* ]] || check_tsk "$md5" "$rec" "$path"
		;;
	deleted-dir)
		[[ -d "$out/$path" ]] || fail "deleted-dir $path (record $rec): no such directory extracted"
		;;
	orphan) check_orphan "$md5" "$rec" "$path" ;;
	overwritten | superseded) check_overwritten "$state" "$rec" "$path" ;;
	partial)
		[[ -n "$(rows "$rec")" ]] || fail "partial $path (record $rec): not listed"
		[[ "$(awk -F'\t' -v r="$rec" '$1 == r { print $7; exit }' "$tmp/list.tsv")" == incomplete ]] ||
			fail "partial $path (record $rec): state is not incomplete"
		;;
	live)
		[[ -z "$(rows "$rec")" ]] ||
			fail "live $path (record $rec): listed as $(rows "$rec" | cut -f4 | paste -sd' ')"
		;;
	*) fail "manifest line for $path has unknown state '$state'" ;;
	esac
done <"$manifest"

[[ "$(md5_of "$img")" == "$image_md5" ]] || fail "the image changed during the test"

if ((failures)); then
	printf '%s: %d of %d manifest checks failed\n' "$name" "$failures" "$checked"
	exit 1
fi
printf '%s: all %d manifest entries check out (%d rows listed)\n' "$name" "$checked" "$(wc -l <"$tmp/list.tsv")"
