/* The MFT as an array of records on a BlockSource: the volume's geometry, where $MFT lies
 * (its runlist) and how many records it holds, and reads of records and of clusters through
 * runlists. Nothing here is built from more than one record: the full $MFT runlist, which
 * may need record 0's $ATTRIBUTE_LIST, is assembled above (volume.c) and handed in.
 * A reader is immutable once initialised: safe to share between threads. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "ntfs/boot_sector.h"
#include "ntfs/mft_record.h"
#include "ntfs/runlist.h"

typedef struct {
	BlockSource *src;  /* borrowed; byte 0 is the volume's first */
	BootSector boot;
	Runlist runs;      /* $MFT's unnamed $DATA */
	uint64_t records;  /* records the $MFT holds */
} MftReader;

enum {
	MFT_RECORD_MFT = 0,
	MFT_RECORD_VOLUME = 3,
	MFT_RECORD_ROOT = 5,
	MFT_RECORD_BITMAP = 6,
	MFT_RECORD_EXTEND = 11,
	MFT_RECORD_FIRST_USER = 16,
};

/* Reads record `record_number` as if the MFT's first records lay contiguously from cluster
 * `mft_lcn` (mkntfs and Windows place records 0..15 so; $MFTMirr holds copies of 0..3) on
 * the volume that starts at byte `volume_offset` of `src`, then decodes it into `out`
 * (fixups applied in `buf`, mft_record_size bytes). For finding the MFT before its runlist
 * is known. RFS_ERROR_CORRUPT if the record lies outside the volume or fails to decode,
 * RFS_ERROR_IO if the source cannot be read. */
bool mft_reader_read_boot_record(BlockSource *src, uint64_t volume_offset, const BootSector *boot,
				 uint64_t mft_lcn, uint64_t record_number, uint8_t *buf,
				 MftRecord *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks that the cluster the boot sector names holds $MFT record 0: it decodes, and a 3.1
 * header states the number 0. For a volume at byte `volume_offset` of `src` (a whole disk
 * while volumes are searched for). The error says what failed. */
bool mft_reader_probe(BlockSource *src, uint64_t volume_offset, const BootSector *boot,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A reader whose runlist is the first extent of $MFT's $DATA in record 0 (`rec0`, decoded
 * from either copy): enough to read the extension records that map the rest, which then go
 * to mft_reader_init(). `records` comes from that extent's data size, unchecked against the
 * runs: a read beyond them fails. RFS_ERROR_CORRUPT without such an extent. */
bool mft_reader_init_first_extent(MftReader *reader, BlockSource *src, const BootSector *boot,
				  const MftRecord *rec0, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A reader over $MFT's complete runlist (taken: `runs` is left empty) and data size. Every
 * run must lie on the volume; the record count is cut to what the runs map (with a warning),
 * so a forged size cannot make a scan read for weeks, and must reach the first user record.
 * RFS_ERROR_CORRUPT otherwise, with `reader` left empty. */
bool mft_reader_init(MftReader *reader, BlockSource *src, const BootSector *boot, Runlist *runs,
		     uint64_t data_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Frees the runlist; the reader is empty (no records) afterwards. */
void mft_reader_clear(MftReader *reader);

/* Reads `length` bytes at byte `offset` of an attribute described by `runs`. Fails on gaps,
 * sparse runs (RFS_ERROR_CORRUPT) and clusters outside the volume. */
bool mft_reader_read_runs(const MftReader *reader, const Runlist *runs, uint64_t offset, void *buf,
			  size_t length, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads record `record_number` (mft_record_size bytes) into buf, without fixups. */
bool mft_reader_read_record(const MftReader *reader, uint64_t record_number, uint8_t *buf,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads record `record_number` into buf and decodes it into `out` (which points into buf). */
bool mft_reader_load_record(const MftReader *reader, uint64_t record_number, uint8_t *buf,
			    MftRecord *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
