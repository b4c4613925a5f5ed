/* Geometry without a boot sector: a sweep of the source for $MFT record 0 (its own number 0
 * in an NTFS 3.1 header, an unnamed $DATA), then, for each place found and each cluster size,
 * the start that would put record 0 at its own first cluster, scored by what the neighbouring
 * system records' first clusters hold. Only reads. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/volume_geometry.h"

#include <string.h>

#include "index/volume_sweep.h"
#include "ntfs/carved_record.h"
#include "ntfs/mft_reader.h"
#include "ntfs/volume.h"
#include "util/error.h"

enum {
	GEOMETRY_MAX_RECORD = 4096,     /* the largest record size looked for */
	GEOMETRY_MAX_CANDIDATES = 64,   /* places of record 0 kept */
	INDEX_ROOT_BLOCK_SIZE = 0x08,   /* u32 in an $INDEX_ROOT value */
	INDEX_ROOT_MIN = 0x10,
};

typedef struct {
	GArray *offsets;  /* uint64_t: where a record numbered 0 lay */
	uint8_t *buf;
} Finding;

static void on_record(void *user_data, uint64_t offset, const uint8_t *bytes, size_t size)
{
	Finding *f = user_data;
	if (size < 0x30 || le32_at(bytes + 0x2C) != 0 || f->offsets->len >= GEOMETRY_MAX_CANDIDATES)
		return;
	uint32_t rs = le32_at(bytes + 0x1C);
	if (rs < 512 || rs > size || (rs & (rs - 1)) != 0)
		return;
	memcpy(f->buf, bytes, rs);
	MftRecord rec;
	if (carved_record_decode(f->buf, rs, &rec, NULL) && rec.record_number == MFT_RECORD_MFT)
		g_array_append_val(f->offsets, offset);
}

/* The first LCN of the first non-resident attribute of `type` (unnamed), or UINT64_MAX. */
static uint64_t first_lcn(const MftRecord *rec, uint32_t type)
{
	AttributeIter it;
	Attribute a;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &a, NULL) == ATTRIBUTE_NEXT_OK) {
		if (a.type != type || !a.non_resident || a.name != NULL || a.first_vcn != 0)
			continue;
		Runlist runs = { 0 };
		uint64_t lcn = UINT64_MAX;
		if (runlist_decode(a.mapping_pairs, 0, UINT64_MAX / 2, &runs, NULL) && runs.count > 0 &&
		    runs.runs[0].lcn != RUN_LCN_SPARSE)
			lcn = runs.runs[0].lcn;
		runlist_clear(&runs);
		return lcn;
	}
	return UINT64_MAX;
}

/* The data size of the unnamed non-resident $DATA, or 0. */
static uint64_t data_size(const MftRecord *rec)
{
	AttributeIter it;
	Attribute a;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &a, NULL) == ATTRIBUTE_NEXT_OK)
		if (a.type == ATTR_DATA && a.non_resident && a.name == NULL && a.first_vcn == 0)
			return a.data_size;
	return 0;
}

/* The system records next to record 0 at `at` (records 0..15 are contiguous). */
typedef struct {
	uint32_t record_size;
	uint64_t mft_lcn, mirr_lcn, log_lcn, root_index_lcn;
	uint32_t index_block_size;
	uint64_t bitmap_bytes;   /* $Bitmap's data size: 8 clusters a byte; 0 = unknown */
} SystemRecords;

static bool read_record(BlockSource *src, uint64_t at, uint32_t rs, uint8_t *buf, MftRecord *rec)
{
	return at <= src->size_bytes && rs <= src->size_bytes - at &&
	       block_source_read(src, at, buf, rs, NULL) && carved_record_decode_any(buf, rs, rec, NULL);
}

static uint32_t index_block_size(const MftRecord *root)
{
	AttributeIter it;
	Attribute a;
	attribute_iter_init(&it, root);
	while (attribute_iter_next(&it, &a, NULL) == ATTRIBUTE_NEXT_OK)
		if (a.type == ATTR_INDEX_ROOT && !a.non_resident && a.value.size >= INDEX_ROOT_MIN)
			return le32_at(a.value.data + INDEX_ROOT_BLOCK_SIZE);
	return 0;
}

static bool system_records(BlockSource *src, uint64_t at, SystemRecords *out)
{
	uint8_t buf[GEOMETRY_MAX_RECORD];
	MftRecord rec;
	if (block_source_read(src, at, buf, 0x20, NULL) == false)
		return false;
	uint32_t rs = le32_at(buf + 0x1C);
	if (rs < 512 || rs > sizeof buf || (rs & (rs - 1)) != 0 || !read_record(src, at, rs, buf, &rec))
		return false;
	*out = (SystemRecords){ .record_size = rs, .mirr_lcn = UINT64_MAX, .log_lcn = UINT64_MAX,
				.root_index_lcn = UINT64_MAX, .index_block_size = 4096 };
	out->mft_lcn = first_lcn(&rec, ATTR_DATA);
	if (out->mft_lcn == UINT64_MAX)
		return false;
	if (read_record(src, at + 1 * (uint64_t)rs, rs, buf, &rec) && rec.record_number == 1)
		out->mirr_lcn = first_lcn(&rec, ATTR_DATA);
	if (read_record(src, at + 2 * (uint64_t)rs, rs, buf, &rec) && rec.record_number == 2)
		out->log_lcn = first_lcn(&rec, ATTR_DATA);
	if (read_record(src, at + 6 * (uint64_t)rs, rs, buf, &rec) && rec.record_number == 6)
		out->bitmap_bytes = data_size(&rec);
	if (read_record(src, at + 5 * (uint64_t)rs, rs, buf, &rec) && rec.record_number == 5) {
		out->root_index_lcn = first_lcn(&rec, ATTR_INDEX_ALLOCATION);
		uint32_t ib = index_block_size(&rec);
		if (ib >= 512 && ib <= 65536 && (ib & (ib - 1)) == 0)
			out->index_block_size = ib;
	}
	return true;
}

/* Whether cluster `lcn` of a volume at `start` with clusters of `cs` begins with `magic`. */
static bool cluster_holds(BlockSource *src, uint64_t start, uint32_t cs, uint64_t lcn, const char *magic)
{
	uint64_t at;
	uint8_t head[4];
	if (lcn == UINT64_MAX || !g_uint64_checked_mul(&at, lcn, cs) || !g_uint64_checked_add(&at, at, start) ||
	    at > src->size_bytes || src->size_bytes - at < sizeof head || !block_source_read(src, at, head, sizeof head, NULL))
		return false;
	return memcmp(head, magic, 4) == 0;
}

static unsigned score(BlockSource *src, const SystemRecords *s, uint64_t start, uint32_t cs)
{
	unsigned n = cluster_holds(src, start, cs, s->mirr_lcn, "FILE");
	n += cluster_holds(src, start, cs, s->log_lcn, "RSTR") || cluster_holds(src, start, cs, s->log_lcn, "RCRD");
	n += cluster_holds(src, start, cs, s->root_index_lcn, "INDX");
	return n;
}

bool volume_geometry_infer(BlockSource *src, BootSector *out, VolumeGeometryReport *report,
			   GError **error)
{
	*report = (VolumeGeometryReport){ 0 };
	BootSector probe = {
		.bytes_per_sector = 512, .sectors_per_cluster = 1, .cluster_size = 512,
		.total_sectors = src->size_bytes / 512, .total_clusters = src->size_bytes / 512,
		.mft_record_size = GEOMETRY_MAX_RECORD, .index_record_size = 4096,
	};
	g_autoptr(Volume) bare = volume_new_bare(src, &probe);
	Finding f = { g_array_new(FALSE, FALSE, sizeof(uint64_t)), g_malloc(GEOMETRY_MAX_RECORD) };
	VolumeSweepSink sink = { .file_record = on_record, .user_data = &f };
	VolumeSweepStats stats;
	g_autoptr(GError) gone = NULL;
	if (!volume_sweep_run(bare, true, &sink, &stats, &gone)) {
		g_array_unref(f.offsets);
		g_free(f.buf);
		g_propagate_error(error, g_steal_pointer(&gone));
		rfs_prefix_gone(error, "while its volume was searched for");
		return false;
	}
	report->candidates = f.offsets->len;
	SystemRecords best_sys = { 0 };
	uint32_t best_cs = 0;
	for (guint i = 0; i < f.offsets->len; i++) {
		uint64_t at = g_array_index(f.offsets, uint64_t, i);
		SystemRecords sys;
		if (!system_records(src, at, &sys))
			continue;
		for (uint32_t cs = 512; cs <= 2 * 1024 * 1024; cs <<= 1) {
			uint64_t own;
			if (!g_uint64_checked_mul(&own, sys.mft_lcn, cs) || own > at)
				continue;
			unsigned n = score(src, &sys, at - own, cs);
			if (n > report->confirmations) {
				*report = (VolumeGeometryReport){ at - own, at, n, f.offsets->len };
				best_sys = sys;
				best_cs = cs;
			}
		}
	}
	g_array_unref(f.offsets);
	g_free(f.buf);
	if (best_cs == 0)
		return rfs_set_corrupt(error, "no boot sector, and no $MFT record 0 whose neighbours confirm a geometry "
				       "(%u candidates)", report->candidates);
	uint64_t sectors = (src->size_bytes - report->start_offset) / 512;
	*out = (BootSector){
		.bytes_per_sector = 512,
		.sectors_per_cluster = best_cs / 512,
		.cluster_size = best_cs,
		.total_sectors = sectors > 0 ? sectors - 1 : 0, /* the last holds the backup boot sector */
		.mft_lcn = best_sys.mft_lcn,
		.mftmirr_lcn = best_sys.mirr_lcn != UINT64_MAX ? best_sys.mirr_lcn : best_sys.mft_lcn,
		.mft_record_size = best_sys.record_size,
		.index_record_size = best_sys.index_block_size,
		.inferred = true,
	};
	out->total_clusters = out->total_sectors / out->sectors_per_cluster;
	/* A volume on a disk ends before the disk does: $Bitmap knows its clusters (to 64). */
	if (best_sys.bitmap_bytes > 0 && best_sys.bitmap_bytes < UINT64_MAX / 8 &&
	    best_sys.bitmap_bytes * 8 < out->total_clusters) {
		out->total_clusters = best_sys.bitmap_bytes * 8;
		out->total_sectors = out->total_clusters * out->sectors_per_cluster;
	}
	return true;
}
