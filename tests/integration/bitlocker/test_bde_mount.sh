#!/usr/bin/env bash
# End to end on Windows-made BitLocker containers (AES-CBC 128, AES-XTS 128 and 256, 4K
# sectors): a copy of each container gets a fresh NTFS
# written through dislocker-fuse and ntfs-3g, holding a tree of files (resident and empty
# files, a multi-MiB file, two fragmented files, named streams, nested folders, a non-ASCII
# name) that is then deleted. restorefs mounts the container with every unlock method the
# image has, and every deleted file must read back with its md5; restorefs-scan --extract
# once; the container inside a larger disk image at --start-sector; the 4k container through
# a loop device with 4096-byte sectors. Each session must leave the source byte-identical,
# keep every secret out of the daemon's /proc/PID/cmdline and environ and out of its log
# (debug messages on), and bad keys must fail with one line, a non-zero exit and no mount.
#
#   test_bde_mount.sh RESTOREFS RESTOREFS_SCAN
#   env RESTOREFS_FIXTURES  folder with bitlk-images.tar.xz (default <repo>/../shared/fixtures)
set -euo pipefail

NAME=bitlocker-mount
here=$(cd "$(dirname "$0")" && pwd)
restorefs=$(readlink -f "${1:?usage: test_bde_mount.sh RESTOREFS RESTOREFS_SCAN}")
scan=$(readlink -f "${2:?usage: test_bde_mount.sh RESTOREFS RESTOREFS_SCAN}")
fixtures=${RESTOREFS_FIXTURES:-$here/../../../../shared/fixtures}
archive=$fixtures/bitlk-images.tar.xz

TEST_NAME=$NAME
# shellcheck source=../skip.sh
. "$here/../skip.sh"
[[ -r "$archive" ]] || skip "fixtures missing ($archive)"
[[ -c /dev/fuse ]] || skip "/dev/fuse is missing"
[[ $EUID -eq 0 ]] || skip "needs root (unshare --mount, loop devices)"
for tool in unshare dislocker-fuse mkntfs ntfs-3g fusermount3 losetup setsid; do
	command -v "$tool" >/dev/null || skip "$tool not found"
done
if [[ -z "${RESTOREFS_TEST_IN_NS:-}" ]]; then
	RESTOREFS_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

# shellcheck source-path=SCRIPTDIR
# shellcheck source=bde_lib.sh
. "$here/bde_lib.sh"

FAILURES=0 CHECKS=0
WORK="" MNT="" LOOP="" FG_PID=""
say() { printf '%s: %s\n' "$NAME" "$*"; }
fail() { say "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }
md5_of() { md5sum <"$1" | cut -d' ' -f1; }

# holder_pids FILE: the processes that have FILE (an image or /dev/loopN) open.
holder_pids() {
	# processes come and go while find walks /proc: its complaints about them are noise
	{ find /proc/[0-9]*/fd -maxdepth 1 -lname "$1" 2>/dev/null || true; } | cut -d/ -f3 | sort -u
}

# wait_released FILE: until no process has FILE open (the daemon exited after its unmount).
wait_released() {
	local i
	for i in $(seq 1 200); do
		[[ -z "$(holder_pids "$1")" ]] && return 0
		sleep 0.05
	done
	return 1
}

cleanup() {
	local rc=$? pid
	if [[ -n "$MNT" ]] && mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	if [[ -n "$FG_PID" ]]; then
		kill "$FG_PID" 2>/dev/null || true
		wait "$FG_PID" 2>/dev/null || true
	fi
	# a daemon-mode restorefs is not our child: it is the process holding our private copy
	if [[ -n "$WORK" ]]; then
		for pid in $(holder_pids "$SOURCE_OPEN"); do
			kill "$pid" 2>/dev/null || true
		done
	fi
	bde_teardown
	if [[ -n "$LOOP" ]]; then
		losetup -d "$LOOP" 2>/dev/null || true
	fi
	[[ -n "$WORK" ]] && rm -rf "$WORK"
	exit "$rc"
}
SOURCE_OPEN=/nonexistent
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
set -E
trap 'say "FAIL: line $LINENO: $BASH_COMMAND"' ERR
WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-bde-mount.XXXXXX")
MNT=$WORK/mnt
mkdir -p "$MNT" "$WORK/src" "$WORK/secrets"
chmod 700 "$WORK/secrets"
T0=$SECONDS

# ---- fixtures ----------------------------------------------------------------------------
# name, NTFS sector size; the unlock methods come from images.conf
IMAGES=("bitlk-aes-cbc-128 512" "bitlk-aes-xts-128-startup-key 512" "bitlk-aes-xts-256 512"
	"bitlk-aes-xts-128-4k 4096")
members=(bitlk-images/images.conf bitlk-images/4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK
	bitlk-images/AA80A52B-9B66-47AE-B097-33F536FFBB07.BEK)
for spec in "${IMAGES[@]}"; do members+=("bitlk-images/${spec%% *}.img"); done
tar -xJf "$archive" --sparse -C "$WORK" "${members[@]}" || { say "FAIL: cannot extract $archive"; exit 1; }
IMAGES_DIR=$WORK/bitlk-images
CONF=$IMAGES_DIR/images.conf

# ---- the tree: blobs made once, written into every container -------------------------------
# MANIFEST: md5 TAB path (a named stream as "file:stream", as restorefs shows it)
blob() { head -c "$2" /dev/urandom >"$WORK/src/$1"; }
blob tiny 5
blob empty 0
blob r700 700
blob alt 11
blob f4097 4097
blob uni 3000
blob ads 70000
blob big $((24 * 1048576 + 123))
blob fragA $((2 * 1048576))
blob fragB $((2 * 1048576 + 777))
TREE=(
	"tiny.txt|tiny" "empty.txt|empty" "docs/res700.bin|r700" "docs/res700.bin:alt|alt"
	"docs/sub/f4097.bin|f4097" "docs/sub/deep/Ünïcode name ✓.txt|uni" "tiny.txt:big_ads|ads"
	"big.bin|big" "frag/a.bin|fragA" "frag/b.bin|fragB"
)
MANIFEST=$WORK/manifest
for entry in "${TREE[@]}"; do
	printf '%s\t%s\n' "$(md5_of "$WORK/src/${entry#*|}")" "${entry%|*}"
done >"$MANIFEST"

# write_tree DIR: creates the whole tree first, then deletes it (ntfs-3g reuses freed
# records, so a file written after a deletion could take a deleted file's record).
write_tree() {
	local dir=$1 entry path i
	for entry in "${TREE[@]}"; do
		path=${entry%|*}
		[[ $path == frag/* ]] && continue
		mkdir -p "$dir/$(dirname "$path")"
		cat "$WORK/src/${entry#*|}" >"$dir/$path"
	done
	# alternating 64 KiB appends: both files end up in many interleaved runs
	mkdir -p "$dir/frag"
	for i in $(seq 0 32); do
		dd if="$WORK/src/fragA" bs=64K skip="$i" count=1 status=none >>"$dir/frag/a.bin"
		dd if="$WORK/src/fragB" bs=64K skip="$i" count=1 status=none >>"$dir/frag/b.bin"
	done
	sync -f "$dir"
	(cd "$dir" && md5sum -c --quiet <(sed 's/\t/  /' "$MANIFEST")) ||
		{ say "FAIL: the tree did not write correctly"; return 1; }
	rm -rf "${dir:?}"/*
	[[ -z "$(ls -A "$dir")" ]] || { say "FAIL: files left after deleting: $(ls -A "$dir")"; return 1; }
}

# check_tree DIR LABEL: every deleted file and stream reads back with its md5, and nothing
# else is there as a regular file.
check_tree() {
	local dir=$1 label=$2 md5 path got n
	while IFS=$'\t' read -r md5 path; do
		got=$(md5_of "$dir/$path" 2>&1) || got="unreadable ($got)"
		if [[ "$got" == "$md5" ]]; then pass; else fail "$label: $path is $got, want $md5"; fi
	done <"$MANIFEST"
	n=$(find "$dir" -type f | wc -l)
	[[ $n -eq $(wc -l <"$MANIFEST") ]] || fail "$label: $n files, want $(wc -l <"$MANIFEST"): $(cd "$dir" && find . -type f | sort | tr '\n' ' ')"
}

# secret_file NAME VALUE: a private file holding VALUE and a newline.
secret_file() {
	printf '%s\n' "$2" >"$WORK/secrets/$1"
	echo "$WORK/secrets/$1"
}

# no_secrets LABEL FILE...: none of SECRETS (and the recovery password without dashes)
# occurs in FILE (binary-safe: /proc/PID/cmdline and environ hold NULs).
no_secrets() {
	local label=$1 s f
	shift
	for s in "${SECRETS[@]}"; do
		[[ -n "$s" ]] || continue
		for f in "$@"; do
			if grep -a -q -F -e "$s" "$f" 2>/dev/null; then
				fail "$label: a secret shows in $f"
			else
				pass
			fi
		done
	done
}

# session LABEL MODE SOURCE BACKING ARGS...: mounts SOURCE with restorefs ARGS, checks the
# tree, unmounts; BACKING (the file behind SOURCE) must be unchanged afterwards. MODE daemon
# runs restorefs as users do (it returns once mounted); MODE debug runs it with -f and all
# debug messages on, so its whole log can be searched for secrets.
session() {
	local label=$1 mode=$2 source=$3 backing=$4 before pid log=$WORK/restorefs.log t=$SECONDS
	local failures=$FAILURES
	shift 4
	before=$(md5_of "$backing")
	SOURCE_OPEN=$source
	if [[ $mode == daemon ]]; then
		# bounded: a daemon that never answers its own mount would hang the test
		if ! timeout -k 5 120 "$restorefs" "$@" "$source" "$MNT" 2>"$log"; then
			fail "$label: restorefs failed: $(cat "$log")"
			return 0
		fi
		pid=$(holder_pids "$source" | head -n1)
	else
		G_MESSAGES_DEBUG=all "$restorefs" -f "$@" "$source" "$MNT" 2>"$log" &
		FG_PID=$! pid=$!
		if ! bde_wait_mounted "$MNT" "$pid"; then
			wait "$pid" || true
			FG_PID=""
			fail "$label: restorefs -f did not mount: $(cat "$log")"
			return 0
		fi
	fi
	if grep -q " $MNT fuse.restorefs ro," /proc/mounts; then pass; else fail "$label: not a read-only restorefs mount"; fi
	if [[ -n "$pid" && -r /proc/$pid/cmdline ]]; then
		no_secrets "$label cmdline" "/proc/$pid/cmdline"
		no_secrets "$label environ" "/proc/$pid/environ"
	else
		fail "$label: no restorefs process holds $source"
	fi
	check_tree "$MNT" "$label"
	fusermount3 -u "$MNT" || fail "$label: fusermount3 -u failed"
	if [[ $mode == debug ]]; then
		wait "$pid" || fail "$label: restorefs -f exited with $?"
		FG_PID=""
	fi
	wait_released "$source" || fail "$label: restorefs still holds $source after the unmount"
	no_secrets "$label log" "$log"
	if [[ "$(md5_of "$backing")" == "$before" ]]; then pass; else fail "$label: $backing changed"; fi
	((FAILURES == failures)) || return 0
	say "$label: ok ($((SECONDS - t)) s; $(grep '^restorefs: ' "$log" | tail -n1))"
}

# refused LABEL PATTERN ARGS...: restorefs ARGS SOURCE MNT must fail with exactly one line
# on stderr that matches PATTERN (case-insensitive), mount nothing and print no secret.
refused() {
	local label=$1 pattern=$2 rc=0 err=$WORK/refused.err
	shift 2
	setsid -w "$restorefs" "$@" "$MNT" </dev/null >/dev/null 2>"$err" || rc=$?
	if mountpoint -q "$MNT"; then
		fail "$label: mounted anyway"
		fusermount3 -u "$MNT" || true
	fi
	if ((rc == 0)); then
		fail "$label: exit status 0"
	elif [[ $(wc -l <"$err") -ne 1 ]] || ! grep -q -i -E "$pattern" "$err"; then
		fail "$label: want one line matching '$pattern', got: $(cat "$err")"
	else
		pass
		say "$label: exit $rc: $(cat "$err")"
	fi
	no_secrets "$label" "$err"
}

# ---- per image: fill, then mount with each method ------------------------------------------
for spec in "${IMAGES[@]}"; do
	image=${spec%% *} sector=${spec##* }
	pw=$(bde_conf_get "$CONF" "$image" PW)
	rp=$(bde_conf_get "$CONF" "$image" RP)
	sk=$(bde_conf_get "$CONF" "$image" SK_VMK_GUID)
	bek=""
	[[ -n "$sk" ]] && bek=$IMAGES_DIR/${sk^^}.BEK
	SECRETS=("$pw" "$rp" "${rp//-/}")
	copy=$WORK/$image.img
	cp --sparse=always "$IMAGES_DIR/$image.img" "$copy"

	t=$SECONDS
	if [[ -n "$pw" ]]; then unlock=(-u"$pw"); else unlock=(-f "$bek"); fi
	bde_open "$copy" "$WORK/bde" "$sector" "${unlock[@]}" || exit 1
	write_tree "$BDE_NTFS" || exit 1
	bde_close || { say "FAIL: cannot unmount ntfs-3g or dislocker-fuse"; exit 1; }
	say "$image: NTFS with $(wc -l <"$MANIFEST") deleted files written through dislocker ($((SECONDS - t)) s)"

	# each method once; the first as users run it, the others with debug logging
	mode=daemon
	if [[ -n "$pw" ]]; then
		session "$image password" $mode "$copy" "$copy" --password-file "$(secret_file pw "$pw")"
		mode=debug
	fi
	if [[ -n "$bek" ]]; then
		session "$image startup key" $mode "$copy" "$copy" --startup-key "$bek"
		mode=debug
	fi
	session "$image recovery password" $mode "$copy" "$copy" --recovery-password-file "$(secret_file rp "$rp")"
	# libbde, the reference backend, serves the same tree where it can open the volume;
	# this libbde cannot decrypt AES-XTS 256, and says so
	if [[ -n "$pw" && $image == bitlk-aes-xts-256 ]]; then
		refused "$image password, libbde" "XTS 256" -o bitlocker=libbde \
			--password-file "$(secret_file pw "$pw")" "$copy"
	elif [[ -n "$pw" ]]; then
		session "$image password, libbde" daemon "$copy" "$copy" -o bitlocker=libbde \
			--password-file "$(secret_file pw "$pw")"
	fi

	case $image in
	bitlk-aes-cbc-128)
		# wrong and malformed keys: one clear line each, nothing mounted
		refused "wrong password" "password" --password-file "$(secret_file bad wrong-password)" "$copy"
		SECRETS+=(wrong-password)
		refused "malformed recovery password" "recovery" \
			--recovery-password-file "$(secret_file bad 042647-302313)" "$copy"
		refused "recovery password checksum" "recovery" --recovery-password-file \
			"$(secret_file bad 042647-302313-590458-071500-554323-116567-412181-516979)" "$copy"
		refused "wrong recovery password" "recovery" --recovery-password-file \
			"$(secret_file bad 235818-357951-253979-013365-241120-245575-342914-591910)" "$copy"
		refused "no key, no terminal" "password|key|terminal" "$copy"
		refused "unknown backend" "bitlocker" --bitlocker=dislocker --password-file \
			"$(secret_file pw "$pw")" "$copy"
		rc=0
		"$scan" --password-file "$(secret_file bad wrong-password)" "$copy" >/dev/null 2>"$WORK/scan.err" || rc=$?
		if ((rc == 2)) && [[ $(wc -l <"$WORK/scan.err") -eq 1 ]]; then
			pass
			say "restorefs-scan wrong password: exit 2: $(cat "$WORK/scan.err")"
		else
			fail "restorefs-scan wrong password: exit $rc: $(cat "$WORK/scan.err")"
		fi

		# the container inside a 200 MiB disk image, at sector 4096
		disk=$WORK/disk.img
		truncate -s 200M "$disk"
		dd if="$copy" of="$disk" bs=512 seek=4096 conv=notrunc,sparse status=none
		session "$image at sector 4096 of a disk image" daemon "$disk" "$disk" \
			--start-sector 4096 --password-file "$(secret_file pw "$pw")"
		rm -f "$disk"
		;;
	bitlk-aes-xts-128-startup-key)
		refused "startup key of another volume" "startup key" \
			--startup-key "$IMAGES_DIR/AA80A52B-9B66-47AE-B097-33F536FFBB07.BEK" "$copy"
		# restorefs-scan --extract, debug messages on
		before=$(md5_of "$copy")
		rc=0
		G_MESSAGES_DEBUG=all "$scan" --quiet --startup-key "$bek" -x "$WORK/out" "$copy" \
			>"$WORK/scan.log" 2>&1 || rc=$?
		if ((rc == 0)); then pass; else fail "restorefs-scan --extract: exit $rc: $(tail -n3 "$WORK/scan.log")"; fi
		check_tree "$WORK/out" "restorefs-scan --extract"
		no_secrets "restorefs-scan log" "$WORK/scan.log"
		[[ "$(md5_of "$copy")" == "$before" ]] || fail "restorefs-scan --extract changed $copy"
		rm -rf "$WORK/out"
		say "$image: restorefs-scan --extract: ok"
		;;
	bitlk-aes-xts-128-4k)
		# a block device with 4096-byte logical sectors
		LOOP=$(losetup --find --show --sector-size 4096 "$copy")
		session "$image on $LOOP (4096-byte sectors)" daemon "$LOOP" "$copy" \
			--recovery-password-file "$(secret_file rp "$rp")"
		losetup -d "$LOOP"
		LOOP=""
		;;
	esac
	rm -f "$copy"
done

say "$CHECKS checks passed, $FAILURES failed, $((SECONDS - T0)) s"
if ((FAILURES > 0)); then exit 1; fi
