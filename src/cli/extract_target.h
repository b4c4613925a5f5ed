/* What --extract checks about its target before writing anything: that it is writable and
 * has room for the selection. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "extract.h"
#include "restorefs/restorefs.h"

/* Whether extract_run() writes `e` (a file or stream: not a directory, not a ghost, not a
 * stream left out by --no-streams). */
bool extract_target_writes(const RfsEntryInfo *e, const ExtractOptions *opts);

/* Fails (RFS_ERROR_IO) when the file system of `dest_dir`, or of its nearest existing
 * parent, is read-only or cannot be examined. */
bool extract_target_check_writable(const char *dest_dir, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Fails (RFS_ERROR_IO, with the bytes needed and free and what to do) when the target is
 * read-only or has less free space than the files of `selected` that extract_run() writes
 * take: their sizes (a sparse file's allocated clusters only) rounded up to the target's
 * blocks; with --merge, files already under `dest_dir` are not counted. */
bool extract_target_check_space(RfsContext *ctx, const GPtrArray *selected, const char *dest_dir,
				const ExtractOptions *opts, GError **error) G_GNUC_WARN_UNUSED_RESULT;
