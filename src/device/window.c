/* A byte range of another source (a partition, a lost volume at a start sector) as a
 * source of its own. Owns its parent. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/block_source.h"
#include "util/error.h"

typedef struct {
	BlockSource base;
	BlockSource *parent;
	uint64_t offset;
} Window;

static bool window_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
			   GError **error)
{
	Window *w = (Window *)self;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "read of %zu bytes at %" PRIu64 " is past the end of the volume (%" PRIu64 " bytes)",
				  length, offset, self->size_bytes);
	return block_source_read(w->parent, w->offset + offset, buf, length, error);
}

static bool window_fd_range(BlockSource *self, uint64_t offset, uint64_t length, int *fd,
			    uint64_t *fd_offset, const uint8_t **mapped)
{
	Window *w = (Window *)self;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return false;
	return block_source_fd_range(w->parent, w->offset + offset, length, fd, fd_offset, mapped);
}

static void window_close(BlockSource *self)
{
	Window *w = (Window *)self;
	block_source_close(w->parent);
	g_free(w);
}

BlockSource *window_open(BlockSource *parent, uint64_t offset, uint64_t size, GError **error)
{
	if (offset > parent->size_bytes || size > parent->size_bytes - offset || size == 0) {
		rfs_set_error(error, RFS_ERROR_INVALID,
			      "the range of %" PRIu64 " bytes at byte %" PRIu64 " is not inside the source (%" PRIu64 " bytes)",
			      size, offset, parent->size_bytes);
		block_source_close(parent);
		return NULL;
	}
	Window *w = g_new0(Window, 1);
	w->parent = parent;
	w->offset = offset;
	w->base.size_bytes = size;
	w->base.sector_size = parent->sector_size;
	w->base.read_at = window_read_at;
	w->base.close = window_close;
	w->base.fd_range = window_fd_range;
	return &w->base;
}
