/* The scan: the MFT read front to back in large reads, each record decoded in the read
 * buffer, live files skipped before their fixups are even applied. Builds index nodes only;
 * reading data is for later, on demand. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/mft_scan.h"

#include <string.h>

#include "index/cluster_claims.h"
#include "index/index_traces.h"
#include "index/mft_carve.h"
#include "index/mft_scan_pass.h"
#include "index/usn_join.h"
#include "index/volume_sweep.h"
#include "ntfs/mft_file.h"
#include "util/error.h"

enum {
	SCAN_CHUNK_BYTES = 1024 * 1024, /* small enough to stay in the cache while decoded */
	SCAN_CHUNKS = 3,
	MAX_NAMED_STREAMS = 255,
};

static uint32_t stream_flags(const MftStream *s)
{
	uint32_t f = 0;
	if (s->resident)
		f |= RFS_ENTRY_RESIDENT;
	if (s->attr_flags & ATTR_FLAG_COMPRESSED)
		f |= RFS_ENTRY_COMPRESSED;
	if (s->attr_flags & ATTR_FLAG_SPARSE)
		f |= RFS_ENTRY_SPARSE;
	if (s->attr_flags & ATTR_FLAG_ENCRYPTED)
		f |= RFS_ENTRY_ENCRYPTED;
	if (s->incomplete)
		f |= RFS_ENTRY_INCOMPLETE;
	return f;
}

/* Clusters of [0, data size) that no run maps: extents that went with lost records. */
static uint64_t missing_clusters(const Volume *vol, const MftStream *s)
{
	uint32_t cs = vol->mft.boot.cluster_size;
	uint64_t need = s->data_size / cs + (s->data_size % cs != 0), mapped = 0;
	for (size_t i = 0; i < s->runs.count; i++) {
		const Run *r = &s->runs.runs[i];
		if (r->vcn < need)
			mapped += MIN(r->length_clusters, need - r->vcn);
	}
	return need > mapped ? need - mapped : 0;
}

/* The extents of a deleted stream go to the claims, with the LSN of its record, to be
 * compared with the other deleted streams' after the pass. */
static void claim_runs(ScanPass *pass, const Runlist *runs, uint64_t lsn, RfsEntryInfo *info)
{
	bool claimed = false;
	uint32_t claimant = 0;
	for (size_t i = 0; i < runs->count; i++) {
		const Run *r = &runs->runs[i];
		if (r->lcn == RUN_LCN_SPARSE)
			continue;
		if (!claimed)
			claimant = cluster_claims_add_stream(pass->claims, info, lsn);
		claimed = true;
		if (!cluster_claims_add_extent(pass->claims, claimant, r->lcn, r->length_clusters))
			return;
	}
}

/* count + more, held at UINT32_MAX (RfsEntryInfo's cluster counts). */
static uint32_t count_add(uint32_t count, uint64_t more)
{
	return more >= (uint64_t)(UINT32_MAX - count) ? UINT32_MAX : count + (uint32_t)more;
}

/* Sizes and cluster accounting of one stream into `info`. */
static void fill_stream(ScanPass *pass, const MftStream *s, bool removed, uint64_t lsn,
			RfsEntryInfo *info)
{
	const Volume *vol = pass->vol;
	info->flags |= stream_flags(s);
	info->size_bytes = s->data_size;
	info->allocated_bytes = s->resident ? 0 : s->allocated_size;
	for (size_t i = 0; !s->resident && i < s->runs.count; i++) {
		const Run *r = &s->runs.runs[i];
		if (r->lcn == RUN_LCN_SPARSE)
			continue;
		/* Forged runs can be 2^63 clusters long: saturate rather than wrap. */
		info->clusters = count_add(info->clusters, r->length_clusters);
		uint64_t busy = removed ? volume_clusters_in_use(vol, r->lcn, r->length_clusters) : 0;
		info->clusters_in_use = count_add(info->clusters_in_use, busy);
	}
	if (!s->resident && s->incomplete)
		info->clusters_missing = count_add(0, missing_clusters(vol, s));
	if (removed && !s->resident)
		claim_runs(pass, &s->runs, lsn, info);
}

static void fill_common(const MftFile *f, const MftScanOrigin *origin, RfsEntryInfo *info)
{
	info->mft_record = f->record_number;
	info->sequence = f->sequence;
	if (!(f->record_flags & MFT_RECORD_IN_USE) || origin->carved)
		info->flags |= RFS_ENTRY_REMOVED;
	if (origin->carved) {
		info->flags |= RFS_ENTRY_CARVED;
		info->path_source = RFS_PATH_SOURCE_CARVED;
	}
	if (f->has_si) {
		info->attributes = f->si.file_attributes;
		info->times = (RfsTimes){ f->si.creation, f->si.last_write, f->si.last_access, f->si.mft_change };
	}
	info->fn_times = (RfsTimes){ f->fn_times[0], f->fn_times[1], f->fn_times[3], f->fn_times[2] };
}

/* A deleted directory's index blocks were written for as long as it lived, and clusters they
 * took from a deleted file are not that file's any more: they claim too (the directory's
 * own counts stay 0). Only the extents in the base record: all but huge directories. */
static void claim_index_blocks(ScanPass *pass, const MftRecord *rec, RfsEntryInfo *info)
{
	AttributeIter it;
	Attribute attr;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK) {
		if (attr.type != ATTR_INDEX_ALLOCATION || !attr.non_resident)
			continue;
		Runlist runs = { 0 };
		if (runlist_decode(attr.mapping_pairs, attr.first_vcn, pass->vol->mft.boot.total_clusters,
				   &runs, NULL))
			claim_runs(pass, &runs, rec->lsn, info);
		runlist_clear(&runs);
	}
}

static void add_dir(ScanPass *pass, IndexNode *node, const MftFile *f, const MftScanOrigin *origin)
{
	DeletedIndex *index = pass->index;
	node->info.flags |= RFS_ENTRY_DIRECTORY;
	if (origin->carved) {
		deleted_index_add_carved_dir(index, node);
		return;
	}
	g_hash_table_insert(index->dirs, GSIZE_TO_POINTER(f->record_number), node);
	if (f->record_number == MFT_RECORD_ROOT) {
		node->info.flags |= RFS_ENTRY_SYNTHETIC;
		index->root = node;
	}
}

/* `rec` is the file's base record, as decoded; `origin` says where it was found. */
void mft_scan_add_file(ScanPass *pass, const MftFile *f, const MftRecord *rec, const MftScanOrigin *origin)
{
	DeletedIndex *index = pass->index;
	uint64_t lsn = rec->lsn;
	bool is_dir = f->record_flags & MFT_RECORD_IS_DIRECTORY;
	bool removed = !(f->record_flags & MFT_RECORD_IN_USE) || origin->carved;
	RfsEntryId id = f->record_number == MFT_RECORD_ROOT && !origin->carved
				? RFS_ENTRY_ROOT : RFS_ENTRY_ID_IN(origin->origin, f->record_number, 0);
	g_autofree char *fallback = f->has_name ? NULL : g_strdup_printf("record-%" PRIu64, f->record_number);
	IndexNode *node = deleted_index_add(index, id, f->has_name ? f->name : fallback, NULL);
	if (node == NULL)
		return;
	fill_common(f, origin, &node->info);
	if (origin->carved)
		deleted_index_set_carved_offset(index, node, origin->offset);
	if (origin->name_tag != NULL) {
		g_autofree char *tagged = path_rebuild_tagged_name(node->info.file_name, origin->name_tag);
		node->info.name = deleted_index_copy_name(index, tagged);
	}
	index_node_set_parent_ref(node, f->has_name ? f->parent : (MftRef){ UINT64_MAX, 0 });
	if (is_dir) {
		add_dir(pass, node, f, origin);
		if (removed) {
			index->stats.deleted_dirs++;
			claim_index_blocks(pass, rec, &node->info);
		}
	} else if (removed) {
		index->stats.deleted_files++;
	} else {
		index->stats.live_files++;
	}
	unsigned slot = 0;
	for (guint i = 0; i < f->streams->len; i++) {
		const MftStream *s = g_ptr_array_index(f->streams, i);
		if (s->name == NULL) {
			if (!is_dir)
				fill_stream(pass, s, removed, lsn, &node->info);
			if (removed && !is_dir)
				index->stats.deleted_bytes += s->data_size;
			continue;
		}
		if (++slot > MAX_NAMED_STREAMS)
			break;
		IndexNode *sn = deleted_index_add(index, RFS_ENTRY_ID_IN(origin->origin, f->record_number, slot),
						  node->info.file_name, s->name);
		if (sn == NULL)
			continue;
		fill_common(f, origin, &sn->info);
		if (origin->carved)
			deleted_index_set_carved_offset(index, sn, origin->offset);
		sn->info.flags |= RFS_ENTRY_STREAM;
		fill_stream(pass, s, removed, lsn, &sn->info);
		deleted_index_set_stream_base(index, sn, node);
		if (removed) {
			index->stats.deleted_streams++;
			index->stats.deleted_bytes += s->data_size;
		}
	}
}

/* ---- the pass over the MFT ------------------------------------------------------------------
 *
 * A second thread reads the MFT in chunks and decodes every record the index wants (its
 * fixups applied in the read buffer, its attributes built into an MftFile); this thread
 * takes the chunks in MFT order and adds what they found to the index, which only it
 * writes. The reader notes each record's state in the index's record table, which nothing
 * else touches until the pass ends. */

/* A record the consumer has work for: a directory (its index entries) and/or a file. */
typedef struct {
	MftRecord rec;   /* decoded in the chunk's buffer */
	MftFile *file;   /* NULL: nothing to add (a live directory's names only, metadata) */
	bool directory;
} Found;

typedef struct {
	uint8_t *buf;
	uint64_t first;
	uint64_t count;
	bool decoded;      /* false: read whole, for the consumer to decode */
	uint64_t damaged;  /* records that did not decode */
	GError *gone;      /* the source stopped answering (RFS_ERROR_GONE): the pass ends */
	GArray *found;     /* Found, in record order */
} Chunk;

typedef struct {
	ScanPass *pass;
	MftFileBudget budget; /* the reader's; the consumer decodes with the pass's */
	uint64_t per_chunk;
	GAsyncQueue *empty;  /* Chunk* ready to be filled; one with buf NULL stops the reader */
	GAsyncQueue *full;   /* Chunk* filled, in MFT order */
} Reader;

/* Whether a built file has anything to restore. A directory without a name is kept: its
 * children hang from it, and an index entry may name it (path_traces.c). */
static bool worth_adding(const MftFile *f, bool in_use, bool is_dir)
{
	if (is_dir)
		return true;
	if (!f->has_name && f->streams->len == 0)
		return false; /* a record that never held a file */
	if (in_use || f->has_name)
		return true;
	for (guint i = 0; i < f->streams->len; i++) {
		if (((MftStream *)g_ptr_array_index(f->streams, i))->data_size > 0)
			return true;
	}
	return false;
}

/* Which records the index wants: deleted base records with something in them, every
 * directory, and live files on request. On either thread, each with its own budget. */
static void decode_record(ScanPass *pass, MftFileBudget *budget, Chunk *c, uint8_t *raw, uint64_t number)
{
	const Volume *vol = pass->vol;
	uint32_t rs = vol->mft.boot.mft_record_size;
	MftRecordHeader head;
	if (!mft_record_peek(byte_span(raw, rs), &head)) {
		if (memcmp(raw, "\0\0\0\0", 4) != 0)
			c->damaged++; /* never-used records are all zeros */
		return;
	}
	bool in_use = head.flags & MFT_RECORD_IN_USE, is_dir = head.flags & MFT_RECORD_IS_DIRECTORY;
	if (head.base.record != 0 || head.base.sequence != 0)
		return; /* extension record: read through its base's $ATTRIBUTE_LIST */
	deleted_index_note_record(pass->index, number, head.flags, head.sequence);
	if (in_use && !is_dir && !pass->include_live)
		return;
	Found found = { .directory = is_dir };
	g_autoptr(GError) error = NULL;
	if (!mft_record_decode(raw, rs, number, &found.rec, &error)) {
		g_debug("%s", error->message);
		c->damaged++;
		return;
	}
	/* metadata files are never deleted; $Extend anchors its own subtree */
	if (number >= MFT_RECORD_FIRST_USER || number == MFT_RECORD_ROOT || number == MFT_RECORD_EXTEND) {
		uint32_t build_flags = MFT_FILE_NO_RESIDENT_DATA | ((is_dir && in_use) ? MFT_FILE_NAMES_ONLY : 0);
		found.file = mft_file_build(&vol->mft, &found.rec, build_flags, budget, NULL);
		if (found.file != NULL && !worth_adding(found.file, in_use, is_dir))
			g_clear_pointer(&found.file, mft_file_free);
	}
	if (is_dir || found.file != NULL)
		g_array_append_val(c->found, found);
}

static void decode_chunk(ScanPass *pass, MftFileBudget *budget, Chunk *c)
{
	uint32_t rs = pass->vol->mft.boot.mft_record_size;
	for (uint64_t i = 0; i < c->count; i++)
		decode_record(pass, budget, c, c->buf + i * rs, c->first + i);
	c->decoded = true;
}

/* Reads a chunk, and decodes it when the consumer has work queued already: otherwise the
 * consumer, waiting, decodes it while this thread reads on. A chunk that cannot be read in
 * one go is read (and decoded) record by record, so one bad sector costs only the records
 * it holds. */
static void read_chunk(Reader *r, Chunk *c)
{
	const MftReader *mft = &r->pass->vol->mft;
	uint32_t rs = mft->boot.mft_record_size;
	g_autoptr(GError) error = NULL;
	c->decoded = false;
	if (mft_reader_read_runs(mft, &mft->runs, c->first * rs, c->buf, (size_t)(c->count * rs), &error)) {
		if (g_async_queue_length(r->full) > 0)
			decode_chunk(r->pass, &r->budget, c);
		return;
	}
	c->decoded = true;
	if (rfs_take_gone(&error, &c->gone))
		return;
	g_message("MFT records %" PRIu64 "..%" PRIu64 ": %s; reading them one by one", c->first,
		  c->first + c->count - 1, error->message);
	for (uint64_t i = 0; i < c->count; i++) {
		g_autoptr(GError) one = NULL;
		uint8_t *raw = c->buf + i * rs;
		if (mft_reader_read_record(mft, c->first + i, raw, &one)) {
			decode_record(r->pass, &r->budget, c, raw, c->first + i);
		} else if (rfs_take_gone(&one, &c->gone)) {
			return;
		} else {
			g_debug("%s", one->message);
			c->damaged++;
		}
	}
}

static void chunk_clear(Chunk *c)
{
	for (guint i = 0; i < c->found->len; i++)
		g_clear_pointer(&g_array_index(c->found, Found, i).file, mft_file_free);
	g_array_set_size(c->found, 0);
	c->damaged = 0;
	g_clear_error(&c->gone);
}

static gpointer reader_main(gpointer data)
{
	Reader *r = data;
	const MftReader *mft = &r->pass->vol->mft;
	for (uint64_t first = 0; first < mft->records; first += r->per_chunk) {
		Chunk *c = g_async_queue_pop(r->empty);
		if (c->buf == NULL) { /* the consumer gave up */
			g_async_queue_push(r->empty, c);
			break;
		}
		chunk_clear(c); /* the files this thread built, added since by the consumer */
		c->first = first;
		c->count = MIN(r->per_chunk, mft->records - first);
		read_chunk(r, c);
		bool gone = c->gone != NULL;
		g_async_queue_push(r->full, c);
		if (gone) /* reading on cannot help */
			break;
	}
	return NULL;
}

/* On the consumer's thread: what a chunk found goes into the index. */
static void add_chunk(ScanPass *pass, Chunk *c)
{
	static const MftScanOrigin from_mft = { .origin = RFS_ORIGIN_MFT };
	bool mine = !c->decoded;
	if (mine)
		decode_chunk(pass, &pass->budget, c);
	pass->index->stats.records_damaged += c->damaged;
	for (guint i = 0; i < c->found->len; i++) {
		const Found *found = &g_array_index(c->found, Found, i);
		if (found->directory)
			index_traces_add_directory(pass->traces, &found->rec);
		if (found->file != NULL)
			mft_scan_add_file(pass, found->file, &found->rec, &from_mft);
	}
	if (mine) /* freed by the thread that allocated them: malloc's arenas stay apart */
		chunk_clear(c);
}

static void add_lost_found(DeletedIndex *index)
{
	IndexNode *lf = deleted_index_add(index, RFS_ENTRY_LOST_FOUND, "lost+found", NULL);
	lf->info.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_SYNTHETIC;
	if (index->root != NULL)
		lf->info.times = index->root->info.times;
	index->lost_found = lf;
}

static uint64_t claims_in_use(uint64_t lcn, uint64_t count, void *user_data)
{
	return volume_clusters_in_use(user_data, lcn, count);
}

/* Clusters that several deleted streams map: the later writer's where the evidence shows
 * it. Timestamps after the scan's own clock (a day's grace for skew) are not believed. */
static void resolve_claims(const Volume *vol, ClusterClaims *claims)
{
	const int64_t filetime_unix_epoch = INT64_C(116444736000000000), day = INT64_C(864000000000);
	int64_t horizon = g_get_real_time() * 10 + filetime_unix_epoch + day;
	uint64_t n = cluster_claims_resolve(claims, horizon, claims_in_use, (void *)vol);
	if (n > 0)
		g_info("%" PRIu64 " deleted streams share clusters with other deleted streams", n);
}

struct MftScan {
	ScanPass pass;
	uint32_t scan_flags;
	VolumeSweepStats sweep;
};

MftScan *mft_scan_new(const Volume *vol, DeletedIndex *index, uint32_t scan_flags)
{
	MftScan *scan = g_new0(MftScan, 1);
	scan->scan_flags = scan_flags;
	scan->pass = (ScanPass){
		.vol = vol,
		.index = index,
		.include_live = scan_flags & RFS_SCAN_INCLUDE_LIVE,
		.claims = cluster_claims_new(vol->mft.boot.total_clusters),
		.traces = index_traces_new(vol, index->name_claims),
	};
	if (scan_flags & (RFS_SCAN_DEEP | RFS_SCAN_DEEP_ALL))
		scan->pass.carve = mft_carve_new(vol);
	mft_file_budget_init(&scan->pass.budget, vol->mft.records);
	return scan;
}

void mft_scan_free(MftScan *scan)
{
	if (scan == NULL)
		return;
	cluster_claims_free(scan->pass.claims);
	mft_carve_free(scan->pass.carve);
	index_traces_free(scan->pass.traces);
	g_free(scan);
}

static bool wanted_claim(void *user_data, MftRef ref, bool referenced, int64_t creation)
{
	return path_traces_wanted(user_data, ref, referenced, creation);
}

/* The directories' INDX blocks, read only when some entry needs a name or a parent the
 * MFT cannot give: on a volume where every path is whole they would add only ghosts. From
 * here on (the deep sweep too) only claims that could change something are kept. */
static bool read_index_blocks(MftScan *scan, GError **error)
{
	DeletedIndex *index = scan->pass.index;
	bool needed = path_traces_prepare(index);
	index_traces_set_filter(scan->pass.traces, wanted_claim, index);
	uint64_t bytes = index_traces_pending_bytes(scan->pass.traces);
	if (!needed) {
		g_info("every entry has its name and parent: %" PRIu64 " bytes of index blocks not read",
		       bytes);
		return true;
	}
	if (!index_traces_read_blocks(scan->pass.traces, NULL, NULL, error)) {
		rfs_prefix_gone(error, "while the folders' index blocks were read");
		return false;
	}
	g_info("index blocks: %" PRIu64 " bytes read, %u references claimed", bytes,
	       name_claims_count(index->name_claims));
	return true;
}

bool mft_scan_records(MftScan *scan, RfsProgressFunc progress, void *user_data, GError **error)
{
	ScanPass *pass = &scan->pass;
	const Volume *vol = pass->vol;
	DeletedIndex *index = pass->index;
	uint32_t rs = vol->mft.boot.mft_record_size;
	Reader r = { .pass = pass, .per_chunk = SCAN_CHUNK_BYTES / rs, .empty = g_async_queue_new(),
		     .full = g_async_queue_new() };
	mft_file_budget_init(&r.budget, vol->mft.records);
	Chunk chunks[SCAN_CHUNKS];
	for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
		chunks[i] = (Chunk){ .buf = g_malloc((size_t)r.per_chunk * rs),
				     .found = g_array_new(FALSE, FALSE, sizeof(Found)) };
		g_async_queue_push(r.empty, &chunks[i]);
	}
	deleted_index_reserve_records(index, vol->mft.records);
	GThread *reader = g_thread_new("mft-reader", reader_main, &r);
	GError *gone = NULL;
	for (uint64_t done = 0; done < vol->mft.records && gone == NULL;) {
		Chunk *c = g_async_queue_pop(r.full);
		add_chunk(pass, c);
		done = c->first + c->count;
		gone = g_steal_pointer(&c->gone);
		g_async_queue_push(r.empty, c);
		index->stats.records_total = done;
		if (progress != NULL && gone == NULL)
			progress(done, vol->mft.records, user_data);
	}
	g_thread_join(reader);
	for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
		chunk_clear(&chunks[i]);
		g_array_unref(chunks[i].found);
		g_free(chunks[i].buf);
	}
	g_async_queue_unref(r.empty);
	g_async_queue_unref(r.full);
	if (gone != NULL) {
		g_propagate_error(error, gone);
		rfs_prefix_gone(error, "while the MFT was read");
		return false;
	}
	if (index->root == NULL)
		return rfs_set_corrupt(error, "the root directory (MFT record 5) is unreadable");
	return read_index_blocks(scan, error);
}

/* A carved INDX block: its entries become carved-index claims (a copy is decoded). */
static void sweep_index_block(void *user_data, uint64_t offset, const uint8_t *block, size_t size)
{
	ScanPass *pass = user_data;
	(void)offset;
	index_traces_add_carved(pass->traces, block, size);
}

static void sweep_file_record(void *user_data, uint64_t offset, const uint8_t *record, size_t size)
{
	ScanPass *pass = user_data;
	mft_carve_candidate(pass, offset, record, size);
}

bool mft_scan_sweep(MftScan *scan, RfsProgressFunc progress, void *user_data, GError **error)
{
	VolumeSweepSink sink = {
		.index_block = sweep_index_block,
		.file_record = sweep_file_record,
		.user_data = &scan->pass,
		.progress = progress,
		.progress_data = user_data,
	};
	if (!volume_sweep_run(scan->pass.vol, scan->scan_flags & RFS_SCAN_DEEP_ALL, &sink,
			      &scan->sweep, error)) {
		rfs_prefix_gone(error, "during the deep sweep");
		return false;
	}
	scan->pass.index->stats.swept_bytes = scan->sweep.bytes_swept;
	mft_carve_report(scan->pass.carve);
	g_info("deep sweep: %" PRIu64 " bytes, %" PRIu64 " INDX blocks, %" PRIu64
	       " FILE candidates, %" PRIu64 " bytes unreadable", scan->sweep.bytes_swept,
	       scan->sweep.index_blocks, scan->sweep.file_records, scan->sweep.unreadable);
	return true;
}

/* A journal name as a claim. A name the file only had before a rename is left out: the
 * rename's two records share one time, and the new name is the one the claims want. */
static bool claim_journal_name(const UsnJoinName *n, void *user_data)
{
	NameClaims *claims = user_data;
	const uint32_t named = USN_REASON_FILE_CREATE | USN_REASON_FILE_DELETE |
			       USN_REASON_RENAME_NEW_NAME;
	if (!(n->reason & named))
		return true;
	FileName fn = { .parent = n->parent, .mft_change = n->time, .last_write = n->time,
			.name_space = FILE_NAME_WIN32 };
	name_claims_add(claims, n->child, &fn, n->name, RFS_PATH_SOURCE_USN);
	return true;
}

bool mft_scan_finish(MftScan *scan, GError **error)
{
	DeletedIndex *index = scan->pass.index;
	add_lost_found(index);
	g_autoptr(UsnJoin) usn = usn_join_new();
	if (!usn_join_read(usn, scan->pass.vol, error)) {
		rfs_prefix_gone(error, "while the change journal was read");
		return false;
	}
	index->stats.usn_records = usn_join_records(usn);
	usn_join_apply(usn, index);
	usn_join_foreach_name(usn, claim_journal_name, index->name_claims);
	path_traces_apply(index);
	resolve_claims(scan->pass.vol, scan->pass.claims); /* after the traces: they name records */
	path_rebuild_link(index, scan->pass.include_live); /* counts states: after the claims */
	return true;
}

bool mft_scan_run(const Volume *vol, DeletedIndex *index, uint32_t scan_flags,
		  RfsProgressFunc progress, void *user_data, GError **error)
{
	MftScan *scan = mft_scan_new(vol, index, scan_flags);
	bool ok = mft_scan_records(scan, progress, user_data, error) && mft_scan_finish(scan, error);
	mft_scan_free(scan);
	return ok;
}
