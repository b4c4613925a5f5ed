/* $I30 index entries: built INDX blocks and $INDEX_ROOT values with live and stale entries,
 * the roots of Windows-written MFTs against their fls listings, INDX blocks of an image
 * written by ntfs-3g, and hostile lengths everywhere. */
#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "fixture_index.h"
#include "ntfs/fixup.h"
#include "ntfs/index_entry.h"
#include "test_fixtures.h"
#include "util/error.h"
#include "util/utf16.h"

#ifndef RFS_UNIT_DATA_DIR
#define RFS_UNIT_DATA_DIR ""
#endif

typedef struct {
	IndexEntry entries[64];
	char *names[64];
	size_t count;
	size_t stop_after; /* 0 = never */
} Claims;

static bool collect(const IndexEntry *entry, void *user_data)
{
	Claims *c = user_data;
	cr_assert(c->count < G_N_ELEMENTS(c->entries));
	c->entries[c->count] = *entry;
	c->names[c->count] = utf16_to_utf8_name(entry->file_name.name, entry->file_name.name_length);
	c->count++;
	return c->stop_after == 0 || c->count < c->stop_after;
}

static void claims_clear(Claims *c)
{
	for (size_t i = 0; i < c->count; i++)
		g_free(c->names[i]);
	memset(c, 0, sizeof *c);
}

/* A block with live entries a, b (with a subnode), c, and two stale entries after the end
 * marker, where a deletion that shifted the entries left them. */
static void build_block(FixtureIndexBlock *b, size_t stale_at[2])
{
	fixture_index_block_init(b, 3);
	fixture_index_block_add(b, 0x0001000000000040, "a.txt", 0, 0);
	fixture_index_block_add(b, 0x0002000000000041, "b.txt", 0x01, 7);
	fixture_index_block_add(b, 0x0001000000000042, "c.txt", 0, 0);
	fixture_index_block_end(b);
	stale_at[0] = b->used + 0x48; /* past the remains of a shifted entry */
	size_t len = fixture_index_entry(b->buf + stale_at[0], 0x0003000000000050, 0x0005000000000005,
					 "deleted-one.doc", 1, 0, 0);
	stale_at[1] = stale_at[0] + len;
	fixture_index_entry(b->buf + stale_at[1], 0x0001000000000051, 0x0005000000000005, "GONE~1.DOC",
			    2, 0x01, 9);
}

Test(index_entry, block_live_and_slack)
{
	FixtureIndexBlock b;
	size_t stale_at[2];
	build_block(&b, stale_at);
	fixture_index_block_protect(&b);
	size_t size = 0;
	cr_assert(index_entry_block_probe(byte_span(b.buf, sizeof b.buf), &size));
	cr_assert_eq(size, FIXTURE_INDEX_BLOCK_SIZE);

	IndexNode node;
	g_autoptr(GError) error = NULL;
	cr_assert(index_entry_block_decode(b.buf, sizeof b.buf, &node, &error), "%s",
		  error ? error->message : "");
	cr_assert(node.is_block);
	cr_assert_eq(node.vcn, 3);
	cr_assert_eq(node.entries_offset, FIXTURE_INDEX_FIRST_ENTRY);
	Claims c = { 0 };
	cr_assert(index_entry_foreach(&node, collect, &c, &error));
	cr_assert_eq(c.count, 5);
	const char *want[] = { "a.txt", "b.txt", "c.txt", "deleted-one.doc", "GONE~1.DOC" };
	for (size_t i = 0; i < 5; i++) {
		cr_assert_str_eq(c.names[i], want[i]);
		cr_assert_eq(c.entries[i].in_slack, i >= 3);
		cr_assert_eq(c.entries[i].file_name.parent.record, 5);
		cr_assert_eq(c.entries[i].file_name.creation, FIXTURE_INDEX_TIME);
		cr_assert_eq(c.entries[i].file_name.last_access, FIXTURE_INDEX_TIME + 3);
		cr_assert_eq(c.entries[i].file_name.data_size, strlen(want[i]) * 100);
	}
	cr_assert_eq(c.entries[0].offset, FIXTURE_INDEX_FIRST_ENTRY);
	cr_assert_eq(c.entries[1].child.record, 0x41);
	cr_assert_eq(c.entries[1].child.sequence, 2);
	cr_assert_eq(c.entries[1].subnode_vcn, 7);
	cr_assert_eq(c.entries[3].offset, stale_at[0]);
	cr_assert_eq(c.entries[3].child.record, 0x50);
	cr_assert_eq(c.entries[3].child.sequence, 3);
	cr_assert_eq(c.entries[4].offset, stale_at[1]);
	cr_assert_eq(c.entries[4].file_name.name_space, 2);
	cr_assert_eq(c.entries[4].subnode_vcn, 0);
	claims_clear(&c);

	c.stop_after = 2; /* the callback ends the walk */
	cr_assert(index_entry_foreach(&node, collect, &c, &error));
	cr_assert_eq(c.count, 2);
	claims_clear(&c);
}

Test(index_entry, root_entries_and_subnode_only_root)
{
	uint8_t value[FIXTURE_INDEX_ROOT_MAX] = { 0 };
	size_t n = fixture_index_entry(value + 0x20, 0x0001000000000030, 0x0001000000000024, "x", 0, 0, 0);
	n += fixture_index_entry(value + 0x20 + n, 0x0001000000000031, 0x0001000000000024, "y", 3, 0, 0);
	n += fixture_index_end(value + 0x20 + n, ~(uint64_t)0);
	size_t size = fixture_index_root(value, n, false);
	IndexNode node;
	g_autoptr(GError) error = NULL;
	cr_assert(index_entry_root_parse(byte_span(value, size), &node, &error));
	cr_assert_not(node.is_block);
	cr_assert_eq(node.block_size_bytes, 4096);
	Claims c = { 0 };
	cr_assert(index_entry_foreach(&node, collect, &c, &error));
	cr_assert_eq(c.count, 2);
	cr_assert_str_eq(c.names[1], "y");
	cr_assert_eq(c.entries[0].offset, 0x20);
	cr_assert_eq(c.entries[1].file_name.parent.record, 0x24);
	claims_clear(&c);

	n = fixture_index_end(value + 0x20, 0); /* a large directory: the root only points down */
	size = fixture_index_root(value, n, true);
	cr_assert(index_entry_root_parse(byte_span(value, size), &node, &error));
	cr_assert(node.has_children);
	cr_assert(index_entry_foreach(&node, collect, &c, &error));
	cr_assert_eq(c.count, 0);
}

Test(index_entry, root_hostile)
{
	uint8_t value[FIXTURE_INDEX_ROOT_MAX] = { 0 };
	size_t n = fixture_index_entry(value + 0x20, 0x30, 5, "x", 0, 0, 0);
	n += fixture_index_end(value + 0x20 + n, ~(uint64_t)0);
	size_t size = fixture_index_root(value, n, false);
	IndexNode node;
	for (size_t cut = 0; cut < size; cut++) {
		g_autoptr(GError) error = NULL;
		cr_assert_not(index_entry_root_parse(byte_span(value, cut), &node, &error), "cut %zu", cut);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	}
	le32_put(value, 0x80); /* an index over another attribute */
	g_autoptr(GError) error = NULL;
	cr_assert_not(index_entry_root_parse(byte_span(value, size), &node, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
}

/* Index header fields (relative to its start at 0x18) that must be refused. */
Test(index_entry, block_header_hostile)
{
	const struct { uint32_t entries, used, allocated; } bad[] = {
		{ 0x08, 0x100, 0xFE8 },       /* entries inside the header */
		{ 0x2C, 0x100, 0xFE8 },       /* not 8-byte aligned */
		{ 0x200, 0x100, 0xFE8 },      /* entries past the used size */
		{ 0x28, 0xFF0, 0xFE8 },       /* used past allocated */
		{ 0x28, 0x100, 0xFF0 },       /* allocated past the block */
		{ 0x28, 0xFFFFFFFF, 0xFFFFFFFF },
		{ 0xFFFFFFF8, 0xFFFFFFF8, 0xFFFFFFF8 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		FixtureIndexBlock b;
		size_t stale_at[2];
		build_block(&b, stale_at);
		le32_put(b.buf + 0x18, bad[i].entries);
		le32_put(b.buf + 0x1C, bad[i].used);
		le32_put(b.buf + 0x20, bad[i].allocated);
		size_t size = 0;
		IndexNode node;
		g_autoptr(GError) error = NULL;
		cr_assert_not(index_entry_block_parse(byte_span(b.buf, sizeof b.buf), &node, &error), "%zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		fixture_index_block_protect(&b);
		cr_assert_not(index_entry_block_probe(byte_span(b.buf, sizeof b.buf), &size), "%zu", i);
	}
}

Test(index_entry, block_truncated_at_every_length)
{
	FixtureIndexBlock b;
	size_t stale_at[2];
	build_block(&b, stale_at);
	for (size_t cut = 0; cut < sizeof b.buf; cut++) {
		IndexNode node;
		cr_assert_not(index_entry_block_parse(byte_span(b.buf, cut), &node, NULL), "cut %zu", cut);
		size_t size = 0;
		cr_assert_not(index_entry_block_probe(byte_span(b.buf, cut), &size));
	}
}

Test(index_entry, fixups_checked_and_block_kept_on_failure)
{
	FixtureIndexBlock b;
	size_t stale_at[2];
	build_block(&b, stale_at);
	fixture_index_block_protect(&b);
	b.buf[3 * 512 - 1] ^= 0xFF; /* a torn write in the fourth stride */
	uint8_t copy[FIXTURE_INDEX_BLOCK_SIZE];
	memcpy(copy, b.buf, sizeof copy);
	size_t size = 0;
	cr_assert_not(index_entry_block_probe(byte_span(b.buf, sizeof b.buf), &size));
	IndexNode node;
	g_autoptr(GError) error = NULL;
	cr_assert_not(index_entry_block_decode(b.buf, sizeof b.buf, &node, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert_eq(memcmp(copy, b.buf, sizeof copy), 0);

	const uint16_t counts[] = { 0, 1, 2, 130, 0xFFFF }; /* block sizes 0, 0, 512, 64.5 KiB, ... */
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
		build_block(&b, stale_at);
		fixture_index_block_protect(&b);
		le16_put(b.buf + 0x06, counts[i]);
		cr_assert_not(index_entry_block_probe(byte_span(b.buf, sizeof b.buf), &size), "%u", counts[i]);
	}
	const uint16_t offsets[] = { 0, 0x20, 0x29, 0x1F0, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
		build_block(&b, stale_at);
		fixture_index_block_protect(&b);
		le16_put(b.buf + 0x04, offsets[i]);
		cr_assert_not(index_entry_block_probe(byte_span(b.buf, sizeof b.buf), &size), "0x%x",
			      offsets[i]);
	}
}

Test(index_entry, probe_finds_blocks_in_a_sweep)
{
	size_t total = 64 * 1024;
	g_autofree uint8_t *area = g_malloc(total);
	for (size_t i = 0; i < total; i++)
		area[i] = (uint8_t)(i * 131 + 7);
	memcpy(area + 512, "INDX", 4); /* a signature with nothing valid behind it */
	FixtureIndexBlock b;
	size_t stale_at[2];
	build_block(&b, stale_at);
	fixture_index_block_protect(&b);
	memcpy(area + 8192, b.buf, sizeof b.buf);
	memcpy(area + total - 2048, b.buf, 2048); /* a block cut off by the end of the area */
	size_t found = 0, at = 0;
	for (size_t off = 0; off < total; off += 512) {
		size_t size = 0;
		if (index_entry_block_probe(byte_span(area + off, total - off), &size)) {
			found++;
			at = off;
			cr_assert_eq(size, FIXTURE_INDEX_BLOCK_SIZE);
		}
	}
	cr_assert_eq(found, 1);
	cr_assert_eq(at, 8192);
}

/* A damaged live entry ends the live walk with an error; earlier claims and the slack are
 * still delivered. */
Test(index_entry, live_entry_hostile)
{
	const struct { size_t field; uint16_t value; } bad[] = {
		{ 0x08, 0 },      /* entry length 0 */
		{ 0x08, 8 },      /* shorter than an entry header */
		{ 0x08, 0x6C },   /* not a multiple of 8 */
		{ 0x08, 0xF000 }, /* past the used size */
		{ 0x0A, 0x70 },   /* key past the entry */
		{ 0x0A, 0x30 },   /* key shorter than a $FILE_NAME */
		{ 0x0A, 0 },      /* no key, not the end */
		{ 0x50, 0x20 },   /* name length (u8 at key + 0x40) past the key */
		{ 0x51, 4 },      /* namespace */
		{ 0x50, 0 },      /* empty name */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		FixtureIndexBlock b;
		size_t stale_at[2];
		build_block(&b, stale_at);
		uint8_t *second = b.buf + FIXTURE_INDEX_FIRST_ENTRY + le16_at(b.buf + FIXTURE_INDEX_FIRST_ENTRY + 8);
		if (bad[i].field >= 0x50)
			second[bad[i].field] = (uint8_t)bad[i].value;
		else
			le16_put(second + bad[i].field, bad[i].value);
		IndexNode node;
		cr_assert(index_entry_block_parse(byte_span(b.buf, sizeof b.buf), &node, NULL));
		Claims c = { 0 };
		g_autoptr(GError) error = NULL;
		cr_assert_not(index_entry_foreach(&node, collect, &c, &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		cr_assert_eq(c.count, 3, "case %zu: %zu claims", i, c.count);
		cr_assert_str_eq(c.names[0], "a.txt");
		cr_assert(c.entries[1].in_slack && c.entries[2].in_slack);
		claims_clear(&c);
	}
}

/* Slack holds fragments: a stale entry whose header was overwritten still gives its
 * $FILE_NAME, without a child; a name that does not look written by NTFS gives nothing. */
Test(index_entry, slack_fragments)
{
	FixtureIndexBlock b;
	size_t stale_at[2];
	build_block(&b, stale_at);
	uint8_t *s = b.buf + stale_at[0];
	const struct { size_t field; uint64_t value; int width; size_t claims; } cases[] = {
		{ 0x10 + 0x08, 0, 8, 4 },                  /* creation time 0 */
		{ 0x10 + 0x18, 0x7FFFFFFFFFFFFFFF, 8, 4 }, /* change time in the far future */
		{ 0x10 + 0x00, 0x0000000000000005, 8, 4 }, /* parent without a sequence number */
		{ 0x10 + 0x44, 0, 2, 4 },                  /* a NUL in the name */
		{ 0x10 + 0x41, 7, 2, 4 },                  /* namespace (and the name's length) */
		{ 0x0A, 0x42 + 15 * 2 + 8, 2, 5 },         /* key longer than its name */
		{ 0x08, 0x10, 2, 5 },                      /* header overwritten by an end marker */
		{ 0x0C, 0x10, 2, 5 },                      /* unknown flags */
		{ 0x08, 0x1000, 2, 5 },                    /* length past the block */
		{ 0x00, 0x0000000000000050, 8, 5 },        /* child without a sequence number */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint8_t saved[0x80];
		memcpy(saved, s, sizeof saved);
		if (cases[i].width == 8)
			le64_put(s + cases[i].field, cases[i].value);
		else
			le16_put(s + cases[i].field, (uint16_t)cases[i].value);
		IndexNode node;
		cr_assert(index_entry_block_parse(byte_span(b.buf, sizeof b.buf), &node, NULL));
		Claims c = { 0 };
		cr_assert(index_entry_foreach(&node, collect, &c, NULL));
		cr_assert_eq(c.count, cases[i].claims,
			     "case %zu: %zu claims", i, c.count);
		cr_assert_str_eq(c.names[c.count - 1], "GONE~1.DOC");
		if (c.count == 5) {
			cr_assert_str_eq(c.names[3], "deleted-one.doc");
			cr_assert(c.entries[3].in_slack);
			cr_assert_not(c.entries[3].child_known, "case %zu", i);
			cr_assert_eq(c.entries[3].child.record, 0);
			cr_assert_eq(c.entries[3].offset, stale_at[0]);
			cr_assert_eq(c.entries[3].file_name.parent.record, 5);
		}
		cr_assert(c.entries[c.count - 1].child_known);
		claims_clear(&c);
		memcpy(s, saved, sizeof saved);
	}
	/* noise in all of the slack: nothing */
	FixtureIndexBlock n;
	fixture_index_block_init(&n, 0);
	fixture_index_block_end(&n);
	GRand *rand = g_rand_new_with_seed(7);
	for (size_t i = n.used; i < sizeof n.buf; i++)
		n.buf[i] = (uint8_t)g_rand_int(rand);
	g_rand_free(rand);
	IndexNode node;
	cr_assert(index_entry_block_parse(byte_span(n.buf, sizeof n.buf), &node, NULL));
	Claims c = { 0 };
	cr_assert(index_entry_foreach(&node, collect, &c, NULL));
	cr_assert_eq(c.count, 0);
}

/* ---- real data ---- */

/* The $I30 $INDEX_ROOT value of record `number` of a Windows-written $MFT, or an empty span. */
static ByteSpan mft_index_root(uint8_t *mft, size_t size, uint64_t number)
{
	size_t at = (size_t)number * 1024;
	MftRecord rec;
	if (at + 1024 > size || !mft_record_decode(mft + at, 1024, number, &rec, NULL))
		return (ByteSpan){ 0 };
	static const uint8_t i30[] = { '$', 0, 'I', 0, '3', 0, '0', 0 };
	AttributeIter it;
	attribute_iter_init(&it, &rec);
	Attribute attr;
	while (attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK)
		if (attr.type == ATTR_INDEX_ROOT && !attr.non_resident &&
		    attribute_name_equals(&attr, i30, 4))
			return attr.value;
	return (ByteSpan){ 0 };
}

/* fls lines "d/d 36-144-1:\tSystem Volume Information": record number -> path, and the
 * set of "record/path" of every named file ("$Extend/$ObjId:$O" names "$Extend/$ObjId"). */
static void fls_load(const char *text, GHashTable *dirs, GHashTable *files)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) cols = g_strsplit(lines[i], "\t", 3);
		if (g_strv_length(cols) < 2 || strlen(cols[0]) < 5 || cols[1][0] == '\0')
			continue;
		char *stream = strchr(cols[1], ':');
		if (stream != NULL)
			*stream = '\0';
		uint64_t number = g_ascii_strtoull(strrchr(cols[0], ' ') + 1, NULL, 10);
		if (g_str_has_prefix(cols[0], "d/d"))
			g_hash_table_insert(dirs, GSIZE_TO_POINTER((gsize)number), g_strdup(cols[1]));
		g_hash_table_add(files, g_strdup_printf("%" PRIu64 "/%s", number, cols[1]));
	}
}

static size_t fls_children(GHashTable *files, const char *dir)
{
	size_t n = 0;
	g_autofree char *prefix = g_strconcat(dir, "/", NULL);
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, files);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		const char *path = strchr(key, '/') + 1;
		if (g_str_has_prefix(path, prefix) && strchr(path + strlen(prefix), '/') == NULL)
			n++;
	}
	return n;
}

/* Every directory the listing names whose entries all fit in its $INDEX_ROOT: the claims
 * are exactly the listing's children, record numbers included. */
static void check_roots_against_fls(const char *image, size_t min_checked)
{
	g_autofree char *mft_name = g_strconcat(image, ".mft", NULL);
	g_autofree char *fls_name = g_strconcat(image, ".fls", NULL);
	size_t mft_size = 0, fls_size = 0;
	g_autofree uint8_t *mft = test_fixture_load(mft_name, &mft_size);
	g_autofree char *fls = (char *)test_fixture_load(fls_name, &fls_size);
	g_autoptr(GHashTable) dirs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	g_autoptr(GHashTable) files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fls_load(fls, dirs, files);

	size_t checked = 0;
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		uint64_t number = GPOINTER_TO_SIZE(key);
		ByteSpan root = mft_index_root(mft, mft_size, number);
		IndexNode node;
		if (root.data == NULL || !index_entry_root_parse(root, &node, NULL) || node.has_children)
			continue;
		Claims c = { 0 };
		cr_assert(index_entry_foreach(&node, collect, &c, NULL));
		cr_assert_eq(c.count, fls_children(files, value), "%s record %" PRIu64 " (%s)",
			     image, number, (char *)value);
		for (size_t i = 0; i < c.count; i++) {
			cr_assert_not(c.entries[i].in_slack);
			cr_assert_eq(c.entries[i].file_name.parent.record, number);
			g_autofree char *want = g_strdup_printf("%" PRIu64 "/%s/%s",
								c.entries[i].child.record,
								(char *)value, c.names[i]);
			cr_assert(g_hash_table_contains(files, want), "%s: claim %s not listed", image, want);
		}
		checked += c.count > 0;
		claims_clear(&c);
	}
	cr_assert_geq(checked, min_checked, "%s: %zu directories checked", image, checked);

	ByteSpan root = mft_index_root(mft, mft_size, 5); /* the root directory points down */
	IndexNode node;
	cr_assert(index_entry_root_parse(root, &node, NULL));
	cr_assert(node.has_children);
	cr_assert_eq(node.block_size_bytes, 4096);
}

Test(index_entry, windows_roots_match_fls)
{
	check_roots_against_fls("orphan", 5);
	check_roots_against_fls("unicode", 6);
}

static uint8_t *unit_data_load(const char *name, size_t *size)
{
	g_autofree char *path = g_build_filename(RFS_UNIT_DATA_DIR, name, NULL);
	gchar *data = NULL;
	gsize len = 0;
	cr_assert(g_file_get_contents(path, &data, &len, NULL), "%s", path);
	*size = len;
	return (uint8_t *)data;
}

static bool claims_have(const Claims *c, const char *name, bool in_slack, uint64_t record)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->names[i], name) == 0 && c->entries[i].in_slack == in_slack &&
		    c->entries[i].child.record == record)
			return true;
	return false;
}

static size_t claims_in_slack(const Claims *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->count; i++)
		n += c->entries[i].in_slack;
	return n;
}

/* The one INDX block of the directory "misc" of the scan suite's basic image (mkntfs, then
 * files written and deleted through ntfs-3g), extracted with `icat basic.img 1700-160-5`.
 * Two live files; ntfs-3g shifted the entries left at each of seven deletions, so the
 * slack holds six copies of the deleted small.txt (record 1701), each entry header
 * overwritten by a later end marker. */
Test(index_entry, ntfs3g_block_with_deleted_files)
{
	size_t size = 0;
	g_autofree uint8_t *buf = unit_data_load("basic-misc.indx", &size);
	size_t block = 0;
	cr_assert(index_entry_block_probe(byte_span(buf, size), &block));
	cr_assert_eq(block, 4096);
	IndexNode node;
	g_autoptr(GError) error = NULL;
	cr_assert(index_entry_block_decode(buf, size, &node, &error), "%s", error ? error->message : "");
	cr_assert_eq(node.vcn, 0);
	cr_assert_eq(node.used_end, 0x130);
	Claims c = { 0 };
	cr_assert(index_entry_foreach(&node, collect, &c, &error));
	cr_assert_eq(c.count, 8);
	cr_assert(claims_have(&c, "live-big.bin", false, 1709));
	cr_assert(claims_have(&c, "live-small.txt", false, 1708));
	cr_assert_eq(claims_in_slack(&c), 6);
	for (size_t i = 0; i < c.count; i++) {
		cr_assert_eq(c.entries[i].file_name.parent.record, 1700);
		cr_assert_eq(c.entries[i].file_name.parent.sequence, 1);
		if (!c.entries[i].in_slack)
			continue;
		cr_assert_str_eq(c.names[i], "small.txt");
		cr_assert_not(c.entries[i].child_known);
		cr_assert_eq(c.entries[i].file_name.data_size, 300);
	}
	cr_assert_eq(c.entries[2].offset, 0x120); /* its key right after the live end marker */
	claims_clear(&c);
}

/* The root directory's block of the same image (`icat basic.img 5-160-5`): the live
 * entries, then stale copies of the last one, shifted when "deltree" and
 * "emptydir-deleted" were removed; one copy kept its whole header. */
Test(index_entry, ntfs3g_root_block)
{
	size_t size = 0;
	g_autofree uint8_t *buf = unit_data_load("basic-root.indx", &size);
	IndexNode node;
	cr_assert(index_entry_block_decode(buf, size, &node, NULL));
	Claims c = { 0 };
	cr_assert(index_entry_foreach(&node, collect, &c, NULL));
	cr_assert_eq(c.count, 25);
	cr_assert(claims_have(&c, "$MFT", false, 0));
	cr_assert(claims_have(&c, ".", false, 5));
	cr_assert(claims_have(&c, "misc", false, 1700));
	cr_assert(claims_have(&c, "unicode", false, 1710));
	cr_assert(claims_have(&c, "unicode", true, 1710));
	cr_assert_eq(claims_in_slack(&c), 3);
	cr_assert_eq(c.entries[11].file_name.name_space, FILE_NAME_WIN32_AND_DOS);
	claims_clear(&c);
}
