/* The BitLocker volume header and FVE metadata, decoded from byte arrays: where the three
 * metadata block copies are, which copy passes its CRC-32, the volume size a block header
 * states, and the entries we show (VMK protectors, description). The only decoder of these
 * structures. Nothing here reads a device or calls libbde; keys and VMK contents are never
 * decoded. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/fve_metadata.h"
#include "util/crc32.h"
#include "util/error.h"

#include <inttypes.h>
#include <string.h>

enum {                                      /* volume header (first 512 bytes)            */
	BDE_HDR_SIGNATURE = 0x03,           /* 8 bytes: "-FVE-FS-", or "MSWIN4.1" (To Go) */
	BDE_HDR_BYTES_PER_SECTOR = 0x0B,    /* u16                                         */
	BDE_HDR_SECTORS_PER_CLUSTER = 0x0D, /* u8                                          */
	BDE_HDR_VISTA_METADATA_LCN = 0x38,  /* u64, Vista: cluster of the first FVE block  */
	BDE_HDR_GUID = 0xA0,                /* 16 bytes, Windows 7+: BDE_GUID or BDE_GUID_EOW */
	BDE_HDR_METADATA_OFFSETS = 0xB0,    /* 3 x u64 bytes, Windows 7+                   */
	BDE_HDR_TOGO_GUID = 0x1A8,          /* 16 bytes, To Go: BDE_GUID                   */
	BDE_HDR_TOGO_METADATA_OFFSETS = 0x1B8,
	BDE_HDR_SIZE = FVE_METADATA_HEADER_SIZE,
};

enum {                                 /* FVE metadata block: block header, then header */
	FVE_BLOCK_UNITS = 0x08,        /* u16: block header + metadata, in 16-byte units;
	                                * the validation record follows                  */
	FVE_BLOCK_VERSION = 0x0A,      /* u16: 1 Vista, 2 Windows 7+                     */
	FVE_BLOCK_CURRENT_STATE = 0x0C,/* u16: FveState                                  */
	FVE_BLOCK_NEXT_STATE = 0x0E,   /* u16                                            */
	FVE_BLOCK_ENCRYPTED_SIZE = 0x10,/* u64 bytes                                     */
	FVE_META_SIZE = 0x40,          /* u32: metadata header + entries, in bytes       */
	FVE_META_VOLUME_GUID = 0x50,   /* 16 bytes                                       */
	FVE_META_METHOD = 0x64,        /* u16: FveMethod                                 */
	FVE_META_CREATION_TIME = 0x68, /* u64 FILETIME                                   */
	FVE_META_ENTRIES = 0x70,       /* first metadata entry                           */
	FVE_VALID_VERSION = 0x02,      /* validation record: u16, 2 = CRC32 below        */
	FVE_VALID_CRC32 = 0x04,        /* u32: CRC-32 of the FVE_BLOCK_UNITS bytes        */
	FVE_VALID_MIN_SIZE = 0x08,
};

enum {                          /* metadata entry                                        */
	FVE_ENTRY_SIZE = 0x00,  /* u16, whole entry                                      */
	FVE_ENTRY_TYPE = 0x02,  /* u16: 2 VMK, 3 FVEK, 7 description                      */
	FVE_ENTRY_VALUE = 0x04, /* u16: 2 UTF-16 string, 8 VMK                            */
	FVE_ENTRY_DATA = 0x08,
	FVE_VMK_GUID = 0x08,       /* 16 bytes */
	FVE_VMK_PROTECTION = 0x22, /* u16: FveProtection                                  */
	FVE_VMK_MIN_SIZE = 0x24,
	FVE_ENTRY_TYPE_VMK = 0x0002,
	FVE_ENTRY_TYPE_DESCRIPTION = 0x0007,
	FVE_VALUE_STRING = 0x0002,
	FVE_VALUE_VMK = 0x0008,
};

/* The block header fields we decode alone, and fve_metadata_parse() reads them too. */
G_STATIC_ASSERT((int)FVE_BLOCK_ENCRYPTED_SIZE + 8 == (int)FVE_METADATA_BLOCK_HEADER_SIZE);
G_STATIC_ASSERT((int)FVE_METADATA_BLOCK_HEADER_SIZE <= (int)FVE_META_ENTRIES);

static const uint8_t BDE_GUID[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
				      0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

/* Windows 8+ "used space only" volumes, which encrypt on write. */
static const uint8_t BDE_GUID_EOW[16] = { 0x3b, 0x4d, 0xa8, 0x92, 0x80, 0xdd, 0x0e, 0x4d,
					  0x9e, 0x4e, 0xb1, 0xe3, 0x28, 0x4e, 0xae, 0xd8 };

/* ---- names ------------------------------------------------------------------------------ */

const char *fve_metadata_method_name(uint16_t method)
{
	switch (method) {
	case FVE_METHOD_AES_128_CBC_DIFFUSER: return "AES-CBC 128 with Elephant diffuser";
	case FVE_METHOD_AES_256_CBC_DIFFUSER: return "AES-CBC 256 with Elephant diffuser";
	case FVE_METHOD_AES_128_CBC: return "AES-CBC 128";
	case FVE_METHOD_AES_256_CBC: return "AES-CBC 256";
	case FVE_METHOD_AES_128_XTS: return "AES-XTS 128";
	case FVE_METHOD_AES_256_XTS: return "AES-XTS 256";
	case FVE_METHOD_NONE: return "none";
	default: return NULL;
	}
}

char *fve_metadata_method_text(uint16_t method)
{
	const char *name = fve_metadata_method_name(method);
	return name != NULL ? g_strdup(name) : g_strdup_printf("unknown (0x%04x)", method);
}

static const char *protection_name(uint16_t type)
{
	switch (type) {
	case FVE_PROTECTION_CLEAR_KEY: return "clear key";
	case FVE_PROTECTION_TPM: return "TPM";
	case FVE_PROTECTION_STARTUP_KEY: return "startup key";
	case FVE_PROTECTION_TPM_AND_PIN: return "TPM and PIN";
	case FVE_PROTECTION_RECOVERY_PASSWORD: return "recovery password";
	case FVE_PROTECTION_SMART_CARD: return "smart card";
	case FVE_PROTECTION_PASSWORD: return "password";
	default: return NULL;
	}
}

char *fve_metadata_protection_text(uint16_t type)
{
	const char *name = protection_name(type);
	return name != NULL ? g_strdup(name) : g_strdup_printf("unknown (0x%04x)", type);
}

char *fve_metadata_guid_text(const uint8_t guid[16])
{
	const uint8_t *g = guid;
	return g_strdup_printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32_at(g),
			       le16_at(g + 4), le16_at(g + 6), g[8], g[9], g[10], g[11], g[12],
			       g[13], g[14], g[15]);
}

void fve_metadata_info_clear(FveInfo *info)
{
	g_free(info->method);
	g_free(info->volume_identifier);
	g_free(info->description);
	for (size_t i = 0; i < info->protector_count; i++) {
		g_free(info->protectors[i].type);
		g_free(info->protectors[i].identifier);
	}
	g_free(info->protectors);
	bool to_go = info->to_go;
	*info = (FveInfo){ .to_go = to_go };
}

size_t fve_metadata_protector_count(const FveInfo *info, const char *type)
{
	size_t n = 0;
	for (size_t i = 0; i < info->protector_count; i++)
		n += strcmp(info->protectors[i].type, type) == 0;
	return n;
}

/* ---- volume header ------------------------------------------------------------------------ */

bool fve_metadata_probe(ByteSpan first_sector)
{
	if (!span_has(first_sector, 0, BDE_HDR_SIZE))
		return false;
	const uint8_t *p = first_sector.data;
	if (memcmp(p + BDE_HDR_SIGNATURE, "-FVE-FS-", 8) == 0)
		return true;
	/* BitLocker To Go keeps a FAT boot sector ("MSWIN4.1") readable by old systems and
	 * marks itself with the BitLocker GUID further down. */
	return memcmp(p + BDE_HDR_SIGNATURE, "MSWIN4.1", 8) == 0 &&
	       memcmp(p + BDE_HDR_TOGO_GUID, BDE_GUID, sizeof BDE_GUID) == 0;
}

bool fve_metadata_header_parse(ByteSpan first_sector, FveMetadataHeader *out, GError **error)
{
	if (!fve_metadata_probe(first_sector))
		return rfs_set_error(error, RFS_ERROR_INVALID, "not a BitLocker volume");
	const uint8_t *p = first_sector.data;
	uint16_t bps = le16_at(p + BDE_HDR_BYTES_PER_SECTOR);
	*out = (FveMetadataHeader){ 0 };
	out->sector_size = bps >= 512 && bps <= 4096 && (bps & (bps - 1)) == 0 ? bps : 0;
	out->to_go = memcmp(p + BDE_HDR_SIGNATURE, "MSWIN4.1", 8) == 0;
	out->eow = !out->to_go && memcmp(p + BDE_HDR_GUID, BDE_GUID_EOW, sizeof BDE_GUID_EOW) == 0;
	if (out->to_go || out->eow || memcmp(p + BDE_HDR_GUID, BDE_GUID, sizeof BDE_GUID) == 0) {
		size_t at = out->to_go ? BDE_HDR_TOGO_METADATA_OFFSETS : BDE_HDR_METADATA_OFFSETS;
		for (int i = 0; i < FVE_METADATA_COPIES; i++)
			out->block_offsets[i] = le64_at(p + at + 8 * i);
		return true;
	}
	/* Vista names only the first copy, by cluster number. */
	uint64_t cluster = (uint64_t)bps * p[BDE_HDR_SECTORS_PER_CLUSTER];
	uint64_t lcn = le64_at(p + BDE_HDR_VISTA_METADATA_LCN);
	out->block_offsets[0] = cluster != 0 && lcn <= UINT64_MAX / cluster ? lcn * cluster : 0;
	return true;
}

/* ---- FVE metadata block ------------------------------------------------------------------- */

static char *utf16le_text(ByteSpan s)
{
	size_t units = s.size / 2;
	gunichar2 *tmp = g_new(gunichar2, units + 1);
	for (size_t i = 0; i < units; i++)
		tmp[i] = le16_at(s.data + 2 * i);
	tmp[units] = 0;
	char *text = g_utf16_to_utf8(tmp, -1, NULL, NULL, NULL);
	g_free(tmp);
	return text != NULL ? text : g_strdup("");
}

/* Windows 7+ follows each metadata block copy with a CRC-32 of it: a copy that fails it
 * is torn or damaged, and another copy must be used. */
static bool block_check(ByteSpan block, GError **error)
{
	size_t size = (size_t)le16_at(block.data + FVE_BLOCK_UNITS) * 16;
	if (!span_has(block, size, FVE_VALID_MIN_SIZE) ||
	    le16_at(block.data + size + FVE_VALID_VERSION) != 2)
		return true; /* no validation record (Vista): nothing to check */
	uint32_t stored = le32_at(block.data + size + FVE_VALID_CRC32);
	uint32_t computed = crc32_update(0, block.data, size);
	if (stored != computed)
		return rfs_set_corrupt(error, "FVE metadata block: CRC-32 0x%08" PRIx32 ", computed 0x%08" PRIx32,
				       stored, computed);
	return true;
}

/* The VMK and description entries; stops at padding or a torn tail. */
static void entries_parse(ByteSpan entries, FveInfo *info)
{
	GArray *prot = g_array_new(FALSE, TRUE, sizeof(FveKeyProtector));
	for (size_t off = 0; span_has(entries, off, FVE_ENTRY_DATA);) {
		const uint8_t *e = entries.data + off;
		uint16_t size = le16_at(e + FVE_ENTRY_SIZE);
		if (size < FVE_ENTRY_DATA || !span_has(entries, off, size))
			break; /* padding or a torn tail: what came before is still good */
		uint16_t type = le16_at(e + FVE_ENTRY_TYPE), value = le16_at(e + FVE_ENTRY_VALUE);
		if (type == FVE_ENTRY_TYPE_DESCRIPTION && value == FVE_VALUE_STRING &&
		    info->description == NULL) {
			info->description = utf16le_text(span_sub(entries, off + FVE_ENTRY_DATA,
								  size - FVE_ENTRY_DATA));
		} else if (type == FVE_ENTRY_TYPE_VMK && value == FVE_VALUE_VMK && size >= FVE_VMK_MIN_SIZE) {
			FveKeyProtector bp = { fve_metadata_protection_text(le16_at(e + FVE_VMK_PROTECTION)),
						  fve_metadata_guid_text(e + FVE_VMK_GUID) };
			g_array_append_val(prot, bp);
		}
		off += size;
	}
	if (info->description == NULL)
		info->description = g_strdup("");
	info->protector_count = prot->len;
	info->protectors = (FveKeyProtector *)(void *)g_array_free(prot, FALSE);
}

/* True if `block` holds at least `need` bytes and starts with the block signature. */
static bool block_signature_ok(ByteSpan block, size_t need, GError **error)
{
	if (!span_has(block, 0, need) || memcmp(block.data, "-FVE-FS-", 8) != 0)
		return rfs_set_corrupt(error, "FVE metadata block: no -FVE-FS- signature");
	return true;
}

static void block_header_decode(const uint8_t *p, FveBlockHeader *out)
{
	*out = (FveBlockHeader){
		.version = le16_at(p + FVE_BLOCK_VERSION),
		.current_state = le16_at(p + FVE_BLOCK_CURRENT_STATE),
		.next_state = le16_at(p + FVE_BLOCK_NEXT_STATE),
		.encrypted_size_bytes = le64_at(p + FVE_BLOCK_ENCRYPTED_SIZE),
	};
}

bool fve_metadata_block_header_parse(ByteSpan block, FveBlockHeader *out, GError **error)
{
	if (!block_signature_ok(block, FVE_METADATA_BLOCK_HEADER_SIZE, error))
		return false;
	block_header_decode(block.data, out);
	return true;
}

bool fve_metadata_parse(ByteSpan block, FveMetadata *fve, FveInfo *info, GError **error)
{
	if (!block_signature_ok(block, FVE_META_ENTRIES, error))
		return false;
	const uint8_t *p = block.data;
	uint32_t meta_size = le32_at(p + FVE_META_SIZE);
	if (meta_size < FVE_META_ENTRIES - FVE_META_SIZE || !span_has(block, FVE_META_SIZE, meta_size))
		return rfs_set_corrupt(error, "FVE metadata block: metadata size %" PRIu32 " of %zu bytes",
				       meta_size, block.size - FVE_META_SIZE);
	if (!block_check(block, error))
		return false;
	FveBlockHeader head;
	block_header_decode(p, &head);
	fve->current_state = head.current_state;
	fve->next_state = head.next_state;
	fve->encrypted_size_bytes = head.encrypted_size_bytes;
	fve->method = le16_at(p + FVE_META_METHOD);

	fve_metadata_info_clear(info);
	info->method = fve_metadata_method_text(fve->method);
	info->volume_identifier = fve_metadata_guid_text(p + FVE_META_VOLUME_GUID);
	info->creation_time = (int64_t)le64_at(p + FVE_META_CREATION_TIME);
	entries_parse(span_sub(block, FVE_META_ENTRIES, FVE_META_SIZE + meta_size - FVE_META_ENTRIES),
		      info);
	return true;
}

/* ---- why libbde refuses a volume ------------------------------------------------------------ */

/* Windows keeps a clear key while it converts a volume and while BitLocker is suspended;
 * the block header states stay 4 (encrypted) on the volumes we have seen, so those alone
 * do not reveal an unfinished conversion. */
char *fve_metadata_refusal_text(const FveMetadata *f, const FveInfo *info,
				uint64_t volume_size_bytes, const char *bde_text, bool *named)
{
	*named = true;
	size_t clear = fve_metadata_protector_count(info, "clear key");
	if (f->method == FVE_METHOD_AES_256_XTS)
		return g_strdup_printf("encryption method AES-XTS 256 is not supported by this libbde (%s)",
				       bde_text);
	if (fve_metadata_method_name(f->method) == NULL)
		return g_strdup_printf("unknown encryption method 0x%04x (%s)", f->method, bde_text);
	if (f->current_state != FVE_STATE_ENCRYPTED || f->next_state != FVE_STATE_ENCRYPTED)
		return g_strdup_printf("the volume is partially encrypted (conversion state %u, next %u); this libbde reads only fully encrypted volumes (%s)",
				       f->current_state, f->next_state, bde_text);
	if (f->eow && clear > 0)
		return g_strdup_printf("the volume is partially encrypted: Windows had not finished encrypting it (used-space-only conversion, clear key still present); this libbde cannot read it (%s)",
				       bde_text);
	if (f->eow)
		return g_strdup_printf("the volume uses encrypt-on-write (used-space-only encryption), which this libbde cannot read (%s)",
				       bde_text);
	if (f->encrypted_size_bytes < volume_size_bytes)
		return g_strdup_printf("the volume is partially encrypted (%" PRIu64 " of %" PRIu64 " bytes); this libbde reads only fully encrypted volumes (%s)",
				       f->encrypted_size_bytes, volume_size_bytes, bde_text);
	if (clear > 0 && clear == info->protector_count)
		return g_strdup_printf("BitLocker is suspended (the volume has only a clear key), and this libbde cannot read that key (%s)",
				       bde_text);
	*named = false;
	return g_strdup_printf("libbde cannot open this %s volume: %s",
			       fve_metadata_method_name(f->method), bde_text);
}
