/* window_open and window reads: inside the window, at its end, past it, windows that do not
 * fit their parent, offsets that would wrap, windows of windows; the parent is closed on
 * failure as on success. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "device/block_source.h"
#include "util/error.h"

enum { PARENT_BYTES = 8192 };

/* A parent whose byte i is (i * 7 + i / 256) & 0xFF, which counts its closes and remembers
 * the last read it was asked for. */
typedef struct {
	BlockSource base;
	uint64_t last_offset;
	size_t last_length;
	unsigned reads;
} TestParent;

static unsigned parents_closed;

static uint8_t byte_at(uint64_t i)
{
	return (uint8_t)(i * 7 + i / 256);
}

static bool parent_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length, GError **error)
{
	TestParent *p = (TestParent *)self;
	p->last_offset = offset;
	p->last_length = length;
	p->reads++;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "parent read past its end");
	for (size_t i = 0; i < length; i++)
		((uint8_t *)buf)[i] = byte_at(offset + i);
	return true;
}

static void parent_close(BlockSource *self)
{
	parents_closed++;
	g_free(self);
}

static TestParent *parent_new(uint64_t size_bytes)
{
	TestParent *p = g_new0(TestParent, 1);
	p->base.size_bytes = size_bytes;
	p->base.sector_size = 4096;
	p->base.read_at = parent_read_at;
	p->base.close = parent_close;
	return p;
}

static void reset(void)
{
	parents_closed = 0;
}

TestSuite(window, .init = reset);

/* Reads `length` bytes at `offset` of `w` and checks they are the parent's bytes at `base` + offset. */
static void assert_reads(BlockSource *w, uint64_t base, uint64_t offset, size_t length)
{
	g_autofree uint8_t *buf = g_malloc0(length + 1);
	g_autoptr(GError) error = NULL;
	cr_assert(block_source_read(w, offset, buf, length, &error), "read %zu at %" PRIu64 ": %s", length,
		  offset, error != NULL ? error->message : "");
	for (size_t i = 0; i < length; i++)
		cr_assert_eq(buf[i], byte_at(base + offset + i), "byte %zu of the read at %" PRIu64, i, offset);
}

static void assert_read_fails(BlockSource *w, uint64_t offset, size_t length)
{
	uint8_t buf[64];
	g_autoptr(GError) error = NULL;
	cr_assert_not(block_source_read(w, offset, buf, length, &error), "read %zu at %" PRIu64, length, offset);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_IO), "%s", error->message);
}

Test(window, reads_inside_map_to_the_parent)
{
	TestParent *p = parent_new(PARENT_BYTES);
	g_autoptr(GError) error = NULL;
	BlockSource *w = window_open(&p->base, 1024, 4096, &error);
	cr_assert_not_null(w, "%s", error != NULL ? error->message : "");
	cr_assert_eq(w->size_bytes, 4096);
	cr_assert_eq(w->sector_size, 4096, "a window keeps its parent's sector size");
	assert_reads(w, 1024, 0, 16);
	cr_assert_eq(p->last_offset, 1024);
	cr_assert_eq(p->last_length, 16);
	assert_reads(w, 1024, 1000, 48);
	cr_assert_eq(p->last_offset, 2024);
	block_source_close(w);
	cr_assert_eq(parents_closed, 1, "the window owns its parent");
}

Test(window, reads_up_to_the_end)
{
	TestParent *p = parent_new(PARENT_BYTES);
	BlockSource *w = window_open(&p->base, 1024, 4096, NULL);
	cr_assert_not_null(w);
	assert_reads(w, 1024, 4095, 1);
	assert_reads(w, 1024, 4096 - 64, 64);
	assert_reads(w, 1024, 4096, 0);
	assert_reads(w, 1024, 0, 4096);
	block_source_close(w);
}

Test(window, reads_past_the_end_fail_without_reaching_the_parent)
{
	TestParent *p = parent_new(PARENT_BYTES);
	BlockSource *w = window_open(&p->base, 1024, 4096, NULL);
	cr_assert_not_null(w);
	unsigned before = p->reads;
	assert_read_fails(w, 4095, 2);    /* one byte past: the parent has it, the window does not */
	assert_read_fails(w, 4096, 1);
	assert_read_fails(w, 4097, 0);
	assert_read_fails(w, 1u << 20, 8);
	cr_assert_eq(p->reads, before, "a refused read never reaches the parent");
	block_source_close(w);
}

Test(window, wrapping_offsets_are_refused)
{
	TestParent *p = parent_new(PARENT_BYTES);
	BlockSource *w = window_open(&p->base, 1024, 4096, NULL);
	cr_assert_not_null(w);
	unsigned before = p->reads;
	assert_read_fails(w, UINT64_MAX, 1);
	assert_read_fails(w, UINT64_MAX - 3, 8); /* offset + length wraps to 4 */
	assert_read_fails(w, UINT64_MAX - 1024 + 1, 16); /* parent offset would wrap to 0 */
	cr_assert_eq(p->reads, before);
	block_source_close(w);
}

Test(window, ranges_outside_the_parent_are_refused_and_the_parent_closed)
{
	static const struct {
		uint64_t offset, size;
	} bad[] = {
		{ 0, 0 },                       /* empty */
		{ PARENT_BYTES, 1 },            /* starts at the end */
		{ PARENT_BYTES + 1, 1 },        /* starts past it */
		{ 4096, 4097 },                 /* ends one byte past */
		{ 1, PARENT_BYTES },            /* as large as the parent, but shifted */
		{ 4096, UINT64_MAX },           /* offset + size wraps */
		{ UINT64_MAX, 2 },
		{ UINT64_MAX, UINT64_MAX },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		reset();
		TestParent *p = parent_new(PARENT_BYTES);
		g_autoptr(GError) error = NULL;
		cr_assert_null(window_open(&p->base, bad[i].offset, bad[i].size, &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID), "case %zu: %s", i, error->message);
		cr_assert_eq(parents_closed, 1, "case %zu: the parent is closed on failure", i);
	}
}

Test(window, the_whole_parent_and_its_last_byte)
{
	TestParent *p = parent_new(PARENT_BYTES);
	BlockSource *w = window_open(&p->base, 0, PARENT_BYTES, NULL);
	cr_assert_not_null(w);
	assert_reads(w, 0, PARENT_BYTES - 1, 1);
	assert_read_fails(w, PARENT_BYTES, 1);
	block_source_close(w);

	p = parent_new(PARENT_BYTES);
	w = window_open(&p->base, PARENT_BYTES - 1, 1, NULL);
	cr_assert_not_null(w);
	assert_reads(w, PARENT_BYTES - 1, 0, 1);
	assert_read_fails(w, 0, 2);
	block_source_close(w);
}

Test(window, a_window_of_a_window_adds_the_offsets)
{
	TestParent *p = parent_new(PARENT_BYTES);
	BlockSource *outer = window_open(&p->base, 1024, 4096, NULL);
	cr_assert_not_null(outer);
	g_autoptr(GError) error = NULL;
	cr_assert_null(window_open(outer, 512, 4096 - 511, &error), "the inner window must fit the outer one");
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert_eq(parents_closed, 1, "closing the outer window closed its parent");

	reset();
	p = parent_new(PARENT_BYTES);
	outer = window_open(&p->base, 1024, 4096, NULL);
	BlockSource *inner = window_open(outer, 512, 1024, NULL);
	cr_assert_not_null(inner);
	assert_reads(inner, 1024 + 512, 1000, 24);
	cr_assert_eq(p->last_offset, 1024 + 512 + 1000);
	assert_read_fails(inner, 1023, 2);
	block_source_close(inner);
	cr_assert_eq(parents_closed, 1);
}
