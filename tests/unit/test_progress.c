/* The front ends' progress bar: the line it draws (bar, percentage, amounts, rate, units),
 * and what reaches the stream: a line per draw, the erase at the end, nothing when off. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "progress.h"

#define NBSP "\xc2\xa0"

static void assert_line(const Progress *p, double elapsed_seconds, const char *want)
{
	g_autofree char *line = progress_line(p, elapsed_seconds);
	cr_assert_str_eq(line, want);
}

Test(progress, counts_with_a_unit_name)
{
	Progress *p = progress_new_on(NULL, false, "scanning", 200, PROGRESS_COUNT, "records");
	assert_line(p, 0, "scanning [..............................]   0% 0/200 records, 0 records/s");
	progress_update(p, 100);
	assert_line(p, 2, "scanning [###############...............]  50% 100/200 records, 50 records/s");
	progress_update(p, 200);
	assert_line(p, 4, "scanning [##############################] 100% 200/200 records, 50 records/s");
	progress_free(p);
}

Test(progress, bytes_without_a_unit_name)
{
	Progress *p = progress_new_on(NULL, false, "extracting", 2 << 20, PROGRESS_BYTES, NULL);
	/* GLib puts a no-break space (U+00A0) between a size and its unit, not before "bytes" */
	progress_update(p, 1 << 20);
	assert_line(p, 2, "extracting [###############...............]  50% "
			  "1.0" NBSP "MiB/2.0" NBSP "MiB, 512.0" NBSP "KiB/s");
	progress_update(p, 1000);
	assert_line(p, 1, "extracting [..............................]   0% "
			  "1000 bytes/2.0" NBSP "MiB, 1000 bytes/s");
	progress_free(p);
}

Test(progress, an_unknown_total_and_no_time_yet)
{
	Progress *p = progress_new_on(NULL, false, "searching", 0, PROGRESS_COUNT, NULL);
	progress_update(p, 5);
	assert_line(p, 0, "searching [..............................]   0% 5/0, 0/s");
	progress_set_total(p, 10);
	assert_line(p, 0, "searching [###############...............]  50% 5/10, 0/s");
	progress_free(p);
}

Test(progress, more_done_than_the_total_stays_at_100)
{
	Progress *p = progress_new_on(NULL, false, "x", 10, PROGRESS_COUNT, NULL);
	progress_update(p, 25);
	assert_line(p, 1, "x [##############################] 100% 25/10, 25/s");
	progress_free(p);
}

Test(progress, the_callback_takes_a_new_total)
{
	Progress *p = progress_new_on(NULL, false, "x", 0, PROGRESS_COUNT, NULL);
	progress_callback(3, 12, p);
	assert_line(p, 1, "x [#######.......................]  25% 3/12, 3/s");
	progress_callback(6, 0, p); /* 0: the total stays */
	assert_line(p, 1, "x [###############...............]  50% 6/12, 6/s");
	progress_callback(1, 2, NULL); /* no bar: nothing to do */
	progress_update(NULL, 1);
	progress_free(p);
	progress_free(NULL);
}

Test(progress, draws_on_its_stream_and_erases_at_the_end)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	cr_assert_not_null(out);
	Progress *p = progress_new_on(out, true, "scanning", 4, PROGRESS_COUNT, "records");
	progress_update(p, 1); /* the first update always draws */
	progress_free(p);
	fclose(out);
	cr_assert(g_str_has_prefix(text, "\rscanning [#######.......................]  25% 1/4 records, "), "%s", text);
	cr_assert(g_str_has_suffix(text, " records/s\033[K\r\033[K"), "%s", text);
	free(text);
}

Test(progress, draws_nothing_when_off)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	cr_assert_not_null(out);
	Progress *p = progress_new_on(out, false, "scanning", 4, PROGRESS_COUNT, "records");
	progress_update(p, 1);
	progress_update(p, 4);
	progress_free(p);
	fclose(out);
	cr_assert_eq(size, 0, "wrote '%s'", text);
	free(text);
}
