#!/usr/bin/env bash
# Benchmark (not a test): read throughput through a restorefs mount of one large deleted
# file on BitLocker volumes (AES-XTS 128 and AES-CBC 128, Windows-made containers from the
# fixtures, refilled through dislocker-fuse + ntfs-3g), side by side: a plain NTFS image of
# the same size, the native backend (the default), libbde (--bitlocker=libbde),
# dislocker-fuse reading as many bytes of its decrypted volume, and `openssl speed -evp
# aes-128-xts` on this machine.
#
#   scripts/bench-bitlocker.sh [--runs N] [--size MIB]
#
# Each figure is the median of N runs (default 3) of a sequential 1 MiB read of the file
# (dd to /dev/null, timed alone; the data is checked against its MD5 afterwards):
#   cold: page cache dropped (echo 3 > /proc/sys/vm/drop_caches) and restorefs remounted
#         before each run, so the container is read from disk and decrypted;
#   warm: the container file is in the page cache (read once beforehand) and restorefs is
#         remounted, so the mount's own page cache is empty: decryption and FUSE only.
# Needs root (unshare --mount, drop_caches), /dev/fuse, dislocker, ntfs-3g, and the
# fixtures (RESTOREFS_FIXTURES, default <repo>/../shared/fixtures). RESTOREFS_BUILDDIR
# selects the build directory (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
RESTOREFS="$BUILDDIR/src/fuse/restorefs"
FIXTURES=${RESTOREFS_FIXTURES:-$ROOT/../shared/fixtures}
ARCHIVE=$FIXTURES/bitlk-images.tar.xz
RUNS=3 SIZE_MIB=80

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

while (($#)); do
	case $1 in
	--runs) RUNS=${2:?}; shift 2 ;;
	--size) SIZE_MIB=${2:?}; shift 2 ;;
	*) die "usage: bench-bitlocker.sh [--runs N] [--size MIB]" ;;
	esac
done
[[ -x "$RESTOREFS" ]] || die "no $RESTOREFS (build first, or set RESTOREFS_BUILDDIR)"
[[ -r "$ARCHIVE" ]] || die "fixtures missing ($ARCHIVE)"
[[ $EUID -eq 0 && -c /dev/fuse ]] || die "needs root and /dev/fuse"
for tool in dislocker-fuse dislocker-metadata mkntfs ntfsinfo ntfs-3g openssl; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
if [[ -z "${BENCH_IN_NS:-}" ]]; then
	BENCH_IN_NS=1 exec unshare --mount --propagation private bash "$0" --runs "$RUNS" --size "$SIZE_MIB"
fi

# shellcheck source-path=SCRIPTDIR/..
# shellcheck source=tests/integration/bitlocker/bde_lib.sh
. "$ROOT/tests/integration/bitlocker/bde_lib.sh"

WORK="" MNT=""
cleanup() {
	local rc=$?
	if [[ -n "$MNT" ]] && mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	bde_teardown
	[[ -n "$WORK" ]] && rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-bench-bde.XXXXXX")
MNT=$WORK/mnt
mkdir -p "$MNT" "$WORK/plain-ntfs"
tar -xJf "$ARCHIVE" --sparse -C "$WORK" bitlk-images/images.conf \
	bitlk-images/bitlk-aes-xts-128.img bitlk-images/bitlk-aes-cbc-128.img
head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$WORK/big.src"
WANT=$(md5sum <"$WORK/big.src" | cut -d' ' -f1)
printf 'anaconda\n' >"$WORK/pw"
chmod 600 "$WORK/pw"

# fill DIR: the large file, written and then deleted
fill() {
	cp "$WORK/big.src" "$1/big.bin" || die "the volume has no room for $SIZE_MIB MiB (try --size)"
	rm "$1/big.bin"
}

make_bde() { # NAME: a container copy holding the deleted file
	cp --sparse=always "$WORK/bitlk-images/$1.img" "$WORK/$1.img"
	bde_open "$WORK/$1.img" "$WORK/bde" 512 -uanaconda || die "cannot refill $1"
	fill "$BDE_NTFS"
	bde_close || die "cannot unmount dislocker-fuse"
}

make_plain() { # a plain NTFS image of the same size
	truncate -s 100M "$WORK/plain.img"
	mkntfs -F -f -q -s 512 -c 4096 "$WORK/plain.img" >/dev/null 2>&1 || die "mkntfs failed"
	ntfs-3g "$WORK/plain.img" "$WORK/plain-ntfs" || die "ntfs-3g failed"
	fill "$WORK/plain-ntfs"
	umount "$WORK/plain-ntfs"
}

drop_or_warm() { # MODE FILE: cold drops the page cache, warm reads FILE into it
	if [[ $1 == cold ]]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
	else
		cat "$2" >/dev/null
	fi
}

rate() { # BYTES T0 T1 -> MB/s (10^6 bytes/s)
	awk -v b="$1" -v a="$2" -v z="$3" 'BEGIN { printf "%.0f\n", b / (z - a) / 1e6 }'
}

# read_once SOURCE MODE ARGS...: mounts, reads big.bin once, prints MB/s
read_once() {
	local source=$1 mode=$2 t0 t1 got
	shift 2
	drop_or_warm "$mode" "$source"
	"$RESTOREFS" "$@" "$source" "$MNT" 2>/dev/null || die "restorefs failed on $source"
	t0=$(date +%s.%N)
	dd if="$MNT/big.bin" of=/dev/null bs=1M status=none
	t1=$(date +%s.%N)
	got=$(md5sum <"$MNT/big.bin" | cut -d' ' -f1)
	fusermount3 -u "$MNT"
	[[ "$got" == "$WANT" ]] || die "wrong data read from $source"
	rate $((SIZE_MIB * 1048576)) "$t0" "$t1"
	sleep 0.5 # the daemon exits after the unmount
}

# dislocker_once CONTAINER MODE: the same number of bytes read from dislocker-fuse's
# decrypted volume (read-only), from 1 MiB in; prints MB/s
dislocker_once() {
	local container=$1 mode=$2 t0 t1 pid
	mkdir -p "$WORK/dis"
	drop_or_warm "$mode" "$container"
	dislocker-fuse -r -uanaconda "$container" -- "$WORK/dis" -f >/dev/null 2>&1 &
	pid=$!
	bde_wait_mounted "$WORK/dis" "$pid" || die "dislocker-fuse did not open $container"
	t0=$(date +%s.%N)
	dd if="$WORK/dis/dislocker-file" of=/dev/null bs=1M skip=1 count="$SIZE_MIB" status=none
	t1=$(date +%s.%N)
	bde_stop "$WORK/dis" "$pid"
	rate $((SIZE_MIB * 1048576)) "$t0" "$t1"
}

median_of() { # MODE SOURCE ARGS...: prints "median (run1 run2 ...)"
	local mode=$1 i all=()
	shift
	for ((i = 0; i < RUNS; i++)); do
		if [[ $1 == dislocker ]]; then
			all+=("$(dislocker_once "$2" "$mode")")
		else
			all+=("$(read_once "$1" "$mode" "${@:2}")")
		fi
	done
	printf '%s\n' "${all[@]}" | sort -n | awk -v runs="${all[*]}" '{ v[NR] = $1 }
		END { printf "%s MB/s (runs: %s)", v[int((NR + 1) / 2)], runs }'
}

say "preparing: ${SIZE_MIB} MiB deleted file on each volume"
make_bde bitlk-aes-xts-128
make_bde bitlk-aes-cbc-128
make_plain

printf 'read throughput, %d MiB deleted file, 1 MiB sequential reads (dd to /dev/null), median of %d\n' \
	"$SIZE_MIB" "$RUNS"
printf 'cold: page cache dropped before each run; warm: container in the page cache, fresh mount\n' 
printf 'machine: %s, %s cores\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)" "$(nproc)"
for spec in "plain NTFS|$WORK/plain.img" \
	"AES-XTS 128 native|$WORK/bitlk-aes-xts-128.img|--password-file|$WORK/pw" \
	"AES-XTS 128 libbde|$WORK/bitlk-aes-xts-128.img|--bitlocker=libbde|--password-file|$WORK/pw" \
	"AES-XTS 128 dislocker|dislocker|$WORK/bitlk-aes-xts-128.img" \
	"AES-CBC 128 native|$WORK/bitlk-aes-cbc-128.img|--password-file|$WORK/pw" \
	"AES-CBC 128 libbde|$WORK/bitlk-aes-cbc-128.img|--bitlocker=libbde|--password-file|$WORK/pw" \
	"AES-CBC 128 dislocker|dislocker|$WORK/bitlk-aes-cbc-128.img"; do
	IFS='|' read -r -a f <<<"$spec"
	for mode in cold warm; do
		printf '  %-22s %s: %s\n' "${f[0]}" "$mode" "$(median_of "$mode" "${f[@]:1}")"
	done
done
printf 'openssl speed -evp aes-128-xts (16384-byte blocks, 1 core):\n'
for dir in encrypt decrypt; do
	args=(-seconds 2 -bytes 16384)
	[[ $dir == decrypt ]] && args+=(-decrypt)
	line=$(openssl speed "${args[@]}" -evp aes-128-xts 2>/dev/null | grep -i '^aes-128-xts')
	printf '  %-9s %s -> %s MB/s\n' "$dir" "$line" \
		"$(awk '{ v = $NF; sub(/k$/, "", v); printf "%.0f", v * 1000 / 1e6 }' <<<"$line")"
done
