/* The name claims (name_claims.h) weighed against the MFT before the tree is linked. A
 * claim counts only for the reference it names, record and sequence; it never replaces a
 * $FILE_NAME the entry's own record holds. It gives:
 *  - a name and parent to a record that has no $FILE_NAME left (its own sequence, or the
 *    one before it for a deleted record: freeing a record bumps its sequence);
 *  - a folder, for a child whose parent reference the MFT cannot resolve (the record was
 *    reused, is now a file, or is gone) when a claim names exactly that reference: a
 *    directory flagged removed, id origin RFS_ORIGIN_GHOST(k), whose own parent is
 *    resolved the same way, so a chain of claims rebuilds a whole lost branch;
 *  - a ghost, for a claim of a file whose record now holds something else and which no
 *    deleted record matches: its name, sizes and $FILE_NAME times are known, its data is
 *    not (RFS_ENTRY_GHOST, id origin RFS_ORIGIN_GHOST(k)).
 * Claims never loop the scan: each reference makes at most one folder, and a chain that
 * loops is cut by path_rebuild.c like any other loop. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/deleted_index.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/mft_reader.h"

enum { GHOSTS_PER_RECORD = 64 }; /* RFS_ORIGIN_GHOST(0..63) */

static gpointer ref_key(MftRef ref)
{
	return (gpointer)(uintptr_t)((uint64_t)ref.sequence << 48 | (ref.record & 0xFFFFFFFFFFFFull));
}

static bool has_own_name(const IndexNode *n)
{
	return index_node_parent_ref(n).record != UINT64_MAX;
}

IndexNode *path_traces_folder(const DeletedIndex *index, MftRef ref)
{
	return index->trace_dirs == NULL ? NULL : g_hash_table_lookup(index->trace_dirs, ref_key(ref));
}

static bool parent_known(const DeletedIndex *index, const IndexNode *n)
{
	MftRef parent = index_node_parent_ref(n);
	return path_rebuild_dir_lookup(index, parent) != NULL || path_traces_folder(index, parent) != NULL;
}

static void want(DeletedIndex *index, MftRef ref)
{
	g_hash_table_add(index->trace_wanted, ref_key(ref));
}

bool path_traces_prepare(DeletedIndex *index)
{
	if (index->trace_wanted == NULL) {
		index->trace_wanted = g_hash_table_new(g_direct_hash, g_direct_equal);
		index->trace_wanted_creation = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	bool needed = false;
	for (size_t i = 0; i < deleted_index_node_count(index); i++) {
		const IndexNode *n = deleted_index_node_at(index, i);
		if (n == index->root || n == index->lost_found || index_node_is_stream(n))
			continue;
		if (!has_own_name(n)) {
			MftRef ref = { n->info.mft_record, n->info.sequence };
			want(index, ref);
			if (ref.sequence > 1)
				want(index, (MftRef){ ref.record, ref.sequence - 1 });
			if (n->info.times.creation != 0)
				g_hash_table_add(index->trace_wanted_creation,
						 (gpointer)(uintptr_t)(uint64_t)n->info.times.creation);
			needed = true;
		} else if (!parent_known(index, n)) {
			want(index, index_node_parent_ref(n));
			needed = true;
		}
	}
	return needed;
}

/* A node for a claim: the first free ghost id of its record. */
static IndexNode *add_from_claim(DeletedIndex *index, const NameClaim *c, uint32_t flags)
{
	for (unsigned k = 0; k < GHOSTS_PER_RECORD; k++) {
		RfsEntryId id = RFS_ENTRY_ID_IN(RFS_ORIGIN_GHOST(k), c->child.record, 0);
		IndexNode *n = deleted_index_add(index, id, c->name, NULL);
		if (n == NULL)
			continue;
		n->info.flags = flags | RFS_ENTRY_REMOVED;
		n->info.mft_record = c->child.record;
		n->info.sequence = c->child.sequence;
		n->info.attributes = c->file_attributes;
		n->info.fn_times = c->fn_times;
		n->info.times = c->fn_times; /* no $STANDARD_INFORMATION: the trace's times */
		n->info.path_source = c->source;
		index_node_set_parent_ref(n, c->parent);
		return n;
	}
	return NULL;
}

/* A stale key without its entry header, for a nameless record: the key's $FILE_NAME
 * creation time equals the record's $STANDARD_INFORMATION creation time to the 100 ns (NTFS
 * sets both at creation), no other key shares that time, and both are directories or
 * both are not. */
static const NameClaim *claim_by_creation(const DeletedIndex *index, const IndexNode *n)
{
	const NameClaim *c = name_claims_lookup_by_creation(index->name_claims, n->info.times.creation);
	if (c == NULL)
		return NULL;
	bool claim_dir = (c->file_attributes & NAME_CLAIM_DIRECTORY_ATTRIBUTE) != 0;
	bool node_dir = (n->info.flags & RFS_ENTRY_DIRECTORY) != 0;
	if (claim_dir != node_dir || c->parent.record == n->info.mft_record)
		return NULL;
	return c;
}

/* A record without $FILE_NAME takes the name and parent of the claim for its reference,
 * or else of an unreferenced claim that matches it by creation time. */
static void name_nameless(DeletedIndex *index, IndexNode *n)
{
	if (n == index->root || n == index->lost_found || has_own_name(n) ||
	    RFS_ENTRY_ORIGIN(n->info.id) != RFS_ORIGIN_MFT)
		return;
	MftRef ref = { n->info.mft_record, n->info.sequence };
	const NameClaim *c = name_claims_lookup(index->name_claims, ref);
	if (c == NULL && (n->info.flags & RFS_ENTRY_REMOVED) && ref.sequence > 1)
		c = name_claims_lookup(index->name_claims, (MftRef){ ref.record, ref.sequence - 1 });
	if (c == NULL && !index_node_is_stream(n))
		c = claim_by_creation(index, n);
	if (c == NULL || index_node_is_stream(n))
		return; /* a stream takes its file's name (name_and_add_folders) */
	n->info.file_name = n->info.name = deleted_index_copy_name(index, c->name);
	n->info.fn_times = c->fn_times;
	n->info.path_source = c->source;
	index_node_set_parent_ref(n, c->parent);
}

/* Whether the record of `ref` still describes that file: a node of the MFT for it, or the
 * record in use under the same sequence (a live file, not scanned). */
static bool record_matches(const DeletedIndex *index, MftRef ref)
{
	const IndexNode *n = deleted_index_lookup(index, RFS_ENTRY_ID(ref.record, 0));
	if (ref.record == MFT_RECORD_ROOT)
		return true;
	if (n != NULL && (n->info.sequence == ref.sequence ||
			  ((n->info.flags & RFS_ENTRY_REMOVED) && n->info.sequence == mft_sequence_next(ref.sequence))))
		return true;
	if (ref.record >= index->record_count)
		return true; /* no such record: the claim is not believed */
	uint32_t state = index->record_states[ref.record];
	if (!(state & DELETED_INDEX_RECORD_SEEN))
		return true; /* never a FILE record, or unreadable: nothing shows it was reused */
	uint16_t sequence = (uint16_t)state;
	bool in_use = (state >> 16) & MFT_RECORD_IN_USE;
	return sequence == ref.sequence || (!in_use && sequence == mft_sequence_next(ref.sequence));
}

bool path_traces_wanted(const DeletedIndex *index, MftRef ref, bool referenced, int64_t creation)
{
	if (index->trace_wanted == NULL)
		return true;
	if (!referenced)
		return g_hash_table_contains(index->trace_wanted_creation,
					     (gpointer)(uintptr_t)(uint64_t)creation);
	return g_hash_table_contains(index->trace_wanted, ref_key(ref)) || !record_matches(index, ref);
}

static void add_ghosts(DeletedIndex *index)
{
	g_autoptr(GPtrArray) sorted = name_claims_sorted(index->name_claims);
	for (guint i = 0; i < sorted->len; i++) {
		const NameClaim *c = g_ptr_array_index(sorted, i);
		if ((c->file_attributes & NAME_CLAIM_DIRECTORY_ATTRIBUTE) || record_matches(index, c->child) ||
		    path_traces_folder(index, c->child) != NULL)
			continue;
		IndexNode *n = add_from_claim(index, c, RFS_ENTRY_GHOST);
		if (n == NULL)
			continue;
		n->info.size_bytes = c->size_bytes;
		n->info.allocated_bytes = c->allocated_bytes;
		index->stats.ghosts++;
	}
}

/* A folder from the claim for `n`'s parent reference, if the MFT cannot resolve it. */
static void add_folder(DeletedIndex *index, const IndexNode *n)
{
	if (n == index->root || n == index->lost_found || index_node_is_stream(n) || !has_own_name(n))
		return;
	if (parent_known(index, n))
		return;
	const NameClaim *c = name_claims_lookup(index->name_claims, index_node_parent_ref(n));
	if (c == NULL)
		return;
	IndexNode *dir = add_from_claim(index, c, RFS_ENTRY_DIRECTORY);
	if (dir != NULL)
		g_hash_table_insert(index->trace_dirs, ref_key(c->child), dir);
}

/* Folders for the nodes from `first` on. The loop also visits the folders it adds, so
 * their parents get folders too. */
static void add_folders(DeletedIndex *index, size_t first)
{
	for (size_t i = first; i < deleted_index_node_count(index); i++)
		add_folder(index, deleted_index_node_at(index, i));
}

/* One pass over the nodes: names the nameless, then adds the folders their parents need (a
 * node's folder depends on no later node's name; the folders added come last, and have
 * their names). Then streams follow their file's new name. */
static void name_and_add_folders(DeletedIndex *index)
{
	for (size_t i = 0; i < deleted_index_node_count(index); i++) {
		IndexNode *n = deleted_index_node_at(index, i);
		name_nameless(index, n);
		add_folder(index, n);
	}
	GHashTableIter it;
	gpointer stream, base;
	g_hash_table_iter_init(&it, index->stream_bases);
	while (g_hash_table_iter_next(&it, &stream, &base))
		((IndexNode *)stream)->info.file_name = ((const IndexNode *)base)->info.file_name;
}

void path_traces_apply(DeletedIndex *index)
{
	if (index->trace_dirs == NULL)
		index->trace_dirs = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (name_claims_offered(index->name_claims) == 0)
		return;
	name_and_add_folders(index);
	size_t first_ghost = deleted_index_node_count(index);
	add_ghosts(index); /* not of claims that became folders */
	add_folders(index, first_ghost);
	g_info("%u name claims from %" PRIu64 " traces; %" PRIu64 " ghosts, %u folders rebuilt",
	       name_claims_count(index->name_claims), name_claims_offered(index->name_claims),
	       index->stats.ghosts, g_hash_table_size(index->trace_dirs));
}
