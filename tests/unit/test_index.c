/* The scan and the path tree on hand-made MFTs: parents checked by sequence number,
 * orphans, loops, collisions, name preference, pruning of live directories. */
#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_record.h"
#include "index/deleted_index.h"
#include "index/mft_scan.h"
#include "mem_source.h"

enum { RECORDS = 40, IN_USE = 1, IS_DIR = 2 };

typedef struct {
	uint8_t *image;
	Volume *vol;
	BlockSource *src;
	DeletedIndex *index;
} Scan;

static void add(uint8_t *image, uint64_t number, uint16_t seq, uint16_t flags, uint64_t parent,
		uint16_t parent_seq, const char *name)
{
	FixtureRecord r;
	fixture_record_init(&r, seq, flags, 0);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_add_name(&r, parent, parent_seq, name, 1);
	if (!(flags & IS_DIR))
		fixture_record_add_resident(&r, 0x80, name, (uint32_t)strlen(name), NULL, 0);
	fixture_record_store(image, number, &r);
}

static uint8_t *base_image(void)
{
	uint8_t *image = g_malloc0((size_t)RECORDS * FIXTURE_RECORD_SIZE);
	add(image, 5, 5, IN_USE | IS_DIR, 5, 5, ".");
	return image;
}

static void scan(Scan *s, uint8_t *image, uint32_t flags)
{
	s->src = mem_source_new(image, (size_t)RECORDS * FIXTURE_RECORD_SIZE);
	s->vol = mem_volume_new(s->src, FIXTURE_RECORD_SIZE, 4096);
	s->index = deleted_index_new();
	g_autoptr(GError) error = NULL;
	cr_assert(mft_scan_run(s->vol, s->index, flags, NULL, NULL, &error), "%s", error ? error->message : "");
}

static void scan_free(Scan *s)
{
	deleted_index_free(s->index);
	volume_free(s->vol);
	block_source_close(s->src);
}

/* The path of record `number` (slot 0) from the root, or NULL if not indexed. */
static char *path_of(Scan *s, uint64_t number)
{
	IndexNode *n = deleted_index_lookup(s->index, RFS_ENTRY_ID(number, 0));
	if (n == NULL)
		return NULL;
	GString *out = g_string_new(NULL);
	for (; n != NULL && n != s->index->root; n = n->parent)
		g_string_prepend(g_string_prepend(out, n->info.name), "/");
	return g_string_free(out, FALSE);
}

#define assert_path(s, number, expect)                                                   \
	do {                                                                             \
		g_autofree char *p_ = path_of(s, number);                                \
		cr_assert_str_eq(p_ != NULL ? p_ : "(absent)", expect, "record %d", (int)(number)); \
	} while (0)

Test(index, deleted_file_under_live_directory)
{
	uint8_t *img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 17, 2, 0, 16, 1, "a.txt");
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 17, "/docs/a.txt");
	IndexNode *n = deleted_index_lookup(s.index, RFS_ENTRY_ID(17, 0));
	cr_assert(n->info.flags & RFS_ENTRY_REMOVED);
	cr_assert_eq(n->info.size_bytes, 5);
	cr_assert_eq(s.index->stats.deleted_files, 1);
	scan_free(&s);
}

Test(index, deleted_directory_keeps_its_children_despite_bumped_sequence)
{
	uint8_t *img = base_image();
	add(img, 18, 3, IS_DIR, 5, 5, "old");   /* freed: sequence 2 -> 3 */
	add(img, 19, 7, 0, 18, 2, "b.txt"); /* references the directory as it was */
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 19, "/old/b.txt");
	cr_assert_eq(s.index->stats.deleted_dirs, 1);
	cr_assert_eq(s.index->stats.orphans, 0);
	scan_free(&s);
}

Test(index, reused_parent_makes_an_orphan)
{
	uint8_t *img = base_image();
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "new-file"); /* the old directory's record, now a file */
	add(img, 22, 4, IN_USE | IS_DIR, 5, 5, "live");
	add(img, 23, 2, 0, 22, 3, "d.txt");        /* live dir, but a newer incarnation */
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 20, "/lost+found/c.txt");
	assert_path(&s, 23, "/lost+found/d.txt");
	cr_assert(deleted_index_lookup(s.index, RFS_ENTRY_ID(20, 0))->info.flags & RFS_ENTRY_ORPHAN);
	cr_assert_null(deleted_index_lookup(s.index, RFS_ENTRY_ID(22, 0)), "a live dir leading nowhere is pruned");
	cr_assert_eq(s.index->stats.orphans, 2);
	scan_free(&s);
}

Test(index, orphan_keeps_the_known_part_of_its_path)
{
	uint8_t *img = base_image();
	add(img, 24, 2, IS_DIR, 30, 9, "kept");  /* its parent's record is gone */
	add(img, 25, 2, 0, 24, 1, "e.txt");
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 25, "/lost+found/kept/e.txt");
	scan_free(&s);
}

Test(index, parent_loops_do_not_hang_and_end_in_lost_found)
{
	uint8_t *img = base_image();
	add(img, 26, 2, IS_DIR, 27, 2, "loop-a");
	add(img, 27, 2, IS_DIR, 26, 2, "loop-b");
	add(img, 28, 2, IS_DIR, 28, 2, "self");
	add(img, 29, 2, 0, 27, 2, "f.txt");
	Scan s;
	scan(&s, img, 0);
	g_autofree char *p = path_of(&s, 29);
	cr_assert(g_str_has_prefix(p, "/lost+found/"), "%s", p);
	cr_assert(g_str_has_suffix(p, "/f.txt"), "%s", p);
	assert_path(&s, 28, "/lost+found/self");
	scan_free(&s);
}

Test(index, same_names_get_stable_suffixes_that_keep_the_extension)
{
	uint8_t *img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 31, 2, 0, 16, 1, "same.txt");
	add(img, 30, 2, 0, 16, 1, "same.txt");
	add(img, 32, 2, 0, 16, 1, "noext");
	add(img, 33, 2, 0, 16, 1, "noext");
	add(img, 34, 2, 0, 16, 1, "same.txt");
	add(img, 35, 2, 0, 16, 1, "same (mft 31).txt"); /* a real name that looks like a suffix */
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 30, "/docs/same.txt");
	assert_path(&s, 31, "/docs/same (mft 31, 2).txt");
	assert_path(&s, 34, "/docs/same (mft 34).txt");
	assert_path(&s, 35, "/docs/same (mft 31).txt");
	assert_path(&s, 32, "/docs/noext");
	assert_path(&s, 33, "/docs/noext (mft 33)");
	scan_free(&s);
}

Test(index, win32_name_wins_over_dos_name)
{
	uint8_t *img = base_image();
	FixtureRecord r;
	fixture_record_init(&r, 2, 0, 0);
	fixture_record_add_name(&r, 5, 5, "LONGNA~1.TXT", 2);
	fixture_record_add_name(&r, 5, 5, "longname.txt", 1);
	fixture_record_store(img, 34, &r);
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 34, "/longname.txt");
	scan_free(&s);
}

Test(index, live_files_only_on_request)
{
	uint8_t *img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 17, 1, IN_USE, 16, 1, "live.txt");
	Scan s;
	scan(&s, img, 0);
	cr_assert_null(path_of(&s, 17));
	cr_assert_null(path_of(&s, 16));
	scan_free(&s);
	img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 17, 1, IN_USE, 16, 1, "live.txt");
	scan(&s, img, RFS_SCAN_INCLUDE_LIVE);
	assert_path(&s, 17, "/docs/live.txt");
	cr_assert_not(deleted_index_lookup(s.index, RFS_ENTRY_ID(17, 0))->info.flags & RFS_ENTRY_REMOVED);
	scan_free(&s);
}

Test(index, named_streams_sit_beside_their_file)
{
	uint8_t *img = base_image();
	FixtureRecord r;
	static const uint16_t zone[] = { 'Z', 'o', 'n', 'e' };
	fixture_record_init(&r, 2, 0, 0);
	fixture_record_add_name(&r, 5, 5, "doc.txt", 1);
	fixture_record_add_resident(&r, 0x80, "main", 4, NULL, 0);
	fixture_record_add_resident(&r, 0x80, "[ZoneTransfer]", 14, zone, 4);
	fixture_record_store(img, 35, &r);
	Scan s;
	scan(&s, img, 0);
	IndexNode *stream = deleted_index_lookup(s.index, RFS_ENTRY_ID(35, 1));
	cr_assert_not_null(stream);
	cr_assert_str_eq(stream->info.name, "doc.txt:Zone");
	cr_assert_eq(stream->info.size_bytes, 14);
	cr_assert(stream->info.flags & RFS_ENTRY_STREAM);
	cr_assert_eq(stream->parent, s.index->root);
	cr_assert_eq(s.index->stats.deleted_streams, 1);
	scan_free(&s);
}

Test(index, torn_and_garbage_records_are_counted_not_fatal)
{
	uint8_t *img = base_image();
	add(img, 16, 2, 0, 5, 5, "torn.txt");
	img[16 * FIXTURE_RECORD_SIZE + 510] ^= 0xFF; /* sector 1 no longer ends in the USN */
	memset(img + 17 * FIXTURE_RECORD_SIZE, 0xA5, FIXTURE_RECORD_SIZE);
	add(img, 18, 2, 0, 5, 5, "fine.txt");
	Scan s;
	scan(&s, img, 0);
	cr_assert_null(path_of(&s, 16));
	assert_path(&s, 18, "/fine.txt");
	cr_assert_eq(s.index->stats.records_damaged, 2);
	scan_free(&s);
}

Test(index, collision_name_helper)
{
	g_autofree char *a = path_rebuild_collision_name("archive.tar.gz", 7, 1);
	g_autofree char *b = path_rebuild_collision_name(".bashrc", 8, 1);
	g_autofree char *c = path_rebuild_collision_name("x.txt", 9, 3);
	cr_assert_str_eq(a, "archive.tar (mft 7).gz");
	cr_assert_str_eq(b, ".bashrc (mft 8)");
	cr_assert_str_eq(c, "x (mft 9, 3).txt");
}

Test(index, children_stay_sorted_for_lookups)
{
	uint8_t *img = base_image();
	static const char *const names[] = { "zeta.txt", "tiny.txt", "alpha", "mu", "b" };
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		add(img, 16 + i, 2, 0, 5, 5, names[i]);
	Scan s;
	scan(&s, img, 0);
	cr_assert_null(s.index->lost_found, "no orphans: no lost+found");
	GPtrArray *kids = s.index->root->children;
	for (guint i = 1; i < kids->len; i++)
		cr_assert_lt(strcmp(((IndexNode *)g_ptr_array_index(kids, i - 1))->info.name,
				    ((IndexNode *)g_ptr_array_index(kids, i))->info.name), 0);
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		cr_assert_not_null(deleted_index_lookup_child(s.index, s.index->root, names[i]), "%s", names[i]);
	scan_free(&s);
}

Test(index, children_sort_by_strcmp_past_a_shared_prefix)
{
	uint8_t *img = base_image();
	/* More than one insertion run; names that share their first 8 bytes or more, end
	 * inside them, or hold bytes above 0x7f (strcmp compares them unsigned). */
	static const char *const names[] = {
		"report-2024-b.txt", "report-2024-a.txt", "report-2024", "report-2", "report",
		"\xc3\xa9t\xc3\xa9", "Zeta", "zeta", "a", "report-2024-a.txt.bak", "repository",
		"report-2024-b.txt", "longlonglong", "longlonglonf", "longlong", "longlon", "m", "n",
		"o", "p", "q", "r", "s", "report-2024-b.txt",
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		add(img, 39 - i, 2, 0, 5, 5, names[i]);
	Scan s;
	scan(&s, img, 0);
	GPtrArray *kids = s.index->root->children;
	cr_assert_eq(kids->len, G_N_ELEMENTS(names));
	for (guint i = 1; i < kids->len; i++)
		cr_assert_lt(strcmp(((IndexNode *)g_ptr_array_index(kids, i - 1))->info.name,
				    ((IndexNode *)g_ptr_array_index(kids, i))->info.name), 0);
	assert_path(&s, 16, "/report-2024-b.txt");
	assert_path(&s, 28, "/report-2024-b (mft 28).txt");
	assert_path(&s, 39, "/report-2024-b (mft 39).txt");
	assert_path(&s, 34, "/\xc3\xa9t\xc3\xa9");
	scan_free(&s);
}

Test(index, names_linux_cannot_hold_are_replaced)
{
	uint8_t *img = base_image();
	add(img, 16, 2, 0, 5, 5, "");
	add(img, 17, 2, 0, 5, 5, ".");
	add(img, 18, 2, 0, 5, 5, "..");
	GString *long_name = g_string_new(NULL); /* 200 units: fine on NTFS, 400+ bytes in UTF-8 */
	for (int i = 0; i < 195; i++)
		g_string_append(long_name, "\xc3\xa9");
	g_string_append(long_name, ".docx");
	FixtureRecord r;
	fixture_record_init(&r, 2, 0, 0);
	fixture_record_add_name(&r, 5, 5, long_name->str, 1);
	fixture_record_store(img, 19, &r);
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 16, "/(mft 16)");
	assert_path(&s, 17, "/(mft 17)");
	assert_path(&s, 18, "/(mft 18)");
	IndexNode *n = deleted_index_lookup(s.index, RFS_ENTRY_ID(19, 0));
	cr_assert(strlen(n->info.name) <= 255 && strlen(n->info.name) >= 250, "%zu bytes", strlen(n->info.name));
	cr_assert(g_str_has_suffix(n->info.name, " (mft 19).docx"), "%s", n->info.name);
	cr_assert(g_utf8_validate(n->info.name, -1, NULL), "cut at a character boundary");
	cr_assert_str_eq(n->info.file_name, long_name->str, "the on-disk name is kept");
	g_string_free(long_name, TRUE);
	scan_free(&s);
}

Test(index, a_stream_and_a_file_of_the_same_shown_name_both_stay_reachable)
{
	uint8_t *img = base_image();
	FixtureRecord r;
	static const uint16_t b[] = { 'b' };
	fixture_record_init(&r, 2, 0, 0);
	fixture_record_add_name(&r, 5, 5, "a", 1);
	fixture_record_add_resident(&r, 0x80, "main", 4, NULL, 0);
	fixture_record_add_resident(&r, 0x80, "stream", 6, b, 1);
	fixture_record_store(img, 20, &r);
	add(img, 21, 2, 0, 5, 5, "a:b"); /* POSIX names may hold a colon */
	Scan s;
	scan(&s, img, 0);
	IndexNode *stream = deleted_index_lookup(s.index, RFS_ENTRY_ID(20, 1));
	IndexNode *file = deleted_index_lookup(s.index, RFS_ENTRY_ID(21, 0));
	cr_assert_str_neq(stream->info.name, file->info.name);
	cr_assert_eq(deleted_index_lookup_child(s.index, s.index->root, stream->info.name), stream);
	cr_assert_eq(deleted_index_lookup_child(s.index, s.index->root, file->info.name), file);
	scan_free(&s);
}

Test(index, a_loop_is_cut_on_the_loop_keeping_what_hangs_below)
{
	uint8_t *img = base_image();
	add(img, 16, 2, 0, 17, 2, "inside-a.txt"); /* created before the loop's own records */
	add(img, 17, 2, IS_DIR, 18, 2, "loop-a");
	add(img, 18, 2, IS_DIR, 17, 2, "loop-b");
	add(img, 19, 2, 0, 17, 2, "also-in-a.txt");
	Scan s;
	scan(&s, img, 0);
	g_autofree char *p16 = path_of(&s, 16);
	g_autofree char *p19 = path_of(&s, 19);
	cr_assert(g_str_has_suffix(p16, "/loop-a/inside-a.txt"), "%s", p16);
	cr_assert(g_str_has_suffix(p19, "/loop-a/also-in-a.txt"), "%s", p19);
	cr_assert(g_str_has_prefix(p16, "/lost+found/"), "%s", p16);
	scan_free(&s);
}

Test(index, a_loop_is_cut_where_the_first_walk_into_it_meets_itself)
{
	uint8_t *img = base_image();
	add(img, 16, 2, 0, 18, 2, "inside.txt"); /* the first record: the walk starts here */
	add(img, 17, 2, IS_DIR, 19, 2, "loop-a");
	add(img, 18, 2, IS_DIR, 17, 2, "loop-b");
	add(img, 19, 2, IS_DIR, 18, 2, "loop-c");
	add(img, 21, 2, IS_DIR, 23, 2, "other-a"); /* a directory first: cut at itself */
	add(img, 22, 2, 0, 23, 2, "other.txt");
	add(img, 23, 2, IS_DIR, 21, 2, "other-b");
	Scan s;
	scan(&s, img, 0);
	assert_path(&s, 16, "/lost+found/loop-b/inside.txt");
	assert_path(&s, 17, "/lost+found/loop-b/loop-c/loop-a");
	assert_path(&s, 21, "/lost+found/other-a");
	assert_path(&s, 22, "/lost+found/other-a/other-b/other.txt");
	scan_free(&s);
}

Test(index, recoverable_percent_survives_forged_cluster_counts)
{
	RfsEntryInfo e = { .clusters = UINT32_MAX, .clusters_in_use = 1, .size_bytes = 1 };
	unsigned pct = rfs_entry_recoverable_percent(&e);
	cr_assert_eq(pct, 99, "one cluster reused in a huge file: %u, never 100", pct);
	e = (RfsEntryInfo){ .clusters = UINT32_MAX, .clusters_missing = UINT32_MAX, .size_bytes = 1 };
	cr_assert_leq(rfs_entry_recoverable_percent(&e), 100);
	e = (RfsEntryInfo){ .clusters = 4, .clusters_in_use = 1 };
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 75);
}

Test(index, cluster_counts_past_32_bits_are_held_at_the_maximum)
{
	/* A damaged volume's runlist can claim more clusters than NTFS numbers: 2^33 here. */
	uint8_t *img = base_image();
	FixtureRecord r;
	fixture_record_init(&r, 2, 0, 0);
	fixture_record_add_name(&r, 5, 5, "huge.bin", 1);
	const Run runs[] = { { 0, 100, 1ull << 32 }, { 1ull << 32, 200 + (1ull << 32), 1ull << 32 } };
	FixtureNonResident nr = { .last_vcn = (1ull << 33) - 1, .allocated_size = 1ull << 45,
				  .data_size = 1ull << 45, .initialized_size = 1ull << 45,
				  .runs = runs, .run_count = G_N_ELEMENTS(runs) };
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_record_store(img, 30, &r);
	Scan s;
	scan(&s, img, 0);
	IndexNode *n = deleted_index_lookup(s.index, RFS_ENTRY_ID(30, 0));
	cr_assert_not_null(n);
	cr_assert_eq(n->info.clusters, UINT32_MAX, "held, not wrapped: %" PRIu32, n->info.clusters);
	cr_assert_leq(n->info.clusters_in_use, n->info.clusters);
	cr_assert_leq(rfs_entry_recoverable_percent(&n->info), 100);
	scan_free(&s);
}

Test(index, state_follows_the_disjoint_cluster_counts)
{
	RfsEntryInfo e = { .clusters = 10, .size_bytes = 40960 };
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_INTACT);
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 100);
	e.clusters_contested = 2;
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_CONTESTED);
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 80, "contested clusters are not claimed");
	e.clusters_superseded = 3;
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_PARTLY_OVERWRITTEN);
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 50);
	e.clusters_in_use = 7, e.clusters_contested = 0;
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_OVERWRITTEN, "in use + superseded = all");
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 0);
	e = (RfsEntryInfo){ .clusters = 10, .clusters_missing = 5, .flags = RFS_ENTRY_INCOMPLETE };
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_INCOMPLETE);
	e.clusters_in_use = 1;
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_INCOMPLETE, "lost extents outrank a partial overwrite");
	e = (RfsEntryInfo){ .clusters = 4, .clusters_in_use = UINT32_MAX, .clusters_superseded = UINT32_MAX };
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_OVERWRITTEN, "forged counts saturate");
	cr_assert_eq(rfs_entry_recoverable_percent(&e), 0);
	e = (RfsEntryInfo){ .flags = RFS_ENTRY_DIRECTORY, .clusters_in_use = 3 };
	cr_assert_eq(rfs_entry_state(&e), RFS_STATE_INTACT);
	cr_assert_str_eq(rfs_entry_state_name(RFS_STATE_PARTLY_OVERWRITTEN), "partly-overwritten");
	cr_assert_str_eq(rfs_entry_state_name((RfsEntryState)99), "unknown");
}

/* A deleted file whose record carries $LogFile sequence number `lsn` and whose data lies in
 * clusters [lcn, lcn + count). */
static void add_claim(uint8_t *image, uint64_t number, const char *name, uint64_t lsn, uint64_t lcn,
		      uint64_t count)
{
	FixtureRecord r;
	fixture_record_init(&r, 2, 0, 0);
	le64_put(r.buf + 0x08, lsn);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_add_name(&r, 5, 5, name, 1);
	Run run = { 0, lcn, count };
	FixtureNonResident nr = { .last_vcn = count - 1, .allocated_size = count * 4096,
				  .data_size = count * 4096, .initialized_size = count * 4096,
				  .runs = &run, .run_count = 1 };
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_record_store(image, number, &r);
}

Test(index, clusters_two_deleted_files_claim_go_to_the_later_writer)
{
	uint8_t *img = base_image();
	add_claim(img, 30, "older.bin", 10, 6, 2);  /* clusters 6-7 */
	add_claim(img, 31, "newer.bin", 20, 7, 2);  /* 7-8: took cluster 7 after older.bin */
	add_claim(img, 32, "no-lsn.bin", 0, 8, 2);  /* 8-9: no LSN and no times: order unknown */
	add_claim(img, 33, "alone.bin", 5, 4, 1);
	Scan s;
	s.src = mem_source_new(img, (size_t)RECORDS * FIXTURE_RECORD_SIZE);
	s.vol = mem_volume_new(s.src, FIXTURE_RECORD_SIZE, 4096);
	volume_set_bitmap(s.vol, g_malloc0(2), 2); /* every cluster free */
	s.index = deleted_index_new();
	cr_assert(mft_scan_run(s.vol, s.index, 0, NULL, NULL, NULL));
	const RfsEntryInfo *older = &deleted_index_lookup(s.index, RFS_ENTRY_ID(30, 0))->info;
	const RfsEntryInfo *newer = &deleted_index_lookup(s.index, RFS_ENTRY_ID(31, 0))->info;
	const RfsEntryInfo *no_lsn = &deleted_index_lookup(s.index, RFS_ENTRY_ID(32, 0))->info;
	const RfsEntryInfo *alone = &deleted_index_lookup(s.index, RFS_ENTRY_ID(33, 0))->info;
	cr_assert_eq(older->clusters_superseded, 1);
	cr_assert_eq(older->clusters_contested, 0);
	cr_assert_eq(rfs_entry_state(older), RFS_STATE_PARTLY_OVERWRITTEN);
	cr_assert_eq(rfs_entry_recoverable_percent(older), 50);
	cr_assert_eq(newer->clusters_superseded, 0);
	cr_assert_eq(newer->clusters_contested, 1);
	cr_assert_eq(no_lsn->clusters_contested, 1);
	cr_assert_eq(rfs_entry_state(no_lsn), RFS_STATE_CONTESTED);
	cr_assert_lt(rfs_entry_recoverable_percent(newer), 100);
	cr_assert_eq(rfs_entry_recoverable_percent(alone), 100);
	const RfsScanStats *st = &s.index->stats;
	cr_assert_eq(st->by_state[RFS_STATE_PARTLY_OVERWRITTEN], 1);
	cr_assert_eq(st->by_state[RFS_STATE_CONTESTED], 2, "counted after the claims");
	cr_assert_eq(st->by_state[RFS_STATE_INTACT], 1);
	scan_free(&s);
}

Test(index, a_deleted_directory_s_index_blocks_claim_clusters_too)
{
	uint8_t *img = base_image();
	add_claim(img, 30, "old.bin", 40, 2, 2); /* clusters 2-3 */
	FixtureRecord r;                         /* a directory deleted after old.bin */
	fixture_record_init(&r, 2, IS_DIR, 0);
	le64_put(r.buf + 0x08, 50);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_add_name(&r, 5, 5, "gone", 1);
	static const uint16_t i30[] = { '$', 'I', '3', '0' };
	Run run = { 0, 3, 1 };
	FixtureNonResident nr = { .allocated_size = 4096, .data_size = 4096, .initialized_size = 4096,
				  .runs = &run, .run_count = 1, .name = i30, .name_length = 4 };
	fixture_record_add_non_resident(&r, 0xA0, &nr);
	fixture_record_store(img, 31, &r);
	Scan s;
	s.src = mem_source_new(img, (size_t)RECORDS * FIXTURE_RECORD_SIZE);
	s.vol = mem_volume_new(s.src, FIXTURE_RECORD_SIZE, 4096);
	volume_set_bitmap(s.vol, g_malloc0(2), 2);
	s.index = deleted_index_new();
	cr_assert(mft_scan_run(s.vol, s.index, 0, NULL, NULL, NULL));
	const RfsEntryInfo *old = &deleted_index_lookup(s.index, RFS_ENTRY_ID(30, 0))->info;
	const RfsEntryInfo *dir = &deleted_index_lookup(s.index, RFS_ENTRY_ID(31, 0))->info;
	cr_assert_eq(old->clusters_superseded, 1);
	cr_assert_eq(rfs_entry_recoverable_percent(old), 50);
	cr_assert_eq(dir->clusters_superseded + dir->clusters_contested, 0, "a directory has no data counts");
	cr_assert_eq(rfs_entry_state(dir), RFS_STATE_INTACT);
	scan_free(&s);
}
