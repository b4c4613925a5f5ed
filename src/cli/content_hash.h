/* Content hashes for restorefs-scan --hash: each listed file or stream read through
 * rfs_stream_open()/rfs_stream_read(), as --extract would write it, into a GChecksum. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "progress.h"
#include "restorefs/restorefs.h"

/* The lowercase hex digest of entry `id`'s content (`options` as for rfs_stream_open());
 * `progress` (may be NULL) is advanced from *done_bytes by every byte read. NULL with
 * `error` set when the entry cannot be read. Directories have no content: call it for files
 * and streams only. */
char *content_hash_entry(const RfsContext *ctx, RfsEntryId id, const RfsStreamOptions *options,
			 GChecksumType type, Progress *progress, uint64_t *done_bytes,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
