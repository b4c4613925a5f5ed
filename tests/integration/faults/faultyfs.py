#!/usr/bin/env python3
"""A read-only FUSE file system that shows one image file and fails chosen reads of it: a
faulty source for restorefs. It exposes IMAGE as MOUNTPOINT/NAME (default: the image's own
file name), read through with direct I/O, so that every read of the file reaches this
process and the page cache never hides a fault. With --cached the kernel keeps the pages
read well in its cache instead (a failed read leaves its pages out, so that it fails again
next time), and the file can be mapped with mmap(2) as a disk image usually can.

  faultyfs.py [--eio START:LENGTH]... [--control FILE] [--name NAME] [--cached] IMAGE MOUNTPOINT

--eio fails every read that touches bytes [START, START + LENGTH) with EIO (numbers in bytes,
decimal or 0x hex). The control FILE, read again whenever it changes, holds one command a
line ('#' starts a comment) and replaces the control ranges given before:
  eio START LENGTH   fail reads touching these bytes with EIO (added to --eio's)
  all                fail every read with EIO (a disk that died)
  vanish [READS]     exit at the next request (or once READS more reads have been served),
                     without unmounting: the source is gone, and every later request of
                     the mount fails with ENOTCONN
Each failed read is logged on stderr ("faultyfs: EIO read OFFSET+SIZE"), and with
--verbose each read served too ("faultyfs: read OFFSET+SIZE"). The process runs
in the foreground; SIGTERM or SIGINT unmounts and ends it. Needs pyfuse3 and trio (Debian:
python3-pyfuse3, python3-trio)."""

import argparse
import errno
import os
import signal
import stat
import sys

import pyfuse3
import trio

ROOT = pyfuse3.ROOT_INODE
FILE_INODE = ROOT + 1


def parse_number(text):
    return int(text, 0)


def parse_range(text):
    start, sep, length = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"'{text}': want START:LENGTH")
    return (parse_number(start), parse_number(length))


class Control:
    """The faults in force: fixed ranges, plus what the control file says."""

    def __init__(self, ranges, path):
        self.fixed = list(ranges)
        self.path = path
        self.stamp = None
        self.ranges = list(ranges)
        self.all = False
        self.vanish = None  # reads left before vanishing; None: not asked

    def refresh(self):
        if self.path is None:
            return
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp == self.stamp:
            return
        self.stamp = stamp
        ranges, fail_all, vanish = list(self.fixed), False, None
        text = ""
        if stamp is not None:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "eio" and len(words) == 3:
                ranges.append((parse_number(words[1]), parse_number(words[2])))
            elif words == ["all"]:
                fail_all = True
            elif words[0] == "vanish" and len(words) <= 2:
                vanish = parse_number(words[1]) if len(words) == 2 else 0
            else:
                print(f"faultyfs: {self.path}:{number}: ignored '{line}'", file=sys.stderr)
        self.ranges, self.all, self.vanish = ranges, fail_all, vanish

    def fails(self, offset, size):
        if self.all:
            return True
        end = offset + size
        return any(start < end and offset < start + length for start, length in self.ranges)


class FaultyFs(pyfuse3.Operations):
    def __init__(self, image, name, control, verbose, cached=False):
        self.cached = cached
        super().__init__()
        self.verbose = verbose
        self.image = image
        self.name = os.fsencode(name)
        self.control = control
        self.fd = os.open(image, os.O_RDONLY)

    def check_vanish(self, reading=False):
        self.control.refresh()
        if self.control.vanish is None:
            return
        if self.control.vanish > 0 and reading:
            self.control.vanish -= 1
        elif self.control.vanish == 0:
            print("faultyfs: vanishing", file=sys.stderr, flush=True)
            os._exit(0)  # no unmount: the kernel aborts the connection

    def attributes(self, inode):
        attr = pyfuse3.EntryAttributes()
        attr.st_ino = inode
        attr.entry_timeout = 0
        attr.attr_timeout = 0
        if inode == ROOT:
            attr.st_mode = stat.S_IFDIR | 0o555
            attr.st_nlink = 2
        else:
            attr.st_mode = stat.S_IFREG | 0o444
            attr.st_nlink = 1
            attr.st_size = os.fstat(self.fd).st_size
            attr.st_blksize = 4096
            attr.st_blocks = (attr.st_size + 511) // 512
        return attr

    async def getattr(self, inode, ctx=None):
        self.check_vanish()
        if inode not in (ROOT, FILE_INODE):
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.attributes(inode)

    async def lookup(self, parent_inode, name, ctx=None):
        self.check_vanish()
        if parent_inode != ROOT or name != self.name:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.attributes(FILE_INODE)

    async def opendir(self, inode, ctx):
        self.check_vanish()
        if inode != ROOT:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh, start_id, token):
        if start_id == 0:
            pyfuse3.readdir_reply(token, self.name, self.attributes(FILE_INODE), 1)

    async def open(self, inode, flags, ctx):
        self.check_vanish()
        if inode != FILE_INODE:
            raise pyfuse3.FUSEError(errno.EISDIR)
        if flags & os.O_ACCMODE != os.O_RDONLY:
            raise pyfuse3.FUSEError(errno.EROFS)
        info = pyfuse3.FileInfo(fh=inode)
        info.direct_io = not self.cached
        return info

    async def read(self, fh, off, size):
        self.check_vanish(reading=True)
        if self.control.fails(off, size):
            print(f"faultyfs: EIO read {off}+{size}", file=sys.stderr, flush=True)
            raise pyfuse3.FUSEError(errno.EIO)
        if self.verbose:
            print(f"faultyfs: read {off}+{size}", file=sys.stderr, flush=True)
        return os.pread(self.fd, size, off)

    async def release(self, fh):
        pass

    async def releasedir(self, fh):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eio", type=parse_range, action="append", default=[],
                        metavar="START:LENGTH", help="fail reads touching these bytes")
    parser.add_argument("--control", metavar="FILE", help="commands: eio, all, vanish")
    parser.add_argument("--name", help="the file's name in the mount")
    parser.add_argument("--verbose", action="store_true", help="log every read")
    parser.add_argument("--cached", action="store_true",
                        help="no direct I/O: the page cache keeps good reads, mmap works")
    parser.add_argument("image")
    parser.add_argument("mountpoint")
    args = parser.parse_args()
    control = Control(args.eio, args.control)
    control.refresh()
    fs = FaultyFs(args.image, args.name or os.path.basename(args.image), control, args.verbose,
                  args.cached)
    options = set(pyfuse3.default_options)
    options.update(("fsname=faultyfs", "subtype=faultyfs", "ro"))
    options.discard("default_permissions")
    pyfuse3.init(fs, args.mountpoint, options)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        trio.run(pyfuse3.main)
    except KeyboardInterrupt:
        pass
    finally:
        pyfuse3.close(unmount=True)


if __name__ == "__main__":
    main()
