/* A fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput on every file named, and on
 * every file inside each folder named, so that the seeds and every past finding run in the
 * ordinary and the sanitizer builds of the test suite. A crash, an assertion or a sanitizer
 * report fails the test; a missing folder is skipped (no findings yet). */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static bool run_file(const char *path)
{
	gchar *data;
	gsize size;
	GError *error = NULL;
	if (!g_file_get_contents(path, &data, &size, &error)) {
		fprintf(stderr, "%s\n", error->message);
		g_error_free(error);
		return false;
	}
	(void)LLVMFuzzerTestOneInput((const uint8_t *)data, size);
	g_free(data);
	return true;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool run_folder(const char *dir, unsigned *count)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d == NULL)
		return true;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_build_filename(dir, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	bool ok = true;
	for (guint i = 0; i < names->len; i++) {
		ok = run_file(g_ptr_array_index(names, i)) && ok;
		(*count)++;
	}
	g_ptr_array_unref(names);
	return ok;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	bool ok = true;
	unsigned count = 0;
	for (int i = 1; i < argc; i++) {
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			ok = run_folder(argv[i], &count) && ok;
		} else if (g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
			ok = run_file(argv[i]) && ok;
			count++;
		}
	}
	printf("%u input(s)\n", count);
	return ok ? 0 : 1;
}
