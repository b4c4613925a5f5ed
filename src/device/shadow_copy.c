/* Volume Shadow Copies through libvshadow, which reads the volume through a libbfio handle
 * whose I/O callbacks are ours: the volume may lie in a partition, an image container or a
 * BitLocker volume, and libvshadow sees only our BlockSource. Opened read-only; libvshadow
 * and its error objects never leave this file.
 * libvshadow (20190323 in Debian) exports its own copies of libcdata, libcerror,
 * libcthreads and the other libyal helpers, as libbde (20190102) and libbfio do; linked
 * beside libbde, its helper calls bind to libbde's older copies (LD_DEBUG=bindings shows
 * 885 such bindings). So it is loaded as libewf is (ewf_source.c), into a link-map
 * namespace of its own with the libbfio it was built against, as its own tools load it;
 * the libbfio handle that carries our callbacks is made by that namespace's libbfio. */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "restorefs-device"

#include "device/shadow_copy.h"

#include <dlfcn.h>
#include <libbfio.h>
#include <libvshadow.h>
#include <stdio.h>
#include <string.h>

#include "util/bytes.h"
#include "util/error.h"

#define VSHADOW_LIBRARY "libvshadow.so.1"
#define BFIO_LIBRARY "libbfio.so.1"

enum {
	VSS_HEADER_OFFSET = 0x1e00, /* the VSS volume header, after the NTFS boot code */
	VSS_MAX_COPIES = 63,        /* entry ids have room for 63 (RFS_ORIGIN_SNAPSHOT) */
};

/* The VSS identifier that opens the volume header: {3808876b-c176-4e48-b7ae-04046e6cc752}. */
static const uint8_t vss_identifier[16] = { 0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
					    0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52 };

/* The library functions this file calls, from their own namespace. */
static struct {
	__typeof__(libvshadow_error_backtrace_sprint) *error_backtrace_sprint;
	__typeof__(libvshadow_error_free) *error_free;
	__typeof__(libvshadow_volume_initialize) *volume_initialize;
	__typeof__(libvshadow_volume_open_file_io_handle) *volume_open_file_io_handle;
	__typeof__(libvshadow_volume_close) *volume_close;
	__typeof__(libvshadow_volume_free) *volume_free;
	__typeof__(libvshadow_volume_get_number_of_stores) *volume_get_number_of_stores;
	__typeof__(libvshadow_volume_get_store) *volume_get_store;
	__typeof__(libvshadow_store_free) *store_free;
	__typeof__(libvshadow_store_get_identifier) *store_get_identifier;
	__typeof__(libvshadow_store_get_creation_time) *store_get_creation_time;
	__typeof__(libvshadow_store_get_volume_size) *store_get_volume_size;
	__typeof__(libvshadow_store_read_buffer_at_offset) *store_read_buffer_at_offset;
	__typeof__(libbfio_handle_initialize) *bfio_handle_initialize;
	__typeof__(libbfio_handle_free) *bfio_handle_free;
} vss;

static char *vss_load_error;

#define VSS_SYM(lib, field) ((*(void **)&vss.field = dlsym(lib, "libvshadow_" #field)) != NULL)
#define BFIO_SYM(lib, field, name) ((*(void **)&vss.field = dlsym(lib, name)) != NULL)

static gpointer vss_load_once(gpointer unused)
{
	void *lib = dlmopen(LM_ID_NEWLM, VSHADOW_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	Lmid_t lmid = 0;
	void *bfio = NULL;
	if (lib != NULL && dlinfo(lib, RTLD_DI_LMID, &lmid) == 0)
		bfio = dlmopen(lmid, BFIO_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL || bfio == NULL || !VSS_SYM(lib, error_backtrace_sprint) || !VSS_SYM(lib, error_free) ||
	    !VSS_SYM(lib, volume_initialize) || !VSS_SYM(lib, volume_open_file_io_handle) ||
	    !VSS_SYM(lib, volume_close) || !VSS_SYM(lib, volume_free) ||
	    !VSS_SYM(lib, volume_get_number_of_stores) || !VSS_SYM(lib, volume_get_store) ||
	    !VSS_SYM(lib, store_free) || !VSS_SYM(lib, store_get_identifier) ||
	    !VSS_SYM(lib, store_get_creation_time) || !VSS_SYM(lib, store_get_volume_size) ||
	    !VSS_SYM(lib, store_read_buffer_at_offset) ||
	    !BFIO_SYM(bfio, bfio_handle_initialize, "libbfio_handle_initialize") ||
	    !BFIO_SYM(bfio, bfio_handle_free, "libbfio_handle_free")) {
		vss_load_error = g_strdup(dlerror());
		return NULL;
	}
	return lib; /* stays loaded for the life of the process */
}

static bool vss_load(GError **error)
{
	static GOnce once = G_ONCE_INIT;
	if (g_once(&once, vss_load_once, NULL) != NULL)
		return true;
	return rfs_set_unsupported(error, "shadow copies need %s: %s", VSHADOW_LIBRARY,
				   vss_load_error != NULL ? vss_load_error : "cannot load it");
}

static char *vss_error_text(libvshadow_error_t *err)
{
	char buf[4096] = "";
	if (err != NULL) {
		vss.error_backtrace_sprint(err, buf, sizeof buf);
		vss.error_free(&err);
	}
	/* The innermost cause: the backtrace's last line, without its function name. */
	g_strchomp(buf);
	const char *line = strrchr(buf, '\n');
	line = line != NULL ? line + 1 : buf;
	const char *colon = strstr(line, ": ");
	char *text = g_strdup(colon != NULL && colon[2] != '\0' ? colon + 2 : line);
	size_t len = strlen(text);
	if (len > 0 && text[len - 1] == '.')
		text[len - 1] = '\0';
	return text;
}

/* ---- our BlockSource as a libbfio handle --------------------------------------------- */

typedef struct {
	BlockSource *src; /* borrowed */
	uint64_t position;
	bool open;
} BfioIo;

static int bfio_io_free(intptr_t **io, libbfio_error_t **err)
{
	g_free(*io);
	*io = NULL;
	return 1;
}

static int bfio_io_clone(intptr_t **dest, intptr_t *io, libbfio_error_t **err)
{
	BfioIo *copy = g_memdup2(io, sizeof(BfioIo));
	copy->position = 0;
	copy->open = false;
	*dest = (intptr_t *)copy;
	return 1;
}

static int bfio_io_open(intptr_t *io, int access_flags, libbfio_error_t **err)
{
	if (access_flags & LIBBFIO_ACCESS_FLAG_WRITE)
		return -1; /* read-only, always */
	((BfioIo *)io)->open = true;
	return 1;
}

static int bfio_io_close(intptr_t *io, libbfio_error_t **err)
{
	((BfioIo *)io)->open = false;
	return 0;
}

static ssize_t bfio_io_read(intptr_t *io, uint8_t *buf, size_t size, libbfio_error_t **err)
{
	BfioIo *b = (BfioIo *)io;
	uint64_t total = b->src->size_bytes;
	if (b->position >= total)
		return 0;
	size_t n = (size_t)MIN((uint64_t)MIN(size, (size_t)SSIZE_MAX), total - b->position);
	g_autoptr(GError) error = NULL;
	if (!block_source_read(b->src, b->position, buf, n, &error)) {
		g_debug("shadow copies: read at %" PRIu64 ": %s", b->position, error->message);
		return -1;
	}
	b->position += n;
	return (ssize_t)n;
}

static ssize_t bfio_io_write(intptr_t *io, const uint8_t *buf, size_t size, libbfio_error_t **err)
{
	return -1;
}

static off64_t bfio_io_seek(intptr_t *io, off64_t offset, int whence, libbfio_error_t **err)
{
	BfioIo *b = (BfioIo *)io;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)b->position
				: whence == SEEK_END ? (int64_t)b->src->size_bytes : -1;
	if (base < 0 || (offset < 0 && -offset > base) || (offset > 0 && offset > INT64_MAX - base))
		return -1;
	b->position = (uint64_t)(base + offset);
	return (off64_t)b->position;
}

static int bfio_io_exists(intptr_t *io, libbfio_error_t **err)
{
	return 1;
}

static int bfio_io_is_open(intptr_t *io, libbfio_error_t **err)
{
	return ((BfioIo *)io)->open ? 1 : 0;
}

static int bfio_io_get_size(intptr_t *io, size64_t *size, libbfio_error_t **err)
{
	*size = ((BfioIo *)io)->src->size_bytes;
	return 1;
}

/* ---- the set ------------------------------------------------------------------------- */

/* What the set and every copy opened from it share; freed with the last of them. */
typedef struct {
	gint refs;
	GMutex lock; /* held around every libvshadow call after open: it shares one handle */
	libbfio_handle_t *bfio;
	libvshadow_volume_t *volume;
} VssCore;

struct ShadowCopySet {
	VssCore *core;
	ShadowCopyInfo *copies;
	size_t count;
};

typedef struct {
	BlockSource base;
	VssCore *core;
	libvshadow_store_t *store;
	int index;
} VssCopySource;

static void core_unref(VssCore *core)
{
	if (core == NULL || !g_atomic_int_dec_and_test(&core->refs))
		return;
	if (core->volume != NULL) {
		vss.volume_close(core->volume, NULL);
		vss.volume_free(&core->volume, NULL);
	}
	if (core->bfio != NULL)
		vss.bfio_handle_free(&core->bfio, NULL);
	g_mutex_clear(&core->lock);
	g_free(core);
}

bool shadow_copy_probe(BlockSource *volume)
{
	uint8_t head[16];
	return volume->size_bytes >= VSS_HEADER_OFFSET + sizeof head &&
	       block_source_read(volume, VSS_HEADER_OFFSET, head, sizeof head, NULL) &&
	       memcmp(head, vss_identifier, sizeof head) == 0;
}

void shadow_copy_format_guid(const uint8_t guid[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32_at(guid),
		 le16_at(guid + 4), le16_at(guid + 6), guid[8], guid[9], guid[10], guid[11], guid[12],
		 guid[13], guid[14], guid[15]);
}

static VssCore *core_open(BlockSource *volume, GError **error)
{
	libvshadow_error_t *err = NULL;
	VssCore *core = g_new0(VssCore, 1);
	core->refs = 1;
	g_mutex_init(&core->lock);
	BfioIo *io = g_new0(BfioIo, 1);
	io->src = volume;
	if (vss.bfio_handle_initialize(&core->bfio, (intptr_t *)io, bfio_io_free, bfio_io_clone, bfio_io_open,
				       bfio_io_close, bfio_io_read, bfio_io_write, bfio_io_seek, bfio_io_exists,
				       bfio_io_is_open, bfio_io_get_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED,
				       NULL) != 1) {
		g_free(io);
		core_unref(core);
		rfs_set_io(error, "shadow copies: cannot set up the volume's I/O handle");
		return NULL;
	}
	if (vss.volume_initialize(&core->volume, &err) != 1 ||
	    vss.volume_open_file_io_handle(core->volume, core->bfio, LIBVSHADOW_OPEN_READ, &err) != 1) {
		g_autofree char *text = vss_error_text(err);
		if (core->volume != NULL)
			vss.volume_free(&core->volume, NULL);
		core_unref(core);
		rfs_set_corrupt(error, "shadow copy catalog unreadable: %s", text);
		return NULL;
	}
	return core;
}

static bool read_info(VssCore *core, int i, ShadowCopyInfo *out, GError **error)
{
	libvshadow_error_t *err = NULL;
	libvshadow_store_t *store = NULL;
	uint8_t guid[16];
	uint64_t filetime = 0;
	size64_t size = 0;
	bool ok = vss.volume_get_store(core->volume, i, &store, &err) == 1 &&
		  vss.store_get_identifier(store, guid, sizeof guid, &err) == 1 &&
		  vss.store_get_creation_time(store, &filetime, &err) == 1 &&
		  vss.store_get_volume_size(store, &size, &err) == 1;
	if (store != NULL)
		vss.store_free(&store, NULL);
	if (!ok) {
		g_autofree char *text = vss_error_text(err);
		return rfs_set_corrupt(error, "shadow copy %d: %s", i + 1, text);
	}
	shadow_copy_format_guid(guid, out->identifier);
	out->creation_time = filetime > INT64_MAX ? 0 : (int64_t)filetime;
	out->size_bytes = size;
	return true;
}

ShadowCopySet *shadow_copy_set_open(BlockSource *volume, GError **error)
{
	if (!shadow_copy_probe(volume))
		return NULL;
	if (!vss_load(error))
		return NULL;
	VssCore *core = core_open(volume, error);
	if (core == NULL)
		return NULL;
	libvshadow_error_t *err = NULL;
	int stores = 0;
	if (vss.volume_get_number_of_stores(core->volume, &stores, &err) != 1) {
		g_autofree char *text = vss_error_text(err);
		core_unref(core);
		rfs_set_corrupt(error, "shadow copy catalog: %s", text);
		return NULL;
	}
	if (stores <= 0) {
		core_unref(core);
		return NULL;
	}
	if (stores > VSS_MAX_COPIES) {
		g_warning("the volume lists %d shadow copies; only the first %d are read", stores, VSS_MAX_COPIES);
		stores = VSS_MAX_COPIES;
	}
	ShadowCopySet *set = g_new0(ShadowCopySet, 1);
	set->core = core;
	set->copies = g_new0(ShadowCopyInfo, (size_t)stores);
	for (int i = 0; i < stores; i++) {
		if (!read_info(core, i, &set->copies[i], error)) {
			shadow_copy_set_free(set);
			return NULL;
		}
	}
	set->count = (size_t)stores;
	return set;
}

void shadow_copy_set_free(ShadowCopySet *set)
{
	if (set == NULL)
		return;
	core_unref(set->core);
	g_free(set->copies);
	g_free(set);
}

size_t shadow_copy_set_count(const ShadowCopySet *set)
{
	return set->count;
}

const ShadowCopyInfo *shadow_copy_set_info(const ShadowCopySet *set, size_t i)
{
	return i < set->count ? &set->copies[i] : NULL;
}

static bool copy_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length, GError **error)
{
	VssCopySource *src = (VssCopySource *)self;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "shadow copy %d: read of %zu bytes at %" PRIu64 " past its end (%" PRIu64 ")",
				  src->index + 1, length, offset, self->size_bytes);
	libvshadow_error_t *err = NULL;
	uint8_t *p = buf;
	bool ok = true;
	g_mutex_lock(&src->core->lock);
	while (ok && length > 0) {
		size_t part = MIN(length, (size_t)1 << 30);
		ssize_t n = vss.store_read_buffer_at_offset(src->store, p, part, (off64_t)offset, &err);
		ok = n > 0;
		if (ok) {
			p += n;
			offset += (uint64_t)n;
			length -= (size_t)n;
		}
	}
	g_mutex_unlock(&src->core->lock);
	if (!ok) {
		g_autofree char *text = vss_error_text(err);
		return rfs_set_io(error, "shadow copy %d: read at %" PRIu64 ": %s", src->index + 1, offset,
				  err != NULL || text[0] != '\0' ? text : "short read");
	}
	return true;
}

static void copy_close(BlockSource *self)
{
	VssCopySource *src = (VssCopySource *)self;
	g_mutex_lock(&src->core->lock);
	vss.store_free(&src->store, NULL);
	g_mutex_unlock(&src->core->lock);
	core_unref(src->core);
	g_free(src);
}

BlockSource *shadow_copy_set_open_copy(ShadowCopySet *set, size_t i, GError **error)
{
	if (i >= set->count) {
		rfs_set_error(error, RFS_ERROR_NOT_FOUND, "there is no shadow copy %zu (%zu on the volume)", i + 1,
			      set->count);
		return NULL;
	}
	libvshadow_error_t *err = NULL;
	libvshadow_store_t *store = NULL;
	g_mutex_lock(&set->core->lock);
	int rc = vss.volume_get_store(set->core->volume, (int)i, &store, &err);
	g_mutex_unlock(&set->core->lock);
	if (rc != 1) {
		g_autofree char *text = vss_error_text(err);
		rfs_set_corrupt(error, "shadow copy %zu: %s", i + 1, text);
		return NULL;
	}
	VssCopySource *src = g_new0(VssCopySource, 1);
	src->core = set->core;
	g_atomic_int_inc(&set->core->refs);
	src->store = store;
	src->index = (int)i;
	src->base.size_bytes = set->copies[i].size_bytes;
	src->base.sector_size = 512;
	src->base.read_at = copy_read_at;
	src->base.close = copy_close;
	return &src->base;
}
