#!/usr/bin/env bash
# test_traces.sh: paths and names from directory index entries, on scripts/mkimages.sh's
# traces image, checked against its manifest: `trace` files at their path with the default
# scan (a folder named again from its parent's index slack), `trace-deep` files at their
# path with this md5 with --deep (folders whose records were reused, named from INDX blocks
# in free space), `ghost` files listed as ghosts with their name, size and creation time and
# never extracted. The image must be byte-identical afterwards.
#   env RESTOREFS_SCAN    the restorefs-scan executable
#   env RESTOREFS_IMAGES  the images directory (default RESTOREFS_IMAGES_DEFAULT); missing: SKIP
set -euo pipefail

images=${RESTOREFS_IMAGES:-${RESTOREFS_IMAGES_DEFAULT:-}}
scan=${RESTOREFS_SCAN:-}
TEST_NAME="scan-traces"
# shellcheck source=../skip.sh
. "$(dirname "$(readlink -f "$0")")/../skip.sh"
[[ -n "$images" && -d "$images" ]] || skip "no test images (scripts/test.sh builds them and sets RESTOREFS_IMAGES)"
img="$images/traces.img"
manifest="$images/traces.manifest"
[[ -f "$img" && -f "$manifest" ]] || skip "image traces is not in $images (scripts/mkimages.sh $images traces)"
[[ -n "$scan" && -x "$scan" ]] || { echo "FAIL: RESTOREFS_SCAN is not an executable: '$scan'"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-traces-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
image_md5=$(md5sum <"$img" | cut -d' ' -f1)

"$scan" --format=csv "$img" >"$tmp/plain.csv" 2>"$tmp/plain.err" ||
	{ echo "FAIL: the default scan failed: $(tail -1 "$tmp/plain.err")"; exit 1; }
"$scan" --deep --format=csv "$img" >"$tmp/deep.csv" 2>"$tmp/deep.err" ||
	{ echo "FAIL: the --deep scan failed: $(tail -1 "$tmp/deep.err")"; exit 1; }
"$scan" --deep --extract "$tmp/out" "$img" >"$tmp/extract.log" 2>"$tmp/extract.err" || true
ghosts=$(awk -F'\t' '$3 == "ghost"' "$manifest" | wc -l)
((ghosts > 0)) || { echo "FAIL: the manifest has no ghost"; exit 1; }
grep -q "; $ghosts ghosts not written" "$tmp/extract.log" ||
	{ echo "FAIL: the --extract summary does not count $ghosts ghosts: $(cat "$tmp/extract.log")"; exit 1; }

python3 - "$manifest" "$tmp/plain.csv" "$tmp/deep.csv" "$tmp/out" <<'PY'
import csv, hashlib, os, sys
manifest, plain_csv, deep_csv, out = sys.argv[1:]
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["path"]: r for r in csv.DictReader(f)}
plain, deep = rows(plain_csv), rows(deep_csv)
fails, counts = [], {}
for line in open(manifest, encoding="utf-8"):
    md5, size, state, rec, path = line.rstrip("\n").split("\t")
    counts[state] = counts.get(state, 0) + 1
    p = "/" + path
    if state in ("trace", "trace-deep"):
        listing = plain if state == "trace" else deep
        r = listing.get(p)
        if r is None or r["mft_record"] != rec or r["type"] != "file":
            fails.append(f"{state} {p} (record {rec}) is not listed at its path")
            continue
        got = os.path.join(out, path)
        if not os.path.isfile(got) or hashlib.md5(open(got, "rb").read()).hexdigest() != md5:
            fails.append(f"{state} {p}: extracted copy missing or with another md5")
    elif state == "orphan":
        if not any(r["mft_record"] == rec for r in deep.values()):
            fails.append(f"orphan {p} (record {rec}) is not listed")
    elif state == "ghost":
        r = deep.get(p)
        if r is None or r["type"] != "ghost":
            fails.append(f"ghost {p} is not listed as a ghost")
            continue
        if r["size"] != size or r["mft_record"] != rec or r["recoverable"] != "0":
            fails.append(f"ghost {p}: size {r['size']}, record {r['mft_record']}, "
                         f"recoverable {r['recoverable']}; want {size}, {rec}, 0")
        if r["created"][:27] != md5[:27]:
            fails.append(f"ghost {p}: created {r['created']}, want {md5}")
        if os.path.exists(os.path.join(out, path)):
            fails.append(f"ghost {p} was extracted")
        if p in plain and plain[p]["type"] != "ghost":
            fails.append(f"ghost {p} listed as {plain[p]['type']} by the default scan")
if counts.get("trace", 0) == 0 or counts.get("trace-deep", 0) == 0:
    fails.append(f"the manifest holds no trace or trace-deep file: {counts}")
for f in fails:
    print("FAIL: " + f)
print(f"checked {counts}")
sys.exit(1 if fails else 0)
PY

[[ "$(md5sum <"$img" | cut -d' ' -f1)" == "$image_md5" ]] || { echo "FAIL: the image changed"; exit 1; }
echo "scan-traces: ok"
