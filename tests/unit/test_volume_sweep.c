/* The deep sweep on a synthetic volume in memory: which clusters it looks at (free, or all),
 * structures near the end of a read window and of the volume, and read errors. */
#include <criterion/criterion.h>
#include <glib.h>

#include "index/volume_sweep.h"
#include "mem_source.h"

enum {
	CS = 4096,
	CLUSTERS = SWEEP_READ_BYTES / CS + 100, /* more than one read window */
	RS = 1024,
	USED_LCN = 300,                          /* an allocated cluster */
};

typedef struct {
	GArray *offsets; /* uint64_t offsets of FILE candidates */
	GArray *sizes;   /* their sizes */
} Seen;

static void on_record(void *user_data, uint64_t offset, const uint8_t *record, size_t size)
{
	Seen *s = user_data;
	cr_assert_eq(memcmp(record, "FILE", 4), 0);
	g_array_append_val(s->offsets, offset);
	g_array_append_val(s->sizes, size);
}

/* A source whose reads touching [bad_from, bad_to) fail; with `gone`, every read from
 * bad_from on fails as a source that stopped answering does. */
typedef struct {
	MemSource mem;
	uint64_t bad_from, bad_to;
	bool gone;
} BadSource;

static bool bad_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length, GError **error)
{
	BadSource *b = (BadSource *)self;
	if (b->gone && offset + length > b->bad_from)
		return rfs_set_error(error, RFS_ERROR_GONE, "read at %" PRIu64 ": gone", offset);
	if (offset < b->bad_to && offset + length > b->bad_from)
		return rfs_set_io(error, "bad sector");
	return mem_source_read_at(self, offset, buf, length, error);
}

static uint8_t *image_with(const uint64_t *offsets, size_t count)
{
	uint8_t *image = g_malloc0((size_t)CLUSTERS * CS);
	for (size_t i = 0; i < count; i++)
		memcpy(image + offsets[i], "FILE", 4);
	return image;
}

static BadSource *bad_source_new(const uint64_t *at, size_t count)
{
	BadSource *b = g_new0(BadSource, 1);
	b->mem.data = image_with(at, count);
	b->mem.base.size_bytes = (uint64_t)CLUSTERS * CS;
	b->mem.base.sector_size = 512;
	b->mem.base.read_at = bad_read_at;
	b->mem.base.close = mem_source_close;
	return b;
}

static Volume *volume_over(BlockSource *src)
{
	Volume *vol = mem_volume_new(src, RS, CS);
	uint8_t *bits = g_malloc0(CLUSTERS / 8 + 1);
	bits[USED_LCN / 8] |= (uint8_t)(1u << (USED_LCN % 8));
	volume_set_bitmap(vol, bits, CLUSTERS / 8 + 1);
	return vol;
}

static void sweep(Volume *vol, bool all, Seen *seen, VolumeSweepStats *stats)
{
	seen->offsets = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	seen->sizes = g_array_new(FALSE, FALSE, sizeof(size_t));
	VolumeSweepSink sink = { .file_record = on_record, .user_data = seen };
	cr_assert(volume_sweep_run(vol, all, &sink, stats, NULL));
}

static bool seen_at(const Seen *s, uint64_t offset, size_t *size)
{
	for (guint i = 0; i < s->offsets->len; i++)
		if (g_array_index(s->offsets, uint64_t, i) == offset) {
			*size = g_array_index(s->sizes, size_t, i);
			return true;
		}
	return false;
}

static void seen_clear(Seen *s)
{
	g_array_unref(s->offsets);
	g_array_unref(s->sizes);
}

Test(volume_sweep, free_clusters_only_unless_all)
{
	const uint64_t at[] = { 20 * CS + 512, (uint64_t)USED_LCN * CS, (uint64_t)USED_LCN * CS + 1536 };
	BlockSource *src = mem_source_new(image_with(at, 3), (size_t)CLUSTERS * CS);
	Volume *vol = volume_over(src);
	Seen seen;
	VolumeSweepStats stats;
	size_t size = 0;
	sweep(vol, false, &seen, &stats);
	cr_assert(seen_at(&seen, at[0], &size) && size == RS);
	cr_assert_not(seen_at(&seen, at[1], &size), "an allocated cluster is not swept by default");
	cr_assert_not(seen_at(&seen, at[2], &size));
	cr_assert_eq(stats.bytes_swept, (uint64_t)(CLUSTERS - 1) * CS);
	cr_assert_eq(volume_sweep_total_bytes(vol, false), stats.bytes_swept);
	seen_clear(&seen);
	sweep(vol, true, &seen, &stats);
	cr_assert(seen_at(&seen, at[1], &size) && seen_at(&seen, at[2], &size));
	cr_assert_eq(stats.bytes_swept, (uint64_t)CLUSTERS * CS);
	cr_assert_eq(stats.file_records, 3);
	seen_clear(&seen);
	volume_free(vol);
	block_source_close(src);
}

Test(volume_sweep, records_across_a_window_end_and_at_the_volume_end)
{
	const uint64_t window_end = SWEEP_READ_BYTES;
	const uint64_t end = (uint64_t)CLUSTERS * CS;
	const uint64_t at[] = { window_end - 512, window_end - 1024, end - 512 };
	BlockSource *src = mem_source_new(image_with(at, 3), (size_t)end);
	Volume *vol = volume_over(src);
	Seen seen;
	VolumeSweepStats stats;
	size_t size = 0;
	sweep(vol, true, &seen, &stats);
	cr_assert(seen_at(&seen, at[0], &size) && size == RS, "a record over the window end is whole");
	cr_assert(seen_at(&seen, at[1], &size) && size == RS);
	cr_assert(seen_at(&seen, at[2], &size) && size == 512, "at the volume's end: what is there");
	cr_assert_eq(stats.file_records, 3, "each found once");
	seen_clear(&seen);
	volume_free(vol);
	block_source_close(src);
}

Test(volume_sweep, read_errors_skip_what_failed_and_go_on)
{
	const uint64_t at[] = { 100 * CS, 1000 * CS + 512, 1000 * CS + 128 * 1024 };
	BadSource *b = bad_source_new(at, 3);
	b->bad_from = 1000 * CS;
	b->bad_to = 1000 * CS + 64 * 1024;
	BlockSource *src = &b->mem.base;
	Volume *vol = volume_over(src);
	Seen seen;
	VolumeSweepStats stats;
	size_t size = 0;
	sweep(vol, false, &seen, &stats);
	cr_assert(seen_at(&seen, at[0], &size));
	cr_assert_not(seen_at(&seen, at[1], &size), "inside the bad range");
	cr_assert(seen_at(&seen, at[2], &size), "past the bad range");
	/* the failed window is read again in pieces: those the bad range touches are lost */
	cr_assert(stats.unreadable >= 64 * 1024 && stats.unreadable <= 2 * 64 * 1024, "%" PRIu64, stats.unreadable);
	seen_clear(&seen);
	volume_free(vol);
	block_source_close(src);
}

Test(volume_sweep, a_source_that_stops_answering_ends_the_sweep_at_once)
{
	/* gone from cluster 2100 on: in the second read window, after the first one's end */
	const uint64_t at[] = { 100 * CS, 2120 * CS };
	BadSource *b = bad_source_new(at, 2);
	b->bad_from = 2100 * CS;
	b->gone = true;
	BlockSource *src = &b->mem.base;
	Volume *vol = volume_over(src);
	Seen seen = { g_array_new(FALSE, FALSE, sizeof(uint64_t)), g_array_new(FALSE, FALSE, sizeof(size_t)) };
	VolumeSweepSink sink = { .file_record = on_record, .user_data = &seen };
	VolumeSweepStats stats;
	g_autoptr(GError) error = NULL;
	cr_assert_not(volume_sweep_run(vol, true, &sink, &stats, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_GONE), "%s", error ? error->message : "");
	size_t size = 0;
	cr_assert(seen_at(&seen, at[0], &size), "what came before is kept");
	cr_assert_not(seen_at(&seen, at[1], &size));
	/* no piece by piece retry of the rest of the volume: a read or two past the failure */
	cr_assert_leq(mem_source_reads(src), 4, "%d reads", mem_source_reads(src));
	seen_clear(&seen);
	volume_free(vol);
	block_source_close(src);
}

Test(volume_sweep, no_bitmap_means_every_cluster)
{
	const uint64_t at[] = { (uint64_t)USED_LCN * CS };
	BlockSource *src = mem_source_new(image_with(at, 1), (size_t)CLUSTERS * CS);
	Volume *vol = mem_volume_new(src, RS, CS);
	Seen seen;
	VolumeSweepStats stats;
	size_t size = 0;
	sweep(vol, false, &seen, &stats);
	cr_assert(seen_at(&seen, at[0], &size));
	seen_clear(&seen);
	volume_free(vol);
	block_source_close(src);
}
