/* Where the volume lies on SOURCE, worked out from an RfsLocation and the source's size and
 * sector size alone. No I/O: what is read at the offsets is context.c's business. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

typedef enum {
	LOCATION_WHOLE,     /* SOURCE is the volume; a damaged primary boot sector has its backup tried */
	LOCATION_PARTITION, /* an entry of the partition table on SOURCE */
	LOCATION_DISK,      /* a volume at start_offset on a disk, read through boot_offset */
} LocationKind;

typedef struct {
	LocationKind kind;
	uint32_t sector_size;  /* bytes: the unit of RfsLocation's sector numbers */
	uint64_t start_offset; /* LOCATION_DISK: where the volume starts, bytes from SOURCE's start */
	uint64_t boot_offset;  /* LOCATION_DISK: the boot sector to read, bytes, >= start_offset */
	bool from_backup;      /* LOCATION_DISK: boot_offset != start_offset, the backup copy */
	uint32_t partition;    /* LOCATION_PARTITION: 1-based table entry */
} LocationPlan;

/* Checks the fields of `loc` against each other, before SOURCE is opened. RFS_ERROR_INVALID
 * for a start sector and a byte offset both, a partition together with RFS_CONTEXT_DISK, or a
 * start sector, byte offset or boot sector without RFS_CONTEXT_DISK. */
bool location_check(const RfsLocation *loc, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Turns `loc` (checked as by location_check()) into byte offsets on a source of
 * `source_size` bytes whose logical sectors are `source_sector_size` bytes (the unit of the
 * sector numbers unless loc->sector_size says otherwise; not 0). RFS_ERROR_INVALID when a
 * sector number overflows, lies past the end of the source, or the boot sector lies before
 * the start. */
bool location_plan(const RfsLocation *loc, uint64_t source_size, uint32_t source_sector_size,
		   LocationPlan *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The extent of a LOCATION_DISK volume once the boot sector at plan->boot_offset says it holds
 * `total_sectors` sectors of `bytes_per_sector` bytes: the volume plus the sector after it
 * (the backup boot sector's), clipped to the source's `source_size` bytes. RFS_ERROR_INVALID
 * when a backup boot sector describes a volume that does not end right before it. */
bool location_volume_size(const LocationPlan *plan, uint64_t source_size, uint64_t total_sectors,
			  uint32_t bytes_per_sector, uint64_t *size_bytes,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;
