/* The volume above the MFT reader: $MFT's runlist bootstrapped from record 0 (with an
 * attribute list, and from $MFTMirr), $Bitmap and the label, the label probe the volume
 * search uses, on hostile records; and cluster accounting against $Bitmap, where the block
 * counts must agree with a bit-by-bit count for every range, including ranges that leave
 * the volume. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_volume.h"
#include "mem_source.h"
#include "ntfs/mft_file.h"
#include "ntfs/volume.h"
#include "util/error.h"

static uint64_t naive(const Volume *vol, uint64_t lcn, uint64_t count)
{
	uint64_t used = 0;
	for (uint64_t c = lcn; c < lcn + count; c++)
		used += c >= vol->bitmap_bytes * 8 ? 1 : (vol->bitmap[c / 8] >> (c % 8)) & 1;
	return used;
}

Test(volume, clusters_in_use_matches_a_bit_count)
{
	enum { BYTES = 1000 };
	Volume *vol = mem_volume_new(mem_source_new(g_malloc0(65536), 65536), 1024, 4096);
	g_autoptr(GRand) rnd = g_rand_new_with_seed(7);
	uint8_t *bitmap = g_malloc(BYTES);
	for (int i = 0; i < BYTES; i++)
		bitmap[i] = (uint8_t)g_rand_int(rnd);
	volume_set_bitmap(vol, bitmap, BYTES);
	for (int i = 0; i < 5000; i++) {
		uint64_t lcn = g_rand_int_range(rnd, 0, BYTES * 8 + 100);
		uint64_t count = g_rand_int_range(rnd, 0, 3000);
		cr_assert_eq(volume_clusters_in_use(vol, lcn, count), naive(vol, lcn, count),
			     "lcn %" G_GUINT64_FORMAT " count %" G_GUINT64_FORMAT, lcn, count);
	}
	cr_assert_eq(volume_clusters_in_use(vol, 0, UINT64_MAX / 2), naive(vol, 0, BYTES * 8) + UINT64_MAX / 2 - BYTES * 8);
	BlockSource *src = vol->mft.src;
	volume_free(vol);
	block_source_close(src);
}

/* ---- opening ------------------------------------------------------------------------------ */

typedef struct {
	BlockSource *src;
	Volume *vol;
} Opened;

static Opened open_fixture(const FixtureVolume *v)
{
	Opened o = { fixture_volume_source(v), NULL };
	g_autoptr(GError) error = NULL;
	o.vol = volume_open(o.src, &v->boot, &error);
	cr_assert_not_null(o.vol, "%s", error ? error->message : "");
	return o;
}

static void opened_close(Opened *o)
{
	volume_free(o->vol);
	block_source_close(o->src);
}

Test(volume, opens_and_loads_bitmap_and_label)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	Opened o = open_fixture(&v);
	cr_assert_eq(o.vol->mft.records, FV_MFT_RECORDS);
	cr_assert_not(o.vol->mft_from_mirror);
	cr_assert_str_eq(o.vol->label, "", "the label waits for the metadata");
	g_autoptr(GError) error = NULL;
	cr_assert(volume_load_metadata(o.vol, &error), "%s", error ? error->message : "");
	cr_assert_str_eq(o.vol->label, "fixture");
	cr_assert_eq(volume_free_clusters(o.vol), FV_CLUSTERS - FV_USED_CLUSTERS);
	cr_assert_eq(volume_clusters_in_use(o.vol, FV_USED_CLUSTERS - 1, 2), 1);
	opened_close(&o);
	fixture_volume_clear(&v);
}

/* Record 0 maps only the first half of $MFT; an extension record it lists maps the rest. */
Test(volume, mft_runlist_continues_in_an_extension_record)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	enum { EXT = 20, FAR = 40, FAR_LCN = 60 };
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	uint8_t list[64];
	size_t used = 0;
	fixture_attr_list_add(list, &used, 0x80, 0, 0, 1, NULL, 0);
	fixture_attr_list_add(list, &used, 0x80, FV_MFT_CLUSTERS, EXT, 4, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	const Run first[] = { { 0, FV_MFT_LCN, FV_MFT_CLUSTERS } };
	FixtureNonResident data = {
		.last_vcn = FV_MFT_CLUSTERS - 1,
		.allocated_size = 2 * FV_MFT_CLUSTERS * FV_CLUSTER,
		.data_size = 2 * FV_MFT_RECORDS * FIXTURE_RECORD_SIZE,
		.initialized_size = 2 * FV_MFT_RECORDS * FIXTURE_RECORD_SIZE,
		.runs = first,
		.run_count = 1,
	};
	fixture_record_add_non_resident(&r, 0x80, &data);
	fixture_volume_put(&v, 0, &r);

	fixture_record_init(&r, 4, 1, (uint64_t)1 << 48); /* extension of record 0, sequence 1 */
	const Run second[] = { { 0, FAR_LCN, FV_MFT_CLUSTERS } };
	FixtureNonResident rest = { .first_vcn = FV_MFT_CLUSTERS, .last_vcn = 2 * FV_MFT_CLUSTERS - 1,
				    .runs = second, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x80, &rest);
	fixture_volume_put(&v, EXT, &r);

	fixture_record_init(&r, 7, 0, 0); /* a record only the second extent holds */
	fixture_record_add_name(&r, 5, 5, "far away", 1);
	fixture_record_set_number(&r, FAR);
	fixture_record_finish(&r);
	memcpy(fixture_volume_at(&v, FAR_LCN, FAR - FV_MFT_RECORDS), r.buf, FIXTURE_RECORD_SIZE);

	Opened o = open_fixture(&v);
	cr_assert_eq(o.vol->mft.records, 2 * FV_MFT_RECORDS);
	cr_assert_eq(o.vol->mft.runs.count, 2);
	g_autoptr(MftFile) f = mft_file_load(&o.vol->mft, FAR, 0, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->name, "far away");
	opened_close(&o);

	/* The extension record reused by another file: the first extent is all there is. */
	fixture_record_init(&r, 5, 1, 0);
	fixture_volume_put(&v, EXT, &r);
	o = open_fixture(&v);
	cr_assert_eq(o.vol->mft.records, FV_MFT_RECORDS, "cut to what the runs map");
	cr_assert_null(mft_file_load(&o.vol->mft, FAR, 0, NULL));
	opened_close(&o);
	fixture_volume_clear(&v);
}

Test(volume, damaged_record0_falls_back_to_the_mirror)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	fixture_volume_at(&v, FV_MFT_LCN, 0)[1022] ^= 0xFF; /* torn */
	Opened o = open_fixture(&v);
	cr_assert(o.vol->mft_from_mirror);
	cr_assert_eq(o.vol->mft.records, FV_MFT_RECORDS);
	opened_close(&o);

	memset(fixture_volume_at(&v, FV_MIRR_LCN, 0), 0, FIXTURE_RECORD_SIZE);
	BlockSource *src = fixture_volume_source(&v);
	g_autoptr(GError) error = NULL;
	cr_assert_null(volume_open(src, &v.boot, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, "$MFTMirr") != NULL, "%s", error->message);
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(volume, record0_without_usable_data_is_refused)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_add_resident(&r, 0x80, "resident", 8, NULL, 0);
	fixture_volume_put(&v, 0, &r);
	BlockSource *src = fixture_volume_source(&v);
	g_autoptr(GError) error = NULL;
	cr_assert_null(volume_open(src, &v.boot, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	block_source_close(src);

	const Run tiny[] = { { 0, FV_MFT_LCN, 1 } }; /* 4 records: not even the metadata files */
	fixture_volume_put_mft(&v, tiny, 1, 4);
	src = fixture_volume_source(&v);
	g_clear_error(&error);
	cr_assert_null(volume_open(src, &v.boot, &error));
	cr_assert(strstr(error->message, "only 4 records") != NULL, "%s", error->message);
	block_source_close(src);
	fixture_volume_clear(&v);
}

/* ---- $Bitmap ------------------------------------------------------------------------------- */

static void put_bitmap(FixtureVolume *v, uint64_t lcn, uint64_t data_size)
{
	FixtureRecord r;
	fixture_record_init(&r, 6, 1, 0);
	const Run runs[] = { { 0, lcn, 1 } };
	FixtureNonResident nr = { .allocated_size = FV_CLUSTER, .data_size = data_size,
				  .initialized_size = data_size, .runs = runs, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_volume_put(v, 6, &r);
}

Test(volume, hostile_bitmaps_leave_every_cluster_in_use)
{
	static const struct { uint64_t lcn, size; } cases[] = {
		{ FV_BITMAP_LCN, FV_CLUSTERS / 8 - 1 }, /* too small for the volume */
		{ FV_CLUSTERS, FV_CLUSTERS / 8 },       /* outside the volume */
		{ FV_CLUSTERS - 1, 2 * FV_CLUSTER },    /* its run ends outside the volume */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		FixtureVolume v;
		fixture_volume_init(&v);
		put_bitmap(&v, cases[i].lcn, cases[i].size);
		Opened o = open_fixture(&v);
		g_autoptr(GError) error = NULL;
		cr_assert_not(volume_load_metadata(o.vol, &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT), "case %zu: %s", i, error->message);
		cr_assert_null(o.vol->bitmap);
		cr_assert_eq(volume_free_clusters(o.vol), 0);
		cr_assert_eq(volume_clusters_in_use(o.vol, 100, 5), 5);
		cr_assert_str_eq(o.vol->label, "fixture", "the label does not depend on $Bitmap");
		opened_close(&o);
		fixture_volume_clear(&v);
	}
}

/* ---- the label, through the volume and through the probe --------------------------------- */

static void expect_label(FixtureVolume *v, const char *label)
{
	BlockSource *src = fixture_volume_source_at(v, 8192);
	g_autofree char *probed = volume_probe_label(src, 8192, &v->boot);
	block_source_close(src);
	if (label == NULL)
		cr_assert_null(probed, "probed %s", probed);
	else
		cr_assert_str_eq(probed != NULL ? probed : "(null)", label);
	Opened o = open_fixture(v);
	cr_assert(volume_load_metadata(o.vol, NULL), "$Bitmap is fine whatever the label");
	cr_assert_str_eq(o.vol->label, label != NULL ? label : "");
	opened_close(&o);
}

Test(volume, label_of_every_kind)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	expect_label(&v, "fixture");
	fixture_volume_put_label(&v, "D\xc3\xa9j\xc3\xa0 vu");
	expect_label(&v, "D\xc3\xa9j\xc3\xa0 vu");
	fixture_volume_put_label(&v, "");
	expect_label(&v, NULL);

	FixtureRecord r; /* no $VOLUME_NAME, or only a non-resident one */
	fixture_record_init(&r, 3, 1, 0);
	fixture_record_add_resident(&r, 0x70, "\x03\x01", 2, NULL, 0);
	fixture_volume_put(&v, 3, &r);
	expect_label(&v, NULL);
	fixture_record_init(&r, 3, 1, 0);
	const Run runs[] = { { 0, 50, 1 } };
	FixtureNonResident nr = { .data_size = 8, .runs = runs, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x60, &nr);
	fixture_volume_put(&v, 3, &r);
	expect_label(&v, NULL);
	fixture_volume_clear(&v);
}

Test(volume, hostile_label_records)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	uint8_t *rec = fixture_volume_at(&v, FV_MFT_LCN, 3);
	g_autofree uint8_t *good = g_memdup2(rec, FIXTURE_RECORD_SIZE);
	const size_t attr = 0x38; /* the $VOLUME_NAME, first attribute of the fixture's record 3 */

	rec[510] ^= 0xFF; /* bad fixups: a torn first stride */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le16_put(rec + 6, 9); /* an update sequence count that does not fit the record */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le32_put(rec + 0x18, FIXTURE_RECORD_SIZE + 1); /* used size beyond the record */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le32_put(rec + attr + 0x10, 0xFFFF); /* value longer than the attribute and the record */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le32_put(rec + attr + 0x04, 0x10000); /* attribute longer than the record */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le16_put(rec + attr + 0x14, 0xFFF8); /* value offset past the attribute */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	le32_put(rec + 0x18, attr + 0x1A); /* used size cuts the value short */
	expect_label(&v, NULL);
	memcpy(rec, good, FIXTURE_RECORD_SIZE);
	expect_label(&v, "fixture");
	fixture_volume_clear(&v);
}

Test(volume, label_probe_of_a_truncated_source)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	size_t at = FV_MFT_LCN * FV_CLUSTER + 3 * FIXTURE_RECORD_SIZE;
	for (size_t keep = at; keep < at + FIXTURE_RECORD_SIZE; keep += 100) {
		BlockSource *src = mem_source_new(g_memdup2(v.image, keep), keep);
		cr_assert_null(volume_probe_label(src, 0, &v.boot), "%zu bytes", keep);
		block_source_close(src);
	}
	BlockSource *src = fixture_volume_source(&v);
	cr_assert_null(volume_probe_label(src, FV_BYTES, &v.boot), "no volume there");
	cr_assert_null(volume_probe_label(src, UINT64_MAX - 10, &v.boot));
	block_source_close(src);
	fixture_volume_clear(&v);
}
