#!/usr/bin/env bash
# Benchmark (not a test): where users wait, restorefs against a reference tool on the same
# bytes, each row a ratio of medians (runs alternate A B A B), with peak RSS:
#   1 listing every deleted file: restorefs-scan --format=csv IMG >/dev/null vs ntfsundelete -s
#   2 the same scan listing nothing (a --name that matches no entry): no anchor
#   3 extracting every deleted file into tmpfs vs ntfsundelete -u -T -m '*' into tmpfs
#   4 one large plain deleted file read through a fresh mount (image in the page cache) vs
#     dd of the same byte ranges of the image; the peak RSS shown is the daemon's
#  4b the same through a mount with -o direct_io (the dd runs are shared with 4)
#  4c the same through a mount with -o splice,direct_io
#   5 the deep scan's sweep of every cluster (--deep=all, listing as row 1) vs dd of the
#     whole image; the sweep's own rate is the image over the time it adds to row 1
# Images, built once through ntfs-3g and cached: 320,000 small files in 320 folders, half
# deleted (rows 1-3), and a 1 GiB volume holding one deleted 256 MiB file (row 4).
#
#   scripts/bench.sh [--runs N] [--rows LIST] [--files N] [--cache DIR] [--tmpfs DIR]
#                    [--rebuild] [--fls] [--trees]
#
# Defaults: 5 runs of each side (median shown), rows 1,2,3,4,4b,4c,5, 320,000 files, cache
# /var/tmp/restorefs-bench, tmpfs /dev/shm. --fls adds The Sleuth Kit's fls -r -d -p beside
# row 1. RESTOREFS_BUILDDIR selects the build directory (default build).
# --trees: the folders are made first, every other one is deleted whole instead, then new
# files take the freed folders' records and 2,000 more (image bench-trees-N.img): deleted
# files whose folders' names are left only in directory indexes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
SCAN="$BUILDDIR/src/cli/restorefs-scan"
DAEMON="$BUILDDIR/src/fuse/restorefs"
CACHE=/var/tmp/restorefs-bench
TMPFS=/dev/shm
RUNS=5 FILES=320000 WITH_FLS=0 REBUILD=0 ROWS=1,2,3,4,4b,4c,5 TREES=0
BIG_MIB=256
PER_DIR=1000

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
say() { printf 'bench: %s\n' "$*" >&2; }

# ---- the image ---------------------------------------------------------------------------------

# Runs inside `unshare --mount`: DIRS directories of PER_DIR small files written by two
# writers (one per core), then every odd-numbered file deleted.
MNT="" NTFS_PID=""
cleanup_mount() {
	cd /
	if [[ -n "$MNT" ]] && mountpoint -q "$MNT"; then umount "$MNT" 2>/dev/null || umount -l "$MNT"; fi
	if [[ -n "$NTFS_PID" ]]; then wait "$NTFS_PID" 2>/dev/null || true; fi
	if [[ -n "$MNT" ]]; then rmdir "$MNT"; fi
}

build_image() {
	local img=$1 dirs=$2 mnt pid
	mnt=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-bench.XXXXXX")
	MNT=$mnt
	trap cleanup_mount EXIT
	trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
	mount --make-rprivate / 2>/dev/null || true
	ntfs-3g "$img" "$mnt" -o no_detach,noatime >/dev/null 2>&1 &
	pid=$!
	NTFS_PID=$pid
	local i
	for i in $(seq 1 100); do mountpoint -q "$mnt" && break; sleep 0.05; done
	mountpoint -q "$mnt" || die "ntfs-3g did not mount $img"

	write_dirs() { # FIRST_DIR STEP
		local d f
		for ((d = $1; d < dirs; d += $2)); do
			mkdir -p "$mnt/d$d"
			for ((f = 0; f < PER_DIR; f++)); do
				printf 'file %d of directory %d\n' "$f" "$d" >"$mnt/d$d/f$f.txt"
			done
		done
	}
	delete_odd() { # FIRST_DIR STEP
		local d f odd
		for ((d = $1; d < dirs; d += $2)); do
			odd=()
			for ((f = 1; f < PER_DIR; f += 2)); do odd+=("$mnt/d$d/f$f.txt"); done
			rm -- "${odd[@]}"
		done
	}
	# delete_trees: every odd folder removed whole; after a remount, new files take the
	# lowest free records: the deleted folders' (made first), then 2,000 files'.
	delete_trees() {
		local d f
		for ((d = 1; d < dirs; d += 2)); do rm -r -- "$mnt/d$d"; done
		sync
		umount "$mnt"
		wait "$pid" || die "ntfs-3g exited with an error"
		ntfs-3g "$img" "$mnt" -o no_detach,noatime >/dev/null 2>&1 &
		pid=$!
		NTFS_PID=$pid
		for i in $(seq 1 100); do mountpoint -q "$mnt" && break; sleep 0.05; done
		mountpoint -q "$mnt" || die "ntfs-3g did not mount $img again"
		mkdir "$mnt/new"
		for ((f = 0; f < dirs / 2 + 2000; f++)); do printf 'new %d\n' "$f" >"$mnt/new/n$f.txt"; done
		sync
		umount "$mnt"
		wait "$pid" || die "ntfs-3g exited with an error"
		NTFS_PID=""
	}
	local w1 w2 d
	if ((TREES)); then
		for ((d = 0; d < dirs; d++)); do mkdir "$mnt/d$d"; done
	fi
	write_dirs 0 2 & w1=$!
	write_dirs 1 2 & w2=$!
	if ! wait "$w1" || ! wait "$w2"; then die "writing the files failed"; fi
	if ((TREES)); then
		delete_trees
		return
	fi
	delete_odd 0 2 & w1=$!
	delete_odd 1 2 & w2=$!
	if ! wait "$w1" || ! wait "$w2"; then die "deleting the files failed"; fi
	sync
	umount "$mnt"
	wait "$pid" || die "ntfs-3g exited with an error"
	NTFS_PID=""
}

# Runs inside `unshare --mount`: one BIG_MIB file of random bytes on an empty volume; its
# runs (as ntfscluster shows them while it is live) go to IMG.ranges as "offset length" in
# bytes, then it is deleted.
build_big_image() {
	local img=$1 mnt pid ino cs
	mnt=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-bench.XXXXXX")
	MNT=$mnt
	trap cleanup_mount EXIT
	trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
	mount --make-rprivate / 2>/dev/null || true
	mount_ntfs() {
		ntfs-3g "$img" "$mnt" -o no_detach,noatime >/dev/null 2>&1 &
		NTFS_PID=$!
		local i
		for i in $(seq 1 100); do mountpoint -q "$mnt" && break; sleep 0.05; done
		mountpoint -q "$mnt" || die "ntfs-3g did not mount $img"
	}
	umount_ntfs() { umount "$mnt"; wait "$NTFS_PID" || die "ntfs-3g exited with an error"; NTFS_PID=""; }
	mount_ntfs
	head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$mnt/big.bin"
	ino=$(stat -c %i "$mnt/big.bin")
	umount_ntfs
	cs=$(ntfsinfo -m "$img" 2>/dev/null | awk '/Cluster Size:/ {print $3; exit}')
	[[ "$cs" =~ ^[0-9]+$ ]] || die "ntfsinfo did not give the cluster size of $img"
	ntfscluster -f -I "$ino" "$img" 2>/dev/null |
		awk -v cs="$cs" '/^ *0x80 - non-resident/ {d = 1; next} d && /^ *0x/ {d = 0}
			d && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {print $2 * cs, $3 * cs}' >"$img.ranges"
	[[ -s "$img.ranges" ]] || die "no runs found for record $ino of $img"
	mount_ntfs
	rm "$mnt/big.bin"
	sync
	umount_ntfs
}

if [[ "${1:-}" == --build-big-inside ]]; then
	BIG_MIB=$3
	build_big_image "$2"
	exit 0
fi

if [[ "${1:-}" == --build-inside ]]; then
	PER_DIR=$4 TREES=${5:-0}
	build_image "$2" "$3"
	exit 0
fi

while (($#)); do
	case "$1" in
	--fls) WITH_FLS=1 ;;
	--no-fls) WITH_FLS=0 ;;
	--tmpfs) TMPFS=${2:?--tmpfs needs a directory}; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--rows) ROWS=${2:?--rows needs a list such as 1,3 or 4,4b,4c}; shift ;;
	--files) FILES=${2:?--files needs a number}; shift ;;
	--cache) CACHE=${2:?--cache needs a directory}; shift ;;
	--rebuild) REBUILD=1 ;;
	--trees) TREES=1 ;;
	-h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs: '$RUNS' is not a positive number"
[[ "$FILES" =~ ^[1-9][0-9]*$ ]] || die "--files: '$FILES' is not a positive number"
[[ "$ROWS" =~ ^([1-5]|4b|4c)(,([1-5]|4b|4c))*$ ]] || die "--rows: '$ROWS' is not a list of 1 to 5, 4b and 4c"
want() { [[ ",$ROWS," == *",$1,"* ]]; }
((RUNS >= 5)) || say "fewer than 5 runs: medians of $RUNS"
[[ "$(stat -f -c %T "$TMPFS" 2>/dev/null)" == tmpfs ]] || die "--tmpfs: $TMPFS is not a tmpfs"

[[ $EUID -eq 0 ]] || die "building the image needs root (unshare --mount, FUSE mounts)"
for tool in mkntfs ntfs-3g ntfsundelete ntfsinfo ntfscluster unshare fusermount3 dd; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/build.sh" "$BUILDDIR" >/dev/null 2>&1 || die "the build failed: run scripts/build.sh to see why"
[[ -x "$SCAN" && -x "$DAEMON" ]] || die "restorefs-scan or restorefs is not built in $BUILDDIR"
((WITH_FLS == 0)) || command -v fls >/dev/null || die "fls not found (run scripts/deps.sh)"

dirs=$(((FILES + PER_DIR - 1) / PER_DIR))
kind=""
((TREES == 0)) || kind=trees-
img="$CACHE/bench-$kind$((dirs * PER_DIR)).img"
mkdir -p "$CACHE"
if ((REBUILD)) || [[ ! -f "$img" || ! -f "$img.done" ]]; then
	rm -f "$img" "$img.done"
	# MFT records are 1 KiB; the MFT, its zone and the directory indexes fit in 2 GiB easily.
	say "building $img: $((dirs * PER_DIR)) files in $dirs directories, half deleted"
	start=$SECONDS
	truncate -s 2G "$img"
	mkntfs -F -q -f -L restorefs-bench "$img" >/dev/null 2>&1 || die "mkntfs failed on $img"
	unshare --mount bash "${BASH_SOURCE[0]}" --build-inside "$img" "$dirs" "$PER_DIR" "$TREES" ||
		{ rm -f "$img"; die "building the image failed"; }
	printf 'built in %d s\n' "$((SECONDS - start))" >"$img.done"
	say "image built in $((SECONDS - start)) s"
else
	say "reusing $img ($(cat "$img.done"))"
fi

big="$CACHE/bench-big-${BIG_MIB}M.img"
if ((REBUILD)) || [[ ! -f "$big" || ! -f "$big.done" || ! -s "$big.ranges" ]]; then
	rm -f "$big" "$big.done" "$big.ranges"
	say "building $big: one deleted file of $BIG_MIB MiB"
	start=$SECONDS
	truncate -s 1G "$big"
	mkntfs -F -q -f -L restorefs-bench-big "$big" >/dev/null 2>&1 || die "mkntfs failed on $big"
	unshare --mount bash "${BASH_SOURCE[0]}" --build-big-inside "$big" "$BIG_MIB" ||
		{ rm -f "$big"; die "building $big failed"; }
	printf 'built in %d s\n' "$((SECONDS - start))" >"$big.done"
else
	say "reusing $big ($(cat "$big.done"))"
fi

records=$(fsstat "$img" 2>/dev/null | awk '/^Range: / {print $4 + 1; exit}' || true)
say "warming the page cache with the images"
cat "$img" "$big" >/dev/null

# ---- measurements ------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-bench-run.XXXXXX")
OUT="$TMPFS/restorefs-bench-out.$$"
MNT_BIG="$WORK/mnt"
mkdir -p "$MNT_BIG"
finish_run() {
	if mountpoint -q "$MNT_BIG" 2>/dev/null; then fusermount3 -u "$MNT_BIG" 2>/dev/null || umount -l "$MNT_BIG"; fi
	rm -rf "$WORK" "$OUT"
}
trap finish_run EXIT

# timed NAME CMD...: one run under /usr/bin/time (for the peak RSS; its own clock counts in
# 10 ms steps, too coarse for the short rows: the wall time is taken around it, in µs);
# appends "seconds KiB" to $WORK/NAME.
timed() {
	local name=$1 t m start end
	shift
	start=$EPOCHREALTIME
	if ! /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err"; then
		die "$name failed: $(tail -n1 "$WORK/err")"
	fi
	end=$EPOCHREALTIME
	read -r t m <"$WORK/time"
	t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	printf '%s %s\n' "$t" "$m" >>"$WORK/$name"
}

# Before and after each run of a side: what it needs set up or cleared, untimed.
prepare() {
	case "$1" in
	extract-*) rm -rf "$OUT" ;;
	mount | mount-dio | mount-splice) # in the foreground, so that its peak RSS can be read before it exits
		local opts=()
		[[ "$1" == mount-dio ]] && opts=(-o direct_io)
		[[ "$1" == mount-splice ]] && opts=(-o splice,direct_io)
		"$DAEMON" -f "${opts[@]}" "$big" "$MNT_BIG" >/dev/null 2>&1 &
		DAEMON_PID=$!
		local i
		for i in $(seq 1 600); do mountpoint -q "$MNT_BIG" && break; sleep 0.05; done
		[[ -f "$MNT_BIG/big.bin" ]] || die "big.bin is not in the mount of $big"
		;;
	esac
}
settle() {
	case "$1" in
	mount | mount-dio | mount-splice)
		awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status" >>"$WORK/$1.rss"
		fusermount3 -u "$MNT_BIG"
		wait "$DAEMON_PID" || die "restorefs exited with an error"
		;;
	extract-*) rm -rf "$OUT" ;;
	esac
}

read_ranges() { # dd of every range of big.bin in the image, in file order
	local off len
	while read -r off len; do
		dd if="$big" of=/dev/null bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none
	done <"$big.ranges"
}
export -f read_ranges
export big

run_side() { # run_side NAME: one timed run of that side
	local name=$1
	prepare "$name"
	case "$name" in
	scan-csv) timed "$name" "$SCAN" --format=csv "$img" ;;
	undelete-s) timed "$name" ntfsundelete -s "$img" ;;
	fls) timed "$name" fls -r -d -p "$img" ;;
	scan-none) timed "$name" "$SCAN" --format=csv --name=/no/such/entry "$img" ;;
	extract-restorefs) timed "$name" "$SCAN" -q -x "$OUT" "$img" ;;
	extract-undelete)
		mkdir -p "$OUT"
		timed "$name" ntfsundelete -u -T -m '*' -d "$OUT" "$img"
		;;
	mount | mount-dio | mount-splice) timed "$name" bash -c 'dd if="$1" of=/dev/null bs=1M status=none' _ "$MNT_BIG/big.bin" ;;
	dd) timed "$name" bash -c read_ranges ;;
	deep-all) timed "$name" "$SCAN" --deep=all --format=csv "$img" ;;
	dd-all) timed "$name" dd if="$img" of=/dev/null bs=8M status=none ;;
	esac
	settle "$name"
}

# pair A [B...]: RUNS runs of each side, alternating A B A B (A B C A B C for three).
pair() {
	local i side
	for ((i = 0; i < RUNS; i++)); do
		for side in "$@"; do run_side "$side"; done
		say "$(printf '%s / ' "$@" | sed 's| / $||'): run $((i + 1))/$RUNS"
	done
}

median() { cut -d' ' -f"$2" "$WORK/$1" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
all_times() { cut -d' ' -f1 "$WORK/$1" | paste -sd' '; }

if want 1; then pair scan-csv undelete-s; fi
if want 1 && ((WITH_FLS)); then pair fls; fi
if want 2; then pair scan-none; fi
if want 3; then pair extract-restorefs extract-undelete; fi
if want 4 || want 4b || want 4c; then
	pair $(want 4 && echo mount) $(want 4b && echo mount-dio) $(want 4c && echo mount-splice) dd
fi
if want 5; then pair deep-all dd-all; fi

listed=$("$SCAN" --format=csv "$img" 2>/dev/null | tail -n +2 | wc -l || true)
big_bytes=$(awk '{s += $2} END {print s}' "$big.ranges")
printf '\nimages: %s (%s files, half deleted; %s rows listed%s), %s (one deleted %s MiB file in %s run(s))\n' \
	"$img" "$((dirs * PER_DIR))" "$listed" "${records:+; $records MFT records}" \
	"$big" "$BIG_MIB" "$(wc -l <"$big.ranges")"
printf 'median of %d runs per side, alternating; warm page cache; %s CPU(s), load average %s\n\n' \
	"$RUNS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

row() { # row LABEL A B: the medians, peak RSS and A's speed as a multiple of B's
	local label=$1 a=$2 b=${3:-} ta tb ratio="-" tb_text="-" mb="-"
	ta=$(median "$a" 1)
	if [[ -f "$WORK/$a.rss" ]]; then # the daemon's, not the reader's
		paste -d' ' <(cut -d' ' -f1 "$WORK/$a") "$WORK/$a.rss" >"$WORK/$a.with-rss"
		mv "$WORK/$a.with-rss" "$WORK/$a"
	fi
	if [[ -n "$b" ]]; then
		tb=$(median "$b" 1)
		tb_text="$tb s"
		mb="$(awk -v k="$(median "$b" 2)" 'BEGIN {printf "%.1f", k / 1024}') MiB"
		ratio=$(awk -v a="$ta" -v b="$tb" 'BEGIN {if (a > 0) printf "%.2fx", b / a; else print "-"}')
	fi
	printf '%s\t%s s\t%s MiB\t%s\t%s\t%s\t%s\n' "$label" "$ta" \
		"$(awk -v k="$(median "$a" 2)" 'BEGIN {printf "%.1f", k / 1024}')" "$tb_text" "$mb" "$ratio" \
		"$(all_times "$a")${b:+ | $(all_times "$b")}"
}
{
	printf 'row\trestorefs\tpeak RSS\tanchor\tanchor RSS\tspeed vs anchor\truns (s): restorefs | anchor\n'
	if want 1; then row "1 list (csv) vs ntfsundelete -s" scan-csv undelete-s; fi
	if want 1 && ((WITH_FLS)); then row "1b list (csv) vs fls -r -d -p" scan-csv fls; fi
	if want 2; then row "2 scan, list nothing" scan-none; fi
	if want 3; then row "3 extract all vs ntfsundelete -u" extract-restorefs extract-undelete; fi
	if want 4; then row "4 mount read vs dd of the runs" mount dd; fi
	if want 4b; then row "4b mount -o direct_io read vs dd" mount-dio dd; fi
	if want 4c; then row "4c mount -o splice,direct_io read vs dd" mount-splice dd; fi
	if want 5; then row "5 deep=all list vs dd of the image" deep-all dd-all; fi
} | column -t -s $'\t'
if want 4 || want 4b || want 4c; then
	awk -v t="$(want 4 && median mount 1 || echo 0)" -v o="$(want 4b && median mount-dio 1 || echo 0)" \
		-v s="$(want 4c && median mount-splice 1 || echo 0)" \
		-v d="$(median dd 1)" -v b="$big_bytes" 'BEGIN {
		if (d <= 0) exit
		printf "\nrow 4 in GB/s:"
		if (t > 0) printf " mount %.2f,", b / t / 1e9
		if (o > 0) printf " mount -o direct_io %.2f,", b / o / 1e9
		if (s > 0) printf " mount -o splice,direct_io %.2f,", b / s / 1e9
		printf " dd %.2f (%d bytes)\n", b / d / 1e9, b }'
fi
if want 5; then
	carved=$("$SCAN" --deep=all --format=json "$img" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["stats"]["carved_records"])' || echo "?")
	awk -v deep="$(median deep-all 1)" -v plain="$(want 1 && median scan-csv 1 || echo 0)" \
		-v dd="$(median dd-all 1)" -v b="$(stat -c %s "$img")" -v carved="$carved" 'BEGIN {
		if (deep > plain) printf "\nrow 5: the sweep of every cluster %.0f MB/s (%.2f s over row 1), dd of the image %.0f MB/s; %s FILE records carved\n", b / (deep - plain) / 1e6, deep - plain, b / dd / 1e6, carved }'
fi
