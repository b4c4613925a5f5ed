/* image_source_open on hostile files: a signature followed by too little or by garbage,
 * zero-length files, E01 sets whose sections loop or run past the end. Each one fails
 * with a one-line error and none crashes; a file without a signature opens raw. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "device/block_source.h"
#include "util/error.h"

static char *dir;

static void setup(void)
{
	dir = g_dir_make_tmp("restorefs-image-source-XXXXXX", NULL);
	cr_assert_not_null(dir);
}

static void teardown(void)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
	g_free(dir);
}

TestSuite(image_source, .init = setup, .fini = teardown);

static char *write_file(const char *name, const void *data, size_t size)
{
	char *path = g_build_filename(dir, name, NULL);
	cr_assert(g_file_set_contents(path, data, (gssize)size, NULL));
	return path;
}

/* Opens `data` as a file called `name`: must fail with one line of error. */
static void assert_refused(const char *name, const void *data, size_t size)
{
	g_autofree char *path = write_file(name, data, size);
	g_autoptr(GError) error = NULL;
	BlockSource *src = image_source_open(path, 0, &error);
	cr_assert_null(src, "%s (%zu bytes) opened", name, size);
	cr_assert_not_null(error, "%s: no error", name);
	cr_assert_null(strchr(error->message, '\n'), "%s: more than one line: %s", name, error->message);
}

Test(image_source, signature_then_too_little)
{
	static const struct {
		const char *name;
		const char *magic;
		size_t size;
	} cases[] = {
		{ "a.E01", "EVF\x09\x0d\x0a\xff\x00", 8 },
		{ "a.Ex01", "EVF2\x0d\x0a\x81\x00", 8 },
		{ "a.L01", "LVF\x09\x0d\x0a\xff\x00", 8 },
		{ "a.vhdx", "vhdxfile", 8 },
		{ "a.vhd", "conectix", 8 },
		{ "a.vmdk", "KDMV", 4 },
		{ "b.vmdk", "# Disk DescriptorFile", 21 },
		{ "a.cowd", "COWD", 4 },
		{ "a.qcow2", "QFI\xfb", 4 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint8_t buf[4096];
		for (size_t j = 0; j < sizeof buf; j++)
			buf[j] = (uint8_t)(j * 31 + 7); /* garbage after the signature */
		memcpy(buf, cases[i].magic, cases[i].size);
		assert_refused(cases[i].name, buf, cases[i].size);
		assert_refused(cases[i].name, buf, cases[i].size + 1);
		assert_refused(cases[i].name, buf, 512);
		assert_refused(cases[i].name, buf, sizeof buf);
		memset(buf + cases[i].size, 0xff, sizeof buf - cases[i].size);
		assert_refused(cases[i].name, buf, sizeof buf);
	}
}

Test(image_source, empty_file)
{
	assert_refused("empty.vhdx", "", 0);
}

Test(image_source, vhd_footer_without_a_disk)
{
	uint8_t buf[1024] = { 0 };
	memcpy(buf + 512, "conectix", 8);
	assert_refused("footer.vhd", buf, sizeof buf);
}

/* An E01 segment header, then section descriptors that point back at themselves or past
 * the end of the file: the walk must stop. */
Test(image_source, ewf_sections_loop_or_run_off)
{
	uint8_t buf[13 + 76 * 2] = { 0 };
	memcpy(buf, "EVF\x09\x0d\x0a\xff\x00\x01\x01\x00\x00\x00", 13);
	memcpy(buf + 13, "header", 6);
	buf[13 + 16] = 13; /* next = itself */
	assert_refused("loop.E01", buf, sizeof buf);
	buf[13 + 16] = 0xff;
	buf[13 + 16 + 5] = 0x01; /* next far past the end */
	assert_refused("past.E01", buf, sizeof buf);
	memset(buf + 13, 0, 76);
	memcpy(buf + 13, "done", 4);
	buf[13 + 16] = 13; /* a set of one segment and nothing else: no media */
	assert_refused("done.E01", buf, sizeof buf);
}

Test(image_source, no_signature_opens_raw)
{
	uint8_t buf[4096] = { 0 };
	memcpy(buf + 3, "NTFS    ", 8);
	g_autofree char *path = write_file("raw.img", buf, sizeof buf);
	g_autoptr(GError) error = NULL;
	BlockSource *src = image_source_open(path, 0, &error);
	cr_assert_not_null(src, "%s", error != NULL ? error->message : "");
	cr_assert_eq(src->size_bytes, sizeof buf);
	uint8_t got[8];
	cr_assert(block_source_read(src, 3, got, sizeof got, NULL));
	cr_assert_eq(memcmp(got, "NTFS    ", 8), 0);
	block_source_close(src);
}
