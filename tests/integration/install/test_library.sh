#!/bin/sh
# librestorefs as another program uses it: installed with meson install --destdir, found
# through its restorefs.pc, exporting only the public API, and running
# examples/restore_deleted.c on a test image, whose restored file must have the md5 the
# image's manifest recorded before deletion.
# usage: test_library.sh BUILD_ROOT SOURCE_ROOT
set -eu
export LC_ALL=C
build=$1
src=$2
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=install-library
. "$here/../skip.sh"
. "$here/lib.sh"
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config not installed"
command -v cc >/dev/null 2>&1 || skip "no C compiler"
images=${RESTOREFS_IMAGES:-$build/test-images}
image=$images/basic.img
[ -f "$image" ] && [ -f "$images/basic.manifest" ] || skip "no $image (set RESTOREFS_IMAGES)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
install_build "$build"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# The headers and the library, by the soname of the API version.
for h in restorefs.h volumes.h; do
	[ -f "$prefix_dir/include/restorefs/$h" ] || fail "include/restorefs/$h not installed"
done
lib=$(find "$dest" -name 'librestorefs.so.*.*' | head -n 1)
[ -n "$lib" ] || { echo "FAIL: librestorefs.so not installed"; exit 1; }
api=$(sed -n 's/^#define RESTOREFS_API_VERSION \([0-9]*\)u$/\1/p' "$src/include/restorefs/restorefs.h")
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "librestorefs.so.$api" ] && echo "ok: soname $soname" || fail "soname '$soname', API $api"

# Exports: exactly the functions the public headers declare.
# internal.h is for the two programs only: not installed, not exported.
sed -n 's/^[A-Za-z].*\b\(rfs_[a-z_]*\)(.*/\1/p' $(ls "$src"/include/restorefs/*.h | grep -v /internal.h$) | sort -u >"$work/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$work/exported"
if diff -u "$work/declared" "$work/exported"; then
	echo "ok: exports = the public API ($(wc -l <"$work/declared") functions)"
else
	fail "exported symbols differ from the public headers (- declared, + exported)"
fi

# The example, built against the installed library only.
libdir=$(dirname "$lib")
# A library built with the sanitizers (scripts/test.sh's second build) needs their runtime
# first in the program that loads it.
sanitize=
ldd "$lib" | grep -q libasan && sanitize=-fsanitize=address,undefined
# shellcheck disable=SC2046,SC2086
cc -std=gnu11 -Wall -Werror $sanitize -o "$work/restore_deleted" "$src/examples/restore_deleted.c" \
	$(pkg-config --cflags --libs restorefs) || { echo "FAIL: example does not build"; exit 1; }
echo "ok: example built with pkg-config --cflags --libs restorefs"
LD_LIBRARY_PATH=$libdir ldd "$work/restore_deleted" | grep -q "librestorefs.so.$api => $libdir" ||
	fail "example is not linked to the installed librestorefs.so.$api"

line=$(awk -F '\t' '$3 == "deleted" { print; exit }' "$images/basic.manifest")
md5=$(printf '%s\n' "$line" | cut -f1)
path=/$(printf '%s\n' "$line" | cut -f5)
LD_LIBRARY_PATH=$libdir "$work/restore_deleted" "$image" "$path" "$work/restored" >"$work/out" 2>&1 ||
	{ cat "$work/out"; fail "example failed"; }
grep -qF " $path" "$work/out" && echo "ok: example lists $path" || fail "example does not list $path"
got=$(md5sum <"$work/restored" 2>/dev/null | cut -d' ' -f1 || true)
[ "$got" = "$md5" ] && echo "ok: restored $path, md5 $md5" || fail "restored $path: md5 '$got', want $md5"
exit $failed
