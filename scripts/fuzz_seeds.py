#!/usr/bin/env python3
"""Carves the fuzz seed corpora (tests/fuzz/corpus/<target>/) from the NTFS test images,
the Windows-written fixtures and the BitLocker fixture volumes. Run by scripts/fuzz-seeds.sh,
which says where each comes from. Every seed is small: a sector, a record, a runlist, a
compression unit, an FVE metadata block, or a whole volume shrunk to 256 KiB."""

import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntfs_image as N  # noqa: E402

# tests/fuzz/fuzz_volume.c: a 256 KiB volume of 1 KiB clusters and 1 KiB records, $MFT at
# LCN 8 and $MFTMirr at LCN 1; the input is the volume from byte 1024 on, the rest zeros.
VOL_CLUSTER = 1024
VOL_CLUSTERS = 256
VOL_MFT_LCN = 8
VOL_MIRR_LCN = 1
VOL_INPUT_AT = 1024
# Records kept: the system files (0 .. 26) and the first user records from 64 on; 27 .. 63
# (empty on the test images) are mapped by $MFT's runlist onto zero clusters past the input.
VOL_SYSTEM_RECORDS = 27
VOL_FIRST_USER = 64
VOL_USER_RECORDS = 24
# System files whose contents restorefs never reads: their data is left out (sparse).
VOL_NO_DATA = {2, 4, 7, 8, 9, 10}


def put(corpus, target, data, label):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    name = f"{label}-{hashlib.sha1(data).hexdigest()[:8]}"
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def trim(data):
    return bytes(data).rstrip(b"\0") or b"\0"


def set_sizes(rec, attr_off, last_vcn, allocated, size, initialized):
    struct.pack_into("<Q", rec, attr_off + 0x18, last_vcn)
    struct.pack_into("<QQQ", rec, attr_off + 0x28, allocated, size, initialized)


# ---- a test image shrunk into fuzz_volume's geometry ---------------------------------------

class Shrinker:
    """Copies an image's system records and first user records into fuzz_volume's geometry:
    every non-resident attribute keeps its first 2 KiB (an index block, a compression unit
    of 16 KiB for compressed ones, its compressed bytes cut to 6 KiB), moved with its data
    to fresh clusters; $MFT, $MFTMirr and $Bitmap are rewritten to match."""

    def __init__(self, img):
        self.img = img
        self.vol = bytearray(VOL_CLUSTERS * VOL_CLUSTER)
        self.low = min(img.records, VOL_SYSTEM_RECORDS)
        self.high = range(VOL_FIRST_USER, min(img.records, VOL_FIRST_USER + VOL_USER_RECORDS))
        hole = VOL_FIRST_USER - VOL_SYSTEM_RECORDS
        self.mft_runs = [(0, VOL_MFT_LCN, self.low)]
        self.next_free = VOL_MFT_LCN + self.low
        if len(self.high):
            self.mft_runs.append((VOL_SYSTEM_RECORDS, VOL_CLUSTERS - hole, hole))
            self.mft_runs.append((VOL_FIRST_USER, self.next_free, len(self.high)))
            self.next_free += len(self.high)
        self.records = self.high[-1] + 1 if len(self.high) else self.low
        self.used = set(range(0, self.next_free)) | set(range(VOL_CLUSTERS - hole, VOL_CLUSTERS))

    def alloc(self, count):
        if self.next_free + count > VOL_CLUSTERS - (VOL_FIRST_USER - VOL_SYSTEM_RECORDS):
            return None
        lcn = self.next_free
        self.next_free += count
        return lcn

    def read_attr(self, runs, nbytes):
        """The first nbytes of an attribute of the source image (zeros for sparse runs)."""
        c = self.img.boot.cluster
        out = bytearray()
        for _v, lcn, count in runs:
            if len(out) >= nbytes:
                break
            out += bytes(count * c) if lcn is None else self.img.read_at(lcn * c, count * c)
        return out[:nbytes]

    def move_attr(self, rec, a, in_use, n):
        if a.start_vcn != 0:
            return
        runs, end = N.decode_runs(rec, a.runs_off)
        if n in VOL_NO_DATA:
            runs = [(0, None, 1)]
        if a.compression_unit:
            unit = 16
            stored = sum(c for _v, lcn, c in runs[:2] if lcn is not None) * self.img.boot.cluster
            keep_bytes = min(stored, 6 * VOL_CLUSTER)
        else:
            unit = 4 if a.type == N.ATTR_INDEX_ALLOCATION else 2
            keep_bytes = unit * VOL_CLUSTER if runs and runs[0][1] is not None else 0
        count = (keep_bytes + VOL_CLUSTER - 1) // VOL_CLUSTER
        lcn = self.alloc(count) if count else None
        if lcn is not None:
            self.vol[lcn * VOL_CLUSTER:lcn * VOL_CLUSTER + keep_bytes] = self.read_attr(runs, keep_bytes)
            if in_use:
                self.used.update(range(lcn, lcn + count))
            new_runs = [(0, lcn, count)] + ([(count, None, unit - count)] if count < unit else [])
        else:
            new_runs = [(0, None, unit)]
        self.set_runs(rec, a, new_runs, unit * VOL_CLUSTER, min(a.size, unit * VOL_CLUSTER))
        if a.compression_unit and a.length >= 0x48:
            struct.pack_into("<Q", rec, a.off + 0x40, count * VOL_CLUSTER if lcn is not None else 0)

    def set_runs(self, rec, a, runs, allocated, size):
        enc = N.encode_runs(runs)
        room = a.off + a.length - a.runs_off
        if len(enc) > room:
            N.grow_attr(rec, a, len(enc) - room)
            room = a.off + a.length - a.runs_off
        rec[a.runs_off:a.runs_off + room] = enc + bytes(room - len(enc))
        last = runs[-1][0] + runs[-1][2]
        set_sizes(rec, a.off, max(last, 1) - 1, allocated, size, min(a.initialized, size))

    def run(self):
        img = self.img
        bitmap = None
        for n in list(range(self.low)) + list(self.high):
            try:
                rec, _ = img.record(n)
            except KeyError:
                continue
            if rec[:4] == b"FILE":
                in_use = N.u16(rec, 0x16) & N.RECORD_IN_USE
                for a in N.attributes(rec):
                    if not a.non_resident:
                        continue
                    if n == 0 and a.type == N.ATTR_DATA and a.name == "":
                        size = self.records * VOL_CLUSTER
                        self.set_runs(rec, a, self.mft_runs, size, size)
                    elif n == 1 and a.type == N.ATTR_DATA and a.name == "":
                        self.set_runs(rec, a, [(0, VOL_MIRR_LCN, 4)], 4096, 4096)
                    else:
                        self.move_attr(rec, a, in_use, n)
                        if n == 6 and a.type == N.ATTR_DATA:
                            bitmap = (rec, a)
                if bitmap is not None and bitmap[0] is rec:
                    continue  # written once every record has claimed its clusters
                N.fixup_apply(rec)
            self.put_record(n, rec)
        if bitmap is not None:
            rec, a = bitmap
            self.bitmap(rec, a)
            N.fixup_apply(rec)
            self.put_record(6, rec)
        mft, mirr = VOL_MFT_LCN * VOL_CLUSTER, VOL_MIRR_LCN * VOL_CLUSTER
        self.vol[mirr:mirr + 4096] = self.vol[mft:mft + 4096]
        return trim(self.vol[VOL_INPUT_AT:])

    def put_record(self, n, rec):
        for v, lcn, count in self.mft_runs:
            if v <= n < v + count:
                at = (lcn + n - v) * VOL_CLUSTER
                self.vol[at:at + VOL_CLUSTER] = rec[:VOL_CLUSTER]

    def bitmap(self, rec, a):
        runs, _ = N.decode_runs(rec, a.runs_off)
        if not runs or runs[0][1] is None:
            return
        bits = bytearray(VOL_CLUSTERS // 8)
        for c in self.used:
            bits[c // 8] |= 1 << (c % 8)
        at = runs[0][1] * VOL_CLUSTER
        self.vol[at:at + len(bits)] = bits
        struct.pack_into("<QQQ", rec, a.off + 0x28, 2 * VOL_CLUSTER, len(bits), len(bits))


# ---- carving ---------------------------------------------------------------------------------

def ntfs_image_seeds(corpus, path):
    base = os.path.basename(path)[:-4]
    with open(path, "rb") as f:
        img = N.Image(bytearray(f.read()))
    put(corpus, "boot_sector", bytes(img.data[:512]), base)
    if img.boot.record == 1024 and img.boot.cluster == 4096:
        put(corpus, "volume", Shrinker(img).run(), base)
    runlists = []
    for n in range(min(img.records, 128)):
        try:
            rec, off = img.record(n)
        except KeyError:
            continue
        if rec[:4] != b"FILE":
            continue
        if n in (0, 5, 66):
            put(corpus, "fixup", bytes(img.read_at(off, img.boot.record)), f"{base}-rec{n}")
        for a in N.attributes(rec):
            if not a.non_resident:
                continue
            runs, end = N.decode_runs(rec, a.runs_off)
            runlists.append((len(runs), bytes(rec[a.runs_off:end])))
            if a.compression_unit and a.start_vcn == 0 and "comp" in base:
                unit = bytearray()
                for _v, lcn, count in runs:
                    if lcn is None or len(unit) >= 16 * img.boot.cluster:
                        break
                    unit += img.read_at(lcn * img.boot.cluster, count * img.boot.cluster)
                    if len(unit) >= 16 * img.boot.cluster:
                        break
                if unit and len(unit) < 16 * img.boot.cluster:
                    put(corpus, "lznt1", trim(unit), f"{base}-rec{n}")
    runlists.sort(reverse=True)
    for i, (_count, pairs) in enumerate(runlists[:3]):
        put(corpus, "runlist", bytes([1 if i % 2 else 0]) + pairs, f"{base}-{i}")
    # The MFT as fuzz_mft_scan sees it: records 0.. of one image, at most 64.
    if img.boot.record == 1024 and "sector4k" not in base:
        mft = bytearray()
        for n in range(min(img.records, 24)):
            mft += img.read_at(img.record_offset(n), 1024)
        put(corpus, "mft_scan", bytes(mft), base)


def carve_seeds(corpus, path):
    """fuzz_carve's input: a flags byte, then free space holding old FILE records, here the
    first 47 KiB past the first record a quick format left behind (`formatted` image)."""
    base = os.path.basename(path)[:-4]
    with open(path, "rb") as f:
        data = f.read()
    for off in range(0, len(data) - 1024, 1024):
        if data[off:off + 4] == b"FILE" and N.u16(data, off + 4) >= 0x30 and N.u32(data, off + 0x2C) >= 100:
            put(corpus, "carve", b"\x00" + data[off:off + 47 * 1024], base)
            put(corpus, "carve", b"\x01" + data[off:off + 47 * 1024], base + "-all")
            return


def windows_seeds(corpus, d):
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        with open(p, "rb") as f:
            data = f.read()
        stem = name.replace(".", "-")
        if name.endswith(".boot"):
            put(corpus, "boot_sector", data[:512], stem)
        elif name.endswith(".mft") and not name.startswith("4k-"):
            put(corpus, "mft_scan", data[:32 * 1024], stem)
            for n in (0, 5, 40):
                put(corpus, "fixup", data[n * 1024:(n + 1) * 1024], f"{stem}-rec{n}")
        elif name.startswith("4k-large.mft"):
            put(corpus, "fixup", data[:4096], stem)


def index_root_value(mft, n):
    """The first $INDEX_ROOT value of record n of a 1 KiB-record $MFT, fixups applied."""
    rec = bytearray(mft[n * 1024:(n + 1) * 1024])
    usa, count = struct.unpack_from("<HH", rec, 4)
    for i in range(1, count):
        rec[i * 512 - 2:i * 512] = rec[usa + 2 * i:usa + 2 * i + 2]
    a = N.u16(rec, 0x14)
    while a + 8 <= len(rec):
        kind, length = struct.unpack_from("<II", rec, a)
        if kind == 0xFFFFFFFF or length == 0:
            break
        if kind == 0x90:
            size, off = struct.unpack_from("<IH", rec, a + 0x10)
            return bytes(rec[a + off:a + off + size])
        a += length
    return None


def trace_seeds(corpus, d, unit_data):
    """index_entry (first byte: 0 root, 1 block, 2 sweep), name_claims (blocks one after
    the other), usn and usn_join: the INDX blocks under tests/unit/data/, $INDEX_ROOT values
    of orphan.mft, slices of usnjrnlj.bin (for usn and usn_join)."""
    blocks = []
    for name in ("misc", "root"):
        with open(os.path.join(unit_data, f"basic-{name}.indx"), "rb") as f:
            block = f.read()
        blocks.append(block)
        put(corpus, "index_entry", b"\x01" + block, f"basic-{name}-block")
        put(corpus, "name_claims", block, f"basic-{name}")
        if name == "misc":
            put(corpus, "index_entry", b"\x02" + bytes(1024) + block + b"\xff" * 512,
                "basic-misc-sweep")
    put(corpus, "name_claims", b"".join(blocks), "basic-both")
    with open(os.path.join(d, "orphan.mft"), "rb") as f:
        mft = f.read()
    for n, label in ((11, "extend"), (30, "txflog"), (5, "rootdir")):
        value = index_root_value(mft, n)
        if value is not None:
            put(corpus, "index_entry", b"\x00" + value, f"orphan-root-{label}")
    with open(os.path.join(d, "usnjrnlj.bin"), "rb") as f:
        j = f.read()
    for target in ("usn", "usn_join"):
        put(corpus, target, j[0:4096], "usnjrnlj-page0")
        put(corpus, target, j[8192:12288], "usnjrnlj-page2-v4")
        put(corpus, target, j[28672:], "usnjrnlj-tail")
        put(corpus, target, j[40:2048], "usnjrnlj-mid-record")
        put(corpus, target, bytes(3 * 4096) + j[0:160], "hole-then-record")
        put(corpus, target, j[0:80], "usnjrnlj-one-record")


def bitlocker_seeds(corpus, d):
    for name in sorted(os.listdir(d)):
        if name.endswith(".BEK"):
            with open(os.path.join(d, name), "rb") as f:
                put(corpus, "fve_keys", f.read(), name[:-4].lower() + "-bek")
            continue
        if not name.endswith(".img"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        stem = name[:-4]
        put(corpus, "fve_metadata", data[:512], f"{stem}-header")
        at = data.find(b"-FVE-FS-")
        if at >= 0:
            size = N.u16(data, at + 8) * 16
            if 0 < size <= 60 * 1024:
                put(corpus, "fve_metadata", data[at:at + size + 256], f"{stem}-block")
                put(corpus, "fve_keys", data[at:at + size], f"{stem}-block")


def main():
    corpus, images, windows, bitlk, disks = sys.argv[1:6]
    for name in sorted(os.listdir(images)):
        if name.endswith(".img"):
            ntfs_image_seeds(corpus, os.path.join(images, name))
        if name == "formatted.img":
            carve_seeds(corpus, os.path.join(images, name))
    windows_seeds(corpus, windows)
    trace_seeds(corpus, windows, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                              "..", "tests", "unit", "data"))
    if os.path.isdir(bitlk):
        bitlocker_seeds(corpus, bitlk)
    for name in sorted(os.listdir(disks)):
        with open(os.path.join(disks, name), "rb") as f:
            put(corpus, "partition", trim(f.read()), name)


if __name__ == "__main__":
    main()
