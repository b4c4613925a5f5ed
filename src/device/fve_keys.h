/* BitLocker key protectors: the VMK entries of an FVE metadata block decoded into the
 * pieces an unlock needs (stretch salt, AES-CCM encrypted key datums, clear key), the
 * startup key (.BEK) file, the key derivations (password, recovery password, the SHA-256
 * stretch) and the AES-CCM unwrap. Parsers are pure; the crypto is OpenSSL's libcrypto.
 * Every caller wipes the keys it receives (fve_keys_wipe()). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/bytes.h"

enum {
	FVE_KEYS_GUID_SIZE = 16,
	FVE_KEYS_SALT_SIZE = 16,
	FVE_KEYS_NONCE_SIZE = 12,
	FVE_KEYS_TAG_SIZE = 16,
	FVE_KEYS_PAYLOAD_MAX = 256, /* an encrypted key datum: a key datum of at most 64 key bytes */
	FVE_KEYS_HASH_SIZE = 32,    /* SHA-256, and the VMK, and every key that unwraps a datum */
	FVE_KEYS_KEY_MAX = 64,      /* the longest FVEK: AES-XTS 256, or the Elephant diffuser's */
	FVE_KEYS_STRETCH_ROUNDS = 1 << 20,
	FVE_KEYS_BEK_MAX = 64 * 1024,
};

/* An AES-CCM encrypted key datum (value type 5), copied out of the metadata. */
typedef struct {
	uint8_t nonce[FVE_KEYS_NONCE_SIZE];
	uint8_t tag[FVE_KEYS_TAG_SIZE];
	uint8_t payload[FVE_KEYS_PAYLOAD_MAX];
	size_t payload_size;
} FveCcmDatum;

/* One VMK entry (a key protector). */
typedef struct {
	uint8_t guid[FVE_KEYS_GUID_SIZE];
	uint16_t protection;                 /* FveProtection */
	bool has_salt;                       /* a stretch key datum: password, recovery password */
	uint8_t salt[FVE_KEYS_SALT_SIZE];
	bool has_vmk;                        /* the encrypted VMK */
	FveCcmDatum vmk;
	bool has_clear_key;                  /* a key datum in the clear (BitLocker suspended) */
	uint8_t clear_key[FVE_KEYS_HASH_SIZE];
} FveVmkEntry;

/* What one metadata block copy holds for unlocking. */
typedef struct {
	FveVmkEntry *vmks;
	size_t vmk_count;
	bool has_fvek;
	FveCcmDatum fvek;                    /* the FVEK, encrypted with the VMK */
	bool has_header;                     /* where the first sectors of the volume were moved */
	uint64_t header_offset;              /* bytes from the volume start */
	uint64_t header_size_bytes;
} FveKeys;

/* Decodes the key protectors, the FVEK and the volume header location from a metadata
 * block copy (block header at offset 0) that fve_metadata_parse() accepted. Entries or
 * nested datums that are too short or too long for what they claim are skipped (a VMK
 * without a usable encrypted VMK is kept, without has_vmk). Fails with RFS_ERROR_CORRUPT
 * only when the block is too short for its own header. Clear `out` with fve_keys_clear(). */
bool fve_keys_parse(ByteSpan block, FveKeys *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Wipes and frees what `keys` holds. */
void fve_keys_clear(FveKeys *keys);

/* The external key in a startup key (.BEK) file and the GUID of the protector it opens.
 * RFS_ERROR_CORRUPT when the file holds no external key datum with a 32-byte key. */
bool fve_keys_startup_key_parse(ByteSpan bek, uint8_t guid[FVE_KEYS_GUID_SIZE],
				uint8_t key[FVE_KEYS_HASH_SIZE], GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* SHA-256(SHA-256(UTF-16LE of the UTF-8 password)). RFS_ERROR_INVALID if not UTF-8. */
bool fve_keys_password_hash(const uint8_t *utf8, size_t size, uint8_t out[FVE_KEYS_HASH_SIZE],
			    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* SHA-256 of the 16-byte key that the 8 groups of a checked, dashed recovery password
 * (recovery_password_normalise()) encode. */
void fve_keys_recovery_hash(const char dashed[55], uint8_t out[FVE_KEYS_HASH_SIZE]);
/* The 2^20-round SHA-256 stretch of `hash` with `salt`. */
void fve_keys_stretch(const uint8_t hash[FVE_KEYS_HASH_SIZE], const uint8_t salt[FVE_KEYS_SALT_SIZE],
		      uint8_t out[FVE_KEYS_HASH_SIZE]);

/* Decrypts `datum` with the 256-bit `key` (AES-CCM, 12-byte nonce, 16-byte tag) and checks
 * that it holds a key datum: writes its key bytes to out (FVE_KEYS_KEY_MAX bytes) and their
 * count to *out_size, and the key datum's method to *method. RFS_ERROR_LOCKED when the tag
 * does not match (a wrong key); RFS_ERROR_CORRUPT when it matches but the plaintext is not
 * a key datum of `want_size` key bytes (0: 16, 32 or 64). Nothing is left in out on failure. */
bool fve_keys_unwrap(const uint8_t key[FVE_KEYS_HASH_SIZE], const FveCcmDatum *datum,
		     size_t want_size, uint8_t out[FVE_KEYS_KEY_MAX], size_t *out_size,
		     uint16_t *method, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Wipes key material (OPENSSL_cleanse). */
void fve_keys_wipe(void *p, size_t size);
