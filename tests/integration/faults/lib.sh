# Shared by the fault tests: a restorefs mount whose source is the image seen through
# faultyfs.py (a FUSE file system that fails chosen reads), in the private mount namespace
# of ../fuse/lib.sh. Its EXIT trap also unmounts the faulty source and ends its process.
#
#   FAULTYFS   faultyfs.py          SRC   the faulty mount; the image is $SRC/$NAME.img
#   CONTROL    its control file     PY    a python3 that has pyfuse3 and trio
# shellcheck source=../fuse/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../fuse/lib.sh"

FAULTY_PID="" DAEMON_PID="" SRC="" CONTROL="" PY=""
# Any sanitizer report, or a crash message from glib or libfuse.
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: .*Sanitizer|GLib-CRITICAL|\*\*ERROR\*\*'

# need_faultyfs: sets PY, or skips.
need_faultyfs() {
	local p
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import pyfuse3, trio' 2>/dev/null; then
			PY=$p
			return 0
		fi
	done
	skip "no python3 with pyfuse3 and trio (Debian: python3-pyfuse3 python3-trio)"
}

cleanup() {
	local rc=$?
	unmount_all
	if [[ -n "$DAEMON_PID" ]]; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	stop_faulty
	detach_loop
	[[ -n "$WORK" ]] && rm -rf "$WORK"
	exit "$rc"
}

# start_faulty IMAGE [faultyfs option...]: mounts IMAGE's faulty view at $WORK/src, with
# the control file $CONTROL (empty at first: no faults).
start_faulty() {
	local image=$1
	shift
	SRC="$WORK/src" CONTROL="$WORK/control"
	mkdir -p "$SRC"
	: >"$CONTROL"
	"$PY" "$FAULTYFS" --control "$CONTROL" "$@" "$image" "$SRC" 2>>"$WORK/faultyfs.err" &
	FAULTY_PID=$!
	for _ in $(seq 1 200); do
		grep -q " $SRC fuse.faultyfs " /proc/mounts && return 0
		kill -0 "$FAULTY_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "faultyfs did not mount: $(tail -3 "$WORK/faultyfs.err")"
	exit 1
}

# stop_faulty: unmounts the faulty source (lazily: restorefs may still hold it) and ends it.
stop_faulty() {
	# (mountpoint(1) cannot tell: a vanished FUSE mount fails every stat with ENOTCONN)
	[[ -n "$SRC" ]] && grep -q " $SRC fuse.faultyfs " /proc/mounts && umount -l "$SRC" 2>/dev/null
	if [[ -n "$FAULTY_PID" ]]; then
		kill -INT "$FAULTY_PID" 2>/dev/null
		wait_bounded "$FAULTY_PID" 5 || kill -KILL "$FAULTY_PID" 2>/dev/null
		wait "$FAULTY_PID" 2>/dev/null
	fi
	FAULTY_PID=""
}

# wait_bounded PID SECONDS: waits for PID (a child) to end; false if it is still running.
wait_bounded() {
	local _
	for _ in $(seq 1 $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	! kill -0 "$1" 2>/dev/null
}

# start_daemon SOURCE [restorefs option...]: restorefs -f SOURCE $MNT in the background
# (DAEMON_PID), stderr in $WORK/daemon.err; returns once mounted, or exits.
start_daemon() {
	local source=$1
	shift
	: >"$WORK/daemon.err"
	"$RESTOREFS" -f "$@" "$source" "$MNT" 2>"$WORK/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 1 1200); do # 60 s: the scan may read the MFT through faultyfs.py
		mounted_ok "$MNT" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "restorefs did not mount: $(tail -3 "$WORK/daemon.err")"
	exit 1
}

# daemon_exits WHAT SECONDS: the daemon ends within SECONDS with status 0 and no sanitizer
# report on its stderr; kills it otherwise.
daemon_exits() {
	local what=$1 rc
	if ! wait_bounded "$DAEMON_PID" "$2"; then
		fail "$what: restorefs still running $2 s later"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=""
	((rc == 0)) || fail "$what: restorefs exited $rc: $(grep -v '^restorefs: read ' "$WORK/daemon.err" | tail -3)"
	no_sanitizer_report "$what" "$WORK/daemon.err"
}

# no_sanitizer_report WHAT FILE
no_sanitizer_report() {
	if grep -qE "$SANITIZER_RE" "$2"; then
		fail "$1: report on stderr: $(grep -m3 -E "$SANITIZER_RE" "$2")"
	fi
}

# is_eio CMD...: the command fails, within 10 s, with "Input/output error".
is_eio() {
	local out rc
	out=$(timeout -k 1 10 "$@" 2>&1 >/dev/null)
	rc=$?
	((rc != 0 && rc != 124 && rc != 137)) && [[ "$out" == *"Input/output error"* ]]
}
