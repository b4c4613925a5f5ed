/* Files built from a base record and the extension records its $ATTRIBUTE_LIST names:
 * extents joined across records, lost and reused extension records, stream names, the
 * preferred $FILE_NAME, the per-file cap and the scan's read budget, and forged lists,
 * sizes and extents. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_record.h"
#include "mem_source.h"
#include "ntfs/mft_file.h"
#include "util/error.h"

enum {
	RECORDS = 128,      /* a 128 KiB MFT over 32 clusters of 4 KiB; it is the whole source */
	BASE = 16,
	BASE_SEQ = 5,
	FREE_LCN = 24,      /* clusters from here on hold no records the tests write */
};

typedef struct {
	uint8_t *image;
	BlockSource *src;
	MftReader reader;
} Mft;

static Mft mft_new(size_t records)
{
	Mft m = { g_malloc0(records * FIXTURE_RECORD_SIZE), NULL, { 0 } };
	return m;
}

static void mft_put(Mft *m, uint64_t number, FixtureRecord *r)
{
	fixture_record_set_number(r, (uint32_t)number);
	fixture_record_finish(r);
	memcpy(m->image + number * FIXTURE_RECORD_SIZE, r->buf, FIXTURE_RECORD_SIZE);
}

/* Makes the source: after this the image belongs to it. */
static void mft_open(Mft *m, size_t records)
{
	m->src = mem_source_new(m->image, records * FIXTURE_RECORD_SIZE);
	mem_reader_init(&m->reader, m->src, FIXTURE_RECORD_SIZE, 4096);
}

static void mft_close(Mft *m)
{
	mft_reader_clear(&m->reader);
	block_source_close(m->src);
}

static MftFile *build(Mft *m, uint64_t number, uint32_t flags, MftFileBudget *budget)
{
	uint8_t buf[FIXTURE_RECORD_SIZE];
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	cr_assert(mft_reader_load_record(&m->reader, number, buf, &rec, &error), "%s",
		  error ? error->message : "");
	MftFile *f = mft_file_build(&m->reader, &rec, flags, budget, &error);
	cr_assert_not_null(f);
	return f;
}

static void base_init(FixtureRecord *r)
{
	fixture_record_init(r, BASE_SEQ, 0, 0); /* deleted: in-use flag clear */
}

static void extension_init(FixtureRecord *r, uint16_t sequence)
{
	fixture_record_init(r, sequence, 0, BASE | (uint64_t)BASE_SEQ << 48);
}

/* A non-resident $DATA extent over one run. */
static void add_extent(FixtureRecord *r, const uint16_t *name, uint8_t name_length, uint64_t first_vcn,
		       uint64_t lcn, uint64_t clusters, uint64_t data_size)
{
	const Run run = { first_vcn, lcn, clusters };
	FixtureNonResident nr = {
		.first_vcn = first_vcn,
		.last_vcn = first_vcn + clusters - 1,
		.allocated_size = data_size + 4095 - (data_size + 4095) % 4096,
		.data_size = data_size,
		.initialized_size = data_size,
		.runs = &run,
		.run_count = 1,
		.name = name,
		.name_length = name_length,
	};
	fixture_record_add_non_resident(r, 0x80, &nr);
}

/* Base record with a resident $ATTRIBUTE_LIST naming $DATA extents at VCN 0 and 4 in
 * records 17 and 18 (with the given sequence numbers listed). */
static void put_split_file(Mft *m, uint16_t seq17, uint16_t seq18)
{
	FixtureRecord r;
	base_init(&r);
	uint8_t list[256];
	size_t used = 0;
	fixture_attr_list_add(list, &used, 0x30, 0, BASE, BASE_SEQ, NULL, 0);
	fixture_attr_list_add(list, &used, 0x80, 0, 17, seq17, NULL, 0);
	fixture_attr_list_add(list, &used, 0x80, 4, 18, seq18, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "split.bin", 1);
	mft_put(m, BASE, &r);
	extension_init(&r, seq17);
	add_extent(&r, NULL, 0, 0, FREE_LCN, 4, 6 * 4096);
	mft_put(m, 17, &r);
	extension_init(&r, seq18);
	add_extent(&r, NULL, 0, 4, FREE_LCN + 5, 2, 0);
	mft_put(m, 18, &r);
}

Test(mft_file, extents_join_across_extension_records)
{
	Mft m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert_not(f->incomplete);
	cr_assert_str_eq(f->name, "split.bin");
	cr_assert_eq(f->sequence, BASE_SEQ);
	MftStream *s = mft_file_stream(f, NULL);
	cr_assert_not_null(s);
	cr_assert_not(s->incomplete);
	cr_assert_eq(s->data_size, 6 * 4096);
	cr_assert_eq(s->runs.count, 2);
	cr_assert_eq(s->runs.runs[1].vcn, 4);
	cr_assert_eq(s->runs.runs[1].lcn, FREE_LCN + 5);
	mft_close(&m);
}

/* Windows bumps an extension record's sequence when it frees it with its file. */
Test(mft_file, freed_extension_records_still_count)
{
	Mft m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	FixtureRecord r;
	extension_init(&r, 3); /* listed as 2 */
	add_extent(&r, NULL, 0, 0, FREE_LCN, 4, 6 * 4096);
	mft_put(&m, 17, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert_not(f->incomplete);
	cr_assert_not(mft_file_stream(f, NULL)->incomplete);
	mft_close(&m);
}

static void expect_lost(Mft *m, const char *what, bool first_extent_lost)
{
	mft_open(m, RECORDS);
	g_autoptr(MftFile) f = build(m, BASE, 0, NULL);
	cr_assert(f->incomplete, "%s", what);
	MftStream *s = mft_file_stream(f, NULL);
	cr_assert_not_null(s, "%s", what);
	cr_assert(s->incomplete, "%s", what);
	if (first_extent_lost) {
		cr_assert_not(s->has_first_extent, "%s", what);
		cr_assert_eq(s->data_size, 0, "%s: no sizes without the first extent", what);
	}
	cr_assert_str_eq(f->name, "split.bin", "%s: the base record still names the file", what);
	mft_close(m);
}

Test(mft_file, missing_or_reused_extension_records_make_it_incomplete)
{
	Mft m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	memset(m.image + 17 * FIXTURE_RECORD_SIZE, 0, FIXTURE_RECORD_SIZE);
	expect_lost(&m, "record 17 zeroed", true);

	m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	m.image[17 * FIXTURE_RECORD_SIZE + 510] ^= 0x55;
	expect_lost(&m, "record 17 torn", true);

	m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	FixtureRecord r;
	fixture_record_init(&r, 2, 1, 0); /* a base record of its own now */
	add_extent(&r, NULL, 0, 0, FREE_LCN, 4, 6 * 4096);
	mft_put(&m, 17, &r);
	expect_lost(&m, "record 17 reused as a base record", true);

	m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	fixture_record_init(&r, 4, 0, 40 | (uint64_t)1 << 48); /* another file's extension */
	add_extent(&r, NULL, 0, 0, FREE_LCN, 4, 6 * 4096);
	mft_put(&m, 17, &r);
	expect_lost(&m, "record 17 extends record 40", true);

	m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	extension_init(&r, 4); /* listed as 2: reused twice since */
	add_extent(&r, NULL, 0, 0, FREE_LCN, 4, 6 * 4096);
	mft_put(&m, 17, &r);
	expect_lost(&m, "record 17 two generations on", true);

	m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	memset(m.image + 18 * FIXTURE_RECORD_SIZE, 0, FIXTURE_RECORD_SIZE);
	expect_lost(&m, "record 18 (the second extent) zeroed", false);
}

Test(mft_file, extension_records_past_the_mft_are_lost)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	uint8_t list[64];
	size_t used = 0;
	fixture_attr_list_add(list, &used, 0x80, 0, RECORDS + 5, 1, NULL, 0);
	fixture_attr_list_add(list, &used, 0x80, 9, 0xFFFFFFFFFFFFull, 1, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "gone", 1);
	mft_put(&m, BASE, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert(f->incomplete);
	cr_assert_eq(f->streams->len, 0);
	mft_close(&m);
}

/* ---- stream names ------------------------------------------------------------------------- */

Test(mft_file, streams_are_named_and_merged_by_name)
{
	static const uint16_t zone[] = { 'Z', 'o', 'n', 'e', '.', 'I', 'd' };
	static const uint16_t big[] = { 0x00E9, 't', 0xD83D, 0xDE00 }; /* "ét" and an emoji */
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	uint8_t list[256];
	size_t used = 0;
	fixture_attr_list_add(list, &used, 0x80, 0, BASE, BASE_SEQ, NULL, 0);
	fixture_attr_list_add(list, &used, 0x80, 0, BASE, BASE_SEQ, zone, 7);
	fixture_attr_list_add(list, &used, 0x80, 0, BASE, BASE_SEQ, big, 4);
	fixture_attr_list_add(list, &used, 0x80, 2, 20, 1, big, 4);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "named.txt", 1);
	fixture_record_add_resident(&r, 0x80, "main", 4, NULL, 0);
	fixture_record_add_resident(&r, 0x80, "[ZoneTransfer]", 14, zone, 7);
	add_extent(&r, big, 4, 0, FREE_LCN, 2, 3 * 4096);
	mft_put(&m, BASE, &r);
	extension_init(&r, 1);
	add_extent(&r, big, 4, 2, FREE_LCN + 4, 1, 0);
	mft_put(&m, 20, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert_not(f->incomplete);
	cr_assert_eq(f->streams->len, 3);
	MftStream *unnamed = mft_file_stream(f, NULL);
	cr_assert_not_null(unnamed);
	cr_assert_null(unnamed->name);
	cr_assert(unnamed->resident);
	cr_assert_eq(memcmp(unnamed->resident_data, "main", 4), 0);
	MftStream *z = mft_file_stream(f, "Zone.Id");
	cr_assert_not_null(z);
	cr_assert_eq(z->data_size, 14);
	MftStream *b = mft_file_stream(f, "\xc3\xa9t\xf0\x9f\x98\x80");
	cr_assert_not_null(b, "UTF-16 names become UTF-8, surrogate pairs included");
	cr_assert_eq(b->runs.count, 2, "extents of a named stream join across records");
	cr_assert_not(b->incomplete);
	cr_assert_null(mft_file_stream(f, "zone.id"), "names are exact");

	MftStream *stolen = mft_file_steal_stream(f, "Zone.Id");
	cr_assert_eq(stolen, z);
	cr_assert_eq(f->streams->len, 2);
	cr_assert_null(mft_file_steal_stream(f, "Zone.Id"));
	mft_stream_free(stolen);
	mft_close(&m);
}

Test(mft_file, names_only_skips_data_and_its_extension_records)
{
	Mft m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	mft_open(&m, RECORDS);
	int before = mem_source_reads(m.src);
	uint8_t buf[FIXTURE_RECORD_SIZE];
	MftRecord rec;
	cr_assert(mft_reader_load_record(&m.reader, BASE, buf, &rec, NULL));
	g_autoptr(MftFile) f = mft_file_build(&m.reader, &rec, MFT_FILE_NAMES_ONLY, NULL, NULL);
	cr_assert_eq(mem_source_reads(m.src) - before, 1, "only the base record was read");
	cr_assert_eq(f->streams->len, 0);
	cr_assert_str_eq(f->name, "split.bin");
	mft_close(&m);
}

/* ---- $FILE_NAME preference ------------------------------------------------------------------ */

static char *name_of(const uint8_t *spaces, const char *const *names, size_t count, uint64_t *parent)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	for (size_t i = 0; i < count; i++)
		fixture_record_add_name(&r, 30 + i, 1, names[i], spaces[i]);
	mft_put(&m, BASE, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	char *name = f->has_name ? g_strdup(f->name) : NULL;
	*parent = f->parent.record;
	mft_close(&m);
	return name;
}

Test(mft_file, win32_names_win_over_dos_names)
{
	static const char *const two[] = { "LONGNA~1.TXT", "long name.txt" };
	static const char *const rev[] = { "long name.txt", "LONGNA~1.TXT" };
	uint64_t parent;
	g_autofree char *a = name_of((const uint8_t[]){ FILE_NAME_DOS, FILE_NAME_WIN32 }, two, 2, &parent);
	cr_assert_str_eq(a, "long name.txt");
	cr_assert_eq(parent, 31, "the parent comes with the chosen name");
	g_autofree char *b = name_of((const uint8_t[]){ FILE_NAME_WIN32, FILE_NAME_DOS }, rev, 2, &parent);
	cr_assert_str_eq(b, "long name.txt");
	cr_assert_eq(parent, 30);
	g_autofree char *c = name_of((const uint8_t[]){ FILE_NAME_DOS, FILE_NAME_POSIX }, two, 2, &parent);
	cr_assert_str_eq(c, "long name.txt");
	g_autofree char *d = name_of((const uint8_t[]){ FILE_NAME_DOS, FILE_NAME_WIN32_AND_DOS }, two, 2, &parent);
	cr_assert_str_eq(d, "long name.txt");
	g_autofree char *e = name_of((const uint8_t[]){ FILE_NAME_DOS }, two, 1, &parent);
	cr_assert_str_eq(e, "LONGNA~1.TXT", "a DOS name stands in when alone");
	g_autofree char *f = name_of((const uint8_t[]){ FILE_NAME_WIN32, FILE_NAME_WIN32 }, rev, 2, &parent);
	cr_assert_str_eq(f, "long name.txt", "the first of equals stays");
}

Test(mft_file, a_win32_name_in_an_extension_record_wins_too)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	uint8_t list[64];
	size_t used = 0;
	fixture_attr_list_add(list, &used, 0x30, 0, BASE, BASE_SEQ, NULL, 0);
	fixture_attr_list_add(list, &used, 0x30, 0, 21, 1, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "SHORT~1", FILE_NAME_DOS);
	mft_put(&m, BASE, &r);
	extension_init(&r, 1);
	fixture_record_add_name(&r, 5, 5, "short enough", FILE_NAME_WIN32);
	mft_put(&m, 21, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, MFT_FILE_NAMES_ONLY, NULL);
	cr_assert_str_eq(f->name, "short enough");
	mft_close(&m);
}

Test(mft_file, damaged_file_names_are_skipped)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	uint8_t short_value[0x41] = { 0 };
	fixture_record_add_resident(&r, 0x30, short_value, sizeof short_value, NULL, 0);
	uint8_t long_name[0x42 + 4] = { 0 };
	long_name[0x40] = 200; /* 200 units in a 4-byte name */
	long_name[0x41] = FILE_NAME_WIN32;
	fixture_record_add_resident(&r, 0x30, long_name, sizeof long_name, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "OK~1", FILE_NAME_DOS);
	mft_put(&m, BASE, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert_str_eq(f->name, "OK~1");
	mft_close(&m);
}

/* ---- read limits: the scan's budget and the per-file cap ------------------------------------- */

/* A base record whose list names `count` distinct extension records from `first` on. */
static void put_forged_list(Mft *m, uint64_t number, uint64_t first, size_t count)
{
	FixtureRecord r;
	fixture_record_init(&r, 1, 0, 0);
	uint8_t list[FIXTURE_RECORD_SIZE];
	size_t used = 0;
	for (size_t i = 0; i < count; i++)
		fixture_attr_list_add(list, &used, 0x80, i, first + i, 1, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	mft_put(m, number, &r);
}

Test(mft_file, the_budget_bounds_extension_reads_across_files)
{
	Mft m = mft_new(RECORDS);
	put_forged_list(&m, 16, 40, 25);
	put_forged_list(&m, 17, 40, 25); /* the same records again */
	mft_open(&m, RECORDS);

	int before = mem_source_reads(m.src);
	g_autoptr(MftFile) free_run = build(&m, 16, 0, NULL);
	cr_assert_not_null(free_run);
	cr_assert_eq(mem_source_reads(m.src) - before, 1 + 25, "unbudgeted: every listed record");

	MftFileBudget budget = { .extension_reads_left = 30 };
	before = mem_source_reads(m.src);
	g_autoptr(MftFile) a = build(&m, 16, 0, &budget);
	cr_assert_not_null(a);
	g_autoptr(MftFile) b = build(&m, 17, 0, &budget);
	cr_assert_eq(mem_source_reads(m.src) - before, 2 + 30, "two base records and 30 extensions");
	cr_assert_eq(budget.extension_reads_left, 0);
	cr_assert(b->incomplete, "the file the budget cut short says so");
	before = mem_source_reads(m.src);
	g_autoptr(MftFile) c = build(&m, 16, 0, &budget);
	cr_assert_eq(mem_source_reads(m.src) - before, 1, "an empty budget reads nothing more");
	cr_assert(c->incomplete);

	MftFileBudget scan;
	mft_file_budget_init(&scan, 1000);
	cr_assert_eq(scan.extension_reads_left, 1000 + 4096);
	mft_file_budget_init(&scan, UINT64_MAX - 1);
	cr_assert_eq(scan.extension_reads_left, UINT64_MAX, "saturates");
	mft_close(&m);
}

Test(mft_file, repeated_and_self_entries_are_read_once)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	fixture_record_init(&r, 1, 0, 0);
	uint8_t list[FIXTURE_RECORD_SIZE];
	size_t used = 0;
	for (size_t i = 0; i < 20; i++)
		fixture_attr_list_add(list, &used, 0x80, i, i % 2 ? 16 : 50, 1, NULL, 0);
	fixture_record_add_resident(&r, 0x20, list, (uint32_t)used, NULL, 0);
	mft_put(&m, 16, &r);
	mft_open(&m, RECORDS);
	int before = mem_source_reads(m.src);
	g_autoptr(MftFile) f = build(&m, 16, 0, NULL);
	cr_assert_not_null(f);
	cr_assert_eq(mem_source_reads(m.src) - before, 2, "the base record and record 50, once");
	mft_close(&m);
}

/* A non-resident list of 5000 entries: the per-file cap stops at 4096 extension records. */
Test(mft_file, the_per_file_cap_holds_without_a_budget)
{
	enum { MANY = 6000, ENTRIES = 5000, LIST_LCN = 1300 };
	Mft m = mft_new(MANY);
	size_t list_bytes = (size_t)ENTRIES * 0x20;
	uint8_t *list = m.image + (size_t)LIST_LCN * 4096;
	size_t used = 0;
	for (size_t i = 0; i < ENTRIES; i++)
		fixture_attr_list_add(list, &used, 0x80, i, 100 + i, 1, NULL, 0);
	cr_assert_eq(used, list_bytes);
	FixtureRecord r;
	fixture_record_init(&r, 1, 0, 0);
	const Run run = { 0, LIST_LCN, (list_bytes + 4095) / 4096 };
	FixtureNonResident nr = { .last_vcn = run.length_clusters - 1, .allocated_size = run.length_clusters * 4096,
				  .data_size = list_bytes, .initialized_size = list_bytes, .runs = &run, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x20, &nr);
	mft_put(&m, 16, &r);
	mft_open(&m, MANY);
	int before = mem_source_reads(m.src);
	g_autoptr(MftFile) f = build(&m, 16, 0, NULL);
	int reads = mem_source_reads(m.src) - before;
	cr_assert_leq(reads, 1 + 1 + 4096, "%d reads", reads);
	cr_assert_geq(reads, 4096);
	cr_assert(f->incomplete);
	mft_close(&m);
}

Test(mft_file, hostile_non_resident_lists)
{
	static const struct {
		uint64_t first_vcn, lcn, data_size;
		const char *what;
	} cases[] = {
		{ 0, RECORDS / 4, 64, "list outside the volume" },
		{ 0, FREE_LCN, 2 * 1024 * 1024, "list of 2 MiB" },
		{ 1, FREE_LCN, 64, "list that starts at VCN 1" },
		{ 0, FREE_LCN, 4 * 4096 + 1, "list longer than its run" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		Mft m = mft_new(RECORDS);
		FixtureRecord r;
		base_init(&r);
		const Run run = { cases[i].first_vcn, cases[i].lcn, 4 };
		FixtureNonResident nr = { .first_vcn = cases[i].first_vcn, .last_vcn = cases[i].first_vcn + 3,
					  .allocated_size = 4 * 4096, .data_size = cases[i].data_size,
					  .initialized_size = 0, .runs = &run, .run_count = 1 };
		fixture_record_add_non_resident(&r, 0x20, &nr);
		fixture_record_add_name(&r, 5, 5, "listed", 1);
		mft_put(&m, BASE, &r);
		mft_open(&m, RECORDS);
		g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
		cr_assert(f->incomplete, "%s", cases[i].what);
		cr_assert_str_eq(f->name, "listed", "%s", cases[i].what);
		mft_close(&m);
	}
}

/* ---- forged extents and sizes -------------------------------------------------------------- */

Test(mft_file, overlapping_extents_are_all_distrusted)
{
	Mft m = mft_new(RECORDS);
	put_split_file(&m, 2, 3);
	FixtureRecord r;
	extension_init(&r, 3);
	add_extent(&r, NULL, 0, 2, FREE_LCN + 5, 4, 0); /* VCN 2..5 overlaps 0..3 */
	mft_put(&m, 18, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	MftStream *s = mft_file_stream(f, NULL);
	cr_assert(s->incomplete);
	cr_assert_eq(s->runs.count, 0);
	cr_assert_eq(s->data_size, 6 * 4096, "the size stays: reading its lost extents fails");
	mft_close(&m);
}

Test(mft_file, forged_sizes_are_cut_back)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	const Run run = { 0, FREE_LCN, 2 };
	FixtureNonResident nr = { .last_vcn = 1, .allocated_size = UINT64_MAX, .data_size = UINT64_MAX - 5,
				  .initialized_size = UINT64_MAX, .runs = &run, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x80, &nr);
	static const uint16_t sp[] = { 's' };
	const Run holes[] = { { 0, RUN_LCN_SPARSE, 1000 }, { 1000, FREE_LCN, 1 } };
	FixtureNonResident sparse = { .last_vcn = 1000, .allocated_size = UINT64_MAX, .data_size = 1001 * 4096,
				      .initialized_size = 1001 * 4096, .flags = 0x8000, .runs = holes,
				      .run_count = 2, .name = sp, .name_length = 1 };
	fixture_record_add_non_resident(&r, 0x80, &sparse);
	mft_put(&m, BASE, &r);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	MftStream *s = mft_file_stream(f, NULL);
	cr_assert(s->incomplete);
	cr_assert_eq(s->data_size, RECORDS * FIXTURE_RECORD_SIZE, "cut to the volume: %" PRIu64, s->data_size);
	cr_assert_leq(s->initialized_size, s->data_size);
	MftStream *h = mft_file_stream(f, "s");
	cr_assert_not(h->incomplete, "a sparse stream may be larger than the volume");
	cr_assert_eq(h->data_size, 1001 * 4096);
	mft_close(&m);
}

Test(mft_file, a_damaged_base_record_still_builds)
{
	Mft m = mft_new(RECORDS);
	FixtureRecord r;
	base_init(&r);
	fixture_record_add_name(&r, 5, 5, "first", 1);
	size_t data_at = (size_t)(fixture_record_add_resident(&r, 0x80, "data", 4, NULL, 0) - r.buf);
	mft_put(&m, BASE, &r);
	/* The $DATA attribute's length now runs past the used size (outside the fixups). */
	le32_put(m.image + BASE * FIXTURE_RECORD_SIZE + data_at + 4, 0x3000);
	mft_open(&m, RECORDS);
	g_autoptr(MftFile) f = build(&m, BASE, 0, NULL);
	cr_assert(f->incomplete);
	cr_assert_str_eq(f->name, "first", "what came before the damage stays");
	cr_assert_eq(f->streams->len, 0);
	mft_close(&m);
}
