/* VMDK images through libvmdk: a descriptor file with its extent files beside it, or a
 * monolithic sparse file, and the chain of parents of a differencing image, each looked
 * for beside its child. libvmdk and its error objects never leave this file; every file
 * is opened read-only. Extent types libvmdk does not read are named in the refusal. One
 * mutex (image_source.c) serialises the reads, since a child reads through its parents. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_backend.h"
#include "util/error.h"

#include <libvmdk.h>
#include <string.h>

typedef struct {
	ImageBackendSource base;
	libvmdk_handle_t *handles[IMAGE_BACKEND_MAX_PARENTS + 1]; /* [0] the image, then parents */
	int count;
} VmdkSource;

static char *vmdk_error_text(libvmdk_error_t *err)
{
	char buf[4096] = "";
	if (err != NULL)
		libvmdk_error_backtrace_sprint(err, buf, sizeof buf);
	libvmdk_error_free(&err);
	return image_backend_error_text(buf);
}

static ssize_t vmdk_read_raw(ImageBackendSource *self, uint64_t offset, void *buf, size_t length,
			     char **message)
{
	VmdkSource *src = (VmdkSource *)self;
	libvmdk_error_t *err = NULL;
	ssize_t n = libvmdk_handle_read_buffer_at_offset(src->handles[0], buf, length, (off64_t)offset,
							 &err);
	if (n < 0)
		*message = vmdk_error_text(err);
	return n;
}

static void vmdk_free_handles(ImageBackendSource *self)
{
	VmdkSource *src = (VmdkSource *)self;
	for (int i = 0; i < src->count; i++) {
		libvmdk_handle_close(src->handles[i], NULL);
		libvmdk_handle_free(&src->handles[i], NULL);
	}
}

static const char *extent_type_name(int type)
{
	switch (type) {
	case LIBVMDK_EXTENT_TYPE_FLAT: return "FLAT";
	case LIBVMDK_EXTENT_TYPE_SPARSE: return "SPARSE";
	case LIBVMDK_EXTENT_TYPE_VMFS_FLAT: return "VMFS";
	case LIBVMDK_EXTENT_TYPE_VMFS_SPARSE: return "VMFSSPARSE";
	case LIBVMDK_EXTENT_TYPE_VMFS_RAW: return "VMFSRAW";
	case LIBVMDK_EXTENT_TYPE_VMFS_RDM: return "VMFSRDM";
	case LIBVMDK_EXTENT_TYPE_ZERO: return "ZERO";
	}
	return "unknown";
}

/* The extent types the descriptor lists, for a refusal: "SPARSE, VMFSRDM". */
static char *extent_types(libvmdk_handle_t *handle)
{
	GString *out = g_string_new(NULL);
	int count = 0;
	if (libvmdk_handle_get_number_of_extents(handle, &count, NULL) != 1)
		count = 0;
	for (int i = 0; i < count && i < 64; i++) {
		libvmdk_extent_descriptor_t *desc = NULL;
		int type = 0;
		if (libvmdk_handle_get_extent_descriptor(handle, i, &desc, NULL) != 1)
			continue;
		if (libvmdk_extent_descriptor_get_type(desc, &type, NULL) == 1 &&
		    strstr(out->str, extent_type_name(type)) == NULL)
			g_string_append_printf(out, "%s%s", out->len > 0 ? ", " : "", extent_type_name(type));
		libvmdk_extent_descriptor_free(&desc, NULL);
	}
	return g_string_free(out, FALSE);
}

/* Opens `path` with its extents as handles[count]. */
static bool vmdk_open_one(VmdkSource *src, const char *path, GError **error)
{
	libvmdk_error_t *err = NULL;
	libvmdk_handle_t *handle = NULL;
	g_autofree char *dir = g_path_get_dirname(path);
	if (libvmdk_handle_initialize(&handle, &err) != 1 ||
	    libvmdk_handle_open(handle, path, LIBVMDK_OPEN_READ, &err) != 1) {
		g_autofree char *text = vmdk_error_text(err);
		libvmdk_handle_free(&handle, NULL);
		return rfs_set_unsupported(error, "%s: libvmdk cannot open this VMDK image: %s", path, text);
	}
	src->handles[src->count++] = handle;
	if (libvmdk_handle_set_extent_data_files_path(handle, dir, strlen(dir), &err) != 1 ||
	    libvmdk_handle_open_extent_data_files(handle, &err) != 1) {
		g_autofree char *text = vmdk_error_text(err);
		g_autofree char *types = extent_types(handle);
		return rfs_set_unsupported(error, "%s: libvmdk cannot read the extents (%s): %s", path,
					   *types != '\0' ? types : "none listed", text);
	}
	return true;
}

/* The parent's file name (parentFileNameHint), NULL (no error) when there is none. */
static char *vmdk_parent_name(libvmdk_handle_t *handle, const char *path, GError **error)
{
	libvmdk_error_t *err = NULL;
	size_t size = 0;
	int r = libvmdk_handle_get_utf8_parent_filename_size(handle, &size, &err);
	if (r == 0 || (r == 1 && size <= 1))
		return NULL;
	char *name = r == 1 && size <= 65536 ? g_malloc0(size + 1) : NULL;
	if (name == NULL || libvmdk_handle_get_utf8_parent_filename(handle, (uint8_t *)name, size, &err) != 1) {
		g_autofree char *text = vmdk_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: VMDK parent file name: %s", path, text);
		g_free(name);
		return NULL;
	}
	return name;
}

static char *vmdk_chain_parent_name(ImageBackendSource *self, const char *path, const char **kind,
				    GError **error)
{
	VmdkSource *src = (VmdkSource *)self;
	return vmdk_parent_name(src->handles[src->count - 1], path, error);
}

static bool vmdk_chain_open(ImageBackendSource *self, const char *path, GError **error)
{
	return vmdk_open_one((VmdkSource *)self, path, error);
}

static bool vmdk_chain_link(ImageBackendSource *self, const char *child_path,
			    const char *parent_path, GError **error)
{
	VmdkSource *src = (VmdkSource *)self;
	libvmdk_error_t *err = NULL;
	if (libvmdk_handle_set_parent_handle(src->handles[src->count - 2],
					     src->handles[src->count - 1], &err) == 1)
		return true;
	g_autofree char *text = vmdk_error_text(err);
	return rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: parent %s does not fit: %s", child_path,
			     parent_path, text);
}

static const ImageChainOps vmdk_chain = {
	.parents = "parents",
	.parent_name = vmdk_chain_parent_name,
	.open = vmdk_chain_open,
	.link = vmdk_chain_link,
};

BlockSource *vmdk_source_open(const char *path, GError **error)
{
	VmdkSource *src = g_new0(VmdkSource, 1);
	src->base.path = g_strdup(path);
	src->base.format_name = "VMDK";
	src->base.read_raw = vmdk_read_raw;
	src->base.free_handles = vmdk_free_handles;
	g_mutex_init(&src->base.lock);
	libvmdk_error_t *err = NULL;
	size64_t media_size = 0;
	if (!vmdk_open_one(src, path, error) ||
	    !image_backend_open_chain(&src->base, &vmdk_chain, path, error)) {
		image_backend_free(&src->base);
		return NULL;
	}
	if (libvmdk_handle_get_media_size(src->handles[0], &media_size, &err) != 1) {
		g_autofree char *text = vmdk_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: VMDK media size: %s", path, text);
		image_backend_free(&src->base);
		return NULL;
	}
	return image_backend_finish(&src->base, media_size, 512, error);
}
