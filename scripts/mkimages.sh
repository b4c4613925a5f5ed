#!/usr/bin/env bash
# Builds the NTFS test images with mkntfs and ntfs-3g, each with its ground-truth manifest.
#
#   scripts/mkimages.sh OUTDIR [NAME...]      (names: basic compressed overwrite sector4k
#                                              cluster512 cluster64k demo deloverdel
#                                              formatted formattednoboot mftgone traces;
#                                              default: all)
#
# For each NAME it writes OUTDIR/NAME.img, OUTDIR/NAME.manifest, OUTDIR/NAME.conf (geometry:
# sector_size=, cluster_size=, size_bytes=) and OUTDIR/NAME.stamp (hash of this script; an image
# whose stamp matches is not rebuilt). Manifest lines are tab separated:
#
#   md5  size  state  mft_record  path
#
# md5/size are those of the content as written ("-" for directories), taken through ntfs-3g
# before anything is deleted; path is relative to the volume root, an ADS is "path:stream".
# state is one of:
#   deleted      must be recovered at this path (or its collision name) with this md5
#   deleted-dir  a deleted directory: must appear as a directory at this path
#   orphan       deleted file whose parent directory record was reused: recovered under
#                lost+found/ with this md5; path is the original one
#   overwritten  deleted file whose clusters now belong to a live file: recoverable < 100
#   superseded   deleted file whose clusters were written afterwards by another file that was
#                deleted in turn: $Bitmap shows them free, but the content is the other
#                file's; recoverable < 100
#   partial      deleted, but what is on disk is incomplete (attribute list): must be listed
#   live         a live file: must not be listed as deleted
#   trace        deleted file whose folder lost its name: must be recovered at this path,
#                named again by a directory index entry (traces image)
#   trace-deep   deleted file whose folders' records were reused, and an index entry for each
#                of them survives in an INDX block on disk (checked by the builder): with
#                --deep, must be recovered at this path with this md5
#   ghost        deleted file whose own record was reused: listed as a ghost at this path
#                with this size; md5 is its $FILE_NAME creation time (UTC) as istat shows it
# The `formatted` image (a tree quick-formatted with mkntfs -Q, then five new files) holds no
# deleted files in its MFT: its manifest is made before the format, with the old record
# numbers, and each old file's state is decided from the layout before and after it:
#   deleted      its FILE record lies unchanged where it was and none of its clusters is
#                allocated now or changed: the deep scan must give it back at this path
#   deleted-dir  the same for a directory
#   overwritten  its record survives but some of its clusters are allocated now, or changed:
#                recoverable < 100 wherever it is listed
#   lost         its record was overwritten (by the new MFT): nothing to check
# `formattednoboot` is `formatted` with both boot sectors (the first and the last sector) zeroed.
# The `mftgone` image is `simple`'s content (checked against The Sleuth Kit as every image) with
# $MFT record 0 and the whole $MFTMirr zeroed afterwards: the MFT must be found by its records.
# After the build every line is checked against The Sleuth Kit (istat/icat) on the finished
# image, so the manifest says what is really on disk.
#
# ntfs-3g facts this relies on: within one mount, freed MFT records are not handed out again
# (the allocator moves forward); after a remount the lowest free record >= 64 is reused first.
# Free clusters are likewise taken from the start of the data zone after a mount. ntfs-3g
# writes $LogFile sequence number 0 into every record, so which of two deleted files wrote
# shared clusters last shows only in their times (deloverdel).
set -euo pipefail

ALL_IMAGES=(basic compressed overwrite sector4k cluster512 cluster64k demo deloverdel formatted formattednoboot mftgone traces)
SELF=$(readlink -f "${BASH_SOURCE[0]}")

die() { printf 'mkimages: %s\n' "$*" >&2; exit 1; }
say() { printf 'mkimages: %s\n' "$*" >&2; }

# ---- helpers used while building one image (inside the private mount namespace) ----------

IMG="" MNT="" WORK="" MANIFEST_TMP="" NTFS_PID="" MOUNT_OPTS=""

# gen SEED SIZE: SIZE deterministic pseudo-random bytes on stdout.
gen() {
	local key
	key=$(printf '%s' "$1" | md5sum | cut -c1-32)
	{ openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 \
		-in /dev/zero 2>/dev/null || true; } | head -c "$2"
}

# text SEED SIZE: SIZE bytes of compressible text.
text() {
	{ seq -f "$1 line %08.0f: the quick brown fox jumps over the lazy dog" 0 $(($2 / 40 + 1)) ||
		true; } | head -c "$2"
}

mnt() {
	mkdir -p "$MNT"
	ntfs-3g "$IMG" "$MNT" -o "streams_interface=windows,no_detach${MOUNT_OPTS:+,$MOUNT_OPTS}" \
		>>"$WORK/ntfs-3g.log" 2>&1 &
	NTFS_PID=$!
	local i
	for i in $(seq 1 100); do
		mountpoint -q "$MNT" && return 0
		kill -0 "$NTFS_PID" 2>/dev/null || die "ntfs-3g failed to mount $IMG (see $WORK/ntfs-3g.log)"
		sleep 0.05
	done
	die "ntfs-3g did not mount $IMG within 5 s"
}

umnt() {
	sync
	umount "$MNT"
	wait "$NTFS_PID" || die "ntfs-3g exited with an error for $IMG"
	NTFS_PID=""
}

cleanup_build() {
	# A failure inside `cmd >"$MNT/file"` leaves that file open on our stdout, which would
	# keep the FUSE mount (and `wait`) busy forever.
	exec 1>&2
	cd /
	if [[ -n "$MNT" ]] && mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	if [[ -n "$NTFS_PID" ]]; then
		local i
		for i in $(seq 1 50); do
			kill -0 "$NTFS_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$NTFS_PID" 2>/dev/null || true
		wait "$NTFS_PID" 2>/dev/null || true
	fi
	if [[ -n "$WORK" ]]; then
		rm -rf "$WORK"
	fi
}

# rec STATE RELPATH: records the ground truth of RELPATH as it is now on the mounted volume.
rec() {
	local state=$1 rel=$2 p="$MNT/$2" base md5 size ino
	base=${rel%%:*}
	ino=$(stat -c %i "$MNT/$base")
	if [[ -d "$p" ]]; then
		md5=- size=-
	else
		md5=$(md5sum <"$p" | cut -d' ' -f1)
		size=$(stat -c %s "$p")
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$md5" "$size" "$state" "$ino" "$rel" >>"$MANIFEST_TMP"
}

# put STATE RELPATH GENERATOR ARGS...: writes a file from a generator and records it.
put() {
	local state=$1 rel=$2
	shift 2
	mkdir -p "$(dirname "$MNT/${rel%%:*}")"
	"$@" >"$MNT/$rel"
	rec "$state" "$rel"
}

ino_of() { stat -c %i "$MNT/$1"; }

# make_holes DIR COUNT SIZE: COUNT spacer files of SIZE bytes, then a live ballast file that
# fills the rest of the volume, then every other spacer deleted: the holes are the only free
# space, so the next files written are fragmented (ntfs-3g otherwise keeps a file in one
# piece). release_ballast gives the space back. The deleted spacers' MFT records must be
# reused after a remount (fill_records) so that they do not linger as deleted files.
make_holes() {
	local dir=$1 count=$2 size=$3 i pattern
	mkdir -p "$MNT/$dir"
	pattern=$(text spacer "$size")
	for ((i = 0; i < count; i++)); do
		printf '%s' "$pattern" >"$MNT/$dir/s$i"
	done
	dd if=/dev/zero of="$MNT/$dir/ballast" bs=1M status=none 2>/dev/null || true
	for ((i = 0; i < count; i += 2)); do
		rm "$MNT/$dir/s$i"
	done
}

release_ballast() { truncate -s 0 "$MNT/$1/ballast"; }

# fill_records DIR COUNT: COUNT empty live files; right after a mount they take the lowest
# free MFT records, i.e. those of the deleted spacers.
fill_records() {
	local dir=$1 count=$2 i
	mkdir -p "$MNT/$dir"
	for ((i = 0; i < count; i++)); do
		: >"$MNT/$dir/f$i"
	done
}

# ---- checks with The Sleuth Kit on the unmounted image --------------------------------------

# tsk_data_attr REC STREAM: the icat address of the record's $DATA (named STREAM or unnamed).
tsk_data_attr() {
	local rec=$1 stream=$2
	istat "$IMG" "$rec" | awk -v s="$stream" '
		/^Type: \$DATA \(/ {
			id = $3; gsub(/[()]/, "", id)
			name = $0; sub(/.*Name: /, "", name); sub(/ +(Non-)?[Rr]esident.*/, "", name)
			if ((s == "" && name == "N/A") || name == s) { print id; exit }
		}'
}

# tsk_runs REC: number of data runs (fragments) of the unnamed $DATA, from istat's cluster list.
tsk_runs() {
	istat "$IMG" "$1" | awk '
		/^Type: \$DATA \(128-[0-9]+\) +Name: N\/A +Non-Resident/ { on = 1; next }
		/^Type: / { on = 0 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) {
			if (last == "" || $i != last + 1) runs++
			last = $i } }
		END { print runs + 0 }'
}

# tsk_clusters REC: the clusters of the unnamed non-resident $DATA, one line, in VCN order.
tsk_clusters() {
	local report
	report=$(istat "$IMG" "$1") || return 1
	awk '
		/^Type: \$DATA \(128-[0-9]+\) +Name: N\/A +Non-Resident/ { on = 1; next }
		/^Type: / { on = 0 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) printf "%s ", $i }' <<<"$report"
}

# tsk_has REC [GREP_OPTION...] PATTERN: whether istat's report of REC has a matching line.
# The report is taken whole first: `istat | grep -q` under pipefail fails whenever grep's
# early exit hits istat with SIGPIPE, so such a check would fail at random.
tsk_has() {
	local report
	report=$(istat "$IMG" "$1") || return 1
	shift
	grep -q "$@" <<<"$report"
}

tsk_md5() {
	local rec=$1 stream=$2 attr
	attr=$(tsk_data_attr "$rec" "$stream")
	[[ -n "$attr" ]] || { echo none; return; }
	{ icat "$IMG" "$rec-$attr" 2>/dev/null || true; } | md5sum | cut -d' ' -f1
}

# verify_manifest: checks each line against the image; a `deleted` line listed in
# MAYBE_PARTIAL becomes `partial` when the disk no longer holds it whole.
declare -A MAYBE_PARTIAL=()
verify_manifest() {
	local md5 size state recno path out stream base got status fail=0
	out="$WORK/manifest.checked"
	: >"$out"
	while IFS=$'\t' read -r md5 size state recno path; do
		status=$(istat "$IMG" "$recno" | awk '/^(Not )?Allocated/ && !n++' || true)
		base=${path%%:*} stream=""
		[[ "$path" == *:* ]] && stream=${path#*:}
		case "$state" in
		live)
			[[ "$status" == Allocated* ]] || { say "$path: record $recno is not allocated"; fail=1; }
			;;
		deleted-dir)
			[[ "$status" == "Not Allocated"* ]] || { say "$path: record $recno is allocated"; fail=1; }
			;;
		ghost)
			[[ "$status" == Allocated* ]] || { say "$path: record $recno was not reused"; fail=1; }
			;;
		deleted | orphan | trace | trace-deep)
			[[ "$status" == "Not Allocated"* ]] || { say "$path: record $recno is allocated"; fail=1; }
			got=$(tsk_md5 "$recno" "$stream")
			if [[ "$got" != "$md5" ]] || ! tsk_has "$recno" -xF "Name: ${base##*/}"; then
				if [[ -n "${MAYBE_PARTIAL[$path]:-}" ]]; then
					say "$path: record $recno is incomplete on disk: partial"
					state=partial
				else
					say "$path: record $recno: on-disk data or name differs from what was written"
					fail=1
				fi
			fi
			;;
		overwritten | superseded)
			[[ "$status" == "Not Allocated"* ]] || { say "$path: record $recno is allocated"; fail=1; }
			got=$(tsk_md5 "$recno" "$stream")
			[[ "$got" != "$md5" ]] || { say "$path: record $recno was not overwritten"; fail=1; }
			;;
		partial)
			[[ "$status" == "Not Allocated"* ]] || { say "$path: record $recno is allocated"; fail=1; }
			;;
		*) say "$path: unknown state $state"; fail=1 ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\n' "$md5" "$size" "$state" "$recno" "$path" >>"$out"
	done <"$MANIFEST_TMP"
	((fail == 0)) || die "ground truth of $IMG does not hold (see above)"
	mv "$out" "$MANIFEST_TMP"
}

# rec_of RELPATH: the MFT record the manifest holds for RELPATH.
rec_of() { awk -F'\t' -v p="$1" '$5 == p { print $4; exit }' "$MANIFEST_TMP"; }

# ---- the images -------------------------------------------------------------------------------

build_basic() {
	# Session 1: the directory whose record is reused later (record 64), then the spacers.
	mnt
	mkdir "$MNT/reuse"
	[[ $(ino_of reuse) == 64 ]] || die "reuse/ did not get MFT record 64"
	put orphan reuse/r1.txt text orphan1 345
	put orphan reuse/r2.bin gen orphan2 20000
	make_holes spacers 1600 4096
	umnt

	# Session 2: reuse the spacers' records, write the fragmented files into the holes,
	# then everything else; nothing is deleted until all of it exists.
	mnt
	fill_records fill 800
	put deleted frag/attrlist.bin gen attrlist $((2 * 1024 * 1024 + 1234))
	MAYBE_PARTIAL[frag/attrlist.bin]=1
	put deleted frag/frag1.bin gen frag1 100000
	put deleted frag/frag2.bin gen frag2 150001
	put live frag/live-frag.bin gen livefrag 60000
	release_ballast spacers

	mkdir -p "$MNT/docs/a/b/c" "$MNT/live"
	put deleted docs/a/b/c/deep.txt text deep 1500
	put deleted docs/a/b/c/deep-small.txt text deepsmall 120
	put live docs/a/b/keep.txt text keep 2000
	put deleted docs/a/notes.txt text notes 9000
	put live docs/readme.txt text readme 400
	put live live/hello.txt text hello 50

	mkdir -p "$MNT/deltree/sub1/sub2/sub3"
	put deleted deltree/x.txt text x 600
	put deleted deltree/sub1/y.bin gen y 50000
	put deleted deltree/sub1/sub2/z.txt text z 70
	put deleted deltree/sub1/sub2/empty.dat true
	put deleted deltree/sub1/sub2/sub3/w.bin gen w 8193
	rec deleted-dir deltree/sub1/sub2/sub3
	rec deleted-dir deltree/sub1/sub2
	rec deleted-dir deltree/sub1
	rec deleted-dir deltree
	mkdir -p "$MNT/emptydir-deleted"
	rec deleted-dir emptydir-deleted

	put deleted misc/small.txt text small 300
	put deleted misc/empty.dat true
	put deleted misc/one.bin gen one 1
	put deleted misc/odd4095.bin gen odd4095 4095
	put deleted misc/odd4097.bin gen odd4097 4097
	put deleted misc/odd12345.bin gen odd12345 12345
	put deleted misc/big1m1.bin gen big1m1 $((1024 * 1024 + 1))
	put live misc/live-small.txt text livesmall 200
	put live misc/live-big.bin gen livebig 70000

	local long
	long=$(printf 'L%.0s' $(seq 1 251)).txt
	put deleted "unicode/café.txt" text cafe 700
	put deleted "unicode/日本語のファイル.txt" text nihongo 5000
	put deleted "unicode/emoji 😀🎉.bin" gen emoji 3000
	put deleted "unicode/$long" text long 800
	put deleted "unicode/report, final (v2).txt" text comma 1000
	put live "unicode/résumé-live.txt" text resume 100

	put deleted ads/withstream.txt text adsbase 1200
	put deleted ads/withstream.txt:secret text adssecret 40
	put deleted ads/withstream.txt:big gen adsbig 20000
	put live ads/live.txt text adslive 100
	put live ads/live.txt:note text adslivenote 30

	# Two deleted records named same.txt in one directory.
	put deleted same/same.txt text same-first 2500
	mv "$MNT/same/same.txt" "$MNT/same/other.txt"
	sed -i 's#\tsame/same.txt$#\tsame/other.txt#' "$MANIFEST_TMP"
	put deleted same/same.txt gen same-second 7000

	# Sparse: data, a hole of ~4 MiB, data.
	mkdir -p "$MNT/sparse"
	gen sparse-head 8192 >"$MNT/sparse/sparse.bin"
	gen sparse-tail 5000 | dd of="$MNT/sparse/sparse.bin" bs=4096 seek=1024 conv=notrunc status=none
	rec deleted sparse/sparse.bin
	umnt

	tsk_has "$(rec_of frag/attrlist.bin)" ATTRIBUTE_LIST ||
		die "frag/attrlist.bin has no attribute list"
	local f
	for f in frag/frag1.bin frag/frag2.bin frag/attrlist.bin; do
		(($(tsk_runs "$(rec_of "$f")") > 1)) || die "$f is not fragmented"
	done
	tsk_has "$(rec_of sparse/sparse.bin)" Sparse || die "sparse/sparse.bin is not sparse"

	# Session 3: delete. The same.txt pair: delete the second, give the first its name back.
	mnt
	rm "$MNT/docs/a/b/c/deep.txt" "$MNT/docs/a/b/c/deep-small.txt" "$MNT/docs/a/notes.txt"
	rm -r "$MNT/deltree" "$MNT/emptydir-deleted"
	find "$MNT/misc" -type f ! -name 'live-*' -delete
	find "$MNT/unicode" -type f ! -name 'résumé-live.txt' -delete
	rm "$MNT/ads/withstream.txt" "$MNT/sparse/sparse.bin"
	rm "$MNT/frag/attrlist.bin" "$MNT/frag/frag1.bin" "$MNT/frag/frag2.bin"
	rm "$MNT/same/same.txt"
	mv "$MNT/same/other.txt" "$MNT/same/same.txt"
	rm "$MNT/same/same.txt"
	sed -i 's#\tsame/other.txt$#\tsame/same.txt#' "$MANIFEST_TMP"
	rm "$MNT/reuse/r1.txt" "$MNT/reuse/r2.bin"
	rmdir "$MNT/reuse"
	umnt

	# Session 4: one new file takes record 64, the deleted reuse/ directory's record.
	mnt
	put live live/new-on-reused-record.txt text newrec 100
	[[ $(ino_of live/new-on-reused-record.txt) == 64 ]] || die "the new file did not reuse record 64"
	umnt
}

build_compressed() {
	MOUNT_OPTS=compression
	mnt
	mkdir -p "$MNT/comp/sub"
	setfattr -n system.ntfs_attrib_be -v 0x00000800 "$MNT/comp"
	setfattr -n system.ntfs_attrib_be -v 0x00000800 "$MNT/comp/sub"
	put deleted comp/text-200k.txt text comp200 200000
	put deleted comp/exact64k.txt text comp64 65536
	put deleted comp/random-100k.bin gen rand100 100000
	{ text mixa 70000; gen mixb 70000; text mixc 30001; } >"$MNT/comp/mixed.bin"
	rec deleted comp/mixed.bin
	put deleted comp/small.txt text compsmall 500
	put deleted comp/sub/nested.txt text nested 150000
	put deleted comp/sub/odd.bin gen compodd 12345
	put live comp/live.txt text complive 90000
	put deleted plain/plain.bin gen plain 40000
	umnt
	local f
	for f in comp/text-200k.txt comp/exact64k.txt comp/random-100k.bin comp/mixed.bin comp/sub/nested.txt; do
		tsk_has "$(rec_of "$f")" Compressed || die "$f is not compressed"
	done
	mnt
	find "$MNT/comp" -type f ! -name live.txt -delete
	rm "$MNT/plain/plain.bin"
	umnt
}

build_overwrite() {
	mnt
	put overwritten victim.bin gen victim $((8 * 1024 * 1024))
	put deleted keep/small.txt text keepsmall 500
	put deleted keep/data.bin gen keepdata 300000
	put deleted keep/half.bin gen half 1000000
	put live live.txt text live 3000
	: >"$MNT/filler.bin" # created now so that it does not take a freed record later
	# A live ballast takes all free space, so the victim's clusters are the only ones free.
	dd if=/dev/zero of="$MNT/ballast" bs=1M status=none 2>/dev/null || true
	rm "$MNT/victim.bin"
	umnt
	mnt
	gen filler $((4 * 1024 * 1024)) >>"$MNT/filler.bin"
	rec live filler.bin
	rm "$MNT/keep/small.txt" "$MNT/keep/data.bin" "$MNT/keep/half.bin"
	umnt
}

# deloverdel: a deleted file (a.bin) whose clusters a later file (b.bin) took and which was
# deleted in turn, so that $Bitmap shows a.bin's clusters free although they hold b.bin.
# A live ballast leaves a.bin's clusters the only free ones for b.bin. b.bin is created
# after a remount, so that its times all come after a.bin's, in the record an empty
# placeholder freed with a.bin leaves (the lowest free one), not in a.bin's.
build_deloverdel() {
	local a b
	mnt
	: >"$MNT/slot"
	put superseded a.bin gen deloverdel-a $((1024 * 1024 + 3000))
	put deleted keep/small.txt text dodsmall 700
	put deleted keep/data.bin gen doddata 200000
	put live live.txt text dodlive 3000
	dd if=/dev/zero of="$MNT/ballast" bs=1M status=none 2>/dev/null || true
	[[ $(ino_of slot) -lt $(ino_of a.bin) ]] || die "the placeholder's record is not below a.bin's"
	rm "$MNT/a.bin" "$MNT/slot"
	umnt
	sleep 0.2
	mnt
	put deleted b.bin gen deloverdel-b $((1024 * 1024 + 3000))
	umnt
	a=$(tsk_clusters "$(rec_of a.bin)") b=$(tsk_clusters "$(rec_of b.bin)")
	[[ -n "$a" && "$a" == "$b" ]] || die "b.bin did not take exactly a.bin's clusters"
	sleep 0.2
	mnt
	rm "$MNT/b.bin" "$MNT/keep/small.txt" "$MNT/keep/data.bin"
	umnt
}

# formatted: 160 files in a tree, the volume quick-formatted with the same geometry, then
# five new files of 300 KiB. States from the layouts before and after (the classifier below).
build_formatted() {
	local d s i n=0 size sector=$1 cluster=$2
	mnt
	for d in docs photos music "projects/src" "projects/build/out" archive/2024 archive/2025 misc; do
		for ((i = 0; i < 20; i++)); do
			n=$((n + 1))
			size=$(((n * 7919) % 200000 + 1))
			if ((n % 4 == 0)); then
				put live "$d/note $i.txt" text "fmt$n" $((size % 6000 + 100))
			else
				put live "$d/file$i.bin" gen "fmt$n" "$size"
			fi
		done
	done
	for d in docs photos music projects projects/src projects/build projects/build/out archive \
		archive/2024 archive/2025 misc; do rec deleted-dir "$d"; done
	umnt
	cp --sparse=always "$IMG" "$WORK/before.img"
	for s in $(awk -F'\t' '{ print $4 }' "$MANIFEST_TMP"); do
		printf '%s\t%s\n' "$s" "$(tsk_clusters "$s")"
	done >"$WORK/layout"
	printf 'mft\t%s\n' "$(tsk_clusters 0)" >>"$WORK/layout"
	mkntfs -Q -F -q -f -s "$sector" -c "$cluster" -L restorefs-formatted "$IMG" >"$WORK/mkntfs.log" 2>&1 ||
		die "mkntfs -Q failed: $(tail -1 "$WORK/mkntfs.log")"
	mnt
	for ((i = 1; i <= 5; i++)); do put live "new/new$i.bin" gen "fmtnew$i" $((300 * 1024)); done
	umnt
	icat "$IMG" 6 >"$WORK/bitmap.after"
	python3 - "$WORK/before.img" "$IMG" "$WORK/layout" "$WORK/bitmap.after" "$cluster" \
		"$MANIFEST_TMP" <<'PY' || die "classifying the formatted image failed"
import sys
before, after, layout, bitmap, cs, manifest = sys.argv[1:]
cs = int(cs)
rs = 1024
runs = {}
for line in open(layout):
    key, _, cl = line.rstrip("\n").partition("\t")
    runs[key] = [int(c) for c in cl.split()]
bm = open(bitmap, "rb").read()
fb, fa = open(before, "rb"), open(after, "rb")
def same(off, n):
    fb.seek(off); fa.seek(off)
    return fb.read(n) == fa.read(n)
def record_offset(rec):
    mft = runs["mft"]
    return mft[rec * rs // cs] * cs + rec * rs % cs
out = []
for line in open(manifest):
    md5, size, state, rec, path = line.rstrip("\n").split("\t")
    rec = int(rec)
    if path.startswith("new/"):
        out.append(line)
        continue
    if not same(record_offset(rec), rs):
        state = "lost"
    elif md5 == "-":
        state = "deleted-dir"
    else:
        cl = runs[str(rec)]
        used = any(bm[c >> 3] >> (c & 7) & 1 for c in cl)
        state = "overwritten" if used or not all(same(c * cs, cs) for c in cl) else "deleted"
    out.append("\t".join([md5, size, state, str(rec), path]) + "\n")
open(manifest, "w").writelines(out)
PY
}

# destroy_mft0: zeroes $MFT record 0 and the cluster of $MFTMirr (records 0..3).
destroy_mft0() {
	python3 - "$IMG" <<'PY' || die "destroying record 0 failed"
import struct, sys
with open(sys.argv[1], "r+b") as f:
    boot = f.read(512)
    cs = struct.unpack_from("<H", boot, 0x0B)[0] * boot[0x0D]
    mft, mirr = struct.unpack_from("<QQ", boot, 0x30)
    f.seek(mft * cs); f.write(bytes(1024))
    f.seek(mirr * cs); f.write(bytes(max(cs, 4096)))
PY
}

# zero_boot_sectors: the primary boot sector and its backup in the last sector.
zero_boot_sectors() {
	local size
	size=$(stat -c %s "$IMG")
	dd if=/dev/zero of="$IMG" bs=512 count=1 conv=notrunc status=none
	dd if=/dev/zero of="$IMG" bs=512 count=1 seek=$((size / 512 - 1)) conv=notrunc status=none
}

# traces: names only directory indexes keep.
#  top/zz-tree/: a deleted chain of folders, each holding 20 files with long names; each
#    folder is created first and its files then fill its parent's INDX block until it splits,
#    which leaves a copy of the entries that moved on (the folder's among them: "zz" sorts
#    last) in the first block's slack. After a remount new empty files in new/ take the
#    lowest free records: the folders' and then the ghosts'. Empty files take no clusters,
#    so the deleted folders' INDX blocks stay in free space. A file whose every folder has
#    an index entry left on disk (trail_survives) is trace-deep, else orphan.
#  keep/zz-named/: a deleted folder with an attribute list (named streams), sorting last in
#    keep/'s INDX block: ntfs-3g drops its $FILE_NAME when it deletes it, and writes the end
#    marker over its entry's header in keep/'s index; the key left there names it again.
TRACE_FOLDERS=(top/zz-tree top/zz-tree/zz-alpha top/zz-tree/zz-alpha/zz-inner)
TRACE_GHOSTS=3
build_traces() {
	local d i long="a file name long enough to fill index blocks quickly"
	mnt
	mkdir "$MNT/new" "$MNT/top"
	for d in "${TRACE_FOLDERS[@]}"; do mkdir "$MNT/$d"; done
	for ((i = 0; i < TRACE_GHOSTS; i++)); do
		put ghost "top/zz-tree/zz-ghost $i.txt" text "ghost$i" $((1000 + i))
	done
	for ((i = 0; i < 20; i++)); do put live "top/$long $i.txt" text "top$i" 100; done
	for d in "${TRACE_FOLDERS[@]}"; do
		for ((i = 0; i < 20; i++)); do put trace-deep "$d/$long $i.txt" text "$d$i" $((500 + 37 * i)); done
	done
	mkdir "$MNT/keep"
	for ((i = 0; i < 30; i++)); do put live "keep/$long $i.txt" text "keep$i" 100; done
	mkdir "$MNT/keep/zz-named"
	for ((i = 1; i <= 14; i++)); do gen "stream$i" 300 >"$MNT/keep/zz-named:s$i"; done
	for ((i = 1; i <= 9; i++)); do put trace "keep/zz-named/f$i.bin" gen "named$i" $((3000 + i)); done
	umnt
	tsk_has "$(ino_of_img keep/zz-named)" -q ATTRIBUTE_LIST || die "keep/zz-named has no attribute list"
	trace_refs >"$WORK/trace-refs"
	ghost_times
	mnt
	rm -r "$MNT/top/zz-tree" "$MNT/keep/zz-named"
	umnt
	mnt
	for ((i = 0; i < ${#TRACE_FOLDERS[@]} + TRACE_GHOSTS; i++)); do : >"$MNT/new/n$i"; done
	umnt
	trail_survives
}

# ino_of_img RELPATH: the record of RELPATH, from the unmounted image.
ino_of_img() { ifind -n "/$1" "$IMG"; }

# trace_refs: "folder<TAB>record<TAB>sequence<TAB>parent record<TAB>parent sequence" of
# each tree folder, from istat while the tree exists.
trace_refs() {
	local d rec seq parent
	for d in "${TRACE_FOLDERS[@]}"; do
		rec=$(ino_of_img "$d")
		seq=$(istat "$IMG" "$rec" | awk '/^Entry:/ {print $4; exit}')
		parent=$(istat "$IMG" "$rec" | awk '/^Parent MFT Entry:/ {print $4 "\t" $6; exit}')
		printf '%s\t%s\t%s\t%s\n' "$d" "$rec" "$seq" "$parent"
	done
}

# ghost_times: a ghost's md5 column becomes its $FILE_NAME creation time (UTC).
ghost_times() {
	local md5 size state recno path t
	: >"$WORK/manifest.ghosts"
	while IFS=$'\t' read -r md5 size state recno path; do
		if [[ "$state" == ghost ]]; then
			t=$(istat -z UTC "$IMG" "$recno" | awk -F'[ \t]+' '/^.FILE_NAME Attribute Values:/ {f = 1}
				f && /^Created:/ {print $2 "T" $3; exit}')
			md5=$t
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$md5" "$size" "$state" "$recno" "$path" >>"$WORK/manifest.ghosts"
	done <"$MANIFEST_TMP"
	mv "$WORK/manifest.ghosts" "$MANIFEST_TMP"
}

# trail_survives: a trace-deep file becomes orphan unless, for each of its folders, an index
# entry with the folder's reference, its parent's reference and its name lies in an INDX
# block of the finished image.
trail_survives() {
	python3 - "$IMG" "$WORK/trace-refs" "$MANIFEST_TMP" <<'PY'
import struct, sys
img, refs_path, manifest = sys.argv[1:]
data = open(img, "rb").read()
found = {}
for line in open(refs_path):
    folder, rec, seq, prec, pseq = line.rstrip("\n").split("\t")
    ref = int(rec) | int(seq) << 48
    parent = int(prec) | int(pseq) << 48
    name = folder.rsplit("/", 1)[-1].encode("utf-16-le")
    ok, at = False, data.find(name)
    while at != -1 and not ok:
        entry = at - 0x52
        block = entry - entry % 4096
        ok = (entry >= 0 and struct.unpack_from("<Q", data, entry)[0] == ref and
              struct.unpack_from("<Q", data, entry + 0x10)[0] == parent and
              data[entry + 0x50] == len(name) // 2 and data[block:block + 4] == b"INDX")
        at = data.find(name, at + 1)
    found[folder] = ok
out = []
for line in open(manifest):
    f = line.rstrip("\n").split("\t")
    if f[2] == "trace-deep":
        parts = f[4].split("/")[:-1]
        chain = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        if not all(found.get(c, True) for c in chain):  # live folders need no trail
            f[2] = "orphan"
    out.append("\t".join(f))
open(manifest, "w").write("\n".join(out) + "\n")
print("trails: " + ", ".join(f"{k} {'kept' if v else 'lost'}" for k, v in found.items()), file=sys.stderr)
PY
}

# simple CLUSTER: deleted files of several kinds, one of them fragmented.
build_simple() {
	local cluster=$1 spacer
	spacer=$((cluster > 4096 ? cluster : 4096))
	mnt
	make_holes spacers 80 "$spacer"
	umnt
	mnt
	fill_records fill 40
	put deleted data/fragmented.bin gen frag $((15 * spacer + 777))
	release_ballast spacers
	put deleted data/resident.txt text res 200
	put deleted data/empty.dat true
	put deleted data/medium.bin gen medium 123457
	put deleted data/sub/deeper/file.txt text deeper 5000
	rec deleted-dir data/sub/deeper
	put deleted data/stream.txt text streambase 3000
	put deleted data/stream.txt:alt gen streamalt 9000
	put live data/live.txt text live 4000
	put live data/live.bin gen livebin 50000
	umnt
	(($(tsk_runs "$(rec_of data/fragmented.bin)") > 1)) || die "data/fragmented.bin is not fragmented"
	mnt
	rm "$MNT/data/fragmented.bin" "$MNT/data/resident.txt" "$MNT/data/empty.dat" \
		"$MNT/data/medium.bin" "$MNT/data/stream.txt"
	rm -r "$MNT/data/sub/deeper"
	umnt
}

# demo: what scripts/run.sh shows a newcomer. Only plain operations whose result does not
# depend on where ntfs-3g's allocator puts things: write everything, then delete some of it.
build_demo() {
	mnt
	put deleted "Pictures/Holiday 2026/beach.jpg" gen beach 184320
	put deleted "Pictures/Holiday 2026/sunset.jpg" gen sunset 231000
	put deleted "Pictures/Holiday 2026/notes.txt" text holiday 700
	put live "Pictures/cat.jpg" gen cat 96000
	put deleted "Documents/letter.txt" text letter 3200
	put deleted "Documents/budget.csv" text budget 12000
	put live "Documents/todo.txt" text todo 400
	put deleted "Documents/drafts/chapter 1.txt" text chapter1 45000
	put deleted "Documents/drafts/chapter 2.txt" text chapter2 38000
	rec deleted-dir "Documents/drafts"
	rec deleted-dir "Pictures/Holiday 2026"
	umnt
	mnt
	rm -r "$MNT/Pictures/Holiday 2026" "$MNT/Documents/drafts"
	rm "$MNT/Documents/letter.txt" "$MNT/Documents/budget.csv"
	umnt
}

# geometry NAME: "sector cluster size_mib"
geometry() {
	case "$1" in
	basic | compressed | overwrite) echo "512 4096 64" ;;
	demo | deloverdel | traces) echo "512 4096 16" ;;
	mftgone) echo "512 4096 48" ;;
	formatted | formattednoboot) echo "512 4096 128" ;;
	sector4k) echo "4096 4096 64" ;;
	cluster512) echo "512 512 48" ;;
	cluster64k) echo "512 65536 128" ;;
	*) die "unknown image name: $1 (known: ${ALL_IMAGES[*]})" ;;
	esac
}

# build_one NAME OUTDIR STAMP: runs inside `unshare --mount`.
build_one() {
	local name=$1 outdir=$2 stamp=$3 sector cluster size_mib
	read -r sector cluster size_mib <<<"$(geometry "$name")"
	mount --make-rprivate / 2>/dev/null || true
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-mkimage.XXXXXX")
	trap cleanup_build EXIT
	trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
	IMG="$WORK/$name.img" MNT="$WORK/mnt" MANIFEST_TMP="$WORK/$name.manifest"
	: >"$MANIFEST_TMP"
	truncate -s "${size_mib}M" "$IMG"
	mkntfs -F -q -f -s "$sector" -c "$cluster" -L "restorefs-$name" "$IMG" >"$WORK/mkntfs.log" 2>&1 ||
		die "mkntfs failed for $name: $(tail -1 "$WORK/mkntfs.log")"
	case "$name" in
	basic) build_basic ;;
	compressed) build_compressed ;;
	overwrite) build_overwrite ;;
	demo) build_demo ;;
	deloverdel) build_deloverdel ;;
	formatted | formattednoboot) build_formatted "$sector" "$cluster" ;;
	traces) build_traces ;;
	*) build_simple "$cluster" ;;
	esac
	[[ "$name" == formatted* ]] || verify_manifest
	[[ "$name" != mftgone ]] || destroy_mft0
	[[ "$name" != formattednoboot ]] || zero_boot_sectors
	printf 'sector_size=%s\ncluster_size=%s\nsize_bytes=%s\n' "$sector" "$cluster" \
		"$((size_mib * 1024 * 1024))" >"$WORK/$name.conf"
	mv -f "$IMG" "$outdir/$name.img"
	mv -f "$WORK/$name.conf" "$outdir/$name.conf"
	mv -f "$MANIFEST_TMP" "$outdir/$name.manifest"
	printf '%s\n' "$stamp" >"$outdir/$name.stamp"
}

main() {
	if [[ "${1:-}" == --build-one ]]; then
		shift
		build_one "$@"
		return
	fi
	[[ $# -ge 1 && "$1" != -h && "$1" != --help ]] || {
		echo "usage: scripts/mkimages.sh OUTDIR [NAME...]   (names: ${ALL_IMAGES[*]})" >&2
		exit 2
	}
	local outdir=$1 stamp name start
	shift
	local names=("$@")
	((${#names[@]})) || names=("${ALL_IMAGES[@]}")
	for name in "${names[@]}"; do geometry "$name" >/dev/null; done
	[[ $EUID -eq 0 ]] || die "building images needs root (unshare --mount, FUSE mounts)"
	local tool
	for tool in mkntfs ntfs-3g istat icat ifind setfattr openssl unshare mountpoint python3; do
		command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh)"
	done
	[[ -e /dev/fuse ]] || die "/dev/fuse is missing: cannot mount with ntfs-3g"
	mkdir -p "$outdir"
	outdir=$(readlink -f "$outdir")
	stamp=$(sha256sum "$SELF" | cut -d' ' -f1)
	for name in "${names[@]}"; do
		if [[ -f "$outdir/$name.img" && -f "$outdir/$name.manifest" && -f "$outdir/$name.stamp" &&
			"$(cat "$outdir/$name.stamp")" == "$stamp" ]]; then
			say "$name: up to date"
			continue
		fi
		rm -f "$outdir/$name.stamp"
		start=$SECONDS
		unshare --mount bash "$SELF" --build-one "$name" "$outdir" "$stamp" ||
			die "building image $name failed"
		say "$name: built in $((SECONDS - start)) s ($(wc -l <"$outdir/$name.manifest") manifest lines)"
	done
}

main "$@"
