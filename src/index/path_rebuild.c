/* Turns the scanned nodes into a tree: parent references checked against sequence numbers,
 * orphans under lost+found, cycles broken, dead-end live directories pruned, collisions
 * renamed deterministically. All walks are iterative: hostile depth cannot blow the stack. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/deleted_index.h"

#include <string.h>

#include "ntfs/mft_reader.h"

enum {
	STATE_REACHED = 1u << 0,
	STATE_PRUNED = 1u << 1,
	STATE_UNSORTED = 1u << 2, /* a directory whose children changed names or grew */
	STATE_ON_PATH = 1u << 3,  /* on the walk break_cycles is making */
	STATE_TRACED = 1u << 4,   /* its path used a claim: its own name or an ancestor's */
	STATE_START = 1u << 5,    /* in break_cycles' list of walks */
};

/* A carved directory of the same record number and sequence (or one more: freed since). */
static IndexNode *resolve_carved_parent(DeletedIndex *index, IndexNode *node)
{
	MftRef ref = index_node_parent_ref(node);
	IndexNode *dir = deleted_index_lookup_carved_dir(index, ref.record, ref.sequence);
	if (dir == NULL)
		dir = deleted_index_lookup_carved_dir(index, ref.record, mft_sequence_next(ref.sequence));
	return dir != node ? dir : NULL;
}

/* Windows and ntfs-3g bump a record's sequence number when they free it, so a deleted
 * child's parent reference may trail its deleted parent by one. Anything else means the
 * parent's record now holds another file. */
IndexNode *path_rebuild_dir_lookup(const DeletedIndex *index, MftRef ref)
{
	IndexNode *dir = g_hash_table_lookup(index->dirs, GSIZE_TO_POINTER(ref.record));
	if (dir == NULL)
		return NULL;
	if (dir->info.sequence == ref.sequence)
		return dir;
	if ((dir->info.flags & RFS_ENTRY_REMOVED) && dir->info.sequence == mft_sequence_next(ref.sequence))
		return dir;
	return NULL;
}

/* A carved record's parent is first looked for among the carved: after a format, record
 * numbers and sequence numbers start again, and today's record 40 with sequence 1 is not
 * the carved child's record 40 with sequence 1; the old root of a formatted volume is
 * today's. Then the MFT's directory; then a carved one; failing those, a folder rebuilt from
 * a claim for exactly that reference (path_traces.c); failing that, the child is an orphan. */
static IndexNode *resolve_parent(DeletedIndex *index, IndexNode *node)
{
	MftRef ref = index_node_parent_ref(node);
	bool carved = node->info.flags & RFS_ENTRY_CARVED;
	if (carved && ref.record == MFT_RECORD_ROOT)
		return index->root;
	IndexNode *dir = carved ? resolve_carved_parent(index, node) : NULL;
	if (dir == NULL)
		dir = path_rebuild_dir_lookup(index, ref);
	if (dir == NULL && !carved)
		dir = resolve_carved_parent(index, node);
	if (dir == NULL)
		dir = path_traces_folder(index, ref);
	return dir == node ? NULL : dir;
}

static void attach(IndexNode *parent, IndexNode *child)
{
	if (parent->children == NULL)
		parent->children = g_ptr_array_new();
	g_ptr_array_add(parent->children, child);
	child->parent = parent;
	child->info.parent_id = parent->info.id;
}

static void detach(IndexNode *child)
{
	if (child->parent != NULL) /* keeps the order: children may be sorted already */
		g_ptr_array_remove(child->parent->children, child);
	child->parent = NULL;
	child->info.parent_id = child->info.id;
}

/* A parent chain that loops never reaches the root. Walking up from a node until the root,
 * lost+found or a node known to reach them tells which nodes do; a walk that meets itself
 * instead has found a loop, and hanging the node where it met itself under lost+found cuts
 * the loop while keeping the rest of the structure below it. The walks start from every
 * node in creation order; only directories have children, so a walk from a file is the walk
 * from its parent, and `starts` lists, in that order, the first start of each walk
 * (link_nodes). Each node is walked over once (it is marked reached then): linear. */
static void break_cycles(DeletedIndex *index, const GPtrArray *starts)
{
	index->root->state |= STATE_REACHED;
	index->lost_found->state |= STATE_REACHED;
	for (guint i = 0; i < starts->len; i++) {
		IndexNode *n = g_ptr_array_index(starts, i);
		if (n->state & STATE_REACHED)
			continue;
		IndexNode *p = n;
		while (p->parent != NULL && !(p->state & (STATE_ON_PATH | STATE_REACHED))) {
			p->state |= STATE_ON_PATH;
			p = p->parent;
		}
		bool reached = p->state & STATE_REACHED;
		/* along the walk as it went, before a cut changes it; once reattached, all reach */
		for (IndexNode *q = n; q != NULL && (q->state & STATE_ON_PATH); q = q->parent)
			q->state = (q->state & ~(uint32_t)STATE_ON_PATH) | STATE_REACHED;
		if (!reached) {
			g_debug("record %" PRIu64 ": parent references form a loop", p->info.mft_record);
			detach(p);
			attach(index->lost_found, p);
			p->state |= STATE_REACHED;
		}
	}
}

/* Deleted files and streams by the state of their data. */
static void count_state(DeletedIndex *index, const IndexNode *n)
{
	if ((n->info.flags & RFS_ENTRY_REMOVED) && !(n->info.flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_GHOST)))
		index->stats.by_state[rfs_entry_state(&n->info)]++;
}

static void note_start(GPtrArray *starts, IndexNode *n)
{
	if (!(n->state & STATE_START))
		g_ptr_array_add(starts, n);
	n->state |= STATE_START;
}

/* Attaches every node but the root, lost+found and the named streams (collected in
 * `streams`, in creation order) to its parent, or lost+found; notes the walks of
 * break_cycles in `starts`; counts states (no node pruned later is deleted). */
static void link_nodes(DeletedIndex *index, GPtrArray *streams, GPtrArray *starts)
{
	for (size_t i = 0; i < deleted_index_node_count(index); i++) {
		IndexNode *n = deleted_index_node_at(index, i);
		count_state(index, n);
		if (index_node_is_stream(n))
			g_ptr_array_add(streams, n);
		if (n == index->root || n == index->lost_found || index_node_is_stream(n))
			continue;
		IndexNode *parent = resolve_parent(index, n);
		attach(parent != NULL ? parent : index->lost_found, n);
		if (n->info.flags & RFS_ENTRY_DIRECTORY)
			note_start(starts, n); /* parents are directories (resolve_parent) */
		note_start(starts, n->parent);
	}
}

/* Nodes below `top` in pre-order (`top` first, parents before children). Children arrays
 * are copied whole onto the stack. On a tree only (after break_cycles). `expected`: how
 * many nodes there may be, to size the arrays. */
static GPtrArray *walk_order(IndexNode *top, guint expected)
{
	GPtrArray *order = g_ptr_array_sized_new(MAX(expected, 1));
	guint capacity = MAX(expected, 16), depth = 0;
	IndexNode **stack = g_new(IndexNode *, capacity);
	stack[depth++] = top;
	while (depth > 0) {
		IndexNode *n = stack[--depth];
		g_ptr_array_add(order, n);
		const GPtrArray *kids = n->children;
		if (kids == NULL || kids->len == 0)
			continue;
		if (kids->len > capacity - depth) {
			capacity = MAX(2 * capacity, depth + kids->len);
			stack = g_renew(IndexNode *, stack, capacity);
		}
		memcpy(stack + depth, kids->pdata, kids->len * sizeof *stack);
		depth += kids->len;
	}
	g_free(stack);
	return order;
}

static bool is_scaffolding(const IndexNode *n)
{
	return (n->info.flags & RFS_ENTRY_DIRECTORY) &&
	       !(n->info.flags & (RFS_ENTRY_REMOVED | RFS_ENTRY_SYNTHETIC));
}

static bool is_live(const IndexNode *n)
{
	return !(n->info.flags & (RFS_ENTRY_REMOVED | RFS_ENTRY_SYNTHETIC));
}

/* Live directories are only shown as the way to deleted entries: `n` drops its children
 * marked pruned, and is marked itself if it leads to no deleted entry; with `all_live`, if
 * it is live (NTFS metadata files under $Extend, even when live files are shown). Its
 * children must have been seen first. */
static void prune_node(DeletedIndex *index, IndexNode *n, bool all_live)
{
	if (n->children != NULL) {
		guint kept = 0;
		for (guint c = 0; c < n->children->len; c++) {
			IndexNode *child = g_ptr_array_index(n->children, c);
			if (!(child->state & STATE_PRUNED))
				g_ptr_array_index(n->children, kept++) = child;
		}
		g_ptr_array_set_size(n->children, kept);
	}
	bool empty = n->children == NULL || n->children->len == 0;
	if (n != index->root && ((empty && is_scaffolding(n)) || (all_live && is_live(n) && !is_scaffolding(n))))
		n->state |= STATE_PRUNED;
}

/* A pruned node leaves the lookups; its memory stays the index's. */
static void forget_pruned(DeletedIndex *index, IndexNode *n)
{
	deleted_index_forget(index, n);
	g_clear_pointer(&n->children, g_ptr_array_unref);
}

/* Prunes below `top`, which leaves its parent if it goes too. */
static void prune_scaffolding(DeletedIndex *index, IndexNode *top, bool all_live)
{
	g_autoptr(GPtrArray) order = walk_order(top, 0);
	for (guint i = order->len; i-- > 0;)
		prune_node(index, g_ptr_array_index(order, i), all_live);
	if (top->state & STATE_PRUNED)
		detach(top);
	for (guint i = 0; i < order->len; i++) {
		IndexNode *n = g_ptr_array_index(order, i);
		if (n->state & STATE_PRUNED)
			forget_pruned(index, n);
	}
}

/* $Extend, the folder of NTFS metadata files ($ObjId, $Quota, $Reparse, $UsnJrnl, ...). */
static IndexNode *extend_directory(const DeletedIndex *index)
{
	for (guint i = 0; index->root->children != NULL && i < index->root->children->len; i++) {
		IndexNode *n = g_ptr_array_index(index->root->children, i);
		if (n->info.mft_record == MFT_RECORD_EXTEND && (n->info.flags & RFS_ENTRY_DIRECTORY))
			return n;
	}
	return NULL;
}

char *path_rebuild_collision_name(const char *name, uint64_t record_number, unsigned attempt)
{
	g_autofree char *tag = attempt > 1 ? g_strdup_printf("mft %" PRIu64 ", %u", record_number, attempt)
					   : g_strdup_printf("mft %" PRIu64, record_number);
	return path_rebuild_tagged_name(name, tag);
}

char *path_rebuild_tagged_name(const char *name, const char *tag)
{
	const char *dot = strrchr(name, '.');
	if (dot == NULL || dot == name)
		return g_strdup_printf("%s (%s)", name, tag);
	return g_strdup_printf("%.*s (%s)%s", (int)(dot - name), name, tag, dot);
}

static int compare_by_name(gconstpointer a, gconstpointer b)
{
	const IndexNode *x = *(IndexNode *const *)a, *y = *(IndexNode *const *)b;
	return strcmp(x->info.name, y->info.name);
}

/* A child as the name sort sees it: the name's first 8 bytes, big-endian and zero-padded,
 * compare the way strcmp compares them, so most comparisons never read the names. */
typedef struct {
	uint64_t prefix;
	const char *name;
	RfsEntryId id;
	IndexNode *node;
} SortKey;

/* Scratch for sorting children, reused from one directory to the next. */
typedef struct {
	SortKey *keys;
	SortKey *merge;
	guint capacity;
} SortScratch;

static void sort_scratch_clear(SortScratch *s)
{
	g_free(s->keys);
	g_free(s->merge);
}

static uint64_t name_prefix(const char *name)
{
	uint64_t prefix = 0;
	for (int i = 0; i < 8; i++) {
		prefix <<= 8;
		if (*name != '\0')
			prefix |= (unsigned char)*name++;
	}
	return prefix;
}

static bool same_name(const SortKey *x, const SortKey *y)
{
	return x->prefix == y->prefix && ((x->prefix & 0xff) == 0 || strcmp(x->name + 8, y->name + 8) == 0);
}

/* strcmp of the names, then the ids: a total order, so any sort gives one result. */
static int key_compare(const SortKey *x, const SortKey *y)
{
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	int c = (x->prefix & 0xff) == 0 ? 0 : strcmp(x->name + 8, y->name + 8);
	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Merge sort of keys[0, n): runs of 16 by insertion, then merges through `tmp`. */
static void sort_keys(SortKey *keys, SortKey *tmp, guint n)
{
	enum { RUN = 16 };
	for (guint lo = 0; lo < n; lo += RUN) {
		guint hi = MIN(lo + RUN, n);
		for (guint i = lo + 1; i < hi; i++) {
			SortKey k = keys[i];
			guint j = i;
			for (; j > lo && key_compare(&k, &keys[j - 1]) < 0; j--)
				keys[j] = keys[j - 1];
			keys[j] = k;
		}
	}
	SortKey *from = keys, *to = tmp;
	for (guint width = RUN; width < n; width *= 2) {
		for (guint lo = 0; lo < n; lo += 2 * width) {
			guint mid = MIN(lo + width, n), hi = MIN(lo + 2 * width, n), a = lo, b = mid, o = lo;
			while (a < mid && b < hi)
				to[o++] = key_compare(&from[b], &from[a]) < 0 ? from[b++] : from[a++];
			while (a < mid)
				to[o++] = from[a++];
			while (b < hi)
				to[o++] = from[b++];
		}
		SortKey *t = from;
		from = to, to = t;
	}
	if (from != keys)
		memcpy(keys, from, n * sizeof *keys);
}

/* Sorts `kids` by name, then id; returns whether two share a name. A directory listed in
 * that order already (often) costs one comparison per child. */
static bool sort_children(GPtrArray *kids, SortScratch *scratch)
{
	guint n = kids->len;
	if (n > scratch->capacity) {
		scratch->capacity = MAX(n, 2 * scratch->capacity);
		scratch->keys = g_renew(SortKey, scratch->keys, scratch->capacity);
		scratch->merge = g_renew(SortKey, scratch->merge, scratch->capacity);
	}
	SortKey *keys = scratch->keys;
	bool sorted = true;
	for (guint i = 0; i < n; i++) {
		IndexNode *node = g_ptr_array_index(kids, i);
		keys[i] = (SortKey){ name_prefix(node->info.name), node->info.name, node->info.id, node };
		if (sorted && i > 0 && key_compare(&keys[i - 1], &keys[i]) > 0)
			sorted = false;
	}
	if (!sorted) {
		sort_keys(keys, scratch->merge, n);
		for (guint i = 0; i < n; i++)
			g_ptr_array_index(kids, i) = keys[i].node;
	}
	for (guint i = 1; i < n; i++)
		if (same_name(&keys[i - 1], &keys[i]))
			return true;
	return false;
}

/* Within one directory the entry with the lowest id keeps its name; each other entry of
 * the same name becomes "stem (mft N).ext". Ids are stable, so names are too. */
static bool make_names_unique(DeletedIndex *index, IndexNode *dir, SortScratch *scratch)
{
	GPtrArray *kids = dir->children;
	if (!sort_children(kids, scratch))
		return false;
	g_autoptr(GHashTable) taken = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < kids->len; i++)
		g_hash_table_add(taken, (gpointer)((IndexNode *)g_ptr_array_index(kids, i))->info.name);
	const char *run_name = NULL; /* the name the run of equal names started with */
	for (guint i = 0; i < kids->len; i++) {
		IndexNode *n = g_ptr_array_index(kids, i);
		if (run_name == NULL || strcmp(run_name, n->info.name) != 0) {
			run_name = n->info.name;
			continue;
		}
		g_autofree char *fresh = path_rebuild_collision_name(n->info.name, n->info.mft_record, 1);
		for (unsigned k = 2; g_hash_table_contains(taken, fresh) && k < 1000; k++) {
			g_free(fresh);
			fresh = path_rebuild_collision_name(n->info.name, n->info.mft_record, k);
		}
		n->info.name = deleted_index_copy_name(index, fresh);
		g_hash_table_add(taken, (gpointer)n->info.name);
	}
	return true;
}

/* What the pass over the tree gathers for the steps after it. */
typedef struct {
	SortScratch scratch;
	GPtrArray *unsorted; /* directories whose children changed names or grew, once each */
	GPtrArray *claimed;  /* nodes whose own name came from a claim, children first */
} Finish;

static void note_unsorted(Finish *f, IndexNode *dir)
{
	if (!(dir->state & STATE_UNSORTED))
		g_ptr_array_add(f->unsorted, dir);
	dir->state |= STATE_UNSORTED;
}

/* A name Linux tools can use: not empty, not "." or "..", at most NAME_MAX bytes (cut at
 * a character boundary, keeping a short extension and marking the cut with the record).
 * The on-disk name stays in file_name and original_path. */
static const char *usable_name(DeletedIndex *index, const char *name, uint64_t record)
{
	enum { NAME_MAX_BYTES = 255, EXT_MAX_BYTES = 16 };
	size_t len = strlen(name);
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		g_autofree char *s = g_strdup_printf("(mft %" PRIu64 ")", record);
		return deleted_index_copy_name(index, s);
	}
	if (len <= NAME_MAX_BYTES)
		return name;
	const char *dot = strrchr(name, '.');
	const char *ext = dot != NULL && dot != name && strlen(dot) <= EXT_MAX_BYTES ? dot : "";
	g_autofree char *marker = g_strdup_printf(" (mft %" PRIu64 ")%s", record, ext);
	size_t keep = NAME_MAX_BYTES - strlen(marker);
	while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
		keep--; /* do not split a UTF-8 sequence */
	g_autofree char *s = g_strdup_printf("%.*s%s", (int)keep, name, marker);
	return deleted_index_copy_name(index, s);
}

/* Named streams sit beside their file as "file:stream", after the file's final name. */
static void attach_streams(DeletedIndex *index, const GPtrArray *streams, Finish *f)
{
	for (guint i = 0; i < streams->len; i++) {
		IndexNode *n = g_ptr_array_index(streams, i);
		IndexNode *base = deleted_index_stream_base(index, n);
		if (base->parent == NULL || (base->state & STATE_PRUNED)) {
			n->info.parent_id = n->info.id;
			continue;
		}
		g_autofree char *name = g_strdup_printf("%s:%s", base->info.name, n->info.stream_name);
		n->info.name = usable_name(index, deleted_index_copy_name(index, name), n->info.mft_record);
		attach(base->parent, n);
		note_unsorted(f, base->parent);
	}
}

/* `dir`'s children get names Linux can use, in name order, unique within it; returns
 * whether some were renamed to be unique (they are then out of order). */
static bool name_children(DeletedIndex *index, IndexNode *dir, SortScratch *scratch)
{
	for (guint c = 0; c < dir->children->len; c++) {
		IndexNode *k = g_ptr_array_index(dir->children, c);
		k->info.name = usable_name(index, k->info.name, k->info.mft_record);
	}
	return dir->children->len > 1 && make_names_unique(index, dir, scratch);
}

/* With `prune`, prunes `n` (a directory pruned had only pruned children, so what is left
 * is a tree); then names its children, which no later step renames but the streams' pass,
 * and notes those whose own name came from a claim. Its children must be settled. */
static void settle_node(DeletedIndex *index, IndexNode *n, bool prune, Finish *f)
{
	if (prune)
		prune_node(index, n, false);
	if (n->state & STATE_PRUNED) {
		forget_pruned(index, n);
		return;
	}
	if (n->children == NULL)
		return;
	if (name_children(index, n, &f->scratch))
		note_unsorted(f, n);
	for (guint c = n->children->len; c-- > 0;) {
		IndexNode *k = g_ptr_array_index(n->children, c);
		if (k->info.path_source != RFS_PATH_SOURCE_MFT)
			g_ptr_array_add(f->claimed, k);
	}
}

typedef struct {
	IndexNode *dir;
	guint next; /* its next child to visit */
} Frame;

/* Settles every node of the tree, children first (post-order, depth first with a stack of
 * its own): a directory right after its subtree, while its children are still in the
 * caches. On a tree only (after break_cycles). */
static void settle_tree(DeletedIndex *index, bool prune, Finish *f)
{
	g_autoptr(GArray) stack = g_array_new(FALSE, FALSE, sizeof(Frame));
	Frame frame = { index->root, 0 };
	g_array_append_val(stack, frame);
	while (stack->len > 0) {
		Frame *top = &g_array_index(stack, Frame, stack->len - 1);
		const GPtrArray *kids = top->dir->children;
		if (kids != NULL && top->next < kids->len) {
			IndexNode *child = g_ptr_array_index(kids, top->next++);
			if (child->children != NULL && child->children->len > 0) {
				frame = (Frame){ child, 0 };
				g_array_append_val(stack, frame); /* `top` moves */
			} else {
				settle_node(index, child, prune, f);
			}
			continue;
		}
		IndexNode *dir = top->dir;
		g_array_set_size(stack, stack->len - 1);
		settle_node(index, dir, prune, f);
	}
}

/* Entries whose path used a claim anywhere, their own name or an ancestor's: the subtrees
 * of the claimed nodes, taken parents first so that each node is counted once. */
static void count_paths_from_traces(DeletedIndex *index, Finish *f)
{
	g_autoptr(GPtrArray) stack = g_ptr_array_new();
	if (index->root->info.path_source != RFS_PATH_SOURCE_MFT)
		g_ptr_array_add(f->claimed, index->root);
	for (guint i = f->claimed->len; i-- > 0;) {
		g_ptr_array_add(stack, g_ptr_array_index(f->claimed, i));
		while (stack->len > 0) {
			IndexNode *n = g_ptr_array_steal_index_fast(stack, stack->len - 1);
			if ((n->state & STATE_TRACED) || index_node_is_stream(n))
				continue; /* counted with an ancestor; streams are not counted */
			n->state |= STATE_TRACED;
			index->stats.paths_from_traces++;
			for (guint c = 0; n->children != NULL && c < n->children->len; c++)
				g_ptr_array_add(stack, g_ptr_array_index(n->children, c));
		}
	}
}

/* Directories streams joined ("a:b" may now meet a file really called "a:b"), or whose
 * names were made unique: unique again, then in name order. */
static void sort_again(DeletedIndex *index, Finish *f)
{
	for (guint i = 0; i < f->unsorted->len; i++) {
		IndexNode *dir = g_ptr_array_index(f->unsorted, i);
		make_names_unique(index, dir, &f->scratch);
		g_ptr_array_sort(dir->children, compare_by_name);
	}
}

static void count_and_mark_orphans(DeletedIndex *index)
{
	g_autoptr(GPtrArray) below = walk_order(index->lost_found, 0);
	for (guint i = 1; i < below->len; i++) {
		IndexNode *n = g_ptr_array_index(below, i);
		n->info.flags |= RFS_ENTRY_ORPHAN;
		if (!index_node_is_stream(n))
			index->stats.orphans++;
	}
}

/* Every node's parent_id follows its parent from attach() and detach(): the root and the
 * streams left out are their own parents. */
void path_rebuild_link(DeletedIndex *index, bool keep_live)
{
	g_autoptr(GPtrArray) streams = g_ptr_array_new();
	g_autoptr(GPtrArray) starts = g_ptr_array_new();
	link_nodes(index, streams, starts);
	index->root->info.parent_id = index->root->info.id;
	break_cycles(index, starts);
	attach(index->root, index->lost_found);
	IndexNode *extend = extend_directory(index);
	if (keep_live && extend != NULL)
		prune_scaffolding(index, extend, true);
	Finish f = { .unsorted = g_ptr_array_new(), .claimed = g_ptr_array_new() };
	settle_tree(index, !keep_live, &f);
	attach_streams(index, streams, &f);
	sort_again(index, &f);
	count_paths_from_traces(index, &f);
	sort_scratch_clear(&f.scratch);
	g_ptr_array_unref(f.unsorted);
	g_ptr_array_unref(f.claimed);
	count_and_mark_orphans(index);
	if (index->lost_found->children == NULL || index->lost_found->children->len == 0) {
		detach(index->lost_found);
		index->lost_found->state |= STATE_PRUNED;
		forget_pruned(index, index->lost_found);
		index->lost_found = NULL;
	}
	g_clear_pointer(&index->dirs, g_hash_table_unref);
	g_clear_pointer(&index->carved_dirs, g_hash_table_unref);
	g_clear_pointer(&index->trace_dirs, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted_creation, g_hash_table_unref);
	g_clear_pointer(&index->name_claims, name_claims_free);
	g_clear_pointer(&index->record_states, g_free);
	index->record_count = 0;
}
