/* The BitLocker volume header, block header and FVE metadata parsers on hand-made blocks
 * (hostile sizes, counts, CRC-32 and entries), the refusal texts, and the headers and
 * metadata of the Windows-made volumes in bitlk-images.tar.xz, checked against its
 * images.conf. */
#include <criterion/criterion.h>
#include <glib.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device/fve_metadata.h"
#include "fixture_fve.h"
#include "test_fixtures.h"
#include "util/error.h"

static bool parse(const uint8_t *data, size_t size, FveMetadata *fve, FveInfo *info,
		  GError **error)
{
	/* An exact-size copy, so that the sanitizers see any read past the end. */
	g_autofree uint8_t *copy = g_memdup2(data, size);
	return fve_metadata_parse(byte_span(copy, size), fve, info, error);
}

/* ---- volume header ---- */

Test(fve_header, parses_three_offsets)
{
	uint8_t hdr[512];
	fixture_fve_header_build(hdr, (uint64_t[]){ 0x10000, 0x20000, 0x30000 }, 0);
	FveMetadataHeader h;
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert_eq(h.block_offsets[0], 0x10000);
	cr_assert_eq(h.block_offsets[2], 0x30000);
	cr_assert_eq(h.sector_size, 512);
	cr_assert_not(h.to_go);
	cr_assert_not(h.eow);
}

Test(fve_header, truncated_at_every_length)
{
	uint8_t hdr[512];
	fixture_fve_header_build(hdr, (uint64_t[]){ 0x10000, 0x20000, 0x30000 }, 0);
	for (size_t len = 0; len < 512; len++) {
		g_autofree uint8_t *copy = g_memdup2(hdr, len);
		g_autoptr(GError) error = NULL;
		FveMetadataHeader h;
		cr_assert_not(fve_metadata_probe(byte_span(copy, len)), "length %zu", len);
		cr_assert_not(fve_metadata_header_parse(byte_span(copy, len), &h, &error));
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
		cr_assert_str_eq(error->message, "not a BitLocker volume");
	}
}

Test(fve_header, to_go_and_eow)
{
	uint8_t hdr[512] = { 0 };
	FveMetadataHeader h;
	memcpy(hdr + 3, "MSWIN4.1", 8);
	cr_assert_not(fve_metadata_probe(byte_span(hdr, 512)), "FAT without the To Go GUID");
	memcpy(hdr + 0x1A8, FIXTURE_FVE_GUID, 16);
	le64_put(hdr + 0x1B8, 0x4000);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert(h.to_go);
	cr_assert_eq(h.block_offsets[0], 0x4000);

	fixture_fve_header_build(hdr, (uint64_t[]){ 1, 2, 3 }, 0);
	memcpy(hdr + 0xA0, FIXTURE_FVE_GUID_EOW, 16);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert(h.eow);
	cr_assert_eq(h.block_offsets[1], 2);
}

Test(fve_header, vista_lcn_and_absurd_geometry)
{
	uint8_t hdr[512];
	FveMetadataHeader h;
	fixture_fve_header_build(hdr, NULL, 100);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert_eq(h.block_offsets[0], 100 * 4096);
	cr_assert_eq(h.block_offsets[1], 0);

	fixture_fve_header_build(hdr, NULL, UINT64_MAX / 16); /* lcn * cluster would wrap */
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert_eq(h.block_offsets[0], 0);

	le16_put(hdr + 0x0B, 0); /* no cluster size at all */
	le64_put(hdr + 0x38, 5);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert_eq(h.block_offsets[0], 0);
	cr_assert_eq(h.sector_size, 0);

	static const uint16_t odd[] = { 256, 520, 1000, 8192, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		le16_put(hdr + 0x0B, odd[i]);
		cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
		cr_assert_eq(h.sector_size, 0, "bytes per sector %u", odd[i]);
	}
	le16_put(hdr + 0x0B, 4096);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, 512), &h, NULL));
	cr_assert_eq(h.sector_size, 4096);
}

/* ---- FVE metadata block header ---- */

Test(fve_block_header, decodes_the_fields)
{
	FixtureFveBlock b;
	fixture_fve_block_typical(&b);
	le16_put(b.data + 0x0C, FVE_STATE_SWITCHING);
	FveBlockHeader h;
	cr_assert(fve_metadata_block_header_parse(byte_span(b.data, FVE_METADATA_BLOCK_HEADER_SIZE),
						  &h, NULL));
	cr_assert_eq(h.version, 2);
	cr_assert_eq(h.current_state, FVE_STATE_SWITCHING);
	cr_assert_eq(h.next_state, FVE_STATE_ENCRYPTED);
	cr_assert_eq(h.encrypted_size_bytes, 1 << 20);
}

Test(fve_block_header, truncated_or_unsigned)
{
	FixtureFveBlock b;
	fixture_fve_block_typical(&b);
	for (size_t len = 0; len < FVE_METADATA_BLOCK_HEADER_SIZE; len++) {
		g_autofree uint8_t *copy = g_memdup2(b.data, len);
		g_autoptr(GError) error = NULL;
		FveBlockHeader h;
		cr_assert_not(fve_metadata_block_header_parse(byte_span(copy, len), &h, &error),
			      "length %zu", len);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		cr_assert_str_eq(error->message, "FVE metadata block: no -FVE-FS- signature");
	}
	b.data[7] = '_';
	FveBlockHeader h;
	cr_assert_not(fve_metadata_block_header_parse(byte_span(b.data, sizeof b.data), &h, NULL));
}

/* ---- FVE metadata block ---- */

Test(fve_metadata, parses_typical_block)
{
	FixtureFveBlock b;
	size_t size = fixture_fve_block_typical(&b);
	FveMetadata fve = { 0 };
	FveInfo info = { .to_go = true };
	g_autoptr(GError) error = NULL;
	cr_assert(parse(b.data, size, &fve, &info, &error), "%s", error ? error->message : "");
	cr_assert_eq(fve.method, FVE_METHOD_AES_128_XTS);
	cr_assert_eq(fve.current_state, FVE_STATE_ENCRYPTED);
	cr_assert_eq(fve.encrypted_size_bytes, 1 << 20);
	cr_assert_str_eq(info.method, "AES-XTS 128");
	cr_assert_str_eq(info.volume_identifier, FIXTURE_FVE_VOLUME_GUID_TEXT);
	cr_assert_eq(info.creation_time, FIXTURE_FVE_FILETIME);
	cr_assert_str_eq(info.description, "DESKTOP F: 1/2/2024");
	cr_assert(info.to_go, "to_go is kept");
	cr_assert_eq(info.protector_count, 2);
	cr_assert_str_eq(info.protectors[0].type, "password");
	cr_assert_str_eq(info.protectors[0].identifier, "11111111-1111-1111-1111-111111111111");
	cr_assert_str_eq(info.protectors[1].type, "recovery password");
	cr_assert_eq(fve_metadata_protector_count(&info, "password"), 1);
	fve_metadata_info_clear(&info);
	cr_assert(info.to_go);
	cr_assert_null(info.protectors);
}

/* Every prefix of the block: the parse needs the header and the whole metadata; the
 * validation record after it is checked when present (Vista blocks have none). */
Test(fve_metadata, truncated_at_every_length)
{
	FixtureFveBlock b;
	size_t size = fixture_fve_block_typical(&b);
	size_t meta_end = b.used;
	for (size_t len = 0; len <= size; len++) {
		FveMetadata fve = { 0 };
		FveInfo info = { 0 };
		g_autoptr(GError) error = NULL;
		bool ok = parse(b.data, len, &fve, &info, &error);
		cr_assert_eq(ok, len >= meta_end, "length %zu", len);
		if (!ok)
			cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT), "length %zu", len);
		if (ok)
			cr_assert_eq(info.protector_count, 2, "length %zu", len);
		fve_metadata_info_clear(&info);
	}
}

Test(fve_metadata, rejects_bad_signature)
{
	FixtureFveBlock b;
	size_t size = fixture_fve_block_typical(&b);
	b.data[0] = 'x';
	g_autoptr(GError) error = NULL;
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert_not(parse(b.data, size, &fve, &info, &error));
	cr_assert_str_eq(error->message, "FVE metadata block: no -FVE-FS- signature");
}

Test(fve_metadata, rejects_absurd_metadata_sizes)
{
	static const uint32_t sizes[] = { 0, 0x2F, 0xFFFFFFFF, 0x80000000, 4096 };
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		FixtureFveBlock b;
		size_t size = fixture_fve_block_typical(&b);
		le32_put(b.data + 0x40, sizes[i]);
		g_autoptr(GError) error = NULL;
		FveMetadata fve = { .method = 7 };
		FveInfo info = { 0 };
		cr_assert_not(parse(b.data, size, &fve, &info, &error), "size %u", sizes[i]);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
		g_autofree char *want = g_strdup_printf("FVE metadata block: metadata size %u of %zu bytes",
							sizes[i], size - 0x40);
		cr_assert_str_eq(error->message, want);
		cr_assert_eq(fve.method, 7, "untouched on failure");
		cr_assert_null(info.method);
	}
}

Test(fve_metadata, rejects_bad_crc)
{
	FixtureFveBlock b;
	size_t size = fixture_fve_block_typical(&b);
	b.data[0x70 + 8] ^= 1; /* the description's first character */
	g_autoptr(GError) error = NULL;
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert_not(parse(b.data, size, &fve, &info, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(g_str_has_prefix(error->message, "FVE metadata block: CRC-32 0x"), "%s", error->message);
	cr_assert(strstr(error->message, ", computed 0x") != NULL);
	cr_assert_null(info.description);
}

Test(fve_metadata, no_validation_record_means_no_check)
{
	FixtureFveBlock b;
	size_t size = fixture_fve_block_typical(&b);
	b.data[0x70 + 8] ^= 1;
	size_t units = le16_at(b.data + 0x08);
	le16_put(b.data + units * 16 + 2, 1); /* not version 2: no CRC-32 */
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert(parse(b.data, size, &fve, &info, NULL));
	fve_metadata_info_clear(&info);
	le16_put(b.data + units * 16 + 2, 2);
	le16_put(b.data + 0x08, 0xFFFF); /* record past the block */
	cr_assert(parse(b.data, size, &fve, &info, NULL));
	fve_metadata_info_clear(&info);
}

Test(fve_metadata, zero_length_entry_stops_the_walk)
{
	FixtureFveBlock b;
	fixture_fve_block_start(&b, FVE_METHOD_AES_128_CBC);
	fixture_fve_block_vmk(&b, 0x11, FVE_PROTECTION_PASSWORD);
	fixture_fve_block_entry(&b, 0x50, 0, 0); /* 0x50 bytes of padding ... */
	le16_put(b.data + b.used - 0x50, 0); /* ... whose size field says 0 */
	fixture_fve_block_vmk(&b, 0x22, FVE_PROTECTION_RECOVERY_PASSWORD);
	size_t size = fixture_fve_block_finish(&b);
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert(parse(b.data, size, &fve, &info, NULL));
	cr_assert_eq(info.protector_count, 1);
	cr_assert_str_eq(info.description, "");
	fve_metadata_info_clear(&info);
}

Test(fve_metadata, entry_sizes_below_header_or_past_the_block)
{
	static const uint16_t bad[] = { 1, 7, 0x51, 0xFFFF };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		FixtureFveBlock b;
		fixture_fve_block_start(&b, FVE_METHOD_AES_128_CBC);
		fixture_fve_block_vmk(&b, 0x11, FVE_PROTECTION_PASSWORD);
		uint8_t *last = b.data + b.used;
		fixture_fve_block_vmk(&b, 0x22, FVE_PROTECTION_RECOVERY_PASSWORD);
		le16_put(last, bad[i]);
		size_t size = fixture_fve_block_finish(&b);
		FveMetadata fve = { 0 };
		FveInfo info = { 0 };
		cr_assert(parse(b.data, size, &fve, &info, NULL), "entry size %u", bad[i]);
		cr_assert_eq(info.protector_count, 1, "entry size %u", bad[i]);
		fve_metadata_info_clear(&info);
	}
}

Test(fve_metadata, short_vmk_odd_strings_and_unknown_values)
{
	FixtureFveBlock b;
	fixture_fve_block_start(&b, 0x1234);
	fixture_fve_block_entry(&b, 0x20, 0x0002, 0x0008);                 /* VMK too short: skipped */
	uint8_t *d = fixture_fve_block_entry(&b, 8 + 5, 0x0007, 0x0002);   /* odd length, lone surrogate */
	le16_put(d + 8, 0xD800);
	d[12] = 'x';
	fixture_fve_block_description(&b, "second");                      /* only the first counts */
	fixture_fve_block_vmk(&b, 0x33, 0x4242);
	size_t size = fixture_fve_block_finish(&b);
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert(parse(b.data, size, &fve, &info, NULL));
	cr_assert_str_eq(info.method, "unknown (0x1234)");
	cr_assert_str_eq(info.description, "");
	cr_assert_eq(info.protector_count, 1);
	cr_assert_str_eq(info.protectors[0].type, "unknown (0x4242)");
	fve_metadata_info_clear(&info);
}

Test(fve_metadata, many_entries)
{
	/* As many VMK entries as the 4 KiB builder holds: the count is whatever fits. */
	FixtureFveBlock b;
	fixture_fve_block_start(&b, FVE_METHOD_AES_256_CBC);
	size_t n = 0;
	while (b.used + 0x50 + 16 + 8 <= sizeof b.data) {
		fixture_fve_block_vmk(&b, (uint8_t)n, FVE_PROTECTION_TPM);
		n++;
	}
	size_t size = fixture_fve_block_finish(&b);
	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	cr_assert(parse(b.data, size, &fve, &info, NULL));
	cr_assert_eq(info.protector_count, n);
	cr_assert_eq(fve_metadata_protector_count(&info, "TPM"), n);
	fve_metadata_info_clear(&info);
}

Test(fve_metadata, names)
{
	g_autofree char *m = fve_metadata_method_text(FVE_METHOD_AES_128_CBC_DIFFUSER);
	cr_assert_str_eq(m, "AES-CBC 128 with Elephant diffuser");
	cr_assert_str_eq(fve_metadata_method_name(FVE_METHOD_AES_256_XTS), "AES-XTS 256");
	cr_assert_str_eq(fve_metadata_method_name(0), "none");
	cr_assert_null(fve_metadata_method_name(0x8006));
	static const struct { uint16_t type; const char *name; } prot[] = {
		{ 0x0000, "clear key" }, { 0x0100, "TPM" }, { 0x0200, "startup key" },
		{ 0x0500, "TPM and PIN" }, { 0x0800, "recovery password" }, { 0x1000, "smart card" },
		{ 0x2000, "password" }, { 0x0300, "unknown (0x0300)" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(prot); i++) {
		g_autofree char *t = fve_metadata_protection_text(prot[i].type);
		cr_assert_str_eq(t, prot[i].name);
	}
	g_autofree char *g = fve_metadata_guid_text(FIXTURE_FVE_VOLUME_GUID);
	cr_assert_str_eq(g, FIXTURE_FVE_VOLUME_GUID_TEXT);
}

/* ---- refusal texts ---- */

static char *refusal(FveMetadata f, FveInfo *info, bool *named)
{
	return fve_metadata_refusal_text(&f, info, 1 << 20, "libbde: says no", named);
}

Test(fve_refusal, names_method_and_state)
{
	FveKeyProtector clear = { "clear key", "x" };
	FveKeyProtector both[] = { { "password", "x" }, { "clear key", "y" } };
	FveInfo none = { 0 }, only_clear = { .protectors = &clear, .protector_count = 1 };
	FveInfo converting = { .protectors = both, .protector_count = 2 };
	FveMetadata ok = { .current_state = 4, .next_state = 4, .method = FVE_METHOD_AES_128_XTS,
			   .encrypted_size_bytes = 1 << 20 };
	bool named;
	FveMetadata f = ok;
	char *t;

	f.method = FVE_METHOD_AES_256_XTS;
	t = refusal(f, &none, &named);
	cr_assert_str_eq(t, "encryption method AES-XTS 256 is not supported by this libbde (libbde: says no)");
	cr_assert(named);
	g_free(t);
	f.method = 0x9999;
	t = refusal(f, &none, &named);
	cr_assert_str_eq(t, "unknown encryption method 0x9999 (libbde: says no)");
	g_free(t);
	f = ok;
	f.current_state = 2;
	t = refusal(f, &none, &named);
	cr_assert(strstr(t, "partially encrypted (conversion state 2, next 4)") != NULL, "%s", t);
	g_free(t);
	f = ok;
	f.eow = true;
	t = refusal(f, &converting, &named);
	cr_assert(strstr(t, "Windows had not finished encrypting it") != NULL, "%s", t);
	g_free(t);
	t = refusal(f, &none, &named);
	cr_assert(strstr(t, "encrypt-on-write") != NULL, "%s", t);
	g_free(t);
	f = ok;
	f.encrypted_size_bytes = 4096;
	t = refusal(f, &none, &named);
	cr_assert(strstr(t, "partially encrypted (4096 of 1048576 bytes)") != NULL, "%s", t);
	g_free(t);
	t = refusal(ok, &only_clear, &named);
	cr_assert(g_str_has_prefix(t, "BitLocker is suspended (the volume has only a clear key)"), "%s", t);
	cr_assert(named);
	g_free(t);
	t = refusal(ok, &converting, &named);
	cr_assert_str_eq(t, "libbde cannot open this AES-XTS 128 volume: libbde: says no");
	cr_assert_not(named);
	g_free(t);
}

/* ---- Windows-made volumes (bitlk-images.tar.xz) ---- */
TestSuite(fve_images, .fini = test_fixture_bitlk_remove, .timeout = 60);

typedef struct {
	FveMetadataHeader header;
	FveMetadata fve;
	FveInfo info;
	int good_copies;    /* bit i: copy i parsed */
	char *first_error;  /* of the first copy that failed, or NULL */
	uint64_t size_bytes;
} ImageMeta;

/* Reads `size` bytes at `offset` into an exact-size buffer (g_free). */
static uint8_t *file_read(int fd, uint64_t offset, size_t size)
{
	uint8_t *buf = g_malloc(size ? size : 1);
	cr_assert_eq(pread(fd, buf, size, (off_t)offset), (ssize_t)size);
	return buf;
}

/* What the parsers make of one image's header and its three metadata copies. */
static void image_read(const char *path, ImageMeta *m)
{
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", path);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	uint64_t size = (uint64_t)st.st_size;
	*m = (ImageMeta){ .size_bytes = size };
	g_autofree uint8_t *hdr = file_read(fd, 0, FVE_METADATA_HEADER_SIZE);
	cr_assert(fve_metadata_header_parse(byte_span(hdr, FVE_METADATA_HEADER_SIZE), &m->header,
					    NULL), "%s", path);
	m->info.to_go = m->header.to_go;
	for (int i = 0; i < FVE_METADATA_COPIES; i++) {
		uint64_t at = m->header.block_offsets[i];
		if (at == 0 || at >= size)
			continue;
		size_t want = (size_t)MIN((uint64_t)FVE_METADATA_MAX_BYTES, size - at);
		g_autofree uint8_t *block = file_read(fd, at, want);
		FveMetadata fve = { 0 };
		FveInfo info = { .to_go = m->header.to_go };
		GError *error = NULL;
		if (!fve_metadata_parse(byte_span(block, want), &fve, &info, &error)) {
			if (m->first_error == NULL)
				m->first_error = g_strdup(error->message);
			g_error_free(error);
			continue;
		}
		if (m->good_copies == 0) {
			m->fve = fve;
			m->info = info;
		} else {
			fve_metadata_info_clear(&info);
		}
		m->good_copies |= 1 << i;
	}
	close(fd);
}

static void image_clear(ImageMeta *m)
{
	fve_metadata_info_clear(&m->info);
	g_free(m->first_error);
}

static bool has_protector(const FveInfo *info, const char *type, const char *guid)
{
	for (size_t i = 0; i < info->protector_count; i++)
		if (strcmp(info->protectors[i].type, type) == 0 &&
		    g_ascii_strcasecmp(info->protectors[i].identifier, guid) == 0)
			return true;
	return false;
}

static void check_image(GKeyFile *conf, const char *images, const char *name)
{
	g_autofree char *path = g_strdup_printf("%s/%s.img", images, name);
	g_autofree char *cipher = g_key_file_get_string(conf, name, "CIPHER", NULL);
	g_autofree char *guid = g_key_file_get_string(conf, name, "GUID", NULL);
	ImageMeta m;
	image_read(path, &m);

	bool crc_case = strcmp(name, "bitlk-aes-xts-128-crc") == 0;
	cr_assert_eq(m.good_copies, crc_case ? 0x4 : 0x7, "%s: copies 0x%x", name, m.good_copies);
	if (crc_case)
		cr_assert(g_str_has_prefix(m.first_error, "FVE metadata block: CRC-32"), "%s", m.first_error);
	cr_assert_str_eq(m.info.volume_identifier, guid, "%s", name);
	const char *family = g_str_has_prefix(cipher, "aes-xts") ? "AES-XTS"
			     : g_str_has_prefix(cipher, "aes-cbc") ? "AES-CBC" : "?";
	cr_assert(g_str_has_prefix(m.info.method, family), "%s: %s for %s", name, m.info.method, cipher);
	cr_assert_eq(strstr(m.info.method, "Elephant") != NULL, strstr(cipher, "elephant") != NULL,
		     "%s: %s", name, m.info.method);
	const char *bits = strstr(name, "-256") ? " 256" : " 128";
	cr_assert(strstr(m.info.method, bits) != NULL, "%s: %s", name, m.info.method);
	cr_assert_eq(m.info.to_go, strstr(name, "togo") != NULL, "%s", name);
	/* The partially encrypted volume is a used-space-only one caught mid-conversion. */
	cr_assert_eq(m.header.eow, strstr(name, "eow") || strstr(name, "partially"), "%s", name);
	cr_assert_eq(m.header.sector_size, strstr(name, "-4k") ? 4096 : 512, "%s", name);

	static const struct { const char *key, *type; } prot[] = {
		{ "PW_VMK_GUID", "password" },       { "RP_VMK_GUID", "recovery password" },
		{ "RP2_VMK_GUID", "recovery password" }, { "SK_VMK_GUID", "startup key" },
		{ "SC_VMK_GUID", "smart card" },     { "CLEARKEY_VMK_GUID", "clear key" },
	};
	size_t listed = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(prot); i++) {
		g_autofree char *want = g_key_file_get_string(conf, name, prot[i].key, NULL);
		if (want == NULL || *want == '\0')
			continue;
		listed++;
		cr_assert(has_protector(&m.info, prot[i].type, want), "%s: no %s %s", name,
			  prot[i].type, want);
	}
	cr_assert_geq(m.info.protector_count, listed, "%s", name);
	image_clear(&m);
}

Test(fve_images, every_image_matches_images_conf)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	g_autofree char *conf_path = g_build_filename(images, "images.conf", NULL);
	g_autoptr(GKeyFile) conf = g_key_file_new();
	cr_assert(g_key_file_load_from_file(conf, conf_path, G_KEY_FILE_NONE, NULL));
	gsize n = 0;
	g_auto(GStrv) names = g_key_file_get_groups(conf, &n);
	cr_assert_geq(n, 21);
	for (gsize i = 0; i < n; i++)
		check_image(conf, images, names[i]);
}

/* Values restorefs-scan --info printed before this parser moved out of the libbde
 * backend, and the refusals the integration test expects. */
Test(fve_images, details_and_refusals)
{
	g_autofree char *images = test_fixture_bitlk_unpack();
	static const struct {
		const char *name, *method, *description, *first, *refusal;
		int64_t created;
	} want[] = {
		{ "bitlk-aes-xts-128-smart-card", "AES-XTS 128", "DESKTOP-B727RA0 H: 12/11/2019",
		  "smart card", NULL, 0 },
		{ "bitlk-aes-xts-128-unicode", "AES-XTS 128", "WIN11 New Volume 29/07/2025",
		  "password", NULL, 133982829490989124 },
		{ "bitlk-aes-cbc-elephant-256", "AES-CBC 256 with Elephant diffuser", NULL,
		  "password", NULL, 0 },
		{ "bitlk-aes-xts-256", "AES-XTS 256", "DESKTOP-NPM7RCA F: 8/15/2019", "password",
		  "encryption method AES-XTS 256 is not supported by this libbde", 0 },
		{ "bitlk-aes-xts-128-clearkey-only", "AES-XTS 128", "WIN11 F: 05/11/2025",
		  "clear key", "BitLocker is suspended", 134068374474072878 },
		{ "bitlk-partially-encrypted-aes-cbc-128", "AES-CBC 128", "DESKTOP-NPM7RCA I: 8/15/2019",
		  "password", "the volume is partially encrypted: Windows had not finished", 132103417659363197 },
		{ "bitlk-aes-xts-128-eow", "AES-XTS 128", "DESKTOP-B727RA0 E: 30/01/2020", "password",
		  "the volume uses encrypt-on-write", 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autofree char *path = g_strdup_printf("%s/%s.img", images, want[i].name);
		ImageMeta m;
		image_read(path, &m);
		m.fve.eow = m.header.eow;
		cr_assert_str_eq(m.info.method, want[i].method, "%s", want[i].name);
		if (want[i].description != NULL)
			cr_assert_str_eq(m.info.description, want[i].description, "%s", want[i].name);
		if (want[i].created != 0)
			cr_assert_eq(m.info.creation_time, want[i].created, "%s", want[i].name);
		cr_assert_str_eq(m.info.protectors[0].type, want[i].first, "%s", want[i].name);
		bool named = false;
		g_autofree char *text = fve_metadata_refusal_text(&m.fve, &m.info, m.size_bytes,
								   "libbde: no", &named);
		if (want[i].refusal != NULL) {
			cr_assert(g_str_has_prefix(text, want[i].refusal), "%s: %s", want[i].name, text);
			cr_assert(named);
		} else {
			cr_assert_not(named, "%s: %s", want[i].name, text);
		}
		image_clear(&m);
	}
}
