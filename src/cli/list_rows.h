/* Listing rows without hashes, formatted on every core and written in order. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "list_format.h"
#include "restorefs/restorefs.h"

/* The entry's two path columns into `path` and `original` (emptied first). */
void list_rows_paths(const RfsContext *ctx, const RfsEntryInfo *e, GString *path, GString *original);

/* Writes a row for every entry of `selected` (RfsEntryInfo*, in listing order), but
 * directories with `no_directories`, through `w`, whose format must be one that
 * list_format_writer_parallel() accepts. */
void list_rows_write(const RfsContext *ctx, const GPtrArray *selected, bool no_directories,
		     ListFormatWriter *w);
