#!/usr/bin/env python3
"""Holds FILE open and reads it again and again with O_DIRECT (so that every read reaches the
file system's daemon, whatever the page cache holds), 64 KiB at a time, until STOP exists.
After each pass it rewrites STATUS with "PASSES READS ERRORS LAST_ERROR"; each failed read
counts as an error and ends the pass. It never closes FILE before STOP exists, whatever the
errors; it exits 0.

  hold_reader.py FILE STOP STATUS"""

import mmap
import os
import sys
import time

CHUNK = 64 * 1024


def main():
    path, stop, status = sys.argv[1:4]
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    size = os.fstat(fd).st_size
    buf = mmap.mmap(-1, CHUNK)  # page-aligned, as O_DIRECT may want
    passes = reads = errors = 0
    last = "-"
    while not os.path.exists(stop):
        for off in range(0, max(size, 1), CHUNK):
            try:
                os.preadv(fd, [buf], off)
                reads += 1
            except OSError as e:
                errors += 1
                last = (e.strerror or str(e.errno)).replace(" ", "_")
                time.sleep(0.05)  # a dead mount fails at once: do not spin
                break
            if os.path.exists(stop):
                break
        passes += 1
        with open(status + ".new", "w") as f:
            f.write(f"{passes} {reads} {errors} {last}\n")
        os.replace(status + ".new", status)
    os.close(fd)


if __name__ == "__main__":
    main()
