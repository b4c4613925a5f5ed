/* boot_sector_parse: hand-built sectors with one field broken at a time, every truncation,
 * and the boot sectors Windows wrote (fixtures). */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "ntfs/boot_sector.h"
#include "test_fixtures.h"
#include "util/error.h"

/* A valid sector: 512-byte sectors, 4 KiB clusters, 1 KiB records, 4 KiB index records. */
static void make_boot(uint8_t b[512])
{
	memset(b, 0, 512);
	b[0] = 0xEB;
	b[1] = 0x52;
	b[2] = 0x90;
	memcpy(b + 3, "NTFS    ", 8);
	le16_put(b + 0x0B, 512);
	b[0x0D] = 8;
	le64_put(b + 0x28, 1000 * 8 - 1);
	le64_put(b + 0x30, 100);
	le64_put(b + 0x38, 2);
	b[0x40] = 0xF6;
	b[0x44] = 0x01;
	le64_put(b + 0x48, 0x1122334455667788ull);
	b[0x1FE] = 0x55;
	b[0x1FF] = 0xAA;
}

static void expect_corrupt(const uint8_t *b, size_t size, const char *field)
{
	g_autoptr(GError) error = NULL;
	BootSector bs;
	cr_assert_not(boot_sector_parse(byte_span(b, size), &bs, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, field) != NULL, "message \"%s\" should name \"%s\"",
		  error->message, field);
}

Test(boot_sector, parses_valid_sector)
{
	uint8_t b[512];
	make_boot(b);
	g_autoptr(GError) error = NULL;
	BootSector bs;
	cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, &error));
	cr_assert_null(error);
	cr_assert_eq(bs.bytes_per_sector, 512);
	cr_assert_eq(bs.sectors_per_cluster, 8);
	cr_assert_eq(bs.cluster_size, 4096);
	cr_assert_eq(bs.total_sectors, 7999);
	cr_assert_eq(bs.total_clusters, 999);
	cr_assert_eq(bs.mft_lcn, 100);
	cr_assert_eq(bs.mftmirr_lcn, 2);
	cr_assert_eq(bs.mft_record_size, 1024);
	cr_assert_eq(bs.index_record_size, 4096);
	cr_assert_eq(bs.serial, 0x1122334455667788ull);
	cr_assert_not(bs.signature_missing);
}

Test(boot_sector, rejects_every_truncation)
{
	uint8_t b[512];
	make_boot(b);
	for (size_t len = 0; len < sizeof b; len++) {
		g_autofree uint8_t *copy = g_memdup2(b, len ? len : 1);
		expect_corrupt(copy, len, "bytes");
	}
}

Test(boot_sector, rejects_oem_id)
{
	uint8_t b[512];
	make_boot(b);
	memcpy(b + 3, "NTFS   ", 8); /* NUL instead of the last space */
	expect_corrupt(b, sizeof b, "OEM id");
	make_boot(b);
	memcpy(b + 3, "-FVE-FS-", 8);
	expect_corrupt(b, sizeof b, "OEM id");
}

Test(boot_sector, rejects_bytes_per_sector)
{
	static const uint16_t bad[] = { 0, 1, 256, 511, 768, 1000, 8192, 0xFFFF };
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		make_boot(b);
		le16_put(b + 0x0B, bad[i]);
		expect_corrupt(b, sizeof b, "bytes per sector");
	}
}

Test(boot_sector, sector_sizes_and_small_values)
{
	static const uint16_t good[] = { 512, 1024, 2048, 4096 };
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		make_boot(b);
		le16_put(b + 0x0B, good[i]);
		b[0x0D] = 1;
		BootSector bs;
		cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, NULL));
		cr_assert_eq(bs.cluster_size, good[i]);
		cr_assert_eq(bs.total_clusters, 7999);
	}
}

Test(boot_sector, rejects_sectors_per_cluster)
{
	static const uint8_t bad[] = { 0, 3, 6, 0x7F, 0x81, 0xC0, 0xF3 };
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		make_boot(b);
		b[0x0D] = bad[i];
		expect_corrupt(b, sizeof b, "sectors per cluster");
	}
	make_boot(b); /* 4096-byte sectors: 2^10 sectors would be 4 MiB */
	le16_put(b + 0x0B, 4096);
	b[0x0D] = 0xF6;
	expect_corrupt(b, sizeof b, "sectors per cluster");
}

Test(boot_sector, large_clusters_use_negative_exponent)
{
	static const struct { uint8_t raw; uint32_t spc; } cases[] = {
		{ 0x80, 128 }, { 0xF8, 256 }, { 0xF7, 512 }, { 0xF6, 1024 }, { 0xF5, 2048 }, { 0xF4, 4096 },
	};
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		make_boot(b);
		b[0x0D] = cases[i].raw;
		b[0x44] = 0xF4; /* 4 KiB index records: one cluster would exceed 64 KiB */
		le64_put(b + 0x28, (uint64_t)cases[i].spc * 1000);
		g_autoptr(GError) error = NULL;
		BootSector bs;
		cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, &error), "0x%02x: %s",
			  cases[i].raw, error ? error->message : "");
		cr_assert_eq(bs.sectors_per_cluster, cases[i].spc);
		cr_assert_eq(bs.cluster_size, cases[i].spc * 512);
		cr_assert_eq(bs.total_clusters, 1000);
	}
}

Test(boot_sector, record_sizes)
{
	static const struct { uint8_t raw; uint32_t size; } good[] = {
		{ 0xF7, 512 }, { 0xF6, 1024 }, { 0xF4, 4096 }, { 0xF0, 65536 }, { 0x01, 4096 }, { 0x02, 8192 },
		{ 0x10, 65536 },
	};
	static const uint8_t bad[] = { 0x00, 0x03, 0x11, 0x7F, 0x80, 0x81, 0xE0, 0xEF, 0xF8, 0xFF };
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		make_boot(b);
		b[0x40] = good[i].raw;
		b[0x44] = good[i].raw;
		BootSector bs;
		cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, NULL), "0x%02x", good[i].raw);
		cr_assert_eq(bs.mft_record_size, good[i].size);
		cr_assert_eq(bs.index_record_size, good[i].size);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		make_boot(b);
		b[0x40] = bad[i];
		expect_corrupt(b, sizeof b, "clusters per MFT record");
		make_boot(b);
		b[0x44] = bad[i];
		expect_corrupt(b, sizeof b, "clusters per index record");
	}
}

Test(boot_sector, rejects_total_sectors)
{
	uint8_t b[512];
	make_boot(b);
	le64_put(b + 0x28, 0);
	expect_corrupt(b, sizeof b, "total sectors");
	le64_put(b + 0x28, 7); /* less than one cluster */
	expect_corrupt(b, sizeof b, "total sectors");
	le64_put(b + 0x28, UINT64_MAX); /* bytes would wrap */
	expect_corrupt(b, sizeof b, "total sectors");
}

Test(boot_sector, rejects_mft_outside_volume)
{
	static const uint64_t bad[] = { 0, 999, 1000, UINT64_MAX, (uint64_t)1 << 63 };
	uint8_t b[512];
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		make_boot(b);
		le64_put(b + 0x30, bad[i]);
		expect_corrupt(b, sizeof b, "MFT LCN");
		make_boot(b);
		le64_put(b + 0x38, bad[i]);
		expect_corrupt(b, sizeof b, "MFTMirr LCN");
	}
	make_boot(b);
	le64_put(b + 0x30, 998); /* the last cluster is inside */
	BootSector bs;
	cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, NULL));
}

Test(boot_sector, flags_missing_end_marker)
{
	uint8_t b[512];
	make_boot(b);
	b[0x1FE] = 0;
	b[0x1FF] = 0;
	BootSector bs;
	cr_assert(boot_sector_parse(byte_span(b, sizeof b), &bs, NULL));
	cr_assert(bs.signature_missing);
}

Test(boot_sector, output_untouched_on_failure)
{
	uint8_t b[512];
	make_boot(b);
	le64_put(b + 0x30, 0);
	BootSector bs;
	memset(&bs, 0xA5, sizeof bs);
	cr_assert_not(boot_sector_parse(byte_span(b, sizeof b), &bs, NULL));
	cr_assert_eq(bs.bytes_per_sector, 0xA5A5A5A5u);
}

/* ---- boot sectors written by Windows ----------------------------------------------------- */

typedef struct {
	const char *file;
	uint32_t bytes_per_sector, sectors_per_cluster, cluster_size;
	uint64_t total_sectors, mft_lcn, mftmirr_lcn;
	uint32_t mft_record_size, index_record_size;
	uint64_t serial;
	bool signature_missing;
} WindowsBoot;

static const WindowsBoot WINDOWS_BOOTS[] = {
	{ "512.boot", 512, 1, 512, 0x1fe7ff, 0xaa2aa, 0x10, 1024, 4096, 0xa6ee1e1bee1de479ull, false },
	{ "4k.boot", 512, 8, 4096, 0x76ec7ff, 0xc0000, 2, 1024, 4096, 0x7efeeedbfeee8b2bull, false },
	{ "4kn.boot", 4096, 1, 4096, 0x37ff, 0x12aa, 2, 4096, 4096, 0x187eb6507eb62682ull, false },
	{ "64k.boot", 512, 128, 65536, 0x3ffe7ff, 0xc000, 1, 1024, 4096, 0xa8a66d90a66d6034ull, false },
	{ "128k.boot", 512, 256, 131072, 0x3ffe7ff, 0x6000, 1, 1024, 4096, 0x5cb4c084b4c061deull, false },
	{ "nobootcode.boot", 512, 8, 4096, 0xefca, 0x303, 0xefc, 1024, 4096, 0xd87a81b9df3def62ull, true },
};

Test(boot_sector, parses_windows_boot_sectors)
{
	for (size_t i = 0; i < G_N_ELEMENTS(WINDOWS_BOOTS); i++) {
		const WindowsBoot *w = &WINDOWS_BOOTS[i];
		size_t size = 0;
		g_autofree uint8_t *data = test_fixture_load(w->file, &size);
		g_autoptr(GError) error = NULL;
		BootSector bs;
		cr_assert(boot_sector_parse(byte_span(data, size), &bs, &error), "%s: %s", w->file,
			  error ? error->message : "");
		cr_assert_eq(bs.bytes_per_sector, w->bytes_per_sector, "%s", w->file);
		cr_assert_eq(bs.sectors_per_cluster, w->sectors_per_cluster, "%s", w->file);
		cr_assert_eq(bs.cluster_size, w->cluster_size, "%s", w->file);
		cr_assert_eq(bs.total_sectors, w->total_sectors, "%s", w->file);
		cr_assert_eq(bs.total_clusters, w->total_sectors / w->sectors_per_cluster, "%s", w->file);
		cr_assert_eq(bs.mft_lcn, w->mft_lcn, "%s", w->file);
		cr_assert_eq(bs.mftmirr_lcn, w->mftmirr_lcn, "%s", w->file);
		cr_assert_eq(bs.mft_record_size, w->mft_record_size, "%s", w->file);
		cr_assert_eq(bs.index_record_size, w->index_record_size, "%s", w->file);
		cr_assert_eq(bs.serial, w->serial, "%s", w->file);
		cr_assert_eq(bs.signature_missing, w->signature_missing, "%s", w->file);
	}
}

Test(boot_sector, windows_sectors_survive_byte_flips)
{
	size_t size = 0;
	g_autofree uint8_t *data = test_fixture_load("128k.boot", &size);
	cr_assert_eq(size, 512);
	for (size_t off = 0; off < 0x50; off++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			data[off] ^= (uint8_t)(1u << bit);
			BootSector bs;
			g_autoptr(GError) error = NULL;
			bool ok = boot_sector_parse(byte_span(data, size), &bs, &error);
			cr_assert(ok == (error == NULL));
			if (ok) {
				cr_assert(bs.mft_lcn < bs.total_clusters && bs.mftmirr_lcn < bs.total_clusters);
				cr_assert(bs.cluster_size >= 512 && bs.cluster_size <= 2u << 20);
				cr_assert(bs.mft_record_size >= 512 && bs.mft_record_size <= 65536);
			}
			data[off] ^= (uint8_t)(1u << bit);
		}
	}
}
