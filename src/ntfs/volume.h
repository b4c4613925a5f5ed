/* An NTFS volume on a BlockSource: geometry, the $MFT runlist, the cluster bitmap and
 * record reads. Immutable after volume_open() + volume_load_bitmap(): safe to share
 * between threads. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "ntfs/boot_sector.h"
#include "ntfs/runlist.h"

typedef struct {
	BlockSource *src;      /* borrowed */
	BootSector boot;
	Runlist mft_runs;      /* $MFT's unnamed $DATA */
	uint64_t mft_records;  /* records the $MFT holds */
	uint8_t *bitmap;       /* $Bitmap, one bit per cluster; NULL when unreadable */
	uint64_t bitmap_bytes;
	uint64_t *bitmap_rank;  /* allocated clusters before each 512-cluster block: O(1) counts */
	char *label;           /* UTF-8, "" when unknown */
	bool mft_from_mirror;  /* record 0 came from $MFTMirr */
	uint64_t scan_extension_reads; /* extension records read for MFT_FILE_SCAN builds */
} Volume;

enum {
	MFT_RECORD_MFT = 0,
	MFT_RECORD_VOLUME = 3,
	MFT_RECORD_ROOT = 5,
	MFT_RECORD_BITMAP = 6,
	MFT_RECORD_EXTEND = 11,
	MFT_RECORD_FIRST_USER = 16,
};

/* Locates the $MFT through its own record 0 (falling back to $MFTMirr) and loads the
 * runlist. `src` must outlive the volume. */
Volume *volume_open(BlockSource *src, const BootSector *boot, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void volume_free(Volume *vol);

/* Loads $Bitmap and the $Volume label. Failure is not fatal to a scan; the caller decides. */
bool volume_load_metadata(Volume *vol, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads record `record_number` (mft_record_size bytes) into buf, without fixups. */
bool volume_read_record(Volume *vol, uint64_t record_number, uint8_t *buf, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* Reads `length` bytes at byte `offset` of an attribute described by `runs`. Fails on gaps,
 * sparse runs and clusters outside the volume. */
bool volume_read_runs(Volume *vol, const Runlist *runs, uint64_t offset, void *buf,
		      size_t length, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Installs a cluster bitmap (taking ownership; NULL = unknown, every cluster in use). */
void volume_set_bitmap(Volume *vol, uint8_t *bitmap, uint64_t bytes);

/* Clusters in [lcn, lcn + count) allocated in $Bitmap (all of them if no bitmap). */
uint64_t volume_clusters_in_use(const Volume *vol, uint64_t lcn, uint64_t count);
uint64_t volume_free_clusters(const Volume *vol);
