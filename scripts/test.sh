#!/usr/bin/env bash
# Runs every test: checks the #include layering (scripts/check-layers.sh), installs what is
# missing, builds, builds the NTFS test images (cached in build/test-images), runs the meson
# suite (unit + integration), then the same suite again in an AddressSanitizer + UBSan build
# (build-asan), then a 30-second smoke run of every fuzz target (scripts/fuzz.sh, build-fuzz;
# RESTOREFS_FUZZ_SECONDS changes the time). Exits non-zero if anything failed.
# RESTOREFS_BUILDDIR=DIR builds into DIR and DIR-asan instead.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
B=${RESTOREFS_BUILDDIR:-build}
start=$SECONDS
results=()
failed=0

stage() { printf '\n==> %s\n' "$*"; }

# run_suite NAME BUILDDIR [meson test options]: records "NAME: ok/FAILED (counts)".
run_suite() {
	local name=$1 builddir=$2 log counts rc=0
	shift 2
	log="$builddir/meson-logs/test-summary.txt"
	meson test -C "$builddir" --print-errorlogs "$@" 2>&1 | tee "$log" || rc=$?
	counts=$(grep -E '^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): ' "$log" |
		tr '\n' ' ' | tr -s ' ' | sed 's/ $//' || true)
	if ((rc == 0)); then
		results+=("$name: ok (${counts:-no tests})")
	else
		results+=("$name: FAILED (${counts:-exit $rc})")
		failed=1
	fi
}

stage "layers"
if scripts/check-layers.sh; then
	results+=("layers: ok")
else
	results+=("layers: FAILED")
	failed=1
fi

stage "dependencies"
scripts/deps.sh

stage "build ($B/)"
if scripts/build.sh "$B"; then
	stage "test images ($B/test-images)"
	if scripts/mkimages.sh "$B/test-images"; then
		export RESTOREFS_IMAGES
		RESTOREFS_IMAGES=$(readlink -f "$B/test-images")
	else
		results+=("test images: FAILED (integration tests will skip)")
		failed=1
	fi
	stage "tests ($B/)"
	run_suite "tests" "$B"
else
	results+=("build: FAILED")
	failed=1
fi

stage "build with AddressSanitizer + UBSan ($B-asan/)"
if scripts/build.sh "$B-asan" -Db_sanitize=address,undefined -Db_lundef=false; then
	export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
	export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
	export G_SLICE=always-malloc G_DEBUG=gc-friendly
	stage "tests under sanitizers ($B-asan/)"
	run_suite "tests (asan+ubsan)" "$B-asan" --timeout-multiplier 4
else
	results+=("asan build: FAILED")
	failed=1
fi

# A smoke run of every fuzz target (30 s each, two at a time) from the committed seeds.
stage "fuzz smoke ($B-fuzz/)"
if command -v clang >/dev/null; then
	if RESTOREFS_FUZZ_BUILDDIR="$B-fuzz" scripts/fuzz.sh "${RESTOREFS_FUZZ_SECONDS:-30}"; then
		results+=("fuzz smoke: ok")
	else
		results+=("fuzz smoke: FAILED (findings under $B-fuzz/fuzz-out/)")
		failed=1
	fi
else
	if [[ "${CI:-}" == true ]]; then
		results+=("fuzz smoke: FAILED (no clang; scripts/deps.sh installs it)")
		failed=1
	else
		results+=("fuzz smoke: skipped (no clang)")
	fi
fi

printf '\n'
for r in "${results[@]}"; do printf '  %s\n' "$r"; done
if ((failed)); then
	printf 'test.sh: FAILED after %d s\n' "$((SECONDS - start))"
	exit 1
fi
printf 'test.sh: all passed in %d s\n' "$((SECONDS - start))"
