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
	CHUNK_BYTES = 64 * 1024,                 /* decrypted per pass: sectors of one run */
	CHUNK_MIN_SECTORS = CHUNK_BYTES / 512,
	DIFFUSER_MAX_WORDS = 4096 / 4,
};

typedef enum { MODE_XTS, MODE_CBC, MODE_ELEPHANT } Mode;

/* What one decryption needs, all AES-ECB without padding: `data` decrypts with the data
 * key (XTS: the first key; CBC: the FVEK); `iv` encrypts with the FVEK (CBC: the IVs);
 * `tweak` encrypts with the second key (XTS: the tweaks; Elephant: the sector keys).
 * XTS and CBC are done over ECB a whole chunk at a time: one AES call per chunk rather than
 * one cipher setup per sector, which costs more than the AES of a 512-byte sector. */
typedef struct {
	EVP_CIPHER_CTX *data;
	EVP_CIPHER_CTX *iv;
	EVP_CIPHER_CTX *tweak;
	uint8_t *scratch;                        /* CHUNK_BYTES: XTS tweaks, CBC ciphertext */
	uint8_t *blocks;                         /* three AES blocks per sector of a chunk */
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
	if (s->scratch != NULL)
		fve_keys_wipe(s->scratch, CHUNK_BYTES);
	if (s->blocks != NULL)
		fve_keys_wipe(s->blocks, CHUNK_MIN_SECTORS * 3 * AES_BLOCK);
	g_free(s->scratch);
	g_free(s->blocks);
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
	*to = (Slot){ ctx_copy(from->data), ctx_copy(from->iv), ctx_copy(from->tweak),
		      g_malloc(CHUNK_BYTES), g_malloc(CHUNK_MIN_SECTORS * 3 * AES_BLOCK) };
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
	c->keyed.data = ctx_keyed(ecb, key, false);
	if (mode != MODE_XTS)
		c->keyed.iv = ctx_keyed(ecb, key, true);
	if (mode != MODE_CBC)
		c->keyed.tweak = ctx_keyed(ecb, key + key_size / 2, true);
	if (c->keyed.data == NULL || (mode != MODE_XTS && c->keyed.iv == NULL) ||
	    (mode != MODE_CBC && c->keyed.tweak == NULL)) {
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

/* Diffuser B then A, undone, over the sector as little-endian 32-bit words (n a multiple
 * of 4, >= 16). Each cycle runs the words that need no wrap-around four at a time, with
 * the rotations as constants, and the few others through the modular form. */
static inline void diffuser_b_step(uint32_t *d, size_t n, size_t i)
{
	static const unsigned rb[4] = { 0, 10, 0, 25 };
	d[i] += d[(i + 2) % n] ^ rotl32(d[(i + 5) % n], rb[i % 4]);
}

static inline void diffuser_a_step(uint32_t *d, size_t n, size_t i)
{
	static const unsigned ra[4] = { 9, 0, 13, 0 };
	d[i] += d[(i + n - 2) % n] ^ rotl32(d[(i + n - 5) % n], ra[i % 4]);
}

static void diffuser_decrypt(uint32_t *d, size_t n)
{
	for (int cycle = 0; cycle < 3; cycle++) {
		size_t i = 0;
		for (; i + 4 + 5 <= n; i += 4) {
			d[i] += d[i + 2] ^ d[i + 5];
			d[i + 1] += d[i + 3] ^ rotl32(d[i + 6], 10);
			d[i + 2] += d[i + 4] ^ d[i + 7];
			d[i + 3] += d[i + 5] ^ rotl32(d[i + 8], 25);
		}
		for (; i < n; i++)
			diffuser_b_step(d, n, i);
	}
	for (int cycle = 0; cycle < 5; cycle++) {
		size_t i = 0;
		for (; i < 8; i++)
			diffuser_a_step(d, n, i);
		for (; i < n; i += 4) {
			d[i] += d[i - 2] ^ rotl32(d[i - 5], 9);
			d[i + 1] += d[i - 1] ^ d[i - 4];
			d[i + 2] += d[i] ^ rotl32(d[i - 3], 13);
			d[i + 3] += d[i + 1] ^ d[i - 2];
		}
	}
}

/* After CBC: the diffusers undone and the sector key (AES of the offset with the TWEAK
 * key, and again with byte 15 set to 0x80) XORed over the sector. */
static void elephant_finish(const uint8_t sector_key[2 * AES_BLOCK], uint8_t *p, size_t size)
{
	uint32_t words[DIFFUSER_MAX_WORDS];
	size_t n = size / 4;
	for (size_t i = 0; i < n; i++)
		words[i] = le32_at(p + 4 * i);
	diffuser_decrypt(words, n);
	for (size_t i = 0; i < n; i++)
		le32_put(p + 4 * i, words[i] ^ le32_at(sector_key + 4 * i % (2 * AES_BLOCK)));
}

/* ---- runs of sectors ------------------------------------------------------------------------- */

static bool ecb(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t size)
{
	int len = 0;
	return EVP_CipherUpdate(c, out, &len, in, (int)size) == 1 && (size_t)len == size;
}

/* One AES block as a vector of two 64-bit halves (SSE2 on x86-64), loaded and stored
 * with memcpy; built from registers, never through memory (a store-forwarding stall). */
typedef uint64_t Block __attribute__((vector_size(AES_BLOCK)));

/* dst ^= src over whole AES blocks. */
static inline void xor_into(uint8_t *restrict dst, const uint8_t *restrict src, size_t size)
{
	for (size_t i = 0; i < size; i += AES_BLOCK) {
		Block a, b;
		memcpy(&a, dst + i, AES_BLOCK);
		memcpy(&b, src + i, AES_BLOCK);
		a ^= b;
		memcpy(dst + i, &a, AES_BLOCK);
	}
}

/* XTS: T = AES(K2, sector number) for each sector, then T times x for each next block;
 * P = AES-1(K1, C ^ T) ^ T. */
static bool xts_chunk(const FveCrypto *c, Slot *s, uint64_t offset, uint8_t *buf, size_t length)
{
	size_t ss = c->sector_size, sectors = length / ss;
	memset(s->blocks, 0, sectors * AES_BLOCK);
	for (size_t i = 0; i < sectors; i++)
		le64_put(s->blocks + i * AES_BLOCK, (offset + i * ss) / ss);
	if (!ecb(s->tweak, s->blocks, s->blocks, sectors * AES_BLOCK))
		return false;
	/* One pass keeps each T and XORs it in; the second XOR follows the AES. */
	for (size_t i = 0; i < sectors; i++) {
		uint64_t lo = le64_at(s->blocks + i * AES_BLOCK), hi = le64_at(s->blocks + i * AES_BLOCK + 8);
		uint8_t *t = s->scratch + i * ss, *p = buf + i * ss;
		for (size_t b = 0; b < ss; b += AES_BLOCK) {
			Block tv = { GUINT64_TO_LE(lo), GUINT64_TO_LE(hi) }, pv;
			memcpy(&pv, p + b, AES_BLOCK);
			pv ^= tv;
			memcpy(t + b, &tv, AES_BLOCK);
			memcpy(p + b, &pv, AES_BLOCK);
			uint64_t carry = hi >> 63;
			hi = hi << 1 | lo >> 63;
			lo = lo << 1 ^ (carry * 0x87);
		}
	}
	if (!ecb(s->data, buf, buf, length))
		return false;
	xor_into(buf, s->scratch, length);
	return true;
}

/* CBC: the IV of each sector is AES(FVEK, its byte offset); P = AES-1(C) ^ previous C. */
static bool cbc_chunk(const FveCrypto *c, Slot *s, uint64_t offset, uint8_t *buf, size_t length)
{
	size_t ss = c->sector_size, sectors = length / ss;
	uint8_t *ivs = s->blocks, *keys = s->blocks + sectors * AES_BLOCK;
	memset(s->blocks, 0, sectors * 3 * AES_BLOCK);
	for (size_t i = 0; i < sectors; i++) {
		le64_put(ivs + i * AES_BLOCK, offset + i * ss);
		le64_put(keys + 2 * i * AES_BLOCK, offset + i * ss);
		le64_put(keys + (2 * i + 1) * AES_BLOCK, offset + i * ss);
		keys[(2 * i + 1) * AES_BLOCK + 15] = 0x80;
	}
	if (!ecb(s->iv, ivs, ivs, sectors * AES_BLOCK) ||
	    (c->mode == MODE_ELEPHANT && !ecb(s->tweak, keys, keys, sectors * 2 * AES_BLOCK)))
		return false;
	memcpy(s->scratch, buf, length);
	if (!ecb(s->data, buf, buf, length))
		return false;
	for (size_t i = 0; i < sectors; i++) {
		uint8_t *p = buf + i * ss;
		xor_into(p, ivs + i * AES_BLOCK, AES_BLOCK);
		xor_into(p + AES_BLOCK, s->scratch + i * ss, ss - AES_BLOCK);
		if (c->mode == MODE_ELEPHANT)
			elephant_finish(keys + 2 * i * AES_BLOCK, p, ss);
	}
	return true;
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
	for (size_t done = 0; ok && done < length; done += CHUNK_BYTES) {
		size_t n = MIN((size_t)CHUNK_BYTES, length - done);
		ok = c->mode == MODE_XTS ? xts_chunk(c, s, offset + done, buf + done, n)
					 : cbc_chunk(c, s, offset + done, buf + done, n);
	}
	if (claimed >= 0)
		g_atomic_int_set(&c->busy[claimed], 0);
	slot_clear(&temp);
	if (!ok)
		return rfs_set_io(error, "BitLocker: OpenSSL failed to decrypt %zu bytes at %" G_GUINT64_FORMAT,
				  length, offset);
	return true;
}
