/* encrypted_volume.h: the probe on hostile first sectors and sources, the size probe
 * restorefs-scan --find-volumes uses (hostile metadata offsets), the choice among the three
 * metadata copies, and open, info, refusal and unlock on the Windows-made volumes in
 * bitlk-images.tar.xz (truncated, refused, wrong keys). */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "device/encrypted_volume.h"
#include "device/fve_metadata.h"
#include "fixture_fve.h"
#include "mem_source.h"
#include "test_fixtures.h"
#include "util/error.h"

/* A source of `size` bytes whose every read fails. */
static bool failing_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			    GError **error)
{
	return rfs_set_io(error, "bad sector at %" PRIu64, offset);
}

static void failing_close(BlockSource *self)
{
	g_free(self);
}

static BlockSource *failing_source_new(uint64_t size)
{
	BlockSource *src = g_new0(BlockSource, 1);
	src->size_bytes = size;
	src->sector_size = 512;
	src->read_at = failing_read_at;
	src->close = failing_close;
	return src;
}

/* A source holding a copy of `size` bytes of `data`. */
static BlockSource *bytes_source(const uint8_t *data, size_t size)
{
	return mem_source_new(g_memdup2(data, size ? size : 1), size);
}

/* ---- probe ---- */

static bool probe_both(const uint8_t *sector, size_t size)
{
	BlockSource *src = bytes_source(sector, size);
	bool on_source = encrypted_volume_probe(src, 0);
	block_source_close(src);
	g_autofree uint8_t *copy = g_memdup2(sector, size ? size : 1);
	bool on_bytes = encrypted_volume_probe_sector(byte_span(copy, size));
	cr_assert_eq(on_source, on_bytes, "size %zu", size);
	return on_bytes;
}

Test(encrypted_probe, recognises_bitlocker)
{
	uint8_t b[512] = { 0xEB, 0x58, 0x90 };
	memcpy(b + 3, "-FVE-FS-", 8); /* Windows 7 and later also put the GUID at 0xA0 */
	memcpy(b + 0xA0, FIXTURE_FVE_GUID, sizeof FIXTURE_FVE_GUID);
	cr_assert(probe_both(b, sizeof b));
	for (size_t len = 0; len < sizeof b; len++)
		cr_assert_not(probe_both(b, len), "length %zu", len);

	uint8_t vista[512] = { 0xEB, 0x52, 0x90 };
	memcpy(vista + 3, "-FVE-FS-", 8);
	cr_assert(probe_both(vista, sizeof vista));
}

Test(encrypted_probe, recognises_bitlocker_to_go)
{
	uint8_t b[512] = { 0xEB, 0x58, 0x90 };
	memcpy(b + 3, "MSWIN4.1", 8);
	memcpy(b + 0x52, "FAT32   ", 8);
	cr_assert_not(probe_both(b, sizeof b)); /* a plain FAT32 */
	memcpy(b + 0x1A8, FIXTURE_FVE_GUID, sizeof FIXTURE_FVE_GUID);
	cr_assert(probe_both(b, sizeof b));
	cr_assert_not(probe_both(b, 0x1A8 + 15));
	memcpy(b + 3, "MSDOS5.0", 8);
	cr_assert_not(probe_both(b, sizeof b));
}

Test(encrypted_probe, ntfs_and_empty_sectors_are_not_bitlocker)
{
	uint8_t b[512] = { 0xEB, 0x52, 0x90 };
	cr_assert_not(probe_both(b, sizeof b));
	memcpy(b + 3, "NTFS    ", 8);
	memcpy(b + 0x1A8, FIXTURE_FVE_GUID, sizeof FIXTURE_FVE_GUID); /* only To Go counts it */
	cr_assert_not(probe_both(b, sizeof b));
	memcpy(b + 3, "-FVE-FS", 7); /* one byte short of the signature */
	cr_assert_not(probe_both(b, sizeof b));

	static const char *const windows[] = { "512.boot", "4k.boot", "4kn.boot", "64k.boot",
					       "128k.boot", "nobootcode.boot" };
	for (size_t i = 0; i < G_N_ELEMENTS(windows); i++) {
		size_t size = 0;
		g_autofree uint8_t *data = test_fixture_load(windows[i], &size);
		cr_assert_not(probe_both(data, size), "%s", windows[i]);
	}
}

Test(encrypted_probe, offsets_and_unreadable_sources)
{
	enum { SIZE = 4096, AT = 1024 };
	uint8_t *disk = g_malloc0(SIZE);
	fixture_fve_header_build(disk + AT, (uint64_t[]){ 1, 2, 3 }, 0);
	BlockSource *src = mem_source_new(disk, SIZE);
	cr_assert(encrypted_volume_probe(src, AT));
	cr_assert_not(encrypted_volume_probe(src, 0));
	cr_assert_not(encrypted_volume_probe(src, AT + 1));
	cr_assert_not(encrypted_volume_probe(src, SIZE - 511));
	cr_assert_not(encrypted_volume_probe(src, SIZE));
	cr_assert_not(encrypted_volume_probe(src, SIZE + 1));
	cr_assert_not(encrypted_volume_probe(src, UINT64_MAX));
	cr_assert_not(encrypted_volume_probe(src, UINT64_MAX - 100));
	block_source_close(src);

	BlockSource *bad = failing_source_new(1 << 20);
	cr_assert_not(encrypted_volume_probe(bad, 0));
	cr_assert_eq(encrypted_volume_probe_size(bad, 0), 0);
	g_autoptr(GError) error = NULL;
	cr_assert_null(encrypted_volume_open(bad, ENCRYPTED_VOLUME_LIBBDE, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_IO));
	cr_assert_str_eq(error->message, "BitLocker: bad sector at 0");
	block_source_close(bad);
}

/* ---- size probe ---- */

enum { DISK_SIZE = 1 << 20, VOLUME_AT = 0x8000, ROOM = DISK_SIZE - VOLUME_AT };

/* A disk with a BitLocker header at VOLUME_AT naming `offsets` (relative to it). */
static uint8_t *disk_new(const uint64_t offsets[3])
{
	uint8_t *disk = g_malloc0(DISK_SIZE);
	fixture_fve_header_build(disk + VOLUME_AT, offsets, 0);
	return disk;
}

/* A block header at VOLUME_AT + rel stating `size_bytes` (version 2 unless given). */
static void block_put(uint8_t *disk, uint64_t rel, uint16_t version, uint64_t size_bytes)
{
	uint8_t *b = disk + VOLUME_AT + rel;
	memcpy(b, "-FVE-FS-", 8);
	le16_put(b + 0x0A, version);
	le16_put(b + 0x0C, FVE_STATE_ENCRYPTED);
	le16_put(b + 0x0E, FVE_STATE_ENCRYPTED);
	le64_put(b + 0x10, size_bytes);
}

static uint64_t size_of(uint8_t *disk)
{
	BlockSource *src = mem_source_new(disk, DISK_SIZE);
	uint64_t size = encrypted_volume_probe_size(src, VOLUME_AT);
	block_source_close(src);
	return size;
}

Test(encrypted_size, first_block_that_states_one)
{
	uint8_t *disk = disk_new((uint64_t[]){ 0x1000, 0x2000, 0x3000 });
	block_put(disk, 0x1000, 2, 0x40000);
	block_put(disk, 0x2000, 2, 0x50000);
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x40000);

	memcpy(disk + VOLUME_AT + 0x1000, "-FVE-FX-", 8); /* copy 1 damaged */
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x50000);
	block_put(disk, 0x1000, 1, 0x40000);           /* Vista: no size in the header */
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x50000);
	block_put(disk, 0x2000, 2, 0);                  /* a size of 0 says nothing */
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0);
	block_put(disk, 0x3000, 2, ROOM);               /* up to the end of the disk */
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), ROOM);
	block_put(disk, 0x3000, 2, ROOM + 1);           /* past it */
	cr_assert_eq(size_of(disk), 0);
}

Test(encrypted_size, offsets_beyond_the_source)
{
	/* At the end, one byte short of a block header, past the end, wrapping. */
	uint8_t *disk = disk_new((uint64_t[]){ ROOM, ROOM - FVE_METADATA_BLOCK_HEADER_SIZE + 1,
					       UINT64_MAX });
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0);
	le64_put(disk + VOLUME_AT + 0xB0, UINT64_MAX - VOLUME_AT + 1); /* start + rel wraps to 0 */
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0);
	/* A block header that just fits is read. */
	le64_put(disk + VOLUME_AT + 0xB0, ROOM - FVE_METADATA_BLOCK_HEADER_SIZE);
	block_put(disk, ROOM - FVE_METADATA_BLOCK_HEADER_SIZE, 2, 0x10000);
	cr_assert_eq(size_of(disk), 0x10000);
}

Test(encrypted_size, zero_offsets_and_no_header)
{
	cr_assert_eq(size_of(disk_new((uint64_t[]){ 0, 0, 0 })), 0);
	uint8_t *disk = disk_new((uint64_t[]){ 0, 0, 0x1000 });
	block_put(disk, 0x1000, 2, 0x30000);
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x30000);
	memset(disk + VOLUME_AT, 0, 512); /* no BitLocker header at all */
	cr_assert_eq(size_of(disk), 0);

	/* A header cut off by the end of the source, or beyond it. */
	uint8_t *small = g_malloc0(DISK_SIZE);
	BlockSource *src = mem_source_new(small, DISK_SIZE);
	cr_assert_eq(encrypted_volume_probe_size(src, DISK_SIZE - 511), 0);
	cr_assert_eq(encrypted_volume_probe_size(src, DISK_SIZE), 0);
	cr_assert_eq(encrypted_volume_probe_size(src, UINT64_MAX), 0);
	block_source_close(src);
}

Test(encrypted_size, overlapping_blocks)
{
	/* All three copies at one place; then copies that overlap the header and each other. */
	uint8_t *disk = disk_new((uint64_t[]){ 0x1000, 0x1000, 0x1000 });
	block_put(disk, 0x1000, 2, 0x20000);
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x20000);

	/* Read as a block, the header at +3 has the signature but version 8 (its sectors per
	 * cluster); the second copy's size field is the third copy's signature, far past the
	 * end of the disk; the third copy counts. */
	g_free(disk);
	disk = disk_new((uint64_t[]){ 3, 0x1000, 0x1010 });
	block_put(disk, 0x1000, 2, 0);
	block_put(disk, 0x1010, 2, 0x20000);
	cr_assert_eq(size_of(g_memdup2(disk, DISK_SIZE)), 0x20000);
	le16_put(disk + VOLUME_AT + 0x1010 + 0x0A, 1);
	cr_assert_eq(size_of(disk), 0);
}

Test(encrypted_size, to_go_header)
{
	uint8_t *disk = g_malloc0(DISK_SIZE);
	uint8_t *h = disk + VOLUME_AT;
	memcpy(h + 3, "MSWIN4.1", 8);
	memcpy(h + 0x1A8, FIXTURE_FVE_GUID, 16);
	le64_put(h + 0x1B8, 0x4000);
	block_put(disk, 0x4000, 2, 0x60000);
	le64_put(h + 0xB0, 0x2000); /* where a Windows 7 header would name it: not read */
	block_put(disk, 0x2000, 2, 0x70000);
	cr_assert_eq(size_of(disk), 0x60000);
}

/* ---- the three copies, when the volume opens ---- */

enum { COPY_AT = 0x10000 };

/* A volume whose three copies differ in their descriptions "copy 1".."copy 3"; copies
 * whose bit is set in `damaged` fail their CRC-32. */
static BlockSource *disk_with_copies(unsigned damaged)
{
	uint8_t *disk = g_malloc0(DISK_SIZE);
	fixture_fve_header_build(disk, (uint64_t[]){ COPY_AT, 2 * COPY_AT, 3 * COPY_AT }, 0);
	for (int i = 0; i < 3; i++) {
		FixtureFveBlock b;
		char text[8];
		g_snprintf(text, sizeof text, "copy %d", i + 1);
		fixture_fve_block_start(&b, FVE_METHOD_AES_128_XTS);
		fixture_fve_block_description(&b, text);
		fixture_fve_block_vmk(&b, 0x11, FVE_PROTECTION_PASSWORD);
		size_t size = fixture_fve_block_finish(&b);
		if (damaged & (1u << i))
			b.data[0x70 + 8] ^= 1;
		memcpy(disk + (size_t)(i + 1) * COPY_AT, b.data, size);
	}
	return mem_source_new(disk, DISK_SIZE);
}

static void expect_copy_with(EncryptedVolumeBackend backend, unsigned damaged, const char *description)
{
	BlockSource *src = disk_with_copies(damaged);
	g_autoptr(GError) error = NULL;
	EncryptedVolume *vol = encrypted_volume_open(src, backend, &error);
	cr_assert_not_null(vol, "%s", error ? error->message : "");
	g_autofree RfsEncryptionInfo *info = encrypted_volume_info_copy(vol);
	cr_assert_str_eq(info->description, description, "damaged 0x%x", damaged);
	cr_assert_str_eq(info->volume_identifier, FIXTURE_FVE_VOLUME_GUID_TEXT);
	cr_assert_eq(info->protector_count, 1);
	encrypted_volume_free(vol);
	block_source_close(src);
}

static void expect_copy(unsigned damaged, const char *description)
{
	expect_copy_with(ENCRYPTED_VOLUME_LIBBDE, damaged, description);
	expect_copy_with(ENCRYPTED_VOLUME_NATIVE, damaged, description);
}

/* The native backend reads the keys from the copy that passed its checks, and refuses by
 * name a volume whose metadata does not say where its first sectors went. */
Test(encrypted_copies, native_names_what_it_cannot_read)
{
	BlockSource *src = disk_with_copies(0x1);
	g_autoptr(GError) error = NULL;
	EncryptedVolume *vol = encrypted_volume_open(src, ENCRYPTED_VOLUME_NATIVE, &error);
	cr_assert_not_null(vol, "%s", error ? error->message : "");
	cr_assert(encrypted_volume_is_locked(vol));
	const char *why = encrypted_volume_refusal(vol);
	cr_assert(why != NULL && strstr(why, "volume header was moved") != NULL, "%s", why);
	cr_assert_not(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)"pw", 2, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	cr_assert(g_str_has_prefix(error->message, "BitLocker: "), "%s", error->message);
	encrypted_volume_free(vol);
	block_source_close(src);
}

Test(encrypted_copies, first_intact_copy_is_used)
{
	expect_copy(0x1, "copy 2");
	expect_copy(0x2 | 0x1, "copy 3");
	expect_copy(0x2, "copy 1");
}

Test(encrypted_copies, all_damaged_reports_the_first)
{
	BlockSource *src = disk_with_copies(0x7);
	g_autoptr(GError) error = NULL;
	cr_assert_null(encrypted_volume_open(src, ENCRYPTED_VOLUME_LIBBDE, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(g_str_has_prefix(error->message, "BitLocker: FVE metadata block: CRC-32 0x"),
		  "%s", error->message);
	block_source_close(src);
}

Test(encrypted_copies, offsets_past_the_end)
{
	uint8_t *disk = g_malloc0(DISK_SIZE);
	fixture_fve_header_build(disk, (uint64_t[]){ DISK_SIZE, UINT64_MAX, 0 }, 0);
	BlockSource *src = mem_source_new(disk, DISK_SIZE);
	g_autoptr(GError) error = NULL;
	cr_assert_null(encrypted_volume_open(src, ENCRYPTED_VOLUME_LIBBDE, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert_str_eq(error->message,
			 "BitLocker: the BitLocker header names no FVE metadata block inside the volume");
	block_source_close(src);
}

Test(encrypted_copies, copy_cut_by_the_volume_end)
{
	uint8_t *disk = g_malloc0(DISK_SIZE);
	fixture_fve_header_build(disk, (uint64_t[]){ DISK_SIZE - 0x40, 0, 0 }, 0);
	memcpy(disk + DISK_SIZE - 0x40, "-FVE-FS-", 8);
	BlockSource *src = mem_source_new(disk, DISK_SIZE);
	g_autoptr(GError) error = NULL;
	cr_assert_null(encrypted_volume_open(src, ENCRYPTED_VOLUME_LIBBDE, &error));
	cr_assert_str_eq(error->message, "BitLocker: FVE metadata block: no -FVE-FS- signature");
	block_source_close(src);
}

Test(encrypted_copies, no_header_and_unknown_backend)
{
	BlockSource *src = mem_source_new(g_malloc0(DISK_SIZE), DISK_SIZE);
	g_autoptr(GError) error = NULL;
	cr_assert_null(encrypted_volume_open(src, ENCRYPTED_VOLUME_LIBBDE, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert_str_eq(error->message, "BitLocker: not a BitLocker volume");
	g_clear_error(&error);
	cr_assert_null(encrypted_volume_open(src, (EncryptedVolumeBackend)99, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	block_source_close(src);
}

/* ---- Windows-made volumes (bitlk-images.tar.xz) ---- */

TestSuite(encrypted_images, .fini = test_fixture_bitlk_remove, .timeout = 120);

static EncryptedVolume *image_open(const char *images, const char *name, BlockSource **file)
{
	g_autofree char *path = g_strdup_printf("%s/%s.img", images, name);
	g_autoptr(GError) error = NULL;
	*file = file_source_open(path, 0, &error);
	cr_assert_not_null(*file, "%s", error ? error->message : "");
	EncryptedVolume *vol = encrypted_volume_open(*file, ENCRYPTED_VOLUME_LIBBDE, &error);
	cr_assert_not_null(vol, "%s: %s", name, error ? error->message : "");
	return vol;
}

static GKeyFile *images_conf(const char *images)
{
	g_autofree char *path = g_build_filename(images, "images.conf", NULL);
	GKeyFile *conf = g_key_file_new();
	cr_assert(g_key_file_load_from_file(conf, path, G_KEY_FILE_NONE, NULL));
	return conf;
}

Test(encrypted_images, info_of_a_windows_volume)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	g_autoptr(GKeyFile) conf = images_conf(images);
	const char *name = "bitlk-aes-xts-128-unicode";
	BlockSource *file;
	EncryptedVolume *vol = image_open(images, name, &file);
	cr_assert(encrypted_volume_is_locked(vol));
	cr_assert_null(encrypted_volume_refusal(vol));
	g_autofree RfsEncryptionInfo *info = encrypted_volume_info_copy(vol);
	g_autofree char *guid = g_key_file_get_string(conf, name, "GUID", NULL);
	g_autofree char *pw_guid = g_key_file_get_string(conf, name, "PW_VMK_GUID", NULL);
	g_autofree char *rp_guid = g_key_file_get_string(conf, name, "RP_VMK_GUID", NULL);
	cr_assert_str_eq(info->method, "AES-XTS 128");
	cr_assert_str_eq(info->volume_identifier, guid);
	cr_assert_str_eq(info->description, "WIN11 New Volume 29/07/2025");
	cr_assert_eq(info->creation_time, 133982829490989124);
	cr_assert_not(info->to_go);
	cr_assert_eq(info->protector_count, 2);
	cr_assert_str_eq(info->protectors[0].type, "password");
	cr_assert_str_eq(info->protectors[0].identifier, pw_guid);
	cr_assert_str_eq(info->protectors[1].type, "recovery password");
	cr_assert_str_eq(info->protectors[1].identifier, rp_guid);
	encrypted_volume_free(vol);
	cr_assert_str_eq(info->method, "AES-XTS 128", "the copy outlives the volume");
	block_source_close(file);
}

/* Any key is now refused with the volume's refusal. */
static void expect_unlock_error_again(EncryptedVolume *vol, const char *refusal)
{
	g_autoptr(GError) error = NULL;
	cr_assert_not(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)"x", 1, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	g_autofree char *want = g_strconcat("BitLocker: ", refusal, NULL);
	cr_assert_str_eq(error->message, want);
}

#define NO_BLOCK "BitLocker: the BitLocker header names no FVE metadata block inside the volume"

/* The image cut short: before the end of its header, before its first metadata copy,
 * inside it. */
Test(encrypted_images, open_on_a_truncated_source)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	g_autofree char *path = g_strdup_printf("%s/bitlk-aes-xts-128.img", images);
	static const struct {
		uint64_t size;
		RfsError code;
		const char *message;
	} cuts[] = {
		{ 511, RFS_ERROR_IO,
		  "BitLocker: read of 512 bytes at 0 is past the end of the volume (511 bytes)" },
		{ 512, RFS_ERROR_CORRUPT, NO_BLOCK },
		{ 0x2195000, RFS_ERROR_CORRUPT, NO_BLOCK }, /* where the first copy starts */
		{ 0x2195000 + 0x40, RFS_ERROR_CORRUPT,
		  "BitLocker: FVE metadata block: no -FVE-FS- signature" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
		g_autoptr(GError) error = NULL;
		BlockSource *file = file_source_open(path, 0, &error);
		cr_assert_not_null(file);
		BlockSource *cut = window_open(file, 0, cuts[i].size, &error);
		cr_assert_not_null(cut);
		cr_assert_null(encrypted_volume_open(cut, ENCRYPTED_VOLUME_LIBBDE, &error),
			       "cut at %" PRIu64, cuts[i].size);
		cr_assert(g_error_matches(error, RFS_ERROR, cuts[i].code), "%s", error->message);
		cr_assert_str_eq(error->message, cuts[i].message);
		block_source_close(cut);
	}
}

/* libbde opens this volume without a key and refuses only once a key checks out; from
 * then on every attempt is refused at once. */
Test(encrypted_images, refused_method)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	g_autoptr(GKeyFile) conf = images_conf(images);
	BlockSource *file;
	EncryptedVolume *vol = image_open(images, "bitlk-aes-xts-256", &file);
	cr_assert_null(encrypted_volume_refusal(vol));
	cr_assert(encrypted_volume_is_locked(vol));
	g_autofree RfsEncryptionInfo *info = encrypted_volume_info_copy(vol);
	cr_assert_str_eq(info->method, "AES-XTS 256");

	g_autofree char *pw = g_key_file_get_string(conf, "bitlk-aes-xts-256", "PW", NULL);
	g_autoptr(GError) error = NULL;
	cr_assert_not(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)pw,
					      strlen(pw), &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_UNSUPPORTED));
	cr_assert(g_str_has_prefix(error->message,
				   "BitLocker: encryption method AES-XTS 256 is not supported by this libbde ("),
		  "%s", error->message);
	const char *refusal = encrypted_volume_refusal(vol);
	cr_assert_not_null(refusal);
	cr_assert_str_eq(error->message + strlen("BitLocker: "), refusal);
	g_clear_error(&error);
	expect_unlock_error_again(vol, refusal);
	encrypted_volume_free(vol);
	block_source_close(file);
}

/* A state libbde cannot open at all: refused from the start, whatever the key. */
Test(encrypted_images, refused_state)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	BlockSource *file;
	EncryptedVolume *vol = image_open(images, "bitlk-aes-xts-128-eow", &file);
	const char *refusal = encrypted_volume_refusal(vol);
	cr_assert_not_null(refusal);
	cr_assert(g_str_has_prefix(refusal, "the volume uses encrypt-on-write"), "%s", refusal);
	cr_assert(encrypted_volume_is_locked(vol));
	expect_unlock_error_again(vol, refusal);
	encrypted_volume_free(vol);
	block_source_close(file);
}

static void expect_unlock_error(EncryptedVolume *vol, RfsKeyKind kind, const char *secret,
				RfsError code, const char *message)
{
	g_autoptr(GError) error = NULL;
	cr_assert_not(encrypted_volume_unlock(vol, kind, (const uint8_t *)secret, strlen(secret),
					      &error), "%s", secret);
	cr_assert(g_error_matches(error, RFS_ERROR, code), "%s: %s", secret, error->message);
	cr_assert_str_eq(error->message, message);
	cr_assert(encrypted_volume_is_locked(vol));
}

Test(encrypted_images, wrong_keys_then_the_right_one)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	g_autoptr(GKeyFile) conf = images_conf(images);
	const char *name = "bitlk-aes-xts-128";
	BlockSource *file;
	EncryptedVolume *vol = image_open(images, name, &file);

	expect_unlock_error(vol, RFS_KEY_PASSWORD, "", RFS_ERROR_LOCKED, "BitLocker: no password given");
	expect_unlock_error(vol, RFS_KEY_PASSWORD, "not-the-password", RFS_ERROR_LOCKED,
			    "BitLocker: wrong password");
	expect_unlock_error(vol, RFS_KEY_RECOVERY_PASSWORD,
			    "000000-000000-000000-000000-000000-000000-000000-000000",
			    RFS_ERROR_LOCKED, "BitLocker: wrong recovery password");
	expect_unlock_error(vol, RFS_KEY_STARTUP_KEY, "/nonexistent.BEK", RFS_ERROR_LOCKED,
			    "BitLocker: this volume has no startup key protector (it has: password, recovery password)");
	g_autoptr(GError) error = NULL;
	cr_assert_not(encrypted_volume_unlock(vol, RFS_KEY_RECOVERY_PASSWORD, (const uint8_t *)"12345", 5,
					      &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID), "%s", error->message);
	cr_assert(g_str_has_prefix(error->message, "BitLocker: "), "%s", error->message);

	g_autofree char *pw = g_key_file_get_string(conf, name, "PW", NULL);
	g_clear_error(&error);
	cr_assert(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)pw, strlen(pw), &error),
		  "%s", error ? error->message : "");
	cr_assert_not(encrypted_volume_is_locked(vol));
	cr_assert(encrypted_volume_unlock(vol, RFS_KEY_PASSWORD, (const uint8_t *)"x", 1, NULL),
		  "unlocked already");
	BlockSource *plain = encrypted_volume_take_source(vol);
	cr_assert_not_null(plain);
	cr_assert_eq(plain->sector_size, 512);
	uint8_t sector[512];
	cr_assert(block_source_read(plain, 0, sector, sizeof sector, &error));
	cr_assert_eq(memcmp(sector + 3, "NTFS    ", 8), 0);
	cr_assert_not(block_source_read(plain, plain->size_bytes - 1, sector, 2, &error));
	block_source_close(plain);
	block_source_close(file);
}

Test(encrypted_images, size_probe_matches_the_images)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	static const char *const names[] = { "bitlk-aes-xts-128", "bitlk-aes-xts-128-crc",
					     "bitlk-aes-cbc-elephant-128", "bitlk-togo-aes-cbc-128" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_strdup_printf("%s/%s.img", images, names[i]);
		BlockSource *file = file_source_open(path, 0, NULL);
		cr_assert_not_null(file);
		cr_assert(encrypted_volume_probe(file, 0), "%s", names[i]);
		cr_assert_eq(encrypted_volume_probe_size(file, 0), file->size_bytes, "%s", names[i]);
		block_source_close(file);
	}
}
