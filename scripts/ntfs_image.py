"""Small NTFS reader and patcher for test tooling: boot sector geometry, MFT records with
their update sequence (fixups), attributes and runlists. Used by scripts/fuzz-seeds.py to
carve seeds and by scripts/mkhostile.py to damage copies of the test images; it trusts its
input (the test images), it is not a parser for hostile data."""

import struct

ATTR_STANDARD_INFORMATION = 0x10
ATTR_ATTRIBUTE_LIST = 0x20
ATTR_FILE_NAME = 0x30
ATTR_DATA = 0x80
ATTR_INDEX_ROOT = 0x90
ATTR_INDEX_ALLOCATION = 0xA0
ATTR_BITMAP = 0xB0
ATTR_END = 0xFFFFFFFF

RECORD_IN_USE = 0x01
RECORD_DIRECTORY = 0x02


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


class Boot:
    def __init__(self, raw):
        self.sector = u16(raw, 0x0B)
        spc = raw[0x0D]
        self.cluster = self.sector * (spc if spc <= 0x80 else 1 << (256 - spc))
        self.total_sectors = u64(raw, 0x28)
        self.size = self.total_sectors * self.sector
        self.mft_lcn = u64(raw, 0x30)
        self.mirr_lcn = u64(raw, 0x38)
        rec = raw[0x40]
        self.record = rec * self.cluster if rec < 0x80 else 1 << (256 - rec)


def fixup_remove(rec, stride=512):
    """Applies the update sequence in place (disk form -> memory form); False on mismatch."""
    usa, count = u16(rec, 4), u16(rec, 6)
    usn = rec[usa:usa + 2]
    ok = True
    for i in range(1, count):
        end = i * stride
        if end > len(rec):
            break
        if rec[end - 2:end] != usn:
            ok = False
        rec[end - 2:end] = rec[usa + 2 * i:usa + 2 * i + 2]
    return ok


def fixup_apply(rec, stride=512):
    """Memory form -> disk form: saves each stride's last two bytes into the array and
    writes the update sequence number there instead."""
    usa, count = u16(rec, 4), u16(rec, 6)
    usn = rec[usa:usa + 2]
    for i in range(1, count):
        end = i * stride
        if end > len(rec):
            break
        rec[usa + 2 * i:usa + 2 * i + 2] = rec[end - 2:end]
        rec[end - 2:end] = usn


class Attr:
    def __init__(self, rec, off):
        self.off = off
        self.type = u32(rec, off)
        self.length = u32(rec, off + 4)
        self.non_resident = rec[off + 8]
        name_len, name_off = rec[off + 9], u16(rec, off + 0x0A)
        self.name = bytes(rec[off + name_off:off + name_off + 2 * name_len]).decode("utf-16-le", "replace")
        self.flags = u16(rec, off + 0x0C)
        if self.non_resident:
            self.start_vcn = u64(rec, off + 0x10)
            self.runs_off = off + u16(rec, off + 0x20)
            self.compression_unit = u16(rec, off + 0x22)
            self.allocated = u64(rec, off + 0x28)
            self.size = u64(rec, off + 0x30)
            self.initialized = u64(rec, off + 0x38)
        else:
            self.value_len = u32(rec, off + 0x10)
            self.value_off = off + u16(rec, off + 0x14)
            self.size = self.value_len


def attributes(rec):
    off = u16(rec, 0x14)
    while off + 8 <= len(rec):
        try:
            a = Attr(rec, off)
        except (struct.error, IndexError):
            return
        if a.type == ATTR_END or a.length < 0x18 or off + a.length > len(rec):
            return
        yield a
        off += a.length


def grow_attr(rec, a, extra):
    """Makes attribute `a` `extra` bytes longer (rounded up to 8) at its end, moving the
    attributes after it; the record must have the room."""
    extra = (extra + 7) & ~7
    used = u32(rec, 0x18)
    assert used + extra <= len(rec), "record full"
    end = a.off + a.length
    tail = bytes(rec[end:used])
    rec[end:end + extra] = bytes(extra)
    rec[end + extra:end + extra + len(tail)] = tail
    struct.pack_into("<I", rec, a.off + 4, a.length + extra)
    struct.pack_into("<I", rec, 0x18, used + extra)
    a.length += extra


def decode_runs(rec, off):
    """[(vcn, lcn or None, count)], and the offset just past the terminating byte."""
    runs, vcn, lcn = [], 0, 0
    while off < len(rec) and rec[off] != 0:
        h = rec[off]
        ln, lo = h & 0x0F, h >> 4
        count = int.from_bytes(rec[off + 1:off + 1 + ln], "little")
        if lo:
            lcn += int.from_bytes(rec[off + 1 + ln:off + 1 + ln + lo], "little", signed=True)
            runs.append((vcn, lcn, count))
        else:
            runs.append((vcn, None, count))
        vcn += count
        off += 1 + ln + lo
    return runs, off + 1


def _int_bytes(v, signed):
    n = 1
    while True:
        try:
            return v.to_bytes(n, "little", signed=signed)
        except OverflowError:
            n += 1


def encode_runs(runs):
    out, prev = bytearray(), 0
    for _vcn, lcn, count in runs:
        ln = _int_bytes(count, False)
        if lcn is None:
            out += bytes([len(ln)]) + ln
        else:
            lo = _int_bytes(lcn - prev, True)
            out += bytes([len(ln) | len(lo) << 4]) + ln + lo
            prev = lcn
    return out + b"\0"


class Image:
    """A volume image (a file, or a bytearray); records are read through $MFT's runlist."""

    def __init__(self, data):
        self.data = data
        self.boot = Boot(bytes(data[:512]))
        b = self.boot
        rec0 = self.read_at(b.mft_lcn * b.cluster, b.record)
        fixup_remove(rec0)
        self.mft_runs = []
        for a in attributes(rec0):
            if a.type == ATTR_DATA and a.non_resident and a.name == "":
                self.mft_runs, _ = decode_runs(rec0, a.runs_off)
                self.records = a.size // b.record

    def read_at(self, off, length):
        return bytearray(self.data[off:off + length])

    def record_offset(self, n):
        b = self.boot
        byte = n * b.record
        vcn, within = divmod(byte, b.cluster)
        for v, lcn, count in self.mft_runs:
            if v <= vcn < v + count and lcn is not None:
                return (lcn + vcn - v) * b.cluster + within
        raise KeyError(f"record {n} not mapped")

    def record(self, n):
        """(memory-form record, its byte offset in the image)."""
        off = self.record_offset(n)
        rec = self.read_at(off, self.boot.record)
        fixup_remove(rec)
        return rec, off

    def write_record(self, n, rec, fix=True):
        """Writes a memory-form record back, recomputing its fixups unless fix=False (then
        rec is written as it is)."""
        rec = bytearray(rec)
        if fix:
            fixup_apply(rec)
        off = self.record_offset(n)
        self.data[off:off + len(rec)] = rec

    def find_attr(self, rec, type_, name=None):
        for a in attributes(rec):
            if a.type == type_ and (name is None or a.name == name):
                return a
        return None

    def file_name(self, rec):
        """(name, parent record number, offset of the $FILE_NAME value) of the first name."""
        a = self.find_attr(rec, ATTR_FILE_NAME)
        if a is None:
            return None
        v = a.value_off
        n = rec[v + 0x40]
        name = bytes(rec[v + 0x42:v + 0x42 + 2 * n]).decode("utf-16-le", "replace")
        return name, u64(rec, v) & 0xFFFFFFFFFFFF, v
