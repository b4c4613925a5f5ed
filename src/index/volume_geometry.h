/* A volume whose boot sector is lost, both copies: its geometry inferred from the system
 * records its MFT still holds. $MFT's record 0 states the cluster its own data starts at,
 * and the place record 0 was found is that cluster: every cluster size then puts the volume's
 * start somewhere, and the right one is where the other system files' first clusters hold
 * what they should ($MFTMirr: a copy of record 0; $LogFile: "RSTR"/"RCRD"; the root's index:
 * "INDX"). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "ntfs/boot_sector.h"

typedef struct {
	uint64_t start_offset;   /* byte of `src` where the volume starts */
	uint64_t record0_offset; /* byte of `src` where $MFT's record 0 was found */
	unsigned confirmations;  /* system files whose first cluster held what it should (of 3) */
	unsigned candidates;     /* $MFT record 0s found */
} VolumeGeometryReport;

/* Sweeps `src` (every 512-byte boundary) for $MFT record 0 and fills `out` with the geometry
 * that the most of its neighbours confirm: cluster, record and index block sizes, $MFT and
 * $MFTMirr clusters, and the size up to the end of `src` (less the backup boot sector's
 * sector) or as far as $Bitmap has bits, whichever is less, with `inferred` set. RFS_ERROR_CORRUPT when no candidate is confirmed. */
bool volume_geometry_infer(BlockSource *src, BootSector *out, VolumeGeometryReport *report,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT;
