/* What a decryption backend implements behind encrypted_volume.h, and the state every
 * backend shares. encrypted_volume.c reads and decodes the header and metadata, checks a
 * key against the protectors and normalises it; a backend opens the volume, tries the
 * key and decrypts. Included by device/ only. */
#pragma once

#include "device/encrypted_volume.h"
#include "device/fve_metadata.h"

typedef struct EncryptedVolumeOps EncryptedVolumeOps;

/* A backend's volume starts with this struct. */
struct EncryptedVolume {
	const EncryptedVolumeOps *ops;
	BlockSource *parent;  /* the encrypted bytes, borrowed */
	uint32_t sector_size; /* of the decrypted volume: the header's, else the parent's */
	FveMetadata fve;      /* from the first metadata copy that passed its checks */
	FveInfo info;         /* decoded from that copy; a backend may refine it in open */
	char *refusal;        /* why the backend cannot decrypt the volume, NULL if it can */
	bool unlocked;        /* set by the backend */
};

struct EncryptedVolumeOps {
	/* Opens the volume without a key once `fve` and `info` are filled. Sets `refusal`
	 * when the backend cannot decrypt this volume and `unlocked` when no key is needed
	 * (a clear key). Fails only for what makes the volume unusable (RFS_ERROR_IO). */
	bool (*open)(EncryptedVolume *vol, GError **error);
	/* Tries one key on a locked volume that has a protector of this kind: a recovery
	 * password comes with dashes (RECOVERY_PASSWORD_DASHED_SIZE bytes), a startup key as
	 * the path of an existing file. Sets `unlocked` on success; messages without the
	 * "BitLocker: " prefix, which the caller adds. */
	bool (*unlock)(EncryptedVolume *vol, RfsKeyKind kind, const uint8_t *key, size_t key_size,
		       GError **error);
	/* The decrypted source of an unlocked volume; owns vol from then on, and its close
	 * calls encrypted_volume_free(). */
	BlockSource *(*take_source)(EncryptedVolume *vol);
	/* Releases what the backend holds and the memory of vol itself; the shared fields
	 * are already cleared. */
	void (*free)(EncryptedVolume *vol);
};

/* "password", "recovery password", "startup key", "full-volume encryption key". */
const char *encrypted_volume_kind_name(RfsKeyKind kind);

/* The backends: each returns a zeroed volume with its ops set. */
EncryptedVolume *bitlocker_source_new(void);
EncryptedVolume *bitlocker_native_new(void);
