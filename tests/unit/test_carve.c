/* Carved FILE records on a hand-made volume: an MFT of 48 records in clusters 0..11, every
 * cluster past it free, old records placed in the free space. Joins by parent reference and
 * sequence, copies and duplicates of today's records, hostile records. */
#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_record.h"
#include "index/deleted_index.h"
#include "index/mft_scan.h"
#include "mem_source.h"
#include "ntfs/carved_record.h"

enum {
	CS = 4096,
	CLUSTERS = 64,
	MFT_CLUSTERS = 12,
	MFT_RECORDS = MFT_CLUSTERS * CS / FIXTURE_RECORD_SIZE,
	FREE_AT = MFT_CLUSTERS * CS, /* the first free byte */
	IN_USE = 1,
	IS_DIR = 2,
};

typedef struct {
	uint8_t *image;
	size_t next_free; /* where the next carved record goes */
	Volume *vol;
	BlockSource *src;
	DeletedIndex *index;
} Carve;

static void record(FixtureRecord *r, uint32_t number, uint16_t seq, uint16_t flags, uint64_t parent,
		   uint16_t parent_seq, const char *name)
{
	fixture_record_init(r, seq, flags, 0);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_add_name(r, parent, parent_seq, name, 1);
	if (!(flags & IS_DIR))
		fixture_record_add_resident(r, 0x80, name, (uint32_t)strlen(name), NULL, 0);
	fixture_record_set_number(r, number);
}

static void put_at(Carve *c, size_t offset, FixtureRecord *r)
{
	fixture_record_finish(r);
	memcpy(c->image + offset, r->buf, FIXTURE_RECORD_SIZE);
}

/* Today's record `number` in the MFT. */
static void live(Carve *c, uint32_t number, uint16_t seq, uint16_t flags, uint64_t parent,
		 uint16_t parent_seq, const char *name)
{
	FixtureRecord r;
	record(&r, number, seq, flags, parent, parent_seq, name);
	put_at(c, (size_t)number * FIXTURE_RECORD_SIZE, &r);
}

/* An old record in the free space, at the next 512-byte boundary after the last one. */
static size_t old(Carve *c, uint32_t number, uint16_t seq, uint16_t flags, uint64_t parent,
		  uint16_t parent_seq, const char *name)
{
	FixtureRecord r;
	record(&r, number, seq, flags, parent, parent_seq, name);
	size_t at = c->next_free;
	put_at(c, at, &r);
	c->next_free += FIXTURE_RECORD_SIZE + 512; /* not record-aligned on purpose */
	return at;
}

static void carve_init(Carve *c)
{
	*c = (Carve){ .image = g_malloc0((size_t)CLUSTERS * CS), .next_free = FREE_AT };
	live(c, 5, 5, IN_USE | IS_DIR, 5, 5, ".");
}

static void carve_scan(Carve *c, uint32_t flags)
{
	c->src = mem_source_new(c->image, (size_t)CLUSTERS * CS);
	c->vol = mem_volume_new(c->src, FIXTURE_RECORD_SIZE, CS);
	runlist_clear(&c->vol->mft.runs);
	runlist_append(&c->vol->mft.runs, (Run){ 0, 0, MFT_CLUSTERS });
	c->vol->mft.records = MFT_RECORDS;
	uint8_t *bits = g_malloc0(CLUSTERS / 8);
	for (unsigned i = 0; i < MFT_CLUSTERS; i++)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
	volume_set_bitmap(c->vol, bits, CLUSTERS / 8);
	c->index = deleted_index_new();
	g_autoptr(MftScan) scan = mft_scan_new(c->vol, c->index, flags | RFS_SCAN_DEEP);
	g_autoptr(GError) error = NULL;
	cr_assert(mft_scan_records(scan, NULL, NULL, &error), "%s", error ? error->message : "");
	cr_assert(mft_scan_sweep(scan, NULL, NULL, NULL));
	cr_assert(mft_scan_finish(scan, NULL));
}

static void carve_free(Carve *c)
{
	deleted_index_free(c->index);
	volume_free(c->vol);
	block_source_close(c->src);
}

static IndexNode *carved(Carve *c, unsigned version, uint64_t number)
{
	return deleted_index_lookup(c->index, RFS_ENTRY_ID_IN(RFS_ORIGIN_CARVED(version), number, 0));
}

static char *path_of(Carve *c, const IndexNode *n)
{
	if (n == NULL)
		return g_strdup("(absent)");
	GString *out = g_string_new(NULL);
	for (; n != NULL && n != c->index->root; n = n->parent)
		g_string_prepend(g_string_prepend(out, n->info.name), "/");
	return g_string_free(out, FALSE);
}

#define assert_carved_path(c, version, number, expect)                                   \
	do {                                                                             \
		g_autofree char *p_ = path_of(c, carved(c, version, number));           \
		cr_assert_str_eq(p_, expect, "record %d", (int)(number));               \
	} while (0)

Test(carve, a_formatted_tree_comes_back_under_the_root)
{
	Carve c;
	carve_init(&c);
	old(&c, 60, 3, IN_USE | IS_DIR, 5, 5, "docs");      /* in use when the volume was formatted */
	old(&c, 61, 2, IN_USE, 60, 3, "letter.txt");
	old(&c, 5, 5, IN_USE | IS_DIR, 5, 5, ".");          /* the old root: today's */
	carve_scan(&c, 0);
	assert_carved_path(&c, 0, 61, "/docs/letter.txt");
	IndexNode *n = carved(&c, 0, 61);
	cr_assert(n->info.flags & RFS_ENTRY_CARVED);
	cr_assert(n->info.flags & RFS_ENTRY_REMOVED, "a carved file is deleted whatever its own flag says");
	cr_assert_eq(n->info.path_source, RFS_PATH_SOURCE_CARVED);
	cr_assert_eq(n->info.size_bytes, strlen("letter.txt"));
	cr_assert_eq(deleted_index_carved_offset(c.index, n), FREE_AT + FIXTURE_RECORD_SIZE + 512);
	cr_assert_null(carved(&c, 0, 5), "the old root is not a second root");
	cr_assert_eq(c.index->stats.carved_records, 2);
	cr_assert_eq(c.index->stats.orphans, 0);
	carve_free(&c);
}

Test(carve, parent_references_respect_sequence_numbers)
{
	Carve c;
	carve_init(&c);
	live(&c, 40, 7, IN_USE | IS_DIR, 5, 5, "today");
	live(&c, 41, 2, 0, 40, 7, "deleted-today.txt");     /* keeps today's dir in the tree */
	old(&c, 40, 3, IN_USE | IS_DIR, 5, 5, "then");
	old(&c, 42, 1, IN_USE, 40, 3, "old.txt");          /* 40 seq 3: the old directory */
	old(&c, 43, 1, IN_USE, 40, 7, "new.txt");          /* 40 seq 7: today's */
	old(&c, 44, 1, IN_USE, 40, 5, "lost.txt");         /* neither */
	carve_scan(&c, 0);
	assert_carved_path(&c, 0, 42, "/then/old.txt");
	assert_carved_path(&c, 0, 43, "/today/new.txt");
	assert_carved_path(&c, 0, 44, "/lost+found/lost.txt");
	cr_assert(carved(&c, 0, 44)->info.flags & RFS_ENTRY_ORPHAN);
	carve_free(&c);
}

Test(carve, copies_and_duplicates_are_dropped_older_versions_tagged)
{
	Carve c;
	carve_init(&c);
	live(&c, 20, 4, 0, 5, 5, "report.doc");             /* deleted today */
	FixtureRecord r;
	record(&r, 20, 3, IN_USE, 5, 5, "report.doc");      /* the same, before deletion */
	put_at(&c, FREE_AT, &r);
	live(&c, 21, 2, IN_USE, 5, 5, "draft.txt");         /* live */
	record(&r, 21, 2, IN_USE, 5, 5, "draft.txt");
	fixture_record_add_resident(&r, 0x80, "x", 1, (const uint16_t[]){ 'a' }, 1); /* differs */
	put_at(&c, FREE_AT + 4096, &r);
	memcpy(c.image + FREE_AT + 8192, r.buf, sizeof r.buf); /* a second copy of it */
	carve_scan(&c, RFS_SCAN_INCLUDE_LIVE);
	cr_assert_null(carved(&c, 0, 20), "a copy of today's record is dropped");
	IndexNode *older = carved(&c, 0, 21);
	cr_assert_not_null(older);
	cr_assert_str_eq(older->info.name, "draft (carved).txt");
	cr_assert_str_eq(older->info.file_name, "draft.txt");
	cr_assert_null(carved(&c, 1, 21), "the second copy is the same record");
	cr_assert_eq(c.index->stats.carved_records, 1);
	carve_free(&c);
}

Test(carve, hostile_records_are_refused)
{
	Carve c;
	carve_init(&c);
	FixtureRecord r;
	record(&r, 30, 1, IN_USE, 5, 5, "torn.txt");
	fixture_record_finish(&r);
	r.buf[511] ^= 0xFF;                                 /* a torn sector */
	memcpy(c.image + FREE_AT, r.buf, sizeof r.buf);
	record(&r, 3, 1, IN_USE, 5, 5, "$Volume");          /* a system number */
	put_at(&c, FREE_AT + 4096, &r);
	record(&r, 31, 1, IN_USE, 5, 5, "v30.txt");         /* NTFS 3.0: no number */
	le16_put(r.buf + 0x04, 0x2A);
	fixture_record_finish(&r);
	memmove(r.buf + 0x2A, r.buf + 0x30, 6);
	memcpy(c.image + FREE_AT + 8192, r.buf, sizeof r.buf);
	record(&r, 32, 1, IN_USE, 5, 5, "ext.txt");         /* an extension record */
	le64_put(r.buf + 0x20, 33);
	put_at(&c, FREE_AT + 12288, &r);
	record(&r, 34, 1, IN_USE, 5, 5, "size.txt");        /* a record size that is not ours */
	le32_put(r.buf + 0x1C, 4096);
	put_at(&c, FREE_AT + 16384, &r);
	memcpy(c.image + FREE_AT + 20480, "FILE", 4);       /* a signature and garbage */
	carve_scan(&c, 0);
	cr_assert_eq(c.index->stats.carved_records, 0);
	carve_free(&c);
}

Test(carve, loops_through_parent_references_end_in_lost_found)
{
	Carve c;
	carve_init(&c);
	old(&c, 50, 1, IN_USE | IS_DIR, 51, 1, "a");
	old(&c, 51, 1, IN_USE | IS_DIR, 50, 1, "b");
	old(&c, 52, 1, IN_USE | IS_DIR, 52, 1, "self");
	old(&c, 53, 1, IN_USE, 50, 1, "in-loop.txt");
	carve_scan(&c, 0);
	g_autofree char *p = path_of(&c, carved(&c, 0, 53));
	cr_assert(g_str_has_prefix(p, "/lost+found/"), "%s", p);
	g_autofree char *q = path_of(&c, carved(&c, 0, 52));
	cr_assert_str_eq(q, "/lost+found/self");
	carve_free(&c);
}

Test(carve, a_record_claiming_2_63_bytes_is_cut_to_the_volume)
{
	Carve c;
	carve_init(&c);
	FixtureRecord r;
	fixture_record_init(&r, 1, IN_USE, 0);
	fixture_record_add_name(&r, 5, 5, "huge.bin", 1);
	const Run runs[] = { { 0, 20, 2 } };
	FixtureNonResident nr = {
		.last_vcn = 1,
		.allocated_size = UINT64_C(1) << 63,
		.data_size = UINT64_C(1) << 63,
		.initialized_size = UINT64_C(1) << 63,
		.runs = runs,
		.run_count = 1,
	};
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_record_set_number(&r, 70);
	put_at(&c, FREE_AT, &r);
	carve_scan(&c, 0);
	IndexNode *n = carved(&c, 0, 70);
	cr_assert_not_null(n);
	cr_assert_leq(n->info.size_bytes, (uint64_t)CLUSTERS * CS);
	cr_assert_eq(n->info.clusters, 2);
	cr_assert(rfs_entry_recoverable_percent(&n->info) < 100);
	carve_free(&c);
}

Test(carve, a_carved_file_is_read_back_from_where_it_was_found)
{
	Carve c;
	carve_init(&c);
	size_t at = old(&c, 61, 2, IN_USE, 5, 5, "back.txt");
	carve_scan(&c, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(MftFile) f = carved_record_load(&c.vol->mft, at, 61, 2, &error);
	cr_assert_not_null(f, "%s", error ? error->message : "");
	MftStream *s = mft_file_stream(f, NULL);
	cr_assert(s != NULL && s->resident && s->data_size == 8);
	cr_assert_eq(memcmp(s->resident_data, "back.txt", 8), 0);
	g_autoptr(MftFile) wrong = carved_record_load(&c.vol->mft, at, 61, 3, &error);
	cr_assert_null(wrong, "a record that changed its sequence is not served");
	g_clear_error(&error);
	g_autoptr(MftFile) past = carved_record_load(&c.vol->mft, (uint64_t)CLUSTERS * CS - 512, 61, 2, &error);
	cr_assert_null(past);
	carve_free(&c);
}

Test(carve, carved_record_decode_checks_at_every_truncation)
{
	FixtureRecord r;
	record(&r, 80, 1, IN_USE, 5, 5, "t.txt");
	fixture_record_finish(&r);
	for (size_t size = 0; size <= FIXTURE_RECORD_SIZE; size += 256) {
		uint8_t buf[FIXTURE_RECORD_SIZE];
		memcpy(buf, r.buf, sizeof buf);
		MftRecord rec;
		bool ok = carved_record_decode(buf, size, &rec, NULL);
		cr_assert_eq(ok, size == FIXTURE_RECORD_SIZE, "size %zu", size);
		if (ok)
			cr_assert_eq(rec.record_number, 80);
	}
}

Test(carve, after_a_format_numbers_and_sequences_repeat_without_meaning_the_same_file)
{
	Carve c;
	carve_init(&c);
	live(&c, 40, 1, IN_USE | IS_DIR, 5, 5, "new");
	live(&c, 41, 2, 0, 40, 1, "deleted-today.txt");
	FixtureRecord r;
	record(&r, 40, 1, IN_USE | IS_DIR, 5, 5, "old");   /* the same number and sequence ... */
	le64_put(r.buf + 0x38 + 0x18, 130000000000000000ull); /* ... created at another time */
	put_at(&c, FREE_AT, &r);
	c.next_free = FREE_AT + 4096;
	old(&c, 42, 1, IN_USE, 40, 1, "child.txt");
	carve_scan(&c, 0);
	assert_carved_path(&c, 0, 42, "/old/child.txt");
	cr_assert_str_eq(carved(&c, 0, 40)->info.name, "old", "another file, not an older version");
	carve_free(&c);
}
