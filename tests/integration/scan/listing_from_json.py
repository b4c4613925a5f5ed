#!/usr/bin/env python3
"""Writes the CSV listing restorefs-scan would print, rebuilt from its JSON listing (stdin),
to stdout: an independent rendering of the same entries for test_listings.sh."""
import csv
import json
import sys

COLUMNS = ["path", "mft_record", "sequence", "stream", "type", "size", "allocated", "clusters",
           "clusters_in_use", "recoverable", "flags", "attributes", "created", "modified",
           "accessed", "mft_changed", "original_path", "state", "deleted", "path_source",
           "snapshot"]


def field(entry, name):
    value = entry[name]
    if value is None:
        return ""
    if name == "flags":
        return "|".join(value)
    if name == "attributes":
        return "0x%08x" % value
    return str(value)


def main():
    doc = json.load(sys.stdin)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    for entry in doc["entries"]:
        out.writerow([field(entry, name) for name in COLUMNS])


if __name__ == "__main__":
    main()
