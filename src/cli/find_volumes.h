/* restorefs-scan --find-volumes: lists the NTFS and BitLocker volumes found on a disk with
 * the restorefs command line that mounts each. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Searches `disk` and prints what it finds on stdout (text, or JSON when `json`); a
 * progress bar on a terminal unless `quiet`. `sector_size` 0 = the disk's. Returns the
 * process exit code: 0 (also when nothing is found), 2 when the disk cannot be read. */
int find_volumes_run(const char *disk, uint32_t sector_size, bool full, bool json, bool quiet);
