/* What the image-format backends (ewf_source.c, vhdi_source.c, vmdk_source.c,
 * qcow_source.c) share: a BlockSource whose reads go through a library handle under one
 * mutex, and the checks every one of them makes at open. Included by device/ only. */
#pragma once

#include "device/block_source.h"

#include <sys/types.h>

typedef struct ImageBackendSource ImageBackendSource;

struct ImageBackendSource {
	BlockSource base;
	GMutex lock;             /* held around every library call after open */
	char *path;              /* the file the caller named */
	const char *format_name; /* "E01", "VHDX", ... */
	/* Reads up to `length` bytes at `offset` from the handle; returns how many, or -1
	 * with *message set (g_free). Called with `lock` held. */
	ssize_t (*read_raw)(ImageBackendSource *self, uint64_t offset, void *buf, size_t length,
			    char **message);
	void (*free_handles)(ImageBackendSource *self); /* releases the library's handles */
};

/* Fills in the BlockSource side of `src` (read_at, close, sizes) once the library has
 * opened the image, and checks what it reports: a size that reads can reach (the last
 * sector is read once here) and a sector size in 512..65536 (0 means 512). Frees src
 * (through free_handles) and returns NULL on failure. */
BlockSource *image_backend_finish(ImageBackendSource *src, uint64_t media_size_bytes,
				  uint32_t sector_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Frees src and its handles (for failures before image_backend_finish). */
void image_backend_free(ImageBackendSource *src);

/* The innermost cause out of a libyal error backtrace, without the function name and
 * the full stop, g_free. */
char *image_backend_error_text(const char *backtrace);

/* Where the parent (or backing file) named `parent_name` of the differencing image
 * `child_path` is: beside the child, whatever directory the name carries (a Windows path
 * in a VHDX). NULL with RFS_ERROR_NOT_FOUND when it is not there. */
char *image_backend_parent_path(const char *child_path, const char *format_name,
				const char *parent_name, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The longest chain of parents followed, so a loop of images ends. */
#define IMAGE_BACKEND_MAX_PARENTS 16

/* How a backend follows a differencing image's chain (image_backend_open_chain). Each
 * callback works on the image the backend opened last. */
typedef struct {
	const char *parents; /* "parents", "backing files": for the too-deep message */
	/* The last image's parent file name; NULL when it has none (error unset) or on
	 * failure (error set). May point *kind at the image's format name for messages. */
	char *(*parent_name)(ImageBackendSource *src, const char *path, const char **kind,
			     GError **error);
	/* Opens `path` as the next image of the chain. */
	bool (*open)(ImageBackendSource *src, const char *path, GError **error);
	/* Links the image before the last (at child_path) to the last (at parent_path). */
	bool (*link)(ImageBackendSource *src, const char *child_path, const char *parent_path,
		     GError **error);
} ImageChainOps;

/* Opens the parents of the image at `path` (opened already), each beside its child, at
 * most IMAGE_BACKEND_MAX_PARENTS deep, and links each child to its parent. */
bool image_backend_open_chain(ImageBackendSource *src, const ImageChainOps *ops,
			      const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

BlockSource *ewf_source_open(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
BlockSource *vhdi_source_open(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
BlockSource *vmdk_source_open(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
BlockSource *qcow_source_open(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
