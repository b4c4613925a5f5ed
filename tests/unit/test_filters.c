/* src/cli/filters.c: which files restorefs-scan selects by name, path, size and
 * recoverable percentage. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "entry_sample.h"
#include "filters.h"

Test(filters, size_recoverable_and_glob)
{
	RfsEntryInfo e = sample_file();
	Filters f = FILTERS_INIT;
	cr_assert_not(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "*.txt";
	cr_assert(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "*.doc";
	cr_assert_not(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "/docs/*";
	cr_assert(filters_match_file(&f, &e, "/docs/report, final.txt", 0));
	cr_assert_not(filters_match_file(&f, &e, "/other/report, final.txt", 0));
	f = (Filters)FILTERS_INIT;
	f.min_size_bytes = 12346;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	f.min_size_bytes = 12345;
	f.max_size_bytes = 12345;
	cr_assert(filters_match_file(&f, &e, NULL, 100));
	f.min_recoverable = 100;
	cr_assert_not(filters_match_file(&f, &e, NULL, 99));

	/* A stream matches through its file's name too. */
	f = (Filters)FILTERS_INIT;
	f.name_glob = "*.txt";
	e.flags |= RFS_ENTRY_STREAM;
	e.name = "report, final.txt:Zone.Identifier";
	cr_assert(filters_match_file(&f, &e, NULL, 0));
}

Test(filters, deletion_time_bounds_and_unknown_times)
{
	RfsEntryInfo e = sample_file();
	const int64_t second = 10000000;
	Filters f = FILTERS_INIT;
	f.deleted_after = FT_SAMPLE;
	cr_assert(filters_active(&f));
	cr_assert_not(filters_match_file(&f, &e, NULL, 100), "no deletion time: left out");
	e.deleted_time = FT_SAMPLE;
	cr_assert(filters_match_file(&f, &e, NULL, 100), "after is inclusive");
	e.deleted_time = FT_SAMPLE - 1;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	f = (Filters)FILTERS_INIT;
	f.deleted_before = FT_SAMPLE + second;
	cr_assert(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 100));
	e.deleted_time = FT_SAMPLE + second;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100), "before is exclusive");
	e.deleted_time = 0;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	f.deleted_after = FT_SAMPLE - second;
	e.deleted_time = FT_SAMPLE;
	cr_assert(filters_match_file(&f, &e, NULL, 100));
}
