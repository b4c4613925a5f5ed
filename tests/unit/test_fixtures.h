/* Loading the real-data fixtures (structures written by Windows) for unit tests. The
 * directory comes from $RFS_FIXTURES_DIR, else from the build; tests skip when absent,
 * and fail instead under CI (CI=true), where a skipped test is a missing test. */
#pragma once

#include <criterion/criterion.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef RFS_FIXTURES_DIR
#define RFS_FIXTURES_DIR ""
#endif

/* Skips the calling test because `what` is missing, or fails it under CI. */
#define test_fixture_missing(what)                                                            \
	do {                                                                                   \
		const char *ci_ = getenv("CI");                                                \
		if (ci_ != NULL && strcmp(ci_, "true") == 0)                                   \
			cr_assert_fail("fixture %s not found (CI=true: missing fixtures fail)", \
				       (what));                                                \
		cr_skip_test("fixture %s not found", (what));                                   \
	} while (0)

/* Contents of windows-ntfs/<name> (g_free); skips the calling test when it is missing. */
static inline uint8_t *test_fixture_load(const char *name, size_t *size)
{
	const char *dir = getenv("RFS_FIXTURES_DIR");
	if (dir == NULL || *dir == '\0')
		dir = RFS_FIXTURES_DIR;
	g_autofree char *path = g_build_filename(dir, "windows-ntfs", name, NULL);
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		test_fixture_missing(path);
	*size = len;
	return (uint8_t *)data;
}
