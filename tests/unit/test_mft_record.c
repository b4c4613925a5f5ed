/* FILE record headers, the attribute walker and attribute values: hostile lengths and
 * offsets by hand, then whole $MFT files written by Windows, checked against The Sleuth
 * Kit's listing of the same volumes. */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>

#include "fixture_record.h"
#include "index/mft_scan.h"
#include "mem_source.h"
#include "ntfs/mft_record.h"
#include "test_fixtures.h"

static MftRecord decoded(FixtureRecord *r)
{
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	fixture_record_finish(r);
	cr_assert(mft_record_decode(r->buf, FIXTURE_RECORD_SIZE, 42, &rec, &error), "%s",
		  error ? error->message : "");
	return rec;
}

static AttributeNext walk_all(const MftRecord *rec, GError **error)
{
	AttributeIter it;
	Attribute a;
	AttributeNext next;
	attribute_iter_init(&it, rec);
	while ((next = attribute_iter_next(&it, &a, error)) == ATTRIBUTE_NEXT_OK)
		;
	return next;
}

Test(mft_record, parses_header)
{
	FixtureRecord r;
	fixture_record_init(&r, 9, 0x3, 0);
	fixture_record_add_name(&r, 5, 5, "x", 1);
	MftRecord rec = decoded(&r);
	cr_assert_eq(rec.sequence, 9);
	cr_assert_eq(rec.flags, 3);
	cr_assert_eq(rec.base.record, 0);
	cr_assert_eq(walk_all(&rec, NULL), ATTRIBUTE_NEXT_END);
}

Test(mft_record, rejects_bad_headers)
{
	FixtureRecord r;
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_finish(&r);
	le16_put(r.buf + 0x14, 0x10); /* attributes inside the header */
	cr_assert_not(mft_record_parse(byte_span(r.buf, sizeof r.buf), 1, &rec, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	g_clear_error(&error);
	le16_put(r.buf + 0x14, 0x38);
	le32_put(r.buf + 0x18, 0xFFFFFFFFu); /* used size past the record */
	cr_assert_not(mft_record_parse(byte_span(r.buf, sizeof r.buf), 1, &rec, &error));
	g_clear_error(&error);
	memcpy(r.buf, "BAAD", 4);
	cr_assert_not(mft_record_decode(r.buf, sizeof r.buf, 1, &rec, &error));
	cr_assert(strstr(error->message, "BAAD") != NULL);
	g_clear_error(&error);
	for (size_t len = 0; len < 0x2A; len++)
		cr_assert_not(mft_record_parse(byte_span(r.buf, len), 1, &rec, NULL));
}

Test(mft_record, peek_reads_the_header_before_fixups)
{
	FixtureRecord r;
	fixture_record_init(&r, 4, 3, 77 | (uint64_t)2 << 48);
	fixture_record_finish(&r);
	MftRecordHeader head;
	cr_assert(mft_record_peek(byte_span(r.buf, sizeof r.buf), &head));
	cr_assert_eq(head.flags, 3);
	cr_assert_eq(head.base.record, 77);
	cr_assert_eq(head.base.sequence, 2);
	for (size_t len = 0; len < 0x2A; len++)
		cr_assert_not(mft_record_peek(byte_span(r.buf, len), &head), "%zu bytes", len);
	cr_assert(mft_record_peek(byte_span(r.buf, 0x2A), &head));
	memcpy(r.buf, "BAAD", 4);
	cr_assert_not(mft_record_peek(byte_span(r.buf, sizeof r.buf), &head));
	memset(r.buf, 0, sizeof r.buf);
	cr_assert_not(mft_record_peek(byte_span(r.buf, sizeof r.buf), &head));
}

Test(mft_record, own_number_only_from_a_31_header)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_set_number(&r, 0x12345678);
	MftRecord rec = decoded(&r);
	cr_assert(rec.has_own_number);
	cr_assert_eq(rec.own_number, 0x12345678);
	/* a 3.0 header: the update sequence array lies where 3.1 keeps the number */
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_finish(&r);
	le16_put(r.buf + 4, 0x2A);
	memmove(r.buf + 0x2A, r.buf + 0x30, 6);
	cr_assert(mft_record_decode(r.buf, sizeof r.buf, 1, &rec, NULL));
	cr_assert_not(rec.has_own_number);
	cr_assert_eq(rec.own_number, 0);
	/* a 3.1 header in a span too short to hold the number */
	fixture_record_init(&r, 1, 1, 0);
	le32_put(r.buf + 0x18, 0x2A);
	le16_put(r.buf + 0x14, 0x2A);
	cr_assert(mft_record_parse(byte_span(r.buf, 0x2C), 1, &rec, NULL));
	cr_assert_not(rec.has_own_number);
}

Test(mft_record, attribute_lengths_are_checked)
{
	static const uint32_t bad_lengths[] = { 0, 8, 15, 0x10000, 0xFFFFFFFFu };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_lengths); i++) {
		FixtureRecord r;
		fixture_record_init(&r, 1, 1, 0);
		uint8_t *a = fixture_record_add_resident(&r, 0x30, "abcdefgh", 8, NULL, 0);
		MftRecord rec = decoded(&r);
		le32_put((uint8_t *)rec.attrs.data + 4, bad_lengths[i]);
		(void)a;
		g_autoptr(GError) error = NULL;
		cr_assert_eq(walk_all(&rec, &error), ATTRIBUTE_NEXT_ERROR, "length %u", bad_lengths[i]);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	}
}

Test(mft_record, resident_value_and_name_must_fit)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_add_resident(&r, 0x80, "abcdefgh", 8, NULL, 0);
	MftRecord rec = decoded(&r);
	uint8_t *a = (uint8_t *)rec.attrs.data;
	le32_put(a + 0x10, 0x7FFFFFFF); /* value length */
	cr_assert_eq(walk_all(&rec, NULL), ATTRIBUTE_NEXT_ERROR);
	le32_put(a + 0x10, 8);
	le16_put(a + 0x14, 0xFFF0); /* value offset */
	cr_assert_eq(walk_all(&rec, NULL), ATTRIBUTE_NEXT_ERROR);
	le16_put(a + 0x14, 0x18);
	a[9] = 200; /* name of 200 units */
	cr_assert_eq(walk_all(&rec, NULL), ATTRIBUTE_NEXT_ERROR);
}

Test(mft_record, non_resident_header_must_fit)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	uint8_t *a = fixture_record_add(&r, 0x80, 0x30); /* shorter than the 0x40 header */
	a[8] = 1;
	MftRecord rec = decoded(&r);
	cr_assert_eq(walk_all(&rec, NULL), ATTRIBUTE_NEXT_ERROR);
}

Test(mft_record, value_parsers_reject_truncation)
{
	uint8_t v[0x42 + 20] = { 0 };
	FileName fn;
	StandardInformation si;
	v[0x40] = 10;
	for (size_t len = 0; len < sizeof v; len++)
		cr_assert_eq(file_name_parse(byte_span(v, len), &fn, NULL), len >= 0x42 + 20, "len %zu", len);
	for (size_t len = 0; len < 0x30; len++)
		cr_assert_not(standard_information_parse(byte_span(v, len), &si, NULL));
}

Test(mft_record, attribute_list_entries_are_checked)
{
	uint8_t list[64] = { 0 };
	le32_put(list, 0x80);
	le16_put(list + 4, 0x28);
	list[6] = 4;   /* name of 4 units */
	list[7] = 0x1A;
	le64_put(list + 0x10, 77 | (uint64_t)3 << 48);
	AttributeListIter it;
	AttributeListEntry e;
	attribute_list_iter_init(&it, byte_span(list, 0x28));
	cr_assert_eq(attribute_list_iter_next(&it, &e, NULL), ATTRIBUTE_NEXT_OK);
	cr_assert_eq(e.ref.record, 77);
	cr_assert_eq(e.ref.sequence, 3);
	list[6] = 20; /* name past the entry */
	attribute_list_iter_init(&it, byte_span(list, 0x28));
	cr_assert_eq(attribute_list_iter_next(&it, &e, NULL), ATTRIBUTE_NEXT_ERROR);
	le16_put(list + 4, 0); /* zero length would never advance */
	attribute_list_iter_init(&it, byte_span(list, sizeof list));
	cr_assert_eq(attribute_list_iter_next(&it, &e, NULL), ATTRIBUTE_NEXT_ERROR);
}

/* ---- Windows-written $MFT files -------------------------------------------------------- */

typedef struct {
	DeletedIndex *index;
	Volume *vol;
	BlockSource *src;
} WinScan;

static WinScan scan_fixture(const char *name, uint32_t record_size)
{
	size_t size;
	uint8_t *data = test_fixture_load(name, &size);
	WinScan s;
	s.src = mem_source_new(data, size);
	s.vol = mem_volume_new(s.src, record_size, 4096);
	s.index = deleted_index_new();
	g_autoptr(GError) error = NULL;
	cr_assert(mft_scan_run(s.vol, s.index, RFS_SCAN_INCLUDE_LIVE, NULL, NULL, &error), "%s",
		  error ? error->message : "");
	return s;
}

static void win_scan_free(WinScan *s)
{
	deleted_index_free(s->index);
	volume_free(s->vol);
	block_source_close(s->src);
}

static char *node_path(WinScan *s, IndexNode *n)
{
	GString *out = g_string_new(NULL);
	for (; n != NULL && n != s->index->root; n = n->parent)
		g_string_prepend(g_string_prepend(out, n->info.name), "/");
	return g_string_free(out, FALSE);
}

/* Every allocated file The Sleuth Kit lists (record >= 16, inside the 256 records we have)
 * is in our tree at the same path. */
static void compare_with_fls(const char *mft, const char *fls, uint32_t record_size)
{
	WinScan s = scan_fixture(mft, record_size);
	size_t size;
	g_autofree char *text = (char *)test_fixture_load(fls, &size);
	text = g_realloc(text, size + 1);
	text[size] = '\0';
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	unsigned checked = 0;
	for (char **l = lines; *l != NULL; l++) {
		unsigned long record;
		char kind[8];
		if (sscanf(*l, "%7s %lu-", kind, &record) != 2 || record < 16 || record >= s.vol->mft.records)
			continue;
		char *tab = strchr(*l, '\t');
		char *colon = strstr(*l, ":\t");
		/* ":$O"-style names are index attributes, not data streams: not ours to list. */
		if (tab == NULL || colon == NULL || strstr(*l, "($FILE_NAME)") != NULL ||
		    strstr(colon + 2, ":$") != NULL)
			continue;
		g_autofree char *path = g_strndup(colon + 2, (size_t)(strchr(colon + 2, '\t') - (colon + 2)));
		if (g_str_has_prefix(path, "$Extend/")) {
			/* NTFS metadata ($ObjId, $Quota, ...) is left out of the tree, live files
			 * shown or not; its folders only lead to deleted entries */
			if (kind[2] == 'r')
				cr_expect_null(deleted_index_lookup(s.index, RFS_ENTRY_ID(record, 0)),
					       "%s: record %lu: live %s is in the tree", mft, record, path);
			checked++;
			continue;
		}
		bool found = false;
		for (unsigned slot = 0; slot < 8 && !found; slot++) {
			IndexNode *n = deleted_index_lookup(s.index, RFS_ENTRY_ID(record, slot));
			if (n == NULL)
				continue;
			g_autofree char *ours = node_path(&s, n);
			found = strcmp(ours + 1, path) == 0;
		}
		cr_expect(found, "%s: record %lu: fls has %s", mft, record, path);
		checked++;
	}
	cr_assert_gt(checked, 10, "%s: only %u entries compared", mft, checked);
	win_scan_free(&s);
}

Test(windows_mft, orphan_volume_matches_fls)
{
	compare_with_fls("orphan.mft", "orphan.fls", 1024);
}

Test(windows_mft, unicode_volume_matches_fls)
{
	compare_with_fls("unicode.mft", "unicode.fls", 1024);
}

Test(windows_mft, four_k_records_match_fls)
{
	compare_with_fls("4k-large.mft", "4k-large.fls", 4096);
}

Test(windows_mft, deleted_entries_are_found)
{
	static const char *const files[] = { "deleted.mft", "orphan.mft", "compressed_sparse.mft", "slack.mft" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		WinScan s = scan_fixture(files[i], 1024);
		cr_assert_eq(s.index->stats.records_damaged, 0, "%s", files[i]);
		cr_assert_eq(s.index->stats.records_total, 256);
		win_scan_free(&s);
	}
	WinScan s = scan_fixture("deleted.mft", 1024);
	cr_assert_gt(s.index->stats.deleted_files + s.index->stats.deleted_dirs, 0);
	win_scan_free(&s);
}
