/* The MFT reader: record 0 where the boot sector says (also inside a larger disk, as the
 * volume search reads it), the probe, the first-extent and full runlists, and reads
 * through runlists; with truncated, torn and forged records and runs. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_volume.h"
#include "ntfs/mft_reader.h"
#include "util/error.h"

static void assert_corrupt(GError *error)
{
	cr_assert_not_null(error);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT), "%s", error->message);
}

Test(mft_reader, boot_record_is_found_inside_a_disk)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	BlockSource *src = fixture_volume_source_at(&v, 1024 * 1024);
	uint8_t buf[FIXTURE_RECORD_SIZE];
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	cr_assert(mft_reader_read_boot_record(src, 1024 * 1024, &v.boot, FV_MFT_LCN, 3, buf, &rec, &error),
		  "%s", error ? error->message : "");
	cr_assert_eq(rec.record_number, 3);
	cr_assert(rec.has_own_number);
	cr_assert_eq(rec.own_number, 3);
	cr_assert(mft_reader_probe(src, 1024 * 1024, &v.boot, &error), "%s", error ? error->message : "");
	cr_assert_not(mft_reader_probe(src, 0, &v.boot, NULL), "no volume at byte 0");
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(mft_reader, boot_record_outside_the_volume_or_source)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	BlockSource *src = fixture_volume_source(&v);
	uint8_t buf[FIXTURE_RECORD_SIZE];
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	cr_assert_not(mft_reader_read_boot_record(src, 0, &v.boot, FV_CLUSTERS, 0, buf, &rec, &error));
	assert_corrupt(error);
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_boot_record(src, UINT64_MAX - 100, &v.boot, FV_MFT_LCN, 0, buf, &rec, &error));
	assert_corrupt(error);
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_boot_record(src, 0, &v.boot, FV_MFT_LCN, UINT64_MAX / 2, buf, &rec, &error));
	assert_corrupt(error);
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_boot_record(src, FV_BYTES, &v.boot, FV_MFT_LCN, 0, buf, &rec, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_IO), "past the source: %s", error->message);
	block_source_close(src);
	fixture_volume_clear(&v);
}

/* Record 0 cut short at every 512 bytes of the source: a read failure, never a misread. */
Test(mft_reader, probe_of_a_truncated_record)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	for (size_t keep = 0; keep < FIXTURE_RECORD_SIZE; keep += 256) {
		uint8_t *data = g_memdup2(v.image, FV_MFT_LCN * FV_CLUSTER + keep);
		BlockSource *src = mem_source_new(data, FV_MFT_LCN * FV_CLUSTER + keep);
		cr_assert_not(mft_reader_probe(src, 0, &v.boot, NULL), "%zu bytes of record 0", keep);
		block_source_close(src);
	}
	fixture_volume_clear(&v);
}

static bool probe_with(FixtureVolume *v, void (*damage)(uint8_t *rec), GError **error)
{
	uint8_t *rec = fixture_volume_at(v, FV_MFT_LCN, 0);
	g_autofree uint8_t *saved = g_memdup2(rec, FIXTURE_RECORD_SIZE);
	damage(rec);
	BlockSource *src = fixture_volume_source(v);
	bool ok = mft_reader_probe(src, 0, &v->boot, error);
	block_source_close(src);
	memcpy(rec, saved, FIXTURE_RECORD_SIZE);
	return ok;
}

static void torn(uint8_t *rec) { rec[1022] ^= 0xFF; }
static void usa_outside(uint8_t *rec) { le16_put(rec + 4, 0x1F0); }
static void usa_count(uint8_t *rec) { le16_put(rec + 6, 0xFFFF); }
static void used_too_big(uint8_t *rec) { le32_put(rec + 0x18, FIXTURE_RECORD_SIZE + 8); }
static void used_huge(uint8_t *rec) { le32_put(rec + 0x18, 0xFFFFFFFFu); }
static void attrs_past_used(uint8_t *rec) { le16_put(rec + 0x14, 0x3F8); le32_put(rec + 0x18, 0x100); }
static void marked_baad(uint8_t *rec) { memcpy(rec, "BAAD", 4); }
static void wrong_number(uint8_t *rec) { le32_put(rec + 0x2C, 7); }
static void zeroed(uint8_t *rec) { memset(rec, 0, FIXTURE_RECORD_SIZE); }
static void untouched(uint8_t *rec) { (void)rec; }
/* An NTFS 3.0 header: the update sequence array sits where 3.1 keeps the record number. */
static void version_30(uint8_t *rec) { le16_put(rec + 4, 0x2A); memmove(rec + 0x2A, rec + 0x30, 6); }

Test(mft_reader, probe_rejects_hostile_record0)
{
	static void (*const damages[])(uint8_t *) = {
		torn, usa_outside, usa_count, used_too_big, used_huge, attrs_past_used,
		marked_baad, wrong_number, zeroed,
	};
	FixtureVolume v;
	fixture_volume_init(&v);
	g_autoptr(GError) error = NULL;
	cr_assert(probe_with(&v, untouched, &error), "%s", error ? error->message : "");
	cr_assert(probe_with(&v, version_30, &error), "%s", error ? error->message : "");
	for (size_t i = 0; i < G_N_ELEMENTS(damages); i++) {
		g_clear_error(&error);
		cr_assert_not(probe_with(&v, damages[i], &error), "damage %zu", i);
		assert_corrupt(error);
	}
	fixture_volume_clear(&v);
}

/* ---- the first extent and the full runlist ------------------------------------------------- */

static MftRecord record0_with(FixtureRecord *r, const FixtureNonResident *data)
{
	fixture_record_init(r, 1, 1, 0);
	if (data != NULL)
		fixture_record_add_non_resident(r, 0x80, data);
	fixture_record_finish(r);
	MftRecord rec;
	cr_assert(mft_record_decode(r->buf, FIXTURE_RECORD_SIZE, 0, &rec, NULL));
	return rec;
}

Test(mft_reader, first_extent_of_record0)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	const Run runs[] = { { 0, 4, 2 }, { 2, 40, 2 } };
	static const uint16_t name[] = { '$', 'X' };
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	/* a named $DATA and a later extent come first: neither is the first extent */
	FixtureNonResident named = { .runs = runs, .run_count = 1, .name = name, .name_length = 2, .data_size = 99 * 1024 };
	FixtureNonResident later = { .first_vcn = 4, .last_vcn = 4, .runs = runs, .run_count = 1, .data_size = 98 * 1024 };
	FixtureNonResident first = { .last_vcn = 3, .runs = runs, .run_count = 2, .data_size = 64 * 1024 };
	fixture_record_add_non_resident(&r, 0x80, &named);
	fixture_record_add_non_resident(&r, 0x80, &later);
	fixture_record_add_non_resident(&r, 0x80, &first);
	fixture_record_finish(&r);
	MftRecord rec;
	cr_assert(mft_record_decode(r.buf, FIXTURE_RECORD_SIZE, 0, &rec, NULL));
	MftReader reader;
	g_autoptr(GError) error = NULL;
	cr_assert(mft_reader_init_first_extent(&reader, NULL, &v.boot, &rec, &error), "%s",
		  error ? error->message : "");
	cr_assert_eq(reader.records, 64);
	cr_assert_eq(reader.runs.count, 2);
	cr_assert_eq(reader.runs.runs[1].lcn, 40);
	mft_reader_clear(&reader);
	cr_assert_eq(reader.runs.count, 0);
	cr_assert_eq(reader.records, 0);
	fixture_volume_clear(&v);
}

Test(mft_reader, first_extent_missing_or_damaged)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	FixtureRecord r;
	MftReader reader;
	g_autoptr(GError) error = NULL;

	MftRecord rec = record0_with(&r, NULL); /* no $DATA at all */
	cr_assert_not(mft_reader_init_first_extent(&reader, NULL, &v.boot, &rec, &error));
	assert_corrupt(error);
	cr_assert_eq(reader.runs.count, 0);
	g_clear_error(&error);

	const Run outside[] = { { 0, FV_CLUSTERS - 1, 2 } }; /* runs off the volume's end */
	FixtureNonResident data = { .last_vcn = 1, .runs = outside, .run_count = 1, .data_size = 8192 };
	rec = record0_with(&r, &data);
	cr_assert_not(mft_reader_init_first_extent(&reader, NULL, &v.boot, &rec, &error));
	assert_corrupt(error);
	cr_assert_eq(reader.runs.count, 0);
	g_clear_error(&error);

	const Run fine[] = { { 0, 4, 8 } };
	data = (FixtureNonResident){ .last_vcn = 7, .runs = fine, .run_count = 1, .data_size = 32768 };
	rec = record0_with(&r, &data);
	uint8_t *a = (uint8_t *)rec.attrs.data;
	le32_put(a + 4, 0xFFFFFF00u); /* the attribute claims more than the record holds */
	cr_assert_not(mft_reader_init_first_extent(&reader, NULL, &v.boot, &rec, &error));
	assert_corrupt(error);
	g_clear_error(&error);
	le32_put(a + 4, 0x48);
	le16_put(a + 0x20, 0x400); /* mapping pairs past the attribute */
	cr_assert_not(mft_reader_init_first_extent(&reader, NULL, &v.boot, &rec, &error));
	assert_corrupt(error);
	fixture_volume_clear(&v);
}

Test(mft_reader, full_runlist_is_taken_and_bounded)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	MftReader reader;
	Runlist runs = { 0 };
	g_autoptr(GError) error = NULL;
	runlist_append(&runs, (Run){ 0, 4, 8 });
	runlist_append(&runs, (Run){ 8, 60, 4 });
	cr_assert(mft_reader_init(&reader, NULL, &v.boot, &runs, 48 * 1024, &error), "%s",
		  error ? error->message : "");
	cr_assert_eq(runs.count, 0, "the runs were taken");
	cr_assert_eq(reader.records, 48);
	mft_reader_clear(&reader);

	runlist_append(&runs, (Run){ 0, 4, 8 });
	cr_assert(mft_reader_init(&reader, NULL, &v.boot, &runs, UINT64_MAX, &error));
	cr_assert_eq(reader.records, 32, "a forged size is cut to what the runs map");
	mft_reader_clear(&reader);

	runlist_append(&runs, (Run){ 0, 4, 2 });
	cr_assert_not(mft_reader_init(&reader, NULL, &v.boot, &runs, 8 * 1024, &error));
	assert_corrupt(error); /* fewer records than the metadata files need */
	cr_assert_eq(reader.runs.count, 0);
	g_clear_error(&error);

	static const Run bad[] = {
		{ 0, RUN_LCN_SPARSE, 8 },
		{ 0, FV_CLUSTERS, 8 },
		{ 0, FV_CLUSTERS - 4, 8 },
		{ 0, 4, UINT64_MAX - 2 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		runlist_append(&runs, (Run){ 0, 4, 8 });
		Run r = bad[i];
		r.vcn = 8;
		runlist_append(&runs, r);
		cr_assert_not(mft_reader_init(&reader, NULL, &v.boot, &runs, 64 * 1024, &error), "run %zu", i);
		assert_corrupt(error);
		cr_assert_eq(reader.runs.count, 0);
		cr_assert_eq(reader.records, 0);
		g_clear_error(&error);
	}
	fixture_volume_clear(&v);
}

static GString *warnings;

static void keep_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)domain, (void)level, (void)data;
	g_string_append_printf(warnings, "%s\n", message);
}

Test(mft_reader, a_runlist_mapping_clusters_twice_is_named_once)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	warnings = g_string_new(NULL);
	g_log_set_handler("restorefs-ntfs", G_LOG_LEVEL_WARNING, keep_warning, NULL);
	MftReader reader;
	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ 0, 40, 8 });
	runlist_append(&runs, (Run){ 8, 4, 8 });
	runlist_append(&runs, (Run){ 16, 60, 4 });
	cr_assert(mft_reader_init(&reader, NULL, &v.boot, &runs, 80 * 1024, NULL));
	cr_assert_str_empty(warnings->str, "apart: %s", warnings->str);
	mft_reader_clear(&reader);

	runlist_append(&runs, (Run){ 0, 40, 8 });
	runlist_append(&runs, (Run){ 8, 4, 8 });
	runlist_append(&runs, (Run){ 16, 10, 4 }); /* inside run 1 */
	runlist_append(&runs, (Run){ 20, 46, 4 }); /* inside run 0 */
	cr_assert(mft_reader_init(&reader, NULL, &v.boot, &runs, 96 * 1024, NULL), "scanning goes on");
	cr_assert_eq(reader.records, 96);
	cr_assert_str_eq(warnings->str, "$MFT: runs 1 (LCN 4+8) and 2 (LCN 10+4) map the same clusters; "
			 "the records there read the same bytes\n");
	mft_reader_clear(&reader);
	g_string_free(warnings, TRUE);
	fixture_volume_clear(&v);
}

/* ---- reads ------------------------------------------------------------------------------------ */

Test(mft_reader, reads_across_runs_and_refuses_gaps)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	for (size_t i = 0; i < 4 * FV_CLUSTER; i++)
		v.image[40 * FV_CLUSTER + i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < FV_CLUSTER; i++)
		v.image[90 * FV_CLUSTER + i] = (uint8_t)(i * 3);
	BlockSource *src = fixture_volume_source(&v);
	MftReader reader;
	Runlist mft = { 0 };
	runlist_append(&mft, (Run){ 0, FV_MFT_LCN, FV_MFT_CLUSTERS });
	cr_assert(mft_reader_init(&reader, src, &v.boot, &mft, FV_MFT_RECORDS * 1024, NULL));

	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ 0, 41, 1 });
	runlist_append(&runs, (Run){ 1, 90, 1 });
	runlist_append(&runs, (Run){ 2, RUN_LCN_SPARSE, 1 });
	runlist_append(&runs, (Run){ 4, FV_CLUSTERS - 1, 2 });
	uint8_t buf[2 * FV_CLUSTER];
	g_autoptr(GError) error = NULL;
	cr_assert(mft_reader_read_runs(&reader, &runs, FV_CLUSTER - 100, buf, 200, &error));
	for (size_t i = 0; i < 100; i++) {
		cr_assert_eq(buf[i], (uint8_t)((2 * FV_CLUSTER - 100 + i) * 7));
		cr_assert_eq(buf[100 + i], (uint8_t)(i * 3));
	}
	cr_assert_not(mft_reader_read_runs(&reader, &runs, 2 * FV_CLUSTER, buf, 1, &error));
	assert_corrupt(error); /* sparse */
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_runs(&reader, &runs, 3 * FV_CLUSTER, buf, 1, &error));
	assert_corrupt(error); /* not mapped */
	g_clear_error(&error);
	cr_assert(mft_reader_read_runs(&reader, &runs, 4 * FV_CLUSTER, buf, FV_CLUSTER, NULL));
	cr_assert_not(mft_reader_read_runs(&reader, &runs, 4 * FV_CLUSTER, buf, 2 * FV_CLUSTER, &error));
	assert_corrupt(error); /* the run's second cluster is past the volume */
	runlist_clear(&runs);
	mft_reader_clear(&reader);
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(mft_reader, records_are_read_and_decoded_through_the_runs)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	/* records 32..35 in a second extent, far from the first */
	FixtureRecord r;
	fixture_record_init(&r, 9, 1, 0);
	fixture_record_add_name(&r, 5, 5, "far", 1);
	fixture_record_set_number(&r, 33);
	fixture_record_finish(&r);
	memcpy(v.image + 100 * FV_CLUSTER + FIXTURE_RECORD_SIZE, r.buf, FIXTURE_RECORD_SIZE);
	BlockSource *src = fixture_volume_source(&v);
	MftReader reader;
	Runlist mft = { 0 };
	runlist_append(&mft, (Run){ 0, FV_MFT_LCN, FV_MFT_CLUSTERS });
	runlist_append(&mft, (Run){ FV_MFT_CLUSTERS, 100, 1 });
	cr_assert(mft_reader_init(&reader, src, &v.boot, &mft, 36 * 1024, NULL));
	uint8_t buf[FIXTURE_RECORD_SIZE];
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	cr_assert(mft_reader_load_record(&reader, 33, buf, &rec, &error), "%s", error ? error->message : "");
	cr_assert_eq(rec.sequence, 9);
	cr_assert_eq(rec.own_number, 33);
	cr_assert_not(mft_reader_load_record(&reader, 34, buf, &rec, &error), "all zeros");
	assert_corrupt(error);
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_record(&reader, 36, buf, &error));
	assert_corrupt(error);
	cr_assert(strstr(error->message, "past the end of the MFT") != NULL, "%s", error->message);
	g_clear_error(&error);
	cr_assert_not(mft_reader_read_record(&reader, UINT64_MAX, buf, &error));
	assert_corrupt(error);
	mft_reader_clear(&reader);
	block_source_close(src);
	fixture_volume_clear(&v);
}
