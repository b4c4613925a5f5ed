/* Claims from $I30 indexes: each directory's $INDEX_ROOT as its record is decoded, its INDX
 * extents collected, merged and read once in LCN order, and carved blocks from the deep
 * sweep. Decodes copies of blocks, so the same bytes seen twice decode the same. Does not
 * follow subnode VCNs: every block of an extent is read, in use or not. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/index_traces.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/index_entry.h"
#include "ntfs/runlist.h"
#include "util/error.h"
#include "util/utf16.h"

enum {
	TRACES_READ_BYTES = 8 * 1024 * 1024, /* one read, at most */
	TRACES_GAP_BYTES = 256 * 1024,       /* extents this close share a read */
	TRACES_STRIDE = 512,                 /* where a block may start when one fails */
	TRACES_MAX_BLOCK = 64 * 1024,
};

static const uint8_t I30_NAME[] = { '$', 0, 'I', 0, '3', 0, '0', 0 };

typedef struct {
	uint64_t offset;       /* bytes on the volume */
	uint64_t length;
} Extent;

struct IndexTraces {
	const Volume *vol;
	NameClaims *claims;
	GArray *extents;       /* Extent */
	bool merged;
	IndexTracesFilter filter;
	void *filter_data;
};

IndexTraces *index_traces_new(const Volume *vol, NameClaims *claims)
{
	IndexTraces *traces = g_new0(IndexTraces, 1);
	traces->vol = vol;
	traces->claims = claims;
	traces->extents = g_array_new(FALSE, FALSE, sizeof(Extent));
	return traces;
}

void index_traces_set_filter(IndexTraces *traces, IndexTracesFilter filter, void *user_data)
{
	traces->filter = filter;
	traces->filter_data = user_data;
}

void index_traces_free(IndexTraces *traces)
{
	if (traces == NULL)
		return;
	g_array_unref(traces->extents);
	g_free(traces);
}

typedef struct {
	NameClaims *claims;
	RfsPathSource live_source;
	uint64_t offered;
	IndexTracesFilter filter;
	void *filter_data;
} NodeWalk;

static bool claim_entry(const IndexEntry *entry, void *user_data)
{
	NodeWalk *w = user_data;
	if (w->filter != NULL && !w->filter(w->filter_data, entry->child, entry->child_known,
					    entry->file_name.creation))
		return true;
	RfsPathSource source = w->live_source;
	if (entry->in_slack && source != RFS_PATH_SOURCE_CARVED_INDEX)
		source = RFS_PATH_SOURCE_INDEX_SLACK;
	g_autofree char *name = utf16_to_utf8_name(entry->file_name.name, entry->file_name.name_length);
	if (entry->child_known)
		name_claims_add(w->claims, entry->child, &entry->file_name, name, source);
	else
		name_claims_add_unreferenced(w->claims, &entry->file_name, name, source);
	w->offered++;
	return true;
}

static uint64_t claim_node_filtered(NameClaims *claims, const IndexNode *node, RfsPathSource live_source,
				    const IndexTraces *traces)
{
	NodeWalk w = { claims, live_source, 0, traces != NULL ? traces->filter : NULL,
		       traces != NULL ? traces->filter_data : NULL };
	if (!index_entry_foreach(node, claim_entry, &w, NULL))
		g_debug("index node: a damaged live entry; %" PRIu64 " claims before it", w.offered);
	return w.offered;
}

static uint64_t claim_node(NameClaims *claims, const IndexNode *node, RfsPathSource live_source)
{
	return claim_node_filtered(claims, node, live_source, NULL);
}

uint64_t index_traces_add_node(NameClaims *claims, const uint8_t *buf, size_t size, bool is_block,
			       RfsPathSource live_source)
{
	IndexNode node;
	bool ok = is_block ? index_entry_block_parse(byte_span(buf, size), &node, NULL)
			   : index_entry_root_parse(byte_span(buf, size), &node, NULL);
	return ok ? claim_node(claims, &node, live_source) : 0;
}

static void note_extents(IndexTraces *traces, const Attribute *attr)
{
	uint32_t cs = traces->vol->mft.boot.cluster_size;
	Runlist runs = { 0 };
	if (!runlist_decode(attr->mapping_pairs, attr->first_vcn, traces->vol->mft.boot.total_clusters,
			    &runs, NULL)) {
		runlist_clear(&runs); /* a failed decode may leave the runs it read */
		return;
	}
	for (size_t i = 0; i < runs.count; i++) {
		const Run *r = &runs.runs[i];
		uint64_t offset, length;
		if (r->lcn == RUN_LCN_SPARSE || !g_uint64_checked_mul(&offset, r->lcn, cs) ||
		    !g_uint64_checked_mul(&length, r->length_clusters, cs))
			continue;
		g_array_append_val(traces->extents, ((Extent){ offset, length }));
		traces->merged = false;
	}
	runlist_clear(&runs);
}

void index_traces_add_directory(IndexTraces *traces, const MftRecord *rec)
{
	AttributeIter it;
	Attribute attr;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &attr, NULL) == ATTRIBUTE_NEXT_OK) {
		if (!attribute_name_equals(&attr, I30_NAME, 4))
			continue;
		if (attr.type == ATTR_INDEX_ROOT && !attr.non_resident)
			index_traces_add_node(traces->claims, attr.value.data, attr.value.size, false,
					      RFS_PATH_SOURCE_INDEX);
		else if (attr.type == ATTR_INDEX_ALLOCATION && attr.non_resident)
			note_extents(traces, &attr);
	}
}

static int compare_extents(gconstpointer a, gconstpointer b)
{
	const Extent *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorted, overlaps and neighbours joined, clipped to the volume: each byte read once. */
static void merge_extents(IndexTraces *traces)
{
	if (traces->merged)
		return;
	GArray *ex = traces->extents;
	g_array_sort(ex, compare_extents);
	uint64_t volume_bytes = traces->vol->mft.src->size_bytes;
	guint kept = 0;
	for (guint i = 0; i < ex->len; i++) {
		Extent e = g_array_index(ex, Extent, i);
		if (e.offset >= volume_bytes)
			continue;
		e.length = MIN(e.length, volume_bytes - e.offset);
		Extent *last = kept > 0 ? &g_array_index(ex, Extent, kept - 1) : NULL;
		if (last != NULL && e.offset <= last->offset + last->length) {
			last->length = MAX(last->length, e.offset + e.length - last->offset);
			continue;
		}
		g_array_index(ex, Extent, kept++) = e;
	}
	g_array_set_size(ex, kept);
	traces->merged = true;
}

uint64_t index_traces_pending_bytes(IndexTraces *traces)
{
	merge_extents(traces);
	uint64_t total = 0;
	for (guint i = 0; i < traces->extents->len; i++)
		total += g_array_index(traces->extents, Extent, i).length;
	return total;
}

/* Every INDX block in buf[0, length): at each stride, a block that probes is decoded (a
 * copy) and skipped over whole. */
static void scan_bytes(IndexTraces *traces, const uint8_t *buf, size_t length, uint8_t *copy)
{
	for (size_t at = 0; at < length;) {
		size_t size = 0;
		if (memcmp(buf + at, "INDX", MIN(4, length - at)) != 0 ||
		    !index_entry_block_probe(byte_span(buf + at, length - at), &size)) {
			at += TRACES_STRIDE;
			continue;
		}
		memcpy(copy, buf + at, size);
		IndexNode node;
		if (index_entry_block_decode(copy, size, &node, NULL))
			claim_node_filtered(traces->claims, &node, RFS_PATH_SOURCE_INDEX, traces);
		at += size;
	}
}

bool index_traces_read_blocks(IndexTraces *traces, RfsProgressFunc progress, void *user_data,
			      GError **error)
{
	merge_extents(traces);
	GArray *ex = traces->extents;
	uint64_t total = index_traces_pending_bytes(traces), done = 0;
	g_autofree uint8_t *buf = NULL, *copy = g_malloc(TRACES_MAX_BLOCK);
	size_t buf_size = 0;
	for (guint i = 0; i < ex->len;) {
		/* One read: extents from i to j - 1, close together, at most TRACES_READ_BYTES;
		 * a longer extent is read in TRACES_READ_BYTES pieces, cut at block strides. */
		const Extent *first = &g_array_index(ex, Extent, i);
		guint j = i + 1;
		uint64_t end = first->offset + MIN(first->length, (uint64_t)TRACES_READ_BYTES);
		bool whole = first->length <= TRACES_READ_BYTES;
		while (whole && j < ex->len) {
			const Extent *e = &g_array_index(ex, Extent, j);
			if (e->offset - end > TRACES_GAP_BYTES ||
			    e->offset + e->length - first->offset > TRACES_READ_BYTES)
				break;
			end = e->offset + e->length;
			j++;
		}
		size_t length = (size_t)(end - first->offset);
		if (length > buf_size) {
			buf_size = length;
			buf = g_realloc(buf, buf_size);
		}
		g_autoptr(GError) read_error = NULL;
		if (!block_source_read(traces->vol->mft.src, first->offset, buf, length, &read_error)) {
			if (rfs_take_gone(&read_error, error)) {
				g_array_set_size(ex, 0);
				return false;
			}
			g_debug("index blocks at %" PRIu64 "+%zu: %s", first->offset, length,
				read_error->message);
		} else {
			for (guint k = i; k < j; k++) {
				const Extent *e = &g_array_index(ex, Extent, k);
				uint64_t in_buf = MIN(e->length, (uint64_t)length - (e->offset - first->offset));
				scan_bytes(traces, buf + (e->offset - first->offset), (size_t)in_buf, copy);
			}
		}
		if (whole) {
			for (guint k = i; k < j; k++)
				done += g_array_index(ex, Extent, k).length;
			i = j;
		} else { /* the rest of a long extent becomes the next one */
			Extent *e = &g_array_index(ex, Extent, i);
			e->offset += length;
			e->length -= length;
			done += length;
		}
		if (progress != NULL)
			progress(MIN(done, total), total, user_data);
	}
	g_array_set_size(ex, 0);
	return true;
}

void index_traces_add_carved(IndexTraces *traces, const uint8_t *block, size_t size)
{
	if (size > TRACES_MAX_BLOCK)
		return;
	uint8_t copy[TRACES_MAX_BLOCK];
	memcpy(copy, block, size);
	IndexNode node;
	if (!index_entry_block_decode(copy, size, &node, NULL))
		return;
	claim_node_filtered(traces->claims, &node, RFS_PATH_SOURCE_CARVED_INDEX, traces);
}
