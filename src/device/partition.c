/* MBR (primary, extended and logical) and GPT partition tables. The parsers decode bytes
 * only; partition_table_read() does the reads, follows the EBR chain with a bound and a
 * loop check, and falls back to the backup GPT. It never writes and never repairs. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/partition.h"

#include <inttypes.h>
#include <string.h>

#include "util/crc32.h"
#include "util/error.h"
#include "util/utf16.h"

enum {                              /* MBR / EBR sector */
	MBR_OEM_ID        = 0x03,   /* 8 bytes; "NTFS    " here means a volume, not a disk */
	MBR_ENTRIES       = 0x1BE,  /* 4 entries of 16 bytes */
	MBR_ENTRY_SIZE    = 16,
	MBR_E_STATUS      = 0x00,   /* u8, 0x00 or 0x80 */
	MBR_E_TYPE        = 0x04,   /* u8 */
	MBR_E_FIRST_LBA   = 0x08,   /* u32 */
	MBR_E_COUNT       = 0x0C,   /* u32 */
	MBR_END_MARKER    = 0x1FE,  /* 0x55 0xAA */
};

enum {                              /* GPT header (LBA 1, backup at the disk's last LBA) */
	GPT_SIGNATURE     = 0x00,   /* 8 bytes, "EFI PART" */
	GPT_HEADER_SIZE   = 0x0C,   /* u32, 92 .. sector size */
	GPT_HEADER_CRC    = 0x10,   /* u32, over header size bytes with this field zeroed */
	GPT_CURRENT_LBA   = 0x18,   /* u64 */
	GPT_BACKUP_LBA    = 0x20,   /* u64 */
	GPT_FIRST_USABLE  = 0x28,   /* u64 */
	GPT_LAST_USABLE   = 0x30,   /* u64, inclusive */
	GPT_ENTRIES_LBA   = 0x48,   /* u64 */
	GPT_ENTRY_COUNT   = 0x50,   /* u32 */
	GPT_ENTRY_SIZE    = 0x54,   /* u32, 128 * 2^n */
	GPT_ENTRIES_CRC   = 0x58,   /* u32 */
	GPT_HEADER_MIN    = 92,
};

enum {                              /* GPT partition entry */
	GPT_E_TYPE        = 0x00,   /* 16-byte GUID; all zero = unused */
	GPT_E_FIRST_LBA   = 0x20,   /* u64 */
	GPT_E_LAST_LBA    = 0x28,   /* u64, inclusive */
	GPT_E_NAME        = 0x38,   /* 36 UTF-16LE units, NUL-padded */
	GPT_E_NAME_UNITS  = 36,
};

enum {
	EBR_MAX_CHAIN = 256, /* Linux stops at 256 partitions per disk as well */
};

bool partition_mbr_type_is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0F || type == 0x85;
}

bool partition_mbr_parse(ByteSpan sector, MbrSector *out, GError **error)
{
	if (!span_has(sector, 0, MBR_SIZE))
		return rfs_set_corrupt(error, "partition sector of %zu bytes, need %d", sector.size,
				       MBR_SIZE);
	const uint8_t *p = sector.data;
	if (p[MBR_END_MARKER] != 0x55 || p[MBR_END_MARKER + 1] != 0xAA)
		return rfs_set_corrupt(error, "no 0x55AA partition table marker");
	MbrSector m = { 0 };
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = p + MBR_ENTRIES + i * MBR_ENTRY_SIZE;
		m.entries[i] = (MbrEntry){
			.status = e[MBR_E_STATUS],
			.type = e[MBR_E_TYPE],
			.first_lba = le32_at(e + MBR_E_FIRST_LBA),
			.sector_count = le32_at(e + MBR_E_COUNT),
		};
		if (m.entries[i].status != 0x00 && m.entries[i].status != 0x80)
			return rfs_set_corrupt(error, "partition entry %d: status byte 0x%02x is not 0x00 or 0x80",
					       i + 1, m.entries[i].status);
	}
	*out = m;
	return true;
}

bool partition_gpt_header_parse(ByteSpan sector, GptHeader *out, GError **error)
{
	if (!span_has(sector, 0, GPT_HEADER_MIN) || memcmp(sector.data, "EFI PART", 8) != 0)
		return rfs_set_corrupt(error, "no GPT header signature");
	const uint8_t *p = sector.data;
	uint32_t header_size = le32_at(p + GPT_HEADER_SIZE);
	if (header_size < GPT_HEADER_MIN || header_size > sector.size)
		return rfs_set_corrupt(error, "GPT header size %" PRIu32 " outside %d..%zu",
				       header_size, GPT_HEADER_MIN, sector.size);
	uint32_t stored_crc = le32_at(p + GPT_HEADER_CRC);
	static const uint8_t zero_crc[4] = { 0 };
	uint32_t crc = crc32_update(0, p, GPT_HEADER_CRC);
	crc = crc32_update(crc, zero_crc, sizeof zero_crc);
	crc = crc32_update(crc, p + GPT_HEADER_CRC + 4, header_size - GPT_HEADER_CRC - 4);
	if (crc != stored_crc)
		return rfs_set_corrupt(error, "GPT header CRC32 0x%08" PRIx32 ", computed 0x%08" PRIx32,
				       stored_crc, crc);
	GptHeader h = {
		.current_lba = le64_at(p + GPT_CURRENT_LBA),
		.backup_lba = le64_at(p + GPT_BACKUP_LBA),
		.first_usable_lba = le64_at(p + GPT_FIRST_USABLE),
		.last_usable_lba = le64_at(p + GPT_LAST_USABLE),
		.entries_lba = le64_at(p + GPT_ENTRIES_LBA),
		.entry_count = le32_at(p + GPT_ENTRY_COUNT),
		.entry_size = le32_at(p + GPT_ENTRY_SIZE),
		.entries_crc32 = le32_at(p + GPT_ENTRIES_CRC),
	};
	if (h.entry_size < GPT_ENTRY_MIN_SIZE || h.entry_size > GPT_ENTRY_MAX_SIZE ||
	    h.entry_size % 8 != 0)
		return rfs_set_corrupt(error, "GPT entry size %" PRIu32 " outside %d..%d or not a multiple of 8",
				       h.entry_size, GPT_ENTRY_MIN_SIZE, GPT_ENTRY_MAX_SIZE);
	if (h.entry_count == 0 || h.entry_count > GPT_ENTRIES_MAX_BYTES / h.entry_size)
		return rfs_set_corrupt(error, "GPT claims %" PRIu32 " entries of %" PRIu32 " bytes (at most %d bytes)",
				       h.entry_count, h.entry_size, GPT_ENTRIES_MAX_BYTES);
	if (h.first_usable_lba > h.last_usable_lba)
		return rfs_set_corrupt(error, "GPT usable range %" PRIu64 "..%" PRIu64 " is inverted",
				       h.first_usable_lba, h.last_usable_lba);
	*out = h;
	return true;
}

static bool guid_is_zero(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i] != 0)
			return false;
	return true;
}

static void table_append(PartitionTable *table, const Partition *part)
{
	table->parts = g_renew(Partition, table->parts, table->count + 1);
	table->parts[table->count++] = *part;
}

bool partition_gpt_entries_parse(const GptHeader *header, ByteSpan entries, PartitionTable *out,
				 GError **error)
{
	size_t array_bytes = (size_t)header->entry_count * header->entry_size; /* <= 4 MiB */
	if (header->entry_size < GPT_ENTRY_MIN_SIZE || header->entry_count == 0 ||
	    header->entry_count > GPT_ENTRIES_MAX_BYTES / header->entry_size)
		return rfs_set_corrupt(error, "GPT entry array of %" PRIu32 " x %" PRIu32 " bytes",
				       header->entry_count, header->entry_size);
	if (!span_has(entries, 0, array_bytes))
		return rfs_set_corrupt(error, "GPT entry array truncated: %zu of %zu bytes",
				       entries.size, array_bytes);
	uint32_t crc = crc32_update(0, entries.data, array_bytes);
	if (crc != header->entries_crc32)
		return rfs_set_corrupt(error, "GPT entry array CRC32 0x%08" PRIx32 ", computed 0x%08" PRIx32,
				       header->entries_crc32, crc);
	for (uint32_t i = 0; i < header->entry_count; i++) {
		const uint8_t *e = entries.data + (size_t)i * header->entry_size;
		if (guid_is_zero(e + GPT_E_TYPE))
			continue;
		uint64_t first = le64_at(e + GPT_E_FIRST_LBA);
		uint64_t last = le64_at(e + GPT_E_LAST_LBA);
		if (first > last || first == 0) {
			g_debug("GPT entry %" PRIu32 ": LBA %" PRIu64 "..%" PRIu64 ", ignored",
				i + 1, first, last);
			continue;
		}
		size_t units = 0;
		while (units < GPT_E_NAME_UNITS && le16_at(e + GPT_E_NAME + 2 * units) != 0)
			units++;
		Partition part = {
			.number = i + 1,
			.start_sector = first,
			.sector_count = last - first + 1, /* first > 0: cannot wrap to 0 */
			.name = units > 0 ? utf16_to_utf8_name(e + GPT_E_NAME, units) : NULL,
		};
		memcpy(part.gpt_type, e + GPT_E_TYPE, 16);
		table_append(out, &part);
	}
	out->is_gpt = true;
	return true;
}

void partition_table_clear(PartitionTable *table)
{
	if (table == NULL)
		return;
	for (size_t i = 0; i < table->count; i++)
		g_free(table->parts[i].name);
	g_free(table->parts);
	*table = (PartitionTable){ 0 };
}

const Partition *partition_table_lookup(const PartitionTable *table, uint32_t number)
{
	for (size_t i = 0; i < table->count; i++)
		if (table->parts[i].number == number)
			return &table->parts[i];
	return NULL;
}

/* ---- I/O ---- */

static bool read_sector(BlockSource *disk, uint64_t lba, uint32_t sector_size, uint8_t *buf,
			GError **error)
{
	uint64_t offset;
	if (!g_uint64_checked_mul(&offset, lba, sector_size))
		return rfs_set_corrupt(error, "sector %" PRIu64 " is past any disk", lba);
	return block_source_read(disk, offset, buf, sector_size, error);
}

/* One GPT copy: the header at `lba`, which must say it lies there, and its entry array. */
static bool gpt_read_copy_at(BlockSource *disk, uint32_t sector_size, uint64_t lba,
			     PartitionTable *out, uint64_t *other_lba, GError **error)
{
	g_autofree uint8_t *sector = g_malloc(sector_size);
	GptHeader h;
	if (!read_sector(disk, lba, sector_size, sector, error) ||
	    !partition_gpt_header_parse(byte_span(sector, sector_size), &h, error))
		return false;
	*other_lba = h.backup_lba;
	if (h.current_lba != lba)
		return rfs_set_corrupt(error, "header says it lies at LBA %" PRIu64, h.current_lba);
	uint64_t offset;
	if (!g_uint64_checked_mul(&offset, h.entries_lba, sector_size))
		return rfs_set_corrupt(error, "entries at LBA %" PRIu64, h.entries_lba);
	size_t array_bytes = (size_t)h.entry_count * h.entry_size; /* bounded by the parser */
	g_autofree uint8_t *array = g_malloc(array_bytes);
	if (!block_source_read(disk, offset, array, array_bytes, error) ||
	    !partition_gpt_entries_parse(&h, byte_span(array, array_bytes), out, error))
		return false;
	out->sector_size = sector_size;
	return true;
}

static bool gpt_read_copy(BlockSource *disk, uint32_t sector_size, uint64_t lba,
			  PartitionTable *out, uint64_t *other_lba, GError **error)
{
	if (gpt_read_copy_at(disk, sector_size, lba, out, other_lba, error))
		return true;
	g_prefix_error(error, "GPT at LBA %" PRIu64 ": ", lba);
	return false;
}

static bool gpt_read(BlockSource *disk, uint32_t sector_size, PartitionTable *out, GError **error)
{
	uint64_t last_lba = disk->size_bytes / sector_size - 1;
	uint64_t other = last_lba;
	g_autoptr(GError) primary_error = NULL;
	if (gpt_read_copy(disk, sector_size, 1, out, &other, &primary_error))
		return true;
	g_debug("%s; trying the backup header", primary_error->message);
	g_autoptr(GError) backup_error = NULL;
	uint64_t ignored;
	if (gpt_read_copy(disk, sector_size, last_lba, out, &ignored, &backup_error))
		return true;
	if (other != last_lba && other > 1 && other < last_lba &&
	    gpt_read_copy(disk, sector_size, other, out, &ignored, NULL))
		return true;
	return rfs_set_corrupt(error, "no valid GPT: %s; %s", primary_error->message,
			       backup_error->message);
}

/* Linux's rules: logical partitions start relative to their own EBR, the next EBR relative
 * to the start of the outermost extended partition. Entries 3 and 4 of an EBR often hold
 * garbage, so they count only if they lie inside the extended partition. */
static bool ebr_chain_read(BlockSource *disk, uint32_t sector_size, const MbrEntry *extended,
			   PartitionTable *out, GError **error)
{
	uint64_t ext_start = extended->first_lba;
	uint64_t ext_end = ext_start + extended->sector_count; /* u32 + u32: no wrap */
	uint64_t ebr_lba = ext_start;
	uint32_t number = 5;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autofree uint64_t *keys = g_new(uint64_t, EBR_MAX_CHAIN);
	g_autofree uint8_t *sector = g_malloc(sector_size);

	for (int step = 0;; step++) {
		if (step == EBR_MAX_CHAIN)
			return rfs_set_corrupt(error, "more than %d extended boot records", EBR_MAX_CHAIN);
		keys[step] = ebr_lba;
		if (!g_hash_table_add(seen, &keys[step]))
			return rfs_set_corrupt(error, "extended boot records loop back to sector %" PRIu64,
					       ebr_lba);
		MbrSector ebr;
		if (!read_sector(disk, ebr_lba, sector_size, sector, error) ||
		    !partition_mbr_parse(byte_span(sector, sector_size), &ebr, error)) {
			g_prefix_error(error, "extended boot record at sector %" PRIu64 ": ", ebr_lba);
			return false;
		}
		const MbrEntry *next = NULL;
		for (int i = 0; i < 4; i++) {
			const MbrEntry *e = &ebr.entries[i];
			if (e->sector_count == 0)
				continue;
			if (partition_mbr_type_is_extended(e->type)) {
				if (next == NULL)
					next = e;
				continue;
			}
			uint64_t start = ebr_lba + e->first_lba;
			if (i >= 2 && (start < ext_start || start + e->sector_count > ext_end))
				continue;
			Partition part = {
				.number = number++,
				.start_sector = start,
				.sector_count = e->sector_count,
				.mbr_type = e->type,
			};
			table_append(out, &part);
		}
		if (next == NULL)
			return true;
		ebr_lba = ext_start + next->first_lba;
	}
}

static bool mbr_read(BlockSource *disk, uint32_t sector_size, const MbrSector *mbr,
		     PartitionTable *out, GError **error)
{
	const MbrEntry *extended = NULL;
	out->sector_size = sector_size;
	for (int i = 0; i < 4; i++) {
		const MbrEntry *e = &mbr->entries[i];
		if (e->type == 0 || e->sector_count == 0 || e->first_lba == 0)
			continue;
		if (partition_mbr_type_is_extended(e->type)) {
			if (extended == NULL)
				extended = e;
			continue;
		}
		Partition part = {
			.number = (uint32_t)i + 1,
			.start_sector = e->first_lba,
			.sector_count = e->sector_count,
			.mbr_type = e->type,
		};
		table_append(out, &part);
	}
	if (extended != NULL && !ebr_chain_read(disk, sector_size, extended, out, error))
		return false;
	return true;
}

static bool has_gpt_signature(BlockSource *disk, uint64_t offset)
{
	uint8_t sig[8];
	return offset <= disk->size_bytes && sizeof sig <= disk->size_bytes - offset &&
	       block_source_read(disk, offset, sig, sizeof sig, NULL) &&
	       memcmp(sig, "EFI PART", 8) == 0;
}

bool partition_table_read(BlockSource *disk, uint32_t sector_size, PartitionTable *out,
			  GError **error)
{
	*out = (PartitionTable){ 0 };
	bool guess = sector_size == 0;
	if (guess)
		sector_size = disk->sector_size != 0 ? disk->sector_size : 512;
	if (sector_size < MBR_SIZE || sector_size > 65536 || (sector_size & (sector_size - 1)) != 0)
		return rfs_set_error(error, RFS_ERROR_INVALID, "sector size %" PRIu32 " is not a power of two in 512..65536",
				     sector_size);
	if (disk->size_bytes / sector_size < 3) {
		out->sector_size = sector_size;
		return true;
	}
	if (guess && sector_size == 512 && !has_gpt_signature(disk, 512) &&
	    has_gpt_signature(disk, 4096) && disk->size_bytes / 4096 >= 3)
		sector_size = 4096;

	g_autofree uint8_t *sector = g_malloc(sector_size);
	if (!read_sector(disk, 0, sector_size, sector, error))
		return false;
	MbrSector mbr;
	g_autoptr(GError) mbr_error = NULL;
	bool have_mbr = memcmp(sector + MBR_OEM_ID, "NTFS    ", 8) != 0 &&
			partition_mbr_parse(byte_span(sector, sector_size), &mbr, &mbr_error);
	bool protective = false;
	for (int i = 0; have_mbr && i < 4; i++)
		protective = protective || mbr.entries[i].type == MBR_TYPE_GPT_PROTECTIVE;

	bool ok = true;
	if (protective || (!have_mbr && has_gpt_signature(disk, sector_size)))
		ok = gpt_read(disk, sector_size, out, error);
	else if (have_mbr)
		ok = mbr_read(disk, sector_size, &mbr, out, error);
	else
		out->sector_size = sector_size;
	if (!ok)
		partition_table_clear(out);
	return ok;
}
