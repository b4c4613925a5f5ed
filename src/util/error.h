/* The restorefs error domain. Fallible functions return bool (or a pointer) and set a
 * GError in this domain; errno exists only at the FUSE edge (src/fuse/ops.c). */
#pragma once

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "restorefs/restorefs.h"

bool rfs_set_error(GError **error, RfsError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Shorthands; each returns false so that `return rfs_set_corrupt(...)` reads naturally. */
bool rfs_set_corrupt(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
bool rfs_set_io(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
bool rfs_set_unsupported(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* A source that stopped answering (RFS_ERROR_GONE: unplugged, disconnected) fails every
 * later read alike, so whoever meets it stops instead of reading on. When *from is such an
 * error, moves it to `to` (NULL: drops it) and returns true; any other error stays. */
bool rfs_take_gone(GError **from, GError **to);
/* Prefixes a RFS_ERROR_GONE error with what was being read, for the user: "the source
 * stopped answering <phase>; check its connection and run again: ". */
void rfs_prefix_gone(GError **error, const char *phase);
