/* Encrypted volumes, whatever decrypts them: the probe and size probe, the reads of the
 * volume header and FVE metadata copies (decoded by fve_metadata.c), the checks a key
 * passes before a backend sees it, and the dispatch to that backend. No library calls
 * and no decryption here; nothing here writes to the volume. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/encrypted_volume_backend.h"
#include "device/recovery_password.h"
#include "util/error.h"

#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- probes --------------------------------------------------------------------------------- */

/* Reads the volume header at `offset`; false if it lies past the end or cannot be read. */
static bool header_read(BlockSource *src, uint64_t offset, uint8_t hdr[FVE_METADATA_HEADER_SIZE])
{
	if (offset > src->size_bytes || src->size_bytes - offset < FVE_METADATA_HEADER_SIZE)
		return false;
	return block_source_read(src, offset, hdr, FVE_METADATA_HEADER_SIZE, NULL);
}

bool encrypted_volume_probe(BlockSource *src, uint64_t offset)
{
	g_return_val_if_fail(src != NULL, false);
	uint8_t hdr[FVE_METADATA_HEADER_SIZE];
	return header_read(src, offset, hdr) && fve_metadata_probe(byte_span(hdr, sizeof hdr));
}

bool encrypted_volume_probe_sector(ByteSpan first_sector)
{
	return fve_metadata_probe(first_sector);
}

uint64_t encrypted_volume_probe_size(BlockSource *src, uint64_t offset)
{
	g_return_val_if_fail(src != NULL, 0);
	uint8_t hdr[FVE_METADATA_HEADER_SIZE];
	FveMetadataHeader h;
	if (!header_read(src, offset, hdr) ||
	    !fve_metadata_header_parse(byte_span(hdr, sizeof hdr), &h, NULL))
		return 0;
	uint64_t room = src->size_bytes - offset;
	for (int i = 0; i < FVE_METADATA_COPIES; i++) {
		uint64_t rel = h.block_offsets[i];
		uint8_t block[FVE_METADATA_BLOCK_HEADER_SIZE];
		FveBlockHeader bh;
		if (rel == 0 || rel > room || sizeof block > room - rel ||
		    !block_source_read(src, offset + rel, block, sizeof block, NULL) ||
		    !fve_metadata_block_header_parse(byte_span(block, sizeof block), &bh, NULL))
			continue;
		/* Vista's block header has no volume size. */
		if (bh.version == 2 && bh.encrypted_size_bytes != 0 && bh.encrypted_size_bytes <= room)
			return bh.encrypted_size_bytes;
	}
	return 0;
}

/* ---- volume header and FVE metadata --------------------------------------------------------- */

/* Reads the volume header and the first FVE metadata block copy that passes its checks. */
static bool metadata_read(EncryptedVolume *vol, GError **error)
{
	uint8_t hdr[FVE_METADATA_HEADER_SIZE];
	FveMetadataHeader h;
	if (!block_source_read(vol->parent, 0, hdr, sizeof hdr, error) ||
	    !fve_metadata_header_parse(byte_span(hdr, sizeof hdr), &h, error))
		return false;
	vol->sector_size = h.sector_size != 0 ? h.sector_size : vol->parent->sector_size;
	vol->info.to_go = h.to_go;
	const uint64_t *offsets = h.block_offsets;

	g_autofree uint8_t *block = g_malloc(FVE_METADATA_MAX_BYTES);
	g_autoptr(GError) first = NULL;
	for (int i = 0; i < FVE_METADATA_COPIES; i++) {
		g_autoptr(GError) local = NULL;
		uint64_t size = vol->parent->size_bytes;
		if (offsets[i] == 0 || offsets[i] >= size)
			continue;
		size_t want = (size_t)MIN((uint64_t)FVE_METADATA_MAX_BYTES, size - offsets[i]);
		if (block_source_read(vol->parent, offsets[i], block, want, &local) &&
		    fve_metadata_parse(byte_span(block, want), &vol->fve, &vol->info, &local)) {
			vol->fve.eow = h.eow;
			vol->fve.copy = i;
			return true;
		}
		g_debug("FVE metadata copy %d at %" PRIu64 ": %s", i + 1, offsets[i], local->message);
		if (first == NULL)
			first = g_steal_pointer(&local);
	}
	if (first != NULL) {
		g_propagate_error(error, g_steal_pointer(&first));
		return false;
	}
	return rfs_set_corrupt(error, "the BitLocker header names no FVE metadata block inside the volume");
}

EncryptedVolume *encrypted_volume_open(BlockSource *parent, EncryptedVolumeBackend backend,
				       GError **error)
{
	g_return_val_if_fail(parent != NULL, NULL);
	EncryptedVolume *vol;
	switch (backend) {
	case ENCRYPTED_VOLUME_NATIVE:
		vol = bitlocker_native_new();
		break;
	case ENCRYPTED_VOLUME_LIBBDE:
		vol = bitlocker_source_new();
		break;
	default:
		rfs_set_unsupported(error, "BitLocker: decryption backend %d is not built in", (int)backend);
		return NULL;
	}
	vol->parent = parent;
	if (!metadata_read(vol, error) || !vol->ops->open(vol, error)) {
		g_prefix_error(error, "BitLocker: ");
		encrypted_volume_free(vol);
		return NULL;
	}
	return vol;
}

/* ---- what the volume says about itself ---------------------------------------------------- */

enum { INFO_MAX_PROTECTORS = 256 };

RfsEncryptionInfo *encrypted_volume_info_copy(EncryptedVolume *vol)
{
	const FveInfo *fi = &vol->info;
	size_t n = MIN(fi->protector_count, (size_t)INFO_MAX_PROTECTORS);
	const char *texts[3 + 2 * INFO_MAX_PROTECTORS] = { fi->method, fi->volume_identifier,
							   fi->description };
	size_t count = 3;
	for (size_t i = 0; i < n; i++) {
		texts[count++] = fi->protectors[i].type;
		texts[count++] = fi->protectors[i].identifier;
	}
	size_t offsets[G_N_ELEMENTS(texts)];
	GString *strings = g_string_new(NULL);
	for (size_t i = 0; i < count; i++) {
		const char *v = texts[i] != NULL ? texts[i] : "";
		offsets[i] = strings->len;
		g_string_append_len(strings, v, (gssize)strlen(v) + 1);
	}
	size_t head = sizeof(RfsEncryptionInfo) + n * sizeof(RfsKeyProtector);
	uint8_t *block = g_malloc(head + strings->len);
	memcpy(block + head, strings->str, strings->len);
	const char *base = (const char *)block + head;
	RfsEncryptionInfo *info = (RfsEncryptionInfo *)block;
	RfsKeyProtector *prot = (RfsKeyProtector *)(block + sizeof *info);
	*info = (RfsEncryptionInfo){ .method = base + offsets[0], .volume_identifier = base + offsets[1],
				     .creation_time = fi->creation_time, .description = base + offsets[2],
				     .protectors = prot, .protector_count = n, .to_go = fi->to_go };
	for (size_t i = 0; i < n; i++)
		prot[i] = (RfsKeyProtector){ base + offsets[3 + 2 * i], base + offsets[4 + 2 * i] };
	g_string_free(strings, TRUE);
	return info;
}

const char *encrypted_volume_refusal(EncryptedVolume *vol)
{
	return vol->refusal;
}

bool encrypted_volume_is_locked(EncryptedVolume *vol)
{
	return !vol->unlocked;
}

/* ---- keys ----------------------------------------------------------------------------------- */

const char *encrypted_volume_kind_name(RfsKeyKind kind)
{
	switch (kind) {
	case RFS_KEY_PASSWORD: return "password";
	case RFS_KEY_RECOVERY_PASSWORD: return "recovery password";
	case RFS_KEY_STARTUP_KEY: return "startup key";
	case RFS_KEY_FVEK: return "full-volume encryption key";
	}
	return "key";
}

/* The protector list as "password, recovery password". */
static char *protector_list(const FveInfo *info)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < info->protector_count; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", info->protectors[i].type);
	return g_string_free(s, FALSE);
}

static bool has_protector(const FveInfo *info, RfsKeyKind kind)
{
	if (kind == RFS_KEY_FVEK || info->protector_count == 0)
		return true;
	return fve_metadata_protector_count(info, encrypted_volume_kind_name(kind)) > 0;
}

/* A page-aligned buffer kept out of core dumps and, where allowed, out of swap. */
static uint8_t *secret_new(size_t size, size_t *mapped)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	*mapped = (size + page - 1) / page * page;
	void *p = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, *mapped, MADV_DONTDUMP);
	(void)mlock(p, *mapped);
	return p;
}

static void secret_free(uint8_t *p, size_t mapped)
{
	if (p == NULL)
		return;
	explicit_bzero(p, mapped);
	(void)munlock(p, mapped);
	munmap(p, mapped);
}

bool encrypted_volume_unlock(EncryptedVolume *vol, RfsKeyKind kind, const uint8_t *data,
			     size_t size, GError **error)
{
	g_return_val_if_fail(vol != NULL && (data != NULL || size == 0), false);
	const char *name = encrypted_volume_kind_name(kind);
	if (vol->unlocked)
		return true;
	if (vol->refusal != NULL)
		return rfs_set_unsupported(error, "BitLocker: %s", vol->refusal);
	if (size == 0)
		return rfs_set_error(error, RFS_ERROR_LOCKED, "BitLocker: no %s given", name);
	if (!has_protector(&vol->info, kind)) {
		g_autofree char *list = protector_list(&vol->info);
		return rfs_set_error(error, RFS_ERROR_LOCKED,
				     "BitLocker: this volume has no %s protector (it has: %s)", name, list);
	}

	bool ok;
	if (kind == RFS_KEY_RECOVERY_PASSWORD) {
		size_t mapped = 0;
		uint8_t *dashed = secret_new(RECOVERY_PASSWORD_DASHED_SIZE, &mapped);
		if (dashed == NULL)
			return rfs_set_io(error, "BitLocker: out of memory for the recovery password");
		ok = recovery_password_normalise(byte_span(data, size), (char *)dashed, error) &&
		     vol->ops->unlock(vol, kind, dashed, RECOVERY_PASSWORD_DASHED_SIZE, error);
		secret_free(dashed, mapped);
	} else if (kind == RFS_KEY_STARTUP_KEY) {
		g_autofree char *path = g_strndup((const char *)data, size);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return rfs_set_error(error, RFS_ERROR_NOT_FOUND,
					     "BitLocker: startup key %s: no such file", path);
		ok = vol->ops->unlock(vol, kind, (const uint8_t *)path, size, error);
	} else {
		ok = vol->ops->unlock(vol, kind, data, size, error);
	}
	if (!ok)
		g_prefix_error(error, "BitLocker: ");
	return ok;
}

/* ---- the decrypted source -------------------------------------------------------------------- */

BlockSource *encrypted_volume_take_source(EncryptedVolume *vol)
{
	g_return_val_if_fail(vol != NULL && vol->unlocked, NULL);
	return vol->ops->take_source(vol);
}

void encrypted_volume_free(EncryptedVolume *vol)
{
	if (vol == NULL)
		return;
	fve_metadata_info_clear(&vol->info);
	g_clear_pointer(&vol->refusal, g_free);
	vol->ops->free(vol);
}
