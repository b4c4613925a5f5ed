#!/usr/bin/env bash
# test_snapshots.sh RESTOREFS_SCAN RESTOREFS: Volume Shadow Copies on vss_2003 (a Windows
# Server 2003 disk, NTFS at sector 63, six copies). The reference is independent of
# restorefs: vshadowmount exposes each copy as a file, and The Sleuth Kit lists its files
# (fls -r -p), tells which are gone from the live volume by restorefs' rule (ils, istat
# and the $MFT and $Bitmap through icat: reference.py) and gives their bytes (icat). Checked: that set of files, and no other, is
# under /@GMT-YYYY.MM.DD-HH.MM.SS/ at its original path; each one's md5 through
# restorefs-scan --extract and through the FUSE mount; --info lists the six copies with
# vshadowinfo's identifiers and times; outside the @GMT folders the listing equals the
# --snapshots=off one (and --no-snapshots equals --snapshots=off); a damaged catalog costs
# one warning and nothing else; the image is unchanged.
#   env RESTOREFS_FIXTURES   the fixtures (default <repo>/../shared/fixtures); missing: SKIP
set -uo pipefail

SCAN=$(readlink -f "${1:?usage: test_snapshots.sh RESTOREFS_SCAN RESTOREFS}")
RESTOREFS=$(readlink -f "${2:?usage: test_snapshots.sh RESTOREFS_SCAN RESTOREFS}")
HERE=$(dirname "$(readlink -f "$0")")
TEST_NAME=snapshots
# shellcheck source=tests/integration/skip.sh
. "$HERE/../skip.sh"

fixtures=${RESTOREFS_FIXTURES:-$HERE/../../../../shared/fixtures}
archive=$fixtures/vss/vss_2003.tgz
[[ -f $archive ]] || skip "no $archive (the shared fixtures)"
for tool in vshadowmount vshadowinfo fls istat icat blkstat python3 md5sum tar; do
	command -v "$tool" >/dev/null || skip "$tool not found (scripts/deps.sh installs it)"
done
[[ $EUID -eq 0 && -c /dev/fuse ]] || skip "needs root and /dev/fuse (vshadowmount and the mount)"
[[ -x "$SCAN" && -x "$RESTOREFS" ]] || { echo "FAIL: RESTOREFS_SCAN or RESTOREFS is not executable"; exit 1; }

# Both mounts live in a namespace of their own, so nothing reaches the host.
if [[ -z "${RESTOREFS_TEST_IN_NS:-}" ]] && command -v unshare >/dev/null; then
	RESTOREFS_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-snapshots.XXXXXX")
VSS=$W/vss MNT=$W/mnt
cleanup() {
	local m
	for m in "$MNT" "$VSS"; do
		mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m"; }
	done
	rm -rf "$W"
}
trap cleanup EXIT
failures=0
fail() { printf 'FAIL %s: %s\n' "$TEST_NAME" "$*"; failures=$((failures + 1)); }
say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

# The image is 128 GiB apparent and 80 MiB of data: tar keeps it sparse.
tar -xzf "$archive" -C "$W" || { echo "FAIL $TEST_NAME: cannot extract $archive"; exit 1; }
IMG=$W/vss_2003.raw
OFFSET=32256 SECTOR=63

# data_digest FILE: size, mtime and the md5 of every data range with its offset (SEEK_DATA
# and SEEK_HOLE), so the check reads 80 MiB, not 128 GiB. A write anywhere allocates or
# changes a data range, and changes the mtime besides.
data_digest() {
	python3 - "$1" <<'PY'
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
st = os.fstat(fd)
h = hashlib.md5()
pos = 0
while True:
    try:
        start = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        break
    end = os.lseek(fd, start, os.SEEK_HOLE)
    h.update(b"%d-%d:" % (start, end))
    at = start
    while at < end:
        chunk = os.pread(fd, min(1 << 20, end - at), at)
        if not chunk:
            break
        h.update(chunk)
        at += len(chunk)
    pos = end
print(st.st_size, st.st_mtime_ns, h.hexdigest())
PY
}
before=$(data_digest "$IMG")

# --- the reference: vshadowmount and The Sleuth Kit ---------------------------------------
mkdir -p "$VSS" "$MNT"
vshadowmount -o "$OFFSET" "$IMG" "$VSS" >/dev/null 2>"$W/vshadowmount.err" ||
	{ cat "$W/vshadowmount.err"; echo "FAIL $TEST_NAME: vshadowmount failed"; exit 1; }
copies=$(find "$VSS" -mindepth 1 -maxdepth 1 -name 'vss*' | wc -l)
((copies == 6)) || fail "vshadowmount shows $copies copies, not 6"
python3 "$HERE/reference.py" "$IMG" "$SECTOR" $(seq -f "$VSS/vss%g" 1 "$copies") >"$W/expected.tsv" ||
	fail "the reference (reference.py) failed"
say "the reference: $(wc -l <"$W/expected.tsv") files in the copies are gone from the live volume"
[[ -s $W/expected.tsv ]] || fail "the reference found nothing: the fixture is not what it should be"

# --- --info: the six copies --------------------------------------------------------------
vshadowinfo -o "$OFFSET" "$IMG" 2>/dev/null | awk -F'\t: ' '
	/^\tIdentifier/ { id = $2 }
	/^\tCreation time/ { t = $2; sub(/\.[0-9]+ UTC$/, "", t); print id "\t" t }' >"$W/vshadowinfo.tsv"
while IFS=$'\t' read -r id t; do
	printf '%s\t@GMT-%s\n' "$id" "$(date -u -d "$t" +%Y.%m.%d-%H.%M.%S)"
done <"$W/vshadowinfo.tsv" >"$W/info.expected"
"$SCAN" -q --info --json --offset "$OFFSET" "$IMG" >"$W/info.json" 2>"$W/info.err" || fail "--info failed: $(cat "$W/info.err")"
python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["snapshots"]:
    print(c["identifier"] + "\t" + c["folder"] + ("" if c["readable"] else "\tunreadable"))' \
	"$W/info.json" >"$W/info.got" || fail "--info --json has no snapshots"
cmp -s "$W/info.expected" "$W/info.got" ||
	fail "--info lists other copies than vshadowinfo: $(diff "$W/info.expected" "$W/info.got" | head -5)"
"$SCAN" -q --info --offset "$OFFSET" "$IMG" | grep -q '^shadow copies: *6$' || fail "--info (text) does not say 6 shadow copies"

# --- the listing: exactly the reference's files, at their paths ----------------------------
"$SCAN" -q -f csv --offset "$OFFSET" "$IMG" >"$W/on.csv" 2>"$W/on.err" || fail "listing failed: $(cat "$W/on.err")"
"$SCAN" -q -f csv --snapshots=off --offset "$OFFSET" "$IMG" >"$W/off.csv" 2>/dev/null || fail "--snapshots=off listing failed"
"$SCAN" -q -f csv --no-snapshots --offset "$OFFSET" "$IMG" >"$W/no.csv" 2>/dev/null || fail "--no-snapshots listing failed"
cmp -s "$W/off.csv" "$W/no.csv" || fail "--no-snapshots and --snapshots=off list differently"
grep -q '^"*/@GMT-' "$W/off.csv" && fail "--snapshots=off still lists @GMT folders"
# restorefs path of each expected file ("k<TAB>record<TAB>path"), or a mismatch.
python3 - "$W/expected.tsv" "$W/on.csv" "$W/off.csv" "$W/info.got" >"$W/paths.tsv" <<'PY' || fail "listing differs from the reference (above)"
import csv, sys
expected_tsv, on_csv, off_csv, info = sys.argv[1:5]
folders = {}
for k, line in enumerate(open(info), 1):
    folders["/" + line.rstrip("\n").split("\t")[1]] = k
rows = list(csv.DictReader(open(on_csv, newline="")))
got = {}
for r in rows:
    top = "/" + r["path"].split("/")[1]
    if top in folders and r["type"] in ("file", "stream"):
        got[(folders[top], r["mft_record"], r["stream"])] = r
bad = 0
want = {}
for line in open(expected_tsv):
    k, record, attr, path, state = line.rstrip("\n").split("\t")
    want[(int(k), record, "")] = path
for key, path in sorted(want.items()):
    r = got.get(key)
    if r is None:
        print("FAIL snapshots: copy %d: %s (record %s) is not listed" % (key[0], path, key[1]), file=sys.stderr)
        bad += 1
        continue
    folder = [f for f, k in folders.items() if k == key[0]][0]
    if path.startswith("$OrphanFiles/"):
        # TSK knows no folder for these: the name must match
        ok = r["original_path"].endswith("/" + path.split("/", 1)[1])
    else:
        ok = r["path"] == folder + "/" + path and r["original_path"] == "/" + path
    if not ok:
        print("FAIL snapshots: copy %d record %s: listed at %s (original %s), TSK says %s" % (key[0], key[1], r["path"], r["original_path"], path), file=sys.stderr)
        bad += 1
    print("%d\t%s\t%s" % (key[0], key[1], r["path"]))
for key in sorted(set(got) - set(want)):
    print("FAIL snapshots: %s is listed but the live volume still has it" % got[key]["path"], file=sys.stderr)
    bad += 1
# Outside the @GMT folders, nothing changes.
def outside(name):
    return [r for r in csv.DictReader(open(name, newline="")) if "/" + r["path"].split("/")[1] not in folders]
if outside(on_csv) != outside(off_csv):
    print("FAIL snapshots: the live volume's entries differ with and without snapshots", file=sys.stderr)
    bad += 1
sys.exit(1 if bad else 0)
PY
say "listing: $(wc -l <"$W/paths.tsv") files under $(cut -f1 "$W/paths.tsv" | sort -u | wc -l) @GMT folders match the reference"

# --- the bytes: extraction and the mount against icat -------------------------------------
"$SCAN" -q -x "$W/x" --offset "$OFFSET" "$IMG" >/dev/null 2>"$W/x.err"
rc=$?
((rc == 0 || rc == 5)) || fail "--extract exited $rc: $(head -3 "$W/x.err")"
mounted=false
if "$RESTOREFS" -o offset="$OFFSET" "$IMG" "$MNT" 2>"$W/mount.err"; then
	mounted=true
else
	fail "mount failed: $(cat "$W/mount.err")"
fi
checked=0
while IFS=$'\t' read -r k record path; do
	attr=$(awk -F'\t' -v k="$k" -v r="$record" '$1 == k && $2 == r { print $3; exit }' "$W/expected.tsv")
	want=$(icat "$VSS/vss$k" "$record-128-$attr" | md5sum | cut -d' ' -f1)
	got=$(md5sum <"$W/x$path" 2>/dev/null | cut -d' ' -f1)
	[[ $got == "$want" ]] || fail "extracted $path: md5 $got, icat on copy $k says $want"
	if $mounted; then
		got=$(md5sum <"$MNT$path" 2>/dev/null | cut -d' ' -f1)
		[[ $got == "$want" ]] || fail "mounted $path: md5 $got, icat on copy $k says $want"
	fi
	checked=$((checked + 1))
done <"$W/paths.tsv"
say "bytes: $checked files identical to icat through --extract and the mount"
if $mounted; then
	umount "$MNT" || fail "cannot unmount"
	[[ -d "$MNT/@GMT-2019.06.04-23.43.01" ]] && fail "the mount is still there"
fi
"$RESTOREFS" -o offset="$OFFSET",snapshots=off "$IMG" "$MNT" 2>/dev/null || fail "mount with -o snapshots=off failed"
if mountpoint -q "$MNT"; then
	find "$MNT" -maxdepth 1 -name '@GMT-*' | grep -q . && fail "-o snapshots=off still shows @GMT folders"
	umount "$MNT"
fi

# A damaged catalog (its offset in the VSS header, at byte 0x1e30 of the volume, made to
# point far away) costs one warning; the live volume's listing stays as it is.
cp --sparse=always "$IMG" "$W/bad.raw"
printf '\377\377\377\377\0\0\0\0' | dd of="$W/bad.raw" bs=1 seek=$((OFFSET + 0x1e30)) conv=notrunc 2>/dev/null
"$SCAN" -q -f csv --offset "$OFFSET" "$W/bad.raw" >"$W/bad.csv" 2>"$W/bad.err" || fail "a damaged catalog failed the scan"
[[ $(wc -l <"$W/bad.err") -eq 1 ]] && grep -q 'shadow copies left out' "$W/bad.err" ||
	fail "a damaged catalog should cost one warning: $(cat "$W/bad.err")"
cmp -s "$W/bad.csv" "$W/off.csv" || fail "a damaged catalog changed the live volume's listing"
rm -f "$W/bad.raw"

umount "$VSS" 2>/dev/null || umount -l "$VSS"
after=$(data_digest "$IMG")
[[ $before == "$after" ]] || fail "the image changed: $before -> $after"

if ((failures > 0)); then
	echo "FAIL $TEST_NAME: $failures failure(s)"
	exit 1
fi
echo "PASS $TEST_NAME"
