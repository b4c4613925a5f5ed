#!/usr/bin/env python3
"""mkvhd_child.py PARENT.vhd CHILD.vhd: writes a differencing VHD over the dynamic VHD
PARENT that changes nothing (every block comes from the parent) and names the parent by
its file name, as Hyper-V does (no Debian tool writes one). Layout after the VHD
specification: footer copy, dynamic disk header, block allocation table, footer."""
import os
import struct
import sys
import uuid


def checksum(data, skip):
    return (~sum(b for i, b in enumerate(data) if not skip <= i < skip + 4)) & 0xFFFFFFFF


def main():
    parent_path, child_path = sys.argv[1], sys.argv[2]
    with open(parent_path, 'rb') as f:
        parent = f.read()
    footer = bytearray(parent[-512:])
    header = bytearray(parent[512:1536])
    if footer[:8] != b'conectix' or header[:8] != b'cxsparse':
        sys.exit('%s is not a dynamic VHD' % parent_path)
    parent_id = bytes(footer[68:84])
    entries = struct.unpack_from('>I', header, 28)[0]
    bat_offset = 1536
    bat_size = (entries * 4 + 511) // 512 * 512

    struct.pack_into('>I', footer, 60, 4)                       # disk type: differencing
    footer[68:84] = uuid.uuid4().bytes                          # unique id
    struct.pack_into('>I', footer, 64, checksum(footer, 64))

    struct.pack_into('>Q', header, 16, bat_offset)              # table offset
    header[40:56] = parent_id                                   # parent unique id
    name = os.path.basename(parent_path).encode('utf-16-be')
    header[64:576] = name.ljust(512, b'\0')                     # parent unicode name
    header[576:768] = bytes(192)                                # no parent locators
    struct.pack_into('>I', header, 36, checksum(header, 36))

    with open(child_path, 'wb') as f:
        f.write(footer)
        f.write(header)
        f.write(b'\xff' * bat_size)                             # no block of its own
        f.write(footer)


main()
