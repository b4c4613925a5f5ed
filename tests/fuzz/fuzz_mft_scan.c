/* libFuzzer target: a whole MFT (1 KiB records) scanned into the index and then read back,
 * with the stream data behind it: records, attributes, attribute lists, runlists, the path
 * tree and the data reader all see the fuzzer's bytes. */
#include <glib.h>
#include <string.h>

#include "index/mft_scan.h"
#include "ntfs/data_stream.h"
#include "../unit/mem_source.h"
#include "fuzz_quiet.h"

/* Reads serve zeros for clusters in use by others and for lost ranges alike. */
static const RfsStreamOptions zero_options = { .overwritten = RFS_OVERWRITTEN_ZERO };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_some(Volume *vol, const IndexNode *n)
{
	if (n->info.flags & RFS_ENTRY_DIRECTORY)
		return;
	MftFile *file = mft_file_load(&vol->mft, n->info.mft_record, 0, NULL);
	if (file == NULL)
		return;
	MftStream *s = mft_file_steal_stream(file, n->info.stream_name);
	if (s != NULL) {
		DataStream *ds = data_stream_new(vol, s, true, &zero_options, NULL);
		uint8_t buf[8192];
		size_t got;
		if (ds != NULL)
			if (!data_stream_read(ds, 0, buf, sizeof buf, &got, NULL))
				got = 0; /* failing is fine; crashing is not */
		data_stream_free(ds);
	}
	mft_file_free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum { RECORD = 1024, MAX_RECORDS = 64 };
	if (size < RECORD || size > (size_t)RECORD * MAX_RECORDS)
		return 0;
	size_t usable = size - size % RECORD;
	/* Room behind the MFT for the clusters runlists may point at. */
	size_t total = usable + 64 * 1024;
	uint8_t *copy = g_malloc0(total);
	memcpy(copy, data, usable);
	BlockSource *src = mem_source_new(copy, total);
	Volume *vol = mem_volume_new(src, RECORD, 4096);
	vol->mft.records = usable / RECORD;
	uint8_t *bitmap = g_malloc0(vol->mft.boot.total_clusters / 8 + 1);
	bitmap[0] = (uint8_t)data[0];
	volume_set_bitmap(vol, bitmap, vol->mft.boot.total_clusters / 8 + 1);
	DeletedIndex *index = deleted_index_new();
	if (mft_scan_run(vol, index, data[0] & 1 ? RFS_SCAN_INCLUDE_LIVE : 0, NULL, NULL, NULL)) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, index->by_id);
		while (g_hash_table_iter_next(&it, NULL, &value))
			read_some(vol, value);
	}
	deleted_index_free(index);
	volume_free(vol);
	block_source_close(src);
	return 0;
}
