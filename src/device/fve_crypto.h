/* BitLocker sector decryption with OpenSSL EVP: AES-XTS (tweak = sector number), AES-CBC
 * (IV = AES-ECB(FVEK, byte offset)) and AES-CBC with the Elephant diffuser. Decrypts in
 * place, whole runs of sectors at a time, from any number of threads: each call takes a
 * keyed cipher context from a lock-free pool (or makes a temporary one when all are in
 * use). No I/O here. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct FveCrypto FveCrypto;

/* A decryptor for `method` (FveMethod) with the FVEK datum's key bytes: 16 or 32 for
 * AES-CBC 128/256, 32 or 64 for AES-XTS 128/256 (both XTS keys), and for the Elephant
 * diffuser the FVEK in the first half and the TWEAK key in the second (each 16 or 32 bytes
 * used, a half of 32 bytes zero-padded for AES 128). The key is copied into the cipher
 * contexts only. RFS_ERROR_UNSUPPORTED names a method we do not decrypt; RFS_ERROR_LOCKED
 * a key of the wrong length for the method. */
FveCrypto *fve_crypto_new(uint16_t method, const uint8_t *key, size_t key_size,
			  uint32_t sector_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decrypts `length` bytes at `buf` in place; they were read from byte `offset` of the
 * encrypted volume, which decides the IV or tweak of each sector. offset and length are
 * multiples of the sector size. Fails only when OpenSSL does (RFS_ERROR_IO). */
bool fve_crypto_decrypt(FveCrypto *c, uint64_t offset, uint8_t *buf, size_t length,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;

uint32_t fve_crypto_sector_size(const FveCrypto *c);

/* Frees every context (their key schedules are wiped by OpenSSL). */
void fve_crypto_free(FveCrypto *c);
