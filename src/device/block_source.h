/* The byte source under everything: the only way up-stack code touches the volume.
 * Implementations: file_source.c (image file or block device, O_RDONLY), image_source.c
 * (E01, VHD/VHDX, VMDK, QCOW through their libraries), window.c (a byte
 * range of another source: partition, lost volume) and the decrypted side of an encrypted
 * volume (encrypted_volume.h). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct BlockSource BlockSource;

struct BlockSource {
	uint64_t size_bytes;
	uint32_t sector_size; /* logical sector size in bytes (512 for image files) */
	/* Fills all `length` bytes or fails (RFS_ERROR_IO; a read past size_bytes fails too).
	 * Must be safe to call from several threads at once. */
	bool (*read_at)(BlockSource *self, uint64_t offset, void *buf, size_t length,
			GError **error);
	void (*close)(BlockSource *self); /* frees self */
	/* Optional (NULL: never). For zero-copy transfers only: where the bytes [offset,
	 * offset + length) lie verbatim, as one range of a file descriptor the source keeps
	 * open until close, and *mapped the same bytes in a read-only shared mapping of that
	 * descriptor (NULL when it cannot be mapped), valid until close. The mapping is only
	 * for the kernel to copy from (write(2) and the like): touching it from user space
	 * raises SIGBUS where the source fails. False, with nothing set, when the bytes do not
	 * lie verbatim anywhere (a decrypted or an image-format source, a range past the end).
	 * Never fails otherwise; thread-safe. */
	bool (*fd_range)(BlockSource *self, uint64_t offset, uint64_t length, int *fd,
			 uint64_t *fd_offset, const uint8_t **mapped);
};

static inline bool block_source_read(BlockSource *src, uint64_t offset, void *buf,
				     size_t length, GError **error)
{
	return src->read_at(src, offset, buf, length, error);
}

/* See BlockSource.fd_range: false when the source has no such descriptor. */
static inline bool block_source_fd_range(BlockSource *src, uint64_t offset, uint64_t length,
					 int *fd, uint64_t *fd_offset, const uint8_t **mapped)
{
	return src->fd_range != NULL && src->fd_range(src, offset, length, fd, fd_offset, mapped);
}

static inline void block_source_close(BlockSource *src)
{
	if (src != NULL)
		src->close(src);
}

typedef enum {
	FILE_SOURCE_FORCE = 1u << 0,  /* open even if mounted read-write or held elsewhere */
	FILE_SOURCE_SHARED = 1u << 1, /* a quick look (discovery): no exclusive claim needed */
} FileSourceFlags;

/* Opens an image file or block device O_RDONLY (block devices also O_EXCL, so nobody
 * mounts them while we read). Refuses directories, empty files, sources mounted read-write
 * (RFS_ERROR_BUSY) and block devices held by something we cannot see, such as a mount in
 * another namespace (RFS_ERROR_BUSY), unless FILE_SOURCE_FORCE; the message says what to
 * unmount, and the caller adds how to force. A device mounted read-only here is read
 * without the claim. */
BlockSource *file_source_open(const char *path, uint32_t flags, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* Opens `path` whatever its container: an E01 (split .E01/.E02/... found from the first
 * segment), a VHD or VHDX, a VMDK or a QCOW image (recognised by signature, differencing
 * images with their parents beside them) as the disk it holds, read-only; anything else
 * as file_source_open() does. Refuses formats the container libraries cannot read
 * (RFS_ERROR_UNSUPPORTED), missing segments and parents (RFS_ERROR_NOT_FOUND) and sizes
 * that reads cannot reach (RFS_ERROR_CORRUPT), each in one line that names the file. */
BlockSource *image_source_open(const char *path, uint32_t flags, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* The byte range [offset, offset + size) of `parent` as a source of its own. Takes
 * ownership of parent. Fails if the range is not inside parent. */
BlockSource *window_open(BlockSource *parent, uint64_t offset, uint64_t size,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
