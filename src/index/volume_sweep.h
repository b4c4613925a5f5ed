/* The deep sweep: one sequential pass over the clusters the volume's $Bitmap calls free (or
 * over every cluster) in large reads, looking at every 512-byte boundary for the two NTFS
 * multi-sector structures that outlive their owners: INDX blocks (directory indexes) and
 * FILE records (MFT entries). It finds candidates only; the callbacks decode them with the
 * same parsers as everywhere else and keep what they want, in the caller's thread (a second
 * thread only reads). Memory: two read buffers. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

enum {
	SWEEP_STRIDE = 512,                  /* NTFS structures start on sector boundaries */
	SWEEP_READ_BYTES = 8 * 1024 * 1024,  /* one read */
	SWEEP_MAX_BLOCK = 64 * 1024,         /* the largest INDX block or FILE record */
};

typedef struct {
	/* An INDX block that index_entry_block_probe() accepts, at byte `offset` of the volume:
	 * `size` bytes, still with their fixups, valid only during the call. */
	void (*index_block)(void *user_data, uint64_t offset, const uint8_t *block, size_t size);
	/* Bytes starting with "FILE" at byte `offset` of the volume: `size` is the boot
	 * sector's record size, or less where the volume ends; valid only during the call. */
	void (*file_record)(void *user_data, uint64_t offset, const uint8_t *record, size_t size);
	void *user_data;
	RfsProgressFunc progress; /* bytes of the swept space done, of its total */
	void *progress_data;
} VolumeSweepSink;

typedef struct {
	uint64_t bytes_swept;   /* bytes of the swept clusters (free or all) */
	uint64_t bytes_read;    /* bytes read from the source, neighbours of small gaps included */
	uint64_t index_blocks;  /* candidates passed to index_block */
	uint64_t file_records;  /* candidates passed to file_record */
	uint64_t unreadable;    /* bytes the source failed to give (skipped) */
} VolumeSweepStats;

/* Sweeps the volume: the clusters $Bitmap marks free, or every cluster when `all_clusters`
 * (also when the volume has no readable bitmap). Source read errors skip the bytes that
 * failed and count them. Only a source that stops answering (RFS_ERROR_GONE), which no
 * later read would change, ends the sweep: false, with that error (the stats and the sink
 * have what came before). */
bool volume_sweep_run(const Volume *vol, bool all_clusters, const VolumeSweepSink *sink,
		      VolumeSweepStats *stats, GError **error);

/* Bytes the sweep will cover (its progress total). */
uint64_t volume_sweep_total_bytes(const Volume *vol, bool all_clusters);
