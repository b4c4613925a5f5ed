#!/usr/bin/env bash
# A source that fails as a whole: basic.img seen through faultyfs.py, under restorefs -f.
#   1. every read fails (a dead disk): reads through the mount fail with EIO, stat and
#      listings still answer from the index, and once the source reads again so do the files;
#   2. the source vanishes (its FUSE process exits) while 4 readers read every file with
#      O_DIRECT: every reader gets EIO and nothing else, no read takes more than 10 s, a new
#      read fails with EIO at once, the mount stays up, and unmounts cleanly: the daemon
#      exits 0 within 10 s with no sanitizer report;
#   3. the source vanishes in the middle of the scan: restorefs and restorefs-scan each stop
#      within 30 s with an error message (restorefs mounts nothing).
#
#   test_vanish.sh RESTOREFS RESTOREFS_SCAN FAULTYFS
set -uo pipefail
TEST_NAME="faults-vanish"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1") SCAN=$(readlink -f "$2") FAULTYFS=$(readlink -f "$3")
enter_namespace "$@"
need_image basic
need_faultyfs
MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)
READERS=4

start_faulty "$IMG"
FAULTY_IMG="$SRC/$(basename "$IMG")"
start_daemon "$FAULTY_IMG"
(cd "$MNT" && find . -type f ! -size 0 | sort) >"$WORK/files"
[[ -s "$WORK/files" ]] || { fail "no files in the mount"; finish; }
BIG=misc/big1m1.bin
[[ -f "$MNT/$BIG" ]] || skip "basic.img has no deleted $BIG"
WANT=$(md5sum <"$MNT/$BIG" | cut -d' ' -f1)

# DIRECT_READ if=FILE: reads FILE whole, past the page cache, so that the daemon serves it.
DIRECT_READ=(dd of=/dev/null bs=1M iflag=direct status=none)

# ---- 1. every read fails, then the source comes back ------------------------------------------
echo all >"$CONTROL"
is_eio "${DIRECT_READ[@]}" if="$MNT/$BIG" || fail "dead source: reading $BIG: want EIO"
timeout 10 stat "$MNT/$BIG" >/dev/null 2>&1 || fail "dead source: stat failed"
timeout 10 ls -lR "$MNT" >/dev/null 2>"$WORK/ls.err" || fail "dead source: ls -lR: $(head -2 "$WORK/ls.err")"
[[ "$(timeout 10 getfattr --only-values -n user.restorefs.state "$MNT/$BIG" 2>/dev/null)" == intact ]] ||
	fail "dead source: getfattr user.restorefs.state"
: >"$CONTROL"
got=$(timeout 10 dd if="$MNT/$BIG" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1)
[[ "$got" == "$WANT" ]] || fail "the source is back, but $BIG reads wrong"
say "dead source: EIO, metadata still there; back again: reads exact"

# ---- 2. the source vanishes under 4 readers ---------------------------------------------------
# Each reader reads every file in turn until told to stop and logs one word per read: ok,
# eio, timeout, or the error. It logs "started" once its first pass is done.
reader() {
	local n=$1 f err rc
	while [[ ! -e "$WORK/stop" ]]; do
		while IFS= read -r f; do
			err=$(timeout -k 1 10 dd if="$MNT/$f" of=/dev/null bs=1M iflag=direct status=none 2>&1)
			rc=$?
			if ((rc == 0)); then
				echo ok
			elif ((rc == 124 || rc == 137)); then
				echo "timeout $f"
			elif [[ "$err" == *"Input/output error"* ]]; then
				echo eio
			else
				echo "error $f: $err"
			fi
		done < <(shuf --random-source=<(yes "$n") "$WORK/files")
		[[ -e "$WORK/reader.$n.started" ]] || touch "$WORK/reader.$n.started"
	done >"$WORK/reader.$n.log"
}
PIDS=()
for n in $(seq 1 $READERS); do
	reader "$n" &
	PIDS+=($!)
done
for _ in $(seq 1 600); do
	(($(ls "$WORK"/reader.*.started 2>/dev/null | wc -l) == READERS)) && break
	sleep 0.05
done
echo vanish >"$CONTROL"
sleep 3
touch "$WORK/stop"
for pid in "${PIDS[@]}"; do
	wait_bounded "$pid" 30 || { fail "a reader still runs 30 s after the source vanished"; kill "$pid"; }
	wait "$pid"
done
kill -0 "$FAULTY_PID" 2>/dev/null && fail "faultyfs did not vanish"
for n in $(seq 1 $READERS); do
	log="$WORK/reader.$n.log"
	grep -q '^eio$' "$log" || fail "reader $n: no EIO after the source vanished"
	grep -qv -E '^(ok|eio)$' "$log" && fail "reader $n: $(grep -v -E '^(ok|eio)$' "$log" | head -3)"
	say "reader $n: $(grep -c '^ok$' "$log") reads ok, $(grep -c '^eio$' "$log") EIO"
done
is_eio "${DIRECT_READ[@]}" if="$MNT/$BIG" || fail "source gone: a new read: want EIO"
timeout 10 stat "$MNT/$BIG" >/dev/null 2>&1 || fail "source gone: stat failed"
mounted_ok "$MNT" || fail "source gone: the mount went away"
timeout 10 fusermount3 -u "$MNT" || fail "source gone: fusermount3 -u failed"
daemon_exits "source gone" 10
stop_faulty

# ---- 3. the source vanishes in the middle of the scan ------------------------------------------
# expect_stop READS WHAT CMD...: the source vanishes after READS reads; the command fails
# within 30 s with a message, and no sanitizer report.
expect_stop() {
	local reads=$1 what="$2 (source gone after $1 reads)" rc
	shift 2
	start_faulty "$IMG"
	echo "vanish $reads" >"$CONTROL"
	timeout -k 2 30 "$@" >/dev/null 2>"$WORK/stop.err"
	rc=$?
	if ((rc == 0)); then
		fail "$what: exit 0 though the source vanished"
	elif ((rc == 124 || rc == 137)); then
		fail "$what: still running 30 s after the source vanished"
	elif ((rc >= 128)); then
		fail "$what: killed by signal $((rc - 128))"
	elif ! grep -q . "$WORK/stop.err"; then
		fail "$what: exit $rc without a message"
	else
		say "$what: exit $rc: $(grep -v '^$' "$WORK/stop.err" | tail -1)"
	fi
	no_sanitizer_report "$what" "$WORK/stop.err"
	mountpoint -q "$MNT" && { fail "$what: mounted"; umount -l "$MNT"; }
	stop_faulty
}
# A scan of basic.img reads the boot sectors and $MFT's first records (8 reads), then the
# MFT in two reads of up to 1 MiB, then what the index needs (about 20 reads in all).
for reads in 3 8 10; do
	expect_stop "$reads" "restorefs" "$RESTOREFS" -f "$FAULTY_IMG" "$MNT"
	expect_stop "$reads" "restorefs-scan" "$SCAN" -q --format=csv "$FAULTY_IMG"
done

[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
