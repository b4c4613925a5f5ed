#!/usr/bin/env bash
# test_hash.sh IMAGE_NAME: restorefs-scan --hash md5 (CSV, JSON, bodyfile) against the md5
# that scripts/mkimages.sh recorded in the image's manifest before each file was deleted:
# every intact deleted file must hash to it. --hash sha256 must agree with sha256sum of the
# extracted copy.
#   env RESTOREFS_SCAN    the restorefs-scan executable
#   env RESTOREFS_IMAGES  the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -euo pipefail

name=${1:?usage: test_hash.sh IMAGE_NAME}
images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}

TEST_NAME="scan-hash-$name"
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/$name.img"
manifest="$images/$name.manifest"
[[ -f "$img" && -f "$manifest" ]] || skip "image $name is not in $images (scripts/mkimages.sh $images $name)"
[[ -n "$scan" && -x "$scan" ]] || { echo "FAIL: RESTOREFS_SCAN is not an executable: '$scan'"; exit 1; }
command -v python3 >/dev/null || skip "python3 not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-hash-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$scan" -q --hash md5 --format=csv "$img" >"$tmp/list.csv" 2>"$tmp/csv.err" ||
	{ echo "FAIL: --hash md5 --format=csv exited $?"; cat "$tmp/csv.err"; exit 1; }
"$scan" -q --hash md5 --json "$img" >"$tmp/list.json" 2>"$tmp/json.err" ||
	{ echo "FAIL: --hash md5 --json exited $?"; cat "$tmp/json.err"; exit 1; }
"$scan" -q --hash md5 --format=bodyfile "$img" >"$tmp/list.body" 2>"$tmp/body.err" ||
	{ echo "FAIL: --hash md5 --format=bodyfile exited $?"; cat "$tmp/body.err"; exit 1; }
"$scan" -q --hash sha256 --format=csv --min-size 1 "$img" >"$tmp/sha.csv" 2>/dev/null ||
	{ echo "FAIL: --hash sha256 exited $?"; exit 1; }
"$scan" -q -x "$tmp/out" "$img" >/dev/null 2>&1 || true

python3 - "$manifest" "$tmp" <<'PY'
import csv, hashlib, json, os, sys
manifest, tmp = sys.argv[1], sys.argv[2]
# keyed by (MFT record, stream name): two deleted files may have had the same path
want = {}
for line in open(manifest, encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 5 and f[2] == "deleted" and f[0] != "-":
        last = f[4].rsplit("/", 1)[-1]
        want[(f[3], last.split(":", 1)[1] if ":" in last else "")] = f[0]
rows = list(csv.DictReader(open(os.path.join(tmp, "list.csv"), encoding="utf-8", newline="")))
failures, checked = [], 0
if not rows or list(rows[0].keys())[-1] != "md5":
    failures.append("the CSV's last column is not md5")
intact = {}  # path -> manifest md5, for the JSON and bodyfile checks
for r in rows:
    md5 = want.get((r["mft_record"], r["stream"]))
    if md5 is None or r["state"] != "intact" or r["type"] == "dir":
        continue
    checked += 1
    intact[r["path"]] = md5
    if r["md5"] != md5:
        failures.append(f"{r['path']}: csv md5 {r['md5']!r}, manifest {md5}")
for r in rows:
    if r["type"] == "dir" and r["md5"] != "":
        failures.append(f"{r['path']}: a directory with a hash")
doc = json.load(open(os.path.join(tmp, "list.json"), encoding="utf-8"))
for e in doc["entries"]:
    if e["path"] in intact and e["md5"] != intact[e["path"]]:
        failures.append(f"{e['path']}: json md5 {e['md5']!r}")
body = {}
for line in open(os.path.join(tmp, "list.body"), encoding="utf-8", errors="replace"):
    f = line.split("|")
    if f[1].endswith(" (deleted)") and "($FILE_NAME)" not in f[1]:
        body[f[1][: -len(" (deleted)")]] = f[0]
for path, md5 in intact.items():
    if body.get(path) != md5:
        failures.append(f"{path}: bodyfile md5 {body.get(path)!r}")
sha_rows = list(csv.DictReader(open(os.path.join(tmp, "sha.csv"), encoding="utf-8", newline="")))
sha_checked = 0
for r in sha_rows:
    copy = os.path.join(tmp, "out", r["path"].lstrip("/"))
    if r["type"] == "dir" or not os.path.isfile(copy):
        continue
    sha_checked += 1
    got = hashlib.sha256(open(copy, "rb").read()).hexdigest()
    if r["sha256"] != got:
        failures.append(f"{r['path']}: sha256 {r['sha256']!r}, extracted copy {got}")
if checked == 0:
    failures.append("no intact deleted file of the manifest was listed")
for f in failures:
    print("FAIL:", f)
print(f"{checked} md5 checked against the manifest, {sha_checked} sha256 against extracted copies")
sys.exit(1 if failures else 0)
PY
