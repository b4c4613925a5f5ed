#!/bin/bash
# Decrypts every BitLocker fixture image with every unlock method images.conf lists
# (password, recovery password(s), startup key) and compares the SHA-256 of the whole
# decrypted volume with SHA256SUM; for the images this libbde cannot open, checks that
# the error names the method or the state. Also: the wrong-key and malformed-key messages,
# a volume inside a disk image at an unaligned start sector, and --info on a volume whose
# first metadata copies are damaged.
#
# Budget: through libbde a 100-128 MiB volume decrypts at 45-150 MB/s here (AES-XTS on
# 512-byte sectors is the slowest, AES-CBC the fastest), SHA-256 costs about as much
# again, and each password or recovery password adds about 0.5 s of key stretching.
# Hashing all ~45 image x method pairs in full took 1.5-2.5 minutes on a busy machine,
# so: phase 1 hashes every supported image in full with its first method (startup key
# first where there is one) against SHA256SUM, and prints the hash of the volume's first
# MiB too; phase 2 unlocks with every other method (and the FVEK) and hashes only the
# first MiB against that. Every other method yields the same FVEK once its key checks
# out, so a full hash per method would retest the cipher, not the key. Two runs at a
# time (BDE_JOBS): the reference machine has two cores.
#
# usage: test_bde_images.sh PATH/TO/bde_sha256
# env:   RESTOREFS_FIXTURES (default <repo>/../shared/fixtures)
#        RESTOREFS_CACHE    directory to keep the extracted images in (default: a temp dir)
#        BDE_JOBS           parallel runs (default 2)
set -u

bde=${1:?usage: test_bde_images.sh PATH/TO/bde_sha256}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${RESTOREFS_FIXTURES:-$here/../../../../shared/fixtures}
archive=$fixtures/bitlk-images.tar.xz
jobs=${BDE_JOBS:-2}

TEST_NAME=bitlocker-images
. "$here/../skip.sh"
[ -r "$archive" ] || skip "fixtures missing ($archive)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

# Extract once per archive version; the images are sparse, so this is quick and small.
if [ -n "${RESTOREFS_CACHE:-}" ]; then
	cache=$RESTOREFS_CACHE/bitlk-cache
	stamp=$(stat -c '%s %Y' "$archive")
	if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp" ]; then
		if ! { rm -rf "$cache" && mkdir -p "$cache" &&
			tar -xJf "$archive" --sparse -C "$cache"; }; then
			echo "FAIL: cannot extract $archive"
			exit 1
		fi
		echo "$stamp" >"$cache/stamp"
	fi
	images=$cache/bitlk-images
else
	tar -xJf "$archive" --sparse -C "$work" || { echo "FAIL: cannot extract $archive"; exit 1; }
	images=$work/bitlk-images
fi
conf=$images/images.conf

# Images this libbde cannot open, and the words its error must contain.
declare -A refusal=(
	[bitlk-aes-xts-256]='AES-XTS 256'
	[bitlk-aes-xts-128-clearkey-only]='clear key'
	[bitlk-partially-encrypted-aes-cbc-128]='partially encrypted'
	[bitlk-aes-xts-128-eow]='encrypt-on-write'
)

# One line per run: NAME KIND SECRET_FILE EXPECTED, where EXPECTED is a SHA-256 (phase 1,
# whole volume), "prefix" (phase 2, first MiB), "refuse", "first-only" or "refuse-info".
runs=$work/runs
runs2=$work/runs2
: >"$runs"
: >"$runs2"
n=0
add_secret() { # VALUE -> $secret: a new file holding VALUE (no command substitution:
	n=$((n + 1))  # the counter must survive)
	secret=$work/secret.$n
	printf '%s' "$1" >"$secret"
}
add_run() { # NAME KIND SECRET SUM: the first run of an image is phase 1
	if grep -q "^$1 " "$runs"; then
		echo "$1 $2 $3 prefix" >>"$runs2"
	else
		echo "$1 $2 $3 $4" >>"$runs"
	fi
}

sections=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$conf")
for name in $sections; do
	get() { sed -n "/^\[$name\]\$/,/^\[/{s/^$1=//p}" "$conf" | head -n1; }
	pw=$(get PW) rp=$(get RP) rp2=$(get RP2) sk=$(get SK_VMK_GUID) sum=$(get SHA256SUM)
	if [ -n "${refusal[$name]:-}" ]; then
		if [ -n "$pw" ]; then
			add_secret "$pw"
			echo "$name password $secret refuse" >>"$runs"
		else
			echo "$name info - refuse-info" >>"$runs"
		fi
		continue
	fi
	if [ -z "$sum" ]; then
		echo "FAIL $name: no SHA256SUM and not listed as unsupported"
		continue
	fi
	[ -n "$sk" ] && add_run "$name" startup-key "$images/${sk^^}.BEK" "$sum"
	if [ -n "$pw" ]; then add_secret "$pw"; add_run "$name" password "$secret" "$sum"; fi
	if [ -n "$rp" ]; then add_secret "$rp"; add_run "$name" recovery "$secret" "$sum"; fi
	# This libbde keeps one VMK per protector type, so only the first recovery password
	# works; the second must fail with a message that says so.
	if [ -n "$rp2" ]; then add_secret "$rp2"; echo "$name recovery $secret first-only" >>"$runs2"; fi
done

# The FVEK path: dislocker (read-only, -r) prints the FVEK at debug verbosity; unlocking
# with it must give the reference hash too. Optional: skipped without dislocker.
fvek_runs=0
if command -v dislocker-file >/dev/null && command -v xxd >/dev/null; then
	for name in bitlk-aes-cbc-128 bitlk-aes-xts-128 bitlk-aes-cbc-elephant-128; do
		pw=$(sed -n "/^\[$name\]\$/,/^\[/{s/^PW=//p}" "$conf" | head -n1)
		sum=$(sed -n "/^\[$name\]\$/,/^\[/{s/^SHA256SUM=//p}" "$conf" | head -n1)
		key=$work/fvek.$name
		timeout 60 dislocker-file -r -vvvv -V "$images/$name.img" -u"$pw" /dev/null 2>&1 |
			sed -n '/FVEK ------/,/------------$/s/.*\] 0x[0-9a-f]\{8\} //p' |
			tr -d ' \n-' | xxd -r -p >"$key"
		if [ -s "$key" ]; then
			echo "$name fvek $key prefix" >>"$runs2"
			fvek_runs=$((fvek_runs + 1))
		fi
	done
fi
fvek_missing=0
[ "$fvek_runs" -gt 0 ] || skip_part "FVEK runs: dislocker-file or xxd missing, or no FVEK printed" ||
	fvek_missing=1

run_one() { # NAME KIND SECRET EXPECTED -> prints a PASS/FAIL line
	local name=$1 kind=$2 secret=$3 expected=$4 out err rc
	err=$work/err.$BASHPID
	case $expected in
	refuse-info)
		out=$("$bde" --info "$images/$name.img" 2>"$err")
		rc=$?
		if [ $rc -eq 0 ] && grep -q "^unsupported: .*${refusal[$name]}" <<<"$out"; then
			echo "PASS $name info: $(sed -n 's/^unsupported: //p' <<<"$out")"
		else
			echo "FAIL $name info (rc $rc): $out $(cat "$err")"
		fi
		return ;;
	prefix | first-only)
		out=$("$bde" "$images/$name.img" "$kind" "$secret" 1048576 2>"$err") ;;
	*)
		out=$("$bde" "$images/$name.img" "$kind" "$secret" 2>"$err") ;;
	esac
	rc=$?
	case $expected in
	refuse)
		if [ $rc -eq 3 ] && grep -q "${refusal[$name]}" "$err"; then
			echo "PASS $name $kind: $(cat "$err")"
		else
			echo "FAIL $name $kind: expected an error naming '${refusal[$name]}', got rc $rc: $(cat "$err")"
		fi ;;
	first-only)
		if [ $rc -eq 2 ] && grep -q "tries only the first" "$err"; then
			echo "PASS $name second $kind: $(cat "$err")"
		else
			echo "FAIL $name second $kind: expected the only-the-first message, got rc $rc: $(cat "$err")"
		fi ;;
	prefix)
		local want
		want=$(cat "$work/prefix.$name" 2>/dev/null)
		if [ $rc -eq 0 ] && [ -n "$want" ] && [ "$out" = "$want" ]; then
			echo "PASS $name $kind (first MiB)"
		else
			echo "FAIL $name $kind (rc $rc): first MiB '$out', want '$want': $(cat "$err")"
		fi ;;
	*)
		sed -n 2p <<<"$out" >"$work/prefix.$name"
		if [ $rc -eq 0 ] && [ "$(sed -n 1p <<<"$out")" = "$expected" ]; then
			echo "PASS $name $kind ($(tail -n1 "$err"))"
		else
			echo "FAIL $name $kind (rc $rc): got '$out', want '$expected': $(cat "$err")"
		fi ;;
	esac
}

run_all() { # RUNS_FILE
	while read -r name kind secret expected; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		run_one "$name" "$kind" "$secret" "$expected" &
	done <"$1"
	wait
}

expect_error() { # LABEL WANT_RC PATTERN -- ARGS...
	local label=$1 want_rc=$2 pattern=$3 err rc
	shift 4
	err=$("$bde" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq "$want_rc" ] && grep -q "$pattern" <<<"$err"; then
		echo "PASS $label: $err"
	else
		echo "FAIL $label: want rc $want_rc and '$pattern', got rc $rc: $err"
	fi
}

results=$work/results
{
	run_all "$runs"
	run_all "$runs2"

	img=$images/bitlk-aes-cbc-128.img
	add_secret wrong
	expect_error "wrong password" 2 "wrong password" -- "$img" password "$secret"
	add_secret 042647-302313-590458-071500-554323-116567-412181-516989
	expect_error "wrong recovery password" 2 "wrong recovery password" -- "$img" recovery "$secret"
	add_secret 042647-302313-590458-071500-554323-116567-412181-516979
	expect_error "recovery password checksum" 1 "group 8" -- "$img" recovery "$secret"
	add_secret 042647-302313
	expect_error "recovery password length" 1 "48 digits" -- "$img" recovery "$secret"
	expect_error "no such protector" 2 "no startup key protector" -- \
		"$img" startup-key "$images/4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK"
	expect_error "wrong startup key" 2 "wrong startup key" -- \
		"$images/bitlk-aes-xts-128-startup-key.img" startup-key \
		"$images/AA80A52B-9B66-47AE-B097-33F536FFBB07.BEK"
	add_secret ''
	expect_error "empty password" 2 "no password" -- "$img" password "$secret"
	head -c 16 /dev/zero >"$work/zero.fvek"
	expect_error "wrong FVEK" 2 "wrong full-volume encryption key" -- "$img" fvek "$work/zero.fvek"

	# The same volume inside a larger disk image, at sector 2051 (not 1 MiB-aligned), read
	# through a window of the disk: libbde sees only our BlockSource.
	name=bitlk-aes-cbc-128
	disk=$work/disk.img
	truncate -s $((2051 * 512)) "$disk" && cat "$images/$name.img" >>"$disk" &&
		truncate -s +1M "$disk"
	add_secret anaconda
	got=$("$bde" --at $((2051 * 512)) "$disk" password "$secret" 2>"$work/err.disk" | head -n1)
	want=$(sed -n "/^\[$name\]\$/,/^\[/{s/^SHA256SUM=//p}" "$conf" | head -n1)
	if [ "$got" = "$want" ]; then
		echo "PASS $name at sector 2051 of a disk image"
	else
		echo "FAIL $name at sector 2051 of a disk image: got '$got', want '$want': $(cat "$work/err.disk")"
	fi
	rm -f "$disk"

	# -crc is -aes-xts-128 with its first two metadata copies damaged: --info must
	# describe it from the third, intact copy.
	want=$("$bde" --info "$images/bitlk-aes-xts-128.img" 2>&1)
	got=$("$bde" --info "$images/bitlk-aes-xts-128-crc.img" 2>&1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "PASS info from the intact metadata copy"
	else
		echo "FAIL info of the damaged copy: got '$got', want '$want'"
	fi
} | tee "$results"

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
echo "bitlocker: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] && [ "$fvek_missing" -eq 0 ]
