/* Which entries restorefs-scan lists or extracts, and which ones a restorefs mount shows.
 *
 * Filters (name, sizes, recoverable percentage, deletion and modification time) select files
 * and named streams. The name filter is a NameGlob: case-insensitive unless asked, on the
 * name or, for a glob with '/', on the path's tail. A deletion-time filter keeps only entries whose deletion time the change journal
 * gives (RfsEntryInfo.deleted_time): an entry with none is left out whenever one is set. A directory
 * is selected when it is deleted (or live with include_live) and, once any filter is given,
 * only when it holds a selected entry somewhere below it; `no_directories` drops directory
 * rows from a listing (extraction still creates the directories its files need). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "name_glob.h"
#include "restorefs/restorefs.h"

typedef struct {
	NameGlob *name_glob;       /* owned (filters_clear()); on the entry name, or on the
				    * tree path when the glob holds a '/'; NULL = any       */
	uint64_t min_size_bytes;
	uint64_t max_size_bytes;   /* UINT64_MAX = no limit                                  */
	unsigned min_recoverable;  /* percent, 0 = any                                       */
	int64_t deleted_after;     /* FILETIME: deleted at or after it; 0 = no filter        */
	int64_t deleted_before;    /* FILETIME: deleted strictly before it; 0 = no filter    */
	int64_t modified_after;    /* FILETIME: $STANDARD_INFORMATION last write at or after */
	int64_t modified_before;   /* FILETIME: last write strictly before it; 0 = no filter */
	bool include_live;         /* also live entries (the scan must have indexed them)    */
	bool no_directories;       /* no directory rows                                      */
	bool no_ghosts;            /* no ghosts (the mount without -o ghosts)                */
} Filters;

#define FILTERS_INIT { NULL, 0, UINT64_MAX, 0, 0, 0, 0, 0, false, false, false }

/* Sets the name filter to `glob` (NULL: none), replacing any earlier one. */
void filters_set_name(Filters *f, const char *glob, bool case_sensitive);
/* Frees the name glob; the other members need no freeing. */
void filters_clear(Filters *f);

/* True when a name, size, recoverable, deletion- or modification-time filter is set. */
bool filters_active(const Filters *f);
/* Whether a file or stream entry passes the filters; `path` is its tree path. */
bool filters_match_file(const Filters *f, const RfsEntryInfo *info, const char *path,
			unsigned recoverable_percent);

/* The selected entries (const RfsEntryInfo *, owned by `ctx`) in rfs_context_foreach order:
 * parents before children. Directories are included as described above (even with
 * no_directories: callers that list skip them). */
GPtrArray *filters_select(const RfsContext *ctx, const Filters *f);

/* The ids (RfsEntryId *, pointing into the index of `ctx`) of the entries filters_select()
 * picks and of every folder above them, live ones included: what a mount shows. Free with
 * g_hash_table_destroy(). */
GHashTable *filters_visible_set(const RfsContext *ctx, const Filters *f);
