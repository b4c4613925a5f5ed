#!/usr/bin/env python3
"""One client of scripts/load.sh, until DEADLINE (seconds since the epoch):

  load_worker.py read LIST DEADLINE SEED RESULT
      reads the files of LIST ("md5sum -z" format: "MD5  PATH", each ended by a NUL) whole, in an order shuffled by
      SEED, again and again, with O_DIRECT so that the daemon serves every byte (restorefs
      lets the kernel keep file pages cached); checks each md5 against LIST. Writes
      "files bytes mismatches errors" to RESULT, and each mismatch or error on stderr.
  load_worker.py walk ROOT DEADLINE RESULT
      walks ROOT again and again: lstat and listxattr on every entry. Writes
      "passes entries errors" to RESULT.

Both exit 0; the caller judges RESULT."""

import hashlib
import mmap
import os
import random
import sys
import time

CHUNK = 1024 * 1024


def read_whole(path, buf):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        h = hashlib.md5()
        off = 0
        while True:
            n = os.preadv(fd, [buf], off)
            if n <= 0:
                break
            h.update(memoryview(buf)[:n])
            off += n
        return h.hexdigest(), off
    finally:
        os.close(fd)


def read_mode(listing, deadline, seed, result):
    files = []
    with open(listing, "rb") as f:
        for line in f.read().split(b"\0"):
            if line:
                md5, path = line.split(b"  ", 1)
                files.append((md5.decode(), path))
    rng = random.Random(seed)
    buf = mmap.mmap(-1, CHUNK)  # page-aligned, as O_DIRECT may want
    count = total = mismatches = errors = 0
    while time.time() < deadline:
        rng.shuffle(files)
        for want, path in files:
            try:
                got, n = read_whole(path, buf)
            except OSError as e:
                errors += 1
                print(f"load: {os.fsdecode(path)}: {e.strerror}", file=sys.stderr)
                continue
            count += 1
            total += n
            if got != want:
                mismatches += 1
                print(f"load: {os.fsdecode(path)}: md5 {got}, first pass {want}", file=sys.stderr)
            if count % 64 == 0 and time.time() >= deadline:
                break
    with open(result, "w") as f:
        f.write(f"{count} {total} {mismatches} {errors}\n")


def walk_mode(root, deadline, result):
    passes = entries = errors = 0
    while time.time() < deadline:
        for top, dirs, names in os.walk(root, onerror=lambda e: None):
            for name in dirs + names:
                path = os.path.join(top, name)
                try:
                    os.lstat(path)
                    os.listxattr(path, follow_symlinks=False)
                    entries += 1
                except OSError as e:
                    errors += 1
                    print(f"load: {path}: {e.strerror}", file=sys.stderr)
            if time.time() >= deadline:
                break
        passes += 1
    with open(result, "w") as f:
        f.write(f"{passes} {entries} {errors}\n")


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "read":
        read_mode(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif len(sys.argv) == 5 and sys.argv[1] == "walk":
        walk_mode(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
