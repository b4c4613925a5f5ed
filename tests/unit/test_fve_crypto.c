/* fve_crypto.c: XTS and CBC runs against OpenSSL's own XTS and CBC modes (sector by
 * sector, the way BitLocker defines them), runs longer than one chunk, several threads at
 * once, key and method checks; the Elephant diffuser (and the others again) against the
 * first MiB of the Windows-made fixtures, whose whole-volume SHA-256 matches images.conf. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <string.h>

#include "device/encrypted_volume.h"
#include "device/fve_crypto.h"
#include "device/fve_metadata.h"
#include "test_fixtures.h"
#include "util/error.h"

static void pattern(uint8_t *p, size_t size, uint8_t seed)
{
	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* The reference encryption: OpenSSL's XTS with the sector number as tweak, or CBC with
 * the AES of the byte offset as IV, one sector per call. */
static void reference_encrypt(uint16_t method, const uint8_t *key, uint32_t ss, uint64_t offset,
			      uint8_t *buf, size_t length)
{
	bool xts = method == FVE_METHOD_AES_128_XTS || method == FVE_METHOD_AES_256_XTS;
	bool big = method == FVE_METHOD_AES_256_XTS || method == FVE_METHOD_AES_256_CBC;
	const EVP_CIPHER *mode = xts ? (big ? EVP_aes_256_xts() : EVP_aes_128_xts())
				     : (big ? EVP_aes_256_cbc() : EVP_aes_128_cbc());
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new(), *ecb = EVP_CIPHER_CTX_new();
	cr_assert(EVP_EncryptInit_ex(ecb, big ? EVP_aes_256_ecb() : EVP_aes_128_ecb(), NULL, key, NULL));
	EVP_CIPHER_CTX_set_padding(ecb, 0);
	for (size_t done = 0; done < length; done += ss) {
		uint8_t iv[16] = { 0 }, pos[16] = { 0 };
		int len = 0;
		if (xts) {
			le64_put(iv, (offset + done) / ss);
		} else {
			le64_put(pos, offset + done);
			cr_assert(EVP_EncryptUpdate(ecb, iv, &len, pos, 16));
		}
		cr_assert(EVP_EncryptInit_ex(c, mode, NULL, key, iv));
		EVP_CIPHER_CTX_set_padding(c, 0);
		cr_assert(EVP_EncryptUpdate(c, buf + done, &len, buf + done, (int)ss));
	}
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_CTX_free(ecb);
}

static void roundtrip(uint16_t method, size_t key_size, uint32_t ss, uint64_t offset, size_t length)
{
	uint8_t key[64];
	pattern(key, sizeof key, 3);
	if (key_size == 32 || key_size == 64) /* XTS refuses two equal halves */
		key[key_size / 2] ^= 0xff;
	g_autofree uint8_t *plain = g_malloc(length), *buf = g_malloc(length);
	pattern(plain, length, (uint8_t)offset);
	memcpy(buf, plain, length);
	reference_encrypt(method, key, ss, offset, buf, length);
	cr_assert(memcmp(buf, plain, length) != 0);
	FveCrypto *c = fve_crypto_new(method, key, key_size, ss, NULL);
	cr_assert_not_null(c);
	cr_assert(fve_crypto_decrypt(c, offset, buf, length, NULL));
	cr_assert(memcmp(buf, plain, length) == 0, "%s, %u-byte sectors at %" G_GUINT64_FORMAT,
		  fve_metadata_method_name(method), ss, offset);
	fve_crypto_free(c);
}

Test(fve_crypto, xts_against_openssl)
{
	roundtrip(FVE_METHOD_AES_128_XTS, 32, 512, 0, 512);
	roundtrip(FVE_METHOD_AES_128_XTS, 32, 512, 512 * 12345, 3 * 512);
	roundtrip(FVE_METHOD_AES_256_XTS, 64, 512, (uint64_t)1 << 40, 2 * 512);
	roundtrip(FVE_METHOD_AES_128_XTS, 32, 4096, 4096 * 77, 3 * 4096);
	roundtrip(FVE_METHOD_AES_128_XTS, 32, 512, 1 << 20, 300 * 1024); /* several chunks */
}

Test(fve_crypto, cbc_against_openssl)
{
	roundtrip(FVE_METHOD_AES_128_CBC, 16, 512, 0, 512);
	roundtrip(FVE_METHOD_AES_256_CBC, 32, 512, 512 * 999, 5 * 512);
	roundtrip(FVE_METHOD_AES_128_CBC, 16, 4096, 4096 * 3, 2 * 4096);
	roundtrip(FVE_METHOD_AES_256_CBC, 32, 512, 1 << 20, 200 * 1024);
}

static gpointer decrypt_many(gpointer data)
{
	for (int i = 0; i < 20; i++)
		roundtrip(GPOINTER_TO_UINT(data) ? FVE_METHOD_AES_128_XTS : FVE_METHOD_AES_128_CBC,
			  GPOINTER_TO_UINT(data) ? 32 : 16, 512, (uint64_t)i * 512, 70 * 1024);
	return NULL;
}

Test(fve_crypto, threads)
{
	GThread *t[6];
	for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("decrypt", decrypt_many, GUINT_TO_POINTER(i % 2));
	for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
		g_thread_join(t[i]);
}

Test(fve_crypto, refuses_wrong_keys_and_methods)
{
	uint8_t key[64] = { 1 };
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
	cr_assert_null(fve_crypto_new(FVE_METHOD_AES_128_XTS, key, 16, 512, &e1));
	cr_assert(g_error_matches(e1, RFS_ERROR, RFS_ERROR_LOCKED));
	cr_assert_null(fve_crypto_new(FVE_METHOD_AES_256_CBC_DIFFUSER, key, 32, 512, &e2));
	cr_assert(g_error_matches(e2, RFS_ERROR, RFS_ERROR_LOCKED));
	cr_assert_null(fve_crypto_new(0x8009, key, 32, 512, &e3));
	cr_assert(g_error_matches(e3, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	cr_assert(strstr(e3->message, "0x8009") != NULL);
}

/* ---- the fixtures --------------------------------------------------------------------------- */

static char *first_mib_sha256(const char *dir, const char *image)
{
	g_autofree char *path = g_build_filename(dir, image, NULL);
	g_autoptr(GError) error = NULL;
	BlockSource *file = file_source_open(path, 0, &error);
	cr_assert_not_null(file, "%s", error ? error->message : "");
	EncryptedVolume *vol = encrypted_volume_open(file, ENCRYPTED_VOLUME_NATIVE, &error);
	cr_assert_not_null(vol, "%s", error ? error->message : "");
	cr_assert(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)"anaconda", 8, &error),
		  "%s: %s", image, error ? error->message : "");
	BlockSource *plain = encrypted_volume_take_source(vol);
	g_autofree uint8_t *buf = g_malloc(1 << 20);
	cr_assert(block_source_read(plain, 0, buf, 1 << 20, &error));
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, 1 << 20);
	/* a read that starts and ends inside sectors sees the same bytes */
	uint8_t part[1500];
	cr_assert(block_source_read(plain, 4099, part, sizeof part, &error));
	cr_assert_arr_eq(part, buf + 4099, sizeof part);
	block_source_close(plain);
	block_source_close(file);
	return sum;
}

Test(fve_crypto, fixtures_first_mib, .fini = test_fixture_bitlk_remove, .timeout = 60)
{
	static const struct { const char *image, *sha256; } cases[] = {
		{ "bitlk-aes-cbc-elephant-128.img", "d04bde7e3cb3a9ca0322b06c718b8ade3967c4468c4d306dddeea0a9d04cb34f" },
		{ "bitlk-aes-cbc-elephant-256.img", "f0aae6df607853005f5319149e537a699b150406374be3cde506fd960d37bdd9" },
		{ "bitlk-aes-cbc-128.img", "1834927cf6d1cb6596942f0b09fa941859472972d693b0ba6234ee9a84785e84" },
		{ "bitlk-aes-xts-128.img", "d0e69d0e4f67739145827592ad84f529d2dac14fc19efc07c3ced65c06e845e9" },
		{ "bitlk-aes-xts-256.img", "d62837ffd96e0938d89ea3782b339ac69614974b5ad2ccccd26343ce13b5808b" },
		{ "bitlk-aes-xts-128-4k.img", "1360f2d3288ba3a2af2a59f5c6adbc773d834dbe7bda86d2f75642fd56150deb" },
	};
	g_autofree char *dir = test_fixture_bitlk_unpack();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *sum = first_mib_sha256(dir, cases[i].image);
		cr_expect_str_eq(sum, cases[i].sha256, "%s", cases[i].image);
	}
}
