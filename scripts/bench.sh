#!/usr/bin/env bash
# Benchmark (not a test): scan time and peak memory of restorefs-scan against ntfsundelete and
# The Sleuth Kit's fls on one large NTFS image (>= 300,000 MFT records, half of them deleted
# files), built once through ntfs-3g and cached; and the deep scan's sweep of every cluster
# (--deep=all) next to dd reading the same image, with the FILE records it carved.
#
#   scripts/bench.sh [--no-fls] [--runs N] [--files N] [--cache DIR] [--rebuild] [--trees]
#
# Defaults: 3 runs per tool (median shown), 320,000 files (half deleted), cache
# /var/tmp/restorefs-bench. RESTOREFS_BUILDDIR selects the build directory (default build).
# --trees: the folders are made first, every other one is deleted whole instead, then new
# files take the freed folders' records and 2,000 more (image bench-trees-N.img): deleted
# files whose folders' names are left only in directory indexes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
SCAN="$BUILDDIR/src/cli/restorefs-scan"
CACHE=/var/tmp/restorefs-bench
RUNS=3 FILES=320000 WITH_FLS=1 REBUILD=0 TREES=0
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

if [[ "${1:-}" == --build-inside ]]; then
	PER_DIR=$4 TREES=${5:-0}
	build_image "$2" "$3"
	exit 0
fi

while (($#)); do
	case "$1" in
	--no-fls) WITH_FLS=0 ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--files) FILES=${2:?--files needs a number}; shift ;;
	--cache) CACHE=${2:?--cache needs a directory}; shift ;;
	--rebuild) REBUILD=1 ;;
	--trees) TREES=1 ;;
	-h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs: '$RUNS' is not a positive number"
[[ "$FILES" =~ ^[1-9][0-9]*$ ]] || die "--files: '$FILES' is not a positive number"

[[ $EUID -eq 0 ]] || die "building the image needs root (unshare --mount, FUSE mounts)"
for tool in mkntfs ntfs-3g ntfsundelete fls unshare; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"

"$ROOT/scripts/deps.sh"
"$ROOT/scripts/build.sh" "$BUILDDIR" >/dev/null 2>&1 || die "the build failed: run scripts/build.sh to see why"
[[ -x "$SCAN" ]] || die "$SCAN does not exist yet: restorefs-scan is not built"

dirs=$(((FILES + PER_DIR - 1) / PER_DIR))
img="$CACHE/bench-$( ((TREES)) && echo trees-)$((dirs * PER_DIR)).img"
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

records=$(fsstat "$img" 2>/dev/null | awk '/^Range: / {print $4 + 1; exit}' || true)
say "warming the page cache with the image"
cat "$img" >/dev/null

# ---- measurements ------------------------------------------------------------------------------

# measure NAME CMD...: RUNS runs; prints "NAME<TAB>median s<TAB>median MiB<TAB>all times".
measure() {
	local name=$1 i t m times=() mems=() out
	shift
	out=$(mktemp)
	for ((i = 0; i < RUNS; i++)); do
		if ! /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>"$out.err"; then
			say "$name failed: $(tail -n1 "$out.err")"
			rm -f "$out" "$out.err"
			printf '%s\tfailed\t-\t-\n' "$name"
			return
		fi
		read -r t m <"$out"
		times+=("$t") mems+=("$m")
		say "$name run $((i + 1))/$RUNS: ${t} s, $((m / 1024)) MiB"
	done
	rm -f "$out" "$out.err"
	printf '%s\t%s\t%s\t%s\n' "$name" \
		"$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(printf '%s\n' "${mems[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1024}')" \
		"${times[*]}"
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
measure "restorefs-scan --format=csv" "$SCAN" --format=csv "$img" >>"$results"
measure "ntfsundelete -s" ntfsundelete -s "$img" >>"$results"
if ((WITH_FLS)); then
	measure "fls -r -d -p" fls -r -d -p "$img" >>"$results"
fi
measure "restorefs-scan --deep=all --format=csv" "$SCAN" --deep=all --format=csv "$img" >>"$results"
measure "dd bs=8M (the same bytes)" dd if="$img" of=/dev/null bs=8M >>"$results"

listed=$("$SCAN" --format=csv "$img" 2>/dev/null | tail -n +2 | wc -l || true)
printf '\nimage: %s (%s files, half deleted; %s rows listed by restorefs-scan)%s\n' \
	"$img" "$((dirs * PER_DIR))" "$listed" "${records:+; $records MFT records}"
printf 'median of %d runs, warm page cache, %s CPU(s)\n\n' "$RUNS" "$(nproc)"
{
	printf 'tool\twall s\tpeak RSS MiB\truns (s)\n'
	cat "$results"
} | column -t -s $'\t'
# The sweep's rate: the image's bytes over the time --deep=all adds to the plain scan.
bytes=$(stat -c %s "$img")
carved=$("$SCAN" --deep=all --format=json "$img" 2>/dev/null |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["stats"]["carved_records"])' || echo "?")
awk -F'\t' -v bytes="$bytes" -v carved="$carved" '
	NR == 1 { plain = $2 }
	/^restorefs-scan --deep=all/ { deep = $2 }
	/^dd / { dd = $2 }
	END {
		if (deep > plain) printf "\ndeep sweep of every cluster: %.0f MB/s (%.2f s over the plain scan); %s FILE records carved\n", bytes / (deep - plain) / 1e6, deep - plain, carved
		if (dd > 0) printf "dd of the same image: %.0f MB/s\n", bytes / dd / 1e6
	}' "$results"
base=$(awk -F'\t' 'NR == 1 {print $2}' "$results")
undelete=$(awk -F'\t' 'NR == 2 {print $2}' "$results")
if [[ "$base" =~ ^[0-9.]+$ && "$undelete" =~ ^[0-9.]+$ ]]; then
	awk -v a="$base" -v b="$undelete" 'BEGIN { if (a > 0) printf "\nrestorefs-scan is %.1fx the speed of ntfsundelete -s\n", b / a }'
fi
