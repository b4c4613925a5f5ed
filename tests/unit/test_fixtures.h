/* Loading the real-data fixtures (structures written by Windows) for unit tests. The
 * directory comes from $RFS_FIXTURES_DIR, else from the build; tests skip when absent. */
#pragma once

#include <criterion/criterion.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef RFS_FIXTURES_DIR
#define RFS_FIXTURES_DIR ""
#endif

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
		cr_skip_test("fixture %s not found", path);
	*size = len;
	return (uint8_t *)data;
}
