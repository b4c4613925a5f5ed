/* BitLocker's on-disk metadata decoded from bytes: the volume header (first sector), the
 * FVE metadata block with its CRC-32 and entries, the names of methods and key protectors,
 * and what the decoded state says about a volume libbde refuses. Pure: no I/O, no libbde.
 * The one decoder of these structures: every backend (encrypted_volume_backend.h) and the
 * volume size probe read them through here. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/bytes.h"

enum {
	FVE_METADATA_HEADER_SIZE = 512,          /* the volume header: the first sector        */
	FVE_METADATA_MAX_BYTES = 64 * 1024,      /* one metadata block copy, as read            */
	FVE_METADATA_COPIES = 3,
	FVE_METADATA_BLOCK_HEADER_SIZE = 0x18,   /* the part of a block header decoded alone */
};

typedef enum {                               /* FVE metadata header, u16 at 0x64           */
	FVE_METHOD_NONE = 0x0000,
	FVE_METHOD_AES_128_CBC_DIFFUSER = 0x8000,
	FVE_METHOD_AES_256_CBC_DIFFUSER = 0x8001,
	FVE_METHOD_AES_128_CBC = 0x8002,
	FVE_METHOD_AES_256_CBC = 0x8003,
	FVE_METHOD_AES_128_XTS = 0x8004,
	FVE_METHOD_AES_256_XTS = 0x8005,
} FveMethod;

typedef enum {                               /* VMK entry, u16 at 0x22                     */
	FVE_PROTECTION_CLEAR_KEY = 0x0000,
	FVE_PROTECTION_TPM = 0x0100,
	FVE_PROTECTION_STARTUP_KEY = 0x0200,
	FVE_PROTECTION_TPM_AND_PIN = 0x0500,
	FVE_PROTECTION_RECOVERY_PASSWORD = 0x0800,
	FVE_PROTECTION_SMART_CARD = 0x1000,
	FVE_PROTECTION_PASSWORD = 0x2000,
} FveProtection;

typedef enum {                               /* block header conversion states             */
	FVE_STATE_DECRYPTED = 1,
	FVE_STATE_SWITCHING = 2,
	FVE_STATE_EOW_ACTIVATED = 3,
	FVE_STATE_ENCRYPTED = 4,
	FVE_STATE_PAUSED = 5,
} FveState;

typedef struct {
	char *type;        /* "password", "recovery password", "startup key", "TPM", "clear key", ... */
	char *identifier;  /* GUID, lower case with dashes */
} FveKeyProtector;

/* What the metadata says about the volume, readable without a key: decoded by
 * fve_metadata_parse(), and refined by a backend that reads more (libbde). */
typedef struct {
	char *method;            /* "AES-CBC 128 with Elephant diffuser", "AES-XTS 128", ... */
	char *volume_identifier; /* GUID */
	int64_t creation_time;   /* FILETIME, 0 = unknown */
	char *description;       /* UTF-8, may be "" */
	FveKeyProtector *protectors;
	size_t protector_count;
	bool to_go;              /* BitLocker To Go */
} FveInfo;

/* What the volume header says. */
typedef struct {
	uint64_t block_offsets[FVE_METADATA_COPIES]; /* bytes from the volume start; 0 = none */
	uint16_t sector_size;  /* bytes per sector if a power of two in 512..4096, else 0    */
	bool to_go;            /* BitLocker To Go ("MSWIN4.1" header)                        */
	bool eow;              /* Windows 8+ used-space-only volume (encrypts on write)       */
} FveMetadataHeader;

/* The start of an FVE metadata block copy: its signature, version, conversion states and
 * how many bytes of the volume are encrypted. */
typedef struct {
	uint16_t version;       /* 1 Vista, 2 Windows 7 and later */
	uint16_t current_state; /* FveState */
	uint16_t next_state;
	uint64_t encrypted_size_bytes; /* Windows 7+: the volume's size once fully encrypted */
} FveBlockHeader;

/* What we decode ourselves from one FVE metadata block copy. */
typedef struct {
	uint16_t current_state; /* FveState */
	uint16_t next_state;
	uint16_t method;        /* FveMethod */
	uint64_t encrypted_size_bytes;
	bool eow;               /* copied from FveMetadataHeader by the caller */
	int copy;               /* which copy passed its checks (0-based), set by the caller */
} FveMetadata;

/* True if the first sector (>= 512 bytes) carries a BitLocker or BitLocker To Go header. */
bool fve_metadata_probe(ByteSpan first_sector);

/* Decodes the volume header. RFS_ERROR_INVALID "not a BitLocker volume" when
 * fve_metadata_probe() says no. Vista headers name only the first copy, by cluster. */
bool fve_metadata_header_parse(ByteSpan first_sector, FveMetadataHeader *out,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes the first FVE_METADATA_BLOCK_HEADER_SIZE bytes of a metadata block copy.
 * RFS_ERROR_CORRUPT "FVE metadata block: no -FVE-FS- signature" if `block` is shorter or
 * does not start with the signature; nothing else is checked (see fve_metadata_parse()). */
bool fve_metadata_block_header_parse(ByteSpan block, FveBlockHeader *out,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes one FVE metadata block copy (block header at offset 0) into `fve` and `info`, whose strings and protector
 * list are replaced (info->to_go is kept). A copy that fails its CRC-32 or whose sizes
 * point past `block` fails with RFS_ERROR_CORRUPT, and then `fve` and `info` are unchanged.
 * Entries after a zero-length or overlong one are ignored: what came before still counts. */
bool fve_metadata_parse(ByteSpan block, FveMetadata *fve, FveInfo *info,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "AES-XTS 128", ..., "none"; NULL for a method we do not know. */
const char *fve_metadata_method_name(uint16_t method);
/* The name, or "unknown (0x....)"; g_free. */
char *fve_metadata_method_text(uint16_t method);
/* "password", "recovery password", "startup key", "TPM", "clear key", "smart card", ... or
 * "unknown (0x....)"; g_free. */
char *fve_metadata_protection_text(uint16_t type);
/* A GUID as stored on disk (first three fields little-endian), as lower-case text with
 * dashes; g_free. */
char *fve_metadata_guid_text(const uint8_t guid[16]);

/* Frees what `info` holds and zeroes it, keeping info->to_go. */
void fve_metadata_info_clear(FveInfo *info);
/* How many of the volume's protectors have this type name. */
size_t fve_metadata_protector_count(const FveInfo *info, const char *type);

/* Why libbde refused a volume, in words that name the method or the state when the
 * metadata (`f`, and the protectors in `info`) explains it; `bde_text` is libbde's own
 * message, quoted in every answer. *named is false when nothing in the metadata explains
 * the refusal. g_free. */
char *fve_metadata_refusal_text(const FveMetadata *f, const FveInfo *info,
				uint64_t volume_size_bytes, const char *bde_text, bool *named);
