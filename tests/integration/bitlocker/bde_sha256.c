/* Opens a BitLocker image through file_source_open + encrypted_volume_open (the native
 * backend, or libbde with --backend libbde), unlocks it and prints the SHA-256 of the
 * whole decrypted volume (or with "sample" of the first MiB and a 64 KiB block every
 * 7 MiB, for a quick comparison of two backends; "head" writes the first decrypted
 * sector). The secret comes from a file, never
 * from argv. Exit: 0 ok, 2 locked (wrong or missing key), 3 unsupported, 1 other errors. */
#define G_LOG_DOMAIN "restorefs-test"

#include "device/encrypted_volume.h"
#include "util/error.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define CHUNK_BYTES (4u * 1024 * 1024)
#define PREFIX_BYTES (1u * 1024 * 1024)

static int fail(const GError *error)
{
	fprintf(stderr, "error: %s\n", error->message);
	if (g_error_matches(error, RFS_ERROR, RFS_ERROR_LOCKED))
		return 2;
	if (g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED))
		return 3;
	return 1;
}

static void print_info(EncryptedVolume *vol)
{
	g_autofree RfsEncryptionInfo *info = encrypted_volume_info_copy(vol);
	printf("method: %s\nvolume identifier: %s\ncreation time: %" PRId64 "\n"
	       "description: %s\nto go: %s\n",
	       info->method, info->volume_identifier, info->creation_time, info->description,
	       info->to_go ? "yes" : "no");
	for (size_t i = 0; i < info->protector_count; i++)
		printf("protector: %s %s\n", info->protectors[i].type, info->protectors[i].identifier);
	if (encrypted_volume_refusal(vol) != NULL)
		printf("unsupported: %s\n", encrypted_volume_refusal(vol));
}

static bool parse_kind(const char *name, RfsKeyKind *kind)
{
	static const struct { const char *name; RfsKeyKind kind; } kinds[] = {
		{ "password", RFS_KEY_PASSWORD },
		{ "recovery", RFS_KEY_RECOVERY_PASSWORD },
		{ "startup-key", RFS_KEY_STARTUP_KEY },
		{ "fvek", RFS_KEY_FVEK },
		{ "clear", RFS_KEY_FVEK }, /* no key: the volume must open with its clear key */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (strcmp(name, kinds[i].name) == 0) {
			*kind = kinds[i].kind;
			return true;
		}
	return false;
}

/* Prints the digest in hex and frees the context. */
static void print_digest(EVP_MD_CTX *md)
{
	uint8_t out[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	(void)EVP_DigestFinal_ex(md, out, &len);
	for (unsigned int i = 0; i < len; i++)
		printf("%02x", out[i]);
	printf("\n");
	EVP_MD_CTX_free(md);
}

/* Prints the SHA-256 of [0, size), or with limit_bytes > 0 of only that many bytes from
 * the start; a whole-volume hash is followed by the hash of its first PREFIX_BYTES, which
 * a later limited run with another key can be checked against. */
static bool hash_volume(BlockSource *src, uint64_t limit_bytes, GError **error)
{
	uint64_t total = limit_bytes > 0 ? MIN(limit_bytes, src->size_bytes) : src->size_bytes;
	EVP_MD_CTX *sum = EVP_MD_CTX_new(), *prefix = NULL;
	g_autofree uint8_t *buf = g_malloc(CHUNK_BYTES);
	(void)EVP_DigestInit_ex(sum, EVP_sha256(), NULL);
	gint64 reading_us = 0;
	for (uint64_t off = 0; off < total;) {
		size_t n = (size_t)MIN((uint64_t)CHUNK_BYTES, total - off);
		if (off < PREFIX_BYTES)
			n = (size_t)MIN((uint64_t)n, PREFIX_BYTES - off);
		gint64 t0 = g_get_monotonic_time();
		if (!block_source_read(src, off, buf, n, error)) {
			EVP_MD_CTX_free(sum);
			EVP_MD_CTX_free(prefix);
			return false;
		}
		reading_us += g_get_monotonic_time() - t0;
		(void)EVP_DigestUpdate(sum, buf, n);
		off += n;
		if (off == PREFIX_BYTES && limit_bytes == 0) {
			prefix = EVP_MD_CTX_new();
			(void)EVP_MD_CTX_copy_ex(prefix, sum);
		}
	}
	double secs = (double)reading_us / 1e6;
	print_digest(sum);
	if (prefix != NULL)
		print_digest(prefix);
	fprintf(stderr, "%" PRIu64 " bytes read and decrypted in %.2f s: %.1f MB/s\n", total, secs,
		secs > 0 ? (double)total / secs / 1e6 : 0.0);
	return true;
}

static EncryptedVolumeBackend backend = ENCRYPTED_VOLUME_NATIVE;

/* The SHA-256 of the first MiB and of a 64 KiB block every 7 MiB after it (each a few
 * sectors further in), for comparing two backends without hashing the whole volume. */
static bool hash_sample(BlockSource *src, GError **error)
{
	enum { BLOCK = 64 * 1024, STRIDE = 7 * 1024 * 1024 };
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree uint8_t *buf = g_malloc(PREFIX_BYTES);
	size_t n = (size_t)MIN((uint64_t)PREFIX_BYTES, src->size_bytes);
	if (!block_source_read(src, 0, buf, n, error))
		return false;
	g_checksum_update(sum, buf, n);
	for (uint64_t k = 1, off; (off = k * STRIDE + k * 4096) < src->size_bytes; k++) {
		n = (size_t)MIN((uint64_t)BLOCK, src->size_bytes - off);
		if (!block_source_read(src, off, buf, n, error))
			return false;
		g_checksum_update(sum, buf, n);
	}
	printf("%s\n", g_checksum_get_string(sum));
	return true;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	if (argc >= 3 && strcmp(argv[1], "--backend") == 0) {
		backend = strcmp(argv[2], "libbde") == 0 ? ENCRYPTED_VOLUME_LIBBDE : ENCRYPTED_VOLUME_NATIVE;
		argc -= 2;
		argv += 2;
	}
	if (argc == 3 && strcmp(argv[1], "--info") == 0) {
		BlockSource *file = file_source_open(argv[2], 0, &error);
		if (file == NULL)
			return fail(error);
		EncryptedVolume *vol = encrypted_volume_open(file, backend, &error);
		if (vol == NULL)
			return fail(error);
		print_info(vol);
		encrypted_volume_free(vol);
		block_source_close(file);
		return 0;
	}
	/* --at OFFSET: the volume starts OFFSET bytes into IMAGE (a disk image). */
	uint64_t at = 0;
	if (argc >= 3 && strcmp(argv[1], "--at") == 0) {
		at = g_ascii_strtoull(argv[2], NULL, 10);
		argc -= 2;
		argv += 2;
	}
	RfsKeyKind kind;
	if ((argc != 4 && argc != 5) || !parse_kind(argv[2], &kind)) {
		fprintf(stderr, "usage: %s [--backend native|libbde] [--at OFFSET] IMAGE password|recovery|startup-key|fvek|clear SECRET_FILE [LIMIT_BYTES|sample|head]\n"
				"       %s [--backend native|libbde] --info IMAGE\n"
				"SECRET_FILE holds the password, the recovery password or the raw FVEK;\n"
				"for startup-key it is the .BEK file itself; clear takes none (give -).\n",
			argv[0], argv[0]);
		return 1;
	}
	bool sample = argc == 5 && strcmp(argv[4], "sample") == 0;
	bool head = argc == 5 && strcmp(argv[4], "head") == 0;
	uint64_t limit = argc == 5 && !sample && !head ? g_ascii_strtoull(argv[4], NULL, 10) : 0;
	bool clear = strcmp(argv[2], "clear") == 0;

	gchar *secret = NULL;
	gsize secret_size = 0;
	if (kind == RFS_KEY_STARTUP_KEY || clear) {
		secret = g_strdup(argv[3]);
		secret_size = strlen(secret);
	} else if (!g_file_get_contents(argv[3], &secret, &secret_size, &error)) {
		return fail(error);
	}
	if (kind == RFS_KEY_PASSWORD)
		while (secret_size > 0 && (secret[secret_size - 1] == '\n' || secret[secret_size - 1] == '\r'))
			secret_size--;

	BlockSource *file = file_source_open(argv[1], 0, &error);
	if (file != NULL && at > 0)
		file = window_open(file, at, file->size_bytes - MIN(at, file->size_bytes), &error);
	if (file == NULL) {
		explicit_bzero(secret, secret_size);
		g_free(secret);
		return fail(error);
	}
	EncryptedVolume *vol = encrypted_volume_open(file, backend, &error);
	bool ok = vol != NULL;
	if (ok && clear && encrypted_volume_is_locked(vol))
		ok = rfs_set_error(&error, RFS_ERROR_LOCKED, "the volume does not open with a clear key%s%s",
				   encrypted_volume_refusal(vol) ? ": " : "",
				   encrypted_volume_refusal(vol) ? encrypted_volume_refusal(vol) : "");
	else if (ok && !clear)
		ok = encrypted_volume_unlock(vol, kind, (const uint8_t *)secret, secret_size, &error);
	explicit_bzero(secret, secret_size);
	g_free(secret);
	if (!ok) {
		encrypted_volume_free(vol);
		block_source_close(file);
		return fail(error);
	}
	BlockSource *plain = encrypted_volume_take_source(vol);
	if (head) { /* the first sector, raw */
		uint8_t sector[512];
		ok = block_source_read(plain, 0, sector, sizeof sector, &error) &&
		     fwrite(sector, 1, sizeof sector, stdout) == sizeof sector;
	} else {
		ok = sample ? hash_sample(plain, &error) : hash_volume(plain, limit, &error);
	}
	block_source_close(plain);
	block_source_close(file);
	return ok ? 0 : fail(error);
}
