/* Reading streams: runs and holes, the initialized size, resident data, the three overwrite
 * policies, LZNT1 compression units (compressed, stored and sparse), reads across run and
 * unit boundaries and at the end, the shared unit cache under several threads, and forged
 * runlists and compressed data. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_lznt1.h"
#include "mem_source.h"
#include "ntfs/data_stream.h"
#include "util/error.h"

enum {
	CS = 512,                   /* cluster size */
	CLUSTERS = 2048,            /* a 1 MiB volume */
	UNIT_LOG = 4,               /* 16-cluster compression units */
	UNIT_CLUSTERS = 1 << UNIT_LOG,
	UNIT = UNIT_CLUSTERS * CS,  /* 8 KiB */
};

typedef struct {
	uint8_t *image;             /* the source's bytes, for expectations */
	BlockSource *src;
	Volume *vol;
} Disk;

static uint8_t pattern(uint64_t at)
{
	return (uint8_t)(at * 131 + (at >> 9) * 7 + 1);
}

static Disk disk_new(void)
{
	Disk d;
	d.image = g_malloc(CLUSTERS * CS);
	for (size_t i = 0; i < CLUSTERS * CS; i++)
		d.image[i] = pattern(i);
	d.src = mem_source_new(d.image, CLUSTERS * CS);
	d.vol = mem_volume_new(d.src, 1024, CS);
	return d;
}

static void disk_free(Disk *d)
{
	volume_free(d->vol);
	block_source_close(d->src);
}

static MftStream *stream_new(const Run *runs, size_t count, uint64_t data_size, uint64_t initialized_size)
{
	MftStream *s = g_new0(MftStream, 1);
	s->has_first_extent = true;
	s->data_size = data_size;
	s->initialized_size = initialized_size;
	for (size_t i = 0; i < count; i++) {
		runlist_append(&s->runs, runs[i]);
		s->allocated_size += runs[i].length_clusters * CS;
	}
	return s;
}

static DataStream *open_with(Disk *d, MftStream *s, bool deleted, RfsOverwritePolicy policy,
			     RfsUnreadablePolicy unreadable)
{
	g_autoptr(GError) error = NULL;
	RfsStreamOptions options = { .overwritten = policy, .unreadable = unreadable };
	DataStream *ds = data_stream_new(d->vol, s, deleted, &options, &error);
	cr_assert_not_null(ds, "%s", error ? error->message : "");
	return ds;
}

/* Lost ranges as zeros: the default. */
static DataStream *open_stream(Disk *d, MftStream *s, bool deleted, RfsOverwritePolicy policy)
{
	return open_with(d, s, deleted, policy, RFS_UNREADABLE_ZERO);
}

static size_t read_ok(DataStream *ds, uint64_t offset, uint8_t *buf, size_t length)
{
	size_t got = SIZE_MAX;
	g_autoptr(GError) error = NULL;
	cr_assert(data_stream_read(ds, offset, buf, length, &got, &error), "at %" PRIu64 ": %s", offset,
		  error ? error->message : "");
	return got;
}

static GError *read_fails(DataStream *ds, uint64_t offset, size_t length)
{
	g_autofree uint8_t *buf = g_malloc(length);
	size_t got = 0;
	GError *error = NULL;
	cr_assert_not(data_stream_read(ds, offset, buf, length, &got, &error), "at %" PRIu64, offset);
	cr_assert_not_null(error);
	return error;
}

/* ---- plain streams ------------------------------------------------------------------------ */

static const Run plain_runs[] = {
	{ 0, 100, 3 },
	{ 3, 200, 2 },
	{ 5, RUN_LCN_SPARSE, 2 },
	{ 7, 300, 1 },
};

/* What byte `at` of the plain stream should be. */
static uint8_t plain_byte(uint64_t at)
{
	uint64_t vcn = at / CS;
	for (size_t i = 0; i < G_N_ELEMENTS(plain_runs); i++) {
		const Run *r = &plain_runs[i];
		if (vcn >= r->vcn && vcn < r->vcn + r->length_clusters)
			return r->lcn == RUN_LCN_SPARSE ? 0 : pattern((r->lcn + vcn - r->vcn) * CS + at % CS);
	}
	return 0xEE;
}

Test(data_stream, reads_across_runs_holes_and_the_end)
{
	Disk d = disk_new();
	uint64_t size = 7 * CS + 100;
	DataStream *ds = open_stream(&d, stream_new(plain_runs, G_N_ELEMENTS(plain_runs), size, size), false,
				     RFS_OVERWRITTEN_EIO);
	cr_assert_eq(data_stream_size(ds), size);
	g_autofree uint8_t *buf = g_malloc(8 * CS);
	cr_assert_eq(read_ok(ds, 0, buf, 8 * CS), size, "short only at the end");
	for (uint64_t i = 0; i < size; i++)
		cr_assert_eq(buf[i], plain_byte(i), "byte %" PRIu64, i);
	static const struct { uint64_t offset; size_t length; } pieces[] = {
		{ 3 * CS - 10, 20 }, { 5 * CS - 1, 2 }, { 7 * CS - 1, 2 }, { 1, 5 * CS }, { 6 * CS, 1 },
	};
	for (size_t p = 0; p < G_N_ELEMENTS(pieces); p++) {
		cr_assert_eq(read_ok(ds, pieces[p].offset, buf, pieces[p].length), pieces[p].length);
		for (size_t i = 0; i < pieces[p].length; i++)
			cr_assert_eq(buf[i], plain_byte(pieces[p].offset + i), "piece %zu byte %zu", p, i);
	}
	cr_assert_eq(read_ok(ds, size - 10, buf, 100), 10);
	cr_assert_eq(read_ok(ds, size, buf, 100), 0);
	cr_assert_eq(read_ok(ds, UINT64_MAX, buf, 100), 0);
	cr_assert_eq(read_ok(ds, 0, buf, 0), 0);
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, bytes_past_the_initialized_size_read_as_zeros)
{
	Disk d = disk_new();
	const Run runs[] = { { 0, 100, 4 } };
	DataStream *ds = open_stream(&d, stream_new(runs, 1, 4 * CS, 1000), false, RFS_OVERWRITTEN_RAW);
	uint8_t buf[4 * CS];
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		cr_assert_eq(buf[i], i < 1000 ? pattern(100 * CS + i) : 0, "byte %zu", i);
	cr_assert_eq(read_ok(ds, 990, buf, 20), 20);
	for (size_t i = 0; i < 20; i++)
		cr_assert_eq(buf[i], 990 + i < 1000 ? pattern(100 * CS + 990 + i) : 0);
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, resident_and_empty_streams)
{
	Disk d = disk_new();
	MftStream *s = g_new0(MftStream, 1);
	s->resident = true;
	s->resident_data = (uint8_t *)g_strdup("resident bytes");
	s->data_size = s->initialized_size = 14;
	DataStream *ds = open_stream(&d, s, true, RFS_OVERWRITTEN_EIO);
	char buf[32] = { 0 };
	cr_assert_eq(read_ok(ds, 9, (uint8_t *)buf, sizeof buf), 5);
	cr_assert_str_eq(buf, "bytes");
	data_stream_free(ds);

	s = g_new0(MftStream, 1); /* what a file without $DATA becomes */
	s->resident = true;
	ds = open_stream(&d, s, true, RFS_OVERWRITTEN_EIO);
	cr_assert_eq(read_ok(ds, 0, (uint8_t *)buf, sizeof buf), 0);
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, forged_runs_fail_the_read)
{
	Disk d = disk_new();
	const Run runs[] = { { 0, 100, 2 }, { 4, CLUSTERS - 1, 4 }, { 8, UINT64_MAX - 8, 1 } };
	DataStream *ds = open_with(&d, stream_new(runs, G_N_ELEMENTS(runs), 9 * CS, 9 * CS), false,
				   RFS_OVERWRITTEN_RAW, RFS_UNREADABLE_EIO);
	g_autoptr(GError) gap = read_fails(ds, 2 * CS, 10);
	cr_assert(g_error_matches(gap, RFS_ERROR, RFS_ERROR_CORRUPT), "%s", gap->message);
	g_autoptr(GError) spanning = read_fails(ds, 0, 3 * CS); /* good bytes, then the gap */
	cr_assert(g_error_matches(spanning, RFS_ERROR, RFS_ERROR_CORRUPT));
	uint8_t buf[CS];
	cr_assert_eq(read_ok(ds, 4 * CS, buf, CS), CS, "the volume's last cluster");
	g_autoptr(GError) past = read_fails(ds, 4 * CS, 2 * CS);
	cr_assert(g_error_matches(past, RFS_ERROR, RFS_ERROR_IO), "%s", past->message);
	g_autoptr(GError) wrap = read_fails(ds, 8 * CS, 1);
	cr_assert(g_error_matches(wrap, RFS_ERROR, RFS_ERROR_IO), "%s", wrap->message);
	data_stream_free(ds);
	disk_free(&d);
}

/* ---- lost extents ------------------------------------------------------------------------- */

/* Runs for VCNs 0-1 and 4-5 of an 8-cluster stream: VCNs 2-3 and 6-7 are lost. */
static const Run lost_runs[] = { { 0, 100, 2 }, { 4, 300, 2 } };
enum { LOST_SIZE = 7 * CS + 100 };

static uint8_t lost_byte(uint64_t at)
{
	uint64_t vcn = at / CS;
	if (vcn < 2)
		return pattern(100 * CS + at);
	if (vcn >= 4 && vcn < 6)
		return pattern(300 * CS + at - 4 * CS);
	return 0;
}

Test(data_stream, lost_extents_read_as_zeros_and_are_counted)
{
	Disk d = disk_new();
	DataStream *ds = open_stream(&d, stream_new(lost_runs, 2, LOST_SIZE, LOST_SIZE), true,
				     RFS_OVERWRITTEN_RAW);
	cr_assert_eq(data_stream_unreadable_bytes(ds), 2 * CS + CS + 100, "VCNs 2-3 and the tail");
	g_autofree uint8_t *buf = g_malloc(8 * CS);
	cr_assert_eq(read_ok(ds, 0, buf, 8 * CS), LOST_SIZE, "one read across runs and gaps");
	for (uint64_t i = 0; i < LOST_SIZE; i++)
		cr_assert_eq(buf[i], lost_byte(i), "byte %" PRIu64, i);
	static const struct { uint64_t offset; size_t length; } pieces[] = {
		{ 2 * CS - 3, 6 }, { 3 * CS + 7, CS }, { 5 * CS + 1, 2 * CS }, { 6 * CS, 10 },
	};
	for (size_t p = 0; p < G_N_ELEMENTS(pieces); p++) {
		memset(buf, 0xAA, pieces[p].length);
		cr_assert_eq(read_ok(ds, pieces[p].offset, buf, pieces[p].length), pieces[p].length);
		for (size_t i = 0; i < pieces[p].length; i++)
			cr_assert_eq(buf[i], lost_byte(pieces[p].offset + i), "piece %zu byte %zu", p, i);
	}
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, eio_for_lost_extents_fails_only_reads_that_touch_them)
{
	Disk d = disk_new();
	DataStream *ds = open_with(&d, stream_new(lost_runs, 2, LOST_SIZE, LOST_SIZE), true,
				   RFS_OVERWRITTEN_RAW, RFS_UNREADABLE_EIO);
	cr_assert_eq(data_stream_unreadable_bytes(ds), 3 * CS + 100, "counted the same either way");
	g_autoptr(GError) gap = read_fails(ds, 2 * CS - 1, 2);
	cr_assert(g_error_matches(gap, RFS_ERROR, RFS_ERROR_CORRUPT), "%s", gap->message);
	g_autoptr(GError) tail = read_fails(ds, 6 * CS + 50, 1);
	cr_assert(g_error_matches(tail, RFS_ERROR, RFS_ERROR_CORRUPT));
	uint8_t buf[2 * CS];
	cr_assert_eq(read_ok(ds, 0, buf, 2 * CS), 2 * CS);
	cr_assert_eq(read_ok(ds, 4 * CS, buf, 2 * CS), 2 * CS);
	cr_assert_eq(buf[0], pattern(300 * CS));
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, lost_bytes_count_only_below_the_initialized_size_and_the_data)
{
	Disk d = disk_new();
	DataStream *ds = open_stream(&d, stream_new(lost_runs, 2, LOST_SIZE, 3 * CS - 10), true,
				     RFS_OVERWRITTEN_RAW);
	cr_assert_eq(data_stream_unreadable_bytes(ds), CS - 10, "past the initialized size is zeros anyway");
	data_stream_free(ds);
	const Run whole[] = { { 0, 100, 2 }, { 2, RUN_LCN_SPARSE, 1 } };
	ds = open_stream(&d, stream_new(whole, 2, 3 * CS, 3 * CS), true, RFS_OVERWRITTEN_RAW);
	cr_assert_eq(data_stream_unreadable_bytes(ds), 0, "a runlist that ends with the data");
	data_stream_free(ds);
	const Run none[] = { { 0, 100, 1 } };
	ds = open_stream(&d, stream_new(none, 0, UINT64_MAX, UINT64_MAX), true, RFS_OVERWRITTEN_RAW);
	cr_assert_eq(data_stream_unreadable_bytes(ds), UINT64_MAX, "forged sizes saturate, never wrap");
	uint8_t buf[CS];
	cr_assert_eq(read_ok(ds, UINT64_MAX - 100, buf, sizeof buf), 100);
	data_stream_free(ds);
	disk_free(&d);
}

/* Cluster 301 of the disk cannot be read: a bad sector. */
static bool bad_sector_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			       GError **error)
{
	if (offset < 302 * CS && offset + length > 301 * CS)
		return rfs_set_io(error, "bad sector at %" PRIu64, (uint64_t)301 * CS);
	return mem_source_read_at(self, offset, buf, length, error);
}

Test(data_stream, a_bad_sector_still_fails_its_range_only)
{
	Disk d = disk_new();
	d.src->read_at = bad_sector_read_at;
	DataStream *ds = open_stream(&d, stream_new(lost_runs, 2, LOST_SIZE, LOST_SIZE), true,
				     RFS_OVERWRITTEN_RAW);
	g_autoptr(GError) bad = read_fails(ds, 5 * CS + 10, 1);
	cr_assert(g_error_matches(bad, RFS_ERROR, RFS_ERROR_IO), "%s", bad->message);
	g_autoptr(GError) across = read_fails(ds, 0, 8 * CS);
	cr_assert(g_error_matches(across, RFS_ERROR, RFS_ERROR_IO));
	uint8_t buf[CS];
	cr_assert_eq(read_ok(ds, 4 * CS, buf, CS), CS, "the cluster before it");
	cr_assert_eq(read_ok(ds, 2 * CS, buf, CS), CS, "a lost range is still zeros");
	cr_assert_eq(buf[0], 0);
	data_stream_free(ds);
	disk_free(&d);
}

/* ---- overwrite policies -------------------------------------------------------------------- */

/* A 3-cluster stream at LCN 200 whose middle cluster now belongs to another file. */
static DataStream *overwritten(Disk *d, bool deleted, RfsOverwritePolicy policy)
{
	uint8_t *bitmap = g_malloc0(CLUSTERS / 8);
	bitmap[201 / 8] |= 1u << (201 % 8);
	volume_set_bitmap(d->vol, bitmap, CLUSTERS / 8);
	const Run runs[] = { { 0, 200, 3 } };
	return open_stream(d, stream_new(runs, 1, 3 * CS, 3 * CS), deleted, policy);
}

Test(data_stream, raw_policy_serves_what_is_there)
{
	Disk d = disk_new();
	DataStream *ds = overwritten(&d, true, RFS_OVERWRITTEN_RAW);
	uint8_t buf[3 * CS];
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	cr_assert_eq(memcmp(buf, d.image + 200 * CS, sizeof buf), 0);
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, zero_policy_blanks_only_the_reused_cluster)
{
	Disk d = disk_new();
	DataStream *ds = overwritten(&d, true, RFS_OVERWRITTEN_ZERO);
	uint8_t buf[3 * CS];
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		cr_assert_eq(buf[i], i / CS == 1 ? 0 : pattern(200 * CS + i), "byte %zu", i);
	cr_assert_eq(read_ok(ds, CS - 3, buf, 6), 6); /* a read that starts mid-cluster */
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(buf[i], i < 3 ? pattern(201 * CS - 3 + i) : 0);
	cr_assert_eq(read_ok(ds, 2 * CS - 2, buf, 4), 4);
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(buf[i], i < 2 ? 0 : pattern(202 * CS + i - 2));
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, eio_policy_fails_only_reads_that_touch_it)
{
	Disk d = disk_new();
	DataStream *ds = overwritten(&d, true, RFS_OVERWRITTEN_EIO);
	g_autoptr(GError) error = read_fails(ds, CS - 1, 2);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_OVERWRITTEN), "%s", error->message);
	uint8_t buf[CS];
	cr_assert_eq(read_ok(ds, 0, buf, CS), CS);
	cr_assert_eq(read_ok(ds, 2 * CS, buf, CS), CS);
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, live_files_ignore_the_policy)
{
	Disk d = disk_new();
	DataStream *ds = overwritten(&d, false, RFS_OVERWRITTEN_EIO);
	uint8_t buf[3 * CS];
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	cr_assert_eq(memcmp(buf, d.image + 200 * CS, sizeof buf), 0);
	data_stream_free(ds);
	disk_free(&d);
}

/* ---- compression ---------------------------------------------------------------------------- */

/* The text of compressed unit `unit`: compressible, and different in every unit. */
static void unit_text(unsigned unit, uint8_t *out)
{
	GString *s = g_string_new(NULL);
	for (unsigned line = 0; s->len < UNIT; line++)
		g_string_append_printf(s, "unit %u, line %u: deleted, not gone\n", unit, line);
	memcpy(out, s->str, UNIT);
	g_string_free(s, TRUE);
}

typedef struct {
	Disk d;
	Run runs[64];
	size_t count;
	uint8_t *expect;   /* the stream's bytes */
	uint64_t size;
	uint64_t next_lcn;
} Compressed;

static void add_run(Compressed *c, uint64_t lcn, uint64_t clusters)
{
	uint64_t vcn = c->count == 0 ? 0 : c->runs[c->count - 1].vcn + c->runs[c->count - 1].length_clusters;
	g_assert(c->count < G_N_ELEMENTS(c->runs));
	c->runs[c->count++] = (Run){ vcn, lcn, clusters };
}

/* Unit `unit` compressed onto the disk at the next free clusters, padded with a hole. */
static void add_compressed_unit(Compressed *c, unsigned unit)
{
	uint8_t *text = c->expect + (size_t)unit * UNIT;
	unit_text(unit, text);
	size_t packed_size;
	g_autofree uint8_t *packed = fixture_lznt1_compress(text, UNIT, &packed_size);
	uint64_t clusters = (packed_size + CS - 1) / CS;
	cr_assert_lt(clusters, UNIT_CLUSTERS, "the text must compress");
	memset(c->d.image + c->next_lcn * CS, 0, clusters * CS);
	memcpy(c->d.image + c->next_lcn * CS, packed, packed_size);
	add_run(c, c->next_lcn, clusters);
	add_run(c, RUN_LCN_SPARSE, UNIT_CLUSTERS - clusters);
	c->next_lcn += clusters + 3;
}

/* Unit `unit` stored as it is: a unit that did not compress. */
static void add_stored_unit(Compressed *c, unsigned unit)
{
	memcpy(c->expect + (size_t)unit * UNIT, c->d.image + c->next_lcn * CS, UNIT);
	add_run(c, c->next_lcn, UNIT_CLUSTERS);
	c->next_lcn += UNIT_CLUSTERS + 1;
}

static void add_sparse_unit(Compressed *c, unsigned unit)
{
	memset(c->expect + (size_t)unit * UNIT, 0, UNIT);
	add_run(c, RUN_LCN_SPARSE, UNIT_CLUSTERS);
}

/* Units by kind: 'c' compressed, 's' stored, '0' sparse; `tail` bytes of the last unit. */
static Compressed compressed_new(const char *kinds, size_t tail)
{
	Compressed c = { .d = disk_new(), .next_lcn = 64 };
	size_t units = strlen(kinds);
	c.expect = g_malloc0(units * UNIT);
	for (unsigned u = 0; u < units; u++) {
		if (kinds[u] == 'c')
			add_compressed_unit(&c, u);
		else if (kinds[u] == 's')
			add_stored_unit(&c, u);
		else
			add_sparse_unit(&c, u);
	}
	c.size = (units - 1) * UNIT + tail;
	return c;
}

static DataStream *compressed_open(Compressed *c, uint64_t initialized_size)
{
	MftStream *s = stream_new(c->runs, c->count, c->size, initialized_size);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	return open_stream(&c->d, s, false, RFS_OVERWRITTEN_EIO);
}

static void compressed_free(Compressed *c)
{
	g_free(c->expect);
	disk_free(&c->d);
}

Test(data_stream, compressed_stored_and_sparse_units)
{
	Compressed c = compressed_new("cs0c", 5000);
	DataStream *ds = compressed_open(&c, c.size);
	g_autofree uint8_t *buf = g_malloc(4 * UNIT);
	cr_assert_eq(read_ok(ds, 0, buf, 4 * UNIT), c.size);
	cr_assert_eq(memcmp(buf, c.expect, c.size), 0);
	/* odd pieces: every read crosses units and chunks somewhere */
	for (uint64_t at = 0; at < c.size; at += 777) {
		size_t got = read_ok(ds, at, buf, 777);
		cr_assert_eq(got, MIN((uint64_t)777, c.size - at));
		cr_assert_eq(memcmp(buf, c.expect + at, got), 0, "at %" PRIu64, at);
	}
	cr_assert_eq(read_ok(ds, c.size - 1, buf, 10), 1);
	cr_assert_eq(buf[0], c.expect[c.size - 1]);
	cr_assert_eq(read_ok(ds, c.size, buf, 10), 0);
	data_stream_free(ds);
	compressed_free(&c);
}

Test(data_stream, compressed_bytes_past_the_initialized_size_are_zeros)
{
	Compressed c = compressed_new("ccc", UNIT);
	uint64_t init = UNIT + 100;
	DataStream *ds = compressed_open(&c, init);
	g_autofree uint8_t *buf = g_malloc(3 * UNIT);
	cr_assert_eq(read_ok(ds, 0, buf, 3 * UNIT), 3 * UNIT);
	for (uint64_t i = 0; i < 3 * UNIT; i++)
		cr_assert_eq(buf[i], i < init ? c.expect[i] : 0, "byte %" PRIu64, i);
	data_stream_free(ds);
	compressed_free(&c);
}

Test(data_stream, compression_this_reader_refuses)
{
	Disk d = disk_new();
	const Run runs[] = { { 0, 100, 16 } };
	g_autoptr(GError) error = NULL;
	MftStream *s = stream_new(runs, 1, 16 * CS, 16 * CS);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = 9; /* 512 clusters a unit: NTFS never writes more than 16 */
	cr_assert_null(data_stream_new(d.vol, s, false, NULL, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	disk_free(&d);

	BlockSource *src = mem_source_new(g_malloc0(64 * 8192), 64 * 8192);
	Volume *big = mem_volume_new(src, 1024, 8192); /* 8 KiB clusters */
	s = stream_new(runs, 1, 16 * CS, 16 * CS);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = 4;
	g_clear_error(&error);
	cr_assert_null(data_stream_new(big, s, false, NULL, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	volume_free(big);
	block_source_close(src);
}

Test(data_stream, forged_compression_units_fail_cleanly)
{
	Compressed c = compressed_new("cc", UNIT);
	/* unit 1: data after the hole, which no writer produces */
	Run forged[] = { c.runs[0], c.runs[1], { 16, RUN_LCN_SPARSE, 4 }, { 20, c.runs[2].lcn, 12 } };
	MftStream *s = stream_new(forged, G_N_ELEMENTS(forged), c.size, c.size);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	DataStream *ds = open_stream(&c.d, s, false, RFS_OVERWRITTEN_RAW);
	uint8_t buf[64];
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf, "unit 0 is fine");
	g_autoptr(GError) after_hole = read_fails(ds, UNIT, 1);
	cr_assert(g_error_matches(after_hole, RFS_ERROR, RFS_ERROR_CORRUPT));
	data_stream_free(ds);

	/* unit 1's extents lost: a gap inside the data */
	s = stream_new(c.runs, 2, c.size, c.size);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	ds = open_with(&c.d, s, false, RFS_OVERWRITTEN_RAW, RFS_UNREADABLE_EIO);
	g_autoptr(GError) lost = read_fails(ds, UNIT + 10, 1);
	cr_assert(g_error_matches(lost, RFS_ERROR, RFS_ERROR_CORRUPT));
	data_stream_free(ds);

	/* unit 1's compressed bytes scrambled: a back-reference before its chunk */
	uint8_t *packed = c.d.image + c.runs[2].lcn * CS;
	cr_assert_eq(le16_at(packed) & 0x8000, 0x8000, "a compressed chunk");
	packed[2] = 0x01; /* the first token of the first chunk is a match: nothing precedes it */
	le16_put(packed + 3, 0xFFFF);
	ds = compressed_open(&c, c.size);
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	g_autoptr(GError) scrambled = read_fails(ds, UNIT, 1);
	cr_assert(g_error_matches(scrambled, RFS_ERROR, RFS_ERROR_CORRUPT), "%s", scrambled->message);
	g_autoptr(GError) again = read_fails(ds, UNIT + 100, 1); /* a failed unit is not cached */
	cr_assert(g_error_matches(again, RFS_ERROR, RFS_ERROR_CORRUPT), "%s", again->message);
	cr_assert_eq(read_ok(ds, 0, buf, sizeof buf), sizeof buf);
	cr_assert_eq(memcmp(buf, c.expect, sizeof buf), 0);
	data_stream_free(ds);

	/* compressed clusters off the end of the volume */
	Run off_end[] = { { 0, CLUSTERS - 2, 4 }, { 4, RUN_LCN_SPARSE, 12 } };
	s = stream_new(off_end, 2, UNIT, UNIT);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	ds = open_stream(&c.d, s, false, RFS_OVERWRITTEN_RAW);
	g_autoptr(GError) past = read_fails(ds, 0, 1);
	cr_assert(g_error_matches(past, RFS_ERROR, RFS_ERROR_IO), "%s", past->message);
	data_stream_free(ds);
	compressed_free(&c);
}

Test(data_stream, compression_units_with_lost_extents_read_as_zeros)
{
	Compressed c = compressed_new("cc0", UNIT);
	/* unit 1's runs are gone; unit 0 and the sparse unit 2 are whole */
	Run kept[] = { c.runs[0], c.runs[1], c.runs[c.count - 1] };
	cr_assert_eq(kept[2].vcn, 2 * UNIT_CLUSTERS, "the last run is unit 2's hole");
	MftStream *s = stream_new(kept, G_N_ELEMENTS(kept), c.size, c.size);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	DataStream *ds = open_stream(&c.d, s, true, RFS_OVERWRITTEN_RAW);
	cr_assert_eq(data_stream_unreadable_bytes(ds), UNIT, "the whole unit: it cannot be decompressed");
	g_autofree uint8_t *buf = g_malloc(3 * UNIT);
	cr_assert_eq(read_ok(ds, 0, buf, 3 * UNIT), c.size);
	cr_assert_eq(memcmp(buf, c.expect, UNIT), 0, "unit 0");
	for (size_t i = UNIT; i < 3 * UNIT; i++)
		cr_assert_eq(buf[i], 0, "byte %zu", i);
	data_stream_free(ds);
	compressed_free(&c);
}

Test(data_stream, eio_policy_covers_compressed_clusters)
{
	Compressed c = compressed_new("cc", UNIT);
	uint8_t *bitmap = g_malloc0(CLUSTERS / 8);
	uint64_t lcn = c.runs[2].lcn; /* unit 1's first compressed cluster */
	bitmap[lcn / 8] |= (uint8_t)(1u << (lcn % 8));
	volume_set_bitmap(c.d.vol, bitmap, CLUSTERS / 8);
	MftStream *s = stream_new(c.runs, c.count, c.size, c.size);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	DataStream *ds = open_stream(&c.d, s, true, RFS_OVERWRITTEN_EIO);
	uint8_t buf[UNIT];
	cr_assert_eq(read_ok(ds, 0, buf, UNIT), UNIT);
	cr_assert_eq(memcmp(buf, c.expect, UNIT), 0);
	g_autoptr(GError) error = read_fails(ds, UNIT + UNIT / 2, 1);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_OVERWRITTEN), "%s", error->message);
	data_stream_free(ds);
	compressed_free(&c);
}

/* ---- the shared unit cache under threads --------------------------------------------------- */

enum { THREADS = 4, UNITS = 8, ROUNDS = 300 };

typedef struct {
	DataStream *ds;
	const uint8_t *expect;
	uint32_t seed;
	gint *failures;
} Reader;

static gpointer reader_main(gpointer data)
{
	Reader *r = data;
	GRand *rnd = g_rand_new_with_seed(r->seed);
	uint8_t buf[1500];
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t at = (uint64_t)g_rand_int_range(rnd, 0, UNITS * UNIT - (gint32)sizeof buf);
		size_t got = 0;
		if (!data_stream_read(r->ds, at, buf, sizeof buf, &got, NULL) || got != sizeof buf ||
		    memcmp(buf, r->expect + at, sizeof buf) != 0)
			g_atomic_int_inc(r->failures);
	}
	g_rand_free(rnd);
	return NULL;
}

Test(data_stream, threads_reading_different_units_all_get_their_bytes)
{
	Compressed c = compressed_new("ccccccsc", UNIT);
	DataStream *ds = compressed_open(&c, c.size);
	gint failures = 0;
	Reader readers[THREADS];
	GThread *threads[THREADS];
	for (unsigned t = 0; t < THREADS; t++) {
		readers[t] = (Reader){ ds, c.expect, 1000 + t, &failures };
		threads[t] = g_thread_new("reader", reader_main, &readers[t]);
	}
	for (unsigned t = 0; t < THREADS; t++)
		g_thread_join(threads[t]);
	cr_assert_eq(g_atomic_int_get(&failures), 0, "%d of %d reads got wrong bytes", failures,
		     THREADS * ROUNDS);
	data_stream_free(ds);
	compressed_free(&c);
}

/* ---- zero-copy mapping -------------------------------------------------------------------- */

enum { FAKE_FD = 42 };

/* The memory source as if it were a file: its offsets are the descriptor's. */
static const uint8_t *fake_mapping; /* the disk image, as a mapping of the fake descriptor */

static bool fake_fd_range(BlockSource *self, uint64_t offset, uint64_t length, int *fd,
			  uint64_t *fd_offset, const uint8_t **mapped)
{
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return false;
	*fd = FAKE_FD;
	*fd_offset = offset;
	*mapped = fake_mapping != NULL ? fake_mapping + offset : NULL;
	return true;
}

/* Maps [offset, offset + length) and checks that the extents hold exactly the bytes a read
 * of the same range returns. */
static size_t map_matches_read(DataStream *ds, const Disk *d, uint64_t offset, size_t length)
{
	RfsFdExtent ext[8];
	size_t count = 99;
	cr_assert(data_stream_map_fd(ds, offset, length, ext, G_N_ELEMENTS(ext), &count),
		  "map at %" PRIu64 "+%zu", offset, length);
	g_autofree uint8_t *buf = g_malloc(length);
	size_t got = read_ok(ds, offset, buf, length);
	size_t at = 0;
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(ext[i].fd, FAKE_FD);
		cr_assert_leq(at + ext[i].length, got);
		cr_assert_eq(memcmp(buf + at, d->image + ext[i].fd_offset, ext[i].length), 0, "extent %zu", i);
		cr_assert(ext[i].mapped == d->image + ext[i].fd_offset,
			  "extent %zu: its mapped bytes are the descriptor's", i);
		at += ext[i].length;
	}
	cr_assert_eq(at, got, "the extents cover exactly what a read returns");
	return count;
}

/* A disk whose source maps onto a descriptor, and whose clusters are all free. */
static Disk mappable_disk_new(void)
{
	Disk d = disk_new();
	d.src->fd_range = fake_fd_range;
	fake_mapping = d.image;
	volume_set_bitmap(d.vol, g_malloc0(CLUSTERS / 8), CLUSTERS / 8);
	return d;
}

static bool maps(DataStream *ds, uint64_t offset, size_t length, size_t max)
{
	RfsFdExtent ext[8];
	size_t count = 99;
	bool ok = data_stream_map_fd(ds, offset, length, ext, max, &count);
	if (!ok)
		cr_assert_eq(count, 0);
	return ok;
}

Test(data_stream, plain_extents_map_to_the_bytes_a_read_returns)
{
	Disk d = mappable_disk_new();
	const Run runs[] = { { 0, 100, 3 }, { 3, 103, 2 }, { 5, 200, 2 } }; /* the first two adjoin */
	uint64_t size = 7 * CS - 100;
	DataStream *ds = open_stream(&d, stream_new(runs, 3, size, size), true, RFS_OVERWRITTEN_ZERO);
	cr_assert_eq(map_matches_read(ds, &d, 0, 7 * CS), 2, "adjoining runs make one extent");
	cr_assert_eq(map_matches_read(ds, &d, CS + 7, 2 * CS), 1);
	cr_assert_eq(map_matches_read(ds, &d, 5 * CS - 1, 2), 2);
	cr_assert_eq(map_matches_read(ds, &d, size - 1, 100), 1, "clipped at the end");
	cr_assert_not(maps(ds, 0, 7 * CS, 1), "more extents than room");
	cr_assert_not(maps(ds, size, 10, 8), "nothing at the end");
	cr_assert_not(maps(ds, 0, 0, 8), "an empty range");
	d.src->fd_range = NULL;
	cr_assert_not(maps(ds, 0, CS, 8), "a source without a descriptor");
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, what_a_read_changes_never_maps)
{
	Disk d = mappable_disk_new();
	uint64_t size = 7 * CS + 100;
	DataStream *ds = open_stream(&d, stream_new(plain_runs, G_N_ELEMENTS(plain_runs), size, size), true,
				     RFS_OVERWRITTEN_ZERO);
	cr_assert_not(maps(ds, 4 * CS, 2 * CS, 8), "a sparse run");
	map_matches_read(ds, &d, 0, 5 * CS);
	data_stream_free(ds);
	const Run runs[] = { { 0, 100, 4 } };
	ds = open_stream(&d, stream_new(runs, 1, 4 * CS, 1000), true, RFS_OVERWRITTEN_ZERO);
	cr_assert_not(maps(ds, 900, 200, 8), "past the initialized size");
	map_matches_read(ds, &d, 0, 1000);
	data_stream_free(ds);
	ds = open_stream(&d, stream_new(lost_runs, 2, LOST_SIZE, LOST_SIZE), true, RFS_OVERWRITTEN_RAW);
	cr_assert_not(maps(ds, 0, LOST_SIZE, 8), "a lost extent");
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, reused_clusters_map_only_when_served_raw)
{
	static const RfsOverwritePolicy policies[] = { RFS_OVERWRITTEN_ZERO, RFS_OVERWRITTEN_EIO };
	for (size_t p = 0; p < G_N_ELEMENTS(policies); p++) {
		Disk d = mappable_disk_new();
		DataStream *ds = overwritten(&d, true, policies[p]);
		cr_assert_not(maps(ds, 0, 3 * CS, 8), "policy %d", (int)policies[p]);
		map_matches_read(ds, &d, 0, CS);
		map_matches_read(ds, &d, 2 * CS, CS);
		data_stream_free(ds);
		disk_free(&d);
	}
	Disk d = mappable_disk_new();
	DataStream *ds = overwritten(&d, true, RFS_OVERWRITTEN_RAW);
	map_matches_read(ds, &d, 0, 3 * CS);
	data_stream_free(ds);
	ds = overwritten(&d, false, RFS_OVERWRITTEN_EIO);
	map_matches_read(ds, &d, 0, 3 * CS); /* a live file's clusters are its own */
	data_stream_free(ds);
	disk_free(&d);
}

Test(data_stream, resident_and_compressed_streams_never_map)
{
	Disk d = mappable_disk_new();
	MftStream *res = g_new0(MftStream, 1);
	res->resident = true;
	res->resident_data = (uint8_t *)g_strdup("hello");
	res->data_size = res->initialized_size = 5;
	DataStream *ds = open_stream(&d, res, true, RFS_OVERWRITTEN_RAW);
	cr_assert_not(maps(ds, 0, 5, 8));
	data_stream_free(ds);
	const Run runs[] = { { 0, 100, UNIT_CLUSTERS } }; /* a unit stored uncompressed */
	MftStream *s = stream_new(runs, 1, UNIT, UNIT);
	s->attr_flags = ATTR_FLAG_COMPRESSED;
	s->compression_unit = UNIT_LOG;
	ds = open_stream(&d, s, true, RFS_OVERWRITTEN_RAW);
	cr_assert_not(maps(ds, 0, CS, 8));
	data_stream_free(ds);
	s = stream_new(runs, 1, UNIT, UNIT);
	s->attr_flags = ATTR_FLAG_ENCRYPTED;
	ds = open_stream(&d, s, true, RFS_OVERWRITTEN_RAW);
	cr_assert_not(maps(ds, 0, CS, 8), "EFS-encrypted");
	data_stream_free(ds);
	disk_free(&d);
}
