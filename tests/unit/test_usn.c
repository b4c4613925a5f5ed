/* USN records: a Windows-written $J excerpt against Windows' own `fsutil usn readjournal`
 * rendering of it, field by field, then hostile records and streams. */
#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "ntfs/usn.h"
#include "test_fixtures.h"
#include "util/error.h"
#include "util/utf16.h"

/* ---- the fsutil rendering ---- */

typedef struct {
	GHashTable *fields; /* "Usn" -> "0", "File name" -> "New folder", ... */
} FsutilRecord;

/* Splits the text into records: each starts at a "Usn" line; "Key : value" lines fill it.
 * Lines before the first record (the journal's header) go to *header. */
static GPtrArray *fsutil_parse(const char *text, GHashTable *header)
{
	GPtrArray *records = g_ptr_array_new();
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GHashTable *cur = header;
	for (size_t i = 0; lines[i] != NULL; i++) {
		char *colon = strchr(lines[i], ':');
		if (colon == NULL)
			continue;
		g_autofree char *key = g_strstrip(g_strndup(lines[i], (size_t)(colon - lines[i])));
		g_autofree char *value = g_strstrip(g_strdup(colon + 1));
		if (strcmp(key, "Usn") == 0) {
			cur = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
			g_ptr_array_add(records, cur);
		}
		if (*key != '\0' && *key != '[')
			g_hash_table_insert(cur, g_steal_pointer(&key), g_steal_pointer(&value));
	}
	return records;
}

static void expect(GHashTable *rec, const char *key, const char *want, int64_t usn)
{
	const char *got = g_hash_table_lookup(rec, key);
	cr_assert_not_null(got, "usn %" PRId64 ": fsutil prints no %s", usn, key);
	cr_assert_str_eq(got, want, "usn %" PRId64 ": %s: fsutil \"%s\", decoded \"%s\"", usn, key,
			 got, want);
}

static char *file_id_text(UsnFileId id)
{
	return g_strdup_printf("%016" PRIx64 "%016" PRIx64, id.high, id.low);
}

/* fsutil's "1/22/2019 21:36:10": the FILETIME in UTC (the machine's zone), whole seconds. */
static char *timestamp_text(int64_t filetime)
{
	g_autoptr(GDateTime) epoch = g_date_time_new_utc(1601, 1, 1, 0, 0, 0);
	g_autoptr(GDateTime) t = g_date_time_add_seconds(epoch, (double)(filetime / 10000000));
	return g_date_time_format(t, "%-m/%-d/%Y %-H:%M:%S");
}

static char *hex_then(uint32_t v, const char *names)
{
	return g_strdup_printf("0x%08" PRIx32 ": %s", v, names);
}

/* fsutil reads through FSCTL_READ_USN_JOURNAL asking for versions 2 to 4, and NTFS hands
 * the V2 records of the stream out as V3: IDs widened to 128 bits, so the header grows by
 * 16 bytes and the length is that header plus the name, rounded up to 8. */
static void compare_named(GHashTable *rec, const UsnRecord *r)
{
	int64_t usn = r->usn;
	cr_assert(r->major_version == 2 || r->major_version == 3);
	g_autofree char *name = utf16_to_utf8_name(r->name, r->name_length_bytes / 2);
	expect(rec, "File name", name, usn);
	g_autofree char *name_length = g_strdup_printf("%" PRIu16, r->name_length_bytes);
	expect(rec, "File name length", name_length, usn);
	g_autofree char *reason_names = usn_reason_format(r->reason);
	g_autofree char *reason = hex_then(r->reason, reason_names);
	expect(rec, "Reason", reason, usn);
	g_autofree char *time = timestamp_text(r->timestamp);
	expect(rec, "Time stamp", time, usn);
	g_autofree char *attrs = g_strdup_printf("0x%08" PRIx32, r->file_attributes);
	cr_assert(g_str_has_prefix(g_hash_table_lookup(rec, "File attributes"), attrs),
		  "usn %" PRId64 ": attributes %s", usn, attrs);
	g_autofree char *security = g_strdup_printf("%" PRIu32, r->security_id);
	expect(rec, "Security ID", security, usn);
	expect(rec, "Major version", "3", usn);
	g_autofree char *length = g_strdup_printf("%u", r->major_version == 3 ? r->length_bytes :
						  (0x4Cu + r->name_length_bytes + 7) & ~7u);
	expect(rec, "Record length", length, usn);
}

static void compare_range(GHashTable *rec, const UsnRecord *r)
{
	int64_t usn = r->usn;
	g_autofree char *count = g_strdup_printf("%" PRIu16, r->extent_count);
	expect(rec, "Number of extents", count, usn);
	g_autofree char *remaining = g_strdup_printf("%" PRIu32, r->remaining_extents);
	expect(rec, "Remaining extents", remaining, usn);
	expect(rec, "Major version", "4", usn);
	g_autofree char *length = g_strdup_printf("%" PRIu32, r->length_bytes);
	expect(rec, "Record length", length, usn);
	cr_assert(g_hash_table_lookup(rec, "File name") == NULL);
}

static void compare_record(GHashTable *rec, const UsnRecord *r, const char *extent_line)
{
	g_autofree char *usn = g_strdup_printf("%" PRId64, r->usn);
	expect(rec, "Usn", usn, r->usn);
	g_autofree char *file_id = file_id_text(r->file_id);
	expect(rec, "File ID", file_id, r->usn);
	g_autofree char *parent_id = file_id_text(r->parent_id);
	expect(rec, "Parent file ID", parent_id, r->usn);
	g_autofree char *source = hex_then(r->source_info, "*NONE*");
	expect(rec, "Source info", source, r->usn);
	g_autofree char *minor = g_strdup_printf("%" PRIu16, r->minor_version);
	expect(rec, "Minor version", minor, r->usn);
	if (r->major_version == 4) {
		compare_range(rec, r);
		cr_assert_eq(r->extent_size_bytes, 16);
		g_autofree char *extent = g_strdup_printf("[1: %" PRId64 ", %" PRId64 "]",
							  (int64_t)le64_at(r->extents.data),
							  (int64_t)le64_at(r->extents.data + 8));
		cr_assert_not_null(strstr(extent_line, extent), "usn %" PRId64 ": extent %s",
				   r->usn, extent);
	} else {
		compare_named(rec, r);
	}
}

Test(usn, agrees_with_fsutil_record_for_record)
{
	size_t bin_size = 0, txt_size = 0;
	g_autofree uint8_t *bin = test_fixture_load("usnjrnlj.bin", &bin_size);
	g_autofree char *txt = (char *)test_fixture_load("usnjrnlj.fsutil.txt", &txt_size);
	g_autoptr(GHashTable) header = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) records = fsutil_parse(txt, header);
	g_ptr_array_set_free_func(records, (GDestroyNotify)g_hash_table_unref);
	cr_assert_eq(records->len, 268);
	int64_t next_usn = g_ascii_strtoll(g_hash_table_lookup(header, "Next USN"), NULL, 10);

	UsnIter it;
	usn_iter_init(&it, byte_span(bin, bin_size), true);
	UsnRecord r;
	size_t offset = 0, n = 0, v4 = 0, past = 0;
	while (usn_iter_next(&it, &r, &offset)) {
		cr_assert_eq((int64_t)offset, r.usn, "the excerpt starts at USN 0");
		cr_assert(r.has_mft_refs);
		if (r.usn >= next_usn) { /* written after fsutil ran */
			past++;
			continue;
		}
		cr_assert(n < records->len, "record at usn %" PRId64 " not in fsutil's output", r.usn);
		g_autofree char *extent_line = NULL;
		if (r.major_version == 4) {
			const char *at = strstr(txt, "Extents");
			for (size_t k = 0; k < v4 && at != NULL; k++)
				at = strstr(at + 1, "Extents");
			cr_assert_not_null(at);
			extent_line = g_strndup(at, (size_t)(strchr(at, '\n') + 80 - at));
			v4++;
		}
		compare_record(g_ptr_array_index(records, n), &r, extent_line);
		n++;
	}
	cr_assert_eq(n, records->len, "decoded %zu of fsutil's %u records", n, records->len);
	cr_assert_eq(v4, 7);
	cr_assert_eq(it.range_records, 7);
	cr_assert_eq(past, 3);
	cr_assert_eq(it.garbage_bytes, 0);
	cr_assert(it.zero_bytes > 0); /* page padding */
	/* The first record: record 0x28 sequence 1 in the root, "New folder". */
	usn_iter_init(&it, byte_span(bin, bin_size), false);
	cr_assert(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(r.file.record, 0x28);
	cr_assert_eq(r.file.sequence, 1);
	cr_assert_eq(r.parent.record, 5);
	cr_assert_eq(r.parent.sequence, 5);
}

/* ---- built records ---- */

static size_t put_v2(uint8_t *p, uint64_t file, uint64_t parent, int64_t usn, uint32_t reason,
		     const char *ascii)
{
	size_t units = strlen(ascii);
	size_t length = (0x3C + units * 2 + 7) & ~(size_t)7;
	memset(p, 0, length);
	le32_put(p, (uint32_t)length);
	le16_put(p + 4, 2);
	le64_put(p + 0x08, file);
	le64_put(p + 0x10, parent);
	le64_put(p + 0x18, (uint64_t)usn);
	le64_put(p + 0x20, 0x01d4b29a7e004ce3);
	le32_put(p + 0x28, reason);
	le32_put(p + 0x34, 0x20);
	le16_put(p + 0x38, (uint16_t)(units * 2));
	le16_put(p + 0x3A, 0x3C);
	for (size_t i = 0; i < units; i++)
		le16_put(p + 0x3C + 2 * i, (uint16_t)ascii[i]);
	return length;
}

static size_t put_v3(uint8_t *p, uint64_t file_low, uint64_t file_high, const char *ascii)
{
	size_t units = strlen(ascii);
	size_t length = (0x4C + units * 2 + 7) & ~(size_t)7;
	memset(p, 0, length);
	le32_put(p, (uint32_t)length);
	le16_put(p + 4, 3);
	le64_put(p + 0x08, file_low);
	le64_put(p + 0x10, file_high);
	le64_put(p + 0x18, 0x0005000000000005);
	le64_put(p + 0x28, 4096);
	le32_put(p + 0x38, 0x80000200);
	le16_put(p + 0x48, (uint16_t)(units * 2));
	le16_put(p + 0x4A, 0x4C);
	for (size_t i = 0; i < units; i++)
		le16_put(p + 0x4C + 2 * i, (uint16_t)ascii[i]);
	return length;
}

static void assert_corrupt(const uint8_t *p, size_t size)
{
	g_autoptr(GError) error = NULL;
	UsnRecord r;
	cr_assert_not(usn_record_parse(byte_span(p, size), &r, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT), "%s",
		  error ? error->message : "no error");
}

Test(usn, v2_fields)
{
	uint8_t buf[128];
	size_t length = put_v2(buf, 0x0003000000000041, 0x0005000000000005, 512,
			       USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "gone.txt");
	UsnRecord r;
	g_autoptr(GError) error = NULL;
	cr_assert(usn_record_parse(byte_span(buf, length), &r, &error));
	cr_assert_eq(r.length_bytes, 80);
	cr_assert_eq(r.file.record, 0x41);
	cr_assert_eq(r.file.sequence, 3);
	cr_assert_eq(r.usn, 512);
	cr_assert_eq(r.name_length_bytes, 16);
	g_autofree char *name = utf16_to_utf8_name(r.name, 8);
	cr_assert_str_eq(name, "gone.txt");
	g_autofree char *reason = usn_reason_format(r.reason);
	cr_assert_str_eq(reason, "File delete | Close");
}

Test(usn, v3_keeps_128_bit_ids)
{
	uint8_t buf[128];
	size_t length = put_v3(buf, 0x0002000000000030, 0, "a");
	UsnRecord r;
	cr_assert(usn_record_parse(byte_span(buf, length), &r, NULL));
	cr_assert(r.has_mft_refs);
	cr_assert_eq(r.file.record, 0x30);
	cr_assert_eq(r.parent.sequence, 5);
	cr_assert_eq(r.usn, 4096);
	length = put_v3(buf, 0x1234, 0x77, "a"); /* a ReFS-style ID: no NTFS reference */
	cr_assert(usn_record_parse(byte_span(buf, length), &r, NULL));
	cr_assert_not(r.has_mft_refs);
	cr_assert_eq(r.file_id.high, 0x77);
	cr_assert_eq(r.file_id.low, 0x1234);
	cr_assert_eq(r.file.record, 0);
}

Test(usn, reason_names_unknown_bits_and_none)
{
	g_autofree char *none = usn_reason_format(0);
	cr_assert_str_eq(none, "*NONE*");
	g_autofree char *mixed = usn_reason_format(0x08001001);
	cr_assert_str_eq(mixed, "Data overwrite | Rename: old name | 0x08000000");
}

Test(usn, truncation_at_every_length)
{
	uint8_t buf[128];
	size_t length = put_v2(buf, 1, 5, 0, 0x100, "truncated");
	for (size_t cut = 0; cut < length; cut++)
		assert_corrupt(buf, cut);
}

Test(usn, bad_lengths)
{
	uint8_t buf[256] = { 0 };
	size_t length = put_v2(buf, 1, 5, 0, 0x100, "x");
	const uint32_t bad[] = { 0, 7, 0x3A, (uint32_t)length + 4, 0x1000, 0xFFFFFFFF, 0xFFFFFFF8 };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		le32_put(buf, bad[i]);
		assert_corrupt(buf, length);
	}
}

Test(usn, name_outside_the_record)
{
	uint8_t buf[128];
	size_t length = put_v2(buf, 1, 5, 0, 0x100, "name");
	const struct { uint16_t offset, length; } bad[] = {
		{ 0x3C, 0x20 },   /* past the record */
		{ 0x50, 2 },      /* offset past the record */
		{ 0x10, 8 },      /* inside the header */
		{ 0x3C, 3 },      /* odd length */
		{ 0xFFFF, 0xFFFF },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		put_v2(buf, 1, 5, 0, 0x100, "name");
		le16_put(buf + 0x3A, bad[i].offset);
		le16_put(buf + 0x38, bad[i].length);
		assert_corrupt(buf, length);
	}
	length = put_v3(buf, 1, 0, "name");
	le16_put(buf + 0x4A, 0x3C); /* a V2 name offset in a V3 record */
	assert_corrupt(buf, length);
}

Test(usn, unknown_versions_are_unsupported)
{
	uint8_t buf[128];
	size_t length = put_v2(buf, 1, 5, 0, 0x100, "x");
	const uint16_t versions[] = { 0, 1, 5, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(versions); i++) {
		le16_put(buf + 4, versions[i]);
		g_autoptr(GError) error = NULL;
		UsnRecord r;
		cr_assert_not(usn_record_parse(byte_span(buf, length), &r, &error));
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	}
}

static size_t put_v4(uint8_t *p, uint16_t extents)
{
	size_t length = 0x40 + (size_t)extents * 16;
	memset(p, 0, length);
	le32_put(p, (uint32_t)length);
	le16_put(p + 4, 4);
	le64_put(p + 0x08, 0x000100000000002c);
	le64_put(p + 0x28, 8192);
	le32_put(p + 0x30, 0x80000002);
	le16_put(p + 0x3C, extents);
	le16_put(p + 0x3E, 16);
	for (uint16_t i = 0; i < extents; i++)
		le64_put(p + 0x48 + 16 * i, 0x220000);
	return length;
}

Test(usn, v4_range_records_decoded_and_skipped)
{
	uint8_t buf[512] = { 0 };
	size_t at = put_v4(buf, 2);
	UsnRecord r;
	cr_assert(usn_record_parse(byte_span(buf, at), &r, NULL));
	cr_assert_eq(r.major_version, 4);
	cr_assert_eq(r.extent_count, 2);
	cr_assert_eq(r.extents.size, 32);
	cr_assert_null(r.name);
	le16_put(buf + 0x3C, 3); /* extents past the record */
	assert_corrupt(buf, at);
	le16_put(buf + 0x3C, 2);
	le16_put(buf + 0x3E, 8); /* extents smaller than offset + length */
	assert_corrupt(buf, at);
	le16_put(buf + 0x3E, 16);

	put_v2(buf + at, 0x41, 5, (int64_t)at, 0x100, "after");
	UsnIter it;
	usn_iter_init(&it, byte_span(buf, sizeof buf), false);
	size_t offset = 0;
	cr_assert(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(offset, at);
	cr_assert_eq(r.major_version, 2);
	cr_assert_not(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(it.range_records, 1);
}

Test(usn, long_hole_then_records)
{
	size_t hole = 64u << 20;
	size_t size = hole + 2 * USN_PAGE_SIZE;
	g_autofree uint8_t *buf = g_malloc0(size);
	size_t first = put_v2(buf + hole, 0x41, 5, (int64_t)hole, 0x100, "first");
	/* the rest of the page is padding; the next record starts the next page */
	put_v2(buf + hole + USN_PAGE_SIZE, 0x42, 5, (int64_t)(hole + USN_PAGE_SIZE), 0x100, "second");
	UsnIter it;
	usn_iter_init(&it, byte_span(buf, size), false);
	UsnRecord r;
	size_t offset = 0;
	cr_assert(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(offset, hole);
	cr_assert(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(offset, hole + USN_PAGE_SIZE);
	cr_assert_eq(r.file.record, 0x42);
	cr_assert_not(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(it.zero_bytes, size - first - r.length_bytes);
	cr_assert_eq(it.garbage_bytes, 0);
}

Test(usn, resynchronises_after_garbage)
{
	uint8_t buf[1024];
	memset(buf, 0xA5, sizeof buf);
	le32_put(buf, 0x40); /* looks like a length, but version 0xA5A5 */
	size_t second = 200;
	size_t length = put_v2(buf + second, 0x41, 5, 200, 0x100, "found");
	memset(buf + second + length, 0, sizeof buf - second - length);
	UsnIter it;
	usn_iter_init(&it, byte_span(buf, sizeof buf), true);
	UsnRecord r;
	size_t offset = 0;
	cr_assert(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(offset, second);
	cr_assert_not(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(it.garbage_bytes, second);
	/* a record cut off by the end of the buffer is garbage too, and the walk ends */
	usn_iter_init(&it, byte_span(buf + second, length - 8), true);
	cr_assert_not(usn_iter_next(&it, &r, &offset));
	cr_assert_eq(it.offset, length - 8);
}
