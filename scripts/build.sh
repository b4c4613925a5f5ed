#!/usr/bin/env bash
# scripts/build.sh [BUILDDIR] [MESON_SETUP_OPTIONS...]: installs what is missing, configures
# BUILDDIR (default: build) once and builds it. CI=true adds -Dwerror=true.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${1:-build}
[[ $# -gt 0 ]] && shift
[[ "$BUILDDIR" == /* ]] || BUILDDIR="$ROOT/$BUILDDIR"

"$ROOT/scripts/deps.sh"

opts=("$@")
[[ "${CI:-}" == true ]] && opts+=(-Dwerror=true)

setup_log=$(mktemp)
trap 'rm -f "$setup_log"' EXIT
if [[ -f "$BUILDDIR/meson-private/coredata.dat" ]]; then
	if ((${#opts[@]})); then
		meson configure "$BUILDDIR" "${opts[@]}" >"$setup_log" 2>&1 ||
			meson setup --reconfigure "$BUILDDIR" "$ROOT" "${opts[@]}" >"$setup_log" 2>&1 ||
			{ cat "$setup_log" >&2; echo "build: meson could not reconfigure $BUILDDIR" >&2; exit 1; }
	fi
else
	meson setup "$BUILDDIR" "$ROOT" "${opts[@]}" >"$setup_log" 2>&1 ||
		{ cat "$setup_log" >&2; echo "build: meson setup of $BUILDDIR failed" >&2; exit 1; }
fi

ninja -C "$BUILDDIR" || { echo "build: compilation failed in $BUILDDIR" >&2; exit 1; }
