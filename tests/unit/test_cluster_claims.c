/* Clusters claimed by several deleted streams: who wrote last by LSN or by times, ranges
 * whose order cannot be shown, $Bitmap precedence, and hostile extents. */
#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>

#include "index/cluster_claims.h"

#define T INT64_C(133000000000000000) /* a FILETIME in 2022 */
#define HORIZON (T + INT64_C(1000000000000))
#define VOLUME 1000000u

/* Clusters [busy_lcn, busy_lcn + busy_count) are in use now; the rest is free. */
typedef struct {
	uint64_t busy_lcn, busy_count;
	uint64_t calls;
} Bitmap;

static uint64_t in_use(uint64_t lcn, uint64_t count, void *user_data)
{
	Bitmap *b = user_data;
	b->calls++;
	uint64_t end = lcn + count, busy_end = b->busy_lcn + b->busy_count;
	uint64_t lo = MAX(lcn, b->busy_lcn), hi = MIN(end, busy_end);
	return hi > lo ? hi - lo : 0;
}

/* A deleted stream whose data was written between `from` and `to` (FILETIMEs). */
static RfsEntryInfo stream(int64_t from, int64_t to, uint64_t clusters)
{
	RfsEntryInfo info = { .clusters = clusters, .flags = RFS_ENTRY_REMOVED };
	info.times = (RfsTimes){ .creation = from, .last_write = to, .last_access = to, .mft_change = to };
	info.fn_times = (RfsTimes){ from, from, from, from };
	return info;
}

static uint64_t resolve(ClusterClaims *claims, Bitmap *bitmap)
{
	Bitmap none = { 0 };
	return cluster_claims_resolve(claims, HORIZON, in_use, bitmap != NULL ? bitmap : &none);
}

static void claim(ClusterClaims *claims, RfsEntryInfo *info, uint64_t lsn, uint64_t lcn, uint64_t count)
{
	uint32_t c = cluster_claims_add_stream(claims, info, lsn);
	cr_assert(cluster_claims_add_extent(claims, c, lcn, count));
}

#define assert_counts(info, sup, con)                                                            \
	do {                                                                                      \
		cr_assert_eq((info).clusters_superseded, (sup), #info " superseded %" PRIu64 ", want %" PRIu64, \
			     (info).clusters_superseded, (uint64_t)(sup));                          \
		cr_assert_eq((info).clusters_contested, (con), #info " contested %" PRIu64 ", want %" PRIu64, \
			     (info).clusters_contested, (uint64_t)(con));                           \
	} while (0)

Test(cluster_claims, the_higher_lsn_wrote_last)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	/* the times say the opposite: a record's LSN outranks them */
	RfsEntryInfo a = stream(T + 500, T + 600, 10), b = stream(T, T + 10, 10);
	claim(claims, &a, 100, 10, 10);
	claim(claims, &b, 200, 10, 10);
	cr_assert_eq(resolve(claims, NULL), 1);
	assert_counts(a, 10, 0);
	assert_counts(b, 0, 0);
	cr_assert_eq(rfs_entry_state(&a), RFS_STATE_OVERWRITTEN);
	cr_assert_eq(rfs_entry_recoverable_percent(&b), 100);
}

Test(cluster_claims, equal_lsns_contest)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 10, 4), b = stream(T + 20, T + 30, 4);
	claim(claims, &a, 77, 0, 4);
	claim(claims, &b, 77, 0, 4);
	cr_assert_eq(resolve(claims, NULL), 2);
	assert_counts(a, 0, 4);
	assert_counts(b, 0, 4);
}

Test(cluster_claims, times_order_without_lsns)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 10, 8), b = stream(T + 20, T + 30, 8);
	claim(claims, &b, 0, 100, 8);
	claim(claims, &a, 0, 100, 8);
	resolve(claims, NULL);
	assert_counts(a, 8, 0);
	assert_counts(b, 0, 0);
	cr_assert_eq(rfs_entry_recoverable_percent(&a), 0);
	cr_assert_eq(rfs_entry_state(&b), RFS_STATE_INTACT);
}

Test(cluster_claims, one_lsn_missing_falls_back_to_times)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T + 20, T + 30, 8), b = stream(T, T + 10, 8);
	claim(claims, &a, 0, 100, 8);
	claim(claims, &b, 999, 100, 8); /* an LSN, but a has none: the times decide */
	resolve(claims, NULL);
	assert_counts(a, 0, 0);
	assert_counts(b, 8, 0);
}

Test(cluster_claims, copied_file_with_old_mtime_spans_its_interval)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	/* a: written before b; b a copy, created later but keeping an older modification time */
	RfsEntryInfo a = stream(T, T + 10, 5), b = stream(T + 20, T + 30, 5);
	b.times.last_write = T - 1000;
	claim(claims, &a, 0, 0, 5);
	claim(claims, &b, 0, 0, 5);
	resolve(claims, NULL);
	assert_counts(a, 0, 5);
	assert_counts(b, 0, 5);

	/* the same copy, but its old mtime is still later than everything of c */
	g_autoptr(ClusterClaims) again = cluster_claims_new(VOLUME);
	RfsEntryInfo c = stream(T - 5000, T - 4000, 5), d = stream(T + 20, T + 30, 5);
	d.times.last_write = T - 1000;
	claim(again, &c, 0, 0, 5);
	claim(again, &d, 0, 0, 5);
	resolve(again, NULL);
	assert_counts(c, 5, 0);
	assert_counts(d, 0, 0);
}

Test(cluster_claims, overlapping_intervals_contest)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 20, 6), b = stream(T + 10, T + 30, 6);
	claim(claims, &a, 0, 50, 6);
	claim(claims, &b, 0, 50, 6);
	cr_assert_eq(resolve(claims, NULL), 2);
	assert_counts(a, 0, 6);
	assert_counts(b, 0, 6);
	cr_assert_eq(rfs_entry_state(&a), RFS_STATE_CONTESTED);
	cr_assert_eq(rfs_entry_recoverable_percent(&b), 0);

	/* touching intervals: the order is not strict, so it is unknown */
	g_autoptr(ClusterClaims) touch = cluster_claims_new(VOLUME);
	RfsEntryInfo c = stream(T, T + 20, 6), d = stream(T + 20, T + 30, 6);
	claim(touch, &c, 0, 50, 6);
	claim(touch, &d, 0, 50, 6);
	resolve(touch, NULL);
	assert_counts(c, 0, 6);
	assert_counts(d, 0, 6);
}

Test(cluster_claims, zero_or_future_times_make_the_order_unknown)
{
	int64_t bad[] = { 0, -5, HORIZON + 1, INT64_MAX };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
		RfsEntryInfo a = stream(T, T + 10, 3), b = stream(T + 20, T + 30, 3);
		b.times.creation = bad[i]; /* would make b the later one if believed (or the earlier) */
		claim(claims, &a, 0, 7, 3);
		claim(claims, &b, 0, 7, 3);
		resolve(claims, NULL);
		assert_counts(a, 0, 3);
		assert_counts(b, 0, 3);
	}
	/* a record without $FILE_NAME: its $STANDARD_INFORMATION alone is evidence */
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 10, 3), b = stream(T + 20, T + 30, 3);
	b.fn_times = (RfsTimes){ 0 };
	claim(claims, &a, 0, 7, 3);
	claim(claims, &b, 0, 7, 3);
	resolve(claims, NULL);
	assert_counts(a, 3, 0);
	assert_counts(b, 0, 0);
	/* no times at all */
	g_autoptr(ClusterClaims) bare = cluster_claims_new(VOLUME);
	RfsEntryInfo c = stream(T, T + 10, 3), d = { .clusters = 3 };
	claim(bare, &c, 0, 7, 3);
	claim(bare, &d, 0, 7, 3);
	resolve(bare, NULL);
	assert_counts(c, 0, 3);
	assert_counts(d, 0, 3);
}

Test(cluster_claims, three_claimants)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 1, 4), b = stream(T + 10, T + 11, 4), c = stream(T + 20, T + 21, 4);
	claim(claims, &c, 0, 0, 4);
	claim(claims, &a, 0, 0, 4);
	claim(claims, &b, 0, 0, 4);
	cr_assert_eq(resolve(claims, NULL), 2);
	assert_counts(a, 4, 0);
	assert_counts(b, 4, 0);
	assert_counts(c, 0, 0);

	/* the latest two overlap: the earliest is superseded, the other two contest */
	g_autoptr(ClusterClaims) tie = cluster_claims_new(VOLUME);
	RfsEntryInfo d = stream(T, T + 1, 4), e = stream(T + 10, T + 30, 4), f = stream(T + 20, T + 40, 4);
	claim(tie, &d, 0, 0, 4);
	claim(tie, &e, 0, 0, 4);
	claim(tie, &f, 0, 0, 4);
	resolve(tie, NULL);
	assert_counts(d, 4, 0);
	assert_counts(e, 0, 4);
	assert_counts(f, 0, 4);

	/* one of three has no usable times: nobody can own it, but the earliest still lost */
	g_autoptr(ClusterClaims) blind = cluster_claims_new(VOLUME);
	RfsEntryInfo g = stream(T, T + 1, 4), h = stream(T + 10, T + 11, 4), i = stream(0, 0, 4);
	claim(blind, &g, 0, 0, 4);
	claim(blind, &h, 0, 0, 4);
	claim(blind, &i, 0, 0, 4);
	resolve(blind, NULL);
	assert_counts(g, 4, 0);
	assert_counts(h, 0, 4);
	assert_counts(i, 0, 4);
}

Test(cluster_claims, partial_overlap_counts_only_the_shared_range)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 1, 100), b = stream(T + 10, T + 11, 100);
	claim(claims, &a, 0, 0, 100);
	claim(claims, &b, 0, 50, 100);
	resolve(claims, NULL);
	assert_counts(a, 50, 0);
	assert_counts(b, 0, 0);
	cr_assert_eq(rfs_entry_recoverable_percent(&a), 50);
	cr_assert_eq(rfs_entry_state(&a), RFS_STATE_PARTLY_OVERWRITTEN);
}

Test(cluster_claims, owns_one_range_and_loses_another)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T + 10, T + 11, 20), b = stream(T, T + 1, 10), c = stream(T + 20, T + 21, 10);
	uint32_t ca = cluster_claims_add_stream(claims, &a, 0);
	cr_assert(cluster_claims_add_extent(claims, ca, 0, 10));
	cr_assert(cluster_claims_add_extent(claims, ca, 20, 10));
	claim(claims, &b, 0, 0, 10);
	claim(claims, &c, 0, 20, 10);
	resolve(claims, NULL);
	assert_counts(a, 10, 0);
	assert_counts(b, 10, 0);
	assert_counts(c, 0, 0);
}

Test(cluster_claims, clusters_in_use_take_precedence)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 1, 10), b = stream(T + 10, T + 30, 10), c = stream(T + 20, T + 40, 10);
	a.clusters_in_use = b.clusters_in_use = c.clusters_in_use = 4; /* as the scan found them */
	claim(claims, &a, 0, 0, 10);
	claim(claims, &b, 0, 0, 10);
	claim(claims, &c, 0, 0, 10);
	Bitmap bitmap = { .busy_lcn = 3, .busy_count = 4 };
	resolve(claims, &bitmap);
	assert_counts(a, 6, 0);
	assert_counts(b, 0, 6);
	assert_counts(c, 0, 6);
	cr_assert_eq(a.clusters_in_use + a.clusters_superseded, a.clusters);
	cr_assert_eq(rfs_entry_state(&a), RFS_STATE_OVERWRITTEN);
	cr_assert_eq(rfs_entry_state(&b), RFS_STATE_PARTLY_OVERWRITTEN);
}

Test(cluster_claims, streams_apart_are_not_compared)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 50, 10), b = stream(T + 10, T + 20, 10);
	claim(claims, &a, 0, 0, 10);
	claim(claims, &b, 0, 10, 10); /* adjacent, not overlapping */
	Bitmap bitmap = { 0 };
	cr_assert_eq(resolve(claims, &bitmap), 0);
	assert_counts(a, 0, 0);
	assert_counts(b, 0, 0);
	cr_assert_eq(bitmap.calls, 0, "no overlap, no $Bitmap look-up");
}

Test(cluster_claims, hostile_lengths_and_lcns_are_cut_to_the_volume)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(1000);
	RfsEntryInfo a = stream(T, T + 1, UINT64_MAX), b = stream(T + 10, T + 11, UINT64_MAX / 2);
	RfsEntryInfo c = stream(T + 20, T + 21, 5);
	claim(claims, &a, 0, 0, UINT64_C(1) << 63);
	claim(claims, &b, 0, 990, UINT64_MAX);          /* lcn + length wraps */
	claim(claims, &c, 0, UINT64_MAX - 2, 5);        /* outside the volume: dropped */
	claim(claims, &c, 0, 1000, 1);
	resolve(claims, NULL);
	assert_counts(a, 10, 0);
	assert_counts(b, 0, 0);
	assert_counts(c, 0, 0);
}

Test(cluster_claims, a_runlist_that_maps_a_cluster_twice_contests_it)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 1, 6);
	uint32_t ca = cluster_claims_add_stream(claims, &a, 0);
	cr_assert(cluster_claims_add_extent(claims, ca, 100, 3));
	cr_assert(cluster_claims_add_extent(claims, ca, 100, 3));
	resolve(claims, NULL);
	cr_assert_leq(a.clusters_contested, a.clusters, "counted within the stream's clusters");
	cr_assert_eq(a.clusters_superseded, 0);
	cr_assert_gt(a.clusters_contested, 0);
}

Test(cluster_claims, forged_cluster_counts_keep_the_three_disjoint)
{
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	RfsEntryInfo a = stream(T, T + 1, 2), b = stream(T + 10, T + 11, 2);
	a.clusters_in_use = 1;
	b.clusters_in_use = UINT32_MAX; /* more than it has */
	claim(claims, &a, 0, 0, 50);    /* more than `clusters` says */
	claim(claims, &b, 0, 0, 50);
	resolve(claims, NULL);
	cr_assert_eq(a.clusters_superseded, 1, "capped at the free rest");
	assert_counts(b, 0, 0);
}

Test(cluster_claims, many_streams_on_one_cluster)
{
	enum { N = 200000 };
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	g_autofree RfsEntryInfo *s = g_new(RfsEntryInfo, N);
	for (uint32_t i = 0; i < N; i++) {
		s[i] = stream(T, T + 1, 1);
		claim(claims, &s[i], (uint64_t)(N - i) * 8, 7, 1);
	}
	Bitmap bitmap = { 0 };
	cr_assert_eq(resolve(claims, &bitmap), N - 1);
	assert_counts(s[0], 0, 0);
	for (uint32_t i = 1; i < N; i++)
		cr_assert_eq(s[i].clusters_superseded, 1);
	cr_assert_eq(bitmap.calls, 1, "one range, one $Bitmap look-up");
}

static unsigned warnings;

static void count_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)domain, (void)level, (void)message, (void)data;
	warnings++;
}

Test(cluster_claims, nested_extents_give_up_judging_but_stay_honest)
{
	/* n extents [i, n + 1000): judging each range would cost n^2 / 2 claimant visits */
	enum { N = 100000 };
	g_log_set_handler("restorefs-index", G_LOG_LEVEL_WARNING, count_warning, NULL);
	g_autoptr(ClusterClaims) claims = cluster_claims_new(VOLUME);
	g_autofree RfsEntryInfo *s = g_new(RfsEntryInfo, N);
	for (uint32_t i = 0; i < N; i++) {
		s[i] = stream(T + i, T + i, N + 1000 - i);
		claim(claims, &s[i], 0, i, N + 1000 - i);
	}
	resolve(claims, NULL);
	cr_assert_eq(warnings, 1);
	uint64_t counted = 0;
	for (uint32_t i = 0; i < N; i++) {
		/* every shared cluster is lost but the one range a stream may own */
		uint64_t lost = s[i].clusters_superseded + s[i].clusters_contested;
		uint64_t shared = N + 1000 - i - (i == 0);
		cr_assert(lost <= shared && lost + 1 >= shared, "stream %u: %" PRIu64 " of its %" PRIu64 " shared clusters",
			  i, lost, shared);
		counted += s[i].clusters_contested > 0;
	}
	cr_assert_gt(counted, N / 2, "what could not be judged is contested");
	cr_assert_eq(rfs_entry_recoverable_percent(&s[N - 1]), 0);
}
