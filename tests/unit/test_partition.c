/* MBR, EBR chains and GPT on hand-made disks held in memory. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "device/partition.h"
#include "mem_source.h"
#include "util/crc32.h"
#include "util/error.h"

/* ---- an in-memory disk ---- */

static MemSource *mem_disk_new(size_t size, uint32_t sector_size)
{
	MemSource *m = (MemSource *)mem_source_new(g_malloc0(size), size);
	m->base.sector_size = sector_size;
	return m;
}

/* ---- builders ---- */

static void mbr_entry(uint8_t *sector, int slot, uint8_t type, uint32_t first, uint32_t count)
{
	uint8_t *e = sector + 0x1BE + slot * 16;
	e[4] = type;
	le32_put(e + 8, first);
	le32_put(e + 12, count);
	sector[0x1FE] = 0x55;
	sector[0x1FF] = 0xAA;
}

enum { GPT_ENTRIES = 128, GPT_ESIZE = 128 };

static const uint8_t BASIC_DATA[16] = { 0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
					0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7 };

static void gpt_name(uint8_t *e, const char *ascii)
{
	for (size_t i = 0; ascii[i] != '\0'; i++)
		le16_put(e + 0x38 + 2 * i, (uint8_t)ascii[i]);
}

/* Writes one GPT copy: entry array at entries_lba, header at header_lba. */
static void gpt_write(uint8_t *disk, uint32_t ss, uint64_t header_lba, uint64_t other_lba,
		      uint64_t entries_lba, uint64_t last_lba)
{
	uint8_t *ent = disk + entries_lba * ss;
	memset(ent, 0, GPT_ENTRIES * GPT_ESIZE);
	memcpy(ent, BASIC_DATA, 16);                    /* entry 1 */
	le64_put(ent + 0x20, 2048 * 512 / ss);
	le64_put(ent + 0x28, 4095 * 512 / ss);
	gpt_name(ent, "Basic data");
	memcpy(ent + 2 * GPT_ESIZE, BASIC_DATA, 16);    /* entry 3: entry 2 unused */
	le64_put(ent + 2 * GPT_ESIZE + 0x20, 4096 * 512 / ss);
	le64_put(ent + 2 * GPT_ESIZE + 0x28, 6143 * 512 / ss);

	uint8_t *h = disk + header_lba * ss;
	memset(h, 0, ss);
	memcpy(h, "EFI PART", 8);
	le32_put(h + 0x08, 0x00010000);
	le32_put(h + 0x0C, 92);
	le64_put(h + 0x18, header_lba);
	le64_put(h + 0x20, other_lba);
	le64_put(h + 0x28, 34);
	le64_put(h + 0x30, last_lba - 33);
	le64_put(h + 0x48, entries_lba);
	le32_put(h + 0x50, GPT_ENTRIES);
	le32_put(h + 0x54, GPT_ESIZE);
	le32_put(h + 0x58, crc32_update(0, ent, GPT_ENTRIES * GPT_ESIZE));
	le32_put(h + 0x10, crc32_update(0, h, 92));
}

/* A 4 MiB disk with a protective MBR and both GPT copies. */
static MemSource *gpt_disk(uint32_t ss, uint32_t reported_ss)
{
	size_t size = 4 * 1024 * 1024;
	MemSource *m = mem_disk_new(size, reported_ss);
	uint64_t last = size / ss - 1;
	uint64_t entry_sectors = GPT_ENTRIES * GPT_ESIZE / ss;
	mbr_entry(m->data, 0, MBR_TYPE_GPT_PROTECTIVE, 1, (uint32_t)last);
	gpt_write(m->data, ss, 1, last, 2, last);
	gpt_write(m->data, ss, last, 1, last - entry_sectors, last);
	return m;
}

static void rehash_header(uint8_t *h)
{
	le32_put(h + 0x10, 0);
	le32_put(h + 0x10, crc32_update(0, h, le32_at(h + 0x0C)));
}

/* ---- CRC ---- */

Test(partition, crc32_check_value)
{
	cr_assert_eq(crc32_update(0, "123456789", 9), 0xCBF43926u);
	uint32_t c = crc32_update(0, "1234", 4);
	cr_assert_eq(crc32_update(c, "56789", 5), 0xCBF43926u);
}

/* ---- MBR ---- */

Test(partition, mbr_rejects_every_truncation)
{
	uint8_t s[512] = { 0 };
	mbr_entry(s, 0, 0x07, 2048, 100);
	for (size_t len = 0; len < sizeof s; len++) {
		g_autoptr(GError) error = NULL;
		MbrSector m;
		cr_assert_not(partition_mbr_parse(byte_span(s, len), &m, &error));
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	}
	MbrSector m;
	cr_assert(partition_mbr_parse(byte_span(s, sizeof s), &m, NULL));
	cr_assert_eq(m.entries[0].type, 0x07);
	cr_assert_eq(m.entries[0].first_lba, 2048);
	cr_assert_eq(m.entries[0].sector_count, 100);
}

Test(partition, mbr_rejects_boot_code_status)
{
	uint8_t s[512] = { 0 };
	mbr_entry(s, 0, 0x07, 2048, 100);
	s[0x1BE + 16] = 0x12; /* slot 2 status */
	g_autoptr(GError) error = NULL;
	MbrSector m;
	cr_assert_not(partition_mbr_parse(byte_span(s, sizeof s), &m, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
}

Test(partition, mbr_without_marker_is_no_table)
{
	MemSource *m = mem_disk_new(1024 * 1024, 512);
	PartitionTable t;
	cr_assert(partition_table_read(&m->base, 0, &t, NULL));
	cr_assert_eq(t.count, 0);
	block_source_close(&m->base);
}

Test(partition, ntfs_boot_sector_is_no_table)
{
	MemSource *m = mem_disk_new(1024 * 1024, 512);
	mbr_entry(m->data, 0, 0x07, 2048, 100); /* boot code that happens to look like one */
	memcpy(m->data + 3, "NTFS    ", 8);
	PartitionTable t;
	cr_assert(partition_table_read(&m->base, 0, &t, NULL));
	cr_assert_eq(t.count, 0);
	block_source_close(&m->base);
}

/* Primary 1, extended in slot 2 with two logicals (5 and 6), primary 4. */
Test(partition, mbr_extended_chain_numbers_like_linux)
{
	MemSource *m = mem_disk_new(8 * 1024 * 1024, 512);
	uint8_t *d = m->data;
	mbr_entry(d, 0, 0x07, 63, 1000);
	mbr_entry(d, 1, 0x0F, 2048, 8192);
	mbr_entry(d, 3, 0x83, 12000, 1000);
	mbr_entry(d + 2048 * 512, 0, 0x07, 63, 2000);       /* logical at 2048 + 63 */
	mbr_entry(d + 2048 * 512, 1, 0x05, 4096, 3000);     /* next EBR at 2048 + 4096 */
	mbr_entry(d + 6144 * 512, 0, 0x83, 2048, 500);      /* logical at 6144 + 2048 */
	mbr_entry(d + 6144 * 512, 2, 0x07, 100000, 500);    /* garbage in slot 3: outside */

	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert(partition_table_read(&m->base, 0, &t, &error), "%s", error ? error->message : "");
	cr_assert_not(t.is_gpt);
	cr_assert_eq(t.sector_size, 512);
	cr_assert_eq(t.count, 4);
	cr_assert_eq(t.parts[0].number, 1);
	cr_assert_eq(t.parts[0].start_sector, 63);
	cr_assert_eq(t.parts[1].number, 4);
	const Partition *p5 = partition_table_lookup(&t, 5);
	const Partition *p6 = partition_table_lookup(&t, 6);
	cr_assert_not_null(p5);
	cr_assert_not_null(p6);
	cr_assert_eq(p5->start_sector, 2048 + 63);
	cr_assert_eq(p5->sector_count, 2000);
	cr_assert_eq(p5->mbr_type, 0x07);
	cr_assert_eq(p6->start_sector, 6144 + 2048);
	cr_assert_null(partition_table_lookup(&t, 7));
	cr_assert_null(partition_table_lookup(&t, 2));
	partition_table_clear(&t);
	block_source_close(&m->base);
}

Test(partition, ebr_loop_is_corrupt)
{
	MemSource *m = mem_disk_new(8 * 1024 * 1024, 512);
	uint8_t *d = m->data;
	mbr_entry(d, 0, 0x05, 2048, 8192);
	mbr_entry(d + 2048 * 512, 0, 0x07, 63, 100);
	mbr_entry(d + 2048 * 512, 1, 0x05, 1000, 1000);   /* -> 3048 */
	mbr_entry(d + 3048 * 512, 0, 0x07, 63, 100);
	mbr_entry(d + 3048 * 512, 1, 0x05, 0, 1000);      /* -> back to 2048 */
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert_not(partition_table_read(&m->base, 0, &t, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, "loop") != NULL, "%s", error->message);
	cr_assert_eq(t.count, 0);
	block_source_close(&m->base);
}

Test(partition, ebr_chain_is_bounded)
{
	MemSource *m = mem_disk_new(8 * 1024 * 1024, 512);
	uint8_t *d = m->data;
	mbr_entry(d, 0, 0x05, 1, 16000);
	for (uint32_t i = 0; i < 400; i++) {
		uint8_t *ebr = d + (size_t)(1 + 2 * i) * 512;
		mbr_entry(ebr, 0, 0x07, 1, 1);
		mbr_entry(ebr, 1, 0x05, 2 * (i + 1), 2);
	}
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert_not(partition_table_read(&m->base, 0, &t, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	block_source_close(&m->base);
}

Test(partition, ebr_past_the_disk_fails)
{
	MemSource *m = mem_disk_new(1024 * 1024, 512);
	mbr_entry(m->data, 0, 0x05, 100000, 8192);
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert_not(partition_table_read(&m->base, 0, &t, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_IO));
	block_source_close(&m->base);
}

/* ---- GPT ---- */

Test(partition, gpt_primary)
{
	MemSource *m = gpt_disk(512, 512);
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert(partition_table_read(&m->base, 0, &t, &error), "%s", error ? error->message : "");
	cr_assert(t.is_gpt);
	cr_assert_eq(t.count, 2);
	cr_assert_eq(t.parts[0].number, 1);
	cr_assert_eq(t.parts[0].start_sector, 2048);
	cr_assert_eq(t.parts[0].sector_count, 2048);
	cr_assert_str_eq(t.parts[0].name, "Basic data");
	cr_assert_eq(memcmp(t.parts[0].gpt_type, BASIC_DATA, 16), 0);
	cr_assert_eq(t.parts[1].number, 3);
	cr_assert_null(t.parts[1].name);
	partition_table_clear(&t);
	block_source_close(&m->base);
}

Test(partition, gpt_falls_back_to_backup)
{
	MemSource *m = gpt_disk(512, 512);
	m->data[512 + 0x20] ^= 1; /* primary header: CRC now wrong */
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert(partition_table_read(&m->base, 0, &t, &error), "%s", error ? error->message : "");
	cr_assert_eq(t.count, 2);
	partition_table_clear(&t);

	m->data[1024 + 5] ^= 1; /* and the primary entry array too */
	cr_assert(partition_table_read(&m->base, 0, &t, NULL));
	cr_assert_eq(t.count, 2);
	partition_table_clear(&t);
	block_source_close(&m->base);
}

Test(partition, gpt_both_copies_bad_is_corrupt)
{
	MemSource *m = gpt_disk(512, 512);
	uint64_t last = m->base.size_bytes / 512 - 1;
	m->data[1024 + 0x20] ^= 1;                  /* primary entries */
	m->data[(last - 32) * 512 + 0x20] ^= 1;     /* backup entries */
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert_not(partition_table_read(&m->base, 0, &t, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, "entry array CRC32") != NULL, "%s", error->message);
	cr_assert_eq(t.count, 0);
	block_source_close(&m->base);
}

Test(partition, gpt_4kn_image_found_without_sector_size)
{
	MemSource *m = gpt_disk(4096, 512);
	PartitionTable t;
	g_autoptr(GError) error = NULL;
	cr_assert(partition_table_read(&m->base, 0, &t, &error), "%s", error ? error->message : "");
	cr_assert_eq(t.sector_size, 4096);
	cr_assert_eq(t.count, 2);
	cr_assert_eq(t.parts[0].start_sector, 256);
	partition_table_clear(&t);
	block_source_close(&m->base);
}

static bool header_fails(uint8_t *h, size_t sector_size)
{
	g_autoptr(GError) error = NULL;
	GptHeader gh;
	bool ok = partition_gpt_header_parse(byte_span(h, sector_size), &gh, &error);
	return !ok && g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT);
}

Test(partition, gpt_header_hostile_fields)
{
	MemSource *m = gpt_disk(512, 512);
	uint8_t h[512];
	memcpy(h, m->data + 512, sizeof h);
	GptHeader gh;
	cr_assert(partition_gpt_header_parse(byte_span(h, sizeof h), &gh, NULL));
	for (size_t len = 0; len < 92; len++)
		cr_assert(header_fails(h, len));

	h[0x30] ^= 1; /* any bit outside the CRC field */
	cr_assert(header_fails(h, sizeof h));
	h[0x30] ^= 1;

	static const struct { size_t at; uint32_t value; } bad[] = {
		{ 0x54, 0 }, { 0x54, 127 }, { 0x54, 132 }, { 0x54, 0xFFFFFFFFu },
		{ 0x50, 0 }, { 0x50, 0xFFFFFFFFu }, { 0x50, 40000 },
		{ 0x0C, 91 }, { 0x0C, 513 }, { 0x0C, 0xFFFFFFFFu },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		uint8_t c[512];
		memcpy(c, h, sizeof c);
		le32_put(c + bad[i].at, bad[i].value);
		if (bad[i].at != 0x0C)
			rehash_header(c);
		cr_assert(header_fails(c, sizeof c), "field 0x%zx = %u", bad[i].at, bad[i].value);
	}
	block_source_close(&m->base);
}

Test(partition, gpt_entries_truncated_or_bad_crc)
{
	MemSource *m = gpt_disk(512, 512);
	GptHeader gh;
	cr_assert(partition_gpt_header_parse(byte_span(m->data + 512, 512), &gh, NULL));
	const uint8_t *ent = m->data + 1024;
	size_t full = GPT_ENTRIES * GPT_ESIZE;
	for (size_t len = 0; len < full; len += 127) {
		PartitionTable t = { 0 };
		g_autoptr(GError) error = NULL;
		cr_assert_not(partition_gpt_entries_parse(&gh, byte_span(ent, len), &t, &error));
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		cr_assert_eq(t.count, 0);
	}
	gh.entries_crc32 ^= 1;
	PartitionTable t = { 0 };
	cr_assert_not(partition_gpt_entries_parse(&gh, byte_span(ent, full), &t, NULL));
	cr_assert_eq(t.count, 0);
	gh.entries_crc32 ^= 1;
	gh.entry_count = 0xFFFFFFFFu; /* a header that was not checked: still refused */
	cr_assert_not(partition_gpt_entries_parse(&gh, byte_span(ent, full), &t, NULL));
	block_source_close(&m->base);
}

Test(partition, gpt_inverted_entry_is_skipped)
{
	MemSource *m = gpt_disk(512, 512);
	uint8_t *ent = m->data + 1024;
	le64_put(ent + 0x20, 5000); /* first > last */
	GptHeader gh;
	cr_assert(partition_gpt_header_parse(byte_span(m->data + 512, 512), &gh, NULL));
	gh.entries_crc32 = crc32_update(0, ent, GPT_ENTRIES * GPT_ESIZE);
	PartitionTable t = { 0 };
	cr_assert(partition_gpt_entries_parse(&gh, byte_span(ent, GPT_ENTRIES * GPT_ESIZE), &t, NULL));
	cr_assert_eq(t.count, 1);
	cr_assert_eq(t.parts[0].number, 3);
	partition_table_clear(&t);
	block_source_close(&m->base);
}
