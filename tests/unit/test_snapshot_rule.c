/* Shadow copies without libvshadow: the @GMT folder names, the store files left out, the
 * rule that says whether a copy's file is gone from the live volume, and a copy whose
 * volume is garbage, which must fail alone and cleanly (the caller warns once and goes on). */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "context/context_private.h"
#include "context/snapshot_rule.h"
#include "mem_source.h"
#include "util/error.h"

static const char *gmt(int64_t filetime)
{
	static char out[SNAPSHOT_RULE_GMT_SIZE];
	snapshot_rule_gmt_name(filetime, out);
	return out;
}

Test(snapshot_rule, gmt_names_follow_the_windows_form_in_utc)
{
	/* vss_2003's first copy: Jun 04, 2019 23:43:01.484375000 UTC (vshadowinfo) */
	cr_assert_str_eq(gmt(INT64_C(132041653814843750)), "@GMT-2019.06.04-23.43.01");
	cr_assert_str_eq(gmt(INT64_C(116444736000000000)), "@GMT-1970.01.01-00.00.00");
	cr_assert_str_eq(gmt(INT64_C(116444735999999999)), "@GMT-1969.12.31-23.59.59"); /* floored */
	cr_assert_str_eq(gmt(1), "@GMT-1601.01.01-00.00.00");
	cr_assert_str_eq(gmt(INT64_C(2650467743999999999)), "@GMT-9999.12.31-23.59.59");
}

Test(snapshot_rule, times_outside_filetime_s_range_are_unknown)
{
	cr_assert_str_eq(gmt(0), "@GMT-unknown");
	cr_assert_str_eq(gmt(-1), "@GMT-unknown");
	cr_assert_str_eq(gmt(INT64_MIN), "@GMT-unknown");
	cr_assert_str_eq(gmt(INT64_C(2650467744000000000)), "@GMT-unknown");
	cr_assert_str_eq(gmt(INT64_MAX), "@GMT-unknown");
}

Test(snapshot_rule, only_vss_store_files_are_left_out)
{
	cr_assert(snapshot_rule_is_store_file("{12e5a133-8722-11e9-9178-525400123456}{3808876b-c176-4e48-b7ae-04046e6cc752}"));
	cr_assert(snapshot_rule_is_store_file("{X}{3808876B-C176-4E48-B7AE-04046E6CC752}"));
	cr_assert_not(snapshot_rule_is_store_file("{3808876b-c176-4e48-b7ae-04046e6cc752}")); /* the catalog */
	cr_assert_not(snapshot_rule_is_store_file("report{3808876b-c176-4e48-b7ae-04046e6cc752}"));
	cr_assert_not(snapshot_rule_is_store_file("}{3808876b-c176-4e48-b7ae-04046e6cc752}"));
	cr_assert_not(snapshot_rule_is_store_file(""));
	cr_assert_not(snapshot_rule_is_store_file(NULL));
}

static const SnapshotRecordFacts file_v1 = {
	.present = true, .in_use = true, .sequence = 1, .last_write = 1000, .has_stream = true, .size_bytes = 7106,
};

Test(snapshot_rule, the_same_live_file_is_not_gone)
{
	cr_assert_not(snapshot_rule_gone_from_live(&file_v1, &file_v1, false));
	cr_assert_not(snapshot_rule_gone_from_live(&file_v1, &file_v1, true));
}

Test(snapshot_rule, any_difference_the_mft_shows_makes_it_gone)
{
	SnapshotRecordFacts live;
	live = file_v1, live.present = false;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "record unreadable or empty now");
	live = file_v1, live.in_use = false;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "deleted since");
	live = file_v1, live.sequence = 2;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "record reused");
	live = file_v1, live.is_dir = true;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "now a directory");
	live = file_v1, live.last_write = 1001;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "written since");
	live = file_v1, live.size_bytes = 7107;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "resized since");
	live = file_v1, live.has_stream = false;
	cr_assert(snapshot_rule_gone_from_live(&file_v1, &live, false), "stream removed");
}

Test(snapshot_rule, deleted_in_both_is_shown_only_where_the_copy_does_better)
{
	SnapshotRecordFacts gone = file_v1;
	gone.in_use = false;
	gone.sequence = 2;
	cr_assert_not(snapshot_rule_gone_from_live(&gone, &gone, true));
	cr_assert(snapshot_rule_gone_from_live(&gone, &gone, false));
	SnapshotRecordFacts other = gone;
	other.size_bytes = 1;
	cr_assert(snapshot_rule_gone_from_live(&gone, &other, true), "a different deleted file");
}

/* A copy whose volume is garbage fails on its own, with an error, leaving the live index
 * as it was. */
static void scan_hostile(uint8_t *data, size_t size, const char *what)
{
	g_autoptr(RfsContext) ctx = g_new0(RfsContext, 1);
	ctx->index = deleted_index_new();
	ContextSnapshot snap = { .src = mem_source_new(data, size) };
	g_autoptr(GHashTable) live = snapshot_view_live_cache_new();
	g_autoptr(GError) error = NULL;
	cr_assert_not(snapshot_view_scan(ctx, &snap, 1, live, &error), "%s", what);
	cr_assert_not_null(error, "%s", what);
	cr_assert_null(snap.view, "%s", what);
	cr_assert_eq(ctx->index->stats.snapshot_files, 0);
	volume_free(snap.vol);
	block_source_close(snap.src);
}

Test(snapshot_rule, a_garbage_copy_fails_alone)
{
	enum { SIZE = 1 << 20 };
	g_autoptr(GRand) rnd = g_rand_new_with_seed(2019);
	uint8_t *noise = g_malloc(SIZE);
	for (size_t i = 0; i < SIZE; i++)
		noise[i] = (uint8_t)g_rand_int(rnd);
	scan_hostile(noise, SIZE, "random bytes");
	scan_hostile(g_malloc0(SIZE), SIZE, "zeros");
	scan_hostile(g_malloc0(100), 100, "shorter than a boot sector");
	uint8_t *ntfs_then_zeros = g_malloc0(SIZE);
	memcpy(ntfs_then_zeros + 3, "NTFS    ", 8);
	scan_hostile(ntfs_then_zeros, SIZE, "an NTFS signature and nothing else");
}
