/* The one pass over the MFT that fills a DeletedIndex. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "index/deleted_index.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

/* Reads every MFT record in large sequential reads and adds the nodes the index needs:
 * every directory (for paths), every deleted file and its named streams, and live files
 * when RFS_SCAN_INCLUDE_LIVE. Damaged records are counted and skipped. Progress is in
 * records. Extension-record reads share one MftFileBudget for the pass. Then reads the
 * change journal, if any, into deletion times (usn_join.c) and links the tree
 * (path_rebuild_link). `vol` is only read: other threads may read through it too. */
bool mft_scan_run(const Volume *vol, DeletedIndex *index, uint32_t scan_flags,
		  RfsProgressFunc progress, void *user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;
