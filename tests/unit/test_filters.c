/* src/frontend/filters.c: which files restorefs-scan selects (and a mount shows) by name,
 * path, size, recoverable percentage, deletion and modification time. */
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
	filters_set_name(&f, "*.txt", false);
	cr_assert(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	filters_set_name(&f, "*.doc", false);
	cr_assert_not(filters_match_file(&f, &e, NULL, 0));
	filters_set_name(&f, "/docs/*", false);
	cr_assert(filters_match_file(&f, &e, "/docs/report, final.txt", 0));
	cr_assert_not(filters_match_file(&f, &e, "/other/report, final.txt", 0));
	filters_clear(&f);
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
	filters_set_name(&f, "*.TXT", false);
	e.flags |= RFS_ENTRY_STREAM;
	e.name = "report, final.txt:Zone.Identifier";
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	filters_set_name(&f, "docs/*.txt", false);
	cr_assert(filters_match_file(&f, &e, "/Users/DOCS/report, final.txt:Zone.Identifier", 0));
	filters_clear(&f);
}

Test(filters, name_case_and_path_tail)
{
	RfsEntryInfo e = sample_file();
	e.name = e.file_name = "IMG_0001.JPG";
	Filters f = FILTERS_INIT;
	filters_set_name(&f, "*.jpg", false);
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	filters_set_name(&f, "*.jpg", true);
	cr_assert_not(filters_match_file(&f, &e, NULL, 0), "--case-sensitive");
	filters_set_name(&f, "Desktop/*", false);
	cr_assert(filters_match_file(&f, &e, "/Users/ann/desktop/IMG_0001.JPG", 0));
	cr_assert_not(filters_match_file(&f, &e, "/Users/ann/Pictures/IMG_0001.JPG", 0));
	cr_assert_not(filters_match_file(&f, &e, NULL, 0), "a path glob needs the path");
	filters_set_name(&f, NULL, false);
	cr_assert_not(filters_active(&f));
	filters_clear(&f);
}

Test(filters, modification_time_bounds)
{
	RfsEntryInfo e = sample_file(); /* last write FT_SAMPLE + 1 s */
	const int64_t second = 10000000;
	Filters f = FILTERS_INIT;
	f.modified_after = FT_SAMPLE + second;
	cr_assert(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 100), "after is inclusive");
	f.modified_after = FT_SAMPLE + second + 1;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	f = (Filters)FILTERS_INIT;
	f.modified_before = FT_SAMPLE + second;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100), "before is exclusive");
	f.modified_before = FT_SAMPLE + 2 * second;
	cr_assert(filters_match_file(&f, &e, NULL, 100));
	e.times.last_write = 0;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100), "no time: left out");
	/* the deletion time is not the modification time */
	e = sample_file();
	f.modified_before = 0;
	f.modified_after = FT_SAMPLE;
	f.deleted_after = FT_SAMPLE;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	e.deleted_time = FT_SAMPLE;
	cr_assert(filters_match_file(&f, &e, NULL, 100));
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
