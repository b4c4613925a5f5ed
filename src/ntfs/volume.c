/* An NTFS volume above its MFT reader: bootstraps $MFT's complete runlist from record 0
 * (or $MFTMirr's copy), and loads $Bitmap, for "is this cluster in use now", and the label.
 * Reads records through mft_reader.c and files through mft_file.c. Never writes. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/volume.h"

#include <string.h>

#include "ntfs/mft_file.h"
#include "util/error.h"
#include "util/utf16.h"

/* $MFT's complete runlist from record 0 at `lcn`: a reader over record 0's first extent
 * reads the extension records (large, fragmented MFTs) that hold the other extents. */
static bool load_mft(Volume *vol, BlockSource *src, const BootSector *boot, uint64_t lcn,
		     GError **error)
{
	g_autofree uint8_t *buf = g_malloc(boot->mft_record_size);
	MftRecord rec0;
	MftReader first;
	if (!mft_reader_read_boot_record(src, 0, boot, lcn, MFT_RECORD_MFT, buf, &rec0, error) ||
	    !mft_reader_init_first_extent(&first, src, boot, &rec0, error))
		return false;
	g_autoptr(MftFile) mft = mft_file_build(&first, &rec0, 0, NULL, error);
	mft_reader_clear(&first);
	MftStream *data = mft != NULL ? mft_file_stream(mft, NULL) : NULL;
	if (data == NULL || data->resident || data->runs.count == 0)
		return rfs_set_corrupt(error, "$MFT has no usable $DATA attribute");
	return mft_reader_init(&vol->mft, src, boot, &data->runs, data->data_size, error);
}

Volume *volume_open(BlockSource *src, const BootSector *boot, GError **error)
{
	Volume *vol = g_new0(Volume, 1);
	vol->label = g_strdup("");
	g_autoptr(GError) primary_error = NULL;
	if (!load_mft(vol, src, boot, boot->mft_lcn, &primary_error)) {
		g_autoptr(GError) mirror_error = NULL;
		vol->mft_from_mirror = true;
		if (!load_mft(vol, src, boot, boot->mftmirr_lcn, &mirror_error)) {
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

Volume *volume_new_bare(BlockSource *src, const BootSector *boot)
{
	Volume *vol = g_new0(Volume, 1);
	vol->label = g_strdup("");
	vol->mft = (MftReader){ .src = src, .boot = *boot };
	return vol;
}

bool volume_adopt_mft(Volume *vol, Runlist *runs, uint64_t data_size, GError **error)
{
	BootSector boot = vol->mft.boot;
	mft_reader_clear(&vol->mft);
	if (!mft_reader_init(&vol->mft, vol->mft.src, &boot, runs, data_size, error)) {
		vol->mft.boot = boot;
		return false;
	}
	vol->mft_located = true;
	return true;
}

static void build_rank(Volume *vol);

static bool load_bitmap(Volume *vol, GError **error)
{
	g_autoptr(MftFile) file = mft_file_load(&vol->mft, MFT_RECORD_BITMAP, 0, error);
	if (file == NULL)
		return false;
	MftStream *data = mft_file_stream(file, NULL);
	uint64_t need = (vol->mft.boot.total_clusters + 7) / 8;
	if (data == NULL || data->resident || data->data_size < need)
		return rfs_set_corrupt(error, "$Bitmap: no $DATA of at least %" PRIu64 " bytes", need);
	if (data->incomplete)
		return rfs_set_corrupt(error, "$Bitmap: runlist incomplete");
	/* A boot sector may claim more clusters than the (truncated, --force) source holds. */
	if (need > vol->mft.src->size_bytes)
		return rfs_set_corrupt(error, "$Bitmap: %" PRIu64 " bytes cannot be on a %" PRIu64 "-byte source",
				       need, vol->mft.src->size_bytes);
	uint8_t *bitmap = g_try_malloc(need);
	if (bitmap == NULL)
		return rfs_set_io(error, "$Bitmap: no memory for %" PRIu64 " bytes", need);
	if (!mft_reader_read_runs(&vol->mft, &data->runs, 0, bitmap, need, error)) {
		g_free(bitmap);
		g_prefix_error(error, "$Bitmap: ");
		return false;
	}
	volume_set_bitmap(vol, bitmap, need);
	return true;
}

/* The first resident $VOLUME_NAME of a decoded record 3 (resident by definition): UTF-8,
 * or NULL if there is none, it is empty, or the attributes before it are damaged. */
static char *label_from_record(const MftRecord *rec)
{
	AttributeIter it;
	Attribute attr;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK) {
		if (attr.type != ATTR_VOLUME_NAME || attr.non_resident)
			continue;
		size_t units = attr.value.size / 2;
		return units > 0 ? utf16_to_utf8_name(attr.value.data, units) : NULL;
	}
	return NULL;
}

static void load_label(Volume *vol)
{
	g_autoptr(GError) error = NULL;
	g_autofree uint8_t *buf = g_malloc(vol->mft.boot.mft_record_size);
	MftRecord rec;
	if (!mft_reader_load_record(&vol->mft, MFT_RECORD_VOLUME, buf, &rec, &error)) {
		g_debug("no volume label: %s", error->message);
		return;
	}
	char *label = label_from_record(&rec);
	if (label != NULL) {
		g_free(vol->label);
		vol->label = label;
	}
}

char *volume_probe_label(BlockSource *src, uint64_t volume_offset, const BootSector *boot)
{
	g_autofree uint8_t *buf = g_malloc(boot->mft_record_size);
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	if (!mft_reader_read_boot_record(src, volume_offset, boot, boot->mft_lcn, MFT_RECORD_VOLUME,
					 buf, &rec, &error)) {
		g_debug("no volume label at byte %" PRIu64 ": %s", volume_offset, error->message);
		return NULL;
	}
	return label_from_record(&rec);
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
	return vol->mft.boot.total_clusters - volume_clusters_in_use(vol, 0, vol->mft.boot.total_clusters);
}

void volume_free(Volume *vol)
{
	if (vol == NULL)
		return;
	mft_reader_clear(&vol->mft);
	g_free(vol->bitmap);
	g_free(vol->bitmap_rank);
	g_free(vol->label);
	g_free(vol);
}
