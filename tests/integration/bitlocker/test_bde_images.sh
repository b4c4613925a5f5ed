#!/bin/bash
# Decrypts every BitLocker fixture image through the native backend with every unlock
# method images.conf lists (password, recovery password(s), startup key, clear key) and
# compares the SHA-256 of the whole decrypted volume with SHA256SUM; an image without a
# reference is checked by what its first sector decrypts to, or refused by name. Then
# libbde, the reference backend, must read the same bytes (first MiB and a block every
# 7 MiB) wherever it opens the image, and name the method or state where it cannot. Also:
# the wrong-key and malformed-key messages, a volume inside a disk image at an unaligned
# start sector, and --info on a volume whose first metadata copies are damaged.
#
# Budget: natively a 100-128 MiB volume decrypts and hashes in about 0.2 s here, and each
# password or recovery password costs about 0.25 s of key stretching, so every method is
# hashed in full; libbde (45-150 MB/s, 0.5 s per stretch) reads only the sample. Two runs
# at a time (BDE_JOBS): the reference machine has two cores.
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

# Images libbde cannot open, and the words its error must contain.
declare -A refusal=(
	[bitlk-aes-xts-256]='AES-XTS 256'
	[bitlk-aes-xts-128-clearkey-only]='clear key'
	[bitlk-partially-encrypted-aes-cbc-128]='partially encrypted'
	[bitlk-aes-xts-128-eow]='encrypt-on-write'
)
# Images the native backend refuses, and the words its error must contain.
declare -A native_refusal=(
	[bitlk-partially-encrypted-aes-cbc-128]='partially encrypted'
)

# One line per run: NAME KIND SECRET EXPECTED, where EXPECTED is a SHA-256 (native, whole
# volume), "boot" (native, no reference: the first sector must be an NTFS boot sector),
# "refuse" (native), "sample=NATIVE_KIND:NATIVE_SECRET" (libbde against native),
# "libbde-refuse", "libbde-info" or "first-only" (libbde).
runs=$work/runs
: >"$runs"
n=0
add_secret() { # VALUE -> $secret: a new file holding VALUE (no command substitution:
	n=$((n + 1))  # the counter must survive)
	secret=$work/secret.$n
	printf '%s' "$1" >"$secret"
}

sections=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$conf")
for name in $sections; do
	get() { sed -n "/^\[$name\]\$/,/^\[/{s/^$1=//p}" "$conf" | head -n1; }
	pw=$(get PW) rp=$(get RP) rp2=$(get RP2) sk=$(get SK_VMK_GUID) ck=$(get CLEARKEY_VMK_GUID)
	sum=$(get SHA256SUM)
	want=${sum:-boot}
	[ -n "${native_refusal[$name]:-}" ] && want=refuse
	first=""
	if [ -n "$sk" ]; then
		echo "$name startup-key $images/${sk^^}.BEK $want" >>"$runs"
		first="startup-key $images/${sk^^}.BEK"
	fi
	for v in "$pw" "$rp" "$rp2"; do
		[ -n "$v" ] || continue
		add_secret "$v"
		kind=password
		[ "$v" = "$pw" ] || kind=recovery
		echo "$name $kind $secret $want" >>"$runs"
		[ -n "$first" ] || first="$kind $secret"
	done
	[ -n "$ck" ] && { echo "$name clear - $want" >>"$runs"; first="clear -"; }
	if [ -z "$sum" ] && [ -z "${native_refusal[$name]:-}" ] && [ -z "${refusal[$name]:-}" ]; then
		echo "FAIL $name: no SHA256SUM and not listed as refused"
	fi
	# libbde: the same bytes, or a refusal that names the method or state.
	if [ -n "${refusal[$name]:-}" ]; then
		if [ -n "$pw" ]; then
			add_secret "$pw"
			echo "$name password $secret libbde-refuse" >>"$runs"
		else
			echo "$name info - libbde-info" >>"$runs"
		fi
	elif [ -n "$first" ]; then
		set -- $first
		echo "$name $1 $2 sample=$1:$2" >>"$runs"
	fi
	# This libbde keeps one VMK per protector type, so only the first recovery password
	# works there; the second must fail with a message that says so.
	if [ -n "$rp2" ]; then add_secret "$rp2"; echo "$name recovery $secret first-only" >>"$runs"; fi
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
			echo "$name fvek $key $sum" >>"$runs"
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
	libbde-info)
		out=$("$bde" --backend libbde --info "$images/$name.img" 2>"$err")
		rc=$?
		if [ $rc -eq 0 ] && grep -q "^unsupported: .*${refusal[$name]}" <<<"$out"; then
			echo "PASS $name libbde info: $(sed -n 's/^unsupported: //p' <<<"$out")"
		else
			echo "FAIL $name libbde info (rc $rc): $out $(cat "$err")"
		fi
		return ;;
	libbde-refuse)
		"$bde" --backend libbde "$images/$name.img" "$kind" "$secret" 1048576 >/dev/null 2>"$err"
		rc=$?
		if [ $rc -eq 3 ] && grep -q "${refusal[$name]}" "$err"; then
			echo "PASS $name libbde $kind: $(cat "$err")"
		else
			echo "FAIL $name libbde $kind: expected an error naming '${refusal[$name]}', got rc $rc: $(cat "$err")"
		fi
		return ;;
	first-only)
		"$bde" --backend libbde "$images/$name.img" "$kind" "$secret" 1048576 >/dev/null 2>"$err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q "tries only the first" "$err"; then
			echo "PASS $name libbde second $kind: $(cat "$err")"
		else
			echo "FAIL $name libbde second $kind: expected the only-the-first message, got rc $rc: $(cat "$err")"
		fi
		return ;;
	sample=*)
		local nk=${expected#sample=} theirs ours
		theirs=$("$bde" --backend libbde "$images/$name.img" "$kind" "$secret" sample 2>"$err")
		ours=$("$bde" "$images/$name.img" "${nk%%:*}" "${nk#*:}" sample 2>>"$err")
		if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
			echo "PASS $name libbde reads the same bytes"
		else
			echo "FAIL $name libbde sample '$theirs', native '$ours': $(cat "$err")"
		fi
		return ;;
	refuse)
		"$bde" "$images/$name.img" "$kind" "$secret" head >/dev/null 2>"$err"
		rc=$?
		if [ $rc -eq 3 ] && grep -q "${native_refusal[$name]}" "$err"; then
			echo "PASS $name native $kind: $(cat "$err")"
		else
			echo "FAIL $name native $kind: expected an error naming '${native_refusal[$name]}', got rc $rc: $(cat "$err")"
		fi
		return ;;
	boot)
		out=$("$bde" "$images/$name.img" "$kind" "$secret" head 2>"$err" | dd bs=1 skip=3 count=8 status=none)
		if [ "$out" = "NTFS    " ]; then
			echo "PASS $name native $kind: the first sector is an NTFS boot sector"
		else
			echo "FAIL $name native $kind: first sector OEM id '$out': $(cat "$err")"
		fi
		return ;;
	esac
	out=$("$bde" "$images/$name.img" "$kind" "$secret" 2>"$err")
	rc=$?
	if [ $rc -eq 0 ] && [ "$(sed -n 1p <<<"$out")" = "$expected" ]; then
		echo "PASS $name native $kind ($(tail -n1 "$err"))"
	else
		echo "FAIL $name native $kind (rc $rc): got '$out', want '$expected': $(cat "$err")"
	fi
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
	add_secret wrong
	expect_error "wrong password, two recovery passwords" 2 "wrong password" -- \
		"$images/bitlk-aes-xts-128-two-recovery.img" password "$secret"
	add_secret 042647-302313-590458-071500-554323-116567-412181-516989
	expect_error "wrong recovery password, two protectors" 2 "none of the 2 recovery password protectors" -- \
		"$images/bitlk-aes-xts-128-two-recovery.img" recovery "$secret"
	add_secret wrong
	expect_error "libbde: wrong password" 2 "wrong password" -- --backend libbde "$img" password "$secret"

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
