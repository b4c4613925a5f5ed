/* libFuzzer target: the deep scan's carving. The input is the free space of a small volume
 * (4 KiB clusters) behind an MFT of 16 records that holds only the root: every FILE record
 * in it is validated, built, joined into the tree by parent references and sequence numbers,
 * and read back from where it was found, with its data. */
#include <glib.h>
#include <string.h>

#include "index/mft_scan.h"
#include "ntfs/carved_record.h"
#include "ntfs/data_stream.h"
#include "../unit/fixture_record.h"
#include "../unit/mem_source.h"
#include "fuzz_quiet.h"

enum {
	FZ_CLUSTER = 4096,
	FZ_MFT_CLUSTERS = 4,
	FZ_MAX_INPUT = 48 * 1024,
};

static const RfsStreamOptions zero_options = { .overwritten = RFS_OVERWRITTEN_ZERO };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_back(Volume *vol, const DeletedIndex *index, const IndexNode *n)
{
	if (!(n->info.flags & RFS_ENTRY_CARVED) || (n->info.flags & RFS_ENTRY_DIRECTORY))
		return;
	MftFile *file = carved_record_load(&vol->mft, deleted_index_carved_offset(index, n), n->info.mft_record,
					   n->info.sequence, NULL);
	if (file == NULL)
		__builtin_trap(); /* what the scan carved must read back */
	MftStream *s = mft_file_steal_stream(file, n->info.stream_name);
	if (s != NULL) {
		DataStream *ds = data_stream_new(vol, s, true, &zero_options, NULL);
		uint8_t buf[8192];
		size_t got;
		if (ds != NULL && !data_stream_read(ds, 0, buf, sizeof buf, &got, NULL))
			got = 0; /* failing is fine; crashing is not */
		data_stream_free(ds);
	}
	mft_file_free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FZ_MAX_INPUT)
		return 0;
	size_t total = (size_t)FZ_MFT_CLUSTERS * FZ_CLUSTER + FZ_MAX_INPUT + 64 * 1024;
	uint8_t *image = g_malloc0(total);
	FixtureRecord root;
	fixture_record_init(&root, 5, 3, 0);
	fixture_record_add_name(&root, 5, 5, ".", 3);
	fixture_record_set_number(&root, 5);
	fixture_record_finish(&root);
	memcpy(image + 5 * FIXTURE_RECORD_SIZE, root.buf, sizeof root.buf);
	memcpy(image + (size_t)FZ_MFT_CLUSTERS * FZ_CLUSTER, data + 1, size - 1);
	BlockSource *src = mem_source_new(image, total);
	Volume *vol = mem_volume_new(src, FIXTURE_RECORD_SIZE, FZ_CLUSTER);
	runlist_clear(&vol->mft.runs);
	runlist_append(&vol->mft.runs, (Run){ 0, 0, FZ_MFT_CLUSTERS });
	vol->mft.records = FZ_MFT_CLUSTERS * FZ_CLUSTER / FIXTURE_RECORD_SIZE;
	size_t bitmap_bytes = vol->mft.boot.total_clusters / 8 + 1;
	uint8_t *bitmap = g_malloc0(bitmap_bytes);
	bitmap[0] = (uint8_t)(0x0F | (data[0] & 0xF0)); /* the MFT, and some clusters the input picks */
	volume_set_bitmap(vol, bitmap, bitmap_bytes);
	DeletedIndex *index = deleted_index_new();
	uint32_t flags = RFS_SCAN_DEEP | (data[0] & 1 ? RFS_SCAN_DEEP_ALL : 0) |
			 (data[0] & 2 ? RFS_SCAN_INCLUDE_LIVE : 0);
	MftScan *scan = mft_scan_new(vol, index, flags);
	if (mft_scan_records(scan, NULL, NULL, NULL) && mft_scan_sweep(scan, NULL, NULL, NULL) &&
	    mft_scan_finish(scan, NULL)) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, index->by_id);
		while (g_hash_table_iter_next(&it, NULL, &value))
			read_back(vol, index, value);
	}
	mft_scan_free(scan);
	deleted_index_free(index);
	volume_free(vol);
	block_source_close(src);
	return 0;
}
