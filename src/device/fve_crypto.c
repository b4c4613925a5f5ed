/* Sector decryption for BitLocker with OpenSSL EVP: AES-XTS, AES-CBC with the byte offset
 * encrypted as IV, and the Elephant diffuser of Vista and Windows 7. Keyed contexts are
 * made once and handed out from a pool of slots claimed by compare-and-swap, so reads on
 * several threads never wait on each other. Owns no I/O and never logs a key. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/fve_crypto.h"
#include "device/fve_keys.h"
#include "device/fve_metadata.h"
#include "util/error.h"

#include <openssl/evp.h>
#include <string.h>

enum {
	POOL_SLOTS = 32,
	AES_BLOCK = 16,
	DIFFUSER_MAX_WORDS = 4096 / 4,
};

typedef enum { MODE_XTS, MODE_CBC, MODE_ELEPHANT } Mode;

/* What one decryption needs: the sector cipher, and for CBC the IV (ECB, encrypting)
 * and the Elephant sector key (ECB with the TWEAK key, encrypting). */
typedef struct {
	EVP_CIPHER_CTX *data;
	EVP_CIPHER_CTX *iv;
	EVP_CIPHER_CTX *tweak;
} Slot;

struct FveCrypto {
	Mode mode;
	uint32_t sector_size;
	Slot keyed;               /* the templates the slots are copied from */
	Slot slots[POOL_SLOTS];   /* made on first use by the thread that claimed the slot */
	gint busy[POOL_SLOTS];
};

static void slot_clear(Slot *s)
{
	EVP_CIPHER_CTX_free(s->data);
	EVP_CIPHER_CTX_free(s->iv);
	EVP_CIPHER_CTX_free(s->tweak);
	*s = (Slot){ 0 };
}

static EVP_CIPHER_CTX *ctx_keyed(const EVP_CIPHER *cipher, const uint8_t *key, bool encrypt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c == NULL || EVP_CipherInit_ex(c, cipher, NULL, key, NULL, encrypt ? 1 : 0) != 1) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	(void)EVP_CIPHER_CTX_set_padding(c, 0);
	return c;
}

static EVP_CIPHER_CTX *ctx_copy(EVP_CIPHER_CTX *from)
{
	if (from == NULL)
		return NULL;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c == NULL || EVP_CIPHER_CTX_copy(c, from) != 1) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

static bool slot_copy(Slot *to, const Slot *from)
{
	*to = (Slot){ ctx_copy(from->data), ctx_copy(from->iv), ctx_copy(from->tweak) };
	if (to->data == NULL || (from->iv != NULL && to->iv == NULL) ||
	    (from->tweak != NULL && to->tweak == NULL)) {
		slot_clear(to);
		return false;
	}
	return true;
}

static bool key_layout(uint16_t method, size_t key_size, Mode *mode, size_t *bits)
{
	switch (method) {
	case FVE_METHOD_AES_128_XTS: *mode = MODE_XTS; *bits = 128; return key_size == 32;
	case FVE_METHOD_AES_256_XTS: *mode = MODE_XTS; *bits = 256; return key_size == 64;
	case FVE_METHOD_AES_128_CBC: *mode = MODE_CBC; *bits = 128; return key_size == 16;
	case FVE_METHOD_AES_256_CBC: *mode = MODE_CBC; *bits = 256; return key_size == 32;
	case FVE_METHOD_AES_128_CBC_DIFFUSER:
		*mode = MODE_ELEPHANT; *bits = 128; return key_size == 32 || key_size == 64;
	case FVE_METHOD_AES_256_CBC_DIFFUSER:
		*mode = MODE_ELEPHANT; *bits = 256; return key_size == 64;
	default:
		return false;
	}
}

FveCrypto *fve_crypto_new(uint16_t method, const uint8_t *key, size_t key_size,
			  uint32_t sector_size, GError **error)
{
	Mode mode = MODE_CBC;
	size_t bits = 0;
	g_return_val_if_fail(sector_size >= 512 && sector_size <= 4096 && sector_size % 512 == 0, NULL);
	if (fve_metadata_method_name(method) == NULL || method == FVE_METHOD_NONE) {
		g_autofree char *text = fve_metadata_method_text(method);
		rfs_set_unsupported(error, "encryption method %s is not supported", text);
		return NULL;
	}
	if (!key_layout(method, key_size, &mode, &bits)) {
		rfs_set_error(error, RFS_ERROR_LOCKED, "a %zu-byte key does not fit %s", key_size,
			      fve_metadata_method_name(method));
		return NULL;
	}
	FveCrypto *c = g_new0(FveCrypto, 1);
	c->mode = mode;
	c->sector_size = sector_size;
	bool big = bits == 256;
	const EVP_CIPHER *ecb = big ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
	if (mode == MODE_XTS) {
		c->keyed.data = ctx_keyed(big ? EVP_aes_256_xts() : EVP_aes_128_xts(), key, false);
	} else {
		c->keyed.data = ctx_keyed(big ? EVP_aes_256_cbc() : EVP_aes_128_cbc(), key, false);
		c->keyed.iv = ctx_keyed(ecb, key, true);
	}
	if (mode == MODE_ELEPHANT)
		c->keyed.tweak = ctx_keyed(ecb, key + key_size / 2, true);
	if (c->keyed.data == NULL || (mode != MODE_XTS && c->keyed.iv == NULL) ||
	    (mode == MODE_ELEPHANT && c->keyed.tweak == NULL)) {
		fve_crypto_free(c);
		rfs_set_io(error, "OpenSSL cannot set up %s", fve_metadata_method_name(method));
		return NULL;
	}
	return c;
}

uint32_t fve_crypto_sector_size(const FveCrypto *c)
{
	return c->sector_size;
}

void fve_crypto_free(FveCrypto *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < POOL_SLOTS; i++)
		slot_clear(&c->slots[i]);
	slot_clear(&c->keyed);
	g_free(c);
}

/* ---- the Elephant diffuser -------------------------------------------------------------- */

static inline uint32_t rotl32(uint32_t v, unsigned r)
{
	return r == 0 ? v : (v << r) | (v >> (32 - r));
}

/* Diffuser B then A, undone, over the sector as little-endian 32-bit words. */
static void diffuser_decrypt(uint32_t *d, size_t n)
{
	static const unsigned ra[4] = { 9, 0, 13, 0 }, rb[4] = { 0, 10, 0, 25 };
	for (int cycle = 0; cycle < 3; cycle++)
		for (size_t i = 0; i < n; i++)
			d[i] += d[(i + 2) % n] ^ rotl32(d[(i + 5) % n], rb[i % 4]);
	for (int cycle = 0; cycle < 5; cycle++)
		for (size_t i = 0; i < n; i++)
			d[i] += d[(i + n - 2) % n] ^ rotl32(d[(i + n - 5) % n], ra[i % 4]);
}

static bool elephant_finish(Slot *s, uint64_t offset, uint8_t *p, size_t size)
{
	uint8_t e[AES_BLOCK] = { 0 }, sector_key[2 * AES_BLOCK];
	uint32_t words[DIFFUSER_MAX_WORDS];
	int len = 0;
	le64_put(e, offset);
	bool ok = EVP_EncryptUpdate(s->tweak, sector_key, &len, e, AES_BLOCK) == 1;
	e[15] = 0x80;
	ok = ok && EVP_EncryptUpdate(s->tweak, sector_key + AES_BLOCK, &len, e, AES_BLOCK) == 1;
	size_t n = size / 4;
	for (size_t i = 0; i < n; i++)
		words[i] = le32_at(p + 4 * i);
	diffuser_decrypt(words, n);
	for (size_t i = 0; i < n; i++)
		le32_put(p + 4 * i, words[i]);
	for (size_t i = 0; i < size; i++)
		p[i] ^= sector_key[i % sizeof sector_key];
	fve_keys_wipe(sector_key, sizeof sector_key);
	fve_keys_wipe(words, n * 4);
	return ok;
}

/* ---- sectors ---------------------------------------------------------------------------- */

static bool sector_decrypt(const FveCrypto *c, Slot *s, uint64_t offset, uint8_t *p)
{
	uint8_t iv[AES_BLOCK] = { 0 };
	int len = 0;
	if (c->mode == MODE_XTS) {
		le64_put(iv, offset / c->sector_size);
	} else {
		uint8_t pos[AES_BLOCK] = { 0 };
		le64_put(pos, offset);
		if (EVP_EncryptUpdate(s->iv, iv, &len, pos, AES_BLOCK) != 1)
			return false;
	}
	if (EVP_DecryptInit_ex(s->data, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(s->data, p, &len, p, (int)c->sector_size) != 1)
		return false;
	return c->mode != MODE_ELEPHANT || elephant_finish(s, offset, p, c->sector_size);
}

bool fve_crypto_decrypt(FveCrypto *c, uint64_t offset, uint8_t *buf, size_t length, GError **error)
{
	g_return_val_if_fail(offset % c->sector_size == 0 && length % c->sector_size == 0, false);
	int claimed = -1;
	Slot temp = { 0 }, *s = NULL;
	for (int i = 0; i < POOL_SLOTS && claimed < 0; i++)
		if (g_atomic_int_compare_and_exchange(&c->busy[i], 0, 1))
			claimed = i;
	if (claimed >= 0) {
		s = &c->slots[claimed];
		if (s->data == NULL && !slot_copy(s, &c->keyed))
			s = NULL;
	} else if (slot_copy(&temp, &c->keyed)) {
		s = &temp;
	}
	bool ok = s != NULL;
	for (size_t done = 0; ok && done < length; done += c->sector_size)
		ok = sector_decrypt(c, s, offset + done, buf + done);
	if (claimed >= 0)
		g_atomic_int_set(&c->busy[claimed], 0);
	slot_clear(&temp);
	if (!ok)
		return rfs_set_io(error, "BitLocker: OpenSSL failed to decrypt %zu bytes at %" G_GUINT64_FORMAT,
				  length, offset);
	return true;
}
