/* Name claims and their use in the path tree: the store's fixed order between claims of
 * one reference, the claims it refuses, and on hand-made MFTs the rules of path_traces.c:
 * matching by record and sequence, never over a record's own $FILE_NAME, folders rebuilt
 * from chains of claims, loops and dead ends, ghosts; and claims read from a root's slack. */
#include <criterion/criterion.h>
#include <glib.h>

#include "fixture_index.h"
#include "fixture_record.h"
#include "index/deleted_index.h"
#include "index/index_traces.h"
#include "index/mft_scan.h"
#include "index/name_claims.h"
#include "mem_source.h"

enum { RECORDS = 40, IN_USE = 1, IS_DIR = 2 };

static const RfsPathSource INDEX = RFS_PATH_SOURCE_INDEX, SLACK = RFS_PATH_SOURCE_INDEX_SLACK,
			   CARVED = RFS_PATH_SOURCE_CARVED_INDEX;

static FileName fn_in(uint64_t parent, uint16_t parent_seq, int64_t time)
{
	return (FileName){ .parent = { parent, parent_seq }, .creation = time, .last_write = time,
			   .mft_change = time, .last_access = time, .data_size = 1234,
			   .allocated_size = 4096, .file_attributes = 0x20, .name_space = FILE_NAME_WIN32 };
}

static bool claim(NameClaims *c, uint64_t rec, uint16_t seq, uint64_t parent, uint16_t parent_seq,
		  const char *name, RfsPathSource source, int64_t time)
{
	FileName fn = fn_in(parent, parent_seq, time);
	return name_claims_add(c, (MftRef){ rec, seq }, &fn, name, source);
}

/* ---- the store ------------------------------------------------------------------------ */

Test(name_claims, the_same_claim_wins_in_every_order)
{
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					  { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	for (int o = 0; o < 6; o++) {
		g_autoptr(NameClaims) c = name_claims_new();
		for (int k = 0; k < 3; k++) {
			switch (orders[o][k]) {
			case 0: claim(c, 20, 1, 5, 5, "slack-newer", SLACK, 900); break;
			case 1: claim(c, 20, 1, 5, 5, "live", INDEX, 100); break;
			case 2: claim(c, 20, 1, 5, 5, "carved", CARVED, 999); break;
			}
		}
		const NameClaim *w = name_claims_lookup(c, (MftRef){ 20, 1 });
		cr_assert_not_null(w);
		cr_assert_str_eq(w->name, "live", "order %d", o);
		cr_assert_eq(w->source, INDEX);
		cr_assert_eq(name_claims_count(c), 1);
		cr_assert_eq(name_claims_offered(c), 3);
	}
}

Test(name_claims, within_a_source_newest_time_then_lowest_name)
{
	g_autoptr(NameClaims) c = name_claims_new();
	claim(c, 20, 1, 5, 5, "old", SLACK, 100);
	claim(c, 20, 1, 5, 5, "new", SLACK, 200);
	cr_assert_str_eq(name_claims_lookup(c, (MftRef){ 20, 1 })->name, "new");
	claim(c, 21, 1, 5, 5, "b", SLACK, 100);
	claim(c, 21, 1, 5, 5, "a", SLACK, 100);
	claim(c, 21, 1, 5, 5, "c", SLACK, 100);
	cr_assert_str_eq(name_claims_lookup(c, (MftRef){ 21, 1 })->name, "a");
}

Test(name_claims, a_dos_name_loses_to_any_long_name)
{
	g_autoptr(NameClaims) c = name_claims_new();
	FileName dos = fn_in(5, 5, 500);
	dos.name_space = FILE_NAME_DOS;
	name_claims_add(c, (MftRef){ 20, 1 }, &dos, "LONGNA~1.TXT", INDEX);
	claim(c, 20, 1, 5, 5, "long name.txt", CARVED, 100);
	cr_assert_str_eq(name_claims_lookup(c, (MftRef){ 20, 1 })->name, "long name.txt");
}

Test(name_claims, refuses_claims_that_cannot_name_anything)
{
	g_autoptr(NameClaims) c = name_claims_new();
	cr_assert_not(claim(c, 3, 1, 5, 5, "meta", INDEX, 1), "a metadata record");
	cr_assert_not(claim(c, 20, 1, 20, 1, "self", INDEX, 1), "its own parent");
	cr_assert_not(claim(c, 20, 1, 7, 7, "meta parent", INDEX, 1), "a metadata parent");
	cr_assert_not(claim(c, 20, 1, UINT64_MAX, 1, "huge parent", INDEX, 1));
	cr_assert_not(claim(c, UINT64_C(1) << 48, 1, 5, 5, "huge", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, "", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, ".", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, "..", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, "a/b", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, "\xff\xfe", INDEX, 1));
	cr_assert_not(claim(c, 20, 1, 5, 5, NULL, INDEX, 1));
	cr_assert_eq(name_claims_count(c), 0);
	cr_assert(claim(c, 20, 1, 5, 5, "ok", INDEX, 1));
}

Test(name_claims, lookup_needs_record_and_sequence)
{
	g_autoptr(NameClaims) c = name_claims_new();
	claim(c, 20, 3, 5, 5, "x", INDEX, 1);
	claim(c, 19, 1, 5, 5, "y", INDEX, 1);
	cr_assert_null(name_claims_lookup(c, (MftRef){ 20, 2 }));
	cr_assert_null(name_claims_lookup(c, (MftRef){ 20, 4 }));
	cr_assert_null(name_claims_lookup(NULL, (MftRef){ 20, 3 }));
	cr_assert_not_null(name_claims_lookup(c, (MftRef){ 20, 3 }));
	g_autoptr(GPtrArray) sorted = name_claims_sorted(c);
	cr_assert_eq(sorted->len, 2);
	cr_assert_eq(((NameClaim *)g_ptr_array_index(sorted, 0))->child.record, 19);
}

/* ---- in the path tree ------------------------------------------------------------------ */

typedef struct {
	BlockSource *src;
	Volume *vol;
	DeletedIndex *index;
	MftScan *scan;
} Scan;

static void add(uint8_t *image, uint64_t number, uint16_t seq, uint16_t flags, uint64_t parent,
		uint16_t parent_seq, const char *name)
{
	FixtureRecord r;
	fixture_record_init(&r, seq, flags, 0);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	if (name != NULL)
		fixture_record_add_name(&r, parent, parent_seq, name, 1);
	if (!(flags & IS_DIR))
		fixture_record_add_resident(&r, 0x80, "data", 4, NULL, 0);
	fixture_record_store(image, number, &r);
}

static uint8_t *base_image(void)
{
	uint8_t *image = g_malloc0((size_t)RECORDS * FIXTURE_RECORD_SIZE);
	add(image, 5, 5, IN_USE | IS_DIR, 5, 5, ".");
	return image;
}

/* Scans the MFT; the caller adds claims, then scan_finish links the tree. */
static void scan_start(Scan *s, uint8_t *image)
{
	s->src = mem_source_new(image, (size_t)RECORDS * FIXTURE_RECORD_SIZE);
	s->vol = mem_volume_new(s->src, FIXTURE_RECORD_SIZE, 4096);
	s->index = deleted_index_new();
	s->scan = mft_scan_new(s->vol, s->index, 0);
	g_autoptr(GError) error = NULL;
	cr_assert(mft_scan_records(s->scan, NULL, NULL, &error), "%s", error ? error->message : "");
}

static void scan_finish(Scan *s)
{
	cr_assert(mft_scan_finish(s->scan, NULL));
}

static void scan_free(Scan *s)
{
	mft_scan_free(s->scan);
	deleted_index_free(s->index);
	volume_free(s->vol);
	block_source_close(s->src);
}

static char *path_of_id(Scan *s, RfsEntryId id)
{
	IndexNode *n = deleted_index_lookup(s->index, id);
	if (n == NULL)
		return g_strdup("(absent)");
	GString *out = g_string_new(NULL);
	for (; n != NULL && n != s->index->root; n = n->parent)
		g_string_prepend(g_string_prepend(out, n->info.name), "/");
	return g_string_free(out, FALSE);
}

#define assert_path(s, number, expect)                                                   \
	do {                                                                             \
		g_autofree char *p_ = path_of_id(s, RFS_ENTRY_ID(number, 0));            \
		cr_assert_str_eq(p_, expect, "record %d: %s", (int)(number), p_);        \
	} while (0)

#define GHOST_ID(record, k) RFS_ENTRY_ID_IN(RFS_ORIGIN_GHOST(k), record, 0)

Test(path_traces, a_reused_folder_comes_back_from_its_claim)
{
	uint8_t *img = base_image();
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "new-file"); /* the folder's record, now a file */
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 21, 1, 5, 5, "docs", SLACK, 100);
	scan_finish(&s);
	assert_path(&s, 20, "/docs/c.txt");
	IndexNode *dir = deleted_index_lookup(s.index, GHOST_ID(21, 0));
	cr_assert_not_null(dir);
	cr_assert_eq(dir->info.flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_GHOST),
		     RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED);
	cr_assert_eq(dir->info.path_source, SLACK);
	cr_assert_eq(dir->info.sequence, 1);
	cr_assert_eq(deleted_index_lookup(s.index, RFS_ENTRY_ID(20, 0))->info.path_source, RFS_PATH_SOURCE_MFT);
	cr_assert_eq(s.index->stats.orphans, 0);
	cr_assert_eq(s.index->stats.paths_from_traces, 2);
	cr_assert_eq(s.index->stats.ghosts, 0, "a folder claim is not a ghost");
	scan_free(&s);
}

Test(path_traces, a_chain_of_claims_rebuilds_a_branch)
{
	uint8_t *img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "home");
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "f1");
	add(img, 22, 4, IN_USE, 5, 5, "f2");
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 21, 1, 22, 3, "b", SLACK, 100);
	claim(s.index->name_claims, 22, 3, 16, 1, "a", CARVED, 100);
	scan_finish(&s);
	assert_path(&s, 20, "/home/a/b/c.txt");
	cr_assert_eq(s.index->stats.orphans, 0);
	scan_free(&s);
}

Test(path_traces, a_claim_of_another_sequence_does_not_count)
{
	uint8_t *img = base_image();
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 3, IN_USE, 5, 5, "new-file");
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 21, 2, 5, 5, "wrong", INDEX, 100);
	claim(s.index->name_claims, 21, 0, 5, 5, "wrong", INDEX, 100);
	scan_finish(&s);
	assert_path(&s, 20, "/lost+found/c.txt");
	cr_assert_eq(s.index->stats.orphans, 1);
	/* They describe files that record 21 held before: ghosts, not this parent. */
	cr_assert_eq(s.index->stats.ghosts, 2);
	scan_free(&s);
}

Test(path_traces, a_claim_never_overrides_the_record_s_own_name)
{
	uint8_t *img = base_image();
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 17, 2, 0, 16, 1, "own.txt");
	add(img, 18, 3, IS_DIR, 16, 1, "folder"); /* deleted: freed from sequence 2 */
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 17, 2, 5, 5, "other.txt", INDEX, 900);
	claim(s.index->name_claims, 17, 1, 5, 5, "older.txt", INDEX, 900);
	claim(s.index->name_claims, 18, 2, 5, 5, "other-folder", INDEX, 900);
	scan_finish(&s);
	assert_path(&s, 17, "/docs/own.txt");
	assert_path(&s, 18, "/docs/folder");
	cr_assert_eq(deleted_index_lookup(s.index, RFS_ENTRY_ID(17, 0))->info.path_source, RFS_PATH_SOURCE_MFT);
	cr_assert_eq(s.index->stats.ghosts, 0, "record 17 still describes its file");
	cr_assert_eq(s.index->stats.paths_from_traces, 0);
	scan_free(&s);
}

Test(path_traces, a_folder_without_file_name_is_named_by_its_claim)
{
	uint8_t *img = base_image();
	add(img, 24, 3, IS_DIR, 0, 0, NULL); /* deleted (2 -> 3), its $FILE_NAME gone */
	add(img, 25, 2, 0, 24, 2, "e.txt");
	add(img, 26, 2, 0, 24, 2, "f.txt");
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 24, 2, 5, 5, "named", SLACK, 100);
	scan_finish(&s);
	assert_path(&s, 24, "/named");
	assert_path(&s, 25, "/named/e.txt");
	assert_path(&s, 26, "/named/f.txt");
	IndexNode *dir = deleted_index_lookup(s.index, RFS_ENTRY_ID(24, 0));
	cr_assert_eq(dir->info.path_source, SLACK);
	cr_assert_str_eq(dir->info.file_name, "named");
	cr_assert_eq(s.index->stats.orphans, 0);
	cr_assert_eq(s.index->stats.paths_from_traces, 3);
	scan_free(&s);
}

Test(path_traces, a_nameless_folder_without_claim_keeps_its_children)
{
	uint8_t *img = base_image();
	add(img, 24, 3, IS_DIR, 0, 0, NULL);
	add(img, 25, 2, 0, 24, 2, "e.txt");
	Scan s;
	scan_start(&s, img);
	scan_finish(&s);
	assert_path(&s, 25, "/lost+found/record-24/e.txt");
	scan_free(&s);
}

Test(path_traces, a_loop_of_claims_is_cut)
{
	uint8_t *img = base_image();
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "f1");
	add(img, 22, 2, IN_USE, 5, 5, "f2");
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 21, 1, 22, 1, "x", SLACK, 100);
	claim(s.index->name_claims, 22, 1, 21, 1, "y", SLACK, 100);
	scan_finish(&s);
	g_autofree char *p = path_of_id(&s, RFS_ENTRY_ID(20, 0));
	cr_assert(g_str_has_prefix(p, "/lost+found/") && g_str_has_suffix(p, "/x/c.txt"), "%s", p);
	cr_assert(deleted_index_lookup(s.index, RFS_ENTRY_ID(20, 0))->info.flags & RFS_ENTRY_ORPHAN);
	scan_free(&s);
}

Test(path_traces, a_chain_that_never_reaches_the_root_keeps_what_is_known)
{
	uint8_t *img = base_image();
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "f1");
	Scan s;
	scan_start(&s, img);
	claim(s.index->name_claims, 21, 1, 33, 7, "lost", SLACK, 100);
	scan_finish(&s);
	assert_path(&s, 20, "/lost+found/lost/c.txt");
	cr_assert_eq(s.index->stats.orphans, 2, "the folder and its file");
	scan_free(&s);
}

Test(path_traces, ghosts_only_for_records_that_now_hold_something_else)
{
	uint8_t *img = base_image();
	add(img, 26, 2, IN_USE, 5, 5, "reused");  /* claim (26, 1): a ghost */
	add(img, 27, 2, 0, 5, 5, "deleted.txt");  /* claim (27, 1): this deleted record */
	add(img, 28, 3, IN_USE, 5, 5, "live.txt"); /* claim (28, 3): still this live file */
	Scan s;
	scan_start(&s, img);
	NameClaims *c = s.index->name_claims;
	claim(c, 26, 1, 5, 5, "gone.txt", SLACK, 123456);
	claim(c, 27, 1, 5, 5, "deleted.txt", SLACK, 1);
	claim(c, 28, 3, 5, 5, "old-name.txt", SLACK, 1);
	claim(c, 39, 9, 5, 5, "never.txt", SLACK, 1); /* a record that never held a file */
	scan_finish(&s);
	cr_assert_eq(s.index->stats.ghosts, 1);
	IndexNode *g = deleted_index_lookup(s.index, GHOST_ID(26, 0));
	cr_assert_not_null(g);
	cr_assert_str_eq(g->info.name, "gone.txt");
	cr_assert(g->info.flags & RFS_ENTRY_GHOST);
	cr_assert(g->info.flags & RFS_ENTRY_REMOVED);
	cr_assert_eq(g->info.size_bytes, 1234);
	cr_assert_eq(g->info.fn_times.last_write, 123456);
	cr_assert_eq(g->info.sequence, 1);
	cr_assert_eq(g->info.path_source, SLACK);
	cr_assert_eq(rfs_entry_recoverable_percent(&g->info), 0);
	cr_assert_eq(rfs_entry_state(&g->info), RFS_STATE_INCOMPLETE);
	g_autofree char *p = path_of_id(&s, GHOST_ID(26, 0));
	cr_assert_str_eq(p, "/gone.txt");
	cr_assert_null(deleted_index_lookup(s.index, GHOST_ID(27, 0)));
	cr_assert_null(deleted_index_lookup(s.index, GHOST_ID(28, 0)));
	cr_assert_eq(s.index->stats.by_state[RFS_STATE_INCOMPLETE], 0, "ghosts are not deleted files");
	scan_free(&s);
}

/* The root's $INDEX_ROOT: one live entry and, in its slack, the entry of a folder whose
 * record now holds a file. */
Test(path_traces, a_root_s_slack_names_a_reused_folder)
{
	uint8_t *img = base_image();
	uint8_t value[FIXTURE_INDEX_ROOT_MAX] = { 0 };
	size_t n = fixture_index_entry(value + 0x20, 0x0001000000000010, 0x0005000000000005, "docs", 1, 0, 0);
	n += fixture_index_end(value + 0x20 + n, ~(uint64_t)0);
	size_t stale = fixture_index_entry(value + 0x20 + n, 0x0001000000000015, 0x0005000000000005, "gone", 1, 0, 0);
	size_t size = fixture_index_root(value, n, false);
	le32_put(value + 0x18, (uint32_t)(0x10 + n + stale)); /* allocated: the slack follows */
	size += stale;
	FixtureRecord r;
	fixture_record_init(&r, 5, IN_USE | IS_DIR, 0);
	uint8_t si[0x48] = { 0 };
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_add_name(&r, 5, 5, ".", 1);
	static const uint16_t i30[] = { '$', 'I', '3', '0' };
	fixture_record_add_resident(&r, 0x90, value, (uint32_t)size, i30, 4);
	fixture_record_store(img, 5, &r);
	add(img, 16, 1, IN_USE | IS_DIR, 5, 5, "docs");
	add(img, 20, 2, 0, 21, 1, "c.txt");
	add(img, 21, 2, IN_USE, 5, 5, "new-file");
	Scan s;
	scan_start(&s, img);
	scan_finish(&s);
	assert_path(&s, 20, "/gone/c.txt");
	cr_assert_eq(deleted_index_lookup(s.index, GHOST_ID(21, 0))->info.path_source, SLACK);
	scan_free(&s);
}

/* Hostile index nodes: every truncation of a block and of a root, and a block of noise,
 * give claims or nothing, never a crash (run under ASan by the sanitizer build). */
Test(index_traces, truncated_and_noisy_nodes)
{
	FixtureIndexBlock b;
	fixture_index_block_init(&b, 0);
	fixture_index_block_add(&b, 0x0001000000000020, "a.txt", 0, 0);
	fixture_index_block_add(&b, 0x0001000000000021, "b.txt", 0, 0);
	fixture_index_block_end(&b);
	g_autoptr(NameClaims) c = name_claims_new();
	cr_assert_eq(index_traces_add_node(c, b.buf, sizeof b.buf, true, INDEX), 2);
	cr_assert_str_eq(name_claims_lookup(c, (MftRef){ 0x20, 1 })->name, "a.txt");
	for (size_t len = 0; len < sizeof b.buf; len += 7)
		(void)index_traces_add_node(c, b.buf, len, true, INDEX);
	g_autofree uint8_t *noise = g_malloc(sizeof b.buf);
	GRand *rand = g_rand_new_with_seed(11);
	for (int round = 0; round < 50; round++) {
		memcpy(noise, b.buf, sizeof b.buf);
		for (int k = 0; k < 64; k++)
			noise[g_rand_int_range(rand, 0, sizeof b.buf)] = (uint8_t)g_rand_int(rand);
		(void)index_traces_add_node(c, noise, sizeof b.buf, true, INDEX);
		(void)index_traces_add_node(c, noise + 0x18, 0x400, false, INDEX);
	}
	g_rand_free(rand);
	cr_assert_geq(name_claims_count(c), 2);
}

Test(name_claims, unreferenced_claims_by_creation_time_unless_ambiguous)
{
	g_autoptr(NameClaims) c = name_claims_new();
	FileName fn = fn_in(5, 5, 777);
	cr_assert(name_claims_add_unreferenced(c, &fn, "a", SLACK));
	cr_assert(name_claims_add_unreferenced(c, &fn, "a", SLACK), "the same key again");
	cr_assert_str_eq(name_claims_lookup_by_creation(c, 777)->name, "a");
	cr_assert_eq(name_claims_count(c), 0, "no reference claimed");
	g_autoptr(GPtrArray) sorted = name_claims_sorted(c);
	cr_assert_eq(sorted->len, 0);
	fn.creation = 0;
	cr_assert_not(name_claims_add_unreferenced(c, &fn, "zero", SLACK));
	cr_assert_null(name_claims_lookup_by_creation(c, 0));
	fn = fn_in(5, 5, 888);
	name_claims_add_unreferenced(c, &fn, "x", SLACK);
	name_claims_add_unreferenced(c, &fn, "y", SLACK);
	cr_assert_null(name_claims_lookup_by_creation(c, 888), "two names, one time: ambiguous");
}

Test(path_traces, a_nameless_folder_matched_by_an_unreferenced_key_s_creation_time)
{
	uint8_t *img = base_image();
	FixtureRecord r;
	fixture_record_init(&r, 3, IS_DIR, 0); /* deleted, no $FILE_NAME */
	uint8_t si[0x48] = { 0 };
	le64_put(si, 4242); /* $STANDARD_INFORMATION creation */
	fixture_record_add_resident(&r, 0x10, si, sizeof si, NULL, 0);
	fixture_record_store(img, 24, &r);
	add(img, 25, 2, 0, 24, 2, "e.txt");
	Scan s;
	scan_start(&s, img);
	FileName fn = fn_in(5, 5, 4242);
	fn.file_attributes = NAME_CLAIM_DIRECTORY_ATTRIBUTE;
	name_claims_add_unreferenced(s.index->name_claims, &fn, "by-time", SLACK);
	fn = fn_in(5, 5, 4242 + 1);
	name_claims_add_unreferenced(s.index->name_claims, &fn, "off-by-100ns", SLACK);
	scan_finish(&s);
	assert_path(&s, 25, "/by-time/e.txt");
	scan_free(&s);
}
