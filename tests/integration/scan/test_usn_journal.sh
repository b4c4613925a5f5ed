#!/usr/bin/env bash
# Deletion times from the change journal, end to end. ntfs-3g writes no journal, so the test
# builds one: files created, renamed and deleted through ntfs-3g, then scripts/mkusnjrnl.py
# turns a carrier file in $Extend into $UsnJrnl with a sparse $J of V2 records naming them
# (checked against The Sleuth Kit: fls sees $Extend/$UsnJrnl:$J, icat reads back the bytes
# written). Then: the deletion times in CSV, JSON, the text listing and the
# user.restorefs.deleted xattr of a mount; --deleted-after/--deleted-before (and -o
# deleted_after=) select exactly the expected files; the image is unchanged afterwards.
#
#   test_usn_journal.sh RESTOREFS_SCAN RESTOREFS MKUSNJRNL_PY
set -euo pipefail

SCAN=$1 RESTOREFS=$2 MKUSNJRNL=$3
TEST_NAME=usn-journal
# shellcheck source=../skip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../skip.sh"

for tool in mkntfs ntfs-3g fls istat icat getfattr python3 unshare; do
	command -v "$tool" >/dev/null || skip "$tool not found"
done
[[ -c /dev/fuse ]] || skip "/dev/fuse is missing"
[[ $EUID -eq 0 ]] || skip "needs root (ntfs-3g and restorefs mounts, unshare --mount)"
if [[ -z "${RESTOREFS_TEST_IN_NS:-}" ]]; then
	RESTOREFS_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

FAILURES=0 NTFS_PID=""
say() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() { say "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-usn-test.XXXXXX")
MNT=$WORK/mnt IMG=$WORK/usn.img
mkdir -p "$MNT"
cleanup() {
	local rc=$?
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	[[ -n "$NTFS_PID" ]] && wait "$NTFS_PID" 2>/dev/null
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM

wait_mounted() {
	local i
	for i in $(seq 1 100); do
		mountpoint -q "$MNT" && return 0
		sleep 0.05
	done
	return 1
}

# ---- the volume: files written, renamed and deleted by ntfs-3g ------------------------------

truncate -s 16M "$IMG"
mkntfs -F -q -f -L usn "$IMG" >/dev/null 2>&1 || { say "mkntfs failed"; exit 1; }
ntfs-3g "$IMG" "$MNT" -o streams_interface=windows,no_detach >/dev/null 2>&1 &
NTFS_PID=$!
wait_mounted || { say "ntfs-3g did not mount"; exit 1; }
mkdir "$MNT/docs"
printf 'alpha %.0s' $(seq 1 500) >"$MNT/docs/alpha.txt"
printf 'alpha metadata' >"$MNT/docs/alpha.txt:meta"
head -c 20000 /dev/urandom >"$MNT/docs/beta.bin"
printf 'draft %.0s' $(seq 1 700) >"$MNT/docs/draft.txt"
printf 'delta %.0s' $(seq 1 300) >"$MNT/docs/delta.txt"
printf 'still here' >"$MNT/docs/live.txt"
# The carrier: ntfs-3g creates nothing in $Extend but moves a file there; $J is written
# past a 1 MiB hole, which ntfs-3g leaves sparse, as Windows leaves the journal's old part.
touch "$MNT/ZUsnJrnl"
mv "$MNT/ZUsnJrnl" "$MNT/\$Extend/ZUsnJrnl"
head -c 8192 /dev/zero | tr '\0' 'U' |
	dd of="$MNT/\$Extend/ZUsnJrnl:\$J" bs=4096 seek=256 conv=notrunc status=none
docs=$(stat -c %i "$MNT/docs") alpha=$(stat -c %i "$MNT/docs/alpha.txt")
beta=$(stat -c %i "$MNT/docs/beta.bin") draft=$(stat -c %i "$MNT/docs/draft.txt")
delta=$(stat -c %i "$MNT/docs/delta.txt") live=$(stat -c %i "$MNT/docs/live.txt")
mv "$MNT/docs/draft.txt" "$MNT/docs/gamma.txt"
rm "$MNT/docs/alpha.txt" "$MNT/docs/beta.bin" "$MNT/docs/gamma.txt" "$MNT/docs/delta.txt"
umount "$MNT"
wait "$NTFS_PID" || true
NTFS_PID=""

# delta's sequence as it is on disk now: a FILE_DELETE naming it so is not its deletion
# (the journal names a file by the sequence it had while it lived, one before).
delta_disk_seq=$(istat "$IMG" "$delta" | sed -n 's/^Entry: [0-9]* *Sequence: \([0-9]*\).*/\1/p')
[[ -n "$delta_disk_seq" ]] || { say "istat gave no sequence for record $delta"; exit 1; }
cat >"$WORK/events" <<EOF
create|close                2024-02-20T09:00:00Z  $docs   5       docs
create                      2024-02-20T09:01:00Z  $alpha  $docs   alpha.txt
create|data_extend|close    2024-02-20T09:01:00Z  $alpha  $docs   alpha.txt
create|close                2024-02-20T09:02:00Z  $beta   $docs   beta.bin
create|close                2024-02-20T09:03:00Z  $draft  $docs   draft.txt
create|close                2024-02-20T09:04:00Z  $delta  $docs   delta.txt
create|close                2024-02-20T09:05:00Z  $live   $docs   live.txt
rename_old                  2024-02-28T17:00:00Z  $draft  $docs   draft.txt
rename_new                  2024-02-28T17:00:00Z  $draft  $docs   gamma.txt
rename_new|close            2024-02-28T17:00:00Z  $draft  $docs   gamma.txt
page
delete|close                2024-03-01T10:00:00Z  $alpha  $docs   alpha.txt
delete|close                2024-03-05T12:30:00.5Z $beta  $docs   beta.bin
delete|close                2024-03-10T08:00:00Z  $draft  $docs   gamma.txt
delete|close                2024-03-04T00:00:00Z  $delta/$delta_disk_seq $docs delta.txt
EOF
python3 "$MKUSNJRNL" "$IMG" "$WORK/events" --stream-out "$WORK/j.expected" >/dev/null ||
	{ say "mkusnjrnl.py failed"; exit 1; }

# ---- The Sleuth Kit sees the journal as Windows would leave it ---------------------------------

fls_out=$(fls -r -p "$IMG")
j_addr=$(awk -F'\t' '$2 == "$Extend/$UsnJrnl:$J" { sub(/^[^ ]* /, "", $1); sub(/:$/, "", $1); print $1 }' <<<"$fls_out")
[[ -n "$j_addr" ]] || fail "fls shows no \$Extend/\$UsnJrnl:\$J"
if [[ -n "$j_addr" ]]; then
	icat "$IMG" "$j_addr" >"$WORK/j.icat"
	cmp -s "$WORK/j.icat" "$WORK/j.expected" || fail "icat of $j_addr differs from the \$J written"
	istat_out=$(istat "$IMG" "${j_addr%%-*}")
	[[ "$istat_out" == *"Name: \$UsnJrnl"* && "$istat_out" == *"Parent MFT Entry: 11 "* ]] ||
		fail "istat ${j_addr%%-*} does not show \$UsnJrnl in \$Extend"
	[[ "$istat_out" == *"Name: \$J   Non-Resident, Sparse"* ]] || fail "\$J is not sparse"
fi
md5_before=$(md5sum <"$IMG")

# ---- listings ------------------------------------------------------------------------------

"$SCAN" -q --format=csv "$IMG" >"$WORK/list.csv" || fail "restorefs-scan --format=csv failed"
"$SCAN" -q --format=json "$IMG" >"$WORK/list.json" || fail "restorefs-scan --format=json failed"
python3 - "$WORK/list.csv" "$WORK/list.json" <<'EOF' || fail "deletion times in CSV or JSON"
import csv, json, sys
want = {
    "/docs/alpha.txt": "2024-03-01T10:00:00.0000000Z",
    "/docs/alpha.txt:meta": "2024-03-01T10:00:00.0000000Z",
    "/docs/beta.bin": "2024-03-05T12:30:00.5000000Z",
    "/docs/gamma.txt": "2024-03-10T08:00:00.0000000Z",
    "/docs/delta.txt": "",
}
rows = {r["path"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
doc = json.load(open(sys.argv[2]))
entries = {e["path"]: e for e in doc["entries"]}
bad = []
if doc["stats"]["usn_records"] != 14:
    bad.append(f"stats.usn_records is {doc['stats']['usn_records']}, want the 14 written")
for path, deleted in want.items():
    r, e = rows.get(path), entries.get(path)
    if r is None or e is None:
        bad.append(f"{path} not listed")
        continue
    if r["deleted"] != deleted or (e["deleted"] or "") != deleted:
        bad.append(f"{path}: csv '{r['deleted']}', json {e['deleted']!r}, want '{deleted}'")
    if r["path_source"] != "mft" or e["path_source"] != "mft" or r["snapshot"] != "" or e["snapshot"] is not None:
        bad.append(f"{path}: path_source/snapshot {r['path_source']}/{r['snapshot']!r}")
for path, r in rows.items():
    if path not in want and r["deleted"]:
        bad.append(f"{path}: unexpected deletion time {r['deleted']}")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
text=$("$SCAN" -q "$IMG") || fail "text listing failed"
[[ "$text" == *"/docs/gamma.txt  (deleted 2024-03-10 08:00:00)"* ]] ||
	fail "the text listing shows no deletion time for gamma.txt"

# listed PATHS... : the files and streams a filtered listing selects, sorted, one line
listed() {
	"$SCAN" -q --format=csv --no-directories "$@" "$IMG" |
		python3 -c 'import csv, sys; print(" ".join(sorted(r["path"] for r in csv.DictReader(sys.stdin))))'
}
expect_listed() {
	local want=$1 got
	shift
	got=$(listed "$@") || { fail "restorefs-scan $* failed"; return; }
	[[ "$got" == "$want" ]] || fail "$*: listed '$got', want '$want'"
}
expect_listed "/docs/beta.bin /docs/gamma.txt" --deleted-after 2024-03-02
expect_listed "/docs/alpha.txt /docs/alpha.txt:meta /docs/beta.bin" --deleted-before 2024-03-06
expect_listed "/docs/beta.bin" --deleted-after 2024-03-05T12:30:00.5Z --deleted-before 2024-03-10T08:00:00Z
expect_listed "/docs/alpha.txt /docs/alpha.txt:meta" --deleted-before "2024-03-01 11:00:01+01:00" --deleted-after 2024-01-01
expect_listed "" --deleted-before "2024-03-01 11:00:00+01:00" # exclusive: alpha at 10:00:00Z
expect_listed "" --deleted-after 2024-03-11
if "$SCAN" -q --deleted-after yesterday "$IMG" >/dev/null 2>&1; then
	fail "--deleted-after yesterday was accepted"
fi
"$SCAN" -q --deleted-after 2024-03-02 -x "$WORK/out" "$IMG" >/dev/null 2>&1 || fail "filtered --extract failed"
extracted=$(cd "$WORK/out" && find . -type f | sort | tr '\n' ' ')
[[ "$extracted" == "./docs/beta.bin ./docs/gamma.txt " ]] || fail "--extract --deleted-after wrote '$extracted'"

# ---- the mount: xattrs, and the deletion filter as a mount option ----------------------------

xattr() { getfattr --only-values -n "user.restorefs.$1" "$MNT/$2" 2>/dev/null; }
if "$RESTOREFS" "$IMG" "$MNT" 2>"$WORK/mount.err" && wait_mounted; then
	[[ "$(xattr deleted docs/alpha.txt)" == "2024-03-01T10:00:00.0000000Z" ]] || fail "xattr deleted of alpha.txt"
	[[ "$(xattr deleted 'docs/alpha.txt:meta')" == "2024-03-01T10:00:00.0000000Z" ]] || fail "xattr deleted of alpha.txt:meta"
	[[ "$(xattr deleted docs/beta.bin)" == "2024-03-05T12:30:00.5000000Z" ]] || fail "xattr deleted of beta.bin"
	xattr deleted docs/delta.txt >/dev/null && fail "delta.txt has a deletion time"
	[[ "$(xattr path_source docs/gamma.txt)" == "mft" ]] || fail "xattr path_source of gamma.txt"
	xattr snapshot docs/gamma.txt >/dev/null && fail "gamma.txt has user.restorefs.snapshot"
	all=$(getfattr -d -m - "$MNT/docs/gamma.txt" 2>/dev/null || true)
	[[ "$all" == *$'\n'"user.restorefs.deleted=\"2024-03-10T08:00:00.0000000Z\""* ]] ||
		fail "user.restorefs.deleted is not listed: $all"
	umount "$MNT"
else
	fail "restorefs did not mount: $(cat "$WORK/mount.err")"
fi
for opts in "-o deleted_after=2024-03-02" "--deleted-after 2024-03-02" "--deleted-before=2024-03-20 -o deleted_after=2024-03-02"; do
	# shellcheck disable=SC2086
	if "$RESTOREFS" $opts "$IMG" "$MNT" 2>"$WORK/mount.err" && wait_mounted; then
		got=$(cd "$MNT/docs" && ls | tr '\n' ' ')
		[[ "$got" == "beta.bin gamma.txt " ]] || fail "mount $opts: docs holds '$got'"
		umount "$MNT"
	else
		fail "restorefs $opts did not mount: $(cat "$WORK/mount.err")"
	fi
done

[[ "$(md5sum <"$IMG")" == "$md5_before" ]] || fail "the image changed"
if ((FAILURES > 0)); then
	say "$FAILURES check(s) failed"
	exit 1
fi
say ok
