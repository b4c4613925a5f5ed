#!/usr/bin/env bash
# Mounts one test image through a loop device with restorefs and checks the tree against the
# image's manifest: contents (md5), lost+found, overwritten markers, rsync -a / cp -a with
# times, find / ls -lR / stat / getfattr on every entry, the same bytes as restorefs-scan
# --extract writes for every file (lost extents included), 8 concurrent readers, and that
# the image is byte-identical afterwards.
#
#   test_mount_image.sh RESTOREFS IMAGE_NAME RESTOREFS_SCAN
set -uo pipefail
TEST_NAME="fuse-$2"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
NAME=$2
SCAN=$(readlink -f "${3:?usage: test_mount_image.sh RESTOREFS IMAGE_NAME RESTOREFS_SCAN}")
enter_namespace "$@"
need_image "$NAME"

MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)
attach "$IMG" "$SECTOR_SIZE"

# daemon mode, as users run it: it returns once the scan is done and the mount is up
if ! "$RESTOREFS" "$LOOP" "$MNT" -o uid=4321,gid=4321 2>"$WORK/mount.err"; then
	say "restorefs failed: $(cat "$WORK/mount.err")"
	exit 1
fi
mounted_ok "$MNT" || { say "not mounted after restorefs returned"; exit 1; }
say "$(grep -v '^$' "$WORK/mount.err" | tail -1)"
grep -q " $MNT fuse.restorefs ro," /proc/mounts || fail "mount is not read-only"

# ---- lookups before any listing: a path typed or pasted must resolve on its own ----------
while IFS=$'\t' read -r _ _ state _ path; do
	[[ "$state" == deleted || "$state" == deleted-dir ]] || continue
	stat "$MNT/$path" >/dev/null 2>&1 || fail "direct lookup of $path failed before any listing"
done <"$MANIFEST"

# ---- manifest ------------------------------------------------------------------------------
declare -A LOST_FOUND_MD5=() RECORD_PATH=()
while IFS= read -r -d '' f; do
	sum=$(md5sum <"$f" 2>/dev/null | cut -d' ' -f1)
	[[ -n "$sum" ]] && LOST_FOUND_MD5[$sum]=1
done < <(find "$MNT/lost+found" -type f -print0 2>/dev/null)
# MFT record -> path in the mount, from user.restorefs.mft ("record-sequence")
while IFS= read -r -d '' f; do
	mft=$(getfattr --only-values -n user.restorefs.mft "$f" 2>/dev/null) || continue
	RECORD_PATH[${mft%-*}]=${f#"$MNT/"}
done < <(find "$MNT" -mindepth 1 -print0)

# md5_matches FILE MD5: the file at the manifest path, or else a sibling with a collision name
md5_matches() {
	local path=$1 want=$2 got sib
	if [[ -f "$path" ]]; then
		got=$(md5sum <"$path" | cut -d' ' -f1) || return 1
		[[ "$got" == "$want" ]] && { EXACT=1; return 0; }
	fi
	for sib in "$(dirname "$path")"/*; do
		[[ -f "$sib" && "$sib" != "$path" ]] || continue
		[[ "$(md5sum <"$sib" | cut -d' ' -f1)" == "$want" ]] && return 0
	done
	return 1
}

DELETED=() PARTIAL=()
checked=0
while IFS=$'\t' read -r md5 size state record path; do
	[[ -z "$state" || "$md5" == \#* ]] && continue
	p="$MNT/$path"
	case "$state" in
	deleted)
		EXACT=0
		md5_matches "$p" "$md5" || fail "deleted $path (record $record): missing or wrong md5"
		if [[ -f "$p" ]]; then
			r=$(getfattr --only-values -n user.restorefs.recoverable "$p" 2>/dev/null)
			[[ "$r" == 100 ]] || fail "deleted $path (record $record): recoverable='$r', want 100"
		fi
		((EXACT)) && DELETED+=("$path:$md5") # the concurrent readers reread these
		;;
	deleted-dir)
		[[ -d "$p" ]] || fail "deleted directory $path is missing"
		;;
	orphan)
		[[ -n "${LOST_FOUND_MD5[$md5]:-}" ]] || fail "orphan $path (record $record) not under lost+found"
		;;
	overwritten | superseded)
		# superseded: the clusters are free, but a later deleted file wrote them
		f=$p
		[[ -e "$f" ]] || f=$(find "$MNT" -name "$(basename "$path")" -print -quit)
		r=$(getfattr --only-values -n user.restorefs.recoverable "$f" 2>/dev/null)
		[[ -n "$r" && "$r" -lt 100 ]] || fail "$state $path: recoverable='$r', want < 100"
		st=$(getfattr --only-values -n user.restorefs.state "$f" 2>/dev/null)
		[[ "$st" != intact ]] || fail "$state $path: state '$st'"
		;;
	partial)
		# listed at its path or, when its parent is gone, under lost+found
		found=${RECORD_PATH[$record]:-}
		[[ -e "$p" ]] && found=$path
		[[ -n "$found" ]] || fail "partial $path (record $record) is not listed"
		[[ -n "$found" ]] && PARTIAL+=("$found")
		;;
	live)
		[[ -e "$p" && ! -d "$p" ]] && fail "live file $path is listed"
		;;
	*) fail "unknown manifest state '$state'" ;;
	esac
	checked=$((checked + 1))
done <"$MANIFEST"
say "$checked manifest entries checked"

# ---- tools over the whole tree ----------------------------------------------------------------
run_quiet() { # run_quiet WHAT CMD...: the command must succeed and print nothing on stderr
	local what=$1
	shift
	if ! "$@" >"$WORK/out" 2>"$WORK/err" || [[ -s "$WORK/err" ]]; then
		fail "$what: $(head -3 "$WORK/err")"
	fi
}
run_quiet "find" find "$MNT"
run_quiet "ls -lR" ls -lR "$MNT"
run_quiet "stat" find "$MNT" -exec stat {} +
run_quiet "getfattr -d" getfattr -R -d -m - --absolute-names "$MNT"
for probe in security.selinux security.capability system.posix_acl_access system.posix_acl_default; do
	out=$(getfattr -n "$probe" "$MNT" "$MNT/${DELETED[0]%:*}" 2>&1)
	[[ "$(grep -c 'No such attribute' <<<"$out")" == 2 ]] || fail "$probe probe: $out"
done
[[ "$(stat -c %u:%g:%a "$MNT")" == "4321:4321:755" ]] || fail "root is $(stat -c %u:%g:%a "$MNT"), want 4321:4321:755"
bad_modes=$(find "$MNT" \( -type f ! -perm 644 \) -o \( -type d ! -perm 755 \) | head -3)
[[ -z "$bad_modes" ]] || fail "modes other than 0644 / 0755: $bad_modes"
touch "$MNT/new" 2>/dev/null && fail "created a file on the mount"
if ((${#DELETED[@]} > 0)); then
	out=$( { printf x >>"$MNT/${DELETED[0]%:*}"; } 2>&1)
	[[ "$out" == *"Read-only file system"* ]] || fail "appending to a file: '$out', want EROFS"
fi

# everything copies, incomplete files too (their lost ranges read as zeros)
run_quiet "rsync -a" rsync -a "$MNT/" "$WORK/rsync/"
run_quiet "cp -a" cp -a "$MNT/." "$WORK/cp/"
# times and sizes as in the mount
(cd "$MNT" && find . -type f -printf '%p %s %T@\n' | sort) >"$WORK/times.mnt"
for copy in rsync cp; do
	(cd "$WORK/$copy" && find . -type f -printf '%p %s %T@\n' | sort) >"$WORK/times.$copy"
	missing=$(comm -23 "$WORK/times.mnt" "$WORK/times.$copy")
	[[ -z "$missing" ]] || fail "$copy: times or sizes differ: $(head -2 <<<"$missing")"
done
rm -rf "$WORK/rsync" || fail "cannot delete the rsync copy"

# ---- the mount and --extract give the same bytes for every file ---------------------------------
extract_rc=0
"$SCAN" -q -x "$WORK/extract" "$IMG" >/dev/null 2>"$WORK/extract.err" || extract_rc=$?
[[ $extract_rc == 0 || $extract_rc == 4 || $extract_rc == 5 ]] ||
	fail "restorefs-scan --extract exited $extract_rc: $(head -2 "$WORK/extract.err")"
(cd "$MNT" && find . -type f | sort) >"$WORK/files.mnt"
(cd "$WORK/extract" && find . -type f | sort) >"$WORK/files.extract"
diff -q "$WORK/files.mnt" "$WORK/files.extract" >/dev/null ||
	fail "the mount and --extract hold different files: $(diff "$WORK/files.mnt" "$WORK/files.extract" | head -3)"
compared=0
while IFS= read -r f; do
	cmp -s "$MNT/$f" "$WORK/extract/$f" || fail "the mount and --extract differ in $f"
	compared=$((compared + 1))
done <"$WORK/files.mnt"
for p in "${PARTIAL[@]}"; do
	[[ -n "$p" ]] || continue
	lost=$(getfattr --only-values -n user.restorefs.unreadable_bytes "$MNT/$p" 2>/dev/null)
	[[ "$lost" =~ ^[0-9]+$ && "$lost" -gt 0 ]] || fail "incomplete $p: unreadable_bytes='$lost', want > 0"
	grep -qF "$lost of " "$WORK/extract.err" || fail "incomplete $p: --extract did not report $lost bytes"
	[[ "$(getfattr --only-values -n user.restorefs.state "$MNT/$p" 2>/dev/null)" == incomplete ]] ||
		fail "incomplete $p: user.restorefs.state is not incomplete"
done
say "$compared files identical in the mount and in --extract's copy (${#PARTIAL[@]} incomplete)"
rm -rf "$WORK/extract" "$WORK/cp"

# ---- concurrent readers ---------------------------------------------------------------------
if ((${#DELETED[@]} > 0)); then
	for r in $(seq 1 8); do
		printf '%s\n' "${DELETED[@]}" | shuf --random-source=<(yes "$r") | (
			while IFS= read -r e; do
				path=${e%:*} want=${e##*:}
				[[ -f "$MNT/$path" ]] || continue # collision-named ones were checked above
				got=$(md5sum <"$MNT/$path" | cut -d' ' -f1)
				[[ "$got" == "$want" ]] || { echo "reader $r: $path" >&2; exit 1; }
			done
		) &
	done
	for job in $(jobs -p); do wait "$job" || fail "a concurrent reader got wrong data"; done
fi

# ---- zero-copy reads: plain extents reach the kernel without a copy in the daemon -----------
# More mounts of the image file, in the foreground under strace, with direct_io: reading the
# plain intact files (no compression, no sparse runs, not resident, nothing overwritten) must
# give the same bytes as the first mount, read whole (cmp) and in odd-sized pieces at
# unaligned offsets (dd), which only direct_io passes on to the daemon, and leave the page
# cache empty. With -o splice they must be spliced from the image's descriptor at an offset;
# without, answered from the daemon's mapping of the image, whose pages it unmaps after each
# reply (madvise MADV_DONTNEED).
# count_calls splice|mapped < STRACE_LOG: splices at an offset of a descriptor, or madvise
# calls inside a read-only shared mapping of the whole image (its size: $IMG_BYTES).
count_calls() {
	python3 -c '
import re, sys
kind, size = sys.argv[1], int(sys.argv[2])
maps, n = [], 0
for line in sys.stdin:
    if kind == "splice":
        n += re.search(r"splice\(\d+, \[\d+\]", line) is not None
        continue
    m = re.search(r"mmap\(NULL, (\d+), PROT_READ, MAP_SHARED, \d+, 0\) = (0x[0-9a-f]+)", line)
    if m and int(m.group(1)) == size:
        maps.append(int(m.group(2), 16))
    m = re.search(r"madvise\((0x[0-9a-f]+), \d+, MADV_DONTNEED\)", line)
    if m and any(b <= int(m.group(1), 16) < b + size for b in maps):
        n += 1
print(n)' "$1" "$IMG_BYTES"
}

# zero_copy_mount OPTIONS SYSCALLS splice|mapped WHAT
zero_copy_mount() {
	local options=$1 syscall=$2 pattern=$3 what=$4 p cached calls
	MNT2="$WORK/mnt2"
	mkdir -p "$MNT2"
	# LeakSanitizer cannot run under ptrace: a sanitized build is traced with it off. One
	# trace file per thread (-ff): no call is split over two lines ("<unfinished ...>").
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -ff -qq -e trace="$syscall" -o "$WORK/trace" "$RESTOREFS" -f -o "$options" "$IMG" "$MNT2" 2>"$WORK/mount2.err" &
	DAEMON_PID=$!
	for i in $(seq 1 200); do mounted_ok "$MNT2" && break; sleep 0.05; done
	if mounted_ok "$MNT2"; then
		for p in "${PLAIN[@]}"; do
			cmp -s "$MNT/${p#/}" "$MNT2/${p#/}" || fail "-o $options: read of $p differs from the first mount"
			dd if="$MNT2/${p#/}" bs=65537 status=none | cmp -s - "$MNT/${p#/}" ||
				fail "-o $options: reads of 65537 bytes of $p differ from the first mount"
			cached=$(fincore --bytes --noheadings --output RES "$MNT2/${p#/}" 2>&1 | tr -d ' ')
			[[ "$cached" == 0 ]] || fail "-o $options: page cache of $p after reading it: '$cached', want 0"
		done
		fusermount3 -u "$MNT2" || fail "fusermount3 -u $MNT2 failed"
		wait "$DAEMON_PID" || fail "restorefs -o $options under strace exited with an error: $(tail -2 "$WORK/mount2.err")"
		calls=$(cat "$WORK"/trace.* | count_calls "$pattern")
		rm -f "$WORK"/trace.*
		if ((${#PLAIN[@]} > 0)); then
			((calls > 0)) || fail "-o $options: ${#PLAIN[@]} plain files read without $what"
		fi
		say "${#PLAIN[@]} plain files read again (-o $options): $calls $what"
	else
		fail "the mount with -o $options under strace did not come up: $(tail -2 "$WORK/mount2.err")"
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	DAEMON_PID=""
}

if command -v strace >/dev/null; then
	mapfile -t PLAIN < <("$SCAN" --format=csv "$IMG" 2>/dev/null |
		awk -F, 'NR > 1 && !/"/ && $5 == "file" && $11 == "removed" && $18 == "intact" && $6 >= 4096 {print $1}')
	IMG_BYTES=$(stat -c %s "$IMG")
	zero_copy_mount splice,direct_io splice splice "splices from the image"
	zero_copy_mount direct_io mmap,madvise mapped "replies from the mapping of the image"
else
	skip_part "strace not found: the check that reads are zero-copy cannot run" || fail "no strace"
fi

# ---- unmount; the daemon exits, the loop device detaches, the image is unchanged ---------------
fusermount3 -u "$MNT" || fail "fusermount3 -u failed"
losetup -d "$LOOP" && LOOP=""
wait_detached "$IMG" || fail "loop device still attached: restorefs did not exit"
[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
