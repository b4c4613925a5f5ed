/* runlist_decode and the Runlist helpers: sparse runs, negative offsets, every truncation,
 * over-wide fields, wrapping VCNs and LCNs, runs outside the volume; lookup and sort. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "ntfs/runlist.h"
#include "util/error.h"

#define SPAN(a) byte_span((a), sizeof(a))

static void expect_corrupt(ByteSpan pairs, uint64_t first_vcn, uint64_t volume_clusters,
			   const char *words)
{
	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ 0, 5, 1 }); /* a run already there must survive */
	g_autoptr(GError) error = NULL;
	cr_assert_not(runlist_decode(pairs, first_vcn, volume_clusters, &runs, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, words) != NULL, "\"%s\" lacks \"%s\"", error->message, words);
	cr_assert_eq(runs.count, 1);
	cr_assert_eq(runs.runs[0].lcn, 5);
	runlist_clear(&runs);
}

static void assert_run(const Runlist *runs, size_t i, uint64_t vcn, uint64_t lcn, uint64_t length)
{
	cr_assert(i < runs->count, "run %zu of %zu", i, runs->count);
	cr_assert_eq(runs->runs[i].vcn, vcn, "run %zu vcn %" PRIu64, i, runs->runs[i].vcn);
	cr_assert_eq(runs->runs[i].lcn, lcn, "run %zu lcn %" PRIu64, i, runs->runs[i].lcn);
	cr_assert_eq(runs->runs[i].length_clusters, length, "run %zu length", i);
}

Test(runlist, single_run)
{
	static const uint8_t pairs[] = { 0x21, 0x18, 0x34, 0x56, 0x00 };
	Runlist runs = { 0 };
	g_autoptr(GError) error = NULL;
	cr_assert(runlist_decode(SPAN(pairs), 0, 0, &runs, &error));
	cr_assert_eq(runs.count, 1);
	assert_run(&runs, 0, 0, 0x5634, 0x18);
	runlist_clear(&runs);
	cr_assert_null(runs.runs);
	cr_assert_eq(runs.count, 0);
}

Test(runlist, negative_offsets_and_sparse_runs)
{
	static const uint8_t pairs[] = {
		0x31, 0x10, 0x00, 0x00, 0x01,       /* 16 clusters at LCN 0x10000 */
		0x01, 0x20,                         /* 32 sparse clusters */
		0x21, 0x08, 0x00, 0xFF,             /* 8 at 0x10000 - 0x100 */
		0x11, 0x04, 0x80,                   /* 4 at -128 from there */
		0x81, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 2 at -1, 8-byte field */
		0x00,
		0x11, 0x01, 0x01,                   /* after the terminator: ignored */
	};
	Runlist runs = { 0 };
	g_autoptr(GError) error = NULL;
	cr_assert(runlist_decode(SPAN(pairs), 0x40, 0, &runs, &error), "%s", error ? error->message : "");
	cr_assert_eq(runs.count, 5);
	assert_run(&runs, 0, 0x40, 0x10000, 16);
	assert_run(&runs, 1, 0x50, RUN_LCN_SPARSE, 32);
	assert_run(&runs, 2, 0x70, 0xFF00, 8);
	assert_run(&runs, 3, 0x78, 0xFE80, 4);
	assert_run(&runs, 4, 0x7C, 0xFE7F, 2);
	cr_assert_eq(runlist_allocated_clusters(&runs), 30);
	runlist_clear(&runs);
}

Test(runlist, end_of_span_without_terminator)
{
	static const uint8_t pairs[] = { 0x11, 0x05, 0x0A, 0x01, 0x03 };
	Runlist runs = { 0 };
	cr_assert(runlist_decode(SPAN(pairs), 0, 100, &runs, NULL));
	cr_assert_eq(runs.count, 2);
	assert_run(&runs, 1, 5, RUN_LCN_SPARSE, 3);
	runlist_clear(&runs);

	cr_assert(runlist_decode(byte_span(pairs, 0), 0, 0, &runs, NULL));
	cr_assert_eq(runs.count, 0);
	runlist_clear(&runs);
}

Test(runlist, rejects_field_past_end)
{
	static const uint8_t pairs[] = { 0x44, 0x01 }; /* header claims 4+4 field bytes; 1 follows */
	expect_corrupt(SPAN(pairs), 0, 1000, "past the end");
}

Test(runlist, every_truncation_is_clean)
{
	static const uint8_t pairs[] = { 0x31, 0x10, 0x00, 0x00, 0x01, 0x01, 0x20, 0x21, 0x08, 0x00, 0xFF, 0x00 };
	static const size_t pair_ends[] = { 0, 5, 7, 11, 12 };
	for (size_t len = 0; len <= sizeof pairs; len++) {
		bool at_boundary = false;
		for (size_t i = 0; i < G_N_ELEMENTS(pair_ends); i++)
			at_boundary |= pair_ends[i] == len;
		g_autofree uint8_t *copy = g_memdup2(pairs, len ? len : 1); /* ASan sees overreads */
		Runlist runs = { 0 };
		g_autoptr(GError) error = NULL;
		bool ok = runlist_decode(byte_span(copy, len), 0, 0, &runs, &error);
		cr_assert_eq(ok, at_boundary, "length %zu", len);
		cr_assert(ok || g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		cr_assert(ok || runs.count == 0);
		runlist_clear(&runs);
	}
}

Test(runlist, rejects_fields_wider_than_8)
{
	static const uint8_t wide_length[] = { 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 };
	static const uint8_t wide_offset[] = { 0x91, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 };
	static const uint8_t widest[] = { 0xFF };
	expect_corrupt(SPAN(wide_length), 0, 0, "widths");
	expect_corrupt(SPAN(wide_offset), 0, 0, "widths");
	expect_corrupt(SPAN(widest), 0, 0, "widths");
}

Test(runlist, rejects_zero_and_negative_lengths)
{
	static const uint8_t no_length_field[] = { 0x10, 0x05, 0x00 };
	static const uint8_t zero[] = { 0x11, 0x00, 0x05, 0x00 };
	static const uint8_t negative[] = { 0x11, 0x80, 0x05, 0x00 };
	static const uint8_t negative8[] = { 0x18, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00 };
	expect_corrupt(SPAN(no_length_field), 0, 0, "widths");
	expect_corrupt(SPAN(zero), 0, 0, "zero");
	expect_corrupt(SPAN(negative), 0, 0, "negative");
	expect_corrupt(SPAN(negative8), 0, 0, "negative");
}

Test(runlist, rejects_wrapping_vcn)
{
	static const uint8_t pairs[] = { 0x01, 0x10, 0x00 };
	expect_corrupt(SPAN(pairs), UINT64_MAX - 4, 0, "wraps");
	expect_corrupt(SPAN(pairs), (uint64_t)INT64_MAX - 4, 0, "wraps");
	static const uint8_t big[] = { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
				       0x01, 0x01, 0x00 }; /* INT64_MAX clusters, then one more */
	expect_corrupt(SPAN(big), 0, 0, "wraps");
}

Test(runlist, rejects_lcn_below_zero)
{
	static const uint8_t first[] = { 0x11, 0x01, 0xFF, 0x00 };            /* LCN -1 */
	static const uint8_t later[] = { 0x11, 0x01, 0x10, 0x11, 0x01, 0xEF, 0x00 }; /* 16 - 17 */
	static const uint8_t min8[] = { 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00 }; /* INT64_MIN */
	expect_corrupt(SPAN(first), 0, 0, "below 0");
	expect_corrupt(SPAN(later), 0, 0, "below 0");
	expect_corrupt(SPAN(min8), 0, 0, "below 0");
	static const uint8_t to_zero[] = { 0x11, 0x01, 0x10, 0x11, 0x01, 0xF0, 0x00 }; /* LCN 0 is fine */
	Runlist runs = { 0 };
	cr_assert(runlist_decode(SPAN(to_zero), 0, 0, &runs, NULL));
	assert_run(&runs, 1, 1, 0, 1);
	runlist_clear(&runs);
}

Test(runlist, rejects_wrapping_lcn)
{
	static const uint8_t pairs[] = {
		0x81, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, /* LCN INT64_MAX */
		0x11, 0x01, 0x01, 0x00,                                     /* + 1 */
	};
	expect_corrupt(SPAN(pairs), 0, 0, "wraps");
	/* INT64_MAX itself is still a signed LCN; with no volume limit the run is kept */
	static const uint8_t at_max[] = { 0x81, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00 };
	Runlist runs = { 0 };
	cr_assert(runlist_decode(SPAN(at_max), 0, 0, &runs, NULL));
	cr_assert_neq(runs.runs[0].lcn, RUN_LCN_SPARSE);
	runlist_clear(&runs);
}

Test(runlist, rejects_runs_past_volume)
{
	static const uint8_t inside[] = { 0x11, 0x0A, 0x5A, 0x00 };  /* LCN 90, 10 clusters */
	static const uint8_t outside[] = { 0x11, 0x0B, 0x5A, 0x00 }; /* LCN 90, 11 clusters */
	static const uint8_t start_past[] = { 0x11, 0x01, 0x64, 0x00 };
	Runlist runs = { 0 };
	cr_assert(runlist_decode(SPAN(inside), 0, 100, &runs, NULL));
	runlist_clear(&runs);
	expect_corrupt(SPAN(outside), 0, 100, "past the volume");
	expect_corrupt(SPAN(start_past), 0, 100, "past the volume");
	cr_assert(runlist_decode(SPAN(outside), 0, 0, &runs, NULL)); /* 0 = no limit */
	runlist_clear(&runs);
	/* a sparse run takes no clusters, wherever it is */
	static const uint8_t sparse[] = { 0x01, 0x7F, 0x00 };
	cr_assert(runlist_decode(SPAN(sparse), 0, 1, &runs, NULL));
	runlist_clear(&runs);
}

Test(runlist, appends_after_existing_runs)
{
	static const uint8_t first[] = { 0x11, 0x04, 0x10, 0x00 };
	static const uint8_t second[] = { 0x11, 0x04, 0x40, 0x00 }; /* relative to 0 again */
	Runlist runs = { 0 };
	cr_assert(runlist_decode(SPAN(first), 0, 0, &runs, NULL));
	cr_assert(runlist_decode(SPAN(second), 4, 0, &runs, NULL));
	cr_assert_eq(runs.count, 2);
	assert_run(&runs, 1, 4, 0x40, 4);
	for (size_t i = 0; i < 100; i++) /* growth */
		runlist_append(&runs, (Run){ 8 + i, RUN_LCN_SPARSE, 1 });
	cr_assert_eq(runs.count, 102);
	cr_assert(runs.capacity >= runs.count);
	runlist_clear(&runs);
}

Test(runlist, lookup_finds_runs_and_gaps)
{
	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ 10, 100, 5 });
	runlist_append(&runs, (Run){ 0, 200, 4 });
	runlist_append(&runs, (Run){ 20, RUN_LCN_SPARSE, 10 });
	runlist_append(&runs, (Run){ 15, 300, 1 });
	cr_assert(runlist_sort(&runs, NULL));
	cr_assert_eq(runs.runs[0].vcn, 0);
	cr_assert_eq(runs.runs[3].vcn, 20);
	cr_assert_eq(runlist_lookup(&runs, 0)->lcn, 200);
	cr_assert_eq(runlist_lookup(&runs, 3)->lcn, 200);
	cr_assert_null(runlist_lookup(&runs, 4));
	cr_assert_null(runlist_lookup(&runs, 9));
	cr_assert_eq(runlist_lookup(&runs, 10)->lcn, 100);
	cr_assert_eq(runlist_lookup(&runs, 14)->lcn, 100);
	cr_assert_eq(runlist_lookup(&runs, 15)->lcn, 300);
	cr_assert_null(runlist_lookup(&runs, 16));
	cr_assert_eq(runlist_lookup(&runs, 29)->lcn, RUN_LCN_SPARSE);
	cr_assert_null(runlist_lookup(&runs, 30));
	cr_assert_null(runlist_lookup(&runs, UINT64_MAX));
	cr_assert_eq(runlist_allocated_clusters(&runs), 10);
	runlist_clear(&runs);
	cr_assert_null(runlist_lookup(&runs, 0));
	cr_assert_eq(runlist_allocated_clusters(&runs), 0);
}

Test(runlist, lookup_at_the_top_of_the_range)
{
	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ UINT64_MAX - 10, 1, 10 });
	cr_assert(runlist_sort(&runs, NULL));
	cr_assert_not_null(runlist_lookup(&runs, UINT64_MAX - 1));
	cr_assert_null(runlist_lookup(&runs, UINT64_MAX));
	runlist_clear(&runs);
}

Test(runlist, next_vcn_ends_a_gap)
{
	Runlist runs = { 0 };
	cr_assert_eq(runlist_next_vcn(&runs, 0), UINT64_MAX, "empty: the gap never ends");
	runlist_append(&runs, (Run){ 4, 100, 2 });
	runlist_append(&runs, (Run){ 10, RUN_LCN_SPARSE, 3 });
	cr_assert_eq(runlist_next_vcn(&runs, 0), 4);
	cr_assert_eq(runlist_next_vcn(&runs, 3), 4);
	cr_assert_eq(runlist_next_vcn(&runs, 4), 10, "inside a run: the next run's start");
	cr_assert_eq(runlist_next_vcn(&runs, 6), 10);
	cr_assert_eq(runlist_next_vcn(&runs, 10), UINT64_MAX);
	cr_assert_eq(runlist_next_vcn(&runs, UINT64_MAX), UINT64_MAX);
	runlist_clear(&runs);
}

Test(runlist, sort_rejects_overlap)
{
	Runlist runs = { 0 };
	runlist_append(&runs, (Run){ 10, 100, 5 });
	runlist_append(&runs, (Run){ 0, 200, 11 });
	g_autoptr(GError) error = NULL;
	cr_assert_not(runlist_sort(&runs, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	runlist_clear(&runs);

	runlist_append(&runs, (Run){ 5, 100, 1 });
	runlist_append(&runs, (Run){ 5, 200, 1 });
	cr_assert_not(runlist_sort(&runs, NULL));
	runlist_clear(&runs);

	runlist_append(&runs, (Run){ 5, 100, 1 }); /* adjacent is fine */
	runlist_append(&runs, (Run){ 6, 200, 1 });
	cr_assert(runlist_sort(&runs, NULL));
	runlist_clear(&runs);
}

/* A deterministic scramble of mapping pairs: never crashes, and whatever decodes keeps
 * every invariant the header promises. */
Test(runlist, random_pairs_keep_invariants)
{
	GRand *rand = g_rand_new_with_seed(12345);
	uint8_t buf[48];
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)g_rand_int_range(rand, 0, sizeof buf + 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)g_rand_int(rand);
		if (len > 0 && iter % 2)
			buf[0] = (uint8_t)(buf[0] & 0x33); /* mostly-valid headers too */
		g_autofree uint8_t *copy = g_memdup2(buf, len ? len : 1);
		Runlist runs = { 0 };
		uint64_t volume = iter % 3 ? 1u << 20 : 0;
		if (runlist_decode(byte_span(copy, len), 7, volume, &runs, NULL)) {
			uint64_t vcn = 7;
			for (size_t i = 0; i < runs.count; i++) {
				const Run *r = &runs.runs[i];
				cr_assert_eq(r->vcn, vcn);
				cr_assert(r->length_clusters > 0);
				cr_assert(r->lcn == RUN_LCN_SPARSE || r->lcn <= (uint64_t)INT64_MAX);
				if (volume && r->lcn != RUN_LCN_SPARSE)
					cr_assert(r->lcn + r->length_clusters <= volume);
				vcn += r->length_clusters;
			}
			cr_assert(runlist_sort(&runs, NULL));
		}
		runlist_clear(&runs);
	}
	g_rand_free(rand);
}
