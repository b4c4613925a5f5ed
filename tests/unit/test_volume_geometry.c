/* Geometry without a boot sector, and the MFT without its record 0, on the in-memory fixture
 * volume: inferred from the records the volume still holds. */
#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_volume.h"
#include "index/mft_locate.h"
#include "index/volume_geometry.h"

/* Record 1 ($MFTMirr) with its $DATA on the mirror's cluster, and a user record 20. */
static void add_mirror_and_user(FixtureVolume *v)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 1, 0);
	const Run mirr[] = { { 0, FV_MIRR_LCN, 1 } };
	FixtureNonResident nr = { .allocated_size = FV_CLUSTER, .data_size = 4096, .initialized_size = 4096,
				  .runs = mirr, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_volume_put(v, 1, &r);
	fixture_record_init(&r, 1, 1, 0);
	fixture_record_add_name(&r, 5, 5, "user.txt", 1);
	fixture_volume_put(v, 20, &r);
}

Test(volume_geometry, a_volume_without_boot_sector_at_an_offset)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	add_mirror_and_user(&v);
	memset(v.image, 0, 512);
	BlockSource *src = fixture_volume_source_at(&v, 1024 * 1024);
	BootSector bs;
	VolumeGeometryReport report;
	g_autoptr(GError) error = NULL;
	cr_assert(volume_geometry_infer(src, &bs, &report, &error), "%s", error ? error->message : "");
	cr_assert_eq(report.start_offset, 1024 * 1024);
	cr_assert_eq(bs.cluster_size, FV_CLUSTER);
	cr_assert_eq(bs.mft_record_size, FIXTURE_RECORD_SIZE);
	cr_assert_eq(bs.mft_lcn, FV_MFT_LCN);
	cr_assert_eq(bs.mftmirr_lcn, FV_MIRR_LCN);
	cr_assert(bs.inferred);
	cr_assert_geq(report.confirmations, 1);
	cr_assert_leq(bs.total_clusters, FV_CLUSTERS, "no larger than $Bitmap says");
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(volume_geometry, nothing_to_infer_from)
{
	uint8_t *zeros = g_malloc0(256 * 1024);
	memcpy(zeros + 8192, "FILE", 4); /* a signature and nothing else */
	BlockSource *src = mem_source_new(zeros, 256 * 1024);
	BootSector bs;
	VolumeGeometryReport report;
	g_autoptr(GError) error = NULL;
	cr_assert_not(volume_geometry_infer(src, &bs, &report, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	block_source_close(src);
}

Test(volume_geometry, a_record_0_naming_a_cluster_past_its_place_is_not_believed)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	const Run far[] = { { 0, FV_CLUSTERS * 4, 8 } }; /* record 0 would lie before the source */
	fixture_volume_put_mft(&v, far, 1, FV_MFT_RECORDS);
	BlockSource *src = fixture_volume_source(&v);
	BootSector bs;
	VolumeGeometryReport report;
	cr_assert_not(volume_geometry_infer(src, &bs, &report, NULL));
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(mft_locate, the_runlist_from_the_records_found)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	add_mirror_and_user(&v);
	memset(fixture_volume_at(&v, FV_MFT_LCN, 0), 0, FIXTURE_RECORD_SIZE); /* record 0 gone */
	memset(fixture_volume_at(&v, FV_MIRR_LCN, 0), 0, FV_CLUSTER);       /* and its copy */
	BlockSource *src = fixture_volume_source(&v);
	g_autoptr(Volume) bare = volume_new_bare(src, &v.boot);
	Runlist runs = { 0 };
	uint64_t size = 0;
	MftLocateStats stats;
	g_autoptr(GError) error = NULL;
	cr_assert(mft_locate_runs(bare, &runs, &size, &stats, NULL, NULL, &error), "%s", error ? error->message : "");
	cr_assert_eq(runs.count, 1);
	cr_assert_eq(runs.runs[0].vcn, 0);
	cr_assert_eq(runs.runs[0].lcn, FV_MFT_LCN);
	cr_assert_eq(runs.runs[0].length_clusters, 20 / 4 + 1, "up to record 20's cluster, gaps filled");
	cr_assert_eq(size, (uint64_t)(20 / 4 + 1) * FV_CLUSTER);
	cr_assert(volume_adopt_mft(bare, &runs, size, &error), "%s", error ? error->message : "");
	cr_assert(bare->mft_located);
	cr_assert_eq(bare->mft.records, 24);
	runlist_clear(&runs);
	block_source_close(src);
	fixture_volume_clear(&v);
}

Test(mft_locate, too_few_records_is_no_mft)
{
	FixtureVolume v;
	fixture_volume_init(&v); /* records 0, 3 and 6 only: 8 records' worth */
	BlockSource *src = fixture_volume_source(&v);
	g_autoptr(Volume) bare = volume_new_bare(src, &v.boot);
	Runlist runs = { 0 };
	uint64_t size = 0;
	MftLocateStats stats;
	g_autoptr(GError) error = NULL;
	cr_assert_not(mft_locate_runs(bare, &runs, &size, &stats, NULL, NULL, &error));
	cr_assert_eq(runs.count, 0);
	block_source_close(src);
	fixture_volume_clear(&v);
}
