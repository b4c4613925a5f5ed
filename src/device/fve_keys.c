/* BitLocker key protectors and key derivation: the datums of VMK and FVEK entries and of
 * .BEK files decoded into fixed-size structs, the password and recovery password hashes,
 * the SHA-256 stretch and the AES-CCM unwrap (OpenSSL EVP). Nothing here reads a device,
 * logs a secret, or keeps a key: callers own and wipe every output. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/fve_keys.h"
#include "device/fve_metadata.h"
#include "util/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

enum {                               /* a datum: metadata entries are datums too           */
	DATUM_SIZE = 0x00,           /* u16, the whole datum                               */
	DATUM_ROLE = 0x02,           /* u16: entry type (2 VMK, 3 FVEK, 6 startup key, 15 volume header) */
	DATUM_VALUE = 0x04,          /* u16: value type                                    */
	DATUM_HEADER = 0x08,
	VALUE_KEY = 1,               /* u16 method at 0x08, key bytes from 0x0C            */
	VALUE_STRETCH = 3,           /* u32 method at 0x08, 16-byte salt at 0x0C           */
	VALUE_CCM = 5,               /* nonce at 0x08, tag at 0x14, payload from 0x24      */
	VALUE_VMK = 8,               /* GUID at 0x08, u16 protection at 0x22, datums from 0x24 */
	VALUE_EXTERNAL_KEY = 9,      /* GUID at 0x08, FILETIME at 0x18, datums from 0x20   */
	VALUE_OFFSET_SIZE = 15,      /* u64 offset at 0x08, u64 size at 0x10               */
	KEY_METHOD = 0x08,
	KEY_DATA = 0x0C,
	STRETCH_SALT = 0x0C,
	CCM_NONCE = 0x08,
	CCM_TAG = 0x14,
	CCM_PAYLOAD = 0x24,
	VMK_GUID = 0x08,
	VMK_PROTECTION = 0x22,
	VMK_NESTED = 0x24,
	EXTKEY_GUID = 0x08,
	EXTKEY_NESTED = 0x20,
	OFFSET_SIZE_END = 0x18,
	ROLE_VMK = 2,
	ROLE_FVEK = 3,
	ROLE_VOLUME_HEADER = 15,
	BLOCK_META_SIZE = 0x40,      /* u32: metadata header + entries, from 0x40          */
	BLOCK_ENTRIES = 0x70,
	BEK_HEADER_SIZE = 0x30,      /* .BEK: a metadata header (u32 size at 0), then datums */
};

void fve_keys_wipe(void *p, size_t size)
{
	if (p != NULL && size > 0)
		OPENSSL_cleanse(p, size);
}

/* ---- datums ----------------------------------------------------------------------------- */

/* The datum at `off` of `area`, if its header fits and its size covers its header and
 * stays inside the area; its size in *size. */
static bool datum_at(ByteSpan area, size_t off, size_t *size)
{
	if (!span_has(area, off, DATUM_HEADER))
		return false;
	*size = le16_at(area.data + off + DATUM_SIZE);
	return *size >= DATUM_HEADER && span_has(area, off, *size);
}

static bool ccm_decode(ByteSpan d, FveCcmDatum *out)
{
	if (d.size <= CCM_PAYLOAD || d.size - CCM_PAYLOAD > FVE_KEYS_PAYLOAD_MAX)
		return false;
	memcpy(out->nonce, d.data + CCM_NONCE, FVE_KEYS_NONCE_SIZE);
	memcpy(out->tag, d.data + CCM_TAG, FVE_KEYS_TAG_SIZE);
	out->payload_size = d.size - CCM_PAYLOAD;
	memcpy(out->payload, d.data + CCM_PAYLOAD, out->payload_size);
	return true;
}

/* The datums nested in a VMK entry: the first stretch key, encrypted key and clear key
 * count; others (TPM blobs, smart card certificates) are not ours to read. */
static void vmk_decode(ByteSpan e, FveVmkEntry *v)
{
	memcpy(v->guid, e.data + VMK_GUID, FVE_KEYS_GUID_SIZE);
	v->protection = le16_at(e.data + VMK_PROTECTION);
	size_t size;
	for (size_t off = VMK_NESTED; datum_at(e, off, &size); off += size) {
		ByteSpan d = span_sub(e, off, size);
		uint16_t value = le16_at(d.data + DATUM_VALUE);
		if (value == VALUE_STRETCH && !v->has_salt && size >= STRETCH_SALT + FVE_KEYS_SALT_SIZE) {
			memcpy(v->salt, d.data + STRETCH_SALT, FVE_KEYS_SALT_SIZE);
			v->has_salt = true;
		} else if (value == VALUE_CCM && !v->has_vmk) {
			v->has_vmk = ccm_decode(d, &v->vmk);
		} else if (value == VALUE_KEY && !v->has_clear_key &&
			   size == KEY_DATA + FVE_KEYS_HASH_SIZE) {
			memcpy(v->clear_key, d.data + KEY_DATA, FVE_KEYS_HASH_SIZE);
			v->has_clear_key = true;
		}
	}
}

bool fve_keys_parse(ByteSpan block, FveKeys *out, GError **error)
{
	*out = (FveKeys){ 0 };
	if (!span_has(block, 0, BLOCK_ENTRIES))
		return rfs_set_corrupt(error, "FVE metadata block: %zu bytes, too short for its header",
				       block.size);
	uint32_t meta_size = le32_at(block.data + BLOCK_META_SIZE);
	if (meta_size < BLOCK_ENTRIES - BLOCK_META_SIZE || !span_has(block, BLOCK_META_SIZE, meta_size))
		return rfs_set_corrupt(error, "FVE metadata block: metadata size %u of %zu bytes",
				       meta_size, block.size - BLOCK_META_SIZE);
	ByteSpan area = span_sub(block, BLOCK_ENTRIES, BLOCK_META_SIZE + meta_size - BLOCK_ENTRIES);
	GArray *vmks = g_array_new(FALSE, TRUE, sizeof(FveVmkEntry));
	size_t size;
	for (size_t off = 0; datum_at(area, off, &size); off += size) {
		ByteSpan e = span_sub(area, off, size);
		uint16_t role = le16_at(e.data + DATUM_ROLE), value = le16_at(e.data + DATUM_VALUE);
		if (role == ROLE_VMK && value == VALUE_VMK && size >= VMK_NESTED) {
			FveVmkEntry v = { 0 };
			vmk_decode(e, &v);
			g_array_append_val(vmks, v);
			fve_keys_wipe(&v, sizeof v);
		} else if (role == ROLE_FVEK && value == VALUE_CCM && !out->has_fvek) {
			out->has_fvek = ccm_decode(e, &out->fvek);
		} else if (role == ROLE_VOLUME_HEADER && value == VALUE_OFFSET_SIZE &&
			   size >= OFFSET_SIZE_END && !out->has_header) {
			out->header_offset = le64_at(e.data + 0x08);
			out->header_size_bytes = le64_at(e.data + 0x10);
			out->has_header = true;
		}
	}
	out->vmk_count = vmks->len;
	out->vmks = (FveVmkEntry *)(void *)g_array_free(vmks, FALSE);
	return true;
}

void fve_keys_clear(FveKeys *keys)
{
	fve_keys_wipe(keys->vmks, keys->vmk_count * sizeof *keys->vmks);
	g_free(keys->vmks);
	fve_keys_wipe(keys, sizeof *keys);
}

bool fve_keys_startup_key_parse(ByteSpan bek, uint8_t guid[FVE_KEYS_GUID_SIZE],
				uint8_t key[FVE_KEYS_HASH_SIZE], GError **error)
{
	if (!span_has(bek, 0, BEK_HEADER_SIZE))
		return rfs_set_corrupt(error, "startup key file: %zu bytes, too short", bek.size);
	size_t total = MIN((size_t)le32_at(bek.data), bek.size);
	ByteSpan area = span_sub(bek, BEK_HEADER_SIZE, total > BEK_HEADER_SIZE ? total - BEK_HEADER_SIZE : 0);
	size_t size, nsize;
	for (size_t off = 0; datum_at(area, off, &size); off += size) {
		ByteSpan e = span_sub(area, off, size);
		if (le16_at(e.data + DATUM_VALUE) != VALUE_EXTERNAL_KEY || size < EXTKEY_NESTED)
			continue;
		for (size_t n = EXTKEY_NESTED; datum_at(e, n, &nsize); n += nsize) {
			const uint8_t *d = e.data + n;
			if (le16_at(d + DATUM_VALUE) == VALUE_KEY && nsize == KEY_DATA + FVE_KEYS_HASH_SIZE) {
				memcpy(guid, e.data + EXTKEY_GUID, FVE_KEYS_GUID_SIZE);
				memcpy(key, d + KEY_DATA, FVE_KEYS_HASH_SIZE);
				return true;
			}
		}
	}
	return rfs_set_corrupt(error, "startup key file: no external key datum with a 256-bit key");
}

/* ---- derivation ------------------------------------------------------------------------- */

static void sha256(const void *data, size_t size, uint8_t out[FVE_KEYS_HASH_SIZE])
{
	unsigned int len = 0;
	(void)EVP_Digest(data, size, out, &len, EVP_sha256(), NULL);
}

bool fve_keys_password_hash(const uint8_t *utf8, size_t size, uint8_t out[FVE_KEYS_HASH_SIZE],
			    GError **error)
{
	glong units = 0;
	gunichar2 *utf16 = g_utf8_to_utf16((const char *)utf8, (glong)size, NULL, &units, NULL);
	if (utf16 == NULL)
		return rfs_set_error(error, RFS_ERROR_INVALID, "the password is not valid UTF-8");
	size_t bytes = (size_t)units * 2;
	uint8_t *le = g_malloc(bytes + 1);
	for (glong i = 0; i < units; i++)
		le16_put(le + 2 * i, utf16[i]);
	uint8_t once[FVE_KEYS_HASH_SIZE];
	sha256(le, bytes, once);
	sha256(once, sizeof once, out);
	fve_keys_wipe(once, sizeof once);
	fve_keys_wipe(le, bytes);
	fve_keys_wipe(utf16, bytes);
	g_free(le);
	g_free(utf16);
	return true;
}

void fve_keys_recovery_hash(const char dashed[55], uint8_t out[FVE_KEYS_HASH_SIZE])
{
	uint8_t key[16];
	for (unsigned g = 0; g < 8; g++) {
		uint32_t value = 0;
		for (unsigned k = 0; k < 6; k++)
			value = value * 10 + (uint32_t)(dashed[g * 7 + k] - '0');
		le16_put(key + 2 * g, (uint16_t)(value / 11));
	}
	sha256(key, sizeof key, out);
	fve_keys_wipe(key, sizeof key);
}

/* The stretch hashes this 88-byte record 2^20 times, each result replacing `last` and the
 * count going up by one (all little-endian): two SHA-256 blocks a round. */
enum {
	STRETCH_LAST = 0x00,
	STRETCH_HASH = 0x20,
	STRETCH_SALT_AT = 0x40,
	STRETCH_COUNT = 0x50,
	STRETCH_RECORD = 0x58,
};

void fve_keys_stretch(const uint8_t hash[FVE_KEYS_HASH_SIZE], const uint8_t salt[FVE_KEYS_SALT_SIZE],
		      uint8_t out[FVE_KEYS_HASH_SIZE])
{
	uint8_t rec[STRETCH_RECORD] = { 0 };
	memcpy(rec + STRETCH_HASH, hash, FVE_KEYS_HASH_SIZE);
	memcpy(rec + STRETCH_SALT_AT, salt, FVE_KEYS_SALT_SIZE);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	g_assert(md != NULL && sha != NULL);
	for (uint64_t i = 0; i < FVE_KEYS_STRETCH_ROUNDS; i++) {
		le64_put(rec + STRETCH_COUNT, i);
		(void)EVP_DigestInit_ex(md, sha, NULL);
		(void)EVP_DigestUpdate(md, rec, sizeof rec);
		(void)EVP_DigestFinal_ex(md, rec + STRETCH_LAST, NULL);
	}
	memcpy(out, rec + STRETCH_LAST, FVE_KEYS_HASH_SIZE);
	fve_keys_wipe(rec, sizeof rec);
	EVP_MD_CTX_free(md);
	EVP_MD_free(sha);
}

/* ---- AES-CCM ---------------------------------------------------------------------------- */

static bool ccm_decrypt(const uint8_t key[FVE_KEYS_HASH_SIZE], const FveCcmDatum *d, uint8_t *plain)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = c != NULL &&
		  EVP_DecryptInit_ex(c, EVP_aes_256_ccm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, FVE_KEYS_NONCE_SIZE, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, FVE_KEYS_TAG_SIZE, (void *)d->tag) == 1 &&
		  EVP_DecryptInit_ex(c, NULL, NULL, key, d->nonce) == 1 &&
		  EVP_DecryptUpdate(c, plain, &len, d->payload, (int)d->payload_size) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

bool fve_keys_unwrap(const uint8_t key[FVE_KEYS_HASH_SIZE], const FveCcmDatum *datum,
		     size_t want_size, uint8_t out[FVE_KEYS_KEY_MAX], size_t *out_size,
		     uint16_t *method, GError **error)
{
	uint8_t plain[FVE_KEYS_PAYLOAD_MAX];
	g_return_val_if_fail(datum->payload_size <= sizeof plain, false);
	if (!ccm_decrypt(key, datum, plain)) {
		fve_keys_wipe(plain, sizeof plain);
		return rfs_set_error(error, RFS_ERROR_LOCKED, "the key does not decrypt the key datum");
	}
	ByteSpan p = byte_span(plain, datum->payload_size);
	size_t size = 0;
	bool ok = datum_at(p, 0, &size) && le16_at(plain + DATUM_VALUE) == VALUE_KEY && size > KEY_DATA;
	size_t key_size = ok ? size - KEY_DATA : 0;
	if (ok && want_size != 0)
		ok = key_size == want_size;
	else if (ok)
		ok = key_size == 16 || key_size == 32 || key_size == 64;
	if (ok) {
		memcpy(out, plain + KEY_DATA, key_size);
		*out_size = key_size;
		*method = le16_at(plain + KEY_METHOD);
	}
	fve_keys_wipe(plain, sizeof plain);
	if (!ok)
		return rfs_set_corrupt(error, "the decrypted key datum is not a key of %s bytes (%zu of %zu bytes)",
				       want_size != 0 ? (want_size == 32 ? "32" : "the expected") : "16, 32 or 64",
				       size, datum->payload_size);
	return true;
}
