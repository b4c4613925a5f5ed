#!/usr/bin/env bash
# A source that fails as a whole: basic.img seen through faultyfs.py, under restorefs -f.
#   1. every read fails (a dead disk): reads through the mount fail with EIO, stat and
#      listings still answer from the index, and once the source reads again so do the files;
#   2. the source vanishes (its FUSE process exits) while 4 readers read every file with
#      O_DIRECT: every reader gets EIO and nothing else, no read takes more than 10 s, a new
#      read fails with EIO at once, the mount stays up, and unmounts cleanly: the daemon
#      exits 0 within 10 s with no sanitizer report;
#   3. the source vanishes in the middle of the scan: restorefs and restorefs-scan each stop
#      within 30 s with an error message (restorefs mounts nothing), also after the MFT
#      pass: while the folders' index blocks, the deep sweep, the change journal or the
#      shadow copies are read (at every read of the second half of a whole scan), where the
#      message says that the source stopped answering, and in which phase; an extraction
#      whose source vanishes stops with one such message and exit 3.
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
# within 30 s with a message (with $WANT_MESSAGE in it, when set), and no sanitizer report.
WANT_MESSAGE=""
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
	elif [[ -n "$WANT_MESSAGE" ]] && ! grep -q "$WANT_MESSAGE" "$WORK/stop.err"; then
		fail "$what: exit $rc, but the message does not say '$WANT_MESSAGE': $(tail -1 "$WORK/stop.err")"
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

# reads_of CMD...: how many reads of the source a whole run of CMD makes (faultyfs --verbose)
reads_of() {
	: >"$WORK/faultyfs.err"
	start_faulty "$IMG" --verbose
	"$@" >/dev/null 2>"$WORK/whole.err" || fail "$*: failed on a source that answers: $(tail -1 "$WORK/whole.err")"
	stop_faulty
	grep -c '^faultyfs: read ' "$WORK/faultyfs.err"
}
# After the MFT pass: any read count below a whole scan's stops the scan, in whatever phase;
# every read of the second half of a scan is tried (a sample of the deep scan's), and the
# messages must have named each phase after the MFT pass.
WANT_MESSAGE="stopped answering"
for deep in "" --deep; do
	total=$(reads_of "$SCAN" -q $deep --format=csv "$FAULTY_IMG")
	((total > 12)) || { fail "restorefs-scan $deep: only $total reads of the source"; continue; }
	[[ -z "$deep" ]] && scan_reads=$total
	if [[ -z "$deep" ]]; then
		counts=$(seq $((total / 2)) $((total - 1)))
		phases=("folders' index blocks" "change journal" "shadow copies")
	else
		counts="$((total / 2)) $((total * 3 / 4)) $(seq $((total - 3)) $((total - 1)))"
		phases=("deep sweep" "change journal" "shadow copies")
	fi
	: >"$WORK/stops"
	for reads in $counts; do
		expect_stop "$reads" "restorefs-scan${deep:+ $deep} (a whole scan: $total reads)" \
			"$SCAN" -q $deep --format=csv "$FAULTY_IMG"
		cat "$WORK/stop.err" >>"$WORK/stops"
	done
	for phase in "${phases[@]}"; do
		grep -q "stopped answering.*$phase" "$WORK/stops" ||
			fail "restorefs-scan${deep:+ $deep}: no stop said the source stopped answering in the $phase"
	done
done
# An extraction whose source vanishes once the scan is done: one message, exit 3, at once.
start_faulty "$IMG"
echo "vanish $((scan_reads + 3))" >"$CONTROL"
rm -rf "$WORK/out"
timeout -k 2 30 "$SCAN" -x "$WORK/out" "$FAULTY_IMG" >"$WORK/extract.out" 2>"$WORK/extract.err"
rc=$?
gone_lines=$(grep -c "stopped answering" "$WORK/extract.err")
if ((rc != 3)); then
	fail "extraction from a source that vanished: exit $rc, want 3: $(tail -2 "$WORK/extract.err")"
elif ((gone_lines != 1 || $(wc -l <"$WORK/extract.err") > 5)); then
	fail "extraction from a source that vanished: $gone_lines lines say so, $(wc -l <"$WORK/extract.err") in all: $(head -3 "$WORK/extract.err")"
elif ! grep -q "stopped, the source stopped answering: [0-9]* files\? not extracted" "$WORK/extract.out"; then
	fail "extraction from a source that vanished: the summary does not say so: $(tail -1 "$WORK/extract.out")"
else
	say "extraction, source gone after $((scan_reads + 3)) reads: exit 3: $(grep "stopped answering" "$WORK/extract.err" | cut -c1-160)"
fi
no_sanitizer_report "extraction from a source that vanished" "$WORK/extract.err"
stop_faulty

: >"$WORK/faultyfs.err"
start_faulty "$IMG" --verbose
start_daemon "$FAULTY_IMG"
total=$(grep -c '^faultyfs: read ' "$WORK/faultyfs.err")
timeout 10 fusermount3 -u "$MNT" || fail "fusermount3 -u failed"
daemon_exits "mount of a source that answers" 10
stop_faulty
expect_stop $((total - 1)) "restorefs (a whole scan: $total reads)" "$RESTOREFS" -f "$FAULTY_IMG" "$MNT"
WANT_MESSAGE=""

[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
