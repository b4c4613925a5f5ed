/* The restore context's state, shared by the files of src/context/ only. */
#pragma once

#include "device/block_source.h"
#include "device/encrypted_volume.h"
#include "device/shadow_copy.h"
#include "index/deleted_index.h"
#include "ntfs/boot_sector.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

/* One Volume Shadow Copy, number k (1-based, catalog order): its bytes, its NTFS and the
 * view of it the tree shows, whose ids carry origin k (RFS_ORIGIN_SNAPSHOT). */
typedef struct {
	RfsSnapshotInfo info;      /* public view; strings point into the fields below */
	ShadowCopyInfo copy;
	char folder[32];           /* "@GMT-YYYY.MM.DD-HH.MM.SS", made unique in the root */
	BlockSource *src;          /* NULL when the copy could not be opened */
	BootSector boot;
	Volume *vol;
	DeletedIndex *view;        /* NULL when its volume was unreadable */
} ContextSnapshot;

struct RfsContext {
	char *source;              /* the path as given */
	BlockSource *volume_src;   /* the volume's bytes: file, window, or decrypted */
	BlockSource *raw_src;      /* the encrypted volume under a BitLocker source, else NULL */
	EncryptedVolume *encrypted; /* until unlocked */
	BootSector boot;
	Volume *vol;               /* NULL until the volume is readable (unlocked) */
	DeletedIndex *index;       /* NULL until scanned */
	RfsVolumeInfo info;
	RfsEncryptionInfo *encryption; /* copied from the BitLocker metadata; NULL if plain */
	bool force;                /* RFS_CONTEXT_FORCE */
	RfsScanPhase phase;        /* while rfs_context_scan() runs */
	ShadowCopySet *shadow_copies; /* NULL when the volume has none (or not scanned yet) */
	ContextSnapshot *snapshots;   /* shadow_copy_set_count() of them */
	size_t snapshot_count;
};

struct RfsStream {
	struct DataStream *ds;
};

/* Reads and validates the NTFS boot sector at `offset` of `src`. */
bool context_read_boot_sector(BlockSource *src, uint64_t offset, BootSector *out, GError **error);
/* Opens the Volume on ctx->volume_src once its boot sector is known. */
bool context_open_volume(RfsContext *ctx, GError **error);

/* The index and the volume an entry id belongs to, by its origin: the live volume's for
 * origin 0, snapshot k's for RFS_ORIGIN_SNAPSHOT(k); NULL (index) when there is none. */
const DeletedIndex *context_index_of(const RfsContext *ctx, RfsEntryId id, const Volume **vol);

/* After the live scan: opens the volume's shadow copies, scans each one's MFT and adds the
 * files gone from the live volume under one folder per copy in the root. A copy whose
 * volume is unreadable costs one warning, never the scan; only a source that stops
 * answering (RFS_ERROR_GONE) fails it. */
bool snapshot_view_scan_all(RfsContext *ctx, uint32_t scan_flags, RfsProgressFunc progress,
			    void *user_data, GError **error);
/* Scans copy k (1-based), opened already as snap->src, into snap->view and hangs it under
 * the root of ctx's scanned index. `live` caches the live volume's records across copies
 * (snapshot_view_live_cache_new()). */
bool snapshot_view_scan(RfsContext *ctx, ContextSnapshot *snap, unsigned k, GHashTable *live,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
GHashTable *snapshot_view_live_cache_new(void);
void snapshot_view_free_all(RfsContext *ctx);
