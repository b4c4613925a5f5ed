/* QCOW (versions 1 to 3) images through libqcow, with the chain of backing files, each
 * looked for beside the image that names it. libqcow and its error objects never leave
 * this file; every file is opened read-only. Encrypted images are refused. One mutex
 * (image_source.c) serialises the reads, since an image reads through its backing
 * files' handles. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_backend.h"
#include "util/error.h"

#include <libqcow.h>

typedef struct {
	ImageBackendSource base;
	libqcow_file_t *files[IMAGE_BACKEND_MAX_PARENTS + 1]; /* [0] the image, then backing files */
	int count;
} QcowSource;

static char *qcow_error_text(libqcow_error_t *err)
{
	char buf[4096] = "";
	if (err != NULL)
		libqcow_error_backtrace_sprint(err, buf, sizeof buf);
	libqcow_error_free(&err);
	return image_backend_error_text(buf);
}

static ssize_t qcow_read_raw(ImageBackendSource *self, uint64_t offset, void *buf, size_t length,
			     char **message)
{
	QcowSource *src = (QcowSource *)self;
	libqcow_error_t *err = NULL;
	ssize_t n = libqcow_file_read_buffer_at_offset(src->files[0], buf, length, (off64_t)offset,
						       &err);
	if (n < 0)
		*message = qcow_error_text(err);
	return n;
}

static void qcow_free_handles(ImageBackendSource *self)
{
	QcowSource *src = (QcowSource *)self;
	for (int i = 0; i < src->count; i++) {
		libqcow_file_close(src->files[i], NULL);
		libqcow_file_free(&src->files[i], NULL);
	}
}

static bool qcow_open_one(QcowSource *src, const char *path, GError **error)
{
	libqcow_error_t *err = NULL;
	libqcow_file_t *file = NULL;
	uint32_t method = 0;
	if (libqcow_file_initialize(&file, &err) != 1 ||
	    libqcow_file_open(file, path, LIBQCOW_OPEN_READ, &err) != 1) {
		g_autofree char *text = qcow_error_text(err);
		libqcow_file_free(&file, NULL);
		return rfs_set_unsupported(error, "%s: libqcow cannot open this QCOW image: %s", path,
					   text);
	}
	src->files[src->count++] = file;
	if (libqcow_file_get_encryption_method(file, &method, NULL) == 1 &&
	    method != LIBQCOW_ENCRYPTION_METHOD_NONE)
		return rfs_set_unsupported(error, "%s: encrypted QCOW images (%s) are not supported",
					   path, method == LIBQCOW_ENCRYPTION_METHOD_LUKS ? "LUKS" : "AES-CBC");
	return true;
}

/* The backing file's name, NULL (no error) when the image has none. */
static char *qcow_backing_name(libqcow_file_t *file, const char *path, GError **error)
{
	libqcow_error_t *err = NULL;
	size_t size = 0;
	int r = libqcow_file_get_utf8_backing_filename_size(file, &size, &err);
	if (r == 0 || (r == 1 && size <= 1))
		return NULL;
	char *name = r == 1 && size <= 65536 ? g_malloc0(size + 1) : NULL;
	if (name == NULL || libqcow_file_get_utf8_backing_filename(file, (uint8_t *)name, size, &err) != 1) {
		g_autofree char *text = qcow_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: QCOW backing file name: %s", path, text);
		g_free(name);
		return NULL;
	}
	return name;
}

static char *qcow_chain_parent_name(ImageBackendSource *self, const char *path, const char **kind,
				    GError **error)
{
	QcowSource *src = (QcowSource *)self;
	return qcow_backing_name(src->files[src->count - 1], path, error);
}

static bool qcow_chain_open(ImageBackendSource *self, const char *path, GError **error)
{
	return qcow_open_one((QcowSource *)self, path, error);
}

static bool qcow_chain_link(ImageBackendSource *self, const char *child_path,
			    const char *parent_path, GError **error)
{
	QcowSource *src = (QcowSource *)self;
	libqcow_error_t *err = NULL;
	if (libqcow_file_set_parent_file(src->files[src->count - 2], src->files[src->count - 1],
					 &err) == 1)
		return true;
	g_autofree char *text = qcow_error_text(err);
	return rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: backing file %s does not fit: %s",
			     child_path, parent_path, text);
}

static const ImageChainOps qcow_chain = {
	.parents = "backing files",
	.parent_name = qcow_chain_parent_name,
	.open = qcow_chain_open,
	.link = qcow_chain_link,
};

BlockSource *qcow_source_open(const char *path, GError **error)
{
	QcowSource *src = g_new0(QcowSource, 1);
	src->base.path = g_strdup(path);
	src->base.format_name = "QCOW";
	src->base.read_raw = qcow_read_raw;
	src->base.free_handles = qcow_free_handles;
	g_mutex_init(&src->base.lock);
	libqcow_error_t *err = NULL;
	size64_t media_size = 0;
	if (!qcow_open_one(src, path, error) ||
	    !image_backend_open_chain(&src->base, &qcow_chain, path, error)) {
		image_backend_free(&src->base);
		return NULL;
	}
	if (libqcow_file_get_media_size(src->files[0], &media_size, &err) != 1) {
		g_autofree char *text = qcow_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: QCOW media size: %s", path, text);
		image_backend_free(&src->base);
		return NULL;
	}
	return image_backend_finish(&src->base, media_size, 512, error);
}
