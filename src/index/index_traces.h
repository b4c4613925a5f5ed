/* Name claims from directory indexes ($I30): the $INDEX_ROOT of every directory record the
 * scan decodes, the INDX blocks its $INDEX_ALLOCATION maps (read later, sorted by LCN, in
 * large reads), and INDX blocks the deep sweep finds in free clusters. Live entries claim
 * RFS_PATH_SOURCE_INDEX, stale ones in the slack RFS_PATH_SOURCE_INDEX_SLACK, carved blocks
 * RFS_PATH_SOURCE_CARVED_INDEX. Stale keys whose entry header was overwritten name no
 * record: they are kept as unreferenced claims (name_claims_add_unreferenced). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/name_claims.h"
#include "ntfs/mft_record.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

typedef struct IndexTraces IndexTraces;

/* Whether a claim for `ref` (or, unreferenced, with this creation time) is worth keeping;
 * NULL keeps all. */
typedef bool (*IndexTracesFilter)(void *user_data, MftRef ref, bool referenced, int64_t creation);

/* Adds to `claims` (borrowed). `vol` is only read. */
IndexTraces *index_traces_new(const Volume *vol, NameClaims *claims);
/* Claims the filter refuses are dropped before their name is even converted. */
void index_traces_set_filter(IndexTraces *traces, IndexTracesFilter filter, void *user_data);
void index_traces_free(IndexTraces *traces);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IndexTraces, index_traces_free)

/* A directory's base record (live or deleted, fixups applied): claims from its $INDEX_ROOT
 * now; the extents of its $INDEX_ALLOCATION named $I30 in this record are noted for
 * index_traces_read_blocks(). Damaged attributes are skipped. */
void index_traces_add_directory(IndexTraces *traces, const MftRecord *rec);

/* Bytes of the noted INDX extents, overlaps counted once. */
uint64_t index_traces_pending_bytes(IndexTraces *traces);

/* Reads the noted extents in LCN order, each byte once, and adds the claims of every INDX
 * block in them. Unreadable extents are skipped; a source that stops answering
 * (RFS_ERROR_GONE) ends the reading: false, with that error. Progress in bytes. */
bool index_traces_read_blocks(IndexTraces *traces, RfsProgressFunc progress, void *user_data,
			      GError **error);

/* An INDX block found by signature (`size` bytes with their fixups, as the sweep passed
 * it): a copy is decoded and its entries claim RFS_PATH_SOURCE_CARVED_INDEX. */
void index_traces_add_carved(IndexTraces *traces, const uint8_t *block, size_t size);

/* The claims of one parsed node; public for the fuzz target and tests. `live_source` is
 * the source of its live entries (slack entries claim RFS_PATH_SOURCE_INDEX_SLACK unless
 * live_source is RFS_PATH_SOURCE_CARVED_INDEX). Returns the claims offered. */
uint64_t index_traces_add_node(NameClaims *claims, const uint8_t *buf, size_t size, bool is_block,
			       RfsPathSource live_source);
