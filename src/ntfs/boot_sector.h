/* NTFS boot sector ($Boot, sector 0 of the volume, backup in the volume's last sector). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/bytes.h"

enum {
	BOOT_SECTOR_SIZE = 512, /* only the first 512 bytes carry fields, whatever the sector size */
};

typedef struct {
	uint32_t bytes_per_sector;    /* 512..4096, power of two */
	uint32_t sectors_per_cluster;
	uint32_t cluster_size;        /* bytes: 512 B .. 2 MiB, power of two */
	uint64_t total_sectors;       /* of the volume, not counting the backup boot sector */
	uint64_t total_clusters;      /* total_sectors / sectors_per_cluster */
	uint64_t mft_lcn;
	uint64_t mftmirr_lcn;
	uint32_t mft_record_size;     /* bytes: 512 .. 64 KiB, power of two (fixups need >= 512) */
	uint32_t index_record_size;   /* bytes: 512 .. 64 KiB, power of two */
	uint64_t serial;
	bool signature_missing;       /* no 0x55AA at 0x1FE: flagged, not rejected (see .c) */
	bool inferred;                /* no boot sector: synthesized from the MFT's records
				       * (index/volume_geometry.h); serial 0 */
} BootSector;

/* Parses and validates the first BOOT_SECTOR_SIZE bytes of an NTFS boot sector.
 * RFS_ERROR_CORRUPT with a message naming the field that is wrong (OEM id, sector size,
 * cluster size, record size, MFT location outside the volume, ...). */
bool boot_sector_parse(ByteSpan raw, BootSector *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
