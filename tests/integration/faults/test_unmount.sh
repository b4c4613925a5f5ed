#!/usr/bin/env bash
# Unmounting while files are open and being read: 4 readers (hold_reader.py) each hold a
# large deleted file of basic.img open and read it in a loop with O_DIRECT.
#   1. fusermount3 -u refuses (busy) at once and changes nothing; fusermount3 -u -z detaches
#      the mount, the readers go on reading without an error through their open files, and
#      once they close them the daemon exits 0 within 10 s;
#   2. the readers are killed (SIGKILL) in the middle of reads after a lazy unmount: the
#      daemon exits 0 within 10 s;
#   3. SIGTERM to the daemon while the readers read: it unmounts and exits 0 within 10 s, the
#      readers' next reads fail instead of hanging, and they end when told.
# Each time: no sanitizer report from the daemon, no reader stuck.
#
#   test_unmount.sh RESTOREFS RESTOREFS_SCAN FAULTYFS
set -uo pipefail
TEST_NAME="faults-unmount"
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"
RESTOREFS=$(readlink -f "$1")
enter_namespace "$@"
need_image basic
command -v python3 >/dev/null || skip "python3 not found"
FILES=(misc/big1m1.bin frag/frag2.bin sparse/sparse.bin frag/frag1.bin)
MD5_BEFORE=$(md5sum <"$IMG" | cut -d' ' -f1)

READERS=()
# start_readers: one reader per file of FILES; returns once each has read its file once.
start_readers() {
	local i f
	rm -f "$WORK"/stop "$WORK"/status.*
	READERS=()
	for i in "${!FILES[@]}"; do
		f="$MNT/${FILES[$i]}"
		[[ -f "$f" ]] || { fail "$f is missing"; continue; }
		python3 "$HERE/hold_reader.py" "$f" "$WORK/stop" "$WORK/status.$i" &
		READERS+=($!)
	done
	for _ in $(seq 1 200); do
		(($(ls "$WORK"/status.* 2>/dev/null | wc -l) == ${#READERS[@]})) && return 0
		sleep 0.05
	done
	fail "the readers did not finish a first pass within 10 s"
}

# reads: the total of reads so far over every reader; errors: of errors.
reads() { cat "$WORK"/status.* 2>/dev/null | awk '{ n += $2 } END { print n + 0 }'; }
errors() { cat "$WORK"/status.* 2>/dev/null | awk '{ n += $3 } END { print n + 0 }'; }

# stop_readers WHAT: tells the readers to stop; each must end within 10 s.
stop_readers() {
	local pid
	touch "$WORK/stop"
	for pid in "${READERS[@]}"; do
		wait_bounded "$pid" 10 || { fail "$1: a reader is stuck"; kill -KILL "$pid"; }
		wait "$pid" 2>/dev/null
	done
	READERS=()
}

# ---- 1. -u refuses, -z detaches, the readers go on ------------------------------------------
start_daemon "$IMG"
start_readers
out=$(timeout 10 fusermount3 -u "$MNT" 2>&1)
rc=$?
((rc == 124)) && fail "fusermount3 -u hung"
((rc == 0)) && fail "fusermount3 -u unmounted a busy mount"
mounted_ok "$MNT" || fail "fusermount3 -u: the mount is gone"
say "fusermount3 -u with open files: exit $rc: $out"
timeout 10 fusermount3 -u -z "$MNT" || fail "fusermount3 -u -z failed"
mounted_ok "$MNT" && fail "fusermount3 -u -z: still mounted"
before=$(reads)
sleep 1
after=$(reads)
((after > before)) || fail "the readers stopped reading after the lazy unmount ($before, $after reads)"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited while files were open"
stop_readers "lazy unmount"
(($(errors) == 0)) || fail "lazy unmount: the readers saw errors: $(cat "$WORK"/status.*)"
say "lazy unmount: $after reads, $(errors) errors"
daemon_exits "lazy unmount, files closed" 10

# ---- 2. readers killed in the middle of reads after a lazy unmount ------------------------------
start_daemon "$IMG"
start_readers
timeout 10 fusermount3 -u -z "$MNT" || fail "fusermount3 -u -z failed"
sleep 0.5
kill -KILL "${READERS[@]}" 2>/dev/null
for pid in "${READERS[@]}"; do wait "$pid" 2>/dev/null; done
READERS=()
daemon_exits "lazy unmount, readers killed" 10

# ---- 3. SIGTERM to the daemon while files are open and read -------------------------------------
start_daemon "$IMG"
start_readers
kill -TERM "$DAEMON_PID"
daemon_exits "SIGTERM while reading" 10
mounted_ok "$MNT" && fail "SIGTERM: still mounted"
sleep 0.5
stop_readers "SIGTERM"
say "SIGTERM: readers ended: $(cut -d' ' -f3- "$WORK"/status.* | tr '\n' ' ')"
(($(errors) > 0)) || fail "SIGTERM: the readers read on after the daemon was gone"

[[ "$(md5sum <"$IMG" | cut -d' ' -f1)" == "$MD5_BEFORE" ]] || fail "the image changed"
finish
