/* fve_keys.c: the key derivations against vectors computed independently (Python hashlib
 * and the cryptography package's AES-CCM), the unwrap of hostile datums, and the key
 * protector parser on truncated, overlong and oversized entries. */
#include <criterion/criterion.h>
#include <string.h>

#include "device/fve_keys.h"
#include "device/fve_metadata.h"
#include "util/error.h"

static void hex_to(const char *hex, uint8_t *out, size_t size)
{
	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
}

static void assert_hex(const uint8_t *got, const char *hex)
{
	uint8_t want[64];
	size_t size = strlen(hex) / 2;
	hex_to(hex, want, size);
	cr_assert_arr_eq(got, want, size);
}

/* hashlib: sha256(sha256("anaconda".encode("utf-16-le"))) */
#define ANACONDA_HASH "0d6cbf9e5d75af220d7ac3e9f35d05f56952608dd1dacb31774452c489eadc51"

Test(fve_keys, password_hash)
{
	uint8_t out[FVE_KEYS_HASH_SIZE];
	cr_assert(fve_keys_password_hash((const uint8_t *)"anaconda", 8, out, NULL));
	assert_hex(out, ANACONDA_HASH);
}

Test(fve_keys, password_not_utf8)
{
	uint8_t out[FVE_KEYS_HASH_SIZE];
	g_autoptr(GError) error = NULL;
	cr_assert_not(fve_keys_password_hash((const uint8_t *)"\xff\xfe", 2, out, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
}

/* hashlib: last = 32 zero bytes; 2^20 times last = sha256(last + hash + salt + le64(i)) */
Test(fve_keys, stretch_vector)
{
	uint8_t hash[FVE_KEYS_HASH_SIZE], salt[FVE_KEYS_SALT_SIZE], out[FVE_KEYS_HASH_SIZE];
	hex_to(ANACONDA_HASH, hash, sizeof hash);
	for (int i = 0; i < FVE_KEYS_SALT_SIZE; i++)
		salt[i] = (uint8_t)i;
	gint64 t0 = g_get_monotonic_time();
	fve_keys_stretch(hash, salt, out);
	gint64 us = g_get_monotonic_time() - t0;
	assert_hex(out, "f7d898db56e670f9fb6f18a9678afa1e0c883d7a9424bed9e72d90ca76f78e9a");
	cr_expect_lt(us, 2000000, "the stretch took %" G_GINT64_FORMAT " us", us);
}

/* hashlib: sha256 of the 8 groups / 11 as little-endian u16 */
Test(fve_keys, recovery_hash)
{
	uint8_t out[FVE_KEYS_HASH_SIZE];
	fve_keys_recovery_hash("042647-302313-590458-071500-554323-116567-412181-516978", out);
	assert_hex(out, "3c93bebf9befb2d6fdc35221abfcbafc39a537477fbc0c087b2cec124397660f");
}

/* cryptography's AESCCM(bytes(range(32)), tag_length=16).encrypt(bytes(range(100, 112)),
 * key datum {0x2c, 0, 1, 1, method 0x2000, 0, 32 x 0xa5}) */
static FveCcmDatum ccm_vector(void)
{
	FveCcmDatum d = { .payload_size = 44 };
	for (int i = 0; i < FVE_KEYS_NONCE_SIZE; i++)
		d.nonce[i] = (uint8_t)(100 + i);
	hex_to("1de0a87b77add9f312919e3034c428800657601d3e430abcb3216ff16441ea2cc81b8d6f2d32aef854766cef",
	       d.payload, 44);
	hex_to("fa353c1e9c917208e3e52e57b72eb333", d.tag, FVE_KEYS_TAG_SIZE);
	return d;
}

static void key_0_31(uint8_t key[FVE_KEYS_HASH_SIZE])
{
	for (int i = 0; i < FVE_KEYS_HASH_SIZE; i++)
		key[i] = (uint8_t)i;
}

Test(fve_keys, unwrap_vector)
{
	FveCcmDatum d = ccm_vector();
	uint8_t key[FVE_KEYS_HASH_SIZE], out[FVE_KEYS_KEY_MAX], want[32];
	size_t size = 0;
	uint16_t method = 0;
	key_0_31(key);
	cr_assert(fve_keys_unwrap(key, &d, 32, out, &size, &method, NULL));
	memset(want, 0xa5, sizeof want);
	cr_assert_eq(size, 32);
	cr_assert_eq(method, 0x2000);
	cr_assert_arr_eq(out, want, 32);
}

Test(fve_keys, unwrap_bad_tag_wrong_key_short)
{
	uint8_t key[FVE_KEYS_HASH_SIZE], out[FVE_KEYS_KEY_MAX];
	size_t size = 0;
	uint16_t method = 0;
	key_0_31(key);
	FveCcmDatum d = ccm_vector();
	d.tag[5] ^= 1;
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
	cr_assert_not(fve_keys_unwrap(key, &d, 32, out, &size, &method, &e1));
	cr_assert(g_error_matches(e1, RFS_ERROR, RFS_ERROR_LOCKED));
	d = ccm_vector();
	key[0] ^= 1;
	cr_assert_not(fve_keys_unwrap(key, &d, 32, out, &size, &method, &e2));
	cr_assert(g_error_matches(e2, RFS_ERROR, RFS_ERROR_LOCKED));
	key[0] ^= 1;
	d.payload_size = 11; /* cut short: the tag no longer matches */
	cr_assert_not(fve_keys_unwrap(key, &d, 32, out, &size, &method, &e3));
	cr_assert(g_error_matches(e3, RFS_ERROR, RFS_ERROR_LOCKED));
	d = ccm_vector(); /* the tag matches, but a 32-byte key is not the 64 bytes asked for */
	cr_assert_not(fve_keys_unwrap(key, &d, 64, out, &size, &method, &e4));
	cr_assert(g_error_matches(e4, RFS_ERROR, RFS_ERROR_CORRUPT));
}

/* ---- the parser ----------------------------------------------------------------------------- */

enum { BLOCK_SIZE = 0x400, ENTRIES = 0x70 };

static size_t put_datum(uint8_t *p, uint16_t size, uint16_t role, uint16_t value)
{
	le16_put(p, size);
	le16_put(p + 2, role);
	le16_put(p + 4, value);
	le16_put(p + 6, 1);
	return size;
}

/* A block holding: a password VMK (stretch key + encrypted VMK), a clear key VMK, the
 * FVEK and the volume header location. Returns the used size. */
static size_t block_build(uint8_t *b)
{
	memset(b, 0, BLOCK_SIZE);
	memcpy(b, "-FVE-FS-", 8);
	size_t off = ENTRIES;
	uint8_t *v = b + off; /* VMK: 0x24 header, stretch 0x2c, CCM 0x24 + 44 */
	size_t vsize = 0x24 + 0x2c + 0x24 + 44;
	put_datum(v, (uint16_t)vsize, 2, 8);
	le16_put(v + 0x22, FVE_PROTECTION_PASSWORD);
	put_datum(v + 0x24, 0x2c, 0, 3);
	memset(v + 0x24 + 0x0c, 0x5a, 16);
	FveCcmDatum d = ccm_vector();
	uint8_t *c = v + 0x24 + 0x2c;
	put_datum(c, 0x24 + 44, 0, 5);
	memcpy(c + 0x08, d.nonce, 12);
	memcpy(c + 0x14, d.tag, 16);
	memcpy(c + 0x24, d.payload, 44);
	off += vsize;
	v = b + off; /* clear key VMK: key datum + CCM */
	vsize = 0x24 + 0x2c + 0x24 + 44;
	put_datum(v, (uint16_t)vsize, 2, 8);
	le16_put(v + 0x22, FVE_PROTECTION_CLEAR_KEY);
	put_datum(v + 0x24, 0x2c, 0, 1);
	key_0_31(v + 0x24 + 0x0c);
	memcpy(v + 0x24 + 0x2c, c, 0x24 + 44);
	off += vsize;
	memcpy(b + off, c, 0x24 + 44); /* the FVEK entry */
	le16_put(b + off + 2, 3);
	off += 0x24 + 44;
	put_datum(b + off, 0x18, 15, 15);
	le64_put(b + off + 8, 0x10000);
	le64_put(b + off + 16, 0x2000);
	off += 0x18;
	le32_put(b + 0x40, (uint32_t)(off - 0x40));
	return off;
}

Test(fve_keys, parse_block)
{
	uint8_t b[BLOCK_SIZE];
	block_build(b);
	FveKeys k;
	cr_assert(fve_keys_parse(byte_span(b, sizeof b), &k, NULL));
	cr_assert_eq(k.vmk_count, 2);
	cr_assert(k.vmks[0].has_salt && k.vmks[0].has_vmk && !k.vmks[0].has_clear_key);
	cr_assert_eq(k.vmks[0].protection, FVE_PROTECTION_PASSWORD);
	cr_assert_eq(k.vmks[0].salt[3], 0x5a);
	cr_assert(k.vmks[1].has_clear_key && k.vmks[1].has_vmk);
	cr_assert(k.has_fvek && k.fvek.payload_size == 44);
	cr_assert(k.has_header && k.header_offset == 0x10000 && k.header_size_bytes == 0x2000);
	/* the clear key opens the VMK */
	uint8_t out[FVE_KEYS_KEY_MAX];
	size_t size = 0;
	uint16_t method = 0;
	cr_assert(fve_keys_unwrap(k.vmks[1].clear_key, &k.vmks[1].vmk, 32, out, &size, &method, NULL));
	fve_keys_clear(&k);
}

Test(fve_keys, parse_truncated_everywhere)
{
	uint8_t b[BLOCK_SIZE];
	size_t used = block_build(b);
	for (size_t len = 0; len <= used; len++) {
		FveKeys k;
		g_autoptr(GError) error = NULL;
		uint8_t *copy = g_memdup2(b, len); /* so a read past len is caught by ASan */
		bool ok = fve_keys_parse(byte_span(copy, len), &k, &error);
		if (len < 0x40 + (size_t)le32_at(b + 0x40)) {
			cr_assert_not(ok, "length %zu", len);
			cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		} else {
			cr_assert(ok);
			fve_keys_clear(&k);
		}
		g_free(copy);
	}
}

Test(fve_keys, parse_hostile_sizes)
{
	uint8_t b[BLOCK_SIZE];
	block_build(b);
	uint8_t *v = b + ENTRIES;
	le16_put(v + 0x24, 0xffff);              /* the stretch datum claims past its VMK */
	FveKeys k;
	cr_assert(fve_keys_parse(byte_span(b, sizeof b), &k, NULL));
	cr_assert_eq(k.vmk_count, 2);
	cr_assert(!k.vmks[0].has_salt && !k.vmks[0].has_vmk, "nothing after an overlong datum");
	fve_keys_clear(&k);

	block_build(b);
	le16_put(b + ENTRIES, 0);                /* a zero-size first entry: padding, stop */
	cr_assert(fve_keys_parse(byte_span(b, sizeof b), &k, NULL));
	cr_assert_eq(k.vmk_count, 0);
	cr_assert_not(k.has_fvek);
	fve_keys_clear(&k);

	block_build(b);
	le32_put(b + 0x40, 0xffffffff);          /* metadata size past the block */
	g_autoptr(GError) error = NULL;
	cr_assert_not(fve_keys_parse(byte_span(b, sizeof b), &k, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
}

Test(fve_keys, parse_oversized_payload)
{
	uint8_t b[0x2000] = { 0 };
	memcpy(b, "-FVE-FS-", 8);
	put_datum(b + ENTRIES, 0x24 + 300, 3, 5);     /* an FVEK datum longer than any key */
	put_datum(b + ENTRIES + 0x24 + 300, 0x24, 2, 8); /* a VMK with no nested datums */
	le32_put(b + 0x40, 0x30 + 0x24 + 300 + 0x24);
	FveKeys k;
	cr_assert(fve_keys_parse(byte_span(b, sizeof b), &k, NULL));
	cr_assert_not(k.has_fvek);
	cr_assert_eq(k.vmk_count, 1);
	cr_assert(!k.vmks[0].has_vmk && !k.vmks[0].has_salt);
	fve_keys_clear(&k);
}

/* ---- .BEK files ----------------------------------------------------------------------------- */

static size_t bek_build(uint8_t *b, size_t cap)
{
	memset(b, 0, cap);
	size_t e = 0x30, size = 0x20 + 0x2c;
	put_datum(b + e, (uint16_t)size, 6, 9);
	memset(b + e + 8, 0x11, 16);              /* the protector GUID */
	put_datum(b + e + 0x20, 0x2c, 0, 1);
	memset(b + e + 0x20 + 0x0c, 0x77, 32);
	le32_put(b, (uint32_t)(e + size));
	return e + size;
}

Test(fve_keys, startup_key)
{
	uint8_t b[0x100], guid[16], key[32], want[32];
	size_t used = bek_build(b, sizeof b);
	cr_assert(fve_keys_startup_key_parse(byte_span(b, used), guid, key, NULL));
	memset(want, 0x77, 32);
	cr_assert_arr_eq(key, want, 32);
	cr_assert_eq(guid[0], 0x11);
	for (size_t len = 0; len < used; len++) {
		g_autoptr(GError) error = NULL;
		cr_assert_not(fve_keys_startup_key_parse(byte_span(b, len), guid, key, &error), "length %zu", len);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	}
	le16_put(b + 0x30 + 0x20, 0x2d);          /* a 33-byte key: not ours */
	g_autoptr(GError) error = NULL;
	cr_assert_not(fve_keys_startup_key_parse(byte_span(b, used), guid, key, &error));
}
