/* restorefs: finding lost volumes on a disk.
 *
 * rfs_find_volumes() looks for NTFS boot sectors, NTFS backup boot sectors and BitLocker
 * volume headers on a disk whose partition table may be gone, and validates every NTFS
 * candidate against its own $MFT. Each result names the sectors a caller then hands to
 * rfs_context_create() in an RfsLocation:
 *
 *   RfsLocation loc = { .flags = RFS_CONTEXT_DISK, .sector_size = v->sector_size,
 *                       .start_sector = v->start_sector, .boot_sector = v->boot_sector };
 *
 * All sector numbers are in units of the disk's sector size (RfsFoundVolume.sector_size).
 * The disk is opened read-only and never written. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

G_BEGIN_DECLS

typedef enum {
	RFS_FIND_QUICK = 0, /* likely places only: table entries, 1 MiB boundaries, sector 63,
			     * each candidate's backup and the sector after each volume */
	RFS_FIND_FULL = 1,  /* every sector of the disk, in large sequential reads; then, if no
			     * volume was confirmed, every 512 bytes again for $MFT records of a
			     * volume whose boot sectors are both gone */
	RFS_FIND_TABLE = 2, /* the partition table's entries only (and each one's backup boot
			     * sector): a few reads, for a disk whose table is intact */
} RfsFindMode;

typedef enum {
	RFS_VOLUME_NTFS,
	RFS_VOLUME_BITLOCKER,
} RfsVolumeKind;

typedef struct {
	RfsVolumeKind kind;
	uint64_t start_sector;  /* first sector of the volume on the disk */
	uint64_t boot_sector;   /* the sector whose boot sector validated: start_sector, or
				 * the backup in the volume's last sector when from_backup */
	bool from_backup;       /* only the backup boot sector is intact */
	uint64_t size_bytes;    /* NTFS: total_sectors * bytes per sector, which does not
				 * count the backup boot sector right after it; BitLocker: from
				 * its FVE metadata (Windows 7 and later), else 0 */
	uint32_t sector_size;   /* the disk's, in bytes: the unit of the sector numbers */
	uint32_t cluster_size;  /* bytes; 0 if unknown (always for BitLocker) */
	char *label;            /* UTF-8 $VOLUME_NAME, or NULL if none or unreadable */
	uint32_t partition;     /* number of the partition table entry that starts where the
				 * volume starts and holds it; 0 = none */
	bool mft_ok;            /* $MFT record 0 read, fixups applied, FILE signature,
				 * record number 0. BitLocker: always false */
	bool no_boot_sector;    /* neither boot sector is there: found by its $MFT records
				 * (RFS_FIND_FULL only), start and cluster size inferred from them,
				 * size as far as $Bitmap has bits or the disk goes; rfs_context_create() infers the
				 * same geometry at start_sector */
} RfsFoundVolume;

void rfs_found_volume_free(RfsFoundVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RfsFoundVolume, rfs_found_volume_free)

/* Searches `disk` (image file or block device, opened read-only; a block device is opened
 * O_EXCL, so it fails with RFS_ERROR_IO "busy" while one of its partitions is mounted).
 * sector_size 0 = the device's logical sector size (512 for image files, or 4096 when the
 * image holds a 4Kn GPT). Progress is in bytes of the disk. Returns the volumes found,
 * ordered by start sector, as RfsFoundVolume * with rfs_found_volume_free as free func;
 * an empty array when there are none. NULL with `error` set only when the disk cannot be
 * opened or the arguments are wrong: unreadable areas are skipped and logged. */
GPtrArray *rfs_find_volumes(const char *disk, uint32_t sector_size, RfsFindMode mode,
			    RfsProgressFunc progress, void *user_data,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef enum {
	RFS_TABLE_NONE, /* no partition table with a used entry (or sector 0 is a boot sector) */
	RFS_TABLE_MBR,  /* MBR, with any extended and logical partitions */
	RFS_TABLE_GPT,
} RfsTableKind;

/* Which partition table `disk` holds: the one whose entries RfsLocation.partition and
 * RfsFoundVolume.partition number. *partition_count (may be NULL) gets its used entries. A
 * table that fails its checks counts as none (logged). False with `error` set only when
 * the disk cannot be opened or read. sector_size as for rfs_find_volumes(). */
bool rfs_disk_partition_table(const char *disk, uint32_t sector_size, RfsTableKind *kind,
			      size_t *partition_count, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
