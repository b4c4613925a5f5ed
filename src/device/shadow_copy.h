/* Volume Shadow Copies of a volume: the snapshots Windows keeps inside the volume itself
 * (the VSS catalog at byte 0x1e00 and its store blocks), each one readable as the whole
 * volume was when it was taken. Read-only always. The backend (shadow_copy.c) never leaves
 * device/: callers see only ShadowCopySet and BlockSources. */
#pragma once

#include "device/block_source.h"

typedef struct ShadowCopySet ShadowCopySet;

typedef struct {
	char identifier[37];    /* the store's GUID, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
	int64_t creation_time;  /* FILETIME (UTC), 0 = unknown */
	uint64_t size_bytes;    /* the volume's size when the copy was taken */
} ShadowCopyInfo;

/* Whether `volume` (the bytes of an NTFS volume) carries the VSS signature at all. Cheap:
 * one sector read; false on any read failure. */
bool shadow_copy_probe(BlockSource *volume);

/* Opens the shadow copies of `volume`, which must outlive the set and every source opened
 * from it (the set reads through it; it never writes). NULL without an error when the
 * volume has no VSS signature or no copies; NULL with an error (RFS_ERROR_CORRUPT,
 * RFS_ERROR_UNSUPPORTED when the backend library cannot be loaded) when its catalog is
 * there but unreadable. */
ShadowCopySet *shadow_copy_set_open(BlockSource *volume, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Frees the set; sources opened from it keep what they need until they are closed. */
void shadow_copy_set_free(ShadowCopySet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ShadowCopySet, shadow_copy_set_free)

/* Copies in catalog order (oldest first); `i` is 0-based. */
size_t shadow_copy_set_count(const ShadowCopySet *set);
const ShadowCopyInfo *shadow_copy_set_info(const ShadowCopySet *set, size_t i);

/* Copy `i` as a volume of its own: reads are served from the copy's store where the live
 * volume changed since, else from the live volume. Safe from several threads (one lock per
 * set). */
BlockSource *shadow_copy_set_open_copy(ShadowCopySet *set, size_t i, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" of a GUID in its on-disk (mixed-endian) bytes. */
void shadow_copy_format_guid(const uint8_t guid[16], char out[37]);
