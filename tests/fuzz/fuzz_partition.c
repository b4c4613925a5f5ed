/* libFuzzer target: the MBR and GPT parsers on arbitrary bytes, and partition_table_read
 * over the input as a whole disk (EBR chains, backup GPT), with 512 and 4096-byte sectors. */
#include <glib.h>
#include <string.h>

#include "device/partition.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	BlockSource base;
	const uint8_t *data;
} FuzzDisk;

static bool fuzz_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			 GError **error)
{
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "read past the end");
	memcpy(buf, ((FuzzDisk *)self)->data + offset, length);
	return true;
}

static void fuzz_close(BlockSource *self)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ByteSpan all = byte_span(data, size);
	MbrSector mbr;
	GptHeader header;
	PartitionTable table = { 0 };
	if (partition_gpt_header_parse(all, &header, NULL) && size >= 512 &&
	    partition_gpt_entries_parse(&header, span_sub(all, 512, size - 512), &table, NULL))
		partition_table_clear(&table);
	if (partition_mbr_parse(all, &mbr, NULL))
		g_assert(mbr.entries[0].status == 0 || mbr.entries[0].status == 0x80);

	FuzzDisk disk = { .base = { .size_bytes = size, .sector_size = 512, .read_at = fuzz_read_at,
				    .close = fuzz_close },
			  .data = data };
	for (uint32_t ss = 0; ss <= 4096; ss += 4096) {
		if (partition_table_read(&disk.base, ss, &table, NULL))
			partition_table_clear(&table);
	}
	return 0;
}
