/* The native backend of encrypted_volume.h: unlocks from the key protectors in the FVE
 * metadata (fve_keys.c), decrypts with OpenSSL (fve_crypto.c), and presents the volume as
 * Windows does: the first sectors read from where BitLocker moved them, the metadata
 * blocks and the moved copy read as zeros. Reads take no lock. Refuses, by name, Vista
 * volumes and volumes still being converted; nothing here writes to the volume. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/encrypted_volume_backend.h"
#include "device/fve_crypto.h"
#include "device/fve_keys.h"
#include "util/error.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

enum {
	METADATA_REGION_BYTES = 64 * 1024, /* what each metadata block copy reserves */
	ZERO_RANGES = FVE_METADATA_COPIES + 1,
	BOOT_SIGNATURE_AT = 510,
};

typedef struct {
	uint64_t start, end;
} ByteRange;

typedef struct {
	EncryptedVolume base;
	BlockSource source;          /* the decrypted volume, once unlocked */
	FveKeys keys;                /* the protectors and the FVEK, encrypted */
	FveCrypto *crypto;           /* set by a successful unlock */
	uint64_t header_offset;      /* where the first header_size bytes were moved to */
	uint64_t header_size;
	bool header_plain;           /* encrypt-on-write: the moved header was left in the clear */
	ByteRange zero[ZERO_RANGES]; /* read as zeros: metadata copies and the moved header */
	size_t zero_count;
	uint64_t size_bytes;         /* the volume's size, whole sectors */
} NativeVolume;

/* ---- reading -------------------------------------------------------------------------------- */

/* The stretch of [offset, end) that reads alike, and how: 'z' zeros, 'h' the moved header,
 * 'c' ciphertext in place. */
static char piece_of(const NativeVolume *v, uint64_t offset, uint64_t end, uint64_t *piece_end)
{
	if (offset < v->header_size) {
		*piece_end = MIN(end, v->header_size);
		return 'h';
	}
	for (size_t i = 0; i < v->zero_count; i++)
		if (offset >= v->zero[i].start && offset < v->zero[i].end) {
			*piece_end = MIN(end, v->zero[i].end);
			return 'z';
		}
	for (size_t i = 0; i < v->zero_count; i++)
		if (v->zero[i].start > offset)
			end = MIN(end, v->zero[i].start);
	*piece_end = end;
	return 'c';
}

/* Reads whole sectors. The relocated header keeps the IV of where it lies now. */
static bool read_sectors(NativeVolume *v, uint64_t offset, uint8_t *buf, size_t length, GError **error)
{
	while (length > 0) {
		uint64_t piece_end;
		char kind = piece_of(v, offset, offset + length, &piece_end);
		size_t n = (size_t)(piece_end - offset);
		uint64_t at = kind == 'h' ? v->header_offset + offset : offset;
		bool plain = kind == 'h' && v->header_plain;
		if (kind == 'z')
			memset(buf, 0, n);
		else if (!block_source_read(v->base.parent, at, buf, n, error) ||
			 (!plain && !fve_crypto_decrypt(v->crypto, at, buf, n, error)))
			return false;
		buf += n;
		offset += n;
		length -= n;
	}
	return true;
}

static NativeVolume *native_of(BlockSource *source)
{
	return (NativeVolume *)(void *)((char *)source - offsetof(NativeVolume, source));
}

static bool native_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length, GError **error)
{
	NativeVolume *v = native_of(self);
	uint32_t ss = v->base.sector_size;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "BitLocker: read of %zu bytes at %" PRIu64 " is past the end (%" PRIu64 " bytes)",
				  length, offset, self->size_bytes);
	if (offset % ss == 0 && length % ss == 0)
		return read_sectors(v, offset, buf, length, error);
	uint64_t start = offset / ss * ss, end = (offset + length + ss - 1) / ss * ss;
	uint8_t *tmp = g_malloc((size_t)(end - start));
	bool ok = read_sectors(v, start, tmp, (size_t)(end - start), error);
	if (ok)
		memcpy(buf, tmp + (offset - start), length);
	g_free(tmp);
	return ok;
}

static void native_source_close(BlockSource *self)
{
	encrypted_volume_free(&native_of(self)->base);
}

static BlockSource *native_take_source(EncryptedVolume *base)
{
	NativeVolume *v = (NativeVolume *)base;
	v->source = (BlockSource){ .size_bytes = v->size_bytes, .sector_size = base->sector_size,
				   .read_at = native_read_at, .close = native_source_close };
	return &v->source;
}

/* ---- unlocking ------------------------------------------------------------------------------ */

static bool boot_signed(const uint8_t *sector)
{
	return sector[BOOT_SIGNATURE_AT] == 0x55 && sector[BOOT_SIGNATURE_AT + 1] == 0xAA;
}

/* Takes the FVEK bytes: a decryptor for the volume's method, kept only if the first
 * sector then ends in the boot signature. An encrypt-on-write volume may have left the
 * moved header in the clear (Windows wrote it before it encrypted anything): then it is
 * read as it is. */
static bool use_fvek(NativeVolume *v, const uint8_t *fvek, size_t size, GError **error)
{
	FveCrypto *c = fve_crypto_new(v->base.fve.method, fvek, size, v->base.sector_size, error);
	if (c == NULL)
		return false;
	v->crypto = c;
	v->header_plain = false;
	g_autofree uint8_t *first = g_malloc(v->base.sector_size);
	bool ok = read_sectors(v, 0, first, v->base.sector_size, error);
	if (ok && !boot_signed(first) && v->base.fve.eow && v->header_size > 0) {
		v->header_plain = true;
		ok = read_sectors(v, 0, first, v->base.sector_size, error);
		v->header_plain = ok && boot_signed(first);
		g_debug("encrypt-on-write volume: the moved header is %s", v->header_plain ? "in the clear" : "unreadable");
	}
	if (ok && !boot_signed(first))
		ok = rfs_set_error(error, RFS_ERROR_LOCKED,
				   "wrong full-volume encryption key, or not one for %s: the first sector does not decrypt to a boot sector",
				   v->base.info.method);
	fve_keys_wipe(first, v->base.sector_size);
	if (!ok) {
		fve_crypto_free(c);
		v->crypto = NULL;
	}
	return ok;
}

/* Unwraps the FVEK with a VMK and takes it. */
static bool use_vmk(NativeVolume *v, const uint8_t vmk[FVE_KEYS_HASH_SIZE], GError **error)
{
	uint8_t fvek[FVE_KEYS_KEY_MAX];
	size_t size = 0;
	uint16_t method = 0;
	if (!v->keys.has_fvek)
		return rfs_set_corrupt(error, "the FVE metadata holds no encrypted FVEK");
	if (!fve_keys_unwrap(vmk, &v->keys.fvek, 0, fvek, &size, &method, error)) {
		g_prefix_error(error, "FVEK: ");
		if (g_error_matches(*error, RFS_ERROR, RFS_ERROR_LOCKED))
			(*error)->code = RFS_ERROR_CORRUPT; /* the VMK checked out: the FVEK entry is bad */
		return false;
	}
	bool ok = use_fvek(v, fvek, size, error);
	fve_keys_wipe(fvek, sizeof fvek);
	return ok;
}

/* Tries every VMK entry of `protection` with the key `secret` (stretched with the entry's
 * salt first when `stretch`); the first that opens its VMK decides. */
static bool try_protectors(NativeVolume *v, uint16_t protection, const uint8_t secret[FVE_KEYS_HASH_SIZE],
			   bool stretch, const char *name, GError **error)
{
	size_t tried = 0;
	for (size_t i = 0; i < v->keys.vmk_count; i++) {
		const FveVmkEntry *e = &v->keys.vmks[i];
		if (e->protection != protection || !e->has_vmk || (stretch && !e->has_salt))
			continue;
		uint8_t key[FVE_KEYS_HASH_SIZE], vmk[FVE_KEYS_KEY_MAX];
		size_t size = 0;
		uint16_t method = 0;
		g_autoptr(GError) local = NULL;
		if (stretch)
			fve_keys_stretch(secret, e->salt, key);
		else
			memcpy(key, secret, sizeof key);
		tried++;
		bool opened = fve_keys_unwrap(key, &e->vmk, FVE_KEYS_HASH_SIZE, vmk, &size, &method, &local);
		fve_keys_wipe(key, sizeof key);
		if (opened) {
			bool ok = use_vmk(v, vmk, error);
			fve_keys_wipe(vmk, sizeof vmk);
			return ok;
		}
		g_debug("%s protector %zu: %s", name, i + 1, local->message);
	}
	if (tried > 1)
		return rfs_set_error(error, RFS_ERROR_LOCKED, "wrong %s (none of the %zu %s protectors accepts it)",
				     name, tried, name);
	if (tried == 0)
		return rfs_set_error(error, RFS_ERROR_LOCKED, "no usable %s protector in the FVE metadata", name);
	return rfs_set_error(error, RFS_ERROR_LOCKED, "wrong %s", name);
}

static bool unlock_startup_key(NativeVolume *v, const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize size = 0;
	uint8_t guid[FVE_KEYS_GUID_SIZE], key[FVE_KEYS_HASH_SIZE];
	GStatBuf st;
	if (g_stat(path, &st) != 0 || st.st_size > FVE_KEYS_BEK_MAX)
		return rfs_set_error(error, RFS_ERROR_LOCKED, "wrong startup key: %s is no .BEK file (over %d bytes)",
				     path, FVE_KEYS_BEK_MAX);
	if (!g_file_get_contents(path, &data, &size, NULL) || size > FVE_KEYS_BEK_MAX)
		return rfs_set_error(error, RFS_ERROR_NOT_FOUND, "startup key %s: cannot read it", path);
	bool ok = fve_keys_startup_key_parse(byte_span(data, size), guid, key, error);
	fve_keys_wipe(data, size);
	if (!ok) {
		g_prefix_error(error, "%s: ", path);
		(*error)->code = RFS_ERROR_LOCKED;
		return false;
	}
	ok = try_protectors(v, FVE_PROTECTION_STARTUP_KEY, key, false, "startup key", error);
	fve_keys_wipe(key, sizeof key);
	if (!ok && g_error_matches(*error, RFS_ERROR, RFS_ERROR_LOCKED))
		g_prefix_error(error, "%s does not unlock this volume: ", path);
	return ok;
}

static bool native_unlock(EncryptedVolume *base, RfsKeyKind kind, const uint8_t *key,
			  size_t key_size, GError **error)
{
	NativeVolume *v = (NativeVolume *)base;
	uint8_t hash[FVE_KEYS_HASH_SIZE];
	bool ok;
	switch (kind) {
	case RFS_KEY_PASSWORD:
		ok = fve_keys_password_hash(key, key_size, hash, error) &&
		     try_protectors(v, FVE_PROTECTION_PASSWORD, hash, true, "password", error);
		break;
	case RFS_KEY_RECOVERY_PASSWORD:
		fve_keys_recovery_hash((const char *)key, hash);
		ok = try_protectors(v, FVE_PROTECTION_RECOVERY_PASSWORD, hash, true, "recovery password", error);
		break;
	case RFS_KEY_STARTUP_KEY: {
		g_autofree char *path = g_strndup((const char *)key, key_size);
		ok = unlock_startup_key(v, path, error);
		break;
	}
	case RFS_KEY_FVEK:
	default:
		ok = use_fvek(v, key, key_size, error);
		break;
	}
	fve_keys_wipe(hash, sizeof hash);
	base->unlocked = ok;
	return ok;
}

/* ---- opening -------------------------------------------------------------------------------- */

/* Reads the metadata copy that passed its checks and decodes its protectors. */
static bool keys_read(NativeVolume *v, FveBlockHeader *bh, uint64_t offsets[FVE_METADATA_COPIES],
		      GError **error)
{
	BlockSource *parent = v->base.parent;
	uint8_t hdr[FVE_METADATA_HEADER_SIZE];
	FveMetadataHeader h;
	if (!block_source_read(parent, 0, hdr, sizeof hdr, error) ||
	    !fve_metadata_header_parse(byte_span(hdr, sizeof hdr), &h, error))
		return false;
	memcpy(offsets, h.block_offsets, sizeof h.block_offsets);
	uint64_t at = h.block_offsets[v->base.fve.copy];
	size_t want = (size_t)MIN((uint64_t)FVE_METADATA_MAX_BYTES, parent->size_bytes - at);
	g_autofree uint8_t *block = g_malloc(want);
	bool ok = block_source_read(parent, at, block, want, error) &&
		  fve_metadata_block_header_parse(byte_span(block, want), bh, error) &&
		  fve_keys_parse(byte_span(block, want), &v->keys, error);
	return ok;
}

/* The layout, or why we cannot read the volume (vol->refusal). */
static char *layout_set(NativeVolume *v, const FveBlockHeader *bh, const uint64_t offsets[FVE_METADATA_COPIES])
{
	const FveMetadata *f = &v->base.fve;
	uint64_t size = v->size_bytes;
	uint32_t ss = v->base.sector_size;
	if (bh->version != 2)
		return g_strdup_printf("FVE metadata version %u (Windows Vista) is not supported by the native backend",
				       bh->version);
	if (fve_metadata_method_name(f->method) == NULL || f->method == FVE_METHOD_NONE)
		return g_strdup_printf("encryption method %s is not supported", v->base.info.method);
	if (f->eow && fve_metadata_protector_count(&v->base.info, "clear key") > 0 &&
	    fve_metadata_protector_count(&v->base.info, "clear key") < v->base.info.protector_count)
		return g_strdup("the volume is partially encrypted: Windows had not finished encrypting it (used-space-only conversion, clear key still present), and where it stopped is not recorded where we read");
	if (f->current_state != FVE_STATE_ENCRYPTED || f->next_state != FVE_STATE_ENCRYPTED)
		return g_strdup_printf("the volume is partially encrypted (conversion state %u, next %u), which the native backend does not read",
				       f->current_state, f->next_state);
	if (!v->keys.has_header)
		return g_strdup("the FVE metadata does not say where the volume header was moved");
	uint64_t ho = v->keys.header_offset, hs = v->keys.header_size_bytes;
	if (ho % ss != 0 || hs % ss != 0 || ho < hs || ho > size || hs > size - ho)
		return g_strdup_printf("the moved volume header (%" PRIu64 " bytes at %" PRIu64 ") does not fit the volume",
				       hs, ho);
	v->header_offset = ho;
	v->header_size = hs;
	for (int i = 0; i < FVE_METADATA_COPIES; i++)
		if (offsets[i] != 0 && offsets[i] < size)
			v->zero[v->zero_count++] = (ByteRange){ offsets[i],
								 MIN(size, offsets[i] + METADATA_REGION_BYTES) };
	v->zero[v->zero_count++] = (ByteRange){ ho, ho + hs };
	return NULL;
}

/* A clear key (BitLocker suspended) opens the volume without a secret. */
static void clear_key_try(NativeVolume *v)
{
	for (size_t i = 0; i < v->keys.vmk_count && !v->base.unlocked; i++) {
		const FveVmkEntry *e = &v->keys.vmks[i];
		if (e->protection != FVE_PROTECTION_CLEAR_KEY || !e->has_clear_key || !e->has_vmk)
			continue;
		uint8_t vmk[FVE_KEYS_KEY_MAX];
		size_t size = 0;
		uint16_t method = 0;
		g_autoptr(GError) local = NULL;
		if (fve_keys_unwrap(e->clear_key, &e->vmk, FVE_KEYS_HASH_SIZE, vmk, &size, &method, &local) &&
		    use_vmk(v, vmk, &local))
			v->base.unlocked = true;
		else
			g_message("BitLocker: the clear key does not open the volume: %s", local->message);
		fve_keys_wipe(vmk, sizeof vmk);
	}
}

static bool native_open(EncryptedVolume *base, GError **error)
{
	NativeVolume *v = (NativeVolume *)base;
	FveBlockHeader bh;
	uint64_t offsets[FVE_METADATA_COPIES];
	/* The block header states the volume's size; the parent may go on past it (a disk). */
	uint64_t size = base->parent->size_bytes, stated = base->fve.encrypted_size_bytes;
	if (stated != 0 && stated <= size)
		size = stated;
	v->size_bytes = size / base->sector_size * base->sector_size;
	if (!keys_read(v, &bh, offsets, error))
		return false;
	base->refusal = layout_set(v, &bh, offsets);
	if (base->refusal == NULL)
		clear_key_try(v);
	return true;
}

static void native_free(EncryptedVolume *base)
{
	NativeVolume *v = (NativeVolume *)base;
	fve_crypto_free(v->crypto);
	fve_keys_clear(&v->keys);
	g_free(v);
}

static const EncryptedVolumeOps NATIVE_OPS = {
	.open = native_open,
	.unlock = native_unlock,
	.take_source = native_take_source,
	.free = native_free,
};

EncryptedVolume *bitlocker_native_new(void)
{
	NativeVolume *v = g_new0(NativeVolume, 1);
	v->base.ops = &NATIVE_OPS;
	return &v->base;
}
