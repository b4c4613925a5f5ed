/* A small NTFS volume built in memory for unit tests: a BootSector, $MFT at cluster 4 with
 * records 0 ($MFT), 3 ($Volume, labelled) and 6 ($Bitmap), copies of records 0..3 in
 * $MFTMirr at cluster 2, and the bitmap at cluster 16. Tests change records before
 * making the source. */
#pragma once

#include <glib.h>
#include <string.h>

#include "fixture_record.h"
#include "mem_source.h"
#include "ntfs/boot_sector.h"

enum {
	FV_CLUSTER = 4096,
	FV_CLUSTERS = 128,          /* a 512 KiB volume */
	FV_MIRR_LCN = 2,
	FV_MFT_LCN = 4,
	FV_MFT_CLUSTERS = 8,        /* 32 records of 1 KiB */
	FV_MFT_RECORDS = FV_MFT_CLUSTERS * FV_CLUSTER / FIXTURE_RECORD_SIZE,
	FV_BITMAP_LCN = 16,
	FV_USED_CLUSTERS = 17,      /* clusters 0..16 are in use, the rest free */
	FV_BYTES = FV_CLUSTERS * FV_CLUSTER,
};

typedef struct {
	uint8_t *image;             /* FV_BYTES */
	BootSector boot;
} FixtureVolume;

static inline uint8_t *fixture_volume_at(FixtureVolume *v, uint64_t lcn, uint64_t record)
{
	return v->image + lcn * FV_CLUSTER + record * FIXTURE_RECORD_SIZE;
}

/* Finishes `r` and stores it as record `number` of the MFT, and of $MFTMirr if < 4. */
static inline void fixture_volume_put(FixtureVolume *v, uint64_t number, FixtureRecord *r)
{
	fixture_record_set_number(r, (uint32_t)number);
	fixture_record_finish(r);
	memcpy(fixture_volume_at(v, FV_MFT_LCN, number), r->buf, FIXTURE_RECORD_SIZE);
	if (number < 4)
		memcpy(fixture_volume_at(v, FV_MIRR_LCN, number), r->buf, FIXTURE_RECORD_SIZE);
}

/* Record 0: $MFT's unnamed $DATA over the given runs, `records` records long. */
static inline void fixture_volume_put_mft(FixtureVolume *v, const Run *runs, size_t count,
					  uint64_t records)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	uint64_t clusters = 0;
	for (size_t i = 0; i < count; i++)
		clusters += runs[i].length_clusters;
	FixtureNonResident nr = {
		.last_vcn = clusters - 1,
		.allocated_size = clusters * FV_CLUSTER,
		.data_size = records * FIXTURE_RECORD_SIZE,
		.initialized_size = records * FIXTURE_RECORD_SIZE,
		.runs = runs,
		.run_count = count,
	};
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_volume_put(v, 0, &r);
}

/* Record 3 with a $VOLUME_NAME of the given UTF-16 units. */
static inline void fixture_volume_put_label(FixtureVolume *v, const char *label)
{
	FixtureRecord r;
	fixture_record_init(&r, 3, 1, 0);
	glong units = 0;
	g_autofree gunichar2 *name = g_utf8_to_utf16(label, -1, NULL, &units, NULL);
	fixture_record_add_resident(&r, 0x60, name, (uint32_t)units * 2, NULL, 0);
	fixture_volume_put(v, 3, &r);
}

static inline void fixture_volume_init(FixtureVolume *v)
{
	v->image = g_malloc0(FV_BYTES);
	v->boot = (BootSector){
		.bytes_per_sector = 512,
		.sectors_per_cluster = FV_CLUSTER / 512,
		.cluster_size = FV_CLUSTER,
		.total_sectors = FV_BYTES / 512,
		.total_clusters = FV_CLUSTERS,
		.mft_lcn = FV_MFT_LCN,
		.mftmirr_lcn = FV_MIRR_LCN,
		.mft_record_size = FIXTURE_RECORD_SIZE,
		.index_record_size = 4096,
	};
	const Run mft[] = { { 0, FV_MFT_LCN, FV_MFT_CLUSTERS } };
	fixture_volume_put_mft(v, mft, 1, FV_MFT_RECORDS);
	fixture_volume_put_label(v, "fixture");

	FixtureRecord r;
	fixture_record_init(&r, 6, 1, 0);
	const Run bitmap[] = { { 0, FV_BITMAP_LCN, 1 } };
	FixtureNonResident nr = {
		.allocated_size = FV_CLUSTER,
		.data_size = FV_CLUSTERS / 8,
		.initialized_size = FV_CLUSTERS / 8,
		.runs = bitmap,
		.run_count = 1,
	};
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_volume_put(v, 6, &r);
	uint8_t *bits = v->image + (size_t)FV_BITMAP_LCN * FV_CLUSTER;
	for (unsigned c = 0; c < FV_USED_CLUSTERS; c++)
		bits[c / 8] |= (uint8_t)(1u << (c % 8));
}

/* A source over a copy of the image, placed `offset` bytes into a larger one. */
static inline BlockSource *fixture_volume_source_at(const FixtureVolume *v, size_t offset)
{
	uint8_t *data = g_malloc0(offset + FV_BYTES);
	memcpy(data + offset, v->image, FV_BYTES);
	return mem_source_new(data, offset + FV_BYTES);
}

static inline BlockSource *fixture_volume_source(const FixtureVolume *v)
{
	return fixture_volume_source_at(v, 0);
}

static inline void fixture_volume_clear(FixtureVolume *v)
{
	g_clear_pointer(&v->image, g_free);
}
