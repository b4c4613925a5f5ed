#!/usr/bin/env python3
"""Derives damaged NTFS images from the scripts/mkimages.sh test images, one way of damage
per image, for tests/integration/hostile/. Records are found through $MFT's runlist and
patched in memory form; their fixups are recomputed afterwards, except in the case about
fixups. Usage: mkhostile.py IMAGES_DIR OUT_DIR [CASE...]; prints the cases it wrote.

Cases (demo.img unless said otherwise; record numbers are those of its manifest):
  parent-cycle       two deleted directories, each the other's parent
  self-parent        a deleted directory that is its own parent
  run-boot           a deleted file's data run moved onto cluster 0 (the boot sector)
  run-off-volume     a deleted file's data run placed past the end of the volume
  size-2e63          a deleted file whose sizes claim 2^63 bytes
  fixup-mismatch     a deleted file's record whose second sector fails its fixup
  mft-1e12           $MFT's record 0 claiming 10^12 records
  attrlist-loop      two records whose attribute lists send each to the other
  trunc-boot, trunc-mft, trunc-half
                     the image cut after its boot sector, inside the MFT, at half its size
  lznt1-garbage      compressed.img with a compressed file's first clusters overwritten
                     by random bytes
  names              file names with control characters and escapes, 255 UTF-16 units,
                     unpaired surrogates, slashes and dot-dots, and ".." itself"""

import os
import random
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntfs_image as N  # noqa: E402


def load(path):
    with open(path, "rb") as f:
        return N.Image(bytearray(f.read()))


def save(img, path):
    with open(path, "wb") as f:
        f.write(img.data)


def set_parent(img, n, parent):
    rec, _ = img.record(n)
    _name, _p, v = img.file_name(rec)
    seq = N.u64(rec, v) >> 48
    struct.pack_into("<Q", rec, v, parent | seq << 48)
    img.write_record(n, rec)


def set_runs(img, n, runs):
    rec, _ = img.record(n)
    a = img.find_attr(rec, N.ATTR_DATA, "")
    _old, end = N.decode_runs(rec, a.runs_off)
    enc = N.encode_runs(runs)
    assert len(enc) <= end - a.runs_off, "new runlist does not fit"
    rec[a.runs_off:end] = enc + bytes(end - a.runs_off - len(enc))
    img.write_record(n, rec)


def resize_value(rec, a, new_len):
    """Grows or shrinks a resident attribute's value to new_len bytes (8-byte aligned
    attribute length), moving the attributes after it."""
    old_attr_len = a.length
    new_attr_len = (a.value_off - a.off + new_len + 7) & ~7
    delta = new_attr_len - old_attr_len
    used = N.u32(rec, 0x18)
    assert used + delta <= len(rec), "record full"
    tail = bytes(rec[a.off + old_attr_len:used])
    rec[a.off + new_attr_len:a.off + new_attr_len + len(tail)] = tail
    if delta < 0:
        rec[used + delta:used] = bytes(-delta)
    struct.pack_into("<I", rec, a.off + 4, new_attr_len)
    struct.pack_into("<I", rec, a.off + 0x10, new_len)
    struct.pack_into("<I", rec, 0x18, used + delta)


def rename(img, n, units):
    """Gives record n's first $FILE_NAME the UTF-16 code units `units`."""
    rec, _ = img.record(n)
    a = img.find_attr(rec, N.ATTR_FILE_NAME)
    resize_value(rec, a, 0x42 + 2 * len(units))
    rec[a.value_off + 0x40] = len(units)
    rec[a.value_off + 0x41] = 1  # Win32 namespace
    rec[a.value_off + 0x42:a.value_off + 0x42 + 2 * len(units)] = struct.pack(f"<{len(units)}H", *units)
    img.write_record(n, rec)


def add_attribute_list(img, n, other):
    """Inserts a resident $ATTRIBUTE_LIST into record n whose entry for the unnamed $DATA
    names record `other`."""
    rec, _ = img.record(n)
    si = img.find_attr(rec, N.ATTR_STANDARD_INFORMATION)
    at = si.off + si.length
    orec, _ = img.record(other)
    entry = struct.pack("<IHBBQQH", N.ATTR_DATA, 0x20, 0, 0x1A, 0,
                        other | N.u16(orec, 0x10) << 48, 0) + bytes(6)
    value_off = 0x18
    length = (value_off + len(entry) + 7) & ~7
    attr = struct.pack("<IIBBHHHIHBB", N.ATTR_ATTRIBUTE_LIST, length, 0, 0, 0x18, 0,
                       N.u16(rec, 0x28), len(entry), value_off, 0, 0)
    attr = (attr + entry).ljust(length, b"\0")
    used = N.u32(rec, 0x18)
    assert used + length <= len(rec)
    tail = bytes(rec[at:used])
    rec[at:at + length] = attr
    rec[at + length:at + length + len(tail)] = tail
    struct.pack_into("<I", rec, 0x18, used + length)
    struct.pack_into("<H", rec, 0x28, N.u16(rec, 0x28) + 1)
    img.write_record(n, rec)


def case_image(images, case):
    base = "compressed" if case == "lznt1-garbage" else "demo"
    return os.path.join(images, base + ".img")


def make(img, case):
    b = img.boot
    if case == "parent-cycle":
        set_parent(img, 65, 74)
        set_parent(img, 74, 65)
    elif case == "self-parent":
        set_parent(img, 74, 74)
    elif case == "run-boot":
        set_runs(img, 66, [(0, 0, 45)])
    elif case == "run-off-volume":
        set_runs(img, 66, [(0, b.size // b.cluster + 100, 45)])
    elif case == "size-2e63":
        rec, _ = img.record(67)
        a = img.find_attr(rec, N.ATTR_DATA, "")
        struct.pack_into("<QQQ", rec, a.off + 0x28, 1 << 63, 1 << 63, 1 << 63)
        img.write_record(67, rec)
    elif case == "fixup-mismatch":
        rec, off = img.record(68)
        N.fixup_apply(rec)
        rec[1022:1024] = b"\xde\xad"
        img.data[off:off + len(rec)] = rec
    elif case == "mft-1e12":
        rec, _ = img.record(0)
        a = img.find_attr(rec, N.ATTR_DATA, "")
        n = 10 ** 12 * b.record
        struct.pack_into("<QQQ", rec, a.off + 0x28, n, n, n)
        img.write_record(0, rec)
    elif case == "attrlist-loop":
        add_attribute_list(img, 75, 76)
        add_attribute_list(img, 76, 75)
    elif case == "lznt1-garbage":
        rng = random.Random(1)
        for n in (66, 69):
            rec, _ = img.record(n)
            runs, _ = N.decode_runs(rec, img.find_attr(rec, N.ATTR_DATA, "").runs_off)
            lcn, count = runs[0][1], min(runs[0][2], 4)
            img.data[lcn * b.cluster:(lcn + count) * b.cluster] = rng.randbytes(count * b.cluster)
    elif case == "names":
        rename(img, 68, [ord(c) for c in "a\x01\x07\n\x1b[31mred\x7f\\..\u202e"])
        rename(img, 71, [0x41 + i % 26 for i in range(255)])
        rename(img, 72, [0xD800, 0x41, 0xDC00, 0xDFFF, 0xD83D])
        rename(img, 75, [ord(c) for c in "../../escape"])
        rename(img, 76, [ord(c) for c in ".."])
    else:
        raise SystemExit(f"unknown case {case}")


TRUNCATIONS = {"trunc-boot": lambda b: 8192,
               "trunc-mft": lambda b: b.mft_lcn * b.cluster + 20 * 1024,
               "trunc-half": lambda b: b.size // 2}
CASES = ["parent-cycle", "self-parent", "run-boot", "run-off-volume", "size-2e63",
         "fixup-mismatch", "mft-1e12", "attrlist-loop", "lznt1-garbage", "names"] + list(TRUNCATIONS)


def main():
    images, out = sys.argv[1:3]
    cases = sys.argv[3:] or CASES
    os.makedirs(out, exist_ok=True)
    for case in cases:
        src = case_image(images, case)
        dst = os.path.join(out, case + ".img")
        if case in TRUNCATIONS:
            shutil.copyfile(src, dst)
            with open(dst, "r+b") as f:
                f.truncate(TRUNCATIONS[case](N.Boot(f.read(512))))
        else:
            img = load(src)
            make(img, case)
            save(img, dst)
        print(case)


if __name__ == "__main__":
    main()
