/* libFuzzer target: a whole volume, fast. Every input is a scannable volume of 256 KiB:
 * a fixed boot sector (1 KiB clusters and records, $MFT at cluster 8, $MFTMirr at cluster
 * 1) and the input as the volume's bytes from cluster 1 on, the rest zeros. The volume is
 * then opened as restorefs opens one ($MFT's runlist from its own record 0 or the mirror,
 * $Bitmap, the label), scanned, and the start and the end of every stream read. Seeds are
 * the test images shrunk to this geometry (scripts/fuzz-seeds.sh), tens of KiB each: the
 * fuzzer's own work grows with the input's size. */
#include <glib.h>
#include <string.h>

#include "index/mft_scan.h"
#include "ntfs/data_stream.h"
#include "util/error.h"
#include "fuzz_quiet.h"

/* Reads serve zeros for clusters in use by others and for lost ranges alike. */
static const RfsStreamOptions zero_options = { .overwritten = RFS_OVERWRITTEN_ZERO };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	CLUSTER = 1024,
	CLUSTERS = 256,
	VOLUME = CLUSTER * CLUSTERS,
	INPUT_AT = CLUSTER, /* the input covers clusters 1 .. 255 */
	MFT_LCN = 8,
	MFTMIRR_LCN = 1,
};

/* The volume, one buffer for every input (a fresh 256 KiB allocation per input costs more
 * under AddressSanitizer than scanning it). */
static uint8_t volume_bytes[VOLUME];

static bool volume_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			   GError **error)
{
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "read past the end");
	memcpy(buf, volume_bytes + offset, length);
	return true;
}

static void volume_close(BlockSource *self)
{
}

static void boot_sector_template(uint8_t *b)
{
	memcpy(b + 3, "NTFS    ", 8);
	b[0x0B] = 512 & 0xFF;                       /* bytes per sector */
	b[0x0C] = 512 >> 8;
	b[0x0D] = CLUSTER / 512;                    /* sectors per cluster */
	b[0x28] = (VOLUME / 512) & 0xFF;            /* total sectors */
	b[0x29] = (VOLUME / 512) >> 8;
	b[0x30] = MFT_LCN;
	b[0x38] = MFTMIRR_LCN;
	b[0x40] = 0xF6;                             /* records of 2^10 bytes */
	b[0x44] = 4;                                /* index records of 4 clusters */
	b[0x1FE] = 0x55;
	b[0x1FF] = 0xAA;
}

/* FUZZ_EXPLAIN=1 in the environment: say why an input got no further (for seeds). */
static void explain(const char *what, GError **error)
{
	if (*error != NULL && g_getenv("FUZZ_EXPLAIN") != NULL)
		g_printerr("%s: %s\n", what, (*error)->message);
	g_clear_error(error);
}

static void read_stream(const Volume *vol, const IndexNode *n)
{
	if (n->info.flags & RFS_ENTRY_DIRECTORY)
		return;
	MftFile *file = mft_file_load(&vol->mft, n->info.mft_record, 0, NULL);
	if (file == NULL)
		return;
	MftStream *s = mft_file_steal_stream(file, n->info.stream_name);
	mft_file_free(file);
	if (s == NULL)
		return;
	DataStream *ds = data_stream_new(vol, s, (n->info.flags & RFS_ENTRY_REMOVED) != 0,
					 &zero_options, NULL);
	if (ds == NULL)
		return;
	static uint8_t buf[2 * CLUSTER];
	size_t got;
	uint64_t end = data_stream_size(ds);
	/* Failing is fine; crashing is not. */
	if (!data_stream_read(ds, 0, buf, sizeof buf, &got, NULL))
		got = 0;
	if (end > sizeof buf && !data_stream_read(ds, end - sizeof buf + 1, buf, sizeof buf, &got, NULL))
		got = 0;
	data_stream_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes = volume_bytes;
	size_t used = MIN(size, (size_t)(VOLUME - INPUT_AT));
	memset(bytes, 0, INPUT_AT);
	boot_sector_template(bytes);
	memcpy(bytes + INPUT_AT, data, used);
	memset(bytes + INPUT_AT + used, 0, VOLUME - INPUT_AT - used);
	BootSector boot;
	g_assert(boot_sector_parse(byte_span(bytes, 512), &boot, NULL));

	BlockSource src = { .size_bytes = VOLUME, .sector_size = 512, .read_at = volume_read_at,
			    .close = volume_close };
	GError *error = NULL;
	Volume *vol = volume_open(&src, &boot, &error);
	explain("volume_open", &error);
	if (vol != NULL) {
		if (!volume_load_metadata(vol, &error))
			explain("volume_load_metadata", &error);
		DeletedIndex *index = deleted_index_new();
		uint32_t flags = size & 1 ? RFS_SCAN_INCLUDE_LIVE : 0;
		if (mft_scan_run(vol, index, flags, NULL, NULL, NULL)) {
			if (g_getenv("FUZZ_EXPLAIN") != NULL)
				g_printerr("scan: %u entries\n", g_hash_table_size(index->by_id));
			GHashTableIter it;
			gpointer value;
			g_hash_table_iter_init(&it, index->by_id);
			while (g_hash_table_iter_next(&it, NULL, &value))
				read_stream(vol, value);
		}
		deleted_index_free(index);
		volume_free(vol);
	}
	return 0;
}
