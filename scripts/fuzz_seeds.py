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

# tests/fuzz/fuzz_volume.c: a 256 KiB volume of 4 KiB clusters, 1 KiB records, the MFT at
# LCN 4 and its mirror at LCN 2; the input is the volume from byte 4096 on.
VOL_CLUSTER = 4096
VOL_CLUSTERS = 64
VOL_MFT_LCN = 4
VOL_MIRR_LCN = 2
VOL_INPUT_AT = 4096
VOL_MAX_RECORDS = 96


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
    """Copies the first records of an image into a 64-cluster volume: every non-resident
    attribute keeps its first clusters (a compression unit for compressed ones), moved to
    fresh clusters with their data; what does not fit becomes sparse."""

    def __init__(self, img):
        self.img = img
        self.vol = bytearray(VOL_CLUSTERS * VOL_CLUSTER)
        n = min(img.records, VOL_MAX_RECORDS)
        self.records = n
        self.mft_clusters = (n * img.boot.record + VOL_CLUSTER - 1) // VOL_CLUSTER
        self.next_free = VOL_MFT_LCN + self.mft_clusters
        self.used = set(range(0, self.next_free))

    def alloc(self, count):
        if self.next_free + count > VOL_CLUSTERS:
            return None
        lcn = self.next_free
        self.next_free += count
        return lcn

    def move_attr(self, rec, a, in_use):
        src_cluster = self.img.boot.cluster
        if a.start_vcn != 0 or src_cluster != VOL_CLUSTER:
            return
        runs, end = N.decode_runs(rec, a.runs_off)
        compressed = a.compression_unit != 0
        keep = 16 if compressed else 2
        new_runs, vcn = [], 0
        for _v, lcn, count in runs:
            if vcn >= keep:
                break
            count = min(count, keep - vcn)
            new_lcn = None if lcn is None else self.alloc(count)
            if new_lcn is not None:
                data = self.img.read_at(lcn * src_cluster, count * src_cluster)
                self.vol[new_lcn * VOL_CLUSTER:(new_lcn + count) * VOL_CLUSTER] = data
                if in_use:
                    self.used.update(range(new_lcn, new_lcn + count))
            new_runs.append((vcn, new_lcn, count))
            vcn += count
        enc = N.encode_runs(new_runs)
        if len(enc) > end - a.runs_off:
            return
        rec[a.runs_off:end] = enc + bytes(end - a.runs_off - len(enc))
        alloc = vcn * VOL_CLUSTER
        size = min(a.size, alloc)
        o = a.off
        set_sizes(rec, o, max(vcn, 1) - 1, alloc, size, min(a.initialized, size))
        if compressed and a.length >= 0x48:
            real = sum(c for _v, lcn, c in new_runs if lcn is not None)
            struct.pack_into("<Q", rec, o + 0x40, real * VOL_CLUSTER)

    def run(self):
        img, rs = self.img, self.img.boot.record
        bitmap_at = bitmap_rec = None
        for n in range(self.records):
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
                        self.mft_data(rec, a)
                    elif n == 1 and a.type == N.ATTR_DATA and a.name == "":
                        self.mirror_data(rec, a)
                    else:
                        self.move_attr(rec, a, in_use)
                        if n == 6 and a.type == N.ATTR_DATA:
                            bitmap_at = a
                if n == 6 and bitmap_at is not None:
                    bitmap_rec = rec  # written once every record has claimed its clusters
                    continue
                N.fixup_apply(rec)
            self.put_record(n, rec)
        if bitmap_at is not None:
            self.bitmap(bitmap_rec, bitmap_at)
            N.fixup_apply(bitmap_rec)
            self.put_record(6, bitmap_rec)
        mirr = VOL_MIRR_LCN * VOL_CLUSTER
        mft = VOL_MFT_LCN * VOL_CLUSTER
        self.vol[mirr:mirr + 4 * rs] = self.vol[mft:mft + 4 * rs]
        return trim(self.vol[VOL_INPUT_AT:])

    def put_record(self, n, rec):
        rs = self.img.boot.record
        at = VOL_MFT_LCN * VOL_CLUSTER + n * rs
        self.vol[at:at + rs] = rec

    def mft_data(self, rec, a):
        runs, end = N.decode_runs(rec, a.runs_off)
        enc = N.encode_runs([(0, VOL_MFT_LCN, self.mft_clusters)])
        rec[a.runs_off:end] = enc + bytes(end - a.runs_off - len(enc))
        size = self.records * self.img.boot.record
        set_sizes(rec, a.off, self.mft_clusters - 1, self.mft_clusters * VOL_CLUSTER, size, size)

    def mirror_data(self, rec, a):
        runs, end = N.decode_runs(rec, a.runs_off)
        enc = N.encode_runs([(0, VOL_MIRR_LCN, 1)])
        rec[a.runs_off:end] = enc + bytes(end - a.runs_off - len(enc))
        set_sizes(rec, a.off, 0, VOL_CLUSTER, VOL_CLUSTER, VOL_CLUSTER)

    def bitmap(self, rec, a):
        runs, _ = N.decode_runs(rec, a.runs_off)
        if not runs or runs[0][1] is None:
            return
        bits = bytearray(VOL_CLUSTERS // 8)
        for c in self.used:
            bits[c // 8] |= 1 << (c % 8)
        at = runs[0][1] * VOL_CLUSTER
        self.vol[at:at + VOL_CLUSTER] = bytes(bits) + bytes(VOL_CLUSTER - len(bits))
        struct.pack_into("<QQQ", rec, a.off + 0x28, VOL_CLUSTER, len(bits), len(bits))


# ---- carving ---------------------------------------------------------------------------------

def ntfs_image_seeds(corpus, path):
    base = os.path.basename(path)[:-4]
    with open(path, "rb") as f:
        img = N.Image(bytearray(f.read()))
    put(corpus, "boot_sector", bytes(img.data[:512]), base)
    if img.boot.cluster == VOL_CLUSTER and img.boot.record == 1024:
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


def bitlocker_seeds(corpus, d):
    for name in sorted(os.listdir(d)):
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


def main():
    corpus, images, windows, bitlk, disks = sys.argv[1:6]
    for name in sorted(os.listdir(images)):
        if name.endswith(".img"):
            ntfs_image_seeds(corpus, os.path.join(images, name))
    windows_seeds(corpus, windows)
    if os.path.isdir(bitlk):
        bitlocker_seeds(corpus, bitlk)
    for name in sorted(os.listdir(disks)):
        with open(os.path.join(disks, name), "rb") as f:
            put(corpus, "partition", trim(f.read()), name)


if __name__ == "__main__":
    main()
