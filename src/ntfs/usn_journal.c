/* Finds $Extend/$UsnJrnl through $Extend's $I30 index and walks the clusters of its $J
 * stream through a DataStream, a bounded number of bytes, one buffer at a time. Decoding
 * the records is usn.c's; what they mean for the deleted files is the index layer's. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/usn_journal.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/data_stream.h"
#include "ntfs/index_entry.h"
#include "ntfs/mft_file.h"
#include "util/error.h"

enum {
	EXTEND_INDEX_MAX_BYTES = 1024 * 1024, /* $Extend holds about six names: a block or two */
};

static const uint8_t name_i30[] = { '$', 0, 'I', 0, '3', 0, '0', 0 };
static const uint8_t name_usnjrnl[] = { '$', 0, 'U', 0, 's', 0, 'n', 0, 'J', 0, 'r', 0, 'n', 0, 'l', 0 };

typedef struct {
	bool found;
	MftRef ref;
} JournalLookup;

/* Live entries only: a stale one may name a $UsnJrnl that was deleted and recreated. */
static bool match_entry(const IndexEntry *entry, void *user_data)
{
	JournalLookup *lookup = user_data;
	const FileName *fn = &entry->file_name;
	if (entry->in_slack || !entry->child_known || fn->name_space == FILE_NAME_DOS ||
	    fn->name_length * 2u != sizeof name_usnjrnl ||
	    memcmp(fn->name, name_usnjrnl, sizeof name_usnjrnl) != 0)
		return true;
	lookup->found = true;
	lookup->ref = entry->child;
	return false;
}

/* The INDX blocks of $Extend's $I30, at most EXTEND_INDEX_MAX_BYTES of them; blocks that
 * cannot be read or decoded are skipped. */
static void search_blocks(const Volume *vol, const Attribute *attr, uint32_t block_size,
			  JournalLookup *lookup)
{
	if (attr->first_vcn != 0 || block_size < 512 || block_size > 65536 ||
	    (block_size & (block_size - 1)) != 0)
		return;
	Runlist runs = { 0 };
	if (!runlist_decode(attr->mapping_pairs, 0, vol->mft.boot.total_clusters, &runs, NULL)) {
		runlist_clear(&runs);
		return;
	}
	g_autofree uint8_t *buf = g_malloc(block_size);
	uint64_t end = MIN(attr->data_size, (uint64_t)EXTEND_INDEX_MAX_BYTES);
	for (uint64_t off = 0; !lookup->found && end >= block_size && off <= end - block_size;
	     off += block_size) {
		IndexNode node;
		if (!mft_reader_read_runs(&vol->mft, &runs, off, buf, block_size, NULL) ||
		    !index_entry_block_decode(buf, block_size, &node, NULL))
			continue;
		g_autoptr(GError) ignored = NULL;
		if (!index_entry_foreach(&node, match_entry, lookup, &ignored))
			g_debug("$Extend index block at %" PRIu64 ": %s", off, ignored->message);
	}
	runlist_clear(&runs);
}

/* $UsnJrnl's reference as $Extend's index names it. False only when $Extend's record
 * cannot be read; *lookup says whether the name is there. */
static bool lookup_journal(const Volume *vol, JournalLookup *lookup, GError **error)
{
	g_autofree uint8_t *buf = g_malloc(vol->mft.boot.mft_record_size);
	MftRecord rec;
	if (!mft_reader_load_record(&vol->mft, MFT_RECORD_EXTEND, buf, &rec, error)) {
		g_prefix_error(error, "$Extend: ");
		return false;
	}
	if (!(rec.flags & MFT_RECORD_IN_USE) || !(rec.flags & MFT_RECORD_IS_DIRECTORY))
		return true;
	AttributeIter it;
	Attribute attr;
	uint32_t block_size = 0;
	bool has_children = false;
	attribute_iter_init(&it, &rec);
	while (!lookup->found && attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK) {
		if (!attribute_name_equals(&attr, name_i30, sizeof name_i30 / 2))
			continue;
		if (attr.type == ATTR_INDEX_ROOT && !attr.non_resident) {
			IndexNode root;
			if (!index_entry_root_parse(attr.value, &root, NULL))
				continue;
			block_size = root.block_size_bytes;
			has_children = root.has_children;
			g_autoptr(GError) ignored = NULL;
			if (!index_entry_foreach(&root, match_entry, lookup, &ignored))
				g_debug("$Extend index root: %s", ignored->message);
		} else if (attr.type == ATTR_INDEX_ALLOCATION && attr.non_resident && has_children) {
			search_blocks(vol, &attr, block_size, lookup);
		}
	}
	return true;
}

/* The part of $J a walk reads: [start, end) rounded out to whole pages, skipping what
 * the bound leaves out at the front. */
typedef struct {
	DataStream *ds;
	uint64_t skip_bytes;       /* data bytes still to pass over unread */
	uint64_t done_to;          /* pages below this were walked (clusters under a page) */
	uint8_t *buf;
	UsnJournalFunc fn;
	void *user_data;
	UsnJournalStats *stats;
	GError *gone;              /* the source stopped answering: the walk stopped */
} JournalWalk;

static bool page_range(const DataStream *ds, uint64_t offset, uint64_t *from, uint64_t *to)
{
	uint64_t start, end;
	if (!data_stream_next_data(ds, offset, &start, &end))
		return false;
	*from = start / USN_PAGE_SIZE * USN_PAGE_SIZE;
	*to = end % USN_PAGE_SIZE == 0 || end > UINT64_MAX - USN_PAGE_SIZE
		      ? end : (end / USN_PAGE_SIZE + 1) * USN_PAGE_SIZE;
	return true;
}

/* Bytes a full walk would read. Calls are logarithmic in the runs and the ranges are at
 * most one per run, so this is bounded by the runlist, not by the stated size. */
static uint64_t data_bytes(const DataStream *ds)
{
	uint64_t total = 0, from, to, done_to = 0;
	for (uint64_t at = 0; page_range(ds, at, &from, &to); at = to) {
		from = MAX(from, done_to);
		if (to > from && !g_uint64_checked_add(&total, total, to - from))
			return UINT64_MAX;
		done_to = to;
	}
	return total;
}

/* Walks [from, to) a chunk at a time. False when fn stopped the walk. */
static bool walk_range(JournalWalk *w, uint64_t from, uint64_t to)
{
	for (uint64_t at = from; at < to;) {
		size_t want = (size_t)MIN((uint64_t)USN_JOURNAL_CHUNK_BYTES, to - at), got = 0;
		g_autoptr(GError) error = NULL;
		if (!data_stream_read(w->ds, at, w->buf, want, &got, &error)) {
			if (rfs_take_gone(&error, &w->gone))
				return false;
			g_debug("$UsnJrnl:$J at %" PRIu64 ": %s", at, error->message);
			w->stats->unreadable_bytes += want;
			at += want;
			continue;
		}
		if (got == 0)
			break;
		w->stats->read_bytes += got;
		UsnIter it;
		UsnRecord rec;
		size_t offset;
		usn_iter_init(&it, byte_span(w->buf, got), false);
		while (usn_iter_next(&it, &rec, &offset)) {
			w->stats->records++;
			if (!w->fn(&rec, w->user_data))
				return false;
		}
		w->stats->garbage_bytes += it.garbage_bytes;
		at += got;
	}
	return true;
}

static void walk_journal(JournalWalk *w)
{
	uint64_t from, to;
	for (uint64_t at = 0; page_range(w->ds, at, &from, &to); at = to) {
		from = MAX(from, w->done_to);
		w->done_to = to;
		if (from >= to)
			continue;
		uint64_t skip = MIN(w->skip_bytes, to - from);
		w->skip_bytes -= skip;
		if (skip < to - from && !walk_range(w, from + skip, to))
			return;
	}
}

/* Opens $J of the file `ref`; NULL without an error when it is not the journal. */
static DataStream *open_j(const Volume *vol, MftRef ref, GError **error)
{
	g_autoptr(MftFile) f = mft_file_load(&vol->mft, ref.record, 0, error);
	if (f == NULL) {
		g_prefix_error(error, "$UsnJrnl (record %" PRIu64 "): ", ref.record);
		return NULL;
	}
	if (!(f->record_flags & MFT_RECORD_IN_USE) || f->sequence != ref.sequence) {
		g_info("$Extend names $UsnJrnl in record %" PRIu64 " sequence %u, which is not it",
		       ref.record, ref.sequence);
		return NULL;
	}
	MftStream *j = mft_file_steal_stream(f, "$J");
	if (j == NULL)
		return NULL;
	if (!j->resident && (j->attr_flags & (ATTR_FLAG_COMPRESSED | ATTR_FLAG_ENCRYPTED))) {
		g_info("$UsnJrnl:$J is compressed or encrypted, which Windows never does: not read");
		mft_stream_free(j);
		return NULL;
	}
	return data_stream_new(vol, j, false, NULL, error);
}

bool usn_journal_read(const Volume *vol, uint64_t max_bytes, UsnJournalFunc fn, void *user_data,
		      UsnJournalStats *stats, GError **error)
{
	*stats = (UsnJournalStats){ 0 };
	JournalLookup lookup = { 0 };
	if (!lookup_journal(vol, &lookup, error))
		return false;
	if (!lookup.found)
		return true;
	GError *cause = NULL;
	DataStream *ds = open_j(vol, lookup.ref, &cause);
	if (ds == NULL) {
		if (cause != NULL)
			g_propagate_error(error, cause);
		return cause == NULL;
	}
	stats->found = true;
	stats->file = lookup.ref;
	stats->stream_size_bytes = data_stream_size(ds);
	stats->data_bytes = data_bytes(ds);
	uint64_t over = stats->data_bytes > max_bytes ? stats->data_bytes - max_bytes : 0;
	JournalWalk w = {
		.ds = ds,
		.skip_bytes = over == 0 ? 0 : MIN((over + USN_PAGE_SIZE - 1) / USN_PAGE_SIZE * USN_PAGE_SIZE,
						  stats->data_bytes), /* pages stay whole */
		.buf = g_malloc(USN_JOURNAL_CHUNK_BYTES),
		.fn = fn,
		.user_data = user_data,
		.stats = stats,
	};
	stats->skipped_bytes = w.skip_bytes;
	walk_journal(&w);
	g_free(w.buf);
	data_stream_free(ds);
	if (w.gone != NULL) {
		g_propagate_prefixed_error(error, w.gone, "$UsnJrnl:$J: ");
		return false;
	}
	return true;
}
