/* Queries on the scanned index: lookups, children, traversal and paths. Read-only and
 * lock-free: the index does not change after the scan. */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/context_private.h"

#include <string.h>

/* Ids of origin k are shadow copy k's (snapshot_view.c), in that copy's own index. */
static const IndexNode *node_of(const RfsContext *ctx, RfsEntryId id)
{
	const Volume *vol;
	const DeletedIndex *index = context_index_of(ctx, id, &vol);
	return index != NULL ? deleted_index_lookup(index, id) : NULL;
}

/* A copy's folder in the root, and its lost+found: kept out of original paths. */
static bool is_snapshot_root(const RfsContext *ctx, const IndexNode *n)
{
	return RFS_ENTRY_ORIGIN(n->info.id) != RFS_ORIGIN_MFT && n->parent == ctx->index->root;
}

static bool is_lost_found(const RfsContext *ctx, const IndexNode *n)
{
	return n == ctx->index->lost_found ||
	       (n->info.id & ~((RfsEntryId)0xff << 56)) == RFS_ENTRY_LOST_FOUND;
}

const RfsEntryInfo *rfs_context_lookup(const RfsContext *ctx, RfsEntryId id)
{
	const IndexNode *n = node_of(ctx, id);
	return n != NULL ? &n->info : NULL;
}

const RfsEntryInfo *rfs_context_lookup_child(const RfsContext *ctx, RfsEntryId parent, const char *name)
{
	const IndexNode *dir = node_of(ctx, parent);
	const IndexNode *n = dir != NULL ? deleted_index_lookup_child(ctx->index, dir, name) : NULL;
	return n != NULL ? &n->info : NULL;
}

size_t rfs_context_child_count(const RfsContext *ctx, RfsEntryId parent)
{
	const IndexNode *dir = node_of(ctx, parent);
	return dir != NULL && dir->children != NULL ? dir->children->len : 0;
}

const RfsEntryInfo *rfs_context_child_at(const RfsContext *ctx, RfsEntryId parent, size_t i)
{
	const IndexNode *dir = node_of(ctx, parent);
	if (dir == NULL || dir->children == NULL || i >= dir->children->len)
		return NULL;
	return &((const IndexNode *)g_ptr_array_index(dir->children, (guint)i))->info;
}

void rfs_context_foreach(const RfsContext *ctx, RfsEntryFunc fn, void *user_data)
{
	if (ctx->index == NULL)
		return;
	g_autoptr(GPtrArray) stack = g_ptr_array_new();
	g_ptr_array_add(stack, ctx->index->root);
	while (stack->len > 0) {
		const IndexNode *n = g_ptr_array_steal_index_fast(stack, stack->len - 1);
		if (!fn(&n->info, user_data))
			return;
		for (guint i = n->children != NULL ? n->children->len : 0; i-- > 0;)
			g_ptr_array_add(stack, g_ptr_array_index(n->children, i));
	}
}

/* g_string_append() without a call where `out` has the room. */
static inline void append(GString *out, const char *s)
{
	size_t n = strlen(s);
	if (G_UNLIKELY(out->len + n >= out->allocated_len)) {
		g_string_append_len(out, s, (gssize)n);
		return;
	}
	memcpy(out->str + out->len, s, n + 1);
	out->len += n;
}

/* Appends the names from the root down to `n`; `original` uses the on-disk names and
 * starts an orphan's path with "?" where the chain of parents breaks. No allocation for
 * the usual depths: listings call this for every entry. */
static void path_append(const RfsContext *ctx, const IndexNode *n, bool original, GString *out)
{
	enum { SHALLOW = 64 };
	const IndexNode *shallow[SHALLOW];
	g_autoptr(GPtrArray) deep = NULL;
	guint depth = 0;
	for (const IndexNode *p = n; p != NULL && p != ctx->index->root; p = p->parent) {
		if (depth == SHALLOW) {
			deep = g_ptr_array_sized_new(2 * SHALLOW);
			for (guint i = 0; i < SHALLOW; i++)
				g_ptr_array_add(deep, (gpointer)shallow[i]);
		}
		if (deep != NULL)
			g_ptr_array_add(deep, (gpointer)p);
		else
			shallow[depth] = p;
		depth++;
	}
	gsize start = out->len;
	for (guint i = depth; i-- > 0;) {
		const IndexNode *p = deep != NULL ? g_ptr_array_index(deep, i) : shallow[i];
		if (original && is_snapshot_root(ctx, p))
			continue;
		if (original && is_lost_found(ctx, p)) {
			g_string_append_c(out, '?');
			continue;
		}
		g_string_append_c(out, '/');
		if (!original) {
			append(out, p->info.name);
		} else if (index_node_is_stream(p)) {
			append(out, p->info.file_name);
			g_string_append_c(out, ':');
			append(out, p->info.stream_name);
		} else {
			append(out, p->info.file_name);
		}
	}
	if (out->len == start)
		g_string_append_c(out, '/');
}

static char *path_of(const RfsContext *ctx, const IndexNode *n, bool original)
{
	GString *out = g_string_sized_new(64);
	path_append(ctx, n, original, out);
	return g_string_free(out, FALSE);
}

void rfs_context_append_path(const RfsContext *ctx, const RfsEntryInfo *info, bool original, GString *out)
{
	path_append(ctx, (const IndexNode *)((const char *)info - G_STRUCT_OFFSET(IndexNode, info)),
		    original, out);
}

char *rfs_context_entry_path(const RfsContext *ctx, RfsEntryId id)
{
	const IndexNode *n = node_of(ctx, id);
	return n != NULL ? path_of(ctx, n, false) : NULL;
}

char *rfs_context_entry_original_path(const RfsContext *ctx, RfsEntryId id)
{
	const IndexNode *n = node_of(ctx, id);
	return n != NULL ? path_of(ctx, n, true) : NULL;
}

void rfs_filetime_to_timespec(int64_t filetime, int64_t *sec, long *nsec)
{
	/* 1601-01-01 to 1970-01-01 in 100 ns units. */
	const int64_t epoch_delta = INT64_C(116444736000000000);
	int64_t t = filetime - epoch_delta;
	int64_t s = t / 10000000, r = t % 10000000;
	if (r < 0) {
		r += 10000000;
		s--;
	}
	*sec = s;
	*nsec = (long)(r * 100);
}
