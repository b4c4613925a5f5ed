#!/bin/sh
# The installed man pages: each opens with man -l without a warning, and each program's page
# names every long option its --help prints, so that the pages keep up with the programs.
# usage: test_man.sh BUILD_ROOT RESTOREFS RESTOREFS_SCAN
set -eu
export LC_ALL=C
build=$1
restorefs=$2
scan=$3
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=install-man
. "$here/../skip.sh"
. "$here/lib.sh"
command -v man >/dev/null 2>&1 || skip "man (man-db) not installed"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
install_build "$build"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

for page in man1/restorefs.1 man1/restorefs-scan.1 man3/restorefs.3; do
	file=$prefix_dir/share/man/$page
	[ -f "$file" ] || { fail "$page not installed"; continue; }
	warnings=$(MANWIDTH=80 man -l "$file" 2>&1 >/dev/null || echo "man -l failed")
	if [ -n "$warnings" ]; then
		fail "$page: $warnings"
	else
		echo "ok: $page renders without warnings"
	fi
done

# check_options PROGRAM PAGE: every --option of PROGRAM --help is in PAGE (rendered one
# paragraph a line, so that no option is broken across lines).
check_options() {
	co_prog=$1 co_page=$prefix_dir/share/man/$2
	[ -f "$co_page" ] || return 0
	MANWIDTH=2000 man -l "$co_page" 2>/dev/null >"$work/page.txt"
	"$co_prog" --help >"$work/help.txt" 2>&1 || true
	co_missing=
	for opt in $(grep -o -- '--[a-z][a-z0-9-]*' "$work/help.txt" | sort -u); do
		grep -q -- "$opt\([^a-z0-9-]\|\$\)" "$work/page.txt" || co_missing="$co_missing $opt"
	done
	if [ -n "$co_missing" ]; then
		fail "$2 lacks options of $(basename "$co_prog") --help:$co_missing"
	else
		echo "ok: $2 names every long option of $(basename "$co_prog") --help"
	fi
}
check_options "$restorefs" man1/restorefs.1
check_options "$scan" man1/restorefs-scan.1
exit $failed
