/* The restore context's state, shared by the files of src/context/ only. */
#pragma once

#include "device/block_source.h"
#include "device/encrypted_volume.h"
#include "index/deleted_index.h"
#include "ntfs/boot_sector.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

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
};

struct RfsStream {
	struct DataStream *ds;
};

/* Reads and validates the NTFS boot sector at `offset` of `src`. */
bool context_read_boot_sector(BlockSource *src, uint64_t offset, BootSector *out, GError **error);
/* Opens the Volume on ctx->volume_src once its boot sector is known. */
bool context_open_volume(RfsContext *ctx, GError **error);
