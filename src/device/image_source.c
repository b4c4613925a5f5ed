/* Opening a source by path whatever its container: a raw image or block device through
 * file_source.c, an E01, VHD(X), VMDK or QCOW through its libyal backend, recognised by
 * signature (image_format.c). Also the part every backend shares: reads under one mutex,
 * the size checks at open, error text and finding a differencing image's parent. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_backend.h"
#include "device/image_format.h"
#include "util/error.h"

#include <inttypes.h>
#include <string.h>

static bool image_backend_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
				  GError **error)
{
	ImageBackendSource *src = (ImageBackendSource *)self;
	uint8_t *out = buf;

	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "%s: read of %zu bytes at %" PRIu64 " is past the end (%" PRIu64 " bytes)",
				  src->path, length, offset, self->size_bytes);
	g_mutex_lock(&src->lock);
	while (length > 0) {
		char *message = NULL;
		ssize_t n = src->read_raw(src, offset, out, length, &message);
		if (n <= 0 || (size_t)n > length) {
			g_mutex_unlock(&src->lock);
			rfs_set_io(error, "%s: %s read at %" PRIu64 ": %s", src->path, src->format_name,
				   offset, message != NULL ? message : "no data");
			g_free(message);
			return false;
		}
		out += n;
		offset += (uint64_t)n;
		length -= (size_t)n;
	}
	g_mutex_unlock(&src->lock);
	return true;
}

void image_backend_free(ImageBackendSource *src)
{
	if (src == NULL)
		return;
	src->free_handles(src);
	g_mutex_clear(&src->lock);
	g_free(src->path);
	g_free(src);
}

static void image_backend_close(BlockSource *self)
{
	image_backend_free((ImageBackendSource *)self);
}

BlockSource *image_backend_finish(ImageBackendSource *src, uint64_t media_size_bytes,
				  uint32_t sector_size, GError **error)
{
	if (sector_size == 0)
		sector_size = 512;
	if (sector_size < 512 || sector_size > 65536 || (sector_size & (sector_size - 1)) != 0) {
		rfs_set_unsupported(error, "%s: the %s reports %" PRIu32 "-byte sectors; restorefs reads 512..65536",
				    src->path, src->format_name, sector_size);
		image_backend_free(src);
		return NULL;
	}
	if (media_size_bytes == 0 || media_size_bytes > (uint64_t)INT64_MAX) {
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: the %s reports a disk of %" PRIu64 " bytes",
			      src->path, src->format_name, media_size_bytes);
		image_backend_free(src);
		return NULL;
	}
	src->base.size_bytes = media_size_bytes;
	src->base.sector_size = sector_size;
	src->base.read_at = image_backend_read_at;
	src->base.close = image_backend_close;
	/* The size comes from the image's header: read the end once, so that a header that
	 * promises more than the file holds fails here and not in the middle of a scan. */
	uint8_t last[512];
	size_t n = (size_t)MIN((uint64_t)sizeof last, media_size_bytes);
	g_autoptr(GError) local = NULL;
	if (!block_source_read(&src->base, media_size_bytes - n, last, n, &local)) {
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: the %s reports a disk of %" PRIu64 " bytes, but its end cannot be read: %s",
			      src->path, src->format_name, media_size_bytes, local->message);
		image_backend_free(src);
		return NULL;
	}
	return &src->base;
}

char *image_backend_error_text(const char *backtrace)
{
	/* libyal puts the innermost cause first: "libfoo_bar: unable to ...". */
	g_auto(GStrv) lines = g_strsplit(backtrace != NULL ? backtrace : "", "\n", -1);
	for (char **line = lines; *line != NULL; line++) {
		char *text = g_strstrip(*line);
		const char *colon = strstr(text, ": ");
		const char *space = strchr(text, ' ');
		if (colon != NULL && g_str_has_prefix(text, "lib") && space == colon + 1)
			text += colon + 2 - text;
		size_t len = strlen(text);
		while (len > 0 && text[len - 1] == '.')
			text[--len] = '\0';
		if (len > 0)
			return g_strdup(text);
	}
	return g_strdup("unknown error");
}

char *image_backend_parent_path(const char *child_path, const char *format_name,
				const char *parent_name, GError **error)
{
	const char *base = parent_name;
	for (const char *p = parent_name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	g_autofree char *dir = g_path_get_dirname(child_path);
	g_autofree char *child_base = g_path_get_basename(child_path);
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		rfs_set_error(error, RFS_ERROR_CORRUPT, "differencing %s %s names no usable parent (\"%s\")",
			      format_name, child_path, parent_name);
		return NULL;
	}
	char *path = g_build_filename(dir, base, NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		rfs_set_error(error, RFS_ERROR_NOT_FOUND, "differencing %s needs its parent: %s next to %s",
			      format_name, base, child_base);
		g_free(path);
		return NULL;
	}
	return path;
}

bool image_backend_open_chain(ImageBackendSource *src, const ImageChainOps *ops,
			      const char *path, GError **error)
{
	g_autofree char *child_path = g_strdup(path);
	for (unsigned depth = 0;; depth++) {
		const char *kind = src->format_name;
		GError *local = NULL;
		g_autofree char *name = ops->parent_name(src, child_path, &kind, &local);
		if (local != NULL) {
			g_propagate_error(error, local);
			return false;
		}
		if (name == NULL)
			return true;
		if (depth >= IMAGE_BACKEND_MAX_PARENTS)
			return rfs_set_unsupported(error, "%s: more than %d %s in the chain", path,
						   IMAGE_BACKEND_MAX_PARENTS, ops->parents);
		g_autofree char *parent_path = image_backend_parent_path(child_path, kind, name, error);
		if (parent_path == NULL || !ops->open(src, parent_path, error) ||
		    !ops->link(src, child_path, parent_path, error))
			return false;
		g_free(child_path);
		child_path = g_steal_pointer(&parent_path);
	}
}

/* Reads the first and last bytes of `path` (through the raw source) to recognise it. */
static bool sniff(BlockSource *raw, ImageFormat *format, GError **error)
{
	uint8_t head[IMAGE_FORMAT_HEAD_BYTES], tail[IMAGE_FORMAT_TAIL_BYTES];
	size_t head_n = (size_t)MIN((uint64_t)sizeof head, raw->size_bytes);
	size_t tail_n = (size_t)MIN((uint64_t)sizeof tail, raw->size_bytes);
	if (!block_source_read(raw, 0, head, head_n, error) ||
	    !block_source_read(raw, raw->size_bytes - tail_n, tail, tail_n, error))
		return false;
	*format = image_format_sniff(byte_span(head, head_n), byte_span(tail, tail_n));
	return true;
}

BlockSource *image_source_open(const char *path, uint32_t flags, GError **error)
{
	BlockSource *raw = file_source_open(path, flags, error);
	ImageFormat format = IMAGE_FORMAT_RAW;
	if (raw == NULL)
		return NULL;
	if (!sniff(raw, &format, error)) {
		block_source_close(raw);
		return NULL;
	}
	if (format == IMAGE_FORMAT_RAW)
		return raw;
	/* Containers are files, read by their library through its own file handles. */
	block_source_close(raw);
	g_debug("%s: a %s image", path, image_format_name(format));
	switch (format) {
	case IMAGE_FORMAT_EWF:
	case IMAGE_FORMAT_EWF2:
		return ewf_source_open(path, error);
	case IMAGE_FORMAT_VHD:
	case IMAGE_FORMAT_VHDX:
		return vhdi_source_open(path, error);
	case IMAGE_FORMAT_VMDK:
	case IMAGE_FORMAT_VMDK_COWD:
		return vmdk_source_open(path, error);
	case IMAGE_FORMAT_QCOW:
		return qcow_source_open(path, error);
	case IMAGE_FORMAT_EWF_LOGICAL:
	case IMAGE_FORMAT_RAW:
		break;
	}
	rfs_set_unsupported(error, "%s is an %s logical evidence file: it holds files, not a disk image",
			    path, image_format_name(format));
	return NULL;
}
