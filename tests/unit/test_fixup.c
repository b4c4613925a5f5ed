/* fixup_apply: hand-built FILE records of every size, torn strides, arrays placed outside
 * the record or over a stride tail, wrong counts; and the records Windows wrote. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "ntfs/fixup.h"
#include "test_fixtures.h"
#include "util/bytes.h"
#include "util/error.h"

enum { USA_AT = 0x30, USN = 0x0A07 };

/* Fills `plain` with a record and `disk` with the same record as written: each stride's
 * tail replaced by the USN, the displaced bytes kept in the array at USA_AT. */
static void make_record(uint8_t *plain, uint8_t *disk, size_t size)
{
	size_t strides = size / FIXUP_STRIDE;
	for (size_t i = 0; i < size; i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	memcpy(plain, "FILE", 4);
	le16_put(plain + 4, USA_AT);
	le16_put(plain + 6, (uint16_t)(strides + 1));
	le16_put(plain + USA_AT, USN);
	for (size_t s = 0; s < strides; s++)
		memcpy(plain + USA_AT + 2 + 2 * s, plain + (s + 1) * FIXUP_STRIDE - 2, 2);
	memcpy(disk, plain, size);
	for (size_t s = 0; s < strides; s++)
		le16_put(disk + (s + 1) * FIXUP_STRIDE - 2, USN);
}

/* Applies fixups to `disk` and expects RFS_ERROR_CORRUPT with the record left untouched. */
static void expect_rejected(uint8_t *disk, size_t size, const char *words)
{
	g_autofree uint8_t *before = g_memdup2(disk, size ? size : 1);
	g_autoptr(GError) error = NULL;
	cr_assert_not(fixup_apply(disk, size, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, words) != NULL, "\"%s\" lacks \"%s\"", error->message, words);
	cr_assert_eq(memcmp(before, disk, size), 0, "a rejected record must stay as read");
}

Test(fixup, restores_every_record_size)
{
	static const size_t sizes[] = { 512, 1024, 2048, 4096, 8192, 65536 };
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree uint8_t *plain = g_malloc(sizes[i]);
		g_autofree uint8_t *disk = g_malloc(sizes[i]);
		make_record(plain, disk, sizes[i]);
		g_autoptr(GError) error = NULL;
		cr_assert(fixup_apply(disk, sizes[i], &error), "%zu: %s", sizes[i], error ? error->message : "");
		cr_assert_eq(memcmp(plain, disk, sizes[i]), 0, "size %zu", sizes[i]);
	}
}

Test(fixup, rejects_torn_stride)
{
	uint8_t plain[4096], disk[4096];
	for (size_t s = 0; s < 8; s++) {
		make_record(plain, disk, sizeof disk);
		disk[(s + 1) * FIXUP_STRIDE - 1] ^= 0x40; /* this stride was not written */
		expect_rejected(disk, sizeof disk, "torn");
	}
}

Test(fixup, rejects_wrong_count)
{
	static const uint16_t counts[] = { 0, 1, 2, 4, 10, 0xFFFF };
	uint8_t plain[1024], disk[1024];
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
		make_record(plain, disk, sizeof disk);
		le16_put(disk + 6, counts[i]);
		expect_rejected(disk, sizeof disk, "count");
	}
}

Test(fixup, rejects_array_outside_record_header)
{
	/* odd, inside the 8-byte header, overlapping stride 0's tail, past the record */
	static const uint16_t offsets[] = { 0, 4, 6, 0x31, 510 - 4, 508, 512, 1020, 1024, 0xFFFE, 0xFFFF };
	uint8_t plain[1024], disk[1024];
	for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
		make_record(plain, disk, sizeof disk);
		le16_put(disk + 4, offsets[i]);
		expect_rejected(disk, sizeof disk, "array");
	}
	make_record(plain, disk, sizeof disk); /* the last place that still fits: 504..509 */
	le16_put(disk + 4, 504);
	memcpy(disk + 504, disk + USA_AT, 6);
	cr_assert(fixup_apply(disk, sizeof disk, NULL));
}

Test(fixup, rejects_bad_record_sizes)
{
	uint8_t plain[1024], disk[1024];
	make_record(plain, disk, sizeof disk);
	static const size_t sizes[] = { 0, 1, 8, 511, 513, 1000, 1023 };
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
		expect_rejected(disk, sizes[i], "multiple");
}

Test(fixup, array_count_for_a_shorter_size_is_refused)
{
	/* A 1 KiB record read as 4 KiB (a wrong record size): the count says 3, not 9. */
	uint8_t plain[4096], disk[4096];
	make_record(plain, disk, 1024);
	expect_rejected(disk, sizeof disk, "count");
}

/* ---- records written by Windows ---------------------------------------------------------- */

static void check_mft_fixture(const char *name, size_t record_size, size_t expect_records)
{
	size_t size = 0;
	g_autofree uint8_t *data = test_fixture_load(name, &size);
	cr_assert(size > 0 && size % record_size == 0, "%s: %zu bytes", name, size);
	size_t applied = 0;
	for (size_t off = 0; off < size; off += record_size) {
		uint8_t *rec = data + off;
		if (memcmp(rec, "FILE", 4) != 0)
			continue;
		g_autoptr(GError) error = NULL;
		cr_assert(fixup_apply(rec, record_size, &error), "%s record %zu: %s", name,
			  off / record_size, error ? error->message : "");
		/* Windows records end their attributes with 0xFFFFFFFF before used size. */
		uint32_t used = le32_at(rec + 0x18);
		cr_assert(used >= 8 && used <= record_size, "%s record %zu", name, off / record_size);
		cr_assert_eq(le32_at(rec + used - 8), 0xFFFFFFFFu, "%s record %zu", name, off / record_size);
		applied++;
	}
	cr_assert_eq(applied, expect_records, "%s: %zu FILE records", name, applied);
}

Test(fixup, windows_records)
{
	check_mft_fixture("deleted.mft", 1024, 41);
	check_mft_fixture("orphan.mft", 1024, 40);
	check_mft_fixture("unicode.mft", 1024, 36);
	check_mft_fixture("compressed_sparse.mft", 1024, 36);
	check_mft_fixture("slack.mft", 1024, 55);
	check_mft_fixture("boot.mftmirr", 1024, 4);
	check_mft_fixture("4k-large.mft", 4096, 36);
	check_mft_fixture("4k-large.mftmirr", 4096, 4);
}

Test(fixup, windows_4k_records_match_mirror_and_detect_tears)
{
	size_t mft_size = 0, mirr_size = 0;
	g_autofree uint8_t *mft = test_fixture_load("4k-large.mft", &mft_size);
	g_autofree uint8_t *mirr = test_fixture_load("4k-large.mftmirr", &mirr_size);
	cr_assert_eq(mirr_size, 4 * 4096);
	for (size_t r = 0; r < 4; r++) {
		cr_assert(fixup_apply(mft + r * 4096, 4096, NULL));
		cr_assert(fixup_apply(mirr + r * 4096, 4096, NULL));
		cr_assert_eq(memcmp(mft + r * 4096, mirr + r * 4096, 4096), 0, "record %zu", r);
	}
	/* Applying twice is a tear: the tails now hold data, not the sequence number. */
	cr_assert_not(fixup_apply(mft, 4096, NULL));
	/* Read as 1 KiB records, the count (9) is refused. */
	cr_assert_not(fixup_apply(mirr + 4096, 1024, NULL));
}
