#!/usr/bin/env bash
# Load test (needs root and /dev/fuse): mounts IMAGE with restorefs in a private mount
# namespace and, for SECONDS, runs 16 readers, each reading deleted files whole with
# O_DIRECT and checking each md5 against a first pass, plus a walker that lstats and
# listxattrs every entry, pass after pass. It samples the daemon's resident memory (VmRSS)
# every second and fails if, after the warm-up, it grows beyond the warm-up's peak by more
# than 16 MiB or 10 %, whichever is more (plus 4 MiB for each FUSE worker thread started
# after the warm-up); then it unmounts, and the daemon must exit 0
# without a sanitizer report. Prints reads/s, MB/s, entries/s and the RSS figures.
#
#   scripts/load.sh [SECONDS] [IMAGE]
#
# SECONDS: default 300. IMAGE: default the scripts/bench.sh image (320,000 files, half of
# them deleted), which bench.sh builds once into /var/tmp/restorefs-bench; this script
# does not build it. RESTOREFS_BUILDDIR selects the build directory (default build).
# LOAD_READERS (16), LOAD_SAMPLE (files the readers share, default 20000: the first pass
# reads each once), LOAD_RSS_CHECK (1 checks the bound, 0 only reports; default: 1 except
# in an AddressSanitizer build, whose quarantine keeps up to 256 MiB of freed memory
# resident, so that its RSS grows without a leak; LeakSanitizer checks it at exit instead),
# LOAD_RSS_LOG (a file to keep the samples in: "SECOND KiB THREADS" lines).
#
# Why the bound holds: after the scan the index never changes; what reads add is a few
# KiB per open file and, per FUSE worker thread, libfuse's 1 MiB request buffer, a read
# buffer of up to 1 MiB, malloc's arena and a stack (about 2.6 MiB measured; libfuse runs
# at most 10 workers by default). libfuse starts a worker only when all are busy, so most
# start early, inside the warm-up (the first minute, or a quarter of a shorter run but at
# least 15 s), and each one started later is allowed 4 MiB more. Growth beyond that is a
# leak or a cache without a limit; 16 MiB (or 10 %) leaves room for malloc's fragmentation.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${RESTOREFS_BUILDDIR:-build}
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"
RESTOREFS=${RESTOREFS:-$BUILDDIR/src/fuse/restorefs}
SECS=${1:-300}
IMAGE=${2:-/var/tmp/restorefs-bench/bench-320000.img}
READERS=${LOAD_READERS:-16}
SAMPLE=${LOAD_SAMPLE:-20000}
BOUND_MIB=16 BOUND_PERCENT=10 THREAD_MIB=4

die() { printf 'load: %s\n' "$*" >&2; exit 1; }
say() { printf 'load: %s\n' "$*" >&2; }

case "${1:-}" in -h | --help) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
[[ "$SECS" =~ ^[1-9][0-9]*$ ]] || die "SECONDS: '$SECS' is not a positive number"
[[ -f "$IMAGE" ]] || die "$IMAGE not found (scripts/bench.sh builds the default image once)"
[[ -x "$RESTOREFS" ]] || die "$RESTOREFS is not built"
[[ $EUID -eq 0 && -c /dev/fuse ]] || die "needs root and /dev/fuse"
command -v python3 >/dev/null || die "python3 not found"
if [[ -z "${LOAD_IN_NS:-}" ]]; then
	LOAD_IN_NS=1 exec unshare --mount --propagation private bash "${BASH_SOURCE[0]}" "$SECS" "$IMAGE"
fi
if [[ -z "${LOAD_RSS_CHECK:-}" ]]; then
	LOAD_RSS_CHECK=1
	[[ "$(ldd "$RESTOREFS" 2>/dev/null)" == *libasan* ]] && LOAD_RSS_CHECK=0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-load.XXXXXX")
MNT="$WORK/mnt" DAEMON_PID="" PIDS=()
mkdir "$MNT"
cleanup() {
	local rc=$?
	((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null
	mountpoint -q "$MNT" && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; }
	[[ -n "$DAEMON_PID" ]] && { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; }
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs

# ---- mount, and the first pass ---------------------------------------------------------------
"$RESTOREFS" -f "$IMAGE" "$MNT" 2>"$WORK/daemon.err" &
DAEMON_PID=$!
for _ in $(seq 1 6000); do
	grep -q " $MNT fuse.restorefs " /proc/mounts && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.05
done
grep -q " $MNT fuse.restorefs " /proc/mounts || die "restorefs did not mount: $(tail -3 "$WORK/daemon.err")"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null; }
say "mounted $IMAGE; daemon RSS $(($(rss) / 1024)) MiB"

find "$MNT" -type f -print0 >"$WORK/all"
total=$(tr -cd '\0' <"$WORK/all" | wc -c)
((total > 0)) || die "no files in the mount"
shuf -z -n "$SAMPLE" --random-source=<(yes) "$WORK/all" >"$WORK/sample"
start=$SECONDS
xargs -0 md5sum -z <"$WORK/sample" >"$WORK/ref" 2>"$WORK/ref.err" ||
	die "first pass: $(head -3 "$WORK/ref.err")"
sample=$(tr -cd '\0' <"$WORK/ref" | wc -c)
say "first pass: $sample of $total files read in $((SECONDS - start)) s"

# ---- the load ----------------------------------------------------------------------------------
t0=$(date +%s.%N)
deadline=$(awk -v t="$t0" -v s="$SECS" 'BEGIN { printf "%.3f", t + s }')
for r in $(seq 1 "$READERS"); do
	python3 "$ROOT/scripts/load_worker.py" read "$WORK/ref" "$deadline" "$r" "$WORK/reader.$r" \
		2>"$WORK/reader.$r.err" &
	PIDS+=($!)
done
python3 "$ROOT/scripts/load_worker.py" walk "$MNT" "$deadline" "$WORK/walker" 2>"$WORK/walker.err" &
PIDS+=($!)

# the first minute, or a quarter of a shorter run but at least 15 s: libfuse adds worker
# threads while all of them are busy, and under 17 clients it takes about 10 s to peak
WARMUP=$((SECS / 4 < 60 ? SECS / 4 : 60))
((WARMUP < 15)) && WARMUP=15
: >"$WORK/rss"
t=0
while ((t < SECS)); do
	sleep 1
	t=$(awk -v t0="$t0" -v n="$(date +%s.%N)" 'BEGIN { printf "%d", n - t0 + 0.5 }')
	v=$(rss)
	[[ -n "$v" ]] || die "the daemon is gone after $t s: $(tail -3 "$WORK/daemon.err")"
	echo "$t $v $(threads)" >>"$WORK/rss"
done
for pid in "${PIDS[@]}"; do
	for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$pid" 2>/dev/null && die "a client is still running 30 s after the deadline"
	wait "$pid"
done
PIDS=()
elapsed=$(awk -v t="$t0" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - t }')

# ---- unmount: the daemon exits 0, without a sanitizer report ----------------------------------
fusermount3 -u "$MNT" || die "fusermount3 -u failed"
for _ in $(seq 1 600); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DAEMON_PID" 2>/dev/null && die "restorefs still runs 30 s after the unmount"
wait "$DAEMON_PID"
daemon_rc=$?
DAEMON_PID=""

# ---- figures and verdict ---------------------------------------------------------------------
failed=0
problem() { say "FAIL: $*"; failed=1; }
read -r files bytes mismatches errors < <(cat "$WORK"/reader.[0-9]* | awk '{ f += $1; b += $2; m += $3; e += $4 } END { print f + 0, b + 0, m + 0, e + 0 }')
read -r passes entries walk_errors <"$WORK/walker" || problem "the walker wrote no result"
idle=$(for r in $(seq 1 "$READERS"); do awk '$1 == 0' "$WORK/reader.$r"; done | wc -l)
((mismatches == 0)) || problem "$mismatches reads differ from the first pass: $(cat "$WORK"/reader.*.err | head -3)"
((errors == 0)) || problem "$errors reads failed: $(cat "$WORK"/reader.*.err | grep -v md5 | head -3)"
((walk_errors == 0)) || problem "the walker met $walk_errors errors: $(head -3 "$WORK/walker.err")"
((idle == 0)) || problem "$idle readers read nothing"
((daemon_rc == 0)) || problem "restorefs exited $daemon_rc: $(tail -3 "$WORK/daemon.err")"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$WORK/daemon.err"; then
	problem "sanitizer report: $(grep -m3 -E 'ERROR|runtime error|SUMMARY' "$WORK/daemon.err")"
fi

[[ -n "${LOAD_RSS_LOG:-}" ]] && cp "$WORK/rss" "$LOAD_RSS_LOG"
read -r warm_max warm_threads all_min all_max late_max late_threads < <(awk -v w="$WARMUP" '
	{ if ($1 <= w && $2 > wm) wm = $2; if ($1 <= w && $3 > wt) wt = $3
	  if (!mn || $2 < mn) mn = $2; if ($2 > mx) mx = $2
	  if ($1 > w && $2 > lm) lm = $2; if ($1 > w && $3 > lt) lt = $3 }
	END { print wm + 0, wt + 0, mn + 0, mx + 0, lm + 0, lt + 0 }' "$WORK/rss")
margin=$((warm_max * BOUND_PERCENT / 100))
((margin < BOUND_MIB * 1024)) && margin=$((BOUND_MIB * 1024))
bound=$((warm_max + margin))
# each sample against the bound, plus THREAD_MIB for each worker thread beyond the warm-up's
over=$(awk -v w="$WARMUP" -v b="$bound" -v wt="$warm_threads" -v per=$((THREAD_MIB * 1024)) '
	$1 > w { allowed = b + ($3 > wt ? ($3 - wt) * per : 0)
		 if ($2 > allowed) { printf "%d s: %d MiB with %d threads, beyond %d MiB\n", $1, $2 / 1024, $3, allowed / 1024; exit } }' "$WORK/rss")
late_reads=$(awk -v s="$SECS" -v w="$WARMUP" -v f="$files" 'BEGIN { printf "%d", f * (s - w) / s }')

awk -v f="$files" -v b="$bytes" -v e="$elapsed" -v n="$entries" -v p="$passes" -v r="$READERS" '
	BEGIN { printf "\n%d readers + 1 walker for %.1f s\n", r, e
		printf "reads:   %d files, %.0f files/s, %.1f MB/s (O_DIRECT: every byte from the daemon)\n", f, f / e, b / e / 1e6
		printf "walk:    %d passes, %d entries, %.0f entries/s (lstat + listxattr)\n", p, n, n / e }'
printf 'RSS:     min %d MiB, max %d MiB; warm-up (%d s) peak %d MiB with %d threads, after it %d MiB with %d; bound %d MiB\n' \
	$((all_min / 1024)) $((all_max / 1024)) "$WARMUP" $((warm_max / 1024)) "$warm_threads" \
	$((late_max / 1024)) "$late_threads" $((bound / 1024))
if ((late_reads > 0)); then
	printf '         (a leak of %d bytes per read after the warm-up would have crossed it)\n' \
		$((margin * 1024 / late_reads + 1))
fi
if ((LOAD_RSS_CHECK)); then
	[[ -z "$over" ]] || problem "RSS after the warm-up: $over"
else
	say "RSS bound not checked (AddressSanitizer build, or LOAD_RSS_CHECK=0)"
fi
((failed == 0)) && say "ok"
exit "$failed"
