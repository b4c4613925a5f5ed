/* BitLocker volumes through libbde. libbde never leaves bitlocker_source.c: callers see a
 * BitlockerVolume to describe and unlock, then a plain BlockSource of decrypted bytes. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "device/fve_metadata.h"
#include "util/bytes.h"
#include "restorefs/restorefs.h"

typedef struct BitlockerVolume BitlockerVolume;

/* True if the first sector (>= 512 bytes) carries a BitLocker or BitLocker To Go header. */
bool bitlocker_probe(ByteSpan first_sector);

/* Opens the BitLocker volume that fills `parent` (any BlockSource: a file, a device, a
 * window at a start sector). Borrows parent, which must outlive the volume. Fails with
 * RFS_ERROR_IO, RFS_ERROR_INVALID (no BitLocker header) or RFS_ERROR_CORRUPT (no intact
 * FVE metadata copy). A volume this libbde cannot decrypt still opens, so that its info
 * can be shown: see bitlocker_volume_refusal(). */
BitlockerVolume *bitlocker_volume_open(BlockSource *parent, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Metadata readable without a key; owned by the volume. Read through libbde when it can
 * open the volume, else decoded from the FVE metadata block (fve_metadata.c). */
const FveInfo *bitlocker_volume_info(BitlockerVolume *vol);
/* Why this libbde cannot decrypt the volume (names the method or state), or NULL. Every
 * unlock of such a volume fails with RFS_ERROR_UNSUPPORTED and this text. */
const char *bitlocker_volume_refusal(BitlockerVolume *vol);
/* False once unlocked, or from the start when a clear key protects the volume
 * (BitLocker suspended): then bitlocker_volume_source() works without a key. */
bool bitlocker_volume_is_locked(BitlockerVolume *vol);
/* Tries one key. The secret is copied into libbde only; the caller wipes its own copy.
 * RFS_KEY_STARTUP_KEY: data is the .BEK file's path (not NUL-terminated). RFS_KEY_FVEK:
 * the key bytes of the FVEK datum: 16 or 32 bytes for AES-CBC, 32 or 64 for AES-XTS (both
 * XTS keys), 64 for the Elephant diffuser (FVEK in the first half, TWEAK key in the
 * second, each zero-padded to 32 bytes). A recovery password may carry surrounding white
 * space. Succeeds at once if already unlocked.
 * RFS_ERROR_LOCKED: wrong or empty key ("wrong password", "wrong recovery password", ...),
 *   or the volume has no protector of that kind (the message lists the ones it has);
 * RFS_ERROR_INVALID: malformed (recovery password format, or which group fails its
 *   checksum); RFS_ERROR_NOT_FOUND: no such .BEK file;
 * RFS_ERROR_UNSUPPORTED: a method or state this libbde cannot decrypt (named, as in
 *   bitlocker_volume_refusal()). */
bool bitlocker_volume_unlock(BitlockerVolume *vol, RfsKeyKind kind, const uint8_t *data,
			     size_t size, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* After a successful unlock: the decrypted volume as a BlockSource that takes ownership of
 * `vol` (closing the source closes the volume). Safe for concurrent reads. */
BlockSource *bitlocker_volume_source(BitlockerVolume *vol);
void bitlocker_volume_free(BitlockerVolume *vol);
