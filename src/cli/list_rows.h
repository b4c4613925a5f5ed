/* Listing rows without hashes, formatted on every core and written in order. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "list_format.h"
#include "restorefs/restorefs.h"

/* Writes a row for every entry of `selected` (RfsEntryInfo*, in listing order), but
 * directories with `no_directories`, through `w`, whose format must be one that
 * list_format_writer_parallel() accepts. */
void list_rows_write(const RfsContext *ctx, const GPtrArray *selected, bool no_directories,
		     ListFormatWriter *w);
