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

/* The same in steps, for a caller that does more between them (the deep sweep, progress
 * per phase): new, records (the MFT pass), optionally sweep, finish (links the tree,
 * resolves cluster claims, counts states), free. */
typedef struct MftScan MftScan;

MftScan *mft_scan_new(const Volume *vol, DeletedIndex *index, uint32_t scan_flags);
/* The MFT pass, and the folders' index blocks when some entry needs them. Fails when the
 * root directory is unreadable, or the source stops answering (RFS_ERROR_GONE). */
bool mft_scan_records(MftScan *scan, RfsProgressFunc progress, void *user_data,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The free clusters (every cluster with RFS_SCAN_DEEP_ALL) swept for INDX blocks and FILE
 * records (volume_sweep.h). Progress is in bytes. Fails only when the source stops
 * answering (RFS_ERROR_GONE). */
bool mft_scan_sweep(MftScan *scan, RfsProgressFunc progress, void *user_data,
		    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The change journal, the claims, the tree. Fails only when the source stops answering
 * (RFS_ERROR_GONE) while the journal is read. */
bool mft_scan_finish(MftScan *scan, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void mft_scan_free(MftScan *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MftScan, mft_scan_free)
