#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60), two at a time, starting from
# the committed seeds (tests/fuzz/corpus/<target>/) plus what earlier runs found
# (build-fuzz/fuzz-out/<target>/corpus/), and prints a table: target, execs, execs/s,
# coverage (libFuzzer's cov:), findings (crash, leak, timeout and out-of-memory inputs
# written to build-fuzz/fuzz-out/<target>/findings/). Configures and builds build-fuzz
# (CC=clang, -Dfuzz=true) when needed. Exits 1 if a target wrote a finding or failed to run.
# A finding: reproduce it with `build-fuzz/tests/fuzz/fuzz_TARGET FILE` (FUZZ_EXPLAIN=1 makes
# the whole-volume targets say what they met), copy FILE to tests/fuzz/findings/TARGET/ (the
# unit suite runs every target over those: fuzz-seeds-TARGET), write a unit test of the
# module at fault, then fix it.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (RESTOREFS_FUZZ_BUILDDIR=DIR: another build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${1:-60}
shift || true
B=${RESTOREFS_FUZZ_BUILDDIR:-build-fuzz}
JOBS=2

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (scripts/deps.sh installs it)" >&2; exit 1; }
if [[ ! -f "$B/build.ninja" ]]; then
	CC=clang meson setup "$B" -Dfuzz=true >"$ROOT/.fuzz-setup.log" 2>&1 ||
		{ cat "$ROOT/.fuzz-setup.log" >&2; rm -f "$ROOT/.fuzz-setup.log"; exit 1; }
	rm -f "$ROOT/.fuzz-setup.log"
fi
if (($# > 0)); then
	TARGETS=("$@")
else
	mapfile -t TARGETS < <(sed -n "/^fuzz_targets = \[/,/^\]/s/^ *'\([a-z0-9_]*\)',\?$/\1/p" tests/fuzz/meson.build)
fi
ninja -C "$B" "${TARGETS[@]/#/tests/fuzz/fuzz_}" >/dev/null

OUT=$B/fuzz-out
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
	local t=$1 dir=$OUT/$1
	rm -rf "$dir/findings"  # this run's findings only
	mkdir -p "$dir/corpus" "$dir/findings"
	"$B/tests/fuzz/fuzz_$t" -max_total_time="$SECS" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$dir/findings/" \
		"$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
	echo $? >"$dir/rc"
}

printf 'fuzzing %d target(s) for %d s each, %d at a time\n' "${#TARGETS[@]}" "$SECS" "$JOBS"
running=0
for t in "${TARGETS[@]}"; do
	rm -f "$OUT/$t/rc"
	run_one "$t" &
	running=$((running + 1))
	if ((running >= JOBS)); then
		wait -n || true
		running=$((running - 1))
	fi
done
wait || true

failed=0
printf '\n%-14s %12s %9s %7s  %s\n' target execs execs/s cov findings
for t in "${TARGETS[@]}"; do
	dir=$OUT/$t log=$OUT/$t/log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	mapfile -t found < <(find "$dir/findings" -type f | sort)
	rc=$(cat "$dir/rc" 2>/dev/null || echo '?')
	if ((${#found[@]} > 0)); then
		note="${#found[@]}: ${found[*]}"
		failed=1
	elif [[ "$rc" != 0 ]]; then
		note="none written, but exit $rc (see $log)"
		failed=1
	else
		note=0
	fi
	printf '%-14s %12s %9s %7s  %s\n' "$t" "${execs:--}" "${rate:--}" "${cov:--}" "$note"
done
exit "$failed"
