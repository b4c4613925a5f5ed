/* Entry selection for restorefs-scan and the restorefs mount: one walk of the index in tree order, then directories
 * without selected content are dropped when a filter is active. Never touches entry data. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "filters.h"

#include <string.h>

void filters_set_name(Filters *f, const char *glob, bool case_sensitive)
{
	g_clear_pointer(&f->name_glob, name_glob_free);
	if (glob != NULL)
		f->name_glob = name_glob_new(glob, case_sensitive);
}

void filters_clear(Filters *f)
{
	g_clear_pointer(&f->name_glob, name_glob_free);
}

bool filters_active(const Filters *f)
{
	return f->name_glob != NULL || f->min_size_bytes > 0 || f->max_size_bytes != UINT64_MAX ||
	       f->min_recoverable > 0 || f->deleted_after != 0 || f->deleted_before != 0 ||
	       f->modified_after != 0 || f->modified_before != 0;
}

/* Whether `t` lies in [after, before); a zero bound is open, a zero time (unknown) is out
 * as soon as either bound is set. */
static bool time_in(int64_t t, int64_t after, int64_t before)
{
	if (after == 0 && before == 0)
		return true;
	return t != 0 && t >= after && (before == 0 || t < before);
}

bool filters_match_file(const Filters *f, const RfsEntryInfo *info, const char *path,
			unsigned recoverable_percent)
{
	if (f->no_ghosts && (info->flags & RFS_ENTRY_GHOST))
		return false;
	if (info->size_bytes < f->min_size_bytes || info->size_bytes > f->max_size_bytes)
		return false;
	if (recoverable_percent < f->min_recoverable)
		return false;
	if (!time_in(info->deleted_time, f->deleted_after, f->deleted_before))
		return false;
	if (!time_in(info->times.last_write, f->modified_after, f->modified_before))
		return false;
	if (f->name_glob == NULL)
		return true;
	if (name_glob_wants_path(f->name_glob)) {
		if (path == NULL)
			return false;
		if (name_glob_match(f->name_glob, path))
			return true;
		/* "/dir/a.txt:s" also matches through "/dir/a.txt": a glob on the file keeps its ADS. */
		const char *colon = (info->flags & RFS_ENTRY_STREAM) ? strrchr(path, ':') : NULL;
		g_autofree char *file_path = colon != NULL ? g_strndup(path, (gsize)(colon - path)) : NULL;
		return file_path != NULL && name_glob_match(f->name_glob, file_path);
	}
	if (name_glob_match(f->name_glob, info->name))
		return true;
	/* A stream "a.txt:s" also matches through its file's name, so "*.txt" keeps the ADS. */
	return (info->flags & RFS_ENTRY_STREAM) && info->file_name != NULL &&
	       name_glob_match(f->name_glob, info->file_name);
}

/* A listable entry: deleted, from a shadow copy (where it may have been live: it is gone
 * from the live volume), or live when asked; never the synthetic root, lost+found or a
 * shadow copy's folder. */
static bool listable(const Filters *f, const RfsEntryInfo *info)
{
	if (info->flags & RFS_ENTRY_SYNTHETIC)
		return false;
	return (info->flags & (RFS_ENTRY_REMOVED | RFS_ENTRY_SNAPSHOT)) || f->include_live;
}

typedef struct {
	const RfsContext *ctx;
	const Filters *f;
	GPtrArray *selected;
	GHashTable *dirs_with_content; /* &info->id of directories above a selected entry */
	bool need_path;
	bool mark_dirs; /* only filtered listings drop directories without content */
} SelectWalk;

static void mark_ancestors(SelectWalk *w, RfsEntryId parent)
{
	/* Stops at the first directory already marked, so each is visited once overall;
	 * the index has no cycles, and the depth bound guards the walk anyway. Keys point
	 * at the ids inside the index, which live as long as the context. */
	for (unsigned depth = 0; depth < 4096; depth++) {
		const RfsEntryInfo *p = rfs_context_lookup(w->ctx, parent);
		if (p == NULL || !g_hash_table_add(w->dirs_with_content, (gpointer)&p->id))
			return;
		if (p->id == RFS_ENTRY_ROOT || p->parent_id == p->id)
			return;
		parent = p->parent_id;
	}
}

static bool select_one(const RfsEntryInfo *info, void *user_data)
{
	SelectWalk *w = user_data;
	if (!listable(w->f, info))
		return true;
	if (info->flags & RFS_ENTRY_DIRECTORY) {
		g_ptr_array_add(w->selected, (gpointer)info);
		return true;
	}
	g_autofree char *path = w->need_path ? rfs_context_entry_path(w->ctx, info->id) : NULL;
	if (!filters_match_file(w->f, info, path, rfs_entry_recoverable_percent(info)))
		return true;
	g_ptr_array_add(w->selected, (gpointer)info);
	if (w->mark_dirs)
		mark_ancestors(w, info->parent_id);
	return true;
}

GPtrArray *filters_select(const RfsContext *ctx, const Filters *f)
{
	SelectWalk w = {
		.ctx = ctx,
		.f = f,
		.selected = g_ptr_array_new(),
		.dirs_with_content = g_hash_table_new(g_int64_hash, g_int64_equal),
		.need_path = f->name_glob != NULL && name_glob_wants_path(f->name_glob),
		.mark_dirs = filters_active(f),
	};
	rfs_context_foreach(ctx, select_one, &w);
	if (filters_active(f)) {
		guint kept = 0;
		for (guint i = 0; i < w.selected->len; i++) {
			const RfsEntryInfo *e = g_ptr_array_index(w.selected, i);
			if ((e->flags & RFS_ENTRY_DIRECTORY) &&
			    !g_hash_table_contains(w.dirs_with_content, &e->id))
				continue;
			g_ptr_array_index(w.selected, kept++) = (gpointer)e;
		}
		g_ptr_array_set_size(w.selected, kept);
	}
	g_hash_table_destroy(w.dirs_with_content);
	return w.selected;
}

GHashTable *filters_visible_set(const RfsContext *ctx, const Filters *f)
{
	g_autoptr(GPtrArray) selected = filters_select(ctx, f);
	SelectWalk w = { .ctx = ctx, .dirs_with_content = g_hash_table_new(g_int64_hash, g_int64_equal) };
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		g_hash_table_add(w.dirs_with_content, (gpointer)&e->id);
		mark_ancestors(&w, e->parent_id);
	}
	return w.dirs_with_content;
}
