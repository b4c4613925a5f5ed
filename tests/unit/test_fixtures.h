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

/* ---- bitlk-images.tar.xz: BitLocker volumes written by Windows ---- */

static char *test_fixture_unpacked; /* the calling test's temp dir, see test_fixture_bitlk_remove */

/* Unpacks the archive into a fresh temp dir and returns its bitlk-images folder (g_free;
 * the images are sparse: under 1 MiB on disk, 0.1 s); skips the calling test when the
 * archive is missing. A suite that calls it sets .fini = test_fixture_bitlk_remove. */
static inline char *test_fixture_bitlk_unpack(void)
{
	const char *dir = getenv("RFS_FIXTURES_DIR");
	if (dir == NULL || *dir == '\0')
		dir = RFS_FIXTURES_DIR;
	g_autofree char *archive = g_build_filename(dir, "bitlk-images.tar.xz", NULL);
	if (!g_file_test(archive, G_FILE_TEST_IS_REGULAR))
		test_fixture_missing(archive);
	test_fixture_unpacked = g_dir_make_tmp("restorefs-test-XXXXXX", NULL);
	cr_assert_not_null(test_fixture_unpacked);
	const char *argv[] = { "tar", "-xJf", archive, "--sparse", "-C", test_fixture_unpacked, NULL };
	int status = -1;
	g_autoptr(GError) error = NULL;
	cr_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
			       NULL, &status, &error), "%s", error ? error->message : "");
	cr_assert(g_spawn_check_wait_status(status, NULL), "tar failed on %s", archive);
	return g_build_filename(test_fixture_unpacked, "bitlk-images", NULL);
}

static inline void test_fixture_bitlk_remove(void)
{
	if (test_fixture_unpacked == NULL)
		return;
	const char *argv[] = { "rm", "-rf", test_fixture_unpacked, NULL };
	(void)g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			   NULL, NULL);
	g_clear_pointer(&test_fixture_unpacked, g_free);
}
