#!/usr/bin/env python3
"""Gives an mkntfs + ntfs-3g image a change journal, as Windows lays it out: the file
$Extend/$UsnJrnl whose named stream $J is sparse (a leading hole) and holds USN_RECORD_V2
records, 8-byte aligned, never crossing a 4096-byte page, the USN of each being its offset
in the stream. ntfs-3g writes no journal and refuses to create files in $Extend, so the
image must already hold the carrier: a file moved into $Extend under a name of 8 characters
that sorts after "$Reparse" (such as ZUsnJrnl), with a named stream $J written past a hole.
This script renames it to $UsnJrnl (its $FILE_NAME and its entry in $Extend's index root),
then writes the records into the clusters $J maps after the hole.

    scripts/mkusnjrnl.py IMAGE EVENTS [--carrier ZUsnJrnl] [--stream-out FILE]

EVENTS has one record a line (blank lines and # comments skipped):

    REASONS  TIME  FILE  PARENT  NAME
    page                                  (the next record starts a new page)

REASONS joins create, delete, close, rename_old, rename_new, data_extend, data_overwrite
with '|'. TIME is ISO 8601 UTC (2024-03-01T10:00:00.5Z). FILE and PARENT are MFT record
numbers, or RECORD/SEQUENCE. Without a sequence the record's own is taken, and for a
record that is no longer in use the one before it: NTFS increments the sequence when it
frees a record, and the journal names a file by the reference it had while it lived. NAME
is the rest of the line. --stream-out writes the whole $J stream as a reader gets it (the
hole as zeros), to compare with `icat`. The image is changed in place."""

import argparse
import datetime
import struct
import sys

import ntfs_image as ni

PAGE = 4096
REASONS = {
    "data_overwrite": 0x1, "data_extend": 0x2, "data_truncation": 0x4,
    "create": 0x100, "delete": 0x200, "rename_old": 0x1000, "rename_new": 0x2000,
    "close": 0x80000000,
}
EPOCH_1601 = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def die(msg):
    sys.exit(f"mkusnjrnl: {msg}")


def filetime(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    d = t - EPOCH_1601
    return (d.days * 86400 + d.seconds) * 10_000_000 + d.microseconds * 10


def reference(img, text):
    """RECORD or RECORD/SEQUENCE -> the 64-bit reference the journal would write."""
    if "/" in text:
        record, seq = (int(x, 0) for x in text.split("/"))
    else:
        record = int(text, 0)
        rec, _ = img.record(record)
        seq = ni.u16(rec, 0x10)
        if not ni.u16(rec, 0x16) & ni.RECORD_IN_USE:
            seq = 0xFFFF if seq == 1 else seq - 1
    return record | seq << 48


def v2_record(file_ref, parent_ref, usn, time, reason, name):
    units = name.encode("utf-16-le")
    length = (0x3C + len(units) + 7) & ~7
    rec = bytearray(length)
    struct.pack_into("<IHHQQqqIIIIHH", rec, 0, length, 2, 0, file_ref, parent_ref, usn, time,
                     reason, 0, 0, 0x20, len(units), 0x3C)
    rec[0x3C:0x3C + len(units)] = units
    return bytes(rec)


def build_records(img, events_path, first_usn, room):
    """The stream's bytes from first_usn on, `room` bytes at most."""
    out = bytearray()
    for lineno, line in enumerate(open(events_path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line == "page":
            out += bytes(-len(out) % PAGE)
            continue
        try:
            reasons, time, file_ref, parent_ref, name = line.split(None, 4)
            reason = 0
            for word in reasons.split("|"):
                reason |= REASONS[word]
            rec = None
            usn = first_usn + len(out)
            rec = v2_record(reference(img, file_ref), reference(img, parent_ref), usn,
                            filetime(time), reason, name)
        except (ValueError, KeyError) as e:
            die(f"{events_path}:{lineno}: {e}")
        if len(out) % PAGE + len(rec) > PAGE:  # a record never crosses a page
            out += bytes(-len(out) % PAGE)
        out += rec
    if len(out) > room:
        die(f"{len(out)} bytes of records, but $J maps {room} bytes after its hole")
    return bytes(out)


def rename_in_extend(img, carrier, new):
    """The carrier's entry in $Extend's index root gets the new name; its reference."""
    rec, _ = img.record(11)
    root = img.find_attr(rec, ni.ATTR_INDEX_ROOT, "$I30")
    if root is None:
        die("$Extend has no $I30 index root")
    header = root.value_off + 0x10
    off, end = header + ni.u32(rec, header), header + ni.u32(rec, header + 4)
    while off < end:
        length, key_length, flags = ni.u16(rec, off + 8), ni.u16(rec, off + 10), ni.u16(rec, off + 12)
        if flags & 0x2 or length == 0:
            break
        fn = off + 0x10
        n = rec[fn + 0x40]
        if key_length and bytes(rec[fn + 0x42:fn + 0x42 + 2 * n]).decode("utf-16-le") == carrier:
            rec[fn + 0x42:fn + 0x42 + 2 * n] = new.encode("utf-16-le")
            img.write_record(11, rec)
            return ni.u64(rec, off) & 0xFFFFFFFFFFFF
        off += length
    die(f"$Extend's index root has no {carrier} (an index block is not handled)")


def rename_record(img, number, carrier, new):
    rec, _ = img.record(number)
    name, parent, v = img.file_name(rec)
    if name != carrier or parent != 11:
        die(f"record {number} is {name} in record {parent}, not {carrier} in $Extend")
    rec[v + 0x42:v + 0x42 + 2 * len(new)] = new.encode("utf-16-le")
    img.write_record(number, rec)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image")
    ap.add_argument("events")
    ap.add_argument("--carrier", default="ZUsnJrnl")
    ap.add_argument("--stream-out")
    args = ap.parse_args()
    new = "$UsnJrnl"
    if len(args.carrier) != len(new) or args.carrier.upper() <= "$REPARSE":
        die("the carrier's name must have 8 characters and sort after $Reparse")
    with open(args.image, "rb") as f:
        data = bytearray(f.read())
    img = ni.Image(data)
    cs = img.boot.cluster
    number = rename_in_extend(img, args.carrier, new)
    rec = rename_record(img, number, args.carrier, new)
    j = img.find_attr(rec, ni.ATTR_DATA, "$J")
    if j is None or not j.non_resident or j.start_vcn != 0:
        die(f"record {number} has no non-resident $J in its base record")
    runs, _ = ni.decode_runs(rec, j.runs_off)
    if not runs or runs[0][1] is not None or any(lcn is None for _v, lcn, _n in runs[1:]):
        die(f"$J should be a hole then clusters: {runs}")
    hole = runs[1][0] * cs if len(runs) > 1 else die("$J maps no clusters")
    records = build_records(img, args.events, hole, j.size - hole)
    region = records + bytes(j.size - hole - len(records))
    at = 0
    for _vcn, lcn, count in runs[1:]:
        chunk = region[at:at + count * cs]
        data[lcn * cs:lcn * cs + len(chunk)] = chunk
        at += len(chunk)
    with open(args.image, "r+b") as f:
        f.write(data)
    if args.stream_out:
        with open(args.stream_out, "wb") as f:
            f.write(bytes(hole) + region)
    print(f"$UsnJrnl is record {number}; $J: {hole} bytes of hole, {len(records)} bytes of records")


if __name__ == "__main__":
    main()
