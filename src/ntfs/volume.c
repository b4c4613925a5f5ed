/* An NTFS volume: finds the $MFT through its own record 0 (or $MFTMirr), maps record
 * numbers to bytes, and keeps $Bitmap for "is this cluster in use now". Never writes. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/volume.h"

#include <string.h>

#include "ntfs/mft_file.h"
#include "util/error.h"
#include "util/utf16.h"

enum {
	ATTRIBUTE_LIST_MAX_BYTES = 4 * 1024 * 1024, /* far beyond any real $MFT's list */
};

bool volume_read_runs(Volume *vol, const Runlist *runs, uint64_t offset, void *buf,
		      size_t length, GError **error)
{
	uint32_t cs = vol->boot.cluster_size;
	uint8_t *out = buf;
	while (length > 0) {
		uint64_t vcn = offset / cs;
		const Run *run = runlist_lookup(runs, vcn);
		if (run == NULL || run->lcn == RUN_LCN_SPARSE)
			return rfs_set_corrupt(error, "VCN %" PRIu64 " is %s", vcn,
					       run == NULL ? "not mapped" : "sparse");
		uint64_t in_run = run_bytes_left(run, offset, cs);
		size_t n = length < in_run ? length : (size_t)in_run;
		uint64_t lcn = run->lcn + (vcn - run->vcn);
		if (lcn >= vol->boot.total_clusters)
			return rfs_set_corrupt(error, "LCN %" PRIu64 " is past the end of the volume", lcn);
		if (!block_source_read(vol->src, lcn * cs + offset % cs, out, n, error))
			return false;
		out += n;
		offset += n;
		length -= n;
	}
	return true;
}

bool volume_read_record(Volume *vol, uint64_t record_number, uint8_t *buf, GError **error)
{
	uint32_t rs = vol->boot.mft_record_size;
	if (record_number >= vol->mft_records)
		return rfs_set_corrupt(error, "record %" PRIu64 " is past the end of the MFT (%" PRIu64 " records)",
				       record_number, vol->mft_records);
	if (!volume_read_runs(vol, &vol->mft_runs, record_number * rs, buf, rs, error)) {
		g_prefix_error(error, "record %" PRIu64 ": ", record_number);
		return false;
	}
	return true;
}

/* Reads and decodes record 0 from `lcn` into buf. */
static bool read_record0_at(Volume *vol, uint64_t lcn, uint8_t *buf, MftRecord *rec, GError **error)
{
	const BootSector *b = &vol->boot;
	if (lcn >= b->total_clusters)
		return rfs_set_corrupt(error, "the MFT at cluster %" PRIu64 " is outside the volume", lcn);
	if (!block_source_read(vol->src, lcn * b->cluster_size, buf, b->mft_record_size, error))
		return false;
	return mft_record_decode(buf, b->mft_record_size, 0, rec, error);
}

/* The runlist of $MFT: the first extent in record 0, the rest (large, fragmented MFTs)
 * in extension records that the first extent maps. */
static bool load_mft_runlist(Volume *vol, const MftRecord *rec0, GError **error)
{
	g_autoptr(MftFile) mft = NULL;
	/* mft_file_build reads extension records through vol->mft_runs, which it extends as it
	 * goes; seed it with record 0's own extent first. */
	AttributeIter it;
	Attribute attr;
	AttributeNext next;
	attribute_iter_init(&it, rec0);
	while ((next = attribute_iter_next(&it, &attr, error)) == ATTRIBUTE_NEXT_OK) {
		if (attr.type != ATTR_DATA || attr.name_length != 0 || !attr.non_resident ||
		    attr.first_vcn != 0)
			continue;
		if (!runlist_decode(attr.mapping_pairs, 0, vol->boot.total_clusters, &vol->mft_runs, error))
			return false;
		vol->mft_records = attr.data_size / vol->boot.mft_record_size;
		break;
	}
	if (next == ATTRIBUTE_NEXT_ERROR)
		return false;
	if (vol->mft_runs.count == 0)
		return rfs_set_corrupt(error, "$MFT record 0 has no $DATA attribute");
	mft = mft_file_build(vol, rec0, 0, error);
	if (mft == NULL)
		return false;
	MftStream *data = mft_file_stream(mft, NULL);
	if (data == NULL || data->resident || data->runs.count == 0)
		return rfs_set_corrupt(error, "$MFT has no usable $DATA attribute");
	runlist_clear(&vol->mft_runs);
	vol->mft_runs = data->runs;
	data->runs = (Runlist){ 0 };
	/* The scan reads every record the runlist maps: bound that by the volume itself, so a
	 * forged size or sparse run cannot make it read for weeks. */
	uint64_t mapped = 0;
	for (size_t i = 0; i < vol->mft_runs.count; i++) {
		const Run *r = &vol->mft_runs.runs[i];
		if (r->lcn == RUN_LCN_SPARSE || r->lcn >= vol->boot.total_clusters ||
		    r->length_clusters > vol->boot.total_clusters - r->lcn)
			return rfs_set_corrupt(error, "$MFT: run %zu (LCN %" PRIu64 "+%" PRIu64 ") is not on the volume",
					       i, r->lcn, r->length_clusters);
		mapped = MIN(mapped + r->length_clusters, vol->boot.total_clusters); /* no wrap */
	}
	uint64_t max_records = mapped * vol->boot.cluster_size / vol->boot.mft_record_size;
	vol->mft_records = data->data_size / vol->boot.mft_record_size;
	if (vol->mft_records > max_records) {
		g_warning("$MFT claims %" PRIu64 " records but its runlist maps %" PRIu64 "; scanning those",
			  vol->mft_records, max_records);
		vol->mft_records = max_records;
	}
	if (vol->mft_records < MFT_RECORD_FIRST_USER)
		return rfs_set_corrupt(error, "$MFT holds only %" PRIu64 " records", vol->mft_records);
	return true;
}

Volume *volume_open(BlockSource *src, const BootSector *boot, GError **error)
{
	g_autofree uint8_t *buf = g_malloc(boot->mft_record_size);
	Volume *vol = g_new0(Volume, 1);
	vol->src = src;
	vol->boot = *boot;
	vol->label = g_strdup("");
	MftRecord rec0;
	g_autoptr(GError) primary_error = NULL;
	bool ok = read_record0_at(vol, boot->mft_lcn, buf, &rec0, &primary_error) &&
		  load_mft_runlist(vol, &rec0, &primary_error);
	if (!ok) {
		g_autoptr(GError) mirror_error = NULL;
		runlist_clear(&vol->mft_runs);
		vol->mft_from_mirror = true;
		ok = read_record0_at(vol, boot->mftmirr_lcn, buf, &rec0, &mirror_error) &&
		     load_mft_runlist(vol, &rec0, &mirror_error);
		if (!ok) {
			rfs_set_error(error, primary_error->domain == RFS_ERROR ? (RfsError)primary_error->code : RFS_ERROR_CORRUPT,
				      "cannot read the MFT: %s (and from $MFTMirr: %s)",
				      primary_error->message, mirror_error->message);
			volume_free(vol);
			return NULL;
		}
		g_warning("$MFT record 0 is damaged (%s); using the copy in $MFTMirr", primary_error->message);
	}
	return vol;
}

static void build_rank(Volume *vol);

static bool load_bitmap(Volume *vol, GError **error)
{
	g_autoptr(MftFile) file = mft_file_load(vol, MFT_RECORD_BITMAP, 0, error);
	if (file == NULL)
		return false;
	MftStream *data = mft_file_stream(file, NULL);
	uint64_t need = (vol->boot.total_clusters + 7) / 8;
	if (data == NULL || data->resident || data->data_size < need)
		return rfs_set_corrupt(error, "$Bitmap: no $DATA of at least %" PRIu64 " bytes", need);
	if (data->incomplete)
		return rfs_set_corrupt(error, "$Bitmap: runlist incomplete");
	/* A boot sector may claim more clusters than the (truncated, --force) source holds. */
	if (need > vol->src->size_bytes)
		return rfs_set_corrupt(error, "$Bitmap: %" PRIu64 " bytes cannot be on a %" PRIu64 "-byte source",
				       need, vol->src->size_bytes);
	uint8_t *bitmap = g_try_malloc(need);
	if (bitmap == NULL)
		return rfs_set_io(error, "$Bitmap: no memory for %" PRIu64 " bytes", need);
	if (!volume_read_runs(vol, &data->runs, 0, bitmap, need, error)) {
		g_free(bitmap);
		g_prefix_error(error, "$Bitmap: ");
		return false;
	}
	volume_set_bitmap(vol, bitmap, need);
	return true;
}

static void load_label(Volume *vol)
{
	g_autoptr(GError) error = NULL;
	g_autofree uint8_t *buf = g_malloc(vol->boot.mft_record_size);
	MftRecord rec;
	if (!volume_read_record(vol, MFT_RECORD_VOLUME, buf, &error) ||
	    !mft_record_decode(buf, vol->boot.mft_record_size, MFT_RECORD_VOLUME, &rec, &error)) {
		g_debug("no volume label: %s", error->message);
		return;
	}
	AttributeIter it;
	Attribute attr;
	attribute_iter_init(&it, &rec);
	while (attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK) {
		if (attr.type == ATTR_VOLUME_NAME && !attr.non_resident) {
			g_free(vol->label);
			vol->label = utf16_to_utf8_name(attr.value.data, attr.value.size / 2);
			return;
		}
	}
}

bool volume_load_metadata(Volume *vol, GError **error)
{
	load_label(vol);
	return load_bitmap(vol, error);
}

enum {
	RANK_BLOCK_BITS = 512,
	RANK_BLOCK_WORDS = RANK_BLOCK_BITS / 64,
};

static uint64_t word_at(const Volume *vol, uint64_t word)
{
	uint64_t w = 0;
	uint64_t at = word * 8;
	for (unsigned i = 0; i < 8 && at + i < vol->bitmap_bytes; i++)
		w |= (uint64_t)vol->bitmap[at + i] << (8 * i);
	return w;
}

/* Counts per 512-cluster block, so any range costs at most two partial blocks: a hostile
 * MFT full of files that each claim the whole volume cannot make the scan crawl. */
static void build_rank(Volume *vol)
{
	uint64_t bits = vol->bitmap_bytes * 8;
	uint64_t blocks = bits / RANK_BLOCK_BITS + 1;
	vol->bitmap_rank = g_new(uint64_t, blocks + 1);
	uint64_t sum = 0;
	for (uint64_t b = 0; b <= blocks; b++) {
		vol->bitmap_rank[b] = sum;
		for (unsigned w = 0; b < blocks && w < RANK_BLOCK_WORDS; w++)
			sum += (uint64_t)__builtin_popcountll(word_at(vol, b * RANK_BLOCK_WORDS + w));
	}
}

void volume_set_bitmap(Volume *vol, uint8_t *bitmap, uint64_t bytes)
{
	g_free(vol->bitmap);
	g_free(vol->bitmap_rank);
	vol->bitmap = bitmap;
	vol->bitmap_bytes = bytes;
	vol->bitmap_rank = NULL;
	if (bitmap != NULL)
		build_rank(vol);
}

/* Allocated clusters in [0, bit). */
static uint64_t rank(const Volume *vol, uint64_t bit)
{
	uint64_t block = bit / RANK_BLOCK_BITS;
	uint64_t sum = vol->bitmap_rank[block];
	uint64_t word = block * RANK_BLOCK_WORDS;
	for (uint64_t w = word; w < bit / 64; w++)
		sum += (uint64_t)__builtin_popcountll(word_at(vol, w));
	if (bit % 64 != 0)
		sum += (uint64_t)__builtin_popcountll(word_at(vol, bit / 64) & ((UINT64_C(1) << (bit % 64)) - 1));
	return sum;
}

uint64_t volume_clusters_in_use(const Volume *vol, uint64_t lcn, uint64_t count)
{
	if (vol->bitmap == NULL)
		return count;
	uint64_t total = vol->bitmap_bytes * 8;
	if (lcn >= total)
		return count; /* outside the volume: nothing there is ours to promise */
	uint64_t outside = 0;
	if (count > total - lcn) {
		outside = count - (total - lcn);
		count = total - lcn;
	}
	return outside + rank(vol, lcn + count) - rank(vol, lcn);
}

uint64_t volume_free_clusters(const Volume *vol)
{
	if (vol->bitmap == NULL)
		return 0;
	return vol->boot.total_clusters - volume_clusters_in_use(vol, 0, vol->boot.total_clusters);
}

void volume_free(Volume *vol)
{
	if (vol == NULL)
		return;
	runlist_clear(&vol->mft_runs);
	g_free(vol->bitmap);
	g_free(vol->bitmap_rank);
	g_free(vol->label);
	g_free(vol);
}
