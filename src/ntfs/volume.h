/* An NTFS volume on a BlockSource, built on the MFT's records: $MFT's complete runlist
 * (record 0 may need its $ATTRIBUTE_LIST), the cluster bitmap and the label. Not safe to
 * share while volume_load_metadata() or volume_set_bitmap() runs; immutable afterwards (a
 * scan's mutable state, such as its MftFileBudget, belongs to the scan), so any number of
 * threads may then read through it. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "ntfs/boot_sector.h"
#include "ntfs/mft_reader.h"

typedef struct {
	MftReader mft;          /* geometry, $MFT's runlist and record count, record reads */
	uint8_t *bitmap;        /* $Bitmap, one bit per cluster; NULL when unreadable */
	uint64_t bitmap_bytes;
	uint64_t *bitmap_rank;  /* allocated clusters before each 512-cluster block: O(1) counts */
	char *label;            /* UTF-8, "" until volume_load_metadata() finds one */
	bool mft_from_mirror;   /* record 0 came from $MFTMirr */
	bool mft_located;       /* record 0 and its copy were lost: $MFT's runlist was rebuilt
				 * from the records found on the volume (volume_adopt_mft) */
} Volume;

/* Locates the $MFT through its own record 0 (falling back to $MFTMirr) and loads its
 * complete runlist. `src` must outlive the volume. */
Volume *volume_open(BlockSource *src, const BootSector *boot, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void volume_free(Volume *vol);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Volume, volume_free)

/* A volume whose MFT is not known (no records, no bitmap): enough to sweep its clusters for
 * the records that locate the MFT. */
Volume *volume_new_bare(BlockSource *src, const BootSector *boot);
/* Gives a bare volume the $MFT runlist (taken) and data size found by other means, as
 * mft_reader_init() checks them, and marks it mft_located. */
bool volume_adopt_mft(Volume *vol, Runlist *runs, uint64_t data_size, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* Loads $Bitmap and the $Volume label. Failure (about $Bitmap; a missing label is just "")
 * is not fatal to a scan; the caller decides. */
bool volume_load_metadata(Volume *vol, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The label in record 3 of the volume at byte `volume_offset` of `src`, found as
 * mft_reader_read_boot_record() finds records: UTF-8, or NULL if absent, empty or damaged. */
char *volume_probe_label(BlockSource *src, uint64_t volume_offset, const BootSector *boot);

/* Installs a cluster bitmap (taking ownership; NULL = unknown, every cluster in use). */
void volume_set_bitmap(Volume *vol, uint8_t *bitmap, uint64_t bytes);

/* Clusters in [lcn, lcn + count) allocated in $Bitmap (all of them if no bitmap). */
uint64_t volume_clusters_in_use(const Volume *vol, uint64_t lcn, uint64_t count);
uint64_t volume_free_clusters(const Volume *vol);
