/* Volume Shadow Copies in the tree: each copy's MFT is scanned like the live volume's (its
 * live files too) into an index of its own, of which only the files gone from the live
 * volume (snapshot_rule.h) stay, with the folders on their paths, under "@GMT-..." in the
 * root. Reads of those entries go to the copy's blocks. Nothing here writes, and a copy
 * that cannot be read is left out with one warning. */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/context_private.h"

#include <string.h>

#include "context/snapshot_rule.h"
#include "index/mft_scan.h"
#include "ntfs/mft_file.h"
#include "util/error.h"

/* What the live volume's MFT says of one record, read once for all copies. */
typedef struct {
	SnapshotRecordFacts facts; /* has_stream and size_bytes: the unnamed stream */
	guint stream_count;
	char **stream_names;       /* named streams */
	uint64_t *stream_sizes;
} LiveRecord;

static void live_record_free(gpointer p)
{
	LiveRecord *r = p;
	for (guint i = 0; i < r->stream_count; i++)
		g_free(r->stream_names[i]);
	g_free(r->stream_names);
	g_free(r->stream_sizes);
	g_free(r);
}

static LiveRecord *live_record_read(const Volume *vol, uint64_t record_number)
{
	LiveRecord *r = g_new0(LiveRecord, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(MftFile) f = vol != NULL ? mft_file_load(&vol->mft, record_number, 0, &error) : NULL;
	if (f == NULL)
		return r; /* not present: whatever a copy holds there is gone */
	r->facts.present = true;
	r->facts.in_use = f->record_flags & MFT_RECORD_IN_USE;
	r->facts.is_dir = f->record_flags & MFT_RECORD_IS_DIRECTORY;
	r->facts.sequence = f->sequence;
	r->facts.last_write = f->has_si ? f->si.last_write : 0;
	r->stream_names = g_new0(char *, f->streams->len);
	r->stream_sizes = g_new0(uint64_t, f->streams->len);
	for (guint i = 0; i < f->streams->len; i++) {
		const MftStream *s = g_ptr_array_index(f->streams, i);
		if (s->name == NULL) {
			r->facts.has_stream = true;
			r->facts.size_bytes = s->data_size;
			continue;
		}
		r->stream_names[r->stream_count] = g_strdup(s->name);
		r->stream_sizes[r->stream_count++] = s->data_size;
	}
	return r;
}

/* The live facts for the stream of `info` (a copy's entry). */
static SnapshotRecordFacts live_facts(const LiveRecord *r, const RfsEntryInfo *info)
{
	SnapshotRecordFacts facts = r->facts;
	if (info->stream_name == NULL) {
		/* A file without $DATA has size 0 in the index: the same as an empty stream. */
		facts.has_stream = true;
		return facts;
	}
	facts.has_stream = false;
	facts.size_bytes = 0;
	for (guint i = 0; i < r->stream_count; i++) {
		if (strcmp(r->stream_names[i], info->stream_name) == 0) {
			facts.has_stream = true;
			facts.size_bytes = r->stream_sizes[i];
		}
	}
	return facts;
}

static SnapshotRecordFacts snapshot_facts(const RfsEntryInfo *info)
{
	return (SnapshotRecordFacts){
		.present = true,
		.in_use = !(info->flags & RFS_ENTRY_REMOVED),
		.is_dir = info->flags & RFS_ENTRY_DIRECTORY,
		.sequence = info->sequence,
		.last_write = info->times.last_write,
		.has_stream = true,
		.size_bytes = info->size_bytes,
	};
}

/* Whether the live tree shows the same deleted stream whole. */
static bool live_entry_intact(const RfsContext *ctx, const RfsEntryInfo *info)
{
	RfsEntryId id = info->id & ~((RfsEntryId)0xff << 56); /* same record and slot, live origin */
	const IndexNode *n = ctx->index != NULL ? deleted_index_lookup(ctx->index, id) : NULL;
	return n != NULL && g_strcmp0(n->info.stream_name, info->stream_name) == 0 &&
	       rfs_entry_state(&n->info) == RFS_STATE_INTACT;
}

static gint by_record(gconstpointer a, gconstpointer b)
{
	const IndexNode *x = *(IndexNode *const *)a, *y = *(IndexNode *const *)b;
	return x->info.mft_record < y->info.mft_record ? -1 : x->info.mft_record > y->info.mft_record;
}

/* The set of nodes to keep: files and streams gone from the live volume, the folders on
 * their paths, and the root. Counts the files (not streams) in *files. */
static GHashTable *select_gone(RfsContext *ctx, DeletedIndex *view, GHashTable *live, uint64_t *files)
{
	g_autoptr(GPtrArray) candidates = g_ptr_array_new();
	DeletedIndexIter it;
	deleted_index_iter_init(&it, view);
	for (IndexNode *n; (n = deleted_index_iter_next(&it)) != NULL;) {
		if (!(n->info.flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_SYNTHETIC)) &&
		    !snapshot_rule_is_store_file(n->info.file_name))
			g_ptr_array_add(candidates, n);
	}
	g_ptr_array_sort(candidates, by_record); /* live records are read in MFT order */
	GHashTable *keep = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_add(keep, view->root);
	*files = 0;
	for (guint i = 0; i < candidates->len; i++) {
		IndexNode *n = g_ptr_array_index(candidates, i);
		gpointer key = GSIZE_TO_POINTER(n->info.mft_record);
		LiveRecord *r = g_hash_table_lookup(live, key);
		if (r == NULL) {
			r = live_record_read(ctx->vol, n->info.mft_record);
			g_hash_table_insert(live, key, r);
		}
		SnapshotRecordFacts snap = snapshot_facts(&n->info), now = live_facts(r, &n->info);
		/* Deleted in both: the copy adds something only if its clusters are intact where
		 * the live ones are not. */
		bool deleted_both = !snap.in_use && now.present && !now.in_use;
		bool live_as_good = deleted_both && (live_entry_intact(ctx, &n->info) ||
						     rfs_entry_state(&n->info) != RFS_STATE_INTACT);
		if (!snapshot_rule_gone_from_live(&snap, &now, live_as_good))
			continue;
		if (!(n->info.flags & RFS_ENTRY_STREAM))
			(*files)++;
		for (IndexNode *p = n; p != NULL && g_hash_table_add(keep, p); p = p->parent)
			;
	}
	return keep;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	const IndexNode *x = *(IndexNode *const *)a, *y = *(IndexNode *const *)b;
	return strcmp(x->info.name, y->info.name);
}

/* Marks the view's entries as the copy's and hangs its root under the tree's root. */
static void attach_view(RfsContext *ctx, ContextSnapshot *snap, unsigned k)
{
	DeletedIndex *view = snap->view;
	DeletedIndexIter it;
	deleted_index_iter_init(&it, view);
	for (IndexNode *n; (n = deleted_index_iter_next(&it)) != NULL;) {
		RfsEntryInfo *info = &n->info;
		info->flags |= RFS_ENTRY_SNAPSHOT;
		info->snapshot = (uint8_t)k;
		info->path_source = RFS_PATH_SOURCE_SNAPSHOT;
	}
	IndexNode *main_root = ctx->index->root, *root = view->root;
	char gmt[SNAPSHOT_RULE_GMT_SIZE];
	snapshot_rule_gmt_name(snap->copy.creation_time, gmt);
	g_strlcpy(snap->folder, gmt, sizeof snap->folder);
	if (deleted_index_lookup_child(ctx->index, main_root, snap->folder) != NULL)
		g_snprintf(snap->folder, sizeof snap->folder, "%s (%u)", gmt, k);
	root->info.name = root->info.file_name = deleted_index_copy_name(view, snap->folder);
	root->info.flags |= RFS_ENTRY_SYNTHETIC;
	root->info.parent_id = main_root->info.id;
	root->parent = main_root;
	int64_t t = snap->copy.creation_time;
	root->info.times = (RfsTimes){ t, t, t, t };
	if (main_root->children == NULL)
		main_root->children = g_ptr_array_new();
	g_ptr_array_add(main_root->children, root);
	g_ptr_array_sort(main_root->children, by_name);
	snap->info.folder_id = root->info.id;
}

GHashTable *snapshot_view_live_cache_new(void)
{
	return g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, live_record_free);
}

bool snapshot_view_scan(RfsContext *ctx, ContextSnapshot *snap, unsigned k, GHashTable *live,
			GError **error)
{
	g_return_val_if_fail(k >= 1 && k <= 63 && ctx->index != NULL, false);
	if (!context_read_boot_sector(snap->src, 0, &snap->boot, error))
		return false;
	snap->vol = volume_open(snap->src, &snap->boot, error);
	if (snap->vol == NULL)
		return false;
	g_autoptr(GError) meta_error = NULL;
	if (!volume_load_metadata(snap->vol, &meta_error))
		g_debug("shadow copy %u: cluster bitmap unreadable (%s)", k, meta_error->message);
	DeletedIndex *view = deleted_index_new();
	if (!mft_scan_run(snap->vol, view, RFS_SCAN_INCLUDE_LIVE | RFS_SCAN_NO_SNAPSHOTS, NULL, NULL, error)) {
		deleted_index_free(view);
		return false;
	}
	GHashTable *keep = select_gone(ctx, view, live, &snap->info.files);
	deleted_index_restrict(view, keep, RFS_ORIGIN_SNAPSHOT(k));
	g_hash_table_unref(keep);
	snap->view = view;
	attach_view(ctx, snap, k);
	return true;
}

/* Copy k's public description, before its volume is read. */
static void describe(ContextSnapshot *snap, unsigned k, const ShadowCopyInfo *copy)
{
	snap->copy = *copy;
	snapshot_rule_gmt_name(copy->creation_time, snap->folder);
	snap->info = (RfsSnapshotInfo){
		.number = k,
		.identifier = snap->copy.identifier,
		.creation_time = copy->creation_time,
		.size_bytes = copy->size_bytes,
		.folder = snap->folder,
	};
}

/* Whether the volume's source has stopped answering: the shadow copy library reports its
 * read errors without their cause, so one sector is read to tell a damaged copy from a
 * source that is gone. */
static bool source_gone(const RfsContext *ctx, GError **error)
{
	uint8_t sector[512];
	g_autoptr(GError) probe = NULL;
	if (block_source_read(ctx->volume_src, 0, sector, sizeof sector, &probe) ||
	    !rfs_take_gone(&probe, error))
		return false;
	rfs_prefix_gone(error, "while its shadow copies were read");
	return true;
}

bool snapshot_view_scan_all(RfsContext *ctx, uint32_t scan_flags, RfsProgressFunc progress,
			    void *user_data, GError **error)
{
	if ((scan_flags & RFS_SCAN_NO_SNAPSHOTS) || ctx->index == NULL)
		return true;
	g_autoptr(GError) open_error = NULL;
	ctx->shadow_copies = shadow_copy_set_open(ctx->volume_src, &open_error);
	if (ctx->shadow_copies == NULL) { /* none, or unreadable (a gone source reads as none) */
		if (source_gone(ctx, error))
			return false;
		if (open_error != NULL)
			g_warning("%s: shadow copies left out: %s", ctx->source, open_error->message);
		return true;
	}
	g_autoptr(GError) copy_error = NULL;
	size_t count = MIN(shadow_copy_set_count(ctx->shadow_copies), (size_t)63);
	ctx->snapshots = g_new0(ContextSnapshot, count);
	ctx->snapshot_count = count;
	GHashTable *live = snapshot_view_live_cache_new();
	for (unsigned k = 1; k <= count; k++) {
		ContextSnapshot *snap = &ctx->snapshots[k - 1];
		if (progress != NULL)
			progress(k - 1, count, user_data);
		describe(snap, k, shadow_copy_set_info(ctx->shadow_copies, k - 1));
		snap->src = shadow_copy_set_open_copy(ctx->shadow_copies, k - 1, &copy_error);
		if (snap->src == NULL || !snapshot_view_scan(ctx, snap, k, live, &copy_error)) {
			if (source_gone(ctx, error)) {
				g_hash_table_unref(live);
				return false;
			}
			g_warning("%s: shadow copy %u (%s) left out: %s", ctx->source, k, snap->folder,
				  copy_error->message);
			g_clear_error(&copy_error);
			continue;
		}
		ctx->index->stats.snapshot_files += snap->info.files;
	}
	g_hash_table_unref(live);
	if (progress != NULL)
		progress(count, count, user_data);
	g_info("%s: %zu shadow copies, %" PRIu64 " files only they still hold", ctx->source, count,
	       ctx->index->stats.snapshot_files);
	return true;
}

void snapshot_view_free_all(RfsContext *ctx)
{
	for (size_t i = 0; i < ctx->snapshot_count; i++) {
		ContextSnapshot *snap = &ctx->snapshots[i];
		deleted_index_free(snap->view);
		volume_free(snap->vol);
		block_source_close(snap->src);
	}
	g_clear_pointer(&ctx->snapshots, g_free);
	ctx->snapshot_count = 0;
	g_clear_pointer(&ctx->shadow_copies, shadow_copy_set_free);
}

size_t rfs_context_snapshot_count(const RfsContext *ctx)
{
	return ctx->snapshot_count;
}

const RfsSnapshotInfo *rfs_context_snapshot(const RfsContext *ctx, size_t i)
{
	return i < ctx->snapshot_count ? &ctx->snapshots[i].info : NULL;
}

const DeletedIndex *context_index_of(const RfsContext *ctx, RfsEntryId id, const Volume **vol)
{
	unsigned origin = RFS_ENTRY_ORIGIN(id);
	if (origin >= 1 && origin <= 63) {
		const ContextSnapshot *snap = origin <= ctx->snapshot_count ? &ctx->snapshots[origin - 1] : NULL;
		*vol = snap != NULL ? snap->vol : NULL;
		return snap != NULL ? snap->view : NULL;
	}
	*vol = ctx->vol;
	return ctx->index;
}
