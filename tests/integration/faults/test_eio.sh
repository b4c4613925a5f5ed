#!/usr/bin/env bash
# Bad sectors under deleted files: basic.img seen through faultyfs.py, which fails with EIO
# every read touching the clusters of three whole deleted files (one of them fragmented into
# dozens of runs, one a named stream whose main stream stays readable) and of the middle
# quarter of a 1 MiB one (the clusters from The Sleuth Kit's istat). Then:
#   - the mount (restorefs -f) reads those files with EIO, and only the bad quarter of the
#     large one, over a view of the image that can be mapped (reads answered from the
#     mapping) and over one that cannot (reads with pread): its first quarter and its last half read back exact, also through the page
#     cache; stat and the restorefs xattrs still answer; every other deleted file reads back
#     with its manifest md5; the mount stays up and unmounts cleanly (exit 0, no sanitizer
#     report);
#   - restorefs-scan --extract exits 4, names each of those files with the exact count of
#     unreadable bytes, zero-fills those bytes and only those, and writes every other file
#     as an extraction of the undamaged image does.
#
#   test_eio.sh RESTOREFS RESTOREFS_SCAN FAULTYFS
set -uo pipefail
TEST_NAME="faults-eio"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1") SCAN=$(readlink -f "$2") FAULTYFS=$(readlink -f "$3")
enter_namespace "$@"
need_image basic
need_faultyfs
command -v istat >/dev/null || skip "istat not found (package sleuthkit)"
CLUSTER=$(sed -n 's/^cluster_size=//p' "$(dirname "$IMG")/basic.conf")
[[ "$CLUSTER" =~ ^[0-9]+$ ]] || skip "basic.conf gives no cluster_size"

# The damaged files: manifest path -> the istat attribute name of its stream (N/A: unnamed).
declare -A WHOLE=([frag/frag2.bin]=N/A [docs/a/notes.txt]=N/A [ads/withstream.txt:big]=big)
BIG=misc/big1m1.bin                  # 1 MiB + 1: the clusters of its second quarter fail
BIG_FROM=$((256 * 1024)) BIG_TO=$((512 * 1024))
declare -A RECORD=() SIZE=()
DELETED=() # "md5 path" of every deleted file and stream
while IFS=$'\t' read -r md5 size state record path; do
	[[ "$state" == deleted ]] || continue
	RECORD[$path]=$record SIZE[$path]=$size
	DELETED+=("$md5 $path")
done <"$MANIFEST"
for p in "${!WHOLE[@]}" "$BIG"; do
	[[ -n "${RECORD[$p]:-}" ]] || skip "basic.manifest has no deleted $p"
done

# clusters RECORD NAME: the clusters of the record's $DATA attribute called NAME, in order.
clusters() {
	istat "$IMG" "$1" | awk -v want="$2" '
		/^Type: / { on = ($2 == "$DATA" && $0 ~ ("Name: " want " ")); next }
		on && /^[0-9 ]+$/ { for (i = 1; i <= NF; i++) if ($i != 0) print $i }'
}

# The control file: one eio line per run of consecutive clusters.
eio_lines() {
	awk -v cs="$CLUSTER" '
		NR > 1 && $1 == last + 1 { last = $1; next }
		NR > 1 { print "eio", first * cs, (last - first + 1) * cs }
		{ first = last = $1 }
		END { if (NR) print "eio", first * cs, (last - first + 1) * cs }'
}
for p in "${!WHOLE[@]}"; do
	clusters "${RECORD[$p]}" "${WHOLE[$p]}" >"$WORK/clusters"
	[[ -s "$WORK/clusters" ]] || skip "istat lists no clusters for $p"
	eio_lines <"$WORK/clusters" >>"$WORK/faults"
done
clusters "${RECORD[$BIG]}" N/A | sed -n "$((BIG_FROM / CLUSTER + 1)),$((BIG_TO / CLUSTER))p" |
	eio_lines >>"$WORK/faults"
say "$(wc -l <"$WORK/faults") bad ranges, $(awk '{ n += $3 } END { print n }' "$WORK/faults") bytes"
icat "$IMG" "${RECORD[$BIG]}" >"$WORK/big.orig"

MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)

# ---- the mount -------------------------------------------------------------------------------
# check_mount VIEW: the checks above, over faultyfs' view of the image: "cached" can be mapped,
# and restorefs answers reads of plain extents from its mapping (the kernel's copy from it
# fails where the disk does); "direct" cannot, and restorefs reads with pread.
check_mount() {
	local view=$1 p e md5 got d sums exact=0
	start_daemon "$FAULTY_IMG"
	for p in "${!WHOLE[@]}"; do
		is_eio cat "$MNT/$p" || fail "$view: reading $p: want EIO"
		is_eio dd if="$MNT/$p" of=/dev/null bs=4096 iflag=direct status=none || fail "$view: direct read of $p: want EIO"
		stat "$MNT/$p" >/dev/null 2>&1 || fail "$view: stat $p failed"
		[[ "$(getfattr --only-values -n user.restorefs.state "$MNT/$p" 2>/dev/null)" == intact ]] ||
			fail "$view: $p: user.restorefs.state is not intact (the disk's errors are not the file's state)"
	done
	# the large file: its good parts read back exact, through the page cache and directly
	local B="$MNT/$BIG" flags off
	for flags in "" direct; do
		timeout 10 dd if="$B" bs=64K count=$((BIG_FROM / 65536)) iflag="${flags:-fullblock}" status=none |
			cmp -s - <(head -c "$BIG_FROM" "$WORK/big.orig") || fail "$view: $BIG: first quarter (${flags:-cached})"
		timeout 10 dd if="$B" bs=64K skip=$((BIG_TO / 65536)) iflag="${flags:-fullblock}" status=none |
			cmp -s - <(tail -c +$((BIG_TO + 1)) "$WORK/big.orig") || fail "$view: $BIG: last half (${flags:-cached})"
	done
	is_eio cat "$B" || fail "$view: $BIG: a whole read: want EIO"
	for off in $BIG_FROM $(((BIG_FROM + BIG_TO) / 2)) $((BIG_TO - 4096)); do
		is_eio dd if="$B" of=/dev/null bs=4096 skip=$((off / 4096)) count=1 status=none ||
			fail "$view: $BIG: 4 KiB at $off: want EIO"
	done
	is_eio dd if="$B" of=/dev/null bs=1 skip=$((BIG_FROM + 1000)) count=1 status=none ||
		fail "$view: $BIG: one byte at $((BIG_FROM + 1000)): want EIO"

	# every other deleted file reads back exact
	for e in "${DELETED[@]}"; do
		md5=${e%% *} p=${e#* }
		[[ -n "${WHOLE[$p]:-}" || "$p" == "$BIG" ]] && continue
		if [[ -f "$MNT/$p" ]]; then
			got=$(timeout 10 md5sum <"$MNT/$p" | cut -d' ' -f1)
			[[ "$got" == "$md5" ]] && { exact=$((exact + 1)); continue; }
		fi
		# two deleted files of one name: the other one is "name (mft N).ext"
		d=$(dirname "$MNT/$p")
		sums=$(timeout 10 md5sum "$d"/* 2>/dev/null)
		grep -q "^$md5 " <<<"$sums" && exact=$((exact + 1)) || fail "$view: $p: missing or wrong md5"
	done
	say "mount over the $view view: ${#WHOLE[@]} files and a quarter of $BIG unreadable, $exact other files exact"
	mounted_ok "$MNT" || fail "$view: the mount went away"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "$view: restorefs died"
	timeout 10 fusermount3 -u "$MNT" || fail "$view: fusermount3 -u failed"
	daemon_exits "mount with bad sectors ($view view)" 10
	grep -q '^restorefs: read ino .*Input/output error' "$WORK/daemon.err" ||
		fail "$view: restorefs logged none of the failed reads"
	if [[ "$view" == cached ]]; then
		grep -q 'failed under a mapped reply' "$WORK/daemon.err" ||
			fail "cached: no read failed under a mapped reply (reads did not use the mapping)"
	else
		! grep -q 'failed under a mapped reply' "$WORK/daemon.err" ||
			fail "direct: a mapped reply, from a source that cannot be mapped"
	fi
}

for view in cached direct; do # the direct view stays up for the extraction below
	start_faulty "$IMG" $([[ "$view" == cached ]] && echo --cached)
	cp "$WORK/faults" "$CONTROL"
	FAULTY_IMG="$SRC/$(basename "$IMG")"
	check_mount "$view"
	[[ "$view" == cached ]] && stop_faulty
done

# ---- restorefs-scan --extract ----------------------------------------------------------------
timeout 300 "$SCAN" -q -x "$WORK/good" "$IMG" >/dev/null 2>"$WORK/good.err"
rc=$?
# 4 or 5: an incomplete file (its lost extents read as zeros, and are reported)
[[ $rc == 0 || $rc == 4 || $rc == 5 ]] || fail "extraction of the undamaged image: exit $rc: $(head -2 "$WORK/good.err")"
timeout 300 "$SCAN" -q -x "$WORK/bad" "$FAULTY_IMG" >/dev/null 2>"$WORK/bad.err"
rc=$?
[[ $rc == 4 ]] || fail "extraction with bad sectors: exit $rc, want 4: $(head -3 "$WORK/bad.err")"
no_sanitizer_report "extraction" "$WORK/bad.err"
# the files named as unreadable: those of the undamaged run plus ours, with exact counts
unreadable() { sed -n 's/^restorefs-scan: \(.*\): \([0-9]* of [0-9]*\) bytes unreadable.*/\1 \2/p' "$1" | sort; }
{
	unreadable "$WORK/good.err" | sed "s|^$WORK/good/||"
	for p in "${!WHOLE[@]}"; do echo "$p ${SIZE[$p]} of ${SIZE[$p]}"; done
	echo "$BIG $((BIG_TO - BIG_FROM)) of ${SIZE[$BIG]}"
} | sort >"$WORK/want.unreadable"
unreadable "$WORK/bad.err" | sed "s|^$WORK/bad/||" >"$WORK/got.unreadable"
diff -u "$WORK/want.unreadable" "$WORK/got.unreadable" >"$WORK/diff" ||
	fail "extraction: files reported unreadable differ: $(tail -n +3 "$WORK/diff" | head -6 | tr '\n' ' ')"
# the same files; ours zero-filled where the disk failed, every other one identical
(cd "$WORK/good" && find . -type f | sort) >"$WORK/files.good"
(cd "$WORK/bad" && find . -type f | sort) >"$WORK/files.bad"
cmp -s "$WORK/files.good" "$WORK/files.bad" || fail "extraction: a different set of files"
same=0
while IFS= read -r f; do
	p=${f#./}
	if [[ -n "${WHOLE[$p]:-}" ]]; then
		cmp -s "$WORK/bad/$p" <(head -c "${SIZE[$p]}" /dev/zero) || fail "extraction: $p is not all zeros"
	elif [[ "$p" == "$BIG" ]]; then
		{ head -c "$BIG_FROM" "$WORK/big.orig"; head -c $((BIG_TO - BIG_FROM)) /dev/zero
		  tail -c +$((BIG_TO + 1)) "$WORK/big.orig"; } >"$WORK/big.want"
		cmp -s "$WORK/bad/$p" "$WORK/big.want" || fail "extraction: $p is not its bytes with the bad quarter zeroed"
	else
		cmp -s "$WORK/good/$p" "$WORK/bad/$p" && same=$((same + 1)) || fail "extraction: $p differs"
	fi
done <"$WORK/files.good"
say "extraction: exit 4, $(wc -l <"$WORK/got.unreadable") files reported, $same other files identical"

stop_faulty
[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
