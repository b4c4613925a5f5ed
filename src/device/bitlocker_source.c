/* The libbde backend of encrypted_volume.h: a libbfio handle that reads through our
 * BlockSource, opening and unlocking with libbde, what libbde says about the volume, and
 * the decrypted BlockSource. libbde and its error objects never leave this file; nothing
 * here writes to the volume. libbde is not thread-safe: one mutex serialises all
 * decrypting reads. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/encrypted_volume_backend.h"
#include "util/error.h"

#include <inttypes.h>
#include <libbde.h>
#include <stddef.h>
#include <string.h>

/* fve_metadata.h names the on-disk values that libbde also defines. */
G_STATIC_ASSERT((int)FVE_METHOD_AES_128_CBC_DIFFUSER == (int)LIBBDE_ENCRYPTION_METHOD_AES_128_CBC_DIFFUSER);
G_STATIC_ASSERT((int)FVE_METHOD_AES_256_CBC_DIFFUSER == (int)LIBBDE_ENCRYPTION_METHOD_AES_256_CBC_DIFFUSER);
G_STATIC_ASSERT((int)FVE_METHOD_AES_128_CBC == (int)LIBBDE_ENCRYPTION_METHOD_AES_128_CBC);
G_STATIC_ASSERT((int)FVE_METHOD_AES_256_CBC == (int)LIBBDE_ENCRYPTION_METHOD_AES_256_CBC);
G_STATIC_ASSERT((int)FVE_METHOD_AES_128_XTS == (int)LIBBDE_ENCRYPTION_METHOD_AES_128_XTS);
G_STATIC_ASSERT((int)FVE_METHOD_AES_256_XTS == (int)LIBBDE_ENCRYPTION_METHOD_AES_256_XTS);
G_STATIC_ASSERT((int)FVE_PROTECTION_CLEAR_KEY == (int)LIBBDE_KEY_PROTECTION_TYPE_CLEAR_KEY);
G_STATIC_ASSERT((int)FVE_PROTECTION_TPM == (int)LIBBDE_KEY_PROTECTION_TYPE_TPM);
G_STATIC_ASSERT((int)FVE_PROTECTION_STARTUP_KEY == (int)LIBBDE_KEY_PROTECTION_TYPE_STARTUP_KEY);
G_STATIC_ASSERT((int)FVE_PROTECTION_RECOVERY_PASSWORD == (int)LIBBDE_KEY_PROTECTION_TYPE_RECOVERY_PASSWORD);
G_STATIC_ASSERT((int)FVE_PROTECTION_PASSWORD == (int)LIBBDE_KEY_PROTECTION_TYPE_PASSWORD);

#define BDE_READ_AHEAD_BYTES (1024 * 1024)

/* The libbfio io_handle: libbde reads the volume through it, i.e. through our BlockSource.
 * Only called with the volume mutex held (or before the volume is shared). */
typedef struct {
	BlockSource *parent;
	uint64_t offset;
	bool open;
	uint8_t *cache; /* read-ahead: libbde asks for one sector at a time */
	uint64_t cache_offset;
	size_t cache_length;
	char *last_error;
} BfioAdapter;

typedef struct {
	EncryptedVolume base;
	BlockSource source;   /* the decrypted volume, valid after a successful unlock */
	libbde_volume_t *bde; /* opened volume (locked until unlocked) */
	libbfio_handle_t *bfio;
	BfioAdapter *adapter; /* owned by bfio */
	GMutex lock;
} BdeVolume;

/* ---- libbfio adapter --------------------------------------------------------------------- */

static int adapter_free(intptr_t **io_handle, libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)*io_handle;
	if (a != NULL) {
		g_free(a->cache);
		g_free(a->last_error);
		g_free(a);
	}
	*io_handle = NULL;
	return 1;
}

static int adapter_clone(intptr_t **dest, intptr_t *src, libbfio_error_t **error)
{
	BfioAdapter *copy = g_new0(BfioAdapter, 1);
	copy->parent = ((BfioAdapter *)src)->parent;
	*dest = (intptr_t *)copy;
	return 1;
}

static int adapter_open(intptr_t *io_handle, int access_flags, libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	if (access_flags & LIBBFIO_ACCESS_FLAG_WRITE)
		return -1;
	a->open = true;
	a->offset = 0;
	return 1;
}

static int adapter_close(intptr_t *io_handle, libbfio_error_t **error)
{
	((BfioAdapter *)io_handle)->open = false;
	return 0;
}

static int adapter_exists(intptr_t *io_handle, libbfio_error_t **error)
{
	return 1;
}

static int adapter_is_open(intptr_t *io_handle, libbfio_error_t **error)
{
	return ((BfioAdapter *)io_handle)->open ? 1 : 0;
}

static int adapter_get_size(intptr_t *io_handle, size64_t *size, libbfio_error_t **error)
{
	*size = ((BfioAdapter *)io_handle)->parent->size_bytes;
	return 1;
}

static off64_t adapter_seek(intptr_t *io_handle, off64_t offset, int whence,
			    libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	int64_t base = whence == SEEK_CUR ? (int64_t)a->offset
		     : whence == SEEK_END ? (int64_t)a->parent->size_bytes : 0;
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return -1;
	if (offset < -base || (offset > 0 && base > INT64_MAX - offset))
		return -1;
	a->offset = (uint64_t)(base + offset);
	return (off64_t)a->offset;
}

static ssize_t adapter_read(intptr_t *io_handle, uint8_t *buffer, size_t size,
			    libbfio_error_t **error)
{
	BfioAdapter *a = (BfioAdapter *)io_handle;
	uint64_t total = a->parent->size_bytes;
	size_t done = 0;

	if (size > SSIZE_MAX)
		size = SSIZE_MAX;
	while (done < size && a->offset < total) {
		if (a->offset < a->cache_offset || a->offset >= a->cache_offset + a->cache_length) {
			size_t want = (size_t)MIN((uint64_t)BDE_READ_AHEAD_BYTES, total - a->offset);
			GError *local = NULL;
			if (a->cache == NULL)
				a->cache = g_malloc(BDE_READ_AHEAD_BYTES);
			a->cache_length = 0;
			if (!block_source_read(a->parent, a->offset, a->cache, want, &local)) {
				g_free(a->last_error);
				a->last_error = g_strdup(local->message);
				g_error_free(local);
				return -1;
			}
			a->cache_offset = a->offset;
			a->cache_length = want;
		}
		size_t at = (size_t)(a->offset - a->cache_offset);
		size_t n = MIN(size - done, a->cache_length - at);
		memcpy(buffer + done, a->cache + at, n);
		done += n;
		a->offset += n;
	}
	return (ssize_t)done;
}

static libbfio_handle_t *adapter_handle_new(BlockSource *parent, BfioAdapter **adapter,
					    GError **error)
{
	libbfio_handle_t *handle = NULL;
	libbfio_error_t *lerr = NULL;
	BfioAdapter *a = g_new0(BfioAdapter, 1);
	a->parent = parent;
	if (libbfio_handle_initialize(&handle, (intptr_t *)a, adapter_free, adapter_clone,
				      adapter_open, adapter_close, adapter_read, NULL,
				      adapter_seek, adapter_exists, adapter_is_open,
				      adapter_get_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED, &lerr) != 1) {
		libbfio_error_free(&lerr);
		g_free(a);
		rfs_set_io(error, "cannot create the libbfio handle");
		return NULL;
	}
	*adapter = a;
	return handle;
}

/* ---- libbde errors and names -------------------------------------------------------------- */

/* libbde's backtrace lists one "function: message." per line, innermost first; the first
 * and last lines name the cause and the failed operation. Frees `lerr`. */
static char *bde_error_text(libbde_error_t *lerr)
{
	char buf[4096] = "";
	if (lerr == NULL)
		return g_strdup("unknown libbde error");
	if (libbde_error_backtrace_sprint(lerr, buf, sizeof buf) < 0)
		g_strlcpy(buf, "unknown libbde error", sizeof buf);
	libbde_error_free(&lerr);

	g_auto(GStrv) lines = g_strsplit(g_strstrip(buf), "\n", -1);
	GPtrArray *keep = g_ptr_array_new();
	guint n = g_strv_length(lines);
	for (guint i = 0; i < n; i++) {
		if (i != 0 && i + 1 != n)
			continue;
		char *text = lines[i];
		char *colon = strstr(text, ": ");
		if (colon != NULL && strchr(text, ' ') > colon) /* drop "libbde_x_y: " */
			text = colon + 2;
		g_strstrip(text);
		size_t len = strlen(text);
		if (len > 0 && text[len - 1] == '.')
			text[len - 1] = '\0';
		if (*text != '\0')
			g_ptr_array_add(keep, text);
	}
	g_ptr_array_add(keep, NULL);
	char *joined = g_strjoinv(": ", (char **)keep->pdata);
	g_ptr_array_free(keep, TRUE);
	return joined;
}

/* ---- libbde volume ------------------------------------------------------------------------- */

typedef enum { BDE_OPEN_OK, BDE_OPEN_LOCKED, BDE_OPEN_FAILED } BdeOpenResult;

static void bde_close(BdeVolume *vol)
{
	if (vol->bde != NULL) {
		(void)libbde_volume_close(vol->bde, NULL);
		(void)libbde_volume_free(&vol->bde, NULL);
	}
	if (vol->bfio != NULL)
		(void)libbfio_handle_free(&vol->bfio, NULL);
	vol->adapter = NULL;
}

/* Hands a key to an unopened libbde volume: 1 set, 0 rejected by libbde, -1 error. */
static int bde_apply_key(BdeVolume *vol, RfsKeyKind kind, const uint8_t *key,
			 size_t key_size, libbde_error_t **lerr)
{
	uint16_t m = vol->base.fve.method;
	switch (kind) {
	case RFS_KEY_PASSWORD:
		return libbde_volume_set_utf8_password(vol->bde, key, key_size, lerr);
	case RFS_KEY_RECOVERY_PASSWORD:
		return libbde_volume_set_utf8_recovery_password(vol->bde, key, key_size, lerr);
	case RFS_KEY_STARTUP_KEY:
		return libbde_volume_read_startup_key(vol->bde, (const char *)key, lerr);
	case RFS_KEY_FVEK: {
		/* The Elephant diffuser's FVEK datum holds the FVEK and the TWEAK key in
		 * two halves; XTS keeps both of its keys in the FVEK, as libbde wants it. */
		bool two = m == FVE_METHOD_AES_128_CBC_DIFFUSER || m == FVE_METHOD_AES_256_CBC_DIFFUSER;
		size_t half = two ? key_size / 2 : key_size;
		return libbde_volume_set_keys(vol->bde, key, half, key + half, key_size - half, lerr);
	}
	}
	return -1;
}

/* (Re)opens the volume with libbde, with a key or (key == NULL) without. On FAILED the
 * error says what libbde said; on LOCKED no error is set. */
static BdeOpenResult bde_open(BdeVolume *vol, RfsKeyKind kind, const uint8_t *key,
			      size_t key_size, GError **error)
{
	libbde_error_t *lerr = NULL;
	int rc;

	bde_close(vol);
	vol->bfio = adapter_handle_new(vol->base.parent, &vol->adapter, error);
	if (vol->bfio == NULL)
		return BDE_OPEN_FAILED;
	if (libbde_volume_initialize(&vol->bde, &lerr) != 1)
		goto failed;
	if (key != NULL) {
		rc = bde_apply_key(vol, kind, key, key_size, &lerr);
		if (rc == 0) {
			bde_close(vol);
			return BDE_OPEN_LOCKED;
		}
		if (rc < 0)
			goto failed;
	}
	rc = libbde_volume_open_file_io_handle(vol->bde, vol->bfio, LIBBDE_OPEN_READ, &lerr);
	if (rc < 0)
		goto failed;
	if (rc == 1)
		rc = libbde_volume_is_locked(vol->bde, &lerr);
	else
		rc = 1;
	if (rc < 0)
		goto failed;
	return rc == 0 ? BDE_OPEN_OK : BDE_OPEN_LOCKED;
failed : {
	g_autofree char *text = bde_error_text(lerr);
	if (vol->adapter != NULL && vol->adapter->last_error != NULL)
		rfs_set_io(error, "%s", vol->adapter->last_error);
	else
		rfs_set_error(error, RFS_ERROR_UNSUPPORTED, "libbde: %s", text);
	bde_close(vol);
	return BDE_OPEN_FAILED;
}
}

/* Replaces what fve_metadata_parse() found by libbde's view, field by field where it
 * answers. This libbde reads the first metadata copy without checking its CRC-32, so
 * when that copy failed the check, only our own reading of a good copy is kept. */
static void info_from_bde(BdeVolume *vol)
{
	FveInfo *info = &vol->base.info;
	uint16_t method = 0;
	uint8_t guid[16];
	uint64_t filetime = 0;
	size_t desc_size = 0;
	int count = 0;

	if (vol->base.fve.copy != 0) {
		g_debug("FVE metadata copy 1 is damaged; describing the volume from copy %d",
			vol->base.fve.copy + 1);
		return;
	}
	if (libbde_volume_get_encryption_method(vol->bde, &method, NULL) == 1) {
		g_free(info->method);
		info->method = fve_metadata_method_text(method);
	}
	if (libbde_volume_get_volume_identifier(vol->bde, guid, sizeof guid, NULL) == 1) {
		g_free(info->volume_identifier);
		info->volume_identifier = fve_metadata_guid_text(guid);
	}
	if (libbde_volume_get_creation_time(vol->bde, &filetime, NULL) == 1)
		info->creation_time = (int64_t)filetime;
	if (libbde_volume_get_utf8_description_size(vol->bde, &desc_size, NULL) == 1 &&
	    desc_size > 0 && desc_size < 65536) {
		uint8_t *desc = g_malloc0(desc_size + 1);
		if (libbde_volume_get_utf8_description(vol->bde, desc, desc_size, NULL) == 1) {
			g_free(info->description);
			info->description = (char *)desc;
		} else {
			g_free(desc);
		}
	}
	if (libbde_volume_get_number_of_key_protectors(vol->bde, &count, NULL) != 1 || count <= 0)
		return;
	FveKeyProtector *prot = g_new0(FveKeyProtector, (size_t)count);
	for (int i = 0; i < count; i++) {
		libbde_key_protector_t *kp = NULL;
		uint16_t type = 0xffff;
		memset(guid, 0, sizeof guid);
		if (libbde_volume_get_key_protector(vol->bde, i, &kp, NULL) == 1) {
			(void)libbde_key_protector_get_type(kp, &type, NULL);
			(void)libbde_key_protector_get_identifier(kp, guid, sizeof guid, NULL);
			(void)libbde_key_protector_free(&kp, NULL);
		}
		prot[i].type = fve_metadata_protection_text(type);
		prot[i].identifier = fve_metadata_guid_text(guid);
	}
	for (size_t i = 0; i < info->protector_count; i++) {
		g_free(info->protectors[i].type);
		g_free(info->protectors[i].identifier);
	}
	g_free(info->protectors);
	info->protectors = prot;
	info->protector_count = (size_t)count;
}

static void mark_unlocked(BdeVolume *vol)
{
	size64_t size = 0;
	if (libbde_volume_get_size(vol->bde, &size, NULL) != 1 || size == 0)
		size = vol->base.parent->size_bytes;
	vol->source.size_bytes = size;
	vol->base.unlocked = true;
}

static bool bde_volume_open(EncryptedVolume *base, GError **error)
{
	BdeVolume *vol = (BdeVolume *)base;
	g_autoptr(GError) local = NULL;
	switch (bde_open(vol, RFS_KEY_PASSWORD, NULL, 0, &local)) {
	case BDE_OPEN_OK: /* a clear key: BitLocker is suspended */
		info_from_bde(vol);
		mark_unlocked(vol);
		break;
	case BDE_OPEN_LOCKED:
		info_from_bde(vol);
		break;
	case BDE_OPEN_FAILED:
		if (g_error_matches(local, RFS_ERROR, RFS_ERROR_IO) ||
		    g_error_matches(local, RFS_ERROR, RFS_ERROR_GONE)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
		bool named;
		base->refusal = fve_metadata_refusal_text(&base->fve, &base->info,
							  base->parent->size_bytes, local->message,
							  &named);
		break;
	}
	return true;
}

static bool bde_volume_unlock(EncryptedVolume *base, RfsKeyKind kind, const uint8_t *key,
			      size_t key_size, GError **error)
{
	BdeVolume *vol = (BdeVolume *)base;
	const char *name = encrypted_volume_kind_name(kind);
	g_autoptr(GError) local = NULL;
	switch (bde_open(vol, kind, key, key_size, &local)) {
	case BDE_OPEN_OK:
		break;
	case BDE_OPEN_LOCKED: {
		/* This libbde keeps one VMK per protector type: the first in metadata order. */
		size_t same = fve_metadata_protector_count(&base->info, name);
		if (same > 1)
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong %s (the volume has %zu %s protectors; this libbde tries only the first)",
					     name, same, name);
		return rfs_set_error(error, RFS_ERROR_LOCKED, "wrong %s", name);
	}
	case BDE_OPEN_FAILED:
		if (g_error_matches(local, RFS_ERROR, RFS_ERROR_IO) ||
		    g_error_matches(local, RFS_ERROR, RFS_ERROR_GONE)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
		if (kind == RFS_KEY_STARTUP_KEY)
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong startup key: %s does not unlock this volume (%s)",
					     (const char *)key, local->message);
		if (kind == RFS_KEY_FVEK) /* libbde cannot tell a wrong FVEK until it decrypts */
			return rfs_set_error(error, RFS_ERROR_LOCKED,
					     "wrong full-volume encryption key, or not one for %s (%s)",
					     base->info.method, local->message);
		/* Opened without a key but not with a good one: when our reading of the
		 * metadata names the cause (AES-XTS 256), every later attempt is refused too. */
		bool named;
		g_autofree char *text = fve_metadata_refusal_text(&base->fve, &base->info,
								   base->parent->size_bytes,
								   local->message, &named);
		if (named)
			base->refusal = g_strdup(text);
		return rfs_set_unsupported(error, "%s", text);
	}
	mark_unlocked(vol);
	return true;
}

/* ---- the decrypted source ------------------------------------------------------------------ */

static BdeVolume *bde_volume_of(BlockSource *source)
{
	return (BdeVolume *)(void *)((char *)source - offsetof(BdeVolume, source));
}

static bool bde_source_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			       GError **error)
{
	BdeVolume *vol = bde_volume_of(self);
	uint8_t *out = buf;

	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "BitLocker: read of %zu bytes at %" PRIu64 " is past the end (%" PRIu64 " bytes)",
				  length, offset, self->size_bytes);
	/* One call per request: libbde decrypts sector by sector, and the adapter below
	 * reads the ciphertext ahead in large chunks. */
	g_mutex_lock(&vol->lock);
	if (vol->adapter != NULL)
		g_clear_pointer(&vol->adapter->last_error, g_free);
	while (length > 0) {
		libbde_error_t *lerr = NULL;
		size_t chunk = MIN(length, (size_t)SSIZE_MAX);
		ssize_t n = libbde_volume_read_buffer_at_offset(vol->bde, out, chunk, (off64_t)offset, &lerr);
		if (n <= 0) {
			g_autofree char *text = bde_error_text(lerr);
			if (vol->adapter != NULL && vol->adapter->last_error != NULL)
				rfs_set_io(error, "BitLocker: read at %" PRIu64 ": %s", offset,
					   vol->adapter->last_error);
			else
				rfs_set_io(error, "BitLocker: read at %" PRIu64 ": libbde: %s", offset, text);
			g_mutex_unlock(&vol->lock);
			return false;
		}
		out += n;
		offset += (uint64_t)n;
		length -= (size_t)n;
	}
	g_mutex_unlock(&vol->lock);
	return true;
}

static void bde_source_close(BlockSource *self)
{
	encrypted_volume_free(&bde_volume_of(self)->base);
}

static BlockSource *bde_volume_take_source(EncryptedVolume *base)
{
	BdeVolume *vol = (BdeVolume *)base;
	g_return_val_if_fail(vol->bde != NULL, NULL);
	vol->source.sector_size = base->sector_size;
	vol->source.read_at = bde_source_read_at;
	vol->source.close = bde_source_close;
	return &vol->source;
}

static void bde_volume_free(EncryptedVolume *base)
{
	BdeVolume *vol = (BdeVolume *)base;
	bde_close(vol);
	g_mutex_clear(&vol->lock);
	g_free(vol);
}

static const EncryptedVolumeOps BDE_VOLUME_OPS = {
	.open = bde_volume_open,
	.unlock = bde_volume_unlock,
	.take_source = bde_volume_take_source,
	.free = bde_volume_free,
};

EncryptedVolume *bitlocker_source_new(void)
{
	BdeVolume *vol = g_new0(BdeVolume, 1);
	vol->base.ops = &BDE_VOLUME_OPS;
	g_mutex_init(&vol->lock);
	return &vol->base;
}
