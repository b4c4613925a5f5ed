/* VHD and VHDX images through libvhdi: fixed, dynamic and differencing, whose parents are
 * looked for beside the child. libvhdi and its error objects never leave this file; every
 * file is opened read-only. One mutex (image_source.c) serialises the reads, since a
 * child reads through its parents' handles. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_backend.h"
#include "util/error.h"

#include <libvhdi.h>
#include <string.h>

typedef struct {
	ImageBackendSource base;
	libvhdi_file_t *files[IMAGE_BACKEND_MAX_PARENTS + 1]; /* [0] the image, then its parents */
	int count;
} VhdiSource;

static char *vhdi_error_text(libvhdi_error_t *err)
{
	char buf[4096] = "";
	if (err != NULL)
		libvhdi_error_backtrace_sprint(err, buf, sizeof buf);
	libvhdi_error_free(&err);
	return image_backend_error_text(buf);
}

static ssize_t vhdi_read_raw(ImageBackendSource *self, uint64_t offset, void *buf, size_t length,
			     char **message)
{
	VhdiSource *src = (VhdiSource *)self;
	libvhdi_error_t *err = NULL;
	ssize_t n = libvhdi_file_read_buffer_at_offset(src->files[0], buf, length, (off64_t)offset,
						       &err);
	if (n < 0)
		*message = vhdi_error_text(err);
	return n;
}

static void vhdi_free_handles(ImageBackendSource *self)
{
	VhdiSource *src = (VhdiSource *)self;
	for (int i = 0; i < src->count; i++) {
		libvhdi_file_close(src->files[i], NULL);
		libvhdi_file_free(&src->files[i], NULL);
	}
}

static const char *vhdi_kind(libvhdi_file_t *file)
{
	int type = 0;
	return libvhdi_file_get_file_type(file, &type, NULL) == 1 && type == LIBVHDI_FILE_TYPE_VHDX
		       ? "VHDX" : "VHD";
}

/* Opens `path` as files[count]. */
static bool vhdi_open_one(VhdiSource *src, const char *path, GError **error)
{
	libvhdi_error_t *err = NULL;
	libvhdi_file_t *file = NULL;
	if (libvhdi_file_initialize(&file, &err) != 1 ||
	    libvhdi_file_open(file, path, LIBVHDI_OPEN_READ, &err) != 1) {
		g_autofree char *text = vhdi_error_text(err);
		libvhdi_file_free(&file, NULL);
		return rfs_set_unsupported(error, "%s: libvhdi cannot open this VHD/VHDX image: %s",
					   path, text);
	}
	src->files[src->count++] = file;
	return true;
}

/* The parent's file name that a differencing image records, NULL (with the error set) if
 * it records none. */
static char *vhdi_parent_name(libvhdi_file_t *file, const char *path, GError **error)
{
	libvhdi_error_t *err = NULL;
	size_t size = 0;
	if (libvhdi_file_get_utf8_parent_filename_size(file, &size, &err) != 1 || size == 0 ||
	    size > 65536) {
		g_autofree char *text = vhdi_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT,
			      "%s: differencing %s without a parent file name: %s", path,
			      vhdi_kind(file), text);
		return NULL;
	}
	char *name = g_malloc0(size + 1);
	if (libvhdi_file_get_utf8_parent_filename(file, (uint8_t *)name, size, &err) != 1) {
		g_autofree char *text = vhdi_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: differencing %s parent name: %s", path,
			      vhdi_kind(file), text);
		g_free(name);
		return NULL;
	}
	return name;
}

static char *vhdi_chain_parent_name(ImageBackendSource *self, const char *path, const char **kind,
				    GError **error)
{
	VhdiSource *src = (VhdiSource *)self;
	libvhdi_file_t *child = src->files[src->count - 1];
	uint32_t disk_type = 0;
	if (libvhdi_file_get_disk_type(child, &disk_type, NULL) != 1 ||
	    disk_type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
		return NULL;
	*kind = vhdi_kind(child);
	return vhdi_parent_name(child, path, error);
}

static bool vhdi_chain_open(ImageBackendSource *self, const char *path, GError **error)
{
	return vhdi_open_one((VhdiSource *)self, path, error);
}

static bool vhdi_chain_link(ImageBackendSource *self, const char *child_path,
			    const char *parent_path, GError **error)
{
	VhdiSource *src = (VhdiSource *)self;
	libvhdi_error_t *err = NULL;
	if (libvhdi_file_set_parent_file(src->files[src->count - 2], src->files[src->count - 1],
					 &err) == 1)
		return true;
	g_autofree char *text = vhdi_error_text(err);
	return rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: parent %s does not fit: %s", child_path,
			     parent_path, text);
}

static const ImageChainOps vhdi_chain = {
	.parents = "parents",
	.parent_name = vhdi_chain_parent_name,
	.open = vhdi_chain_open,
	.link = vhdi_chain_link,
};

BlockSource *vhdi_source_open(const char *path, GError **error)
{
	VhdiSource *src = g_new0(VhdiSource, 1);
	src->base.path = g_strdup(path);
	src->base.format_name = "VHD";
	src->base.read_raw = vhdi_read_raw;
	src->base.free_handles = vhdi_free_handles;
	g_mutex_init(&src->base.lock);
	if (!vhdi_open_one(src, path, error) ||
	    !image_backend_open_chain(&src->base, &vhdi_chain, path, error)) {
		image_backend_free(&src->base);
		return NULL;
	}
	src->base.format_name = vhdi_kind(src->files[0]);
	libvhdi_error_t *err = NULL;
	size64_t media_size = 0;
	uint32_t sector_size = 0;
	if (libvhdi_file_get_media_size(src->files[0], &media_size, &err) != 1 ||
	    libvhdi_file_get_bytes_per_sector(src->files[0], &sector_size, &err) != 1) {
		g_autofree char *text = vhdi_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: %s media size: %s", path,
			      src->base.format_name, text);
		image_backend_free(&src->base);
		return NULL;
	}
	return image_backend_finish(&src->base, media_size, sector_size, error);
}
