/* Which entries restorefs-scan lists or extracts.
 *
 * Filters (name, sizes, recoverable percentage, deletion time) select files and named
 * streams. A deletion-time filter keeps only entries whose deletion time the change journal
 * gives (RfsEntryInfo.deleted_time): an entry with none is left out whenever one is set. A directory
 * is selected when it is deleted (or live with include_live) and, once any filter is given,
 * only when it holds a selected entry somewhere below it; `no_directories` drops directory
 * rows from a listing (extraction still creates the directories its files need). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

typedef struct {
	const char *name_glob;     /* fnmatch(3) on the entry name, or on the tree path when the
				    * glob holds a '/'; NULL = any                           */
	uint64_t min_size_bytes;
	uint64_t max_size_bytes;   /* UINT64_MAX = no limit                                  */
	unsigned min_recoverable;  /* percent, 0 = any                                       */
	int64_t deleted_after;     /* FILETIME: deleted at or after it; 0 = no filter        */
	int64_t deleted_before;    /* FILETIME: deleted strictly before it; 0 = no filter    */
	bool include_live;         /* also live entries (the scan must have indexed them)    */
	bool no_directories;       /* no directory rows                                      */
} Filters;

#define FILTERS_INIT { NULL, 0, UINT64_MAX, 0, 0, 0, false, false }

/* True when a name, size, recoverable or deletion-time filter is set. */
bool filters_active(const Filters *f);
/* Whether a file or stream entry passes the filters; `path` is its tree path. */
bool filters_match_file(const Filters *f, const RfsEntryInfo *info, const char *path,
			unsigned recoverable_percent);

/* The selected entries (const RfsEntryInfo *, owned by `ctx`) in rfs_context_foreach order:
 * parents before children. Directories are included as described above (even with
 * no_directories: callers that list skip them). */
GPtrArray *filters_select(const RfsContext *ctx, const Filters *f);
