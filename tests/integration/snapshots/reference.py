#!/usr/bin/env python3
"""reference.py LIVE_IMAGE LIVE_SECTOR COPY_FILE...: the files of each shadow copy (files
that vshadowmount exposes) that the live volume no longer has, by restorefs' rule (README,
"Shadow copies"), found with The Sleuth Kit alone. One line per file:
"K<TAB>record<TAB>attribute-id<TAB>path<TAB>state", K the copy's 1-based position, state
"in-use" or "deleted" in the copy, or "deleted-both" for a file deleted in the same
unchanged record on the live volume too, listed only when all its clusters are free in the
copy and not on the live volume.

Facts per record: allocation, $STANDARD_INFORMATION mtime and $DATA size from ils; the
sequence number from the record header in $MFT (icat inode 0: offset 0x10); a deleted
file's clusters from istat; allocation of clusters from $Bitmap (icat inode 6). Times are
compared to the second (ils' unit)."""
import re
import subprocess
import sys

STORE = re.compile(r"^\{.*\}\{3808876b-c176-4e48-b7ae-04046e6cc752\}$", re.I)


def run(*args):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE).stdout


class Image:
    def __init__(self, path, sector=None):
        self.args = ["-o", str(sector)] if sector is not None else []
        self.path = path
        self.mft = run("icat", *self.args, path, "0")
        self.bitmap = run("icat", *self.args, path, "6")
        self.inodes = {}
        lines = run("ils", "-e", *self.args, path).decode("utf-8", "replace").splitlines()
        for line in lines[3:]:
            f = line.split("|")
            if len(f) >= 11 and f[0].isdigit():
                self.inodes[int(f[0])] = (f[1] == "a", int(f[4]), int(f[10]))

    def facts(self, record):
        """(in use, sequence, mtime, size) or None."""
        at = record * 1024
        if record not in self.inodes or at + 0x18 > len(self.mft) or self.mft[at:at + 4] != b"FILE":
            return None
        seq = int.from_bytes(self.mft[at + 0x10:at + 0x12], "little")
        alloc, mtime, size = self.inodes[record]
        return (alloc, seq, mtime, size)

    def free(self, cluster):
        byte = cluster // 8
        return byte < len(self.bitmap) and not (self.bitmap[byte] >> (cluster % 8)) & 1

    def clusters(self, record, attr):
        text = run("istat", *self.args, self.path, str(record)).decode("utf-8", "replace")
        out, on = [], False
        for line in text.splitlines():
            if line.startswith("Type: "):
                on = "(128-%s)" % attr in line
            elif on and re.fullmatch(r"[0-9 ]+", line.strip() or "x"):
                out += [int(c) for c in line.split() if c != "0"]
        return out


def main():
    live = Image(sys.argv[1], int(sys.argv[2]))
    clusters = {}
    for k, copy_path in enumerate(sys.argv[3:], 1):
        copy = Image(copy_path)
        listing = run("fls", "-r", "-p", "-F", copy_path).decode("utf-8", "replace")
        for line in listing.splitlines():
            head, _, path = line.partition("\t")
            inode = head.split()[-1].rstrip(":")
            if "realloc" in inode or "-128-" not in inode:
                continue
            base = path.rsplit("/", 1)[-1]
            if (path.startswith("$") and not path.startswith("$OrphanFiles/")) or "/$" in path:
                continue
            if STORE.match(base) or ":" in base:
                continue  # the copies' own storage; named streams: none on this fixture
            record, _, attr = int(inode.split("-")[0]), None, inode.split("-")[2]
            s, l = copy.facts(record), live.facts(record)
            if s is None:
                continue
            state = "in-use" if s[0] else "deleted"
            if l == s:
                if s[0]:
                    continue
                if record not in clusters:
                    clusters[record] = live.clusters(record, attr)  # same record bytes in both
                run_ = clusters[record]
                if not run_ or not all(copy.free(c) for c in run_) or all(live.free(c) for c in run_):
                    continue
                state = "deleted-both"
            print("%d\t%d\t%s\t%s\t%s" % (k, record, attr, path, state))


main()
