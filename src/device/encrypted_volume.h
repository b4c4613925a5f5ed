/* Encrypted volumes (BitLocker) as the layers above device/ see them: a probe, an opaque
 * handle to describe and unlock, then a plain BlockSource of decrypted bytes. Which
 * library decrypts is chosen at open time and stays behind this header. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "restorefs/restorefs.h"
#include "util/bytes.h"

typedef struct EncryptedVolume EncryptedVolume;

typedef enum {
	ENCRYPTED_VOLUME_NATIVE, /* our own unlock and OpenSSL (bitlocker_native.c): the default */
	ENCRYPTED_VOLUME_LIBBDE, /* libbde (bitlocker_source.c): the reference */
} EncryptedVolumeBackend;

/* True if a BitLocker or BitLocker To Go volume header lies at byte `offset` of `src`.
 * False if not, and also if those 512 bytes lie past the end or cannot be read: a caller
 * that needs them reads them itself and reports that. */
bool encrypted_volume_probe(BlockSource *src, uint64_t offset);
/* The same on a first sector already read: false if it is shorter than 512 bytes. */
bool encrypted_volume_probe_sector(ByteSpan first_sector);

/* The size in bytes of the BitLocker volume whose header is at `offset` of `src`, as the
 * first of its FVE metadata blocks that states one says (Windows 7 and later). 0 when no
 * block named by the header is readable inside `src` with a size that ends inside `src`
 * (Vista volumes, damage, a header cut off by the end of `src`). Reads only headers. */
uint64_t encrypted_volume_probe_size(BlockSource *src, uint64_t offset);

/* Opens the encrypted volume that fills `parent` (any BlockSource: a file, a device, a
 * window at a start sector) with `backend`. Borrows parent, which must outlive the volume
 * (until encrypted_volume_free(), or the close of encrypted_volume_take_source()'s result).
 * Fails with RFS_ERROR_IO, RFS_ERROR_INVALID (no BitLocker header), RFS_ERROR_CORRUPT (no
 * intact FVE metadata copy) or RFS_ERROR_UNSUPPORTED (a backend this build lacks); the
 * message starts "BitLocker: ". A volume the backend cannot decrypt still opens, so that
 * its info can be shown: see encrypted_volume_refusal(). */
EncryptedVolume *encrypted_volume_open(BlockSource *parent, EncryptedVolumeBackend backend,
				       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What the volume says about itself without a key, as one g_malloc'd block holding the
 * struct, the protectors and every string (g_free it); independent of the volume's life. */
RfsEncryptionInfo *encrypted_volume_info_copy(EncryptedVolume *vol) G_GNUC_WARN_UNUSED_RESULT;

/* Why the backend cannot decrypt the volume (names the method or state), or NULL. Every
 * unlock of such a volume fails with RFS_ERROR_UNSUPPORTED and this text. Owned by vol. */
const char *encrypted_volume_refusal(EncryptedVolume *vol);

/* False once unlocked, or from the start when a clear key protects the volume
 * (BitLocker suspended): then encrypted_volume_take_source() works without a key. */
bool encrypted_volume_is_locked(EncryptedVolume *vol);

/* Tries one key. The secret is copied into the backend only; the caller wipes its own copy.
 * RFS_KEY_STARTUP_KEY: data is the .BEK file's path (not NUL-terminated). RFS_KEY_FVEK:
 * the key bytes of the FVEK datum: 16 or 32 bytes for AES-CBC, 32 or 64 for AES-XTS (both
 * XTS keys), 64 for the Elephant diffuser (FVEK in the first half, TWEAK key in the
 * second, each zero-padded to 32 bytes). A recovery password may carry surrounding white
 * space. Succeeds at once if already unlocked. Every message starts "BitLocker: ".
 * RFS_ERROR_LOCKED: wrong or empty key ("wrong password", "wrong recovery password", ...),
 *   or the volume has no protector of that kind (the message lists the ones it has);
 * RFS_ERROR_INVALID: malformed (recovery password format, or which group fails its
 *   checksum); RFS_ERROR_NOT_FOUND: no such .BEK file;
 * RFS_ERROR_UNSUPPORTED: a method or state the backend cannot decrypt (named, as in
 *   encrypted_volume_refusal()). */
bool encrypted_volume_unlock(EncryptedVolume *vol, RfsKeyKind kind, const uint8_t *data,
			     size_t size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Once not locked: the decrypted volume as a BlockSource that takes ownership of `vol`
 * (closing the source frees the volume). Safe for concurrent reads. Its sector size is
 * the one the BitLocker header states, else the parent's. */
BlockSource *encrypted_volume_take_source(EncryptedVolume *vol);

void encrypted_volume_free(EncryptedVolume *vol);
